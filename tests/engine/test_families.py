"""formulas/families.py, the index a count reads to import only the families it meets, is derived
from the registry: it names every registered class, each under the module that registers it."""

from __future__ import annotations

import json
import subprocess
import sys

from paramcount.formulas.families import FAMILIES
from paramcount.formulas.registry import derived_families


def test_the_index_is_the_registrys():
    assert FAMILIES == derived_families(), (
        "src/paramcount/formulas/families.py is stale: run `python scripts/families.py` and "
        "commit the rewritten file")


def fresh(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_each_class_is_found_through_its_family_alone():
    """In a fresh process, each class's own module registers it: no lookup falls back to loading
    every family (what a stale index would do)."""
    got = fresh("import json\n"
                "from paramcount.formulas import registry\n"
                "from paramcount.formulas.families import FAMILY\n"
                "missing = [c for c in sorted(FAMILY) if registry.registration(c) is None]\n"
                "print(json.dumps({'missing': missing, 'all_loaded': registry._loaded}))")
    assert got == {"missing": [], "all_loaded": False}


def test_a_count_imports_only_the_families_it_meets():
    model = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 3], "name": "in"}},
        {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}}
    got = fresh("import json, sys, paramcount\n"
                f"total = paramcount.count({model!r}).total\n"
                "families = sorted(m.rpartition('.')[2] for m in sys.modules\n"
                "                  if m.startswith('paramcount.formulas.'))\n"
                "print(json.dumps({'total': total, 'families': families}))")
    assert got["total"] == 3 * 2 + 2
    assert "dense" in got["families"]
    assert {"attention", "conv", "recurrent", "kerashub", "kerashub_backbones", "einsum"} & set(
        got["families"]) == set()
