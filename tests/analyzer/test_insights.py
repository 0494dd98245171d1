"""session-analyze --insights: known truth on small seeded histories, evidence on every figure,
"unknown" below three runs, the command end to end, hostile input, and no numpy without --insights."""

from __future__ import annotations

import math
import os
import random
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from bench._histories import History, history
from bench.insights_eval import evaluate, table_of
from sessionkeeper.analyzer import (
    analyze,
    render_html,
    render_json,
    render_text,
    resolve_period,
    resolve_zone,
)
from sessionkeeper.analyzer.insights import InsightsCollector, build_insights, command_key, insights_of
from sessionkeeper.analyzer.insights import drift as drifts
from sessionkeeper.analyzer.insights.durations import forecast, log_durations
from sessionkeeper.analyzer.insights.flaky import flakiness
from sessionkeeper.analyzer.insights.stats import quantile, wilson
from sessionkeeper.analyzer.messages import Messages
from sessionkeeper.core import CommandExecuted, Event, TaskCompleted, TaskStarted
from sessionkeeper.hooks.forecasting import quantile as hooks_quantile

Record = Callable[[Sequence[Event]], str]
ANALYZE = Path(sys.executable).with_name("session-analyze")
NOW = datetime(2025, 10, 31, 12, tzinfo=UTC)
HOSTILE = '<img src=x onerror="window.pwned=1">\x1b[31m\u202eFIX'


def _insights(data_dir: Path, *, days: int = 120, language: str = "en") -> tuple[Any, Any]:
    period = resolve_period(zone=resolve_zone("UTC"), days=days, now=NOW)
    collector = InsightsCollector(period)
    report = analyze(data_dir, period, language=language, now=NOW, observers=[collector])
    return report, insights_of(collector, Messages(language))


def _runs(
    task: str, durations: Sequence[float], failed: Sequence[bool] = (), start: datetime | None = None
) -> list[Event]:
    at = start or datetime(2025, 10, 1, 9, tzinfo=UTC)
    events: list[Event] = []
    for i, seconds in enumerate(durations):
        at += timedelta(hours=5)
        bad = bool(failed[i]) if i < len(failed) else False
        events.append(TaskStarted(task_id=task, at=at))
        events.append(
            CommandExecuted(
                command=f"make  {task.lower()}",
                exit_code=int(bad),
                duration=seconds / 2,
                at=at + timedelta(seconds=1),
            )
        )
        events.append(
            TaskCompleted(
                task_id=task,
                success=not bad,
                duration=seconds,
                error="boom" if bad else None,
                at=at + timedelta(seconds=seconds),
            )
        )
    return events


# -- definitions --------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 30, 31])
def test_p50_p90_are_linear_interpolation_as_statistics_numpy_and_the_hooks_compute_them(n: int) -> None:
    rnd = random.Random(n)
    values = [rnd.uniform(1, 500) for _ in range(n)]
    for q in (0.5, 0.9):
        ours = quantile(values, q)
        assert ours == pytest.approx(float(np.percentile(values, q * 100)))
        assert ours == pytest.approx(hooks_quantile(values, q))
        if n >= 2:
            assert ours == pytest.approx(
                statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]
            )


def test_wilson_interval_stays_inside_zero_and_one() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(0, 5)
    assert low == 0.0
    assert 0 < high < 0.5
    low, high = wilson(50, 100)
    assert low < 0.5 < high


def test_command_key_folds_ids_and_spaces_but_not_what_runs() -> None:
    assert command_key("pytest   -q\ttests") == "pytest -q tests"
    assert command_key("deploy --run 3f2a9c1d-1111-2222-3333-444455556666") == command_key(
        "deploy --run 00000000-aaaa-bbbb-cccc-ddddeeeeffff"
    )
    assert command_key("pytest -n 4") != command_key("pytest -n 8")


# -- known truth ----------------------------------------------------------------------------------------
def test_duration_is_unknown_below_three_timed_runs_and_known_from_three(
    record: Record, data_dir: Path
) -> None:
    record(_runs("TWO", [60.0, 80.0]) + _runs("THREE", [60.0, 80.0, 100.0]))
    _, found = _insights(data_dir)
    by_name = {s.name: s for s in found.tasks}
    two, three = by_name["TWO"].duration, by_name["THREE"].duration
    assert (two.status, two.p50_seconds, two.p90_seconds, two.evidence.runs) == ("unknown", None, None, 2)
    assert (three.status, three.p50_seconds, three.p90_seconds) == ("known", 80.0, 96.0)
    assert three.evidence.runs == 3
    assert three.evidence.since is not None
    text = render_text(*_report_and(found, data_dir))
    assert "duration unknown (2 timed runs; 3 needed)" in text


def _report_and(found: Any, data_dir: Path) -> tuple[Any, Any]:
    period = resolve_period(zone=resolve_zone("UTC"), days=120, now=NOW)
    return analyze(data_dir, period, now=NOW), found


