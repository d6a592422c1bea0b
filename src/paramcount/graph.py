"""Carrying shapes through a model: Sequential stacks and functional graphs, Keras 2 and 3.

Every layer's weights depend only on the shape of its first input, so the graph is walked from
the model's inputs, each layer counted once (shared layers too) when its first call is reached.
``build_config`` is never needed: shapes come from the inputs alone.
"""

from __future__ import annotations

from .config import keras_major, layer_entry, load_model_config
from .errors import ParamcountError
from .formulas.base import count_layer, format_shape
from .result import LayerCount, ModelCount, Shape

__all__ = ["count_model", "count_graph", "MODEL_CLASSES"]

MODEL_CLASSES = ("Sequential", "Functional", "Model")


def count_model(source, input_shape: Shape | None = None) -> ModelCount:
    """Count a whole model given as anything :func:`load_model_config` reads."""
    model = load_model_config(source)
    version = keras_major(model)
    class_name, config = layer_entry(model, "model")
    if class_name not in MODEL_CLASSES:
        # A single layer's config: count it as a one-layer model.
        if input_shape is None:
            raise ParamcountError(f"'{class_name}' is a layer, not a model; give its input shape")
        layer = count_layer(class_name, config, [input_shape], where=f"layer '{class_name}'",
                            keras_version=version)
        return ModelCount(layer.name, class_name, [layer], version)
    shapes = [input_shape] if input_shape is not None else None
    layers, _ = count_graph(class_name, config, shapes, keras_version=version, where="model")
    return ModelCount(str(config.get("name", class_name.lower())), class_name, layers, version)


def count_graph(class_name: str, config: dict, input_shapes: list[Shape] | None, *,
                keras_version: int, where: str) -> tuple[list[LayerCount], list[Shape]]:
    """The model's layers (as ``model.layers`` lists them) and its output shapes."""
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ParamcountError(f"{where}: model config has no 'layers' list")
    if class_name == "Sequential":
        return _sequential(config, layers, input_shapes, keras_version, where)
    return _functional(config, layers, input_shapes, keras_version, where)


def _shape(value, where: str) -> Shape:
    if not isinstance(value, (list, tuple)) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value):
        raise ParamcountError(f"{where}: invalid shape {value!r}")
    if any(d is not None and d < 0 for d in value):
        raise ParamcountError(f"{where}: negative size in shape {format_shape(tuple(value))}")
    return tuple(value)


def input_layer_shape(config: dict, where: str) -> Shape | None:
    """The batch shape an InputLayer (or a Keras 2 first layer) declares, if any."""
    for key in ("batch_shape", "batch_input_shape"):
        if config.get(key) is not None:
            return _shape(config[key], where)
    for key in ("shape", "input_shape"):
        if config.get(key) is not None:
            return (None, *_shape(config[key], where))
    return None


def _sequential(config, entries, input_shapes, version, where):
    shape = input_shapes[0] if input_shapes else None
    counted: list[LayerCount] = []
    position = 0
    for i, entry in enumerate(entries):
        class_name, layer_config = layer_entry(entry, f"{where}: layer {i + 1}")
        declared = input_layer_shape(layer_config, f"{where}: layer {i + 1}")
        if class_name == "InputLayer":
            if declared is None:
                raise ParamcountError(f"{where}: InputLayer has no shape")
            shape = shape or declared
            continue
        if shape is None:
            shape = declared or _build_input_shape(config, where)
        if shape is None:
            raise ParamcountError(
                f"{where}: the model has no input shape, so its layers are not built (Keras "
                "shows such a model as unbuilt with 0 parameters); add an Input or give "
                "--input-shape")
        position += 1
        label = f"{where}: layer {position} '{layer_config.get('name', class_name)}' ({class_name})"
        counted.append(count_layer(class_name, layer_config, [shape], where=label,
                                   keras_version=version))
        out = counted[-1].output_shape
        if isinstance(out, list):
            if len(out) != 1:
                raise ParamcountError(f"{label}: returns {len(out)} tensors; a Sequential layer "
                                      "must return one")
            out = out[0]
        shape = out
    return counted, [shape]


def _build_input_shape(config, where):
    value = config.get("build_input_shape")
    if value is None:
        return None
    return _shape(value, f"{where}: build_input_shape")


# --- functional graphs -------------------------------------------------------------------------

