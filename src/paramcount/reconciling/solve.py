"""Reconcile a pasted ``model.summary()``: explain every row and solve what the table hides.

A row shows a layer's class, its output shape and its count, not its input or the flags that
change the count (``use_bias``, ``reset_after``, ``merge_mode``, a kernel's size). For each row of
a class it knows, paramcount tries every setting of those unknowns, counts each with its own
formulas (:func:`paramcount.formulas.apply.count_layer`, the one source of truth), and keeps the
settings that make the row's count and output shape true. The input is the row above (or the
rows named in "Connected to"); when the table does not show it, its features are solved for.

>>> table = '''
... Model: "sequential"
... ┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━┓
... ┃ Layer (type)        ┃ Output Shape   ┃ Param # ┃
... ┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━┩
... │ lstm (LSTM)         │ (None, 2)      │      48 │
... ├─────────────────────┼────────────────┼─────────┤
... │ dense (Dense)       │ (None, 1)      │       3 │
... └─────────────────────┴────────────────┴─────────┘
...  Total params: 51 (204.00 B)
... '''
>>> rows = reconcile(table).rows
>>> print(rows[1].derivation)
#> 3 = 2·1 + 1: this Dense reads 2 input features
>>> print(rows[1].input_shape)
#> (None, 2)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import product as cartesian

from ..errors import ParamcountError, printable
from ..formulas.apply import count_layer
from ..formulas.models import MODEL_CLASSES
from ..formulas.registry import REGISTRY, load_formulas
from ..result import LayerCount, Shape, format_shape, shape_json
from ..sizes import printed_size_notes
from .table import Summary, SummaryRow, parse_summary

__all__ = ["reconcile", "Reconciliation", "RowResult", "SUPPORTED_CLASSES"]


class _Free:
    """The one unknown a candidate solves for (an input's features, a vocabulary...)."""

    def __repr__(self):
        return "FREE"


FREE = _Free()
_SCAN_LIMIT = 4096  # for a count that does not grow linearly in its unknown, try sizes up to this


@dataclass
class Candidate:
    """One setting of a row's hidden options, to be counted with paramcount's formula."""

    class_name: str
    settings: dict  # what changes the count, as Keras' arguments: {"use_bias": False}
    config: dict
    inputs: list  # input shapes; FREE marks the unknown, None an axis the table cannot show
    defaults: dict  # the Keras defaults of the settings, to say which ones a fit changes
    variants: list[dict] = field(default_factory=lambda: [{}])  # options that move only shapes


@dataclass
class Fit:
    layer: LayerCount
    settings: dict
    defaults: dict
    inputs: list
    solved: int | None  # the value found for FREE, if the candidate had one

    @property
    def non_default(self) -> dict:
        return {k: v for k, v in self.settings.items() if self.defaults.get(k, v) != v}


@dataclass
class RowResult:
    """A row of the table with its explanation (the JSON fields of ``reconcile --json``)."""

    name: str
    class_name: str
    params: int | None
    output_shape: Shape | list | None
    explained: bool
    input_shape: Shape | list | None
    derivation: str | None
    note: str | None
    depth: int = 0
    fits: list[Fit] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {"name": self.name, "class_name": self.class_name, "params": self.params,
                "output_shape": shape_json(self.output_shape), "explained": self.explained,
                "input_shape": shape_json(self.input_shape), "derivation": self.derivation,
                "note": self.note}


@dataclass
class Reconciliation:
    """The table read back: totals as printed, each row explained, and the totals checked."""

    total: int | None
    trainable: int | None
    non_trainable: int | None
    optimizer: int | None
    rows: list[RowResult]
    notes: list[str]
    model_name: str | None = None

    def to_dict(self) -> dict:
        return {"total": self.total, "trainable": self.trainable,
                "non_trainable": self.non_trainable, "rows": [r.to_dict() for r in self.rows],
                "optimizer": self.optimizer, "notes": list(self.notes)}

    def text(self) -> str:
        """Row by row: the derivation, or why there is none; then the totals' check."""
        out = [f'Model "{self.model_name}"' if self.model_name else "Model"]
        for r in self.rows:
            mark = "✓" if r.explained else "✗"
            shape = format_shape(r.output_shape) if r.output_shape is not None else "?"
            indent = "  " * r.depth
            head = f"{indent}{mark} {r.name} ({r.class_name})  {shape}  {_n(r.params)}"
            if r.input_shape is not None:
                head += f"  input {format_shape(r.input_shape)}"
            out.append(head)
            for line in (r.derivation or "").splitlines():
                out.append(f"{indent}    {line}")
            if r.note:
                out.append(f"{indent}    note: {r.note}")
        out += self.notes
        # Names come from the pasted text: no control character reaches the terminal.
        return "\n".join(printable(line) for line in out)


def reconcile(text: str) -> Reconciliation:
    """Explain every row of a pasted ``model.summary()`` table.

    Args:
        text: the table as printed by Keras 3 or Keras 2 / tf-keras, whole or without its
            header line, possibly indented or inside a Markdown code fence.

    Returns:
        The totals, and for each row whether a setting explains its count (``explained``), the
        input it implies (``input_shape``, None where the table cannot tell), the derivation
        with the solved values, and a note when several settings fit or none does.

    Raises:
        ParamcountError: the text is not a ``model.summary()`` table.
    """
    summary = parse_summary(text)
    results: list[RowResult] = []
    for i, row in enumerate(summary.rows):
        inputs = _row_inputs(summary, results, i)
        results.append(_explain(row, inputs, summary, i))
    _check_nested(summary, results)
    return Reconciliation(summary.total, summary.trainable, summary.non_trainable,
                          summary.optimizer, results, _check_totals(summary, results),
                          summary.model_name)


# --- where a row's input comes from ------------------------------------------------------------

def _row_inputs(summary: Summary, done: list[RowResult], i: int) -> list | None:
    """The shapes the row's layer was called on, as far as the table shows them (None: unknown)."""
    row = summary.rows[i]
    if row.connected is not None and summary.has_connected:
        if not row.connected:
            return []
        shapes = []
        for name, _, tensor in row.connected:
            source = next((r for r in reversed(done) if r.name == name), None)
            out = source.output_shape if source else None
            if isinstance(out, list):
                out = out[tensor] if tensor < len(out) else None
            shapes.append(out)
        return shapes
    # No "Connected to": the layer takes what the row above at its level gave.
    for j in range(i - 1, -1, -1):
        above = done[j]
        if above.depth == row.depth:
            out = above.output_shape
            return [out if not isinstance(out, list) or len(out) != 1 else out[0]] \
                if not isinstance(out, list) else [None]
        if above.depth < row.depth:  # the first layer inside a nested model: the model's input
            parent = above.input_shape
            return [parent if parent is None or not isinstance(parent, list) else None]
    return None


# --- explaining one row --------------------------------------------------------------------------

_INPUT_CLASSES = ("InputLayer",)
_RECURRENT = ("SimpleRNN", "LSTM", "GRU")


def _explain(row: SummaryRow, inputs: list | None, summary: Summary, i: int) -> RowResult:
    out = row.output_shape
    result = RowResult(row.name, row.class_name, row.params, out, False, None, None, None,
                       row.depth)
    if row.unbuilt:
        result.explained = True
        result.derivation = "0: not built yet; Keras creates the weights when the layer first " \
                            "sees an input, so the count says nothing about them"
        return result
    if row.class_name in _INPUT_CLASSES:
        result.explained = row.params == 0
        result.input_shape = out
        result.derivation = "0: an input holds no weights"
        return result
    nested = i + 1 < len(summary.rows) and summary.rows[i + 1].depth > row.depth
    if row.class_name in MODEL_CLASSES or nested:
        result.input_shape = _known_input(inputs)
        result.note = ("a nested model: its layers are listed below it" if nested else
                       "a nested model: summary(expand_nested=True) lists its layers")
        return result
    load_formulas()
    if row.class_name.endswith("…"):  # Keras 3 cut the class name short
        stem = row.class_name.rstrip("…")
        classes = [c for c in REGISTRY if c.startswith(stem)]
        if classes and all(_weightless(c) for c in classes):
            return _explain_weightless(row, inputs, result)
        result.input_shape = _known_input(inputs)
        result.note = "the class name is cut short; widen summary(line_length=...) to show it"
        return result
    if row.class_name not in REGISTRY:
        result.note = f"paramcount has no formula for {row.class_name} (a custom layer?)"
        return result
    if _weightless(row.class_name):
        return _explain_weightless(row, inputs, result)
    solver = _SOLVERS.get(row.class_name)
    if solver is None:
        result.input_shape = _known_input(inputs)
        result.note = f"paramcount cannot yet solve {row.class_name} rows for their hidden settings"
        return result
    known = _known_input(inputs)
    fits = _solve(row, solver, known)
    if not fits and known is not None:
        free = _solve(row, solver, None)
        result.fits = []
        result.input_shape = known
        if free:
            implied = _merge_shapes([f.inputs for f in free])
            result.note = (f"no setting fits the input {format_shape(known)} of the row above; "
                           f"the count fits an input like {format_shape(implied)}"
                           if implied is not None else
                           f"no setting fits the input {format_shape(known)} of the row above")
        else:
            result.note = "no setting fits this count and output shape (an edited table, or a " \
                          "custom layer of the same class name?)"
        return result
    result.fits = fits
    if not fits:
        result.note = "no setting fits this count and output shape (an edited table, or a " \
                      "custom layer of the same class name?)" if out is not None else \
                      "the table shows neither this layer's input nor its output shape"
        return result
    result.explained = True
    result.input_shape = _merge_shapes([f.inputs for f in fits])
    if isinstance(result.input_shape, list) and len(result.input_shape) == 1:
        result.input_shape = result.input_shape[0]
    result.derivation = "\n".join(_derivation(f, fits, row) for f in fits[:_SHOWN])
    if len(fits) > 1:
        more = f" ({len(fits) - _SHOWN} more not shown)" if len(fits) > _SHOWN else ""
        result.derivation = "\n".join(
            ("either " if k == 0 else "or ") + line
            for k, line in enumerate(result.derivation.splitlines())) + more
        agreed = _has_known_axis(result.input_shape)
        result.note = (f"{len(fits)} settings fit; the table alone cannot tell them apart"
                       + (f" (all read an input of shape {format_shape(result.input_shape)})"
                          if agreed else ""))
    return result


_SHOWN = 6


def _has_known_axis(shape) -> bool:
    if shape is None:
        return False
    if isinstance(shape, list):
        return any(_has_known_axis(s) for s in shape)
    return any(d is not None for d in shape[1:])


def _known_input(inputs: list | None):
    if not inputs or any(s is None for s in inputs):
        return None
    return inputs[0] if len(inputs) == 1 else list(inputs)


def _explain_weightless(row: SummaryRow, inputs, result: RowResult) -> RowResult:
    known = _known_input(inputs)
    if known is None and row.output_shape is not None and not isinstance(row.output_shape, list):
        # A layer that keeps its input's shape (Dropout, Activation...) shows its input too.
        try:
            same = count_layer(_stem_class(row.class_name), {}, [row.output_shape],
                               where=row.name)
            if same.output_shape == row.output_shape:
                known = row.output_shape
        except ParamcountError:
            pass
    result.input_shape = known
    if row.params == 0:
        result.explained = True
        result.derivation = f"0: {_stem_class(row.class_name)} holds no weights"
    else:
        result.note = f"{row.class_name} holds no weights, yet the row says {_n(row.params)}"
    return result


def _stem_class(class_name: str) -> str:
    """A class name cut short (``GlobalAveragePool…``) stands for the first class it begins."""
    if not class_name.endswith("…"):
        return class_name
    stem = class_name.rstrip("…")
    return min((c for c in REGISTRY if c.startswith(stem)), default=class_name)


_WEIGHTLESS: dict[str, bool] = {}
_PROBES = [(None, 4), (None, 4, 3), (None, 4, 4, 3), (None, 4, 4, 4, 3)]


def _weightless(class_name: str) -> bool:
    """A class whose formula makes no weights on any probe shape (asked of the formula itself)."""
    if class_name not in _WEIGHTLESS:
        if class_name in _SOLVERS:
            _WEIGHTLESS[class_name] = False
        else:
            counted = []
            for shape in _PROBES:
                try:
                    counted.append(count_layer(class_name, {}, [shape], where=class_name).params)
                except (ParamcountError, KeyError, TypeError, ValueError):
                    continue
            _WEIGHTLESS[class_name] = bool(counted) and not any(counted)
    return _WEIGHTLESS[class_name]


# --- the search -----------------------------------------------------------------------------------

def _solve(row: SummaryRow, solver, known) -> list[Fit]:
    fits: list[Fit] = []
    seen = set()
    out = row.output_shape
    for cand in solver(out, known):
        for fit in _fit(cand, row):
            key = (repr(sorted(fit.settings.items())), fit.solved, repr(fit.inputs))
            if key not in seen:
                seen.add(key)
                fits.append(fit)
            break  # one shape-only variant is enough
    # Keras' defaults first, then square kernels: the likeliest reading leads.
    fits.sort(key=lambda f: (len(f.non_default), _kernel_oddness(f.settings)))
    return fits


def _kernel_oddness(settings: dict) -> tuple:
    kernel = settings.get("kernel_size") or (1,)
    return (len(set(kernel)) != 1, kernel[0] == 1, max(kernel))


def _fit(cand: Candidate, row: SummaryRow) -> Iterator[Fit]:
    base = cand.variants[0]
    value = _find_free(cand, base, row.params)
    if value is _NO_FIT:
        return
    for variant in cand.variants:
        config = _substitute(cand.config | variant, value)
        inputs = _substitute(cand.inputs, value)
        layer = _count(cand.class_name, config, inputs)
        if layer is None or layer.params != row.params:
            continue
        if not _same_shape(layer.output_shape, row.output_shape):
            continue
        settings = _substitute(cand.settings, value)
        yield Fit(layer, settings, cand.defaults, _unknown_axes(inputs), value)


_NO_FIT = object()


def _find_free(cand: Candidate, variant: dict, params: int):
    """The value of FREE that gives the row's count (None if the candidate has no FREE)."""
    if not _has_free(cand.config) and not _has_free(cand.inputs):
        return None

    def count(v):
        layer = _count(cand.class_name, _substitute(cand.config | variant, v),
                       _substitute(cand.inputs, v))
        return None if layer is None else layer.params

    f1, f2, f3 = count(1), count(2), count(3)
    if None in (f1, f2, f3):
        return _NO_FIT
    slope = f2 - f1
    if slope == 0:  # the count does not depend on it: it cannot be found from the count
        return 1 if f1 == params else _NO_FIT
    if f3 - f2 == slope:  # linear: solve it
        steps, rest = divmod(params - f1, slope)
        return 1 + steps if rest == 0 and steps >= 0 else _NO_FIT
    for v in range(1, _SCAN_LIMIT + 1):  # growing faster than linearly: walk up to the count
        c = count(v)
        if c is None or c > params:
            return _NO_FIT
        if c == params:
            return v
    return _NO_FIT


def _count(class_name: str, config: dict, inputs: list) -> LayerCount | None:
    shapes = [tuple(1 if d is None and k == len(s) - 1 else d for k, d in enumerate(s))
              if s is not None else None for s in inputs]
    if any(s is None for s in shapes):
        return None
    try:
        return count_layer(class_name, dict(config, name="x"), shapes, where=class_name)
    except (ParamcountError, ZeroDivisionError):
        return None


def _has_free(value) -> bool:
    if value is FREE:
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_free(v) for v in value)
    if isinstance(value, dict):
        return any(_has_free(v) for v in value.values())
    return False


