"""T. Remote backup (issue 17) against a real S3 server: moto's server mode on loopback, in a child
process of its own (``tests/remote/s3server.py``), so it takes no share of the measured process.

* T1 push throughput: ``push_remote`` of a data directory (8 sessions of incompressible values,
  sealed with zstd + AES-256-GCM: ~4 MiB each) to a fresh prefix — planning, hashing, every object,
  the index and the manifest — in bytes of objects per second; baseline: ``obstore.put`` of the very
  same object bytes (create-only, as the push writes them) to the same server, one after another.
* T2 ``set()`` with replication on: a manager pushing every second (``remote-interval`` 1 s) while
  ``set()`` is called in a loop for 5 s; baseline: the same loop with replication off (interleaved).
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
        total = sum(len(blob.data) for blob in blobs)
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
                    raw_store, f"{prefix}/{blob.digest}", blob.data, mode="create", use_multipart=False
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
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return figures
