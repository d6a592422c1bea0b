"""Random functional graphs, built in real Keras 3 and in tf-keras, count exactly as Keras counts
them: branches, merges, shared layers, nested and frozen models, ops, layers returning several
tensors, the layers listed in any order, and ``.keras`` archives."""

import json
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import paramcount
from keras_compare import (
    assert_matches_keras,
    keras_facts,
    paramcount_facts,
    strip_build_config,
    strip_recorded_shapes,
)

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")
tf = pytest.importorskip("tensorflow")

# No shrinking: each example builds Keras models, and shrinking one takes minutes. A failure
# prints every draw, which is enough to rebuild the graph.
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    phases=[Phase.explicit, Phase.reuse, Phase.generate])


class GraphBuilder:
    """Grows a functional graph step by step from hypothesis' choices, in Keras 3 or tf-keras."""

    def __init__(self, data, k, version):
        self.data, self.k, self.version = data, k, version
        self.steps = data.draw(st.integers(2, 5), label="timesteps")
        self.inputs = [k.Input((self.steps, data.draw(st.integers(1, 6), label="features")))
                       for _ in range(data.draw(st.integers(1, 2), label="inputs"))]
        self.tensors = list(self.inputs)
        self.used: set[int] = set()
        self.shared = []  # (layer, input features) of layers that may be called again

    def draw(self, strategy, label):
        return self.data.draw(strategy, label=label)

    def pick(self, label, among=None):
        pool = among if among is not None else self.tensors
        t = pool[self.draw(st.integers(0, len(pool) - 1), label)]
        self.used.add(id(t))
        return t

    def add(self, t):
        self.tensors.append(t)
        return t

    def dense(self, x, n=None):
        n = n or self.draw(st.integers(1, 6), "units")
        layer = self.k.layers.Dense(n, use_bias=self.draw(st.booleans(), "use_bias"))
        layer.trainable = not self.draw(st.booleans(), "frozen") or not self.shared
        self.shared.append((layer, x.shape[-1]))
        return layer(x)

    def step(self):
        k, kind = self.k, self.draw(st.sampled_from(
            ["dense", "merge", "concat", "shared", "op", "nested", "lstm", "reshape", "lambda",
             "conv", "norm"]),
            "step")
        x = self.pick("x")
        if kind == "dense":
            return self.add(self.dense(x))
        if kind in ("merge", "concat"):
            y = self.pick("y", [t for t in self.tensors if t.shape[:-1] == x.shape[:-1]])
            if kind == "concat":
                return self.add(k.layers.Concatenate()([x, y]))
            y = self.dense(y, x.shape[-1]) if y.shape != x.shape else y
            merge = self.draw(st.sampled_from(["Add", "Subtract", "Multiply", "Average",
                                               "Maximum", "Minimum"]), "merge")
            return self.add(getattr(k.layers, merge)()([x, y]))
        if kind == "shared":
            fits = [layer for layer, m in self.shared if m == x.shape[-1]]
            return self.add(fits[0](x) if fits else self.dense(x))
        if kind == "op":
            return self.add(self.op(x))
        if kind == "nested":
            return self.add(self.nested(x))
        if kind == "lstm":
            if len(x.shape) != 3:
                return self.add(self.dense(x))
            out, h, c = k.layers.LSTM(self.draw(st.integers(1, 4), "units"), return_state=True,
                                      return_sequences=self.draw(st.booleans(), "seq"))(x)
            self.add(out)
            return self.add(k.layers.Concatenate()([h, c]))
        if kind == "conv":  # a sequence layer, or pooling back to vectors
            if len(x.shape) != 3:
                return self.add(self.dense(x))
            if self.draw(st.booleans(), "pool"):
                return self.add(k.layers.GlobalAveragePooling1D()(x))
            return self.add(k.layers.Conv1D(self.draw(st.integers(1, 4), "filters"), 2,
                                            padding="same")(x))
        if kind == "norm":  # weights that are not trainable (moving mean and variance)
            return self.add(k.layers.BatchNormalization()(x))
        if kind == "reshape":
            if len(x.shape) == 3:
                return self.add(k.layers.Reshape((x.shape[1] * x.shape[2],))(x))
            return self.add(k.layers.RepeatVector(2)(k.layers.Dropout(0.1)(x)))
        # A Lambda with its output shape given: its code is never run by paramcount.
        return self.add(k.layers.Lambda(lambda t: t * 2.0, output_shape=tuple(x.shape[1:]))(x))

    def op(self, x):
        kind = self.draw(st.sampled_from(["add", "relu", "concat", "mean", "slice", "scale"]),
                         "op")
        if self.version == 3:
            ops = keras.ops
            return {"add": lambda: x + x, "relu": lambda: ops.relu(x),
                    "concat": lambda: ops.concatenate([x, x], axis=-1),
                    "mean": lambda: ops.mean(x, axis=-1, keepdims=True),
                    "slice": lambda: x[..., :1], "scale": lambda: 2.0 * x}[kind]()
        return {"add": lambda: x + x, "relu": lambda: tf.nn.relu(x),
                "concat": lambda: tf.concat([x, x], axis=-1),
                "mean": lambda: tf.reduce_mean(x, axis=-1, keepdims=True),
                "slice": lambda: x[..., :1], "scale": lambda: x * 2.0}[kind]()

    def nested(self, x):
        k = self.k
        features = x.shape[-1]
        units = self.draw(st.integers(1, 5), "units")
        if self.draw(st.booleans(), "sequential"):
            inner = k.Sequential([k.Input(tuple(x.shape[1:])), k.layers.Dense(units),
                                  k.layers.Dropout(0.1), k.layers.Dense(features)])
        else:
            i = k.Input(tuple(x.shape[1:]))
            a = k.layers.Dense(units)(i)
            inner = k.Model(i, k.layers.Add()([k.layers.Dense(features)(a), i]))
        inner.trainable = not self.draw(st.booleans(), "frozen model")
        return inner(x)

    def model(self):
        for _ in range(self.draw(st.integers(1, 6), "steps")):
            self.step()
        unused = [t for t in self.tensors[len(self.inputs):] if id(t) not in self.used]
        outputs = unused or [self.tensors[-1]]
        return self.k.Model(self.inputs, outputs[:3])


