"""The ``paramcount`` command.

    paramcount count MODEL [--json] [--input-shape SHAPE] [--keras]
    paramcount explain MODEL [--json] [--keras]
    paramcount explain "Bidirectional(LSTM(128))" --input-shape "(28, 28)"
    paramcount reconcile SUMMARY.txt [--json]     (a pasted model.summary(); '-' for stdin)

Bad input gets one line on stderr and exit status 2, never a traceback. ``--keras`` is the only
option that imports Keras (to measure layers paramcount has no formula for).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__, count, explain_layer
from .errors import ParamcountError
from .explain import explain_layer_text, explain_model, summary_table

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, status 2, like ours
        self.exit(EXIT_BAD_INPUT, f"paramcount: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="paramcount", description="Count and explain the parameters of a Keras "
                "model from its config (.keras or JSON), without TensorFlow.")
    p.add_argument("--version", action="version", version=f"paramcount {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    c = sub.add_parser("count", help="a table like model.summary(), plus totals")
    c.add_argument("model", help="a .keras archive or a JSON config file ('-' for stdin)")
    c.add_argument("--json", action="store_true", help="print the full count as JSON")
    c.add_argument("--input-shape", help="input shape (no batch axis) for a model without one")
    c.add_argument("--keras", action="store_true", help=_KERAS_HELP)
    e = sub.add_parser("explain", help="each layer's derivation, step by step")
    e.add_argument("model", help="a .keras archive, a JSON config file, or one layer as Keras "
                   "code such as \"LSTM(128)\"")
    e.add_argument("--input-shape", help="input shape without the batch axis, e.g. \"(28, 28)\"")
    e.add_argument("--json", action="store_true", help="print the full count as JSON")
    e.add_argument("--keras", action="store_true", help=_KERAS_HELP)
    r = sub.add_parser("reconcile", help="explain every row of a pasted model.summary() table")
    r.add_argument("summary", help="a text file holding the table ('-' for stdin)")
    r.add_argument("--json", action="store_true", help="print the rows and totals as JSON")
    return p


_KERAS_HELP = ("load the model with the installed Keras (safe mode) to measure layers paramcount "
               "has no formula for, such as custom layers; they are marked as measured")


def _looks_like_code(text: str) -> bool:
    return "(" in text and not Path(text).exists()


def _read(arg: str):
    return sys.stdin.read() if arg == "-" else Path(arg)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "reconcile":
            return _reconcile(args)
        if args.command == "explain" and _looks_like_code(args.model):
            layer = explain_layer(args.model, args.input_shape)
            print(json.dumps(layer.to_dict(), indent=2) if args.json else
                  explain_layer_text(layer) + f"\nTotal params: {layer.params:,}")
            return 0
        source = _read(args.model)
        if args.keras:
            from .layercode import parse_shape
            from .measure import count_with_keras

            shape = parse_shape(args.input_shape) if args.input_shape else None
            model = count_with_keras(source, shape)
        else:
            model = count(source, args.input_shape)
        if args.json:
            print(json.dumps(model.to_dict(), indent=2))
        elif args.command == "count":
            print(summary_table(model))
        else:
            print(explain_model(model))
        return 0
    except ParamcountError as e:
        print(f"paramcount: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug in paramcount, not in the input: still one line
        if os.environ.get("PARAMCOUNT_DEBUG"):
            raise
        print(f"paramcount: error: internal error ({type(e).__name__}: {e}); please report it "
              "(PARAMCOUNT_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def _reconcile(args) -> int:
    from .reconciler import reconcile

    if args.summary == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.summary).read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            raise ParamcountError(f"cannot read {args.summary}: {e.strerror}") from None
    result = reconcile(text)
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
