"""The table reader (paramcount.reconciling.table) without Keras: the seed questions' own
tables, the pastes that used to go wrong, class names cut short, and hostile tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reprint import HABITS, paste

from paramcount import ParamcountError
from paramcount.formulas.refused import REFUSED
from paramcount.formulas.registry import REGISTRY, complete_class, load_formulas
from paramcount.reconciling.table import MAX_LINE_CHARS, MAX_TABLE_LINES, parse_summary
from paramcount.safety import MAX_DIGITS, MAX_LAYERS

SEEDS = Path(__file__).parents[1] / "fixtures" / "summaries" / "seeds"

# The rows each seed question shows: (name, class as printed, class, output shape, count).
SEED_ROWS = {
    "001_lstm_timedistributed.txt": [
        ("lstm_4", "LSTM", "LSTM", (None, None, 10), 480),
        ("time_distributed_4", "TimeDist", "TimeDistributed", (None, None, 1), 11)],
    "002_unidirectional.txt": [
        ("input_11", "InputLayer", "InputLayer", (None, 28, 28), 0),
        ("lstm_11", "LSTM", "LSTM", (None, 256), 291840)],
    "002_bidirectional.txt": [
        ("input_11", "InputLayer", "InputLayer", (None, 28, 28), 0),
        ("bidirectional_7", "Bidirection", "Bidirectional", (None, 256), 160768)],
    "003_one_feature.txt": [("lstm_1", "LSTM", "LSTM", (None, 1), 12)],
    "003_two_features.txt": [("lstm_1", "LSTM", "LSTM", (None, 1), 16)],
    "004_lstm_dense.txt": [
        ("lstm_42", "LSTM", "LSTM", (None, 20), 1760),
        ("dense_42", "Dense", "Dense", (None, 20), 420)],
}
SEED_TOTALS = {"001_lstm_timedistributed.txt": (491, 491, 0),
               "002_unidirectional.txt": (291840, 291840, 0),
               "002_bidirectional.txt": (160768, 160768, 0),
               "003_one_feature.txt": (12, 12, 0), "003_two_features.txt": (16, 16, 0),
               "004_lstm_dense.txt": (2180, 2180, 0)}


def test_every_seed_table_is_a_fixture():
    """Six tables in the seeds (000 has only a picture): each copied here as it stands."""
    seeds = Path("/work/shared/seeds")
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == sorted(SEED_ROWS)
    if seeds.is_dir():  # the copies are the questions' own text, line for line
        for name in SEED_ROWS:
            source = next(seeds.glob(name[:3] + "_*.txt")).read_text(encoding="utf-8")
            for line in (SEEDS / name).read_text(encoding="utf-8").splitlines():
                assert line in source.splitlines(), (name, line)


def rows(text: str) -> list[tuple]:
    return [(r.name, r.printed_class, r.class_name, r.output_shape, r.params)
            for r in parse_summary(text).rows]


@pytest.mark.parametrize("name", sorted(SEED_ROWS))
@pytest.mark.parametrize("habit", HABITS)
def test_seed_tables_read_as_the_question_shows(name, habit):
    text = paste((SEEDS / name).read_text(encoding="utf-8"), habit)
    assert rows(text) == SEED_ROWS[name]
    summary = parse_summary(text)
    assert (summary.total, summary.trainable, summary.non_trainable) == SEED_TOTALS[name]


def test_seed_class_completion_is_listed():
    row = parse_summary((SEEDS / "001_lstm_timedistributed.txt").read_text()).rows[1]
    assert (row.printed_class, row.class_name, row.class_options) == \
        ("TimeDist", "TimeDistributed", ("TimeDistributed",))
    whole = parse_summary((SEEDS / "004_lstm_dense.txt").read_text()).rows[0]
    assert (whole.printed_class, whole.class_options) == ("LSTM", ())


def test_seed_004_without_its_lines_is_two_rows_not_one():
    """Issue 17: without the ____ lines, lstm_42 and dense_42 were read as one row of 1,760,420
    parameters, a number in no table."""
    text = (SEEDS / "004_lstm_dense.txt").read_text()
    for habit in ("no rules", "collapsed, no rules"):
        found = parse_summary(paste(text, habit)).rows
        assert [(r.name, r.params) for r in found] == [("lstm_42", 1760), ("dense_42", 420)]


# --- what must be refused, in one line ----------------------------------------------------------

def refused(text: str) -> str:
    with pytest.raises(ParamcountError) as caught:
        parse_summary(text)
    message = str(caught.value)
    assert "\n" not in message
    return message


HEADER = ("Layer (type)                 Output Shape              Param #\n"
          "=================================================================\n")


def test_two_names_never_join():
    """A line that names a layer but has no shape or count of its own cannot be joined to the
    row above: that would make one row of two."""
    for text in (HEADER + "lstm_42 (LSTM)               (None, 20)                1760\n"
                          "dense_42 (Dense)\n",
                 "lstm_42 (LSTM) (None, 20) 1760\ndense_42 (Dense)\n"):
        assert refused(text).startswith("this table could not be read: ")


def test_keras3_rows_without_rules_never_join():
    text = """┏━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━┓
