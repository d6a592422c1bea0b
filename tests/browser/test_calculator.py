"""The live calculator in headless Chromium: paramcount running on Pyodide in the page.

A shared URL opens with its case computed; typing updates the count and the URL; bad input gets a
message next to the field to fix and no number; and for every layer class paramcount knows, the
page shows exactly what `paramcount.explain_layer` computes in this process. Nothing is asked of
another host and nothing is logged as an error.

Uses the fixtures of conftest.py (`browser`, `site_url`: the strictly built site on 127.0.0.1).
Pyodide needs several seconds to start (much longer on a busy 2-core machine): tests wait on the
page's own state (`data-state` on `.pc-calc`), never on a sleep.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from site_browser import DESKTOP, PHONE, watch

import paramcount
from paramcount.formulas.registry import REGISTRY, load_formulas

# Waits are for the page's state; these bounds only turn a hang into a failure, so they are far
# above what a cold, loaded 2-core machine needs (Python starts in seconds, a count takes less).
START_TIMEOUT_MS = 240_000
UPDATE_TIMEOUT_MS = 120_000

# One case per layer class, written as a reader would; classes without one here get a generic
# case found below. The counts are whatever paramcount computes: the test compares, never assumes.
EXAMPLES = {
    "LSTM": ("LSTM(10)", "(None, 1)"),
    "GRU": ("GRU(8, reset_after=False)", "(None, 3)"),
    "SimpleRNN": ("SimpleRNN(16)", "(20, 4)"),
    "RNN": ("RNN([LSTMCell(8), GRUCell(4)], return_state=True)", "(10, 3)"),
    "StackedRNNCells": ("StackedRNNCells([SimpleRNNCell(4), LSTMCell(2)])", "(3,)"),
    "Bidirectional": ("Bidirectional(LSTM(128))", "(28, 28)"),
    "TimeDistributed": ("TimeDistributed(Dense(8))", "(5, 3)"),
    "Dense": ("Dense(64, lora_rank=4)", "(32,)"),
    "EinsumDense": ('EinsumDense("abc,cd->abd", output_shape=(None, 8), bias_axes="d")', "(4, 5)"),
    "Embedding": ("Embedding(1000, 64)", "(10,)"),
    "ReversibleEmbedding": ("ReversibleEmbedding(1000, 64)", "(10,)"),
    "Conv2D": ("Conv2D(32, 3)", "(28, 28, 1)"),
    "Conv1D": ("Conv1D(8, 5, groups=2)", "(100, 4)"),
    "SeparableConv2D": ("SeparableConv2D(16, 3, depth_multiplier=2)", "(32, 32, 3)"),
    "DepthwiseConv2D": ("DepthwiseConv2D(3, depth_multiplier=2)", "(16, 16, 8)"),
    "ConvLSTM2D": ("ConvLSTM2D(4, 3)", "(5, 8, 8, 2)"),
    "ConvLSTM3D": ("ConvLSTM3D(4, 3)", "(2, 4, 4, 4, 2)"),
    "BatchNormalization": ("BatchNormalization()", "(8, 8, 16)"),
    "LayerNormalization": ("LayerNormalization()", "(10, 64)"),
    "SpectralNormalization": ("SpectralNormalization(Dense(4))", "(5,)"),
    "Permute": ("Permute((2, 1))", "(3, 4)"),
    "Reshape": ("Reshape((4, 5))", "(20,)"),
    # Several inputs: a list of shapes (query, value).
    "MultiHeadAttention": ("MultiHeadAttention(num_heads=2, key_dim=8)", "[(10, 64), (20, 32)]"),
    "Attention": ("Attention(use_scale=True)", "[(10, 16), (20, 16)]"),
    "AdditiveAttention": ("AdditiveAttention()", "[(10, 16), (20, 16)]"),
    "Dot": ("Dot(axes=1)", "[(8,), (8,)]"),
    "CustomScaleLayer": ("CustomScaleLayer(0.17)", "[(8, 8, 32), (8, 8, 32)]"),
    "Subtract": ("Subtract()", "[(8,), (8,)]"),
    "GroupedQueryAttention": ("GroupedQueryAttention(head_dim=8, num_query_heads=4, "
                              "num_key_value_heads=2)", "[(10, 16), (20, 16)]"),
    "GroupQueryAttention": ("GroupQueryAttention(head_dim=8, num_query_heads=4, "
                            "num_key_value_heads=2)", "[(10, 16), (20, 16)]"),
    # KerasHub's layers, written as its docs write them.
    "keras_hub>TransformerEncoder": ("keras_hub.layers.TransformerEncoder(intermediate_dim=32, "
                                     "num_heads=2)", "(10, 16)"),
    "keras_hub>TransformerDecoder": ("keras_hub.layers.TransformerDecoder(intermediate_dim=32, "
                                     "num_heads=2)", "(10, 16)"),
    "keras_hub>MaskedLMHead": ("keras_hub.layers.MaskedLMHead(vocabulary_size=100)",
                               "[(10, 16), (3,)]"),
    "keras_hub>TokenAndPositionEmbedding": ("keras_hub.layers.TokenAndPositionEmbedding(1000, 64, "
                                            "32)", "(64,)"),
    "keras_hub>CachedMultiHeadAttention": ("keras_hub.layers.CachedMultiHeadAttention(2, 8)",
                                           "[(10, 16), (10, 16)]"),
    "keras_hub>RMSNormalization": ("keras_hub.layers.RMSNormalization(16)", "(10, 16)"),
    "keras_hub>FNetEncoder": ("keras_hub.layers.FNetEncoder(32)", "(10, 16)"),
    "keras_hub>PositionEmbedding": ("keras_hub.layers.PositionEmbedding(64)", "(64, 16)"),
    "keras_hub>ReversibleEmbedding": ("keras_hub.layers.ReversibleEmbedding(1000, 64)", "(10,)"),
    "keras_hub>RotaryEmbedding": ("keras_hub.layers.RotaryEmbedding()", "(10, 2, 8)"),
    "keras_hub>SinePositionEncoding": ("keras_hub.layers.SinePositionEncoding()", "(10, 16)"),
    "keras_hub>AlibiBias": ("keras_hub.layers.AlibiBias()", "(2, 10, 10)"),
}
NOT_ONE_LAYER = {
    "Sequential": "a model, not a layer: paramcount count reads its config",
    "Functional": "a model, not a layer: paramcount count reads its config",
    "Model": "a model, not a layer: paramcount count reads its config",
    "TFOpLambda": "a TensorFlow op recorded in a Keras 2 config, not written as layer code",
    "SlicingOpLambda": "a TensorFlow op recorded in a Keras 2 config, not written as layer code",
}
GENERIC_ARGS = ["", "4", "4, 3", "2, 4", "(2, 2)"]
GENERIC_SHAPES = ["(6, 5)", "(8, 8, 3)", "(6,)", "(4, 4, 4, 2)"]


def countable(code: str, shape: str) -> bool:
    try:
        paramcount.explain_layer(code, shape)
    except paramcount.ParamcountError:
        return False
    return True


def case_for(class_name: str) -> tuple[str, str] | None:
    if class_name in EXAMPLES:
        return EXAMPLES[class_name]
    for args, shape in itertools.product(GENERIC_ARGS, GENERIC_SHAPES):
        if countable(f"{class_name}({args})", shape):
            return f"{class_name}({args})", shape
    return None


load_formulas()
CASES = {name: case_for(name) for name in sorted(REGISTRY) if name not in NOT_ONE_LAYER}

# Everything the page shows for the case in its fields, read from the DOM.
READ = """app => ({
  state: app.dataset.state,
  computed: app.dataset.computed ? JSON.parse(app.dataset.computed) : null,
  fields: [app.querySelector('[name=layer]').value, app.querySelector('[name=input_shape]').value],
  totals: Object.fromEntries([...app.querySelectorAll('[data-result]')]
                             .map(e => [e.dataset.result, e.textContent])),
  weights: [...app.querySelectorAll('[data-weight-path]')]
           .map(row => [row.dataset.weightPath, JSON.parse(row.dataset.weightShape)]),
  errors: Object.fromEntries([...app.querySelectorAll('[data-error-for]')]
                             .map(e => [e.dataset.errorFor, e.textContent])),
  invalid: [...app.querySelectorAll('[aria-invalid=true]')].map(e => e.name),
  announced: app.querySelector('.pc-announce').textContent,
  text: app.innerText,
})"""

# Each case typed into the fields and submitted (Enter), in the page; what the page then shows.
RUN_CASES = "async (app, cases) => { const read = " + READ + """;
  const shown = [];
  for (const [layer, shape] of cases) {
    app.querySelector('[name=layer]').value = layer;
    app.querySelector('[name=input_shape]').value = shape;
    app.querySelector('form').requestSubmit();
    await new Promise(done => {
      const check = () => app.dataset.computed === JSON.stringify([layer, shape])
                          && !['loading', 'pending'].includes(app.dataset.state)
                          ? done() : setTimeout(check, 5);
      check();
    });
    shown.push(read(app));
  }
  return shown;
}"""


def expected(code: str, shape: str) -> dict:
    layer = paramcount.explain_layer(code, shape)
    size = paramcount.web.result(code, shape)["size"]  # the weights' bytes, as summary() writes them
    return {"totals": {"total": f"{layer.params:,}", "trainable": f"{layer.trainable:,}",
                       "non_trainable": f"{layer.non_trainable:,}", "size": size},
            "weights": [[w.path, list(w.shape)] for w in layer.weights]}


def wait_until_started(page) -> None:
    """Until Python in the page has counted the case (not only shown the build's answer)."""
    page.wait_for_selector(".pc-calc[data-source=python], .pc-calc[data-state=failed]",
                           timeout=START_TIMEOUT_MS)


def wait_for_case(page, layer: str, shape: str) -> dict:
    page.wait_for_function(
        """([layer, shape]) => { const app = document.querySelector('.pc-calc');
           return !['loading', 'pending'].includes(app.dataset.state)
                  && app.dataset.computed === JSON.stringify([layer, shape]); }""",
        arg=[layer, shape], timeout=UPDATE_TIMEOUT_MS)
    return page.locator(".pc-calc").evaluate(READ)


def query_of(page) -> dict:
    query = parse_qs(urlsplit(page.url).query, keep_blank_values=True)
    return {key: values[0] for key, values in query.items()}


# --- One page for most tests: opened from a shared URL, then typed into. ----------------------

SHARED = ("Bidirectional(LSTM(128))", "(28, 28)")


@pytest.fixture(scope="module")
def calculator(browser, site_url: str):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    log = watch(context, site_url)
    page = context.new_page()
    page.goto(f"calculator/?layer={SHARED[0]}&input_shape={SHARED[1]}")
    wait_until_started(page)
    page.opened = page.locator(".pc-calc").evaluate(READ)  # before any test types into it
    page.log = log
    yield page
    context.close()


def test_a_shared_url_opens_with_its_case_computed(calculator):
    shown = calculator.opened
    assert shown["state"] == "ready" and shown["fields"] == list(SHARED)
    assert shown["totals"]["total"] == "160,768"  # the count Keras prints for this layer
    assert shown["totals"] == expected(*SHARED)["totals"]
    assert shown["weights"] == expected(*SHARED)["weights"]
    assert shown["errors"] == {"layer": "", "input_shape": ""} and shown["invalid"] == []
    assert shown["announced"] == "Total params: 160,768"  # what a screen reader hears


def test_typing_updates_the_count_and_the_url(calculator):
    field = calculator.locator("[name=layer]")
    field.fill("")
    field.press_sequentially("LSTM(256)", delay=30)
    shown = wait_for_case(calculator, "LSTM(256)", SHARED[1])
    assert shown["state"] == "ready"
    assert shown["totals"]["total"] == "291,840"
    assert shown["totals"] == expected("LSTM(256)", SHARED[1])["totals"]
    assert query_of(calculator) == {"layer": "LSTM(256)", "input_shape": SHARED[1]}


def test_the_formula_is_mathml_with_the_numbers_in(calculator):
    calculator.locator("[name=layer]").fill("LSTM(10)")
    calculator.locator("[name=input_shape]").fill("(None, 1)")
    assert wait_for_case(calculator, "LSTM(10)", "(None, 1)")["state"] == "ready"
    formula = calculator.locator(".pc-formula")
    assert formula.locator("math").count() == 3  # formula = numbers put in = count
    assert re.sub(r"\s+", "", formula.inner_text()).endswith("=480")
    assert "\\" not in formula.inner_text()
    assert calculator.locator(".pc-diagram [data-gate]").count() == 3 * 4  # i, f, c, o in each weight


@pytest.mark.parametrize(("layer", "shape", "field", "message"), [
    ("LTSM(3)", "(None, 3)", "layer", "unknown layer 'LTSM' (did you mean LSTM?)"),
    ("LSTM(-3)", "(None, 3)", "layer", "'units' must be a positive integer"),
    ("", "(None, 3)", "layer", "empty layer code"),
    ("LSTM(3)", "(-1, 3)", "input_shape", "input shape sizes must be positive, got -1"),
    ("LSTM(3)", "(3,)", "input_shape", "expects an input of rank 3"),
    ("LSTM(3)", "", "input_shape", "give the input shape"),
])
def test_bad_input_gets_a_message_next_to_its_field_and_no_number(calculator, layer, shape, field,
                                                                  message):
    # First a good case, so that a number is on screen that the bad input must take away.
    calculator.locator("[name=layer]").fill("LSTM(3)")
    calculator.locator("[name=input_shape]").fill("(None, 3)")
    wait_for_case(calculator, "LSTM(3)", "(None, 3)")
    for name, value in (("layer", layer), ("input_shape", shape)):
        calculator.locator(f"[name={name}]").fill(value)
    shown = wait_for_case(calculator, layer, shape)
    assert shown["state"] == "invalid"
    assert message in shown["errors"][field] and shown["announced"] == shown["errors"][field]
    other = "input_shape" if field == "layer" else "layer"
    assert shown["errors"][other] == "" and shown["invalid"] == [field]
    assert shown["totals"] == {} and shown["weights"] == []
    assert calculator.locator(".pc-results").inner_html() == ""
    assert "NaN" not in shown["text"] and "undefined" not in shown["text"]
    # The message sits in the same field as the input it is about.
    box = calculator.locator(".pc-field", has=calculator.locator(f"[name={field}]"))
    assert message in box.locator(".pc-error").inner_text()
    assert query_of(calculator) == {"layer": layer, "input_shape": shape}  # shareable, even so


CLASSES = sorted(CASES)


@pytest.fixture(scope="module")
def shown_for_every_class(calculator) -> dict:
    cases = [CASES[name] for name in CLASSES if CASES[name]]
    results = calculator.locator(".pc-calc").evaluate(RUN_CASES, cases)
    return {tuple(result["computed"]): result for result in results}


def test_every_class_paramcount_knows_has_a_case(calculator):
    assert set(CASES) | set(NOT_ONE_LAYER) == set(REGISTRY)
    assert [name for name, case in CASES.items() if case is None] == []


@pytest.mark.parametrize("class_name", CLASSES)
def test_the_page_shows_what_paramcount_computes(shown_for_every_class, class_name):
    case = CASES[class_name]
    if case is None:
        pytest.fail(f"no case counts for {class_name}: add one to EXAMPLES (or to NOT_ONE_LAYER "
                    "with the reason)")
    try:
        want = expected(*case)
    except paramcount.ParamcountError as error:
        pytest.fail(f"paramcount cannot count the example {case[0]} on {case[1]}: {error}")
    shown = shown_for_every_class[case]
    assert (shown["state"], shown["errors"]) == ("ready", {"layer": "", "input_shape": ""})
    assert {"totals": shown["totals"], "weights": shown["weights"]} == want


# --- Fresh pages: the default example, a phone in dark mode. ---------------------------------

def test_without_a_url_it_shows_the_builds_answer_at_once_then_pythons(browser, site_url):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    log = watch(context, site_url)
    held = []  # Python's runtime, kept back until the build's answer has been looked at
    context.route("**/assets/pyodide/pyodide.asm.wasm", lambda route: held.append(route))
    # No snapshot of Python for this paramcount: the worker starts Python afresh (the other tests
    # start from the build's snapshot), and must give the same answers.
    context.route("**/assets/calculator/python-snapshot.json",
                  lambda route: route.fulfill(json={"bundle_sha256": None}))
    page = context.new_page()
    page.goto("calculator/")
    app = page.locator(".pc-calc")
    # Python cannot have started: what shows was counted by the build, for the fields' case.
    page.wait_for_selector(".pc-calc[data-state=ready]", timeout=UPDATE_TIMEOUT_MS)
    from_build = app.evaluate(READ)
    assert app.get_attribute("data-source") == "build"
    assert from_build["fields"] == ["LSTM(10)", "(None, 1)"]
    assert from_build["totals"] == expected("LSTM(10)", "(None, 1)")["totals"]
    assert "built" in page.locator(".pc-status").inner_text()
    built_html = page.locator(".pc-results").inner_html()
    waited_ms = 0
    while not held:  # until the worker asks for the runtime (Playwright routes while it waits)
        assert waited_ms < START_TIMEOUT_MS, "the worker never asked for Python's runtime"
        page.wait_for_timeout(50)
        waited_ms += 50
    held[0].continue_()
    wait_until_started(page)
    shown = app.evaluate(READ)
    assert app.get_attribute("data-source") == "python" and shown["state"] == "ready"
    assert shown["totals"] == expected("LSTM(10)", "(None, 1)")["totals"]
    assert page.locator(".pc-status").inner_text() == ""
    assert urlsplit(page.url).query == ""  # nothing typed, nothing added to the address
    # The browser drew what the build drew: the same Python, the same HTML.
    assert page.locator(".pc-results").inner_html() == built_html
    context.close()
    assert log.elsewhere == [] and log.errors == []


def test_on_a_phone_in_dark_mode_it_fits_and_follows_the_colours(browser, site_url):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  color_scheme="dark", base_url=site_url)
    log = watch(context, site_url)
    page = context.new_page()
    page.goto(f"calculator/?layer={SHARED[0]}&input_shape={SHARED[1]}")
    wait_until_started(page)
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    colours = page.evaluate("""() => {
      const text = document.querySelector('.pc-diagram text');
      return {diagram: getComputedStyle(text).fill, page: getComputedStyle(text.closest('svg')).color,
              background: getComputedStyle(document.body).backgroundColor,
              total: getComputedStyle(document.querySelector('[data-result=total]')).color};
    }""")
    context.close()
    assert colours["diagram"] == colours["page"] != colours["background"]
    assert colours["total"] != colours["background"]
    assert log.elsewhere == [] and log.errors == []


