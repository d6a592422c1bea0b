"""Cropping, UpSampling and ZeroPadding in 1, 2 and 3-D (formulas/reshaping_spatial.py), built in
real Keras (3 and tf-keras 2): weightless, and their output shapes are the ones Keras computes."""

import pytest

from keras_compare import assert_matches_keras, assert_output_shapes_match
from paramcount.formulas.registry import REGISTRY, load_formulas

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

load_formulas()
SPATIAL = sorted(n for n, c in REGISTRY.items()
                 if c.formula.__module__.endswith(".reshaping_spatial"))


@pytest.mark.parametrize("k_name", ["keras", "tf_keras"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_every_spatial_reshaping_class(k_name, data_format):
    k = keras if k_name == "keras" else tf_keras
    k.backend.clear_session()
    inputs, outputs = [], []
    for name in SPATIAL:
        rank = int(next(ch for ch in name if ch.isdigit()))
        size = 1 if name.startswith(("Cropping", "ZeroPadding")) else 2
        options = {"data_format": data_format} if rank > 1 else {}
        inp = k.Input((6,) * rank + (3,))
        inputs.append(inp)
        outputs.append(k.layers.Dense(2)(getattr(k.layers, name)(size, **options)(inp)))
    assert len(outputs) == 9
    model = k.Model(inputs, outputs)
    assert_matches_keras(model)
    assert_output_shapes_match(model)
