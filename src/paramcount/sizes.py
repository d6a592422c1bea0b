"""Sizes in bytes, as Keras 3 computes and prints them, and the optimizer's variables.

``model.summary()`` prints each count with the storage of its variables: every variable's number of
elements times its dtype's size, added up once per variable (``keras/src/utils/summary_utils.py``),
and written with two decimals in units of 1,024 (``192.00 B``, ``1.17 KB``; tf-keras spells the
smallest unit ``Byte``). Once the optimizer is built (by ``fit()``), its variables get a line of their
own and join the total.

>>> print(readable_size(48 * 4), readable_size(4_004_000))
#> 192.00 B 3.82 MB
>>> adam = optimizer_spec(parse_optimizer("Adam(amsgrad=True)"))
>>> variables = optimizer_variables(adam, [("dense/kernel", (3, 2), "float32", False),
...                                        ("dense/bias", (2,), "float32", False)])
>>> print(sum(v.size for v in variables), total_bytes(variables))
#> 26 108

The dtype of a weight comes from its layer's dtype policy (``mixed_float16`` computes in float16
but keeps float32 variables; a quantized policy names its float source, ``int8_from_bfloat16``),
except where Keras fixes it: a quantized kernel is int8 (an int4 kernel packs two values in each
int8, half a byte per value), LoRA's factors are float32, a step counter is an int64. The counter's
``"int"`` is int64 with the TensorFlow backend, and int32 with JAX and PyTorch: sizes here are
TensorFlow's, the backend the site runs.

Cheap to import (no numpy): the command line loads it on every run.
"""

from __future__ import annotations

import re
from math import prod

from .errors import ParamcountError
from .records import field, record

__all__ = ["DTYPE_BITS", "dtype_bits", "variable_dtype", "weight_bits", "bits_to_bytes",
           "readable_size", "OptimizerSpec", "OptimizerVariable", "parse_optimizer",
           "optimizer_spec", "optimizer_variables", "total_bytes", "printed_size_notes",
           "OPTIMIZERS", "STEP_COUNTER_DTYPE", "FLOATX"]

# Keras 3's dtype_utils.DTYPE_TO_SIZE, in bits. float8 is listed for completeness (Keras' summary
# refuses it, but no quantize() mode leaves a float8 variable: its kernels stay float).
DTYPE_BITS = {
    "float16": 16, "bfloat16": 16, "float32": 32, "float64": 64,
    "int8": 8, "int16": 16, "int32": 32, "int64": 64,
    "uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64,
    "bool": 1, "float8_e4m3fn": 8, "float8_e5m2": 8,
}
STEP_COUNTER_DTYPE = "int64"  # Keras' dtype "int" with the TensorFlow backend (int32 on JAX, torch)
FLOATX = "float32"  # keras.config.floatx(): the learning rate's dtype, and a policy's default
UNITS = ("B", "KB", "MB", "GB", "TB", "PB")
KERAS2_UNITS = ("Byte", "KB", "MB", "GB", "TB", "PB")  # tf-keras' summary()


def dtype_bits(dtype: str) -> int:
    try:
        return DTYPE_BITS[dtype]
    except KeyError:
        raise ParamcountError(f"unknown dtype {dtype!r}: paramcount knows "
                              f"{', '.join(DTYPE_BITS)}") from None


def weight_bits(shape, dtype: str) -> int:
    return prod(shape) * dtype_bits(dtype)


def bits_to_bytes(bits: int) -> int | float:
    """Bytes as a whole number where they are one (always, but for bool weights)."""
    return bits // 8 if bits % 8 == 0 else bits / 8


def readable_size(size: float, units: tuple[str, ...] = UNITS) -> str:
    """Keras' ``readable_memory_size``: two decimals, in the first unit (of 1,024 the one before)
    that leaves less than 1,024."""
    size = float(size)  # Keras divides floats: its rounding is binary floating point's
    for unit in units:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {units[-1]}"


# --- the dtype a layer's variables get -----------------------------------------------------------

_MIXED = {"mixed_float16": "float32", "mixed_bfloat16": "float32"}


