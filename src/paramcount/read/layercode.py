"""Reading a layer written as Keras code, such as ``Bidirectional(LSTM(128))``, as data.

The text is parsed with :mod:`ast` and only literals and layer calls are accepted: nothing is
ever evaluated, so pasting code here is safe.

>>> print(parse_layer("layers.Dense(20, use_bias=False)"))
#> {'class_name': 'Dense', 'config': {'units': 20, 'use_bias': False, 'name': 'dense'}}
>>> print(parse_shape("(28, 28)"))
#> (None, 28, 28)
"""

from __future__ import annotations

import ast
import re

from ..errors import ParamcountError, UnknownLayerError
from ..formulas.registry import REGISTRY, load_formulas
from ..safety import MAX_CODE_CHARS, ArgumentTypeError, check_size, contract

__all__ = ["parse_layer", "parse_shape", "parse_shapes"]

MAX_LAYER_NESTING = 32  # layers inside layers in pasted code; real code nests two or three

# Arguments whose value may be any call (an initializer, a regularizer...): none changes a count.
_OPAQUE = re.compile(r"(initializer|regularizer|constraint|activation|dtype|seed)$")


@contract
def parse_layer(code: str) -> dict:
    """A layer config (``{"class_name": ..., "config": {...}}``) from one layer's Keras code."""
    load_formulas()
    text = _text(code, "layer code").strip()
    if not text:
        raise ParamcountError("empty layer code: write a layer such as LSTM(128)")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        column = f" at column {e.offset}" if e.offset else ""
        raise ParamcountError(f"cannot read layer code{column}: {e.msg}") from None
    except (ValueError, RecursionError, MemoryError):  # a NUL byte; nesting the parser refuses
        raise ParamcountError("cannot read layer code: it is not one layer call such as "
                              "LSTM(128)") from None
    node = tree.body
    if not isinstance(node, ast.Call):
        raise ParamcountError("layer code must be a call such as LSTM(128), "
                              f"got {ast.unparse(node)!r}")
    return _layer(node)


# Packages whose layers are registered under their own prefix: a config names KerasHub's
# TransformerEncoder "keras_hub>TransformerEncoder".
_PACKAGES = ("keras_hub",)


def _class_name(func: ast.expr) -> str:
    """The registered class a call names. keras.layers.LSTM, layers.LSTM, tf.keras.layers.LSTM
    and LSTM all name LSTM; keras_hub.layers.X names keras_hub>X, and so does a bare X that only
    KerasHub has (TransformerEncoder)."""
    node = func
    while isinstance(node, ast.Attribute):
        node = node.value
    if not isinstance(node, ast.Name):
        raise ParamcountError(f"cannot read {ast.unparse(func)!r} as a layer class")
    name = func.attr if isinstance(func, ast.Attribute) else func.id
    packages = [node.id] if node.id in _PACKAGES and node is not func else \
        [] if name in REGISTRY else list(_PACKAGES)
    return next((f"{p}>{name}" for p in packages if f"{p}>{name}" in REGISTRY), name)


def _layer(call: ast.Call, depth: int = 1) -> dict:
    class_name = _class_name(call.func)
    if depth > MAX_LAYER_NESTING:
        raise ParamcountError(f"layers nested more than {MAX_LAYER_NESTING} deep; paramcount reads "
                              "wrappers a few levels deep, such as Bidirectional(LSTM(8))")
    if class_name not in REGISTRY:
        # Imported only for a typo, and late: by then `python -m paramcount.cli` has taken the
        # current directory off sys.path, so a difflib.py there is never run.
        import difflib

        names = {n.rpartition(">")[2] for n in REGISTRY}
        close = difflib.get_close_matches(class_name.rpartition(">")[2], names, n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UnknownLayerError(f"unknown layer '{class_name}'{hint}", class_name)
    positional = REGISTRY[class_name].args
    if len(call.args) > len(positional):
        raise ParamcountError(f"{class_name}: too many positional arguments "
                              f"(it takes {len(positional)}: {', '.join(positional) or 'none'})")
    config: dict = {}
    for key, value in zip(positional, call.args):
        config[key] = _value(value, key, class_name, depth)
    for keyword in call.keywords:
        if keyword.arg is None:
            raise ParamcountError(f"{class_name}: **kwargs cannot be read")
        if keyword.arg in config:
            raise ParamcountError(f"{class_name}: '{keyword.arg}' given twice")
        config[keyword.arg] = _value(keyword.value, keyword.arg, class_name, depth)
    config.setdefault("name", _snake_case(class_name.rpartition(">")[2]))
    return {"class_name": class_name, "config": config}


def _value(node: ast.expr, key: str, class_name: str, depth: int):
    if isinstance(node, ast.Call):
        if _OPAQUE.search(key):
            return ast.unparse(node)  # kept as text: it does not change any count
        return _layer(node, depth + 1)
    if isinstance(node, (ast.Tuple, ast.List)):
        return [_value(e, key, class_name, depth) for e in node.elts]
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise ParamcountError(f"{class_name}: cannot read {key}={ast.unparse(node)} "
                              "(only numbers, strings, True/False/None, tuples and layers)") from None
    if isinstance(value, int):
        check_size(value, class_name, f"number in {key}")
    return value


def _text(value, what: str, field: str | None = None) -> str:
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{what} must be a str, got {type(value).__name__}")
    if len(value) > MAX_CODE_CHARS:
        raise ParamcountError(f"{what} is {len(value):,} characters long; paramcount reads at "
                              f"most {MAX_CODE_CHARS:,}", field=field)
    return value


@contract
def parse_shape(text: str) -> tuple:
    """An input shape without the batch axis, e.g. ``"(28, 28)"``; returns it with the batch axis.

    ``None`` stands for a size that may vary (timesteps, usually).
    """
    shapes = parse_shapes(text)
    if len(shapes) != 1:
        raise _shape_error(f"expected one input shape, got {len(shapes)}")
    return shapes[0]


@contract
def parse_shapes(text: str) -> list[tuple]:
    """One input shape, or several for layers with several inputs: ``"[(10, 64), (20, 64)]"``
    (query and value of an attention layer). Each is returned with its batch axis."""
    raw = _text(text, "input shape", "input_shape").strip()
    if not raw:
        raise _shape_error("empty input shape: write one such as (28, 28)")
    try:
        value = ast.literal_eval(raw if raw[0] in "([" else f"({raw},)")
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise _shape_error(f"cannot read input shape {raw!r}: write it as a tuple "
                           "such as (28, 28) or (None, 8)") from None
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not value:
        raise _shape_error(f"input shape must be a non-empty tuple, got {raw!r}")
    if all(isinstance(v, (tuple, list)) for v in value):
        return [_one_shape(v, raw) for v in value]
    return [_one_shape(value, raw)]


def _one_shape(value, raw: str) -> tuple:
    if not value:
        raise _shape_error(f"input shape must be a non-empty tuple, got {raw!r}")
    for d in value:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int)):
            raise _shape_error(f"input shape sizes must be integers or None, got {d!r}")
        if d is not None and check_size(d, "input shape", field="input_shape") <= 0:
            raise _shape_error(f"input shape sizes must be positive, got {d}")
    return (None, *value)


def _shape_error(message: str) -> ParamcountError:
    return ParamcountError(message, field="input_shape")


def _snake_case(name: str) -> str:
    """The default name Keras gives a layer of this class (``BatchNormalization`` →
    ``batch_normalization``, ``Conv2D`` → ``conv2d``)."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
