"""``make bench``: how fast and how small paramcount is, next to Keras itself.

1. The whole command, ``paramcount count model.keras``, against a fresh Python process that loads
   the same model with Keras and calls ``count_params()``: the best and the median wall time over
   several runs, and the peak resident memory of each process. The goal is judged on the best
   runs, as ``timeit`` takes them: on a shared machine a burst of other work adds tens of
   milliseconds to a few runs, which moves a 50 ms command's median and not a 3 s one's. Both
   run from compiled bytecode, as a wheel installs them. Before it, the command's start-up
   against Python's own (issue #20: at most 2×).
2. Models far too large for any machine, counted exactly from their configs in well under a
   second, with (almost) nothing allocated: the weights are never made, only their shapes.
3. The site's page weight, if ``scripts/page_weight.py`` is there.
4. The hostile-input budget (issue #8): the budget cases of ``tests/engine/hostile_corpus.py``, each in
   a fresh process, against 2 s and 300 MB.
5. The calculator: time to a shared link's own total (cold, warm), typing latency, bytes
   (``scripts/calculator_bench.py``).
6. The reconciler on random models of every registered class with weights, in Keras 3 and
   tf-keras (``tests/reconcile/measure.py``, five models per class): rows explained, wrong rows,
   contradicted inputs.

Not part of ``make test``: timings depend on the machine. ``python scripts/bench.py --only startup``
runs one part (``--help`` lists them): the start-up alone is paramcount's command against
``python -c pass`` and against Python reading the archive's config.json, best of 15 rounds.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import paramcount  # noqa: E402
import paramcount.safety  # noqa: E402
from paramcount.formulas.registry import load_formulas  # noqa: E402

RUNS = {"paramcount count": 15, "keras load + count_params()": 5}  # each Keras run is seconds
STARTUP_ROUNDS = 15  # start-up is a few ms: the best of many runs, as the machine allows
GOAL_SPEEDUP, GOAL_MIB = 60, 60  # at least 60× faster than Keras, at most 60 MiB
GOAL_STARTUP = 2  # at most 2 × (Python's start-up + reading the archive's config.json)


def run_process(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB and stdout of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not all children's
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{command} failed with status {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024, out  # ru_maxrss is in KiB on Linux


def build_model(path: Path) -> int:
    """A mid-sized model with convolutions, recurrence and attention-free dense heads."""
    code = f"""
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
from keras import layers
image = keras.Input((64, 64, 3), name="image")
x = image
for filters in (32, 64, 128):
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D()(x)
x = layers.GlobalAveragePooling2D()(x)
text = keras.Input((40,), name="text")
t = layers.Embedding(20000, 128)(text)
t = layers.Bidirectional(layers.LSTM(64))(t)
x = layers.Concatenate()([x, t])
x = layers.Dropout(0.2)(layers.Dense(256, activation="relu")(x))
model = keras.Model([image, text], layers.Dense(10)(x))
model.save({str(path)!r})
print(model.count_params())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


def the_command() -> list[str]:
    """``paramcount`` as installed, run from bytecode as a wheel's install compiles it."""
    # Installed from a wheel, paramcount runs from bytecode pip compiled (as Keras does); the
    # editable checkout has none when PYTHONDONTWRITEBYTECODE is set, so compile it the same way.
    compileall.compile_dir(ROOT / "src" / "paramcount", quiet=1)
    script = Path(sys.executable).with_name("paramcount")
    return [str(script)] if script.exists() else [sys.executable, "-m", "paramcount.cli"]


