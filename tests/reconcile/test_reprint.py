"""The table reader against every layout Keras has printed, pasted every way people paste.

Models are built in Keras 3 and tf-keras; their rows (name, class, output shape, count,
connections) are laid out by ``reprint`` as each generation printed them (Keras 3 and tf-keras
print their own), at several widths, with and without the lines between rows, and pasted with
each habit of ``reprint.HABITS``. Each table is read back and compared row by row with the
model: a row's name, class (after completion), output shape and count must be the model's, or
the table is refused in one line (``this table could not be read: …``). No row may hold a number
the table lacks. ``test_layouts_report`` prints, per layout, what was read and what refused.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict

import pytest
import reprint
from reprint import HABITS, Row, Table, cut_at, paste

from paramcount import ParamcountError
from paramcount.reconciling.table import parse_shape_text, parse_summary

# One worker for the module: test_layouts_report reads what the read-back tests recorded.
pytestmark = [pytest.mark.keras, pytest.mark.xdist_group("reprint")]
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

os.environ["COLUMNS"] = "240"  # Rich crops a table wider than the terminal; a paste holds it all

RESULTS: dict[str, Counter] = defaultdict(Counter)  # layout -> read / refused / rows


# --- models ----------------------------------------------------------------------------------------

def zoo(k) -> list:
    """Models whose tables test the reader: long names and classes, several inputs, a wide count,
    a nested model, a class whose name is a prefix of another's."""
    L = k.layers
    k.backend.clear_session()
    models = []
    m = k.Sequential([k.Input((None, 1)), L.LSTM(10, return_sequences=True),
                      L.TimeDistributed(L.Dense(1))], name="seed_001")
    models.append(m)
    inp = k.Input((28, 28))
    models.append(k.Model(inp, L.Bidirectional(L.LSTM(128))(inp), name="seed_002"))
    models.append(k.Sequential([
        k.Input((12, 12, 3)), L.Conv2D(8, 3), L.BatchNormalization(), L.MaxPooling2D(),
        L.Conv2DTranspose(4, 3), L.SeparableConv2D(6, 3), L.DepthwiseConv2D(3),
        L.GlobalAveragePooling2D(), L.Dense(5, name="a_layer_name_longer_than_a_column_is"),
    ], name="conv"))
    a = k.Input((10, 3), name="first_input_of_two")
    b = k.Input((10, 4))
    x = L.Concatenate()([L.Dense(4)(a), L.Dense(4)(b)])
    y = L.MultiHeadAttention(2, 3)(x, x)
    z = L.Add()([L.Dense(8)(x), y])
    models.append(k.Model([a, b], L.LayerNormalization()(z), name="branches"))
    t = k.Input((7,))
    e = L.Embedding(100_000, 300)(t)
    models.append(k.Model(t, L.Dense(3)(L.GRU(4)(e)), name="wide_count"))
    inner = k.Sequential([k.Input((3,)), L.Dense(3), L.BatchNormalization()], name="inner")
    inner.layers[1].trainable = False
    models.append(k.Sequential([k.Input((3,)), inner, L.Dense(1)], name="nested"))
    return models


def _shape(value):
    if isinstance(value, list):
        return [tuple(v) for v in value] if len(value) != 1 else tuple(value[0])
    return tuple(value) if value is not None else None


def tf_rows(model) -> Table:
    """A tf-keras model's rows, as tf-keras' print_summary reads them."""
    relevant = [n for v in model._nodes_by_depth.values() for n in v]
    rows = []

    def add(layer, depth):
        try:
            shape = layer.output_shape
        except AttributeError:
            shape = "multiple"
        inputs = [f"{lay.name}[{ni}][{ti}]" for node in layer._inbound_nodes if node in relevant
                  for lay, ni, ti, _ in node.iterate_inbound()]
        nested = bool(getattr(layer, "layers", None))
        rows.append(Row(layer.name, type(layer).__name__, str(shape), layer.count_params(),
                        inputs, depth, layer.trainable, _shape(shape), nested))
        if nested:
            for sub in layer.layers:
                add(sub, depth + 1)

    for layer in model.layers:
        add(layer, 0)
    return Table(model.name, rows, _count(model.trainable_weights),
                 _count(model.non_trainable_weights), 4 * _count(model.trainable_weights),
                 4 * _count(model.non_trainable_weights))


