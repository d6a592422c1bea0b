"""A reader's way in (issue 22), at a phone's 390 × 844 and a desktop's 1280 × 900: the tools on
the home page's first screen, the calculator's result leading to its derivation, the supported
layers filtered, wide code scrolling inside its box and showing it, and no page wider than the
screen. Every wait is for a condition on the page, never for a length of time.

Uses the fixtures of conftest.py (`browser`, `site_url`: the strictly built site on 127.0.0.1).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from site_browser import HANG_MS, watch

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
PYTHON_TIMEOUT_MS = 240_000  # Python's start in the page, on a loaded machine

TOOLS = {"calculator/": "Calculator", "reconcile/": "Paste a summary",
         "explain/": "Count a saved file"}


@pytest.fixture(params=list(SCREENS))
def screen(request, browser, site_url):
    """A page at one of the two sizes; nothing asked of another host, no error logged."""
    context = browser.new_context(viewport=SCREENS[request.param], base_url=site_url)
    log = watch(context, site_url)
    page = context.new_page()
    yield page
    assert log.elsewhere == [] and log.errors == []
    context.close()


def test_the_home_page_shows_the_three_tools_without_scrolling(screen):
    screen.goto("")
    height = screen.viewport_size["height"]
    for path, title in TOOLS.items():
        link = screen.locator(f'.pc-tools a[href$="{path}"]')
        assert title in link.inner_text()
        box = link.bounding_box()
        assert box is not None and link.is_visible()
        assert 0 <= box["y"] and box["y"] + box["height"] <= height, (path, box, height)
    assert screen.evaluate("window.scrollY") == 0


def test_the_tools_are_a_section_of_the_navigation(browser, site_url):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    context.set_default_timeout(HANG_MS)  # as watch() does: a bound that only a hang reaches
    page = context.new_page()
    page.goto("")
    section = page.locator(".md-nav--primary > .md-nav__list > .md-nav__item--section",
                           has=page.locator("label, a", has_text="Tools")).first
    for path, title in TOOLS.items():
        assert section.locator(f'a.md-nav__link[href$="{path}"]', has_text=title).count() == 1
    context.close()


def test_the_calculator_result_links_to_the_formula_section(screen):
    # The page's own example: its answer from the build shows before Python has started.
    screen.goto(f"calculator/?layer={quote('LSTM(10)')}&input_shape={quote('(None, 1)')}")
    door = screen.locator('.pc-results a[data-door="formula"]')
    door.wait_for()
    assert "LSTM" in door.inner_text()
    constants = screen.locator(".pc-constants li").all_inner_texts()
    assert any(c.startswith("4:") and "forget" in c and "output" in c for c in constants), constants
    door.click()
    screen.wait_for_url("**/formulas/lstm/#count")
    heading = screen.locator("h2#count")
    heading.wait_for()
    top = heading.bounding_box()["y"]
    assert 0 <= top < screen.viewport_size["height"]  # the section is on screen, not the page top


def test_an_unknown_class_points_to_the_supported_layers_and_to_a_saved_file(browser, site_url):
    context = browser.new_context(viewport=PHONE, base_url=site_url)
    context.set_default_timeout(HANG_MS)  # as watch() does: a bound that only a hang reaches
    page = context.new_page()
    page.goto("calculator/")
    page.wait_for_selector(".pc-calc[data-source=python], .pc-calc[data-state=failed]",
                           timeout=PYTHON_TIMEOUT_MS)
    assert page.locator(".pc-calc").get_attribute("data-state") != "failed"
    page.locator("[name=layer]").fill("MyLayer(3)")
    links = page.locator("[data-door-for=layer] a")
    links.first.wait_for()
    assert "MyLayer" in page.locator("[data-door-for=layer]").inner_text()
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == ["../supported-layers/", "../explain/#custom-layers"]
    links.nth(1).click()
    page.wait_for_url("**/explain/#custom-layers")
    page.locator("h2#custom-layers").wait_for()
    context.close()


VISIBLE_ROWS = """() => [...document.querySelectorAll('.pc-status-group')]
  .filter((group) => group.checkVisibility())
  .flatMap((group) => [...group.querySelectorAll('tbody tr, li')]
    .filter((row) => !row.hidden)
    .map((row) => [group.dataset.status, row.querySelector('code').textContent,
                   group.tagName === 'DETAILS' ? group.open : true]))"""


def filtered(page, text: str) -> list:
    page.locator("#pc-layer-filter").fill(text)
    page.wait_for_function("t => document.querySelector('.pc-layer-filter').dataset.filtered === t",
                           arg=text)
    return page.evaluate(VISIBLE_ROWS)


def test_the_supported_layers_filter_narrows_the_list(screen):
    screen.goto("supported-layers/")
    everything = filtered(screen, "")
    assert {status for status, _, _ in everything} == {"formula", "weightless", "stored weights only",
                                                         "refused"}
    # The weightless classes are folded until a filter matches them.
    assert {open_ for status, _, open_ in everything if status == "weightless"} == {False}
    lstm = filtered(screen, "lstm")
    assert lstm and len(lstm) < len(everything)
    assert all("lstm" in name.lower() for _, name, _ in lstm)
    weightless_group = screen.locator('details[data-status="weightless"]').first
    assert not weightless_group.is_visible()  # no weightless class has lstm in its name
    weightless = filtered(screen, "weightless")  # a status: the folded list opens
    assert weightless and all(status == "weightless" and open_ for status, _, open_ in weightless)
    assert filtered(screen, "NoSuchLayerAnywhere") == []
    assert "0 of" in screen.locator(".pc-layer-filter-count").inner_text()


def test_the_address_can_name_the_filter(screen):
    screen.goto("supported-layers/?filter=PReLU")
    screen.wait_for_function("() => document.querySelector('.pc-layer-filter').dataset.filtered === 'PReLU'")
    rows = screen.evaluate(VISIBLE_ROWS)
    assert rows and {name for _, name, _ in rows} == {"PReLU"}


SCROLLING_CODE = """() => [...document.querySelectorAll('pre > code')].map((code) => {
  const style = getComputedStyle(code);
  return {wide: code.scrollWidth > code.clientWidth + 1,
          right: code.getBoundingClientRect().right,
          shades: (style.backgroundImage.match(/linear-gradient/g) || []).length,
          attachment: style.backgroundAttachment};
})"""


def test_wide_code_scrolls_inside_its_box_and_shows_that_it_does(browser, site_url):
    context = browser.new_context(viewport=PHONE, base_url=site_url)
    context.set_default_timeout(HANG_MS)  # as watch() does: a bound that only a hang reaches
    page = context.new_page()
    page.goto("explain/")
    blocks = page.evaluate(SCROLLING_CODE)
    wide = [b for b in blocks if b["wide"]]
    assert wide, "no code block on the explain page is wider than a phone"
    for block in wide:
        assert block["right"] <= PHONE["width"]  # the box fits; its content scrolls
        # Two covers that move with the content, two shades fixed to the box's edges.
        assert block["shades"] == 4 and block["attachment"] == "local, local, scroll, scroll, scroll"
    index = next(i for i, b in enumerate(blocks) if b["wide"])
    code = page.locator("pre > code").nth(index)
    code.evaluate("c => { c.scrollLeft = 80; }")
    assert code.evaluate("c => c.scrollLeft") > 0 and page.evaluate("window.scrollX") == 0
    context.close()


PAGES = ["", "calculator/", "reconcile/", "explain/", "supported-layers/", "formulas/lstm/",
         "questions/multi-head-attention-key-dim/"]


def test_no_page_is_wider_than_the_screen(screen):
    wider = {}
    for path in PAGES:  # one after the other in the same tab: a tab per page costs more
        screen.goto(path, wait_until="load")
        wide = screen.evaluate("document.documentElement.scrollWidth")
        if wide > screen.viewport_size["width"]:
            wider[path or "home"] = wide
    assert wider == {}


CUT_TITLES = """() => [...document.querySelectorAll('.md-nav__link .md-ellipsis')]
  .filter((title) => title.checkVisibility() && title.scrollWidth > title.clientWidth + 1)
  .map((title) => title.textContent.trim())"""


def test_navigation_titles_wrap_instead_of_being_cut(screen):
    screen.goto("questions/multi-head-attention-key-dim/")
    if screen.viewport_size["width"] < 1220:  # on a phone the navigation is a drawer
        screen.locator("label.md-header__button[for=__drawer]").click()
        screen.wait_for_function("() => document.getElementById('__drawer').checked")
    assert screen.evaluate(CUT_TITLES) == []
