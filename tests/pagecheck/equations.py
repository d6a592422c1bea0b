r"""Arithmetic as the pages write it: found in prose and TeX, parsed, and evaluated exactly.

What counts as an equation: a run of `=` signs whose sides are arithmetic, on one line of prose
(inline math, `$$` blocks and plain text alike, so "$2 \cdot 16$ = 32" is one equation).
Arithmetic is numbers (291,840 · 291{,}840), single-letter symbols with subscripts (u, k_1, d_k),
`+ − - · × \cdot \times / \frac ^`, parentheses (`\left( \big(` too), `\underbrace{..}_{..}`, and
a product written by juxtaposition inside math (`4u(m + u + 1)`). Anything else (a word, inline
code, `\text{..}`, `\sigma(`, `\odot`, `\sum`, a comma, `\qquad`, `≈`) ends the run.

In a run, a side that is one symbol or empty names the quantity and is dropped (`P =`,
`\text{params} =`). Then:
- every side made of numbers only must have the same value (`4 \cdot 2 \cdot 6 = 48`);
- sides with symbols, when two or more are left and each has an operator, must be the same
  polynomial (`mn + n = n(m + 1)`), tried on many random values;
- a run with one side of each kind (`2u = 32`, `h\,d_k = 2 \cdot 3`) states a value for this
  page's example, and is not checked by itself.
A table row whose first cell is "total" is an equation too: in each column of plain numbers, the
sum of the rows above it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from paramcount_site import placeholders

from .docs import prose_lines, split_front_matter

BREAK = "\x00"  # what a word, a code span or an unknown command leaves in a line

# Not arithmetic, even when it holds digits or an `=`: these become a break.
NOT_ARITHMETIC = [
    re.compile(r"(`+)[^`\n].*?\1"),  # inline code: `use_bias=False`
    re.compile(r"\{\{.*?\}\}"),  # {{ placeholders }}
    re.compile(r"<!--.*?-->"),
    re.compile(r"<[^>\s][^>]*>"),  # HTML tags and <autolinks>
    re.compile(r"\{\s*[#.:][^}]*\}|\{[^{}]*=[^{}]*\}"),  # attr_list
    re.compile(r"(?<=\])\([^)]*\)"),  # link targets
    re.compile(r"^\s*\[[^\]]+\]:\s*\S+"),
    re.compile(r"https?://\S+"),
    re.compile(r"\[\^[^\]]+\]"),
    re.compile(r"^\s*(?:[-*+]\s+)?\d+[.)]\s|^\s*[-*+]\s"),  # list markers "1. " and "- "
    re.compile(r"^\s*#+\s+\d+(?:\.\d+)*\.?\s"),  # heading numbering
    re.compile(r"\b(?:Keras [123](?:\.0)?|TensorFlow [12]|Python 3(?:\.\d+)?)\b"),
    re.compile(r"\|"),  # table cells
]
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)


# --- Tokens -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    kind: str  # "num", "sym", "op" (+ - * / ^), "(", ")", "=", "break"
    text: str
    value: Fraction | None = None
    at: int = -1  # where its text starts in the line it was read from (-1: not written there)
    source: str = ""  # that text as written: "\\cdot" for the op "*"


GREEK = ("alpha beta gamma delta epsilon zeta eta theta kappa lambda mu nu xi rho sigma tau phi "
         "chi psi omega Gamma Delta Theta Lambda Sigma Phi Psi Omega").split()
SPACES = re.compile(r"\\[,;:! ]|\\quad(?![a-z])|~|\s+|&|\\displaystyle|\\left(?=[.])\.|\\right(?=[.])\.")
OPENERS = re.compile(r"(?:\\left|\\[bB]igg?l?)?\(")
CLOSERS = re.compile(r"(?:\\right|\\[bB]igg?r?)?\)")
TEX_NUMBER = re.compile(r"\d+(?:\{,\}\d{3})*(?:\.\d+)?")
SUBSCRIPT = r"(?:_(?:\{(?:[^{}]|\{[^{}]*\})*\}|[A-Za-z0-9]|\\[A-Za-z]+))?"
TEX_SYMBOL = re.compile(rf"(?:[A-Za-z]|\\(?:{'|'.join(GREEK)})(?![A-Za-z]))'*{SUBSCRIPT}'*")
# Words set in TeX: \text{params}, \mathrm{softmax}, \operatorname{merge}.
TEX_WORD = re.compile(r"\\(?:text|mathrm|texttt|textit|textbf|mathbf|mathit|operatorname)\{[^{}]*\}")
TEX_OPS = {r"\cdot": "*", r"\times": "*", "+": "+", "-": "-", "/": "/", r"\div": "/"}
TEX_OP = re.compile(r"\\cdot(?![A-Za-z])|\\times(?![A-Za-z])|\\div(?![A-Za-z])|[-+/]")


def math_tokens(tex: str, offset: int = 0) -> list[Token]:
    """TeX as tokens. Braces group like parentheses; `\\frac{a}{b}` is `((a)/(b))`. `offset`:
    where `tex` starts in its line, for the tokens' positions."""
    tex = re.sub(r"\\underbrace(?=\{)", lambda m: " " * len(m[0]), tex)
    tex = re.sub(r"(?<=\})_\{\\text(?:tt)?\{[^{}]*\}\}", lambda m: " " * len(m[0]), tex)
    tokens: list[Token] = []
    i = 0
    while i < len(tex):
        rest = tex[i:]
        count = len(tokens)
        if m := SPACES.match(rest):
            pass
        elif m := TEX_WORD.match(rest):
            tokens.append(Token("break", m[0]))
        elif rest.startswith(r"\frac"):
            m = re.match(r"\\frac", rest)
            tokens.append(Token("(", "("))
            frac = _frac_arguments(rest[len(r"\frac"):])
            if frac is None:
                return [*tokens, Token("break", rest)]
            (numerator, at_n), (denominator, at_d), used = frac
            start = offset + i + len(r"\frac")
            tokens += [Token("(", "("), *math_tokens(numerator, start + at_n), Token(")", ")"),
                       Token("op", "/"), Token("(", "("), *math_tokens(denominator, start + at_d),
                       Token(")", ")"), Token(")", ")")]
            i += len(r"\frac") + used
            continue
        elif m := TEX_NUMBER.match(rest):
            tokens.append(Token("num", m[0], Fraction(m[0].replace("{,}", ""))))
        elif (m := TEX_SYMBOL.match(rest)) and not _applied(m[0], tex[i + len(m[0]):]):
            tokens.append(Token("sym", re.sub(r"\s+", "", m[0])))
        elif m := TEX_OP.match(rest):
            tokens.append(Token("op", TEX_OPS[m[0]]))
        elif m := re.match(r"\^(\d|\{\d+\})", rest):
            tokens += [Token("op", "^"), Token("num", m[1].strip("{}"), Fraction(m[1].strip("{}")))]
        elif m := OPENERS.match(rest):
            tokens.append(Token("(", "("))
        elif m := CLOSERS.match(rest):
            tokens.append(Token(")", ")"))
        elif m := re.match(r"\{", rest):
            tokens.append(Token("(", "{"))
        elif m := re.match(r"\}", rest):
            tokens.append(Token(")", "}"))
        elif m := re.match(r"=", rest):
            tokens.append(Token("=", "="))
        else:  # a command we do not evaluate, a comma, a bracket...
            m = re.match(r"\\[A-Za-z]+|\\.|.", rest, re.S)
            tokens.append(Token("break", m[0]))
        _place(tokens, count, offset + i, m[0])
        i += max(len(m[0]), 1)
    return tokens


