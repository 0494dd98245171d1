"""Saving on SIGINT, SIGTERM and at exit, for every running manager of the process.

Nothing is installed at import. The first store a manager opens for writing (``start()``, a first
change to USER or APP), from the main thread, installs one handler
per signal, which saves every running manager and then hands the signal on: to the handler the
program had installed before (chained, never silently replaced) or to the default behaviour
(``KeyboardInterrupt`` for SIGINT; death by SIGTERM, exit status 143, for SIGTERM). From another
thread nothing is installed and nothing fails. One atexit callback stops every manager still
running (saving once). After ``fork()`` the child forgets the parent's managers' files and locks.

A handler runs in the main thread between two bytecodes, so it may interrupt that very thread in
the middle of a write or a checkpoint. Each manager's :class:`Guard` knows which threads are inside
such a critical section; saving then waits until the section ends (:func:`deliver_pending`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, Protocol

from sessionkeeper.core.log import log

__all__ = ["Guard", "Saver", "deliver_pending", "pending", "register", "unregister"]

_SIGNAL_LOCK_WAIT = 2.0
_get_ident = threading.get_ident


class Saver(Protocol):
    def _save_for_signal(self) -> bool: ...
    def stop(self) -> None: ...
    def _forget_after_fork(self) -> None: ...


class Guard:
    """One manager's locks, and which of its threads are inside a critical section.

    ``lock`` guards the manager's values and journal appends (never re-entered); ``lifecycle``
    serialises start/stop/resume/checkpoint. A thread is marked (in ``writing`` for a write, in
    ``depth`` for lifecycle work) *before* it takes a lock: a signal landing between taking the
    lock and marking would otherwise wait for a lock its own thread holds.
    """

    __slots__ = ("depth", "lifecycle", "lock", "writing")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lifecycle = threading.RLock()
        self.writing: dict[int, bool] = {}  # thread id -> inside a write (the hot path marks it)
        self.depth: dict[int, int] = {}  # thread id -> nesting of exclusive()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """The lifecycle lock, marked with its thread; pending signals are handled on leaving."""
        me = _get_ident()
        depth = self.depth
        depth[me] = depth.get(me, 0) + 1
        try:
            with self.lifecycle:
                yield
        finally:
            depth[me] -= 1
            outermost = depth[me] == 0
            if outermost:
                del depth[me]
        if outermost and pending:
            deliver_pending()

    def save_for_signal(self, save: Callable[[], object]) -> bool:
        """Run ``save`` for a signal handler; False means "not now": this thread is inside a
        critical section, and the signal is delivered again when it leaves it."""
        me = _get_ident()
        if me in self.writing or me in self.depth:
            return False
        # Another thread may hold the locks for a moment (a background checkpoint): wait a little.
        if not self.lock.acquire(timeout=_SIGNAL_LOCK_WAIT):
            return True  # the journal already holds every acknowledged write
        self.lock.release()
        if self.lifecycle.acquire(timeout=_SIGNAL_LOCK_WAIT):
            try:
                save()
            finally:
                self.lifecycle.release()
        return True


_managers: weakref.WeakSet[Any] = weakref.WeakSet()
# Signals whose handling waits for a manager to leave a critical section of the main thread.
pending: list[int] = []
_previous: dict[int, Any] = {}
_process_hooks_installed = False
_guard = threading.Lock()


def register(manager: Saver, *, handle_signals: bool) -> None:
    global _process_hooks_installed  # noqa: PLW0603 - process-wide hooks, installed once
    with _guard:
        _managers.add(manager)
        if not _process_hooks_installed:
            import atexit  # imported with the first manager that opens a store

            atexit.register(_at_exit)
            if hasattr(os, "register_at_fork"):  # POSIX only
                os.register_at_fork(after_in_child=_after_fork_in_child)
            _process_hooks_installed = True
    if handle_signals and threading.current_thread() is threading.main_thread():
        _install_signal_handlers()


def unregister(manager: Saver) -> None:
    with _guard:
        _managers.discard(manager)


def _install_signal_handlers() -> None:
    import signal  # imported with the first start() from the main thread

    for signum in (signal.SIGINT, signal.SIGTERM):
        current = signal.getsignal(signum)
        if current is _handle:
            continue
        try:
            signal.signal(signum, _handle)
        except (ValueError, OSError):  # not the main interpreter, or an embedding that forbids it
            continue
        _previous[signum] = current


_saving = False  # a save for a signal is running: a signal arriving meanwhile waits its turn


def _handle(signum: int, frame: FrameType | None) -> None:
    import signal  # already imported by _install_signal_handlers: a lookup
    global _saving  # noqa: PLW0603 - signal handlers share process-wide state by nature
    if _saving:
        if signum not in pending:
            pending.append(signum)
        return
    deferred = False
    _saving = True
    try:
        for manager in list(_managers):
            try:
                deferred = not manager._save_for_signal() or deferred
            except Exception:  # saving must never stop the signal from doing its job
                log().exception("sessionkeeper: saving on signal %s failed", signum)
    finally:
        _saving = False
    if deferred:  # the interrupted code is inside a manager's critical section: finish it first
        if signum not in pending:
            pending.append(signum)
        return
    previous = _previous.get(signum, signal.SIG_DFL)
    if callable(previous):
        handler: Callable[[int, FrameType | None], Any] = previous
        handler(signum, frame)
    elif previous == signal.SIG_IGN:
        return
    else:  # SIG_DFL (or unknown): behave exactly as if we had never been there
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def deliver_pending() -> None:
    """Handle signals that arrived inside a critical section; called when one is left."""
    if threading.current_thread() is not threading.main_thread():
        return  # the signal belongs to the main thread (KeyboardInterrupt must surface there)
    for _ in range(len(pending)):  # a signal deferred again waits for the next exit, no busy loop
        if pending:
            _handle(pending.pop(0), None)


def _at_exit() -> None:
    for manager in list(_managers):
        try:
            manager.stop()
        except Exception:
            log().exception("sessionkeeper: saving at exit failed")


def _after_fork_in_child() -> None:
    for manager in list(_managers):
        manager._forget_after_fork()
    _managers.clear()
    pending.clear()
