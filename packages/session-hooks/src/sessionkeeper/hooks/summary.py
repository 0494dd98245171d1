"""The summary keys the guide and the old hook kept, with the old tool's shapes.

SESSION scope: ``current_task`` (the task running or last finished), ``task_history`` (starts,
newest last), ``completed_tasks`` (ids), ``failed_tasks`` (id -> error and time), ``last_error``;
USER scope: ``execution_stats`` (counters carried from session to session). The event log is the
full record; these keys are for programs and people that read the old layout.

This module holds the keys in memory and says which ones changed; it never touches storage. Lists
are bounded (``limit`` entries, oldest dropped): every change rewrites a whole key, and encoding a
list costs time in proportion to its length, which a hook must not spend on the runner's time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .taskdata import TaskInfo

__all__ = [
    "DEFAULT_LIMIT",
    "KEYS",
    "Change",
    "Summary",
]

DEFAULT_LIMIT = 8
Scope = Literal["session", "user"]
Change = tuple[str, Any, Scope]  # (key, new value, scope) to be set
KEYS: tuple[tuple[str, Scope], ...] = (
    ("current_task", "session"),
    ("task_history", "session"),
    ("completed_tasks", "session"),
    ("failed_tasks", "session"),
    ("last_error", "session"),
    ("execution_stats", "user"),
)


def _number(value: Any) -> float:
    return float(value) if type(value) in (int, float) else 0.0


@dataclass
class Summary:
    """In-memory copies of the summary keys, updated by task events."""

    limit: int = DEFAULT_LIMIT
    current_task: dict[str, Any] | None = None
    task_history: list[Any] = field(default_factory=list)
    completed_tasks: list[Any] = field(default_factory=list)
    failed_tasks: dict[str, Any] = field(default_factory=dict)
    last_error: str | None = None
    execution_stats: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, get: Callable[[str, Scope], Any], limit: int = DEFAULT_LIMIT) -> Summary:
        """The keys as the session holds them (values of another shape are started afresh)."""
        current, history = get("current_task", "session"), get("task_history", "session")
        completed = get("completed_tasks", "session")
        failed, error = get("failed_tasks", "session"), get("last_error", "session")
        stats = get("execution_stats", "user")
        return cls(
            limit=limit,
            current_task=current if isinstance(current, dict) else None,
            task_history=history[-limit:] if isinstance(history, list) else [],
            completed_tasks=completed[-limit:] if isinstance(completed, list) else [],
            failed_tasks=failed if isinstance(failed, dict) else {},
            last_error=error if isinstance(error, str) else None,
            execution_stats=stats if isinstance(stats, dict) else {},
        )

    # -- updates -------------------------------------------------------------------------------
    def task_started(self, task: TaskInfo, at: str) -> list[Change]:
        """A task began: it becomes ``current_task`` and is appended to ``task_history``."""
        self.current_task = {
            "task_id": task.task_id,
            "title": task.title or "",
            "status": "running",
            "started_at": at,
            "yaml_path": task.source or "",
        }
        self.task_history.append({"task_id": task.task_id, "started_at": at, "status": "started"})
        del self.task_history[: -self.limit]
        return [
            ("current_task", self.current_task, "session"),
            ("task_history", self.task_history, "session"),
        ]

    def task_completed(
        self, task: TaskInfo, success: bool, execution_time: float | None, error: str | None, at: str
    ) -> list[Change]:
        """A task ended: ``current_task`` says how, the lists and the USER counters follow."""
        current = self.current_task
        if current is None or current.get("task_id") != task.task_id:
            # Completed without a recorded start (or another task's start in between): describe
            # this task, never finish someone else's record.
            current = {
                "task_id": task.task_id,
                "title": task.title or "",
                "started_at": None,
                "yaml_path": task.source or "",
            }
        current["status"] = "success" if success else "failed"
        current["completed_at"] = at
        current["execution_time"] = execution_time
        current["error"] = error
        self.current_task = current
        changes: list[Change] = [("current_task", current, "session")]
        if success:
            self.completed_tasks.append(task.task_id)
            del self.completed_tasks[: -self.limit]
            changes.append(("completed_tasks", self.completed_tasks, "session"))
        else:
            self.failed_tasks.pop(task.task_id, None)  # a repeated failure moves to the end
            self.failed_tasks[task.task_id] = {"error": error, "timestamp": at}
            for task_id in list(self.failed_tasks)[: -self.limit]:
                del self.failed_tasks[task_id]
            self.last_error = error or f"task {task.task_id} failed"
            changes += [
                ("failed_tasks", self.failed_tasks, "session"),
                ("last_error", self.last_error, "session"),
            ]
        changes.append(("execution_stats", self._count(success, execution_time), "user"))
        return changes

    def command_failed(self, message: str) -> list[Change]:
        """A command failed: it is the latest error."""
        self.last_error = message
        return [("last_error", message, "session")]

    def _count(self, success: bool, execution_time: float | None) -> dict[str, Any]:
        stats = self.execution_stats
        get = stats.get
        total, successful = get("total_executions"), get("successful")
        failed, total_time = get("failed"), get("total_time")
        # After the first count every value has its type: the conversions (for a value of another
        # shape, from an old file or a hand edit) are skipped, half of this method's cost.
        if type(total) is not int or type(successful) is not int or type(failed) is not int:
            total, successful, failed = (int(_number(n)) for n in (total, successful, failed))
        if type(total_time) is not float:
            total_time = _number(total_time)
        total += 1
        total_time += execution_time or 0.0
        stats["total_executions"] = total
        stats["successful"] = successful + 1 if success else successful
        stats["failed"] = failed if success else failed + 1
        stats["total_time"] = total_time
        stats["avg_time"] = total_time / total
        return stats

    # -- reading -------------------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """The old hook's ``get_execution_summary()`` figures."""
        stats = self.execution_stats
        total = int(_number(stats.get("total_executions")))
        successful = int(_number(stats.get("successful")))
        return {
            "total_executions": total,
            "successful": successful,
            "failed": int(_number(stats.get("failed"))),
            "avg_execution_time": _number(stats.get("avg_time")),
            "total_time": _number(stats.get("total_time")),
            "session_completed": len(self.completed_tasks),
            "session_failed": len(self.failed_tasks),
            "success_rate": successful / total * 100 if total else 0,
        }
