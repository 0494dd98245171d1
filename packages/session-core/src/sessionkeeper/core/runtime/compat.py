"""What code written for the original ``scripts/session_manager.py`` reads from a manager.

``SessionManager.current_state`` (:func:`current_state`) and the original's keys of
``get_session_info()`` (:func:`session_info`) are built here, so the manager stays a facade. The
restart the original's code simulates (``SessionManager._instance = None``) and its deprecated
``_cleanup()``/``_cleanup_old_sessions()`` are on the manager itself (see ``get_instance``).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import orjson

from sessionkeeper.core.model.converter import unstructure
from sessionkeeper.core.model.scopes import StateScope
from sessionkeeper.core.model.session_state import EMPTY_STATE_DATA, FrozenValues, SessionState
from sessionkeeper.core.storage.documents import session_context_hash

if TYPE_CHECKING:
    from .manager import SessionManager
    from .scope_set import ScopeSet

__all__ = ["NOT_STARTED", "current_state", "session_info"]

# What the original's get_session_info() returned while it had no state (the same keys and value).
NOT_STARTED = "not_started"
_ORIGINAL_KEYS = ("session_id", "started_at", "last_checkpoint", "context_hash", "data_sizes")


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def current_state(scopes: ScopeSet) -> SessionState | None:
    """The running session as a frozen :class:`SessionState`, or None when none runs (the
    original's ``current_state`` was None before ``start()``).

    Every scope is copied under the manager's lock, so the view is one moment of the session; the
    copies are shallow (stored trees, which the view decodes afresh at each lookup), O(keys) in C.
    """
    if scopes.session is None:
        return None
    scopes.values(StateScope.USER)  # read first, outside the lock: a first read does I/O
    scopes.values(StateScope.APP)
    with scopes.guard.lock:
        session = scopes.session
        if session is None:
            return None
        meta, values = session.meta, session.values.current.copy()
        user, app = scopes.shared_values()
        temp = scopes.temp.current.copy()
        writer = session.writer
        journal = writer.paths.journal(writer.journal.epoch) if writer.changed else None
    saved = scopes.last_checkpoint_at or meta.started_at
    updated = meta.last_update or meta.started_at
    with contextlib.suppress(OSError):  # the last change not yet in a snapshot: its journal's time
        if journal is not None:
            # ... and no earlier than the last checkpoint, which it follows: the file system stamps
            # times from a clock a tick (~4 ms) coarser than the one that timed the checkpoint.
            updated = max(updated, saved, datetime.fromtimestamp(journal.stat().st_mtime, UTC))
    started, last_checkpoint = _iso(meta.started_at), _iso(saved)
    scope_data = {
        StateScope.SESSION.value: FrozenValues(values),
        StateScope.USER.value: FrozenValues(user),
        StateScope.APP.value: FrozenValues(app),
        StateScope.TEMP.value: FrozenValues(temp, decoded=False),
    }
    return SessionState(
        session_id=meta.session_id,
        started_at=started,
        last_checkpoint=last_checkpoint,
        context_hash=session_context_hash(values),
        state_data=EMPTY_STATE_DATA,
        scope_data=MappingProxyType(scope_data),
        graceful_shutdown=False,
        last_update=_iso(updated),
    )


def session_info(manager: SessionManager) -> dict[str, Any]:
    """``get_session_info()``: the original's keys first (``session_id``, ``started_at``,
    ``last_checkpoint``, ``context_hash``, ``data_sizes``: keys per scope), then ``info()``'s as
    JSON; ``{"status": "not_started"}`` when no session runs, as the original returned."""
    state = manager.current_state
    if state is None:
        return {"status": NOT_STARTED}
    result: dict[str, Any] = {
        "session_id": state.session_id,
        "started_at": state.started_at,
        "last_checkpoint": state.last_checkpoint,
        "context_hash": state.context_hash,
        "data_sizes": {scope: len(values) for scope, values in state.scope_data.items()},
    }
    ours: dict[str, Any] = orjson.loads(orjson.dumps(unstructure(manager.info())))
    for key, value in ours.items():
        if key not in _ORIGINAL_KEYS:
            result[key] = value
    return result
