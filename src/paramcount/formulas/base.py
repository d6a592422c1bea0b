"""How a formula is written: one function per layer class, registered by name.

A formula reads its symbols from the layer's config and input shape (through :class:`Ctx`), and
returns a :class:`Spec`: the weights Keras creates, as shapes over those symbols, the closed-form
count, and the output shape that the next layer will see. Everything else — the totals, the
derivation text, the LaTeX, the calculator — is rendered from that one definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod

from ..errors import ParamcountError
from ..expr import Expr, Sym, as_expr, product, total
from ..result import LayerCount, Shape, Weight, format_shape
from ..safety import MAX_WEIGHTS, check_size, count_layer_call

__all__ = ["Ctx", "Spec", "W", "LayerClass", "layer", "registration", "REGISTRY", "FORMULAS",
           "count_layer", "load_formulas", "format_shape", "policy_mode", "with_lora"]


@dataclass(frozen=True)
class W:
    """A weight as a formula sees it: its path inside the layer and its shape over symbols."""

    path: str
    shape: tuple[Expr | int, ...]
    trainable: bool = True

    @property
    def size(self) -> Expr:
        return product(self.shape)


@dataclass
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


Formula = Callable[["Ctx"], Spec]


@dataclass(frozen=True)
class LayerClass:
    """Everything paramcount knows about one Keras layer class, in one place: its formula and
    the facts that the graph walk, the diagrams, the layer-code reader and the pages read."""

    name: str
    formula: Formula
    # The constructor's leading positional parameters, so that Conv2D(32, 3) can be read.
    args: tuple[str, ...] = ()
    # The docs page that explains the formula (e.g. "formulas/lstm.md"); None: it has none.
    page: str | None = None
    # Blocks packed side by side along the last axis of kernel, recurrent_kernel and bias, in
    # Keras' order, as (letter, meaning): LSTM's i, f, c, o.
    gates: tuple[tuple[str, str], ...] = ()
    # What Keras 1/2's ``input_dim=`` means: "features" — the input is (input_dim,) (any layer);
    # "sequence" — (input_length, input_dim) (recurrent layers); "vocabulary" — not the input
    # at all but the vocabulary size, and the input is (input_length,) (Embedding).
    keras2_input: str = "features"
    # True when a call's inputs after the first are initial states, which shape no weight.
    state_inputs: bool = False
    # True when the formula reads a quantized dtype policy (model.quantize); the others refuse one.
    quantizable: bool = False

    def keras2_input_shape(self, config: dict) -> tuple | None:
        """The sample shape (no batch axis) that ``input_dim``/``input_length`` declare, if any."""
        dim, length = config.get("input_dim"), config.get("input_length")
        if self.keras2_input == "vocabulary":
            return (length,) if length is not None else None
        if dim is None:
            return None
        return (length, dim) if self.keras2_input == "sequence" else (dim,)


REGISTRY: dict[str, LayerClass] = {}
FORMULAS = REGISTRY  # the name other modules knew it by


def layer(*class_names: str, args: tuple[str, ...] = (), page: str | None = None,
          gates: tuple[tuple[str, str], ...] = (), keras2_input: str = "features",
          state_inputs: bool = False, quantizable: bool = False) -> Callable[[Formula], Formula]:
    """Register a formula, and the facts about its classes, for Keras layer class names.

    ``args`` names the constructor's leading positional parameters, in order, e.g.
    ``("filters", "kernel_size", "strides", "padding")`` for convolutions; the other keywords
    are the fields of :class:`LayerClass`.
    """
    if keras2_input not in ("features", "sequence", "vocabulary"):
        raise ValueError(f"keras2_input={keras2_input!r}")

    def register(fn: Formula) -> Formula:
        for name in class_names:
            if name in REGISTRY:
                raise RuntimeError(f"two formulas for {name}")
            REGISTRY[name] = LayerClass(name, fn, tuple(args), page, tuple(gates), keras2_input,
                                        state_inputs, quantizable)
        return fn

    return register


def registration(class_name: str) -> LayerClass | None:
    """The registered facts about ``class_name``, or None for a class paramcount does not know."""
    load_formulas()
    return REGISTRY.get(class_name)


_MISSING = object()


class Ctx:
    """A layer being counted: its config, its input shape(s), and helpers to read them safely."""

    def __init__(self, class_name: str, config: dict, input_shapes: list[Shape], *,
                 where: str, keras_version: int = 3, named_inputs: dict | None = None,
                 call_options: dict | None = None, symbol_suffix: str = ""):
        self.class_name = class_name
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
        class_name, sub_config = layer_entry(config, f"{self.where}: {role}")
        shapes = input_shapes if isinstance(input_shapes, list) else [input_shapes]
        where = f"{self.where} > {role} '{sub_config.get('name', class_name)}' ({class_name})"
        return count_layer(class_name, sub_config, shapes, where=where,
                           keras_version=self.keras_version, symbol_suffix=symbol_suffix)


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
    return [W(kernel.path, kernel.shape, trainable=False), *rest,
            W(f"{prefix}_a", (*kernel_shape[:-1], r)), W(f"{prefix}_b", (r, kernel_shape[-1]))]


def count_layer(class_name: str, config: dict, input_shapes: list[Shape], *, where: str,
                keras_version: int = 3, named_inputs: dict | None = None,
                call_options: dict | None = None, symbol_suffix: str = "") -> LayerCount:
    """Apply the registered formula of ``class_name`` to one layer."""
    count_layer_call(where)  # at most MAX_LAYERS calls per answer
    load_formulas()
    registered = REGISTRY.get(class_name)
    if registered is None:
        from ..refused import reason

        raise ParamcountError(f"{where}: unknown layer class '{class_name}' — "
                              f"{reason(class_name)}")
    if not isinstance(config, dict):
        raise ParamcountError(f"{where}: layer config must be an object, got {type(config).__name__}")
    if not input_shapes:
        raise ParamcountError(f"{where}: is called with no input tensor")
    ctx = Ctx(class_name, config, input_shapes, where=where, keras_version=keras_version,
              named_inputs=named_inputs, call_options=call_options, symbol_suffix=symbol_suffix)
    if not registered.quantizable:
        _refuse_quantized(ctx)
    spec = registered.formula(ctx)
    seen: dict[int, int] = {}
    listed = len(spec.weights) + sum(len(sub.weights) + _listed(sub, seen)
                                     for sub in spec.sublayers)
    if listed > MAX_WEIGHTS:  # e.g. Bidirectional wrapped in Bidirectional, many levels deep
        raise ParamcountError(f"{where}: its explanation would list {listed:,} weight tensors "
                              f"(its sublayers' included); paramcount lists at most "
                              f"{MAX_WEIGHTS:,} for one layer")
    _check_shape(spec.output_shape, where)
    frozen = config.get("trainable", True) is False and spec.freezable
    weights = [Weight(w.path, tuple(as_expr(d).value for d in w.shape), w.trainable and not frozen,
                      tuple(as_expr(d).text() for d in w.shape)) for w in spec.weights]
    expr = spec.formula if spec.formula is not None else total(w.size for w in spec.weights)
    check_size(expr.value, where, "parameter count")
    for sub in spec.sublayers:
        prefix = f"{sub.name}/" if spec.prefix_sublayers else ""
        weights += [Weight(prefix + w.path, w.shape, w.trainable and not frozen,
                           w.symbolic) for w in sub.weights]
    if expr.value != sum(prod(w.shape) for w in weights):  # the closed form must match the weights
        raise AssertionError(f"{class_name}: formula {expr.text()} = {expr.value} "
                             f"but weights sum to {sum(prod(w.shape) for w in weights)}")
    notes = list(spec.notes)
    if frozen and weights:
        notes.append("trainable=False: every weight of this layer is non-trainable")
    used = {s.name for s in expr.symbols()}
    symbols = [s for s in ctx.symbols if s.name in used]
    for sub in spec.sublayers:
        symbols += [s for s in sub.symbols if s.name not in {t.name for t in symbols}]
    return LayerCount(
        name=ctx.name, class_name=class_name, weights=weights, expr=expr, symbol_list=symbols,
        input_shape=input_shapes[0] if len(input_shapes) == 1 else list(input_shapes),
        output_shape=spec.output_shape, sublayers=spec.sublayers, notes=notes)


# Keras' quantized dtype policies (model.quantize(mode) leaves one in each layer it quantized).
_POLICIES = ("QuantizedDTypePolicy", "Int4DTypePolicy", "QuantizedFloat8DTypePolicy",
             "GPTQDTypePolicy", "AWQDTypePolicy")


def policy_mode(dtype) -> str | None:
    """The quantization mode a config's ``dtype`` records ("int8", "int4/128"...), else None."""
    if isinstance(dtype, dict) and dtype.get("class_name") in _POLICIES:
        config = dtype.get("config") if isinstance(dtype.get("config"), dict) else {}
        return str(config.get("mode", ""))
    if isinstance(dtype, dict) and dtype.get("class_name") == "DTypePolicyMap":
        return "a DTypePolicyMap"
    if isinstance(dtype, str) and "_from_" in dtype:
        return dtype
    return None


