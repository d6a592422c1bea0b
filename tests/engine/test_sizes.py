"""Sizes in bytes against Keras: the sizes ``summary()`` prints for float32, float16, bfloat16,
float64, mixed_float16, int8, int4 and float8 models, each weight's dtype, and the optimizer's
variables (``optimizer.variables`` after ``optimizer.build(model.trainable_variables)``) for every
built-in optimizer with its default settings and with settings that change its variables.

The models are built once per module; the optimizers are cheap to build on them."""

from __future__ import annotations

import inspect
import json
import warnings
from collections import Counter

import pytest

import paramcount
from paramcount import sizes
from paramcount.counting import attach_optimizer
from paramcount.show.explain import totals

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
from keras import layers  # noqa: E402
from keras.src.utils import summary_utils  # noqa: E402

LABELS = ("Total params", "Trainable params", "Non-trainable params", "Optimizer params")


def summary_lines(model) -> list[str]:
    """The totals lines of Keras' own summary()."""
    printed = []
    model.summary(print_fn=lambda text, line_break=True: printed.append(text))
    return [line.strip() for line in "\n".join(printed).splitlines()
            if line.strip().startswith(LABELS)]


def ours(counted) -> list[str]:
    return [line for line in totals(counted).splitlines() if line.startswith(LABELS)]


def build(policy: str, quantize: str | None = None):
    """A model with an Embedding, an LSTM, a Dense, a BatchNormalization, an EinsumDense and a
    Conv1D, its layers under ``policy``; quantized afterwards if asked."""
    keras.backend.clear_session()
    keras.mixed_precision.set_global_policy(policy)
    try:
        inputs = keras.Input((6,), dtype="int32")
        x = layers.Embedding(20, 8)(inputs)
        # glorot: TensorFlow cannot draw orthogonal initial values in bfloat16
        x = layers.LSTM(4, return_sequences=True, recurrent_initializer="glorot_uniform")(x)
        x = layers.Conv1D(3, 2)(x)
        x = layers.EinsumDense("abc,cd->abd", output_shape=(5, 5), bias_axes="d")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Flatten()(x)
        outputs = layers.Dense(7)(x)
        model = keras.Model(inputs, outputs)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    if quantize:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns that it skips the LSTM and the Conv1D
            model.quantize(quantize)
    return model


CASES = {
    "float32": ("float32", None), "float16": ("float16", None), "bfloat16": ("bfloat16", None),
    "float64": ("float64", None), "mixed_float16": ("mixed_float16", None),
    "mixed_bfloat16": ("mixed_bfloat16", None), "int8": ("float32", "int8"),
    "int4": ("float32", "int4"), "float8": ("float32", "float8"),
    "int8 from bfloat16": ("bfloat16", "int8"), "int4 from mixed_float16": ("mixed_float16", "int4"),
}


@pytest.fixture(scope="module")
def models() -> dict:
    return {name: build(*case) for name, case in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_summary_sizes_are_keras(models, name):
    model = models[name]
    assert ours(paramcount.count(model)) == summary_lines(model)


@pytest.mark.parametrize("name", list(CASES))
def test_each_weight_has_keras_dtype(models, name):
    model = models[name]
    counted = paramcount.count(model)
    theirs = {}
    for layer in model.layers:
        for w in layer.weights:
            parts = w.path.split("/")
            theirs[(layer.name, "/".join(parts[parts.index(layer.name) + 1:]))] = str(w.dtype)
    assert {(layer.name, w.path): w.dtype for layer in counted.layers
            for w in layer.weights} == theirs


def test_the_dtypes_are_not_all_alike(models):
    """The cases above differ where they should (else the comparison proves little)."""
    sizes_seen = {summary_lines(models[name])[0] for name in CASES}
    assert len(sizes_seen) >= 7


def test_lora_factors_are_float32_whatever_the_policy():
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((8,)), layers.Dense(4, dtype="float16")])
    model.layers[0].enable_lora(2)
    assert ours(paramcount.count(model)) == summary_lines(model)


