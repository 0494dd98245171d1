"""A hook never harms its runner: no exception, no output, one warning, and cheap to import."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkeeper.hooks import TaskExecutorSessionHook

from .conftest import kinds, session_events

TASK = {"task_id": "T-1", "title": "a task"}


def exercise(hook: TaskExecutorSessionHook) -> None:
    """Every public call, twice."""
    for _ in range(2):
        hook.on_task_start(TASK)
        hook.on_command_execute(["make"], 2, duration=0.1, stderr="boom")
        hook.on_task_complete(TASK, False, 0.1, "boom")
        assert hook.get_execution_summary() == {"enabled": False}
        assert hook.get_last_failed_task() is None
        assert hook.enabled is False
        assert hook.session_id is None
        hook.close()


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("sessionkeeper") and r.levelno >= logging.WARNING
    ]


def _data_dir_is_a_file(tmp_path: Path) -> Path:
    path = tmp_path / "RUNS"
    path.write_text("not a directory")
    return path


def _sessions_is_a_file(tmp_path: Path) -> Path:
    path = tmp_path / "RUNS"
    path.mkdir()
    (path / "sessions").write_text("not a directory")
    return path


def _cannot_be_created(tmp_path: Path) -> Path:
    return Path("/proc/sessionkeeper-test/RUNS")  # the kernel's file system refuses new entries


@pytest.mark.parametrize("make_dir", [_data_dir_is_a_file, _sessions_is_a_file, _cannot_be_created])
def test_a_broken_data_directory_makes_a_silent_no_op_with_one_warning(
    tmp_path: Path,
    user_dir: Path,
    make_dir: Callable[[Path], Path],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    if make_dir is _cannot_be_created and not Path("/proc/self").exists():
        pytest.skip("needs /proc")
    caplog.set_level(logging.DEBUG)
    exercise(TaskExecutorSessionHook(make_dir(tmp_path), user_dir))
    warnings = warnings_of(caplog)
    assert len(warnings) == 1, warnings
    assert "not recording tasks" in warnings[0]
    assert capfd.readouterr() == ("", "")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories anyway")
def test_a_read_only_data_directory_makes_a_no_op(
    tmp_path: Path, user_dir: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "RUNS"
    data_dir.mkdir()
    data_dir.chmod(0o500)
    try:
        exercise(TaskExecutorSessionHook(data_dir, user_dir))
    finally:
        data_dir.chmod(0o700)
    assert len(warnings_of(caplog)) == 1
    assert capfd.readouterr() == ("", "")


def test_a_broken_user_directory_makes_a_no_op(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    user_dir = tmp_path / "user"
    user_dir.write_text("not a directory")
    exercise(TaskExecutorSessionHook(data_dir, user_dir))
    assert len(warnings_of(caplog)) == 1
    assert capfd.readouterr() == ("", "")


def test_an_invalid_extra_pattern_records_nothing_rather_than_unfiltered(
    data_dir: Path, user_dir: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONKEEPER_REDACT_PATTERNS", "(unclosed")
    exercise(TaskExecutorSessionHook(data_dir, user_dir))
    assert len(warnings_of(caplog)) == 1
    assert not data_dir.exists()


def test_failures_while_recording_are_swallowed_and_reported_once(
    hook: TaskExecutorSessionHook,
    data_dir: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sessionkeeper.core import SessionManager

    hook.on_task_start(TASK)

    def disk_full(self: SessionManager, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SessionManager, "record", disk_full)
    for _ in range(3):
        hook.on_command_execute(["make"], 0)
        hook.on_task_complete(TASK, True, 1.0)
    monkeypatch.undo()
    hook.on_command_execute(["make"], 0)  # the disk has room again: recording goes on
    warnings = warnings_of(caplog)
    assert len(warnings) == 1
    assert "No space left on device" in warnings[0]
    assert capfd.readouterr() == ("", "")
    assert kinds(session_events(data_dir)) == {"TaskStarted": 1, "CommandExecuted": 1}


def test_keyboard_interrupt_is_the_runners_and_passes_through(
    hook: TaskExecutorSessionHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sessionkeeper.core import SessionManager

    hook.on_task_start(TASK)

    def interrupted(self: SessionManager, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(SessionManager, "record", interrupted)
    with pytest.raises(KeyboardInterrupt):
        hook.on_command_execute(["sleep", "10"], 0)


def test_warnings_reach_the_runners_logging_but_never_stderr_by_themselves(tmp_path: Path) -> None:
    # No logging configured at all: Python's last-resort handler must not print our warning.
    code = (
        "from sessionkeeper.hooks import TaskExecutorSessionHook\n"
        f"hook = TaskExecutorSessionHook({str(tmp_path / 'file')!r})\n"
        "hook.on_task_start({'task_id': 'x'})\n"
        "print('runner output')\n"
    )
    (tmp_path / "file").write_text("a file, not a directory")
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "runner output\n", "")


def test_importing_the_hooks_does_not_import_session_core() -> None:
    # What keeps importing the hooks (and get_hook()) cheap for a runner that may record nothing:
    # neither session-core nor click is imported, and no redaction rule is compiled before the
    # first recording call. What the import costs is measured in bench/hooks_overhead.py (H7).
    code = (
        "import sys\n"
        "import sessionkeeper.hooks, sessionkeeper.hooks.pytest_plugin\n"
        "from sessionkeeper.hooks import get_hook\n"
        "from sessionkeeper.hooks._secret_names import regex\n"
        "hook = get_hook()\n"
        "heavy = sorted(m for m in sys.modules if m.startswith('sessionkeeper.core') or m == 'click')\n"
        "print(heavy, regex.cache_info().currsize)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "[] 0\n", "")


def test_bad_constructor_arguments_make_a_no_op_not_an_exception(
    data_dir: Path, user_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for hook in (
        TaskExecutorSessionHook(data_dir, user_dir, redact_patterns=42),  # type: ignore[arg-type]
        TaskExecutorSessionHook(data_dir, user_dir, history_limit=0),
        TaskExecutorSessionHook(data_dir, user_dir, text_limit="long"),  # type: ignore[arg-type]
    ):
        exercise(hook)
    assert len(warnings_of(caplog)) == 3
    assert not data_dir.exists()
