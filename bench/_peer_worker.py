"""Child process of benchmark P: one system (ours, a peer store or a physical floor) in its own process.

Usage: ``python bench/_peer_worker.py SYSTEM SCENARIO DIR PARAMS_JSON``. Every system runs in a
process of its own, so no system's objects are walked by another's garbage collector.

Scenarios ``update``, ``reopen`` and ``checkpoint`` talk a line protocol on stdin/stdout, so the
parent can interleave the repetitions of several workers (only one of them runs at any time):
the worker builds its store, answers ``{"ready": ...}``, then for each ``rep`` line runs one
repetition and answers ``{"elapsed": seconds, "ops": n, "extra": seconds or null}`` (extra: ours'
reopen including get() of every key); ``end`` makes it close its store and
answer ``{"disk": bytes, ...}``. A system whose library is not installed answers
``{"skipped": reason}`` and exits 0.

Scenario ``crash`` writes PARAMS["updates"] updates and SIGKILLs itself right after the last one
returns; scenario ``count`` reopens what it left and answers how many of them survived.
"""

from __future__ import annotations

import gc
import importlib
import os
import random
import signal
import sqlite3
import struct
import sys
import time
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

from bench._atomic import atomic_write
from bench._values import values

# Whole-state checkpoints go under this channel name in LangGraph (one channel holding the state).
CHANNEL = "tasks"


class Skipped(Exception):
    """The system's library is not installed here."""


