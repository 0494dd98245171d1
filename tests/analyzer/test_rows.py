"""Events to rows: the fast path agrees with core's models and converter, and nothing is coerced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkeeper.analyzer.rows import (
    COMMAND,
    COMPLETED,
    STARTED,
    MalformedEventError,
    row_from_event,
    rows_from_stored,
)
from sessionkeeper.core import CommandExecuted, TaskCompleted, TaskStarted, event_from_dict, unstructure
from sessionkeeper.core import Event as CoreEvent

AT = datetime(2025, 10, 20, 9, 0, 30, 250000, tzinfo=UTC)


def stored(event: CoreEvent) -> dict[str, Any]:
    """An event exactly as core stores it (unstructured with its kind tag, through JSON)."""
    result: dict[str, Any] = orjson.loads(orjson.dumps(unstructure(event, CoreEvent)))
    return result


def test_each_kind_as_core_writes_it() -> None:
    events: list[CoreEvent] = [
        TaskStarted(task_id="A", at=AT),
        CommandExecuted(command="pytest -q", exit_code=1, duration=0.5, task_id="A", at=AT),
        TaskCompleted(task_id="A", success=False, duration=1.25, error="boom", at=AT),
    ]
    rows, unknown = rows_from_stored([stored(e) for e in events])
    assert unknown == 0
    assert rows == [
        (STARTED, AT, "A"),
        (COMMAND, AT, "pytest -q", 1, 0.5),
        (COMPLETED, AT, "A", False, 1.25, "boom"),
    ]
    assert rows == [row_from_event(e) for e in events]


def test_encoded_bytes_are_read_too() -> None:
    rows, _ = rows_from_stored([orjson.dumps(stored(TaskStarted(task_id="A", at=AT)))])
    assert rows == [(STARTED, AT, "A")]


def test_other_offsets_naive_times_and_missing_fields_take_core_converter() -> None:
    seoul = timezone(timedelta(hours=9))
    data = [
        {"kind": "task_completed", "task_id": "A", "success": True, "at": "2025-10-20T18:00:30.25+09:00"},
        {
            "kind": "task_completed",
            "task_id": "B",
            "success": True,
            "duration": 3,
            "at": "2025-10-20T09:00:30Z",
        },
        {"kind": "task_started", "task_id": "C", "at": "2025-10-20T09:00:30"},  # naive: local time (core)
    ]
    rows, _ = rows_from_stored(data)
    assert rows[0] == (COMPLETED, AT, "A", True, None, None)
    assert rows[0][1].tzinfo is UTC
    assert rows[1] == (COMPLETED, datetime(2025, 10, 20, 9, 0, 30, tzinfo=UTC), "B", True, 3.0, None)
    assert type(rows[1][4]) is float
    assert rows[2][1] == datetime(2025, 10, 20, 9, 0, 30).astimezone(UTC)
    assert datetime(2025, 10, 20, 18, 0, 30, 250000, tzinfo=seoul) == rows[0][1]


def test_unknown_kinds_from_a_newer_version_are_left_out_and_counted() -> None:
    rows, unknown = rows_from_stored([{"kind": "test_run", "at": "2025-10-20T09:00:00+00:00"}])
    assert (rows, unknown) == ([], 1)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (
            {"kind": "task_completed", "task_id": "A", "success": "false", "at": "2025-10-20T09:00:00+00:00"},
            "success",
        ),
        (
            {"kind": "task_completed", "task_id": 5, "success": True, "at": "2025-10-20T09:00:00+00:00"},
            "task_id",
        ),
        ({"kind": "task_started", "task_id": "", "at": "2025-10-20T09:00:00+00:00"}, "task_id"),
        ({"kind": "task_started", "task_id": "x" * 300, "at": "2025-10-20T09:00:00+00:00"}, "task_id"),
        (
            {
                "kind": "task_completed",
                "task_id": "A",
                "success": True,
                "duration": -1.0,
                "at": "2025-10-20T09:00:00Z",
            },
            "duration",
        ),
        (
            {
                "kind": "task_completed",
                "task_id": "A",
                "success": True,
                "duration": True,
                "at": "2025-10-20T09:00:00Z",
            },
            "duration",
        ),
        (
            {"kind": "command_executed", "command": "ls", "exit_code": "0", "at": "2025-10-20T09:00:00Z"},
            "exit_code",
        ),
        (
            {"kind": "command_executed", "command": ["ls"], "exit_code": 0, "at": "2025-10-20T09:00:00Z"},
            "command",
        ),
        ({"kind": "task_started", "task_id": "A"}, "at must be"),
        ({"kind": "task_started", "task_id": "A", "at": "yesterday"}, "not an ISO date-time"),
        (
            {
                "kind": "task_completed",
                "task_id": "A",
                "success": True,
                "error": {"x": 1},
                "at": "2025-10-20T09:00:00Z",
            },
            "error",
        ),
        (
            {
                "kind": "command_executed",
                "command": "ls",
                "exit_code": 0,
                "duration": "1s",
                "at": "2025-10-20T09:00:00Z",
            },
            "not a valid event",
        ),
        ({"kind": 3, "at": "2025-10-20T09:00:00Z"}, "kind"),
        ("not an object", "not a JSON object"),
    ],
)
def test_values_cattrs_would_coerce_are_refused(event: Any, message: str) -> None:
    with pytest.raises(MalformedEventError, match=message):
        rows_from_stored([event])


def test_core_converter_refuses_values_of_the_wrong_type_too() -> None:
    """Core's converter no longer coerces ("false" was read as True): both layers refuse."""
    for wrong in (
        {"kind": "task_completed", "task_id": "A", "success": "false", "at": "2025-10-20T09:00:00Z"},
        {"kind": "task_started", "task_id": 5, "at": "2025-10-20T09:00:00Z"},
    ):
        with pytest.raises((TypeError, ValueError)):
            event_from_dict(wrong)


