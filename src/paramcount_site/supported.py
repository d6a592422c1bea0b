"""Each Keras layer class's status in paramcount, for the supported-layers page.

- "formula": a registered formula counts it, and it can hold weights;
- "weightless": a registered formula counts it, and its registration says it never holds a
  weight (``LayerClass.weightless``, the fact the reconciler reads too; tests/formulas checks it
  against the probes below), or it is the model's input (InputLayer);
- "stored weights only": no formula (its weights are made by code paramcount never runs), but a
  saved file's stored weights count it (paramcount.counting.witness);
- "refused": no formula, and paramcount says why (paramcount.formulas.refused).
"""

from __future__ import annotations

from dataclasses import dataclass

from paramcount.errors import ParamcountError
from paramcount.formulas.apply import count_layer
from paramcount.formulas.refused import reason, stored_weights_only
from paramcount.formulas.registry import INPUT_CLASSES, registration

STATUSES = ("formula", "weightless", "stored weights only", "refused")

# "weightless" is Keras' claim too: tests/site/test_weightless_in_keras.py builds each such class
# in the package it is listed for and checks count_params() == 0. A class it cannot build so is
# listed here, package by package, with the reason the page shows (the test checks it indeed
# cannot be built). None today: every weightless class of Keras 3.15 and tf-keras 2.21 builds.
NOT_BUILT: dict[str, dict[str, str]] = {"keras": {}, "tf_keras": {}}

# Configs a formula is tried with: the defaults, then every option that adds a weight switched on
# (Attention's use_scale...), with the arguments some classes cannot do without.
_REQUIRED = {"height": 2, "width": 2, "dims": [1], "target_shape": [-1], "n": 2, "num_bins": 3,
             "num_tokens": 8, "axes": -1, "output_size": 2, "cropping": 1, "padding": 1,
             "size": 2, "pool_size": 2, "bin_boundaries": [0.5], "vocabulary": ["a"]}
_SWITCHED_ON = {"use_scale": True, "use_bias": True, "scale": True, "center": True}
PROBE_CONFIGS = [{}, _REQUIRED, {**_REQUIRED, **_SWITCHED_ON}]
PROBE_INPUTS = [[(None, 4)], [(None, 4, 3)], [(None, 4, 4, 3)], [(None, 4, 4, 4, 3)],
                [(None, 4, 3), (None, 4, 3)]]  # merge layers and attention take two


@dataclass(frozen=True)
class Status:
    class_name: str  # as registered: "Dense", "keras_hub>TransformerEncoder"
    status: str  # one of STATUSES
    page: str | None = None  # the formula page (a weightless class's too, when it has one)
    reason: str | None = None  # why there is no formula, for the last two

    @property
    def short_name(self) -> str:
        """The class's name in its package: "TransformerEncoder" for keras_hub>TransformerEncoder."""
        return self.class_name.rpartition(">")[2]


def probe_params(class_name: str) -> list[int]:
    """What the formula counts on every probe it accepts."""
    counted = []
    for config in PROBE_CONFIGS:
        for shapes in PROBE_INPUTS:
            try:
                counted.append(count_layer(class_name, dict(config), list(shapes),
                                           where=class_name).params)
            except (ParamcountError, KeyError, TypeError, ValueError, IndexError):
                continue
    return counted


def status(class_name: str) -> Status:
    if class_name in INPUT_CLASSES:  # read as the model's input, never counted as a layer
        return Status(class_name, "weightless")
    registered = registration(class_name)
    if registered is None:
        kind = "stored weights only" if stored_weights_only(class_name) else "refused"
        return Status(class_name, kind, reason=reason(class_name))
    if registered.weightless:
        return Status(class_name, "weightless", page=registered.page)
    return Status(class_name, "formula", page=registered.page)
