"""Every text a report shows, in English and Korean: one catalogue, no language checks elsewhere.

Renderers ask :class:`Messages` for a key and its fields; numbers, durations, percentages, hours
and weekdays are formatted here too, so a language is one table. Both tables have the same keys,
but for singulars (``key.one``), which only a language that inflects for number lists (a test
checks it), so a missing translation fails a test, not a user's report.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Final

__all__ = ["CATALOGUE", "LANGUAGES", "Messages", "default_language", "plain"]

LANGUAGES: Final = ("en", "ko")

CATALOGUE: Final[dict[str, dict[str, str]]] = {
    "en": {
        # -- the command's own lines on stderr (confirmations, errors), not the report ---------------
        "cli.error": "Error: {message}",
        "cli.internal_error": "Error: internal error: {detail} (SESSION_ANALYZE_DEBUG=1 shows more)",
        "cli.wrote": "Wrote the {format} report to {path} ({size})",
        "cli.exported": "Exported {events} from {sessions} to {path} ({format}){left_out}",
        "cli.events": "{count} events",
        "cli.events.one": "{count} event",
        "cli.sessions": "{count} sessions",
        "cli.sessions.one": "{count} session",
        "cli.left_out": "; {count} files left out (the report lists them)",
        "cli.left_out.one": "; {count} file left out (the report lists it)",
        "cli.format.text": "text",
        "cli.format.json": "JSON",
        "cli.format.html": "HTML",
        "cli.bytes": "{value} bytes",
        "cli.bytes.one": "{value} byte",
        "cli.kib": "{value} KiB",
        "cli.mib": "{value} MiB",
        "cli.remote_read": (
            "Read {remote}: {hosts}; downloaded {fetched} ({size}), {cached} from the local cache"
        ),
        "cli.objects": "{count} objects",
        "cli.objects.one": "{count} object",
        # -- end of the command's keys ---------------------------------------------------------------
        "title": "Session report",
        "period": "Period: {since} \u2013 {until} ({days} days, {timezone})",
        "sessions": "Sessions analysed: {count} (read: {read}, files skipped: {skipped})",
        "section.stats": "Execution statistics",
        "section.frequent": "Frequent tasks",
        "section.failures": "Failures",
        "section.productivity": "Productivity",
        "section.errors": "Error patterns",
        "section.commands": "Commands",
        "section.suggestions": "Suggestions",
        "section.skipped": "Skipped files",
        "section.notes": "Notes",
        "stats.total": "Total tasks: {count}",
        "stats.succeeded": "Succeeded: {count} ({rate})",
        "stats.failed": "Failed: {count}",
        "stats.total_time": "Total execution time: {duration}",
        "stats.average_time": "Average execution time: {duration} (over {timed} timed runs)",
        "stats.average_time.one": "Average execution time: {duration} (one timed run)",
        "stats.unfinished": "Started but not finished: {count}",
        "stats.commands": "Commands run: {count} (failed: {failed})",
        "frequent.item": "{task_id}: {count} runs",
        "frequent.item.one": "{task_id}: {count} run",
        "frequent.slowest": "Slowest on average:",
        "frequent.slow_item": "{task_id}: {duration} ({runs} timed runs)",
        "frequent.slow_item.one": "{task_id}: {duration} ({runs} timed run)",
        "failures.item": "{task_id}: {failed} of {runs} runs failed",
        "failures.item.one": "{task_id}: {failed} of {runs} run failed",
        "productivity.session": "Average session length: {duration} ({sessions} sessions)",
        "productivity.session.one": "Average session length: {duration} (one session)",
        "productivity.active": "Most active hours: {hours}",
        "productivity.hour": "{hour:02d}h ({tasks})",
        "productivity.weekday": "Busiest weekday: {day} ({tasks} tasks)",
        "productivity.weekday.one": "Busiest weekday: {day} (one task)",
        "productivity.by_hour": "Tasks by hour:",
        "errors.item": '"{message}" \u00d7{count} ({tasks})',
        "errors.problem": "Problem tasks:",
        "errors.problem_item": "{task_id}: {failed} of {runs} runs failed ({rate})",
        "errors.problem_item.one": "{task_id}: {failed} of {runs} run failed ({rate})",
        "commands.most_used": "Most used:",
        "commands.used_item": "{program}: {count} runs",
        "commands.used_item.one": "{program}: {count} run",
        "commands.failing": "Failing most:",
        "commands.failing_item": "{program}: {failed} of {runs} runs failed ({rate})",
        "commands.failing_item.one": "{program}: {failed} of {runs} run failed ({rate})",
        "none": "(none)",
        "not_available": "n/a",
        "suggestions.none": (
            "(none: suggestions need at least {min_tasks} finished tasks or repeated failures)"
        ),
        "skipped.item": "{file}: {reason} — {detail}",
        "suggest.failing_task": "{task_id} failed {failed} of {runs} runs — look for the root cause",
        "suggest.productive_hours": (
            "{start:02d}\u2013{end:02d}h is your most productive time ({count} of {total} successful tasks)"
        ),
        "suggest.low_success_rate": (
            "Only {rate} of {total} tasks succeeded — review the tasks that fail most"
        ),
        "suggest.repeated_error": (
            '"{message}" happened {count} times in {tasks} task(s) — one fix may cure them all'
        ),
        "suggest.failing_command": "{program} failed {failed} of {runs} runs — check how it is set up",
        "reason.bad_name": "not a session file name",
        "reason.bad_id": "invalid session id inside",
        "reason.too_large": "too large",
        "reason.unreadable": "unreadable",
        "reason.no_key": "encrypted, no key configured",
        "reason.malformed_event": "malformed event",
        "reason.wrong_types": "task records of the wrong types",
        "reason.identical_copy": "identical copy",
        "reason.older_copy": "older copy",
        "reason.copy": "copy",
        "card.tasks": "tasks",
        "card.success_rate": "success rate",
        "card.total_time": "total execution time",
        "card.commands": "commands run",
        "chart.by_hour": "Tasks by hour",
        "chart.daily": "Daily trend",
        "chart.top": "Top tasks",
        "chart.failures": "Failures",
        "chart.succeeded": "succeeded",
        "chart.failed": "failed",
        "chart.runs": "runs",
        "chart.tasks": "tasks",
        "chart.count_tasks": "{count} tasks",
        "chart.count_tasks.one": "{count} task",
        "chart.count_runs": "{count} runs",
        "chart.count_runs.one": "{count} run",
        "chart.no_data": "no data in this period",
        "html.generated": "Generated {generated} · Sessionkeeper session-analyze",
        "weekday.0": "Monday",
        "weekday.1": "Tuesday",
        "weekday.2": "Wednesday",
        "weekday.3": "Thursday",
        "weekday.4": "Friday",
        "weekday.5": "Saturday",
        "weekday.6": "Sunday",
        "unit.seconds": "{value} s",
        "unit.minutes": "{value} min",
        "unit.hours": "{value} h",
        # -- the HTML report's charts and tables (render_html and its modules) ----------------------
        "html.chart.slowest": "Slowest tasks (mean duration)",
        "html.chart.calendar": "Tasks by weekday and week",
        "html.chart.calendar_recent": "Tasks by weekday and week (the last {weeks} weeks)",
        "html.axis.hour": "Hour of day (local time)",
        "html.axis.date": "Date",
        "html.axis.tasks": "Tasks",
        "html.week_of": "week of {date}",
        "html.weekday.0": "Mon",
        "html.weekday.1": "Tue",
        "html.weekday.2": "Wed",
        "html.weekday.3": "Thu",
        "html.weekday.4": "Fri",
        "html.weekday.5": "Sat",
        "html.weekday.6": "Sun",
        "html.col.task": "Task",
        "html.col.runs": "Runs",
        "html.col.failed": "Failed",
        "html.col.succeeded": "Succeeded",
        "html.col.failure_rate": "Failure rate",
        "html.col.mean": "Mean duration",
        "html.col.timed": "Timed runs",
        "html.col.error": "Error",
        "html.col.times": "Times",
        "html.col.tasks": "Tasks",
        "html.col.program": "Program",
        "html.col.hour": "Hour",
        "html.col.weekday": "Weekday",
        "html.col.file": "File",
        "html.col.reason": "Reason",
        "html.col.detail": "Detail",
        "html.table.most_run": "Most run tasks",
        "html.table.slowest": "Slowest on average",
        "html.table.failures": "Tasks that failed",
        "html.table.by_weekday": "Tasks by weekday",
        "html.table.by_hour": "Tasks by hour",
        "html.table.repeated": "Repeated errors",
        "html.table.problem": "Problem tasks",
        "html.table.used": "Most used commands",
        "html.table.failing": "Commands failing most",
        "html.table.skipped": "Skipped files",
        "html.sort_hint": "Click a column heading to sort the table.",
        "html.failed_of_runs": "{task_id}: {failed} of {runs} runs failed",
        "html.failed_of_runs.one": "{task_id}: {failed} of {runs} run failed",
        "html.slow_tip": "{task_id}: {duration} on average over {runs} timed runs",
        "html.slow_tip.one": "{task_id}: {duration} (one timed run)",
        "html.runs_tip": "{task_id}: {runs} runs",
        "html.runs_tip.one": "{task_id}: {runs} run",
        "html.legend.runs": "all runs",
        "html.chart.weekday_hour": "Tasks by weekday and hour",
        "html.chart.duration": "Mean task duration by day",
        "html.axis.duration": "Mean duration ({unit})",
        "html.legend.duration": "mean of timed runs",
        "html.hour": "{hour:02d}h",
        # -- end of the HTML report's keys ----------------------------------------------------------
        # -- the dashboard (session dashboard; dashboard/) --------------------------------------------
        "dash.title": "Sessionkeeper dashboard",
        "dash.skip": "Skip to the content",
        "dash.footer": "Read-only · times in {zone} · Sessionkeeper session dashboard",
        "dash.switch_language": "한국어",
        "dash.nav.label": "Pages",
        "dash.nav.now": "Now",
        "dash.nav.trends": "Trends",
        "dash.nav.insights": "Insights",
        "dash.live.on": "live",
        "dash.live.off": "connecting\u2026",
        "dash.state.running": "running",
        "dash.state.ended": "ended",
        "dash.state.crashed": "crashed",
        "dash.state.unknown": "unknown",
        "dash.state.unreadable": "unreadable",
        "dash.event.started": "{task} started",
        "dash.event.succeeded": "{task} succeeded",
        "dash.event.succeeded_in": "{task} succeeded in {duration}",
        "dash.event.failed": "{task} failed",
        "dash.event.after": "after {duration}",
        "dash.event.command": "{command} \u2192 exit {code}",
        "dash.event.at": "{time}",
        "dash.now.title": "Now",
        "dash.now.sessions": "Sessions",
        "dash.now.none": "No session in this data directory yet (session start, or a hook, makes one).",
        "dash.now.count": "{count} {state}",
        "dash.now.scopes": "USER scope: {user} keys · APP scope: {app} keys.",
        "dash.now.archived": "History archive: {count} sessions.",
        "dash.now.archived.one": "History archive: {count} session.",
        "dash.now.indexing": "Reading the history archive\u2026",
        "dash.now.stream": "Live events",
        "dash.now.no_events": "No events yet: they appear here as hooks record them.",
        "dash.backup.title": "Remote backup",
        "dash.backup.where": "Remote",
        "dash.backup.last_push": "Last push",
        "dash.backup.last": "{when} UTC ({ago} ago)",
        "dash.backup.never": "never yet",
        "dash.backup.waiting": "Waiting to go",
        "dash.backup.backlog": "{objects} object(s), {size} MiB",
        "dash.backup.error": "Last error",
        "dash.backup.failed": "{failures} failed push(es) in a row: {error}",
        "dash.backup.state.crashed": "failing",
        "dash.backup.state.ended": "pushed",
        "dash.backup.state.unknown": "not pushed yet",
        "dash.col.session": "Session",
        "dash.col.state": "State",
        "dash.col.host": "Host",
        "dash.col.started": "Started",
        "dash.col.current_task": "Current task",
        "dash.col.last_event": "Last event",
        "dash.col.keys": "Keys",
        "dash.col.events": "Events",
        "dash.col.when": "When",
        "dash.col.outcome": "Outcome",
        "dash.col.duration": "Duration",
        "dash.col.command": "Command",
        "dash.col.what": "What",
        "dash.col.bytes": "Bytes",
        "dash.col.changed": "Changed",
        "dash.preset.today": "Today",
        "dash.preset.7d": "Last 7 days",
        "dash.preset.30d": "Last 30 days",
        "dash.preset.90d": "Last 90 days",
        "dash.preset.365d": "Last 365 days",
        "dash.preset.all": "All history",
        "dash.preset.custom": "From/to dates",
        "dash.filter.any": "any",
        "dash.filter.period": "Period",
        "dash.filter.from": "From",
        "dash.filter.to": "To",
        "dash.filter.task": "Task",
        "dash.filter.status": "Outcome",
        "dash.filter.host": "Host",
        "dash.filter.command": "Command (program)",
        "dash.filter.ignore": "Ignore commands (comma-separated)",
        "dash.filter.apply": "Show",
        "dash.filter.reset": "Reset",
        "dash.trends.title": "Trends",
        "dash.trends.covers": "Covers {since} \u2013 {until} ({days} days, {zone}).",
        "dash.trends.tasks": "Tasks (most run first)",
        "dash.trends.details": "Details",
        "dash.insights.title": "Insights",
        "dash.insights.link": "Insights for this period \u2192",
        "dash.insights.computing": (
            "Learning from the history of this period\u2026 this page reloads by itself."
        ),
        "dash.index.progress": (
            "Reading the history archive: {done} of {total} sessions\u2026 this page reloads by itself."
        ),
        "dash.index.progress.one": (
            "Reading the history archive: {done} of {total} session\u2026 this page reloads by itself."
        ),
        "dash.index.failed": "The history could not be read: {error}",
        "dash.task.title": "Task {task}",
        "dash.task.unknown": "No run of this task in the sessions or the history archive.",
        "dash.task.span": "Runs from {first} to {last}.",
        "dash.task.last_run": "last run",
        "dash.task.daily": "Runs and failures a day (last {days} days)",
        "dash.task.errors": "Last errors",
        "dash.task.commands": "Commands it ran",
        "dash.task.no_commands": "No command was recorded inside its runs.",
        "dash.task.runs_title": "Runs",
        "dash.task.runs": "The latest {count} runs",
        "dash.task.runs.one": "The latest run",
        "dash.session.title": "Session {session}",
        "dash.session.facts": "Started {started} on {host}; {events} events.",
        "dash.session.facts.one": "Started {started} on {host}; {events} event.",
        "dash.session.archived": (
            "In the history archive: started {started}, ended {ended}, on {host}; {events} events."
        ),
        "dash.session.archived.one": (
            "In the history archive: started {started}, ended {ended}, on {host}; {events} event."
        ),
        "dash.session.archived_keys": "Keys when archived (values are not kept): {keys}",
        "dash.session.keys": "Keys",
        "dash.session.scope": "{scope} scope ({count} keys)",
        "dash.session.reveal": "show",
        "dash.session.reveal_all": "Show every value",
        "dash.session.hide_all": "hide them",
        "dash.session.masked": "value hidden",
        "dash.session.checkpoints": "Checkpoints and files",
        "dash.session.last_checkpoint": "Last checkpoint: {time}",
        "dash.session.save_error": "Last failed save: {error}",
        "dash.session.files": "Files on disk",
        "dash.session.snapshot": "snapshot",
        "dash.session.backup": "previous snapshot (backup)",
        "dash.session.journal": "journal {epoch}",
        "dash.session.events": "Events ({count})",
        "dash.session.more_events": (
            "\u2026 and {count} older events (session-analyze --export has them all)."
        ),
        "dash.session.more_events.one": (
            "\u2026 and {count} older event (session-analyze --export has them all)."
        ),
        "dash.scope.session": "SESSION",
        "dash.scope.user": "USER",
        "dash.scope.app": "APP",
        "dash.cli.serving": "Serving the sessions of {path} (Ctrl-C stops). Open this address:",
        "dash.cli.exposed": (
            "Warning: listening on {host}, not only this machine: anyone who can reach it sees the "
            "sign-in page (the token still guards the data). Use --host 127.0.0.1 to stay local."
        ),
        "dash.cli.no_data_dir": (
            "data directory {path} does not exist (set --data-dir or SESSIONKEEPER_DATA_DIR)"
        ),
        "dash.cli.missing": (
            "the dashboard needs {name}, which is not installed: pip install 'session-analyzer[dashboard]'"
        ),
        "dash.cli.bind": "cannot listen on {host}:{port}: {error} (try another --port, or 0 for any)",
        # -- end of the dashboard's keys --------------------------------------------------------------
        # -- insights (session-analyze --insights; insights/text_section.py, insights/html_section.py) -----
        "insights.section": "Insights",
        "insights.learned": "Learned from {tasks} ({period}) and {commands}",
        "insights.task_runs": "{count} task runs",
        "insights.task_runs.one": "{count} task run",
        "insights.command_runs": "{count} command runs",
        "insights.command_runs.one": "{count} command run",
        "insights.model": "Failure risk of {kind}: {method}, trained on {runs} runs ({failures} failed)",
        "insights.holdout": (
            "on the latest {runs} runs: AUC {auc}, Brier score {brier} (historical failure rate: {baseline})"
        ),
        "insights.model_rate": (
            "Failure risk of {kind}: the smoothed failure rate ({runs} "
            "runs, {failures} failed: too few for a model)"
        ),
        "insights.model_rate.one": (
            "Failure risk of {kind}: the smoothed failure rate ({runs} "
            "run, {failures} failed: too few for a model)"
        ),
        "insights.kinds.task": "tasks",
        "insights.kinds.command": "commands",
        "insights.next_tasks": "Next run of each task (failure risk; duration):",
        "insights.next_commands": "Next run of each command:",
        "insights.subject": "{name}: {risk} risk ({failed} of the last {recent} failed); {duration}",
        "insights.duration": "usually {p50} (p90 {p90}, from {runs} runs)",
        "insights.duration_unknown": "duration unknown ({runs} timed runs; 3 needed)",
        "insights.duration_unknown.one": "duration unknown ({runs} timed run; 3 needed)",
        "insights.flaky": "Flaky (the outcome flips with no change in what ran):",
        "insights.flaky_item": (
            "{name}: {flips} flips in {runs} runs (flip rate {rate}, 90% "
            "{low}\u2013{high}; entropy {entropy} bits; "
            "{confidence} sure) \u2014 latest: {recent}"
        ),
        "insights.drift": "Drift (durations changed level):",
        "insights.anomalies": "Unusual durations:",
        "insights.anomaly_item": (
            "{name} on {date}: {duration}, {ratio}\u00d7 its median "
            "{median} (robust z {z}, {runs} runs before)"
        ),
        "insights.hours": "Success by hour of day:",
        "insights.hours_none": "no two-hour window stands out with 90% certainty ({runs} runs)",
        "insights.hours_none.one": "no two-hour window stands out with 90% certainty ({runs} run)",
        "insights.suggestions": "Suggestions:",
        "insights.more": "\u2026 and {count} more (the JSON report has them all)",
        "insights.unknown": "unknown",
        "insights.suggest.risky": (
            "{name}'s next run fails with probability {probability} "
            "({failed} of its last {recent} runs failed; "
            "learned from {runs} runs, {period})"
        ),
        "insights.suggest.flaky_task": (
            "Task {name} is flaky: its outcome flipped {flips} times in "
            "{runs} runs with no change in what ran "
            "(flip rate {rate}, {period}) \u2014 look for a race or a shared resource"
        ),
        "insights.suggest.flaky_command": (
            "Command {name} is flaky: its outcome flipped {flips} times "
            "in {runs} runs of the same command line "
            "(flip rate {rate}, {period}) \u2014 look for a race or a shared resource"
        ),
        "insights.suggest.slower": (
            "{name} has taken {ratio}\u00d7 longer since {date} (median {after} over {runs_after} runs, "
            "against {before} over {runs_before} before)"
        ),
        "insights.suggest.faster": (
            "{name} has been {ratio}\u00d7 faster since {date} (median {after} over {runs_after} runs, "
            "against {before} over {runs_before} before)"
        ),
        "insights.suggest.anomaly": (
            "{name} took {duration} on {date}, {ratio}\u00d7 its median of {median} "
            "(robust z {z} over the {runs} runs before it)"
        ),
        "insights.suggest.best_hours": (
            "{start:02d}\u2013{end:02d}h: {rate} of tasks succeed "
            "({succeeded} of {runs}) against {rest} at other "
            "hours ({confidence} sure it is better) \u2014 plan demanding work there"
        ),
        "insights.suggest.worst_hours": (
            "{start:02d}\u2013{end:02d}h: only {rate} of tasks succeed "
            "({succeeded} of {runs}) against {rest} at "
            "other hours ({confidence} sure it is worse)"
        ),
        "insights.html.col.name": "Name",
        "insights.html.col.risk": "Failure risk",
        "insights.html.col.recent": "Last runs failed",
        "insights.html.col.p50": "P50",
        "insights.html.col.p90": "P90",
        "insights.html.col.runs": "Runs",
        "insights.html.col.coverage": "Within P90 (backtest)",
        "insights.html.col.flips": "Flips",
        "insights.html.col.flip_rate": "Flip rate (90%)",
        "insights.html.col.entropy": "Entropy",
        "insights.html.col.confidence": "Confidence",
        "insights.html.col.changed": "Changed on",
        "insights.html.col.ratio": "Ratio",
        "insights.html.col.before": "Median before",
        "insights.html.col.after": "Median after",
        "insights.html.col.when": "When",
        "insights.html.col.duration": "Duration",
        "insights.html.col.median": "Usual median",
        "insights.html.col.z": "Robust z",
        "insights.html.table.tasks": "Next run of each task",
        "insights.html.table.commands": "Next run of each command",
        "insights.html.table.flaky": "Flaky tasks and commands",
        "insights.html.table.drift": "Drift",
        "insights.html.table.anomalies": "Unusual durations",
        "insights.html.heatmap": "Success rate by weekday and hour (pale: fewer than 5 runs)",
        "insights.html.cell": (
            "{day} {hour:02d}h: {succeeded} of {runs} succeeded ({rate}; 90% interval {low}\u2013{high})"
        ),
        # -- end of the insights' keys ---------------------------------------------------------------
    },
    "ko": {
        # -- the command's own lines on stderr (confirmations, errors), not the report ---------------
        "cli.error": "오류: {message}",
        "cli.internal_error": "오류: 내부 오류: {detail} (SESSION_ANALYZE_DEBUG=1이면 자세히 보여 줍니다)",
        "cli.wrote": "{format} 보고서를 {path}에 썼습니다 ({size})",
        "cli.exported": "세션 {sessions}의 이벤트 {events}를 {path}에 내보냈습니다 ({format}){left_out}",
        "cli.events": "{count}개",
        "cli.sessions": "{count}개",
        "cli.left_out": "; 파일 {count}개는 제외됨 (보고서에 목록이 있습니다)",
        "cli.format.text": "텍스트",
        "cli.format.json": "JSON",
        "cli.format.html": "HTML",
        "cli.bytes": "{value}바이트",
        "cli.kib": "{value} KiB",
        "cli.mib": "{value} MiB",
        "cli.remote_read": (
            "{remote}을(를) 읽었습니다: {hosts}; 객체 {fetched} 내려받음 ({size}), {cached}는 로컬 캐시에서"
        ),
        "cli.objects": "{count}개",
        # -- end of the command's keys ---------------------------------------------------------------
        "title": "세션 분석 보고서",
        "period": "기간: {since} \u2013 {until} ({days}일, {timezone})",
        "sessions": "분석한 세션: {count}개 (읽은 세션: {read}개, 건너뛴 파일: {skipped}개)",
        "section.stats": "실행 통계",
        "section.frequent": "자주 실행한 작업",
        "section.failures": "실패한 작업",
        "section.productivity": "생산성",
        "section.errors": "에러 패턴",
        "section.commands": "명령",
        "section.suggestions": "개선 제안",
        "section.skipped": "건너뛴 파일",
        "section.notes": "참고",
        "stats.total": "총 작업 수: {count}",
        "stats.succeeded": "성공: {count} ({rate})",
        "stats.failed": "실패: {count}",
        "stats.total_time": "총 실행 시간: {duration}",
        "stats.average_time": "평균 실행 시간: {duration} (시간이 기록된 실행 {timed}회 기준)",
        "stats.unfinished": "시작했지만 끝나지 않은 작업: {count}",
        "stats.commands": "실행한 명령: {count} (실패: {failed})",
        "frequent.item": "{task_id}: {count}회",
        "frequent.slowest": "평균 실행 시간이 가장 긴 작업:",
        "frequent.slow_item": "{task_id}: {duration} (시간이 기록된 실행 {runs}회)",
        "failures.item": "{task_id}: {runs}회 중 {failed}회 실패",
        "productivity.session": "평균 세션 시간: {duration} (세션 {sessions}개)",
        "productivity.active": "가장 활동적인 시간대: {hours}",
        "productivity.hour": "{hour:02d}시 ({tasks})",
        "productivity.weekday": "가장 바쁜 요일: {day} (작업 {tasks}개)",
        "productivity.by_hour": "시간대별 작업:",
        "errors.item": '"{message}" {count}회 ({tasks})',
        "errors.problem": "문제 작업:",
        "errors.problem_item": "{task_id}: {runs}회 중 {failed}회 실패 ({rate})",
        "commands.most_used": "가장 많이 쓴 명령:",
        "commands.used_item": "{program}: {count}회",
        "commands.failing": "가장 자주 실패한 명령:",
        "commands.failing_item": "{program}: {runs}회 중 {failed}회 실패 ({rate})",
        "none": "(없음)",
        "not_available": "해당 없음",
        "suggestions.none": (
            "(제안 없음: 끝난 작업이 {min_tasks}개 이상이거나 반복된 실패가 있어야 제안합니다)"
        ),
        "skipped.item": "{file}: {reason} — {detail}",
        "suggest.failing_task": "{task_id} 작업이 {runs}회 중 {failed}회 실패 - 근본 원인 분석 필요",
        "suggest.productive_hours": (
            "{start:02d}-{end:02d}시가 가장 생산적 (성공한 작업 {total}개 중 {count}개)"
        ),
        "suggest.low_success_rate": "성공률이 {rate}에 그침 (작업 {total}개) - 자주 실패하는 작업 점검 필요",
        "suggest.repeated_error": (
            '"{message}" 에러가 작업 {tasks}개에서 {count}회 반복 - 공통 원인 해결 필요'
        ),
        "suggest.failing_command": "{program} 명령이 {runs}회 중 {failed}회 실패 - 설정 점검 필요",
        "reason.bad_name": "세션 파일 이름이 아님",
        "reason.bad_id": "파일 안의 세션 ID가 잘못됨",
        "reason.too_large": "파일이 너무 큼",
        "reason.unreadable": "읽을 수 없음",
        "reason.no_key": "암호화됨, 키가 설정되지 않음",
        "reason.malformed_event": "잘못된 이벤트",
        "reason.wrong_types": "작업 기록의 형식이 잘못됨",
        "reason.identical_copy": "동일한 사본",
        "reason.older_copy": "이전 사본",
        "reason.copy": "사본",
        "card.tasks": "작업 수",
        "card.success_rate": "성공률",
        "card.total_time": "총 실행 시간",
        "card.commands": "실행한 명령",
        "chart.by_hour": "시간대별 작업",
        "chart.daily": "일별 추이",
        "chart.top": "자주 실행한 작업",
        "chart.failures": "실패한 작업",
        "chart.succeeded": "성공",
        "chart.failed": "실패",
        "chart.runs": "회",
        "chart.tasks": "작업",
        "chart.count_tasks": "{count} 작업",
        "chart.count_runs": "{count}회",
        "chart.no_data": "이 기간에는 데이터가 없습니다",
        "html.generated": "생성 시각 {generated} · Sessionkeeper session-analyze",
        "weekday.0": "월요일",
        "weekday.1": "화요일",
        "weekday.2": "수요일",
        "weekday.3": "목요일",
        "weekday.4": "금요일",
        "weekday.5": "토요일",
        "weekday.6": "일요일",
        "unit.seconds": "{value}초",
        "unit.minutes": "{value}분",
        "unit.hours": "{value}시간",
        # -- the HTML report's charts and tables (render_html and its modules) ----------------------
        "html.chart.slowest": "가장 오래 걸린 작업 (평균 실행 시간)",
        "html.chart.calendar": "요일·주별 작업",
        "html.chart.calendar_recent": "요일·주별 작업 (최근 {weeks}주)",
        "html.axis.hour": "시각 (현지 시간)",
        "html.axis.date": "날짜",
        "html.axis.tasks": "작업 수",
        "html.week_of": "{date} 주",
        "html.weekday.0": "월",
        "html.weekday.1": "화",
        "html.weekday.2": "수",
        "html.weekday.3": "목",
        "html.weekday.4": "금",
        "html.weekday.5": "토",
        "html.weekday.6": "일",
        "html.col.task": "작업",
        "html.col.runs": "실행",
        "html.col.failed": "실패",
        "html.col.succeeded": "성공",
        "html.col.failure_rate": "실패율",
        "html.col.mean": "평균 실행 시간",
        "html.col.timed": "시간이 기록된 실행",
        "html.col.error": "에러",
        "html.col.times": "횟수",
        "html.col.tasks": "작업",
        "html.col.program": "프로그램",
        "html.col.hour": "시각",
        "html.col.weekday": "요일",
        "html.col.file": "파일",
        "html.col.reason": "이유",
        "html.col.detail": "자세한 내용",
        "html.table.most_run": "자주 실행한 작업",
        "html.table.slowest": "평균 실행 시간이 가장 긴 작업",
        "html.table.failures": "실패한 작업",
        "html.table.by_weekday": "요일별 작업",
        "html.table.by_hour": "시간대별 작업",
        "html.table.repeated": "반복된 에러",
        "html.table.problem": "문제 작업",
        "html.table.used": "가장 많이 쓴 명령",
        "html.table.failing": "가장 자주 실패한 명령",
        "html.table.skipped": "건너뛴 파일",
        "html.sort_hint": "열 제목을 누르면 표가 정렬됩니다.",
        "html.failed_of_runs": "{task_id}: {runs}회 중 {failed}회 실패",
        "html.slow_tip": "{task_id}: 시간이 기록된 실행 {runs}회 평균 {duration}",
        "html.runs_tip": "{task_id}: {runs}회 실행",
        "html.legend.runs": "전체 실행",
        "html.chart.weekday_hour": "요일·시간대별 작업",
        "html.chart.duration": "일별 평균 실행 시간",
        "html.axis.duration": "평균 실행 시간 ({unit})",
        "html.legend.duration": "시간이 기록된 실행의 평균",
        "html.hour": "{hour:02d}시",
        # -- end of the HTML report's keys ----------------------------------------------------------
        # -- the dashboard (session dashboard; dashboard/) --------------------------------------------
        "dash.title": "Sessionkeeper 대시보드",
        "dash.skip": "본문으로 건너뛰기",
        "dash.footer": "읽기 전용 · 시간대 {zone} · Sessionkeeper session dashboard",
        "dash.switch_language": "English",
        "dash.nav.label": "페이지",
        "dash.nav.now": "지금",
        "dash.nav.trends": "추세",
        "dash.nav.insights": "인사이트",
        "dash.live.on": "실시간",
        "dash.live.off": "연결 중\u2026",
        "dash.state.running": "실행 중",
        "dash.state.ended": "정상 종료",
        "dash.state.crashed": "비정상 종료",
        "dash.state.unknown": "알 수 없음",
        "dash.state.unreadable": "읽을 수 없음",
        "dash.event.started": "{task} 시작",
        "dash.event.succeeded": "{task} 성공",
        "dash.event.succeeded_in": "{task} 성공 ({duration})",
        "dash.event.failed": "{task} 실패",
        "dash.event.after": "({duration} 후)",
        "dash.event.command": "{command} \u2192 종료 코드 {code}",
        "dash.event.at": "{time}",
        "dash.now.title": "지금",
        "dash.now.sessions": "세션",
        "dash.now.none": "이 데이터 디렉터리에는 아직 세션이 없습니다 (session start나 훅이 만듭니다).",
        "dash.now.count": "{state} {count}",
        "dash.now.scopes": "USER 범위: 키 {user}개 · APP 범위: 키 {app}개.",
        "dash.now.archived": "기록 보관소: 세션 {count}개.",
        "dash.now.indexing": "기록 보관소를 읽는 중\u2026",
        "dash.now.stream": "실시간 이벤트",
        "dash.now.no_events": "아직 이벤트가 없습니다. 훅이 기록하는 대로 여기에 나타납니다.",
        "dash.backup.title": "원격 백업",
        "dash.backup.where": "원격 저장소",
        "dash.backup.last_push": "마지막 푸시",
        "dash.backup.last": "{when} UTC ({ago} 전)",
        "dash.backup.never": "아직 없음",
        "dash.backup.waiting": "보낼 것",
        "dash.backup.backlog": "객체 {objects}개, {size} MiB",
        "dash.backup.error": "마지막 오류",
        "dash.backup.failed": "연속 {failures}번 실패: {error}",
        "dash.backup.state.crashed": "실패 중",
        "dash.backup.state.ended": "푸시됨",
        "dash.backup.state.unknown": "아직 푸시 안 함",
        "dash.col.session": "세션",
        "dash.col.state": "상태",
        "dash.col.host": "호스트",
        "dash.col.started": "시작",
        "dash.col.current_task": "현재 작업",
        "dash.col.last_event": "마지막 이벤트",
        "dash.col.keys": "키",
        "dash.col.events": "이벤트",
        "dash.col.when": "시각",
        "dash.col.outcome": "결과",
        "dash.col.duration": "소요 시간",
        "dash.col.command": "명령",
        "dash.col.what": "종류",
        "dash.col.bytes": "바이트",
        "dash.col.changed": "변경",
        "dash.preset.today": "오늘",
        "dash.preset.7d": "최근 7일",
        "dash.preset.30d": "최근 30일",
        "dash.preset.90d": "최근 90일",
        "dash.preset.365d": "최근 365일",
        "dash.preset.all": "전체 기록",
        "dash.preset.custom": "날짜 지정",
        "dash.filter.any": "전체",
        "dash.filter.period": "기간",
        "dash.filter.from": "시작일",
        "dash.filter.to": "종료일",
        "dash.filter.task": "작업",
        "dash.filter.status": "결과",
        "dash.filter.host": "호스트",
        "dash.filter.command": "명령 (프로그램)",
        "dash.filter.ignore": "제외할 명령 (쉼표로 구분)",
        "dash.filter.apply": "보기",
        "dash.filter.reset": "초기화",
        "dash.trends.title": "추세",
        "dash.trends.covers": "{since} \u2013 {until} ({days}일, {zone}).",
        "dash.trends.tasks": "작업 (많이 실행된 순)",
        "dash.trends.details": "세부 정보",
        "dash.insights.title": "인사이트",
        "dash.insights.link": "이 기간의 인사이트 \u2192",
        "dash.insights.computing": "이 기간의 기록에서 학습하는 중\u2026 페이지가 저절로 새로 고쳐집니다.",
        "dash.index.progress": (
            "기록 보관소를 읽는 중: 세션 {total}개 중 {done}개\u2026 페이지가 저절로 새로 고쳐집니다."
        ),
        "dash.index.failed": "기록을 읽지 못했습니다: {error}",
        "dash.task.title": "작업 {task}",
        "dash.task.unknown": "세션과 기록 보관소에 이 작업의 실행이 없습니다.",
        "dash.task.span": "{first}부터 {last}까지의 실행.",
        "dash.task.last_run": "마지막 실행",
        "dash.task.daily": "하루 실행과 실패 (최근 {days}일)",
        "dash.task.errors": "최근 오류",
        "dash.task.commands": "실행한 명령",
        "dash.task.no_commands": "실행 중에 기록된 명령이 없습니다.",
        "dash.task.runs_title": "실행",
        "dash.task.runs": "최근 실행 {count}회",
        "dash.session.title": "세션 {session}",
        "dash.session.facts": "{started}에 {host}에서 시작; 이벤트 {events}개.",
        "dash.session.archived": (
            "기록 보관소에 있음: {started} 시작, {ended} 종료, {host}; 이벤트 {events}개."
        ),
        "dash.session.archived_keys": "보관 당시의 키 (값은 보관하지 않음): {keys}",
        "dash.session.keys": "키",
        "dash.session.scope": "{scope} 범위 (키 {count}개)",
        "dash.session.reveal": "보기",
        "dash.session.reveal_all": "모든 값 보기",
        "dash.session.hide_all": "숨기기",
        "dash.session.masked": "숨긴 값",
        "dash.session.checkpoints": "체크포인트와 파일",
        "dash.session.last_checkpoint": "마지막 체크포인트: {time}",
        "dash.session.save_error": "마지막 저장 실패: {error}",
        "dash.session.files": "디스크의 파일",
        "dash.session.snapshot": "스냅샷",
        "dash.session.backup": "이전 스냅샷 (백업)",
        "dash.session.journal": "저널 {epoch}",
        "dash.session.events": "이벤트 ({count})",
        "dash.session.more_events": (
            "\u2026 이전 이벤트 {count}개 더 (session-analyze --export로 모두 볼 수 있습니다)."
        ),
        "dash.scope.session": "SESSION",
        "dash.scope.user": "USER",
        "dash.scope.app": "APP",
        "dash.cli.serving": "{path}의 세션을 제공합니다 (Ctrl-C로 멈춤). 이 주소를 여세요:",
        "dash.cli.exposed": (
            "경고: 이 컴퓨터 밖에서도 접속할 수 있는 {host}에서 기다립니다. 접속할 수 있는 누구나 로그인 "
            "페이지를 봅니다 (데이터는 여전히 토큰이 지킵니다). 이 컴퓨터에서만 쓰려면 --host 127.0.0.1."
        ),
        "dash.cli.no_data_dir": (
            "데이터 디렉터리 {path}가 없습니다 (--data-dir 또는 SESSIONKEEPER_DATA_DIR을 지정하세요)"
        ),
        "dash.cli.missing": (
            "대시보드에 필요한 {name}이(가) 설치되어 있지 않습니다: pip install 'session-analyzer[dashboard]'"
        ),
        "dash.cli.bind": (
            "{host}:{port}에서 기다릴 수 없습니다: {error} (다른 --port, 또는 아무 포트나 쓰려면 0)"
        ),
        # -- end of the dashboard's keys --------------------------------------------------------------
        # -- insights (session-analyze --insights; insights/text_section.py, insights/html_section.py) -----
        "insights.section": "인사이트",
        "insights.learned": "{tasks}({period})와 {commands}에서 학습",
        "insights.task_runs": "작업 실행 {count}회",
        "insights.command_runs": "명령 실행 {count}회",
        "insights.model": "{kind} 실패 위험: {method}, {runs}회 실행으로 학습 ({failures}회 실패)",
        "insights.holdout": "최근 {runs}회 실행에서: AUC {auc}, Brier 점수 {brier} (과거 실패율: {baseline})",
        "insights.model_rate": (
            "{kind} 실패 위험: 보정한 실패율 ({runs}회 실행, {failures}회 실패: 모델에는 부족)"
        ),
        "insights.kinds.task": "작업",
        "insights.kinds.command": "명령",
        "insights.next_tasks": "작업별 다음 실행 (실패 위험; 소요 시간):",
        "insights.next_commands": "명령별 다음 실행:",
        "insights.subject": "{name}: 위험 {risk} (최근 {recent}회 중 {failed}회 실패); {duration}",
        "insights.duration": "보통 {p50} (p90 {p90}, {runs}회 기준)",
        "insights.duration_unknown": "소요 시간 알 수 없음 (시간이 기록된 실행 {runs}회; 3회 필요)",
        "insights.flaky": "불안정 (실행한 것이 같은데 결과가 바뀜):",
        "insights.flaky_item": (
            "{name}: {runs}회 중 {flips}회 바뀜 (전환율 {rate}, 90% "
            "{low}\u2013{high}; 엔트로피 {entropy}비트; "
            "확신 {confidence}) \u2014 최근: {recent}"
        ),
        "insights.drift": "변화 (소요 시간 수준이 바뀜):",
        "insights.anomalies": "이례적인 소요 시간:",
        "insights.anomaly_item": (
            "{name} {date}: {duration}, 중앙값 {median}의 {ratio}배 (로버스트 z {z}, 이전 {runs}회 기준)"
        ),
        "insights.hours": "시간대별 성공:",
        "insights.hours_none": "90% 확신으로 두드러지는 두 시간 구간 없음 ({runs}회 실행)",
        "insights.suggestions": "제안:",
        "insights.more": "\u2026 외 {count}개 (JSON 보고서에 모두 있음)",
        "insights.unknown": "알 수 없음",
        "insights.suggest.risky": (
            "{name}의 다음 실행이 실패할 확률 {probability} (최근 {recent}회 중 {failed}회 실패; "
            "{runs}회 실행에서 학습, {period})"
        ),
        "insights.suggest.flaky_task": (
            "작업 {name}이(가) 불안정합니다: 실행한 것이 같은데 {runs}회 중 {flips}회 결과가 바뀜 "
            "(전환율 {rate}, {period}) \u2014 경쟁 상태나 공유 자원을 살펴보세요"
        ),
        "insights.suggest.flaky_command": (
            "명령 {name}이(가) 불안정합니다: 같은 명령줄 {runs}회 실행 중 {flips}회 결과가 바뀜 "
            "(전환율 {rate}, {period}) \u2014 경쟁 상태나 공유 자원을 살펴보세요"
        ),
        "insights.suggest.slower": (
            "{name}이(가) {date}부터 {ratio}배 오래 걸립니다 (이후 {runs_after}회 중앙값 {after}, "
            "이전 {runs_before}회 {before})"
        ),
        "insights.suggest.faster": (
            "{name}이(가) {date}부터 {ratio}배 빨라졌습니다 (이후 {runs_after}회 중앙값 {after}, "
            "이전 {runs_before}회 {before})"
        ),
        "insights.suggest.anomaly": (
            "{name}이(가) {date}에 {duration} 걸렸습니다: 중앙값 "
            "{median}의 {ratio}배 (이전 {runs}회 기준 로버스트 z {z})"
        ),
        "insights.suggest.best_hours": (
            "{start:02d}\u2013{end:02d}시: 작업의 {rate}가 성공 "
            "({runs}회 중 {succeeded}회), 다른 시간대는 {rest} "
            "(더 나을 확률 {confidence}) \u2014 어려운 일은 이때 하세요"
        ),
        "insights.suggest.worst_hours": (
            "{start:02d}\u2013{end:02d}시: 작업의 {rate}만 성공 "
            "({runs}회 중 {succeeded}회), 다른 시간대는 {rest} "
            "(더 나쁠 확률 {confidence})"
        ),
        "insights.html.col.name": "이름",
        "insights.html.col.risk": "실패 위험",
        "insights.html.col.recent": "최근 실패",
        "insights.html.col.p50": "P50",
        "insights.html.col.p90": "P90",
        "insights.html.col.runs": "실행",
        "insights.html.col.coverage": "P90 이내 (사후 검증)",
        "insights.html.col.flips": "전환",
        "insights.html.col.flip_rate": "전환율 (90%)",
        "insights.html.col.entropy": "엔트로피",
        "insights.html.col.confidence": "확신",
        "insights.html.col.changed": "바뀐 날",
        "insights.html.col.ratio": "배율",
        "insights.html.col.before": "이전 중앙값",
        "insights.html.col.after": "이후 중앙값",
        "insights.html.col.when": "시각",
        "insights.html.col.duration": "소요 시간",
        "insights.html.col.median": "평소 중앙값",
        "insights.html.col.z": "로버스트 z",
        "insights.html.table.tasks": "작업별 다음 실행",
        "insights.html.table.commands": "명령별 다음 실행",
        "insights.html.table.flaky": "불안정한 작업과 명령",
        "insights.html.table.drift": "변화",
        "insights.html.table.anomalies": "이례적인 소요 시간",
        "insights.html.heatmap": "요일·시간대별 성공률 (옅은 칸: 실행 5회 미만)",
        "insights.html.cell": (
            "{day} {hour:02d}시: {runs}회 중 {succeeded}회 성공 ({rate}; 90% 구간 {low}\u2013{high})"
        ),
        # -- end of the insights' keys ---------------------------------------------------------------
    },
}


# Control characters and bidirectional overrides in task ids or messages could rewrite a terminal
# line or make text read differently from what it is ("Trojan Source"); they are shown as escapes.
_UNSAFE: Final = {
    **{code: f"\\x{code:02x}" for code in (*range(32), *range(0x7F, 0xA0))},
    **{code: f"\\u{code:04x}" for code in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))},
}


def plain(text: str) -> str:
    """``text`` safe to print on one line: control and bidi characters shown as escapes."""
    return text.translate(_UNSAFE)


def default_language() -> str:
    """``ko`` when the locale asks for Korean (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else ``en``."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


class Messages:
    """The catalogue of one language, with its number formats."""

    def __init__(self, language: str) -> None:
        if language not in CATALOGUE:
            raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
        self.language = language
        self._table = CATALOGUE[language]

    def __call__(self, key: str, **fields: object) -> str:
        return self._table[key].format(**fields)

    def count(self, key: str, number: int, **fields: object) -> str:
        """``key`` in its singular form (``key.one``) when ``number`` is 1 and the language has one
        (Korean does not inflect for number: it lists no singulars)."""
        singular = f"{key}.one"
        return self(singular if number == 1 and singular in self._table else key, **fields)

    def counter(self, key: str) -> Callable[[int], str]:
        """Writes a number with ``key``'s noun (its ``{count}``, digits grouped): "1 task", "1,234 tasks"."""
        return lambda number: self.count(key, number, count=f"{number:,}")

    def duration(self, seconds: float | None) -> str:
        """``5.2 h`` / ``5.2시간``; ``n/a`` for an unknown duration."""
        if seconds is None:
            return self("not_available")
        if seconds < 60:
            return self("unit.seconds", value=_number(seconds))
        if seconds < 3600:
            return self("unit.minutes", value=_number(seconds / 60))
        return self("unit.hours", value=_number(seconds / 3600))

    def percent(self, rate: float | None) -> str:
        """``90%`` (one decimal below 10% or when it matters), ``n/a`` without data."""
        if rate is None:
            return self("not_available")
        value = rate * 100
        return f"{value:.0f}%" if value >= 10 or value == 0 else f"{value:.1f}%"

    def weekday(self, index: int) -> str:
        return self(f"weekday.{index}")


def _number(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"
