"""Realistic values for the benchmarks (issue 14), reproducible from a seed.

A task runner keeps, per key, a small record of what happened: mostly small dicts of a few
str/int/float/bool/list fields (about 60 bytes of JSON), plus some plain strings and short lists.
``values(n, seed)`` makes ``n`` of them: 80 % dicts, 10 % strings, 10 % lists, the same for the
same seed on every machine (``random.Random``; no hash randomization involved). The int case, the
benchmarks' old default, stays available as ``ints(n, start)`` for the one row that keeps it.
"""

from __future__ import annotations

import random
from typing import Any

import orjson

__all__ = ["KINDS", "describe", "ints", "small_dict", "values"]

KINDS = "80 % small dicts, 10 % strings, 10 % lists"
STATUSES = ("done", "pending", "failed", "running", "skipped")
STEPS = ("build", "test", "lint", "deploy", "fetch", "package")
HOSTS = ("ci-1", "ci-2", "laptop", "runner-7")


def small_dict(rng: random.Random) -> dict[str, Any]:
    """One task record, e.g. ``{"status":"done","tries":2,"secs":1.234,"ok":true,"tags":["build"]}``."""
    return {
        "status": rng.choice(STATUSES),
        "tries": rng.randrange(1, 5),
        "secs": round(rng.random() * 100, 3),
        "ok": rng.random() < 0.8,
        "tags": [rng.choice(STEPS)],
    }


def _string(rng: random.Random) -> str:
    return f"{rng.choice(STEPS)} on {rng.choice(HOSTS)}: exit {rng.randrange(3)} after {rng.randrange(900)} s"


def _list(rng: random.Random) -> list[Any]:
    return [rng.choice(STEPS) for _ in range(rng.randrange(2, 5))] + [rng.randrange(10_000)]


def values(n: int, seed: int) -> list[Any]:
    """``n`` realistic values (see the module's docstring), the same for the same ``seed``."""
    rng = random.Random(seed)
    out: list[Any] = []
    for _ in range(n):
        draw = rng.random()
        if draw < 0.8:
            out.append(small_dict(rng))
        elif draw < 0.9:
            out.append(_string(rng))
        else:
            out.append(_list(rng))
    return out


def ints(n: int, start: int = 0) -> list[int]:
    """The old default: consecutive ints."""
    return list(range(start, start + n))


def describe(sample: list[Any]) -> str:
    """What a list of values is, for the table's notes: kinds and mean JSON size."""
    size = sum(len(orjson.dumps(value)) for value in sample) / max(1, len(sample))
    return f"realistic values ({KINDS}; {size:.0f} B of JSON on average)"
