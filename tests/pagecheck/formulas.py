"""The count formulas a page types in TeX, compared with paramcount's, and its symbol table
(the checks are described in tests/pages/test_page_formulas.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path

import paramcount

from .docs import rel, split_front_matter
from .equations import (
    MATH,
    NOT_ARITHMETIC,
    Node,
    NotArithmetic,
    math_tokens,
    page_lines,
    parse,
    parse_tex,
    same_polynomial,
    sum_of,
    with_formulas,
)


def front_matter(page: Path) -> dict:
    return split_front_matter(page.read_text(encoding="utf-8"))[0]


def engine_tex(text: str) -> str:
    """A shape entry or formula as paramcount writes it in text (`4·u`) as TeX."""
    return text.replace("·", r" \cdot ")


@dataclass(frozen=True)
class Quantities:
    """What a page's declared layers let it write: expressions, and their symbols."""

    known: tuple[tuple[str, Node], ...]  # (what it is: "the count of ..." or a weight path, expression)
    shapes: tuple[tuple[str, tuple[Node, ...]], ...]  # (weight path, shape) of every weight
    literal: frozenset[str]  # other_formulas, as written
    symbols: frozenset[str]
    meanings: tuple[tuple[str, str], ...]  # (symbol, paramcount's meaning)

    def match(self, item: Node | list[Node], written: str, context: str = "") -> bool:
        if isinstance(item, list):
            return any(len(shape) == len(item) and all(map(same_polynomial, item, shape))
                       for shape in self.shapes_of(context))
        named = self.named(context)
        return as_written(written) in self.literal or any(
            same_polynomial(item, known) for what, known in self.known
            if not named or what.startswith("the count") or named in what.split("/") or not what)


    def named(self, context: str) -> str | None:
        """The part of a weight path the context names last (a table row's first cell, or the text
        before the math: `kernel`, query, gate), if any."""
        parts = {part for path, _ in self.shapes for part in path.split("/")}
        named = [word for word in re.findall(r"\w+", context) if word in parts]
        return named[-1] if named else None

    def shapes_of(self, context: str) -> list[tuple[Node, ...]]:
        """The shapes of the weights the context names, or of every weight if it names none."""
        named = self.named(context)
        return [shape for path, shape in self.shapes if not named or named in path.split("/")]


def as_written(tex: str) -> str:
    """TeX without its spacing, to compare what a page typed with what it declared."""
    return re.sub(r"\\[,;:! ]|\s+", "", tex)


@cache
def quantities(page: Path) -> Quantities:
    meta = front_matter(page)
    known, shapes, symbols, meanings = [], [], set(), {}
    for case in meta.get("formulas") or []:
        case, count_only = case.removesuffix(" (count only)"), case.endswith(" (count only)")
        code, _, shape = case.partition(" on ")
        counted = paramcount.explain_layer(code, input_shape=shape)
        known.append((f"the count of {case}", parse_tex(counted.expr.tex())))
        groups: dict[str, list[Node]] = {}  # weight sizes by the sublayer that holds them
        for weight in [] if count_only else counted.weights:
            dims = [parse_tex(engine_tex(d)) for d in weight.symbolic or ()]
            shapes.append((weight.path, tuple(dims)))
            groups.setdefault(weight.path.rpartition("/")[0], []).append(_product(dims))
        for holder, sizes in groups.items():
            for start, end in combinations(range(len(sizes) + 1), 2):
                known.append((holder, sum_of(sizes[start:end])))
        for sym in counted.symbol_list or []:
            symbols.add(sym.name)
            meanings.setdefault(sym.name, sym.meaning)
    literal = frozenset(as_written(tex) for tex in meta.get("other_formulas") or {})
    return Quantities(tuple(known), tuple(shapes), literal, frozenset(symbols),
                      tuple(meanings.items()))


def _product(dims: list[Node]) -> Node:
    if not dims:
        return Node("num", value=1)
    result = dims[0]
    for d in dims[1:]:
        result = Node("*", (result, d))
    return result


Piece = tuple[str, "Node | list[Node]", list]  # as written, the formula (or shape), its tokens


