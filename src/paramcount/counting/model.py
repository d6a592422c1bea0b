"""The pipeline: read a model (:func:`paramcount.read.load`), walk its graph counting each layer
with its formula (:mod:`.graph`), and hold the result against the weights the file stores
(:mod:`.witness`)."""

from __future__ import annotations

from ..errors import ParamcountError
from ..formulas.apply import count_layer
from ..formulas.entry import layer_entry
from ..formulas.kerashub_backbones import count_backbone
from ..formulas.models import MODEL_CLASSES
from ..read import keras_major, load
from ..result import ModelCount, Shape
from ..safety import contract
from .graph import count_graph
from .witness import cross_check, stored_layer_count, subclassed_count

__all__ = ["count_model"]


@contract
def count_model(source, input_shape: Shape | None = None, *, measure=None,
                weights=None) -> ModelCount:
    """Count a whole model given as anything :func:`paramcount.read.load` reads, or a legacy
    ``.h5`` file.

    ``measure(name, class_name, reason, config)``, if given, supplies a :class:`LayerCount` for a
    top-level layer paramcount cannot derive (see :mod:`paramcount.counting.measure`). The weights a file
    stores (a ``.keras`` archive's, a ``.h5`` file's, or ``weights``, a ``.weights.h5`` path) count
    the layers no formula covers and check the others.
    """
    model, stored, unread = load(source, weights)
    if stored is not None and _subclassed(model):
        backbone = _backbone(model, refuse=False)
        if backbone is None:
            counted = subclassed_count(model, stored)
        else:
            backbone.witness = cross_check(backbone, stored, unread, str(source))
            counted = backbone
    else:
        counted = _count_config(model, input_shape, _with_stored(measure, stored))
        if stored is not None or unread is not None:
            counted.witness = cross_check(counted, stored, unread, str(source))
    compiled = model.get("compile_config")  # a Keras 3 model saved after compile()
    if isinstance(compiled, dict) and compiled.get("optimizer") is not None:
        counted.compiled_optimizer = compiled["optimizer"]
    return counted


def _subclassed(model: dict) -> bool:
    """A Keras 3 Model subclass: a model's config (only models carry compile_config) that is
    neither Sequential nor functional."""
    config = model.get("config")
    return "compile_config" in model and model.get("class_name") not in MODEL_CLASSES and not (
        isinstance(config, dict) and isinstance(config.get("layers"), list))


def _backbone(model: dict, refuse: bool = True) -> ModelCount | None:
    """A KerasHub backbone, counted by following its construction (None if it is not one)."""
    class_name, config = layer_entry(model, "model")
    return count_backbone(class_name, config, keras_major(model), refuse=refuse)


def _with_stored(measure, stored):
    """Layers no formula covers: Keras' numbers if asked (--keras), else the stored shapes."""
    if stored is None:
        return measure

    def from_stored(name, class_name, reason, config=None):
        if measure is not None:
            return measure(name, class_name, reason, config)
        found = stored.layers.get(name)
        if found is None:
            raise ParamcountError(f"{reason} (and the stored weights have no layer '{name}')")
        return stored_layer_count(name, class_name, config, found, reason)

    return from_stored


def _count_config(model: dict, input_shape, measure) -> ModelCount:
    version = keras_major(model)
    class_name, config = layer_entry(model, "model")
    graph_class = class_name
    if class_name not in MODEL_CLASSES and isinstance(config.get("layers"), list) \
            and config.get("input_layers") is not None:
        graph_class = "Functional"  # a subclass of Functional (a keras_hub backbone...)
    if graph_class not in MODEL_CLASSES:
        backbone = _backbone(model)
        if backbone is not None:  # its layers are made by code that paramcount follows
            return backbone
        if _subclassed(model):
            raise ParamcountError(
                f"'{class_name}' is a subclassed Model: its layers are made by its Python code, "
                "which paramcount never runs, so its config lists none (a .keras archive of it is "
                "counted from its stored weights; or build it as a functional or Sequential "
                "model)")
        # A single layer's config: count it as a one-layer model.
        if input_shape is None:
            raise ParamcountError(f"'{class_name}' is a layer, not a model; give its input shape")
        layer = count_layer(class_name, config, [input_shape], where=f"layer '{class_name}'",
                            keras_version=version)
        return ModelCount(layer.name, class_name, [layer], version)
    shapes = [input_shape] if input_shape is not None else None
    try:
        layers, _ = count_graph(graph_class, config, shapes, keras_version=version, where="model",
                                measure=measure)
    except RecursionError:
        raise ParamcountError("model: the config is nested too deeply to read") from None
    return ModelCount(str(config.get("name", class_name.lower())), class_name, layers, version)


