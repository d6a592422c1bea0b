"""Writing counts out: derivations step by step, and a table like ``model.summary()``'s.

Names and notes come from the file being read: every line is passed through :func:`printable`, so
none can hold a control character (a forged line, a terminal escape).
"""

from __future__ import annotations

from ..errors import printable
from ..result import LayerCount, ModelCount, derivation_lines, format_shape

__all__ = ["derivation_lines", "summary_table", "explain_model"]


def explain_layer_text(layer: LayerCount) -> str:
    head = printable(f"{layer.name} ({layer.class_name})")
    if layer.source != "formula":
        head += f"  [source: {layer.source}]"
    if layer.input_shape is not None:
        head += f"  input {format_shape(layer.input_shape)}"
    if layer.output_shape is not None:
        head += f" → output {format_shape(layer.output_shape)}"
    body = [f"  {line}" for line in derivation_lines(layer)]
    for sub in layer.sublayers:
        if sub.weights:
            body.append(printable(f"  ├─ {sub.name} ({sub.class_name}): {sub.expr.text()} = "
                                  f"{sub.params:,}"))
    return "\n".join([head, *body])


def explain_model(model: ModelCount) -> str:
    parts = [printable(f'Model "{model.name}" ({model.class_name}, Keras {model.keras_version} '
                       'config)')]
    parts += [explain_layer_text(layer) for layer in model.layers]
    parts.append(_totals(model))
    parts += _witness_lines(model)
    return "\n".join(parts)


def summary_table(model: ModelCount) -> str:
    """The model as ``model.summary()`` lays it out: layer, output shape, parameters."""
    # A layer measured with --keras (no formula) is marked, so it is never mistaken for derived.
    marks = {"formula": "", "keras": "*", "stored weights": "†"}
    rows = [(printable(f"{layer.name} ({layer.class_name})"), format_shape(layer.output_shape)
             if layer.output_shape is not None else "?",
             f"{layer.params:,}" + marks.get(layer.source, "?"))
            for layer in model.layers]
    headers = ("Layer (type)", "Output Shape", "Param #")
    widths = [max([len(headers[i])] + [len(r[i]) for r in rows]) for i in range(3)]
    line = "  ".join("─" * w for w in widths)

    def fmt(r):
        return f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}"

    sources = {layer.source for layer in model.layers}
    footnote = (["* measured by loading the model with Keras (--keras), not derived"]
                if "keras" in sources else [])
    if "stored weights" in sources:
        footnote.append("† counted from the weights the file stores (no formula for this layer)")
    footnote += _witness_lines(model)
    return "\n".join([printable(f'Model: "{model.name}"'), fmt(headers), line, *map(fmt, rows), line,
                      _totals(model), *footnote])


def _totals(model: ModelCount) -> str:
    text = (f"Total params: {model.total:,}\nTrainable params: {model.trainable:,}\n"
            f"Non-trainable params: {model.non_trainable:,}")
    if model.trainable_unknown:
        text += (f"\nParams whose trainability the file does not record: "
                 f"{model.trainable_unknown:,}")
    return text


def _witness_lines(model: ModelCount) -> list[str]:
    witness = model.witness
    if witness is None:
        return []
    if witness.unread:
        return [printable(f"Stored weights not read: {witness.unread}")]
    lines = [f"Stored weights: the shapes of {len(witness.checked)} derived layer(s) match the "
             "file" + ("" if not witness.disagreements else
                       f"; {len(witness.disagreements)} disagree:")]
    return lines + [printable(f"  ! {d}") for d in witness.disagreements]
