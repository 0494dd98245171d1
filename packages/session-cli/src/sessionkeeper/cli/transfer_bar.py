"""A progress bar on stderr for long transfers (``session backup push``, ``restore``, ``pull``).

Only on a terminal (redirected stderr, ``--json`` runs in scripts and CI logs get no control
characters), only once a transfer has taken longer than ``delay`` (a push of a few objects prints
nothing), and transient: it erases itself, so the command's own report starts on a clean line.
Core reports progress through a plain ``(done_bytes, total_bytes)`` callback, called from the
thread that runs the transfer.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["ProgressCallback", "transfer_bar"]

ProgressCallback = Callable[[int, int], None]


class _Bar:
    def __init__(self, label: str, stream: TextIO, delay: float) -> None:
        self.label = label
        self.stream = stream
        self.shown_after = time.monotonic() + delay
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def update(self, done: int, total: int) -> None:
        if self.progress is None:
            if time.monotonic() < self.shown_after or total <= 0 or done >= total:
                return
            self._start()
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=done, total=total)

    def _start(self) -> None:
        # rich is imported only when a bar is drawn: a short push pays nothing for it.
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        console = Console(file=self.stream, highlight=False, markup=False, emoji=False)
        self.progress = Progress(
            TextColumn(self.label),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task(self.label, total=None)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


@contextmanager
def transfer_bar(
    label: str, *, stream: TextIO | None = None, delay: float = 0.5
) -> Iterator[ProgressCallback | None]:
    """A ``(done, total)`` callback drawing a bar labelled ``label`` on ``stream`` (stderr), or None
    when ``stream`` is not a terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if not terminal:
        yield None
        return
    bar = _Bar(label, stream, delay)
    try:
        yield bar.update
    finally:
        bar.close()
