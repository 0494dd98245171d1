"""T. Remote backup (issue 17) against a real S3 server: moto's server mode on loopback, in a child
process of its own (``tests/remote/s3server.py``), so it takes no share of the measured process.

* T1 push throughput: ``push_remote`` of a data directory (8 sessions of incompressible values,
  sealed with zstd + AES-256-GCM: ~4 MiB each) to a fresh prefix — planning, hashing, every object,
  the index and the manifest — in bytes of objects per second; baseline: ``obstore.put`` of the very
  same object bytes (create-only, as the push writes them) to the same server, one after another.
* T2 ``set()`` with replication on: a manager pushing every second (``remote-interval`` 1 s) while
  ``set()`` is called in a loop for 5 s; baseline: the same loop with replication off (interleaved).
* T3/T4 replication lag p99/p50 under a steady write load: a manager replicating every second
  (``remote-interval`` 1 s) while ``set()`` is called 200 times a second for 20 s; a write's lag is
  from ``set()`` returning to the end of the first successful push that *began* after it (so it
  surely holds it). Target (issue 17): p99 <= remote-interval + 1 s.
* T5 restore of a 100k-key session from S3 (``restore_session``: manifest, index, every object
  fetched and hash-checked, files written, the session loaded once); baseline: reading the same
  session's files locally (``read_session`` and every value), interleaved.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from bench._harness import Config, Figure, Kind, Target, interleaved, log, median, scratch_dir
from bench._values import values as realistic
from bench.core_set import key_names

__all__ = ["run"]

TARGET_PUSH_VS_RAW = 0.8
TARGET_SET_WITH_REPLICATION = 0.95
LAG_INTERVAL = 1.0  # remote-interval of the lag bench (the smallest allowed)
_KEY = "Pv3sCw3w5ePz6jOI6dNgFCJ5cqM6d5P0tVfGxWq6GJw="  # a fixed bench key (protects nothing)


def _environment(server: object) -> dict[str, str]:
    env = dict(server.env())  # type: ignore[attr-defined]
    env.update({"SESSIONKEEPER_KEY": _KEY, "SESSIONKEEPER_COMPRESSION": "zstd"})
    return env


def _fill(data_dir: Path, user_dir: Path, sessions: int, megabytes: int) -> None:
    from sessionkeeper.core import SessionManager

    rng = random.Random(7)
    for _ in range(sessions):
        manager = SessionManager(data_dir=data_dir, user_dir=user_dir, background=False, handle_signals=False)
        manager.start()
        for index in range(megabytes * 8):
            manager.set(f"blob{index}", rng.randbytes(64 << 10).hex())
        manager.stop()


def _push_throughput(cfg: Config, server: object) -> Figure:
    import obstore

    from sessionkeeper.core import push_remote, resolve_codec
    from sessionkeeper.core.remote.local import iter_blobs, local_stores, plan_store
    from sessionkeeper.core.remote.s3 import S3Target
    from sessionkeeper.core.remote.settings import RemoteSettings, TargetURL
    from sessionkeeper.core.remote.state import PushState

    sessions, megabytes = cfg.size(8, 2), cfg.size(2, 1)
    with scratch_dir(cfg, "remote-push") as directory:
        data_dir, user_dir = directory / "data", directory / "user"
        _fill(data_dir, user_dir, sessions, megabytes)
        codec = resolve_codec()
        blobs = list(
            iter_blobs(
                [
                    plan_store(s, PushState(), require_encryption=True)
                    for s in local_stores(data_dir, user_dir)
                ]
            )
        )
        total = sum(blob.size for blob in blobs)
        bucket = server.new_bucket()  # type: ignore[attr-defined]
        connection = server.connection()  # type: ignore[attr-defined]
        raw_store = S3Target(f"s3://{bucket}/raw", connection)._store
        rounds = iter(range(1_000_000))

        def sample_push() -> tuple[float, int]:
            shutil.rmtree(data_dir / "remote.d", ignore_errors=True)  # nothing known: everything goes
            url = TargetURL("s3", bucket, f"push-{next(rounds)}")
            settings = RemoteSettings(url, "bench", host="bench")
            target = S3Target(url, connection)
            start = time.perf_counter()
            result = push_remote(data_dir, user_dir, settings, codec, target=target)
            elapsed = time.perf_counter() - start
            assert result.bytes == total, (result.bytes, total)
            return elapsed, result.bytes

        def sample_raw() -> tuple[float, int]:
            prefix = f"r{next(rounds)}"
            start = time.perf_counter()
            for blob in blobs:
                obstore.put(
                    raw_store, f"{prefix}/{blob.digest}", blob.content(), mode="create", use_multipart=False
                )
            return time.perf_counter() - start, total

        rates = interleaved(cfg.reps, {"push": sample_push, "raw": sample_raw}, Kind.RATE)
    return Figure(
        bench="T1",
        name=f"push of {sessions} sessions ({total / (1 << 20):.0f} MiB sealed) to S3 on loopback",
        kind=Kind.RATE,
        unit="B/s",
        value=median(rates["push"]),
        samples=tuple(rates["push"]),
        baseline_name="obstore.put of the same objects",
        baseline=median(rates["raw"]),
        baseline_samples=tuple(rates["raw"]),
        target=Target.min_ratio(TARGET_PUSH_VS_RAW),
        note=f"{len(blobs)} objects; moto server in its own process",
    )


def _set_with_replication(cfg: Config, server: object) -> Figure:
    from sessionkeeper.core import SessionManager
    from sessionkeeper.core.remote.settings import RemoteSettings, TargetURL

    seconds = cfg.size(5, 2)
    keys = key_names(10_000)
    values = realistic(20_000, 5)
    rng = random.Random(5)
    picks = [keys[rng.randrange(len(keys))] for _ in range(len(values))]
    bucket = server.new_bucket()  # type: ignore[attr-defined]
    with scratch_dir(cfg, "remote-set") as directory:
        managers = {}
        for name, on in (("on", True), ("off", False)):
            remote = (
                RemoteSettings(TargetURL("s3", bucket, name), "bench", interval=1.0, host=name)
                if on
                else False
            )
            manager = SessionManager(
                data_dir=directory / name,
                user_dir=directory / f"{name}-user",
                handle_signals=False,
                remote=remote,
            )
            manager.start()
            for key in keys:
                manager.set(key, 0)
            managers[name] = manager
        replicator = managers["on"]._replicator  # the bench checks that replication runs
        assert replicator is not None

        def sampler(name: str) -> Callable[[], tuple[float, int]]:
            manager = managers[name]

            def sample() -> tuple[float, int]:
                session_set = manager.set
                done = 0
                start = time.perf_counter()
                deadline = start + seconds
                while time.perf_counter() < deadline:
                    for key, value in zip(picks, values, strict=True):
                        session_set(key, value)
                    done += len(values)
                return time.perf_counter() - start, done

            return sample

        try:
            rates = interleaved(cfg.reps, {"on": sampler("on"), "off": sampler("off")}, Kind.RATE)
            pushes = replicator.pushes
        finally:
            for manager in managers.values():
                manager.stop()
    return Figure(
        bench="T2",
        name="set() with replication on (every 1 s), 10k keys",
        kind=Kind.RATE,
        unit="set/s",
        value=median(rates["on"]),
        samples=tuple(rates["on"]),
        baseline_name="set() with replication off",
        baseline=median(rates["off"]),
        baseline_samples=tuple(rates["off"]),
        target=Target.min_ratio(TARGET_SET_WITH_REPLICATION),
        note=f"{seconds} s of set() per repetition; {pushes} pushes made meanwhile",
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _replication_lag(cfg: Config, server: object) -> list[Figure]:
    from sessionkeeper.core import SessionManager
    from sessionkeeper.core.remote.settings import RemoteSettings, TargetURL

    seconds, rate = cfg.size(20, 6), 200
    bucket = server.new_bucket()  # type: ignore[attr-defined]
    settings = RemoteSettings(TargetURL("s3", bucket, "lag"), "bench", interval=LAG_INTERVAL, host="lag")
    pushes: list[tuple[float, float]] = []  # (began, ended) of each successful push
    with scratch_dir(cfg, "remote-lag") as directory:
        manager = SessionManager(
            data_dir=directory / "data", user_dir=directory / "user", handle_signals=False, remote=settings
        )
        manager.start()
        replicator = manager._replicator
        assert replicator is not None
        push_once = replicator.push_once

        def timed_push() -> bool:
            began = time.monotonic()
            worked = push_once()
            if worked:
                pushes.append((began, time.monotonic()))
            return worked

        replicator.push_once = timed_push  # type: ignore[method-assign]
        writes: list[float] = []
        start = time.monotonic()
        for index in range(seconds * rate):
            due = start + index / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            manager.set(f"k{index % 1000}", index)
            writes.append(time.monotonic())
        deadline = time.monotonic() + 10 * LAG_INTERVAL
        while time.monotonic() < deadline and not any(began > writes[-1] for began, _ in pushes):
            time.sleep(0.05)
        manager.stop()
    lags = []
    for written in writes:
        ended = next((end for began, end in pushes if began >= written), None)
        if ended is not None:
            lags.append(ended - written)
    missing = len(writes) - len(lags)
    note = (
        f"{len(writes)} writes at {rate}/s for {seconds} s; {len(pushes)} pushes; {missing} never pushed; "
        "samples: the smallest and largest lag (a write waits 0 to one interval by design)"
    )
    figures = []
    for bench, fraction, target in (
        ("T3", 0.99, Target.max_value(LAG_INTERVAL + 1.0, f"<= {LAG_INTERVAL + 1.0:g} s")),
        ("T4", 0.50, None),
    ):
        figures.append(
            Figure(
                bench=bench,
                name=f"replication lag p{round(fraction * 100)} (remote-interval {LAG_INTERVAL:g} s)",
                kind=Kind.DURATION,
                unit="s",
                value=_percentile(lags, fraction) if lags and not missing else float("inf"),
                samples=(min(lags), max(lags)) if lags else (),
                baseline_name="remote-interval",
                baseline=LAG_INTERVAL,
                baseline_samples=(LAG_INTERVAL,),
                target=target,
                note=note,
            )
        )
    return figures


def _restore_100k(cfg: Config, server: object) -> Figure:
    from sessionkeeper.core import SessionManager, push_remote, read_session, resolve_codec
    from sessionkeeper.core.remote.restore import restore_session
    from sessionkeeper.core.remote.s3 import S3Target
    from sessionkeeper.core.remote.settings import RemoteSettings, TargetURL

    count = cfg.size(100_000, 10_000)
    bucket = server.new_bucket()  # type: ignore[attr-defined]
    url = TargetURL("s3", bucket, "restore")
    settings = RemoteSettings(url, "bench", host="bench")
    codec = resolve_codec()
    with scratch_dir(cfg, "remote-restore") as directory:
        data_dir, user_dir = directory / "data", directory / "user"
        manager = SessionManager(data_dir=data_dir, user_dir=user_dir, background=False, handle_signals=False)
        manager.start()
        session_id = manager.session_id
        assert session_id is not None
        for index in range(count):
            manager.set(f"key{index:06d}", {"n": index, "text": f"value {index}"})
        manager.stop()
        push_remote(data_dir, user_dir, settings, codec)
        target = S3Target(url, server.connection())  # type: ignore[attr-defined]
        rounds = iter(range(1_000_000))

        def sample_restore() -> tuple[float, int]:
            place = directory / f"restored-{next(rounds)}"
            start = time.perf_counter()
            result = restore_session(target, codec, "bench", session_id, place)
            elapsed = time.perf_counter() - start
            assert result.keys >= count, result.keys
            shutil.rmtree(place)
            return elapsed, 1

        def sample_local() -> tuple[float, int]:
            start = time.perf_counter()
            view = read_session(data_dir, session_id, codec)
            for key in sorted(view.keys()):
                view.get(key)
            return time.perf_counter() - start, 1

        times = interleaved(cfg.reps, {"restore": sample_restore, "local": sample_local}, Kind.DURATION)
        size = sum(path.stat().st_size for path in (data_dir / "sessions").rglob("*") if path.is_file())
    return Figure(
        bench="T5",
        name=f"restore of a {count // 1000}k-key session from S3 on loopback",
        kind=Kind.DURATION,
        unit="s",
        value=median(times["restore"]),
        samples=tuple(times["restore"]),
        baseline_name="reading its files locally (read_session, every value)",
        baseline=median(times["local"]),
        baseline_samples=tuple(times["local"]),
        note=f"{size / (1 << 20):.1f} MiB of session files; the restore loads the session once too",
    )


def run(cfg: Config) -> list[Figure]:
    from tests.remote.s3server import running

    saved = dict(os.environ)
    with running() as server:
        os.environ.update(_environment(server))
        try:
            log("  T: push throughput against obstore.put")
            figures = [_push_throughput(cfg, server)]
            log("  T: set() with replication on and off")
            figures.append(_set_with_replication(cfg, server))
            log("  T: replication lag under a steady write load")
            figures += _replication_lag(cfg, server)
            log("  T: restore of a 100k-key session")
            figures.append(_restore_100k(cfg, server))
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return figures
