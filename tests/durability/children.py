"""Real child processes for the durability tests: start one, await its output lines, signal it.

Children are plain ``python -c`` programs. They find their data and user directories in the
environment (``SESSIONKEEPER_DATA_DIR``/``SESSIONKEEPER_USER_DIR``, set per test by the autouse
fixture in ``tests/conftest.py``), so they use :class:`SessionManager` exactly as a program does,
with the default ``handle_signals=True``.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson

from sessionkeeper.core import session_paths
from tests.conftest import stored_document

# Prepended to every child program: imports and a helper that reads the session snapshot as it is
# on disk (not through the manager), so a child can tell whether a save has already happened. The
# file is opened with the manager's codec (the test's codec comes in through the environment).
PROLOGUE = """\
import os, signal, sys, threading, time
import orjson
from sessionkeeper.core import SessionManager, StateScope, session_paths
from sessionkeeper.core.storage.layout import snapshot_context

def snapshot_doc(manager, session_id):
    path = session_paths(manager.data_dir, session_id).snapshot
    return orjson.loads(manager.codec.open(path.read_bytes(), snapshot_context(session_id), path.name))

def on_disk(manager, session_id):
    doc = snapshot_doc(manager, session_id)
    return doc["journal_epoch"], sorted(doc["scope_data"]["session"])

"""


class Child:
    """A running ``python -c`` child whose stdout lines can be awaited (use as a context manager)."""

    def __init__(self, code: str, env: dict[str, str] | None = None, *, prologue: bool = True) -> None:
        program = (PROLOGUE if prologue else "") + textwrap.dedent(code)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", program],
            env=dict(os.environ) if env is None else env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str | None] = []
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._lines.put), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._stderr.append), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _pump(stream: IO[str], sink: Callable[[Any], None]) -> None:
        for line in stream:
            sink(line.rstrip("\n"))
        sink(None)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def stderr(self) -> str:
        return "\n".join(line for line in self._stderr if line is not None)

    def expect(self, prefix: str, timeout: float = 60.0) -> list[str]:
        """Wait for the next stdout line starting with ``prefix``; returns its words after the prefix."""
        words = self.poll(prefix, timeout)
        if words is None:
            raise AssertionError(
                f"child never printed {prefix!r} within {timeout:g} s; stderr:\n{self.stderr}"
            )
        return words

    def poll(self, prefix: str, timeout: float) -> list[str] | None:
        """Like :meth:`expect`, but None if no such line came within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait(timeout=60)
                status = self.proc.returncode
                raise AssertionError(
                    f"child exited ({status}) before printing {prefix!r}; stderr:\n{self.stderr}"
                )
            if line.startswith(prefix):
                return line[len(prefix) :].split()

    def lines(self) -> list[str]:
        """Every stdout line not consumed yet (call after the child exited)."""
        for thread in self._threads:
            thread.join(timeout=30)
        found = []
        while not self._lines.empty():
            line = self._lines.get_nowait()
            if line is not None:
                found.append(line)
        return found

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float = 60.0) -> int:
        """The exit status (negative: killed by that signal); joins the output readers."""
        status = self.proc.wait(timeout=timeout)
        for thread in self._threads:
            thread.join(timeout=30)
        return status

    def __enter__(self) -> Child:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=60)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def snapshot_document(data_dir: Path, session_id: str) -> dict[str, Any]:
    """The session's snapshot file as JSON, read directly (not through a manager), opened with
    the configured codec."""
    return stored_document(session_paths(data_dir, session_id).snapshot)


def scope_document(directory: Path, name: str) -> dict[str, Any]:
    """A USER (``user``) or APP (``app``) snapshot file as JSON (opened with the configured codec)."""
    return stored_document(directory / f"{name}.json")


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.01)


_FRESH = """\
import sys
import orjson
from sessionkeeper.core import SessionManager, StateScope

manager = SessionManager(handle_signals=False)
manager.resume(sys.argv[1])
load = manager.info().load
scopes = (StateScope.SESSION, StateScope.USER, StateScope.APP)
print(orjson.dumps({
    "values": {s.value: {k: manager.get(k, s) for k in manager.keys(s)} for s in scopes},
    "events": len(manager.events()),
    "dropped": list(load.dropped) if load else [],
}).decode())
manager.stop()
"""


def state_in_fresh_process(session_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """Resume ``session_id`` in a new interpreter; its values per scope, event count and load drops.

    Values must be JSON values (the tests store ints and strings).
    """
    proc = subprocess.run(
        [sys.executable, "-c", _FRESH, session_id],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = orjson.loads(proc.stdout)
    return result
