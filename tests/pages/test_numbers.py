"""Every number a page quotes in its prose is bound to what its own blocks ran or printed.

Prose is everything outside fenced code: paragraphs, headings, tables, math, admonitions, tab titles
and inline code. Each number in it needs one witness, chosen by where it stands (tests/pagecheck/bindings.py
has the rules): inline code that ran, the title a link points to, an equation or formula another
check evaluates, a phrase declared in the front matter, or, in plain text, a block of its own
section that printed it. Notation and facts no block can print are declared as phrases, with why:

    ---
    constants:
      "hence the 4": "an LSTM has four gate blocks"   # the words around the number, verbatim
      "h_{t-1}": "the output of the previous step"
    ---

Not prose numbers: list markers (`1. `), heading numbering, link targets and URLs, HTML tags and
entities, attribute lists (`{#anchor}`), footnote labels, `{{ versions.* }}` placeholders (the
versions are filled in at build time), and the names of Keras generations ("Keras 2").
"""


from __future__ import annotations

from pathlib import Path

import pytest

from pagecheck.bindings import numbers_in_code
from pagecheck.docs import DOCS, rel
from pagecheck.prose import (
    audit,
    prose_numbers,
)

PRINTS_1234 = """\
```py
print(617 * 2)
#> 1234
```
"""


SILENT = "is quoted but no block of its section printed it"


PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.keras
@pytest.mark.parametrize("page", PAGES, ids=[rel(p) for p in PAGES])
def test_prose_numbers_were_printed(page: Path) -> None:
    problems = audit(page)
    assert not problems, "\n".join(problems)


def write_page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return page


@pytest.mark.keras
def test_a_number_nobody_printed_is_named_with_page_and_line(tmp_path: Path) -> None:
    page = write_page(tmp_path, f"# A page\n\n{PRINTS_1234}\nThe answer is 1,235.\n")
    assert audit(page) == [f"{page}:8: 1,235 {SILENT}"]


@pytest.mark.keras
@pytest.mark.parametrize(
    "written",
    ["1234", "1,234", "1 234", "1\u202f234", "$1{,}234$", r"$1\,234$", "**1,234**", "`1234`"],
)
def test_printed_numbers_may_be_quoted_in_any_grouping(tmp_path: Path, written: str) -> None:
    page = write_page(tmp_path, f"{PRINTS_1234}\n| total |\n|---|\n| {written} |\n")
    assert audit(page) == []


@pytest.mark.keras
def test_inputs_in_executed_source_are_known_but_outputs_in_skipped_blocks_are_not(
    tmp_path: Path,
) -> None:
    skipped = '```py {test="skip" reason="shown only"}\nprint(99)\n#> 99\n```\n'
    page = write_page(tmp_path, f"{PRINTS_1234}\n{skipped}\n617 doubled; not 99.\n")
    assert audit(page) == [f"{page}:11: 99 {SILENT}"]


@pytest.mark.keras
def test_a_number_is_bound_to_its_own_section_or_the_next_that_runs_a_block(tmp_path: Path) -> None:
    text = f"# Title: 1,234\n\nOpening: 1,234.\n\n## Run\n\n{PRINTS_1234}\n## Later\n\nStill 1,234.\n"
    page = write_page(tmp_path, text)
    assert audit(page) == [f"{page}:14: 1,234 {SILENT}"]


@pytest.mark.keras
def test_inline_code_must_be_code_that_ran(tmp_path: Path) -> None:
    page = write_page(tmp_path, f"{PRINTS_1234}\n`print(617 * 2)` ran; `print(617 * 3)` did not.\n")
    assert audit(page) == [
        f"{page}:6: 617 is in `print(617 * 3)`, which no block of this page ran or printed",
        f"{page}:6: 3 is in `print(617 * 3)`, which no block of this page ran or printed",
    ]


@pytest.mark.keras
def test_a_links_text_quotes_the_title_it_links_to(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Why 48, not 32? {#why}\n\n## Part 7 {#seven}\n")
    text = "See [48 or 32](other.md), [part 7](other.md#seven) and [49](other.md).\n"
    page = write_page(tmp_path, text)
    assert audit(page) == [
        f"{page}:1: 49 is in a link's text, but the title it links to does not say it"]


@pytest.mark.keras
def test_math_with_symbols_is_checked_or_declared_never_bound_by_value(tmp_path: Path) -> None:
    page = write_page(tmp_path, f"{PRINTS_1234}\nEach unit: $1234u$ and $h_{{t-1}}$.\n")
    assert [m.split(": ", 1)[1][:12] for m in audit(page)] == ["1234 is a te", "1 is a term "]
    declared = '---\nconstants:\n  "h_{t-1}": "the previous step"\n  "1234u": "a test"\n---\n'
    assert audit(write_page(tmp_path, declared + page.read_text())) == []


def test_comments_in_code_are_not_known_numbers() -> None:
    assert numbers_in_code("units = 10  # 480 parameters\n#> 480\nprint('12')\n") == {"10", "12"}


@pytest.mark.keras
def test_numbers_a_block_prints_side_by_side_are_two_numbers(tmp_path: Path) -> None:
    page = write_page(tmp_path, '```py\nprint(0, 288)\n#> 0 288\n```\n\n0 and 288; not 0288.\n')
    assert audit(page) == [f"{page}:6: 0288 {SILENT}"]


@pytest.mark.keras
def test_constants_are_phrases_that_are_used_and_pin_their_numbers(tmp_path: Path) -> None:
    declared = '---\nconstants:\n  "four gates": "LSTM"\n  "7 days": "never used"\n---\n'
    text = f"{declared}{PRINTS_1234}\nThe four gates make 1,234; five gates would not.\n"
    page = write_page(tmp_path, text)
    assert audit(page) == [
        f"{page}: constant '7 days' (never used) is declared but never written"]
    declared = '---\nconstants:\n  "hence the 4": "gates"\n---\n'
    page = write_page(tmp_path, f"{declared}{PRINTS_1234}\nhence the 4, and hence the 5.\n")
    assert audit(page) == [
        f"{page}:10: 5 {SILENT}",
        f"{page}:10: 'hence the 5' is the declared constant 'hence the 4' with another number"]


def test_what_is_not_prose() -> None:
    text = """\
# 1. Title {#sec-2}

1. first, see [page](../a3/page-9.md#h-4) and <https://x.org/5>
=== "Keras 3"
    Keras 2 and {{ versions.keras }} <span data-n="6">text</span>&#8239;ok[^7]
```py
print(8)
```
$h_{t-1}$ and 10
"""
    quoted = prose_numbers(text.splitlines(), 1, Path("page.md"))
    assert [(where, value) for where, _, value in quoted] == [("page.md:9", "1"), ("page.md:9", "10")]


@pytest.mark.keras
def test_constants_must_be_phrases(tmp_path: Path) -> None:
    page = write_page(tmp_path, '---\nconstants:\n  "4": "gates"\n---\n\n$4 u$ gates.\n')
    assert audit(page) == [
        f'{page}: constants [\'4\'] must be a phrase in quotes, with the words around the number '
        '("hence the 4": ...)']
