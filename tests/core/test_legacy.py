"""The 21 session files of the tool Sessionkeeper replaces: read, recovered, resumed, never changed.

Every test works on copies (the ``legacy_dir`` fixture); what each file should contain is taken
from the file itself with the standard ``json`` module, independently of the library.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.core import (
    LoadSummary,
    SessionManager,
    StateScope,
    list_sessions,
    read_current,
    read_session,
    validate_session_id,
)
from tests.conftest import LEGACY_FIXTURES, decoded_files, stored_document

LEGACY_FILES = sorted(LEGACY_FIXTURES.rglob("session_*.json"))
LEGACY_IDS = [path.stem for path in LEGACY_FILES]
ID_IN_TEXT = re.compile(r"session_\d{8}_\d{6}_[0-9a-f]{8}")
IDENTICAL_PAIR = ("session_20251027_000654_5ce8bc41", "session_20251027_000654_ab54784f")
# Tests repeated for each of the 21 files: on plain and on one other codec (rotating per test). The
# old files are plaintext whatever the codec; it changes only how a continued session is written,
# which the tests that are not repeated per file check under every codec.
EVERY_FILE = pytest.mark.codec_sample


def _resume(manager: SessionManager, session_id: str) -> LoadSummary:
    running = manager.resume(session_id)
    load = manager.info().load
    assert load is not None
    assert load.session_id == running
    return load


Mode = Callable[[SessionManager, str], LoadSummary]
MODES: dict[str, Mode] = {
    "recover": lambda manager, session_id: manager.recover(session_id),
    "resume": _resume,
}


def _original(legacy_dir: Path, session_id: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((legacy_dir / "sessions" / f"{session_id}.json").read_bytes())
    return document


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hashes(directory: Path) -> dict[str, str]:
    return {path.name: _sha256(path) for path in sorted(directory.glob("*.json"))}


@pytest.fixture
def open_manager(legacy_dir: Path, user_dir: Path) -> Iterator[Callable[..., SessionManager]]:
    """Managers on the legacy data directory, stopped at the end of the test."""
    made: list[SessionManager] = []

    def factory(**kwargs: Any) -> SessionManager:
        manager = SessionManager(data_dir=legacy_dir, user_dir=user_dir, handle_signals=False, **kwargs)
        made.append(manager)
        return manager

    yield factory
    for manager in made:
        manager.stop()


def test_the_fixture_set_is_complete() -> None:
    assert len(LEGACY_FILES) == 21
    assert len(set(LEGACY_IDS)) == 21
    for path in LEGACY_FILES:
        assert validate_session_id(path.stem) == path.stem
        assert "format_version" not in json.loads(path.read_bytes())


def test_list_sessions_finds_every_legacy_file(legacy_dir: Path) -> None:
    entries = list_sessions(legacy_dir)
    assert sorted(entry.session_id for entry in entries) == sorted(LEGACY_IDS)
    assert all(entry.has_snapshot and not entry.has_backup and not entry.live for entry in entries)
    assert all(entry.legacy for entry in entries)


def test_list_sessions_orders_legacy_files_by_their_exact_start_time(legacy_dir: Path) -> None:
    """Ids only have whole seconds: within one second the start time written in the file decides."""
    started = {
        session_id: datetime.fromisoformat(_original(legacy_dir, session_id)["started_at"])
        for session_id in LEGACY_IDS
    }
    order = [entry.session_id for entry in list_sessions(legacy_dir)]
    assert [(sid[8:23], started[sid]) for sid in order] == sorted((sid[8:23], started[sid]) for sid in order)


def test_starting_a_session_never_removes_legacy_files(legacy_dir: Path, tmp_path: Path) -> None:
    """Retention neither counts nor removes the old tool's files: they are read-only history."""
    before = {path.name: path.read_bytes() for path in (legacy_dir / "sessions").glob("*.json")}
    assert len(before) > 10  # more than the default max_sessions
    session = SessionManager(data_dir=legacy_dir, user_dir=tmp_path / "user", handle_signals=False)
    for _ in range(3):
        session.start()
        session.stop()
    after = {
        path.name: path.read_bytes()
        for path in (legacy_dir / "sessions").glob("*.json")
        if path.name in before
    }
    assert after == before


