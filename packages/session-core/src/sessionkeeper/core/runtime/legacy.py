"""Continuing a session written by the old ``scripts/session_manager.py``.

Its file is history and is never changed: the session goes on under a new id, seeded with the old
session's values and events (the manager opens it, see ``SessionManager._attach``). What the old
file held for USER and APP is adopted only where this project has no value yet, through the public
write path; its TEMP values are loaded into memory only, as TEMP is never saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.limits import Limits
from sessionkeeper.core.model.info import LoadSummary
from sessionkeeper.core.model.scopes import StateScope
from sessionkeeper.core.model.values import decode_stored
from sessionkeeper.core.storage import catalog
from sessionkeeper.core.storage.documents import SessionDocument, parse_session_document, session_initial
from sessionkeeper.core.storage.layout import StorePaths
from sessionkeeper.core.storage.loader import Loaded, load_store

if TYPE_CHECKING:
    from .manager import SessionManager

__all__ = ["carry_over", "legacy_session"]


def legacy_session(paths: StorePaths, codec: Codec, limits: Limits) -> Loaded[SessionDocument] | None:
    """The old tool's session at ``paths`` as read (without a lock), or None if it is not one."""
    if not catalog.is_legacy_file(paths.snapshot):
        return None
    probe = load_store(paths, parse_session_document, session_initial, codec=codec, limits=limits)
    return probe if probe.document is not None and probe.document.legacy else None


def carry_over(
    manager: SessionManager, old_id: str, new_id: str, probe: Loaded[SessionDocument]
) -> LoadSummary:
    """Hand the old session's USER, APP and TEMP values to ``manager`` (already running ``new_id``,
    seeded with the old values and events); returns what the load did, for ``info().load``."""
    document = probe.document
    assert document is not None
    warnings = list(probe.report.warnings)
    if document.session_id != old_id:
        warnings.append(f"{old_id}.json says it is {document.session_id}; treated as {old_id}")
    warnings.append(
        f"{old_id} was written by the old session tool; it continues as {new_id} and its file is "
        "left unchanged"
    )
    adopted = _adopt_shared_scopes(manager, document)
    if adopted:
        warnings.append(f"adopted {adopted} USER/APP value(s) that were not set yet")
    if document.temp:
        for key, value in document.temp.items():
            manager.set(key, value, StateScope.TEMP)
        warnings.append(f"loaded {len(document.temp)} TEMP value(s) into memory only (TEMP is never saved)")
    return LoadSummary(
        new_id, "legacy", probe.report.journal_records, tuple(warnings), probe.report.dropped, old_id
    )


def _adopt_shared_scopes(manager: SessionManager, document: SessionDocument) -> int:
    """USER/APP values of an old tool's session file that this project does not have yet."""
    adopted = 0
    for scope, values in ((StateScope.USER, document.user), (StateScope.APP, document.app)):
        present = set(manager.keys(scope)) if values else set()
        for key, tree in values.items():
            if key not in present:
                manager.set(key, decode_stored(tree), scope)
                adopted += 1
    return adopted
