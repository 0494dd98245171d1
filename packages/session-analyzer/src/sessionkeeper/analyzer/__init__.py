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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analysis import analyze
    from .errors import AnalyzerError, DataDirError, InvalidDateError, InvalidTimezoneError, OutputError
    from .html_report import render_html
    from .json_report import render_json
    from .messages import LANGUAGES, default_language
    from .normalize import normalize_error, program_name
    from .period import DEFAULT_DAYS, Period, Zone, resolve_period, resolve_zone
    from .report import Report, SkippedFile, Suggestion
    from .suggestions import THRESHOLDS
    from .text_report import render_text

# Imported at first use (PEP 562): `session --help` loads this package for its `analyze` entry
# point (.entry), which must not pay for the whole analyzer (nor for session-core).
_LAZY = {
    "analyze": "analysis",
    **dict.fromkeys(
        ("AnalyzerError", "DataDirError", "InvalidDateError", "InvalidTimezoneError", "OutputError"), "errors"
    ),
    **dict.fromkeys(("LANGUAGES", "default_language"), "messages"),
    **dict.fromkeys(("normalize_error", "program_name"), "normalize"),
    **dict.fromkeys(("DEFAULT_DAYS", "Period", "Zone", "resolve_period", "resolve_zone"), "period"),
    "render_html": "html_report",
    "render_json": "json_report",
    "render_text": "text_report",
    **dict.fromkeys(("Report", "SkippedFile", "Suggestion"), "report"),
    "THRESHOLDS": "suggestions",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


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