def compare_with_keras(keras: bool = True) -> None:
    print("1. paramcount vs Keras on the same .keras file (fresh process each run)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.keras"
        total = build_model(path)
        keras_code = ("import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\nimport keras\n"
                      f"print(keras.saving.load_model({str(path)!r}, compile=False).count_params())")
        ours = the_command()
        startup(ours, path)
        if not keras:
            return
        rows = {}
        for label, command in (("paramcount count", ours + ["count", str(path), "--json"]),
                               ("keras load + count_params()", [sys.executable, "-c", keras_code])):
            runs = [run_process(command) for _ in range(RUNS[label])]
            printed = runs[0][2]
            got = json.loads(printed)["total"] if label.startswith("paramcount") else int(printed)
            if got != total:
                raise SystemExit(f"{label} counted {got:,}, Keras built {total:,}")
            seconds = [r[0] for r in runs]
            rows[label] = (min(seconds), statistics.median(seconds), max(r[1] for r in runs))
    print(f"   model: {total:,} parameters; {' and '.join(map(str, RUNS.values()))} runs, "
          "worst peak RSS")
    print(f"   {'':30}{'best':>10}{'median':>10}{'peak RSS':>12}")
    for label, (best, median, mib) in rows.items():
        print(f"   {label:30}{best * 1000:>8.0f}ms{median * 1000:>8.0f}ms{mib:>9.1f}MiB")
    (ours_best, ours_median, ours_mib), (keras_best, keras_median, keras_mib) = rows.values()
    speedup, smaller = keras_best / ours_best, keras_mib / ours_mib
    print(f"   paramcount is {speedup:.0f}× faster (best runs; {keras_median / ours_median:.0f}× "
          f"by medians) and uses {smaller:.0f}× less memory (goal: ≥ {GOAL_SPEEDUP}× faster "
          f"in the best runs, ≤ {GOAL_MIB} MiB) — "
          f"{'met' if speedup >= GOAL_SPEEDUP and ours_mib <= GOAL_MIB else 'NOT met'}")


def startup(ours: list[str], path: Path) -> None:
    """The command line against the least any tool must do: start Python and read the config.
    The three commands take turns, round after round, so that a change in the machine's load
    falls on all three alike; each keeps its best round."""
    read_config = ("import json, sys, zipfile\n"
                   "json.loads(zipfile.ZipFile(sys.argv[1]).read('config.json'))")
    commands = {"python -c pass": [sys.executable, "-c", "pass"],
                "python: read config.json": [sys.executable, "-c", read_config, str(path)],
                "paramcount count": ours + ["count", str(path)]}
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(STARTUP_ROUNDS):
        for label, command in commands.items():
            best[label] = min(best[label], run_process(command)[0])
    floor = best["python: read config.json"]
    print(f"   start-up, best of {STARTUP_ROUNDS} rounds (load average {os.getloadavg()[0]:.1f}):")
    for label, seconds in best.items():
        print(f"   {label:30}{seconds * 1000:>10.0f}ms")
    ratio = best["paramcount count"] / floor
    print(f"   paramcount count takes {ratio:.2f} × (start-up + reading the config) "
          f"(goal: ≤ {GOAL_STARTUP}×) — {'met' if ratio <= GOAL_STARTUP else 'NOT met'}")


# --- huge models, as configs written by hand (Keras 3 layout) -------------------------------

def sequential(input_shape, *layers) -> dict:
    entries = [{"class_name": "InputLayer", "config": {"batch_shape": [None, *input_shape],
                                                       "name": "input"}}]
    for i, (class_name, config) in enumerate(layers):
        entries.append({"class_name": class_name, "config": {"name": f"layer_{i}", **config}})
    return {"class_name": "Sequential", "config": {"name": "huge", "layers": entries}}


def huge_models():
    n, depth = 200_000, 5
    yield (f"{depth} × Dense({n:,}) on {n:,} features",
           sequential((n,), *[("Dense", {"units": n})] * depth),
           depth * (n * n + n))  # each: kernel n·n + bias n
    u, m = 100_000, 1_000
    yield (f"LSTM({u:,}) on {m:,} features", sequential((None, m), ("LSTM", {"units": u})),
           4 * u * (m + u + 1))  # four gates: kernel m·u, recurrent u·u, bias u
    v, e = 10**8, 4096
    yield (f"Embedding({v:,}, {e:,})", sequential((None,), ("Embedding",
                                                            {"input_dim": v, "output_dim": e})),
           v * e)  # one row of e numbers per token


def huge() -> None:
    print("\n2. Huge models, counted exactly from their configs")
    print(f"   {'model':42}{'parameters':>24}{'time':>10}{'peak alloc':>12}")
    load_formulas()  # every family first: a count imports a family's module when it meets it
    for label, config, expected in huge_models():
        tracemalloc.start()
        start = time.perf_counter()
        counted = paramcount.count(config)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        if counted.total != expected or not isinstance(counted.total, int):
            raise SystemExit(f"{label}: paramcount says {counted.total:,}, the formula {expected:,}")
        if seconds >= 1:
            raise SystemExit(f"{label}: took {seconds:.2f} s (goal: under a second)")
        print(f"   {label:42}{counted.total:>24,}{seconds * 1000:>8.1f}ms{peak / 1024:>9.0f}KiB")
    print("   every count equals its hand formula exactly (Python integers, no rounding)")


def page_weight() -> None:
    script = ROOT / "scripts" / "page_weight.py"
    if not script.exists():
        print("\n3. Page weight: scripts/page_weight.py not present, skipped")
        return
    print("\n3. Page weight")
    sys.path.insert(0, str(script.parent))
    import page_weight

    page_weight.main()


def calculator() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import calculator_bench

    calculator_bench.main()


# --- hostile input: the budget of issue #8 ----------------------------------------------------

BUDGET_SECONDS, BUDGET_MIB = paramcount.safety.BUDGET_SECONDS, paramcount.safety.BUDGET_MB
# The CLI run so that it reports its own peak memory (VmHWM) on a pipe as it exits: a child's
# ru_maxrss on Linux includes the RSS of the parent it was forked from, here this script.
_MEASURED_CLI = """
import atexit, os, runpy, sys
def report(fd=int(os.environ.pop("PARAMCOUNT_BENCH_FD"))):
    peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")]
    os.write(fd, peak[0].split()[1].encode())
atexit.register(report)
sys.argv[0] = "paramcount"
runpy.run_module("paramcount.cli", run_name="__main__")
"""


def run_measured(args: list[str], stdin: bytes | None, cwd: str) -> tuple[int, float, float, float]:
    """Exit status, wall seconds, CPU seconds and peak MiB of one ``paramcount`` process."""
    read, write = os.pipe()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PARAMCOUNT_BENCH_FD": str(write)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _MEASURED_CLI, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd,
                            env=env, pass_fds=(write,))
    os.close(write)
    if stdin is not None:
        try:
            proc.stdin.write(stdin)
        except BrokenPipeError:  # it stopped reading at the cap, as it should
            pass
    proc.stdin.close()
    peak_kib = os.read(read, 64)
    os.close(read)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    return (os.waitstatus_to_exitcode(status), seconds, usage.ru_utime + usage.ru_stime,
            int(peak_kib or 0) / 1024)


