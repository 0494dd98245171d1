"""Session ids are file names, so they are validated; the files the library makes are private.

Also: the ``current`` pointer (seen by other processes) and retention (``max_sessions``).
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.core import (
    InvalidSessionIdError,
    SessionkeeperError,
    SessionManager,
    SessionNotFoundError,
    StateScope,
    list_sessions,
    new_session_id,
    read_current,
    read_session,
    session_paths,
    sessions_dir,
)
from tests.conftest import run_python

Opener = Callable[..., SessionManager]

VALID_LOOKING = "session_20250101_000000_abcdef12"
HOSTILE_IDS: list[object] = [
    "../../x",
    "/etc/passwd",
    "session_20250101_000000_abcdefg\x00",
    f"{VALID_LOOKING}\x00",
    f"{VALID_LOOKING}\x00/../../x",
    f"../sessions/{VALID_LOOKING}",
    f"{VALID_LOOKING}/../../../x",
    f"sessions/{VALID_LOOKING}",
    "",
    ".",
    "..",
    "session_",
    "session_20250101_000000_ABCDEF12",  # upper-case hex
    "session_20250101_000000_abcdef1",  # 7 hex digits
    "session_20250101_000000_abcdef123",  # 9 hex digits
    "session_2025010_000000_abcdef12",
    "session_20250101_00000_abcdef12",
    "session_20250101-000000_abcdef12",
    f"{VALID_LOOKING}.json",
    f"{VALID_LOOKING}.json.bak",
    f" {VALID_LOOKING}",
    f"{VALID_LOOKING}\n",
    f"SESSION{VALID_LOOKING[7:]}",
    "current",
    123,
    12.5,
    b"session_20250101_000000_abcdef12",
    Path(VALID_LOOKING),
    [VALID_LOOKING],
    {"session_id": VALID_LOOKING},
]

# Each way the library takes an id from a caller. ``resume(None)`` means "the latest", so None is
# only hostile for the others.
EntryPoint = Callable[[SessionManager, Path, Any], object]
ENTRY_POINTS: dict[str, EntryPoint] = {
    "resume": lambda manager, data_dir, session_id: manager.resume(session_id),
    "recover": lambda manager, data_dir, session_id: manager.recover(session_id),
    "read_session": lambda manager, data_dir, session_id: read_session(data_dir, session_id),
    "session_paths": lambda manager, data_dir, session_id: session_paths(data_dir, session_id),
}


def _tree(root: Path) -> set[str]:
    """Every path under ``root`` (files and directories), relative to it."""
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def _new_manager(data_dir: Path, user_dir: Path, **kwargs: Any) -> SessionManager:
    return SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, **kwargs)


@pytest.fixture
def managers(data_dir: Path, user_dir: Path) -> Iterator[Opener]:
    """Independent managers on the test's directories, all stopped at the end."""
    made: list[SessionManager] = []

    def factory(**kwargs: Any) -> SessionManager:
        made.append(_new_manager(data_dir, user_dir, **kwargs))
        return made[-1]

    yield factory
    for manager in made:
        manager.stop()


def _next_second(previous_id: str) -> None:
    """Wait until a new id would carry a later timestamp than ``previous_id``."""
    while new_session_id()[8:23] <= previous_id[8:23]:
        time.sleep(0.01)


# -- hostile ids ----------------------------------------------------------------------------------
# Refused before any file is read or written: the codec never comes into play.
NO_FILE_TOUCHED = pytest.mark.plain_only("the id is refused before any file is read or written")


@NO_FILE_TOUCHED
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("session_id", HOSTILE_IDS, ids=repr)
def test_hostile_id_is_refused_before_anything_touches_the_disk(
    entry: str, session_id: object, tmp_path: Path, data_dir: Path, user_dir: Path
) -> None:
    manager = _new_manager(data_dir, user_dir)
    try:
        with pytest.raises(InvalidSessionIdError):
            ENTRY_POINTS[entry](manager, data_dir, session_id)
    finally:
        manager.stop()
    assert _tree(tmp_path) == set()
    assert not manager.is_running


