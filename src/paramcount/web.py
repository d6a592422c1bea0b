"""The calculator's entry point: what the page calls, in the browser, through Pyodide.

The calculator page runs this very package on Pyodide (Python compiled to WebAssembly), so the
numbers it shows come from the same formulas as the CLI and the site's pages. The page calls
:func:`calculate` on every edit and shows the HTML of :func:`results_html`; the site's build calls
:func:`results_html` too, to put the default example into the page before Python has started.

>>> import json
>>> answer = json.loads(calculate("LSTM(10)", "(None, 1)"))
>>> print(answer["ok"], answer["total"], answer["formula_text"])
#> True 480 4·u·(m + u + 1)
>>> typo = json.loads(calculate("LTSM(10)", "(None, 1)"))
>>> print(typo["ok"], typo["field"], typo["error"])
#> False layer unknown layer 'LTSM' (did you mean LSTM?)
"""

from __future__ import annotations

import json

from . import count_layer_entry
from .errors import ParamcountError, UnknownLayerError, printable
from .read.layercode import parse_layer
from .reconciling import reconcile
from .result import LayerCount, Weight, format_shape
from .safety import InternalError
from .show.diagram import escape, subscripts, svg
from .show.doors import constant_meanings, formula_section
from .show.mathml import formula as formula_mathml
from .sizes import bits_to_bytes, readable_size

__all__ = ["calculate", "result", "results_html", "reconcile_summary"]


def result(layer_code: str, input_shape: str) -> dict:
    """The count as plain data, with its results panel as HTML, or ``{"ok": False, "error": ...,
    "field": ...}`` naming the input field ("layer" or "input_shape") the one-line error is about."""
    try:
        # An empty shape is fine when the code gives one, e.g. LSTM(8, input_shape=(5, 3)).
        layer = count_layer_entry(parse_layer(layer_code), input_shape.strip() or None)
        return _answer(layer, layer_code, input_shape)
    except InternalError as e:  # a bug met by this input (an error, but not the input's)
        return {"ok": False, "error": str(e), "field": "layer", "internal": True}
    except UnknownLayerError as e:  # a door to where any layer can be counted
        return {"ok": False, "error": str(e), "field": "layer", "door_html": _unknown_door(e)}
    except ParamcountError as e:  # the error knows when it is about the shape; else the code
        return {"ok": False, "error": str(e), "field": e.field or "layer"}
    except Exception as e:  # a bug in paramcount, not bad input: say so, never show a number
        return {"ok": False, "error": printable(f"paramcount failed ({type(e).__name__}: {e}); "
                                                "please report this layer and shape"),
                "field": "layer", "internal": True}


def _answer(layer: LayerCount, layer_code: str, input_shape: str) -> dict:
    # The layer's own parts of layer.to_dict(), without its sublayers' dicts: those of a wrapper
    # nested in wrappers repeat every level's weights, and the panel shows none of them.
    data = {"weights": [w.to_dict() for w in layer.weights],
            "symbols": [{"name": s.name, "value": s.value, "meaning": s.meaning}
                        for s in layer.symbols],
            "derivation": layer.derivation}
    mathml = formula_mathml(layer.expr, layer.params)
    diagram = svg(layer)
    return {
        "ok": True,
        "layer": layer_code.strip(),
        "input_shape": input_shape.strip(),
        "name": layer.name,
        "class_name": layer.class_name,
        "total": layer.params,
        "trainable": layer.trainable,
        "non_trainable": layer.non_trainable,
        "bytes": _bytes(layer),  # the weights at their dtypes, as summary() adds them
        "size": readable_size(_bytes(layer)),
        "weights": data["weights"],
        "symbols": data["symbols"],
        "derivation": data["derivation"],
        "notes": layer.notes,
        "output_shape": format_shape(layer.output_shape) if layer.output_shape is not None else None,
        "formula_text": layer.formula,
        "formula_page": formula_section(layer.class_name),
        "constants": [[number, meaning] for number, meaning in constant_meanings(layer)],
        "substituted_text": layer.expr.text(substitute=True),
        "formula_mathml": mathml,
        "diagram_svg": diagram,
        "results_html": _panel(layer, mathml, diagram),
    }


