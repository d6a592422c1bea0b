"""Numbers quoted in a page's prose, each bound to its witness (the rules are in :mod:`.bindings`)."""

from __future__ import annotations

from pathlib import Path

from .bindings import NOT_PROSE, NUMBER, masked, normalise, numbers_in, unbound
from .docs import prose_lines

__all__ = ["NOT_PROSE", "NUMBER", "audit", "normalise", "numbers_in"]


def prose_numbers(lines: list[str], first_line: int, where: Path) -> list[tuple[str, str, str]]:
    """(file:line, number as written, normalised) for every number quoted outside code fences."""
    found = []
    for place, line in prose_lines(lines, first_line, where):
        found += [(place, m[1], normalise(m[1])) for m in NUMBER.finditer(masked(line))]
    return found


def audit(page: Path, text: str | None = None) -> list[str]:
    """One message per number the page quotes without a witness; empty when the page is honest.
    `text` stands for the page's text (the mutation check), with what the page's blocks printed."""
    return unbound(page, text)


