"""KerasHub's layers (``keras_hub.layers``, keras-hub 0.32), read from the configs Keras writes.

A KerasHub layer is registered by its package, so a config names it ``keras_hub>TransformerEncoder``
(its ``registered_name``): that is the name each formula here is registered under. Nothing here
imports keras_hub; the weights follow its ``build()`` code:

- TransformerEncoder: self-attention (a MultiHeadAttention with ``key_dim = m // h``), two
  LayerNormalizations, and a feed-forward block of two Dense layers (m → f → m).
- TransformerDecoder: the same, plus a cross-attention block (attention over the encoder's
  sequence, and its LayerNormalization) when it is built with an encoder sequence.
- TokenAndPositionEmbedding: a ReversibleEmbedding (v·e) and a PositionEmbedding (s·e).
- MaskedLMHead: a Dense and a LayerNormalization, then a projection to the vocabulary, which is a
  kernel of its own or the token embedding's table (tied).
- RotaryEmbedding, SinePositionEncoding, AlibiBias: computed from positions, no weights.

The composite layers create their inner layers in ``build()`` (or ``__init__``), after
``trainable=False`` from a config was applied to the outer layer: those weights stay trainable,
as for Keras' own MultiHeadAttention.
"""

from __future__ import annotations

from ..expr import Expr, Sym
from ..safety import check_size
from .attention import multi_head_attention
from .base import WEIGHTLESS, Ctx, Hidden, Setting, Spec, W, layer
from .embedding import HIDES as EMBEDDING_HIDES
from .embedding import embedding

PAGE = "formulas/transformer.md"

_STAY_TRAINABLE = ("trainable=False, but KerasHub creates this layer's inner layers after the flag "
                   "was set, so their weights stay trainable: a model built or loaded from this "
                   "config counts them as trainable; to freeze them, set trainable=True then "
                   "False on the built layer")


def _inputs(ctx: Ctx, names: tuple[str, ...]) -> dict[str, tuple]:
    """The call's tensors by parameter name: positional ones in ``names``' order, then keywords.
    Tensors the weights never depend on (masks, caches) are left to the caller."""
    positional = ctx.input_shapes[:len(ctx.input_shapes) - len(ctx.named_inputs)]
    given = dict(zip(names, positional))
    given.update({k: v for k, v in ctx.named_inputs.items() if k in names})
    if names[0] not in given:
        raise ctx.error(f"is called with no '{names[0]}' tensor")
    return given


def _frozen_note(ctx: Ctx) -> list[str]:
    return [_STAY_TRAINABLE] if ctx.config.get("trainable", True) is False else []


