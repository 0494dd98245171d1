"""Two writers of one store: in one process (two ``StoreWriter`` instances, whose ``flock`` locks
exclude each other like two processes' do), in two threads, and in a child process. Whatever
the interleaving, every change a writer acknowledged is in the store afterwards, events once
each and in each writer's order, and every writer's memory after its checkpoint is the store."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.conftest import REPO
from tests.store_spec.adapter import Content, SpecStore, StoreKind, content, load
from tests.store_spec.conftest import MakeStore

CHILD_CHANGES = 40
CHILD_TIMEOUT = 60.0


def _task(writer: str, n: int) -> dict[str, Any]:
    return {"kind": "task_started", "task_id": f"{writer}_{n}"}


def _tasks(events: list[Any], writer: str) -> list[str]:
    """The task ids of ``writer``'s events, in the order the store holds them."""
    return [e["task_id"] for e in events if str(e.get("task_id", "")).startswith(f"{writer}_")]


def _assert_store_is(kind: StoreKind, directory: Path, *writers: SpecStore) -> Content:
    loaded = load(kind, directory)
    assert loaded.report.dropped == (), loaded.report
    for writer in writers:
        assert writer.content() == content(loaded), "a writer's memory after its checkpoint is the store"
    return content(loaded)


def test_two_writers_interleaved_in_one_process_lose_nothing(make_store: MakeStore, kind: StoreKind) -> None:
    a, b = make_store(), make_store()
    a.open()
    b.open()
    events: list[Any] = []
    expected: dict[str, Any] = {}

    def change(writer: SpecStore, name: str, n: int) -> None:
        writer.set(f"{name}_{n}", n)
        writer.set("last_writer", f"{name}_{n}")
        expected.update({f"{name}_{n}": n, "last_writer": f"{name}_{n}"})
        if kind.events:
            writer.record(_task(name, n))
            events.append(_task(name, n))

    for n in range(6):
        change(a, "a", n)
        change(b, "b", n)
        if n == 2:
            a.checkpoint()
        if n == 4:
            b.checkpoint()
    b.delete("a_0")
    del expected["a_0"]
    change(a, "a", 6)
    a.checkpoint()
    change(b, "b", 6)
    b.checkpoint()
    a.checkpoint()
    assert _assert_store_is(kind, a.directory, a, b) == (expected, events)
    a.close()
    b.close()
    assert content(make_store().open()) == (expected, events)


def test_two_writers_in_two_threads_lose_nothing(make_store: MakeStore, kind: StoreKind) -> None:
    writers = {"a": make_store(), "b": make_store()}
    for writer in writers.values():
        writer.open()
    failures: list[BaseException] = []

    def run(name: str, writer: SpecStore) -> None:
        try:
            for n in range(60):
                writer.set(f"{name}_{n}", n)
                if kind.events:
                    writer.record(_task(name, n))
                if n % 15 == 14:
                    writer.checkpoint()
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=item) for item in writers.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures, failures
    for writer in writers.values():
        writer.checkpoint()
    writers["a"].checkpoint()  # b checkpointed after a: a learns what b wrote
    values, events = _assert_store_is(kind, writers["a"].directory, *writers.values())
    assert values == {f"{name}_{n}": n for name in writers for n in range(60)}
    for name in writers:
        assert _tasks(events, name) == ([f"{name}_{n}" for n in range(60)] if kind.events else [])


def test_a_writer_in_another_process_and_this_one_lose_nothing(
    make_store: MakeStore, kind: StoreKind
) -> None:
    """The child appends and checkpoints while this process does the same, then each checkpoints."""
    parent = make_store()
    parent.open()
    parent.set("before_the_child", True)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.store_spec.child",
            kind.label,
            str(parent.directory),
            str(CHILD_CHANGES),
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdin is not None
    assert child.stdout.readline() == "open\n"  # it has read the store: from now on both write
    written = 0
    deadline = time.monotonic() + CHILD_TIMEOUT
    while child.poll() is None and time.monotonic() < deadline:
        parent.set(f"parent_{written}", written)
        parent.set("last_writer", "parent")
        if kind.events:
            parent.record(_task("parent", written))
        written += 1
        if written == 1:
            child.stdin.write("go\n")  # the child writes from now on, as this process goes on
            child.stdin.close()
        if written % 25 == 0:
            parent.checkpoint()
        time.sleep(0.001)
    assert written > 0, "this process wrote while the child did"
    child.wait(timeout=CHILD_TIMEOUT)
    assert child.stderr is not None
    assert child.returncode == 0, child.stderr.read()
    acknowledged = [int(line) for line in child.stdout.read().split()]
    assert acknowledged == list(range(CHILD_CHANGES)), "the child acknowledged every change"
    parent.checkpoint()

    values, events = _assert_store_is(kind, parent.directory, parent)
    expected = {"before_the_child": True} | {f"parent_{n}": n for n in range(written)}
    expected |= {f"child_{n}": n for n in range(CHILD_CHANGES)}
    assert values.pop("last_writer") in ("parent", "child")
    assert values == expected
    if kind.events:
        assert _tasks(events, "parent") == [f"parent_{n}" for n in range(written)]
        assert _tasks(events, "child") == [f"child_{n}" for n in range(CHILD_CHANGES)]
        assert len(events) == written + CHILD_CHANGES
