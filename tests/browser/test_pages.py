"""Every page of the built site in Chromium: math drawn natively with no raw TeX left, nothing asked
of another host, no console errors, no sideways scrolling on a phone, and (on a page of each kind)
a working dark mode.

Each page is loaded once (`audits`), in one tab, checked at desktop width, then narrowed to a
phone's width; the tests below each read one aspect of those visits, and name every page that
fails it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest
from site_browser import DESKTOP, PHONE, BrowserLog, one_of_each_kind, watch

ROOT = Path(__file__).resolve().parents[2]

# The text a reader sees, outside code: TeX delimiters or commands there mean math was not drawn.
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll("pre, code, script, style, math, textarea").forEach((e) => e.remove());
  return copy.textContent;
}"""
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\(?:cdot|frac|text|times|underbrace|left|right|sum)\b")

MATH = """() => [...document.querySelectorAll(".arithmatex")].map((wrapper) => {
  const math = wrapper.querySelector("math");
  if (!math) return {drawn: false, why: "no <math> in " + wrapper.textContent.slice(0, 40)};
  if (!wrapper.checkVisibility()) return {drawn: true};  // e.g. the collapsed mobile table of contents
  const box = math.getBoundingClientRect(), display = getComputedStyle(math).display;
  return {drawn: box.width > 0 && box.height > 0 && display.includes("math"),
          why: `display ${display}, ${box.width}x${box.height}`};
})"""

