"""Long output through a pager when stdout is a terminal, as git does; never when it is piped.

The pager is ``$SESSION_PAGER``, else ``$PAGER``, else ``less``; ``less`` gets ``LESS=FRX`` unless
``LESS`` is set (quit when the text fits one screen, keep colours, leave the text on the screen).
An empty ``SESSION_PAGER`` or ``PAGER`` (or ``cat``) turns paging off, as does ``--no-pager``.
A pager that cannot be started is skipped: the text is printed as it would have been.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator

__all__ = ["paged"]


def _command() -> list[str] | None:
    raw = os.environ.get("SESSION_PAGER", os.environ.get("PAGER", "less"))
    try:
        words = shlex.split(raw)
    except ValueError:
        return None
    return words if words and words[0] != "cat" else None


@contextlib.contextmanager
def paged(enabled: bool = True) -> Iterator[None]:
    """Collect what the block writes to stdout and show it through the pager, if stdout is a
    terminal and paging is ``enabled``; otherwise the block writes straight to stdout."""
    command = _command() if enabled and sys.stdout.isatty() else None
    if command is None:
        yield
        return
    real, buffer = sys.stdout, io.StringIO()
    # Tables measure the terminal through sys.stdout: keep its width while it is a buffer.
    width = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = width or str(shutil.get_terminal_size().columns)
    sys.stdout = buffer
    try:
        yield
    finally:
        sys.stdout = real
        if width is None:
            del os.environ["COLUMNS"]
    _show(command, buffer.getvalue())


def _show(command: list[str], text: str) -> None:
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    data = text.encode(sys.stdout.encoding or "utf-8", errors="replace")
    try:
        pager = subprocess.Popen(command, stdin=subprocess.PIPE, env=env)
    except OSError:  # no such pager: print as if there were none
        sys.stdout.write(text)
        return
    assert pager.stdin is not None
    with contextlib.suppress(BrokenPipeError):  # the reader quit the pager early (q)
        pager.stdin.write(data)
        pager.stdin.close()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C belongs to the pager while it runs
        pager.wait()
