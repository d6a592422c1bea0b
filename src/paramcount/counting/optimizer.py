"""The optimizer's share: the variables ``fit()`` adds to a counted model (*Optimizer params*),
for ``--optimizer`` or for the optimizer a ``.keras`` archive's ``compile_config`` records."""

from __future__ import annotations

from ..errors import ParamcountError
from ..result import ModelCount, Optimizer
from ..sizes import optimizer_spec, optimizer_variables, parse_optimizer

__all__ = ["attach_optimizer"]


def attach_optimizer(model: ModelCount, optimizer: str | dict | None = None) -> ModelCount:
    """Set ``model.optimizer``: the one given (a name, ``'Adam(amsgrad=True)'`` or a config;
    bad input raises), else the file's own from its compile config (one Keras does not ship is
    reported, not raised: the weights still count), else none."""
    if optimizer is not None:
        entry = parse_optimizer(optimizer) if isinstance(optimizer, str) else optimizer
        spec = optimizer_spec(entry)
        model.optimizer = Optimizer(spec.label, optimizer_variables(spec, model.optimizer_input()))
        return model
    if model.compiled_optimizer is None:
        return model
    try:
        spec = optimizer_spec(model.compiled_optimizer)
    except ParamcountError as e:
        entry = model.compiled_optimizer
        name = entry.get("class_name") if isinstance(entry, dict) else entry
        model.optimizer = Optimizer(str(name), [], "compile_config", problem=str(e))
        return model
    model.optimizer = Optimizer(spec.label, optimizer_variables(spec, model.optimizer_input()),
                                "compile_config")
    return model
