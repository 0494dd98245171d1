"""Helpers of the fault-injection suite: managers that die like processes, and a ledger of
acknowledged writes to check recovered state against."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sessionkeeper.core import SessionkeeperError, SessionManager, StateScope
from sessionkeeper.core.errors import SnapshotFormatError
from sessionkeeper.core.storage.documents import parse_scope_document, parse_session_document
from sessionkeeper.core.storage.fs import FileSystem, use_filesystem
from tests.conftest import open_stored
from tests.faults.faultfs import FaultyFileSystem, PowerCut

__all__ = [
    "Ledger",
    "abandon_all",
    "cut_the_power_at_each",
    "damaged_files",
    "installed",
    "make_manager",
    "names_a_file",
    "pull_the_plug",
    "temp_files",
]

_MISSING: Any = object()


_made: list[SessionManager] = []


def make_manager(root: Path, fsync: str = "never", **kwargs: Any) -> SessionManager:
    """A manager on ``root/RUNS`` and ``root/user`` that never checkpoints or syncs by itself."""
    manager = SessionManager(
        data_dir=root / "RUNS",
        user_dir=root / "user",
        handle_signals=False,
        checkpoint_interval=3600,
        fsync=fsync,
        **kwargs,
    )
    _made.append(manager)
    return manager


def abandon_all() -> None:
    """Pull the plug on every manager made so far (a failed test must not save at exit)."""
    while _made:
        pull_the_plug(_made.pop())


def pull_the_plug(manager: SessionManager) -> None:
    """The process dies: its thread stops, its descriptors and locks go, nothing more is written."""
    manager.abandon()


@contextmanager
def installed(fs: FileSystem) -> Iterator[FileSystem]:
    """``fs`` carries all of session-core's I/O inside the block."""
    previous = use_filesystem(fs)
    try:
        yield fs
    finally:
        use_filesystem(previous)


class Ledger:
    """What each key may hold after recovery: its acknowledged value, or a value whose ``set()``
    failed or was cut short (such a write may or may not have landed)."""

    def __init__(self, *, durable_when_acknowledged: bool = True) -> None:
        # False (fsync "interval"/"never"): an acknowledged value may still be lost to a power
        # loss, so the value before it stays allowed until acknowledge_all() (a completed sync).
        self.durable_when_acknowledged = durable_when_acknowledged
        self.allowed: dict[tuple[str, StateScope, str], list[Any]] = {}

    @staticmethod
    def _slot(session_id: str | None, scope: StateScope, key: str) -> tuple[str, StateScope, str]:
        return ("" if scope is not StateScope.SESSION else session_id or "?", scope, key)

    def set(
        self,
        manager: SessionManager,
        key: str,
        value: Any,
        scope: StateScope = StateScope.SESSION,
        flush: bool = False,
    ) -> None:
        """``manager.set()``, remembering the value as acknowledged once it returns."""
        slot = self._slot(manager.session_id, scope, key)
        before = self.allowed.get(slot, [_MISSING])
        self.allowed[slot] = [*before, value]  # in flight: old or new
        manager.set(key, value, scope, flush=flush)
        if self.durable_when_acknowledged or flush:
            self.allowed[slot] = [value]

    def acknowledge_all(self) -> None:
        """Everything attempted so far is now known to be durable."""
        for slot, values in self.allowed.items():
            self.allowed[slot] = values[-1:]

    def missing(self, manager: SessionManager, session_id: str | None = None) -> list[str]:
        """Keys of ``session_id`` (and of USER/APP) whose value in ``manager`` is not allowed."""
        problems = []
        for (owner, scope, key), values in sorted(self.allowed.items(), key=repr):
            if scope is StateScope.SESSION and owner != session_id:
                continue
            found = manager.get(key, scope, _MISSING)
            if not any(found is v if v is _MISSING else found == v for v in values):
                shown = "missing" if found is _MISSING else repr(found)
                wanted = [v for v in values if v is not _MISSING]
                problems.append(f"{scope.value}:{key} is {shown}, acknowledged {wanted[-1:]!r}")
        return problems

    def missing_in_values(self, session_id: str, values: dict[str, Any]) -> list[str]:
        """Like :meth:`missing` for SESSION values read from disk (``read_session``)."""
        problems = []
        for (owner, scope, key), allowed in sorted(self.allowed.items(), key=repr):
            if scope is not StateScope.SESSION or owner != session_id:
                continue
            found = values.get(key, _MISSING)
            if not any(found is v if v is _MISSING else found == v for v in allowed):
                problems.append(f"session:{key} is {'missing' if found is _MISSING else repr(found)} on disk")
        return problems


def _parses(path: Path) -> str | None:
    """Why a snapshot or backup does not open (with the configured codec) and parse, if it does not."""
    if not path.exists():
        return None
    try:
        data = open_stored(path)
        if path.parent.name == "sessions":
            parse_session_document(data)
        else:
            scope = path.name.split(".")[0]
            parse_scope_document(data, scope=scope)
    except (SnapshotFormatError, SessionkeeperError) as exc:
        return f"{path.name}: {exc}"
    return None


def damaged_files(root: Path) -> list[str]:
    """Snapshots and backups under ``root`` that exist but do not parse."""
    found = []
    for pattern in ("*.json", "*.json.bak"):
        for path in sorted(root.rglob(pattern)):
            problem = _parses(path)
            if problem is not None:
                found.append(problem)
    return found


def temp_files(root: Path) -> list[str]:
    """Temporary files left behind under ``root``."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.tmp"))


_FILE_MENTION = re.compile(r"'/|\.json\b|\.journal\b|\bcurrent\b|\block\b")


def names_a_file(error: BaseException | str) -> bool:
    """Does an error (or error message) say which file the failure was about?"""
    if isinstance(error, OSError) and error.filename is not None:
        return True
    return _FILE_MENTION.search(str(error)) is not None


def cut_the_power_at_each(
    points: Iterable[int],
    names: list[str],
    template: Path,
    workdir: Path,
    workload: Callable[[Path, FaultyFileSystem], None],
    problems: Callable[[Path], list[str]],
) -> list[str]:
    """For each write point number: a copy of ``template``, ``workload`` run on it until the power
    goes right after that point, then what ``problems`` finds once the durable state is all that
    is left (``names``: the points' descriptions, for the report)."""
    bad = []
    for index in points:
        root = workdir / f"cut-{index}"
        shutil.copytree(template, root)
        fs = FaultyFileSystem(root, mkdir_is_durable=True)
        with installed(fs):
            fs.crash_after(index)
            with contextlib.suppress(PowerCut):
                workload(root, fs)
        fs.power_loss()
        found = problems(root)
        if found:
            bad.append(f"power cut after {names[index]}: {found}")
        shutil.rmtree(root)
    return bad
