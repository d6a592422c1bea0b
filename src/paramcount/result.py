"""What a count returns: models, layers and weights, with their derivations.

The bottom of the package: it imports only :mod:`paramcount.expr`, so everything can import it."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

from .errors import printable
from .expr import Expr, Sym

Shape = tuple  # of int | None; the batch axis first, as Keras writes it


@dataclass(frozen=True)
class Weight:
    """One weight tensor, named by its path inside its layer as Keras names it."""

    path: str  # e.g. "lstm_cell/kernel", or "forward_lstm/lstm_cell/kernel" in a Bidirectional
    shape: tuple[int, ...]
    trainable: bool | None = True  # None: the source does not say (a custom layer's stored weights)
    symbolic: tuple[str, ...] | None = None  # the shape over symbols, e.g. ("m", "4·u")

    @property
    def name(self) -> str:
        """The last part of the path: ``kernel``, ``recurrent_kernel``, ``bias``, ``gamma``..."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def size(self) -> int:
        return prod(self.shape)

    @property
    def shape_label(self) -> str:
        """``(m, 4·u) = (20, 80)``, or just ``(20, 80)`` when the shape has no symbols."""
        numbers = format_shape(self.shape)
        symbolic = format_shape(tuple(self.symbolic)) if self.symbolic else numbers
        return numbers if symbolic == numbers else f"{symbolic} = {numbers}"

    def to_dict(self) -> dict:
        return {"path": self.path, "name": self.name, "shape": list(self.shape),
                "symbolic_shape": list(self.symbolic) if self.symbolic else None,
                "size": self.size, "trainable": self.trainable}


@dataclass
class LayerCount:
    """The count of one layer, with how it was derived."""

    name: str
    class_name: str
    weights: list[Weight]
    expr: Expr  # the closed-form formula over the layer's symbols
    input_shape: Shape | list[Shape] | None = None
    output_shape: Shape | list[Shape] | None = None
    sublayers: list[LayerCount] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    measured: bool = False  # True when the number comes from running Keras, not from a formula
    symbol_list: list[Sym] | None = None  # in the order the formula defines them
    source: str = "formula"  # "formula", "stored weights" (read from the file) or "keras"

    @property
    def params(self) -> int:
        return sum(w.size for w in self.weights)

    @property
    def trainable(self) -> int:
        return sum(w.size for w in self.weights if w.trainable)

    @property
    def non_trainable(self) -> int:
        return sum(w.size for w in self.weights if w.trainable is False)

    @property
    def trainable_unknown(self) -> int:
        """Parameters whose trainability the source does not record (stored weights only)."""
        return self.params - self.trainable - self.non_trainable

    @property
    def symbols(self) -> list[Sym]:
        """The symbols the formula uses, with their values: u = units, m = input features..."""
        return self.symbol_list if self.symbol_list is not None else self.expr.symbols()

    @property
    def formula(self) -> str:
        """The formula in symbols, e.g. ``4·u·(m + u + 1)``."""
        return self.expr.text()

    @property
    def derivation(self) -> list[str]:
        """The derivation, one step a line, with the numbers substituted."""
        return derivation_lines(self)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "class_name": self.class_name,
            "params": self.params,
            "trainable": self.trainable,
            "non_trainable": self.non_trainable,
            "input_shape": shape_json(self.input_shape),
            "output_shape": shape_json(self.output_shape),
            "formula": self.formula,
            "formula_latex": self.expr.latex(),
            "symbols": [{"name": s.name, "value": s.value, "meaning": s.meaning}
                        for s in self.symbols],
            "weights": [w.to_dict() for w in self.weights],
            "derivation": self.derivation,
            "sublayers": [s.to_dict() for s in self.sublayers],
            "notes": list(self.notes),
            "measured": self.measured,
            "source": self.source,
            "trainable_unknown": self.trainable_unknown,
        }


@dataclass
class ModelCount:
    """The count of a whole model: the totals ``model.summary()`` prints, layer by layer."""

    name: str
    class_name: str
    layers: list[LayerCount]
    keras_version: int = 3  # the config layout that was read: 2 (tf.keras / tf-keras) or 3
    witness: Witness | None = None  # the stored weights the count was checked against

    @property
    def total(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def trainable(self) -> int:
        return sum(layer.trainable for layer in self.layers)

    @property
    def non_trainable(self) -> int:
        return sum(layer.non_trainable for layer in self.layers)

    @property
    def trainable_unknown(self) -> int:
        return self.total - self.trainable - self.non_trainable

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "class_name": self.class_name,
            "keras_config_version": self.keras_version,
            "total": self.total,
            "trainable": self.trainable,
            "non_trainable": self.non_trainable,
            "trainable_unknown": self.trainable_unknown,
            "stored_weights": self.witness.to_dict() if self.witness else None,
            "layers": [layer.to_dict() for layer in self.layers],
        }


@dataclass
class Witness:
    """The weights file a count was checked against, and what it said."""

    file: str
    checked: list[str] = field(default_factory=list)  # layers whose stored shapes matched
    disagreements: list[str] = field(default_factory=list)  # one sentence per layer
    unread: str | None = None  # why the file could not be read, if it could not

    def to_dict(self) -> dict:
        return {"file": self.file, "checked": list(self.checked),
                "disagreements": list(self.disagreements), "unread": self.unread}


def shape_json(shape):
    """A shape (or a list of shapes) as JSON writes it: tuples become lists."""
    if shape is None:
        return None
    if isinstance(shape, list):
        return [shape_json(s) for s in shape]
    return list(shape)


def format_shape(shape) -> str:
    """A shape as Keras prints it, ``(None, 10)`` or ``(4,)``; several as ``[(None, 5), (None, 2)]``.
    Sizes may be numbers, None or symbols (``(m, 4·u)``)."""
    if isinstance(shape, list):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def derivation_lines(layer: LayerCount) -> list[str]:
    """One layer's derivation: its symbols, its weights, and its formula with numbers put in."""
    lines = []
    for s in layer.symbols:
        lines.append(f"{s.name} = {s.value:,}  ({s.meaning})" if s.meaning
                     else f"{s.name} = {s.value:,}")
    if layer.weights:
        width = max(len(w.path) for w in layer.weights)
        for w in layer.weights:
            frozen = "" if w.trainable else "  [non-trainable]" if w.trainable is False \
                else "  [trainable: not recorded]"
            lines.append(f"{w.path:<{width}}  {w.shape_label}  → {w.size:,}{frozen}")
    expr = layer.expr
    steps = [expr.text(), expr.text(substitute=True), f"{layer.params:,}"]
    # Drop steps that repeat the previous one (e.g. a formula with no symbols).
    shown = [s for i, s in enumerate(steps) if i == 0 or s != steps[i - 1]]
    lines.append("params = " + " = ".join(shown))
    if layer.trainable_unknown:
        lines.append(f"trainable = {layer.trainable:,}, non-trainable = {layer.non_trainable:,}, "
                     f"not recorded = {layer.trainable_unknown:,}")
    elif layer.non_trainable:
        lines.append(f"trainable = {layer.trainable:,}, non-trainable = {layer.non_trainable:,}")
    lines.extend(f"note: {n}" for n in layer.notes)
    # Names and notes come from the file: no control character reaches a terminal or a page.
    return [printable(line) for line in lines]
