"""Hostile inputs for ``paramcount``, one or more per kind of attack (issue #8).

Each case writes its files under a directory and says how to run the command and what the
contract allows: ``"count"`` (status 0, a result), ``"error"`` (status 2, one line on stderr) or
``"either"``. ``tests/engine/test_hostile.py`` runs every case as a subprocess under a wall-time and
memory limit; ``scripts/bench.py`` measures the ``budget`` ones against the 2 s / 300 MB budget.
"""

from __future__ import annotations

import base64
import json
import marshal
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from paramcount.read.config import MAX_CONFIG_BYTES

MARKER = "PWNED"  # a file no case may ever create: code from the input ran


@dataclass
class Run:
    args: list[str]
    stdin: bytes | None = None
    cwd: Path | None = None  # default: the case's own directory


@dataclass(frozen=True)
class Case:
    name: str
    category: str  # contract · budget · output · keras · known (attacks that already failed)
    make: Callable[[Path], Run]
    expect: str = "error"  # "count", "error" or "either"
    needs_keras: bool = False
    shown: tuple[str, ...] = field(default=())  # escapes the output must show, e.g. "\\n"


# --- building blocks --------------------------------------------------------------------------

def sequential(*layers, shape=(None, 8), **extra) -> dict:
    entries = [{"class_name": "InputLayer", "config": {"batch_shape": list(shape), "name": "in"}}]
    for i, (class_name, config) in enumerate(layers):
        entries.append({"class_name": class_name, "config": {"name": f"layer_{i}", **config}})
    return {"class_name": "Sequential", "config": {"name": "m", "layers": entries}, **extra}


def tensor(layer: str, index: int = 0, shape=None) -> dict:
    config = {"keras_history": [layer, 0, index]}
    if shape is not None:
        config["shape"] = list(shape)
    return {"class_name": "__keras_tensor__", "config": config}


def node(layer: str, index: int = 0, shape=None) -> dict:
    return {"args": [tensor(layer, index, shape)], "kwargs": {}}


def functional(layers: list[dict], inputs: list[str], output: str) -> dict:
    return {"class_name": "Functional", "config": {
        "name": "f", "layers": layers, "input_layers": [[n, 0, 0] for n in inputs],
        "output_layers": [[output, 0, 0]]}}


def input_layer(name: str, shape) -> dict:
    return {"class_name": "InputLayer", "name": name, "inbound_nodes": [],
            "config": {"name": name, "batch_shape": [None, *shape]}}


def dense(name: str, units: int, source: str) -> dict:
    return {"class_name": "Dense", "name": name, "config": {"name": name, "units": units},
            "inbound_nodes": [node(source)]}


def write(path: Path, content) -> Path:
    if isinstance(content, (dict, list)):
        content = json.dumps(content)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def count_file(name: str, content, *options: str) -> Callable[[Path], Run]:
    def make(tmp: Path) -> Run:
        return Run(["count", str(write(tmp / name, content)), *options])
    return make


def explain_code(code: str, shape: str | None = None) -> Callable[[Path], Run]:
    def make(tmp: Path) -> Run:
        return Run(["explain", code, *(["--input-shape", shape] if shape else [])])
    return make


# --- the budget cases, also measured by `make bench` ---------------------------------------------

def reversed_graph(n: int = 6000) -> dict:
    """A chain of ``n`` Dense layers, listed last first: a walk that rescans is quadratic."""
    layers = [dense(f"d{i}", 4, "in" if i == 0 else f"d{i - 1}") for i in range(n)]
    return functional([input_layer("in", (4,)), *reversed(layers)], ["in"], f"d{n - 1}")


def split_model(parts: int = 10**7) -> dict:
    split = {"class_name": "Split", "module": "keras.src.ops.numpy", "name": "split",
             "config": {"name": "split", "indices_or_sections": parts, "axis": 1},
             "inbound_nodes": [node("in", shape=(None, parts))]}
    head = {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 2},
            "inbound_nodes": [node("split", 3, shape=(None, 1))]}
    return functional([input_layer("in", (parts,)), split, head], ["in"], "d")