# -- reading --------------------------------------------------------------------------------------
@EVERY_FILE
@pytest.mark.parametrize("session_id", LEGACY_IDS)
def test_read_session_loads_the_legacy_file_as_it_is(legacy_dir: Path, session_id: str) -> None:
    original = _original(legacy_dir, session_id)
    scopes = original["scope_data"]
    view = read_session(legacy_dir, session_id)
    assert view.session_id == session_id
    assert view.stored_id == original["session_id"]
    assert view.legacy
    assert view.started_at == datetime.fromisoformat(original["started_at"])
    assert view.last_checkpoint == datetime.fromisoformat(original["last_checkpoint"])
    assert view.keys() == sorted(scopes["session"])
    assert {key: view.get(key) for key in scopes["session"]} == scopes["session"]
    assert view.user == scopes["user"]
    assert view.app == scopes["app"]
    assert view.temp == scopes["temp"]
    assert view.events() == []
    assert view.report.dropped == ()


@EVERY_FILE
@pytest.mark.parametrize("session_id", LEGACY_IDS)
def test_a_file_whose_name_disagrees_with_its_session_id_is_reported(
    legacy_dir: Path, session_id: str
) -> None:
    inside = _original(legacy_dir, session_id)["session_id"]
    view = read_session(legacy_dir, session_id)
    assert view.session_id == session_id  # the file name decides which session it is
    assert view.stored_id == inside
    assert (view.stored_id != view.session_id) == (inside != session_id)


def test_seven_file_names_disagree_with_the_id_inside(legacy_dir: Path) -> None:
    """Six files name another session's id, and one of the identical pair does too."""
    mismatched = {
        session_id
        for session_id in LEGACY_IDS
        if read_session(legacy_dir, session_id).stored_id != session_id
    }
    assert mismatched == {
        "session_20251026_234632_e379fd30",
        "session_20251026_234701_e3152736",
        "session_20251026_234720_8c5fd0bf",
        "session_20251026_234739_5292d406",
        "session_20251026_234813_3fb3acd2",
        "session_20251026_234831_65859dd1",
        "session_20251027_000654_5ce8bc41",
    }


# -- recover and resume ---------------------------------------------------------------------------
@EVERY_FILE
@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("session_id", LEGACY_IDS)
def test_legacy_session_continues_under_a_new_id_with_its_values(
    legacy_dir: Path, open_manager: Callable[..., SessionManager], session_id: str, mode: str
) -> None:
    original = _original(legacy_dir, session_id)
    scopes = original["scope_data"]
    manager = open_manager()
    summary = MODES[mode](manager, session_id)

    new_id = manager.session_id
    assert new_id is not None
    assert new_id != session_id
    assert new_id not in LEGACY_IDS
    assert validate_session_id(new_id) == new_id
    assert summary.session_id == new_id
    assert summary.continued_from == session_id
    assert summary.source == "legacy"
    info = manager.info()
    assert info.load == summary
    assert info.load.continued_from == session_id
    assert info.resumed_from == session_id
    assert read_current(legacy_dir) == new_id

    assert manager.keys(StateScope.SESSION) == sorted(scopes["session"])
    for key, value in scopes["session"].items():
        assert manager.get(key, StateScope.SESSION) == value, key
    for key, value in scopes["user"].items():  # the user directory was empty: everything adopted
        assert manager.get(key, StateScope.USER) == value, key
    for key, value in scopes["app"].items():
        assert manager.get(key, StateScope.APP) == value, key
    assert manager.keys(StateScope.TEMP) == sorted(scopes["temp"])
    for key, value in scopes["temp"].items():
        assert manager.get(key, StateScope.TEMP) == value, key


