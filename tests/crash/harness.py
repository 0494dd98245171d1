"""Kill harness: SIGKILL writing processes at random moments and prove that nothing acknowledged is lost.

``python -m tests.crash.harness --kills N`` creates one session in a temporary data directory, then
N times: starts a real child process (:mod:`tests.crash.writer`) that resumes that same session and
writes SESSION, USER and APP values and events at full speed while checkpoints run constantly;
SIGKILLs it after a random delay; and checks, before anything else touches the files, that every
write the child acknowledged is there, with its value, in a session that loads. Every fourth round
(and at the end) a fresh :class:`SessionManager` also resumes or recovers the session, so later
children continue from state that was itself recovered.

With ``--writers W`` each round runs W children at once on the same session (disjoint keys), each
killed at its own random moment: crashes while other processes write, seal and compact.

The model is exact: a writer's operation ``seq`` is a pure function of ``seq``, sequence numbers
only grow, and each child writes from one thread, so after the kills the store must hold exactly
the acknowledged writes, plus at most the one operation per child that was in flight.

Prints exactly one line on stdout::

    kills N, acknowledged writes lost L, unreadable sessions U

details on stderr, and exits with status 1 if anything was lost, unreadable, damaged or unexpected.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sessionkeeper.core import (
    SessionkeeperError,
    SessionManager,
    StateScope,
    StorePaths,
    TaskStarted,
    app_store_paths,
    read_session,
    resolve_codec,
    session_paths,
    user_store_paths,
)
from sessionkeeper.core.model.values import decode_stored
from sessionkeeper.core.storage.documents import ScopeDocument, parse_scope_document
from sessionkeeper.core.storage.layout import snapshot_context
from sessionkeeper.core.storage.loader import LoadReport, load_store
from tests.crash.writer import MODES, SCOPES, Operation, lock_epoch, operation, value

REPO = Path(__file__).resolve().parents[2]
FULL_CHECK_EVERY = 4
START_TIMEOUT = 60.0
_MISSING: Any = object()
_SCOPE_ENUM = {"session": StateScope.SESSION, "user": StateScope.USER, "app": StateScope.APP}


@dataclass
class Model:
    """What the stores must hold: per key the last acknowledged seq; per writer its events in order."""

    prefixes: list[str]
    values: dict[str, dict[str, int]] = field(default_factory=lambda: {scope: {} for scope in SCOPES})
    events: dict[str, list[str]] = field(default_factory=dict)
    next_seq: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for prefix in self.prefixes:
            self.events.setdefault(prefix, [])
            self.next_seq.setdefault(prefix, 1)

    def apply(self, prefix: str, ops: Iterable[Operation]) -> None:
        for op in ops:
            if op.scope == "event":
                self.events[prefix].append(op.key)
            else:
                self.values[op.scope][op.key] = op.seq


@dataclass
class Stats:
    kills: int = 0
    lost: int = 0
    unreadable: int = 0
    damaged: int = 0
    unexpected: int = 0
    child_errors: int = 0
    acknowledged: int = 0
    values_checked: int = 0
    kills_during_checkpoint: int = 0
    kills_in_explicit_checkpoint: int = 0
    kills_sealed_not_snapshotted: int = 0
    kills_leaving_temp_files: int = 0
    kills_before_first_ack: int = 0
    torn_tails: int = 0
    inflight_persisted: int = 0
    full_recoveries: int = 0
    writers: int = 1
    elapsed: float = 0.0
    seed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.unreadable or self.damaged or self.unexpected or self.child_errors)

    def problem(self, text: str) -> None:
        self.problems.append(text)
        print(f"harness: {text}", file=sys.stderr)


@dataclass(frozen=True)
class Found:
    """The content of the session and the USER/APP stores as one loader saw it."""

    values: dict[str, dict[str, Any]]
    events: list[str]
    reports: list[LoadReport]


@dataclass
class Store:
    """One store's files, and the temp files already seen there (to tell new evidence from old)."""

    paths: StorePaths
    seen_temp_files: set[str] = field(default_factory=set)

    def snapshot_epoch(self) -> int:
        path = self.paths.snapshot
        try:  # opened with the codec the environment configures, like the writers'
            data = resolve_codec().open(path.read_bytes(), snapshot_context(self.paths.name), path.name)
            epoch = orjson.loads(data).get("journal_epoch", 0)
        except (OSError, orjson.JSONDecodeError, SessionkeeperError):
            return 0
        return epoch if isinstance(epoch, int) else 0

    def newest_epoch(self) -> int:
        """The highest epoch published in the lock file or present as a journal file."""
        return max([lock_epoch(self.paths.lock), *self.paths.journal_epochs()])

    def kill_evidence(self, opened: int | None) -> tuple[bool, bool]:
        """(a checkpoint sealed a journal and died before its snapshot, one left a new temp file).

        Every completed checkpoint leaves the snapshot covering the epoch just before the newest;
        a newer epoch than the last child opened at can only come from a seal.
        """
        snapshot, newest = self.snapshot_epoch(), self.newest_epoch()
        sealed = opened is not None and newest > opened and snapshot < newest - 1
        prefix = f".{self.paths.snapshot.name}"
        directory = self.paths.directory  # absent until the store's first write (USER opens lazily)
        names = [p.name for p in directory.iterdir()] if directory.exists() else []
        temp = {name for name in names if name.startswith(prefix)}
        fresh_temp = bool(temp - self.seen_temp_files)
        self.seen_temp_files = temp
        return sealed, fresh_temp


