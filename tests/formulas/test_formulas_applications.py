"""Every ``keras.applications`` architecture (weights=None), counted from its config alone and
compared with Keras: totals, trainable split, and every layer's counts and weight shapes.

Building the models is the slow part, so each is built once per Keras version and its config and
Keras' numbers are cached under ``~/.cache/paramcount-tests/keras-applications/<version>/`` (not in
the project's .cache/, which the Zensical build of the same run empties). By default one model per
family runs; ``PARAMCOUNT_APPLICATIONS=all`` runs all of them.
"""

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from keras_compare import keras_facts, paramcount_facts, record_compared, strip_build_config

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

# One per family: the others differ in widths and depths, not in layer kinds.
FAMILIES = ["ConvNeXtTiny", "DenseNet121", "EfficientNetB0", "EfficientNetV2B0",
            "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Small",
            "NASNetMobile", "ResNet50", "ResNet50V2", "VGG16", "Xception"]
ALL = sorted(name for name in dir(keras.applications)
             if name[:1].isupper() and callable(getattr(keras.applications, name)))
NAMES = ALL if os.environ.get("PARAMCOUNT_APPLICATIONS") == "all" else FAMILIES
CACHE = (Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
         / "paramcount-tests" / "keras-applications" / keras.__version__)


def test_the_families_are_keras_applications():
    assert set(FAMILIES) <= set(ALL) and len(ALL) >= 40


def keras_side(name: str) -> dict:
    """The model's config and what Keras counts, built once and cached by Keras version."""
    path = CACHE / f"{name}.json"
    if path.exists():
        return json.loads(path.read_text())
    keras.backend.clear_session()
    model = getattr(keras.applications, name)(weights=None)
    facts = keras_facts(model)
    for layer in facts["layers"]:
        layer["weights"] = [[p, list(s), t] for p, s, t in layer["weights"]]
    record = {"config": json.loads(model.to_json()), "facts": facts}
    CACHE.mkdir(parents=True, exist_ok=True)
    written = path.with_suffix(f".{os.getpid()}.part")  # whole or absent: other runs share the cache
    written.write_text(json.dumps(record))
    written.replace(path)
    return record


@pytest.mark.parametrize("name", NAMES)
def test_application_counts_like_keras(name):
    record = keras_side(name)
    expected = record["facts"]
    want = {row["name"]: row for row in expected["layers"]}
    for config in (record["config"], strip_build_config(record["config"])):
        got = paramcount_facts(config)
        for key in ("total", "trainable", "non_trainable"):
            assert got[key] == expected[key], (name, key)
        for row in got["layers"]:
            keras_row = want[row["name"]]
            assert [row[k] for k in ("params", "trainable", "non_trainable")] == [
                keras_row[k] for k in ("params", "trainable", "non_trainable")], row["name"]
            # Shapes and trainability; unnamed weights (LayerScale's) get numbered names.
            assert Counter((tuple(s), t) for _, s, t in row["weights"]) == Counter(
                (tuple(s), t) for _, s, t in keras_row["weights"]), row["name"]
        assert {row["name"] for row in got["layers"]} >= {
            n for n, row in want.items() if row["params"]}
    record_compared(record["config"])  # for tests/formulas/test_registry.py


def test_a_users_class_named_like_a_keras_one_is_not_counted_as_it():
    """Keras 3 writes a registered_name for any class that is not its built-in layer: a class of
    the user's called LayerScale or Dense has no formula, whatever its name."""
    import paramcount

    for class_name, config in [("LayerScale", {"projection_dim": 4}), ("Dense", {"units": 3})]:
        model = {"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
            {"module": None, "class_name": class_name, "registered_name": class_name,
             "config": {"name": "mine", **config}}]}}
        with pytest.raises(paramcount.ParamcountError, match=f"'__main__>{class_name}'"):
            paramcount.count(model)
        model["config"]["layers"][1]["module"] = "keras.src.applications.convnext"
        assert paramcount.count(model).total in (4, 15)


def test_every_keras_layer_class_is_counted_or_refused_with_a_reason():
    """A new Keras release cannot add a layer silently: each class of keras.layers has a formula
    or a one-line reason in paramcount.refused."""
    import inspect

    import paramcount
    from paramcount.formulas.refused import REFUSED
    from paramcount.formulas.registry import registration

    classes = sorted(name for name, cls in inspect.getmembers(keras.layers, inspect.isclass)
                     if issubclass(cls, keras.layers.Layer))
    unaccounted = [name for name in classes if registration(name) is None and name not in REFUSED]
    assert unaccounted == []
    assert [name for name in REFUSED if registration(name) is not None] == []
    model = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
        {"class_name": "JaxLayer", "config": {"name": "j"}}]}}
    with pytest.raises(paramcount.ParamcountError, match="JAX pytree"):
        paramcount.count(model)


def test_stochastic_depth():
    """ConvNeXt holds StochasticDepth only with drop_path_rate > 0 (the default is 0): weightless."""
    from keras.src.applications.convnext import StochasticDepth

    from keras_compare import assert_matches_keras

    keras.backend.clear_session()
    inp = keras.Input((4, 3))
    assert_matches_keras(keras.Model(inp, keras.layers.Dense(2)(StochasticDepth(0.1)(inp))))
