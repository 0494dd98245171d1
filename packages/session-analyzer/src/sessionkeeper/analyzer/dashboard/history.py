"""Every session counted by the dashboard, kept current: the index, built once, changed by parts.

* The first build reads everything once, through the analyzer's :func:`analysis.read_sessions`
  (live sessions and the history archive, each exactly once), in a background thread: the Now page
  does not wait for it, and the Trends page says how far it got.
* Afterwards nothing is read twice unless it changed: a new history file (retention archived a
  session) is read and appended; an expired one is marked dead (its rows are skipped); a changed
  live session is re-read alone, and the live segment — a handful of sessions — rebuilt.
* Reports are cached per (period, filters, language, generation); any change bumps the generation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from pathlib import Path

from sessionkeeper.analyzer.analysis import read_sessions
from sessionkeeper.analyzer.archive import archived_sessions, load_archived
from sessionkeeper.analyzer.dedupe import Deduplicator
from sessionkeeper.analyzer.messages import Messages
from sessionkeeper.analyzer.period import Period
from sessionkeeper.analyzer.report import Report, SkippedFile
from sessionkeeper.analyzer.sources import SessionData, list_session_files, load_session
from sessionkeeper.analyzer.summary import build_report
from sessionkeeper.core import Codec, HistoryFile, history_dir

from .index import Segment, Shared
from .query import Filters, count

__all__ = ["History"]

_CACHED_REPORTS = 32


class History:
    """The index of one data directory (thread-safe: one lock around every change and query)."""

    def __init__(self, data_dir: Path, codec: Codec) -> None:
        self.data_dir = data_dir
        self.codec = codec
        self.shared = Shared()
        self.archive = Segment(self.shared)
        self.live = Segment(self.shared)
        self.skipped: list[SkippedFile] = []
        self.generation = 0
        self.ready = threading.Event()
        self.progress = (0, 0)  # sessions read, sessions to read (first build)
        self.error: str | None = None
        self._lock = threading.RLock()
        self._live_data: dict[str, SessionData] = {}  # the live sessions, as last read
        self._archived: dict[str, HistoryFile] = {}  # archive path name -> file, as indexed
        self._reports: OrderedDict[tuple[object, ...], Report] = OrderedDict()

    # -- building ------------------------------------------------------------------------------------
    def build(self) -> None:
        """The first build (run it in a thread; :attr:`ready` is set when done, even on error)."""
        try:
            archive = archived_sessions(self.data_dir)
            self.progress = (0, len(archive.files))
            archived_ids = archive.ids
            done = 0
            for item in read_sessions(self.data_dir, codec=self.codec):
                with self._lock:
                    if isinstance(item, SkippedFile):
                        self.skipped.append(item)
                    elif item.session_id in archived_ids:
                        self.archive.add(item, archived=True)
                        done += 1
                    else:
                        self._live_data[item.session_id] = item
                        self.live.add(item, archived=False)
                self.progress = (done, len(archive.files))
            with self._lock:
                self.archive.sort_by_time()
                self._archived = {file.path.name: file for file in archive.files}
                self.generation += 1
        except Exception as exc:  # shown on the page; the Now view goes on without history
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.ready.set()

    # -- changes -------------------------------------------------------------------------------------
    def refresh_archive(self) -> bool:
        """Take in archive files added or removed since the last look; True if anything changed."""
        if not self.ready.is_set():
            return False
        listing = archived_sessions(self.data_dir)
        files = {file.path.name: file for file in listing.files}
        added = [file for name, file in files.items() if name not in self._archived]
        removed = [name for name in self._archived if name not in files]
        if not added and not removed:
            return False
        loaded = [load_archived(file, self.codec, max_bytes=64 << 20) for file in added]
        with self._lock:
            for name in removed:
                gone = self._archived.pop(name)
                index = self.archive.by_id.get(gone.session_id)
                if index is not None and gone.session_id not in {f.session_id for f in added}:
                    self.archive.sessions[index].alive = False
            for file, item in zip(added, loaded, strict=True):
                self._archived[file.path.name] = file
                if isinstance(item, SkippedFile):
                    self.skipped.append(item)
                    continue
                old = self.archive.by_id.get(item.session_id)
                if old is not None:  # archived again (a killed retention): the new file counts
                    self.archive.sessions[old].alive = False
                self.archive.add(item, archived=True)
            self._rebuild_live(set(self._live_data))  # a session now archived leaves the live segment
            self.generation += 1
        return True

    def refresh_live(self, changed: set[str]) -> None:
        """Re-read the live sessions in ``changed`` (ids; gone ones are dropped) and rebuild the live
        segment."""
        if not self.ready.is_set():
            return
        sessions, skipped = list_session_files(self.data_dir)
        present = {files.session_id: files for files in sessions}
        fresh: dict[str, SessionData | SkippedFile] = {}
        for session_id in changed:
            files = present.get(session_id)
            if files is not None:
                fresh[session_id] = load_session(self.data_dir, files, self.codec)
        with self._lock:
            for session_id in list(self._live_data):
                if session_id not in present:
                    del self._live_data[session_id]
            for session_id, item in fresh.items():
                if isinstance(item, SessionData):
                    self._live_data[session_id] = item
                else:  # unreadable now: left out, and named as the report names it
                    self._live_data.pop(session_id, None)
                    skipped.append(item)
            archive = history_dir(self.data_dir).name + "/"
            self.skipped = [s for s in self.skipped if s.file.startswith(archive)] + skipped
            self._rebuild_live(set(present))
            self.generation += 1

    def _rebuild_live(self, present: set[str]) -> None:
        archived = {meta.session_id for meta in self.archive.sessions if meta.alive}
        dedupe = Deduplicator()
        segment = Segment(self.shared)
        for session_id, data in sorted(self._live_data.items()):
            if session_id in archived or session_id not in present:
                continue
            if dedupe.offer(data):
                segment.add(data, archived=False)
        kept, _copies = dedupe.finish()
        for data in kept:
            segment.add(data, archived=False)
        self.live = segment

    # -- reading -------------------------------------------------------------------------------------
    def report(self, period: Period, filters: Filters, say: Messages, now: datetime) -> Report:
        """The analyzer's report of the index over ``period`` with ``filters`` (cached)."""
        key = (period, filters, say.language, self.generation)
        with self._lock:
            found = self._reports.get(key)
            if found is not None:
                self._reports.move_to_end(key)
                return found
            tally = count([self.archive, self.live], period, filters)
            report = build_report(tally, period, list(self.skipped), say, now)
            self._reports[key] = report
            while len(self._reports) > _CACHED_REPORTS:
                self._reports.popitem(last=False)
            return report

    def segments(self) -> list[Segment]:
        return [self.archive, self.live]

    def choices(self) -> dict[str, list[str]]:
        """The values the filters can take: tasks, hosts, programs (sorted)."""
        with self._lock:
            return {
                "task": sorted(self.shared.tasks.names),
                "host": sorted(self.shared.hosts.names),
                "command": sorted(self.shared.programs.names),
            }

    def first_event(self) -> float | None:
        """The earliest event time of every session indexed (UTC seconds), None when empty."""
        with self._lock:
            firsts = [
                meta.first
                for segment in (self.archive, self.live)
                for meta in segment.sessions
                if meta.alive and meta.events
            ]
        return min(firsts) if firsts else None

    @property
    def lock(self) -> threading.RLock:
        return self._lock