@NO_FILE_TOUCHED
@pytest.mark.parametrize("entry", ["read_session", "recover", "session_paths"])
def test_none_is_not_a_session_id(entry: str, tmp_path: Path, data_dir: Path, user_dir: Path) -> None:
    manager = _new_manager(data_dir, user_dir)
    try:
        with pytest.raises(InvalidSessionIdError):
            ENTRY_POINTS[entry](manager, data_dir, None)
    finally:
        manager.stop()
    assert _tree(tmp_path) == set()


@pytest.mark.parametrize("entry", ["resume", "recover"])
@pytest.mark.parametrize("session_id", ["../../x", "/etc/passwd", f"{VALID_LOOKING}\x00"], ids=repr)
def test_hostile_id_leaves_the_running_session_running(
    entry: str, session_id: str, manager: SessionManager, data_dir: Path
) -> None:
    running = manager.session_id
    manager.set("kept", "yes")
    before = _tree(data_dir)
    with pytest.raises(InvalidSessionIdError):
        ENTRY_POINTS[entry](manager, data_dir, session_id)
    assert manager.session_id == running
    assert manager.get("kept") == "yes"
    assert _tree(data_dir) == before
    assert not (data_dir.parent / "x").exists()


def _accepted_by(session_id: str, data_dir: Path, user_dir: Path) -> list[str]:
    """The entry points that did *not* refuse ``session_id`` with InvalidSessionIdError."""
    accepted = []
    for name, entry in sorted(ENTRY_POINTS.items()):
        manager = _new_manager(data_dir, user_dir)
        try:
            entry(manager, data_dir, session_id)
        except InvalidSessionIdError:
            continue
        except Exception:  # got past validation, then failed otherwise (e.g. not found)
            accepted.append(name)
        else:
            accepted.append(name)
        finally:
            manager.stop()
    return accepted


@NO_FILE_TOUCHED
@pytest.mark.parametrize(
    "session_id",
    [
        "session_\uff12\uff10\uff12\uff15\uff10\uff11\uff10\uff11_000000_abcdef12",  # full-width digits
        "session_\u0662\u0660\u0662\u0665\u0660\u0661\u0660\u0661_000000_abcdef12",  # Arabic-Indic
        "session_20250101_000000_abcdef12".replace("0", "\u07c0"),  # NKo digit zero
    ],
    ids=["fullwidth", "arabic-indic", "nko"],
)
def test_ids_with_non_ascii_digits_are_refused(
    session_id: str, tmp_path: Path, data_dir: Path, user_dir: Path
) -> None:
    """The documented form is ``session_YYYYMMDD_HHMMSS_<8 hex>`` in ASCII: an id is a file name."""
    assert _accepted_by(session_id, data_dir, user_dir) == []
    assert _tree(tmp_path) == set()


@NO_FILE_TOUCHED
@pytest.mark.parametrize(
    "session_id",
    [
        "session_20251399_000000_abcdef12",
        "session_20250101_256199_abcdef12",
        "session_00000000_000000_abcdef12",
    ],
)
def test_ids_naming_an_impossible_start_time_are_refused(
    session_id: str, tmp_path: Path, data_dir: Path, user_dir: Path
) -> None:
    """``YYYYMMDD_HHMMSS`` is a time: an id that is none is not of the documented form."""
    assert _accepted_by(session_id, data_dir, user_dir) == []
    assert _tree(tmp_path) == set()


def test_resume_of_a_file_named_with_an_impossible_time_fails_with_a_library_error(
    managers: Opener, data_dir: Path
) -> None:
    """Such a file can exist (copied or renamed by hand); resuming it must not raise a bare ValueError."""
    maker = managers()
    real = maker.start()
    maker.set("a", 1)
    maker.stop()
    odd = "session_20251399_000000_abcdef12"
    (sessions_dir(data_dir) / f"{odd}.json").write_bytes(
        (sessions_dir(data_dir) / f"{real}.json").read_bytes()
    )
    with pytest.raises(SessionkeeperError):
        managers().resume(odd)


def test_well_formed_ids_made_by_the_library_are_accepted(manager: SessionManager, data_dir: Path) -> None:
    session_id = manager.session_id
    assert session_id is not None
    paths = session_paths(data_dir, session_id)
    assert paths.snapshot.parent == sessions_dir(data_dir)
    assert paths.snapshot.name == f"{session_id}.json"
    assert read_session(data_dir, session_id).session_id == session_id


