"""pytest plugin: ``pytest --session-record`` records the test run in the current session.

Installed through the ``pytest11`` entry point, so pytest loads this module in every run; without
``--session-record`` it only adds its options and does nothing else (session-core is not even
imported). With it, :mod:`sessionkeeper.hooks.pytest_recorder` records the run as one task:

* ``TaskStarted`` when the session starts (task id ``--session-task-id``, default
  ``pytest:<rootdir name>``; title ``pytest <arguments>``);
* one ``CommandExecuted`` per failing test report — command ``pytest <node id>`` (the command
  that re-runs it), exit code 1 (2 for a file that fails to collect), the test's duration and the
  redacted tail of its failure as ``error`` — so the analyzer counts failing tests as failed
  commands of the task;
* ``TaskCompleted`` at the end, successful if pytest's exit status is 0 (or 5, nothing collected).

With pytest-xdist only the controlling process records (workers' reports reach it).
"""

from __future__ import annotations

import pytest

__all__ = ["pytest_addoption", "pytest_configure"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sessionkeeper", "Sessionkeeper session recording")
    group.addoption(
        "--session-record",
        action="store_true",
        default=False,
        help="record this test run as a task of the current Sessionkeeper session",
    )
    group.addoption(
        "--session-task-id",
        default=None,
        metavar="ID",
        help="task id of the recorded run (default: pytest:<rootdir name>)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("session_record", default=False):
        return
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller records
        return
    from .pytest_recorder import TestRunRecorder  # only now: it opens the session

    config.pluginmanager.register(TestRunRecorder(config), "sessionkeeper-recorder")