def _optional(module: str) -> Any:
    """Import a peer's library, untyped (none of them ships type hints); Skipped when missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise Skipped(f"{module.partition('.')[0]} not installed") from exc


def key_of(i: int) -> str:
    return f"key:{i:07d}"


def disk_bytes(directory: Path) -> int:
    """Bytes allocated under ``directory`` (st_blocks: sparse or preallocated space counts as it is)."""
    total = 0
    for path in directory.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_blocks * 512
    return total


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(message).decode() + "\n")
    sys.stdout.flush()


# -- stores: open, update one key, read every key, close ----------------------------------------------
class Store(ABC):
    """The operations every store offers the benchmark."""

    def __init__(self, directory: Path, params: dict[str, Any]) -> None:
        self.directory = directory
        self.params = params

    def prefill(self, items: list[tuple[str, Any]]) -> None:
        for key, value in items:
            self.update(key, value)

    @abstractmethod
    def update(self, key: str, value: Any) -> None: ...

    @abstractmethod
    def read_all(self) -> dict[str, Any]: ...

    def close(self) -> None:  # noqa: B027 - a store with nothing to close keeps this one
        """Close; what is left on disk is what disk_bytes() measures."""


class Sqlite(Store):
    """sqlite3 in WAL mode, one row per key, upsert; one transaction per update (autocommit)."""

    UPSERT = "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"

    def __init__(self, directory: Path, params: dict[str, Any], synchronous: str) -> None:
        super().__init__(directory, params)
        self.conn = sqlite3.connect(directory / "kv.sqlite", isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.conn.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)")

    def prefill(self, items: list[tuple[str, Any]]) -> None:
        self.conn.execute("BEGIN")
        self.conn.executemany(self.UPSERT, [(key, orjson.dumps(value)) for key, value in items])
        self.conn.execute("COMMIT")

    def update(self, key: str, value: Any) -> None:
        self.conn.execute(self.UPSERT, (key, orjson.dumps(value)))

    def read_all(self) -> dict[str, Any]:
        loads = orjson.loads
        return {key: loads(value) for key, value in self.conn.execute("SELECT key, value FROM kv")}

    def close(self) -> None:
        self.conn.close()  # the last connection checkpoints the WAL into the database and removes it


class Lmdb(Store):
    """lmdb, one write transaction per update; ``sync`` as asked (metasync follows it)."""

    def __init__(self, directory: Path, params: dict[str, Any], sync: bool) -> None:
        super().__init__(directory, params)
        lmdb = _optional("lmdb")
        self.env = lmdb.open(str(directory / "lmdb"), map_size=4 << 30, sync=sync, metasync=sync)

    def prefill(self, items: list[tuple[str, Any]]) -> None:
        with self.env.begin(write=True) as txn:
            for key, value in items:
                txn.put(key.encode(), orjson.dumps(value))

    def update(self, key: str, value: Any) -> None:
        with self.env.begin(write=True) as txn:
            txn.put(key.encode(), orjson.dumps(value))

    def read_all(self) -> dict[str, Any]:
        loads = orjson.loads
        with self.env.begin() as txn:
            return {bytes(key).decode(): loads(value) for key, value in txn.cursor()}

    def close(self) -> None:
        self.env.close()


class DiskCache(Store):
    """diskcache.Cache with its defaults (sqlite WAL, synchronous=NORMAL, values pickled)."""

    def __init__(self, directory: Path, params: dict[str, Any]) -> None:
        super().__init__(directory, params)
        self.cache = _optional("diskcache").Cache(str(directory / "diskcache"))

    def prefill(self, items: list[tuple[str, Any]]) -> None:
        with self.cache.transact():
            for key, value in items:
                self.cache[key] = value

    def update(self, key: str, value: Any) -> None:
        self.cache[key] = value

    def read_all(self) -> dict[str, Any]:
        cache = self.cache
        return {key: cache[key] for key in cache}

    def close(self) -> None:
        self.cache.close()


class Ours(Store):
    """Sessionkeeper's SessionManager, SESSION scope, under the fsync policy asked."""

    def __init__(self, directory: Path, params: dict[str, Any], fsync: str) -> None:
        super().__init__(directory, params)
        from sessionkeeper.core import FsyncPolicy, SessionManager

        self.policy = FsyncPolicy(fsync)
        self.session_id: str | None = params.get("session_id")
        self.manager = SessionManager(
            data_dir=directory / "data",
            user_dir=directory / "user",
            fsync=self.policy,
            handle_signals=False,
        )
        if self.session_id is None:
            self.session_id = self.manager.start()
        else:
            self.manager.resume(self.session_id)

    def prefill(self, items: list[tuple[str, Any]]) -> None:
        """Prefill without fsync, then resume under the policy measured (its journal starts empty)."""
        from sessionkeeper.core import FsyncPolicy, SessionManager

        self.manager.stop()
        fast = SessionManager(
            data_dir=self.directory / "data",
            user_dir=self.directory / "user",
            fsync=FsyncPolicy.NEVER,
            handle_signals=False,
        )
        assert self.session_id is not None
        fast.resume(self.session_id)
        for key, value in items:
            fast.set(key, value)
        fast.stop()
        self.manager = SessionManager(
            data_dir=self.directory / "data",
            user_dir=self.directory / "user",
            fsync=self.policy,
            handle_signals=False,
        )
        self.manager.resume(self.session_id)

    def update(self, key: str, value: Any) -> None:
        self.manager.set(key, value)

    def read_all(self) -> dict[str, Any]:
        get, names = self.manager.get, self.manager.keys()
        return {key: get(key) for key in names}

    def close(self) -> None:
        self.manager.stop()


