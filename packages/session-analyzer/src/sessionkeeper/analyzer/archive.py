"""Sessions from core's history archive (what retention removed), read into rows like live ones.

The archive is listed by name only (core's ``list_history``). A session found both there and in
the sessions folder — a retention killed after archiving it, before or while removing it — is
read from the archive only: the archive was written whole from the session before anything was
removed, while the folder may have lost part of it. When a period is given, an archived session
whose span (start, end and event times; in its name) lies wholly outside it is skipped without
being opened.
Each file is read with core's ``read_history`` (checksummed; compressed or encrypted files opened
with the run's codec); a file that cannot be read is skipped and named, never fatal.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import attrs

from sessionkeeper.core import (
    Codec,
    HistoryFile,
    KeyRequiredError,
    SessionkeeperError,
    history_dir,
    list_history,
)
from sessionkeeper.core import read_history as core_read_history

from .errors import DataDirError, MalformedEventError
from .period import Period
from .report import SkippedFile
from .rows import rows_from_stored
from .sources import SessionData

__all__ = ["Archive", "archived_sessions", "load_archived"]

_NAME_PRECISION = timedelta(seconds=1)  # the end time in a name is cut to the second


def _label(file: HistoryFile) -> str:
    return f"{file.path.parent.name}/{file.path.name}"


@attrs.frozen
class Archive:
    """What the history archive holds for one analysis."""

    files: list[HistoryFile]  # to read (inside the period, if one was given)
    ids: frozenset[str]  # every archived session, read or not: their sessions-folder copies are not
    skipped: list[SkippedFile]  # names in the archive that are not archive files


def archived_sessions(data_dir: Path, period: Period | None = None) -> Archive:
    """The archived sessions of ``data_dir`` (touching ``period``, if given). Raises
    :class:`DataDirError` if the archive folder exists but cannot be listed."""
    try:
        listing = list_history(data_dir)
    except OSError as exc:
        folder = history_dir(data_dir)
        raise DataDirError(f"cannot list the history archive {folder}: {exc.strerror or exc}") from None
    skipped = [
        SkippedFile(f"{history_dir(data_dir).name}/{name}", "bad_name", "not a history archive file name")
        for name in listing.strays
    ]
    files = [
        file
        for file in listing.files
        if period is None
        or (file.last + _NAME_PRECISION >= period.since and file.first <= period.until)
    ]
    return Archive(files, frozenset(file.session_id for file in listing.files), skipped)


def load_archived(file: HistoryFile, codec: Codec, *, max_bytes: int) -> SessionData | SkippedFile:
    """One archived session as rows, or why it is skipped (over ``max_bytes``: not even read)."""
    name = _label(file)
    if file.size > max_bytes:
        return SkippedFile(name, "too_large", f"{file.size} bytes, over the {max_bytes}-byte limit")
    try:
        summary, events = core_read_history(file, codec)
    except KeyRequiredError as exc:
        return SkippedFile(name, "no_key", str(exc))
    except SessionkeeperError as exc:
        return SkippedFile(name, "unreadable", str(exc))
    try:
        rows, unknown = rows_from_stored(events)
    except MalformedEventError as exc:
        return SkippedFile(name, "malformed_event", str(exc))
    return SessionData(
        file=name,
        session_id=file.session_id,
        stored_id=file.session_id,
        legacy=False,
        last_checkpoint=summary.ended_at,
        rows=rows,
        unknown_events=unknown,
        execution_stats_total=None,
        warnings=(),
        host=summary.host,
    )
