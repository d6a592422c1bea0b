"""The symbolic formulas: exact values, and the three ways of writing them."""

from paramcount.expr import Num, Sym, product, total


def test_lstm_formula_renders_and_evaluates():
    u, m = Sym("u", 128, "units"), Sym("m", 28, "input features")
    f = 4 * u * (m + u + 1)
    assert f.value == 80_384
    assert f.text() == "4·u·(m + u + 1)"
    assert f.text(substitute=True) == "4·128·(28 + 128 + 1)"
    assert f.latex() == r"4 \cdot u \cdot \left(m + u + 1\right)"
    assert f.latex(substitute=True) == r"4 \cdot 128 \cdot \left(28 + 128 + 1\right)"
    assert [s.name for s in f.symbols()] == ["u", "m"]


def test_huge_values_are_exact():
    # Embedding(10**8, 4096): no floats, no allocation, exact.
    v, e = Sym("v", 10**8, "vocabulary"), Sym("e", 4096, "embedding size")
    assert (v * e).value == 409_600_000_000
    assert (v * e).text(substitute=True) == "100,000,000·4,096"


def test_quotient_and_empty_forms():
    c, g, f = Sym("c", 12, ""), Sym("g", 3, ""), Sym("f", 6, "")
    q = 9 * (c // g) * f + f
    assert q.value == 9 * 4 * 6 + 6
    assert q.text() == "9·c/g·f + f"
    assert r"\frac{c}{g}" in q.latex()
    assert product([]).value == 1 and total([]).value == 0
    assert Num(5).text() == "5"


def test_sums_and_products_flatten():
    a, b = Sym("a", 2, ""), Sym("b", 3, "")
    assert ((a + b) + 1).text() == "a + b + 1"
    assert (2 * (a * b)).text() == "2·a·b"
    assert ((a + b) * (a + 1)).text() == "(a + b)·(a + 1)"


def test_tex_writes_products_as_the_pages_do() -> None:
    u, m = Sym("u", 10, "units"), Sym("m", 1, "input features")
    k1, k2, c, f, g = (Sym(n, 3) for n in ("k_1", "k_2", "c", "f", "g"))
    assert (4 * u * (m + u + 1)).tex() == "4u(m + u + 1)"
    assert (2 * (4 * u * (m + u))).tex() == r"2 \cdot 4u(m + u)"
    assert (k1 * k2 * c * f + f).tex() == "k_1 k_2 cf + f"
    assert ((k1 * k2 * c * f) // g + f).tex() == r"\frac{k_1 k_2 cf}{g} + f"
    assert (u * 4).tex() == r"u \cdot 4"
