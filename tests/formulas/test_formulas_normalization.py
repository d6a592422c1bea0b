"""BatchNormalization, LayerNormalization, GroupNormalization, RMSNormalization, Normalization,
SpectralNormalization and UnitNormalization (formulas/normalization.py): random configs built in
real Keras (3 and tf-keras 2) must count exactly as paramcount counts them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import paramcount
from keras_compare import KERAS_SETTINGS, assert_matches_keras, sample_shape, shape_and_axes

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

SETTINGS = KERAS_SETTINGS
@SETTINGS
@given(shape_and_axes(), st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_batch_normalization(shape_axes, center, scale, renorm, frozen):
    shape, axes = shape_axes
    axis = axes[0]  # Keras 3 normalizes one axis
    keras.backend.clear_session()
    inp = keras.Input(shape)
    layer = keras.layers.BatchNormalization(axis=axis, center=center, scale=scale, renorm=renorm)
    layer.trainable = not frozen
    x = keras.layers.Dense(3)(layer(inp))
    assert_matches_keras(keras.Model(inp, x))


@SETTINGS
@given(shape_and_axes(), st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_layer_and_rms_normalization(shape_axes, center, scale, rms_scaling, as_list):
    shape, axes = shape_axes
    axis = axes if as_list or len(axes) > 1 else axes[0]
    keras.backend.clear_session()
    inp = keras.Input(shape)
    x = keras.layers.LayerNormalization(axis=axis, center=center, scale=scale,
                                        rms_scaling=rms_scaling)(inp)
    x = keras.layers.RMSNormalization(axis=axis)(x)
    assert_matches_keras(keras.Model(inp, x))


@SETTINGS
@given(sample_shape, st.integers(1, 4), st.integers(1, 3), st.booleans(), st.booleans(),
       st.booleans())
def test_group_normalization(shape, groups, per_group, center, scale, all_groups):
    keras.backend.clear_session()
    inp = keras.Input((*shape, groups * per_group))
    x = keras.layers.GroupNormalization(groups=-1 if all_groups else groups, center=center,
                                        scale=scale)(inp)
    x = keras.layers.UnitNormalization()(x)
    assert_matches_keras(keras.Model(inp, x))


@SETTINGS
@given(shape_and_axes(), st.sampled_from(["given", "list", "none", "int"]), st.booleans())
def test_normalization(shape_axes, axis_form, with_stats):
    shape, axes = shape_axes
    axis = {"given": axes, "list": axes, "none": None, "int": axes[0]}[axis_form]
    stats = {"mean": 1.5, "variance": 2.0} if with_stats else {}
    keras.backend.clear_session()
    inp = keras.Input(shape)
    x = keras.layers.Normalization(axis=axis, **stats)(inp)
    assert_matches_keras(keras.Model(inp, x))


@SETTINGS
@given(sample_shape, st.integers(1, 9), st.booleans(), st.booleans(), st.integers(2, 12))
def test_spectral_normalization(shape, units, use_bias, frozen, vocabulary):
    keras.backend.clear_session()
    inp = keras.Input(shape)
    wrapped = keras.layers.SpectralNormalization(keras.layers.Dense(units, use_bias=use_bias))
    wrapped.trainable = not frozen
    x = wrapped(inp)
    tokens = keras.Input((4,), dtype="int32")
    y = keras.layers.SpectralNormalization(keras.layers.Embedding(vocabulary, units))(tokens)
    assert_matches_keras(keras.Model([inp, tokens], [x, y]))


@SETTINGS
@given(shape_and_axes(), st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_normalizations_tf_keras(shape_axes, renorm, virtual, share, center):
    """tf-keras takes several BatchNormalization axes (then the weights keep the input's rank,
    with 1 on the other axes), virtual batches, and keeps LayerNormalization's axis order."""
    shape, axes = shape_axes
    layers = tf_keras.layers
    tf_keras.backend.clear_session()
    inp = tf_keras.Input(shape)
    bn = layers.BatchNormalization(axis=axes, renorm=renorm, center=center,
                                   virtual_batch_size=2 if virtual else None)
    x = layers.LayerNormalization(axis=axes, center=center)(bn(inp))
    positive = [a % (len(shape) + 1) for a in axes]
    x = layers.PReLU(shared_axes=positive if share else None)(x)
    x = layers.Normalization(axis=axes[0])(x)
    x = layers.ThresholdedReLU()(layers.LeakyReLU()(x))
    x = layers.UnitNormalization()(x)
    g = layers.GroupNormalization(groups=2)(layers.Dense(4)(x))
    g = layers.experimental.SyncBatchNormalization(center=center)(g)  # tf-keras' old alias
    assert_matches_keras(tf_keras.Model(inp, [x, g]))


