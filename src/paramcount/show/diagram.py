"""A layer's weights drawn as blocks, roughly to scale, as an SVG that reads in light and dark mode.

Each weight is a rectangle as wide as its last axis and as tall as the rest of its shape (a
convolution kernel is drawn as the matrix it multiplies by). One scale across and one down serve
the whole layer, so a recurrent kernel ``(u, 4·u)`` stands tall beside the thin input kernel
``(m, 4·u)``; the two scales are equal unless the tallest weight would not fit.
Recurrent layers pack their gates side by side along the last axis; those columns are split and
labelled (LSTM and ConvLSTM i, f, c, o; GRU z, r, h), in the order Keras stores them, as the
layer class's registration lists them.

Text and outlines use ``currentColor``, and gate fills come from CSS custom properties with
defaults, so the drawing follows the page's colour scheme.

>>> import paramcount
>>> from paramcount.show.diagram import svg
>>> picture = svg(paramcount.explain_layer("GRU(4)", input_shape="(None, 3)"))
>>> print(picture.startswith("<svg"), "gru_cell/recurrent_kernel" in picture)
#> True True
"""

from __future__ import annotations

import re
from html import escape as _escape_markup

from ..errors import printable
from ..formulas.registry import registration
from ..result import LayerCount, Weight

__all__ = ["svg"]


def escape(text: str) -> str:
    """Escaped for markup, control characters written out (``\\x1b``): names come from files, and
    XML allows no control characters."""
    return _escape_markup(printable(text))


_GATED_WEIGHTS = ("kernel", "recurrent_kernel", "bias")

WIDTH = 360  # widest block, px
TALLEST = 160  # tallest block, px
THINNEST = 6  # a side never drawn thinner than this, so a bias (n,) stays visible
MARGIN = 8
LINE = 16  # height of one line of label text
GATE_ROW = 14  # room for the gate letters above a gated block
GAP = 14  # between one weight and the next
CHAR = 6.8  # rough width of one 12px character, to size the canvas for long labels

STYLE = (
    ".pc-diagram text{fill:currentColor;font-size:12px;font-family:inherit}"
    ".pc-diagram .pc-path{font-weight:600}"
    ".pc-diagram .pc-block{fill:currentColor;fill-opacity:.1;stroke:currentColor;stroke-opacity:.7}"
    ".pc-diagram .pc-outline{fill:none}"
    ".pc-diagram .pc-frozen{stroke-dasharray:4 3}"
    ".pc-diagram .pc-gate{stroke:currentColor;stroke-opacity:.5;fill-opacity:.4}"
    ".pc-diagram .pc-gate-0{fill:var(--pc-gate-0,#3b82f6)}"
    ".pc-diagram .pc-gate-1{fill:var(--pc-gate-1,#f59e0b)}"
    ".pc-diagram .pc-gate-2{fill:var(--pc-gate-2,#10b981)}"
    ".pc-diagram .pc-gate-3{fill:var(--pc-gate-3,#a855f7)}"
    ".pc-diagram .pc-gate-label{text-anchor:middle;font-style:italic}"
    ".pc-diagram .pc-gate-size{font-style:normal}"
)


# A symbol with a subscript, written k_1 in text: drawn as k with a lowered 1.
_SUBSCRIPT = re.compile(r"\b([A-Za-z]+)_([A-Za-z0-9]+)\b")


def subscripts(text: str, tag: str = "sub") -> str:
    """``text`` escaped for markup, with ``k_1`` as k₁: ``<sub>`` in HTML, a lowered ``<tspan>``
    in SVG (``tag="tspan"``)."""
    lowered = ('<tspan baseline-shift="sub" font-size="9">{}</tspan>' if tag == "tspan"
               else "<sub>{}</sub>")
    return _SUBSCRIPT.sub(lambda m: m[1] + lowered.format(m[2]), escape(text))


def _owners(layer: LayerCount) -> list[str]:
    """The class of the layer that holds each of ``layer.weights``: a Bidirectional's weights
    belong to its LSTMs. A layer lists its own weights first, then each sublayer's in turn."""
    nested = [owner for sub in layer.sublayers for owner in _owners(sub)]
    return [layer.class_name] * (len(layer.weights) - len(nested)) + nested


