"""What users read, kept as files: the text of `paramcount count`, `explain` and `reconcile` for a
dozen representative models, in tests/golden/*.out. A change of wording is then a reviewed diff.

    .venv/bin/python -m pytest tests/engine/test_golden.py --update-golden   # rewrite them
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from paramcount.cli import main

TESTS = Path(__file__).parents[1]
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"

# name of the golden file -> the command line that prints it (paths relative to tests/fixtures).
CASES = {
    "count-keras3-sequential": ["count", "keras3_sequential.keras"],
    "count-keras3-functional": ["count", "keras3_functional.json"],
    "count-keras3-zoo": ["count", "keras3_zoo.json"],
    "count-tf-keras-functional": ["count", "tf_keras_functional.json"],
    "count-keras3-custom-layer": ["count", "keras3_custom.keras"],
    "count-tf-keras-legacy-h5": ["count", "tf_keras_legacy.h5"],
    "explain-keras3-legacy-h5": ["explain", "keras3_legacy.h5"],
    "explain-keras3-sequential": ["explain", "keras3_sequential.keras"],
    "explain-lstm": ["explain", "LSTM(10)", "--input-shape", "(None, 1)"],
    "explain-bidirectional": ["explain", "Bidirectional(LSTM(128))", "--input-shape", "(28, 28)"],
    "explain-gru-reset-after": ["explain", "GRU(2, reset_after=True)", "--input-shape", "(5, 3)"],
    "explain-lstm-adam-amsgrad": ["explain", "LSTM(2)", "--input-shape", "(None, 3)",
                                  "--optimizer", "Adam(amsgrad=True)"],
    "count-keras3-zoo-sgd-momentum": ["count", "keras3_zoo.json", "--optimizer",
                                      "SGD(momentum=0.9)"],
    "reconcile-keras3-lstm-dense": ["reconcile", "summaries/keras3_lstm_dense_default.txt"],
    "reconcile-tf-keras-branches": ["reconcile", "summaries/tf_keras_functional_branches_65.txt"],
    "reconcile-keras3-nested": ["reconcile", "summaries/keras3_nested_default.txt"],
}


def run(args: list[str]) -> str:
    args = [str(FIXTURES / a) if (FIXTURES / a).is_file() else a for a in args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args)
    text = f"$ paramcount {' '.join(Path(a).name if '/' in a else a for a in args)}\n{out.getvalue()}"
    if err.getvalue():
        text += f"[stderr]\n{err.getvalue()}"
    return text + f"[exit status {status}]\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_is_the_golden_one(name: str, request: pytest.FixtureRequest) -> None:
    printed = run(CASES[name])
    golden = GOLDEN / f"{name}.out"
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(printed, encoding="utf-8")
    assert golden.is_file(), f"{golden} is missing: run pytest {__file__} --update-golden"
    assert printed == golden.read_text(encoding="utf-8"), (
        f"the output of `paramcount {' '.join(CASES[name])}` changed: if the change is meant, "
        "rewrite it with --update-golden and review the diff")


def test_every_golden_file_has_its_case() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.out")) == sorted(CASES)