class LangGraph(Store):
    """LangGraph's SqliteSaver: the whole state is one checkpoint, ``put`` as a graph step persists it."""

    def __init__(self, directory: Path, params: dict[str, Any]) -> None:
        super().__init__(directory, params)
        saver_module = _optional("langgraph.checkpoint.sqlite")
        base = _optional("langgraph.checkpoint.base")
        self.uuid6: Callable[[], Any] = _optional("langgraph.checkpoint.base.id").uuid6
        self.empty_checkpoint: Callable[[], dict[str, Any]] = base.empty_checkpoint
        self.conn = sqlite3.connect(directory / "langgraph.sqlite", check_same_thread=False)
        self.saver = saver_module.SqliteSaver(self.conn)
        self.saver.setup()
        self.config: dict[str, Any] = {"configurable": {"thread_id": "bench", "checkpoint_ns": ""}}
        self.step = 0
        self.state: dict[str, Any] = {}

    def put(self, state: dict[str, Any]) -> None:
        checkpoint = self.empty_checkpoint()
        checkpoint["id"] = str(self.uuid6())
        checkpoint["channel_values"] = {CHANNEL: state}
        checkpoint["channel_versions"] = {CHANNEL: self.step + 1}
        self.step += 1
        self.config = self.saver.put(
            self.config, checkpoint, {"source": "loop", "step": self.step}, {CHANNEL: self.step}
        )

    def prefill(self, items: list[tuple[str, Any]]) -> None:
        self.state.update(items)
        self.put(self.state)

    def update(self, key: str, value: Any) -> None:
        """One graph step: the state changes, the whole state is put."""
        self.state[key] = value
        self.put(self.state)

    def read_all(self) -> dict[str, Any]:
        config = {"configurable": {"thread_id": "bench", "checkpoint_ns": ""}}
        found = self.saver.get_tuple(config)
        if found is None:
            return {}
        state: dict[str, Any] = found.checkpoint["channel_values"].get(CHANNEL, {})
        return state

    def close(self) -> None:
        self.conn.close()


def open_store(system: str, directory: Path, params: dict[str, Any]) -> Store:
    makers: dict[str, Callable[[], Store]] = {
        "ours-interval": lambda: Ours(directory, params, "interval"),
        "ours-always": lambda: Ours(directory, params, "always"),
        "sqlite-normal": lambda: Sqlite(directory, params, "NORMAL"),
        "sqlite-full": lambda: Sqlite(directory, params, "FULL"),
        "lmdb-nosync": lambda: Lmdb(directory, params, sync=False),
        "lmdb-sync": lambda: Lmdb(directory, params, sync=True),
        "diskcache": lambda: DiskCache(directory, params),
        "langgraph": lambda: LangGraph(directory, params),
    }
    if system not in makers:
        raise SystemExit(f"unknown store {system!r}")
    return makers[system]()


# -- repetitions -------------------------------------------------------------------------------------
Rep = Callable[[int], tuple[float, int]]
EXTRA: list[float] = []  # a second figure of the last repetition, when a scenario has one


def _batch(params: dict[str, Any], rep: int) -> tuple[list[str], list[Any]]:
    """The keys and new values of one repetition of updates (made untimed, new values every rep)."""
    n_keys, ops = int(params["keys"]), int(params["ops"])
    rng = random.Random(1000 + rep)
    return [key_of(rng.randrange(n_keys)) for _ in range(ops)], values(ops, 2000 + rep)


def _floor_update(system: str, directory: Path, params: dict[str, Any]) -> tuple[Rep, Callable[[], int]]:
    """The physical floors of one update: raw writes of JSON-lines records, orjson.dumps alone."""
    path = directory / "floor.journal"
    dumps, write, fdatasync, pwrite = orjson.dumps, os.write, os.fdatasync, os.pwrite
    newline = orjson.OPT_APPEND_NEWLINE
    written = [0]  # floor-pwrite-sync: where the next record goes
    if system == "floor-pwrite-sync":
        # Written in place into space allocated beforehand (each repetition's, untimed): the file's
        # size does not change, so fdatasync has no size to commit. Fresh fallocated space, not
        # zeros written and synced nor the previous repetition's records rewritten: on this
        # machine class both of those were slower (54.6 against 40.4 µs, appending 60.2 µs).
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    else:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def rep(number: int) -> tuple[float, int]:
        keys, new = _batch(params, number)
        records = [dumps([key, value], option=newline) for key, value in zip(keys, new, strict=True)]
        if system == "floor-pwrite-sync":
            os.posix_fallocate(fd, written[0], sum(map(len, records)))
            os.fsync(fd)
        start = time.perf_counter()
        if system == "floor-write":
            for record in records:
                write(fd, record)
        elif system == "floor-dumps":
            for value in new:
                dumps(value)
        elif system == "floor-dumps-write":
            for key, value in zip(keys, new, strict=True):
                write(fd, dumps([key, value], option=newline))
        elif system == "floor-append-sync":
            for record in records:
                write(fd, record)
                fdatasync(fd)
        elif system == "floor-pwrite-sync":
            offset = written[0]
            for record in records:
                offset += pwrite(fd, record, offset)
                fdatasync(fd)
            written[0] = offset
        else:
            raise SystemExit(f"unknown floor {system!r}")
        return time.perf_counter() - start, len(records)

    def end() -> int:
        os.close(fd)
        return disk_bytes(directory)

    return rep, end


