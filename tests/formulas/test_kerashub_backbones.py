"""KerasHub backbones counted from their config (formulas/kerashub_backbones.py), against KerasHub.

Small random backbones are built in KerasHub and compared layer by layer (totals, weight paths,
shapes, the trainable split), as they are and after ``quantize()``. At full size, paramcount's
totals are compared with the ``params`` KerasHub publishes for its presets; BERT-base and GPT-2
are also built once per run and compared with Keras.
"""

from __future__ import annotations

import importlib.util
import json
import runpy
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import paramcount
from keras_compare import KERAS_SETTINGS, assert_matches_keras
from paramcount.cli import main as cli_main

keras = pytest.importorskip("keras")
keras_hub = pytest.importorskip("keras_hub")
models = keras_hub.models

vocabulary = st.integers(2, 40)
layers = st.integers(1, 3)
heads = st.integers(1, 3)
head_size = st.integers(1, 4)
width = st.integers(1, 12)


def compare(backbone, frozen: bool = False, quantize: str | None = None) -> None:
    if quantize:
        backbone.quantize(quantize)
    backbone.trainable = not frozen
    assert_matches_keras(backbone)


@KERAS_SETTINGS
@given(vocabulary, layers, heads, head_size, width, st.integers(1, 6), st.integers(1, 3),
       st.booleans())
def test_bert(v, n, h, k, f, p, segments, frozen):
    keras.backend.clear_session()
    compare(models.BertBackbone(vocabulary_size=v, num_layers=n, num_heads=h, hidden_dim=h * k,
                                intermediate_dim=f, max_sequence_length=p,
                                num_segments=segments), frozen)


@KERAS_SETTINGS
@given(vocabulary, st.integers(1, 2), st.integers(1, 2), st.integers(1, 2), heads, head_size,
       width, st.integers(1, 4), st.integers(1, 6))
def test_albert(v, groups, inner, calls, h, k, f, e, p):
    keras.backend.clear_session()
    backbone = models.AlbertBackbone(
        vocabulary_size=v, num_layers=groups * calls, num_heads=h, num_groups=groups,
        num_inner_repetitions=inner, embedding_dim=e, hidden_dim=h * k, intermediate_dim=f,
        max_sequence_length=p)
    compare(backbone)
    # One set of weights per group and inner layer, whatever num_layers says.
    counted = paramcount.count(json.loads(backbone.to_json()))
    assert sum(layer.class_name == "TransformerEncoder" for layer in counted.layers) \
        == groups * inner


@KERAS_SETTINGS
@given(vocabulary, layers, heads, head_size, width, st.integers(1, 6), st.booleans())
def test_gpt2(v, n, h, k, f, p, frozen):
    keras.backend.clear_session()
    compare(models.GPT2Backbone(vocabulary_size=v, num_layers=n, num_heads=h, hidden_dim=h * k,
                                intermediate_dim=f, max_sequence_length=p), frozen)


@KERAS_SETTINGS
@given(vocabulary, layers, st.integers(1, 3), st.integers(1, 3), width, st.integers(2, 12),
       head_size, st.booleans(), st.booleans())
def test_gemma(v, n, kv, groups, d, f, head_dim, post_ffw, post_attention):
    keras.backend.clear_session()
    compare(models.GemmaBackbone(
        vocabulary_size=v, num_layers=n, num_query_heads=kv * groups, num_key_value_heads=kv,
        hidden_dim=d, intermediate_dim=f, head_dim=head_dim, use_post_ffw_norm=post_ffw,
        use_post_attention_norm=post_attention))


@KERAS_SETTINGS
@given(st.sampled_from(["Llama3Backbone", "LlamaBackbone", "MistralBackbone"]), vocabulary,
       layers, st.integers(1, 3), st.integers(1, 3), head_size, width, st.booleans())