def empty_lists(size: int) -> bytes:
    """JSON of nothing but empty lists: the most objects per byte a config can hold."""
    return b"[" + b"[]," * ((size - 4) // 3) + b"[]]"


def nested(wrapper: str, inner: str, depth: int) -> str:
    return f"{wrapper}(" * depth + inner + ")" * depth


def _stdin_over_cap(tmp: Path) -> Run:
    return Run(["count", "-"], stdin=b" " * (MAX_CONFIG_BYTES + 1))


# --- pasted summary tables (issue 17) ----------------------------------------------------------

_SUMMARY_HEAD = ("Layer (type)                 Output Shape              Param #   \n"
                 + "=" * 65 + "\n")


def _dense_rows(n: int, collapsed: bool = False) -> str:
    rows = "".join(f"dense_{i} (Dense)".ljust(29) + "(None, 4)".ljust(26) + "20".ljust(10) + "\n"
                   for i in range(n))
    if not collapsed:
        return rows
    return "\n".join(" ".join(line.split()) for line in rows.splitlines()) + "\n"


def _distinct_conv_rows(n: int) -> str:
    """Conv2D rows that all differ (each needs a search of its own), every other one after a
    row whose output is not shown, so that its input is open too."""
    rows = []
    for i in range(n // 2):
        filters = i % 500 + 1
        rows.append(f"lambda_{i} (Lambda)".ljust(29) + "multiple".ljust(26) + "0")
        rows.append(f"conv_{i} (Conv2D)".ljust(29) + f"(None, 8, 8, {filters})".ljust(26)
                    + str(9 * (i % 13 + 1) * filters + filters))
    return "".join(row + "\n" for row in rows)


def _connected_to_first(n: int) -> str:
    """A functional table whose every row names the first: each input is looked up by name."""
    head = (" Layer (type)                Output Shape              Param #   Connected to\n"
            + "=" * 98 + "\n" + " input_1 (InputLayer)        [(None, 4)]               0         []\n")
    return head + "".join(f" dense_{i} (Dense)".ljust(29) + "(None, 3)".ljust(26) + "15".ljust(10)
                          + "['input_1[0][0]']\n" for i in range(n - 1))


def _padded_rows(n: int) -> str:
    """``n`` rows, each padded with trailing spaces so that the table fills the 8 MiB cap."""
    width = MAX_CONFIG_BYTES // (n + 3) - 2
    return "".join((f"dense_{i} (Dense)".ljust(29) + "(None, 4)".ljust(26) + "20").ljust(width)
                   + "\n" for i in range(n))


def _wrapped_cell(lines: int) -> str:
    """One Connected to cell that tf-keras wrapped over ``lines`` lines."""
    head = (" Layer (type)                Output Shape              Param #   Connected to\n"
            + "=" * 98 + "\n"
            + " concatenate (Concatenate)   (None, 8)                 0         ['a[0][0]',\n")
    return head + "                                                                 'a[0][0]',\n" \
        * lines + "                                                                 'a[0][0]']\n"


def _at_cap(text: str) -> str:
    """``text`` repeated up to the 8 MiB cap."""
    return (text * (MAX_CONFIG_BYTES // len(text.encode()) + 1))[:MAX_CONFIG_BYTES // 4 * 4]


# (table, what the contract allows): the largest tables within the caps are answered, the
# ones past a cap get one line.
SUMMARY_TABLES = {
    "10,000 rows (the layer limit)": (_SUMMARY_HEAD + _dense_rows(10_000), "count"),
    "10,000 rows, lines between rows deleted, spaces collapsed":
        (_SUMMARY_HEAD + _dense_rows(10_000, collapsed=True), "count"),
    "10,000 rows that all differ, half with an open input":
        (_SUMMARY_HEAD + _distinct_conv_rows(10_000), "count"),
    "10,000 rows, each connected to the first": (_connected_to_first(10_000), "count"),
    "10,000 rows padded to 8 MiB": (_SUMMARY_HEAD + _padded_rows(10_000), "count"),
    "20,000 rows": (_SUMMARY_HEAD + _dense_rows(20_000), "error"),
    "a count of 5,000 digits": (_SUMMARY_HEAD + "dense (Dense)".ljust(29) + "(None, 4)".ljust(26)
                                + "9" * 5000 + "\n", "error"),
    "a cell wrapped over 99,000 lines": (_wrapped_cell(99_000), "either"),
    "a cell wrapped over 200,000 lines, spaces collapsed":
        (re.sub(" +", " ", _wrapped_cell(200_000)), "error"),
    "8 MiB of rows, spaces collapsed": (_at_cap(_dense_rows(1, collapsed=True)), "error"),
    "8 MiB on one line": ("dense (Dense) (None, 4) " + "9" * (MAX_CONFIG_BYTES - 30), "error"),
    "8 MiB of opening brackets": ("a (Dense) " + "[(" * (MAX_CONFIG_BYTES // 2 - 8), "error"),
    "8 MiB of name lines": (_at_cap("dense (Dense\n"), "error"),
}


def _summary_stdin(text: str) -> Callable[[Path], Run]:
    return lambda tmp: Run(["reconcile", "-"], stdin=text.encode())


BUDGET = [
    Case("Bidirectional nested 8 deep", "budget",
         explain_code(nested("Bidirectional", "LSTM(3, return_sequences=True)", 8), "(5, 4)"),
         "count"),
    Case("Bidirectional nested 16 deep", "budget",
         explain_code(nested("Bidirectional", "LSTM(3)", 16), "(5, 4)")),
    Case("Bidirectional nested 150 deep", "budget",
         explain_code(nested("Bidirectional", "LSTM(3)", 150), "(5, 4)")),
    Case("LocallyConnected1D same, implementation=3, 10^12 steps", "budget",
         count_file("lc.json", sequential(("LocallyConnected1D", {
             "filters": 2, "kernel_size": 3, "padding": "same", "implementation": 3}),
             shape=(None, 10**12, 3))), "count"),
    Case("ops.split into 10^7 parts", "budget", count_file("split.json", split_model()), "count"),
    Case("6,000-layer graph listed in reverse", "budget",
         count_file("reverse.json", reversed_graph()), "count"),
    Case("6,000-layer graph listed in reverse, --json", "budget",
         count_file("reverse.json", reversed_graph(), "--json"), "count"),
    Case("stdin over the size cap", "budget", _stdin_over_cap),
    Case("reconcile: stdin over the size cap", "budget",
         lambda tmp: Run(["reconcile", "-"], stdin=b" " * (MAX_CONFIG_BYTES + 1))),
    *[Case(f"reconcile: {name}", "budget", _summary_stdin(text), expect)
      for name, (text, expect) in SUMMARY_TABLES.items()],
    Case("config of empty lists at the size cap", "budget",
         count_file("lists.json", empty_lists(MAX_CONFIG_BYTES))),
    Case("60 MB config of empty lists", "budget",
         count_file("lists60.json", empty_lists(60 * 1024 * 1024))),
    Case("10,001 Dense layers in a Sequential", "budget",
         count_file("long.json", sequential(*[("Dense", {"units": 2})] * 10_001))),
    Case("9,000 Dense layers in a Sequential, --json", "budget",
         count_file("long.json", sequential(*[("Dense", {"units": 2})] * 9_000), "--json"),
         "count"),
    Case("TimeDistributed nested 30 deep on a rank-32 input", "budget",
         explain_code(nested("TimeDistributed", "Dense(2)", 30), "(" + "2, " * 31 + ")"), "count"),
    Case("TimeDistributed nested 90 deep on a rank-92 input", "budget",
         explain_code(nested("TimeDistributed", "Dense(2)", 90), "(" + "2, " * 91 + ")")),
]


# --- the contract: status 2 and one line, never 1, never a traceback ----------------------------

def _huge_number_json(tmp: Path) -> Run:
    text = json.dumps(sequential(("Dense", {"units": 3}))).replace('"units": 3', '"units": '
                                                                   + "9" * 5000)
    return Run(["count", str(write(tmp / "digits.json", text))])


def _bidirectional_bad_inner(tmp: Path) -> Run:
    model = sequential(("Bidirectional", {"layer": {"class_name": "LSTM", "config": 3}}),
                       shape=(None, 5, 4))
    return Run(["count", str(write(tmp / "bidi.json", model))])


CONTRACT = [
    Case("layer code over 255 characters", "contract",
         explain_code("Dense(3" + " " * 300 + ")", "(4,)"), "count"),
    Case("layer code over the length cap", "contract",
         explain_code("Dense(3" + " " * 20_000 + ")", "(4,)")),
    Case("JSON integer of 5,000 digits", "contract", _huge_number_json),
    Case("--input-shape of 5,000 digits", "contract",
         count_file("unbuilt.json", {"class_name": "Sequential", "config": {"name": "s", "layers": [
             {"class_name": "Dense", "config": {"name": "d", "units": 3}}]}},
             "--input-shape", "(" + "9" * 5000 + ",)")),
    Case("hex literal of 5,000 digits in layer code", "contract",
         explain_code("Dense(0x" + "f" * 5000 + ")", "(4,)")),
    Case("100-digit size in a shape", "contract", explain_code("Dense(3)", f"({10**100},)")),
    Case("keras_version '3x'", "contract",
         count_file("v.json", sequential(("Dense", {"units": 3}), keras_version="3x")), "count"),
    Case("keras_version of 5,000 digits", "contract",
         count_file("v.json", sequential(("Dense", {"units": 3}), keras_version="9" * 5000)),
         "count"),
    Case("LSTM(10, input_shape=5)", "contract", explain_code("LSTM(10, input_shape=5)")),
    Case("Dot(7) on two inputs", "contract", explain_code("Dot(7)", "[(3, 4), (3, 4)]")),
    Case("Permute((1, 'a'))", "contract", explain_code("Permute((1, 'a'))", "(3, 4)")),
    Case("Bidirectional with a malformed inner config", "contract", _bidirectional_bad_inner),
    Case("Bidirectional(layer={'config': 3}) as code", "contract",
         explain_code("Bidirectional(layer={'config': 3})", "(3, 4)")),
    Case("layer code nested 200 calls deep", "contract",
         explain_code(nested("Dense", "3", 200), "(4,)")),
    Case("layer code: 2,000 nested 'not'", "contract",
         explain_code("Dense(" + "not " * 2000 + "1)", "(4,)")),
    Case("layer code: 9,000 unary minus", "contract",
         explain_code("Dense(" + "-" * 9000 + "1)", "(4,)")),
    Case("layer code: 3,000 nested lists", "contract",
         explain_code("Dense(" + "[" * 3000 + "]" * 3000 + ")", "(4,)")),
    Case("layer code with a NUL byte", "contract", explain_code("Dense(3,\x01 name='a\\x00')",
                                                                "(4,)")),
    Case("input shape nested 5,000 deep", "contract",
         explain_code("Dense(3)", "(" * 5000 + ")" * 5000)),
    Case("Flatten over 50 axes of 10^99", "contract",
         explain_code("Flatten()", "(" + f"{10**99}, " * 50 + ")")),
]


# --- safe output: names from the file are shown escaped ----------------------------------------

FORGED = "d\nparamcount: error: forged\x1b]0;title\x07\x1b[31m\u202e"


def _forged_names(*options: str) -> Callable[[Path], Run]:
    model = sequential(("Dense", {"units": 3}))
    model["config"]["name"] = FORGED
    model["config"]["layers"][1]["config"]["name"] = FORGED
    return count_file("names.json", model, *options)


def _forged_in_error(tmp: Path) -> Run:
    model = sequential(("Evil\x1b[2J\nparamcount: ok", {"units": 3}))
    return Run(["count", str(write(tmp / "error.json", model))])


def _surrogate_name(tmp: Path) -> Run:
    text = json.dumps(sequential(("Dense", {"units": 3}))).replace('"layer_0"', '"\\ud800x"')
    return Run(["explain", str(write(tmp / "surrogate.json", text))])


FORGED_SUMMARY = """Model: "s\x1b]0;title\x07"
_____
 Layer (type)   Output Shape   Param #
=====
 dense\x1b[2J (Dense)   (None, 4)   20
=====
Total params: 20
Trainable params: 20
Non-trainable params: 0
"""


OUTPUT = [
    Case("escape sequences in a pasted summary table", "output",
         lambda tmp: Run(["reconcile", "-"], stdin=FORGED_SUMMARY.encode()), "either",
         shown=("\\x1b",)),
    Case("newline and escape sequences in names: table", "output", _forged_names(), "count",
         shown=("\\n", "\\x1b", "\\u202e")),
    Case("newline and escape sequences in names: explain", "output",
         lambda tmp: Run(["explain", *_forged_names()(tmp).args[1:]]), "count",
         shown=("\\n", "\\x1b")),
    Case("newline and escape sequences in names: JSON", "output", _forged_names("--json"), "count",
         shown=("\\n", "\\u001b")),
    Case("escape sequences in an error message", "output", _forged_in_error, shown=("\\x1b",)),
    Case("newline in layer code's name", "output",
         explain_code("Dense(3, name='a\\nparamcount: error: forged\\x1b[0m')", "(4,)"), "count",
         shown=("\\n", "\\x1b")),
    Case("lone surrogate in a name", "output", _surrogate_name, "count"),
]


# --- attacks that already failed: files are data, nothing runs, nothing is written -----------

def _zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _zip_bomb(tmp: Path) -> Run:
    return Run(["count", str(_zip(tmp / "bomb.keras", {"config.json": " " * (70 * 1024 * 1024)}))])


def _traversal(tmp: Path) -> Run:
    model = json.dumps(sequential(("Dense", {"units": 3})))
    members = {"config.json": model, f"../../{MARKER}": "x", f"/tmp/{MARKER}": "x",
               "metadata.json": json.dumps({"keras_version": "3.15.0"})}
    return Run(["count", str(_zip(tmp / "traversal.keras", members))])


def marker_bytecode(marker: Path) -> str:
    """A function's marshalled bytecode, base64 as Keras saves a lambda: it creates ``marker``."""
    function = eval(f"lambda x: (open({str(marker)!r}, 'w').close(), x)[1]")
    return base64.b64encode(marshal.dumps(function.__code__)).decode()


def lambda_model(marker: Path) -> dict:
    """A Keras 3 Lambda whose bytecode would create ``marker`` if it ever ran."""
    function = {"class_name": "__lambda__", "config": {
        "code": marker_bytecode(marker), "defaults": None, "closure": None}}
    return sequential(("Lambda", {"function": function, "output_shape": [8]}),
                      ("Dense", {"units": 2}))


def keras2_lambda_model(marker: Path) -> dict:
    """The same as tf-keras writes it (tf-keras loads lambdas unless told it is in safe mode)."""
    return {"class_name": "Sequential", "keras_version": "2.21.0", "backend": "tensorflow",
            "config": {"name": "m", "layers": [
                {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 8],
                                                        "name": "in", "dtype": "float32"}},
                {"class_name": "Lambda", "config": {
                    "name": "l", "function": [marker_bytecode(marker), None, None],
                    "function_type": "lambda", "module": "__main__", "output_shape": None,
                    "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}},
                {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}}


def _lambda(*options: str, keras2: bool = False) -> Callable[[Path], Run]:
    def make(tmp: Path) -> Run:
        model = (keras2_lambda_model if keras2 else lambda_model)(tmp / MARKER)
        return Run(["count", str(write(tmp / "lambda.json", model)), *options])
    return make


def _cycle(tmp: Path) -> Run:
    layers = [input_layer("in", (4,)), dense("a", 4, "b"), dense("b", 4, "a")]
    return Run(["count", str(write(tmp / "cycle.json", functional(layers, ["in"], "b")))])


def _self_loop(tmp: Path) -> Run:
    layers = [input_layer("in", (4,)), dense("a", 4, "a")]
    return Run(["count", str(write(tmp / "loop.json", functional(layers, ["in"], "a")))])


INJECTED = f"__import__('os').system('touch {MARKER}')"

KNOWN = [
    Case("zip bomb", "known", _zip_bomb),
    Case("traversal names in an archive", "known", _traversal, "count"),
    Case("Lambda bytecode that writes a file", "known", _lambda(), "count"),
    Case("tf-keras Lambda bytecode that writes a file", "known", _lambda(keras2=True)),
    Case("graph with a cycle", "known", _cycle),
    Case("layer fed by its own output", "known", _self_loop),
    Case("Dense(10^40) on 10^40 features", "known",
         count_file("absurd.json", sequential(("Dense", {"units": 10**40}), shape=(None, 10**40))),
         "count"),
    Case("Dense(10^99) on 10^99 features", "known",
         count_file("absurd.json", sequential(("Dense", {"units": 10**99}), shape=(None, 10**99)))),
    Case("Embedding of 10^100 tokens", "known",
         count_file("absurd.json", sequential(("Embedding", {"input_dim": 10**100,
                                                              "output_dim": 8}), shape=(None, 4)))),
    Case("NaN and negative sizes", "known",
         count_file("nan.json", json.dumps(sequential(("Dense", {"units": -1}))).replace(
             "-1", "NaN"))),
    Case("code injection as layer code", "known", explain_code(INJECTED, "(4,)")),
    Case("code injection in a call argument", "known",
         explain_code(f"Dense(units={INJECTED})", "(4,)")),
    Case("code injection as an input shape", "known", explain_code("Dense(3)", INJECTED)),
    Case("code injection in a layer name", "known",
         count_file("name.json", sequential(("Dense", {"units": 3, "name": f"'); {INJECTED} #"}))),
         "count"),
    Case("JSON nested 100,000 deep", "known", count_file("deep.json", "[" * 100000 + "]" * 100000)),
]


# --- --keras: Keras' safe mode, and no import from the current directory ---------------------------

def _module_in_cwd(tmp: Path) -> Run:
    """The file names a module that sits in the current directory; run as ``python -m``."""
    (tmp / "evil_layers.py").write_text(f"open({str(tmp / MARKER)!r}, 'w').close()\n")
    model = sequential(("Dense", {"units": 3}))
    model["config"]["layers"][1].update(module="evil_layers", registered_name="evil_layers>Dense")
    return Run(["count", str(write(tmp / "custom.json", model)), "--keras"], cwd=tmp)


def _keras_shadow_in_cwd(tmp: Path) -> Run:
    """A ``keras.py`` in the current directory must not stand in for Keras."""
    (tmp / "keras.py").write_text(f"open({str(tmp / MARKER)!r}, 'w').close()\n")
    (tmp / "keras_hub.py").write_text(f"open({str(tmp / MARKER)!r}, 'w').close()\n")
    model = sequential(("Dense", {"units": 3}))
    model["config"]["layers"][1].update(module="keras_hub.layers",
                                        registered_name="keras_hub>Dense")
    return Run(["count", str(write(tmp / "custom.json", model)), "--keras"], cwd=tmp)


def _stdlib_shadow_in_cwd(tmp: Path) -> Run:
    """``python -m paramcount.cli`` puts the current directory first on the path: a module there
    named like one paramcount imports late (difflib, for layer code) must not run."""
    (tmp / "difflib.py").write_text(f"open({str(tmp / MARKER)!r}, 'w').close()\n")
    return Run(["explain", "Dense(3)", "--input-shape", "(4,)"], cwd=tmp)


KERAS = [
    Case("difflib.py in the current directory", "keras", _stdlib_shadow_in_cwd, "count"),
    Case("--keras: module the file names, in the current directory", "keras", _module_in_cwd,
         "either", needs_keras=True),
    Case("--keras: keras.py in the current directory", "keras", _keras_shadow_in_cwd, "either",
         needs_keras=True),
    Case("--keras: Lambda bytecode that writes a file", "keras", _lambda("--keras"), "either",
         needs_keras=True),
    Case("--keras: tf-keras Lambda bytecode that writes a file", "keras",
         _lambda("--keras", keras2=True), "either", needs_keras=True),
]

CASES = BUDGET + CONTRACT + OUTPUT + KNOWN + KERAS
