"""Bidirectional and TimeDistributed (formulas/wrappers.py), built in real Keras (3 and tf-keras 2):
around recurrent layers and Dense, frozen in their constructor or around a frozen layer, they must
count exactly as paramcount counts them, trainable split included. Bidirectional(RNN(cell)) is in
test_formulas_recurrent.py."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import paramcount
from keras_compare import KERAS_SETTINGS, assert_matches_keras, features, rnn, rnn_class, steps, units

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")


def wrapped(k, kind, frozen_wrapper, frozen_inner, frozen_backward):
    layers = k.layers
    if kind == "TimeDistributed":
        return layers.TimeDistributed(layers.Dense(3, trainable=not frozen_inner),
                                      trainable=not frozen_wrapper)
    backward = None
    if frozen_backward is not None:
        backward = layers.GRU(2, go_backwards=True, trainable=not frozen_backward)
    return layers.Bidirectional(layers.LSTM(2, trainable=not frozen_inner),
                                backward_layer=backward, trainable=not frozen_wrapper)


@KERAS_SETTINGS
@given(st.sampled_from(["Bidirectional", "TimeDistributed"]), st.booleans(), st.booleans(),
       st.one_of(st.none(), st.booleans()), st.booleans())
def test_frozen_wrappers(kind, frozen_wrapper, frozen_inner, frozen_backward, keras3):
    k = keras if keras3 else tf_keras
    k.backend.clear_session()
    inputs = k.Input((4, 3))
    layer = wrapped(k, kind, frozen_wrapper, frozen_inner, frozen_backward)
    model = k.Model(inputs, k.layers.Dense(1)(layer(inputs)))
    assert_matches_keras(model)
    assert_matches_keras(k.models.model_from_json(model.to_json()))


@KERAS_SETTINGS
@given(st.integers(1, 4), st.integers(1, 4), st.sampled_from(["concat", "sum", None]),
       st.booleans(), st.booleans())
def test_other_backward_layer(forward_units, backward_units, merge_mode, sequences, keras3):
    """A backward layer of another width: Keras 3 takes every output shape from the forward
    layer, tf-keras from each half; the Dense layers after it are built on those shapes."""
    k = keras if keras3 else tf_keras
    if merge_mode == "sum" and (not keras3 or forward_units != backward_units):
        merge_mode = None  # tf-keras cannot add halves of different widths
    k.backend.clear_session()
    inputs = k.Input((4, 3))
    layer = k.layers.Bidirectional(
        k.layers.LSTM(forward_units, return_sequences=sequences),
        backward_layer=k.layers.GRU(backward_units, go_backwards=True,
                                    return_sequences=sequences),
        merge_mode=merge_mode)
    outputs = layer(inputs)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    model = k.Model(inputs, [k.layers.Dense(1)(x) for x in outputs])
    assert_matches_keras(model)


def test_keras3_frozen_wrapper_still_trains_and_says_so():
    """Keras 3: Bidirectional(..., trainable=False) lists no trainable weights of its own, yet
    the model trains the LSTM inside (summary()'s "Trainable params" counts them)."""
    keras.backend.clear_session()
    inputs = keras.Input((4, 3))
    layer = keras.layers.Bidirectional(keras.layers.LSTM(2), trainable=False)
    model = keras.Model(inputs, layer(inputs))
    assert layer.trainable_weights == []
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert trainable == model.count_params() > 0
    counted = paramcount.count(model)
    assert counted.trainable == trainable
    row = next(row for row in counted.layers if row.class_name == "Bidirectional")
    assert any("does not reach" in note for note in row.notes)
    # The advice in the note works, and the obvious fix does not.
    layer.trainable = False
    assert model.trainable_weights != []
    layer.trainable = True
    layer.trainable = False
    assert model.trainable_weights == []
    assert paramcount.count(model).trainable == 0


# --- around recurrent layers and Dense ------------------------------------------------------------

SETTINGS = KERAS_SETTINGS


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
