"""Damage the Store must survive without ever returning wrong data: a torn journal tail, flipped
bits in a record, a damaged snapshot. Each case writes a store once, then damages copies of its
files and reads them the way every reader does (:func:`load`), checking what comes back and what
is reported."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkeeper.core.errors import CorruptSessionError
from tests.conftest import is_plain
from tests.store_spec.adapter import Content, SpecStore, content, load
from tests.store_spec.conftest import MakeStore


def _operations(store: SpecStore) -> list[Callable[[], bytes]]:
    """Five changes, each one journal record: sets, a delete and (sessions) events."""
    if store.kind.events:
        first = functools.partial(store.record, {"kind": "task_started", "task_id": "t1"})
        last = functools.partial(store.record, {"kind": "task_started", "task_id": "t5"})
    else:
        first, last = functools.partial(store.set, "first", 1), functools.partial(store.set, "count", 5)
    return [
        first,
        functools.partial(store.set, "count", 2),
        functools.partial(store.set, "count", 3),
        functools.partial(store.delete, "in_snapshot"),
        last,
    ]


def _journaled(
    make_store: MakeStore, directory: Path, skip: int | None = None
) -> tuple[SpecStore, list[bytes]]:
    """A store with a snapshot and the five records of :func:`_operations` in its current journal
    (but the one numbered ``skip``); returns the store and the records as appended."""
    store = make_store(directory)
    store.open()
    store.set("in_snapshot", "kept")
    store.set("count", 0)
    store.checkpoint()
    operations = _operations(store)
    skipped = None if skip is None else skip % len(operations)
    records = [operation() for n, operation in enumerate(operations) if n != skipped]
    store.close()
    return store, records


def _current_journal(store: SpecStore) -> Path:
    return store.paths.journal(store.paths.journal_epochs()[-1])


def _without(make_store: MakeStore, directory: Path, which: int) -> Content:
    """What a store holds when every record of :func:`_journaled` but ``which`` was appended."""
    store, _ = _journaled(make_store, directory, skip=which)
    return content(load(store.kind, store.directory))


def test_a_torn_last_record_loses_only_itself_at_every_byte_offset(
    make_store: MakeStore, workdir: Path
) -> None:
    store, records = _journaled(make_store, workdir / "store")
    expected = _without(make_store, workdir / "without", -1)
    path = _current_journal(store)
    data = path.read_bytes()
    last = records[-1]
    assert data.endswith(last)
    start = len(data) - len(last)
    for cut in range(start + 1, len(data)):
        path.write_bytes(data[:cut])
        loaded = load(store.kind, store.directory)
        assert content(loaded) == expected, f"cut at {cut}"
        assert loaded.report.journal_records == len(records) - 1
        assert loaded.report.dropped == ()
        torn = [line for line in loaded.report.warnings if path.name in line and "torn" in line]
        assert len(torn) == 1, (cut, loaded.report)
    path.write_bytes(data[:start])  # cut exactly before it: a record never written, nothing to say
    loaded = load(store.kind, store.directory)
    assert content(loaded) == expected
    assert loaded.report.warnings == loaded.report.dropped == ()


def _flips(record: bytes) -> list[tuple[int, int]]:
    """(byte, bit) positions to flip in ``record``: one bit of every byte on plain, the head and
    a sample of the payload on the other codecs (the sealing layers check themselves)."""
    offsets = range(len(record)) if is_plain() else [*range(9), *range(9, len(record), 5)]
    return [(offset, offset % 8) for offset in offsets]


@pytest.mark.parametrize("which", [0, 2, -1], ids=["first", "middle", "last"])
def test_a_flipped_bit_in_a_record_drops_that_record_reports_it_and_returns_no_wrong_data(
    make_store: MakeStore, workdir: Path, which: int
) -> None:
    """The damaged record is never applied and is reported; the records before it load. A record
    that follows it is found again (the journal resynchronises) and applied: damage in the middle
    of a journal costs that record only."""
    store, records = _journaled(make_store, workdir / "store")
    expected = _without(make_store, workdir / "without", which)
    path = _current_journal(store)
    data = path.read_bytes()
    target = len(data) - sum(len(record) for record in records[which:])
    record = records[which]
    assert data[target : target + len(record)] == record
    for offset, bit in _flips(record):
        damaged = bytearray(data)
        damaged[target + offset] ^= 1 << bit
        path.write_bytes(bytes(damaged))
        loaded = load(store.kind, store.directory)
        assert content(loaded) == expected, f"bit {bit} of byte {offset} of record {which}"
        reported = loaded.report.dropped + loaded.report.warnings
        assert any(path.name in line for line in reported), (offset, loaded.report)
        assert loaded.report.journal_records == len(records) - 1


# -- snapshots ----------------------------------------------------------------------------------------

SNAPSHOT_DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "bit-flip": lambda data: data[:40] + bytes([data[40] ^ 0x10]) + data[41:],
    "bit-flip-at-the-end": lambda data: data[:-3] + bytes([data[-3] ^ 0x01]) + data[-2:],
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "garbage": lambda data: b"\x00\xff" * 300,
}


def _checkpointed_twice(make_store: MakeStore) -> SpecStore:
    """A store with a snapshot, a backup and records in the journals after each."""
    store = make_store()
    store.open()
    store.set("in_backup", ["setup"])
    if store.kind.events:
        store.record({"kind": "task_started", "task_id": "first"})
    store.checkpoint()
    store.set("in_snapshot", {"feature": "authentication"})
    store.checkpoint()
    store.set("journal_only", "acknowledged, never checkpointed")
    store.delete("in_backup")
    if store.kind.events:
        store.record({"kind": "task_started", "task_id": "second"})
    return store


@pytest.mark.parametrize("damage", list(SNAPSHOT_DAMAGE), ids=list(SNAPSHOT_DAMAGE))
def test_a_damaged_snapshot_falls_back_to_the_backup_and_reports_it(
    make_store: MakeStore, damage: str
) -> None:
    store = _checkpointed_twice(make_store)
    expected = store.content()
    store.close()
    snapshot = store.paths.snapshot
    snapshot.write_bytes(SNAPSHOT_DAMAGE[damage](snapshot.read_bytes()))

    loaded = load(store.kind, store.directory)
    assert content(loaded) == expected, "the backup and the journals after it hold everything"
    assert loaded.report.source == "backup"
    assert any(snapshot.name in line for line in loaded.report.dropped), loaded.report

    writer = make_store()  # the next checkpoint replaces the damaged snapshot, losing nothing
    assert content(writer.open()) == expected
    writer.checkpoint()
    loaded = load(store.kind, store.directory)
    assert content(loaded) == expected
    assert (loaded.report.source, loaded.report.dropped) == ("snapshot", ())


def test_a_damaged_snapshot_and_backup_are_refused_not_guessed(make_store: MakeStore) -> None:
    store = _checkpointed_twice(make_store)
    store.close()
    for path in (store.paths.snapshot, store.paths.backup):
        path.write_bytes(SNAPSHOT_DAMAGE["truncated"](path.read_bytes()))
    before = {path: path.read_bytes() for path in store.directory.rglob("*") if path.is_file()}
    # The journals no longer go back to the first epoch: what they hold is not the whole store.
    assert 1 not in store.paths.journal_epochs()
    with pytest.raises(CorruptSessionError) as raised:
        load(store.kind, store.directory)
    assert store.paths.snapshot.name in str(raised.value)
    assert store.paths.backup.name in str(raised.value)
    with pytest.raises(CorruptSessionError):
        make_store().open()
    assert {path: path.read_bytes() for path in store.directory.rglob("*") if path.is_file()} == before
