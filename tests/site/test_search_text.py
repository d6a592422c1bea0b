"""Site search shows formulas as readable text: each drawn formula carries its text form, which
Material's search indexes in place of the MathML (whose characters would run together)."""

from __future__ import annotations

import json
from pathlib import Path

import markdown

from paramcount_site.mathml import math_elements, math_text

GATES = r"\begin{aligned} i_t &= \sigma(x_t W_i + h_{t-1} U_i + b_i) & \text{input gate} \\ " \
        r"o_t &= \sigma(x_t W_o + h_{t-1} U_o + b_o) & \text{output gate} \end{aligned}"


def text_of(source: str, display: bool = False) -> str:
    return " ".join(math_text(piece).strip() for piece in math_elements(source, display))


def test_a_formula_reads_as_text():
    assert text_of(GATES, display=True) == ("i_t = σ(x_t W_i + h_(t−1) U_i + b_i) input gate; "
                                            "o_t = σ(x_t W_o + h_(t−1) U_o + b_o) output gate")
    assert text_of(r"4u(m + u + 1) = 4 \cdot 2 \cdot 6") == "4u(m + u + 1) = 4 ⋅ 2 ⋅ 6"
    assert text_of(r"\frac{k_1 k_2 c f}{g} + u^2") == "(k_1 k_2 cf)/(g) + u^2"


def convert(text: str) -> str:
    md = markdown.Markdown(extensions=["attr_list", "pymdownx.arithmatex", "paramcount_site.mathml"],
                           extension_configs={"pymdownx.arithmatex": {"generic": True}})
    return md.convert(text)


def test_the_mathml_is_left_out_of_search_and_the_text_put_in():
    html = convert(r"The count is $4u(m + u + 1) = 48$ here.")
    assert html.count("<math") == html.count("<math data-search-exclude") == 2  # a piece a line
    assert '<span aria-hidden="true" class="pc-math-text">4u(m + u + 1) = 48</span>' in html


def test_math_in_a_heading_stays_as_it_is():
    """A heading's text is its title (navigation, search result): no copy is added to it."""
    html = convert(r"# Why $3u(m + u + 1)$?")
    assert "pc-math-text" not in html and "data-search-exclude" not in html


def test_the_search_index_holds_the_text_form(built_site: Path):
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    section = next(d for d in index["docs"] if d["location"] == "formulas/lstm/#derivation")
    assert "i_t = σ(x_t W_i + h_(t−1) U_i + b_i)" in section["text"]
    assert "it=σ" not in section["text"].replace(" ", "")
