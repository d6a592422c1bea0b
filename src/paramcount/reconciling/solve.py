"""Reconcile a pasted ``model.summary()``: explain every row and solve what the table hides.

A row shows a layer's class, its output shape and its count, not its input or the settings that
change the count (``use_bias``, ``reset_after``, ``merge_mode``, a kernel's size). Each class's
registration says what its rows hide (:class:`paramcount.formulas.registry.Hidden`); one search
(:mod:`.search`) tries those settings with the class's own formula and keeps every setting that
makes the row's count and output shape true. The input is the row above (or the rows named in
"Connected to"); when the table does not show it, its features are solved for. This module names
no layer class: what it knows of a class, it asks the registry.

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

from ..formulas.models import MODEL_CLASSES
from ..formulas.registry import INPUT_CLASSES, backbone_classes, load_formulas, registration
from ..result import format_shape
from . import search
from .inputs import known_input, row_inputs, takes_several
from .phrase import derivations
from .results import Reconciliation, RowResult, n
from .search import SearchSpent, count, search_budget, solve_row
from .table import Summary, SummaryRow, parse_summary
from .totals import check_nested, check_totals

__all__ = ["reconcile", "Reconciliation", "RowResult", "row_classes"]

_EDITED = "no setting fits this count and output shape (an edited table, or a custom layer of " \
          "the same class name?)"


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
    load_formulas()
    summary = parse_summary(text)
    results: list[RowResult] = []
    last: dict[str, RowResult] = {}  # each name's last row so far, for Connected to
    with search_budget():
        for i, row in enumerate(summary.rows):
            classes = row_classes(row)
            inputs = row_inputs(summary, results, i, classes, last)
            results.append(_explain(summary, i, classes, inputs, results))
            last[results[-1].name] = results[-1]
    check_nested(results)
    return Reconciliation(summary.total, summary.trainable, summary.non_trainable,
                          summary.optimizer, results, check_totals(summary, results),
                          summary.model_name)


def row_classes(row: SummaryRow) -> tuple[str, ...]:
    """Every class the row's printed class can be: itself, or what a cut name completes to."""
    return row.class_options or (row.class_name,)


# --- one row ---------------------------------------------------------------------------------------

def _explain(summary: Summary, i: int, classes: tuple[str, ...], inputs: list | None,
             done: list[RowResult]) -> RowResult:
    row = summary.rows[i]
    result = RowResult(row.name, row.class_name, row.params, row.output_shape, False, None, None,
                       None, row.depth, _parent(row, done),
                       classes if row.class_options else (), row.printed_class)
    if row.unbuilt:
        result.explained = True
        result.derivation = "0: not built yet; Keras creates the weights when the layer first " \
                            "sees an input, so the count says nothing about them"
        return result
    if all(c in INPUT_CLASSES for c in classes):
        result.explained = row.params == 0
        result.input_shape = row.output_shape
        result.derivation = "0: an input holds no weights"
        return result
    nested = i + 1 < len(summary.rows) and summary.rows[i + 1].depth > row.depth
    backbone = all(c in backbone_classes() for c in classes)
    if nested or backbone or all(c in MODEL_CLASSES for c in classes):
        result.input_shape = known_input(inputs)
        result.note = ("a nested model: its layers are listed below it" if nested else
                       "a nested model: summary(expand_nested=True) lists its layers")
        if backbone:  # its count follows from hyperparameters the row does not show
            result.note = "a KerasHub backbone, " + result.note + (
                "; paramcount counts a backbone from its config (hidden size, layers, heads, "
                "vocabulary), which its one row does not show")
        return result
    registered = [c for c in classes if registration(c) is not None]
    if not registered:
        result.note = (f"paramcount has no formula for {row.class_name} (a custom layer?)"
                       if not row.class_name.endswith("…") else
                       "the class name is cut short and no class paramcount knows begins so; "
                       "widen summary(line_length=...) to show it")
        return result
    if row.params is None:
        result.input_shape = known_input(inputs)
        result.note = "the table shows no count for this row"
        return result
    hidden = [registration(c).hides for c in registered]
    if all(h.why and not h.weightless for h in hidden):  # the registration says why not
        result.input_shape = known_input(inputs)
        result.note = f"paramcount cannot solve this row: {hidden[0].why}"
        return result
    return _solve(row, registered, inputs, result)


def _parent(row: SummaryRow, done: list[RowResult]) -> str | None:
    if row.parent or not row.depth:
        return row.parent
    return next((r.name for r in reversed(done) if r.depth < row.depth), None)


_FIELDS = ("explained", "fits", "input_shape", "derivation", "note", "completed")


def _solve(row: SummaryRow, classes: list[str], inputs: list | None,
           result: RowResult) -> RowResult:
    """The row explained; a long table repeats its rows, and each kind is explained once (what
    it says depends on its classes, output, count and inputs, not on its name)."""
    key = (tuple(classes), row.output_text, row.params, repr(inputs), result.shown_class,
           bool(result.completed))
    if key not in _EXPLAINED:
        if len(_EXPLAINED) > 4096:
            _EXPLAINED.clear()
        try:
            if not search.may_start_row():
                raise SearchSpent
            _solve_once(row, classes, inputs, result)
        except SearchSpent:  # not kept: the row was not searched, which says nothing of it
            result.explained, result.fits, result.input_shape = False, [], known_input(inputs)
            result.derivation, result.note = None, _SPENT.format(search.SEARCH_RUNS)
            return result
        _EXPLAINED[key] = tuple(getattr(result, f) for f in _FIELDS)
    for name, value in zip(_FIELDS, _EXPLAINED[key]):
        setattr(result, name, value)
    return result


