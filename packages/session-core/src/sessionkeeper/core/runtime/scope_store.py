"""One persistent scope open for writing: its live values, its store, and THE write path.

Every persistent change — ``set``, ``delete``, ``record`` and the values a legacy session hands
over — goes through :meth:`ScopeStore._write`: the journal record is appended (and fsynced when
asked) *before* the new value is published, under the manager's lock, inside a critical section a
signal handler waits for. A checkpoint asks the store for a typed image of its state
(:class:`SessionImage` or a plain dict of values), which :class:`StoreWriter` seals and writes.

USER and APP that are only read are loaded without a writer (:func:`read_shared_scope`): reading
never creates, locks or changes a file.
"""

from __future__ import annotations

import functools
import platform
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar

import orjson

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import InvalidKeyError, NoActiveSessionError, storage_errors
from sessionkeeper.core.limits import Limits
from sessionkeeper.core.log import log
from sessionkeeper.core.model.events import Event, encode_event
from sessionkeeper.core.model.scopes import StateScope
from sessionkeeper.core.model.state import EventLog, ScopeValues
from sessionkeeper.core.model.values import encode_value, stored_form
from sessionkeeper.core.storage import journal
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
from sessionkeeper.core.storage.layout import StorePaths
from sessionkeeper.core.storage.loader import Doc, Loaded, load_store
from sessionkeeper.core.storage.store import StoreWriter

from . import signals
from .budget import Budget
from .signals import Guard

__all__ = [
    "SessionImage",
    "SessionMeta",
    "SessionStore",
    "SharedScopeStore",
    "StoreContext",
    "open_session_store",
    "open_shared_scope",
    "read_shared_scope",
]

_get_ident = threading.get_ident
_DELETED: Any = object()  # what a delete writes in place of a value (see ScopeStore._write)
Image = TypeVar("Image")


class StoreContext:
    """What every scope store of one manager shares."""

    __slots__ = ("budget", "guard", "journal_limit", "make_room", "sync_each", "wake")

    def __init__(
        self,
        guard: Guard,
        budget: Budget,
        sync_each: bool,  # fsync="always": every write is on stable storage before it returns
        journal_limit: int,  # journal bytes past which the background thread checkpoints early
        wake: Callable[[], None],  # wake the background thread
        make_room: Callable[[], object],  # checkpoint every store (the budget's slow path)
    ) -> None:
        self.guard = guard
        self.budget = budget
        self.sync_each = sync_each
        self.journal_limit = journal_limit
        self.wake = wake
        self.make_room = make_room


THIS_HOST = platform.node() or None  # the network name of this machine ("" when unknown)


class SessionMeta(NamedTuple):
    """Who the running session is (a NamedTuple, not attrs: ~0.25 ms less to import)."""

    session_id: str
    started_at: datetime
    resumed_from: str | None = None
    last_update: datetime | None = None  # of the last change in its snapshot (None: started_at)
    host: str | None = THIS_HOST  # the machine running it


class SessionImage(NamedTuple):
    """Everything a session snapshot holds, as private copies taken under the manager's lock."""

    meta: SessionMeta
    values: dict[str, Any]
    events: list[Any]
    user: dict[str, Any]
    app: dict[str, Any]
    graceful: bool = False  # the final snapshot of a clean stop
    changed: bool = True  # records were journaled since the last snapshot

    def render(self, epoch: int) -> bytes:
        meta = self.meta
        return render_session_document(
            session_id=meta.session_id,
            started_at=meta.started_at,
            values=self.values,
            events=self.events,
            user=self.user,
            app=self.app,
            journal_epoch=epoch,
            resumed_from=meta.resumed_from,
            last_update=meta.last_update,
            graceful_shutdown=self.graceful,
            host=meta.host,
        )


