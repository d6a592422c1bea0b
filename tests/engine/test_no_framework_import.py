"""paramcount counts without importing any framework: no TensorFlow, Keras, JAX, PyTorch or even
NumPy ends up in ``sys.modules``, through the API or through the command line."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
FRAMEWORKS = ["tensorflow", "keras", "tf_keras", "jax", "torch", "numpy"]

CHECK = """
import json, runpy, sys
{body}
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({frameworks!r}))
print(json.dumps({{"result": result, "loaded": loaded}}))
"""


def run(body: str, modules: list[str] = FRAMEWORKS) -> dict:
    code = CHECK.format(body=body, frameworks=modules)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_api_imports_no_framework(fixture):
    path = FIXTURES / fixture
    got = run(f"import paramcount\nresult = paramcount.count({str(path)!r}).total")
    assert got == {"result": EXPECTED[fixture], "loaded": []}


@pytest.mark.parametrize("fixture", ["keras3_sequential.keras", "keras3_custom.keras",
                                     "keras3_legacy.h5", "tf_keras_legacy.h5"])
def test_cli_imports_no_framework(fixture):
    # The console script's entry point, run in-process so sys.modules can be inspected after it.
    # Files with weights are read as a second witness too: their HDF5 metadata, still no NumPy.
    path = FIXTURES / fixture
    body = ("import io, contextlib\nfrom paramcount.cli import main\nout = io.StringIO()\n"
            f"with contextlib.redirect_stdout(out):\n    code = main(['count', {str(path)!r}, "
            "'--json'])\ncounted = json.loads(out.getvalue())\n"
            "result = [code, counted['total'], counted['stored_weights']['disagreements']]")
    got = run(body)
    assert got == {"result": [0, EXPECTED[fixture], []], "loaded": []}


# What the command line's start-up cannot afford (issue #20): dataclasses imports inspect and ast,
# about 6 ms; paramcount.records stands in for it, and only layer code or --optimizer needs ast.
SLOW_TO_IMPORT = ["dataclasses", "inspect", "ast", "typing"]


@pytest.mark.parametrize("fixture", ["keras3_sequential.keras", "keras3_legacy.h5"])
def test_cli_count_imports_none_of_the_slow_modules(fixture):
    body = ("import io, contextlib\nfrom paramcount.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    result = main(['count', {str(FIXTURES / fixture)!r}])")
    assert run(body, SLOW_TO_IMPORT) == {"result": 0, "loaded": []}


def test_the_check_can_fail():
    """The probe itself sees a framework when one is imported."""
    got = run("import numpy\nresult = None")
    assert got["loaded"] == ["numpy"]
    assert run("import paramcount.reconciling\nresult = None", SLOW_TO_IMPORT)["loaded"] == [
        "ast", "dataclasses", "inspect"]  # the reconciler keeps its dataclasses