def test_load_summary_names_the_id_inside_only_when_it_differs(
    legacy_dir: Path, open_manager: Callable[..., SessionManager]
) -> None:
    manager = open_manager()
    for session_id in LEGACY_IDS:
        inside = _original(legacy_dir, session_id)["session_id"]
        modes = sorted(MODES) if inside != session_id else ["recover"]
        for mode in modes:
            summary = MODES[mode](manager, session_id)
            named = {found for warning in summary.warnings for found in ID_IN_TEXT.findall(warning)}
            assert session_id in named, summary  # what was done with it is said
            if inside != session_id:
                assert any(inside in warning and session_id in warning for warning in summary.warnings), (
                    mode,
                    summary,
                )
            else:
                assert named <= {session_id, summary.session_id}, summary


@EVERY_FILE
@pytest.mark.parametrize("session_id", LEGACY_IDS)
def test_continued_session_is_an_ordinary_session_afterwards(
    legacy_dir: Path, open_manager: Callable[..., SessionManager], session_id: str
) -> None:
    scopes = _original(legacy_dir, session_id)["scope_data"]
    manager = open_manager()
    new_id = manager.resume(session_id)
    manager.set("continued", "새 세션에서 계속", StateScope.SESSION)
    manager.stop()

    view = read_session(legacy_dir, new_id)
    assert not view.legacy
    assert view.resumed_from == session_id
    assert view.temp == {}  # TEMP was in memory only

    later = open_manager()
    assert later.resume(new_id) == new_id  # not continued again: it is ours
    load = later.info().load
    assert load is not None
    assert load.source != "legacy"
    assert load.continued_from is None
    assert later.info().resumed_from == session_id
    assert later.get("continued") == "새 세션에서 계속"
    for key, value in scopes["session"].items():
        assert later.get(key) == value, key
    assert later.keys(StateScope.TEMP) == []


def test_temp_values_of_a_legacy_file_are_loaded_into_memory_only(
    legacy_dir: Path, user_dir: Path, open_manager: Callable[..., SessionManager]
) -> None:
    session_id = "session_20251026_233932_3a8f9571"
    command_log = _original(legacy_dir, session_id)["scope_data"]["temp"]["command_log"]
    assert len(command_log) > 1
    manager = open_manager()
    summary = manager.recover(session_id)
    assert manager.get("command_log", StateScope.TEMP) == command_log
    assert any("TEMP" in warning for warning in summary.warnings)
    new_id = manager.session_id
    assert manager.checkpoint()
    manager.stop()

    # Raw, and as opened with the configured codec; the old file itself holds it, of course.
    written = decoded_files(legacy_dir, user_dir, skip={f"{session_id}.json"})
    assert b"command_log" not in written
    later = open_manager()
    later.resume(new_id)
    assert later.get("command_log", StateScope.TEMP) is None


def test_user_and_app_values_are_adopted_only_where_absent(
    legacy_dir: Path, open_manager: Callable[..., SessionManager]
) -> None:
    first = open_manager()
    first.set("user_pref", "light_mode", StateScope.USER)  # already set before the old file is read
    first.set("app_name", "Mine", StateScope.APP)
    first.stop()

    with_user = open_manager()
    with_user.recover("session_20251026_234701_e3152736")  # user_pref=dark_mode, execution_stats
    assert with_user.get("user_pref", StateScope.USER) == "light_mode"
    stats = _original(legacy_dir, "session_20251026_234701_e3152736")["scope_data"]["user"]["execution_stats"]
    assert with_user.get("execution_stats", StateScope.USER) == stats

    with_app = open_manager()
    with_app.recover("session_20251027_040642_01e5f65c")  # user_id, app_name=SessionManager
    assert with_app.get("app_name", StateScope.APP) == "Mine"
    assert with_app.get("user_id", StateScope.USER) == "user_001"
    with_user.stop()
    with_app.stop()

    # Adopted values are stored in the USER/APP stores: a later program run sees them.
    later = open_manager()
    assert later.get("execution_stats", StateScope.USER) == stats
    assert later.get("user_id", StateScope.USER) == "user_001"
    assert later.get("user_pref", StateScope.USER) == "light_mode"
    assert later.get("app_name", StateScope.APP) == "Mine"


