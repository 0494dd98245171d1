"""A journal record, as written: one self-checking frame per change, like Redis' AOF or a WAL.

A record is ``0xA5 | length (u32 LE) | crc32 (u32 LE) | payload``; the checksum is the CRC-32 of
the payload seeded with its length, so it covers both, and (format 2) with the store's identity:
every record after the header is bound to its store, so a record of another store's journal, spliced
in, fails its checksum like a damaged one. The header itself is not bound (it names the store).
Each record is written with a single ``write`` on an ``O_APPEND`` descriptor (or one ``pwrite`` at
the logical end of a journal written in place, under the journal lock: see :mod:`.journal_writer`),
so it is in the operating system before ``set()`` returns (a process crash loses nothing) and
concurrent appenders never interleave. Every record starts with a non-zero byte, so the zeros a
journal written in place holds after its last record are its unwritten end.

Payloads are compact JSON arrays: ``["H", format, store, epoch, store_id]`` (header, first record of
every journal file; format 1, written before stores had an identity, ends at ``epoch``; a journal
written in place adds ``"in-place"``: the zeros after its last record are its unwritten end),
``["S", key, value]``, ``["D", key]``, ``["E", event]`` and ``["Z", id, text]``: a compression
dictionary (see :mod:`sessionkeeper.core.codec.dictionary`) for the sealed records after it that
name ``id``. A writer puts it twice in a row, in the same ``write`` as the first record that uses
it, so that one damaged copy costs nothing.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import orjson

from sessionkeeper.core.codec.dictionary import CompressionDictionary

__all__ = [
    "JOURNAL_FORMAT",
    "MAX_RECORD",
    "RECORD_HEAD",
    "RECORD_MAGIC",
    "delete_payload",
    "dictionary_payload",
    "event_payload",
    "first_payload",
    "frame",
    "header_length",
    "header_payload",
    "holds_records",
    "is_in_place",
    "record_at",
    "record_seed",
    "set_payload",
    "whole_frame",
    "whole_records",
    "written_end",
    "zeros_from",
]

JOURNAL_FORMAT = 2  # 1: records not bound to their store (read, never written)
RECORD_MAGIC = 0xA5
RECORD_HEAD = struct.Struct("<BII")  # magic, length, CRC-32
MAX_RECORD = 64 << 20  # a longer length field is damage, not a record
IN_PLACE = "in-place"  # a header's mark: the journal is written in place


def frame(payload: bytes, seed: int = 0) -> bytes:
    """Frame ``payload`` as one journal record (bound to a store by its ``seed``; 0: unbound)."""
    size = len(payload)
    return RECORD_HEAD.pack(RECORD_MAGIC, size, zlib.crc32(payload, size ^ seed)) + payload


def record_seed(store_id: str) -> int:
    """The checksum seed that binds a format-2 journal's records to the store ``store_id``."""
    return zlib.crc32(b"sessionkeeper journal\0" + store_id.encode()) or 1  # never 0 (unbound)


def header_payload(store: str, epoch: int, store_id: str | None = None, *, in_place: bool = False) -> bytes:
    """The header of journal ``epoch`` of ``store`` (format 1 without ``store_id``: tests of old
    files; ``in_place``: the journal is written in place, see :mod:`.in_place`)."""
    if store_id is None:
        return orjson.dumps(["H", 1, store, epoch])
    if in_place:
        return orjson.dumps(["H", JOURNAL_FORMAT, store, epoch, store_id, IN_PLACE])
    return orjson.dumps(["H", JOURNAL_FORMAT, store, epoch, store_id])


def is_in_place(header: list[Any]) -> bool:
    """Whether a (parsed) journal header says its journal is written in place."""
    return len(header) == 6 and header[5] == IN_PLACE


def set_payload(key: str, value: bytes) -> bytes:
    # The same bytes as orjson.dumps(["S", key, Fragment(value)]), without a second encoder pass.
    return b'["S",' + orjson.dumps(key) + b"," + value + b"]"


def delete_payload(key: str) -> bytes:
    return orjson.dumps(["D", key])


def event_payload(event: bytes) -> bytes:
    return orjson.dumps(["E", orjson.Fragment(event)])


def dictionary_payload(dictionary: CompressionDictionary) -> bytes:
    return orjson.dumps(["Z", dictionary.id, dictionary.text])


# -- frames, as found in a journal's bytes ---------------------------------------------------------


def whole_frame(data: bytes, pos: int, end: int) -> bool:
    """Whether a frame with a plausible head and all its bytes starts at ``pos``."""
    if pos + RECORD_HEAD.size > end:
        return False
    magic, size, _ = RECORD_HEAD.unpack_from(data, pos)
    return bool(magic == RECORD_MAGIC and size <= MAX_RECORD and pos + RECORD_HEAD.size + size <= end)


def record_at(data: bytes, pos: int, end: int, seed: int) -> tuple[bytes, int] | None:
    """The payload of the record at ``pos`` and the offset past it, if its frame is whole and its
    checksum (seeded with ``seed``) is good."""
    if pos + RECORD_HEAD.size > end:
        return None
    magic, size, crc = RECORD_HEAD.unpack_from(data, pos)
    stop = pos + RECORD_HEAD.size + size
    if magic != RECORD_MAGIC or size > MAX_RECORD or stop > end:
        return None
    payload = data[pos + RECORD_HEAD.size : stop]
    if zlib.crc32(payload, size ^ seed) != crc:
        return None
    return payload, stop


def zeros_from(data: bytes, pos: int) -> bool:
    """Whether every byte from ``pos`` to the end is zero."""
    return data.count(0, pos) == len(data) - pos


def header_length(data: bytes) -> int | None:
    """How many bytes the header (the first record) of a journal starting with ``data`` takes, if
    it checks out: a journal longer than that holds records (or damage)."""
    found = record_at(data, 0, len(data), 0)
    return None if found is None else found[1]


def holds_records(head: bytes, size: int) -> bool:
    """Whether a journal of ``size`` bytes whose first bytes are ``head`` holds anything after its
    header (records, or damage): not if it ends there, or zeros follow (written in place, unused).
    ``head`` must reach a record head past the header to tell the second case."""
    header = header_length(head) or 0
    if size <= header:
        return False
    following = head[header : header + RECORD_HEAD.size]
    return len(following) < RECORD_HEAD.size or any(following)


def whole_records(data: bytes) -> tuple[int, bool]:
    """How many leading bytes of journal bytes ``data`` are whole records (by their frames, not
    checked further), and whether that is all of it."""
    pos, end = 0, len(data)
    while whole_frame(data, pos, end):
        pos += RECORD_HEAD.size + RECORD_HEAD.unpack_from(data, pos)[1]
    return pos, pos == end


def written_end(data: bytes) -> int:
    """Where the next record goes in a journal written in place whose bytes are ``data``: past the
    last whole frame, if only zeros follow; past every byte otherwise (damage is never written
    over)."""
    pos, _ = whole_records(data)
    return pos if zeros_from(data, pos) else len(data)


def first_payload(data: bytes) -> bytes | None:
    """The raw (possibly sealed) payload of the first record whose checksum is good, if any."""
    pos, end = 0, len(data)
    while 0 <= pos < end:
        found = record_at(data, pos, end, 0)
        if found is not None:
            return found[0]
        pos = data.find(RECORD_MAGIC.to_bytes(1, "little"), pos + 1)
    return None
