"""``SessionManager``: the public face of session-core.

Each persistent scope has its own store on disk (SESSION → the session's files in
``<data_dir>/sessions``, USER → ``<user_dir>/user.json``, APP → ``<data_dir>/app.json``). Every
change appends one journal record to its store *before* the new immutable map is published, so an
acknowledged ``set()`` survives a crash of the process; checkpoints (interval, ``checkpoint()``,
``stop()``, signals, exit) compact the journals into snapshots. TEMP lives in memory only.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import attrs
import immutables
import orjson

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.config import (
    FsyncPolicy,
    resolve_codec,
    resolve_data_dir,
    resolve_fsync,
    resolve_user_dir,
)
from sessionkeeper.core.errors import (
    InvalidKeyError,
    LimitExceededError,
    NoActiveSessionError,
    SessionkeeperError,
    SessionNotFoundError,
    StorageError,
    storage_errors,
)
from sessionkeeper.core.limits import RECORDS_ENV, STORE_ENV, Limits, resolve_limits
from sessionkeeper.core.log import log
from sessionkeeper.core.model.converter import unstructure
from sessionkeeper.core.model.events import Event, encode_event, event_from_stored
from sessionkeeper.core.model.ids import new_session_id, validate_session_id
from sessionkeeper.core.model.info import LoadSummary, SessionInfo
from sessionkeeper.core.model.scopes import StateScope
from sessionkeeper.core.model.state import EventLog, ScopeValues, State
from sessionkeeper.core.model.values import decode_stored, encode_value
from sessionkeeper.core.storage import catalog, journal
from sessionkeeper.core.storage.documents import (
    ScopeDocument,
    SessionDocument,
    parse_scope_document,
    parse_session_document,
    render_scope_document,
    render_session_document,
    scope_initial,
    session_initial,
)
from sessionkeeper.core.storage.loader import Loaded, load_store
from sessionkeeper.core.storage.store import StoreWriter

from . import lifecycle
from .background import Background

__all__ = ["SessionManager"]

_get_ident = threading.get_ident
_MISSING: Any = object()
_DELETED: Any = object()  # what a delete writes in place of a value (see SessionManager._journal)
DEFAULT_CHECKPOINT_INTERVAL = 1800.0
DEFAULT_MAX_SESSIONS = 10
DEFAULT_JOURNAL_LIMIT = 64 << 20
_SIGNAL_LOCK_WAIT = 2.0
_SCOPE_STORES = ((StateScope.USER, "user"), (StateScope.APP, "app"))
# A writer killed before its checkpoint leaves its journal until a checkpoint makes it old. Past
# this many, stop() checkpoints the store anyway, so files per store stay bounded.
_MAX_IDLE_JOURNALS = 4
# What set()/record() may fill of a load's budget: the rest absorbs what the estimate misses
# (framing, another process's writes between our checkpoints).
_HEADROOM = 0.9


@attrs.frozen
class _Meta:
    session_id: str
    started_at: datetime
    resumed_from: str | None = None


@attrs.frozen
class _SessionImage:
    """Everything a session snapshot holds, as private copies taken under the manager's lock."""

    meta: _Meta
    values: dict[str, Any]
    events: list[Any]
    user: dict[str, Any]
    app: dict[str, Any]

    def render(self, epoch: int) -> bytes:
        return render_session_document(
            session_id=self.meta.session_id,
            started_at=self.meta.started_at,
            values=self.values,
            events=self.events,
            user=self.user,
            app=self.app,
            journal_epoch=epoch,
            resumed_from=self.meta.resumed_from,
        )


def _empty_scopes() -> dict[StateScope, ScopeValues]:
    return {scope: ScopeValues() for scope in StateScope}


def _scope(scope: StateScope | str) -> StateScope:
    if isinstance(scope, StateScope):
        return scope
    try:
        return StateScope(scope)
    except ValueError:
        raise ValueError(f"unknown scope {scope!r}; use StateScope.SESSION, USER, APP or TEMP") from None


