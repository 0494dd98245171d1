"""``session set``: VALUE from standard input or a file, negative numbers, and saying when text that
looks like JSON was stored as a string (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.support import Cli, digest


@pytest.fixture
def session_id(cli: Cli) -> str:
    return cli.start()


def stored(cli: Cli, key: str, *args: str) -> object:
    return cli.ok("get", key, "--json", *args).json()["value"]


def test_dash_reads_standard_input(cli: Cli, session_id: str) -> None:
    cli.ok("set", "commit", "-", stdin=b"fix: the parser\n")
    assert stored(cli, "commit") == "fix: the parser"  # one final newline dropped
    cli.ok("set", "counts", "-", stdin=b'{"a": [1, 2]}\n')
    assert stored(cli, "counts") == {"a": [1, 2]}  # the same rule as an argument: JSON if it parses
    cli.ok("set", "text", "-", "--string", stdin=b'{"a": 1}')
    assert stored(cli, "text") == '{"a": 1}'
    cli.ok("set", "lines", "-", stdin=b"one\r\ntwo\r\n\r\n")
    assert stored(cli, "lines") == "one\r\ntwo\r\n"  # only the last line ending


def test_at_reads_a_file_and_double_at_is_a_literal(cli: Cli, session_id: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\n- 안녕\n", encoding="utf-8")
    cli.ok("set", "notes", f"@{notes}")
    assert cli.ok("get", "notes").out == notes.read_text(encoding="utf-8")  # get prints it back whole
    cli.ok("set", "handle", "@@alice")
    assert stored(cli, "handle") == "@alice"
    cli.ok("set", "handle", "@@")
    assert stored(cli, "handle") == "@"


def test_an_unreadable_value_source_is_one_line_and_stores_nothing(
    cli: Cli, session_id: str, data_dir: Path, user_dir: Path, tmp_path: Path
) -> None:
    cli.ok("checkpoint")
    before = digest(data_dir, user_dir)
    missing = cli.fails("set", "handle", "@alice")
    assert "cannot read VALUE from the file alice: No such file or directory" in missing.err
    assert "write '@@'" in missing.err
    assert "names no file" in cli.fails("set", "k", "@").err
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9")
    assert "is not UTF-8 text" in cli.fails("set", "k", f"@{tmp_path / 'latin1.txt'}").err
    assert "is not UTF-8 text" in cli.fails("set", "k", "-", stdin=b"\xff\xfe").err
    assert "larger than" in cli.fails("set", "k", "@/dev/zero").err  # bounded, not read to the end
    assert "Is a directory" in cli.fails("set", "k", f"@{tmp_path}").err
    assert digest(data_dir, user_dir) == before


@pytest.mark.parametrize("source", ["stdin", "file"])
def test_a_three_megabyte_value(cli: Cli, session_id: str, tmp_path: Path, source: str) -> None:
    big = json.dumps({"rows": ["x" * 100] * 30_000})  # about 3 MB: too long for one argument
    assert len(big) > 3_000_000
    if source == "stdin":
        cli.ok("set", "big", "-", stdin=big.encode())
    else:
        (tmp_path / "big.json").write_text(big)
        cli.ok("set", "big", f"@{tmp_path / 'big.json'}")
    assert cli.ok("get", "big").out == big + "\n"


@pytest.mark.parametrize(
    ("typed", "value"),
    [("-5", -5), ("-1.5", -1.5), ("-2e3", -2000.0), ("-.5", "-.5")],  # not JSON: a value, kept as text
)
def test_negative_numbers_are_values(cli: Cli, session_id: str, typed: str, value: float | str) -> None:
    cli.ok("set", "temp", typed)
    assert stored(cli, "temp") == value
    cli.ok("set", "temp", typed, "--scope", "user", "--string")  # options before or after
    cli.ok("set", "--scope", "app", "temp", typed)
    assert stored(cli, "temp", "--scope", "user") == typed
    assert stored(cli, "temp", "--scope", "app") == value


def test_negative_option_values_are_still_checked(cli: Cli, session_id: str) -> None:
    assert "Usage:" in cli.fails("checkpoint", "--wait", "-1", status=2).err
    assert "No such option" in cli.fails("set", "k", "-x", status=2).err  # not a number: an option


def test_malformed_json_is_stored_as_a_string_and_said_so(cli: Cli, session_id: str) -> None:
    result = cli.ok("set", "k", '{"a":')
    assert stored(cli, "k") == '{"a":'
    assert result.err.startswith("warning: VALUE is not valid JSON (Expecting value at line 1 column 6)")
    assert "stored as a string" in result.err
    for quiet in (["hello world"], ["01"], ["{not json", "--string"], ['{"a":', "--string"]):
        assert cli.ok("set", "k", *quiet).err == ""  # plain text, or text stated as text


def test_json_value_requires_json(cli: Cli, session_id: str) -> None:
    cli.ok("set", "k", "[1, 2]", "--json-value")
    assert stored(cli, "k") == [1, 2]
    failure = cli.fails("set", "k", '{"a":', "--json-value")
    assert "VALUE is not valid JSON (Expecting value at line 1 column 6); nothing was stored" in failure.err
    assert "not valid JSON" in cli.fails("set", "k", "hello", "--json-value").err
    assert stored(cli, "k") == [1, 2]
    assert "cannot be used together" in cli.fails("set", "k", "1", "--string", "--json-value", status=2).err


def test_help_shows_the_new_forms(cli: Cli) -> None:
    text = cli.ok("set", "--help").out
    for form in (
        "session set temp -5",
        "@notes.md",
        "| session set last_commit -",
        "@@alice",
        "--json-value",
    ):
        assert form in text
