"""One analysis, end to end: list, read (through core), de-duplicate, count, summarise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sessionkeeper.core import Codec, resolve_codec

from .aggregate import Aggregator
from .dedupe import Deduplicator
from .errors import DataDirError
from .messages import Messages
from .period import Period
from .progress import Progress
from .report import Report, SkippedFile
from .sources import DEFAULT_MAX_SESSION_BYTES, list_session_files, load_all
from .summary import build_report

__all__ = ["analyze"]


def analyze(
    data_dir: Path,
    period: Period,
    *,
    language: str = "en",
    max_session_bytes: int = DEFAULT_MAX_SESSION_BYTES,
    progress: Progress | None = None,
    now: datetime | None = None,
    codec: Codec | None = None,
) -> Report:
    """The report of the sessions in ``data_dir`` over ``period``.

    Only one session's rows are in memory at a time (plus the old tool's files and copies until
    copies are settled, see :mod:`dedupe`). Unreadable files are skipped and listed, never fatal.
    ``codec`` opens compressed or encrypted sessions (default: what the environment configures,
    see core's ``resolve_codec``). Raises :class:`DataDirError` if ``data_dir`` is not a
    directory, and core's ``KeyConfigurationError`` if the configured key cannot be used.
    """
    say = Messages(language)
    if not data_dir.is_dir():
        what = "does not exist" if not data_dir.exists() else "is not a directory"
        raise DataDirError(f"data directory {data_dir} {what} (set --data-dir or SESSIONKEEPER_DATA_DIR)")
    codec = codec if codec is not None else resolve_codec()
    sessions, skipped = list_session_files(data_dir)
    aggregator = Aggregator(period)
    dedupe = Deduplicator()
    tick = None
    if progress is not None:
        progress.start(len(sessions))
        tick = progress.advance
    try:
        for item in load_all(data_dir, sessions, codec, max_bytes=max_session_bytes, tick=tick):
            if isinstance(item, SkippedFile):
                skipped.append(item)
            elif dedupe.offer(item):
                aggregator.add(item)
    finally:
        if progress is not None:
            progress.close()
    kept, copies = dedupe.finish()
    for data in kept:
        aggregator.add(data)
    return build_report(aggregator.tally, period, [*skipped, *copies], say, now or datetime.now(UTC))
