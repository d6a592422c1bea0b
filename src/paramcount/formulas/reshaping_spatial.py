"""ZeroPadding, Cropping and UpSampling: weightless layers that resize the spatial axes."""

from __future__ import annotations

from .base import WEIGHTLESS, Ctx, Spec, layer
from .conv import channels_first, join_output, spatial_rank, split_input


def _pairs(ctx: Ctx, key: str, n: int, default) -> tuple[tuple[int, int], ...]:
    """``(before, after)`` amounts per spatial axis, from any form Keras accepts: one int,
    ``n`` ints (symmetric), or ``n`` pairs. For one axis, a single pair is (before, after)."""
    value = ctx.option(key, default)

    def amount(v) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ctx.error(f"'{key}' must hold integers ≥ 0, got {ctx.option(key, default)!r}")
        return v

    if isinstance(value, int) and not isinstance(value, bool):
        return ((amount(value),) * 2,) * n
    if not isinstance(value, (list, tuple)):
        raise ctx.error(f"'{key}' must be an integer or a list, got {value!r}")
    if n == 1:
        if len(value) != 2:
            raise ctx.error(f"'{key}' must be an integer or a pair (before, after), got {value!r}")
        return ((amount(value[0]), amount(value[1])),)
    if len(value) != n:
        raise ctx.error(f"'{key}' must have {n} entries, got {value!r}")
    pairs = []
    for v in value:
        if isinstance(v, (list, tuple)):
            if len(v) != 2:
                raise ctx.error(f"'{key}' entries must be an integer or a pair, got {value!r}")
            pairs.append((amount(v[0]), amount(v[1])))
        else:
            pairs.append((amount(v),) * 2)
    return tuple(pairs)


def _first(ctx: Ctx, n: int) -> bool:
    # Keras 2's ZeroPadding1D, and both versions' Cropping1D and UpSampling1D, have no
    # data_format: their one spatial axis is always axis 1.
    return channels_first(ctx) if n > 1 or "data_format" in ctx.config else False


@layer("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", args=("padding", "data_format"),
       hides=WEIGHTLESS)
def zero_padding(ctx: Ctx) -> Spec:
    n = spatial_rank(ctx.class_name)
    first = _first(ctx, n)
    batch, spatial, channels = split_input(ctx, n, first)
    pads = _pairs(ctx, "padding", n, 1)
    out = tuple(None if size is None else size + a + b for size, (a, b) in zip(spatial, pads))
    return Spec([], join_output(batch, out, channels, first))


@layer("Cropping1D", "Cropping2D", "Cropping3D", args=("cropping", "data_format"),
       hides=WEIGHTLESS)
def cropping(ctx: Ctx) -> Spec:
    n = spatial_rank(ctx.class_name)
    first = _first(ctx, n)
    batch, spatial, channels = split_input(ctx, n, first)
    crops = _pairs(ctx, "cropping", n, 1 if n != 2 else 0)
    out = []
    for size, (a, b) in zip(spatial, crops):
        if size is not None and size - a - b <= 0:
            # (tf-keras' Cropping3D alone lets it through, leaving an axis of size 0 that most
            # layers after it then refuse; paramcount refuses it at once.)
            raise ctx.error(f"cropping {a} + {b} leaves nothing of a spatial axis of size {size}")
        out.append(None if size is None else size - a - b)
    return Spec([], join_output(batch, tuple(out), channels, first))


@layer("UpSampling1D", "UpSampling2D", "UpSampling3D",
       args=("size", "data_format", "interpolation"), hides=WEIGHTLESS)
def up_sampling(ctx: Ctx) -> Spec:
    n = spatial_rank(ctx.class_name)
    first = _first(ctx, n)
    batch, spatial, channels = split_input(ctx, n, first)
    factors = ctx.ints("size", n, 2)
    out = tuple(None if size is None else size * f for size, f in zip(spatial, factors))
    return Spec([], join_output(batch, out, channels, first))
