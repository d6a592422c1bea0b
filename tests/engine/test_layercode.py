"""Pasted layer code is read as data: what readers paste works, nothing is ever run."""

import pytest

import paramcount
from paramcount import ParamcountError
from paramcount.read.layercode import parse_layer, parse_shape


@pytest.mark.parametrize("code", [
    "LSTM(128)", "layers.LSTM(128)", "keras.layers.LSTM(128)", "tf.keras.layers.LSTM(128)",
    "LSTM(units=128)", "LSTM(128, return_sequences=True, activation='relu')",
    "  LSTM(128, dropout=0.2, recurrent_dropout=0.1)  ",
    "LSTM(128, kernel_initializer=keras.initializers.GlorotUniform(seed=1))",
])
def test_spellings_of_the_same_lstm(code):
    assert paramcount.explain_layer(code, "(28, 28)").params == 4 * 128 * (28 + 128 + 1)


def test_nested_wrappers_and_tuples():
    layer = paramcount.explain_layer(
        "Bidirectional(GRU(8, reset_after=False), merge_mode=None)", (None, 5))
    assert layer.params == 2 * 3 * 8 * (5 + 8 + 1)
    assert layer.output_shape == [(None, 8), (None, 8)]
    td = paramcount.explain_layer("TimeDistributed(Dense(1))", "(None, 10)")
    assert td.params == 11 and td.output_shape == (None, None, 1)


def test_input_shape_written_in_the_code():
    assert paramcount.explain_layer("LSTM(2, input_shape=(3, 1))").params == 32
    # Keras 2's input_dim on a recurrent layer means features, timesteps unknown.
    assert paramcount.explain_layer("LSTM(2, input_dim=3)").params == 48


@pytest.mark.parametrize("code, message", [
    ("LTSM(3)", "unknown layer 'LTSM' (did you mean LSTM?)"),
    ("LSTM(3", "cannot read layer code"),
    ("LSTM(-3)", "'units' must be a positive integer, got -3"),
    ("LSTM(0)", "'units' must be a positive integer, got 0"),
    ("LSTM('ten')", "'units' must be a positive integer"),
    ("LSTM(3, 4, 5)", "too many positional arguments"),
    ("LSTM(__import__('os').system('true'))", "cannot read \"__import__('os').system\""),
    ("LSTM(__import__('os'))", "unknown layer '__import__'"),
    ("LSTM(3, units=4)", "'units' given twice"),
    ("3 + 4", "layer code must be a call"),
    ("", "empty layer code"),
    ("LSTM(x)", "cannot read units=x"),
])
def test_bad_code_gets_one_clear_line(code, message):
    with pytest.raises(ParamcountError) as err:
        paramcount.explain_layer(code, "(10, 3)")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("text, shape", [
    ("(28, 28)", (None, 28, 28)), ("28, 28", (None, 28, 28)), ("[None, 1]", (None, None, 1)),
    ("(5,)", (None, 5)), ("5", (None, 5)),
])
def test_shapes(text, shape):
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["(-1, 3)", "(0, 3)", "(2.5,)", "()", "", "(a, b)", "(True,)"])
def test_bad_shapes(text):
    with pytest.raises(ParamcountError):
        parse_shape(text)


def test_a_layer_needs_an_input_shape():
    with pytest.raises(ParamcountError, match="give the input shape"):
        paramcount.explain_layer("Dense(3)")


def test_default_names_follow_keras():
    assert parse_layer("SimpleRNN(2)")["config"]["name"] == "simple_rnn"


def test_several_inputs():
    # query (10, 64) and value (20, 32): projections differ by the value's features.
    mha = paramcount.explain_layer("MultiHeadAttention(num_heads=2, key_dim=8)",
                                   "[(10, 64), (20, 32)]")
    assert [w.shape for w in mha.weights][:4] == [(64, 2, 8), (2, 8), (32, 2, 8), (2, 8)]
    assert paramcount.explain_layer("Add()", [(4,), (4,)]).output_shape == (None, 4)
    assert parse_shape("[None, 1]") == (None, None, 1)  # one shape, not two
