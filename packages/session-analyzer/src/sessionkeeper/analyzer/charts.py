"""The report's charts over time, as inline SVG: tasks by hour, and trends by day.

Each function returns one ``<svg>`` (see :mod:`svg`: scalable, Okabe-Ito colours, failures
hatched or dashed as well as coloured). A chart with no data still draws its frame and says so,
so a report always has the same charts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .svg import FAILURE, INK, NEUTRAL, SLOW, SUCCESS, Frame, escape, grouped, hatch_fill, nice_max

__all__ = ["AxisTitles", "bar_chart_hours", "day_ticks", "duration_trend", "line_chart_days"]

AxisTitles = tuple[str, str]  # (x axis, y axis)

_WIDTH, _HEIGHT = 480, 250
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 12, 30, 46  # the plot area's margins: ticks, titles, legend
_MAX_DOTS = 62  # beyond this many days the dots would merge into the line


def bar_chart_hours(
    succeeded: Sequence[int],
    failed: Sequence[int],
    *,
    title: str,
    labels: tuple[str, str],
    axes: AxisTitles,
    no_data: str,
) -> str:
    """24 stacked bars (succeeded below in blue, failed above hatched), one per local hour."""
    frame = Frame("chart-by-hour", title, _WIDTH, _HEIGHT)
    peak = max((s + f for s, f in zip(succeeded, failed, strict=True)), default=0)
    if not peak:
        return frame.no_data(no_data)
    axis_max = nice_max(peak)
    right, bottom = _WIDTH - _RIGHT, _HEIGHT - _BOTTOM
    plot_w, plot_h = right - _LEFT, bottom - _TOP
    frame.y_axis(_LEFT, right, _TOP, bottom, axis_max, "{:,.0f}")
    slot = plot_w / 24
    for hour in range(24):
        x, bar_w = _LEFT + hour * slot + slot * 0.15, slot * 0.7
        ok_h = plot_h * succeeded[hour] / axis_max
        bad_h = plot_h * failed[hour] / axis_max
        if ok_h:
            tip = f"{hour:02d}h: {grouped(succeeded[hour])} {labels[0]}"
            frame.rect(x, bottom - ok_h, bar_w, ok_h, SUCCESS, tip, ' class="bar-succeeded"')
        if bad_h:
            tip = f"{hour:02d}h: {grouped(failed[hour])} {labels[1]}"
            frame.rect(
                x,
                bottom - ok_h - bad_h,
                bar_w,
                bad_h,
                hatch_fill(frame.chart_id),
                tip,
                f' class="bar-failed" stroke="{FAILURE}" stroke-width="0.8"',
            )
        if hour % 3 == 0:
            frame.text(x + bar_w / 2, bottom + 16, f"{hour:02d}", "middle")
    frame.axis_titles(*axes, left=_LEFT, right=right)
    frame.legend(
        [(SUCCESS, labels[0], "bar"), (hatch_fill(frame.chart_id), labels[1], "bar")], right=right, y=4
    )
    return frame.close()


def day_ticks(days: Sequence[str]) -> list[tuple[int, str]]:
    """Which days get a label on the x axis, and the label: about 5 to 7 of them, evenly spaced.

    A week or less: every day. Up to two weeks: every other day. Up to seven weeks: weekly, and
    fortnightly up to fourteen. Longer: one label per sixth of the period. Labels are ``MM-DD``
    unless the period spans more than one year, where they keep the year (``YYYY-MM-DD``).
    """
    count = len(days)
    if not count:
        return []
    if count <= 7:
        step = 1
    elif count <= 14:
        step = 2
    elif count <= 49:
        step = 7
    elif count <= 98:
        step = 14
    else:
        step = -(-count // 6)
    long_period = days[0][:4] != days[-1][:4] and count > 366
    return [(i, days[i] if long_period else days[i][5:]) for i in range(0, count, step)]


def line_chart_days(
    days: Sequence[str],
    tasks: Sequence[int],
    failed: Sequence[int],
    *,
    title: str,
    labels: tuple[str, str],
    counted: Callable[[int], str],
    axes: AxisTitles,
    no_data: str,
) -> str:
    """Tasks per local day (solid, round dots) and failures (dashed, square dots) over the period;
    ``counted`` writes a day's count of tasks with its noun ("1 task", "3 tasks")."""
    frame = Frame("chart-daily", title, _WIDTH, _HEIGHT)
    peak = max(tasks, default=0)
    if not peak:
        return frame.no_data(no_data)
    axis_max = nice_max(peak)
    right, bottom = _WIDTH - _RIGHT - 8, _HEIGHT - _BOTTOM
    plot_h = bottom - _TOP
    step = (right - _LEFT) / max(len(days) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return _LEFT + index * step, bottom - plot_h * value / axis_max

    frame.y_axis(_LEFT, right, _TOP, bottom, axis_max, "{:,.0f}")
    styles = (
        (tasks, NEUTRAL, "", "series-tasks"),
        (failed, FAILURE, ' stroke-dasharray="5 3"', "series-failed"),
    )
    for series, colour, dash, css in styles:
        points = " ".join("{:.1f},{:.1f}".format(*xy(i, v)) for i, v in enumerate(series))
        frame.add(
            f'<polyline class="{css}" points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="2"{dash}/>'
        )
    if len(days) <= _MAX_DOTS:  # dots, with their numbers on hover, while they stay readable
        for i, (day, value, bad) in enumerate(zip(days, tasks, failed, strict=True)):
            x, y = xy(i, value)
            frame.add(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{NEUTRAL}">'
                f"<title>{escape(day)}: {escape(counted(value))}</title></circle>"
            )
            if bad:
                x, y = xy(i, bad)
                frame.add(
                    f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{FAILURE}">'
                    f"<title>{escape(day)}: {grouped(bad)} {escape(labels[1])}</title></rect>"
                )
    for i, label in day_ticks(days):
        x = xy(i, 0)[0]
        frame.add(f'<line x1="{x:.1f}" y1="{bottom:.1f}" x2="{x:.1f}" y2="{bottom + 4:.1f}" stroke="{INK}"/>')
        frame.text(x, bottom + 16, label, "middle", extra=' class="x-tick"')
    frame.axis_titles(*axes, left=_LEFT, right=right)
    frame.legend([(NEUTRAL, labels[0], "line"), (FAILURE, labels[1], "dashed")], right=right, y=4)
    return frame.close()


def _tick(value: float) -> str:
    """``0``, ``2.5``, ``1,000``: a round tick without trailing zeros."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def duration_trend(
    days: Sequence[str],
    seconds: Sequence[float | None],
    *,
    title: str,
    label: str,
    axes: AxisTitles,
    unit_seconds: float,
    duration: Callable[[float], str],
    no_data: str,
) -> str:
    """The mean duration of a day's timed runs, day by day; a day without any is a gap in the line.

    The axis counts in one unit of ``unit_seconds`` (60: minutes; its title names it), so its ticks
    are round numbers; ``duration`` words a number of seconds (``5.2 min``) for the tooltips.
    """
    frame = Frame("chart-duration", title, _WIDTH, _HEIGHT)
    peak = max((value for value in seconds if value is not None), default=0.0) / unit_seconds
    if not peak:
        return frame.no_data(no_data)
    axis_max = nice_max(peak)
    right, bottom = _WIDTH - _RIGHT - 8, _HEIGHT - _BOTTOM
    plot_h = bottom - _TOP
    step = (right - _LEFT) / max(len(days) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return _LEFT + index * step, bottom - plot_h * value / unit_seconds / axis_max

    frame.y_axis(_LEFT, right, _TOP, bottom, axis_max, _tick)
    runs: list[list[str]] = [[]]  # one polyline per stretch of days with timed runs
    for i, value in enumerate(seconds):
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append("{:.1f},{:.1f}".format(*xy(i, value)))
    for points in runs:
        if len(points) > 1:
            frame.add(
                f'<polyline class="series-duration" points="{" ".join(points)}" fill="none" '
                f'stroke="{SLOW}" stroke-width="2"/>'
            )
    for i, (day, value) in enumerate(zip(days, seconds, strict=True)):
        alone = (i == 0 or seconds[i - 1] is None) and (i + 1 == len(days) or seconds[i + 1] is None)
        # a dot per day while they stay readable; beyond, only where a day stands alone (no line)
        if value is not None and (len(days) <= _MAX_DOTS or alone):
            x, y = xy(i, value)
            frame.add(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{SLOW}">'
                f"<title>{escape(day)}: {escape(duration(value))}</title></circle>"
            )
    for i, text in day_ticks(days):
        x = xy(i, 0)[0]
        frame.add(f'<line x1="{x:.1f}" y1="{bottom:.1f}" x2="{x:.1f}" y2="{bottom + 4:.1f}" stroke="{INK}"/>')
        frame.text(x, bottom + 16, text, "middle", extra=' class="x-tick"')
    frame.axis_titles(*axes, left=_LEFT, right=right)
    frame.legend([(SLOW, label, "line")], right=right, y=4)
    return frame.close()
