"""The calculator's entry point: which field an error belongs to comes from the error itself."""

import pytest

import paramcount
from paramcount import web


@pytest.mark.parametrize(("code", "shape"), [
    ("LSTM(10)", "(5,)"),              # the layer cannot take this rank
    ("LSTM(10)", "(5, 3"),             # the shape does not read
    ("Dense(4)", ""),                  # no shape at all
    ("Conv2D(4, 30)", "(8, 8, 3)"),    # the kernel does not fit the input
    ("BatchNormalization(axis=5)", "(3, 4)"),
])
def test_shape_errors_name_the_shape_field(code, shape):
    with pytest.raises(paramcount.ParamcountError) as raised:
        paramcount.explain_layer(code, shape or None)
    assert raised.value.field == "input_shape"
    assert web.result(code, shape) == {"ok": False, "error": str(raised.value),
                                       "field": "input_shape"}


@pytest.mark.parametrize("code", ["LTSM(10)", "LSTM(-4)", "LSTM(10", "Reshape((4, 6))"])
def test_other_errors_name_the_layer_field(code):
    answer = web.result(code, "(20, 3)")
    assert answer["ok"] is False and answer["field"] == "layer"


def test_a_message_that_mentions_a_shape_is_not_enough(monkeypatch):
    """The field is the error's, not a guess from its words."""
    def fails(entry, shape):
        raise paramcount.ParamcountError("about the input shape, of rank 3, got shape (1,)")

    monkeypatch.setattr(web, "count_layer_entry", fails)
    assert web.result("Dense(4)", "(3,)")["field"] == "layer"


def test_the_panel_is_rendered_from_the_count():
    answer = web.result("LSTM(10)", "(None, 1)")
    layer = paramcount.explain_layer("LSTM(10)", "(None, 1)")
    assert web.results_html(answer) == answer["results_html"]
    for weight in layer.weights:
        assert f'data-weight-path="{weight.path}"' in answer["results_html"]
    assert web.results_html({"ok": False, "error": "x", "field": "layer"}) == ""
