"""Every event of a period as one row, for DuckDB, Polars, pandas or a warehouse (``--export``).

The rows are the events the report of the same period counts — the same sessions, after the same
de-duplication (both consume :func:`analysis.read_sessions`) — one per ``TaskStarted``,
``CommandExecuted`` and ``TaskCompleted`` whose time lies in the period. Columns (a stable
contract, documented in the analyzer's README; new columns may be added at the end, none renamed
or removed)::

    session_id  str       the session (the id written inside its file)
    host        str|null  the machine that wrote the session, when its file says
    kind        str       "task_started" | "command" | "task_completed"
    at          time      UTC: Parquet timestamp[us, tz=UTC]; CSV and JSON Lines ISO 8601
                          with microseconds and offset (2025-10-20T09:00:00.000000+00:00)
    task_id     str|null  task_started, task_completed
    command     str|null  command
    exit_code   int|null  command
    success     bool|null task_completed: as recorded; command: exit_code == 0
    duration    float|null task_completed: seconds, as recorded (never derived from the start)
    error       str|null  task_completed

Rows come session by session (in the order :func:`read_sessions` yields them), each session's in
log order: not sorted by time across sessions (``ORDER BY at``).

Memory stays bounded: one session's rows plus one batch of :data:`BATCH_ROWS` rows (a Parquet row
group) are held at a time, never the rows of all sessions. A file is written beside its target
under a hidden temporary name and renamed over it once complete and on disk, so an error, a full
disk or Ctrl-C never leaves a half-written export (see :func:`atomic_output`). pyarrow is imported
only for Parquet, and only when exporting.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Final, Protocol

import attrs
import orjson

from .errors import AnalyzerError, MissingDependencyError, OutputError
from .period import Period
from .report import SkippedFile
from .rows import COMMAND, COMPLETED
from .sources import SessionData

__all__ = ["BATCH_ROWS", "COLUMNS", "FORMATS", "ExportResult", "atomic_output", "export_events"]

FORMATS: Final = ("parquet", "csv", "jsonl")
COLUMNS: Final = (
    "session_id",
    "host",
    "kind",
    "at",
    "task_id",
    "command",
    "exit_code",
    "success",
    "duration",
    "error",
)
BATCH_ROWS: Final = 65_536  # rows per Parquet row group, and per write for every format

Record = tuple[Any, ...]  # one value per column of COLUMNS, ``at`` an aware UTC datetime

_BOOL: Final = {True: "true", False: "false", None: None}


@attrs.frozen
class ExportResult:
    """What an export wrote: ``events`` rows from ``sessions`` sessions (those with an event in the
    period); ``skipped`` files were left out, as the report of the period lists them."""

    events: int
    sessions: int
    skipped: int


# -- rows ------------------------------------------------------------------------------------------
def _records(data: SessionData, since: datetime, until: datetime) -> list[Record]:
    """The rows of one session's events inside ``since`` <= at <= ``until`` (as the report counts)."""
    session_id, host = data.stored_id, data.host
    records: list[Record] = []
    append = records.append
    for row in data.rows:
        kind, at = row[0], row[1]
        if not since <= at <= until:
            continue
        if kind == COMPLETED:
            append((session_id, host, "task_completed", at, row[2], None, None, row[3], row[4], row[5]))
        elif kind == COMMAND:
            append((session_id, host, "command", at, None, row[2], row[3], row[3] == 0, None, None))
        else:
            append((session_id, host, "task_started", at, row[2], None, None, None, None, None))
    return records


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


# -- sinks: one per format -----------------------------------------------------------------------------
class _Sink(Protocol):
    def write(self, records: list[Record]) -> None: ...

    def close(self) -> None: ...


class _ParquetSink:
    def __init__(self, path: Path) -> None:
        pa, pq = _pyarrow()
        self._pa = pa
        self._schema = pa.schema(
            [
                pa.field("session_id", pa.string(), nullable=False),
                pa.field("host", pa.string()),
                pa.field("kind", pa.string(), nullable=False),
                pa.field("at", pa.timestamp("us", tz="UTC"), nullable=False),
                pa.field("task_id", pa.string()),
                pa.field("command", pa.string()),
                pa.field("exit_code", pa.int64()),
                pa.field("success", pa.bool_()),
                pa.field("duration", pa.float64()),
                pa.field("error", pa.string()),
            ]
        )
        self._writer = pq.ParquetWriter(str(path), self._schema)

    def write(self, records: list[Record]) -> None:
        pa = self._pa
        columns = zip(*records, strict=True)
        schema = self._schema
        arrays = [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)]
        self._writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self._schema))

    def close(self) -> None:
        self._writer.close()  # writes the footer: a file without one is not Parquet


class _CsvSink:
    """RFC 4180 quoting, a header row, ``\\n`` line ends, UTF-8; null is an empty field."""

    def __init__(self, stream: BinaryIO) -> None:
        self._text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        self._csv = csv.writer(self._text, lineterminator="\n")
        self._csv.writerow(COLUMNS)

    def write(self, records: list[Record]) -> None:
        bools = _BOOL
        self._csv.writerows(
            [(s, h, k, _iso(at), t, c, x, bools[ok], d, e) for s, h, k, at, t, c, x, ok, d, e in records]
        )

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the stream stays open: its owner closes it (or it is stdout)