┃ Layer (type)       ┃ Output Shape ┃ Param # ┃
┡━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━┩
│ lstm_42 (LSTM)     │ (None, 20)   │   1,760 │
│ dense_42 (Dense)   │ (None, 20)   │     420 │
└────────────────────┴──────────────┴─────────┘
"""
    assert [(r.name, r.params) for r in parse_summary(text).rows] == \
        [("lstm_42", 1760), ("dense_42", 420)]
    glued = text.replace("│   1,760 │\n│ dense_42 (Dense)   │ (None, 20)   │     420 │",
                         "│   1,760 │\n│ dense_42 (Dense)   │              │         │")
    assert refused(glued).startswith("this table could not be read: ")


def test_a_cut_param_column_is_refused():
    table = (SEEDS / "002_bidirectional.txt").read_text()
    for width in (20, 40, 58, 60):
        cut = "\n".join(line[:width] for line in table.splitlines())
        assert "Param # column is cut" in refused(cut), width
    # Cut after the counts end: nothing lost, all read.
    cut = "\n".join(line[:63] for line in table.splitlines())
    assert rows(cut) == SEED_ROWS["002_bidirectional.txt"]
    # A count cut through its digits, where the rules show the table's columns were cut.
    wide = table.replace("160768    ", "1607681234")
    assert "Param # column is cut" in refused("\n".join(line[:63] for line in wide.splitlines()))


def test_a_cut_shape_without_its_spaces_is_refused():
    """Keras 2 cuts a long Output Shape at its column; once the spaces are gone, its last digits
    cannot be told from the count."""
    text = HEADER + "concatenate (Concatenate)    [(None, 28, 28), (None, 2 0\n"
    assert "Output Shape" in refused(re.sub(" +", " ", text))
    # Pasted without the header and rules: a whole row or the totals still show it is a table.
    row = "concatenate (Concatenate) [(None, 28, 28), (None, 2 0\n"
    for rest in ("dense (Dense) (None, 3) 15\n", "Total params: 15\n"):
        assert "Output Shape" in refused(row + rest), rest


def test_a_count_cut_with_an_ellipsis_is_refused():
    text = """┏━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)       ┃ Output Shape ┃ Param ┃
┃                    ┃              ┃     # ┃
┡━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━┩
│ embedding          │ (None, 7,    │ 30,0… │
│ (Embedding)        │ 300)         │       │
└────────────────────┴──────────────┴───────┘
"""
    assert "cut short" in refused(text)


# --- what Keras 1 and old tf.keras printed ------------------------------------------------------

def test_keras1_cells_run_into_each_other():
    """Keras 1.0 cut a cell at its column with no space before the next one."""
    rule, double = "_" * 100, "=" * 100
    text = f"""{rule}
