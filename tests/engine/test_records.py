"""paramcount.records stands in for dataclasses on the command line's path: each class below is
made both ways from the same body, and the two must behave alike."""

from __future__ import annotations

import dataclasses

import pytest

from paramcount import records


def both(body: dict, **options):
    """The class ``body`` describes, as a dataclass and as a record."""
    made = []
    for decorate, field in ((dataclasses.dataclass, dataclasses.field),
                            (records.record, records.field)):
        namespace = {k: (field(default_factory=v.factory) if isinstance(v, Factory) else v)
                     for k, v in body.items()}
        cls = type("Thing", (), dict(namespace))
        made.append(decorate(**options)(cls))
    return made


class Factory:
    def __init__(self, factory):
        self.factory = factory


PLAIN = {"__annotations__": {"a": "int", "b": "str", "c": "list"}, "b": "x", "c": Factory(list)}
OPTIONS = [{}, {"frozen": True}, {"eq": False}, {"frozen": True, "eq": False}]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_init_repr_and_defaults_match(options):
    data, rec = both(PLAIN, **options)
    for args, kwargs in [((1,), {}), ((1, "y"), {}), ((1,), {"c": [2]}), ((), {"a": 3, "b": "z"})]:
        d, r = data(*args, **kwargs), rec(*args, **kwargs)
        assert repr(d) == repr(r)
        assert (d.a, d.b, d.c) == (r.a, r.b, r.c)
    assert rec(1).c is not rec(1).c  # a fresh list each time, as the factory makes it
    for bad in [((), {}), ((1, 2, 3, 4), {}), ((1,), {"d": 1})]:
        with pytest.raises(TypeError):
            data(*bad[0], **bad[1])
        with pytest.raises(TypeError):
            rec(*bad[0], **bad[1])
    assert "c" not in vars(rec) and rec.b == data.b == "x"  # class attributes as a dataclass's


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_equality_and_hash_match(options):
    data, rec = both({"__annotations__": {"a": "int", "b": "tuple"}}, **options)
    for x, y in [((1, (2,)), (1, (2,))), ((1, (2,)), (1, (3,)))]:
        assert (data(*x) == data(*y)) == (rec(*x) == rec(*y))
        assert (data(*x) != data(*y)) == (rec(*x) != rec(*y))
    assert (data.__hash__ is None) == (rec.__hash__ is None)
    if data.__hash__ is not None:
        assert (hash(data(1, (2,))) == hash(data(1, (2,)))) == (hash(rec(1, (2,))) == hash(rec(1, (2,))))
    assert rec(1, ()) != (1, ())  # another class is never equal
    assert rec(1, ()).__eq__(data(1, ())) is NotImplemented or not options.get("eq", True)


@pytest.mark.parametrize("frozen", [True, False])
def test_frozen_fields_cannot_change(frozen):
    data, rec = both(PLAIN, frozen=frozen)
    for cls, error in ((data, dataclasses.FrozenInstanceError), (rec, records.FrozenInstanceError)):
        thing = cls(1)
        if frozen:
            with pytest.raises(error):
                thing.a = 2
            with pytest.raises(AttributeError):
                del thing.b
        else:
            thing.a = 2
            assert thing.a == 2


def test_replace_post_init_and_methods_written_by_the_class():
    seen = []

    def __post_init__(self):
        seen.append(self.a)

    body = {"__annotations__": {"a": "int", "b": "int"}, "b": 0, "__post_init__": __post_init__,
            "__repr__": lambda self: "mine"}
    data, rec = both(body, frozen=True)
    assert repr(data(1)) == repr(rec(1)) == "mine"
    changed = records.replace(rec(1, 2), b=5)
    assert (changed.a, changed.b) == (1, 5) and seen == [1, 1, 1, 1]  # replace runs __init__ too
    assert rec.__record_fields__ == tuple(f.name for f in dataclasses.fields(data)) == ("a", "b")


def test_fields_are_inherited_in_order():
    base = records.record(type("Base", (), {"__annotations__": {"a": "int"}}))
    child = records.record(type("Child", (base,), {"__annotations__": {"b": "int"}, "b": 2}))
    assert repr(child(1)) == "Child(a=1, b=2)"
    with pytest.raises(TypeError):  # a field without a default after one with a default
        records.record(type("Bad", (child,), {"__annotations__": {"c": "int"}}))

