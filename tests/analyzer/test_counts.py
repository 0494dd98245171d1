"""Every number of the JSON report, for sessions recorded through core with a clock the test sets.

The data (times UTC; 2025-10-20 is a Monday):

session A, 2025-10-20
  09:00:00  TaskStarted FIX-DB
  09:00:10  CommandExecuted "pytest -q" exit 1 (task FIX-DB)
  09:00:30  TaskCompleted FIX-DB failed, no duration -> 30 s from its start
  10:00:00  TaskStarted BUILD
  10:00:20  TaskCompleted BUILD ok, duration 12.5 (its own duration wins over the 20 s pair)
  10:30:00  TaskStarted FIX-DB
  10:30:05  TaskCompleted FIX-DB failed, duration 5
  10:31:00  CommandExecuted "make all" exit 0
session B, 2025-10-21
  14:00:00  TaskStarted LINT (never completed: unfinished)
  14:00:01  CommandExecuted "git status" exit 0
  23:30:00  TaskStarted DOCS
  23:31:00  TaskCompleted DOCS ok, duration 60   (08:31 on Wednesday 10-22 in Asia/Seoul)
session C, 2025-09-01 (outside a 30-day period ending 2025-10-22)
  TaskStarted/TaskCompleted OLD ok, duration 100; CommandExecuted "rm -rf build" exit 1
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from sessionkeeper.analyzer import THRESHOLDS
from sessionkeeper.core import CommandExecuted, Event, TaskCompleted, TaskStarted
from tests.analyzer.conftest import analyze_dict, utc

Record = Callable[[Sequence[Event]], str]
NOW = utc(2025, 10, 22, 12, 0, 0)


@pytest.fixture
def sample(record: Record, data_dir: Path) -> Path:
    record(
        [
            TaskStarted(task_id="FIX-DB", at=utc(2025, 10, 20, 9, 0, 0)),
            CommandExecuted(
                command="pytest -q", exit_code=1, task_id="FIX-DB", at=utc(2025, 10, 20, 9, 0, 10)
            ),
            TaskCompleted(
                task_id="FIX-DB",
                success=False,
                error="DB locked at /var/db/app.sqlite (pid 4242)",
                at=utc(2025, 10, 20, 9, 0, 30),
            ),
            TaskStarted(task_id="BUILD", at=utc(2025, 10, 20, 10, 0, 0)),
            TaskCompleted(task_id="BUILD", success=True, duration=12.5, at=utc(2025, 10, 20, 10, 0, 20)),
            TaskStarted(task_id="FIX-DB", at=utc(2025, 10, 20, 10, 30, 0)),
            TaskCompleted(
                task_id="FIX-DB",
                success=False,
                duration=5.0,
                error="DB locked at /var/db/other.sqlite (pid 99)",
                at=utc(2025, 10, 20, 10, 30, 5),
            ),
            CommandExecuted(command="make all", exit_code=0, at=utc(2025, 10, 20, 10, 31, 0)),
        ]
    )
    record(
        [
            TaskStarted(task_id="LINT", at=utc(2025, 10, 21, 14, 0, 0)),
            CommandExecuted(command="git status", exit_code=0, at=utc(2025, 10, 21, 14, 0, 1)),
            TaskStarted(task_id="DOCS", at=utc(2025, 10, 21, 23, 30, 0)),
            TaskCompleted(task_id="DOCS", success=True, duration=60.0, at=utc(2025, 10, 21, 23, 31, 0)),
        ]
    )
    record(
        [
            TaskStarted(task_id="OLD", at=utc(2025, 9, 1, 8, 0, 0)),
            TaskCompleted(task_id="OLD", success=True, duration=100.0, at=utc(2025, 9, 1, 8, 1, 40)),
            CommandExecuted(command="rm -rf build", exit_code=1, at=utc(2025, 9, 1, 8, 2, 0)),
        ]
    )
    return data_dir


def _grid(**days: dict[int, int]) -> dict[str, list[int]]:
    """``_grid(monday={9: 1})``: the weekday x hour counts, zero but for the cells given."""
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return {day: [days.get(day, {}).get(hour, 0) for hour in range(24)] for day in weekdays}


def _durations(first: str, count: int, **marked: tuple[float, int]) -> list[dict[str, object]]:
    """Every day's ``{date, total_execution_seconds, timed_tasks}``, zero but for ``d2025_10_20=(s, n)``."""
    days = []
    for entry in _days(first, count):
        seconds, timed = marked.get("d" + str(entry["date"]).replace("-", "_"), (0.0, 0))
        days.append({"date": entry["date"], "total_execution_seconds": seconds, "timed_tasks": timed})
    return days


def _hours(**counts: int) -> dict[str, int]:
    result = {str(hour): 0 for hour in range(24)}
    result.update({key.removeprefix("h"): value for key, value in counts.items()})
    return result


