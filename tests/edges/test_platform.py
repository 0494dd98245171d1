"""Core imports, and reads stores, on a platform without POSIX locks (issue 13, "Platform").

Windows cannot be run here, so its two differences that matter to core are made in a child
process the documented way: ``fcntl`` and ``mmap`` are unimportable (``sys.modules[name] = None``
before anything else runs). There, ``import sessionkeeper.core``, the read-only API and the
``session`` command's reading commands work; opening a store for writing raises
:class:`UnsupportedPlatformError` and changes no file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sessionkeeper.core import CommandExecuted, SessionManager, StateScope
from sessionkeeper.core.errors import SessionkeeperError, UnsupportedPlatformError
from sessionkeeper.core.storage import locks
from sessionkeeper.core.storage.locks import FileLock, is_held

# Run first in every child: what a platform without fcntl and mmap looks like to Python.
_NO_POSIX_LOCKS = "import sys\nsys.modules['fcntl'] = None\nsys.modules['mmap'] = None\n"


def _child(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _NO_POSIX_LOCKS + textwrap.dedent(code)],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with the bytes of its files (None for a directory)."""
    return {
        str(path.relative_to(root)): None if path.is_dir() else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, Path, str]:
    """A session written here (on POSIX), with values in every persistent scope and an event."""
    data, user = tmp_path / "data", tmp_path / "user"
    manager = SessionManager(data_dir=data, user_dir=user, handle_signals=False)
    session_id = manager.start()
    try:
        manager.set("answer", {"n": 42, "tags": ["a", "b"]})
        manager.set("theme", "dark", StateScope.USER)
        manager.set("project", "platforms", StateScope.APP)
        manager.record(CommandExecuted(command="make test", exit_code=0, duration=1.5))
        manager.checkpoint()
        manager.set("after", "journal")  # one change only in the journal: reading replays it
    finally:
        manager.stop()
    return data, user, session_id


def test_core_imports_and_reads_without_fcntl_and_mmap(stored: tuple[Path, Path, str]) -> None:
    data, user, session_id = stored
    before = _tree(data.parent)
    result = _child(
        f"""
        import json
        from pathlib import Path

        import sessionkeeper.core as core
        from sessionkeeper.core import (
            SessionManager, list_sessions, read_current, read_session, session_paths, verify_store,
        )
        from sessionkeeper.core.errors import UnsupportedPlatformError

        data, user = Path({str(data)!r}), Path({str(user)!r})
        view = read_session(data, read_current(data))
        entries = list_sessions(data)
        check = verify_store(session_paths(data, view.session_id), "session")
        refused = []
        for how in ("resume", "start"):
            manager = SessionManager(data_dir=data, user_dir=user, handle_signals=False)
            try:
                getattr(manager, how)()
            except UnsupportedPlatformError as exc:
                refused.append((how, str(exc)))
        print(json.dumps({{
            "loaded": sorted(name for name in ("fcntl", "mmap") if sys.modules.get(name) is not None),
            "session": view.session_id,
            "values": {{key: view.get(key) for key in view.keys()}},
            "events": [type(event).__name__ for event in view.events()],
            "listed": [(entry.session_id, entry.live) for entry in entries],
            "intact": check.ok,
            "refused": refused,
        }}))
        """
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["loaded"] == []
    assert seen["session"] == session_id
    assert seen["values"] == {"after": "journal", "answer": {"n": 42, "tags": ["a", "b"]}}
    assert seen["events"] == ["CommandExecuted"]
    assert seen["listed"] == [[session_id, False]]
    assert seen["intact"] is True
    assert [how for how, _ in seen["refused"]] == ["resume", "start"]
    for _, message in seen["refused"]:
        assert "cannot write sessions on this platform" in message
        assert "can still be read" in message
    assert _tree(data.parent) == before  # reading, and refusing to write, changed nothing


def test_the_session_command_reads_without_fcntl_and_mmap(stored: tuple[Path, Path, str]) -> None:
    data, user, session_id = stored
    before = _tree(data.parent)
    env = {"SESSIONKEEPER_DATA_DIR": str(data), "SESSIONKEEPER_USER_DIR": str(user), "LANG": "C.UTF-8"}
    outputs = {}
    for arguments in (["--help"], ["info"], ["show"]):
        result = _child(
            f"""
            from sessionkeeper.cli import main
            sys.argv = ["session", *{arguments!r}]
            main()
            """,
            env,
        )
        assert result.returncode == 0, result.stderr
        outputs[arguments[0]] = result.stdout
    assert "Usage: session" in outputs["--help"]
    assert session_id in outputs["info"]
    assert "answer" in outputs["show"]
    assert _tree(data.parent) == before


def test_importing_core_loads_no_lock_module() -> None:
    """The lock module (and with it fcntl and mmap) is loaded by the first lock, not by importing core."""
    code = (
        "import sys, sessionkeeper.core\n"
        "print(sorted(set(sys.modules) & {'fcntl', 'mmap', 'sessionkeeper.core.storage.locks_posix'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_without_a_lock_module_a_lock_is_refused_before_any_file_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error a platform with no lock module gives (here: as if ``os.name`` were "nt")."""
    monkeypatch.setattr(locks, "_platform", None)
    with monkeypatch.context() as elsewhere:
        elsewhere.setattr(os, "name", "nt")
        with pytest.raises(UnsupportedPlatformError, match=r"\(nt\).*no file locks") as raised:
            FileLock(tmp_path / "live")
        assert is_held(tmp_path / "live") is False  # a reader's question still has an answer
    assert isinstance(raised.value, SessionkeeperError)
    assert isinstance(raised.value, NotImplementedError)
    assert not (tmp_path / "live").exists()
    lock = FileLock(tmp_path / "live")  # back on POSIX: the real module is loaded again
    try:
        assert lock.try_exclusive()
        lock.release()
    finally:
        lock.close()
