"""The append-only journal, read: every record that checks out, in order, and the damage.

The record format is :mod:`.records`' (re-exported here). Reading stops trusting bytes at the
first record that does not check out; if a valid record follows (damage in the middle), reading
resumes there and the skipped bytes are reported, otherwise the damaged tail is reported as torn.
In a journal whose header says it is written in place (space reserved ahead, see :mod:`.in_place`),
the zeros after the last record are its unwritten end, not damage: every record starts with a
non-zero magic byte. In one appended to, they are a torn tail, as they always were.
A compression dictionary (``"Z"``) is kept by the scan and handed to the opener for the records
after it; it is not one of the records returned.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, Protocol

import attrs
import orjson

from sessionkeeper.core.codec.dictionary import MAX_DICTIONARY_BYTES, CompressionDictionary
from sessionkeeper.core.codec.envelope import MAGIC as SEALED_MAGIC
from sessionkeeper.core.errors import (
    DecryptionError,
    IntegrityError,
    KeyRequiredError,
    LimitExceededError,
    SnapshotFormatError,
)
from sessionkeeper.core.limits import MAX_DEPTH, Budget, check_depth

from .records import (
    JOURNAL_FORMAT,
    MAX_RECORD,
    delete_payload,
    dictionary_payload,
    event_payload,
    first_payload,
    frame,
    header_length,
    header_payload,
    holds_records,
    is_in_place,
    record_at,
    record_seed,
    set_payload,
    whole_frame,
    written_end,
    zeros_from,
)
from .records import RECORD_HEAD as _HEAD
from .records import RECORD_MAGIC as _MAGIC

__all__ = [
    "JOURNAL_FORMAT",
    "MAX_RECORD",
    "Binding",
    "Damage",
    "JournalScan",
    "delete_payload",
    "dictionary_payload",
    "event_payload",
    "first_payload",
    "frame",
    "header_length",
    "header_payload",
    "holds_records",
    "is_in_place",
    "record_seed",
    "scan",
    "set_payload",
    "written_end",
]


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


class Opener(Protocol):
    """Unseals one record's payload, refusing more than ``limit`` bytes, with the journal's
    ``dictionaries`` read so far (see ``Codec.open``)."""

    def __call__(
        self, blob: bytes, /, *, limit: int = ..., dictionaries: dict[int, CompressionDictionary] = ...
    ) -> bytes: ...


@attrs.frozen
class Binding:
    """How the records after a journal's header are checked: the checksum seed and the opener."""

    seed: int
    opener: Opener | None


Binder = Callable[[list[Any] | None], Binding]


_ENCRYPTED_FLAG = 2  # the envelope's flags byte (offset 5): see codec/envelope.py


@attrs.define
class _Reading:
    """What the records read so far say about the ones to come."""

    opener: Opener | None
    seed: int = 0
    budget: Budget | None = None
    plain_passes: bool = False  # the opener returns unsealed bytes unchanged (no encryption required)
    header_opened: bool = False  # after it, a record the key cannot open is damage, not a key problem
    sealed: bool = False  # a sealed header: an unsealed record after it is forged, not data
    encrypted: bool = False  # an encrypted header: an unencrypted record after it is forged
    in_place: bool = False  # the header says the journal is written in place: zeros end it
    key_error: Exception | None = None  # a key problem before any record opened (raised if none does)
    dictionaries: dict[int, CompressionDictionary] = attrs.Factory(dict)  # the "Z" records read so far


def _is_encrypted(payload: bytes) -> bool:
    return len(payload) > 5 and payload.startswith(SEALED_MAGIC) and bool(payload[5] & _ENCRYPTED_FLAG)


def _parse(payload: bytes, reading: _Reading) -> list[Any] | None:
    if reading.sealed and not payload.startswith(SEALED_MAGIC):
        return None
    if reading.encrypted and not _is_encrypted(payload):
        return None
    budget = reading.budget  # a record found by resynchronising is counted twice: bombs stay bounded
    # Plain bytes pass through an opener that does not require encryption unchanged: skip the call.
    if reading.opener is not None and (not reading.plain_passes or payload.startswith(SEALED_MAGIC)):
        limit = MAX_RECORD if budget is None else min(MAX_RECORD, budget.bytes_left)
        try:
            payload = reading.opener(payload, limit=limit, dictionaries=reading.dictionaries)
        except IntegrityError:  # a sealed record that does not check out is damage, like a bad CRC
            return None
        except LimitExceededError:
            if budget is not None and limit < MAX_RECORD:
                budget.take_bytes(MAX_RECORD)  # the load's budget is spent: raises
            return None  # larger than any record a writer makes: forged or damaged
        except (DecryptionError, KeyRequiredError) as exc:
            # Once a record of this journal opened, a foreign key id can only be damage; before
            # that it may be the wrong key, which is decided when the scan ends.
            if not reading.header_opened and reading.key_error is None:
                reading.key_error = exc
            return None
    size = len(payload)
    if budget is not None:  # as _plain_run does for a run of plain records, with locals
        budget.bytes_left -= size
        budget.records_left -= 1
        if budget.bytes_left < 0 or budget.records_left < 0:
            budget.exceeded()
    try:
        record = orjson.loads(payload)
        if size > 2 * MAX_DEPTH:  # nesting deeper than MAX_DEPTH takes two bytes a level
            check_depth(payload, record)
    except (orjson.JSONDecodeError, SnapshotFormatError):
        return None
    if type(record) is not list or not record or type(record[0]) is not str:
        return None
    return record