def test_llama_and_mistral(class_name, v, n, kv, groups, k, f, frozen):
    keras.backend.clear_session()
    q = kv * groups
    compare(getattr(models, class_name)(
        vocabulary_size=v, num_layers=n, num_query_heads=q, num_key_value_heads=kv,
        hidden_dim=q * k, intermediate_dim=f), frozen)


@KERAS_SETTINGS
@given(vocabulary, head_size, width, st.integers(1, 6))
def test_mistral_head_dim(v, k, f, head_dim):
    keras.backend.clear_session()
    compare(models.MistralBackbone(vocabulary_size=v, num_layers=1, num_query_heads=4,
                                   num_key_value_heads=2, hidden_dim=4 * k, intermediate_dim=f,
                                   head_dim=head_dim))


@KERAS_SETTINGS
@given(vocabulary, layers, st.integers(1, 2), st.integers(1, 2), head_size, width,
       st.integers(1, 4))
def test_mixtral(v, n, kv, groups, k, f, experts):
    keras.backend.clear_session()  # the MoE blocks are named by Keras' counter, from 0
    q = kv * groups
    compare(models.MixtralBackbone(
        vocabulary_size=v, num_layers=n, num_query_heads=q, num_key_value_heads=kv,
        hidden_dim=q * k, intermediate_dim=f, num_experts=experts, top_k=min(2, experts)))


def test_llama_tied_head_from_config():
    """tie_word_embeddings is not written by get_config, but a config that has it builds a
    tied head: counted as KerasHub builds that config."""
    keras.backend.clear_session()
    config = json.loads(models.Llama3Backbone(
        vocabulary_size=7, num_layers=1, num_query_heads=2, num_key_value_heads=1,
        hidden_dim=4, intermediate_dim=3).to_json())
    totals = {}
    for tie in (True, False):
        config["config"]["tie_word_embeddings"] = tie
        built = keras.saving.deserialize_keras_object(config)
        totals[tie] = paramcount.count(config).total
        assert totals[tie] == built.count_params()
    assert totals[False] - totals[True] == 4 * 7  # the untied head's hidden × vocabulary


QUANTIZABLE = {
    "BertBackbone": dict(vocabulary_size=9, num_layers=1, num_heads=2, hidden_dim=4,
                         intermediate_dim=5, max_sequence_length=3),
    "AlbertBackbone": dict(vocabulary_size=9, num_layers=2, num_heads=2, embedding_dim=3,
                           hidden_dim=4, intermediate_dim=5, max_sequence_length=3),
    "GPT2Backbone": dict(vocabulary_size=9, num_layers=1, num_heads=2, hidden_dim=4,
                         intermediate_dim=5, max_sequence_length=3),
    "GemmaBackbone": dict(vocabulary_size=9, num_layers=1, num_query_heads=2,
                          num_key_value_heads=1, hidden_dim=6, intermediate_dim=10, head_dim=3),
    "Llama3Backbone": dict(vocabulary_size=9, num_layers=1, num_query_heads=2,
                           num_key_value_heads=1, hidden_dim=4, intermediate_dim=6),
    "MixtralBackbone": dict(vocabulary_size=9, num_layers=2, num_query_heads=2,
                            num_key_value_heads=1, hidden_dim=4, intermediate_dim=6,
                            num_experts=3),
}


# int8 for every family (its paths and equations); int4 and float8 change only the core
# formulas' weights, tested on both kinds of attention (MultiHeadAttention's, Gemma's einsums).
QUANTIZED = [(name, "int8") for name in sorted(QUANTIZABLE)] + [
    ("BertBackbone", "int4"), ("GemmaBackbone", "int4"), ("GPT2Backbone", "float8"),
    ("Llama3Backbone", "float8")]


@pytest.mark.parametrize("class_name, mode", QUANTIZED)
def test_quantized(class_name, mode):
    keras.backend.clear_session()
    backbone = getattr(models, class_name)(**QUANTIZABLE[class_name])
    compare(backbone, quantize=mode)
    assert json.loads(backbone.to_json())["config"]["dtype"]["class_name"] == "DTypePolicyMap"


