"""The one search: a row's class, printed output and count → every setting of what the row hides
that the class's own formula makes true.

The class's registration says what a summary hides (:class:`~paramcount.formulas.registry.Hidden`):
its settings, each with Keras' default, the config keys the output shape reveals, the one unknown
the count is solved for, and how the input follows from the output. Nothing here knows a layer
class: every count comes from :func:`paramcount.formulas.apply.count_layer`.

The search is bounded: finite settings are tried one combination at a time (a kernel's sizes at
most :data:`_KERNEL_BUDGET` combinations), the keys the output reveals are solved from the
output's shape, and the last unknown from the count (linearly, or by walking up while the count
stays under the row's).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import product

from ..errors import ParamcountError
from ..formulas.apply import count_layer
from ..formulas.registry import Hidden, Setting, registration
from ..result import LayerCount
from ..safety import separate_layer_budget

__all__ = ["Fit", "solve_row", "count", "search_budget", "SearchSpent", "SEARCH_RUNS", "ROWS_STARTED_WITHIN",
           "may_start_row"]

_KERNEL_BUDGET = 128  # kernel sizes tried per class: 32 in 1D, 11×11 in 2D, 5×5×5 in 3D
_SCAN_LIMIT = 4096  # a count that grows faster than linearly in its unknown: sizes tried up to this
_FIT_LIMIT = 64  # fits kept per class: past this the table alone says nothing useful


class _Free:
    """The one unknown the count is solved for."""

    def __repr__(self):
        return "FREE"


FREE = _Free()
OTHER = "other inputs"  # marks a guess whose inputs after the first have an open width


@dataclass
class Fit:
    """A setting of the row's hidden options that makes its count and output shape true."""

    layer: LayerCount
    class_name: str
    settings: dict  # the hidden settings, as Keras' arguments (dotted keys inside a wrapper)
    defaults: dict  # Keras' default of each setting that has one
    inputs: list  # the input shapes it implies (None for an axis the table cannot show)
    solved: dict  # the values solved for: {"features": 16} or {"input_dim": 300}

    @property
    def non_default(self) -> dict:
        return {k: v for k, v in self.settings.items()
                if k in self.defaults and self.defaults[k] != v}


@dataclass(frozen=True)
class _Plan:
    """What to search for one class: its settings (a wrapper's inner ones included)."""

    class_name: str
    hidden: Hidden
    settings: tuple[Setting, ...]
    reads: tuple[str, ...]
    base: dict  # the config every candidate starts from (a wrapper's inner class)
    rule: Hidden  # whose input rule applies (a wrapper's: its inner class's)
    solve: str | None  # what the count is solved for ("features", or a config key)


def solve_row(class_name: str, output, params: int, known: list | None) -> list[Fit]:
    """Every fit of ``class_name`` for a row printing ``output`` and ``params``; ``known``: the
    input shapes the table shows (None where it does not)."""
    key = (class_name, repr(output), params, repr(known))
    if key not in _SOLVED:  # a long table repeats its rows: each is searched once
        if len(_SOLVED) > 4096:
            _SOLVED.clear()
        _SOLVED[key] = _solve_row(class_name, output, params, known)
    return list(_SOLVED[key])


_SOLVED: dict[tuple, list[Fit]] = {}


def _solve_row(class_name: str, output, params: int, known: list | None) -> list[Fit]:
    registered = registration(class_name)
    if registered is None or registered.hides is None or registered.hides.why:
        return []
    fits: list[Fit] = []
    for plan in _plans(class_name, registered.hides):
        for fit in _search(plan, output, params, known):
            fits.append(fit)
            if len(fits) >= _FIT_LIMIT:
                return _merge(fits)
    return _merge(fits)


def _plans(class_name: str, hidden: Hidden) -> Iterator[_Plan]:
    if not hidden.wraps:
        yield _Plan(class_name, hidden, hidden.settings, hidden.reads, {}, hidden, hidden.solve)
        return
    prefix = f"{hidden.wrap_key}.config."
    for inner in hidden.wraps:
        facts = registration(inner)
        if facts is None or facts.hides is None:
            continue
        inner_hidden = facts.hides
        settings = (*hidden.settings,
                    *(Setting(prefix + s.key, s.values, s.per_axis, s.shape_only, s.required)
                      for s in inner_hidden.settings))
        reads = tuple(prefix + r for r in inner_hidden.reads)
        base = {hidden.wrap_key: {"class_name": inner, "config": {"name": "inner"}}}
        solve = inner_hidden.solve if inner_hidden.solve in (None, "features") else \
            prefix + inner_hidden.solve
        # The wrapper's own input rule if it declares one (RNN over a cell), else its inner's.
        rule = hidden if hidden.input is not None else inner_hidden
        yield _Plan(class_name, hidden, settings, reads, base, rule, solve)