def _gates(weight: Weight, owner: str) -> tuple[tuple[str, str], ...]:
    """The (letter, meaning) of each gate packed along ``weight``'s last axis, if any."""
    registered = registration(owner)
    gates = registered.gates if registered else ()
    if weight.name in _GATED_WEIGHTS and weight.shape and gates and weight.shape[-1] % len(gates) == 0:
        return gates
    return ()


def _matrix(shape: tuple[int, ...]) -> tuple[int, int]:
    """Rows and columns of the weight seen as a matrix: the last axis across, the rest down."""
    rows = 1
    for d in shape[:-1]:
        rows *= d
    return rows, (shape[-1] if shape else 1)


def _clamp(x: float, low: float, high: float) -> float:
    return max(low, min(high, x))


def svg(layer: LayerCount) -> str:
    """The layer's weights as an inline SVG element (one line of markup, no blank lines)."""
    weights = layer.weights
    title = f"Weights of {layer.name} ({layer.class_name}): {layer.params:,} parameters"
    if not weights:
        return _document(title, [f'<text x="{MARGIN}" y="{MARGIN + 12}">{escape(title)} '
                                 "(no weights)</text>"], WIDTH + 2 * MARGIN, MARGIN * 2 + LINE)
    matrices = [_matrix(w.shape) for w in weights]
    # True proportions when they fit; otherwise heights are squeezed more than widths, but each
    # axis keeps one scale, so blocks still compare truly along it.
    across = WIDTH / max(c for _, c in matrices)
    down = min(across, TALLEST / max(r for r, _ in matrices))
    owners = _owners(layer)
    parts, y, widest = [], MARGIN, WIDTH
    for weight, (rows, cols), owner in zip(weights, matrices, owners):
        width = _clamp(cols * across, THINNEST, WIDTH)
        height = _clamp(rows * down, THINNEST, TALLEST)
        details = f"{weight.shape_label} → {weight.size:,} parameters"
        if not weight.trainable:
            details += " (non-trainable)"
        widest = max(widest, CHAR * max(len(weight.path), len(details)))
        parts.append(f'<g class="pc-weight" data-path="{escape(weight.path)}">'
                     f"<title>{escape(weight.path)} {escape(details)}</title>"
                     f'<text class="pc-path" x="{MARGIN}" y="{y + 12}">{escape(weight.path)}</text>'
                     f'<text class="pc-shape" x="{MARGIN}" y="{y + 12 + LINE}">'
                     f'{subscripts(details, "tspan")}</text>')
        y += 2 * LINE + 4
        frozen = "" if weight.trainable else " pc-frozen"
        gates = _gates(weight, owner)
        if gates:
            column = width / len(gates)
            per_gate = weight.size // len(gates)  # each gate owns an equal share of the tensor
            for i, (gate, _) in enumerate(gates):
                x = MARGIN + i * column
                parts.append(f'<text class="pc-gate-label" x="{x + column / 2:.1f}" y="{y + 10}">'
                             f'{gate}<tspan class="pc-gate-size"> · {per_gate:,}</tspan></text>')
            y += GATE_ROW
            for i, (gate, meaning) in enumerate(gates):
                x = MARGIN + i * column
                parts.append(f'<rect class="pc-gate pc-gate-{i}{frozen}" data-gate="{gate}" '
                             f'x="{x:.1f}" y="{y}" width="{column:.1f}" height="{height:.1f}">'
                             f"<title>{gate}: {meaning} gate, "
                             f"{weight.shape[-1] // len(gates):,} columns, {per_gate:,} "
                             "parameters</title></rect>")
        outline = " pc-outline" if gates else ""  # the gate columns are already filled
        parts.append(f'<rect class="pc-block{outline}{frozen}" x="{MARGIN}" y="{y}" '
                     f'width="{width:.1f}" height="{height:.1f}"/></g>')
        y += height + GAP
    return _document(title, parts, widest + 2 * MARGIN, y - GAP + MARGIN)


def _document(title: str, parts: list[str], width: float, height: float) -> str:
    width, height = round(width), round(height)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="pc-diagram" role="img" '
            f'aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" style="max-width:100%;height:auto">'
            f"<title>{escape(title)}</title><style>{STYLE}</style>{''.join(parts)}</svg>")
