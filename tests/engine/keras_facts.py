"""What the file tests hold paramcount to: Keras' own totals of a built model, and the command that
runs paramcount as a user would. Shared by test_stored_weights and test_file_decides."""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("paramcount")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "paramcount.cli"]


def _size(weight) -> int:
    n = 1
    for d in weight.shape:
        n *= int(d)
    return n


def facts(model) -> dict:
    """Keras' totals and, per top-level layer, (params, trainable) as the model trains them."""
    trainable_ids = {id(w) for w in model.trainable_weights}
    layers = {layer.name: (sum(_size(w) for w in layer.weights),
                           sum(_size(w) for w in layer.weights if id(w) in trainable_ids))
              for layer in model.layers}
    return {"total": int(model.count_params()), "layers": layers,
            "trainable": sum(_size(w) for w in model.trainable_weights)}
