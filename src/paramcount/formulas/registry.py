"""The registry: every layer class paramcount knows, with its formula and the facts the rest of the
package reads from it (the graph walk, the diagrams, the layer-code reader, the reconciler, the
pages). Formula modules fill it with :func:`layer` when they are imported."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass

TYPE_CHECKING = False  # as typing's: the command line does not import typing (several ms)
if TYPE_CHECKING:
    from .base import Ctx, Spec

__all__ = ["LayerClass", "REGISTRY", "layer", "registration", "load_formulas", "Formula",
           "complete_class"]

Formula = Callable[["Ctx"], "Spec"]


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


_loaded = False


def load_formulas() -> None:
    """Import every module of this package once, so their @layer decorators register."""
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


_KNOWN: list[str] = []


def complete_class(prefix: str) -> tuple[str, ...]:
    """Every class a summary table's class name cut short can be (``TimeDist`` →
    ``("TimeDistributed",)``), in alphabetical order: the registered classes, the refused ones
    (together all of ``keras.layers``), ``InputLayer`` and the model classes. A prefix that is
    itself a class is among them (``Conv2D`` may be ``Conv2DTranspose`` cut short)."""
    from bisect import bisect_left  # here, not at the top: the command line's start-up

    if not _KNOWN:  # the model classes are registered; InputLayer is among the refused
        from .refused import REFUSED

        load_formulas()
        _KNOWN.extend(sorted({*REGISTRY, *REFUSED, "InputLayer"}))
    prefix = prefix.rstrip("…")
    found = []
    for name in _KNOWN[bisect_left(_KNOWN, prefix):]:
        if not name.startswith(prefix):
            break
        found.append(name)
    return tuple(found)
