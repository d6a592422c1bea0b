"""Symbolic arithmetic for parameter formulas.

A formula such as ``4·u·(m + u + 1)`` is built from :class:`Sym` objects with ordinary Python
operators. The same expression is evaluated (exactly, with Python integers, so 10¹¹ parameters
cost nothing), written as text, written as LaTeX, and written with the numbers substituted.

>>> u = Sym("u", 10, "units")
>>> m = Sym("m", 1, "input features")
>>> f = 4 * u * (m + u + 1)
>>> print(f.text(), "=", f.text(substitute=True), "=", f.value)
#> 4·u·(m + u + 1) = 4·10·(1 + 10 + 1) = 480
>>> print(f.tex())
#> 4u(m + u + 1)
"""

from __future__ import annotations

from math import prod

from .records import record

__all__ = ["Expr", "Sym", "Num", "as_expr", "product", "total"]

# Binding strength, used to decide where parentheses are needed.
_SUM, _PRODUCT, _ATOM = 1, 2, 3


class Expr:
    """An integer-valued expression over named symbols."""

    precedence = _ATOM

    @property
    def value(self) -> int:
        raise NotImplementedError

    def symbols(self) -> list[Sym]:
        """The symbols used, in order of first appearance, without repeats."""
        found: dict[str, Sym] = {}
        self._collect(found)
        return list(found.values())

    def _collect(self, found: dict[str, Sym]) -> None:
        pass

    def text(self, substitute: bool = False) -> str:
        """Plain text: ``4·u·(m + u + 1)``, or with values: ``4·10·(1 + 10 + 1)``."""
        return self._render(substitute, latex=False)

    def latex(self, substitute: bool = False) -> str:
        r"""LaTeX: ``4 \cdot u \cdot (m + u + 1)``."""
        return self._render(substitute, latex=True)

    def tex(self) -> str:
        r"""TeX as the site's pages write a formula, products by juxtaposition: ``4u(m + u + 1)``,
        ``k_1 k_2 c f + f``, ``h d_k (f_q + 1)``. Pages show it through ``{{ formula(...) }}``."""
        return self._tex()

    def _tex(self) -> str:
        return self._render(False, latex=True)

    def _render(self, substitute: bool, latex: bool) -> str:
        raise NotImplementedError

    def __add__(self, other: Expr | int) -> Expr:
        return Sum((self, as_expr(other)))

    def __radd__(self, other: int) -> Expr:
        return Sum((as_expr(other), self))

    def __mul__(self, other: Expr | int) -> Expr:
        return Product((self, as_expr(other)))

    def __rmul__(self, other: int) -> Expr:
        return Product((as_expr(other), self))

    def __floordiv__(self, other: Expr | int) -> Expr:
        return Quotient(self, as_expr(other))

    def __str__(self) -> str:
        return self.text()


@record(frozen=True, eq=False)
class Sym(Expr):
    """A named quantity read from a layer's config or input shape, e.g. ``u`` = units."""

    name: str
    val: int
    meaning: str = ""
    latex_name: str | None = None

    @property
    def value(self) -> int:
        return self.val

    def _collect(self, found: dict[str, Sym]) -> None:
        found.setdefault(self.name, self)

    def _render(self, substitute: bool, latex: bool) -> str:
        if substitute:
            return _number(self.val, latex)
        if latex:
            return self.latex_name or _latex_symbol(self.name)
        return self.name

    def _tex(self) -> str:
        if self.latex_name:
            return self.latex_name
        base, _, sub = self.name.partition("_")
        return _latex_symbol(base) + (f"_{sub}" if len(sub) == 1 else f"_{{{sub}}}" if sub else "")


@record(frozen=True, eq=False)
class Num(Expr):
    """A constant, such as the 4 gates of an LSTM."""

    val: int

    @property
    def value(self) -> int:
        return self.val

    def _render(self, substitute: bool, latex: bool) -> str:
        return _number(self.val, latex)


@record(frozen=True, eq=False)
class Sum(Expr):
    terms: tuple[Expr, ...]
    precedence = _SUM

    @property
    def value(self) -> int:
        return sum(t.value for t in self.terms)

    def _collect(self, found: dict[str, Sym]) -> None:
        for t in self.terms:
            t._collect(found)

    def _render(self, substitute: bool, latex: bool) -> str:
        parts = [flatten(t, Sum) for t in self.terms]
        return " + ".join(p._render(substitute, latex) for p in _chain(parts))

    def _tex(self) -> str:
        return " + ".join(t._tex() for t in flatten(self, Sum))

    def __add__(self, other: Expr | int) -> Expr:
        return Sum((*self.terms, as_expr(other)))