def _substitute(value, v):
    if value is FREE:
        return v
    if isinstance(value, tuple):
        return tuple(_substitute(x, v) for x in value)
    if isinstance(value, list):
        return [_substitute(x, v) for x in value]
    if isinstance(value, dict):
        return {k: _substitute(x, v) for k, x in value.items()}
    return value


def _unknown_axes(inputs: list) -> list:
    return [tuple(s) if s is not None else None for s in inputs]


def _same_shape(counted, printed) -> bool:
    """Does the counted output agree with the printed one wherever both are known?"""
    if printed is None:
        return True
    if counted is None:
        return False
    if isinstance(printed, list) or isinstance(counted, list):
        a = counted if isinstance(counted, list) else [counted]
        b = printed if isinstance(printed, list) else [printed]
        return len(a) == len(b) and all(_same_shape(x, y) for x, y in zip(a, b))
    return len(counted) == len(printed) and all(
        x is None or y is None or x == y for x, y in zip(counted, printed))


def _merge_shapes(options: list[list]):
    """Axis by axis, what every fit agrees on (None where they differ)."""
    first = options[0]
    if any(len(o) != len(first) for o in options):
        return None
    merged = []
    for k, shape in enumerate(first):
        shapes = [o[k] for o in options]
        if any(s is None for s in shapes) or len({len(s) for s in shapes}) != 1:
            merged.append(None)
            continue
        merged.append(tuple(d if all(s[a] == d for s in shapes) else None
                            for a, d in enumerate(shape)))
    return merged[0] if len(merged) == 1 else merged


