"""D. ``set()`` throughput under each fsync policy, against the physical limit of the same disk.

For every policy the SESSION scope is prefilled, then ``set()`` is timed on random existing keys,
with realistic values (``_values.py``: small dicts, strings, lists; seeded).
The baseline writes the very same journal records (same bytes, encoded in advance) with raw
``os.write`` on an ``O_APPEND`` descriptor in the same directory, plus ``os.fdatasync`` after
each record for "always" (what that policy promises). "always" runs far fewer iterations: each
one waits for the disk.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from bench._harness import Config, Figure, Kind, Target, interleaved, log, manager, median, scratch_dir
from bench._values import values as realistic
from bench.core_set import count, key_names
from sessionkeeper.core import FsyncPolicy, SessionManager
from sessionkeeper.core.model.values import encode_value
from sessionkeeper.core.storage.journal import frame, set_payload

__all__ = ["run"]

TARGET_ALWAYS_VS_RAW = 0.5


def _raw_sample(path: Path, records: list[bytes], sync: bool) -> tuple[float, int]:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        write, fdatasync = os.write, os.fdatasync
        start = time.perf_counter()
        if sync:
            for record in records:
                write(fd, record)
                fdatasync(fd)
        else:
            for record in records:
                write(fd, record)
        elapsed = time.perf_counter() - start
    finally:
        os.close(fd)
    return elapsed, len(records)


def _policy(cfg: Config, policy: FsyncPolicy, n_keys: int, ops: int, bench: str) -> Figure:
    rng = random.Random(4)
    keys = key_names(n_keys)
    picks = [keys[rng.randrange(n_keys)] for _ in range(ops)]
    values = realistic(ops, 4)
    records = [
        frame(set_payload(key, encode_value(key, value)[1])) for key, value in zip(picks, values, strict=True)
    ]
    sync = policy is FsyncPolicy.ALWAYS
    with scratch_dir(cfg, f"fsync-{policy.value}") as directory:
        # Prefill without fsync (10k synced writes would only cost time), then resume the
        # session under the policy being measured: its journal starts empty, as after a restart.
        with manager(directory, FsyncPolicy.NEVER) as prefill:
            for key, value in zip(keys, realistic(n_keys, 1), strict=True):
                prefill.set(key, value)
            session_id = prefill.session_id
        assert session_id is not None
        raw_file = directory / "raw.journal"
        session = SessionManager(
            data_dir=directory / "data", user_dir=directory / "user", fsync=policy, handle_signals=False
        )
        session.resume(session_id)

        def sample_set() -> tuple[float, int]:
            session_set = session.set
            start = time.perf_counter()
            for key, value in zip(picks, values, strict=True):
                session_set(key, value)
            return time.perf_counter() - start, ops

        def sample_raw() -> tuple[float, int]:
            return _raw_sample(raw_file, records, sync)

        try:
            rates = interleaved(cfg.reps, {"set": sample_set, "raw": sample_raw}, Kind.RATE)
        finally:
            session.stop()
    size = sum(map(len, records)) / len(records)
    return Figure(
        bench=bench,
        name=f"set() {count(n_keys)} keys, fsync={policy.value}",
        kind=Kind.RATE,
        unit="set/s",
        value=median(rates["set"]),
        samples=tuple(rates["set"]),
        baseline_name="raw write+fdatasync" if sync else "raw write (O_APPEND)",
        baseline=median(rates["raw"]),
        baseline_samples=tuple(rates["raw"]),
        target=Target.min_ratio(TARGET_ALWAYS_VS_RAW) if sync else None,
        note=f"{ops:,} calls per repetition; baseline writes the same {size:.0f}-byte records",
    )


def run(cfg: Config) -> list[Figure]:
    n_keys = cfg.size(10_000, 1_000)
    plan = (
        (FsyncPolicy.ALWAYS, cfg.size(2_000, 200)),
        (FsyncPolicy.INTERVAL, cfg.size(100_000, 10_000)),
        (FsyncPolicy.NEVER, cfg.size(100_000, 10_000)),
    )
    figures = []
    for number, (policy, ops) in enumerate(plan, start=1):
        log(f"  D: set() with fsync={policy.value} ({cfg.reps} x {ops:,} calls)")
        figures.append(_policy(cfg, policy, n_keys, ops, f"D{number}"))
    return figures
