"""A push: this data directory's stores (and the user's USER store) to its remote, crash-safely.

The protocol, in the order that makes a push killed at any point harmless (restic's order):

1. **Lock** ``remote.d/lock``: one push of a data directory at a time (others wait or give up).
2. **Read the manifest** of this host and so **prove the key**: opening it with the codec fails on a
   wrong or missing key (:class:`RemoteKeyError`) before anything is written; with no manifest of
   ours (a first push), every other host's is opened, and the objects their latest pushes need are
   not sent again; an empty remote has nothing to prove. A manifest older than the
   one this machine last wrote or read (a rollback) is refused (:class:`RemoteIntegrityError`).
3. **Plan** (:mod:`.local`): each store's files as objects; what the remote already has (this
   host's latest index, and ``remote.d/sent``) is not sent again. Nothing changed → nothing written.
   The USER scope's sync document is brought up to date first (:mod:`.user_sync`), so the one
   pushed matches the USER values pushed.
4. **Data**: every new object, *create only* (a taken name holds the same bytes: its name is their
   SHA-256). Each one is noted in ``remote.d/sent`` as it lands, so a killed push resumes without
   sending it again.
5. **Index**: the push's index, create only, under a name no other push can take.
6. **Manifest**: replaced *only if unchanged* since step 2 (its ETag); if another push of this host
   got there first, start again from step 2. Only now does the new push exist for a reader.
7. **State**: ``remote.d/state.json`` (seq, version, journal progress, known objects, last success).

A kill before 6 leaves the previous manifest, whose index and objects are all there (they were
written before it); the objects written meanwhile are unreferenced until the next push uses them.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

import attrs
import orjson

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import (
    RemoteIntegrityError,
    RemotePlaintextError,
    SessionkeeperError,
    SessionLockedError,
    StorageError,
    TargetConflictError,
    TargetNotFoundError,
    TargetPreconditionError,
)
from sessionkeeper.core.log import log
from sessionkeeper.core.storage.targets import BackupTarget

from .documents import HistoryEntry, Index, Manifest, seal_index, seal_manifest
from .keys import index_key, manifest_key, object_key
from .local import Blob, MemoryBudget, StorePlan, iter_blobs, local_stores, plan_store
from .reading import FoundManifest, fetch_index, list_manifests, read_manifest
from .settings import RemoteSettings
from .state import PushState, StateFiles, utc_now
from .user_sync import observe_local

__all__ = ["PushResult", "push_remote"]

_ATTEMPTS = 8  # manifest replaced by another push of this host meanwhile: read it again, this often
_HISTORY = 1000  # indexes a manifest lists (older ones stay on the remote until pruned)
# Objects in flight at once: a request's round trip overlaps the others' transfers (obstore
# releases the GIL while it waits). A push of 17 MiB to moto on loopback: ~0.16 s one at a time,
# ~0.13 s with 4 (bench T1: 0.93x of obstore.put of the same objects one after another).
_PARALLEL_PUTS = 4
Progress = Callable[[int, int], None]  # (bytes sent so far, bytes to send)
# Objects' bytes held in memory by one push; past it they are read again (and hashed again) when
# sent, so the first push of a large archive or of many sessions costs no more memory than this.
_KEEP_BYTES = 64 << 20


@attrs.frozen
class PushResult:
    """What a push did (or, with ``dry_run``, would do)."""

    location: str
    host: str
    seq: int  # the manifest's seq afterwards
    index: str | None  # the latest index's key
    changed: bool  # a new index and manifest were written
    dry_run: bool
    objects: int  # objects sent (would be sent)
    bytes: int
    reused: int  # objects found on the remote already (a push killed before, another host)
    stores: int
    skipped: tuple[tuple[str, str], ...]  # (store, why it was not pushed)
    seconds: float


def _require_encryption(remote: RemoteSettings, codec: Codec) -> bool:
    if remote.plaintext:
        return False
    if codec.settings.cipher is None:
        raise RemotePlaintextError(
            f"pushing to {remote.url} would send unencrypted files: configure a key (session key new, "
            "then SESSIONKEEPER_KEY_FILE), or allow plain pushes with remote-plaintext = true "
            "(SESSIONKEEPER_REMOTE_PLAINTEXT=1)"
        )
    return True


def push_remote(
    data_dir: Path,
    user_dir: Path | None,
    remote: RemoteSettings,
    codec: Codec,
    *,
    target: BackupTarget | None = None,
    dry_run: bool = False,
    lock_timeout: float | None = 30.0,
    progress: Progress | None = None,
) -> PushResult:
    """Push every store of ``data_dir`` (and the USER store of ``user_dir``) to ``remote``; see the
    module docstring. Raises, having changed nothing a reader of the remote can see: RemoteKeyError,
    RemotePlaintextError, RemoteIntegrityError, TargetAccessError, TargetMissingError,
    TargetUnavailableError, SessionLockedError (another push of this data directory is running)."""
    require_encryption = _require_encryption(remote, codec)
    target = target if target is not None else remote.open()
    files = StateFiles(data_dir)
    started = time.monotonic()
    lock = files.locked(lock_timeout)
    try:
        lock.__enter__()
    except SessionLockedError:
        raise SessionLockedError(
            f"another push of {data_dir} to {target.location} is running; try again when it has finished"
        ) from None
    try:
        state = files.load().for_remote(target.location, remote.host)
        if user_dir is not None and not dry_run:
            _observe_user(user_dir, codec, remote.host)
        try:
            result = _push(
                data_dir,
                user_dir,
                remote.host,
                codec,
                target,
                files,
                state,
                require_encryption,
                dry_run,
                progress,
            )
        except (SessionkeeperError, OSError) as exc:
            if not dry_run:
                state.last_attempt = utc_now()
                state.last_error = f"{state.last_attempt}: {exc}"
                state.failures += 1
                sent, begun = files.read_sent()
                state.known -= sent | begun  # asked about (HEAD) next time, not trusted: see .state
                with contextlib.suppress(StorageError):
                    files.save(state, keep_sent=True)  # its "?" lines: puts that may have landed
            raise
        return attrs.evolve(result, seconds=time.monotonic() - started)
    finally:
        lock.__exit__(None, None, None)


def _observe_user(user_dir: Path, codec: Codec, host: str) -> None:
    """Stamp what changed in USER since the last push (its sync document, pushed with it: see
    :mod:`.user_sync`). A failure here costs the stamps' precision, never the push."""
    try:
        observe_local(user_dir, codec, host)
    except (SessionkeeperError, OSError) as exc:
        log().warning("sessionkeeper: the USER scope's sync document was not updated: %s", exc)


