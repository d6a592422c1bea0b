"""Writing counts out: derivations step by step, and a table like ``model.summary()``'s.

Names and notes come from the file being read: every line is passed through :func:`printable`, so
none can hold a control character (a forged line, a terminal escape).
"""

from __future__ import annotations

from ..errors import printable
from ..result import LayerCount, ModelCount, derivation_lines, format_shape

__all__ = ["derivation_lines", "summary_table", "explain_model", "totals"]


def explain_layer_text(layer: LayerCount) -> str:
    head = printable(f"{layer.name} ({layer.class_name})")
    if layer.source != "formula":
        head += f"  [source: {layer.source}]"
    if layer.input_shape is not None:
        head += f"  input {format_shape(layer.input_shape, layer.input_partial)}"
    if layer.output_shape is not None:
        head += f" → output {format_shape(layer.output_shape, layer.output_partial)}"
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
    parts.append(totals(model, explain=True))
    parts += _witness_lines(model)
    parts += [printable(f"Note: {note}") for note in model.notes]
    return "\n".join(parts)


def summary_table(model: ModelCount) -> str:
    """The model as ``model.summary()`` lays it out: layer, output shape, parameters."""
    # A layer measured with --keras (no formula) is marked, so it is never mistaken for derived.
    marks = {"formula": "", "keras": "*", "stored weights": "†"}
    rows = [(printable(f"{layer.name} ({layer.class_name})"),
             format_shape(layer.output_shape, layer.output_partial)
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
        overruled = model.witness is not None and (model.witness.overruled
                                                   or model.witness.explained)
        footnote.append("† counted from the weights the file stores (no formula for this layer"
                        + (", or the file contradicts the formula)" if overruled else ")"))
    if any(layer.output_partial for layer in model.layers):
        footnote.append("? a size paramcount does not know: the shape was carried past a layer "
                        "whose output shape it cannot know")
    footnote += _witness_lines(model)
    footnote += [printable(f"Note: {note}") for note in model.notes]
    return "\n".join([printable(f'Model: "{model.name}"'), fmt(headers), line, *map(fmt, rows), line,
                      totals(model), *footnote])


def totals(model: ModelCount, explain: bool = False) -> str:
    """The totals as ``summary()`` prints them, each with its bytes at the weights' dtypes; with
    an optimizer, as after ``fit()``: its variables on a line of their own and in the total."""
    def size(count, which="all"):
        return f"{count:,} ({model.readable(model.size_bytes(which))})"

    optimizer = model.optimizer if model.optimizer and not model.optimizer.problem else None
    if optimizer is None:
        lines = [f"Total params: {size(model.total)}"]
    else:
        both = model.size_bytes() + optimizer.size_bytes
        lines = [f"Total params: {model.total + optimizer.params:,} ({model.readable(both)})"]
    lines += [f"Trainable params: {size(model.trainable, True)}",
              f"Non-trainable params: {size(model.non_trainable, False)}"]
    if model.trainable_unknown:
        lines.append(f"Params whose trainability the file does not record: "
                     f"{size(model.trainable_unknown, None)}")
    if model.optimizer is not None and model.optimizer.problem:
        lines.append(printable(f"Optimizer not counted ({model.optimizer.problem}); "
                               "--optimizer NAME counts a built-in one"))
    if optimizer is None:
        return "\n".join(lines)
    lines.append(f"Optimizer params: {optimizer.params:,} "
                 f"({model.readable(optimizer.size_bytes)})")
    if explain:
        lines += _optimizer_derivation(model)
    where = "the file's compile_config" if optimizer.source == "compile_config" else "--optimizer"
    lines.append(printable(f"Memory for training: {model.readable(both)} = weights "
                           f"{model.readable(model.size_bytes())} + {optimizer.label}'s state "
                           f"{model.readable(optimizer.size_bytes)}"))
    lines.append(f"  (optimizer from {where}; activations and gradients not included)")
    if model.trainable_unknown:
        lines.append("  (weights whose trainability is not recorded are given no optimizer slots)")
    return "\n".join(lines)


def _optimizer_derivation(model: ModelCount) -> list[str]:
    """The optimizer's variables by role: the step counter, the learning rate, one slot of each
    kind per trainable weight."""
    optimizer = model.optimizer
    roles: dict[str, list] = {}
    for v in optimizer.variables:
        roles.setdefault(v.role, []).append(v)
    lines = []
    for role, variables in roles.items():
        count = sum(v.size for v in variables)
        dtypes = "/".join(sorted({v.dtype for v in variables}))
        what = "a scalar" if len(variables) == 1 and variables[0].shape == () else \
            f"{len(variables)} variables"
        lines.append(f"  {role:<22} {what}, {dtypes}  → {count:,} "
                     f"({model.readable(sum(v.bits for v in variables) / 8)})")
    return lines


def _witness_lines(model: ModelCount) -> list[str]:
    witness = model.witness
    if witness is None:
        return []
    if witness.unread:
        return [printable(f"Stored weights not read: {witness.unread}")]
    lines = [f"Stored weights: the shapes of {len(witness.checked)} derived layer(s) match the "
             "file" + ("" if not witness.disagreements else
                       f"; {len(witness.disagreements)} disagree:")]
    lines += [printable(f"  ! {d}") for d in witness.disagreements]
    contradicted = witness.explained + witness.overruled
    if contradicted:
        lines.append(f"The file contradicts the config on {len(contradicted)} layer(s), "
                     "counted from its weights:")
        lines += [printable(f"  † {d}") for d in contradicted]
    return lines
