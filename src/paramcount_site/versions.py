"""The versions the site's numbers are verified with, read from their one pin:
requirements/constraints.txt."""

from __future__ import annotations

import re
from pathlib import Path

from . import ROOT

CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
# What pages and the footer call a version -> the distribution pinned in constraints.txt.
PINNED = {"tensorflow": "tensorflow-cpu", "keras": "keras", "tf_keras": "tf-keras",
          "keras_hub": "keras-hub", "torch": "torch"}


def normalise(name: str) -> str:
    """A distribution name as pip compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(constraints: Path = CONSTRAINTS) -> dict[str, str]:
    """`name==version` lines of a constraints file, keyed by normalised name."""
    pins = {}
    for line in constraints.read_text().splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)", line)
        if match:
            pins[normalise(match[1])] = match[2]
    return pins


def verified_versions(constraints: Path = CONSTRAINTS) -> dict[str, str]:
    """{"tensorflow": "2.21.0", "keras": ..., "tf_keras": ...}; ValueError if one is not pinned."""
    pins = read_pins(constraints)
    missing = [dist for dist in PINNED.values() if dist not in pins]
    if missing:
        raise ValueError(f"{constraints} pins no version of {', '.join(missing)}")
    return {key: pins[dist] for key, dist in PINNED.items()}
