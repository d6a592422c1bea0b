"""Hostile input cannot hurt (issue #8): every case of ``hostile_corpus`` runs as a real process
under a wall-time and memory limit and gets a result or one clear line (status 2) — never status
1, a traceback, a hang, a memory blow-up, raw control characters, or code from the input run.
Then the same contract for the Python API, fuzzed with hypothesis.

The limits here are generous, to catch hangs and blow-ups on a busy machine; the budget itself
(2 s, 300 MB) is measured by ``make bench``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_corpus import CASES, FORGED, MARKER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import paramcount
from paramcount import records, web
from paramcount.formulas.conv import _connected_pairs
from paramcount.formulas.registry import REGISTRY, load_formulas

SRC = Path(paramcount.__file__).resolve().parents[1]
WALL_SECONDS = 60
KERAS_WALL_SECONDS = 600  # importing TensorFlow on a busy 2-core machine
MEMORY_BYTES = 1024**3
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff]")


def limited():
    """In the child: cap memory (address space) and CPU time."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (WALL_SECONDS, WALL_SECONDS))


def run_case(case, tmp: Path) -> subprocess.CompletedProcess:
    run = case.make(tmp)
    env = {**os.environ, "PYTHONPATH": str(SRC), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("PARAMCOUNT_DEBUG", None)
    # Keras reserves far more address space than it uses: only the time limit applies to it.
    return subprocess.run([sys.executable, "-m", "paramcount.cli", *run.args], input=run.stdin,
                          capture_output=True, cwd=run.cwd or tmp, env=env,
                          timeout=KERAS_WALL_SECONDS if case.needs_keras else WALL_SECONDS,
                          preexec_fn=None if case.needs_keras else limited)


def check_contract(case, done: subprocess.CompletedProcess) -> None:
    out = done.stdout.decode("utf-8")
    err = done.stderr.decode("utf-8")
    assert done.returncode in (0, 2), (done.returncode, err[-2000:])
    assert "Traceback" not in err and "internal error" not in err, err[-2000:]
    if case.needs_keras:  # TensorFlow logs to stderr on its own: look at our last line only
        err = "\n".join(err.splitlines()[-1:]) + "\n" if done.returncode else ""
    if done.returncode == 0:
        assert case.expect in ("count", "either"), f"counted, expected an error: {out[:300]}"
        assert out and not err, err
    else:
        assert case.expect in ("error", "either"), f"expected a count, got: {err}"
        assert out == "" and err.count("\n") == 1 and err.startswith("paramcount: error: "), err
    printed = out + err
    assert not RAW_CONTROL.search(printed), "a raw control character reached the terminal"
    for escape in case.shown:
        assert escape in printed


@pytest.mark.parametrize("case", [c for c in CASES if not c.needs_keras], ids=lambda c: c.name)
def test_hostile_input(case, tmp_path):
    check_contract(case, run_case(case, tmp_path))
    assert not any(p.name == MARKER for p in tmp_path.parent.rglob(MARKER))


@pytest.mark.keras
@pytest.mark.parametrize("case", [c for c in CASES if c.needs_keras], ids=lambda c: c.name)
def test_hostile_input_with_keras(case, tmp_path):
    check_contract(case, run_case(case, tmp_path))
    assert not (tmp_path / MARKER).exists(), "--keras ran code the file named"


def test_forged_names_never_forge_a_line(tmp_path):
    """The forged name is shown, escaped, on the line of its layer: still one line."""
    case = next(c for c in CASES if c.name.endswith("names: table"))
    out = run_case(case, tmp_path).stdout.decode()
    rows = [line for line in out.splitlines() if "forged" in line]
    assert len(rows) == 2 and not any(line.startswith("paramcount:") for line in out.splitlines())
    assert json.loads(run_case(next(c for c in CASES if c.name.endswith("names: JSON")),
                               tmp_path).stdout)["layers"][0]["name"] == FORGED


# What printable() escapes, written out here again: control characters, lone surrogates, and the
# invisible characters that hide or reorder text.
ESCAPED = [(0x00, 0x1F), (0x7F, 0x9F), (0x200B, 0x200F), (0x2028, 0x202E), (0x2066, 0x2069),
           (0xFEFF, 0xFEFF), (0xD800, 0xDFFF)]


def test_printable_escapes_exactly_the_unsafe_characters():
    """Every code point, alone and inside a name: the unsafe ones are escaped, all others kept
    (printable() skips its pattern for text that str.isprintable() accepts)."""
    unsafe = {code for low, high in ESCAPED for code in range(low, high + 1)}
    for code in range(0x110000):
        char = chr(code)
        shown = paramcount.errors.printable(f"dense{char}1")
        if code in unsafe:
            assert shown.startswith("dense\\") and shown.endswith("1") and shown.isprintable(), code
        else:
            assert shown == f"dense{char}1", hex(code)


def test_help_documents_the_limits():
    done = subprocess.run([sys.executable, "-m", "paramcount.cli", "count", "--help"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(SRC)})
    text = " ".join(done.stdout.split())  # as read, not as wrapped
    assert "8,388,608 bytes" in text and "2 s and 300 MB" in text


def test_locally_connected_closed_form_is_the_loop():
    """The closed form of the connected (output, input) pairs equals tf-keras' per-position sum."""
    def loop(size, k, stride):
        left = k // 2
        return sum(min(size, o * stride - left + k) - max(0, o * stride - left)
                   for o in range((size - 1) // stride + 1))

    for size in range(1, 40):
        for k in range(1, 10):
            for stride in range(1, 7):
                assert _connected_pairs(size, k, stride) == loop(size, k, stride)


# --- the Python API: a result, a ParamcountError, or a TypeError for a wrong-type argument ------

def test_wrong_argument_types():
    with pytest.raises(TypeError):
        paramcount.explain_layer(5, "(3,)")
    with pytest.raises(TypeError):
        paramcount.explain_layer("Dense(3)", object())
    with pytest.raises(TypeError):
        paramcount.count({"class_name": "Sequential", "config": {"layers": []}}, input_shape=3.5)
    with pytest.raises(paramcount.ParamcountError):
        paramcount.count(5)


def test_python_errors_become_paramcount_errors():
    deep = {"class_name": "Sequential", "config": {"name": "s", "layers": []}}
    inner = deep["config"]
    for _ in range(5000):  # a dict nested deeper than Python recurses
        inner["layers"] = [{"class_name": "Sequential", "config": {"name": "s", "layers": []}}]
        inner = inner["layers"][0]["config"]
    with pytest.raises(paramcount.ParamcountError, match="nested too deeply|has no|shape"):
        paramcount.count(deep)
    with pytest.raises(paramcount.ParamcountError, match="digits"):
        paramcount.explain_layer("Dense(3)", (10**5000,))


EXAMPLES = int(os.environ.get("PARAMCOUNT_EXAMPLES", "6")) * 50
load_formulas()
CLASSES = sorted(REGISTRY)

# Values a hostile config or pasted code may hold where a layer expects a size or an option.
HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 40), st.sampled_from([0, 10**99, 10**100, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
    st.sampled_from(["same", "valid", "causal", "channels_first", "\x1b[2J", "a\nb"]),
    st.lists(st.integers(-2, 6), max_size=4).map(tuple))


def literal(value) -> str:
    return repr(value) if not isinstance(value, float) or value == value else "float('nan')"


@st.composite
def layer_code(draw, depth=0):
    name = draw(st.sampled_from(CLASSES))
    args = [literal(draw(HOSTILE)) for _ in range(draw(st.integers(0, 3)))]
    if depth < 2 and draw(st.booleans()):
        args.append(draw(layer_code(depth=depth + 1)))
    keys = draw(st.lists(st.sampled_from(["units", "filters", "kernel_size", "padding", "axes",
                                          "dims", "input_shape", "name", "layer", "num_heads",
                                          "implementation", "strides", "target_shape", "axis"]),
                         max_size=3, unique=True))
    args += [f"{key}={literal(draw(HOSTILE))}" for key in keys]
    return f"{name}({', '.join(args)})"


SHAPES = st.one_of(
    st.lists(st.one_of(st.none(), st.integers(-1, 12), st.just(10**99)), min_size=0,
             max_size=5).map(lambda dims: "(" + "".join(f"{literal(d)}, " for d in dims) + ")"),
    st.text(max_size=12))


def assert_contract(call) -> None:
    try:
        call()
    except paramcount.ParamcountError as e:
        message = str(e)
        assert "internal error" not in message, message
        assert not RAW_CONTROL.search(message) and "\n" not in message


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layer_code(), SHAPES)
def test_fuzzed_layer_code_keeps_the_contract(code, shape):
    assert_contract(lambda: paramcount.explain_layer(code, shape))
    answer = web.result(code, shape)
    assert answer["ok"] or not answer.get("internal"), answer
    if answer["ok"]:
        assert not RAW_CONTROL.search(web.results_html(answer))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CLASSES), st.dictionaries(st.sampled_from(
    ["units", "filters", "kernel_size", "padding", "layer", "axes", "dims", "name", "trainable",
     "input_dim", "output_dim", "num_heads", "key_dim", "pool_size", "target_shape"]), HOSTILE,
    max_size=5), st.lists(st.one_of(st.none(), st.integers(1, 9), st.just(10**99)), min_size=1,
                          max_size=5))
