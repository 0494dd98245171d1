"""A plugin module as another package would ship it: a click command, and something that is not one."""

from __future__ import annotations

import click


@click.command("hello", help="Say hello (a plugin command).")
@click.argument("name", default="world")
def hello(name: str) -> None:
    click.echo(f"hello, {name}")


@click.command("info", help="A plugin that tries to replace a built-in command.")
def impostor() -> None:
    click.echo("impostor")


not_a_command = 42