class ScopeStore(ABC, Generic[Doc, Image]):
    """A persistent scope open for writing; its values change only through :meth:`_write`."""

    def __init__(
        self,
        scope: StateScope,
        writer: StoreWriter[Doc, Image],
        values: dict[str, Any],
        context: StoreContext,
    ) -> None:
        self.scope = scope
        self.writer = writer
        self._journal = writer.journal  # the hot path's appender (fixed for the writer's life)
        self.values = ScopeValues(values, adopt=True)  # a load's own dict (see open_session_store)
        self.open = True
        self._context = context
        # The hot path's collaborators, looked up once.
        self._lock = context.guard.lock
        self._writing = context.guard.writing
        self._budget = context.budget
        self._sync_each = context.sync_each

    def set(self, key: str, value: Any, flush: bool) -> None:
        tree, data = encode_value(key, value)
        self.set_encoded(key, tree, data, flush)

    def set_encoded(self, key: str, tree: Any, data: bytes, flush: bool) -> None:
        """Store an encoded value (``tree`` and its JSON ``data``) as :meth:`set` does: a value
        copied from another store of ours (a remote's USER scope) keeps its stored form."""
        try:
            payload = journal.set_payload(key, data)
        except orjson.JSONEncodeError:  # lone surrogates: not Unicode text, cannot be stored as JSON
            raise _not_text(key) from None
        size = len(payload)
        b = self._budget  # the fast path inline; the slow one only when the budget runs low
        if b.pending_bytes + size > b.room_bytes or size > b.max_value_bytes or b.room_records <= 0:
            self._over_budget(size, "store {!r}", key[:80])
        appender = self._journal
        self._write(appender.frame(payload), flush, "set a value", key, stored_form(tree, data), size)
        if appender.appended > self._context.journal_limit:
            self._context.wake()

    def delete(self, key: str, flush: bool) -> bool:
        if key not in self.values.current:
            return False  # a delete racing this one journals a second "D", which changes nothing
        try:
            payload = journal.delete_payload(key)
        except orjson.JSONEncodeError:
            raise _not_text(key) from None
        record = self.writer.journal.frame(payload)
        self._write(record, flush, "delete a value", key, _DELETED, 0)
        return True

    def _over_budget(self, size: int, what: str, subject: str) -> None:
        """The budget's slow path (see :meth:`Budget.admit`); ``what`` names the change for its error."""
        self._budget.admit(size, what.format(subject), self._context.make_room)

    def _write(self, record: bytes, flush: bool, what: str, key: str | None, tree: Any, size: int) -> None:
        """THE write path of every persistent change: journal ``record`` (durably if ``flush`` or
        the fsync policy asks), then make the change in memory — set ``key`` to ``tree`` (its
        stored form), delete it (``tree`` is ``_DELETED``) or, with no ``key``, append the event
        ``tree`` — both under the lock, so a checkpoint never captures one without the other, and
        inside a critical section that a signal handler waits for. ``size`` (the payload's bytes;
        0 for a delete) counts against the load budget. A change whose journal write fails is
        never made."""
        me = _get_ident()
        writing = self._writing
        writing[me] = True
        try:
            with self._lock:
                if not self.open:
                    raise NoActiveSessionError(what)  # stopped while the record was being made
                self._journal.append(record, key is not None)  # events are never written twice
                if flush or self._sync_each:
                    self.writer.sync()  # raises JournalWriteError: then the change is not made
                if key is None:
                    self._append_event(tree)
                elif tree is _DELETED:
                    self.values.discard(key)
                else:
                    self.values.set(key, tree)
                if size:
                    budget = self._budget
                    budget.pending_bytes += size
                    budget.room_records -= 1
        finally:
            del writing[me]
        if signals.pending:
            signals.deliver_pending()

    def _append_event(self, tree: Any) -> None:
        raise TypeError(f"the {self.scope.value} scope keeps no events")

    # -- checkpoints -----------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Seal the journal and write a snapshot of this scope (see :meth:`StoreWriter.checkpoint`)."""
        self.writer.checkpoint(self)

    # The scope's image (see :class:`~sessionkeeper.core.storage.store.ImageSource`), by kind of store.
    @abstractmethod
    def capture(self) -> Image: ...

    @abstractmethod
    def adopt(self, loaded: Loaded[Doc]) -> Image: ...

    @abstractmethod
    def render(self, image: Image, epoch: int) -> bytes: ...

    # -- closing ---------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:  # a write in flight sees it and raises NoActiveSessionError
            self.open = False
        self.writer.close()

    def abandon(self) -> None:
        """Forget descriptors inherited through ``fork()`` (or of a process that is dying)."""
        self.open = False
        self.writer.abandon()


class SharedScopeStore(ScopeStore[ScopeDocument, dict[str, Any]]):
    """USER or APP: a store shared by every session (of the user, of the project)."""

    def capture(self) -> dict[str, Any]:
        return self.values.current.copy()

    def adopt(self, loaded: Loaded[ScopeDocument]) -> dict[str, Any]:
        """Another process wrote this store too: take the on-disk state (it has all our writes)."""
        self.values = ScopeValues(loaded.values, adopt=True)
        return self.values.current.copy()

    def render(self, image: dict[str, Any], epoch: int) -> bytes:
        return render_scope_document(self.scope.value, image, epoch, self.writer.bound_id)


