"""The mutation check: change one thing a reader sees, and see whether a check catches it.

A mutant is one change on one page:
- `number`: a number quoted in the prose or math (as test_numbers reads it), its last digit +1;
- `output`: a number in a code block's output (`#>` lines, output blocks), its last digit +1,
  on the pages and in the package's docstring examples;
- `operator`: in an equation or a count formula the checks read, `+` -> `-`, `-` -> `+`,
  `\\cdot`, `×`, `·` -> `+`;
- `term`: in such an equation or formula, a number's last digit +1 or a symbol replaced by
  another symbol of the same page (u -> m).
It is caught when one of the page checks fails on the changed text: the prose-number audit
(test_numbers; tests/pagecheck/bindings.py gives each number one witness), the arithmetic
(test_arithmetic), the formulas and symbol table (test_page_formulas), or the comparison of a
block's `#>` lines with what it printed (test_docs, orphans included). No check runs Keras
again: each block ran once, and the changed text is compared with what it printed then.
"""

from __future__ import annotations

import dataclasses
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .docs import (
    DOCS,
    PACKAGE,
    RUNNER,
    examples_on,
    key,
    orphan_messages,
    output_blocks,
    page_outputs,
    prose_lines,
    rel,
    skip_reason,
    split_front_matter,
)
from .equations import FORMULA_PLACEHOLDER, Token, page_equations, page_lines
from .formulas import (
    checked_formulas,
    front_matter,
    quantities,
    symbol_table_problems,
    unknown_formulas,
)
from .prose import NOT_PROSE, NUMBER, audit

PAGES = sorted(DOCS.rglob("*.md"))
LAST_SCORE: str | None = None  # the score of the last run in this process, for the test summary
OPERATOR_SWAPS = {"+": "-", "-": "+", "−": "+", "\\cdot": "+", "\\times": "+", "×": "+", "·": "+"}


@dataclass(frozen=True)
class Mutant:
    page: Path
    kind: str  # number, output, operator, term
    line: int  # 1-based line of the page
    column: int  # 0-based, in that line
    old: str
    new: str

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        row = lines[self.line - 1]
        assert row[self.column : self.column + len(self.old)] == self.old, (self, row)
        lines[self.line - 1] = row[: self.column] + self.new + row[self.column + len(self.old) :]
        return "\n".join(lines)

    def __str__(self) -> str:
        return f"{rel(self.page)}:{self.line}: {self.kind} {self.old!r} -> {self.new!r}"


def last_digit_up(number: str) -> str:
    """480 -> 481, 1{,}760 -> 1{,}761, 9 -> 8 (a typo, never a new digit count)."""
    index = max(i for i, c in enumerate(number) if c.isdigit())
    digit = int(number[index])
    return number[:index] + str(digit + 1 if digit < 9 else 8) + number[index + 1 :]


# --- Where mutants go ---------------------------------------------------------------------------


def number_mutants(page: Path, text: str) -> Iterator[Mutant]:
    """Every number the prose audit reads (masked as it masks, so positions stay)."""
    _, lines, first = split_front_matter(text)
    for where, line in prose_lines(lines, first, page):
        if not where.startswith(f"{rel(page)}:"):
            continue  # a file included into the page: mutated on its own
        masked = line
        for pattern in NOT_PROSE:
            masked = pattern.sub(lambda m: " " * len(m[0]), masked)
        row = int(where.rsplit(":", 1)[1])
        for match in NUMBER.finditer(masked):
            yield Mutant(page, "number", row, match.start(1), match[1], last_digit_up(match[1]))


def output_mutants(page: Path) -> Iterator[Mutant]:
    """Every number in the output lines of the page's blocks that run."""
    lines = page.read_text(encoding="utf-8").split("\n")
    for example in examples_on(page):
        if skip_reason(example) is not None:
            continue
        source = example.source.splitlines()
        for first, last in output_blocks(example.source):
            for index in range(first, last + 1):
                row = example.start_line + index + 1
                offset = lines[row - 1].find(source[index])
                for match in re.finditer(r"\d+", source[index]):
                    yield Mutant(page, "output", row, offset + match.start(), match[0],
                                 last_digit_up(match[0]))


def claim_mutants(page: Path, text: str) -> Iterator[Mutant]:
    """Operators and terms of the equations and count formulas the checks read."""
    symbols = sorted(quantities(page).symbols)
    claims: dict[str, list[Token]] = {}
    for equation in page_equations(page, text):
        claims.setdefault(equation.where, []).extend(equation.checked_tokens())
    if front_matter(page).get("formulas"):
        for where, _, _, tokens, _ in checked_formulas(page, text):
            claims.setdefault(where, []).extend(tokens)
    lines = dict(page_lines(page, text))
    for where, tokens in claims.items():
        block = lines[where]
        if FORMULA_PLACEHOLDER.search(block):
            continue  # positions are in the expansion; the page wrote no formula there
        first_row = int(where.rsplit(":", 1)[1])
        seen = set()
        for token in tokens:
            if token.at < 0 or token.at in seen:
                continue
            seen.add(token.at)
            row = first_row + block.count("\n", 0, token.at)
            column = token.at - (block.rfind("\n", 0, token.at) + 1)
            new = _changed(token, symbols or sorted({t.text for t in tokens if t.kind == "sym"}))
            if new is not None:
                kind = "operator" if token.kind == "op" else "term"
                yield Mutant(page, kind, row, column, token.source, new)