def variable_dtype(policy) -> str:
    """The dtype of a layer's variables under the ``dtype`` its config records: a name
    (``"float16"``), a Keras 3 policy object (``DTypePolicy``, a quantized policy with its
    ``source_name``), a Keras 2 ``Policy``; absent, the default policy (float32).

    >>> print(variable_dtype({"class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}))
    #> float32
    """
    if policy is None:
        return FLOATX
    if isinstance(policy, dict):
        config = policy.get("config") if isinstance(policy.get("config"), dict) else {}
        name = config.get("source_name") or config.get("name")
        if policy.get("class_name") == "DTypePolicyMap":
            name = config.get("default_policy")
            if isinstance(name, dict):
                return variable_dtype(name)
        if name is None:
            return FLOATX
        policy = name
    if not isinstance(policy, str):
        raise ParamcountError(f"cannot read the dtype policy {policy!r}")
    if "_from_" in policy:  # Keras 3's quantized policy names: "int8_from_mixed_float16"
        policy = policy.split("_from_", 1)[1]
    policy = _MIXED.get(policy, policy)
    if policy == "_infer":  # tf-keras' legacy "infer" policy: the default float
        return FLOATX
    if policy not in DTYPE_BITS:
        raise ParamcountError(f"cannot read the dtype policy {policy!r}: paramcount knows "
                              f"{', '.join(DTYPE_BITS)}, mixed_float16 and mixed_bfloat16")
    return policy


# --- the optimizer ----------------------------------------------------------------------------

