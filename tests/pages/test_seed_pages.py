"""The question pages that answer seeds 001-004 reconcile the question's own tables, as the
question printed them, and link to the reconcile page with each table in the link (issue 17).

The tables are the fixtures in tests/fixtures/summaries/seeds/, the seeds' text line for line
(tests/reconcile/test_table.py checks the copies). A page's links are read from its Markdown as
the build expands it (paramcount_site.placeholders) and decoded here as reconcile.js decodes
them; tests/browser/test_reconcile_page.py opens one in the browser. That the page's block prints
what paramcount says of each table is test_docs' check.
"""

from __future__ import annotations

import base64
import re
import zlib
from pathlib import Path

import pytest

import paramcount
from paramcount_site import placeholders

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SEEDS = ROOT / "tests" / "fixtures" / "summaries" / "seeds"
# Where the seed questions themselves are: shared/ beside the repository (CI's copy, or /work's).
SHARED_SEEDS = next((p for p in (ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds"))
                     if p.is_dir()), None)

# seed: (the page that answers it, the public question's title as the page names it, its tables
# in the order the page reconciles them)
PAGES = {
    "001": ("questions/lstm-480-not-120.md",
            "Understanding the number of trainable LSTM parameters",
            ["001_lstm_timedistributed.txt"]),
    "002": ("questions/bidirectional-half-the-parameters.md",
            "Why does bidirectional LSTM have half the parameter count compared to LSTM in keras?",
            ["002_unidirectional.txt", "002_bidirectional.txt"]),
    "003": ("questions/lstm-several-input-features.md",
            "Multi dimensional input for LSTM in Keras",
            ["003_one_feature.txt", "003_two_features.txt"]),
    "004": ("questions/lstm-weights-by-gate.md",
            "Number of Parameters in Keras LSTM",
            ["004_lstm_dense.txt"]),
}

LINK = re.compile(r'<a href="([^"#]*)#summary=([\w-]+)">')
PLACEHOLDER = re.compile(r'\{\{\s*reconcile_link\("(\w+)"')


def decoded(fragment: str) -> str:
    """The table reconcile.js opens: base64url without padding, of the raw-deflated UTF-8 text."""
    deflated = base64.urlsafe_b64decode(fragment + "=" * (-len(fragment) % 4))
    return zlib.decompress(deflated, wbits=-zlib.MAX_WBITS).decode("utf-8")


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("seed", sorted(PAGES))
def test_the_page_answers_its_seed(seed):
    page, title, _ = PAGES[seed]
    markdown = (DOCS / page).read_text(encoding="utf-8")
    assert "## The public question" in markdown
    section = markdown.split("## The public question", 1)[1]
    assert one_line(title) in one_line(section)
    if SHARED_SEEDS is not None:  # the seed is that question
        source = next(SHARED_SEEDS.glob(f"{seed}_*.txt")).read_text(encoding="utf-8")
        assert one_line(title) in one_line(source)


@pytest.mark.parametrize("seed", sorted(PAGES))
def test_each_table_of_the_seed_is_linked_to_the_reconciler_as_the_question_printed_it(seed):
    page, _, tables = PAGES[seed]
    markdown = (DOCS / page).read_text(encoding="utf-8")
    expanded = placeholders.expand(markdown, placeholders.Page(page))
    links = LINK.findall(expanded)
    assert [decoded(fragment) for _, fragment in links] == [
        (SEEDS / name).read_text(encoding="utf-8") for name in tables]
    assert {href for href, _ in links} == {"../../reconcile/"}  # the built page's neighbour


@pytest.mark.parametrize("seed", sorted(PAGES))
def test_the_page_reconciles_each_linked_table_and_every_row_is_explained(seed):
    page, _, tables = PAGES[seed]
    markdown = (DOCS / page).read_text(encoding="utf-8")
    variables = PLACEHOLDER.findall(markdown)
    assert len(variables) == len(tables)
    for variable in variables:  # the block that assigns the table reconciles it (test_docs runs it)
        assert f"paramcount.reconcile({variable})" in markdown
    for name in tables:  # what the page's prose says of them
        assert all(row.explained for row in paramcount.reconcile(
            (SEEDS / name).read_text(encoding="utf-8")).rows), name
