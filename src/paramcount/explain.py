"""Writing counts out: derivations step by step, and a table like ``model.summary()``'s."""

from __future__ import annotations

from .formulas.base import format_shape
from .result import LayerCount, ModelCount

__all__ = ["derivation_lines", "summary_table", "explain_model"]


def _dims(dims) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def derivation_lines(layer: LayerCount) -> list[str]:
    """One layer's derivation: its symbols, its weights, and its formula with numbers put in."""
    lines = []
    for s in layer.symbols:
        lines.append(f"{s.name} = {s.value:,}  ({s.meaning})" if s.meaning
                     else f"{s.name} = {s.value:,}")
    if layer.weights:
        width = max(len(w.path) for w in layer.weights)
        for w in layer.weights:
            shape = _dims(w.shape)
            if w.symbolic and tuple(w.symbolic) != tuple(str(d) for d in w.shape):
                shape = f"{_dims(w.symbolic)} = {shape}"
            frozen = "" if w.trainable else "  [non-trainable]"
            lines.append(f"{w.path:<{width}}  {shape}  → {w.size:,}{frozen}")
    expr = layer.expr
    steps = [expr.text(), expr.text(substitute=True), f"{layer.params:,}"]
    # Drop steps that repeat the previous one (e.g. a formula with no symbols).
    shown = [s for i, s in enumerate(steps) if i == 0 or s != steps[i - 1]]
    lines.append("params = " + " = ".join(shown))
    if layer.non_trainable:
        lines.append(f"trainable = {layer.trainable:,}, non-trainable = {layer.non_trainable:,}")
    lines.extend(f"note: {n}" for n in layer.notes)
    return lines


def explain_layer_text(layer: LayerCount) -> str:
    head = f"{layer.name} ({layer.class_name})"
    if layer.input_shape is not None:
        head += f"  input {format_shape(layer.input_shape)}"
    if layer.output_shape is not None:
        head += f" → output {format_shape(layer.output_shape)}"
    body = [f"  {line}" for line in derivation_lines(layer)]
    for sub in layer.sublayers:
        if sub.weights:
            body.append(f"  ├─ {sub.name} ({sub.class_name}): {sub.expr.text()} = {sub.params:,}")
    return "\n".join([head, *body])


def explain_model(model: ModelCount) -> str:
    parts = [f'Model "{model.name}" ({model.class_name}, Keras {model.keras_version} config)']
    parts += [explain_layer_text(layer) for layer in model.layers]
    parts.append(_totals(model))
    return "\n".join(parts)


def summary_table(model: ModelCount) -> str:
    """The model as ``model.summary()`` lays it out: layer, output shape, parameters."""
    # A layer measured with --keras (no formula) is marked, so it is never mistaken for derived.
    rows = [(f"{layer.name} ({layer.class_name})", format_shape(layer.output_shape)
             if layer.output_shape is not None else "?",
             f"{layer.params:,}" + ("*" if layer.measured else ""))
            for layer in model.layers]
    headers = ("Layer (type)", "Output Shape", "Param #")
    widths = [max([len(headers[i])] + [len(r[i]) for r in rows]) for i in range(3)]
    line = "  ".join("─" * w for w in widths)

    def fmt(r):
        return f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}"

    footnote = (["* measured by loading the model with Keras (--keras), not derived"]
                if any(layer.measured for layer in model.layers) else [])
    return "\n".join([f'Model: "{model.name}"', fmt(headers), line, *map(fmt, rows), line,
                      _totals(model), *footnote])


def _totals(model: ModelCount) -> str:
    return (f"Total params: {model.total:,}\nTrainable params: {model.trainable:,}\n"
            f"Non-trainable params: {model.non_trainable:,}")
