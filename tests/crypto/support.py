"""Helpers shared by the encryption-at-rest tests: codecs, keys, child environments, file hashes."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any, Protocol

from sessionkeeper.core import Codec, CodecSettings, Key, Keyring
from tests.conftest import CODEC_VARIABLES, run_python

STORED_SUFFIXES = (".json", ".json.bak", ".journal")


class Readable(Protocol):
    """A session view, a scope view or a manager: keys() and get()."""

    def keys(self) -> list[str]: ...

    def get(self, key: str) -> Any: ...


def values_of(view: Readable) -> dict[str, Any]:
    """Every key of a view (or a manager's SESSION scope) with its decoded value."""
    return {key: view.get(key) for key in view.keys()}  # noqa: SIM118 - a view, not a dict


def b64(key: Key) -> str:
    """A key as ``SESSIONKEEPER_KEY`` and key files spell it."""
    return base64.b64encode(key.material).decode("ascii")


def key_from_b64(text: str) -> Key:
    return Key.from_material(base64.b64decode(text))


def sealing(
    *keys: Key, cipher: str | None = "aes-256-gcm", compression: str | None = None, level: int = 3
) -> Codec:
    """A codec writing with ``keys[0]`` (reading with all of them)."""
    return Codec(CodecSettings(compression=compression, level=level, cipher=cipher), Keyring(list(keys)))


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment (data and user dirs included) without any codec setting."""
    env = {name: value for name, value in os.environ.items() if name not in CODEC_VARIABLES}
    env.update(extra)
    return env


def stored_files(*roots: Path) -> list[Path]:
    """Every snapshot, backup and journal file under ``roots``."""
    found: list[Path] = []
    for root in roots:
        for directory, _, names in os.walk(root):
            found += [Path(directory) / name for name in names if name.endswith(STORED_SUFFIXES)]
    return sorted(found)


def digests(*roots: Path) -> dict[str, str]:
    """SHA-256 of every stored file under ``roots`` (to prove nothing was rewritten)."""
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in stored_files(*roots)}


_OPS_CHILD = """
import json, os
from sessionkeeper.core import SessionManager, StateScope, TaskStarted
scopes = {"session": StateScope.SESSION, "user": StateScope.USER, "app": StateScope.APP}
manager = SessionManager(handle_signals=False)
session_id = manager.start()
for op in json.loads(os.environ["SK_TEST_OPS"]):
    if op[0] == "checkpoint":
        assert manager.checkpoint()
    elif op[0] == "set":
        manager.set(op[1], op[2], scopes[op[3]] if len(op) > 3 else StateScope.SESSION)
    elif op[0] == "delete":
        assert manager.delete(op[1])
    elif op[0] == "event":
        manager.record(TaskStarted(task_id=op[1], id=op[1]))
print(session_id, flush=True)
os._exit(0)  # a crash: no stop(), no final checkpoint, the last journal is left as it is
"""


def crashed_session(ops: list[list[Any]], env: dict[str, str]) -> str:
    """Run ``ops`` in a child process that then dies without saving; returns the session id.

    ``ops``: ``["set", key, value(, scope)]``, ``["delete", key]``, ``["event", id]`` (a
    TaskStarted with that id) and ``["checkpoint"]``. The child's codec comes from ``env``.
    """
    status, out, err = run_python(_OPS_CHILD, dict(env, SK_TEST_OPS=json.dumps(ops)))
    assert status == 0, err
    return out.strip()


def replace_file(path: Path, data: bytes) -> None:
    """Give ``path`` new content without touching other hard links to its old inode."""
    tmp = path.with_name(path.name + ".test-tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


_FRAME = struct.Struct("<BII")  # journal record: magic, length, crc32


def journal_records(data: bytes) -> list[tuple[int, int, bytes]]:
    """(offset, end, payload) of each framed record of intact journal bytes."""
    records = []
    pos = 0
    while pos < len(data):
        _, size, _ = _FRAME.unpack_from(data, pos)
        end = pos + _FRAME.size + size
        records.append((pos, end, data[pos + _FRAME.size : end]))
        pos = end
    return records
