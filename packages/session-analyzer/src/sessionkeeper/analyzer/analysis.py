"""One analysis, end to end: list, read (through core), de-duplicate, then count or export.

:func:`read_sessions` is the one loop that turns a data directory into the sessions to count —
each exactly once, copies settled — and the files left out. :func:`analyze` counts what it
yields into a report; ``export.export_events`` writes the same sessions' events as rows, so a
report and an export of one period always rest on the same events.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sessionkeeper.core import Codec, HistoryFile, resolve_codec

from .aggregate import Aggregator
from .archive import archived_sessions, load_archived
from .dedupe import Deduplicator
from .errors import DataDirError
from .messages import Messages
from .period import Period
from .progress import Progress
from .report import Report, SkippedFile
from .sources import DEFAULT_MAX_SESSION_BYTES, SessionData, SessionFiles, list_session_files, load_all
from .summary import build_report

__all__ = ["SessionObserver", "analyze", "count_sessions", "read_sessions"]


class SessionObserver(Protocol):
    """Also handed every session the report counts, in the same pass (the insights' collector)."""

    def add(self, data: SessionData) -> None: ...


def read_sessions(
    data_dir: Path,
    *,
    max_session_bytes: int = DEFAULT_MAX_SESSION_BYTES,
    progress: Progress | None = None,
    codec: Codec | None = None,
    period: Period | None = None,
) -> Iterator[SessionData | SkippedFile]:
    """Every session of ``data_dir`` to count, each once, and every file left out, with why: the
    sessions folder's, then the history archive's (:mod:`archive`: the sessions retention removed;
    one found in both is read from the archive). With ``period``, archived sessions entirely
    outside it are not even opened (live ones are few, and always read).

    Sessions come one at a time, in the order of their ids; the old tool's files and copies come
    last, once every file has been read and the copy rule (:mod:`dedupe`) has settled which one
    counts. Skipped files come as they are found, the skipped copies at the end.

    The data directory is checked, the codec resolved and the sessions folder listed *now*, so
    that :class:`DataDirError` (no such directory, a sessions folder that cannot be listed) and
    core's ``KeyConfigurationError`` are raised by this call, before anything is consumed;
    reading happens as the result is iterated. ``codec`` opens compressed or encrypted sessions
    (default: what the environment configures, see core's ``resolve_codec``).
    """
    if not data_dir.is_dir():
        what = "does not exist" if not data_dir.exists() else "is not a directory"
        raise DataDirError(f"data directory {data_dir} {what} (set --data-dir or SESSIONKEEPER_DATA_DIR)")
    codec = codec if codec is not None else resolve_codec()
    sessions, skipped = list_session_files(data_dir)
    archive = archived_sessions(data_dir, period)
    sessions = [files for files in sessions if files.session_id not in archive.ids]
    skipped += archive.skipped
    return _read(data_dir, sessions, archive.files, skipped, codec, max_session_bytes, progress)


def _read(
    data_dir: Path,
    sessions: list[SessionFiles],
    archived: list[HistoryFile],
    skipped: list[SkippedFile],
    codec: Codec,
    max_session_bytes: int,
    progress: Progress | None,
) -> Iterator[SessionData | SkippedFile]:
    yield from skipped
    dedupe = Deduplicator()
    tick = None
    if progress is not None:
        progress.start(len(sessions) + len(archived))
        tick = progress.advance
    try:
        for item in load_all(data_dir, sessions, codec, max_bytes=max_session_bytes, tick=tick):
            if isinstance(item, SkippedFile) or dedupe.offer(item):
                yield item
        for file in archived:
            yield load_archived(file, codec, max_bytes=max_session_bytes)
            if tick is not None:
                tick()
    finally:
        if progress is not None:
            progress.close()
    kept, copies = dedupe.finish()
    yield from kept
    yield from copies


def analyze(
    data_dir: Path,
    period: Period,
    *,
    language: str = "en",
    max_session_bytes: int = DEFAULT_MAX_SESSION_BYTES,
    progress: Progress | None = None,
    now: datetime | None = None,
    codec: Codec | None = None,
    observers: Sequence[SessionObserver] = (),
) -> Report:
    """The report of the sessions in ``data_dir`` over ``period``; every session counted is also
    handed to each of ``observers`` (one pass over the sessions for the report and the insights).

    Only one session's rows are in memory at a time (plus the old tool's files and copies until
    copies are settled, see :mod:`dedupe`). Unreadable files are skipped and listed, never fatal.
    ``codec`` opens compressed or encrypted sessions (default: what the environment configures,
    see core's ``resolve_codec``). Raises :class:`DataDirError` if ``data_dir`` is not a
    directory, and core's ``KeyConfigurationError`` if the configured key cannot be used.
    """
    items = read_sessions(
        data_dir, max_session_bytes=max_session_bytes, progress=progress, codec=codec, period=period
    )
    return count_sessions(items, period, language=language, now=now, observers=observers)


def count_sessions(
    items: Iterable[SessionData | SkippedFile],
    period: Period,
    *,
    language: str = "en",
    now: datetime | None = None,
    observers: Sequence[SessionObserver] = (),
) -> Report:
    """The report of ``items`` (what :func:`read_sessions` yields, or the remote's
    ``read_hosts``: each session once) over ``period``; see :func:`analyze`."""
    say = Messages(language)
    aggregator = Aggregator(period)
    skipped: list[SkippedFile] = []
    for item in items:
        if isinstance(item, SkippedFile):
            skipped.append(item)
        else:
            aggregator.add(item)
            for observer in observers:
                observer.add(item)
    return build_report(aggregator.tally, period, skipped, say, now or datetime.now(UTC))
