"""EinsumDense (formulas/einsum.py): random equations built in real Keras (3 and tf-keras 2) must
count exactly as paramcount counts them, output shapes included; what Keras refuses is refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import paramcount
from keras_compare import KERAS_SETTINGS, assert_matches_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

SETTINGS = KERAS_SETTINGS


@st.composite
def einsum_case(draw, forms=("plain", "left", "right")):
    """A random EinsumDense call Keras accepts: (equation, output_shape, bias_axes, sample shape).

    Free axes pass from the input to the output, contracted axes meet the kernel, new axes come
    from the kernel; output_shape gives each output axis, or None for an axis the input fixes."""
    form = draw(st.sampled_from(forms))
    letters = iter("bcdefghijklmnopqrstuvwxyz")
    free = [next(letters) for _ in range(draw(st.integers(0, 2)))]
    contracted = [next(letters) for _ in range(draw(st.integers(1, 2)))]
    new = [next(letters) for _ in range(draw(st.integers(0 if free else 1, 2)))]
    sizes = {d: draw(st.integers(1, 5)) for d in free + contracted + new}
    in_kernel_free = [d for d in free if draw(st.booleans())]
    kernel = draw(st.permutations(contracted + in_kernel_free + new))
    extra = draw(st.lists(st.integers(1, 3), max_size=2)) if form != "plain" else []
    inputs = free + contracted
    output = free + new
    bias = draw(st.one_of(st.none(), st.lists(st.sampled_from(output), min_size=1,
                                                unique=True).map("".join)))
    # Keras 3 reads the sizes of the kernel's and the bias's letters from output_shape.
    known = set(new) | set(bias or "") | set(in_kernel_free)
    partial = [sizes[d] if d in known or draw(st.booleans()) else None for d in output]
    head, tail = ("...", "") if form == "left" else ("a", "...") if form == "right" else ("a", "")
    equation = f"{head}{''.join(inputs)}{tail},{''.join(kernel)}->{head}{''.join(output)}{tail}"
    if form == "left":
        shape = (*extra, *(sizes[d] for d in inputs))
    elif form == "right":
        shape = (*(sizes[d] for d in inputs), *extra)
    else:
        shape = tuple(sizes[d] for d in inputs)
    return equation, partial, bias, shape


@SETTINGS
@given(einsum_case(), st.one_of(st.none(), st.integers(1, 3)), st.booleans())
def test_einsum_dense(case, lora_rank, frozen):
    equation, partial, bias, shape = case
    keras.backend.clear_session()
    inp = keras.Input(shape)
    layer = keras.layers.EinsumDense(equation, output_shape=partial, bias_axes=bias,
                                     lora_rank=lora_rank)
    layer.trainable = not frozen
    x = layer(inp)
    if x.shape[-1] is not None:
        x = keras.layers.Dense(2)(x)
    assert_matches_keras(keras.Model(inp, x))
    # Keras 3 reports the output shape from output_shape, None kept as None.
    counted = paramcount.count(keras.Model(inp, layer.output))
    assert counted.layers[-1].output_shape == tuple(layer.output.shape)


@SETTINGS
@given(einsum_case(forms=("plain", "left")))
def test_einsum_dense_tf_keras(case):
    """tf-keras takes the output shape from the einsum itself: axes the input fixes are known
    even where output_shape says None. A second layer that contracts every axis sees them."""
    equation, partial, bias, shape = case
    tf_keras.backend.clear_session()
    inp = tf_keras.Input(shape)
    x = tf_keras.layers.EinsumDense(equation, output_shape=partial, bias_axes=bias)(inp)
    axes = "".join("klmnopqrstuvw"[:len(x.shape) - 1])
    if all(d is not None for d in x.shape[1:]):
        x = tf_keras.layers.EinsumDense(f"a{axes},{axes}z->az", output_shape=2, bias_axes="z")(x)
    assert_matches_keras(tf_keras.Model(inp, x))


@pytest.mark.parametrize("equation, output_shape, bias_axes, shape", [
    ("abc,cd->abd", (9, 6), "d", (6, 3)),  # output_shape contradicts the input on b
    ("abc,cd->abd", (None, 6), "z", (6, 3)),  # bias on an axis the output lacks
    ("abc,cde->abd", (None, 6), None, (6, 3)),  # kernel axis e in neither input nor output
    ("abc,cd->abd", (None, None), None, (6, 3)),  # kernel axis d of unknown size
    ("a-b,bc->ac", 4, None, (6,)),  # not an einsum equation
])
def test_einsum_dense_refused(equation, output_shape, bias_axes, shape):
    keras.backend.clear_session()
    inp = keras.Input(shape)
    with pytest.raises(Exception):  # noqa: B017 - Keras raises ValueError or IndexError
        keras.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes)(inp)
    code = f"EinsumDense({equation!r}, output_shape={output_shape!r}, bias_axes={bias_axes!r})"
    with pytest.raises(paramcount.ParamcountError):
        paramcount.explain_layer(code, input_shape=shape)


def test_einsum_dense_rank_mismatch():
    """A rank-2 equation on a rank-3 input: Keras 3 builds it from the equation alone (and
    paramcount counts it the same way); tf-keras runs the einsum and refuses, as paramcount
    does for a Keras 2 config."""
    keras.backend.clear_session()
    inp = keras.Input((6, 3))
    assert_matches_keras(keras.Model(inp, keras.layers.EinsumDense("ab,bc->ac", 4)(inp)))
    tf_keras.backend.clear_session()
    inp = tf_keras.Input((6, 3))
    with pytest.raises(ValueError):
        tf_keras.layers.EinsumDense("ab,bc->ac", 4)(inp)
    model = tf_keras.Model(inp, tf_keras.layers.EinsumDense("abc,cd->abd", (None, 4))(inp))
    config = model.to_json().replace("abc,cd->abd", "ab,bc->ac").replace("[null, 4]", "4")
    with pytest.raises(paramcount.ParamcountError, match="rank 2"):
        paramcount.count(config)
