"""Finding the sessions of a data directory and reading each one, through core, into rows.

The sessions are found with core's ``scan_session_files``: names, kinds and sizes from the
directory alone (no liveness probe, no file opened), plus the files named like a session's whose
name is not a session id, which the report names (``list_sessions`` leaves them out silently).
Core is the one place that knows the file names; nothing here builds a path or matches a name.

Every session is read with core's ``read_session`` (snapshot or backup, plus journals, no lock),
compressed and encrypted ones with the codec the environment configures (resolved once per run:
core would otherwise look up ``pyproject.toml`` again for every session).
A file that cannot be counted honestly — unreadable, invalid JSON, wrong types, over the size
limit, a malformed name or stored id — is skipped and named with its reason; nothing here is
fatal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import attrs

from sessionkeeper.core import (
    Codec,
    InvalidSessionIdError,
    KeyRequiredError,
    ScannedSession,
    SessionkeeperError,
    SessionView,
    read_session,
    scan_session_files,
    sessions_dir,
    validate_session_id,
)

from .errors import DataDirError
from .legacy import LegacyFormatError, legacy_events
from .report import SkippedFile
from .rows import MalformedEventError, Row, row_from_event, rows_from_stored

__all__ = [
    "DEFAULT_MAX_SESSION_BYTES",
    "SessionData",
    "SessionFiles",
    "content_files",
    "list_session_files",
    "load_all",
    "load_session",
]

DEFAULT_MAX_SESSION_BYTES = 64 << 20  # a session of a million events is ~250 MB; 64 MB is generous
_BAD_NAME = "the file name is not a session id (session_YYYYMMDD_HHMMSS_<8 hex>)"


@attrs.frozen
class SessionFiles:
    """The files of one session found in the sessions folder (names only, and their total size)."""

    session_id: str
    file: str  # what the report names: the snapshot's file name (or the backup's, or the journal folder)
    size: int
    found: ScannedSession | None = None  # what core's scan found (see :func:`content_files`)


@attrs.frozen
class SessionData:
    """One readable session, as rows, with what is needed to tell copies apart."""

    file: str
    session_id: str  # from the file name
    stored_id: str  # written inside the file (old copies sometimes disagree with their name)
    legacy: bool
    last_checkpoint: datetime | None
    rows: list[Row]
    unknown_events: int  # events of a kind this version does not know, left out
    execution_stats_total: int | None  # old files: USER execution_stats.total_executions
    warnings: tuple[str, ...]  # what core dropped or restored while loading (damaged journal bytes...)
    found: ScannedSession | None = None  # the session's files, as core's scan found them
    host: str | None = None  # the machine that wrote it, when its file says

    @property
    def canonical(self) -> bool:
        """A Sessionkeeper session in its own file: the one core keeps up to date."""
        return not self.legacy and self.stored_id == self.session_id


def content_files(found: ScannedSession | None) -> tuple[Path, ...] | None:
    """The files whose bytes identify a copy: the snapshot (the backup when the snapshot is not a
    file), then the journals; None when neither is a regular file."""
    if found is None:
        return None
    main = next(
        (file for file in (found.snapshot, found.backup) if file is not None and file.kind != "directory"),
        None,
    )
    if main is None or not main.regular:
        return None
    return (main.path, *(file.path for _, file in found.journals if file.regular))


def list_session_files(data_dir: Path) -> tuple[list[SessionFiles], list[SkippedFile]]:
    """The sessions of ``data_dir`` (by id, oldest first) and the files named like a session's
    snapshot that are not sessions.

    Raises :class:`DataDirError` if the sessions folder exists but cannot be listed.
    """
    try:
        scan = scan_session_files(data_dir)
    except OSError as exc:  # a file where the folder should be, no permission...
        folder = sessions_dir(data_dir)
        raise DataDirError(f"cannot list the sessions in {folder}: {exc.strerror or exc}") from None
    skipped = [
        SkippedFile(stray.name, "bad_name", stray.reason) for stray in scan.strays if stray.role == "snapshot"
    ]
    found = []
    for session in scan.sessions:
        main = session.snapshot or session.backup
        size = (main.size if main is not None else 0) + session.journal_bytes
        found.append(SessionFiles(session.session_id, session.first_file.name, size, session))
    return found, skipped


def _rows_of(view: SessionView) -> tuple[list[Row], int, int | None]:
    rows, unknown = rows_from_stored(view.event_data)
    if not view.legacy:
        return rows, unknown, None
    fallback = view.last_checkpoint or view.started_at
    assert fallback is not None  # a legacy document always has started_at (core requires it)
    tasks = legacy_events(view, view.temp, view.user, fallback)
    rows += [row_from_event(event) for event in tasks.events]
    rows.sort(key=lambda row: row[1])  # stable: each start stays before its own end
    return rows, unknown, tasks.execution_stats_total


def load_session(
    data_dir: Path, files: SessionFiles, codec: Codec, *, max_bytes: int = DEFAULT_MAX_SESSION_BYTES
) -> SessionData | SkippedFile:
    """Read one session through core (compressed or encrypted files opened with ``codec``) and
    turn it into rows, or say why it is skipped."""
    name = files.file
    if files.size > max_bytes:
        return SkippedFile(name, "too_large", f"{files.size} bytes, over the {max_bytes}-byte limit")
    try:
        view = read_session(data_dir, files.session_id, codec)
    except InvalidSessionIdError:
        return SkippedFile(name, "bad_name", _BAD_NAME)
    except KeyRequiredError as exc:
        return SkippedFile(name, "no_key", str(exc))
    except SessionkeeperError as exc:
        return SkippedFile(name, "unreadable", str(exc))
    except Exception as exc:  # core should not raise anything else; one odd file must not end the run
        return SkippedFile(name, "unreadable", f"{type(exc).__name__}: {str(exc)[:200]}")
    try:
        # The file name's id was validated when listing; only a different stored id needs a check.
        stored_id = (
            view.stored_id if view.stored_id == files.session_id else validate_session_id(view.stored_id)
        )
    except InvalidSessionIdError:
        shown = repr(view.stored_id)[:60]
        return SkippedFile(name, "bad_id", f"the session_id inside, {shown}, is not a session id")
    try:
        rows, unknown, stats_total = _rows_of(view)
    except MalformedEventError as exc:
        return SkippedFile(name, "malformed_event", str(exc))
    except LegacyFormatError as exc:
        return SkippedFile(name, "wrong_types", str(exc))
    warnings = (*view.report.warnings, *view.report.dropped)
    return SessionData(
        file=name,
        session_id=files.session_id,
        stored_id=stored_id,
        legacy=view.legacy,
        last_checkpoint=view.last_checkpoint,
        rows=rows,
        unknown_events=unknown,
        execution_stats_total=stats_total,
        warnings=tuple(f"{name}: {warning}" for warning in warnings),
        found=files.found,
        host=view.host,
    )


def load_all(
    data_dir: Path,
    sessions: list[SessionFiles],
    codec: Codec,
    *,
    max_bytes: int = DEFAULT_MAX_SESSION_BYTES,
    tick: Callable[[], None] | None = None,
) -> Iterator[SessionData | SkippedFile]:
    """:func:`load_session` for each session, one at a time (only one session's rows in memory)."""
    for files in sessions:
        yield load_session(data_dir, files, codec, max_bytes=max_bytes)
        if tick is not None:
            tick()