def test_an_example_link_fills_the_fields_without_loading_python_again(calculator):
    examples = calculator.locator("p", has_text="start from one of these")
    examples.get_by_role("link", name="Embedding", exact=True).click()
    shown = wait_for_case(calculator, "Embedding(10000, 128)", "(50,)")
    assert shown["state"] == "ready"
    assert shown["totals"] == expected("Embedding(10000, 128)", "(50,)")["totals"]
    assert query_of(calculator) == {"layer": "Embedding(10000, 128)", "input_shape": "(50,)"}
    assert [url for url in calculator.log.requests if url.endswith("pyodide.asm.wasm")] == [
        calculator.log.requests[0].split("calculator/")[0] + "assets/pyodide/pyodide.asm.wasm"]


def test_nothing_was_asked_of_another_host_and_nothing_logged_an_error(calculator):
    requests = calculator.log.requests
    assert any(url.endswith("pyodide.asm.wasm") for url in requests)  # Python came from this site
    assert any(url.endswith("paramcount.zip") for url in requests)
    assert calculator.log.elsewhere == []
    assert calculator.log.errors == []


# --- Never another case's number, watched from before any page script runs. ------------------

# At every change to the page: each total on it, next to what the fields held at that moment.
RECORD_TOTALS = """
window.__pcTotals = window.__pcTotals || [];
new MutationObserver(() => {
  const app = document.querySelector('.pc-calc');
  const field = name => app?.querySelector(`[name=${name}]`)?.value;
  for (const total of document.querySelectorAll('[data-result="total"]'))
    window.__pcTotals.push([field('layer'), field('input_shape'), total.textContent]);
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
"""
PLACEHOLDER = "…"  # what a total reads while a typed change is counted


