"""Noticing that a session changed: polling with ``stat``, in two tiers.

Why polling and not ``watchfiles`` (inotify): the files that change are appended to by other
processes (a hook's journal record) and replaced by rename (a checkpoint), inside one folder per
session, under a data directory that may sit on a network or container mount where inotify says
nothing, or on macOS where watchfiles falls back to polling anyway. What the page needs is "within a
second", which a 250 ms poll gives with room to spare, and the cost is a few ``stat`` calls per tick:

* every ``QUICK`` (250 ms): the sessions folder, the ``current`` pointer and the history folder
  (any session created, checkpointed — a rename — or removed, and any archive file written, change
  their folder), plus, for the *hot* sessions only — running ones, the current one, and any that
  changed in the last minute — the session's own folder and its newest journal (an appended
  record changes only that file);
* every second, whether a running session's process still holds it (a killed process changes no
  file: the session becomes "crashed" without a write);
* every ``FULL`` seconds (10 s, longer when the folder is so large that a scan costs more than
  1 % of that time), a full scan of the sessions folder, which catches anything else.

Measured here with 10 live sessions: one quick tick ~60 µs of CPU; idle, the server uses < 0.3 % of
a core (see ``bench/dashboard_scale.py``). inotify would save those microseconds and add a compiled
dependency, a recursive watch per session folder, and a fallback path for mounts anyway.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import attrs

from sessionkeeper.core import ScannedSession, scan_session_files
from sessionkeeper.core.storage.locks import is_held

__all__ = ["FULL", "QUICK", "Change", "Watcher"]

QUICK = 0.25
FULL = 10.0
_HOT_SECONDS = 60.0
_LIVENESS = 1.0


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _fingerprint(found: ScannedSession) -> tuple[object, ...]:
    def of(file: object) -> object:
        return None if file is None else (file.kind, file.size)  # type: ignore[attr-defined]

    # A journal's mtime too: one written in place (fsync="always") changes without growing.
    journals = tuple((e, f.size, f.modified_ns) for e, f in found.journals)
    return (of(found.snapshot), of(found.backup), journals)


@attrs.frozen
class Change:
    """What one poll found."""

    sessions: frozenset[str] = frozenset()  # live sessions to re-read
    present: frozenset[str] = frozenset()  # every session of the sessions folder
    archive: bool = False  # the history folder changed
    listing: bool = False  # the set of sessions changed

    def __bool__(self) -> bool:
        return bool(self.sessions) or self.archive or self.listing


class Watcher:
    """Polls one data directory (call :meth:`poll` every ``QUICK`` seconds, from one thread)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._sessions_dir = data_dir / "sessions"
        self._marks: dict[Path, tuple[int, int] | None] = {}
        self._prints: dict[str, tuple[object, ...]] = {}
        self._found: dict[str, ScannedSession] = {}
        self._hot_until: dict[str, float] = {}
        self._running: set[str] = set()
        self._next_full = 0.0
        self._next_liveness = 0.0
        self._full_every = FULL

    def set_running(self, session_ids: set[str]) -> None:
        """The sessions a process holds now (they are hot, and their liveness is checked)."""
        self._running = set(session_ids)

    def found(self, session_id: str) -> ScannedSession | None:
        """The session's files as the last scan found them."""
        return self._found.get(session_id)

    def _moved(self, path: Path) -> bool:
        mark = _stat(path)
        old = self._marks.get(path, ())
        self._marks[path] = mark
        return mark != old

    def _current(self) -> str | None:
        try:
            return (self._sessions_dir / "current").read_text("utf-8").strip()[:64] or None
        except (OSError, UnicodeDecodeError):
            return None

    def _scan(self) -> tuple[set[str], set[str]]:
        """Full scan: (every session, the ones whose files differ from the last scan)."""
        started = time.process_time()
        try:
            scan = scan_session_files(self.data_dir)
        except OSError:
            return set(), set()
        found = {session.session_id: session for session in scan.sessions if session.stored}
        changed = set()
        for session_id, session in found.items():
            mark = _fingerprint(session)
            if self._prints.get(session_id) != mark:
                changed.add(session_id)
                self._prints[session_id] = mark
        for session_id in set(self._prints) - set(found):
            del self._prints[session_id]
        self._found = found
        # keep full scans under 1% of the time, however large the folder
        self._full_every = max(FULL, 100 * (time.process_time() - started))
        return set(found), changed

    def _hot(self, now: float) -> set[str]:
        current = self._current()
        hot = {sid for sid, until in self._hot_until.items() if until > now} | self._running
        if current:
            hot.add(current)
        return hot & set(self._found)

    def poll(self) -> Change:
        """One tick: what changed since the last one."""
        now = time.monotonic()
        folder_moved = self._moved(self._sessions_dir) | self._moved(self._sessions_dir / "current")
        archive = self._moved(self.data_dir / "history")
        changed: set[str] = set()
        listing = False
        if folder_moved or now >= self._next_full:
            before = set(self._found)
            present, changed = self._scan()
            listing = present != before
            self._next_full = now + self._full_every
        for session_id in self._hot(now):
            session = self._found[session_id]
            paths = session.paths
            newest = paths.journal(session.journals[-1][0]) if session.journals else None
            moved = self._moved(paths.aux) | (self._moved(newest) if newest is not None else False)
            if moved:
                changed.add(session_id)
        if now >= self._next_liveness:
            self._next_liveness = now + _LIVENESS
            for session_id in self._running & set(self._found):
                if not is_held(self._found[session_id].paths.live):
                    changed.add(session_id)  # its process is gone: ended or crashed now
        if changed and not folder_moved:
            # a new journal (after a checkpoint) shows in the session's own folder: rescan to learn it
            self._scan()
        for session_id in changed:
            self._hot_until[session_id] = now + _HOT_SECONDS
        return Change(frozenset(changed), frozenset(self._found), archive, listing)
