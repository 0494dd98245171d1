"""This data directory's side of replication: ``<data dir>/remote.d/`` (0700)::

    remote.d/lock         held exclusively by the one push of this data directory at a time
    remote.d/state.json   after each push: the remote and host it is for, the manifest seq and version
                          seen last, what each journal has pushed (bytes and segments), a cache of
                          file digests, the objects known to be on the remote, last success and error
    remote.d/sent         objects put since state.json was written, one digest a line (appended as
                          each put succeeds, so a push killed midway resumes without sending them
                          again), and ``?<digest>`` before each put starts: a push killed with puts in
                          flight leaves those, and the next one asks the remote (HEAD) whether they
                          landed instead of sending them again — for every object ``sent`` names, in
                          fact: a prune may have removed one, unreferenced, since it was sent

Nothing here is needed to restore: the remote is self-contained. A lost or damaged state only costs
a re-send (and the rollback check below). The state never holds an endpoint or a credential.

``seq`` is the highest manifest seq this machine has written or read for its host: a manifest found
with a lower one (an older, valid manifest put back: a rollback) is refused, not built upon.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import orjson

from sessionkeeper.core.errors import storage_errors
from sessionkeeper.core.storage.fs import filesystem
from sessionkeeper.core.storage.locks import FileLock

from .keys import is_digest

__all__ = ["JournalProgress", "PushState", "StateFiles", "utc_now"]

_STATE_LIMIT = 64 << 20
_SENT_LIMIT = 64 << 20


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@attrs.define
class JournalProgress:
    """What of one journal file is on the remote: its first ``size`` bytes, as ``parts``."""

    inode: int
    size: int
    parts: list[tuple[str, int]]


@attrs.define
class PushState:
    """What this data directory knows about its remote (see the module docstring)."""

    location: str = ""
    host: str = ""
    seq: int = 0
    version: str | None = None  # the manifest's version as last written or read
    index: str | None = None
    stores_digest: str | None = None  # of the stores the latest index lists: unchanged → no new push
    last_attempt: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    failures: int = 0  # in a row
    pushed_objects: int = 0  # in total, by this machine
    pushed_bytes: int = 0
    journals: dict[str, JournalProgress] = attrs.Factory(dict)
    files: dict[str, tuple[int, int, int, str]] = attrs.Factory(dict)  # path -> (ino, size, mtime, sha)
    known: set[str] = attrs.Factory(set)  # digests of objects on the remote
    in_flight: set[str] = attrs.Factory(set)  # puts a killed push started: landed or not (not saved)

    def for_remote(self, location: str, host: str) -> PushState:
        """This state if it is about ``location`` and ``host``, else a fresh one (another remote:
        nothing known about it). Last success and error are kept: they are this machine's story."""
        if (self.location, self.host) == (location, host):
            return self
        return PushState(location, host, last_error=self.last_error, last_attempt=self.last_attempt)


class StateFiles:
    """The files of ``<data dir>/remote.d/``."""

    def __init__(self, data_dir: Path) -> None:
        self.directory = data_dir / "remote.d"
        self.state = self.directory / "state.json"
        self.sent = self.directory / "sent"
        self.lock_path = self.directory / "lock"

    @contextlib.contextmanager
    def locked(self, timeout: float | None) -> Iterator[None]:
        """The push lock (``SessionLockedError`` after ``timeout`` seconds; None: wait)."""
        with storage_errors(f"cannot lock {self.lock_path}"):
            filesystem().make_private_dir(self.directory)
        lock = FileLock(self.lock_path)
        try:
            with lock.exclusive(timeout):
                yield
        finally:
            lock.close()

    def load(self) -> PushState:
        """The state as last written (a fresh one if there is none or it cannot be read), with the
        objects of ``sent`` (and the puts begun) as ``in_flight``: to be asked about by HEAD."""
        state = PushState()
        try:
            raw = orjson.loads(filesystem().read_bytes(self.state, _STATE_LIMIT))
            state = _parse(raw)
        except (OSError, orjson.JSONDecodeError, TypeError, ValueError, KeyError, AttributeError):
            pass
        sent, maybe = self.read_sent()
        # Objects a failed or killed push sent are asked about (one HEAD each) rather than trusted:
        # a prune (see .prune) may have removed them since, unreferenced as they were.
        state.in_flight = (maybe | sent) - state.known
        return state

    def read_sent(self) -> tuple[set[str], set[str]]:
        """The objects noted as sent, and those whose put started (``?``) — landed or not."""
        try:
            lines = filesystem().read_bytes(self.sent, _SENT_LIMIT).decode("ascii", "replace").split()
        except OSError:
            return set(), set()
        sent = {line for line in lines if is_digest(line)}
        return sent, {line[1:] for line in lines if line.startswith("?") and is_digest(line[1:])}

    def note_sending(self, digest: str) -> None:
        """Record that the put of object ``digest`` starts (it may land even if we are killed)."""
        self._append(f"?{digest}\n")

    def note_sent(self, digest: str) -> None:
        """Record that object ``digest`` is on the remote (not fsynced: a lost line is a re-send)."""
        self._append(f"{digest}\n")

    def _append(self, line: str) -> None:
        fs = filesystem()
        fd = fs.open_append(self.sent)
        try:
            fs.append(fd, line.encode())
        finally:
            fs.close(fd)

    def save(self, state: PushState, *, keep_sent: bool = False) -> None:
        """Write ``state`` atomically, then forget ``sent`` (its digests are in ``known`` now) unless
        ``keep_sent`` (a failed push: the puts it left in flight are still to be asked about)."""
        fs = filesystem()
        with storage_errors(f"cannot write {self.state}"):
            fs.make_private_dir(self.directory)
            fs.write_atomic(self.state, orjson.dumps(_render(state)))
            if not keep_sent:
                fs.unlink(self.sent)


def _render(state: PushState) -> dict[str, Any]:
    document = attrs.asdict(state, recurse=False)
    document["journals"] = {path: attrs.asdict(progress) for path, progress in state.journals.items()}
    document["files"] = {path: list(entry) for path, entry in state.files.items()}
    document["known"] = sorted(state.known)
    del document["in_flight"]
    return {"format": 1, **document}


def _parse(raw: dict[str, Any]) -> PushState:
    state = PushState(
        location=str(raw["location"]),
        host=str(raw["host"]),
        seq=int(raw["seq"]),
        version=raw.get("version"),
        index=raw.get("index"),
        stores_digest=raw.get("stores_digest"),
        last_attempt=raw.get("last_attempt"),
        last_success=raw.get("last_success"),
        last_error=raw.get("last_error"),
        failures=int(raw.get("failures", 0)),
        pushed_objects=int(raw.get("pushed_objects", 0)),
        pushed_bytes=int(raw.get("pushed_bytes", 0)),
    )
    for path, item in raw.get("journals", {}).items():
        parts = [(str(d), int(s)) for d, s in item["parts"] if is_digest(d)]
        state.journals[str(path)] = JournalProgress(int(item["inode"]), int(item["size"]), parts)
    for path, (ino, size, mtime, digest) in raw.get("files", {}).items():
        if is_digest(digest):
            state.files[str(path)] = (int(ino), int(size), int(mtime), str(digest))
    state.known = {digest for digest in raw.get("known", []) if is_digest(digest)}
    return state
