"""Shared by the scale benchmarks (S: ``analyzer_scale.py``, R: ``history_scale.py``).

* :func:`session_events`: the seeded generator of one busy session's 100 events (25 task runs of
  ``TaskStarted``, two ``CommandExecuted``, ``TaskCompleted``; ~15 % failed tasks with varied
  error messages), as core's own event models, counting what it made into a ``Counter``.
* :func:`measure_in_fresh_process`: one command timed in a fresh measuring process (this file run
  as a script), which runs it as its only child, timing it from spawn to exit (interpreter
  start-up and imports included) and reading that child's peak RSS with
  ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``: a fresh measurer per repetition, so the
  figure is that child's alone.
* :func:`check_report`: a ``session-analyze`` JSON report must hold exactly the generator's totals.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from sessionkeeper.core import Event

__all__ = [
    "COMMANDS",
    "ERRORS",
    "EVENTS_PER_SESSION",
    "TASKS",
    "check_report",
    "measure",
    "measure_in_fresh_process",
    "session_events",
]

EVENTS_PER_SESSION = 100
TASKS = [f"{kind}-{n:03d}" for kind in ("FIX", "TEST", "FEAT", "BUILD", "DOCS", "PERF") for n in range(50)]
COMMANDS = [
    "pytest -q",
    "pytest tests/unit",
    "ruff check .",
    "mypy --strict src",
    "make all",
    "git status",
    "git push",
    "docker build -t app .",
    "npm test",
    "python scripts/migrate.py",
]
ERRORS = [
    "Connection timeout: Server not responding",
    "DB locked at /var/db/app{n}.sqlite (pid {n})",
    "File not found: src/module_{n}.py",
    "AssertionError: expected {n} got {m}",
    "Syntax error: Unexpected token",
]


# -- the events --------------------------------------------------------------------------------------
def session_events(rnd: random.Random, start: datetime, totals: Counter[str]) -> list[Event]:
    """One session's ``EVENTS_PER_SESSION`` events from ``start`` on (all within ~3.2 hours of it),
    adding to ``totals``: tasks, succeeded, duration_us, commands, commands_failed."""
    from sessionkeeper.core import CommandExecuted, TaskCompleted, TaskStarted

    events: list[Event] = []
    at = start
    for _ in range(EVENTS_PER_SESSION // 4):
        task = rnd.choice(TASKS)
        at += timedelta(seconds=rnd.randrange(5, 300), microseconds=rnd.randrange(1_000_000))
        events.append(TaskStarted(task_id=task, title=f"work on {task}", at=at))
        for _ in range(2):
            at += timedelta(seconds=rnd.randrange(1, 60), microseconds=rnd.randrange(1_000_000))
            code = 0 if rnd.random() < 0.9 else rnd.choice((1, 2, 127))
            totals["commands"] += 1
            totals["commands_failed"] += code != 0
            events.append(
                CommandExecuted(
                    command=rnd.choice(COMMANDS),
                    exit_code=code,
                    duration=round(rnd.uniform(0.1, 30), 3),
                    cwd="/work/project",
                    task_id=task,
                    error="error: see log" if code else None,
                    at=at,
                )
            )
        success = rnd.random() > 0.15
        duration = round(rnd.uniform(1, 600), 3)
        at += timedelta(seconds=rnd.randrange(1, 30))
        error = None
        if not success:
            error = rnd.choice(ERRORS).format(n=rnd.randrange(100), m=rnd.randrange(100))
        events.append(TaskCompleted(task_id=task, success=success, duration=duration, error=error, at=at))
        totals["tasks"] += 1
        totals["succeeded"] += success
        totals["duration_us"] += round(duration * 1_000_000)
    return events


# -- measuring ---------------------------------------------------------------------------------------
def measure(command: Sequence[str], *, stdout: Path | None = None) -> dict[str, float]:
    """Run ``command`` as a child of this (fresh) process: wall seconds, CPU seconds, peak RSS.
    Its standard output goes to ``stdout`` when given (else it is captured and dropped)."""
    with contextlib.ExitStack() as stack:
        sink = subprocess.PIPE if stdout is None else stack.enter_context(stdout.open("wb"))
        started = time.perf_counter()
        done = subprocess.run(command, stdout=sink, stderr=subprocess.PIPE, check=False)
        elapsed = time.perf_counter() - started
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace").strip()[-500:]
        raise RuntimeError(f"{Path(command[0]).name} failed ({done.returncode}): {stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss * 1024.0}


def measure_in_fresh_process(
    command: Sequence[str],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdout: Path | None = None,
) -> dict[str, float]:
    """:func:`measure` of ``command``, run by a fresh measuring process (environment ``env`` and
    directory ``cwd``, inherited by ``command``); ``what`` names it in errors."""
    script = [sys.executable, str(Path(__file__).resolve())]
    if stdout is not None:
        script += ["--stdout", str(stdout)]
    done = subprocess.run(
        [*script, "--", *command], capture_output=True, text=True, check=False, timeout=600, env=env, cwd=cwd
    )
    if done.returncode != 0:
        raise RuntimeError(f"measuring {what} failed: {done.stderr.strip()[-800:]}")
    result: dict[str, float] = json.loads(done.stdout)
    return result


# -- checking ----------------------------------------------------------------------------------------
def check_report(output: Path, expected: Mapping[str, int]) -> None:
    """``session-analyze``'s JSON report at ``output`` must count exactly ``expected`` (the
    generator's totals, plus ``sessions``) and skip no file."""
    report = orjson.loads(output.read_bytes())
    stats = report["stats"]
    got = {
        "tasks": stats["total_tasks"],
        "succeeded": stats["succeeded"],
        "commands": stats["commands_run"],
        "commands_failed": stats["commands_failed"],
        "sessions": report["sessions_analyzed"],
        "seconds": stats["total_execution_seconds"],
    }
    want: dict[str, float] = {
        key: expected[key] for key in ("tasks", "succeeded", "commands", "commands_failed", "sessions")
    }
    want["seconds"] = round(expected["duration_us"] / 1_000_000, 3)
    if report["files_skipped"] or got != want:
        raise RuntimeError(f"the analyzer's totals are wrong: {got} != {want}")


def main(argv: list[str] | None = None) -> int:
    """The fresh measurer: ``python bench/_scale.py [--stdout FILE] -- COMMAND...`` prints
    :func:`measure`'s figures of ``COMMAND`` as JSON."""
    parser = argparse.ArgumentParser(description=(main.__doc__ or "").split("\n\n")[0])
    parser.add_argument("--stdout", type=Path, default=None, help="where the command's output goes")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    print(json.dumps(measure(command, stdout=args.stdout)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
