"""The four scopes of one manager: which stores are open for writing, what was only read, and
saving them all.

SESSION is open while a session runs; USER and APP open for writing at their first change, and
until then are read without a writer (a *view*: no lock, no file made); TEMP is a map in memory.
A checkpoint of every store (:meth:`ScopeSet.save_all`) runs under the lifecycle lock.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import NoActiveSessionError, SessionkeeperError, StorageError, storage_errors
from sessionkeeper.core.limits import Limits
from sessionkeeper.core.log import log
from sessionkeeper.core.model.ids import id_local_time
from sessionkeeper.core.model.info import LoadSummary
from sessionkeeper.core.model.scopes import StateScope
from sessionkeeper.core.model.state import EMPTY_MAP, EventLog, ScopeValues, State
from sessionkeeper.core.storage import catalog
from sessionkeeper.core.storage.documents import SessionDocument
from sessionkeeper.core.storage.layout import StorePaths
from sessionkeeper.core.storage.loader import Loaded

from .budget import Budget
from .scope_store import (
    ScopeStore,
    SessionMeta,
    SessionStore,
    StoreContext,
    open_session_store,
    open_shared_scope,
    read_shared_scope,
)
from .signals import Guard

__all__ = ["ScopeSet"]

_USER, _APP, _SESSION, _TEMP = StateScope.USER, StateScope.APP, StateScope.SESSION, StateScope.TEMP
# A writer killed before its checkpoint leaves its journal until a checkpoint makes it old. Past
# this many, stop() checkpoints the store anyway, so files per store stay bounded.
_MAX_IDLE_JOURNALS = 4
_MAX_RETRY_WAIT = 60.0  # seconds between urgent checkpoints that keep failing, at the most


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ScopeSet:
    """The scopes of one manager. ``opened`` is called after a store opens for writing (the
    manager starts its background thread and signal handling then); ``wake`` wakes that thread."""

    def __init__(
        self,
        data_dir: Path,
        user_dir: Path,
        codec: Codec,
        limits: Limits,
        guard: Guard,
        *,
        sync_each: bool,
        journal_limit: int,
        wake: Callable[[], None],
        opened: Callable[[], None],
    ) -> None:
        self._data_dir = data_dir
        self._user_dir = user_dir
        self._codec = codec
        self._limits = limits
        self.context = StoreContext(guard, Budget(limits), sync_each, journal_limit, wake, self.make_room)
        self._opened = opened
        self.last_save_error: str | None = None
        self.last_checkpoint_at: datetime | None = None
        self.last_checkpoint_clock = time.monotonic()
        self._failed_saves = 0  # in a row: an urgent checkpoint that keeps failing backs off
        self._retry_at = 0.0
        self.clear()

    def clear(self) -> None:
        """No store open, nothing read (after :meth:`close` or :meth:`abandon`)."""
        # Open for writing; emptied in place, so the manager's hot path may keep a reference.
        self.stores: dict[StateScope, ScopeStore[Any, Any]] = getattr(self, "stores", {})
        self.stores.clear()
        self.session: SessionStore | None = None  # the running session (also in stores)
        self._views: dict[StateScope, tuple[ScopeValues, int]] = {}  # USER/APP as read, bytes read
        self.temp = ScopeValues(encoded=False)

    @property
    def guard(self) -> Guard:
        return self.context.guard

    @property
    def budget(self) -> Budget:
        return self.context.budget

    # -- reading ---------------------------------------------------------------------------------
    def running(self) -> SessionStore:
        if self.session is None:
            raise NoActiveSessionError("use the SESSION scope")
        return self.session

    def values(self, scope: StateScope) -> ScopeValues:
        """The live values of ``scope`` for reading: USER and APP are read without a writer."""
        store = self.stores.get(scope)
        if store is not None:
            return store.values
        if scope is _TEMP:
            return self.temp
        if scope is _SESSION:
            return self.running().values
        view = self._views.get(scope)
        if view is None:
            view = read_shared_scope(scope, self._shared_paths(scope), self._codec, self._limits)
            self._views[scope] = view
        return view[0]

    def _shared_paths(self, scope: StateScope) -> StorePaths:
        if scope is _USER:
            return catalog.user_store_paths(self._user_dir)
        return catalog.app_store_paths(self._data_dir)

    def _read_shared(self) -> None:
        """Read USER and APP if they are not yet (outside the lock: a load does I/O)."""
        self.values(_USER)
        self.values(_APP)

    def key_counts(self) -> dict[str, int]:
        """How many keys each scope holds (SESSION: 0 when none runs)."""
        return {
            scope.value: len(self.values(scope)) if scope is not _SESSION or self.session else 0
            for scope in StateScope
        }

    def state(self) -> State:
        """Every scope and the event log as they are now, immutable."""
        user, app = self.values(_USER), self.values(_APP)
        with self.guard.lock:
            session = self.session
            return State(
                session=session.values.snapshot() if session else EMPTY_MAP,
                user=user.snapshot(),
                app=app.snapshot(),
                temp=self.temp.snapshot(),
                events=session.events if session else EventLog(),
            )

    def shared_values(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Copies of USER and APP for a session snapshot (read before: see :meth:`save`); called
        under the lock."""
        user, app = (
            (store.values if store else view[0] if view else ScopeValues()).current.copy()
            for store, view in ((self.stores.get(s), self._views.get(s)) for s in (_USER, _APP))
        )
        return user, app

    # -- opening ---------------------------------------------------------------------------------
    def for_write(self, scope: StateScope) -> ScopeStore[Any, Any]:
        """The store of a persistent scope, opening USER or APP for writing at its first change."""
        store = self.stores.get(scope)
        if store is not None:
            return store
        if scope is _SESSION:
            raise NoActiveSessionError("use the SESSION scope")
        with self.guard.exclusive():
            store = self.stores.get(scope)
            if store is None:
                store = open_shared_scope(
                    scope, self._shared_paths(scope), self.context, self._codec, self._limits
                )
                with self.guard.lock:
                    self.stores[scope] = store
                    view = self._views.pop(scope, None)
                # What the view read was counted; the store's load replaces it.
                self.budget.room_bytes -= store.writer.base_bytes - (view[1] if view else 0)
                self._opened()
        return store

    def fresh_id(self) -> str:
        with storage_errors(f"cannot start a session in {self._data_dir}"):
            return catalog.fresh_session_id(self._data_dir)

    def reopen_session(self, session_id: str) -> LoadSummary:
        """Make the existing session ``session_id`` the running one; returns what the load did."""
        started = id_local_time(session_id).astimezone().astimezone(UTC)  # until its file says
        loaded = self.open_session(SessionMeta(session_id, started), seed=None)
        document, report = loaded.document, loaded.report
        warnings = list(report.warnings)
        if document is not None:
            with self.guard.lock:
                session = self.running()
                last_update = document.last_update
                if report.journal_records:  # changes a crash left unfolded: the journal says when
                    from sessionkeeper.core.storage.status import unfolded_journals

                    journaled = unfolded_journals(session.writer.paths, document.journal_epoch)[1]
                    last_update = max(filter(None, (last_update, journaled)), default=None)
                resumed_from = document.resumed_from
                session.meta = SessionMeta(session_id, document.started_at, resumed_from, last_update)
                session.clean_on_disk = document.graceful_shutdown is True and not report.journal_records
            if document.session_id != session_id:
                name = self.running().writer.paths.snapshot.name
                warnings.append(f"{name} says it is {document.session_id}; treated as {session_id}")
        return LoadSummary(session_id, report.source, report.journal_records, tuple(warnings), report.dropped)

    def open_session(self, meta: SessionMeta, seed: SessionDocument | None) -> Loaded[SessionDocument]:
        """Open (or create) the session store of ``meta`` and make it the running session;
        ``seed`` (a legacy session being continued) gives it its first values and events.

        USER and APP are read first (not opened): the session snapshot carries copies of them, and a
        wrong key, a damaged or a hostile store stops the start before anything is written."""
        self._read_shared()
        paths = catalog.session_paths(self._data_dir, meta.session_id)
        store, loaded = open_session_store(
            meta, paths, self.context, self._codec, self._limits, self.shared_values, seed
        )
        with self.guard.lock:
            self.temp = ScopeValues(encoded=False)
            self.stores[_SESSION] = store
            self.session = store
        document = loaded.document
        self.last_checkpoint_at = document.last_checkpoint if document else None
        self.last_checkpoint_clock = time.monotonic()
        if seed is not None or document is None:
            self.save(store)  # the session file exists from the first moment
        try:
            with storage_errors(f"cannot make {meta.session_id} the current session"):
                catalog.write_current(self._data_dir, meta.session_id)
        except BaseException:
            with self.guard.lock:  # a start() that raises leaves no session running
                del self.stores[_SESSION]
                self.session = None
            store.close()
            raise
        self.recount()
        self._opened()
        return loaded

    def close(self) -> None:
        """Close every store (saving is the caller's: :meth:`save_all`)."""
        for store in self.stores.values():
            store.close()

    def abandon(self) -> None:
        """Forget every store's descriptors and locks, writing nothing."""
        for store in self.stores.values():
            store.abandon()

    # -- saving ----------------------------------------------------------------------------------
    def save_all(self, *, force: bool, ending: bool = False) -> bool:
        """Checkpoint every store that changed (``force``: the session store in any case), and
        any that gathered too many journals; call under the lifecycle lock. False if one failed.

        ``ending`` (a clean stop): the session's snapshot says so (``graceful_shutdown``), written
        unless the one on disk already does and nothing changed since; then every store's backup
        is packed (see :meth:`StoreWriter.pack_backup`)."""
        ok = True
        session = self.session
        if ending and session is not None:
            session.ending = True
            force = force or not session.clean_on_disk
        for store in list(self.stores.values()):
            writer = store.writer
            if (
                writer.changed
                or (force and store is self.session)
                or writer.journal_count() > _MAX_IDLE_JOURNALS
            ):
                ok = self.save(store) and ok
        if ending:
            for store in list(self.stores.values()):
                # Best effort: a backup left as it was is only larger.
                with contextlib.suppress(OSError, SessionkeeperError):
                    store.writer.pack_backup()
        if ok:
            self.recount()
        return ok

    def scheduled_checkpoint(self) -> None:
        """The background thread's checkpoint: stores that changed; the interval starts again."""
        with self.guard.exclusive():
            self.save_all(force=False)
            self.last_checkpoint_clock = time.monotonic()

    def make_room(self) -> None:
        """The budget's slow path: fold every journal into its snapshot."""
        with self.guard.exclusive():
            self.save_all(force=True)

    def save(self, store: ScopeStore[Any, Any]) -> bool:
        try:
            if store is self.session:
                self._read_shared()
            store.checkpoint()
        # SaveError and StorageError are OSErrors; a re-read that meets a limit or damage is a
        # failed save too: checkpoint() and stop() report it and the program goes on.
        except (OSError, SessionkeeperError) as exc:
            self.last_save_error = f"{_now()}: {exc}"
            log().error("sessionkeeper: checkpoint of %s failed: %s", store.writer.paths.name, exc)
            self._failed_saves += 1
            self._retry_at = time.monotonic() + min(_MAX_RETRY_WAIT, 0.5 * 2 ** min(self._failed_saves, 10))
            return False
        self._failed_saves = 0
        if store is self.session:
            self.last_checkpoint_at = datetime.now(UTC)
            self.last_checkpoint_clock = time.monotonic()
        return True

    def recount(self) -> None:
        """Work out again what set()/record() may append before a load of any store would go past
        the budget: from what the stores (and views, which a session snapshot copies) hold now."""
        base = sum(s.writer.base_bytes + s.writer.bytes_since_checkpoint for s in self.stores.values())
        base += sum(size for _, size in self._views.values())
        self.budget.recount(base, len(self.session.events) if self.session else 0)

    def sync(self, *, report: bool = False) -> None:
        """fsync every journal (group commit); ``report``: log a failure instead of raising it (the
        background thread's way: a checkpoint will rewrite the state from memory)."""
        for store in list(self.stores.values()):
            try:
                store.writer.sync_in_background()
            except StorageError as exc:
                if not report:
                    raise
                self.last_save_error = f"{_now()}: {exc}"
                log().error("sessionkeeper: %s (a checkpoint will rewrite it from memory)", exc)

    def next_checkpoint_in(self, interval: float, journal_limit: int) -> float:
        """Seconds until the next automatic checkpoint: now if an fsync failed or a journal grew
        past ``journal_limit``."""
        writers = [store.writer for store in list(self.stores.values())]
        if any(w.sync_failed or w.bytes_since_checkpoint > journal_limit for w in writers):
            # Now, unless checkpoints keep failing (a full or failing disk): then 1 s, 2 s, … 60 s.
            return max(0.0, self._retry_at - time.monotonic()) if self._failed_saves else 0.0
        return interval - (time.monotonic() - self.last_checkpoint_clock)
