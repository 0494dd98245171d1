"""Immutable state snapshots.

Each scope's values live in a HAMT map (``immutables.Map``): an update builds a new map that shares
almost everything with the old one, O(log n), and a map never changes once made. The checkpoint
thread can therefore serialise a snapshot while writers carry on, and :class:`State` bundles the
four maps and the event log as they were at one moment.
"""

from __future__ import annotations

from typing import Any

import attrs
import immutables

from .scopes import StateScope

__all__ = ["EMPTY_MAP", "EventLog", "State"]

EMPTY_MAP: immutables.Map[str, Any] = immutables.Map()


@attrs.frozen
class EventLog:
    """An append-only sequence shared between snapshots: a snapshot sees its first ``count`` items.

    Appending to the shared list never changes what an older snapshot sees, so adding an event is
    O(1) instead of copying the log.
    """

    items: list[Any] = attrs.field(factory=list)
    count: int = 0

    def appended(self, item: Any) -> EventLog:
        if len(self.items) != self.count:  # an older snapshot is being extended: branch off a copy
            items = self.items[: self.count]
            items.append(item)
            return EventLog(items, self.count + 1)
        self.items.append(item)
        return EventLog(self.items, self.count + 1)

    def view(self) -> list[Any]:
        return self.items[: self.count]

    def __len__(self) -> int:
        return self.count


@attrs.frozen
class State:
    """All four scopes and the session's events at one moment; never changes.

    Persistent scopes hold encoded values (see :mod:`.values`); TEMP holds the objects that were set.
    """

    session: immutables.Map[str, Any] = EMPTY_MAP
    user: immutables.Map[str, Any] = EMPTY_MAP
    app: immutables.Map[str, Any] = EMPTY_MAP
    temp: immutables.Map[str, Any] = EMPTY_MAP
    events: EventLog = attrs.field(factory=EventLog)

    def scope(self, scope: StateScope) -> immutables.Map[str, Any]:
        result: immutables.Map[str, Any] = getattr(self, scope.value)
        return result
