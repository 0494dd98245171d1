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
    """``--json``: the result as JSON on stdout, for scripts (also when given to the group:
    ``session --json info``)."""
    return click.option(
        "--json", "as_json", is_flag=True, callback=_or_global_json, cls=LocalizedOption, help="opt.json"
    )(function)


def _or_global_json(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    return value or getattr(ctx.find_root().obj, "as_json", False) is True


def _settings(ctx: click.Context) -> Settings:
    root = ctx.find_root()
    return root.obj if isinstance(root.obj, Settings) else Settings(root.params.get("data_dir"))


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
    """A session id, a unique prefix of one, ``latest`` or ``current``: converted to the whole id
    (:mod:`sessionkeeper.cli.session_ids`, one resolver for every command), validated by core when
    used, completed from the data directory."""

    name = "session_id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = super().convert(value, param, ctx)
        if ctx is None or not isinstance(text, str):
            return text
        return _settings(ctx).resolve_session(text)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[click.shell_completion.CompletionItem]:
        from click.shell_completion import CompletionItem

        from sessionkeeper.cli.session_ids import CURRENT, LATEST, matches

        try:
            from sessionkeeper.core import list_sessions

            ids = [entry.session_id for entry in list_sessions(_settings(ctx).places.data_dir)]
        except Exception:  # completion must never print a traceback into the user's shell
            return []
        # Newest first; hex digits complete to the whole ids whose random part they start.
        found = list(reversed(matches(incomplete, ids)))
        found += [word for word in (LATEST, CURRENT) if incomplete and word.startswith(incomplete)]
        return [CompletionItem(item) for item in found]


def session_argument(*, required: bool) -> Callable[[F], F]:
    """The ``SESSION_ID`` argument (optional ones default to the current session)."""
    return click.argument("session_id", type=SessionIdType(), required=required)
