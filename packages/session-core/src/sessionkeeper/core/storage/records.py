"""A journal record, as written: one self-checking frame per change, like Redis' AOF or a WAL.

A record is ``0xA5 | length (u32 LE) | crc32 (u32 LE) | payload``; the checksum is the CRC-32 of
the payload seeded with its length, so it covers both, and (format 2) with the store's identity:
every record after the header is bound to its store, so a record of another store's journal, spliced
in, fails its checksum like a damaged one. The header itself is not bound (it names the store).
Each record is written with a single ``write`` on an ``O_APPEND`` descriptor, so it is in the
operating system before ``set()`` returns (a process crash loses nothing) and concurrent appenders
never interleave.

Payloads are compact JSON arrays: ``["H", format, store, epoch, store_id]`` (header, first record of
every journal file; format 1, written before stores had an identity, ends at ``epoch``),
``["S", key, value]``, ``["D", key]``, ``["E", event]`` and ``["Z", id, text]``: a compression
dictionary (see :mod:`sessionkeeper.core.codec.dictionary`) for the sealed records after it that
name ``id``. A writer puts it twice in a row, in the same ``write`` as the first record that uses
it, so that one damaged copy costs nothing.
"""

from __future__ import annotations

import struct
import zlib

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
    "frame",
    "header_payload",
    "record_seed",
    "set_payload",
]

JOURNAL_FORMAT = 2  # 1: records not bound to their store (read, never written)
RECORD_MAGIC = 0xA5
RECORD_HEAD = struct.Struct("<BII")  # magic, length, CRC-32
MAX_RECORD = 64 << 20  # a longer length field is damage, not a record


def frame(payload: bytes, seed: int = 0) -> bytes:
    """Frame ``payload`` as one journal record (bound to a store by its ``seed``; 0: unbound)."""
    size = len(payload)
    return RECORD_HEAD.pack(RECORD_MAGIC, size, zlib.crc32(payload, size ^ seed)) + payload


def record_seed(store_id: str) -> int:
    """The checksum seed that binds a format-2 journal's records to the store ``store_id``."""
    return zlib.crc32(b"sessionkeeper journal\0" + store_id.encode()) or 1  # never 0 (unbound)


def header_payload(store: str, epoch: int, store_id: str | None = None) -> bytes:
    """The header of journal ``epoch`` of ``store`` (format 1 without ``store_id``: tests of old files)."""
    if store_id is None:
        return orjson.dumps(["H", 1, store, epoch])
    return orjson.dumps(["H", JOURNAL_FORMAT, store, epoch, store_id])


def set_payload(key: str, value: bytes) -> bytes:
    # The same bytes as orjson.dumps(["S", key, Fragment(value)]), without a second encoder pass.
    return b'["S",' + orjson.dumps(key) + b"," + value + b"]"


def delete_payload(key: str) -> bytes:
    return orjson.dumps(["D", key])


def event_payload(event: bytes) -> bytes:
    return orjson.dumps(["E", orjson.Fragment(event)])


def dictionary_payload(dictionary: CompressionDictionary) -> bytes:
    return orjson.dumps(["Z", dictionary.id, dictionary.text])
