"""Which run each quoted number comes from: one witness per number, chosen by where it stands.

A number a page quotes in its prose (test_numbers says what prose is) is *bound* by the first of:

- **phrase**: it stands in a phrase the page declares verbatim in its front matter, with why
  (`constants: {"hence the 4": "four gate blocks"}`): notation and facts no block can print.
  The phrase pins its numbers: the same words with another number ("hence the 5") fail;
- **link**: it stands in the text of a link to a page of the site, and the title of that page
  (or the heading the link points to) quotes it;
- **code**: it stands in inline code, and that code as written ran: the span (spaces collapsed) is
  part of the source or of the output of an executed block of the page (`LSTM(2, input_dim=3)`);
- **checked**: it is a term of an equation test_arithmetic evaluates, or of a formula
  test_page_formulas compares with paramcount's (a changed term fails there);
- **nearby**: it stands in plain text, or in math without symbols, and a block of the same
  section printed it or has it in its code. A section runs from a heading to the next; one with
  no block of its own (a question and its answer) is bound to the blocks of the next one that has.

Numbers in math with symbols (`4u`, `u^2`, `h_{t-1}`) are never bound by value: such math is a
formula, checked or declared. Everything else fails, naming page, line and number.
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from paramcount_site import placeholders

from .docs import DOCS, RUNNER, key, page_outputs, rel, split_front_matter
from .equations import FORMULA_PLACEHOLDER, MATH, math_tokens, page_equations, page_lines
from .formulas import checked_formulas, front_matter

# 291,840 · 291 840 (plain, no-break or thin space) · 291{,}840 and 291\,840 in TeX · 291840 · 1.92
GROUP_SEPARATOR = r"(?:,|\{,\}|\\,|[ \u00a0\u2009\u202f])"
NUMBER = re.compile(rf"(?<![\w.])(\d{{1,3}}(?:{GROUP_SEPARATOR}\d{{3}})+(?!\d)|\d+(?:\.\d+)?)")
CODE_SPAN = re.compile(r"(`+)([^`\n].*?)\1")
LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]*)[^)]*\)")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*(?:\{\s*#([\w-]+)[^}]*\})?\s*$")
# Generations of a product are names, not quantities.
PRODUCT_NAMES = re.compile(r"\b(?:Keras [123](?:\.0)?|TensorFlow [12]|Python 3)\b")

NOT_PROSE = [
    re.compile(r"\{\{.*?\}\}"),  # {{ versions.keras }} placeholders
    re.compile(r"<!--.*?-->"),  # HTML comments
    re.compile(r"&#?\w+;"),  # HTML entities: &#8239; &nbsp;
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


# What a program prints groups digits with commas or not at all: "0 288" there is two numbers.
PRINTED_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)")


def numbers_in(text: str, pattern: re.Pattern[str] = NUMBER) -> set[str]:
    return {normalise(m.group(1)) for m in pattern.finditer(text)}


def numbers_in_code(source: str) -> set[str]:
    """Numbers in a snippet's code, not in its comments: `#>` outputs and notes are typed by hand."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    code = "\n".join(t.string for t in tokens if t.type != tokenize.COMMENT)
    return numbers_in(code, PRINTED_NUMBER)


def masked(text: str) -> str:
    """The text with what is not prose blanked out, line by line, so positions stay."""
    lines = []
    for line in text.split("\n"):
        for pattern in NOT_PROSE:
            line = pattern.sub(lambda m: " " * len(m[0]), line)
        lines.append(line)
    return "\n".join(lines)


def collapsed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Quote:
    """One number as a page quotes it."""

    where: str  # file:LINE
    written: str  # as written: 1{,}760
    value: str  # normalised: 1760
    context: str  # phrase, code, link, checked, math, text
    bound: str | None  # how it is bound, or None
    problem: str = ""  # why it is not, when it is not

    def message(self) -> str:
        return f"{self.where}: {self.written} {self.problem}"


# --- What the page ran ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    line: int  # the fence's line on the page
    code: str  # its source, spaces collapsed
    printed: str  # what it printed, spaces collapsed
    numbers: frozenset[str]  # printed, or in its code


