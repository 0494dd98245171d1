"""Limits: nothing acknowledged that a load cannot read back, and hostile input stays bounded
(issue 12, defects 2, 5, 6 and 7).

Before: a 70 MB value was acknowledged under ``fsync="always"`` and gone after SIGKILL (its record
was longer than the loader accepts); a 98 KB journal of zstd records made a load use 5 GB; a
32 KB import file 2 GB; ``import /dev/zero`` ended in MemoryError; a lone-surrogate key, a huge
int and a data directory that is a file raised undocumented exceptions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sessionkeeper.core import (
    Codec,
    CodecSettings,
    CorruptSessionError,
    InvalidKeyError,
    LimitExceededError,
    Limits,
    SessionManager,
    StateScope,
    StorageError,
    TaskStarted,
    UnserializableValueError,
    import_session,
    read_import_file,
    read_session,
    session_paths,
)
from sessionkeeper.core.storage.identity import seal_record
from sessionkeeper.core.tools.maintenance import EXPORT_CONTEXT
from tests.edges.support import peak_memory_line, run_limited

MIB = 1 << 20


def _manager(data_dir: Path, user_dir: Path, **kwargs: object) -> SessionManager:
    return SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, **kwargs)  # type: ignore[arg-type]


# -- what set() and record() acknowledge ---------------------------------------------------------
def test_a_value_over_the_limit_is_refused_at_set_and_nothing_is_stored(
    data_dir: Path, user_dir: Path
) -> None:
    manager = _manager(data_dir, user_dir, fsync="always")
    session_id = manager.start()
    with pytest.raises(LimitExceededError, match="SESSIONKEEPER_MAX_VALUE_BYTES"):
        manager.set("big", "x" * (17 * MIB))
    with pytest.raises(LimitExceededError):
        manager.set("big", "x" * (17 * MIB), StateScope.USER)
    with pytest.raises(LimitExceededError):
        manager.record(TaskStarted(task_id="T", title="x" * (17 * MIB)))
    manager.set("small", 1)
    manager.stop()
    view = read_session(data_dir, session_id)
    assert view.keys() == ["small"]
    assert view.event_data == []


def test_the_value_limit_is_configurable_but_never_past_what_a_record_holds() -> None:
    assert Limits(max_value_bytes=60 * MIB).max_value_bytes == 60 * MIB
    with pytest.raises(ValueError, match="cannot exceed"):
        Limits(max_value_bytes=64 * MIB)


def test_a_value_at_the_largest_limit_survives_sigkill_under_fsync_always(
    data_dir: Path, user_dir: Path
) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from sessionkeeper.core import SessionManager
        manager = SessionManager(data_dir={str(data_dir)!r}, user_dir={str(user_dir)!r}, fsync="always")
        print(manager.start(), flush=True)
        manager.set("big", "v" * (59 << 20))
        print("acknowledged", flush=True)
        sys.stdin.read()  # wait to be killed
        """
    )
    env = dict(os.environ, SESSIONKEEPER_MAX_VALUE_BYTES=str(60 * MIB))
    child = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    session_id = child.stdout.readline().strip()
    assert child.stdout.readline().strip() == "acknowledged"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    view = read_session(data_dir, session_id)
    assert len(view.get("big")) == 59 << 20
    assert view.report.dropped == ()


def test_a_store_never_grows_past_what_a_load_reads(data_dir: Path, user_dir: Path) -> None:
    limits = Limits(max_store_bytes=2 * MIB, max_value_bytes=MIB)
    manager = _manager(data_dir, user_dir, limits=limits)
    session_id = manager.start()
    for round_ in range(60):  # overwriting one key forever is fine: checkpoints fold the journal
        manager.set("same", f"{round_}" * 50_000)
    stored = 0
    refused: LimitExceededError | None = None
    while refused is None and stored < 100:
        try:
            manager.set(f"k{stored}", "x" * 100_000)
            stored += 1
        except LimitExceededError as exc:
            refused = exc
    assert refused is not None
    assert "SESSIONKEEPER_MAX_STORE_BYTES" in str(refused)
    assert 5 < stored < 25
    manager.stop()
    resumed = _manager(data_dir, user_dir, limits=limits)  # every acknowledged value loads again
    resumed.resume(session_id)
    assert [resumed.get(f"k{i}") for i in range(stored)] == ["x" * 100_000] * stored
    resumed.stop()


def test_keys_and_values_json_cannot_hold_get_documented_errors(data_dir: Path, user_dir: Path) -> None:
    manager = _manager(data_dir, user_dir)
    manager.start()
    with pytest.raises(InvalidKeyError, match="Unicode"):
        manager.set("bad\ud800", 1)
    with pytest.raises(InvalidKeyError):
        manager.set(5, 1)  # type: ignore[arg-type]
    assert manager.delete("bad\ud800") is False  # never stored, so nothing to delete
    with pytest.raises(UnserializableValueError, match="digits"):
        manager.set("huge", 10**5000)
    deep: object = 1
    for _ in range(300):
        deep = [deep]
    with pytest.raises(UnserializableValueError, match="254"):
        manager.set("deep", deep)
    assert manager.get("huge") is None
    manager.stop()


