"""Flake hunt (`make flake-hunt`): the browser and Hypothesis tests N times, from cold and under load.

Prints every test that ever failed, with its failure text, and a last line with the count.

    python scripts/flake_hunt.py [--runs 5] [--no-load] [--warm] [--pytest-args "-n auto ..."]

Each run is a fresh pytest session, started as `make test` starts it (--pytest-args; by default
`-n auto --maxprocesses 4 --dist loadgroup`, and "" runs one process), with Hypothesis' `hunt` profile
(tests/conftest.py: new random examples every run, nothing replayed from .hypothesis/).

From cold (unless --warm): HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME and TMPDIR point into a new empty
folder, removed after the run; fontconfig gets a copy of the system's configuration whose font cache
is in that folder too, so it starts empty. Chromium starts with a new profile in every session
anyway (Playwright's launch() makes one under TMPDIR), so its HTTP and compiled-code caches start
empty: the first Pyodide compile happens in every run.

Under load (unless --no-load): one CPU burner per core runs beside each run. A burner stops when
the run ends, and by itself after --load-minutes whatever happens to this script.

A real bug found here is fixed, not retried away. Exit status 1 if any test failed in any run.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
PARALLEL = ["-n", "auto", "--maxprocesses", "4", "--dist", "loadgroup"]
BURN = """import sys, time
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    pass
"""
USES_HYPOTHESIS = re.compile(r"^\s*(from hypothesis\b|import hypothesis\b)", re.MULTILINE)
SYSTEM_FONTS_CONF = Path(os.environ.get("FONTCONFIG_FILE", "/etc/fonts/fonts.conf"))


def hunted_files() -> list[str]:
    """Every test file under a tests/**/browser/ folder, and every test file that uses Hypothesis."""
    found = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if "browser" in path.relative_to(TESTS).parts[:-1] or USES_HYPOTHESIS.search(path.read_text()):
            found.append(path.relative_to(ROOT).as_posix())
    return found


def cold_environment(home: Path) -> dict[str, str]:
    """Environment variables for a run that starts with no cache of any kind."""
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_CONFIG_HOME": str(home / ".config"), "TMPDIR": str(home / "tmp")}
    (home / "tmp").mkdir(parents=True)
    if SYSTEM_FONTS_CONF.is_file():
        # The system's fontconfig setup with one change: its caches (the system's prebuilt one
        # included) are replaced by an empty folder of this run's.
        conf = SYSTEM_FONTS_CONF.read_text(encoding="utf-8")
        conf = re.sub(r"<cachedir[^>]*>.*?</cachedir>", "", conf, flags=re.DOTALL)
        conf = re.sub(r"(<include[^>]*>)(?!/)([^<]+)(</include>)",
                      lambda m: f"{m[1]}{SYSTEM_FONTS_CONF.parent / m[2]}{m[3]}", conf)
        cache = f"<cachedir>{home / 'fontconfig-cache'}</cachedir>"
        conf = conf.replace("</fontconfig>", f"{cache}\n</fontconfig>")
        (home / "fonts.conf").write_text(conf, encoding="utf-8")
        env["FONTCONFIG_FILE"] = str(home / "fonts.conf")
    return env


def start_load(minutes: float) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", BURN, str(minutes * 60)])
            for _ in range(os.cpu_count() or 1)]


def stop_load(burners: list[subprocess.Popen]) -> None:
    for burner in burners:
        burner.terminate()
    for burner in burners:
        burner.wait()


def failures_in(junit: Path) -> dict[str, str]:
    """Test -> failure text, for every test that failed or errored in a JUnit XML report."""
    failed = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        for problem in [*case.iter("failure"), *case.iter("error")]:
            # xdist appends the test's group to its name ("...@site"): the test is the same.
            name = re.sub(r"@[\w./-]+$", "", case.get("name", ""))
            test = f"{case.get('classname', '')}::{name}"
            text = (problem.text or problem.get("message") or "").strip()
            failed[test] = (failed.get(test, "") + "\n" + text).strip()
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-load", dest="load", action="store_false", help="no CPU burners beside")
    parser.add_argument("--warm", dest="cold", action="store_false", help="keep HOME and the caches")
    parser.add_argument("--load-minutes", type=float, default=30,
                        help="a burner stops by itself after this long (default 30)")
    parser.add_argument("--pytest-args", default=" ".join(PARALLEL),
                        help="how to start pytest (default: %(default)s)")
    args = parser.parse_args()

    files = hunted_files()
    print(f"flake hunt: {args.runs} runs of {len(files)} test files"
          f"{', from cold' if args.cold else ''}{', under load' if args.load else ''}", flush=True)
    failed: dict[str, list[tuple[int, str]]] = defaultdict(list)
    results = 0
    with tempfile.TemporaryDirectory(prefix="flake-hunt-") as work:
        for run in range(1, args.runs + 1):
            home = Path(work) / f"run-{run}"
            home.mkdir()
            env = {**os.environ, "HYPOTHESIS_PROFILE": "hunt", "TF_CPP_MIN_LOG_LEVEL": "3"}
            if args.cold:
                env.update(cold_environment(home))
            junit, log = home / "junit.xml", home / "pytest.log"
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                       f"--junitxml={junit}", *shlex.split(args.pytest_args), *files]
            burners = start_load(args.load_minutes) if args.load else []
            started = time.monotonic()
            try:
                with log.open("w") as out:
                    done = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            finally:
                stop_load(burners)
            seconds = time.monotonic() - started
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
            print(f"run {run}/{args.runs}: {tail[0].strip('= ')} ({seconds:.0f} s)", flush=True)
            found = failures_in(junit) if junit.exists() else {}
            if done.returncode not in (0, 1) or (done.returncode == 1 and not found):
                # pytest stopped short of running the tests (a usage or internal error)
                output = log.read_text(errors="replace").splitlines()
                found["(the pytest run itself)"] = "\n".join(output[-40:])
            for test, text in found.items():
                failed[test].append((run, text))
            results += len(found)
            shutil.rmtree(home, ignore_errors=True)

    for test, seen in sorted(failed.items()):
        print(f"\nFAILED {test} in run{'s' if len(seen) > 1 else ''} {', '.join(str(r) for r, _ in seen)}")
        for run, text in seen:
            print(f"--- run {run}:\n{text}")
    print(f"\nflake hunt: {args.runs} runs, {results} failures")
    return 1 if results else 0


if __name__ == "__main__":
    sys.exit(main())
