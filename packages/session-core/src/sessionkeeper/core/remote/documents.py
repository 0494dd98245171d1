"""What a push records on a remote: the :class:`Index` of one push and each host's :class:`Manifest`.

Both are JSON sealed with the data directory's codec (compressed and encrypted like every store
file), bound by the AEAD to what they are (``remote-index\\0<host>\\0<seq>``,
``remote-manifest\\0<host>``), so one cannot be passed off as another host's or another push's.
The chain of trust, top down: the manifest (authenticated by the codec) names its latest index and
the SHA-256 of that index's sealed bytes; the index names every file's objects by SHA-256; an
object is accepted only if its bytes hash to its name. A remote written with ``remote-plaintext``
has only the hashes (no authentication): anyone who can write the bucket can forge it.

An index lists every store of the data directory (and the user's USER store) at the moment of the
push; a file is a list of parts (objects) whose concatenation is the file as it was on disk:
snapshots and backups are one part, a journal is the segments appended between pushes. The
history archive (``history/<id>~<from>-<until>.json``, sealed files retention writes once and never
changes) is pushed too, one store of kind ``history`` per archive file (``name`` the file's name,
one whole-file part). An index written before the archive was pushed simply has no such store.
"""

from __future__ import annotations

import itertools
from typing import Any, Literal

import attrs
import orjson

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import RemoteIntegrityError, SessionkeeperError
from sessionkeeper.core.storage.history import parse_history_name
from sessionkeeper.core.storage.targets import check_key

from .keys import is_digest

__all__ = [
    "FORMAT",
    "FileRef",
    "HistoryEntry",
    "Index",
    "Manifest",
    "Part",
    "StoreEntry",
    "index_context",
    "manifest_context",
    "open_index",
    "open_manifest",
    "seal_index",
    "seal_manifest",
]

FORMAT = 1
MAX_MANIFEST_BYTES = 64 << 20
MAX_INDEX_BYTES = 256 << 20
StoreKind = Literal["session", "app", "user", "history"]
_KINDS = ("session", "app", "user", "history")


@attrs.frozen
class Part:
    """One object of a file: its SHA-256 and size."""

    digest: str
    size: int


@attrs.frozen
class FileRef:
    """A file of a store, relative to its root (``sessions/<id>.json``, ``app.d/000000000003.journal``,
    ``user.json``): its parts in order."""

    path: str
    parts: tuple[Part, ...]

    @property
    def size(self) -> int:
        return sum(part.size for part in self.parts)


@attrs.frozen
class StoreEntry:
    """One store as pushed: a session (``name`` its id), the APP store, the USER store, or one file
    of the history archive (``name`` the file's name, its one file ``history/<name>``)."""

    kind: StoreKind
    name: str
    files: tuple[FileRef, ...]


@attrs.frozen
class Index:
    """One push of one host: every store's files, at ``at`` (UTC ISO time)."""

    host: str
    seq: int
    at: str
    stores: tuple[StoreEntry, ...]

    def store(self, kind: StoreKind, name: str) -> StoreEntry | None:
        return next((s for s in self.stores if s.kind == kind and s.name == name), None)

    def parts(self) -> dict[str, int]:
        """Every object this index needs, by digest, with its size."""
        return {part.digest: part.size for store in self.stores for f in store.files for part in f.parts}


@attrs.frozen
class HistoryEntry:
    """An index a manifest lists: its seq, time, key and the SHA-256 of its sealed bytes."""

    seq: int
    at: str
    index: str
    digest: str


@attrs.frozen
class Manifest:
    """A host's pushes, oldest first; the last is the latest. ``seq`` only grows."""

    host: str
    seq: int
    updated_at: str
    history: tuple[HistoryEntry, ...]

    @property
    def latest(self) -> HistoryEntry:
        return self.history[-1]


def manifest_context(host: str) -> bytes:
    return b"remote-manifest\0" + host.encode()


def index_context(host: str, seq: int) -> bytes:
    return b"remote-index\0" + host.encode() + b"\0" + str(seq).encode()


# -- writing -------------------------------------------------------------------------------------------
def seal_index(index: Index, codec: Codec) -> bytes:
    document = {"format": FORMAT, "kind": "index", **attrs.asdict(index)}
    return codec.seal(orjson.dumps(document), index_context(index.host, index.seq))


def seal_manifest(manifest: Manifest, codec: Codec) -> bytes:
    document = {"format": FORMAT, "kind": "manifest", **attrs.asdict(manifest)}
    return codec.seal(orjson.dumps(document), manifest_context(manifest.host))