# -- ids that do not exist ----------------------------------------------------------------------
@pytest.mark.parametrize("entry", ["resume", "recover", "read_session"])
def test_missing_well_formed_id_raises_session_not_found_and_creates_nothing(
    entry: str, tmp_path: Path, data_dir: Path, user_dir: Path
) -> None:
    manager = _new_manager(data_dir, user_dir)
    try:
        with pytest.raises(SessionNotFoundError) as raised:
            ENTRY_POINTS[entry](manager, data_dir, VALID_LOOKING)
    finally:
        manager.stop()
    assert raised.value.session_id == VALID_LOOKING
    assert _tree(tmp_path) == set()


@pytest.mark.parametrize("entry", ["resume", "recover"])
def test_missing_session_leaves_the_running_session_running(
    entry: str, manager: SessionManager, data_dir: Path
) -> None:
    running = manager.session_id
    manager.set("kept", [1, 2])
    with pytest.raises(SessionNotFoundError):
        ENTRY_POINTS[entry](manager, data_dir, VALID_LOOKING)
    assert manager.session_id == running
    assert manager.get("kept") == [1, 2]
    assert not session_paths(data_dir, VALID_LOOKING).exists()


def test_resume_without_any_session_raises_session_not_found(managers: Opener, tmp_path: Path) -> None:
    with pytest.raises(SessionNotFoundError):
        managers().resume()
    assert _tree(tmp_path) == set()


# -- file modes -----------------------------------------------------------------------------------
def test_directories_are_0700_and_files_0600_even_with_a_permissive_umask(
    data_dir: Path, user_dir: Path
) -> None:
    previous = os.umask(0)
    try:
        manager = _new_manager(data_dir, user_dir)
        session_id = manager.start()
        manager.set("feature", "auth", StateScope.SESSION)
        manager.set("user:theme", "dark", StateScope.USER)
        manager.set("project:name", "kit", StateScope.APP)
        manager.set("temp:cache", object(), StateScope.TEMP)
        assert manager.checkpoint()
        manager.set("feature", "auth-2", StateScope.SESSION, flush=True)
        manager.set("user:theme", "light", StateScope.USER)
        manager.set("project:name", "kit-2", StateScope.APP)
        assert manager.checkpoint()  # the second checkpoint turns the first snapshots into backups
        manager.stop()
    finally:
        os.umask(previous)

    checked: dict[str, int] = {}
    for root in (data_dir, user_dir):
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            assert not path.is_symlink(), path
            expected = 0o700 if path.is_dir() else 0o600
            assert mode == expected, f"{path} has mode {mode:o}, expected {expected:o}"
            checked[path.name] = mode
    # The walk saw every kind of file the library writes.
    assert f"{session_id}.json" in checked
    assert f"{session_id}.json.bak" in checked
    assert {"current", "user.json", "user.json.bak", "app.json", "app.json.bak"} <= set(checked)
    assert any(name.endswith(".journal") for name in checked)
    assert {"lock", "live", "compact"} <= set(checked)


# -- the current pointer --------------------------------------------------------------------------
def test_current_pointer_names_the_started_session_for_another_process(
    manager: SessionManager, data_dir: Path
) -> None:
    assert read_current(data_dir) == manager.session_id
    code = (
        "from pathlib import Path\n"
        "from sessionkeeper.core import read_current\n"
        f"print(read_current(Path({str(data_dir)!r})))\n"
    )
    status, out, err = run_python(code, dict(os.environ))
    assert status == 0, err
    assert out.strip() == manager.session_id


def test_session_started_by_another_process_becomes_current_here(
    manager: SessionManager, data_dir: Path
) -> None:
    mine = manager.session_id
    code = (
        "from sessionkeeper.core import SessionManager\n"
        "s = SessionManager.get_instance()\n"
        "print(s.start())\n"
        "s.stop()\n"
    )
    status, out, err = run_python(code, dict(os.environ))
    assert status == 0, err
    theirs = out.strip()
    assert theirs != mine
    assert read_current(data_dir) == theirs
    assert {mine, theirs} <= {entry.session_id for entry in list_sessions(data_dir)}


def test_resume_moves_the_current_pointer(managers: Opener, data_dir: Path) -> None:
    first = managers()
    old = first.start()
    first.stop()
    second = managers()
    new = second.start()
    assert read_current(data_dir) == new
    second.stop()
    third = managers()
    third.resume(old)
    assert read_current(data_dir) == old


