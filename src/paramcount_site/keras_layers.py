"""The layer classes of the pinned Keras 3 (``keras.layers``), tf-keras (``tf_keras.layers``) and
KerasHub (``keras_hub.layers``), kept in ``keras_layers.json`` so that the site builds without
importing TensorFlow.

Written by ``python -m paramcount_site.keras_layers`` (which imports both); tests/site/test_supported.py
checks that the file matches the installed packages, so a new release cannot add a layer silently.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

FILE = Path(__file__).with_name("keras_layers.json")
PACKAGES = {"keras": "keras.layers", "tf_keras": "tf_keras.layers", "keras_hub": "keras_hub.layers"}
# A package's classes are registered, and written in configs, under its prefix:
# keras_hub.layers.TransformerEncoder is "keras_hub>TransformerEncoder".
PREFIX = {"keras_hub": "keras_hub>"}


def registered_name(package: str, class_name: str) -> str:
    """The name a config gives ``class_name`` of ``package``: what paramcount registers."""
    return PREFIX.get(package, "") + class_name


def load() -> dict[str, dict]:
    """{"keras": {"version": "3.15.1", "classes": [...]}, "tf_keras": {...}} from the file."""
    return json.loads(FILE.read_text(encoding="utf-8"))


def installed(package: str) -> dict:
    """The version and the sorted layer class names of an installed package (imports it)."""
    import importlib

    module = importlib.import_module(PACKAGES[package])
    base = module.Layer if hasattr(module, "Layer") else importlib.import_module("keras").layers.Layer
    classes = sorted(name for name in dir(module)
                     if inspect.isclass(getattr(module, name))
                     and issubclass(getattr(module, name), base))  # not InputSpec
    version = importlib.import_module(package).__version__
    return {"version": version, "classes": classes}


def text() -> str:
    return json.dumps({package: installed(package) for package in PACKAGES}, indent=1) + "\n"


if __name__ == "__main__":
    FILE.write_text(text(), encoding="utf-8")
    print(f"wrote {FILE}")
