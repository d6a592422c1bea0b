"""Quantized layers: every mode Keras 3 offers (int8, int4 with and without blocks, float8) on
every layer it quantizes (Dense, EinsumDense, Embedding, ReversibleEmbedding), built in real
Keras and counted from the config, trainable split and weight shapes included."""

import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

import paramcount
from keras_compare import KERAS_SETTINGS, assert_matches_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

MODES = st.sampled_from(["int8", "int4", "float8"])
BLOCK = st.one_of(st.none(), st.just(-1), st.integers(1, 9), st.just(128))  # None: Keras' default
size = st.integers(1, 9)


def quantize(model, mode, block):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns about layers it skips
        if mode == "int4" and block is not None:
            model.quantize(config=keras.quantizers.Int4QuantizationConfig(block_size=block))
        else:
            model.quantize(mode)


@st.composite
def einsum_case(draw):
    """A random EinsumDense without '...' (Keras 3.15 cannot quantize those)."""
    letters = iter("bcdefghijk")
    free = [next(letters) for _ in range(draw(st.integers(0, 2)))]
    summed = [next(letters) for _ in range(draw(st.integers(1, 2)))]
    new = [next(letters) for _ in range(draw(st.integers(0 if free else 1, 2)))]
    sizes = {d: draw(size) for d in free + summed + new}
    kernel = draw(st.permutations(summed + [d for d in free if draw(st.booleans())] + new))
    output = draw(st.permutations(free + new))
    equation = f"a{''.join(free + summed)},{''.join(kernel)}->a{''.join(output)}"
    output_shape = [sizes[d] for d in output]
    bias = draw(st.one_of(st.none(), st.sampled_from(output))) if output else None
    return equation, output_shape, bias, tuple(sizes[d] for d in free + summed)


@KERAS_SETTINGS
@given(MODES, BLOCK, size, size, st.booleans(), st.sampled_from([None, 1, 2]), st.booleans())
def test_dense(mode, block, m, n, use_bias, lora_rank, frozen):
    keras.backend.clear_session()
    inputs = keras.Input((3, m))
    layer = keras.layers.Dense(n, use_bias=use_bias, lora_rank=lora_rank)
    model = keras.Model(inputs, layer(inputs))
    quantize(model, mode, block)
    layer.trainable = not frozen
    assert_matches_keras(model)


def policy(mode, block):
    """The dtype policy a quantized layer's config records, for building one directly."""
    if mode == "int4":
        return keras.dtype_policies.Int4DTypePolicy(f"int4/{block or 128}", "float32")
    if mode == "float8":
        return keras.dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32")
    return keras.dtype_policies.QuantizedDTypePolicy("int8", "float32")


@KERAS_SETTINGS
@given(MODES, BLOCK, einsum_case(), st.booleans())
def test_einsum_dense(mode, block, case, frozen):
    keras.backend.clear_session()
    equation, output_shape, bias, shape = case
    inputs = keras.Input(shape)
    layer = keras.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias)
    model = keras.Model(inputs, layer(inputs))
    try:
        quantize(model, mode, block)
    except ValueError:
        # Keras' quantize() fails on some equations (it cannot squeeze the scale), yet a config
        # with the quantized policy still builds: count what loading that config gives.
        keras.backend.clear_session()
        layer = keras.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias,
                                         dtype=policy(mode, block))
        model = keras.Model(inputs, layer(inputs))
    layer.trainable = not frozen
    assert_matches_keras(model)
    assert_matches_keras(keras.models.model_from_json(model.to_json()))


@KERAS_SETTINGS
@given(MODES, BLOCK, size, size, st.booleans(), st.booleans())
def test_embeddings(mode, block, v, e, reversible, tie_weights):
    keras.backend.clear_session()
    tokens = keras.Input((4,), dtype="int32")
    if reversible:
        table = keras.layers.ReversibleEmbedding(v, e, tie_weights=tie_weights)
        outputs = table(keras.layers.Dense(e)(table(tokens)), reverse=True)
    else:
        outputs = keras.layers.Dense(2)(keras.layers.Embedding(v, e)(tokens))
    model = keras.Model(tokens, outputs)
    quantize(model, mode, block)  # float8 leaves the tables as they are, as Keras does
    assert_matches_keras(model)


@KERAS_SETTINGS
@given(st.integers(1, 40), size, size)
def test_float8_history_length_from_the_policy(length, m, n):
    """A layer built with a float8 policy of its own keeps amax histories of that length."""
    keras.backend.clear_session()
    policy = keras.dtype_policies.QuantizedFloat8DTypePolicy("float8", "float32",
                                                             amax_history_length=length)
    inputs = keras.Input((m,))
    assert_matches_keras(keras.Model(inputs, keras.layers.Dense(n, dtype=policy)(inputs)))


def _config(class_name, dtype, **config):
    layer = {"class_name": class_name, "config": {"name": "q", "dtype": dtype, **config}}
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4, 6]}}, layer]}}


def _policy(class_name, mode):
    return {"module": "keras.dtype_policies", "class_name": class_name,
            "config": {"mode": mode, "source_name": "float32"}}


@pytest.mark.parametrize(("layer", "dtype", "reason"), [
    ({"class_name": "EinsumDense", "equation": "...b,bc->...c", "output_shape": [3]},
     _policy("QuantizedDTypePolicy", "int8"), "cannot build a int8 EinsumDense"),
    ({"class_name": "Dense", "units": 3}, _policy("GPTQDTypePolicy", "gptq/4/128"), "GPTQ"),
    ({"class_name": "Conv1D", "filters": 2, "kernel_size": 1},
     _policy("QuantizedDTypePolicy", "int8"), "quantizes only"),
    ({"class_name": "Embedding", "input_dim": 3, "output_dim": 2},
     _policy("QuantizedFloat8DTypePolicy", "float8"), "does not quantize a Embedding"),
    ({"class_name": "Dense", "units": 3}, "int8_from_float32", "policy objects"),
])
def test_what_keras_cannot_build_is_refused(layer, dtype, reason):
    config = _config(layer.pop("class_name"), dtype, **layer)
    with pytest.raises(paramcount.ParamcountError, match=reason):
        paramcount.count(config)


@KERAS_SETTINGS
@given(MODES, BLOCK, st.integers(0, 3), size, size, st.integers(1, 3), st.booleans(),
       st.booleans())
def test_attention_with_a_quantized_policy(mode, block, kind, m, d, heads, use_bias, gate):
    """A MultiHeadAttention or GroupQueryAttention given a quantized policy passes it to its
    EinsumDense projections, which build quantized kernels (what `model.quantize()` leaves
    too, though it does not write the policy into the attention layer's config)."""
    keras.backend.clear_session()
    pol = policy(mode, block)
    query = keras.Input((3, m) if kind != 2 else (2, 3, m))
    value = keras.Input((4, m + 1) if kind == 1 else (4, m))
    if kind == 3:
        layer = keras.layers.GroupQueryAttention(d, 2 * heads, heads, use_bias=use_bias,
                                                 use_gate=gate, dtype=pol)
    else:
        layer = keras.layers.MultiHeadAttention(
            heads, d, value_dim=d + 1 if kind == 1 else None, use_bias=use_bias, use_gate=gate,
            output_shape=(2, m) if kind == 2 else None, dtype=pol)
    # (Frozen, Keras 3 counts the projections as a loaded model would: see test_formulas_attention.)
    assert_matches_keras(keras.Model([query, value], layer(query, value)))