def scenario_update(system: str, directory: Path, params: dict[str, Any]) -> tuple[Rep, Callable[[], int]]:
    """Prefill ``keys`` keys, then each repetition updates ``ops`` random existing keys, timed per update."""
    if system.startswith("floor-"):
        return _floor_update(system, directory, params)
    store = open_store(system, directory, params)
    n_keys = int(params["keys"])
    store.prefill([(key_of(i), value) for i, value in enumerate(values(n_keys, 1))])

    def rep(number: int) -> tuple[float, int]:
        keys, new = _batch(params, number)
        update = store.update
        start = time.perf_counter()
        for key, value in zip(keys, new, strict=True):
            update(key, value)
        return time.perf_counter() - start, len(keys)

    def end() -> int:
        store.close()
        return disk_bytes(directory)

    return rep, end


def final_state(n_keys: int) -> dict[str, Any]:
    """The state the ``reopen`` scenario builds: n keys, then n updates (as ``_build_resume.py`` does)."""
    state = {key_of(i): value for i, value in enumerate(values(n_keys, 1))}
    rng = random.Random(3)
    for value in values(n_keys, 4):
        state[key_of(rng.randrange(n_keys))] = value
    return state


_FRAME = struct.Struct("<BII")  # a journal record's head: magic, payload length, CRC-32


def replay_floor(data_dir: Path, session_id: str) -> dict[str, Any]:
    """The least work that reads ours' files with what they promise checked, written here without
    any Sessionkeeper code: the snapshot read and ``orjson.loads``-ed (its CRC-32 over the whole
    file), then every record of the journals after it walked, its CRC-32 checked and its payload
    ``orjson.loads``-ed and applied to a dict. No damage handling, no limits, no identity checks:
    a floor, not a reader (see docs/integrity.md for the format). The garbage collector is off
    meanwhile, as in ours' loads: otherwise it walks the state being built again and again."""
    gc.disable()
    try:
        return _replay_floor(data_dir, session_id)
    finally:
        gc.enable()


def _replay_floor(data_dir: Path, session_id: str) -> dict[str, Any]:
    sessions = data_dir / "sessions"
    raw = (sessions / f"{session_id}.json").read_bytes()
    mark = b',\n  "checksum": "crc32:'
    cut = raw.rindex(mark)
    if zlib.crc32(memoryview(raw)[:cut]) != int(raw[cut + len(mark) : cut + len(mark) + 8], 16):
        raise RuntimeError("the snapshot does not check out")
    doc = orjson.loads(raw)
    state: dict[str, Any] = dict(doc["scope_data"]["session"])
    covered, unpack, loads, crc32 = int(doc["journal_epoch"]), _FRAME.unpack_from, orjson.loads, zlib.crc32
    for path in sorted((sessions / f"{session_id}.d").glob("*.journal")):
        if int(path.stem) <= covered:
            continue
        data = path.read_bytes()
        _, size, _ = unpack(data, 0)
        header = loads(data[9 : 9 + size])  # ["H", 2, store, epoch, store_id]: binds the records
        seed = crc32(b"sessionkeeper journal\0" + header[4].encode()) or 1
        pos, end = 9 + size, len(data)
        while pos < end:
            _, size, crc = unpack(data, pos)
            payload = data[pos + 9 : pos + 9 + size]
            if crc32(payload, size ^ seed) != crc:
                raise RuntimeError(f"{path.name}: a record does not check out")
            record = loads(payload)
            if record[0] == "S":
                state[record[1]] = record[2]
            elif record[0] == "D":
                state.pop(record[1], None)
            pos += 9 + size
    return state


