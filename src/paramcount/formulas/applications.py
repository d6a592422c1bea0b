"""Layers Keras defines inside ``keras.applications`` rather than ``keras.layers``: ConvNeXt's
``LayerScale`` and ``StochasticDepth``, InceptionResNetV2's ``CustomScaleLayer``. They are Keras'
own classes (their configs name a ``keras.src.applications`` module), so they are counted like
any other; a class of the same name from elsewhere is a custom layer (see ``layer_entry``)."""

from __future__ import annotations

from .base import MERGING, WEIGHTLESS, Ctx, Hidden, Spec, W, layer
from .core_layers import broadcast


@layer("LayerScale", args=("init_values", "projection_dim"),
       hides=Hidden(reads=("projection_dim",), solve=None, input="same"))
def layer_scale(ctx: Ctx) -> Spec:
    d = ctx.sym("d", ctx.integer("projection_dim"), "projection_dim (channels scaled)")
    shape = ctx.input_shape
    # x * gamma: gamma broadcasts against the input's last axis.
    output = (shape[0], *broadcast(ctx, tuple(shape[1:]), (d.value,)))
    # The weight has no name: Keras calls it "variable", "variable_1"... in the order it builds.
    return Spec([W("variable", (d,))], output_shape=output,
                notes=["one trainable scale per channel (ConvNeXt's layer scale)"])


@layer("StochasticDepth", args=("drop_path_rate",), hides=WEIGHTLESS)
def stochastic_depth(ctx: Ctx) -> Spec:
    return Spec(output_shape=ctx.input_shape)


@layer("CustomScaleLayer", args=("scale",), hides=MERGING)
def custom_scale(ctx: Ctx) -> Spec:
    """``inputs[0] + inputs[1] * scale``: a fixed number, not a weight."""
    if len(ctx.input_shapes) != 2:
        raise ctx.error(f"takes a list of 2 inputs, got {len(ctx.input_shapes)}")
    a, b = ctx.input_shapes
    batches = {a[0], b[0]} - {None}
    return Spec(output_shape=(batches.pop() if len(batches) == 1 else None,
                              *broadcast(ctx, tuple(a[1:]), tuple(b[1:]))))
