r"""MathML, for the site's pages and for the calculator, from one module.

Two ways in, one place:

- :func:`formula` draws a count's formula straight from its expression tree (``4·u·(m + u + 1)
  = 4·10·(1 + 10 + 1) = 480``). It needs nothing but the standard library, so the calculator runs
  it in the browser on Pyodide, and the site's pages use the same function for the same formulas.
- :func:`tex` turns TeX written on a page into MathML Core with ``math-core``, a maintained
  converter that raises on anything it cannot draw (no regular-expression repairs around it). It is
  a compiled extension that Pyodide cannot load, so only the site's build calls it.

The expression tree is drawn the way math-core draws the TeX of the same tree (but a number with
thousands commas is one ``<mn>``), which tests/engine/test_mathml.py checks.

>>> from paramcount.expr import Sym
>>> u, m = Sym("u", 10, "units"), Sym("m", 1, "input features")
>>> print(expression(m + u + 1))
#> <mi>m</mi><mo>+</mo><mi>u</mi><mo>+</mo><mn>1</mn>
>>> print(expression(m + u + 1, substitute=True))
#> <mn>1</mn><mo>+</mo><mn>10</mn><mo>+</mo><mn>1</mn>
"""

from __future__ import annotations

import re
from functools import cache
from html import escape

from ..expr import Expr, Num, Product, Quotient, Sum, Sym, flatten

__all__ = ["TexError", "expression", "formula", "tex"]

# A binary operator's spacing, as TeX spaces \cdot and math-core writes it.
_DOT = '<mo lspace="0.2222em" rspace="0.2222em">⋅</mo>'
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ"}


class TexError(ValueError):
    """TeX that the converter cannot draw."""


def formula(expr: Expr, total: int) -> str:
    """A count as its formula, then its numbers put in, then the total: one ``<math>`` per step,
    so a narrow screen wraps between them. A step equal to the one before is left out."""
    steps = [expression(expr), expression(expr, substitute=True), _number(total)[0]]
    shown = [step for i, step in enumerate(steps) if i == 0 or step != steps[i - 1]]
    return " ".join(f"<math>{'<mo>=</mo>' if i else ''}{step}</math>" for i, step in enumerate(shown))


def expression(expr: Expr, substitute: bool = False) -> str:
    """The MathML children (no ``<math>`` around them) of one expression, symbols or numbers."""
    return "".join(_items(expr, substitute))


def _items(expr: Expr, substitute: bool) -> list[str]:
    """The top-level elements of an expression, in order."""
    if isinstance(expr, Sym):
        return _number(expr.val) if substitute else [_symbol(expr)]
    if isinstance(expr, Num):
        return _number(expr.val)
    if isinstance(expr, Sum):
        terms = [t for term in expr.terms for t in flatten(term, Sum)]
        return _joined([_items(t, substitute) for t in terms], "<mo>+</mo>")
    if isinstance(expr, Product):
        factors = [f for factor in expr.factors for f in flatten(factor, Product)]
        return _joined([_factor(f, substitute) for f in factors], _DOT)
    if isinstance(expr, Quotient):
        parts = [_items(e, substitute) for e in (expr.numerator, expr.denominator)]
        return ["<mfrac>" + "".join(p[0] if len(p) == 1 else f"<mrow>{''.join(p)}</mrow>"
                                    for p in parts) + "</mfrac>"]
    raise TypeError(f"no MathML for {type(expr).__name__}")


def _factor(factor: Expr, substitute: bool) -> list[str]:
    inside = "".join(_items(factor, substitute))
    return [f"<mrow><mo>(</mo>{inside}<mo>)</mo></mrow>"] if isinstance(factor, Sum) else _items(
        factor, substitute)


def _joined(parts: list[list[str]], operator: str) -> list[str]:
    out = parts[0][:]
    for part in parts[1:]:
        out += [operator, *part]
    return out


def _number(n: int) -> list[str]:
    """291840 as one number, 291,840 (math-core draws TeX's 291{,}840 as three tokens; one number
    is what a screen reader should read)."""
    return [f"<mn>{n:,}</mn>"]


def _symbol(sym: Sym) -> str:
    base, _, sub = sym.name.partition("_")
    base_ml = f"<mi>{escape(_GREEK.get(base, base))}</mi>"
    if not sub:
        return base_ml
    # As TeX reads a subscript: a run of digits is one number, each letter its own identifier.
    tokens = [f"<mn>{run}</mn>" if run[0].isdigit() else f"<mi>{escape(run)}</mi>"
              for run in re.findall(r"\d+|.", sub)]
    script = tokens[0] if len(tokens) == 1 else f"<mrow>{''.join(tokens)}</mrow>"
    return f"<msub>{base_ml}{script}</msub>"


@cache
def _converter():
    from math_core import LatexToMathML  # compiled: present at build time, not in Pyodide

    return LatexToMathML(fancy_error=False)


def tex(source: str, display: bool = False) -> str:
    """One TeX formula (without delimiters) as a ``<math>`` element; TexError if it cannot be drawn."""
    from math_core import LatexError  # only the site's build draws TeX; the calculator never does

    try:
        mathml = _converter().convert_with_local_state(source, displaystyle=display)
    except LatexError as error:
        raise TexError(str(error)) from None
    return mathml