def _heads(ctx: Ctx, m: Sym) -> tuple[Sym, Sym]:
    """h heads of size d_k = m // h, as KerasHub's blocks build their attention."""
    h = ctx.sym("h", ctx.integer("num_heads"), "attention heads (num_heads)")
    if m.value // h.value == 0:
        raise ctx.error(f"the head size m // h is 0: {m.value} input features for {h.value} "
                        "heads (KerasHub needs input features ≥ num_heads)")
    d_k = ctx.sym("d_k", m.value // h.value, "size of each head (m // h, rounded down)")
    return h, d_k


def _attention(prefix: str, m: Sym, kv: Sym, h: Sym, d_k: Sym) -> tuple[list[W], Expr]:
    """A MultiHeadAttention named ``prefix``: query from m features, key and value from kv, the
    output back to m; every projection with its bias (KerasHub never turns them off)."""
    weights = []
    for name, features in (("query", m), ("key", kv), ("value", kv)):
        weights += [W(f"{prefix}/{name}/kernel", (features, h, d_k)),
                    W(f"{prefix}/{name}/bias", (h, d_k))]
    weights += [W(f"{prefix}/attention_output/kernel", (h, d_k, m)),
                W(f"{prefix}/attention_output/bias", (m,))]
    if kv is m:
        count = 3 * h * d_k * (m + 1) + h * d_k * m + m
    else:
        count = h * d_k * (m + 1) + 2 * h * d_k * (kv + 1) + h * d_k * m + m
    return weights, count


def _norm(name: str, m: Sym) -> list[W]:
    return [W(f"{name}/gamma", (m,)), W(f"{name}/beta", (m,))]


def _feedforward(m: Sym, f: Sym, intermediate: str, output: str) -> tuple[list[W], Expr]:
    """Two Dense layers with biases: m → f (the activation) → m."""
    weights = [W(f"{intermediate}/kernel", (m, f)), W(f"{intermediate}/bias", (f,)),
               W(f"{output}/kernel", (f, m)), W(f"{output}/bias", (m,))]
    return weights, 2 * m * f + f + m


def _width(ctx: Ctx, shape: tuple, what: str) -> int:
    ctx.rank(2, 99, shape)
    return ctx.last_dim(what, shape)


# What a summary row hides of a transformer block: its heads, and the feed-forward size the count
# is solved for (the input is the output's shape).
_HEADS = Setting("num_heads", tuple(range(1, 17)), required=True)
_BLOCK = Hidden(settings=(_HEADS,), solve="intermediate_dim", input="same")


@layer("keras_hub>TransformerEncoder", args=("intermediate_dim", "num_heads"), page=PAGE,
       hides=_BLOCK)
def transformer_encoder(ctx: Ctx) -> Spec:
    x = _inputs(ctx, ("inputs", "padding_mask", "attention_mask"))["inputs"]
    m = ctx.sym("m", _width(ctx, x, "input features"), "input features (last axis of the input)")
    h, d_k = _heads(ctx, m)
    f = ctx.sym("f", ctx.integer("intermediate_dim"), "feed-forward size (intermediate_dim)")
    attention, attention_count = _attention("self_attention_layer", m, m, h, d_k)
    feedforward, ff_count = _feedforward(m, f, "feedforward_intermediate_dense",
                                         "feedforward_output_dense")
    weights = [*attention, *_norm("self_attention_layer_norm", m),
               *_norm("feedforward_layer_norm", m), *feedforward]
    # return_attention_scores=True changes nothing a model sees: KerasHub's compute_output_shape
    # gives the functional model one output, shaped like the input.
    return Spec(weights, output_shape=tuple(x), formula=attention_count + ff_count + 4 * m,
                freezable=False, notes=_frozen_note(ctx))


def _configured_shape(ctx: Ctx, key: str) -> tuple | None:
    """decoder_sequence_shape / encoder_sequence_shape: TransformerDecoder writes the shapes it was
    built with into its config, and builds itself from them when the config is loaded."""
    value = ctx.option(key, None)
    if not value:
        return None
    if not isinstance(value, (list, tuple)) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in value):
        raise ctx.error(f"'{key}' must be a shape (a list of positive integers or None), "
                        f"got {value!r}")
    return tuple(d if d is None else check_size(d, ctx.where, f"'{key}'") for d in value)


_DECODER_CALL = ("decoder_sequence", "encoder_sequence", "decoder_padding_mask",
                 "decoder_attention_mask", "encoder_padding_mask", "encoder_attention_mask",
                 "self_attention_cache", "self_attention_cache_update_index",
                 "cross_attention_cache", "cross_attention_cache_update_index")


@layer("keras_hub>TransformerDecoder", args=("intermediate_dim", "num_heads"), page=PAGE,
       hides=_BLOCK)
