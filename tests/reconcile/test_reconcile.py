"""paramcount reconcile on real ``summary()`` tables (tests/fixtures/summaries, written by real
Keras 3 and tf-keras with make_summaries.py), pasted in the ways people paste them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import paramcount
from paramcount import ParamcountError

SUMMARIES = Path(__file__).parents[1] / "fixtures" / "summaries"
FACTS = json.loads((SUMMARIES / "models.json").read_text())
TABLES = sorted(f for f in FACTS if "after_fit" not in f and "unbuilt" not in f)
COMMAND = [sys.executable, "-m", "paramcount.cli"]


def read(name: str) -> str:
    return (SUMMARIES / name).read_text(encoding="utf-8")


def rows(name: str) -> dict:
    return {r.name: r for r in paramcount.reconcile(read(name)).rows}


@pytest.mark.parametrize("name", TABLES)
def test_every_row_explained_and_totals_agree(name):
    result = paramcount.reconcile(read(name))
    assert result.total == FACTS[name]["total"]
    assert all(r.explained for r in result.rows), result.text()
    assert any(n.startswith(f"Total params {FACTS[name]['total']:,} = the rows' sum ✓")
               for n in result.notes), result.notes


@pytest.mark.parametrize("name", [n for n in TABLES if "first_features" in FACTS[n]])
def test_first_layer_reads_the_real_features(name):
    """The first layer's features are solved (or taken from the InputLayer row) as built."""
    result = paramcount.reconcile(read(name))
    first = next(r for r in result.rows if r.fits)
    assert FACTS[name]["first_features"] in {f.inputs[0][-1] for f in first.fits}, result.text()


@pytest.mark.parametrize("generation", ["keras3", "tf_keras"])
def test_seed_lstm_48(generation):
    lstm = rows(f"{generation}_lstm_dense_default.txt")["lstm"]
    assert "48 = 4·2·(3 + 2 + 1): this LSTM reads 3 input features" in lstm.derivation
    # use_bias=False would read 4 features: the table cannot rule it out, so it is listed
    # and the features axis of the input is left unknown rather than guessed.
    assert "48 = 4·2·(4 + 2): this LSTM reads 4 input features (use_bias=False)" \
        in lstm.derivation
    assert lstm.input_shape == (None, None, None)
    dense = rows(f"{generation}_lstm_dense_default.txt")["dense"]
    assert dense.input_shape == (None, 2) and dense.derivation == \
        "3 = 2·1 + 1: this Dense reads 2 input features"


@pytest.mark.parametrize("generation", ["keras3", "tf_keras"])
def test_connected_to_gives_the_inputs(generation):
    found = rows(f"{generation}_functional_branches_default.txt")
    assert found["a"].input_shape == (None, 10, 3)
    assert found["concatenate"].input_shape == [(None, 10, 4), (None, 10, 4)]
    last = list(found.values())[-1]
    assert last.input_shape == (None, 10, 8)
    assert last.derivation == "9 = 8·1 + 1: this Dense reads 8 input features"


@pytest.mark.parametrize("generation", ["keras3", "tf_keras"])
def test_nested_model_and_frozen_statistics(generation):
    result = paramcount.reconcile(read(f"{generation}_nested_default.txt"))
    inner = result.rows[0]
    assert inner.name == "inner" and inner.explained and inner.derivation.startswith("30 = 18 + 12")
    assert [r.depth for r in result.rows] == [0, 1, 1, 0]
    assert result.rows[2].class_name == "BatchNormalization"
    assert result.rows[2].input_shape == (None, 3)
    assert any("Non-trainable params 6 = what the layers keep" in n for n in result.notes)


@pytest.mark.parametrize("generation", ["keras3", "tf_keras"])
def test_embedding_and_bidirectional_gru(generation):
    found = rows(f"{generation}_embedding_bigru_default.txt")
    assert found["embedding"].derivation == \
        "800 = 100·8: this Embedding has input_dim=100 (vocabulary size)"
    assert found["bidirectional"].derivation == \
        "450 = 2·3·5·(8 + 5 + 2): this Bidirectional(GRU) reads 8 input features"


@pytest.mark.parametrize("generation", ["keras3", "tf_keras"])
def test_conv_ambiguity_is_listed_not_guessed(generation):
    conv = rows(f"{generation}_conv_default.txt")["conv2d"]
    assert conv.explained and conv.input_shape[-1] is None
    assert conv.derivation.splitlines()[0] == \
        "either 224 = 3·3·3·8 + 8: this Conv2D reads 3 input channels (kernel_size=3×3, " \
        "use_bias=True) — Keras' default"
    assert "settings fit" in conv.note
    dense = rows(f"{generation}_conv_default.txt")["dense"]
    assert dense.input_shape == (None, 1352) and "use_bias=False" in dense.derivation


