"""How much a manager may still append before a load of its stores would go past the limits.

A load reads a snapshot plus every journal record written since, within the budget of
:mod:`sessionkeeper.core.limits`. Refusing at load time would lose data that was acknowledged, so
the writer refuses instead: ``set()`` and ``record()`` check a running count on their fast path and
only when it runs low checkpoint (the journals fold into snapshots) and look again.
"""

from __future__ import annotations

from collections.abc import Callable

from sessionkeeper.core.errors import LimitExceededError
from sessionkeeper.core.limits import RECORDS_ENV, STORE_ENV, Limits

__all__ = ["Budget"]

# What set()/record() may fill of a load's budget: the rest absorbs what the estimate misses
# (framing, another process's writes between our checkpoints).
_HEADROOM = 0.9


class Budget:
    """The running count; ``pending_bytes`` and ``room_records`` change under the manager's lock."""

    __slots__ = ("limits", "max_value_bytes", "pending_bytes", "room_bytes", "room_records")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.max_value_bytes = limits.max_value_bytes
        self.pending_bytes = 0  # payload bytes appended since the last recount
        self.room_bytes = 0  # what may still be appended before a load would go past its budget
        self.room_records = 0

    def recount(self, base_bytes: int, events: int) -> None:
        """Start again from what the next load reads before any new record: ``base_bytes`` over
        every store (a session snapshot also carries USER and APP copies, so they count together)
        and ``events`` in the session."""
        self.pending_bytes = 0
        self.room_bytes = int(self.limits.max_store_bytes * _HEADROOM) - base_bytes
        self.room_records = int(self.limits.max_records * _HEADROOM) - events

    def admit(self, size: int, what: str, make_room: Callable[[], object]) -> None:
        """The slow path: refuse a payload over the value limit; when the budget is nearly spent,
        ``make_room`` (a checkpoint of every store, which recounts), then refuse if the stores
        would still be too large to load."""
        self.limits.check_value(size, what)
        if self.pending_bytes + size <= self.room_bytes and self.room_records > 0:
            return
        make_room()
        if self.pending_bytes + size > self.room_bytes:
            raise LimitExceededError(
                f"cannot {what}: the stores would hold more than {self.limits.max_store_bytes} bytes, "
                "more than a load reads",
                limit=self.limits.max_store_bytes,
                setting=STORE_ENV,
            )
        if self.room_records <= 0:
            raise LimitExceededError(
                f"cannot {what}: the session would hold more than {self.limits.max_records} events",
                limit=self.limits.max_records,
                setting=RECORDS_ENV,
            )
