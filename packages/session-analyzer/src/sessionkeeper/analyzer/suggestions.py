"""Suggestions derived from the numbers, each with the numbers it rests on.

Nothing is suggested without enough data. The thresholds (also in every JSON report, under
``thresholds``):

* ``failing_task``: a task with at least 3 runs, half or more of them failed (up to 3, most
  failures first) — "FIX-DB failed 7 of 9 runs — look for the root cause";
* ``repeated_error``: a normalised error message seen at least 3 times (up to 2);
* ``failing_command``: a program run at least 5 times, half or more failed (up to 2);
* ``low_success_rate``: at least 10 finished tasks and fewer than 70% succeeded — never on an
  empty period;
* ``productive_hours``: at least 10 successful tasks, and a two-hour window holding at least a
  third of them (four times its share of a day) — "09-11h is your most productive time".
"""

from __future__ import annotations

from typing import Final

from .aggregate import Tally
from .messages import Messages
from .report import Suggestion

__all__ = ["THRESHOLDS", "best_window", "make_suggestions"]

THRESHOLDS: Final[dict[str, int | float]] = {
    "failing_task_min_runs": 3,
    "failing_task_min_failure_rate": 0.5,
    "repeated_error_min_count": 3,
    "failing_command_min_runs": 5,
    "failing_command_min_failure_rate": 0.5,
    "low_success_rate_min_tasks": 10,
    "low_success_rate_below": 0.7,
    "productive_hours_min_succeeded": 10,
    "productive_hours_min_share": round(1 / 3, 4),
    "productive_hours_window": 2,
    "problem_task_min_failures": 2,
    "problem_task_min_failure_rate": 0.5,
}
_MAX_TASKS, _MAX_ERRORS, _MAX_COMMANDS = 3, 2, 2


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4)


def _failing_tasks(tally: Tally, say: Messages) -> list[Suggestion]:
    found = [
        (failed, runs, task_id)
        for task_id, failed in tally.failures.items()
        if (runs := tally.runs[task_id]) >= THRESHOLDS["failing_task_min_runs"]
        and failed / runs >= THRESHOLDS["failing_task_min_failure_rate"]
    ]
    found.sort(key=lambda item: (-item[0], -item[0] / item[1], item[2]))
    return [
        Suggestion(
            "failing_task",
            say("suggest.failing_task", task_id=task_id, failed=failed, runs=runs),
            {"task_id": task_id, "runs": runs, "failed": failed, "failure_rate": _rate(failed, runs)},
        )
        for failed, runs, task_id in found[:_MAX_TASKS]
    ]


def _repeated_errors(tally: Tally, say: Messages) -> list[Suggestion]:
    found = sorted(
        (
            (count, message)
            for message, count in tally.errors.items()
            if count >= THRESHOLDS["repeated_error_min_count"]
        ),
        key=lambda item: (-item[0], item[1]),
    )
    result = []
    for count, message in found[:_MAX_ERRORS]:
        tasks = len(tally.error_tasks.get(message, {}))
        result.append(
            Suggestion(
                "repeated_error",
                say("suggest.repeated_error", message=message, count=count, tasks=tasks),
                {"message": message, "count": count, "tasks": tasks},
            )
        )
    return result


def _failing_commands(tally: Tally, say: Messages) -> list[Suggestion]:
    found = [
        (failed, runs, program)
        for program, failed in tally.program_failures.items()
        if (runs := tally.programs[program]) >= THRESHOLDS["failing_command_min_runs"]
        and failed / runs >= THRESHOLDS["failing_command_min_failure_rate"]
    ]
    found.sort(key=lambda item: (-item[0], item[2]))
    return [
        Suggestion(
            "failing_command",
            say("suggest.failing_command", program=program, failed=failed, runs=runs),
            {"program": program, "runs": runs, "failed": failed, "failure_rate": _rate(failed, runs)},
        )
        for failed, runs, program in found[:_MAX_COMMANDS]
    ]


def _low_success_rate(tally: Tally, say: Messages) -> list[Suggestion]:
    total = tally.completed
    if total < THRESHOLDS["low_success_rate_min_tasks"]:
        return []  # with no (or too little) data there is nothing to warn about
    rate = tally.succeeded / total
    if rate >= THRESHOLDS["low_success_rate_below"]:
        return []
    return [
        Suggestion(
            "low_success_rate",
            say("suggest.low_success_rate", rate=say.percent(rate), total=total),
            {
                "total_tasks": total,
                "succeeded": tally.succeeded,
                "success_rate": _rate(tally.succeeded, total),
            },
        )
    ]


def best_window(by_hour: list[int], width: int) -> tuple[int, int]:
    """(first hour, count) of the ``width``-hour window holding the most; windows wrap at midnight."""
    best_start, best = 0, -1
    for start in range(24):
        count = sum(by_hour[(start + offset) % 24] for offset in range(width))
        if count > best:
            best_start, best = start, count
    return best_start, best


def _productive_hours(tally: Tally, say: Messages) -> list[Suggestion]:
    total = tally.succeeded
    if total < THRESHOLDS["productive_hours_min_succeeded"]:
        return []
    width = int(THRESHOLDS["productive_hours_window"])
    start, count = best_window(tally.succeeded_by_hour, width)
    if count / total < THRESHOLDS["productive_hours_min_share"]:
        return []
    end = (start + width) % 24
    return [
        Suggestion(
            "productive_hours",
            say("suggest.productive_hours", start=start, end=end, count=count, total=total),
            {
                "start_hour": start,
                "end_hour": end,
                "succeeded_in_window": count,
                "succeeded_total": total,
                "share": _rate(count, total),
            },
        )
    ]


def make_suggestions(tally: Tally, say: Messages) -> list[Suggestion]:
    """Every suggestion the tally supports, most pressing first."""
    return [
        *_failing_tasks(tally, say),
        *_repeated_errors(tally, say),
        *_failing_commands(tally, say),
        *_low_success_rate(tally, say),
        *_productive_hours(tally, say),
    ]
