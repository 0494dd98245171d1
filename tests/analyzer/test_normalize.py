"""Error messages fold what changes between occurrences and keep ordinary words."""

from __future__ import annotations

import pytest

from sessionkeeper.analyzer import normalize_error, program_name
from sessionkeeper.analyzer.normalize import MAX_MESSAGE


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("File not found: /home/u/proj/a.py line 12", "File not found: <path> line <n>"),
        ("File not found: src/main.py", "File not found: <path>"),
        ("read tests/fixtures/data/x.json failed", "read <path> failed"),
        ("error in ./build.sh and ~/x/y", "error in <path> and <path>"),
        (r"C:\Users\me\x.txt missing", "<path> missing"),
        ("https://example.com/api/v1/x?id=3 returned 503", "<url> returned <n>"),
        ("at 2025-10-26T14:39:32.123+00:00 and 2025-10-27", "at <time> and <time>"),
        ("timeout after 30s at 14:39:58", "timeout after <n>s at <time>"),
        ("on 10/26/2025", "on <time>"),
        ("session session_20251026_233932_3a8f9571 locked by pid 4242", "session <id> locked by pid <n>"),
        ("uuid 123e4567-e89b-12d3-a456-426614174000", "uuid <id>"),
        ("object at 0x7ffe12 and commit 3a8f9571c0", "object at <id> and commit <id>"),
        ("task FIX-DB-12 failed: exit code 2", "task FIX-DB-<n> failed: exit code <n>"),
        ("KeyError: user_42", "KeyError: user_<n>"),
        ("ratio -0.5, 1,000 items, host 10.0.0.1", "ratio <n>, <n> items, host <n>"),
        ("  many   spaces\n\tand lines  ", "many spaces and lines"),
    ],
)
def test_changing_parts_are_folded(message: str, expected: str) -> None:
    assert normalize_error(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "I/O error",
        "TCP/IP stack and/or the other",
        "utf-8 decode failed",
        "sha-1 mismatch on x86_64 with utf8 and sha256",
        "v2 api and test_1",
        "Connection timeout: Server not responding",
        "Syntax error: Unexpected token",
        "연결 시간 초과: 서버가 응답하지 않음",
    ],
)
def test_ordinary_words_are_left_alone(message: str) -> None:
    assert normalize_error(message) == message


def test_two_occurrences_of_one_error_fold_to_one_message() -> None:
    first = normalize_error("DB locked at /var/db/app.sqlite (pid 4242) at 2025-10-20T09:00:00Z")
    second = normalize_error("DB locked at /var/db/other.sqlite (pid 99) at 2025-10-21T10:11:12Z")
    assert first == second == "DB locked at <path> (pid <n>) at <time>"


def test_long_messages_are_cut() -> None:
    assert len(normalize_error("word " * 1000)) == MAX_MESSAGE


@pytest.mark.parametrize(
    ("command", "program"),
    [
        ("pytest tests/", "pytest"),
        ("FOO=1 BAR=x /usr/bin/python -m x", "python"),
        ('"./run.sh" a', "run.sh"),
        ("   ", "?"),
        ("", "?"),
    ],
)
def test_program_of_a_command(command: str, program: str) -> None:
    assert program_name(command) == program