def transformer_decoder(ctx: Ctx) -> Spec:
    called = _inputs(ctx, _DECODER_CALL)
    _no_cache(ctx, called, _DECODER_CALL[6:])
    decoder, encoder = called["decoder_sequence"], called.get("encoder_sequence")
    built_decoder = _configured_shape(ctx, "decoder_sequence_shape")
    built_encoder = _configured_shape(ctx, "encoder_sequence_shape") if built_decoder else None
    if built_decoder is not None:
        # Loaded from this config, the layer is built before it is called: the config's shapes
        # make the weights, and the call must agree with them, or Keras stops.
        if (encoder is None) != (built_encoder is None):
            raise ctx.error(
                "its config says it was built " + ("with" if built_encoder else "without")
                + " cross-attention (encoder_sequence_shape), but it is called "
                + ("without an encoder sequence" if encoder is None else "with one")
                + ": call it as layer(decoder_sequence"
                + (", encoder_sequence)" if built_encoder else ")"))
        for label, built, given in (("decoder", built_decoder, decoder),
                                    ("encoder", built_encoder, encoder)):
            if given is not None and None not in (built[-1], given[-1]) \
                    and built[-1] != given[-1]:
                raise ctx.shape_error(f"its config's {label}_sequence_shape has {built[-1]} "
                                      f"features, but it is called on {given[-1]}")
        decoder, encoder = built_decoder, built_encoder
    m = ctx.sym("m", _width(ctx, decoder, "decoder features"),
                "input features (last axis of the decoder sequence)")
    h, d_k = _heads(ctx, m)
    f = ctx.sym("f", ctx.integer("intermediate_dim"), "feed-forward size (intermediate_dim)")
    attention, count = _attention("self_attention", m, m, h, d_k)
    weights = [*attention, *_norm("self_attention_layer_norm", m)]
    norms = 4 * m  # two LayerNormalizations, gamma and beta each
    if encoder is not None:
        width = _width(ctx, encoder, "encoder features")
        m_e = m if width == m.value else ctx.sym(
            "m_e", width, "encoder features (last axis of the encoder sequence)")
        cross, cross_count = _attention("cross_attention", m, m_e, h, d_k)
        weights += [*cross, *_norm("cross_attention_layer_norm", m)]
        count, norms = count + cross_count, 6 * m
    feedforward, ff_count = _feedforward(m, f, "feedforward_intermediate_dense",
                                         "feedforward_output_dense")
    weights += [*feedforward, *_norm("feedforward_layer_norm", m)]
    output = tuple(called["decoder_sequence"])
    notes = ["no encoder sequence: no cross-attention block (a decoder-only model)"] \
        if encoder is None else []
    return Spec(weights, output_shape=output, formula=count + ff_count + norms,
                freezable=False, notes=notes + _frozen_note(ctx))


@layer("keras_hub>FNetEncoder", args=("intermediate_dim",), page=PAGE,
       hides=Hidden(solve="intermediate_dim", input="same"))
def fnet_encoder(ctx: Ctx) -> Spec:
    x = _inputs(ctx, ("inputs",))["inputs"]
    m = ctx.sym("m", _width(ctx, x, "input features"), "input features (last axis of the input)")
    f = ctx.sym("f", ctx.integer("intermediate_dim"), "feed-forward size (intermediate_dim)")
    feedforward, ff_count = _feedforward(m, f, "intermediate_dense", "output_dense")
    weights = [*_norm("mixing_layer_norm", m), *_norm("output_layer_norm", m), *feedforward]
    return Spec(weights, output_shape=tuple(x), formula=ff_count + 4 * m, freezable=False,
                notes=["the token mixing is a Fourier transform: no weights"] + _frozen_note(ctx))


@layer("keras_hub>PositionEmbedding", args=("sequence_length",), page=PAGE,
       hides=Hidden(solve="sequence_length", input="same"))
def position_embedding(ctx: Ctx) -> Spec:
    x = _inputs(ctx, ("inputs", "start_index", "positions"))["inputs"]
    ctx.rank(2, 99, x)
    s = ctx.sym("s", ctx.integer("sequence_length"), "sequence length (sequence_length)")
    e = ctx.sym("e", ctx.last_dim("embedding size", x), "embedding size (last axis of the input)")
    return Spec([W("embeddings", (s, e))], output_shape=tuple(x),
                notes=["one learned vector per position, for at most s positions"])


