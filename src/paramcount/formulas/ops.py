"""Tensor operations inside functional graphs: ``x + y``, ``ops.concatenate``, ``tf.reshape``...

Keras 3 records them as graph nodes that are not layers (module ``keras.src.ops.*``); tf-keras
wraps them in ``TFOpLambda`` / ``SlicingOpLambda`` layers. Neither ever holds a weight, but their
output shapes reach the layers after them, so the common ones are worked out here, following
Keras' own ``compute_output_spec``. An op without a rule returns ``None``: the graph then uses the
shape Keras recorded where the op's output is consumed, or reports that it cannot tell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from math import prod

from ..records import record
from ..safety import MAX_OUTPUTS
from .base import Ctx, Hidden, Spec, layer

__all__ = ["Tensor", "op_output_shape", "op_name", "OP_MODULES"]

OP_MODULES = ("keras.src.ops", "keras.ops")


@record(frozen=True)
class Tensor:
    """A tensor passed to an op, known by its shape (batch axis first)."""

    shape: tuple


class _Unknown(Exception):
    """The rule cannot tell the shape; fall back on what Keras recorded."""


Rule = Callable[[list, dict], "tuple | list[tuple]"]
_RULES: dict[str, Rule] = {}

# tf-keras names ops by the TensorFlow function ("math.reduce_mean", "__operators__.add").
_ALIASES = {
    "concat": "concatenate", "reduce_mean": "mean", "reduce_sum": "sum", "reduce_max": "max",
    "reduce_min": "min", "reduce_prod": "prod", "reduce_std": "std", "reduce_variance": "var",
    "reduce_any": "any", "reduce_all": "all", "reduce_logsumexp": "logsumexp",
    "getitem": "get_item", "truediv": "divide", "floordiv": "floor_divide", "pow": "power",
    "abs": "absolute", "neg": "negative", "multiply_no_nan": "multiply", "squared_difference":
    "subtract", "add_n": "add_list", "sub": "subtract", "mul": "multiply", "div": "divide",
    "div_no_nan": "divide", "floormod": "mod",
}


def op_name(class_name: str, function: str | None = None) -> str:
    """The rule name of a Keras 3 op class (``ExpandDims``) or a tf-keras function
    (``math.reduce_mean``)."""
    if function is not None:
        name = function.rsplit(".", 1)[-1]
    else:
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()
    return _ALIASES.get(name, name)


def op_output_shape(name: str, args: list, params: dict, version: int):
    """The output shape(s) of op ``name`` called with ``args`` (``Tensor`` for tensors) and
    ``params`` (its config and keyword arguments), or None when there is no rule for it."""
    rule = _RULES.get(name)
    if rule is None:
        return None
    try:
        return rule(args, {**params, "__version__": version})
    except (_Unknown, KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
        return None


def _rule(*names: str):
    def register(fn: Rule) -> Rule:
        for name in names:
            _RULES[name] = fn
        return fn

    return register


def _tensors(value) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def _shape_of(value) -> tuple:
    if isinstance(value, Tensor):
        return value.shape
    if isinstance(value, (int, float, bool)):
        return ()
    raise _Unknown


def _first(args: list, params: dict) -> tuple:
    found = _tensors(args) or _tensors(params)
    if not found:
        raise _Unknown
    return found[0].shape


def _axis(axis: int, rank: int) -> int:
    if not isinstance(axis, int) or not -rank <= axis < rank:
        raise _Unknown
    return axis % rank


# --- same shape as the input ---------------------------------------------------------------

_UNARY = """
relu relu6 sigmoid tanh softmax log_softmax softplus softsign silu swish gelu elu selu celu glu
leaky_relu hard_sigmoid hard_silu hard_swish hard_tanh sparse_plus sparsemax log_sigmoid mish
squareplus tanh_shrink soft_shrink hard_shrink threshold
absolute sqrt rsqrt exp expm1 log log1p log2 log10 negative square reciprocal sign floor ceil
round rint trunc sin cos tan arcsin arccos arctan sinh cosh arcsinh arccosh arctanh erf erfinv
logical_not isnan isinf isfinite conj real imag nan_to_num clip cast ones_like zeros_like
full_like copy stop_gradient identity flip roll sort l2_normalize normalize cumsum cumprod
convert_to_tensor dropout bitwise_invert
""".split()
_RULES.update({name: _first for name in _UNARY})


# --- element-wise on several tensors, with broadcasting -----------------------------------

def broadcast_shapes(a: tuple, b: tuple) -> tuple:
    """NumPy broadcasting with unknown sizes, as ``keras.ops`` does it."""
    a, b = list(a), list(b)
    a = [1] * (len(b) - len(a)) + a
    b = [1] * (len(a) - len(b)) + b
    out = []
    for i, j in zip(a, b):
        if i == 1:
            out.append(j)
        elif i is None:
            out.append(None if j == 1 else j)
        elif j in (1, None, i):
            out.append(i)
        else:
            raise _Unknown
    return tuple(out)


@_rule("add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "power", "maximum",
       "minimum", "greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
       "logical_and", "logical_or", "logical_xor", "mod", "arctan2", "hypot", "where",
       "bitwise_and", "bitwise_or", "bitwise_xor", "add_list")
def _elementwise(args: list, params: dict) -> tuple:
    operands = list(args)
    for key in ("y", "x2", "x1", "x", "condition", "x3"):
        if key in params and params[key] is not None:
            operands.append(params[key])
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):  # add_n([a, b, c])
        operands = list(operands[0])
    shapes = [_shape_of(v) for v in operands if v is not None]
    if not shapes or not _tensors(operands):
        raise _Unknown
    out = shapes[0]
    for s in shapes[1:]:
        out = broadcast_shapes(out, s)
    return out


# --- reductions ---------------------------------------------------------------------------

@_rule("mean", "sum", "max", "min", "prod", "std", "var", "any", "all", "logsumexp", "amax",
       "amin", "median", "count_nonzero", "norm")
def _reduce(args: list, params: dict) -> tuple:
    shape = _first(args, params)
    axis = params.get("axis", args[1] if len(args) > 1 else None)
    keepdims = bool(params.get("keepdims", params.get("keepdim", False)))
    return reduce_shape(shape, axis, keepdims)


@_rule("argmax", "argmin")
def _arg_reduce(args: list, params: dict) -> tuple:
    shape = _first(args, params)
    axis = params.get("axis")
    if axis is None and params["__version__"] == 2:
        axis = 0  # tf.math.argmax reduces axis 0 by default
    return reduce_shape(shape, axis, bool(params.get("keepdims", False)))


def reduce_shape(shape: tuple, axis, keepdims: bool) -> tuple:
    if axis is None:
        return (1,) * len(shape) if keepdims else ()
    axes = {_axis(a, len(shape)) for a in (axis if isinstance(axis, (list, tuple)) else [axis])}
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


# --- shapes -------------------------------------------------------------------------------

@_rule("reshape")
def _reshape(args: list, params: dict) -> tuple:
    shape = _first(args, params)
    target = params.get("newshape", params.get("shape", args[1] if len(args) > 1 else None))
    if not isinstance(target, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) for d in target):
        raise _Unknown
    target = tuple(target)
    if target.count(-1) > 1:
        raise _Unknown
    if None in shape:
        return tuple(None if d == -1 else d for d in target)
    size, known = prod(shape), prod(d for d in target if d != -1)
    if -1 not in target:
        if size != known:
            raise _Unknown
        return target
    if known == 0 or size % known:
        raise _Unknown
    return tuple(size // known if d == -1 else d for d in target)


@_rule("transpose")
def _transpose(args: list, params: dict) -> tuple:
    shape = _first(args, params)
    axes = params.get("axes", params.get("perm", args[1] if len(args) > 1 else None))
    if axes is None:
        return tuple(reversed(shape))
    if sorted(_axis(a, len(shape)) for a in axes) != list(range(len(shape))):
        raise _Unknown
    return tuple(shape[a] for a in axes)


@_rule("expand_dims")
def _expand_dims(args: list, params: dict) -> tuple:
    shape = list(_first(args, params))
    axis = params.get("axis", args[1] if len(args) > 1 else None)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    rank = len(shape) + len(axes)
    where = {_axis(a, rank) for a in axes}
    rest = iter(shape)
    return tuple(1 if i in where else next(rest) for i in range(rank))


@_rule("squeeze")
def _squeeze(args: list, params: dict) -> tuple:
    shape = _first(args, params)
    axis = params.get("axis")
    if axis is None:
        if None in shape:
            raise _Unknown
        return tuple(d for d in shape if d != 1)
    axes = {_axis(a, len(shape)) for a in (axis if isinstance(axis, (list, tuple)) else [axis])}
    if any(shape[a] not in (1, None) for a in axes):
        raise _Unknown
    return tuple(d for i, d in enumerate(shape) if i not in axes)


@_rule("concatenate")
def _concatenate(args: list, params: dict) -> tuple:
    shapes = [t.shape for t in _tensors(args[0] if args else params.get("values"))]
    axis = params.get("axis", 0)
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise _Unknown
    axis = _axis(axis, rank)
    sizes = [s[axis] for s in shapes]
    out = list(shapes[0])
    for s in shapes[1:]:  # the other axes: a known size wins over None
        out = [o if o is not None else d if i != axis else o for i, (o, d) in enumerate(zip(out, s))]
    out[axis] = None if None in sizes else sum(sizes)
    return tuple(out)


@_rule("stack")
def _stack(args: list, params: dict) -> tuple:
    shapes = [t.shape for t in _tensors(args[0] if args else params.get("values"))]
    axis = _axis(params.get("axis", 0), len(shapes[0]) + 1)
    out = list(shapes[0])
    out.insert(axis, len(shapes))
    return tuple(out)


@_rule("split")
def _split(args: list, params: dict) -> list:
    shape = _first(args, params)
    sections = params.get("indices_or_sections", params.get("num_or_size_splits"))
    axis = _axis(params.get("axis", 0), len(shape))
    size = shape[axis]
    if isinstance(sections, int):
        if size is not None and size % sections or not 0 < sections <= MAX_OUTPUTS:
            # Too many parts to list: the shapes recorded where they are used stand in.
            raise _Unknown
        parts = [None if size is None else size // sections] * sections
    elif len(sections) > MAX_OUTPUTS:
        raise _Unknown
    elif params["__version__"] == 2:  # tf.split: a list of sizes
        parts = list(sections)
    else:  # ops.split: a list of indices
        bounds = [0, *sections, size]
        if None in bounds:
            raise _Unknown
        parts = [b - a for a, b in zip(bounds, bounds[1:])]
    return [tuple(p if i == axis else d for i, d in enumerate(shape)) for p in parts]


@_rule("tile")
def _tile(args: list, params: dict) -> tuple:
    shape = _first(args, params)
    reps = params.get("repeats", params.get("multiples", args[1] if len(args) > 1 else None))
    reps = [reps] if isinstance(reps, int) else list(reps)
    shape = [1] * (len(reps) - len(shape)) + list(shape)
    reps = [1] * (len(shape) - len(reps)) + reps
    return tuple(None if d is None else d * r for d, r in zip(shape, reps))


@_rule("pad")
def _pad(args: list, params: dict) -> tuple:
    shape = _first(args, params)
    widths = params.get("pad_width", params.get("paddings"))
    if isinstance(widths, int):
        widths = [[widths, widths]] * len(shape)
    if len(widths) == 1 and len(shape) > 1:
        widths = list(widths) * len(shape)
    return tuple(None if d is None else d + sum(w) for d, w in zip(shape, widths))


@_rule("one_hot")
def _one_hot(args: list, params: dict) -> tuple:
    shape = list(_first(args, params))
    depth = params.get("num_classes", params.get("depth"))
    if not isinstance(depth, int):
        raise _Unknown
    axis = params.get("axis", -1)
    axis = len(shape) if axis == -1 else _axis(axis, len(shape) + 1)
    shape.insert(axis, depth)
    return tuple(shape)


@_rule("matmul")
def _matmul(args: list, params: dict) -> tuple:
    operands = list(args) + [params[k] for k in ("b", "y", "x2") if k in params]
    a, b = (list(_shape_of(v)) for v in operands[:2])
    if params.get("transpose_a"):
        a[-2:] = a[-1:-3:-1]
    if params.get("transpose_b"):
        b[-2:] = b[-1:-3:-1]
    if len(a) < 2 or len(b) < 2:
        raise _Unknown
    batch = broadcast_shapes(tuple(a[:-2]), tuple(b[:-2]))
    return (*batch, a[-2], b[-1])


@_rule("einsum")
def _einsum(args: list, params: dict) -> tuple:
    spec = params.get("subscripts", params.get("equation"))
    if not isinstance(spec, str) or "..." in spec or "->" not in spec:
        raise _Unknown
    inputs, output = spec.replace(" ", "").split("->")
    sizes: dict[str, int | None] = {}
    for letters, tensor in zip(inputs.split(","), _tensors(args)):
        if len(letters) != len(tensor.shape):
            raise _Unknown
        for letter, d in zip(letters, tensor.shape):
            if sizes.get(letter) is None:
                sizes[letter] = d
    return tuple(sizes[letter] for letter in output)


@_rule("get_item")
def _get_item(args: list, params: dict) -> tuple:
    shape = _first(args, params)
    key = params.get("slice_spec", args[1] if len(args) > 1 else None)
    key = list(key) if isinstance(key, list) else [key]
    items = [_slice_item(k) for k in key]
    if items.count("...") > 1:
        raise _Unknown
    consumed = sum(1 for k in items if k not in (None, "..."))
    if "..." in items:
        at = items.index("...")
        items[at:at + 1] = [slice(None)] * (len(shape) - consumed)
    items += [slice(None)] * (len(shape) - sum(1 for k in items if k is not None))
    out, dims = [], iter(shape)
    for k in items:
        if k is None:
            out.append(1)
            continue
        d = next(dims)
        if isinstance(k, slice):
            out.append(None if d is None else len(range(*k.indices(d))))
        elif not isinstance(k, int) or (d is not None and not -d <= k < d):
            raise _Unknown
    return tuple(out)


def _slice_item(k):
    """One entry of an index: Keras 3 writes ``{"class_name": "__slice__", ...}``, tf-keras a
    plain ``{"start": ..., "stop": ..., "step": ...}``."""
    if isinstance(k, dict):
        if k.get("class_name") == "__ellipsis__":
            return "..."
        config = k.get("config", k)
        if "start" in config or "stop" in config or "step" in config:
            parts = [config.get("start"), config.get("stop"), config.get("step")]
            if not all(p is None or isinstance(p, int) for p in parts):
                raise _Unknown
            return slice(*parts)
        raise _Unknown
    if k is Ellipsis or k == "...":
        return "..."
    if k is None or (isinstance(k, int) and not isinstance(k, bool)):
        return k
    raise _Unknown


# --- tf-keras: ops wrapped as layers, listed in model.layers with 0 parameters -------------

@layer("TFOpLambda", "SlicingOpLambda", hides=Hidden(
    solve=None, input="same", inputs=2, weightless=True,
    why="a TensorFlow op that tf-keras lists as a layer: it holds no weights"))
def tf_op_lambda(ctx: Ctx) -> Spec:
    # The graph works out these layers' shapes from the call (see graph.py); reached here, the
    # layer was met outside a functional graph, where its arguments are unknown.
    raise ctx.error(f"the TensorFlow op '{ctx.option('function', '?')}' can only be read "
                    "inside a functional model")