class SessionManager:
    """Keeps a workflow's state across sessions and crashes.

    ``SessionManager.get_instance()`` returns the process-wide instance the guide uses;
    ``SessionManager(data_dir=..., user_dir=...)`` makes an independent one (tests, embedding).
    """

    _instance: ClassVar[SessionManager | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        user_dir: str | os.PathLike[str] | None = None,
        *,
        checkpoint_interval: float = DEFAULT_CHECKPOINT_INTERVAL,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        fsync: FsyncPolicy | str | None = None,
        fsync_interval: float = 1.0,
        journal_limit: int = DEFAULT_JOURNAL_LIMIT,
        handle_signals: bool = True,
        codec: Codec | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.data_dir = resolve_data_dir(data_dir)
        self.user_dir = resolve_user_dir(user_dir)
        # Compression/encryption of everything written; from the environment unless given.
        self.codec = codec if codec is not None else resolve_codec()
        # Sizes and counts a store may reach and still load (see limits.py); from the environment.
        self.limits = limits if limits is not None else resolve_limits()
        self._max_value_bytes = self.limits.max_value_bytes
        self._pending_bytes = 0  # payload bytes appended since the last recount
        self._room_bytes = 0  # what may still be appended before a load would go past its budget
        self._room_records = 0
        self.fsync = resolve_fsync(fsync)
        self._sync_each = self.fsync is FsyncPolicy.ALWAYS
        if not 0 < fsync_interval <= 1:
            raise ValueError("fsync_interval must be in (0, 1] seconds")
        self.fsync_interval = fsync_interval
        self.journal_limit = journal_limit
        self.handle_signals = handle_signals
        self._background: Background | None = None
        self._meta: _Meta | None = None
        self._checkpoint_interval = DEFAULT_CHECKPOINT_INTERVAL
        self._max_sessions = DEFAULT_MAX_SESSIONS
        self.checkpoint_interval = checkpoint_interval
        self.max_sessions = max_sessions
        self._lock = threading.Lock()  # guards the maps and journal appends; never re-entered
        self._lifecycle = threading.RLock()  # start/stop/resume/checkpoint, one at a time
        # Which thread is inside a critical section (0: none). A signal handler runs in the main
        # thread between bytecodes: if it interrupted that very thread inside one, saving now
        # would re-enter half-done work, so the save (and the signal) wait until the section ends.
        # Keyed by thread id, marked *before* a lock is taken: a signal landing between taking the
        # lock and marking would otherwise wait for a lock its own thread holds.
        self._writing: dict[int, bool] = {}
        self._lifecycle_depth: dict[int, int] = {}
        self._scopes = _empty_scopes()
        self._events = EventLog()
        self._open_writers: dict[StateScope, StoreWriter[Any, Any]] = {}
        self._last_checkpoint_at: datetime | None = None
        self._last_checkpoint_clock = time.monotonic()
        self._load: LoadSummary | None = None
        self.last_save_error: str | None = None

    # -- the singleton ---------------------------------------------------------------------------
    @classmethod
    def get_instance(cls) -> SessionManager:
        """The process-wide manager (the same object on every call), configured from the environment."""
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    # -- settings --------------------------------------------------------------------------------
    @property
    def checkpoint_interval(self) -> float:
        """Seconds between automatic checkpoints (default 1800); a change takes effect at once."""
        return self._checkpoint_interval

    @checkpoint_interval.setter
    def checkpoint_interval(self, seconds: float) -> None:
        if not seconds > 0:
            raise ValueError("checkpoint_interval must be a positive number of seconds")
        self._checkpoint_interval = float(seconds)
        self._wake_background()

    @property
    def max_sessions(self) -> int:
        """How many sessions (with their backups) the data directory keeps (default 10)."""
        return self._max_sessions

    @max_sessions.setter
    def max_sessions(self, count: int) -> None:
        if type(count) is not int or count < 1:
            raise ValueError("max_sessions must be a positive integer")
        self._max_sessions = count
        if self._meta is not None:
            self.prune()

    # -- session lifecycle -----------------------------------------------------------------------
    @property
    def session_id(self) -> str | None:
        """The running session's id, or None."""
        return self._meta.session_id if self._meta else None

    @property
    def is_running(self) -> bool:
        return self._meta is not None

    def start(self, resume_last: bool = False) -> str:
        """Start a new session (or, with ``resume_last``, resume the latest one if any).

        On a manager that is already running, the running session is kept. Returns its id.
        """
        with self._exclusive():
            if self._meta is not None:
                return self._meta.session_id
            if resume_last and catalog.list_sessions(self.data_dir):
                return self.resume()
            session_id = self._fresh_id()
            self._open_session(_Meta(session_id, datetime.now(UTC)), seed=None)
            self._load = LoadSummary(session_id, "new", 0)
            self.prune()
            return session_id

    def resume(self, session_id: str | None = None) -> str:
        """Resume ``session_id``, or the latest session of the data directory; returns the running id.

        A session written by the old tool is continued under a new id (its file is left exactly
        as it is); ``info().load`` says so.
        """
        with self._exclusive():
            if session_id is None:
                entries = catalog.list_sessions(self.data_dir)
                if not entries:
                    raise SessionNotFoundError(None, str(catalog.sessions_dir(self.data_dir)))
                session_id = entries[-1].session_id
            return self._attach(validate_session_id(session_id)).session_id

    def recover(self, session_id: str) -> LoadSummary:
        """Make ``session_id`` the running session, from its backup if its snapshot is unreadable.

        Returns what was recovered and what had to be dropped (damaged journal bytes, an
        unreadable snapshot).
        """
        with self._exclusive():
            return self._attach(validate_session_id(session_id))

    def stop(self) -> None:
        """Save everything that changed and release the session's files. Safe to call twice."""
        # The background thread is stopped before taking the lifecycle lock: it may be waiting for
        # that lock to run a checkpoint, and joining it while holding the lock would stall stop().
        background, self._background = self._background, None
        if background is not None:
            background.stop()
        with self._exclusive():
            self._save_all(force=False)
            writers, self._open_writers = self._open_writers, {}
            for writer in writers.values():
                writer.close()
            self._meta = None
            self._scopes = _empty_scopes()
            self._events = EventLog()
            lifecycle.unregister(self)

    def __enter__(self) -> SessionManager:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- values ----------------------------------------------------------------------------------
    def set(self, key: str, value: Any, scope: StateScope = StateScope.SESSION, flush: bool = False) -> None:
        """Store ``value`` under ``key`` in ``scope``.

        For persistent scopes the change is journaled before this returns (it survives a crash
        of the process); with ``flush=True`` it is also on stable storage before this returns.
        Raises :class:`UnserializableValueError` for values a persistent scope cannot hold.
        """
        if scope.__class__ is not StateScope:
            scope = _scope(scope)
        if type(key) is not str:
            raise InvalidKeyError(f"keys are strings, not {type(key).__name__}")
        if scope is StateScope.TEMP:
            with self._lock:
                self._scopes[scope].set(key, value)
            return
        tree, data = encode_value(key, value)
        writer = self._open_writers.get(scope) or self._writer(scope)
        payload = _set_payload(key, data)
        size = len(payload)
        if (
            size > self._max_value_bytes
            or self._pending_bytes + size > self._room_bytes
            or self._room_records <= 0
        ):
            self._admit(size, f"store {key[:80]!r}")
        journal = writer.journal
        self._journal(scope, writer, journal.frame(payload), flush, "set a value", key, tree, size)
        if journal.appended > self.journal_limit:
            self._wake_background()

    def get(self, key: str, scope: StateScope = StateScope.SESSION, default: Any = None) -> Any:
        """The value of ``key`` in ``scope``, or ``default``.

        Persistent values come back as fresh objects: changing them changes nothing stored until
        they are ``set()`` again. TEMP values are the objects that were set.
        """
        if scope.__class__ is not StateScope:
            scope = _scope(scope)
        if scope is not StateScope.TEMP and scope not in self._open_writers:
            self._writer(scope)
        found = self._scopes[scope].current.get(key, _MISSING)
        if found is _MISSING:
            return default
        return found if scope is StateScope.TEMP else decode_stored(found)

    def delete(self, key: str, scope: StateScope = StateScope.SESSION, flush: bool = False) -> bool:
        """Remove ``key`` from ``scope``; returns whether it was there."""
        scope = _scope(scope)
        if scope is StateScope.TEMP:
            with self._lock:
                values = self._scopes[scope]
                existed = key in values.current
                if existed:
                    values.delete(key)
            return existed
        writer = self._writer(scope)
        if key not in self._scopes[scope].current:
            return False  # a delete racing this one journals a second "D", which changes nothing
        record = writer.journal.frame(_delete_payload(key))
        self._journal(scope, writer, record, flush, "delete a value", key, _DELETED, 0)
        return True

    def keys(self, scope: StateScope = StateScope.SESSION) -> list[str]:
        """The keys of ``scope``, sorted."""
        scope = _scope(scope)
        if scope is not StateScope.TEMP:
            self._writer(scope)
        with self._lock:
            names = list(self._scopes[scope].current)
        return sorted(names)

    def snapshot(self) -> State:
        """An immutable snapshot of every scope and the event log as they are now."""
        with self._lock:
            scopes = self._scopes
            return State(
                session=scopes[StateScope.SESSION].snapshot(),
                user=scopes[StateScope.USER].snapshot(),
                app=scopes[StateScope.APP].snapshot(),
                temp=scopes[StateScope.TEMP].snapshot(),
                events=self._events,
            )

    # -- events ----------------------------------------------------------------------------------
    def record(self, event: Event, flush: bool = False) -> None:
        """Append ``event`` to the running session's event log (journaled like state)."""
        data = encode_event(event)
        writer = self._writer(StateScope.SESSION)
        payload = journal.event_payload(data)
        size = len(payload)
        if (
            size > self._max_value_bytes
            or self._pending_bytes + size > self._room_bytes
            or self._room_records <= 0
        ):
            self._admit(size, f"record a {type(event).__name__} event")
        record = writer.journal.frame(payload)
        self._journal(
            StateScope.SESSION, writer, record, flush, "record an event", None, orjson.loads(data), size
        )

    def _journal(
        self,
        scope: StateScope,
        writer: StoreWriter[Any, Any],
        record: bytes,
        flush: bool,
        what: str,
        key: str | None,
        tree: Any,
        size: int,
    ) -> None:
        """THE write path of every persistent change: journal ``record`` (durably if ``flush`` or
        the fsync policy asks), then make the change in memory — set ``key`` to ``tree``, delete it
        (``tree`` is ``_DELETED``) or, with no ``key``, append the event ``tree`` — both under the
        lock, so a checkpoint never captures one without the other, and inside a critical section
        that a signal handler waits for. ``size`` (the payload's bytes; 0 for a delete) counts
        against the load budget. A change whose journal write fails is never made."""
        me = _get_ident()
        self._writing[me] = True
        try:
            with self._lock:
                if self._open_writers.get(scope) is not writer:
                    raise NoActiveSessionError(what)  # stopped while the record was being made
                writer.journal.append(record, key is not None)  # events are never written twice
                if flush or self._sync_each:
                    writer.sync()  # raises JournalWriteError: then the change is not made
                if key is None:
                    self._events = self._events.appended(tree)
                elif tree is _DELETED:
                    self._scopes[scope].discard(key)
                else:
                    self._scopes[scope].set(key, tree)
                if size:
                    self._pending_bytes += size
                    self._room_records -= 1
        finally:
            del self._writing[me]
        if lifecycle.pending:
            lifecycle.deliver_pending()

    def events(self) -> list[Event]:
        """The running session's events, oldest first."""
        self._writer(StateScope.SESSION)
        return [event_from_stored(item) for item in self._events.view()]

    # -- saving ----------------------------------------------------------------------------------
    def checkpoint(self) -> bool:
        """Write a fresh snapshot of the session (and of USER/APP if they changed) now.

        Returns False if a save failed.

        A failed save is logged and kept in ``last_save_error``; the previous snapshot and the
        journal still hold every acknowledged change, and the program goes on.
        """
        with self._exclusive():
            return self._save_all(force=True)

    def prune(self) -> list[str]:
        """Apply retention now: remove the oldest sessions beyond ``max_sessions``."""
        protect = {self._meta.session_id} if self._meta else set()
        removed = catalog.prune_sessions(self.data_dir, self._max_sessions, protect)
        for session_id in removed:
            log().info(
                "sessionkeeper: removed old session %s (max_sessions=%d)", session_id, self._max_sessions
            )
        return removed

    # -- information -----------------------------------------------------------------------------
    def info(self) -> SessionInfo:
        """A description of the manager and its running session."""
        scopes, meta, session = self._scopes, self._meta, self._open_writers.get(StateScope.SESSION)
        return SessionInfo(
            session_id=meta.session_id if meta else None,
            running=meta is not None,
            started_at=meta.started_at if meta else None,
            last_checkpoint=self._last_checkpoint_at,
            resumed_from=meta.resumed_from if meta else None,
            data_dir=str(self.data_dir),
            user_dir=str(self.user_dir),
            keys={scope.value: len(scopes[scope]) for scope in StateScope},
            events=len(self._events),
            journal_bytes=session.journal_size if session else 0,
            snapshot_bytes=catalog.file_size(session.paths.snapshot) if session else 0,
            checkpoint_interval=self._checkpoint_interval,
            max_sessions=self._max_sessions,
            fsync=self.fsync.value,
            last_save_error=self.last_save_error,
            load=self._load,
        )

    def get_session_info(self) -> dict[str, Any]:
        """``info()`` as a plain JSON-ready dict (the old tool's name for it)."""
        result: dict[str, Any] = orjson.loads(orjson.dumps(unstructure(self.info())))
        return result

    # -- internals: writing ----------------------------------------------------------------------
    def _writer(self, scope: StateScope) -> StoreWriter[Any, Any]:
        """The writer of a persistent scope, opening the USER/APP stores on first use."""
        writer = self._open_writers.get(scope)
        if writer is not None:
            return writer
        if scope is StateScope.SESSION:
            raise NoActiveSessionError("use the SESSION scope")
        with self._exclusive():
            self._open_scope_stores()
        return self._open_writers[scope]

    def _wake_background(self) -> None:
        if self._background is not None:
            self._background.wake()

    # -- internals: opening ------------------------------------------------------------------------
    def _fresh_id(self) -> str:
        with storage_errors(f"cannot start a session in {self.data_dir}"):
            while True:
                session_id = new_session_id()
                if not catalog.session_paths(self.data_dir, session_id).exists():
                    return session_id

    def _open_scope_stores(self) -> None:
        for scope, name in _SCOPE_STORES:
            if scope in self._open_writers:
                continue
            paths = (
                catalog.user_store_paths(self.user_dir)
                if scope is StateScope.USER
                else catalog.app_store_paths(self.data_dir)
            )
            with storage_errors(f"cannot open the {name.upper()} scope in {paths.directory}"):
                writer: StoreWriter[ScopeDocument, Any] = StoreWriter(
                    paths,
                    self._lock,
                    functools.partial(parse_scope_document, scope=name),
                    scope_initial,
                    self.codec,
                    self.limits,
                )
                # A damaged USER/APP file must not stop every session from starting: keep what the
                # journals hold, say so loudly, and set the damaged file aside at the next checkpoint.
                loaded = self._open_writer(writer, salvage=True)
            for line in loaded.report.warnings + loaded.report.dropped:
                log().warning("sessionkeeper: %s scope: %s", name, line)
            with self._lock:
                self._replace_scope(scope, loaded.values)
                self._open_writers[scope] = writer
        if self._background is None:
            sync = self._sync_journals if self.fsync is FsyncPolicy.INTERVAL else None
            self._background = Background(
                "sessionkeeper-checkpoint",
                sync,
                self.fsync_interval,
                self._auto_checkpoint,
                self._next_checkpoint_in,
            )
        self._recount()
        lifecycle.register(self, handle_signals=self.handle_signals)

    @staticmethod
    def _open_writer(writer: StoreWriter[Any, Any], *, salvage: bool = False) -> Loaded[Any]:
        try:
            return writer.open(salvage=salvage)
        except BaseException:
            writer.close()
            raise

    def _open_session(self, meta: _Meta, seed: SessionDocument | None) -> Loaded[SessionDocument]:
        """Open (or create) the session store of ``meta`` and make it the running session.

        ``seed`` (a legacy session being continued) gives the new session its first values.
        """
        self._open_scope_stores()
        paths = catalog.session_paths(self.data_dir, meta.session_id)
        with storage_errors(f"cannot open session {meta.session_id} in {paths.directory}"):
            writer: StoreWriter[SessionDocument, Any] = StoreWriter(
                paths, self._lock, parse_session_document, session_initial, self.codec, self.limits
            )
            loaded = self._open_writer(writer)
        values, events = (
            (seed.values, list(seed.events)) if seed is not None else (loaded.values, loaded.events)
        )
        with self._lock:
            self._replace_scope(StateScope.SESSION, values)
            self._scopes[StateScope.TEMP] = ScopeValues()
            self._events = EventLog(events, len(events))
            self._open_writers[StateScope.SESSION] = writer
            self._meta = meta
        document = loaded.document
        self._last_checkpoint_at = document.last_checkpoint if document else None
        self._last_checkpoint_clock = time.monotonic()
        if seed is not None or document is None:
            self._save_store(StateScope.SESSION)  # the session file exists from the first moment
        try:
            with storage_errors(f"cannot make {meta.session_id} the current session"):
                catalog.write_current(self.data_dir, meta.session_id)
        except BaseException:
            with self._lock:  # a start() that raises leaves no session running
                del self._open_writers[StateScope.SESSION]
                self._meta = None
            writer.close()
            raise
        self._recount()
        return loaded

    def _attach(self, session_id: str) -> LoadSummary:
        paths = catalog.session_paths(self.data_dir, session_id)
        if not paths.exists():
            raise SessionNotFoundError(session_id, str(paths.directory))
        if self._meta is not None:
            self.stop()
        if catalog.is_legacy_file(paths.snapshot):
            probe = load_store(  # read-only
                paths, parse_session_document, session_initial, codec=self.codec, limits=self.limits
            )
            if probe.document is not None and probe.document.legacy:
                return self._continue_legacy(session_id, probe.document, probe)
        loaded = self._open_session(_Meta(session_id, _started_from_id(session_id)), seed=None)
        document = loaded.document
        warnings = list(loaded.report.warnings)
        if document is not None:
            with self._lock:
                self._meta = _Meta(session_id, document.started_at, document.resumed_from)
            if document.session_id != session_id:
                warnings.append(
                    f"{paths.snapshot.name} says it is {document.session_id}; treated as {session_id}"
                )
        self._load = LoadSummary(
            session_id,
            loaded.report.source,
            loaded.report.journal_records,
            tuple(warnings),
            loaded.report.dropped,
        )
        return self._load

    def _continue_legacy(
        self, session_id: str, document: SessionDocument, probe: Loaded[SessionDocument]
    ) -> LoadSummary:
        new_id = self._fresh_id()
        warnings = list(probe.report.warnings)
        if document.session_id != session_id:
            warnings.append(f"{session_id}.json says it is {document.session_id}; treated as {session_id}")
        self._open_session(_Meta(new_id, datetime.now(UTC), session_id), seed=document)
        warnings.append(
            f"{session_id} was written by the old session tool; it continues as {new_id} and its file is "
            "left unchanged"
        )
        adopted = self._adopt_legacy_scopes(document)
        if adopted:
            warnings.append(f"adopted {adopted} USER/APP value(s) that were not set yet")
        if document.temp:
            with self._lock:
                self._scopes[StateScope.TEMP] = ScopeValues(immutables.Map(document.temp))
            warnings.append(
                f"loaded {len(document.temp)} TEMP value(s) into memory only (TEMP is never saved)"
            )
        self._load = LoadSummary(
            new_id, "legacy", probe.report.journal_records, tuple(warnings), probe.report.dropped, session_id
        )
        return self._load

    def _adopt_legacy_scopes(self, document: SessionDocument) -> int:
        """USER/APP values of an old tool's session file that this project does not have yet."""
        adopted = 0
        for scope, values in ((StateScope.USER, document.user), (StateScope.APP, document.app)):
            for key, tree in values.items():
                if key not in self._scopes[scope].current:
                    self.set(key, decode_stored(tree), scope)
                    adopted += 1
        return adopted

    # -- internals: saving -----------------------------------------------------------------------
    def _save_all(self, *, force: bool) -> bool:
        """Checkpoint every store that changed (``force``: the session store in any case), and
        any that gathered too many journals."""
        ok = True
        for scope, writer in list(self._open_writers.items()):
            if (
                writer.changed
                or (force and scope is StateScope.SESSION)
                or writer.journal_count() > _MAX_IDLE_JOURNALS
            ):
                ok = self._save_store(scope) and ok
        if ok:
            self._recount()
        return ok

    def _recount(self) -> None:
        """Work out again how much set()/record() may still append before a load of any store
        would go past the budget (a session snapshot also carries USER and APP copies, so the
        three count together)."""
        writers = list(self._open_writers.values())
        self._pending_bytes = 0
        self._room_bytes = int(self.limits.max_store_bytes * _HEADROOM) - sum(w.base_bytes for w in writers)
        self._room_records = int(self.limits.max_records * _HEADROOM) - len(self._events)

    def _admit(self, size: int, what: str) -> None:
        """The slow path of set()/record(): refuse a payload over the value limit; when the load
        budget is nearly spent, checkpoint (the journals fold into snapshots), then refuse if the
        stores would still be too large to load."""
        self.limits.check_value(size, what)
        if self._pending_bytes + size <= self._room_bytes and self._room_records > 0:
            return
        with self._exclusive():
            self._save_all(force=True)
        if self._pending_bytes + size > self._room_bytes:
            raise LimitExceededError(
                f"cannot {what}: the stores would hold more than {self.limits.max_store_bytes} bytes, "
                "more than a load reads",
                limit=self.limits.max_store_bytes,
                setting=STORE_ENV,
            )
        if self._room_records <= 0:
            raise LimitExceededError(
                f"cannot {what}: the session would hold more than {self.limits.max_records} events",
                limit=self.limits.max_records,
                setting=RECORDS_ENV,
            )

    def _save_store(self, scope: StateScope) -> bool:
        writer = self._open_writers[scope]
        try:
            if scope is StateScope.SESSION:
                writer.checkpoint(self._capture_session, self._adopt_session, _SessionImage.render)
            else:
                writer.checkpoint(
                    functools.partial(self._copy_scope, scope),
                    lambda loaded: self._adopt_scope(scope, loaded),
                    lambda values, epoch: render_scope_document(scope.value, values, epoch, writer.bound_id),
                )
        # SaveError and StorageError are OSErrors; a re-read that meets a limit or damage is a
        # failed save too: checkpoint() and stop() report it and the program goes on.
        except (OSError, SessionkeeperError) as exc:
            self.last_save_error = f"{datetime.now(UTC).isoformat(timespec='seconds')}: {exc}"
            log().error("sessionkeeper: checkpoint of %s failed: %s", writer.paths.name, exc)
            return False
        if scope is StateScope.SESSION:
            self._last_checkpoint_at = datetime.now(UTC)
            self._last_checkpoint_clock = time.monotonic()
        return True

    def _capture_session(self) -> _SessionImage:
        """Everything a session snapshot holds, as private copies; called under the lock."""
        assert self._meta is not None
        scopes = self._scopes
        return _SessionImage(
            self._meta,
            scopes[StateScope.SESSION].current.copy(),
            self._events.view(),
            scopes[StateScope.USER].current.copy(),
            scopes[StateScope.APP].current.copy(),
        )

    def _replace_scope(self, scope: StateScope, values: immutables.Map[str, Any]) -> None:
        """Make ``values`` the whole content of a persistent scope; call under the lock."""
        self._scopes[scope] = ScopeValues(values)

    def _adopt_session(self, loaded: Loaded[SessionDocument]) -> _SessionImage:
        """Another process wrote this session too: take the on-disk state (it has all our writes)."""
        self._replace_scope(StateScope.SESSION, loaded.values)
        self._events = EventLog(list(loaded.events), len(loaded.events))
        return self._capture_session()

    def _copy_scope(self, scope: StateScope) -> dict[str, Any]:
        return self._scopes[scope].current.copy()

    def _adopt_scope(self, scope: StateScope, loaded: Loaded[ScopeDocument]) -> dict[str, Any]:
        self._replace_scope(scope, loaded.values)
        return self._scopes[scope].current.copy()

    def sync(self) -> None:
        """Make every write acknowledged so far durable now (fsync of the journals, as a
        ``flush=True`` write does), whatever the fsync policy. Raises :class:`JournalWriteError`
        if the disk refuses; the next checkpoint then rewrites the state from memory."""
        for writer in list(self._open_writers.values()):
            writer.sync_in_background()

    def _sync_journals(self) -> None:
        """The background thread's group fsync: a failure is reported, never raised."""
        for writer in list(self._open_writers.values()):
            try:
                writer.sync_in_background()
            except StorageError as exc:
                self.last_save_error = f"{datetime.now(UTC).isoformat(timespec='seconds')}: {exc}"
                log().error("sessionkeeper: %s (a checkpoint will rewrite it from memory)", exc)

    def _next_checkpoint_in(self) -> float:
        writers = list(self._open_writers.values())
        if any(w.sync_failed or w.bytes_since_checkpoint > self.journal_limit for w in writers):
            return 0.0
        return self._checkpoint_interval - (time.monotonic() - self._last_checkpoint_clock)

    def _auto_checkpoint(self) -> None:
        with self._exclusive():
            self._save_all(force=False)
            self._last_checkpoint_clock = time.monotonic()

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """The lifecycle lock (start/stop/resume/checkpoint one at a time), marked with its thread."""
        me = _get_ident()
        depth = self._lifecycle_depth
        depth[me] = depth.get(me, 0) + 1
        try:
            with self._lifecycle:
                yield
        finally:
            depth[me] -= 1
            outermost = depth[me] == 0
            if outermost:
                del depth[me]
        if outermost and lifecycle.pending:
            lifecycle.deliver_pending()

    def _save_for_signal(self) -> bool:
        """Save for a signal handler; False means "not now": this thread is inside a critical
        section, and the signal is delivered again when it leaves it."""
        me = _get_ident()
        if me in self._writing or me in self._lifecycle_depth:
            return False
        # Another thread may hold the locks for a moment (a background checkpoint): wait a little.
        if not self._lock.acquire(timeout=_SIGNAL_LOCK_WAIT):
            return True  # the journal already holds every acknowledged write
        self._lock.release()
        if self._lifecycle.acquire(timeout=_SIGNAL_LOCK_WAIT):
            try:
                self._save_all(force=False)
            finally:
                self._lifecycle.release()
        return True

    def _forget_after_fork(self) -> None:
        """In a forked child: drop the parent's descriptors and locks; start() or resume() again."""
        for writer in self._open_writers.values():
            writer.abandon()
        self._open_writers = {}
        self._background = None
        self._meta = None
        self._scopes = _empty_scopes()
        self._events = EventLog()
        self._lock = threading.Lock()
        self._lifecycle = threading.RLock()
        self._writing = {}
        self._lifecycle_depth = {}


def _set_payload(key: str, data: bytes) -> bytes:
    try:
        return journal.set_payload(key, data)
    except orjson.JSONEncodeError:  # lone surrogates: not Unicode text, cannot be stored as JSON
        raise _not_text(key) from None


def _delete_payload(key: str) -> bytes:
    try:
        return journal.delete_payload(key)
    except orjson.JSONEncodeError:
        raise _not_text(key) from None


def _not_text(key: str) -> InvalidKeyError:
    return InvalidKeyError(f"key {key[:80]!r} is not valid Unicode text (it has lone surrogates)")


def _started_from_id(session_id: str) -> datetime:
    return datetime.strptime(session_id[8:23], "%Y%m%d_%H%M%S").astimezone().astimezone(UTC)
