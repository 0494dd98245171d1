"""session backup prune's core: this host's history trimmed by count and age, then the objects and
indexes no manifest names swept once they have been unreferenced for the grace period — on a
directory and on S3, with pushes of this host and another host running at the same time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import attrs
import pytest

from sessionkeeper.core import SessionManager, resolve_codec
from sessionkeeper.core.errors import RemoteKeyError
from sessionkeeper.core.remote.prune import prune_remote
from sessionkeeper.core.remote.push import push_remote
from sessionkeeper.core.remote.reading import read_manifest
from sessionkeeper.core.remote.restore import restore_session
from sessionkeeper.core.remote.settings import TargetURL, open_target
from sessionkeeper.core.remote.verify import verify_remote
from tests.remote.support import OTHER_KEY, Remote, remote_settings, session_values

pytestmark = pytest.mark.usefixtures("encrypted")


@pytest.fixture
def remote(remote_url: TargetURL) -> Remote:
    return Remote(remote_settings(remote_url), open_target(remote_url))


class Writer:
    """A data directory whose session changes between pushes (a new snapshot each time)."""

    def __init__(self, root: Path) -> None:
        self.data_dir, self.user_dir = root / "RUNS", root / "user"
        self.manager = SessionManager(
            data_dir=self.data_dir, user_dir=self.user_dir, background=False, handle_signals=False
        )
        self.manager.start()
        assert self.manager.session_id is not None
        self.session_id: str = self.manager.session_id
        self.round = 0

    def change(self) -> None:
        self.round += 1
        self.manager.set("round", self.round)
        self.manager.set(f"k{self.round}", "x" * 300)
        self.manager.checkpoint()


def pushes(writer: Writer, remote: Remote, count: int) -> None:
    for _ in range(count):
        writer.change()
        assert push_remote(writer.data_dir, writer.user_dir, remote.settings, resolve_codec()).changed


def test_prune_keeps_the_last_pushes_and_sweeps_what_nothing_names(remote: Remote, tmp_path: Path) -> None:
    writer = Writer(tmp_path / "a")
    pushes(writer, remote, 5)
    codec, host = resolve_codec(), remote.settings.host
    before = set(remote.keys())
    assert verify_remote(remote.target, codec).unreferenced == 0

    planned = prune_remote(remote.target, codec, host, writer.data_dir, keep_last=2, grace=0, dry_run=True)
    assert (planned.pushes_kept, planned.pushes_dropped, planned.dry_run) == (2, 3, True)
    assert planned.objects_removed > 0
    assert set(remote.keys()) == before  # a dry run changes nothing
    assert not (writer.data_dir / "remote.d" / "prune.json").exists()

    done = prune_remote(remote.target, codec, host, writer.data_dir, keep_last=2, grace=0)
    assert (done.pushes_kept, done.pushes_dropped) == (2, 3)
    assert set(done.removed) == set(planned.removed)
    assert done.bytes_removed > 0
    assert set(remote.keys()) == before - set(done.removed)
    found = read_manifest(remote.target, codec, host)
    assert found is not None
    assert [entry.seq for entry in found.manifest.history] == [4, 5]
    check = verify_remote(remote.target, codec)
    assert check.ok, check.problems
    assert check.unreferenced == 0
    place = tmp_path / "restored"
    restore_session(remote.target, codec, host, writer.session_id, place)
    assert session_values(place, writer.session_id)["round"] == 5

    again = prune_remote(remote.target, codec, host, writer.data_dir, keep_last=2, grace=0)
    assert (again.pushes_dropped, again.objects_removed) == (0, 0)
    pushes(writer, remote, 1)  # the next push after a prune builds on it
    assert verify_remote(remote.target, codec).ok
    writer.manager.stop()


def test_the_grace_period_and_the_age_limit(remote: Remote, tmp_path: Path) -> None:
    writer = Writer(tmp_path / "a")
    pushes(writer, remote, 2)
    time.sleep(1.2)
    pushes(writer, remote, 1)
    codec, host = resolve_codec(), remote.settings.host
    first = prune_remote(remote.target, codec, host, writer.data_dir, keep_within=1.0, grace=0.8)
    assert (first.pushes_kept, first.pushes_dropped) == (1, 2)  # older than a second: dropped
    assert first.objects_removed == 0  # found unreferenced just now: candidates only
    assert first.candidates > 0
    assert verify_remote(remote.target, codec).unreferenced > 0
    time.sleep(0.9)
    second = prune_remote(remote.target, codec, host, writer.data_dir, keep_within=1.0, grace=0.8)
    assert second.objects_removed == first.candidates
    assert second.candidates == 0
    assert verify_remote(remote.target, codec).unreferenced == 0
    writer.manager.stop()


def test_a_wrong_key_prunes_nothing(remote: Remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = Writer(tmp_path / "a")
    pushes(writer, remote, 3)
    before = remote.snapshot()
    monkeypatch.setenv("SESSIONKEEPER_KEY", OTHER_KEY)
    with pytest.raises(RemoteKeyError):
        prune_remote(
            remote.target, resolve_codec(), remote.settings.host, writer.data_dir, keep_last=1, grace=0
        )
    assert remote.snapshot() == before
    writer.manager.stop()


def test_pushes_of_this_host_and_another_during_prunes_stay_whole(remote: Remote, tmp_path: Path) -> None:
    mine, theirs = Writer(tmp_path / "a"), Writer(tmp_path / "b")
    other = attrs.evolve(remote.settings, host="other-host")
    pushes(mine, remote, 3)
    stop = threading.Event()
    failures: list[BaseException] = []

    def keep_pushing(writer: Writer, settings: object) -> None:
        try:
            while not stop.is_set():
                writer.change()
                push_remote(writer.data_dir, writer.user_dir, settings, resolve_codec())  # type: ignore[arg-type]
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=keep_pushing, args=(mine, remote.settings)),
        threading.Thread(target=keep_pushing, args=(theirs, other)),
    ]
    for thread in threads:
        thread.start()
    removed = 0
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            result = prune_remote(
                remote.target, resolve_codec(), remote.settings.host, mine.data_dir, keep_last=2, grace=1.5
            )
            removed += result.objects_removed
            time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert not failures, failures
    assert removed > 0  # it did sweep while both pushed
    check = verify_remote(remote.target, resolve_codec())
    assert check.ok, check.problems
    for writer, host in ((mine, remote.settings.host), (theirs, "other-host")):
        place = tmp_path / f"restored-{host}"
        restore_session(remote.target, resolve_codec(), host, writer.session_id, place)
        assert session_values(place, writer.session_id)["round"] == writer.round
        writer.manager.stop()
