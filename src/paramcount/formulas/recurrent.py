"""Recurrent layers as Keras builds them: a cell owns the weights, ``RNN`` runs it over time.

A cell (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``) has an input kernel, a recurrent kernel and
a bias. Keras packs the gates side by side, so each is one tensor whose last axis is
``gates × units`` wide (LSTM: i, f, c, o; GRU: z, r, h).

``RNN(cell)`` runs a cell over the time axis and holds its weights under the cell's name; a list
of cells is a ``StackedRNNCells``, each cell reading the previous one's output. ``SimpleRNN``,
``LSTM`` and ``GRU`` are ``RNN`` with their own cell, always named ``simple_rnn_cell``,
``lstm_cell`` and ``gru_cell`` in the weight paths, and configured by the layer's own config.
"""

from __future__ import annotations

from collections.abc import Callable

from ..expr import Expr, total
from ..records import field, record
from ..result import Shape
from .base import SEQUENCE_OUTPUT, USE_BIAS, Ctx, Hidden, Setting, Spec, W, layer

LSTM_GATES = (("i", "input"), ("f", "forget"), ("c", "cell candidate"), ("o", "output"))
GRU_GATES = (("z", "update"), ("r", "reset"), ("h", "candidate"))
_CELL_ARGS = ("units", "activation")


@record
class Cell:
    """A cell's weights (paths inside the cell) and its sizes, as one step sees them."""

    weights: list[W]
    formula: Expr
    units: int
    states: int  # state tensors, each (batch, units): LSTM's h and c, the others' h
    notes: list[str] = field(default_factory=list)


def _symbols(ctx: Ctx, step: Shape):
    ctx.rank(2, shape=step)
    m = ctx.sym("m", ctx.last_dim(shape=step), "input features (last axis of the input)")
    u = ctx.sym("u", ctx.integer("units"), "units")
    return m, u


def simple_rnn_cell(ctx: Ctx, step: Shape) -> Cell:
    m, u = _symbols(ctx, step)
    weights = [W("kernel", (m, u)), W("recurrent_kernel", (u, u))]
    if ctx.flag("use_bias", True):
        weights.append(W("bias", (u,)))
        return Cell(weights, u * (m + u + 1), u.value, 1)
    return Cell(weights, u * (m + u), u.value, 1)


def lstm_cell(ctx: Ctx, step: Shape) -> Cell:
    m, u = _symbols(ctx, step)
    g = len(LSTM_GATES) * u
    weights = [W("kernel", (m, g)), W("recurrent_kernel", (u, g))]
    if ctx.flag("use_bias", True):
        weights.append(W("bias", (g,)))
        return Cell(weights, g * (m + u + 1), u.value, 2)
    return Cell(weights, g * (m + u), u.value, 2)


def gru_cell(ctx: Ctx, step: Shape) -> Cell:
    m, u = _symbols(ctx, step)
    g = len(GRU_GATES) * u
    weights = [W("kernel", (m, g)), W("recurrent_kernel", (u, g))]
    if not ctx.flag("use_bias", True):
        return Cell(weights, g * (m + u), u.value, 1)
    if ctx.flag("reset_after", True):
        # reset_after=True (the default of TF 2.x tf.keras and of Keras 3): separate input and
        # recurrent biases, hence the extra "+1" in 3·u·(m + u + 2).
        weights.append(W("bias", (2, g)))
        return Cell(weights, g * (m + u + 2), u.value, 1,
                    ["reset_after=True: two biases per gate (input and recurrent)"])
    weights.append(W("bias", (g,)))
    return Cell(weights, g * (m + u + 1), u.value, 1)


def sequence_output(ctx: Ctx, output_size: int, state_shapes: list[Shape]):
    """What RNN returns on ``ctx``'s (batch, steps, ...) input: the last output or all of them,
    then the final states when ``return_state=True``."""
    batch, steps = ctx.input_shape[0], ctx.input_shape[1]
    out = (batch, steps, output_size) if ctx.flag("return_sequences", False) else (batch, output_size)
    if ctx.flag("return_state", False):
        return [out, *state_shapes]
    return out


# --- the cells, counted by themselves ---------------------------------------------------------

def _cell_layer(build: Callable[[Ctx, Shape], Cell]):
    def formula(ctx: Ctx) -> Spec:
        cell = build(ctx, ctx.input_shape)
        # Called on one step, a cell returns its output and its new states, all (batch, units).
        out = (ctx.input_shape[0], cell.units)
        return Spec(cell.weights, [out] * (1 + cell.states), cell.formula, notes=cell.notes)
    return formula


_RNN_PAGE = "formulas/lstm.md"  # where RNN(cell) and the cells are explained, with LSTM's
# Without a bias, GRU's reset_after changes nothing: the search finds that by itself.
_RESET_AFTER = Setting("reset_after", (True, False))
_CELL = Hidden(settings=(USE_BIAS,), reads=("units",))
_GRU_CELL = Hidden(settings=(USE_BIAS, _RESET_AFTER), reads=("units",))
layer("SimpleRNNCell", args=_CELL_ARGS, state_inputs=True, page=_RNN_PAGE, hides=_CELL)(
    _cell_layer(simple_rnn_cell))
