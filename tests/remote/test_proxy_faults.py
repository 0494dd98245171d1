"""Pushes through a loopback proxy (:mod:`.proxy`) that delays and cuts connections in front of the
loopback S3 server: a push either works or fails with one documented error (never hangs past its
timeouts, never names the endpoint); once the network heals a push works, the remote verifies,
a restore gives exactly the acknowledged values, and what was sent again after a cut is at most one
object. A running manager's set() is never failed, nor slowed, by any of it."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sessionkeeper.core import SessionManager, resolve_codec
from sessionkeeper.core.errors import (
    RemoteIntegrityError,
    StorageError,
    TargetAccessError,
    TargetMissingError,
    TargetUnavailableError,
)
from sessionkeeper.core.remote.keys import object_key
from sessionkeeper.core.remote.push import PushResult, push_remote
from sessionkeeper.core.remote.reading import fetch_index, read_manifest
from sessionkeeper.core.remote.replicator import Replicator
from sessionkeeper.core.remote.restore import restore_session
from sessionkeeper.core.remote.s3 import S3Target
from sessionkeeper.core.remote.settings import RemoteSettings, TargetURL
from sessionkeeper.core.remote.state import StateFiles
from sessionkeeper.core.remote.verify import verify_remote
from tests.remote.proxy import FaultProxy
from tests.remote.s3server import LoopbackS3
from tests.remote.support import remote_settings, session_values, wait_for

pytestmark = pytest.mark.usefixtures("encrypted")

# What a push may raise when the network fails it: the target's own errors (all StorageError),
# never an integrity or a key error (a cut is not tampering), never obstore's own exceptions.
CUT_ERRORS = (TargetUnavailableError, StorageError)
NOT_FROM_A_CUT = (RemoteIntegrityError, TargetAccessError, TargetMissingError)
SLACK = 64 << 10  # request heads, the manifest read, the index and manifest written: well under this


@pytest.fixture
def proxy(loopback_s3: LoopbackS3) -> Iterator[FaultProxy]:
    with FaultProxy(loopback_s3.port) as running:
        yield running


def through(proxy: FaultProxy, server: LoopbackS3, url: TargetURL) -> S3Target:
    """A target reaching ``server`` through ``proxy``: one request times out after 2 s, one retry
    (the cut push fails within seconds, not the default 30 s, four times)."""
    return S3Target(url, server.connection(endpoint=proxy.endpoint), timeout=2, retries=1)


class Writer:
    """Sessions written by the real manager, each with values of its own: what the managers
    acknowledged (``values``) is what a restore must give back. Values are incompressible, so a
    session of ``size`` bytes is a snapshot object of about that size."""

    def __init__(self, data_dir: Path, user_dir: Path) -> None:
        self.data_dir, self.user_dir = data_dir, user_dir
        self.values: dict[str, dict[str, object]] = {}

    def add_session(self, size: int, pieces: int = 4) -> None:
        manager = SessionManager(
            data_dir=self.data_dir,
            user_dir=self.user_dir,
            background=False,
            handle_signals=False,
            remote=False,
            max_sessions=100,  # every session stays (retention would drop them from the next push)
        )
        session_id = manager.start()
        values = self.values.setdefault(session_id, {})
        for index in range(pieces):
            values[f"v{index}"] = os.urandom(size // pieces // 2).hex()
            manager.set(f"v{index}", values[f"v{index}"])
        manager.stop()  # a checkpoint: the session is one snapshot


def push_under_fault(data_dir: Path, user_dir: Path, settings: RemoteSettings, target: S3Target) -> str:
    """One push through a failing network: it works, or it raises one documented error quickly."""
    started = time.monotonic()
    failure: BaseException | None = None
    try:
        push_remote(data_dir, user_dir, settings, resolve_codec(), target=target)
    except NOT_FROM_A_CUT as exc:
        pytest.fail(f"a network fault reported as {type(exc).__name__}: {exc}")
    except CUT_ERRORS as exc:
        failure = exc
    assert time.monotonic() - started < 20, "a push through a failing network took too long"
    if failure is None:
        return "pushed"
    assert "127.0.0.1" not in str(failure)  # the endpoint is never in a message
    return type(failure).__name__


def healed_push(
    data_dir: Path,
    user_dir: Path,
    settings: RemoteSettings,
    target: S3Target,
    direct: S3Target,
    proxy: FaultProxy,
) -> PushResult:
    """The push after healing: it works, and sends again at most one object that was already there."""
    before = {info.key: info.size for info in direct.list("objects")}
    up = proxy.bytes_up
    result = push_remote(data_dir, user_dir, settings, resolve_codec(), target=target)
    sent = proxy.bytes_up - up
    found = read_manifest(direct, resolve_codec(), settings.host)
    assert found is not None
    index = fetch_index(direct, resolve_codec(), settings.host, found.manifest.latest)
    needed = {object_key(digest) for digest in index.parts()}
    sizes = {info.key: info.size for info in direct.list("objects")}
    missing = sum(sizes[key] for key in needed - set(before))
    largest = max(sizes[key] for key in needed)
    assert result.reused <= 1, result  # objects already there, sent again
    assert sent <= missing + largest + SLACK, (sent, missing, largest)  # bytes: at most one object again
    return result


def check_restores(direct: S3Target, settings: RemoteSettings, writer: Writer, place: Path) -> None:
    """The remote verifies, and every session restores with exactly its acknowledged values."""
    check = verify_remote(direct, resolve_codec())
    assert check.ok, check.problems
    for session_id, values in writer.values.items():
        restore_session(direct, resolve_codec(), settings.host, session_id, place / session_id)
        assert session_values(place / session_id, session_id) == values


def test_the_proxy_delays_cuts_refuses_and_heals(loopback_s3: LoopbackS3, proxy: FaultProxy) -> None:
    bucket = loopback_s3.new_bucket()

    def listing() -> bytes:
        with urllib.request.urlopen(f"{proxy.endpoint}/{bucket}", timeout=10) as answer:  # noqa: S310 - loopback
            return bytes(answer.read())

    assert b"ListBucketResult" in listing()
    proxy.delay(0.3)
    started = time.monotonic()
    listing()
    assert time.monotonic() - started >= 0.3  # a request and its answer: a chunk each way at least
    proxy.heal()
    proxy.cut_after(100)
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        listing()
    assert proxy.cuts >= 1
    proxy.heal()
    proxy.refuse()
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        listing()
    assert proxy.refused == 1
    proxy.heal()
    assert b"ListBucketResult" in listing()
    assert proxy.bytes_up > 0
    assert proxy.bytes_down > 0


# (proxy fault, cut at bytes, sizes of the sessions written before the push): the manifest read
# cut; small objects landing on their connections while a larger one is cut midway; the answers
# to uploads cut after the server took them (the push cannot know they landed); a cut late enough
# for the push to work.
ROUNDS = [
    ("cut_after", 300, [40_000]),
    ("cut_after", 100_000, [20_000, 40_000, 60_000, 240_000]),
    ("cut_after", 60_000, [10_000] * 6 + [150_000]),
    ("cut_answers_after", 30_000, [50_000, 70_000, 90_000]),
    ("cut_after", 4_000_000, [30_000, 30_000]),
]


def test_pushes_through_cut_connections_fail_cleanly_and_the_healed_push_resends_at_most_one_object(
    loopback_s3: LoopbackS3, proxy: FaultProxy, tmp_path: Path
) -> None:
    settings = remote_settings(TargetURL("s3", loopback_s3.new_bucket(), "cuts"))
    target = through(proxy, loopback_s3, settings.url)
    direct = S3Target(settings.url, loopback_s3.connection())
    writer = Writer(tmp_path / "RUNS", tmp_path / "user")
    outcomes: list[str] = []
    landed_before_healing = 0
    for round_, (fault, size, sessions) in enumerate(ROUNDS):
        for session_size in sessions:
            writer.add_session(session_size)
        getattr(proxy, fault)(size)
        before = len(list(direct.list("objects")))
        outcomes.append(push_under_fault(writer.data_dir, writer.user_dir, settings, target))
        if outcomes[-1] != "pushed":
            landed_before_healing += len(list(direct.list("objects"))) - before
            state = StateFiles(writer.data_dir).load()
            assert state.last_error is not None
            assert state.failures >= 1
        proxy.heal()
        healed_push(writer.data_dir, writer.user_dir, settings, target, direct, proxy)
        check_restores(direct, settings, writer, tmp_path / f"restored-{round_}")
    assert outcomes.count("TargetUnavailableError") >= 3, outcomes  # the cuts did fail pushes
    assert outcomes[-1] == "pushed"
    assert landed_before_healing >= 2  # failed pushes had objects land: the resume was tested


def test_a_slow_network_is_waited_for_and_one_too_slow_is_a_timeout(
    loopback_s3: LoopbackS3, proxy: FaultProxy, tmp_path: Path
) -> None:
    settings = remote_settings(TargetURL("s3", loopback_s3.new_bucket(), "slow"))
    target = through(proxy, loopback_s3, settings.url)
    direct = S3Target(settings.url, loopback_s3.connection())
    writer = Writer(tmp_path / "RUNS", tmp_path / "user")
    for _ in range(3):
        writer.add_session(40_000)
    proxy.delay(0.01)  # every 16 KiB waits 10 ms: slow, within the timeouts
    assert push_under_fault(writer.data_dir, writer.user_dir, settings, target) == "pushed"
    writer.add_session(40_000)
    proxy.delay(2.5)  # every chunk waits longer than a request may take
    started = time.monotonic()
    assert push_under_fault(writer.data_dir, writer.user_dir, settings, target) == "TargetUnavailableError"
    assert time.monotonic() - started < 15  # timeouts and one retry, not a hang
    proxy.heal()
    proxy.cut_all()  # the connections still waiting on the slow answers
    healed_push(writer.data_dir, writer.user_dir, settings, target, direct, proxy)
    check_restores(direct, settings, writer, tmp_path / "restored")


def steer(proxy: FaultProxy, fault: str) -> None:
    """One fault of the network for a while (each replaces the one before)."""
    proxy.heal()
    if fault == "delay":
        proxy.delay(0.05)
    elif fault == "cut":
        proxy.cut_after(4_000)
    elif fault == "refuse":
        proxy.refuse()
        proxy.cut_all()
    else:
        proxy.delay(0.02)
        proxy.cut_after(30_000)


def test_a_running_manager_replicates_through_delays_cuts_and_refusals(
    loopback_s3: LoopbackS3, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in loopback_s3.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)  # the manager's pushes go through the proxy
    settings = remote_settings(TargetURL("s3", loopback_s3.new_bucket(), "live"), interval=1.0)
    direct = S3Target(settings.url, loopback_s3.connection())
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, remote=settings)
    manager.start()
    session_id = manager.session_id
    assert session_id is not None
    replicator = manager._replicator
    assert isinstance(replicator, Replicator)
    acknowledged: dict[str, object] = {}
    slowest = 0.0
    try:
        assert wait_for(lambda: replicator.pushes >= 1, 10)
        index = 0
        for fault in ("delay", "cut", "refuse", "cut-and-delay"):
            steer(proxy, fault)
            phase_end = time.monotonic() + 2.5
            while time.monotonic() < phase_end:
                key, written = f"k{index}", {"n": index, "pad": os.urandom(200).hex()}
                before = time.perf_counter()
                manager.set(key, written)  # never raises: the remote is not on this path
                slowest = max(slowest, time.perf_counter() - before)
                acknowledged[key] = written
                index += 1
                if index % 500 == 0:
                    manager.checkpoint()  # wakes the replicator: pushes during every fault
                time.sleep(0.002)
        assert replicator.failures >= 1  # the faults did fail pushes
        assert slowest < 0.25, slowest  # set() never waited for the remote

        proxy.heal()
        pushes = replicator.pushes
        replicator.wake(now=True)
        assert wait_for(lambda: replicator.failures == 0 and replicator.pushes > pushes, 30)
    finally:
        manager.stop()  # its last push sends the rest (the network is healed)
    assert StateFiles(data_dir).load().last_error is None
    check = verify_remote(direct, resolve_codec())
    assert check.ok, check.problems
    place = tmp_path / "restored"
    restore_session(direct, resolve_codec(), settings.host, session_id, place)
    assert session_values(place, session_id) == acknowledged