def test_resume_without_an_id_continues_the_latest_legacy_session(
    legacy_dir: Path, open_manager: Callable[..., SessionManager]
) -> None:
    manager = open_manager()
    new_id = manager.resume()
    load = manager.info().load
    assert load is not None
    assert load.continued_from == max(LEGACY_IDS)
    assert new_id != max(LEGACY_IDS)
    assert manager.get("test_key") == "test_value"
    assert manager.get("app_name", StateScope.APP) == "SessionManager"


# -- the odd ones ---------------------------------------------------------------------------------
def test_both_byte_identical_files_load_as_separate_sessions(
    legacy_dir: Path, open_manager: Callable[..., SessionManager]
) -> None:
    first, second = IDENTICAL_PAIR
    assert (legacy_dir / "sessions" / f"{first}.json").read_bytes() == (
        legacy_dir / "sessions" / f"{second}.json"
    ).read_bytes()
    views = [read_session(legacy_dir, session_id) for session_id in IDENTICAL_PAIR]
    assert [view.session_id for view in views] == list(IDENTICAL_PAIR)
    assert views[0].values == views[1].values
    assert views[0].stored_id == views[1].stored_id == second

    manager = open_manager()
    continued = {}
    for session_id in IDENTICAL_PAIR:
        summary = manager.recover(session_id)
        assert summary.continued_from == session_id
        assert manager.get("recovery_test") == "복구 데이터"
        continued[session_id] = summary.session_id
    assert continued[first] != continued[second]


@pytest.mark.parametrize(
    ("session_id", "key", "expected"),
    [
        ("session_20251026_233932_3a8f9571", "current_task", "성능 최적화 - 49"),
        ("session_20251027_000654_ab54784f", "recovery_test", "복구 데이터"),
        ("session_20251027_000654_5ce8bc41", "recovery_test", "복구 데이터"),
    ],
)
def test_korean_text_round_trips_through_a_continued_session(
    legacy_dir: Path, open_manager: Callable[..., SessionManager], session_id: str, key: str, expected: str
) -> None:
    def korean(value: Any) -> Any:
        return value["title"] if isinstance(value, dict) else value

    assert korean(read_session(legacy_dir, session_id).get(key)) == expected
    manager = open_manager()
    new_id = manager.resume(session_id)
    assert korean(manager.get(key)) == expected
    manager.set("메모", "한국어 값도 그대로", StateScope.SESSION)
    manager.stop()

    on_disk = stored_document(legacy_dir / "sessions" / f"{new_id}.json")
    assert korean(on_disk["scope_data"]["session"][key]) == expected
    assert on_disk["scope_data"]["session"]["메모"] == "한국어 값도 그대로"
    later = open_manager()
    later.resume(new_id)
    assert korean(later.get(key)) == expected
    assert later.get("메모") == "한국어 값도 그대로"


# -- left exactly as found ------------------------------------------------------------------------
def test_every_legacy_file_is_left_byte_identical_and_in_place(
    legacy_dir: Path, open_manager: Callable[..., SessionManager]
) -> None:
    sessions = legacy_dir / "sessions"
    before = _hashes(sessions)
    assert sorted(before) == sorted(f"{session_id}.json" for session_id in LEGACY_IDS)
    originals = {path.name: _sha256(path) for path in LEGACY_FILES}
    assert before == originals  # the copies are exact

    manager = open_manager()
    continued: list[str] = []
    for session_id in LEGACY_IDS:
        read_session(legacy_dir, session_id)
        continued.append(manager.recover(session_id).session_id)
        manager.set("touched", True)
        manager.checkpoint()
        continued.append(manager.resume(session_id))
        manager.set("touched", True)
    list_sessions(legacy_dir)
    manager.stop()

    after = _hashes(sessions)
    assert {name: after.get(name) for name in before} == before  # none changed, none deleted
    assert set(after) == set(before) | {f"{session_id}.json" for session_id in continued}
    # Nothing was added under an old id either (no backup, journal directory or lock).
    leftovers = {path.name for path in sessions.iterdir() if path.name.startswith(tuple(LEGACY_IDS))}
    assert leftovers == set(before)
    assert {path.name: _sha256(path) for path in LEGACY_FILES} == originals
