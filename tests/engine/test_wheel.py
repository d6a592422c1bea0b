"""paramcount installs the way Python tools do: its wheel, built from this tree, installs into a
clean virtual environment with nothing else (no index, no dependencies), and the `paramcount`
command it brings runs. The release workflow (.github/workflows/release.yml) publishes this wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The outer environment must not leak in: no PYTHONPATH pointing at this tree.
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=CLEAN_ENV, capture_output=True,
                          text=True)
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of what it is made of (the tree is left untouched)."""
    project = tmp_path_factory.mktemp("project")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "--no-index", "--wheel-dir", dist, project, cwd=project)
    (built,) = dist.glob("paramcount-*.whl")
    return built


def test_the_wheel_holds_the_package_and_nothing_of_the_site(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"paramcount", wheel.name.split("-py")[0] + ".dist-info"}
    assert "paramcount/cli.py" in names and "paramcount/formulas/recurrent.py" in names
    entry_points = zipfile.ZipFile(wheel).read(f"{wheel.name.split('-py')[0]}.dist-info/entry_points.txt")
    assert b"paramcount = paramcount.cli:run" in entry_points


def test_the_wheel_installs_into_a_clean_venv_and_its_command_runs(wheel: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-index", "--no-deps",
        wheel, cwd=tmp_path)
    out = run(venv / "bin" / "paramcount", "explain", "LSTM(10)", "--input-shape", "(None, 1)", cwd=tmp_path)
    assert "480" in out
    where = run(python, "-c", "import paramcount; print(paramcount.__file__)", cwd=tmp_path)
    assert where.startswith(str(venv))  # the installed copy, not this tree
    assert run(venv / "bin" / "paramcount", "--version", cwd=tmp_path).split()[-1] == (
        wheel.name.split("-")[1])
