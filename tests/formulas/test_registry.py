"""The registry of layer classes: every registered class was compared with real Keras, and every
class either names the docs page that explains its formula or has none.

The comparison test reads what the Keras comparisons of the same session recorded (see
keras_compare.COMPARED), so it runs after them, as the full suite orders it, and fails rather than
pass on an empty record."""

import re
from pathlib import Path

import pytest

import keras_compare
from paramcount.formulas.registry import REGISTRY, load_formulas

ROOT = Path(__file__).resolve().parents[2]
load_formulas()

# Classes that no Keras pinned here writes into a config, with the reason.
NEVER_WRITTEN = {
    "Model": "a config's class is 'Functional' (Keras 3, tf-keras) or a subclass's own name; "
             "'Model' is read for configs written by tf.keras before 2.4",
}


def keras_class_name(k, name: str) -> str | None:
    """The class ``k.layers.<name>`` really is (``Convolution2D`` is ``Conv2D``), or None."""
    found = getattr(k.layers, name, None) or getattr(k, name, None)
    return getattr(found, "__name__", None)


@pytest.mark.keras
def test_every_registered_class_was_compared_with_keras():
    keras = pytest.importorskip("keras")
    tf_keras = pytest.importorskip("tf_keras")
    if not keras_compare.COMPARED:
        pytest.fail("nothing was compared with Keras in this session: run this test after the "
                    "comparisons, e.g. pytest tests/formulas/test_formulas_*.py tests/engine/test_graph.py "
                    "tests/formulas/test_registry.py", pytrace=False)
    def classes(name: str) -> set[str]:
        """The classes a name stands for: Convolution2D is Conv2D, and Keras 3 writes
        GroupedQueryAttention as GroupQueryAttention."""
        return {name} | {c for c in (keras_class_name(k, name) for k in (keras, tf_keras)) if c}

    compared = set().union(*(classes(name) for name in keras_compare.COMPARED))
    never = [name for name in sorted(REGISTRY)
             if name not in NEVER_WRITTEN and not classes(name) & compared]
    assert never == [], ("registered classes never compared with Keras: add a comparison to "
                         f"their tests/formulas/test_formulas_<module>.py: {never}")


def _mentions(text: str, name: str) -> bool:
    # Convolution2D and SeparableConvolution1D are Keras' aliases of Conv2D and SeparableConv1D.
    return any(re.search(rf"\b{n}\b", text) for n in {name, name.replace("Convolution", "Conv")})


@pytest.mark.parametrize("name", sorted(n for n, c in REGISTRY.items() if c.page))
def test_a_registered_page_exists_and_names_the_class(name):
    page = ROOT / "docs" / REGISTRY[name].page
    assert page.is_file(), f"{name}: its page {REGISTRY[name].page} is not under docs/"
    assert _mentions(page.read_text(encoding="utf-8"), name), f"{page} never names {name}"


def test_every_formula_page_belongs_to_a_registered_class():
    pages = {c.page for c in REGISTRY.values()}
    about_no_class = {"formulas/trainable.md"}  # trainable vs non-trainable, across families
    unclaimed = [p.relative_to(ROOT / "docs").as_posix()
                 for p in sorted((ROOT / "docs" / "formulas").glob("*.md"))]
    assert [p for p in unclaimed if p not in pages | about_no_class] == []


def test_every_formula_module_has_its_test_module():
    """tests/formulas/ mirrors the families of src/paramcount/formulas/: a module that registers
    classes, <module>.py, is tested in test_formulas_<module>.py."""
    load_formulas()
    families = sorted({c.formula.__module__.rsplit(".", 1)[-1] for c in REGISTRY.values()})
    here = Path(__file__).parent
    assert [m for m in families if not (here / f"test_formulas_{m}.py").is_file()] == []


# --- what a model.summary() row hides (read by the reconciler) -----------------------------------

def test_every_registered_class_declares_what_its_summary_hides():
    """Each registration says what a summary row hides about the class (hidden settings with
    Keras' defaults, the unknown, how the input follows from the output), or why nothing is."""
    load_formulas()
    assert [name for name, c in sorted(REGISTRY.items()) if c.hides is None] == []
    for name, c in REGISTRY.items():
        hides = c.hides
        if hides.why is None:
            assert hides.settings or hides.reads or hides.wraps or hides.solve or \
                hides.input == "same", name
        for setting in hides.settings:
            assert setting.values, f"{name}: {setting.key} has no value to try"
        for inner in hides.wraps:
            assert inner in REGISTRY, f"{name} wraps {inner}, which is not registered"


def test_weightless_is_the_registration_and_the_formula_agrees():
    """The one weightless fact (read by the reconciler and the supported-layers page) is declared;
    the formula, probed with every option that adds a weight switched on, agrees with it."""
    from paramcount_site.supported import probe_params

    load_formulas()
    for name, c in sorted(REGISTRY.items()):
        counted = probe_params(name)
        if c.weightless:
            assert not any(counted), f"{name} is declared weightless, yet counts {counted}"
        elif counted and not c.hides.why:
            assert any(counted), f"{name} never counts a weight: declare hides=WEIGHTLESS"
