"""The versions the site's numbers are verified with, read from their one pin.

`requirements/constraints.txt` is the only place they are written down. This hook puts them in the
footer of every page (`config.extra.versions`, see overrides/partials/copyright.html) and replaces
`{{ versions.tensorflow }}`, `{{ versions.keras }}` and `{{ versions.tf_keras }}` in page Markdown.
It also points the "edit this page" link of a page that only includes another file at that file.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.versions")

# Placeholder name -> the distribution pinned in constraints.txt (names normalised as pip does).
PINNED = {"tensorflow": "tensorflow-cpu", "keras": "keras", "tf_keras": "tf-keras"}
PLACEHOLDER = re.compile(r"\{\{\s*versions\.(\w+)\s*\}\}")
INCLUDE_ONLY = re.compile(r'\A\s*--8<--\s+"([^"]+)"\s*\Z')


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(constraints: Path) -> dict[str, str]:
    """`name==version` lines of a constraints file, keyed by normalised name."""
    pins = {}
    for line in constraints.read_text().splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)", line)
        if match:
            pins[normalise(match[1])] = match[2]
    return pins


def verified_versions(constraints: Path) -> dict[str, str]:
    pins = read_pins(constraints)
    missing = [dist for dist in PINNED.values() if dist not in pins]
    if missing:
        raise ValueError(f"{constraints} pins no version of {', '.join(missing)}")
    return {key: pins[dist] for key, dist in PINNED.items()}


def on_config(config):
    constraints = Path(config.config_file_path).parent / "requirements" / "constraints.txt"
    config.extra["versions"] = verified_versions(constraints)
    return config


def on_page_markdown(markdown, page, config, files):
    versions = config.extra["versions"]

    def replace(match: re.Match) -> str:
        if match[1] not in versions:
            log.warning(
                "%s: unknown placeholder %s (known: %s)",
                page.file.src_uri, match[0], ", ".join(f"versions.{k}" for k in versions),
            )
            return match[0]
        return versions[match[1]]

    include = INCLUDE_ONLY.match(markdown)
    if include and page.edit_url and page.edit_url.endswith(page.file.src_uri):
        # The text lives in the included file (a path from the repository root): edit that one.
        docs_base = page.edit_url[: -len(page.file.src_uri)]
        repo_base = docs_base.removesuffix(Path(config.docs_dir).name + "/")
        page.edit_url = repo_base + include[1]
    return PLACEHOLDER.sub(replace, markdown)
