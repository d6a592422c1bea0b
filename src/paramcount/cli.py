"""The ``paramcount`` command.

    paramcount count MODEL [--json] [--input-shape SHAPE] [--keras] [--weights FILE]
                           [--optimizer NAME]
    paramcount explain MODEL [--json] [--keras] [--weights FILE] [--optimizer NAME]
    paramcount explain "Bidirectional(LSTM(128))" --input-shape "(28, 28)"
    paramcount reconcile SUMMARY.txt [--json]     (a pasted model.summary(); '-' for stdin)

Bad input gets one line on stderr and exit status 2, never a traceback, whatever the input (see
the limits in ``--help``). ``--keras`` is the only option that imports Keras (to measure layers
paramcount has no formula for), in its safe mode: the only modules imported are Keras' own and
those named with ``--import``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

from . import __version__, count, explain_layer, safety
from .counting import attach_optimizer
from .errors import ParamcountError, printable
from .read import MAX_CONFIG_BYTES
from .result import ModelCount
from .show.explain import explain_layer_text, explain_model, summary_table, totals

EXIT_BAD_INPUT = 2  # any input paramcount will not count, and any failure: never a traceback

LIMITS = (f"a config (file, archive member or stdin) of at most {MAX_CONFIG_BYTES:,} bytes and "
          f"{safety.MAX_JSON_CONTAINERS:,} lists and objects; {safety.MAX_LAYERS:,} layer calls; "
          f"layer code and --input-shape of at most {safety.MAX_CODE_CHARS:,} characters; sizes "
          f"and counts of at most {safety.MAX_DIGITS} digits; {safety.MAX_WEIGHTS:,} weights "
          f"listed for one layer. Within them every answer takes under "
          f"{safety.BUDGET_SECONDS} s and {safety.BUDGET_MB} MB.")

# What each command's --help says first (wrapped to 78 columns).
DESCRIPTIONS = {
    None: "Count and explain the parameters of a Keras model from its config (.keras, .h5 or "
          "JSON), without TensorFlow.",
    "count": "Count a model's parameters: a table like model.summary().",
    "explain": "Explain each layer's count: its formula with the numbers put in.",
    "reconcile": "Explain every row of a model.summary() table, Keras 3 or Keras 2, solving for "
                 "what it does not show.",
}

# What each command's --help shows under "examples:", as (command line, what it does).
EXAMPLES = {
    None: [("paramcount count model.keras", "a table like model.summary(), from a saved file"),
           ('paramcount explain "LSTM(128)" --input-shape "(None, 28)"',
            "one layer's formula, with its numbers put in"),
           ("paramcount reconcile summary.txt", "every row of a pasted model.summary() explained")],
    "count": [("paramcount count model.keras", "the table, from a .keras archive"),
              ("paramcount count model.h5 --optimizer 'Adam(amsgrad=True)'",
               "a legacy HDF5 model, with the optimizer's variables: the totals fit() shows"),
              ("paramcount count model.json --weights model.weights.h5 --json",
               "a JSON config, checked against its weights file, as JSON")],
    "explain": [("paramcount explain model.keras", "each layer's derivation, step by step"),
                ("paramcount explain model.h5", "the same for a legacy HDF5 model"),
                ('paramcount explain "Bidirectional(LSTM(128))" --input-shape "(28, 28)"',
                 "one layer written as Keras code")],
    "reconcile": [("paramcount reconcile summary.txt", "a table saved to a text file"),
                  ("paramcount reconcile - < summary.txt", "the same, from standard input"),
                  ("paramcount reconcile summary.txt --json", "the rows and totals as JSON")],
}


def _wrapped(text: str) -> str:
    import textwrap  # only --help wraps text: not on a command's path (about 2 ms)

    return textwrap.fill(text, 78)  # the raw formatter keeps lines as they are


def _epilog(command: str | None) -> str:
    """Examples, then the input limits where they apply (a model or a layer is read: not for
    reconcile, which reads a table of text and says its one limit itself)."""
    lines = ["examples:"]
    for line, what in EXAMPLES[command]:
        lines += [f"  {line}", f"      {what}"]
    if command in ("count", "explain"):
        lines += ["", _wrapped(f"input limits: {LIMITS}")]
    elif command is None:
        lines += ["", "`paramcount COMMAND --help` shows each command's options and examples."]
    else:
        lines += ["", f"A table of at most {MAX_CONFIG_BYTES:,} bytes is read."]
    return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    """argparse's parser for one command (None: the program), whose errors are one line and
    whose description and examples are written only when its help is shown."""

    def __init__(self, *args, command: str | None = None, **kwargs):
        # The examples keep their lines; the description is wrapped by _wrapped.
        super().__init__(*args, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)
        self.command = command

    def format_help(self) -> str:
        self.description, self.epilog = _wrapped(DESCRIPTIONS[self.command]), _epilog(self.command)
        return super().format_help()

    def error(self, message):  # argparse's own errors: one line, status 2, like ours
        self.exit(EXIT_BAD_INPUT, f"paramcount: error: {printable(message)}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="paramcount")
    p.add_argument("--version", action="version", version=f"paramcount {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    c = sub.add_parser("count", help="a table like model.summary(), plus totals", command="count")
    c.add_argument("model", help="a .keras archive, a .h5 model file or a JSON config file "
                   "('-' for stdin)")
    c.add_argument("--json", action="store_true", help="print the full count as JSON")
    c.add_argument("--input-shape", help="input shape (no batch axis) for a model without one")
    c.add_argument("--keras", action="store_true", help=_KERAS_HELP)
    c.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                   help=_IMPORT_HELP)
    c.add_argument("--weights", help=_WEIGHTS_HELP)
    e = sub.add_parser("explain", help="each layer's derivation, step by step", command="explain")
    e.add_argument("model", help="a .keras archive, a .h5 model file, a JSON config file ('-' "
                   "for stdin), or one layer as Keras code such as \"LSTM(128)\"")
    e.add_argument("--input-shape", help="input shape without the batch axis, e.g. \"(28, 28)\"")
    e.add_argument("--json", action="store_true", help="print the full count as JSON")
    e.add_argument("--keras", action="store_true", help=_KERAS_HELP)
    e.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                   help=_IMPORT_HELP)
    e.add_argument("--weights", help=_WEIGHTS_HELP)
    r = sub.add_parser("reconcile", help="explain every row of a pasted model.summary() table",
                       command="reconcile")
    r.add_argument("summary", help="a text file holding the table ('-' for stdin)")
    r.add_argument("--json", action="store_true", help="print the rows and totals as JSON")
    for sub_parser in (c, e):
        sub_parser.add_argument("--optimizer", metavar="NAME", help=_OPTIMIZER_HELP)
    return p


_KERAS_HELP = ("load the model with the installed Keras (safe mode) to measure layers paramcount "
               "has no formula for, such as custom layers; they are marked as measured")
_IMPORT_HELP = ("with --keras: import this module first, so that the custom layers it registers "
                "can be loaded (repeatable); modules a file names are never imported")


_OPTIMIZER_HELP = ("add the variables this optimizer keeps (adam, sgd... or a call such as "
                   "'Adam(amsgrad=True)'), as summary() counts them after fit(): memory for "
                   "training is the weights plus this state (activations not included). A "
                   ".keras file saved after compile() uses its own optimizer unless this is given")
_WEIGHTS_HELP = ("the model's weights file (.weights.h5 or .h5) for a JSON config: its stored "
                 "shapes count layers no formula covers and check the others")


def _looks_like_code(text: str) -> bool:
    if "(" not in text:
        return False
    try:
        return not Path(text).exists()
    except (OSError, ValueError):  # too long, or not a possible path at all: code
        return True


def _read(arg: str):
    if arg != "-":
        return Path(arg)
    data = sys.stdin.buffer.read(MAX_CONFIG_BYTES + 1)  # the same cap as for a file
    if len(data) > MAX_CONFIG_BYTES:
        raise ParamcountError(f"stdin: more than {MAX_CONFIG_BYTES:,} bytes is too large for a "
                              "model config")
    return data


def _leave_current_directory() -> None:
    """``python -m paramcount.cli`` puts the current directory first on the path: take it off,
    so that no module paramcount imports later (nor Keras, with --keras) comes from there."""
    if sys.flags.safe_path or not sys.path:
        return
    try:
        if sys.path[0] in ("", ".") or Path(sys.path[0]).resolve() == Path.cwd().resolve():
            del sys.path[0]
    except (OSError, RuntimeError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    # Whatever a name holds, what is printed can be encoded (a lone surrogate, a C locale).
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    try:
        if args.command == "reconcile":
            return _reconcile(args)
        if args.command == "explain" and _looks_like_code(args.model):
            layer = explain_layer(args.model, args.input_shape)
            one = attach_optimizer(ModelCount(layer.name, layer.class_name, [layer]),
                                   args.optimizer)
            if args.json:
                answer = layer.to_dict()
                answer["sizes"] = one.sizes_dict()  # the layer's bytes, as a model of one layer
                answer["optimizer"] = one.optimizer.to_dict(one) if one.optimizer else None
                print(json.dumps(answer, indent=2))
            else:
                print(explain_layer_text(layer) + "\n" + totals(one, explain=True))
            return 0
        source = _read(args.model)
        if args.imports and not args.keras:
            raise ParamcountError("--import is for --keras (it registers custom layers for Keras)")
        if args.keras:
            gc.enable()  # loading a model in Keras takes seconds and leaves cycles to collect
            from .counting.measure import count_with_keras, import_modules  # it may import Keras
            from .read.layercode import parse_shape  # it imports ast: not on plain count's path

            import_modules(args.imports)
            shape = parse_shape(args.input_shape) if args.input_shape else None
            model = count_with_keras(source, shape, weights=args.weights)
        else:
            model = count(source, args.input_shape, weights=args.weights)
        attach_optimizer(model, args.optimizer)
        witness = model.witness
        if witness is not None and witness.disagreements:
            print(printable(f"paramcount: warning: the stored weights disagree with the config "
                            f"on {len(witness.disagreements)} layer(s): "
                            f"{witness.disagreements[0]}"), file=sys.stderr)
        if witness is not None and witness.overruled:  # contradicted, for no reason known
            print(printable(f"paramcount: warning: the stored weights contradict the config on "
                            f"{len(witness.overruled)} layer(s), counted from the file: "
                            f"{witness.overruled[0]}"), file=sys.stderr)
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
    except BrokenPipeError:  # `paramcount count ... | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        return 0
    except OSError as e:  # the system refused a read or a write (a full disk): not our bug
        print(_system_error(e), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as e:  # a bug in paramcount, not in the input: still one line
        if os.environ.get("PARAMCOUNT_DEBUG"):
            raise
        message = printable(f"{type(e).__name__}: {e}")[:300]
        print(f"paramcount: error: internal error ({message}); please report it "
              "(PARAMCOUNT_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_BAD_INPUT


def _system_error(e: OSError) -> str:
    """One line for what the system refused, with the file where it names one:
    ``paramcount: error: model.h5: Permission denied``."""
    where = f"{e.filename}: " if e.filename else ""
    return printable(f"paramcount: error: {where}{e.strerror or e}")


def _reconcile(args) -> int:
    from .reconciling import reconcile  # only this command needs the reconciler

    if args.summary == "-":
        data = _read("-")
    else:
        try:
            with open(args.summary, "rb") as f:
                data = f.read(MAX_CONFIG_BYTES + 1)  # the same cap as for a model
        except OSError as e:
            raise ParamcountError(f"cannot read {args.summary}: {e.strerror}") from None
        if len(data) > MAX_CONFIG_BYTES:
            raise ParamcountError(f"{args.summary}: more than {MAX_CONFIG_BYTES:,} bytes is too "
                                  "large for a summary table")
    text = data.decode("utf-8", errors="replace")
    result = reconcile(text)
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.text())
    return 0


def run() -> None:
    """The ``paramcount`` program: :func:`main`, in a process that ends with it."""
    # A count ends within milliseconds and leaves no garbage worth collecting: the collector
    # stays off (about 2 ms of 45). --keras turns it back on.
    gc.disable()
    status = main()
    if any(name in sys.modules for name in ("keras", "tf_keras", "tensorflow")):
        sys.exit(status)  # --keras loaded them: their exit handlers must run
    # Nothing else paramcount imports needs the interpreter's teardown, which frees every module
    # one by one (about 3 ms): write out what was printed and end the process here.
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left before the end: as in main(), no error
        pass
    except OSError as e:  # as in main()
        print(_system_error(e), file=sys.stderr)
        status = EXIT_BAD_INPUT
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    _leave_current_directory()  # only as a program: main() called from Python leaves sys.path be
    run()