def _place(tokens: list[Token], first_new: int, at: int, written: str) -> None:
    """Give the tokens just read (all from `written`, at `at`) their position in the line."""
    new = tokens[first_new:]
    if len(new) == 1 and new[0].kind in ("num", "sym", "op", "="):
        tokens[first_new] = replace(new[0], at=at, source=written)
    elif len(new) == 2 and new[0].text == "^":  # ^2: the number is the exponent's last digits
        digits = new[1].text
        tokens[first_new + 1] = replace(new[1], at=at + written.rindex(digits), source=digits)


def _applied(symbol: str, after: str) -> bool:
    """`\\sigma(x)` is a function applied, not a product: a Greek command right before `(`."""
    return symbol.startswith("\\") and bool(OPENERS.match(after.lstrip()))


def _frac_arguments(text: str) -> tuple[tuple[str, int], tuple[str, int], int] | None:
    """The two `{...}` arguments after `\\frac`, each with where it starts, and the length used."""
    parts, i = [], 0
    for _ in range(2):
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text) or text[i] != "{":
            return None
        depth, start = 0, i
        while i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
            if depth == 0:
                break
        parts.append((text[start + 1 : i - 1], start + 1))
    return parts[0], parts[1], i


PROSE_NUMBER = re.compile(r"\d{1,3}(?:[,\u00a0\u2009\u202f]\d{3})+(?!\d)|\d+(?:\.\d+)?")
PROSE_OPS = {"×": "*", "·": "*", "⋅": "*", "+": "+", "−": "-", "/": "/"}


