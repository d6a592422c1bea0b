"""Normalization layers: one scale and/or one offset per position of the normalized axis.

BatchNormalization also keeps a moving mean and a moving variance of the same size. Keras
updates them during training but never by gradient, so they are *non-trainable* parameters:
the reason ``summary()`` reports non-trainable parameters for nearly every CNN.
"""

from __future__ import annotations

from ..expr import Expr, Num, Sym, product
from .base import WEIGHTLESS, Ctx, Hidden, Setting, Spec, W, format_shape, layer

# --- axes ----------------------------------------------------------------------------------------


def _axis(ctx: Ctx, value, rank: int) -> int:
    """One axis, normalized to 0..rank-1; the batch axis cannot carry weights."""
    if isinstance(value, bool) or not isinstance(value, int) or not -rank <= value < rank:
        raise ctx.shape_error(f"axis {value!r} is out of range for an input of rank {rank} "
                        f"(shape {format_shape(ctx.input_shape)})")
    return value % rank


def _axes(ctx: Ctx, key: str, default) -> list:
    """The config's axis (or axes) as a list, unnormalized."""
    value = ctx.option(key, default)
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, (list, tuple)) and value:
        return list(value)
    raise ctx.error(f"'{key}' must be an integer or a list of integers, got {value!r}")


def _axis_symbol(ctx: Ctx, axis: int, single: str | None, rank: int) -> Sym:
    """The size of one normalized axis: c (channels) or m (features) when it is the only
    one, d_k (size of input axis k) when several axes are normalized together."""
    size = ctx.dim(axis, f"size of the normalized axis {axis}")
    if single == "m" and axis == rank - 1:
        return ctx.sym("m", size, "input features (last axis of the input)")
    if single == "c":
        return ctx.sym("c", size, f"channels: the size of axis {axis}, the normalized axis")
    return ctx.sym(f"d_{axis}", size, f"size of input axis {axis}")


def _stacked(weights: list[W], shape: tuple) -> Expr:
    """k weights of one shape: k·(product of the shape's symbols), ones left out."""
    dims = [d for d in shape if not (isinstance(d, int) and d == 1)]
    if not weights or not dims:
        return Num(len(weights))
    return len(weights) * product(dims) if len(weights) > 1 else product(dims)


# --- BatchNormalization ------------------------------------------------------------------------


_CENTER_SCALE = Hidden(settings=(Setting("center", (True, False)), Setting("scale", (True, False))),
                       solve=None, input="same")


@layer("BatchNormalization", "SyncBatchNormalization", page="formulas/normalization.md",
       args=("axis", "momentum", "epsilon", "center", "scale"), hides=_CENTER_SCALE)
def batch_normalization(ctx: Ctx) -> Spec:
    rank = ctx.rank(2, 99)
    axes = _axes(ctx, "axis", -1)
    virtual = ctx.option("virtual_batch_size", None) if ctx.keras_version < 3 else None
    if ctx.keras_version >= 3 and len(axes) != 1:
        raise ctx.error(f"Keras 3 normalizes one axis, got axis={axes!r}")
    if virtual is not None:
        ctx.integer("virtual_batch_size")
        if isinstance(ctx.config.get("axis"), list):
            # tf-keras saves the axes of a built layer shifted by the extra virtual-batch axis.
            axes = [a - 1 if a > 0 else a for a in axes]
    positions = [_axis(ctx, a, rank) for a in axes]
    if len(set(positions)) != len(positions):
        raise ctx.error(f"duplicate axis in {axes!r}")
    if len(positions) == 1 and virtual is None:
        shape: tuple = (_axis_symbol(ctx, positions[0], "c", rank),)
    else:
        # tf-keras: several axes (or virtual batches) keep the input's rank, 1 elsewhere.
        shape = tuple(_axis_symbol(ctx, i, None, rank) if i in positions else 1
                      for i in range(rank))
        if virtual is not None:
            shape = (1, 1, *shape[1:])  # an extra axis for the virtual batches
    weights = []
    if ctx.flag("scale", True):
        weights.append(W("gamma", shape))
    if ctx.flag("center", True):
        weights.append(W("beta", shape))
    weights += [W("moving_mean", shape, trainable=False),
                W("moving_variance", shape, trainable=False)]
    notes = ["moving_mean and moving_variance are updated by averaging, not by gradients: "
             "they are non-trainable"]
    if ctx.flag("renorm", False):
        weights += [W(name, shape, trainable=False)
                    for name in ("moving_stddev", "renorm_mean", "renorm_stddev")]
        notes.append("renorm=True: three more non-trainable statistics")
    return Spec(weights, output_shape=ctx.input_shape, formula=_stacked(weights, shape),
                notes=notes)


# --- LayerNormalization, RMSNormalization --------------------------------------------------------


def _feature_shape(ctx: Ctx, rank: int) -> tuple:
    """The shape of a per-feature weight over ``axis``: Keras 3 sorts the axes as written
    (so [-1, 1] gives (last, axis 1)); tf-keras keeps the order given, made positive."""
    axes = _axes(ctx, "axis", -1)
    positions = [_axis(ctx, a, rank) for a in axes]
    if ctx.keras_version >= 3:
        positions = [a % rank for a in sorted(axes)]  # Keras 3 even accepts an axis twice
    elif len(set(positions)) != len(positions):
        raise ctx.error(f"duplicate axis in {axes!r}")
    single = "m" if len(set(positions)) == 1 else None
    symbols = {a: _axis_symbol(ctx, a, single, rank) for a in dict.fromkeys(positions)}
    return tuple(symbols[a] for a in positions)


