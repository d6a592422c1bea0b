"""The reconcile page in Chromium: paste a summary, get every row explained by paramcount running
in the page, and a link that carries the table; opening the link (or reloading) shows the same.

Uses the fixtures of conftest.py (`browser`, `site_url`: the strictly built site on 127.0.0.1).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from site_browser import DESKTOP, watch

import paramcount

SUMMARIES = Path(__file__).parents[1] / "fixtures" / "summaries"
# Pyodide starts in about 6 s here; this bound only turns a hang into a failure, far above what a
# cold, loaded machine needs (as test_calculator.py's).
START_TIMEOUT_MS = 240_000

READ_ROWS = """app => [...app.querySelectorAll('.pc-reconciled tbody tr')].map(tr => ({
  explained: tr.dataset.explained === 'true',
  cells: [...tr.querySelectorAll('td')].map(td => td.textContent)}))"""


def wait_done(page) -> str:
    page.wait_for_selector(".pc-reconcile[data-state=ready], .pc-reconcile[data-state=invalid], "
                           ".pc-reconcile[data-state=failed]", timeout=START_TIMEOUT_MS)
    return page.locator(".pc-reconcile").get_attribute("data-state")


@pytest.fixture(scope="module")
def reconcile_page(browser, site_url: str):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    log = watch(context, site_url)
    page = context.new_page()
    page.goto("reconcile/")
    page.log = log
    yield page
    context.close()


@pytest.mark.parametrize("table", ["keras3_lstm_dense_50.txt", "tf_keras_functional_branches_65.txt"])
def test_paste_explain_link_reload(reconcile_page, table):
    page = reconcile_page
    text = (SUMMARIES / table).read_text(encoding="utf-8")
    want = paramcount.reconcile(text)
    page.fill("#pc-summary", text)
    page.click(".pc-reconcile button[type=submit]")
    assert wait_done(page) == "ready"
    rows = page.locator(".pc-reconcile").evaluate(READ_ROWS)
    assert [r["explained"] for r in rows] == [r.explained for r in want.rows]
    # The derivations on screen are paramcount's, row by row.
    for shown, row in zip(rows, want.rows):
        assert (row.derivation or "") in shown["cells"][-1]
    link = page.locator(".pc-reconcile-link").input_value()
    assert link == page.url and "#summary=" in link and "?" not in link  # never sent to a server
    # The link, opened afresh in another page, shows the same table and the same rows.
    other = page.context.new_page()
    other.goto(link)
    assert wait_done(other) == "ready"
    assert other.locator("#pc-summary").input_value() == text.replace("\r\n", "\n")
    assert other.locator(".pc-reconcile").evaluate(READ_ROWS) == rows
    other.reload()
    assert wait_done(other) == "ready"
    assert other.locator(".pc-reconcile").evaluate(READ_ROWS) == rows
    other.close()


def test_not_a_summary_gets_a_message_and_no_rows(reconcile_page):
    page = reconcile_page
    page.fill("#pc-summary", "hello, this is not a table")
    page.click(".pc-reconcile button[type=submit]")
    assert wait_done(page) == "invalid"
    assert page.locator(".pc-reconcile-message").text_content().startswith("not a model summary")
    assert page.locator(".pc-reconciled").count() == 0


def test_nothing_was_asked_of_another_host_and_nothing_logged_an_error(reconcile_page):
    assert any(url.endswith("paramcount.zip") for url in reconcile_page.log.requests)
    assert reconcile_page.log.elsewhere == []
    assert reconcile_page.log.errors == []


# --- On a phone, opened from a question page's link (issue 17) -------------------------------------

PHONE = {"width": 390, "height": 844}
SEED_PAGE = "questions/bidirectional-half-the-parameters/"  # its second link: the widest rows
SEED_TABLE = SUMMARIES / "seeds" / "002_bidirectional.txt"

LAYOUT = """() => {
  const box = document.querySelector('.pc-reconcile .pc-table-scroll');
  const edges = box.getBoundingClientRect();
  return {
    page: document.documentElement.scrollWidth,
    box: {left: edges.left, right: edges.right, scrollWidth: box.scrollWidth,
          clientWidth: box.clientWidth},
    why: [...box.querySelectorAll('td.pc-why')].map((cell) => ({
      width: cell.clientWidth, scrollWidth: cell.scrollWidth, text: cell.textContent,
      em: parseFloat(getComputedStyle(cell).fontSize)})),
  };
}"""


def test_on_a_phone_a_question_pages_link_opens_its_table_and_the_results_fit(browser, site_url):
    context = browser.new_context(viewport=PHONE, base_url=site_url)
    log = watch(context, site_url)
    page = context.new_page()
    page.goto(SEED_PAGE)
    link = page.locator('a[href*="reconcile/#summary="]').nth(1)
    link.click()  # a reader's tap: a full load or Material's instant navigation, both must work
    assert wait_done(page) == "ready"
    # The link carried the question's table, as it printed it.
    table = SEED_TABLE.read_text(encoding="utf-8")
    assert page.locator("#pc-summary").input_value() == table
    want = paramcount.reconcile(table)
    layout = page.evaluate(LAYOUT)
    # The page is no wider than the screen, and the results' box stays inside it.
    assert layout["page"] <= PHONE["width"]
    box = layout["box"]
    assert 0 <= box["left"] and box["right"] <= PHONE["width"], box
    # Why wraps at a readable measure: no narrower than 16 em (some 26 characters of its monospace
    # a line; squeezed to fit the screen it would get about 14), nothing cut off, and no wider
    # than the box, so once scrolled to it reads whole.
    assert len(layout["why"]) == len(want.rows)
    for cell, row in zip(layout["why"], want.rows):
        assert row.derivation in cell["text"]
        assert 16 * cell["em"] <= cell["width"] <= box["clientWidth"], cell
        assert cell["scrollWidth"] <= cell["width"] + 1, cell
    # The table is wider than a phone: it scrolls inside its box, the page does not move.
    assert box["scrollWidth"] > box["clientWidth"]
    scroller = page.locator(".pc-reconcile .pc-table-scroll")
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    assert scroller.evaluate("box => box.scrollLeft") > 0
    assert page.evaluate("window.scrollX") == 0
    why = page.locator("td.pc-why").last.bounding_box()
    assert 0 <= why["x"] and why["x"] + why["width"] <= PHONE["width"]  # scrolled into view whole
    context.close()
    assert log.elsewhere == [] and log.errors == []
