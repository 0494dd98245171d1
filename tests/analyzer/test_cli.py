"""``session-analyze``: formats, outputs, quiet, languages, exit statuses, never a traceback."""

from __future__ import annotations

import importlib.metadata
import io
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson
import pytest

from sessionkeeper.analyzer.cli import format_for, main
from sessionkeeper.analyzer.progress import Progress
from sessionkeeper.core import CommandExecuted, Event, TaskCompleted, TaskStarted
from tests.analyzer.conftest import utc

Record = Callable[[Sequence[Event]], str]
NOW = ["--now", "2025-10-22T12:00:00+00:00", "--tz", "UTC"]
SCRIPT = Path(sys.executable).with_name("session-analyze")


@pytest.fixture
def sessions(record: Record, data_dir: Path) -> Path:
    record(
        [
            TaskStarted(task_id="FIX-DB", at=utc(2025, 10, 20, 9, 0, 0)),
            CommandExecuted(command="pytest", exit_code=1, at=utc(2025, 10, 20, 9, 0, 5)),
            TaskCompleted(task_id="FIX-DB", success=False, error="boom", at=utc(2025, 10, 20, 9, 0, 30)),
        ]
    )
    return data_dir


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_text_report_on_stdout_by_default(sessions: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(NOW, capsys)  # data dir from SESSIONKEEPER_DATA_DIR (the test's RUNS)
    assert (code, err) == (0, "")
    assert out.startswith("Session report\n")
    assert "Total tasks: 1\n" in out


def test_quiet_output_json_prints_nothing_and_writes_the_report(
    sessions: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "report.json"
    code, out, err = run(["--quiet", "--output", str(target), *NOW], capsys)
    assert (code, out, err) == (0, "", "")
    report = orjson.loads(target.read_bytes())
    assert report["stats"]["total_tasks"] == 1
    assert report["stats"]["failed"] == 1


def test_format_follows_the_suffix_unless_given(
    sessions: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["-o", str(tmp_path / "r.html"), *NOW], capsys)
    run(["-o", str(tmp_path / "r.HTM"), *NOW], capsys)
    run(["-o", str(tmp_path / "r.txt"), "--format", "json", *NOW], capsys)
    run(["-o", str(tmp_path / "r.log"), *NOW], capsys)
    run(["-o", str(tmp_path / "r"), *NOW], capsys)
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "r.HTM").read_text().startswith("<!DOCTYPE html>")
    assert orjson.loads((tmp_path / "r.txt").read_bytes())["stats"]["total_tasks"] == 1
    assert (tmp_path / "r.log").read_text().startswith("Session report")
    assert (tmp_path / "r").read_text().startswith("Session report")  # no suffix: text
    assert format_for(None, None) == "text"
    code, out, _ = run(["--format", "json", *NOW], capsys)
    assert code == 0
    assert orjson.loads(out)["period"]["timezone"] == "UTC"


def test_language_from_the_option_or_the_locale(
    sessions: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["--lang", "ko", *NOW], capsys)[1].startswith("세션 분석 보고서\n")
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert "[실행 통계]" in run(NOW, capsys)[1]
    assert "[Execution statistics]" in run(["--lang", "en", *NOW], capsys)[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["--tz", "../../etc/passwd"], "unknown time zone"),
        (["--data-dir", "/nonexistent/sessionkeeper"], "does not exist"),
        (
            ["--output", "/nonexistent/dir/report.json"],
            "cannot write the report to /nonexistent/dir/report.json",
        ),
    ],
)
def test_user_errors_exit_1_with_one_line(
    sessions: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run([*NOW, *args], capsys)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("Error: ")  # as the `session` command writes its errors
    assert message in err


def test_a_sessions_folder_that_cannot_be_listed_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "sessions").write_text("not a folder")
    code, _, err = run(["--data-dir", str(data), *NOW], capsys)
    assert code == 1
    assert err.startswith("Error: cannot list the sessions in ")


