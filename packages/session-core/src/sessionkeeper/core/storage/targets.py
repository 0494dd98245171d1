"""The seam for copies elsewhere: a :class:`BackupTarget` keeps sealed objects by key, and
:class:`LocalDirectoryTarget` is one on a real directory (another disk, a NAS mount).

What a target holds is bytes core has already sealed (snapshots, journal segments, manifests: the
codec's output as it is on disk); a target never looks inside them. Objects are immutable: a put
*creates* a key and is refused if the key exists, so two writers can never overwrite each other's
objects. The one kind of object that changes (a manifest) is replaced only *if unchanged* since it
was read, by its version, so concurrent updaters serialise by retrying, with no server of our own.

The protocol follows obstore (``object_store``) so that an S3 target maps onto it 1:1: ``put``
is ``obstore.put`` with ``mode="create"`` (``AlreadyExistsError`` → :class:`TargetConflictError`),
with ``if_match=v`` it is ``mode={"e_tag": v}`` (``PreconditionError``, or ``NotFoundError``, →
:class:`TargetPreconditionError`); ``get`` is ``head`` (size against the limit) then ``get``
(``NotFoundError`` → :class:`TargetNotFoundError`); ``head``, ``delete`` and ``list`` are theirs,
with obstore's prefixes that match whole parts (``a/b`` lists ``a/b/c``, never ``a/bc``).

A version is opaque: compare it, never parse it. The local target's is the SHA-256 of the content
(an S3 target's is the ETag): it changes whenever the content does, and unlike ``mtime+size+inode``
it cannot come back after two quick replacements (inode numbers are reused and timestamps coarse),
so a stale version can never match by accident.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from sessionkeeper.core.errors import (
    InvalidTargetKeyError,
    LimitExceededError,
    TargetConflictError,
    TargetNotFoundError,
    TargetPreconditionError,
    storage_errors,
)

from .fs import filesystem
from .locks import FileLock

__all__ = [
    "DEFAULT_READ_LIMIT",
    "MAX_KEY_LENGTH",
    "MAX_PART_LENGTH",
    "BackupTarget",
    "LocalDirectoryTarget",
    "ObjectInfo",
    "PutMode",
    "TargetObject",
    "check_key",
    "check_prefix",
]

DEFAULT_READ_LIMIT = 256 << 20  # what one load of a store reads at most (SESSIONKEEPER_MAX_STORE_BYTES)
MAX_KEY_LENGTH = 512  # S3 allows 1024 bytes: room for a target's own prefix
MAX_PART_LENGTH = 200  # a file name is ≤ 255 bytes, and the local target's temp name adds ~25
_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._=+@-]*")
_LOCK_NAME = ".lock"  # no key can name it: parts never start with "."
_LOCK_TIMEOUT = 30.0  # seconds; a replace holds the lock for one small write
PutMode = Literal["create", "overwrite"]


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """An object's key, size in bytes and version (``None`` where the target cannot tell the
    version without reading the object: the local target's :meth:`~BackupTarget.list`)."""

    key: str
    size: int
    version: str | None


@dataclass(frozen=True, slots=True)
class TargetObject:
    """An object read back: its bytes and the version to give ``put(..., if_match=)``."""

    key: str
    data: bytes
    version: str

    @property
    def size(self) -> int:
        return len(self.data)


@runtime_checkable
class BackupTarget(Protocol):
    """Where copies of sealed objects go: keys are relative paths checked by :func:`check_key`
    (a bad one raises :class:`InvalidTargetKeyError` before anything is touched). Failures of the
    medium are :class:`~sessionkeeper.core.errors.StorageError` (or a subclass)."""

    location: str  #: where the objects are, for messages (a directory, ``s3://bucket/prefix``)

    def put(
        self, key: str, data: bytes, *, mode: PutMode = "create", if_match: str | None = None
    ) -> ObjectInfo:
        """Store ``data`` under ``key``, whole or not at all, and return its new version.

        ``mode="create"`` (the default): :class:`TargetConflictError` if ``key`` exists; of
        writers racing on one key exactly one succeeds. ``if_match=version``: replace the object
        only if it is still at ``version`` (:class:`TargetPreconditionError` if it changed or is
        gone; ``mode`` must then be left as it is). ``mode="overwrite"``: replace unconditionally.
        """
        ...

    def get(self, key: str, *, limit: int = DEFAULT_READ_LIMIT) -> TargetObject:
        """The object's bytes and version; :class:`TargetNotFoundError` if there is none, and
        :class:`LimitExceededError` if it is over ``limit`` bytes (refused before it is read)."""
        ...

    def head(self, key: str) -> ObjectInfo:
        """The object's size and version without returning its bytes (:class:`TargetNotFoundError`)."""
        ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key is ``prefix`` plus ``/`` plus more (all with ``""``), sorted by key.
        Objects being written (or left half-written by a killed writer) are never listed."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error (as on S3)."""
        ...


