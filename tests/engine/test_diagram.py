"""The weight diagrams (paramcount.show.diagram), and the calculator's Python side: what paramcount.web
hands the page, and what paramcount_site.placeholders puts into pages and the bundle the browser runs.

The calculator in a real browser is tested in tests/browser/test_calculator.py.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import posixpath
import re
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest

import paramcount
from paramcount import web
from paramcount.formulas.registry import registration
from paramcount.show.diagram import svg
from paramcount_site import calculator_files, generate, placeholders

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"

# Layers of every kind a diagram must handle: gated, wrapped, frozen, low-rank, 4-D, weightless.
CASES = [
    ("LSTM(20)", "(20, 1)"),
    ("GRU(4)", "(None, 3)"),
    ("GRU(4, reset_after=False)", "(None, 3)"),
    ("SimpleRNN(5)", "(None, 2)"),
    ("Bidirectional(LSTM(8))", "(7, 3)"),
    ("Bidirectional(GRU(3))", "(None, 2)"),
    ("Dense(10, lora_rank=2)", "(784,)"),
    ("Dense(16, trainable=False)", "(8,)"),
    ("Conv2D(32, 3)", "(28, 28, 1)"),
    ("ConvLSTM2D(16, 3)", "(5, 28, 28, 1)"),
    ("SeparableConv2D(64, 3)", "(28, 28, 32)"),
    ("Embedding(1000, 64)", "(10,)"),
    ("BatchNormalization()", "(8, 8, 16)"),
    ("TimeDistributed(Dense(8))", "(5, 3)"),
    ("Flatten()", "(4, 4)"),
]


def draw(code: str, shape: str):
    layer = paramcount.explain_layer(code, shape)
    return layer, ElementTree.fromstring(svg(layer))


def weight_groups(root) -> list:
    return root.findall(f"{SVG}g[@class='pc-weight']")


def texts(element) -> list[str]:
    return ["".join(t.itertext()) for t in element.iter(f"{SVG}text")]


@pytest.mark.parametrize(("code", "shape"), CASES)
def test_diagram_is_valid_svg_naming_every_weight_with_its_shape(code, shape):
    layer, root = draw(code, shape)
    assert root.tag == f"{SVG}svg"
    groups = weight_groups(root)
    assert [g.get("data-path") for g in groups] == [w.path for w in layer.weights]
    for group, weight in zip(groups, layer.weights):
        label = " ".join(texts(group))
        numbers = "(" + ", ".join(map(str, weight.shape)) + ("," if len(weight.shape) == 1 else "") + ")"
        assert weight.path in label and numbers in label, label
        assert f"{weight.size:,} parameters" in label
        assert ("non-trainable" in label) == (not weight.trainable)


def test_a_label_shows_the_shape_in_symbols_and_in_numbers():
    _, root = draw("LSTM(20)", "(20, 1)")
    kernel = weight_groups(root)[0]
    assert "(m, 4·u) = (1, 80)" in texts(kernel)[1]


def test_subscripted_symbols_are_lowered_not_written_with_underscores():
    _, root = draw("Conv2D(32, 3)", "(28, 28, 1)")
    shape = weight_groups(root)[0].findall(f"{SVG}text")[1]
    assert "".join(shape.itertext()).startswith("(k1, k2, c, f) = (3, 3, 1, 32)")
    lowered = [(t.text, t.get("baseline-shift")) for t in shape.iter(f"{SVG}tspan")]
    assert lowered == [("1", "sub"), ("2", "sub")]
    html = web.results_html(web.result("Conv2D(32, 3)", "(28, 28, 1)"))
    shown = html.split("<h3>Weights</h3>")[1].split("<svg")[0]  # the weights table
    assert "(k<sub>1</sub>, k<sub>2</sub>, c, f) = (3, 3, 1, 32)" in shown and "k_1" not in shown


@pytest.mark.parametrize(("code", "shape", "class_name"), [
    ("LSTM(20)", "(20, 1)", "LSTM"),
    ("GRU(4)", "(None, 3)", "GRU"),
    ("GRU(4, reset_after=False)", "(None, 3)", "GRU"),
    ("Bidirectional(LSTM(8))", "(7, 3)", "LSTM"),
    ("ConvLSTM2D(16, 3)", "(5, 28, 28, 1)", "ConvLSTM2D"),
])
def test_recurrent_weights_are_split_into_their_gates_in_keras_order(code, shape, class_name):
    layer, root = draw(code, shape)
    gates = [letter for letter, _ in registration(class_name).gates]
    for group, weight in zip(weight_groups(root), layer.weights):
        columns = [r.get("data-gate") for r in group.iter(f"{SVG}rect") if r.get("data-gate")]
        assert columns == list(gates), weight.path
        labels = [t.text for t in group.iter(f"{SVG}text") if t.get("class") == "pc-gate-label"]
        assert labels == list(gates)
        shares = [t.text for t in group.iter(f"{SVG}tspan") if t.get("class") == "pc-gate-size"]
        assert shares == [f" · {weight.size // len(gates):,}"] * len(gates)  # each gate's share
        units = layer.sublayers[0].symbols if layer.sublayers else layer.symbols
        u = next(s.value for s in units if s.name in ("u", "f"))  # units, or a ConvLSTM's filters
        assert weight.shape[-1] == len(gates) * u  # each column is one gate's units


@pytest.mark.parametrize(("code", "shape"), [("SimpleRNN(5)", "(None, 2)"), ("Dense(4)", "(3,)"),
                                             ("Conv2D(4, 3)", "(8, 8, 3)")])
def test_layers_without_gates_draw_one_block_per_weight(code, shape):
    layer, root = draw(code, shape)
    assert not [r for r in root.iter(f"{SVG}rect") if r.get("data-gate")]
    assert len([r for r in root.iter(f"{SVG}rect") if "pc-block" in r.get("class")]) == len(layer.weights)


def test_blocks_are_drawn_to_scale_along_each_axis():
    # LSTM(20) on 4 features: the recurrent kernel (20, 80) is 5 times as tall as the kernel (4, 80)
    _, root = draw("LSTM(20)", "(20, 4)")
    kernel, recurrent, _ = ([r for r in g.iter(f"{SVG}rect") if "pc-block" in r.get("class")][0]
                            for g in weight_groups(root))
    assert kernel.get("width") == recurrent.get("width")
    assert float(recurrent.get("height")) == pytest.approx(5 * float(kernel.get("height")))
    # LoRA: lora_kernel_a (784, 2) is a fifth as wide as the kernel (784, 10)
    _, root = draw("Dense(10, lora_rank=2)", "(784,)")
    blocks = {g.get("data-path"): next(r for r in g.iter(f"{SVG}rect")) for g in weight_groups(root)}
    width = {path: float(block.get("width")) for path, block in blocks.items()}
    assert width["kernel"] == pytest.approx(5 * width["lora_kernel_a"])
    assert blocks["kernel"].get("height") == blocks["lora_kernel_a"].get("height")


def test_frozen_weights_are_drawn_dashed():
    _, root = draw("Dense(10, lora_rank=2)", "(784,)")
    frozen = {g.get("data-path") for g in weight_groups(root)
              if any("pc-frozen" in r.get("class") for r in g.iter(f"{SVG}rect"))}
    assert frozen == {"kernel"}


@pytest.mark.parametrize(("code", "shape"), CASES)
def test_diagram_follows_the_page_colours_and_can_be_read_aloud(code, shape):
    layer, root = draw(code, shape)
    markup = svg(layer)
    # Text and outlines take the page's colour: no colour is fixed on any element itself.
    assert not [e.tag for e in root.iter() if e.get("fill") or e.get("stroke") or e.get("color")]
    style = root.find(f"{SVG}style").text
    assert "text{fill:currentColor" in style
    assert not re.search(r"(?<!,)#(?:000|fff)\b|black|white", style)  # gate colours are var() fallbacks
    assert root.get("role") == "img" and f"{layer.params:,} parameters" in root.get("aria-label")
    assert root.find(f"{SVG}title").text == root.get("aria-label")
    assert all(g.find(f"{SVG}title") is not None for g in weight_groups(root))
    assert "\n" not in markup  # one line: safe to drop into Markdown as an HTML block


# --- paramcount.web: what the page receives ----------------------------------------------------

def test_calculate_returns_the_count_paramcount_computes():
    answer = json.loads(web.calculate("Bidirectional(LSTM(128))", "(28, 28)"))
    layer = paramcount.explain_layer("Bidirectional(LSTM(128))", "(28, 28)")
    assert answer["ok"] is True
    assert (answer["total"], answer["trainable"], answer["non_trainable"]) == (
        layer.params, layer.trainable, layer.non_trainable)
    assert [(w["path"], w["shape"]) for w in answer["weights"]] == [
        (w.path, list(w.shape)) for w in layer.weights]
    assert answer["derivation"] == layer.derivation
    assert answer["formula_text"] == layer.formula
    assert answer["diagram_svg"] == svg(layer)
    assert f'data-result="total">{layer.params:,}<' in answer["results_html"]


def test_frozen_weights_show_as_non_trainable():
    answer = web.result("Dense(16, trainable=False)", "(8,)")
    assert (answer["total"], answer["trainable"], answer["non_trainable"]) == (144, 0, 144)
    html = web.results_html(answer)
    assert 'data-result="trainable">0<' in html and 'data-result="non_trainable">144<' in html


def test_formula_is_mathml_with_the_numbers_put_in_and_no_tex_left():
    mathml = web.result("LSTM(1000)", "(None, 1000)")["formula_mathml"]
    assert mathml.count("<math") == 3  # formula, substituted, count: a phone wraps between them
    assert "\\" not in mathml and "{" not in mathml
    assert "<mn>8,004,000</mn>" in mathml  # a thousands comma stays inside one number
    assert "<mi>u</mi>" in mathml and "<mn>1,000</mn>" in mathml


@pytest.mark.parametrize(("code", "shape", "field", "message"), [
    ("LTSM(3)", "(None, 3)", "layer", "unknown layer 'LTSM' (did you mean LSTM?)"),
    ("LSTM(-3)", "(None, 3)", "layer", "'units' must be a positive integer, got -3"),
    ("LSTM(3", "(None, 3)", "layer", "cannot read layer code"),
    ("", "(None, 3)", "layer", "empty layer code"),
    ("LSTM(3)", "(-1, 3)", "input_shape", "input shape sizes must be positive, got -1"),
    ("LSTM(3)", "(None, 3", "input_shape", "cannot read input shape"),
    ("LSTM(3)", "", "input_shape", "give the input shape"),
    ("LSTM(3)", "(3,)", "input_shape", "expects an input of rank 3"),
    ("LSTM(3)", "(3, None)", "input_shape", "must be known"),
])
def test_bad_input_is_one_line_next_to_the_field_to_fix(code, shape, field, message):
    answer = json.loads(web.calculate(code, shape))
    door = answer.pop("door_html", None)  # an unknown class also gets links on where to go
    assert answer == {"ok": False, "error": answer["error"], "field": field}
    assert message in answer["error"] and "\n" not in answer["error"]
    assert (door is not None) == message.startswith("unknown layer")


def test_markup_typed_into_a_layer_name_is_shown_as_text():
    code = 'Bidirectional(LSTM(3, name="<img src=x onerror=alert(1)>"))'
    answer = json.loads(web.calculate(code, "(4, 2)"))
    assert answer["ok"] and "<img" not in answer["results_html"] and "<img" not in answer["diagram_svg"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in answer["results_html"]
    ElementTree.fromstring(answer["diagram_svg"])  # still well-formed


def test_an_empty_shape_is_fine_when_the_code_gives_one():
    assert web.result("LSTM(3, input_shape=(4, 2))", "")["total"] == 4 * 3 * (2 + 3 + 1)


def test_a_bug_in_paramcount_is_reported_never_turned_into_a_number(monkeypatch):
    def broken(*args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(web, "count_layer_entry", broken)
    answer = web.result("LSTM(3)", "(None, 3)")
    assert answer["ok"] is False and answer["internal"] is True
    assert "ZeroDivisionError" in answer["error"] and web.results_html(answer) == ""


# --- paramcount_site.placeholders: placeholders in pages; the bundle the browser runs -----------

def expand(text: str, src_uri: str) -> str:
    return placeholders.expand(text, placeholders.Page(src_uri))


def test_calculator_placeholder_becomes_an_encoded_relative_link():
    text = expand('See {{ calculator("Dense(3, activation=\'relu\')", "(None, 1)") }}.',
                  "questions/some-question.md")
    match = re.fullmatch(r"See \[(.*)\]\((.*)\)\.", text)
    assert match, text
    assert match[1] == "Open `Dense(3, activation='relu')` on `(None, 1)` in the calculator"
    url = urlsplit(match[2])
    assert url.path == "../calculator.md"
    assert not re.search(r"[\s()',]", url.query)  # nothing Markdown or a chat client could cut at
    assert parse_qs(url.query) == {"layer": ["Dense(3, activation='relu')"], "input_shape": ["(None, 1)"]}
    top = expand('{{ calculator("LSTM(10)", "(None, 1)") }}', "index.md")
    assert "](calculator.md?layer=LSTM%2810%29&input_shape=%28None%2C%201%29)" in top


def test_calculator_placeholder_may_name_its_link():
    text = expand('{{ calculator("GRU(8)", "(None, 3)", "a GRU") }}', "formulas/gru.md")
    assert text == "[a GRU](../calculator.md?layer=GRU%288%29&input_shape=%28None%2C%203%29)"


def test_diagram_placeholder_becomes_the_inline_svg_as_its_own_block():
    text = expand('Before\n{{ diagram("LSTM(20)", "(20, 1)") }}\nAfter', "formulas/lstm.md")
    picture = svg(paramcount.explain_layer("LSTM(20)", "(20, 1)"))
    assert text == f'Before\n\n\n<div class="pc-diagram-box">{picture}</div>\n\n\nAfter'


def test_placeholders_inside_code_are_shown_as_written():
    page = ('Write `{{ diagram("LSTM(20)", "(20, 1)") }}` on a line.\n\n'
            '```md\n{{ calculator("LSTM(10)", "(None, 1)") }}\n```\n')
    assert expand(page, "contributing.md") == page


@pytest.mark.parametrize(("placeholder", "reason"), [
    ('{{ diagram("LTSM(20)", "(20, 1)") }}', "unknown layer 'LTSM'"),
    ('{{ calculator("LSTM(10)", "(-1, 1)") }}', "input shape sizes must be positive"),
    ('{{ calculator("LSTM(10)") }}', "expected the arguments layer, input_shape, text"),
    ('{{ diagram(LSTM(20), (20, 1)) }}', "must be Python string literals"),
    ('{{ diagram("LSTM(20)", "(20, 1)", "a caption") }}', "expected the arguments layer, input_shape"),
    ('{{ diagramm("LSTM(20)", "(20, 1)") }}', "unknown placeholder"),
])
def test_a_placeholder_that_cannot_be_expanded_stops_the_build(placeholder, reason):
    with pytest.raises(placeholders.PlaceholderError) as error:
        expand(f"Text {placeholder} text", "page.md")
    assert str(error.value).startswith(f"page.md: cannot expand {placeholder}: ")
    assert reason in str(error.value)


@pytest.mark.parametrize("page", [
    '{{ calculator("LSTM(2)", "(3, 1)", "an `LSTM`") }}',  # the backtick opens inline code
    '{{ calculator("LSTM(2)",\n "(3, 1)") }}',             # cut by a line break
])
def test_a_placeholder_cut_in_two_stops_the_build(page):
    with pytest.raises(placeholders.PlaceholderError, match="unfinished placeholder"):
        expand(page, "page.md")


def test_a_new_placeholder_is_one_function(monkeypatch):
    monkeypatch.setitem(placeholders.PLACEHOLDERS, "shout", lambda page, word: word.upper())
    assert expand('I say {{ shout("hi") }} on {{ shout("x") }}.', "a/b.md") == "I say HI on X."


@pytest.mark.parametrize(("src_uri", "expected"), [
    ("index.md", "assets/x.js"), ("calculator.md", "../assets/x.js"),
    ("formulas/lstm.md", "../../assets/x.js"), ("formulas/index.md", "../assets/x.js"),
])
def test_raw_html_urls_are_relative_to_the_built_page(src_uri, expected):
    assert placeholders.Page(src_uri).url("assets/x.js") == expected
    # Zensical takes them relative to the Markdown file, and rewrites them for the built page.
    from_source = placeholders.Page(src_uri, html_urls_from_source=True).url("assets/x.js")
    assert from_source == posixpath.relpath("assets/x.js", posixpath.dirname(src_uri) or ".")


def test_a_pages_own_assets_get_addresses_right_for_both_builders():
    tags = '<link rel="stylesheet" href="{}x.css"><script type="module" src="{}x.js"></script>'
    text = '{{ assets("assets/x.css", "assets/x.js") }}'
    assert expand(text, "tools/page.md").strip() == tags.format("../../assets/", "../../assets/")
    zensical = placeholders.Page("tools/page.md", html_urls_from_source=True)
    assert placeholders.expand(text, zensical).strip() == tags.format("../assets/", "../assets/")
    with pytest.raises(placeholders.PlaceholderError, match="neither a stylesheet"):
        expand('{{ assets("assets/x.png") }}', "page.md")


TABLE = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━┓
┃ Layer (type)    ┃ Output Shape┃ Param # ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━┩
│ dense (Dense)   │ (None, 1)   │       3 │
└─────────────────┴─────────────┴─────────┘
 Total params: 3 (12.00 B)
"""
RECONCILE_LINK = re.compile(r'<a href="([^"#]*)#summary=([\w-]+)">([^<]*)</a>')


