"""KerasHub's layers (keras-hub 0.32): random small configs built in KerasHub inside functional
models must count exactly as paramcount counts them from the configs Keras writes (totals, every
weight's path and shape, the trainable split), with and without build_config."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import paramcount
from keras_compare import (
    KERAS_SETTINGS,
    assert_matches_keras,
    assert_output_shapes_match,
    record_compared,
)

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
keras_hub = pytest.importorskip("keras_hub")
hub = keras_hub.layers

SETTINGS = KERAS_SETTINGS
small = st.integers(1, 6)


@st.composite
def width_and_heads(draw):
    """Input features m and heads h with m ≥ h (KerasHub refuses a head size m // h of 0); m
    need not be a multiple of h."""
    heads = draw(st.integers(1, 4))
    return draw(st.integers(heads, 12)), heads


def check(model) -> None:
    assert_matches_keras(model)
    assert_output_shapes_match(model)


@SETTINGS
@given(width_and_heads(), small, st.booleans(), st.booleans(), st.sampled_from([3, 4]),
       st.booleans())
def test_transformer_encoder(mh, f, normalize_first, frozen, rank, masked):
    """trainable=False given to the constructor is what a config holds: the inner layers are made
    later, in build(), and stay trainable, in the model as built and as loaded."""
    m, h = mh
    keras.backend.clear_session()
    x = keras.Input((3,) * (rank - 2) + (m,))
    encoder = hub.TransformerEncoder(f, h, normalize_first=normalize_first, trainable=not frozen)
    inputs = [x]
    if masked and rank == 3:  # a padding mask, passed by keyword, shapes no weight
        mask = keras.Input((3,), dtype="bool")
        inputs.append(mask)
        out = encoder(x, padding_mask=mask)
    else:
        out = encoder(x)
    check(keras.Model(inputs, out))


def strip_sequence_shapes(config: dict) -> dict:
    """The config without the shapes TransformerDecoder records, so they come from its inputs."""
    for entry in config["config"]["layers"]:
        entry["config"].pop("decoder_sequence_shape", None)
        entry["config"].pop("encoder_sequence_shape", None)
    return config


@SETTINGS
@given(width_and_heads(), small, st.one_of(st.none(), st.integers(1, 9)),
       st.sampled_from(["positional", "keyword"]), st.booleans(), st.booleans())
def test_transformer_decoder(mh, f, encoder_width, style, normalize_first, frozen):
    """With an encoder sequence the decoder builds a cross-attention block (its key and value
    projections take the encoder's width); without one it is an encoder block under other
    names."""
    m, h = mh
    keras.backend.clear_session()
    x = keras.Input((4, m))
    decoder = hub.TransformerDecoder(f, h, normalize_first=normalize_first, trainable=not frozen)
    if encoder_width is None:
        inputs, out = [x], decoder(x)
    else:
        context = keras.Input((5, encoder_width))
        inputs = [x, context]
        out = decoder(x, context) if style == "positional" else decoder(x, encoder_sequence=context)
    model = keras.Model(inputs, out)
    check(model)
    # Weights from the call's inputs alone, as when a config was written by hand.
    config = strip_sequence_shapes(json.loads(model.to_json()))
    assert paramcount.count(config).total == model.count_params()


def test_decoder_called_against_its_config_is_refused():
    keras.backend.clear_session()
    x, context = keras.Input((4, 8)), keras.Input((5, 6))
    model = keras.Model([x, context], hub.TransformerDecoder(4, 2)(x, context))
    config = json.loads(model.to_json())
    entry = config["config"]["layers"][-1]
    entry["inbound_nodes"][0]["args"] = entry["inbound_nodes"][0]["args"][:1]  # no encoder
    with pytest.raises(paramcount.ParamcountError, match="built with cross-attention"):
        paramcount.count(config)


@SETTINGS
@given(st.integers(2, 40), st.integers(1, 8), small, st.booleans(), st.booleans(), st.booleans())
def test_token_and_position_embedding(vocabulary, sequence_length, dim, tie_weights, mask_zero,
                                      frozen):
    """A ReversibleEmbedding (v·e, and e·v more when untied) and a PositionEmbedding (s·e). The
    input may be shorter than sequence_length; sine and rotary encodings after it add nothing."""
    keras.backend.clear_session()
    tokens = keras.Input((sequence_length,), dtype="int32")
    x = hub.TokenAndPositionEmbedding(vocabulary, sequence_length, 2 * dim, tie_weights=tie_weights,
                                      mask_zero=mask_zero, trainable=not frozen)(tokens)
    x = hub.SinePositionEncoding()(x)
    x = hub.RotaryEmbedding(max_wavelength=100)(x)
    check(keras.Model(tokens, x))


@SETTINGS
@given(st.integers(1, 8), small, st.sampled_from([3, 4]), st.booleans())
def test_position_embedding(sequence_length, features, rank, frozen):
    """Its own weight, made in build(), follows trainable=False (unlike the composite layers)."""
    keras.backend.clear_session()
    x = keras.Input((2,) * (rank - 2) + (features,))
    check(keras.Model(x, hub.PositionEmbedding(sequence_length, trainable=not frozen)(x)))


@SETTINGS
@given(st.integers(2, 30), small, st.booleans(), st.booleans())
def test_keras_hub_reversible_embedding(vocabulary, dim, tie_weights, frozen):
    keras.backend.clear_session()
    tokens = keras.Input((5,), dtype="int32")
    table = hub.ReversibleEmbedding(vocabulary, dim, tie_weights=tie_weights,
                                    trainable=not frozen)
    logits = table(table(tokens), reverse=True)
    check(keras.Model(tokens, logits))


@SETTINGS
@given(width_and_heads(), st.integers(2, 30), st.booleans(), st.booleans())
def test_masked_lm_head_with_its_own_kernel(mh, vocabulary, positions_by_keyword, frozen):
    """Untied: a Dense (m → m) and a LayerNormalization, then its own m×v kernel and v biases.
    Frozen in the constructor, only its own kernel and bias are frozen (made by add_weight in
    build()); its Dense and LayerNormalization are made later and stay trainable."""
    m, _ = mh
    keras.backend.clear_session()
    x = keras.Input((6, m))
    positions = keras.Input((2,), dtype="int32")
    head = hub.MaskedLMHead(vocabulary_size=vocabulary, trainable=not frozen)
    out = head(x, mask_positions=positions) if positions_by_keyword else head(x, positions)
    check(keras.Model([x, positions], out))


def tied_model(vocabulary=30, dim=8):
    tokens = keras.Input((6,), dtype="int32")
    positions = keras.Input((2,), dtype="int32")
    table = hub.ReversibleEmbedding(vocabulary, dim)
    x = hub.TransformerEncoder(8, 2)(table(tokens))
    out = hub.MaskedLMHead(token_embedding=table, activation="softmax")(x, mask_positions=positions)
    return keras.Model([tokens, positions], out)


def test_tied_masked_lm_head_in_a_saved_file_counts_the_table_once(tmp_path):
    """model.save() marks the shared embedding with a shared_object_id; Keras loads one table,
    which the embedding's own row counts. Keras' summary() lists it in the head's row too, so
    its rows add up to more than its total; paramcount's rows add up to the total."""
    keras.backend.clear_session()
    model = tied_model()
    path = tmp_path / "tied.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    counted = paramcount.count(path)
    assert counted.total == loaded.count_params() == model.count_params()
    assert counted.trainable == sum(int(w.numpy().size) for w in loaded.trainable_weights)
    assert not counted.witness.disagreements
    head = next(layer for layer in counted.layers if layer.class_name == "keras_hub>MaskedLMHead")
    table = {id(w) for w in loaded.get_layer("reversible_embedding").weights}
    own = [(w.path.split("/", 1)[1], tuple(w.shape), w.trainable)
           for w in loaded.get_layer("masked_lm_head").weights if id(w) not in table]
    assert len(own) == len(loaded.get_layer("masked_lm_head").weights) - 1
    assert sorted((w.path, tuple(w.shape), w.trainable) for w in head.weights) == sorted(own)
    assert any("tied" in note for note in head.notes)
    record_compared(json.loads(model.to_json()))


def test_tied_masked_lm_head_from_a_bare_config_gets_its_own_copy():
    """model.to_json() writes the embedding inside the head with no shared id: Keras builds the
    head a copy of the table, so the loaded model is larger than the one that wrote the config,
    and paramcount counts what Keras loads."""
    keras.backend.clear_session()
    model = tied_model(vocabulary=30, dim=8)
    loaded = keras.Model.from_config(json.loads(model.to_json())["config"])
    assert loaded.count_params() == model.count_params() + 30 * 8
    check(loaded)


@SETTINGS
@given(width_and_heads(), small, st.booleans())
def test_fnet_encoder(mh, f, frozen):
    m, _ = mh
    keras.backend.clear_session()
    x = keras.Input((4, m))
    check(keras.Model(x, hub.FNetEncoder(f, trainable=not frozen)(x)))


@SETTINGS
@given(small, small, st.booleans(), st.booleans())
def test_cached_multi_head_attention(heads, key_dim, use_bias, cross):
    """MultiHeadAttention's weights (its cache is for step-by-step decoding, which Keras cannot
    trace through a functional model)."""
    keras.backend.clear_session()
    q, v = keras.Input((3, 5)), keras.Input((4, 7))
    layer = hub.CachedMultiHeadAttention(heads, key_dim, use_bias=use_bias)
    inputs, out = ([q, v], layer(q, v)) if cross else ([q], layer(q, q))
    check(keras.Model(inputs, out))


@SETTINGS
@given(st.integers(1, 4), st.integers(1, 5))
def test_alibi_bias_and_rms_normalization(heads, features):
    """AlibiBias adds fixed slopes to attention scores; RMSNormalization has one scale per
    feature (Keras writes its config, but cannot load it back)."""
    keras.backend.clear_session()
    scores = keras.Input((heads, 3, 3))
    x = keras.Input((3, features))
    model = keras.Model([scores, x], [hub.AlibiBias()(scores), hub.RMSNormalization(features)(x)])
    check(model)


def classifier():
    """The keras.io text-classification layout, with KerasHub's layers: vocabulary 20,000, 200
    tokens, 32-wide embeddings, 2 heads, a 32-wide feed-forward block."""
    tokens = keras.Input((200,), dtype="int32")
    x = hub.TokenAndPositionEmbedding(20000, 200, 32)(tokens)
    x = hub.TransformerEncoder(intermediate_dim=32, num_heads=2)(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    x = keras.layers.Dropout(0.1)(x)
    x = keras.layers.Dense(20, activation="relu")(x)
    x = keras.layers.Dropout(0.1)(x)
    return keras.Model(tokens, keras.layers.Dense(2, activation="softmax")(x))


def test_the_keras_io_style_classifier():
    keras.backend.clear_session()
    model = classifier()
    check(model)
    counted = paramcount.count(json.loads(model.to_json()))
    assert counted.total == model.count_params()
    by_class = {layer.class_name: layer.params for layer in counted.layers}
    assert by_class["keras_hub>TokenAndPositionEmbedding"] == (20000 + 200) * 32
    assert by_class["keras_hub>TransformerEncoder"] == 4 * 32 * 32 + 4 * 32 + 4 * 32 + 2 * 32 * 32 + 32 + 32


@pytest.mark.parametrize("code, shape, dtypes, build", [
    ("TransformerEncoder(intermediate_dim=3072, num_heads=12)", "(512, 768)", ["float32"],
     lambda: hub.TransformerEncoder(intermediate_dim=3072, num_heads=12)),
    ("keras_hub.layers.TransformerDecoder(64, 4)", "[(10, 32), (12, 16)]", ["float32"] * 2,
     lambda: hub.TransformerDecoder(64, 4)),
    ("TokenAndPositionEmbedding(100, 12, 8, tie_weights=False)", "(12,)", ["int32"],
     lambda: hub.TokenAndPositionEmbedding(100, 12, 8, tie_weights=False)),
    ("MaskedLMHead(vocabulary_size=50)", "[(6, 16), (2,)]", ["float32", "int32"],
     lambda: hub.MaskedLMHead(vocabulary_size=50)),
])
def test_layer_code_counts_as_keras_hub_builds_it(code, shape, dtypes, build):
    """The calculator and `paramcount explain` read KerasHub layer code, bare or as
    keras_hub.layers.X, and count what KerasHub builds on those inputs."""
    keras.backend.clear_session()
    counted = paramcount.explain_layer(code, input_shape=shape)
    shapes = [tuple(s[1:]) for s in (counted.input_shape if isinstance(counted.input_shape, list)
                                     else [counted.input_shape])]
    inputs = [keras.Input(s, dtype=d) for s, d in zip(shapes, dtypes)]
    layer = build()
    layer(*inputs)
    assert counted.class_name.startswith("keras_hub>")
    assert counted.params == layer.count_params()
    assert sorted((w.path, tuple(w.shape)) for w in counted.weights) == sorted(
        (w.path.split("/", 1)[1], tuple(w.shape)) for w in layer.weights)
