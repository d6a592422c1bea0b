"""A Sequential or functional model used as a layer inside another model."""

from __future__ import annotations

from ..expr import total
from .base import Ctx, Spec, layer


@layer("Sequential", "Functional", "Model")
def nested_model(ctx: Ctx) -> Spec:
    from ..graph import count_graph

    layers, outputs = count_graph(ctx.class_name, ctx.config, list(ctx.input_shapes),
                                  keras_version=ctx.keras_version, where=ctx.where)
    weighted = [sub for sub in layers if sub.class_name != "InputLayer"]
    return Spec(output_shape=outputs[0] if len(outputs) == 1 else outputs,
                formula=total(sub.expr for sub in weighted), sublayers=weighted)
