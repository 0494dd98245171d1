"""The history archive on a remote: pushed with the sessions (one store per archive file), named by
verify and prune like any object, fetched back only under ``history/`` (issue 17), on a directory
and on S3."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from sessionkeeper.core import (
    CommandExecuted,
    HistoryPolicy,
    SessionManager,
    TaskCompleted,
    TaskStarted,
    apply_retention,
    list_history,
    list_sessions,
    read_history,
    resolve_codec,
)
from sessionkeeper.core.codec.envelope import PLAIN
from sessionkeeper.core.errors import RemoteIntegrityError
from sessionkeeper.core.remote.documents import (
    FileRef,
    HistoryEntry,
    Index,
    Manifest,
    Part,
    StoreEntry,
    open_index,
    seal_index,
    seal_manifest,
)
from sessionkeeper.core.remote.fetch import CACHE_DAYS, ObjectCache, materialise_push
from sessionkeeper.core.remote.keys import index_key, manifest_key, object_key
from sessionkeeper.core.remote.prune import prune_remote
from sessionkeeper.core.remote.push import push_remote
from sessionkeeper.core.remote.reading import fetch_index, read_manifest
from sessionkeeper.core.remote.settings import TargetURL, open_target
from sessionkeeper.core.remote.verify import verify_remote
from sessionkeeper.core.storage.history import write_history
from tests.remote.support import Remote, remote_settings

pytestmark = pytest.mark.usefixtures("encrypted")

DIGEST = "ab" * 32


def record_work(data_dir: Path, user_dir: Path, tag: str, sessions: int) -> list[str]:
    """``sessions`` sessions, the i-th with one task run ``<tag><i>`` (failing when i is odd) and two
    commands (the second failing); returns their ids, oldest first."""
    ids = []
    for number in range(sessions):
        manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, fsync="never")
        ids.append(manager.start())
        try:
            task = f"{tag}{number}"
            manager.record(TaskStarted(task_id=task, title=f"work {task}"))
            manager.record(CommandExecuted(command=f"make {task}", exit_code=0, duration=0.5, task_id=task))
            manager.record(CommandExecuted(command="pytest -x", exit_code=1, duration=1.5, task_id=task))
            manager.record(TaskCompleted(task_id=task, success=number % 2 == 0, duration=2.0))
        finally:
            manager.stop()
    return ids


def retain(data_dir: Path, keep: int) -> tuple[str, ...]:
    """Retention down to ``keep`` sessions; returns the ids it archived."""
    result = apply_retention(data_dir, keep, set(), codec=resolve_codec(), history=HistoryPolicy())
    assert result.kept == ()
    assert result.archived == result.removed
    return result.archived


def latest_index(remote: Remote, host: str) -> Index:
    found = read_manifest(remote.target, resolve_codec(), host)
    assert found is not None
    return fetch_index(remote.target, resolve_codec(), host, found.manifest.latest)


@pytest.fixture
def remote(remote_url: TargetURL) -> Remote:
    return Remote(remote_settings(remote_url, host="laptop"), open_target(remote_url))


def test_a_push_after_retention_carries_the_archive(remote: Remote, tmp_path: Path) -> None:
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    ids = record_work(data_dir, user_dir, "T", 3)
    first = push_remote(data_dir, user_dir, remote.settings, resolve_codec())
    assert first.changed
    assert {s.kind for s in latest_index(remote, "laptop").stores} == {"session"}  # no archive yet

    archived = retain(data_dir, 1)
    assert archived == tuple(ids[:2])
    second = push_remote(data_dir, user_dir, remote.settings, resolve_codec())
    assert second.changed
    assert second.skipped == ()
    index = latest_index(remote, "laptop")
    files = {f.path.name: f for f in list_history(data_dir).files}
    history = {s.name: s for s in index.stores if s.kind == "history"}
    assert set(history) == set(files)
    assert len(history) == 2
    for name, store in history.items():
        assert [ref.path for ref in store.files] == [f"history/{name}"]
        assert store.files[0].size == files[name].size
    assert [s.name for s in index.stores if s.kind == "session"] == [ids[2]]  # the archived are gone
    assert verify_remote(remote.target, resolve_codec()).ok

    # Unchanged archive files are not read again (inode, size, mtime) nor sent again.
    third = push_remote(data_dir, user_dir, remote.settings, resolve_codec())
    assert (third.changed, third.objects) == (False, 0)

    # Fetched back: the archive files byte for byte, under history/ only, readable by core.
    fetched = materialise_push(remote.target, resolve_codec(), "laptop", tmp_path / "fetched")
    assert fetched is not None
    assert fetched.archived == tuple(sorted(ids[:2]))
    assert fetched.sessions == (ids[2],)
    for name, file in files.items():
        assert (tmp_path / "fetched" / "history" / name).read_bytes() == file.path.read_bytes()
    back = list_history(tmp_path / "fetched").files
    assert [read_history(f, resolve_codec()) for f in back] == [
        read_history(files[f.path.name], resolve_codec()) for f in back
    ]
    assert [entry.session_id for entry in list_sessions(tmp_path / "fetched")] == [ids[2]]
    assert sorted(p.name for p in (tmp_path / "fetched").iterdir()) == ["history", "sessions"]
    assert (tmp_path / "fetched").stat().st_mode & 0o777 == 0o700


def test_a_session_archived_after_a_push_becomes_history_on_the_remote(
    remote: Remote, tmp_path: Path
) -> None:
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    ids = record_work(data_dir, user_dir, "T", 2)
    push_remote(data_dir, user_dir, remote.settings, resolve_codec())
    assert {s.name for s in latest_index(remote, "laptop").stores if s.kind == "session"} == set(ids)

    assert retain(data_dir, 1) == (ids[0],)
    push_remote(data_dir, user_dir, remote.settings, resolve_codec())
    index = latest_index(remote, "laptop")
    assert {s.name for s in index.stores if s.kind == "session"} == {ids[1]}
    (archived,) = [s for s in index.stores if s.kind == "history"]
    assert archived.name.startswith(f"{ids[0]}~")
    # Its object is named: a prune (no grace) sweeps the first push's, never it; it verifies.
    pruned = prune_remote(remote.target, resolve_codec(), "laptop", data_dir, keep_last=1, grace=0)
    assert object_key(archived.files[0].parts[0].digest) not in pruned.removed
    assert pruned.pushes_dropped == 1
    assert pruned.objects_removed > 0  # the first push's index and its snapshots
    assert verify_remote(remote.target, resolve_codec()).ok
    again = materialise_push(remote.target, resolve_codec(), "laptop", tmp_path / "fetched")
    assert again is not None
    assert again.archived == (ids[0],)


def test_verify_names_a_missing_archive_object(remote: Remote, tmp_path: Path) -> None:
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    record_work(data_dir, user_dir, "T", 2)
    retain(data_dir, 1)
    push_remote(data_dir, user_dir, remote.settings, resolve_codec())
    (archived,) = [s for s in latest_index(remote, "laptop").stores if s.kind == "history"]
    key = object_key(archived.files[0].parts[0].digest)
    remote.target.delete(key)
    check = verify_remote(remote.target, resolve_codec())
    assert [problem[0] for problem in check.problems] == [key]
    with pytest.raises(RemoteIntegrityError, match="missing"):
        materialise_push(remote.target, resolve_codec(), "laptop", tmp_path / "fetched")
    assert not (tmp_path / "fetched").exists()  # nothing half-fetched is left


def test_a_plain_archive_file_is_skipped_alone(remote: Remote, tmp_path: Path) -> None:
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    record_work(data_dir, user_dir, "T", 3)
    retain(data_dir, 1)
    old, kept = list_history(data_dir).files
    summary, events = read_history(old, resolve_codec())
    plain = write_history(data_dir, summary, events, PLAIN)  # as if archived before encryption
    assert plain == old.path
    result = push_remote(data_dir, user_dir, remote.settings, resolve_codec())
    assert result.skipped == ((old.path.name, f"{old.path.name} is not encrypted (written before "
                                             "encryption was switched on?)"),)  # fmt: skip
    history = [s.name for s in latest_index(remote, "laptop").stores if s.kind == "history"]
    assert history == [kept.path.name]
    assert all(b"session-history" not in data for data in remote.snapshot().values())


def _index_with(store: StoreEntry) -> bytes:
    return seal_index(Index("laptop", 1, "2026-01-01T00:00:00+00:00", (store,)), resolve_codec())


def test_an_index_naming_a_history_file_anywhere_else_is_refused() -> None:
    name = "session_20261020_090000_1a2b3c4d~20261020T090000Z-20261020T174500Z.json"
    part = (Part(DIGEST, 10),)
    good = StoreEntry("history", name, (FileRef(f"history/{name}", part),))
    assert open_index(_index_with(good), resolve_codec(), "laptop", 1, "index").stores == (good,)
    old = StoreEntry("session", "session_20261020_090000_1a2b3c4d", ())  # an index from before the archive
    assert open_index(_index_with(old), resolve_codec(), "laptop", 1, "index").stores == (old,)
    for bad in (
        StoreEntry("history", name, (FileRef("sessions/session_20261020_090000_1a2b3c4d.json", part),)),
        StoreEntry("history", name, (FileRef(f"history/../{name}", part),)),
        StoreEntry("history", "notes.txt", (FileRef("history/notes.txt", part),)),
        StoreEntry("history", f"../{name}", (FileRef(f"history/../{name}", part),)),
        StoreEntry("history", name, (FileRef(f"history/{name}", (Part(DIGEST, -1),)),)),
    ):
        with pytest.raises(RemoteIntegrityError, match="not a sound index"):
            open_index(_index_with(bad), resolve_codec(), "laptop", 1, "index")


def test_the_object_cache_refetches_a_damaged_entry(remote: Remote, tmp_path: Path) -> None:
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    record_work(data_dir, user_dir, "T", 2)
    retain(data_dir, 1)
    push_remote(data_dir, user_dir, remote.settings, resolve_codec())
    cache = ObjectCache(tmp_path / "cache")
    materialise_push(remote.target, resolve_codec(), "laptop", tmp_path / "one", cache=cache)
    fetched = cache.counts.fetched
    assert fetched > 0
    assert cache.counts.cached == 0
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    entries = sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert len(entries) == fetched
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in entries)
    entries[0].write_bytes(b"damaged")  # a damaged entry is thrown away and fetched again

    again = ObjectCache(tmp_path / "cache")
    materialise_push(remote.target, resolve_codec(), "laptop", tmp_path / "two", cache=again)
    assert (again.counts.fetched, again.counts.cached) == (1, fetched - 1)
    for path in (tmp_path / "one").rglob("*"):
        if path.is_file():
            assert (tmp_path / "two" / path.relative_to(tmp_path / "one")).read_bytes() == path.read_bytes()

    # Entries no fetch used for CACHE_DAYS go; anything else in the cache folder stays.
    old = time.time() - (CACHE_DAYS + 1) * 86400
    os.utime(entries[1], (old, old))
    stray = entries[2].with_name("notes.txt")
    stray.write_text("mine")
    os.utime(stray, (old, old))
    assert again.expire() == 1
    assert not entries[1].exists()
    assert entries[2].exists()
    assert stray.read_text() == "mine"


def test_a_push_naming_a_file_of_another_session_is_never_fetched(tmp_path: Path) -> None:
    target = open_target(TargetURL("file", path=tmp_path / "remote"))
    data = b"sealed bytes"
    digest = hashlib.sha256(data).hexdigest()
    target.put(object_key(digest), data)
    mine, other = "session_20261020_090000_1a2b3c4d", "session_20261020_090000_00000000"
    store = StoreEntry("session", mine, (FileRef(f"sessions/{other}.json", (Part(digest, len(data)),)),))
    sealed = _index_with(store)
    key = index_key("laptop", 1, hashlib.sha256(sealed).hexdigest())
    target.put(key, sealed)
    entry = HistoryEntry(1, "2026-01-01T00:00:00+00:00", key, hashlib.sha256(sealed).hexdigest())
    manifest = Manifest("laptop", 1, entry.at, (entry,))
    target.put(manifest_key("laptop"), seal_manifest(manifest, resolve_codec()))
    with pytest.raises(RemoteIntegrityError, match=f"as a file of {mine}"):
        materialise_push(target, resolve_codec(), "laptop", tmp_path / "fetched")
    assert not (tmp_path / "fetched").exists()


def test_restore_all_brings_the_archive_back(remote: Remote, tmp_path: Path) -> None:
    from sessionkeeper.core.remote.restore import restore_all
    from sessionkeeper.core.storage.history import list_history

    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    ids = record_work(data_dir, user_dir, "T", 3)
    archived = retain(data_dir, 1)
    push_remote(data_dir, user_dir, remote.settings, resolve_codec())

    fresh = tmp_path / "new-machine"
    planned = restore_all(remote.target, resolve_codec(), "laptop", fresh, dry_run=True)
    assert not fresh.exists()
    done = restore_all(remote.target, resolve_codec(), "laptop", fresh)
    assert [r.session_id for r in done.restored] == [r.session_id for r in planned.restored]
    by_kind = {r.session_id: r for r in done.restored}
    assert ids[2] in by_kind  # the live one
    history = {file.session_id: file for file in list_history(fresh).files}
    assert set(history) == set(archived)
    for file in history.values():
        assert file.path.read_bytes() == (data_dir / "history" / file.path.name).read_bytes()
        assert by_kind[file.path.name].events == 4  # read back: start, two commands, completion
    again = restore_all(remote.target, resolve_codec(), "laptop", fresh)
    assert again.restored == ()
    assert len(again.present) == 3