def check_key(key: object) -> tuple[str, ...]:
    """The parts of a valid key, or :class:`InvalidTargetKeyError` saying what is wrong.

    A key is 1 to :data:`MAX_KEY_LENGTH` characters of parts joined by ``/``; a part is 1 to
    :data:`MAX_PART_LENGTH` characters of ``A-Z a-z 0-9 . _ - = + @``, not starting with ``.``
    (temp and lock files do) or ``-``. So no key is absolute, climbs (``..``), holds NUL, a
    backslash or a control character, or means different things on different systems.
    """
    if not isinstance(key, str):
        raise InvalidTargetKeyError(key, f"a key is a str, not {type(key).__name__}")
    if not key:
        raise InvalidTargetKeyError(key, "a key is never empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidTargetKeyError(key, f"{len(key)} characters, over the limit of {MAX_KEY_LENGTH}")
    if "\0" in key:
        raise InvalidTargetKeyError(key, "contains a NUL character")
    if "\\" in key:
        raise InvalidTargetKeyError(key, "contains a backslash (parts are separated by '/')")
    if key.startswith("/"):
        raise InvalidTargetKeyError(key, "an absolute path (keys are relative to the target)")
    parts = tuple(key.split("/"))
    for part in parts:
        if part in {"..", "."}:
            raise InvalidTargetKeyError(key, f"{part!r} is not allowed in a key")
        if not part:
            raise InvalidTargetKeyError(key, "an empty part ('//' or a '/' at the end)")
        if len(part) > MAX_PART_LENGTH:
            raise InvalidTargetKeyError(key, f"a part of {len(part)} characters (at most {MAX_PART_LENGTH})")
        if not _PART.fullmatch(part):
            raise InvalidTargetKeyError(
                key, f"part {part!r}: only A-Z a-z 0-9 . _ - = + @, not starting with '.' or '-'"
            )
    return parts


def check_prefix(prefix: object) -> tuple[str, ...]:
    """The parts of a list prefix: ``""`` (everything) or a valid key, a trailing ``/`` allowed."""
    if prefix == "":
        return ()
    if isinstance(prefix, str) and prefix.endswith("/") and prefix != "/":
        prefix = prefix[:-1]
    return check_key(prefix)


def _is_key(path: str) -> bool:
    try:
        check_key(path)
    except InvalidTargetKeyError:
        return False
    return True


class LocalDirectoryTarget:
    """A :class:`BackupTarget` on a directory (another disk, a NAS mount).

    An object is the file ``root/<key>``, written through a temp file that is fsynced, then
    hard-linked into place (create: the link fails if the name exists, so exactly one racing
    creator wins) or renamed over it (replace), and the directory fsynced. Temp files start with
    ``.``, which no key does: a writer killed mid-put leaves one, never listed or read. Replaces
    (and deletes) hold an ``flock`` on ``root/.lock`` between the version check and the rename.

    Every part below ``root`` is opened with ``O_NOFOLLOW``: a symlink planted inside is refused
    (:class:`StorageError`, ``ELOOP``), never followed (``root`` itself may be one). What it
    creates is 0700 (directories) and 0600 (files). Reading creates nothing.
    Needs hard links (every POSIX file system, NFS; not FAT or some SMB mounts).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.location = str(self.root)

    def __repr__(self) -> str:
        return f"LocalDirectoryTarget({self.location!r})"

    def put(
        self, key: str, data: bytes, *, mode: PutMode = "create", if_match: str | None = None
    ) -> ObjectInfo:
        """See :meth:`BackupTarget.put`."""
        parts = check_key(key)
        if mode not in {"create", "overwrite"}:
            raise ValueError(f"mode must be 'create' or 'overwrite', not {mode!r}")
        if if_match is not None and mode != "create":
            raise ValueError("if_match is a replace of its own: give it without mode")
        fs = filesystem()
        version = hashlib.sha256(data).hexdigest()
        with storage_errors(f"cannot write backup object {key} in {self.location}"):
            fs.make_private_dir(self.root)
            directory = fs.open_beneath(self.root, parts[:-1], create=True)
            try:
                if if_match is None and mode == "create":
                    try:
                        fs.publish_at(directory, parts[-1], data, replace=False)
                    except FileExistsError:
                        raise TargetConflictError(key, self.location) from None
                else:
                    with self._locked():
                        if if_match is not None and self._version_at(directory, parts[-1]) != if_match:
                            raise TargetPreconditionError(key, self.location, if_match)
                        fs.publish_at(directory, parts[-1], data, replace=True)
            finally:
                fs.close(directory)
        return ObjectInfo(key, len(data), version)

    def get(self, key: str, *, limit: int = DEFAULT_READ_LIMIT) -> TargetObject:
        """See :meth:`BackupTarget.get`."""
        parts = check_key(key)
        digest = hashlib.sha256()
        chunks: list[bytes] = []
        with self._reading(key, limit):
            directory = filesystem().open_beneath(self.root, parts[:-1])
            try:
                for chunk in filesystem().read_chunks_at(directory, parts[-1], limit):
                    digest.update(chunk)
                    chunks.append(chunk)
            finally:
                filesystem().close(directory)
        return TargetObject(key, b"".join(chunks), digest.hexdigest())

    def head(self, key: str) -> ObjectInfo:
        """See :meth:`BackupTarget.head` (reads the object through, to hash it, in 1 MiB chunks)."""
        parts = check_key(key)
        with self._reading(key, None):
            directory = filesystem().open_beneath(self.root, parts[:-1])
            try:
                size, version = self._hash_at(directory, parts[-1])
            finally:
                filesystem().close(directory)
        return ObjectInfo(key, size, version)

    def delete(self, key: str) -> None:
        """See :meth:`BackupTarget.delete`."""
        parts = check_key(key)
        fs = filesystem()
        with storage_errors(f"cannot delete backup object {key} in {self.location}"):
            try:
                directory = fs.open_beneath(self.root, parts[:-1])
            except (FileNotFoundError, NotADirectoryError):
                return
            try:
                with self._locked(), contextlib.suppress(FileNotFoundError):
                    fs.unlink_at(directory, parts[-1])
            finally:
                fs.close(directory)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """See :meth:`BackupTarget.list`: versions are ``None`` here (use :meth:`head`); sizes are
        read from the directory, so listing never reads an object."""
        parts = check_prefix(prefix)
        base = "/".join(parts)
        fs = filesystem()
        with storage_errors(f"cannot list backup objects in {self.location}"):
            try:
                directory = fs.open_beneath(self.root, parts)
            except (FileNotFoundError, NotADirectoryError):
                return iter(())
            try:
                found = [(f"{base}/{path}" if base else path, size) for path, size in fs.walk_at(directory)]
            finally:
                fs.close(directory)
        # Sorted as whole keys: a walk sorted part by part would put "a/b" before "a-c" ('-' < '/').
        return iter([ObjectInfo(key, size, None) for key, size in sorted(found) if _is_key(key)])

    # -- internals ---------------------------------------------------------------------------------------
    def _hash_at(self, directory: int, name: str) -> tuple[int, str]:
        digest, size = hashlib.sha256(), 0
        for chunk in filesystem().read_chunks_at(directory, name, 1 << 62):
            digest.update(chunk)
            size += len(chunk)
        return size, digest.hexdigest()

    def _version_at(self, directory: int, name: str) -> str | None:
        try:
            return self._hash_at(directory, name)[1]
        except (FileNotFoundError, IsADirectoryError):  # nothing to match: the precondition fails
            return None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock = FileLock(self.root / _LOCK_NAME)
        try:
            with lock.exclusive(_LOCK_TIMEOUT):
                yield
        finally:
            lock.close()

    @contextlib.contextmanager
    def _reading(self, key: str, limit: int | None) -> Iterator[None]:
        """Missing (or a directory, or under a file) → TargetNotFoundError; over ``limit`` →
        LimitExceededError; any other OSError → StorageError."""
        with storage_errors(f"cannot read backup object {key} in {self.location}"):
            try:
                yield
            except OSError as exc:
                if exc.errno in {errno.ENOENT, errno.ENOTDIR, errno.EISDIR}:
                    raise TargetNotFoundError(key, self.location) from None
                if exc.errno == errno.EFBIG and limit is not None:
                    raise LimitExceededError(
                        f"backup object {key} in {self.location} is over the {limit}-byte read limit",
                        limit=limit,
                    ) from None
                raise