def k3_rows(model) -> Table:
    rows = []

    def add(layer, depth):
        out = layer.output
        shape = [tuple(t.shape) for t in out] if isinstance(out, (list, tuple)) \
            else tuple(out.shape)
        inputs = []
        if depth == 0:
            inputs = [f"{t._keras_history.operation.name}[{t._keras_history.node_index}]"
                      f"[{t._keras_history.tensor_index}]"
                      for node in layer._inbound_nodes for t in node.input_tensors]
        nested = bool(getattr(layer, "layers", None))
        rows.append(Row(layer.name, type(layer).__name__, str(shape), layer.count_params(),
                        inputs, depth, layer.trainable, _shape(shape), nested))
        if nested:
            for sub in layer.layers:
                add(sub, depth + 1)

    for layer in model.layers:
        add(layer, 0)
    return Table(model.name, rows, _count(model.trainable_weights),
                 _count(model.non_trainable_weights))


def _count(weights) -> int:
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


@pytest.fixture(scope="module")
def tf_models():
    return zoo(tf_keras)


@pytest.fixture(scope="module")
def k3_models():
    return zoo(keras)


def printed(model, **kw) -> str:
    lines = []
    model.summary(print_fn=lambda s, *a, **k: lines.append(s), **kw)
    return "\n".join(lines) + "\n"


# --- the re-printer is tf-keras' own layout --------------------------------------------------------

@pytest.mark.parametrize("width", [None, 50, 65, 98, 120])
@pytest.mark.parametrize("show_trainable", [False, True])
@pytest.mark.parametrize("expand_nested", [False, True])
def test_reprint_matches_tf_keras(tf_models, width, show_trainable, expand_nested):
    """The re-printer's tf-keras layout is tf-keras' own, character for character: the ground
    the older layouts (the same columns, cut instead of wrapped) stand on."""
    for model in tf_models:
        kw = dict(line_length=width, show_trainable=show_trainable, expand_nested=expand_nested)
        assert reprint.tf_wrap(tf_rows(model), **kw) == printed(model, **kw), model.name


# --- read back ------------------------------------------------------------------------------------

def _same_name(read: str, real: str) -> bool:
    return read == real or (len(read) >= 1 and real.startswith(read.rstrip("…")))


def check(table: Table, text: str, layout: str, rows: list[Row], inputs=None) -> None:
    """Read ``text`` back: every row the model's, or the table refused in one line."""
    try:
        summary = parse_summary(text)
    except ParamcountError as e:
        message = str(e)
        assert message.startswith("this table could not be read: ") and "\n" not in message, \
            f"{layout}: {message}\n{text}"
        RESULTS[layout]["refused"] += 1
        RESULTS[layout, message.split(":")[1][:60]]["refused"] += 1
        return
    got = summary.rows
    assert len(got) == len(rows), f"{layout}: {len(got)} rows read, {len(rows)} printed\n{text}"
    for k, (row, real) in enumerate(zip(got, rows)):
        where = f"{layout}: row {real.name}\n{text}"
        assert row.params == real.params, where  # never a number the table lacks
        assert _same_name(row.name, real.name), where
        if not row.printed_class:  # cut off entirely: the name filled its column
            assert row.class_name == "…" and not row.class_options, where
        elif row.class_options:
            assert real.class_name in row.class_options, where
            assert row.class_name == real.class_name or row.class_name.endswith("…"), where
        else:
            assert row.class_name == real.class_name, where
        shape = row.output_shape
        if shape is not None:  # None: the cell was cut or says "multiple"; never a wrong shape
            assert shape == _shape(parse_shape_text(real.shape)) or shape == real.real_shape, \
                where
        real_inputs = inputs[k] if inputs is not None else real.inputs
        if row.connected is not None and real_inputs:
            names = [ref.split("[")[0] for ref in real_inputs]
            for name, _, _ in row.connected:
                assert name in names or any(n.startswith(name.rstrip("…")) for n in names), where
        assert row.depth == real.depth, where
    RESULTS[layout]["read"] += 1
    RESULTS[layout]["rows"] += len(got)


