"""The registry of published section links, `tests/anchors.txt`, and the built site it must match.

Each registry line is a URL relative to the site root, `questions/lstm-48-vs-32/#the-short-answer`
(the home page's sections are `./#anchor`). tests/site/test_site.py checks every line against a build;
this script appends the headings of a build that are not listed yet:

    .venv/bin/python scripts/anchors.py --add-new              # every heading of every page
    .venv/bin/python scripts/anchors.py --add-new questions/   # only pages under questions/
    .venv/bin/python scripts/anchors.py --list                 # what the site has, not listed or not
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "tests" / "anchors.txt"
HEADINGS = {"h2", "h3", "h4", "h5", "h6"}  # the h1 is the page itself


class _Ids(HTMLParser):
    """Every element id of a page, and which of them are headings', in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.heading_ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element_id = dict(attrs).get("id")
        if element_id:
            self.ids.add(element_id)
            if tag in HEADINGS:
                self.heading_ids.append(element_id)


def page_url(site: Path, html_file: Path) -> str:
    """`questions/x/index.html` -> `questions/x/`; the home page -> `./`."""
    url = html_file.relative_to(site).as_posix().removesuffix("index.html")
    return url or "./"


def published_pages(site: Path) -> dict[str, _Ids]:
    """Each page of a built site (every index.html; not 404.html) with its ids."""
    pages = {}
    for html_file in sorted(site.rglob("index.html")):
        parser = _Ids()
        parser.feed(html_file.read_text(encoding="utf-8"))
        pages[page_url(site, html_file)] = parser
    return pages


def read_registry(path: Path | None = None) -> list[str]:
    """The registry's entries, without blank lines and `#`-comments."""
    path = path or REGISTRY
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.startswith("# ")]


def split_entry(entry: str) -> tuple[str, str | None]:
    """`questions/x/#y` -> (`questions/x/`, `y`); `./#y` and `/#y` -> (`./`, `y`)."""
    page, _, anchor = entry.partition("#")
    page = page.lstrip("/").removeprefix("./") or "./"
    return page, anchor or None


def broken(entries: list[str], site: Path) -> list[str]:
    """The entries whose page or element id the built site no longer has, each with the reason."""
    pages = published_pages(site)
    problems = []
    for entry in entries:
        page, anchor = split_entry(entry)
        if page not in pages:
            problems.append(f"{entry}: page {page} is gone")
        elif anchor and anchor not in pages[page].ids:
            problems.append(f"{entry}: no element with id {anchor!r} on {page}")
    return problems


def site_headings(site: Path, prefixes: list[str] | None = None) -> list[str]:
    """`page/#id` for every h2..h6 heading of the site, optionally only pages under `prefixes`."""
    return [
        f"{page}#{heading}"
        for page, ids in published_pages(site).items()
        if not prefixes or any(page.startswith(prefix) for prefix in prefixes)
        for heading in ids.heading_ids
    ]


def build_site(into: Path) -> Path:
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(into)]
    subprocess.run(command, cwd=ROOT, check=True)
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--add-new", nargs="*", metavar="PAGE_PREFIX",
                        help="append the headings the registry lacks (optionally only these pages)")
    action.add_argument("--list", action="store_true", help="print every heading of the site")
    action.add_argument("--check", action="store_true", help="report registry entries that broke")
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        site = args.site or build_site(Path(scratch) / "site")
        if args.list:
            print("\n".join(site_headings(site)))
            return 0
        if args.check:
            problems = broken(read_registry(), site)
            print("\n".join(problems) or f"all {len(read_registry())} anchors resolve")
            return 1 if problems else 0
        known = {split_entry(entry) for entry in read_registry()}
        new = [entry for entry in site_headings(site, args.add_new) if split_entry(entry) not in known]
        if new:
            text = REGISTRY.read_text(encoding="utf-8") if REGISTRY.exists() else ""
            separator = "\n" if text and not text.endswith("\n") else ""
            REGISTRY.write_text(text + separator + "".join(f"{entry}\n" for entry in new))
        print(f"added {len(new)} anchors to {REGISTRY.relative_to(ROOT)}")
        for entry in new:
            print(f"  {entry}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
