"""The analyzer's commands for session-cli's plugin group (``session analyze``), imported lazily.

``session --help`` lists every plugin command with its one-line help, which loads the entry
point's object: this module, click only. The command's own module (and everything a report needs)
is imported when the command runs or shows its own ``--help``.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

__all__ = ["LazyCommand", "analyze", "dashboard"]


class LazyCommand(click.Command):
    """A command that stands for ``target`` (``"module:attribute"``, a click command) until used."""

    def __init__(self, name: str, target: str, short_help: str) -> None:
        super().__init__(name, short_help=short_help, help=short_help)
        self._target = target

    def real(self) -> click.Command:
        module, _, attribute = self._target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        # Asked only when options follow the command name (which are its own, which global).
        return self.real().get_params(ctx)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        # The group runs ``context.command``: the real command parses, helps and runs.
        return self.real().make_context(info_name, args, parent=parent, **extra)


analyze = LazyCommand(
    "analyze",
    "sessionkeeper.analyzer.cli:command",
    "Report on the sessions: task patterns, failures, productivity (session-analyze).",
)

dashboard = LazyCommand(
    "dashboard",
    "sessionkeeper.analyzer.dashboard.command:command",
    "Serve a live web page of the sessions: now, trends, tasks (the session-analyzer[dashboard] extra).",
)