# --- full size: the presets' published counts -----------------------------------------------------

def preset_params(family: str, preset: str) -> int:
    """The ``params`` of a preset, read from keras-hub's presets file (a dict, no import)."""
    root = Path(importlib.util.find_spec("keras_hub").submodule_search_locations[0])
    presets = runpy.run_path(str(root / "src" / "models" / family / f"{family}_presets.py"))
    return presets["backbone_presets"][preset]["metadata"]["params"]


def backbone_config(class_name: str, **hyperparameters) -> dict:
    """A backbone's config as a preset's config.json holds it."""
    return {"module": "keras_hub.src.models", "class_name": class_name,
            "config": hyperparameters, "registered_name": f"keras_hub>{class_name}"}


# Hyperparameters from keras-hub's docstrings and the models' public configs (the pages say which);
# the test is that they give the count KerasHub publishes.
FULL_SIZE = {
    ("bert", "bert_base_en_uncased"): backbone_config(
        "BertBackbone", vocabulary_size=30522, num_layers=12, num_heads=12, hidden_dim=768,
        intermediate_dim=3072, max_sequence_length=512),
    ("albert", "albert_base_en_uncased"): backbone_config(
        "AlbertBackbone", vocabulary_size=30000, num_layers=12, num_heads=12, embedding_dim=128,
        hidden_dim=768, intermediate_dim=3072),
    ("gpt2", "gpt2_base_en"): backbone_config(
        "GPT2Backbone", vocabulary_size=50257, num_layers=12, num_heads=12, hidden_dim=768,
        intermediate_dim=3072, max_sequence_length=1024),
    ("gemma", "gemma_2b_en"): backbone_config(
        "GemmaBackbone", vocabulary_size=256000, num_layers=18, num_query_heads=8,
        num_key_value_heads=1, hidden_dim=2048, intermediate_dim=32768, head_dim=256),
    ("llama3", "llama3_8b_en"): backbone_config(
        "Llama3Backbone", vocabulary_size=128256, num_layers=32, num_query_heads=32,
        num_key_value_heads=8, hidden_dim=4096, intermediate_dim=14336),
    ("mistral", "mistral_7b_en"): backbone_config(
        "MistralBackbone", vocabulary_size=32000, num_layers=32, num_query_heads=32,
        num_key_value_heads=8, hidden_dim=4096, intermediate_dim=14336),
    ("mixtral", "mixtral_8_7b_en"): backbone_config(
        "MixtralBackbone", vocabulary_size=32000, num_layers=32, num_query_heads=32,
        num_key_value_heads=8, hidden_dim=4096, intermediate_dim=14336, num_experts=8),
}


@pytest.mark.parametrize("family, preset", sorted(FULL_SIZE))
def test_full_size_equals_preset_metadata(family, preset):
    assert paramcount.count(FULL_SIZE[family, preset]).total == preset_params(family, preset)


def test_full_size_int8_equals_preset_metadata():
    """Llama 3 8B after quantize("int8") (KerasHub's llama3_8b_en_int8 preset): its config's
    DTypePolicyMap, written out for 32 layers from the one quantize() writes for a small model."""
    keras.backend.clear_session()
    small = models.Llama3Backbone(vocabulary_size=5, num_layers=1, num_query_heads=2,
                                  num_key_value_heads=1, hidden_dim=4, intermediate_dim=3)
    small.quantize("int8")
    dtype = json.loads(small.to_json())["config"]["dtype"]
    policies = dtype["config"]["policy_map"]
    full = {}
    for path, policy in policies.items():
        if path.startswith("transformer_layer_0/"):
            full.update({path.replace("_0/", f"_{i}/", 1): policy for i in range(32)})
        else:
            full[path] = policy
    config = json.loads(json.dumps(FULL_SIZE["llama3", "llama3_8b_en"]))
    config["config"]["dtype"] = {**dtype, "config": {**dtype["config"], "policy_map": full}}
    counted = paramcount.count(config)
    assert counted.total == preset_params("llama3", "llama3_8b_en_int8")
    assert counted.total > preset_params("llama3", "llama3_8b_en")  # the scales