# Every argument of each built-in Keras 3.15 optimizer, in its signature's order (a positional
# argument is read by its place). tests/engine/test_sizes.py holds this table to Keras' signatures.
_BASE = ("clipnorm", "clipvalue", "global_clipnorm", "use_ema", "ema_momentum",
         "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "name")
OPTIMIZERS: dict[str, tuple[str, ...]] = {
    "SGD": ("learning_rate", "momentum", "nesterov", "weight_decay", *_BASE),
    "RMSprop": ("learning_rate", "rho", "momentum", "epsilon", "centered", "weight_decay", *_BASE),
    "Adam": ("learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad", "weight_decay", *_BASE),
    "AdamW": ("learning_rate", "weight_decay", "beta_1", "beta_2", "epsilon", "amsgrad", *_BASE),
    "Adadelta": ("learning_rate", "rho", "epsilon", "weight_decay", *_BASE),
    "Adagrad": ("learning_rate", "initial_accumulator_value", "epsilon", "weight_decay", *_BASE),
    "Adamax": ("learning_rate", "beta_1", "beta_2", "epsilon", "weight_decay", *_BASE),
    "Adafactor": ("learning_rate", "beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold",
                  "relative_step", "weight_decay", *_BASE),
    "Nadam": ("learning_rate", "beta_1", "beta_2", "epsilon", "weight_decay", *_BASE),
    "Ftrl": ("learning_rate", "learning_rate_power", "initial_accumulator_value",
             "l1_regularization_strength", "l2_regularization_strength",
             "l2_shrinkage_regularization_strength", "beta", "weight_decay", *_BASE),
    "Lion": ("learning_rate", "beta_1", "beta_2", "weight_decay", *_BASE),
    "Lamb": ("learning_rate", "beta_1", "beta_2", "epsilon", "weight_decay", *_BASE),
    "Muon": ("learning_rate", "adam_beta_1", "adam_beta_2", "adam_weight_decay", "epsilon",
             "weight_decay", *_BASE, "exclude_layers", "exclude_embeddings", "muon_a", "muon_b",
             "muon_c", "adam_lr_ratio", "momentum", "ns_steps", "nesterov", "rms_rate"),
    "ScheduleFreeAdamW": ("learning_rate", "beta_1", "beta_2", "epsilon", "warmup_steps",
                          "weight_decay", *_BASE),
    "LossScaleOptimizer": ("inner_optimizer", "initial_scale", "dynamic_growth_steps", "name"),
}
_BY_LOWER = {name.lower(): name for name in OPTIMIZERS}
# Names Keras' optimizers.get() does not take but people write.
_BY_LOWER.update({"rms_prop": "RMSprop", "adam_w": "AdamW"})
_SCHEDULE = "schedule"  # a learning rate given as a schedule or a callable: no variable for it


@record(frozen=True)
class OptimizerSpec:
    """A built-in optimizer and the arguments that decide its variables."""

    class_name: str
    config: dict = field(default_factory=dict)
    inner: OptimizerSpec | None = None  # LossScaleOptimizer's inner optimizer

    def get(self, key: str, default=None):
        return self.config.get(key, default)

    @property
    def label(self) -> str:
        """``Adam`` or ``Adam(amsgrad=True)``: the arguments that change its variables."""
        shown = [f"{k}={v!r}" if v != _SCHEDULE else f"{k}=<schedule>"
                 for k, v in self.config.items()
                 if k in _SHAPING and v != _SHAPING[k] and (k != "learning_rate" or v == _SCHEDULE)
                 and not (k == "momentum" and self.class_name not in ("SGD", "RMSprop"))]
        if self.inner is not None:
            shown.insert(0, self.inner.label)
        return f"{self.class_name}({', '.join(shown)})" if shown else self.class_name


# The arguments that change which variables an optimizer makes (the others only its arithmetic).
# (with their defaults: a label names only the others).
_SHAPING = {"learning_rate": None, "momentum": 0.0, "centered": False, "amsgrad": False,
            "use_ema": False, "gradient_accumulation_steps": None, "exclude_layers": None,
            "exclude_embeddings": True}


@record(frozen=True)
class OptimizerVariable:
    """One variable ``optimizer.variables`` lists after ``optimizer.build(trainable_variables)``."""

    path: str  # "adam/iteration", "adam/dense_kernel_momentum"
    shape: tuple[int, ...]
    dtype: str
    role: str  # "iteration", "learning_rate", "momentum"...

    @property
    def size(self) -> int:
        return prod(self.shape)

    @property
    def bits(self) -> int:
        return weight_bits(self.shape, self.dtype)

    def to_dict(self) -> dict:
        return {"path": self.path, "role": self.role, "shape": list(self.shape),
                "dtype": self.dtype, "size": self.size, "bytes": bits_to_bytes(self.bits)}


def parse_optimizer(text: str) -> dict:
    """``"adam"``, ``"Adam(amsgrad=True)"``, ``"keras.optimizers.SGD(0.01, momentum=0.9)"`` or
    ``"LossScaleOptimizer(Adam())"`` as a config ``{"class_name": ..., "config": {...}}``. The
    text is parsed, never run; a learning rate written as a call is a schedule."""
    if not isinstance(text, str) or not text.strip():
        raise ParamcountError("empty optimizer: write one such as adam or 'Adam(amsgrad=True)'")
    if len(text) > 1000:
        raise ParamcountError("the optimizer is longer than 1,000 characters")
    import ast  # only an --optimizer is read with it: ast costs the command line 2 ms at start-up

    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ParamcountError(f"cannot read the optimizer {text!r}: write a name such as adam "
                              "or a call such as 'Adam(amsgrad=True)'") from None
    return _optimizer_node(node, text)


def _optimizer_node(node, text: str, depth: int = 0) -> dict:
    import ast  # imported by parse_optimizer already (not at the top: the start-up)

    if depth > 2:
        raise ParamcountError(f"cannot read the optimizer {text!r}: nested too deeply")
    if isinstance(node, (ast.Name, ast.Attribute)):
        return {"class_name": _dotted(node, text), "config": {}}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {"class_name": node.value, "config": {}}
    if not isinstance(node, ast.Call):
        raise ParamcountError(f"cannot read the optimizer {text!r}: write a name such as adam "
                              "or a call such as 'Adam(amsgrad=True)'")
    class_name = _canonical(_dotted(node.func, text))
    names = OPTIMIZERS[class_name]
    if len(node.args) > len(names):
        raise ParamcountError(f"{class_name}: too many positional arguments")
    config: dict = {}
    pairs = list(zip(names, node.args)) + [(k.arg, k.value) for k in node.keywords]
    for key, value in pairs:
        if key is None:
            raise ParamcountError(f"{class_name}: **kwargs cannot be read")
        if key in config:
            raise ParamcountError(f"{class_name}: '{key}' given twice")
        if key == "inner_optimizer":
            config[key] = _optimizer_node(value, text, depth + 1)
        elif isinstance(value, (ast.Call, ast.Lambda, ast.Name, ast.Attribute)):
            if key != "learning_rate":
                raise ParamcountError(f"{class_name}: cannot read {key}={ast.unparse(value)} "
                                      "(only numbers, strings, True/False/None and lists)")
            config[key] = _SCHEDULE
        else:
            try:
                config[key] = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                raise ParamcountError(f"{class_name}: cannot read {key}={ast.unparse(value)} "
                                      "(only numbers, strings, True/False/None and lists)") from None
    return {"class_name": class_name, "config": config}


def _dotted(node, text: str) -> str:
    import ast  # imported by parse_optimizer already (not at the top: the start-up)

    # keras.optimizers.Adam, optimizers.Adam and Adam all name Adam
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    raise ParamcountError(f"cannot read the optimizer {text!r}")


def _canonical(name: str) -> str:
    found = _BY_LOWER.get(str(name).lower())
    if found is None:
        raise ParamcountError(f"unknown optimizer {name!r}: paramcount knows Keras 3's "
                              f"{', '.join(OPTIMIZERS)}")
    return found


def optimizer_spec(entry) -> OptimizerSpec:
    """An optimizer as :func:`parse_optimizer` gives it or as a ``.keras`` archive's
    ``compile_config`` records it (``{"module": "keras.optimizers", "class_name": "Adam",
    "config": {...}}``, or just a name), checked as Keras checks it."""
    if isinstance(entry, str):
        entry = {"class_name": entry, "config": {}}
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str):
        raise ParamcountError(f"cannot read the optimizer {entry!r}")
    if entry.get("registered_name") not in (None, entry["class_name"]) or \
            entry.get("module") not in (None, "keras.optimizers"):
        raise ParamcountError(f"the optimizer '{entry.get('registered_name') or entry['class_name']}'"
                              " is not one of Keras' own, whose variables paramcount knows")
    class_name = _canonical(entry["class_name"])
    config = entry.get("config") or {}
    if not isinstance(config, dict):
        raise ParamcountError(f"{class_name}: its config must be an object")
    unknown = [k for k in config if k not in OPTIMIZERS[class_name]
               and not (k == "decay" and class_name != "LossScaleOptimizer")]
    if class_name == "LossScaleOptimizer":  # Keras accepts the base defaults from old configs
        unknown = [k for k in unknown if k not in _BASE]
    if unknown:
        raise ParamcountError(f"{class_name}: argument(s) not recognized: {', '.join(unknown)}")
    config = dict(config)
    rate = config.get("learning_rate")
    if isinstance(rate, dict) or rate == _SCHEDULE:
        config["learning_rate"] = _SCHEDULE
    elif rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float))):
        raise ParamcountError(f"{class_name}: learning_rate must be a number or a schedule, "
                              f"got {rate!r}")
    steps = config.get("gradient_accumulation_steps")
    if steps and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 2):
        raise ParamcountError(f"{class_name}: gradient_accumulation_steps must be an integer "
                              f">= 2, got {steps!r}")
    for key in ("use_ema", "amsgrad", "centered", "exclude_embeddings"):
        if key in config and not isinstance(config[key], bool):
            raise ParamcountError(f"{class_name}: '{key}' must be True or False, "
                                  f"got {config[key]!r}")
    for key in ("momentum",):
        if key in config and (isinstance(config[key], bool)
                              or not isinstance(config[key], (int, float))):
            raise ParamcountError(f"{class_name}: '{key}' must be a number, got {config[key]!r}")
    layers = config.get("exclude_layers")
    if layers is not None:
        if isinstance(layers, str):
            layers = [layers]
        if not isinstance(layers, list) or not all(isinstance(x, str) for x in layers):
            raise ParamcountError(f"{class_name}: exclude_layers must be a list of patterns")
        for pattern in layers:
            try:
                re.compile(pattern)
            except re.error as e:
                raise ParamcountError(f"{class_name}: exclude_layers {pattern!r}: {e}") from None
        config["exclude_layers"] = layers
    inner = None
    if class_name == "LossScaleOptimizer":
        if "inner_optimizer" not in config:
            raise ParamcountError("LossScaleOptimizer: give its inner optimizer, e.g. "
                                  "'LossScaleOptimizer(Adam())'")
        inner = optimizer_spec(config.pop("inner_optimizer"))
        if inner.class_name == "LossScaleOptimizer":
            raise ParamcountError("LossScaleOptimizer: its inner optimizer is a "
                                  "LossScaleOptimizer too, which Keras refuses")
    return OptimizerSpec(class_name, config, inner)


