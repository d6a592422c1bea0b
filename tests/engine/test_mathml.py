"""paramcount.show.mathml: a formula drawn from its expression tree (what the calculator runs in Pyodide)
is the MathML that math-core makes of the same formula's TeX (what the site's pages use)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paramcount
from paramcount.expr import Num, Product, Quotient, Sum, Sym
from paramcount.show.mathml import expression, formula, tex
from paramcount_site.mathml import HTML_ENTITY, _character

# Layers whose formulas use every kind of node: sums, products, brackets, fractions, subscripts.
LAYERS = [
    ("LSTM(20)", "(20, 1)"),
    ("GRU(4)", "(None, 3)"),
    ("GRU(4, reset_after=False)", "(None, 3)"),
    ("Bidirectional(LSTM(8))", "(7, 3)"),
    ("Dense(10, lora_rank=2)", "(784,)"),
    ("Dense(10, use_bias=False)", "(784,)"),
    ("Conv2D(32, 3, groups=4)", "(28, 28, 8)"),
    ("Conv1D(8, 5, use_bias=False)", "(100, 3)"),
    ("ConvLSTM2D(16, 3)", "(5, 28, 28, 1)"),
    ("SeparableConv2D(64, 3)", "(28, 28, 32)"),
    ("DepthwiseConv2D(3, depth_multiplier=2)", "(28, 28, 32)"),
    ("Embedding(1000, 64)", "(10,)"),
    ("BatchNormalization()", "(8, 8, 16)"),
    ("LayerNormalization()", "(8, 16)"),
    ("MultiHeadAttention(num_heads=2, key_dim=4)", "(5, 8)"),
    ("GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)", "(5, 8)"),
    ("Flatten()", "(4, 4)"),
]


def shape(mathml: str) -> list[tuple[str, str]]:
    """What a reader sees: every element in order with its text, attributes (spacing) and grouping
    rows left out, and math-core's 1{,}000 (number, comma, number) read as the one number
    paramcount writes."""
    root = ET.fromstring(HTML_ENTITY.sub(_character, f"<root>{mathml}</root>"))
    seen = [(e.tag, (e.text or "").strip()) for e in root.iter() if e.tag not in {"root", "math", "mrow"}]
    joined: list[tuple[str, str]] = []
    for item in seen:
        if len(joined) >= 2 and item[0] == "mn" and joined[-1] == ("mo", ",") and joined[-2][0] == "mn":
            joined[-2:] = [("mn", f"{joined[-2][1]},{item[1]}")]
        else:
            joined.append(item)
    return joined


def same_as_math_core(expr, substitute: bool) -> None:
    drawn = expression(expr, substitute)
    converted = tex(expr.latex(substitute))
    assert shape(drawn) == shape(converted), (expr.latex(substitute), drawn, converted)


@pytest.mark.parametrize(("layer", "input_shape"), LAYERS)
def test_every_kind_of_formula_is_drawn_as_math_core_draws_its_tex(layer, input_shape):
    count = paramcount.explain_layer(layer, input_shape)
    for substitute in (False, True):
        same_as_math_core(count.expr, substitute)


SYMBOLS = st.builds(Sym, st.sampled_from(["u", "m", "k", "d_k", "h_kv", "gamma", "c_in"]),
                    st.integers(1, 10**7))
LEAVES = SYMBOLS | st.builds(Num, st.integers(0, 10**7))
TREES = st.recursive(LEAVES, lambda inner: (
    st.builds(lambda ts: Sum(tuple(ts)), st.lists(inner, min_size=2, max_size=3))
    | st.builds(lambda fs: Product(tuple(fs)), st.lists(inner, min_size=2, max_size=3))
    | st.builds(Quotient, inner, inner)), max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(TREES, st.booleans())
def test_any_expression_is_drawn_as_math_core_draws_its_tex(expr, substitute):
    same_as_math_core(expr, substitute)


def test_a_count_is_its_formula_then_the_numbers_then_the_total():
    count = paramcount.explain_layer("LSTM(256)", "(None, 3)")
    steps = [ET.fromstring(HTML_ENTITY.sub(_character, m + "</math>"))
             for m in formula(count.expr, count.params).split("</math>") if m.strip()]
    assert ["".join(s.itertext()) for s in steps] == ["4⋅u⋅(m+u+1)", "=4⋅256⋅(3+256+1)", "=266,240"]
    one_step = paramcount.explain_layer("Flatten()", "(4, 4)")
    assert formula(one_step.expr, one_step.params).count("<math>") == 1  # 0 = 0 = 0 said once
