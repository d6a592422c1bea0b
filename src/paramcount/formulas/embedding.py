"""Embedding: one trainable vector of size e for each of the v words of the vocabulary.

The count is v·e whatever the input looks like: ``input_length`` (Keras 2) and ``mask_zero``
change the output and the mask, never the table. With ``lora_rank`` r, Keras 3 freezes the
table and adds two trainable factors, ``lora_embeddings_a`` (v, r) and ``lora_embeddings_b``
(r, e).

ReversibleEmbedding (Keras 3) is the same table, used backwards too (``reverse=True`` maps
vectors of size e to v logits); with ``tie_weights=False`` it keeps a second table of e·v.
"""

from __future__ import annotations

from .base import Ctx, Hidden, Setting, Spec, W, layer, with_lora
from .quantized import Quantization, groups, packed, quantization

# The vocabulary is solved from the count; the input is the output without its last axis.
HIDES = Hidden(settings=(Setting("tie_weights", (True, False)),), reads=("output_dim",),
               solve="input_dim", input="shorter")


@layer("Embedding", "ReversibleEmbedding", args=("input_dim", "output_dim"), page="formulas/embedding.md",
       keras2_input="vocabulary", quantizable=True,
       hides=HIDES)
def embedding(ctx: Ctx) -> Spec:
    q = quantization(ctx, modes=("int8", "int4"))
    v = ctx.sym("v", ctx.integer("input_dim"), "vocabulary size (input_dim)")
    e = ctx.sym("e", ctx.integer("output_dim"), "embedding size (output_dim)")
    ctx.flag("mask_zero", False)
    weights = [W("embeddings", (v, e))] if q is None else _quantized_table(ctx, q, v, e)
    notes = []
    if ctx.option("input_length", None) is not None:
        notes.append("input_length only fixes the sequence length; it does not change the count")
    if ctx.option("lora_rank", None):
        weights = with_lora(ctx, weights, (v, e), prefix="lora_embeddings")
        notes.append("lora_rank: the table is frozen, only the two low-rank factors train")
    output = (*ctx.input_shape, e.value)
    if ctx.class_name.endswith("ReversibleEmbedding"):  # Keras' own, or KerasHub's subclass
        if not ctx.flag("tie_weights", True):
            weights += [W("reverse_embeddings", (e, v))] if q is None else \
                _quantized_reverse(ctx, q, v, e)
            notes.append("tie_weights=False: a separate e×v table for the reverse projection")
        if ctx.call_options.get("reverse"):
            ctx.rank(2, 99)
            output = (*ctx.input_shape[:-1], v.value)
    return Spec(weights, output_shape=output, notes=notes)


def _quantized_table(ctx: Ctx, q: Quantization, v, e) -> list[W]:
    """int8: the table as int8 with one scale per word; int4: packed along e, scales per word
    and per group of b features (see :mod:`.quantized`)."""
    if q.mode == "int8":
        return [W("embeddings", (v, e), trainable=False, dtype="int8"),
                W("embeddings_scale", (v,), trainable=False)]
    weights = [W("embeddings", (v, packed(ctx, e, "p")), trainable=False, dtype="int8")]
    if q.block_size is None:
        return weights + [W("embeddings_scale", (v,), trainable=False)]
    g = groups(ctx, e, q.block_size, "g")
    return weights + [W("embeddings_scale", (v, g), trainable=False),
                      W("embeddings_zero", (v, g), trainable=False, dtype="int8"),
                      W("g_idx", (e,), trainable=False, dtype="float32")]


def _quantized_reverse(ctx: Ctx, q: Quantization, v, e) -> list[W]:
    """The untied reverse table, quantized along e like the forward one."""
    if q.mode == "int8":
        return [W("reverse_embeddings", (e, v), trainable=False, dtype="int8"),
                W("reverse_embeddings_scale", (v,), trainable=False)]
    p = next(s for s in ctx.symbols if s.name == "p")
    weights = [W("reverse_embeddings", (p, v), trainable=False, dtype="int8")]
    if q.block_size is None:
        return weights + [W("reverse_embeddings_scale", (v,), trainable=False)]
    g = next(s for s in ctx.symbols if s.name == "g")
    return weights + [W("reverse_embeddings_scale", (g, v), trainable=False),
                      # no dtype in Keras' build: the policy's, unlike the forward int8 one
                      W("reverse_embeddings_zero", (g, v), trainable=False)]
