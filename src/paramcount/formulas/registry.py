"""The registry: every layer class paramcount knows, with its formula and the facts the rest of the
package reads from it (the graph walk, the diagrams, the layer-code reader, the reconciler, the
pages). Formula modules fill it with :func:`layer` when they are imported."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from ..records import record
from .families import FAMILY

TYPE_CHECKING = False  # as typing's: the command line does not import typing (several ms)
if TYPE_CHECKING:
    from .base import Ctx, Spec

__all__ = ["LayerClass", "REGISTRY", "layer", "registration", "load_formulas", "Formula",
           "complete_class", "Hidden", "Setting", "WEIGHTLESS", "MERGING", "USE_BIAS", "KERNEL",
           "STEP_KERNEL", "WINDOW", "SEQUENCE_OUTPUT", "INPUT_CLASSES", "backbone_classes",
           "derived_families"]

Formula = Callable[["Ctx"], "Spec"]

# The class of a model's input row: read as the input, never counted as a layer.
INPUT_CLASSES = ("InputLayer",)


@record(frozen=True)
class Setting:
    """A config option that a ``model.summary()`` row does not show, with the values worth trying,
    Keras' default first. ``key`` may reach into a wrapped layer: ``"layer.config.use_bias"``.
    ``per_axis``: the value is a tuple with one entry per spatial axis (kernel sizes), each taken
    from ``values``, smallest first (a larger window never holds fewer weights, so the search
    skips the windows past one whose count passed the row's); ``shape_only``: it moves the
    output's shape, never the count (strides), so one value that gives the printed shape is
    enough and it is not listed."""

    key: str
    values: tuple
    per_axis: int = 0  # > 0: the input's axes that are not spatial (batch, channels: 2)
    shape_only: bool = False
    required: bool = False  # Keras has no default for it (num_heads): no value is preferred

    @property
    def default(self):
        return None if self.required else self.values[0]


@record(frozen=True)
class Hidden:
    """What a ``model.summary()`` row hides about a class, for the reconciler: a row shows the
    class, the output shape and the count, and the search tries every value of ``settings``,
    runs the class's own formula, and keeps what gives the row's count and output shape.

    - ``reads``: integer config keys the printed output reveals (Dense's ``units`` is its last
      axis); they are solved from the output's shape. ``shape_key``: a config key that takes the
      printed output's shape without its batch axis (EinsumDense's ``output_shape``).
    - ``solve``: the one unknown the count is solved for: ``"features"`` (the input's last axis)
      or a config key (Embedding's ``input_dim``); None when nothing is left unknown.
    - ``input``: how the input follows from the printed output: ``"same"`` (the output's shape:
      normalization), ``"leading"`` (the output with another last axis: Dense), ``"open"`` (only
      its rank, ``output rank + d`` for each d in ``ranks``: convolutions, recurrent layers),
      ``"shorter"`` (the output without its last axis: Embedding).
    - ``inputs``: how many inputs a call takes at most (attention, merging layers); without the
      table's *Connected to*, the inputs after the first are taken to be the first (self-attention).
    - ``wraps``: a wrapper's possible inner classes (in ``wrap_key``); their own hidden settings
      are searched too, under ``<wrap_key>.config.``.
    - ``weightless``: the class never holds a weight (the supported-layers page reads it too).
    - ``why``: when a row hides nothing that could be solved, why.
    """

    settings: tuple[Setting, ...] = ()
    reads: tuple[str, ...] = ()
    shape_key: str | None = None
    solve: str | None = "features"
    input: str | None = None  # None: "leading", or for a wrapper its inner class's rule
    ranks: tuple[int, ...] = (0,)
    inputs: int = 1
    wraps: tuple[str, ...] = ()
    wrap_key: str = "layer"
    weightless: bool = False
    why: str | None = None

    def __post_init__(self):
        if self.input not in (None, "same", "leading", "open", "shorter"):
            raise ValueError(f"input={self.input!r}")
        if not self.settings and not self.reads and not self.wraps and self.solve is None \
                and self.input != "same" and not self.why:
            raise ValueError("a class that hides nothing says why (why=...)")


#: A class that never holds a weight: its row is explained by a count of 0.
WEIGHTLESS = Hidden(solve=None, input="same", weightless=True, why="it holds no weights")
#: A weightless class called on several inputs (Add, Concatenate): one input shape per input.
MERGING = Hidden(solve=None, input="same", inputs=2, weightless=True, why="it holds no weights")
#: Flags most layers with weights take, Keras' default first.
USE_BIAS = Setting("use_bias", (True, False))
#: A kernel's size along each spatial axis, and what moves only a window's output shape.
KERNEL = Setting("kernel_size", tuple(range(1, 33)), per_axis=2, required=True)
#: A ConvLSTM's kernel: its input has steps too.
STEP_KERNEL = Setting("kernel_size", tuple(range(1, 33)), per_axis=3, required=True)
WINDOW = (Setting("padding", ("valid", "same"), shape_only=True),
          Setting("strides", (1, 2, 3, 4), shape_only=True))
#: What a recurrent layer's output shape shows of its options, and does not change its count.
SEQUENCE_OUTPUT = (Setting("return_sequences", (False, True), shape_only=True),
                   Setting("return_state", (False, True), shape_only=True))


@record(frozen=True)
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
    # What a model.summary() row hides about the class (see Hidden); None: not declared yet.
    hides: Hidden | None = None

    @property
    def weightless(self) -> bool:
        """The class never holds a weight (one fact, read by the reconciler and the pages)."""
        return self.hides is not None and self.hides.weightless

    def keras2_input_shape(self, config: dict) -> tuple | None:
        """The sample shape (no batch axis) that ``input_dim``/``input_length`` declare, if any."""
        dim, length = config.get("input_dim"), config.get("input_length")
        if self.keras2_input == "vocabulary":
            return (length,) if length is not None else None
        if dim is None:
            return None
        return (length, dim) if self.keras2_input == "sequence" else (dim,)


REGISTRY: dict[str, LayerClass] = {}


def layer(*class_names: str, args: tuple[str, ...] = (), page: str | None = None,
          gates: tuple[tuple[str, str], ...] = (), keras2_input: str = "features",
          state_inputs: bool = False, quantizable: bool = False,
          hides: Hidden | None = None) -> Callable[[Formula], Formula]:
    """Register a formula, and the facts about its classes, for Keras layer class names.

    ``args`` names the constructor's leading positional parameters, in order, e.g.
    ``("filters", "kernel_size", "strides", "padding")`` for convolutions; the other keywords
    are the fields of :class:`LayerClass`; ``hides`` says what a ``model.summary()`` row does
    not show about the class (:class:`Hidden`), so that the reconciler can solve its rows.
    """
    if keras2_input not in ("features", "sequence", "vocabulary"):
        raise ValueError(f"keras2_input={keras2_input!r}")

    def register(fn: Formula) -> Formula:
        for name in class_names:
            if name in REGISTRY:
                raise RuntimeError(f"two formulas for {name}")
            REGISTRY[name] = LayerClass(name, fn, tuple(args), page, tuple(gates), keras2_input,
                                        state_inputs, quantizable, hides)
        return fn

    return register


def registration(class_name: str) -> LayerClass | None:
    """The registered facts about ``class_name``, or None for a class paramcount does not know.
    Only the module of the class's family is imported (:mod:`.families` says which): a count
    loads the families it meets, not all of them (the command line's start-up)."""
    found = REGISTRY.get(class_name)
    if found is None and not _loaded and class_name in FAMILY:
        importlib.import_module(f"{__package__}.{FAMILY[class_name]}")
        found = REGISTRY.get(class_name)
        if found is None:  # the index is stale (its test says how to rewrite it): load them all
            load_formulas()
            found = REGISTRY.get(class_name)
    return found


_loaded = False


def load_formulas() -> None:
    """Import every module of this package once, so their @layer decorators register: for what
    reads the whole registry (the pages, the layer-code reader's suggestions, the reconciler)."""
    global _loaded
    if _loaded:
        return
    # The folder's listing, not pkgutil, which would import typing: the command line's start-up.
    try:
        files = os.listdir(os.path.dirname(__file__))
    except NotADirectoryError:  # imported from a zip: the calculator's paramcount.zip in Pyodide
        import pkgutil  # only here, where start-up time is Pyodide's, not the command line's

        package = importlib.import_module(__package__)
        files = [f"{module.name}.py" for module in pkgutil.iter_modules(package.__path__)]
    for file in sorted(files):
        if file.endswith(".py") and file != "__init__.py":
            importlib.import_module(f"{__package__}.{file[:-3]}")
    _loaded = True


def derived_families() -> dict[str, tuple[str, ...]]:
    """Each module's registered classes, read from the whole registry: what :mod:`.families`
    must hold (``python scripts/families.py`` writes it from this)."""
    load_formulas()
    found: dict[str, list[str]] = {}
    for name, registered in REGISTRY.items():
        module = registered.formula.__module__.rpartition(".")[2]
        found.setdefault(module, []).append(name)
    return {module: tuple(sorted(names)) for module, names in sorted(found.items())}


_KNOWN: list[tuple[str, str]] = []  # (the name a summary prints, the registered name), sorted


def complete_class(prefix: str, whole: bool = False) -> tuple[str, ...]:
    """Every class a summary table's class name cut short can be (``TimeDist`` →
    ``("TimeDistributed",)``), in alphabetical order: the registered classes, the refused ones
    (together all of ``keras.layers``), ``InputLayer`` and the model classes. A prefix that is
    itself a class is among them (``Conv2D`` may be ``Conv2DTranspose`` cut short).

    A summary prints a package's class by its bare name (``TransformerEncoder`` for the
    registered ``keras_hub>TransformerEncoder``, and a KerasHub backbone, a nested model, as
    ``BertBackbone``): this is the one place that maps them, and a class registered under both
    names is given once, by its bare name. ``whole``: the name is printed in full, so only the
    classes it names exactly."""
    from bisect import bisect_left  # here, not at the top: the command line's start-up

    if not _KNOWN:  # the model classes are registered; InputLayer is among the refused
        from .refused import REFUSED

        load_formulas()
        names = {*REGISTRY, *REFUSED, "InputLayer", *backbone_classes()}
        _KNOWN.extend(sorted({(name.rpartition(">")[2], name) for name in names
                              if ">" not in name or name.rpartition(">")[2] not in names}))
    prefix = prefix.rstrip("…")
    found = []
    for printed, name in _KNOWN[bisect_left(_KNOWN, (prefix,)):]:
        if not printed.startswith(prefix) or (whole and printed != prefix):
            break
        found.append(name)
    return tuple(found)


def backbone_classes() -> tuple[str, ...]:
    """The KerasHub backbones paramcount counts from their config, as their configs name them
    (``keras_hub>BertBackbone``): models, not layers, so they have no registration."""
    if not _BACKBONES:
        from .kerashub_backbones import BACKBONES  # here: it imports this module

        _BACKBONES.extend(f"keras_hub>{name}" for name in BACKBONES)
    return tuple(_BACKBONES)


_BACKBONES: list[str] = []
