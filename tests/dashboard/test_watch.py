"""The dashboard's watcher notices a change to a session whose journal does not grow."""

from __future__ import annotations

import os
from pathlib import Path

from sessionkeeper.analyzer.dashboard.watch import _fingerprint
from sessionkeeper.core import SessionManager, scan_session_files, session_paths


def _print_of(data_dir: Path, session_id: str) -> tuple[object, ...]:
    (found,) = [s for s in scan_session_files(data_dir).sessions if s.session_id == session_id]
    return _fingerprint(found)


def test_a_write_into_a_journal_written_in_place_changes_the_sessions_fingerprint(
    data_dir: Path, user_dir: Path
) -> None:
    """Under fsync="always" a write lands in reserved space: the file keeps its size, its mtime
    moves (set back a second first: the file system's clock is coarser than two writes)."""
    manager = SessionManager(data_dir, user_dir, fsync="always", handle_signals=False)
    try:
        session_id = manager.start()
        manager.set("first", 1)
        paths = session_paths(data_dir, session_id)
        journal = paths.journal(max(paths.journal_epochs()))
        earlier = journal.stat().st_mtime_ns - 1_000_000_000
        os.utime(journal, ns=(earlier, earlier))
        size, before = journal.stat().st_size, _print_of(data_dir, session_id)
        manager.set("second", 2)
        assert journal.stat().st_size == size
        assert _print_of(data_dir, session_id) != before
    finally:
        manager.stop()
