"""Every error the hooks raise on purpose.

The hooks never raise into the task runner while recording: a problem there is logged and the
run goes on. What raises is configuration, checked at construction (``get_hook()``), before any
task starts.
"""

from __future__ import annotations

__all__ = ["InvalidRedactionPatternError"]


class InvalidRedactionPatternError(ValueError):
    """An extra redaction pattern is not a valid regular expression."""