class SessionStore(ScopeStore[SessionDocument, SessionImage]):
    """The running session: its values and events; its snapshot also carries USER and APP copies
    (``shared_values``, called under the lock), as the old tool's files did."""

    def __init__(
        self,
        meta: SessionMeta,
        writer: StoreWriter[SessionDocument, SessionImage],
        values: dict[str, Any],
        events: list[Any],
        context: StoreContext,
        shared_values: Callable[[], tuple[dict[str, Any], dict[str, Any]]],
    ) -> None:
        super().__init__(StateScope.SESSION, writer, values, context)
        self.meta = meta
        self.events = EventLog(events, len(events))
        self._shared_values = shared_values
        # stop() sets it: the next snapshot is the clean stop's, ``graceful_shutdown: true``.
        self.ending = False
        # The snapshot on disk says the session ended cleanly and no journal follows it: a stop
        # that changed nothing has nothing to write.
        self.clean_on_disk = False

    def record(self, event: Event, flush: bool) -> None:
        data = encode_event(event)
        payload = journal.event_payload(data)
        size = len(payload)
        b = self._budget
        if b.pending_bytes + size > b.room_bytes or size > b.max_value_bytes or b.room_records <= 0:
            self._over_budget(size, "record a {} event", type(event).__name__)
        record = self.writer.journal.frame(payload)
        self._write(record, flush, "record an event", None, orjson.loads(data), size)

    def _append_event(self, tree: Any) -> None:
        self.events = self.events.appended(tree)

    def capture(self) -> SessionImage:
        user, app = self._shared_values()
        values, events = self.values.current.copy(), self.events.view()
        return SessionImage(self.meta, values, events, user, app, self.ending, self.writer.changed)

    def adopt(self, loaded: Loaded[SessionDocument]) -> SessionImage:
        """Another process wrote this session too: take the on-disk state (it has all our writes)."""
        self.values = ScopeValues(loaded.values, adopt=True)
        self.events = EventLog(list(loaded.events), len(loaded.events))
        return self.capture()._replace(changed=True)

    def render(self, image: SessionImage, epoch: int) -> bytes:
        # The last change is the last write to the journal this snapshot seals (by any process);
        # one stat per checkpoint instead of a clock read per set().
        changed = self.writer.paths.journal_modified_at(epoch) if image.changed else None
        if changed is not None:  # the file system's clock is a tick coarser: never before the start
            changed = max(changed, image.meta.started_at)
        if changed is not None and (image.meta.last_update is None or changed > image.meta.last_update):
            self.meta = self.meta._replace(last_update=changed)
            image = image._replace(meta=image.meta._replace(last_update=changed))
        rendered = image.render(epoch)
        self.clean_on_disk = image.graceful
        return rendered


# -- opening -------------------------------------------------------------------------------------
def _scope_parser(scope: StateScope) -> Callable[[bytes], ScopeDocument]:
    return functools.partial(parse_scope_document, scope=scope.value)


def _report(name: str, loaded: Loaded[Any]) -> None:
    for line in loaded.report.warnings + loaded.report.dropped:
        log().warning("sessionkeeper: %s scope: %s", name, line)


def _opened(writer: StoreWriter[Doc, Any], *, salvage: bool) -> Loaded[Doc]:
    try:
        return writer.open(salvage=salvage)
    except BaseException:
        writer.close()
        raise


def open_shared_scope(
    scope: StateScope, paths: StorePaths, context: StoreContext, codec: Codec, limits: Limits
) -> SharedScopeStore:
    """Open USER or APP for writing. A damaged file must not stop every session from starting: the
    load keeps what the journals hold, says so loudly, and the next checkpoint sets it aside."""
    with storage_errors(f"cannot open the {scope.value.upper()} scope in {paths.directory}"):
        writer: StoreWriter[ScopeDocument, dict[str, Any]] = StoreWriter(
            paths,
            context.guard.lock,
            _scope_parser(scope),
            scope_initial,
            codec,
            limits,
            in_place=context.sync_each,
        )
        loaded = _opened(writer, salvage=True)
    _report(scope.value, loaded)
    return SharedScopeStore(scope, writer, loaded.values, context)


def read_shared_scope(
    scope: StateScope, paths: StorePaths, codec: Codec, limits: Limits
) -> tuple[ScopeValues, int]:
    """USER or APP as it is on disk, without a writer (no lock, no file made); with the bytes read."""
    with storage_errors(f"cannot read the {scope.value.upper()} scope in {paths.directory}"):
        loaded = load_store(
            paths, _scope_parser(scope), scope_initial, salvage=True, codec=codec, limits=limits
        )
    _report(scope.value, loaded)
    return ScopeValues(loaded.values, adopt=True), loaded.loaded_bytes


def open_session_store(
    meta: SessionMeta,
    paths: StorePaths,
    context: StoreContext,
    codec: Codec,
    limits: Limits,
    shared_values: Callable[[], tuple[dict[str, Any], dict[str, Any]]],
    seed: SessionDocument | None,
) -> tuple[SessionStore, Loaded[SessionDocument]]:
    """Open (or create) the session of ``meta``; ``seed`` (a legacy session being continued) gives
    it its first values and events instead of what the store holds."""
    with storage_errors(f"cannot open session {meta.session_id} in {paths.directory}"):
        writer: StoreWriter[SessionDocument, SessionImage] = StoreWriter(
            paths,
            context.guard.lock,
            parse_session_document,
            session_initial,
            codec,
            limits,
            in_place=context.sync_each,
        )
        loaded = _opened(writer, salvage=False)
    source = seed if seed is not None else loaded
    # The store takes the load's dict as its own; a seed's values are the seed's: copied.
    values = loaded.values if seed is None else dict(seed.values)
    store = SessionStore(meta, writer, values, list(source.events), context, shared_values)
    return store, loaded


def _not_text(key: str) -> InvalidKeyError:
    return InvalidKeyError(f"key {key[:80]!r} is not valid Unicode text (it has lone surrogates)")
