"""The calculator's files the build makes, and the checks a page holding the calculator makes
that they are in place: paramcount's sources as a zip for Pyodide, and the answers for every
case the pages link to. `python -m paramcount_site.generate` writes them (with the rest)."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path

from paramcount import web

from . import DOCS, ROOT
from .syntax import calculator_cases

CALCULATOR_CSS = "assets/calculator/calculator.css"
CALCULATOR_JS = "assets/calculator/calculator.js"
CALCULATOR_RUNTIME = "assets/calculator/runtime.js"  # what calculator.js imports
BUNDLE = DOCS / "assets" / "calculator" / "paramcount.zip"
ANSWERS = DOCS / "assets" / "calculator" / "answers"


def bundle() -> bytes:
    """paramcount's sources as a zip to unpack into Pyodide.

    Fixed timestamps and a sorted order: the same sources always give the same bytes.
    """
    source = ROOT / "src"
    members = {path.relative_to(source).as_posix(): path
               for path in (source / "paramcount").rglob("*.py")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name].read_bytes())
    return buffer.getvalue()


def answer_key(layer: str, input_shape: str) -> str:
    """32-bit FNV-1a of the case's UTF-8 bytes, in hex: the name of its answer file, which
    calculator.js computes the same way from what the fields hold."""
    key = 0x811C9DC5
    for byte in f"{layer}\n{input_shape}".encode():
        key = ((key ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{key:08x}"


def answers() -> dict[Path, bytes]:
    """The calculator's build-time answers, by file: the results of each case the pages link to
    (paramcount.web, the code the browser runs), to show while Python starts in the browser."""
    cases = {case for page in sorted(DOCS.rglob("*.md"))
             for case in calculator_cases(page.read_text(encoding="utf-8"))}
    files: dict[Path, bytes] = {}
    for layer, input_shape in sorted(cases):
        answer = web.result(layer, input_shape)
        if not answer["ok"]:
            continue  # the page's placeholder stops the build with the reason
        path = ANSWERS / f"{answer_key(layer, input_shape)}.json"
        if path in files:
            raise ValueError(f"calculator answers {layer} and {json.loads(files[path])['layer']} "
                             f"share the file {path.name}: change one of the cases")
        files[path] = json.dumps({"ok": True, "layer": layer, "input_shape": input_shape,
                                  "total": answer["total"],
                                  "results_html": web.results_html(answer)}).encode()
    return files


def write_answers() -> tuple[list[str], bool]:
    """The keys of the answers (the calculator asks for no other), and whether any file changed."""
    wanted = answers()
    changed = [write_if_changed(path, content) for path, content in wanted.items()]
    for old in set(ANSWERS.glob("*.json")) - set(wanted):
        old.unlink()  # a case no page links to any more
        changed.append(True)
    return sorted(path.stem for path in wanted), any(changed)


def check_answers() -> list[str]:
    """The keys of the calculator's answers; stops the build if they were missing or stale (the
    builder has already listed the files it copies), after rewriting them, as check_bundle does."""
    keys, changed = write_answers()
    if changed:
        raise ValueError(f"{ANSWERS.relative_to(ROOT)} was missing or stale and has been rewritten: "
                         "build again (`make build` runs `python -m paramcount_site.generate` first)")
    return keys


def write_if_changed(path: Path, content: bytes) -> bool:
    if path.exists() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return True


def check_bundle() -> None:
    """Stop the build if the calculator's bundle is missing or older than src/paramcount.

    A stale one is rewritten first, so the next build (or `mkdocs serve`'s next reload) is right.
    """
    if write_if_changed(BUNDLE, bundle()):
        raise ValueError(f"{BUNDLE.relative_to(ROOT)} was missing or stale and has been rewritten: "
                         "build again (`make build` runs `python -m paramcount_site.generate` first)")


def pyodide_problem() -> str | None:
    """Why the calculator could not start (Pyodide not vendored), or None."""
    path = ROOT / "scripts" / "vendor_pyodide.py"
    spec = importlib.util.spec_from_file_location("vendor_pyodide", path)
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    if vendor.TARGET != DOCS / "assets" / "pyodide" or not vendor.is_current():
        return (f"the calculator needs Pyodide {vendor.VERSION} in docs/assets/pyodide/: "
                "run `make setup` (or python scripts/vendor_pyodide.py)")
    return None
