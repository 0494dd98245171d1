"""Integrity fuzzing: damage every kind of file core writes; nothing wrong may come back as data.

Used by ``tests/integrity/test_bitflips.py`` (a few hundred trials) and by
``bench/integrity_fuzz.py`` (thousands). One *world* per codec is built with the public API, by
real processes that die without saving (so journals hold records no snapshot has yet):

* ``RUNS/``: session A (snapshot, ``.bak``, journals) and session B (the same layout, other
  values), and the APP store; ``user/``: the USER store. A's workload has three phases: phase 1,
  checkpoint, phase 2, checkpoint, phase 3, killed. So the snapshot holds phase 2, the backup
  phase 1, and the last journal phase 3, in every store. A writes with ``fsync="always"`` under
  half of the codecs (:data:`IN_PLACE_CODECS`), so its journals (and USER/APP's) are written in
  place (space reserved ahead, zeros after the last record); everywhere else they are appended to;
* ``other/``: another project and user (the same workload, other values), whose APP and USER files
  (scope files, journals, identity files) are "files of the same kind from another store";
* ``exports/``: ``export_session`` of A and of B; ``keys/``: a key file holding the key the world
  is encrypted with (``session key new`` writes it with the same ``write_key_file``) and another one.

A *trial* copies the world, damages one file (:data:`DAMAGES`: one flipped bit, a truncation, a
zeroed range, a splice of the first part of this file and the rest of another file of the same
kind, or that other file swapped in), then loads through the public API: read-only first
(``read_session``, ``read_scope``, ``verify_store``, ``import_session``, ``read_key_file``), then
as a writer (``SessionManager.resume``/``recover``, or ``start`` for USER/APP, then a checkpoint).

What counts (per file kind x codec x damage kind):

* **accepted**: something came back as data that was never written to that store. Precisely: for
  a damaged *document* (snapshot, backup, USER/APP scope file, export) the values must be exactly
  one acknowledged state of the store: the state at a phase boundary (as of the backup, as of the
  snapshot, or everything), the events a prefix of the recorded ones at a phase boundary, the
  USER/APP copies in a session snapshot likewise, and the session id and start time the ones
  written. For a damaged *journal* (records are checked one by one, and dropping a damaged record
  is the documented behaviour) every value must be a value acknowledged for that key and every
  event a recorded one, in order. Losing data (an older state, a missing key) is not acceptance.
  For an export, the states of the export(s) the damaged bytes came from are the acknowledged ones
  (an intact export of B is B's data, wherever it is imported); for a key file, the keys written.
* **errors**: an exception that is not a documented ``SessionkeeperError`` (a traceback).
* **touched**: a read-only path changed or created a file; a writer changed a file of a store it
  did not open, or made a damaged snapshot its backup (after resume + checkpoint the ``.bak`` must
  be one of the store's original good files, or damaged bytes that still decode to exactly the
  original document: a few bits of a zstd frame are slack); a failed load changed a stored file.
* **detected** (information): the read-only load raised a ``SessionkeeperError`` or reported
  damage (``report.dropped``/``warnings``); **verify ok** (information): ``verify_store`` found
  nothing wrong with the damaged store.

Only files this Sessionkeeper writes are damaged: the old tool's files (no ``format_version``)
carry no checksum and are out of scope. Damage positions are seeded (``random.Random``); the bytes
they hit differ between runs (nonces, session ids and times are fresh each time).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sessionkeeper.core import (
    CommandExecuted,
    Event,
    Key,
    SessionkeeperError,
    SessionManager,
    StateScope,
    StorePaths,
    TaskCompleted,
    TaskStarted,
    app_store_paths,
    export_session,
    import_session,
    read_key_file,
    read_scope,
    read_session,
    resolve_codec,
    session_paths,
    user_store_paths,
    verify_store,
    write_key_file,
)
from sessionkeeper.core.model.values import decode_stored
from sessionkeeper.core.storage.layout import snapshot_context
from sessionkeeper.core.storage.locks import read_end_in_place

__all__ = [
    "DAMAGES",
    "KINDS",
    "Tally",
    "World",
    "build_world",
    "kinds_for",
    "render_table",
    "run_trials",
]

REPO = Path(__file__).resolve().parents[2]
KINDS = (
    "snapshot",
    "backup",
    "journal",
    "app.json",
    "app journal",
    "user.json",
    "user journal",
    "app identity",
    "user identity",
    "export",
    "key file",
)
DAMAGES = ("bitflip", "truncate", "zero", "splice", "swap")
_SCOPES = {"session": StateScope.SESSION, "user": StateScope.USER, "app": StateScope.APP}
_KEY_VARIABLES = ("SESSIONKEEPER_KEY", "SESSIONKEEPER_KEY_FILE", "SESSIONKEEPER_PASSPHRASE")
_MISSING: Any = object()

Op = tuple[Any, ...]  # ("set", scope, key, value) | ("delete", scope, key) | ("event", event)

# The codecs under which A's journals are written in place: both kinds of journal are damaged,
# plain and sealed.
IN_PLACE_CODECS = ("plain", "zstd-aes")


# -- the workload ------------------------------------------------------------------------------------


def phases(variant: str, *, shared: bool) -> list[list[Op]]:
    """What a writer does, phase by phase (checkpoints between phases): realistic values of every
    supported kind; ``variant`` ("a", "b", "c") makes every value its own; ``shared``: USER and APP too."""
    n = "abc".index(variant) + 1
    base = datetime(2024, 5, 17, 9, 30, tzinfo=UTC) + timedelta(days=n)
    one: list[Op] = [
        ("set", "session", "count", f"{n}000"),
        (
            "set",
            "session",
            "config",
            {
                "retries": 3,
                "hosts": [f"alpha-{variant}.example", "beta.example"],
                "limits": {"cpu": 0.5, "mem": f"{512 * n}M", "nested": {"deep": [1, 2, {"x": variant}]}},
            },
        ),
        ("set", "session", "started", base),
        ("set", "session", "tasks", ["setup", f"database-{variant}"]),
        ("set", "session", "flag", True),
        ("set", "session", "note", f"다음 단계: 배포 ({variant})"),
        ("event", TaskStarted(task_id=f"FEAT-{n}00", title="인증", at=base, id=f"{variant}-event-1")),
    ]
    two: list[Op] = [
        ("set", "session", "count", f"{n}001"),
        ("set", "session", "tasks", ["setup", f"database-{variant}", "auth"]),
        ("delete", "session", "flag"),
        ("set", "session", "coverage", Decimal(f"8{n}.5")),
        ("set", "session", "due", date(2024, 6, n)),
        (
            "event",
            CommandExecuted(
                command=f"pytest -q tests/{variant}",
                exit_code=0,
                duration=2.5,
                at=base + timedelta(minutes=5),
                id=f"{variant}-event-2",
            ),
        ),
    ]
    three: list[Op] = [
        ("set", "session", "count", f"{n}002"),
        ("set", "session", "count", f"{n}003"),
        ("set", "session", "config", {"retries": 4, "hosts": [f"gamma-{variant}.example"], "limits": {}}),
        ("set", "session", "window", (base, base + timedelta(hours=8))),
        ("set", "session", "files", {f"src/{variant}.py", "README.md"}),
        (
            "event",
            TaskCompleted(
                task_id=f"FEAT-{n}00",
                success=False,
                error=f"assertion failed in {variant}",
                at=base + timedelta(minutes=9),
                id=f"{variant}-event-3",
            ),
        ),
    ]
    if shared:
        one += [
            ("set", "user", "theme", f"dark-{variant}"),
            ("set", "user", "recent", [f"{variant}/main.py", "README.md"]),
            ("set", "user", "shell", f"zsh-{variant}"),  # set once: later journals never overwrite it
            ("set", "app", "project", f"kit-{variant}"),
            ("set", "app", "version", f"{n}.0.0"),
            ("set", "app", "license", f"MIT-{variant}"),
        ]
        two += [
            ("set", "user", "theme", f"light-{variant}"),
            ("set", "user", "opened", base + timedelta(hours=1)),
            ("set", "app", "constitution", {"articles": 13 + n, "amended": [date(2024, 1, n)]}),
            ("set", "app", "version", f"{n}.0.1"),
        ]
        three += [
            ("set", "user", "recent", [f"{variant}/tests.py"]),
            ("delete", "user", "opened"),
            ("set", "app", "version", f"{n}.1.0"),
            ("set", "app", "owners", [f"team-{variant}", "ops"]),
        ]
        # Enough for APP's last journal to pass 8 KiB, so that under zstd it carries a compression
        # dictionary (two "Z" records) and records compressed against it: damaged too.
        three += [
            ("set", "app", f"bulk:{i:03d}", {"task": f"{variant}-{i}", "ok": i % 3 > 0, "secs": i / 8})
            for i in range(120)
        ]
    return [one, two, three]


def run_workload(data_dir: str, user_dir: str, variant: str, shared: bool, fsync: str = "never") -> str:
    """Run the phases with checkpoints between them (in a child process, which then dies)."""
    manager = SessionManager(data_dir, user_dir, handle_signals=False, fsync=fsync)
    session_id = manager.start()
    all_phases = phases(variant, shared=shared)
    for number, ops in enumerate(all_phases):
        for op in ops:
            if op[0] == "set":
                manager.set(op[2], op[3], _SCOPES[op[1]])
            elif op[0] == "delete":
                assert manager.delete(op[2], _SCOPES[op[1]])
            else:
                manager.record(op[1])
        if number < len(all_phases) - 1:
            assert manager.checkpoint()
    return session_id


_CHILD = """
import os, sys
from tests.integrity.fuzz import run_workload
print(run_workload(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "shared", sys.argv[5]), flush=True)
os._exit(0)  # killed: no stop(), no final checkpoint; phase 3 is in the journals only
"""


def _crashed_writer(data_dir: Path, user_dir: Path, variant: str, shared: bool, fsync: str = "never") -> str:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            str(data_dir),
            str(user_dir),
            variant,
            "shared" if shared else "own",
            fsync,
        ],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the workload child failed: {proc.stderr[-2000:]}")
    return proc.stdout.strip()


# -- what was acknowledged ----------------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types, all the way down (``1 == 1.0 == True`` is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@dataclass
class History:
    """A store's acknowledged states at phase boundaries, and every value each key ever had."""

    states: list[dict[str, Any]] = field(default_factory=lambda: [{}])
    events: list[list[Event]] = field(default_factory=lambda: [[]])
    written: dict[str, list[Any]] = field(default_factory=dict)
    recorded: list[Event] = field(default_factory=list)

    def apply(self, ops: Iterable[Op], scope: str) -> None:
        state, events = dict(self.states[-1]), list(self.events[-1])
        for op in ops:
            if op[0] == "event":
                if scope == "session":
                    events.append(op[1])
                    self.recorded.append(op[1])
            elif op[1] == scope:
                if op[0] == "set":
                    state[op[2]] = op[3]
                    self.written.setdefault(op[2], []).append(op[3])
                else:
                    state.pop(op[2], None)
        self.states.append(state)
        self.events.append(events)

    def values_problems(self, found: Mapping[str, Any], whole: bool, what: str) -> list[str]:
        if whole:
            if any(_same_state(found, state) for state in self.states):
                return []
            return [f"{what}: values {_short(found)} are no acknowledged state"]
        problems = []
        for key, value in found.items():
            if not any(same(value, written) for written in self.written.get(key, [])):
                problems.append(f"{what}: {key!r} = {_short(value)} was never written")
        return problems

    def events_problems(self, found: Sequence[Event], whole: bool, what: str) -> list[str]:
        if whole:
            if any(list(found) == events for events in self.events):
                return []
            return [f"{what}: events {_short(found)} are no acknowledged event log"]
        position = 0
        for event in found:  # a subsequence of what was recorded, in order
            while position < len(self.recorded) and self.recorded[position] != event:
                position += 1
            if position == len(self.recorded):
                return [f"{what}: event {_short(event)} was never recorded (or is out of order)"]
            position += 1
        return []


