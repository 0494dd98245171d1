"""What each record of a (sealed) journal file is, read frame by frame: for tests of compressed
journals and their dictionaries (see ``sessionkeeper.core.codec.dictionary``)."""

from __future__ import annotations

import struct
from pathlib import Path

from sessionkeeper.core import resolve_codec
from sessionkeeper.core.codec.envelope import DICTIONARY_FLAG
from sessionkeeper.core.codec.envelope import MAGIC as SEALED_MAGIC
from sessionkeeper.core.storage.identity import store_identity
from sessionkeeper.core.storage.layout import StorePaths, journal_context

__all__ = ["HEAD", "frames", "is_dictionary", "names_dictionary", "opened", "record_context", "record_kinds"]

HEAD = struct.Struct("<BII")  # a record's head: magic, payload length, CRC-32


def frames(data: bytes) -> list[tuple[int, bytes]]:
    """Every record of an undamaged journal: its offset and its (sealed) payload. Zeros after the
    last one are the unwritten end of a journal written in place (``fsync="always"``)."""
    found, pos = [], 0
    while pos < len(data) and any(data[pos : pos + HEAD.size]):
        _, size, _ = HEAD.unpack_from(data, pos)
        found.append((pos, data[pos + HEAD.size : pos + HEAD.size + size]))
        pos += HEAD.size + size
    assert pos == len(data) or not any(data[pos:]), "the journal ends in the middle of a record"
    return found


def names_dictionary(payload: bytes) -> bool:
    """Whether a sealed payload is compressed against a dictionary."""
    return payload.startswith(SEALED_MAGIC) and bool(payload[5] & DICTIONARY_FLAG)


def record_context(paths: StorePaths) -> bytes:
    """What the records after a journal's header are sealed with (bound to the store's id)."""
    return journal_context(paths.name, store_identity(paths))


def opened(paths: StorePaths, payload: bytes) -> bytes:
    """A record's payload (not the header's), opened with the configured codec."""
    return resolve_codec().open(payload, record_context(paths), "record")


def is_dictionary(paths: StorePaths, payload: bytes) -> bool:
    """Whether a record (not the header) is a dictionary ("Z")."""
    return not names_dictionary(payload) and opened(paths, payload).startswith(b'["Z",')


def record_kinds(path: Path, paths: StorePaths) -> list[str]:
    """What each record of a journal is: "H"eader, "Z" (dictionary), "d" (names one), "r" (not)."""
    kinds = ["H"]
    for _, payload in frames(path.read_bytes())[1:]:
        if names_dictionary(payload):
            kinds.append("d")
        else:
            kinds.append("Z" if is_dictionary(paths, payload) else "r")
    return kinds
