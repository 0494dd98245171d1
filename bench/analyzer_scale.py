"""E. ``session-analyze`` on 10,000 sessions holding 1,000,000 events: <= 5 s and <= 1 GB peak RSS.

Run: ``python bench/analyzer_scale.py [--reps N] [--sessions N] [--json FILE]`` (or ``run(cfg)``
from a benchmark runner).

**Data set**, generated once and cached under the temp directory (``--regenerate`` rebuilds it):
10,000 sessions x 100 events (25 task runs of TaskStarted, two CommandExecuted, TaskCompleted),
spread over 30 days, ~15 % failed tasks with varied error messages. The events are core's own models
(``TaskStarted``...), unstructured by core's converter and rendered by core's own
``render_session_document`` (a session that ended cleanly), written without an fsync. Measured ways
to make them, per session of 100 events: ``SessionManager`` + ``record`` ~43 ms (7 minutes for
10k), ``import_session`` ~1.5-6 ms (an fsync per file), rendering directly ~0.3 ms. The direct way
is kept honest by three checks: a sample of the files
must equal, field for field, what core's ``export_session`` renders for them (only
``last_checkpoint``, the export's time, and so the checksum over it, differ), core's parser must
accept every sampled file's checksum, and every run of the analyzer must report exactly the totals
the generator recorded.

**Measurement**: each repetition runs, in a fresh measuring process, the installed
``session-analyze --quiet --output report.json`` over the whole data set as a child process,
timing it from spawn to exit (interpreter start-up and imports included) and reading that
child's peak RSS with ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` (a fresh measurer per
repetition, so the figure is that child's alone). The baseline, measured the same way in the same
run and interleaved with it, is the old approach: read every file with ``json`` and walk the
dicts, counting the same totals without validation, de-duplication or time zones. The event
generator, the measurer and the report check are shared with benchmark R (``_scale.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

from bench._harness import Config, Figure, Kind, Target, log, machine, median, render_table
from bench._scale import EVENTS_PER_SESSION, check_report, measure_in_fresh_process, session_events
from sessionkeeper.core import Event, export_session, unstructure
from sessionkeeper.core.storage.documents import parse_session_document, render_session_document

__all__ = ["run"]

SESSIONS = 10_000
TARGET_SECONDS, TARGET_BYTES = 5.0, 1 << 30
NOW = datetime(2025, 11, 1, 0, 0, tzinfo=UTC)
SINCE = "2025-09-15"  # every generated event falls after it
# 3: rendered by core's render_session_document (graceful_shutdown, last_update); 2: a copy of its
# layout with format 4's checksum (1 wrote format 2)
GENERATOR_VERSION = 3
ANALYZER = Path(sys.executable).with_name("session-analyze")


# -- the data set ----------------------------------------------------------------------------------
def _render(session_id: str, started: datetime, events: list[Event]) -> bytes:
    """The snapshot core itself renders for a session that holds ``events`` and ended cleanly."""
    return render_session_document(
        session_id=session_id,
        started_at=started,
        values={},
        events=[unstructure(event, Event) for event in events],
        user={},
        app={},
        journal_epoch=0,
        resumed_from=None,
        last_update=events[-1].at,
        graceful_shutdown=True,
    )


def _check_against_core(data_dir: Path, session_ids: list[str]) -> None:
    """Our files must be what core itself renders for the same sessions."""
    for session_id in session_ids:
        data = (data_dir / "sessions" / f"{session_id}.json").read_bytes()
        if not parse_session_document(data).checked:  # raises if the checksum does not match
            raise RuntimeError(f"generated {session_id} carries no checksum core accepts")
        ours = orjson.loads(data)
        cores = orjson.loads(export_session(data_dir, session_id))
        for varying in ("last_checkpoint", "checksum"):  # the export's own time, and the CRC over it
            ours.pop(varying)
            cores.pop(varying)
        if ours != cores:
            raise RuntimeError(f"generated {session_id} differs from core's rendering of it")


def dataset(sessions: int, *, regenerate: bool = False) -> tuple[Path, dict[str, int]]:
    """The cached data set for ``sessions`` sessions (made on first use) and its expected totals."""
    root = Path(tempfile.gettempdir()) / "sessionkeeper-bench-cache"
    directory = root / f"analyzer-v{GENERATOR_VERSION}-{sessions}x{EVENTS_PER_SESSION}"
    manifest = directory / "manifest.json"
    if manifest.exists() and not regenerate:
        return directory / "data", json.loads(manifest.read_text())
    log(f"  E: generating {sessions:,} sessions x {EVENTS_PER_SESSION} events in {directory} (once)")
    started = time.perf_counter()
    if directory.exists():
        import shutil

        shutil.rmtree(directory)
    folder = directory / "data" / "sessions"
    folder.mkdir(parents=True)
    rnd = random.Random(20251101)
    totals: Counter[str] = Counter()
    ids = []
    for index in range(sessions):
        start = NOW - timedelta(days=30) + timedelta(seconds=rnd.randrange(29 * 86400))
        session_id = f"session_{start:%Y%m%d_%H%M%S}_{index:08x}"
        events = session_events(rnd, start, totals)
        (folder / f"{session_id}.json").write_bytes(_render(session_id, start, events))
        ids.append(session_id)
    _check_against_core(directory / "data", ids[:: max(1, sessions // 20)])
    expected = {key: int(value) for key, value in totals.items()} | {"sessions": sessions}
    manifest.write_text(json.dumps(expected))  # written last: a cache without it is rebuilt
    log(f"  E: generated in {time.perf_counter() - started:.0f} s ({_size(folder) / 1e6:.0f} MB)")
    return directory / "data", expected


def _size(folder: Path) -> int:
    return sum(entry.stat().st_size for entry in os.scandir(folder))


# -- the workloads -----------------------------------------------------------------------------------
def old_approach(data_dir: Path) -> dict[str, Any]:
    """The baseline: ``json`` and a walk over the dicts, as the old analyzer read its files."""
    tasks: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    hours: Counter[int] = Counter()
    totals = {"tasks": 0, "succeeded": 0, "duration_us": 0, "commands": 0, "commands_failed": 0}
    for path in sorted((data_dir / "sessions").glob("*.json")):
        with path.open(encoding="utf-8") as handle:
            document = json.load(handle)
        for event in document.get("events", []):
            kind = event.get("kind")
            if kind == "task_completed":
                totals["tasks"] += 1
                tasks[event["task_id"]] += 1
                if event["success"]:
                    totals["succeeded"] += 1
                else:
                    failures[event["task_id"]] += 1
                totals["duration_us"] += round((event.get("duration") or 0) * 1_000_000)
                hours[datetime.fromisoformat(event["at"]).hour] += 1
            elif kind == "command_executed":
                totals["commands"] += 1
                totals["commands_failed"] += event["exit_code"] != 0
    return totals | {"top_task": tasks.most_common(1)[0][1] if tasks else 0}


def _workload_command(kind: str, data_dir: Path, output: Path) -> list[str]:
    if kind == "analyzer":
        return [
            str(ANALYZER),
            "--quiet",
            "--output",
            str(output),
            "--data-dir",
            str(data_dir),
            "--since",
            SINCE,
            "--now",
            NOW.isoformat(),
            "--tz",
            "Asia/Seoul",
        ]
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--workload",
        "baseline",
        str(data_dir),
        str(output),
    ]


def _measure_in_fresh_process(kind: str, data_dir: Path, output: Path) -> dict[str, float]:
    return measure_in_fresh_process(_workload_command(kind, data_dir, output), what=kind)


def _verify(kind: str, output: Path, expected: dict[str, int]) -> None:
    if kind == "analyzer":
        check_report(output, expected)
    else:
        report = orjson.loads(output.read_bytes())
        keys = ("tasks", "succeeded", "commands", "commands_failed", "duration_us")
        if any(report[key] != expected[key] for key in keys):
            raise RuntimeError(f"the baseline's totals are wrong: {report}")


# -- the benchmark -------------------------------------------------------------------------------------
def run(cfg: Config, *, regenerate: bool = False) -> list[Figure]:
    """Figures E1 (wall time), E2 (peak RSS) and E3 (CPU time) against the old approach."""
    sessions = cfg.size(SESSIONS, 500)
    data_dir, expected = dataset(sessions, regenerate=regenerate)
    reps = cfg.reps
    log(f"  E: session-analyze over {sessions:,} sessions / {expected['tasks'] * 4:,} events ({reps} reps)")
    samples: dict[str, list[dict[str, float]]] = {"analyzer": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="sessionkeeper-bench-analyzer-") as scratch:
        for rep in range(reps):
            order = ["analyzer", "baseline"] if rep % 2 == 0 else ["baseline", "analyzer"]
            for kind in order:
                output = Path(scratch) / f"{kind}-{rep}.json"
                samples[kind].append(_measure_in_fresh_process(kind, data_dir, output))
                _verify(kind, output, expected)
            log(
                f"     rep {rep + 1}: analyzer {samples['analyzer'][-1]['seconds']:.2f} s, "
                f"baseline {samples['baseline'][-1]['seconds']:.2f} s, load {os.getloadavg()[0]:.1f}"
            )

    def series(kind: str, key: str, scale: float = 1.0) -> tuple[float, ...]:
        return tuple(sample[key] / scale for sample in samples[kind])

    mb = 1 << 20
    figures = [
        ("S1", "session-analyze wall time (spawn to exit)", Kind.DURATION, "s", "seconds", 1.0),
        ("S2", "session-analyze peak RSS", Kind.DURATION, "MB", "rss", mb),
        ("S3", "session-analyze CPU time (user+sys)", Kind.DURATION, "s", "cpu", 1.0),
    ]
    targets = {
        "S1": Target.max_value(TARGET_SECONDS, f"<= {TARGET_SECONDS:g} s"),
        "S2": Target.max_value(TARGET_BYTES / mb, "<= 1,024 MB"),
        "S3": None,
    }
    note = f"{sessions:,} sessions, {expected['tasks'] * 4:,} events; baseline: json + dict walk"
    return [
        Figure(
            bench=bench,
            name=name,
            kind=kind,
            unit=unit,
            value=median(series("analyzer", key, scale)),
            baseline_name="old approach (json)",
            baseline=median(series("baseline", key, scale)),
            samples=series("analyzer", key, scale),
            baseline_samples=series("baseline", key, scale),
            target=targets[bench],
            note=note if bench == "S1" else "",
        )
        for bench, name, kind, unit, key, scale in figures
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each side (median reported)")
    parser.add_argument("--quick", action="store_true", help="500 sessions instead of 10,000")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached data set")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--workload", nargs=3, metavar=("KIND", "DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workload:  # the baseline itself, in its own process
        Path(args.workload[2]).write_text(json.dumps(old_approach(Path(args.workload[1]))))
        return 0
    cfg = Config(quick=args.quick, reps=max(1, args.reps), scratch_root=Path(tempfile.gettempdir()))
    before = machine()
    figures = run(cfg, regenerate=args.regenerate)
    after = machine()
    print()
    print(
        f"session-analyze at scale: medians of {cfg.reps} interleaved repetitions; load average "
        f"{before['loadavg'][0]:.2f} -> {after['loadavg'][0]:.2f} on {after['cpus']} CPUs"
    )
    print()
    print(render_table(figures))
    missed = [f.bench for f in figures if f.verdict == "MISS"]
    print()
    print("all targets met" if not missed else f"targets MISSED: {', '.join(missed)}")
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
