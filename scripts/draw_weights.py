"""Draw an LSTM layer's weight tensors, split into its gate blocks, as an SVG.

The shapes come from a real Keras layer (`LSTM(20)` on 20 steps of 1 feature, the layer of
docs/questions/lstm-weights-by-gate.md), so the picture cannot drift from what Keras builds.
Colours: text and outlines use `currentColor`, so the drawing follows the page's light or dark
theme when inlined; gate fills are translucent, readable on either background.

    python scripts/draw_weights.py          # rewrites docs/assets/img/lstm-gates.svg

tests/test_docs.py checks that the committed file is what this script draws.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "assets" / "img" / "lstm-gates.svg"

GATES = [  # Keras' order along the 4u axis
    ("i", "input gate", "#3b82f6"),
    ("f", "forget gate", "#f59e0b"),
    ("c", "cell candidate", "#10b981"),
    ("o", "output gate", "#ec4899"),
]
CELL = 6  # pixels per weight column / row
MIN_HEIGHT = 14  # a one-row tensor still needs room to be seen
LEFT = 250  # room for the tensor labels
TOP = 34  # room for the gate letters


def weight_shapes(units: int = 20, steps: int = 20, features: int = 1) -> list[tuple[str, tuple]]:
    """(name, shape) of each weight of a built Keras 3 LSTM, in Keras' order."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    lstm = keras.layers.LSTM(units)
    keras.Sequential([keras.Input(shape=(steps, features)), lstm])
    return [(weight.name, tuple(weight.shape)) for weight in lstm.cell.weights]


def draw(shapes: list[tuple[str, tuple]]) -> str:
    """The SVG text: one band per tensor, its 4u columns split into the four gates.

    Every element sits on one line, so the docs' number audit can read the labels as prose.
    """
    columns = shapes[0][1][-1]
    units = columns // len(GATES)
    width = LEFT + columns * CELL + 10
    rows, y = [], TOP
    for name, shape in shapes:
        height = max(MIN_HEIGHT, (shape[0] if len(shape) == 2 else 1) * CELL)
        size = math.prod(shape)
        label = f"{name} {shape} = {size:,}"
        rows.append(f'<text x="{LEFT - 8}" y="{y + height / 2 + 4:g}" text-anchor="end">{label}</text>')
        for index, (_, gate, colour) in enumerate(GATES):
            x = LEFT + index * units * CELL
            rows.append(
                f'<rect x="{x}" y="{y}" width="{units * CELL}" height="{height}" fill="{colour}"'
                f' fill-opacity="0.35" stroke="currentColor"><title>{name}, {gate}</title></rect>'
            )
            rows.append(  # what one gate's slice holds
                f'<text x="{x + units * CELL / 2:g}" y="{y + height / 2 + 4:g}" text-anchor="middle"'
                f' font-size="11">{size // len(GATES):,}</text>'
            )
        y += height + 12
    letters = [
        f'<text x="{LEFT + (index + 0.5) * units * CELL:g}" y="{TOP - 10}" text-anchor="middle"'
        f' font-weight="bold">{letter}</text>'
        for index, (letter, _, _) in enumerate(GATES)
    ]
    title = (
        f"LSTM weights: kernel, recurrent kernel and bias, each split into the i, f, c, o gates of"
        f" {units} columns"
    )
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {y}" width="{width}"'
            f' height="{y}" role="img" aria-label="{title}" font-family="sans-serif"'
            ' font-size="13" fill="currentColor">',
            f"<title>{title}</title>",
            *letters,
            *rows,
            "</svg>",
            "",
        ]
    )


def main() -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(draw(weight_shapes()), encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
