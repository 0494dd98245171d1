"""The built-in subcommands, one module per group of commands, imported only when used.

``session info`` imports :mod:`.reading` and nothing else from here; ``session --help`` imports
them all (it needs their help texts).
"""

from __future__ import annotations

import importlib

import click

__all__ = ["BUILTIN", "load"]

# command name -> "module:attribute" inside this package
BUILTIN: dict[str, str] = {
    "start": "sessions:start",
    "resume": "sessions:resume",
    "recover": "sessions:recover",
    "checkpoint": "sessions:checkpoint",
    "info": "reading:info",
    "list": "reading:list_sessions_command",
    "show": "show:show",
    "get": "values:get",
    "set": "values:set_value",
    "delete": "values:delete",
    "export": "transfer:export",
    "import": "transfer:import_command",
    "prune": "maintenance:prune",
    "history": "history:history",
    "verify": "maintenance:verify",
    "key": "keys:key",
    "backup": "backup:backup",
}


def load(name: str) -> click.Command | None:
    """The built-in command called ``name``, importing its module now; None if there is none."""
    target = BUILTIN.get(name)
    if target is None:
        return None
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    found: click.Command = getattr(module, attribute)
    return found
