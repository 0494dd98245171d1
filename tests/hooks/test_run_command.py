"""``session run -- CMD``: the terminal untouched, the command's own exit status, signals passed on."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sessionkeeper.core import CommandExecuted

from .conftest import session_events, session_run_argv

MODULE = [sys.executable, "-m", "sessionkeeper.hooks.run_command"]


def run(
    args: list[str], env: dict[str, str], cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MODULE, "--", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def last_command(data_dir: Path) -> CommandExecuted:
    event = session_events(data_dir)[-1]
    assert isinstance(event, CommandExecuted)
    return event


@pytest.mark.parametrize(
    ("args", "status"),
    [(["true"], 0), (["false"], 1), (["sh", "-c", "exit 3"], 3), (["sh", "-c", "kill -TERM $$"], 128 + 15)],
)
def test_exit_status_is_the_commands_own(
    args: list[str], status: int, child_env: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    proc = run(args, child_env, cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (status, "", "")
    event = last_command(data_dir)
    assert (event.exit_code, event.cwd, event.task_id) == (status, str(tmp_path), None)
    assert event.duration is not None
    assert event.duration >= 0
    if status == 143:
        assert event.error == "killed by SIGTERM"


def test_a_missing_command_is_127_and_says_so_like_a_shell(child_env: dict[str, str], data_dir: Path) -> None:
    proc = run(["no-such-command-anywhere"], child_env)
    assert proc.returncode == 127
    assert proc.stderr == "session run: command not found: no-such-command-anywhere\n"
    assert last_command(data_dir).exit_code == 127


def test_a_file_that_cannot_be_executed_is_126(child_env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "not-executable.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    assert run([str(script)], child_env).returncode == 126


def test_stdin_stdout_and_stderr_are_the_commands(child_env: dict[str, str]) -> None:
    proc = run(["sh", "-c", "cat; echo to-stdout; echo to-stderr >&2"], child_env, stdin="from stdin\n")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "from stdin\nto-stdout\n", "to-stderr\n")


def test_options_of_the_command_are_not_taken_for_ours(child_env: dict[str, str], data_dir: Path) -> None:
    proc = run(["sh", "-c", 'echo "$@"', "sh", "--help", "-v", "--data-dir", "x"], child_env)
    assert (proc.returncode, proc.stdout) == (0, "--help -v --data-dir x\n")
    assert last_command(data_dir).command == "sh -c 'echo \"$@\"' sh --help -v --data-dir x"


def test_data_dir_option_chooses_where_it_is_recorded(child_env: dict[str, str], tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    proc = subprocess.run(
        [*MODULE, "--data-dir", str(elsewhere), "--", "true"], env=child_env, timeout=60, check=False
    )
    assert proc.returncode == 0
    assert last_command(elsewhere).command == "true"


def test_secrets_on_the_command_line_are_redacted(
    child_env: dict[str, str], data_dir: Path, user_dir: Path
) -> None:
    from .conftest import SECRETS, leaks

    proc = run(["true", f"--password={SECRETS['password']}", f"API_TOKEN={SECRETS['env_token']}"], child_env)
    assert proc.returncode == 0
    assert last_command(data_dir).command == "true '--password=[REDACTED]' 'API_TOKEN=[REDACTED]'"
    assert leaks([SECRETS["password"], SECRETS["env_token"]], data_dir, user_dir) == []


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 7), (signal.SIGINT, 8), (signal.SIGHUP, 9)])
def test_signals_are_forwarded_to_the_command(
    signum: signal.Signals, status: int, child_env: dict[str, str], data_dir: Path
) -> None:
    # The command traps the signal and exits with its own status: that status proves it got it.
    script = f"trap 'exit {status}' {signum.name[3:]}; echo ready; while :; do sleep 0.05; done"
    proc = subprocess.Popen(
        [*MODULE, "--", "sh", "-c", script],
        env=child_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # no controlling terminal: nobody else delivers the signal
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
        started = time.monotonic()
        proc.send_signal(signum)
        assert proc.wait(timeout=30) == status
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert last_command(data_dir).exit_code == status


def test_the_session_command_has_run(child_env: dict[str, str], data_dir: Path) -> None:
    argv = session_run_argv()
    if argv[0] == sys.executable:
        pytest.skip("the session CLI is not installed (or has no `run`): covered through the module")
    proc = subprocess.run([*argv, "sh", "-c", "exit 5"], env=child_env, timeout=60, check=False)
    assert proc.returncode == 5
    assert last_command(data_dir).exit_code == 5


def test_the_session_commands_data_dir_option_is_honoured(child_env: dict[str, str], tmp_path: Path) -> None:
    argv = session_run_argv()
    if argv[0] == sys.executable:
        pytest.skip("the session CLI is not installed (or has no `run`)")
    elsewhere = tmp_path / "elsewhere"
    proc = subprocess.run(
        [argv[0], "--data-dir", str(elsewhere), *argv[1:], "true"], env=child_env, timeout=60, check=False
    )
    assert proc.returncode == 0
    assert last_command(elsewhere).command == "true"


def test_the_command_runs_and_keeps_its_status_when_nothing_can_be_recorded(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "RUNS-is-a-file"
    broken.write_text("not a directory")
    env = {**child_env, "SESSIONKEEPER_DATA_DIR": str(broken)}
    proc = run(["sh", "-c", "echo still works; exit 4"], env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (4, "still works\n", "")
    verbose = subprocess.run(
        [*MODULE, "-v", "--", "true"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert verbose.returncode == 0
    assert verbose.stderr.startswith("session run: sessionkeeper.hooks: not recording tasks: ")