def _layouts(table: Table):
    """(layout name, text) for every old layout at several widths."""
    for width in (100, 120, 80, 60):
        yield "keras 1.0", reprint.keras1(table, width, release="1.0")
        yield "keras 1.2", reprint.keras1(table, width, release="1.2")
    for width in (None, 50, 80, 120):
        yield "keras 2.0-2.3 / tf.keras 1.x-2.8", reprint.keras2(table, width, model_line=False)
        yield "keras 2.0-2.3 / tf.keras 1.x-2.8", reprint.keras2(table, width, float_totals=True)
    for width in (None, 50, 65, 98, 120):
        yield "tf-keras 2.9-2.12", reprint.tf_wrap(table, width, byte_sizes=False)
        yield "tf-keras 2.9-2.12", reprint.tf_wrap(table, width, show_trainable=True,
                                                   byte_sizes=False)
    yield "markdown pipe table", reprint.markdown(table)


@pytest.mark.parametrize("generation", ["keras3", "tf_keras"])
def test_old_layouts_read_back(generation, tf_models, k3_models):
    """Rows of real models, in every older layout and paste habit, read back as they are."""
    models = k3_models if generation == "keras3" else tf_models
    extract = k3_rows if generation == "keras3" else tf_rows
    for model in models:
        table = extract(model)
        for layout, text in _layouts(table):
            inputs = reprint.keras1_inputs(table) if layout.startswith("keras 1") else None
            for habit in HABITS:
                check(table, paste(text, habit), layout, table.top, inputs)


@pytest.mark.parametrize("width", [None, 50, 65, 98, 120])
def test_tf_keras_as_printed_read_back(tf_models, width):
    """tf-keras 2.13+ tables as tf-keras prints them, nested models expanded or not, with the
    Trainable column (whose narrow Param # column wraps a wide count onto the next line)."""
    for model in tf_models:
        table = tf_rows(model)
        for expand in (False, True):
            for trainable in (False, True):
                text = printed(model, line_length=width, expand_nested=expand,
                               show_trainable=trainable)
                rows = table.rows if expand else table.top
                for habit in HABITS:
                    check(table, paste(text, habit), "tf-keras 2.13+", rows)


@pytest.mark.parametrize("width", [None, 50, 65, 98, 120, 150])
def test_keras3_as_printed_read_back(k3_models, width):
    for model in k3_models:
        table = k3_rows(model)
        for expand in (False, True):
            for trainable in (False, True):
                text = printed(model, line_length=width, expand_nested=expand,
                               show_trainable=trainable)
                rows = table.rows if expand else table.top
                for habit in HABITS:
                    check(table, paste(text, habit), "keras 3", rows)


def test_as_printed_is_never_refused(tf_models, k3_models):
    """Refusal is for pastes that lost what tells the cells apart, never for a table as printed
    at a width that holds its columns."""
    for model in tf_models:
        table = tf_rows(model)
        for text in (reprint.keras1(table), reprint.keras2(table), reprint.tf_wrap(table),
                     printed(model)):
            assert parse_summary(text).rows, text
    for model in k3_models:
        assert parse_summary(printed(model)).rows


@pytest.mark.parametrize("width", [30, 40, 50, 60])
def test_terminal_cut_is_read_or_refused(tf_models, width):
    """A table cut at a narrow terminal: what survives is read (a count is never cut short
    silently: the cut rows are refused), or the table is refused in one line."""
    for model in tf_models:
        table = tf_rows(model)
        for layout, text in (("keras 2 cut", reprint.keras2(table)),
                             ("tf-keras cut", reprint.tf_wrap(table))):
            cut = cut_at(text, width)
            try:
                summary = parse_summary(cut)
            except ParamcountError as e:
                assert str(e).startswith("this table could not be read: "), (str(e), cut)
                RESULTS[f"{layout} at {width}"]["refused"] += 1
                continue
            for row, real in zip(summary.rows, table.top):
                assert row.params == real.params, cut
            RESULTS[f"{layout} at {width}"]["read"] += 1


def test_layouts_report():
    """Per layout: tables read, tables refused (and why), rows read."""
    lines = [f"{str(k):70} {dict(v)}" for k, v in sorted(RESULTS.items(), key=str)]
    print("\n" + "\n".join(lines))
    assert RESULTS, "run with the read-back tests above"
