"""Options and arguments shared by several commands, and the decorator that makes a command."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.helptext import LocalizedCommand, LocalizedOption

if TYPE_CHECKING:
    from sessionkeeper.core import StateScope

__all__ = [
    "SCOPES",
    "SessionIdType",
    "command",
    "json_option",
    "scope_option",
    "session_argument",
    "to_scope",
]

F = TypeVar("F", bound=Callable[..., Any])

# TEMP lives in the memory of a running program: a command line can neither read nor set it.
SCOPES = ("session", "user", "app")


def command(name: str) -> Callable[[Callable[..., Any]], click.Command]:
    """A command whose help text is the catalogue's ``help.<name>``."""
    return click.command(name, cls=LocalizedCommand)


def json_option(function: F) -> F:
    """``--json``: the result as JSON on stdout, for scripts."""
    return click.option("--json", "as_json", is_flag=True, cls=LocalizedOption, help="opt.json")(function)


def scope_option(function: F) -> F:
    """``--scope session|user|app`` (default session)."""
    return click.option(
        "--scope",
        type=click.Choice(SCOPES),
        default="session",
        show_default=True,
        cls=LocalizedOption,
        help="opt.scope",
    )(function)


def to_scope(name: str) -> StateScope:
    """The core scope for a ``--scope`` value."""
    from sessionkeeper.core import StateScope

    return StateScope(name)


class SessionIdType(click.types.StringParamType):
    """A session id; validated by core when used, completed from the data directory."""

    name = "session_id"

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[click.shell_completion.CompletionItem]:
        from click.shell_completion import CompletionItem

        try:
            from sessionkeeper.core import list_sessions

            root = ctx.find_root()
            settings = root.obj if isinstance(root.obj, Settings) else Settings(root.params.get("data_dir"))
            ids = [entry.session_id for entry in list_sessions(settings.places.data_dir)]
        except Exception:  # completion must never print a traceback into the user's shell
            return []
        return [
            CompletionItem(session_id) for session_id in reversed(ids) if session_id.startswith(incomplete)
        ]


def session_argument(*, required: bool) -> Callable[[F], F]:
    """The ``SESSION_ID`` argument (optional ones default to the current session)."""
    return click.argument("session_id", type=SessionIdType(), required=required)
