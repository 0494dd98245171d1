"""``session run -- CMD ARGS...``: run a command as if typed directly, and record it.

The command gets the terminal untouched (stdin, stdout and stderr inherited, same environment and
directory) and its own exit status is ours (128+N when a signal N killed it, as shells report it;
127 when it cannot be found, 126 when it cannot be executed). Its exit code, duration and working
directory become one ``CommandExecuted`` event of the current session (secrets redacted).

Contributed to the ``session`` command through the ``sessionkeeper.cli`` entry-point group, and
runnable on its own: ``python -m sessionkeeper.hooks.run_command -- CMD ARGS...``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType
from typing import Any

import click

from .hook import TaskExecutorSessionHook

__all__ = ["SignalForwarder", "exit_status", "run", "run_and_record"]

_FORWARDED = tuple(
    sig
    for sig in (getattr(signal, name, None) for name in ("SIGINT", "SIGTERM", "SIGHUP"))
    if sig is not None
)
# Signals a terminal sends to its whole foreground process group (Ctrl-C, hang-up). When we are in
# that group the child (which shares our group) got it already; forwarding would deliver it twice,
# and a second SIGINT interrupts a program's own Ctrl-C handling (uv settled on the same rule).
_TERMINAL_SIGNALS = frozenset(sig for sig in _FORWARDED if sig != signal.SIGTERM)


def _in_foreground_of_terminal() -> bool:
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd):
                return os.tcgetpgrp(fd) == os.getpgrp()
        except OSError:
            continue
    return False


class SignalForwarder:
    """Passes SIGINT, SIGTERM and SIGHUP on to the child while it runs, then restores handlers.

    A signal the program ignores (``SIG_IGN``, e.g. SIGHUP under ``nohup``) stays ignored, and the
    child inherits that, exactly as if it had been started directly.
    """

    def __init__(self) -> None:
        self._child: subprocess.Popen[bytes] | None = None
        self._pending: list[int] = []
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> SignalForwarder:
        for signum in _FORWARDED:
            try:
                previous = signal.getsignal(signum)
                if previous == signal.SIG_IGN:
                    continue
                signal.signal(signum, self._handle)
            except (ValueError, OSError):  # not the main thread: leave signals alone
                continue
            self._previous[signum] = previous
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            try:
                signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
            except (ValueError, OSError, TypeError):
                continue
        self._previous.clear()

    def attach(self, child: subprocess.Popen[bytes]) -> None:
        """The child to forward to; a signal that came while it was being started goes now."""
        self._child = child
        pending, self._pending = self._pending, []
        for signum in pending:
            self._send(signum)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._child is None:
            self._pending.append(signum)
            return
        if signum in _TERMINAL_SIGNALS and _in_foreground_of_terminal():
            return  # the terminal sent it to the child as well
        self._send(signum)

    def _send(self, signum: int) -> None:
        child = self._child
        if child is not None and child.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # it exited in the meantime
                child.send_signal(signum)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_status(returncode: int) -> int:
    """A child's return code as a shell reports it: 128+N for death by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def run_and_record(
    argv: Sequence[str], hook: TaskExecutorSessionHook | None = None, data_dir: str | None = None
) -> int:
    """Run ``argv`` with inherited stdio, forward signals, record it, and return its exit status."""
    try:
        cwd: str | None = os.getcwd()
    except OSError:
        cwd = None
    problem = ""  # why it could not start (printed, like a shell does) or how it died (recorded only)
    launched = False
    started = time.monotonic()
    with SignalForwarder() as forwarder:
        try:
            child = subprocess.Popen(list(argv))
        except FileNotFoundError:
            status, problem = 127, f"command not found: {argv[0]}"
        except (PermissionError, IsADirectoryError, NotADirectoryError):
            status, problem = 126, f"permission denied: {argv[0]}"
        except OSError as exc:
            status, problem = 126, f"cannot run {argv[0]}: {exc.strerror or exc}"
        else:
            launched = True
            forwarder.attach(child)
            returncode = child.wait()
            status = exit_status(returncode)
            if returncode < 0:  # recorded, not printed: the shell reports it as it always does
                problem = f"killed by {_signal_name(-returncode)}"
    duration = time.monotonic() - started
    if problem and not launched:
        click.echo(f"session run: {problem}", err=True)
    recorder = hook if hook is not None else TaskExecutorSessionHook(data_dir)
    recorder.on_command_execute(list(argv), status, duration=duration, cwd=cwd, stderr=problem)
    if hook is None:
        recorder.close()  # our own hook: checkpoint now rather than in an exit handler
    return status


@click.command(
    name="run",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    short_help="Run a command and record it in the current session.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Data directory (default: the `session --data-dir` option, $SESSIONKEEPER_DATA_DIR, ./RUNS).",
)
@click.option(
    "--verbose", "-v", is_flag=True, help="Report on stderr when the command could not be recorded."
)
@click.option(
    "--forecast",
    "show_forecast",
    is_flag=True,
    help="Before running, say on stderr how long this command usually takes and how often it "
    "failed lately (from the recorded history; nothing if it takes over 0.5 s to find out).",
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED, metavar="-- COMMAND [ARGS]...")
@click.pass_context
def run(
    ctx: click.Context, data_dir: str | None, verbose: bool, show_forecast: bool, command: tuple[str, ...]
) -> None:
    """Run COMMAND with the terminal untouched and record it in the current session.

    The exit code, duration and working directory are recorded (secrets in the command line are
    redacted first); the session is the data directory's current one, started if there is none.
    The exit status is the command's own: 128+N if signal N killed it, 127 if it was not found.

    With --forecast, first prints on stderr what the history says about this command line,
    e.g. "usually 2m10s (p90 3m40s); failed 3 of the last 10 runs".

    \b
    Examples:
      session run -- make test
      session run --forecast -- sh -c 'pytest -q && ruff check'
    """
    if verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("session run: %(message)s"))
        logger = logging.getLogger("sessionkeeper")
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
    if data_dir is None:
        # Under `session`, honour its global --data-dir. Read from click's parameters, not from
        # session-cli's objects: the two packages never import each other.
        root = ctx.find_root()
        inherited = root.params.get("data_dir") if root is not ctx else None
        data_dir = None if inherited is None else str(inherited)
    if show_forecast:
        _print_forecast(command, data_dir)
    ctx.exit(run_and_record(command, data_dir=data_dir))


def _print_forecast(command: Sequence[str], data_dir: str | None) -> None:
    """The forecast line on stderr, or nothing: it must never stop or delay the command for long."""
    try:
        from .forecasting import forecast_in_time

        found = forecast_in_time(command, data_dir)
        if found is not None:
            click.echo(f"session run: {found.message()}", err=True)
    except Exception:  # never between the user and their command
        logging.getLogger("sessionkeeper.hooks").debug("session run: no forecast", exc_info=True)


if __name__ == "__main__":
    run.main(prog_name="session run")
