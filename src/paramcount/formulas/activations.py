"""Activation layers. All have no weights except PReLU, which learns one slope per input
position — every axis but the batch — unless ``shared_axes`` makes positions share one."""

from __future__ import annotations

from ..expr import product
from .base import WEIGHTLESS, Ctx, Hidden, Setting, Spec, W, layer


@layer("PReLU", args=("alpha_initializer", "alpha_regularizer", "alpha_constraint",
                      "shared_axes"),
       # one alpha per input value, or shared along the spatial axes (Keras' default: None)
       hides=Hidden(settings=(Setting("shared_axes", (None, [1], [1, 2], [1, 2, 3])),),
                    solve=None, input="same"))
def prelu(ctx: Ctx) -> Spec:
    rank = ctx.rank(2, 99)
    shared = ctx.option("shared_axes", None)
    if shared is None:
        shared = []
    elif isinstance(shared, int) and not isinstance(shared, bool):
        shared = [shared]
    if not isinstance(shared, (list, tuple)) or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in shared):
        raise ctx.error(f"'shared_axes' must be a list of axes, got {shared!r}")
    # Keras writes param_shape[axis - 1] = 1: Python indexing, so axis 0 means the last axis.
    positions = list(range(1, rank))
    for axis in shared:
        if not -len(positions) <= axis - 1 < len(positions):
            raise ctx.shape_error(f"shared axis {axis} is out of range for input shape "
                            f"{ctx.input_shape}")
        positions[axis - 1] = None
    kept = [a for a in positions if a is not None]
    shape = tuple(_slope_axis(ctx, a, len(kept) == 1 and a == rank - 1) if a is not None else 1
                  for a in positions)
    notes = [f"shared_axes={list(shared)}: one slope shared along those axes"] if shared else []
    slopes = product(d for d in shape if not isinstance(d, int))  # the shared 1s drop out
    return Spec([W("alpha", shape)], output_shape=ctx.input_shape, formula=slopes, notes=notes)


def _slope_axis(ctx: Ctx, axis: int, features_only: bool):
    size = ctx.dim(axis, f"size of axis {axis} (PReLU learns a slope per position)")
    if features_only:
        return ctx.sym("m", size, "input features (last axis of the input)")
    return ctx.sym(f"d_{axis}", size, f"size of input axis {axis}")


@layer("Activation", args=("activation",), hides=WEIGHTLESS)
@layer("ReLU", args=("max_value", "negative_slope", "threshold"), hides=WEIGHTLESS)
@layer("LeakyReLU", args=("negative_slope",), hides=WEIGHTLESS)
@layer("ELU", args=("alpha",), hides=WEIGHTLESS)
@layer("Softmax", args=("axis",), hides=WEIGHTLESS)
@layer("ThresholdedReLU", args=("theta",), hides=WEIGHTLESS)
def weightless_activation(ctx: Ctx) -> Spec:
    """An element-wise function: no weights, the output has the input's shape."""
    return Spec([], output_shape=ctx.input_shape)
