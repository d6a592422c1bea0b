"""``--keras``: count a model with layers paramcount has no formula for, by asking Keras.

This is the one place paramcount runs Keras, and only when asked. The model is loaded with the
installed Keras in safe mode (no lambdas are deserialized) and without compiling; every layer
paramcount can derive is still derived from its formula, and only the others take Keras' numbers,
marked ``measured=True``.

Loading a custom layer needs its class: Keras finds it once the package that registers it is
imported, which the user asks for by name (``--import``). Nothing a file names is imported unless
it is a Keras module (tf-keras would import any module a config names, so those are refused while
it loads), and nothing is imported from the current directory, which ``python -m`` puts on the
path.
"""

from __future__ import annotations

import importlib
import importlib.abc
import io
import json
import os
import sys
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

from ..errors import ParamcountError
from ..expr import Num
from ..read import keras_major, load, load_model_config
from ..result import LayerCount, ModelCount, Weight
from ..safety import contract
from .model import count_model

__all__ = ["count_with_keras", "import_modules"]

KERAS_PACKAGES = frozenset({"keras", "tf_keras", "keras_hub", "keras_cv", "keras_nlp"})


def import_modules(names: list[str]) -> None:
    """Import the modules the user names (``--import``), which register their custom layers."""
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as e:
            raise ParamcountError(f"--import {name}: {e}") from None
        except Exception as e:  # the user's own module failed: one line, as for any error
            raise ParamcountError(f"--import {name}: the module raised {type(e).__name__}: "
                                  f"{e}") from None


@contract
def count_with_keras(source, input_shape=None, weights=None) -> ModelCount:
    """Count ``source`` (a ``.keras`` archive or a JSON config file), measuring with Keras the
    layers that paramcount cannot derive."""
    config = load_model_config(source) if isinstance(source, dict) else load(source)[0]
    model = _load(source, config)
    layers = {layer.name: layer for layer in model.layers}

    def measure(name: str, class_name: str, reason: str, config=None) -> LayerCount:
        layer = layers.get(name)
        if layer is None:
            raise ParamcountError(f"{reason} (and Keras' model has no layer '{name}' to measure)")
        return measured_layer(layer, class_name, reason)

    return count_model(source, input_shape, measure=measure, weights=weights)


def measured_layer(layer, class_name: str, reason: str) -> LayerCount:
    """A layer's count as Keras reports it: its weights, paths relative to the layer."""
    trainable = {id(w) for w in layer.trainable_weights}
    weights = [Weight(_relative_path(w, layer.name), tuple(int(d) for d in w.shape),
                      id(w) in trainable, dtype=getattr(w.dtype, "name", str(w.dtype)),
                      overwrite_with_gradient=bool(getattr(w, "overwrite_with_gradient", False)))
               for w in layer.weights]
    count = LayerCount(layer.name, class_name, weights, Num(sum(w.size for w in weights)),
                       _shapes(layer, "input"), _shapes(layer, "output"),
                       notes=[f"measured by loading the model with Keras ({reason.split(': ')[-1]})"],
                       measured=True, source="keras")
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
    # A package the file names that is neither Keras' nor imported (by --import, say) stays out.
    refused = {name for name in _named_packages(config) - KERAS_PACKAGES if name not in sys.modules}
    try:
        # stdout is kept for the answer.
        with _safe_imports(refused), redirect_stdout(io.StringIO()):
            # Keras itself, imported only here: measuring is the one thing that needs it.
            if version == 2:
                import tf_keras as keras
                from tf_keras.src.saving.serialization_lib import SafeModeScope
            else:  # Keras 3
                import keras
                from keras.src.saving.serialization_lib import SafeModeScope
            # model_from_json has no safe_mode argument, and tf-keras' loads a lambda's bytecode
            # unless a safe-mode scope is open.
            with SafeModeScope(True):
                if path is not None and path.suffix == ".keras":
                    return keras.models.load_model(path, safe_mode=True, compile=False)
                return keras.models.model_from_json(json.dumps(config))
    except ImportError as e:
        raise ParamcountError(f"--keras needs Keras installed ({e})") from None
    except Exception as e:  # Keras raises many kinds; report its message in one line
        message = " ".join(str(e).split())
        hint = (f" (the file names {', '.join(sorted(refused))}: import the module that registers "
                "its layers with --import MODULE)" if refused else "")
        raise ParamcountError(f"Keras could not load the model{hint}: {type(e).__name__}: "
                              f"{message[:300]}") from None


class _RefuseImports(importlib.abc.MetaPathFinder):
    """Refuses to import the packages a file names (its ``module`` fields) that are not Keras'."""

    def __init__(self, packages: set[str]):
        self.packages = packages

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.packages:
            raise ImportError(f"not importing {fullname!r}, which the file names: only Keras "
                              "modules are (name your own with --import)")
        return None


def _named_packages(config) -> set[str]:
    """The top-level packages of the ``module`` fields a config holds."""
    named, stack = set(), [config]
    while stack:  # the config may nest deeply: no recursion
        value = stack.pop()
        if isinstance(value, dict):
            module = value.get("module")
            if isinstance(module, str) and module:
                named.add(module.split(".")[0])
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return named


@contextmanager
def _safe_imports(refused: set[str]):
    """While Keras loads the model: no import from the current directory, and none of the
    packages ``refused``."""
    saved_path = list(sys.path)
    sys.path[:] = [entry for entry in sys.path if not _is_current_directory(entry)]
    guard = _RefuseImports(refused)
    sys.meta_path.insert(0, guard)
    try:
        yield
    finally:
        sys.meta_path.remove(guard)
        sys.path[:] = saved_path


def _is_current_directory(entry: str) -> bool:
    try:
        return entry in ("", ".") or Path(entry).resolve() == Path.cwd().resolve()
    except (OSError, RuntimeError, ValueError):
        return False
