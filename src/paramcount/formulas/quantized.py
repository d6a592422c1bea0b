"""Quantized layers: the weights ``model.quantize(mode)`` leaves in Dense, EinsumDense, Embedding
and ReversibleEmbedding (Keras 3.15).

The mode is read from the dtype policy the layer's config records (``QuantizedDTypePolicy``,
``Int4DTypePolicy``, ``QuantizedFloat8DTypePolicy``). What each mode stores:

- **int8**: the kernel as int8 (non-trainable) and a per-output-channel ``kernel_scale``
  (non-trainable); the bias stays a trainable float.
- **int4**: two values packed in one int8, so the packed axis has ⌈n/2⌉ entries; with a block
  size b (``"int4/128"``, the default) the scale is per group of b inputs, ``kernel_scale`` and
  ``kernel_zero`` are (g, n) with g = ⌈m/b⌉, plus a ``g_idx`` of m entries; all non-trainable.
- **float8**: the float kernel stays trainable, and three scalar scales and three amax
  histories of length L (1024 by default) are added, trainable too (Keras overwrites them with
  their "gradients").

Keras counts every element whatever its dtype, so an int4 kernel of m×n values counts m·⌈n/2⌉.
GPTQ and AWQ need a calibration pass whose layout paramcount does not model: refused. Layers
Keras does not quantize (Conv2D, LSTM...) keep a float policy, so a quantized policy anywhere
else is refused too.
"""

from __future__ import annotations

from math import ceil

from ..expr import Expr, Sym
from ..records import record
from .base import Ctx, W

__all__ = ["Quantization", "quantization", "QUANTIZED_INSIDE"]
_DEFAULT_AMAX_HISTORY = 1024

# Layers whose projections `model.quantize()` quantizes while their own config keeps its float
# policy (the projections are EinsumDense layers the config does not list): such a layer's
# config cannot tell a quantized one from a float one; its stored weights can.
QUANTIZED_INSIDE = ("MultiHeadAttention", "GroupedQueryAttention", "GroupQueryAttention")

# Keras' quantized dtype policies (model.quantize(mode) leaves one in each layer it quantized).
_POLICIES = ("QuantizedDTypePolicy", "Int4DTypePolicy", "QuantizedFloat8DTypePolicy",
             "GPTQDTypePolicy", "AWQDTypePolicy")


def policy_mode(dtype) -> str | None:
    """The quantization mode a config's ``dtype`` records ("int8", "int4/128"...), else None."""
    if isinstance(dtype, dict) and dtype.get("class_name") in _POLICIES:
        config = dtype.get("config") if isinstance(dtype.get("config"), dict) else {}
        return str(config.get("mode", ""))
    if isinstance(dtype, dict) and dtype.get("class_name") == "DTypePolicyMap":
        return "a DTypePolicyMap"
    if isinstance(dtype, str) and "_from_" in dtype:
        return dtype
    return None



@record(frozen=True)
class Quantization:
    mode: str  # "int8", "int4" or "float8"
    block_size: int | None = None  # int4: inputs per scale group; None for one scale per channel
    amax_history: int = _DEFAULT_AMAX_HISTORY  # float8


def quantization(ctx: Ctx, modes: tuple[str, ...] = ("int8", "int4", "float8")
                 ) -> Quantization | None:
    """The layer's quantization as Keras would build it from this config, or None if float."""
    dtype = ctx.option("dtype", None)
    mode = policy_mode(dtype)
    if mode is None:
        return None
    kind = dtype.get("class_name") if isinstance(dtype, dict) else None
    base = mode.split("/")[0]
    if kind is None or kind == "DTypePolicyMap":
        raise ctx.error(f"the dtype policy is {mode!r}; paramcount reads quantized layers from "
                        "the policy objects Keras 3 writes, not from this form")
    if base in ("gptq", "awq"):
        raise ctx.error(f"the layer is quantized with {base.upper()}, whose stored layout "
                        "paramcount does not model (count the file's stored weights instead)")
    if base not in modes:
        raise ctx.error(f"Keras does not quantize a {ctx.class_name} to {base!r}, so it cannot "
                        "rebuild this config")
    if base == "float8":
        history = (dtype.get("config") or {}).get("amax_history_length", _DEFAULT_AMAX_HISTORY)
        if isinstance(history, bool) or not isinstance(history, int) or history < 1:
            raise ctx.error(f"amax_history_length must be a positive integer, got {history!r}")
        return Quantization("float8", amax_history=history)
    if base == "int8":
        return Quantization("int8")
    return Quantization("int4", block_size=_int4_block_size(ctx, kind, mode))