# --- candidates ----------------------------------------------------------------------------------

def _values(setting: Setting, inputs: list) -> list:
    if not setting.per_axis:
        return list(setting.values)
    n = len(inputs[0]) - setting.per_axis if inputs and inputs[0] is not None else 0
    # Inside a wrapper the input may have an axis more (TimeDistributed's steps).
    values = []
    for axes in (n, n - 1) if "." in setting.key else (n,):
        if axes >= 1:
            per_axis = min(len(setting.values), int(round(_KERNEL_BUDGET ** (1 / axes))))
            values += [tuple(k) for k in product(setting.values[:per_axis], repeat=axes)]
    return values


def _input_guesses(plan: _Plan, output, known: list | None) -> Iterator[tuple[list, set]]:
    """The input shapes to try, each with the axes only assumed to run the formula: the table's
    shapes, or what the class's input rule makes of the printed output. A guess with assumed
    axes, or with :data:`OTHER` inputs, is a fallback: tried only when the guesses before it
    found nothing."""
    if known is not None and all(s is not None for s in known):
        yield list(known), set()
        return
    shape = output[0] if isinstance(output, list) else output
    if not isinstance(shape, tuple) or not shape:
        return
    rule = plan.rule
    features = FREE if plan.solve == "features" else None
    several = 2 if plan.hidden.inputs > 1 else 1  # without Connected to: self-attention
    if rule.input == "same":
        yield [shape] * several, set()
        if several > 1 and plan.solve not in (None, "features"):
            # Cross-attention: the other inputs' width is a second unknown, their other axes
            # are not shown (a key/value sequence may be longer or shorter than the query's).
            other = (shape[0], *([None] * (len(shape) - 2)), FREE)
            yield [shape] + [other] * (several - 1), {OTHER}
    elif rule.input == "shorter":
        if len(shape) > 1:
            yield [shape[:-1]] * several, set()
    elif rule.input in (None, "leading"):
        yield [(*shape[:-1], features)] * several, set()
    else:
        for d in rule.ranks:
            rank = len(shape) + d
            if rank >= 2:
                yield [(shape[0], *([None] * (rank - 2)), features)] * several, set()
        # A formula that needs the spatial sizes (ConvLSTM) runs on the output's own, aligned
        # from the right; they are assumed, so never reported unless the count proves them.
        for d in rule.ranks:
            rank = len(shape) + d
            middle = [shape[k - rank] if 0 < k - rank + len(shape) < len(shape) - 1 else None
                      for k in range(1, rank - 1)]
            assumed = {k for k, v in enumerate(middle, start=1) if v is not None}
            if rank >= 3 and assumed:
                yield [(shape[0], *middle, features)] * several, assumed


def _search(plan: _Plan, output, params: int, known: list | None) -> Iterator[Fit]:
    counted = [s for s in plan.settings if not s.shape_only]
    shaped = [s for s in plan.settings if s.shape_only]
    defaults = {s.key: s.default for s in plan.settings if not s.required and not s.shape_only}
    found = False
    for inputs, assumed in _input_guesses(plan, output, known):
        if assumed and found:
            break  # the open guesses fitted: nothing needs assuming
        variants = _variants(plan, shaped, output, inputs)
        # Kernels whose count, at its least, passed the row's, by the other settings: a
        # kernel at least as large on every axis holds at least as many weights, and is skipped.
        over: dict[tuple, list[tuple]] = {}
        for combo in product(*(_values(s, inputs) for s in counted)):
            window = tuple(d for s, v in zip(counted, combo) if s.per_axis for d in v)
            rest = repr([v for s, v in zip(counted, combo) if not s.per_axis])
            if window and any(all(a >= b for a, b in zip(window, small))
                              for small in over.get(rest, ())):
                continue
            settings = dict(zip([s.key for s in counted], combo))
            config = _with(plan.base, settings)
            fits = _fit(plan, config, settings, defaults, inputs, variants, output, params,
                        assumed - {OTHER})
            if fits is _OVER:
                if window:
                    over.setdefault(rest, []).append(window)
                continue
            for fit in fits:
                found = True
                yield fit


