"""Several threads and processes on one session at once: nothing lost or torn, readers never block writers."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkeeper.core import (
    SessionManager,
    StateScope,
    TaskStarted,
    checkpoint_session,
    list_sessions,
    read_session,
)
from tests.durability.children import Child, snapshot_document, state_in_fresh_process, wait_until

Factory = Callable[..., SessionManager]

THREADS, WRITES_PER_THREAD = 8, 10_000
PROCESSES, WRITES_PER_PROCESS = 4, 1_000


def _new_session(reopen: Factory) -> str:
    manager = reopen()
    session_id = manager.start()
    manager.stop()
    return session_id


def test_eight_threads_writing_at_once_lose_nothing(reopen: Factory) -> None:
    manager = reopen(checkpoint_interval=0.05)
    session_id = manager.start()
    first_epoch = snapshot_document(manager.data_dir, session_id)["journal_epoch"]
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            barrier.wait()
            for i in range(WRITES_PER_THREAD):
                manager.set(f"t{thread}-{i}", i)
                if i % 1000 == 0:
                    manager.record(TaskStarted(task_id=f"t{thread}-{i}"))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    manager.stop()
    # Checkpoints ran while the threads wrote (the interval is 0.05 s).
    assert snapshot_document(manager.data_dir, session_id)["journal_epoch"] > first_epoch + 2

    fresh = reopen()
    fresh.resume(session_id)
    expected = {f"t{t}-{i}": i for t in range(THREADS) for i in range(WRITES_PER_THREAD)}
    keys = fresh.keys()
    assert {key: fresh.get(key) for key in keys} == expected
    assert len(fresh.events()) == THREADS * WRITES_PER_THREAD // 1000
    info = fresh.info()
    assert info.load is not None
    assert info.load.dropped == ()


WRITER_PROCESS = """
index, session_id, writes, fsync = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
manager = SessionManager(checkpoint_interval=0.05, fsync=fsync)
manager.resume(session_id)
print("ready", flush=True)
sys.stdin.readline()                      # all processes start writing together
for i in range(writes):
    manager.set(f"p{index}-{i}", i)
    if i % 100 == 0:
        manager.set(f"p{index}-{i}", i, StateScope.USER)
        manager.set(f"p{index}-{i}", i, StateScope.APP)
        manager.checkpoint()
        time.sleep(0.002)                 # let the others interleave
manager.stop()
print("done", flush=True)
"""


def _with_argv(code: str, *args: object) -> str:
    """``code`` run as if started with ``args`` on its command line."""
    return f"sys.argv = ['-c', {', '.join(repr(str(a)) for a in args)}]\n" + code


@pytest.mark.parametrize("policies", [("interval",), ("always", "never"), ("always",)], ids="+".join)
def test_four_processes_writing_one_session_at_once_lose_nothing(
    reopen: Factory, policies: tuple[str, ...]
) -> None:
    """Under ``fsync="always"`` each process writes the journals it creates in place; the others
    (any policy) then write into them at their logical end."""
    session_id = _new_session(reopen)
    children = [
        Child(_with_argv(WRITER_PROCESS, n, session_id, WRITES_PER_PROCESS, policies[n % len(policies)]))
        for n in range(PROCESSES)
    ]
    try:
        for child in children:
            child.expect("ready")
        for child in children:
            child.send("go")
        for child in children:
            child.expect("done", timeout=120)
            assert child.wait() == 0, child.stderr
    finally:
        for child in children:
            child.__exit__(None, None, None)

    state = state_in_fresh_process(session_id)
    assert state["dropped"] == []
    writes = {f"p{n}-{i}": i for n in range(PROCESSES) for i in range(WRITES_PER_PROCESS)}
    assert state["values"]["session"] == writes
    shared = {f"p{n}-{i}": i for n in range(PROCESSES) for i in range(0, WRITES_PER_PROCESS, 100)}
    assert state["values"]["user"] == shared
    assert state["values"]["app"] == shared


READER_PROCESS = """
from pathlib import Path
from sessionkeeper.core import read_session
data_dir, session_id = Path(os.environ["SESSIONKEEPER_DATA_DIR"]), sys.argv[1]
reads = errors = torn = regressions = 0
last = -1
print("reading", flush=True)
while not os.path.exists(sys.argv[2]):
    try:
        view = read_session(data_dir, session_id)
    except Exception as exc:
        errors += 1
        print("error", repr(exc), flush=True)
        continue
    reads += 1
    a, b = view.get("a", -1), view.get("b", -1)
    if not (a == b or a == b + 1):          # "a" is always written just before "b"
        torn += 1
    if a < last:
        regressions += 1
    last = max(last, a)
