"""Fixtures for driving the built site in headless Chromium (Playwright, sync API).

- `site_url`: the strictly built site (`built_site`) served by http.server on 127.0.0.1, e.g.
  "http://127.0.0.1:40123/"; nothing else is reachable from the browser. `zensical_url`: the
  same site built by Zensical (`zensical_site`).
- `browser`: Chromium, once per session. Without Chromium the tests skip, and under CI=true fail.
- `page`: a fresh context and page per test; `browser_log` records what that page asked for and
  which errors it logged (ask for both fixtures to use it).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from site_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, BrowserLog, watch


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def _chromium_or_skip() -> None:
    """Skip when Chromium is truly absent; in CI a missing browser is a failure, not a pass."""
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "playwright is not installed"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        problem = f"no Chromium at {CHROMIUM} (set CHROMIUM=/path/to/chromium)"
    if problem:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{problem}: CI must run the browser tests", pytrace=False)
        pytest.skip(problem)


SITE_URL = "https://keras-parameter-counts.github.io/"  # mkdocs.yml's site_url


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the built site as its host would, with one difference that makes it the same:
    sitemap.xml names the pages at this server's address instead of the public one.

    Instant navigation (Material's and Zensical's) only takes over links to pages the sitemap
    lists, and it matches the sitemap to the page's own host but not its port; on the public site
    they are one origin, as `mkdocs serve` makes them by rewriting site_url."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/sitemap.xml":
            return super().do_GET()
        host, port = self.server.server_address[:2]
        sitemap = Path(self.directory, "sitemap.xml").read_text(encoding="utf-8")
        body = sitemap.replace(SITE_URL, f"http://{host}:{port}/").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a closed page drops its downloads
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """A built site served by http.server on 127.0.0.1; yields its root URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def zensical_url(zensical_site: Path) -> Iterator[str]:
    """The same site built by Zensical, served the same way."""
    with serve(zensical_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context(browser, site_url: str):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    context.browser_log = watch(context, site_url)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


@pytest.fixture
def browser_log(browser_context, page) -> BrowserLog:
    return browser_context.browser_log
