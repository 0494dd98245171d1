"""USER and APP stores have an identity of their own; journal records are bound to their store.

Before (issue 12, what remained): ``app.json``, ``user.json`` and their journals are named alike in
every project and home directory, so another project's file of the same kind, put in place of this
one's, was loaded as this project's data under every codec; and records of a plain or zstd journal
were not bound to their store, so records spliced in from another session's journal were applied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from sessionkeeper.core import (
    SessionManager,
    StateScope,
    StorePaths,
    app_store_paths,
    read_scope,
    read_session,
    session_paths,
    user_store_paths,
    verify_store,
)
from sessionkeeper.core.storage import documents as snapshot
from sessionkeeper.core.storage import journal
from sessionkeeper.core.storage.documents import IDENTITY_SINCE
from sessionkeeper.core.storage.identity import store_identity
from tests import journal_records as plain_records

_SCOPES = {"app": StateScope.APP, "user": StateScope.USER}


def _project(root: Path, value: str) -> tuple[Path, Path]:
    """A project with USER and APP values in snapshot, backup and a journal no snapshot holds."""
    data_dir, user_dir = root / "RUNS", root / "user"
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.start()
    for number, key in enumerate(("first", "second", "third"), 1):
        for scope in _SCOPES.values():
            manager.set(key, f"{value}-{number}", scope)
        if key != "third":
            manager.checkpoint()
    manager.abandon()  # dies: the last values are in journals only
    return data_dir, user_dir


def _store(root: Path, scope: str) -> StorePaths:
    return app_store_paths(root / "RUNS") if scope == "app" else user_store_paths(root / "user")


def _values(paths: StorePaths, scope: str) -> dict[str, object]:
    view = read_scope(paths, scope)
    return {key: view.get(key) for key in view.keys()}  # noqa: SIM118 - a view, not a dict


def _last_journal(paths: StorePaths) -> Path:
    return paths.journal(paths.journal_epochs()[-1])


@pytest.fixture
def projects(tmp_path: Path) -> tuple[Path, Path]:
    _project(tmp_path / "mine", "mine")
    _project(tmp_path / "theirs", "theirs")
    return tmp_path / "mine", tmp_path / "theirs"


@pytest.mark.parametrize("scope", ["app", "user"])
def test_each_store_has_its_own_id_named_by_every_file_it_writes(
    projects: tuple[Path, Path], scope: str
) -> None:
    mine, theirs = (_store(root, scope) for root in projects)
    my_id, their_id = store_identity(mine), store_identity(theirs)
    assert my_id is not None
    assert their_id not in (None, my_id)
    document = orjson.loads(mine.snapshot.read_bytes())
    assert (document["format_version"], document["store_id"]) == (IDENTITY_SINCE, my_id)
    header = journal.scan(_last_journal(mine).read_bytes()).header
    assert header is not None
    assert header[1:] == [journal.JOURNAL_FORMAT, scope, header[3], my_id]


@pytest.mark.parametrize("scope", ["app", "user"])
def test_another_projects_scope_file_in_place_of_this_ones_is_damage(
    projects: tuple[Path, Path], scope: str
) -> None:
    mine, theirs = (_store(root, scope) for root in projects)
    shutil.copyfile(theirs.snapshot, mine.snapshot)
    # From the backup, then the journals after it (kept until the backup holds them).
    assert _values(mine, scope) == {"first": "mine-1", "second": "mine-2", "third": "mine-3"}
    assert any("snapshot of" in line for line in read_scope(mine, scope).report.dropped)
    assert not verify_store(mine, scope).ok


@pytest.mark.parametrize("scope", ["app", "user"])
def test_another_projects_journal_in_place_of_this_ones_is_ignored(
    projects: tuple[Path, Path], scope: str
) -> None:
    mine, theirs = (_store(root, scope) for root in projects)
    target = _last_journal(mine)
    data = _last_journal(theirs).read_bytes()
    epoch = int(target.stem)
    # Their journal of the same epoch as ours (renumbered, so only the store id tells them apart).
    header = journal.frame(journal.header_payload(scope, epoch, store_identity(theirs)))
    scanned = journal.scan(data)
    target.write_bytes(header + data[len(journal.frame(orjson.dumps(scanned.header))) :])
    view = read_scope(mine, scope)
    assert "theirs-3" not in _values(mine, scope).values()
    assert any("another" in line for line in view.report.dropped), view.report
    assert not verify_store(mine, scope).ok


def test_records_spliced_in_from_another_sessions_journal_are_damage(tmp_path: Path) -> None:
    """Plain journals: a record with a good checksum from another session's journal is not data."""
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    ids = []
    for value in ("mine", "theirs"):
        manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
        ids.append(manager.start())
        manager.set("count", f"{value}-1")
        manager.set("note", f"{value}-2")
        manager.abandon()
    mine, theirs = (_last_journal(session_paths(data_dir, sid)).read_bytes() for sid in ids)
    cut = len(journal.frame(orjson.dumps(journal.scan(mine).header)))  # just past our header
    _last_journal(session_paths(data_dir, ids[0])).write_bytes(mine[:cut] + theirs[cut:])
    view = read_session(data_dir, ids[0])
    assert {view.get("count"), view.get("note")} == {None}
    assert view.report.dropped


