"""Attention layers.

MultiHeadAttention projects query, key and value with three EinsumDense layers (each of the h
heads gets its own d_k- or d_v-wide slice), then projects the h·d_v concatenated values back to
the query's width (or to ``output_shape``). Each projection has a bias unless ``use_bias=False``.
Attention and AdditiveAttention have no projections: at most a learned scale.
"""

from __future__ import annotations

from ..expr import Expr, Num, Sym, product, total
from .base import USE_BIAS, Ctx, Hidden, Setting, Spec, W, format_shape, layer
from .quantized import quantization


def _attention_inputs(ctx: Ctx) -> tuple[tuple, tuple, tuple | None]:
    """(query, value, key) shapes from ``mha(query, value, key)`` or keywords; key may be None."""
    n_positional = len(ctx.input_shapes) - len(ctx.named_inputs)
    if n_positional == 1 and not ctx.named_inputs:
        # Counted alone (calculator, explain_layer): one shape means self-attention, layer(x, x).
        return ctx.input_shapes[0], ctx.input_shapes[0], None
    given = dict(zip(("query", "value", "key"), ctx.input_shapes[:n_positional]))
    given.update({k: v for k, v in ctx.named_inputs.items() if k in ("query", "value", "key")})
    if "query" not in given or "value" not in given:
        raise ctx.error("needs a query and a value input, e.g. layer(query, value)")
    return given["query"], given["value"], given.get("key")


def _features(ctx: Ctx, query, value, key) -> tuple[Sym, Sym, Sym]:
    """Symbols for the last axis of query, value and key; one symbol m when all are equal."""
    what = "input features (last axis)"
    f_q = ctx.last_dim(f"query's {what}", query)
    f_v = ctx.last_dim(f"value's {what}", value)
    f_k = ctx.last_dim(f"key's {what}", key) if key is not None else f_v
    if f_q == f_v == f_k:
        m = ctx.sym("m", f_q, "input features (last axis of query, key and value)")
        return m, m, m
    q = ctx.sym("f_q", f_q, "query features (last axis of the query)")
    v = ctx.sym("f_v", f_v, "value features (last axis of the value)")
    k = ctx.sym("f_k", f_k, "key features (last axis of the key)") if key is not None else v
    return q, v, k


def _alone_notes(ctx: Ctx) -> list[str]:
    if len(ctx.input_shapes) == 1 and not ctx.named_inputs:
        return ["one input shape given: counted as self-attention (query = value = key)"]
    return []


def _frozen_too_early(ctx: Ctx) -> bool:
    """Keras 3 builds the projections after trainable=False was set (as it is when a model is
    loaded from its config), and they stay trainable: summary() counts them as trainable."""
    return ctx.keras_version >= 3 and ctx.config.get("trainable", True) is False


_EARLY_FREEZE_NOTE = ("trainable=False, but Keras 3 creates the projections when the layer is "
                      "built, after the flag was set, so they stay trainable: a model built or "
                      "loaded from this config counts them as trainable in summary(); to freeze "
                      "them, set trainable=True then False on the built layer, or freeze its "
                      "four projections (query_dense, key_dense, value_dense, output_dense)")


def _check_key(ctx: Ctx, value, key) -> None:
    if key is not None and tuple(value[1:-1]) != tuple(key[1:-1]):
        raise ctx.error(f"value {format_shape(value)} and key {format_shape(key)} must agree "
                        "on every axis but the last")


def _projections(terms: list[tuple[Sym, Sym, Sym]], use_bias: bool) -> Expr:
    """Σ heads·width·(features + 1) over the projections, equal ones counted together."""
    grouped: dict[tuple[int, int, int], list] = {}
    for heads, width, feats in terms:
        grouped.setdefault((id(heads), id(width), id(feats)), [heads, width, feats, 0])[3] += 1
    out = []
    for heads, width, feats, n in grouped.values():
        term = heads * width * (feats + 1 if use_bias else feats)
        out.append(n * term if n > 1 else term)
    return total(out)


_HEADS = tuple(range(1, 17))


@layer("MultiHeadAttention", page="formulas/attention.md", args=("num_heads", "key_dim", "value_dim"),
       quantizable=True,
       # the query is the output's shape; without Connected to, value is taken to be the query
       hides=Hidden(settings=(Setting("num_heads", _HEADS, required=True), USE_BIAS),
                    solve="key_dim", input="same", inputs=3))
