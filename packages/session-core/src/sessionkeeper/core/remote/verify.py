"""Verifying a remote: every manifest opens, every index it lists is there and is the one it names,
every object an index needs is there and (``deep``, the default) hashes to its name.

Nothing is changed and nothing is trusted: a problem is reported with the key it concerns and
checking goes on. A key that cannot open a manifest is not a problem of the remote: it raises
:class:`RemoteKeyError` (the remote is locked to this machine, not damaged). Objects no index
refers to (left by a push killed before its manifest) are counted, not reported: the next push may
use them, and pruning removes them.
"""

from __future__ import annotations

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import RemoteIntegrityError, TargetNotFoundError
from sessionkeeper.core.storage.targets import BackupTarget

from .keys import OBJECTS, object_digest, object_key
from .reading import fetch_index, fetch_object, list_manifests, read_manifest

__all__ = ["HostCheck", "RemoteCheck", "verify_remote"]


@attrs.frozen
class HostCheck:
    host: str
    seq: int  # 0: the manifest could not be read
    pushes: int
    latest_at: str | None


@attrs.frozen
class RemoteCheck:
    """What :func:`verify_remote` found; ``ok`` when ``problems`` is empty."""

    location: str
    hosts: tuple[HostCheck, ...]
    objects: int  # objects checked
    bytes: int
    unreferenced: int
    problems: tuple[tuple[str, str], ...]  # (key, what is wrong)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_remote(target: BackupTarget, codec: Codec, *, deep: bool = True) -> RemoteCheck:
    """Check ``target`` as the module docstring says."""
    problems: list[tuple[str, str]] = []
    needed: dict[str, int] = {}
    hosts: list[HostCheck] = []
    for host in list_manifests(target):
        try:
            found = read_manifest(target, codec, host)
        except RemoteIntegrityError as exc:
            problems.append((f"hosts/{host}/manifest", str(exc)))
            hosts.append(HostCheck(host, 0, 0, None))
            continue
        if found is None:  # removed while we looked
            continue
        manifest = found.manifest
        hosts.append(HostCheck(host, manifest.seq, len(manifest.history), manifest.latest.at))
        for entry in manifest.history:
            try:
                index = fetch_index(target, codec, host, entry)
            except RemoteIntegrityError as exc:
                problems.append((entry.index, str(exc)))
                continue
            for digest, size in index.parts().items():
                if needed.setdefault(digest, size) != size:
                    problems.append((object_key(digest), "two indexes give it different sizes"))
    checked = checked_bytes = 0
    for digest, size in sorted(needed.items()):
        try:
            if deep:
                fetch_object(target, digest, size)
            elif target.head(object_key(digest)).size != size:
                raise RemoteIntegrityError(f"object {object_key(digest)} is not {size} bytes")
        except RemoteIntegrityError as exc:
            problems.append((object_key(digest), str(exc)))
            continue
        except TargetNotFoundError:
            problems.append((object_key(digest), "missing"))
            continue
        checked += 1
        checked_bytes += size
    unreferenced = sum(
        1 for info in target.list(OBJECTS) if (d := object_digest(info.key)) is not None and d not in needed
    )
    return RemoteCheck(target.location, tuple(hosts), checked, checked_bytes, unreferenced, tuple(problems))
