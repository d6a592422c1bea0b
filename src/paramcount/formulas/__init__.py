"""One module per layer family; each registers its formulas with :func:`base.layer`."""

from .base import FORMULAS, Ctx, Spec, W, count_layer, layer

__all__ = ["FORMULAS", "Ctx", "Spec", "W", "count_layer", "layer"]
