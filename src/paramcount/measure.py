"""``--keras``: count a model with layers paramcount has no formula for, by asking Keras.

This is the one place paramcount runs Keras, and only when asked. The model is loaded with the
installed Keras in safe mode (no lambdas are deserialized) and without compiling; every layer
paramcount can derive is still derived from its formula, and only the others take Keras' numbers,
marked ``measured=True``.

Loading a custom layer needs its class: Keras finds it when the package that registers it is
imported, so the modules the config names for such layers are imported first. That runs code
installed on this machine, never code from the file.
"""

from __future__ import annotations

import importlib
import io
import json
import os
from contextlib import redirect_stdout
from pathlib import Path

from .config import keras_major, load_model_config
from .errors import ParamcountError
from .expr import Num
from .graph import count_model
from .result import LayerCount, ModelCount, Weight

__all__ = ["count_with_keras"]


def count_with_keras(source, input_shape=None) -> ModelCount:
    """Count ``source`` (a ``.keras`` archive or a JSON config file), measuring with Keras the
    layers that paramcount cannot derive."""
    config = load_model_config(source)
    model = _load(source, config)
    layers = {layer.name: layer for layer in model.layers}

    def measure(name: str, class_name: str, reason: str) -> LayerCount:
        layer = layers.get(name)
        if layer is None:
            raise ParamcountError(f"{reason} (and Keras' model has no layer '{name}' to measure)")
        return measured_layer(layer, class_name, reason)

    return count_model(config, input_shape, measure=measure)


def measured_layer(layer, class_name: str, reason: str) -> LayerCount:
    """A layer's count as Keras reports it: its weights, paths relative to the layer."""
    trainable = {id(w) for w in layer.trainable_weights}
    weights = [Weight(_relative_path(w, layer.name), tuple(int(d) for d in w.shape),
                      id(w) in trainable) for w in layer.weights]
    count = LayerCount(layer.name, class_name, weights, Num(sum(w.size for w in weights)),
                       _shapes(layer, "input"), _shapes(layer, "output"),
                       notes=[f"measured by loading the model with Keras ({reason.split(': ')[-1]})"],
                       measured=True)
    if count.output_shape is None:
        raise ParamcountError(f"{reason}; Keras loaded it but reports no output shape")
    return count


def _relative_path(w, layer_name: str) -> str:
    path = (getattr(w, "path", None) or w.name).split(":")[0]
    parts = path.split("/")
    if layer_name in parts:
        parts = parts[parts.index(layer_name) + 1:]
    return "/".join(parts)


def _shapes(layer, which: str):
    nodes = getattr(layer, "_inbound_nodes", None) or []
    try:
        tensors = getattr(layer, which)  # raises for a layer called more than once
    except (AttributeError, ValueError, RuntimeError):
        tensors = getattr(nodes[0], f"{which}_tensors", None) if nodes else None
    if tensors is None:
        return None
    if isinstance(tensors, (list, tuple)):
        shapes = [tuple(t.shape) for t in tensors]
        return shapes[0] if len(shapes) == 1 else shapes
    if isinstance(tensors, dict):
        return [tuple(t.shape) for t in tensors.values()]
    return tuple(tensors.shape)


def _load(source, config: dict):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    is_path = isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and Path(source).is_file())
    path = Path(source) if is_path else None
    version = keras_major(config)
    _import_custom_modules(config)
    try:
        with redirect_stdout(io.StringIO()):  # keep our stdout for the answer
            if version == 2:
                import tf_keras as keras
            else:
                import keras
            if path is not None and path.suffix == ".keras":
                return keras.models.load_model(path, safe_mode=True, compile=False)
            return keras.models.model_from_json(json.dumps(config))
    except ImportError as e:
        raise ParamcountError(f"--keras needs Keras installed ({e})") from None
    except Exception as e:  # Keras raises many kinds; report its message in one line
        message = " ".join(str(e).split())
        raise ParamcountError(f"Keras could not load the model: {type(e).__name__}: "
                              f"{message[:300]}") from None


def _import_custom_modules(config) -> None:
    """Import the packages that register the config's custom layers, so Keras can find them."""
    modules = set()

    def walk(x):
        if isinstance(x, dict):
            module, registered = x.get("module"), x.get("registered_name")
            if isinstance(module, str) and isinstance(registered, str) and ">" in registered \
                    and not module.startswith(("keras", "tf_keras")):
                modules.add(module)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(config)
    for module in sorted(modules):
        try:
            importlib.import_module(module)
        except Exception:  # Keras will report the class it cannot find
            pass
