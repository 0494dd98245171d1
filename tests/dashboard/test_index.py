"""The dashboard's index counts what the analyzer counts: the Trends page of any period is the
report ``session-analyze --json`` gives for it, live sessions and the history archive together; and
it follows changes by re-reading only what changed."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from sessionkeeper.analyzer import analyze, render_json, resolve_period, resolve_zone
from sessionkeeper.analyzer.dashboard.history import History
from sessionkeeper.analyzer.dashboard.query import Filters
from sessionkeeper.analyzer.dashboard.tasks import task_history
from sessionkeeper.analyzer.messages import Messages
from sessionkeeper.core import (
    CommandExecuted,
    Event,
    HistoryPolicy,
    TaskCompleted,
    TaskStarted,
    apply_retention,
    list_history,
    resolve_codec,
)
from tests.analyzer.conftest import utc

Record = Callable[[Sequence[Event]], str]
NOW = utc(2025, 10, 22, 12, 0, 0)
TASKS = ["FIX-DB", "BUILD", "TEST", "DOCS"]


def _session(rnd: random.Random, start: datetime, host_tag: str = "") -> list[Event]:
    events: list[Event] = []
    at = start
    for _ in range(rnd.randrange(3, 9)):
        task = rnd.choice(TASKS) + host_tag
        at += timedelta(minutes=rnd.randrange(1, 50))
        events.append(TaskStarted(task_id=task, at=at))
        for program in rnd.sample(["pytest -q", "ruff check .", "git status", "make all"], 2):
            at += timedelta(seconds=rnd.randrange(1, 90))
            events.append(
                CommandExecuted(command=program, exit_code=rnd.choice([0, 0, 0, 1]), duration=0.5, at=at)
            )
        at += timedelta(seconds=rnd.randrange(5, 400))
        ok = rnd.random() > 0.3
        # some completions carry their duration, others leave it to their start (as old runners did)
        duration = round(rnd.uniform(1, 300), 3) if rnd.random() < 0.7 else None
        error = None if ok else rnd.choice(["DB locked at /var/db/a1.sqlite", "timeout after 30 s", "boom"])
        events.append(TaskCompleted(task_id=task, success=ok, duration=duration, error=error, at=at))
    if rnd.random() < 0.3:  # a task left running
        events.append(TaskStarted(task_id="LEFT-OPEN", at=at + timedelta(minutes=1)))
    return events


@pytest.fixture
def history_dir(record: Record, data_dir: Path) -> Path:
    """20 sessions over 40 days, 14 of them moved into the history archive by retention."""
    rnd = random.Random(18)
    for day in range(20):
        record(_session(rnd, NOW - timedelta(days=40 - 2 * day, hours=rnd.randrange(0, 12))))
    result = apply_retention(data_dir, 6, set(), codec=resolve_codec(), history=HistoryPolicy())
    assert result.kept == ()
    assert len(list_history(data_dir).files) == 14
    return data_dir


def _built(data_dir: Path) -> History:
    history = History(data_dir, resolve_codec())
    history.build()
    assert history.error is None
    return history


def _comparable(report_json: bytes) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(report_json)
    data.pop("generated_at")
    return data


@pytest.mark.parametrize(
    ("days", "tz"), [(30, "UTC"), (7, "Asia/Seoul"), (60, "America/St_Johns"), (1, "UTC")]
)
def test_the_trends_report_is_the_analyzers_report(history_dir: Path, days: int, tz: str) -> None:
    history = _built(history_dir)
    period = resolve_period(zone=resolve_zone(tz), days=days, now=NOW)
    for language in ("en", "ko"):
        ours = history.report(period, Filters(), Messages(language), NOW)
        theirs = analyze(history_dir, period, language=language, now=NOW)
        assert _comparable(render_json(ours)) == _comparable(render_json(theirs))
    assert history.report(period, Filters(), Messages("en"), NOW).stats.total_tasks > 0 or days == 1


def test_filters_narrow_the_counts(history_dir: Path) -> None:
    history = _built(history_dir)
    period = resolve_period(zone=resolve_zone("UTC"), days=60, now=NOW)
    say = Messages("en")
    everything = history.report(period, Filters(), say, NOW)
    by_task = {task: history.report(period, Filters(task=task), say, NOW) for task in TASKS}
    assert sum(r.stats.total_tasks for r in by_task.values()) == everything.stats.total_tasks
    for task, report in by_task.items():
        assert [t.task_id for t in report.tasks.most_run] == [task]
        assert report.stats.total_tasks == {t.task_id: t.count for t in everything.tasks.most_run}[task]
    failed = history.report(period, Filters(status="failed"), say, NOW)
    assert failed.stats.total_tasks == everything.stats.failed == failed.stats.failed
    assert failed.stats.commands_run == everything.stats.commands_failed
    noisy = history.report(period, Filters(ignore=frozenset({"git", "make"})), say, NOW)
    assert {p.program for p in noisy.commands.most_used} == {"pytest", "ruff"}
    assert noisy.stats.total_tasks == everything.stats.total_tasks
    with_git = history.report(period, Filters(command="git"), say, NOW)
    assert {p.program for p in with_git.commands.most_used} == {"git"}
    assert 0 < with_git.stats.total_tasks < everything.stats.total_tasks
    nothing = history.report(period, Filters(task="NO-SUCH-TASK"), say, NOW)
    assert nothing.stats.total_tasks == 0
    assert nothing.stats.commands_run == 0


def test_new_sessions_and_archive_files_are_taken_in_without_rereading(
    record: Record, history_dir: Path
) -> None:
    history = _built(history_dir)
    period = resolve_period(zone=resolve_zone("UTC"), days=60, now=NOW)
    say = Messages("en")
    before = history.report(period, Filters(), say, NOW).stats.total_tasks
    new_id = record([TaskCompleted(task_id="NEW", success=True, duration=3.0, at=NOW - timedelta(hours=1))])
    history.refresh_live({new_id})
    assert history.report(period, Filters(), say, NOW).stats.total_tasks == before + 1
    apply_retention(history_dir, 3, set(), codec=resolve_codec(), history=HistoryPolicy())
    assert history.refresh_archive()
    history.refresh_live(set())
    after = history.report(period, Filters(), say, NOW)
    theirs = analyze(history_dir, period, now=NOW)
    assert _comparable(render_json(after)) == _comparable(render_json(theirs))
    assert not history.refresh_archive()  # nothing new: nothing read


def test_a_task_page_has_every_run_and_the_commands_inside_them(record: Record, data_dir: Path) -> None:
    start = NOW - timedelta(days=1)
    record([
        TaskStarted(task_id="DEPLOY", at=start),
        CommandExecuted(command="make deploy", exit_code=1, at=start + timedelta(seconds=5)),
        TaskCompleted(task_id="DEPLOY", success=False, error="deploy failed",
                      at=start + timedelta(seconds=9)),
        CommandExecuted(command="git status", exit_code=0, at=start + timedelta(seconds=20)),
        TaskStarted(task_id="DEPLOY", at=start + timedelta(minutes=1)),
        CommandExecuted(command="make deploy", exit_code=0, at=start + timedelta(minutes=1, seconds=5)),
        TaskCompleted(task_id="DEPLOY", success=True, at=start + timedelta(minutes=1, seconds=30)),
    ])  # fmt: skip
    history = _built(data_dir)
    found = task_history(history.segments(), "DEPLOY", resolve_zone("UTC").tz)
    assert found is not None
    assert (found.runs, found.failed, found.timed) == (2, 1, 2)
    assert found.total_seconds == pytest.approx(39.0)  # durations derived from the starts
    assert [(c.command, c.runs, c.failed) for c in found.commands] == [("make deploy", 2, 1)]
    assert [run.error for run in found.errors] == ["deploy failed"]
    assert task_history(history.segments(), "NOPE", resolve_zone("UTC").tz) is None