def _days(first: str, count: int, **marked: tuple[int, int, int]) -> list[dict[str, object]]:
    from datetime import date, timedelta

    start = date.fromisoformat(first)
    days = []
    for offset in range(count):
        day = (start + timedelta(days=offset)).isoformat()
        tasks, succeeded, failed = marked.get("d" + day.replace("-", "_"), (0, 0, 0))
        days.append({"date": day, "tasks": tasks, "succeeded": succeeded, "failed": failed})
    return days


def test_every_number_of_the_json_report_in_utc(sample: Path) -> None:
    report = analyze_dict(sample, now=NOW, days=30, tz="UTC")

    assert report["period"] == {
        "days": 30,
        "since": "2025-09-23T00:00:00+00:00",
        "until": "2025-10-22T12:00:00+00:00",
        "timezone": "UTC",
    }
    assert report["sessions_analyzed"] == 2  # C has no event in the period
    assert report["sessions_read"] == 3
    assert report["files_skipped"] == []
    assert report["stats"] == {
        "total_tasks": 4,  # FIX-DB twice, BUILD, DOCS: each TaskStarted/TaskCompleted pair once
        "succeeded": 2,
        "failed": 2,
        "success_rate": 0.5,
        "total_execution_seconds": 107.5,  # 30 (derived) + 12.5 + 5 + 60
        "average_execution_seconds": 26.875,  # 107.5 / 4
        "timed_tasks": 4,
        "unfinished_tasks": 1,  # LINT
        "commands_run": 3,  # pytest, make, git (rm is in session C, out of the period)
        "commands_failed": 1,
    }
    assert report["tasks"] == {
        "most_run": [
            {"task_id": "FIX-DB", "count": 2},
            {"task_id": "BUILD", "count": 1},
            {"task_id": "DOCS", "count": 1},
        ],
        "most_failed": [{"task_id": "FIX-DB", "count": 2, "runs": 2}],
        "slowest": [
            {"task_id": "DOCS", "mean_seconds": 60.0, "runs": 1},
            {"task_id": "FIX-DB", "mean_seconds": 17.5, "runs": 2},  # (30 + 5) / 2
            {"task_id": "BUILD", "mean_seconds": 12.5, "runs": 1},
        ],
    }
    productivity = report["productivity"]
    # A: 09:00:00 -> 10:31:00 = 5,460 s; B: 14:00:00 -> 23:31:00 = 34,260 s; mean 19,860 s
    assert productivity["average_session_seconds"] == 19860.0
    assert productivity["sessions_timed"] == 2
    assert productivity["by_hour"] == _hours(h9=1, h10=2, h23=1)
    assert productivity["succeeded_by_hour"] == _hours(h10=1, h23=1)
    assert productivity["by_weekday"] == {
        "monday": 3,
        "tuesday": 1,
        "wednesday": 0,
        "thursday": 0,
        "friday": 0,
        "saturday": 0,
        "sunday": 0,
    }
    assert productivity["most_active_hours"] == [
        {"hour": 10, "tasks": 2},
        {"hour": 9, "tasks": 1},
        {"hour": 23, "tasks": 1},
    ]
    assert productivity["by_day"] == _days("2025-09-23", 30, d2025_10_20=(3, 1, 2), d2025_10_21=(1, 1, 0))
    assert productivity["by_weekday_hour"] == _grid(monday={9: 1, 10: 2}, tuesday={23: 1})
    # 10-20: FIX-DB 30 s (from its start) + BUILD 12.5 s + FIX-DB 5 s; 10-21: DOCS 60 s
    assert productivity["duration_by_day"] == _durations(
        "2025-09-23", 30, d2025_10_20=(47.5, 3), d2025_10_21=(60.0, 1)
    )
    assert report["errors"] == {
        "repeated": [{"message": "DB locked at <path> (pid <n>)", "count": 2, "task_ids": ["FIX-DB"]}],
        "problem_tasks": [{"task_id": "FIX-DB", "runs": 2, "failed": 2, "failure_rate": 1.0}],
    }
    assert report["commands"] == {
        "most_used": [
            {"program": "git", "count": 1},
            {"program": "make", "count": 1},
            {"program": "pytest", "count": 1},
        ],
        "most_failing": [{"program": "pytest", "runs": 1, "failed": 1, "failure_rate": 1.0}],
    }
    assert report["suggestions"] == []  # FIX-DB has 2 runs, under the 3 a suggestion needs
    assert report["thresholds"] == THRESHOLDS
    assert report["warnings"] == []
    assert report["legacy_cross_check"] == []
    assert report["language"] == "en"
    assert report["generated_at"] == "2025-10-22T12:00:00+00:00"


