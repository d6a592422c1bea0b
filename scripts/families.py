"""Rewrite src/paramcount/formulas/families.py, the index of which module registers each layer
class, from the registry with every family loaded. Run it after a family gains or loses a class;
tests/engine/test_families.py says when.

    python scripts/families.py
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from paramcount.formulas.registry import derived_families  # noqa: E402

PATH = ROOT / "src" / "paramcount" / "formulas" / "families.py"
START, END = "FAMILIES: dict[str, tuple[str, ...]] = {\n", "\n}\n"


def written(families: dict[str, tuple[str, ...]]) -> str:
    """The dict's lines, one entry a module, its classes filled to the line length."""
    entries = []
    for module, names in families.items():
        listed = textwrap.fill(", ".join(f'"{name}"' for name in names) + ",", 99,
                               initial_indent=" " * 8, subsequent_indent=" " * 8)
        entries.append(f'    "{module}": (\n{listed}\n    ),')
    return "\n".join(entries)


def main() -> None:
    text = PATH.read_text(encoding="utf-8")
    start = text.index(START) + len(START)
    end = text.index(END, start - 1)
    families = derived_families()
    PATH.write_text(text[:start] + written(families) + text[end:], encoding="utf-8")
    print(f"wrote {PATH.relative_to(ROOT)}: {sum(map(len, families.values()))} classes in "
          f"{len(families)} modules")


if __name__ == "__main__":
    main()
