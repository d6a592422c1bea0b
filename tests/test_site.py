"""The built site: strict build, nothing from another host, links and published anchors that
resolve, math drawn at build time, and the versions it shows equal to the pinned and installed ones.

All checks read one strict build per session (the `built_site` fixture in conftest.py).
"""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path
from types import ModuleType, SimpleNamespace
from urllib.parse import unquote, urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load(path: Path) -> ModuleType:
    """A script or hook by file path (they are not importable packages)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


anchors = load(ROOT / "scripts" / "anchors.py")
versions_hook = load(ROOT / "hooks" / "versions.py")
mathml_hook = load(ROOT / "hooks" / "mathml.py")

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
                elif fragment and target.suffix == ".html":
                    ids = pages[target].ids if target in pages else Page(target.read_text()).ids
                    if fragment not in ids:
                        broken.append(f"{rel(path, built_site)}: {url!r} -> no id {fragment!r}")
    assert not broken


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


@pytest.mark.parametrize("tex", [
    r"4 \cdot u \cdot (m + u + 1)",
    r"\frac{a}{b}",
    r"\text{params} = 4 \times u",
    r"\text{recurrent\_kernel} = u \times 4u",
    r"\underbrace{4}_{\text{gates}} \cdot u",
    r"W_{\text{kernel}} \in \mathbb{R}^{m \times 4u}",
    r"h_t^{(1)}",
    r"\begin{aligned} a &= b \\ c &= d \end{aligned}",
])
def test_tex_becomes_mathml(tex):
    for display in (False, True):
        mathml = mathml_hook.tex_to_mathml(tex, display)
        assert mathml.startswith("<math") and "\\" not in mathml
        assert not re.search(r"<m[io]>(&|&amp;)</m[io]>", mathml)  # a stray column separator


def test_thousands_separator_stays_one_number():
    assert "<mn>1,234,567</mn>" in mathml_hook.tex_to_mathml(r"1{,}234{,}567", display=False)


def test_long_inline_math_can_wrap_after_top_level_relations_and_sums():
    mathml = mathml_hook.tex_to_mathml(r"4 \cdot u \cdot (m + u + 1) = 4 \cdot 2 \cdot 6 = 48", False)
    pieces = mathml.split("<wbr>")
    assert len(pieces) == 3 and all(p.startswith("<math") and p.endswith("</math>") for p in pieces)
    assert "(" in pieces[0] and ")" in pieces[0]  # no break inside the parentheses
    assert "<wbr>" not in mathml_hook.tex_to_mathml(r"a = b", display=True)


def test_tex_that_cannot_be_drawn_is_an_error_not_raw_text():
    with pytest.raises(mathml_hook.TexError):
        mathml_hook.tex_to_mathml(r"\notacommand{x}", display=True)


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
    return versions_hook.verified_versions(ROOT / "requirements" / "constraints.txt")


def test_pinned_versions_are_the_installed_ones():
    installed = {key: version(dist) for key, dist in versions_hook.PINNED.items()}
    assert pinned_versions() == installed


def test_every_page_shows_the_verified_versions(pages, built_site: Path):
    v = {key: version(dist) for key, dist in versions_hook.PINNED.items()}  # what really ran
    line = (f"Numbers verified with TensorFlow {v['tensorflow']}, Keras {v['keras']}, "
            f"tf-keras {v['tf_keras']}.")
    without = [rel(path, built_site) for path, page in pages.items()
               if line not in " ".join(page.text.split())]
    assert not without, f"pages without {line!r}"


def test_no_version_placeholder_is_left_in_prose(pages, built_site: Path):
    left = [rel(path, built_site) for path, page in pages.items() if "versions." in page.text]
    assert not left


def fake_page(src_uri="page.md", edit_url=None):
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), edit_url=edit_url)


def test_version_placeholders_are_replaced_and_unknown_ones_warned(caplog):
    config = SimpleNamespace(extra={"versions": pinned_versions()}, docs_dir="docs")
    text = "Keras {{ versions.keras }} with {{versions.tf_keras}}; {{ versions.torch }}"
    replaced = versions_hook.on_page_markdown(text, fake_page(), config, None)
    assert replaced.startswith(f"Keras {pinned_versions()['keras']} with {pinned_versions()['tf_keras']};")
    assert "{{ versions.torch }}" in replaced
    assert "versions.torch" in caplog.text


def test_a_page_that_includes_a_file_is_edited_at_that_file():
    config = SimpleNamespace(extra={"versions": {}}, docs_dir="/x/docs")
    page = fake_page("contributing.md", "https://github.com/o/r/edit/main/docs/contributing.md")
    versions_hook.on_page_markdown('--8<-- "CONTRIBUTING.md"\n', page, config, None)
    assert page.edit_url == "https://github.com/o/r/edit/main/CONTRIBUTING.md"
