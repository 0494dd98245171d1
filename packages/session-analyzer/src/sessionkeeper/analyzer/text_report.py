"""The report as text: the outline's sections as ``[Title]`` blocks, as in the guide's example.

```
[실행 통계]
총 작업 수: 50
성공: 45 (90%)
...
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .messages import Messages
from .outline import build_outline, header_lines
from .report import Report

if TYPE_CHECKING:
    from .insights.model import Insights

__all__ = ["render_text"]

_BAR = 30  # characters of the longest bar of the hour histogram


def render_text(report: Report, insights: Insights | None = None) -> str:
    """The report as text in its own language, ending with a newline; with ``insights``, their
    section (``[Insights]``) comes last."""
    lines = header_lines(report, Messages(report.language))
    for section in build_outline(report):
        lines += ["", f"[{section.title}]"]
        peak = max((entry.count for entry in section.entries if entry.kind == "hour"), default=0)
        for entry in section.entries:
            if entry.kind == "item":
                lines.append(f"- {entry.text}")
            elif entry.kind == "hour":
                # '#' rather than a block character: the text must survive any console encoding
                bar = "#" * max(1, round(entry.count / peak * _BAR))
                lines.append(f"  {entry.hour:02d} {bar} {entry.count}")
            else:
                lines.append(entry.text)
    if insights is not None:
        from .insights.text_section import insight_lines

        say = Messages(report.language)
        lines += ["", f"[{say('insights.section')}]"]
        lines += [f"- {text}" if kind == "item" else text for kind, text in insight_lines(insights, say)]
    return "\n".join(lines) + "\n"
