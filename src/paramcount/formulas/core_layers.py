"""Layers without weights: they count 0, but their output shapes feed the next layer's formula.

Each output shape follows the layer's ``compute_output_shape`` in Keras, so a ``Flatten`` or a
``Concatenate`` in front of a ``Dense`` gives that ``Dense`` the right number of input features.
"""

from __future__ import annotations

from math import prod

from .base import MERGING, WEIGHTLESS, Ctx, Spec, format_shape, layer

# Layers whose output has the shape of their input.
_SAME_SHAPE = (
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
    "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Masking", "Identity",
    "Rescaling",
    "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
    "RandomBrightness", "AutoContrast", "Solarization", "RandomSharpness", "RandomShear",
    "RandomInvert", "RandomPosterization", "RandomHue", "RandomSaturation", "RandomGaussianBlur",
    "RandomColorDegeneration", "Equalization",
)


@layer(*_SAME_SHAPE, hides=WEIGHTLESS)
def same_shape(ctx: Ctx) -> Spec:
    return Spec(output_shape=ctx.input_shape)


@layer("Flatten", args=("data_format",), hides=WEIGHTLESS)
def flatten(ctx: Ctx) -> Spec:
    batch, *rest = ctx.input_shape
    flat = 1 if not rest else None if None in rest else prod(rest)
    return Spec(output_shape=(batch, flat))


@layer("Reshape", args=("target_shape",), hides=WEIGHTLESS)
def reshape(ctx: Ctx) -> Spec:
    target = ctx.option("target_shape")
    if not isinstance(target, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) and (d > 0 or d == -1) for d in target):
        raise ctx.error(f"'target_shape' must be a tuple of positive sizes (one may be -1), "
                        f"got {target!r}")
    return Spec(output_shape=(ctx.input_shape[0], *resolve_reshape(ctx, ctx.input_shape[1:],
                                                                   tuple(target))))


def resolve_reshape(ctx: Ctx, shape: tuple, target: tuple) -> tuple:
    """``target`` with its -1 worked out from ``shape``, as Keras' reshape does (None if unknown)."""
    if target.count(-1) > 1:
        raise ctx.error(f"only one size may be -1 in {target}")
    if None in shape or None in target:
        return tuple(None if d == -1 else d for d in target)
    size, known = prod(shape), prod(d for d in target if d != -1)
    if -1 not in target:
        if size != known:
            raise ctx.error(f"cannot reshape {format_shape(shape)} ({size:,} values) into "
                            f"{format_shape(target)} ({known:,} values)")
        return target
    if known == 0 or size % known:
        raise ctx.error(f"cannot reshape {format_shape(shape)} ({size:,} values) into "
                        f"{format_shape(target)}")
    return tuple(size // known if d == -1 else d for d in target)


@layer("Permute", args=("dims",), hides=WEIGHTLESS)
def permute(ctx: Ctx) -> Spec:
    dims = ctx.option("dims")
    rank = len(ctx.input_shape) - 1
    if not isinstance(dims, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) for d in dims) \
            or sorted(dims) != list(range(1, rank + 1)):
        raise ctx.error(f"'dims' must order the axes 1..{rank}, got {dims!r}")
    return Spec(output_shape=(ctx.input_shape[0], *(ctx.input_shape[d] for d in dims)))


@layer("RepeatVector", args=("n",), hides=WEIGHTLESS)
def repeat_vector(ctx: Ctx) -> Spec:
    ctx.rank(2)
    batch, features = ctx.input_shape
    return Spec(output_shape=(batch, ctx.integer("n"), features))


@layer("Lambda", args=("function", "output_shape"), hides=WEIGHTLESS)
def lambda_layer(ctx: Ctx) -> Spec:
    notes = ["the Lambda's code is not run: the count assumes it creates no weights"]
    declared = ctx.option("output_shape", None)
    raw = ctx.option("output_shape_type", "raw") == "raw"  # tf-keras marks functions
    shape = _lambda_shape(declared, ctx.input_shapes[0][0]) if raw and declared else None
    # None: unknown here; the graph takes the shape Keras recorded where the output is used.
    return Spec(output_shape=shape, notes=notes)


