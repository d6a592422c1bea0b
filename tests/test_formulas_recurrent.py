"""Dense, SimpleRNN, LSTM, GRU, Bidirectional and TimeDistributed: random configs built in real
Keras (3 and tf-keras 2) must count exactly as paramcount counts them."""

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
steps = st.one_of(st.none(), st.integers(1, 12))
rnn_class = st.sampled_from(["SimpleRNN", "LSTM", "GRU"])


def rnn(k, class_name, u, use_bias, reset_after, **kw):
    extra = {"reset_after": reset_after} if class_name == "GRU" else {}
    return getattr(k.layers, class_name)(u, use_bias=use_bias, **extra, **kw)


@SETTINGS
@given(rnn_class, units, features, steps, st.booleans(), st.booleans(), st.booleans(),
       st.sampled_from([None, "concat", "sum", "mul", "ave"]), st.booleans())
def test_recurrent_stack(class_name, u, m, t, use_bias, reset_after, return_sequences,
                         merge_mode, frozen):
    keras.backend.clear_session()
    inp = keras.Input((t, m))
    x = rnn(keras, class_name, u, use_bias, reset_after, return_sequences=True)(inp)
    layer = keras.layers.Bidirectional(rnn(keras, class_name, u + 1, use_bias, reset_after,
                                           return_sequences=return_sequences),
                                       merge_mode=merge_mode or "concat")
    layer.trainable = not frozen
    x = layer(x)
    if return_sequences:
        x = keras.layers.TimeDistributed(keras.layers.Dense(3))(x)
    x = keras.layers.Dense(u, use_bias=use_bias)(x)
    assert_matches_keras(keras.Model(inp, x))


@SETTINGS
@given(rnn_class, units, features, steps, st.booleans(), st.booleans())
def test_recurrent_tf_keras(class_name, u, m, t, use_bias, reset_after):
    tf_keras.backend.clear_session()
    model = tf_keras.Sequential([tf_keras.Input((t, m)),
                                 tf_keras.layers.Bidirectional(rnn(tf_keras, class_name, u, use_bias,
                                                                   reset_after,
                                                                   return_sequences=True)),
                                 tf_keras.layers.TimeDistributed(tf_keras.layers.Dense(u)),
                                 rnn(tf_keras, class_name, u, use_bias, reset_after)])
    assert_matches_keras(model)


@SETTINGS
@given(units, features, st.integers(1, 8))
def test_dense_lora(n, m, r):
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((m,)), keras.layers.Dense(n, lora_rank=r)])
    assert_matches_keras(model)
