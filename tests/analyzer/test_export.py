"""``session-analyze --export parquet|csv|jsonl``: every event of the period, one row each.

Every test runs the installed command in a child process and reads what it wrote back with the
library a user would (pyarrow, the csv module, orjson; DuckDB when it is installed).
"""

from __future__ import annotations

import csv
import io
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from sessionkeeper.analyzer.export import COLUMNS
from sessionkeeper.core import (
    CommandExecuted,
    Event,
    SessionManager,
    TaskCompleted,
    TaskStarted,
    sessions_dir,
)
from tests.analyzer.conftest import utc

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

Record = Callable[[Sequence[Event]], str]
SCRIPT = Path(sys.executable).with_name("session-analyze")
NOW = ["--now", "2025-10-22T12:00:00+00:00", "--tz", "UTC"]
ERROR = 'boom, "quoted"\nsecond line'  # a comma, quotes and a line break: CSV must quote it
BIG_SESSIONS, BIG_EVENTS = 10, 7_000  # 70,000 events: more than one Parquet row group (65,536)


def analyze(*args: str | Path, **options: Any) -> subprocess.CompletedProcess[bytes]:
    """The installed command, in English whatever the machine's locale."""
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "C.UTF-8"
    return subprocess.run(
        [SCRIPT, *NOW, *map(str, args)], env=env, capture_output=True, timeout=120, check=False, **options
    )


def iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


@pytest.fixture
def recorded(record: Record) -> list[str]:
    """Two sessions; one event before the period (30 days to 2025-10-22), the rest inside."""
    first = record(
        [
            TaskStarted(task_id="OLD", at=utc(2025, 9, 1, 9)),  # before the period: never written
            TaskStarted(task_id="FIX-DB", at=utc(2025, 10, 20, 9, 0, 0)),
            CommandExecuted(command="pytest -q", exit_code=1, duration=2.5, at=utc(2025, 10, 20, 9, 0, 5)),
            TaskCompleted(
                task_id="FIX-DB", success=False, duration=30.25, error=ERROR, at=utc(2025, 10, 20, 9, 0, 30)
            ),
        ]
    )
    second = record(
        [
            CommandExecuted(command="make", exit_code=0, at=utc(2025, 10, 21, 8)),
            TaskCompleted(task_id="BUILD", success=True, at=utc(2025, 10, 21, 8, 0, 1)),
        ]
    )
    return [first, second]


HOST = platform.node()


def expected_rows(first: str, second: str) -> list[dict[str, Any]]:
    """The rows of :func:`recorded`, with ``at`` as an aware UTC datetime: session by session in
    the order of their ids (two sessions of one second sort by their random part), each in log order;
    ``host`` is this machine's name, which every session file carries."""
    rows = [  # session_id, host, kind, at, task_id, command, exit_code, success, duration, error
        (first, HOST, "task_started", utc(2025, 10, 20, 9), "FIX-DB", None, None, None, None, None),
        (first, HOST, "command", utc(2025, 10, 20, 9, 0, 5), None, "pytest -q", 1, False, None, None),
        (
            first,
            HOST,
            "task_completed",
            utc(2025, 10, 20, 9, 0, 30),
            "FIX-DB",
            None,
            None,
            False,
            30.25,
            ERROR,
        ),
        (second, HOST, "command", utc(2025, 10, 21, 8), None, "make", 0, True, None, None),
        (second, HOST, "task_completed", utc(2025, 10, 21, 8, 0, 1), "BUILD", None, None, True, None, None),
    ]
    # sorted() is stable: log order stays within a session
    return [dict(zip(COLUMNS, row, strict=True)) for row in sorted(rows, key=lambda row: row[0])]