def recorded(page, seen: list) -> None:
    """Add what the page recorded to `seen`, emptying the page's record (kept on back/forward)."""
    seen += [tuple(row) for row in page.evaluate("window.__pcTotals.splice(0)")]


def test_a_total_on_screen_is_always_the_total_of_the_fields(browser, site_url):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    log = watch(context, site_url)
    context.add_init_script(RECORD_TOTALS)
    page = context.new_page()
    seen: list[tuple[str, str, str]] = []
    on_the_site = ("LSTM(256)", "(28, 28)")  # answered by the build at once, then by Python
    elsewhere = ("GRU(100)", "(None, 7)")  # no page links to it: only Python can answer
    page.goto(f"calculator/?layer={on_the_site[0]}&input_shape={on_the_site[1]}")
    wait_until_started(page)
    wait_for_case(page, *on_the_site)
    # An example link fills the fields in place; the back button brings the case before it back.
    page.locator("p", has_text="start from one of these").get_by_role(
        "link", name="Embedding", exact=True).click()
    wait_for_case(page, "Embedding(10000, 128)", "(50,)")
    page.evaluate("document.querySelector('.pc-calc').dataset.kept = 'yes'")
    page.go_back()
    assert wait_for_case(page, *on_the_site)["state"] == "ready"
    # ...in the same form: had Material's instant navigation fetched the page again, a new form
    # would replace this one a moment later, and with it what the reader had begun to type.
    assert page.locator(".pc-calc").get_attribute("data-kept") == "yes"
    # Typing: totals read "…" until the new count is in.
    field = page.locator("[name=layer]")
    field.fill("")
    field.press_sequentially("LSTM(25)", delay=20)
    wait_for_case(page, "LSTM(25)", on_the_site[1])
    recorded(page, seen)
    # A link to a case no page makes; then another page, and back.
    page.goto(f"calculator/?layer={elsewhere[0]}&input_shape={elsewhere[1]}")
    wait_until_started(page)
    wait_for_case(page, *elsewhere)
    recorded(page, seen)
    page.goto("questions/lstm-48-vs-32/")
    page.go_back()
    wait_until_started(page)
    wait_for_case(page, *elsewhere)
    recorded(page, seen)
    context.close()
    totals = {}
    for layer, shape, total in seen:
        if total != PLACEHOLDER:
            if (layer, shape) not in totals:
                totals[layer, shape] = f"{paramcount.explain_layer(layer, shape).params:,}"
            assert total == totals[layer, shape], f"{total} shown for {layer} on {shape}"
    # The record saw the answers arrive (so it watched the right thing).
    shown = {(layer, shape) for layer, shape, total in seen if total != PLACEHOLDER}
    assert {on_the_site, elsewhere, ("Embedding(10000, 128)", "(50,)"),
            ("LSTM(25)", on_the_site[1])} <= shown
    assert log.elsewhere == [] and log.errors == []


