"""What every ``session backup`` command shares: the subcommand class (its help from the
messages), ``--remote URL``, the remote this run uses and the codec of the stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sessionkeeper.cli import messages
from sessionkeeper.cli.errors import CliError
from sessionkeeper.cli.helptext import LocalizedCommand, LocalizedOption

if TYPE_CHECKING:
    from sessionkeeper.core import Codec, RemoteSettings

__all__ = ["BackupCommand", "configured_remote", "remote_option", "store_codec"]

F = TypeVar("F", bound=Callable[..., Any])


class BackupCommand(LocalizedCommand):
    """A ``session backup`` subcommand: its help is ``help.backup.<name>`` (``status`` is also a
    subcommand of ``key``, with a help of its own)."""

    @property
    def help(self) -> str | None:
        return messages.text(f"help.backup.{self.name}")

    @help.setter
    def help(self, value: str | None) -> None:
        del value


def remote_option(function: F) -> F:
    """``--remote URL``: the remote for this run (over SESSIONKEEPER_REMOTE and pyproject)."""
    return click.option("--remote", "remote_url", metavar="URL", cls=LocalizedOption, help="opt.remote")(
        function
    )


def configured_remote(url: str | None) -> RemoteSettings:
    """The remote of this run (``--remote``, else the environment, else pyproject), or CliError."""
    from sessionkeeper.core import resolve_remote

    settings = resolve_remote(url)
    if settings is None:
        raise CliError("backup.no_remote")
    return settings


def store_codec() -> Codec:
    """The codec the stores are written with (as the environment configures it)."""
    from sessionkeeper.core import resolve_codec

    return resolve_codec()
