"""How a session was left — running, ended cleanly, or crashed — told by any process from its files.

* **running**: a process holds the session's ``live`` lock (it has the session open for writing).
* **ended**: nobody holds it, its snapshot says ``graceful_shutdown: true`` (written only by the
  final checkpoint of a clean ``stop()``) and no journal after that snapshot holds a record.
* **crashed**: nobody holds it, and the snapshot says ``false`` (the process never stopped
  cleanly) or records were journaled after the clean stop's snapshot and never folded into one.
* **unknown**: the files do not say — written before these fields existed, by the old tool
  without them, or unreadable (damaged, or encrypted and no key configured).

Only the first kilobyte of a snapshot is read (the fields come before the values), plus the first
bytes of the journals newer than it; a compressed or encrypted snapshot is opened whole.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import attrs
import orjson

from . import journal
from .catalog import is_legacy_file, opened_head
from .fs import filesystem
from .layout import StorePaths
from .loader import MAX_SNAPSHOT_BYTES
from .locks import is_held

__all__ = ["SessionCondition", "SessionStatus", "session_status", "unfolded_journals"]

SessionCondition = Literal["running", "ended", "crashed", "unknown"]

_HEAD_BYTES = 1024
_JOURNAL_HEAD_BYTES = 4096  # a header record is ~100 bytes (a few hundred when sealed)
_FIELD = {
    "graceful": re.compile(rb'"graceful_shutdown"\s*:\s*(true|false)'),
    "epoch": re.compile(rb'"journal_epoch"\s*:\s*(\d{1,19})\b'),
    "update": re.compile(rb'"last_update"\s*:\s*"([^"]{10,40})"'),
    "host": re.compile(rb'"host"\s*:\s*"([^"\\]{1,255})"'),
}


@attrs.frozen
class SessionStatus:
    """How a session was left, as its files say (see the module's docstring)."""

    state: SessionCondition
    graceful_shutdown: bool | None  # what the snapshot says (None: it does not say)
    last_update: datetime | None  # the last change: the snapshot's, or a later journal record's
    host: str | None = None  # the machine that wrote the snapshot, when it says


@attrs.frozen
class _Head:
    graceful: bool | None = None
    epoch: int | None = None
    update: datetime | None = None
    host: str | None = None


def _time(raw: bytes | str | None) -> datetime | None:
    if raw is None:
        return None
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        text = raw.decode() if isinstance(raw, bytes) else raw
        parsed = datetime.fromisoformat(text)
        return (parsed if parsed.tzinfo else parsed.astimezone()).astimezone(UTC)
    return None


def _ours(head: bytes) -> _Head | None:
    """The fields of one of our snapshots, from its first bytes (None: it has no ``format_version``)."""
    head = head[: head.find(b'"scope_data"')] if b'"scope_data"' in head else head
    if b'"format_version"' not in head:
        return None
    found = {name: pattern.search(head) for name, pattern in _FIELD.items()}
    graceful, epoch, update, host = (found[name] for name in ("graceful", "epoch", "update", "host"))
    return _Head(
        graceful=graceful.group(1) == b"true" if graceful else None,
        epoch=int(epoch.group(1)) if epoch else None,
        update=_time(update.group(1)) if update else None,
        host=host.group(1).decode("utf-8", "replace") if host else None,
    )


def _legacy(path: Path) -> _Head | None:
    """The fields of an old tool's file (plain JSON, its newer files end with them)."""
    try:
        doc: Any = orjson.loads(filesystem().read_bytes(path, MAX_SNAPSHOT_BYTES))
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(doc, dict):
        return None
    graceful, update = doc.get("graceful_shutdown"), doc.get("last_update")
    return _Head(
        graceful=graceful if type(graceful) is bool else None,
        update=_time(update) if isinstance(update, str) else None,
    )


def _read_head(paths: StorePaths, legacy: bool) -> _Head | None:
    for path in (paths.snapshot, paths.backup):  # damaged, or locked without the key: the backup
        found = _legacy(path) if legacy else _ours(opened_head(path, _HEAD_BYTES))
        if found is not None:
            return found
    return None


def unfolded_journals(paths: StorePaths, epoch: int | None) -> tuple[bool, datetime | None]:
    """Whether a journal newer than snapshot epoch ``epoch`` holds records, and its last change."""
    fs, records, newest = filesystem(), False, None
    try:
        epochs = paths.journal_epochs()
    except OSError:  # a symlink or no permission where the journals are: nothing to go by
        return False, None
    for number in epochs:
        if epoch is not None and number <= epoch:
            continue
        try:
            data, info = fs.read_head(paths.journal(number), _JOURNAL_HEAD_BYTES)
        except OSError:
            continue
        if journal.holds_records(data, info.st_size):
            records = True
            changed = datetime.fromtimestamp(info.st_mtime, UTC)
            newest = changed if newest is None or changed > newest else newest
    return records, newest


def _later(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None or second is None:
        return first or second
    return max(first, second)


def session_status(
    paths: StorePaths, *, live: bool | None = None, legacy: bool | None = None
) -> SessionStatus:
    """How the session stored at ``paths`` was left. ``live``: whether a process holds it, and
    ``legacy``: whether it is a file of the old tool, when the caller knows already
    (``SessionEntry``); otherwise they are found out."""
    if live is None:
        live = is_held(paths.live)
    if legacy is None:
        legacy = not paths.aux.is_dir() and is_legacy_file(paths.snapshot)
    head = _read_head(paths, legacy)
    if legacy:
        graceful = head.graceful if head else None
        state: SessionCondition = "unknown" if graceful is None else "ended" if graceful else "crashed"
        return SessionStatus("running" if live else state, graceful, head.update if head else None)
    if head is None:
        return SessionStatus("running" if live else "unknown", None, None)
    unfolded, journaled = unfolded_journals(paths, head.epoch)
    if live:
        state = "running"
    elif unfolded or head.graceful is False:
        state = "crashed"
    else:
        state = "ended" if head.graceful else "unknown"
    return SessionStatus(state, head.graceful, _later(head.update, journaled), head.host)