def scenario_reopen(system: str, directory: Path, params: dict[str, Any]) -> tuple[Rep, Callable[[], int]]:
    """Build a store of ``keys`` keys + as many updates; each repetition opens it and reads every key."""
    n_keys = int(params["keys"])
    expected = len(final_state(n_keys))
    if system == "floor-replay":  # ours' files, read by replay_floor
        from bench._build_resume import build_in_child  # imports session-core in the child only

        data_dir = directory / "data"
        session_id = build_in_child(data_dir, directory / "user", n_keys, n_keys)
        (data_dir / "plain.json").unlink()

        def rep_replay(number: int) -> tuple[float, int]:
            start = time.perf_counter()
            loaded = replay_floor(data_dir, session_id)
            elapsed = time.perf_counter() - start
            if len(loaded) != expected:
                raise RuntimeError(f"the floor replayed {len(loaded)} keys, not {expected}")
            return elapsed, 1

        return rep_replay, lambda: disk_bytes(directory)
    if system == "floor-loads":
        path = directory / "state.json"
        path.write_bytes(orjson.dumps(final_state(n_keys)))

        def rep_loads(number: int) -> tuple[float, int]:
            start = time.perf_counter()
            loaded = orjson.loads(path.read_bytes())
            elapsed = time.perf_counter() - start
            if len(loaded) != expected:
                raise RuntimeError("state file changed")
            return elapsed, 1

        return rep_loads, lambda: path.stat().st_size
    if system == "ours":
        # A child sets n keys, checkpoints, sets n updates and leaves with os._exit(0): the
        # snapshot + an uncompacted journal of n records, exactly as after a crash.
        data_dir, user_dir = directory / "data", directory / "user"
        from bench._build_resume import build_in_child  # imports session-core: only for ours

        params = {**params, "session_id": build_in_child(data_dir, user_dir, n_keys, n_keys)}
        store_system = "ours-interval"
    else:
        builder = open_store(system, directory, params)
        state = final_state(n_keys)
        if system == "langgraph":
            builder.prefill(list(state.items()))
        else:
            builder.prefill([(key_of(i), value) for i, value in enumerate(values(n_keys, 1))])
            rng = random.Random(3)
            for value in values(n_keys, 4):  # the n updates, each its own transaction, as in use
                builder.update(key_of(rng.randrange(n_keys)), value)
        builder.close()
        store_system = system

    def rep(number: int) -> tuple[float, int]:
        start = time.perf_counter()
        store = open_store(store_system, directory, params)
        opened = time.perf_counter()
        got = store.read_all()
        elapsed = time.perf_counter() - start
        if isinstance(store, Ours):
            # resume() has decoded every value already; get() of every key only copies them out
            # (each get() returns a fresh object): reported apart, as the "extra" figure.
            EXTRA.append(elapsed)
            elapsed = opened - start
        try:
            if len(got) != expected:
                raise RuntimeError(f"{system} reopened {len(got)} keys, not {expected}")
            if isinstance(store, Ours):  # every repetition must replay the same journal
                load = store.manager.info().load
                if load is None or load.journal_records != n_keys or load.dropped:
                    raise RuntimeError(f"resume did not replay the journal as built: {load}")
        finally:
            if isinstance(store, Ours):
                # Let go as a crash would: stop() writes a clean-stop snapshot of a session that
                # ended by a crash, which would compact the journal the next repetition replays.
                store.manager.abandon()
            else:
                store.close()
        return elapsed, 1

    def end() -> int:
        if system == "ours":  # disk after stop(): a checkpoint compacts the journal, then stop()
            store = open_store(store_system, directory, params)
            assert isinstance(store, Ours)
            if not store.manager.checkpoint():
                raise RuntimeError(f"checkpoint failed: {store.manager.last_save_error}")
            store.close()
            # The builder's plain JSON copy of the state (the floor's input) is not ours to count.
            (directory / "data" / "plain.json").unlink(missing_ok=True)
        return disk_bytes(directory)

    return rep, end


