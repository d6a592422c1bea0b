"""Shared test setup. TensorFlow reads its log level at import, so set it before any test imports it.

Also here: Hypothesis' profiles, and how `make test` splits the suite over pytest-xdist workers
(`-n auto --dist loadgroup`) so that each costly thing is made once per run."""

import contextlib
import fcntl
import gc
import json
import os
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
ROOT = Path(__file__).resolve().parents[1]


# --- Garbage collection. Tests restart Keras' layer names with keras.backend.clear_session()
# hundreds of times, and Keras 3 then runs a full collection, which walks every object TensorFlow
# and Keras made at import: about 0.2 s each, minutes of the suite. Once a test has imported a
# large set of modules, everything alive is moved out of the collector's sight (gc.freeze): a
# collection then walks only what tests made since. Frozen objects are never freed, which costs
# nothing here: modules stay loaded until the process ends anyway.

_modules_when_frozen = 0


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _modules_when_frozen
    if len(sys.modules) > _modules_when_frozen + 500:  # TensorFlow brings thousands
        gc.collect()
        gc.freeze()
        _modules_when_frozen = len(sys.modules)


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


@contextlib.contextmanager
def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A folder shared by every pytest-xdist worker of this run, held by one worker at a time:
    what the first worker leaves in it, the others find there (xdist workers' temporary folders
    are siblings under one run folder)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        folder.mkdir(exist_ok=True)
        yield folder


def _build_once(tmp_path_factory: pytest.TempPathFactory, name: str, build) -> SiteBuild:
    """`build(directory)` → (log, returncode), run by the first worker that asks; the others
    read its record."""
    with once_per_run(tmp_path_factory, name) as folder:
        record = folder / "build.json"
        if not record.exists():
            log, returncode = build(folder / "site")
            record.write_text(json.dumps({"log": log, "returncode": returncode}))
        done = json.loads(record.read_text())
    return SiteBuild(folder / "site", done["log"], done["returncode"])


@pytest.fixture(scope="session")
def site_build(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    def build(directory: Path) -> tuple[str, int]:
        from paramcount_site import generate

        generate.main()  # the calculator's bundle and the footer's versions, as `make build` does
        command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(directory)]
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's end-of-life notice is not ours
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        return done.stdout + done.stderr, done.returncode

    return _build_once(tmp_path_factory, "mkdocs-build", build)


@pytest.fixture(scope="session")
def built_site(site_build: SiteBuild) -> Path:
    """The directory of the strictly built site; the test fails if the build does."""
    if site_build.returncode != 0:
        problems = [line for line in site_build.log.splitlines() if "WARNING" in line or "ERROR" in line]
        pytest.fail("mkdocs build --strict failed:\n" + "\n".join(problems or [site_build.log]),
                    pytrace=False)
    return site_build.directory


