"""The original tool's state object (``SessionManager.current_state``), read-only.

The tool Sessionkeeper replaces kept its whole state in one ``SessionState`` object, replaced by a
new one at every change; code written for it reads ``session.current_state.session_id``,
``.scope_data["session"]`` and the like. Here that object is a *view*: built afresh from the
running session each time it is asked for, frozen, and sharing nothing a caller could change —
its mappings are read-only and each lookup of a persistent scope's value decodes a fresh copy
(as ``get()`` does), so changing what it returns changes nothing stored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from .values import decode_stored

__all__ = ["FrozenValues", "SessionState"]


class FrozenValues(Mapping[str, Any]):
    """One scope's values at one moment, read-only, in the order they were first set.

    A persistent scope's value is decoded at each lookup: every lookup gives a fresh object of
    its own, as ``get()`` does. TEMP values (``decoded=False``) are the objects that were set.
    """

    __slots__ = ("_decode", "_values")

    def __init__(self, values: dict[str, Any], *, decoded: bool = True) -> None:
        self._values = values  # a private copy of the scope's stored trees (never handed out)
        self._decode = decoded

    def __getitem__(self, key: str) -> Any:
        found = self._values[key]
        return decode_stored(found) if self._decode else found

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"FrozenValues({dict(self.items())!r})"


@attrs.frozen
class SessionState:
    """The running session as the original tool's ``current_state`` described it.

    ``started_at``, ``last_checkpoint`` and ``last_update`` are ISO 8601 strings in UTC, as the
    original wrote them; ``last_update`` is when the session was last saved (as the original's
    files record it). ``context_hash`` is the one the session's next snapshot will carry.
    ``state_data`` is always empty (the original never filled it). ``scope_data`` maps
    ``"session"``, ``"user"``, ``"app"`` and ``"temp"`` to :class:`FrozenValues`.
    ``graceful_shutdown`` is False: a view exists only while the session runs.
    """

    session_id: str
    started_at: str
    last_checkpoint: str
    context_hash: str
    state_data: Mapping[str, Any]
    scope_data: Mapping[str, Mapping[str, Any]]
    graceful_shutdown: bool = False
    last_update: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A plain-dict copy in the original's layout (fresh values: the caller's to change)."""
        return {
            "session_id": self.session_id,
            "started_at": self.started_at,
            "last_checkpoint": self.last_checkpoint,
            "context_hash": self.context_hash,
            "state_data": dict(self.state_data),
            "scope_data": {scope: dict(values.items()) for scope, values in self.scope_data.items()},
            "graceful_shutdown": self.graceful_shutdown,
            "last_update": self.last_update,
        }


EMPTY_STATE_DATA: Mapping[str, Any] = MappingProxyType({})