def prose_tokens(text: str, offset: int = 0) -> list[Token]:
    """Plain text as tokens: numbers, `× · + − - / = ( )`; any other word is a break."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        rest = text[i:]
        count = len(tokens)
        if m := re.match(r"\s+|\*\*|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|_", rest):
            pass  # spaces and emphasis
        elif m := PROSE_NUMBER.match(rest):
            value = re.sub(r"[,\u00a0\u2009\u202f]", "", m[0])
            tokens.append(Token("num", m[0], Fraction(value)))
        elif rest[0] in PROSE_OPS:
            m = re.match(".", rest)
            tokens.append(Token("op", PROSE_OPS[m[0]]))
        elif m := re.match(r"-(?=\s)", rest):  # a hyphen between spaces is a minus
            tokens.append(Token("op", "-"))
        elif m := re.match(r"[()=]", rest):
            tokens.append(Token(m[0], m[0]))
        else:
            m = re.match(r"\w+|.", rest, re.S)
            tokens.append(Token("break", m[0]))
        _place(tokens, count, offset + i, m[0])
        i += max(len(m[0]), 1)
    return tokens


FORMULA_PLACEHOLDER = placeholders.FORMULA
with_formulas = placeholders.expand_formulas  # the TeX the build puts in place of {{ formula() }}


def line_tokens(text: str) -> list[Token]:
    """A line of prose, its inline math and `$$` math, as one stream of tokens. Their positions
    are in `text` unless it holds a formula placeholder (then its expansion was read)."""
    text = with_formulas(text)
    for pattern in NOT_ARITHMETIC:
        text = pattern.sub(lambda m: BREAK * len(m[0]), text)
    tokens, position = [], 0
    for math in MATH.finditer(text):
        tokens += prose_tokens(text[position : math.start()], position)
        group = next(n for n in range(1, 5) if math[n] is not None)
        tokens += math_tokens(math[group], math.start(group))
        position = math.end()
    return tokens + prose_tokens(text[position:], position)


# --- Expressions --------------------------------------------------------------------------------

class NotArithmetic(ValueError):
    pass


@dataclass(frozen=True)
class Node:
    op: str  # "num", "sym", "+", "-", "*", "/", "^", "neg"
    args: tuple = ()
    value: Fraction | None = None
    name: str = ""

    def evaluate(self, symbols: dict[str, Fraction]) -> Fraction:
        if self.op == "num":
            return self.value
        if self.op == "sym":
            return symbols[self.name]
        values = [a.evaluate(symbols) for a in self.args]
        if self.op == "neg":
            return -values[0]
        if self.op == "+":
            return values[0] + values[1]
        if self.op == "-":
            return values[0] - values[1]
        if self.op == "*":
            return values[0] * values[1]
        if self.op == "/":
            if values[1] == 0:
                raise ZeroDivisionError
            return values[0] / values[1]
        if values[1].denominator != 1 or abs(values[1]) > 64:
            raise NotArithmetic("exponent")
        return values[0] ** int(values[1])

    def symbols(self) -> set[str]:
        if self.op == "sym":
            return {self.name}
        return set().union(*(a.symbols() for a in self.args)) if self.args else set()

    @property
    def compound(self) -> bool:
        return self.op not in ("num", "sym")


class Parser:
    """expr := term (+|- term)* · term := power ((*|/)? power)* · power := unary (^ power)?"""

    def __init__(self, tokens: list[Token]):
        self.tokens, self.i = tokens, 0

    def parse(self) -> Node:
        if not self.tokens:
            raise NotArithmetic("empty")
        node = self.expr()
        if self.i != len(self.tokens):
            raise NotArithmetic(f"unexpected {self.tokens[self.i].text!r}")
        return node

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise NotArithmetic("ends early")
        self.i += 1
        return token

    def expr(self) -> Node:
        node = self.term()
        while (t := self.peek()) and t.kind == "op" and t.text in "+-":
            self.take()
            node = Node(t.text, (node, self.term()))
        return node

    def term(self) -> Node:
        node = self.power()
        while t := self.peek():
            if t.kind == "op" and t.text in "*/":
                self.take()
                node = Node(t.text, (node, self.power()))
            elif t.kind in ("sym", "(") or (t.kind == "num" and self.tokens[self.i - 1].kind != "num"
                                             and self.tokens[self.i - 1].kind == ")"):
                node = Node("*", (node, self.power()))  # juxtaposition: 4u(m + u + 1)
            else:
                break
        return node

    def power(self) -> Node:
        node = self.unary()
        if (t := self.peek()) and t.kind == "op" and t.text == "^":
            self.take()
            node = Node("^", (node, self.power()))
        return node

    def unary(self) -> Node:
        t = self.take()
        if t.kind == "op" and t.text == "-":
            return Node("neg", (self.unary(),))
        if t.kind == "num":
            return Node("num", value=t.value)
        if t.kind == "sym":
            return Node("sym", name=t.text)
        if t.kind == "(":
            node = self.expr()
            if self.take().kind != ")":
                raise NotArithmetic("unclosed parenthesis")
            return node
        raise NotArithmetic(f"unexpected {t.text!r}")


def parse(tokens: list[Token]) -> Node:
    return Parser(tokens).parse()


def parse_tex(tex: str) -> Node:
    return parse(math_tokens(tex))


def same_polynomial(a: Node, b: Node, trials: int = 12, seed: int = 0) -> bool:
    """Equal at many random points (integers and fractions), so equal as polynomials."""
    rng = random.Random(seed)
    names = sorted(a.symbols() | b.symbols())
    for _ in range(trials):
        point = {n: Fraction(rng.randint(2, 997), rng.choice((1, 1, 3, 7))) for n in names}
        try:
            if a.evaluate(point) != b.evaluate(point):
                return False
        except ZeroDivisionError:
            continue
    return True


# --- Equations on a page ------------------------------------------------------------------------

@dataclass(frozen=True)
class Equation:
    where: str  # page.md:LINE
    text: str  # the sides as written, joined by " = "
    sides: tuple[Node, ...]
    side_tokens: tuple[tuple[Token, ...], ...] = ()  # each side's tokens, for the mutation check

    def checked_tokens(self) -> list[Token]:
        """The tokens of the sides that `problem` compares."""
        numeric = [t for s, t in zip(self.sides, self.side_tokens) if not s.symbols()]
        symbolic = [t for s, t in zip(self.sides, self.side_tokens) if s.symbols()]
        checked = numeric if len(numeric) >= 2 else []
        if len(symbolic) >= 2 and all(s.compound for s in self.sides if s.symbols()):
            checked += symbolic
        return [token for side in checked for token in side]

    def problem(self) -> str | None:
        """Why the equation is false, or None when it holds (or states a value of this page)."""
        numeric = [s for s in self.sides if not s.symbols()]
        if len(numeric) >= 2:
            values = [s.evaluate({}) for s in numeric]
            if len(set(values)) > 1:
                shown = " = ".join(_format(v) for v in values)
                return f"{self.where}: {self.text} is false: the sides are {shown}"
        symbolic = [s for s in self.sides if s.symbols()]
        if len(symbolic) >= 2 and all(s.compound for s in symbolic):
            first = symbolic[0]
            for other in symbolic[1:]:
                if not same_polynomial(first, other):
                    return f"{self.where}: {self.text} is false: the sides differ as polynomials"
        return None


def _format(value: Fraction) -> str:
    return f"{value.numerator:,}" if value.denominator == 1 else f"{float(value):,.6g}"


def _text(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens)


def equations_in(tokens: list[Token], where: str) -> list[Equation]:
    """The runs of `=` in a line's tokens whose sides parse, each as an Equation."""
    found, run = [], []
    for token in [*tokens, Token("break", "")]:
        if token.kind != "break":
            run.append(token)
            continue
        if any(t.kind == "=" for t in run):
            found += _equation(run, where)
        run = []
    return found


