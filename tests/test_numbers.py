"""Every number a page quotes in its prose was printed by that page's own snippets.

Prose is everything outside fenced code: paragraphs, headings, tables, math, admonitions, tab titles
and inline code. A number is *known* on a page when one of its executed snippets printed it (a
`summary()` table included) or when it is written in an executed snippet's source (an input such as
`LSTM(10)` that the reader can see run). Everything else must be declared in the page's front matter:

    ---
    constants:
      "4": "an LSTM has four gate blocks"    # a number that is not a count, and why it is there
    numbers_from: [questions/lstm-48-vs-32.md]  # also trust what these pages' snippets printed
    ---

Not prose numbers: list markers (`1. `), heading numbering, link targets and URLs, HTML tags and
entities, attribute lists (`{#anchor}`), footnote labels, `{{ versions.* }}` placeholders (the
versions are filled in at build time), and the names of Keras generations ("Keras 2").
"""

from __future__ import annotations

import html
import io
import re
import tokenize
from pathlib import Path

import pytest
import yaml

from docs_support import DOCS, page_outputs, prose_lines, rel

# 291,840 · 291 840 (plain, no-break or thin space) · 291{,}840 and 291\,840 in TeX · 291840 · 1.92
GROUP_SEPARATOR = r"(?:,|\{,\}|\\,|[ \u00a0\u2009\u202f])"
NUMBER = re.compile(rf"(?<![\w.])(\d{{1,3}}(?:{GROUP_SEPARATOR}\d{{3}})+(?!\d)|\d+(?:\.\d+)?)")
# Generations of a product are names, not quantities.
PRODUCT_NAMES = re.compile(r"\b(?:Keras [123](?:\.0)?|TensorFlow [12]|Python 3)\b")

NOT_PROSE = [
    re.compile(r"\{\{.*?\}\}"),  # {{ versions.keras }} placeholders
    re.compile(r"<!--.*?-->"),  # HTML comments
    re.compile(r"<[^>\s][^>]*>"),  # HTML tags with their attributes, and <autolinks>
    re.compile(r"\{\s*[#.:][^}]*\}|\{[^{}]*=[^{}]*\}"),  # attr_list: {#anchor} {.class} {w="1"}
    re.compile(r"(?<=\])\([^)]*\)"),  # [text](link target): keep the text, drop the target
    re.compile(r"^\s*\[[^\]]+\]:\s*\S+"),  # [label]: https://reference/link
    re.compile(r"https?://\S+"),  # bare URLs
    re.compile(r"\[\^[^\]]+\]"),  # footnote labels [^1]
    re.compile(r"^\s*(?:[-*+]\s+)?\d+[.)]\s"),  # ordered-list markers "1. " (also nested)
    re.compile(r"^\s*#+\s+\d+(?:\.\d+)*\.?\s"),  # heading numbering "## 2.1 "
    PRODUCT_NAMES,
]


def normalise(number: str) -> str:
    """291,840 / 291 840 / 291{,}840 / 291\\,840 -> 291840; decimals keep their point."""
    return re.sub(GROUP_SEPARATOR, "", number)


def numbers_in(text: str) -> set[str]:
    return {normalise(m.group(1)) for m in NUMBER.finditer(text)}


def split_front_matter(text: str) -> tuple[dict, list[str], int]:
    """The YAML front matter, the remaining lines, and the line number of the first of them."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for end, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                meta = yaml.safe_load("\n".join(lines[1:end])) or {}
                return meta, lines[end + 1 :], end + 2
    return {}, lines, 1


def prose_numbers(lines: list[str], first_line: int, where: Path) -> list[tuple[str, str, str]]:
    """(file:line, number as written, normalised) for every number quoted outside code fences."""
    found = []
    for place, line in prose_lines(lines, first_line, where):
        text = html.unescape(line)
        for pattern in NOT_PROSE:
            text = pattern.sub(" ", text)
        found += [(place, m[1], normalise(m[1])) for m in NUMBER.finditer(text)]
    return found


def known_numbers(page: Path) -> set[str]:
    """What the page's snippets printed, plus the numbers in the source of those that ran."""
    ran, printed = page_outputs(page)
    known = numbers_in("\n".join(printed))
    for example in ran:
        known |= numbers_in_code(example.source)
    return known