@layer("keras_hub>TokenAndPositionEmbedding",
       args=("vocabulary_size", "sequence_length", "embedding_dim"), page=PAGE,
       hides=Hidden(solve=None, why="its count is a vocabulary and a sequence length times the "
                                    "embedding size: the table cannot tell the two apart"))
def token_and_position_embedding(ctx: Ctx) -> Spec:
    shape = _inputs(ctx, ("inputs",))["inputs"]
    ctx.rank(2, 99, shape)
    dim = ctx.integer("embedding_dim")
    token = ctx.sublayer({"class_name": "ReversibleEmbedding", "config": {
        "name": "token_embedding", "input_dim": ctx.integer("vocabulary_size"), "output_dim": dim,
        "tie_weights": ctx.flag("tie_weights", True), "mask_zero": ctx.flag("mask_zero", False)}},
        tuple(shape), "token embedding")
    position = ctx.sublayer({"class_name": "keras_hub>PositionEmbedding", "config": {
        "name": "position_embedding", "sequence_length": ctx.integer("sequence_length")}},
        (*shape, dim), "position embedding")
    return Spec(output_shape=(*shape, dim), formula=token.expr + position.expr,
                sublayers=[token, position], freezable=False, notes=_frozen_note(ctx))


@layer("keras_hub>ReversibleEmbedding", args=("input_dim", "output_dim"), page=PAGE,
       quantizable=True, hides=EMBEDDING_HIDES)
def reversible_embedding(ctx: Ctx) -> Spec:
    """KerasHub's ReversibleEmbedding is Keras' own, under KerasHub's name."""
    return embedding(ctx)


@layer("keras_hub>MaskedLMHead", args=("vocabulary_size", "token_embedding"), page=PAGE,
       hides=Hidden(solve=None, why="its count holds the vocabulary and whether its embedding "
                                    "is tied, which its row does not show"))
def masked_lm_head(ctx: Ctx) -> Spec:
    called = _inputs(ctx, ("inputs", "mask_positions"))
    x = called["inputs"]
    m = ctx.sym("m", _width(ctx, x, "input features"), "input features (last axis of the input)")
    table = ctx.option("token_embedding", None)
    frozen = ctx.config.get("trainable", True) is False
    notes, sublayers = [], []
    if table is None:
        e = m
        v = ctx.sym("v", ctx.integer("vocabulary_size"), "vocabulary size (vocabulary_size)")
        own = [W("output_kernel", (e, v), not frozen), W("output_bias", (v,), not frozen)]
        head = e * v + v
    else:
        if not isinstance(table, dict) or not isinstance(table.get("config"), dict):
            raise ctx.error("'token_embedding' must be a serialized ReversibleEmbedding")
        if "ReversibleEmbedding" not in str(table.get("registered_name") or table.get("class_name")):
            raise ctx.error("'token_embedding' must be a ReversibleEmbedding (the head calls it "
                            f"with reverse=True), got {table.get('class_name')!r}")
        # Counted by its own formula (which checks its config); kept only if the head owns it.
        table_count = ctx.sublayer(table, (x[0], None), "token embedding")
        dims = {symbol.name: symbol.value for symbol in table_count.symbols}
        v = ctx.sym("v", dims["v"], "vocabulary size (the token embedding's input_dim)")
        e = ctx.sym("e", dims["e"], "embedding size (the token embedding's output_dim)")
        given = ctx.option("vocabulary_size", None)
        if given is not None and given != v.value:
            raise ctx.error(f"vocabulary_size={given!r} does not match the token embedding's "
                            f"input_dim={v.value}")
        own = [W("output_bias", (v,), not frozen)]
        head = v
        if "shared_object_id" in table:
            # Written by model.save(): the same embedding is serialized elsewhere in the file (a
            # layer of the model), and Keras loads one object for both. It is counted there.
            notes.append("tied: the v×e table is the token embedding's, a layer counted on its "
                         "own row (Keras' summary() lists it in this row too)")
        else:
            # No shared id (model.to_json(), get_config()): loading this config makes the head
            # a copy of the table of its own, as Keras does.
            sublayers.append(table_count)
            head = head + table_count.expr
            notes.append("the token embedding is written inside this config without a shared "
                         "id, so a model loaded from it gets its own copy of the table, counted "
                         "here (model.save() keeps the tie)")
    weights = [W("intermediate_dense/kernel", (m, e)), W("intermediate_dense/bias", (e,)),
               *_norm("intermediate_layer_norm", e), *own]
    formula = m * e + e + 2 * e + head
    positions = called.get("mask_positions")
    if positions is None:
        notes.append("no mask_positions shape given: the number of masked positions is unknown")
        positions = (x[0], None)
    return Spec(weights, output_shape=(*positions, v.value), formula=formula,
                sublayers=sublayers, prefix_sublayers=True, freezable=False,
                notes=notes + _frozen_note(ctx))


