"""The reconciler on tables KerasHub prints: a summary names a KerasHub class by its bare name
(``TransformerEncoder``), which paramcount registers as ``keras_hub>TransformerEncoder``. Small
models are built in keras-hub 0.32 and their own ``summary()`` text is reconciled: each KerasHub
row is completed to its registered class, and explained with the model's real setting among the
fits (or says why its count cannot be solved); a backbone inside a task model is a nested model.
"""

from __future__ import annotations

import os

import pytest

from paramcount.formulas.registry import registration
from paramcount.reconciling import reconcile

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
keras_hub = pytest.importorskip("keras_hub")

os.environ["COLUMNS"] = "240"  # rich crops a table wider than the terminal


def summary(model) -> str:
    lines: list[str] = []
    model.summary(print_fn=lambda s, *a, **kw: lines.append(s))
    return "\n".join(lines)


def rows_by_name(model):
    text = summary(model)
    result = reconcile(text)
    return {r.name: r for r in result.rows}, result, text


def fits_real(row, layer) -> bool:
    """One fit names every hidden setting as the real layer's config has it."""
    config = layer.get_config()
    return any(all(config.get(k) == v for k, v in f.settings.items()) for f in row.fits)


def test_kerashub_layers_in_a_functional_model_are_explained():
    keras.backend.clear_session()
    hub = keras_hub.layers
    tokens = keras.Input((6,), dtype="int32")
    x = hub.TokenAndPositionEmbedding(vocabulary_size=40, sequence_length=6, embedding_dim=8)(
        tokens)
    x = hub.TransformerEncoder(intermediate_dim=16, num_heads=2)(x)
    x = hub.TransformerDecoder(intermediate_dim=12, num_heads=4)(x)
    x = keras.layers.Dense(3)(x)
    model = keras.Model(tokens, x)
    rows, result, text = rows_by_name(model)
    checked = 0
    for layer in model.layers[1:]:
        row = rows[layer.name]
        assert row.params == layer.count_params(), text
        assert row.printed_class == type(layer).__name__, text
        registered = row.class_name
        assert registration(registered) is not None, f"{registered} not completed\n{text}"
        hides = registration(registered).hides
        if hides.why:  # a count the table cannot take apart: said so, never guessed
            assert not row.explained and hides.why in row.note, result.text()
            continue
        assert row.explained and fits_real(row, layer), result.text()
        assert all(f.layer.params == layer.count_params() for f in row.fits)
        checked += 1
    assert checked == 3  # the encoder, the decoder and the Dense
    encoder = rows[model.layers[2].name]
    assert encoder.class_name == "keras_hub>TransformerEncoder"
    assert "TransformerEncoder → keras_hub>TransformerEncoder" in result.text()
    assert "this TransformerEncoder has intermediate_dim=16" in encoder.derivation


def test_a_backbone_in_a_task_model_is_a_nested_model():
    keras.backend.clear_session()
    backbone = keras_hub.models.BertBackbone(vocabulary_size=30, num_layers=1, num_heads=2,
                                             hidden_dim=8, intermediate_dim=16,
                                             max_sequence_length=12)
    task = keras_hub.models.BertTextClassifier(backbone=backbone, num_classes=2,
                                               preprocessor=None)
    rows, result, text = rows_by_name(task)
    row = rows[backbone.name]
    assert row.class_name == "keras_hub>BertBackbone", text
    assert row.params == backbone.count_params()
    assert not row.explained and "KerasHub backbone, a nested model" in row.note
    logits = rows["logits"]
    assert logits.explained and "reads 8 input features" in logits.derivation
    # The backbone's own summary: its KerasHub layers completed and explained.
    rows, result, text = rows_by_name(backbone)
    encoder = rows["transformer_layer_0"]
    assert encoder.class_name == "keras_hub>TransformerEncoder", text
    assert encoder.explained and fits_real(encoder, backbone.get_layer("transformer_layer_0"))
    assert rows["position_embedding"].class_name == "keras_hub>PositionEmbedding", text