_EXPLAINED: dict[tuple, tuple] = {}
_SPENT = ("not searched: paramcount tries at most {:,} settings for one table, and the rows "
          "up to here (rows that differ from each other are each searched afresh), or this row "
          "alone, took its share; paste this row with fewer rows above it, or with more of its "
          "class name")


def _solve_once(row: SummaryRow, classes: list[str], inputs: list | None,
                result: RowResult) -> RowResult:
    known = known_input(inputs)
    shapes = None if inputs is None or known is None else list(inputs)
    weightless = [c for c in classes if registration(c).weightless]
    fits = [f for c in classes if c not in weightless
            for f in solve_row(c, row.output_shape, row.params, shapes)]
    fitting = [c for c in weightless if row.params == 0]
    if row.params == 0 and weightless and not fits:
        return _weightless(row, weightless, inputs, result)
    if not fits:
        return _unfit(row, classes, known, shapes, result)
    if result.completed:  # a cut name: the classes it can be that fit the count
        result.completed = tuple(dict.fromkeys([f.class_name for f in fits] + fitting))
    result.explained = True
    result.fits = fits
    result.input_shape = _merge_shapes([f.inputs for f in fits])
    notes = []
    if shapes is None and any(takes_several(c) for c in classes):
        result.input_shape = None  # the self-attention the search assumed is not shown
        cross = any(k.startswith("features@") for f in fits for k in f.solved)
        notes.append(("the table has no Connected to column, so this layer's inputs are not "
                      "shown" if inputs is None else "the table does not show every input") +
                     ("; no setting fits with every input taken to be the first "
                      "(self-attention), so the other inputs' width is solved too" if cross else
                      "; solved as if every input were the first (self-attention)"))
    result.derivation, several = derivations(fits, result.shown_class)
    if several:
        agreed = _has_known_axis(result.input_shape)
        notes.insert(0, several + (f" (all read an input of shape "
                                   f"{format_shape(result.input_shape)})" if agreed else ""))
    result.note = "; ".join(notes) or None
    return result


def _weightless(row: SummaryRow, classes: list[str], inputs: list | None,
                result: RowResult) -> RowResult:
    result.explained = True
    result.completed = tuple(classes) if result.completed else ()
    result.derivation = f"0: {' or '.join(classes)} holds no weights"
    if inputs is None and any(takes_several(c) for c in classes):
        result.note = "the table has no Connected to column, so this layer's inputs are not shown"
        return result
    result.input_shape = known_input(inputs)
    out = row.output_shape
    if result.input_shape is None and isinstance(out, tuple) and len(classes) == 1 \
            and _keeps_shape(classes[0]):
        result.input_shape = out  # a layer that keeps its input's shape shows its input too
    return result


_KEEPS: dict[str, bool] = {}


def _keeps_shape(class_name: str) -> bool:
    """Does the class's formula give back its input's shape, whatever the input (Dropout,
    Activation), as far as probes of three ranks tell? (Flatten keeps a rank-2 input only.)"""
    if class_name not in _KEEPS:
        probes = [(None, 3), (None, 4, 3), (None, 5, 4, 3)]
        outs = [(p, count(class_name, {}, [p], budgeted=False)) for p in probes]
        _KEEPS[class_name] = all(layer is not None and layer.output_shape == p
                                 for p, layer in outs)
    return _KEEPS[class_name]


def _unfit(row: SummaryRow, classes: list[str], known, shapes, result: RowResult) -> RowResult:
    """No setting fits: say whether the input the table shows is what disagrees."""
    result.input_shape = known
    if all(registration(c).weightless for c in classes):
        result.note = f"{' or '.join(classes)} holds no weights, yet the row says {n(row.params)}"
        return result
    if known is None and any(takes_several(c) for c in classes):
        result.note = "no setting fits with every input taken to be the first (self-attention), " \
                      "and the table does not show the others (no Connected to)"
        return result
    if known is None:
        result.note = _EDITED if row.output_shape is not None else \
            "the table shows neither this layer's input nor its output shape"
        return result
    free = [f for c in classes for f in solve_row(c, row.output_shape, row.params, None)]
    implied = _merge_shapes([f.inputs for f in free]) if free else None
    if not free:
        result.note = _EDITED
    elif implied is not None and _has_known_axis(implied):
        result.note = (f"no setting fits the input {format_shape(known)} of the row above; "
                       f"the count fits an input like {format_shape(implied)}")
    else:
        result.note = f"no setting fits the input {format_shape(known)} of the row above"
    return result


def _has_known_axis(shape) -> bool:
    if shape is None:
        return False
    if isinstance(shape, list):
        return any(_has_known_axis(s) for s in shape)
    return any(d is not None for d in shape[1:])


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
    if any(m is None for m in merged):
        return None
    return merged[0] if len(merged) == 1 else merged
