"""USER scope across machines: which host's value of a key is the newest, by a hybrid logical clock.

Each host keeps a *sync document* next to its USER store (``user.d/sync``, sealed with the codec
and pushed with the store): for every key it has seen, the :class:`Stamp` of the write its value
comes from and the SHA-256 of that value (``None``: deleted — a *tombstone*, kept so that a delete
travels like a write instead of being undone by a host that still has the value).

A stamp is a hybrid logical clock (Kulkarni et al., 2014): wall time in milliseconds, a counter
for changes within one millisecond, and the host that made the change. Stamps only grow on a host
(:meth:`Stamp.after`): a change made after a host saw another host's stamp is stamped later than
it, whatever the two machines' clocks say. Stamps are totally ordered (wall, counter, host), so
every host that sees the same stamps picks the same winner for a key: last writer wins.

A change is stamped when it is *observed*: by a push, or by a pull, comparing the USER store's
values with the document (:func:`observe`); its wall time is the store's last modification, so
the stamp is the time of the last change to the store at or after the real write. A store of
another host whose document is behind its values (changed since that host last looked) is observed
the same way by whoever reads it, at the time of that host's push.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import attrs
import orjson

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import RemoteIntegrityError
from sessionkeeper.core.model.values import Stored, stored_tree

__all__ = [
    "MAX_SYNC_BYTES",
    "SYNC_CONTEXT",
    "KeyState",
    "Stamp",
    "SyncDocument",
    "Winner",
    "merge",
    "observe",
    "open_sync",
    "seal_sync",
    "value_digest",
]

FORMAT = 1
MAX_SYNC_BYTES = 64 << 20
_MAX_WALL = 1 << 53  # ms: far past any real clock, and exact in every JSON reader
_MAX_COUNTER = 1 << 31
_DIGEST = re.compile(r"[0-9a-f]{64}")


@attrs.frozen(order=True)
class Stamp:
    """A hybrid logical clock value: ordered by wall time (ms), then counter, then host."""

    wall: int
    counter: int
    host: str

    def after(self, wall: int, host: str) -> Stamp:
        """The next stamp of ``host`` at physical time ``wall``: later than this one."""
        if wall > self.wall:
            return Stamp(wall, 0, host)
        return Stamp(self.wall, self.counter + 1, host)


ZERO = Stamp(0, 0, "")


@attrs.frozen
class KeyState:
    """A key as a host last saw it: the stamp of its write, the SHA-256 of its value (None: deleted)."""

    stamp: Stamp
    digest: str | None


@attrs.frozen
class SyncDocument:
    """A host's clock and what it last saw of every key (tombstones included)."""

    host: str
    clock: Stamp
    keys: Mapping[str, KeyState] = attrs.field(factory=dict)
    observed: str = ""  # the USER files (inode, size, mtime) when last observed: unchanged → nothing to do


def value_digest(tree: Stored) -> str:
    """The SHA-256 of a stored value (its JSON with sorted keys: the same value, the same digest)."""
    return hashlib.sha256(orjson.dumps(stored_tree(tree), option=orjson.OPT_SORT_KEYS)).hexdigest()


def observe(
    document: SyncDocument, values: Mapping[str, Stored], wall: int, observed: str, *, deletes: bool = True
) -> SyncDocument:
    """``document`` brought up to ``values``: every key whose value changed (or that appeared, or
    went — unless ``deletes`` is false: values known to be incomplete) since it was last observed
    gets one new stamp, after the document's clock, at ``wall``."""
    stamp: Stamp | None = None
    keys = dict(document.keys)
    for key, tree in values.items():
        digest = value_digest(tree)
        known = keys.get(key)
        if known is None or known.digest != digest:
            stamp = stamp or document.clock.after(wall, document.host)
            keys[key] = KeyState(stamp, digest)
    for key, known in document.keys.items():
        if deletes and known.digest is not None and key not in values:
            stamp = stamp or document.clock.after(wall, document.host)
            keys[key] = KeyState(stamp, None)
    return SyncDocument(document.host, stamp or document.clock, keys, observed)