@layer("LayerNormalization", page="formulas/normalization.md", args=("axis", "epsilon", "center", "scale"),
       hides=Hidden(settings=(*_CENTER_SCALE.settings, Setting("rms_scaling", (False, True))),
                    solve=None, input="same"))
def layer_normalization(ctx: Ctx) -> Spec:
    rank = ctx.rank(1, 99)
    shape = _feature_shape(ctx, rank)
    rms = ctx.flag("rms_scaling", False)
    weights = []
    if ctx.flag("scale", True) or rms:
        weights.append(W("gamma", shape))
    if ctx.flag("center", True) and not rms:
        weights.append(W("beta", shape))
    notes = ["rms_scaling=True: a scale (gamma) and no offset"] if rms else []
    return Spec(weights, output_shape=ctx.input_shape, formula=_stacked(weights, shape),
                notes=notes)


@layer("RMSNormalization", page="formulas/normalization.md", args=("axis", "epsilon"),
       hides=Hidden(solve=None, input="same"))
def rms_normalization(ctx: Ctx) -> Spec:
    shape = _feature_shape(ctx, ctx.rank(1, 99))
    return Spec([W("scale", shape)], output_shape=ctx.input_shape)


# --- GroupNormalization --------------------------------------------------------------------------


@layer("GroupNormalization", page="formulas/normalization.md",
       args=("groups", "axis", "epsilon", "center", "scale"),
       # groups never changes the count, but must divide the channels
       hides=Hidden(settings=(*_CENTER_SCALE.settings,
                              Setting("groups", (32, 16, 8, 4, 2, 1), shape_only=True)),
                    solve=None, input="same"))
def group_normalization(ctx: Ctx) -> Spec:
    rank = ctx.rank(2, 99)
    axis = _axis(ctx, ctx.option("axis", -1), rank)
    c = _axis_symbol(ctx, axis, "c", rank)
    groups = ctx.option("groups", 32)
    if groups != -1:
        groups = ctx.integer("groups", 32)
    groups = c.value if groups == -1 else groups
    if c.value < groups or c.value % groups:
        raise ctx.error(f"{c.value} channels cannot be split into {groups} equal groups "
                        "(groups must divide the size of the normalized axis)")
    weights = []
    if ctx.flag("scale", True):
        weights.append(W("gamma", (c,)))
    if ctx.flag("center", True):
        weights.append(W("beta", (c,)))
    return Spec(weights, output_shape=ctx.input_shape, formula=_stacked(weights, (c,)),
                notes=[f"the {groups} groups share statistics, not weights: the count does not "
                       "depend on the number of groups"])


# --- Normalization (the preprocessing layer) -----------------------------------------------------


@layer("Normalization", page="formulas/normalization.md", args=("axis", "mean", "variance"),
       hides=Hidden(settings=(Setting("axis", (-1, None)),), solve=None, input="same"))
def normalization(ctx: Ctx) -> Spec:
    rank = len(ctx.input_shape)
    value = ctx.option("axis", -1)
    axes = [] if value in (None, [], ()) else _axes(ctx, "axis", -1)  # None: one global mean
    kept = sorted({_axis(ctx, a, rank) for a in axes})
    shape = tuple(_axis_symbol(ctx, a, "m" if len(kept) == 1 else None, rank) for a in kept)
    if ctx.option("mean", None) is not None:
        if ctx.option("variance", None) is None:
            raise ctx.error("'mean' is given without 'variance'")
        return Spec([], output_shape=ctx.input_shape,
                    notes=["mean and variance are given in the config: Keras stores them as "
                           "constants, not weights (0 parameters)"])
    weights = [W("mean", shape, trainable=False), W("variance", shape, trainable=False),
               W("count", (), trainable=False, dtype="int64")]  # Keras: dtype "int"
    stats = _stacked(weights[:2], shape)
    return Spec(weights, output_shape=ctx.input_shape, formula=stats + 1,
                notes=["mean, variance and count are set by adapt(), never trained"])


# --- SpectralNormalization, UnitNormalization ----------------------------------------------------


@layer("SpectralNormalization", args=("layer", "power_iterations"),
       hides=Hidden(wraps=("Dense", "Conv1D", "Conv2D", "Conv3D", "Embedding")))
def spectral_normalization(ctx: Ctx) -> Spec:
    inner = ctx.option("layer")
    if not isinstance(inner, dict):
        raise ctx.error("needs a 'layer' to wrap")
    ctx.integer("power_iterations", 1)
    sub = ctx.sublayer(inner, ctx.input_shape, "wrapped layer")
    kernel = next((w for w in sub.weights if w.name in ("kernel", "embeddings")), None)
    if kernel is None:
        raise ctx.error(f"the wrapped {sub.class_name} has no 'kernel' nor 'embeddings'")
    # vector_u has one entry per output unit: the kernel's last axis.
    last = kernel.symbolic[-1] if kernel.symbolic else None
    u = next((s for s in sub.symbols if s.name == last), None) or Num(kernel.shape[-1])
    # Keras 3 names the wrapped weights "dense/kernel"; tf-keras just "kernel".
    return Spec([W("vector_u", (1, u), trainable=False)], output_shape=sub.output_shape,
                formula=sub.expr + u, sublayers=[sub], prefix_sublayers=ctx.keras_version >= 3,
                notes=["vector_u (the power-iteration estimate) is non-trainable"])


@layer("UnitNormalization", args=("axis",), hides=WEIGHTLESS)
def unit_normalization(ctx: Ctx) -> Spec:
    return Spec([], output_shape=ctx.input_shape)
