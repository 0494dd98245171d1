"""The four state scopes and how long their values live."""

from __future__ import annotations

import enum

__all__ = ["PERSISTENT_SCOPES", "StateScope"]


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


PERSISTENT_SCOPES = (StateScope.SESSION, StateScope.USER, StateScope.APP)
