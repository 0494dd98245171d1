"""The insights as lines of the text report (``[Insights]``), in the report's language.

Pure Python over the models: rendering needs neither numpy nor scikit-learn.
"""

from __future__ import annotations

from sessionkeeper.analyzer.messages import Messages, plain

from .model import Insights, ModelInfo, Subject
from .suggest import drift_message, short_date

__all__ = ["SHOWN", "insight_lines", "model_lines", "subject_line"]

SHOWN = {"task": 10, "command": 5, "flaky": 10, "drift": 10, "anomalies": 10}


def _grouped(number: int) -> str:
    return f"{number:,}"


def model_lines(kind: str, info: ModelInfo, say: Messages) -> list[str]:
    what = say(f"insights.kinds.{kind}")
    if info.method == "smoothed rate":
        return [
            say.count(
                "insights.model_rate",
                info.trained_runs,
                kind=what,
                runs=_grouped(info.trained_runs),
                failures=info.trained_failures,
            )
        ]
    lines = [
        say(
            "insights.model",
            kind=what,
            method=info.method,
            runs=_grouped(info.trained_runs),
            failures=_grouped(info.trained_failures),
        )
    ]
    if info.holdout_runs and info.holdout_brier is not None:
        lines.append(
            "  "
            + say(
                "insights.holdout",
                runs=_grouped(info.holdout_runs),
                auc="n/a" if info.holdout_auc is None else f"{info.holdout_auc:.2f}",
                brier=f"{info.holdout_brier:.3f}",
                baseline="n/a" if info.baseline_brier is None else f"{info.baseline_brier:.3f}",
            )
        )
    return lines


def subject_line(subject: Subject, say: Messages) -> str:
    forecast = subject.duration
    if forecast.status == "known":
        duration = say(
            "insights.duration",
            p50=say.duration(forecast.p50_seconds),
            p90=say.duration(forecast.p90_seconds),
            runs=forecast.evidence.runs,
        )
    else:
        duration = say.count("insights.duration_unknown", forecast.evidence.runs, runs=forecast.evidence.runs)
    return say(
        "insights.subject",
        name=plain(subject.name),
        risk=say.percent(subject.risk.probability),
        failed=subject.risk.recent_failed,
        recent=subject.risk.recent_runs,
        duration=duration,
    )


def _more(total: int, shown: int, say: Messages) -> list[tuple[str, str]]:
    return [("line", say("insights.more", count=total - shown))] if total > shown else []


def insight_lines(insights: Insights, say: Messages) -> list[tuple[str, str]]:
    """``("line", text)`` statements and ``("item", text)`` list items, in order."""
    out: list[tuple[str, str]] = []
    evidence = insights.evidence
    period = (
        f"{short_date(evidence.since, say)} \u2013 {short_date(evidence.until, say)}"
        if evidence.since and evidence.until
        else say("none")
    )
    out.append(
        (
            "line",
            say(
                "insights.learned",
                tasks=say.count("insights.task_runs", evidence.runs, count=_grouped(evidence.runs)),
                period=period,
                commands=say.count(
                    "insights.command_runs",
                    insights.commands_evidence.runs,
                    count=_grouped(insights.commands_evidence.runs),
                ),
            ),
        )
    )
    for kind in ("task", "command"):
        info = insights.models.get(kind)
        if info is not None and info.trained_runs:
            out += [("line", line) for line in model_lines(kind, info, say)]
    for kind, subjects, heading in (
        ("task", insights.tasks, "insights.next_tasks"),
        ("command", insights.commands, "insights.next_commands"),
    ):
        if subjects:
            out.append(("line", say(heading)))
            out += [("item", subject_line(s, say)) for s in subjects[: SHOWN[kind]]]
            out += _more(len(subjects), SHOWN[kind], say)
    if insights.flaky:
        out.append(("line", say("insights.flaky")))
        for f in insights.flaky[: SHOWN["flaky"]]:
            recent = "".join("\u2713" if run.success else "\u2717" for run in f.runs)
            out.append(
                (
                    "item",
                    say(
                        "insights.flaky_item",
                        name=plain(f.name),
                        flips=f.flips,
                        runs=f.evidence.runs,
                        rate=f"{f.flip_rate:.2f}",
                        low=f"{f.flip_rate_low:.2f}",
                        high=f"{f.flip_rate_high:.2f}",
                        entropy=f"{f.entropy:.2f}",
                        confidence=say.percent(f.confidence),
                        recent=recent,
                    ),
                )
            )
        out += _more(len(insights.flaky), SHOWN["flaky"], say)
    if insights.drift:
        out.append(("line", say("insights.drift")))
        out += [("item", drift_message(d, say)) for d in insights.drift[: SHOWN["drift"]]]
        out += _more(len(insights.drift), SHOWN["drift"], say)
    if insights.anomalies:
        out.append(("line", say("insights.anomalies")))
        for a in insights.anomalies[: SHOWN["anomalies"]]:
            out.append(
                (
                    "item",
                    say(
                        "insights.anomaly_item",
                        name=plain(a.name),
                        date=a.run.at[:16].replace("T", " "),
                        duration=say.duration(a.run.duration_seconds),
                        ratio=f"{a.ratio:.1f}",
                        median=say.duration(a.median_seconds),
                        z=f"{a.robust_z:.1f}",
                        runs=a.evidence.runs,
                    ),
                )
            )
        out += _more(len(insights.anomalies), SHOWN["anomalies"], say)
    hours = insights.productive_hours
    if runs := hours.evidence.runs:
        out.append(("line", say("insights.hours")))
        windows = [s.message for s in insights.suggestions if s.kind in ("best_hours", "worst_hours")]
        out += [("item", text) for text in windows] or [
            ("item", say.count("insights.hours_none", runs, runs=_grouped(runs)))
        ]
    if insights.suggestions:
        out.append(("line", say("insights.suggestions")))
        out += [("item", s.message) for s in insights.suggestions]
    return out
