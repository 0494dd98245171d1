"""The append-only journal: one self-checking record per change, like Redis' AOF or a WAL.

A record is ``0xA5 | length (u32 LE) | crc32 (u32 LE) | payload``; the checksum is the CRC-32 of
the payload seeded with its length, so it covers both. Each record is written with a single
``write`` on an ``O_APPEND`` descriptor, so it is in the operating system before ``set()`` returns
(a process crash loses nothing) and concurrent appenders never interleave. Reading stops trusting
bytes at the first record that does not check out; if a valid record follows (damage in the
middle), reading resumes there and the skipped bytes are reported, otherwise the damaged tail is
reported as torn.

Payloads are compact JSON arrays: ``["H", format, store, epoch]`` (header, first record of every
journal file), ``["S", key, value]``, ``["D", key]`` and ``["E", event]``.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import attrs
import orjson

__all__ = [
    "JOURNAL_FORMAT",
    "Damage",
    "JournalScan",
    "delete_record",
    "event_record",
    "frame",
    "header_record",
    "scan",
    "set_record",
]

JOURNAL_FORMAT = 1
_MAGIC = 0xA5
_HEAD = struct.Struct("<BII")
MAX_RECORD = 64 << 20  # a longer length field is damage, not a record


def frame(payload: bytes) -> bytes:
    """Frame ``payload`` as one journal record."""
    size = len(payload)
    return _HEAD.pack(_MAGIC, size, zlib.crc32(payload, size)) + payload


def header_record(store: str, epoch: int) -> bytes:
    return frame(orjson.dumps(["H", JOURNAL_FORMAT, store, epoch]))


def set_record(key: str, value: bytes) -> bytes:
    # The same bytes as orjson.dumps(["S", key, Fragment(value)]), without a second encoder pass.
    return frame(b'["S",' + orjson.dumps(key) + b"," + value + b"]")


def delete_record(key: str) -> bytes:
    return frame(orjson.dumps(["D", key]))


def event_record(event: bytes) -> bytes:
    return frame(orjson.dumps(["E", orjson.Fragment(event)]))


@attrs.frozen
class Damage:
    """A stretch of journal bytes that did not check out and was not applied."""

    offset: int
    length: int
    torn_tail: bool

    def describe(self) -> str:
        what = "torn tail" if self.torn_tail else "damaged record(s)"
        return f"{what}: {self.length} bytes at offset {self.offset} not applied"


@attrs.frozen
class JournalScan:
    """What one journal file holds: its header, its valid records in order, and any damage."""

    header: list[Any] | None
    records: list[list[Any]]
    good_end: int  # offset just past the last valid record
    damage: list[Damage]


def _record_at(data: bytes, pos: int, end: int) -> tuple[bytes, int] | None:
    if pos + _HEAD.size > end:
        return None
    magic, size, crc = _HEAD.unpack_from(data, pos)
    stop = pos + _HEAD.size + size
    if magic != _MAGIC or size > MAX_RECORD or stop > end:
        return None
    payload = data[pos + _HEAD.size : stop]
    if zlib.crc32(payload, size) != crc:
        return None
    return payload, stop


def _parse(payload: bytes) -> list[Any] | None:
    try:
        record = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if type(record) is not list or not record or type(record[0]) is not str:
        return None
    return record


def scan(data: bytes) -> JournalScan:
    """Read every valid record of a journal file's bytes, resynchronising after damage."""
    records: list[list[Any]] = []
    damage: list[Damage] = []
    header: list[Any] | None = None
    pos, end, good_end = 0, len(data), 0
    while pos < end:
        found = _record_at(data, pos, end)
        parsed = _parse(found[0]) if found else None
        if found is None or parsed is None:
            resume = _resync(data, pos + 1, end)
            damage.append(Damage(pos, (resume if resume is not None else end) - pos, resume is None))
            if resume is None:
                break
            pos = resume
            continue
        pos = good_end = found[1]
        if parsed[0] == "H" and header is None and not records:
            header = parsed
        else:
            records.append(parsed)
    return JournalScan(header, records, good_end, damage)


def _resync(data: bytes, start: int, end: int) -> int | None:
    """Offset of the next record that checks out after damaged bytes, if any."""
    pos = data.find(_MAGIC.to_bytes(1, "little"), start)
    while pos != -1:
        found = _record_at(data, pos, end)
        if found is not None and _parse(found[0]) is not None:
            return pos
        pos = data.find(_MAGIC.to_bytes(1, "little"), pos + 1)
    return None
