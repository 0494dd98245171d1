"""Seeded synthetic histories with known truth, for the insights' evaluation (bench F) and tests.

Every *subject* (a task, or a command line) runs on its own schedule over ``days`` days, at local
hours drawn from a working-day profile (most runs 08-19h, a few in the evening and at night), and
is one of three kinds, whose truth the evaluation knows:

* ``stable``: fails at random, rarely (0.5-2%): flip rate ~0.01-0.04 — not flaky;
* ``streaky``: a two-state Markov chain — once broken it stays broken for a while (P(fail | fail)
  0.85-0.95), so its failure rate (10-40%) is high but its flip rate low (< 0.1) — not flaky;
* ``flaky``: fails at random with probability p (0.1-0.45): flip rate 2p(1-p), 0.18-0.50 — flaky.

On top of the kind, every run between 22h and 02h local has its odds of failing multiplied by
``NIGHT_ODDS`` (3): the hour-of-day effect. Durations of successful runs are log-normal (median
10 s-20 min, sigma 0.15-0.5); a failed run stops after a uniform fraction of that. A third of the
subjects get a **drift**: from a known moment (40-80% into the period) their durations are
multiplied by 2, 0.5 or 1.6, and their noise is kept below 1/1.25 of that change (log scale): a
drift is a change of level at least 1.25 run-to-run deviations tall (1.6x on a task whose runs vary
by +-50% is not: no detector can place it within 10 runs). The others never change.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["NIGHT", "NIGHT_ODDS", "History", "Subject", "history"]

NIGHT = frozenset({22, 23, 0, 1})
NIGHT_ODDS = 3.0
_HOURS = [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 3, 5, 6, 6, 4, 5, 6, 6, 5, 4, 3, 2, 1.5, 1.2, 1, 0.6]
START = datetime(2025, 6, 2, tzinfo=UTC)  # a Monday


@dataclass
class Subject:
    kind: str  # "task" or "command"
    name: str
    behaviour: str  # stable, streaky, flaky
    failure_rate: float  # stationary, before the night effect
    flip_rate: float  # expected, before the night effect
    median: float  # seconds, before any drift
    sigma: float
    drift_at: datetime | None = None
    drift_factor: float = 1.0
    drift_index: int | None = None  # index among its successful timed runs of the first drifted one
    at: list[float] = field(default_factory=list)  # UTC seconds, ascending
    failed: list[bool] = field(default_factory=list)
    duration: list[float] = field(default_factory=list)
    hour: list[int] = field(default_factory=list)

    @property
    def flaky(self) -> bool:
        return self.behaviour == "flaky"


@dataclass
class History:
    seed: int
    days: int
    start: datetime
    subjects: list[Subject]

    def of_kind(self, kind: str) -> list[Subject]:
        return [s for s in self.subjects if s.kind == kind]


def _odds(p: float, factor: float) -> float:
    odds = p / (1 - p) * factor
    return odds / (1 + odds)


def _subject(rnd: random.Random, kind: str, index: int, days: int, start: datetime) -> Subject:
    behaviour = rnd.choices(["stable", "streaky", "flaky"], weights=[4, 3, 3])[0]
    if behaviour == "stable":
        p, stick = rnd.uniform(0.005, 0.02), None
        flips = 2 * p * (1 - p)
    elif behaviour == "streaky":
        p, stick = rnd.uniform(0.1, 0.4), rnd.uniform(0.85, 0.95)
        flips = 2 * p * (1 - stick)  # P(fail) * P(fail -> ok), twice (each episode starts and ends)
    else:
        p, stick = rnd.uniform(0.1, 0.45), None
        flips = 2 * p * (1 - p)
    prefix = "T" if kind == "task" else "cmd"
    name = f"{prefix}-{index:02d}-{behaviour}" if kind == "task" else f"make check-{index:02d}"
    subject = Subject(
        kind,
        name,
        behaviour,
        p,
        flips,
        math.exp(rnd.uniform(math.log(10), math.log(1200))),
        rnd.uniform(0.15, 0.5),
    )
    if rnd.random() < 1 / 3:
        subject.drift_at = start + timedelta(days=days * rnd.uniform(0.4, 0.8))
        subject.drift_factor = rnd.choice([2.0, 0.5, 1.6])
        subject.sigma = min(subject.sigma, abs(math.log(subject.drift_factor)) / 1.25)
    runs = rnd.randrange(80, 400)
    moments = []
    for _ in range(runs):
        day = rnd.randrange(days)
        hour = rnd.choices(range(24), weights=_HOURS)[0]
        moments.append(start + timedelta(days=day, hours=hour, seconds=rnd.randrange(3600)))
    moments.sort()
    broken = rnd.random() < p
    ok_runs = 0
    for moment in moments:
        hour = moment.hour  # the zone of the synthetic user is UTC
        # a Markov chain's transition out of its current state; else independent runs
        base = p if stick is None else stick if broken else p * (1 - stick) / (1 - p)
        failed = rnd.random() < (_odds(base, NIGHT_ODDS) if hour in NIGHT else base)
        if stick is not None:
            broken = failed
        factor = subject.drift_factor if subject.drift_at is not None and moment >= subject.drift_at else 1.0
        full = subject.median * factor * math.exp(rnd.gauss(0, subject.sigma))
        if not failed:
            if factor != 1.0 and subject.drift_index is None:
                subject.drift_index = ok_runs
            ok_runs += 1
        subject.at.append(moment.timestamp())
        subject.failed.append(failed)
        subject.duration.append(full if not failed else full * rnd.uniform(0.05, 1.0))
        subject.hour.append(hour)
    return subject


def history(seed: int, *, days: int = 120, tasks: int = 30, commands: int = 20) -> History:
    """A history of ``tasks`` + ``commands`` subjects over ``days`` days (seeded, reproducible)."""
    rnd = random.Random(seed)
    subjects = [_subject(rnd, "task", i, days, START) for i in range(tasks)]
    subjects += [_subject(rnd, "command", i, days, START) for i in range(commands)]
    return History(seed, days, START, subjects)
