"""Shared machinery of the benchmarks: configuration, interleaved repetitions, figures, the table.

Every figure is the median of ``reps`` repetitions, and every repetition of a measurement runs
right next to one repetition of its baseline (in alternating order), so a burst of load from
another process hits both sides instead of skewing the ratio. Ratios are what to compare
between runs; absolute numbers only describe the machine at that moment.
"""

from __future__ import annotations

import enum
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from sessionkeeper.core import FsyncPolicy, SessionManager

__all__ = [
    "REPO",
    "Config",
    "Figure",
    "Sample",
    "Target",
    "interleaved",
    "log",
    "manager",
    "median",
    "pick_scratch_root",
    "render_table",
    "scratch_dir",
    "skip",
    "skipped",
    "write_json",
]

REPO = Path(__file__).resolve().parent.parent
MIN_REPS = 5

# A sample function runs one repetition and returns (elapsed seconds, operations done).
Sample = Callable[[], tuple[float, int]]


@dataclass(frozen=True)
class Config:
    """What the whole run was asked to do."""

    quick: bool
    reps: int
    scratch_root: Path

    def size(self, full: int, quick: int) -> int:
        """``full`` normally, ``quick`` under ``--quick``."""
        return quick if self.quick else full


class Kind(enum.Enum):
    """What a figure's value is: higher is better for rates, lower for durations."""

    RATE = "rate"
    DURATION = "duration"


@dataclass(frozen=True)
class Target:
    """A goal from the project's issues: on the value itself or on the ratio to the baseline."""

    text: str  # as printed, e.g. ">= 150,000 set/s"
    on_ratio: bool
    at_least: bool
    threshold: float

    @staticmethod
    def min_value(threshold: float, text: str) -> Target:
        return Target(text, on_ratio=False, at_least=True, threshold=threshold)

    @staticmethod
    def max_value(threshold: float, text: str) -> Target:
        return Target(text, on_ratio=False, at_least=False, threshold=threshold)

    @staticmethod
    def min_ratio(threshold: float) -> Target:
        return Target(f">= {threshold:g}x baseline", on_ratio=True, at_least=True, threshold=threshold)

    @staticmethod
    def max_ratio(threshold: float) -> Target:
        return Target(f"<= {threshold:g}x baseline", on_ratio=True, at_least=False, threshold=threshold)

    def met(self, value: float, ratio: float) -> bool:
        measured = ratio if self.on_ratio else value
        return measured >= self.threshold if self.at_least else measured <= self.threshold


