"""Bidirectional and TimeDistributed: layers that hold another layer."""

from __future__ import annotations

from ..records import replace
from .base import Ctx, Hidden, Setting, Spec, layer


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


@layer("Bidirectional", args=("layer", "merge_mode"), page="formulas/bidirectional.md",
       state_inputs=True,
       hides=Hidden(settings=(Setting("merge_mode", ("concat", "sum", "mul", "ave", None)),),
                    wraps=("LSTM", "GRU", "SimpleRNN")))
def bidirectional(ctx: Ctx) -> Spec:
    inner = ctx.option("layer")
    if not isinstance(inner, dict):
        raise ctx.error("needs a 'layer' to wrap")
    if not isinstance(inner.get("config", {}), dict):
        raise ctx.error("the wrapped layer's config must be an object")
    merge_mode = ctx.choice("merge_mode", ("concat", "sum", "mul", "ave", None), "concat")
    forward_cfg = _renamed(inner, "forward_")
    backward_entry = ctx.option("backward_layer", None)
    if backward_entry is not None and not isinstance(backward_entry, dict):
        raise ctx.error("'backward_layer' must be a layer config")
    if isinstance(backward_entry, dict):
        # tf-keras renames a given backward layer "backward_<name>"; Keras 3 keeps its name.
        backward_cfg = backward_entry if ctx.keras_version >= 3 else _prefixed(backward_entry)
    else:
        backward_cfg = _renamed(inner, "backward_")
    forward = ctx.sublayer(forward_cfg, ctx.input_shape, "forward layer")
    if _same_layer(forward_cfg, backward_cfg):
        # The usual case: the backward layer is a copy of the forward one, run in reverse. Counted
        # once, so that wrappers nested in wrappers cost time in proportion to their depth.
        backward = replace(forward, name=str(backward_cfg["config"].get("name")))
    else:
        backward = ctx.sublayer(backward_cfg, ctx.input_shape, "backward layer")
    # Two copies of the same layer: 2·(its formula); a custom backward layer: the sum.
    same = forward.expr.text() == backward.expr.text() and forward.params == backward.params
    formula = 2 * forward.expr if same else forward.expr + backward.expr
    merged = _merged(forward.output_shape, backward.output_shape, merge_mode, ctx.keras_version)
    return Spec(output_shape=merged,
                formula=formula, sublayers=[forward, backward], **_wrapper_freezing(ctx))


_UNFROZEN_WRAPPER = (
    "Keras 3: trainable=False given to the wrapper does not reach the layer it wraps, so the "
    "model still trains its weights (summary() counts them as trainable); to freeze "
    "both, set wrapper.trainable = True and then False (setting False again changes nothing)")


def _wrapper_freezing(ctx: Ctx, notes: list[str] | None = None) -> dict:
    """tf-keras freezes the wrapped layer with the wrapper; Keras 3 builds the wrapped layer from
    its own config, so only its own trainable flag counts."""
    if ctx.keras_version < 3:
        return {"notes": notes or []}
    frozen = ctx.option("trainable", True) is False
    return {"freezable": False, "notes": (notes or []) + [_UNFROZEN_WRAPPER] * frozen}


def _same_layer(a: dict, b: dict) -> bool:
    """Whether two layer configs differ only in name and direction."""
    def essence(entry):
        config = entry.get("config")
        if not isinstance(config, dict) or not isinstance(config.get("name"), str):
            return None
        config = {k: v for k, v in config.items() if k not in ("name", "go_backwards")}
        return {**entry, "config": config}

    return essence(a) is not None and essence(a) == essence(b)


def _renamed(entry: dict, prefix: str) -> dict:
    config = dict(entry.get("config") or {})
    base = config.get("name") or str(entry.get("class_name", "layer")).lower()
    config["name"] = prefix + _strip(_strip(base, "forward_"), "backward_") \
        if prefix == "forward_" else prefix + _strip(base, "backward_")
    return {**entry, "config": config}


def _prefixed(entry: dict) -> dict:
    config = dict(entry.get("config") or {})
    config["name"] = "backward_" + str(config.get("name") or entry.get("class_name", "layer")).lower()
    return {**entry, "config": config}


def _merged(fwd, bwd, merge_mode, keras_version):
    """The output shapes. tf-keras reports what each half computes; Keras 3 works every shape
    out from the forward layer alone (its compute_output_shape), so a backward layer of another
    width still shows the forward's shape, and the forward's states twice."""
    fwd_list = fwd if isinstance(fwd, list) else [fwd]
    bwd_list = bwd if isinstance(bwd, list) else [bwd]
    if keras_version >= 3:
        bwd_list = fwd_list
    out_f, out_b = fwd_list[0], bwd_list[0]
    if merge_mode == "concat":
        out = [(*out_f[:-1], None if out_f[-1] is None or out_b[-1] is None
                else out_f[-1] + out_b[-1])]
    elif merge_mode is None:
        out = [out_f, out_b]
    else:
        out = [out_f]
    states = fwd_list[1:] + bwd_list[1:]
    outs = out + states
    return outs[0] if len(outs) == 1 else outs


@layer("TimeDistributed", args=("layer",), page="formulas/timedistributed.md",
       hides=Hidden(wraps=("Dense", "Conv1D", "Conv2D", "Conv3D")))
def time_distributed(ctx: Ctx) -> Spec:
    inner = ctx.option("layer")
    if not isinstance(inner, dict):
        raise ctx.error("needs a 'layer' to wrap")
    ctx.rank(3, 99)
    batch, steps, *rest = ctx.input_shape
    sub = ctx.sublayer(inner, (batch, *rest), "wrapped layer")
    out = sub.output_shape
    if isinstance(out, list):
        raise ctx.error("the wrapped layer must return a single tensor")
    # tf-keras names the weights "time_distributed/kernel"; Keras 3 "time_distributed/dense/kernel".
    return Spec(output_shape=(batch, steps, *out[1:]), formula=sub.expr, sublayers=[sub],
                prefix_sublayers=ctx.keras_version >= 3,
                **_wrapper_freezing(ctx, ["the wrapped layer is applied to every timestep with "
                                          "the same weights"]))
