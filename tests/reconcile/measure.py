"""Measuring the reconciler on random models (tests/reconcile/random_models.py): each model's
real ``summary()`` text is reconciled and compared row by row with the real layers.

Per row with weights whose class is registered:
- **explained**: the row is explained and one of its fits is the real layer: every setting it
  names is the real config's, every value it solved (an input's features, a vocabulary) is the
  real one, and the input it implies agrees with the real input;
- **wrong**: the row shows a count that is not the real layer's, or a fit whose count is not the
  row's (a number that is not in the table);
- **contradiction**: the row's solved input disagrees with the real input shape.

Run as a script for a larger measurement: ``python tests/reconcile/measure.py [models per class]``
(``make bench`` runs it).
"""

from __future__ import annotations

import os
import random
import sys
import warnings
from dataclasses import dataclass, field

os.environ.setdefault("COLUMNS", "240")  # rich (Keras 3) crops a table wider than the terminal

import reprint  # noqa: E402
from random_models import BUILDERS, available, build  # noqa: E402
from test_reprint import k3_rows, tf_rows  # noqa: E402  (a model's rows, for the re-printer)

from paramcount.errors import ParamcountError  # noqa: E402
from paramcount.formulas.registry import registration  # noqa: E402
from paramcount.reconciling import reconcile  # noqa: E402

WIDTHS = (None, 65, 98, 120)
warnings.filterwarnings("ignore", message=".*rms_scaling.*")


@dataclass
class Tally:
    models: int = 0  # tables reconciled
    refused: int = 0  # tables refused in one line (a layout that lost what the count needs)
    lost: int = 0  # rows with weights whose output shape the layout cut off: reported apart
    rows: int = 0  # rows with weights whose class is registered
    explained: int = 0
    wrong: list = field(default_factory=list)
    contradictions: list = field(default_factory=list)
    unexplained: list = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.explained / max(1, self.rows)

    def line(self, label: str) -> str:
        return (f"{label}: {self.models} tables ({self.refused} refused), {self.rows} rows "
                f"with weights, "
                f"{self.explained} explained ({self.rate:.1%}), {len(self.wrong)} wrong, "
                f"{len(self.contradictions)} contradictions; {self.lost} rows whose shape the "
                "layout cut off")


def summary_text(model, width) -> str:
    lines = []
    model.summary(line_length=width, print_fn=lambda s, *a, **kw: lines.append(s))
    return "\n".join(lines)


def real_inputs(layer) -> list:
    """Every tensor the layer was called on (attention's value too, which tf-keras' layer.input
    leaves out), from its one call."""
    node = layer._inbound_nodes[0]
    tensors = node.keras_inputs if hasattr(node, "keras_inputs") else node.input_tensors
    return [tuple(t.shape) for t in tensors]


def agrees(inferred, real: list) -> bool:
    """An inferred input (a shape or a list of shapes, None axes unknown) against the real."""
    if inferred is None:
        return True
    shapes = inferred if isinstance(inferred, list) else [inferred]
    if len(shapes) != len(real):
        return False
    return all(s is None or (len(s) == len(t) and all(a is None or a == b for a, b in zip(s, t)))
               for s, t in zip(shapes, real))


def _real_value(config: dict, key: str):
    """The real config's value at a dotted key (``layer.config.use_bias``); ``layer`` and
    ``cell`` alone name the wrapped class."""
    value = config
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    if key in ("layer", "cell") and isinstance(value, dict):
        return value.get("class_name")
    return value


_MISSING = object()


def _same(fit_value, real) -> bool:
    if real is _MISSING:
        return True
    norm = [tuple(v) if isinstance(v, (list, tuple)) else v for v in (fit_value, real)]
    if isinstance(norm[0], tuple) and isinstance(norm[1], int):
        norm[1] = (norm[1],) * len(norm[0])
    if isinstance(norm[0], int) and isinstance(norm[1], tuple) and len(set(norm[1])) == 1:
        norm[1] = norm[1][0]
    return norm[0] == norm[1]