def test_normalization_count_is_an_int64():
    import numpy as np

    keras.backend.clear_session()
    norm = layers.Normalization()
    norm.adapt(np.array([[1.0, 2.0], [3.0, 4.0]]))
    model = keras.Sequential([keras.Input((2,)), norm])
    assert ours(paramcount.count(model)) == summary_lines(model)
    assert "Total params: 5 (24.00 B)" in summary_lines(model)  # 4 float32 + one int64


@pytest.mark.parametrize("size", [0, 1, 192, 1023, 1024, 1029, 1030, 1031, 8320, 2304, 1568,
                                  4_004_000, 2**30 - 1, 2**30, 3 * 2**40 + 12345, 2**60 * 5,
                                  76.5, 1023.996])
def test_readable_size_is_keras(size):
    assert sizes.readable_size(size) == summary_utils.readable_memory_size(size)


# --- the optimizer ----------------------------------------------------------------------------

OPTIMIZERS = [
    *[(name, {}) for name in sizes.OPTIMIZERS if name != "LossScaleOptimizer"],
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "use_ema": True, "gradient_accumulation_steps": 2}),
    ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("Adam", {"amsgrad": True}),
    ("Adam", {"use_ema": True, "gradient_accumulation_steps": 3}),
    ("AdamW", {"amsgrad": True, "weight_decay": 0.1}),
    ("Adadelta", {"use_ema": True}),
    ("Adagrad", {"gradient_accumulation_steps": 2}),
    ("Adamax", {"use_ema": True}),
    ("Adafactor", {"use_ema": True, "gradient_accumulation_steps": 2}),
    ("Nadam", {"use_ema": True}),
    ("Ftrl", {"beta": 0.5, "use_ema": True}),
    ("Lion", {"gradient_accumulation_steps": 4}),
    ("Lamb", {"use_ema": True}),
    ("Muon", {"exclude_embeddings": False, "exclude_layers": ["dense"]}),
    ("ScheduleFreeAdamW", {"gradient_accumulation_steps": 2}),
]


def keras_optimizer(class_name: str, config: dict):
    return getattr(keras.optimizers, class_name)(**config)


def variables_facts(variables) -> tuple:
    """What summary() adds of them, and each variable's shape and dtype."""
    return (summary_utils.count_params(variables), summary_utils.weight_memory_size(variables),
            Counter((tuple(v.shape), str(v.dtype)) for v in variables))


def paramcount_facts(variables) -> tuple:
    return (sum(v.size for v in variables), sizes.total_bytes(variables),
            Counter((v.shape, v.dtype) for v in variables))


@pytest.mark.parametrize("model_name", ["float32", "float8", "bfloat16"])
@pytest.mark.parametrize(("class_name", "config"), OPTIMIZERS,
                         ids=[f"{c}{sorted(k.items())}" for c, k in OPTIMIZERS])
def test_optimizer_variables_are_keras(models, model_name, class_name, config):
    model = models[model_name]
    optimizer = keras_optimizer(class_name, config)
    optimizer.build(model.trainable_variables)
    # As a .keras archive records it (compile_config), and as the command line reads it.
    entry = json.loads(json.dumps(keras.optimizers.serialize(optimizer)))
    counted = attach_optimizer(paramcount.count(model), entry)
    assert paramcount_facts(counted.optimizer.variables) == variables_facts(optimizer.variables)
    if config:
        text = f"{class_name}({', '.join(f'{k}={v!r}' for k, v in config.items())})"
    else:
        text = class_name.lower()
    again = attach_optimizer(paramcount.count(model), text)
    assert paramcount_facts(again.optimizer.variables) == variables_facts(optimizer.variables)


@pytest.mark.parametrize("model_name", ["float32", "float8"])
@pytest.mark.parametrize("text", ["LossScaleOptimizer(Adam())",
                                  "Adam(learning_rate=ExponentialDecay(0.1, 10, 0.9))",
                                  "LossScaleOptimizer(SGD(learning_rate=ExponentialDecay(0.1, 10, "
                                  "0.9), momentum=0.9))"])
