"""Carrying shapes through a model: Sequential stacks and functional graphs, Keras 2 and 3.

A layer's weights depend only on the shapes of its first call, so the graph is walked from the
model's inputs, each layer counted once (shared layers too) at its first call. ``build_config``
is never needed: shapes come from the inputs. Only where paramcount cannot work a shape out (a
``Lambda`` without ``output_shape``, an op it has no rule for) does it use the shape Keras
recorded in the config where that tensor is consumed.

Where nothing records it (a custom layer in a tf-keras file), the walk stops, unless the caller
counts layers from the weights a file stores (``unknown_shapes=True``): then the shape is carried
on as unknown, sizes ``None`` and rank that of the layer's input, and the layers after it are
counted by a resolver that reads what the file stores (:mod:`paramcount.counting.decide`).
"""

from __future__ import annotations

from collections import deque

from ..errors import ParamcountError
from ..expr import Num
from ..formulas.apply import count_layer
from ..formulas.entry import layer_entry
from ..formulas.models import MODEL_CLASSES
from ..formulas.ops import OP_MODULES, Tensor, op_name, op_output_shape
from ..formulas.registry import registration
from ..records import field, record
from ..result import LayerCount, Shape, format_shape
from ..safety import check_size
from .nodes import Call, Ref, has_ref, model_refs, parse_calls, shifted

__all__ = ["count_graph", "input_layer_shape", "Task"]

TF_OP_LAYERS = ("TFOpLambda", "SlicingOpLambda")  # tf-keras: an op wrapped as a layer


@record
class Task:
    """One layer of the model to count, handed to a resolver, which may count it otherwise
    than by its formula on these shapes (from a file's stored weights, or with Keras)."""

    name: str
    class_name: str
    config: dict
    shapes: list[Shape]
    options: dict = field(default_factory=dict)  # count_layer's keyword arguments
    # True when an input shape was carried past a layer whose output shape paramcount cannot
    # know: its sizes that are None may be unknown, and its rank a guess.
    unknown: bool = False

    def formula(self, shapes: list[Shape] | None = None, config: dict | None = None
                ) -> LayerCount:
        """The layer's formula, on these shapes and config (by default the task's own)."""
        return count_layer(self.class_name, self.config if config is None else config,
                           self.shapes if shapes is None else shapes, **self.options)


def count_graph(class_name: str, config: dict, input_shapes: list[Shape] | None, *,
                keras_version: int, where: str, resolve=None, unknown_shapes: bool = False
                ) -> tuple[list[LayerCount], list[Shape]]:
    """The model's layers (as ``model.layers`` lists them) and its output shapes.

    ``resolve(task)``, if given, counts each layer (a :class:`Task`) instead of its formula
    alone. ``unknown_shapes``: carry unknown output shapes on instead of refusing."""
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ParamcountError(f"{where}: model config has no 'layers' list")
    walk = _sequential if class_name == "Sequential" else _functional
    return walk(config, layers, input_shapes, keras_version, where, resolve, unknown_shapes)


def _count_layer(resolve, task: Task) -> LayerCount:
    if isinstance(task.config, dict) and "name" not in task.config:
        # A layer whose get_config() leaves out its name (KerasHub's RMSNormalization): Keras
        # names it from the entry.
        task.config = {**task.config, "name": task.name}
    return task.formula() if resolve is None else resolve(task)


def _guess(inputs: list[Shape], n: int = 1) -> list[Shape]:
    """Output shapes nobody knows: the rank of the layer's first input, every size None."""
    first = inputs[0] if inputs and isinstance(inputs[0], tuple) else None
    return [(None,) * (len(first) if first else 2)] * max(n, 1)


def _shape(value, where: str) -> Shape:
    if not isinstance(value, (list, tuple)) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value):
        raise ParamcountError(f"{where}: invalid shape {value!r}")
    for d in value:
        if d is not None:
            check_size(d, where)
    if any(d is not None and d <= 0 for d in value):
        raise ParamcountError(f"{where}: sizes must be positive, got shape "
                              f"{format_shape(tuple(value))}")
    return tuple(value)