# -- reading (everything checked: a remote is untrusted input) ------------------------------------------
class _Bad(Exception):
    pass


def _field(table: Any, name: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(table, dict) or name not in table:
        raise _Bad(f"no {name!r}")
    value = table[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Bad(f"{name!r} is not a {getattr(kind, '__name__', kind)}")
    return value


def _digest(value: Any) -> str:
    if not is_digest(value):
        raise _Bad("a digest is not a SHA-256")
    return str(value)


def _size(value: int) -> int:
    if value < 0:
        raise _Bad("a part's size is negative")
    return value


def _key(value: Any) -> str:
    try:
        check_key(value)
    except SessionkeeperError:
        raise _Bad(f"{str(value)[:60]!r} is not a valid path") from None
    return str(value)


def _archive_name(store: Any) -> str:
    """A history store's name: an archive file's name (whose ``~`` no key part allows), as core's
    history-name parser reads them; never a path."""
    name = _field(store, "name", str)
    if parse_history_name(name) is None:
        raise _Bad(f"{name[:80]!r} is not a history archive file's name")
    return str(name)


def _file_path(item: Any, kind: str, name: str) -> str:
    path = _field(item, "path", str)
    if kind == "history":  # its one file, named by the store: history/<name>, nothing else
        if path != f"history/{name}":
            raise _Bad(f"{path[:80]!r} is not the file of history store {name[:80]!r}")
        return str(path)
    return _key(path)


def _document(blob: bytes, codec: Codec, context: bytes, what: str, kind: str, limit: int) -> Any:
    data = codec.open(blob, context, what, limit)  # key problems and tampering raise here
    try:
        document = orjson.loads(data)
        if _field(document, "kind", str) != kind or _field(document, "format", int) != FORMAT:
            raise _Bad(f"not a format-{FORMAT} {kind}")
    except (orjson.JSONDecodeError, _Bad) as exc:
        raise RemoteIntegrityError(f"{what} is not a sound {kind}: {exc}") from None
    return document


def open_index(blob: bytes, codec: Codec, host: str, seq: int, what: str) -> Index:
    """The index sealed in ``blob`` (push ``seq`` of ``host``), or RemoteIntegrityError."""
    document = _document(blob, codec, index_context(host, seq), what, "index", MAX_INDEX_BYTES)
    try:
        if _field(document, "host", str) != host or _field(document, "seq", int) != seq:
            raise _Bad("it names another host or push")
        stores = []
        for store in _field(document, "stores", list):
            kind = _field(store, "kind", str)
            if kind not in _KINDS:
                raise _Bad(f"unknown store kind {kind[:20]!r}")
            name = _archive_name(store) if kind == "history" else _key(_field(store, "name", str))
            files = tuple(
                FileRef(
                    _file_path(item, kind, name),
                    tuple(
                        Part(_digest(_field(part, "digest", str)), _size(_field(part, "size", int)))
                        for part in _field(item, "parts", list)
                    ),
                )
                for item in _field(store, "files", list)
            )
            stores.append(StoreEntry(kind, name, files))
        return Index(host, seq, _field(document, "at", str), tuple(stores))
    except _Bad as exc:
        raise RemoteIntegrityError(f"{what} is not a sound index: {exc}") from None


def open_manifest(blob: bytes, codec: Codec, host: str, what: str) -> Manifest:
    """The manifest of ``host`` sealed in ``blob``, or RemoteIntegrityError (KeyRequiredError or
    DecryptionError for a key problem, IntegrityError for a tampered one)."""
    document = _document(blob, codec, manifest_context(host), what, "manifest", MAX_MANIFEST_BYTES)
    try:
        if _field(document, "host", str) != host:
            raise _Bad("it names another host")
        history = tuple(
            HistoryEntry(
                _field(entry, "seq", int),
                _field(entry, "at", str),
                _key(_field(entry, "index", str)),
                _digest(_field(entry, "digest", str)),
            )
            for entry in _field(document, "history", list)
        )
        seq = _field(document, "seq", int)
        if not history or history[-1].seq != seq:
            raise _Bad("its history does not end at its seq")
        if any(a.seq >= b.seq for a, b in itertools.pairwise(history)):
            raise _Bad("its history is not in order")
        return Manifest(host, seq, _field(document, "updated_at", str), history)
    except _Bad as exc:
        raise RemoteIntegrityError(f"{what} is not a sound manifest: {exc}") from None