# --- Hostile links: Python runs in a Web Worker, with a time limit. ---------------------------

BOMBS = [  # inputs whose naive cost explodes: exponential in the nesting, linear in the length
    ("Bidirectional(" * 16 + "LSTM(4)" + ")" * 16, "(5, 3)"),
    ('LocallyConnected1D(2, 3, padding="same", implementation=3)', "(100000000, 1)"),
]


ANSWERED = """([layer, shape]) => { const app = document.querySelector('.pc-calc');
  return !['loading', 'pending'].includes(app.dataset.state)
         && app.dataset.computed === JSON.stringify([layer, shape]); }"""


def countable_quickly(layer: str, shape: str) -> str | None:
    """The total paramcount gives here, or None when it refuses the input."""
    try:
        return f"{paramcount.explain_layer(layer, shape).params:,}"
    except paramcount.ParamcountError:
        return None


def test_a_link_with_a_bomb_leaves_the_page_responsive_and_gets_a_message(browser, site_url):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    log = watch(context, site_url)
    page = context.new_page()
    page.goto("calculator/?" + urlencode({"layer": BOMBS[0][0], "input_shape": BOMBS[0][1]}))
    for number, bomb in enumerate(BOMBS):
        if number:
            page.locator("[name=layer]").fill(bomb[0])
            page.locator("[name=input_shape]").fill(bomb[1])
            page.locator("[name=input_shape]").press("Enter")
        # An answer or a message; the page's thread stays free meanwhile (the test below).
        page.wait_for_function(ANSWERED, arg=list(bomb), timeout=START_TIMEOUT_MS)
        shown = page.locator(".pc-calc").evaluate(READ)
        total = countable_quickly(*bomb)  # paramcount may have a closed form for it: then a count
        if shown["state"] == "ready":
            assert total is not None and shown["totals"]["total"] == total
        else:
            assert shown["state"] in {"stopped", "invalid"}
            assert shown["totals"] == {} and shown["weights"] == []
            message = page.locator(".pc-status").inner_text() + "".join(shown["errors"].values())
            assert message.strip() and shown["announced"].strip()
    context.close()
    assert log.elsewhere == [] and log.errors == []


