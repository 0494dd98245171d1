"""Child process of benchmark C: leaves a session with a snapshot *and* a long journal behind.

Usage: ``python bench/_build_resume.py DATA_DIR USER_DIR KEYS UPDATES``. Sets KEYS keys to realistic
values (``bench/_values.py``, seed 1), checkpoints, applies UPDATES more ``set()`` calls (seed 4 for
the values, random keys from ``random.Random(3)``) without a checkpoint, writes the final values as one plain
JSON file (``DATA_DIR/plain.json``, the old tool's format, for the baseline), prints the session
id and leaves with ``os._exit(0)``: no stop(), no atexit save, so the journal stays uncompacted,
exactly as after a crash.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

from bench._values import values
from sessionkeeper.core import SessionManager


def build(data_dir: Path, user_dir: Path, n_keys: int, updates: int) -> str:
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = session.start()
    keys = [f"key:{i:07d}" for i in range(n_keys)]
    plain: dict[str, Any] = {}
    for key, value in zip(keys, values(n_keys, 1), strict=True):
        session.set(key, value)
        plain[key] = value
    if not session.checkpoint():
        raise RuntimeError(f"checkpoint failed: {session.last_save_error}")
    rng = random.Random(3)
    for value in values(updates, 4):
        key = keys[rng.randrange(n_keys)]
        session.set(key, value)
        plain[key] = value
    (data_dir / "plain.json").write_bytes(orjson.dumps(plain))
    return session_id


def build_in_child(
    data_dir: Path, user_dir: Path, n_keys: int, updates: int, env: dict[str, str] | None = None
) -> str:
    """Run this script in a child process (so the journal is left as a crash leaves it), under
    ``env`` if given (e.g. a codec's settings); returns the session id, or raises RuntimeError
    with the child's stderr."""
    import subprocess

    built = subprocess.run(
        [sys.executable, __file__, str(data_dir), str(user_dir), str(n_keys), str(updates)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env=env,
    )
    if built.returncode != 0:
        raise RuntimeError(f"building the session failed ({built.returncode}):\n{built.stderr}")
    return built.stdout.strip()


def main(argv: list[str]) -> None:
    data_dir, user_dir, n_keys, updates = Path(argv[0]), Path(argv[1]), int(argv[2]), int(argv[3])
    print(build(data_dir, user_dir, n_keys, updates), flush=True)
    os._exit(0)  # no stop(), no atexit checkpoint: the journal is left as a crash leaves it


if __name__ == "__main__":
    main(sys.argv[1:])
