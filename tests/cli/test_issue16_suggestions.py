"""A missing key says where it is, or which near name exists, with the command that works as its
``hint:`` line (issue 16). Looking for suggestions changes no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkeeper.cli.commands.suggest import near_names
from tests.cli.support import Cli, digest


@pytest.fixture
def keys(cli: Cli) -> None:
    cli.start()
    cli.ok("set", "current_feature", "auth")
    cli.ok("set", "user:theme", "dark", "--scope", "user")
    cli.ok("set", "project:name", "kit", "--scope", "app")
    cli.ok("checkpoint")


def test_a_key_of_another_scope_is_pointed_to(cli: Cli, keys: None, data_dir: Path, user_dir: Path) -> None:
    before = digest(data_dir, user_dir)
    failure = cli.fails("get", "user:theme")
    assert "no key 'user:theme' in the session scope, but there is one in the user scope" in failure.err
    hint = cli.hint(failure)
    assert hint == "session get user:theme --scope user"
    assert cli.ok(*hint.split()[1:]).out == "dark\n"  # the hint works as written
    failure = cli.fails("get", "current_feature", "--scope", "app")
    assert cli.hint(failure) == "session get current_feature"
    failure = cli.fails("delete", "project:name")
    assert cli.hint(failure) == "session delete project:name --scope app"
    assert digest(data_dir, user_dir) == before


def test_a_near_name_is_suggested(cli: Cli, keys: None, data_dir: Path, user_dir: Path) -> None:
    before = digest(data_dir, user_dir)
    failure = cli.fails("get", "current_Feature")
    assert "no key 'current_Feature' in the session scope; did you mean 'current_feature'?" in failure.err
    assert cli.hint(failure) == "session get current_feature"
    failure = cli.fails("get", "curent_feature")
    assert "did you mean 'current_feature'?" in failure.err
    failure = cli.fails("get", "user:Theme", "--scope", "app")
    assert "did you mean 'user:theme' in the user scope?" in failure.err
    assert cli.hint(failure) == "session get user:theme --scope user"
    assert digest(data_dir, user_dir) == before


def test_nothing_near_is_the_plain_message(cli: Cli, keys: None) -> None:
    failure = cli.fails("get", "zzz")
    assert failure.err == "Error: no key 'zzz' in the session scope\n"
    assert cli.hint(failure) is None


def test_suggestions_in_korean(cli: Cli, keys: None) -> None:
    failure = cli.fails("--lang", "ko", "get", "user:theme")
    assert "user 범위에는 있습니다" in failure.err
    assert cli.hint(failure) == "session get user:theme --scope user"


def test_near_names_prefer_the_same_name_in_another_case() -> None:
    assert near_names("Theme", ["theme", "themes", "scheme"]) == ["theme"]
    assert near_names("them", ["theme", "other"]) == ["theme"]
    assert near_names("x", ["theme"]) == []