_LEGACY_SPECTRAL = """
import sys
sys.path.insert(0, {tests!r})
import tf_keras
from keras_compare import KERAS_SETTINGS, assert_matches_keras
for units, use_bias in [(5, True), (2, False)]:
    x = tf_keras.Input((4, 3))
    layer = tf_keras.layers.SpectralNormalization(tf_keras.layers.Dense(units, use_bias=use_bias))
    assert_matches_keras(tf_keras.Model(x, layer(x)))
print("matched")
"""


def test_spectral_normalization_tf_keras():
    """tf-keras' SpectralNormalization builds only when tf.keras is tf-keras (it asks
    tf.keras for its InputSpec), so it runs in a process with TF_USE_LEGACY_KERAS=1."""
    tests = str(Path(__file__).parents[1])  # where keras_compare lives
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", _LEGACY_SPECTRAL.format(tests=tests)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "matched" in done.stdout, done.stderr[-3000:]


# --- what Keras refuses, paramcount refuses -------------------------------------------------------

@pytest.mark.parametrize("code, shape, keras_layer", [
    ("GroupNormalization(groups=4)", (6,), lambda: keras.layers.GroupNormalization(groups=4)),
    ("GroupNormalization(groups=8)", (6,), lambda: keras.layers.GroupNormalization(groups=8)),
    ("LayerNormalization(axis=3)", (5, 6), lambda: keras.layers.LayerNormalization(axis=3)),
    ("BatchNormalization(axis=1)", (None, 6), lambda: keras.layers.BatchNormalization(axis=1)),
    ("PReLU()", (None, 6), lambda: keras.layers.PReLU()),
    ("Normalization(axis=1)", (None, 6), lambda: keras.layers.Normalization(axis=1)),
])
def test_bad_sizes_are_refused(code, shape, keras_layer):
    keras.backend.clear_session()
    with pytest.raises(Exception):  # noqa: B017 - Keras raises ValueError or IndexError
        keras.Model(inp := keras.Input(shape), keras_layer()(inp))
    with pytest.raises(paramcount.ParamcountError):
        paramcount.explain_layer(code, input_shape=shape)


def test_bad_config_values_are_refused():
    for code in ("BatchNormalization(center='yes')", "GroupNormalization(groups=0)",
                 "BatchNormalization(axis=[1, 2])", "LayerNormalization(axis=[1, 5])",
                 "PReLU(shared_axes=[5])", "Normalization(mean=1.0)"):
        with pytest.raises(paramcount.ParamcountError):
            paramcount.explain_layer(code, input_shape=(4, 5))


def test_batch_normalization_explained():
    """4·c: two trainable vectors and two non-trainable moving statistics, as Keras counts."""
    keras.backend.clear_session()
    layer = keras.layers.BatchNormalization()
    layer.build((None, 8, 8, 16))
    trainable = sum(int(w.shape.num_elements() if hasattr(w.shape, "num_elements")
                        else __import__("math").prod(w.shape)) for w in layer.trainable_weights)
    counted = paramcount.explain_layer("BatchNormalization()", input_shape=(8, 8, 16))
    assert (counted.params, counted.trainable) == (layer.count_params(), trainable)
    assert counted.formula == "4·c" and [s.value for s in counted.symbols] == [16]
