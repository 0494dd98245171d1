"""P. Sessionkeeper against the stores a user would pick instead, and against the physical floors (issue 14).

Every system runs in a process of its own (``_peer_worker.py``): a shared process would let one
system's objects slow another's garbage collector. The workers of one measure stay alive side by
side and the parent interleaves their repetitions (order rotated every repetition; only one
worker runs at a time), so load from elsewhere hits all of them alike. All values are realistic
(``_values.py``: small dicts of ~60 bytes of JSON, strings, lists), all stores hold 100k keys
(2k with ``--quick``). Each row's *median* is ours, its *baseline* the peer or floor, and
*ratio* = ours / theirs: below 1 means ours is faster (smaller, for disk).

Measures: a crash-safe update (ours with ``fsync=interval``, against lmdb sync=False, sqlite WAL
NORMAL, diskcache and the floors ``write()`` of the record, ``orjson.dumps``, and both); a
power-safe update (ours with ``fsync=always``, against sqlite WAL FULL, lmdb sync=True,
write+fdatasync on an appending file and pwrite+fdatasync into a preallocated file); reopening the
store and reading every key (ours: a snapshot + 100k journal records, as a crash leaves it; against
sqlite, lmdb, LangGraph's ``get_tuple``, ``orjson.loads`` of the same state, and the least work our
files need: ``floor-replay`` reads them with only their checksums checked), with the cold
``session info`` / ``session get`` on that session; a full checkpoint (against LangGraph's
SqliteSaver ``put`` of the whole state and orjson + an atomic write); disk after ``stop()``.

The crash check: for each store a child makes updates and SIGKILLs itself right after the last one
returns; a fresh process reopens the store and counts what survived. Its result labels each peer
(``kill -9: kept/written``) and is a row of its own; ours must keep everything (its documented
promise: a process crash loses nothing under any fsync policy).

Peers are optional: ``lmdb``, ``diskcache`` and ``langgraph-checkpoint-sqlite`` come with the
``bench`` hatch environment only. A peer that is not installed is reported as skipped, never as
an error.
"""

from __future__ import annotations

import functools
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from bench._harness import Config, Figure, Kind, Target, interleaved, log, median, scratch_dir, skip
from bench.cli_startup import _environment, _executables, _timed
from bench.core_set import count

__all__ = ["run"]

WORKER = Path(__file__).with_name("_peer_worker.py")

TARGET_VS_LMDB_NOSYNC = 1.0  # crash-safe set() faster than lmdb sync=False
TARGET_VS_FLOOR = 5.0  # ... and within 5x of write() + orjson.dumps
TARGET_ALWAYS_VS_APPEND = 0.7  # power-safe set() <= 0.7x write+fdatasync on an appending file
TARGET_VS_SYNCED_PEERS = 1.0  # ... "and so ahead of sqlite FULL and lmdb sync"
TARGET_REOPEN_VS_LOADS = 1.2
TARGET_CLI_SECONDS = 0.150
TARGET_CHECKPOINT_VS_ATOMIC = 1.1
TARGET_DISK_VS_SQLITE = 1.2
TARGET_COMPRESSED_JOURNAL_VS_PLAIN = 1.0  # "compressed journals smaller than plain ones"

LABELS = {
    "ours-interval": "ours, fsync=interval",
    "ours-always": "ours, fsync=always",
    "ours": "ours",
    "sqlite-normal": "sqlite WAL synchronous=NORMAL",
    "sqlite-full": "sqlite WAL synchronous=FULL",
    "lmdb-nosync": "lmdb sync=False",
    "lmdb-sync": "lmdb sync=True",
    "diskcache": "diskcache (defaults)",
    "langgraph": "LangGraph SqliteSaver",
    "floor-write": "floor: write() of the record",
    "floor-dumps": "floor: orjson.dumps of the value",
    "floor-dumps-write": "floor: orjson.dumps + write()",
    "floor-append-sync": "floor: write+fdatasync, appending",
    "floor-pwrite-sync": "floor: pwrite+fdatasync into fallocated space",
    "floor-loads": "floor: read + orjson.loads of the state",
    "floor-replay": "floor: our files, read with only their checksums checked",
    "floor-atomic": "floor: orjson.dumps + atomic write",
}


