"""The dashboard's tests run the real thing: ``session dashboard`` as its own process, real HTTP on
loopback, events recorded through the hooks by other processes, and Debian's Chromium driven by
Playwright (``executable_path``; ``playwright install`` is never run).

* :class:`Server` starts ``python -m sessionkeeper.cli dashboard --port 0`` on a data directory,
  reads the one-time URL it prints, and can be killed and started again on the same port.
* :class:`Recorder` is another process holding a hook (``get_hook()``): each line sent to it is one
  hook call, and it answers with the time the call returned.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.analyzer.chromium import ensure_browser

__all__ = ["Recorder", "Server"]

_START_TIMEOUT = 60.0


class Server:
    """One ``session dashboard`` process (restartable on the same port)."""

    def __init__(self, data_dir: Path, env: dict[str, str], *, lang: str = "en") -> None:
        self.data_dir = data_dir
        self.env = env
        self.lang = lang
        self.port = 0
        self.url = ""
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> str:
        command = [
            sys.executable, "-m", "sessionkeeper.cli", "dashboard", "--port", str(self.port),
            "--data-dir", str(self.data_dir), "--lang", self.lang, "--tz", "UTC",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + _START_TIMEOUT
        line = ""
        while time.monotonic() < deadline:
            ready = select.select([self.process.stdout], [], [], 0.5)[0]
            if ready:
                line = self.process.stdout.readline().strip()
                break
            if self.process.poll() is not None:
                break
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the dashboard did not start: {line!r}")
        self.url = line
        self.port = int(line.split(":")[2].split("/")[0])
        self._wait_listening()
        return line

    def _wait_listening(self) -> None:
        import socket

        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("the dashboard never listened")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """As a crash: SIGKILL, nothing said to the pages."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_RECORDER = r"""
import sys, time
from sessionkeeper.hooks import get_hook
hook = get_hook()
for line in sys.stdin:
    kind, _, rest = line.rstrip("\n").partition(" ")
    if kind == "start":
        hook.on_task_start({"task_id": rest, "title": "t"})
    elif kind == "ok":
        hook.on_task_complete({"task_id": rest}, True, 1.25)
    elif kind == "fail":
        task, _, error = rest.partition(" ")
        hook.on_task_complete({"task_id": task}, False, 2.5, error or "boom")
    elif kind == "cmd":
        code, _, command = rest.partition(" ")
        hook.on_command_execute(command, int(code), duration=0.5)
    print(time.time(), flush=True)
"""


class Recorder:
    """Another process recording through ``sessionkeeper.hooks`` (the data directory from ``env``)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _RECORDER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    def call(self, line: str) -> float:
        """One hook call; the time (epoch seconds) at which it returned."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(
                f"the recorder died: {self.process.stderr.read() if self.process.stderr else ''}"
            )
        return float(answer)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of every child process: this test's data and user directories."""
    variables = dict(os.environ)
    variables.update(
        SESSIONKEEPER_DATA_DIR=str(tmp_path / "RUNS"),
        SESSIONKEEPER_USER_DIR=str(tmp_path / "user"),
        HOME=str(tmp_path / "home"),
        LANG="C.UTF-8",
    )
    (tmp_path / "RUNS").mkdir(exist_ok=True)
    return variables


@pytest.fixture
def server(tmp_path: Path, env: dict[str, str]) -> Iterator[Server]:
    running = Server(tmp_path / "RUNS", env)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def recorder(env: dict[str, str]) -> Iterator[Recorder]:
    found = Recorder(env)
    try:
        yield found
    finally:
        found.close()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    return ensure_browser()


# The analyzer's fixture: sessions recorded through core's real API with a set clock.
from tests.analyzer.conftest import record  # noqa: E402, F401
