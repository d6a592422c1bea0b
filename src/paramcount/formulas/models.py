"""A Sequential or functional model used as a layer inside another model."""

from __future__ import annotations

from ..expr import total
from .base import Ctx, Hidden, Spec, layer

# The classes of a model's own config; a model used as a layer is counted by walking its graph.
MODEL_CLASSES = ("Sequential", "Functional", "Model")


@layer(*MODEL_CLASSES, hides=Hidden(solve=None, why="a nested model: its layers are rows "
                                                 "of their own, and add up to its count"))
def nested_model(ctx: Ctx) -> Spec:
    # The one import that points up (formulas -> count): a model is a layer, so counting one
    # walks its graph. Imported here, when a nested model is met, not when formulas load.
    from ..counting.graph import count_graph

    layers, outputs = count_graph(ctx.class_name, ctx.config, list(ctx.input_shapes),
                                  keras_version=ctx.keras_version, where=ctx.where)
    weighted = [sub for sub in layers if sub.class_name != "InputLayer"]
    return Spec(output_shape=outputs[0] if len(outputs) == 1 else outputs,
                formula=total(sub.expr for sub in weighted), sublayers=weighted)
