"""The calculator's entry point: what the page calls, in the browser, through Pyodide.

The calculator page runs this very package on Pyodide (Python compiled to WebAssembly), so the
numbers it shows come from the same formulas as the CLI and the site's pages. The page calls
:func:`calculate` on every edit and shows the HTML of :func:`results_html`; the site's build calls
:func:`results_html` too, to put the default example into the page before Python has started.

>>> import json
>>> answer = json.loads(calculate("LSTM(10)", "(None, 1)"))
>>> print(answer["ok"], answer["total"], answer["formula_text"])
#> True 480 4·u·(m + u + 1)
>>> print(json.loads(calculate("LTSM(10)", "(None, 1)")))
#> {'ok': False, 'error': "unknown layer 'LTSM' (did you mean LSTM?)", 'field': 'layer'}
"""

from __future__ import annotations

import json
import re
from html import escape

from . import explain_layer
from .diagram import subscripts, svg
from .errors import ParamcountError
from .layercode import parse_layer
from .mathml import formula as formula_mathml
from .result import LayerCount, Weight, format_shape

__all__ = ["calculate", "result", "results_html"]

# Once the layer code reads, an error that speaks of the input shape (unreadable, missing, or one
# the layer cannot take) is about the shape field; any other is about the layer's arguments.
_ABOUT_THE_SHAPE = re.compile(r"input shape|got shape|of rank")


def result(layer_code: str, input_shape: str) -> dict:
    """The count as plain data, or ``{"ok": False, "error": ..., "field": ...}`` naming the input
    field ("layer" or "input_shape") the one-line error is about."""
    try:
        return _answer(_count(layer_code, input_shape), layer_code, input_shape)
    except _FieldError as e:
        return {"ok": False, "error": str(e), "field": e.field}
    except Exception as e:  # a bug in paramcount, not bad input: say so, never show a number
        return {"ok": False, "error": f"paramcount failed ({type(e).__name__}: {e}); please report "
                "this layer and shape", "field": "layer", "internal": True}


def _answer(layer: LayerCount, layer_code: str, input_shape: str) -> dict:
    data = layer.to_dict()
    return {
        "ok": True,
        "layer": layer_code.strip(),
        "input_shape": input_shape.strip(),
        "name": layer.name,
        "class_name": layer.class_name,
        "total": layer.params,
        "trainable": layer.trainable,
        "non_trainable": layer.non_trainable,
        "weights": data["weights"],
        "symbols": data["symbols"],
        "derivation": layer.derivation,
        "notes": layer.notes,
        "output_shape": format_shape(layer.output_shape) if layer.output_shape is not None else None,
        "formula_text": layer.formula,
        "substituted_text": layer.expr.text(substitute=True),
        "formula_mathml": formula_mathml(layer.expr, layer.params),
        "diagram_svg": svg(layer),
    }


def calculate(layer_code: str, input_shape: str) -> str:
    """:func:`result` as JSON text, with its ``results_html`` when it is a count: what the page's
    JavaScript receives."""
    answer = result(layer_code, input_shape)
    if answer["ok"]:
        answer["results_html"] = results_html(answer)
    return json.dumps(answer)


class _FieldError(ParamcountError):
    def __init__(self, error: ParamcountError, field: str):
        super().__init__(str(error))
        self.field = field


def _count(layer_code: str, input_shape: str) -> LayerCount:
    try:
        parse_layer(layer_code)
    except ParamcountError as e:
        raise _FieldError(e, "layer") from None
    try:
        # An empty shape is fine when the code gives one, e.g. LSTM(8, input_shape=(5, 3)).
        return explain_layer(layer_code, input_shape.strip() or None)
    except ParamcountError as e:
        raise _FieldError(e, "input_shape" if _ABOUT_THE_SHAPE.search(str(e)) else "layer") from None


def results_html(answer: dict) -> str:
    """The results panel for one :func:`result`: totals, formula, weights, diagram, derivation."""
    if not answer["ok"]:
        return ""
    totals = "".join(
        f'<div><dt>{label}</dt><dd data-result="{key}">{answer[key]:,}</dd></div>'
        for key, label in (("total", "Total params"), ("trainable", "Trainable"),
                           ("non_trainable", "Non-trainable")))
    formula = answer["formula_mathml"]
    symbols = "".join(
        f"<tr><td><var>{subscripts(s['name'])}</var></td><td>{s['value']:,}</td>"
        f"<td>{escape(s['meaning'])}</td></tr>" for s in answer["symbols"])
    weights = "".join(_weight_row(w) for w in answer["weights"])
    notes = "".join(f"<li>{escape(n)}</li>" for n in answer["notes"])
    output = (f'<p class="pc-output">Output shape: <code>{escape(answer["output_shape"])}</code></p>'
              if answer["output_shape"] else "")
    return (
        f'<dl class="pc-totals">{totals}</dl>'
        f'<h3>Formula</h3><div class="pc-formula">{formula}</div>'
        + (f'<div class="pc-table-scroll"><table><thead><tr><th>Symbol</th><th>Value</th>'
           f"<th>Meaning</th></tr></thead><tbody>{symbols}</tbody></table></div>" if symbols else "")
        + (f"<ul class=\"pc-notes\">{notes}</ul>" if notes else "")
        + output
        + f'<h3>Weights</h3><div class="pc-table-scroll"><table>'
        f"<thead><tr><th>Weight</th><th>Shape</th><th>Params</th><th>Trainable</th></tr></thead>"
        f"<tbody>{weights}</tbody></table></div>"
        f'<div class="pc-diagram-box">{answer["diagram_svg"]}</div>'
        f'<details class="pc-derivation"><summary>Derivation as text (what <code>paramcount '
        f"explain</code> prints)</summary><pre><code>{escape(chr(10).join(answer['derivation']))}"
        f"</code></pre></details>"
    )


def _weight_row(weight: dict) -> str:
    shape = Weight(weight["path"], tuple(weight["shape"]), weight["trainable"],
                   tuple(weight["symbolic_shape"] or ()) or None).shape_label
    return (f'<tr data-weight-path="{escape(weight["path"])}" '
            f'data-weight-shape="{escape(json.dumps(weight["shape"]))}">'
            f"<td><code>{escape(weight['path'])}</code></td><td>{subscripts(shape)}</td>"
            f"<td>{weight['size']:,}</td><td>{'yes' if weight['trainable'] else 'no'}</td></tr>")