@dataclass
class ChildOutput:
    acks: list[Operation]
    opened: list[int] | None  # journal epochs of the session, USER and APP stores after resume()
    in_checkpoint: bool  # the last marker says the kill landed inside the writer's own checkpoint()


def read_output(path: Path, first: int, prefix: str) -> ChildOutput:
    """Parse a child's stdout: complete lines only (a line without its newline was not written)."""
    output = ChildOutput([], None, in_checkpoint=False)
    for line in path.read_bytes().decode().split("\n")[:-1]:
        if line in ("C", "c"):
            output.in_checkpoint = line == "C"
        elif line.startswith("opened "):
            output.opened = [int(word) for word in line.split()[1:]]
        else:
            seq_text, scope, key = line.split(" ")
            op = Operation(int(seq_text), scope, key)
            expected = operation(first + len(output.acks), prefix)
            if op != expected:  # a child acknowledges first, first+1, ... in order
                raise AssertionError(f"acknowledgement {line!r}, expected {expected}")
            output.acks.append(op)
    return output


def _scope_initial(doc: ScopeDocument) -> tuple[Mapping[str, Any], list[Any], int]:
    return doc.values, [], doc.journal_epoch


def read_only(data_dir: Path, user_dir: Path, session_id: str) -> Found:
    """Load everything without a lock and without changing a byte (what the CLI and readers do)."""
    view = read_session(data_dir, session_id)
    values = {"session": {key: decode_stored(stored) for key, stored in view.values.items()}}
    reports = [view.report]
    for scope, paths in (("user", user_store_paths(user_dir)), ("app", app_store_paths(data_dir))):
        parse = functools.partial(parse_scope_document, scope=scope)
        loaded = load_store(paths, parse, _scope_initial, codec=resolve_codec())
        values[scope] = {key: decode_stored(stored) for key, stored in loaded.values.items()}
        reports.append(loaded.report)
    events = [event.task_id for event in view.events() if isinstance(event, TaskStarted)]
    return Found(values, events, reports)


def recovered(data_dir: Path, user_dir: Path, session_id: str, use_recover: bool) -> Found:
    """Open the session with a fresh manager (``recover`` or ``resume``), as a program would."""
    manager = SessionManager(data_dir, user_dir, handle_signals=False)
    try:
        if use_recover:
            summary = manager.recover(session_id)
        else:
            manager.resume(session_id)
            loaded = manager.info().load
            assert loaded is not None
            summary = loaded
        values = {
            scope: {key: manager.get(key, enum) for key in manager.keys(enum)}
            for scope, enum in _SCOPE_ENUM.items()
        }
        events = [event.task_id for event in manager.events() if isinstance(event, TaskStarted)]
        report = LoadReport(summary.source, summary.journal_records, summary.warnings, summary.dropped)
        return Found(values, events, [report])
    finally:
        manager.stop()


