"""``@record``: a frozen dataclass that costs a fraction of ``@dataclass(frozen=True)`` to
define.

Python 3.11's ``dataclasses`` compiles six methods from source text for every frozen
class (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``), and importing it imports ``inspect`` (and with it ``ast``, ``dis`` and
``tokenize``). About 70 such classes are defined on a run: measured for issue 15, that
was three quarters of the function's own start-up beyond ``import yaml``. Most of those
methods are never called on a run, and many classes are never instantiated.

So a record collects its fields itself and generates almost nothing:

- ``__init__`` is a shared function that binds the arguments by hand for the first
  ``HAND_BOUND`` instances of a class (most classes are made a few times a run, or
  never); past that the class gets the ``__init__`` ``dataclasses`` would have compiled,
  so a class made by the thousand costs what it did;
- ``__eq__``, ``__hash__``, ``__repr__``, the orderings and the frozen
  ``__setattr__``/``__delattr__`` are shared functions that read the field names from the
  class;
- ``__dataclass_fields__`` is made on first use, with real ``dataclasses.Field`` objects,
  so ``dataclasses.fields()``, ``replace()``, ``asdict()`` and ``is_dataclass()`` work on
  records as on dataclasses (tests/test_records.py holds them side by side).

``mutable_record`` is the plain ``@dataclass`` (assignable, unhashable) and
``ordered_record`` the ``frozen=True, order=True`` one. Only what this code base uses is
supported; anything else (``InitVar``, ``__post_init__``, keyword-only fields, ``slots``,
a class that writes its own ``__eq__``...) is refused at import, so it fails loudly.
"""

from __future__ import annotations

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    from typing_extensions import dataclass_transform

    T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class _Field:
    """What ``field()`` returns in a class body, and a record's own view of a field."""

    __slots__ = ("name", "type", "default", "default_factory", "repr", "compare")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, repr: bool = True,
                 compare: bool = True) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name, self.type = "", ""
        self.default, self.default_factory, self.repr, self.compare = default, default_factory, repr, compare


def field(*, default: Any = MISSING, default_factory: Any = MISSING, repr: bool = True,
          compare: bool = True) -> Any:
    return _Field(default, default_factory, repr, compare)


def _specs(cls: type) -> tuple[_Field, ...]:
    return cls.__dict__["_record_fields"]  # type: ignore[no-any-return]


def _compared(cls: type) -> tuple[str, ...]:
    return cls.__dict__["_record_compare"]  # type: ignore[no-any-return]


def _key(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, n) for n in _compared(self.__class__))


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _key(self) == _key(other)


