"""Where a row's input comes from: the rows its *Connected to* names, else the row above at its
level, else (for a nested model's first layer) the nested model's own input."""

from __future__ import annotations

from ..formulas.registry import registration
from .results import RowResult
from .table import Summary

__all__ = ["row_inputs", "known_input", "takes_several"]


def row_inputs(summary: Summary, done: list[RowResult], i: int,
               classes: tuple[str, ...], last: dict[str, RowResult] | None = None) -> list | None:
    """The shapes the row's layer was called on, as far as the table shows them (None: unknown
    shape; a None list: unknown even how many). ``last``: the last row of each name in
    ``done``, so that a table whose rows all name a far row is read in linear time."""
    row = summary.rows[i]
    if row.connected is not None and summary.has_connected:
        if not row.connected:
            return []
        shapes = []
        for name, _, tensor in row.connected:
            source = last.get(name) if last is not None else \
                next((r for r in reversed(done) if r.name == name), None)
            out = source.output_shape if source else None
            if isinstance(out, list):
                out = out[tensor] if tensor < len(out) else None
            shapes.append(out)
        return shapes
    if classes and all(takes_several(c) for c in classes):
        return None  # a merge without Connected to: its inputs are not in the table
    # No "Connected to": the layer takes what the row above at its level gave.
    for j in range(i - 1, -1, -1):
        above = done[j]
        if above.depth == row.depth:
            out = above.output_shape
            if isinstance(out, list):
                return [out[0]] if len(out) == 1 else [None]
            return [out]
        if above.depth < row.depth:  # the first layer inside a nested model: the model's input
            parent = above.input_shape
            return [parent if not isinstance(parent, list) else None]
    return None


def takes_several(class_name: str) -> bool:
    """A class called on several inputs (merging layers, attention), by its registration."""
    registered = registration(class_name)
    return registered is not None and registered.hides is not None and \
        registered.hides.inputs > 1


def known_input(inputs: list | None):
    """One shape, a list of shapes, or None when any of them is unknown."""
    if not inputs or any(s is None for s in inputs):
        return None
    return inputs[0] if len(inputs) == 1 else list(inputs)
