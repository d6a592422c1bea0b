"""How fast the calculator answers a shared link, and how much it downloads (part of `make bench`).

Builds the site, serves it on 127.0.0.1 and opens calculator links in headless Chromium:

- time to the link's own total: from navigation start to the moment `[data-result="total"]` is
  visible and holds that link's total (as paramcount computes it here), median over several
  cases; cold (a fresh browser context, empty cache) and warm (the same context, second visit).
  Cases the site links to (answered at build time) and cases it does not (answered by Python in
  the browser) are reported apart.
- typing: from the input event to the new total on screen, minus the page's debounce.
- bytes: what Chromium receives for a cold visit until Python has counted the case in the page,
  and for a page that only links to the calculator.

Printed next to the figures measured before the calculator moved into a Web Worker (BEFORE).
Timings depend on the machine and on how busy it is: a benchmark, never a test.

    .venv/bin/python scripts/calculator_bench.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from page_weight import CHROMIUM, CHROMIUM_ARGS, build, serve  # noqa: E402

import paramcount  # noqa: E402

# Cases the site links to with {{ calculator(...) }} (so the build can answer them) ...
SITE_CASES = [("LSTM(256)", "(28, 28)"), ("Bidirectional(LSTM(128))", "(28, 28)"),
              ("Conv2D(64, 3)", "(32, 32, 3)")]
# ... and cases it does not: only Python in the browser can answer these.
OTHER_CASES = [("GRU(100)", "(None, 7)"), ("Dense(300)", "(50,)"), ("Conv1D(16, 5)", "(100, 8)")]
TYPED = [("LSTM(300)", "(28, 28)"), ("GRU(7)", "(28, 28)"), ("Dense(33)", "(28, 28)"),
         ("SimpleRNN(5)", "(28, 28)"), ("LSTM(31)", "(28, 28)")]
LINKING_PAGE = "questions/lstm-48-vs-32/"
DEBOUNCE_MS = 150  # calculator.js waits this long after the last key before counting
TIMEOUT_MS = 120_000

# Measured by this script on the 2-core machine (load about 5: other work running) at commit
# 61b5297, before the Web Worker and the build-time answers: Python on the page's main thread.
BEFORE = {
    "site cold": 7.36, "site warm": 7.13, "other cold": 7.35, "other warm": 6.44,
    "typing": 33, "bytes cold": 14_330_000, "bytes linking page": 655_000,
}

# Python in the page has counted the case (data-source came with the worker; before it, "ready"
# meant Python's answer).
PYTHON_DONE = ".pc-calc[data-source=python], .pc-calc[data-state=ready]:not([data-source])"

# Runs before any page script: notes when the wanted total is first on screen.
WATCH = """wanted => {
  window.__pcSeen = null;
  window.__pcWanted = wanted;
  const check = () => {
    const total = document.querySelector('[data-result="total"]');
    if (window.__pcSeen !== null || !total || total.textContent !== window.__pcWanted) return;
    const style = getComputedStyle(total);
    if (style.visibility === 'visible' && style.display !== 'none' && total.getClientRects().length)
      window.__pcSeen = performance.now();
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true,
                                                 characterData: true, attributes: true});
}"""


def size_of(request) -> int:
    """Bytes received for a request (0 once its page is gone: the visit is measured by then)."""
    from playwright.sync_api import Error

    try:
        sizes = request.sizes()
    except Error:
        return 0
    return sizes["responseBodySize"] + sizes["responseHeadersSize"]


def total_of(layer: str, shape: str) -> str:
    return f"{paramcount.explain_layer(layer, shape).params:,}"


def link(layer: str, shape: str) -> str:
    from urllib.parse import quote

    return f"calculator/?layer={quote(layer, safe='')}&input_shape={quote(shape, safe='')}"


def time_to_total(page, layer: str, shape: str) -> float:
    """Seconds from navigation start until this case's total is on screen."""
    page.goto(link(layer, shape), wait_until="commit")
    page.wait_for_function("() => window.__pcSeen !== null", timeout=TIMEOUT_MS, polling=50)
    return page.evaluate("window.__pcSeen") / 1000


def open_case(context, layer: str, shape: str) -> tuple[object, float]:
    page = context.new_page()
    page.add_init_script(f"({WATCH})({total_of(layer, shape)!r})")
    return page, time_to_total(page, layer, shape)


