"""The dashboard's state and its one background loop: watch, read what changed, tell the pages.

One loop on the server's event loop ticks every ``watch.QUICK`` seconds and hands the blocking
work (``stat`` calls, reading a changed session) to a worker thread, so requests are never held up
by a read. Per tick: the watcher says what changed; changed live sessions are re-read and their new
events published to the open streams at once; then the index (:mod:`.history`) takes the change in,
off the latency path. The first full read of the history runs in its own thread from the start.
"""

from __future__ import annotations

import functools
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import anyio.from_thread
import anyio.to_thread

from sessionkeeper.analyzer.period import Zone
from sessionkeeper.core import (
    Codec,
    SessionkeeperError,
    app_store_paths,
    read_scope,
    resolve_user_dir,
    user_store_paths,
)

from .history import History
from .insights import InsightsJobs
from .live import LiveSessions
from .stream import Hub
from .watch import QUICK, Change, Watcher

if TYPE_CHECKING:
    from sessionkeeper.core import BackupStatus

__all__ = ["Dashboard"]

BACKUP_EVERY = 10.0  # seconds between looks at the remote backup's local state (no network)


class Dashboard:
    """Everything the pages read, for one data directory."""

    def __init__(self, data_dir: Path, codec: Codec, zone: Zone, language: str) -> None:
        self.data_dir = data_dir
        self.codec = codec
        self.zone = zone
        self.language = language
        self.history = History(data_dir, codec)
        self.live = LiveSessions(data_dir, codec)
        self.watcher = Watcher(data_dir)
        self.hub = Hub()
        self.insights = InsightsJobs(data_dir, codec)
        self.scopes: dict[str, int] = {}
        self.backup: BackupStatus | None = None  # None: this data directory never pushed
        self._backup_checked = float("-inf")
        self._builder: threading.Thread | None = None

    # -- start ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """The first reads: live sessions now (the Now page needs them), history in a thread."""
        change = self.watcher.poll()
        self.live.load(set(change.present))
        self.watcher.set_running(set(self.live.running()))
        self._read_scopes()
        self._look_at_backup()
        self._builder = threading.Thread(target=self.history.build, name="dashboard-index", daemon=True)
        self._builder.start()

    def _read_scopes(self) -> None:
        counts = {}
        for scope, paths in (
            ("user", user_store_paths(resolve_user_dir(None))),
            ("app", app_store_paths(self.data_dir)),
        ):
            try:
                counts[scope] = len(read_scope(paths, scope, self.codec).keys())
            except (SessionkeeperError, OSError):
                counts[scope] = 0
        self.scopes = counts

    # -- the loop ------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Watch until cancelled."""
        while True:
            await anyio.sleep(QUICK)
            change = await anyio.to_thread.run_sync(self._tick)
            if change:
                await anyio.to_thread.run_sync(self._index, change)

    def _look_at_backup(self) -> None:
        """The remote backup as this machine last knew it (core's ``backup_status``: local files
        only, never the network; None when this data directory never pushed), every BACKUP_EVERY s."""
        now = time.monotonic()
        if now - self._backup_checked < BACKUP_EVERY:
            return
        self._backup_checked = now
        from sessionkeeper.core import backup_status

        try:
            self.backup = backup_status(self.data_dir, resolve_user_dir(None))
        except (SessionkeeperError, OSError):  # a state file being replaced, a store being removed
            return

    def _tick(self) -> Change:
        self._look_at_backup()
        change = self.watcher.poll()
        if change.sessions or change.listing:
            events = self.live.update(
                change.sessions | (change.present - set(self.live.sessions)), set(change.present)
            )
            self.watcher.set_running(set(self.live.running()))
            anyio.from_thread.run_sync(functools.partial(self.hub.publish, events, sessions_changed=True))
        return change

    def _index(self, change: Change) -> None:
        if change.sessions or change.listing:
            self.history.refresh_live(set(change.sessions))
            self._read_scopes()
        if change.archive:
            self.history.refresh_archive()