def blocks_of(page: Path) -> list[Block]:
    """The page's executed blocks with what each printed (each runs once per session)."""
    ran, _ = page_outputs(page)
    found = []
    for example in ran:
        source, printed = RUNNER.printed[key(example)]
        numbers = numbers_in("\n".join(printed), PRINTED_NUMBER) | numbers_in_code(source)
        found.append(Block(example.start_line, collapsed(source), collapsed("\n".join(printed)),
                           frozenset(numbers)))
    return found


@cache
def title_numbers(target: Path, anchor: str) -> frozenset[str]:
    """The numbers in a page's title and, if given, in the heading with that anchor."""
    if not target.is_file():
        return frozenset()
    found: set[str] = set()
    titled = False
    for line in target.read_text(encoding="utf-8").splitlines():
        heading = HEADING.match(line)
        if not heading:
            continue
        if (heading[1] == "#" and not titled) or (anchor and heading[3] == anchor):
            found |= numbers_in(masked(heading[2]))
            titled = titled or heading[1] == "#"
    return frozenset(found)


# --- Binding -----------------------------------------------------------------------------------


def checked_positions(page: Path, text: str) -> set[tuple[str, int]]:
    """(file:LINE of the block, position in it) of every term a check evaluates."""
    found = {(eq.where, t.at) for eq in page_equations(page, text) for t in eq.checked_tokens()}
    if front_matter(page).get("formulas"):
        for where, _, _, tokens, _ in checked_formulas(page, text):
            found |= {(where, t.at) for t in tokens}
    return {(where, at) for where, at in found if at >= 0}


def placeholder_shifts(block: str) -> list[tuple[int, int]]:
    """(end of a formula placeholder as written, how far the text after it moves once expanded):
    the other checks read the expansion, so their positions are shifted by these."""
    shifts, shift = [], 0
    for match in FORMULA_PLACEHOLDER.finditer(block):
        shift += len(placeholders.expand_formulas(match[0])) - len(match[0])
        shifts.append((match.end(), shift))
    return shifts


class Witnesses:
    """What a page offers as witnesses: its declared phrases, its blocks and their sections, and
    the terms its other checks evaluate."""

    def __init__(self, page: Path, text: str) -> None:
        self.page = page
        self.phrases = [str(k) for k in split_front_matter(text)[0].get("constants") or {}]
        blocks = blocks_of(page)
        self.ran = "\n".join(f"{b.code}\n{b.printed}" for b in blocks)
        self.checked = checked_positions(page, text)
        self.lines = list(page_lines(page, text))
        # Sections start at the page's own headings; a block belongs to the one its fence is in.
        self.headings = [int(w.rsplit(":", 1)[1]) for w, line in self.lines
                         if w.startswith(f"{rel(page)}:") and HEADING.match(line) and "\n" not in line]
        self.by_section: dict[int, set[str]] = {}
        for block in blocks:
            self.by_section.setdefault(self.section_of(block.line), set()).update(block.numbers)

    def section_of(self, row: int) -> int:
        return bisect.bisect_right(self.headings, row)

    def nearby(self, row: int) -> set[str]:
        """The numbers of the blocks of this section, or of the next section that has blocks."""
        following = [s for s in sorted(self.by_section) if s >= self.section_of(row)]
        return self.by_section[following[0]] if following else set()


def spans(block: str, witnesses: Witnesses) -> dict[str, list[tuple[int, int, object]]]:
    """Where in a line (or `$$` block) its phrases, links, inline code and math stand."""
    without_code = CODE_SPAN.sub(lambda m: " " * len(m[0]), block)
    return {
        "phrase": [(m.start(), m.end(), p) for p in witnesses.phrases
                   for m in re.finditer(re.escape(p), block)],
        "link": [(m.start(1), m.end(1), m[2]) for m in LINK.finditer(without_code)],
        "code": [(m.start(), m.end(), collapsed(m[2])) for m in CODE_SPAN.finditer(block)],
        "math": [(m.start(), m.end(), any(t.kind == "sym" for t in math_tokens(m[0].strip("$"))))
                 for m in MATH.finditer(without_code)],
    }