@attrs.frozen
class Winner:
    """The newest write of a key among the hosts merged: whose it is, and its state."""

    key: str
    state: KeyState
    source: str  # the host whose store holds the winning value (where to take it from)
    disagreed: tuple[str, ...]  # hosts whose value of the key was another one (a conflict resolved)


def merge(documents: Mapping[str, SyncDocument]) -> dict[str, Winner]:
    """Per key, the newest state among ``documents`` (by host; each already observed): last writer
    wins by stamp. Hosts that hold another value (or none, against a delete) are named."""
    winners: dict[str, Winner] = {}
    for host, document in sorted(documents.items()):
        for key, state in document.keys.items():
            best: Winner | None = winners.get(key)
            if best is None or state.stamp > best.state.stamp:
                winners[key] = Winner(key, state, host, ())
    result = {}
    for key, winner in winners.items():
        others = tuple(
            host
            for host, document in sorted(documents.items())
            if (seen := document.keys.get(key)) is not None and seen.digest != winner.state.digest
        )
        result[key] = attrs.evolve(winner, disagreed=others)
    return result


# -- the sealed document ----------------------------------------------------------------------------
# One context for every host's document: the document names its host inside the authenticated
# bytes (checked on reading a remote host's), and key rotation can re-seal it without knowing it.
SYNC_CONTEXT = b"user-sync"


def seal_sync(document: SyncDocument, codec: Codec) -> bytes:
    """The document as a file (JSON sealed with the codec, bound to its host)."""
    body = {
        "format": FORMAT,
        "kind": "user-sync",
        "host": document.host,
        "clock": attrs.astuple(document.clock),
        "observed": document.observed,
        "keys": {key: [*attrs.astuple(s.stamp), s.digest] for key, s in sorted(document.keys.items())},
    }
    return codec.seal(orjson.dumps(body), SYNC_CONTEXT)


class _Bad(Exception):
    pass


def _stamp(value: Any) -> Stamp:
    if not (isinstance(value, list) and len(value) >= 3):
        raise _Bad("a stamp is not [wall, counter, host]")
    wall, counter, host = value[:3]
    for number, top in ((wall, _MAX_WALL), (counter, _MAX_COUNTER)):
        if type(number) is not int or not 0 <= number < top:
            raise _Bad("a stamp's time is out of range")
    if not isinstance(host, str) or not 0 < len(host) <= 255:
        raise _Bad("a stamp names no host")
    return Stamp(wall, counter, host)


def _key_state(value: Any) -> KeyState:
    if not (isinstance(value, list) and len(value) == 4):
        raise _Bad("a key's state is not [wall, counter, host, digest]")
    digest = value[3]
    if digest is not None and not (isinstance(digest, str) and _DIGEST.fullmatch(digest)):
        raise _Bad("a key's digest is not a SHA-256")
    return KeyState(_stamp(value), digest)


def open_sync(blob: bytes, codec: Codec, host: str | None, what: str) -> SyncDocument:
    """The sync document sealed in ``blob``, which must name ``host`` (None: any host — this
    machine's own, kept across a change of its remote-host name); RemoteIntegrityError if it is not
    a sound one (the codec's own errors for a wrong key or a damaged seal)."""
    data = codec.open(blob, SYNC_CONTEXT, what, MAX_SYNC_BYTES)
    try:
        body = orjson.loads(data)
        if not isinstance(body, dict) or body.get("kind") != "user-sync" or body.get("format") != FORMAT:
            raise _Bad(f"not a format-{FORMAT} sync document")
        named = body.get("host")
        if not isinstance(named, str) or not named or (host is not None and named != host):
            raise _Bad("it names another host")
        keys = body.get("keys")
        observed = body.get("observed", "")
        if not isinstance(keys, dict) or not isinstance(observed, str):
            raise _Bad("its keys are not a table")
        states = {key: _key_state(value) for key, value in keys.items()}
        return SyncDocument(named, _stamp(body.get("clock")), states, observed)
    except (orjson.JSONDecodeError, _Bad) as exc:
        raise RemoteIntegrityError(f"{what} is not a sound sync document: {exc}") from None
