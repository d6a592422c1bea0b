"""Reading one serialized layer (``{"class_name": ..., "config": ...}``), Keras 2 or Keras 3 style:
which class it is, and whether it is Keras' own class or a custom one of the same name."""

from __future__ import annotations

from ..errors import ParamcountError
from .registry import registration

__all__ = ["layer_entry"]


def layer_entry(entry, where: str) -> tuple[str, dict]:
    """The class name and config of a serialized layer, either Keras 2 or Keras 3 style."""
    if not isinstance(entry, dict):
        raise ParamcountError(f"{where}: a layer must be an object, got {type(entry).__name__}")
    class_name = entry.get("class_name")
    config = entry.get("config")
    if not isinstance(class_name, str) or not class_name:
        raise ParamcountError(f"{where}: layer has no 'class_name'")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ParamcountError(f"{where}: layer '{class_name}' has a config that is not an object")
    registered = entry.get("registered_name")
    if isinstance(registered, str) and ">" in registered:
        # A class registered by a package ("my_package>MyLayer"): not Keras' own, even when it
        # shares a name with a Keras layer, so it gets no formula (--keras can measure it).
        return registered, config
    module = entry.get("module")
    if isinstance(registered, str) and not (isinstance(module, str) and module.split(".")[0] in (
            "keras", "tf_keras")):
        # Keras 3 writes a registered_name for classes that are not its built-in layers: an
        # unregistered class of the user's that shares a Keras name is not that Keras layer.
        if registration(class_name) is not None:
            return f"{module or '__main__'}>{class_name}", config
    return class_name, config
