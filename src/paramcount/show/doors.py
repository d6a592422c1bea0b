"""Where a count leads: the section of the site that derives its formula, and what each constant
in the formula stands for, in words (the calculator shows both under every result).

The meanings are read from what paramcount knows about the layer, never from a list of sentences:
the registry's gates (``4``: LSTM's input, forget, cell candidate and output gates), the layers a
wrapper holds (``2``: the forward and backward copies), and the weights themselves (``4`` equal
vectors of BatchNormalization, the ``2`` rows of GRU's bias, the bias behind a ``+ 1``).

>>> import paramcount
>>> lstm = paramcount.explain_layer("LSTM(10)", "(None, 1)")
>>> print(formula_section(lstm.class_name))
#> formulas/lstm.md#count
>>> gates, bias = constant_meanings(lstm)
>>> print(gates[0], gates[1].split(" (")[0])
#> 4 the input, forget, cell candidate and output gates
>>> print(*bias)
#> 1 the bias: one more weight for each output
"""

from __future__ import annotations

from ..expr import Expr, Num, Product, Quotient, Sum
from ..formulas.registry import registration
from ..result import LayerCount, Weight

__all__ = ["formula_section", "constant_meanings"]

# The section of each formula page where the count is derived. The pages' headings carry these
# anchors ({#count}); tests/engine/test_doors.py checks that every one exists.
SECTIONS = {
    "formulas/lstm.md": "count",
    "formulas/gru.md": "derivation",
    "formulas/simplernn.md": "derivation",
    "formulas/bidirectional.md": "derivation",
    "formulas/timedistributed.md": "derivation",
    "formulas/dense.md": "derivation",
    "formulas/embedding.md": "derivation",
    "formulas/conv.md": "count",
    "formulas/separable-depthwise.md": "count",
    "formulas/convlstm.md": "count",
    "formulas/normalization.md": "count",
    "formulas/attention.md": "count",
    "formulas/transformer.md": "encoder",
}
# Classes that share a family page but have a section of their own on it.
OWN_SECTIONS = {
    **dict.fromkeys(["BatchNormalization", "SyncBatchNormalization"], "batchnormalization"),
    **dict.fromkeys(["LayerNormalization", "GroupNormalization"], "layernormalization"),
    "Normalization": "normalization-layer",
    "EinsumDense": "einsumdense",
    **dict.fromkeys(["Attention", "AdditiveAttention"], "dot-and-additive"),
    **dict.fromkeys(["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
                     "Convolution1DTranspose", "Convolution2DTranspose",
                     "Convolution3DTranspose"], "transposed"),
    **dict.fromkeys(["RNN", "StackedRNNCells", "SimpleRNNCell", "LSTMCell", "GRUCell"], "rnn-cell"),
    # KerasHub's, registered under keras_hub>, on the transformer page
    "keras_hub>TransformerDecoder": "decoder",
    **dict.fromkeys([f"keras_hub>{name}" for name in (
        "PositionEmbedding", "TokenAndPositionEmbedding", "ReversibleEmbedding",
        "RotaryEmbedding", "SinePositionEncoding", "AlibiBias")], "embeddings"),
    "keras_hub>MaskedLMHead": "masked-lm-head",
    **dict.fromkeys([f"keras_hub>{name}" for name in (
        "FNetEncoder", "CachedMultiHeadAttention", "RMSNormalization")], "registered-names"),
}


def formula_section(class_name: str) -> str | None:
    """``"formulas/lstm.md#count"``: the docs page and section that derive the class's formula,
    or None for a class without a page of its own."""
    registered = registration(class_name)
    if registered is None or registered.page is None:
        return None
    anchor = OWN_SECTIONS.get(class_name) or SECTIONS.get(registered.page)
    return f"{registered.page}#{anchor}" if anchor else registered.page


def constant_meanings(layer: LayerCount) -> list[tuple[int, str]]:
    """Each constant of the layer's formula with what it stands for, in the order the formula
    writes them; a number written twice for two reasons (Bidirectional(GRU): 2 copies, and 2
    biases per gate) gets both. A constant nothing explains is left out rather than guessed."""
    constants = _constants(layer.expr)
    found = []
    for number in dict.fromkeys(constants):
        meanings = [m for explain in EXPLAINERS if (m := explain(number, layer))]
        found += [(number, m) for m in list(dict.fromkeys(meanings))[:constants.count(number)]]
    return found