class Worker:
    """One system in its own process, driven line by line (see ``_peer_worker.py``)."""

    def __init__(self, system: str, scenario: str, directory: Path, params: Mapping[str, Any]) -> None:
        self.system = system
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), system, scenario, str(directory), orjson.dumps(params).decode()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        first = self._read()
        self.skipped: str | None = first.get("skipped")
        self.extra: list[float] = []  # the second figure of each repetition, when the scenario has one

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            self._stderr.seek(0)
            raise RuntimeError(
                f"{self.system} worker died ({self.proc.returncode}):\n{self._stderr.read().decode()}"
            )
        answer: dict[str, Any] = orjson.loads(line)
        return answer

    def _ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        self.proc.stdin.flush()
        return self._read()

    def sample(self) -> tuple[float, int]:
        """One repetition; returned as seconds per operation (one 'operation' for the harness)."""
        answer = self._ask("rep")
        if answer.get("extra") is not None:
            self.extra.append(float(answer["extra"]))
        return float(answer["elapsed"]) / int(answer["ops"]), 1

    def end(self) -> int:
        """Close the store; its bytes on disk."""
        disk = int(self._ask("end")["disk"])
        self.close()
        return disk

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()


_SKIPPED: set[str] = set()


def _skip_once(system: str, reason: str) -> None:
    if system not in _SKIPPED:
        _SKIPPED.add(system)
        skip(f"P: {LABELS[system]}: {reason}; its rows are left out (`hatch run bench:bench` has every peer)")


