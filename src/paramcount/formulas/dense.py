"""Dense: a kernel on the last axis, plus a bias."""

from __future__ import annotations

from .base import USE_BIAS, Ctx, Hidden, Spec, W, layer, with_lora
from .quantized import float8_extras, int4_kernel, quantization


@layer("Dense", args=("units", "activation", "use_bias"), page="formulas/dense.md", quantizable=True,
       hides=Hidden(settings=(USE_BIAS,), reads=("units",)))
def dense(ctx: Ctx) -> Spec:
    ctx.rank(2, 99)
    m = ctx.sym("m", ctx.last_dim(), "input features (last axis of the input)")
    n = ctx.sym("n", ctx.integer("units"), "units (output features)")
    q = quantization(ctx)
    if q is None or q.mode == "float8":
        weights = [W("kernel", (m, n))]
    elif q.mode == "int8":
        weights = [W("kernel", (m, n), trainable=False, dtype="int8"),
                   W("kernel_scale", (n,), trainable=False)]
    else:
        weights = int4_kernel(ctx, q, m, n)
    if ctx.flag("use_bias", True):
        weights.append(W("bias", (n,)))
    weights = with_lora(ctx, weights, (m, n))
    if q is not None and q.mode == "float8":
        weights += float8_extras(ctx, q)
    return Spec(weights, output_shape=(*ctx.input_shape[:-1], n.value))