def _order(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    def compare(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return op(_key(self), _key(other))
    return compare


def _hash(self: Any) -> int:
    return hash(_key(self))


def _repr(self: Any) -> str:
    cls = self.__class__
    inner = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in _specs(cls) if f.repr)
    return f"{cls.__qualname__}({inner})"


def _frozen(what: str, name: str) -> Exception:
    from dataclasses import FrozenInstanceError  # only on the error path

    return FrozenInstanceError(f"cannot {what} field {name!r}")


def _setattr(self: Any, name: str, value: Any) -> None:
    raise _frozen("assign to", name)


def _delattr(self: Any, name: str) -> None:
    raise _frozen("delete", name)


def _compile_init(cls: type) -> Callable[..., None]:
    """The ``__init__`` dataclasses would write: positional-or-keyword parameters in field
    order, defaults as default values, factories called when the argument is left out."""
    params, body = [], []
    env: dict[str, Any] = {"_set": object.__setattr__, "_MISSING": MISSING}
    for f in _specs(cls):
        n = f.name
        if f.default is not MISSING:
            env[f"_d_{n}"] = f.default
            params.append(f"{n}=_d_{n}")
            body.append(f"_set(self, {n!r}, {n})")
        elif f.default_factory is not MISSING:
            env[f"_f_{n}"] = f.default_factory
            params.append(f"{n}=_MISSING")
            body.append(f"_set(self, {n!r}, _f_{n}() if {n} is _MISSING else {n})")
        else:
            params.append(n)
            body.append(f"_set(self, {n!r}, {n})")
    src = f"def __init__(self, {', '.join(params)}):\n    " + ("\n    ".join(body) or "pass") + "\n"
    ns: dict[str, Any] = {}
    exec(compile(src, f"<record {cls.__qualname__}>", "exec"), env, ns)
    init: Callable[..., None] = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


# Instances of a class bound by hand before it compiles its own __init__. Compiling costs
# about as much as binding ~50 instances by hand; on a one-Service run most classes never
# reach this many, on a large one the compiled __init__ takes over early.
HAND_BOUND = 32


def _hand_init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = self.__class__
    if cls.__dict__.get("__init__") is not _hand_init:
        raise TypeError(f"{cls.__qualname__}: a subclass of a record must be a record")
    made = cls.__dict__.get("_record_made", 0) + 1
    if made > HAND_BOUND:
        cls.__init__ = _compile_init(cls)
        cls.__init__(self, *args, **kwargs)
        return
    type.__setattr__(cls, "_record_made", made)
    # Binds the arguments by hand, with the errors a compiled __init__ would raise.
    specs = _specs(cls)
    if len(args) > len(specs):
        raise TypeError(f"{cls.__qualname__}.__init__() takes {len(specs) + 1} positional arguments "
                        f"but {len(args) + 1} were given")
    values = dict(zip((f.name for f in specs), args))
    for k, v in kwargs.items():
        if k in values:
            raise TypeError(f"{cls.__qualname__}.__init__() got multiple values for argument {k!r}")
        if not any(f.name == k for f in specs):
            raise TypeError(f"{cls.__qualname__}.__init__() got an unexpected keyword argument {k!r}")
        values[k] = v
    for f in specs:
        if f.name in values:
            value = values[f.name]
        elif f.default is not MISSING:
            value = f.default
        elif f.default_factory is not MISSING:
            value = f.default_factory()
        else:
            raise TypeError(f"{cls.__qualname__}.__init__() missing 1 required positional argument: {f.name!r}")
        object.__setattr__(self, f.name, value)


class _DataclassFields:
    """``__dataclass_fields__``, built on first use (it needs ``dataclasses``)."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def __get__(self, obj: Any, owner: type | None = None) -> dict[str, Any]:
        import dataclasses

        out = {}
        for spec in _specs(self.cls):
            f: Any = dataclasses.field(default=spec.default if spec.default is not MISSING else dataclasses.MISSING,
                                  default_factory=(spec.default_factory if spec.default_factory is not MISSING
                                                   else dataclasses.MISSING),
                                  repr=spec.repr, compare=spec.compare)
            f.name, f.type = spec.name, spec.type
            f._field_type = dataclasses._FIELD  # type: ignore[attr-defined]  # what fields() selects on
            out[spec.name] = f
        type.__setattr__(self.cls, "__dataclass_fields__", out)
        return out


_OWN = ("__post_init__", "__slots__", "__init__", "__eq__", "__hash__", "__repr__", "__setattr__",
        "__delattr__", "__lt__", "__le__", "__gt__", "__ge__")


def _make(cls: type[T], frozen: bool, order: bool) -> type[T]:
    for attr in _OWN:
        if attr in cls.__dict__:
            raise TypeError(f"{cls.__qualname__}: a record cannot define {attr}")
    specs: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get("_record_fields", ()):
            specs[f.name] = f
    for name, ann in cls.__dict__.get("__annotations__", {}).items():
        ann = ann if isinstance(ann, str) else getattr(ann, "__name__", repr(ann))
        if ann.startswith(("ClassVar", "typing.ClassVar")):
            continue
        if ann.startswith(("InitVar", "dataclasses.InitVar", "KW_ONLY", "dataclasses.KW_ONLY")):
            raise TypeError(f"{cls.__qualname__}.{name}: records do not support {ann}")
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, _Field):
            spec = value
            # The class attribute becomes the default, as dataclasses leaves it.
            if spec.default is not MISSING:
                setattr(cls, name, spec.default)
            else:
                delattr(cls, name)
        else:
            spec = _Field(default=value)
        if isinstance(spec.default, (list, dict, set)):
            raise ValueError(f"{cls.__qualname__}.{name}: mutable default {type(spec.default).__name__} "
                             "is not allowed: use default_factory")
        spec.name, spec.type = name, ann
        specs[name] = spec
    seen_default = None
    for f in specs.values():
        if f.default is MISSING and f.default_factory is MISSING:
            if seen_default:
                raise TypeError(f"non-default argument {f.name!r} follows default argument")
        else:
            seen_default = f.name
    fields = tuple(specs.values())
    attrs: dict[str, Any] = {
        "_record_fields": fields,
        "_record_compare": tuple(f.name for f in fields if f.compare),
        "__match_args__": tuple(f.name for f in fields),
        "__init__": _hand_init, "__eq__": _eq, "__repr__": _repr,
    }
    if frozen:
        attrs.update(__hash__=_hash, __setattr__=_setattr, __delattr__=_delattr)
    else:
        attrs["__hash__"] = None  # as dataclasses does for eq without frozen
    if order:
        import operator

        attrs.update(__lt__=_order(operator.lt), __le__=_order(operator.le), __gt__=_order(operator.gt),
                     __ge__=_order(operator.ge))
    if not cls.__dict__.get("__doc__"):
        attrs["__doc__"] = f"{cls.__qualname__}({', '.join(attrs['__match_args__'])})"
    attrs["__dataclass_fields__"] = _DataclassFields(cls)
    for name, value in attrs.items():
        type.__setattr__(cls, name, value)
    return cls


def _record(cls: type[T]) -> type[T]:
    return _make(cls, frozen=True, order=False)


def _ordered_record(cls: type[T]) -> type[T]:
    return _make(cls, frozen=True, order=True)


def _mutable_record(cls: type[T]) -> type[T]:
    return _make(cls, frozen=False, order=False)


def replace(obj: T, **changes: Any) -> T:
    """``dataclasses.replace`` for a record."""
    values = {f.name: getattr(obj, f.name) for f in _specs(type(obj))}
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(obj).__qualname__}: no field {sorted(unknown)[0]!r}")
    values.update(changes)
    return type(obj)(**values)


def field_names(cls: type) -> list[str]:
    return [f.name for f in _specs(cls)]


if TYPE_CHECKING:

    @dataclass_transform(frozen_default=True, field_specifiers=(field,))
    def record(cls: type[T]) -> type[T]: ...

    @dataclass_transform(frozen_default=True, order_default=True, field_specifiers=(field,))
    def ordered_record(cls: type[T]) -> type[T]: ...

    @dataclass_transform(field_specifiers=(field,))
    def mutable_record(cls: type[T]) -> type[T]: ...
else:
    record, ordered_record, mutable_record = _record, _ordered_record, _mutable_record