@pytest.fixture(scope="session")
def zensical_build(site_build: SiteBuild, tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """The same site built by Zensical (`zensical build --clean --strict`), after the MkDocs build
    has generated its files. Zensical builds only inside the project: under .cache/ (git-ignored),
    then the site is moved to this run's folder."""

    def build(directory: Path) -> tuple[str, int]:
        inside = ROOT / ".cache" / "zensical-test-site"
        command = [sys.executable, "-m", "zensical", "build", "--clean", "--strict"]
        env = {**os.environ, "SITE_DIR": str(inside.relative_to(ROOT))}
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if inside.exists():
            shutil.move(inside, directory)
        return done.stdout + done.stderr, done.returncode

    return _build_once(tmp_path_factory, "zensical-build", build)


@pytest.fixture(scope="session")
def zensical_site(zensical_build: SiteBuild) -> Path:
    if zensical_build.returncode != 0:
        pytest.fail("zensical build --strict failed:\n" + zensical_build.log[-3000:], pytrace=False)
    return zensical_build.directory


# --- Parallel runs: `pytest -n auto --dist loadgroup` (pytest-xdist) sends each xdist_group to one
# worker. A test joins a group when it shares something costly, or a record, with other tests;
# xdist runs everything else wherever a worker is free.

SITE_FIXTURES = {"site_build", "zensical_build", "browser"}
# Tests that read what other tests recorded in the same process; they run after the rest.
RUN_LAST = {
    "test_every_registered_class_was_compared_with_keras",  # keras_compare.COMPARED
    "test_a_sample_of_mutants_is_caught",  # the page runs pagecheck.docs.RUNNER kept from test_docs
}
_HELPERS_USED: dict[str, set[str]] = {}


def helpers_used(module: types.ModuleType) -> set[str]:
    """The modules whose names a test module imports (a function's module, or a module itself)."""
    if module.__name__ not in _HELPERS_USED:
        found = set()
        for value in vars(module).values():
            is_module = isinstance(value, types.ModuleType)
            name = value.__name__ if is_module else getattr(value, "__module__", None)
            if isinstance(name, str):
                found.add(name)
        _HELPERS_USED[module.__name__] = found
    return _HELPERS_USED[module.__name__]


def xdist_group_of(item: pytest.Item) -> str | None:
    declared = item.get_closest_marker("xdist_group")  # a module that says so itself
    if declared is not None:
        return declared.args[0] if declared.args else declared.kwargs.get("name")
    module_id = item.nodeid.split("::")[0]
    if SITE_FIXTURES & set(item.fixturenames):
        # The site is built once per run by each builder, whichever worker asks first
        # (_build_once); a module's tests share its page fixtures, each worker its Chromium.
        return f"site:{module_id}"
    module = getattr(item, "module", None)
    if module is None:
        return None
    used = helpers_used(module)
    if "keras_compare" in used:
        return "keras-compare"  # keras_compare.COMPARED is per process; test_registry reads it
    if any(name.split(".")[0] == "pagecheck" for name in used):
        return "pages"  # each page's blocks run once per process (pagecheck.docs.RUNNER)
    # A fixture a module's tests share (scope module or session, defined in the module): made
    # once per run only if they all run on one worker.
    for definitions in item._fixtureinfo.name2fixturedefs.values():
        if definitions[-1].scope != "function" and definitions[-1].baseid == module_id:
            return module_id
    return None


def pytest_configure(config: pytest.Config) -> None:
    # Any other way of sharing out would run the two site builds on two workers at once.
    if config.getoption("dist", "no") not in {"no", "loadgroup"}:
        raise pytest.UsageError("run pytest-xdist with --dist loadgroup (as `make test` does): "
                                "tests/conftest.py keeps tests that share a set-up on one worker")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        group = xdist_group_of(item)
        if group:
            if item.get_closest_marker("xdist_group") is None:
                item.add_marker(pytest.mark.xdist_group(group))
            if getattr(config.option, "loadgroup", False) and hasattr(item, "_id"):
                # What xdist's loadgroup does to a test's id so that the controller sees its
                # group; xdist 3.8 writes it where pytest 9.2 no longer reads it, and the groups
                # are silently ignored (pytest-dev/pytest-xdist#1386).
                item._id = type(item._id).parse(f"{item.nodeid}@{group}")
    items.sort(key=lambda item: getattr(item, "originalname", item.name) in RUN_LAST)  # stable


# --- The mutation check's score (tests/pages/test_mutation.py), printed at the end of the run. Under
# xdist the test runs in a worker, which hands the score to the controller that prints.

MUTATION_SCORES: list[str] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    mutants = sys.modules.get("pagecheck.mutants")
    score = mutants.LAST_SCORE if mutants is not None else None
    workeroutput = getattr(session.config, "workeroutput", None)  # only in an xdist worker
    if score and workeroutput is not None:
        workeroutput["mutation_score"] = score
    elif score:
        MUTATION_SCORES.append(score)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist, never called
def pytest_testnodedown(node, error) -> None:
    score = getattr(node, "workeroutput", {}).get("mutation_score")
    if score:
        MUTATION_SCORES.append(score)


def pytest_terminal_summary(terminalreporter) -> None:
    for score in MUTATION_SCORES:
        terminalreporter.write_line(score)