def _equation(run: list[Token], where: str) -> list[Equation]:
    sides_tokens: list[list[Token]] = [[]]
    for token in run:
        if token.kind == "=":
            sides_tokens.append([])
        else:
            sides_tokens[-1].append(token)
    # The first side may be what the line says before its `=` (`\text{params}`, a word cut at a
    # break) and the last what follows its value: such ends are dropped, not checked.
    # An equation in parentheses, "(2 × 8 = 16)", or before one: the brackets belong to no side.
    first, last = sides_tokens[0], sides_tokens[-1]
    while first and first[0].kind == "(" and _depth(first) > 0:
        first = first[1:]
    while last and ((last[-1].kind == ")" and _depth(last) < 0) or last[-1].kind == "("):
        last = last[:-1]  # "... = 288 (or 320 ...)": the aside opens after the value
    sides_tokens[0], sides_tokens[-1] = first, last
    kept, texts, kept_tokens = [], [], []
    for index, side in enumerate(sides_tokens):
        try:
            node = parse(side)
        except NotArithmetic:
            if index in (0, len(sides_tokens) - 1):
                continue
            return []  # an `=` between things that are not arithmetic
        if node.op == "sym":
            continue  # a name: `P = ...`, `u = 1`
        kept.append(node)
        texts.append(_text(side))
        kept_tokens.append(tuple(side))
    if len(kept) < 2:
        return []
    return [Equation(where, " = ".join(texts), tuple(kept), tuple(kept_tokens))]


