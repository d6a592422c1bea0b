"""Compare paramcount with real Keras, model by model: the oracle for the property-based tests.

    from keras_compare import assert_matches_keras
    assert_matches_keras(model)            # a built Keras 3 model
    assert_matches_keras(model, tf_keras=True)   # a tf-keras (Keras 2) model

It checks total, trainable and non-trainable counts, every top-level layer's counts, and every
weight's path (relative to its top-level layer) and shape — on the config as Keras writes it and
again with every ``build_config`` removed, so shapes must come from the inputs alone.
"""

from __future__ import annotations

import copy
import json
import os
from collections import Counter

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import paramcount  # noqa: E402

# Building Keras models is slow: a few examples per property keep each file under a minute;
# PARAMCOUNT_EXAMPLES=200 digs deeper.
KERAS_SETTINGS = settings(max_examples=int(os.environ.get("PARAMCOUNT_EXAMPLES", "6")),
                          deadline=None, suppress_health_check=[HealthCheck.too_slow])


# Recurrent layers as the recurrent and wrapper tests draw them.
units = st.integers(1, 40)
features = st.integers(1, 30)
steps = st.one_of(st.none(), st.integers(1, 12))
rnn_class = st.sampled_from(["SimpleRNN", "LSTM", "GRU"])


def rnn(k, class_name, u, use_bias, reset_after, **kw):
    """A SimpleRNN, LSTM or GRU of module `k` (keras or tf_keras); reset_after only for a GRU."""
    extra = {"reset_after": reset_after} if class_name == "GRU" else {}
    return getattr(k.layers, class_name)(u, use_bias=use_bias, **extra, **kw)


# Every class name in a config that matched Keras in this session (read by test_registry.py).
COMPARED: set[str] = set()


def keras_facts(model) -> dict:
    """What Keras itself says: totals, and per top-level layer its counts and weights."""
    layers = []
    # What the model trains (and summary() counts as trainable). A tf-keras variable keeps
    # trainable=True when its layer is frozen, so ask the model, not the variable; and a Keras 3
    # wrapper given trainable=False in its constructor lists no trainable weights of its own
    # while the model still trains its wrapped layer's.
    trainable_ids = {id(w) for w in model.trainable_weights}
    for layer in model.layers:
        weights = []
        for w in layer.weights:
            path = getattr(w, "path", None) or w.name
            path = path.split(":")[0]
            # Keep the path below the top-level layer: "sequential/lstm/lstm_cell/kernel" ->
            # "lstm_cell/kernel" for layer "lstm".
            parts = path.split("/")
            if layer.name in parts:
                parts = parts[parts.index(layer.name) + 1:]
            weights.append(("/".join(parts), tuple(int(d) for d in w.shape), id(w) in trainable_ids))
        trainable = sum(int(_size(w)) for w in layer.weights if id(w) in trainable_ids)
        non_trainable = sum(int(_size(w)) for w in layer.weights) - trainable
        layers.append({"name": layer.name, "class_name": type(layer).__name__,
                       "params": trainable + non_trainable, "trainable": trainable,
                       "non_trainable": non_trainable, "weights": weights})
    trainable = sum(int(_size(w)) for w in model.trainable_weights)
    non_trainable = sum(int(_size(w)) for w in model.non_trainable_weights)
    return {"total": int(model.count_params()), "trainable": trainable,
            "non_trainable": non_trainable, "layers": layers}


def _size(w) -> int:
    n = 1
    for d in w.shape:
        n *= int(d)
    return n


def strip_build_config(config):
    """The same config with every ``build_config`` / ``build_input_shape`` removed."""
    config = copy.deepcopy(config)

    def walk(x):
        if isinstance(x, dict):
            x.pop("build_config", None)
            x.pop("build_input_shape", None)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(config)
    return config


def strip_recorded_shapes(config):
    """The config without the shapes Keras 3 writes next to each tensor a call receives."""
    def walk(x):
        if isinstance(x, dict):
            if x.get("class_name") == "__keras_tensor__":
                x["config"].pop("shape", None)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    config = json.loads(json.dumps(config))
    walk(config)
    return config


