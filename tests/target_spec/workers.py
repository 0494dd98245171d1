"""What child processes of the specification run (module-level, so ``spawn`` can import them)."""

from __future__ import annotations

import random
from collections.abc import Callable
from multiprocessing.synchronize import Barrier, Event
from typing import Any

from sessionkeeper.core.errors import TargetConflictError, TargetPreconditionError
from sessionkeeper.core.storage.targets import BackupTarget


def payload(seed: int, size: int) -> bytes:
    """Deterministic bytes for ``seed``: whoever reads an object can tell whose (and whether whole)."""
    return random.Random(seed).randbytes(size)


def race_creates(
    opener: Callable[[], BackupTarget], worker: int, keys: list[str], barrier: Barrier, results: Any
) -> None:
    """Create every key at the same moment as the other workers; report which ones this one won."""
    target = opener()
    won = []
    for key in keys:
        barrier.wait()
        try:
            target.put(key, payload(worker, 4096 + worker))
        except TargetConflictError:
            continue
        won.append(key)
    results.put((worker, won))


def increment(opener: Callable[[], BackupTarget], key: str, times: int, barrier: Barrier) -> None:
    """Add one to the counter in ``key`` ``times`` times by read, then replace-if-unchanged, retrying
    on a precondition failure: no increment may be lost."""
    target = opener()
    barrier.wait()
    for _ in range(times):
        while True:
            current = target.get(key)
            try:
                target.put(key, str(int(current.data) + 1).encode(), if_match=current.version)
            except TargetPreconditionError:
                continue
            break


KILL_PAYLOADS = 4  # the writer cycles through this many objects, made before it starts putting


def kill_payload(seed: int, index: int) -> bytes:
    """What :func:`keep_putting` puts as object ``index``: 0.5 to 3 MiB, known to the reader."""
    seed += index % KILL_PAYLOADS
    return payload(seed, random.Random(-seed).randrange(1 << 19, 3 << 20))


def keep_putting(opener: Callable[[], BackupTarget], prefix: str, seed: int, started: Event) -> None:
    """Create objects back to back without end (until killed), so a kill lands mostly mid-put."""
    target = opener()
    made = [kill_payload(seed, index) for index in range(KILL_PAYLOADS)]
    for index in range(1_000_000):
        target.put(f"{prefix}/{index:06d}", made[index % KILL_PAYLOADS])
        started.set()
