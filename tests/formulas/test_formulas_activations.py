"""PReLU and the weightless activation layers (formulas/activations.py), built in real Keras, must
count exactly as paramcount counts them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_compare import KERAS_SETTINGS, assert_matches_keras, shape_and_axes

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

SETTINGS = KERAS_SETTINGS


@SETTINGS
@given(shape_and_axes(negative=False), st.booleans(), st.booleans())
def test_prelu_and_activations(shape_axes, share, frozen):
    shape, axes = shape_axes
    keras.backend.clear_session()
    inp = keras.Input(shape)
    x = keras.layers.ReLU()(inp)
    x = keras.layers.LeakyReLU()(x)
    x = keras.layers.ELU()(x)
    x = keras.layers.Softmax()(x)
    x = keras.layers.Activation("tanh")(x)
    prelu = keras.layers.PReLU(shared_axes=axes if share else None)
    prelu.trainable = not frozen
    x = keras.layers.Dense(2)(prelu(x))
    assert_matches_keras(keras.Model(inp, x))


@SETTINGS
@given(shape_and_axes(negative=False), st.booleans())
def test_activations_tf_keras(shape_axes, share):
    shape, axes = shape_axes
    tf_keras.backend.clear_session()
    layers = tf_keras.layers
    inp = tf_keras.Input(shape)
    x = layers.ThresholdedReLU()(layers.ReLU()(inp))
    x = layers.PReLU(shared_axes=axes if share else None)(layers.LeakyReLU()(layers.ELU()(x)))
    x = layers.Dense(2)(layers.Activation("tanh")(layers.Softmax()(x)))
    assert_matches_keras(tf_keras.Model(inp, x))