@record(frozen=True, eq=False)
class Product(Expr):
    factors: tuple[Expr, ...]
    precedence = _PRODUCT

    @property
    def value(self) -> int:
        return prod(f.value for f in self.factors)

    def _collect(self, found: dict[str, Sym]) -> None:
        for f in self.factors:
            f._collect(found)

    def _render(self, substitute: bool, latex: bool) -> str:
        sep = " \\cdot " if latex else "·"
        out = []
        for f in _chain(flatten(f, Product) for f in self.factors):
            s = f._render(substitute, latex)
            if f.precedence < _PRODUCT:
                s = f"\\left({s}\\right)" if latex else f"({s})"
            out.append(s)
        return sep.join(out)

    def _tex(self) -> str:
        out, previous = "", None
        for f in flatten(self, Product):
            s = f._tex()
            if f.precedence < _PRODUCT:
                s = f"({s})"
            if previous is not None:
                out += _juxtaposed(previous, f)
            out, previous = out + s, f
        return out

    def __mul__(self, other: Expr | int) -> Expr:
        return Product((*self.factors, as_expr(other)))


@record(frozen=True, eq=False)
class Quotient(Expr):
    """Exact division, e.g. input channels per group; Keras refuses configs where it is not."""

    numerator: Expr
    denominator: Expr
    precedence = _PRODUCT

    @property
    def value(self) -> int:
        n, d = self.numerator.value, self.denominator.value
        return n // d

    def _collect(self, found: dict[str, Sym]) -> None:
        self.numerator._collect(found)
        self.denominator._collect(found)

    def _render(self, substitute: bool, latex: bool) -> str:
        n = self.numerator._render(substitute, latex)
        d = self.denominator._render(substitute, latex)
        if latex:
            return f"\\frac{{{n}}}{{{d}}}"
        wrap = lambda e, s: f"({s})" if e.precedence < _ATOM else s  # noqa: E731
        return f"{wrap(self.numerator, n)}/{wrap(self.denominator, d)}"

    def _tex(self) -> str:
        return f"\\frac{{{self.numerator._tex()}}}{{{self.denominator._tex()}}}"


def _juxtaposed(left: Expr, right: Expr) -> str:
    """What goes between two factors: nothing after a number (4u) or before a parenthesis (u(m + 1)),
    nothing between two one-letter symbols (mn), a space otherwise (k_1 k_2); a number on the right
    keeps its dot (4 \\cdot 2)."""
    if isinstance(right, Num):
        return " \\cdot "
    if isinstance(left, Num) or right.precedence < _PRODUCT:
        return ""
    if isinstance(left, Sym) and isinstance(right, Sym) and len(left.name) == len(right.name) == 1:
        return ""
    return " "


def flatten(e: Expr, kind: type) -> list[Expr]:
    if isinstance(e, kind):
        items = e.terms if kind is Sum else e.factors
        return [x for i in items for x in flatten(i, kind)]
    return [e]


def _chain(lists):
    return [x for xs in lists for x in (xs if isinstance(xs, list) else [xs])]


def _number(n: int, latex: bool) -> str:
    s = f"{n:,}"
    return s.replace(",", "{,}") if latex else s


_GREEK = {"alpha", "beta", "gamma", "delta"}


def _latex_symbol(name: str) -> str:
    base, _, sub = name.partition("_")
    if base in _GREEK:
        base = "\\" + base
    elif len(base) > 1:
        base = f"\\mathit{{{base}}}"
    return f"{base}_{{{sub}}}" if sub else base


def as_expr(x: Expr | int) -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"not an integer expression: {x!r}")
    return Num(x)


def product(factors) -> Expr:
    """The product of a shape's dimensions (1 for a scalar weight)."""
    fs = [as_expr(f) for f in factors]
    if not fs:
        return Num(1)
    return fs[0] if len(fs) == 1 else Product(tuple(fs))


def total(terms) -> Expr:
    ts = [as_expr(t) for t in terms]
    if not ts:
        return Num(0)
    return ts[0] if len(ts) == 1 else Sum(tuple(ts))