def hostile() -> None:
    """Each budget case of tests/engine/hostile_corpus.py as a fresh ``paramcount`` process: wall time,
    CPU time and peak memory against the budget (2 s, 300 MB on 2 cores). On a busy machine the
    wall time grows with the load; the CPU time is the steadier measure."""
    sys.path[:0] = [str(ROOT / "tests" / "engine"), str(ROOT / "tests")]
    from hostile_corpus import BUDGET, CONTRACT

    print("\n4. Hostile input: any input within the caps answered in "
          f"≤ {BUDGET_SECONDS:.0f} s and ≤ {BUDGET_MIB} MB (fresh process each)")
    print(f"   {'case':56}{'status':>7}{'wall':>9}{'CPU':>9}{'peak':>10}")
    worst = [0.0, 0.0, 0.0]
    for case in BUDGET + CONTRACT:
        with tempfile.TemporaryDirectory() as tmp:
            run = case.make(Path(tmp))
            status, seconds, cpu, mib = run_measured(run.args, run.stdin, str(run.cwd or tmp))
        worst = [max(worst[0], seconds), max(worst[1], cpu), max(worst[2], mib)]
        print(f"   {case.name[:55]:56}{status:>7}{seconds * 1000:>7.0f}ms{cpu * 1000:>7.0f}ms"
              f"{mib:>7.1f}MiB")
    met = worst[1] <= BUDGET_SECONDS and worst[2] <= BUDGET_MIB
    print(f"   worst: {worst[0]:.2f} s wall, {worst[1]:.2f} s CPU, {worst[2]:.0f} MiB — budget "
          f"{'met' if met else 'NOT met'} (CPU time and memory; load average now "
          f"{os.getloadavg()[0]:.1f})")
    calculator_entry(BUDGET + CONTRACT)
    reconcile_entry()