# --- pasted in other ways --------------------------------------------------------------------

def _variants(text: str) -> dict[str, str]:
    lines = text.splitlines()
    return {
        "indented": "\n".join("    " + line for line in lines),
        "fenced": "My model:\n\n```text\n" + text + "```\n\nwhy 48?",
        "stripped": "\n".join(line.rstrip() for line in lines),
        "no header": "\n".join(line for line in lines
                               if "Layer (type)" not in line and "┃" not in line),
        "quoted": "\n".join("> " + line for line in lines),
        "crlf": text.replace("\n", "\r\n"),
    }


@pytest.mark.parametrize("name", TABLES)
def test_pasted_variants_read_the_same(name):
    original = paramcount.reconcile(read(name)).to_dict()
    for how, text in _variants(read(name)).items():
        assert paramcount.reconcile(text).to_dict() == original, how


def test_old_tf_keras_layout():
    """TF 2.0-2.8 separated rows with ____ lines and wrote "Connected to" one input a line."""
    text = """Model: "model"
__________________________________________________________________________________________________
Layer (type)                    Output Shape         Param #     Connected to
==================================================================================================
input_1 (InputLayer)            [(None, 10, 3)]      0
__________________________________________________________________________________________________
a (Dense)                       (None, 10, 4)        16          input_1[0][0]
__________________________________________________________________________________________________
b (Dense)                       (None, 10, 4)        16          input_1[0][0]
__________________________________________________________________________________________________
concatenate (Concatenate)       (None, 10, 8)        0           a[0][0]
                                                                 b[0][0]
__________________________________________________________________________________________________
lstm (LSTM)                     (None, 2)            88          concatenate[0][0]
==================================================================================================
Total params: 120
Trainable params: 120
Non-trainable params: 0
__________________________________________________________________________________________________
"""
    found = {r.name: r for r in paramcount.reconcile(text).rows}
    assert found["concatenate"].input_shape == [(None, 10, 4), (None, 10, 4)]
    assert found["lstm"].derivation == "88 = 4·2·(8 + 2 + 1): this LSTM reads 8 input features"
    assert all(r.explained for r in found.values())


# --- what does not fit ---------------------------------------------------------------------------

def test_edited_count_is_not_explained():
    text = "\n".join(line.replace(" 3 │", " 4 │") if "dense (Dense)" in line else line
                     for line in read("keras3_lstm_dense_default.txt").splitlines())
    result = paramcount.reconcile(text)
    dense = result.rows[1]
    assert not dense.explained and dense.derivation is None
    assert dense.note.startswith("no setting fits the input (None, 2) of the row above")
    assert any("≠ the rows' sum 52" in n for n in result.notes)


def test_unknown_class_is_not_explained():
    text = read("keras3_lstm_dense_default.txt").replace("dense (Dense)", "dense (MyDense)")
    dense = paramcount.reconcile(text).rows[1]
    assert not dense.explained and "no formula for MyDense" in dense.note


def test_optimizer_params_after_fit():
    result = paramcount.reconcile(read("keras3_after_fit.txt"))
    assert (result.total, result.trainable, result.optimizer) == (26, 8, 18)
    assert result.rows[0].explained
    assert any(n.startswith("Total params 8 = the rows' sum") for n in result.notes)
    assert any("26 = 8 weights + 18" in n for n in result.notes)


def test_unbuilt_layer():
    row = paramcount.reconcile(read("keras3_unbuilt.txt")).rows[0]
    assert row.explained and row.params == 0 and row.input_shape is None
    assert row.derivation.startswith("0: not built yet")


@pytest.mark.parametrize("text", [
    "", "   \n", "hello world", '{"class_name": "Sequential", "config": {}}',
    "Total params: 12\nTrainable params: 12",
    "┏━━━┓\n┃ x ┃\n┗━━━┛",
    "=====\n nothing here\n=====",
    # a question with its code but not its table (the table was a picture): no row is whole
    "model = Sequential()\nmodel.add(LSTM(2, input_dim=3))\n\nthen model.summary() returns 48",
])
def test_not_a_summary(text):
    with pytest.raises(ParamcountError, match="not a model summary"):
        paramcount.reconcile(text)


