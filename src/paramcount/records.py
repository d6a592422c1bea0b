"""Records: what ``@dataclass`` gives the classes on the command line's path (``__init__``,
``__repr__``, ``__eq__``, ``__hash__``, frozen fields, ``replace``), at a fraction of its cost.

Importing :mod:`dataclasses` imports :mod:`inspect` and :mod:`ast` (about 6 ms), and each class
it makes costs about 0.4 ms more, compiling five or six methods: together a third of
``paramcount count``'s start-up. A record compiles only its ``__init__`` (the other methods are
shared by all records), about 0.06 ms a class. It keeps dataclasses' behaviour for what the
package uses (fields from annotations, defaults, ``field(default_factory=...)``, ``frozen``,
``eq``, ``__post_init__``, methods a class writes itself win); ``tests/engine/test_records.py``
makes classes both ways from one body and checks that they agree. Not a dataclass, though:
``dataclasses.fields``, ``asdict`` and ``replace`` do not take a record (``replace`` here does).
"""
from __future__ import annotations

from operator import attrgetter
from reprlib import recursive_repr

__all__ = ["record", "field", "replace", "FrozenInstanceError"]


class FrozenInstanceError(AttributeError):
    """A field of a frozen record was assigned (as ``dataclasses.FrozenInstanceError``)."""


class field:  # noqa: N801 (named as dataclasses' field, which it stands for)
    """A field whose default is made afresh for each record: ``field(default_factory=list)``."""

    __slots__ = ("default_factory",)

    def __init__(self, *, default_factory):
        self.default_factory = default_factory


_NO_DEFAULT = object()


def record(cls=None, /, *, frozen: bool = False, eq: bool = True):
    """``@record`` or ``@record(frozen=True, eq=False)``: as ``@dataclass`` with the same
    arguments, for the features listed above."""

    def wrap(cls):
        return _make(cls, frozen, eq)

    return wrap if cls is None else wrap(cls)


def replace(obj, /, **changes):
    """A copy of ``obj`` with ``changes``, made by its ``__init__`` (as ``dataclasses.replace``)."""
    for name in obj.__record_fields__:
        if name not in changes:
            changes[name] = getattr(obj, name)
    return obj.__class__(**changes)


def _make(cls, frozen: bool, eq: bool):
    defaults = {}  # each field's default: a value, a field (a factory) or _NO_DEFAULT
    for base in cls.__mro__[-1:0:-1]:
        defaults.update(base.__dict__.get("__record_defaults__", {}))
    for name in cls.__dict__.get("__annotations__", {}):
        defaults[name] = cls.__dict__.get(name, _NO_DEFAULT)
    names = list(defaults)
    namespace = {"_NO_DEFAULT": _NO_DEFAULT, "_set": object.__setattr__}
    params, body = ["self"], []
    for name, default in defaults.items():
        if default is _NO_DEFAULT:
            if "=" in params[-1]:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            params.append(name)
            value = name
        elif isinstance(default, field):
            namespace[f"_factory_{name}"] = default.default_factory
            params.append(f"{name}=_NO_DEFAULT")
            value = f"_factory_{name}() if {name} is _NO_DEFAULT else {name}"
            if name in cls.__dict__:
                delattr(cls, name)  # as a dataclass: no class attribute for a factory's field
        else:
            namespace[f"_default_{name}"] = default
            params.append(f"{name}=_default_{name}")
            value = name
        body.append(f"_set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    exec(f"def __init__({', '.join(params)}):\n    " + "\n    ".join(body or ["pass"]),
         namespace)  # only __init__ is compiled: our own source, made from field names
    made = {"__init__": namespace["__init__"], "__repr__": _repr}
    made["__init__"].__qualname__ = f"{cls.__qualname__}.__init__"
    if eq:
        made["__eq__"] = _eq
    if frozen:
        made["__setattr__"], made["__delattr__"] = _frozen_setattr(cls), _frozen_delattr(cls)
    for name, function in made.items():
        if name not in cls.__dict__:  # a method the class writes itself wins, as in a dataclass
            setattr(cls, name, function)
    if cls.__dict__.get("__hash__") is None:  # none written (writing __eq__ sets it to None)
        if eq and frozen:  # dataclasses' rule: hashable when equal values cannot change
            cls.__hash__ = _hash
        elif eq:
            cls.__hash__ = None
    cls.__record_fields__, cls.__record_defaults__ = tuple(names), defaults
    cls.__match_args__ = tuple(names)
    # The fields' values as a tuple, for __eq__ and __hash__ (attrgetter of one name is no tuple).
    cls._record_values = staticmethod(attrgetter(*names) if len(names) > 1 else
                                      lambda self: tuple(getattr(self, n) for n in names))
    return cls


@recursive_repr()
def _repr(self) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_fields__)
    return f"{self.__class__.__qualname__}({shown})"


def _eq(self, other):
    if other.__class__ is self.__class__:
        return self._record_values(self) == other._record_values(other)
    return NotImplemented


def _hash(self) -> int:
    return hash(self._record_values(self))


def _frozen_setattr(cls):
    def __setattr__(self, name, value):
        if self.__class__ is cls or name in cls.__record_fields__:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _frozen_delattr(cls):
    def __delattr__(self, name):
        if self.__class__ is cls or name in cls.__record_fields__:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__