# --- the candidates, class by class ---------------------------------------------------------------
# Only which options are hidden and how the printed output pins the visible ones; the counts
# themselves always come from paramcount's formulas.

def _last(out):
    if isinstance(out, tuple) and out and out[-1] is not None:
        return out[-1]
    return None


def _dense(out, known):
    n = _last(out)
    for use_bias in (True, False):
        if n is None:  # "multiple": the units are the unknown, the input must be known
            if known is None:
                return
            yield Candidate("Dense", {"use_bias": use_bias}, {"units": FREE, "use_bias": use_bias},
                            [known], {"use_bias": True})
            continue
        shape = known if known is not None else (*out[:-1], FREE)
        yield Candidate("Dense", {"use_bias": use_bias}, {"units": n, "use_bias": use_bias},
                        [shape], {"use_bias": True})


def _rnn_configs(class_name: str, out):
    """(settings, config, defaults, output) for a recurrent layer giving ``out``."""
    states = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}[class_name]
    return_state = isinstance(out, list)
    main = out[0] if return_state else out
    if return_state and len(out) != 1 + states:
        return
    if not isinstance(main, tuple) or len(main) not in (2, 3) or main[-1] is None:
        return
    units = main[-1]
    base = {"units": units, "return_sequences": len(main) == 3, "return_state": return_state}
    biases = [(True, True), (True, False), (False, None)] if class_name == "GRU" else \
        [(True, None), (False, None)]
    for use_bias, reset_after in biases:
        settings = {"use_bias": use_bias}
        defaults = {"use_bias": True}
        config = dict(base, use_bias=use_bias)
        if reset_after is not None and use_bias:  # without a bias, reset_after changes nothing
            settings["reset_after"] = reset_after
            defaults["reset_after"] = True
            config["reset_after"] = reset_after
        yield settings, config, defaults, main


