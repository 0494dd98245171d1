"""Faults around the remote: the server stopped and started again in the middle of a push, two
hosts pushing to one prefix at once, a manifest or an index tampered with or swapped."""

from __future__ import annotations

import threading
from pathlib import Path

import attrs
import pytest

from sessionkeeper.core import SessionManager, resolve_codec
from sessionkeeper.core.errors import RemoteIntegrityError, TargetUnavailableError
from sessionkeeper.core.remote.keys import manifest_key
from sessionkeeper.core.remote.push import push_remote
from sessionkeeper.core.remote.reading import read_manifest
from sessionkeeper.core.remote.restore import restore_session
from sessionkeeper.core.remote.s3 import S3Target
from sessionkeeper.core.remote.settings import TargetURL
from sessionkeeper.core.remote.verify import verify_remote
from tests.remote.s3server import LoopbackS3
from tests.remote.support import remote_settings, session_values, write_session

pytestmark = pytest.mark.usefixtures("encrypted")


def big_session(data_dir: Path, user_dir: Path, megabytes: int) -> None:
    """A session whose snapshot is ``megabytes`` of incompressible values (a push takes a while)."""
    import os

    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, background=False, handle_signals=False)
    manager.start()
    for index in range(megabytes * 4):
        manager.set(f"blob{index}", os.urandom(128 << 10).hex())
    manager.stop()


def test_the_server_stopped_mid_push_and_started_again(own_server: LoopbackS3, tmp_path: Path) -> None:
    bucket = own_server.new_bucket()
    settings = remote_settings(TargetURL("s3", bucket, "restart"))
    target = S3Target(settings.url, own_server.connection(), timeout=5, retries=1)
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    first = write_session(data_dir, user_dir)[0]
    push_remote(data_dir, user_dir, settings, resolve_codec(), target=target)
    big_session(data_dir, user_dir, 24)  # a second session: ~24 MiB to send

    stopped = threading.Event()

    def stop_after_the_first_object(sent: int, total: int) -> None:
        if not stopped.is_set():  # the server goes away between two objects of this push
            stopped.set()
            own_server.stop()

    with pytest.raises(TargetUnavailableError):
        push_remote(
            data_dir, user_dir, settings, resolve_codec(), target=target, progress=stop_after_the_first_object
        )
    assert stopped.is_set()
    own_server.start()
    assert verify_remote(target, resolve_codec()).ok  # the previous push (or the finished one) is whole
    place = tmp_path / "restored-first"
    restore_session(target, resolve_codec(), settings.host, first, place)
    assert session_values(place, first) == session_values(data_dir, first)

    again = push_remote(data_dir, user_dir, settings, resolve_codec(), target=target)
    assert again.reused <= 1
    assert verify_remote(target, resolve_codec()).ok


def test_two_hosts_pushing_to_one_prefix_at_once(
    loopback_s3: LoopbackS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in loopback_s3.env().items():
        monkeypatch.setenv(name, value)
    bucket = loopback_s3.new_bucket()
    url = TargetURL("s3", bucket, "shared")
    hosts = {}
    for name in ("laptop", "desktop"):
        data_dir, user_dir = tmp_path / name / "RUNS", tmp_path / name / "user"
        session_id, manager = write_session(data_dir, user_dir, stop=False)
        hosts[name] = (data_dir, user_dir, session_id, manager, attrs.evolve(remote_settings(url), host=name))
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(hosts))

    def run(name: str) -> None:
        data_dir, user_dir, _, manager, settings = hosts[name]
        try:
            barrier.wait()
            for round_ in range(8):
                manager.set(f"{name}-{round_}", round_)
                push_remote(data_dir, user_dir, settings, resolve_codec())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(name,)) for name in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    target = S3Target(url, loopback_s3.connection())
    check = verify_remote(target, resolve_codec())
    assert check.ok, check.problems
    assert sorted((h.host, h.seq) for h in check.hosts) == [("desktop", 8), ("laptop", 8)]
    for name, (_, _, session_id, manager, settings) in hosts.items():
        manager.stop()
        place = tmp_path / f"restored-{name}"
        restore_session(target, resolve_codec(), settings.host, session_id, place)
        restored = session_values(place, session_id)
        assert all(restored[f"{name}-{r}"] == r for r in range(8))
        assert not any(key.startswith(tuple(set(hosts) - {name})) for key in restored)


@pytest.fixture
def pushed(
    loopback_s3: LoopbackS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[S3Target, str, str]:
    for name, value in loopback_s3.env().items():
        monkeypatch.setenv(name, value)
    bucket = loopback_s3.new_bucket()
    settings = remote_settings(TargetURL("s3", bucket, "t"))
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    session_id, manager = write_session(data_dir, user_dir, stop=False)
    push_remote(data_dir, user_dir, settings, resolve_codec())
    manager.set("second", 2)
    push_remote(data_dir, user_dir, settings, resolve_codec())
    manager.stop()
    return S3Target(settings.url, loopback_s3.connection()), settings.host, session_id


def test_a_tampered_manifest_is_refused(pushed: tuple[S3Target, str, str], tmp_path: Path) -> None:
    target, host, session_id = pushed
    data = bytearray(target.get(manifest_key(host)).data)
    data[-5] ^= 0x40
    target.put(manifest_key(host), bytes(data), mode="overwrite")
    with pytest.raises(RemoteIntegrityError):
        read_manifest(target, resolve_codec(), host)
    with pytest.raises(RemoteIntegrityError):
        restore_session(target, resolve_codec(), host, session_id, tmp_path / "x")
    check = verify_remote(target, resolve_codec())
    assert [key for key, _ in check.problems] == [manifest_key(host)]


def test_a_manifest_moved_from_another_host_is_refused(pushed: tuple[S3Target, str, str]) -> None:
    target, host, _ = pushed
    target.put(manifest_key("intruder"), target.get(manifest_key(host)).data)  # a valid manifest, wrong place
    with pytest.raises(RemoteIntegrityError):
        read_manifest(target, resolve_codec(), "intruder")


def test_an_index_swapped_for_another_valid_one_is_refused(
    pushed: tuple[S3Target, str, str], tmp_path: Path
) -> None:
    target, host, session_id = pushed
    found = read_manifest(target, resolve_codec(), host)
    assert found is not None
    older, latest = found.manifest.history
    target.put(latest.index, target.get(older.index).data, mode="overwrite")  # push 1 in place of push 2
    with pytest.raises(RemoteIntegrityError, match="not the one its manifest names"):
        restore_session(target, resolve_codec(), host, session_id, tmp_path / "x")
    assert not (tmp_path / "x").exists()
    assert [key for key, _ in verify_remote(target, resolve_codec()).problems] == [latest.index]