def paramcount_facts(config) -> dict:
    counted = paramcount.count(config)
    return {
        "total": counted.total, "trainable": counted.trainable,
        "non_trainable": counted.non_trainable,
        "layers": [{"name": layer.name, "class_name": layer.class_name, "params": layer.params,
                    "trainable": layer.trainable, "non_trainable": layer.non_trainable,
                    "weights": [(w.path, tuple(w.shape), w.trainable) for w in layer.weights]}
                   for layer in counted.layers],
    }


def assert_matches_keras(model, *, compare_paths: bool = True) -> None:
    """Fail with a readable diff unless paramcount agrees with Keras on ``model``."""
    expected = keras_facts(model)
    config = json.loads(model.to_json())
    for label, cfg in (("as saved", config), ("without build_config", strip_build_config(config))):
        got = paramcount_facts(cfg)
        for key in ("total", "trainable", "non_trainable"):
            assert got[key] == expected[key], f"{label}: {key} {got[key]} != Keras {expected[key]}"
        # Keras 3 lists InputLayers of functional models in model.layers; compare weighted rows.
        want_layers = {row["name"]: row for row in expected["layers"]}
        for row in got["layers"]:
            want = want_layers.get(row["name"])
            assert want is not None, f"{label}: paramcount has layer {row['name']!r}, Keras not"
            for key in ("params", "trainable", "non_trainable"):
                assert row[key] == want[key], (
                    f"{label}: layer {row['name']} {key} {row[key]} != Keras {want[key]}")
            if compare_paths:
                assert Counter(row["weights"]) == Counter(want["weights"]), (
                    f"{label}: layer {row['name']} weights\n  paramcount {row['weights']}\n"
                    f"  Keras      {want['weights']}")
            else:
                assert Counter((s, t) for _, s, t in row["weights"]) == Counter(
                    (s, t) for _, s, t in want["weights"]), f"{label}: layer {row['name']} shapes"
        missing = set(want_layers) - {row["name"] for row in got["layers"]}
        assert not missing, f"{label}: Keras has layers paramcount does not list: {missing}"
    record_compared(config)


def record_compared(value) -> None:
    """Note every layer class in a config: nested ones too (a Bidirectional's LSTM, an RNN's cell)."""
    if isinstance(value, dict):
        if isinstance(value.get("class_name"), str) and isinstance(value.get("config"), dict):
            # A package's class (KerasHub's) is registered, and compared, as "keras_hub>Name".
            registered = value.get("registered_name")
            COMPARED.add(registered if isinstance(registered, str) and ">" in registered
                         else value["class_name"])
        for v in value.values():
            record_compared(v)
    elif isinstance(value, list):
        for v in value:
            record_compared(v)


def assert_output_shapes_match(model) -> None:
    """Every top-level layer's output shape(s), flattened, as Keras gives them."""
    counted = {layer.name: layer for layer in paramcount.count(json.loads(model.to_json())).layers}
    for layer in model.layers:
        if layer.name not in counted:
            continue
        want = [tuple(t.shape) for t in _flat(layer.output)]
        got = counted[layer.name].output_shape
        got = [tuple(s) for s in got] if isinstance(got, list) else [tuple(got)]
        assert got == want, f"layer {layer.name}: output shapes {got} != Keras {want}"


def _flat(value) -> list:
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flat(v)]
    return [value]


# A sample shape without the batch axis: rank 1 to 3, small sizes.
sample_shape = st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple)


@st.composite
def shape_and_axes(draw, negative=True):
    """A sample shape and a non-empty set of its axes (1-based, as Keras counts them with the
    batch axis), each possibly written negative."""
    shape = draw(sample_shape)
    rank = len(shape) + 1
    axes = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank - 1, unique=True))
    if negative:
        axes = [a - rank if draw(st.booleans()) else a for a in axes]
    return shape, axes