def input_layer_shape(config: dict, where: str, class_name: str = "InputLayer") -> Shape | None:
    """The batch shape an InputLayer (or a Keras 2 first layer) declares, if any."""
    for key in ("batch_shape", "batch_input_shape"):
        if config.get(key) is not None:
            return _shape(config[key], where)
    for key in ("shape", "input_shape"):
        if config.get(key) is not None:
            return (None, *_shape(config[key], where))
    # Keras 1 style, Dense(3, input_dim=5): what input_dim means is the layer class's fact.
    registered = registration(class_name)
    declared = registered.keras2_input_shape(config) if registered else None
    return None if declared is None else (None, *_shape(list(declared), where))


def _zero_layer(name: str, class_name: str, shape, output) -> LayerCount:
    return LayerCount(name, class_name, [], Num(0), shape, output)


# --- Sequential ------------------------------------------------------------------------------

def _sequential(config, entries, input_shapes, version, where, resolve=None, carry=False):
    shape = input_shapes[0] if input_shapes else None
    counted: list[LayerCount] = []
    position = 0
    unknown = False  # the shape was carried past a layer whose output shape is unknown
    for i, entry in enumerate(entries):
        class_name, layer_config = layer_entry(entry, f"{where}: layer {i + 1}")
        if class_name == "InputLayer" or shape is None:
            declared = input_layer_shape(layer_config, f"{where}: layer {i + 1}", class_name)
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
        task = Task(str(layer_config.get("name", class_name)), class_name, layer_config, [shape],
                    {"where": label, "keras_version": version}, unknown)
        layer = _count_layer(resolve, task)
        layer.input_partial = unknown
        counted.append(layer)
        out = layer.output_shape
        unknown = unknown or layer.output_partial
        if out is None:  # e.g. a Lambda without output_shape: the next layer was built on it
            out = _next_build_shape(entries, i, version)
            if out is None:
                if not carry:
                    raise ParamcountError(f"{label}: {_unknown_reason(class_name)}")
                out, unknown = _guess([shape])[0], True
            layer.output_shape = out
        layer.output_partial = unknown
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


def _next_build_shape(entries, i, version):
    """The input shape the next layer recorded when it was built, if the config kept it."""
    return _build_shape(entries[i + 1]) if i + 1 < len(entries) else None


def _build_shape(entry) -> Shape | None:
    build = entry.get("build_config") if isinstance(entry, dict) else None
    shape = build.get("input_shape") if isinstance(build, dict) else None
    try:
        return _shape(shape, "") if shape is not None else None
    except ParamcountError:
        return None


def _unknown_reason(class_name: str, op: bool = False) -> str:
    if op:
        return (f"paramcount has no shape rule for the op '{class_name}', and the config does "
                "not record the shape of its output")
    if class_name == "Lambda":
        return ("the Lambda has no output_shape and its code is not run, so its output shape "
                "is unknown; save the model with Lambda(..., output_shape=...)")
    return "paramcount cannot work out this layer's output shape, and the config does not record it"


# --- functional graphs -------------------------------------------------------------------------

@record
class _Entry:
    name: str
    class_name: str
    config: dict
    calls: list[Call]
    module: str
    build_shape: Shape | None = None  # the input shape recorded in build_config, if any
    position: int = 0  # 1-based, in the config's list: how errors name the layer
    offset: int = 0  # the number of the first call the config lists (see _node_offset)

    @property
    def is_op(self) -> bool:
        """Keras 3 records ops (``x + y``, ``ops.relu(x)``) as graph nodes that are not layers."""
        return self.module.startswith(OP_MODULES)

    @property
    def op_like(self) -> bool:
        return self.is_op or self.class_name in TF_OP_LAYERS


def _functional(config, entries, input_shapes, version, where, resolve=None, carry=False):
    parsed = _parse_entries(entries, version, where)
    by_name = {p.name: p for p in parsed}
    outputs = _bind_inputs(config, input_shapes, by_name, where)
    first_call = _walk(parsed, by_name, outputs, version, where, resolve,
                       _referenced(config, parsed, where) if carry else None)
    layers = []
    for p in parsed:
        if p.class_name == "InputLayer":
            if (p.name, 0) not in outputs:
                raise ParamcountError(f"{where}: input layer '{p.name}' is not listed in "
                                      "input_layers")
            shape = outputs[(p.name, 0)][0]
            layers.append(_zero_layer(p.name, p.class_name, shape, shape))
        elif p.is_op:
            continue  # not in model.layers
        elif p.name in first_call:
            layers.append(first_call[p.name][1])
        else:
            raise ParamcountError(f"{where}: layer '{p.name}' ({p.class_name}) is never called, "
                                  "so Keras never builds it")
    out_shapes = []
    for name, node, tensor in model_refs(config.get("output_layers"), where, "output_layers"):
        node -= by_name[name].offset if name in by_name else 0
        if (name, node) not in outputs:
            raise ParamcountError(f"{where}: output layer '{name}' is not reached")
        out_shapes.append(_pick(outputs[(name, node)], tensor, f"{where}: output '{name}'"))
    return layers, out_shapes