def _depth(tokens: list[Token]) -> int:
    """Opening minus closing brackets."""
    return sum((t.kind == "(") - (t.kind == ")") for t in tokens)


def page_lines(page: Path, text: str | None = None) -> Iterator[tuple[str, str]]:
    """(page.md:LINE, text) for the prose of a page (see docs_support.prose_lines), after its front
    matter; a `$$` block spread over lines is one line, numbered by its first. `text` stands for
    the page's text (the mutation check)."""
    _, lines, first = split_front_matter(page.read_text(encoding="utf-8") if text is None else text)
    block: list[str] = []  # the lines of an open `$$` block
    block_place = ""
    for place, line in prose_lines(lines, first, page):
        opens_or_closes = line.count("$$") % 2 == 1
        if not block and not opens_or_closes:
            yield place, line
        elif not block:
            block, block_place = [line], place
        else:
            block.append(line)
            if opens_or_closes:
                yield block_place, "\n".join(block)
                block = []


def page_equations(page: Path, text: str | None = None) -> list[Equation]:
    lines = list(page_lines(page, text))
    found = [eq for where, line in lines for eq in equations_in(line_tokens(line), where)]
    return found + table_totals(lines)


def table_totals(lines: list[tuple[str, str]]) -> list[Equation]:
    """A table row named "total" is, in each column of plain numbers, the sum of the rows above."""
    found, rows = [], []
    for where, line in lines:
        if not line.lstrip().startswith("|"):
            rows = []
            continue
        cells = [cell.strip().strip("*`").strip() for cell in line.strip().strip("|").split("|")]
        if cells[0].lower() == "total" and rows:
            for column, cell in enumerate(cells[1:], start=1):
                column_values = [_plain_number(row[column]) if column < len(row) else None
                                 for row in rows]
                total = _plain_number(cell)
                if total is None or not column_values or None in column_values:
                    continue
                addends = sum_of([Node("num", value=v) for v in column_values])
                text = " + ".join(_format(v) for v in column_values) + f" = {cell}"
                found.append(Equation(where, text, (addends, Node("num", value=total))))
        elif re.fullmatch(r"[\s|:-]+", line):  # under the header: the rows start here
            rows = []
        else:
            rows.append(cells)
    return found


def _plain_number(cell: str) -> Fraction | None:
    match = re.fullmatch(PROSE_NUMBER, cell)
    return Fraction(re.sub(r"[,\u00a0\u2009\u202f]", "", cell)) if match else None


def sum_of(terms: list[Node]) -> Node:
    total = terms[0]
    for term in terms[1:]:
        total = Node("+", (total, term))
    return total