# A call that never finishes, put into the worker by these tests only: whatever the machine's
# speed, its time limit is reached first. Added to paramcount.web where the worker imports it; it
# says on a BroadcastChannel when Python is in its loop.
WORKER_IMPORTS_WEB = 'const web = pyodide.pyimport("paramcount.web");'
NEVER_FINISHES = """pyodide.runPython(`
import paramcount.web
from js import BroadcastChannel
def never_finishes():
    BroadcastChannel.new("never-finishes").postMessage("started")
    while True:
        pass
paramcount.web.never_finishes = never_finishes
paramcount.web.__all__ = [*paramcount.web.__all__, "never_finishes"]
`);
"""


def with_a_call_that_never_finishes(route) -> None:
    shipped = route.fetch().text()
    assert WORKER_IMPORTS_WEB in shipped, "worker.js no longer imports paramcount.web this way"
    route.fulfill(body=shipped.replace(WORKER_IMPORTS_WEB, NEVER_FINISHES + WORKER_IMPORTS_WEB),
                  content_type="text/javascript")


def opened_with_a_call_that_never_finishes(browser, site_url: str, url: str):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    log = watch(context, site_url)
    context.route("**/assets/calculator/worker.js", with_a_call_that_never_finishes)
    page = context.new_page()
    page.goto(url)
    wait_until_started(page)
    return context, page, log


