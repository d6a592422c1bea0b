"""MultiHeadAttention, GroupQueryAttention, Attention and AdditiveAttention: random configs built
in real Keras (3 and tf-keras 2) must count exactly as paramcount counts them, including the
shapes of the attention scores when a later layer uses them."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import paramcount
from keras_compare import KERAS_SETTINGS, assert_matches_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

SETTINGS = KERAS_SETTINGS
small = st.integers(1, 6)
output_shape = st.one_of(st.none(), small, st.tuples(small, small))
# How the layer is called: mha(q, v), mha(q, v, k), mha(q, v, key=k), mha(query=q, value=v).
call_style = st.sampled_from(["self", "qv", "qvk", "key_kw", "all_kw"])


def call_mha(layer, style, q, v, k, scores):
    extra = {"return_attention_scores": True} if scores else {}
    if style == "self":
        return layer(q, q, **extra)
    if style == "qv":
        return layer(q, v, **extra)
    if style == "qvk":
        return layer(q, v, k, **extra)
    if style == "key_kw":
        return layer(q, v, key=k, **extra)
    return layer(query=q, value=v, **extra)


def use_scores(k, out, scores):
    """Feed the scores to a Dense layer, so that their shape (its last axis) is checked too."""
    if not scores:
        return [out]
    out, weights = out
    return [out, k.layers.Dense(2)(weights)]


@SETTINGS
@given(small, small, st.one_of(st.none(), small), output_shape, st.booleans(), st.booleans(),
       call_style, st.booleans(), st.sampled_from([3, 4]))
def test_multi_head_attention(heads, key_dim, value_dim, out_shape, use_bias, use_gate, style,
                              scores, rank):
    keras.backend.clear_session()
    lengths = (4,) if rank == 3 else (3, 2)
    q = keras.Input((*lengths, 5))
    v = keras.Input((*lengths, 3))
    k = keras.Input((*lengths, 7))
    layer = keras.layers.MultiHeadAttention(heads, key_dim, value_dim=value_dim,
                                            output_shape=out_shape, use_bias=use_bias,
                                            use_gate=use_gate)
    outputs = use_scores(keras, call_mha(layer, style, q, v, k, scores), scores)
    assert_matches_keras(keras.Model([q, v, k], outputs))


@SETTINGS
@given(small, small, st.one_of(st.none(), small), output_shape, st.booleans(), call_style,
       st.booleans(), st.sampled_from([None, [1], [2], [1, 2], [2, 1]]), st.booleans())
def test_multi_head_attention_tf_keras(heads, key_dim, value_dim, out_shape, use_bias, style,
                                       scores, attention_axes, frozen):
    """tf-keras writes the value and key inputs as call keywords of a Keras 2 node, and its
    scores have the real shape (batch, heads, query positions, key positions)."""
    tf_keras.backend.clear_session()
    # Axes not attended over are batch-like: key and value must match the query there.
    attended = {1, 2} if attention_axes is None else {a % 4 for a in attention_axes}
    lengths = tuple(n - 1 if axis in attended else n for axis, n in ((1, 4), (2, 3)))
    q = tf_keras.Input((4, 3, 5))
    v = tf_keras.Input((*lengths, 3))
    k = tf_keras.Input((*lengths, 7))
    layer = tf_keras.layers.MultiHeadAttention(heads, key_dim, value_dim=value_dim,
                                               output_shape=out_shape, use_bias=use_bias,
                                               attention_axes=attention_axes)
    layer.trainable = not frozen  # tf-keras freezes the projections, built or not
    if style == "self":
        style = "qv"
    outputs = use_scores(tf_keras, call_mha(layer, style, q, v, k, scores), scores)
    assert_matches_keras(tf_keras.Model([q, v, k], outputs))


@SETTINGS
@given(small, st.sampled_from([(1, 1), (2, 1), (4, 2), (3, 3)]), st.booleans(), st.booleans(),
       st.booleans(), st.booleans())
def test_group_query_attention(head_dim, heads, use_bias, use_gate, with_key, scores):
    keras.backend.clear_session()
    q = keras.Input((4, 6))
    v = keras.Input((3, 6))
    k = keras.Input((3, 5))
    layer = keras.layers.GroupQueryAttention(head_dim, *heads, use_bias=use_bias,
                                             use_gate=use_gate)
    extra = {"return_attention_scores": True} if scores else {}
    out = layer(q, v, k, **extra) if with_key else layer(q, v, **extra)
    assert_matches_keras(keras.Model([q, v, k], use_scores(keras, out, scores)))


@SETTINGS
@given(st.booleans(), st.sampled_from(["dot", "concat"]), st.booleans(), st.booleans(),
       st.booleans(), st.booleans())
def test_attention_and_additive_attention(use_scale, score_mode, additive_scale, with_key,
                                          scores, frozen):
    keras.backend.clear_session()
    q = keras.Input((4, 6))
    v = keras.Input((3, 6))
    inputs = [q, v, keras.layers.Dense(6)(v)] if with_key else [q, v]
    dot = keras.layers.Attention(use_scale=use_scale, score_mode=score_mode)
    dot.trainable = not frozen
    outputs = use_scores(keras, dot(inputs, return_attention_scores=scores), scores)
    outputs += use_scores(keras, keras.layers.AdditiveAttention(use_scale=additive_scale)(
        inputs, return_attention_scores=scores), scores)
    assert_matches_keras(keras.Model([q, v], outputs))


@SETTINGS
@given(st.booleans(), st.sampled_from(["dot", "concat"]), st.booleans(), st.booleans())
def test_attention_tf_keras(use_scale, score_mode, additive_scale, with_key):
    tf_keras.backend.clear_session()
    q = tf_keras.Input((4, 6))
    v = tf_keras.Input((3, 6))
    inputs = [q, v, tf_keras.layers.Dense(6)(v)] if with_key else [q, v]
    a = tf_keras.layers.Attention(use_scale=use_scale, score_mode=score_mode)(inputs)
    b = tf_keras.layers.AdditiveAttention(use_scale=additive_scale)(inputs)
    assert_matches_keras(tf_keras.Model([q, v], [tf_keras.layers.Dense(2)(a), b]))


@pytest.mark.parametrize("freeze", ["before building", "after building"])
@pytest.mark.parametrize("class_name", ["MultiHeadAttention", "GroupQueryAttention"])
def test_keras3_frozen_attention_is_counted_as_keras_loads_it(freeze, class_name):
    """Keras 3 creates the projections in build(); trainable=False set before that (or read
    from a config when a model is loaded) does not reach them, and summary() counts them as
    trainable. paramcount reads configs, so it counts as Keras does for the loaded model."""
    keras.backend.clear_session()
    x = keras.Input((4, 6))
    layer = getattr(keras.layers, class_name)(2, 2, 2) if class_name != "MultiHeadAttention" \
        else keras.layers.MultiHeadAttention(2, 3)
    if freeze == "before building":
        layer.trainable = False
    model = keras.Model(x, keras.layers.Dense(2)(layer(x, x)))
    if freeze == "after building":
        layer.trainable = False
        assert sum(_size(w) for w in model.trainable_weights) == 2 * 6 + 2  # only the Dense
    loaded = keras.models.model_from_json(model.to_json())
    counted = paramcount.count(model)
    assert counted.trainable == sum(_size(w) for w in loaded.trainable_weights)
    assert counted.non_trainable == sum(_size(w) for w in loaded.non_trainable_weights) == 0
    assert counted.layers[1].trainable == layer.count_params()
    assert any("stay trainable" in note for note in counted.layers[1].notes)


def _size(w) -> int:
    n = 1
    for d in w.shape:
        n *= int(d)
    return n


def test_self_attention_explained():
    """Self-attention with key_dim = value_dim: 4 projections of h·d_k·m weights plus biases,
    the count Keras gives."""
    keras.backend.clear_session()
    x = keras.Input((10, 16))
    layer = keras.layers.MultiHeadAttention(num_heads=4, key_dim=8)
    model = keras.Model(x, layer(x, x))
    counted = paramcount.count(model).layers[-1]
    assert counted.params == layer.count_params()
    assert counted.formula == "3·h·d_k·(m + 1) + h·d_k·m + m"
    assert {s.name: s.value for s in counted.symbols} == {"m": 16, "h": 4, "d_k": 8}


# --- what Keras refuses, paramcount refuses -------------------------------------------------------

def layer_config(config: dict, class_name: str) -> dict:
    return next(entry for entry in config["config"]["layers"]
                if entry["class_name"] == class_name)


def test_key_and_value_must_agree():
    keras.backend.clear_session()
    q, v, k = (keras.Input(shape, name=name) for name, shape in
               [("q", (4, 5)), ("v", (3, 5)), ("k", (2, 5))])
    with pytest.raises(ValueError):
        keras.layers.MultiHeadAttention(2, 3)(q, v, key=k)
    config = json.loads(keras.Model([q, v, k], keras.layers.MultiHeadAttention(2, 3)(
        q, v, key=v)).to_json())
    paramcount.count(config)  # as built: fine
    node = layer_config(config, "MultiHeadAttention")["inbound_nodes"][0]
    node["kwargs"]["key"]["config"]["keras_history"][0] = "k"  # now the key has 2 steps, not 3
    with pytest.raises(paramcount.ParamcountError, match="must agree"):
        paramcount.count(config)


def test_group_query_heads_must_divide():
    keras.backend.clear_session()
    with pytest.raises(ValueError):
        keras.layers.GroupQueryAttention(4, 3, 2)
    x = keras.Input((4, 6))
    config = json.loads(keras.Model(x, keras.layers.GroupQueryAttention(4, 4, 2)(x, x)).to_json())
    paramcount.count(config)
    layer_config(config, "GroupQueryAttention")["config"]["num_query_heads"] = 3
    with pytest.raises(paramcount.ParamcountError, match="multiple"):
        paramcount.count(config)


@pytest.mark.parametrize("code", [
    "MultiHeadAttention(0, 3)",
    "MultiHeadAttention(2, 3, output_shape=[4, -1])",
    "MultiHeadAttention(2, key_dim=None)",
    "Attention(score_mode='cosine')",
    "GroupQueryAttention(4, 3, 2)",
])
def test_bad_attention_configs(code):
    with pytest.raises(paramcount.ParamcountError):
        paramcount.explain_layer(code, input_shape=(4, 6))


@pytest.mark.parametrize("code, keras_layer", [
    ("MultiHeadAttention(num_heads=3, key_dim=4)",
     lambda: keras.layers.MultiHeadAttention(num_heads=3, key_dim=4)),
    ("Attention(use_scale=True)", lambda: keras.layers.Attention(use_scale=True)),
    ("AdditiveAttention()", lambda: keras.layers.AdditiveAttention()),
])
def test_counted_alone_is_self_attention(code, keras_layer):
    """One layer and one shape (the calculator's case) count as self-attention, layer(x, x)."""
    keras.backend.clear_session()
    x = keras.Input((7, 6))
    layer = keras_layer()
    layer(x, x) if "MultiHead" in code else layer([x, x])
    counted = paramcount.explain_layer(code, input_shape=(7, 6))
    assert counted.params == layer.count_params()
    assert any("self-attention" in note for note in counted.notes)


@pytest.mark.parametrize("axes", [None, (1,), 1, (0,), -1])
@pytest.mark.parametrize("keras3", [True, False])
def test_rank_2_query(axes, keras3):
    """A (batch, features) query: Keras builds the same projections as for a sequence, whatever
    attention_axes says; tf-keras cannot build it with the default axes or -1, so those are
    refused rather than counted."""
    k = keras if keras3 else tf_keras
    k.backend.clear_session()
    query, value = k.Input((8,)), k.Input((5,))
    try:
        attention = k.layers.MultiHeadAttention(2, 3, attention_axes=axes)(query, value)
    except Exception:
        assert not keras3
        config = json.loads(k.Model([query, value], query).to_json())
        config["config"]["layers"].append({
            "class_name": "MultiHeadAttention", "name": "mha",
            "config": {"name": "mha", "num_heads": 2, "key_dim": 3, "attention_axes": axes},
            "inbound_nodes": [[[config["config"]["layers"][0]["name"], 0, 0, {
                "value": [config["config"]["layers"][1]["name"], 0, 0]}]]]})
        config["config"]["output_layers"] = [["mha", 0, 0]]
        with pytest.raises(paramcount.ParamcountError, match="tf-keras cannot build"):
            paramcount.count(config)
        return
    assert_matches_keras(k.Model([query, value], k.layers.Dense(2)(attention)))
