"""Mutation check over every page: `make mutation`. Prints the score and each mutant no check caught.

Each page's blocks run once against real Keras (as under test_docs); then every mutant (see
tests/pagecheck/mutants.py) is checked against the changed text without running anything again.
Exit status 1 if any mutant survived. `--page docs/x.md` checks one page's mutants only.
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

from pagecheck import mutants  # noqa: E402
from pagecheck.docs import page_outputs  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, help="check this many mutants only (across kinds)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--page", action="append", type=Path, help="only this page (repeatable)")
    args = parser.parse_args()

    pages = [p.resolve() for p in args.page] if args.page else mutants.PAGES
    start = time.perf_counter()
    for page in pages:
        page_outputs(page)
    print(f"ran the pages' blocks once in {time.perf_counter() - start:.0f} s")
    found = ([m for page in pages for m in mutants.mutants_of(page)] if args.page
             else mutants.all_mutants())
    if args.sample:
        found = mutants.sample(found, args.sample, args.seed)
    result = mutants.score(found)
    for survivor in result.survivors:
        print(f"survived: {survivor}")
    print(result)
    return 1 if result.survivors else 0


if __name__ == "__main__":
    sys.exit(main())
