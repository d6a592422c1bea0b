"""The recurrent layers (formulas/recurrent.py): SimpleRNN, LSTM and GRU, their cells, RNN(cell),
lists of cells and StackedRNNCells, built in real Keras (3 and tf-keras 2), must count exactly as
paramcount counts them, output shapes included."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_compare import (
    KERAS_SETTINGS,
    assert_matches_keras,
    assert_output_shapes_match,
    features,
    rnn,
    rnn_class,
    steps,
    units,
)

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

SETTINGS = KERAS_SETTINGS


# --- Cells, RNN(cell), lists of cells and StackedRNNCells -----------------------------------------

cell_class = st.sampled_from(["SimpleRNNCell", "LSTMCell", "GRUCell"])


def cell(k, class_name, u, use_bias, reset_after):
    extra = {"reset_after": reset_after} if class_name == "GRUCell" else {}
    return getattr(k.layers, class_name)(u, use_bias=use_bias, **extra)


cells = st.lists(st.tuples(cell_class, units, st.booleans(), st.booleans()), min_size=1,
                 max_size=3)


def rnn_of(k, drawn, as_list, stacked):
    made = [cell(k, *c) for c in drawn]
    if stacked:
        return k.layers.StackedRNNCells(made)
    return made if as_list or len(made) > 1 else made[0]


@SETTINGS
@given(cells, features, steps, st.booleans(), st.booleans(), st.booleans(), st.booleans(),
       st.sampled_from([None, "concat", "sum"]))
def test_rnn_of_cells(drawn, m, t, as_list, stacked, return_sequences, return_state, merge_mode):
    """RNN(cell), RNN([cells]) and RNN(StackedRNNCells) in Keras 3, alone (output shapes with
    return_sequences and return_state included) and inside Bidirectional."""
    keras.backend.clear_session()
    inp = keras.Input((t, m))
    outputs = keras.layers.RNN(rnn_of(keras, drawn, as_list, stacked),
                               return_sequences=return_sequences, return_state=return_state)(inp)
    x = keras.layers.RNN(rnn_of(keras, drawn, as_list, stacked), return_sequences=True)(inp)
    wrapped = keras.layers.Bidirectional(keras.layers.RNN(rnn_of(keras, drawn, as_list, stacked)),
                                         merge_mode=merge_mode)(x)
    model = keras.Model(inp, [*_flat(outputs), *_flat(wrapped)])
    assert_matches_keras(model)
    assert_output_shapes_match(model)


@SETTINGS
@given(cells, features, steps, st.booleans(), st.booleans(), st.booleans())
def test_rnn_of_cells_tf_keras(drawn, m, t, stacked, return_sequences, return_state):
    tf_keras.backend.clear_session()
    inp = tf_keras.Input((t, m))
    outputs = tf_keras.layers.RNN(rnn_of(tf_keras, drawn, False, stacked),
                                  return_sequences=return_sequences, return_state=return_state)(inp)
    x = tf_keras.layers.RNN(rnn_of(tf_keras, drawn, False, stacked), return_sequences=True)(inp)
    wrapped = tf_keras.layers.Bidirectional(tf_keras.layers.RNN(rnn_of(tf_keras, drawn, False,
                                                                       stacked)))(x)
    model = tf_keras.Model(inp, [*_flat(outputs), wrapped])
    assert_matches_keras(model)
    assert_output_shapes_match(model)


@SETTINGS
@given(cell_class, units, features, st.booleans(), st.booleans())
def test_cell_by_itself(class_name, u, m, use_bias, reset_after):
    """A cell called on one step and its states, as a layer of its own."""
    keras.backend.clear_session()
    x = keras.Input((m,))
    states = [keras.Input((u,)) for _ in range(2 if class_name == "LSTMCell" else 1)]
    out, new_states = cell(keras, class_name, u, use_bias, reset_after)(x, states)
    model = keras.Model([x, *states], [out, *_flat(new_states)])
    assert_matches_keras(model)
    assert_output_shapes_match(model)


@SETTINGS
@given(rnn_class, units, features, steps, st.booleans(), st.booleans())
def test_recurrent_layer_outputs(class_name, u, m, t, return_sequences, return_state):
    keras.backend.clear_session()
    inp = keras.Input((t, m))
    outputs = rnn(keras, class_name, u, True, True, return_sequences=return_sequences,
                  return_state=return_state)(inp)
    model = keras.Model(inp, _flat(outputs))
    assert_matches_keras(model)
    assert_output_shapes_match(model)


def _flat(value) -> list:
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flat(v)]
    return [value]


@pytest.mark.parametrize("k_name", ["keras", "tf_keras"])
def test_every_cell_class_in_rnn_and_stacked(k_name):
    """Each built-in cell once in RNN(cell), and all of them stacked, whatever hypothesis draws."""
    k = keras if k_name == "keras" else tf_keras
    k.backend.clear_session()
    inp = k.Input((4, 3))
    names = ["SimpleRNNCell", "LSTMCell", "GRUCell"]
    outputs = [k.layers.RNN(getattr(k.layers, name)(5))(inp) for name in names]
    stacked = k.layers.StackedRNNCells([getattr(k.layers, name)(2 + i) for i, name in enumerate(names)])
    outputs.append(k.layers.RNN(stacked, return_state=True)(inp)[0])
    model = k.Model(inp, outputs)
    assert_matches_keras(model)
    assert_output_shapes_match(model)


@pytest.mark.parametrize("k_name", ["keras", "tf_keras"])
def test_every_recurrent_layer_class(k_name):
    """SimpleRNN, LSTM and GRU once each, whatever hypothesis draws."""
    k = keras if k_name == "keras" else tf_keras
    k.backend.clear_session()
    inp = k.Input((4, 3))
    model = k.Model(inp, [getattr(k.layers, name)(5, return_sequences=True)(inp)
                          for name in ("SimpleRNN", "LSTM", "GRU")])
    assert_matches_keras(model)
    assert_output_shapes_match(model)