Layer (type)                     Output Shape          Param #     Connected to
{double}
batchnormalization_1 (BatchNormal(None, 32)            128         dense_input_1[0][0]
{rule}
dense_1 (Dense)                  (None, 1024, 1024, 102512         batchnormalization_1[0][0]
{double}
Total params: 640
{rule}
"""
    found = parse_summary(text).rows
    assert [(r.name, r.class_name, r.params) for r in found] == \
        [("batchnormalization_1", "BatchNormalization", 128), ("dense_1", "Dense", 512)]
    assert found[1].output_shape is None  # cut: no shape is made up from what is left
    assert found[1].connected == [("batchnormalization_1", 0, 0)]


def test_totals_written_as_floats():
    summary = parse_summary((SEEDS / "003_one_feature.txt").read_text())
    assert (summary.total, summary.trainable, summary.non_trainable) == (12, 12, 0)


def test_nested_rows_carry_depth_and_parent():
    text = (Path(__file__).parents[1] / "fixtures" / "summaries" /
            "tf_keras_nested_65.txt").read_text()
    for layout in (text, Path(str(SEEDS.parent / "keras3_nested_50.txt")).read_text()):
        found = parse_summary(layout).rows
        assert [(r.name.rstrip("…"), r.depth, r.parent) for r in found] == [
            ("inner", 0, None), ("dense", 1, "inner"),
            ("batch_normalization"[:len(found[2].name) - 1] if found[2].name.endswith("…")
             else "batch_normalization", 1, "inner"), ("dense_1", 0, None)]


# --- class names cut short ------------------------------------------------------------------------

def _printed(name: str) -> str:
    """A class as a summary prints it: a package's class by its bare name."""
    return name.rpartition(">")[2]


def test_complete_class_knows_every_class():
    load_formulas()
    known = {*REGISTRY, *REFUSED, "InputLayer"}
    # A class registered under its bare name and its package's name is given once, bare.
    listed = {c for c in known if ">" not in c or _printed(c) not in known}
    for name in listed:
        printed = _printed(name)
        for cut in {printed[:8], printed[:12], printed}:
            found = complete_class(cut)
            assert name in found and all(_printed(c).startswith(cut) for c in found)
            assert set(found) == {c for c in listed if _printed(c).startswith(cut)}
        assert name in complete_class(printed, whole=True)
    assert complete_class("Batch") == ("BatchNormalization",)
    assert complete_class("Conv2D") == ("Conv2D", "Conv2DTranspose")
    assert complete_class("Conv2D", whole=True) == ("Conv2D",)
    assert complete_class("LayerNormalizatio…") == ("LayerNormalization",)
    assert complete_class("MyOwnLayer") == ()
    assert complete_class("TransformerEncoder", whole=True) == ("keras_hub>TransformerEncoder",)
    assert complete_class("ReversibleEmbedding", whole=True) == ("ReversibleEmbedding",)


def test_a_prefix_of_several_classes_lists_them():
    text = HEADER + "conv2d_transpose_1 (Conv2D (None, 5, 5, 4)            148\n"
    row = parse_summary(text).rows[0]
    assert row.class_options == ("Conv2D", "Conv2DTranspose") and row.class_name == "Conv2D…"


def test_a_name_that_fills_its_column_has_no_class():
    text = HEADER + "a_layer_name_longer_than_a_c (None, 5)                 35\n"
    row = parse_summary(text).rows[0]
    assert (row.name, row.class_name, row.class_options, row.params) == \
        ("a_layer_name_longer_than_a_c", "…", (), 35)


# --- hostile tables -----------------------------------------------------------------------------

def dense_rows(n: int) -> str:
    return "".join(f"dense_{i} (Dense)".ljust(29) + "(None, 4)".ljust(26) + "20\n"
                   for i in range(n))


@pytest.mark.parametrize("text, words", [
    (HEADER + dense_rows(MAX_LAYERS + 1), f"more than {MAX_LAYERS:,}"),
    (HEADER + "dense (Dense)                (None, 4)                 " + "9" * 5000 + "\n",
     f"more than {MAX_DIGITS} digits"),
    (HEADER + "dense (Dense)                (None, 4)                 20\nTotal params: "
     + "9" * 5000 + "\n", f"more than {MAX_DIGITS} digits"),
    (HEADER + "x" * (MAX_LINE_CHARS + 1), f"longer than {MAX_LINE_CHARS:,}"),
    (HEADER + "\n" * (MAX_TABLE_LINES + 1), f"more than {MAX_TABLE_LINES:,} lines"),
    ("x" * (8 * 1024 * 1024 + 1), "larger than 8,388,608 bytes"),
    ("dense (Dense) (None, 4) 20 " + "'a[0][" + "0" * 5000 + "][0]'\n", None),
])
def test_hostile_tables_get_one_line(text, words):
    try:
        summary = parse_summary(text)
    except ParamcountError as e:
        assert "\n" not in str(e)
        assert words is None or words in str(e), str(e)
    else:
        assert words is None and summary.rows


def test_many_wrapped_lines_are_read():
    """One wrapped cell over tens of thousands of lines: read in one pass (the pieces are
    joined once), its inputs all kept."""
    n = 20_000
    text = (" Layer (type)                Output Shape              Param #   Connected to\n"
            + "=" * 98 + "\n"
            + " concatenate (Concatenate)   (None, 8)                 0         ['a[0][0]',\n"
            + "                                                                 'a[0][0]',\n" * n
            + "                                                                 'b[0][0]']\n")
    row = parse_summary(text).rows[0]
    assert len(row.connected) == n + 2 and row.connected[-1] == ("b", 0, 0)


@pytest.mark.parametrize("name", sorted(SEED_ROWS))
def test_seed_tables_are_explained(name):
    """Issue 17's bar: every row of the six seed tables explained, as the questions printed them
    and with the lines between rows deleted."""
    import paramcount

    text = (SEEDS / name).read_text(encoding="utf-8")
    for habit in ("as printed", "collapsed, no rules"):
        result = paramcount.reconcile(paste(text, habit))
        assert all(r.explained for r in result.rows), result.text()


# --- edited at random -----------------------------------------------------------------------------

FIXTURES = sorted((SEEDS.parent).glob("*.txt")) + sorted(SEEDS.glob("*.txt"))


@st.composite
def edited_tables(draw):
    """A real table, then edits a paste may make: lines deleted, spaces collapsed or stripped on
    some lines, every line cut at one width, indented or quoted."""
    lines = draw(st.sampled_from(FIXTURES)).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(0, 3))):
        if lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
    collapse = draw(st.sets(st.integers(0, max(0, len(lines) - 1)), max_size=4))
    lines = [" ".join(line.split()) if i in collapse else line for i, line in enumerate(lines)]
    if draw(st.booleans()):
        width = draw(st.integers(20, 120))
        lines = [line[:width] for line in lines]
    prefix = draw(st.sampled_from(["", "    ", "> ", "# "]))
    return "\n".join(prefix + line for line in lines)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(edited_tables())
def test_edited_tables_never_show_a_number_they_lack(text):
    """Whatever was done to the table, a row is read from it as it stands or the table is
    refused in one line: each row's count and name are in the text."""
    try:
        summary = parse_summary(text)
    except ParamcountError as e:
        assert "\n" not in str(e)
        return
    flat = text.replace(",", "")
    for row in summary.rows:
        assert str(row.params) in flat, (row, text)
        assert row.name.rstrip("…") in text, (row, text)
