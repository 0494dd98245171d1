"""The journal's record format: framing, scanning, torn tails, damage in the middle, foreign journals."""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from sessionkeeper.core import SessionManager, read_session, session_paths
from sessionkeeper.core.errors import LimitExceededError
from sessionkeeper.core.limits import MAX_DEPTH, Budget, Limits
from sessionkeeper.core.model.events import CommandExecuted, encode_event
from sessionkeeper.core.storage import journal
from sessionkeeper.core.storage.journal import Damage, scan
from tests import journal_records as plain_records
from tests.conftest import run_python, sealed_record

Reopen = Callable[..., SessionManager]

STORE = "session_20240102_030405_0123abcd"


_EVENT = encode_event(CommandExecuted(command="pytest -q", exit_code=0))

# The framing and scanning of plain records, on bytes in memory: no codec is involved (sealed
# records are scanned by the store-level tests below, under every codec, and by tests/crypto).
FRAMING_ONLY = pytest.mark.plain_only("framing and scanning of plain records in memory; no codec involved")


def _records() -> list[bytes]:
    """A header and one record of every kind, framed."""
    event = _EVENT
    return [
        plain_records.header_record(STORE, 7),
        plain_records.set_record("feature", orjson.dumps("authentication")),
        plain_records.set_record("한국어 키", orjson.dumps({"값": [1, 2.5, None, True]})),
        plain_records.delete_record("feature"),
        plain_records.event_record(event),
        plain_records.set_record("big", orjson.dumps({"$type": "int", "v": str(2**80)})),
    ]


def _expected_records() -> list[list[object]]:
    return [orjson.loads(record[9:]) for record in _records()[1:]]


# -- framing ---------------------------------------------------------------------------------------


@FRAMING_ONLY
def test_frame_is_magic_length_and_length_seeded_crc_before_the_payload() -> None:
    payload = b'["D","k"]'
    framed = journal.frame(payload)
    magic, size, crc = struct.unpack_from("<BII", framed)
    assert magic == 0xA5
    assert size == len(payload)
    assert crc == zlib.crc32(payload, len(payload))
    assert framed[9:] == payload


@FRAMING_ONLY
def test_set_record_payload_is_the_json_array_of_op_key_and_encoded_value() -> None:
    value = orjson.dumps({"a": [1, "둘"]})
    payload = plain_records.set_record("키", value)[9:]
    assert orjson.loads(payload) == ["S", "키", {"a": [1, "둘"]}]
    assert payload == orjson.dumps(["S", "키", orjson.Fragment(value)])


@FRAMING_ONLY
def test_scan_of_framed_records_returns_header_and_every_record_in_order() -> None:
    data = b"".join(_records())
    scanned = scan(data)
    assert scanned.header == ["H", 1, STORE, 7]  # built without a store id: format 1, unbound
    assert scanned.records == _expected_records()
    assert scanned.damage == []
    assert scanned.good_end == len(data)


def _bound_journal(store_id: str) -> bytes:
    """A format-2 journal of ``store_id``: its header unbound, every record after it bound."""
    seed = journal.record_seed(store_id)
    payloads = [record[9:] for record in _records()[1:]]
    header = journal.frame(journal.header_payload(STORE, 7, store_id))
    return header + b"".join(journal.frame(payload, seed) for payload in payloads)


def _binder(store_id: str) -> journal.Binder:
    return lambda header: journal.Binding(journal.record_seed(store_id), None)


@FRAMING_ONLY
def test_records_bound_to_their_store_read_back_under_its_id_only() -> None:
    data = _bound_journal("a" * 32)
    scanned = scan(data, bind=_binder("a" * 32))
    assert scanned.header == ["H", journal.JOURNAL_FORMAT, STORE, 7, "a" * 32]
    assert scanned.records == _expected_records()
    assert scanned.damage == []
    foreign = scan(data, bind=_binder("b" * 32))  # the same bytes checked as another store's
    assert foreign.records == []
    assert [damage.torn_tail for damage in foreign.damage] == [False]
    assert scan(data).records == []  # nor unbound, as a format-1 journal's records are


