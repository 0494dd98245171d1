"""The appender that writes without a lock against another process sealing its journal.

The process that created the current journal appends to it without taking the journal lock and
checks the published epoch after each ``write`` (see ``StoreWriter.append``). These tests put a
second writer's open or checkpoint at each moment of such an append, deterministically: a file
system hook runs it just before or just after the ``write``, or between the second writer's
reading of the store and its publishing of the next epoch. Two managers in one process exclude
each other like two processes (the locks are ``flock`` locks on separate open files), so if the
unlocked append took a lock the compactor needs, these tests would hang instead of passing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sessionkeeper.core import SessionManager, TaskStarted, checkpoint_session, read_session
from sessionkeeper.core.storage.fs import FileSystem, filesystem, use_filesystem

Factory = Callable[..., SessionManager]
Action = Callable[[], object]


class _Interleaver(FileSystem):
    """Runs a queued action once, at the next append (before or after it lands) or at the next
    creation of a journal file (after the store was read, before the new epoch is published)."""

    def __init__(self) -> None:
        self.before_append: Action | None = None
        self.after_append: Action | None = None
        self.on_new_journal: Action | None = None
        self.ran: list[str] = []

    def append(self, fd: int, data: bytes) -> None:
        action, self.before_append = self.before_append, None
        if action is not None:
            action()
            self.ran.append("before_append")
        super().append(fd, data)
        action, self.after_append = self.after_append, None
        if action is not None:
            action()
            self.ran.append("after_append")

    def open_append(self, path: Path) -> int:
        action = self.on_new_journal
        if action is not None and path.suffix == ".journal" and not path.exists():
            self.on_new_journal = None
            action()
            self.ran.append("on_new_journal")
        return super().open_append(path)


@pytest.fixture
def hooks() -> Iterator[_Interleaver]:
    fs = _Interleaver()
    previous = use_filesystem(fs)
    yield fs
    use_filesystem(previous)
    assert filesystem() is previous


def _epochs(data_dir: Path, session_id: str) -> list[int]:
    return sorted(int(p.stem) for p in (data_dir / "sessions" / f"{session_id}.d").glob("*.journal"))


def _values_after_a_crash(reopen: Factory, writer: SessionManager, session_id: str) -> dict[str, object]:
    """The writer dies without saving; what does a new process load?"""
    writer.abandon()  # drops descriptors and locks, writes nothing: a kill -9
    fresh = reopen()
    summary = fresh.recover(session_id)
    assert summary.dropped == ()
    names = fresh.keys()
    return {key: fresh.get(key) for key in names}


def test_a_seal_published_just_before_an_unlocked_write_lands_loses_nothing(
    reopen: Factory, data_dir: Path, hooks: _Interleaver
) -> None:
    writer = reopen()
    session_id = writer.start()
    writer.set("before", 1)
    hooks.before_append = lambda: checkpoint_session(data_dir, session_id, lock_timeout=5)
    writer.set("raced", 2)  # lands in the sealed journal, after the compactor read it
    assert hooks.ran == ["before_append"]
    writer.set("after", 3)
    assert read_session(data_dir, session_id).get("raced") == 2
    assert _values_after_a_crash(reopen, writer, session_id) == {"before": 1, "raced": 2, "after": 3}


def test_a_seal_published_just_after_an_unlocked_write_lands_loses_nothing(
    reopen: Factory, data_dir: Path, hooks: _Interleaver
) -> None:
    """The compactor may have read the record, and the writer writes it again: applied twice,
    a set changes nothing more, and events never take this path, so none is doubled."""
    writer = reopen()
    session_id = writer.start()
    writer.record(TaskStarted(task_id="t1"))
    hooks.after_append = lambda: checkpoint_session(data_dir, session_id, lock_timeout=5)
    writer.set("raced", "x")
    assert hooks.ran == ["after_append"]
    writer.set("raced", "y")
    writer.record(TaskStarted(task_id="t2"))
    view = read_session(data_dir, session_id)
    assert view.get("raced") == "y"
    assert [e.task_id for e in view.events() if isinstance(e, TaskStarted)] == ["t1", "t2"]
    assert _values_after_a_crash(reopen, writer, session_id) == {"raced": "y"}


def test_a_write_landing_while_another_process_opens_the_session_is_in_its_checkpoint(
    reopen: Factory, data_dir: Path, hooks: _Interleaver
) -> None:
    """An unlocked write between the opener's reading and its publishing of the next epoch is
    acknowledged (the writer still sees its own epoch): the opener must read the journal again,
    or its first checkpoint, made from memory, would drop that write with the journal."""
    writer = reopen()
    session_id = writer.start()
    writer.set("first", 1)
    epochs_before = _epochs(data_dir, session_id)
    hooks.on_new_journal = lambda: writer.set("between", 2)
    loaded = checkpoint_session(data_dir, session_id, lock_timeout=5)  # opens, then checkpoints
    assert hooks.ran[0] == "on_new_journal"
    assert loaded.values.get("between") == 2
    assert _epochs(data_dir, session_id)[-1] > epochs_before[-1]
    assert _values_after_a_crash(reopen, writer, session_id) == {"first": 1, "between": 2}


def test_a_write_landing_while_another_process_seals_is_in_its_snapshot(
    reopen: Factory, data_dir: Path, hooks: _Interleaver
) -> None:
    """The same moment inside a checkpoint of a process that did not create the journal it seals
    (it re-reads the store from disk): a write landing after that read is read again."""
    writer = reopen(checkpoint_interval=3600)
    session_id = writer.start()
    other = reopen(checkpoint_interval=3600)
    other.resume(session_id)
    other.set("early", 0)  # its first write starts a journal of its own: now the current one
    writer.set("follows", 1)  # the writer follows it, then seals it and owns the next journal
    assert writer.checkpoint() is True
    other.set("other", 1)  # appends to the writer's journal (with the lock)
    writer.set("owned", 2)
    hooks.on_new_journal = lambda: writer.set("between", 3)
    assert other.checkpoint() is True
    assert hooks.ran == ["on_new_journal"]
    other.abandon()
    expected = {"early": 0, "follows": 1, "other": 1, "owned": 2, "between": 3}
    view = read_session(data_dir, session_id)
    names = view.keys()
    assert {key: view.get(key) for key in names} == expected
    assert _values_after_a_crash(reopen, writer, session_id) == expected
