"""Dense (formulas/dense.py): random configs built in real Keras must count exactly as paramcount
counts them. Quantized Dense layers are in test_formulas_quantized.py."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_compare import KERAS_SETTINGS, assert_matches_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

SETTINGS = KERAS_SETTINGS
units = st.integers(1, 40)
features = st.integers(1, 30)


@SETTINGS
@given(units, features, st.booleans(), st.booleans(), st.integers(2, 4))
def test_dense(n, m, use_bias, frozen, rank):
    """On the last axis of an input of any rank; frozen or not."""
    keras.backend.clear_session()
    inp = keras.Input((3,) * (rank - 2) + (m,))
    layer = keras.layers.Dense(n, use_bias=use_bias)
    layer.trainable = not frozen
    assert_matches_keras(keras.Model(inp, layer(inp)))


@SETTINGS
@given(units, features, st.booleans())
def test_dense_tf_keras(n, m, use_bias):
    tf_keras.backend.clear_session()
    model = tf_keras.Sequential([tf_keras.Input((m,)), tf_keras.layers.Dense(n, use_bias=use_bias)])
    assert_matches_keras(model)


@SETTINGS
@given(units, features, st.integers(1, 8))
def test_dense_lora(n, m, r):
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((m,)), keras.layers.Dense(n, lora_rank=r)])
    assert_matches_keras(model)
