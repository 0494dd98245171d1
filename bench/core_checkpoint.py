"""B. ``SessionManager.checkpoint()`` of a session holding N keys, right after N ``set()`` calls.

Before every timed checkpoint, N untimed ``set()`` calls update random keys, so each checkpoint
seals and compacts a journal of N records, as in use. Values are realistic (``_values.py``).
The baseline is the least any snapshot writer can do with the same data: ``orjson.dumps`` of the
same plain dict, then an atomic write of those bytes (temp file, write, fsync, ``os.replace``,
fsync of the directory) on the same file system.
"""

from __future__ import annotations

import random
import time
from typing import Any

import orjson

from bench._atomic import atomic_write
from bench._harness import Config, Figure, Kind, Target, interleaved, log, manager, median, scratch_dir
from bench._values import describe, values
from bench.core_set import count, key_names

__all__ = ["run"]

TARGET_VS_RAW = 3.0


def run(cfg: Config) -> list[Figure]:
    n_keys = cfg.size(100_000, 5_000)
    log(f"  B: checkpoint() of {count(n_keys)} keys ({cfg.reps} reps, {n_keys:,} untimed set() before each)")
    rng = random.Random(2)
    keys = key_names(n_keys)
    with scratch_dir(cfg, "checkpoint") as directory, manager(directory) as session:
        raw_dir = directory / "raw"
        raw_dir.mkdir()
        raw_file = raw_dir / "session.json"
        plain: dict[str, Any] = {}
        for key, value in zip(keys, values(n_keys, 1), strict=True):
            session.set(key, value)
            plain[key] = value
        rounds = 0
        sizes: dict[str, int] = {}

        def sample_checkpoint() -> tuple[float, int]:
            nonlocal rounds
            rounds += 1
            for value in values(n_keys, 100 + rounds):  # untimed: the N sets the checkpoint compacts
                key = keys[rng.randrange(n_keys)]
                session.set(key, value)
                plain[key] = value
            start = time.perf_counter()
            saved = session.checkpoint()
            elapsed = time.perf_counter() - start
            if not saved:
                raise RuntimeError(f"checkpoint failed: {session.last_save_error}")
            sizes["snapshot"] = session.info().snapshot_bytes
            return elapsed, 1

        def sample_raw() -> tuple[float, int]:
            start = time.perf_counter()
            data = orjson.dumps(plain)
            atomic_write(raw_file, data)
            elapsed = time.perf_counter() - start
            sizes["raw"] = len(data)
            return elapsed, 1

        times = interleaved(cfg.reps, {"checkpoint": sample_checkpoint, "raw": sample_raw}, Kind.DURATION)
    return [
        Figure(
            bench="B1",
            name=f"checkpoint() {count(n_keys)} keys",
            kind=Kind.DURATION,
            unit="s",
            value=median(times["checkpoint"]),
            samples=tuple(times["checkpoint"]),
            baseline_name="orjson.dumps + atomic write",
            baseline=median(times["raw"]),
            baseline_samples=tuple(times["raw"]),
            target=Target.max_ratio(TARGET_VS_RAW),
            note=(
                f"snapshot file {sizes['snapshot']:,} B vs {sizes['raw']:,} B of plain JSON; "
                f"each checkpoint follows {n_keys:,} untimed set() calls; "
                + describe(list(plain.values())[:1000])
            ),
        )
    ]