@FRAMING_ONLY
def test_a_record_spliced_in_from_another_stores_journal_is_damage_not_data() -> None:
    mine, theirs = _bound_journal("a" * 32), _bound_journal("b" * 32)
    first = len(journal.frame(journal.header_payload(STORE, 7, "a" * 32)))
    second = first + len(_records()[1])
    spliced = mine[:second] + theirs[second:]  # their records after our header and first record
    scanned = scan(spliced, bind=_binder("a" * 32))
    assert scanned.records == _expected_records()[:1]
    assert [damage.torn_tail for damage in scanned.damage] == [False]


@FRAMING_ONLY
def test_scan_of_empty_bytes_finds_nothing_and_no_damage() -> None:
    scanned = scan(b"")
    assert (scanned.header, scanned.records, scanned.damage, scanned.good_end) == (None, [], [], 0)


@FRAMING_ONLY
def test_a_header_after_other_records_is_an_ordinary_record_not_the_header() -> None:
    records = _records()
    data = records[1] + records[0]
    scanned = scan(data)
    assert scanned.header is None
    assert scanned.records == [orjson.loads(records[1][9:]), orjson.loads(records[0][9:])]


# -- torn tails ------------------------------------------------------------------------------------


@FRAMING_ONLY
def test_a_last_record_cut_at_every_byte_offset_is_reported_as_torn_and_earlier_records_are_kept() -> None:
    records = _records()
    prefix = b"".join(records[:-1])
    last = records[-1]
    expected = _expected_records()[:-1]
    for cut in range(1, len(last)):
        scanned = scan(prefix + last[:cut])
        assert scanned.records == expected, f"cut at {cut}"
        assert scanned.header == ["H", 1, STORE, 7]
        assert scanned.damage == [Damage(len(prefix), cut, torn_tail=True)], f"cut at {cut}"
        assert scanned.good_end == len(prefix)
        assert "torn tail" in scanned.damage[0].describe()


@FRAMING_ONLY
def test_a_header_cut_short_leaves_no_header_and_a_torn_tail() -> None:
    header = _records()[0]
    for cut in range(1, len(header)):
        scanned = scan(header[:cut])
        assert scanned.header is None
        assert scanned.records == []
        assert scanned.damage == [Damage(0, cut, torn_tail=True)]
        assert scanned.good_end == 0


@FRAMING_ONLY
def test_a_length_field_beyond_the_record_limit_is_damage_not_an_allocation() -> None:
    records = _records()
    bogus = struct.pack("<BII", 0xA5, journal.MAX_RECORD + 1, 0) + b"x" * 16
    scanned = scan(records[0] + bogus + records[1])
    assert scanned.records == [orjson.loads(records[1][9:])]
    assert scanned.damage == [Damage(len(records[0]), len(bogus), torn_tail=False)]


# -- damage in the middle ---------------------------------------------------------------------------


