"""Retention and remote backup as :class:`SessionManager` runs them, kept apart from its API:
``prune()`` (the history archive first, see :mod:`sessionkeeper.core.storage.retention`) and the
replicator's thread (started with the first store opened when a remote is configured, woken by
checkpoints, stopped with the manager; see :mod:`sessionkeeper.core.remote.replicator`). Both are
imported at their first use: a manager without a remote never loads the remote package."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from sessionkeeper.core.config import remote_configured
from sessionkeeper.core.log import log
from sessionkeeper.core.model.scopes import StateScope

if TYPE_CHECKING:
    from sessionkeeper.core.codec.envelope import Codec
    from sessionkeeper.core.remote.replicator import Replicator
    from sessionkeeper.core.remote.settings import RemoteSettings
    from sessionkeeper.core.storage.history import HistoryPolicy
    from sessionkeeper.core.storage.retention import RetentionResult

    from .scope_set import ScopeSet

__all__ = ["Housekeeping"]


class Housekeeping:
    """Mixed into :class:`SessionManager` (which provides what is declared below)."""

    if TYPE_CHECKING:
        data_dir: Path
        user_dir: Path
        codec: Codec
        history: HistoryPolicy
        background: bool
        remote: RemoteSettings | str | bool | None
        last_retention: RetentionResult | None
        _scopes: ScopeSet
        _max_sessions: int
        _replicator: Replicator | None

    def _wake_replicator(self) -> None:
        """A checkpoint wrote new snapshots: push them soon (the replicator's thread does)."""
        replicator = self._replicator
        if replicator is not None:
            replicator.wake()

    def prune(self) -> list[str]:
        """Apply retention now: the oldest sessions beyond ``max_sessions`` move into the history
        archive (their events and a summary; see ``history``) and are removed; returns their ids.
        ``last_retention`` says what was archived, kept (could not be archived) or expired."""
        from sessionkeeper.core.storage.retention import apply_retention  # with the first prune

        protect = {self._scopes.session.meta.session_id} if self._scopes.session else set()
        result = apply_retention(
            self.data_dir, self._max_sessions, protect, codec=self.codec, history=self.history
        )
        self.last_retention = result
        for session_id in result.removed:
            log().info(
                "sessionkeeper: removed old session %s (max_sessions=%d)%s", session_id, self._max_sessions,
                ", its events are in the history archive" if session_id in result.archived else "",
            )  # fmt: skip
        for kept in result.kept:
            log().warning("sessionkeeper: kept old session %s: %s", kept.session_id, kept.reason)
        return list(result.removed)

    def _stop_replicator(self) -> None:
        replicator, self._replicator = self._replicator, None
        if replicator is not None:
            replicator.stop()

    def _start_replicator(self) -> None:
        """The first store opened for writing: with a remote configured (and background work on),
        the replicator's thread starts."""
        if self._replicator is None and self.background and remote_configured(self.remote):
            from sessionkeeper.core.remote.replicator import start_replicator  # only with a remote

            self._replicator = start_replicator(self.data_dir, self.user_dir, self.codec, self.remote)

    def apply_user_changes(self, changes: Mapping[str, tuple[str | None, Any]]) -> set[str]:
        """Apply what a pull of the USER scope decided (``session backup pull``): per key, the
        SHA-256 of the value expected here now (None: absent) and the stored tree to write (None:
        delete). A key whose value is no longer the expected one (set meanwhile) is left alone and
        returned. The changes are journaled and flushed before this returns."""
        from sessionkeeper.core.remote.user_clock import value_digest

        store = self._scopes.for_write(StateScope.USER)
        skipped = set()
        for key, (expected, tree) in changes.items():
            current = store.values.current
            if (value_digest(current[key]) if key in current else None) != expected:
                skipped.add(key)
            elif tree is None:
                store.delete(key, flush=False)
            else:
                store.set_encoded(key, tree, orjson.dumps(tree), flush=False)
        store.writer.sync()
        return skipped