def test_flaky_is_told_from_streaky_and_stable_by_flip_rate() -> None:
    rnd = random.Random(7)
    flaky = np.array([rnd.random() < 0.3 for _ in range(200)])
    stable = np.array([rnd.random() < 0.01 for _ in range(200)])
    streaky = np.array([40 <= i < 80 or 150 <= i < 170 for i in range(200)])  # broken twice, then fixed
    found = flakiness(flaky)
    assert found is not None
    assert found.flaky
    assert found.flip_rate == pytest.approx(2 * 0.3 * 0.7, abs=0.1)
    assert not flakiness(stable).flaky  # type: ignore[union-attr]
    streak = flakiness(streaky)
    assert streak is not None
    assert streak.failure_rate >= 0.2
    assert not streak.flaky
    assert flakiness(flaky[:9]) is None  # too few runs to say


def test_drift_is_found_near_where_it_was_injected_and_not_on_a_steady_series() -> None:
    rnd = np.random.default_rng(3)
    steady = np.exp(rnd.normal(np.log(120), 0.3, 200))
    assert drifts.change_points(log_durations(steady)) == []
    drifted = np.concatenate([steady[:120], steady[120:] * 2])
    changes = drifts.change_points(log_durations(drifted))
    assert changes
    assert abs(changes[-1].index - 120) <= 10
    after = forecast(drifted, changes)
    assert after.since_change
    assert after.p50 == pytest.approx(240, rel=0.25)  # the forecast follows the new level


def test_a_drift_is_reported_with_its_date_ratio_and_evidence(record: Record, data_dir: Path) -> None:
    rnd = random.Random(5)
    durations = [120 * math.exp(rnd.gauss(0, 0.15)) * (2 if i >= 40 else 1) for i in range(80)]
    record(_runs("FIX-DB", durations, start=datetime(2025, 7, 10, tzinfo=UTC)))
    _, found = _insights(data_dir)
    drift = next(d for d in found.drift if d.name == "FIX-DB")
    assert drift.ratio == pytest.approx(2, rel=0.2)
    assert abs(drift.runs_before - 40) <= 10  # found within 10 runs of where it began
    assert drift.runs_after + drift.runs_before == 80
    assert drift.confidence > 0.99
    assert drift.evidence.runs == 80
    messages = [s.message for s in found.suggestions if s.kind == "drift"]
    expected = "FIX-DB has taken 2.1\u00d7 longer since 18 Jul (median "
    assert any(m.startswith(expected) for m in messages), messages


def test_failure_risk_beats_both_baselines_on_a_seeded_history() -> None:
    result = evaluate(history(11, days=90, tasks=16, commands=8))
    assert result["auc"] > max(result["auc_last"], result["auc_rate"])
    assert result["brier"] < min(result["brier_last"], result["brier_rate"])
    assert result["precision"] >= 0.9
    assert result["recall"] >= 0.9
    assert 0.8 <= result["coverage"] <= 0.97
    assert result["drift_false"] == 0


def test_risky_flaky_tasks_are_named_with_calibrated_probabilities() -> None:
    h: History = history(21, days=90, tasks=16, commands=0)
    tasks = table_of(h.subjects)
    commands = table_of([])
    found = build_insights(tasks, commands, [], UTC, Messages("en"))
    truth = {s.name: s for s in h.subjects}
    flagged = {f.name for f in found.flaky}
    assert flagged == {name for name, s in truth.items() if s.flaky}
    for subject in found.tasks:
        assert 0 <= subject.risk.probability <= 1
        assert subject.risk.evidence.runs == subject.runs
    model = found.models["task"]
    assert model.method.startswith("logistic regression + ")
    assert model.holdout_auc is not None
    assert model.holdout_brier is not None
    assert model.baseline_brier is not None
    assert model.holdout_brier < model.baseline_brier