print("result", reads, errors, torn, regressions, last, flush=True)
"""

COUNTER_WRITER = """
manager = SessionManager(checkpoint_interval=0.05)
manager.resume(sys.argv[1])
print("writing", flush=True)
i = 0
while not os.path.exists(sys.argv[2]):
    manager.set("a", i)
    manager.set("b", i)
    if i % 200 == 0:
        manager.checkpoint()
        print("progress", i, flush=True)
    i += 1
manager.stop()
print("stopped", i - 1, flush=True)
"""


def test_reader_sees_no_error_no_torn_state_and_never_blocks_the_writer(
    reopen: Factory, tmp_path: Path
) -> None:
    session_id = _new_session(reopen)
    finish = tmp_path / "finish"
    with (
        Child(_with_argv(COUNTER_WRITER, session_id, finish)) as writer,
        Child(_with_argv(READER_PROCESS, session_id, finish)) as reader,
    ):
        writer.expect("writing")
        reader.expect("reading")
        # Freeze the reader at arbitrary moments: if it held any lock then, the writer would stall.
        for _ in range(10):
            os.kill(reader.pid, signal.SIGSTOP)
            try:
                start = int(writer.expect("progress ")[0])
                while int(writer.expect("progress ")[0]) < start + 400:  # two more checkpoints
                    pass
            finally:
                os.kill(reader.pid, signal.SIGCONT)
            time.sleep(0.05)
        finish.touch()
        (last_written,) = writer.expect("stopped ")
        reads, errors, torn, regressions, last_seen = (int(word) for word in reader.expect("result "))
        assert writer.wait() == 0, writer.stderr
        assert reader.wait() == 0, reader.stderr
    assert (errors, torn, regressions) == (0, 0, 0)
    assert reads >= 10
    assert 0 <= last_seen <= int(last_written)


HOLDER = """
manager = SessionManager(checkpoint_interval=0.05)
manager.resume(sys.argv[1])
for i in range(100):
    manager.set(f"held{i}", i)
print("holding", flush=True)
while True:
    manager.checkpoint()        # keeps taking the compaction and journal locks
"""


def test_locks_of_a_killed_process_do_not_stop_another_from_checkpointing(reopen: Factory) -> None:
    session_id = _new_session(reopen)
    with Child(_with_argv(HOLDER, session_id)) as holder:
        holder.expect("holding")
        time.sleep(0.1)  # well inside its checkpoint loop
        assert [entry.live for entry in list_sessions(reopen().data_dir)] == [True]
        holder.proc.kill()
        assert holder.wait() == -signal.SIGKILL

    data_dir = reopen().data_dir
    assert [entry.live for entry in list_sessions(data_dir)] == [False]
    loaded = checkpoint_session(data_dir, session_id, lock_timeout=10)  # raises if a lock were stuck
    assert loaded.report.dropped == ()
    state = state_in_fresh_process(session_id)
    assert state["values"]["session"] == {f"held{i}": i for i in range(100)}


def test_background_checkpoint_thread_is_a_daemon_and_stops_on_stop(reopen: Factory) -> None:
    before = set(threading.enumerate())
    manager = reopen(checkpoint_interval=0.05)
    manager.start()
    started = [t for t in threading.enumerate() if t not in before]
    assert len(started) == 1
    (background,) = started
    assert background.daemon
    assert background.is_alive()
    manager.stop()
    assert not background.is_alive()


def test_stop_returns_promptly_while_background_checkpoints_are_due(reopen: Factory) -> None:
    """stop() waits for the checkpoint thread; that thread must never be left waiting for stop()."""
    took = 0.0
    for attempt in range(60):  # the thread is at a different point of its cycle each time
        manager = reopen(checkpoint_interval=0.01)
        manager.start()
        deadline = time.monotonic() + 0.03 + (attempt % 10) * 0.003
        i = 0
        while time.monotonic() < deadline:
            manager.set(f"k{i}", i)
            i += 1
        started = time.monotonic()
        manager.stop()
        took = time.monotonic() - started
        if took > 3:
            break
    assert took <= 3, f"stop() took {took:.1f} s on attempt {attempt + 1}"


def test_changing_the_checkpoint_interval_at_run_time_takes_effect(reopen: Factory) -> None:
    manager = reopen()  # the default interval: half an hour
    session_id = manager.start()
    epoch = snapshot_document(manager.data_dir, session_id)["journal_epoch"]
    first = manager.info().last_checkpoint
    manager.set("k", 1)
    manager.checkpoint_interval = 0.1
    wait_until(lambda: manager.info().last_checkpoint != first, what="a checkpoint after the change")
    assert snapshot_document(manager.data_dir, session_id)["journal_epoch"] > epoch
    assert snapshot_document(manager.data_dir, session_id)["scope_data"]["session"] == {"k": 1}
    assert read_session(manager.data_dir, session_id).get("k") == 1
    # ... and keeps taking effect: the next change is saved by the timer too.
    manager.set("k", 2)
    wait_until(
        lambda: snapshot_document(manager.data_dir, session_id)["scope_data"]["session"] == {"k": 2},
        what="the next timed checkpoint",
    )
    assert manager.info().last_save_error is None


def test_user_and_app_values_written_by_threads_of_two_managers_all_survive(reopen: Factory) -> None:
    """Two managers in one process share the USER and APP stores like two processes do."""
    first, second = reopen(checkpoint_interval=0.05), reopen(checkpoint_interval=0.05)
    first.start()
    second.start()

    def write(manager: SessionManager, name: str) -> None:
        for i in range(2000):
            manager.set(f"{name}{i}", i, StateScope.USER)
            manager.set(f"{name}{i}", i, StateScope.APP)

    threads = [threading.Thread(target=write, args=(m, n)) for m, n in ((first, "x"), (second, "y"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.stop()
    second.stop()
    third = reopen()
    third.start()
    expected = {f"{n}{i}": i for n in "xy" for i in range(2000)}
    assert {k: third.get(k, StateScope.USER) for k in third.keys(StateScope.USER)} == expected
    assert {k: third.get(k, StateScope.APP) for k in third.keys(StateScope.APP)} == expected


SLOTS = 2000

ACKING_WRITER = """
manager = SessionManager(checkpoint_interval=0.05, fsync=sys.argv[4])
manager.resume(sys.argv[1])
slots = int(sys.argv[3])
i = 0
while not os.path.exists(sys.argv[2]):
    manager.set(f"k{i % slots}", i)         # values of a key only grow
    if i % 50 == 0:
        print("acked", i, flush=True)      # every write up to i has returned
    i += 1
