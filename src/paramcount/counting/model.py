"""The pipeline: read a model (:func:`paramcount.read.load`), walk its graph counting each layer
with its formula (:mod:`.graph`), and hold the result against the weights the file stores
(:mod:`.witness`); where a formula cannot know or disagrees, the stored weights decide
(:mod:`.decide`)."""

from __future__ import annotations

from ..errors import ParamcountError
from ..formulas.apply import count_layer
from ..formulas.entry import layer_entry
from ..formulas.models import MODEL_CLASSES
from ..formulas.quantized import QUANTIZED_INSIDE, policy_mode
from ..read import keras_major, load
from ..result import LayerCount, ModelCount, Shape, Weight
from ..safety import contract
from .decide import (
    StoredDecides,
    align_keys,
    check_belongs,
    overrule_contradicted,
    quantized_policies,
    unsettle,
)
from .graph import Task, count_graph
from .witness import cross_check, subclassed_count

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
    counted = _count(model, stored, unread, str(source), input_shape, measure)
    compiled = model.get("compile_config")  # a Keras 3 model saved after compile()
    if isinstance(compiled, dict) and compiled.get("optimizer") is not None:
        counted.compiled_optimizer = compiled["optimizer"]
    return counted


def _count(model: dict, stored, unread, source: str, input_shape, measure) -> ModelCount:
    if stored is not None and _subclassed(model):
        backbone = _backbone(model, refuse=False)
        if backbone is None:
            return subclassed_count(model, stored)
        # Counted by following its construction; where the file contradicts that, it decides.
        overruled = overrule_contradicted(backbone, stored)
        backbone.witness = cross_check(backbone, stored, unread, source, overruled)
        return backbone
    _, config = layer_entry(model, "model")
    decided, overruled = None, []
    # A graph's layers are counted one by one, the file deciding as they go (a KerasHub
    # backbone's config lists no layers: it is checked once counted).
    if stored is not None and isinstance(config.get("layers"), list):
        align_keys(config, stored)
        check_belongs(_layer_names(config), stored)
        decided = StoredDecides(stored, config, measure)
    counted = _count_config(model, input_shape, decided or _measuring(measure),
                            carry=decided is not None)
    if decided is not None:
        check_belongs(_layer_names(config), stored, decided)
        unsettle(decided.contradicted)
        overruled = decided.overruled
    elif stored is not None:
        overruled = overrule_contradicted(counted, stored)
    if stored is not None or unread is not None:
        counted.witness = cross_check(counted, stored, unread, source, overruled,
                                      decided.explained if decided else ())
    if stored is None:
        counted.notes += _maybe_quantized_attention(counted, model)
    return counted


def _layer_names(config: dict) -> set[str]:
    names = set()
    for entry in config.get("layers") or []:
        if isinstance(entry, dict):
            inner = entry.get("config") if isinstance(entry.get("config"), dict) else {}
            name = entry.get("name") or inner.get("name")
            if isinstance(name, str):
                names.add(name)
    return names


def _maybe_quantized_attention(counted: ModelCount, model: dict) -> list[str]:
    """A config alone cannot show that ``model.quantize()`` quantized an attention layer's
    projections; where other layers carry quantized policies, say so (never guess a number)."""
    modes = sorted({policy_mode(p).split("/")[0] for p in quantized_policies(model)})
    attention = [layer for layer in counted.layers if layer.class_name in QUANTIZED_INSIDE
                 and not any("dtype policy is quantized" in n for n in layer.notes)]
    if not modes or not attention:
        return []
    names = ", ".join(f"'{layer.name}'" for layer in attention)
    note = (f"other layers carry quantized dtype policies ({', '.join(modes)}), and "
            f"`model.quantize` quantizes a {attention[0].class_name}'s projections while its "
            "config still says float32: so the attention layer(s) may be quantized too, and "
            "are counted here as the config says, as float. The model's .keras file settles it: "
            "count that, whose stored weights show the projections as they are")
    for layer in attention:
        layer.notes.append("may be quantized: " + note.split(": so ")[0])
    return [f"attention layer(s) {names}: {note}"]


def _subclassed(model: dict) -> bool:
    """A Keras 3 Model subclass: a model's config that is neither Sequential nor functional.
    Only models carry compile_config, except in a KerasHub preset's config.json, which has none
    but names the module of one of KerasHub's models."""
    config = model.get("config")
    is_model = "compile_config" in model or str(model.get("module")).startswith(
        "keras_hub.src.models.")  # not keras_hub.src.layers: a layer is no model
    return is_model and model.get("class_name") not in MODEL_CLASSES and not (
        isinstance(config, dict) and isinstance(config.get("layers"), list))


def _backbone(model: dict, refuse: bool = True) -> ModelCount | None:
    """A KerasHub backbone, counted by following its construction (None if it is not one)."""
    class_name, config = layer_entry(model, "model")
    if not class_name.startswith("keras_hub>"):  # count_backbone's first test, made here so that
        return None                              # other models never import KerasHub's module
    from ..formulas.kerashub_backbones import count_backbone  # only for KerasHub: the start-up

    return count_backbone(class_name, config, keras_major(model), refuse=refuse)


def _measuring(measure):
    """Layers no formula covers, with no file to read them from: Keras' numbers if asked
    (--keras), else refused."""
    if measure is None:
        return None

    def resolve(task: Task) -> LayerCount:
        try:
            return task.formula()
        except ParamcountError as e:
            return measure(task.name, task.class_name, str(e), task.config)

    return resolve


def _count_config(model: dict, input_shape, resolve, carry: bool = False) -> ModelCount:
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
                                resolve=resolve, unknown_shapes=carry)
    except RecursionError:
        raise ParamcountError("model: the config is nested too deeply to read") from None
    if config.get("trainable") is False:
        layers = [_frozen(layer, str(config.get("name", "model"))) for layer in layers]
    return ModelCount(str(config.get("name", class_name.lower())), class_name, layers, version)


def _frozen(layer: LayerCount, model_name: str) -> LayerCount:
    """trainable=False on the model: it trains none of its layers' weights, whatever theirs say."""
    if not layer.trainable:
        return layer
    layer.weights = [Weight(w.path, w.shape, False, w.symbolic) for w in layer.weights]
    layer.notes.append(f"trainable=False on the model '{model_name}': all of its weights are "
                       "non-trainable")
    return layer