def _lambda_shape(declared, batch):
    """``output_shape`` given as a shape (or a list of shapes), or None if it is a function."""
    if isinstance(declared, (list, tuple)) and all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
            for d in declared):
        return (batch, *declared)
    if isinstance(declared, (list, tuple)) and declared and all(
            isinstance(d, (list, tuple)) for d in declared):
        shapes = [_lambda_shape(d, batch) for d in declared]
        return None if None in shapes else shapes
    return None


# --- merging ------------------------------------------------------------------------------

def broadcast(ctx: Ctx, a: tuple, b: tuple) -> tuple:
    """Two shapes broadcast against each other, aligned on the right, as merge layers do."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[:len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1:
            out.append(j if i == 1 else i)
        elif i != j:
            raise ctx.error(f"inputs of shapes {format_shape(a)} and {format_shape(b)} cannot "
                            "be combined element-wise")
        else:
            out.append(i)
    return tuple(out)


@layer("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", hides=MERGING)
def elementwise_merge(ctx: Ctx) -> Spec:
    shapes = ctx.input_shapes
    if ctx.class_name == "Subtract" and len(shapes) != 2:
        raise ctx.error(f"takes exactly 2 inputs, got {len(shapes)}")
    if not shapes:
        raise ctx.error("needs a list of inputs")
    out = shapes[0][1:]
    for shape in shapes[1:]:
        out = broadcast(ctx, out, shape[1:])
    batches = {s[0] for s in shapes} - {None}
    return Spec(output_shape=(batches.pop() if len(batches) == 1 else None, *out))


@layer("Concatenate", args=("axis",), hides=MERGING)
def concatenate(ctx: Ctx) -> Spec:
    shapes = ctx.input_shapes
    axis = ctx.integer("axis", -1, minimum=-99)
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes) or not -rank <= axis < rank:
        raise ctx.error(f"cannot concatenate shapes {format_shape(list(shapes))} on axis {axis}")
    out = list(shapes[0])
    sizes = [s[axis] for s in shapes]
    out[axis] = None if None in sizes else sum(sizes)
    return Spec(output_shape=tuple(out))


@layer("Dot", args=("axes", "normalize"), hides=MERGING)
def dot(ctx: Ctx) -> Spec:
    if len(ctx.input_shapes) != 2:
        raise ctx.error(f"takes exactly 2 inputs, got {len(ctx.input_shapes)}")
    a, b = (list(s) for s in ctx.input_shapes)
    axes = ctx.option("axes")
    if isinstance(axes, int) and not isinstance(axes, bool):
        axes = [axes, axes]
    if not (isinstance(axes, (list, tuple)) and len(axes) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in axes)):
        raise ctx.error(f"'axes' must be an integer or two integers, got {axes!r}")
    for axis, shape in zip(axes, (a, b)):
        if not -len(shape) <= axis < len(shape):
            raise ctx.error(f"axis {axis} is out of range for an input of rank {len(shape)}")
    axes = [axis % len(shape) for axis, shape in zip(axes, (a, b))]  # as Keras: negative from the end
    if a[axes[0]] is not None and b[axes[1]] is not None and a[axes[0]] != b[axes[1]]:
        raise ctx.error(f"axis sizes differ: {a[axes[0]]} and {b[axes[1]]}")
    a.pop(axes[0])
    b.pop(axes[1])
    out = a + b[1:]
    return Spec(output_shape=tuple(out + [1] if len(out) == 1 else out))


# --- preprocessing --------------------------------------------------------------------------

def _image_axes(ctx: Ctx) -> tuple[int, int]:
    channels_first = ctx.choice("data_format", ("channels_last", "channels_first", None),
                                "channels_last") == "channels_first"
    rank = len(ctx.input_shape)
    if rank not in (3, 4):
        raise ctx.shape_error(f"expects images of rank 4 (batch, height, width, channels), got "
                        f"{format_shape(ctx.input_shape)}")
    # As in Keras, a rank-3 input is one unbatched image.
    first = (2 if channels_first else 1) if rank == 4 else (1 if channels_first else 0)
    return first, first + 1


@layer("Resizing", "CenterCrop", "RandomCrop", args=("height", "width"), hides=WEIGHTLESS)
def resize(ctx: Ctx) -> Spec:
    h_axis, w_axis = _image_axes(ctx)
    out = list(ctx.input_shape)
    out[h_axis], out[w_axis] = ctx.integer("height"), ctx.integer("width")
    return Spec(output_shape=tuple(out))


def _encoded(ctx: Ctx, mode: str, depth: int) -> tuple:
    shape = tuple(ctx.input_shape)
    if mode == "one_hot":
        return (*shape[:-1], depth) if len(shape) > 1 and shape[-1] == 1 else (*shape, depth)
    return (*shape[:-1], depth)


_LOOKUP_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


@layer("StringLookup", "IntegerLookup", args=("max_tokens", "num_oov_indices", "mask_token"),
       hides=WEIGHTLESS)
def lookup(ctx: Ctx) -> Spec:
    notes = ["the vocabulary is a lookup table, not a weight: Keras counts 0 parameters"]
    mode = ctx.choice("output_mode", _LOOKUP_MODES, "int")
    if mode == "int" or ctx.flag("invert", False):
        return Spec(output_shape=ctx.input_shape, notes=notes)
    return Spec(output_shape=_encoded(ctx, mode, _vocabulary_depth(ctx)), notes=notes)


def _vocabulary_depth(ctx: Ctx) -> int:
    if ctx.flag("pad_to_max_tokens", False):
        return ctx.integer("max_tokens")
    size = ctx.option("vocabulary_size", None)
    if size is None:
        raise ctx.error("the output width is the vocabulary size, which this config does not "
                        "record (adapt the layer or give a vocabulary before saving)")
    return ctx.integer("vocabulary_size")


@layer("TextVectorization", args=("max_tokens",), hides=WEIGHTLESS)
def text_vectorization(ctx: Ctx) -> Spec:
    notes = ["the vocabulary is a lookup table, not a weight: Keras counts 0 parameters"]
    mode = ctx.choice("output_mode", _LOOKUP_MODES, "int")
    if mode == "tf_idf" and ctx.keras_version == 2:
        notes.append("tf-keras keeps the IDF weights as a weight of unknown length (None,), "
                     "which count_params() counts as 0")
    if mode == "int":
        length = ctx.option("output_sequence_length", None)
        length = None if length is None else ctx.integer("output_sequence_length")
        return Spec(output_shape=(ctx.input_shape[0], length), notes=notes)
    shape = tuple(ctx.input_shape)
    if ctx.option("split", "whitespace") is None:
        shape = (*shape, 1) if len(shape) <= 1 else shape
    else:
        shape = (*shape, None)
    depth = _vocabulary_depth(ctx)
    if mode == "one_hot":
        out = (*shape[:-1], depth) if len(shape) > 1 and shape[-1] == 1 else (*shape, depth)
    else:
        out = (*shape[:-1], depth)
    return Spec(output_shape=out, notes=notes)


@layer("Hashing", args=("num_bins", "mask_value", "salt", "output_mode"), hides=WEIGHTLESS)
def hashing(ctx: Ctx) -> Spec:
    bins = ctx.integer("num_bins")
    if ctx.choice("output_mode", ("int", "one_hot", "multi_hot", "count"), "int") == "int":
        return Spec(output_shape=ctx.input_shape)
    return Spec(output_shape=(*ctx.input_shape[:-1], bins))


@layer("CategoryEncoding", args=("num_tokens", "output_mode"), hides=WEIGHTLESS)
def category_encoding(ctx: Ctx) -> Spec:
    tokens = ctx.integer("num_tokens")
    mode = ctx.choice("output_mode", ("one_hot", "multi_hot", "count"), "multi_hot")
    return Spec(output_shape=_encoded(ctx, mode, tokens))


@layer("Discretization", args=("bin_boundaries", "num_bins"), hides=WEIGHTLESS)
def discretization(ctx: Ctx) -> Spec:
    mode = ctx.choice("output_mode", ("int", "one_hot", "multi_hot", "count"), "int")
    if mode == "int":
        return Spec(output_shape=ctx.input_shape)
    if ctx.keras_version == 2:
        raise ctx.error(f"output_mode={mode!r} is read for Keras 3 configs only")
    boundaries = ctx.option("bin_boundaries", None)
    if isinstance(boundaries, list):
        depth = len(boundaries) + 1
    else:
        depth = ctx.integer("num_bins")
    shape = tuple(ctx.input_shape)
    if mode == "one_hot":
        return Spec(output_shape=_encoded(ctx, mode, depth))
    # Keras 3 drops the second axis here, as its eager call does.
    return Spec(output_shape=(shape[0], *shape[2:], depth) if len(shape) >= 2 else (depth,))