def test_wrapped_and_scheduled_optimizers_are_keras(models, model_name, text):
    model = models[model_name]
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    optimizer = {
        "LossScaleOptimizer(Adam())":
            keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam()),
        "Adam(learning_rate=ExponentialDecay(0.1, 10, 0.9))":
            keras.optimizers.Adam(learning_rate=schedule),
    }.get(text) or keras.optimizers.LossScaleOptimizer(
        keras.optimizers.SGD(learning_rate=schedule, momentum=0.9))
    optimizer.build(model.trainable_variables)
    counted = attach_optimizer(paramcount.count(model), text)
    assert paramcount_facts(counted.optimizer.variables) == variables_facts(optimizer.variables)
    entry = json.loads(json.dumps(keras.optimizers.serialize(optimizer)))
    counted = attach_optimizer(paramcount.count(model), entry)
    assert paramcount_facts(counted.optimizer.variables) == variables_facts(optimizer.variables)


@pytest.mark.parametrize("model_name", ["float32", "int4"])
def test_summary_after_the_optimizer_is_built_is_keras(models, model_name):
    """The totals fit() shows: an Optimizer params line, and the total with it."""
    model = build(*CASES[model_name])
    model.compile(optimizer=keras.optimizers.Adam(amsgrad=True), loss="mse")
    model.optimizer.build(model.trainable_variables)
    counted = attach_optimizer(paramcount.count(model), "Adam(amsgrad=True)")
    assert ours(counted) == summary_lines(model)
    assert any(line.startswith("Optimizer params") for line in ours(counted))


def test_a_compiled_archive_uses_its_own_optimizer(tmp_path):
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.BatchNormalization(),
                              layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.RMSprop(momentum=0.9, centered=True), loss="mse")
    path = tmp_path / "compiled.keras"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its optimizer was never built: nothing to restore
        loaded = keras.saving.load_model(path)  # loading builds the optimizer all the same
    counted = attach_optimizer(paramcount.count(path))
    assert counted.optimizer.source == "compile_config"
    assert ours(counted) == summary_lines(loaded)
    assert any(line.startswith("Optimizer params") for line in summary_lines(loaded))


def test_the_argument_table_is_keras():
    for name, arguments in sizes.OPTIMIZERS.items():
        signature = inspect.signature(getattr(keras.optimizers, name).__init__)
        theirs = tuple(p.name for p in list(signature.parameters.values())[1:]
                       if p.kind == p.POSITIONAL_OR_KEYWORD)
        assert arguments == theirs, name


# --- the reconciler reads the sizes Keras printed --------------------------------------------

@pytest.mark.parametrize("model_name", ["float32", "int4", "float64"])
def test_reconciler_accepts_the_sizes_keras_printed(models, model_name):
    model = models[model_name]
    printed = []
    model.summary(print_fn=lambda text, line_break=True: printed.append(text))
    notes = paramcount.reconcile("\n".join(printed)).notes
    size_notes = [n for n in notes if "B)" in n]
    assert len(size_notes) == 3, notes
    assert not any("✗" in n for n in size_notes), size_notes


def test_reconciler_flags_a_size_no_dtype_fits(models):
    printed = []
    models["float32"].summary(print_fn=lambda text, line_break=True: printed.append(text))
    text = "\n".join(printed)
    line = next(line for line in text.splitlines() if "Trainable params" in line)
    count = int(line.split(":")[1].split("(")[0].replace(",", ""))
    forged = text.replace(line, f" Trainable params: {count:,} ({sizes.readable_size(count / 2)})")
    notes = paramcount.reconcile(forged).notes
    assert any("Trainable params" in n and "fits no dtype ✗" in n for n in notes), notes