def test_hours_and_days_are_local_to_the_time_zone(sample: Path) -> None:
    report = analyze_dict(sample, now=NOW, days=30, tz="Asia/Seoul")
    productivity = report["productivity"]
    assert report["period"]["since"] == "2025-09-23T00:00:00+09:00"
    assert report["period"]["until"] == "2025-10-22T21:00:00+09:00"
    # 09/10 UTC are 18/19 KST; DOCS ended 23:31 UTC on Tuesday = 08:31 KST on Wednesday 10-22
    assert productivity["by_hour"] == _hours(h18=1, h19=2, h8=1)
    assert productivity["by_weekday"]["monday"] == 3
    assert productivity["by_weekday"]["tuesday"] == 0
    assert productivity["by_weekday"]["wednesday"] == 1
    assert productivity["by_day"] == _days("2025-09-23", 30, d2025_10_20=(3, 1, 2), d2025_10_22=(1, 1, 0))
    assert productivity["by_weekday_hour"] == _grid(monday={18: 1, 19: 2}, wednesday={8: 1})
    assert productivity["duration_by_day"] == _durations(
        "2025-09-23", 30, d2025_10_20=(47.5, 3), d2025_10_22=(60.0, 1)
    )
    assert report["stats"]["total_tasks"] == 4


@pytest.mark.parametrize("tz", ["UTC", "Asia/Seoul", "America/New_York", "Asia/Kolkata"])
def test_weekday_hour_grid_and_daily_durations_add_up_to_the_totals(sample: Path, tz: str) -> None:
    report = analyze_dict(sample, now=NOW, since="2025-09-01", tz=tz)
    productivity, stats = report["productivity"], report["stats"]
    grid = productivity["by_weekday_hour"]
    assert list(grid) == list(productivity["by_weekday"])  # monday first, as by_weekday
    assert all(len(hours) == 24 for hours in grid.values())
    assert sum(map(sum, grid.values())) == stats["total_tasks"] == 5
    assert {day: sum(hours) for day, hours in grid.items()} == productivity["by_weekday"]
    assert [sum(hours[h] for hours in grid.values()) for h in range(24)] == list(
        productivity["by_hour"].values()
    )
    durations = productivity["duration_by_day"]
    assert [d["date"] for d in durations] == [d["date"] for d in productivity["by_day"]]
    assert sum(d["timed_tasks"] for d in durations) == stats["timed_tasks"]
    assert sum(d["total_execution_seconds"] for d in durations) == stats["total_execution_seconds"] == 207.5


def test_an_event_at_2330_utc_falls_on_the_next_local_day_in_seoul(sample: Path) -> None:
    now = utc(2025, 10, 22, 0, 10, 0)  # 09:10 on 10-22 in Seoul, still 10-22 in UTC
    seoul = analyze_dict(sample, now=now, days=1, tz="Asia/Seoul")
    in_utc = analyze_dict(sample, now=now, days=1, tz="UTC")
    # --days 1 is "today": from local midnight. In Seoul that is 2025-10-21T15:00Z, so DOCS
    # (completed 23:31Z on 10-21) is today's; in UTC today starts after it.
    assert seoul["period"]["since"] == "2025-10-22T00:00:00+09:00"
    assert seoul["stats"]["total_tasks"] == 1
    assert seoul["productivity"]["by_day"] == [
        {"date": "2025-10-22", "tasks": 1, "succeeded": 1, "failed": 0}
    ]
    assert seoul["productivity"]["by_hour"]["8"] == 1
    assert in_utc["stats"]["total_tasks"] == 0
    assert in_utc["stats"]["success_rate"] is None


def test_days_counts_whole_local_days_back_from_today(sample: Path) -> None:
    two = analyze_dict(sample, now=NOW, days=2, tz="UTC")  # 10-21 and 10-22
    three = analyze_dict(sample, now=NOW, days=3, tz="UTC")  # from 10-20 00:00
    assert two["period"]["since"] == "2025-10-21T00:00:00+00:00"
    assert two["stats"]["total_tasks"] == 1  # DOCS
    assert two["stats"]["unfinished_tasks"] == 1  # LINT started 10-21
    assert three["stats"]["total_tasks"] == 4
    assert three["period"]["days"] == 3


def test_since_overrides_days_and_can_reach_old_sessions(sample: Path) -> None:
    report = analyze_dict(sample, now=NOW, since="2025-09-01", tz="UTC")
    assert report["period"]["days"] == 52
    assert report["stats"]["total_tasks"] == 5
    assert report["stats"]["total_execution_seconds"] == 207.5
    assert report["stats"]["commands_run"] == 4
    assert report["stats"]["commands_failed"] == 2
    assert report["sessions_analyzed"] == 3


