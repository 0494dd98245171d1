"""Helpers of the remote tests: a data directory with sessions written by the real manager, the
remote under test (a directory or S3 on loopback), and comparing what came back."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

from sessionkeeper.core import SessionManager, StateScope, TaskStarted, read_session, resolve_codec
from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.remote.settings import RemoteSettings, TargetURL, default_host
from sessionkeeper.core.storage.targets import BackupTarget
from tests.conftest import TEST_KEY

OTHER_KEY = base64.b64encode(hashlib.sha256(b"another key").digest()).decode()
KEY_ENV = {"SESSIONKEEPER_KEY": TEST_KEY, "SESSIONKEEPER_COMPRESSION": "zstd"}


@attrs.frozen
class Remote:
    """A remote under test: its settings (as the CLI would resolve them) and an opened target."""

    settings: RemoteSettings
    target: BackupTarget

    def keys(self) -> list[str]:
        return [info.key for info in self.target.list()]

    def snapshot(self) -> dict[str, bytes]:
        """Every object's bytes (to show that something changed nothing)."""
        return {key: self.target.get(key).data for key in self.keys()}


def remote_settings(url: TargetURL, **changes: Any) -> RemoteSettings:
    return attrs.evolve(RemoteSettings(url, "--remote", host=default_host()), **changes)


def write_session(
    data_dir: Path, user_dir: Path, count: int = 20, *, stop: bool = True
) -> tuple[str, SessionManager]:
    """A session with ``count`` SESSION values, a USER and an APP value and one event."""
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, background=False, handle_signals=False)
    manager.start()
    for index in range(count):
        manager.set(f"key{index}", {"n": index, "text": "x" * 50})
    manager.set("theme", "dark", StateScope.USER)
    manager.set("project", "sessionkeeper", StateScope.APP)
    manager.record(TaskStarted(task_id="T-1", title="build"))
    session_id = manager.session_id
    assert session_id is not None
    if stop:
        manager.stop()
    return session_id, manager


def session_values(data_dir: Path, session_id: str, codec: Codec | None = None) -> dict[str, Any]:
    view = read_session(data_dir, session_id, codec or resolve_codec())
    return {key: view.get(key) for key in sorted(view.keys())}


def walk(root: Path) -> Iterator[Path]:
    return (path for path in sorted(root.rglob("*")) if path.is_file())


def wait_for(condition: Callable[[], object], seconds: float) -> bool:
    """Whether ``condition()`` became true within ``seconds`` (looked at every 50 ms)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
