"""From raw counts to the report: rankings, rates, rounding, suggestions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .aggregate import Tally
from .messages import Messages
from .period import Period
from .report import (
    CommandStats,
    DayCount,
    DayDuration,
    ErrorStats,
    FailedTask,
    FailingProgram,
    HourCount,
    PeriodInfo,
    ProblemTask,
    Productivity,
    ProgramCount,
    RepeatedError,
    Report,
    SkippedFile,
    SlowTask,
    Stats,
    TaskCount,
    TaskStats,
)
from .suggestions import THRESHOLDS, make_suggestions

__all__ = ["TOP", "WEEKDAYS", "build_report"]

TOP = 10  # rows per ranking
_ACTIVE_HOURS = 3
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _seconds(micros: int) -> float:
    return round(micros / 1_000_000, 3)


def _mean_seconds(micros: int, count: int) -> float | None:
    return round(micros / count / 1_000_000, 3) if count else None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP]


def _stats(tally: Tally) -> Stats:
    return Stats(
        total_tasks=tally.completed,
        succeeded=tally.succeeded,
        failed=tally.failed,
        success_rate=_rate(tally.succeeded, tally.completed),
        total_execution_seconds=_seconds(tally.duration_us),
        average_execution_seconds=_mean_seconds(tally.duration_us, tally.timed),
        timed_tasks=tally.timed,
        unfinished_tasks=tally.unfinished,
        commands_run=tally.commands_run,
        commands_failed=tally.commands_failed,
    )


def _tasks(tally: Tally) -> TaskStats:
    slow = sorted(
        (
            (tally.task_duration_us[task_id] / timed, task_id, timed)
            for task_id, timed in tally.task_timed.items()
        ),
        key=lambda item: (-item[0], item[1]),
    )[:TOP]
    return TaskStats(
        most_run=[TaskCount(task_id, count) for task_id, count in _ranked(tally.runs)],
        most_failed=[
            FailedTask(task_id, count, tally.runs[task_id]) for task_id, count in _ranked(tally.failures)
        ],
        slowest=[SlowTask(task_id, round(mean / 1_000_000, 3), timed) for mean, task_id, timed in slow],
    )


def _productivity(tally: Tally, period: Period) -> Productivity:
    grid = tally.by_weekday_hour  # weekday * 24 + hour; the hours and weekdays are its sums
    rows = [grid[weekday * 24 : weekday * 24 + 24] for weekday in range(7)]
    by_hour = [sum(row[hour] for row in rows) for hour in range(24)]
    hours = sorted(
        ((count, hour) for hour, count in enumerate(by_hour) if count), key=lambda i: (-i[0], i[1])
    )
    days, durations = [], []
    for day in period.local_dates():
        tasks, succeeded, failed, duration_us, timed = tally.by_day.get(day, (0, 0, 0, 0, 0))
        days.append(DayCount(day.isoformat(), tasks, succeeded, failed))
        durations.append(DayDuration(day.isoformat(), _seconds(duration_us), timed))
    return Productivity(
        average_session_seconds=_mean_seconds(tally.session_us, tally.sessions_timed),
        sessions_timed=tally.sessions_timed,
        by_hour={str(hour): count for hour, count in enumerate(by_hour)},
        succeeded_by_hour={str(hour): count for hour, count in enumerate(tally.succeeded_by_hour)},
        by_weekday={name: sum(row) for name, row in zip(WEEKDAYS, rows, strict=True)},
        most_active_hours=[HourCount(hour, count) for count, hour in hours[:_ACTIVE_HOURS]],
        by_day=days,
        by_weekday_hour=dict(zip(WEEKDAYS, rows, strict=True)),
        duration_by_day=durations,
    )


def _errors(tally: Tally) -> ErrorStats:
    repeated = [
        RepeatedError(message, count, [task for task, _ in _ranked(tally.error_tasks.get(message, {}))])
        for message, count in _ranked({m: c for m, c in tally.errors.items() if c >= 2})
    ]
    problems = [
        (failed, tally.runs[task_id], task_id)
        for task_id, failed in tally.failures.items()
        if failed >= THRESHOLDS["problem_task_min_failures"]
        and failed / tally.runs[task_id] >= THRESHOLDS["problem_task_min_failure_rate"]
    ]
    problems.sort(key=lambda item: (-item[0], -item[0] / item[1], item[2]))
    return ErrorStats(
        repeated=repeated,
        problem_tasks=[
            ProblemTask(task_id, runs, failed, round(failed / runs, 4))
            for failed, runs, task_id in problems[:TOP]
        ],
    )


def _commands(tally: Tally) -> CommandStats:
    failing = sorted(
        ((failed, tally.programs[program], program) for program, failed in tally.program_failures.items()),
        key=lambda item: (-item[0], -item[0] / item[1], item[2]),
    )[:TOP]
    return CommandStats(
        most_used=[ProgramCount(program, count) for program, count in _ranked(tally.programs)],
        most_failing=[
            FailingProgram(program, runs, failed, round(failed / runs, 4))
            for failed, runs, program in failing
        ],
    )


def _warnings(tally: Tally) -> list[str]:
    notes = list(tally.warnings)
    if tally.unknown_events:
        notes.append(f"{tally.unknown_events} event(s) of kinds this version does not know were left out")
    notes += [
        f"{check.file}: execution_stats says {check.execution_stats_total} runs in all, "
        f"fewer than the {check.task_runs} this session holds"
        for check in tally.cross_checks
        if not check.consistent
    ]
    return notes


def build_report(
    tally: Tally, period: Period, skipped: Iterable[SkippedFile], say: Messages, generated_at: datetime
) -> Report:
    """The report of ``tally`` over ``period``, with its texts in ``say``'s language."""
    skipped_files = sorted(skipped, key=lambda s: s.file)
    return Report(
        period=PeriodInfo(
            days=period.days,
            since=period.since.isoformat(timespec="seconds"),
            until=period.until.isoformat(timespec="seconds"),
            timezone=period.zone.name,
        ),
        sessions_analyzed=tally.sessions_with_events,
        sessions_read=tally.sessions_read,
        files_skipped=skipped_files,
        stats=_stats(tally),
        tasks=_tasks(tally),
        productivity=_productivity(tally, period),
        errors=_errors(tally),
        commands=_commands(tally),
        suggestions=make_suggestions(tally, say),
        thresholds=dict(THRESHOLDS),
        warnings=_warnings(tally),
        legacy_cross_check=sorted(tally.cross_checks, key=lambda c: c.file),
        language=say.language,
        generated_at=generated_at.astimezone(period.zone.tz).isoformat(timespec="seconds"),
    )