def unfragment(encoded: str) -> str:
    """What reconcile.js reads from #summary=: base64url, no padding, of the deflated UTF-8."""
    deflated = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    return zlib.decompress(deflated, wbits=-zlib.MAX_WBITS).decode("utf-8")


def page_with(table: str, placeholder: str = '{{ reconcile_link("asked", "Open it") }}') -> str:
    return f'Reconciled:\n\n```py\nimport paramcount\n\nasked = {table!r}\n' \
        f"print(paramcount.reconcile(asked).text())\n```\n\n{placeholder}\n"


@pytest.mark.parametrize(("src_uri", "zensical", "url"), [
    ("questions/q.md", False, "../../reconcile/"), ("questions/q.md", True, "../reconcile/"),
    ("index.md", False, "reconcile/"), ("explain.md", False, "../reconcile/"),
])
def test_reconcile_link_carries_the_table_a_block_of_the_page_assigns(src_uri, zensical, url):
    page = placeholders.Page(src_uri, html_urls_from_source=zensical)
    links = RECONCILE_LINK.findall(placeholders.expand(page_with(TABLE), page))
    assert [(href, unfragment(encoded), text) for href, encoded, text in links] == [(url, TABLE, "Open it")]


@pytest.mark.parametrize(("page", "reason"), [
    (page_with(TABLE, '{{ reconcile_link("table", "Open it") }}'), "no py block of the page assigns"),
    (page_with(TABLE) + page_with(TABLE.replace("3", "4")), "2 different strings"),
    (page_with("hello, this is not a table"), "not a model summary"),
])
def test_a_reconcile_link_without_its_table_stops_the_build(page, reason):
    with pytest.raises(placeholders.PlaceholderError, match=reason):
        expand(page, "questions/q.md")


