"""F. The insights (``session-analyze --insights``) against known truth, on a time split, and at scale.

Run: ``python bench/insights_eval.py [--quick] [--reps N]`` (or ``run(cfg)`` from ``bench/run.py``).

**Accuracy** (F1-F12). Each repetition is one seeded synthetic history (``_histories.py``: 30
tasks and 20 commands over 120 days, ~11,000 runs, each subject stable, streaky or flaky, a third
of them with a duration drift at a known moment, failures three times likelier at night). The
insights' own functions are run on it as the analyzer runs them:

* failure risk, on a **time split**: the model is trained on the runs of the first 70% of the
  period and scores every run of the last 30%, each from the runs before it (as a user's next run
  is predicted from the history so far). AUC and Brier score against two baselines on the same
  runs: the subject's **last outcome** (0 or 1) and its **historical failure rate** (the raw rate of
  its runs so far). Calibration: the test runs of all repetitions in deciles of predicted risk,
  mean predicted against observed failure rate (the table is printed under the figures);
* flaky detection, precision and recall against the subjects generated flaky;
* P90 coverage: every successful timed run of the last 30% against the P90 forecast the insights
  would have shown just before it (the same function, on the runs before it, drift-aware);
* drift: the change points of each subject's successful durations; an injected drift counts as
  found when a change lies within 10 runs of it (drifts with fewer than 15 successful runs on a
  side are left out: too close to an end of the history to be told from noise); a change on a
  subject without one is false.

A figure's median is over the repetitions (seeds); the "baseline" column holds what the figure is
compared with (a baseline model, or the truth's count).

**Scale** (F13, F14): ``session-analyze --insights --quiet --output report.json`` over S's cached
data set (10,000 sessions, 1,000,000 events: 250,000 task runs and 500,000 command runs), timed
spawn to exit in a fresh process with its peak RSS, against the same command without
``--insights`` (interleaved). Under ``--quick``: 500 sessions, 3 histories.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import orjson

from bench._harness import Config, Figure, Kind, Target, log, machine, median, render_table
from bench._histories import NIGHT, History, Subject, history
from bench._scale import measure_in_fresh_process
from sessionkeeper.analyzer.insights import drift as drifts
from sessionkeeper.analyzer.insights.durations import forecast, log_durations
from sessionkeeper.analyzer.insights.flaky import flakiness
from sessionkeeper.analyzer.insights.hours import productive_hours
from sessionkeeper.analyzer.insights.risk import FailureModel, baselines, design
from sessionkeeper.analyzer.insights.stats import auc, brier
from sessionkeeper.analyzer.insights.table import RunTable

__all__ = ["evaluate", "run", "table_of"]

SPLIT = 0.7
DRIFT_TOLERANCE = 10
DRIFT_SIDE = 15  # successful runs needed on each side of an injected drift to count it
SCALE_SECONDS, SCALE_BYTES = 10.0, 1 << 30


@dataclass(frozen=True)
class Between(Target):
    """A target range: ``threshold`` <= value <= ``upper``."""

    upper: float = math.inf

    def met(self, value: float, ratio: float) -> bool:
        return self.threshold <= value <= self.upper


def table_of(subjects: list[Subject]) -> RunTable:
    """The runs of ``subjects`` as the insights take them (one group each, zone UTC)."""
    names = [s.name for s in subjects]
    if not subjects:
        return RunTable.build(names, [], [], [], [], [], UTC)
    group = np.concatenate([np.full(len(s.at), i) for i, s in enumerate(subjects)])
    at = np.concatenate([s.at for s in subjects])
    failed = np.concatenate([s.failed for s in subjects])
    duration = np.concatenate([s.duration for s in subjects])
    return RunTable.build(names, group, at, failed, duration, np.zeros(len(at)), UTC)


def _risk(table: RunTable, cut: float) -> dict[str, np.ndarray]:
    train = table.at < cut
    prior = float(table.failed[train].mean())
    features = design(table, prior)
    order = np.flatnonzero(train)[np.argsort(table.at[train], kind="stable")]
    model = FailureModel.fit(features[order], table.failed[order])
    test = ~train
    last, rate = baselines(table, prior)
    return {
        "model": model.predict(features[test]),
        "last": last[test],
        "rate": rate[test],
        "y": table.failed[test].astype(np.float64),
        "method": np.array([model.method]),
    }


def _coverage(subject: Subject, cut: float) -> tuple[int, int]:
    at, failed, duration = (np.asarray(v) for v in (subject.at, subject.failed, subject.duration))
    ok = ~failed
    seconds, times = duration[ok], at[ok]
    covered = tested = 0
    for i in np.flatnonzero(times >= cut).tolist():
        past = seconds[:i]
        changes = drifts.change_points(log_durations(past)) if len(past) >= drifts.MIN_RUNS else []
        found = forecast(past, changes)
        if found.p90 is None:
            continue
        tested += 1
        covered += bool(seconds[i] <= found.p90)
    return covered, tested


def evaluate(h: History) -> dict[str, Any]:
    """Every accuracy figure of one history (see the module docstring)."""
    cut = h.start.timestamp() + h.days * 86400 * SPLIT
    pooled: dict[str, list[np.ndarray]] = {"model": [], "last": [], "rate": [], "y": []}
    methods = []
    for kind in ("task", "command"):
        found = _risk(table_of(h.of_kind(kind)), cut)
        methods.append(str(found["method"][0]))
        for key, values in pooled.items():
            values.append(found[key])
    p = {key: np.concatenate(value) for key, value in pooled.items()}
    result: dict[str, Any] = {
        "auc": auc(p["model"], p["y"]),
        "auc_last": auc(p["last"], p["y"]),
        "auc_rate": auc(p["rate"], p["y"]),
        "brier": brier(p["model"], p["y"]),
        "brier_last": brier(p["last"], p["y"]),
        "brier_rate": brier(p["rate"], p["y"]),
        "predicted": p["model"],
        "observed": p["y"],
        "methods": methods,
    }
    # flaky
    tp = fp = fn = 0
    for s in h.subjects:
        found_flaky = flakiness(np.asarray(s.failed))
        said = found_flaky is not None and found_flaky.flaky
        tp += said and s.flaky
        fp += said and not s.flaky
        fn += s.flaky and not said
    result["precision"] = tp / (tp + fp) if tp + fp else 1.0
    result["recall"] = tp / (tp + fn) if tp + fn else 1.0
    result["flaky_truth"] = tp + fn
    # P90 coverage
    covered = tested = 0
    for s in h.subjects:
        c, t = _coverage(s, cut)
        covered, tested = covered + c, tested + t
    result["coverage"] = covered / tested if tested else math.nan
    # drift
    injected = found_in_time = false = 0
    offsets = []
    for s in h.subjects:
        seconds = np.asarray(s.duration)[~np.asarray(s.failed)]
        changes = drifts.change_points(log_durations(seconds))
        if s.drift_index is None:
            false += len(changes)
            continue
        near = [abs(c.index - s.drift_index) for c in changes]
        if min(s.drift_index, len(seconds) - s.drift_index) < DRIFT_SIDE:
            continue
        injected += 1
        if near and min(near) <= DRIFT_TOLERANCE:
            found_in_time += 1
            offsets.append(min(near))
        false += sum(1 for distance in near if distance > DRIFT_TOLERANCE)
    result["drift_found"] = found_in_time / injected if injected else 1.0
    result["drift_injected"] = injected
    result["drift_offset"] = float(np.median(offsets)) if offsets else math.nan
    result["drift_false"] = false
    # hours: does the worst window fall on the injected night hours?
    tasks = table_of(h.subjects)
    hours = productive_hours(tasks.weekday, tasks.hour, tasks.failed)
    result["night_found"] = float(
        hours.worst is not None and {hours.worst.start, (hours.worst.start + 1) % 24} <= NIGHT
    )
    return result


def _deciles(predicted: np.ndarray, observed: np.ndarray) -> list[tuple[float, float, int]]:
    order = np.argsort(predicted, kind="stable")
    return [
        (float(predicted[part].mean()), float(observed[part].mean()), len(part))
        for part in np.array_split(order, 10)
        if len(part)
    ]


def _figure(
    bench: str,
    name: str,
    kind: Kind,
    unit: str,
    values: list[float],
    base_name: str,
    base: list[float],
    target: Target | None,
    note: str = "",
) -> Figure:
    return Figure(
        bench=bench,
        name=name,
        kind=kind,
        unit=unit,
        value=median(values),
        baseline_name=base_name,
        baseline=median(base),
        samples=tuple(values),
        baseline_samples=tuple(base),
        target=target,
        note=note,
    )


def _scale(cfg: Config) -> list[Figure]:
    from bench.analyzer_scale import NOW, SINCE, dataset

    sessions = cfg.size(10_000, 500)
    data_dir, expected = dataset(sessions)
    analyzer = Path(sys.executable).with_name("session-analyze")
    reps = max(3, min(cfg.reps, 5))
    log(
        f"  F: session-analyze --insights over {sessions:,} sessions / {expected['tasks'] * 4:,} events "
        f"({reps} reps)"
    )
    samples: dict[str, list[dict[str, float]]] = {"insights": [], "report": []}
    with tempfile.TemporaryDirectory(prefix="sessionkeeper-bench-insights-") as scratch:
        for rep in range(reps):
            for kind in ["insights", "report"] if rep % 2 == 0 else ["report", "insights"]:
                output = Path(scratch) / f"{kind}-{rep}.json"
                command = [
                    str(analyzer), "--quiet", "--output", str(output), "--data-dir", str(data_dir),
                    "--since", SINCE, "--now", NOW.isoformat(), "--tz", "Asia/Seoul",
                    *(["--insights"] if kind == "insights" else []),
                ]  # fmt: skip
                samples[kind].append(measure_in_fresh_process(command, what=kind))
                report = orjson.loads(output.read_bytes())
                if report["stats"]["total_tasks"] != expected["tasks"]:
                    raise RuntimeError("the report's totals are wrong")
                if kind == "insights" and report["insights"]["evidence"]["runs"] != expected["tasks"]:
                    raise RuntimeError("the insights did not learn from every task run")
            log(
                f"     rep {rep + 1}: --insights {samples['insights'][-1]['seconds']:.2f} s "
                f"({samples['insights'][-1]['rss'] / 2**20:.0f} MB), "
                f"report alone {samples['report'][-1]['seconds']:.2f} s"
            )

    def series(kind: str, key: str, scale: float = 1.0) -> list[float]:
        return [sample[key] / scale for sample in samples[kind]]

    mb = float(1 << 20)
    note = f"{sessions:,} sessions, {expected['tasks'] * 4:,} events ({expected['tasks']:,} task runs)"
    return [
        _figure("F13", "--insights wall time (spawn to exit)", Kind.DURATION, "s",
                series("insights", "seconds"), "the report without --insights", series("report", "seconds"),
                Target.max_value(SCALE_SECONDS, f"<= {SCALE_SECONDS:g} s"), note),
        _figure("F14", "--insights peak RSS", Kind.DURATION, "MB", series("insights", "rss", mb),
                "the report without --insights", series("report", "rss", mb),
                Target.max_value(SCALE_BYTES / mb, "<= 1,024 MB")),
    ]  # fmt: skip


def run(cfg: Config) -> list[Figure]:
    reps = cfg.reps if not cfg.quick else 3
    log(
        f"  F: insights against known truth on {reps} seeded histories "
        f"(time split {SPLIT:.0%} / {1 - SPLIT:.0%})"
    )
    results = []
    for rep in range(reps):
        found = evaluate(history(1000 + rep))
        results.append(found)
        log(
            f"     seed {1000 + rep}: AUC {found['auc']:.3f} (last {found['auc_last']:.3f}, rate "
            f"{found['auc_rate']:.3f}); Brier {found['brier']:.4f} (last {found['brier_last']:.4f}, rate "
            f"{found['brier_rate']:.4f}); flaky P {found['precision']:.2f} R {found['recall']:.2f}; "
            f"P90 coverage {found['coverage']:.3f}; drift {found['drift_found']:.2f} found, "
            f"{found['drift_false']} false; {', '.join(found['methods'])}"
        )

    def values(key: str) -> list[float]:
        return [float(r[key]) for r in results]

    deciles = _deciles(
        np.concatenate([r["predicted"] for r in results]), np.concatenate([r["observed"] for r in results])
    )
    gaps = [abs(p - o) for p, o, _ in deciles]
    decile_text = " ".join(f"{p:.3f}/{o:.3f}" for p, o, _ in deciles)
    log("     calibration (test runs of every seed, deciles of predicted risk): predicted / observed")
    for number, (p, o, n) in enumerate(deciles, 1):
        log(f"       decile {number:2d}: {p:.3f} / {o:.3f}  ({n:,} runs)")
    runs = sum(len(r["observed"]) for r in results)
    figures = [
        _figure("F1", "failure risk AUC (higher is better)", Kind.RATE, "", values("auc"), "last outcome",
                values("auc_last"), Target.min_ratio(1.0), f"{runs:,} test runs over {reps} seeds"),
        _figure("F2", "failure risk AUC", Kind.RATE, "", values("auc"), "historical failure rate",
                values("auc_rate"), Target.min_ratio(1.0)),
        _figure("F3", "failure risk Brier score (lower is better)", Kind.DURATION, "", values("brier"),
                "last outcome", values("brier_last"), Target.max_ratio(1.0)),
        _figure("F4", "failure risk Brier score", Kind.DURATION, "", values("brier"),
                "historical failure rate", values("brier_rate"), Target.max_ratio(1.0)),
        _figure("F5", "calibration: largest |predicted - observed| of a decile", Kind.DURATION, "",
                [max(gaps)], "mean predicted risk", [float(np.mean([p for p, _, _ in deciles]))],
                Target.max_value(0.05, "<= 0.05"), f"deciles predicted/observed: {decile_text}"),
        _figure("F6", "flaky detection precision", Kind.RATE, "", values("precision"),
                "flaky subjects (truth)", values("flaky_truth"), Target.min_value(0.9, ">= 0.9")),
        _figure("F7", "flaky detection recall", Kind.RATE, "", values("recall"), "flaky subjects (truth)",
                values("flaky_truth"), Target.min_value(0.9, ">= 0.9")),
        _figure("F8", "P90 duration coverage of the next run", Kind.RATE, "", values("coverage"), "nominal",
                [0.9] * reps, Between("85-95%", on_ratio=False, at_least=True, threshold=0.85, upper=0.95)),
        _figure("F9", "injected drifts found within 10 runs", Kind.RATE, "", values("drift_found"),
                "drifts injected", values("drift_injected"), Target.min_value(1.0, "all (1.0)")),
        _figure("F10", "distance of a found drift from the injection", Kind.DURATION, "runs",
                values("drift_offset"), "tolerance", [float(DRIFT_TOLERANCE)] * reps, None),
        _figure("F11", "drifts reported where none was injected", Kind.DURATION, "", values("drift_false"),
                "drifts injected", values("drift_injected"), Target.max_value(0, "0")),
        _figure("F12", "worst hours found on the injected night hours", Kind.RATE, "", values("night_found"),
                "histories", [1.0] * reps, None),
    ]  # fmt: skip
    return figures + _scale(cfg)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--reps", type=int, default=7, help="seeded histories (and scale repetitions, at most 5)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 histories, 500 sessions for the scale figures"
    )
    parser.add_argument("--no-scale", action="store_true", help="accuracy figures only")
    args = parser.parse_args(argv)
    cfg = Config(quick=args.quick, reps=max(1, args.reps), scratch_root=Path(tempfile.gettempdir()))
    before = machine()
    if args.no_scale:
        global _scale  # noqa: PLW0603 - a switch of this script only
        _scale = lambda cfg: []  # noqa: E731
    figures = run(cfg)
    after = machine()
    print()
    print(
        f"insights against known truth and at scale; load average {before['loadavg'][0]:.2f} -> "
        f"{after['loadavg'][0]:.2f} on {after['cpus']} CPUs"
    )
    print()
    print(render_table(figures))
    missed = [f.bench for f in figures if f.verdict == "MISS"]
    print()
    print("all targets met" if not missed else f"targets MISSED: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