def math_pieces(tex: str, offset: int = 0) -> list[Piece]:
    """The formulas in one piece of math that stand for a quantity on their own: the whole of it,
    or each side of its `=` when no two sides check each other; a shape `(a, b)` as a list."""
    tokens = math_tokens(tex, offset)
    if all(t.kind != "break" or t.text == "," for t in tokens) and tokens and tokens[0].kind == "(":
        shape = _shape(tokens)
        if shape is not None:
            return [(tex, shape, tokens)]
    sides, current = [], []
    for token in [*tokens, None]:
        if token is None or token.kind in ("=", "break"):
            sides.append(current)
            current = []
        else:
            current.append(token)
    parsed = []
    for side in sides:
        try:
            parsed.append((parse(side), side))
        except NotArithmetic:
            continue
    symbolic = [(node, side) for node, side in parsed if node.symbols() and node.op != "sym"]
    if len(symbolic) >= 2 and "=" in tex:
        return []  # an identity: test_arithmetic checks its sides against each other
    return [(tex, node, side) for node, side in symbolic if has_sum(node)]


def has_sum(node: Node) -> bool:
    """A formula adds things up; a lone product (`u^2`, `k_1 k_2`, `m \\times u`) names a block."""
    return node.op in ("+", "-") or any(has_sum(arg) for arg in node.args)


def _shape(tokens) -> list[Node] | None:
    inner, depth, entries, current = tokens[1:-1], 0, [], []
    if tokens[-1].kind != ")":
        return None
    for token in inner:
        depth += (token.kind == "(") - (token.kind == ")")
        if token.kind == "break" and token.text == "," and depth == 0:
            entries.append(current)
            current = []
        else:
            current.append(token)
    entries.append(current)
    if len(entries) < 2:
        return None
    try:
        return [parse(entry) for entry in entries if entry]
    except NotArithmetic:
        return None


def checked_formulas(page: Path, text: str | None = None) -> list[tuple[str, str, Node, list, str]]:
    """(page.md:LINE, as written, formula or shape, its tokens, what the line says before it: a
    table row's first cell, else the text before the math) for each formula and each weight shape
    written in the page's symbols."""
    allowed = quantities(page)
    found = []
    for where, line in page_lines(page, text):
        line = raw = with_formulas(line)
        for pattern in NOT_ARITHMETIC[:4]:  # code spans, placeholders, comments, tags
            line = pattern.sub(lambda m: "\x00" * len(m[0]), line)
        for math in MATH.finditer(line):
            group = next(n for n in range(1, 5) if math[n] is not None)
            row = re.match(r"\s*\|([^|]*)\|", raw)
            context = row[1] if row else raw[: math.start()]
            for written, item, tokens in math_pieces(math[group], math.start(group)):
                names = set().union(*(n.symbols() for n in (item if isinstance(item, list) else [item])))
                if names and names <= allowed.symbols:
                    found.append((where, written, item, tokens, context))
    return found


def unknown_formulas(page: Path, text: str | None = None) -> list[str]:
    """One message per formula in the page's symbols that is none of its layers' quantities
    (`text` stands for the page's text: the mutation check)."""
    allowed = quantities(page)
    return [
        f"{where}: ${written.strip()}$ is not a formula paramcount derives for this page's layers "
        "(front matter `formulas:`)"
        for where, written, item, _, context in checked_formulas(page, text)
        if not allowed.match(item, written, context)
    ]


SYMBOL_ROW = re.compile(r"^\|\s*(\$[^|]*\$[^|]*)\|([^|]*)\|")


def symbol_rows(page: Path, text: str | None = None) -> dict[str, str]:
    """Symbol -> meaning, from the rows of the page's tables that start with math."""
    rows = {}
    for _, line in page_lines(page, text):
        row = SYMBOL_ROW.match(line)
        if row:
            for math in re.findall(r"\$([^$]+)\$", row[1]):
                for name in re.split(r",|\(|\)", math):
                    rows.setdefault(name.strip().replace(" ", ""), row[2].strip())
    return rows


def key_words(meaning: str) -> set[str]:
    """The words of a meaning before its explanation: "kernel height (...)" -> {kernel, height}."""
    short = re.split(r" \(|:", meaning)[0]
    return set(re.findall(r"[a-z]+", short.lower().replace("_", " ")))


def symbol_table_problems(page: Path, text: str | None = None) -> list[str]:
    rows = symbol_rows(page, text)
    problems = []
    for name, meaning in quantities(page).meanings:
        if name not in rows:
            problems.append(f"{rel(page)}: the symbol table has no row for ${name}$ ({meaning})")
        elif not key_words(meaning) <= set(re.findall(r"[a-z]+", rows[name].lower())):
            problems.append(f"{rel(page)}: ${name}$ is '{rows[name]}' on the page but "
                            f"'{meaning}' in paramcount")
    return problems
