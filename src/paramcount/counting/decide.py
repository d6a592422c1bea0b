"""Where a formula cannot know or disagrees, the stored weights decide.

A file that stores a model's weights (a ``.keras`` archive, a legacy ``.h5``, or ``--weights``)
holds the shape of every weight, so each top-level layer is counted as follows:

1. Its formula, on the shapes carried from the inputs. If the file stores the same shapes for
   it, that is the count (checked).
2. If its input shape is unknown (it follows a custom layer whose output shape paramcount cannot
   know), the formula is tried on the input sizes the stored weights show (a Dense kernel's
   first axis is its input's last); a size that makes the formula reproduce the file exactly is
   the input's, and the formula gives the output shape.
3. If the formula disagrees with the file, a known reason is looked for: ``model.quantize()``
   quantizes a MultiHeadAttention's projections while its config still says float32, so the
   formula is tried with the quantized policies the model uses. One that reproduces the file
   exactly says why, and gives the trainable split.
4. Otherwise the file decides: the layer is counted from its stored weights, as a custom layer
   is, with a note saying which weights differ. Their trainable split is not recorded, unless
   ``trainable: false`` on the layer or on the model decides it.

A layer is refused only when neither its formula nor the file can count it. Weights that do not
fit the config at all (most layers named otherwise or shaped otherwise) are refused as a whole.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from ..errors import ParamcountError
from ..formulas.quantized import QUANTIZED_INSIDE, policy_mode
from ..result import LayerCount, format_shape
from .graph import Task
from .witness import agrees, shapes_text, stored_layer_count

__all__ = ["StoredDecides", "quantized_policies", "check_belongs", "unsettle", "align_keys",
           "overrule_contradicted"]

# Trials of the formula on the sizes the stored weights show, per layer: each is one layer call
# of the answer's budget (safety.MAX_LAYERS), and the right size is nearly always among the
# first few (a kernel's first axis).
MAX_TRIALS = 24
_DEFAULT_POLICIES = [
    {"class_name": "QuantizedDTypePolicy", "config": {"mode": "int8", "source_name": "float32"}},
    {"class_name": "Int4DTypePolicy", "config": {"mode": "int4/128", "source_name": "float32"}},
    {"class_name": "Int4DTypePolicy", "config": {"mode": "int4/-1", "source_name": "float32"}},
    {"class_name": "QuantizedFloat8DTypePolicy",
     "config": {"mode": "float8", "source_name": "float32"}},
]


class StoredDecides:
    """The resolver :func:`paramcount.counting.graph.count_graph` calls for each top-level
    layer of a model whose weights a file stores."""

    def __init__(self, stored, model_config: dict, measure=None):
        self.stored = stored
        self.measure = measure  # --keras: Keras measures what no formula covers, before the file
        self.frozen_model = str(model_config.get("name", "model")) \
            if model_config.get("trainable") is False else None
        self.policies = quantized_policies(model_config)
        self.overruled: list[str] = []  # one sentence per layer the file contradicts
        self.explained: list[str] = []  # the same, where the reason is known
        self.contradicted: list[LayerCount] = []  # the layers counted so
        self.fits: list[str] = []  # derived layers whose weights the file confirms
        self.misfits: list[str] = []  # derived layers with weights the file contradicts or lacks

    def __call__(self, task: Task) -> LayerCount:
        found = self.stored.layers.get(task.name)
        try:
            layer = task.formula()
        except ParamcountError as e:
            if self.measure is not None:
                return self.measure(task.name, task.class_name, str(e), task.config)
            if found is None:
                raise ParamcountError(f"{e}; and the file stores no weights for '{task.name}', "
                                      "so neither the formula nor the file can count it") from None
            solved = self._solve(task, found)
            return solved if solved is not None else self._from_file(task, found, str(e))
        if found is None:
            if layer.weights:
                self.misfits.append(task.name)
            return layer
        if agrees(layer, found):
            if layer.weights:
                self.fits.append(task.name)
            return layer
        explained = self._explain(task, found, layer)
        if explained is not None:
            return explained
        # The config's shapes give other weights than the file stores: a misfit, even where the
        # input (carried past a layer the file contradicts) can be read from the file.
        self.misfits.append(task.name)
        solved = self._solve(task, found, layer)
        return solved if solved is not None else self._overrule(task, layer, found)

    # -- an input shape the config does not give ------------------------------------------
    def _solve(self, task: Task, found, layer: LayerCount | None = None) -> LayerCount | None:
        """The formula on an input whose unknown last axis (channels, for channels_first) is a
        size the stored weights show, if one reproduces them exactly."""
        if not task.unknown:
            return None
        sizes = list(dict.fromkeys(d for shape in found.shapes for d in shape))
        first_axis = task.config.get("data_format") == "channels_first"
        matches, trials = [], 0
        for rank in _ranks(task.shapes):  # the rank carried on first, then others
            for size in sizes:
                trials += 1
                if trials > MAX_TRIALS:
                    break
                shapes = [_put(s, size, rank, first_axis) for s in task.shapes]
                try:
                    counted = task.formula(shapes)
                except ParamcountError:
                    continue
                if agrees(counted, found):
                    matches.append((shapes, counted))
            if matches:
                break
        if not matches:
            return None
        shapes, counted = matches[0]
        if any(other.output_shape != counted.output_shape for _, other in matches[1:]):
            counted.output_shape = None  # the file fits several inputs: the output is unknown
        axis = "channels" if first_axis else "last axis"
        why = ("it follows a layer whose output shape paramcount cannot know" if layer is None
               else "it follows a layer the file contradicts")
        counted.notes.append(
            f"its input shape is not known from the config ({why}): the stored weights give "
            f"the input's {axis}, so the input is taken as "
            f"{format_shape(shapes[0], partial=True)}, on which the formula reproduces them "
            "exactly")
        counted.output_partial = True
        if layer is None:
            self.fits.append(task.name)
        return counted

    # -- a disagreement with a known reason -------------------------------------------------
    def _explain(self, task: Task, found, layer: LayerCount) -> LayerCount | None:
        """A MultiHeadAttention (or GroupQueryAttention) quantized by ``model.quantize()``: its
        config keeps a float policy, its stored weights are the quantized projections'."""
        if task.class_name not in QUANTIZED_INSIDE or policy_mode(task.config.get("dtype")):
            return None
        for policy in self._candidate_policies(found):
            try:
                counted = task.formula(config={**task.config, "dtype": policy})
            except ParamcountError:
                continue
            if not agrees(counted, found):
                continue
            mode = policy_mode(policy)
            added = sorted({w.path for w in counted.weights} - {w.path for w in layer.weights})
            counted.notes = [n for n in counted.notes if "dtype policy is quantized" not in n]
            counted.notes.append(
                f"the stored weights contradict the config: they are {mode} projections "
                f"({_listed(added)} besides the kernels and biases), which the config's "
                f"formula does not derive; quantized by `model.quantize`: the config still says "
                f"{_dtype_name(task.config.get('dtype'))}. Counted from the stored weights, "
                f"which the {mode} formula reproduces exactly (so their trainable split is "
                "known)")
            counted.source = "stored weights"
            self.fits.append(task.name)
            self.explained.append(f"layer '{task.name}': quantized by `model.quantize` "
                                  f"({mode}); the config still says "
                                  f"{_dtype_name(task.config.get('dtype'))}")
            return counted
        return None

    def _candidate_policies(self, found) -> list[dict]:
        """The quantized policies the model's other layers carry, then Keras' defaults (a
        float8 history as long as the file stores)."""
        lengths = {shape[0] for shape in found.shapes if len(shape) == 1}
        defaults = [p for p in _DEFAULT_POLICIES if policy_mode(p) != "float8"]
        defaults += [{"class_name": "QuantizedFloat8DTypePolicy",
                      "config": {"mode": "float8", "source_name": "float32",
                                 "amax_history_length": n}} for n in sorted(lengths)]
        seen, out = set(), []
        for policy in self.policies + defaults:
            key = json.dumps(policy, sort_keys=True)
            if key not in seen:
                seen.add(key)
                out.append(policy)
        return out

    # -- the file decides -------------------------------------------------------------------
    def _overrule(self, task: Task, layer: LayerCount, found) -> LayerCount:
        derived = Counter(w.shape for w in layer.weights)
        kept = Counter(tuple(s) for s in found.shapes)
        only_file = [f"{path} {format_shape(tuple(shape))}"
                     for path, shape in zip(found.paths, found.shapes)
                     if _take(kept - derived, tuple(shape))]
        only_formula = [f"{w.path} {format_shape(w.shape)}" for w in layer.weights
                        if _take(derived - Counter(tuple(s) for s in found.shapes), w.shape)]
        difference = (f"the file stores {_listed(only_file) or 'no weights'} where the config's "
                      f"formula derives {_listed(only_formula) or 'none'}")
        reason = f"the stored weights contradict the config: {difference}; why is not known"
        counted = self._from_file(task, found, reason)
        counted.input_shape, counted.notes[0] = layer.input_shape, \
            f"{reason}. Counted from the stored weights"
        # The next layers are counted on the output the config gives (so that weights unlike
        # the config's all through are seen as such), marked uncertain; once the walk is done,
        # its last axis, the width the file contradicts, is shown unknown (see unsettle).
        counted.output_shape = layer.output_shape
        counted.output_partial = True
        self.contradicted.append(counted)
        self.overruled.append(f"layer '{task.name}': paramcount derives "
                              f"{shapes_text(derived)}, the file stores {shapes_text(kept)}")
        return counted

    def _from_file(self, task: Task, found, reason: str) -> LayerCount:
        # The model's flag first: a frozen model trains none of its layers, whatever theirs say.
        frozen = "model" if self.frozen_model else \
            "layer" if task.config.get("trainable") is False else None
        counted = stored_layer_count(task.name, task.class_name, task.config, found, reason,
                                     frozen=frozen, model_name=self.frozen_model)
        counted.input_shape = task.shapes[0] if len(task.shapes) == 1 else list(task.shapes)
        return counted