@dataclass(frozen=True)
class Figure:
    """One row of the table: a median, its same-run baseline, their ratio and the verdict."""

    bench: str  # "A1", "B1", ...
    name: str
    kind: Kind
    unit: str  # "set/s", "s", ...
    value: float  # median of the measurement
    baseline_name: str
    baseline: float  # median of the baseline, in the same unit
    samples: tuple[float, ...]
    baseline_samples: tuple[float, ...]
    target: Target | None = None
    note: str = ""
    ratio: float = field(init=False)
    verdict: str = field(init=False)

    def __post_init__(self) -> None:
        # subject / baseline, in the figure's own unit: for rates > 1 means faster than the
        # baseline, for durations > 1 means slower.
        ratio = self.value / self.baseline if self.baseline else float("inf")
        object.__setattr__(self, "ratio", ratio)
        verdict = "info"
        if self.target is not None:
            verdict = "PASS" if self.target.met(self.value, ratio) else "MISS"
        object.__setattr__(self, "verdict", verdict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["target"] = None if self.target is None else asdict(self.target)
        return data


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def log(message: str) -> None:
    """Progress goes to stderr so that stdout holds only the table."""
    print(message, file=sys.stderr, flush=True)


_SKIPPED: list[str] = []


def skip(message: str) -> None:
    """Note something not measured in this run (a peer not installed): printed under the table."""
    _SKIPPED.append(message)
    log(f"  skipped: {message}")


def skipped() -> list[str]:
    return list(_SKIPPED)


def interleaved(reps: int, samples: Mapping[str, Sample], unit: Kind) -> dict[str, list[float]]:
    """Run each sample function ``reps`` times, rotating their order every repetition.

    Returns, per name, the figures of every repetition: operations per second for
    ``Kind.RATE``, seconds per operation-batch for ``Kind.DURATION``.
    """
    if reps < MIN_REPS:
        raise ValueError(f"at least {MIN_REPS} repetitions are needed for a median, not {reps}")
    names = list(samples)
    results: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(reps):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed, ops = samples[name]()
            results[name].append(ops / elapsed if unit is Kind.RATE else elapsed)
    return results


def timed(body: Callable[[], int]) -> tuple[float, int]:
    """Time ``body`` (which returns how many operations it did)."""
    start = time.perf_counter()
    ops = body()
    return time.perf_counter() - start, ops


# -- scratch directories ---------------------------------------------------------------------------
def pick_scratch_root(explicit: Path | None) -> Path:
    """A directory on the same file system as the repository (never a RAM disk such as /dev/shm).

    fsync costs depend on the file system, so the benchmarks must write where users' data lives.
    The system temp directory is used when it is on the same device as the repository; otherwise
    hidden directories are made (and removed) in the repository itself.
    """
    if explicit is not None:
        explicit.mkdir(parents=True, exist_ok=True)
        return explicit.resolve()
    temp = Path(tempfile.gettempdir())
    if temp.stat().st_dev == REPO.stat().st_dev:
        return temp
    return REPO


@contextmanager
def scratch_dir(cfg: Config, name: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f".sessionkeeper-bench-{name}-", dir=cfg.scratch_root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def manager(directory: Path, fsync: FsyncPolicy = FsyncPolicy.INTERVAL) -> Iterator[SessionManager]:
    """A started manager on its own data and user directories, stopped afterwards."""
    session = SessionManager(
        data_dir=directory / "data", user_dir=directory / "user", fsync=fsync, handle_signals=False
    )
    session.start()
    try:
        yield session
    finally:
        session.stop()


# -- output ----------------------------------------------------------------------------------------
def _number(value: float, unit: str) -> str:
    if unit == "s":
        if value < 1e-6:
            return f"{value * 1e6:.2f} µs"
        if value < 1e-4:
            return f"{value * 1e6:.1f} µs"
        if value < 1e-3:
            return f"{value * 1e6:,.0f} µs"
        if value < 1:
            return f"{value * 1e3:,.1f} ms"
        return f"{value:,.2f} s"
    if value >= 100 or float(value).is_integer():
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}"


def _ratio(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}x"
    if value >= 10:
        return f"{value:.1f}x"
    return f"{value:.3g}x"


def _spread(samples: Sequence[float]) -> str:
    """Half the min-max range, as a percentage of the median: how noisy the repetitions were."""
    mid = median(samples)
    if not mid:
        return ""
    return f"±{(max(samples) - min(samples)) / 2 / mid * 100:.0f}%"


def render_table(figures: Sequence[Figure]) -> str:
    header = (
        "id",
        "benchmark",
        "median",
        "spread",
        "baseline",
        "baseline median",
        "ratio",
        "target",
        "verdict",
    )
    rows = [header]
    for fig in figures:
        rows.append(
            (
                fig.bench,
                fig.name,
                _number(fig.value, fig.unit),
                _spread(fig.samples),
                fig.baseline_name,
                _number(fig.baseline, fig.unit),
                _ratio(fig.ratio),
                fig.target.text if fig.target else "-",
                fig.verdict,
            )
        )
    right = {2, 3, 5, 6}
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for number, row in enumerate(rows):
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    notes = [f"  {fig.bench}: {fig.note}" for fig in figures if fig.note]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)


def summary(figures: Sequence[Figure]) -> str:
    judged = [fig for fig in figures if fig.target is not None]
    missed = [fig.bench for fig in judged if fig.verdict == "MISS"]
    if not missed:
        return f"all {len(judged)} targets met"
    return f"{len(missed)} of {len(judged)} targets MISSED: {', '.join(missed)}"


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg": list(load),
    }


def write_json(path: Path, cfg: Config, figures: Sequence[Figure], extra: Mapping[str, Any]) -> None:
    document = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": cfg.quick,
        "reps": cfg.reps,
        "scratch_root": str(cfg.scratch_root),
        **extra,
        "figures": [fig.as_json() for fig in figures],
    }
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
