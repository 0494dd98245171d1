"""Inline SVG charts, drawn here: no JavaScript, no library, nothing fetched, works offline.

Each function returns one ``<svg>`` element with a ``<title>`` (its accessible name); every text in
it is escaped with :func:`html.escape`. A chart with no data still draws its frame and says so, so
a report always has its four charts.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["FAILURE", "NEUTRAL", "SUCCESS", "bar_chart_hours", "horizontal_bars", "line_chart_days"]

SUCCESS = "#2e7d32"
FAILURE = "#c62828"
NEUTRAL = "#1565c0"
MUTED = "#90a4ae"
_FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#37474f"'
_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP = 560, 220, 34, 24, 14


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _rect(x: float, y: float, width: float, height: float, fill: str, tip: str = "", extra: str = "") -> str:
    title = f"<title>{_e(tip)}</title>" if tip else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"{extra}>'
        f"{title}</rect>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {_FONT}>{_e(text)}</text>'


def _open(width: int, height: int, title: str, chart_id: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{chart_id}-title" class="chart-svg" id="{chart_id}">',
        f'<title id="{chart_id}-title">{_e(title)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _close(parts: list[str]) -> str:
    parts.append("</svg>")
    return "\n".join(parts)


def _no_data(parts: list[str], width: int, height: int, text: str) -> str:
    parts.append(_text(width / 2, height / 2, text, "middle"))
    return _close(parts)


def _nice_max(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5, 10, 20, 50, ...)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _grid(parts: list[str], axis_max: int, right: int) -> None:
    plot_h = _HEIGHT - _BOTTOM - _TOP
    for tick in (0, axis_max // 2, axis_max):
        y = _TOP + plot_h - plot_h * tick / axis_max
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#eceff1"/>')
        parts.append(_text(_LEFT - 4, y + 4, str(tick), "end"))


def _legend(colours: tuple[str, str], labels: tuple[str, str]) -> str:
    return (
        f'<g transform="translate({_WIDTH - 170},4)">'
        f"{_rect(0, 0, 10, 10, colours[0])}{_text(14, 9, labels[0])}"
        f"{_rect(80, 0, 10, 10, colours[1])}{_text(94, 9, labels[1])}</g>"
    )


def bar_chart_hours(
    succeeded: Sequence[int], failed: Sequence[int], *, title: str, labels: tuple[str, str], no_data: str
) -> str:
    """24 stacked bars (succeeded below, failed above), one per local hour."""
    parts = _open(_WIDTH, _HEIGHT, title, "chart-by-hour")
    peak = max((s + f for s, f in zip(succeeded, failed, strict=True)), default=0)
    if not peak:
        return _no_data(parts, _WIDTH, _HEIGHT, no_data)
    axis_max = _nice_max(peak)
    plot_w, plot_h = _WIDTH - _LEFT - 8, _HEIGHT - _BOTTOM - _TOP
    _grid(parts, axis_max, _WIDTH - 8)
    slot, base = plot_w / 24, _TOP + plot_h
    for hour in range(24):
        x, bar_w = _LEFT + hour * slot + slot * 0.15, slot * 0.7
        ok_h = plot_h * succeeded[hour] / axis_max
        bad_h = plot_h * failed[hour] / axis_max
        if ok_h:
            tip = f"{hour:02d}h: {succeeded[hour]} {labels[0]}"
            parts.append(_rect(x, base - ok_h, bar_w, ok_h, SUCCESS, tip))
        if bad_h:
            tip = f"{hour:02d}h: {failed[hour]} {labels[1]}"
            parts.append(_rect(x, base - ok_h - bad_h, bar_w, bad_h, FAILURE, tip))
        if hour % 3 == 0:
            parts.append(_text(x + bar_w / 2, _HEIGHT - 8, f"{hour:02d}", "middle"))
    parts.append(_legend((SUCCESS, FAILURE), labels))
    return _close(parts)


def line_chart_days(
    days: Sequence[str],
    tasks: Sequence[int],
    failed: Sequence[int],
    *,
    title: str,
    labels: tuple[str, str],
    no_data: str,
) -> str:
    """Tasks per local day (and failures) as two lines over the whole period."""
    parts = _open(_WIDTH, _HEIGHT, title, "chart-daily")
    peak = max(tasks, default=0)
    if not peak:
        return _no_data(parts, _WIDTH, _HEIGHT, no_data)
    axis_max = _nice_max(peak)
    plot_w, plot_h = _WIDTH - _LEFT - 12, _HEIGHT - _BOTTOM - _TOP
    count = len(days)
    step = plot_w / max(count - 1, 1)

    def xy(index: int, value: int) -> tuple[float, float]:
        return _LEFT + index * step, _TOP + plot_h - plot_h * value / axis_max

    _grid(parts, axis_max, _WIDTH - 12)
    for series, colour in ((tasks, NEUTRAL), (failed, FAILURE)):
        points = " ".join("{:.1f},{:.1f}".format(*xy(i, v)) for i, v in enumerate(series))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
    if count <= 62:  # dots, with their numbers on hover, while they stay readable
        for i, (day, value) in enumerate(zip(days, tasks, strict=True)):
            x, y = xy(i, value)
            tip = f"<title>{_e(day)}: {value}</title>"
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{NEUTRAL}">{tip}</circle>')
    for i in sorted({0, count // 2, count - 1}):
        anchor = "start" if i == 0 else "end" if i == count - 1 else "middle"
        parts.append(_text(xy(i, 0)[0], _HEIGHT - 8, days[i], anchor))
    parts.append(_legend((NEUTRAL, FAILURE), labels))
    return _close(parts)


def horizontal_bars(
    rows: Sequence[tuple[str, int, int]], *, title: str, chart_id: str, colour: str, unit: str, no_data: str
) -> str:
    """One bar per row ``(label, value, background)``; ``background`` (e.g. all runs) is drawn behind."""
    bar_h, gap, left = 18, 6, 170
    height = max(60, 20 + len(rows) * (bar_h + gap))
    parts = _open(_WIDTH, height, title, chart_id)
    peak = max((max(value, behind) for _, value, behind in rows), default=0)
    if not peak:
        return _no_data(parts, _WIDTH, height, no_data)
    plot_w = _WIDTH - left - 60
    for i, (label, value, behind) in enumerate(rows):
        y = 10 + i * (bar_h + gap)
        shown = label if len(label) <= 26 else label[:25] + "\u2026"
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" {_FONT}><title>{_e(label)}</title>'
            f"{_e(shown)}</text>"
        )
        if behind > value:
            parts.append(_rect(left, y, plot_w * behind / peak, bar_h, MUTED, extra=' opacity="0.35"'))
        parts.append(_rect(left, y, max(plot_w * value / peak, 1), bar_h, colour, f"{label}: {value} {unit}"))
        number = f"{value}" if behind <= value else f"{value}/{behind}"
        parts.append(_text(left + plot_w * max(value, behind) / peak + 4, y + 13, number))
    return _close(parts)