def calculate(layer_code: str, input_shape: str) -> str:
    """:func:`result` as JSON text: what the page's JavaScript receives.

    Like every entry point it answers any text, however hostile, with a count or ``"ok": False``
    and one line; within the limits of :mod:`paramcount.safety` (layer code and shape of at most
    10,000 characters each) it answers within the budget documented for ``paramcount explain``
    (2 s, 300 MB), so a caller may give up on it after that."""
    return json.dumps(result(layer_code, input_shape))


def results_html(answer: dict) -> str:
    """The results panel of one :func:`result` (empty for an error)."""
    return answer["results_html"] if answer["ok"] else ""


def _panel(layer: LayerCount, mathml: str, diagram: str) -> str:
    """Totals, formula, symbols, notes, weights, diagram and derivation, from the count itself."""
    totals = "".join(
        f'<div><dt>{label}</dt><dd data-result="{key}">{value:,}</dd></div>'
        for key, label, value in (("total", "Total params", layer.params),
                                  ("trainable", "Trainable", layer.trainable),
                                  ("non_trainable", "Non-trainable", layer.non_trainable)))
    dtypes = ", ".join(sorted({w.dtype for w in layer.weights})) or "no weights"
    totals += (f'<div><dt>Size</dt><dd data-result="size">{readable_size(_bytes(layer))}</dd>'
               f"</div><div><dt>dtype</dt><dd>{escape(dtypes)}</dd></div>")
    symbols = "".join(
        f"<tr><td><var>{subscripts(s.name)}</var></td><td>{s.value:,}</td>"
        f"<td>{escape(s.meaning)}</td></tr>" for s in layer.symbols)
    weights = "".join(_weight_row(w) for w in layer.weights)
    notes = "".join(f"<li>{escape(n)}</li>" for n in layer.notes)
    constants = "".join(f"<li><strong>{number:,}</strong>: {escape(meaning)}</li>"
                        for number, meaning in constant_meanings(layer))
    output = (f'<p class="pc-output">Output shape: <code>{escape(format_shape(layer.output_shape))}'
              "</code></p>" if layer.output_shape is not None else "")
    return (
        f'<dl class="pc-totals">{totals}</dl>'
        f'<h3>Formula</h3><div class="pc-formula">{mathml}</div>'
        + (f'<ul class="pc-constants">{constants}</ul>' if constants else "")
        + _formula_door(layer)
        + (f'<div class="pc-table-scroll"><table><thead><tr><th>Symbol</th><th>Value</th>'
           f"<th>Meaning</th></tr></thead><tbody>{symbols}</tbody></table></div>" if symbols else "")
        + (f"<ul class=\"pc-notes\">{notes}</ul>" if notes else "")
        + output
        + f'<h3>Weights</h3><div class="pc-table-scroll"><table>'
        f"<thead><tr><th>Weight</th><th>Shape</th><th>Params</th><th>Trainable</th></tr></thead>"
        f"<tbody>{weights}</tbody></table></div>"
        f'<div class="pc-diagram-box">{diagram}</div>'
        f'<details class="pc-derivation"><summary>Derivation as text (what <code>paramcount '
        f"explain</code> prints)</summary><pre><code>{chr(10).join(map(escape, layer.derivation))}"
        f"</code></pre></details>"
    )


# The calculator is the page calculator/ of the site (directory URLs, under both builders), and
# these links go into HTML made in the browser, which no builder rewrites: relative to that page.
SITE_ROOT = "../"


def site_href(markdown_path: str) -> str:
    """``"formulas/lstm.md#count"`` -> ``"../formulas/lstm/#count"``, from the calculator page."""
    path, _, anchor = markdown_path.partition("#")
    return SITE_ROOT + path.removesuffix(".md") + "/" + (f"#{anchor}" if anchor else "")