def _int4_block_size(ctx: Ctx, kind: str, mode: str) -> int | None:
    # As Keras' get_block_size_for_layer: the layer's quantization_config first, then the policy.
    config = ctx.option("quantization_config", None)
    if isinstance(config, dict) and config.get("class_name") == "Int4QuantizationConfig":
        size = (config.get("config") or {}).get("block_size")
    elif kind == "Int4DTypePolicy":
        _, _, text = mode.partition("/")
        try:
            size = int(text)
        except ValueError:
            raise ctx.error(f"int4 policy mode {mode!r} must be 'int4/<block size>'") from None
    else:
        size = None
    if size is None or size == -1:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ctx.error(f"int4 block size must be -1 or a positive integer, got {size!r}")
    return size


def packed(ctx: Ctx, n: Expr, name: str) -> Sym:
    """int4 packs two values in a byte: the packed axis holds ⌈n/2⌉ entries."""
    return ctx.sym(name, ceil(n.value / 2), f"int4 packed size ⌈{n.text()}/2⌉")


def groups(ctx: Ctx, rows: Expr, block: int, name: str) -> Sym:
    """int4 with a block size: one scale (and zero point) per group of ``block`` rows."""
    return ctx.sym(name, ceil(rows.value / block),
                   f"int4 scale groups ⌈{rows.text()}/{block}⌉ (block size {block})")


def float8_extras(ctx: Ctx, q: Quantization) -> list[W]:
    """Three scalar scales and three amax histories, all trainable (Keras writes the scaling
    factors through their gradients)."""
    history = ctx.sym("L", q.amax_history, "float8 amax history length")
    weights = []
    for part in ("inputs", "kernel", "outputs_grad"):
        weights += [W(f"{part}_scale", (), dtype="float32", overwrite_with_gradient=True),
                    W(f"{part}_amax_history", (history,), dtype="float32",
                      overwrite_with_gradient=True)]
    return weights


def int4_kernel(ctx: Ctx, q: Quantization, rows: Expr, columns: Expr, prefix: str = "kernel",
                names: tuple[str, str] = ("p", "g")) -> list[W]:
    """int4 kernel of ``rows`` inputs × ``columns`` outputs, with its scales (Dense, Einsum)."""
    p = packed(ctx, columns, names[0])
    weights = [W(prefix, (rows, p), trainable=False, dtype="int8")]  # two int4 in each int8
    if q.block_size is None:
        return weights + [W(f"{prefix}_scale", (columns,), trainable=False)]
    g = groups(ctx, rows, q.block_size, names[1])
    return weights + [W(f"{prefix}_scale", (g, columns), trainable=False),
                      W(f"{prefix}_zero", (g, columns), trainable=False, dtype="int8"),
                      W("g_idx", (rows,), trainable=False, dtype="float32")]


def einsum_int8_scale(equation: str, kernel: tuple) -> tuple:
    """The shape of an int8 EinsumDense's ``kernel_scale``, following Keras 3.15's
    ``_analyze_quantization_info`` step by step: the kernel's summed axes become 1, the rest
    are laid out in the output's order, and axes are added or dropped to match the output's
    rank. (Keras reuses a loop variable across its loops; the position it inserts at is
    reproduced here as Keras computes it.)"""
    inputs, weights, outputs = _split(equation)
    in_reduced = [i for i, d in enumerate(inputs) if d not in outputs]
    reduced = [i for i, d in enumerate(weights) if d not in outputs]
    in_expand = [i for i, d in enumerate(outputs) if d not in inputs]
    expand = [i for i, d in enumerate(outputs) if d not in weights]
    order = [weights.index(d) for d in outputs if d in weights]
    squeeze = []
    index = outputs.find(weights[-1])  # the value Keras' earlier loop leaves behind
    for _ in in_reduced:
        if in_expand:
            index = in_expand.pop(0)
    for axis in reduced:
        if expand:
            index = expand.pop(0)
        else:
            squeeze.append(axis)
        order.insert(index, axis)
    shape = [1 if i in reduced else d for i, d in enumerate(kernel)]
    shape = [shape[i] for i in order]
    for axis in sorted(expand):
        shape.insert(axis, 1)
    for axis in sorted(squeeze, reverse=True):
        shape.pop(axis)
    return tuple(shape)


def einsum_rows(equation: str, kernel: tuple) -> tuple[list, list]:
    """The kernel's summed axes (int4 rows) and kept axes (int4 columns)."""
    _, weights, outputs = _split(equation)
    rows = [d for letter, d in zip(weights, kernel) if letter not in outputs]
    columns = [d for letter, d in zip(weights, kernel) if letter in outputs]
    return rows, columns


def _split(equation: str) -> tuple[str, str, str]:
    left, outputs = equation.split("->")
    inputs, weights = left.split(",")
    return inputs, weights, outputs
