"""Child process of benchmark C: leaves a session with a snapshot *and* a long journal behind.

Usage: ``python bench/_build_resume.py DATA_DIR USER_DIR KEYS UPDATES``. Sets KEYS keys, checkpoints,
applies UPDATES more ``set()`` calls without a checkpoint, writes the final values as one plain
JSON file (``DATA_DIR/plain.json``, the old tool's format, for the baseline), prints the session
id and leaves with ``os._exit(0)``: no stop(), no atexit save, so the journal stays uncompacted,
exactly as after a crash.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import orjson

from sessionkeeper.core import SessionManager


def build(data_dir: Path, user_dir: Path, n_keys: int, updates: int) -> str:
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = session.start()
    keys = [f"key:{i:07d}" for i in range(n_keys)]
    plain: dict[str, int] = {}
    for i, key in enumerate(keys):
        session.set(key, i)
        plain[key] = i
    if not session.checkpoint():
        raise RuntimeError(f"checkpoint failed: {session.last_save_error}")
    rng = random.Random(3)
    for i in range(updates):
        key = keys[rng.randrange(n_keys)]
        session.set(key, n_keys + i)
        plain[key] = n_keys + i
    (data_dir / "plain.json").write_bytes(orjson.dumps(plain))
    return session_id


def main(argv: list[str]) -> None:
    data_dir, user_dir, n_keys, updates = Path(argv[0]), Path(argv[1]), int(argv[2]), int(argv[3])
    print(build(data_dir, user_dir, n_keys, updates), flush=True)
    os._exit(0)  # no stop(), no atexit checkpoint: the journal is left as a crash leaves it


if __name__ == "__main__":
    main(sys.argv[1:])
