"""Plain (unsealed, unbound) journal records built by hand, for tests of the format and of old files."""

from __future__ import annotations

from sessionkeeper.core.storage import journal

__all__ = ["delete_record", "event_record", "header_record", "set_record"]


def header_record(store: str, epoch: int) -> bytes:
    """A format-1 header (the store id came with format 2), framed unbound."""
    return journal.frame(journal.header_payload(store, epoch))


def set_record(key: str, value: bytes) -> bytes:
    return journal.frame(journal.set_payload(key, value))


def delete_record(key: str) -> bytes:
    return journal.frame(journal.delete_payload(key))


def event_record(event: bytes) -> bytes:
    return journal.frame(journal.event_payload(event))
