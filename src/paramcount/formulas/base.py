"""How a formula is written: one function per layer class, registered by name.

A formula reads its symbols from the layer's config and input shape (through :class:`Ctx`), and
returns a :class:`Spec`: the weights Keras creates, as shapes over those symbols, the closed-form
count, and the output shape that the next layer will see. Everything else — the totals, the
derivation text, the LaTeX, the calculator — is rendered from that one definition.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ParamcountError
from ..expr import Expr, Sym, product
from ..records import field, record, replace
from ..result import LayerCount, Shape, format_shape
from ..safety import check_size

# Formula modules import everything they are written with from here.
from .registry import (
    KERNEL,
    MERGING,
    SEQUENCE_OUTPUT,
    STEP_KERNEL,
    USE_BIAS,
    WEIGHTLESS,
    WINDOW,
    Hidden,
    Setting,
    layer,
)

__all__ = ["Ctx", "Spec", "W", "layer", "format_shape", "with_lora", "Hidden", "Setting",
           "WEIGHTLESS", "MERGING", "USE_BIAS", "KERNEL", "STEP_KERNEL", "WINDOW", "SEQUENCE_OUTPUT"]


@record(frozen=True)
class W:
    """A weight as a formula sees it: its path inside the layer and its shape over symbols."""

    path: str
    shape: tuple[Expr | int, ...]
    trainable: bool = True
    dtype: str | None = None  # None: the layer's policy decides; else fixed (a quantized "int8")
    overwrite_with_gradient: bool = False  # float8's scales: written, not optimized (no slots)

    @property
    def size(self) -> Expr:
        return product(self.shape)


@record
class Spec:
    """What a formula returns for one layer."""

    weights: list[W] = field(default_factory=list)
    output_shape: Shape | list[Shape] | None = None
    formula: Expr | None = None  # closed form; defaults to the sum of the weights' sizes
    sublayers: list[LayerCount] = field(default_factory=list)  # wrapped layers, already counted
    prefix_sublayers: bool = True  # name sublayer weights "inner_name/kernel" (else just "kernel")
    notes: list[str] = field(default_factory=list)
    # False when trainable=False in the config does not reach the weights: Keras 3's
    # MultiHeadAttention creates its projections in build(), after the flag was applied.
    freezable: bool = True


_MISSING = object()


class Ctx:
    """A layer being counted: its config, its input shape(s), and helpers to read them safely."""

    def __init__(self, class_name: str, config: dict, input_shapes: list[Shape], *,
                 where: str, keras_version: int = 3, named_inputs: dict | None = None,
                 call_options: dict | None = None, symbol_suffix: str = "",
                 count_sublayer: Callable[..., LayerCount]):
        self.class_name = class_name
        # How a layer inside this one is counted (counting.count_sublayer, passed in so that
        # this module, which formulas import, does not import the counting it is used by).
        self._count_sublayer = count_sublayer
        self.config = config
        self.input_shapes = input_shapes
        # Inputs passed by keyword in a functional graph, e.g. {"value": (None, 8, 16)}.
        self.named_inputs = named_inputs or {}
        # The call's other keyword arguments, e.g. {"return_attention_scores": True}.
        self.call_options = call_options or {}
        self.symbols: list[Sym] = []  # in the order the formula introduced them
        self.where = where  # "layer 2 'lstm' (LSTM)", for error messages
        self.keras_version = keras_version
        # Appended to every symbol's name ("u_2"), when one formula sums several of the same kind.
        self.symbol_suffix = symbol_suffix

    # -- errors ---------------------------------------------------------------------------
    def error(self, message: str, field: str | None = None) -> ParamcountError:
        return ParamcountError(f"{self.where}: {message}", field=field)

    def shape_error(self, message: str) -> ParamcountError:
        """An error about the input's shape (the layer cannot take it), not about the config."""
        return self.error(message, field="input_shape")

    # -- the input ------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.config.get("name") or self.class_name.lower())

    @property
    def input_shape(self) -> Shape:
        """The single input's shape, batch axis first; an error for multi-input layers."""
        if len(self.input_shapes) != 1:
            raise self.error(f"expects one input, got {len(self.input_shapes)}")
        return self.input_shapes[0]

    def rank(self, minimum: int, maximum: int | None = None, shape: Shape | None = None) -> int:
        """The input's rank (batch axis included), checked against what the layer accepts."""
        shape = self.input_shape if shape is None else shape
        n = len(shape)
        maximum = minimum if maximum is None else maximum
        if not minimum <= n <= maximum:
            want = f"{minimum}" if minimum == maximum else f"{minimum} to {maximum}"
            raise self.shape_error(f"expects an input of rank {want} (batch axis included), "
                             f"got shape {format_shape(shape)}")
        return n

    def dim(self, axis: int, what: str, shape: Shape | None = None) -> int:
        """A known input dimension; the weights depend on it, so it may not be None."""
        shape = self.input_shape if shape is None else shape
        try:
            d = shape[axis]
        except IndexError:
            raise self.shape_error(f"input shape {format_shape(shape)} has no axis {axis}") from None
        if d is None:
            raise self.shape_error(f"the {what} (axis {axis} of input shape {format_shape(shape)}) "
                             "must be known to count the weights")
        return d

    def last_dim(self, what: str = "input features", shape: Shape | None = None) -> int:
        return self.dim(-1, what, shape)

    # -- the config -----------------------------------------------------------------------
    def option(self, key: str, default=_MISSING):
        if key in self.config:
            return self.config[key]
        if default is _MISSING:
            raise self.error(f"config has no '{key}'")
        return default

    def flag(self, key: str, default: bool) -> bool:
        value = self.option(key, default)
        if not isinstance(value, bool):
            raise self.error(f"'{key}' must be True or False, got {value!r}")
        return value

    def integer(self, key: str, default=_MISSING, minimum: int = 1) -> int:
        value = self.option(key, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            need = "a positive integer" if minimum == 1 else f"an integer ≥ {minimum}"
            raise self.error(f"'{key}' must be {need}, got {value!r}")
        return check_size(value, self.where, f"'{key}'")

    def ints(self, key: str, n: int, default=_MISSING, minimum: int = 1) -> tuple[int, ...]:
        """An int or a tuple of ``n`` ints (kernel_size, strides...), as Keras accepts both."""
        value = self.option(key, default)
        if isinstance(value, int) and not isinstance(value, bool):
            value = (value,) * n
        if not isinstance(value, (list, tuple)) or len(value) != n or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in value):
            need = "positive integers" if minimum == 1 else f"integers ≥ {minimum}"
            raise self.error(f"'{key}' must be an integer or {n} {need}, got {value!r}")
        return tuple(check_size(v, self.where, f"'{key}'") for v in value)

    def choice(self, key: str, options: tuple, default=_MISSING):
        value = self.option(key, default)
        if value not in options:
            raise self.error(f"'{key}' must be one of {', '.join(map(repr, options))}, "
                             f"got {value!r}")
        return value

    # -- building the answer -------------------------------------------------------------
    def sym(self, name: str, value: int, meaning: str, latex: str | None = None) -> Sym:
        """A symbol of the site-wide table (u = units, m = input features, ...) with its value."""
        if self.symbol_suffix:
            name += self.symbol_suffix
            meaning = f"{meaning} (cell {self.symbol_suffix[1:]})"
            latex = None
        s = Sym(name, value, meaning, latex)
        self.symbols.append(s)
        return s

    def sublayer(self, config: dict, input_shapes: Shape | list[Shape], role: str,
                 symbol_suffix: str = "") -> LayerCount:
        """Count a layer held inside this one (a Bidirectional's LSTM, a TimeDistributed's Dense)."""
        shapes = input_shapes if isinstance(input_shapes, list) else [input_shapes]
        return self._count_sublayer(self, config, shapes, role, symbol_suffix)


def with_lora(ctx: Ctx, weights: list[W], kernel_shape: tuple, prefix: str = "lora_kernel"
              ) -> list[W]:
    """Keras 3's LoRA (``lora_rank`` r): the kernel (the first of ``weights``) is frozen, and two
    trainable factors split it on its last axis, ``{prefix}_a`` = kernel[:-1] × r and
    ``{prefix}_b`` = r × kernel[-1]. ``kernel_shape`` is the kernel's logical shape (a quantized
    kernel may be stored packed)."""
    if not ctx.option("lora_rank", None):
        return weights
    taken = {s.name for s in ctx.symbols}  # an einsum equation may already use the letter r
    r = ctx.sym("r" if "r" not in taken else "r_lora", ctx.integer("lora_rank"), "LoRA rank")
    kernel, *rest = weights
    return [replace(kernel, trainable=False), *rest,
            # float32 whatever the layer's policy (Keras: against underflow while fine-tuning)
            W(f"{prefix}_a", (*kernel_shape[:-1], r), dtype="float32"),
            W(f"{prefix}_b", (r, kernel_shape[-1]), dtype="float32")]


