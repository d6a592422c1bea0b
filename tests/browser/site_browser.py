"""Driving Chromium for the site's browser tests: where it is, how it starts, and a log of what a
page asked for and which errors it reported. Used by conftest.py and by the tests themselves."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
# Every wait is for something on the page; its bound (Playwright's default is 30 s) only turns a
# hang into a failure, so it is far above what a cold, loaded 2-core machine needs for a page load
# with Python starting in it.
HANG_MS = 240_000
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def one_of_each_kind(paths: list[str]) -> list[str]:
    """A page of each kind, from a sorted list of URL paths: every top-level page (each has a
    layout or scripts of its own) and the first page of each folder below (a formula page, a
    question page: the rest of the folder is built from the same template)."""
    chosen, folders = [], set()
    for path in paths:
        folder = path.rstrip("/").rpartition("/")[0]
        if not folder or folder not in folders:
            chosen.append(path)
            folders.add(folder)
    return chosen


@dataclass
class BrowserLog:
    """What a page did besides showing itself: every request, and every error it reported."""

    origin: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def elsewhere(self) -> list[str]:
        """Requests to any host but the local server (data: and blob: URLs are in the page)."""
        return [url for url in self.requests
                if not url.startswith((self.origin, "data:", "blob:", "about:"))]


def watch(context, origin: str) -> BrowserLog:
    """Record a context's requests and errors; block other hosts so an offline test cannot hang;
    bound the context's waits by HANG_MS."""
    context.set_default_timeout(HANG_MS)
    log = BrowserLog(origin)
    context.on("request", lambda request: log.requests.append(request.url))
    context.route(re.compile("^(?!" + re.escape(origin) + ")"), lambda route: route.abort())

    def on_page(page) -> None:
        page.on("console", lambda message: message.type == "error" and log.errors.append(
            f"console: {message.text} ({message.location.get('url', '')})"))
        page.on("pageerror", lambda error: log.errors.append(f"uncaught: {error}"))

    context.on("page", on_page)
    return log
