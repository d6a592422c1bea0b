"""Counting one layer: apply its registered formula, check what the formula returned, and turn its
weights over symbols into a :class:`~paramcount.result.LayerCount` with numbers."""

from __future__ import annotations

from math import prod

from ..errors import ParamcountError
from ..expr import as_expr, total
from ..records import replace
from ..result import LayerCount, Shape, Weight
from ..safety import MAX_WEIGHTS, check_size, count_layer_call
from ..sizes import variable_dtype
from .base import Ctx
from .entry import layer_entry
from .quantized import policy_mode
from .refused import reason
from .registry import REGISTRY, LayerClass, load_formulas, registration

__all__ = ["count_layer", "count_sublayer"]


def count_layer(class_name: str, config: dict, input_shapes: list[Shape], *, where: str,
                keras_version: int = 3, named_inputs: dict | None = None,
                call_options: dict | None = None, symbol_suffix: str = "",
                registered: LayerClass | None = None) -> LayerCount:
    """Apply the registered formula of ``class_name`` to one layer (or ``registered``'s formula,
    for a layer that only exists inside a model, such as a KerasHub backbone's decoder block)."""
    count_layer_call(where)  # at most MAX_LAYERS calls per answer
    registered = registered or registration(class_name)
    if registered is None:
        raise ParamcountError(f"{where}: unknown layer class '{class_name}' — "
                              f"{reason(class_name)}")
    if not isinstance(config, dict):
        raise ParamcountError(f"{where}: layer config must be an object, got {type(config).__name__}")
    if not input_shapes:
        raise ParamcountError(f"{where}: is called with no input tensor")
    ctx = Ctx(class_name, config, input_shapes, where=where, keras_version=keras_version,
              named_inputs=named_inputs, call_options=call_options, symbol_suffix=symbol_suffix,
              count_sublayer=count_sublayer)
    if not registered.quantizable:
        _refuse_quantized(ctx)
    spec = registered.formula(ctx)
    seen: dict[int, int] = {}
    listed = len(spec.weights) + sum(len(sub.weights) + _listed(sub, seen)
                                     for sub in spec.sublayers)
    if listed > MAX_WEIGHTS:  # e.g. Bidirectional wrapped in Bidirectional, many levels deep
        raise ParamcountError(f"{where}: its explanation would list {listed:,} weight tensors "
                              f"(its sublayers' included); paramcount lists at most "
                              f"{MAX_WEIGHTS:,} for one layer")
    _check_shape(spec.output_shape, where)
    frozen = config.get("trainable", True) is False and spec.freezable
    # Each weight's dtype: fixed by the formula (a quantized kernel's int8), else the policy's.
    policy = variable_dtype(config.get("dtype")) if spec.weights else None
    weights = [Weight(w.path, tuple(as_expr(d).value for d in w.shape), w.trainable and not frozen,
                      tuple(as_expr(d).text() for d in w.shape), w.dtype or policy,
                      w.overwrite_with_gradient) for w in spec.weights]
    expr = spec.formula if spec.formula is not None else total(w.size for w in spec.weights)
    check_size(expr.value, where, "parameter count")
    for sub in spec.sublayers:
        prefix = f"{sub.name}/" if spec.prefix_sublayers else ""
        weights += [replace(w, path=prefix + w.path, trainable=w.trainable and not frozen)
                    for w in sub.weights]
    if expr.value != sum(prod(w.shape) for w in weights):  # the closed form must match the weights
        raise AssertionError(f"{class_name}: formula {expr.text()} = {expr.value} "
                             f"but weights sum to {sum(prod(w.shape) for w in weights)}")
    notes = list(spec.notes)
    if frozen and weights:
        notes.append("trainable=False: every weight of this layer is non-trainable")
    used = {s.name for s in expr.symbols()}
    symbols = [s for s in ctx.symbols if s.name in used]
    for sub in spec.sublayers:
        symbols += [s for s in sub.symbols if s.name not in {t.name for t in symbols}]
    return LayerCount(
        name=ctx.name, class_name=class_name, weights=weights, expr=expr, symbol_list=symbols,
        input_shape=input_shapes[0] if len(input_shapes) == 1 else list(input_shapes),
        output_shape=spec.output_shape, sublayers=spec.sublayers, notes=notes)


def count_sublayer(ctx: Ctx, config: dict, shapes: list[Shape], role: str,
                   symbol_suffix: str = "") -> LayerCount:
    """Count a layer held inside ``ctx``'s layer (a Bidirectional's LSTM, a TimeDistributed's
    Dense), named in errors by its place inside the outer one."""
    class_name, sub_config = layer_entry(config, f"{ctx.where}: {role}")
    where = f"{ctx.where} > {role} '{sub_config.get('name', class_name)}' ({class_name})"
    return count_layer(class_name, sub_config, shapes, where=where,
                       keras_version=ctx.keras_version, symbol_suffix=symbol_suffix)


def _refuse_quantized(ctx: Ctx) -> None:
    """For layers Keras never quantizes: a quantized policy means a config Keras cannot build."""
    mode = policy_mode(ctx.option("dtype", None))
    if mode is not None:
        load_formulas()  # every family, to name each class that can be quantized
        quantizable = sorted(name for name, c in REGISTRY.items() if c.quantizable)
        raise ctx.error(f"the layer's dtype policy is quantized ({mode}), but Keras quantizes "
                        f"only {', '.join(quantizable[:-1])} and {quantizable[-1]}")


def _listed(layer: LayerCount, seen: dict[int, int]) -> int:
    """How many weights a layer's full explanation lists, its sublayers' lists included (a
    sublayer shared by two, as in a Bidirectional, is walked once)."""
    if id(layer) not in seen:
        seen[id(layer)] = len(layer.weights) + sum(_listed(sub, seen) for sub in layer.sublayers)
    return seen[id(layer)]


def _check_shape(shape, where: str) -> None:
    """Refuse output sizes too long to print (a Flatten over huge axes, say)."""
    for s in shape if isinstance(shape, list) else [shape]:
        for d in s or ():
            if isinstance(d, int):
                check_size(d, where, "size in the output shape")