def is_real(fit, layer) -> bool:
    config = layer.get_config()
    real = real_inputs(layer)
    for key, value in fit.settings.items():
        if not _same(value, _real_value(config, key)):
            return False
    for key, value in fit.solved.items():
        if key.startswith("features"):  # "features": the first input's width; "features@i"
            index = int(key.partition("@")[2] or 0)
            want = real[index][-1] if index < len(real) else _MISSING
        else:
            want = _real_value(config, key)
        if not _same(value, want):
            return False
    return agrees(fit.inputs if len(fit.inputs) > 1 else fit.inputs[0], real)


def check(model, text: str, tally: Tally) -> None:
    try:
        result = reconcile(text)
    except ParamcountError:
        tally.refused += 1
        return
    layers = [la for la in model.layers if type(la).__name__ != "InputLayer"]
    rows = [r for r in result.rows if r.class_name != "InputLayer"]
    tally.models += 1
    if len(rows) != len(layers):  # rows read that the model does not have: a wrong table
        tally.wrong.append(f"{len(rows)} rows read for {len(layers)} layers\n{text}")
        return
    for row, layer in zip(rows, layers):
        real_count = layer.count_params()
        where = f"{row.name} ({row.class_name})\n{text}\n{result.text()}"
        if row.params != real_count or any(f.layer.params != row.params for f in row.fits):
            tally.wrong.append(where)
        if row.explained and not agrees(row.input_shape, real_inputs(layer)):
            tally.contradictions.append(f"input {row.input_shape} vs {real_inputs(layer)}: "
                                        + where)
        if not real_count or registration(type(layer).__name__) is None:
            continue
        if row.output_shape is None and not row.explained:
            tally.lost += 1  # "(None, 4, 6, 7, 4" cut at a narrow column: nothing to solve from
            continue
        tally.rows += 1
        if row.explained and any(is_real(f, layer) for f in row.fits):
            tally.explained += 1
        else:
            tally.unexplained.append(where)


def layouts(k, model, r: random.Random, every: bool) -> list[tuple[str, str]]:
    """(layout, text): the model's own summary, and its rows re-printed in the layouts older
    Keras releases printed (every one, or one drawn), each pasted with a habit drawn."""
    own = "keras 3" if k.__name__ == "keras" else "tf-keras 2.13+"
    out = [(own, summary_text(model, r.choice(WIDTHS)))]
    table = k3_rows(model) if k.__name__ == "keras" else tf_rows(model)
    old = [("keras 1", lambda: reprint.keras1(table, r.choice((100, 80)), release="1.2")),
           ("keras 2.0-2.3 / tf.keras 1.x-2.8",
            lambda: reprint.keras2(table, r.choice((None, 80, 120)))),
           ("tf-keras 2.9-2.12", lambda: reprint.tf_wrap(table, r.choice((None, 65, 98)),
                                                         byte_sizes=False)),
           ("markdown pipe table", lambda: reprint.markdown(table))]
    for name, make in (old if every else [r.choice(old)]):
        out.append((name, make()))
    return [(name, reprint.paste(text, r.choice(reprint.HABITS))) for name, text in out]


def run(k, per_class: int, seed: str, tallies: dict, every: bool = False) -> dict:
    """``per_class`` random models of every class built in ``k`` (keras or tf_keras), each
    reconciled in its own layout and older ones; ``tallies``: layout → Tally."""
    for name in sorted(BUILDERS):
        if not available(k, name):
            continue
        for i in range(per_class):
            r = random.Random(f"{seed}/{k.__name__}/{name}/{i}")
            try:
                model = build(k, name, r)
            except ValueError:  # Keras refuses the draw (a Dense after an unknown Flatten...)
                continue
            for layout, text in layouts(k, model, r, every):
                check(model, text, tallies.setdefault(layout, Tally()))
    return tallies


def main(per_class: int) -> None:
    import keras
    import tf_keras

    for k in (keras, tf_keras):
        tallies = run(k, per_class, "bench", {}, every=True)
        for layout, tally in sorted(tallies.items()):
            print(tally.line(f"{k.__name__}, {layout}"))
            for where in (tally.wrong + tally.contradictions)[:2]:
                print(where)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