@pytest.mark.parametrize("scope", ["app", "user"])
def test_a_swapped_identity_file_is_outvoted_by_the_stores_own_files_and_repaired(
    projects: tuple[Path, Path], scope: str
) -> None:
    mine, theirs = (_store(root, scope) for root in projects)
    my_id = store_identity(mine)
    shutil.copyfile(theirs.identity, mine.identity)
    view = read_scope(mine, scope)
    assert _values(mine, scope) == {"first": "mine-1", "second": "mine-2", "third": "mine-3"}
    assert any("identity" in line for line in view.report.warnings), view.report
    root = projects[0]
    manager = SessionManager(data_dir=root / "RUNS", user_dir=root / "user", handle_signals=False)
    manager.start()
    assert manager.get("third", _SCOPES[scope]) == "mine-3"
    manager.set("fourth", "mine-4", _SCOPES[scope])  # the next writer repairs it (reading never does)
    manager.stop()
    assert store_identity(mine) == my_id


@pytest.mark.parametrize("scope", ["app", "user"])
@pytest.mark.parametrize("damage", ["deleted", "flipped"])
def test_a_lost_identity_file_is_made_again_with_the_id_the_files_name(
    projects: tuple[Path, Path], scope: str, damage: str
) -> None:
    mine = _store(projects[0], scope)
    my_id = store_identity(mine)
    if damage == "deleted":
        mine.identity.unlink()
    else:
        data = bytearray(mine.identity.read_bytes())
        data[len(data) // 2] ^= 0x04
        mine.identity.write_bytes(bytes(data))
    assert _values(mine, scope) == {"first": "mine-1", "second": "mine-2", "third": "mine-3"}
    warned = any("identity" in line for line in read_scope(mine, scope).report.warnings)
    assert warned == (damage == "flipped")  # damage is reported; a missing file is just made again
    assert verify_store(mine, scope).ok == (damage == "deleted")
    root = projects[0]
    manager = SessionManager(data_dir=root / "RUNS", user_dir=root / "user", handle_signals=False)
    manager.start()
    assert manager.get("third", _SCOPES[scope]) == "mine-3"
    manager.set("fourth", "mine-4", _SCOPES[scope])
    manager.stop()
    assert store_identity(mine) == my_id
    assert _values(mine, scope)["fourth"] == "mine-4"
    assert verify_store(mine, scope).ok


def test_reading_a_store_never_gives_it_an_identity(tmp_path: Path) -> None:
    paths = app_store_paths(tmp_path / "RUNS")
    assert _values(paths, "app") == {}
    assert not paths.aux.exists()


def test_stores_written_before_identities_load_and_are_bound_by_their_next_writer(tmp_path: Path) -> None:
    """An APP store of format 3 (no store_id) with a format-1 journal after its snapshot."""
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    paths = app_store_paths(data_dir)
    paths.aux.mkdir(parents=True)
    old = {
        "format_version": 3,
        "scope": "app",
        "last_checkpoint": None,
        "journal_epoch": 1,
        "values": {"a": 1},
    }
    paths.snapshot.write_bytes(snapshot.with_checksum(orjson.dumps(old, option=orjson.OPT_INDENT_2)))
    paths.journal(2).write_bytes(plain_records.header_record("app", 2) + plain_records.set_record("b", b"2"))
    assert _values(paths, "app") == {"a": 1, "b": 2}
    assert verify_store(paths, "app").ok

    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.start()
    assert (manager.get("a", StateScope.APP), manager.get("b", StateScope.APP)) == (1, 2)
    manager.set("c", 3, StateScope.APP)
    manager.stop()
    document = orjson.loads(paths.snapshot.read_bytes())
    assert document["store_id"] == store_identity(paths) is not None
    assert _values(paths, "app") == {"a": 1, "b": 2, "c": 3}

    # From now on an unbound journal cannot be this store's: one planted after the snapshot is ignored.
    epoch = document["journal_epoch"] + 1
    paths.journal(epoch).write_bytes(
        plain_records.header_record("app", epoch) + plain_records.set_record("a", b"666")
    )
    assert _values(paths, "app")["a"] == 1
    assert any("unbound" in line for line in read_scope(paths, "app").report.dropped)
