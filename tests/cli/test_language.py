"""Messages in English and Korean, and output that degrades instead of crashing on odd consoles."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from sessionkeeper.cli import language, messages
from tests.cli.support import Cli


@pytest.fixture
def session_id(cli: Cli) -> str:
    session_id = cli.start()
    cli.ok("set", "greeting", "안녕하세요")
    cli.ok("set", "plain", "ascii")
    return session_id


# -- choosing the language ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "ko"}, "ko"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_MESSAGES": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LC_ALL": "C", "LANG": "ko_KR.UTF-8"}, "en"),  # LC_ALL wins, even when it says C
        ({"LC_ALL": "ko_KR.eucKR", "LANG": "C"}, "ko"),
        ({"LC_ALL": "", "LANG": "ko_KR.UTF-8"}, "ko"),  # an empty variable does not count
    ],
)
def test_language_follows_the_posix_locale_variables(environ: dict[str, str], expected: str) -> None:
    assert language.from_environment(environ) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--lang", "ko", "info"], "ko"),
        (["--lang=ko", "info"], "ko"),
        (["--data-dir", "x", "--lang", "en", "info"], "en"),
        (["info", "--lang", "ko"], "ko"),  # global options count after the subcommand too
        (["set", "k", "v", "--lang=ko"], "ko"),
        (["set", "k", "--lang"], None),
        (["set", "k", "--", "--lang", "ko"], None),  # after --, words are values
        (["run", "make", "--lang", "ko"], None),  # a plugin's words are its own
        (["--lang", "fr", "info"], None),  # left for click to reject
        (["--lang"], None),
    ],
)
def test_lang_option_is_found_before_or_after_a_builtin_subcommand(
    args: list[str], expected: str | None
) -> None:
    assert language.from_arguments(args) == expected


def test_every_message_has_a_korean_translation_with_the_same_placeholders() -> None:
    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    # Only a singular (picked by messages.singular_for) may be English alone: Korean does not
    # inflect for number, and its plain form serves a count of one.
    assert set(messages.KO) <= set(messages.EN)
    for message_id in set(messages.EN) - set(messages.KO):
        assert message_id.endswith(".one"), message_id
        assert message_id.removesuffix(".one") in messages.KO, message_id
    for message_id, korean in messages.KO.items():
        assert fields(korean) == fields(messages.EN[message_id]), message_id


# -- Korean ---------------------------------------------------------------------------------------------
def test_korean_from_lang(cli: Cli, session_id: str) -> None:
    result = cli.ok("info", env=cli.env(LANG="ko_KR.UTF-8"))
    assert f"{session_id} (현재 세션)" in result.out
    assert "마지막 체크포인트" in result.out


def test_lang_option_overrides_the_locale(cli: Cli, session_id: str) -> None:
    assert "현재 세션" in cli.ok("--lang", "ko", "info").out
    assert "(current)" in cli.ok("--lang", "en", "info", env=cli.env(LANG="ko_KR.UTF-8")).out
    assert "(current)" in cli.ok("info", env=cli.env(LANG="ko_KR.UTF-8", LC_ALL="C.UTF-8")).out


def test_korean_errors_tables_and_help(cli: Cli, session_id: str, tmp_path: Path) -> None:
    korean = cli.env(LANG="ko_KR.UTF-8")
    assert cli.fails("show", "../../etc/passwd", env=korean).err.startswith("오류: 잘못된 세션 ID")
    assert "데이터 디렉터리" in cli.fails("--data-dir", str(tmp_path / "none"), "list", env=korean).err
    assert "현재 세션" in cli.ok("list", env=korean).out
    assert "값 (2개)" in cli.ok("show", env=korean).out
    help_text = cli.ok("set", "--help", env=korean).out
    assert "사용법:" in help_text
    assert "예:" in help_text
    assert "옵션" in help_text
    assert "명령" in cli.ok("--help", env=korean).out


def test_json_is_the_same_in_every_language(cli: Cli, session_id: str) -> None:
    english = cli.ok("info", "--json").json()
    korean = cli.ok("--lang", "ko", "info", "--json").json()
    assert korean == english
    assert cli.ok("--lang", "ko", "show", "--json").out.isascii()  # non-ASCII is escaped in JSON


# -- consoles that cannot show everything ------------------------------------------------------------------
@pytest.mark.parametrize(
    "console",
    [
        {"LANG": "C", "LC_ALL": "C"},
        {"LANG": "C", "PYTHONIOENCODING": "ascii"},
        {"LANG": "ko_KR.UTF-8", "PYTHONIOENCODING": "latin-1"},
        {"LANG": "ko_KR.UTF-8", "PYTHONIOENCODING": "ascii"},
    ],
    ids=lambda env: "-".join(f"{key}={value}" for key, value in env.items()),
)
def test_korean_output_on_a_console_that_cannot_encode_it_degrades(
    cli: Cli, session_id: str, console: dict[str, str]
) -> None:
    env = cli.env(**console)
    encoding = "latin-1" if console.get("PYTHONIOENCODING") == "latin-1" else "utf-8"
    for args in (["--lang", "ko", "info"], ["--lang", "ko", "list"], ["--lang", "ko", "show"]):
        result = cli.ok(*args, env=env, encoding=encoding)
        assert session_id in result.out
        if console.get("PYTHONIOENCODING"):
            assert "?" in result.out  # Korean became replacement characters, nothing crashed
    assert cli.ok("get", "greeting", env=env, encoding=encoding).out.strip() in {"안녕하세요", "?????"}
    failure = cli.fails("--lang", "ko", "show", "../../etc/passwd", env=env, encoding=encoding)
    assert "../../etc/passwd" in failure.err
    assert cli.ok("--lang", "ko", "--help", env=env, encoding=encoding).out
