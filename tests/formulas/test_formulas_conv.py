"""Convolutions, pooling and the spatial padding/cropping/upsampling layers: random chains built
in real Keras (3 and tf-keras 2) must count, name and shape exactly as paramcount does.

Each chain is built one layer at a time. When Keras refuses a layer on the shape it is given
(a kernel larger than the input, groups that do not divide the channels, ...), paramcount must
refuse the same layer with a ParamcountError; the chain then goes on without it. So the tests
check both the numbers and that paramcount errs exactly where Keras does.
"""

import inspect
import json

import pytest
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st

from keras_compare import assert_matches_keras, assert_output_shapes_match, strip_build_config
from paramcount import ParamcountError, count, explain_layer
from paramcount.formulas.apply import count_layer
from paramcount.formulas.registry import REGISTRY, load_formulas

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

SETTINGS = settings(max_examples=8, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --- drawing random layers ----------------------------------------------------------------------

def _tuple(data, n, low, high):
    """An int, or a tuple of n ints: Keras accepts both."""
    if data.draw(st.booleans()):
        return data.draw(st.integers(low, high))
    return tuple(data.draw(st.integers(low, high)) for _ in range(n))


def _window(data, n, padding=("valid", "same"), dilated_strides=False):
    """kernel-like options: strides > 1 and dilation > 1 only together where Keras allows it
    (it refuses them when the layer is made, before any config exists)."""
    options = {"strides": _tuple(data, n, 1, 3), "padding": data.draw(st.sampled_from(padding))}
    strides = options["strides"]
    if dilated_strides or (strides if isinstance(strides, int) else max(strides)) == 1:
        options["dilation_rate"] = _tuple(data, n, 1, 2)
    return options


def _channels(shape, first):
    return shape[1] if first else shape[-1]


KINDS = ["Conv", "ConvTranspose", "DepthwiseConv", "SeparableConv", "Pooling", "AdaptivePooling",
         "ZeroPadding", "Cropping", "UpSampling"]


def kinds_for(n, keras3):
    """The layer kinds that exist with n spatial axes (adaptive pooling is Keras 3 only)."""
    return [kind for kind in KINDS if not (kind in ("DepthwiseConv", "SeparableConv") and n == 3)
            and (keras3 or kind != "AdaptivePooling")]


def random_layer(data, K, n, shape, first, keras3, kind=None):
    """One random spatial layer for an input of ``shape`` (batch axis included)."""
    L = K.layers
    kind = kind or data.draw(st.sampled_from(kinds_for(n, keras3)))
    kw = {}
    if kind == "Conv":
        c = _channels(shape, first)
        groups = data.draw(st.sampled_from([g for g in (1, 2, 3) if c % g == 0]
                                           + [2]))  # sometimes not a divisor: Keras refuses
        kw = dict(filters=groups * data.draw(st.integers(1, 4)), kernel_size=_tuple(data, n, 1, 4),
                  groups=groups, use_bias=data.draw(st.booleans()),
                  **_window(data, n, ("valid", "same", "causal") if n == 1 else ("valid", "same")))
        if keras3 and data.draw(st.booleans()):
            kw["lora_rank"] = data.draw(st.integers(1, 3))
        cls = getattr(L, f"Conv{n}D")
    elif kind == "ConvTranspose":
        kw = dict(filters=data.draw(st.integers(1, 6)), kernel_size=_tuple(data, n, 1, 4),
                  use_bias=data.draw(st.booleans()), **_window(data, n))
        strides = kw["strides"] if isinstance(kw["strides"], tuple) else (kw["strides"],) * n
        if data.draw(st.booleans()):
            kw["output_padding"] = tuple(data.draw(st.integers(0, s - 1)) for s in strides)
        cls = getattr(L, f"Conv{n}DTranspose")
    elif kind == "DepthwiseConv":
        kw = dict(kernel_size=_tuple(data, n, 1, 4), depth_multiplier=data.draw(st.integers(1, 3)),
                  use_bias=data.draw(st.booleans()), **_window(data, n, dilated_strides=keras3))
        cls = getattr(L, f"DepthwiseConv{n}D")
    elif kind == "SeparableConv":
        kw = dict(filters=data.draw(st.integers(1, 6)), kernel_size=_tuple(data, n, 1, 4),
                  depth_multiplier=data.draw(st.integers(1, 3)), use_bias=data.draw(st.booleans()),
                  **_window(data, n, dilated_strides=keras3))
        cls = getattr(L, f"SeparableConv{n}D")
    elif kind == "Pooling":
        kw = dict(pool_size=_tuple(data, n, 1, 3), padding=data.draw(st.sampled_from(["valid", "same"])))
        if data.draw(st.booleans()):
            kw["strides"] = _tuple(data, n, 1, 3)
        cls = getattr(L, data.draw(st.sampled_from([f"MaxPooling{n}D", f"AveragePooling{n}D"])))
    elif kind == "AdaptivePooling":
        kw = dict(output_size=_tuple(data, n, 1, 3))
        cls = getattr(L, data.draw(st.sampled_from([f"AdaptiveMaxPooling{n}D",
                                                    f"AdaptiveAveragePooling{n}D"])))
    elif kind == "ZeroPadding":
        form = data.draw(st.sampled_from(["int", "per axis", "pairs"]))
        pad = data.draw(st.integers(0, 2)) if form == "int" else tuple(
            data.draw(st.integers(0, 2)) if form == "per axis" or n == 1
            else (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in range(
                2 if n == 1 else n))
        kw = dict(padding=pad)
        cls = getattr(L, f"ZeroPadding{n}D")
    elif kind == "Cropping":
        crop = tuple((data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
                     for _ in range(n))
        kw = dict(cropping=crop[0] if n == 1 else crop)
        cls = getattr(L, f"Cropping{n}D")
    else:
        kw = dict(size=data.draw(st.integers(1, 2)) if n == 1 else _tuple(data, n, 1, 2))
        cls = getattr(L, f"UpSampling{n}D")
    if "data_format" in inspect.signature(cls.__init__).parameters:
        kw["data_format"] = "channels_first" if first else "channels_last"
    return cls(**kw)


def _shape(tensor):
    return tuple(None if d is None else int(d) for d in tensor.shape)


def apply_or_agree_to_refuse(layer, x, keras3):
    """Call ``layer`` on ``x`` in Keras; if Keras refuses, paramcount must refuse too."""
    try:
        return layer(x)
    except (ValueError, TypeError) as keras_error:
        config = json.loads(json.dumps(layer.get_config(), default=list))
        with pytest.raises(ParamcountError):
            count_layer(type(layer).__name__, config, [_shape(x)], where="test",
                        keras_version=3 if keras3 else 2)
        print("both refuse:", type(layer).__name__, keras_error)
        return None


def random_chain(data, K, keras3, kind):
    """Input → a layer of ``kind`` → 0 to 2 random spatial layers → pooling or Flatten → Dense."""
    n = data.draw(st.sampled_from([n for n in (1, 2, 3) if kind in kinds_for(n, keras3)]),
                  label="spatial axes")
    first = data.draw(st.booleans(), label="channels_first")
    # Unknown lengths only in Keras 3: tf-keras' static shapes lose even the channels of some
    # dilated channels_first convolutions over an unknown length, and then Dense refuses them.
    spatial = [data.draw(st.one_of(st.integers(4, 12), st.none()) if i == 0 and n == 1 and keras3
                         else st.integers(4, 10)) for i in range(n)]
    channels = data.draw(st.integers(1, 6), label="channels")
    inp = K.Input((channels, *spatial) if first else (*spatial, channels))
    x = inp
    kinds = [kind] + [None] * data.draw(st.integers(0, 2), label="more layers")
    for this in kinds:
        layer = random_layer(data, K, n, _shape(x), first, keras3, this)
        if not keras3 and type(layer).__name__ == "Cropping3D" and any(
                size is not None and size <= sum(crop)
                for size, crop in zip(_shape(x)[2:] if first else _shape(x)[1:-1], layer.cropping)):
            reject()  # tf-keras leaves a 0-sized axis here, which paramcount refuses outright
        y = apply_or_agree_to_refuse(layer, x, keras3)
        if not keras3 and y is not None and 0 in _shape(y)[1:]:
            reject()  # tf-keras let a layer leave a 0-sized axis (a transposed or depthwise
            # convolution too large for it), and then its pooling fails on it: no model to compare
        x = x if y is None else y
    if None not in _shape(x)[1:] and data.draw(st.booleans()):
        x = K.layers.Flatten()(x)
    else:
        pool = data.draw(st.sampled_from(["GlobalAveragePooling", "GlobalMaxPooling"]))
        pool = getattr(K.layers, f"{pool}{n}D")(
            data_format="channels_first" if first else "channels_last",
            keepdims=data.draw(st.booleans()))
        x = K.layers.Flatten()(pool(x))
    x = K.layers.Dense(3)(x)
    return K.Model(inp, x)


def assert_shapes_match(model, keras3):
    """Every layer's output shape as paramcount carries it equals the one Keras computed."""
    counted = {layer.name: layer for layer in count(json.loads(model.to_json())).layers}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        if keras3:
            out = layer.output
            want = [_shape(t) for t in out] if isinstance(out, (list, tuple)) else _shape(out)
        else:
            want = layer.output_shape
            want = [tuple(s) for s in want] if isinstance(want, list) else tuple(want)
        got = counted[layer.name].output_shape
        assert got == want, f"{layer.name}: paramcount {got} != Keras {want}"


# --- the property tests --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@SETTINGS
@given(data=st.data())
def test_conv_chains_keras3(kind, data):
    keras.backend.clear_session()
    model = random_chain(data, keras, True, kind)
    assert_matches_keras(model)
    assert_shapes_match(model, keras3=True)


@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind != "AdaptivePooling"])
@SETTINGS
@given(data=st.data())
def test_conv_chains_tf_keras(kind, data):
    tf_keras.backend.clear_session()
    model = random_chain(data, tf_keras, False, kind)
    assert_matches_keras(model)
    assert_shapes_match(model, keras3=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_output_shapes_with_unknown_sizes_keras3(data):
    """Any spatial size may be None: the layer's own compute_output_shape is the oracle (no
    model is built, so many configurations are cheap to try)."""
    n = data.draw(st.integers(1, 3))
    first = data.draw(st.booleans())
    spatial = [data.draw(st.one_of(st.none(), st.integers(1, 9))) for _ in range(n)]
    channels = data.draw(st.integers(1, 6))
    shape = (None, channels, *spatial) if first else (None, *spatial, channels)
    layer = random_layer(data, keras, n, shape, first, keras3=True)
    config = json.loads(json.dumps(layer.get_config(), default=list))
    try:
        want = tuple(layer.compute_output_shape(shape))
    except ValueError:
        want = None
    try:
        got = count_layer(type(layer).__name__, config, [shape], where="test").output_shape
    except ParamcountError:
        # paramcount refuses: so must Keras, when it computes the shape or builds the weights.
        if want is not None:
            with pytest.raises(ValueError):
                layer.build(shape)
        event("both refuse")
        return
    assert want is not None, f"Keras refuses {type(layer).__name__} on {shape}, paramcount not"
    assert got == want
    event("same shape")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.booleans(), st.integers(1, 5), st.integers(1, 4), st.integers(1, 3),
       st.booleans(), st.booleans(), st.booleans(), st.sampled_from(["valid", "same"]),
       st.booleans(), st.integers(1, 2))
def test_conv_lstm(n, first, c, f, k, use_bias, return_sequences, return_state, padding,
                   tf2, stride):
    K = tf_keras if tf2 else keras
    K.backend.clear_session()
    spatial = (5, 6, 4)[:n]
    steps = 3
    inp = K.Input((steps, c, *spatial) if first else (steps, *spatial, c))
    layer = getattr(K.layers, f"ConvLSTM{n}D")(
        f, k, strides=stride, padding=padding, use_bias=use_bias,
        data_format="channels_first" if first else "channels_last",
        return_sequences=return_sequences, return_state=return_state)
    out = layer(inp)
    outputs = list(out) if return_state else [out]
    pool = getattr(K.layers, f"GlobalAveragePooling{n}D")(
        data_format="channels_first" if first else "channels_last")
    if return_state:  # the last hidden state: one frame
        pooled = pool(outputs[1])
    elif return_sequences:  # every step's frame
        pooled = K.layers.Flatten()(K.layers.TimeDistributed(pool)(outputs[0]))
    else:
        pooled = pool(outputs[0])
    model = K.Model(inp, [*outputs, K.layers.Dense(2)(pooled)])
    assert_matches_keras(model)
    assert_shapes_match(model, keras3=not tf2)


def test_class_name_aliases_load_in_keras_and_count_the_same():
    """Configs may name a layer by an alias Keras also accepts (Convolution2D, MaxPool2D...)."""
    keras.backend.clear_session()
    L = keras.layers
    model = keras.Sequential([keras.Input((12, 12, 3)), L.Convolution2D(4, 3),
                              L.MaxPool2D(), L.SeparableConvolution2D(5, 2),
                              L.Convolution2DTranspose(2, 2), L.GlobalAvgPool2D(), L.Dense(2)])
    config = json.loads(model.to_json())
    renames = {"Conv2D": "Convolution2D", "MaxPooling2D": "MaxPool2D",
               "SeparableConv2D": "SeparableConvolution2D",
               "Conv2DTranspose": "Convolution2DTranspose",
               "GlobalAveragePooling2D": "GlobalAvgPool2D"}
    for entry in config["config"]["layers"]:
        entry["class_name"] = renames.get(entry["class_name"], entry["class_name"])
    assert {e["class_name"] for e in config["config"]["layers"]} >= set(renames.values())
    reloaded = keras.models.model_from_json(json.dumps(config))
    assert count(strip_build_config(config)).total == reloaded.count_params() \
        == model.count_params()


# --- what the formulas say -----------------------------------------------------------------------

@pytest.mark.parametrize("code, shape, formula", [
    ("Conv2D(32, 3)", (28, 28, 1), "k_1·k_2·c·f + f"),
    ("Conv2D(8, 3, groups=4)", (9, 9, 8), "(k_1·k_2·c·f)/g + f"),
    ("Conv1D(8, 3, use_bias=False)", (None, 5), "k·c·f"),
    ("DepthwiseConv2D(3, depth_multiplier=2)", (10, 10, 3), "k_1·k_2·c·d + c·d"),
    ("SeparableConv2D(16, 3)", (10, 10, 3), "k_1·k_2·c·d + c·d·f + f"),
    ("Conv2DTranspose(8, 3)", (7, 7, 4), "k_1·k_2·f·c + f"),
    ("ConvLSTM2D(8, 3)", (5, 10, 10, 3), "4·f·(k_1·k_2·(c + f) + 1)"),
])
def test_formula_text_and_value_agree_with_keras(code, shape, formula):
    """The closed form is the one the formula page shows, and its value is Keras' count."""
    counted = explain_layer(code, input_shape=shape)
    assert counted.formula == formula
    keras.backend.clear_session()
    built = eval(code, dict(vars(keras.layers)))  # the test codes above, run as Keras code
    built.build((None, *shape))
    assert counted.params == built.count_params()
    assert counted.expr.value == counted.params


def test_channels_first_reads_channels_from_axis_1():
    first = explain_layer("Conv2D(4, 3, data_format='channels_first')", input_shape=(3, 10, 12))
    last = explain_layer("Conv2D(4, 3)", input_shape=(3, 10, 12))
    assert [s.value for s in first.symbols if s.name == "c"] == [3]
    assert [s.value for s in last.symbols if s.name == "c"] == [12]
    assert first.output_shape == (None, 4, 8, 10)


# --- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, shape, message", [
    ("Conv2D(-4, 3)", (8, 8, 3), "'filters' must be a positive integer"),
    ("Conv2D(0, 3)", (8, 8, 3), "'filters' must be a positive integer"),
    ("Conv2D(4, 0)", (8, 8, 3), "'kernel_size'"),
    ("Conv2D(4, (3, 0))", (8, 8, 3), "'kernel_size'"),
    ("Conv1D(4, 2.5)", (8, 3), "'kernel_size'"),
    ("Conv2D(4, 3, groups=2)", (8, 8, 3), "not divisible by groups=2"),
    ("Conv2D(3, 3, groups=2)", (8, 8, 4), "filters=3 is not divisible by groups=2"),
    ("Conv2D(4, 3, groups=0)", (8, 8, 4), "'groups' must be a positive integer"),
    ("Conv2D(4, 5)", (4, 8, 3), "does not fit"),
    ("Conv2D(4, 3, strides=2, dilation_rate=2)", (8, 8, 3), "dilation_rate"),
    ("Conv2D(4, 3, padding='causal')", (8, 8, 3), "'padding'"),
    ("Conv2D(4, 3)", (8, 8, None), "input channels"),
    ("Conv2D(4, 3, data_format='channels_first')", (None, 8, 8), "input channels"),
    ("Conv2D(4, 3, data_format='NHWC')", (8, 8, 3), "'data_format'"),
    ("Conv2D(4, 3)", (8, 3), "rank 4"),
    ("Conv2DTranspose(4, 3, strides=2, output_padding=2)", (8, 8, 3), "output_padding"),
    ("DepthwiseConv2D(3, depth_multiplier=0)", (8, 8, 3), "'depth_multiplier'"),
    ("SeparableConv1D(4, 3, padding='causal')", (8, 3), "'padding'"),
    ("ConvLSTM2D(4, 3)", (5, None, 8, 3), "spatial size"),
    ("MaxPooling2D(5)", (4, 8, 3), "does not fit"),
    ("MaxPooling2D(0)", (4, 8, 3), "'pool_size'"),
    ("Cropping1D((3, 3))", (6, 3), "leaves nothing"),
    ("ZeroPadding2D(-1)", (6, 6, 3), "'padding'"),
    ("UpSampling2D(0)", (6, 6, 3), "'size'"),
])
def test_bad_configs_are_refused(code, shape, message):
    with pytest.raises(ParamcountError, match=message.replace("(", r"\(").replace(")", r"\)")):
        explain_layer(code, input_shape=shape)