def _recurrent_for(class_name):
    def candidates(out, known):
        for settings, config, defaults, main in _rnn_configs(class_name, out):
            shape = known if known is not None else (
                main[0], main[1] if len(main) == 3 else None, FREE)
            yield Candidate(class_name, settings, config, [shape], defaults)
    return candidates


def _bidirectional(out, known):
    shapes = out if isinstance(out, list) else [out]
    if not all(isinstance(s, tuple) and s and s[-1] is not None for s in shapes):
        return
    modes = ["concat", "sum", "mul", "ave"] if not isinstance(out, list) else [None, "concat"]
    for inner in _RECURRENT:
        for mode in modes:
            first = shapes[0]
            if mode == "concat":
                if first[-1] % 2:
                    continue
                inner_out = (*first[:-1], first[-1] // 2)
            else:
                inner_out = first
            states = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}[inner]
            extra = shapes[2 if mode is None else 1:]
            if extra and len(extra) != 2 * states:
                continue
            inner_shapes = [inner_out, *extra[:states]] if extra else inner_out
            for settings, config, defaults, main in _rnn_configs(inner, inner_shapes):
                shape = known if known is not None else (
                    main[0], main[1] if len(main) == 3 else None, FREE)
                yield Candidate(
                    "Bidirectional", {"layer": inner, "merge_mode": mode, **settings},
                    {"layer": {"class_name": inner, "config": config}, "merge_mode": mode},
                    [shape], {"merge_mode": "concat", **defaults})