def overrule_contradicted(counted, stored) -> list[str]:
    """A model counted otherwise than by walking its graph (a KerasHub backbone, by following
    its construction): each layer the file contradicts is counted from the file instead."""
    overruled = []
    for i, layer in enumerate(counted.layers):
        found = stored.layers.get(layer.name)
        if layer.source != "formula" or found is None or agrees(layer, found):
            continue
        derived = Counter(w.shape for w in layer.weights)
        kept = Counter(tuple(s) for s in found.shapes)
        message = f"paramcount derives {shapes_text(derived)}, the file stores {shapes_text(kept)}"
        replaced = stored_layer_count(layer.name, layer.class_name, {}, found,
                                      f"the stored weights contradict the config: {message}")
        replaced.input_shape, replaced.output_shape = layer.input_shape, layer.output_shape
        counted.layers[i] = replaced
        overruled.append(f"layer '{layer.name}': {message}")
    return overruled


def _ranks(shapes: list) -> list[int | None]:
    """None (keep each shape's rank); for a shape carried on whole (every size None), other
    ranks too, since its rank was a guess."""
    if any(isinstance(s, tuple) and len(s) > 1 and all(d is None for d in s) for s in shapes):
        return [None, 2, 3, 4, 5]
    return [None]


def _put(shape, size: int, rank: int | None, first_axis: bool):
    if not isinstance(shape, tuple):
        return shape
    if rank is not None and all(d is None for d in shape):
        shape = (None,) * rank
    axis = 1 if first_axis else len(shape) - 1
    if len(shape) < 2 or shape[axis] is not None:
        return shape
    return (*shape[:axis], size, *shape[axis + 1:])