def _parse_entries(entries, version, where) -> list[_Entry]:
    """The model's layers with their calls, numbered from 0 (see :func:`_node_offset`)."""
    parsed: list[_Entry] = []
    for i, raw in enumerate(entries):
        class_name, layer_config = layer_entry(raw, f"{where}: layer {i + 1}")
        name = raw.get("name") or layer_config.get("name")
        if not isinstance(name, str):
            raise ParamcountError(f"{where}: layer {i + 1} ({class_name}) has no name")
        nodes = raw.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise ParamcountError(f"{where}: layer '{name}' has malformed inbound_nodes")
        calls = parse_calls(nodes, f"{where}: layer '{name}'")
        parsed.append(_Entry(name, class_name, layer_config, calls, str(raw.get("module") or ""),
                             _build_shape(raw), i + 1))
    if len({p.name for p in parsed}) != len(parsed):
        raise ParamcountError(f"{where}: two layers share one name")
    # Nested functional models number their listed calls from 1 (see _node_offset); count from
    # 0 everywhere here. Keras 3 does so itself for the tensors a call receives.
    for p in parsed:
        p.offset = _node_offset(p, version)
    if version == 2:
        offset = {p.name: p.offset for p in parsed}
        for p in parsed:
            p.calls = [Call(shifted(c.args, offset), shifted(c.kwargs, offset)) for c in p.calls]
    return parsed


def _bind_inputs(config, input_shapes, by_name, where) -> dict[tuple[str, int], list]:
    """The output shapes of the model's inputs: given ones, else those the InputLayers declare."""
    outputs: dict[tuple[str, int], list] = {}
    input_refs = model_refs(config.get("input_layers"), where, "input_layers")
    if input_shapes is not None and len(input_shapes) != len(input_refs):
        raise ParamcountError(f"{where}: called with {len(input_shapes)} inputs, "
                              f"the model has {len(input_refs)}")
    for k, (name, _, _) in enumerate(input_refs):
        if name not in by_name:
            raise ParamcountError(f"{where}: input layer '{name}' is not among the layers")
        declared = input_layer_shape(by_name[name].config, f"{where}: input '{name}'")
        shape = input_shapes[k] if input_shapes is not None else declared
        if shape is None:
            raise ParamcountError(f"{where}: input '{name}' has no shape")
        outputs[(name, 0)] = [shape]
    return outputs


def _recorded_shapes(parsed: list[_Entry]) -> dict[tuple[str, int, int], Shape]:
    """What Keras wrote about each tensor where it is consumed: the fallback for shapes that
    paramcount cannot work out itself."""
    recorded: dict[tuple[str, int, int], Shape] = {}
    for p in parsed:
        for call in p.calls:
            for ref, _ in call.tensors():
                if ref.recorded is not None:
                    recorded.setdefault((ref.layer, ref.node, ref.index), ref.recorded)
        # tf-keras records no tensor shapes, but a layer called once on one tensor records the
        # shape it was built on.
        refs = [ref for call in p.calls for ref, key in call.tensors() if key is None]
        if p.build_shape is not None and len(p.calls) == 1 and len(refs) == 1:
            recorded.setdefault((refs[0].layer, refs[0].node, refs[0].index), p.build_shape)
    return recorded


def _referenced(config, parsed, where) -> dict[tuple[str, int], int]:
    """(layer, call) -> how many of its outputs are used: how many to carry on as unknown."""
    width: dict[tuple[str, int], int] = {}
    refs = [(ref.layer, ref.node, ref.index) for p in parsed for call in p.calls
            for ref, _ in call.tensors()]
    offset = {p.name: p.offset for p in parsed}
    refs += [(name, node - offset.get(name, 0), index) for name, node, index
             in model_refs(config.get("output_layers"), where, "output_layers")]
    for name, node, index in refs:
        width[(name, node)] = max(width.get((name, node), 0), index + 1)
    return width


