"""Key rotation killed with SIGKILL at random points never leaves a file that cannot be read.

A data directory with a few encrypted sessions (several journal epochs each, as crashed writers
leave them) and USER/APP stores is rotated from an old key to a new one by a child process that is
SIGKILLed after a random delay, spread over the measured length of a rotation so that kills land
before, during and after it. After every kill, with a keyring holding both keys, every session and
scope reads back intact and ``verify_store`` finds nothing wrong. At the end the rotation is run to
completion and everything reads with the new key alone.

``SESSIONKEEPER_ROTATION_KILLS`` sets how many kills to make (default 50).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import orjson
import pytest

from sessionkeeper.core import (
    Codec,
    Key,
    SessionkeeperError,
    StorePaths,
    app_store_paths,
    export_session,
    generate_key,
    import_session,
    key_status,
    read_scope,
    read_session,
    rotate_keys,
    session_paths,
    user_store_paths,
    verify_store,
)
from tests.conftest import run_python
from tests.crypto.support import (
    b64,
    child_env,
    crashed_session,
    journal_records,
    key_from_b64,
    sealing,
    values_of,
)

KILLS = int(os.environ.get("SESSIONKEEPER_ROTATION_KILLS", "50"))
SESSIONS = 3
GENERATIONS = 3  # writers per session, each leaving its own journal epoch
RECORDS = 1000  # records per writer
KEYS = 300  # distinct keys per session (later writers overwrite earlier ones)

_BUILDER = """
import json, os, sys
from sessionkeeper.core import SessionManager, StateScope
sessions, generations, records, keys = map(int, sys.argv[1:5])
ids, writers = [], []
for s in range(sessions):
    for g in range(generations):
        # A new writer per generation, the old ones left open and never stopped: each leaves
        # its journal un-compacted, as a crashed process does.
        manager = SessionManager(handle_signals=False, fsync="never")
        writers.append(manager)
        if g == 0:
            ids.append(manager.start())
        else:
            manager.resume(ids[-1])
        for i in range(records):
            manager.set(f"k{i % keys:04d}", {"s": s, "g": g, "i": i, "pad": "p" * (i % 40)})
        manager.set(f"user-{s}-{g}", [s, g], StateScope.USER)
        manager.set(f"app-{s}-{g}", {"s": s, "g": g}, StateScope.APP)
        if g == 1:
            assert manager.checkpoint()