def scan(
    data: bytes,
    opener: Opener | None = None,
    budget: Budget | None = None,
    *,
    plain_passes: bool = False,
    bind: Binder | None = None,
) -> JournalScan:
    """Read every valid record of a journal file's bytes, resynchronising after damage.

    ``opener`` unseals each payload (see :mod:`.codec`); a missing or wrong key propagates.
    ``budget`` bounds the bytes and records read (:class:`LimitExceededError` past it). ``bind``,
    given the header (``None`` when the first record is not a readable header), says how the
    records after it are checked (format 2: bound to their store); without it they are unbound.
    """
    reading = _Reading(opener, budget=budget, plain_passes=plain_passes)
    header = _header(data, reading)
    if bind is not None:
        binding = bind(header[0] if header is not None else None)
        reading.seed, reading.opener = binding.seed, binding.opener
    records: list[list[Any]] = []
    damage: list[Damage] = []
    header, good_end = _records(data, header, reading, records, damage)
    if reading.key_error is not None and not reading.header_opened:
        raise reading.key_error  # not one record opens: the key is wrong (or missing)
    return JournalScan(header[0] if header is not None else None, records, good_end, damage)


def _records(
    data: bytes,
    header: tuple[list[Any], int] | None,
    reading: _Reading,
    records: list[list[Any]],
    damage: list[Damage],
) -> tuple[tuple[list[Any], int] | None, int]:
    """Read the records after ``header`` into ``records``, and the damage into ``damage``; returns
    the header (one may turn up after damage) and the offset past the last valid record.

    Runs of ordinary plain records go through :func:`_plain_run`; each record it stops at takes
    :func:`_one_record`, which decides it with the same checks in the same order."""
    pos = good_end = header[1] if header is not None else 0
    append, end = records.append, len(data)
    plain = _plain(reading)
    while pos < end:
        if plain:
            run_end = _plain_run(data, pos, reading, append)
            if run_end != pos:
                pos = good_end = run_end
                reading.header_opened = True
                if pos >= end:
                    break
        parsed, stop, payload = _one_record(data, pos, reading)
        if parsed is None:
            if reading.in_place and zeros_from(data, pos):  # its unwritten end: not damage
                break
            resume = _skip_damage(data, pos, stop >= 0, reading, damage)
            if resume is None:
                break
            pos = resume
            continue
        pos = good_end = stop
        reading.header_opened = True
        if parsed[0] == "H" and header is None and not records:  # after damage (unbound only)
            header = parsed, pos
            _note_header(payload, parsed, reading)
            plain = _plain(reading)
        elif parsed[0] == "Z":
            _learn_dictionary(parsed, reading)
        else:
            append(parsed)
    return header, good_end


def _learn_dictionary(record: list[Any], reading: _Reading) -> None:
    """Keep the dictionary a ``"Z"`` record holds, if it is one: its records open against it.

    One that is not (malformed, or its id is not its CRC) is kept by no one: the records that name
    its id do not open, and are reported as damage."""
    if len(record) != 3 or type(record[1]) is not int or type(record[2]) is not str:
        return
    text = record[2]
    if len(text) > MAX_DICTIONARY_BYTES or record[1] in reading.dictionaries:
        return
    dictionary = CompressionDictionary(text)
    if dictionary.id == record[1]:
        reading.dictionaries[dictionary.id] = dictionary


def _one_record(data: bytes, pos: int, reading: _Reading) -> tuple[list[Any] | None, int, bytes]:
    """The record at ``pos``, the offset past it and its raw payload; the record is ``None`` if
    it does not check out, and the offset -1 if its frame or its checksum is bad."""
    found = record_at(data, pos, len(data), reading.seed)
    if found is None:
        return None, -1, b""
    payload, stop = found
    return _parse(payload, reading), stop, payload


_UNLIMITED = 1 << 62
_SHALLOW = 2 * MAX_DEPTH  # a payload this short cannot nest deeper than MAX_DEPTH
_LIST = ord("[")  # every payload we write starts so; a sealed one starts with the envelope's magic
_SPECIAL = ("H", "Z")  # records the general path decides: a header, a dictionary


