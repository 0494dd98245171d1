"""A writer that follows a journal another process created must make that journal's creation
durable before acknowledging a record in it (issue 12, defect 3).

Process B seals the session's journal and creates the next one, then dies before any fsync. The
running manager A (``fsync="always"``) moves into B's journal: its next acknowledged ``set()`` must
survive a power loss, which it does only if the journal's directory entry was fsynced too.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sessionkeeper.core import StateScope
from sessionkeeper.core.storage import catalog, journal
from sessionkeeper.core.storage.documents import parse_session_document, session_initial
from sessionkeeper.core.storage.store import StoreWriter
from tests.faults.faultfs import FaultyFileSystem
from tests.faults.support import installed, make_manager, pull_the_plug


def test_record_in_a_journal_another_process_created_survives_power_loss(workdir: Path) -> None:
    fs = FaultyFileSystem(workdir, mkdir_is_durable=True)
    with installed(fs):
        manager = make_manager(workdir, fsync="always")
        session_id = manager.start()
        manager.set("before", "v0")
        paths = catalog.session_paths(workdir / "RUNS", session_id)
        # Process B: opens the store and writes (its first write starts a new epoch with a fresh
        # journal of its own), then dies before syncing anything.
        other: StoreWriter[Any, Any] = StoreWriter(
            paths, threading.Lock(), parse_session_document, session_initial, manager.codec
        )
        other.open()
        with other._lock:  # its first write starts (and publishes) a journal of its own
            other.append(other.frame(journal.set_payload("other", b"1")))
        created = paths.journal_epochs()[-1]  # the journal its first write started
        other.abandon()
        manager.set("after", "v1")  # acknowledged: fsync="always"
        assert paths.journal(created).exists()
        pull_the_plug(manager)
        fs.power_loss()
    resumed = make_manager(workdir)
    resumed.resume(session_id)
    assert resumed.get("before") == "v0"
    assert resumed.get("after") == "v1", "an acknowledged write was lost with an un-fsynced journal"
    assert resumed.get("x", StateScope.SESSION) is None
    resumed.stop()