def scenario_checkpoint(
    system: str, directory: Path, params: dict[str, Any]
) -> tuple[Rep, Callable[[], int]]:
    """Each repetition: ``keys`` untimed updates of random keys, then one timed whole-state save."""
    n_keys = int(params["keys"])
    state = {key_of(i): value for i, value in enumerate(values(n_keys, 1))}
    store: Store | None = None
    if system == "ours":
        store = open_store("ours-interval", directory, params)
        store.prefill(list(state.items()))
    elif system == "langgraph":
        store = open_store("langgraph", directory, params)
        store.prefill(list(state.items()))
    elif system != "floor-atomic":
        raise SystemExit(f"unknown checkpoint system {system!r}")
    path = directory / "state.json"

    def rep(number: int) -> tuple[float, int]:
        keys, new = _batch({"keys": n_keys, "ops": n_keys}, number)
        for key, value in zip(keys, new, strict=True):
            state[key] = value
            if isinstance(store, Ours):
                store.update(key, value)
        start = time.perf_counter()
        if isinstance(store, Ours):
            if not store.manager.checkpoint():
                raise RuntimeError(f"checkpoint failed: {store.manager.last_save_error}")
        elif isinstance(store, LangGraph):
            store.put(state)
        else:
            atomic_write(path, orjson.dumps(state))
        return time.perf_counter() - start, 1

    def end() -> int:
        if store is not None:
            store.close()
        return disk_bytes(directory)

    return rep, end


# -- crash check -------------------------------------------------------------------------------------
def crash_value(i: int) -> dict[str, Any]:
    return {"status": "done", "seq": i, "secs": 1.5, "ok": True, "tags": ["crash"]}


def scenario_crash(system: str, directory: Path, params: dict[str, Any]) -> None:
    """``updates`` updates, then SIGKILL right after the last one returns (no close, no atexit)."""
    store = open_store(system, directory, params)
    if isinstance(store, Ours):
        _send({"ready": True, "session_id": store.session_id})
    else:
        _send({"ready": True})
    for i in range(int(params["updates"])):
        store.update(f"crash:{i:05d}", crash_value(i))
    os.kill(os.getpid(), signal.SIGKILL)


def scenario_count(system: str, directory: Path, params: dict[str, Any]) -> None:
    """Reopen what ``crash`` left and count the updates that survived with their value."""
    store = open_store(system, directory, params)
    got = store.read_all()
    kept = sum(1 for i in range(int(params["updates"])) if got.get(f"crash:{i:05d}") == crash_value(i))
    store.close()
    _send({"kept": kept})


def main(argv: list[str]) -> int:
    system, scenario, directory, params = argv[0], argv[1], Path(argv[2]), orjson.loads(argv[3])
    directory.mkdir(parents=True, exist_ok=True)
    try:
        if scenario == "crash":
            scenario_crash(system, directory, params)
            return 0
        if scenario == "count":
            scenario_count(system, directory, params)
            return 0
        scenarios = {"update": scenario_update, "reopen": scenario_reopen, "checkpoint": scenario_checkpoint}
        rep, end = scenarios[scenario](system, directory, params)
    except Skipped as exc:
        _send({"skipped": str(exc)})
        return 0
    _send({"ready": True})
    number = 0
    for line in sys.stdin:
        command = line.strip()
        if command == "rep":
            EXTRA.clear()
            elapsed, ops = rep(number)
            number += 1
            _send({"elapsed": elapsed, "ops": ops, "extra": EXTRA[0] if EXTRA else None})
        elif command == "end":
            _send({"disk": end()})
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
