"""R. The history archive at scale (issue 15): two years of a busy user's history, 10,000 archived
sessions holding 1,000,000 events, analysed in <= 3 s with <= 500 MB peak RSS, and no slower than
the same events kept as live sessions.

Run: ``python bench/history_scale.py [--quick] [--reps N] [--json FILE]`` (inside the hatch
environment), or as suite R of ``bench/run.py``.

**Data set**, made by core's writer and checked (~60 s here for 10,000 files) once per version of
the code that decides its bytes: it is cached in the temp dir's ``sessionkeeper-bench-cache``
keyed by the digest of core's sources, the generator and this module, so it is always what the
current core writes; R and W (``dashboard_scale``) each use a copy of it:

* ``history/``: 10,000 sessions x 100 events (S's generator, ``_scale.session_events``), their
  starts spread over the 730 days before ``NOW``, written one by one through core's own writer,
  ``write_history`` (atomic, fsync'd, plain codec), with an ``ArchivedSession`` summary and the
  events as retention hands them over: unstructured by core's converter and read back from JSON.
  No session starts in the 4 hours before the first day of ``--days 90``, so none straddles
  it and the generator knows the totals of that period exactly.
* ``sessions/``: the 10 newest sessions (started in the last day), still live, as retention keeps
  them: snapshots rendered by core's ``render_session_document`` (ended cleanly).

Checks, before anything is timed: core's ``list_history`` names exactly the archived sessions, core's
``read_history`` gives back the very summary and events written for a sample of 20 files,
core's catalog lists the 10 live sessions and its parser accepts their checksums. Every timed run
is checked too: the analyzer must report exactly the generator's totals for its period (no file
skipped), ``session history --json`` must list every archived session.

**Measurement**, as S (``analyzer_scale.py``) measures: each run in a fresh measuring process
(``_scale.measure_in_fresh_process``), which runs the installed command as its only child, timing
it from spawn to exit and reading its peak RSS (``RUSAGE_CHILDREN``). The workloads, interleaved
(order rotated each repetition), each run once untimed first:

* ``session-analyze --quiet --output report.json --days 730`` over the archive + live sessions,
  against the same command over S's data set (10,000 live sessions, 1,000,000 events);
* the same over ``--days 90``, against the full run (archived sessions outside it are skipped by
  the span in their names, without being opened);
* ``session history --json`` (reads every archived file), against ``session history --limit 20
  --json``.

The children run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` unset, as installed), no
``SESSIONKEEPER_*`` variable (plain codec, no data directory override) and the scratch directory as
their working directory.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

from bench import _scale, analyzer_scale
from bench._harness import (
    MIN_REPS,
    Config,
    Figure,
    Kind,
    Target,
    interleaved,
    log,
    machine,
    median,
    pick_scratch_root,
    render_table,
    scratch_dir,
    summary,
)
from bench._scale import EVENTS_PER_SESSION, check_report, measure_in_fresh_process, session_events
from sessionkeeper.analyzer.period import resolve_period, resolve_zone
from sessionkeeper.core import Event, list_history, list_sessions, read_history, session_paths, unstructure
from sessionkeeper.core.codec.envelope import PLAIN
from sessionkeeper.core.storage.documents import (
    parse_session_document,
    render_session_document,
)
from sessionkeeper.core.storage.history import ArchivedSession, write_history

__all__ = ["run"]

ARCHIVED, LIVE = 10_000, 10  # retention keeps 10 live sessions (max_sessions)
DAYS, RECENT_DAYS = 730, 90
TARGET_SECONDS = 3.0
TARGET_MB = 500.0
NOW = analyzer_scale.NOW  # S's: its data set (the live baseline) lies in the 30 days before it
TZ = "Asia/Seoul"
HOST = "bench-host"
KEYS = {"session": 12, "user": 2, "app": 1}
SESSION_SPAN = timedelta(hours=4)  # longer than any generated session (25 tasks: < 3.2 hours)
CHECKED_FILES = 20
HISTORY_LIMIT = 20
BIN = Path(sys.executable).parent
WORKLOADS = ("archive", "live", "recent", "history", "history_limit")


# -- the data set ----------------------------------------------------------------------------------
def _period_starts() -> tuple[datetime, datetime]:
    """When ``--days 730`` and ``--days 90`` start (the analyzer's own rule, in UTC)."""
    zone = resolve_zone(TZ)
    first, recent = (resolve_period(zone=zone, days=days, now=NOW).since for days in (DAYS, RECENT_DAYS))
    return first.astimezone(UTC), recent.astimezone(UTC)


def _starts(
    rnd: random.Random, count: int, first: datetime, last: datetime, gap_end: datetime | None = None
) -> list[datetime]:
    """``count`` start times in [first, last), oldest first, none in the SESSION_SPAN before ``gap_end``."""
    seconds = int((last - first).total_seconds())
    starts: list[datetime] = []
    while len(starts) < count:
        start = first + timedelta(seconds=rnd.randrange(seconds))
        if gap_end is None or not gap_end - SESSION_SPAN <= start < gap_end:
            starts.append(start)
    return sorted(starts)


def _stored(events: list[Event]) -> list[Any]:
    """The events as a session's files hold them, and so as retention hands them to the archive."""
    return list(orjson.loads(orjson.dumps([unstructure(event, Event) for event in events])))


def dataset(archived: int, live: int) -> tuple[Path, dict[str, dict[str, int]]]:
    """The data set :func:`build` writes, made once per machine in the temp dir's bench cache (as
    S's is) and found there afterwards: its data directory and expected totals. R and W each copy
    it before use (W's hook writes sessions into its copy). The cache is keyed by the source of
    everything that decides its bytes (core's writers, the generator, this module), so it is
    always what the current core writes; its manifest is written last: a half-made one is remade."""
    root = Path(tempfile.gettempdir()) / "sessionkeeper-bench-cache"
    directory = root / f"history-{_writers_digest()}-{archived}x{EVENTS_PER_SESSION}+{live}"
    manifest = directory / "manifest.json"
    if manifest.exists():
        found: dict[str, dict[str, int]] = orjson.loads(manifest.read_bytes())
        return directory / "data", found
    shutil.rmtree(directory, ignore_errors=True)
    expected = build(directory / "data", archived, live)
    manifest.write_bytes(orjson.dumps(expected))
    return directory / "data", expected


def _writers_digest() -> str:
    import hashlib

    import sessionkeeper.core

    core = Path(sessionkeeper.core.__file__).parent
    sources = [
        *sorted(core.rglob("*.py")),  # any change in core may change what its writers write
        Path(_scale.__file__),
        Path(__file__),
    ]
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def build(data_dir: Path, archived: int, live: int) -> dict[str, dict[str, int]]:
    """Write the data set into ``data_dir``; its expected totals: ``all`` (``--days 730``) and
    ``recent`` (``--days 90``)."""
    rnd = random.Random(20231103)
    first, recent_start = _period_starts()
    everything: Counter[str] = Counter()
    recent: Counter[str] = Counter()
    sessions_recent = 0
    written: dict[str, tuple[ArchivedSession, list[Any]]] = {}
    step = max(1, archived // CHECKED_FILES)
    starts = _starts(rnd, archived, first, NOW - timedelta(days=2), recent_start)
    for index, start in enumerate(starts):
        counted: Counter[str] = Counter()
        events = session_events(rnd, start, counted)
        stored = _stored(events)
        ended = events[-1].at
        archived_session = ArchivedSession(
            session_id=f"session_{start:%Y%m%d_%H%M%S}_{index:08x}",
            started_at=start,
            ended_at=ended,
            ending="ended",
            host=HOST,
            keys=dict(KEYS),
            events=len(stored),
            archived_at=min(ended + timedelta(days=1), NOW),
        )
        write_history(data_dir, archived_session, stored, PLAIN)
        everything += counted
        if start >= recent_start:
            recent += counted
            sessions_recent += 1
        if index % step == 0:
            written[archived_session.session_id] = (archived_session, stored)
    for index, start in enumerate(_starts(rnd, live, NOW - timedelta(hours=22), NOW - SESSION_SPAN)):
        counted = Counter()
        events = session_events(rnd, start, counted)
        session_id = f"session_{start:%Y%m%d_%H%M%S}_{archived + index:08x}"
        snapshot = session_paths(data_dir, session_id).snapshot
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_bytes(
            render_session_document(
                session_id=session_id,
                started_at=start,
                values={},
                events=_stored(events),
                user={},
                app={},
                journal_epoch=0,
                resumed_from=None,
                last_update=events[-1].at,
                graceful_shutdown=True,
                host=HOST,
            )
        )
        everything += counted
        recent += counted
    _check_against_core(data_dir, written, archived, live)
    return {
        "all": {key: int(value) for key, value in everything.items()} | {"sessions": archived + live},
        "recent": {key: int(value) for key, value in recent.items()} | {"sessions": sessions_recent + live},
    }


def _check_against_core(
    data_dir: Path, written: dict[str, tuple[ArchivedSession, list[Any]]], archived: int, live: int
) -> None:
    """Core must list every archived and live session, and read back exactly what was written."""
    listing = list_history(data_dir)
    if len(listing.files) != archived or listing.superseded or listing.strays:
        raise RuntimeError(
            f"core lists {len(listing.files)} archived sessions, not {archived}: {listing.strays}"
        )
    for file in listing.files:
        if file.session_id in written and read_history(file, PLAIN) != written[file.session_id]:
            raise RuntimeError(f"core reads back another {file.session_id} than was archived")
    entries = list_sessions(data_dir)
    if len(entries) != live:
        raise RuntimeError(f"core lists {len(entries)} live sessions, not {live}")
    for entry in entries:
        if not parse_session_document(entry.paths.snapshot.read_bytes()).checked:
            raise RuntimeError(f"live session {entry.session_id} carries no checksum core accepts")


# -- the workloads -----------------------------------------------------------------------------------
def _analyze(data_dir: Path, days: int, output: Path) -> list[str]:
    return [
        str(BIN / "session-analyze"),
        "--quiet",
        "--output",
        str(output),
        "--data-dir",
        str(data_dir),
        "--days",
        str(days),
        "--now",
        NOW.isoformat(),
        "--tz",
        TZ,
    ]


def _history(data_dir: Path, limit: int | None) -> list[str]:
    command = [str(BIN / "session"), "--data-dir", str(data_dir), "history", "--json"]
    if limit is not None:
        command += ["--limit", str(limit)]
    return command


def _environment() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("SESSIONKEEPER_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached, as for an installed command
    return env


def _check_history(output: Path, count: int) -> None:
    listed = orjson.loads(output.read_bytes())
    sessions = listed["sessions"]
    if (
        listed["unreadable"]
        or len(sessions) != count
        or any(s["events"] != EVENTS_PER_SESSION for s in sessions)
    ):
        raise RuntimeError(
            f"session history listed {len(sessions)} sessions, not {count}: {listed['unreadable']}"
        )


# -- the benchmark -------------------------------------------------------------------------------------
def run(cfg: Config) -> list[Figure]:
    """R1-R7: the archive's full history, its last 90 days and ``session history`` (see the module)."""
    archived = cfg.size(ARCHIVED, 500)
    live_dir, live_expected = analyzer_scale.dataset(archived)  # S's: the same events, all live
    with scratch_dir(cfg, "history") as scratch:
        data_dir = scratch / "data"
        log(
            f"  R: archiving {archived:,} sessions x {EVENTS_PER_SESSION} events over {DAYS} days "
            "through core's writer"
        )
        started = time.perf_counter()
        cached, expected = dataset(archived, LIVE)
        shutil.copytree(cached, data_dir, symlinks=True)
        size = sum(entry.stat().st_size for entry in os.scandir(data_dir / "history"))
        took = time.perf_counter() - started
        log(f"  R: made (or found cached) and copied in {took:.0f} s ({size / 1e6:.0f} MB)")
        env = _environment()
        outputs = scratch / "out"
        outputs.mkdir()
        commands: dict[str, tuple[list[str], Callable[[Path], None]]] = {
            "archive": (
                _analyze(data_dir, DAYS, outputs / "archive.json"),
                lambda out: check_report(out, expected["all"]),
            ),
            "live": (
                _analyze(live_dir, DAYS, outputs / "live.json"),
                lambda out: check_report(out, live_expected),
            ),
            "recent": (
                _analyze(data_dir, RECENT_DAYS, outputs / "recent.json"),
                lambda out: check_report(out, expected["recent"]),
            ),
            "history": (_history(data_dir, None), lambda out: _check_history(out, archived)),
            "history_limit": (
                _history(data_dir, HISTORY_LIMIT),
                lambda out: _check_history(out, min(HISTORY_LIMIT, archived)),
            ),
        }
        results: dict[str, list[dict[str, float]]] = {kind: [] for kind in WORKLOADS}

        def sample(kind: str, *, keep: bool = True) -> tuple[float, int]:
            command, check = commands[kind]
            output = outputs / f"{kind}.json"
            history = kind.startswith("history")
            measured = measure_in_fresh_process(
                command, what=kind, env=env, cwd=scratch, stdout=output if history else None
            )
            check(output)
            output.unlink()
            if keep:
                results[kind].append(measured)
            return measured["seconds"], 1

        for kind in WORKLOADS:  # untimed: warm page cache, bytecode written, every check run once
            sample(kind, keep=False)
        log(
            f"  R: {expected['recent']['sessions'] - LIVE:,} of {archived:,} archived sessions in the last "
            f"{RECENT_DAYS} days; {cfg.reps} reps of {len(WORKLOADS)} workloads"
        )
        interleaved(cfg.reps, {kind: functools.partial(sample, kind) for kind in WORKLOADS}, Kind.DURATION)

    def series(kind: str, key: str, scale: float = 1.0) -> tuple[float, ...]:
        return tuple(measured[key] / scale for measured in results[kind])

    mb = float(1 << 20)
    events = expected["all"]["tasks"] * 4
    live_events = live_expected["tasks"] * 4
    live_name = f"{archived:,} live sessions"
    rows: list[tuple[str, str, str, str, str, str, float, Target | None, str]] = [
        (
            "R1",
            f"session-analyze --days {DAYS}: archive + {LIVE} live, wall time",
            "archive",
            "live",
            live_name,
            "seconds",
            1.0,
            Target.max_value(TARGET_SECONDS, f"<= {TARGET_SECONDS:g} s"),
            f"{archived:,} archived + {LIVE} live sessions, {events:,} events over {DAYS} days; "
            f"baseline: S's data set, {live_events:,} events in {archived:,} live sessions, same command",
        ),
        (
            "R2",
            "the same, archive / live (must not be slower)",
            "archive",
            "live",
            live_name,
            "seconds",
            1.0,
            Target.max_ratio(1.0),
            "",
        ),
        (
            "R3",
            f"session-analyze --days {DAYS}: peak RSS",
            "archive",
            "live",
            live_name,
            "rss",
            mb,
            Target.max_value(TARGET_MB, f"<= {TARGET_MB:,.0f} MB"),
            "",
        ),
        (
            "R4",
            f"session-analyze --days {DAYS}: CPU time (user+sys)",
            "archive",
            "live",
            live_name,
            "cpu",
            1.0,
            None,
            "",
        ),
        (
            "R5",
            f"session-analyze --days {RECENT_DAYS} over the archive, wall time",
            "recent",
            "archive",
            f"--days {DAYS} (R1)",
            "seconds",
            1.0,
            None,
            f"{expected['recent']['sessions'] - LIVE:,} archived sessions in the period; the others are "
            "skipped by their names",
        ),
        (
            "R6",
            "session history --json, wall time",
            "history",
            "history_limit",
            f"--limit {HISTORY_LIMIT}",
            "seconds",
            1.0,
            None,
            f"lists {archived:,} archived sessions: opens and parses every file",
        ),
        (
            "R7",
            "session history --json, peak RSS",
            "history",
            "history_limit",
            f"--limit {HISTORY_LIMIT}",
            "rss",
            mb,
            None,
            "",
        ),
    ]
    return [
        Figure(
            bench=bench,
            name=name,
            kind=Kind.DURATION,
            unit="MB" if key == "rss" else "s",
            value=median(series(kind, key, scale)),
            baseline_name=baseline_name,
            baseline=median(series(baseline, key, scale)),
            samples=series(kind, key, scale),
            baseline_samples=series(baseline, key, scale),
            target=target,
            note=note,
        )
        for bench, name, kind, baseline, baseline_name, key, scale, target, note in rows
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each workload (min 5; median)")
    parser.add_argument("--quick", action="store_true", help="500 archived sessions instead of 10,000")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--scratch", type=Path, default=None, help="where to make the data set")
    args = parser.parse_args(argv)
    if args.reps < MIN_REPS:
        parser.error(f"--reps must be at least {MIN_REPS} (figures are medians)")
    cfg = Config(quick=args.quick, reps=args.reps, scratch_root=pick_scratch_root(args.scratch))
    before = machine()
    figures = run(cfg)
    after = machine()
    print()
    print(
        f"the history archive at scale: medians of {cfg.reps} interleaved repetitions; load average "
        f"{before['loadavg'][0]:.2f} -> {after['loadavg'][0]:.2f} on {after['cpus']} CPUs"
    )
    print()
    print(render_table(figures))
    print()
    print(summary(figures))
    if args.json is not None:
        document = {
            "machine_before": before,
            "machine_after": after,
            "figures": [f.as_json() for f in figures],
        }
        args.json.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
