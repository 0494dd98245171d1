"""The ``session`` group: global options, lazy subcommands and plugins, and error handling.

Start-up is kept small: this module needs only click. A subcommand's module (and with it core) is
imported when that subcommand runs, plugins are discovered only for a name that is not built in or
for the command list, and rich only when a table is printed.

The global options (``--data-dir``, ``--lang``, ``--color``, ``--json``) may be written before or
after the subcommand (:mod:`.arguments`); ``--lang`` and ``--color`` are also read from the raw
arguments before click runs, so that help texts and early errors already follow them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from . import arguments, commands, console, language, messages, plugins
from .__about__ import __version__
from .context import Settings
from .errors import CliError, describe_failure, failure_hint
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

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `session info --lang ko`: global options after the subcommand are moved before it.
        return super().parse_args(ctx, arguments.hoist_global_options(ctx, self, list(args)))


def _set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    # main() already chose the language from the raw arguments; this covers other callers.
    if value is not None:
        messages.use(value)


def _set_color(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        console.set_color(value)


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
    # Not file_okay=False: a data directory that is a file is reported by the commands, the same
    # way whether it came from here or from SESSIONKEEPER_DATA_DIR (context.Settings).
    type=click.Path(path_type=Path),
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
    "--color",
    type=click.Choice(console.COLOR_CHOICES),
    metavar="WHEN",
    is_eager=True,
    expose_value=False,
    callback=_set_color,
    cls=LocalizedOption,
    help="opt.color",
)
@click.option("--json", "as_json", is_flag=True, cls=LocalizedOption, help="opt.json_global")
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
def cli(ctx: click.Context, data_dir: Path | None, as_json: bool) -> None:
    """Keep a workflow's state safe across sessions and crashes."""
    settings = ctx.obj = Settings(data_dir, as_json=as_json)
    if ctx.invoked_subcommand is not None and ctx.invoked_subcommand not in commands.BUILTIN:
        # A plugin (`session run`) reads this group's --data-dir parameter, not our objects: give
        # it the directory this run uses, so that it finds the project's data directory too.
        ctx.params["data_dir"] = settings.data_dir_choice.path


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
        console.failure(message, _as_given(failure_hint(exc), args))
        return exc.exit_code if isinstance(exc, CliError) else 1
    return result if isinstance(result, int) else 0


def _as_given(hint: str | None, args: Sequence[str]) -> str | None:
    """A hint's ``session ...`` command with the run's ``--data-dir``: it must act on the same data."""
    data_dir = arguments.global_value(args, "--data-dir", commands.BUILTIN)
    if hint is None or data_dir is None or not hint.startswith(f"{PROG_NAME} "):
        return hint
    import shlex

    return f"{PROG_NAME} --data-dir {shlex.quote(data_dir)} {hint.removeprefix(PROG_NAME + ' ')}"


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``session`` console script."""
    console.configure_streams()
    args = list(sys.argv[1:] if argv is None else argv)
    messages.use(language.choose(args, os.environ))
    color = arguments.global_value(args, "--color", commands.BUILTIN)
    if color in console.COLOR_CHOICES:  # an invalid one is click's to report
        console.set_color(color)
    status = run(args)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        console.silence_stdout()
    sys.exit(status)