def multi_head_attention(ctx: Ctx) -> Spec:
    query, value, key = _attention_inputs(ctx)
    quantized = quantization(ctx) is not None
    # A rank-2 query (batch, features) is built like a one-step sequence: the weights depend on
    # the last axis only, whatever attention_axes says (checked against Keras 3 and tf-keras).
    ctx.rank(3 if ctx.call_options.get("return_attention_scores") else 2, 99, query)
    axes = ctx.option("attention_axes", None)
    axes = (axes,) if isinstance(axes, int) else axes
    if len(query) == 2 and ctx.keras_version < 3 and (
            axes is None or any(not isinstance(a, int) or a < 0 for a in axes)):
        raise ctx.error(f"tf-keras cannot build it on a rank-2 query with attention_axes="
                        f"{ctx.option('attention_axes', None)!r} (its softmax fails)")
    _check_key(ctx, value, key)
    f_q, f_v, f_k = _features(ctx, query, value, key)
    h = ctx.sym("h", ctx.integer("num_heads"), "attention heads (num_heads)")
    key_dim = ctx.integer("key_dim")
    # value_dim defaults to key_dim; then one symbol serves both.
    value_dim = key_dim if not ctx.option("value_dim", None) else ctx.integer("value_dim")
    if value_dim == key_dim:
        d_k = d_v = ctx.sym("d_k", key_dim, "size of each head (key_dim, and value_dim)")
    else:
        d_k = ctx.sym("d_k", key_dim, "size of each head for query and key (key_dim)")
        d_v = ctx.sym("d_v", value_dim, "size of each head for value (value_dim)")
    out_dims = _output_dims(ctx, f_q)
    use_bias = ctx.flag("use_bias", True)
    gate = ctx.keras_version >= 3 and ctx.flag("use_gate", False)

    projections = [("query", f_q, h, d_k), ("key", f_k, h, d_k), ("value", f_v, h, d_v)]
    if gate:
        projections.append(("gate", f_q, h, d_v))
    weights = _projection_weights(projections, use_bias)
    weights.append(W("attention_output/kernel", (h, d_v, *out_dims)))
    if use_bias:
        weights.append(W("attention_output/bias", tuple(out_dims)))
    o = product(out_dims)
    formula = _projections([(h, w, f) for _, f, _, w in projections], use_bias) + h * d_v * o
    if use_bias:
        formula = formula + o
    notes = _alone_notes(ctx)
    if gate:
        notes.append("use_gate=True: a sigmoid gate, one more projection of the query")
    early = _frozen_too_early(ctx)
    output = (*query[:-1], *(d.value for d in out_dims))
    if ctx.call_options.get("return_attention_scores"):
        output = [output, _mha_scores(ctx, query, key or value, h.value)]
    if quantized:
        return _quantized(ctx, _mha_einsums(query, value, key, [d.value for d in out_dims],
                                            h.value, key_dim, value_dim, use_bias, gate),
                          output, notes, early)
    return Spec(weights, output_shape=output, formula=formula,
                notes=notes + [_EARLY_FREEZE_NOTE] * early, freezable=not early)


# A quantized attention layer: Keras passes the layer's dtype policy to its projections, which
# are EinsumDense layers, and those build their quantized kernels and scales. So they are
# counted here as the EinsumDense layers they are. `model.quantize()` leaves the same weights
# but, unlike a policy given to the layer, does not record it in the layer's config.
_QUANTIZED_NOTE = ("the dtype policy is quantized ({mode}): each projection is an EinsumDense "
                   "with that policy, counted as one")


def _quantized(ctx: Ctx, einsums: list[tuple], output, notes: list[str], early: bool) -> Spec:
    dtype = ctx.option("dtype")
    sublayers = []
    for name, equation, out_shape, bias_axes, shape in einsums:
        config = {"name": name, "equation": equation, "output_shape": out_shape,
                  "bias_axes": bias_axes, "dtype": dtype}
        sublayers.append(ctx.sublayer({"class_name": "EinsumDense", "config": config}, shape,
                                      "projection", symbol_suffix=f"_{name[0]}"))
    mode = quantization(ctx).mode
    return Spec(output_shape=output, formula=total(sub.expr for sub in sublayers),
                sublayers=sublayers, freezable=not early,
                notes=notes + [_QUANTIZED_NOTE.format(mode=mode)] + [_EARLY_FREEZE_NOTE] * early)