@pytest.mark.parametrize(("lines", "verdict"), [
    ({"trainable": (48, "192.00 B")}, "48 × 4 bytes (float32) ✓"),
    ({"trainable": (48, "192.00 Byte")}, "48 × 4 bytes (float32) ✓"),  # tf-keras' unit
    ({"trainable": (48, "96.00 B")}, "48 × 2 bytes (float16 or bfloat16) ✓"),
    ({"trainable": (48, "40.00 B")}, "fits no dtype ✗"),  # less than a byte each
    ({"trainable": (48, "1.00 KB")}, "fits no dtype ✗"),  # more than eight bytes each
    ({"trainable": (0, "4.00 B")}, "fits no dtype ✗"),
    ({"trainable": (2112, "2.25 KB")}, "several dtypes"),  # int8 kernel, float32 scale and bias
    ({"optimizer": (18, "76.00 B")}, "int64 step counter and a float32 learning rate"),
    ({"total": (26, "108.00 B"), "trainable": (8, "32.00 B"), "non_trainable": (0, "0.00 B"),
      "optimizer": (18, "76.00 B")}, "= 32.00 B + 0.00 B + 76.00 B ✓"),
    ({"total": (26, "208.00 B"), "trainable": (8, "32.00 B"), "non_trainable": (0, "0.00 B")},
     "table was edited? ✗"),
    ({"trainable": (48, "192 bytes")}, "is not a size as summary() prints one ✗"),
])
def test_printed_sizes_are_held_to_their_counts(lines, verdict):
    assert verdict in sizes.printed_size_notes(lines)[0]


def test_bad_optimizers_are_one_line_errors():
    model = paramcount.explain_layer("Dense(2)", "(3,)")
    counted = paramcount.ModelCount("m", "Sequential", [model])
    for text, message in [("adamm", "unknown optimizer 'adamm'"),
                          ("Adam(foo=1)", "not recognized: foo"),
                          ("__import__('os')", "unknown optimizer '__import__'"),
                          ("import os", "cannot read the optimizer"),
                          ("SGD(0.1, learning_rate=0.2)", "given twice"),
                          ("Adam(gradient_accumulation_steps=1)", ">= 2"),
                          ("LossScaleOptimizer()", "give its inner optimizer"),
                          ("Adam(amsgrad='yes')", "True or False")]:
        with pytest.raises(paramcount.ParamcountError, match=message.replace("(", r"\(")):
            attach_optimizer(counted, text)


def test_the_command_line_prints_the_optimizer_share(capsys):
    from paramcount.cli import main

    assert main(["explain", "Dense(2)", "--input-shape", "(3,)", "--optimizer", "adamm"]) == 2
    assert "unknown optimizer 'adamm'" in capsys.readouterr().err
    assert main(["explain", "Dense(2)", "--input-shape", "(3,)", "--optimizer", "adam"]) == 0
    printed = capsys.readouterr().out
    assert "Optimizer params: 18 (76.00 B)" in printed  # the page's Dense(2) after fit()
    assert "activations and gradients not included" in printed
    assert main(["explain", "Dense(2)", "--input-shape", "(3,)", "--json", "--optimizer",
                 "adam"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["sizes"]["total"] == {"bytes": 32, "printed": "32.00 B"}
    assert answer["optimizer"]["training"]["bytes"] == 32 + 76


@pytest.mark.parametrize("case", ["bert bfloat16", "bert int8", "gpt2 float16", "mixtral bfloat16"])
def test_kerashub_backbones_have_their_dtypes(case):
    """A backbone's policy reaches the layers it makes (a map's default, with quantize())."""
    keras_hub = pytest.importorskip("keras_hub")
    family, dtype = case.split()
    keras.backend.clear_session()
    small = {"vocabulary_size": 50, "num_layers": 1, "hidden_dim": 8, "intermediate_dim": 16}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "mixtral":
            backbone = keras_hub.models.MixtralBackbone(
                **small, num_query_heads=2, num_key_value_heads=1, num_experts=2, top_k=1,
                dtype=dtype)
        else:
            make = {"bert": keras_hub.models.BertBackbone, "gpt2": keras_hub.models.GPT2Backbone}
            backbone = make[family](**small, num_heads=2, max_sequence_length=12,
                                    dtype=None if dtype == "int8" else dtype)
            if dtype == "int8":
                backbone.quantize("int8")
    assert ours(paramcount.count(backbone)) == summary_lines(backbone)