def _same_state(found: Mapping[str, Any], state: Mapping[str, Any]) -> bool:
    return found.keys() == state.keys() and all(same(found[k], state[k]) for k in found)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def history(variant: str, shared: bool, scope: str) -> History:
    result = History()
    for ops in phases(variant, shared=shared):
        result.apply(ops, scope)
    return result


# -- the world -----------------------------------------------------------------------------------------


@dataclass
class World:
    """The stores, exports and key files of one codec, built once and copied for every trial."""

    root: Path
    codec: str
    encrypted: bool
    a: str  # session ids
    b: str
    c: str
    started: dict[str, datetime | None]  # as read back from the intact files
    session: History
    b_session: History
    user: History
    app: History
    originals: dict[str, bytes]  # kind -> the good bytes of the file damaged for that kind

    def __repr__(self) -> str:
        return f"World({self.codec!r}, {self.root})"

    def paths(self, root: Path) -> dict[str, StorePaths]:
        return {
            "session": session_paths(root / "RUNS", self.a),
            "b": session_paths(root / "RUNS", self.b),
            "app": app_store_paths(root / "RUNS"),
            "user": user_store_paths(root / "user"),
            "other app": app_store_paths(root / "other" / "RUNS"),
            "other user": user_store_paths(root / "other" / "user"),
        }

    def files(self, kind: str, root: Path) -> tuple[Path, Path]:
        """The file a trial of ``kind`` damages, and the file of the same kind from elsewhere."""
        stores = self.paths(root)
        if kind == "snapshot":
            return stores["session"].snapshot, stores["b"].snapshot
        if kind == "backup":
            return stores["session"].backup, stores["b"].backup
        if kind == "journal":
            return _last_journal(stores["session"]), _last_journal(stores["b"])
        if kind in ("app.json", "user.json"):
            name = store_of(kind)
            return stores[name].snapshot, stores[f"other {name}"].snapshot
        if kind in ("app journal", "user journal"):
            name = store_of(kind)
            return _last_journal(stores[name]), _last_journal(stores[f"other {name}"])
        if kind in ("app identity", "user identity"):
            name = store_of(kind)
            return stores[name].identity, stores[f"other {name}"].identity
        if kind == "export":
            return root / "exports" / "a.export", root / "exports" / "b.export"
        if kind == "key file":
            return root / "keys" / "key", root / "keys" / "other-key"
        raise ValueError(kind)


