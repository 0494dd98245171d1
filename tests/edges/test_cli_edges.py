"""The `session` command on values JSON cannot hold and on hostile import files (issue 12,
defects 5, 6 and 13): one clear line and a non-zero status, never a traceback, nothing stored."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.support import Cli


@pytest.mark.parametrize("value", ["1e999", "-1e999", "[1, 2e400]", '{"a": 1e309}'])
def test_set_refuses_numbers_json_cannot_hold(cli: Cli, value: str) -> None:
    cli.start()
    result = cli.fails("set", "--", "big", value)  # `--`: negative numbers are issue 16
    assert "finite" in result.err
    assert cli.run("get", "big").status != 0  # nothing was stored
    assert cli.ok("set", "--string", "--", "big", value).status == 0  # as text, on purpose


def test_set_refuses_a_value_nested_too_deeply(cli: Cli) -> None:
    cli.start()
    for depth in (300, 1000, 5000):
        result = cli.fails("set", "deep", "[" * depth + "]" * depth)
        assert "nested" in result.err or "deep" in result.err


def test_import_of_a_device_a_fifo_or_a_huge_file_is_one_clear_line(cli: Cli, tmp_path: Path) -> None:
    cli.fails("import", "/dev/zero")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cli.fails("import", str(fifo), timeout=20)
    big = tmp_path / "big.json"
    with big.open("wb") as out:
        out.truncate(3 << 30)
    result = cli.fails("import", str(big))
    assert "limit" in result.err
    deep = tmp_path / "deep.json"
    deep.write_text(
        '{"session_id": "x", "started_at": "2026-01-01T00:00:00", "scope_data": {"session": '
        '{"d": ' + "[" * 300 + "]" * 300 + "}}}"
    )
    cli.fails("import", str(deep))