# --- Sequential models and wrappers, as the public questions write them ---------------------------

@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 8), st.integers(1, 4), st.integers(8, 16), st.integers(1, 3),
       st.sampled_from(["MaxPooling2D", "AveragePooling2D"]), st.booleans())
def test_keras2_sequential_cnn_with_input_shape_on_first_layer(f, k, size, c, pool, tf2):
    """The MNIST-style CNN of many questions: Conv2D(input_shape=...) → pool → Flatten → Dense."""
    K = tf_keras if tf2 else keras
    K.backend.clear_session()
    L = K.layers
    first = L.Conv2D(f, k, input_shape=(size, size, c)) if tf2 else L.Conv2D(f, k)
    layers = [first] if tf2 else [K.Input((size, size, c)), first]
    model = K.Sequential([*layers, getattr(L, pool)(2), L.Conv2D(2 * f, 1, padding="same"),
                          L.Flatten(), L.Dense(3)])
    assert_matches_keras(model)
    assert_shapes_match(model, keras3=not tf2)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 6), st.integers(1, 3), st.integers(1, 4), st.booleans(), st.booleans())
def test_time_distributed_convolution(f, k, c, first, tf2):
    K = tf_keras if tf2 else keras
    K.backend.clear_session()
    L = K.layers
    data_format = "channels_first" if first else "channels_last"
    inp = K.Input((4, c, 9, 9) if first else (4, 9, 9, c))
    x = L.TimeDistributed(L.Conv2D(f, k, data_format=data_format))(inp)
    x = L.TimeDistributed(L.MaxPooling2D(data_format=data_format))(x)
    x = L.TimeDistributed(L.GlobalAveragePooling2D(data_format=data_format))(x)
    model = K.Model(inp, L.Dense(2)(x))
    assert_matches_keras(model)
    assert_shapes_match(model, keras3=not tf2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 2), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2),
       st.integers(5, 9), st.sampled_from([1, 2, 3]), st.booleans(), st.booleans(), st.booleans())