class _JsonlSink:
    """One JSON object per line, every column present (null when empty), UTF-8."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def write(self, records: list[Record]) -> None:
        dumps, names = orjson.dumps, COLUMNS
        self._stream.write(
            b"".join(
                [dumps(dict(zip(names, (*r[:3], _iso(r[3]), *r[4:]), strict=True))) + b"\n" for r in records]
            )
        )

    def close(self) -> None:
        self._stream.flush()


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise MissingDependencyError(
            "--export parquet needs pyarrow, which is not installed: "
            "pip install 'session-analyzer[parquet]' (or export csv or jsonl)"
        ) from None
    return pa, pq


def _stream_sink(fmt: str, stream: BinaryIO) -> _Sink:
    return _CsvSink(stream) if fmt == "csv" else _JsonlSink(stream)


# -- the export ----------------------------------------------------------------------------------------
def export_events(
    items: Iterable[SessionData | SkippedFile],
    period: Period,
    fmt: str,
    output: Path | None,
    *,
    stdout: BinaryIO | None = None,
) -> ExportResult:
    """Write the events of ``items`` (what :func:`analysis.read_sessions` yields) inside ``period``
    to ``output`` as ``fmt`` (``parquet``, ``csv`` or ``jsonl``), or to ``stdout`` when ``output``
    is None (csv and jsonl only: Parquet is a file format).

    Raises :class:`MissingDependencyError` for Parquet without pyarrow (before anything is read
    or created) and :class:`OutputError`, naming ``output`` as given, when it cannot be written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if output is None:
        if fmt == "parquet" or stdout is None:
            raise ValueError("an export to standard output is csv or jsonl, and needs the stream")
        return _write(items, period, _stream_sink(fmt, stdout))
    if fmt == "parquet":
        _pyarrow()  # fail before reading anything or creating a file
    with atomic_output(output, "export") as path:
        if fmt == "parquet":
            return _write(items, period, _ParquetSink(path))
        with path.open("wb") as stream:
            return _write(items, period, _stream_sink(fmt, stream))


def _write(items: Iterable[SessionData | SkippedFile], period: Period, sink: _Sink) -> ExportResult:
    since, until = period.since.astimezone(UTC), period.until.astimezone(UTC)  # event times are UTC
    events = sessions = skipped = 0
    batch: list[Record] = []
    try:
        for item in items:
            if isinstance(item, SkippedFile):
                skipped += 1
                continue
            records = _records(item, since, until)
            if not records:
                continue
            sessions += 1
            events += len(records)
            batch += records
            while len(batch) >= BATCH_ROWS:
                sink.write(batch[:BATCH_ROWS])
                del batch[:BATCH_ROWS]
        if batch:
            sink.write(batch)
    finally:
        sink.close()
    return ExportResult(events, sessions, skipped)


# -- writing a file whole or not at all ------------------------------------------------------------------
@contextlib.contextmanager
def atomic_output(target: Path, what: str) -> Iterator[Path]:
    """The path to write ``target``'s new content to: a hidden temporary file beside it, renamed
    over ``target`` (after an fsync) when the block ends normally and removed when it raises —
    also on Ctrl-C — so ``target`` is either as it was or complete. A replaced file keeps its
    permissions; a new one gets the umask's. Through a symlink, the file it points to is replaced
    and the link kept. A ``target`` that exists but is not a regular file (``/dev/stdout``, a
    FIFO) cannot be replaced and is written in place.

    An :class:`OSError` (here or in the block) becomes one :class:`OutputError` naming ``target``
    as the user gave it: ``cannot write the {what} to {target}: {reason}``.
    """
    try:
        found = _stat(target)
        if found is not None and stat.S_ISDIR(found.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        in_place = found is not None and not stat.S_ISREG(found.st_mode)
        final = target if in_place else Path(os.path.realpath(target))
        temp = target if in_place else _temp_beside(final, found)
    except OSError as exc:
        raise _cannot(what, target, exc) from None
    try:
        yield temp
        if not in_place:
            _publish(temp, final)
    except BaseException as exc:
        if not in_place:
            with contextlib.suppress(OSError):
                temp.unlink()
        if isinstance(exc, OSError) and not isinstance(exc, AnalyzerError):
            raise _cannot(what, target, exc) from None
        raise


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _temp_beside(final: Path, found: os.stat_result | None) -> Path:
    descriptor, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    try:
        if found is not None:
            mode = stat.S_IMODE(found.st_mode)
        else:  # what open() would give a new file (mkstemp makes it 0600)
            umask = os.umask(0o022)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(descriptor, mode)
    finally:
        os.close(descriptor)
    return Path(name)


def _publish(temp: Path, final: Path) -> None:
    descriptor = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(descriptor)  # the content reaches the disk before the name does
    finally:
        os.close(descriptor)
    os.replace(temp, final)
    with contextlib.suppress(OSError):  # the rename's durability: best effort (not every fs allows it)
        folder = os.open(final.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _cannot(what: str, target: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write the {what} to {target}: {exc.strerror or exc}")
