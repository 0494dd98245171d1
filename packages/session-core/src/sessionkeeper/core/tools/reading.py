"""Reading a session without opening it for writing: for the CLI, the analyzer, dashboards.

Takes no lock and changes nothing, so it never blocks a process that is writing the session and
never sees a torn state (snapshots are replaced atomically, journal records check themselves).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.config import resolve_codec
from sessionkeeper.core.errors import SessionNotFoundError
from sessionkeeper.core.model.events import Event, event_from_stored
from sessionkeeper.core.model.values import decode_stored
from sessionkeeper.core.storage.catalog import session_paths
from sessionkeeper.core.storage.documents import (
    parse_scope_document,
    parse_session_document,
    scope_initial,
    session_initial,
)
from sessionkeeper.core.storage.layout import StorePaths
from sessionkeeper.core.storage.loader import LoadReport, load_store

__all__ = ["ScopeView", "SessionView", "read_scope", "read_session"]

_MISSING: Any = object()


class _Values:
    """Reading values out of a view's encoded map (fresh objects each time)."""

    values: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        data = self.values.get(key, _MISSING)
        return default if data is _MISSING else decode_stored(data)

    def keys(self) -> list[str]:
        return sorted(self.values.keys())


@attrs.frozen
class SessionView(_Values):
    """A session as it is on disk now: snapshot (or backup) plus its journals."""

    session_id: str
    stored_id: str  # the id written inside the file (old files sometimes disagree with their name)
    started_at: datetime | None
    last_checkpoint: datetime | None
    resumed_from: str | None
    legacy: bool
    values: Mapping[str, Any]
    event_data: list[Any]
    user: dict[str, Any]
    app: dict[str, Any]
    temp: dict[str, Any]
    report: LoadReport
    last_save_error: str | None = None  # why the last checkpoint failed, by whichever process
    graceful_shutdown: bool | None = None  # the snapshot's (see ``session_status`` for the whole story)
    last_update: datetime | None = None  # the snapshot's last change
    host: str | None = None  # the machine that wrote the snapshot

    def events(self) -> list[Event]:
        return [event_from_stored(item) for item in self.event_data]


def read_session(data_dir: Path, session_id: str, codec: Codec | None = None) -> SessionView:
    """Read ``session_id`` from ``data_dir`` (sealed files opened with ``codec``, by default the
    one the environment configures).

    Raises :class:`InvalidSessionIdError`, :class:`SessionNotFoundError`,
    :class:`CorruptSessionError` (neither the snapshot nor its backup is readable), or for
    encrypted files :class:`KeyRequiredError` / :class:`DecryptionError`.
    """
    paths = session_paths(data_dir, session_id)
    if not paths.exists():
        raise SessionNotFoundError(session_id, str(paths.directory))
    codec = codec if codec is not None else resolve_codec()
    loaded = load_store(paths, parse_session_document, session_initial, codec=codec)
    doc = loaded.document
    return SessionView(
        session_id=session_id,
        stored_id=doc.session_id if doc else session_id,
        started_at=doc.started_at if doc else None,
        last_checkpoint=doc.last_checkpoint if doc else None,
        resumed_from=doc.resumed_from if doc else None,
        legacy=doc.legacy if doc else False,
        values=loaded.values,
        event_data=loaded.events,
        user=doc.user if doc else {},
        app=doc.app if doc else {},
        temp=doc.temp if doc else {},
        report=loaded.report,
        last_save_error=paths.read_last_save_error(),
        graceful_shutdown=doc.graceful_shutdown if doc else None,
        last_update=doc.last_update if doc else None,
        host=doc.host if doc else None,
    )


@attrs.frozen
class ScopeView(_Values):
    """A USER or APP store as it is on disk now (snapshot plus journals)."""

    scope: str
    values: Mapping[str, Any]
    report: LoadReport


def read_scope(paths: StorePaths, scope: str, codec: Codec | None = None) -> ScopeView:
    """Read a USER (``user_store_paths``) or APP (``app_store_paths``) store without any lock
    and without writing anything; an empty view if it does not exist yet."""
    codec = codec if codec is not None else resolve_codec()
    loaded = load_store(
        paths, lambda data: parse_scope_document(data, scope), scope_initial, salvage=True, codec=codec
    )
    return ScopeView(scope, loaded.values, loaded.report)