def unsettle(layers: list[LayerCount]) -> None:
    """A layer the file contradicts: the last axis of its output, which the config gives and
    the file contradicts, is shown unknown."""
    for layer in layers:
        layer.output_shape = _unknown_last(layer.output_shape)


def _unknown_last(shape):
    if isinstance(shape, list):
        return [_unknown_last(s) for s in shape]
    if not isinstance(shape, tuple) or len(shape) < 2:
        return shape
    return (*shape[:-1], None)


def _take(counter: Counter, shape) -> bool:
    """Take one ``shape`` out of ``counter`` if it holds one (for listing a difference once)."""
    if counter[shape] > 0:
        counter[shape] -= 1
        return True
    return False


def _listed(items: list[str], most: int = 4) -> str:
    if len(items) > most:
        return ", ".join(items[:most]) + f" and {len(items) - most} more"
    return ", ".join(items)


def _dtype_name(dtype) -> str:
    if isinstance(dtype, dict):
        config = dtype.get("config") if isinstance(dtype.get("config"), dict) else {}
        return str(config.get("name") or config.get("source_name") or "float32")
    return str(dtype) if isinstance(dtype, str) else "float32"


def quantized_policies(config) -> list[dict]:
    """Every quantized dtype policy a config carries, anywhere in it, once each."""
    found: list[dict] = []
    stack = [config]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if policy_mode(value) and value.get("class_name") != "DTypePolicyMap" \
                    and value not in found:
                found.append(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def align_keys(config: dict, stored) -> None:
    """tf-keras' own ``.keras`` format keys each layer's weights by its class, not its name
    (``dense``, ``dense_1``... in the order of ``model.layers``) and records no name: give each
    such group the name of the layer the key stands for."""
    names = _ordered_names(config)
    if all(name in names for name in stored.layers):
        return
    used: dict[str, int] = {}
    by_key = {}
    for name, class_name in names.items():
        key = _snake(class_name.rsplit(">", 1)[-1])
        used[key] = used.get(key, -1) + 1
        by_key[f"{key}_{used[key]}" if used[key] else key] = name
    renamed = {}
    for name, layer in stored.layers.items():
        if name not in names and name == layer.key and by_key.get(name) is not None \
                and not layer.outside:
            layer.name = by_key[name]
        renamed[layer.name] = layer
    if len(renamed) == len(stored.layers):
        stored.layers = renamed


def _ordered_names(config: dict) -> dict[str, str]:
    """{name: class name} of the top-level layers, in the config's order (model.layers')."""
    out = {}
    entries = config.get("layers") if isinstance(config.get("layers"), list) else []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        inner = entry.get("config") if isinstance(entry.get("config"), dict) else {}
        name = entry.get("name") or inner.get("name")
        if isinstance(name, str) and isinstance(entry.get("class_name"), str):
            out[name] = entry["class_name"]
    return out


def _snake(name: str) -> str:
    """tf-keras' ``generic_utils.to_snake_case``."""
    intermediate = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if not insecure.startswith("_") else "private" + insecure


def check_belongs(config_names: set[str], stored, decided: StoredDecides | None = None) -> None:
    """Refuse weights that do not fit the config at all: most of the layers the file stores
    weights for are not in the config, or most derived layers have other shapes."""
    weighted = [name for name, layer in stored.layers.items() if layer.shapes and not layer.outside]
    foreign = [name for name in weighted if name not in config_names]
    if weighted and 2 * len(foreign) > len(weighted):
        raise ParamcountError(
            f"{stored.file}: these weights do not belong to this model: {len(foreign)} of the "
            f"{len(weighted)} layers they hold weights for are not in its config "
            f"({_listed([repr(n) for n in foreign], 3)})")
    if decided is None:
        return
    judged = len(decided.fits) + len(decided.misfits)
    if decided.misfits and 2 * len(decided.misfits) > judged:
        raise ParamcountError(
            f"{stored.file}: these weights do not belong to this model: for "
            f"{len(decided.misfits)} of its {judged} layers with weights the file stores other "
            f"shapes than the config gives, or none ({_listed([repr(n) for n in decided.misfits], 3)})")
