"""The report as attrs models: what every renderer shows and what the JSON output is.

The JSON keys are a contract for scripts: they are these field names, unstructured by core's one
cattrs converter. Seconds are rounded to milliseconds, rates (0..1) to four decimals; a rate or
mean with nothing to divide by is ``None`` (JSON ``null``), never 0.
"""

from __future__ import annotations

import attrs

__all__ = [
    "CommandStats",
    "CrossCheck",
    "DayCount",
    "DayDuration",
    "ErrorStats",
    "FailedTask",
    "FailingProgram",
    "HourCount",
    "PeriodInfo",
    "ProblemTask",
    "Productivity",
    "ProgramCount",
    "RepeatedError",
    "Report",
    "SkippedFile",
    "SlowTask",
    "Stats",
    "Suggestion",
    "TaskCount",
    "TaskStats",
]


@attrs.frozen
class PeriodInfo:
    """The period covered: ISO times in the report's time zone, and how many local days it touches."""

    days: int
    since: str
    until: str
    timezone: str


@attrs.frozen
class SkippedFile:
    """A file left out of the report, and why (``reason`` is a stable code, ``detail`` for people)."""

    file: str
    reason: str
    detail: str


@attrs.frozen
class Stats:
    """Execution statistics. A task run counts once, when it ends (its ``TaskCompleted``)."""

    total_tasks: int
    succeeded: int
    failed: int
    success_rate: float | None  # None without tasks
    total_execution_seconds: float
    average_execution_seconds: float | None  # over the runs whose duration is known
    timed_tasks: int  # runs whose duration is known
    unfinished_tasks: int  # started in the period, never ended
    commands_run: int
    commands_failed: int


@attrs.frozen
class TaskCount:
    task_id: str
    count: int


@attrs.frozen
class FailedTask:
    task_id: str
    count: int  # failed runs
    runs: int  # all its runs in the period


@attrs.frozen
class SlowTask:
    task_id: str
    mean_seconds: float
    runs: int  # runs with a known duration


@attrs.frozen
class TaskStats:
    most_run: list[TaskCount]
    most_failed: list[FailedTask]
    slowest: list[SlowTask]


@attrs.frozen
class HourCount:
    hour: int
    tasks: int


@attrs.frozen
class DayCount:
    date: str  # local date, YYYY-MM-DD
    tasks: int
    succeeded: int
    failed: int


@attrs.frozen
class DayDuration:
    """One local day's timed runs: their mean duration is ``total_execution_seconds / timed_tasks``."""

    date: str  # local date, YYYY-MM-DD
    total_execution_seconds: float  # the durations of the day's timed runs, summed
    timed_tasks: int  # the day's runs (ended that day) whose duration is known; 0: no mean that day


@attrs.frozen
class Productivity:
    """When work happens, in the report's time zone (hours and days are local)."""

    average_session_seconds: float | None  # first to last event, sessions with two or more events
    sessions_timed: int
    by_hour: dict[str, int]  # "0".."23" -> task runs ended in that local hour
    succeeded_by_hour: dict[str, int]
    by_weekday: dict[str, int]  # "monday".."sunday"
    most_active_hours: list[HourCount]
    by_day: list[DayCount]  # every local day of the period, oldest first
    # Added after the fields above (JSON: new keys, existing objects unchanged, so a script that
    # compares a by_day entry whole still matches):
    # "monday".."sunday" -> 24 counts, index = local hour: task runs ended in that weekday's hour.
    # Keyed by name like by_weekday, so no reader has to guess whether weekday 0 is Monday or Sunday.
    by_weekday_hour: dict[str, list[int]]
    duration_by_day: list[DayDuration]  # the same days as by_day, in the same order


@attrs.frozen
class RepeatedError:
    message: str  # normalised: paths, numbers, ids and times folded
    count: int
    task_ids: list[str]  # the tasks it came from, most frequent first (at most ten)


@attrs.frozen
class ProblemTask:
    task_id: str
    runs: int
    failed: int
    failure_rate: float


@attrs.frozen
class ErrorStats:
    repeated: list[RepeatedError]
    problem_tasks: list[ProblemTask]


@attrs.frozen
class ProgramCount:
    program: str
    count: int


@attrs.frozen
class FailingProgram:
    program: str
    runs: int
    failed: int
    failure_rate: float


@attrs.frozen
class CommandStats:
    most_used: list[ProgramCount]
    most_failing: list[FailingProgram]


@attrs.frozen
class Suggestion:
    """A suggestion, the numbers it rests on (``data``) and its text in the report's language."""

    kind: str
    message: str
    data: dict[str, int | float | str]


@attrs.frozen
class CrossCheck:
    """An old-tool session's cumulative counter against the runs found in it (never summed)."""

    session_id: str
    file: str
    execution_stats_total: int
    task_runs: int
    consistent: bool  # a cumulative counter can never be below the session's own runs


@attrs.frozen
class Report:
    """Everything a report says."""

    period: PeriodInfo
    sessions_analyzed: int  # sessions with at least one event in the period
    sessions_read: int  # sessions read and kept (copies and unreadable files excluded)
    files_skipped: list[SkippedFile]
    stats: Stats
    tasks: TaskStats
    productivity: Productivity
    errors: ErrorStats
    commands: CommandStats
    suggestions: list[Suggestion]
    thresholds: dict[str, int | float]  # below these, nothing is suggested
    warnings: list[str]  # what was recovered around (damaged journal bytes...) or left out
    legacy_cross_check: list[CrossCheck]
    language: str
    generated_at: str
