"""Journals written in place (``fsync="always"``): space reserved ahead, records written over it.

The file's size says nothing about its records there: the zeros after the last one are its
unwritten end, the journal lock's file holds the logical end, and every writer of such a journal
(its creator, another process following it, one in another fsync mode) writes at that end.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from sessionkeeper.core import SessionManager, StateScope, read_session, session_paths, verify_store
from sessionkeeper.core.storage import journal
from sessionkeeper.core.storage.journal import Damage, scan
from sessionkeeper.core.storage.status import unfolded_journals
from tests import journal_records as plain_records
from tests.conftest import journal_scan

Reopen = Callable[..., SessionManager]

STORE = "session_20240102_030405_0123abcd"
FRAMING_ONLY = pytest.mark.plain_only("scanning of plain records in memory; no codec involved")
_END_SLOTS = struct.Struct("=QQQ")  # the journal lock's file: epoch, in-place epoch, logical end


def _journal(manager: SessionManager, session_id: str) -> Path:
    paths = session_paths(manager.data_dir, session_id)
    return paths.journal(max(paths.journal_epochs()))


def _records(*, in_place: bool = True) -> list[bytes]:
    """A header (of a journal written in place, or one appended to) and two records, framed."""
    return [
        journal.frame(journal.header_payload(STORE, 3, STORE, in_place=in_place)),
        plain_records.set_record("a", orjson.dumps({"status": "done", "secs": 1.5})),
        plain_records.set_record("b", orjson.dumps(["x", 2])),
    ]


# -- reading: the zeros after the last record ---------------------------------------------------------


@FRAMING_ONLY
def test_zeros_after_the_last_record_are_the_journals_end_not_damage() -> None:
    data = b"".join(_records())
    scanned = scan(data + bytes(64 << 10))
    assert scanned.damage == []
    assert scanned.good_end == len(data)
    assert [record[1] for record in scanned.records] == ["a", "b"]


@FRAMING_ONLY
def test_zeros_after_the_last_record_of_a_journal_appended_to_are_a_torn_tail() -> None:
    """Only a journal whose header says it is written in place ends in zeros by design: in one
    appended to they are what a crash (or damage) left, and are reported."""
    data = b"".join(_records(in_place=False))
    scanned = scan(data + bytes(100))
    assert scanned.damage == [Damage(len(data), 100, torn_tail=True)]
    assert [record[1] for record in scanned.records] == ["a", "b"]


@FRAMING_ONLY
def test_a_whole_frame_ending_in_zeros_is_damage_in_a_journal_appended_to() -> None:
    records = _records(in_place=False)
    last = records[-1]
    unfinished = last[: len(last) // 2] + bytes(len(last) - len(last) // 2)
    scanned = scan(b"".join(records[:-1]) + unfinished + bytes(4096))
    assert [damage.torn_tail for damage in scanned.damage] == [False]


@FRAMING_ONLY
def test_a_record_whose_write_did_not_finish_before_the_zeros_is_a_torn_tail() -> None:
    """A write into reserved space that a power cut stopped: its head is there, its last bytes are
    still the zeros that were reserved."""
    records = _records()
    last = records[-1]
    unfinished = last[: len(last) // 2] + bytes(len(last) - len(last) // 2)
    data = b"".join(records[:-1]) + unfinished + bytes(4096)
    scanned = scan(data)
    offset = len(b"".join(records[:-1]))
    assert scanned.damage == [Damage(offset, len(data) - offset, torn_tail=True)]
    assert [record[1] for record in scanned.records] == ["a"]


@FRAMING_ONLY
def test_a_whole_damaged_last_record_before_the_zeros_is_still_damage() -> None:
    """Its last byte is its own (not a reserved zero): a flipped bit, not an unfinished write."""
    records = _records()
    damaged = bytearray(records[-1])
    damaged[12] ^= 0x01
    data = b"".join(records[:-1]) + bytes(damaged) + bytes(4096)
    scanned = scan(data)
    assert [damage.torn_tail for damage in scanned.damage] == [False]


@FRAMING_ONLY
def test_zeros_between_records_are_damage() -> None:
    records = _records()
    data = records[0] + bytes(100) + records[1]
    scanned = scan(data)
    assert scanned.damage == [Damage(len(records[0]), 100, torn_tail=False)]
    assert [record[1] for record in scanned.records] == ["a"]


@FRAMING_ONLY
def test_where_the_next_record_goes_is_never_over_written_bytes() -> None:
    data = b"".join(_records())
    assert journal.written_end(data + bytes(1000)) == len(data)
    assert journal.written_end(data) == len(data)
    garbage = data + b"\x01\x02" + bytes(1000)  # damage: past every byte, none written over
    assert journal.written_end(garbage) == len(garbage)


@FRAMING_ONLY
def test_a_journal_holds_records_only_if_something_follows_its_header() -> None:
    header, record = _records()[0], _records()[1]
    assert not journal.holds_records(header, len(header))
    assert not journal.holds_records(header + bytes(4000), len(header) + (64 << 10))
    assert journal.holds_records(header + record + bytes(100), len(header) + (64 << 10))


# -- writing ----------------------------------------------------------------------------------------


def test_fsync_always_reserves_space_and_every_reader_sees_only_the_records(reopen: Reopen) -> None:
    manager = reopen(fsync="always")
    session_id = manager.start()
    for n in range(50):
        manager.set(f"task:{n}", {"status": "done", "secs": n / 7, "tags": ["ci"]})
    path = _journal(manager, session_id)
    data = path.read_bytes()
    scanned = journal_scan(path)
    assert len(data) >= 64 << 10  # reserved ahead...
    assert not any(data[scanned.good_end :])  # ...and still zeros after the last record
    assert scanned.damage == []
    assert len(scanned.records) == 50
    assert manager.info().journal_bytes == scanned.good_end  # the logical size, not the file's
    assert unfolded_journals(session_paths(manager.data_dir, session_id), 0)[0]
    view = read_session(manager.data_dir, session_id)  # a reader while the writer runs
    assert view.get("task:49") == {"status": "done", "secs": 49 / 7, "tags": ["ci"]}
    check = verify_store(session_paths(manager.data_dir, session_id), "session")
    assert check.ok, check
    assert check.notes == ()


def test_a_checkpoint_cuts_the_reserve_off_the_journal_it_seals(reopen: Reopen) -> None:
    manager = reopen(fsync="always")
    session_id = manager.start()
    manager.set("k", "v")
    sealed = _journal(manager, session_id)
    assert sealed.stat().st_size >= 64 << 10
    assert manager.checkpoint()
    assert sealed.exists()  # kept until the backup holds it too
    assert sealed.stat().st_size == journal_scan(sealed).good_end


def test_a_crashed_writer_in_place_loses_no_acknowledged_value(reopen: Reopen) -> None:
    from tests.faults.support import pull_the_plug

    writer = reopen(fsync="always")
    session_id = writer.start()
    values = {f"k{n}": {"n": n, "text": "é" * (n % 40)} for n in range(300)}
    for key, value in values.items():
        writer.set(key, value)
    pull_the_plug(writer)
    fresh = reopen()
    summary = fresh.recover(session_id)
    assert summary.dropped == ()
    assert summary.warnings == ()
    assert {key: fresh.get(key) for key in values} == values


@pytest.mark.parametrize("other_fsync", ["always", "never"])
def test_another_writer_follows_a_journal_written_in_place_at_its_logical_end(
    reopen: Reopen, other_fsync: str
) -> None:
    """A second manager (its own locks and descriptors, as another process has) writes into the
    session: whichever journal is current, written in place or appended to, both writers' records
    land in order, nothing after the zeros."""
    owner = reopen(fsync="always", checkpoint_interval=3600)
    session_id = owner.start()
    owner.set("shared", 0)
    other = reopen(fsync=other_fsync, checkpoint_interval=3600)
    other.resume(session_id)
    for n in range(1, 200):
        (owner if n % 2 else other).set("shared", n)
        (owner if n % 3 else other).set(f"k{n}", n)
        if n % 50 == 0:
            (other if n % 100 else owner).checkpoint()
    paths = session_paths(owner.data_dir, session_id)
    for epoch in paths.journal_epochs():
        scanned = journal_scan(paths.journal(epoch))
        assert scanned.damage == [], epoch
    fresh = reopen()
    summary = fresh.recover(session_id)
    assert summary.dropped == ()
    assert fresh.get("shared") == 199
    assert {n: fresh.get(f"k{n}") for n in range(1, 200)} == {n: n for n in range(1, 200)}


def test_a_hostile_logical_end_in_the_lock_file_loses_nothing(reopen: Reopen) -> None:
    """The lock file is the writers' own, but if it is overwritten (a bad end), the end is found
    from the records: nothing written is written over."""
    manager = reopen(fsync="always")
    session_id = manager.start()
    manager.set("first", 1)
    paths = session_paths(manager.data_dir, session_id)
    epoch, in_place, end = _END_SLOTS.unpack(paths.lock.read_bytes()[: _END_SLOTS.size])
    assert in_place == epoch
    assert end > 0
    fd = os.open(paths.lock, os.O_RDWR)
    try:
        # Past the file's end; before the header's end; inside the header; inside a record.
        for bad in (1 << 40, 3, 20, end - 5):
            os.pwrite(fd, struct.pack("=Q", bad), 16)
            manager.set(f"after-{bad}", bad)
    finally:
        os.close(fd)
    manager.set("last", 2, StateScope.SESSION)
    fresh = reopen()
    summary = fresh.recover(session_id)
    assert summary.dropped == ()
    keys = ["first", *(f"after-{bad}" for bad in (1 << 40, 3, 20, end - 5)), "last"]
    assert [fresh.get(key) for key in keys] == [1, 1 << 40, 3, 20, end - 5, 2]