def _functional(config, entries, input_shapes, version, where):
    parsed = []  # (name, class_name, layer_config, nodes, module)
    for i, entry in enumerate(entries):
        class_name, layer_config = layer_entry(entry, f"{where}: layer {i + 1}")
        name = entry.get("name") or layer_config.get("name")
        if not isinstance(name, str):
            raise ParamcountError(f"{where}: layer {i + 1} ({class_name}) has no name")
        nodes = entry.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise ParamcountError(f"{where}: layer '{name}' has malformed inbound_nodes")
        parsed.append((name, class_name, layer_config, nodes, str(entry.get("module") or "")))
    by_name = {p[0]: p for p in parsed}
    if len(by_name) != len(parsed):
        raise ParamcountError(f"{where}: two layers share one name")

    outputs: dict[tuple[str, int], list[Shape]] = {}  # (layer, node index) -> output shapes
    counts: dict[str, LayerCount] = {}

    input_refs = _refs(config.get("input_layers"), where, "input_layers")
    if input_shapes is not None and len(input_shapes) != len(input_refs):
        raise ParamcountError(f"{where}: called with {len(input_shapes)} inputs, "
                              f"the model has {len(input_refs)}")
    for k, (name, _, _) in enumerate(input_refs):
        if name not in by_name:
            raise ParamcountError(f"{where}: input layer '{name}' is not among the layers")
        _, class_name, layer_config, _, _ = by_name[name]
        declared = input_layer_shape(layer_config, f"{where}: input '{name}'")
        shape = input_shapes[k] if input_shapes is not None else declared
        if shape is None:
            raise ParamcountError(f"{where}: input '{name}' has no shape")
        outputs[(name, 0)] = [shape]

    pending = [(p, n) for p in parsed for n in range(len(p[3]))]
    position = {p[0]: i + 1 for i, p in enumerate(parsed)}
    while pending:
        waiting = []
        for p, node_index in pending:
            name, class_name, layer_config, nodes, module = p
            args = _node_inputs(nodes[node_index], version, f"{where}: layer '{name}'")
            if any((ref[0], ref[1]) not in outputs for ref, _ in args):
                waiting.append((p, node_index))
                continue
            shapes = [_pick(outputs[(r[0], r[1])], r[2], f"{where}: layer '{name}'")
                      for r, _ in args]
            label = f"{where}: layer {position[name]} '{name}' ({class_name})"
            layer = _count_node(class_name, layer_config, shapes, args, module, label, version)
            counts.setdefault(name, layer)  # a shared layer's weights are made on its first call
            out = layer.output_shape
            outputs[(name, node_index)] = out if isinstance(out, list) else [out]
        if len(waiting) == len(pending):
            missing = {ref[0] for p, n in waiting
                       for ref, _ in _node_inputs(p[3][n], version, where)} - {k[0] for k in outputs}
            raise ParamcountError(f"{where}: cannot reach layer '{waiting[0][0][0]}' from the "
                                  f"inputs (no layer produces {sorted(missing)})")
        pending = waiting

    layers = []
    for name, class_name, _, nodes, module in parsed:
        if class_name == "InputLayer":
            shape = outputs[(name, 0)][0]
            layers.append(LayerCount(name, class_name, [], _zero(), shape, shape))
        elif name in counts and not _is_op(module):
            layers.append(counts[name])
        elif name not in counts and not nodes:
            raise ParamcountError(f"{where}: layer '{name}' ({class_name}) is never called")
    out_refs = _refs(config.get("output_layers"), where, "output_layers")
    out_shapes = []
    for name, node, tensor in out_refs:
        if (name, node) not in outputs:
            raise ParamcountError(f"{where}: output layer '{name}' is not reached")
        out_shapes.append(_pick(outputs[(name, node)], tensor, where))
    return layers, out_shapes


def _zero():
    from .expr import Num

    return Num(0)


def _is_op(module: str) -> bool:
    """Keras 3 records ops (``x + y``, ``ops.relu(x)``) as graph nodes that are not layers."""
    return module.startswith("keras.src.ops") or module.startswith("keras.ops")


def _count_node(class_name, layer_config, shapes, args, module, label, version):
    named = {key: shape for (_, key), shape in zip(args, shapes) if key}
    layer = count_layer(class_name, layer_config, shapes, where=label, keras_version=version,
                        named_inputs=named)
    if _is_op(module) and layer.weights:
        raise ParamcountError(f"{label}: an op node cannot hold weights")
    return layer


def _refs(value, where, key):
    """``input_layers`` / ``output_layers``: a [name, node, tensor] triple or a list of them."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        value = [value]
    if isinstance(value, dict):  # Keras 3 writes a dict for models with named inputs
        value = list(value.values())
    if not isinstance(value, list) or not value:
        raise ParamcountError(f"{where}: model config has no '{key}'")
    refs = []
    for ref in value:
        if not (isinstance(ref, list) and len(ref) >= 3 and isinstance(ref[0], str)):
            raise ParamcountError(f"{where}: malformed {key} entry {ref!r}")
        refs.append((ref[0], int(ref[1]), int(ref[2])))
    return refs


def _pick(shapes: list[Shape], index: int, where: str) -> Shape:
    if index >= len(shapes):
        raise ParamcountError(f"{where}: refers to output {index} of a layer with {len(shapes)}")
    return shapes[index]


def _node_inputs(node, version, where) -> list[tuple[tuple[str, int, int], str | None]]:
    """The tensors a call received, in order: ((layer, node, tensor), keyword or None)."""
    found: list = []
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        _k3_tensors(node.get("args", []), None, found)
        for key, value in (node.get("kwargs") or {}).items():
            _k3_tensors(value, key, found)
    elif isinstance(node, list):  # Keras 2: [[name, node, tensor, kwargs], ...]
        for item in node:
            if not (isinstance(item, list) and len(item) >= 3 and isinstance(item[0], str)):
                raise ParamcountError(f"{where}: malformed inbound node {item!r}")
            found.append(((item[0], int(item[1]), int(item[2])), None))
            kwargs = item[3] if len(item) > 3 and isinstance(item[3], dict) else {}
            for key, value in kwargs.items():
                if (isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str)
                        and isinstance(value[1], int)):
                    found.append(((value[0], value[1], int(value[2])), key))
    else:
        raise ParamcountError(f"{where}: malformed inbound node {node!r}")
    return found


def _k3_tensors(value, key, found):
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            history = (value.get("config") or {}).get("keras_history")
            if not (isinstance(history, list) and len(history) == 3):
                raise ParamcountError(f"a tensor without keras_history: {value!r}")
            found.append(((history[0], int(history[1]), int(history[2])), key))
        else:
            for v in value.values():
                _k3_tensors(v, key, found)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _k3_tensors(v, key, found)
