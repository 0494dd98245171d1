"""Writing to the terminal: one place that decides how text reaches stdout and stderr.

Every line goes through :func:`out` or :func:`err` (tables through rich, which writes to the same
``sys.stdout``), so the streams are configured once: a console that cannot encode a character
(``LANG=C`` on an old system, ``PYTHONIOENCODING=ascii`` or ``latin-1``) gets a replacement
character instead of a ``UnicodeEncodeError`` in the middle of a command.

Colour is decided here too, once per stream: ``--color always|never`` wins; otherwise (``auto``)
there is colour only when the stream is a terminal, ``NO_COLOR`` is unset or empty
(https://no-color.org) and ``TERM`` is not ``dumb``. :func:`paint` is the one place that writes
escape codes; rich tables follow the same decision (:mod:`.render`).
"""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO

from . import messages

__all__ = [
    "COLOR_CHOICES",
    "STYLES",
    "color_enabled",
    "configure_streams",
    "err",
    "failure",
    "out",
    "paint",
    "route_core_warnings",
    "set_color",
    "silence_stdout",
    "warn",
]

COLOR_CHOICES = ("auto", "always", "never")

# Named styles as SGR parameters: what a word means, not how it looks, is chosen by the caller.
STYLES: dict[str, str] = {
    "good": "32",  # green: ok, ended cleanly
    "bad": "1;31",  # bold red: DAMAGED, crashed, "Error:"
    "warn": "33",  # yellow: locked, "warning:", "hint:"
    "active": "36",  # cyan: running, in use
    "muted": "2",  # dim: absent, not created yet
}

_color_choice = "auto"


def configure_streams() -> None:
    """Make stdout and stderr degrade instead of crash on characters they cannot encode."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


def set_color(choice: str) -> None:
    """``auto`` (the default), ``always`` or ``never`` for the rest of the run (``--color``)."""
    global _color_choice  # noqa: PLW0603 - one choice per run, made before any output
    if choice not in COLOR_CHOICES:
        raise ValueError(f"--color must be one of {', '.join(COLOR_CHOICES)}, not {choice!r}")
    _color_choice = choice


def color_enabled(stream: TextIO | None = None) -> bool:
    """Whether text written to ``stream`` (default stdout) gets colour."""
    if _color_choice != "auto":
        return _color_choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    target = sys.stdout if stream is None else stream
    try:
        return target.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def paint(text: str, style: str, stream: TextIO | None = None) -> str:
    """``text`` in the named :data:`STYLES` ``style`` when ``stream`` (default stdout) gets colour."""
    code = STYLES.get(style)
    if code is None or not text or not color_enabled(stream):
        return text
    return f"\x1b[{code}m{text}\x1b[0m"


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
    err(_prefixed("warning", "warn", message=text))


def failure(message: str, hint: str | None = None) -> None:
    """The error line of a failed command on stderr, and a ``hint:`` line with the obvious next
    command when there is one."""
    err(_prefixed("error", "bad", message=message))
    if hint:
        err(_prefixed("hint", "warn", text=hint))


def _prefixed(message_id: str, style: str, **values: str) -> str:
    """A catalogue line whose words before the value ("Error:", "hint:") are painted for stderr."""
    (name,) = values
    line = messages.text(message_id, **{name: "\0"})
    before, _, after = line.partition("\0")
    return paint(before.rstrip(), style, sys.stderr) + before[len(before.rstrip()) :] + values[name] + after


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