def test_malformed_current_pointer_reads_as_none(manager: SessionManager, data_dir: Path) -> None:
    (sessions_dir(data_dir) / "current").write_text("../../etc/passwd\n")
    assert read_current(data_dir) is None


# -- retention ------------------------------------------------------------------------------------
def test_five_sessions_with_max_three_keep_the_three_newest(managers: Opener, data_dir: Path) -> None:
    started: list[str] = []
    for number in range(5):
        if number in (1, 2):
            # The first three start in distinct seconds, so which is oldest is unambiguous for
            # both removals (the 4th and 5th start may share a second with the 3rd).
            _next_second(started[-1])
        manager = managers(max_sessions=3)
        started.append(manager.start())
        manager.set("number", number)
        if number < 4:
            manager.stop()
    remaining = {entry.session_id for entry in list_sessions(data_dir)}
    assert remaining == set(started[2:])
    assert read_current(data_dir) == started[4]
    for gone in started[:2]:
        paths = session_paths(data_dir, gone)
        assert not paths.exists()
        assert not paths.snapshot.exists()
        assert not paths.backup.exists()
        assert not paths.aux.exists()
        with pytest.raises(SessionNotFoundError):
            read_session(data_dir, gone)
    for kept, number in zip(started[2:], (2, 3, 4), strict=True):
        assert read_session(data_dir, kept).get("number") == number


def test_retention_never_removes_the_running_session_even_when_it_is_the_oldest(
    managers: Opener, data_dir: Path
) -> None:
    for _ in range(3):
        maker = managers()
        maker.start()
        maker.stop()
    oldest = list_sessions(data_dir)[0].session_id
    manager = managers()
    manager.resume(oldest)
    manager.max_sessions = 1
    assert [entry.session_id for entry in list_sessions(data_dir)] == [oldest]
    assert manager.session_id == oldest


def test_retention_never_removes_the_session_the_current_pointer_names(
    managers: Opener, data_dir: Path
) -> None:
    for _ in range(3):
        maker = managers()
        maker.start()
        maker.stop()
    oldest = list_sessions(data_dir)[0].session_id
    resumer = managers()
    resumer.resume(oldest)
    resumer.stop()
    assert read_current(data_dir) == oldest
    removed = managers(max_sessions=1).prune()
    assert len(removed) == 2
    assert [entry.session_id for entry in list_sessions(data_dir)] == [oldest]


def test_retention_never_removes_a_session_held_open_by_another_live_manager(
    managers: Opener, data_dir: Path
) -> None:
    creator = managers()
    held = creator.start()
    creator.set("held", True)
    creator.stop()
    holder = managers()  # another live manager that has resumed the session
    holder.resume(held)
    started: list[str] = []
    for _ in range(4):
        manager = managers(max_sessions=3)
        started.append(manager.start())
        manager.stop()
    remaining = {entry.session_id for entry in list_sessions(data_dir)}
    assert len(remaining) == 3
    assert held in remaining
    assert started[-1] in remaining
    assert holder.get("held") is True
    holder.set("still", "writable")
    holder.stop()
    assert read_session(data_dir, held).get("still") == "writable"


def test_sessions_started_within_one_second_are_removed_in_start_order(
    tmp_path: Path, user_dir: Path
) -> None:
    """ "The oldest are removed first" holds even when two ids carry the same second.

    Ids of one second differ only in their random suffix, which says nothing about which came
    first; this builds such a pair where the random order is the reverse of the start order.
    """
    for attempt in range(200):
        data_dir = tmp_path / f"attempt{attempt}"
        first = _new_manager(data_dir, user_dir, max_sessions=100)
        older = first.start()
        first.stop()
        second = _new_manager(data_dir, user_dir, max_sessions=100)
        newer = second.start()
        second.stop()
        if older[8:23] == newer[8:23] and newer < older:
            break
    else:
        pytest.fail("could not start two sessions within one second")
    third = _new_manager(data_dir, user_dir, max_sessions=2)
    latest = third.start()
    third.stop()
    remaining = {entry.session_id for entry in list_sessions(data_dir)}
    assert remaining == {newer, latest}, f"{older} (started first) should have been removed, not {newer}"