print(json.dumps(ids), flush=True)
os._exit(0)
"""

_ROTATOR = """
import base64, os, sys, time
from pathlib import Path
from sessionkeeper.core import Codec, CodecSettings, Key, Keyring, rotate_keys
old = Key.from_material(base64.b64decode(os.environ["SK_OLD_KEY"]))
new = Key.from_material(base64.b64decode(os.environ["SK_NEW_KEY"]))
settings = CodecSettings(cipher="aes-256-gcm")
old_codec, new_codec = Codec(settings, Keyring([old])), Codec(settings, Keyring([new, old]))
print("ready", flush=True)
root = Path(sys.stdin.readline().strip())
start = time.perf_counter()
rotate_keys(root / "RUNS", root / "user", old_codec, new_codec)
print(f"done {time.perf_counter() - start}", flush=True)
"""


def expected_session(s: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for g in range(GENERATIONS):
        for i in range(RECORDS):
            values[f"k{i % KEYS:04d}"] = {"s": s, "g": g, "i": i, "pad": "p" * (i % 40)}
    return values


def expected_scope(scope: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for s in range(SESSIONS):
        for g in range(GENERATIONS):
            values[f"{scope}-{s}-{g}"] = [s, g] if scope == "user" else {"s": s, "g": g}
    return values


@dataclass(frozen=True)
class Template:
    root: Path
    session_ids: list[str]
    old: Key
    new: Key


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    root = tmp_path_factory.mktemp("rotation-template")
    old = key_from_b64(b64(generate_key()))
    env = child_env(
        SESSIONKEEPER_DATA_DIR=str(root / "RUNS"),
        SESSIONKEEPER_USER_DIR=str(root / "user"),
        SESSIONKEEPER_KEY=b64(old),
    )
    status, out, err = run_python(
        f"import sys; sys.argv[1:] = {[str(n) for n in (SESSIONS, GENERATIONS, RECORDS, KEYS)]!r}\n"
        + _BUILDER,
        env,
        timeout=120,
    )
    assert status == 0, err
    ids = cast(list[str], orjson.loads(out))
    for session_id in ids:
        assert len(session_paths(root / "RUNS", session_id).journal_epochs()) >= GENERATIONS
    assert len(user_store_paths(root / "user").journal_epochs()) >= 2
    return Template(root, ids, old, generate_key())


def stores(root: Path, session_ids: list[str]) -> Iterator[tuple[StorePaths, str]]:
    for session_id in session_ids:
        yield session_paths(root / "RUNS", session_id), "session"
    yield user_store_paths(root / "user"), "user"
    yield app_store_paths(root / "RUNS"), "app"


def assert_everything_reads(root: Path, session_ids: list[str], codec: Codec) -> None:
    """Every session and scope reads back whole with ``codec``, and every file verifies."""
    for number, session_id in enumerate(session_ids):
        view = read_session(root / "RUNS", session_id, codec)
        assert view.report.dropped == (), view.report
        assert view.report.warnings == (), view.report
        assert values_of(view) == expected_session(number)
    for scope, paths in (("user", user_store_paths(root / "user")), ("app", app_store_paths(root / "RUNS"))):
        scope_view = read_scope(paths, scope, codec)
        assert scope_view.report.dropped == (), scope_view.report
        assert values_of(scope_view) == expected_scope(scope)
    for paths, kind in stores(root, session_ids):
        check = verify_store(paths, kind, codec)
        assert check.problems == (), check


def key_ids(root: Path) -> Counter[str]:
    """How many files are sealed under each key id (every file must have a readable header)."""
    found: Counter[str] = Counter()
    for file in key_status(root / "RUNS", root / "user"):
        assert file.problem is None, file
        assert file.envelope is not None, file
        assert file.envelope.encrypted, file
        found[file.envelope.key_id or ""] += 1
    return found


class Rotator:
    """A child process, imported and waiting, that rotates the directory it is sent."""

    def __init__(self, template: Template) -> None:
        env = child_env(SK_OLD_KEY=b64(template.old), SK_NEW_KEY=b64(template.new))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _ROTATOR],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert self.proc.stdout is not None
        self._stdout = self.proc.stdout

    def ready(self) -> None:
        line = self._stdout.readline()
        assert line == b"ready\n", (line, self.proc.stderr.read() if self.proc.stderr else b"")

    def rotate(self, root: Path) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{root}\n".encode())
        self.proc.stdin.flush()

    def kill_after(self, delay: float) -> float | None:
        """SIGKILL after ``delay`` seconds: None if it was still rotating then, else how long the
        rotation took."""
        time.sleep(delay)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        status = self.proc.wait(timeout=60)
        stderr = self.proc.stderr.read() if self.proc.stderr else b""
        assert status in (0, -signal.SIGKILL), stderr
        took = None if status else float(self._stdout.readline().split()[1])
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return took

    def finish(self) -> float:
        """Wait for the rotation to complete; how long it took."""
        took = self.kill_after(0) if self.proc.wait(timeout=120) == 0 else None
        assert took is not None
        return took

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=60)


def _rotation_seconds(template: Template, scratch: Path) -> list[float]:
    """How long complete rotations of the template take in a child (three of them)."""
    timings = []
    for attempt in range(3):
        root = scratch / f"timing-{attempt}"
        shutil.copytree(template.root, root)
        rotator = Rotator(template)
        try:
            rotator.ready()
            rotator.rotate(root)
            timings.append(rotator.finish())
        finally:
            rotator.stop()
        assert key_ids(root) == Counter({template.new.hex_id: sum(key_ids(template.root).values())})
        shutil.rmtree(root)
    return timings


@pytest.mark.slow
def test_rotation_killed_at_random_points_leaves_every_file_readable(
    template: Template, tmp_path: Path
) -> None:
    both = sealing(template.new, template.old)
    assert_everything_reads(template.root, template.session_ids, sealing(template.old))
    files = sum(key_ids(template.root).values())
    durations = _rotation_seconds(template, tmp_path)
    assert min(durations) > 0.05, f"rotation took {durations} s: too quick for kills to land inside it"

    rng = random.Random(KILLS)
    kills = mixed = finished = untouched = 0
    leftovers = 0
    rotator = Rotator(template)
    last: Path | None = None
    try:
        for attempt in range(KILLS * 3):
            if kills >= KILLS:
                break
            root = tmp_path / f"run-{attempt}"
            shutil.copytree(template.root, root)
            rotator.ready()
            rotator.rotate(root)
            # Delays spread over the length of a rotation as this machine does it right now, a few
            # before it starts and a few after it ends.
            median = sorted(durations)[len(durations) // 2]
            took = rotator.kill_after(max(0.0, rng.uniform(-0.05, 1.15) * median))
            rotator = Rotator(template)  # imports while this run is checked
            if took is None:
                kills += 1
            else:
                finished += 1
                durations.append(took)
            sealed = key_ids(root)
            assert set(sealed) <= {template.old.hex_id, template.new.hex_id}
            assert sum(sealed.values()) == files
            mixed += len(sealed) == 2
            untouched += took is None and template.new.hex_id not in sealed
            leftovers += sum(1 for _ in root.rglob("*.tmp"))
            assert_everything_reads(root, template.session_ids, both)
            if last is not None:
                shutil.rmtree(last)
            last = root
    finally:
        rotator.stop()
    median = sorted(durations)[len(durations) // 2]
    print(
        f"\nrotation of {files} files: median {median * 1000:.0f} ms; {kills} kills ({mixed} mid-rotation "
        f"with both keys in use, {untouched} before the first file); {finished} rotations finished first; "
        f"{leftovers} temp files left behind by kills"
    )
    assert kills >= KILLS
    assert mixed >= kills // 4, f"only {mixed} of {kills} kills landed mid-rotation"

    # Finish the job on the last killed directory: afterwards the new key alone reads everything.
    assert last is not None
    rotate_keys(last / "RUNS", last / "user", both, sealing(template.new))
    assert key_ids(last) == Counter({template.new.hex_id: files})
    assert_everything_reads(last, template.session_ids, sealing(template.new))


def test_rotation_reseals_imported_sessions_too(tmp_path: Path) -> None:
    """An imported session has a snapshot and no journal folder; it is not the old tool's file."""
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    old, new = generate_key(), generate_key()
    env = child_env(
        SESSIONKEEPER_DATA_DIR=str(data_dir), SESSIONKEEPER_USER_DIR=str(user_dir), SESSIONKEEPER_KEY=b64(old)
    )
    status, out, err = run_python(
        "from sessionkeeper.core import SessionManager\n"
        "m = SessionManager(handle_signals=False); print(m.start()); m.set('origin', 'exported'); m.stop()",
        env,
    )
    assert status == 0, err
    exported = export_session(data_dir, out.strip(), sealing(old))
    imported = import_session(data_dir, exported, sealing(old))
    assert read_session(data_dir, imported, sealing(old)).get("origin") == "exported"

    rotate_keys(data_dir, user_dir, sealing(old), sealing(new, old))
    assert read_session(data_dir, imported, sealing(new)).get("origin") == "exported"
    statuses = {
        file.path.name: file.envelope.key_id for file in key_status(data_dir, user_dir) if file.envelope
    }
    assert statuses.get(f"{imported}.json") == new.hex_id, statuses


