"""What a count returns: models, layers and weights, with their derivations.

The bottom of the package: it imports only :mod:`paramcount.expr`, so everything can import it."""

from __future__ import annotations

from math import prod

from .errors import printable
from .expr import Expr, Sym
from .records import field, record
from .sizes import KERAS2_UNITS, UNITS, OptimizerVariable, bits_to_bytes, readable_size, weight_bits

Shape = tuple  # of int | None; the batch axis first, as Keras writes it


@record(frozen=True)
class Weight:
    """One weight tensor, named by its path inside its layer as Keras names it."""

    path: str  # e.g. "lstm_cell/kernel", or "forward_lstm/lstm_cell/kernel" in a Bidirectional
    shape: tuple[int, ...]
    trainable: bool | None = True  # None: the source does not say (a custom layer's stored weights)
    symbolic: tuple[str, ...] | None = None  # the shape over symbols, e.g. ("m", "4·u")
    dtype: str = "float32"  # the variable's dtype: its layer's policy, or fixed (an int8 kernel)
    overwrite_with_gradient: bool = False  # float8's scales: the optimizer gives them no slots

    @property
    def name(self) -> str:
        """The last part of the path: ``kernel``, ``recurrent_kernel``, ``bias``, ``gamma``..."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def size(self) -> int:
        return prod(self.shape)

    @property
    def bits(self) -> int:
        return weight_bits(self.shape, self.dtype)

    @property
    def shape_label(self) -> str:
        """``(m, 4·u) = (20, 80)``, or just ``(20, 80)`` when the shape has no symbols."""
        numbers = format_shape(self.shape)
        symbolic = format_shape(tuple(self.symbolic)) if self.symbolic else numbers
        return numbers if symbolic == numbers else f"{symbolic} = {numbers}"

    def to_dict(self) -> dict:
        return {"path": self.path, "name": self.name, "shape": list(self.shape),
                "symbolic_shape": list(self.symbolic) if self.symbolic else None,
                "size": self.size, "trainable": self.trainable, "dtype": self.dtype,
                "bytes": bits_to_bytes(self.bits)}


@record
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
    # True when the output shape was carried past a layer whose output shape paramcount cannot
    # know: its sizes shown as None (after the batch axis) may be sizes paramcount does not know.
    output_partial: bool = False
    input_partial: bool = False  # the same for the input shape

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
            "input_shape_partial": self.input_partial,
            "output_shape_partial": self.output_partial,
        }


@record
class ModelCount:
    """The count of a whole model: the totals ``model.summary()`` prints, layer by layer."""

    name: str
    class_name: str
    layers: list[LayerCount]
    keras_version: int = 3  # the config layout that was read: 2 (tf.keras / tf-keras) or 3
    witness: Witness | None = None  # the stored weights the count was checked against
    # The optimizer a .keras archive's compile_config records, as it records it (None: none).
    compiled_optimizer: dict | str | None = None
    optimizer: Optimizer | None = None  # its variables, once asked for (--optimizer)
    notes: list[str] = field(default_factory=list)  # about the whole model

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

    def weights(self, which: bool | None | str = "all") -> list[Weight]:
        """Every weight once (a shared layer is one layer here), or those whose ``trainable``
        is ``which``."""
        return [w for layer in self.layers for w in layer.weights
                if which == "all" or w.trainable is which]

    def size_bytes(self, which: bool | None | str = "all") -> int | float:
        """The bytes of the weights at their dtypes, as ``summary()`` adds them."""
        return bits_to_bytes(sum(w.bits for w in self.weights(which)))

    @property
    def units(self) -> tuple[str, ...]:
        """The units summary() prints: Keras 3 calls the smallest ``B``, tf-keras ``Byte``."""
        return KERAS2_UNITS if self.keras_version == 2 else UNITS

    def readable(self, size) -> str:
        return readable_size(size, self.units)

    def optimizer_input(self) -> list[tuple]:
        """``model.trainable_variables`` as :func:`paramcount.sizes.optimizer_variables` takes
        them: (path in the model, shape, dtype, overwritten with its gradient)."""
        return [(f"{self.name}/{layer.name}/{w.path}", w.shape, w.dtype, w.overwrite_with_gradient)
                for layer in self.layers for w in layer.weights if w.trainable]

    def sizes_dict(self) -> dict:
        """Bytes and the sizes summary() prints, for the JSON: the weights, and with an
        optimizer, its variables and the total for training."""
        lines = {"total": self.size_bytes(), "trainable": self.size_bytes(True),
                 "non_trainable": self.size_bytes(False)}
        out = {key: {"bytes": size, "printed": self.readable(size)} for key, size in lines.items()}
        if self.trainable_unknown:
            size = self.size_bytes(None)
            out["trainable_unknown"] = {"bytes": size, "printed": self.readable(size)}
        return out

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
            "notes": list(self.notes),
            "layers": [layer.to_dict() for layer in self.layers],
            "sizes": self.sizes_dict(),
            "optimizer": self.optimizer.to_dict(self) if self.optimizer else None,
        }


@record
class Optimizer:
    """An optimizer's variables for a model: what ``fit()`` adds as *Optimizer params*."""

    label: str  # "Adam", "Adam(amsgrad=True)"
    variables: list[OptimizerVariable]
    source: str = "--optimizer"  # or "compile_config" (the .keras archive's own)
    problem: str | None = None  # why the compile_config's optimizer could not be counted

    @property
    def params(self) -> int:
        return sum(v.size for v in self.variables)

    @property
    def size_bytes(self) -> int | float:
        return bits_to_bytes(sum(v.bits for v in self.variables))

    def to_dict(self, model: ModelCount) -> dict:
        training = model.size_bytes() + self.size_bytes
        if self.problem:
            return {"label": self.label, "source": self.source, "problem": self.problem}
        return {"label": self.label, "source": self.source, "params": self.params,
                "bytes": self.size_bytes, "printed": model.readable(self.size_bytes),
                "variables": [v.to_dict() for v in self.variables],
                "training": {"params": model.total + self.params, "bytes": training,
                             "printed": model.readable(training),
                             "includes": "weights and optimizer state; not activations, "
                                         "gradients or the framework's own memory"}}