def compare(found: Found, model: Model, inflight: dict[str, Operation], stats: Stats, label: str) -> set[str]:
    """Check ``found`` against the model; returns the writers whose in-flight operation was persisted."""
    persisted: set[str] = set()
    pending = {(op.scope, op.key): (prefix, op.seq) for prefix, op in inflight.items()}
    for scope in SCOPES:
        expected, got = model.values[scope], found.values[scope]
        for key in expected.keys() | got.keys():
            stats.values_checked += key in expected
            present = got.get(key, _MISSING)
            if key in expected and present == value(expected[key]):
                continue
            prefix, seq = pending.get((scope, key), ("", 0))
            if (scope, key) in pending and present == value(seq):
                persisted.add(prefix)
            elif key in expected:
                stats.lost += 1
                shown = "missing" if present is _MISSING else repr(present)[:60]
                stats.problem(f"{label}: LOST {scope} {key}: acknowledged seq {expected[key]}, found {shown}")
            else:
                stats.unexpected += 1
                stats.problem(f"{label}: UNEXPECTED {scope} {key} = {repr(present)[:60]}")
    for prefix, acked in model.events.items():
        mine = [task for task in found.events if task.startswith(f"{prefix}task-")]
        present = set(mine)
        missing = [task for task in acked if task not in present]
        if missing:
            stats.lost += len(missing)
            stats.problem(f"{label}: LOST {len(missing)} acknowledged event(s), first {missing[0]}")
        elif mine[: len(acked)] != acked:
            stats.unexpected += 1
            stats.problem(f"{label}: events of writer {prefix!r} out of order")
        extra = mine[len(acked) :]
        op = inflight[prefix]
        if op.scope == "event" and extra == [op.key]:
            persisted.add(prefix)
        elif extra:
            stats.unexpected += len(extra)
            stats.problem(f"{label}: UNEXPECTED events {extra[:3]}")
    for report in found.reports:
        if report.dropped:
            stats.damaged += 1
            stats.problem(f"{label}: load dropped data: {'; '.join(report.dropped)[:300]}")
        stats.torn_tails += sum("torn tail" in warning for warning in report.warnings)
    return persisted


@dataclass
class Child:
    prefix: str
    first: int
    proc: subprocess.Popen[bytes]
    out: Path
    err: Path


def spawn_writer(workdir: Path, session: tuple[Path, Path, str], prefix: str, first: int, mode: str) -> Child:
    data_dir, user_dir, session_id = session
    tag = prefix.rstrip(".") or "w"
    out, err = workdir / f"{tag}-stdout.txt", workdir / f"{tag}-stderr.txt"
    env = {k: v for k, v in os.environ.items() if k != "SESSIONKEEPER_FSYNC"}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.crash.writer",
                *map(str, (data_dir, user_dir, session_id, first)),
                mode,
                prefix,
            ],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    return Child(prefix, first, proc, out, err)


def wait_until_writing(children: list[Child], timeout: float) -> None:
    """Wait until every child has resumed the session (it printed something), or exited."""
    deadline = time.monotonic() + timeout
    for child in children:
        while child.out.stat().st_size == 0 and child.proc.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"child {child.proc.pid} did not start writing in {timeout:g} s")
            time.sleep(0.002)


