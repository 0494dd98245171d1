"""Where things live on a remote (keys below the target's own prefix) — the one place that knows::

    objects/<2 hex>/<sha256 hex>                 a file's bytes as on disk (a snapshot, a backup, or one
                                                 appended segment of a journal): immutable, create-only,
                                                 named by the SHA-256 of its content
    hosts/<host>/index/<12-digit seq>-<16 hex>   one push of <host>: every store's files as lists of
                                                 objects (sealed); immutable, create-only
    hosts/<host>/manifest                        <host>'s latest index and the ones before it (sealed);
                                                 the only object ever replaced, and only if unchanged

A host writes only under ``hosts/<host>/`` (and ``objects/``, where a name is its content, so two
hosts writing the same object write the same bytes): no host ever overwrites another's.
"""

from __future__ import annotations

import re

__all__ = [
    "HOSTS",
    "OBJECTS",
    "index_key",
    "is_digest",
    "manifest_host",
    "manifest_key",
    "object_digest",
    "object_key",
]

OBJECTS = "objects"
HOSTS = "hosts"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_MANIFEST = "manifest"


def is_digest(text: object) -> bool:
    """Whether ``text`` is a SHA-256 in lowercase hex (what object names are)."""
    return isinstance(text, str) and _DIGEST.fullmatch(text) is not None


def object_key(digest: str) -> str:
    """The key of the object whose content has SHA-256 ``digest``."""
    if not is_digest(digest):
        raise ValueError(f"not a SHA-256 digest: {digest[:80]!r}")
    return f"{OBJECTS}/{digest[:2]}/{digest}"


def object_digest(key: str) -> str | None:
    """The digest an object key names, or None if ``key`` is not an object's key."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == OBJECTS and is_digest(parts[2]) and parts[1] == parts[2][:2]:
        return parts[2]
    return None


def manifest_key(host: str) -> str:
    return f"{HOSTS}/{host}/{_MANIFEST}"


def manifest_host(key: str) -> str | None:
    """The host whose manifest ``key`` is, or None."""
    parts = key.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == HOSTS and parts[2] == _MANIFEST else None


def index_key(host: str, seq: int, digest: str) -> str:
    """The key of push ``seq`` of ``host`` (``digest``: of its sealed bytes, so that two pushers
    racing for one seq never create the same key)."""
    return f"{HOSTS}/{host}/index/{seq:012d}-{digest[:16]}"