@record
class Witness:
    """The weights file a count was checked against, and what it said."""

    file: str
    checked: list[str] = field(default_factory=list)  # layers whose stored shapes matched
    disagreements: list[str] = field(default_factory=list)  # one sentence per layer
    unread: str | None = None  # why the file could not be read, if it could not
    # Derived layers the file contradicts, counted from its weights instead: one sentence each,
    # saying which weights differ; ``explained`` when the reason is known (model.quantize).
    overruled: list[str] = field(default_factory=list)
    explained: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"file": self.file, "checked": list(self.checked),
                "disagreements": list(self.disagreements), "overruled": list(self.overruled),
                "explained": list(self.explained), "unread": self.unread}


def shape_json(shape):
    """A shape (or a list of shapes) as JSON writes it: tuples become lists."""
    if shape is None:
        return None
    if isinstance(shape, list):
        return [shape_json(s) for s in shape]
    return list(shape)


def format_shape(shape, partial: bool = False) -> str:
    """A shape as Keras prints it, ``(None, 10)`` or ``(4,)``; several as ``[(None, 5), (None, 2)]``.
    Sizes may be numbers, None or symbols (``(m, 4·u)``). ``partial``: sizes after the batch axis
    that are None are ones paramcount does not know, written ``?``."""
    if isinstance(shape, list):
        return "[" + ", ".join(format_shape(s, partial) for s in shape) + "]"
    unknown = "?" if partial else "None"
    inner = ", ".join(("None" if i == 0 else unknown) if d is None else str(d)
                      for i, d in enumerate(shape))
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
