"""The child of the kill harness: resumes one session and writes at full speed until it is killed.

Run as ``python -m tests.crash.writer DATA_DIR USER_DIR SESSION_ID FIRST_SEQ MODE [PREFIX]`` (from
the repository root). Operation number ``seq`` is fully determined by ``seq`` and the writer's key
``PREFIX`` (:func:`operation`, :func:`value`), so the parent can rebuild every write from the
acknowledgements alone; writers with different prefixes write disjoint keys of the same session. After each
``set()`` or ``record()`` returns, the child writes one line ``seq scope key`` to stdout with a
single ``write`` system call: that line is the acknowledgement. A write whose line is not complete
in the output was never acknowledged. Other lines: ``opened S U A`` (the journal epochs the
session, USER and APP stores were opened at) after ``resume()``, and ``C`` / ``c`` just before and
just after each ``checkpoint()`` the writer calls itself, so the parent can tell where a kill landed.

Modes:

* ``steady`` — the background thread checkpoints every 0.05 s and the writer calls
  ``checkpoint()`` every :data:`CHECKPOINT_EVERY` operations;
* ``storm`` — ``checkpoint()`` after every operation, so a kill almost always lands in a checkpoint;
* ``small-journal`` — like ``steady`` with a 16 KiB journal limit, so checkpoints are also started
  by the journal's size;
* ``always`` — like ``steady`` with ``fsync="always"``: the journals are written in place, so a
  kill lands in a ``pwrite`` into reserved space, or in reserving it.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

SLOTS = 4096  # keys per scope; values of a key only ever grow (seq is global and increasing)
EVENT_EVERY = 25
CHECKPOINT_EVERY = 500
CHECKPOINT_INTERVAL = 0.05
SMALL_JOURNAL_LIMIT = 16 << 10
LIFETIME = 60.0  # a child nobody killed stops by itself (the parent died): exit status 3
SCOPES = ("session", "user", "app")
MODES = ("steady", "storm", "small-journal", "always")
_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


class Operation(NamedTuple):
    """One write of the child: a value in a scope, or an event (``scope == "event"``)."""

    seq: int
    scope: str  # "session", "user", "app" or "event"
    key: str  # the key, or the event's task_id


def operation(seq: int, prefix: str = "") -> Operation:
    """What a writer with key ``prefix`` does as its ``seq``-th operation (the same in every process)."""
    if seq % EVENT_EVERY == 0:
        return Operation(seq, "event", f"{prefix}task-{seq}")
    scope = SCOPES[seq % 3]
    return Operation(seq, scope, f"{prefix}{scope}-{(seq // 3) % SLOTS}")


def value(seq: int) -> Any:
    """The value written by operation ``seq``: plain JSON or a tagged type, of varying size."""
    pad = "x" * (seq % 53)
    if seq % 2:
        return {"seq": seq, "pad": pad}
    return (seq, pad, _EPOCH + dt.timedelta(seconds=seq))


def lock_epoch(lock: Path) -> int:
    """The journal epoch a store's lock file publishes (its first 8 bytes, little-endian)."""
    try:
        return int.from_bytes(lock.read_bytes()[:8], "little")
    except OSError:
        return 0


def main(argv: list[str]) -> int:
    data_dir, user_dir, session_id, first, mode, *rest = argv
    prefix = rest[0] if rest else ""
    if mode not in MODES:
        raise SystemExit(f"unknown mode {mode!r}; one of {', '.join(MODES)}")

    from sessionkeeper.core import (
        SessionManager,
        StateScope,
        TaskStarted,
        app_store_paths,
        session_paths,
        user_store_paths,
    )

    options: dict[str, Any] = {"journal_limit": SMALL_JOURNAL_LIMIT} if mode == "small-journal" else {}
    if mode == "always":
        options["fsync"] = "always"
    manager = SessionManager(data_dir, user_dir, checkpoint_interval=CHECKPOINT_INTERVAL, **options)
    manager.resume(session_id)
    stores = (session_paths(manager.data_dir, session_id), user_store_paths(manager.user_dir))
    epochs = [lock_epoch(paths.lock) for paths in (*stores, app_store_paths(manager.data_dir))]
    os.write(1, f"opened {' '.join(map(str, epochs))}\n".encode())
    scopes = {"session": StateScope.SESSION, "user": StateScope.USER, "app": StateScope.APP}
    storm = mode == "storm"
    deadline = time.monotonic() + LIFETIME
    seq = int(first)
    while time.monotonic() < deadline:
        op = operation(seq, prefix)
        if op.scope == "event":
            manager.record(TaskStarted(task_id=op.key))
        else:
            manager.set(op.key, value(seq), scopes[op.scope])
        os.write(1, f"{seq} {op.scope} {op.key}\n".encode())  # the acknowledgement: one write
        seq += 1
        if storm or seq % CHECKPOINT_EVERY == 0:
            os.write(1, b"C\n")
            manager.checkpoint()
            os.write(1, b"c\n")
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