def symbols_read_true(layer) -> list[str]:
    """Every weight shape written over symbols names the layer's symbols with their values
    (a block whose sublayers' letters clash must not show them), in its sublayers too."""
    values = {s.name: s.value for s in layer.symbols}
    wrong = [f"{layer.name}/{w.path}: {w.symbolic} vs {w.shape}" for w in layer.weights
             if w.symbolic and any(text in values and values[text] != size
                                   for text, size in zip(w.symbolic, w.shape))]
    return wrong + [problem for sub in layer.sublayers for problem in symbols_read_true(sub)]


@pytest.mark.parametrize("family, preset", sorted(FULL_SIZE))
def test_derivations_name_their_symbols_truly(family, preset):
    counted = paramcount.count(FULL_SIZE[family, preset])
    assert [p for layer in counted.layers for p in symbols_read_true(layer)] == []
    block = next(layer for layer in counted.layers if layer.sublayers)
    assert block.expr.value == sum(sub.params for sub in block.sublayers) == block.params


@pytest.fixture(scope="session")
def full_size_built():
    """BERT-base and GPT-2 built once per run (about 234 million float32 weights)."""
    keras.backend.clear_session()
    return {key: keras.saving.deserialize_keras_object(FULL_SIZE[key])
            for key in [("bert", "bert_base_en_uncased"), ("gpt2", "gpt2_base_en")]}


@pytest.mark.parametrize("key", [("bert", "bert_base_en_uncased"), ("gpt2", "gpt2_base_en")])
def test_full_size_matches_keras(full_size_built, key):
    backbone = full_size_built[key]
    assert backbone.count_params() == preset_params(*key)
    assert_matches_keras(backbone)


# --- .keras archives: counted from the config, checked against the stored weights -----------------

@pytest.mark.parametrize("class_name, quantize", [("GemmaBackbone", None),
                                                  ("MixtralBackbone", None),
                                                  ("Llama3Backbone", "int8")])
def test_archive_is_counted_and_cross_checked(tmp_path, class_name, quantize):
    keras.backend.clear_session()
    backbone = getattr(models, class_name)(**QUANTIZABLE[class_name])
    if quantize:
        backbone.quantize(quantize)
    path = tmp_path / "backbone.keras"
    backbone.save(path)
    counted = paramcount.count(path)
    assert (counted.total, counted.trainable) == (
        backbone.count_params(), sum(int(np.prod(w.shape)) for w in backbone.trainable_weights))
    assert counted.witness.disagreements == []
    assert set(counted.witness.checked) == {layer.name for layer in counted.layers if layer.params}
    # The same archive with a config that does not fit its weights: every block disagrees,
    # and the file decides their counts.
    tampered = tmp_path / "tampered.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "config.json":
                config = json.loads(data)
                config["config"]["intermediate_dim"] += 2
                data = json.dumps(config).encode()
            dst.writestr(item, data)
    recounted = paramcount.count(tampered)
    assert sum("paramcount derives" in d for d in recounted.witness.overruled) \
        == QUANTIZABLE[class_name]["num_layers"]
    assert recounted.total == counted.total


def test_preset_directory_is_counted_and_cross_checked(tmp_path, capsys):
    """A directory written by save_to_preset: config.json (no build or compile config) and
    model.weights.h5."""
    keras.backend.clear_session()
    backbone = models.GPT2Backbone(**QUANTIZABLE["GPT2Backbone"])
    preset = tmp_path / "preset"
    backbone.save_to_preset(str(preset))
    counted = paramcount.count(preset)
    assert counted.total == backbone.count_params()
    assert counted.witness.disagreements == [] and "transformer_layer_0" in counted.witness.checked
    assert cli_main(["count", str(preset)]) == 0
    assert "the shapes of 4 derived layer(s) match the file" in capsys.readouterr().out
    config = json.loads((preset / "config.json").read_text())
    config["config"]["max_sequence_length"] += 1
    (preset / "config.json").write_text(json.dumps(config))
    recounted = paramcount.count(preset)  # the file decides the contradicted layer's count
    assert recounted.witness.overruled == [
        "layer 'position_embedding': paramcount derives [(4, 4)], the file stores [(3, 4)]"]
    assert recounted.total == backbone.count_params()
    (preset / "model.weights.h5").unlink()  # the config alone: counted, nothing to check
    assert paramcount.count(preset).total == backbone.count_params() + 4


