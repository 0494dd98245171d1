"""The original ``scripts/session_manager.py``'s names on :class:`SessionManager`, kept apart from
its own API: ``get_session_info()``, ``current_state`` and the deprecated ``_cleanup()`` /
``_cleanup_old_sessions()``. What they build is in :mod:`.compat`, imported at their first use."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sessionkeeper.core.model.session_state import SessionState

    from .scope_set import ScopeSet

__all__ = ["OriginalToolAPI"]


class OriginalToolAPI:
    """Mixed into :class:`SessionManager` (which provides what is declared below)."""

    if TYPE_CHECKING:
        _scopes: ScopeSet

        def checkpoint(self) -> bool: ...
        def prune(self) -> list[str]: ...
        def stop(self) -> None: ...

    def get_session_info(self) -> dict[str, Any]:
        """``info()`` as a JSON-ready dict after the original tool's keys (``context_hash``,
        ``data_sizes``, …); ``{"status": "not_started"}`` when no session runs, as there."""
        from . import compat

        return compat.session_info(self)  # type: ignore[arg-type]  # always a SessionManager

    @property
    def current_state(self) -> SessionState | None:
        """The running session as the original tool's frozen state object, built afresh at each
        access (None when no session runs); see :mod:`.compat`."""
        from . import compat

        return compat.current_state(self._scopes)

    def _cleanup(self) -> None:
        """Deprecated (the original tool's name): a final checkpoint, retention, then ``stop()``."""
        warnings.warn("_cleanup() is deprecated; use stop()", DeprecationWarning, stacklevel=2)
        self.checkpoint()
        self.prune()
        self.stop()

    def _cleanup_old_sessions(self) -> list[str]:
        """Deprecated (the original tool's name): ``prune()``, retention now."""
        warnings.warn("_cleanup_old_sessions() is deprecated; use prune()", DeprecationWarning, stacklevel=2)
        return self.prune()
