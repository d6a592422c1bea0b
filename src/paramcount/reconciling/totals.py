"""Checking what the table adds up: a nested model's rows against its own row, the rows against
Total params, and the non-trainable count against what the layers keep frozen by themselves."""

from __future__ import annotations

from ..sizes import printed_size_notes
from .results import RowResult, n
from .table import Summary

__all__ = ["check_nested", "check_totals"]


def check_nested(results: list[RowResult]) -> None:
    """A nested model's row is explained when its listed layers add up to it."""
    for i, r in enumerate(results):
        children = []
        for j in range(i + 1, len(results)):  # not a slice: a copy per row is quadratic
            c = results[j]
            if c.depth <= r.depth:
                break
            if c.depth == r.depth + 1:
                children.append(c)
        if not children:
            continue
        inner = sum(c.params or 0 for c in children)
        if r.params == inner:
            r.explained = True
            r.derivation = f"{n(r.params)} = " + " + ".join(n(c.params) for c in children) + \
                ": the layers listed below it"
            r.note = None
        else:
            r.note = f"its layers below add up to {n(inner)}, not {n(r.params)}"


def check_totals(summary: Summary, results: list[RowResult]) -> list[str]:
    notes = []
    top = [r for r in results if r.depth == 0]
    rows_sum = sum(r.params or 0 for r in top)
    weights = summary.total
    if summary.optimizer is not None and weights is not None:
        weights -= summary.optimizer
        notes.append(f"Optimizer params {n(summary.optimizer)} are the optimizer's own variables "
                     "(Keras 3 counts them once the optimizer is built, e.g. after fit()): "
                     f"{n(summary.total)} = {n(weights)} weights + {n(summary.optimizer)}")
    if weights is None:
        notes.append(f"Total params line missing: the rows add up to {n(rows_sum)}")
    elif weights == rows_sum:
        notes.append(f"Total params {n(weights)} = the rows' sum ✓")
    else:
        notes.append(f"Total params {n(weights)} ≠ the rows' sum {n(rows_sum)}: rows are "
                     "missing or edited (or a layer is listed twice)")
    if summary.trainable is not None and summary.non_trainable is not None \
            and weights is not None and summary.trainable + summary.non_trainable != weights:
        notes.append(f"trainable {n(summary.trainable)} + non-trainable "
                     f"{n(summary.non_trainable)} ≠ {n(weights)}")
    # The bytes printed beside each total: see paramcount.sizes.
    return notes + _frozen_notes(summary, results) + printed_size_notes(summary.printed_sizes())


def _frozen_notes(summary: Summary, results: list[RowResult]) -> list[str]:
    implied = _implied_non_trainable(results)
    if summary.non_trainable is None or implied is None:
        return []
    if summary.non_trainable == implied:
        return [f"Non-trainable params {n(implied)} = what the layers keep frozen by "
                "themselves (moving statistics...) ✓"]
    if summary.non_trainable > implied:
        return [f"Non-trainable params {n(summary.non_trainable)}: the layers keep "
                f"{n(implied)} frozen by themselves, so {n(summary.non_trainable - implied)}"
                " belong to layers set trainable=False"]
    return [f"Non-trainable params {n(summary.non_trainable)} < the {n(implied)} "
            "the layers keep frozen by themselves (moving statistics): the table was edited?"]


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
