"""Stored weights as a second witness, and legacy HDF5 files: files written by real Keras 3 and
tf-keras, counted by ``paramcount count FILE --json`` and compared with Keras' own numbers; the
pure-Python HDF5 reader compared with h5py on every one of them."""

import json
import subprocess
import warnings
from pathlib import Path

import pytest
from keras_facts import COMMAND, facts

import paramcount
from paramcount.read.stored import read_archive_weights, read_h5_file

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")
h5py = pytest.importorskip("h5py")

FIXTURES = Path(__file__).parents[1] / "fixtures"
def cli_json(*args) -> tuple[dict, str]:
    done = subprocess.run(COMMAND + ["count", *map(str, args), "--json"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


class Scale(keras.layers.Layer):
    """A custom layer owning a trainable and a non-trainable weight."""

    def build(self, shape):
        self.scale = self.add_weight(shape=(shape[-1],), name="scale")
        self.offset = self.add_weight(shape=(3, shape[-1]), name="offset", trainable=False)

    def call(self, x):
        return x * self.scale + self.offset[0]


class TwoDense(keras.Model):
    """A subclassed model: its config lists no layers."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = keras.layers.Dense(5)
        self.second = keras.layers.Dense(2, use_bias=False)

    def call(self, x):
        return self.second(self.first(x))


def keras3_models():
    L = keras.layers
    tokens = keras.Input((7,), dtype="int32")
    x = L.Embedding(30, 6)(tokens)
    x = L.Bidirectional(L.LSTM(4, return_sequences=True))(x)
    x = Scale(name="scale")(x)
    x = keras.Sequential([L.Dense(3, lora_rank=2), L.LayerNormalization()], name="inner")(x)
    x = L.BatchNormalization()(L.GlobalAveragePooling1D()(x))
    custom = keras.Model(tokens, L.Dense(2)(x), name="custom")

    models = {"custom": custom}
    for mode in ("int8", "int4", "float8"):
        inputs = keras.Input((4, 9))
        y = L.Dense(6)(inputs)
        y = L.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d")(y)
        y = L.Conv1D(2, 2)(y)  # Keras leaves it a float layer
        model = keras.Model(inputs, y, name=f"quantized_{mode}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.quantize(mode)
        models[f"quantized_{mode}"] = model
    subclassed = TwoDense(name="two_dense")
    subclassed(keras.ops.ones((1, 4)))
    models["subclassed"] = subclassed
    return models


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict:
    """Every file case: (paths for the command line, Keras' facts, whether custom layers)."""
    tmp = tmp_path_factory.mktemp("stored")
    cases = {}
    keras.backend.clear_session()
    for name, model in keras3_models().items():
        expected = facts(model)
        cases[f"{name}.keras"] = ([tmp / f"{name}.keras"], expected)
        model.save(tmp / f"{name}.keras")
        if name == "subclassed":
            continue
        cases[f"{name} legacy .h5"] = ([tmp / f"{name}.h5"], expected)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.save(tmp / f"{name}.h5")
        (tmp / f"{name}.json").write_text(model.to_json())
        model.save_weights(tmp / f"{name}.weights.h5")
        cases[f"{name} .json + .weights.h5"] = (
            [tmp / f"{name}.json", "--weights", tmp / f"{name}.weights.h5"], expected)
    L = tf_keras.layers
    tf_keras.backend.clear_session()
    legacy = tf_keras.Sequential([L.Embedding(20, 4, input_length=6), L.GRU(3),
                                  L.BatchNormalization(), L.Dense(2)], name="legacy")
    legacy.layers[2].trainable = False
    expected = facts(legacy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy.save(tmp / "tf_keras.h5")
    legacy.save_weights(tmp / "tf_keras_weights.h5")
    (tmp / "tf_keras.json").write_text(legacy.to_json())
    cases["tf-keras .h5"] = ([tmp / "tf_keras.h5"], expected)
    cases["tf-keras .json + weights .h5"] = (
        [tmp / "tf_keras.json", "--weights", tmp / "tf_keras_weights.h5"], expected)
    return cases


CASES = [f"{name}{suffix}" for name in ("custom", "quantized_int8", "quantized_int4",
                                        "quantized_float8")
         for suffix in (".keras", " legacy .h5", " .json + .weights.h5")] + [
    "subclassed.keras", "tf-keras .h5", "tf-keras .json + weights .h5"]


@pytest.mark.parametrize("case", CASES)
def test_file_counts_equal_keras(files, case):
    args, expected = files[case]
    got, stderr = cli_json(*args)
    assert got["total"] == expected["total"]
    assert got["stored_weights"]["disagreements"] == [], got["stored_weights"]
    assert "warning" not in stderr
    unknown = 0
    for row in got["layers"]:
        params, trainable = expected["layers"][row["name"]]
        assert row["params"] == params, row["name"]
        if row["source"] == "stored weights":
            # The file cannot say which of a custom layer's weights train: all are "unknown".
            assert row["trainable_unknown"] == params and row["trainable"] == 0
            unknown += params
        else:
            assert row["source"] == "formula"
            assert (row["trainable"], row["trainable_unknown"]) == (trainable, 0), row["name"]
    assert got["trainable_unknown"] == unknown
    # Keras' trainable count lies within what the file leaves open.
    assert got["trainable"] <= expected["trainable"] <= got["trainable"] + unknown
    if case.startswith(("custom", "subclassed")):
        assert unknown > 0
    else:
        assert (got["trainable"], unknown) == (expected["trainable"], 0)


def test_custom_layers_are_marked_in_table_and_explain(files):
    args, _ = files["custom.keras"]
    table = subprocess.run(COMMAND + ["count", *map(str, args)], capture_output=True, text=True)
    row = next(line for line in table.stdout.splitlines() if line.startswith("scale "))
    assert row.endswith("†") and "counted from the weights the file stores" in table.stdout
    explained = subprocess.run(COMMAND + ["explain", *map(str, args)], capture_output=True,
                               text=True).stdout
    assert "[source: stored weights]" in explained and "trainable: not recorded" in explained


def test_a_contradiction_is_decided_by_the_file(files, tmp_path):
    """A config that does not match its weights file on one layer: the file decides that
    layer's count (and the next layer's input size), and says so in the JSON, the table, the
    layer's note and on stderr."""
    args, expected = files["custom .json + .weights.h5"]
    config = json.loads(Path(args[0]).read_text())
    dense = next(entry for entry in config["config"]["layers"] if entry["class_name"] == "Dense")
    dense["config"]["units"] = 7
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(config))
    done = subprocess.run(COMMAND + ["count", str(edited), "--weights", str(args[2])],
                          capture_output=True, text=True)
    assert done.returncode == 0
    assert "stored weights contradict" in done.stderr and dense["config"]["name"] in done.stderr
    assert "contradicts the config on 1 layer" in done.stdout
    got = paramcount.count(edited, weights=args[2])
    assert got.total == expected["total"]  # the file's count, not the edited config's
    assert [d.split("'")[1] for d in got.witness.overruled] == [dense["config"]["name"]]
    assert got.witness.disagreements == []
    row = next(layer for layer in got.layers if layer.name == dense["config"]["name"])
    assert row.source == "stored weights" and row.trainable_unknown == row.params
    assert any("contradict the config" in n and "why is not known" in n for n in row.notes)


def test_weights_only_file_needs_its_config(files):
    _, _ = files["tf-keras .h5"]
    path = next(p for p, _ in [files["tf-keras .json + weights .h5"]])[2]
    done = subprocess.run(COMMAND + ["count", str(path)], capture_output=True, text=True)
    assert done.returncode == 2 and "--weights" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def _h5py_view(source) -> dict:
    shapes = {}
    source.visititems(lambda name, obj: shapes.__setitem__(name, tuple(obj.shape))
                      if isinstance(obj, h5py.Dataset) else None)
    return shapes


def _our_view(stored) -> list:
    return [shape for layer in stored.layers.values() for shape in layer.shapes]


def test_reader_agrees_with_h5py(files):
    """Every dataset shape the pure-Python reader finds is the one h5py reports."""
    checked = 0
    paths = {p for args, _ in files.values() for p in args if str(p).endswith((".h5", ".keras"))}
    paths |= {FIXTURES / "keras3_custom.keras", FIXTURES / "keras3_legacy.h5",
              FIXTURES / "tf_keras_legacy.h5"}
    for path in sorted(paths, key=str):
        if str(path).endswith(".keras"):
            import io
            import zipfile

            with zipfile.ZipFile(path) as archive:
                handle = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
            ours = read_archive_weights(path)
        else:
            handle = h5py.File(path, "r")
            ours = read_h5_file(path)
        with handle:
            theirs = _h5py_view(handle)
            mine = _our_view(ours)
            # Each stored layer's datasets, found under its own group, by their full paths.
            assert sorted(mine) == sorted(
                shape for name, shape in theirs.items()
                if not name.startswith(("optimizer", "vars/"))), path
            if "model_config" in handle.attrs:
                assert ours.model_config == json.loads(handle.attrs["model_config"])
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("fixture", ["keras3_legacy.h5", "tf_keras_legacy.h5"])
def test_damaged_files_get_one_line_errors(fixture, tmp_path):
    """Bytes overwritten anywhere in a .h5: a count, or a ParamcountError; never another error."""
    data = (FIXTURES / fixture).read_bytes()
    step = max(1, len(data) // 400)
    for at in range(0, len(data), step):
        damaged = bytearray(data)
        damaged[at:at + 8] = b"\xff\x7f\x00\x13" * 2
        path = tmp_path / fixture
        path.write_bytes(bytes(damaged))
        try:
            paramcount.count(path)
        except paramcount.ParamcountError:
            pass


def test_saved_model_directory_says_how_to_convert(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"")
    with pytest.raises(paramcount.ParamcountError, match=r"SavedModel.*\.save\('model\.h5'\)"):
        paramcount.count(tmp_path)
