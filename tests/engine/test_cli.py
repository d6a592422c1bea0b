"""The ``paramcount`` command, run as a real process: counts, explanations, JSON, pasted layer
code (checked against real Keras), and ``--keras`` for custom layers."""

import importlib
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import paramcount

FIXTURES = Path(__file__).parents[1] / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
SCRIPT = Path(sys.executable).with_name("paramcount")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "paramcount.cli"]


def run(*args, stdin=None, env=None, status=0):
    done = subprocess.run(COMMAND + [str(a) for a in args], capture_output=True, text=True,
                          input=stdin, env={**os.environ, **(env or {})}, timeout=120)
    assert done.returncode == status, done.stderr
    return done


def printed_total(out: str) -> int:
    """The count on the "Total params: 1,289 (5.04 KB)" line."""
    line = next(line for line in out.splitlines() if line.startswith("Total params: "))
    return int(line.removeprefix("Total params: ").split(" (")[0].replace(",", ""))


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_count_prints_keras_total(fixture):
    out = run("count", FIXTURES / fixture).stdout
    assert printed_total(out) == EXPECTED[fixture]


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_json_is_the_api_result(fixture):
    for command in ("count", "explain"):
        printed = json.loads(run(command, FIXTURES / fixture, "--json").stdout)
        assert printed == paramcount.count(FIXTURES / fixture).to_dict()
    assert printed["total"] == EXPECTED[fixture]


def test_explain_model_shows_each_derivation():
    out = run("explain", FIXTURES / "keras3_sequential.keras").stdout
    assert "4·u·(m + u + 1)" in out  # the LSTM inside the Bidirectional
    lines = out.rstrip().splitlines()
    assert printed_total(out) == EXPECTED['keras3_sequential.keras']
    assert lines[-1].startswith("Stored weights: the shapes of 2 derived layer(s) match")


def test_count_from_stdin():
    text = (FIXTURES / "tf_keras_functional.json").read_text()
    assert printed_total(run("count", "-", stdin=text).stdout) == \
        EXPECTED['tf_keras_functional.json']


def test_a_reader_that_stops_early_is_no_error():
    """`paramcount explain ... | head -1`: the pipe closes before the output is all written."""
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    done = subprocess.run(COMMAND + ["explain", str(FIXTURES / "keras3_zoo.json")],
                          stdout=reader.stdin, stderr=subprocess.PIPE, text=True, timeout=120)
    reader.stdin.close()
    reader.wait()
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("command", ["count", "explain"])
def test_output_the_system_refuses_is_one_line_not_an_internal_error(command):
    """`paramcount count ... > file` on a full disk: the system's reason, status 2."""
    with open("/dev/full", "w") as full:
        done = subprocess.run(COMMAND + [command, str(FIXTURES / "keras3_zoo.json")],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (2, "paramcount: error: No space left on device\n")


def test_explain_bidirectional_lstm():
    out = run("explain", "Bidirectional(LSTM(128))", "--input-shape", "(28, 28)").stdout
    assert "160,768" in out
    assert "Total params: 160,768 (628.00 KB)" in out.splitlines()  # 160,768 float32 weights


def test_input_shape_for_a_model_without_one(tmp_path):
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "d", "units": 3}}]}}
    path = tmp_path / "unbuilt.json"
    path.write_text(json.dumps(config))
    assert printed_total(run("count", path, "--input-shape", "(4,)").stdout) == 15


# Layer code as people paste it; each is built in real Keras to get the expected number.
PASTED = [
    ("Dense(20, use_bias=False)", (10,)),
    ("layers.Dense(units=20, activation='relu')", (None, 10)),
    ("keras.layers.LSTM(32, return_sequences=True)", (None, 8)),
    ("tf.keras.layers.GRU(16, reset_after=False)", (5, 8)),
    ("tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(4), merge_mode='sum')", (None, 3)),
    ("layers.Bidirectional(layers.GRU(8, return_sequences=True), merge_mode=None)", (6, 3)),
    ("TimeDistributed(Dense(4, use_bias=True))", (5, 3)),
    ("keras.layers.Conv2D(16, (3, 3), padding='same', activation=None)", (28, 28, 1)),
    ('layers.Embedding(1000, 64, mask_zero=True, name="emb")', (12,)),
    ("SimpleRNN(7, activation='tanh', kernel_initializer=keras.initializers.Orthogonal())", (4, 2)),
]


@pytest.fixture(scope="module")
def keras():
    """Keras, for the tests that build a model to compare with (the others never import it)."""
    import keras

    return keras


