"""paramcount imported from a zip archive, as the calculator imports it in Pyodide
(docs/assets/calculator/paramcount.zip): a count imports the families it meets from the zip, and
every formula module registers, as from the folder."""

from __future__ import annotations

import subprocess
import sys

from paramcount.formulas.registry import REGISTRY, load_formulas
from paramcount_site.calculator_files import bundle

PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
import paramcount
from paramcount.formulas import registry
from paramcount.formulas.registry import REGISTRY, load_formulas
model = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 5, 3], "name": "in"}},
    {"class_name": "Conv1D", "config": {"name": "c", "filters": 2, "kernel_size": 1}}]}}
print(paramcount.count(model).total, registry._loaded)  # one family, found in the zip
load_formulas()
assert paramcount.__file__.startswith(sys.argv[1]), paramcount.__file__
print(len(REGISTRY), paramcount.explain_layer("LSTM(2)", "(None, 3)").params)
"""


def test_the_calculators_zip_counts_with_every_formula(tmp_path):
    archive = tmp_path / "paramcount.zip"
    archive.write_bytes(bundle())
    done = subprocess.run([sys.executable, "-I", "-c", PROBE, str(archive)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    load_formulas()
    assert done.stdout.split() == ["8", "False", str(len(REGISTRY)), "48"]
