"""The calls a functional model records, read from Keras 2 and Keras 3 ``inbound_nodes``: which
tensors (output ``index`` of call ``node`` of a layer) each call of a layer receives."""

from __future__ import annotations

from ..errors import ParamcountError
from ..records import record
from ..result import Shape

__all__ = ["Ref", "Call", "parse_calls", "model_refs", "shifted", "has_ref"]


@record(frozen=True)
class Ref:
    """A tensor a call receives: output ``index`` of call ``node`` of ``layer``."""

    layer: str
    node: int
    index: int
    recorded: Shape | None = None  # the shape Keras 3 wrote next to it, if any


@record
class Call:
    """One call of a layer: its positional and keyword arguments, tensors as :class:`Ref`."""

    args: list
    kwargs: dict

    def tensors(self) -> list[tuple[Ref, str | None]]:
        found: list = []
        _collect(self.args, None, found)
        for key, value in self.kwargs.items():
            _collect(value, key, found)
        return found


def _collect(value, key, found):
    if isinstance(value, Ref):
        found.append((value, key))
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, key, found)
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, key, found)


def parse_calls(nodes: list, where: str) -> list[Call]:
    """A layer's calls, from its ``inbound_nodes`` (Keras 2 or Keras 3 style)."""
    return [_parse_call(node, where) for node in _keras2_nodes(nodes)]


def _keras2_nodes(nodes: list) -> list:
    """tf-keras writes an op layer's single-tensor call flat, ``[name, node, tensor, kwargs]``;
    every other call is a list of such entries (or, in Keras 3, a dict)."""
    return [[node] if isinstance(node, list) and node and isinstance(node[0], str) else node
            for node in nodes]


def _parse_call(node, where) -> Call:
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        args, kwargs = node.get("args", []), node.get("kwargs") or {}
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise ParamcountError(f"{where}: malformed inbound node")
        return Call(_k3_value(args, where), {k: _k3_value(v, where) for k, v in kwargs.items()})
    if isinstance(node, list) and node:  # Keras 2: [[name, node, tensor, kwargs], ...]
        tensors, kwargs = [], {}
        for item in node:
            if isinstance(item, list) and len(item) == 4 and item[:2] == ["_CONSTANT_VALUE", -1]:
                # tf-keras: an op whose first argument is a constant, e.g. tf.add(3.0, x)
                tensors.append(item[2])
                kwargs = {k: _k2_value(v) for k, v in item[3].items()} if isinstance(
                    item[3], dict) else {}
                continue
            if not (isinstance(item, list) and len(item) >= 3 and isinstance(item[0], str)
                    and _is_index(item[1]) and _is_index(item[2])):
                raise ParamcountError(f"{where}: malformed inbound node {item!r}")
            tensors.append(Ref(item[0], item[1], item[2]))
            if len(item) > 3 and isinstance(item[3], dict) and not kwargs:
                kwargs = {k: _k2_value(v) for k, v in item[3].items()}
        return Call([tensors[0]] if len(tensors) == 1 else [tensors], kwargs)
    raise ParamcountError(f"{where}: malformed inbound node {node!r}")


def _k3_value(value, where):
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            config = value.get("config") if isinstance(value.get("config"), dict) else {}
            history = config.get("keras_history")
            if not (isinstance(history, list) and len(history) == 3 and isinstance(history[0], str)
                    and _is_index(history[1]) and _is_index(history[2])):
                raise ParamcountError(f"{where}: a tensor without a valid keras_history")
            shape = config.get("shape")
            recorded = tuple(shape) if isinstance(shape, list) and all(
                d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
                for d in shape) else None
            return Ref(history[0], history[1], history[2], recorded)
        return {k: _k3_value(v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_k3_value(v, where) for v in value]
    return value


def _k2_value(value):
    if (isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str)
            and _is_index(value[1]) and _is_index(value[2])):
        return Ref(value[0], value[1], value[2])
    if isinstance(value, list):
        return [_k2_value(v) for v in value]
    return value


def model_refs(value, where: str, key: str) -> list[tuple[str, int, int]]:
    """``input_layers`` / ``output_layers``: a [name, node, tensor] triple or a list of them."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        value = [value]
    if isinstance(value, dict):  # Keras 3 writes a dict for models with named inputs
        value = list(value.values())
    if not isinstance(value, list) or not value:
        raise ParamcountError(f"{where}: model config has no '{key}'")
    refs = []
    for ref in value:
        if not (isinstance(ref, list) and len(ref) >= 3 and isinstance(ref[0], str)
                and _is_index(ref[1]) and _is_index(ref[2])):
            raise ParamcountError(f"{where}: malformed {key} entry {ref!r}")
        refs.append((ref[0], ref[1], ref[2]))
    return refs


def _is_index(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def shifted(value, offset: dict[str, int]):
    """``value`` with each Ref's call renumbered by its layer's ``offset``."""
    if isinstance(value, Ref):
        return Ref(value.layer, value.node - offset.get(value.layer, 0), value.index, value.recorded)
    if isinstance(value, list):
        return [shifted(v, offset) for v in value]
    if isinstance(value, dict):
        return {k: shifted(v, offset) for k, v in value.items()}
    return value


def has_ref(value) -> bool:
    found: list = []
    _collect(value, None, found)
    return bool(found)