def shuffled(config, seed):
    """The same model with its layers listed in another order."""
    config = json.loads(json.dumps(config))
    random.Random(seed).shuffle(config["config"]["layers"])
    return config


@SETTINGS
@given(st.data())
def test_random_graphs_keras3(data):
    keras.backend.clear_session()
    model = GraphBuilder(data, keras, 3).model()
    assert_matches_keras(model)
    config = shuffled(json.loads(model.to_json()), data.draw(st.integers(0, 9), "seed"))
    assert paramcount_facts(config)["total"] == model.count_params()
    if data.draw(st.booleans(), "save as .keras"):
        with tempfile.TemporaryDirectory() as tmp:
            model.save(Path(tmp) / "model.keras")
            counted = paramcount.count(Path(tmp) / "model.keras")
        assert (counted.total, counted.trainable) == (model.count_params(), sum(
            int(keras.ops.size(w)) for w in model.trainable_weights))


@SETTINGS
@given(st.data())
def test_random_graphs_tf_keras(data):
    tf_keras.backend.clear_session()
    model = GraphBuilder(data, tf_keras, 2).model()
    assert_matches_keras(model)
    config = shuffled(json.loads(model.to_json()), data.draw(st.integers(0, 9), "seed"))
    assert paramcount_facts(config)["total"] == model.count_params()


def test_keras_archive_round_trip(tmp_path):
    keras.backend.clear_session()
    inp = keras.Input((7, 3))
    x = keras.layers.Bidirectional(keras.layers.LSTM(5, return_sequences=True))(inp)
    x = keras.layers.Flatten()(x)
    model = keras.Model(inp, keras.layers.Dense(2)(x))
    path = tmp_path / "model.keras"
    model.save(path)
    counted = paramcount.count(path)
    assert (counted.total, counted.trainable) == (model.count_params(), model.count_params())
    assert paramcount.count(str(path)).to_dict() == counted.to_dict()


def test_tf_keras_archive_round_trip(tmp_path):
    tf_keras.backend.clear_session()
    inp = tf_keras.Input((7, 3))
    x = tf_keras.layers.GRU(4, return_sequences=True)(inp)
    model = tf_keras.Model(inp, tf_keras.layers.Dense(2)(tf.reduce_max(x, axis=1)))
    path = tmp_path / "model.keras"
    model.save(path)
    counted = paramcount.count(path)
    assert (counted.keras_version, counted.total) == (2, model.count_params())


