"""USER and APP open for writing lazily and independently; reading never makes, locks or changes a file."""

from __future__ import annotations

from pathlib import Path

from sessionkeeper.core import SessionManager, StateScope, app_store_paths, user_store_paths

USER, APP = StateScope.USER, StateScope.APP


def _files(*roots: Path) -> dict[str, tuple[int, bytes]]:
    """Every path under ``roots`` with its mtime and (for files) content."""
    found: dict[str, tuple[int, bytes]] = {}
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            content = path.read_bytes() if path.is_file() else b""
            found[str(path)] = (path.stat().st_mtime_ns, content)
    return found


def _manager(data_dir: Path, user_dir: Path) -> SessionManager:
    return SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)


def test_reading_every_scope_of_a_fresh_place_makes_no_file(data_dir: Path, user_dir: Path) -> None:
    manager = _manager(data_dir, user_dir)
    assert manager.get("theme", USER) is None
    assert manager.keys(APP) == []
    assert manager.delete("missing", USER) is False
    state = manager.snapshot()
    assert (dict(state.user), dict(state.app), dict(state.session)) == ({}, {}, {})
    assert manager.info().keys == {"session": 0, "user": 0, "app": 0, "temp": 0}
    manager.stop()
    assert not data_dir.exists()
    assert not user_dir.exists()


def test_reading_existing_stores_changes_nothing(data_dir: Path, user_dir: Path) -> None:
    writer = _manager(data_dir, user_dir)
    writer.set("theme", "dark", USER)
    writer.set("name", "kit", APP)
    writer.set("pending", "in the journal only", APP)
    writer.abandon()  # dies: the last value is in a journal, which a reader must replay, not touch
    before = _files(data_dir, user_dir)
    reader = _manager(data_dir, user_dir)
    assert (reader.get("theme", USER), reader.get("pending", APP)) == ("dark", "in the journal only")
    assert reader.keys(APP) == ["name", "pending"]
    reader.stop()
    assert _files(data_dir, user_dir) == before


def test_writing_one_shared_scope_leaves_the_other_alone(data_dir: Path, user_dir: Path) -> None:
    manager = _manager(data_dir, user_dir)
    manager.set("theme", "dark", USER)
    manager.stop()
    assert user_store_paths(user_dir).snapshot.exists()
    assert not app_store_paths(data_dir).aux.exists()
    assert not data_dir.exists()
    manager = _manager(data_dir, user_dir)
    before = _files(user_dir)
    manager.set("name", "kit", APP)
    manager.stop()
    assert _files(user_dir) == before
    assert _manager(data_dir, user_dir).get("name", APP) == "kit"


def test_a_session_reads_user_and_app_but_opens_neither(data_dir: Path, user_dir: Path) -> None:
    seeded = _manager(data_dir, user_dir)
    seeded.set("theme", "dark", USER)
    seeded.stop()
    before = _files(user_dir)
    manager = _manager(data_dir, user_dir)
    manager.start()
    manager.set("task", "FIX-DB")
    assert manager.get("theme", USER) == "dark"
    manager.checkpoint()
    manager.stop()
    assert _files(user_dir) == before
    assert not app_store_paths(data_dir).aux.exists()


def test_a_value_set_after_reading_is_seen_and_kept(data_dir: Path, user_dir: Path) -> None:
    manager = _manager(data_dir, user_dir)
    manager.start()
    assert manager.get("theme", USER) is None  # read: a view, no writer
    manager.set("theme", "light", USER)  # the first change opens USER for writing
    assert manager.get("theme", USER) == "light"
    assert dict(manager.snapshot().user) == {"theme": "light"}
    manager.stop()
    assert _manager(data_dir, user_dir).get("theme", USER) == "light"
