"""session-core: crash-safe, scoped session state for development workflows.

``from sessionkeeper.core import SessionManager, StateScope`` is all most programs need; the rest is
for tools that work on stored sessions (the CLI, the hooks, the analyzer).
"""

from __future__ import annotations

from .catalog import (
    SessionEntry,
    app_store_paths,
    list_sessions,
    prune_sessions,
    read_current,
    session_paths,
    sessions_dir,
    user_store_paths,
    write_current,
)
from .config import FsyncPolicy
from .converter import converter
from .errors import (
    CorruptSessionError,
    InvalidSessionIdError,
    LegacySessionError,
    NoActiveSessionError,
    SaveError,
    SessionkeeperError,
    SessionLockedError,
    SessionNotFoundError,
    UnserializableValueError,
    ValueDecodeError,
)
from .events import CommandExecuted, Event, TaskCompleted, TaskStarted, event_from_dict
from .ids import new_session_id, validate_session_id
from .info import LoadSummary, SessionInfo
from .maintenance import StoreCheck, checkpoint_session, export_session, import_session, verify_store
from .manager import SessionManager
from .reading import SessionView, read_session
from .scopes import StateScope
from .state import State
from .store import LoadReport, StorePaths

__all__ = [
    "CommandExecuted",
    "CorruptSessionError",
    "Event",
    "FsyncPolicy",
    "InvalidSessionIdError",
    "LegacySessionError",
    "LoadReport",
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
    "State",
    "StateScope",
    "StoreCheck",
    "StorePaths",
    "TaskCompleted",
    "TaskStarted",
    "UnserializableValueError",
    "ValueDecodeError",
    "app_store_paths",
    "checkpoint_session",
    "converter",
    "event_from_dict",
    "export_session",
    "import_session",
    "list_sessions",
    "new_session_id",
    "prune_sessions",
    "read_current",
    "read_session",
    "session_paths",
    "sessions_dir",
    "user_store_paths",
    "validate_session_id",
    "verify_store",
    "write_current",
]
