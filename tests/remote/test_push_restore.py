"""Push, restore, verify: the round trip on every kind of remote (a directory, S3 on loopback),
with the real manager writing the sessions and the real loader reading what came back."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkeeper.core import SessionManager, StateScope, resolve_codec, session_paths
from sessionkeeper.core.errors import (
    RemoteIntegrityError,
    RemoteKeyError,
    RemotePlaintextError,
    SessionNotFoundError,
    StorageError,
)
from sessionkeeper.core.remote.keys import OBJECTS, manifest_key
from sessionkeeper.core.remote.push import push_remote as push
from sessionkeeper.core.remote.reading import read_manifest
from sessionkeeper.core.remote.restore import restore_session
from sessionkeeper.core.remote.settings import TargetURL, open_target
from sessionkeeper.core.remote.state import StateFiles
from sessionkeeper.core.remote.verify import verify_remote
from sessionkeeper.core.storage.locks import read_end_in_place
from sessionkeeper.core.storage.records import RECORD_HEAD, RECORD_MAGIC
from tests.remote.support import KEY_ENV, OTHER_KEY, Remote, remote_settings, session_values, write_session

pytestmark = pytest.mark.usefixtures("encrypted")


@pytest.fixture
def remote(remote_url: TargetURL) -> Remote:
    return Remote(remote_settings(remote_url), open_target(remote_url))


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "RUNS", tmp_path / "user"


def test_a_pushed_session_restores_elsewhere_with_every_value_and_event(
    remote: Remote, dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    data_dir, user_dir = dirs
    session_id, _ = write_session(data_dir, user_dir)
    result = push(data_dir, user_dir, remote.settings, resolve_codec())
    assert result.changed
    assert (result.seq, result.stores) == (1, 3)  # the session, APP and USER
    assert result.objects >= 3

    elsewhere = tmp_path / "elsewhere"
    restored = restore_session(remote.target, resolve_codec(), remote.settings.host, session_id, elsewhere)
    assert restored.seq == 1
    assert (restored.keys, restored.events) == (20, 1)
    assert session_values(elsewhere, session_id) == session_values(data_dir, session_id)
    original = sorted(p.relative_to(data_dir) for p in (data_dir / "sessions").rglob("*.json*"))
    assert sorted(p.relative_to(elsewhere) for p in (elsewhere / "sessions").rglob("*.json*")) == original
    assert verify_remote(remote.target, resolve_codec()).ok


def test_objects_leave_encrypted_and_the_remote_names_no_value(
    remote: Remote, dirs: tuple[Path, Path]
) -> None:
    data_dir, user_dir = dirs
    write_session(data_dir, user_dir)
    push(data_dir, user_dir, remote.settings, resolve_codec())
    for key, data in remote.snapshot().items():
        assert b"key1" not in data, key
        assert b"dark" not in data, key
        assert b"sessionkeeper" not in data, key  # the APP value, the store names in the index


def test_a_second_push_sends_only_what_changed(remote: Remote, dirs: tuple[Path, Path]) -> None:
    data_dir, user_dir = dirs
    session_id, manager = write_session(data_dir, user_dir, 200, stop=False)
    manager.checkpoint()
    first = push(data_dir, user_dir, remote.settings, resolve_codec())
    again = push(data_dir, user_dir, remote.settings, resolve_codec())
    assert (again.changed, again.objects, again.seq) == (False, 0, first.seq)  # nothing changed

    manager.set("late", "one more")  # a journal record: one small segment, not the snapshot again
    third = push(data_dir, user_dir, remote.settings, resolve_codec())
    assert third.changed
    assert third.objects == 1
    assert third.bytes < 1024
    manager.set("later", "and another")
    fourth = push(data_dir, user_dir, remote.settings, resolve_codec())
    assert (fourth.objects, fourth.seq) == (1, first.seq + 2)
    manager.stop()

    elsewhere = data_dir.parent / "elsewhere"
    restore_session(remote.target, resolve_codec(), remote.settings.host, session_id, elsewhere)
    restored = session_values(elsewhere, session_id)
    assert restored["late"] == "one more"
    assert restored["later"] == "and another"


def test_a_record_being_written_in_place_is_not_pushed_before_it_is_whole(
    remote: Remote, dirs: tuple[Path, Path]
) -> None:
    """Under fsync="always" a record lands in reserved zeros, so its frame has its full length
    before all of its bytes are there. A push sends only what is before the logical end that the
    writers keep, so the record that is then written there whole is what the remote gets."""
    data_dir, user_dir = dirs
    manager = SessionManager(
        data_dir=data_dir, user_dir=user_dir, background=False, handle_signals=False, fsync="always"
    )
    session_id = manager.start()
    manager.set("first", 1)
    paths = session_paths(data_dir, session_id)
    epoch = max(paths.journal_epochs())
    end = read_end_in_place(paths.lock, epoch)
    assert end is not None
    with paths.journal(epoch).open("r+b") as file:  # a record being written: its head, half of it
        file.seek(end)
        file.write(RECORD_HEAD.pack(RECORD_MAGIC, 40, 0) + b"x" * 20)
    push(data_dir, user_dir, remote.settings, resolve_codec())
    manager.set("second", 2)  # written at the logical end, over the half record
    push(data_dir, user_dir, remote.settings, resolve_codec())
    assert verify_remote(remote.target, resolve_codec()).ok
    elsewhere = data_dir.parent / "elsewhere"
    restore_session(remote.target, resolve_codec(), remote.settings.host, session_id, elsewhere)
    manager.stop()
    restored = session_values(elsewhere, session_id)
    assert (restored.get("first"), restored.get("second")) == (1, 2)


def test_pushing_plaintext_needs_the_explicit_setting(
    remote: Remote, dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in KEY_ENV:
        monkeypatch.delenv(name)
    data_dir, user_dir = dirs
    session_id, _ = write_session(data_dir, user_dir)
    with pytest.raises(RemotePlaintextError, match="remote-plaintext"):
        push(data_dir, user_dir, remote.settings, resolve_codec())
    assert remote.keys() == []
    import attrs

    plain = attrs.evolve(remote.settings, plaintext=True)
    assert push(data_dir, user_dir, plain, resolve_codec()).changed
    elsewhere = data_dir.parent / "elsewhere"
    restore_session(remote.target, resolve_codec(), plain.host, session_id, elsewhere)
    assert session_values(elsewhere, session_id) == session_values(data_dir, session_id)


def test_a_wrong_key_is_refused_before_anything_changes(
    remote: Remote, dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data_dir, user_dir = dirs
    write_session(data_dir, user_dir)
    push(data_dir, user_dir, remote.settings, resolve_codec())
    before = remote.snapshot()

    monkeypatch.setenv("SESSIONKEEPER_KEY", OTHER_KEY)  # another machine, another key
    other_data, other_user = tmp_path / "other" / "RUNS", tmp_path / "other" / "user"
    other_id, _ = write_session(other_data, other_user)
    import attrs

    for host in (remote.settings.host, "another-host"):  # its own manifest, or another host's
        settings = attrs.evolve(remote.settings, host=host)
        with pytest.raises(RemoteKeyError, match="another key") as caught:
            push(other_data, other_user, settings, resolve_codec())
        assert "nothing was changed" in str(caught.value)
    assert remote.snapshot() == before
    with pytest.raises(RemoteKeyError):
        restore_session(remote.target, resolve_codec(), remote.settings.host, other_id, tmp_path / "x")
    with pytest.raises(RemoteKeyError):
        verify_remote(remote.target, resolve_codec())
    assert not (tmp_path / "x").exists()

    monkeypatch.delenv("SESSIONKEEPER_KEY")  # no key at all
    with pytest.raises(RemotePlaintextError):
        push(other_data, other_user, remote.settings, resolve_codec())
    with pytest.raises(RemoteKeyError, match="no key is configured"):
        restore_session(remote.target, resolve_codec(), remote.settings.host, other_id, tmp_path / "x")


def test_a_tampered_object_is_refused_and_nothing_is_written(
    remote: Remote, dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    data_dir, user_dir = dirs
    session_id, _ = write_session(data_dir, user_dir)
    push(data_dir, user_dir, remote.settings, resolve_codec())
    objects = list(remote.target.list(OBJECTS))
    victim = max(objects, key=lambda info: info.size)  # the session snapshot
    data = bytearray(remote.target.get(victim.key).data)
    data[len(data) // 2] ^= 0x01
    remote.target.put(victim.key, bytes(data), mode="overwrite")

    with pytest.raises(RemoteIntegrityError, match="does not match its name"):
        restore_session(remote.target, resolve_codec(), remote.settings.host, session_id, tmp_path / "x")
    assert not (tmp_path / "x").exists()
    check = verify_remote(remote.target, resolve_codec())
    assert [key for key, _ in check.problems] == [victim.key]


def test_an_older_manifest_put_back_is_noticed(remote: Remote, dirs: tuple[Path, Path]) -> None:
    data_dir, user_dir = dirs
    _, manager = write_session(data_dir, user_dir, stop=False)
    push(data_dir, user_dir, remote.settings, resolve_codec())
    old = remote.target.get(manifest_key(remote.settings.host)).data
    manager.set("newer", 1)
    assert push(data_dir, user_dir, remote.settings, resolve_codec()).seq == 2
    remote.target.put(manifest_key(remote.settings.host), old, mode="overwrite")  # a valid, older one
    before = remote.snapshot()
    with pytest.raises(RemoteIntegrityError, match="rolled back"):
        push(data_dir, user_dir, remote.settings, resolve_codec())
    assert remote.snapshot() == before
    manager.stop()


def test_restore_never_overwrites_and_names_what_is_missing(
    remote: Remote, dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    data_dir, user_dir = dirs
    session_id, _ = write_session(data_dir, user_dir)
    push(data_dir, user_dir, remote.settings, resolve_codec())
    with pytest.raises(StorageError, match="already exists") as caught:
        restore_session(remote.target, resolve_codec(), remote.settings.host, session_id, data_dir)
    assert caught.value.errno == 17
    with pytest.raises(SessionNotFoundError):
        restore_session(
            remote.target, resolve_codec(), remote.settings.host, "session_20200101_000000_00000000", tmp_path
        )
    with pytest.raises(SessionNotFoundError):
        restore_session(remote.target, resolve_codec(), "no-such-host", session_id, tmp_path / "y")


def test_a_push_interrupted_after_any_object_leaves_every_manifest_restorable(
    remote: Remote, dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    """Stop a push after its k-th write, for every k: the manifest is the previous one or the new
    one, every manifest restores whole, and the push that follows sends nothing twice."""
    data_dir, user_dir = dirs
    session_id, manager = write_session(data_dir, user_dir, 50, stop=False)
    push(data_dir, user_dir, remote.settings, resolve_codec())
    for index in range(30):
        manager.set(f"more{index}", index)
    manager.checkpoint()  # a new snapshot, backup and journals: several objects to send
    manager.set("tail", "record")

    class Interrupted(Exception):
        pass

    class StopsAfter:
        """The real target, stopped after ``left`` puts (what a kill between two requests does)."""

        def __init__(self, target: object, left: int) -> None:
            self._target, self.left, self.location = target, left, remote.target.location

        def __getattr__(self, name: str) -> object:
            return getattr(self._target, name)

        def put(self, key: str, *args: object, **kwargs: object) -> object:
            if self.left == 0:
                raise Interrupted
            self.left -= 1
            if key.startswith(OBJECTS):
                sent.append(key)
            return self._target.put(key, *args, **kwargs)  # type: ignore[attr-defined]

    expected = session_values(data_dir, session_id)
    sent: list[str] = []
    interrupted = 0
    for k in range(30):
        before = read_manifest(remote.target, resolve_codec(), remote.settings.host)
        target = StopsAfter(remote.target, k)
        try:
            result = push(data_dir, user_dir, remote.settings, resolve_codec(), target=target)  # type: ignore[arg-type]
        except Interrupted:
            interrupted += 1
            after = read_manifest(remote.target, resolve_codec(), remote.settings.host)
            assert after == before  # nothing a reader sees changed
            assert verify_remote(remote.target, resolve_codec()).ok  # and it restores whole
            continue
        assert result.changed
        assert result.reused == 0
        break
    else:
        pytest.fail("the push never completed")
    assert interrupted >= 4  # objects, index and manifest: each was a place to stop
    assert len(sent) == len(set(sent))  # resumed pushes never sent a finished object again
    assert verify_remote(remote.target, resolve_codec()).ok
    elsewhere = tmp_path / "elsewhere"
    restore_session(remote.target, resolve_codec(), remote.settings.host, session_id, elsewhere)
    assert session_values(elsewhere, session_id) == expected
    manager.stop()


def test_the_state_remembers_only_what_a_committed_push_wrote(
    remote: Remote, dirs: tuple[Path, Path]
) -> None:
    data_dir, user_dir = dirs
    write_session(data_dir, user_dir)
    result = push(data_dir, user_dir, remote.settings, resolve_codec())
    state = StateFiles(data_dir).load()
    assert (state.seq, state.index, state.failures) == (1, result.index, 0)
    assert state.last_success is not None
    raw = (data_dir / "remote.d" / "state.json").read_bytes()
    assert b"AWS" not in raw
    assert b"testing-secret-key" not in raw
    assert not (data_dir / "remote.d" / "sent").exists()


def test_user_and_app_values_go_too(remote: Remote, dirs: tuple[Path, Path]) -> None:
    data_dir, user_dir = dirs
    write_session(data_dir, user_dir)
    result = push(data_dir, user_dir, remote.settings, resolve_codec())
    found = read_manifest(remote.target, resolve_codec(), remote.settings.host)
    assert found is not None
    from sessionkeeper.core.remote.reading import fetch_index

    index = fetch_index(remote.target, resolve_codec(), remote.settings.host, found.manifest.latest)
    assert sorted(store.kind for store in index.stores) == ["app", "session", "user"]
    assert result.stores == 3
    _ = StateScope


def test_past_its_memory_budget_a_push_reads_objects_again_when_it_sends_them(
    remote: Remote, dirs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sessionkeeper.core.remote.push as push_module
    from sessionkeeper.core.errors import StorageError
    from sessionkeeper.core.remote.local import MemoryBudget, iter_blobs, local_stores, plan_store
    from sessionkeeper.core.remote.state import PushState

    data_dir, user_dir = dirs
    session_id, _ = write_session(data_dir, user_dir, count=200)
    plans = [
        plan_store(store, PushState(), require_encryption=True, budget=MemoryBudget(0))
        for store in local_stores(data_dir, user_dir)
    ]
    blobs = list(iter_blobs(plans))
    assert blobs
    assert all(blob.data is None for blob in blobs)  # nothing kept: each is read again when sent
    assert all(len(blob.content()) == blob.size for blob in blobs)

    monkeypatch.setattr(push_module, "_KEEP_BYTES", 0)
    result = push(data_dir, user_dir, remote.settings, resolve_codec())
    assert result.objects == len(blobs) + 1  # and USER's sync document, which the push writes first
    elsewhere = tmp_path / "elsewhere"
    restore_session(remote.target, resolve_codec(), remote.settings.host, session_id, elsewhere)
    assert session_values(elsewhere, session_id) == session_values(data_dir, session_id)
    assert verify_remote(remote.target, resolve_codec()).ok

    # A file replaced between the plan and the send is refused, never sent as another's bytes.
    snapshot = next(blob for blob in blobs if blob.path.name == f"{session_id}.json")
    snapshot.path.write_bytes(snapshot.content()[:-1] + b"!")
    with pytest.raises(StorageError, match="changed while it was pushed"):
        snapshot.content()


def test_a_machine_set_up_again_sends_nothing_the_remote_has(
    remote: Remote, dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    import attrs

    from sessionkeeper.core.remote.restore import restore_all

    data_dir, user_dir = dirs
    session_id, _ = write_session(data_dir, user_dir)
    push(data_dir, user_dir, remote.settings, resolve_codec())
    fresh = tmp_path / "new-laptop"
    assert len(restore_all(remote.target, resolve_codec(), remote.settings.host, fresh).restored) == 2
    first = push(fresh, None, attrs.evolve(remote.settings, host="new-laptop"), resolve_codec())
    assert first.changed
    assert (first.objects, first.bytes, first.reused) == (0, 0, 0)  # not even offered again
    restored = restore_session(remote.target, resolve_codec(), "new-laptop", session_id, tmp_path / "again")
    assert restored.keys == 20
