"""Reading a remote, trusting nothing: manifests and indexes opened with the codec, objects accepted
only if their bytes hash to their names, and the key proven before anything is changed.

Errors: a key that cannot open what the remote holds is :class:`RemoteKeyError` (one message, with
the key ids involved and what to do); anything that does not check out — a tampered, truncated or
swapped object, a manifest naming another host, an index whose hash is not the one its manifest
names — is :class:`RemoteIntegrityError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import (
    DecryptionError,
    IntegrityError,
    KeyRequiredError,
    LimitExceededError,
    RemoteIntegrityError,
    RemoteKeyError,
    TargetNotFoundError,
)
from sessionkeeper.core.storage.targets import BackupTarget

from .documents import (
    MAX_INDEX_BYTES,
    MAX_MANIFEST_BYTES,
    FileRef,
    HistoryEntry,
    Index,
    Manifest,
    open_index,
    open_manifest,
)
from .keys import HOSTS, manifest_host, manifest_key, object_key

__all__ = [
    "FoundManifest",
    "fetch_files",
    "fetch_index",
    "fetch_object",
    "list_manifests",
    "prove_key",
    "read_manifest",
]


@attrs.frozen
class FoundManifest:
    """A manifest as read, with the version to replace it by."""

    manifest: Manifest
    version: str


def _key_error(exc: Exception, location: str, what: str) -> RemoteKeyError:
    if isinstance(exc, KeyRequiredError):
        return RemoteKeyError(
            f"{location} is encrypted (key {exc.key_id}) and no key is configured here; nothing was "
            "changed. Configure the key that wrote it (SESSIONKEEPER_KEY_FILE, SESSIONKEEPER_KEY or "
            "SESSIONKEEPER_PASSPHRASE)"
        )
    return RemoteKeyError(
        f"{location} was written with another key than the one configured here ({what}: {exc}); "
        "nothing was changed. Configure the key that wrote it, or push to another prefix"
    )


def read_manifest(target: BackupTarget, codec: Codec, host: str) -> FoundManifest | None:
    """The manifest of ``host`` (None if it has none). Opening it proves the key."""
    key = manifest_key(host)
    try:
        found = target.get(key, limit=MAX_MANIFEST_BYTES)
    except TargetNotFoundError:
        return None
    what = f"manifest {key} in {target.location}"
    try:
        manifest = open_manifest(found.data, codec, host, what)
    except (KeyRequiredError, DecryptionError) as exc:
        raise _key_error(exc, target.location, what) from None
    except IntegrityError as exc:
        if isinstance(exc, RemoteIntegrityError):
            raise
        raise RemoteIntegrityError(str(exc)) from None
    return FoundManifest(manifest, found.version)


def list_manifests(target: BackupTarget) -> list[str]:
    """The hosts that have a manifest on the remote, sorted."""
    return sorted(host for info in target.list(HOSTS) if (host := manifest_host(info.key)) is not None)


def prove_key(target: BackupTarget, codec: Codec, prefer: str) -> None:
    """Prove that ``codec`` opens what the remote holds, before anything is written to it: open the
    manifest of ``prefer`` (this host), else of any host. An empty remote proves nothing and needs
    nothing. Raises :class:`RemoteKeyError` (wrong or missing key) or :class:`RemoteIntegrityError`."""
    hosts = list_manifests(target)
    for host in sorted(hosts, key=lambda name: name != prefer)[:1]:
        read_manifest(target, codec, host)


def fetch_index(target: BackupTarget, codec: Codec, host: str, entry: HistoryEntry) -> Index:
    """The index ``entry`` of ``host``'s manifest names, checked against its hash and opened."""
    what = f"index {entry.index} in {target.location}"
    try:
        found = target.get(entry.index, limit=MAX_INDEX_BYTES)
    except TargetNotFoundError:
        raise RemoteIntegrityError(f"{what}, named by the manifest of {host}, is missing") from None
    if hashlib.sha256(found.data).hexdigest() != entry.digest:
        raise RemoteIntegrityError(f"{what} is not the one its manifest names (changed or swapped)")
    try:
        return open_index(found.data, codec, host, entry.seq, what)
    except (KeyRequiredError, DecryptionError) as exc:
        raise _key_error(exc, target.location, what) from None
    except IntegrityError as exc:
        if isinstance(exc, RemoteIntegrityError):
            raise
        raise RemoteIntegrityError(str(exc)) from None


def fetch_object(target: BackupTarget, digest: str, size: int) -> bytes:
    """The bytes of object ``digest``, which must be ``size`` bytes that hash to ``digest``."""
    key = object_key(digest)
    try:
        data = target.get(key, limit=size).data
    except TargetNotFoundError:
        raise RemoteIntegrityError(f"object {key} is missing from {target.location}") from None
    except LimitExceededError:
        raise RemoteIntegrityError(f"object {key} in {target.location} is larger than recorded") from None
    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
        raise RemoteIntegrityError(
            f"object {key} in {target.location} does not match its name (changed, truncated or swapped)"
        )
    return data


def fetch_files(
    target: BackupTarget, refs: Sequence[FileRef], progress: Callable[[int, int], None] | None = None
) -> list[bytes]:
    """The content of each file ``refs`` names (its parts fetched and checked, in order), reporting
    ``(bytes fetched, bytes in all)`` to ``progress`` after each object."""
    total = sum(ref.size for ref in refs)
    done = 0
    contents = []
    for ref in refs:
        parts = []
        for part in ref.parts:
            parts.append(fetch_object(target, part.digest, part.size))
            done += part.size
            if progress is not None:
                progress(done, total)
        contents.append(b"".join(parts))
    return contents