def test_the_bundle_holds_exactly_the_sources_in_src():
    data = generate.bundle()
    assert data == generate.bundle()  # same sources, same bytes
    archive = zipfile.ZipFile(io.BytesIO(data))
    sources = {p.relative_to(ROOT / "src").as_posix(): p.read_bytes()
               for p in (ROOT / "src" / "paramcount").rglob("*.py")}
    assert {name: archive.read(name) for name in archive.namelist()} == sources


def test_the_bundle_alone_runs_the_calculator(tmp_path):
    # What Pyodide does in the page: unpack the zip, put it first on sys.path, import paramcount.web.
    # Run isolated (-I), so nothing installed here (math_core) can help it.
    zipfile.ZipFile(io.BytesIO(generate.bundle())).extractall(tmp_path)
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); import paramcount.web as w; "
            "assert w.__file__.startswith(sys.argv[1]); "
            "print(w.calculate('Bidirectional(LSTM(128))', '(28, 28)'))")
    done = subprocess.run([sys.executable, "-I", "-c", code, str(tmp_path)], capture_output=True,
                          text=True, check=True)
    answer = json.loads(done.stdout)
    assert answer["total"] == paramcount.explain_layer("Bidirectional(LSTM(128))", "(28, 28)").params
    assert answer["formula_mathml"].startswith("<math")  # drawn from the formula, in pure Python