def test_rotation_does_not_erase_the_evidence_of_a_damaged_journal_record(tmp_path: Path) -> None:
    """A record lost to damage stays reported after rotation (rotation must not launder a file)."""
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    old, new = generate_key(), generate_key()
    env = child_env(
        SESSIONKEEPER_DATA_DIR=str(data_dir), SESSIONKEEPER_USER_DIR=str(user_dir), SESSIONKEEPER_KEY=b64(old)
    )
    session_id = crashed_session([["set", f"k{i}", i] for i in range(5)], env)
    paths = session_paths(data_dir, session_id)
    current = paths.journal(paths.journal_epochs()[-1])
    data = bytearray(current.read_bytes())
    start, end, _ = journal_records(bytes(data))[3]  # "k2": a record in the middle, not a torn tail
    data[(start + end) // 2] ^= 0x10  # its CRC no longer matches
    current.write_bytes(bytes(data))
    assert verify_store(paths, "session", sealing(old)).problems
    before = read_session(data_dir, session_id, sealing(old))
    assert before.report.dropped
    lost = sorted(f"k{i}" for i in range(5) if before.get(f"k{i}") is None)
    assert lost == ["k2"]

    try:
        rotate_keys(data_dir, user_dir, sealing(old), sealing(new, old))
    except SessionkeeperError:
        return  # refusing to rotate a damaged file is fine too: then it is left exactly as it was
    check = verify_store(paths, "session", sealing(new))
    view = read_session(data_dir, session_id, sealing(new))
    assert check.problems or check.notes or view.report.dropped or view.report.warnings, (
        f"after rotation the loss of {lost} is reported nowhere"
    )