manager.stop()
print("stopped", i - 1, flush=True)
"""


@pytest.mark.parametrize("fsync", ["interval", "always"])
def test_compacting_from_another_process_while_one_writes_loses_nothing(
    reopen: Factory, tmp_path: Path, fsync: str
) -> None:
    """What ``session compact`` does while a program runs: the two processes' checkpoints
    interleave (and seal journals written in place, under ``fsync="always"``)."""
    session_id = _new_session(reopen)
    data_dir, finish = reopen().data_dir, tmp_path / "finish"
    with Child(_with_argv(ACKING_WRITER, session_id, finish, SLOTS, fsync)) as writer:
        writer.expect("acked ")
        epochs = []
        for _ in range(20):
            loaded = checkpoint_session(data_dir, session_id, lock_timeout=10)
            assert loaded.report.dropped == ()
            epochs.append(snapshot_document(data_dir, session_id)["journal_epoch"])
            writer.expect("acked ")  # the writer went on meanwhile
        finish.touch()
        (last,) = writer.expect("stopped ")
        assert writer.wait() == 0, writer.stderr
    assert epochs == sorted(epochs)
    assert len(set(epochs)) == 20  # each compaction wrote its own snapshot
    state = state_in_fresh_process(session_id)
    assert state["dropped"] == []
    assert state["values"]["session"] == {f"k{i % SLOTS}": i for i in range(int(last) + 1)}


FORKING_PROGRAM = """
manager = SessionManager(checkpoint_interval=0.05)
session_id = manager.start()
manager.set("before_fork", 1)
pid = os.fork()
if pid == 0:                                   # the child: it must not touch the parent's session
    try:
        manager.set("from_child", 1)
        print("child-wrote", flush=True)
    except Exception as exc:
        print("child-refused", type(exc).__name__, flush=True)
    own = manager.start()
    manager.set("child_value", 2)
    print("child-session", own, flush=True)
    sys.exit(0)                                # atexit runs in the child too
_, status = os.waitpid(pid, 0)
manager.set("after_fork", 3)
print("parent", session_id, os.waitstatus_to_exitcode(status), flush=True)
manager.stop()
"""


def test_a_forked_child_leaves_the_parents_session_alone_and_can_start_its_own(data_dir: Path) -> None:
    with Child(FORKING_PROGRAM) as program:
        refused = program.expect("child-")
        (child_session,) = program.expect("child-session ")
        parent_session, child_status = program.expect("parent ")
        assert program.wait() == 0, program.stderr
    assert refused == [
        "refused",
        "NoActiveSessionError",
    ]  # after fork() the child forgot the parent's session
    assert child_status == "0"
    assert child_session != parent_session
    parent = state_in_fresh_process(parent_session)
    assert parent["values"]["session"] == {"before_fork": 1, "after_fork": 3}
    assert parent["dropped"] == []
    assert snapshot_document(data_dir, child_session)["scope_data"]["session"] == {"child_value": 2}
