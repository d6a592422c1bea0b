"""KerasHub backbones counted from their config: BERT, ALBERT, GPT-2, Gemma, Llama 3, Mistral,
Mixtral.

A backbone's config (what ``keras.saving.serialize_keras_object(backbone)`` writes, and what a
KerasHub preset's ``config.json`` holds) lists no layers, only the constructor's hyperparameters:
the layers are made by the backbone's Python code. So each backbone's construction is written
here, following keras-hub 0.32's own code (``keras_hub/src/models/<family>/``), as the list of
layers its ``model.layers`` holds, in that order, with the same names and weight paths. Every
weight comes from a core formula (Embedding, Dense, EinsumDense, LayerNormalization,
RMSNormalization) counted as a sublayer, so a backbone after ``quantize()`` — whose config
carries a ``DTypePolicyMap`` naming each quantized layer by its path — is counted by the same
quantized formulas as a plain Dense or EinsumDense.

Shared weights are counted once, as Keras counts them: ALBERT's groups of layers (each group's
weights serve ``num_layers / num_groups`` calls) and the output head tied to the token embedding
(Gemma, and Llama with ``tie_word_embeddings``).

Nothing here imports KerasHub: these are formulas over the config, tested against KerasHub.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import ParamcountError
from ..expr import Num, total
from ..records import replace
from ..result import LayerCount, ModelCount, Shape, Weight
from ..safety import MAX_LAYERS
from .apply import count_layer, count_sublayer
from .base import Ctx, Spec, W
from .quantized import policy_mode
from .registry import LayerClass, registration

__all__ = ["BACKBONES", "count_backbone"]

SEQUENCE: Shape = (None, None)  # token ids: (batch, sequence length), lengths unknown
_CALLS_PER_BLOCK = 10  # the fewest layer calls a block of any backbone here makes


class _Scope:
    """Where a layer sits in the backbone ("decoder_block_0/attention"), and the dtype policy a
    quantized backbone's ``DTypePolicyMap`` gives the layer at that path."""

    def __init__(self, policies: dict, prefix: str = "", default=None):
        self.policies = policies
        self.prefix = prefix
        # The backbone's own policy (or its map's default): the dtype of the other layers'
        # weights, so that a bfloat16 backbone's bytes are bfloat16's.
        self.default = default

    def path(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def child(self, name: str) -> _Scope:
        return _Scope(self.policies, self.path(name), self.default)

    def config(self, name: str, **config) -> dict:
        """A core layer's config, with its quantized policy if the map names its path."""
        config["name"] = name
        policy = self.policies.get(self.path(name), self.default)
        if policy is not None:
            config["dtype"] = policy
        return config


def _core(ctx: Ctx, scope: _Scope, class_name: str, name: str, shape: Shape, **config
          ) -> LayerCount:
    """A Keras layer made inside a KerasHub layer, counted by its registered formula."""
    return ctx.sublayer({"class_name": class_name, "config": scope.config(name, **config)},
                        shape, "sublayer")


def _composite(where: str, class_name: str, name: str, shape: Shape,
               formula: Callable[[Ctx], Spec], dtype=None) -> LayerCount:
    """A KerasHub layer (a decoder block, an attention layer...) counted by ``formula``, which
    holds its own sublayers; it has no registration of its own, since only its backbone makes it."""
    config = {"name": name} if dtype is None else {"name": name, "dtype": dtype}
    layer = count_layer(class_name, config, [shape],
                        where=f"{where} '{name}' ({class_name})",
                        registered=LayerClass(class_name, formula, quantizable=True))
    if layer.sublayers:
        # Its sublayers' formulas each use the letters of their own class (one EinsumDense's
        # c is the hidden size, another's the heads), so together they would read wrongly: the
        # layer is the sum of its sublayers' counts, and each sublayer keeps its own formula.
        layer.weights = [replace(w, symbolic=None) for w in layer.weights]
        layer.expr = total(Num(sub.params) for sub in layer.sublayers)
        layer.symbol_list = []
    return layer


def _nested(ctx: Ctx, class_name: str, name: str, shape: Shape,
            formula: Callable[[Ctx], Spec]) -> LayerCount:
    return _composite(f"{ctx.where} >", class_name, name, shape, formula, ctx.config.get("dtype"))


def _spec(ctx: Ctx, sublayers: list[LayerCount], notes: list[str] | None = None) -> Spec:
    """A layer made of sublayers only, whose output has its input's shape."""
    return Spec(output_shape=ctx.input_shape, formula=total(sub.expr for sub in sublayers),
                sublayers=sublayers, notes=notes or [])


# --- attention ----------------------------------------------------------------------------------

def _multi_head_attention(scope: _Scope, heads: int, key_dim: int) -> Callable[[Ctx], Spec]:
    """Keras' MultiHeadAttention on a rank-3 self-attention input, as its four EinsumDense
    projections (the equations MultiHeadAttention builds), so that quantized projections are
    counted too."""
    def formula(ctx: Ctx) -> Spec:
        d = ctx.last_dim("hidden size")
        shape = ctx.input_shape
        subs = [_core(ctx, scope, "EinsumDense", part, shape, equation="abc,cde->abde",
                      output_shape=[None, heads, key_dim], bias_axes="de")
                for part in ("query", "key", "value")]
        subs.append(_core(ctx, scope, "EinsumDense", "attention_output",
                          (None, None, heads, key_dim), equation="abcd,cde->abe",
                          output_shape=[None, d], bias_axes="e"))
        return _spec(ctx, subs)
    return formula


def _grouped_attention(scope: _Scope, equations: tuple[str, str, str], query_heads: int,
                       kv_heads: int, head_dim: int) -> Callable[[Ctx], Spec]:
    """Gemma's, Llama's, Mistral's and Mixtral's attention: query, key and value projections
    without biases, key and value with fewer heads (multi-query or grouped-query attention),
    and an output projection back to the hidden size."""
    query_eq, kv_eq, output_eq = equations

    def formula(ctx: Ctx) -> Spec:
        d = ctx.last_dim("hidden size")
        shape = ctx.input_shape
        subs = [_core(ctx, scope, "EinsumDense", "query", shape, equation=query_eq,
                      output_shape=[None, query_heads, head_dim])]
        subs += [_core(ctx, scope, "EinsumDense", part, shape, equation=kv_eq,
                       output_shape=[None, kv_heads, head_dim]) for part in ("key", "value")]
        subs.append(_core(ctx, scope, "EinsumDense", "attention_output",
                          (None, None, query_heads, head_dim), equation=output_eq,
                          output_shape=[None, d]))
        notes = [] if kv_heads == query_heads else [
            f"{kv_heads} key/value head(s) shared by {query_heads} query heads"]
        return _spec(ctx, subs, notes=notes)
    return formula


_GEMMA_ATTENTION = ("btd,ndh->btnh", "bsd,kdh->bskh", "btnh,nhd->btd")
_LLAMA_ATTENTION = ("bqm,muh->bquh", "bkm,mvh->bkvh", "bquh,uhm->bqm")


# --- blocks ---------------------------------------------------------------------------------------

def _transformer_encoder(scope: _Scope, heads: int, intermediate: int) -> Callable[[Ctx], Spec]:
    """keras_hub.layers.TransformerEncoder (BERT, ALBERT): attention, two LayerNormalizations,
    and a two-Dense feed-forward network, all with biases."""
    def formula(ctx: Ctx) -> Spec:
        shape = ctx.input_shape
        d = ctx.last_dim("hidden size")
        key_dim = d // heads
        if key_dim == 0:
            raise ctx.error(f"hidden_dim {d} must be at least num_heads {heads}")
        subs = [_nested(ctx, "MultiHeadAttention", "self_attention_layer", shape,
                        _multi_head_attention(scope.child("self_attention_layer"), heads, key_dim)),
                _core(ctx, scope, "LayerNormalization", "self_attention_layer_norm", shape),
                _core(ctx, scope, "LayerNormalization", "feedforward_layer_norm", shape),
                _core(ctx, scope, "Dense", "feedforward_intermediate_dense", shape,
                      units=intermediate),
                _core(ctx, scope, "Dense", "feedforward_output_dense",
                      (*shape[:-1], intermediate), units=d)]
        return _spec(ctx, subs)
    return formula


def _transformer_decoder(scope: _Scope, heads: int, intermediate: int) -> Callable[[Ctx], Spec]:
    """keras_hub.layers.TransformerDecoder without cross-attention (GPT-2)."""
    def formula(ctx: Ctx) -> Spec:
        shape = ctx.input_shape
        d = ctx.last_dim("hidden size")
        key_dim = d // heads
        if key_dim == 0:
            raise ctx.error(f"hidden_dim {d} must be at least num_heads {heads}")
        subs = [_nested(ctx, "CachedMultiHeadAttention", "self_attention", shape,
                        _multi_head_attention(scope.child("self_attention"), heads, key_dim)),
                _core(ctx, scope, "LayerNormalization", "self_attention_layer_norm", shape),
                _core(ctx, scope, "Dense", "feedforward_intermediate_dense", shape,
                      units=intermediate),
                _core(ctx, scope, "Dense", "feedforward_output_dense",
                      (*shape[:-1], intermediate), units=d),
                _core(ctx, scope, "LayerNormalization", "feedforward_layer_norm", shape)]
        return _spec(ctx, subs)
    return formula


def _gemma_block(scope: _Scope, hp: dict) -> Callable[[Ctx], Spec]:
    """GemmaDecoderBlock: RMS norms, grouped-query attention, and a gated feed-forward network
    whose two gating projections are intermediate_dim // 2 wide each (Gemma 2 adds norms after
    attention and after the feed-forward network)."""
    def formula(ctx: Ctx) -> Spec:
        shape = ctx.input_shape
        half = hp["intermediate_dim"] // 2
        subs = [_core(ctx, scope, "RMSNormalization", "pre_attention_norm", shape),
                _nested(ctx, "CachedGemmaAttention", "attention", shape, _grouped_attention(
                    scope.child("attention"), _GEMMA_ATTENTION, hp["num_query_heads"],
                    hp["num_key_value_heads"], hp["head_dim"]))]
        if hp["use_post_attention_norm"]:
            subs.append(_core(ctx, scope, "RMSNormalization", "post_attention_norm", shape))
        subs += [_core(ctx, scope, "RMSNormalization", "pre_ffw_norm", shape),
                 _core(ctx, scope, "EinsumDense", "ffw_gating", shape, equation="btd,df->btf",
                       output_shape=[None, half]),
                 _core(ctx, scope, "EinsumDense", "ffw_gating_2", shape, equation="btd,df->btf",
                       output_shape=[None, half]),
                 _core(ctx, scope, "EinsumDense", "ffw_linear", (*shape[:-1], half),
                       equation="btf,fd->btd", output_shape=[None, shape[-1]])]
        if hp["use_post_ffw_norm"]:
            subs.append(_core(ctx, scope, "RMSNormalization", "post_ffw_norm", shape))
        return _spec(ctx, subs)
    return formula


def _gated_ffn(ctx: Ctx, scope: _Scope, shape: Shape, intermediate: int) -> list[LayerCount]:
    """Llama's and Mistral's SwiGLU feed-forward network: three Dense layers without biases."""
    return [_core(ctx, scope, "Dense", "feedforward_intermediate_dense", shape,
                  units=intermediate, use_bias=False),
            _core(ctx, scope, "Dense", "feedforward_gate_dense", shape, units=intermediate,
                  use_bias=False),
            _core(ctx, scope, "Dense", "feedforward_output_dense", (*shape[:-1], intermediate),
                  units=shape[-1], use_bias=False)]


def _llama_block(scope: _Scope, hp: dict, attention_class: str) -> Callable[[Ctx], Spec]:
    """Llama's and Mistral's decoder: attention, an RMS norm before it and before the gated
    feed-forward network."""
    def formula(ctx: Ctx) -> Spec:
        shape = ctx.input_shape
        subs = [_attention(ctx, scope, hp, attention_class, shape),
                _core(ctx, scope, "RMSNormalization", "self_attention_layernorm", shape),
                *_gated_ffn(ctx, scope, shape, hp["intermediate_dim"]),
                _core(ctx, scope, "RMSNormalization", "feedforward_layernorm", shape)]
        return _spec(ctx, subs)
    return formula


def _attention(ctx: Ctx, scope: _Scope, hp: dict, class_name: str, shape: Shape) -> LayerCount:
    return _nested(ctx, class_name, "self_attention", shape, _grouped_attention(
        scope.child("self_attention"), _LLAMA_ATTENTION, hp["num_query_heads"],
        hp["num_key_value_heads"], hp["head_dim"]))


def _mixtral_block(scope: _Scope, hp: dict, index: int) -> Callable[[Ctx], Spec]:
    """MixtralTransformerDecoder: Mistral's attention, and a sparse mixture of experts in place
    of the feed-forward network: a router (a Dense to num_experts logits) and num_experts gated
    feed-forward networks, stored as three stacked tensors."""
    def formula(ctx: Ctx) -> Spec:
        shape = ctx.input_shape
        # KerasHub gives the block no name, so Keras numbers it: the first one made in a
        # session is "mixtral_sparse_moe_block", then "_1", "_2"... (as loading the config in a
        # fresh session makes them).
        name = "mixtral_sparse_moe_block" + (f"_{index}" if index else "")
        subs = [_attention(ctx, scope, hp, "CachedMixtralAttention", shape),
                _core(ctx, scope, "RMSNormalization", "self_attention_layernorm", shape),
                _nested(ctx, "MixtralSparseMoeBlock", name, shape,
                        _sparse_moe(scope.child(name), hp)),
                _core(ctx, scope, "RMSNormalization", "feedforward_layernorm", shape)]
        return _spec(ctx, subs)
    return formula


def _sparse_moe(scope: _Scope, hp: dict) -> Callable[[Ctx], Spec]:
    def formula(ctx: Ctx) -> Spec:
        shape = ctx.input_shape
        router = _core(ctx, scope, "Dense", "sparse_feedforward_gate_dense", shape,
                       units=hp["num_experts"], use_bias=False)
        experts = _nested(ctx, "MixtralMoeExperts", "experts", shape, _experts(hp))
        return _spec(ctx, [router, experts],
                     notes=[f"each token runs through top_k = {hp['top_k']} of the "
                            f"{hp['num_experts']} experts, but all of them are stored"])
    return formula


def _experts(hp: dict) -> Callable[[Ctx], Spec]:
    def formula(ctx: Ctx) -> Spec:
        x = ctx.sym("x", hp["num_experts"], "experts (num_experts)")
        d = ctx.sym("d", ctx.last_dim("hidden size"), "hidden size (hidden_dim)")
        f = ctx.sym("f", hp["intermediate_dim"], "feed-forward width (intermediate_dim)")
        weights = [W("expert_feedforward_gate_dense", (x, d, f)),
                   W("expert_feedforward_intermediate_dense", (x, d, f)),
                   W("expert_feedforward_output_dense", (x, f, d))]
        return Spec(weights, output_shape=ctx.input_shape, formula=3 * x * d * f)
    return formula


def _position_embedding(sequence_length: int) -> Callable[[Ctx], Spec]:
    """keras_hub.layers.PositionEmbedding: one learned vector per position."""
    def formula(ctx: Ctx) -> Spec:
        p = ctx.sym("p", sequence_length, "positions (sequence_length)")
        e = ctx.sym("e", ctx.last_dim("embedding size"), "embedding size (last axis)")
        return Spec([W("embeddings", (p, e))], output_shape=ctx.input_shape)
    return formula


# --- backbones ------------------------------------------------------------------------------------

class _Backbone:
    """The layers of one backbone, in ``model.layers`` order, as they are made."""

    def __init__(self, class_name: str, config: dict, keras_version: int):
        self.class_name = class_name
        self.where = class_name
        self.ctx = Ctx(class_name, config, [SEQUENCE], where=class_name,
                       keras_version=keras_version, count_sublayer=count_sublayer)
        self.scope = _Scope(_policy_map(self.ctx), default=_default_policy(self.ctx))
        self.layers: list[LayerCount] = []

    def integer(self, key: str, default=None, minimum: int = 1) -> int:
        if default is None:
            return self.ctx.integer(key, minimum=minimum)
        return self.ctx.integer(key, default, minimum=minimum)

    def blocks(self, n: int) -> range:
        """The blocks to make. Each is ten or more layer calls: refuse at once what the call
        limit would stop only after a thousand blocks."""
        if n * _CALLS_PER_BLOCK > MAX_LAYERS:
            raise self.ctx.error(f"{n:,} blocks make more than {MAX_LAYERS:,} layer calls; "
                                 "paramcount counts at most that many")
        return range(n)

    def input(self, name: str) -> None:
        self.layers.append(LayerCount(name, "InputLayer", [], total([]), SEQUENCE, SEQUENCE))

    def weightless(self, name: str, class_name: str, shape: Shape) -> None:
        self.layers.append(LayerCount(name, class_name, [], total([]), shape, shape))

    def core(self, class_name: str, name: str, shape: Shape, shown_as: str | None = None,
             **config) -> Shape:
        layer = count_layer(class_name, self.scope.config(name, **config), [shape],
                            where=f"{self.where}: layer '{name}' ({shown_as or class_name})")
        if shown_as:
            layer.class_name = shown_as
        self.layers.append(layer)
        return layer.output_shape

    def block(self, class_name: str, name: str, shape: Shape,
              make: Callable[[_Scope], Callable[[Ctx], Spec]]) -> None:
        self.layers.append(_composite(f"{self.where}: layer", class_name, name, shape,
                                      make(self.scope.child(name)), self.scope.default))

    def token_embedding(self, vocabulary: int, width: int, tie: bool) -> Shape:
        return self.core("ReversibleEmbedding", "token_embedding", SEQUENCE,
                         input_dim=vocabulary, output_dim=width, tie_weights=tie)

    def result(self) -> ModelCount:
        if self.ctx.config.get("trainable", True) is False:
            for layer in self.layers:  # a frozen backbone trains none of its weights
                layer.weights = [_frozen(w) for w in layer.weights]
        return ModelCount(str(self.ctx.config.get("name") or _snake_case(self.class_name)),
                          self.class_name, self.layers, self.ctx.keras_version)


def _snake_case(name: str) -> str:
    """The name Keras gives an unnamed model: GPT2Backbone -> gpt2_backbone."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _frozen(weight: Weight) -> Weight:
    return replace(weight, trainable=False)


def _policy_map(ctx: Ctx) -> dict:
    """A quantized backbone's per-path dtype policies (``DTypePolicyMap``), else {}."""
    dtype = ctx.config.get("dtype")
    if isinstance(dtype, dict) and dtype.get("class_name") == "DTypePolicyMap":
        config = dtype.get("config") if isinstance(dtype.get("config"), dict) else {}
        policies = config.get("policy_map")
        if not isinstance(policies, dict):
            raise ctx.error("its DTypePolicyMap has no 'policy_map' object")
        return {str(path): policy for path, policy in policies.items()}
    mode = policy_mode(dtype)
    if mode is not None:
        raise ctx.error(f"a whole backbone with the quantized dtype {mode!r} is not what "
                        "quantize() writes (it writes a DTypePolicyMap)")
    return {}


def _default_policy(ctx: Ctx):
    """The policy of the backbone's layers that its DTypePolicyMap does not name (or of all of
    them, without a map)."""
    dtype = ctx.config.get("dtype")
    if isinstance(dtype, dict) and dtype.get("class_name") == "DTypePolicyMap":
        return (dtype.get("config") or {}).get("default_policy")
    return dtype


def _bert(b: _Backbone) -> None:
    """BertBackbone: token, position and segment embeddings, summed and normalized; num_layers
    TransformerEncoders; a Dense pooler on the first token."""
    vocabulary, layers = b.integer("vocabulary_size"), b.integer("num_layers")
    heads, d = b.integer("num_heads"), b.integer("hidden_dim")
    intermediate = b.integer("intermediate_dim")
    sequence, segments = b.integer("max_sequence_length", 512), b.integer("num_segments", 2)
    _bert_embeddings(b, vocabulary, d, sequence, segments)
    b.input("padding_mask")
    shape = (None, None, d)
    for i in b.blocks(layers):
        b.block("TransformerEncoder", f"transformer_layer_{i}", shape,
                lambda scope: _transformer_encoder(scope, heads, intermediate))
    b.core("Dense", "pooled_dense", (None, d), units=d)


def _bert_embeddings(b: _Backbone, vocabulary: int, width: int, sequence: int,
                     segments: int) -> Shape:
    b.input("token_ids")
    shape = b.token_embedding(vocabulary, width, tie=True)
    b.input("segment_ids")
    b.block("PositionEmbedding", "position_embedding", shape,
            lambda scope: _position_embedding(sequence))
    b.core("Embedding", "segment_embedding", SEQUENCE, input_dim=segments, output_dim=width)
    b.weightless("embeddings_add", "Add", shape)
    b.core("LayerNormalization", "embeddings_layer_norm", shape)
    b.weightless("embeddings_dropout", "Dropout", shape)
    return shape


def _albert(b: _Backbone) -> None:
    """AlbertBackbone: BERT's embeddings at a smaller width, projected to the hidden size; then
    num_groups groups of num_inner_repetitions TransformerEncoders, each group called
    num_layers / num_groups times with the same weights."""
    vocabulary, layers = b.integer("vocabulary_size"), b.integer("num_layers")
    heads, d = b.integer("num_heads"), b.integer("hidden_dim")
    e, intermediate = b.integer("embedding_dim"), b.integer("intermediate_dim")
    groups, inner = b.integer("num_groups", 1), b.integer("num_inner_repetitions", 1)
    sequence, segments = b.integer("max_sequence_length", 512), b.integer("num_segments", 2)
    if layers % groups:
        raise b.ctx.error(f"num_layers ({layers}) must be divisible by num_groups ({groups})")
    shape = _bert_embeddings(b, vocabulary, e, sequence, segments)
    shape = b.core("Dense", "embedding_projection", shape, units=d)
    b.input("padding_mask")
    b.blocks(groups * inner)
    for g in range(groups):
        for j in range(inner):
            b.block("TransformerEncoder", f"group_{g}_inner_layer_{j}", shape,
                    lambda scope: _transformer_encoder(scope, heads, intermediate))
            b.layers[-1].notes.append(f"shared: called {layers // groups} times, its weights "
                                      "counted once")
    b.core("Dense", "pooled_dense", (None, d), units=d)


def _gpt2(b: _Backbone) -> None:
    """GPT2Backbone: token and position embeddings, num_layers TransformerDecoders with the norm
    first, a final LayerNormalization; the language-model head is the token embedding, tied."""
    vocabulary, layers = b.integer("vocabulary_size"), b.integer("num_layers")
    heads, d = b.integer("num_heads"), b.integer("hidden_dim")
    intermediate = b.integer("intermediate_dim")
    sequence = b.integer("max_sequence_length", 1024)
    b.input("token_ids")
    shape = b.token_embedding(vocabulary, d, tie=True)
    b.block("PositionEmbedding", "position_embedding", shape,
            lambda scope: _position_embedding(sequence))
    b.weightless("embeddings_add", "Add", shape)
    b.weightless("embeddings_dropout", "Dropout", shape)
    b.input("padding_mask")
    for i in b.blocks(layers):
        b.block("TransformerDecoder", f"transformer_layer_{i}", shape,
                lambda scope: _transformer_decoder(scope, heads, intermediate))
    b.core("LayerNormalization", "layer_norm", shape)


def _gemma(b: _Backbone) -> None:
    """GemmaBackbone (Gemma and Gemma 2): a token embedding tied to the output head, num_layers
    GemmaDecoderBlocks, a final RMS norm."""
    hp = {key: b.integer(key) for key in ("vocabulary_size", "num_layers", "num_query_heads",
                                          "num_key_value_heads", "hidden_dim", "intermediate_dim",
                                          "head_dim")}
    for key in ("use_post_ffw_norm", "use_post_attention_norm"):
        hp[key] = b.ctx.flag(key, False)
    b.input("token_ids")
    shape = b.token_embedding(hp["vocabulary_size"], hp["hidden_dim"], tie=True)
    b.input("padding_mask")
    for i in b.blocks(hp["num_layers"]):
        b.block("GemmaDecoderBlock", f"decoder_block_{i}", shape,
                lambda scope: _gemma_block(scope, hp))
    b.core("RMSNormalization", "final_normalization", shape)


def _decoder_only(b: _Backbone, tie: bool, head_dim: int | None, norm_class: str,
                  make) -> dict:
    """Llama's layout (Mistral's, Mixtral's): ``make(hp)`` gives the decoder's class name and
    its formula for a scope and the decoder's index."""
    hp = {key: b.integer(key) for key in ("vocabulary_size", "num_layers", "num_query_heads",
                                          "num_key_value_heads", "hidden_dim",
                                          "intermediate_dim")}
    if hp["num_query_heads"] % hp["num_key_value_heads"]:
        raise b.ctx.error(f"num_query_heads ({hp['num_query_heads']}) must be a multiple of "
                          f"num_key_value_heads ({hp['num_key_value_heads']})")
    hp["head_dim"] = head_dim or hp["hidden_dim"] // hp["num_query_heads"]
    if hp["head_dim"] == 0:
        raise b.ctx.error(f"hidden_dim ({hp['hidden_dim']}) must be at least num_query_heads "
                          f"({hp['num_query_heads']})")
    b.input("token_ids")
    shape = b.token_embedding(hp["vocabulary_size"], hp["hidden_dim"], tie=tie)
    b.input("padding_mask")
    block_class, block = make(hp)
    for i in b.blocks(hp["num_layers"]):
        b.block(block_class, f"transformer_layer_{i}", shape, lambda scope, i=i: block(scope, i))
    b.core("RMSNormalization", "sequence_output_layernorm", shape, shown_as=norm_class)
    return hp


def _llama(b: _Backbone) -> None:
    """LlamaBackbone and Llama3Backbone: an untied token embedding and output head (unless
    tie_word_embeddings), num_layers decoders with grouped-query attention and a gated
    feed-forward network, a final RMS norm."""
    tie = b.ctx.flag("tie_word_embeddings", False)
    _decoder_only(b, tie, None, "LlamaLayerNorm", lambda hp: (
        "LlamaTransformerDecoder",
        lambda scope, _: _llama_block(scope, hp, "LlamaAttention")))


def _mistral(b: _Backbone) -> None:
    """MistralBackbone: Llama's layout with an untied head and an optional head_dim."""
    head_dim = b.ctx.option("head_dim", None)
    head_dim = b.integer("head_dim") if head_dim is not None else None
    _decoder_only(b, False, head_dim, "MistralLayerNormalization", lambda hp: (
        "MistralTransformerDecoder",
        lambda scope, _: _llama_block(scope, hp, "CachedMistralAttention")))


def _mixtral(b: _Backbone) -> None:
    """MixtralBackbone: Mistral's layout with a sparse mixture of experts in each decoder."""
    experts, top_k = b.integer("num_experts"), b.integer("top_k", 2)

    def make(hp):
        hp.update(num_experts=experts, top_k=top_k)
        return "MixtralTransformerDecoder", lambda scope, i: _mixtral_block(scope, hp, i)
    _decoder_only(b, False, None, "MixtralLayerNormalization", make)


BACKBONES: dict[str, Callable[[_Backbone], None]] = {
    "BertBackbone": _bert,
    "AlbertBackbone": _albert,
    "GPT2Backbone": _gpt2,
    "GemmaBackbone": _gemma,
    "LlamaBackbone": _llama,
    "Llama3Backbone": _llama,
    "MistralBackbone": _mistral,
    "MixtralBackbone": _mixtral,
}


def count_backbone(class_name: str, config: dict, keras_version: int = 3, *,
                   refuse: bool = True) -> ModelCount | None:
    """The count of a KerasHub backbone's config (``class_name`` as ``layer_entry`` reads it,
    ``"keras_hub>BertBackbone"``), or None when the class is not KerasHub's or is a KerasHub layer
    with a formula of its own. Any other KerasHub class is refused with its name (or, with
    ``refuse=False``, None: a file's stored weights will count it)."""
    package, _, name = class_name.rpartition(">")
    if package != "keras_hub" or (name not in BACKBONES and (registration(class_name)
                                                             or not refuse)):
        return None
    build = BACKBONES.get(name)
    if build is None:
        known = ", ".join(sorted(BACKBONES))
        raise ParamcountError(
            f"'{name}' is a KerasHub model that paramcount does not count from its config: its "
            f"layers are made by its Python code, which paramcount follows only for {known} "
            "(a .keras archive of it, or a preset directory with its model.weights.h5, is "
            "counted from its stored weights)")
    backbone = _Backbone(name, config, keras_version)
    build(backbone)
    return backbone.result()
