"""Click commands and options whose help texts come from the message catalogue.

Texts are looked up when help is *shown*, not when a command is defined, so they are always in the
language of the run whatever the import order. A command's text is ``help.<name>``; an option is
given its message id as ``help=``. Click's own section titles ("Usage:", "Options:", "Commands:")
are replaced too; click's usage-error messages stay English.

These commands also take a negative number as a value (``session set temp -5``): see
:func:`~sessionkeeper.cli.arguments.numbers_as_values`.
"""

from __future__ import annotations

from typing import Any

import click

from . import arguments, messages

__all__ = ["LocalizedCommand", "LocalizedGroup", "LocalizedOption"]


class LocalizedCommand(click.Command):
    """A command whose help is the catalogue's ``help.<name>``."""

    @property
    def help(self) -> str | None:
        """The help text in the language of the run."""
        return messages.text(f"help.{self.name}")

    @help.setter
    def help(self, value: str | None) -> None:
        # The catalogue is the one source of help texts; a docstring passed by click is not used.
        del value

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not isinstance(self, click.Group):  # a group's words are its subcommands'
            args = arguments.numbers_as_values(list(args), arguments.option_names(ctx, self))
        return super().parse_args(ctx, args)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = messages.text("opt.help")
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=messages.text("help.usage"))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [record for param in self.get_params(ctx) if (record := param.get_help_record(ctx))]
        if records:
            with formatter.section(messages.text("help.options")):
                formatter.write_dl(records)


class LocalizedGroup(LocalizedCommand, click.Group):
    """A group whose help, and the titles of its command list, come from the catalogue."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        LocalizedCommand.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section(messages.text("help.commands")):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


class LocalizedOption(click.Option):
    """An option whose ``help=`` is a message id, looked up when help is shown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._help_id: str | None = None
        super().__init__(*args, **kwargs)

    @property
    def help(self) -> str | None:
        """The option's help text in the language of the run."""
        return None if self._help_id is None else messages.text(self._help_id)

    @help.setter
    def help(self, value: str | None) -> None:
        self._help_id = value
