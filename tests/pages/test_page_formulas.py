"""The count formulas a page types in TeX are paramcount's, and its symbol table names its symbols.

A page lists the layers whose formulas it states, in its front matter:

    ---
    formulas:             # paramcount derives these; tests/formulas/test_formulas_* check them against Keras
      - LSTM(10) on (None, 1)
      - Bidirectional(LSTM(10)) on (None, 1)
      - LSTM(10, use_bias=False) on (None, 1) (count only)   # its weights are not the page's
    other_formulas:       # typed formulas paramcount has no layer for, each with its evidence
                          # (matched as written, so a changed term still fails)
      "4u(m + u + 2)": "CuDNNLSTM: the tf-keras block under it prints 520 = 4·10·13"
    ---

Then every formula on the page (math with a `+` or `-`) written only in those layers' symbols
(u, m, ...) must be one of their quantities: a layer's count (`4u(m + u + 1)`) or a sum of
neighbouring weights of one sublayer (`h\\,d_k\\,(f_k + 1)`); every weight shape (`(m, 4u)`)
must be a weight's shape. A lone product (`u^2`, `k_1 k_2`, `2u`) names a block of a weight and
is not checked. Compared as polynomials, at many random values, so `n(m + 1)` is `mn + n`.
Equations whose symbolic sides check each other (`mn + n = n(m + 1)`) are checked in
test_arithmetic instead.
The page's symbol table has a row for each of the layers' symbols, and the row's meaning holds
the key words of paramcount's ("units", "input features", "kernel height", ...).
"""


from __future__ import annotations

from pathlib import Path

import pytest

from pagecheck.docs import DOCS, rel
from pagecheck.equations import (
    with_formulas,
)
from pagecheck.formulas import (
    front_matter,
    quantities,
    symbol_rows,
    symbol_table_problems,
    unknown_formulas,
)
from paramcount_site import placeholders

FORMULA_PAGES = sorted((DOCS / "formulas").glob("*.md"))


PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", FORMULA_PAGES, ids=[rel(p) for p in FORMULA_PAGES])
def test_a_formula_page_declares_its_layers(page: Path) -> None:
    assert front_matter(page).get("formulas"), f"{rel(page)}: no `formulas:` in the front matter"


DECLARING = [p for p in PAGES if front_matter(p).get("formulas")]


@pytest.mark.parametrize("page", DECLARING, ids=[rel(p) for p in DECLARING])
def test_typed_formulas_are_paramcounts(page: Path) -> None:
    problems = unknown_formulas(page)
    assert not problems, "\n".join(problems)


WITH_SYMBOL_TABLE = [p for p in DECLARING if symbol_rows(p)]


@pytest.mark.parametrize("page", WITH_SYMBOL_TABLE, ids=[rel(p) for p in WITH_SYMBOL_TABLE])
def test_the_symbol_table_names_paramcounts_symbols(page: Path) -> None:
    problems = symbol_table_problems(page)
    assert not problems, "\n".join(problems)


LSTM_PAGE = """---
formulas:
  - LSTM(10) on (None, 1)
---
**Answer:** $4u(m + u + 1)$.

| symbol | meaning |
|---|---|
| $u$ | units |
| $m$ | input features: the last axis |

The kernel is $(m, 4u)$, and $$\\text{params} = 4u(m + u + 1)$$
"""


def write(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    quantities.cache_clear()
    return page


def test_a_true_page_passes(tmp_path: Path) -> None:
    assert unknown_formulas(write(tmp_path, LSTM_PAGE)) == []


@pytest.mark.parametrize(
    "old, new",
    [("4u(m + u + 1)$.", "4u(m + u + 2)$."), ("(m, 4u)", "(m, 3u)"),
     ("= 4u(m + u + 1)$$", "= 4u(m + 2u + 1)$$"), ("4u(m + u + 1)$.", "4u(m - u + 1)$."),
     ("(m, 4u)", "(4u, m)"), ("(m, 4u)", "(u, 4u)")],
)
def test_a_changed_term_fails_naming_page_and_line(tmp_path: Path, old: str, new: str) -> None:
    page = write(tmp_path, LSTM_PAGE.replace(old, new, 1))
    problems = unknown_formulas(page)
    assert len(problems) == 1 and problems[0].startswith(f"{page}:"), problems


def test_a_drifted_symbol_table_fails(tmp_path: Path) -> None:
    page = write(tmp_path, LSTM_PAGE.replace("| $u$ | units |", "| $n$ | units |"))
    with pytest.raises(AssertionError, match=r"no row for \$u\$"):
        test_the_symbol_table_names_paramcounts_symbols(page)


def test_the_formula_placeholder_writes_paramcounts_formula_in_page_notation() -> None:
    page = placeholders.Page("formulas/lstm.md")
    text = 'Answer: ${{ formula("LSTM(10)", "(None, 1)") }}$, or `{{ formula("x", "y") }}`.'
    assert placeholders.expand(text, page) == 'Answer: $4u(m + u + 1)$, or `{{ formula("x", "y") }}`.'
    assert with_formulas('${{ formula("GRU(3)", "(None, 4)") }}$') == "$3u(m + u + 2)$"


def test_llms_txt_quotes_an_answer_written_with_the_formula_placeholder() -> None:
    from paramcount_site.llms import summary

    assert summary("formulas/lstm.md")[1].startswith("$4u(m + u + 1)$, and $4u(m + u)$ with")
