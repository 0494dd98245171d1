"""The command line as people type it, made into one click parses: global options after the
subcommand, and negative numbers as values.

Click reads a group's options only before the subcommand, and takes every word that starts with
``-`` for an option. People expect what git and gh do: ``session info --lang ko`` and
``session set temp -5``. Both are handled by rewriting the arguments before click sees them, with
click's own knowledge of each command's options, so click's parsing and messages stay as they are:

* a global option (:data:`GLOBAL_OPTIONS`) written after the subcommand is moved in front of it,
  unless that command has an option of the same name (a plugin's own ``--data-dir``), and never
  from after ``--`` or from the arguments of a command that stops at its first argument
  (``session run make --lang``: ``--lang`` is make's);
* a word such as ``-5`` or ``-1.5e3`` where a command has no such option is a value: the command's
  arguments are then moved after a ``--``, in order (options keep their values).

The functions without click (:func:`global_value`, :func:`subcommand_index`) also serve the
choices made before click is imported (the language and colour of early messages).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping, Sequence

import click

__all__ = [
    "GLOBAL_OPTIONS",
    "global_value",
    "hoist_global_options",
    "is_negative_number",
    "numbers_as_values",
    "option_names",
    "subcommand_index",
]

# The group's options that may be written anywhere, and whether each takes a value.
GLOBAL_OPTIONS: Mapping[str, bool] = {"--data-dir": True, "--lang": True, "--color": True, "--json": False}


@functools.cache
def _negative_number() -> re.Pattern[str]:
    # Compiled at the first word that may be one: most command lines have none (start-up time).
    return re.compile(r"-(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def is_negative_number(word: str) -> bool:
    """``-5``, ``-1.5``, ``-.5``, ``-2e3``: a value, not an option."""
    if len(word) < 2 or word[0] != "-" or not (word[1].isdigit() or word[1] == "."):
        return False
    return _negative_number().fullmatch(word) is not None


def _is_option(word: str) -> bool:
    return word.startswith("-") and word != "-" and not is_negative_number(word)


def subcommand_index(args: Sequence[str]) -> int | None:
    """Where the subcommand's name is (after the group's own options), or None."""
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            return index + 1 if index + 1 < len(args) else None
        if not _is_option(word):
            return index
        name, equals, _ = word.partition("=")
        index += 2 if GLOBAL_OPTIONS.get(name) and not equals else 1
    return None


def global_value(args: Sequence[str], name: str, builtin: Collection[str]) -> str | None:
    """The value of the global option ``name`` wherever it is written (the last one wins), for
    choices made before click parses; after ``--``, or after the name of a subcommand that is not
    in ``builtin`` (a plugin's words are its own), nothing counts.

    A missing value is None: click reports it.
    """
    found: str | None = None
    start = subcommand_index(args)
    end = len(args)
    if start is not None and args[start] not in builtin:
        end = start
    index = 0
    while index < end:
        word = args[index]
        if word == "--":
            break
        option, equals, value = word.partition("=")
        if option == name and _is_option(word):
            if equals:
                found = value
            elif index + 1 < len(args):
                found = args[index + 1]
        index += 2 if GLOBAL_OPTIONS.get(option) and not equals and _is_option(word) else 1
    return found


def option_names(ctx: click.Context, command: click.Command) -> dict[str, bool]:
    """Every option string of ``command`` (``-o``, ``--output``, ``--no-x``) and whether it takes a value."""
    names: dict[str, bool] = {}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            takes_value = not (param.is_flag or param.count)
            for opt in (*param.opts, *param.secondary_opts):
                names[opt] = takes_value
    return names


def hoist_global_options(ctx: click.Context, group: click.Group, args: list[str]) -> list[str]:
    """``args`` of ``group`` with the global options written after the subcommand moved before it."""
    index = subcommand_index(args)
    if index is None:
        return args
    tail = args[index + 1 :]
    if not any(word.partition("=")[0] in GLOBAL_OPTIONS for word in tail):
        return args  # the usual case: nothing to look up
    command = group.get_command(ctx, args[index])
    if command is None:
        return args  # click reports the unknown command
    moved, kept = _take_global_options(ctx, command, tail)
    return [*args[:index], *moved, args[index], *kept]


def _take_global_options(
    ctx: click.Context, command: click.Command, tail: list[str]
) -> tuple[list[str], list[str]]:
    moved: list[str] = []
    kept: list[str] = []
    own = option_names(ctx, command)
    index = 0
    while index < len(tail):
        word = tail[index]
        if word == "--":
            kept.extend(tail[index:])
            break
        name, equals, _ = word.partition("=")
        if _is_option(word):
            target = moved if name in GLOBAL_OPTIONS and name not in own else kept
            takes_value = GLOBAL_OPTIONS[name] if target is moved else own.get(name, False)
            width = 2 if takes_value and not equals else 1
            if target is moved and index + width > len(tail):  # before the subcommand it would take its name
                raise click.BadOptionUsage(name, f"Option '{name}' requires an argument.", ctx=ctx)
            target.extend(tail[index : index + width])
            index += width
            continue
        kept.append(word)
        index += 1
        if isinstance(command, click.Group):  # `key status --lang ko`: the subcommand's options now
            sub = command.get_command(ctx, word)
            if sub is None:
                kept.extend(tail[index:])
                break
            command, own = sub, option_names(ctx, sub)
        elif not _interspersed(command):  # the rest are the command's words (`run make --lang`)
            kept.extend(tail[index:])
            break
    return moved, kept


def _interspersed(command: click.Command) -> bool:
    """Whether ``command`` reads options after its first argument (set on it or, as `session run`
    does, in its context settings)."""
    return bool(command.context_settings.get("allow_interspersed_args", command.allow_interspersed_args))


def numbers_as_values(args: list[str], own: Mapping[str, bool]) -> list[str]:
    """``args`` of one command, with words like ``-5`` that are not its options kept as values.

    Unchanged unless there is such a word; then options (with their values) come first and every
    argument follows a ``--`` in its original order, which click reads the same way.
    """
    end = args.index("--") if "--" in args else len(args)
    if not any(is_negative_number(word) and word not in own for word in args[:end]):
        return args
    options: list[str] = []
    values: list[str] = []
    index = 0
    while index < end:
        word = args[index]
        name, equals, _ = word.partition("=")
        if _is_option(word) or word in own:
            width = 2 if own.get(name) and not equals else 1
            options.extend(args[index : min(index + width, end)])
            index += width
        else:
            values.append(word)
            index += 1
    return [*options, "--", *values, *args[end + 1 :]]