# --- the command -----------------------------------------------------------------------------------

def run(*args, stdin=None, status=0):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    done = subprocess.run(COMMAND + list(args), capture_output=True, text=True, input=stdin,
                          env=env, timeout=120)
    assert done.returncode == status, done.stderr
    return done


def test_cli_json_fields():
    done = run("reconcile", str(SUMMARIES / "keras3_lstm_dense_default.txt"), "--json")
    printed = json.loads(done.stdout)
    assert printed == paramcount.reconcile(read("keras3_lstm_dense_default.txt")).to_dict()
    assert {"total", "trainable", "non_trainable", "rows"} <= set(printed)
    assert set(printed["rows"][0]) == {"name", "class_name", "params", "output_shape", "explained",
                                       "input_shape", "derivation", "note", "depth", "parent",
                                       "completed", "printed_class"}
    assert printed["rows"][1]["input_shape"] == [None, 2]


def test_cli_stdin_text():
    out = run("reconcile", "-", stdin=read("tf_keras_lstm_dense_default.txt")).stdout
    assert "48 = 4·2·(3 + 2 + 1): this LSTM reads 3 input features" in out


@pytest.mark.parametrize("stdin", ["not a table\n", ""])
def test_cli_not_a_summary_is_one_line(stdin):
    done = run("reconcile", "-", stdin=stdin, status=2)
    assert done.stdout == "" and done.stderr.count("\n") == 1
    assert done.stderr.startswith("paramcount: error: not a model summary")


def test_every_question_page_links_the_reconciler():
    questions = Path(__file__).parents[2] / "docs" / "questions"
    missing = [p.name for p in sorted(questions.glob("*.md"))
               if "[Paste your own summary](../reconcile.md)" not in p.read_text(encoding="utf-8")]
    assert not missing


def test_connected_to_cut_short_on_two_lines_keeps_both_inputs():
    """A narrow Keras 3 table cuts each input of "Connected to" on its own line."""
    from paramcount.reconciling.table import _connections

    assert _connections("dense_2[0… dense_3[0…", []) == [("dense_2", 0, 0), ("dense_3", 0, 0)]


# Cross-attention in a table without Connected to: MultiHeadAttention(2, 3) with a (None, 4, 5)
# query and a (None, 7, 10) key/value. Keras' count: h·d·(q + 1) query, 2·h·d·(v + 1) key and
# value, h·d·q + q output = 36 + 132 + 30 + 5 = 203; no self-attention setting (v = q) gives it:
# 23·h·d + 5 with biases, 20·h·d without.
CROSS = """| Layer (type) | Output Shape | Param # |
|---|---|---|
| query (InputLayer) | [(None, 4, 5)] | 0 |
| mha (MultiHeadAttention) | (None, 4, 5) | 203 |

Total params: 203
"""


def test_cross_attention_without_connected_to_solves_the_key_value_width():
    row = paramcount.reconcile(CROSS).rows[1]
    assert row.explained, row.note
    real = [f for f in row.fits if f.settings.get("num_heads") == 2
            and f.settings.get("key_dim") == 3 and f.solved.get("features@1") == 10]
    assert real, row.derivation
    assert all(f.layer.params == 203 for f in row.fits)
    # the key/value's sequence is not shown: only its width is solved
    assert real[0].inputs == [(None, 4, 5), (None, None, 10)]
    assert row.input_shape is None and "the other inputs' width is solved" in row.note


# The first row of a Sequential table: LocallyConnected1D(6, 3) on a (9, 2) input. tf-keras'
# kernel is (output length, kernel size · channels, filters) and its bias (output length,
# filters): 7·3·2·6 + 7·6 = 294. Its input's length is not shown and not reported.
LOCAL = """Model: "sequential"
_________________________________________________________________
 Layer (type)                Output Shape              Param #
=================================================================
 locally_connected1d (Local  (None, 7, 6)              294
 lyConnected1D)

=================================================================
Total params: 294 (1.15 KB)
Trainable params: 294 (1.15 KB)
Non-trainable params: 0 (0.00 Byte)
_________________________________________________________________
"""


def test_a_kernel_wider_than_one_on_an_unknown_input():
    row = paramcount.reconcile(LOCAL).rows[0]
    assert row.explained, row.note
    real = [f for f in row.fits if f.settings.get("kernel_size") == (3,)
            and f.settings.get("use_bias") is True and f.solved == {"features": 2}]
    assert real, row.derivation
    assert all(f.inputs[0][1] is None for f in row.fits)  # the length was only assumed
