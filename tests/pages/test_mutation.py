"""The page checks bite: a sample of one-change mutants of the pages, each caught by some check.

`make mutation` checks every mutant (tests/pagecheck/mutants.py says which and how); here a sample drawn
evenly across the kinds, different for each PARAMCOUNT_MUTATION_SEED, reuses what test_docs
already ran, so it costs seconds. The score is printed at the end of the run.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from pagecheck import mutants

SAMPLE = 160


@pytest.mark.keras
def test_a_sample_of_mutants_is_caught() -> None:
    seed = int(os.environ.get("PARAMCOUNT_MUTATION_SEED", "0"))
    chosen = mutants.sample(mutants.all_mutants(), SAMPLE, seed)
    result = mutants.score(chosen)
    mutants.LAST_SCORE = f"{result} (sample of {len(chosen)}, seed {seed}; all: make mutation)"
    assert result.total >= SAMPLE * 3 // 4, "too few mutants: do the pages still hold numbers?"
    assert not result.survivors, "not caught:\n" + "\n".join(map(str, result.survivors))


def test_a_mutant_changes_one_thing(tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A page\n\nThe answer is $4 \\cdot 2 \\cdot 6 = 48$.\n")
    found = list(mutants.number_mutants(page, page.read_text()))
    assert [(m.line, m.old, m.new) for m in found] == [(3, "4", "5"), (3, "2", "3"), (3, "6", "7"),
                                                       (3, "48", "49")]
    assert found[-1].apply(page.read_text()).endswith("= 49$.\n")
    assert mutants.last_digit_up("1{,}769") == "1{,}768"


@pytest.mark.keras
def test_every_mutant_of_a_small_page_is_caught_and_no_unchanged_one_is(tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n```py\nprint(4 * 2 * 6)\n#> 48\n```\n\n"
                    "It has $4 \\cdot 2 \\cdot 6 = 48$ weights: 48.\n")
    found = mutants.mutants_of(page)
    assert {m.kind for m in found} == {"number", "output", "operator"}
    assert mutants.score(found).caught == len(found)
    unchanged = [dataclasses.replace(m, new=m.old) for m in found]
    assert [mutants.caught_by(m) for m in unchanged] == [None] * len(found)