# -- the report and the command ---------------------------------------------------------------------
def _busy(record: Record) -> None:
    rnd = random.Random(2)
    events: list[Event] = []
    for name, p in (("FIX-DB", 0.4), ("BUILD", 0.02), ("DOCS", 0.0)):
        events += _runs(name, [rnd.uniform(50, 70) for _ in range(40)], [rnd.random() < p for _ in range(40)])
    record(events)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ANALYZE), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_json_contract_every_figure_has_its_evidence(record: Record, data_dir: Path) -> None:
    _busy(record)
    done = _run(
        "--insights", "--json", "--data-dir", str(data_dir), "--days", "120", "--now", NOW.isoformat()
    )
    assert done.returncode == 0, done.stderr
    report = orjson.loads(done.stdout)
    assert "stats" in report  # the report itself is all there
    insights = report["insights"]
    assert set(insights) == {
        "evidence", "commands_evidence", "models", "tasks", "commands", "flaky", "drift", "anomalies",
        "productive_hours", "suggestions", "thresholds",
    }  # fmt: skip
    assert insights["evidence"]["runs"] == 120
    for subject in insights["tasks"] + insights["commands"]:
        assert set(subject["risk"]) == {"probability", "method", "recent_runs", "recent_failed", "evidence"}
        assert set(subject["risk"]["evidence"]) == {"runs", "since", "until"}
        assert subject["duration"]["status"] in ("known", "unknown")
        assert set(subject["duration"]["evidence"]) == {"runs", "since", "until"}
    assert {s["name"] for s in insights["commands"]} == {"make fix-db", "make build", "make docs"}
    for kind in ("task", "command"):
        model = insights["models"][kind]
        assert model["trained_runs"] == 120
        assert model["evidence"]["runs"] == 120
    for suggestion in insights["suggestions"]:
        assert 0 <= suggestion["confidence"] <= 1
        assert suggestion["evidence"]["runs"] > 0
    hours = insights["productive_hours"]
    assert hours["evidence"]["runs"] == 120
    assert sum(cell["runs"] for cell in hours["cells"]) == 120
    for cell in hours["cells"]:
        assert cell["low"] <= cell["success_rate"] <= cell["high"]


def test_text_and_html_sections(record: Record, data_dir: Path) -> None:
    _busy(record)
    text = _run("--insights", "--data-dir", str(data_dir), "--days", "120", "--now", NOW.isoformat())
    assert text.returncode == 0, text.stderr
    assert "[Insights]" in text.stdout
    assert "Next run of each task (failure risk; duration):" in text.stdout
    html = data_dir.parent / "report.html"
    done = _run(
        "--insights", "-o", str(html), "--data-dir", str(data_dir), "--days", "120", "--now", NOW.isoformat()
    )
    assert done.returncode == 0, done.stderr
    page = html.read_text(encoding="utf-8")
    assert 'id="section-insights"' in page
    assert 'id="table-insights-tasks"' in page
    assert 'id="figure-insights-hours"' in page
    korean = _run(
        "--insights", "--lang", "ko", "--data-dir", str(data_dir), "--days", "120", "--now", NOW.isoformat()
    )
    assert "[인사이트]" in korean.stdout


def test_hostile_input_is_escaped_and_never_a_traceback(record: Record, data_dir: Path) -> None:
    events = _runs(HOSTILE, [1e-6, 1e9, 0.0, 5.0, 5.0], [True, False, True, False, True])
    events += [CommandExecuted(command="\x00" * 3 + "x" * 10_000, exit_code=-9, at=NOW - timedelta(days=1))]
    events += [TaskCompleted(task_id="ONLY-ONCE", success=False, at=NOW - timedelta(days=2))]
    record(events)
    for fmt in ("text", "json", "html"):
        done = _run(
            "--insights",
            "--format",
            fmt,
            "--data-dir",
            str(data_dir),
            "--days",
            "120",
            "--now",
            NOW.isoformat(),
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        if fmt == "html":
            assert "<img src=x" not in done.stdout
            assert "\x1b" not in done.stdout
            assert "\u202e" not in done.stdout


def test_an_empty_data_directory_gives_empty_insights(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    done = _run("--insights", "--json", "--data-dir", str(data_dir), "--now", NOW.isoformat())
    assert done.returncode == 0, done.stderr
    insights = orjson.loads(done.stdout)["insights"]
    assert insights["evidence"] == {"runs": 0, "since": None, "until": None}
    assert insights["tasks"] == []
    assert insights["suggestions"] == []


def test_insights_with_export_is_a_usage_error(data_dir: Path) -> None:
    done = _run("--insights", "--export", "csv", "--data-dir", str(data_dir))
    assert done.returncode == 2
    assert "--insights" in done.stderr


def test_without_the_extra_it_says_how_to_install_it(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    code = (
        "import sys\n"
        "sys.modules['sklearn'] = None  # as if scikit-learn were not installed\n"
        "from sessionkeeper.analyzer.cli import main\n"
        f"main(['--insights', '--data-dir', {str(data_dir)!r}])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert "pip install 'session-analyzer[insights]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_plain_report_never_imports_numpy_or_scikit_learn(record: Record, data_dir: Path) -> None:
    _busy(record)
    code = (
        "import sys\n"
        "from sessionkeeper.analyzer.cli import command\n"
        f"command.main(['--quiet', '--data-dir', {str(data_dir)!r}], standalone_mode=False)\n"
        "print(sorted(m for m in ('numpy', 'sklearn', 'scipy') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_render_functions_take_insights_and_json_without_them_has_no_key(
    record: Record, data_dir: Path
) -> None:
    _busy(record)
    report, found = _insights(data_dir)
    assert "insights" not in orjson.loads(render_json(report))
    assert orjson.loads(render_json(report, found))["insights"]["evidence"]["runs"] == 120
    assert 'id="section-insights"' in render_html(report, found)
    assert 'id="section-insights"' not in render_html(report)