def store_of(kind: str) -> str:
    """The store a file kind belongs to: "session", "app" or "user" (exports and keys: "")."""
    if kind in ("snapshot", "backup", "journal"):
        return "session"
    for scope in ("app", "user"):
        if kind.startswith(scope):
            return scope
    return ""


def _last_journal(paths: StorePaths) -> Path:
    return paths.journal(paths.journal_epochs()[-1])


def kinds_for(codec_encrypted: bool) -> tuple[str, ...]:
    """Key files exist only where encryption is on."""
    return KINDS if codec_encrypted else KINDS[:-1]


def _key_material(name: str) -> bytes:
    return hashlib.sha256(b"sessionkeeper integrity fuzz " + name.encode()).digest()


def build_world(root: Path, codec: str) -> World:
    """Build the world under ``root`` with the codec the environment configures."""
    encrypted = resolve_codec().settings.cipher is not None
    runs, user = root / "RUNS", root / "user"
    b = _crashed_writer(runs, user, "b", shared=False)  # SESSION only: USER/APP hold A's history
    c = _crashed_writer(root / "other" / "RUNS", root / "other" / "user", "c", shared=True)
    in_place = codec in IN_PLACE_CODECS
    a = _crashed_writer(runs, user, "a", shared=True, fsync="always" if in_place else "never")
    exports = root / "exports"
    exports.mkdir(mode=0o700)
    for name, session_id in (("a", a), ("b", b)):
        (exports / f"{name}.export").write_bytes(export_session(runs, session_id))
    if encrypted:
        configured = os.environ["SESSIONKEEPER_KEY"]
        write_key_file(root / "keys" / "key", [Key.from_material(base64.b64decode(configured))])
        write_key_file(root / "keys" / "other-key", [Key.from_material(_key_material("other"))])
    started = {sid: read_session(runs, sid).started_at for sid in (a, b)}
    world = World(
        root=root,
        codec=codec,
        encrypted=encrypted,
        a=a,
        b=b,
        c=c,
        started=started,
        session=history("a", True, "session"),
        b_session=history("b", False, "session"),
        user=history("a", True, "user"),
        app=history("a", True, "app"),
        originals={},
    )
    for kind in kinds_for(encrypted):
        target, other = world.files(kind, root)
        world.originals[kind] = target.read_bytes()
        assert other.read_bytes() != world.originals[kind], kind
    # The world is what it claims: every store has a snapshot, a backup and a journal with records.
    for store in ("session", "b", "app", "user", "other app", "other user"):
        paths = world.paths(root)[store]
        assert paths.snapshot.exists(), store
        assert paths.backup.exists(), store
    for store in ("session", "app", "user"):  # A's journals: written in place, or appended to
        paths = world.paths(root)[store]
        assert (read_end_in_place(paths.lock, paths.journal_epochs()[-1]) is not None) == in_place, store
    return world


