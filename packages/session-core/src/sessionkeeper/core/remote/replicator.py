"""Replication in the background: a running manager pushes its data directory every
``remote-interval`` seconds (default 5), on a daemon thread of its own.

It never touches the write path: a push reads the stores' files without any lock (see
:mod:`.local`), so ``set()`` neither waits for it nor fails because of it. A remote that is down,
slow or refusing only makes pushes fail: the failure is kept in ``remote.d/state.json`` (``session
backup status``, ``session info``), logged once when it starts and once when it ends, and the next
attempt waits longer (the interval doubled per failure in a row, up to :data:`MAX_BACKOFF`). The
backlog is the local stores themselves — nothing is copied aside while the remote is away, so
waiting costs no disk and loses nothing: the next push sends the stores as they are then (the
intermediate states are not kept as separate pushes). Another process pushing the same data
directory (its own manager, ``session backup push``) makes a round skip, never wait.

A checkpoint wakes the thread: the new snapshot is pushed right away, though never sooner than
:data:`MIN_GAP` after the previous push began and never while backing off. ``stop()`` pushes one
last time what the manager saved on its way out, waiting for it at most ``remote-interval``
seconds (:meth:`Replicator.finish`): a remote that is down or slow never holds up a stop for
longer, and what the last push did not send goes with the next one (another run, ``session backup
push``). A manager stopped before its thread tried a first push (half a second: a command line's
``session set``) stops without one, so a short command never waits for the network.

The thread is a daemon: a process that exits mid-push leaves the remote as a killed push does
(every manifest restorable; the next push resumes).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import ConfigurationError, SessionkeeperError, SessionLockedError
from sessionkeeper.core.log import log

from .push import push_remote
from .settings import RemoteSettings, parse_target_url, resolve_remote
from .status import backup_status

__all__ = ["MAX_BACKOFF", "MIN_GAP", "Replicator", "start_replicator"]

MAX_BACKOFF = 300.0  # seconds between attempts at most while the remote keeps failing
MIN_GAP = 1.0  # seconds between the starts of two pushes at least (checkpoints in a burst: one push)


class Replicator:
    """Pushes ``data_dir`` (and the USER store of ``user_dir``) to ``remote`` every interval."""

    def __init__(
        self,
        data_dir: Path,
        user_dir: Path | None,
        remote: RemoteSettings,
        codec: Codec,
        *,
        first: float = 0.5,
    ) -> None:
        self.data_dir, self.user_dir, self.remote, self.codec = data_dir, user_dir, remote, codec
        self.failures = 0
        self.last_error: str | None = None
        self.last_success: float | None = None  # time.monotonic() of the last good push
        self.pushes = 0
        self.attempts = 0  # pushes begun (skipped ones included)
        self.backlog_warned = False  # the backlog passed its bound and it was logged (until a push works)
        self._wake = threading.Event()
        self._stopping = False
        self._now = False  # woken to push at once (wake(now=True))
        self._final = False  # stopping: push once more first (finish())
        self._last_start = -MIN_GAP  # time.monotonic() when the last push began
        self._first = first
        self._thread = threading.Thread(target=self._run, name="sessionkeeper-replicate", daemon=True)
        self._thread.start()

    def wake(self, *, now: bool = False) -> None:
        """Push soon (a checkpoint wrote a new snapshot): at once, or :data:`MIN_GAP` after the
        previous push began; a wake while backing off from failures changes nothing. ``now``: push
        at once whatever the backoff (a caller knows the remote is back)."""
        self._now = self._now or now
        self._wake.set()

    def stop(self, timeout: float = 0.5) -> None:
        """Start no other push; wait at most ``timeout`` seconds for one in progress (a slow remote
        never holds up ``stop()``: a push cut short by the exit is harmless, as a killed one is)."""
        self._stopping = True
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def finish(self, timeout: float | None = None) -> bool:
        """Push once more (after the one in progress, if any) and stop; wait for it at most
        ``timeout`` seconds (None: ``remote-interval``). True if that last push was made and worked;
        False leaves it to the thread (a daemon) while the process lives, then to the next run.

        A replicator that never tried a push (stopped within its first half second: a command
        line's ``session set``) stops without one: a short command never waits for the network;
        its changes go with the next push."""
        pushes = self.pushes
        self._final = self.attempts > 0
        self.stop(self.remote.interval if timeout is None else timeout)
        return not self._thread.is_alive() and self.pushes > pushes and self.failures == 0

    def next_wait(self) -> float:
        """Seconds until the next attempt: the interval, doubled per failure in a row."""
        if not self.failures:
            return self.remote.interval
        return min(MAX_BACKOFF, self.remote.interval * float(2 ** min(self.failures, 16)))

    def _run(self) -> None:
        deadline = time.monotonic() + self._first
        while not self._stopping:
            woken = self._wake.wait(max(0.0, deadline - time.monotonic()))
            if self._stopping:
                break
            if woken:
                self._wake.clear()
                if self._now:
                    self._now, deadline = False, time.monotonic()
                elif not self.failures:  # a checkpoint: soon, never a push per checkpoint in a burst
                    deadline = min(deadline, self._last_start + MIN_GAP)
                if time.monotonic() < deadline:
                    continue
            self._last_start = time.monotonic()
            self.attempts += 1
            self.push_once()
            deadline = time.monotonic() + self.next_wait()
        if self._final:
            self.push_once()

    def push_once(self) -> bool:
        """One push (skipped if another one of this data directory is running); True if it worked."""
        try:
            push_remote(self.data_dir, self.user_dir, self.remote, self.codec, lock_timeout=0)
        except SessionLockedError:
            return False  # another process is pushing these very files: its push counts
        except (SessionkeeperError, OSError) as exc:
            self.failures += 1
            message = str(exc)
            if self.failures == 1 or message != self.last_error:
                log().warning(
                    "sessionkeeper: remote backup to %s failed (local saving goes on; next try in "
                    "%.0f s): %s",
                    self.remote.url,
                    self.next_wait(),
                    message,
                )
            self.last_error = message
            self._check_backlog()
            return False
        except Exception:  # a bug must not kill the thread silently, nor the program
            self.failures += 1
            log().exception("sessionkeeper: remote backup failed")
            return False
        if self.failures:
            log().warning("sessionkeeper: remote backup to %s works again", self.remote.url)
        self.failures = 0
        self.last_error = None
        self.backlog_warned = False
        self.last_success = time.monotonic()
        self.pushes += 1
        return True

    def _check_backlog(self) -> None:
        """After a failed push: one warning when the backlog passes its bound (see :mod:`.status`)."""
        if self.backlog_warned:
            return
        try:
            status = backup_status(self.data_dir, self.user_dir, self.remote)
        except (SessionkeeperError, OSError):
            return
        if status is None or not status.over_bound:
            return
        self.backlog_warned = True
        lag = "never" if status.lag_seconds is None else f"{status.lag_seconds:.0f} s ago"
        log().warning(
            "sessionkeeper: remote backup to %s is behind its bound: %d object(s), %d bytes waiting, "
            "last success %s (bound: %d bytes, or %.0f s with anything waiting); local saving goes "
            "on, and the backlog is sent when the remote is back",
            self.remote.url,
            status.backlog_objects,
            status.backlog_bytes,
            lag,
            status.bound_bytes,
            status.bound_lag_seconds,
        )


def start_replicator(
    data_dir: Path, user_dir: Path | None, codec: Codec, remote: RemoteSettings | str | bool | None
) -> Replicator | None:
    """A running :class:`Replicator` for a manager's ``remote`` argument (None: as configured; a
    URL; settings), or None when there is no remote. A configuration that cannot be used is
    logged, not raised: remote backup never stops local saving."""
    try:
        if isinstance(remote, RemoteSettings):
            settings: RemoteSettings | None = remote
        elif isinstance(remote, str):
            configured = resolve_remote(None)
            settings = (
                resolve_remote(remote)
                if configured is None
                else attrs.evolve(configured, url=parse_target_url(remote, "remote"), origin="remote=")
            )
        else:
            settings = resolve_remote(None)
    except ConfigurationError as exc:
        log().error("sessionkeeper: remote backup is off: %s", exc)
        return None
    if settings is None:
        return None
    return Replicator(data_dir, user_dir, settings, codec)