# (path, shape, dtype, overwrite_with_gradient): a trainable variable as the optimizer sees it.
Trainable = tuple


def optimizer_variables(spec: OptimizerSpec, trainable: list[Trainable],
                        prefix: str | None = None) -> list[OptimizerVariable]:
    """``optimizer.variables`` after ``optimizer.build(model.trainable_variables)``, in Keras'
    order: the step counter, the learning rate (unless a schedule computes it), then what
    ``build()`` adds for each trainable variable. A variable Keras overwrites with its gradient
    (float8's scales and amax histories) gets no slot."""
    name = prefix or str(spec.get("name") or _snake(spec.class_name))
    out = [OptimizerVariable(f"{name}/iteration", (), STEP_COUNTER_DTYPE, "iteration")]
    if spec.class_name == "LossScaleOptimizer":  # its own rate (0.0), counter and scale
        out += [OptimizerVariable(f"{name}/learning_rate", (), FLOATX, "learning_rate"),
                OptimizerVariable(f"{name}/step_counter", (), STEP_COUNTER_DTYPE, "step_counter"),
                OptimizerVariable(f"{name}/dynamic_scale", (), "float32", "dynamic_scale")]
        return out + optimizer_variables(spec.inner, trainable)
    if spec.get("learning_rate") != _SCHEDULE:
        out.append(OptimizerVariable(f"{name}/learning_rate", (), FLOATX, "learning_rate"))

    def slots(*roles, every=False):  # add_optimizer_variables(): one per role, variable by variable
        for path, shape, dtype, overwrite in trainable:
            if overwrite and not every:
                continue
            for role in roles:
                out.append(OptimizerVariable(f"{name}/{path.replace('/', '_')}_{role}",
                                             tuple(shape), dtype, role))

    # BaseOptimizer.build(): the moving average, then the gradient accumulators (for every one).
    if spec.get("use_ema"):
        slots("average")
    if spec.get("gradient_accumulation_steps"):
        slots("gradient_accumulator", every=True)
    kind = spec.class_name
    if kind == "SGD":
        if spec.get("momentum", 0.0) != 0:
            slots("momentum")
    elif kind == "RMSprop":
        slots("velocity")
        if spec.get("momentum", 0.0) > 0:
            slots("momentum")
        if spec.get("centered", False):
            slots("average_gradient")
    elif kind in ("Adam", "AdamW"):
        slots("momentum", "velocity")
        if spec.get("amsgrad", False):
            slots("velocity_hat")
    elif kind in ("Lamb", "ScheduleFreeAdamW"):
        slots("momentum", "velocity")
    elif kind == "Nadam":
        slots("momentum", "velocity")
        first = trainable[0][2] if trainable else FLOATX
        out.append(OptimizerVariable("variable", (), first, "u_product"))
    elif kind == "Adadelta":
        slots("accumulated_grad", "accumulated_delta_var")
    elif kind == "Adagrad":
        slots("accumulator")
    elif kind == "Adamax":
        slots("momentum", "norm")
    elif kind == "Ftrl":
        slots("accumulator", "linear")
    elif kind == "Lion":
        slots("momentum")
    elif kind == "Adafactor":
        out += _adafactor(name, trainable)
    elif kind == "Muon":
        out += _muon(spec, name, trainable)
    return out