def test_an_unusable_key_setting_is_a_user_error(
    sessions: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONKEEPER_KEY", "not base64!")
    code, out, err = run(NOW, capsys)
    assert (code, out) == (1, "")
    assert err == "Error: SESSIONKEEPER_KEY is not base64\n"


def test_an_output_path_that_is_a_directory_is_a_user_error(
    sessions: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["--output", str(tmp_path), *NOW], capsys)
    assert code == 1
    assert "cannot write the report to" in err


@pytest.mark.parametrize(
    "args",
    [
        ["--days", "0"],
        ["--days", "x"],
        ["--format", "xml"],
        ["--lang", "fr"],
        ["--bogus"],
        ["extra"],
        ["--since", "last tuesday"],
        ["--since", "2999-01-01"],
        ["--until", "soon"],
    ],
)
def test_usage_errors_exit_2(sessions: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = run([*NOW, *args], capsys)
    assert code == 2
    assert out == ""
    assert "\nError: " in err
    assert "Traceback" not in err


def test_an_internal_error_is_one_line_too(
    sessions: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sessionkeeper.analyzer import cli

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "analyze", broken)
    code, _, err = run(NOW, capsys)
    assert code == 1
    assert err == "Error: internal error: RuntimeError: a bug (SESSION_ANALYZE_DEBUG=1 shows more)\n"


def test_the_installed_command_never_shows_a_traceback(sessions: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}  # and a console that cannot show Korean
    bad = subprocess.run(
        [SCRIPT, "--tz", "Nope/Zone"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("Error: unknown time zone")
    assert "Traceback" not in bad.stderr
    good = subprocess.run(
        [SCRIPT, "--lang", "ko", *NOW], env=env, capture_output=True, timeout=60, check=False
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith(b"?")  # Korean replaced on an ASCII console, never a crash
    assert b"FIX-DB" in good.stdout


def test_progress_bar_only_on_a_terminal_after_a_delay() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet_pipe = io.StringIO()
    bar = Progress(quiet_pipe, label="analysing", delay=0)
    bar.start(10)
    bar.advance(5)
    bar.close()
    assert quiet_pipe.getvalue() == ""  # not a terminal: nothing

    terminal = Terminal()
    bar = Progress(terminal, label="analysing", delay=0)
    bar.start(10)
    bar.advance(5)
    assert "analysing [###############...............] 5/10" in terminal.getvalue()
    bar.close()
    assert terminal.getvalue().endswith("\r")  # erased, so the report starts on a clean line

    slow = Terminal()
    bar = Progress(slow, label="analysing", delay=60)  # a short run never shows it
    bar.start(10)
    bar.advance(10)
    bar.close()
    assert slow.getvalue() == ""

    disabled = Terminal()
    bar = Progress(disabled, enabled=False, delay=0)  # --quiet
    bar.start(3)
    bar.advance(3)
    assert disabled.getvalue() == ""


# -- the installed command (issue 16): subprocess runs ---------------------------------------------
def cli(*args: str | Path, lang: str = "C.UTF-8") -> subprocess.CompletedProcess[str]:
    """``session-analyze`` as a user runs it, at a fixed time, with the locale ``lang``."""
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    env["LANG"] = lang
    return subprocess.run(
        [SCRIPT, *NOW, *map(str, args)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_version_names_the_command_and_the_installed_release() -> None:
    result = subprocess.run([SCRIPT, "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"session-analyze {importlib.metadata.version('session-analyzer')}\n"


def test_help_shows_the_new_options() -> None:
    result = subprocess.run([SCRIPT, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    for option in ("--until DATE", "--json", "--export [parquet|csv|jsonl]", "--version", "--output"):
        assert option in result.stdout, option


def test_json_is_the_json_report(sessions: Path) -> None:
    short, long = cli("--json"), cli("--format", "json")
    assert (short.returncode, short.stderr) == (0, "")
    report = orjson.loads(short.stdout)
    assert orjson.loads(long.stdout) == report
    assert report["stats"]["total_tasks"] == 1
    assert cli("--json", "--format", "json").returncode == 0  # saying it twice is no conflict


def test_until_ends_the_period_and_with_since_gives_an_explicit_range(record: Record) -> None:
    for day in (18, 19, 20, 21):
        record([TaskCompleted(task_id=f"T{day}", success=True, at=utc(2025, 10, day, 12))])

    def period_and_tasks(*args: str) -> tuple[dict[str, object], list[str]]:
        result = cli("--json", *args)
        assert result.returncode == 0, result.stderr
        report = orjson.loads(result.stdout)
        return report["period"], sorted(t["task_id"] for t in report["tasks"]["most_run"])

    period, tasks = period_and_tasks("--since", "2025-10-19", "--until", "2025-10-20")
    assert period == {
        "days": 2,
        "since": "2025-10-19T00:00:00+00:00",
        "until": "2025-10-20T23:59:59+00:00",  # the end of that local day
        "timezone": "UTC",
    }
    assert tasks == ["T19", "T20"]
    period, tasks = period_and_tasks("--until", "2025-10-19", "--days", "2")  # N days ending on --until
    assert (period["since"], tasks) == ("2025-10-18T00:00:00+00:00", ["T18", "T19"])
    _, tasks = period_and_tasks("--since", "2025-10-18", "--until", "2025-10-21T11:00")  # a time, too
    assert tasks == ["T18", "T19", "T20"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2025-10-01", "--days", "3"], "--since and --days both set the start of the period"),
        (["--json", "--format", "html"], "--json and --format html ask for different formats"),
        (["--since", "last tuesday"], "--since 'last tuesday' is not a date"),
        (["--until", "2025-13-45"], "--until '2025-13-45' is not a date"),
        (
            ["--since", "2025-10-21", "--until", "2025-10-20"],
            "--since 2025-10-21T00:00:00+00:00 is after the end of the period (2025-10-20T23:59:59+00:00)",
        ),
        (["-o", "report.pdf"], "cannot tell the report format from 'report.pdf'"),
    ],
)
def test_conflicting_options_and_bad_dates_are_usage_errors(
    sessions: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = subprocess.run(
        [SCRIPT, *NOW, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("Usage: session-analyze [OPTIONS]\n")
    assert f"\nError: {message}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "report.pdf").exists()  # refused, not written as text


def test_writing_a_report_to_a_file_says_what_was_written_and_where(sessions: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = cli("-o", target)
    assert (result.returncode, result.stdout) == (0, "")
    size = target.stat().st_size
    assert result.stderr == f"Wrote the HTML report to {target} ({size / 1024:.1f} KiB)\n"
    json_target = tmp_path / "r.json"
    result = cli("--output", json_target, lang="ko_KR.UTF-8")
    assert (
        result.stderr
        == f"JSON 보고서를 {json_target}에 썼습니다 ({json_target.stat().st_size / 1024:.1f} KiB)\n"
    )
    assert cli("-q", "-o", target).stderr == ""
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_errors_read_as_the_session_command_writes_them(sessions: Path) -> None:
    english = cli("--tz", "Mars/Olympus")
    assert (english.returncode, english.stdout) == (1, "")
    assert english.stderr == (
        "Error: unknown time zone 'Mars/Olympus': use an IANA name such as 'Asia/Seoul' or 'UTC'\n"
    )
    korean = cli("--tz", "Mars/Olympus", lang="ko_KR.UTF-8")
    assert korean.stderr.startswith("오류: unknown time zone 'Mars/Olympus'")
    assert cli("--lang", "ko", "--data-dir", "/nonexistent").stderr.startswith("오류: data directory")
