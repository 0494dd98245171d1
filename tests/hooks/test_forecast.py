"""forecast(task) and `session run --forecast`: P50/P90 as the analyzer defines them, "unknown"
below three runs, newest runs first, and never in the way of the command."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sessionkeeper.hooks import Forecast, TaskExecutorSessionHook
from sessionkeeper.hooks import forecast as module_forecast
from sessionkeeper.hooks.forecasting import forecast, forecast_command, quantile, short_duration

MODULE = [sys.executable, "-m", "sessionkeeper.hooks.run_command"]


def run(
    args: list[str], env: dict[str, str], *, forecast_flag: bool = True
) -> subprocess.CompletedProcess[str]:
    flags = ["--forecast"] if forecast_flag else []
    return subprocess.run(
        [*MODULE, *flags, "--", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    "values", [[5.0], [1.0, 2.0], [3.0, 1.0, 2.0], [float(v) for v in range(1, 31)], [9, 1, 7, 3.5]]
)
def test_quantile_is_the_inclusive_linear_interpolation_of_statistics_and_numpy(values: list[float]) -> None:
    for q in (0.5, 0.9):
        assert quantile(values, q) == pytest.approx(float(np.percentile(values, q * 100)))
        if len(values) >= 2:
            assert quantile(values, q) == pytest.approx(
                statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]
            )


def test_short_durations_read_like_a_person_writes_them() -> None:
    assert [short_duration(s) for s in (0.42, 45, 130, 220, 3900)] == [
        "0.4s",
        "45s",
        "2m10s",
        "3m40s",
        "1h05m",
    ]


def test_a_task_forecast_from_its_own_runs(hook: TaskExecutorSessionHook, data_dir: Path) -> None:
    for seconds, ok in [(100, True), (120, False), (130, True), (140, True), (60, False)]:
        hook.on_task_start({"task_id": "FIX-DB"})
        hook.on_task_complete({"task_id": "FIX-DB"}, ok, seconds)
    hook.on_task_complete({"task_id": "OTHER"}, True, 1.0)
    found = hook.forecast({"task_id": "FIX-DB"})
    assert isinstance(found, Forecast)
    assert (found.kind, found.name, found.status) == ("task", "FIX-DB", "known")
    assert (found.recent_runs, found.recent_failed, found.timed_runs) == (5, 2, 3)
    assert found.p50 == 130.0  # successful runs only: 100, 130, 140
    assert found.p90 == pytest.approx(138.0)
    assert found.message() == "usually 2m10s (p90 2m18s); failed 2 of the last 5 runs"
    assert found.since is not None
    assert found.until is not None
    assert found.since <= found.until


def test_unknown_below_three_timed_runs(hook: TaskExecutorSessionHook, data_dir: Path) -> None:
    assert hook.forecast("NEVER-RUN") is not None
    assert hook.forecast("NEVER-RUN").recent_runs == 0  # type: ignore[union-attr]
    for seconds in (10, 20):
        hook.on_task_complete("TWICE", True, seconds)
    found = forecast("TWICE", data_dir=data_dir)
    assert found is not None
    assert (found.status, found.p50, found.p90, found.timed_runs) == ("unknown", None, None, 2)
    assert found.message().startswith("duration unknown (2 timed successful runs, 3 needed)")


def test_the_module_function_uses_the_process_wide_hook(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sessionkeeper.hooks.hook as hook_module

    monkeypatch.setattr(hook_module, "_hook", TaskExecutorSessionHook(data_dir))
    hook_module.on_task_complete("T", True, 3.0)
    found = module_forecast("T")
    assert found is not None
    assert found.recent_runs == 1
    hook_module.get_hook().close()


def test_only_the_last_thirty_successful_runs_count(hook: TaskExecutorSessionHook, data_dir: Path) -> None:
    for _ in range(20):
        hook.on_task_complete("T", True, 1000.0)  # old and slow
    for _ in range(30):
        hook.on_task_complete("T", True, 10.0)  # newer
    found = forecast("T", data_dir=data_dir)
    assert found is not None
    assert (found.timed_runs, found.p50, found.p90) == (30, 10.0, 10.0)


def test_a_command_forecast_matches_its_recorded_line(hook: TaskExecutorSessionHook, data_dir: Path) -> None:
    for code in (0, 1, 0, 0):
        hook.on_command_execute(["pytest", "-q", "tests"], code, duration=2.0)
    hook.on_command_execute(["pytest", "-q", "other"], 0, duration=99.0)
    found = forecast_command(["pytest", "-q", "tests"], data_dir=data_dir)
    assert found is not None
    assert (found.recent_runs, found.recent_failed, found.p50) == (4, 1, 2.0)
    assert forecast_command("pytest  -q   tests", data_dir=data_dir).recent_runs == 4  # type: ignore[union-attr]


def test_session_run_forecast_end_to_end(child_env: dict[str, str], data_dir: Path) -> None:
    first = run(["sh", "-c", "exit 1"], child_env)
    assert first.returncode == 1
    assert first.stderr == "session run: no forecast: no earlier run of this command in the history\n"
    for _ in range(2):
        run(["sh", "-c", "exit 1"], child_env, forecast_flag=False)
    again = run(["sh", "-c", "exit 1"], child_env)
    assert again.returncode == 1
    assert again.stderr == (
        "session run: duration unknown (0 timed successful runs, 3 needed); failed 3 of the last 3 runs\n"
    )
    for _ in range(3):
        run(["sh", "-c", "exit 0"], child_env, forecast_flag=False)
    ok = run(["sh", "-c", "exit 0"], child_env)
    assert ok.returncode == 0
    assert ok.stderr.startswith("session run: usually ")
    assert ok.stderr.endswith("; failed 0 of the last 3 runs\n")
    assert "Traceback" not in ok.stderr


def test_without_forecast_nothing_is_printed_and_nothing_is_loaded(child_env: dict[str, str]) -> None:
    quiet = run(["true"], child_env, forecast_flag=False)
    assert (quiet.returncode, quiet.stderr) == (0, "")
    code = (
        "import sys, sessionkeeper.hooks, sessionkeeper.hooks.run_command\n"
        "print('sessionkeeper.hooks.forecasting' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=child_env, check=False
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("damage", ["file", "garbage", "key"])
def test_a_broken_history_never_stops_the_command(
    damage: str, child_env: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    env = dict(child_env)
    if damage == "file":  # the data directory is a file: nothing can be read (or recorded)
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        data_dir.write_text("not a directory")
    elif damage == "garbage":
        run(["true"], env, forecast_flag=False)
        for path in (data_dir / "sessions").glob("session_*.json"):
            path.write_bytes(b"\x00garbage{")
    else:  # encrypted sessions, and no key in the forecast's environment
        env["SESSIONKEEPER_KEY"] = "x" * 10  # not a usable key
    started = time.monotonic()
    done = run(["sh", "-c", "exit 7"], env)
    assert done.returncode == 7
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 30


def test_the_forecast_gives_up_after_its_budget(child_env: dict[str, str], data_dir: Path) -> None:
    hook = TaskExecutorSessionHook(data_dir)
    for _ in range(5):
        hook.on_command_execute(["true"], 0, duration=0.1)
    hook.close()
    from sessionkeeper.hooks.forecasting import forecast_in_time

    started = time.monotonic()
    forecast_in_time(["true"], str(data_dir), timeout=0.0)  # whatever it found in no time, if anything
    assert time.monotonic() - started < 1.0
    found = forecast_in_time(["true"], str(data_dir), timeout=5.0)
    assert found is not None
    assert found.recent_runs == 5
    assert os.environ.get("SESSIONKEEPER_DATA_DIR")  # the isolated environment, untouched