def _time_distributed(out, known):
    if not isinstance(out, tuple) or len(out) < 3 or out[-1] is None:
        return
    for use_bias in (True, False):
        inner = {"class_name": "Dense", "config": {"units": out[-1], "use_bias": use_bias}}
        shape = known if known is not None else (*out[:-1], FREE)
        yield Candidate("TimeDistributed", {"layer": "Dense", "use_bias": use_bias},
                        {"layer": inner}, [shape], {"use_bias": True})


def _embedding(out, known):
    if not isinstance(out, tuple) or len(out) < 2 or out[-1] is None:
        return
    shape = known if known is not None else out[:-1]
    yield Candidate("Embedding", {"input_dim": FREE}, {"input_dim": FREE, "output_dim": out[-1]},
                    [shape], {})


_KERNEL_LIMIT = {1: 32, 2: 11, 3: 7}


def _conv_for(class_name: str, n: int):
    def candidates(out, known):
        if not isinstance(out, tuple) or len(out) != n + 2 or out[-1] is None:
            return
        filters = out[-1]
        shape = known if known is not None else (out[0], *([None] * n), FREE)
        sizes = range(1, _KERNEL_LIMIT[n] + 1)
        kernels = [k for k in cartesian(sizes, repeat=n)
                   if all(o is None or o >= 1 for o in out[1:-1])]
        variants = [{"padding": p, "strides": s}
                    for p in ("same", "valid") for s in (1, 2, 3, 4)]
        for kernel in kernels:
            for use_bias in (True, False):
                yield Candidate(class_name, {"kernel_size": kernel, "use_bias": use_bias},
                                {"filters": filters, "kernel_size": list(kernel),
                                 "use_bias": use_bias}, [shape], {"use_bias": True},
                                variants)
    return candidates


