"""Subcommands from other packages (entry-point group ``sessionkeeper.cli``), loaded lazily and safely.

Nothing is installed into the environment for this: the loader is given entry points made here,
pointing at modules in this folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint

import click
import pytest

from sessionkeeper.cli import app, messages, plugins
from sessionkeeper.cli.plugins import ENTRY_POINT_GROUP, load_plugin


def entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


HELLO = entry("hello", "tests.cli.plugin_sample:hello")
BROKEN = entry("broken", "tests.cli.plugin_broken:command")
MISSING = entry("missing", "tests.cli.no_such_module:command")
NOT_A_COMMAND = entry("number", "tests.cli.plugin_sample:not_a_command")
IMPOSTOR = entry("info", "tests.cli.plugin_sample:impostor")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    messages.use("en")
    plugins.plugin_command.cache_clear()
    yield
    plugins.plugin_command.cache_clear()


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend these entry points are what the installed packages declare."""
    found = {e.name: e for e in (HELLO, BROKEN, MISSING, NOT_A_COMMAND, IMPOSTOR)}
    monkeypatch.setattr(plugins, "discover", lambda: found)


def test_load_plugin_returns_the_click_command(capsys: pytest.CaptureFixture[str]) -> None:
    command = load_plugin(HELLO)
    assert isinstance(command, click.Command)
    assert command.name == "hello"
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (BROKEN, "RuntimeError: this plugin is broken on purpose"),
        (MISSING, "ModuleNotFoundError"),
        (NOT_A_COMMAND, "is a int, not a click command"),
    ],
    ids=["raises-on-import", "missing-module", "not-a-command"],
)
def test_a_broken_plugin_costs_one_warning_line(
    capsys: pytest.CaptureFixture[str], broken: EntryPoint, reason: str
) -> None:
    assert load_plugin(broken) is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"warning: plugin command '{broken.name}' ({broken.value})")
    assert reason in err


def test_the_group_runs_a_plugin_command_by_name(installed: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert app.run(["hello", "plugins"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "hello, plugins\n"
    assert captured.err == ""  # the broken ones were never imported


def test_help_lists_working_plugins_and_warns_about_broken_ones(
    installed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app.run(["--help"]) == 0
    captured = capsys.readouterr()
    assert "hello" in captured.out
    assert "Say hello" in captured.out
    assert "broken" not in captured.out
    assert "number" not in captured.out
    warnings = captured.err.splitlines()
    assert len(warnings) == 3
    assert all(line.startswith("warning: plugin command") for line in warnings)


def test_a_broken_plugin_asked_for_by_name_is_an_unknown_command(
    installed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app.run(["broken"]) == 2
    err = capsys.readouterr().err
    assert "warning: plugin command 'broken'" in err
    assert "No such command 'broken'" in err


def test_a_plugin_cannot_replace_a_built_in_command(
    installed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app.run(["info", "--help"]) == 0
    assert "Describe the current session" in capsys.readouterr().out


def test_built_in_commands_never_discover_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> dict[str, EntryPoint]:
        raise AssertionError("entry points were scanned for a built-in command")

    monkeypatch.setattr(plugins, "discover", fail)
    assert app.run(["info", "--help"]) == 0


def test_discovery_reads_the_real_entry_point_group() -> None:
    plugins.discover.cache_clear()
    found = plugins.discover()
    assert all(entry.group == ENTRY_POINT_GROUP for entry in found.values())
