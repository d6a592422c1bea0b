"""Pooling layers: no weights, but they decide the shape every later layer is built on.

A ``Flatten`` → ``Dense`` after a pooling layer has a kernel as large as the pooled feature map,
so the pooled height, width and length must come out exactly as Keras computes them.
"""

from __future__ import annotations

from .base import WEIGHTLESS, Ctx, Spec, layer
from .conv import channels_first, join_output, padding, spatial_rank, split_input, strided_length

_POOLS = [f"{kind}{n}D" for kind in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool")
          for n in (1, 2, 3)]


@layer(*_POOLS, args=("pool_size", "strides", "padding", "data_format"), hides=WEIGHTLESS)
def pooling(ctx: Ctx) -> Spec:
    n = spatial_rank(ctx.class_name)
    first = channels_first(ctx)
    batch, spatial, channels = split_input(ctx, n, first)
    pool = ctx.ints("pool_size", n, 2)
    # strides=None means "as large as the pool": windows side by side, no overlap.
    strides = ctx.ints("strides", n) if ctx.option("strides", None) is not None else pool
    pad = padding(ctx)
    out = tuple(strided_length(ctx, size, p, s, pad, "pool_size")
                for size, p, s in zip(spatial, pool, strides))
    return Spec([], join_output(batch, out, channels, first))


_GLOBALS = [f"{kind}{n}D" for kind in ("GlobalMaxPooling", "GlobalAveragePooling",
                                       "GlobalMaxPool", "GlobalAvgPool") for n in (1, 2, 3)]


@layer(*_GLOBALS, args=("data_format", "keepdims"), hides=WEIGHTLESS)
def global_pooling(ctx: Ctx) -> Spec:
    n = spatial_rank(ctx.class_name)
    first = channels_first(ctx)
    batch, spatial, channels = split_input(ctx, n, first)
    if ctx.flag("keepdims", False):
        return Spec([], join_output(batch, (1,) * n, channels, first))
    return Spec([], (batch, channels))


_ADAPTIVE = [f"Adaptive{kind}Pooling{n}D" for kind in ("Max", "Average") for n in (1, 2, 3)]


@layer(*_ADAPTIVE, args=("output_size", "data_format"), hides=WEIGHTLESS)
def adaptive_pooling(ctx: Ctx) -> Spec:
    """Keras 3's adaptive pooling: the output's spatial size is given, whatever the input's."""
    n = spatial_rank(ctx.class_name)
    first = channels_first(ctx)
    batch, _, channels = split_input(ctx, n, first)
    return Spec([], join_output(batch, ctx.ints("output_size", n), channels, first))