def _constants(expr: Expr) -> list[int]:
    if isinstance(expr, Num):
        return [expr.value]
    if isinstance(expr, Sum):
        return [n for term in expr.terms for n in _constants(term)]
    if isinstance(expr, Product):
        return [n for factor in expr.factors for n in _constants(factor)]
    if isinstance(expr, Quotient):
        return _constants(expr.numerator) + _constants(expr.denominator)
    return []


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _shape(symbolic: tuple[str, ...]) -> str:
    return f"({', '.join(symbolic)}{',' if len(symbolic) == 1 else ''})"


def _gated_layers(layer: LayerCount):
    yield layer
    for sub in layer.sublayers:
        yield from _gated_layers(sub)


def _gates(number: int, layer: LayerCount) -> str | None:
    for each in _gated_layers(layer):
        registered = registration(each.class_name)
        gates = registered.gates if registered else ()
        if gates and len(gates) == number:
            return (f"the {_listed([meaning for _, meaning in gates])} gates "
                    f"({', '.join(letter for letter, _ in gates)}), side by side in each kernel "
                    "and bias")
    return None


def _copies(number: int, layer: LayerCount) -> str | None:
    if number >= 2 and len(layer.sublayers) == number:
        names = [f"{sub.name} ({sub.class_name})" for sub in layer.sublayers]
        return f"the {number} layers it holds, {_listed(names)}, each with weights of its own"
    return None


def _equal_weights(number: int, layer: LayerCount) -> str | None:
    """``4·c``: four weights of the same shape (BatchNormalization's gamma, beta, moving_mean
    and moving_variance)."""
    if number < 2:
        return None
    for each in _gated_layers(layer):
        if each.sublayers:  # a wrapper's equal weights are its copies' (_copies)
            continue
        by_shape: dict[tuple[str, ...], list[Weight]] = {}
        for weight in each.weights:
            if weight.symbolic:
                by_shape.setdefault(weight.symbolic, []).append(weight)
        for shape, weights in by_shape.items():
            if len(weights) == number:
                listed = _listed([w.path for w in weights])
                return f"the {number} weights of shape {_shape(shape)}: {listed}"
    return None


def _leading_axis(number: int, layer: LayerCount) -> str | None:
    """``(m + u + 2)``: GRU's bias of shape (2, 3·u), one row for the input and one for the state."""
    for weight in layer.weights:
        if weight.symbolic and len(weight.symbolic) > 1 and weight.symbolic[0] == str(number):
            return (f"the {number} rows of {weight.path}, shape {_shape(weight.symbolic)}"
                    + (f" — {note}" if (note := _note_about(weight, layer)) else ""))
    return None


def _note_about(weight: Weight, layer: LayerCount) -> str | None:
    notes = [n for each in _gated_layers(layer) for n in each.notes]
    return next((note for note in notes if weight.name in note or f"{weight.name}es" in note), None)


def _scalar(number: int, layer: LayerCount) -> str | None:
    """A formula that is ``1``: one weight holding a single number (Attention's scale)."""
    scalars = [w.path for w in layer.weights if w.shape == ()]
    if number == 1 and scalars and layer.params == len(scalars):
        return f"{_listed(scalars)}, a single number"
    return None


def _bias(number: int, layer: LayerCount) -> str | None:
    """``(m + u + 1)``: the bias, one more weight for each output."""
    if number != 1 or not any(w.name == "bias" for w in _all_weights(layer)):
        return None
    return "the bias: one more weight for each output"


def _all_weights(layer: LayerCount) -> list[Weight]:
    return list(layer.weights) + [w for sub in layer.sublayers for w in _all_weights(sub)]


# Tried in this order; the first that explains a number gives its first meaning.
EXPLAINERS = (_gates, _copies, _equal_weights, _leading_axis, _scalar, _bias)
