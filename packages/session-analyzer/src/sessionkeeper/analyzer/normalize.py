"""Folding error messages and command lines into what repeats.

``normalize_error`` folds what changes from one occurrence of an error to the next — URLs, paths,
ids (UUIDs, hex ids, session ids), dates and times, numbers — into placeholders, and leaves
ordinary words alone: ``I/O``, ``TCP/IP`` and ``and/or`` are words, not paths, and ``utf8``,
``x86_64`` or ``sha256`` keep their digits (a number is folded only when it stands alone).

Names keep their words but not their serial numbers (``TEST-06``, ``user_42`` -> ``TEST-<n>``,
``user_<n>``).

``program_name`` is the program a command line runs: its first word after any ``NAME=value``
assignments, without its directory.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["MAX_MESSAGE", "normalize_error", "program_name"]

MAX_MESSAGE: Final = 200  # a normalised message is a label; stack traces are cut here
_MAX_INPUT: Final = 4096  # only the head of a long message is looked at

# Order matters: a URL or path may hold dates and numbers, a time holds numbers.
_RULES: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+"), "<url>"),
    (re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"), "<time>"),  # 10/26/2025, before it looks like a path
    (re.compile(r"\b[A-Za-z]:\\[^\s'\"<>|]*"), "<path>"),  # C:\Users\...
    # /abs, ~/x, ./x, ../x — a slash that starts a token ("I/O" has a letter before its slash)
    (re.compile(r"(?<![\w/.~-])(?:~|\.{1,2})?/[^\s'\"<>()\[\],;:]+"), "<path>"),
    # relative paths with two separators (a/b/c) or one and a file extension (src/x.py)
    (re.compile(r"\b[\w.-]+(?:/[\w.-]+){2,}/?"), "<path>"),
    (re.compile(r"\b[\w.-]+/[\w-]*\.[A-Za-z][A-Za-z0-9]{0,7}\b"), "<path>"),
    (re.compile(r"\bsession_\d{8}_\d{6}_[0-9a-f]{8}\b"), "<id>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<id>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<id>"),
    (re.compile(r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b"), "<id>"),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
        ),
        "<time>",
    ),
    (re.compile(r"\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\b"), "<time>"),
    # the number of a name: TEST-06, user_42 (two digits or more: utf-8 and sha-1 stay words)
    (re.compile(r"(?<=[A-Za-z][-_])\d{2,}(?!\d)(?![A-Za-z_]*\d)"), "<n>"),
    # a number standing alone: not part of a word (utf8, x86_64, v2), maybe with a unit after it
    (
        re.compile(r"(?:(?<![^\s(\[=:,])[-+])?(?<![\w.])(?<![A-Za-z]-)\d+(?:[.,]\d+)*(?!\d)(?![A-Za-z_]*\d)"),
        "<n>",
    ),
)
_SPACES: Final = re.compile(r"\s+")
_ASSIGNMENT: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=\S*")


def normalize_error(message: str) -> str:
    """The repeatable part of an error message (see the module docstring)."""
    text = message[:_MAX_INPUT]
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    return text


def program_name(command: str) -> str:
    """The program ``command`` runs (``"FOO=1 /usr/bin/python -m x"`` -> ``"python"``)."""
    words = command[:_MAX_INPUT].split()
    for word in words:
        if _ASSIGNMENT.fullmatch(word):
            continue
        name = word.strip("'\"").rstrip("/").rsplit("/", 1)[-1]
        return name[:64] or "?"
    return "?"
