"""The ``session`` group: global options, lazy subcommands and plugins, and error handling.

Start-up is kept small: this module needs only click. A subcommand's module (and with it core) is
imported when that subcommand runs, plugins are discovered only for a name that is not built in or
for the command list, and rich only when a table is printed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from . import commands, console, language, messages, plugins
from .__about__ import __version__
from .context import Settings
from .errors import CliError, describe_failure
from .helptext import LocalizedGroup, LocalizedOption

__all__ = ["SessionGroup", "cli", "main", "run"]

PROG_NAME = "session"
_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class SessionGroup(LocalizedGroup):
    """Built-in commands imported on first use, then the plugins of the ``sessionkeeper.cli`` group."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(commands.BUILTIN) | set(plugins.discover()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in commands.BUILTIN:
            return commands.load(cmd_name)  # built-ins win: a plugin cannot replace `info`
        return plugins.plugin_command(cmd_name)


def _set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    # main() already chose the language from the raw arguments; this covers other callers.
    if value is not None:
        messages.use(value)


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        console.out(f"{PROG_NAME} {__version__}")
        ctx.exit()


@click.group(
    PROG_NAME,
    cls=SessionGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    cls=LocalizedOption,
    help="opt.data_dir",
)
@click.option(
    "--lang",
    type=click.Choice(language.SUPPORTED),
    is_eager=True,
    expose_value=False,
    callback=_set_language,
    cls=LocalizedOption,
    help="opt.lang",
)
@click.option(
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_print_version,
    cls=LocalizedOption,
    help="opt.version",
)
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None) -> None:
    """Keep a workflow's state safe across sessions and crashes."""
    ctx.obj = Settings(data_dir)


def run(args: Sequence[str]) -> int:
    """Run the CLI on ``args`` (without the program name); returns the exit status.

    0 success; 1 a failure the user can act on (one line on stderr, no traceback); 2 a usage error;
    3 ``verify`` found nothing damaged but stores locked (no key, or the wrong key); 130
    interrupted. Anything else is a bug and keeps its traceback.
    """
    try:
        result: Any = cli.main(args=list(args), prog_name=PROG_NAME, standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        return _INTERRUPTED
    except KeyboardInterrupt:
        return _INTERRUPTED
    except BrokenPipeError:
        console.silence_stdout()  # the reader went away (`session list | head -1`): not an error
        return 1
    except Exception as exc:
        message = describe_failure(exc)
        if message is None:
            raise
        console.err(messages.text("error", message=message))
        return exc.exit_code if isinstance(exc, CliError) else 1
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``session`` console script."""
    console.configure_streams()
    args = list(sys.argv[1:] if argv is None else argv)
    messages.use(language.choose(args, os.environ))
    status = run(args)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        console.silence_stdout()
    sys.exit(status)