layer("LSTMCell", args=_CELL_ARGS, state_inputs=True, gates=LSTM_GATES, page=_RNN_PAGE,
      hides=_CELL)(_cell_layer(lstm_cell))
layer("GRUCell", args=_CELL_ARGS, state_inputs=True, gates=GRU_GATES, page=_RNN_PAGE,
      hides=_GRU_CELL)(_cell_layer(gru_cell))


# --- SimpleRNN, LSTM, GRU: RNN over their own cell ---------------------------------------------

def _recurrent_layer(build: Callable[[Ctx, Shape], Cell], cell_name: str):
    def formula(ctx: Ctx) -> Spec:
        ctx.rank(3)
        batch = ctx.input_shape[0]
        cell = build(ctx, (batch, *ctx.input_shape[2:]))
        weights = [W(f"{cell_name}/{w.path}", w.shape, w.trainable) for w in cell.weights]
        states = [(batch, cell.units)] * cell.states
        return Spec(weights, sequence_output(ctx, cell.units, states), cell.formula,
                    notes=cell.notes)
    return formula


_SEQUENCE = {"keras2_input": "sequence", "state_inputs": True}
# The input is (batch, steps, features); the output drops the steps unless return_sequences.
_RECURRENT = Hidden(settings=(USE_BIAS, *SEQUENCE_OUTPUT), reads=("units",), input="open",
                    ranks=(1, 0))
_GRU = Hidden(settings=(USE_BIAS, _RESET_AFTER, *SEQUENCE_OUTPUT), reads=("units",),
              input="open", ranks=(1, 0))
layer("SimpleRNN", args=_CELL_ARGS, page="formulas/simplernn.md", hides=_RECURRENT, **_SEQUENCE)(
    _recurrent_layer(simple_rnn_cell, "simple_rnn_cell"))
layer("LSTM", args=_CELL_ARGS, page="formulas/lstm.md", gates=LSTM_GATES, hides=_RECURRENT,
      **_SEQUENCE)(_recurrent_layer(lstm_cell, "lstm_cell"))
layer("GRU", args=_CELL_ARGS, page="formulas/gru.md", gates=GRU_GATES, hides=_GRU, **_SEQUENCE)(
    _recurrent_layer(gru_cell, "gru_cell"))


# --- RNN(cell) and StackedRNNCells --------------------------------------------------------------

@layer("RNN", args=("cell", "return_sequences", "return_state", "go_backwards", "stateful",
                    "unroll"), page=_RNN_PAGE, **_SEQUENCE,
       hides=Hidden(settings=SEQUENCE_OUTPUT, wraps=("LSTMCell", "GRUCell", "SimpleRNNCell"),
                    wrap_key="cell", input="open", ranks=(1, 0)))
def rnn(ctx: Ctx) -> Spec:
    entry = ctx.option("cell")
    if isinstance(entry, list):  # RNN([cell, cell]) wraps the list in a StackedRNNCells
        entry = {"class_name": "StackedRNNCells",
                 "config": {"name": "stacked_rnn_cells", "cells": entry}}
    if not isinstance(entry, dict):
        raise ctx.error("needs a 'cell' (a cell layer, or a list of them)")
    ctx.rank(3, 99)
    batch = ctx.input_shape[0]
    cell = ctx.sublayer(entry, (batch, *ctx.input_shape[2:]), "cell")
    out, *states = _step_outputs(ctx, cell)
    return Spec(output_shape=sequence_output(ctx, out[-1], states), formula=cell.expr,
                sublayers=[cell], notes=list(cell.notes))


@layer("StackedRNNCells", args=("cells",), state_inputs=True, page=_RNN_PAGE,
       hides=Hidden(solve=None, why="it only lives inside an RNN's cell, never a row of its own"))
def stacked_rnn_cells(ctx: Ctx) -> Spec:
    entries = ctx.option("cells")
    if not isinstance(entries, list) or not entries:
        raise ctx.error("'cells' must be a non-empty list of cells")
    step, cells, states = ctx.input_shape, [], []
    for i, entry in enumerate(_unique_names(entries)):
        # Several cells each have a u and an m: number them u_1, u_2, ... in the formula.
        suffix = f"_{i + 1}" if len(entries) > 1 else ""
        cell = ctx.sublayer(entry, step, f"cell {i + 1}", symbol_suffix=suffix)
        step, *cell_states = _step_outputs(ctx, cell)
        cells.append(cell)
        states += cell_states
    return Spec(output_shape=[step, *states], formula=total(c.expr for c in cells),
                sublayers=cells, notes=[n for c in cells for n in c.notes])


def _step_outputs(ctx: Ctx, cell) -> list[Shape]:
    out = cell.output_shape
    if not isinstance(out, list) or len(out) < 2:
        raise ctx.error(f"'{cell.class_name}' is not a recurrent cell (it returns no states)")
    return out


def _unique_names(entries: list) -> list:
    """Cells named as Keras would: a second ``lstm_cell`` becomes ``lstm_cell_1``."""
    seen: dict[str, int] = {}
    named = []
    for entry in entries:
        config = entry.get("config") if isinstance(entry, dict) else None
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            name = config["name"]
            if name in seen:
                seen[name] += 1
                entry = {**entry, "config": {**config, "name": f"{name}_{seen[name]}"}}
            else:
                seen[name] = 0
        named.append(entry)
    return named
