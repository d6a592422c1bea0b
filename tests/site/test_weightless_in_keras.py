"""The supported-layers page says "no weights: 0 parameters" for every class paramcount's formula
counts as weightless. That is Keras' claim to make: each such class is built here, in the package
it is listed for (Keras 3, and tf-keras' own list), with its required arguments only, on an input
it accepts, and must have ``count_params() == 0``. A class that cannot be built so is listed in
``paramcount_site.supported.NOT_BUILT`` with the reason, which the page shows; the test checks
that it indeed cannot.

Each package's classes are built once, in one module-scoped pass (a few seconds).
"""

from __future__ import annotations

import inspect
import os
import warnings

import pytest

from paramcount_site.keras_layers import load
from paramcount_site.supported import NOT_BUILT, status

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
pytestmark = pytest.mark.keras

# What a required argument is given (the smallest valid value), and options some classes need
# although their signature gives a default that fails (None).
REQUIRED = {"rate": 0.5, "stddev": 0.1, "factor": 0.1, "height_factor": 0.1,
            "width_factor": 0.1, "activation": "relu", "scale": 0.5, "pool_size": 2,
            "output_size": 2, "height": 2, "width": 2, "dims": (1,), "target_shape": (-1,),
            "n": 2, "num_bins": 3, "axes": -1, "function": lambda x: x}
OPTIONS = {"CategoryEncoding": {"num_tokens": 8}, "Discretization": {"bin_boundaries": [0.5]},
           "RandomPosterization": {"factor": 4}}
# Inputs tried in turn: ranks 2 to 5, two inputs (merge layers), a column of strings (text).
INPUTS = [[(4,)], [(4, 3)], [(4, 4, 3)], [(4, 4, 4, 3)], [(4, 3), (4, 3)], [(1,)]]
DTYPES = ["float32", "int32", "string"]

LISTED = load()
WEIGHTLESS = [(package, name) for package in ("keras", "tf_keras")
              for name in LISTED[package]["classes"]
              if name != "InputLayer" and status(name).status == "weightless"]


def build(module, name: str):
    """(count_params(), how it was built) of the first build that works, or (None, errors)."""
    cls = getattr(module.layers, name)
    signature = inspect.signature(cls.__init__)
    needed = [p for p, v in signature.parameters.items() if p != "self"
              and v.default is inspect.Parameter.empty
              and v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL)]
    config = {**{p: REQUIRED[p] for p in needed if p in REQUIRED}, **OPTIONS.get(name, {})}
    errors = []
    for dtype in DTYPES:
        for shapes in INPUTS:
            try:
                layer = cls(**config)
                inputs = [module.Input(shape, dtype=dtype) for shape in shapes]
                layer(inputs if len(inputs) > 1 else inputs[0])
            except Exception as e:  # this input or dtype is not one it accepts: try the next
                errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:120]}")
                continue
            return layer.count_params(), f"{name}({config}) on {dtype} {shapes}"
    return None, errors


@pytest.fixture(scope="module")
def built() -> dict:
    results = {}
    for package in ("keras", "tf_keras"):
        module = pytest.importorskip(package)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in [n for p, n in WEIGHTLESS if p == package]:
                results[(package, name)] = build(module, name)
    return results


def test_the_page_claims_many_classes():
    assert sum(p == "keras" for p, _ in WEIGHTLESS) > 80
    assert sum(p == "tf_keras" for p, _ in WEIGHTLESS) > 60


@pytest.mark.parametrize(("package", "name"), WEIGHTLESS, ids=[f"{p}.{n}" for p, n in WEIGHTLESS])
def test_keras_builds_it_with_no_weights(built, package, name):
    params, how = built[(package, name)]
    reason = NOT_BUILT.get(package, {}).get(name)
    if reason is not None:
        assert params is None, (f"{package}.{name} is listed as not buildable ({reason}), but "
                                f"Keras built it: {how}; remove it from NOT_BUILT")
        return
    assert params is not None, (f"{package}.{name} could not be built: {how[:3]}; give it a "
                                "minimal config here, or say why in supported.NOT_BUILT")
    assert params == 0, f"Keras counts {params} parameters for {how}, the page says 0"


def test_not_built_lists_only_weightless_classes():
    for package, reasons in NOT_BUILT.items():
        for name, reason in reasons.items():
            assert (package, name) in WEIGHTLESS and reason