def _changed(token: Token, symbols: list[str]) -> str | None:
    if token.kind == "op":
        return OPERATOR_SWAPS.get(token.source)
    if token.kind == "num":
        return last_digit_up(token.source)
    if token.kind == "sym":
        others = [s for s in symbols if s != token.source]
        return others[0] if others else None
    return None


def mutants_of(page: Path) -> list[Mutant]:
    text = page.read_text(encoding="utf-8")
    found = {(m.line, m.column, m.kind): m for m in number_mutants(page, text)}
    for mutant in [*output_mutants(page), *claim_mutants(page, text)]:
        if (mutant.line, mutant.column, "number") in found and mutant.kind == "term":
            continue  # the same digit as a quoted number: one mutant
        found.setdefault((mutant.line, mutant.column, mutant.kind), mutant)
    return sorted(found.values(), key=lambda m: (m.line, m.column))


def all_mutants() -> list[Mutant]:
    """Every page's mutants, and the outputs of the package's docstring examples."""
    modules = [m for m in sorted(PACKAGE.rglob("*.py")) if examples_on(m)]
    return [m for page in PAGES for m in mutants_of(page)] + [
        m for module in modules for m in output_mutants(module)]


# --- Whether a check catches one ----------------------------------------------------------------


def caught_by(mutant: Mutant) -> str | None:
    """The first check that fails on the changed page, or None if the mutant survives."""
    page = mutant.page
    text = mutant.apply(page.read_text(encoding="utf-8"))
    if mutant.kind == "output":
        return _caught_by_docs(mutant, text)
    page_outputs(page)  # the page's blocks ran (once per session): the audit needs their prints
    if audit(page, text):
        return "prose numbers"
    if any(eq.problem() for eq in page_equations(page, text)):
        return "arithmetic"
    if front_matter(page).get("formulas") and (
        unknown_formulas(page, text) or symbol_table_problems(page, text)
    ):
        return "formulas"
    return None


def _caught_by_docs(mutant: Mutant, text: str) -> str | None:
    page_outputs(mutant.page)
    for example in examples_on(mutant.page):
        if not example.start_line < mutant.line <= example.end_line:
            continue
        record = RUNNER.records[key(example)]
        index = mutant.line - example.start_line - 1
        source = example.source.splitlines(keepends=True)
        page_line = mutant.page.read_text(encoding="utf-8").split("\n")[mutant.line - 1]
        at = mutant.column - page_line.find(source[index].rstrip("\n"))  # in the block's line
        source[index] = source[index][:at] + mutant.new + source[index][at + len(mutant.old) :]
        changed = dataclasses.replace(example, source="".join(source))
        if orphan_messages(changed, record) or record.updated_print_statements(changed):
            return "docs output"
        return None
    raise AssertionError(f"{mutant}: no block holds this line")


@dataclass
class Score:
    caught: int
    total: int
    survivors: list[Mutant]  # changes no check caught
    seconds: float
    by_kind: dict[str, tuple[int, int]]

    def __str__(self) -> str:
        kinds = ", ".join(f"{k} {c}/{t}" for k, (c, t) in sorted(self.by_kind.items()))
        return (f"mutation score: {self.caught}/{self.total} caught ({kinds}); "
                f"{len(self.survivors)} survivors; {self.seconds:.1f} s")


def score(mutants: list[Mutant]) -> Score:
    start = time.perf_counter()
    survivors, by_kind = [], {}
    for mutant in mutants:
        caught = caught_by(mutant) is not None
        c, t = by_kind.get(mutant.kind, (0, 0))
        by_kind[mutant.kind] = (c + caught, t + 1)
        if not caught:
            survivors.append(mutant)
    seconds = time.perf_counter() - start
    return Score(len(mutants) - len(survivors), len(mutants), survivors, seconds, by_kind)


def sample(mutants: list[Mutant], size: int, seed: int) -> list[Mutant]:
    """`size` mutants drawn evenly across the kinds, the same for the same seed."""
    rng = random.Random(seed)
    kinds = sorted({m.kind for m in mutants})
    chosen = []
    for kind in kinds:
        of_kind = [m for m in mutants if m.kind == kind]
        chosen += rng.sample(of_kind, min(len(of_kind), size // len(kinds)))
    return chosen