def numbers_in_code(source: str) -> set[str]:
    """Numbers in a snippet's code, not in its comments: `#>` outputs and notes are typed by hand."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return numbers_in("\n".join(t.string for t in tokens if t.type != tokenize.COMMENT))


def audit(page: Path, text: str | None = None) -> list[str]:
    """One message per number the page quotes but did not print; empty when the page is honest.
    `text` stands for the page's text (the mutation check), with what the page's blocks printed."""
    if text is None:
        text = page.read_text(encoding="utf-8")
    meta, lines, first_line = split_front_matter(text)
    # Keys in quotes: Zensical refuses front matter whose keys are not strings.
    unquoted = [k for k in (meta.get("constants") or {}) if not isinstance(k, str)]
    if unquoted:
        return [f"{rel(page)}: constants {unquoted} must be quoted in the front matter (\"4\": ...)"]
    constants = {normalise(k): why for k, why in (meta.get("constants") or {}).items()}
    known = known_numbers(page) | set(constants)
    for other in meta.get("numbers_from") or []:
        known |= known_numbers((DOCS / other).resolve())

    quoted = prose_numbers(lines, first_line, page)
    problems = [
        f"{where}: {written} is quoted but no snippet on this page printed it"
        for where, written, value in quoted
        if value not in known
    ]
    used = {value for _, _, value in quoted}
    problems += [
        f"{rel(page)}: constant {value} ({why}) is declared in the front matter but never quoted"
        for value, why in constants.items()
        if value not in used
    ]
    return problems


PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.keras
@pytest.mark.parametrize("page", PAGES, ids=[rel(p) for p in PAGES])
def test_prose_numbers_were_printed(page: Path) -> None:
    problems = audit(page)
    assert not problems, "\n".join(problems)


# --- The audit bites, on pages written to a temporary directory. ---


def write_page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return page


PRINTS_1234 = """\
```py
print(617 * 2)
#> 1234
```
"""


@pytest.mark.keras
def test_a_number_nobody_printed_is_named_with_page_and_line(tmp_path: Path) -> None:
    page = write_page(tmp_path, f"# A page\n\n{PRINTS_1234}\nThe answer is 1,235.\n")
    assert audit(page) == [f"{page}:8: 1,235 is quoted but no snippet on this page printed it"]


@pytest.mark.keras
@pytest.mark.parametrize(
    "written",
    ["1234", "1,234", "1 234", "1\u202f234", "$1{,}234$", r"$1\,234$", "**1,234**", "`1234`"],
)
def test_printed_numbers_may_be_quoted_in_any_grouping(tmp_path: Path, written: str) -> None:
    page = write_page(tmp_path, f"{PRINTS_1234}\n| total |\n|---|\n| {written} |\n")
    assert audit(page) == []


@pytest.mark.keras
def test_inputs_in_executed_source_are_known_but_outputs_in_skipped_blocks_are_not(
    tmp_path: Path,
) -> None:
    skipped = '```py {test="skip" reason="shown only"}\nprint(99)\n#> 99\n```\n'
    page = write_page(tmp_path, f"{PRINTS_1234}\n{skipped}\n617 doubled; not 99.\n")
    assert audit(page) == [f"{page}:11: 99 is quoted but no snippet on this page printed it"]


def test_comments_in_code_are_not_known_numbers() -> None:
    assert numbers_in_code("units = 10  # 480 parameters\n#> 480\nprint('12')\n") == {"10", "12"}


@pytest.mark.keras
def test_constants_must_be_declared_and_used(tmp_path: Path) -> None:
    declared = '---\nconstants:\n  "4": "gates"\n  "7": "never used"\n---\n'
    page = write_page(tmp_path, f"{declared}{PRINTS_1234}\n$4 u$ is 1,234.\n")
    assert audit(page) == [
        f"{page}: constant 7 (never used) is declared in the front matter but never quoted"
    ]


def test_what_is_not_prose() -> None:
    text = """\
# 1. Title {#sec-2}

1. first, see [page](../a3/page-9.md#h-4) and <https://x.org/5>
=== "Keras 3"
    Keras 2 and {{ versions.keras }} <span data-n="6">text</span>&#8239;ok[^7]
```py
print(8)
```
$h_{t-1}$ and 10
"""
    quoted = prose_numbers(text.splitlines(), 1, Path("page.md"))
    assert [(where, value) for where, _, value in quoted] == [("page.md:9", "1"), ("page.md:9", "10")]


def test_constants_must_have_quoted_keys(tmp_path: Path) -> None:
    page = write_page(tmp_path, '---\nconstants:\n  4: "gates"\n---\n\n$4 u$ gates.\n')
    assert audit(page) == [f'{page}: constants [4] must be quoted in the front matter ("4": ...)']