@dataclass
class Phase:
    """The result of one measure: seconds per operation per system, bytes on disk per system."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    disk: dict[str, int] = field(default_factory=dict)

    def has(self, system: str) -> bool:
        return system in self.samples


def _phase(
    cfg: Config, what: str, scenario: str, systems: Mapping[str, Mapping[str, Any]], keep: Sequence[str] = ()
) -> tuple[Phase, dict[str, Worker]]:
    """Start one worker per system (one after the other), interleave their repetitions.

    Workers named in ``keep`` are returned still running (their store untouched since the
    repetitions); the others are ended and their disk use recorded.
    """
    log(f"  P: {what}: {', '.join(systems)} ({cfg.reps} reps)")
    workers: dict[str, Worker] = {}
    phase = Phase()
    try:
        for system, params in systems.items():
            worker = Worker(system, scenario, Path(params["dir"]), params)
            if worker.skipped is not None:
                _skip_once(system, worker.skipped)
                worker.close()
                continue
            workers[system] = worker
        phase.samples = interleaved(
            cfg.reps, {name: worker.sample for name, worker in workers.items()}, Kind.DURATION
        )
        for name, worker in workers.items():
            if worker.extra:  # e.g. ours' reopen with get() of every key: a row of its own (P11b)
                phase.samples[f"{name}+extra"] = worker.extra
        for name in list(workers):
            if name not in keep:
                phase.disk[name] = workers.pop(name).end()
    except BaseException:
        for worker in workers.values():
            worker.close()
        raise
    return phase, workers


# -- the crash check -----------------------------------------------------------------------------------
def _crash_check(directory: Path, system: str, updates: int) -> tuple[int, int] | None:
    """(kept, written) after a SIGKILL right behind the last update; None when the peer is missing."""
    where = directory / f"crash-{system}"
    params = {"updates": updates}
    proc = subprocess.run(
        [sys.executable, str(WORKER), system, "crash", str(where), orjson.dumps(params).decode()],
        capture_output=True,
        check=False,
        timeout=600,
    )
    lines = proc.stdout.splitlines()
    first: dict[str, Any] = orjson.loads(lines[0]) if lines else {}
    if "skipped" in first:
        _skip_once(system, str(first["skipped"]))
        return None
    if proc.returncode != -signal.SIGKILL or not first.get("ready"):
        raise RuntimeError(f"{system} crash child ended with {proc.returncode}:\n{proc.stderr.decode()}")
    counted = subprocess.run(
        [
            sys.executable,
            str(WORKER),
            system,
            "count",
            str(where),
            orjson.dumps({**params, "session_id": first.get("session_id")}).decode(),
        ],
        capture_output=True,
        check=False,
        timeout=600,
    )
    if counted.returncode != 0:
        raise RuntimeError(f"{system} could not be reopened after the crash:\n{counted.stderr.decode()}")
    return int(orjson.loads(counted.stdout.splitlines()[-1])["kept"]), updates


def _crash_rows(directory: Path, updates: int) -> tuple[list[Figure], dict[str, str]]:
    systems = (
        "ours-interval",
        "ours-always",
        "sqlite-normal",
        "sqlite-full",
        "lmdb-nosync",
        "lmdb-sync",
        "diskcache",
        "langgraph",
    )
    log(f"  P: crash check: {updates} updates, then SIGKILL, per store")
    figures: list[Figure] = []
    labels: dict[str, str] = {}
    for number, system in enumerate(systems, start=1):
        written_updates = updates // 5 if system == "langgraph" else updates  # each put is the whole state
        result = _crash_check(directory, system, written_updates)
        if result is None:
            continue
        kept, written = result
        labels[system] = (
            f"kill -9: {kept}/{written} kept" if kept == written else f"kill -9: LOST {written - kept}"
        )
        ours = system.startswith("ours")
        figures.append(
            Figure(
                bench=f"PK{number}",
                name=f"crash check: {LABELS[system]}",
                kind=Kind.RATE,
                unit="kept",
                value=kept,
                baseline_name="updates returned before SIGKILL",
                baseline=written,
                samples=(kept,),
                baseline_samples=(written,),
                target=Target.min_ratio(1.0) if ours else None,
                note=""
                if number > 1
                else "a child SIGKILLs itself right after its last update returns; "
                "a fresh process reopens the store and counts the updates that came back intact",
            )
        )
    return figures, labels


# -- rows ----------------------------------------------------------------------------------------------
@dataclass
class Rows:
    figures: list[Figure] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def compare(
        self,
        bench: str,
        name: str,
        phase: Phase,
        ours: str,
        peer: str,
        target: Target | None = None,
        note: str = "",
        unit: str = "s",
    ) -> None:
        """One row: ours (median) against one peer or floor (baseline) of the same phase."""
        if not (phase.has(ours) and phase.has(peer)):
            return  # skipped (already reported)
        label = LABELS[peer] + (f" [{self.labels[peer]}]" if peer in self.labels else "")
        self.figures.append(
            Figure(
                bench=bench,
                name=name,
                kind=Kind.DURATION,
                unit=unit,
                value=median(phase.samples[ours]),
                baseline_name=label,
                baseline=median(phase.samples[peer]),
                samples=tuple(phase.samples[ours]),
                baseline_samples=tuple(phase.samples[peer]),
                target=target,
                note=note,
            )
        )

    def disk(self, bench: str, name: str, phase: Phase, peer: str, target: Target | None = None) -> None:
        if not ("ours" in phase.disk and peer in phase.disk):
            return
        label = LABELS[peer].replace("read + orjson.loads of the state", "plain JSON file")
        self.figures.append(_megabytes(bench, name, phase.disk["ours"], label, phase.disk[peer], target))


def _megabytes(
    bench: str, name: str, ours: int, label: str, theirs: int, target: Target | None, note: str = ""
) -> Figure:
    """A row of sizes on disk: ours against a baseline's, in bytes (one measurement each)."""
    return Figure(
        bench=bench,
        name=name,
        kind=Kind.DURATION,
        unit="MB",
        value=ours / 1e6,
        baseline_name=label,
        baseline=theirs / 1e6,
        samples=(ours / 1e6,),
        baseline_samples=(theirs / 1e6,),
        target=target,
        note=note,
    )


