"""The history archive: what retention keeps of a session it removes — its events and a summary.

Layout, under the data directory (see ``docs/history.md``)::

    history/<session id>~<from>-<until>.json       (from/until: YYYYMMDDTHHMMSSZ, UTC)

One file per archived session, never changed once written: a JSON document (``kind``
``"session-history"``, the summary fields first, then ``events`` as the session stored them, and
the CRC-32 ``checksum`` last, as in every document of core), sealed with the data directory's codec
(compressed, and encrypted when a key is configured) and bound to its name (context
``history\\0<session id>``), so a file copied under another session's name does not open.

Why one file per session: a session is archived by writing its file atomically (temp file, fsync,
rename, fsync of the folder) *before* its session files are removed, so a kill at any point
leaves the session in ``sessions/``, in ``history/``, or — between the two steps — in both, never
in neither; a later retention archives it again (replacing the file) and removes it. The reader
counts a session found in both once (see the analyzer). The span in the name — from the earliest
to the latest of the session's start, end and event times, to the second — lets a reader skip a
session outside a period without opening it, even when events were recorded with earlier times.

Retention of the archive itself (:func:`expire_history`): files whose span ended more than
``history_days`` ago, then the oldest beyond ``history_max_bytes``.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import orjson

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import CorruptSessionError, IntegrityError, SnapshotFormatError
from sessionkeeper.core.model.ids import validate_session_id

from .documents import load_checked, with_checksum
from .fs import filesystem

__all__ = [
    "HISTORY_FORMAT",
    "ArchivedSession",
    "HistoryFile",
    "HistoryListing",
    "HistoryPolicy",
    "expire_history",
    "history_context",
    "history_dir",
    "list_history",
    "parse_history_name",
    "read_history",
    "write_history",
]

HISTORY_FORMAT = 1
_KIND = "session-history"
_FOLDER = "history"
_STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"(session_\d{8}_\d{6}_[0-9a-f]{8})~(\d{8}T\d{6}Z)-(\d{8}T\d{6}Z)\.json\Z")
_STALE_TEMP_SECONDS = 3600  # a temp file older than this is a killed archiver's, not a running one's
MAX_HISTORY_FILE_BYTES = 512 << 20  # a session's events are bounded by the store's limits well below
DEFAULT_HISTORY_DAYS = 365
DEFAULT_HISTORY_MAX_BYTES = 1 << 30


@attrs.frozen
class HistoryPolicy:
    """How long the archive keeps sessions: ``days`` after they ended (0: archive nothing —
    retention then deletes a session's events with it), and at most ``max_bytes`` in all."""

    days: int = attrs.field(default=DEFAULT_HISTORY_DAYS, validator=attrs.validators.ge(0))
    max_bytes: int = attrs.field(default=DEFAULT_HISTORY_MAX_BYTES, validator=attrs.validators.gt(0))

    @property
    def enabled(self) -> bool:
        return self.days > 0


def history_dir(data_dir: Path) -> Path:
    """The folder of a data directory's history archive."""
    return data_dir / _FOLDER


def history_context(session_id: str) -> bytes:
    """What an archived session's file is bound to when sealed."""
    return b"history\0" + session_id.encode()


def parse_history_name(name: str) -> tuple[str, datetime, datetime] | None:
    """The session id and the span (first, last; UTC, to the second) an archive file's name holds,
    or None if ``name`` is not an archive file's name (a stray, a temp file, a path)."""
    found = _NAME.match(name)
    if found is None:
        return None
    try:
        first, last = (datetime.strptime(found.group(i), _STAMP).replace(tzinfo=UTC) for i in (2, 3))
        return validate_session_id(found.group(1)), first, last
    except ValueError:  # InvalidSessionIdError is a ValueError too
        return None


@attrs.frozen
class ArchivedSession:
    """The summary of one archived session (what ``session history`` lists)."""

    session_id: str
    started_at: datetime
    ended_at: datetime  # its last change (or its last checkpoint, when the file did not say)
    ending: str  # how it ended: "ended" (cleanly), "crashed" or "unknown"
    host: str | None
    keys: dict[str, int]  # per scope, as its last snapshot held them (USER/APP: copies)
    events: int
    archived_at: datetime
    resumed_from: str | None = None


@attrs.frozen
class HistoryFile:
    """One file of the archive, known by its name alone."""

    session_id: str
    first: datetime  # the span in its name: its earliest start, end or event time (to the second)
    last: datetime  # ... and its latest (to the second, cut: the true time is below last + 1 s)
    path: Path
    size: int


@attrs.frozen
class HistoryListing:
    """The archive's files (one per session: the latest if a kill left two) and what else is there."""

    files: tuple[HistoryFile, ...]  # oldest first (by the span's start, to the second)
    superseded: tuple[HistoryFile, ...] = ()  # older copies of a session archived again
    strays: tuple[str, ...] = ()  # names that are not archive files (never read, never removed)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_STAMP)


def _span(summary: ArchivedSession, events: list[Any]) -> tuple[datetime, datetime]:
    """The earliest and latest of the session's start, end and event times."""
    times = [summary.started_at, summary.ended_at]
    for event in events:
        at = event.get("at") if isinstance(event, dict) else None
        if isinstance(at, str):
            with contextlib.suppress(ValueError):
                moment = datetime.fromisoformat(at)
                times.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return min(times), max(times)


def write_history(data_dir: Path, summary: ArchivedSession, events: list[Any], codec: Codec) -> Path:
    """Archive a session: write its file atomically and durably (replacing a copy of the same
    session an interrupted retention left); returns the path. Raises ``StorageError``/``OSError``."""
    doc = {
        "kind": _KIND,
        "format_version": HISTORY_FORMAT,
        "session_id": summary.session_id,
        "started_at": summary.started_at,
        "ended_at": summary.ended_at,
        "ending": summary.ending,
        "host": summary.host,
        "keys": summary.keys,
        "event_count": summary.events,
        "archived_at": summary.archived_at,
        "resumed_from": summary.resumed_from,
        "events": events,
    }
    body = with_checksum(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
    fs = filesystem()
    folder = history_dir(data_dir)
    fs.make_private_dir(folder)
    first, last = _span(summary, events)
    path = folder / f"{summary.session_id}~{_stamp(first)}-{_stamp(last)}.json"
    fs.write_atomic(path, codec.seal(body, history_context(summary.session_id)))
    for name in fs.listdir(folder):  # an earlier copy (archived, then killed before removal)
        if name != path.name and name.startswith(f"{summary.session_id}~") and _NAME.match(name):
            fs.unlink(folder / name)
    return path


def list_history(data_dir: Path) -> HistoryListing:
    """The archive's files by name (nothing is opened); an empty listing if there is none."""
    folder = history_dir(data_dir)
    fs = filesystem()
    latest: dict[str, HistoryFile] = {}
    superseded, strays = [], []
    for name in sorted(fs.listdir(folder)):
        found = _NAME.match(name)
        if found is None:
            if not name.startswith("."):  # hidden: temp files of an atomic write
                strays.append(name)
            continue
        try:
            info = (folder / name).lstat()
            first, last = (datetime.strptime(found.group(i), _STAMP).replace(tzinfo=UTC) for i in (2, 3))
            session_id = validate_session_id(found.group(1))
        except (OSError, ValueError):
            strays.append(name)
            continue
        file = HistoryFile(session_id, first, last, folder / name, info.st_size)
        kept = latest.get(session_id)
        if kept is None or kept.last < last:
            latest[session_id] = file
            if kept is not None:
                superseded.append(kept)
        else:
            superseded.append(file)
    files = sorted(latest.values(), key=lambda f: (f.first, f.session_id))
    return HistoryListing(tuple(files), tuple(superseded), tuple(strays))


def _time(doc: dict[str, Any], field: str, *, required: bool = True) -> datetime | None:
    value = doc.get(field)
    if value is None and not required:
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise SnapshotFormatError(f"{field} is missing or not an ISO date-time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _count(value: Any) -> int:
    return value if type(value) is int and value >= 0 else 0


def _parse(data: bytes, file: HistoryFile) -> tuple[ArchivedSession, list[Any]]:
    doc, checked = load_checked(data)
    if not checked or doc.get("kind") != _KIND:
        raise SnapshotFormatError("not an archived session (no kind or no checksum)")
    if doc.get("format_version") != HISTORY_FORMAT:
        raise SnapshotFormatError(f"unsupported history format {doc.get('format_version')!r}")
    if doc.get("session_id") != file.session_id:
        raise SnapshotFormatError(f"it says it is {str(doc.get('session_id'))[:80]!r}, not {file.session_id}")
    events = doc.get("events")
    if not isinstance(events, list) or not all(isinstance(e, dict) and "kind" in e for e in events):
        raise SnapshotFormatError("events is not a list of event objects")
    keys = doc.get("keys")
    ending, host, resumed = doc.get("ending"), doc.get("host"), doc.get("resumed_from")
    summary = ArchivedSession(
        session_id=file.session_id,
        started_at=_time(doc, "started_at"),  # type: ignore[arg-type]  # required: never None
        ended_at=_time(doc, "ended_at"),  # type: ignore[arg-type]
        ending=ending if ending in ("ended", "crashed", "unknown") else "unknown",
        host=host[:255] if isinstance(host, str) else None,
        keys={k: _count(v) for k, v in keys.items()} if isinstance(keys, dict) else {},
        events=len(events),
        archived_at=_time(doc, "archived_at"),  # type: ignore[arg-type]
        resumed_from=resumed if isinstance(resumed, str) else None,
    )
    return summary, events


def read_history(file: HistoryFile, codec: Codec) -> tuple[ArchivedSession, list[Any]]:
    """The summary and the events of one archived session.

    Raises :class:`CorruptSessionError` for a damaged, cut, oversized or foreign file, and for
    an encrypted one :class:`KeyRequiredError` / :class:`DecryptionError` (no key, wrong key).
    """
    what = f"history file {file.path.name}"
    try:
        data = filesystem().read_bytes(file.path, MAX_HISTORY_FILE_BYTES)
    except OSError as exc:
        raise CorruptSessionError(what, exc.strerror or str(exc)) from None
    try:
        return _parse(codec.open(data, history_context(file.session_id), what), file)
    except (SnapshotFormatError, IntegrityError) as exc:
        raise CorruptSessionError(what, str(exc)) from None


def _remove(files: Iterable[HistoryFile]) -> list[str]:
    removed = []
    for file in files:
        with contextlib.suppress(FileNotFoundError):
            filesystem().unlink(file.path)
        removed.append(file.session_id)
    return removed


def expire_history(data_dir: Path, policy: HistoryPolicy, now: datetime | None = None) -> list[str]:
    """Apply the archive's own retention; returns the ids of the sessions it removed.

    Removes the files whose span ended more than ``policy.days`` ago, then the oldest until
    the archive fits in ``policy.max_bytes``; also older copies of a session archived twice and
    temp files a killed archiver left (more than an hour old). Files it cannot name are left alone.
    """
    folder = history_dir(data_dir)
    if folder.is_symlink() or not folder.is_dir():  # none yet, or planted: never followed
        return []
    listing = list_history(data_dir)
    _remove(listing.superseded)
    _remove_stale_temps(folder)
    if not policy.enabled:
        return []
    cutoff = (now or datetime.now(UTC)) - timedelta(days=policy.days)
    expired = [file for file in listing.files if file.last < cutoff]
    kept = [file for file in listing.files if file.last >= cutoff]
    total = sum(file.size for file in kept)
    while kept and total > policy.max_bytes:  # oldest first
        total -= kept[0].size
        expired.append(kept.pop(0))
    return _remove(expired)


def _remove_stale_temps(folder: Path) -> None:
    fs, now = filesystem(), time.time()
    for name in fs.listdir(folder):
        if name.startswith(".") and name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                if now - (folder / name).lstat().st_mtime > _STALE_TEMP_SECONDS:
                    fs.unlink(folder / name)
