"""Periods and time zones: whole local days, --since forms, DST, the system zone, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from sessionkeeper.analyzer import InvalidDateError, InvalidTimezoneError, resolve_period, resolve_zone
from sessionkeeper.analyzer.period import MAX_DAYS
from tests.analyzer.conftest import analyze_dict, utc

NOW = utc(2025, 10, 22, 12, 0, 0)


def test_days_start_at_local_midnight() -> None:
    period = resolve_period(zone=resolve_zone("Asia/Seoul"), days=7, now=NOW)
    assert period.since == datetime(2025, 10, 16, 0, 0, tzinfo=period.zone.tz)
    assert period.until == NOW
    assert period.days == 7
    assert [d.isoformat() for d in period.local_dates()][::6] == ["2025-10-16", "2025-10-22"]


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("2025-10-01", datetime(2025, 10, 1, 0, 0, tzinfo=timezone(timedelta(hours=9)))),
        ("2025-10-01T09:30", datetime(2025, 10, 1, 9, 30, tzinfo=timezone(timedelta(hours=9)))),
        ("2025-10-01T00:00:00+00:00", datetime(2025, 10, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))),
    ],
)
def test_since_forms_are_local_unless_they_say_otherwise(since: str, expected: datetime) -> None:
    period = resolve_period(zone=resolve_zone("Asia/Seoul"), since=since, now=NOW)
    assert period.since == expected
    assert period.since.utcoffset() == timedelta(hours=9)


def test_a_period_across_a_dst_change_keeps_local_hours() -> None:
    zone = resolve_zone("Europe/Berlin")  # clocks went back on 2025-10-26 03:00 -> 02:00
    period = resolve_period(zone=zone, days=3, now=utc(2025, 10, 27, 12, 0, 0))
    assert period.since.isoformat() == "2025-10-25T00:00:00+02:00"
    assert period.until.isoformat() == "2025-10-27T13:00:00+01:00"
    assert period.days == 3


@pytest.mark.parametrize(("since", "message"), [("soon", "is not a date"), ("2025-13-01", "is not a date")])
def test_bad_since_is_refused(since: str, message: str) -> None:
    with pytest.raises(InvalidDateError, match=message):
        resolve_period(zone=resolve_zone("UTC"), since=since, now=NOW)


@pytest.mark.parametrize("days", [0, -1, MAX_DAYS + 1])
def test_days_out_of_range_are_refused(days: int) -> None:
    with pytest.raises(InvalidDateError, match="--days must be between"):
        resolve_period(zone=resolve_zone("UTC"), days=days, now=NOW)


@pytest.mark.parametrize("name", ["Nope/Zone", "../../etc/passwd", "", "/etc/localtime", "Asia"])
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(InvalidTimezoneError):
        resolve_zone(name)


def test_the_system_zone_comes_from_tz_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Seoul")
    assert resolve_zone(None).name == "Asia/Seoul"
    monkeypatch.setenv("TZ", ":America/New_York")
    assert resolve_zone(None).name == "America/New_York"


def test_half_hour_zones_count_each_event_in_its_own_local_hour(record: Any, data_dir: Path) -> None:
    from sessionkeeper.core import TaskCompleted

    # India is UTC+05:30: 09:10 UTC is 14:40, 09:40 UTC is 15:10 local — one UTC hour, two local ones.
    record(
        [
            TaskCompleted(task_id="A", success=True, at=utc(2025, 10, 20, 9, 10, 0)),
            TaskCompleted(task_id="A", success=True, at=utc(2025, 10, 20, 9, 40, 0)),
        ]
    )
    report = analyze_dict(data_dir, now=NOW, tz="Asia/Kolkata")
    assert {h: n for h, n in report["productivity"]["by_hour"].items() if n} == {"14": 1, "15": 1}


def test_the_json_contract_keys(data_dir: Path) -> None:
    data_dir.mkdir()
    report = analyze_dict(data_dir, now=NOW)
    assert set(report) >= {
        "period",
        "sessions_analyzed",
        "files_skipped",
        "stats",
        "tasks",
        "productivity",
        "errors",
        "commands",
        "suggestions",
    }
    assert set(report["period"]) == {"days", "since", "until", "timezone"}
    assert set(report["stats"]) >= {
        "total_tasks",
        "succeeded",
        "failed",
        "success_rate",
        "total_execution_seconds",
        "average_execution_seconds",
        "commands_run",
        "commands_failed",
    }
    assert set(report["tasks"]) == {"most_run", "most_failed", "slowest"}
    assert set(report["productivity"]) >= {
        "average_session_seconds",
        "by_hour",
        "by_weekday",
        "most_active_hours",
    }
    assert list(report["productivity"]["by_hour"]) == [str(h) for h in range(24)]
    assert set(report["errors"]) == {"repeated", "problem_tasks"}
    assert set(report["commands"]) == {"most_used", "most_failing"}
    assert orjson.loads(orjson.dumps(report)) == report  # plain JSON all the way down
    assert report["period"]["since"].endswith("+00:00")  # times carry their offsets
