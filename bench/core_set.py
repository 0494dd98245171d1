"""A. ``set()`` throughput on a large SESSION scope, with the default fsync policy ("interval").

The scope is prefilled to N keys, then ``set()`` is called with realistic values
(``_values.py``: small dicts of ~60 bytes of JSON, strings, lists; seeded) on keys drawn at
random from the existing ones. A5 keeps the old int-valued case at the large size. Baselines,
measured in the same run and interleaved with it:

* the old tool's way of updating: copy the whole dict on every update (``d = dict(d); d[k] = v``),
  timed over fewer iterations at large N and compared per operation;
* a bare ``dict`` assignment (the floor of any Python key-value update).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from bench._harness import Config, Figure, Kind, Target, interleaved, log, manager, median, scratch_dir
from bench._values import describe, ints
from bench._values import values as realistic

__all__ = ["run"]

TARGET_RATE = 150_000
TARGET_VS_COPY = 100.0
COPY_BUDGET = 30_000_000  # dict entries copied per repetition of the copying baseline


def count(n: int) -> str:
    """10_000 -> "10k"."""
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def key_names(n: int) -> list[str]:
    return [f"key:{i:07d}" for i in range(n)]


def _loop_set(
    session_set: Callable[[str, Any], None], keys: list[str], values: list[Any]
) -> tuple[float, int]:
    start = time.perf_counter()
    for key, value in zip(keys, values, strict=True):
        session_set(key, value)
    return time.perf_counter() - start, len(keys)


def _at_size(
    cfg: Config, n_keys: int, ops: int, first_id: int, judge_copy: bool, as_ints: bool = False
) -> list[Figure]:
    rng = random.Random(n_keys)
    keys = key_names(n_keys)
    picks = [keys[rng.randrange(n_keys)] for _ in range(ops)]
    values: list[Any] = ints(ops) if as_ints else realistic(ops, n_keys)
    initial: list[Any] = ints(n_keys) if as_ints else realistic(n_keys, 1)
    copy_ops = max(100, min(ops, COPY_BUDGET // n_keys))
    copy_picks, copy_values = picks[:copy_ops], values[:copy_ops]

    with scratch_dir(cfg, f"set-{count(n_keys)}") as directory, manager(directory) as session:
        for key, value in zip(keys, initial, strict=True):
            session.set(key, value)
        copying: dict[str, Any] = dict(zip(keys, initial, strict=True))
        bare: dict[str, Any] = dict(copying)

        def sample_set() -> tuple[float, int]:
            return _loop_set(session.set, picks, values)

        def sample_copy() -> tuple[float, int]:
            nonlocal copying
            state = copying
            start = time.perf_counter()
            for key, value in zip(copy_picks, copy_values, strict=True):
                state = dict(state)
                state[key] = value
            elapsed = time.perf_counter() - start
            copying = state
            return elapsed, copy_ops

        def sample_bare() -> tuple[float, int]:
            state = bare
            start = time.perf_counter()
            for key, value in zip(picks, values, strict=True):
                state[key] = value
            return time.perf_counter() - start, ops

        rates = interleaved(
            cfg.reps, {"set": sample_set, "copy": sample_copy, "bare": sample_bare}, Kind.RATE
        )
        assert len(session.keys()) == n_keys

    name = f"set() {count(n_keys)} keys, fsync=interval" + (", int values" if as_ints else "")
    what = "int values" if as_ints else describe(values[:1000])
    common: dict[str, Any] = {"kind": Kind.RATE, "unit": "set/s", "samples": tuple(rates["set"])}
    return [
        Figure(
            bench=f"A{first_id}",
            name=name,
            value=median(rates["set"]),
            baseline_name="bare dict assignment",
            baseline=median(rates["bare"]),
            baseline_samples=tuple(rates["bare"]),
            target=Target.min_value(TARGET_RATE, f">= {TARGET_RATE:,} set/s"),
            note=f"{ops:,} set() calls per repetition on random existing keys; {what}",
            **common,
        ),
        Figure(
            bench=f"A{first_id + 1}",
            name=name,
            value=median(rates["set"]),
            baseline_name="copy dict per update",
            baseline=median(rates["copy"]),
            baseline_samples=tuple(rates["copy"]),
            target=Target.min_ratio(TARGET_VS_COPY) if judge_copy else None,
            note=f"copying baseline timed over {copy_ops:,} updates per repetition (per-op rates compared)",
            **common,
        ),
    ]


def run(cfg: Config) -> list[Figure]:
    small, large = cfg.size(10_000, 1_000), cfg.size(100_000, 5_000)
    ops = cfg.size(100_000, 10_000)
    figures: list[Figure] = []
    for first_id, n_keys in ((1, small), (3, large)):
        log(f"  A: set() at {count(n_keys)} keys ({cfg.reps} x {ops:,} calls)")
        figures += _at_size(cfg, n_keys, ops, first_id, judge_copy=n_keys == large)
    log(f"  A: set() at {count(large)} keys, int values ({cfg.reps} x {ops:,} calls)")
    figures += _at_size(cfg, large, ops, 5, judge_copy=False, as_ints=True)[:1]
    return figures