@layer("keras_hub>CachedMultiHeadAttention", args=("num_heads", "key_dim", "value_dim"),
       page=PAGE, hides=Hidden(settings=(_HEADS, Setting("use_bias", (True, False))),
                               solve="key_dim", input="same", inputs=3))
def cached_multi_head_attention(ctx: Ctx) -> Spec:
    """Keras' MultiHeadAttention with a key/value cache for decoding: the same weights."""
    _no_cache(ctx, ctx.named_inputs, ("cache", "cache_update_index"))
    return multi_head_attention(ctx)


def _no_cache(ctx: Ctx, called: dict, names: tuple[str, ...]) -> None:
    """Keras cannot trace a cache through a functional model (compute_output_spec refuses it), so
    no config it writes has one: refuse rather than guess the outputs."""
    given = sorted(set(names) & set(called))
    if given:
        raise ctx.error(f"is called with {', '.join(given)}: a key/value cache is for step-by-step "
                        "decoding; Keras cannot build a functional model that passes one")


@layer("keras_hub>RMSNormalization", args=("input_dim",), page=PAGE,
       hides=Hidden(solve="input_dim", input="same"))
def rms_normalization(ctx: Ctx) -> Spec:
    x = _inputs(ctx, ("x",))["x"]
    ctx.rank(2, 99, x)
    n = ctx.integer("input_dim")
    if x[-1] is not None and x[-1] != n:
        raise ctx.shape_error(f"input_dim={n} but the input has {x[-1]} features (last axis)")
    m = ctx.sym("m", n, "input features (input_dim)")
    return Spec([W("scale", (m,))], output_shape=tuple(x),
                notes=["Keras writes this layer's config but cannot load it back: its "
                       "constructor takes input_dim only (no name, trainable or dtype)"])


def _weightless(why: str, rank: tuple[int, int], first: str = "inputs"):
    def formula(ctx: Ctx) -> Spec:
        x = _inputs(ctx, (first, "start_index", "positions"))[first]
        ctx.rank(*rank, x)
        return Spec(output_shape=tuple(x), notes=[why])
    return formula


layer("keras_hub>RotaryEmbedding", args=("max_wavelength", "scaling_factor"), page=PAGE, hides=WEIGHTLESS)(
    _weightless("no weights: each pair of features is rotated by an angle computed from the "
                "position and max_wavelength", (2, 99)))
layer("keras_hub>SinePositionEncoding", args=("max_wavelength",), page=PAGE, hides=WEIGHTLESS)(
    _weightless("no weights: sines and cosines of the position, computed in every call",
                (2, 99)))
layer("keras_hub>AlibiBias", args=("alibi_bias_max",), page=PAGE, hides=WEIGHTLESS)(
    _weightless("no weights: a fixed slope per head times the distance, added to the attention "
                "scores", (4, 4), "attention_scores"))
