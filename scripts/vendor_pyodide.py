"""Put the Pyodide runtime the calculator needs into docs/assets/pyodide/ (git-ignored).

The calculator runs paramcount itself in the browser on Pyodide, so the page needs Python compiled
to WebAssembly, served from the site's own host. This fetches the npm package with npm (the
registry's ordinary client), checks the tarball against the sha512 pinned below, and extracts only
the files the page loads. Run it again after changing the pin; it does nothing when the files are
already there.

    python scripts/vendor_pyodide.py [--check]
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

VERSION = "314.0.7"
# `npm view pyodide@314.0.7 dist.integrity`
INTEGRITY = ("sha512-0YvXxEhfEdpLfb/XkM2BFAeMROq0iMUX2bzzH9pOttyMcWkwq+HbE5uyuGD82LN7y2q+"
             "SNvi/6V5JEsOlD2R1A==")
# What loadPyodide() fetches to start Python with its standard library, and nothing more.
FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "npm"
TARGET = ROOT / "docs" / "assets" / "pyodide"
STAMP = TARGET / "VERSION"  # the version and integrity the files came from


def integrity_of(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def fetch_tarball() -> Path:
    tarball = CACHE / f"pyodide-{VERSION}.tgz"
    if not tarball.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", f"pyodide@{VERSION}", "--pack-destination", str(CACHE),
                        "--silent"], check=True, stdout=subprocess.DEVNULL)
    found = integrity_of(tarball)
    if found != INTEGRITY:
        tarball.unlink()  # never keep, or extract, a tarball that is not the pinned one
        sys.exit(f"pyodide-{VERSION}.tgz: integrity {found} does not match the pinned {INTEGRITY}")
    return tarball


def extract(tarball: Path) -> None:
    partial = TARGET.with_name(TARGET.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for name in FILES:
            member = archive.getmember(f"package/{name}")
            source = archive.extractfile(member)
            if source is None:
                sys.exit(f"{tarball.name}: package/{name} is not a regular file")
            (partial / name).write_bytes(source.read())
    (partial / STAMP.name).write_text(f"{VERSION} {INTEGRITY}\n")
    shutil.rmtree(TARGET, ignore_errors=True)
    partial.rename(TARGET)  # all files or none: a half-extracted runtime never looks complete


def is_current() -> bool:
    return (STAMP.exists() and STAMP.read_text().split() == [VERSION, INTEGRITY]
            and all((TARGET / name).is_file() for name in FILES))


def main(argv: list[str]) -> int:
    if is_current():
        return 0
    if "--check" in argv:
        print(f"{os.path.relpath(TARGET, ROOT)} is missing or not Pyodide {VERSION}: "
              "run `make setup` (or python scripts/vendor_pyodide.py)", file=sys.stderr)
        return 1
    extract(fetch_tarball())
    lock = json.loads((TARGET / "pyodide-lock.json").read_text())
    print(f"Pyodide {VERSION} (Python {lock['info']['python']}) in {os.path.relpath(TARGET, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