def _walk(parsed, by_name, outputs, version, where, resolve, carry
          ) -> dict[str, tuple[int, LayerCount]]:
    """Count every call once its input tensors are known, filling ``outputs``; the first call
    of each layer, which makes its weights. Walked in one pass, so a graph listed in any order
    costs time in proportion to its size. ``carry`` (how many outputs each call has in use),
    if given, carries unknown output shapes on instead of refusing."""
    recorded = _recorded_shapes(parsed)
    width: dict[tuple[str, int], int] = {}  # (layer, call) -> outputs known downstream
    for layer_name, node, index in recorded:
        width[(layer_name, node)] = max(width.get((layer_name, node), 0), index + 1)
    partial: set[tuple[str, int]] = set()  # calls whose outputs were carried on as unknown
    waiting_for: dict[tuple[str, int], list[tuple[_Entry, int]]] = {}
    missing_inputs: dict[tuple[str, int], int] = {}
    ready: deque[tuple[_Entry, int]] = deque()
    for p in parsed:
        for n, call in enumerate(p.calls):
            needed = {(ref.layer, ref.node) for ref, _ in call.tensors()} - outputs.keys()
            missing_inputs[(p.name, n)] = len(needed)
            for producer in needed:
                waiting_for.setdefault(producer, []).append((p, n))
            if not needed:
                ready.append((p, n))
    first_call: dict[str, tuple[int, LayerCount]] = {}
    while ready:
        p, n = ready.popleft()
        call = p.calls[n]
        refs = call.tensors()
        label = f"{where}: layer {p.position} '{p.name}' ({p.class_name})"
        shapes = [_input_shape(outputs, ref, by_name, label) for ref, _ in refs]
        unknown = any((ref.layer, ref.node) in partial for ref, _ in refs)
        layer = _count_call(p, call, refs, shapes, label, version, resolve, unknown)
        layer.input_partial = unknown
        out = layer.output_shape
        out = list(out) if isinstance(out, list) else [out]
        unknown = unknown or layer.output_partial
        if any(s is None for s in out) or not out or unknown:
            out, unknown = _fill(out, unknown, (p.name, n), recorded, width, carry, shapes)
            layer.output_shape = out[0] if len(out) == 1 else out
        if unknown:
            partial.add((p.name, n))
        layer.output_partial = unknown
        outputs[(p.name, n)] = out
        if p.name not in first_call or n < first_call[p.name][0]:
            first_call[p.name] = (n, layer)  # weights are made at the first call
        for consumer in waiting_for.pop((p.name, n), ()):
            key = (consumer[0].name, consumer[1])
            missing_inputs[key] -= 1
            if missing_inputs[key] == 0:
                ready.append(consumer)
    _check_reached(parsed, by_name, missing_inputs, where)
    return first_call


def _fill(out: list, unknown: bool, key, recorded, width, carry, inputs) -> tuple[list, bool]:
    """Output shapes paramcount could not work out (or worked out from a shape carried on as
    unknown), taken from what Keras recorded downstream; what it did not record is carried on
    as unknown when ``carry`` is given. Returns them, and whether any is still unknown."""
    known = max(len(out), width.get(key, 0), carry.get(key, 0) if carry else 0)
    filled, guessed = [], False
    for i in range(known):
        mine = out[i] if i < len(out) else None
        kept = recorded.get((*key, i))
        if kept is not None and (mine is None or unknown):
            filled.append(kept)  # Keras' own record beats a shape derived from a guess
        else:
            filled.append(mine)
            guessed = guessed or (unknown and mine is not None)
    filled = filled or [None]
    if carry is not None and any(s is None for s in filled):
        guess = _guess(inputs)[0]
        filled, guessed = [s or guess for s in filled], True
    return filled, guessed


def _check_reached(parsed, by_name, missing_inputs, where) -> None:
    stuck = [(p, n) for p in parsed for n in range(len(p.calls)) if missing_inputs[(p.name, n)]]
    if stuck:
        missing = {ref.layer for p, n in stuck for ref, _ in p.calls[n].tensors()
                   if ref.layer not in by_name}
        if missing:
            raise ParamcountError(f"{where}: layer '{stuck[0][0].name}' takes the output "
                                  f"of {sorted(missing)}, which is not among the layers")
        raise ParamcountError(f"{where}: cannot reach layer '{stuck[0][0].name}' from the "
                              "inputs (the graph has a cycle or refers to a missing call)")