def test_every_case_a_page_links_to_has_its_answer_from_the_build():
    linked = set()
    for page in (ROOT / "docs").rglob("*.md"):
        markdown = expand(page.read_text(), page.relative_to(ROOT / "docs").as_posix())
        linked |= {tuple(parse_qs(urlsplit(url).query)[k][0] for k in ("layer", "input_shape"))
                   for url in re.findall(r"\]\(([^)]*calculator\.md\?[^)]*)\)", markdown)}
    answers = {}
    for path, content in calculator_files.answers().items():
        answer = json.loads(content)
        assert path.stem == calculator_files.answer_key(answer["layer"], answer["input_shape"])
        answers[answer["layer"], answer["input_shape"]] = answer
    assert len(linked) > 20
    for layer, shape in linked:
        assert (layer, shape) in answers, f"no build-time answer for {layer} on {shape}"
        assert answers[layer, shape]["results_html"] == web.results_html(web.result(layer, shape))


def test_the_python_snapshot_in_place_was_made_from_this_paramcount():
    # The worker starts from it only if this digest is its bundle's; a stale one would cost the
    # reader seconds, silently. (`python -m paramcount_site.generate` makes it, with Node.js.)
    generate.main()
    made = json.loads(generate.SNAPSHOT_INFO.read_text())
    assert made["bundle_sha256"] == hashlib.sha256(generate.bundle()).hexdigest()
    assert generate.SNAPSHOT.stat().st_size > 1_000_000


