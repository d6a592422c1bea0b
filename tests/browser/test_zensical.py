"""A smoke test of the Zensical build in Chromium: on a page of each kind, math drawn with nothing
fetched from elsewhere and no console error. (test_instant.py and test_math.py run the calculator
and aligned math under both builders.)

The MkDocs build gets the full browser tests, every page (test_pages.py, test_calculator.py), and
tests/site/test_builders.py compares the two builds' HTML page by page (the same math, diagrams,
headings and links), so what Zensical adds of its own, its theme's scripts and styles, is tried
here once per kind of page."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_browser import DESKTOP, one_of_each_kind, watch
from test_pages import MATH, RAW_TEX, VISIBLE_TEXT, page_paths


@pytest.fixture(scope="module")
def context(browser, zensical_url: str):
    context = browser.new_context(viewport=DESKTOP, base_url=zensical_url)
    context.browser_log = watch(context, zensical_url)
    yield context
    context.close()


def test_each_kind_of_page_draws_its_math_and_asks_nothing_of_another_host(context, zensical_site: Path):
    log, problems, drawn = context.browser_log, {}, 0
    page = context.new_page()
    for path in one_of_each_kind(page_paths(zensical_site)):
        log.requests.clear()
        log.errors.clear()
        page.goto(path, wait_until="load")  # the calculator page keeps loading Python
        math = page.evaluate(MATH)
        drawn += sum(m["drawn"] for m in math)
        found = ([m["why"] for m in math if not m["drawn"]] + RAW_TEX.findall(page.evaluate(VISIBLE_TEXT))
                 + log.elsewhere + log.errors)
        if found:
            problems[path] = found
    page.close()
    assert not problems
    assert drawn > 20