texts = st.one_of(st.none(), st.text(max_size=20))
task_ids = st.text(min_size=1, max_size=40)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from([UTC])
)
durations = st.one_of(
    st.none(), st.floats(min_value=0, max_value=1e9, allow_nan=False), st.integers(0, 10**6)
)
events = st.one_of(
    st.builds(TaskStarted, task_id=task_ids, title=texts, source=texts, at=times),
    st.builds(
        CommandExecuted,
        command=st.text(max_size=30),
        exit_code=st.integers(-(2**31), 2**31),
        duration=durations,
        cwd=texts,
        task_id=st.one_of(st.none(), task_ids),
        error=texts,
        at=times,
    ),
    st.builds(
        TaskCompleted,
        task_id=task_ids,
        success=st.booleans(),
        duration=durations,
        error=texts,
        title=texts,
        at=times,
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    event=events,
    drop=st.sets(st.sampled_from(["title", "source", "duration", "cwd", "error", "id", "task_id"])),
)
def test_fast_path_and_core_converter_give_the_same_row(event: CoreEvent, drop: set[str]) -> None:
    data = stored(event)
    for key in drop:
        if key != "task_id" or isinstance(event, CommandExecuted):
            data.pop(key, None)
    fast, _ = rows_from_stored([data])
    assert fast == [row_from_event(event_from_dict(data))]


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=500, deadline=None)
@given(
    event=events,
    changes=st.dictionaries(
        st.sampled_from(
            ["id", "title", "source", "cwd", "error", "duration", "task_id", "success", "exit_code"]
        ),
        junk,
        max_size=3,
    ),
)
def test_whatever_the_fast_path_accepts_core_converter_reads_the_same(
    event: CoreEvent, changes: dict[str, Any]
) -> None:
    data = {**stored(event), **changes}
    try:
        fast: list[Any] | None = rows_from_stored([data])[0]
    except MalformedEventError:
        fast = None
    try:
        slow: list[Any] | None = [row_from_event(event_from_dict(data))]
    except Exception:
        slow = None
    if fast is not None:
        assert fast == slow