def _check_rollback(found: FoundManifest | None, state: PushState, target: BackupTarget, host: str) -> None:
    if found is None and state.seq > 0:
        raise RemoteIntegrityError(
            f"the manifest of {host} is gone from {target.location}, but this machine wrote or read "
            f"seq {state.seq} there: refusing to start it again (if the remote was emptied on purpose, "
            "delete remote.d/state.json in the data directory)"
        )
    if found is not None and found.manifest.seq < state.seq:
        raise RemoteIntegrityError(
            f"the manifest of {host} in {target.location} is at seq {found.manifest.seq}, older than "
            f"seq {state.seq} this machine already wrote or read: an older manifest was put back "
            "(rolled back); nothing was changed"
        )


def _learn_remote(
    found: FoundManifest, state: PushState, target: BackupTarget, codec: Codec, host: str
) -> None:
    """Objects the latest index needs are on the remote (written before it): not sent again."""
    latest = found.manifest.latest
    if latest.index != state.index:
        state.known |= set(fetch_index(target, codec, host, latest).parts())


def _learn_others(state: PushState, target: BackupTarget, codec: Codec) -> None:
    """This host's first push: the objects every other host's latest push needs are on the remote
    already, so a machine set up again from them (``restore --all``) sends none of them again."""
    for other in list_manifests(target):
        found = read_manifest(target, codec, other)  # a wrong key stops the push here
        if found is not None:
            state.known |= set(fetch_index(target, codec, other, found.manifest.latest).parts())


def _stores_digest(plans: list[StorePlan]) -> str:
    return hashlib.sha256(orjson.dumps([attrs.asdict(plan.entry) for plan in plans])).hexdigest()