def _projection_equation(free: int, bound: int, out: int) -> tuple[str, str]:
    """Keras' ``_build_proj_equation``: the einsum of one projection and its bias axes."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    inputs, kernel, outputs = letters[:free], "", letters[:free]
    inputs += letters[free:free + bound]
    kernel += letters[free:free + bound]
    new = letters[free + bound:free + bound + out]
    return f"{inputs},{kernel + new}->{outputs + new}", new


def _mha_einsums(query, value, key, out_dims, heads, key_dim, value_dim, use_bias, gate):
    """MultiHeadAttention's projections as Keras builds them: (name, equation, output_shape,
    bias_axes, input shape)."""
    einsums = []
    for name, shape, width in (("query", query, key_dim), ("key", key or value, key_dim),
                               ("value", value, value_dim)) + (
                                   (("gate", query, value_dim),) if gate else ()):
        equation, bias = _projection_equation(len(shape) - 1, 1, 2)
        out = [None] * (len(shape) - 2) + [heads, width]
        einsums.append((name, equation, out, bias if use_bias else None, shape))
    equation, bias = _projection_equation(len(query) - 1, 2, len(out_dims))
    out = [None] * (len(query) - 2) + list(out_dims)
    einsums.append(("attention_output", equation, out, bias if use_bias else None,
                    (*query[:-1], heads, value_dim)))
    return einsums


def _projection_weights(projections, use_bias: bool) -> list[W]:
    """Each (name, features, heads, width) projection: an einsum kernel and its bias per head."""
    weights = []
    for name, features, heads, width in projections:
        weights.append(W(f"{name}/kernel", (features, heads, width)))
        if use_bias:
            weights.append(W(f"{name}/bias", (heads, width)))
    return weights


def _output_dims(ctx: Ctx, f_q: Sym) -> list[Sym]:
    """The output projection's width: the query's features, or ``output_shape``."""
    value = ctx.option("output_shape", None)
    if not value:
        return [f_q]
    dims = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(dims, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in dims):
        raise ctx.error(f"'output_shape' must be a positive integer or a list of them, "
                        f"got {value!r}")
    if len(dims) == 1:
        return [ctx.sym("o", dims[0], "output features (output_shape)")]
    return [ctx.sym(f"o_{i + 1}", d, f"output_shape[{i}]") for i, d in enumerate(dims)]


def _mha_scores(ctx: Ctx, query, key, heads: int) -> tuple:
    if ctx.keras_version >= 3:
        # Keras 3 reports (batch, heads, Tq, Tq) for the scores, whatever the key's length.
        return (query[0], heads, query[1], query[1])
    # tf-keras: the einsum's real shape, (batch, other axes, heads, query axes, key axes), with
    # attention_axes used as given (a negative axis counts from the projected heads axes).
    rank = len(query) + 1
    axes = ctx.option("attention_axes", None)
    axes = list(range(1, rank - 2)) if axes is None else [axes] if isinstance(axes, int) else axes
    if not isinstance(axes, list) or not all(
            isinstance(a, int) and not isinstance(a, bool) and -rank <= a < rank - 1
            for a in axes):
        raise ctx.error(f"attention_axes {axes!r} out of range for query {format_shape(query)}")
    projected_query = (*query[:-1], heads, None)
    projected_key = (*key[:-1], heads, None)
    dropped = {a % rank for a in axes} | {rank - 1}
    others = [projected_query[i] for i in range(rank) if i not in dropped]
    return (*others, *(projected_query[a] for a in axes), *(projected_key[a] for a in axes))


@layer("GroupedQueryAttention", "GroupQueryAttention",
       args=("head_dim", "num_query_heads", "num_key_value_heads"), quantizable=True,
       hides=Hidden(settings=(Setting("num_query_heads", _HEADS, required=True),
                              Setting("num_key_value_heads", _HEADS, required=True), USE_BIAS),
                    solve="head_dim", input="same", inputs=3))
def grouped_query_attention(ctx: Ctx) -> Spec:
    query, value, key = _attention_inputs(ctx)
    quantized = quantization(ctx) is not None
    for shape in (query, value, key or value):
        ctx.rank(3, 3, shape)
    _check_key(ctx, value, key)
    f_q, f_v, f_k = _features(ctx, query, value, key)
    if f_q.value != f_v.value:
        raise ctx.error(f"query and value must have the same last axis, got {f_q.value} "
                        f"and {f_v.value}")
    h = ctx.sym("h", ctx.integer("num_query_heads"), "query heads (num_query_heads)")
    h_kv = ctx.sym("h_kv", ctx.integer("num_key_value_heads"),
                   "key and value heads (num_key_value_heads)")
    if h.value % h_kv.value:
        raise ctx.error(f"num_query_heads ({h.value}) must be a multiple of "
                        f"num_key_value_heads ({h_kv.value})")
    d = ctx.sym("d_h", ctx.integer("head_dim"), "size of each head (head_dim)")
    use_bias = ctx.flag("use_bias", True)
    projections = [("query", f_q, h, d), ("key", f_k, h_kv, d), ("value", f_v, h_kv, d)]
    if ctx.flag("use_gate", False):
        projections.append(("gate", f_q, h, d))
    weights = _projection_weights(projections, use_bias)
    weights.append(W("attention_output/kernel", (h, d, f_q)))
    if use_bias:
        weights.append(W("attention_output/bias", (f_q,)))
    formula = _projections([(heads, d, f) for _, f, heads, _ in projections], use_bias) \
        + h * d * f_q + (f_q if use_bias else 0)
    output = tuple(query)
    if ctx.call_options.get("return_attention_scores"):
        length = (key or value)[1]
        output = [output, (query[0], h.value, query[1], length)]
    early = _frozen_too_early(ctx)
    notes = ["h_kv key/value heads are shared by groups of h/h_kv query heads"]
    if quantized:
        # The projections as Keras 3's GroupedQueryAttention writes them.
        bias = use_bias or None
        query_heads = [None, h.value, d.value]
        einsums = [("query", "bqm,muh->bquh", query_heads, bias and "uh", query),
                   ("key", "bkm,mvh->bkvh", [None, h_kv.value, d.value], bias and "vh",
                    key or value),
                   ("value", "bkm,mvh->bkvh", [None, h_kv.value, d.value], bias and "vh", value)]
        if len(projections) == 4:
            einsums.append(("gate", "bqm,muh->bquh", query_heads, bias and "uh", query))
        einsums.append(("attention_output", "bquh,uhm->bqm", [None, f_q.value], bias and "m",
                        (*query[:-1], h.value, d.value)))
        return _quantized(ctx, einsums, output, notes, early)
    return Spec(weights, output_shape=output, formula=formula, freezable=not early,
                notes=notes + [_EARLY_FREEZE_NOTE] * early)


def _list_inputs(ctx: Ctx) -> tuple[tuple, tuple, tuple]:
    """Attention([query, value]) or Attention([query, value, key]); key defaults to value."""
    shapes = ctx.input_shapes[:len(ctx.input_shapes) - len(ctx.named_inputs)]  # not mask=
    if len(shapes) == 1 and not ctx.named_inputs:
        shapes = shapes * 2  # counted alone: one shape means self-attention, layer([x, x])
    if len(shapes) not in (2, 3):
        raise ctx.error("must be called on [query, value] or [query, value, key], got "
                        f"{len(shapes)} input(s)")
    query, value, *rest = shapes
    return query, value, rest[0] if rest else value


def _dot_output(ctx: Ctx, query, value, key):
    output = (*query[:-1], value[-1])
    if ctx.call_options.get("return_attention_scores"):
        return [output, (*query[:-1], key[-2])]
    return output


@layer("Attention", page="formulas/attention.md", args=("use_scale", "score_mode"),
       hides=Hidden(settings=(Setting("use_scale", (False, True)),
                              Setting("score_mode", ("dot", "concat"))),
                    solve=None, input="same", inputs=3))
def attention(ctx: Ctx) -> Spec:
    query, value, key = _list_inputs(ctx)
    weights = []
    if ctx.flag("use_scale", False):
        weights.append(W("scale", ()))
    if ctx.choice("score_mode", ("dot", "concat"), "dot") == "concat":
        weights.append(W("concat_score_weight", ()))
    return Spec(weights, output_shape=_dot_output(ctx, query, value, key),
                formula=Num(len(weights)),
                notes=["no projections: query, key and value are used as they come"]
                + _alone_notes(ctx))


@layer("AdditiveAttention", page="formulas/attention.md", args=("use_scale",),
       hides=Hidden(settings=(Setting("use_scale", (True, False)),), solve=None, input="same",
                    inputs=3))
def additive_attention(ctx: Ctx) -> Spec:
    query, value, key = _list_inputs(ctx)
    weights = []
    if ctx.flag("use_scale", True):
        m = ctx.sym("m", ctx.last_dim("query features", query), "query features (last axis)")
        weights.append(W("scale", (m,)))
    return Spec(weights, output_shape=_dot_output(ctx, query, value, key),
                notes=_alone_notes(ctx))
