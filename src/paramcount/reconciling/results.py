"""What a reconciliation returns: each row with its explanation, and the totals' check."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import printable
from ..result import Shape, format_shape, shape_json
from .search import Fit

__all__ = ["RowResult", "Reconciliation", "n"]


@dataclass
class RowResult:
    """A row of the table with its explanation (the JSON fields of ``reconcile --json``)."""

    name: str
    class_name: str  # as printed (a cut name stays cut: see ``completed``)
    params: int | None
    output_shape: Shape | list | None
    explained: bool
    input_shape: Shape | list | None
    derivation: str | None
    note: str | None
    depth: int = 0  # 0 for the model's own layers, 1 inside a nested model...
    parent: str | None = None  # the nested model's row a row is listed under
    completed: tuple[str, ...] = ()  # the classes a cut name was completed to that fit the count
    printed_class: str = ""  # the class as the table printed it (cut short, maybe)
    fits: list[Fit] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {"name": self.name, "class_name": self.class_name, "params": self.params,
                "output_shape": shape_json(self.output_shape), "explained": self.explained,
                "input_shape": shape_json(self.input_shape), "derivation": self.derivation,
                "note": self.note, "depth": self.depth, "parent": self.parent,
                "completed": list(self.completed), "printed_class": self.printed_class}

    @property
    def shown_class(self) -> str:
        """The class as printed, with its completion when the table cut it short."""
        printed = self.printed_class or self.class_name
        if not self.completed:
            return self.class_name
        return f"{printed} → {' or '.join(self.completed)}"


@dataclass
class Reconciliation:
    """The table read back: totals as printed, each row explained, and the totals checked."""

    total: int | None
    trainable: int | None
    non_trainable: int | None
    optimizer: int | None
    rows: list[RowResult]
    notes: list[str]
    model_name: str | None = None

    def to_dict(self) -> dict:
        return {"total": self.total, "trainable": self.trainable,
                "non_trainable": self.non_trainable, "rows": [r.to_dict() for r in self.rows],
                "optimizer": self.optimizer, "notes": list(self.notes)}

    def text(self) -> str:
        """Row by row: the derivation, or why there is none; then the totals' check."""
        out = [f'Model "{self.model_name}"' if self.model_name else "Model"]
        for r in self.rows:
            mark = "✓" if r.explained else "✗"
            shape = format_shape(r.output_shape) if r.output_shape is not None else "?"
            indent = "  " * r.depth
            head = f"{indent}{mark} {r.name} ({r.shown_class})  {shape}  {n(r.params)}"
            if r.input_shape is not None:
                head += f"  input {format_shape(r.input_shape)}"
            out.append(head)
            for line in (r.derivation or "").splitlines():
                out.append(f"{indent}    {line}")
            if r.note:
                out.append(f"{indent}    note: {r.note}")
        out += self.notes
        # Names come from the pasted text: no control character reaches the terminal.
        return "\n".join(printable(line) for line in out)


def n(value) -> str:
    """A count as the report prints it (``?`` when the table has none)."""
    return "?" if value is None else f"{value:,}"