def _journal_row(directory: Path, n_keys: int) -> Figure:
    """The journals a crash leaves (n sets, a checkpoint, n updates) under the zstd codec against
    the same journals plain: each record is compressed on its own (against the journal's
    dictionary once 8 KiB are written), and the goal is that they are smaller."""
    import os

    from bench._build_resume import build_in_child

    sizes: dict[str, int] = {}
    for codec, settings in (("plain", {}), ("zstd", {"SESSIONKEEPER_COMPRESSION": "zstd"})):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIONKEEPER_")} | settings
        data_dir = directory / f"journal-{codec}" / "data"
        session_id = build_in_child(data_dir, data_dir.parent / "user", n_keys, n_keys, env)
        journals = (data_dir / "sessions" / f"{session_id}.d").glob("*.journal")
        sizes[codec] = sum(path.stat().st_size for path in journals)
    return _megabytes(
        "P20",
        f"journals of {count(n_keys)} sets + {count(n_keys)} updates, zstd",
        sizes["zstd"],
        "the same journals, plain",
        sizes["plain"],
        Target.max_ratio(TARGET_COMPRESSED_JOURNAL_VS_PLAIN),
        "every record compressed (and sealed) on its own, against the journal's dictionary",
    )


def _cli_rows(cfg: Config, session_dir: Path, n_keys: int) -> list[Figure]:
    """Cold ``session info`` and ``session get`` on the reopen measure's session (snapshot + journal)."""
    python, session = _executables()
    env = _environment(session_dir)
    commands = {
        "baseline": [python, "-c", "pass"],
        "info": [session, "info"],
        "get": [session, "get", "key:0000001"],
    }
    for command in commands.values():
        for _ in range(2):
            _timed(command, env)
    log(f"  P: cold `session info` / `session get` on {count(n_keys)} keys + journal ({cfg.reps} reps)")
    seconds = interleaved(
        cfg.reps,
        {name: functools.partial(_timed, command, env) for name, command in commands.items()},
        Kind.DURATION,
    )
    target = Target.max_value(TARGET_CLI_SECONDS, f"<= {TARGET_CLI_SECONDS * 1000:.0f} ms")
    return [
        Figure(
            bench=bench,
            name=f"cold: session {name}, {count(n_keys)} keys + {count(n_keys)} journal",
            kind=Kind.DURATION,
            unit="s",
            value=median(seconds[name]),
            baseline_name="python -c pass",
            baseline=median(seconds["baseline"]),
            samples=tuple(seconds[name]),
            baseline_samples=tuple(seconds["baseline"]),
            target=target,
        )
        for bench, name in (("P13", "info"), ("P14", "get"))
    ]


