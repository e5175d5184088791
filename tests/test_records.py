"""fn.records against dataclasses, side by side: a record must behave as the dataclass it
replaces (issue 15 made the change for start-up time only)."""

from __future__ import annotations

import dataclasses
import pickle
from typing import ClassVar

import pytest

from fn.records import HAND_BOUND, field, field_names, mutable_record, ordered_record, record, replace


def pair(decorate_record, **dc_options):
    """The same class body as a record and as a dataclass."""
    def body(decorator):
        @decorator
        class Point:
            x: int
            y: str = "a"
            tags: tuple[str, ...] = ()
            extra: dict[str, int] = field(default_factory=dict) if decorator is decorate_record \
                else dataclasses.field(default_factory=dict)
            hidden: int = field(default=0, repr=False, compare=False) if decorator is decorate_record \
                else dataclasses.field(default=0, repr=False, compare=False)
        return Point
    return body(decorate_record), body(dataclasses.dataclass(**dc_options))


@pytest.mark.parametrize("calls", [
    [((1,), {})],
    [((1, "b"), {}), ((2,), {"tags": ("t",)})],
    [((), {"x": 3, "extra": {"k": 1}}), ((4, "c", ("u",), {"z": 2}, 9), {}), ((5,), {"hidden": 7})],
])
def test_construction_equality_hash_and_repr_match_the_dataclass(calls):
    # The first HAND_BOUND instances bind by hand, the next compiles __init__, later ones use it.
    R, D = pair(record, frozen=True)
    for _ in range(HAND_BOUND + 2):
        for args, kwargs in calls:
            r, d = R(*args, **kwargs), D(*args, **kwargs)
            assert [getattr(r, n) for n in field_names(R)] == [getattr(d, f.name) for f in dataclasses.fields(D)]
            assert repr(r).replace("Point", "") == repr(d).replace("Point", "")
            assert r == R(*args, **kwargs) and r != d
            # A dict field makes both unhashable, as it does a frozen dataclass.
            with pytest.raises(TypeError):
                hash(r)
            with pytest.raises(TypeError):
                hash(d)


def test_defaults_and_factories_are_fresh_per_instance():
    R, _ = pair(record, frozen=True)
    a, b, c = R(1), R(1), R(1)
    assert a.extra == {} and a.extra is not b.extra and b.extra is not c.extra


def test_compare_false_fields_are_left_out_of_equality_and_hash():
    @record
    class R:
        x: int
        hidden: int = field(default=0, repr=False, compare=False)

    @dataclasses.dataclass(frozen=True)
    class D:
        x: int
        hidden: int = dataclasses.field(default=0, repr=False, compare=False)

    assert R(1, hidden=1) == R(1, hidden=2) and R(1) != R(2)
    assert hash(R(1, hidden=1)) == hash(R(1, hidden=2)) == hash(D(1, 5))
    assert "hidden" not in repr(R(1, hidden=5))


@pytest.mark.parametrize("args, kwargs, message", [
    ((), {}, "missing 1 required positional argument: 'x'"),
    ((1,), {"nope": 2}, "unexpected keyword argument 'nope'"),
    ((1,), {"x": 2}, "multiple values for argument 'x'"),
    ((1, "a", (), {}, 0, 9), {}, "positional arguments"),
])
def test_bad_arguments_raise_what_the_dataclass_raises(args, kwargs, message):
    R, D = pair(record, frozen=True)
    for _ in range(HAND_BOUND + 2):  # the hand-bound calls and the compiled later ones
        with pytest.raises(TypeError, match=message.split(":")[0]):
            R(*args, **kwargs)
        with pytest.raises(TypeError):
            D(*args, **kwargs)
        R(1)


