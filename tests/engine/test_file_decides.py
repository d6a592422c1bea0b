"""A saved file is counted exactly: where a formula cannot know or disagrees, the stored weights
decide (paramcount.counting.decide). Files written here by real Keras 3 and tf-keras, counted
by ``paramcount count FILE --json`` and compared with ``count_params()`` of the model saved.

- quantized transformer blocks (int8, int4, float8: MultiHeadAttention, GroupQueryAttention,
  EinsumDense, Dense), whose attention configs still say float32;
- a custom layer in the middle of a functional or Sequential model, in tf-keras and Keras 3
  ``.h5`` files, which record no shape after it: every layer after it is counted;
- the notes: a contradiction decided by the file, a custom layer's split left open, or decided
  by ``trainable=False`` on the layer or on its model;
- weights that do not belong to the config, refused.
"""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import pytest
from keras_facts import COMMAND, facts

import paramcount

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(COMMAND + [str(a) for a in args], capture_output=True, text=True,
                          timeout=120)


def cli_json(*args) -> tuple[dict, str]:
    done = run("count", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def quiet_save(model, path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "HDF5 is legacy", layers quantize() skips
        model.save(path)


# -- the models ---------------------------------------------------------------------------------

def transformer_block(mode: str, width: int = 16):
    """A small transformer block, quantized by model.quantize(mode)."""
    L = keras.layers
    inputs = keras.Input((6, width))
    x = L.LayerNormalization()(inputs + L.MultiHeadAttention(2, 4, name="mha")(inputs, inputs))
    x = x + L.GroupQueryAttention(4, 4, 2, name="gqa")(x, x)
    y = L.Dense(32, activation="relu")(x)
    y = L.EinsumDense("abc,cd->abd", output_shape=(None, width), bias_axes="d")(y)
    model = keras.Model(inputs, L.LayerNormalization()(x + y), name=f"block_{mode}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize(mode)
    return model


def custom_in_the_middle(k, sequential: bool, freeze: str | None = None):
    """A custom layer whose output shape no config records (tf-keras, or any legacy .h5),
    with layers after it whose inputs therefore have unknown shapes."""

    class Linear(k.layers.Layer):
        def __init__(self, units=8, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1], self.units), name="w")
            self.b = self.add_weight(shape=(self.units,), name="b", trainable=False)

        def call(self, x):
            return x @ self.w + self.b

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    L = k.layers
    if sequential:
        model = k.Sequential([k.Input((9,)), L.Dense(6), Linear(5, name="linear"), L.Dense(4),
                              L.BatchNormalization(), L.Dense(2)], name="sequential")
    else:
        inputs = k.Input((10, 6))
        x = L.Conv1D(4, 3)(inputs)
        x = Linear(12, name="linear")(x)
        x = L.LSTM(5, return_sequences=True)(x)
        x = L.Conv1D(7, 2)(x)
        x = L.BatchNormalization()(x)
        x = L.Dense(3)(L.Flatten()(x))
        model = k.Model(inputs, x, name="functional")
    if freeze == "layer":
        model.get_layer("linear").trainable = False
    elif freeze == "model":
        model.trainable = False
    return model


@pytest.fixture(scope="session")
def saved(tmp_path_factory) -> dict:
    """name -> (command-line arguments, Keras' facts about the model saved)."""
    tmp = tmp_path_factory.mktemp("decides")
    cases = {}
    for mode in ("int8", "int4", "float8"):
        keras.backend.clear_session()
        model = transformer_block(mode)
        quiet_save(model, tmp / f"block_{mode}.keras")
        cases[f"block {mode} .keras"] = ([tmp / f"block_{mode}.keras"], facts(model))
        if mode == "int8":
            (tmp / "block_int8.json").write_text(model.to_json())
            model.save_weights(tmp / "block_int8.weights.h5")
            cases["block int8 .json + .weights.h5"] = (
                [tmp / "block_int8.json", "--weights", tmp / "block_int8.weights.h5"],
                facts(model))
    for name, k in (("keras3", keras), ("tf_keras", tf_keras)):
        for sequential in (False, True):
            for freeze in (None, "layer", "model"):
                if freeze and sequential:
                    continue
                k.backend.clear_session()
                model = custom_in_the_middle(k, sequential, freeze)
                label = f"{name} {'sequential' if sequential else 'functional'}" + (
                    f" frozen {freeze}" if freeze else "")
                path = tmp / f"{label.replace(' ', '_')}.h5"
                quiet_save(model, path)
                cases[f"{label} .h5"] = ([path], facts(model))
                if name == "tf_keras" and not freeze:
                    # tf-keras' own .keras format keys weights by class, not by layer name.
                    quiet_save(model, path.with_suffix(".keras"))
                    cases[f"{label} .keras"] = ([path.with_suffix(".keras")], facts(model))
    return cases


BLOCKS = [f"block {mode} .keras" for mode in ("int8", "int4", "float8")] + [
    "block int8 .json + .weights.h5"]
MIDDLE = [f"{name} {kind} .h5" for name in ("keras3", "tf_keras")
          for kind in ("functional", "sequential")] + [
    "tf_keras functional .keras", "tf_keras sequential .keras"]


@pytest.mark.parametrize("case", BLOCKS)
def test_quantized_attention_is_counted_from_the_file(saved, case):
    """The attention layers' configs say float32; the file holds their quantized projections.
    The count is Keras' own, its trainable split too, and each attention layer says why."""
    args, expected = saved[case]
    got, stderr = cli_json(*args)
    assert got["total"] == expected["total"]
    assert got["trainable"] == expected["trainable"] and got["trainable_unknown"] == 0
    assert "warning" not in stderr
    mode = case.split()[1]
    for row in got["layers"]:
        assert (row["params"], row["trainable"]) == expected["layers"][row["name"]], row["name"]
        if row["class_name"] in ("MultiHeadAttention", "GroupQueryAttention"):
            assert row["source"] == "stored weights"
            note = " ".join(row["notes"])
            assert f"they are {mode}" in note and "quantized by `model.quantize`" in note
            assert "the config still says float32" in note
    explained = got["stored_weights"]["explained"]
    assert sorted(e.split("'")[1] for e in explained) == ["gqa", "mha"]
    assert got["stored_weights"]["disagreements"] == got["stored_weights"]["overruled"] == []


def test_quantized_attention_table_marks_and_says_why(saved):
    args, _ = saved["block int8 .keras"]
    table = run("count", *args).stdout
    row = next(line for line in table.splitlines() if line.startswith("mha "))
    assert row.endswith("†")
    assert "the file contradicts the formula" in table
    assert "† layer 'mha': quantized by `model.quantize` (int8)" in table


def test_the_config_alone_says_attention_may_be_quantized(saved, tmp_path):
    """Without the weights, a quantized attention layer cannot be told from a float one: the
    count is the config's (float) one, and it says the attention layers may be quantized."""
    args, expected = saved["block int8 .json + .weights.h5"]
    got = paramcount.count(args[0])
    assert got.total < expected["total"]  # the float count: never a guessed number
    assert got.witness is None
    assert len(got.notes) == 1 and "'mha', 'gqa'" in got.notes[0]
    assert "may be quantized" in got.notes[0] and ".keras file" in got.notes[0]
    mha = next(layer for layer in got.layers if layer.name == "mha")
    assert any(note.startswith("may be quantized") for note in mha.notes)
    table = run("count", args[0]).stdout
    assert "Note: attention layer(s) 'mha', 'gqa'" in table
    # A float model's config says nothing of the kind.
    keras.backend.clear_session()
    inputs = keras.Input((6, 16))
    plain = keras.Model(inputs, keras.layers.MultiHeadAttention(2, 4)(inputs, inputs))
    assert paramcount.count(json.loads(plain.to_json())).notes == []


@pytest.mark.parametrize("case", MIDDLE)
def test_every_layer_after_a_custom_layer_is_counted(saved, case):
    """The legacy .h5 records no shape after the custom layer: the layers after it are still
    counted by their formulas, their input sizes read from the weights the file stores."""
    args, expected = saved[case]
    got, stderr = cli_json(*args)
    assert got["total"] == expected["total"]
    assert "warning" not in stderr
    seen_custom = False
    for row in got["layers"]:
        params, trainable = expected["layers"][row["name"]]
        assert row["params"] == params, row["name"]
        if row["class_name"] == "Linear":
            seen_custom = True
            assert row["source"] == "stored weights" and row["trainable_unknown"] == params
            assert any(n.startswith("trainable split not recorded") for n in row["notes"])
        else:
            assert row["source"] == "formula", row["name"]
            assert (row["trainable"], row["trainable_unknown"]) == (trainable, 0), row["name"]
    assert seen_custom
    assert got["trainable"] + got["trainable_unknown"] >= expected["trainable"] >= got["trainable"]


def test_layers_after_the_unknown_shape_say_where_their_input_came_from(saved):
    args, _ = saved["tf_keras functional .h5"]
    got = paramcount.count(args[0])
    lstm = next(layer for layer in got.layers if layer.class_name == "LSTM")
    assert lstm.input_partial and lstm.output_partial
    assert lstm.input_shape[-1] == 12  # read from its stored kernel, (12, 20)
    assert any("the stored weights give the input's last axis" in n for n in lstm.notes)
    dense = got.layers[-1]
    assert dense.output_shape == (None, 3)
    table = run("count", args[0]).stdout
    assert "(None, ?, 5)" in table and "? a size paramcount does not know" in table


@pytest.mark.parametrize("name", ["keras3", "tf_keras"])
@pytest.mark.parametrize("freeze", ["layer", "model"])
def test_trainable_false_decides_a_custom_layers_split(saved, name, freeze):
    """trainable=False on the custom layer, or on its model, makes all its weights
    non-trainable: the split is then known, and the note says which flag decided it."""
    args, expected = saved[f"{name} functional frozen {freeze} .h5"]
    got, _ = cli_json(*args)
    assert (got["total"], got["trainable"]) == (expected["total"], expected["trainable"])
    assert got["trainable_unknown"] == 0
    row = next(row for row in got["layers"] if row["name"] == "linear")
    assert row["non_trainable"] == row["params"] > 0
    want = "trainable=False on the layer" if freeze == "layer" else "trainable=False on the model"
    assert any(n.startswith(want) for n in row["notes"]), row["notes"]


def test_weights_of_another_model_are_refused(saved, tmp_path):
    """--weights that do not fit the config at all: an error, not a count."""
    args, _ = saved["block int8 .json + .weights.h5"]
    keras.backend.clear_session()
    inputs = keras.Input((5,))
    other = keras.Model(inputs, keras.layers.Dense(2, name="head")(
        keras.layers.Dense(3, name="body")(inputs)))
    other.save_weights(tmp_path / "other.weights.h5")
    done = run("count", args[0], "--weights", tmp_path / "other.weights.h5")
    assert done.returncode == 2 and done.stdout == ""
    assert "these weights do not belong to this model" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    # The same layer names, other shapes: the same block, half as wide.
    keras.backend.clear_session()
    twin = transformer_block("int8", width=8)
    config = json.loads(Path(args[0]).read_text())
    assert [entry["name"] for entry in json.loads(twin.to_json())["config"]["layers"]] == [
        entry["name"] for entry in config["config"]["layers"]]
    twin.save_weights(tmp_path / "twin.weights.h5")
    done = run("count", args[0], "--weights", tmp_path / "twin.weights.h5")
    assert done.returncode == 2 and "do not belong" in done.stderr, done.stderr
    assert "other shapes than the config gives" in done.stderr


@pytest.fixture(scope="session")
def hub_files(tmp_path_factory) -> dict:
    keras_hub = pytest.importorskip("keras_hub")
    tmp = tmp_path_factory.mktemp("hub")
    keras.backend.clear_session()
    backbone = keras_hub.models.BertBackbone(vocabulary_size=50, num_layers=2, num_heads=2,
                                             hidden_dim=8, intermediate_dim=16,
                                             max_sequence_length=8)
    files = {}
    for mode in (None, "int8"):
        if mode:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                backbone.quantize(mode)
        path = tmp / f"bert_{mode or 'float'}.keras"
        backbone.save(path)
        files[mode or "float"] = (path, facts(backbone))
    return files


@pytest.mark.parametrize("mode", ["float", "int8"])
def test_a_keras_hub_backbone_is_counted_from_its_stored_weights(hub_files, mode):
    """Its config holds constructor arguments, not layers: the file's weights count it (its
    split left open), quantized or not; no refusal of the config overrides that."""
    path, expected = hub_files[mode]
    got, stderr = cli_json(path)
    assert got["total"] == expected["total"] and "warning" not in stderr
    assert got["trainable"] + got["trainable_unknown"] >= expected["trainable"] >= got["trainable"]