def _variants(plan: _Plan, shaped: list[Setting], output, inputs: list) -> list[dict]:
    """Every combination of the settings that move only the output's shape."""
    variants = [dict(zip([s.key for s in shaped], v))
                for v in product(*(_values(s, inputs) for s in shaped))] or [{}]
    key = plan.hidden.shape_key
    if key and isinstance(output, tuple):
        # The printed output without its batch axis; its leading axes may be the input's own
        # (Keras writes None there), so those are tried unknown too.
        sizes = list(output[1:])
        options = [[None] * j + sizes[j:] for j in range(len(sizes))]
        variants = [dict(v, **{key: o}) for v in variants for o in options]
    return variants


def _fit(plan: _Plan, config: dict, settings: dict, defaults: dict, inputs: list,
         variants: list[dict], output, params: int, assumed: set) -> list[Fit] | object:
    """Solve the revealed keys from the output and the unknown from the count, then check the
    output shape with the first shape-only variant that gives it (such a variant never changes
    the count, so the count is solved once, with the first variant the formula accepts).
    ``assumed``: input axes only assumed, stretched until the formula gives the printed output
    (a kernel that shrinks the input) and never reported. Several fits when two unknowns are
    solved together (a config key, and the width of inputs the table does not show). _OVER when
    the count passes the row's at the least value of everything open."""
    unknown = plan.solve if plan.solve not in (None, "features") else None
    has_free = any(_has_free(s) for s in inputs)
    if unknown is None and not has_free and plan.reads and not _known_last(output):
        unknown = plan.reads[0]  # "multiple": the output hides what it would reveal
    for k, variant in enumerate(variants):
        trial = _read_output(plan, _with(config, variant), inputs, output, skip=unknown)
        if trial is None:
            continue
        guess = _stretch(plan.class_name, trial, inputs, output, assumed, unknown) \
            if assumed else inputs
        if guess is None:
            continue
        if unknown and has_free:
            pairs = _solve_pair(plan.class_name, trial, guess, unknown, params)
        else:
            solved = _solve(plan.class_name, trial, guess, unknown, params)
            if solved is _REFUSED:
                continue  # the formula cannot take this variant (groups that do not divide)
            if solved is not None and solved is not _OVER and solved[1].params != params:
                # nothing was open, and the other variants move the shape only
                solved = _OVER if solved[1].params > params else None
            if solved is _OVER:
                return _OVER
            pairs = [] if solved is None else \
                [(solved[0], solved[0] if has_free else None)]
        if pairs is _OVER:
            return _OVER
        fits = []
        for value, free in pairs:
            chosen = _with(trial, {unknown: value}) if unknown else trial
            fit_inputs = [_sub(s, free) for s in guess]
            fit = _check(plan, chosen, settings, defaults, fit_inputs, variants[k:], output,
                         params, _shown(plan, inputs, unknown, value, free))
            if fit is not None:
                if assumed:
                    fit.inputs = [tuple(None if a in assumed else d for a, d in enumerate(s))
                                  for s in fit.inputs]
                fits.append(fit)
        return fits
    return []


def _shown(plan: _Plan, inputs: list, unknown: str | None, value, free) -> dict:
    """What was solved, as the fit says it: ``features`` (the first input's last axis), a config
    key, and ``features@i`` for the i-th input when only the later inputs were open."""
    shown = {unknown: value} if unknown else {}
    if free is not None:
        open_inputs = [i for i, s in enumerate(inputs) if _has_free(s)]
        key = "features" if open_inputs[0] == 0 else f"features@{open_inputs[0]}"
        shown[key] = free
    return shown


def _check(plan: _Plan, chosen: dict, settings: dict, defaults: dict, inputs: list,
           variants: list[dict], output, params: int, shown: dict) -> Fit | None:
    for other in variants:
        layer = count(plan.class_name, _with(chosen, other), inputs)
        if layer is not None and layer.params == params and \
                same_shape(layer.output_shape, output):
            fit_settings = dict(settings, **{k: v for k, v in shown.items()
                                             if not k.startswith("features")})
            return Fit(layer, plan.class_name, _wrapped(plan, fit_settings), defaults,
                       _lift(plan.class_name, _with(chosen, other), inputs, output,
                             variants, params), shown)
    return None


