"""The weightless core layers (formulas/core_layers.py) that the graph tests do not build: Keras 3's
image augmentation layers and SpatialDropout3D, built once in real Keras. Their output shapes are
the ones Keras computes; the rest of this module's classes are built in test_graph.py."""

import pytest

from keras_compare import assert_matches_keras, assert_output_shapes_match

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")


def test_image_layers_and_spatial_dropout_3d():
    keras.backend.clear_session()
    L = keras.layers
    image_layers = [
        L.AutoContrast(), L.RandomBrightness(0.1), L.RandomColorDegeneration(0.1),
        L.RandomContrast(0.1), L.RandomGaussianBlur(), L.RandomHue(0.1), L.RandomInvert(),
        L.RandomPosterization(factor=(1, 8)), L.RandomSaturation(0.1), L.RandomSharpness(0.1),
        L.RandomShear(x_factor=0.1), L.RandomTranslation(0.1, 0.1), L.Solarization(),
    ]
    image = keras.Input((8, 10, 3))
    outputs = [L.Dense(2)(layer(image)) for layer in image_layers]
    volume = keras.Input((3, 4, 5, 2))
    outputs.append(L.Dense(2)(L.SpatialDropout3D(0.1)(volume)))
    model = keras.Model([image, volume], outputs)
    assert_matches_keras(model)
    assert_output_shapes_match(model)


def test_equalization():
    """Called on a functional tensor, Keras 3.15's Equalization hands its input back, so no
    functional model records it; a Sequential model does."""
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((8, 10, 3)), keras.layers.Equalization(),
                              keras.layers.Dense(2)])
    assert_matches_keras(model)
    assert_output_shapes_match(model)

