"""The old tool's 21 files, with totals counted by hand from the files themselves.

Hand count (``shared/fixtures/legacy-sessions``; all times 2025-10-26 UTC, a Sunday):

Copies (grouped by the session_id inside):
  5a7c9045: 234632_5a7c9045 (checkpoint .766961, test_key only) < 234632_e379fd30 (.792436, a run)
  fb79e118: 234701_fb79e118 (.773721)  < 234701_e3152736 (.786744, TEST-HOOK-001 ok)
  6e2b8a7d: 234720_6e2b8a7d (.491065)  < 234720_8c5fd0bf (.514202, TEST-HOOK-001 ok)
  7cb3b98a: 234739_7cb3b98a (.693265)  < 234739_5292d406 (.712064, TEST-HOOK-001 ok)
  d25b7f11: 234813_d25b7f11 (.462120)  < 234813_3fb3acd2 (.480148, TEST-HOOK-001 ok)
  51986dff: 234831_51986dff (.806505)  < 234831_65859dd1 (.818912, TEST-HOOK-001 ok)
  ab54784f: 000654_ab54784f == 000654_5ce8bc41 byte for byte (VERIFY-001 ok); the one named
            after its id is kept
  -> 7 files skipped, 14 sessions read; 6 of them hold no task records (test_key / task_0..2).

session 233932_3a8f9571 — task_history has 10 starts, and every outcome is written twice:
  failed_tasks: STYLE-88 (Connection timeout), TEST-72 (Syntax error), TEST-59 (Connection
  timeout), TEST-06 (File not found) — TEST-06 is also current_task (failed, execution_time
  100.99059283998794); completed_tasks: PERF-40, TEST-21, FIX-40, FIX-12, FIX-38, BUILD-39.
  -> 10 runs: 6 ok, 4 failed; one duration known (TEST-06). USER execution_stats says 10 / 6 / 4:
  consistent. The old analyzer added history + completed + failed + current = 21 "tasks".
  command_log: 34 commands, exit_code 1 on #5 pytest, #7 docker, #8 pytest, #12 docker,
  #13 python, #21 pytest, #24 git, #28 mypy, #29 git, #30 mypy, #32 mypy -> 11 failed.
  By program: mypy 8 (3 failed), make 6 (0), docker 5 (2), git 4 (2), pytest 4 (3),
  python 4 (1), ruff 3 (0).
sessions e3152736, 8c5fd0bf, 5292d406, 3fb3acd2, 65859dd1: TEST-HOOK-001 ok, execution_time 10.5
  (in current_task and completed_tasks: one run each) -> 5 runs, 52.5 s.
session ab54784f: VERIFY-001 ok, 1.5 s.
session e379fd30: TEST-HOOK-001 started, current_task "running" -> 1 unfinished, 0 runs.

Totals: 16 runs, 12 ok, 4 failed (75%); execution 100.99059283998794 + 52.5 + 1.5 =
154.99059283998794 s over 7 timed runs (mean 22.1415...); 34 commands, 11 failed.
Sessions with events: 8; with two or more: 7. Session lengths (first to last event):
3a8f9571 32.393607 -> 58.496311 = 26.102704 s; the six one-run sessions 66, 518, 65, 42, 49 and
43 µs; mean (26.102704 + 0.000783) / 7 = 3.729069... s.
Summing the files' execution_stats instead would give 10 + 7 x 1 = 17 executions (the identical
pair counted twice), the old analyzer's mistake.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.analyzer.legacy import LegacyFormatError, legacy_events
from sessionkeeper.core import CommandExecuted, Event, TaskCompleted, TaskStarted
from tests.analyzer.conftest import analyze_dict, utc

NOW = utc(2025, 10, 27, 12, 0, 0)
HOOK = "TEST-HOOK-001"


@pytest.fixture
def report(legacy_dir: Path) -> dict[str, Any]:
    return analyze_dict(legacy_dir, now=NOW, since="2025-10-20", tz="UTC")


def test_hand_checked_totals(report: dict[str, Any]) -> None:
    assert report["sessions_read"] == 14
    assert report["sessions_analyzed"] == 8
    assert report["stats"] == {
        "total_tasks": 16,
        "succeeded": 12,
        "failed": 4,
        "success_rate": 0.75,
        "total_execution_seconds": 154.991,
        "average_execution_seconds": 22.142,
        "timed_tasks": 7,
        "unfinished_tasks": 1,
        "commands_run": 34,
        "commands_failed": 11,
    }


def test_copies_are_skipped_and_named_with_the_file_kept(report: dict[str, Any]) -> None:
    skipped = {item["file"]: item for item in report["files_skipped"]}
    older = {
        "session_20251026_234632_5a7c9045.json": "session_20251026_234632_e379fd30.json",
        "session_20251026_234701_fb79e118.json": "session_20251026_234701_e3152736.json",
        "session_20251026_234720_6e2b8a7d.json": "session_20251026_234720_8c5fd0bf.json",
        "session_20251026_234739_7cb3b98a.json": "session_20251026_234739_5292d406.json",
        "session_20251026_234813_d25b7f11.json": "session_20251026_234813_3fb3acd2.json",
        "session_20251026_234831_51986dff.json": "session_20251026_234831_65859dd1.json",
    }
    assert set(skipped) == {*older, "session_20251027_000654_5ce8bc41.json"}
    for old, kept in older.items():
        assert skipped[old]["reason"] == "older_copy"
        assert f"kept {kept}" in skipped[old]["detail"]
    identical = skipped["session_20251027_000654_5ce8bc41.json"]
    assert identical["reason"] == "identical_copy"
    assert identical["detail"] == "byte-identical to session_20251027_000654_ab54784f.json"


def test_tasks_errors_and_commands(report: dict[str, Any]) -> None:
    tasks = report["tasks"]
    assert tasks["most_run"] == [
        {"task_id": HOOK, "count": 5},
        *(
            {"task_id": task_id, "count": 1}
            for task_id in [
                "BUILD-2025-10-26-39",
                "FIX-2025-10-26-12",
                "FIX-2025-10-26-38",
                "FIX-2025-10-26-40",
                "PERF-2025-10-26-40",
                "STYLE-2025-10-26-88",
                "TEST-2025-10-26-06",
                "TEST-2025-10-26-21",
                "TEST-2025-10-26-59",
            ]
        ),
    ]
    assert tasks["most_failed"] == [
        {"task_id": task_id, "count": 1, "runs": 1}
        for task_id in [
            "STYLE-2025-10-26-88",
            "TEST-2025-10-26-06",
            "TEST-2025-10-26-59",
            "TEST-2025-10-26-72",
        ]
    ]
    assert tasks["slowest"] == [
        {"task_id": "TEST-2025-10-26-06", "mean_seconds": 100.991, "runs": 1},
        {"task_id": HOOK, "mean_seconds": 10.5, "runs": 5},
        {"task_id": "VERIFY-001", "mean_seconds": 1.5, "runs": 1},
    ]
    assert report["errors"] == {
        "repeated": [
            {
                "message": "Connection timeout: Server not responding",
                "count": 2,
                "task_ids": ["STYLE-2025-10-26-88", "TEST-2025-10-26-59"],
            }
        ],
        "problem_tasks": [],
    }
    assert report["commands"] == {
        "most_used": [
            {"program": "mypy", "count": 8},
            {"program": "make", "count": 6},
            {"program": "docker", "count": 5},
            {"program": "git", "count": 4},
            {"program": "pytest", "count": 4},
            {"program": "python", "count": 4},
            {"program": "ruff", "count": 3},
        ],
        "most_failing": [
            {"program": "pytest", "runs": 4, "failed": 3, "failure_rate": 0.75},
            {"program": "mypy", "runs": 8, "failed": 3, "failure_rate": 0.375},
            {"program": "git", "runs": 4, "failed": 2, "failure_rate": 0.5},
            {"program": "docker", "runs": 5, "failed": 2, "failure_rate": 0.4},
            {"program": "python", "runs": 4, "failed": 1, "failure_rate": 0.25},
        ],
    }


def test_productivity_in_utc_and_in_seoul(report: dict[str, Any], legacy_dir: Path) -> None:
    productivity = report["productivity"]
    assert productivity["average_session_seconds"] == 3.729
    assert productivity["sessions_timed"] == 7
    assert {h: n for h, n in productivity["by_hour"].items() if n} == {"14": 15, "15": 1}
    assert {h: n for h, n in productivity["succeeded_by_hour"].items() if n} == {"14": 11, "15": 1}
    assert {d: n for d, n in productivity["by_weekday"].items() if n} == {"sunday": 16}
    assert [d for d in productivity["by_day"] if d["tasks"]] == [
        {"date": "2025-10-26", "tasks": 16, "succeeded": 12, "failed": 4}
    ]
    seoul = analyze_dict(legacy_dir, now=NOW, since="2025-10-20", tz="Asia/Seoul")["productivity"]
    # 14h UTC is 23h in Seoul; VERIFY-001 (15:06 UTC) is 00:06 on Monday the 27th there
    assert {h: n for h, n in seoul["by_hour"].items() if n} == {"23": 15, "0": 1}
    assert {d: n for d, n in seoul["by_weekday"].items() if n} == {"sunday": 15, "monday": 1}
    assert [(d["date"], d["tasks"]) for d in seoul["by_day"] if d["tasks"]] == [
        ("2025-10-26", 15),
        ("2025-10-27", 1),
    ]


def test_cumulative_counters_are_a_cross_check_never_a_sum(report: dict[str, Any]) -> None:
    checks = {c["file"]: c for c in report["legacy_cross_check"]}
    assert checks["session_20251026_233932_3a8f9571.json"] == {
        "session_id": "session_20251026_233932_3a8f9571",
        "file": "session_20251026_233932_3a8f9571.json",
        "execution_stats_total": 10,
        "task_runs": 10,
        "consistent": True,
    }
    assert len(checks) == 7  # every kept session with execution_stats; e379fd30 has none
    assert all(c["consistent"] for c in checks.values())
    assert report["warnings"] == []


def test_the_fixture_files_are_left_unchanged(legacy_dir: Path) -> None:
    before = {p.name: p.read_bytes() for p in (legacy_dir / "sessions").iterdir()}
    analyze_dict(legacy_dir, now=NOW, since="2025-10-20")
    assert {p.name: p.read_bytes() for p in (legacy_dir / "sessions").iterdir()} == before


# -- the conversion rule, on records written by hand ------------------------------------------------------
def _at(second: int) -> str:
    return f"2025-10-26T10:00:{second:02d}+00:00"


def _convert(values: dict[str, Any], temp: dict[str, Any] | None = None) -> list[Event]:
    fallback = datetime(2025, 10, 26, 12, 0, tzinfo=UTC)
    return legacy_events(values, temp or {}, {}, fallback).events


def _summary(events: list[Event]) -> list[tuple[str, str, object]]:
    out: list[tuple[str, str, object]] = []
    for event in events:
        if isinstance(event, TaskStarted):
            out.append(("start", event.task_id, event.at.second))
        elif isinstance(event, TaskCompleted):
            out.append(("ok" if event.success else "failed", event.task_id, event.at.second))
        elif isinstance(event, CommandExecuted):
            out.append(("command", event.command, event.exit_code))
    return out


def test_a_task_failing_then_succeeding_gets_each_outcome_once() -> None:
    values = {
        "task_history": [
            {"task_id": "A", "started_at": _at(1), "status": "started"},
            {"task_id": "A", "started_at": _at(5), "status": "started"},
        ],
        "failed_tasks": {"A": {"error": "boom", "timestamp": _at(3)}},
        "completed_tasks": ["A"],
        "current_task": {"task_id": "A", "status": "success", "started_at": _at(5), "completed_at": _at(7)},
    }
    assert _summary(_convert(values)) == [
        ("start", "A", 1),
        ("failed", "A", 3),
        ("start", "A", 5),
        ("ok", "A", 7),  # current_task; it also consumed the one completed_tasks entry
    ]


def test_guide_style_sessions_count_completed_tasks_without_history() -> None:
    values = {"current_task": "feature_development", "completed_tasks": ["setup", "database", "api"]}
    events = _convert(values)
    assert _summary(events) == [("ok", "setup", 0), ("ok", "database", 0), ("ok", "api", 0)]
    assert all(isinstance(e, TaskCompleted) and e.at.hour == 12 for e in events)  # the fallback time


def test_a_running_current_task_leaves_its_run_unfinished_and_takes_no_other_outcome() -> None:
    values = {
        "task_history": [
            {"task_id": "A", "started_at": _at(1)},
            {"task_id": "A", "started_at": _at(5)},
        ],
        "completed_tasks": ["A"],
        "current_task": {"task_id": "A", "status": "running", "started_at": _at(5)},
    }
    assert _summary(_convert(values)) == [("start", "A", 1), ("ok", "A", 1), ("start", "A", 5)]


def test_commands_from_the_temp_log() -> None:
    temp = {
        "command_log": [
            {"command": "make", "exit_code": 2, "timestamp": _at(1)},
            {"command": "ls", "success": True, "timestamp": _at(2)},  # no exit code: from success
        ]
    }
    assert _summary(_convert({}, temp)) == [("command", "make", 2), ("command", "ls", 0)]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"task_history": "A"}, "task_history is not a list"),
        ({"task_history": [{"task_id": 5, "started_at": _at(1)}]}, "task_history[0].task_id"),
        ({"task_history": [{"task_id": "A", "started_at": "yesterday"}]}, "not an ISO date-time"),
        ({"completed_tasks": {"A": 1}}, "completed_tasks is not a list"),
        ({"failed_tasks": ["A"]}, "failed_tasks is not an object"),
        ({"current_task": {"task_id": "A", "status": 3}}, "current_task.status"),
        (
            {
                "current_task": {
                    "task_id": "A",
                    "status": "success",
                    "completed_at": _at(2),
                    "execution_time": "1",
                }
            },
            "execution_time",
        ),
    ],
)
def test_records_of_the_wrong_shape_are_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(LegacyFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _convert(values)


def test_a_counter_below_the_runs_found_is_reported(data_dir: Path) -> None:
    import orjson

    from sessionkeeper.core import sessions_dir

    session_id = "session_20251026_100000_0000abcd"
    document = {
        "session_id": session_id,
        "started_at": _at(0),
        "last_checkpoint": _at(9),
        "context_hash": "0" * 16,
        "state_data": {},
        "scope_data": {
            "session": {
                "task_history": [
                    {"task_id": "A", "started_at": _at(1)},
                    {"task_id": "B", "started_at": _at(2)},
                ],
                "completed_tasks": ["A", "B"],
            },
            "user": {"execution_stats": {"total_executions": 1}},
            "app": {},
            "temp": {},
        },
    }
    sessions_dir(data_dir).mkdir(parents=True)
    (sessions_dir(data_dir) / f"{session_id}.json").write_bytes(orjson.dumps(document))
    report = analyze_dict(data_dir, now=NOW, since="2025-10-20")
    assert report["stats"]["total_tasks"] == 2
    assert report["legacy_cross_check"] == [
        {
            "session_id": session_id,
            "file": f"{session_id}.json",
            "execution_stats_total": 1,
            "task_runs": 2,
            "consistent": False,
        }
    ]
    assert report["warnings"] == [
        f"{session_id}.json: execution_stats says 1 runs in all, fewer than the 2 this session holds"
    ]
