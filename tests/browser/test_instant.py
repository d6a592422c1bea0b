"""Instant navigation (Material's and Zensical's `navigation.instant`): pages are swapped in
without a full reload, and the calculator still starts when it arrives that way, under both
builders. A full load is told apart from an instant one by a marker left on `window`."""

from __future__ import annotations

import pytest
from site_browser import DESKTOP, watch
from test_calculator import expected, wait_for_case, wait_until_started

QUESTION = "questions/lstm-48-vs-32/"
LINKED_CASE = ("LSTM(2)", "(None, 3)")  # the page's first {{ calculator(...) }} link
# Both themes read sitemap.xml with DOMParser and take over links in the same task; this marks the
# page a task later, when instant navigation is ready for a click.
MARK_SITEMAP_READ = """
const parseFromString = DOMParser.prototype.parseFromString;
DOMParser.prototype.parseFromString = function (text, type) {
  const parsed = parseFromString.call(this, text, type);
  if (text.includes("<urlset")) setTimeout(() => { window.__sitemapRead = true; });
  return parsed;
};
"""


@pytest.fixture(params=["mkdocs", "zensical"])
def site(request, browser):
    url = request.getfixturevalue("site_url" if request.param == "mkdocs" else "zensical_url")
    context = browser.new_context(viewport=DESKTOP, base_url=url)
    context.browser_log = watch(context, url)
    context.add_init_script(MARK_SITEMAP_READ)
    page = context.new_page()
    yield page
    context.close()


def instant_click(page, selector: str) -> None:
    """Click a link and check the page was swapped in, not loaded anew."""
    # Instant navigation takes over links only once it has read the sitemap, which a busy
    # machine may still be fetching after the load event.
    page.wait_for_function("window.__sitemapRead === true")
    page.evaluate("window.__sameDocument = true")
    before = [page.url, page.title()]
    page.locator(f"{selector} >> visible=true").first.click()  # not one in a folded nav group
    # The address changes first; the page is in once its title is (they are swapped together).
    page.wait_for_function("([url, title]) => location.href !== url && document.title !== title",
                           arg=before)
    assert page.evaluate("window.__sameDocument === true"), "the click loaded a whole new page"


def test_the_calculator_starts_when_a_link_brings_it_in_instantly(site):
    site.goto(QUESTION)
    instant_click(site, 'article a[href*="calculator/?layer="]')
    assert "calculator/" in site.url
    wait_until_started(site)
    shown = wait_for_case(site, *LINKED_CASE)
    assert shown["state"] == "ready"
    assert {k: shown[k] for k in ("totals", "weights")} == expected(*LINKED_CASE)


def test_the_calculator_starts_again_after_leaving_and_coming_back(site):
    site.goto("calculator/")
    wait_until_started(site)
    instant_click(site, 'a[href$="questions/"]')  # the questions' index, then one of them
    instant_click(site, f'article a[href$="{QUESTION.removeprefix("questions/")}"]')
    assert site.locator(".pc-calc").count() == 0
    instant_click(site, 'article a[href*="calculator/?layer="]')
    shown = wait_for_case(site, *LINKED_CASE)
    assert shown["state"] == "ready" and shown["totals"] == expected(*LINKED_CASE)["totals"]
    assert site.context.browser_log.errors == []
