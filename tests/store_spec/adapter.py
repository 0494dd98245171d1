"""The store under specification, driven through its public surface only.

A *store* is core's :class:`~sessionkeeper.core.storage.store.StoreWriter` (appending, syncing,
checkpointing) with :func:`~sessionkeeper.core.storage.loader.load_store` (reading). Its owner —
the manager in production, :class:`SpecStore` here — keeps the values in memory and runs the one
write path: frame the record, append it under the owner's lock, sync if asked, then change memory.
:class:`SpecStore` mirrors ``SessionManager._journal``/``_save_store``/``_open_scope_stores``/
``_open_session`` without the manager around them, so the suite states what the Store promises
whoever owns it.

Two kinds of store share the contract (:data:`KINDS`): a USER/APP-like scope store (a shared name,
``app``, whose identity lives in its identity file) and a session store (named by its id, with
events). Values are JSON trees, as the stores keep them.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from sessionkeeper.core import resolve_codec
from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.limits import DEFAULT_LIMITS, Limits
from sessionkeeper.core.storage import journal
from sessionkeeper.core.storage.documents import (
    parse_scope_document,
    parse_session_document,
    render_scope_document,
    render_session_document,
    scope_initial,
    session_initial,
)
from sessionkeeper.core.storage.layout import StorePaths
from sessionkeeper.core.storage.loader import Loaded, load_store
from sessionkeeper.core.storage.store import StoreWriter

__all__ = ["KINDS", "Content", "Image", "SpecStore", "StoreKind", "content", "load"]

SESSION_ID = "session_20240101_120000_5bec5bec"
OTHER_SESSION_ID = "session_20240101_120000_0a0b0c0d"
_STARTED = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)

Content = tuple[dict[str, Any], list[Any]]  # values and events, as a load or the owner has them


@dataclass(frozen=True)
class Image:
    """What a checkpoint writes: private copies of the owner's values and events."""

    values: dict[str, Any]
    events: list[Any]


@dataclass(frozen=True)
class StoreKind:
    """One kind of store: how it is named, parsed and rendered."""

    label: str
    store_name: str  # the default name of a store of this kind
    shared_name: bool  # the name is the same everywhere (USER/APP): the id is in the identity file
    events: bool  # the store journals events too (sessions)
    parse: Callable[[bytes], Any]
    initial: Callable[[Any], Any]
    render: Callable[[Image, int, str], bytes]  # image, covered epoch, the store's id
    other_name: str  # the name of *another* store of this kind (foreign files)

    def paths(self, directory: Path, *, other: bool = False) -> StorePaths:
        return StorePaths(directory, self.other_name if other else self.store_name, self.shared_name)


def _render_scope(image: Image, epoch: int, store_id: str) -> bytes:
    return render_scope_document("app", image.values, epoch, store_id)


def _render_session(image: Image, epoch: int, store_id: str) -> bytes:
    return render_session_document(
        session_id=store_id,
        started_at=_STARTED,
        values=image.values,
        events=image.events,
        user={},
        app={},
        journal_epoch=epoch,
        resumed_from=None,
    )


KINDS: dict[str, StoreKind] = {
    "scope": StoreKind(
        "scope",
        "app",
        True,
        False,
        functools.partial(parse_scope_document, scope="app"),
        scope_initial,
        _render_scope,
        "app",  # another project's APP store has the same name and another id
    ),
    "session": StoreKind(
        "session",
        SESSION_ID,
        False,
        True,
        parse_session_document,
        session_initial,
        _render_session,
        OTHER_SESSION_ID,
    ),
}


def load(
    kind: StoreKind,
    directory: Path,
    *,
    limits: Limits = DEFAULT_LIMITS,
    codec: Codec | None = None,
    salvage: bool = False,
) -> Loaded[Any]:
    """Read the store of ``kind`` in ``directory`` as any reader does (no lock, no writer)."""
    return load_store(
        kind.paths(directory),
        kind.parse,
        kind.initial,
        salvage=salvage,
        codec=codec if codec is not None else resolve_codec(),
        limits=limits,
    )


def content(loaded: Loaded[Any]) -> Content:
    return dict(loaded.values), list(loaded.events)


@dataclass
class SpecStore:
    """One owner of one store: its values in memory, its writer, and the one write path."""

    kind: StoreKind
    directory: Path
    limits: Limits = DEFAULT_LIMITS
    other: bool = False  # the store of this kind named ``kind.other_name``
    lock: threading.Lock = field(default_factory=threading.Lock)
    values: dict[str, Any] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.paths = self.kind.paths(self.directory, other=self.other)
        self.writer: StoreWriter[Any, Image] = StoreWriter(
            self.paths, self.lock, self.kind.parse, self.kind.initial, resolve_codec(), self.limits
        )

    # -- the owner's side of the contract ---------------------------------------------------------
    def open(self, *, salvage: bool = False) -> Loaded[Any]:
        """Open the writer (a writer that fails to open is closed, as the manager does)."""
        try:
            loaded = self.writer.open(salvage=salvage)
        except BaseException:
            self.writer.close()
            raise
        with self.lock:
            self.values, self.events = content(loaded)
        return loaded

    def set(self, key: str, value: Any, *, sync: bool = False) -> bytes:
        """Journal ``key = value`` and make it in memory; returns the record appended."""
        return self._journal(journal.set_payload(key, orjson.dumps(value)), True, sync, key, value)

    def delete(self, key: str, *, sync: bool = False) -> bytes:
        return self._journal(journal.delete_payload(key), True, sync, key, _DELETED)

    def record(self, event: dict[str, Any], *, sync: bool = False) -> bytes:
        """Journal an event (never written twice, so appended under the journal lock)."""
        assert self.kind.events, f"a {self.kind.label} store has no events"
        return self._journal(journal.event_payload(orjson.dumps(event)), False, sync, None, event)

    def _journal(self, payload: bytes, idempotent: bool, sync: bool, key: str | None, tree: Any) -> bytes:
        record = self.writer.frame(payload)
        with self.lock:
            self.writer.append(record, idempotent)
            if sync:
                self.writer.sync()  # raises: then the change is not made
            if key is None:
                self.events.append(tree)
            elif tree is _DELETED:
                self.values.pop(key, None)
            else:
                self.values[key] = tree
        return record

    def sync(self) -> None:
        with self.lock:
            self.writer.sync()

    def checkpoint(self) -> None:
        self.writer.checkpoint(self, lock_timeout=10)

    def content(self) -> Content:
        with self.lock:
            return dict(self.values), list(self.events)

    def close(self) -> None:
        self.writer.close()

    def abandon(self) -> None:
        """The process died: descriptors and locks go, nothing more is written."""
        self.writer.abandon()

    # -- what the writer calls back ------------------------------------------------------------------
    def capture(self) -> Image:  # under the lock
        return Image(dict(self.values), list(self.events))

    def adopt(self, loaded: Loaded[Any]) -> Image:  # under the lock: another writer wrote too
        self.values, self.events = content(loaded)
        return self.capture()

    def render(self, image: Image, epoch: int) -> bytes:
        return self.kind.render(image, epoch, self.writer.bound_id)


_DELETED: Any = object()