@FRAMING_ONLY
def test_a_flipped_bit_in_a_middle_record_is_reported_and_later_records_are_still_read() -> None:
    records = _records()
    middle = 2
    start = sum(len(r) for r in records[:middle])
    data = b"".join(records)
    expected = [r for i, r in enumerate(_expected_records(), start=1) if i != middle]
    for bit in range(len(records[middle]) * 8):
        damaged = bytearray(data)
        damaged[start + bit // 8] ^= 1 << (bit % 8)
        scanned = scan(bytes(damaged))
        assert scanned.records == expected, f"bit {bit}"
        assert scanned.damage == [Damage(start, len(records[middle]), torn_tail=False)], f"bit {bit}"
        assert scanned.good_end == len(data)
        assert "damaged record" in scanned.damage[0].describe()


@FRAMING_ONLY
def test_a_record_whose_checksum_holds_but_payload_is_not_a_json_array_is_damage() -> None:
    records = _records()
    for payload in (b"not json", b'{"S": 1}', b"[]", b"[1, 2]", b'"S"'):
        bad = journal.frame(payload)
        scanned = scan(records[0] + bad + records[1])
        assert scanned.records == [orjson.loads(records[1][9:])], payload
        assert scanned.damage == [Damage(len(records[0]), len(bad), torn_tail=False)], payload


@FRAMING_ONLY
@pytest.mark.parametrize(
    "garbage",
    [b"\x00" * 37, b"garbage that is not a record", b"\xa5\xa5\xa5\x01\x02", bytes(range(256))],
    ids=["zeros", "text", "magic-bytes", "all-bytes"],
)
def test_garbage_prepended_to_a_journal_is_reported_and_every_record_is_read(garbage: bytes) -> None:
    data = garbage + b"".join(_records())
    scanned = scan(data)
    assert scanned.header == ["H", 1, STORE, 7]
    assert scanned.records == _expected_records()
    assert scanned.damage == [Damage(0, len(garbage), torn_tail=False)]
    assert scanned.good_end == len(data)


@FRAMING_ONLY
@pytest.mark.parametrize(
    "garbage",
    [b"\x00" * 37, b"garbage that is not a record", b"\xa5\xa5\xa5\x01\x02", bytes(range(256))],
    ids=["zeros", "text", "magic-bytes", "all-bytes"],
)
def test_garbage_between_records_is_reported_and_records_on_both_sides_are_read(garbage: bytes) -> None:
    records = _records()
    data = b"".join(records[:3]) + garbage + b"".join(records[3:]) + garbage + b"".join(records[3:4])
    scanned = scan(data)
    first = sum(len(r) for r in records[:3])
    second = first + len(garbage) + sum(len(r) for r in records[3:])
    expected = _expected_records()
    assert scanned.records == [*expected, expected[2]]
    assert scanned.damage == [
        Damage(first, len(garbage), torn_tail=False),
        Damage(second, len(garbage), torn_tail=False),
    ]


@FRAMING_ONLY
def test_garbage_at_the_end_is_a_torn_tail() -> None:
    data = b"".join(_records())
    scanned = scan(data + b"\xa5 trailing junk")
    assert scanned.records == _expected_records()
    assert scanned.damage == [Damage(len(data), 15, torn_tail=True)]
    assert scanned.good_end == len(data)


# -- journals on disk (store level) ---------------------------------------------------------------


def _stopped_session(reopen: Reopen) -> str:
    manager = reopen()
    session_id = manager.start()
    manager.set("kept", [1, 2, 3])
    manager.stop()
    return session_id


def _current_journal(data_dir: Path, session_id: str) -> Path:
    paths = session_paths(data_dir, session_id)
    return paths.journal(paths.journal_epochs()[-1])


def test_a_journal_whose_header_names_another_store_is_ignored_and_reported(
    data_dir: Path, reopen: Reopen
) -> None:
    session_id = _stopped_session(reopen)
    path = _current_journal(data_dir, session_id)
    epoch = int(path.name.split(".")[0])
    other = "session_20000101_000000_deadbeef"
    # Sealed for this store (with a codec on, a record sealed for another store would not even
    # open): what must make the loader ignore it is the header that names another store.
    path.write_bytes(
        sealed_record(session_id, journal.header_payload(other, epoch, other))
        + sealed_record(session_id, journal.set_payload("intruder", orjson.dumps("from elsewhere")))
    )

    view = read_session(data_dir, session_id)
    assert view.keys() == ["kept"]
    assert any(path.name in line and "does not belong" in line for line in view.report.dropped)

    manager = reopen()
    manager.resume(session_id)
    assert manager.keys() == ["kept"]
    assert manager.get("intruder") is None
    load = manager.info().load
    assert load is not None
    assert any(other in line for line in load.dropped)


def test_a_journal_whose_header_names_another_epoch_is_ignored(data_dir: Path, reopen: Reopen) -> None:
    session_id = _stopped_session(reopen)
    path = _current_journal(data_dir, session_id)
    epoch = int(path.name.split(".")[0])
    path.write_bytes(
        sealed_record(session_id, journal.header_payload(session_id, epoch + 5, session_id))
        + sealed_record(session_id, journal.set_payload("stale", orjson.dumps(1)))
    )
    view = read_session(data_dir, session_id)
    assert view.keys() == ["kept"]
    assert any("does not belong" in line for line in view.report.dropped)


def test_a_journal_without_a_readable_header_is_applied_and_reported(data_dir: Path, reopen: Reopen) -> None:
    """A lost header is damage, not proof of a foreign journal: its checked records still count."""
    session_id = _stopped_session(reopen)
    path = _current_journal(data_dir, session_id)
    path.write_bytes(sealed_record(session_id, journal.set_payload("headless", orjson.dumps(1))))
    view = read_session(data_dir, session_id)
    assert view.keys() == ["headless", "kept"]
    assert any(path.name in line and "header" in line for line in view.report.warnings + view.report.dropped)


def test_sets_acknowledged_after_resuming_over_a_foreign_journal_survive_a_crash(
    data_dir: Path, reopen: Reopen
) -> None:
    """The writer must not append acknowledged records into a journal the loader will ignore."""
    session_id = _stopped_session(reopen)
    path = _current_journal(data_dir, session_id)
    epoch = int(path.name.split(".")[0])
    other = "session_20000101_000000_deadbeef"
    foreign = journal.header_payload(other, epoch, other)
    path.write_bytes(sealed_record(session_id, foreign))

    code = (
        "import os\n"
        "from sessionkeeper.core import SessionManager\n"
        "s = SessionManager(handle_signals=False)\n"
        f"s.resume({session_id!r})\n"
        "s.set('acknowledged', 'must survive')\n"
        "os._exit(0)\n"
    )
    status, _, err = run_python(code, dict(os.environ))
    assert status == 0, err

    assert read_session(data_dir, session_id).get("acknowledged") == "must survive"
    manager = reopen()
    manager.resume(session_id)
    assert manager.get("acknowledged") == "must survive"


def test_sets_acknowledged_after_resuming_over_a_damaged_header_survive_a_crash(
    data_dir: Path, reopen: Reopen
) -> None:
    """One flipped bit in a journal's header must not make the writer's later records unloadable."""
    session_id = _stopped_session(reopen)
    path = _current_journal(data_dir, session_id)
    with path.open("ab") as file:
        file.write(sealed_record(session_id, journal.set_payload("before", orjson.dumps(1))))
    damaged = bytearray(path.read_bytes())
    damaged[12] ^= 0x01  # inside the header's payload
    path.write_bytes(bytes(damaged))
    report = read_session(data_dir, session_id).report
    assert report.dropped != ()  # the damage is reported

    code = (
        "import os\n"
        "from sessionkeeper.core import SessionManager\n"
        "s = SessionManager(handle_signals=False)\n"
        f"s.resume({session_id!r})\n"
        "s.set('acknowledged', 'must survive')\n"
        "os._exit(0)\n"
    )
    status, _, err = run_python(code, dict(os.environ))
    assert status == 0, err

    manager = reopen()
    manager.resume(session_id)
    assert manager.get("kept") == [1, 2, 3]
    assert manager.get("acknowledged") == "must survive"


# -- the budget and the depth limit inside a long run of records -------------------------------------


def _run_of_sets(count: int) -> list[bytes]:
    """A header and ``count`` set records after it."""
    values = (orjson.dumps({"n": n, "tags": ["a", "b"]}) for n in range(count))
    return [
        plain_records.header_record(STORE, 7),
        *(plain_records.set_record(f"k{n}", v) for n, v in enumerate(values)),
    ]


def _payload_bytes(records: list[bytes]) -> int:
    return sum(len(record) - 9 for record in records)


@FRAMING_ONLY
def test_a_long_run_of_records_counts_every_record_and_byte_against_the_budget() -> None:
    records = _run_of_sets(200)  # the header counts too
    budget = Budget(Limits(max_records=201, max_store_bytes=_payload_bytes(records)), "test")
    scanned = scan(b"".join(records), budget=budget)
    assert len(scanned.records) == 200
    assert (budget.records_left, budget.bytes_left) == (0, 0)  # exactly spent, not past it


@FRAMING_ONLY
@pytest.mark.parametrize("limit", ["records", "bytes"])
def test_the_record_that_goes_past_the_budget_in_a_long_run_raises(limit: str) -> None:
    records = _run_of_sets(200)
    size = _payload_bytes(records)
    limits = (
        Limits(max_records=200, max_store_bytes=size)
        if limit == "records"
        else Limits(max_records=201, max_store_bytes=size - 1)
    )
    with pytest.raises(LimitExceededError, match="journal records" if limit == "records" else "bytes"):
        scan(b"".join(records), budget=Budget(limits, "test"))


@FRAMING_ONLY
def test_a_record_nested_too_deep_inside_a_run_is_damage_and_the_records_around_it_are_read() -> None:
    records = _run_of_sets(6)
    deep = b"[" * (MAX_DEPTH + 20) + b"]" * (MAX_DEPTH + 20)
    planted = plain_records.set_record("deep", deep)  # a good checksum: written so, not damaged
    scanned = scan(b"".join([*records[:4], planted, *records[4:]]))
    assert [record[1] for record in scanned.records] == [f"k{n}" for n in range(6)]
    assert [(damage.offset, damage.torn_tail) for damage in scanned.damage] == [
        (sum(len(record) for record in records[:4]), False)
    ]
