"""session-analyzer: reports on Sessionkeeper sessions (``session-analyze``).

``analyze(data_dir, period)`` reads every session of a data directory through
``sessionkeeper.core`` — Sessionkeeper's own and the old tool's files — counts every event exactly
once, and returns a :class:`Report`; ``render_text``, ``render_json`` and ``render_html`` show it.

```python
from pathlib import Path
from sessionkeeper.analyzer import analyze, render_text, resolve_period, resolve_zone

period = resolve_period(zone=resolve_zone("Asia/Seoul"), days=7)
print(render_text(analyze(Path("RUNS"), period, language="ko")))
```
"""

from __future__ import annotations

from .analysis import analyze
from .errors import AnalyzerError, DataDirError, InvalidDateError, InvalidTimezoneError, OutputError
from .messages import LANGUAGES, default_language
from .normalize import normalize_error, program_name
from .period import DEFAULT_DAYS, Period, Zone, resolve_period, resolve_zone
from .render_html import render_html
from .render_json import render_json
from .render_text import render_text
from .report import Report, SkippedFile, Suggestion
from .suggestions import THRESHOLDS

__all__ = [
    "DEFAULT_DAYS",
    "LANGUAGES",
    "THRESHOLDS",
    "AnalyzerError",
    "DataDirError",
    "InvalidDateError",
    "InvalidTimezoneError",
    "OutputError",
    "Period",
    "Report",
    "SkippedFile",
    "Suggestion",
    "Zone",
    "analyze",
    "default_language",
    "normalize_error",
    "program_name",
    "render_html",
    "render_json",
    "render_text",
    "resolve_period",
    "resolve_zone",
]