def calculator_entry(cases) -> None:
    """The calculator's entry point, ``paramcount.web.calculate``, on the same layer-code cases,
    in this process: the page's worker gives up after a time limit, and relies on it answering
    within the budget."""
    from paramcount import web

    web.calculate("LSTM(10)", "(None, 1)")  # formulas loaded first, as in the worker
    print(f"\n   paramcount.web.calculate on the layer-code cases{'':12}{'CPU':>9}{'peak':>10}")
    worst = [0.0, 0.0]
    for case in cases:
        with tempfile.TemporaryDirectory() as tmp:
            args = case.make(Path(tmp)).args
        if args[0] != "explain" or "(" not in args[1]:
            continue
        shape = args[args.index("--input-shape") + 1] if "--input-shape" in args else ""
        tracemalloc.start()
        start = time.process_time()
        answer = json.loads(web.calculate(args[1], shape))
        cpu = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        if answer.get("internal"):
            raise SystemExit(f"{case.name}: {answer['error']}")
        worst = [max(worst[0], cpu), max(worst[1], peak)]
        print(f"   {case.name[:55]:56}{'ok' if answer['ok'] else 'error':>7}{cpu * 1000:>7.0f}ms"
              f"{peak:>7.1f}MiB")
    print(f"   worst: {worst[0]:.2f} s CPU, {worst[1]:.1f} MiB allocated by Python")


def reconcile_entry() -> None:
    """The reconcile page's entry point, ``paramcount.web.reconcile_summary``, on the pasted
    tables of the hostile corpus (the largest within the caps, and past them), in this process:
    CPU time, then the peak of what Python allocated (a second run, traced)."""
    from hostile_corpus import SUMMARY_TABLES

    from paramcount import web

    print(f"\n   paramcount.web.reconcile_summary on pasted tables{'':17}{'CPU':>9}{'peak':>10}")
    worst = [0.0, 0.0]
    for name, (text, _) in SUMMARY_TABLES.items():
        start = time.process_time()
        answer = json.loads(web.reconcile_summary(text))
        cpu = time.process_time() - start
        tracemalloc.start()
        web.reconcile_summary(text)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        if answer.get("internal"):
            raise SystemExit(f"{name}: {answer['error']}")
        worst = [max(worst[0], cpu), max(worst[1], peak)]
        print(f"   {name[:55]:56}{'ok' if answer['ok'] else 'error':>7}{cpu * 1000:>7.0f}ms"
              f"{peak:>7.1f}MiB")
    met = worst[0] <= BUDGET_SECONDS and worst[1] <= BUDGET_MIB
    print(f"   worst: {worst[0]:.2f} s CPU, {worst[1]:.1f} MiB allocated by Python — budget "
          f"{'met' if met else 'NOT met'}")


def reconciler(per_class: int = 5) -> None:
    print(f"\n6. The reconciler on random models, {per_class} per class and framework")
    sys.path[:0] = [str(ROOT / "tests" / "reconcile"), str(ROOT / "tests")]
    import measure  # a test helper: it builds the models in Keras

    measure.main(per_class)


SECTIONS = {
    "keras": compare_with_keras,
    "startup": lambda: compare_with_keras(keras=False),
    "huge": huge,
    "hostile": hostile,
    "page-weight": page_weight,
    "calculator": calculator,
    "reconciler": reconciler,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this part (repeatable); 'keras' includes the start-up, "
                             "'startup' is it alone (it still builds the model with Keras)")
    chosen = parser.parse_args().only or [name for name in SECTIONS if name != "startup"]
    for name in chosen:
        SECTIONS[name]()


if __name__ == "__main__":
    main()