_STRETCH_STEPS = 12


def _stretch(class_name: str, config: dict, inputs: list, output, assumed: set,
             unknown: str | None) -> list | None:
    """The input with its assumed axes grown (or shrunk) until the formula's output shows the
    printed sizes there; None when no size does. Output axes are aligned to the input's from
    the right, as :func:`_input_guesses` assumed them. Each step moves an axis by what its
    output lacks, which never overshoots a window that moves by a stride of one or more."""
    shape = output[0] if isinstance(output, list) else output
    probe = _with(config, {unknown: 1}) if unknown else config
    guess = list(_sub(inputs[0], 1))
    offset = len(guess) - len(shape)
    for _ in range(_STRETCH_STEPS):
        layer = count(class_name, probe, [tuple(guess)] * len(inputs))
        out = None if layer is None else layer.output_shape
        out = out[0] if isinstance(out, list) else out
        if out is None or len(out) != len(shape):
            # the window is larger than the input: try twice the size
            guess = [d * 2 if a in assumed else d for a, d in enumerate(guess)]
            continue
        pairs = {a: (shape[a - offset], out[a - offset]) for a in assumed}
        if any(None in pair for pair in pairs.values()):
            return None  # an axis printed or computed as None: no size to grow it to
        gaps = {a: printed - got for a, (printed, got) in pairs.items()}
        if not any(gaps.values()):
            return [tuple(d if a in assumed else s for a, (s, d) in
                          enumerate(zip(inputs[0], guess)))] * len(inputs)
        guess = [max(1, d + gaps[a]) if a in gaps else d for a, d in enumerate(guess)]
    return None


