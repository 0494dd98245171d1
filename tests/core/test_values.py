"""Values in persistent scopes: every supported type comes back with its type; anything else is refused
at ``set()``; TEMP takes anything; ``get()`` hands out copies."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest

from sessionkeeper.core import (
    SessionManager,
    StateScope,
    UnserializableValueError,
    read_session,
)
from tests.conftest import decoded_files

Reopen = Callable[..., SessionManager]

KST = timezone(timedelta(hours=9), "KST")


# Module-level attrs classes: a stored attrs value names its class by module and qualified name.
@attrs.frozen
class Point:
    x: int
    y: int


@attrs.define
class Milestone:
    title: str
    reached_at: datetime
    where: Point
    route: list[Point] = attrs.field(factory=list)
    tags: set[str] = attrs.field(factory=set)


@attrs.frozen
class Outer:
    class Nested:  # not attrs: only a namespace for the class below
        @attrs.frozen
        class Leaf:
            value: int
            day: date

    leaf: Outer.Nested.Leaf
    label: str


@attrs.define(kw_only=True)
class Settings:
    """Keyword-only, a private attribute (init alias ``owner``) and a field not set by ``__init__``."""

    _owner: str
    retries: int = 3
    derived: str = attrs.field(init=False, default="computed")


# One attrs class per supported type held in a typed field.
@attrs.frozen
class HasDecimal:
    v: Decimal


@attrs.frozen
class HasUUID:
    v: UUID


@attrs.frozen
class HasTime:
    v: time


@attrs.frozen
class HasDate:
    v: date


@attrs.frozen
class HasPath:
    v: Path


@attrs.frozen
class HasFloat:
    v: float


@attrs.frozen
class HasInt:
    v: int


@attrs.frozen
class HasTuple:
    v: tuple[int, str]


@attrs.frozen
class HasFrozenset:
    v: frozenset[int]


@attrs.frozen
class HasIntKeys:
    v: dict[int, str]


@attrs.frozen
class HasAny:
    v: Any


@dataclasses.dataclass
class PlainDataclass:
    x: int


# -- comparing with types ----------------------------------------------------------------------------


def assert_same(actual: Any, expected: Any, where: str = "value") -> None:
    """``actual == expected`` and every part of it has the same type (recursively)."""
    assert type(actual) is type(expected), f"{where}: {type(actual)!r} is not {type(expected)!r}"
    if isinstance(expected, float):
        if math.isnan(expected):
            assert math.isnan(actual), where
        else:
            assert actual == expected, where
            assert math.copysign(1.0, actual) == math.copysign(1.0, expected), f"{where}: sign"
    elif isinstance(expected, Decimal):
        assert str(actual) == str(expected), where  # also keeps precision, sign and NaN
    elif isinstance(expected, list | tuple):
        assert len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert sorted(map(repr, actual)) == sorted(map(repr, expected)), f"{where}: keys"
        for key, value in expected.items():
            assert_same(actual[key], value, f"{where}[{key!r}]")
    elif isinstance(expected, set | frozenset):
        assert actual == expected, where
        assert sorted(map(repr, actual)) == sorted(map(repr, expected)), f"{where}: item types"
    elif isinstance(expected, datetime | time):
        assert actual == expected, where
        assert actual.tzinfo is None if expected.tzinfo is None else actual.tzinfo is not None, where
        assert actual.utcoffset() == expected.utcoffset(), f"{where}: offset"
    elif attrs.has(type(expected)):
        for field in attrs.fields(type(expected)):
            assert_same(getattr(actual, field.name), getattr(expected, field.name), f"{where}.{field.name}")
    else:
        assert actual == expected, where


# -- the supported values ----------------------------------------------------------------------------

VALUES: dict[str, Any] = {
    "str": "authentication",
    "empty-str": "",
    "korean-and-emoji": "한국어 세션 상태 ✓ 🎉",
    "control-chars": 'tab\tnewline\nnul\x00quote"backslash\\',
    "looks-like-a-tag": '{"$type": "int", "v": "1"}',
    "int": 42,
    "negative-int": -7,
    "int64-max": 2**63 - 1,
    "int64-min": -(2**63),
    "int64-max-plus-one": 2**63,
    "int64-min-minus-one": -(2**63) - 1,
    "uint64-max": 2**64 - 1,
    "huge-int": 10**40,
    "huge-negative-int": -(10**40) - 3,
    "float": 1.5,
    "negative-zero": -0.0,
    "tiny-float": 5e-324,
    "big-float": 1.7976931348623157e308,
    "nan": math.nan,
    "inf": math.inf,
    "minus-inf": -math.inf,
    "true": True,
    "false": False,
    "none": None,
    "empty-list": [],
    "empty-dict": {},
    "nested-json": {"a": [1, {"b": None, "c": [True, 2.5, "x"]}], "한": {"글": ["값", {"깊이": 3}]}},
    "json-with-big-ints-and-nan": [2**70, {"n": math.nan, "i": -math.inf}, [-(2**65)]],
    "naive-datetime": datetime(2024, 5, 6, 7, 8, 9, 123456),
    "utc-datetime": datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
    "kst-datetime": datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=KST),
    "date": date(2024, 2, 29),
    "time": time(23, 59, 59, 999999),
    "aware-time": time(9, 30, tzinfo=KST),
    "uuid": UUID("12345678-1234-5678-1234-567812345678"),
    "absolute-path": Path("/tmp/a b/한글.txt"),
    "relative-path": Path("docs/guide.md"),
    "decimal": Decimal("3.14159265358979323846264338327950288"),
    "decimal-trailing-zeros": Decimal("-0.00"),
    "decimal-nan": Decimal("NaN"),
    "decimal-infinity": Decimal("-Infinity"),
    "set": {1, 2, 3},
    "set-of-str": {"a", "b", "한"},
    "empty-set": set(),
    "set-of-hashables": {(1, "a"), frozenset({2, 3}), date(2024, 1, 1), 2**70, None},
    "frozenset": frozenset({"x", "y"}),
    "empty-frozenset": frozenset(),
    "tuple": (1, "a", None, 2.5),
    "empty-tuple": (),
    "nested-tuples": ((1, 2), (3, (4, (5,))), ()),
    "tuples-in-lists": [(1, 2), [(3,), ()], {"t": (4, [5, (6,)])}],
    "int-keys": {1: "one", 2: "two", -(2**70): "big"},
    "mixed-keys": {1: "int", "1": "str", None: "none", 2.5: "float"},
    "tuple-and-frozenset-keys": {(1, 2): "pair", frozenset({3}): "fs", date(2024, 1, 1): "day"},
    "nested-non-str-keys": {"outer": {1: {(2, 3): "deep"}}},
    "dict-with-type-key": {"$type": "datetime", "v": "2024-01-01T00:00:00"},
    "dict-with-unknown-type-key": {"$type": "nonsense", "v": 1},
    "dict-with-only-type-key": {"$type": 1},
    "nested-dict-with-type-key": [{"$type": "set", "v": [1, 2]}, {"x": {"$type": "tuple", "v": []}}],
    "attrs": Point(1, 2),
    "attrs-nested-with-datetime": Milestone(
        title="로그인 완료",
        reached_at=datetime(2024, 3, 4, 5, 6, 7, tzinfo=KST),
        where=Point(3, 4),
        route=[Point(0, 0), Point(1, 1)],
        tags={"auth", "done"},
    ),
    "attrs-naive-datetime-field": Milestone("naive", datetime(2024, 1, 1, 12), Point(0, 0)),
    "attrs-nested-class": Outer(Outer.Nested.Leaf(2**40, date(2023, 7, 1)), "leaf"),
    "attrs-kw-only-private-field": Settings(owner="김철수", retries=5),
    "attrs-in-containers": {"points": [Point(1, 2), (Point(3, 4),)], "by-id": {7: Point(5, 6)}},
    "everything": {
        "when": datetime(2024, 1, 1, tzinfo=UTC),
        "ids": {UUID(int=1), UUID(int=2)},
        "files": (Path("a"), Path("/b")),
        "cost": Decimal("9.99"),
        "counts": {1: 2**64, 2: frozenset({(1, 2)})},
        "$type": "not a tag",
    },
}


@pytest.fixture(params=sorted(VALUES), ids=str)
def case(request: pytest.FixtureRequest) -> tuple[str, Any]:
    name: str = request.param
    return name, VALUES[name]


def test_a_supported_value_round_trips_with_its_type_through_journal_snapshot_and_resume(
    case: tuple[str, Any], data_dir: Path, reopen: Reopen
) -> None:
    name, value = case
    writer = reopen()
    session_id = writer.start()
    writer.set(name, value)
    assert_same(writer.get(name), value, "in the writer")

    # While the writer runs the value is only in the journal: a lock-free reader decodes it from there.
    assert_same(read_session(data_dir, session_id).get(name), value, "read_session from the journal")

    writer.stop()
    assert_same(read_session(data_dir, session_id).get(name), value, "read_session from the snapshot")

    fresh = reopen()
    assert fresh.resume(session_id) == session_id
    assert_same(fresh.get(name), value, "after resume")


def test_every_supported_value_round_trips_in_user_and_app_scopes(reopen: Reopen) -> None:
    writer = reopen()
    writer.start()
    for name, value in VALUES.items():
        writer.set(name, value, StateScope.USER)
        writer.set(f"app:{name}", value, StateScope.APP)
    writer.stop()

    fresh = reopen()
    fresh.start()  # a new session still sees USER and APP values
    for name, value in VALUES.items():
        assert_same(fresh.get(name, StateScope.USER), value, f"USER {name}")
        assert_same(fresh.get(f"app:{name}", StateScope.APP), value, f"APP {name}")


def test_korean_keys_round_trip(data_dir: Path, reopen: Reopen) -> None:
    writer = reopen()
    session_id = writer.start()
    writer.set("현재 기능", "인증")
    writer.set("$type", "a key, not a tag")
    writer.stop()
    fresh = reopen()
    fresh.resume(session_id)
    assert fresh.keys() == sorted(["현재 기능", "$type"])
    assert fresh.get("현재 기능") == "인증"
    assert fresh.get("$type") == "a key, not a tag"
    assert read_session(data_dir, session_id).get("현재 기능") == "인증"


def test_get_of_a_missing_key_returns_the_given_default_object(manager: SessionManager) -> None:
    default: set[str] = set()
    assert manager.get("missing", default=default) is default
    assert manager.get("missing") is None


ATTRS_FIELDS: dict[str, Any] = {
    "decimal": HasDecimal(Decimal("1.10")),
    "uuid": HasUUID(UUID(int=5)),
    "time": HasTime(time(1, 2, 3, 4)),
    "aware-time": HasTime(time(1, 2, tzinfo=KST)),
    "date": HasDate(date(2024, 2, 29)),
    "path": HasPath(Path("/srv/프로젝트")),
    "float": HasFloat(2.5),
    "nan": HasFloat(math.nan),
    "inf": HasFloat(-math.inf),
    "int64": HasInt(-(2**63)),
    "big-int": HasInt(2**70),
    "tuple": HasTuple((1, "a")),
    "frozenset": HasFrozenset(frozenset({1, 2})),
    "int-keys": HasIntKeys({1: "one"}),
    "any-json": HasAny({"a": [1, None, "b"]}),
    "any-tuple": HasAny((1, 2)),
    "any-set": HasAny({1, 2}),
    "any-datetime": HasAny(datetime(2024, 1, 1, 9, tzinfo=KST)),
    "any-decimal": HasAny(Decimal("0.1")),
}


@pytest.mark.parametrize("value", ATTRS_FIELDS.values(), ids=list(ATTRS_FIELDS))
def test_an_attrs_field_of_a_supported_type_round_trips_with_its_type(
    value: Any, data_dir: Path, reopen: Reopen
) -> None:
    writer = reopen()
    session_id = writer.start()
    writer.set("boxed", value)
    assert_same(writer.get("boxed"), value, "in the writer")
    writer.stop()
    assert_same(read_session(data_dir, session_id).get("boxed"), value, "read_session")
    fresh = reopen()
    fresh.resume(session_id)
    assert_same(fresh.get("boxed"), value, "after resume")


# -- refused values ------------------------------------------------------------------------------------


def _local_plain_instance() -> object:
    class Local:
        pass

    return Local()


def _local_attrs_instance() -> object:
    @attrs.frozen
    class LocalAttrs:
        x: int

    return LocalAttrs(1)


def _self_containing_list() -> object:
    value: list[Any] = [1, 2]
    value.append(value)
    return value


def _self_containing_dict() -> object:
    value: dict[str, Any] = {}
    value["me"] = value
    return value


UNSUPPORTED: dict[str, Callable[[], object]] = {
    "object": object,
    "lambda": lambda: lambda x: x,
    "function": lambda: _local_plain_instance,
    "class-defined-in-a-function": _local_plain_instance,
    "attrs-class-defined-in-a-function": _local_attrs_instance,
    "a-class-itself": lambda: Point,
    "bytes": lambda: b"raw bytes",
    "bytearray": lambda: bytearray(b"raw"),
    "complex": lambda: 1 + 2j,
    "self-containing-list": _self_containing_list,
    "self-containing-dict": _self_containing_dict,
    "set-containing-an-object": lambda: {1, object()},
    "dataclass": lambda: PlainDataclass(1),
    "bytes-deep-inside": lambda: [1, {"a": (2, {"b": b"x"})}],
    "object-as-dict-key": lambda: {object(): 1},
    "attrs-field-holding-an-object": lambda: Milestone("x", datetime(2024, 1, 1), Point(0, 0), [object()]),  # type: ignore[list-item]
    "generator": lambda: (i for i in range(3)),
    "bytes-in-an-attrs-field-typed-any": lambda: HasAny(b"raw"),
    "object-in-an-attrs-field-typed-any": lambda: HasAny(object()),
    "timedelta": lambda: timedelta(seconds=1),
}


@pytest.mark.plain_only("refused while encoding the value, before any codec sees a byte")
@pytest.mark.parametrize("scope", [StateScope.SESSION, StateScope.USER, StateScope.APP], ids=str)
@pytest.mark.parametrize("make", UNSUPPORTED.values(), ids=list(UNSUPPORTED))
def test_an_unsupported_value_is_refused_at_set_and_leaves_state_unchanged(
    make: Callable[[], object], scope: StateScope, manager: SessionManager
) -> None:
    manager.set("k", ["before"], scope)
    keys = manager.keys(scope)
    journal_bytes = manager.info().journal_bytes
    with pytest.raises(UnserializableValueError) as raised:
        manager.set("k", make(), scope)
    with pytest.raises(UnserializableValueError):
        manager.set("new-key", make(), scope)
    assert raised.value.key == "k"
    assert "StateScope.TEMP" in str(raised.value)
    assert manager.get("k", scope) == ["before"]
    assert manager.keys(scope) == keys
    assert manager.info().journal_bytes == journal_bytes


def test_a_refused_value_is_not_written_anywhere(data_dir: Path, reopen: Reopen) -> None:
    writer = reopen()
    session_id = writer.start()
    writer.set("k", "before")
    for make in UNSUPPORTED.values():
        with pytest.raises(UnserializableValueError):
            writer.set("k", make())
    view = read_session(data_dir, session_id)
    assert view.get("k") == "before"
    assert view.report.dropped == ()
    writer.stop()
    fresh = reopen()
    fresh.resume(session_id)
    assert fresh.keys() == ["k"]
    assert fresh.get("k") == "before"


def test_the_error_names_the_type_and_where_inside_the_value_it_is(manager: SessionManager) -> None:
    with pytest.raises(UnserializableValueError) as raised:
        manager.set("config", [1, {"a": (2, {"b": b"x"})}])
    message = str(raised.value)
    assert "'config'" in message
    assert "bytes" in message
    assert raised.value.path == "[1]['a']<tuple item>['b']"


def test_a_string_that_is_not_valid_unicode_is_refused_with_unserializable_value_error(
    manager: SessionManager,
) -> None:
    manager.set("k", "before")
    with pytest.raises(UnserializableValueError):
        manager.set("k", "lone surrogate \ud800")
    with pytest.raises(UnserializableValueError):
        manager.set("k", ["nested lone surrogate \udfff"])
    assert manager.get("k") == "before"


@pytest.mark.plain_only("TEMP lives in memory only: no codec involved")
@pytest.mark.parametrize("make", UNSUPPORTED.values(), ids=list(UNSUPPORTED))
def test_temp_accepts_any_object_and_returns_that_very_object(
    make: Callable[[], object], manager: SessionManager
) -> None:
    value = make()
    manager.set("anything", value, StateScope.TEMP)
    assert manager.get("anything", StateScope.TEMP) is value
    assert manager.keys(StateScope.TEMP) == ["anything"]
    assert manager.keys(StateScope.SESSION) == []


def test_temp_values_are_never_written(data_dir: Path, user_dir: Path, reopen: Reopen) -> None:
    writer = reopen()
    session_id = writer.start()
    writer.set("secret", "temp only 한국어", StateScope.TEMP)
    writer.stop()
    # Raw bytes and, for compressed/encrypted files, what they decode to.
    assert "temp only 한국어".encode() not in decoded_files(data_dir, user_dir)
    fresh = reopen()
    fresh.resume(session_id)
    assert fresh.get("secret", StateScope.TEMP) is None


# -- get() hands out copies ------------------------------------------------------------------------------


def test_get_append_set_is_how_a_stored_list_changes(data_dir: Path, reopen: Reopen) -> None:
    writer = reopen()
    session_id = writer.start()
    writer.set("completed_tasks", ["setup"])
    tasks = writer.get("completed_tasks", default=[])
    tasks.append("login")
    assert writer.get("completed_tasks") == ["setup"]  # not stored until set()
    writer.set("completed_tasks", tasks)
    assert writer.get("completed_tasks") == ["setup", "login"]
    writer.stop()
    fresh = reopen()
    fresh.resume(session_id)
    assert fresh.get("completed_tasks") == ["setup", "login"]


def _mutate_everything(value: dict[str, Any]) -> None:
    value["list"].append("mutated")
    value["dict"]["new"] = 1
    value["set"].add("mutated")
    value["nested"][0]["deep"].append("mutated")
    value["milestone"].route.append(Point(9, 9))
    value["milestone"].tags.add("mutated")
    value["added"] = True


def _container() -> dict[str, Any]:
    return {
        "list": [1, 2],
        "dict": {"a": 1},
        "set": {"x"},
        "nested": [{"deep": [1]}],
        "milestone": Milestone("m", datetime(2024, 1, 1, tzinfo=UTC), Point(0, 0), [Point(1, 1)], {"t"}),
    }


@pytest.mark.parametrize("scope", [StateScope.SESSION, StateScope.USER, StateScope.APP], ids=str)
def test_mutating_what_get_returned_never_changes_stored_state(scope: StateScope, reopen: Reopen) -> None:
    writer = reopen()
    session_id = writer.start()
    writer.set("c", _container(), scope)
    _mutate_everything(writer.get("c", scope))
    assert_same(writer.get("c", scope), _container())
    writer.stop()

    fresh = reopen()  # values read back from the snapshot are handed out as copies too
    fresh.resume(session_id)
    first = fresh.get("c", scope)
    _mutate_everything(first)
    assert_same(fresh.get("c", scope), _container())
    assert fresh.get("c", scope) is not fresh.get("c", scope)


def test_mutating_the_object_given_to_set_afterwards_never_changes_stored_state(
    manager: SessionManager,
) -> None:
    value = _container()
    manager.set("c", value)
    _mutate_everything(value)
    assert_same(manager.get("c"), _container())


def test_mutating_what_read_session_returned_never_changes_what_it_reads(
    data_dir: Path, manager: SessionManager
) -> None:
    manager.set("c", _container())
    view = read_session(data_dir, manager.session_id or "")
    _mutate_everything(view.get("c"))
    assert_same(view.get("c"), _container())
    assert_same(manager.get("c"), _container())