def test_tf_keras_sequential_layouts():
    tf_keras.backend.clear_session()
    first = tf_keras.Sequential([tf_keras.layers.Dense(3, input_dim=5), tf_keras.layers.Dense(2)])
    built = tf_keras.Sequential([tf_keras.layers.Dense(4), tf_keras.layers.Dense(2)])
    built.build((None, 7))
    batch = tf_keras.Sequential([tf_keras.layers.Dense(4, batch_input_shape=(None, 6))])
    for model in (first, built, batch):
        assert_matches_keras(model)
    # Older layouts have no InputLayer: the first layer carries batch_input_shape, or (as older
    # tf.keras wrote for a model built with build()) the model its build_input_shape.
    for model in (first, built):
        config = json.loads(model.to_json())
        layers = config["config"]["layers"]
        config["config"]["layers"] = [e for e in layers if e["class_name"] != "InputLayer"]
        if model is built:
            with pytest.raises(paramcount.ParamcountError, match="no input shape"):
                paramcount.count(config)
            config["config"]["build_input_shape"] = [None, 7]
        assert paramcount.count(config).total == model.count_params()


def test_lambda_without_output_shape_uses_recorded_shape():
    keras.backend.clear_session()
    inp = keras.Input((6,))
    x = keras.layers.Lambda(lambda t: t[:, :2])(inp)
    model = keras.Model(inp, keras.layers.Dense(3)(x))
    assert_matches_keras(model)
    lam = paramcount.count(model).layers[1]
    assert lam.output_shape == (None, 2) and "not run" in lam.notes[0]
    # Without the recorded shapes there is nothing to go on: a clear error, not a guess.
    config = strip_recorded_shapes(strip_build_config(json.loads(model.to_json())))
    with pytest.raises(paramcount.ParamcountError, match="Lambda has no output_shape"):
        paramcount.count(config)


def test_unknown_op_uses_recorded_shape():
    keras.backend.clear_session()
    inp = keras.Input((4, 6))
    x = keras.ops.logaddexp(inp, inp)  # no shape rule in paramcount
    model = keras.Model(inp, keras.layers.Dense(3)(x))
    assert_matches_keras(model)
    assert keras_facts(model)["total"] == 21


