"""Which session a ``SESSION_ID`` argument means: whole ids, short ids as git takes short hashes,
``latest`` and ``current``.

Every command that takes a session id goes through :func:`resolve` (from the argument's type,
:class:`~sessionkeeper.cli.commands.options.SessionIdType`), so they all accept the same forms:

* ``current``: the data directory's current session; ``latest``: the session started last;
* a whole id, ``session_20261125_001423_75b26fb7``: taken as it is (core says if there is none);
* at least :data:`MIN_HEX` hex digits from the start of the random part (``75b2``), or any start of
  the whole id (``session_20261125``): the one session it matches. A prefix that matches several is
  an error listing them; one that matches none says so.

Anything else is handed on unchanged, and core refuses it as an invalid id before any file is
touched (``../../etc/passwd`` never reaches the file system). Matching reads only the names in
the sessions folder.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import messages
from .errors import CliError

if TYPE_CHECKING:
    from .context import Settings

__all__ = ["CURRENT", "LATEST", "MAX_LISTED", "MIN_HEX", "is_id_prefix", "matches", "resolve"]

CURRENT = "current"
LATEST = "latest"
MIN_HEX = 4  # as git's shortest abbreviation: fewer digits would match by accident
MAX_LISTED = 8  # candidates named in an ambiguity error (one line)

_RANDOM_START = len("session_YYYYMMDD_HHMMSS_")
_HEX = re.compile(r"[0-9a-fA-F]+")
_WHOLE_ID = re.compile(r"session_[0-9]{8}_[0-9]{6}_[0-9a-f]{8}")
# What may stand at each position of an id: "s" literal ... "9" a digit, "f" a hex digit.
_SHAPE = "session_99999999_999999_ffffffff"


def is_id_prefix(text: str) -> bool:
    """Whether ``text`` is the start of some well-formed id (``session_2026``, ``session_``)."""
    if not text or len(text) > len(_SHAPE):
        return False
    for char, shape in zip(text, _SHAPE, strict=False):
        if shape == "9":
            if not char.isdigit() or not char.isascii():
                return False
        elif shape == "f":
            if char not in "0123456789abcdef":
                return False
        elif char != shape:
            return False
    return True


def matches(text: str, ids: list[str]) -> list[str]:
    """The ids ``text`` is a prefix of: of the random part for hex digits, else of the whole id."""
    if _HEX.fullmatch(text):
        digits = text.lower()
        return [session_id for session_id in ids if session_id[_RANDOM_START:].startswith(digits)]
    return [session_id for session_id in ids if session_id.startswith(text)]


def resolve(settings: Settings, text: str) -> str:
    """The whole id ``text`` stands for in the data directory of ``settings``."""
    if text == CURRENT:
        return settings.current_session()[1]
    if _WHOLE_ID.fullmatch(text):
        return text  # core checks that it exists (and, for an odd date, that it is valid)
    is_hex = _HEX.fullmatch(text) is not None
    if text != LATEST and not is_hex and not is_id_prefix(text):
        return text  # not an id at all: core refuses it, with the expected form
    if is_hex and len(text) < MIN_HEX:
        raise CliError("id.too_short", ref=text, min=MIN_HEX, hint="session list")
    from sessionkeeper.core import list_sessions

    data_dir = settings.existing_data_dir()
    ids = [entry.session_id for entry in list_sessions(data_dir)]  # oldest first
    if text == LATEST:
        if not ids:
            raise CliError("id.no_sessions", path=data_dir, hint="session start")
        return ids[-1]
    found = matches(text, ids)
    if not found:
        raise CliError("id.no_match", ref=text, path=data_dir, hint="session list")
    if len(found) > 1:
        shown = ", ".join(found[:MAX_LISTED])
        if len(found) > MAX_LISTED:
            shown += ", " + messages.text("id.more", count=len(found) - MAX_LISTED)
        raise CliError("id.ambiguous", ref=text, count=len(found), candidates=shown, hint="session list")
    return found[0]