# -- damage ----------------------------------------------------------------------------------------------


def _bitflip(data: bytes, other: bytes, rng: random.Random) -> bytes:
    bit = rng.randrange(len(data) * 8)
    damaged = bytearray(data)
    damaged[bit // 8] ^= 1 << (bit % 8)
    return bytes(damaged)


def _truncate(data: bytes, other: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def _zero(data: bytes, other: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    length = rng.randint(1, min(64, len(data) - start))
    return data[:start] + bytes(length) + data[start + length :]


def _splice(data: bytes, other: bytes, rng: random.Random) -> bytes:
    cut = rng.randrange(1, min(len(data), len(other)))
    return data[:cut] + other[cut:]


def _swap(data: bytes, other: bytes, rng: random.Random) -> bytes:
    return other


DAMAGERS: dict[str, Callable[[bytes, bytes, random.Random], bytes]] = {
    "bitflip": _bitflip,
    "truncate": _truncate,
    "zero": _zero,
    "splice": _splice,
    "swap": _swap,
}


# -- trials ----------------------------------------------------------------------------------------------


@dataclass
class Tally:
    trials: int = 0
    accepted: int = 0
    errors: int = 0
    touched: int = 0
    detected: int = 0
    verify_ok: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.trials += 1
        self.accepted += bool(outcome.accepted)
        self.errors += bool(outcome.errors)
        self.touched += bool(outcome.touched)
        self.detected += outcome.detected
        self.verify_ok += outcome.verify_ok
        if len(self.examples) < 3:
            self.examples += [f"{outcome.label}: {line}" for line in outcome.problems()[:1]]

    @property
    def bad(self) -> int:
        return self.accepted + self.errors + self.touched


@dataclass
class Outcome:
    label: str
    accepted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)
    detected: bool = False  # the read-only load raised a documented error or reported damage
    verify_ok: bool = False

    def problems(self) -> list[str]:
        return (
            [f"ACCEPTED {line}" for line in self.accepted]
            + [f"ERROR {line}" for line in self.errors]
            + [f"TOUCHED {line}" for line in self.touched]
        )

    @contextlib.contextmanager
    def guarded(self, what: str) -> Iterator[None]:
        """Run a load: a documented error is a rejection, anything else a traceback (an error)."""
        try:
            yield
        except SessionkeeperError:
            self.detected = True
        except Exception as exc:
            self.errors.append(f"{what} raised {type(exc).__module__}.{type(exc).__qualname__}: {exc}"[:300])


def _tree(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _stored(paths: StorePaths) -> dict[str, bytes]:
    """A store's snapshot, backup and journals."""
    files = [paths.snapshot, paths.backup, *(paths.journal(e) for e in paths.journal_epochs())]
    return {path.name: path.read_bytes() for path in files if path.exists()}


@contextlib.contextmanager
def _key_file_environment(path: Path) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in _KEY_VARIABLES}
    for name in _KEY_VARIABLES:
        os.environ.pop(name, None)
    os.environ["SESSIONKEEPER_KEY_FILE"] = str(path)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _judge_view(world: World, view: Any, outcome: Outcome, whole: bool, sources: Sequence[str]) -> None:
    """A ``SessionView`` against the acknowledged states of ``sources`` (session ids)."""
    values = {key: view.get(key) for key in view.keys()}  # noqa: SIM118 - a view, not a dict
    events = view.events()
    histories = {world.a: world.session, world.b: world.b_session}
    per_source = []
    for source in sources:
        found = histories[source]
        per_source.append(
            found.values_problems(values, whole, "values") + found.events_problems(events, whole, "events")
        )
    best = min(per_source, key=len)
    outcome.accepted += best
    for name, copies, store in (("USER copy", view.user, world.user), ("APP copy", view.app, world.app)):
        decoded = {key: decode_stored(tree) for key, tree in copies.items()}
        outcome.accepted += store.values_problems(decoded, True, name)
    if view.started_at not in [world.started[source] for source in sources]:
        outcome.accepted.append(f"started_at {view.started_at} was never written")


def _judge_session_view(world: World, view: Any, outcome: Outcome, whole: bool) -> None:
    if view.stored_id != world.a:
        outcome.accepted.append(f"the snapshot read says it is {view.stored_id}")
    _judge_view(world, view, outcome, whole, [world.a])


class Copy:
    """A copy of the world to damage; copied again only after a trial that may have changed it."""

    def __init__(self, world: World, workdir: Path) -> None:
        self.world = world
        self.path = workdir / "trial"
        self.dirty = True

    def fresh(self) -> Path:
        if self.dirty:
            shutil.rmtree(self.path, ignore_errors=True)
            shutil.copytree(self.world.root, self.path)
            self.dirty = False
        return self.path


def run_trial(
    world: World, kind: str, damage: str, rng: random.Random, copy: Copy, *, writer: bool, number: int
) -> Outcome:
    """Damage one file of a copy of the world and load it every way there is."""
    trial = copy.fresh()
    target, elsewhere = world.files(kind, trial)
    original, other = target.read_bytes(), elsewhere.read_bytes()
    damaged = original
    while damaged == original:  # a zeroed range of zeros, a splice at a common tail: draw again
        damaged = DAMAGERS[damage](original, other, rng)
    if kind == "key file":
        # A new file each time: the configured codec is cached per key file path and version, and
        # a rewrite within one tick of a coarse file clock would look like the same version.
        target = target.with_name(f"key-{damage}-{number}")
        target.touch(mode=0o600)
    target.write_bytes(damaged)
    outcome = Outcome(f"{world.codec} {kind} {damage} #{number}")
    whole = "journal" not in kind
    stores = world.paths(trial)
    before = _tree(trial)

    # -- read-only: nothing may change, nothing may be created
    if kind in ("snapshot", "backup", "journal"):
        with outcome.guarded("read_session"):
            view = read_session(trial / "RUNS", world.a)
            outcome.detected = bool(view.report.dropped or view.report.warnings)
            _judge_session_view(world, view, outcome, whole)
        with outcome.guarded("verify_store"):
            outcome.verify_ok = verify_store(stores["session"], "session").ok
    elif store_of(kind) in ("app", "user"):
        scope = store_of(kind)
        store: History = getattr(world, scope)
        with outcome.guarded("read_scope"):
            scope_view = read_scope(stores[scope], scope)
            outcome.detected = bool(scope_view.report.dropped or scope_view.report.warnings)
            found = {key: scope_view.get(key) for key in scope_view.keys()}  # noqa: SIM118
            outcome.accepted += store.values_problems(found, whole, f"{scope} values")
        with outcome.guarded("verify_store"):
            outcome.verify_ok = verify_store(stores[scope], scope).ok
    elif kind == "export":
        sources = [world.a] + ([world.b] if damage in ("splice", "swap") else [])
        with outcome.guarded("import_session"):
            imported = import_session(trial / "RUNS", damaged)
            view = read_session(trial / "RUNS", imported)
            if view.resumed_from not in sources:
                outcome.accepted.append(f"the import says it came from {view.resumed_from}")
            _judge_view(world, view, outcome, True, sources)
        after = _tree(trial)
        changed = [name for name, digest in before.items() if after.get(name) != digest]
        outcome.touched += [f"import_session changed {name}" for name in changed]
        copy.dirty = True  # the import added a session
        return outcome
    elif kind == "key file":
        allowed = [[_key_material("other")]] if damage in ("splice", "swap") else []
        allowed.append([base64.b64decode(os.environ["SESSIONKEEPER_KEY"])])
        with outcome.guarded("read_key_file"):
            keys = [key.material for key in read_key_file(target)]
            if keys not in allowed:
                outcome.accepted.append(f"read_key_file returned {len(keys)} key(s) never written")
        with _key_file_environment(target), outcome.guarded("read_session with the key file"):
            view = read_session(trial / "RUNS", world.a)
            _judge_session_view(world, view, outcome, True)
    after = _tree(trial)
    if after != before:
        changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
        outcome.touched.append(f"read-only loading changed or created {changed[:4]}")
        copy.dirty = True
    if not writer or kind == "key file":
        if kind == "key file":
            target.unlink()
        elif not copy.dirty:
            target.write_bytes(original)  # back to the world as built, for the next trial
        return outcome
    copy.dirty = True

    # -- as a writer: resume/recover (or start, for USER/APP), then a checkpoint
    name = store_of(kind)
    paths = stores[name]
    good = {_good_file(world, name, "snapshot"), _good_file(world, name, "backup")}
    if _benign(damaged, original, paths.name):
        good.add(damaged)  # changed bits that decode to the very same document (zstd frame slack)
    untouched = {
        key: _stored(store_paths) for key, store_paths in stores.items() if key not in (name, "app", "user")
    }
    manager = SessionManager(trial / "RUNS", trial / "user", handle_signals=False, fsync="never")
    stored_before = _stored(paths)
    loaded = False
    try:
        with outcome.guarded("resume" if number % 2 else "recover"):
            if name == "session":
                if number % 2:
                    manager.resume(world.a)
                else:
                    manager.recover(world.a)
                values = {key: manager.get(key) for key in manager.keys()}  # noqa: SIM118 - not a dict
                outcome.accepted += world.session.values_problems(values, whole, "resumed values")
                outcome.accepted += world.session.events_problems(manager.events(), whole, "resumed events")
            else:
                manager.start()
                scope_enum = _SCOPES[name]
                values = {key: manager.get(key, scope_enum) for key in manager.keys(scope_enum)}
                store = getattr(world, name)
                outcome.accepted += store.values_problems(values, whole, f"{name} values after start")
                manager.set("fuzz:touched", True, scope_enum)
            loaded = True
            for file_name in (paths.snapshot.name, paths.backup.name):
                if _stored(paths).get(file_name) != stored_before.get(file_name):
                    outcome.touched.append(f"opening the store rewrote {file_name}")
            if not manager.checkpoint():
                outcome.errors.append(f"checkpoint failed: {manager.info().last_save_error}")
            backup = paths.backup.read_bytes() if paths.backup.exists() else b""
            if backup not in good:
                what = "the damaged file" if backup == damaged else "bytes that were no good file"
                outcome.touched.append(f"after resume + checkpoint, {paths.backup.name} holds {what}")
    finally:
        manager.stop()
    if not loaded and _stored(paths) != stored_before:
        outcome.touched.append("a load that failed changed the store's files")
    for key, files in untouched.items():
        if _stored(stores[key]) != files:
            outcome.touched.append(f"the writer changed the files of {key}, which it never opened")
    return outcome


def _benign(damaged: bytes, original: bytes, store: str) -> bool:
    """Whether damaged snapshot bytes still open to exactly the original document: a few bits of a
    zstd frame (window size, block flags) change the bytes but not what they decode to."""
    codec, context = resolve_codec(), snapshot_context(store)
    try:
        return codec.open(damaged, context, "damaged") == codec.open(original, context, "original")
    except SessionkeeperError:
        return False


def _good_file(world: World, store: str, which: str) -> bytes:
    paths = world.paths(world.root)[store]
    path = paths.snapshot if which == "snapshot" else paths.backup
    return path.read_bytes()


def run_trials(
    world: World,
    kind: str,
    counts: Mapping[str, int],
    workdir: Path,
    *,
    writer_every: int = 1,
    seed: str = "",
) -> dict[str, Tally]:
    """``counts[damage]`` trials of each damage to ``kind``; a writer path every ``writer_every``."""
    tallies: dict[str, Tally] = {}
    copy = Copy(world, workdir)
    for damage in DAMAGES:
        tally = tallies[damage] = Tally()
        rng = random.Random(f"{seed}/{world.codec}/{kind}/{damage}")
        for number in range(counts.get(damage, 0)):
            writer = number % writer_every == 0
            tally.add(run_trial(world, kind, damage, rng, copy, writer=writer, number=number))
    return tallies


def render_table(results: Mapping[tuple[str, str, str], Tally]) -> str:
    """``(codec, kind, damage) -> Tally`` as one table, worst first within each codec."""
    header = (
        *("codec", "file kind", "damage", "trials", "accepted", "errors", "touched"),
        *("detected", "verify ok"),
    )
    rows = [header]
    for (codec, kind, damage), tally in results.items():
        rows.append(
            (
                codec,
                kind,
                damage,
                str(tally.trials),
                str(tally.accepted),
                str(tally.errors),
                str(tally.touched),
                str(tally.detected),
                str(tally.verify_ok),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for number, row in enumerate(rows):
        cells = [cell.rjust(widths[i]) if i > 2 else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    totals = Counter[str]()
    for tally in results.values():
        totals.update(
            trials=tally.trials, accepted=tally.accepted, errors=tally.errors, touched=tally.touched
        )
    lines.append(
        f"total: {totals['trials']} trials, {totals['accepted']} accepted as data, "
        f"{totals['errors']} undocumented errors, {totals['touched']} with good files touched"
    )
    return "\n".join(lines)
