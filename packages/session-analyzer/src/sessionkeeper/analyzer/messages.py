"""Every text a report shows, in English and Korean: one catalogue, no language checks elsewhere.

Renderers ask :class:`Messages` for a key and its fields; numbers, durations, percentages, hours
and weekdays are formatted here too, so a language is one table. Both tables have the same keys
(a test checks it), so a missing translation fails a test, not a user's report.
"""

from __future__ import annotations

import os
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
        "commands.most_used": "Most used:",
        "commands.used_item": "{program}: {count} runs",
        "commands.used_item.one": "{program}: {count} run",
        "commands.failing": "Failing most:",
        "commands.failing_item": "{program}: {failed} of {runs} runs failed ({rate})",
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
        "html.slow_tip": "{task_id}: {duration} on average over {runs} timed runs",
        "html.runs_tip": "{task_id}: {runs} runs",
        "html.legend.runs": "all runs",
        "html.chart.weekday_hour": "Tasks by weekday and hour",
        "html.chart.duration": "Mean task duration by day",
        "html.axis.duration": "Mean duration ({unit})",
        "html.legend.duration": "mean of timed runs",
        "html.hour": "{hour:02d}h",
        # -- end of the HTML report's keys ----------------------------------------------------------
        # -- insights (session-analyze --insights; insights/text_section.py, insights/html_section.py) -----
        "insights.section": "Insights",
        "insights.learned": "Learned from {tasks} task runs ({period}) and {commands} command runs",
        "insights.model": "Failure risk of {kind}: {method}, trained on {runs} runs ({failures} failed)",
        "insights.holdout": (
            "on the latest {runs} runs: AUC {auc}, Brier score "
            "{brier} (historical failure rate: {baseline})"
        ),
        "insights.model_rate": (
            "Failure risk of {kind}: the smoothed failure rate ({runs} "
            "runs, {failures} failed: too few for a model)"
        ),
        "insights.kinds.task": "tasks",
        "insights.kinds.command": "commands",
        "insights.next_tasks": "Next run of each task (failure risk; duration):",
        "insights.next_commands": "Next run of each command:",
        "insights.subject": "{name}: {risk} risk ({failed} of the last {recent} failed); {duration}",
        "insights.duration": "usually {p50} (p90 {p90}, from {runs} runs)",
        "insights.duration_unknown": "duration unknown ({runs} timed runs; 3 needed)",
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
            "{day} {hour:02d}h: {succeeded} of {runs} succeeded "
            "({rate}; 90% interval {low}\u2013{high})"
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
        "cli.events.one": "{count}개",
        "cli.sessions": "{count}개",
        "cli.sessions.one": "{count}개",
        "cli.left_out": "; 파일 {count}개는 제외됨 (보고서에 목록이 있습니다)",
        "cli.left_out.one": "; 파일 {count}개는 제외됨 (보고서에 목록이 있습니다)",
        "cli.format.text": "텍스트",
        "cli.format.json": "JSON",
        "cli.format.html": "HTML",
        "cli.bytes": "{value}바이트",
        "cli.bytes.one": "{value}바이트",
        "cli.kib": "{value} KiB",
        "cli.mib": "{value} MiB",
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
        "stats.average_time.one": "평균 실행 시간: {duration} (시간이 기록된 실행 {timed}회 기준)",
        "stats.unfinished": "시작했지만 끝나지 않은 작업: {count}",
        "stats.commands": "실행한 명령: {count} (실패: {failed})",
        "frequent.item": "{task_id}: {count}회",
        "frequent.item.one": "{task_id}: {count}회",
        "frequent.slowest": "평균 실행 시간이 가장 긴 작업:",
        "frequent.slow_item": "{task_id}: {duration} (시간이 기록된 실행 {runs}회)",
        "frequent.slow_item.one": "{task_id}: {duration} (시간이 기록된 실행 {runs}회)",
        "failures.item": "{task_id}: {runs}회 중 {failed}회 실패",
        "productivity.session": "평균 세션 시간: {duration} (세션 {sessions}개)",
        "productivity.session.one": "평균 세션 시간: {duration} (세션 {sessions}개)",
        "productivity.active": "가장 활동적인 시간대: {hours}",
        "productivity.hour": "{hour:02d}시 ({tasks})",
        "productivity.weekday": "가장 바쁜 요일: {day} (작업 {tasks}개)",
        "productivity.weekday.one": "가장 바쁜 요일: {day} (작업 {tasks}개)",
        "productivity.by_hour": "시간대별 작업:",
        "errors.item": '"{message}" {count}회 ({tasks})',
        "errors.problem": "문제 작업:",
        "errors.problem_item": "{task_id}: {runs}회 중 {failed}회 실패 ({rate})",
        "commands.most_used": "가장 많이 쓴 명령:",
        "commands.used_item": "{program}: {count}회",
        "commands.used_item.one": "{program}: {count}회",
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
        # -- insights (session-analyze --insights; insights/text_section.py, insights/html_section.py) -----
        "insights.section": "인사이트",
        "insights.learned": "작업 실행 {tasks}회({period})와 명령 실행 {commands}회에서 학습",
        "insights.model": "{kind} 실패 위험: {method}, {runs}회 실행으로 학습 ({failures}회 실패)",
        "insights.holdout": "최근 {runs}회 실행에서: AUC {auc}, Brier 점수 {brier} (과거 실패율: {baseline})",
        "insights.model_rate": (
            "{kind} 실패 위험: 보정한 실패율 ({runs}회 "
            "실행, {failures}회 실패: 모델에는 부족)"
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
            "{name} {date}: {duration}, 중앙값 {median}의 "
            "{ratio}배 (로버스트 z {z}, 이전 {runs}회 기준)"
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
            "{day} {hour:02d}시: {runs}회 중 {succeeded}회 성공 "
            "({rate}; 90% 구간 {low}\u2013{high})"
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
        """``key`` with its singular form (``key.one``) when ``number`` is 1."""
        return self(f"{key}.one" if number == 1 else key, **fields)

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