def test_fuzzed_layer_configs_keep_the_contract(class_name, config, shape):
    model = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, *shape], "name": "in"}},
        {"class_name": class_name, "config": {"name": "x\x1b", **config}}]}}
    assert_contract(lambda: paramcount.count(model))


def test_a_bug_is_one_clear_error_and_the_calculator_says_it_is_a_bug(monkeypatch):
    def broken(ctx):
        raise ZeroDivisionError("division by zero")

    load_formulas()
    monkeypatch.setitem(REGISTRY, "Dense", records.replace(REGISTRY["Dense"], formula=broken))
    with pytest.raises(paramcount.ParamcountError, match="internal error.*ZeroDivisionError"):
        paramcount.explain_layer("Dense(3)", "(4,)")
    answer = web.result("Dense(3)", "(4,)")
    assert answer["ok"] is False and answer["internal"] is True


def test_reconcile_page_escapes_names_and_keeps_its_line_breaks():
    table = (Path(__file__).parents[1] / "fixtures" / "summaries" / "tf_keras_lstm_dense_default.txt")
    text = table.read_text().replace("lstm (LSTM)", "lstm\x1b[2J (LSTM)")
    answer = json.loads(web.reconcile_summary(text))
    assert answer["ok"], answer
    assert not RAW_CONTROL.search(answer["html"]) and "lstm\\x1b[2J" in answer["html"]
    assert "\n" in answer["html"]  # a derivation of several lines stays several lines
