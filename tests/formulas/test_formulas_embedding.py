"""Embedding and ReversibleEmbedding (formulas/embedding.py): random configs built in real Keras
(3 and tf-keras 2) must count exactly as paramcount counts them, output shapes included."""


import pytest
from hypothesis import given
from hypothesis import strategies as st

import paramcount
from keras_compare import KERAS_SETTINGS, assert_matches_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

SETTINGS = KERAS_SETTINGS
vocabulary = st.integers(1, 50)
width = st.integers(1, 12)
length = st.one_of(st.none(), st.integers(1, 8))


@SETTINGS
@given(vocabulary, width, length, st.booleans(), st.one_of(st.none(), st.integers(1, 4)),
       st.booleans())
def test_embedding(v, e, t, mask_zero, lora_rank, frozen):
    keras.backend.clear_session()
    tokens = keras.Input((t,), dtype="int32")
    layer = keras.layers.Embedding(v, e, mask_zero=mask_zero, lora_rank=lora_rank)
    layer.trainable = not frozen
    x = keras.layers.Dense(3)(layer(tokens))
    assert_matches_keras(keras.Model(tokens, x))


@SETTINGS
@given(vocabulary, width, st.booleans(), st.booleans())
def test_reversible_embedding(v, e, tie_weights, reverse_then_dense):
    keras.backend.clear_session()
    tokens = keras.Input((5,), dtype="int32")
    table = keras.layers.ReversibleEmbedding(v, e, tie_weights=tie_weights)
    x = keras.layers.Dense(e)(table(tokens))
    logits = table(x, reverse=True)  # (batch, 5, v): the shared layer used backwards
    if reverse_then_dense:
        logits = keras.layers.Dense(2)(logits)
    assert_matches_keras(keras.Model(tokens, logits))


@SETTINGS
@given(vocabulary, width, st.integers(1, 8), st.booleans())
def test_embedding_tf_keras(v, e, t, mask_zero):
    """Keras 2 configs carry input_length; it never changes the count."""
    tf_keras.backend.clear_session()
    model = tf_keras.Sequential([
        tf_keras.layers.Embedding(v, e, input_length=t, mask_zero=mask_zero),
        tf_keras.layers.LSTM(2),
    ])
    model.build((None, t))
    assert_matches_keras(model)


@pytest.mark.parametrize("code", ["Embedding(0, 4)", "Embedding(10, -1)", "Embedding(10.5, 4)",
                                  "Embedding(10, 4, lora_rank=-2)"])
def test_embedding_bad_sizes(code):
    with pytest.raises(paramcount.ParamcountError):
        paramcount.explain_layer(code, input_shape=(5,))


def test_embedding_explained():
    """v·e, the same as Keras, whatever the sequence length."""
    keras.backend.clear_session()
    layer = keras.layers.Embedding(1000, 64)
    layer.build((None, 10))
    for shape in [(10,), (None,), (3, 7)]:
        counted = paramcount.explain_layer("Embedding(1000, 64)", input_shape=shape)
        assert (counted.formula, counted.params) == ("v·e", layer.count_params())