# --- scripts/vendor_pyodide.py: the runtime the page loads is the pinned one -------------------

@pytest.fixture
def vendor(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("vendor_pyodide", ROOT / "scripts" / "vendor_pyodide.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(module, "TARGET", tmp_path / "pyodide")
    monkeypatch.setattr(module, "STAMP", tmp_path / "pyodide" / "VERSION")
    return module


def test_a_tarball_that_is_not_the_pinned_one_is_refused_and_thrown_away(vendor):
    vendor.CACHE.mkdir()
    tarball = vendor.CACHE / f"pyodide-{vendor.VERSION}.tgz"
    tarball.write_bytes(b"not the package npm published")
    with pytest.raises(SystemExit, match="does not match the pinned"):
        vendor.fetch_tarball()
    assert not tarball.exists() and not vendor.TARGET.exists()


def test_the_runtime_counts_as_vendored_only_when_complete_and_pinned(vendor):
    assert not vendor.is_current()
    vendor.TARGET.mkdir()
    for name in vendor.FILES:
        (vendor.TARGET / name).write_bytes(b"")
    vendor.STAMP.write_text(f"{vendor.VERSION} {vendor.INTEGRITY}\n")
    assert vendor.is_current()
    (vendor.TARGET / "pyodide.asm.wasm").unlink()
    assert not vendor.is_current()
    assert vendor.main(["--check"]) == 1
