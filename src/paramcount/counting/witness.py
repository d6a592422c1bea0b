"""Stored weights as a second witness: layers no formula covers are counted from the shapes the
file stores, and every derived layer is checked against them (where they disagree, the file
decides: see :mod:`paramcount.counting.decide`).

The weights file is read only when there is one (a ``.keras`` archive, a ``.h5`` file, or
``--weights``), and only its metadata: the variables' shapes, never their values.
"""

from __future__ import annotations

from collections import Counter

from ..expr import Num
from ..result import LayerCount, ModelCount, Weight, Witness, format_shape
from ..sizes import variable_dtype

__all__ = ["stored_layer_count", "subclassed_count", "cross_check", "agrees", "shapes_text",
           "NO_TRAINABILITY"]

NO_TRAINABILITY = ("trainable split not recorded: the file stores these weights' shapes but not "
                   "which are trainable, and the config does not decide it (no trainable=False "
                   "on the layer or its model)")


def stored_layer_count(name: str, class_name: str, config: dict, found, reason: str, *,
                       frozen: str | None = None, model_name: str | None = None) -> LayerCount:
    """A layer counted from the shapes its file stores. ``frozen``: "layer" or "model" when
    ``trainable: false`` on the layer or on its model makes every weight non-trainable."""
    if frozen is None and isinstance(config, dict) and config.get("trainable") is False:
        frozen = "layer"
    # The file's own dtypes are not read: the layer's policy gives them (float32 by default).
    dtype = variable_dtype(config.get("dtype") if isinstance(config, dict) else None)
    weights = [Weight(path, shape, False if frozen else None, dtype=dtype)
               for path, shape in zip(found.paths, found.shapes)]
    notes = [f"counted from the stored weights ({reason.split(': ')[-1]}); their bytes assume "
             f"the layer's dtype, {dtype}"]
    if weights and frozen == "layer":
        notes.append("trainable=False on the layer: all of its weights are non-trainable")
    elif weights and frozen == "model":
        notes.append(f"trainable=False on the model '{model_name}': all of its weights are "
                     "non-trainable")
    elif weights:
        notes.append(NO_TRAINABILITY)
    return LayerCount(name, class_name, weights, Num(sum(w.size for w in weights)),
                      notes=notes, source="stored weights")


def agrees(layer: LayerCount, found) -> bool:
    """Whether the file stores the weights the formula derives (as shapes: Keras 3 numbers its
    variables instead of naming them)."""
    derived = Counter(w.shape for w in layer.weights)
    kept = Counter(tuple(s) for s in found.shapes)
    # Keras 3 folds LoRA factors into the kernel when it saves.
    folded = Counter(w.shape for w in layer.weights if not w.name.startswith("lora_"))
    return kept == derived or kept == folded


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


def cross_check(model: ModelCount, stored, unread: str | None, file: str | None,
                overruled: list[str] = (), explained: list[str] = ()) -> Witness:
    """Compare each layer with the shapes stored for it; record every disagreement.
    ``overruled`` and ``explained``: the layers the file contradicted, counted from it instead,
    without and with a known reason."""
    if stored is None:
        return Witness(file or "", unread=unread)
    witness = Witness(stored.file, overruled=list(overruled), explained=list(explained))
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
        if agrees(layer, found):
            if layer.weights:
                witness.checked.append(layer.name)
            continue
        derived = Counter(w.shape for w in layer.weights)
        kept = Counter(tuple(s) for s in found.shapes)
        message = (f"layer '{layer.name}': paramcount derives {shapes_text(derived)}, the file "
                   f"stores {shapes_text(kept)}")
        witness.disagreements.append(message)
        layer.notes.append("stored weights disagree: " + message.split(": ", 1)[1])
    for name, found in stored.layers.items():
        if name not in listed and found.shapes and not found.outside:
            witness.disagreements.append(f"the file stores weights for '{name}', a layer the "
                                         "config does not list")
    return witness


def shapes_text(counter: Counter) -> str:
    shapes = sorted(counter.elements(), key=lambda s: (len(s), s))
    return "[" + ", ".join(format_shape(s) for s in shapes) + "]" if shapes else "no weights"
