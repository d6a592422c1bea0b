"""The site's build: what both MkDocs and Zensical run to turn docs/ into pages.

Both builders read `mkdocs.yml`, but Zensical runs no `hooks:`. So everything the site computes
at build time lives in mechanisms both honour:

- Python-Markdown extensions, listed under `markdown_extensions` in mkdocs.yml:
  `paramcount_site.placeholders` (`{{ calculator(...) }}`, `{{ diagram(...) }}`,
  `{{ versions.keras }}`, ...) and `paramcount_site.math` (TeX to MathML).
- Theme overrides in overrides/ (the footer with the verified versions, the repository link).
- Files generated before either build: `python -m paramcount_site.generate` writes the calculator's
  bundle, the footer's versions and llms.txt (`make build`, `make serve` and the tests run it).

This package is not part of the paramcount wheel; `pip install -e .` puts src/ on the path, so
the builders import it from the working tree.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
DOCS = ROOT / "docs"