def _node_offset(p: _Entry, version: int) -> int:
    """A nested functional model's call 0 is the one that built it on its own Input, which the
    config leaves out: the calls listed are numbered from 1. tf-keras does the same for a nested
    Sequential made with an Input; Keras 3 never for a Sequential."""
    if p.class_name not in MODEL_CLASSES:
        return 0
    if p.class_name != "Sequential":
        return 1
    first = (p.config.get("layers") or [None])[0]
    if version != 2 or not isinstance(first, dict):
        return 0
    first_config = first.get("config") if isinstance(first.get("config"), dict) else {}
    return int(first.get("class_name") == "InputLayer" or "batch_input_shape" in first_config)


def _input_shape(outputs, ref: Ref, by_name, label) -> Shape:
    shape = _pick(outputs[(ref.layer, ref.node)], ref.index, label)
    if shape is None:
        producer = by_name[ref.layer]
        raise ParamcountError(f"{label}: takes the output of '{ref.layer}' "
                              f"({producer.class_name}), whose shape is unknown: "
                              f"{_unknown_reason(producer.class_name, producer.op_like)}")
    return shape


def _count_call(p: _Entry, call: Call, refs, shapes, label, version, resolve, unknown
                ) -> LayerCount:
    shape_of = {id(ref): shape for (ref, _), shape in zip(refs, shapes)}
    input_shape = shapes[0] if len(shapes) == 1 else list(shapes)
    if p.is_op or p.class_name in TF_OP_LAYERS:
        args = _with_shapes(call.args, shape_of)
        kwargs = _with_shapes(call.kwargs, shape_of)
        if p.is_op:
            name = op_name(p.class_name)
            params = {k: v for k, v in p.config.items() if k not in ("name", "trainable", "dtype")}
        else:
            name = op_name(p.class_name, str(p.config.get("function", "")))
            params = {}
        try:
            out = op_output_shape(name, args, {**params, **kwargs}, version)
        except ParamcountError:
            if not unknown:
                raise
            out = None  # an op on a shape carried on as unknown: its output is unknown too
        layer = _zero_layer(p.name, p.class_name, input_shape, out)
        if not p.is_op:
            layer.notes.append(f"the TensorFlow op tf.{p.config.get('function')}, wrapped as a "
                               "layer: ops hold no weights")
        return layer
    inputs = [(key, shape) for (_, key), shape in zip(refs, shapes) if key not in _NOT_INPUTS]
    order = p.config.get("input_layers")
    given = call.args[0] if call.args else None
    if p.class_name in MODEL_CLASSES and isinstance(order, dict) and isinstance(given, dict) \
            and set(order) == set(given) and all(isinstance(v, Ref) for v in given.values()):
        # A nested model called with a dict of inputs: match them to its inputs by name.
        inputs = [(None, shape_of[id(given[name])]) for name in order]
    registered = registration(p.class_name)
    if registered and registered.state_inputs:
        inputs = inputs[:1]  # initial states passed as further inputs (tf-keras lists them so)
    named = {key: shape for key, shape in inputs if key}
    options = {key: value for key, value in call.kwargs.items() if not has_ref(value)}
    return _count_layer(resolve, Task(
        p.name, p.class_name, p.config, [s for _, s in inputs],
        {"where": label, "keras_version": version, "named_inputs": named,
         "call_options": options}, unknown))


# Tensors passed by keyword that never shape a layer's weights: masks and recurrent states.
_NOT_INPUTS = frozenset({"mask", "initial_state", "states", "attention_mask", "query_mask",
                         "value_mask", "key_mask"})


def _with_shapes(value, shape_of):
    if isinstance(value, Ref):
        return Tensor(shape_of[id(value)])
    if isinstance(value, list):
        return [_with_shapes(v, shape_of) for v in value]
    if isinstance(value, dict):
        return {k: _with_shapes(v, shape_of) for k, v in value.items()}
    return value


def _pick(shapes: list, index: int, where: str):
    if index >= len(shapes):
        raise ParamcountError(f"{where}: refers to output {index} of a layer with {len(shapes)}")
    return shapes[index]