def _formula_door(layer: LayerCount) -> str:
    """Where the formula is derived; a class without a page of its own is found among the
    supported layers, filtered to it."""
    section = formula_section(layer.class_name)
    if section:
        return (f'<p class="pc-door"><a href="{escape(site_href(section))}" data-door="formula">'
                f"How {escape(layer.class_name)} is counted, step by step</a></p>")
    return (f'<p class="pc-door"><a href="{escape(site_href("supported-layers.md"))}?filter='
            f'{escape(layer.class_name)}" data-door="supported">{escape(layer.class_name)} among '
            "the supported layers</a></p>")


def _unknown_door(error: UnknownLayerError) -> str:
    return (f"paramcount has no formula for {escape(error.class_name)}. "
            f'<a href="{site_href("supported-layers.md")}" data-door="supported">The supported '
            "layers</a> lists every class it counts; a layer of your own is counted from the "
            f'weights a saved file stores: <a href="{site_href("explain.md#custom-layers")}" '
            'data-door="saved-file">count a saved file</a>.')


def _bytes(layer: LayerCount) -> int | float:
    return bits_to_bytes(sum(w.bits for w in layer.weights))


def _weight_row(weight: Weight) -> str:
    return (f'<tr data-weight-path="{escape(weight.path)}" '
            f'data-weight-shape="{escape(json.dumps(list(weight.shape)))}">'
            f"<td><code>{escape(weight.path)}</code></td><td>{subscripts(weight.shape_label)}</td>"
            f"<td>{weight.size:,}</td><td>{'yes' if weight.trainable else 'no'}</td></tr>")


# --- the reconcile page ------------------------------------------------------------------------

def reconcile_summary(text: str) -> str:
    """A pasted ``model.summary()`` reconciled, as JSON for the reconcile page: ``{"ok": true,
    "html": ..., "result": <reconcile --json>}``, or ``{"ok": false, "error": ...}``."""
    try:
        reconciled = reconcile(text)
    except InternalError as e:  # a bug met by this table (an error, but not the table's)
        return json.dumps({"ok": False, "error": str(e), "internal": True})
    except ParamcountError as e:
        return json.dumps({"ok": False, "error": str(e)})
    except Exception as e:  # a bug in paramcount, not bad input: say so, never show a number
        return json.dumps({"ok": False, "error": f"paramcount failed ({type(e).__name__}: {e}); "
                           "please report this table", "internal": True})
    return json.dumps({"ok": True, "html": reconcile_html(reconciled),
                       "result": reconciled.to_dict()})


def reconcile_html(reconciled) -> str:
    """Each row with its derivation or the reason there is none, then the totals' check."""
    rows = []
    for r in reconciled.rows:
        shape = format_shape(r.output_shape) if r.output_shape is not None else "?"
        given = format_shape(r.input_shape) if r.input_shape is not None else "?"
        # One line per setting that fits; escape() writes control characters out, newlines too.
        explanation = "\n".join(escape(line) for line in (r.derivation or "").splitlines())
        if r.note:
            explanation += f'<span class="pc-note">{escape(r.note)}</span>'
        params = "?" if r.params is None else f"{r.params:,}"
        rows.append(
            f'<tr data-explained="{str(r.explained).lower()}" style="--pc-depth: {r.depth}">'
            f'<td>{"✓" if r.explained else "✗"}</td>'
            f'<td class="pc-layer"><code>{escape(r.name)}</code> ({escape(r.class_name)})</td>'
            f"<td><code>{escape(given)}</code></td><td><code>{escape(shape)}</code></td>"
            f'<td class="pc-num">{params}</td><td class="pc-why">{explanation}</td></tr>')
    notes = "".join(f"<li>{escape(n)}</li>" for n in reconciled.notes)
    return ('<div class="pc-table-scroll"><table class="pc-reconciled"><thead><tr><th></th>'
            "<th>Layer</th><th>Input (solved)</th><th>Output</th><th>Params</th>"
            f'<th>Why</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            f'<ul class="pc-notes">{notes}</ul>')
