"""A Sequential or functional model used as a layer of another (formulas/models.py), built in real
Keras: its weights under its layers' names, frozen or not, and its calls numbered as Keras numbers
them. Whole models of every layout are in test_graph.py."""

import pytest

import paramcount
from keras_compare import assert_matches_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")


def test_nested_model_weight_paths_and_frozen():
    keras.backend.clear_session()
    inner = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, name="d1")], name="inner")
    inner.trainable = False
    inp = keras.Input((5,))
    model = keras.Model(inp, keras.layers.Dense(2)(inner(inp)))
    assert_matches_keras(model)
    layer = next(layer for layer in paramcount.count(model).layers if layer.name == "inner")
    assert [(w.path, w.trainable) for w in layer.weights] == [("d1/kernel", False),
                                                             ("d1/bias", False)]


@pytest.mark.parametrize("k_name", ["keras", "tf_keras"])
def test_nested_sequential_without_input_called_twice(k_name):
    """A Sequential without an Input is built by its first call; its calls are numbered from 0."""
    k = keras if k_name == "keras" else tf_keras
    k.backend.clear_session()
    inner = k.Sequential([k.layers.Dense(3), k.layers.Dense(2)])
    x, y = k.Input((5,)), k.Input((5,))
    assert_matches_keras(k.Model([x, y], k.layers.Add()([inner(x), inner(y)])))