def test_frozen_records_refuse_assignment_and_deletion():
    R, _ = pair(record, frozen=True)
    r = R(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.x = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del r.y
    assert r.x == 1


def test_mutable_records_assign_and_are_unhashable_like_dataclasses():
    R, D = pair(mutable_record)
    r = R(1)
    r.x = 5
    assert r.x == 5 and r == R(5)
    assert R.__hash__ is None and D.__hash__ is None
    with pytest.raises(TypeError):
        hash(r)


def test_ordered_records_sort_as_ordered_dataclasses():
    R, D = pair(ordered_record, frozen=True, order=True)
    values = [(3, "a"), (1, "z"), (1, "b"), (2, "c")]
    assert [(p.x, p.y) for p in sorted(R(*v) for v in values)] == \
        [(p.x, p.y) for p in sorted(D(*v) for v in values)]
    assert R(1) < R(2) and R(2) >= R(2) and not R(3) <= R(2)
    with pytest.raises(TypeError):
        R(1) < D(1)  # noqa: B015 - the comparison is the test


def test_dataclasses_functions_work_on_records():
    R, D = pair(record, frozen=True)
    r, d = R(1, "b", ("t",), {"k": 1}, 2), D(1, "b", ("t",), {"k": 1}, 2)
    assert dataclasses.is_dataclass(R) and dataclasses.is_dataclass(r)
    assert [f.name for f in dataclasses.fields(r)] == [f.name for f in dataclasses.fields(d)]
    assert [(f.repr, f.compare) for f in dataclasses.fields(R)] == [(f.repr, f.compare) for f in dataclasses.fields(D)]
    assert dataclasses.asdict(r) == dataclasses.asdict(d)
    assert dataclasses.replace(r, y="c") == R(1, "c", ("t",), {"k": 1}, 2)
    assert replace(r, y="c") == dataclasses.replace(r, y="c")
    with pytest.raises(TypeError):
        replace(r, nope=1)
    assert R.__match_args__ == D.__match_args__


@record
class Inner:
    a: int


@record
class Outer:
    inner: Inner
    items: tuple[Inner, ...] = ()


def test_records_pickle_and_nest():
    o = Outer(Inner(1), (Inner(2), Inner(3)))
    assert dataclasses.asdict(o) == {"inner": {"a": 1}, "items": ({"a": 2}, {"a": 3})}
    assert pickle.loads(pickle.dumps(o)) == o


def test_inherited_fields_come_first_as_in_dataclasses():
    @record
    class Base:
        a: int

    @record
    class Child(Base):
        b: int = 2

    assert field_names(Child) == ["a", "b"]
    assert Child(1) == Child(1, 2) and Child(1).a == 1


@pytest.mark.parametrize("make, error", [
    (lambda: type("C", (), {"__annotations__": {"a": "int"}, "a": [], "__module__": __name__}), ValueError),
    (lambda: type("C", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1, "__module__": __name__}), TypeError),
    (lambda: type("C", (), {"__annotations__": {"a": "int"}, "__eq__": lambda s, o: True}), TypeError),
    (lambda: type("C", (), {"__annotations__": {"a": "int"}, "__post_init__": lambda s: None}), TypeError),
    (lambda: type("C", (), {"__annotations__": {"a": "InitVar[int]"}}), TypeError),
])
def test_what_records_do_not_support_is_refused_when_the_class_is_made(make, error):
    with pytest.raises(error):
        record(make())


def test_class_variables_are_not_fields():
    @record
    class C:
        kind: ClassVar[str] = "x"
        a: int = 0

    assert field_names(C) == ["a"] and C.kind == "x"


def test_a_class_compiles_its_init_after_hand_bound_instances_and_keeps_behaving():
    @record
    class R:
        x: int
        y: list[int] = field(default_factory=list)

    for i in range(HAND_BOUND):
        assert R(i).x == i
    assert R.__dict__["_record_made"] == HAND_BOUND
    hand = R.__init__
    made = [R(i, [i]) for i in range(3)]
    assert R.__init__ is not hand and R.__init__.__qualname__.endswith("R.__init__")
    assert [(r.x, r.y) for r in made] == [(0, [0]), (1, [1]), (2, [2])]
    assert R(5).y == [] and R(5).y is not R(5).y
