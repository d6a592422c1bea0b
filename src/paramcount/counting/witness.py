"""Stored weights as a second witness: layers no formula covers are counted from the shapes the
file stores, and every derived layer is checked against them.

The weights file is read only when there is one (a ``.keras`` archive, a ``.h5`` file, or
``--weights``), and only its metadata: the variables' shapes, never their values.
"""

from __future__ import annotations

from collections import Counter

from ..expr import Num
from ..result import LayerCount, ModelCount, Weight, Witness, format_shape
from ..sizes import variable_dtype

__all__ = ["stored_layer_count", "subclassed_count", "cross_check", "NO_TRAINABILITY"]

NO_TRAINABILITY = ("the file stores these weights' shapes but not which are trainable, so "
                   "their trainable/non-trainable split is unknown")


def stored_layer_count(name: str, class_name: str, config: dict, found, reason: str
                       ) -> LayerCount:
    """A layer no formula covers, counted from the shapes its file stores."""
    frozen = isinstance(config, dict) and config.get("trainable") is False
    # The file's own dtypes are not read: the layer's policy gives them (float32 by default).
    dtype = variable_dtype(config.get("dtype") if isinstance(config, dict) else None)
    weights = [Weight(path, shape, False if frozen else None, dtype=dtype)
               for path, shape in zip(found.paths, found.shapes)]
    notes = [f"counted from the stored weights ({reason.split(': ')[-1]}); their bytes assume "
             f"the layer's dtype, {dtype}"]
    if weights and not frozen:
        notes.append(NO_TRAINABILITY)
    return LayerCount(name, class_name, weights, Num(sum(w.size for w in weights)),
                      notes=notes, source="stored weights")


def subclassed_count(model: dict, stored) -> ModelCount:
    """A subclassed Model's config lists no layers; its stored weights still give each tracked
    layer's shapes, so the total is exact (the split is not recorded)."""
    name = str((model.get("config") or {}).get("name") or model.get("class_name"))
    reason = "a layer of a subclassed Model, whose code paramcount never runs"
    layers = [stored_layer_count(found.name, "?", {}, found, reason)
              for found in stored.layers.values()]
    counted = ModelCount(name, str(model.get("class_name")), layers, 3)
    counted.witness = Witness(stored.file)
    return counted


def cross_check(model: ModelCount, stored, unread: str | None, file: str | None) -> Witness:
    """Compare each layer with the shapes stored for it; record every disagreement."""
    if stored is None:
        return Witness(file or "", unread=unread)
    witness = Witness(stored.file)
    listed = set()
    for layer in model.layers:
        listed.add(layer.name)
        found = stored.layers.get(layer.name)
        if layer.source == "stored weights":
            continue
        if found is None:
            if layer.weights:
                witness.disagreements.append(
                    f"layer '{layer.name}': the file stores no weights for it")
            continue
        derived = Counter(w.shape for w in layer.weights)
        kept = Counter(tuple(s) for s in found.shapes)
        # Keras 3 folds LoRA factors into the kernel when it saves.
        folded = Counter(w.shape for w in layer.weights if not w.name.startswith("lora_"))
        if kept == derived or kept == folded:
            if layer.weights:
                witness.checked.append(layer.name)
            continue
        message = (f"layer '{layer.name}': paramcount derives {_shapes(derived)}, the file "
                   f"stores {_shapes(kept)}")
        witness.disagreements.append(message)
        layer.notes.append("stored weights disagree: " + message.split(": ", 1)[1])
    for name, found in stored.layers.items():
        if name not in listed and found.shapes and not found.outside:
            witness.disagreements.append(f"the file stores weights for '{name}', a layer the "
                                         "config does not list")
    return witness


def _shapes(counter: Counter) -> str:
    shapes = sorted(counter.elements(), key=lambda s: (len(s), s))
    return "[" + ", ".join(format_shape(s) for s in shapes) + "]" if shapes else "no weights"
