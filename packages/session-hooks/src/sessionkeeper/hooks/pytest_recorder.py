"""The active part of the pytest plugin: one test run recorded as one task (see pytest_plugin)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .hook import TaskExecutorSessionHook

__all__ = ["TestRunRecorder"]

_SUCCESS = (int(pytest.ExitCode.OK), int(pytest.ExitCode.NO_TESTS_COLLECTED))


class TestRunRecorder:
    """A pytest plugin object, registered by ``pytest_configure`` under ``--session-record``."""

    __test__ = False  # not a test class, whatever its name says

    def __init__(self, config: pytest.Config, hook: TaskExecutorSessionHook | None = None) -> None:
        self._hook = hook if hook is not None else TaskExecutorSessionHook()
        self._cwd = str(config.rootpath)  # node ids are relative to it: "pytest <id>" re-runs from there
        task_id = config.getoption("session_task_id", default=None) or f"pytest:{config.rootpath.name}"
        self._task: dict[str, Any] = {
            "task_id": task_id,
            "title": " ".join(("pytest", *config.invocation_params.args)),
            "_file_path": str(config.inipath or config.rootpath),
        }
        self._started = time.monotonic()
        self._failures = 0

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._started = time.monotonic()
        self._hook.on_task_start(self._task)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self._failed(report.nodeid, 1, report.duration, report.when, report.longreprtext)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._failed(report.nodeid, 2, None, "collect", report.longreprtext)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int | pytest.ExitCode) -> None:
        status = int(exitstatus)
        success = status in _SUCCESS
        error = None
        if not success:
            error = f"{self._failures} failing test report(s), pytest exit status {status}"
        self._hook.on_task_complete(self._task, success, time.monotonic() - self._started, error)
        self._hook.close()

    def _failed(self, nodeid: str, code: int, duration: float | None, when: str | None, text: str) -> None:
        self._failures += 1
        stage = f"[{when}] " if when and when != "call" else ""
        self._hook.on_command_execute(
            ["pytest", nodeid], code, duration=duration, cwd=self._cwd, stderr=f"{stage}{text}"
        )
