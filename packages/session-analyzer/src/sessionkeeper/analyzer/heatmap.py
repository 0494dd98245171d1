"""A grid of counts as an inline SVG heatmap: weekdays down, hours or weeks across.

One hue (Okabe-Ito blue) from light to dark carries the count, so the map reads the same for
colour-blind readers and in greyscale; an empty cell is pale grey, a cell outside the period is not
drawn. Every cell has a tooltip with its row, column and count, and a scale under the map shows
what the shades mean.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .svg import Frame, escape, grouped, text_width

__all__ = ["heatmap", "shade"]

_LEFT, _TOP, _RIGHT = 78, 26, 10
_EMPTY = "#eef1f3"
_LIGHT, _DARK = (0xDC, 0xEB, 0xF7), (0x00, 0x4A, 0x7A)  # a pale blue to a deep Okabe-Ito blue


def shade(count: int, peak: int) -> str:
    """The cell colour of ``count`` out of ``peak``: darker for more; pale grey for none.

    The square root spreads the small counts: one busy hour must not wash every other one out.
    """
    if count <= 0 or peak <= 0:
        return _EMPTY
    share = math.sqrt(count / peak)
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(_LIGHT, _DARK, strict=True))


def heatmap(
    cells: Sequence[Sequence[int | None]],
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    labels: Sequence[str] | None = None,
    title: str,
    chart_id: str,
    counted: Callable[[int], str],
    no_data: str,
    width: int = 480,
    row_height: float | None = None,
) -> str:
    """``cells[r][c]`` coloured by count; ``None`` is outside the period (no cell).

    ``columns`` names each column in its tooltips; ``labels`` (by default the same) are written
    above the map, as many as fit without overlapping: every column, every other one, and so on.
    Cells are as tall as they are wide (16 to 24 units) unless ``row_height`` says otherwise.
    ``counted`` writes a count with its noun, in the singular for one ("1 task", "3 tasks").
    """
    count_cols = max((len(row) for row in cells), default=0)
    cell_w = (width - _LEFT - _RIGHT) / max(count_cols, 1)
    cell_h = min(24.0, max(cell_w, 16.0)) if row_height is None else row_height
    height = round(_TOP + cell_h * len(rows) + 52)
    frame = Frame(chart_id, title, width, height)
    peak = max((value or 0 for row in cells for value in row), default=0)
    if not peak:
        return frame.no_data(no_data)
    labels = columns if labels is None else labels
    widest = max((text_width(label, 11) for label in labels), default=0)
    every = max(1, math.ceil((widest + 6) / cell_w))
    for c, label in enumerate(labels):
        if c % every == 0:
            frame.text(_LEFT + (c + 0.5) * cell_w, _TOP - 8, label, "middle", size=11)
    # numbers in the cells too where they fit: exact values, and a cue that needs no colour at all
    numbered = text_width(grouped(peak), 11) + 6 <= cell_w
    for r, (name, row) in enumerate(zip(rows, cells, strict=True)):
        y = _TOP + r * cell_h
        frame.text(_LEFT - 6, y + cell_h / 2 + 4, name, "end", size=11)
        for c, value in enumerate(row):
            if value is None:
                continue
            tip = f"{name} {columns[c]}: {counted(value)}"
            x = _LEFT + c * cell_w
            frame.rect(
                x + 1,
                y + 1,
                cell_w - 2,
                cell_h - 2,
                shade(value, peak),
                tip,
                f' class="cell" data-count="{value}"',
            )
            if numbered and value:
                ink = "#ffffff" if math.sqrt(value / peak) > 0.55 else "#263238"
                frame.add(
                    f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="middle" '
                    f'font-size="11" fill="{ink}" pointer-events="none">{grouped(value)}</text>'
                )
    # the scale: five even steps of shade from one to the peak, labelled at both ends
    scale_y = _TOP + cell_h * len(rows) + 16
    for step in range(5):
        value = max(1, round(peak * ((step + 1) / 5) ** 2))
        frame.rect(_LEFT + step * 22, scale_y, 20, 12, shade(value, peak))
    frame.text(_LEFT - 6, scale_y + 10, "1", "end", size=11)
    frame.text(_LEFT + 5 * 22 + 4, scale_y + 10, counted(peak), size=11)
    frame.add(f"<desc>{escape(title)}: {escape(counted(peak))} at most in one cell</desc>")
    return frame.close()
