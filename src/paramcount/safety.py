"""Hostile input: the limits paramcount keeps, the one contract of its entry points, and text
made safe to show.

Every public entry point answers with a result or a :class:`ParamcountError` (a wrong-type
Python argument may be a ``TypeError``); :func:`contract` turns what Python itself raises on
absurd input (a recursion too deep, memory exhausted, a number too long to print) into that
error. Sizes are capped so that the cost of an answer grows with the size of the input, never
with the numbers written in it.
"""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar

from .errors import ParamcountError, printable

__all__ = ["BUDGET_SECONDS", "BUDGET_MB", "MAX_CODE_CHARS", "MAX_DIGITS", "MAX_WEIGHTS",
           "MAX_OUTPUTS", "MAX_LAYERS", "MAX_JSON_CONTAINERS", "ArgumentTypeError", "InternalError",
           "contract",
           "printable", "check_size", "count_layer_call"]

# The budget: any input within the limits below is answered within this time and memory on a
# 2-core machine (measured by `make bench`, scripts/bench.py).
BUDGET_SECONDS = 2
BUDGET_MB = 300

MAX_CODE_CHARS = 10_000  # layer code and input shapes: one layer is a line, not a program
# Sizes and counts have at most this many digits. No model comes near (10^100 parameters); it
# keeps arithmetic cheap, and Python refuses to print integers over 4,300 digits anyway.
MAX_DIGITS = 100
# Weight tensors one layer's explanation may list, its sublayers' lists included: wrappers
# nested in wrappers double it at every level.
MAX_WEIGHTS = 10_000
MAX_OUTPUTS = 10_000  # tensors one op may return (ops.split into n parts)
# Layer calls counted for one answer, nested models' included: the largest real models have a
# few thousand layers.
MAX_LAYERS = 10_000
# Lists and objects in one JSON config: a real one holds one per 50 bytes or so; JSON of nothing
# but empty lists holds one per 3, and costs 25 times its size in memory.
MAX_JSON_CONTAINERS = 500_000

_calls: ContextVar[list[int] | None] = ContextVar("paramcount_layer_calls", default=None)

_LIMIT = 10**MAX_DIGITS


def check_size(value: int, where: str, what: str = "size", field: str | None = None) -> int:
    """Refuse an integer with more than :data:`MAX_DIGITS` digits (without printing it)."""
    if -_LIMIT < value < _LIMIT:
        return value
    raise ParamcountError(f"{where}: a {what} has more than {MAX_DIGITS} digits; no Keras model "
                          "is that large", field=field)


class ArgumentTypeError(TypeError):
    """A Python argument of the wrong type: the one error besides ParamcountError."""


def contract(function):
    """Let ``function`` answer only with a result or a :class:`ParamcountError`."""

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        outermost = _calls.get() is None
        token = _calls.set([0]) if outermost else None  # one layer budget for the whole answer
        try:
            return function(*args, **kwargs)
        except (ParamcountError, ArgumentTypeError):
            raise
        except RecursionError:
            raise ParamcountError("the input is nested too deeply to read") from None
        except MemoryError:
            raise ParamcountError("the input is too large to read in the memory available") \
                from None
        except ValueError as e:
            if "integer string conversion" in str(e):
                raise ParamcountError(f"a number in the input has more than {MAX_DIGITS} "
                                      "digits") from None
            raise _internal(e) from e
        except Exception as e:  # the contract: nothing else leaves an entry point
            raise _internal(e) from e
        finally:
            if outermost:
                _calls.reset(token)

    return guarded


def count_layer_call(where: str) -> None:
    """Count one more layer call towards :data:`MAX_LAYERS` for the answer being made."""
    calls = _calls.get()
    if calls is None:
        return
    calls[0] += 1
    if calls[0] > MAX_LAYERS:
        raise ParamcountError(f"{where}: the model has more than {MAX_LAYERS:,} layer calls; "
                              "paramcount counts at most that many")


@contextlib.contextmanager
def separate_layer_budget():
    """Count layer calls apart from the answer's budget: the reconciler's search counts one
    layer many times over, each trial a layer of its own (the search bounds its own work)."""
    token = _calls.set([0])
    try:
        yield
    finally:
        _calls.reset(token)


class InternalError(ParamcountError):
    """A bug in paramcount met by this input: still one clear line and no number (the tests look
    for its wording, "internal error", to find such bugs)."""


def _internal(error: Exception) -> ParamcountError:
    return InternalError(f"internal error ({type(error).__name__}: {error}); please report "
                           "this input")