def test_the_page_answers_while_python_is_busy(browser, site_url):
    context, page, log = opened_with_a_call_that_never_finishes(browser, site_url, "calculator/")
    page.evaluate("""async () => {
      const { python } = await import('../assets/calculator/runtime.js');
      const inLoop = new Promise((done) => { new BroadcastChannel('never-finishes').onmessage = done; });
      window.__call = 'running';  // a limit of an hour: nothing stops the call during the test
      python().call('never_finishes', [], {limitMs: 3_600_000})
        .then(() => { window.__call = 'answered'; }, (error) => { window.__call = String(error); });
      await inLoop;
    }""")
    # Python is in its loop in the worker; the page still takes typing, marks the count as
    # waiting and updates its address.
    page.locator("[name=layer]").fill("LSTM(7)")
    page.wait_for_function("() => new URLSearchParams(location.search).get('layer') === 'LSTM(7)'")
    shown = page.locator(".pc-calc").evaluate(READ)
    assert page.evaluate("window.__call") == "running"
    context.close()
    assert shown["state"] == "pending" and shown["fields"][0] == "LSTM(7)"
    assert set(shown["totals"].values()) == {PLACEHOLDER}
    assert log.elsewhere == [] and log.errors == []


def test_a_count_over_its_time_limit_is_stopped_and_python_replaced(browser, site_url):
    context, page, log = opened_with_a_call_that_never_finishes(browser, site_url, "calculator/")
    outcome = page.evaluate("""async () => {
      const { python, TooLong } = await import('../assets/calculator/runtime.js');
      let stopped;
      try {
        await python().call('never_finishes', [], {limitMs: 100});
      } catch (error) {
        stopped = error instanceof TooLong ? error.message : String(error);
      }
      const answer = JSON.parse(await python().call('calculate', ['LSTM(4)', '(None, 3)']));
      return {stopped, total: answer.total};
    }""")
    context.close()
    total = paramcount.explain_layer("LSTM(4)", "(None, 3)").params
    assert outcome == {"stopped": "stopped after 0.1 s", "total": total}
    # The second answer came from a new worker: the stopped one cannot be interrupted.
    assert [url for url in log.requests if url.endswith("/calculator/worker.js")] == [
        f"{site_url}assets/calculator/worker.js"] * 2
    assert log.elsewhere == [] and log.errors == []


def test_a_page_that_links_to_the_calculator_loads_no_python(browser, site_url):
    context = browser.new_context(viewport=DESKTOP, base_url=site_url)
    log = watch(context, site_url)
    page = context.new_page()
    page.goto("questions/lstm-48-vs-32/", wait_until="networkidle")
    assert page.locator("a[href*='calculator/?layer=']").count() > 0
    context.close()
    assert [url for url in log.requests if "/assets/pyodide/" in url or "/assets/calculator/" in url] == []
