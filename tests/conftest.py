"""Shared test setup. TensorFlow reads its log level at import, so set it before any test imports it.

Also here: Hypothesis' profiles."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


# --- Hypothesis. No profile has a deadline or the too-slow health check: both depend on how busy
# the machine is, and no test may. Loaded here, before any test module makes its settings(...),
# which copy what they leave unset from the profile loaded at that moment.

UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
# CI: the same examples on every run (seeded from each test), so a red run reruns to the same failure.
settings.register_profile("ci", derandomize=True, print_blob=True, **UNTIMED)
# A developer's machine: new random examples each run; a failure is saved in .hypothesis/ and
# replayed first next time.
settings.register_profile("dev", **UNTIMED)
# `make flake-hunt`: random examples, each run on its own (no database replaying an earlier draw).
settings.register_profile("hunt", database=None, print_blob=True, **UNTIMED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/*.out from what paramcount prints now")


# --- The built site: one `mkdocs build --strict` per session, shared by test_site.py and browser/.

@dataclass(frozen=True)
class SiteBuild:
    directory: Path
    log: str
    returncode: int


@pytest.fixture(scope="session")
def site_build(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    from paramcount_site import generate

    generate.main()  # the calculator's bundle and the footer's versions, as `make build` does first
    directory = tmp_path_factory.mktemp("built") / "site"
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(directory)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's end-of-life notice is not ours
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    return SiteBuild(directory, done.stdout + done.stderr, done.returncode)


@pytest.fixture(scope="session")
def built_site(site_build: SiteBuild) -> Path:
    """The directory of the strictly built site; the test fails if the build does."""
    if site_build.returncode != 0:
        problems = [line for line in site_build.log.splitlines() if "WARNING" in line or "ERROR" in line]
        pytest.fail("mkdocs build --strict failed:\n" + "\n".join(problems or [site_build.log]),
                    pytrace=False)
    return site_build.directory


@pytest.fixture(scope="session")
def zensical_build(site_build: SiteBuild) -> SiteBuild:
    """The same site built by Zensical (`zensical build --clean --strict`), after the MkDocs build
    has generated its files. Zensical builds only inside the project: under .cache/ (git-ignored)."""
    root = Path(__file__).resolve().parents[1]
    directory = root / ".cache" / "zensical-test-site"
    command = [sys.executable, "-m", "zensical", "build", "--clean", "--strict"]
    env = {**os.environ, "SITE_DIR": str(directory.relative_to(root))}
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    return SiteBuild(directory, done.stdout + done.stderr, done.returncode)


@pytest.fixture(scope="session")
def zensical_site(zensical_build: SiteBuild) -> Path:
    if zensical_build.returncode != 0:
        pytest.fail("zensical build --strict failed:\n" + zensical_build.log[-3000:], pytrace=False)
    return zensical_build.directory


def pytest_terminal_summary(terminalreporter) -> None:
    """The mutation check's score (tests/pages/test_mutation.py), when it ran."""
    mutants = sys.modules.get("pagecheck.mutants")
    if mutants is not None and mutants.LAST_SCORE:
        terminalreporter.write_line(mutants.LAST_SCORE)
