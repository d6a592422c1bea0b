"""Saying a fit in words: the count with its numbers put in, and what was solved for."""

from __future__ import annotations

from .search import Fit

__all__ = ["derivations"]

SHOWN = 6  # fits written out per row; the others are counted


def derivations(fits: list[Fit], shown_class: str) -> tuple[str, str | None]:
    """The derivation lines of a row's fits, and the note that goes with several."""
    lines = [_derivation(f, fits, shown_class) for f in fits[:SHOWN]]
    if len(fits) == 1:
        return lines[0], None
    lines = [("either " if k == 0 else "or ") + line for k, line in enumerate(lines)]
    text = "\n".join(lines)
    if len(fits) > SHOWN:
        text += f" ({len(fits) - SHOWN} more not shown)"
    return text, f"{len(fits)} settings fit; the table alone cannot tell them apart"


def _derivation(fit: Fit, fits: list[Fit], shown_class: str) -> str:
    layer = fit.layer
    steps = layer.expr.text(substitute=True)
    head = f"{layer.params:,} = {steps}" if steps != f"{layer.params}" else f"{layer.params:,}"
    # Marked only where it tells the fits apart: some fit changes a default, this one none.
    default = " — Keras' default" if _is_default(fit) and any(
        not _is_default(f) for f in fits) else ""
    return f"{head}: {_phrase(fit, fits, shown_class)}{default}"


def _is_default(fit: Fit) -> bool:
    """Every setting Keras has a default for is at that default."""
    return bool(fit.defaults) and not fit.non_default


def _phrase(fit: Fit, fits: list[Fit], shown_class: str) -> str:
    inner = next((v for k, v in fit.settings.items() if "." not in k and k in _WRAP_KEYS), None)
    # A package's class by the bare name its summary prints (keras_hub>TransformerEncoder).
    subject = f"this {fit.class_name.rpartition('>')[2]}" + (f"({inner})" if inner else "")
    parts = []
    solved = dict(fit.solved)
    if not solved and len(fit.inputs) == 1 and fit.inputs[0] and fit.inputs[0][-1] is not None:
        solved["features"] = fit.inputs[0][-1]  # read from the table, said all the same
    for key, value in solved.items():
        meaning = _meaning(fit, value, key)
        if key.startswith("features"):
            what = meaning or ("input features" if key == "features" else
                               f"features in input {int(key.partition('@')[2]) + 1}")
            if value == 1:
                what = what.replace("features", "feature").replace("channels", "channel")
            parts.append(f"reads {value:,} {what}")
        else:
            parts.append(f"has {_short(key)}={value:,}" + (f" ({meaning})" if meaning else ""))
    varied = {k for k in fit.settings if len({repr(f.settings.get(k)) for f in fits}) > 1}
    shown = [f"{_short(k)}={_value(v)}" for k, v in fit.settings.items()
             if k not in _WRAP_KEYS and k not in fit.solved
             and (k in fit.non_default or k in varied or k not in fit.defaults)]
    text = f"{subject} " + ", ".join(parts) if parts else subject
    return text + (f" ({', '.join(shown)})" if shown else "")


_WRAP_KEYS = ("layer", "cell")


def _meaning(fit: Fit, value: int, key: str) -> str | None:
    """What the formula calls the solved value: its symbol's meaning, without the aside."""
    if key.startswith("features@"):  # a later input's width: the formula's last name for it
        found = [sym for sym in fit.layer.symbols if sym.value == value and
                 "features" in sym.meaning]
        return found[-1].meaning.split(" (")[0] if found else None
    word = "input" if key == "features" else _short(key)
    for sym in fit.layer.symbols:
        if sym.value == value and word in sym.meaning:
            return sym.meaning.split(" (")[0]
    return None


def _short(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def _value(v) -> str:
    if isinstance(v, tuple) and v and all(isinstance(x, int) for x in v):
        return "×".join(map(str, v))
    return repr(v)