# Elements that stick out past the right edge of the viewport, to say *what* is too wide.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = document.documentElement.scrollWidth;
  if (wide <= width) return null;
  const culprits = [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && e.offsetParent !== null)
    .slice(-3).map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
  return `page is ${wide}px wide on a ${width}px screen; widest: ${culprits.join(", ")}`;
}"""

# Every <math> of the page and its size, taken when the document is parsed (DOMContentLoaded,
# before any script of the page has changed it), compared once the page has settled: a formula
# whose box changes after it was first laid out, or that is drawn only later, moves the text
# around it. The calculator and the reconciler draw their answers' formulas when they answer.
RECORD_MATH_AT_PARSE = """document.addEventListener("DOMContentLoaded", () => {
  window.__mathAtParse = new Map([...document.querySelectorAll("math")].map((math) => {
    const box = math.getBoundingClientRect();
    return [math, [box.width, box.height]];
  }));
}, {once: true});"""
# Settled: every font the page asked for is in (or failed), and two frames were laid out and drawn
# since, so MathML's layout with those fonts is the one on screen.
SETTLED = """async () => {
  await document.fonts.ready;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""
# A change of size below this is no change: boxes are fractional CSS pixels, and a difference
# under half a pixel moves nothing on a screen.
SAME_SIZE_PX = 0.5
MATH_CHANGES = """(samePx) => {
  const changes = [], name = (math) => JSON.stringify(math.textContent.slice(0, 40));
  for (const [math, [width, height]] of window.__mathAtParse) {
    const box = math.getBoundingClientRect();
    if (!math.isConnected) changes.push(`${name(math)} removed`);
    else if (Math.abs(box.width - width) >= samePx || Math.abs(box.height - height) >= samePx)
      changes.push(`${name(math)}: ${width.toFixed(1)}x${height.toFixed(1)} px, then `
                   + `${box.width.toFixed(1)}x${box.height.toFixed(1)} px`);
  }
  for (const math of document.querySelectorAll("math"))
    if (!window.__mathAtParse.has(math) && !math.closest(".pc-calc, .pc-reconcile"))
      changes.push(`${name(math)} drawn after the page was parsed`);
  return changes;
}"""

# Shifts of the page's text so far (Material's own footer may settle in on a short page); the
# browser keeps them (buffered), and hands them over at once (takeRecords).
LAYOUT_SHIFT = """() => {
  const inContent = (source) => source.node && source.node.closest && source.node.closest(".md-content");
  const observer = new PerformanceObserver(() => {});
  observer.observe({type: "layout-shift", buffered: true});
  return observer.takeRecords().filter((entry) => !entry.hadRecentInput && entry.sources.some(inContent))
    .reduce((total, entry) => total + entry.value, 0);
}"""
# web.dev's bound for a "good" cumulative layout shift, the score at which readers notice text
# jumping. A page drawn in parts while it is still parsed (a slow or busy machine) shifts by a
# little: up to 0.014 measured on a cold, loaded 2-core machine. Formulas moving are caught by
# test_math_causes_no_layout_shift, which measures their boxes, not a score.
NOTICEABLE_SHIFT = 0.1

SCHEME = """() => [document.body.getAttribute("data-md-color-scheme"),
                  getComputedStyle(document.body).backgroundColor]"""


def page_paths(site: Path) -> list[str]:
    """URL paths of every page in the built site (each index.html, and the 404 page)."""
    paths = [p.relative_to(site).as_posix().removesuffix("index.html") for p in site.rglob("index.html")]
    return sorted(paths) + ["404.html"]


def source_has_math(path: str) -> bool:
    """Whether the page's Markdown (outside code) writes math, so the page must show <math>."""
    stem = path.rstrip("/") or "index"
    for markdown in (ROOT / "docs" / f"{stem}.md", ROOT / "docs" / stem / "index.md"):
        if markdown.exists():
            text = re.sub(r"(```|~~~).*?\1|`[^`\n]*`", "", markdown.read_text(), flags=re.DOTALL)
            return bool(re.search(r"\\\(|\\\[|\$\$|(?<![\\$])\$[^$\s][^$\n]*\$", text))
    return False


@dataclass
class Audit:
    path: str
    log: BrowserLog
    raw_tex: list[str] = field(default_factory=list)
    math: list[dict] = field(default_factory=list)
    layout_shift: float = 0.0
    math_changes: list[str] = field(default_factory=list)
    phone_overflow: str | None = None
    schemes: list[list[str]] = field(default_factory=list)


def visit(page, site_url: str, path: str, dark_mode: bool) -> Audit:
    """One page: requests, errors, math and layout shift at desktop width (and the dark-mode
    toggle, on a page of each kind), then the same page narrowed to a phone's width."""
    log = page.context.browser_log
    log.requests.clear()
    log.errors.clear()
    audit = Audit(path, log)
    page.set_viewport_size(DESKTOP)
    page.goto(site_url + path, wait_until="load")
    audit.raw_tex = RAW_TEX.findall(page.evaluate(VISIBLE_TEXT))
    audit.math = page.evaluate(MATH)
    page.evaluate(SETTLED)
    audit.math_changes = page.evaluate(MATH_CHANGES, SAME_SIZE_PX)
    audit.layout_shift = page.evaluate(LAYOUT_SHIFT)
    audit.schemes.append(page.evaluate(SCHEME))
    if dark_mode:
        toggle_dark_and_back(page, audit)
    page.set_viewport_size(PHONE)  # Material's layout follows media queries, no reload needed
    audit.phone_overflow = page.evaluate(OVERFLOW)
    # What the page asks for once loaded (the search index, the calculator's Python) is logged
    # too; the checks above ran while it came.
    page.wait_for_load_state("networkidle")
    audit.log = BrowserLog(log.origin, list(log.requests), list(log.errors))
    return audit


def toggle_dark_and_back(page, audit: Audit) -> None:
    """Dark, then light again (the next page starts light), reading the scheme and colours after
    each click; a page without the toggle records nothing, which its test reports."""
    page.add_style_tag(content="* { transition: none !important }")  # read colours at once
    toggle = page.locator("form[data-md-component=palette] label:not([hidden])")
    for _ in range(2 if toggle.count() else 0):
        toggle.first.click()
        page.wait_for_function("s => document.body.getAttribute('data-md-color-scheme') !== s",
                               arg=audit.schemes[-1][0])
        audit.schemes.append(page.evaluate(SCHEME))


@pytest.fixture(scope="session")
def audits(browser, site_url: str, built_site: Path) -> list[Audit]:
    # One context and one tab for all pages: a new one per page costs more than the page.
    context = browser.new_context(viewport=DESKTOP)
    context.browser_log = watch(context, site_url)
    context.add_init_script(RECORD_MATH_AT_PARSE)
    paths = page_paths(built_site)
    # The toggle is the theme's, in the header of every page, and what it switches is the body's
    # scheme: tried on a page of each kind (the calculator's own colours: test_calculator.py).
    dark_mode = set(one_of_each_kind(paths))
    try:
        page = context.new_page()
        return [visit(page, site_url, path, path in dark_mode) for path in paths]
    finally:
        context.close()


def test_every_page_was_visited(audits, built_site: Path):
    assert len(audits) == len(page_paths(built_site)) > 1


def test_nothing_is_requested_from_another_host(audits):
    assert {a.path: a.log.elsewhere for a in audits if a.log.elsewhere} == {}


def test_no_console_errors(audits):
    assert {a.path: a.log.errors for a in audits if a.log.errors} == {}


def test_no_raw_tex_is_visible(audits):
    assert {a.path: a.raw_tex for a in audits if a.raw_tex} == {}


def test_math_is_drawn_as_mathml(audits):
    undrawn = {a.path: [m["why"] for m in a.math if not m["drawn"]] for a in audits}
    assert {path: why for path, why in undrawn.items() if why} == {}


def test_pages_that_write_math_show_math(audits):
    missing = [a.path for a in audits if source_has_math(a.path) and not a.math]
    assert not missing


def test_math_causes_no_layout_shift(audits):
    assert {a.path: a.math_changes for a in audits if a.math_changes} == {}


def test_no_page_shifts_its_text_noticeably(audits):
    assert {a.path: a.layout_shift for a in audits if a.layout_shift >= NOTICEABLE_SHIFT} == {}


def test_a_formula_that_changes_size_after_parsing_is_caught(browser, site_url: str):
    """The measure above can fail: the same page, with its formulas drawn larger once it has loaded
    (as a script drawing math, or a font arriving late, would)."""
    context = browser.new_context(viewport=DESKTOP)
    watch(context, site_url)
    context.add_init_script(RECORD_MATH_AT_PARSE)
    context.add_init_script("addEventListener('load', () => document.querySelectorAll('math')"
                            ".forEach((math) => { math.style.fontSize = '1.5em'; }));")
    page = context.new_page()
    page.goto(site_url + "formulas/lstm/", wait_until="load")
    page.evaluate(SETTLED)
    changes = page.evaluate(MATH_CHANGES, SAME_SIZE_PX)
    context.close()
    assert len(changes) > 3, changes


def test_no_page_is_wider_than_a_phone(audits):
    assert {a.path: a.phone_overflow for a in audits if a.phone_overflow} == {}


def test_dark_mode_toggle_switches_scheme_and_colours(audits, built_site: Path):
    tried = [a for a in audits if len(a.schemes) > 1]
    assert [a.path for a in tried] == one_of_each_kind(page_paths(built_site))
    broken = {}
    for a in tried:
        schemes = [scheme for scheme, _ in a.schemes]
        backgrounds = [background for _, background in a.schemes]
        if schemes != ["default", "slate", "default"] or len(set(backgrounds[:2])) != 2 \
                or backgrounds[0] != backgrounds[2]:
            broken[a.path] = a.schemes or "no dark-mode toggle"
    assert broken == {}


def test_heading_link_copies_the_section_url(browser, site_url: str, built_site: Path):
    context = browser.new_context(viewport=DESKTOP)
    log = watch(context, site_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    page = context.new_page()
    page.goto(site_url + "contributing/")
    link = page.locator("h2 a.headerlink").first
    anchor = link.get_attribute("href")
    link.click()
    page.wait_for_selector("a.headerlink[data-copied]")
    copied = page.evaluate("navigator.clipboard.readText()")
    context.close()
    # Instant navigation writes the permalink as the page's full address; without it, "#section".
    section = urljoin(f"{site_url}contributing/", anchor)
    assert urldefrag(section).url == f"{site_url}contributing/" and copied == section
    assert log.errors == []