def test_preset_directory_of_a_backbone_not_followed_is_counted_from_its_weights(tmp_path):
    """As its .keras archive is: save_to_preset writes no compile config, so the config's module
    (keras_hub.src.models...) is what tells a model from a layer."""
    keras.backend.clear_session()
    backbone = models.DistilBertBackbone(vocabulary_size=5, num_layers=1, num_heads=1,
                                         hidden_dim=2, intermediate_dim=2, max_sequence_length=3)
    preset = tmp_path / "preset"
    backbone.save_to_preset(str(preset))
    assert paramcount.count(preset).total == backbone.count_params()
    (preset / "model.weights.h5").unlink()
    with pytest.raises(paramcount.ParamcountError, match="or a preset directory with its "
                       "model.weights.h5, is counted from its stored weights"):
        paramcount.count(preset)


# --- refusals, the command line, no framework ------------------------------------------------------

def test_other_kerashub_backbone_refused_by_name():
    keras.backend.clear_session()
    config = json.loads(models.DistilBertBackbone(
        vocabulary_size=5, num_layers=1, num_heads=1, hidden_dim=2, intermediate_dim=2,
        max_sequence_length=3).to_json())
    with pytest.raises(paramcount.ParamcountError, match="'DistilBertBackbone' is a KerasHub "
                       "model that paramcount does not count from its config") as error:
        paramcount.count(config)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("hyperparameters, message", [
    (dict(num_query_heads=3, num_key_value_heads=2), "must be a multiple of"),
    (dict(num_query_heads=8, num_key_value_heads=1, hidden_dim=4), "must be at least"),
    (dict(num_layers=0), "'num_layers' must be a positive integer"),
    (dict(num_layers=10**9), "1,000,000,000 blocks make more than 10,000 layer calls"),
])
def test_bad_hyperparameters_one_line(hyperparameters, message):
    config = backbone_config("Llama3Backbone", **{
        **dict(vocabulary_size=5, num_layers=1, num_query_heads=2, num_key_value_heads=1,
               hidden_dim=4, intermediate_dim=3), **hyperparameters})
    with pytest.raises(paramcount.ParamcountError, match=message):
        paramcount.count(config)


def test_cli_counts_and_refuses(tmp_path, capsys):
    good = tmp_path / "config.json"
    good.write_text(json.dumps(FULL_SIZE["gemma", "gemma_2b_en"]))
    assert cli_main(["count", str(good), "--json"]) == 0
    counted = json.loads(capsys.readouterr().out)
    assert counted["total"] == preset_params("gemma", "gemma_2b_en")
    assert [layer["name"] for layer in counted["layers"]][-1] == "final_normalization"
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps(backbone_config("T5Backbone", vocabulary_size=3)))
    assert cli_main(["count", str(bad)]) == 2
    error = capsys.readouterr().err.strip()
    assert "T5Backbone" in error and len(error.splitlines()) == 1


def test_counting_a_backbone_imports_no_framework(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(FULL_SIZE["mixtral", "mixtral_8_7b_en"]))
    code = (f"import sys, paramcount\nprint(paramcount.count({str(path)!r}).total)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'keras', 'keras_hub', 'tensorflow', 'numpy', 'jax', 'torch'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.split() == [str(preset_params("mixtral", "mixtral_8_7b_en")), "[]"]
