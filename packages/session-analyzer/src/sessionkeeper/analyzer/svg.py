"""Building blocks of the report's inline SVG charts: palette, hatching, text, axes, legends.

Every chart is one ``<svg>`` with a ``viewBox`` and no fixed size: the page's CSS gives it
``width: 100%``, so it scales with its column from a 400 px phone to a 1280 px screen. Text sizes
are in the chart's own units for the same reason (the font itself comes from the page's CSS, so
Hangul gets the page's Korean font stack).

Colours are Okabe and Ito's palette, which stays distinguishable under the common colour-vision
deficiencies: blue for success, vermillion for failure. Colour is never the only cue: failures are
also hatched, drawn dashed with square markers, and named in every legend and tooltip.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Sequence

__all__ = [
    "FAILURE",
    "MUTED",
    "NEUTRAL",
    "SLOW",
    "SUCCESS",
    "Frame",
    "LegendItem",
    "TickFormat",
    "escape",
    "grouped",
    "hatch_fill",
    "nice_max",
    "text_width",
]

# Okabe & Ito (2008), "Color Universal Design": distinct for protan, deutan and tritan readers.
SUCCESS = "#0072b2"  # blue
FAILURE = "#d55e00"  # vermillion
NEUTRAL = "#56b4e9"  # sky blue
SLOW = "#cc79a7"  # reddish purple
MUTED = "#9e9e9e"
INK = "#37474f"
GRID = "#e3e7ea"


def escape(value: object) -> str:
    """``value`` as SVG/HTML text or attribute content: ``<``, ``&`` and both quotes escaped."""
    return html.escape(str(value), quote=True)


def grouped(value: int) -> str:
    """``12,345``: English and Korean both group digits by thousands with a comma."""
    return f"{value:,}"


def text_width(text: str, size: float = 12) -> float:
    """About how wide ``text`` is drawn at ``size`` units, erring wide: Hangul and other wide
    characters take a full em, capitals and digits 0.72 em, the rest 0.6 em (DejaVu Sans, the widest
    common fallback, measures about 0.68 and 0.55). Enough to place labels without overlap."""
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WF":
            width += size
        elif ch.isupper() or ch.isdigit():
            width += size * 0.72
        else:
            width += size * 0.6
    return width


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 5, 10, 20, 50, ...; 0.1, 0.2, 0.5 below 1)."""
    if value <= 0:
        return 1
    step = 1.0
    while step / 10 >= value:
        step /= 10
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def hatch_fill(chart_id: str) -> str:
    """The fill that marks failures: vermillion with white diagonal stripes (see :meth:`Frame.defs`)."""
    return f"url(#{chart_id}-hatch)"


LegendItem = tuple[str, str, str]  # (fill, label, marker: "bar" | "line" | "dashed")
TickFormat = str | Callable[[float], str]


class Frame:
    """One chart being drawn: the ``<svg>`` element's parts, in order."""

    def __init__(self, chart_id: str, title: str, width: int, height: int) -> None:
        self.chart_id, self.width, self.height = chart_id, width, height
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{chart_id}-title" class="chart-svg" id="{chart_id}" '
            'preserveAspectRatio="xMidYMid meet">',
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            # Stripes at 45 degrees, drawn over the failure colour: readable without colour at all.
            f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{FAILURE}"/>'
            '<rect width="2.2" height="6" fill="#ffffff" opacity="0.75"/></pattern></defs>',
        ]

    def add(self, part: str) -> None:
        self.parts.append(part)

    def rect(
        self, x: float, y: float, width: float, height: float, fill: str, tip: str = "", extra: str = ""
    ) -> None:
        title = f"<title>{escape(tip)}</title>" if tip else ""
        self.add(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"{extra}>'
            f"{title}</rect>"
        )

    def text(
        self, x: float, y: float, text: str, anchor: str = "start", *, size: int = 12, extra: str = ""
    ) -> None:
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{INK}"{extra}>'
            f"{escape(text)}</text>"
        )

    def hline(self, x1: float, x2: float, y: float, colour: str = GRID) -> None:
        self.add(f'<line x1="{x1:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y:.1f}" stroke="{colour}"/>')

    def y_axis(
        self, left: float, right: float, top: float, bottom: float, axis_max: float, fmt: TickFormat
    ) -> None:
        """Grid lines and labels at 0, half and the maximum; ``fmt`` formats a tick: a format string
        ("{:,.0f}") or a function (a duration in words)."""
        for tick in (0, axis_max / 2, axis_max):
            y = bottom - (bottom - top) * tick / axis_max
            self.hline(left, right, y)
            self.text(left - 5, y + 4, fmt.format(tick) if isinstance(fmt, str) else fmt(tick), "end")

    def axis_titles(self, x_title: str, y_title: str, *, left: float, right: float) -> None:
        """The x title centred under the plot; the y title level, in the top left corner above the
        tick labels (turned along the axis, it would collide with them on a narrow chart)."""
        self.text(
            (left + right) / 2, self.height - 4, x_title, "middle", size=12, extra=' class="axis-title"'
        )
        self.text(4, 14, y_title, size=12, extra=' class="axis-title"')

    @staticmethod
    def _swatch(marker: str) -> float:
        return 16 if marker == "bar" else 20

    def legend(self, items: Sequence[LegendItem], *, right: float, y: float) -> None:
        """Swatches with their names, left to right, ending at ``right``; each swatch shows its cue."""
        total = sum(self._swatch(marker) + 12 + text_width(label) for _, label, marker in items) - 12
        parts = [f'<g class="legend" transform="translate({right - total:.1f},{y:.1f})">']
        offset = 0.0
        for fill, label, marker in items:
            if marker == "bar":
                parts.append(f'<rect x="{offset:.1f}" y="0" width="12" height="12" fill="{fill}"/>')
            else:
                dash = ' stroke-dasharray="4 3"' if marker == "dashed" else ""
                parts.append(
                    f'<line x1="{offset:.1f}" y1="6" x2="{offset + 16:.1f}" y2="6" stroke="{fill}" '
                    f'stroke-width="2.5"{dash}/>'
                )
            swatch = self._swatch(marker)
            parts.append(
                f'<text x="{offset + swatch:.1f}" y="10.5" font-size="12" fill="{INK}">{escape(label)}</text>'
            )
            offset += swatch + 12 + text_width(label)
        parts.append("</g>")
        self.add("".join(parts))

    def no_data(self, text: str) -> str:
        self.text(self.width / 2, self.height / 2, text, "middle", size=14)
        return self.close()

    def close(self) -> str:
        self.parts.append("</svg>")
        return "\n".join(self.parts)