def kill_at(children: list[Child], delays: list[float]) -> None:
    """SIGKILL each child at its own moment (seconds from now), then reap them all."""
    start = time.monotonic()
    for delay, child in sorted(zip(delays, children, strict=True), key=lambda pair: pair[0]):
        time.sleep(max(0.0, start + delay - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.proc.pid, signal.SIGKILL)
    for child in children:
        child.proc.wait(timeout=60)


def run(kills: int, writers: int, workdir: Path, rng: random.Random, stats: Stats) -> None:
    data_dir, user_dir = workdir / "RUNS", workdir / "user"
    creator = SessionManager(data_dir, user_dir, handle_signals=False)
    session_id = creator.start()
    creator.stop()
    session = (data_dir, user_dir, session_id)
    stores = [Store(session_paths(data_dir, session_id)), Store(user_store_paths(user_dir))]
    stores.append(Store(app_store_paths(data_dir)))
    prefixes = [""] if writers == 1 else [f"w{n}." for n in range(writers)]
    model = Model(prefixes)
    number = rounds = 0
    while number < kills:
        rounds += 1
        mode = rng.choices(MODES, weights=(35, 25, 20, 20))[0]
        from_spawn = rng.random() < 0.15
        children = [
            spawn_writer(workdir, session, prefix, model.next_seq[prefix], mode) for prefix in prefixes
        ]
        if from_spawn:  # lands in start-up, resume, recovery or writing
            delays = [rng.uniform(0.0, 0.5) for _ in children]
        else:
            wait_until_writing(children, START_TIMEOUT)
            delays = [rng.uniform(0.0, 0.08 if mode == "storm" else 0.12) for _ in children]
        kill_at(children, delays)
        number += len(children)
        stats.kills += len(children)
        label = f"round ending at kill {number} ({mode}{', from spawn' if from_spawn else ''})"

        outputs = {}
        for child in children:
            child_stderr = child.err.read_bytes().decode(errors="replace").strip()
            status = child.proc.returncode
            if status != -signal.SIGKILL or child_stderr:
                stats.child_errors += 1
                stats.problem(f"{label}: child exited with {status}; stderr: {child_stderr[-800:]}")
            output = read_output(child.out, child.first, child.prefix)
            outputs[child.prefix] = output
            stats.acknowledged += len(output.acks)
            stats.kills_before_first_ack += not output.acks
            stats.kills_in_explicit_checkpoint += output.in_checkpoint
            model.apply(child.prefix, output.acks)
        opened = [
            max(epochs) for epochs in zip(*(o.opened for o in outputs.values() if o.opened), strict=True)
        ]
        evidence = [
            store.kill_evidence(epoch) for store, epoch in zip(stores, opened or [None] * 3, strict=True)
        ]
        sealed, temp = any(e[0] for e in evidence), any(e[1] for e in evidence)
        stats.kills_sealed_not_snapshotted += sealed
        stats.kills_leaving_temp_files += temp
        stats.kills_during_checkpoint += sealed or temp or any(o.in_checkpoint for o in outputs.values())

        inflight = {}
        for child in children:
            acks = outputs[child.prefix].acks
            inflight[child.prefix] = operation(acks[-1].seq + 1 if acks else child.first, child.prefix)
        try:
            found = read_only(data_dir, user_dir, session_id)
        except (SessionkeeperError, OSError) as exc:
            stats.unreadable += 1
            stats.problem(f"{label}: session unreadable by read_session: {exc!r}")
            break
        persisted = compare(found, model, inflight, stats, f"{label}, read-only")
        if rounds % FULL_CHECK_EVERY == 0 or number >= kills:
            use_recover = rounds % (2 * FULL_CHECK_EVERY) == 0
            way = "recover" if use_recover else "resume"
            try:
                found = recovered(data_dir, user_dir, session_id, use_recover)
            except (SessionkeeperError, OSError) as exc:
                stats.unreadable += 1
                stats.problem(f"{label}: session could not be {way}d: {exc!r}")
                break
            stats.full_recoveries += 1
            if compare(found, model, inflight, stats, f"{label}, {way}") != persisted:
                stats.unexpected += 1
                stats.problem(f"{label}: read_session and {way} disagree about the in-flight writes")
        for prefix, op in inflight.items():
            if prefix in persisted:
                stats.inflight_persisted += 1
                model.apply(prefix, [op])
            model.next_seq[prefix] = op.seq + 1
        if stats.failed:
            break


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.crash.harness", description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="how many children to SIGKILL (default 200)")
    parser.add_argument("--writers", type=int, default=1, help="children writing the session at once")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one)")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--report", type=Path, default=None, help="write the statistics there as JSON")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    stats = Stats(seed=seed, writers=args.writers)
    workdir = args.dir if args.dir is not None else Path(tempfile.mkdtemp(prefix="sessionkeeper-crash-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        run(args.kills, args.writers, workdir, random.Random(seed), stats)
    finally:
        stats.elapsed = round(time.monotonic() - started, 1)
        if args.dir is None and not args.keep and not stats.failed:
            shutil.rmtree(workdir, ignore_errors=True)
    details = {k: v for k, v in asdict(stats).items() if k not in ("problems", "lost", "unreadable", "kills")}
    print(
        f"harness: {', '.join(f'{k} {v}' for k, v in details.items())}; work dir {workdir}", file=sys.stderr
    )
    if args.report is not None:
        args.report.write_text(json.dumps(asdict(stats), indent=2))
    print(
        f"kills {stats.kills}, acknowledged writes lost {stats.lost}, unreadable sessions {stats.unreadable}"
    )
    return 1 if stats.failed or stats.kills < args.kills else 0


if __name__ == "__main__":
    sys.exit(main())
