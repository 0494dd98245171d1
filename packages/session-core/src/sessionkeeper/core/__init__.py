"""session-core: crash-safe, scoped session state for development workflows.

>>> from sessionkeeper.core import SessionManager, StateScope
>>> session = SessionManager.get_instance()
>>> session.start()                                   # doctest: +SKIP
>>> session.set("current_feature", "authentication", StateScope.SESSION)  # doctest: +SKIP
"""

from __future__ import annotations

from .catalog import SessionEntry, list_sessions, read_current, session_paths, sessions_dir
from .config import FsyncPolicy
from .converter import converter
from .errors import (
    CorruptSessionError,
    InvalidSessionIdError,
    NoActiveSessionError,
    SaveError,
    SessionkeeperError,
    SessionLockedError,
    SessionNotFoundError,
    UnserializableValueError,
    ValueDecodeError,
)
from .events import CommandExecuted, Event, TaskCompleted, TaskStarted
from .ids import new_session_id, validate_session_id
from .info import LoadSummary, SessionInfo
from .manager import SessionManager
from .reading import SessionView, read_session
from .scopes import StateScope

__all__ = [
    "CommandExecuted",
    "CorruptSessionError",
    "Event",
    "FsyncPolicy",
    "InvalidSessionIdError",
    "LoadSummary",
    "NoActiveSessionError",
    "SaveError",
    "SessionEntry",
    "SessionInfo",
    "SessionLockedError",
    "SessionManager",
    "SessionNotFoundError",
    "SessionView",
    "SessionkeeperError",
    "StateScope",
    "TaskCompleted",
    "TaskStarted",
    "UnserializableValueError",
    "ValueDecodeError",
    "converter",
    "list_sessions",
    "new_session_id",
    "read_current",
    "read_session",
    "session_paths",
    "sessions_dir",
    "validate_session_id",
]