def _adafactor(name: str, trainable: list[Trainable]) -> list[OptimizerVariable]:
    out = []
    for path, shape, dtype, overwrite in trainable:
        leaf = path.rsplit("/", 1)[-1]
        if len(shape) < 2:  # placeholders: Variable(0), an int32 scalar, twice
            out += [OptimizerVariable(leaf, (), "int32", "r"), OptimizerVariable(leaf, (), "int32", "c")]
        elif not overwrite:  # the last two axes factored: row and column statistics
            out += [OptimizerVariable(f"{name}/{leaf}", tuple(shape[:-1]), dtype, "r"),
                    OptimizerVariable(f"{name}/{leaf}", (*shape[:-2], shape[-1]), dtype, "c")]
        if not overwrite:
            out.append(OptimizerVariable(f"{name}/{path.replace('/', '_')}_velocity",
                                         tuple(shape), dtype, "velocity"))
    return out


def _muon(spec: OptimizerSpec, name: str, trainable: list[Trainable]) -> list[OptimizerVariable]:
    """Muon: a momentum for every variable, and Adam's velocity too for those it leaves to Adam
    (not 2-D, an embedding, or a path matching exclude_layers)."""
    out = []
    for path, shape, dtype, overwrite in trainable:
        if overwrite:
            continue
        key = path.replace("/", "_")
        out.append(OptimizerVariable(f"{name}/{key}_momentum", tuple(shape), dtype, "momentum"))
        adam = (len(shape) != 2
                or (spec.get("exclude_embeddings", True) and "embedding" in path.lower())
                or any(re.search(p, path) for p in spec.get("exclude_layers") or ()))
        if adam:
            out.append(OptimizerVariable(f"{name}/{key}_velocity", tuple(shape), dtype, "velocity"))
    return out


