"""Session ids: making new ones and refusing anything else.

An id is also a file name, so validation is what keeps hostile input (``../../x``, absolute
paths, NUL bytes) out of the file system.
"""

from __future__ import annotations

import os
import re
from datetime import datetime

from sessionkeeper.core.errors import InvalidSessionIdError

__all__ = ["id_local_time", "id_stamp", "new_session_id", "validate_session_id"]

_ID_PATTERN = re.compile(r"session_[0-9]{8}_[0-9]{6}_[0-9a-f]{8}")  # ASCII only: an id is a file name


def new_session_id(now: datetime | None = None) -> str:
    """A fresh id, ``session_YYYYMMDD_HHMMSS_<8 hex>``, stamped with local time like the old tool."""
    stamp = (now or datetime.now()).astimezone().strftime("%Y%m%d_%H%M%S")
    return f"session_{stamp}_{os.urandom(4).hex()}"  # what secrets.token_hex does


def validate_session_id(session_id: object) -> str:
    """Return ``session_id`` if it is a well-formed id, else raise :class:`InvalidSessionIdError`."""
    if not isinstance(session_id, str) or _ID_PATTERN.fullmatch(session_id) is None:
        raise InvalidSessionIdError(session_id)
    try:  # the stamp must be a real time: other code reads it as one (cheaper than strptime)
        datetime(
            int(session_id[8:12]),
            int(session_id[12:14]),
            int(session_id[14:16]),
            int(session_id[17:19]),
            int(session_id[19:21]),
            int(session_id[21:23]),
        )
    except ValueError:
        raise InvalidSessionIdError(session_id) from None
    return session_id


def id_stamp(session_id: str) -> str:
    """The ``YYYYMMDD_HHMMSS`` local start time written into a valid id (it sorts as time does)."""
    return session_id[8:23]


def id_local_time(session_id: str) -> datetime:
    """The local start time a valid id names, to the second (naive, as the old tool wrote it)."""
    return datetime.strptime(id_stamp(session_id), "%Y%m%d_%H%M%S")
