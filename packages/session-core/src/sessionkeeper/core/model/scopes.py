"""The four state scopes and how long their values live."""

from __future__ import annotations

import enum

__all__ = ["StateScope"]


class StateScope(enum.Enum):
    """Where a value lives and how long it survives.

    * ``SESSION`` — this session only; comes back on ``resume``/``recover``.
    * ``USER`` — the operating-system user, across sessions and projects.
    * ``APP`` — the project (the data directory), for every user and session.
    * ``TEMP`` — memory only; never written anywhere.
    """

    SESSION = "session"
    USER = "user"
    APP = "app"
    TEMP = "temp"

    # Members are singletons: identity hashing is correct and, unlike Enum's default
    # (a Python-level hash of the name), costs nothing on the set()/get() path.
    __hash__ = object.__hash__