def _plain_run(data: bytes, pos: int, reading: _Reading, append: Callable[[list[Any]], None]) -> int:
    """Append the plain records from ``pos`` on, as long as each is an ordinary one: a whole frame
    whose checksum is good, a payload that starts with ``[`` (so neither sealed nor anything but a
    list once it parses), JSON no deeper than MAX_DEPTH, not a header, within the budget. Returns
    the offset of the first record that is not (or the end): the general path decides it. This
    runs once per record of every load: ~0.5 µs less a record than the general path, with the
    budget's counters kept in locals."""
    end, seed, head, shallow = len(data), reading.seed, _HEAD.size, _SHALLOW
    unpack, crc32, loads = _HEAD.unpack_from, zlib.crc32, orjson.loads
    budget = reading.budget
    bytes_left = budget.bytes_left if budget is not None else _UNLIMITED
    records_left = budget.records_left if budget is not None else _UNLIMITED
    while pos + head <= end:
        magic, size, crc = unpack(data, pos)
        stop = pos + head + size
        if (
            magic != _MAGIC
            or not 0 < size <= MAX_RECORD
            or stop > end
            or size > bytes_left
            or records_left <= 0
            or data[pos + head] != _LIST
        ):
            break
        payload = data[pos + head : stop]
        if crc32(payload, size ^ seed) != crc:
            break
        try:
            parsed = loads(payload)
            if size > shallow:
                check_depth(payload, parsed)
        except (orjson.JSONDecodeError, SnapshotFormatError):
            break
        if not parsed or type(first := parsed[0]) is not str or first in _SPECIAL:
            break
        bytes_left -= size
        records_left -= 1
        append(parsed)
        pos = stop
    if budget is not None:
        budget.bytes_left, budget.records_left = bytes_left, records_left
    return pos


def _plain(reading: _Reading) -> bool:
    """Whether an unsealed record is read as it is: no sealed header before it, and no opener, or
    one that returns plain bytes unchanged (it does not require encryption)."""
    unopened = reading.opener is None or reading.plain_passes
    return unopened and not reading.sealed and not reading.encrypted


def _skip_damage(data: bytes, pos: int, framed: bool, reading: _Reading, damage: list[Damage]) -> int | None:
    """Note the damage at ``pos`` (``framed``: a whole record with a good checksum that did not
    check out) and return where the next valid record starts, if one does."""
    end = len(data)
    resume = _resync(data, pos + 1, end, reading)
    # Torn: an unfinished write at the end. A whole frame that does not check out (a bad
    # checksum, or a good one that does not open: forged, tampered, foreign) is damage
    # wherever it is: a crash cannot leave it, and its record may have been acknowledged. But in
    # a journal written in place, one that ends in zeros with only zeros after it is a write into
    # reserved space that a power cut stopped.
    unfinished = reading.in_place and whole_frame(data, pos, end) and _unfinished(data, pos)
    torn = resume is None and not framed and (not whole_frame(data, pos, end) or unfinished)
    damage.append(Damage(pos, (resume if resume is not None else end) - pos, torn))
    return resume


def _unfinished(data: bytes, pos: int) -> bool:
    """Whether the whole frame at ``pos`` ends in a zero byte with only zeros after it."""
    stop = pos + _HEAD.size + _HEAD.unpack_from(data, pos)[1]
    return data[stop - 1] == 0 and zeros_from(data, stop)


def _note_header(payload: bytes, header: list[Any], reading: _Reading) -> None:
    reading.in_place = is_in_place(header)
    # A sealed (encrypted) header: an unsealed (unencrypted) record after it is forged, not data.
    reading.sealed = payload.startswith(SEALED_MAGIC)
    reading.encrypted = _is_encrypted(payload)


def _header(data: bytes, reading: _Reading) -> tuple[list[Any], int] | None:
    """The header record at the start of ``data`` and the offset past it, if it checks out (unbound:
    it names the store the records after it are bound to)."""
    found = record_at(data, 0, len(data), 0)
    parsed = _parse(found[0], reading) if found else None
    if found is None or parsed is None or parsed[0] != "H":
        return None
    reading.header_opened = True
    _note_header(found[0], parsed, reading)
    return parsed, found[1]


def _resync(data: bytes, start: int, end: int, reading: _Reading) -> int | None:
    """Offset of the next record that checks out after damaged bytes, if any."""
    pos = data.find(_MAGIC.to_bytes(1, "little"), start)
    while pos != -1:
        found = record_at(data, pos, end, reading.seed)
        if found is not None and _parse(found[0], reading) is not None:
            return pos
        pos = data.find(_MAGIC.to_bytes(1, "little"), pos + 1)
    return None
