"""The per-manager background thread: group fsync of the journal and periodic checkpoints.

It is a daemon thread, so it never keeps the process alive; the final save happens in the exiting
thread (``stop()`` or the atexit handler), never here. Every write it makes is atomic, so dying
mid-write is harmless.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sessionkeeper.core.log import log

__all__ = ["Background"]


class Background:
    """Runs ``sync`` every ``sync_interval`` seconds and ``checkpoint`` when ``due`` says so."""

    def __init__(
        self,
        name: str,
        sync: Callable[[], None] | None,
        sync_interval: float,
        checkpoint: Callable[[], None],
        next_checkpoint_in: Callable[[], float],
    ) -> None:
        self._sync = sync
        self._sync_interval = sync_interval
        self._checkpoint = checkpoint
        self._next_checkpoint_in = next_checkpoint_in
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Re-evaluate the schedule now (interval changed, journal grew past its bound)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping:
            wait = self._next_checkpoint_in()
            if self._sync is not None:
                wait = min(wait, self._sync_interval)
            self._wake.wait(max(wait, 0.01))
            self._wake.clear()
            if self._stopping:
                return
            self._step()

    def _step(self) -> None:
        try:
            if self._sync is not None:
                self._sync()
            if self._next_checkpoint_in() <= 0:
                self._checkpoint()
        except Exception:  # the thread must survive anything; errors are reported by the callees
            log().exception("sessionkeeper background task failed")
            time.sleep(0.1)
