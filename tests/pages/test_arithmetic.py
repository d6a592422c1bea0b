"""Every equation a page writes is true: sums and products in prose and math are evaluated.

What counts as an equation is written down in page_math; in short, a run of `=` whose sides are
numbers and arithmetic (`24 + 16 + 8 = 48`, `$4 \\cdot 2 \\cdot (3 + 2 + 1) = 48$`,
`2 × 80,384 = 160,768`), or symbolic sides that must be the same polynomial (`mn + n = n(m + 1)`).
No Keras here: the check reads the pages only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pagecheck.docs import DOCS, rel
from pagecheck.equations import line_tokens, page_equations, parse_tex, same_polynomial

PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=[rel(p) for p in PAGES])
def test_every_equation_on_the_page_is_true(page: Path) -> None:
    problems = [eq.problem() for eq in page_equations(page)]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_the_pages_have_equations_to_check() -> None:
    """A tokenizer that stopped seeing equations would pass every page: count what it finds."""
    assert sum(len(page_equations(page)) for page in PAGES) >= 60


# --- The check bites, on pages written to a temporary directory. ---


def problems_on(tmp_path: Path, text: str) -> list[str]:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return [p for eq in page_equations(page) if (p := eq.problem())]


@pytest.mark.parametrize(
    "line",
    [
        "Three blocks: 24 + 16 + 8 = 49 parameters.",
        "It has $4 \\cdot 2 \\cdot (3 + 2 + 1) = 46$ weights.",
        "Twice: 2 × 80,384 = 160,786.",
        "A gate reads $2 \\cdot 16$ = 30 numbers.",
        "$3 \\cdot 3 \\cdot 32 + 32 \\cdot 64 + 64 = 288 + 2{,}048 + 64 = 2{,}401$",
        "$$\n\\text{params} = mn + n = n(m + 2)\n$$",
        "**4 × 440 = 1,706**",
        "$\\frac{512}{8} = 63$",
        "$4u(m + u + 1) = 4u^2 + 4um + 4$",
        "The recurrent kernel (2 × 8 = 17) and the bias.",
        "$3 \\cdot 3 \\cdot 32 = 287$ (or 320 with biases)",
    ],
)
def test_a_false_equation_fails_naming_page_and_line(tmp_path: Path, line: str) -> None:
    problems = problems_on(tmp_path, f"# A page\n\nSome text.\n{line}\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'page.md'}:4: ")


@pytest.mark.parametrize(
    "line",
    [
        "Three blocks: 24 + 16 + 8 = 48 parameters, and 1 × 1 convolutions of 3 × 3 kernels.",
        "$4 \\cdot 2 \\cdot (3 + 2 + 1) = 48$ and $\\text{params} = 4u(m + u + 1)$",
        "$P = 4f\\,k_1 k_2\\, c + 4f\\,k_1 k_2\\, f + 4f = 4f\\,\\big(k_1 k_2\\,(c + f) + 1\\big)$",
        "After concat the Dense reads $2u$ = 32 features, with $h\\,d_k = m$ and `use_bias=False`.",
        "$\\underbrace{288 + 32}_{\\texttt{Depthwise}} + \\underbrace{2{,}048 + 64}_{\\text{b}} = 2{,}432$",
        "$i_t = \\sigma(x_t W_i + h_{t-1} U_i + b_i)$ and $y = \\gamma \\odot x + \\beta$",
        "Keras 2 = Keras 3? LSTM(10) has 480.",
        "The recurrent kernel (2 × 8 = 16) and the bias ((8)).",
    ],
)
def test_true_equations_and_other_text_pass(tmp_path: Path, line: str) -> None:
    assert problems_on(tmp_path, f"{line}\n") == []


def test_code_is_not_prose(tmp_path: Path) -> None:
    text = "```py\nprint(2 + 2 == 5)\n# 2 + 2 = 5\n```\n`2 + 2 = 5` in code\n"
    assert problems_on(tmp_path, text) == []


def test_tex_is_read_as_written() -> None:
    point = {"u": 7, "m": 3}
    assert parse_tex("4u(m + u + 1)").evaluate(point) == 4 * 7 * 11
    assert parse_tex(r"2 \cdot 4u\left(m + u + 1\right)").evaluate(point) == 2 * 4 * 7 * 11
    assert parse_tex(r"mu + u^2 + 2u").evaluate(point) == 21 + 49 + 14
    assert parse_tex(r"\frac{m}{u} u").evaluate(point) == 3
    assert same_polynomial(parse_tex("k_1 k_2 c f + f"), parse_tex(r"f\,(k_1 k_2\, c + 1)"))
    assert not same_polynomial(parse_tex("4u(m + u + 1)"), parse_tex("4u(m + u) + 4"))
    assert [t.kind for t in line_tokens("$291{,}840$ = 291,840")] == ["num", "=", "num"]


def test_a_table_total_is_the_sum_of_its_column(tmp_path: Path) -> None:
    table = "| weight | count | shape |\n|---|---:|---|\n| `kernel` | 28,672 | $28 \\times 1024$ |\n"
    table += "| `bias` | 1,024 | $1024$ |\n"
    assert problems_on(tmp_path, table + "| total | 29,696 | |\n") == []
    (problem,) = problems_on(tmp_path, table + "| **total** | 29,969 | |\n")
    assert problem.endswith(":5: 28,672 + 1,024 = 29,969 is false: the sides are 29,696 = 29,969")
