"""session-core: crash-safe, scoped session state for development workflows.

``from sessionkeeper.core import SessionManager, StateScope`` is all most programs need; the rest is
for tools that work on stored sessions (the CLI, the hooks, the analyzer).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .codec.envelope import PLAIN, Codec, CodecSettings, EnvelopeInfo, inspect_envelope
from .codec.keys import Key, Keyring, generate_key, read_key_file, write_key_file
from .config import (
    FsyncPolicy,
    remote_configured,
    resolve_codec,
    resolve_data_dir,
    resolve_history_policy,
    resolve_key_file,
    resolve_user_dir,
)
from .errors import (
    ArchiveError,
    ConfigurationError,
    CorruptSessionError,
    DecryptionError,
    IntegrityError,
    InvalidKeyError,
    InvalidSessionIdError,
    InvalidTargetKeyError,
    JournalWriteError,
    KeyConfigurationError,
    KeyRequiredError,
    LegacySessionError,
    LimitExceededError,
    NoActiveSessionError,
    RemoteIntegrityError,
    RemoteKeyError,
    RemotePlaintextError,
    SaveError,
    SessionkeeperError,
    SessionLockedError,
    SessionNotFoundError,
    SnapshotFormatError,
    StorageError,
    TargetAccessError,
    TargetConflictError,
    TargetError,
    TargetMissingError,
    TargetNotFoundError,
    TargetPreconditionError,
    TargetUnavailableError,
    UnserializableValueError,
    ValueDecodeError,
)
from .limits import Limits
from .model.converter import unstructure
from .model.events import CommandExecuted, Event, TaskCompleted, TaskStarted, event_from_dict
from .model.ids import new_session_id, validate_session_id
from .model.info import LoadSummary, SessionInfo
from .model.scopes import StateScope
from .model.state import State
from .runtime.manager import SessionManager

if TYPE_CHECKING:
    from .model.session_state import SessionState
    from .remote.pull import PulledKey, PullResult, pull_user
    from .remote.push import PushResult, push_remote
    from .remote.restore import RestoreResult, pushed_sessions, restore_session
    from .remote.s3 import S3Target
    from .remote.settings import RemoteSettings, TargetURL, open_target, parse_target_url, resolve_remote
    from .remote.status import BackupStatus, backup_status
    from .remote.verify import RemoteCheck, verify_remote
    from .storage.catalog import (
        SessionEntry,
        app_store_paths,
        list_sessions,
        read_current,
        session_paths,
        sessions_dir,
        user_store_paths,
        write_current,
    )
    from .storage.history import (
        ArchivedSession,
        HistoryFile,
        HistoryListing,
        HistoryPolicy,
        expire_history,
        history_dir,
        list_history,
        read_history,
    )
    from .storage.layout import StorePaths
    from .storage.loader import LoadReport
    from .storage.retention import (
        KeptSession,
        RetentionResult,
        apply_retention,
        plan_retention,
        prune_sessions,
    )
    from .storage.scan import FoundFile, ScannedSession, SessionScan, StrayFile, scan_session_files
    from .storage.status import SessionStatus, session_status
    from .storage.targets import BackupTarget, LocalDirectoryTarget, ObjectInfo, TargetObject
    from .tools.maintenance import (
        StoreCheck,
        checkpoint_session,
        export_session,
        import_session,
        read_import_file,
        verify_store,
    )
    from .tools.reading import ScopeView, SessionView, read_scope, read_session
    from .tools.rotation import SealedFile, key_status, rotate_keys

# Tooling for stored sessions (the CLI, the analyzer) is imported when first asked for (PEP 562):
# a program that only runs a SessionManager does not pay for it.
_TOOLS = {
    # the sessions of a data directory, the current pointer, the files of a store: what the storage
    # modules behind them cost is paid by the first tool (or the first manager start) that needs them
    **dict.fromkeys(
        (
            "SessionEntry",
            "app_store_paths",
            "list_sessions",
            "read_current",
            "session_paths",
            "sessions_dir",
            "user_store_paths",
            "write_current",
        ),
        "storage.catalog",
    ),
    "StorePaths": "storage.layout",
    # retention, and the history archive that keeps what it removes
    **dict.fromkeys(
        ("KeptSession", "RetentionResult", "apply_retention", "plan_retention", "prune_sessions"),
        "storage.retention",
    ),
    **dict.fromkeys(
        (
            "ArchivedSession",
            "HistoryFile",
            "HistoryListing",
            "HistoryPolicy",
            "expire_history",
            "history_dir",
            "list_history",
            "read_history",
        ),
        "storage.history",
    ),
    # how a session was left (running, ended cleanly, crashed), told from its files by any process
    **dict.fromkeys(("SessionStatus", "session_status"), "storage.status"),
    "LoadReport": "storage.loader",
    **dict.fromkeys(
        (
            "StoreCheck",
            "checkpoint_session",
            "export_session",
            "import_session",
            "read_import_file",
            "verify_store",
        ),
        "maintenance",
    ),
    **dict.fromkeys(("ScopeView", "SessionView", "read_scope", "read_session"), "reading"),
    **dict.fromkeys(("SealedFile", "key_status", "rotate_keys"), "rotation"),
    # the seam for copies elsewhere (backup targets): remote backup and its tools
    **dict.fromkeys(
        ("BackupTarget", "LocalDirectoryTarget", "ObjectInfo", "TargetObject"), "storage.targets"
    ),
    # remote backup (the session-core[remote] extra for S3): imported only when a remote is used
    "S3Target": "remote.s3",
    **dict.fromkeys(("PushResult", "push_remote"), "remote.push"),
    **dict.fromkeys(("PullResult", "PulledKey", "pull_user"), "remote.pull"),
    **dict.fromkeys(("RestoreResult", "pushed_sessions", "restore_session"), "remote.restore"),
    **dict.fromkeys(("RemoteCheck", "verify_remote"), "remote.verify"),
    **dict.fromkeys(("BackupStatus", "backup_status"), "remote.status"),
    **dict.fromkeys(
        ("RemoteSettings", "TargetURL", "open_target", "parse_target_url", "resolve_remote"),
        "remote.settings",
    ),
    # the original tool's state object (SessionManager.current_state), built at its first use
    "SessionState": "model.session_state",
    # the cheap listing of a sessions folder (names, kinds, sizes), for tools reading stored sessions
    **dict.fromkeys(
        ("FoundFile", "ScannedSession", "SessionScan", "StrayFile", "scan_session_files"), "storage.scan"
    ),
}


def __getattr__(name: str) -> Any:
    module = _TOOLS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    path = module if "." in module else f"tools.{module}"  # a tool, or a module of its own
    value = getattr(importlib.import_module(f"{__name__}.{path}"), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


__all__ = [
    "PLAIN",
    "ArchiveError",
    "ArchivedSession",
    "BackupStatus",
    "BackupTarget",
    "Codec",
    "CodecSettings",
    "CommandExecuted",
    "ConfigurationError",
    "CorruptSessionError",
    "DecryptionError",
    "EnvelopeInfo",
    "Event",
    "FoundFile",
    "FsyncPolicy",
    "HistoryFile",
    "HistoryListing",
    "HistoryPolicy",
    "IntegrityError",
    "InvalidKeyError",
    "InvalidSessionIdError",
    "InvalidTargetKeyError",
    "JournalWriteError",
    "KeptSession",
    "Key",
    "KeyConfigurationError",
    "KeyRequiredError",
    "Keyring",
    "LegacySessionError",
    "LimitExceededError",
    "Limits",
    "LoadReport",
    "LoadSummary",
    "LocalDirectoryTarget",
    "NoActiveSessionError",
    "ObjectInfo",
    "PullResult",
    "PulledKey",
    "PushResult",
    "RemoteCheck",
    "RemoteIntegrityError",
    "RemoteKeyError",
    "RemotePlaintextError",
    "RemoteSettings",
    "RestoreResult",
    "RetentionResult",
    "S3Target",
    "SaveError",
    "ScannedSession",
    "ScopeView",
    "SealedFile",
    "SessionEntry",
    "SessionInfo",
    "SessionLockedError",
    "SessionManager",
    "SessionNotFoundError",
    "SessionScan",
    "SessionState",
    "SessionStatus",
    "SessionView",
    "SessionkeeperError",
    "SnapshotFormatError",
    "State",
    "StateScope",
    "StorageError",
    "StoreCheck",
    "StorePaths",
    "StrayFile",
    "TargetAccessError",
    "TargetConflictError",
    "TargetError",
    "TargetMissingError",
    "TargetNotFoundError",
    "TargetObject",
    "TargetPreconditionError",
    "TargetURL",
    "TargetUnavailableError",
    "TaskCompleted",
    "TaskStarted",
    "UnserializableValueError",
    "ValueDecodeError",
    "app_store_paths",
    "apply_retention",
    "backup_status",
    "checkpoint_session",
    "event_from_dict",
    "expire_history",
    "export_session",
    "generate_key",
    "history_dir",
    "import_session",
    "inspect_envelope",
    "key_status",
    "list_history",
    "list_sessions",
    "new_session_id",
    "open_target",
    "parse_target_url",
    "plan_retention",
    "prune_sessions",
    "pull_user",
    "push_remote",
    "pushed_sessions",
    "read_current",
    "read_history",
    "read_import_file",
    "read_key_file",
    "read_scope",
    "read_session",
    "remote_configured",
    "resolve_codec",
    "resolve_data_dir",
    "resolve_history_policy",
    "resolve_key_file",
    "resolve_remote",
    "resolve_user_dir",
    "restore_session",
    "rotate_keys",
    "scan_session_files",
    "session_paths",
    "session_status",
    "sessions_dir",
    "unstructure",
    "user_store_paths",
    "validate_session_id",
    "verify_remote",
    "verify_store",
    "write_current",
    "write_key_file",
]
