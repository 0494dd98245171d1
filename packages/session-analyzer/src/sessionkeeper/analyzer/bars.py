"""Ranked horizontal bars as inline SVG: the most run tasks, the failures, the slowest tasks.

Each row is a :class:`Bar`: its label, its value and what it is out of (``whole``: a failed task's
runs, drawn as a light bar behind it), and the text written after the bar. The caller formats that
text, so a failure reads ``1/1`` (failed of runs) and a duration ``5.2 min`` in the report's
language; this module only measures and draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from .svg import MUTED, Frame, escape, hatch_fill, text_width

__all__ = ["Bar", "horizontal_bars"]

_WIDTH = 480
_BAR_H, _GAP, _TOP = 18, 7, 30
_LABEL_W = 150  # room for a task id; longer ones are cut with an ellipsis (the tooltip has it all)


@attrs.frozen
class Bar:
    label: str
    value: float
    shown: str  # the text after the bar, e.g. "1/1", "1,234", "5.2 min"
    tip: str  # the tooltip: label and numbers in words
    whole: float = 0  # drawn behind the bar when larger than the value (e.g. all runs)


def _cut(label: str, room: float) -> str:
    if text_width(label) <= room:
        return label
    while label and text_width(label + "\u2026") > room:
        label = label[:-1]
    return label + "\u2026"


def horizontal_bars(
    rows: Sequence[Bar],
    *,
    title: str,
    chart_id: str,
    colour: str,
    no_data: str,
    legend: tuple[str, str] | None = None,
) -> str:
    """One bar per row, longest scale first row's way; ``colour`` "hatch" draws failures hatched.

    ``legend`` names the bar and the bar behind it (e.g. "failed", "runs"); without it the chart's
    title says what the bars are.
    """
    top = _TOP if legend is not None else 8  # room for the legend only where there is one
    height = max(80, top + 8 + len(rows) * (_BAR_H + _GAP))
    frame = Frame(chart_id, title, _WIDTH, height)
    peak = max((max(bar.value, bar.whole) for bar in rows), default=0)
    if not peak:
        return frame.no_data(no_data)
    fill = hatch_fill(chart_id) if colour == "hatch" else colour
    widest_number = max(text_width(bar.shown) for bar in rows)
    plot_w = _WIDTH - _LABEL_W - widest_number - 16
    for i, bar in enumerate(rows):
        y = top + i * (_BAR_H + _GAP)
        frame.add(
            f'<text x="{_LABEL_W - 6}" y="{y + 13}" text-anchor="end" font-size="12" class="bar-label">'
            f"<title>{escape(bar.label)}</title>{escape(_cut(bar.label, _LABEL_W - 10))}</text>"
        )
        if bar.whole > bar.value:
            frame.rect(_LABEL_W, y, plot_w * bar.whole / peak, _BAR_H, MUTED, extra=' opacity="0.35"')
        stroke = ' stroke="#d55e00" stroke-width="0.8"' if colour == "hatch" else ""
        frame.rect(
            _LABEL_W, y, max(plot_w * bar.value / peak, 1), _BAR_H, fill, bar.tip, f' class="bar"{stroke}'
        )
        frame.text(
            _LABEL_W + plot_w * max(bar.value, bar.whole) / peak + 5,
            y + 13,
            bar.shown,
            extra=' class="bar-value"',
        )
    if legend is not None:
        frame.legend([(fill, legend[0], "bar"), (MUTED, legend[1], "bar")], right=_WIDTH - 10, y=4)
    return frame.close()
