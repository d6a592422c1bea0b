"""Every calculator result is a door: a link to the section deriving its formula, the constants of
the formula in words, and for an unknown class, links to where any layer can be counted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import paramcount
from paramcount import web
from paramcount.formulas.registry import REGISTRY, load_formulas, registration
from paramcount.show.doors import constant_meanings, formula_section

DOCS = Path(__file__).resolve().parents[2] / "docs"
load_formulas()


def anchors_of(markdown_path: str) -> set[str]:
    text = (DOCS / markdown_path).read_text(encoding="utf-8")
    return set(re.findall(r"^#+ .*\{#([\w-]+)\}\s*$", text, re.M))


@pytest.mark.parametrize("name", sorted(n for n, c in REGISTRY.items() if c.page))
def test_every_class_with_a_page_links_to_a_section_that_exists(name):
    page, _, anchor = formula_section(name).partition("#")
    assert page == REGISTRY[name].page and anchor in anchors_of(page)


def test_a_class_without_a_page_has_no_section():
    assert next(n for n, c in REGISTRY.items() if c.page is None) and all(
        formula_section(n) is None for n, c in REGISTRY.items() if c.page is None)
    assert formula_section("NoSuchLayer") is None


@pytest.mark.parametrize("code, shape", [("LSTM(8)", "(None, 3)"), ("GRU(4)", "(5, 2)"),
                                         ("ConvLSTM2D(4, 3)", "(5, 8, 8, 2)"),
                                         ("Bidirectional(LSTM(8))", "(5, 3)")])
def test_the_gate_count_is_said_with_every_gate_the_registry_names(code, shape):
    layer = paramcount.explain_layer(code, shape)
    inner = layer.sublayers[0] if layer.sublayers else layer
    gates = registration(inner.class_name).gates
    meanings = dict(constant_meanings(layer))  # the first meaning of each number
    said = meanings[len(gates)]
    assert all(meaning in said and letter in said for letter, meaning in gates)


def test_equal_weights_are_named_by_their_paths():
    layer = paramcount.explain_layer("BatchNormalization()", "(16,)")
    [(number, meaning)] = constant_meanings(layer)
    assert number == len(layer.weights) and all(w.path in meaning for w in layer.weights)


def test_a_number_written_for_two_reasons_gets_both():
    layer = paramcount.explain_layer("Bidirectional(GRU(8))", "(5, 3)")
    twos = [meaning for number, meaning in constant_meanings(layer) if number == 2]
    assert len(twos) == 2
    assert "forward_gru" in twos[0] and "backward_gru" in twos[0]  # the two copies
    assert "bias" in twos[1]  # and the two biases of each gate (reset_after)


def test_a_constant_nothing_explains_is_left_out():
    layer = paramcount.explain_layer("Conv2D(8, 3)", "(8, 8, 3)")
    assert constant_meanings(layer) == []  # k_1·k_2·c·f + f: no constant to explain


def built_path(href: str) -> Path:
    """The Markdown file an href from the calculator page (calculator/) leads to."""
    path = href.removeprefix(web.SITE_ROOT).split("#")[0].split("?")[0].rstrip("/")
    return DOCS / f"{path}.md"


def test_the_panel_links_to_the_formula_section_and_says_the_constants():
    answer = web.result("LSTM(10)", "(None, 1)")
    html = answer["results_html"]
    assert answer["formula_page"] == "formulas/lstm.md#count"
    link = re.search(r'<a href="([^"]+)" data-door="formula">([^<]+)</a>', html)
    assert link[1] == "../formulas/lstm/#count" and "LSTM" in link[2]
    assert built_path(link[1]).is_file()
    for number, meaning in answer["constants"]:
        assert f"<strong>{number}</strong>: {meaning}" in html


def test_a_class_without_a_page_links_to_itself_among_the_supported_layers():
    html = web.result("PReLU()", "(3, 4)")["results_html"]
    assert '<a href="../supported-layers/?filter=PReLU" data-door="supported">' in html


@pytest.mark.parametrize("code", ["MyLayer(3)", "Bidirectional(MyLayer(3))", "LTSM(3)"])
def test_an_unknown_class_points_to_the_supported_layers_and_to_a_saved_file(code):
    answer = web.result(code, "(None, 3)")
    assert not answer["ok"] and answer["field"] == "layer"
    hrefs = re.findall(r'href="([^"]+)"', answer["door_html"])
    assert hrefs == ["../supported-layers/", "../explain/#custom-layers"]
    assert all(built_path(h).is_file() for h in hrefs)
    assert "custom-layers" in anchors_of("explain.md")


def test_other_errors_have_no_door():
    assert "door_html" not in web.result("LSTM(-3)", "(None, 3)")