def _push(
    data_dir: Path,
    user_dir: Path | None,
    host: str,
    codec: Codec,
    target: BackupTarget,
    files: StateFiles,
    state: PushState,
    require_encryption: bool,
    dry_run: bool,
    progress: Progress | None,
) -> PushResult:
    for _ in range(_ATTEMPTS):
        found = read_manifest(target, codec, host)  # opening it proves the key
        if found is None:
            _learn_others(state, target, codec)  # opening theirs proves it
        _check_rollback(found, state, target, host)
        if found is not None:
            _learn_remote(found, state, target, codec, host)
        plans = [
            plan_store(store, state, require_encryption=require_encryption, budget=MemoryBudget(_KEEP_BYTES))
            for store in local_stores(data_dir, user_dir)
        ]
        pushed = [plan for plan in plans if plan.skipped is None]
        skipped = tuple((plan.entry.name, plan.skipped) for plan in plans if plan.skipped is not None)
        blobs = list(iter_blobs(pushed))
        digest = _stores_digest(pushed)
        seq = found.manifest.seq if found else 0
        current = found is not None and found.manifest.latest.index == state.index
        base = PushResult(
            target.location,
            host,
            seq,
            found.manifest.latest.index if found else None,
            False,
            dry_run,
            len(blobs),
            sum(b.size for b in blobs),
            0,
            len(pushed),
            skipped,
            0.0,
        )
        if dry_run or (current and digest == state.stores_digest and not blobs):
            if found is not None and not dry_run:
                state.seq, state.version = found.manifest.seq, found.version
                _succeeded(state, files)
            return base if dry_run else attrs.evolve(base, objects=0, bytes=0)

        blobs = _landed_before(blobs, target, files, state)
        sent, sent_bytes, reused = _send(blobs, target, files, state, progress)
        entry, sealed_index = _write_index(target, codec, host, seq + 1, pushed)
        history = ((found.manifest.history if found else ()) + (entry,))[-_HISTORY:]
        manifest = Manifest(host, entry.seq, entry.at, history)
        sealed = seal_manifest(manifest, codec)
        try:
            if found is None:
                info = target.put(manifest_key(host), sealed)
            else:
                info = target.put(manifest_key(host), sealed, if_match=found.version)
        except (TargetConflictError, TargetPreconditionError):
            continue  # another push of this host replaced it first: read it again and start over
        state.seq, state.version, state.index, state.stores_digest = (
            entry.seq,
            info.version,
            entry.index,
            digest,
        )
        state.journals = {path: p for plan in pushed for path, p in plan.progress.items()}
        state.files = {path: f for plan in pushed for path, f in plan.files.items()}
        state.known = set(Index(host, entry.seq, entry.at, tuple(p.entry for p in pushed)).parts())
        state.pushed_objects += sent
        state.pushed_bytes += sent_bytes + len(sealed_index) + len(sealed)
        _succeeded(state, files)
        return attrs.evolve(
            base,
            seq=entry.seq,
            index=entry.index,
            changed=True,
            objects=sent,
            bytes=sent_bytes,
            reused=reused,
        )
    raise StorageError(
        0,
        f"the manifest of {host} in {target.location} kept changing while this push wrote it "
        f"({_ATTEMPTS} tries): is another machine pushing as {host}? Give each one its own "
        "remote-host (SESSIONKEEPER_REMOTE_HOST)",
    )


def _landed_before(
    blobs: list[Blob], target: BackupTarget, files: StateFiles, state: PushState
) -> list[Blob]:
    """The objects still to send: a push killed with puts in flight may have landed them; a HEAD
    each (a handful at most) says, instead of sending their bytes again."""
    if not state.in_flight:
        return blobs
    left = []
    for blob in blobs:
        if blob.digest in state.in_flight:
            try:
                there = target.head(object_key(blob.digest)).size == blob.size
            except TargetNotFoundError:
                there = False
            if there:
                files.note_sent(blob.digest)
                state.known.add(blob.digest)
                continue
        left.append(blob)
    state.in_flight.clear()
    return left


def _send(
    blobs: list[Blob], target: BackupTarget, files: StateFiles, state: PushState, progress: Progress | None
) -> tuple[int, int, int]:
    """Create every object (data first), a few at a time; returns (sent, bytes sent, already there).
    Each one is noted in ``sent`` as it lands, whatever the order they land in."""
    total = sum(blob.size for blob in blobs)
    sent = sent_bytes = reused = 0

    def put(blob: Blob) -> bool:
        files.note_sending(blob.digest)
        try:
            target.put(object_key(blob.digest), blob.content())
        except TargetConflictError:
            return False  # its name is its content: the bytes there are these bytes
        return True

    with ThreadPoolExecutor(_PARALLEL_PUTS, thread_name_prefix="sessionkeeper-push") as pool:
        # Submitted in a window, not all at once: a failure stops the push after at most a window.
        pending = list(reversed(blobs))
        running: dict[Future[bool], Blob] = {}
        while pending or running:
            while pending and len(running) < _PARALLEL_PUTS:
                blob = pending.pop()
                running[pool.submit(put, blob)] = blob
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                blob = running.pop(future)
                try:
                    created = future.result()
                except BaseException:
                    # The others in flight finish (or fail) first: what landed is noted, not re-sent.
                    for other, landed in running.items():
                        if not other.cancel() and other.exception() is None:
                            files.note_sent(landed.digest)
                            state.known.add(landed.digest)
                    raise
                if created:
                    sent += 1
                    sent_bytes += blob.size
                else:
                    reused += 1
                files.note_sent(blob.digest)
                state.known.add(blob.digest)
                if progress is not None:
                    progress(sent_bytes, total)
    return sent, sent_bytes, reused


def _write_index(
    target: BackupTarget, codec: Codec, host: str, seq: int, plans: list[StorePlan]
) -> tuple[HistoryEntry, bytes]:
    index = Index(host, seq, utc_now(), tuple(plan.entry for plan in plans))
    sealed = seal_index(index, codec)
    digest = hashlib.sha256(sealed).hexdigest()
    key = index_key(host, seq, digest)
    # A taken key holds the same bytes (a plain index written twice in one millisecond): its name says so.
    with contextlib.suppress(TargetConflictError):
        target.put(key, sealed)
    return HistoryEntry(seq, index.at, key, digest), sealed


def _succeeded(state: PushState, files: StateFiles) -> None:
    state.last_attempt = state.last_success = utc_now()
    state.last_error = None
    state.failures = 0
    files.save(state)
