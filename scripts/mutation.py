"""Mutation check over every page: `make mutation`. Prints the score and each mutant no check caught.

Each page's blocks run once against real Keras (as under test_docs); then every mutant (see
tests/mutants.py) is checked against the changed text without running anything again.
Exit status 1 if any mutant survived that the prose audit's limit does not explain.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import mutants  # noqa: E402
from docs_support import page_outputs  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, help="check this many mutants only (across kinds)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    for page in mutants.PAGES:
        page_outputs(page)
    print(f"ran every page's blocks once in {time.perf_counter() - start:.0f} s")
    found = mutants.all_mutants()
    if args.sample:
        found = mutants.sample(found, args.sample, args.seed)
    result = mutants.score(found)
    for survivor in result.printed_elsewhere:
        print(f"survived (the page prints the new number too): {survivor}")
    for survivor in result.survivors:
        print(f"survived: {survivor}")
    print(result)
    return 1 if result.survivors else 0


if __name__ == "__main__":
    sys.exit(main())
