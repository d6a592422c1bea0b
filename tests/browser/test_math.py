"""TeX's `aligned` drawn by Chromium as a real table, under both builders: the LSTM gate equations
are four rows, one under the other, with their `=` signs in one column."""

from __future__ import annotations

import pytest
from site_browser import DESKTOP
from test_pages import SETTLED

ROWS = """() => {
  const table = document.querySelector("div.arithmatex math mtable");
  return [...table.querySelectorAll(":scope > mtr")].map((row) => {
    const box = row.getBoundingClientRect();
    const equals = [...row.querySelectorAll("mo")].find((mo) => mo.textContent.trim() === "=");
    return {top: box.top, bottom: box.bottom, height: box.height,
            equals: equals ? equals.getBoundingClientRect().left : null};
  });
}"""


@pytest.mark.parametrize("builder", ["mkdocs", "zensical"])
def test_aligned_rows_are_drawn_one_under_the_other_with_their_equals_signs_lined_up(
        request, browser, builder):
    url = request.getfixturevalue("site_url" if builder == "mkdocs" else "zensical_url")
    page = browser.new_page(viewport=DESKTOP)
    page.goto(url + "formulas/lstm/")
    page.evaluate(SETTLED)  # measured with the fonts it is drawn in
    rows = page.evaluate(ROWS)
    page.close()
    assert len(rows) == 4 and all(row["height"] > 5 for row in rows)
    assert all(below["top"] >= above["bottom"] - 1 for above, below in zip(rows, rows[1:]))
    lefts = [row["equals"] for row in rows]
    assert None not in lefts and max(lefts) - min(lefts) < 1.5