def _normalization_for(class_name: str):
    def candidates(out, known):
        if not isinstance(out, tuple) or out[-1] is None:
            return
        shape = known if known is not None else out
        for center, scale in ((True, True), (False, True), (True, False), (False, False)):
            yield Candidate(class_name, {"center": center, "scale": scale},
                            {"center": center, "scale": scale}, [shape],
                            {"center": True, "scale": True})
    return candidates


_SOLVERS = {
    "Dense": _dense,
    "SimpleRNN": _recurrent_for("SimpleRNN"),
    "LSTM": _recurrent_for("LSTM"),
    "GRU": _recurrent_for("GRU"),
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "Embedding": _embedding,
    "Conv1D": _conv_for("Conv1D", 1),
    "Conv2D": _conv_for("Conv2D", 2),
    "Conv3D": _conv_for("Conv3D", 3),
    "BatchNormalization": _normalization_for("BatchNormalization"),
    "LayerNormalization": _normalization_for("LayerNormalization"),
}

#: Classes whose rows are solved for their hidden settings (weightless classes are explained too).
SUPPORTED_CLASSES = frozenset(_SOLVERS)


def explainable(class_name: str) -> bool:
    """Can a row of this class be explained: solved for its settings, or known to hold no weights?"""
    load_formulas()
    stem = class_name.rstrip("…")
    classes = [c for c in REGISTRY if c.startswith(stem)] if class_name.endswith("…") else \
        [class_name] if class_name in REGISTRY else []
    return class_name in _SOLVERS or (bool(classes) and all(_weightless(c) for c in classes))


# --- saying it -----------------------------------------------------------------------------------

def _derivation(fit: Fit, fits: list[Fit], row: SummaryRow) -> str:
    layer = fit.layer
    steps = layer.expr.text(substitute=True)
    head = f"{layer.params:,} = {steps}" if steps != f"{layer.params}" else f"{layer.params:,}"
    return f"{head}: {_phrase(fit, fits, row)}"


def _phrase(fit: Fit, fits: list[Fit], row: SummaryRow) -> str:
    cls = row.class_name
    inner = fit.settings.get("layer")
    subject = f"this {cls}" + (f"({inner})" if isinstance(inner, str) else "")
    parts = []
    features = _features(fit)
    if "input_dim" in fit.settings:
        parts.append(f"has a vocabulary of {fit.settings['input_dim']:,} (input_dim)")
    elif features is not None:
        recurrent = cls in _RECURRENT or inner in _RECURRENT
        what = ("features per step" if recurrent else
                "input channels" if cls.startswith("Conv") else "input features")
        if features == 1:
            what = what.replace("features", "feature").replace("channels", "channel")
        parts.append(f"reads {features:,} {what}")
    if "kernel_size" in fit.settings:
        parts.append("with a " + "×".join(map(str, fit.settings["kernel_size"])) + " kernel")
    varied = {k for k in fit.settings if len({repr(f.settings.get(k)) for f in fits}) > 1}
    shown = [f"{k}={v!r}" for k, v in fit.settings.items()
             if k not in ("layer", "input_dim", "kernel_size")
             and (k in fit.non_default or k in varied)]
    text = f"{subject} " + ", ".join(parts) if parts else subject
    return text + (f" ({', '.join(shown)})" if shown else "")


