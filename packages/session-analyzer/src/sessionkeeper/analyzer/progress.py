"""A progress bar on stderr for long runs: only on a terminal, only after a moment, never in --quiet.

Short runs print nothing (the bar appears after ``delay`` seconds), redirected output gets no
control characters, and the bar erases itself when done so the report starts on a clean line.
"""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Counts work done and draws ``label [####....] done/total`` on ``stream`` (a terminal)."""

    def __init__(self, stream: TextIO, *, label: str = "", enabled: bool = True, delay: float = 0.5) -> None:
        self._stream = stream
        self._label = label
        self._enabled = enabled and _is_terminal(stream)
        self._delay = delay
        self._total = 1
        self._next_draw = time.monotonic() + delay
        self._done = 0
        self._drawn = False

    @property
    def enabled(self) -> bool:
        return self._enabled

    def start(self, total: int) -> None:
        """Begin counting ``total`` items; the bar appears only if they take longer than the delay."""
        self._total = max(total, 1)
        self._done = 0
        self._next_draw = time.monotonic() + self._delay

    def advance(self, count: int = 1) -> None:
        """Note ``count`` more items done; redraws at most ten times a second."""
        self._done += count
        if not self._enabled:
            return
        now = time.monotonic()
        if now >= self._next_draw:
            self._next_draw = now + 0.1
            self._draw()

    def _draw(self) -> None:
        width = 30
        filled = min(width, width * self._done // self._total)
        bar = "#" * filled + "." * (width - filled)
        self._stream.write(f"\r{self._label} [{bar}] {self._done}/{self._total}")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Erase the bar, if one was drawn."""
        if self._drawn:
            self._stream.write("\r" + " " * (len(self._label) + 50) + "\r")
            self._stream.flush()
            self._drawn = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False
