"""Writing to the terminal: one place that decides how text reaches stdout and stderr.

Every line goes through :func:`out` or :func:`err` (tables through rich, which writes to the same
``sys.stdout``), so the streams are configured once: a console that cannot encode a character
(``LANG=C`` on an old system, ``PYTHONIOENCODING=ascii`` or ``latin-1``) gets a replacement
character instead of a ``UnicodeEncodeError`` in the middle of a command.
"""

from __future__ import annotations

import io
import os
import sys

from . import messages

__all__ = ["configure_streams", "err", "out", "route_core_warnings", "silence_stdout", "warn"]


def configure_streams() -> None:
    """Make stdout and stderr degrade instead of crash on characters they cannot encode."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


def out(text: str = "") -> None:
    """One line (or several) of a command's result, on stdout."""
    sys.stdout.write(f"{text}\n")


def err(text: str) -> None:
    """One line on stderr (errors and warnings); flushed so it is ordered with stdout."""
    sys.stdout.flush()
    sys.stderr.write(f"{_one_line(text)}\n")
    sys.stderr.flush()


def warn(text: str) -> None:
    """A warning line on stderr: the command goes on."""
    err(messages.text("warning", message=text))


def route_core_warnings() -> None:
    """Show core's log warnings (a salvaged store, a failed save) as warning lines, once each.

    Without a handler, Python would print them through its last-resort handler, unformatted.
    """
    import logging  # core has imported it already whenever a manager exists

    class WarningLines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warn(record.getMessage())

    logger = logging.getLogger("sessionkeeper.core")
    if not any(type(handler).__name__ == "WarningLines" for handler in logger.handlers):
        logger.addHandler(WarningLines(logging.WARNING))
        logger.propagate = False


def silence_stdout() -> None:
    """After a broken pipe (``session list | head -1``): send whatever is still buffered nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _one_line(text: str) -> str:
    # Messages built from exceptions can carry newlines (a JSON error, a path); stderr gets one line.
    return " ".join(text.split())