def test_locally_connected_tf_keras(n, f, k, c, stride, size, implementation, same, first,
                                    use_bias):
    """tf-keras' LocallyConnected: one kernel and one bias per output position."""
    tf_keras.backend.clear_session()
    L = tf_keras.layers
    padding = "same" if same and implementation != 1 else "valid"
    spatial = (size, size + 1)[:n]
    inp = tf_keras.Input((c, *spatial) if first else (*spatial, c))
    layer = getattr(L, f"LocallyConnected{n}D")(
        f, k, strides=stride, padding=padding, implementation=implementation, use_bias=use_bias,
        data_format="channels_first" if first else "channels_last")
    model = tf_keras.Model(inp, L.Dense(2)(L.Flatten()(layer(inp))))
    assert_matches_keras(model)
    assert_shapes_match(model, keras3=False)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.integers(1, 2), st.integers(1, 4), st.integers(1, 3), st.booleans(),
       st.sampled_from(["valid", "same", "causal"]))
def test_tf_keras_conv_takes_extra_leading_axes_as_batch(n, extra, f, c, first, padding):
    """tf-keras' Conv1D on (batch, a, steps, c) convolves each row; Keras 3 refuses the input."""
    tf_keras.backend.clear_session()
    padding = padding if n == 1 else "same"
    shape = (*(3,) * extra, *((c, *(6,) * n) if first else (*(6,) * n, c)))
    inp = tf_keras.Input(shape)
    conv = getattr(tf_keras.layers, f"Conv{n}D")(
        f, 2, padding=padding, data_format="channels_first" if first else "channels_last")
    model = tf_keras.Model(inp, tf_keras.layers.Dense(2)(conv(inp)))
    assert_matches_keras(model)
    assert_shapes_match(model, keras3=False)
    with pytest.raises(ParamcountError, match="rank"):
        count_layer(f"Conv{n}D", conv.get_config(), [(None, *shape)], where="Keras 3")


load_formulas()
CONV = sorted(n for n, c in REGISTRY.items() if c.formula.__module__.endswith(".conv"))


@pytest.mark.parametrize("k_name", ["keras", "tf_keras"])
def test_every_conv_class_once(k_name):
    """Every class of conv.py (aliases included) the Keras at hand has, built once, whatever
    hypothesis draws in the tests above."""
    k = keras if k_name == "keras" else tf_keras
    k.backend.clear_session()
    inputs, outputs = [], []
    for name in CONV:
        cls = getattr(k.layers, name, None)
        if cls is None:  # LocallyConnected is tf-keras only
            continue
        n = int(next(ch for ch in name if ch.isdigit()))
        frames = (3,) if name.startswith("ConvLSTM") else ()
        inp = k.Input((*frames, *(5,) * n, 2))
        layer = cls(2) if name.startswith("Depthwise") else cls(2, 2)
        inputs.append(inp)
        outputs.append(k.layers.Dense(2)(layer(inp)))
    model = k.Model(inputs, outputs)
    assert_matches_keras(model)
    assert_output_shapes_match(model)

