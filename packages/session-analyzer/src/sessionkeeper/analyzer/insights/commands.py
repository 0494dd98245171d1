"""What counts as "the same command": the key a command line's runs are grouped under.

A flaky command is one whose outcome changes with no change in what was run, so the key must
keep everything that changes what runs (program, arguments, paths, options) and fold only what
differs between two runs of the same thing: runs of spaces, and the identifiers and times a
runner puts into a command line (UUIDs, long hex ids, session ids, ISO dates and times, numbered
temporary paths such as ``/tmp/tmpab12cd``). Numbers stay: ``pytest -n 4`` and ``pytest -n 8``
are different commands. Secrets were redacted before the command was stored (session-hooks), so
``--token [REDACTED]`` runs group together as well.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["MAX_COMMAND", "command_key"]

MAX_COMMAND: Final = 300  # characters of a key: a label in a report, not the whole script

_FOLDS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"\bsession_\d{8}_\d{6}_[0-9a-f]{8}\b"), "<id>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<id>"),
    (re.compile(r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b"), "<id>"),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
        ),
        "<time>",
    ),
    (re.compile(r"(?<![\w/])/tmp/[\w.-]*\d[\w.-]*"), "/tmp/<tmp>"),  # noqa: S108 - a placeholder, no file
)
_SPACES: Final = re.compile(r"\s+")


def command_key(command: str) -> str:
    """The key of ``command`` (see the module docstring); ``"?"`` for an empty line."""
    text = _SPACES.sub(" ", command[:4096]).strip()
    if any(ch.isdigit() for ch in text):
        for pattern, placeholder in _FOLDS:
            text = pattern.sub(placeholder, text)
    if len(text) > MAX_COMMAND:
        text = text[: MAX_COMMAND - 1] + "…"
    return text or "?"
