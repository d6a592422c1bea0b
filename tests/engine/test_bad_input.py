"""Bad input never gets a traceback: exit status 2, one line on stderr starting with
``paramcount: error:``, nothing on stdout. And no config, however mangled, makes the API raise
anything but ParamcountError."""

import copy
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import paramcount

FIXTURES = Path(__file__).parents[1] / "fixtures"
SCRIPT = Path(sys.executable).with_name("paramcount")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "paramcount.cli"]
GOOD = json.loads((FIXTURES / "keras3_functional.json").read_text())


def dense_model(units=3, batch_shape=(None, 4)):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": list(batch_shape)}},
        {"class_name": "Dense", "config": {"name": "d", "units": units}}]}}


def zip_with_config(path: Path, text: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", text)
    return path


def make(tmp: Path, case: str) -> list[str]:
    """The command line for one bad-input case, with its files written under ``tmp``."""
    def file(name, content):
        path = tmp / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return [str(path)]

    good = json.dumps(GOOD)
    if case == "empty file":
        return file("empty.json", "")
    if case == "truncated JSON":
        return file("cut.json", good[: len(good) // 2])
    if case == "JSON list":
        return file("list.json", "[1, 2, 3]")
    if case == "JSON not a model":
        return file("other.json", '{"name": "not a model"}')
    if case == "Python text":
        return file("model.py", "model = keras.Sequential([keras.layers.Dense(3)])\n")
    if case == "binary junk":
        return file("junk.bin", bytes(range(256)) * 4)
    if case == "broken zip":
        return file("broken.keras", b"PK\x03\x04" + b"\x00" * 64)
    if case == "not a zip":
        return file("plain.keras", "hello")
    if case == "zip without config":
        path = tmp / "noconfig.keras"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("metadata.json", "{}")
        return [str(path)]
    if case == "zip bomb":
        return [str(zip_with_config(tmp / "bomb.keras", " " * (70 * 1024 * 1024)))]
    if case == "compression bomb":
        return [str(zip_with_config(tmp / "ratio.keras", "[" + " " * (8 * 1024 * 1024) + "]"))]
    if case == "unknown layer class":
        model = dense_model()
        model["config"]["layers"][1]["class_name"] = "FancyLayer"
        return file("unknown.json", json.dumps(model))
    if case == "custom registered layer":
        model = dense_model()
        model["config"]["layers"][1].update(module="my_pkg", registered_name="my_pkg>Dense")
        return file("custom.json", json.dumps(model))
    if case == "negative size":
        return file("negative.json", json.dumps(dense_model(batch_shape=(None, -3))))
    if case == "zero size":
        return file("zero.json", json.dumps(dense_model(units=0)))
    if case == "float units":
        return file("float.json", json.dumps(dense_model(units=2.5)))
    if case == "missing file":
        return [str(tmp / "does-not-exist.keras")]
    if case == "directory":
        (tmp / "saved_model").mkdir()
        return [str(tmp / "saved_model")]
    if case == "HDF5 file":
        return file("model.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 256)
    if case == "unbuilt model":
        model = dense_model()
        del model["config"]["layers"][0]
        return file("unbuilt.json", json.dumps(model))
    if case == "subclassed model":  # what keras.Model subclasses write: no layers to read
        return file("subclassed.json", json.dumps({
            "module": None, "class_name": "MyModel", "registered_name": "MyModel",
            "config": {"units": 3, "trainable": True}, "build_config": {"input_shape": [1, 4]},
            "compile_config": {}}))
    if case == "deeply nested JSON":
        return file("deep.json", "[" * 100000 + "]" * 100000)
    raise AssertionError(case)


CASES = ["empty file", "truncated JSON", "JSON list", "JSON not a model", "Python text",
         "binary junk", "broken zip", "not a zip", "zip without config", "zip bomb",
         "compression bomb", "unknown layer class", "custom registered layer", "negative size",
         "zero size", "float units", "missing file", "directory", "HDF5 file", "unbuilt model",
         "subclassed model", "deeply nested JSON"]


def assert_one_line_error(args, stdin=None):
    done = subprocess.run(COMMAND + args, capture_output=True, text=True, input=stdin, timeout=60)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("paramcount: error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.mark.parametrize("case", CASES)
def test_bad_model_file(tmp_path, case):
    for command in ("count", "explain"):
        (tmp_path / command).mkdir()
        assert_one_line_error([command, *make(tmp_path / command, case)])


def test_errors_name_the_problem(tmp_path):
    assert "FancyLayer" in assert_one_line_error(["count", *make(tmp_path, "unknown layer class")])
    assert "'d'" in assert_one_line_error(["count", *make(tmp_path, "zero size")])
    assert "my_pkg>Dense" in assert_one_line_error(["count", *make(tmp_path,
                                                                   "custom registered layer")])
    assert "HDF5" in assert_one_line_error(["count", *make(tmp_path, "HDF5 file")])
    assert "refusing" in assert_one_line_error(["count", *make(tmp_path, "zip bomb")])
    subclassed = assert_one_line_error(["count", *make(tmp_path, "subclassed model")])
    assert "'MyModel' is a subclassed Model" in subclassed and "not a model" not in subclassed


@pytest.mark.parametrize("args", [
    ["explain", "Dense(", "--input-shape", "(3,)"],
    ["explain", "Dense2(3)", "--input-shape", "(3,)"],
    ["explain", "Dense(3)"],
    ["explain", "Dense(3)", "--input-shape", "(0,)"],
    ["explain", "Dense(-3)", "--input-shape", "(4,)"],
    ["explain", "Dense(3)", "--input-shape", "(four,)"],
    ["explain", "__import__('os').system('true')", "--input-shape", "(4,)"],
    ["explain", "LSTM(4)", "--input-shape", "(4,)"],
    ["count"],
    ["frobnicate", "x"],
])
def test_bad_command_line(args):
    assert_one_line_error(args)


@pytest.mark.parametrize("text", ["", "not json", '{"class_name": 3}', "model = 1\nprint(model)"])
def test_bad_stdin(text):
    assert_one_line_error(["count", "-"], stdin=text)


# --- any mangled config: a count or a ParamcountError, nothing else --------------------------

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=3),
                 st.lists(st.integers(-1, 3), max_size=3), st.dictionaries(st.text(max_size=2),
                                                                           st.integers(), max_size=2))


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*prefix, i))


BASES = [json.loads((FIXTURES / name).read_text())
         for name in ("keras3_functional.json", "tf_keras_functional.json", "keras3_zoo.json")]
BASE_PATHS = [[p for p in paths(base) if p] for base in BASES]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_configs_raise_only_paramcount_errors(data):
    which = data.draw(st.integers(0, len(BASES) - 1))
    config = copy.deepcopy(BASES[which])
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(BASE_PATHS[which]))
        parent = config
        try:
            for key in path[:-1]:
                parent = parent[key]
            if data.draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = data.draw(JUNK)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    try:
        paramcount.count(config)
        event("counted")
    except paramcount.ParamcountError as e:
        event("ParamcountError")
        assert "\n" not in str(e)
