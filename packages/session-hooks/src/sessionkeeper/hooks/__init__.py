"""session-hooks: record a task runner's tasks and commands in the current Sessionkeeper session.

```python
try:  # the hooks are optional: the runner works the same without them
    from sessionkeeper.hooks import get_hook
except Exception:
    get_hook = None

hook = get_hook() if get_hook else None
if hook:
    hook.on_task_start(task_data)
    hook.on_command_execute(["pytest", "-q"], exit_code, duration=1.2)
    hook.on_task_complete(task_data, success, elapsed, error_msg)
    found = hook.forecast(task_data)  # "usually 2m10s (p90 3m40s); failed 3 of the last 10 runs"
```

Importing this package is cheap and never imports session-core; the session is opened on the
first call. Nothing here raises into the runner or prints; see :mod:`sessionkeeper.hooks.hook`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import InvalidRedactionPatternError
from .hook import (
    DEFAULT_TEXT_LIMIT,
    TaskExecutorSessionHook,
    forecast,
    get_execution_summary,
    get_hook,
    on_command_execute,
    on_task_complete,
    on_task_start,
)
from .redaction import REDACTED, Redactor

if TYPE_CHECKING:
    from .forecasting import Forecast


def __getattr__(name: str) -> Any:
    # The forecast's module loads with the first forecast: `session run` without --forecast and
    # every hook call pay nothing for it.
    if name == "Forecast":
        from .forecasting import Forecast

        return Forecast
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DEFAULT_TEXT_LIMIT",
    "REDACTED",
    "Forecast",
    "InvalidRedactionPatternError",
    "Redactor",
    "TaskExecutorSessionHook",
    "forecast",
    "get_execution_summary",
    "get_hook",
    "on_command_execute",
    "on_task_complete",
    "on_task_start",
]
