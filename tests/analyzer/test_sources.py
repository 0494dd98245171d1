"""Unreadable, hostile and copied files: skipped, counted and named, never fatal."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from sessionkeeper.core import Event, TaskCompleted, TaskStarted, sessions_dir
from tests.analyzer.conftest import analyze_dict, utc

Record = Callable[[Sequence[Event]], str]
NOW = utc(2025, 10, 22, 12, 0, 0)


def _run(task_id: str, hour: int) -> list[Event]:
    return [
        TaskStarted(task_id=task_id, at=utc(2025, 10, 20, hour, 0, 0)),
        TaskCompleted(task_id=task_id, success=True, duration=1.0, at=utc(2025, 10, 20, hour, 0, 1)),
    ]


def _doc(session_id: str, *, events: list[Any] | None = None, legacy: bool = False, **fields: Any) -> bytes:
    doc: dict[str, Any] = {
        "session_id": session_id,
        "started_at": "2025-10-20T08:00:00+00:00",
        "last_checkpoint": "2025-10-20T09:00:00+00:00",
        "context_hash": "0" * 16,
        "state_data": {},
        "scope_data": {"session": {}, "user": {}, "app": {}, "temp": {}},
    }
    if not legacy:
        doc.update(format_version=2, journal_epoch=0, resumed_from=None, events=events or [])
    doc.update(fields)
    return orjson.dumps(doc)


def _write(data_dir: Path, name: str, content: bytes) -> Path:
    folder = sessions_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


GOOD_EVENT = {"kind": "task_completed", "task_id": "X", "success": True, "at": "2025-10-20T09:30:00+00:00"}


def test_hostile_files_are_skipped_with_their_reasons(record: Record, data_dir: Path) -> None:
    record(_run("GOOD", 9))
    sid = "session_20251020_100000_{:08x}"
    _write(data_dir, sid.format(1) + ".json", b"{not json")
    _write(data_dir, sid.format(2) + ".json", _doc(sid.format(2), scope_data=[1, 2]))
    _write(data_dir, sid.format(3) + ".json", b"[]")
    _write(data_dir, sid.format(4) + ".json", b"[" * 100_000 + b"]" * 100_000)
    _write(data_dir, sid.format(5) + ".json", _doc("../../etc/passwd"))
    bad_event = {**GOOD_EVENT, "success": "false"}
    _write(data_dir, sid.format(6) + ".json", _doc(sid.format(6), events=[GOOD_EVENT, bad_event]))
    _write(
        data_dir,
        sid.format(7) + ".json",
        _doc(
            sid.format(7),
            legacy=True,
            scope_data={"session": {"task_history": "oops"}, "user": {}, "temp": {}},
        ),
    )
    _write(data_dir, "session_bad.json", _doc("session_bad"))
    _write(data_dir, "session_20251399_250000_0000abcd.json", _doc("session_20251399_250000_0000abcd"))
    _write(data_dir, "notes.json", b"{}")
    _write(data_dir, "README.txt", b"not a session, not claiming to be one")
    os.symlink("/etc/hostname", sessions_dir(data_dir) / (sid.format(8) + ".json"))

    report = analyze_dict(data_dir, now=NOW)

    reasons = {item["file"]: item["reason"] for item in report["files_skipped"]}
    assert reasons == {
        sid.format(1) + ".json": "unreadable",
        sid.format(2) + ".json": "unreadable",
        sid.format(3) + ".json": "unreadable",
        sid.format(4) + ".json": "unreadable",
        sid.format(5) + ".json": "bad_id",
        sid.format(6) + ".json": "malformed_event",
        sid.format(7) + ".json": "wrong_types",
        sid.format(8) + ".json": "unreadable",
        "session_bad.json": "bad_name",
        "session_20251399_250000_0000abcd.json": "bad_name",  # the shape of an id, not a date
        "notes.json": "bad_name",
    }
    details = {item["file"]: item["detail"] for item in report["files_skipped"]}
    assert "event #1: success must be true or false" in details[sid.format(6) + ".json"]
    assert "task_history is not a list" in details[sid.format(7) + ".json"]
    # The good session is counted; the half-good file 6 contributes nothing (not its first event either).
    assert report["stats"]["total_tasks"] == 1
    assert report["tasks"]["most_run"] == [{"task_id": "GOOD", "count": 1}]
    assert report["sessions_read"] == 1


def test_files_over_the_size_limit_are_not_read(record: Record, data_dir: Path) -> None:
    record(_run("BIG", 9))
    report = analyze_dict(data_dir, now=NOW, max_session_bytes=100)
    assert [item["reason"] for item in report["files_skipped"]] == ["too_large"]
    assert "over the 100-byte limit" in report["files_skipped"][0]["detail"]
    assert report["stats"]["total_tasks"] == 0


def test_damaged_journal_bytes_are_reported_as_warnings(record: Record, data_dir: Path) -> None:
    session_id = record(_run("A", 9))
    journals = sorted((sessions_dir(data_dir) / f"{session_id}.d").glob("*.journal"))
    with journals[-1].open("ab") as handle:
        handle.write(b"\xa5\x00\x00\x00\xffgarbage")
    report = analyze_dict(data_dir, now=NOW)
    assert report["stats"]["total_tasks"] == 1
    assert report["warnings"]
    assert all(warning.startswith(f"{session_id}.json: ") for warning in report["warnings"])


def test_a_copy_of_a_sessionkeeper_session_under_another_name_counts_once(
    record: Record, data_dir: Path
) -> None:
    session_id = record(_run("A", 9))
    folder = sessions_dir(data_dir)
    copy = "session_20251020_090000_0000beef.json"
    shutil.copyfile(folder / f"{session_id}.json", folder / copy)
    report = analyze_dict(data_dir, now=NOW)
    assert report["stats"]["total_tasks"] == 1
    assert report["files_skipped"] == [
        {
            "file": copy,
            "reason": "copy",
            "detail": f"a copy of session {session_id}, whose own file {session_id}.json was kept",
        }
    ]


def test_among_copies_without_their_own_file_the_latest_checkpoint_wins(data_dir: Path) -> None:
    owner = "session_20251020_080000_0000aaaa"
    early = _doc(owner, events=[GOOD_EVENT], last_checkpoint="2025-10-20T09:00:00+00:00")
    later_events = [GOOD_EVENT, {**GOOD_EVENT, "at": "2025-10-20T09:45:00+00:00"}]
    late = _doc(owner, events=later_events, last_checkpoint="2025-10-20T10:00:00+00:00")
    _write(data_dir, "session_20251020_080000_00000001.json", late)
    _write(data_dir, "session_20251020_080000_00000002.json", early)
    _write(data_dir, "session_20251020_080000_00000003.json", late)
    report = analyze_dict(data_dir, now=NOW)
    assert report["stats"]["total_tasks"] == 2
    assert {(s["file"], s["reason"]) for s in report["files_skipped"]} == {
        ("session_20251020_080000_00000002.json", "older_copy"),
        ("session_20251020_080000_00000003.json", "identical_copy"),
    }


def test_an_empty_or_missing_sessions_folder_gives_an_empty_report(data_dir: Path) -> None:
    data_dir.mkdir()
    report = analyze_dict(data_dir, now=NOW)
    assert report["sessions_read"] == 0
    assert report["files_skipped"] == []
    assert report["stats"]["success_rate"] is None


def test_a_missing_data_directory_is_a_user_error(tmp_path: Path) -> None:
    from sessionkeeper.analyzer import DataDirError

    with pytest.raises(DataDirError, match="does not exist"):
        analyze_dict(tmp_path / "nowhere", now=NOW)


MAGIC = b"\x89SKE"  # core's sealed-file header (codec.py): magic, version, flags, algorithm, kdf, key id


def test_encrypted_sessions_without_a_key_are_skipped_with_what_to_set(
    record: Record, data_dir: Path
) -> None:
    record(_run("PLAIN", 9))
    sealed = MAGIC + bytes([1, 2, 1, 0]) + b"\x01" * 8 + bytes(12) + b"ciphertext" * 4
    _write(data_dir, "session_20251020_100000_0000abcd.json", sealed)
    report = analyze_dict(data_dir, now=NOW)
    assert [(s["file"], s["reason"]) for s in report["files_skipped"]] == [
        ("session_20251020_100000_0000abcd.json", "no_key")
    ]
    assert "SESSIONKEEPER_KEY" in report["files_skipped"][0]["detail"]
    assert report["stats"]["total_tasks"] == 1


def test_a_damaged_compressed_file_is_unreadable_not_fatal(record: Record, data_dir: Path) -> None:
    record(_run("PLAIN", 9))
    _write(
        data_dir, "session_20251020_100000_0000abcd.json", MAGIC + bytes([1, 1, 0, 0]) + bytes(8) + b"junk"
    )
    report = analyze_dict(data_dir, now=NOW)
    assert [s["reason"] for s in report["files_skipped"]] == ["unreadable"]
    assert "compressed data is damaged" in report["files_skipped"][0]["detail"]


@pytest.mark.parametrize(
    "setting", [{"SESSIONKEEPER_COMPRESSION": "zstd"}, {"SESSIONKEEPER_KEY": "generated"}]
)
def test_compressed_and_encrypted_sessions_are_read_with_the_configured_codec(
    data_dir: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch, setting: dict[str, str]
) -> None:
    from sessionkeeper.core import generate_key
    from tests.analyzer.conftest import record_session

    if "SESSIONKEEPER_KEY" in setting:
        pytest.importorskip("cryptography", reason="session-core[crypto] is not installed")
        import base64

        setting = {"SESSIONKEEPER_KEY": base64.b64encode(generate_key().material).decode()}
    else:
        pytest.importorskip("zstandard", reason="session-core[zstd] is not installed")
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    session_id = record_session(data_dir, user_dir, _run("SEALED", 9))
    assert (sessions_dir(data_dir) / f"{session_id}.json").read_bytes().startswith(MAGIC)
    assert analyze_dict(data_dir, now=NOW)["stats"]["total_tasks"] == 1
    if "SESSIONKEEPER_KEY" in setting:
        monkeypatch.delenv("SESSIONKEEPER_KEY")
        assert [s["reason"] for s in analyze_dict(data_dir, now=NOW)["files_skipped"]] == ["no_key"]