def test_a_run_started_before_the_period_counts_once_when_it_ends_inside(
    record: Record, data_dir: Path
) -> None:
    record(
        [
            TaskStarted(task_id="LONG", at=utc(2025, 10, 19, 23, 0, 0)),
            TaskCompleted(task_id="LONG", success=True, at=utc(2025, 10, 20, 1, 0, 0)),
        ]
    )
    report = analyze_dict(data_dir, now=utc(2025, 10, 20, 12, 0, 0), days=1, tz="UTC")
    assert report["stats"]["total_tasks"] == 1
    assert report["stats"]["total_execution_seconds"] == 7200.0  # paired with its start, outside the period
    assert report["stats"]["unfinished_tasks"] == 0


def test_same_task_interleaved_pairs_first_in_first_out(record: Record, data_dir: Path) -> None:
    record(
        [
            TaskStarted(task_id="T", at=utc(2025, 10, 20, 9, 0, 0)),
            TaskStarted(task_id="T", at=utc(2025, 10, 20, 9, 0, 10)),
            TaskCompleted(
                task_id="T", success=True, at=utc(2025, 10, 20, 9, 0, 30)
            ),  # the 09:00:00 run: 30 s
            TaskCompleted(
                task_id="T", success=True, at=utc(2025, 10, 20, 9, 0, 50)
            ),  # the 09:00:10 run: 40 s
            TaskCompleted(task_id="T", success=False, at=utc(2025, 10, 20, 9, 1, 0)),  # no start: no duration
        ]
    )
    stats = analyze_dict(data_dir, now=utc(2025, 10, 21, 0, 0, 0))["stats"]
    assert stats["total_tasks"] == 3
    assert stats["total_execution_seconds"] == 70.0
    assert stats["timed_tasks"] == 2
    assert stats["average_execution_seconds"] == 35.0
    assert stats["unfinished_tasks"] == 0


def test_suggestions_rest_on_their_numbers(record: Record, data_dir: Path) -> None:
    events: list[Event] = []
    # FIX-DB: 9 runs, 7 failed, all at 14h; OK-TASK: 11 successes at 09h and 10h.
    for i in range(9):
        failed = i < 7
        events += [
            TaskStarted(task_id="FIX-DB", at=utc(2025, 10, 20, 14, i, 0)),
            TaskCompleted(
                task_id="FIX-DB",
                success=not failed,
                duration=2.0,
                error=f"connection refused on port {5432 + i}" if failed else None,
                at=utc(2025, 10, 20, 14, i, 30),
            ),
        ]
    for i in range(11):
        events.append(
            TaskCompleted(
                task_id="OK-TASK", success=True, duration=1.0, at=utc(2025, 10, 20, 9 + i % 2, i, 0)
            )
        )
    for i in range(6):
        events.append(
            CommandExecuted(
                command="docker build .", exit_code=1 if i < 4 else 0, at=utc(2025, 10, 20, 15, i, 0)
            )
        )
    record(events)

    report = analyze_dict(data_dir, now=utc(2025, 10, 21, 0, 0, 0))
    by_kind = {s["kind"]: s for s in report["suggestions"]}
    assert [s["kind"] for s in report["suggestions"]] == [
        "failing_task",
        "repeated_error",
        "failing_command",
        "low_success_rate",
        "productive_hours",
    ]
    assert by_kind["failing_task"] == {
        "kind": "failing_task",
        "message": "FIX-DB failed 7 of 9 runs \u2014 look for the root cause",
        "data": {"task_id": "FIX-DB", "runs": 9, "failed": 7, "failure_rate": 0.7778},
    }
    assert by_kind["repeated_error"]["data"] == {
        "message": "connection refused on port <n>",
        "count": 7,
        "tasks": 1,
    }
    assert by_kind["failing_command"]["data"] == {
        "program": "docker",
        "runs": 6,
        "failed": 4,
        "failure_rate": 0.6667,
    }
    # 13 successes: 11 at 09/10h, 2 at 14h; the best two-hour window is 09-11h with 11 of 13.
    assert by_kind["productive_hours"]["data"] == {
        "start_hour": 9,
        "end_hour": 11,
        "succeeded_in_window": 11,
        "succeeded_total": 13,
        "share": 0.8462,
    }
    assert by_kind["productive_hours"]["message"] == (
        "09\u201311h is your most productive time (11 of 13 successful tasks)"
    )
    # 13 of 20 succeeded = 65%, under 70% with at least 10 tasks
    assert report["stats"]["success_rate"] == 0.65
    assert by_kind["low_success_rate"] == {
        "kind": "low_success_rate",
        "message": "Only 65% of 20 tasks succeeded \u2014 review the tasks that fail most",
        "data": {"total_tasks": 20, "succeeded": 13, "success_rate": 0.65},
    }
    korean = analyze_dict(data_dir, now=utc(2025, 10, 21, 0, 0, 0), language="ko")
    assert korean["suggestions"][0]["message"] == "FIX-DB 작업이 9회 중 7회 실패 - 근본 원인 분석 필요"
