"""Session ids as git takes commit ids: whole, any unique prefix, ``latest`` and ``current``, the same
for every command that takes one (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkeeper.cli.session_ids import is_id_prefix, matches
from tests.cli.support import Cli, digest

# The commands that take a SESSION_ID, with what else they need.
ID_COMMANDS = [("show", "--json"), ("export",), ("checkpoint", "--json"), ("recover", "--json")]


@pytest.fixture
def three(cli: Cli) -> list[str]:
    """Three sessions, oldest first; the last one is current."""
    return [cli.start() for _ in range(3)]


def shown_id(cli: Cli, *args: str) -> str:
    result = cli.ok(*args)
    if args[0] == "export":
        return str(result.json()["session_id"])
    return str(result.json()["session_id"])


@pytest.mark.parametrize("command", ID_COMMANDS, ids=lambda args: args[0])
def test_every_form_names_the_same_session(cli: Cli, three: list[str], command: tuple[str, ...]) -> None:
    target = three[0]
    random_part = target.rsplit("_", 1)[1]
    name, *rest = command
    for form in (target, random_part, random_part[:4], random_part.upper(), target[:-2]):
        assert shown_id(cli, name, form, *rest) == target, form


@pytest.mark.parametrize("command", ID_COMMANDS, ids=lambda args: args[0])
def test_latest_and_current(cli: Cli, three: list[str], command: tuple[str, ...]) -> None:
    name, *rest = command
    cli.ok("recover", three[1])  # now the current session is not the latest one
    assert shown_id(cli, name, "current", *rest) == three[1]
    assert shown_id(cli, name, "latest", *rest) == three[2]


def test_an_ambiguous_prefix_lists_the_candidates(
    cli: Cli, three: list[str], data_dir: Path, user_dir: Path
) -> None:
    before = digest(data_dir, user_dir)
    common = "session_"  # the start every id shares
    for command in ("show", "recover", "export", "checkpoint"):
        failure = cli.fails(command, common)
        assert f"'{common}' matches 3 sessions: {', '.join(three)}; give more of the id" in failure.err
        assert cli.hint(failure) == "session list"
    assert digest(data_dir, user_dir) == before


def test_a_prefix_that_matches_nothing_or_too_little(cli: Cli, three: list[str], data_dir: Path) -> None:
    unused = next(d for d in "0123456789abcdef" if not any(i.rsplit("_", 1)[1].startswith(d) for i in three))
    failure = cli.fails("show", unused * 4)
    assert f"no session in {data_dir} matches '{unused * 4}'" in failure.err
    assert cli.hint(failure) == "session list"
    assert "too short" in cli.fails("show", three[0][-3:]).err
    assert "no session in" in cli.fails("show", "session_1999").err


def test_latest_without_sessions(cli: Cli, data_dir: Path) -> None:
    data_dir.mkdir()
    failure = cli.fails("show", "latest")
    assert f"no sessions in {data_dir}" in failure.err
    assert cli.hint(failure) == "session start"


def test_ids_complete_from_a_prefix_of_the_random_part(cli: Cli, three: list[str]) -> None:
    def complete(words: str, index: int) -> list[str]:
        env = cli.env(_SESSION_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD=str(index))
        return [line.split(",", 1)[1] for line in cli.ok(env=env).out.splitlines()]

    random_part = three[1].rsplit("_", 1)[1]
    assert complete(f"session show {random_part[:5]}", 2) == [three[1]]
    assert complete("session show lat", 2) == ["latest"]


def test_prefix_matching_rules() -> None:
    ids = [
        "session_20261125_001423_75b26fb7",
        "session_20261125_001424_75b2aaaa",
        "session_20261126_090000_0123abcd",
    ]
    assert matches("75b2", ids) == ids[:2]
    assert matches("75b26", ids) == ids[:1]
    assert matches("0123", ids) == ids[2:]
    assert matches("2026", ids) == []  # hex digits name the random part, not the date
    assert matches("session_20261125", ids) == ids[:2]
    assert is_id_prefix("session_2026")
    assert is_id_prefix("s")
    assert not is_id_prefix("")
    assert not is_id_prefix("session_2026x")
    assert not is_id_prefix("../../etc/passwd")


def test_help_shows_the_short_forms(cli: Cli) -> None:
    assert "session export 75b2 -o backup.json" in cli.ok("export", "--help").out
    assert "'latest' or 'current'" in cli.ok("--help").out
