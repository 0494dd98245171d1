"""Every document core writes carries a checksum; damage is never data (issue 12, defects 1 and 6).

Before: one flipped bit in a value of a plain snapshot ("1000" -> "9000") was loaded as data,
``verify`` called the store intact, and the next checkpoint rotated the good backup out.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from sessionkeeper.core import (
    SessionManager,
    StateScope,
    app_store_paths,
    read_scope,
    read_session,
    session_paths,
    verify_store,
)
from sessionkeeper.core.storage.documents import parse_session_document
from tests.edges.support import rechecksummed


def _two_checkpoints(data_dir: Path, user_dir: Path) -> str:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    manager.set("amount", "1000")
    manager.set("limit", "1000", StateScope.APP)
    manager.checkpoint()
    manager.set("other", 1)
    manager.set("more", 2, StateScope.APP)
    manager.checkpoint()
    manager.stop()
    return session_id


def test_a_flipped_bit_in_a_plain_snapshot_value_is_damage_and_the_backup_is_kept(
    data_dir: Path, user_dir: Path
) -> None:
    session_id = _two_checkpoints(data_dir, user_dir)
    paths = session_paths(data_dir, session_id)
    good = paths.snapshot.read_bytes()
    assert good.count(b'"amount":"1000"') == 1
    flipped = good.replace(b'"amount":"1000"', b'"amount":"9000"')  # '1' ^ 0x08 == '9': one bit
    assert sum(bin(a ^ b).count("1") for a, b in zip(good, flipped, strict=True)) == 1
    paths.snapshot.write_bytes(flipped)

    view = read_session(data_dir, session_id)
    assert view.get("amount") == "1000"
    assert view.get("other") == 1
    assert any("checksum" in line for line in view.report.dropped), view.report
    assert not verify_store(paths, "session").ok

    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.resume(session_id)
    assert manager.get("amount") == "1000"
    assert manager.checkpoint()
    manager.stop()
    for path in (paths.snapshot, paths.backup):  # the damaged file never became the backup
        assert b'"amount":"9000"' not in path.read_bytes()
    assert read_session(data_dir, session_id).get("amount") == "1000"


def test_a_flipped_bit_in_an_app_store_value_is_damage(data_dir: Path, user_dir: Path) -> None:
    _two_checkpoints(data_dir, user_dir)
    paths = app_store_paths(data_dir)
    good = paths.snapshot.read_bytes()
    paths.snapshot.write_bytes(good.replace(b'"limit":"1000"', b'"limit":"9000"'))
    view = read_scope(paths, "app")
    assert view.get("limit") == "1000"
    assert view.report.dropped


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda doc: re.sub(rb'"format_version": \d', b'"format_version": 2', doc), "version flipped to 2"),
        (lambda doc: doc.replace(b'"format_version"', b'"format_versiom"'), "version key damaged"),
        (lambda doc: doc.replace(b'"checksum"', b'"chedksum"'), "checksum key damaged"),
        (lambda doc: doc[:-20] + doc[-19:], "a byte cut from the checksum"),
    ],
)
def test_damage_to_the_version_or_the_checksum_itself_is_damage(
    data_dir: Path, user_dir: Path, edit: object, why: str
) -> None:
    session_id = _two_checkpoints(data_dir, user_dir)
    paths = session_paths(data_dir, session_id)
    damaged = edit(paths.snapshot.read_bytes())  # type: ignore[operator]
    assert damaged != paths.snapshot.read_bytes(), why
    paths.snapshot.write_bytes(damaged)
    view = read_session(data_dir, session_id)
    assert view.report.dropped, why
    assert not view.legacy, why
    assert view.get("amount") == "1000"


def test_documents_without_a_checksum_load_as_unchecked_and_are_rewritten_with_one(
    data_dir: Path, user_dir: Path
) -> None:
    session_id = _two_checkpoints(data_dir, user_dir)
    paths = session_paths(data_dir, session_id)
    doc = orjson.loads(paths.snapshot.read_bytes())
    del doc["checksum"]
    doc["format_version"] = 2  # as the previous release wrote it
    paths.snapshot.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    assert not parse_session_document(paths.snapshot.read_bytes()).checked
    view = read_session(data_dir, session_id)
    assert (view.get("amount"), view.report.dropped) == ("1000", ())
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.resume(session_id)
    manager.checkpoint()
    manager.stop()
    assert parse_session_document(paths.snapshot.read_bytes()).checked


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"1" + b"]" * depth


@pytest.mark.parametrize("depth", [300, 1000, 1030])
def test_a_snapshot_value_nested_too_deep_is_damage_not_a_stuck_session(
    data_dir: Path, user_dir: Path, depth: int
) -> None:
    session_id = _two_checkpoints(data_dir, user_dir)
    paths = session_paths(data_dir, session_id)
    planted = paths.snapshot.read_bytes().replace(b'"amount":"1000"', b'"amount":' + _nested(depth))
    paths.snapshot.write_bytes(rechecksummed(planted))  # a valid checksum: only the depth is wrong
    view = read_session(data_dir, session_id)
    assert view.get("amount") == "1000"  # from the backup
    assert any("nested" in line or "JSON" in line for line in view.report.dropped), view.report
    assert not verify_store(paths, "session").ok
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.resume(session_id)
    assert manager.get("amount") == "1000"
    manager.set("after", True)
    assert manager.checkpoint()  # the session can be checkpointed again
    manager.stop()
    assert read_session(data_dir, session_id).get("after") is True


@pytest.mark.parametrize("epoch", [2**64 - 1, 2**63, -1])
def test_an_out_of_range_journal_epoch_is_damage(data_dir: Path, user_dir: Path, epoch: int) -> None:
    session_id = _two_checkpoints(data_dir, user_dir)
    paths = session_paths(data_dir, session_id)
    document = paths.snapshot.read_bytes()
    start = document.index(b'"journal_epoch": ') + len(b'"journal_epoch": ')
    end = document.index(b",", start)
    paths.snapshot.write_bytes(rechecksummed(document[:start] + str(epoch).encode() + document[end:]))
    view = read_session(data_dir, session_id)
    assert view.get("amount") == "1000"
    assert view.report.dropped
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.resume(session_id)
    manager.set("x", 1)  # set, checkpoint and stop never meet a 64-bit overflow
    assert manager.checkpoint()
    manager.stop()


def test_a_planted_journal_with_a_huge_epoch_in_its_name_is_ignored(data_dir: Path, user_dir: Path) -> None:
    session_id = _two_checkpoints(data_dir, user_dir)
    paths = session_paths(data_dir, session_id)
    (paths.aux / f"{2**64 - 1:012d}.journal").write_bytes(b"")
    (paths.aux / ("9" * 30 + ".journal")).write_bytes(b"")
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.resume(session_id)
    manager.set("x", 1)
    assert manager.checkpoint()
    manager.stop()
    assert read_session(data_dir, session_id).get("x") == 1


def test_verify_names_documents_it_cannot_check(data_dir: Path, user_dir: Path) -> None:
    session_id = _two_checkpoints(data_dir, user_dir)
    paths = session_paths(data_dir, session_id)
    doc = orjson.loads(paths.snapshot.read_bytes())
    del doc["checksum"]
    doc["format_version"] = 2
    paths.snapshot.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    check = verify_store(paths, "session")
    assert check.ok
    assert any("unchecked" in note and paths.snapshot.name in note for note in check.notes), check.notes


def test_another_sessions_snapshot_in_place_of_this_one_is_damage(data_dir: Path, user_dir: Path) -> None:
    mine = _two_checkpoints(data_dir, user_dir)
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    theirs = manager.start()
    manager.set("amount", "5")
    manager.stop()
    session_paths(data_dir, mine).snapshot.write_bytes(session_paths(data_dir, theirs).snapshot.read_bytes())
    view = read_session(data_dir, mine)
    assert view.get("amount") == "1000"  # from the backup, never the other session's value
    assert any("snapshot of" in line for line in view.report.dropped), view.report


def test_a_damaged_last_journal_record_is_damage_not_a_torn_tail(data_dir: Path, user_dir: Path) -> None:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    manager.set("a", 1)
    manager.set("last", "acknowledged")
    paths = session_paths(data_dir, session_id)
    journal = paths.journal(paths.journal_epochs()[-1])
    manager.abandon()  # the process dies: nothing more is written
    data = bytearray(journal.read_bytes())
    data[-3] ^= 0x01  # inside the last record's payload: a whole frame whose checksum fails
    journal.write_bytes(bytes(data))
    view = read_session(data_dir, session_id)
    assert view.get("last") is None
    assert any("damaged record" in line for line in view.report.dropped), view.report
    assert not verify_store(paths, "session").ok