def _refuse_quantized(ctx: Ctx) -> None:
    """For layers Keras never quantizes: a quantized policy means a config Keras cannot build."""
    mode = policy_mode(ctx.option("dtype", None))
    if mode is not None:
        quantizable = sorted(name for name, c in REGISTRY.items() if c.quantizable)
        raise ctx.error(f"the layer's dtype policy is quantized ({mode}), but Keras quantizes "
                        f"only {', '.join(quantizable[:-1])} and {quantizable[-1]}")


def _listed(layer: LayerCount, seen: dict[int, int]) -> int:
    """How many weights a layer's full explanation lists, its sublayers' lists included (a
    sublayer shared by two, as in a Bidirectional, is walked once)."""
    if id(layer) not in seen:
        seen[id(layer)] = len(layer.weights) + sum(_listed(sub, seen) for sub in layer.sublayers)
    return seen[id(layer)]


def _check_shape(shape, where: str) -> None:
    """Refuse output sizes too long to print (a Flatten over huge axes, say)."""
    for s in shape if isinstance(shape, list) else [shape]:
        for d in s or ():
            if isinstance(d, int):
                check_size(d, where, "size in the output shape")


_loaded = False


def load_formulas() -> None:
    """Import every module of this package once, so their @layer decorators register."""
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil

    from .. import formulas

    for info in pkgutil.iter_modules(formulas.__path__):
        importlib.import_module(f"{formulas.__name__}.{info.name}")
    _loaded = True


def layer_entry(entry, where: str) -> tuple[str, dict]:
    """The class name and config of a serialized layer, either Keras 2 or Keras 3 style."""
    if not isinstance(entry, dict):
        raise ParamcountError(f"{where}: a layer must be an object, got {type(entry).__name__}")
    class_name = entry.get("class_name")
    config = entry.get("config")
    if not isinstance(class_name, str) or not class_name:
        raise ParamcountError(f"{where}: layer has no 'class_name'")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ParamcountError(f"{where}: layer '{class_name}' has a config that is not an object")
    registered = entry.get("registered_name")
    if isinstance(registered, str) and ">" in registered:
        # A class registered by a package ("my_package>MyLayer"): not Keras' own, even when it
        # shares a name with a Keras layer, so it gets no formula (--keras can measure it).
        return registered, config
    module = entry.get("module")
    if isinstance(registered, str) and not (isinstance(module, str) and module.split(".")[0] in (
            "keras", "tf_keras")):
        # Keras 3 writes a registered_name for classes that are not its built-in layers: an
        # unregistered class of the user's that shares a Keras name is not that Keras layer.
        if registration(class_name) is not None:
            return f"{module or '__main__'}>{class_name}", config
    return class_name, config
