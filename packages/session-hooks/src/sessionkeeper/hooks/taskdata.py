"""What the hooks take from a runner's task: its id, title and where it came from.

``task_data`` is whatever the runner has: usually the parsed YAML task contract (a dict with
``task_id``, ``title`` and, in the old TaskExecutor, the contract's path under ``_file_path``), but
an object with those attributes or a bare task id string work too. Missing or odd fields are
tolerated: a hook never refuses a task.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "UNKNOWN_TASK_ID",
    "TaskFields",
    "TaskInfo",
    "bounded_head",
    "bounded_tail",
    "task_fields",
    "task_info",
]

UNKNOWN_TASK_ID = "unknown"  # the old hook's name for a task without an id
_SOURCE_KEYS = ("_file_path", "yaml_path", "source", "path", "file")
# Extra characters redacted beyond a cut, so that a secret straddling the cut is still whole (and
# recognised) when the filter runs; anything shorter than this is never left half-visible.
_CUT_MARGIN = 512


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """A task as recorded: every field already redacted."""

    task_id: str
    title: str | None
    source: str | None


def _field(task_data: Any, name: str) -> Any:
    if isinstance(task_data, Mapping):
        return task_data.get(name)
    return getattr(task_data, name, None)


def _text(value: Any) -> str | None:
    if type(value) is str:  # the usual case, ahead of the conversions
        return value or None
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif isinstance(value, os.PathLike):
        value = os.fspath(value)
    text = value if isinstance(value, str) else str(value)
    return text or None


TaskFields = tuple[str | None, str | None, str | None]  # (task_id, title, source) as given


def task_fields(task_data: Any) -> TaskFields:
    """The raw id, title and source of ``task_data`` (cheap: no redaction yet)."""
    if type(task_data) is dict:
        # A parsed contract, the usual case: plain look-ups. The general path's isinstance checks
        # against the Mapping and PathLike ABCs cost ~5 µs a call, a tenth of a hook's budget.
        get = task_data.get
        source = None
        for key in _SOURCE_KEYS:
            source = _text(get(key))
            if source:
                break
        return _text(get("task_id")), _text(get("title")), source
    if isinstance(task_data, str | bytes):
        return _text(task_data), None, None
    source = next((s for s in (_text(_field(task_data, key)) for key in _SOURCE_KEYS) if s), None)
    return _text(_field(task_data, "task_id")), _text(_field(task_data, "title")), source


def task_info(fields: TaskFields, redact: Callable[[str], str], limit: int) -> TaskInfo:
    """The recorded form of ``fields``: redacted, bounded to ``limit`` characters."""
    task_id, title, source = fields
    return TaskInfo(
        task_id=bounded_head(task_id, limit, redact) or UNKNOWN_TASK_ID,
        title=bounded_head(title, limit, redact),
        source=bounded_head(source, limit, redact),
    )


def bounded_head(text: str | None, limit: int, redact: Callable[[str], str]) -> str | None:
    """The redacted start of ``text``, at most ``limit`` characters (None for no text)."""
    if not text:
        return None
    if len(text) <= limit:
        return redact(text)
    text = redact(text[: limit + _CUT_MARGIN])
    if len(text) <= limit:
        return text
    # Drop the word cut in half as well: it could be the visible part of a longer secret.
    head = text[:limit]
    space = max(head.rfind(" "), head.rfind("\n"))
    return (head[:space] if space > 0 else head) + "…"


def bounded_tail(text: str | bytes | None, limit: int, redact: Callable[[str], str]) -> str | None:
    """The redacted end of ``text`` (command output), at most ``limit`` characters, or None."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text or text.isspace():
        return None
    text = text.rstrip()
    if len(text) <= limit:
        return redact(text)
    text = redact(text[-(limit + _CUT_MARGIN) :])
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    cut = min((i for i in (tail.find(" "), tail.find("\n")) if i >= 0), default=-1)
    return "…" + (tail[cut + 1 :] if cut >= 0 else tail)
