"""Every pooling class (formulas/pooling.py), aliases included, built once in real Keras (3 and
tf-keras 2): weightless, and its output shape is the one Keras computes."""

import pytest

from keras_compare import assert_matches_keras, assert_output_shapes_match
from paramcount.formulas.registry import REGISTRY, load_formulas

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

load_formulas()
POOLING = sorted(n for n, c in REGISTRY.items() if c.formula.__module__.endswith(".pooling"))


@pytest.mark.parametrize("k_name", ["keras", "tf_keras"])
def test_every_pooling_class(k_name):
    k = keras if k_name == "keras" else tf_keras
    k.backend.clear_session()
    inputs, outputs = [], []
    for name in POOLING:
        cls = getattr(k.layers, name, None)
        if cls is None:  # Adaptive pooling is Keras 3 only
            continue
        rank = int(next(ch for ch in name if ch.isdigit()))
        inp = k.Input((7,) * rank + (3,))
        pooled = cls()(inp) if name.startswith("Global") else cls(2)(inp)  # pool or output size
        inputs.append(inp)
        outputs.append(k.layers.Dense(2)(pooled))
    assert len(outputs) >= 20
    model = k.Model(inputs, outputs)
    assert_matches_keras(model)
    assert_output_shapes_match(model)
