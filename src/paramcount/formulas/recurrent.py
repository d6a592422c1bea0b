"""SimpleRNN, LSTM and GRU: an input kernel, a recurrent kernel and a bias per gate.

Keras packs the gates side by side in one matrix, so each weight is one tensor whose last axis
is ``gates × units`` wide (LSTM: i, f, c, o; GRU: z, r, h).
"""

from __future__ import annotations

from .base import Ctx, Spec, W, layer

# class name -> (cell name in weight paths, gates, number of state tensors)
_CELLS = {"SimpleRNN": ("simple_rnn_cell", 1, 1), "LSTM": ("lstm_cell", 4, 2),
          "GRU": ("gru_cell", 3, 1)}


def recurrent_symbols(ctx: Ctx):
    ctx.rank(3)
    m = ctx.sym("m", ctx.last_dim(), "input features (last axis of the input)")
    u = ctx.sym("u", ctx.integer("units"), "units")
    return m, u


def recurrent_output(ctx: Ctx, units: int, states: int):
    batch, steps = ctx.input_shape[0], ctx.input_shape[1]
    out = (batch, steps, units) if ctx.flag("return_sequences", False) else (batch, units)
    if ctx.flag("return_state", False):
        return [out] + [(batch, units)] * states
    return out


@layer("SimpleRNN", "LSTM", "GRU", args=("units", "activation"))
def recurrent(ctx: Ctx) -> Spec:
    cell, gates, states = _CELLS[ctx.class_name]
    m, u = recurrent_symbols(ctx)
    g = gates * u if gates > 1 else u  # width of the packed gate blocks
    weights = [W(f"{cell}/kernel", (m, g)), W(f"{cell}/recurrent_kernel", (u, g))]
    use_bias = ctx.flag("use_bias", True)
    notes = []
    bias_terms = 0
    if use_bias:
        if ctx.class_name == "GRU" and ctx.flag("reset_after", True):
            # reset_after=True (the default of TF 2.x tf.keras and of Keras 3): separate input and
            # recurrent biases, hence the extra "+1" in 3·u·(m + u + 2).
            weights.append(W(f"{cell}/bias", (2, g)))
            bias_terms = 2
            notes.append("reset_after=True: two biases per gate (input and recurrent)")
        else:
            weights.append(W(f"{cell}/bias", (g,)))
            bias_terms = 1
    formula = g * (m + u + bias_terms) if bias_terms else g * (m + u)
    return Spec(weights, recurrent_output(ctx, u.value, states), formula, notes=notes)