def weightless_layers(k):
    L = k.layers
    image = (8, 10, 3)
    cases = [
        ((5, 6), L.Dropout(0.2)), ((5, 6), L.SpatialDropout1D(0.2)), ((5, 6), L.GaussianNoise(0.1)),
        ((5, 6), L.GaussianDropout(0.1)), ((5, 6), L.AlphaDropout(0.1)), ((5, 6), L.Masking()),
        ((5, 6), L.ActivityRegularization()), ((5, 6), L.Flatten()), ((5, 6), L.Reshape((3, -1))),
        ((5, 6), L.Permute((2, 1))), ((6,), L.RepeatVector(4)), (image, L.Rescaling(0.5)),
        (image, L.Resizing(4, 5)), (image, L.CenterCrop(4, 5)), (image, L.RandomCrop(4, 5)),
        (image, L.RandomFlip()), (image, L.RandomRotation(0.1)), (image, L.RandomZoom(0.1)),
        (image, L.Flatten(data_format="channels_first")), ((1,), L.CategoryEncoding(7, "one_hot")),
        ((3,), L.CategoryEncoding(7, "count")),
    ]
    if k is keras:
        cases += [((5, 6), L.Identity()), (image, L.SpatialDropout2D(0.1)),
                  ((3,), L.CategoryEncoding(7, "one_hot")), ((3,), L.Hashing(9)),
                  ((3,), L.Hashing(9, output_mode="multi_hot")),
                  ((3,), L.Discretization(bin_boundaries=[0.0, 1.0])),
                  ((1,), L.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")),
                  ((3, 2), L.Discretization(bin_boundaries=[0.0], output_mode="count")),
                  ((3,), L.IntegerLookup(vocabulary=[1, 2, 3], output_mode="multi_hot")),
                  ((1,), L.IntegerLookup(vocabulary=[4, 5], output_mode="one_hot"))]
    return cases


def merge_cases(k):
    L = k.layers
    return [
        ([(5, 6), (5, 6)], L.Add()), ([(5, 6), (1, 6)], L.Multiply()),
        ([(5, 6), (5, 6), (5, 6)], L.Average()), ([(5, 6), (5, 6)], L.Subtract()),
        ([(5, 6), (5, 6)], L.Maximum()), ([(5, 6), (5, 6)], L.Minimum()),
        ([(5, 6), (5, 2)], L.Concatenate()), ([(5, 6), (3, 6)], L.Concatenate(axis=1)),
        ([(5, 6), (7, 6)], L.Dot(axes=(2, 2))), ([(6,), (6,)], L.Dot(axes=1)),
        ([(5, 6), (5, 4)], L.Dot(axes=1, normalize=True)),
    ]


@pytest.mark.parametrize("k_name", ["keras", "tf_keras"])
def test_weightless_layer_shapes(k_name):
    """Every weightless layer passes on the shape Keras computes: a Dense after each proves it."""
    k = keras if k_name == "keras" else tf_keras
    k.backend.clear_session()
    cases = [([shape], layer) for shape, layer in weightless_layers(k)] + merge_cases(k)
    inputs, outputs = [], []
    for i, (shapes, layer) in enumerate(cases):
        ins = [k.Input(shape) for shape in shapes]
        inputs += ins
        out = layer(ins if len(ins) > 1 else ins[0])
        outputs.append(k.layers.Dense(2, name=f"probe_{i}")(k.layers.Flatten()(out)
                                                           if len(out.shape) > 4 else out))
    model = k.Model(inputs, outputs)
    assert_matches_keras(model)
    counted = {layer.name: layer for layer in paramcount.count(model).layers}
    for layer in model.layers:
        if type(layer).__name__ not in ("InputLayer", "Dense"):
            assert counted[layer.name].output_shape == tuple(layer.output.shape), layer.name


def test_text_layers_count_zero():
    keras.backend.clear_session()
    inp = keras.Input((1,), dtype="string")
    vectorize = keras.layers.TextVectorization(max_tokens=20, output_sequence_length=7,
                                               vocabulary=["a", "b", "c"])
    hot = keras.layers.TextVectorization(output_mode="multi_hot", vocabulary=["a", "b"])
    lookup = keras.layers.StringLookup(vocabulary=["a", "b"], output_mode="one_hot")
    x = keras.layers.Embedding(20, 4)(vectorize(inp))
    model = keras.Model(inp, [x, keras.layers.Dense(2)(hot(inp)),
                              keras.layers.Dense(3)(lookup(inp))])
    assert_matches_keras(model)
    counted = {layer.name: layer for layer in paramcount.count(model).layers}
    for layer in (vectorize, hot, lookup):
        assert counted[layer.name].params == 0
        assert counted[layer.name].output_shape == tuple(layer.output.shape)


def keras3_layouts():
    L = keras.layers
    built = keras.Sequential([L.Dense(4), L.Dense(2)])
    built.build((None, 7))
    yield "Sequential built with build()", built
    yield "Sequential with input_shape=", keras.Sequential([L.Dense(4, input_shape=(5,)), L.Dense(2)])
    a, b = keras.Input((3,), name="a"), keras.Input((4,), name="b")
    yield "dict inputs and outputs", keras.Model(
        {"a": a, "b": b}, {"y": L.Dense(2)(L.Concatenate()([a, b])), "z": L.Dense(1)(b)})
    i = keras.Input((6,))
    two_heads = keras.Model(i, [L.Dense(2)(i), L.Dense(3)(i)])
    x = keras.Input((6,))
    yield "nested model with two outputs", keras.Model(x, L.Concatenate()(two_heads(x)))
    yield "Sequential inside Sequential", keras.Sequential(
        [keras.Input((6,)), keras.Sequential([L.Dense(5), L.Dense(3)]), L.Dense(1)])
    i = keras.Input((6,))
    inner = keras.Model(i, L.Dense(2)(i))
    x, y = keras.Input((6,)), keras.Input((6,))
    yield "nested model called twice", keras.Model([x, y], L.Add()([inner(x), inner(y)]))
    b, a = keras.Input((4,), name="b"), keras.Input((3,), name="a")
    named = keras.Model({"b": b, "a": a}, L.Concatenate()([L.Dense(2)(a), L.Dense(5)(b)]))
    x, y = keras.Input((3,)), keras.Input((4,))
    yield "nested model called with a dict", keras.Model([x, y], L.Dense(1)(named({"a": x, "b": y})))


@pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")
def test_keras3_layouts():
    keras.backend.clear_session()
    for label, model in keras3_layouts():
        try:
            assert_matches_keras(model)
        except AssertionError as e:
            raise AssertionError(f"{label}: {e}") from None


@pytest.mark.parametrize("k_name", ["keras", "tf_keras"])
def test_encoder_decoder_initial_state(k_name):
    """The classic seq2seq: states passed on are inputs of the call, but shape no weights."""
    k = keras if k_name == "keras" else tf_keras
    k.backend.clear_session()
    encoder_in = k.Input((None, 7))
    _, h, c = k.layers.LSTM(8, return_state=True)(encoder_in)
    decoder_in = k.Input((None, 5))
    decoded = k.layers.LSTM(8, return_sequences=True)(decoder_in, initial_state=[h, c])
    assert_matches_keras(k.Model([encoder_in, decoder_in], k.layers.Dense(5)(decoded)))


def test_tf_keras_lambda_without_output_shape():
    """tf-keras records no tensor shapes; the next layer's build_config is the fallback."""
    tf_keras.backend.clear_session()
    inp = tf_keras.Input((6,))
    x = tf_keras.layers.Lambda(lambda t: t[:, :2])(inp)
    model = tf_keras.Model(inp, tf_keras.layers.Dense(3)(x))
    config = json.loads(model.to_json())
    assert paramcount.count(config).total == model.count_params() == 9
    with pytest.raises(paramcount.ParamcountError, match="Lambda has no output_shape"):
        paramcount.count(strip_build_config(config))
    # An output_shape given as a function is code too: not run, the same fallback.
    x = tf_keras.layers.Lambda(lambda t: t[:, :2], output_shape=lambda s: (s[0], 2))(inp)
    model = tf_keras.Model(inp, tf_keras.layers.Dense(3)(x))
    assert paramcount.count(json.loads(model.to_json())).total == 9


def test_op_without_rule_or_recorded_shape_is_a_clear_error():
    keras.backend.clear_session()
    inp = keras.Input((4, 6))
    model = keras.Model(inp, keras.layers.Dense(3)(keras.ops.logaddexp(inp, inp)))
    config = strip_recorded_shapes(strip_build_config(json.loads(model.to_json())))
    with pytest.raises(paramcount.ParamcountError, match="no shape rule for the op 'Logaddexp'"):
        paramcount.count(config)


def test_keras1_input_dim_layout():
    """Keras 1 configs carry only input_dim (and input_length) on the first layer."""
    tf_keras.backend.clear_session()
    for first in (tf_keras.layers.LSTM(4, input_dim=3, input_length=7),
                  tf_keras.layers.Dense(5, input_dim=6)):
        model = tf_keras.Sequential([first, tf_keras.layers.Dense(2)])
        config = json.loads(model.to_json())
        layers = [e for e in config["config"]["layers"] if e["class_name"] != "InputLayer"]
        layers[0]["config"].pop("batch_input_shape")
        layers[0]["config"].update(input_dim=first.input_shape[-1],
                                   input_length=first.input_shape[1] if first.input_shape[1:-1]
                                   else None)
        config["config"]["layers"] = layers
        assert paramcount.count(config).total == model.count_params()
    # An Embedding's input_dim is its vocabulary, not an input shape.
    model = tf_keras.Sequential([tf_keras.layers.Embedding(100, 4), tf_keras.layers.Dense(2)])
    config = json.loads(model.to_json())
    assert paramcount.count(config).total == model.count_params()
    layers = [e for e in config["config"]["layers"] if e["class_name"] != "InputLayer"]
    layers[0]["config"].pop("batch_input_shape")
    config["config"]["layers"] = layers
    with pytest.raises(paramcount.ParamcountError, match="no input shape"):
        paramcount.count(config)
