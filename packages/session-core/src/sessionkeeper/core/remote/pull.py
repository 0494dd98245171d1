"""``session backup pull``: the USER scope merged across every host that pushes to a remote.

1. **Prove the key** and list the hosts (every manifest is opened: a wrong key stops here, with
   nothing changed).
2. **Read each other host's USER store** from its latest push: its files fetched (every object
   checked against its name), written to a private temporary folder and loaded by the ordinary
   loader; its sync document opened (see :mod:`.user_clock`) and brought up to its values at the
   time of that push.
3. **Observe this machine's USER store** (:func:`.user_sync.observe_local`).
4. **Merge** per key: the newest stamp wins; deletes are tombstones and win like writes.
5. **Apply** what this machine lacks through the USER store's ordinary write path (journaled,
   flushed), each change only if the key still holds what was observed in step 3 — a value set
   meanwhile is left for the next pull to decide — then write the merged sync document, so the next
   push carries the merge to the others.

With ``dry_run`` nothing is written anywhere. Values are never shown: the report names keys,
hosts and times.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import storage_errors
from sessionkeeper.core.storage.catalog import user_store_paths
from sessionkeeper.core.storage.fs import filesystem
from sessionkeeper.core.storage.targets import BackupTarget

from .reading import FoundManifest, fetch_files, fetch_index, list_manifests, read_manifest
from .restore import store_destination
from .settings import RemoteSettings
from .state import StateFiles
from .user_clock import ZERO, SyncDocument, Winner, merge, observe, open_sync, value_digest
from .user_sync import observe_local, sync_locked, write_local_sync

__all__ = ["PullResult", "PulledKey", "pull_user"]

_MAX_AHEAD_MS = 24 * 3600 * 1000  # a host whose stamps run further ahead of this clock is not merged
Progress = Callable[[int, int], None]  # (bytes fetched, bytes of the host being fetched)
Action = Literal["took", "deleted", "kept", "deferred"]


@attrs.frozen
class PulledKey:
    """One key the pull changed here, or resolved in this machine's favour.

    ``took``: the value of ``host`` was written here; ``deleted``: a delete by ``host`` was applied;
    ``kept``: this machine's value is the newest, other hosts differ (they take it at their pull);
    ``deferred``: the key changed here while the pull ran (the next pull decides)."""

    key: str
    action: Action
    host: str  # the host whose write won
    at: str  # when that write was observed (UTC ISO time)
    disagreed: tuple[str, ...]  # the hosts whose value was another one


@attrs.frozen
class PullResult:
    """What a pull did (or, with ``dry_run``, would do)."""

    location: str
    host: str
    hosts: tuple[str, ...]  # the other hosts whose USER store was merged
    skipped: tuple[tuple[str, str], ...]  # (host, why it was not merged)
    keys: tuple[PulledKey, ...]
    in_sync: int  # keys already the same here as the newest write
    dry_run: bool
    warnings: tuple[str, ...]

    def count(self, action: Action) -> int:
        return sum(1 for key in self.keys if key.action == action)


@attrs.frozen
class _Host:
    document: SyncDocument
    values: dict[str, object]


def _ms(text: str) -> int:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return 0
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1000)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def _remote_user(
    target: BackupTarget,
    codec: Codec,
    host: str,
    found: FoundManifest,
    folder: Path,
    progress: Progress | None,
) -> _Host | str:
    """``host``'s USER store as its latest push (``found``) holds it, observed at that push; or
    why not."""
    from sessionkeeper.core.tools.reading import read_scope

    latest = found.manifest.latest
    store = fetch_index(target, codec, host, latest).store("user", "user")
    if store is None:
        return "its latest push has no USER scope"
    paths = user_store_paths(folder)
    sync_path = paths.aux / "sync"
    places = [(store_destination(paths, ref, "user"), ref) for ref in store.files]
    wanted = [(path, ref) for path, ref in places if path is not None]  # others: not needed here
    document = SyncDocument(host, ZERO)
    fs = filesystem()
    with storage_errors(f"cannot unpack the USER scope of {host} in {folder}"):
        fs.make_private_dir(paths.aux)
        for (path, _), data in zip(
            wanted, fetch_files(target, [ref for _, ref in wanted], progress), strict=True
        ):
            if path == sync_path:  # the sync document is read here, not loaded as a store file
                document = open_sync(
                    data, codec, host, f"the USER sync document of {host} in {target.location}"
                )
            else:
                fs.write_atomic(path, data)
    view = read_scope(paths, "user", codec)
    clean = not view.report.dropped
    values = dict(view.values.items())
    return _Host(observe(document, values, _ms(latest.at), "", deletes=clean), values)


def pull_user(
    data_dir: Path,
    user_dir: Path,
    remote: RemoteSettings,
    codec: Codec,
    *,
    target: BackupTarget | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> PullResult:
    """Merge USER across the hosts of ``remote`` into ``user_dir`` (see the module docstring).
    Raises RemoteKeyError, RemoteIntegrityError (a tampered object or document: nothing written),
    TargetAccessError, TargetMissingError, TargetUnavailableError, SessionLockedError."""
    target = target if target is not None else remote.open()
    hosts = sorted(list_manifests(target), key=lambda name: name != remote.host)
    manifests = {host: read_manifest(target, codec, host) for host in hosts}  # all opened: proves the key
    others: dict[str, _Host] = {}
    skipped: list[tuple[str, str]] = []
    limit = int(time.time() * 1000) + _MAX_AHEAD_MS
    with tempfile.TemporaryDirectory(prefix="sessionkeeper-pull-") as scratch:
        for number, (host, found) in enumerate(manifests.items()):
            if host == remote.host:
                continue
            got = (
                "it has no manifest"
                if found is None
                else _remote_user(target, codec, host, found, Path(scratch) / str(number), progress)
            )
            if isinstance(got, str):
                skipped.append((host, got))
            elif got.document.clock.wall > limit:
                skipped.append((host, f"its clock runs ahead ({_iso(got.document.clock.wall)})"))
            else:
                others[host] = got
    lock = StateFiles(data_dir).locked(30.0) if not dry_run else contextlib.nullcontext()
    with lock:  # not while a push of this data directory reads USER
        return _merge_here(target, data_dir, user_dir, remote.host, codec, others, tuple(skipped), dry_run)


def _merge_here(
    target: BackupTarget,
    data_dir: Path,
    user_dir: Path,
    me: str,
    codec: Codec,
    others: dict[str, _Host],
    skipped: tuple[tuple[str, str], ...],
    dry_run: bool,
) -> PullResult:
    local = observe_local(user_dir, codec, me, write=not dry_run, force=True)
    mine = local.document if local is not None else SyncDocument(me, ZERO)
    here = local.values if local is not None else {}
    documents = {me: mine, **{host: got.document for host, got in others.items()}}
    winners = merge(documents)
    changes: dict[str, tuple[str | None, object | None]] = {}  # key -> (digest expected here, new tree)
    report: list[PulledKey] = []
    in_sync = 0
    holders = {me: here, **{host: got.values for host, got in others.items()}}
    for key, winner in sorted(winners.items()):
        present = key in here
        if (winner.state.digest is None and not present) or (
            present and winner.state.digest == value_digest(here[key])
        ):
            if winner.disagreed:
                report.append(_line(key, "kept", winner))
            else:
                in_sync += 1
            continue
        expected = value_digest(here[key]) if present else None
        tree = None
        if winner.state.digest is not None:
            source = _holder(key, winner, documents, holders)
            if source is None:  # the newest value is in no store read (damage lost it): left alone
                continue
            tree = source[key]
        changes[key] = (expected, tree)
        report.append(_line(key, "took" if tree is not None else "deleted", winner))
    if not dry_run and (changes or local is not None):
        deferred = _apply(data_dir, user_dir, codec, changes) if changes else set()
        report = [attrs.evolve(k, action="deferred") if k.key in deferred else k for k in report]
        _record(user_dir, codec, mine, winners, deferred)
    warnings = local.warnings if local is not None else ()
    return PullResult(target.location, me, tuple(others), skipped, tuple(report), in_sync, dry_run, warnings)


def _holder(
    key: str, winner: Winner, documents: dict[str, SyncDocument], values: dict[str, dict[str, object]]
) -> dict[str, object] | None:
    """The values of a host that holds the winning write of ``key`` (the winner's own first): a
    store that lost it to damage still knows the write, and another host may have it."""
    for host in sorted(values, key=lambda name: name != winner.source):
        if documents[host].keys.get(key) == winner.state and key in values[host]:
            return values[host]
    return None


def _line(key: str, action: Action, winner: Winner) -> PulledKey:
    return PulledKey(key, action, winner.state.stamp.host, _iso(winner.state.stamp.wall), winner.disagreed)


def _apply(
    data_dir: Path, user_dir: Path, codec: Codec, changes: dict[str, tuple[str | None, object | None]]
) -> set[str]:
    """Write ``changes`` to USER through a manager's write path; the keys left alone (changed here
    since they were observed)."""
    from sessionkeeper.core.runtime.manager import SessionManager

    manager = SessionManager(
        data_dir, user_dir, codec=codec, background=False, handle_signals=False, remote=False
    )
    try:
        return manager.apply_user_changes(changes)
    finally:
        manager.stop()


def _record(
    user_dir: Path, codec: Codec, mine: SyncDocument, winners: dict[str, Winner], deferred: set[str]
) -> None:
    """The merged sync document: every key's winning state (this machine's own for deferred keys),
    and a clock past every stamp seen, so a change made here later is stamped after them."""
    keys = {
        key: mine.keys[key] if key in deferred and key in mine.keys else w.state for key, w in winners.items()
    }
    clock = max([mine.clock, *(state.stamp for state in keys.values())])
    paths = user_store_paths(user_dir)
    with sync_locked(paths):
        write_local_sync(paths, SyncDocument(mine.host, clock, keys, ""), codec)