def _solve_pair(class_name: str, config: dict, inputs: list, key: str, params: int) -> list:
    """Every (key, width) pair that gives ``params``, for a count bilinear in the config ``key``
    and the open inputs' width (attention's key_dim and a key/value the table does not show):
    c(d, v) = c0 + a·d + g·v + e·d·v, read from four points and checked at a fifth. Then
    (e·d + g)(e·v + a) = e·(params - c0) + a·g, and each divisor gives one pair. Bounded by
    the count: at most √(e·params) divisors are tried, and nothing past :data:`_PAIR_LIMIT`."""

    def at(d, v):
        layer = count(class_name, _with(config, {key: d}), [_sub(s, v) for s in inputs])
        return None if layer is None else layer.params

    points = [at(1, 1), at(2, 1), at(1, 2), at(2, 2), at(3, 5)]
    if any(p is None for p in points):
        return []
    c11, c21, c12, c22, c35 = points
    if c11 > params:
        return _OVER
    e = c22 - c21 - c12 + c11
    a, g = c21 - c11 - e, c12 - c11 - e
    c0 = c11 - a - g - e
    if c35 != c0 + 3 * a + 5 * g + 15 * e or e <= 0 or a < 0 or g < 0:
        return []  # not bilinear and growing: not a count this search can solve
    target = e * (params - c0) + a * g
    if target <= 0 or target > _PAIR_LIMIT:
        return []
    pairs = []
    x = 1
    while x * x <= target:
        if not x % 1024:
            _spend_one()  # up to 100,000 divisors: 1,024 of them cost about one formula run
        if target % x == 0:
            for big in {x, target // x}:
                d, rest_d = divmod(big - g, e)
                v, rest_v = divmod(target // big - a, e)
                if not rest_d and not rest_v and d >= 1 and v >= 1:
                    pairs.append((d, v))
        x += 1
    return sorted(pairs)


_PAIR_LIMIT = 10 ** 10  # at most 100,000 divisors tried


def _wrapped(plan: _Plan, settings: dict) -> dict:
    if not plan.hidden.wraps:
        return settings
    return {plan.hidden.wrap_key: plan.base[plan.hidden.wrap_key]["class_name"], **settings}


def _known_last(output) -> bool:
    shape = output[0] if isinstance(output, list) else output
    return isinstance(shape, tuple) and bool(shape) and shape[-1] is not None


def _read_output(plan: _Plan, config: dict, inputs: list, output, skip) -> dict | None:
    """Set each key the output reveals: its last axis is linear in the key (Dense's units,
    Bidirectional's 2·units when concatenated)."""
    for key in plan.reads:
        if key == skip:
            continue
        if not _known_last(output):
            return None
        want = (output[0] if isinstance(output, list) else output)[-1]
        probe = _with(config, {skip: 1}) if skip else config  # the unknown, held at any value
        first = _output_last(plan.class_name, _with(probe, {key: 1}), inputs)
        if first is None:
            return None
        second = _output_last(plan.class_name, _with(probe, {key: 2}), inputs)
        if second is None or second == first:
            return None
        steps, rest = divmod(want - first, second - first)
        if rest or steps < 0:
            return None
        config = _with(config, {key: 1 + steps})
    return config


def _output_last(class_name: str, config: dict, inputs: list) -> int | None:
    layer = count(class_name, config, [_sub(s, 1) for s in inputs])
    if layer is None:
        return None
    out = layer.output_shape[0] if isinstance(layer.output_shape, list) else layer.output_shape
    return out[-1] if out else None


_REFUSED = object()  # the formula does not take the config at all
_OVER = object()  # the count at the unknowns' least already passes the row's


def _solve(class_name: str, config: dict, inputs: list, key: str | None, params: int):
    """The unknown's value that gives ``params`` and the layer it makes (the FREE input axis,
    or the config ``key``); None when no value does, _REFUSED when the formula refuses it."""
    free = key is not None or any(_has_free(s) for s in inputs)

    def at(v):
        return count(class_name, _with(config, {key: v}) if key else config,
                     [_sub(s, v) for s in inputs])

    if not free:
        layer = at(1)
        return _REFUSED if layer is None else (None, layer)
    first = at(1)
    if first is None:
        return _REFUSED
    if first.params > params:
        return _OVER  # the count only grows with the unknown
    second = at(2)
    if second is None:
        return None
    slope = second.params - first.params
    if slope == 0:
        return (1, first) if first.params == params else None
    steps, rest = divmod(params - first.params, slope)
    if not rest and steps >= 0:  # where a straight line through the two lands; checked there
        layer = at(1 + steps)
        if layer is not None and layer.params == params:
            return 1 + steps, layer
    third = at(3)
    if third is None or third.params - second.params == slope:
        return None  # linear, and the line missed the count
    for v in range(1, _SCAN_LIMIT + 1):
        layer = at(v)
        if layer is None or layer.params > params:
            return None
        if layer.params == params:
            return v, layer
    return None


def _lift(class_name: str, config: dict, inputs: list, output, variants: list[dict],
          params: int) -> list:
    """Fill an input axis the guess left open when the output shows it and every shape-only
    variant passes that axis through unchanged (a Dense's or an LSTM's steps)."""
    shape = output[0] if isinstance(output, list) else output
    if len(inputs) != 1 or not isinstance(shape, tuple) or inputs[0] is None:
        return inputs
    guess = list(inputs[0])
    if len(guess) != len(shape) or None not in guess[1:-1]:
        return inputs
    fitting = [v for v in variants if (layer := count(class_name, _with(config, v), inputs))
               is not None and layer.params == params and same_shape(layer.output_shape, output)]
    if not fitting:
        return inputs  # the formula cannot run on the open input: nothing is proved
    for axis in range(1, len(guess) - 1):
        if guess[axis] is not None or shape[axis] is None:
            continue
        if all(_passes(class_name, _with(config, v), guess, axis) for v in fitting):
            guess[axis] = shape[axis]
    return [tuple(guess)]


def _passes(class_name: str, config: dict, guess: list, axis: int) -> bool:
    for size in (5, 7):
        trial = list(guess)
        trial[axis] = size
        layer = count(class_name, config, [tuple(trial)])
        out = None if layer is None else layer.output_shape
        out = out[0] if isinstance(out, list) else out
        if not out or len(out) != len(guess) or out[axis] != size:
            return False
    return True


# --- merging fits the table cannot tell apart ----------------------------------------------------

def _merge(fits: list[Fit]) -> list[Fit]:
    """Fits that make the same weights are one fit: a setting that differs between them changes
    nothing (GRU's reset_after without a bias) and is dropped from the listed settings."""
    groups: dict[tuple, list[Fit]] = {}
    for fit in fits:
        key = (fit.class_name, repr(fit.inputs), repr(fit.layer.output_shape),
               tuple((w.path.rsplit("/", 1)[-1], w.shape, w.trainable) for w in fit.layer.weights))
        groups.setdefault(key, []).append(fit)
    merged = []
    for group in groups.values():
        first = min(group, key=lambda f: len(f.non_default))
        moot = {k for f in group for k in f.settings if f.settings.get(k) != first.settings.get(k)}
        first.settings = {k: v for k, v in first.settings.items() if k not in moot}
        merged.append(first)
    merged.sort(key=lambda f: (len(f.non_default), _plainness(f.settings)))
    return merged


def _plainness(settings: dict) -> tuple:
    """Among fits that differ from Keras' defaults alike, square and small kernels first."""
    kernels = [v for v in settings.values() if isinstance(v, tuple) and v]
    return tuple((len(set(k)) != 1, k[0] == 1, max(k)) for k in kernels)


# --- helpers ----------------------------------------------------------------------------------

class SearchSpent(Exception):
    """The table's search budget is spent: the row is not searched (never a guess)."""


#: Formula runs the search may make for one table, and the runs after which it starts no new row.
#: Counts, not a clock, so that a table gets the same answer on any machine under any load. A
#: real table needs far fewer (tf-keras' EfficientNetB0, 240 rows: about 4,400); one row may need
#: many (a ConvLSTM3D with its kernel open, a class cut to "SeparableC" that fits several: tens of
#: thousands), so a row once started may go on to the table's whole budget. A table of rows that
#: all differ stops starting rows at ROWS_STARTED_WITHIN, which keeps it within the input
#: contract's 2 s (`make bench`); its last rows are left unsearched. The costliest single row
#: met, a class cut to "S" (some twenty classes, wrappers among them), needs about 64,000.
SEARCH_RUNS = 80_000
ROWS_STARTED_WITHIN = 12_000
_runs_left: ContextVar[list[int] | None] = ContextVar("search_runs_left", default=None)


@contextmanager
def search_budget():
    """Bound every search made inside (one table's reconciliation) by :data:`SEARCH_RUNS`
    formula runs in all."""
    token = _runs_left.set([SEARCH_RUNS])
    try:
        yield
    finally:
        _runs_left.reset(token)


def may_start_row() -> bool:
    """Whether a new row may be searched: the table has spent less than
    :data:`ROWS_STARTED_WITHIN` runs."""
    left = _runs_left.get()
    return left is None or SEARCH_RUNS - left[0] < ROWS_STARTED_WITHIN


def _spend_one() -> None:
    left = _runs_left.get()
    if left is not None:
        if left[0] <= 0:
            raise SearchSpent
        left[0] -= 1


def count(class_name: str, config: dict, inputs: list, budgeted: bool = True
          ) -> LayerCount | None:
    """The class's own formula on these inputs, or None when it cannot take them. Past the
    table's search budget (:func:`search_budget`), :class:`SearchSpent` is raised instead, unless
    ``budgeted`` is False."""
    if any(s is None for s in inputs):
        return None
    if budgeted:
        _spend_one()
    shapes = [tuple(1 if d is None and k == len(s) - 1 else d for k, d in enumerate(s))
              for s in inputs]
    try:
        with separate_layer_budget():  # the search's trials are not the answer's layer calls
            return count_layer(class_name, dict(config, name="x"), shapes, where=class_name)
    except (ParamcountError, ZeroDivisionError, TypeError, ValueError, KeyError, IndexError):
        return None


def _has_free(value) -> bool:
    if value is FREE:
        return True
    return isinstance(value, (list, tuple)) and any(_has_free(v) for v in value)


def _sub(value, v):
    if value is FREE:
        return v
    if isinstance(value, tuple):
        return tuple(_sub(x, v) for x in value)
    if isinstance(value, list):
        return [_sub(x, v) for x in value]
    return value


def _with(config: dict, values: dict) -> dict:
    """``config`` with ``values`` set; a dotted key reaches into a wrapped layer's config."""
    out = dict(config)
    for key, value in values.items():
        head, _, rest = key.partition(".")
        if rest:
            out[head] = _with(out.get(head, {}), {rest: value})
        else:
            out[head] = value
    return out


def same_shape(counted, printed) -> bool:
    """Does the counted output agree with the printed one wherever both are known?"""
    if printed is None:
        return True
    if counted is None:
        return False
    if isinstance(printed, list) or isinstance(counted, list):
        a = counted if isinstance(counted, list) else [counted]
        b = printed if isinstance(printed, list) else [printed]
        return len(a) == len(b) and all(same_shape(x, y) for x, y in zip(a, b))
    return len(counted) == len(printed) and all(
        x is None or y is None or x == y for x, y in zip(counted, printed))