@pytest.mark.keras
@pytest.mark.parametrize(("code", "shape"), PASTED)
def test_pasted_layer_code_matches_keras(keras, code, shape):
    keras.backend.clear_session()
    namespace = {"keras": keras, "layers": keras.layers, "tf": type("tf", (), {"keras": keras}),
                 **{name: getattr(keras.layers, name) for name in dir(keras.layers)}}
    layer = eval(code, namespace)  # the test's own literals, to get Keras' answer
    model = keras.Sequential([keras.Input(shape), layer])
    out = run("explain", code, "--input-shape", repr(tuple(shape))).stdout
    printed = []  # Keras' own totals lines, sizes included
    model.summary(print_fn=lambda text, line_break=True: printed.append(text))
    theirs = [line.strip() for line in "\n".join(printed).splitlines() if "params:" in line]
    assert out.rstrip().splitlines()[-3:] == theirs
    printed = json.loads(run("explain", code, "--input-shape", str(shape), "--json").stdout)
    assert printed["params"] == model.count_params()


CUSTOM_LAYER = '''
import keras


@keras.saving.register_keras_serializable(package="pc_test")
class Scale(keras.layers.Layer):
    """One weight per feature: m parameters."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), name="scale")

    def call(self, x):
        return x * self.scale
'''


@pytest.mark.keras
def test_keras_option_measures_custom_layers(keras, tmp_path, monkeypatch):
    (tmp_path / "pc_custom_layers.py").write_text(textwrap.dedent(CUSTOM_LAYER))
    # The model is made in this process; each command below is a process of its own, which
    # imports the module only when told to.
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "pc_custom_layers", raising=False)
    scale = importlib.import_module("pc_custom_layers").Scale
    keras.backend.clear_session()  # the names below: "lstm", "scale", "dense"
    inp = keras.Input((5, 6))
    x = scale(name="scale")(keras.layers.LSTM(4, return_sequences=True)(inp))
    model = keras.Model(inp, keras.layers.Dense(3)(x))
    path = tmp_path / "custom.keras"
    model.save(path)
    total = model.count_params()
    # tmp_path holds the custom layer's module; keep any path the tests run with (src/).
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
           "TF_CPP_MIN_LOG_LEVEL": "3"}

    # Without --keras: counted from the weights the archive stores, and marked as such.
    stored = json.loads(run("count", path, "--json", env=env).stdout)
    assert stored["total"] == total
    row = next(layer for layer in stored["layers"] if layer["name"] == "scale")
    assert (row["source"], row["params"], row["trainable_unknown"]) == ("stored weights", 4, 4)
    # A bare config has no weights to count it from: one line naming the class and where it is.
    config = tmp_path / "custom.json"
    with zipfile.ZipFile(path) as archive:
        config.write_bytes(archive.read("config.json"))
    error = run("count", config, env=env, status=2).stderr
    assert error.count("\n") == 1 and "pc_test>Scale" in error and "'scale'" in error

    # The module that registers the layer is imported only when named: a file names no imports.
    refused = run("count", path, "--keras", env=env, status=2).stderr.splitlines()[-1]
    assert refused.startswith("paramcount: error: ") and "--import" in refused, refused
    mine = ("--import", "pc_custom_layers")
    counted = json.loads(run("count", path, "--keras", *mine, "--json", env=env).stdout)
    assert counted["total"] == total
    by_name = {layer["name"]: layer for layer in counted["layers"]}
    assert by_name["scale"]["measured"] is True and by_name["scale"]["params"] == 4
    assert by_name["scale"]["weights"][0]["shape"] == [4]
    assert by_name["lstm"]["measured"] is False and by_name["lstm"]["formula"] == "4·u·(m + u + 1)"
    assert printed_total(run("explain", path, "--keras", *mine, env=env).stdout) == total
    table = run("count", path, "--keras", *mine, env=env).stdout
    assert "4*" in table and "* measured by loading the model with Keras" in table


def test_functional_subclass_is_walked_as_a_graph():
    """A registered subclass of Functional (a keras_hub backbone, say) keeps a functional config."""
    config = json.loads((FIXTURES / "keras3_functional.json").read_text())
    config.update(class_name="TextBackbone", registered_name="my_hub>TextBackbone")
    counted = paramcount.count(config)
    assert (counted.class_name, counted.total) == ("my_hub>TextBackbone",
                                                   EXPECTED["keras3_functional.json"])