def as_text(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON Lines holds it: ``at`` in ISO 8601."""
    return {**row, "at": iso(row["at"])}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def as_csv(row: dict[str, Any]) -> dict[str, str]:
    """A row as the CSV holds it: every field text, null empty, booleans true/false."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return iso(value) if isinstance(value, datetime) else str(value)

    return {name: cell(row[name]) for name in COLUMNS}


# -- what is written ---------------------------------------------------------------------------------
def test_parquet_holds_every_event_of_the_period_with_typed_columns(
    recorded: list[str], tmp_path: Path
) -> None:
    target = tmp_path / "events.parquet"
    result = analyze("--export", "parquet", "--output", target)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert result.stderr.decode() == f"Exported 5 events from 2 sessions to {target} (Parquet)\n"
    table = pq.read_table(target)
    assert table.schema.names == list(COLUMNS)
    assert table.schema.field("at").type == pa.timestamp("us", tz="UTC")
    assert [str(table.schema.field(name).type) for name in COLUMNS] == [
        "string", "string", "string", "timestamp[us, tz=UTC]", "string", "string", "int64", "bool",
        "double", "string",
    ]  # fmt: skip
    rows = table.to_pylist()
    for row in rows:  # pyarrow gives its own UTC tzinfo: compare instants
        row["at"] = row["at"].astimezone(UTC)
    assert rows == expected_rows(*recorded)
    umask = os.umask(0o022)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # as any new file, not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["events.parquet"]  # no temporary file


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_csv_and_json_lines_hold_the_same_rows_as_text(recorded: list[str], tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"events.{fmt}"
    result = analyze("--export", fmt, "-o", target, "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    data = target.read_bytes()
    if fmt == "csv":
        assert data.startswith(b"session_id,host,kind,at,task_id,command,exit_code,success,duration,error\n")
        assert csv_rows(data) == [as_csv(row) for row in expected_rows(*recorded)]
    else:
        lines = data.splitlines()
        assert [list(orjson.loads(line)) for line in lines] == [list(COLUMNS)] * 5  # every key, in order
        assert [orjson.loads(line) for line in lines] == [as_text(row) for row in expected_rows(*recorded)]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_without_output_csv_and_json_lines_go_to_stdout(recorded: list[str], fmt: str) -> None:
    result = analyze("--export", fmt)
    assert (result.returncode, result.stderr) == (0, b"")
    expected = expected_rows(*recorded)
    if fmt == "csv":
        assert csv_rows(result.stdout) == [as_csv(row) for row in expected]
    else:
        assert [orjson.loads(line) for line in result.stdout.splitlines()] == [as_text(r) for r in expected]


def test_only_events_inside_the_period_are_written(recorded: list[str]) -> None:
    def kinds(*period: str) -> list[tuple[str, str]]:
        result = analyze("--export", "jsonl", *period)
        assert result.returncode == 0, result.stderr
        return [(row["kind"], row["at"][:19]) for row in map(orjson.loads, result.stdout.splitlines())]

    assert kinds("--days", "2") == [
        ("command", "2025-10-21T08:00:00"),
        ("task_completed", "2025-10-21T08:00:01"),
    ]
    assert kinds("--since", "2025-10-20T09:00:05", "--until", "2025-10-20") == [
        ("command", "2025-10-20T09:00:05"),
        ("task_completed", "2025-10-20T09:00:30"),
    ]
    assert kinds("--since", "2025-09-01", "--until", "2025-09-01") == [
        ("task_started", "2025-09-01T09:00:00")
    ]
    assert kinds("--since", "2025-08-01", "--until", "2025-08-31") == []


def test_the_export_holds_the_events_the_report_counts_in_the_old_tools_files(legacy_dir: Path) -> None:
    """21 files, 7 of them copies (see test_legacy's hand count): each event exported once."""
    period: list[str | Path] = ["--since", "2025-10-20", "--until", "2025-10-27", "--data-dir", legacy_dir]
    exported = analyze("--export", "jsonl", *period)
    assert exported.returncode == 0, exported.stderr
    rows = [orjson.loads(line) for line in exported.stdout.splitlines()]
    report = orjson.loads(analyze("--json", *period).stdout)
    completed = [row for row in rows if row["kind"] == "task_completed"]
    commands = [row for row in rows if row["kind"] == "command"]
    assert len(completed) == report["stats"]["total_tasks"] == 16
    assert sum(row["success"] for row in completed) == report["stats"]["succeeded"] == 12
    assert len(commands) == report["stats"]["commands_run"] == 34
    assert sum(row["exit_code"] != 0 for row in commands) == report["stats"]["commands_failed"] == 11
    assert sum(row["duration"] or 0 for row in completed) == pytest.approx(154.99059283998794)
    assert len({row["session_id"] for row in rows}) == report["sessions_analyzed"] == 8


def test_a_copy_of_a_session_is_exported_once(record: Record, data_dir: Path, tmp_path: Path) -> None:
    session_id = record([TaskCompleted(task_id="A", success=True, at=utc(2025, 10, 20, 9))])
    folder = sessions_dir(data_dir)
    (folder / "session_20251020_090000_0000beef.json").write_bytes(
        (folder / f"{session_id}.json").read_bytes()
    )
    target = tmp_path / "events.jsonl"
    result = analyze("--export", "jsonl", "-o", target)
    assert result.returncode == 0, result.stderr
    assert [orjson.loads(line)["session_id"] for line in target.read_bytes().splitlines()] == [session_id]
    assert result.stderr.decode().endswith("(JSON Lines); 1 file left out (the report lists it)\n")


def test_an_empty_data_directory_gives_files_with_no_rows(data_dir: Path, tmp_path: Path) -> None:
    data_dir.mkdir()
    for fmt in ("parquet", "csv", "jsonl"):
        result = analyze("--export", fmt, "-o", tmp_path / f"empty.{fmt}")
        assert result.returncode == 0, result.stderr
        assert "Exported 0 events from 0 sessions" in result.stderr.decode()
    table = pq.read_table(tmp_path / "empty.parquet")
    assert (table.num_rows, table.schema.names) == (0, list(COLUMNS))
    assert (tmp_path / "empty.csv").read_text() == ",".join(COLUMNS) + "\n"
    assert (tmp_path / "empty.jsonl").read_bytes() == b""


def test_duckdb_reads_every_format(recorded: list[str], tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")  # not a dependency: checked where it is installed
    for fmt in ("parquet", "csv", "jsonl"):
        assert analyze("--export", fmt, "-o", tmp_path / f"e.{fmt}").returncode == 0
    queries = {
        "parquet": f"read_parquet('{tmp_path}/e.parquet')",
        "csv": f"read_csv('{tmp_path}/e.csv')",
        "jsonl": f"read_json('{tmp_path}/e.jsonl', format='newline_delimited')",
    }
    for source in queries.values():
        found = duckdb.sql(
            # "at" is a keyword in DuckDB's SQL: a column of that name is quoted (the README says so)
            f'select kind, count(*), sum(duration), min("at") from {source} group by kind order by kind'  # noqa: S608
        ).fetchall()
        assert [(kind, count, duration) for kind, count, duration, _ in found] == [
            ("command", 2, None),
            ("task_completed", 2, 30.25),
            ("task_started", 1, None),
        ]
        assert found[0][3].astimezone(UTC) == utc(2025, 10, 20, 9, 0, 5)


# -- failures ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("/nonexistent/dir/events.parquet", "No such file or directory"),
        ("{tmp}", "Is a directory"),
        ("{tmp}/afile/events.csv", "Not a directory"),
    ],
)
def test_an_unwritable_output_is_one_line_naming_the_path_given(
    recorded: list[str], tmp_path: Path, target: str, reason: str
) -> None:
    (tmp_path / "afile").write_text("a file, not a folder")
    given = target.format(tmp=tmp_path)
    fmt = "csv" if given.endswith(".csv") else "parquet"
    result = analyze("--export", fmt, "-o", given)
    assert (result.returncode, result.stdout) == (1, b"")
    assert result.stderr.decode() == f"Error: cannot write the export to {given}: {reason}\n"


@pytest.fixture(scope="module")
def big_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """70,000 commands in 10 sessions: enough for two row groups, and for a run that lasts."""
    root = tmp_path_factory.mktemp("big")
    start = datetime(2025, 10, 20, tzinfo=UTC)
    for index in range(BIG_SESSIONS):
        manager = SessionManager(
            data_dir=root / "RUNS",
            user_dir=root / "user",
            handle_signals=False,
            fsync="never",
            background=False,
        )
        manager.start()
        try:
            for number in range(BIG_EVENTS):
                at = start + timedelta(seconds=index * BIG_EVENTS + number)
                manager.record(CommandExecuted(command=f"make t{number % 50}", exit_code=number % 3, at=at))
        finally:
            manager.stop()
    return root / "RUNS"


def test_a_large_export_is_written_in_row_groups(big_data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "big.parquet"
    result = analyze("--export", "parquet", "-o", target, "--data-dir", big_data_dir)
    assert result.returncode == 0, result.stderr
    metadata = pq.ParquetFile(target).metadata
    assert metadata.num_rows == BIG_SESSIONS * BIG_EVENTS
    assert metadata.num_row_groups == 2  # 65,536 rows, then the rest: never all rows at once
    assert metadata.row_group(0).num_rows == 65_536


def _limit_file_size() -> None:
    """In the child: files may grow to 100 kB; a longer write fails with EFBIG (not a signal)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary_file(
    big_data_dir: Path, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"events.{fmt}"
    target.write_text("the previous export")
    result = analyze("--export", fmt, "-o", target, "--data-dir", big_data_dir, preexec_fn=_limit_file_size)
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert stderr.startswith(f"Error: cannot write the export to {target}: ")
    assert "File too large" in stderr
    assert stderr.count("\n") == 1
    assert target.read_text() == "the previous export"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_ctrl_c_during_an_export_leaves_no_file(big_data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "events.csv"
    env = {**os.environ, "LANG": "C.UTF-8"}
    args = [str(SCRIPT), *NOW, "--export", "csv", "-o", str(target), "--data-dir", str(big_data_dir)]
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(tmp_path.iterdir()) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)  # the temporary file appears before the first session is read
    time.sleep(0.05)  # and reading 70,000 events takes far longer than this
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert b"Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


# -- pyarrow is optional ---------------------------------------------------------------------------------
def _without_pyarrow(args: list[str]) -> subprocess.CompletedProcess[str]:
    """The command in a Python where ``import pyarrow`` fails, as where the extra is not installed."""
    code = (
        "import sys\nsys.modules['pyarrow'] = None\n"
        "from sessionkeeper.analyzer.cli import main\nmain(sys.argv[1:])\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *NOW, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_parquet_without_pyarrow_says_how_to_install_it(recorded: list[str], tmp_path: Path) -> None:
    target = tmp_path / "events.parquet"
    result = _without_pyarrow(["--export", "parquet", "-o", str(target)])
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: --export parquet needs pyarrow, which is not installed: "
        "pip install 'session-analyzer[parquet]' (or export csv or jsonl)\n"
    )
    assert [p for p in tmp_path.iterdir() if p.is_file()] == []  # neither the file nor a temporary one
    assert _without_pyarrow(["--export", "csv", "-o", str(tmp_path / "e.csv")]).returncode == 0


def test_only_a_parquet_export_imports_pyarrow(recorded: list[str], tmp_path: Path) -> None:
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('pyarrow' in sys.modules))\n"
        "from sessionkeeper.analyzer.cli import main\nmain(sys.argv[1:])\n"
    )

    def imports_pyarrow(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code, *NOW, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()[-1]

    assert imports_pyarrow("-q") == "False"
    assert imports_pyarrow("--export", "csv", "-o", str(tmp_path / "e.csv")) == "False"
    assert imports_pyarrow("--export", "parquet", "-o", str(tmp_path / "e.parquet")) == "True"


# -- usage -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--export", "parquet"], "--export parquet needs --output FILE"),
        (["--export", "csv", "--format", "json"], "--export writes events, not a report"),
        (["--export", "csv", "--json"], "--export writes events, not a report"),
        (["--export", "xlsx"], "Invalid value for '--export'"),
        (["-o", "events.parquet"], "names an export file: --export parquet writes the events there"),
    ],
)
def test_export_usage_errors_exit_2(recorded: list[str], args: list[str], message: str) -> None:
    result = analyze(*args)
    assert (result.returncode, result.stdout) == (2, b"")
    assert message in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
