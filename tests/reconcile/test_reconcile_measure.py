"""The reconciler on random models of every registered class that holds weights, built in Keras 3
and tf-keras (tests/reconcile/random_models.py), measured row by row against the real layers
(tests/reconcile/measure.py): at least 98% of the rows with weights explained with the real
setting among the fits, no row showing a count that is not the table's, and no solved input
that contradicts the real one. Rows whose output shape a narrow old layout cut off (Keras 1 at
80 columns) have nothing to be solved from: they are counted apart, as tables refused are.

One model per class and framework here (about 60 models); ``python tests/reconcile/measure.py N``
(run by ``make bench``) measures N per class."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")

import measure  # noqa: E402  (after the skips: it builds Keras models)
from random_models import ALIASES, BUILDERS, HUB, NOT_BUILT  # noqa: E402

from paramcount.formulas.registry import REGISTRY, load_formulas  # noqa: E402

PER_CLASS = 1


def test_every_registered_class_with_weights_is_built_or_says_why():
    load_formulas()
    weighted = {name for name, c in REGISTRY.items() if not c.weightless
                and not name.startswith(HUB)}
    assert sorted(weighted - set(BUILDERS) - set(NOT_BUILT) - ALIASES) == []


@pytest.mark.parametrize("k", [keras, tf_keras], ids=["keras3", "tf_keras"])
def test_random_models_are_explained(k):
    """Each model in its own Keras' summary and in one older layout drawn, pasted with a habit
    drawn; the bar holds per layout (a layout that lost the count is refused, counted apart)."""
    tallies = measure.run(k, PER_CLASS, "ci", {})
    for layout, tally in sorted(tallies.items()):
        print("\n" + tally.line(f"{k.__name__}, {layout}"))
    own_layout = "keras 3" if k is keras else "tf-keras 2.13+"
    own = tallies[own_layout]
    assert own.models >= 25, "too few models were built to measure anything"
    for layout, tally in tallies.items():
        assert tally.wrong == [], f"{layout}: {tally.wrong[0]}"
        assert tally.contradictions == [], f"{layout}: {tally.contradictions[0]}"
    # The bar, on the own layout and on the older ones together (a handful of tables each here;
    # `make bench` gives each layout its own figure).
    assert own.rate >= 0.98, "\n\n".join(own.unexplained[:3])
    old = [t for layout, t in tallies.items() if layout != own_layout]
    rate = sum(t.explained for t in old) / max(1, sum(t.rows for t in old))
    assert rate >= 0.98, "\n\n".join(u for t in old for u in t.unexplained[:1])