def test_a_data_directory_that_is_a_file_is_a_storage_error(tmp_path: Path, user_dir: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_bytes(b"x")
    manager = _manager(not_a_dir, user_dir)
    with pytest.raises(StorageError, match="Not a directory"):
        manager.start()
    assert not manager.is_running
    assert not_a_dir.read_bytes() == b"x"


# -- hostile input: bounded memory, one clear error ---------------------------------------------
def _zstd() -> Codec:
    return Codec(CodecSettings(compression="zstd"))


def test_a_journal_of_compression_bombs_fails_within_bounded_memory(data_dir: Path, user_dir: Path) -> None:
    env = dict(os.environ, SESSIONKEEPER_COMPRESSION="zstd")
    code = f"""
        from sessionkeeper.core import SessionManager
        m = SessionManager(data_dir={str(data_dir)!r}, user_dir={str(user_dir)!r}, handle_signals=False)
        print(m.start()); m.set("k", 1); m.stop()
    """
    made = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, check=True
    )
    session_id = made.stdout.strip()
    paths = session_paths(data_dir, session_id)
    journal = paths.journal(paths.journal_epochs()[-1])
    # Bound to the session as its writer binds records, so only the sizes can refuse them.
    bomb = seal_record(_zstd(), session_id, session_id, b'["S","k","' + b"a" * (60 * MIB) + b'"]')
    oversized = seal_record(_zstd(), session_id, session_id, b'["S","k","' + b"a" * (100 * MIB) + b'"]')
    with journal.open("ab") as out:
        out.write(oversized + bomb * 8)  # 10 KB on disk, 580 MB if decompressed
    assert journal.stat().st_size < 100_000
    status, output = run_limited(
        f"""
        from pathlib import Path
        from sessionkeeper.core import LimitExceededError, read_session
        try:
            read_session(Path({str(data_dir)!r}), {session_id!r})
        except LimitExceededError as exc:
            print("refused:", exc)
        print(peak())
        """,
        env,
        address_space=2 << 30,
    )
    assert status == 0, output
    assert "refused:" in output, output
    assert "SESSIONKEEPER_MAX_STORE_BYTES" in output, output
    assert peak_memory_line(output) < 700 * 1024, output


def test_an_import_bomb_and_deep_nesting_are_refused_within_bounded_memory(
    tmp_path: Path, data_dir: Path
) -> None:
    bomb = tmp_path / "bomb.export"
    bomb.write_bytes(_zstd().seal(b'{"session_id": "x", "v": "' + b"a" * (300 * MIB) + b'"}', EXPORT_CONTEXT))
    assert bomb.stat().st_size < 100_000
    status, output = run_limited(
        f"""
        from pathlib import Path
        from sessionkeeper.core import LimitExceededError, import_session, read_import_file
        try:
            import_session(Path({str(data_dir)!r}), read_import_file(Path({str(bomb)!r})))
        except LimitExceededError as exc:
            print("refused:", exc)
        print(peak())
        """,
        dict(os.environ),
        address_space=1 << 30,
    )
    assert status == 0, output
    assert "refused:" in output, output
    assert peak_memory_line(output) < 200 * 1024, output
    assert not (data_dir / "sessions").exists() or not any((data_dir / "sessions").iterdir())

    deep = b'{"session_id": "x", "started_at": "2026-01-01T00:00:00", "scope_data": {"session": {"d": '
    deep += b"[" * 300 + b"1" + b"]" * 300 + b"}}}"
    with pytest.raises(CorruptSessionError, match="nested"):
        import_session(data_dir, deep)


def test_devices_fifos_and_missing_files_are_refused_as_import_files(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="not a regular file"):
        read_import_file(Path("/dev/zero"))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(StorageError, match="not a regular file"):
        read_import_file(fifo)  # returns at once: opening a FIFO must not wait for a writer
    with pytest.raises(StorageError, match="No such file"):
        read_import_file(tmp_path / "missing")
    big = tmp_path / "big"
    with big.open("wb") as out:
        out.truncate(3 << 30)  # sparse: 3 GB that are never read
    with pytest.raises(LimitExceededError):
        read_import_file(big)


def test_records_and_events_stay_within_what_a_load_reads(data_dir: Path, user_dir: Path) -> None:
    limits = Limits(max_records=1_000)
    manager = _manager(data_dir, user_dir, limits=limits)
    session_id = manager.start()
    for round_ in range(3_000):  # far more records than a load reads: checkpoints fold them
        manager.set("counter", round_)
    recorded = 0
    refused: LimitExceededError | None = None
    while refused is None and recorded < 2_000:
        try:
            manager.record(TaskStarted(task_id=f"T{recorded}", title="t"))
            recorded += 1
        except LimitExceededError as exc:
            refused = exc
    assert "SESSIONKEEPER_MAX_RECORDS" in str(refused)
    assert 800 <= recorded < 1_000
    manager.stop()
    resumed = _manager(data_dir, user_dir, limits=limits)
    resumed.resume(session_id)
    assert (resumed.get("counter"), len(resumed.events())) == (2_999, recorded)
    resumed.stop()
