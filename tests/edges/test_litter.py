"""Files per store stay bounded however often a store is opened (issue 12, defect 10).

Before: every open of the USER and APP stores (every CLI call, every hook process) added a
journal that was never removed unless that scope changed: after 2,000 cycles ``app.d`` and
``user.d`` held 2,001 journals each and opening a session took 40x longer.
"""

from __future__ import annotations

from pathlib import Path

from sessionkeeper.core import SessionManager, StateScope, app_store_paths, session_paths, user_store_paths

CYCLES = 300
BOUND = 8  # a small constant: the current journal, a few idle ones, what the backup still needs


def test_opening_reading_and_writing_many_times_keeps_a_bounded_number_of_journals(
    data_dir: Path, user_dir: Path
) -> None:
    first = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = first.start()
    first.set("k", 0)
    first.stop()
    peaks = {"app": 0, "user": 0, "session": 0}
    stores = {
        "app": app_store_paths(data_dir),
        "user": user_store_paths(user_dir),
        "session": session_paths(data_dir, session_id),
    }
    for cycle in range(CYCLES):
        manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
        if cycle % 3 == 0:  # a reading tool: reads USER/APP, changes nothing
            manager.get("theme", StateScope.USER)
            manager.get("name", StateScope.APP)
        elif cycle % 3 == 1:  # a hook: resumes, writes SESSION only
            manager.resume(session_id)
            manager.set("k", cycle)
        else:  # a CLI call writing APP
            manager.set("name", cycle, StateScope.APP)
        manager.stop()
        for name, paths in stores.items():
            peaks[name] = max(peaks[name], len(paths.journal_epochs()))
    assert max(peaks.values()) <= BOUND, peaks
    assert not stores["user"].aux.exists()  # USER was only read: reading makes no file
    for paths in stores.values():
        assert len(list(paths.aux.iterdir()) if paths.aux.exists() else []) <= BOUND + 4  # journals, locks
    last = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    last.resume(session_id)
    assert (last.get("k"), last.get("name", StateScope.APP)) == (CYCLES - 2, CYCLES - 1)
    last.stop()
