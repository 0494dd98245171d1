"""``SessionManager``: the public face of session-core, a facade over its scopes.

Each persistent scope has its own store on disk (SESSION → the session's files in
``<data_dir>/sessions``, USER → ``<user_dir>/user.json``, APP → ``<data_dir>/app.json``), opened for
writing by the first change; reading USER or APP opens nothing (:mod:`.scope_set`). Every change
goes through one write path (:mod:`.scope_store`). Checkpoints (interval, ``checkpoint()``,
``stop()``, signals, exit) compact the journals into snapshots. TEMP lives in memory only.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.config import (
    FsyncPolicy,
    resolve_codec,
    resolve_data_dir,
    resolve_fsync,
    resolve_history_policy,
    resolve_user_dir,
)
from sessionkeeper.core.errors import (
    InvalidKeyError,
    NoActiveSessionError,
    SessionNotFoundError,
)
from sessionkeeper.core.limits import Limits, resolve_limits
from sessionkeeper.core.model.events import Event, encode_event, event_from_stored
from sessionkeeper.core.model.ids import validate_session_id
from sessionkeeper.core.model.info import LoadSummary, SessionInfo
from sessionkeeper.core.model.scopes import StateScope
from sessionkeeper.core.model.state import State
from sessionkeeper.core.model.values import decode_stored, encode_value
from sessionkeeper.core.storage import catalog
from sessionkeeper.core.storage.fs import filesystem

from . import legacy, signals
from .background import Background
from .housekeeping import Housekeeping
from .original_api import OriginalToolAPI
from .scope_set import ScopeSet
from .scope_store import SessionMeta
from .signals import Guard

if TYPE_CHECKING:
    from sessionkeeper.core.remote.replicator import Replicator
    from sessionkeeper.core.remote.settings import RemoteSettings
    from sessionkeeper.core.storage.history import HistoryPolicy
    from sessionkeeper.core.storage.retention import RetentionResult

__all__ = ["SessionManager"]

_MISSING: Any = object()
_SESSION, _TEMP = StateScope.SESSION, StateScope.TEMP
DEFAULT_CHECKPOINT_INTERVAL = 1800.0
DEFAULT_MAX_SESSIONS = 10
DEFAULT_JOURNAL_LIMIT = 64 << 20


def _scope(scope: StateScope | str) -> StateScope:
    if isinstance(scope, StateScope):
        return scope
    try:
        return StateScope(scope)
    except ValueError:
        raise ValueError(f"unknown scope {scope!r}; use StateScope.SESSION, USER, APP or TEMP") from None


class SessionManager(Housekeeping, OriginalToolAPI):
    """Keeps a workflow's state across sessions and crashes.

    ``SessionManager.get_instance()`` returns the process-wide instance the guide uses;
    ``SessionManager(data_dir=..., user_dir=...)`` makes an independent one (tests, embedding).
    """

    _instance: ClassVar[SessionManager | None] = None
    _made: ClassVar[SessionManager | None] = None  # the last instance get_instance() made
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        user_dir: str | os.PathLike[str] | None = None,
        *,
        checkpoint_interval: float = DEFAULT_CHECKPOINT_INTERVAL,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        fsync: FsyncPolicy | str | None = None,
        fsync_interval: float = 1.0,
        journal_limit: int = DEFAULT_JOURNAL_LIMIT,
        handle_signals: bool = True,
        background: bool = True,
        codec: Codec | None = None,
        limits: Limits | None = None,
        history: HistoryPolicy | None = None,
        remote: RemoteSettings | str | bool | None = None,
    ) -> None:
        self.data_dir = resolve_data_dir(data_dir)
        self.user_dir = resolve_user_dir(user_dir)
        # Compression/encryption of everything written; from the environment unless given.
        self.codec = codec if codec is not None else resolve_codec()
        # Sizes and counts a store may reach and still load (see limits.py); from the environment.
        self.limits = limits if limits is not None else resolve_limits()
        # How long the history archive keeps the sessions retention removes; from the environment.
        self.history = history if history is not None else resolve_history_policy()
        self.last_retention: RetentionResult | None = None  # what the last prune() did
        self.fsync = resolve_fsync(fsync)
        if not 0 < fsync_interval <= 1:
            raise ValueError("fsync_interval must be in (0, 1] seconds")
        self.fsync_interval = fsync_interval
        self.journal_limit = journal_limit
        self.handle_signals = handle_signals
        # False: no background thread; checkpoints and group fsync run only when called.
        self.background = background
        self._background: Background | None = None
        # Remote backup in the background (issue 17): None = as SESSIONKEEPER_REMOTE or pyproject's
        # remote say, a URL or RemoteSettings, False = never. Started with the background thread.
        self.remote = remote
        self._replicator: Replicator | None = None
        self._scopes = self._new_scopes(Guard())
        self._checkpoint_interval = DEFAULT_CHECKPOINT_INTERVAL
        self._max_sessions = DEFAULT_MAX_SESSIONS
        self.checkpoint_interval = checkpoint_interval
        self.max_sessions = max_sessions
        self._load: LoadSummary | None = None

    def _new_scopes(self, guard: Guard) -> ScopeSet:
        scopes = ScopeSet(
            self.data_dir, self.user_dir, self.codec, self.limits, guard,
            sync_each=self.fsync is FsyncPolicy.ALWAYS, journal_limit=self.journal_limit,
            wake=self._wake_background, opened=self._opened,
        )  # fmt: skip
        self._stores = scopes.stores  # the hot path's lookup (the dict is only ever emptied)
        return scopes

    @property
    def last_save_error(self) -> str | None:
        """When and why the last checkpoint of this manager failed (None: none did)."""
        return self._scopes.last_save_error

    # -- the singleton ---------------------------------------------------------------------------
    @classmethod
    def get_instance(cls) -> SessionManager:
        """The process-wide manager (the same object on every call), configured from the environment.

        ``SessionManager._instance = None`` (how the original tool's code simulates a restart) makes
        the next call stop the instance it made before — saving what it holds and releasing its
        files, so it writes nothing more — and make a fresh one, which starts or resumes as asked."""
        with cls._instance_lock:
            if cls._instance is None:
                if cls._made is not None:
                    cls._made.stop()
                cls._instance = cls._made = cls()
            return cls._instance

    # -- settings --------------------------------------------------------------------------------
    @property
    def checkpoint_interval(self) -> float:
        """Seconds between automatic checkpoints (default 1800); a change takes effect at once."""
        return self._checkpoint_interval

    @checkpoint_interval.setter
    def checkpoint_interval(self, seconds: float) -> None:
        if not seconds > 0:
            raise ValueError("checkpoint_interval must be a positive number of seconds")
        self._checkpoint_interval = float(seconds)
        self._wake_background()

    @property
    def max_sessions(self) -> int:
        """How many sessions (with their backups) the data directory keeps (default 10)."""
        return self._max_sessions

    @max_sessions.setter
    def max_sessions(self, count: int) -> None:
        if type(count) is not int or count < 1:
            raise ValueError("max_sessions must be a positive integer")
        self._max_sessions = count
        if self._scopes.session is not None:
            self.prune()

    # -- session lifecycle -----------------------------------------------------------------------
    @property
    def session_id(self) -> str | None:
        """The running session's id, or None."""
        session = self._scopes.session
        return session.meta.session_id if session else None

    @property
    def is_running(self) -> bool:
        return self._scopes.session is not None

    def start(self, resume_last: bool = False) -> str:
        """Start a new session (or, with ``resume_last``, resume the latest one if any).

        On a manager that is already running, the running session is kept. Returns its id.
        """
        with self._scopes.guard.exclusive():
            if self._scopes.session is not None:
                return self._scopes.session.meta.session_id
            if resume_last and catalog.list_sessions(self.data_dir):
                return self.resume()
            session_id = self._scopes.fresh_id()
            self._scopes.open_session(SessionMeta(session_id, datetime.now(UTC)), seed=None)
            self._load = LoadSummary(session_id, "new", 0)
            self.prune()
            return session_id

    def resume(self, session_id: str | None = None) -> str:
        """Resume ``session_id``, or the latest session of the data directory; returns the running id.

        A session written by the old tool is continued under a new id (its file is left exactly
        as it is); ``info().load`` says so.
        """
        with self._scopes.guard.exclusive():
            if session_id is None:
                entries = catalog.list_sessions(self.data_dir)
                if not entries:
                    raise SessionNotFoundError(None, str(catalog.sessions_dir(self.data_dir)))
                session_id = entries[-1].session_id
            return self._attach(validate_session_id(session_id)).session_id

    def recover(self, session_id: str) -> LoadSummary:
        """Make ``session_id`` the running session, from its backup if its snapshot is unreadable.

        Returns what was recovered and what had to be dropped (damaged journal bytes, an
        unreadable snapshot).
        """
        with self._scopes.guard.exclusive():
            return self._attach(validate_session_id(session_id))

    def stop(self) -> None:
        """Save everything that changed and release the session's files. Safe to call twice."""
        # The background thread is stopped before taking the lifecycle lock: it may be waiting for
        # that lock to run a checkpoint, and joining it while holding the lock would stall stop().
        background, self._background = self._background, None
        if background is not None:
            background.stop()
        replicator, self._replicator = self._replicator, None
        with self._scopes.guard.exclusive():
            self._scopes.save_all(force=False, ending=True)
            self._scopes.close()
            self._scopes.clear()
            signals.unregister(self)
        if replicator is not None:
            replicator.finish()  # what was just saved, waited for at most remote-interval seconds

    def abandon(self) -> None:
        """Let go of every file and lock without saving, as a process that dies would (what a
        forked child must do with its parent's manager). Every acknowledged write is in the
        journals; ``start()`` or ``resume()`` goes on from them."""
        background, self._background = self._background, None
        if background is not None:
            background.stop()
        self._stop_replicator()
        signals.unregister(self)
        self._forget_after_fork()

    def __enter__(self) -> SessionManager:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- values ----------------------------------------------------------------------------------
    def set(self, key: str, value: Any, scope: StateScope = _SESSION, flush: bool = False) -> None:
        """Store ``value`` under ``key`` in ``scope``.

        For persistent scopes the change is journaled before this returns (it survives a crash
        of the process); with ``flush=True`` it is also on stable storage before this returns.
        Raises :class:`UnserializableValueError` for values a persistent scope cannot hold.
        """
        if scope.__class__ is not StateScope:
            scope = _scope(scope)
        if type(key) is not str:
            raise InvalidKeyError(f"keys are strings, not {type(key).__name__}")
        store = self._stores.get(scope)
        if store is None:
            if scope is _TEMP:
                with self._scopes.guard.lock:
                    self._scopes.temp.set(key, value)
                return
            encode_value(key, value)  # a value that cannot be stored says so before any file opens
            store = self._scopes.for_write(scope)
        store.set(key, value, flush)

    def get(self, key: str, scope: StateScope = _SESSION, default: Any = None) -> Any:
        """The value of ``key`` in ``scope``, or ``default``.

        Persistent values come back as fresh objects: changing them changes nothing stored until
        they are ``set()`` again. TEMP values are the objects that were set.
        """
        if scope.__class__ is not StateScope:
            scope = _scope(scope)
        store = self._stores.get(scope)
        found = (store.values if store else self._scopes.values(scope)).current.get(key, _MISSING)
        if found is _MISSING:
            return default
        return found if scope is _TEMP else decode_stored(found)

    def delete(self, key: str, scope: StateScope = _SESSION, flush: bool = False) -> bool:
        """Remove ``key`` from ``scope``; returns whether it was there."""
        scope = _scope(scope)
        if scope is _TEMP:
            with self._scopes.guard.lock:
                existed = key in self._scopes.temp.current
                if existed:
                    self._scopes.temp.delete(key)
            return existed
        if key not in self._scopes.values(scope).current:
            return False  # nothing to journal: a missing key never opens a store
        return self._scopes.for_write(scope).delete(key, flush)

    def keys(self, scope: StateScope = _SESSION) -> list[str]:
        """The keys of ``scope``, sorted."""
        values = self._scopes.values(_scope(scope))
        with self._scopes.guard.lock:
            names = list(values.current)
        return sorted(names)

    def snapshot(self) -> State:
        """An immutable snapshot of every scope and the event log as they are now."""
        return self._scopes.state()

    # -- events ----------------------------------------------------------------------------------
    def record(self, event: Event, flush: bool = False) -> None:
        """Append ``event`` to the running session's event log (journaled like state)."""
        session = self._scopes.session
        if session is None:
            encode_event(event)  # an event that cannot be stored says so first
            raise NoActiveSessionError("use the SESSION scope")
        session.record(event, flush)

    def events(self) -> list[Event]:
        """The running session's events, oldest first."""
        return [event_from_stored(item) for item in self._scopes.running().events.view()]

    # -- saving ----------------------------------------------------------------------------------
    def checkpoint(self) -> bool:
        """Write a fresh snapshot of the session (and of USER/APP if they changed) now.

        Returns False if a save failed.

        A failed save is logged and kept in ``last_save_error``; the previous snapshot and the
        journal still hold every acknowledged change, and the program goes on.
        """
        with self._scopes.guard.exclusive():
            saved = self._scopes.save_all(force=True)
        self._wake_replicator()
        return saved

    def _scheduled_checkpoint(self) -> None:
        self._scopes.scheduled_checkpoint()
        self._wake_replicator()

    def sync(self) -> None:
        """Make every write acknowledged so far durable now (fsync of the journals, as a
        ``flush=True`` write does), whatever the fsync policy. Raises :class:`JournalWriteError`
        if the disk refuses; the next checkpoint then rewrites the state from memory."""
        self._scopes.sync()

    # -- information -----------------------------------------------------------------------------
    def info(self) -> SessionInfo:
        """A description of the manager and its running session."""
        session = self._scopes.session
        meta = session.meta if session else None
        return SessionInfo(
            session_id=meta.session_id if meta else None,
            running=meta is not None,
            started_at=meta.started_at if meta else None,
            last_checkpoint=self._scopes.last_checkpoint_at,
            resumed_from=meta.resumed_from if meta else None,
            data_dir=str(self.data_dir),
            user_dir=str(self.user_dir),
            keys=self._scopes.key_counts(),
            events=len(session.events) if session else 0,
            journal_bytes=session.writer.journal_size if session else 0,
            snapshot_bytes=(filesystem().file_size(session.writer.paths.snapshot) or 0) if session else 0,
            checkpoint_interval=self._checkpoint_interval,
            max_sessions=self._max_sessions,
            fsync=self.fsync.value,
            last_save_error=self.last_save_error,
            load=self._load,
        )

    # -- internals -------------------------------------------------------------------------------
    def _attach(self, session_id: str) -> LoadSummary:
        paths = catalog.session_paths(self.data_dir, session_id)
        if not paths.exists():
            raise SessionNotFoundError(session_id, str(paths.directory))
        if self._scopes.session is not None:
            self.stop()
        probe = legacy.legacy_session(paths, self.codec, self.limits)
        if probe is not None and probe.document is not None:  # history: continued under a new id
            new_id = self._scopes.fresh_id()
            self._scopes.open_session(SessionMeta(new_id, datetime.now(UTC), session_id), probe.document)
            self._load = legacy.carry_over(self, session_id, new_id, probe)
        else:
            self._load = self._scopes.reopen_session(session_id)
        return self._load

    def _opened(self) -> None:
        """A store opened for writing: checkpoints and group fsync run in the background, and
        signals and exit save."""
        if self._background is None and self.background:
            scopes = self._scopes
            self._background = Background(
                "sessionkeeper-checkpoint",
                (lambda: scopes.sync(report=True)) if self.fsync is FsyncPolicy.INTERVAL else None,
                self.fsync_interval,
                self._scheduled_checkpoint,
                lambda: scopes.next_checkpoint_in(self._checkpoint_interval, self.journal_limit),
            )
        self._start_replicator()
        signals.register(self, handle_signals=self.handle_signals)

    def _wake_background(self) -> None:
        if self._background is not None:
            self._background.wake()

    def _save_for_signal(self) -> bool:
        """Save for a signal handler; False: not now (see :meth:`Guard.save_for_signal`)."""
        return self._scopes.guard.save_for_signal(lambda: self._scopes.save_all(force=False))

    def _forget_after_fork(self) -> None:
        """In a forked child: drop the parent's descriptors and locks; start() or resume() again."""
        self._scopes.abandon()
        self._background = None
        self._replicator = None  # a thread of the parent: the child has none
        self._scopes = self._new_scopes(Guard())
