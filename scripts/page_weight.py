"""What a page with math costs the reader, next to the same text on a plain mkdocs-material site.

Builds this site, and a plain Material site from the same Markdown (same nav, no extra
CSS/JS, no Markdown extensions, system fonts), serves each on 127.0.0.1 and loads the page in
Chromium, adding up the bytes of every response (HTML, CSS, JS, fonts, images), uncompressed, as a
local server sends them. The search index that both load afterwards is data, shown but not counted.
The goal is at most 1.3 times the plain page.

    .venv/bin/python scripts/page_weight.py                       # formulas/lstm.md
    .venv/bin/python scripts/page_weight.py --page questions/lstm-48-vs-32.md --check
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections import Counter
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.3
NOT_THE_PAGE = {"xhr", "fetch"}  # the search index, fetched by the search worker
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def build(config_file: Path, site_dir: Path) -> Path:
    """Build without strict mode: a missing page elsewhere must not stop a measurement."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    logging.getLogger("mkdocs").setLevel(logging.ERROR)  # the report is the output
    mkdocs_build(load_config(str(config_file), site_dir=str(site_dir), strict=False))
    return site_dir


def plain_project(into: Path) -> Path:
    """A plain Material project with this site's Markdown and nav, and nothing else."""
    from mkdocs.config import load_config

    ours = load_config(str(ROOT / "mkdocs.yml"))
    plain = {"site_name": ours["site_name"], "theme": {"name": "material", "font": False},
             "nav": ours["nav"]}
    shutil.copytree(ROOT / "docs", into / "docs", ignore=shutil.ignore_patterns("assets"))
    config_file = into / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(plain, sort_keys=False))
    return config_file


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a closed page drops its downloads
            super().handle_error(request, client_address)


@contextmanager
def serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def weigh(browser, site_dir: Path, path: str) -> Counter:
    """Bytes per resource type that Chromium receives loading `path` from a fresh cache."""
    weights: Counter = Counter()
    with serve(site_dir) as url:
        context = browser.new_context()
        context.route(f"!{url}**", lambda route: route.abort())  # nothing from elsewhere

        def count(request) -> None:
            sizes = request.sizes()
            weights[request.resource_type] += sizes["responseBodySize"] + sizes["responseHeadersSize"]

        context.on("requestfinished", count)
        page = context.new_page()
        response = page.goto(url + path, wait_until="networkidle")
        if response is None or not response.ok:
            raise SystemExit(f"{url + path} did not load")
        context.close()
    return weights


def measure(page: str = "formulas/lstm.md") -> tuple[Counter, Counter]:
    """(this site, plain Material) bytes by resource type for one page of docs/."""
    from playwright.sync_api import sync_playwright

    if not (ROOT / "docs" / page).exists():
        raise SystemExit(f"docs/{page} does not exist")
    stem = page.removesuffix(".md")
    path = stem.removesuffix("index") if stem.endswith("index") else stem + "/"
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        ours = build(ROOT / "mkdocs.yml", scratch / "ours")
        plain = build(plain_project(scratch / "plain"), scratch / "plain" / "site")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return weigh(browser, ours, path), weigh(browser, plain, path)
            finally:
                browser.close()


def page_bytes(weights: Counter) -> int:
    return sum(size for kind, size in weights.items() if kind not in NOT_THE_PAGE)


def report(page: str, ours: Counter, plain: Counter) -> str:
    kinds = sorted(set(ours) | set(plain), key=lambda kind: -max(ours[kind], plain[kind]))
    ratio = page_bytes(ours) / page_bytes(plain)
    lines = [f"Page weight of docs/{page} (bytes Chromium receives, uncompressed)",
             f"  {'':<12}{'this site':>12}{'plain Material':>16}"]
    lines += [f"  {kind:<12}{ours[kind]:>12,}{plain[kind]:>16,}"
              + ("   (search index, not counted)" if kind in NOT_THE_PAGE else "") for kind in kinds]
    lines += [f"  {'page total':<12}{page_bytes(ours):>12,}{page_bytes(plain):>16,}",
              f"  ratio {ratio:.2f}x (goal <= {GOAL}x)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--page", default="formulas/lstm.md", help="a page under docs/")
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {GOAL}x")
    args = parser.parse_args(argv)
    ours, plain = measure(args.page)
    print(report(args.page, ours, plain))
    over = page_bytes(ours) > GOAL * page_bytes(plain)
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