def run(cfg: Config) -> list[Figure]:
    n_keys = cfg.size(100_000, 2_000)
    fast_ops = cfg.size(10_000, 500)  # updates per repetition, crash-safe
    synced_ops = cfg.size(1_000, 50)  # updates per repetition, power-safe (each waits for the disk)
    crash_updates = cfg.size(1_000, 100)
    size = count(n_keys)
    rows = Rows()
    with scratch_dir(cfg, "peers") as directory:

        def systems(names: Sequence[str], scenario: str, **params: Any) -> dict[str, dict[str, Any]]:
            return {
                name: {"dir": str(directory / f"{scenario}-{name}"), "keys": n_keys, **params}
                for name in names
            }

        crash_figures, rows.labels = _crash_rows(directory, crash_updates)

        fast, _ = _phase(
            cfg,
            f"crash-safe update at {size} keys",
            "update",
            systems(
                (
                    "ours-interval",
                    "lmdb-nosync",
                    "sqlite-normal",
                    "diskcache",
                    "floor-dumps-write",
                    "floor-write",
                    "floor-dumps",
                ),
                "update",
                ops=fast_ops,
            ),
        )
        name = f"update, crash-safe, {size} keys"
        note = (
            f"per update; {fast_ops:,} updates of random existing keys per repetition, new values each time"
        )
        rows.compare(
            "P1", name, fast, "ours-interval", "lmdb-nosync", Target.max_ratio(TARGET_VS_LMDB_NOSYNC), note
        )
        rows.compare("P2", name, fast, "ours-interval", "sqlite-normal")
        rows.compare("P3", name, fast, "ours-interval", "diskcache")
        rows.compare(
            "P4", name, fast, "ours-interval", "floor-dumps-write", Target.max_ratio(TARGET_VS_FLOOR)
        )
        rows.compare("P5", name, fast, "ours-interval", "floor-write")
        rows.compare("P6", name, fast, "ours-interval", "floor-dumps")

        synced, _ = _phase(
            cfg,
            f"power-safe update at {size} keys",
            "update",
            systems(
                ("ours-always", "floor-append-sync", "floor-pwrite-sync", "sqlite-full", "lmdb-sync"),
                "update",
                ops=synced_ops,
            ),
        )
        name = f"update, power-safe, {size} keys"
        note = f"per update; {synced_ops:,} updates per repetition, each durable on return"
        rows.compare(
            "P7",
            name,
            synced,
            "ours-always",
            "floor-append-sync",
            Target.max_ratio(TARGET_ALWAYS_VS_APPEND),
            note,
        )
        rows.compare("P8", name, synced, "ours-always", "floor-pwrite-sync")
        rows.compare(
            "P9", name, synced, "ours-always", "sqlite-full", Target.max_ratio(TARGET_VS_SYNCED_PEERS)
        )
        rows.compare(
            "P10", name, synced, "ours-always", "lmdb-sync", Target.max_ratio(TARGET_VS_SYNCED_PEERS)
        )

        reopen, kept = _phase(
            cfg,
            f"reopen and read every key ({size} keys + {size} updates)",
            "reopen",
            systems(
                ("ours", "floor-loads", "floor-replay", "sqlite-normal", "lmdb-nosync", "langgraph"), "reopen"
            ),
            keep=("ours",),
        )
        cli: list[Figure] = []
        if "ours" in kept:
            try:
                cli = _cli_rows(cfg, directory / "reopen-ours", n_keys)
            finally:
                reopen.disk["ours"] = kept["ours"].end()
        name = f"reopen + read every key, {size}"
        note = (
            f"ours: SessionManager() + resume() of a snapshot + {n_keys:,} journal records (every value "
            "decoded in memory); peers: open, read and decode every value"
        )
        rows.compare(
            "P11", name, reopen, "ours", "floor-loads", Target.max_ratio(TARGET_REOPEN_VS_LOADS), note
        )
        rows.compare(
            "P11b",
            f"reopen + get() of every key, {size}",
            reopen,
            "ours+extra",
            "floor-loads",
            note="P11's resume() followed by get() of every key (each get() returns a fresh copy)",
        )
        rows.compare(
            "P11c",
            name,
            reopen,
            "ours",
            "floor-replay",
            note="ours against the least work its files need: every value decoded, every CRC checked",
        )
        rows.compare(
            "P11d",
            "floor: our files against the state as one JSON file",
            reopen,
            "floor-replay",
            "floor-loads",
            note="what P11's ratio can be at best with a snapshot + 100k journal records to read",
        )
        rows.compare("P12a", name, reopen, "ours", "sqlite-normal")
        rows.compare("P12b", name, reopen, "ours", "lmdb-nosync")
        rows.compare(
            "P12c", name, reopen, "ours", "langgraph", note="LangGraph: get_tuple() of the latest checkpoint"
        )
        rows.figures += cli

        checkpoint, _ = _phase(
            cfg,
            f"full checkpoint of {size} keys",
            "checkpoint",
            systems(("ours", "floor-atomic", "langgraph"), "checkpoint"),
        )
        name = f"full checkpoint, {size} keys"
        note = f"each after {n_keys:,} untimed updates of random keys"
        rows.compare(
            "P15",
            name,
            checkpoint,
            "ours",
            "floor-atomic",
            Target.max_ratio(TARGET_CHECKPOINT_VS_ATOMIC),
            note,
        )
        rows.compare("P16", name, checkpoint, "ours", "langgraph", note="LangGraph: put() of the whole state")

        name = f"disk after stop(), {size} keys"
        rows.disk("P17", name, reopen, "sqlite-normal", Target.max_ratio(TARGET_DISK_VS_SQLITE))
        rows.disk("P18", name, reopen, "lmdb-nosync")
        rows.disk("P19", name, reopen, "floor-loads")
        rows.figures.append(_journal_row(directory, n_keys))
    return rows.figures + crash_figures