def quotes(page: Path, text: str | None = None) -> list[Quote]:
    """Every number the page quotes in its prose, each with its binding (or why it has none).
    `text` stands for the page's text (the mutation check)."""
    text = page.read_text(encoding="utf-8") if text is None else text
    witnesses = Witnesses(page, text)
    found: list[Quote] = []
    section_row = 1  # for an included file's lines: the row of the page that includes them
    for where, block in witnesses.lines:
        file, _, first = where.rpartition(":")
        if file == rel(page):
            section_row = int(first)
        shifts = placeholder_shifts(block)
        where_is = spans(block, witnesses)
        for match in NUMBER.finditer(masked(block)):
            at, written = match.start(1), match[1]
            row = int(first) + block.count("\n", 0, at)
            at_expanded = at + max([s for end, s in shifts if end <= at] or [0])
            inside = {kind: next((s[2] for s in found_spans if s[0] <= at < s[1]), None)
                      for kind, found_spans in where_is.items()}
            context, bound, problem = witness(
                normalise(written), inside, witnesses,
                checked={(where, at), (where, at_expanded)} & witnesses.checked,
                row=row if file == rel(page) else section_row)
            found.append(Quote(f"{file}:{row}", written, normalise(written), context, bound, problem))
    return found


def witness(value: str, inside: dict, witnesses: Witnesses, checked: set, row: int
            ) -> tuple[str, str | None, str]:
    """(where the number stands, its witness or None, why it has none) by the rules above."""
    if inside["phrase"] is not None:
        return "phrase", "phrase", ""
    if (target := inside["link"]) is not None:
        if "://" in target:
            return "link", None, ("is in the text of a link to another site: declare the phrase "
                                  "(`constants:`)")
        path, _, anchor = target.partition("#")
        target_page = (witnesses.page.parent / path).resolve() if path else witnesses.page
        titled = value in title_numbers(target_page, anchor)
        return "link", "link" if titled else None, ("is in a link's text, but the title it links "
                                                    "to does not say it")
    if (code := inside["code"]) is not None:
        return "code", "code" if code in witnesses.ran else None, (
            f"is in `{code}`, which no block of this page ran or printed")
    if checked:
        return "checked", "checked", ""
    if inside["math"]:
        return "math", None, ("is a term of a formula that no check reads: check it (front "
                              "matter `formulas:`) or declare it (`constants:`)")
    bound = value in witnesses.nearby(row)
    return "text", "nearby" if bound else None, "is quoted but no block of its section printed it"


def unbound(page: Path, text: str | None = None) -> list[str]:
    """One message per number without a witness, and per declared phrase the page never uses."""
    text = page.read_text(encoding="utf-8") if text is None else text
    meta = split_front_matter(text)[0]
    constants = meta.get("constants") or {}
    problems = [f"{rel(page)}: constants {[k]} must be a phrase in quotes, with the words around the "
                f"number (\"hence the 4\": ...)" for k in constants
                if not isinstance(k, str) or not re.search(r"[A-Za-z]", k)]
    if problems:
        return problems
    problems = [q.message() for q in quotes(page, text) if q.bound is None]
    prose = list(page_lines(page, text))  # included files too
    problems += [f"{rel(page)}: constant {phrase!r} ({why}) is declared but never written"
                 for phrase, why in constants.items() if not any(phrase in b for _, b in prose)]
    return problems + look_alikes(prose, list(constants))


def look_alikes(prose: list[tuple[str, str]], phrases: list[str]) -> list[str]:
    """A declared phrase written with other numbers ("hence the 5" for "hence the 4") fails."""
    problems = []
    for phrase in phrases:
        any_numbers = re.sub(r"\d+", r"\\d+", re.escape(phrase))
        shape = re.compile(rf"(?<![\w.]){any_numbers}(?!\d)")
        for where, block in prose:
            file, _, first = where.rpartition(":")
            for match in shape.finditer(block):
                if match[0] not in phrases:
                    row = int(first) + block.count("\n", 0, match.start())
                    problems.append(f"{file}:{row}: {match[0]!r} is the declared constant "
                                    f"{phrase!r} with another number")
    return problems


PAGES = sorted(DOCS.rglob("*.md"))
