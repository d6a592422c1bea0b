"""One site, two builders: `zensical build` makes the site `mkdocs build --strict` makes.

Compared page by page: the same pages, every published anchor (tests/anchors.txt), the same
number of `<math>` elements and diagrams, no placeholder or raw TeX in what a reader sees, the
calculator and the footer's versions. Both builds run once per session (conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_site import RAW_TEX, Page, anchors, html_files, lychee, pinned_versions, rel, verified_line

from paramcount_site import generate


@pytest.fixture(scope="session")
def both(built_site: Path, zensical_site: Path) -> dict[str, tuple[str, str]]:
    """Page path -> (MkDocs HTML, Zensical HTML), for pages both builds have."""
    mkdocs = {rel(p, built_site): p for p in html_files(built_site)}
    zensical = {rel(p, zensical_site): p for p in html_files(zensical_site)}
    return {path: (mkdocs[path].read_text(encoding="utf-8"), zensical[path].read_text(encoding="utf-8"))
            for path in sorted(mkdocs.keys() & zensical.keys())}


@pytest.fixture(scope="session")
def parsed(both) -> dict[str, tuple[Page, Page]]:
    """The same pages parsed, once for all the tests below (a page takes HTMLParser a tenth of a
    second)."""
    return {path: (Page(a), Page(b)) for path, (a, b) in both.items()}


def test_the_zensical_build_has_no_warnings(zensical_build):
    assert zensical_build.returncode == 0, zensical_build.log[-3000:]
    assert not re.search(r"(?m)^\s*(WARNING|ERROR)\b", zensical_build.log), zensical_build.log[-3000:]


def test_the_same_pages(built_site: Path, zensical_site: Path):
    mkdocs = {rel(p, built_site) for p in html_files(built_site)}
    zensical = {rel(p, zensical_site) for p in html_files(zensical_site)}
    assert mkdocs == zensical and len(mkdocs) > 30


def test_every_published_anchor_exists_in_the_zensical_build(zensical_site: Path):
    assert anchors.broken(anchors.read_registry(), zensical_site) == []


def test_the_link_checker_finds_no_broken_link_or_fragment_in_the_zensical_build(zensical_site: Path):
    checked = lychee(zensical_site)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_same_math_and_diagrams_on_every_page(both):
    def counts(html: str) -> tuple[int, int, int]:
        return html.count("<math"), html.count('class="pc-diagram-box"'), html.count("<mtable")

    differ = {path: (counts(a), counts(b)) for path, (a, b) in both.items() if counts(a) != counts(b)}
    assert not differ, "page: ((math, diagrams, tables) from MkDocs, from Zensical)"
    assert sum(counts(a)[0] for a, _ in both.values()) > 100  # the comparison has math to compare



def test_the_same_links_into_the_reconcile_page(both):
    """A link that opens the reconcile page on a table ({{ reconcile_link(...) }}, raw HTML whose
    address each builder resolves its own way) comes out the same from both."""
    link = re.compile(r'<a href="([^"]*#summary=[^"]*)"')
    differ = [path for path, (a, b) in both.items() if link.findall(a) != link.findall(b)]
    assert not differ
    assert sum(len(link.findall(a)) for a, _ in both.values()) >= 6  # the seed pages' links

@pytest.mark.parametrize("builder", [0, 1], ids=["mkdocs", "zensical"])
def test_no_placeholder_or_raw_tex_in_what_a_reader_sees(parsed, builder):
    problems = []
    for path, pages in parsed.items():
        text = pages[builder].text
        problems += [f"{path}: {found[0]!r}" for found in (re.search(r"\{\{|\}\}", text),
                                                             RAW_TEX.search(text)) if found]
    assert not problems


def test_the_calculator_and_its_bundle(built_site: Path, zensical_site: Path, both):
    mkdocs, zensical = both["calculator/index.html"]
    form = re.compile(r'<div class="pc-calc".*?</form>', re.S)
    assert form.search(zensical) and form.search(zensical)[0] == form.search(mkdocs)[0]
    assert 'src="../assets/calculator/calculator.js"' in zensical
    bundle = generate.BUNDLE.relative_to(generate.DOCS)
    assert (zensical_site / bundle).read_bytes() == (built_site / bundle).read_bytes() == generate.bundle()


def test_every_zensical_page_shows_the_verified_versions(parsed):
    line = verified_line(pinned_versions())
    without = [path for path, (_, page) in parsed.items() if line not in " ".join(page.text.split())]
    assert not without


def test_the_same_headings_and_ids(parsed):
    differ = [path for path, (a, b) in parsed.items()
              if a.heading_has_permalink.keys() != b.heading_has_permalink.keys()]
    assert not differ


@pytest.mark.parametrize("builder", [0, 1], ids=["mkdocs", "zensical"])
def test_a_missing_address_gets_a_page_that_says_so_and_links_home(parsed, builder):
    page = parsed["404.html"][builder]
    assert "Page not found" in page.text
    links = {attributes.get("href") for tag, attributes in page.elements if tag == "a"}
    assert {"/", "/calculator/"} <= links
    # Served at any depth, so what it loads must not be relative to where it is.
    relative = [url for tag, attributes in page.elements for name, url in attributes.items()
                if name in {"src", "href"} and tag in {"link", "script", "img"}
                and not url.startswith(("/", "http", "data:", "#"))]
    assert not relative


def test_llms_txt_lists_every_page_of_the_nav_at_its_address(built_site: Path, zensical_site: Path):
    from paramcount_site.llms import llms_txt

    text = llms_txt()
    assert (built_site / "llms.txt").read_text() == (zensical_site / "llms.txt").read_text() == text
    assert text.startswith("# Keras Parameter Counts\n\n> ")
    site_url = "https://keras-parameter-counts.github.io/"
    urls = re.findall(r"^- \[[^\]]+\]\((\S+)\)", text, re.M)
    pages = {rel(p, built_site).removesuffix("index.html") for p in html_files(built_site)
             if p.name == "index.html"}
    listed = {url.removeprefix(site_url) for url in urls}
    assert all(url.startswith(site_url) for url in urls) and len(urls) == len(listed)
    assert listed == pages  # every page the site has, each once
    assert "{{" not in text


def test_the_same_edit_link_on_every_page(parsed):
    def edit_links(page: Page) -> set[str]:
        return {a.get("href") for tag, a in page.elements if tag == "a" and a.get("rel") == "edit"}

    differ = {path: (edit_links(a), edit_links(b)) for path, (a, b) in parsed.items()
              if edit_links(a) != edit_links(b)}
    assert not differ
    assert edit_links(parsed["contributing/index.html"][1]) == {
        "https://github.com/keras-parameter-counts/keras-parameter-counts/edit/main/CONTRIBUTING.md"}


RAW_RELATIVE_URL = re.compile(
    r"""<(?:a|link|script|img|source|iframe)\b[^>]*\b(?:src|href)=["'](?![a-z]+:|/|#)""")


def test_no_page_writes_a_relative_address_in_raw_html():
    # MkDocs keeps such an address as written (relative to the built page); Zensical resolves it from
    # the Markdown file: one of the two builds breaks. Markdown links, or {{ assets(...) }}, work in both.
    from paramcount_site import DOCS

    found = [f"{page.relative_to(DOCS)}: {match[0]}" for page in sorted(DOCS.rglob("*.md"))
             for match in RAW_RELATIVE_URL.finditer(re.sub(r"(`{3,}|~{3,}).*?\1|`[^`\n]*`", "",
                                                           page.read_text(), flags=re.S))]
    assert not found
    assert RAW_RELATIVE_URL.search('<script type="module" src="../assets/x.js">')  # the check bites
    assert not RAW_RELATIVE_URL.search('<a href="https://x.org/">x</a> <a href="#here">here</a>')
