"""The weekday x hour grid and each day's timed runs: where a run lands when the zone is unusual,
and how the JSON contract grew to carry them (``test_counts`` checks their numbers on its sample)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sessionkeeper.core import Event, TaskCompleted
from tests.analyzer.conftest import analyze_dict, utc

Record = Callable[[Sequence[Event]], str]
NOW = utc(2025, 10, 22, 12, 0, 0)


def _cells(productivity: dict[str, Any]) -> dict[tuple[str, int], int]:
    """The grid's non-empty cells, ``(weekday, hour) -> runs``, once its shape is checked."""
    grid = productivity["by_weekday_hour"]
    assert list(grid) == ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    assert all(len(hours) == 24 for hours in grid.values())
    return {(day, hour): runs for day, hours in grid.items() for hour, runs in enumerate(hours) if runs}


def _timed_days(productivity: dict[str, Any]) -> list[dict[str, Any]]:
    return [day for day in productivity["duration_by_day"] if day["timed_tasks"]]


def test_new_json_keys_come_after_the_old_ones_and_leave_existing_objects_as_they_were(
    record: Record, data_dir: Path
) -> None:
    record([TaskCompleted(task_id="A", success=True, duration=1.0, at=utc(2025, 10, 20, 9, 0, 0))])
    productivity = analyze_dict(data_dir, now=NOW)["productivity"]
    assert list(productivity) == [
        "average_session_seconds",
        "sessions_timed",
        "by_hour",
        "succeeded_by_hour",
        "by_weekday",
        "most_active_hours",
        "by_day",
        "by_weekday_hour",  # added with the HTML report's weekday x hour heatmap
        "duration_by_day",  # added with its duration trend
    ]
    # a script comparing a day of the daily trend whole still matches
    assert {tuple(day) for day in productivity["by_day"]} == {("date", "tasks", "succeeded", "failed")}
    assert {tuple(day) for day in productivity["duration_by_day"]} == {
        ("date", "total_execution_seconds", "timed_tasks")
    }


def test_a_half_hour_zone_puts_runs_of_one_utc_hour_on_two_local_days(record: Record, data_dir: Path) -> None:
    # India is UTC+05:30: 18:20Z is 23:50 on Monday, 18:40Z and 18:50Z are 00:10 and 00:20 on Tuesday
    record(
        [
            TaskCompleted(task_id="A", success=True, duration=10.0, at=utc(2025, 10, 20, 18, 20, 0)),
            TaskCompleted(task_id="B", success=True, duration=20.0, at=utc(2025, 10, 20, 18, 40, 0)),
            TaskCompleted(task_id="C", success=True, at=utc(2025, 10, 20, 18, 50, 0)),  # not timed
        ]
    )
    productivity = analyze_dict(data_dir, now=NOW, days=3, tz="Asia/Kolkata")["productivity"]
    assert _cells(productivity) == {("monday", 23): 1, ("tuesday", 0): 2}
    assert _timed_days(productivity) == [
        {"date": "2025-10-20", "total_execution_seconds": 10.0, "timed_tasks": 1},
        {"date": "2025-10-21", "total_execution_seconds": 20.0, "timed_tasks": 1},  # C has no duration
    ]


def test_the_hour_repeated_when_summer_time_ends_counts_both_times(record: Record, data_dir: Path) -> None:
    # New York, Sunday 2025-11-02: 01:00-02:00 happens twice, from 05:00Z (EDT) and from 06:00Z (EST)
    record(
        [
            TaskCompleted(task_id="A", success=True, duration=30.0, at=utc(2025, 11, 2, 5, 30, 0)),
            TaskCompleted(task_id="B", success=True, duration=90.0, at=utc(2025, 11, 2, 6, 30, 0)),
            TaskCompleted(task_id="C", success=True, at=utc(2025, 11, 2, 7, 30, 0)),  # 02:30 EST
        ]
    )
    now = utc(2025, 11, 3, 12, 0, 0)
    productivity = analyze_dict(data_dir, now=now, days=2, tz="America/New_York")["productivity"]
    assert _cells(productivity) == {("sunday", 1): 2, ("sunday", 2): 1}
    assert _timed_days(productivity) == [
        {"date": "2025-11-02", "total_execution_seconds": 120.0, "timed_tasks": 2}
    ]
    assert [day["date"] for day in productivity["duration_by_day"]] == ["2025-11-02", "2025-11-03"]
