"""paramcount imported from a zip archive, as the calculator imports it in Pyodide
(docs/assets/calculator/paramcount.zip): every formula module registers, as from the folder."""

from __future__ import annotations

import subprocess
import sys

from paramcount.formulas.registry import REGISTRY, load_formulas
from paramcount_site.calculator_files import bundle

PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
import paramcount
from paramcount.formulas.registry import REGISTRY, load_formulas
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
    assert done.stdout.split() == [str(len(REGISTRY)), "48"]