def _features(fit: Fit) -> int | None:
    inputs = fit.inputs
    if len(inputs) == 1 and inputs[0] is not None and inputs[0] and inputs[0][-1] is not None:
        return inputs[0][-1]
    return None


# --- nested models and totals --------------------------------------------------------------------

def _check_nested(summary: Summary, results: list[RowResult]) -> None:
    """A nested model's row is explained when its listed layers add up to it."""
    for i, r in enumerate(results):
        children = []
        for c in results[i + 1:]:
            if c.depth <= r.depth:
                break
            if c.depth == r.depth + 1:
                children.append(c)
        if not children:
            continue
        inner = sum(c.params or 0 for c in children)
        if r.params == inner:
            r.explained = True
            r.derivation = f"{_n(r.params)} = " + " + ".join(_n(c.params) for c in children) + \
                ": the layers listed below it"
            r.note = None
        else:
            r.note = f"its layers below add up to {_n(inner)}, not {_n(r.params)}"


def _check_totals(summary: Summary, results: list[RowResult]) -> list[str]:
    notes = []
    top = [r for r in results if r.depth == 0]
    rows_sum = sum(r.params or 0 for r in top)
    weights = summary.total
    if summary.optimizer is not None and weights is not None:
        weights -= summary.optimizer
        notes.append(f"Optimizer params {_n(summary.optimizer)} are the optimizer's own variables "
                     "(Keras 3 counts them once the optimizer is built, e.g. after fit()): "
                     f"{_n(summary.total)} = {_n(weights)} weights + {_n(summary.optimizer)}")
    if weights is None:
        notes.append(f"Total params line missing: the rows add up to {_n(rows_sum)}")
    elif weights == rows_sum:
        notes.append(f"Total params {_n(weights)} = the rows' sum ✓")
    else:
        notes.append(f"Total params {_n(weights)} ≠ the rows' sum {_n(rows_sum)}: rows are "
                     "missing or edited (or a layer is listed twice)")
    if summary.trainable is not None and summary.non_trainable is not None \
            and weights is not None and summary.trainable + summary.non_trainable != weights:
        notes.append(f"trainable {_n(summary.trainable)} + non-trainable "
                     f"{_n(summary.non_trainable)} ≠ {_n(weights)}")
    implied = _implied_non_trainable(results)
    if summary.non_trainable is not None and implied is not None:
        if summary.non_trainable == implied:
            notes.append(f"Non-trainable params {_n(implied)} = what the layers keep frozen by "
                         "themselves (moving statistics...) ✓")
        elif summary.non_trainable > implied:
            notes.append(f"Non-trainable params {_n(summary.non_trainable)}: the layers keep "
                         f"{_n(implied)} frozen by themselves, so {_n(summary.non_trainable - implied)}"
                         " belong to layers set trainable=False")
        else:
            notes.append(f"Non-trainable params {_n(summary.non_trainable)} < the {_n(implied)} "
                         "the layers keep frozen by themselves (moving statistics): the table "
                         "was edited?")
    return notes + printed_size_notes(summary.printed_sizes())  # the bytes: see paramcount.sizes


def _implied_non_trainable(results: list[RowResult]) -> int | None:
    """What the layers keep non-trainable by themselves (BatchNormalization's moving mean and
    variance), if every row with weights was explained alike by all its fits."""
    total = 0
    for i, r in enumerate(results):
        parent = i + 1 < len(results) and results[i + 1].depth > r.depth
        if parent or not r.params:
            continue  # a nested model: its layers are rows of their own
        values = {f.layer.non_trainable for f in r.fits}
        if len(values) != 1:
            return None
        total += values.pop()
    return total


def _n(value) -> str:
    return "?" if value is None else f"{value:,}"
