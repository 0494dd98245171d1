"""Subcommands contributed by other installed packages.

A package adds ``session <name>`` by declaring an entry point in the group ``sessionkeeper.cli``
whose object is a :class:`click.Command` (session-hooks adds ``session run`` this way)::

    [project.entry-points."sessionkeeper.cli"]
    run = "sessionkeeper.hooks.cli:run"

The CLI never imports such a package by name. Entry points are discovered only when a name that is
not built in is asked for, or when the command list is shown (``--help``, shell completion), and
a plugin's module is imported only then. A plugin that fails to load costs one warning line on
stderr and is left out; the rest of the CLI works as before.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import click

from . import console, messages

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = ["ENTRY_POINT_GROUP", "discover", "load_plugin", "plugin_command"]

ENTRY_POINT_GROUP = "sessionkeeper.cli"


@functools.cache
def discover() -> dict[str, EntryPoint]:
    """The installed plugin entry points, by command name (the first one wins on a clash)."""
    from importlib.metadata import entry_points  # ~10 ms: only when a plugin may be needed

    found: dict[str, EntryPoint] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry.name, entry)
    return found


def load_plugin(entry: EntryPoint) -> click.Command | None:
    """Import the command an entry point names; None (and one warning on stderr) if it cannot be used."""
    try:
        loaded = entry.load()
    except Exception as exc:  # any failure of someone else's code must not break the CLI
        console.warn(
            messages.text(
                "plugin.broken",
                name=entry.name,
                target=entry.value,
                reason=f"{type(exc).__name__}: {exc}",
            )
        )
        return None
    if not isinstance(loaded, click.Command):
        console.warn(
            messages.text(
                "plugin.not_command", name=entry.name, target=entry.value, kind=type(loaded).__name__
            )
        )
        return None
    return loaded


@functools.cache
def plugin_command(name: str) -> click.Command | None:
    """The plugin command called ``name``, loaded once per run; None if there is none or it is broken."""
    entry = discover().get(name)
    return None if entry is None else load_plugin(entry)
