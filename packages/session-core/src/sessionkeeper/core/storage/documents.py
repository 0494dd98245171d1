"""Snapshot documents: the session file in the guide's JSON layout, and the USER/APP scope files.

A session snapshot keeps the guide's fields first (``session_id``, ``started_at``,
``last_checkpoint``, ``context_hash``, ``state_data``, ``scope_data{session,user,app,temp}``), so
people and old tools can read it, and adds ``format_version``, ``journal_epoch`` (journals up to
this epoch are contained in the snapshot), ``events`` and ``resumed_from``. Files without
``format_version`` were written by the tool Sessionkeeper replaces and are read as legacy.

Values are kept as encoded bytes and embedded with ``orjson.Fragment``, so writing a snapshot
never re-walks the values.

Every document written since format 3 ends with ``"checksum": "crc32:<8 hex>"``, the CRC-32 of every
byte before that field: a flipped bit, a cut or a splice is damage (the loader falls back to the
backup), never data. Documents without one — the old tool's, and ours of format 2 — are read as
*unchecked* (``checked`` is False) and rewritten with one by the next checkpoint (the old tool's
never are). A document that names a checksum must match it, whatever else a flipped bit changed.

Since format 4 a USER/APP file names the store it belongs to (``store_id``, see :mod:`.identity`),
as a session snapshot always did (``session_id``): a file of another project's or user's store put
in its place is not taken for this one's. ``owner`` is that name, for both kinds.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
import orjson

from sessionkeeper.core.errors import SnapshotFormatError
from sessionkeeper.core.limits import MAX_DEPTH, MAX_EPOCH, check_depth
from sessionkeeper.core.model.events import utc_now
from sessionkeeper.core.model.values import Stored

__all__ = [
    "FORMAT_VERSION",
    "IDENTITY_SINCE",
    "ScopeDocument",
    "SessionDocument",
    "load_checked",
    "parse_identity_document",
    "parse_scope_document",
    "parse_session_document",
    "render_identity_document",
    "render_scope_document",
    "render_session_document",
    "scope_initial",
    "session_context_hash",
    "session_initial",
    "with_checksum",
]

# 1: the tool Sessionkeeper replaces (no format_version field); 2: no checksum; 3: USER/APP files
# without the id of their store, and journals (format 1) whose records are not bound to it.
FORMAT_VERSION = 4
CHECKSUM_SINCE = 3
IDENTITY_SINCE = 4
_SUFFIX = re.compile(rb',\n  "checksum": "crc32:([0-9a-f]{8})"\n}\n\Z')
_SUFFIX_SIZE = len(b',\n  "checksum": "crc32:00000000"\n}\n')
_COUNT_BRACKETS_BELOW = 1 << 20  # above it, counting brackets costs as much as the depth walk


@attrs.frozen
class SessionDocument:
    """A parsed session snapshot."""

    session_id: str
    started_at: datetime
    last_checkpoint: datetime | None
    values: Mapping[str, Stored]  # as parsed; never changed (a load replays into a copy)
    events: list[Stored]
    journal_epoch: int
    format_version: int
    resumed_from: str | None = None
    checked: bool = True  # False: no checksum (the old tool's files, ours before format 3)
    # Copies of USER/APP values (authoritative in their own stores) and, in legacy files only, TEMP.
    user: dict[str, Any] = attrs.field(factory=dict)
    app: dict[str, Any] = attrs.field(factory=dict)
    temp: dict[str, Any] = attrs.field(factory=dict)
    # How the session's last writer left it (None: the file does not say — older files).
    graceful_shutdown: bool | None = None
    last_update: datetime | None = None  # the last change the file holds
    host: str | None = None  # the machine that wrote it

    @property
    def legacy(self) -> bool:
        """Written by the tool Sessionkeeper replaces (read-only, continued as a new session)."""
        return self.format_version < 2

    @property
    def owner(self) -> str:
        """The store this document says it belongs to."""
        return self.session_id


@attrs.frozen
class ScopeDocument:
    """A parsed USER or APP scope snapshot."""

    scope: str
    values: Mapping[str, Stored]  # as parsed; never changed (a load replays into a copy)
    journal_epoch: int
    last_checkpoint: datetime | None
    checked: bool = True
    store_id: str | None = None  # None: written before format 4
    format_version: int = FORMAT_VERSION

    @property
    def owner(self) -> str | None:
        """The store this document says it belongs to (``None``: it does not say)."""
        return self.store_id


def load_checked(data: bytes) -> tuple[dict[str, Any], bool]:
    """The JSON object in ``data`` and whether it carried a (matching) checksum; raise
    :class:`SnapshotFormatError` for anything else (not JSON, too deep, a checksum that does not match)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SnapshotFormatError(f"not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise SnapshotFormatError("not a JSON object")
    if len(data) < _COUNT_BRACKETS_BELOW:
        check_depth(data, doc)
    else:  # check_depth's walk without its bracket count, which costs as much here (~6 ms for 8 MB)
        try:
            orjson.dumps(doc)
        except orjson.JSONEncodeError:
            raise SnapshotFormatError(f"nested deeper than {MAX_DEPTH} levels") from None
    if "checksum" not in doc:
        version = doc.get("format_version")
        if type(version) is int and version >= CHECKSUM_SINCE:
            raise SnapshotFormatError("the checksum is missing")
        return doc, False
    found = _SUFFIX.search(data, len(data) - _SUFFIX_SIZE)
    if found is None or f"crc32:{found.group(1).decode()}" != doc["checksum"]:
        raise SnapshotFormatError("the checksum field is damaged")
    if zlib.crc32(memoryview(data)[: len(data) - _SUFFIX_SIZE]) != int(found.group(1), 16):
        raise SnapshotFormatError("the checksum does not match the content (the file is damaged)")
    return doc, True


def with_checksum(body: bytes) -> bytes:
    """``body`` (a JSON object rendered with ``OPT_INDENT_2``) with the checksum of everything
    before it as last field."""
    end = body.rindex(b"}")
    while body[end - 1] in b" \n":
        end -= 1
    head = memoryview(body)[:end]  # no copy of a large snapshot before the one join
    return b"".join((head, b',\n  "checksum": "crc32:%08x"\n}\n' % zlib.crc32(head)))


def _time(value: Any, field: str, *, required: bool) -> datetime | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise SnapshotFormatError(f"{field} is missing or not a string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SnapshotFormatError(f"{field} is not an ISO date-time: {value[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _mapping(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SnapshotFormatError(f"{field} is not an object")
    return value


def _epoch(value: Any) -> int:
    if value is None:
        return 0
    if type(value) is not int or not 0 <= value <= MAX_EPOCH:
        raise SnapshotFormatError(f"journal_epoch is not an integer between 0 and {MAX_EPOCH}")
    return value


def parse_session_document(data: bytes) -> SessionDocument:
    """Parse a session snapshot (current or legacy layout); raise :class:`SnapshotFormatError`."""
    doc, checked = load_checked(data)
    session_id = doc.get("session_id")
    if not isinstance(session_id, str):
        raise SnapshotFormatError("session_id is missing")
    version = doc.get("format_version", 1)
    if type(version) is not int or version < 1:
        raise SnapshotFormatError("format_version is not a positive integer")
    if version > FORMAT_VERSION:
        raise SnapshotFormatError(
            f"format_version {version} is newer than this Sessionkeeper ({FORMAT_VERSION})"
        )
    scopes = _mapping(doc.get("scope_data"), "scope_data")
    events = doc.get("events", [])
    if not isinstance(events, list) or not all(isinstance(e, dict) and "kind" in e for e in events):
        raise SnapshotFormatError("events is not a list of event objects")
    started = _time(doc.get("started_at"), "started_at", required=True)
    assert started is not None
    resumed_from = doc.get("resumed_from")
    graceful, host = doc.get("graceful_shutdown"), doc.get("host")
    return SessionDocument(
        session_id=session_id,
        started_at=started,
        last_checkpoint=_time(doc.get("last_checkpoint"), "last_checkpoint", required=False),
        values=_mapping(scopes.get("session"), "scope_data.session"),
        events=events,
        journal_epoch=_epoch(doc.get("journal_epoch")),
        format_version=version,
        resumed_from=resumed_from if isinstance(resumed_from, str) else None,
        checked=checked,
        user=_mapping(scopes.get("user"), "scope_data.user"),
        app=_mapping(scopes.get("app"), "scope_data.app"),
        temp=_mapping(scopes.get("temp"), "scope_data.temp"),
        # Informational fields: a wrong type is ignored, never a reason to refuse the file.
        graceful_shutdown=graceful if type(graceful) is bool else None,
        last_update=_informational_time(doc.get("last_update")),
        host=host[:_MAX_HOST] if isinstance(host, str) else None,
    )


_MAX_HOST = 255  # a host name is at most 255 bytes (POSIX HOST_NAME_MAX)


def _informational_time(value: Any) -> datetime | None:
    try:
        return _time(value, "last_update", required=False)
    except SnapshotFormatError:
        return None


def _values_json(values: Mapping[str, Stored]) -> bytes:
    return orjson.dumps(values if type(values) is dict else dict(values))


def _context_hash(session_json: bytes) -> str:
    """16 hex digits that change when the session's values do: the CRC-32 and the length of their
    JSON. Informational (nothing verifies it; the file's checksum guards the bytes), so one fast
    pass instead of a cryptographic hash (BLAKE2b took ~13 ms of a 29 ms render at 100k keys)."""
    return f"{zlib.crc32(session_json):08x}{len(session_json) & 0xFFFFFFFF:08x}"


def session_context_hash(values: Mapping[str, Stored]) -> str:
    """The ``context_hash`` a session snapshot of ``values`` (in their order) carries."""
    return _context_hash(_values_json(values))


def render_session_document(
    *,
    session_id: str,
    started_at: datetime,
    values: Mapping[str, Stored],
    events: list[Stored],
    user: Mapping[str, Stored],
    app: Mapping[str, Stored],
    journal_epoch: int,
    resumed_from: str | None,
    last_update: datetime | None = None,
    graceful_shutdown: bool = False,
    host: str | None = None,
) -> bytes:
    """The bytes of a session snapshot in the guide's layout.

    ``graceful_shutdown`` is True only in the snapshot a clean stop writes; ``last_update`` is the
    time of the last change it holds (``started_at`` when not given). Both, with ``journal_epoch``
    and ``host``, come before the values: a reader that wants only how a session ended reads the
    first few hundred bytes.
    """
    session_json = _values_json(values)
    doc = {
        # format_version first: a reader can tell our files from the old tool's by their first line
        "format_version": FORMAT_VERSION,
        "session_id": session_id,
        "started_at": started_at,
        "last_checkpoint": utc_now(),
        "last_update": last_update or started_at,
        "graceful_shutdown": graceful_shutdown,
        "journal_epoch": journal_epoch,
        "host": host,
        "context_hash": _context_hash(session_json),
        "state_data": {},
        "scope_data": {
            "session": orjson.Fragment(session_json),
            "user": orjson.Fragment(_values_json(user)),
            "app": orjson.Fragment(_values_json(app)),
            "temp": {},
        },
        "resumed_from": resumed_from,
        "events": events,
    }
    return with_checksum(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))


def parse_scope_document(data: bytes, scope: str) -> ScopeDocument:
    doc, checked = load_checked(data)
    if doc.get("scope") != scope:
        raise SnapshotFormatError(f"not a {scope} scope file (scope is {doc.get('scope')!r})")
    version = doc.get("format_version")
    if type(version) is not int or not 1 <= version <= FORMAT_VERSION:
        raise SnapshotFormatError(f"unsupported format_version {version!r}")
    store_id = doc.get("store_id")
    if version >= IDENTITY_SINCE and not _is_store_id(store_id):
        raise SnapshotFormatError("store_id is missing or malformed")
    return ScopeDocument(
        scope=scope,
        values=_mapping(doc.get("values"), "values"),
        journal_epoch=_epoch(doc.get("journal_epoch")),
        last_checkpoint=_time(doc.get("last_checkpoint"), "last_checkpoint", required=False),
        checked=checked,
        store_id=store_id if version >= IDENTITY_SINCE else None,
        format_version=version,
    )


def render_scope_document(
    scope: str, values: Mapping[str, Stored], journal_epoch: int, store_id: str
) -> bytes:
    """The bytes of a USER/APP scope file of the store ``store_id``."""
    doc = {
        "format_version": FORMAT_VERSION,
        "scope": scope,
        "store_id": store_id,
        "last_checkpoint": utc_now(),
        "journal_epoch": journal_epoch,
        "values": orjson.Fragment(_values_json(values)),
    }
    return with_checksum(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))


_STORE_ID = re.compile(r"[0-9a-f]{32}\Z")


def _is_store_id(value: Any) -> bool:
    return isinstance(value, str) and _STORE_ID.match(value) is not None


def render_identity_document(store: str, store_id: str) -> bytes:
    """The identity file of a USER/APP store (see :mod:`.identity`)."""
    doc = {"format_version": FORMAT_VERSION, "store": store, "store_id": store_id}
    return with_checksum(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))


def parse_identity_document(data: bytes, store: str) -> str:
    """The id an identity file gives the store ``store``; raise :class:`SnapshotFormatError`."""
    doc, checked = load_checked(data)
    if not checked or doc.get("store") != store or not _is_store_id(doc.get("store_id")):
        raise SnapshotFormatError(f"not the identity file of a {store} store")
    return str(doc["store_id"])


def session_initial(doc: SessionDocument) -> tuple[Mapping[str, Stored], list[Stored], int]:
    """What a session snapshot gives a store load: values, events, the journal epoch it contains."""
    return doc.values, doc.events, doc.journal_epoch


def scope_initial(doc: ScopeDocument) -> tuple[Mapping[str, Stored], list[Stored], int]:
    """What a USER/APP snapshot gives a store load (no events)."""
    return doc.values, [], doc.journal_epoch
