"""How values typed on the command line are read, and how stored values are shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from sessionkeeper.cli.commands.values import parse_value
from sessionkeeper.cli.render import format_size, format_value, jsonable
from tests.cli.models import Point


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("3", 3),
        ("-1.5", -1.5),
        ("true", True),
        ("null", None),
        ('"3"', "3"),
        ("[1, 2]", [1, 2]),
        ('{"a": {"b": []}}', {"a": {"b": []}}),
        ("hello", "hello"),
        ("hello world", "hello world"),
        ("", ""),
        ("NaN", "NaN"),
        ("-Infinity", "-Infinity"),
        ("{broken", "{broken"),
        ("안녕", "안녕"),
    ],
)
def test_value_is_json_when_it_parses_else_text(typed: str, value: Any) -> None:
    assert parse_value(typed) == value
    assert type(parse_value(typed)) is type(value)


def test_stored_types_become_plain_json() -> None:
    stored = {
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "day": date(2026, 1, 2),
        "at": time(3, 4),
        "id": UUID(int=1),
        "price": Decimal("1.10"),
        "where": Path("/tmp/x"),
        "tags": {"b", "a"},
        "frozen": frozenset({2, 1}),
        "pair": (1, "x"),
        "mixed": {1, "a"},
        "by_number": {1: "one"},
        "inf": float("inf"),
        "point": Point(1, 2),
    }
    shown = jsonable(stored)
    assert shown["when"] == "2026-01-02T03:04:05+00:00"
    assert shown["day"] == "2026-01-02"
    assert shown["at"] == "03:04:00"
    assert shown["id"] == "00000000-0000-0000-0000-000000000001"
    assert shown["price"] == "1.10"
    assert shown["where"] == "/tmp/x"
    assert shown["tags"] == ["a", "b"]
    assert shown["frozen"] == [1, 2]
    assert shown["pair"] == [1, "x"]
    assert sorted(map(str, shown["mixed"])) == ["1", "a"]
    assert shown["by_number"] == {"1": "one"}
    assert shown["inf"] == "inf"
    assert shown["point"] == {"x": 1, "y": 2}


def test_values_for_people() -> None:
    assert format_value("plain text") == "plain text"
    assert format_value({"a": [1, "é"]}) == '{"a": [1, "é"]}'
    assert format_value("x" * 100, limit=10) == "xxxxxxx..."
    assert format_size(512) == "512 B"
    assert format_size(1536) == "1.5 KiB"
    assert format_size(3 * 1024**3) == "3.0 GiB"