def cold_and_warm(browser, url: str, cases) -> tuple[list[float], list[float], list[int]]:
    cold, warm, sizes = [], [], []
    for layer, shape in cases:
        context = browser.new_context(base_url=url)
        received = []
        context.on("requestfinished", lambda request, received=received: received.append(size_of(request)))
        page, seconds = open_case(context, layer, shape)
        cold.append(seconds)
        page.wait_for_selector(PYTHON_DONE, timeout=TIMEOUT_MS)
        sizes.append(sum(received))
        page.close()
        page, seconds = open_case(context, layer, shape)
        warm.append(seconds)
        context.close()
    return cold, warm, sizes


def typing(browser, url: str) -> list[float]:
    """Milliseconds from an edit to its total on screen, minus the debounce."""
    context = browser.new_context(base_url=url)
    page, _ = open_case(context, *SITE_CASES[0])
    latencies = []
    for layer, shape in TYPED:
        page.evaluate(f"() => {{ window.__pcSeen = null; window.__pcWanted = {total_of(layer, shape)!r}; }}")
        start = page.evaluate("""([layer, shape]) => {
            const field = name => document.querySelector(`.pc-calc [name=${name}]`);
            field('layer').value = layer; field('input_shape').value = shape;
            const start = performance.now();
            field('layer').dispatchEvent(new Event('input', {bubbles: true}));
            return start; }""", [layer, shape])
        page.wait_for_function("() => window.__pcSeen !== null", timeout=TIMEOUT_MS, polling=20)
        latencies.append(page.evaluate("window.__pcSeen") - start - DEBOUNCE_MS)
    context.close()
    return latencies


def linking_page_bytes(browser, url: str) -> tuple[int, list[str]]:
    """Bytes of a page that only links to the calculator, and the calculator files it loaded."""
    context = browser.new_context(base_url=url)
    sizes, runtime = [], []

    def count(request) -> None:
        sizes.append(size_of(request))
        if "/assets/pyodide/" in request.url or "/assets/calculator/" in request.url:
            runtime.append(request.url.removeprefix(url))

    context.on("requestfinished", count)
    page = context.new_page()
    page.goto(LINKING_PAGE, wait_until="networkidle")
    context.close()
    return sum(sizes), runtime


def main() -> None:
    from playwright.sync_api import sync_playwright

    print("\n4. The calculator: time to a shared link's own total, typing, bytes (headless Chromium)")
    with tempfile.TemporaryDirectory() as scratch:
        site = build(ROOT / "mkdocs.yml", Path(scratch) / "site")
        with serve(site) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                site_cold, site_warm, site_bytes = cold_and_warm(browser, url, SITE_CASES)
                other_cold, other_warm, other_bytes = cold_and_warm(browser, url, OTHER_CASES)
                typed = typing(browser, url)
                linking, runtime = linking_page_bytes(browser, url)
            finally:
                browser.close()
    now = {"site cold": statistics.median(site_cold), "site warm": statistics.median(site_warm),
           "other cold": statistics.median(other_cold), "other warm": statistics.median(other_warm),
           "typing": statistics.median(typed), "bytes cold": statistics.median(site_bytes + other_bytes),
           "bytes linking page": linking}
    rows = [("link the site makes, cold (goal 3 s)", "site cold", "s"),
            ("link the site makes, warm (goal 1.5 s)", "site warm", "s"),
            ("any other link, cold (goal 3 s)", "other cold", "s"),
            ("any other link, warm (goal 1.5 s)", "other warm", "s"),
            ("typing, after the debounce (goal 100 ms)", "typing", "ms"),
            ("bytes, cold visit to a link", "bytes cold", "B"),
            (f"bytes, a page that links to it ({LINKING_PAGE})", "bytes linking page", "B")]
    print(f"   median of {len(SITE_CASES)} cases each, {len(TYPED)} edits; "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"   {'':58}{'before':>12}{'now':>12}")
    for label, key, unit in rows:
        print(f"   {label:58}{_fmt(BEFORE[key], unit):>12}{_fmt(now[key], unit):>12}")
    print("   runtime files loaded by the linking page: " + (", ".join(runtime) or "none"))


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.0f} ms"
    return f"{value / 1e6:.2f} MB" if value >= 1e6 else f"{value / 1e3:.0f} kB"


if __name__ == "__main__":
    main()