def _snake(name: str) -> str:
    """The default name Keras gives an optimizer: ``RMSprop`` → ``rm_sprop``, ``AdamW`` →
    ``adam_w``."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def total_bytes(variables) -> int | float:
    """The bytes of variables (anything with ``shape`` and ``dtype``), each counted once."""
    return bits_to_bytes(sum(weight_bits(v.shape, v.dtype) for v in variables))


# --- checking a size a summary printed ------------------------------------------------------------

_PRINTED = r"^\s*([\d.]+)\s*(B|Byte|Bytes|KB|MB|GB|TB|PB)\s*$"  # compiled (and cached) by re when used
_EACH = {1: "int8 or uint8", 2: "float16 or bfloat16", 4: "float32", 8: "float64 or int64"}


def _printed_range(text: str) -> tuple[float, float] | None:
    """The bytes a printed size stands for, as the interval that rounds to it."""
    m = re.match(_PRINTED, text)
    if not m:
        return None
    scale = 1024 ** ["B", "KB", "MB", "GB", "TB", "PB"].index(
        "B" if m[2] in ("Byte", "Bytes") else m[2])
    value = float(m[1])
    return (value - 0.005) * scale, (value + 0.005) * scale


def _units_of(text: str) -> tuple[str, ...]:
    return KERAS2_UNITS if "Byte" in text else UNITS


def printed_size_notes(lines: dict[str, tuple[int | None, str]]) -> list[str]:
    """Notes on the sizes a summary's totals print: ``{"total": (48, "192.00 B"), ...}`` with the
    keys ``total``, ``trainable``, ``non_trainable`` and ``optimizer``. Each size is held to its
    count: so many elements of one dtype (``48 × 4 bytes, float32``), a mix of dtypes (between
    one and eight bytes each), or no dtype at all; and the total to the sum of the others."""
    labels = {"total": "Total params", "trainable": "Trainable params",
              "non_trainable": "Non-trainable params", "optimizer": "Optimizer params"}
    notes = []
    parts = [k for k in ("trainable", "non_trainable", "optimizer") if k in lines]
    for key, label in labels.items():
        if key not in lines or lines[key][0] is None:
            continue
        count, text = lines[key]
        span = _printed_range(text)
        if span is None:
            notes.append(f"{label} size {text!r} is not a size as summary() prints one ✗")
        elif key == "total" and len(parts) >= 2 and all(_printed_range(lines[k][1]) for k in parts):
            spans = [_printed_range(lines[k][1]) for k in parts]
            low, high = sum(s[0] for s in spans), sum(s[1] for s in spans)
            added = " + ".join(lines[k][1] for k in parts)
            notes.append(f"{label} {count:,} ({text}) = {added} ✓" if low <= span[1]
                         and span[0] <= high else
                         f"{label} {count:,} ({text}) ≠ {added}, the sizes below it: the "
                         "table was edited? ✗")
        else:
            notes.append(f"{label} {count:,} ({text}): {_size_fit(key, count, text, span)}")
    return notes


def _size_fit(key: str, count: int, text: str, span: tuple[float, float]) -> str:
    units = _units_of(text)
    if count == 0:
        return "no parameters, no bytes ✓" if span[0] <= 0 else \
            "a size for no parameters fits no dtype ✗"
    for each, name in _EACH.items():
        if readable_size(count * each, units) == text:
            return f"{count:,} × {each} bytes ({name}) ✓"
    if key == "optimizer":  # slots of float32 with an int64 counter and a float32 learning rate
        for extra, fixed, why in ((2, 12, "an int64 step counter and a float32 learning rate"),
                                  (1, 8, "an int64 step counter (the learning rate a schedule)")):
            if count > extra and readable_size(4 * (count - extra) + fixed, units) == text:
                return (f"{count - extra:,} float32 slot values × 4 bytes + {why} "
                        f"= {4 * (count - extra) + fixed:,} bytes ✓")
    if span[1] < count * 1:
        return ("less than one byte per parameter: smaller than int8, the smallest dtype Keras "
                "stores numeric weights in (an int4 kernel is stored packed in int8), so the "
                "size fits no dtype ✗")
    if span[0] > count * 8:
        return "more than eight bytes per parameter: larger than any dtype (float64 and int64 " \
               "take 8), so the size fits no dtype ✗"
    average = (span[0] + span[1]) / 2 / count
    return (f"about {average:.2f} bytes per parameter: weights of several dtypes (an int8 kernel "
            "with float32 scales, an int64 counter among float32 weights...) ✓")
