"""``session-analyze``: the command.

Exit status: 0 on success; 1 with one ``Error: ...`` line on stderr (as the ``session`` command
writes it; ``오류: ...`` in Korean) for a failure the user can act on: unknown ``--tz``, missing
data directory, unwritable ``--output``, an unusable encryption key setting, ``--export parquet``
without pyarrow, and with ``--remote``: no remote configured, a wrong or missing key, an object
that does not check out, a missing bucket, an unreachable endpoint; 2 for a usage error, with
click's usage lines: an unknown option, ``--days 0``, a ``--since``/``--until`` that is not a date
or a period that ends before it starts, conflicting options (``--since`` with an explicit
``--days``, ``--json`` with another ``--format``, ``--export`` with a report format, ``--remote``
with ``--data-dir``), an ``--output`` suffix that names no report format, ``--export parquet``
without ``--output``. Never a traceback: an unexpected error is reported in one line too
(``SESSION_ANALYZE_DEBUG=1`` shows the traceback, for bug reports).

Confirmations (what was written, where; with ``--remote``, what was read and downloaded) go to
stderr, never with ``--quiet``: stdout carries only a report or an export. ``--export csv|jsonl``
without ``--output`` writes to stdout (for a pipe into ``jq``, ``duckdb`` or ``head``), even with
``--quiet``, which silences messages, not the data asked for; Parquet, a binary file format, needs
``--output``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

import click
from click.core import ParameterSource

from sessionkeeper.core import SessionkeeperError

from .analysis import analyze, count_sessions, read_sessions
from .cli_options import check_options, format_for, parse_now, period_of, under_session
from .errors import InvalidDateError
from .export import FORMATS as EXPORT_FORMATS
from .export import atomic_output, export_events
from .html_report import render_html
from .json_report import render_json
from .messages import LANGUAGES, Messages, default_language, plain
from .period import DEFAULT_DAYS, MAX_DAYS, Period, resolve_zone
from .progress import Progress
from .report import Report, SkippedFile
from .sources import SessionData
from .text_report import render_text

if TYPE_CHECKING:
    from .insights.model import Insights
    from .remote import RemoteRead

__all__ = ["command", "format_for", "main"]

_PROG = "session-analyze"
_EXPORT_NAMES = {"parquet": "Parquet", "csv": "CSV", "jsonl": "JSON Lines"}
_PROGRESS_LABEL = {"en": "analysing sessions", "ko": "세션 분석 중"}


def _render(report: Report, fmt: str, insights: Insights | None = None) -> bytes | str:
    if fmt == "json":
        return render_json(report, insights)
    if fmt == "html":
        return render_html(report, insights).encode("utf-8")
    return render_text(report, insights)


def _write_file(path: Path, content: bytes | str) -> int:
    """Write the report whole or not at all; returns its size in bytes."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_output(path, "report") as temp:
        temp.write_bytes(data)
    return len(data)


def _write_stdout(content: bytes | str, stream: TextIO) -> None:
    if isinstance(content, str):
        # Text follows the console's encoding; what it cannot show becomes '?', never a crash.
        encoding = getattr(stream, "encoding", None) or "utf-8"
        content = content.encode(encoding, errors="replace")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        buffer.write(content)
        buffer.flush()
    else:  # a text-only stream (tests, IDEs)
        stream.write(content.decode("utf-8", errors="replace"))
        stream.flush()


def _size(say: Messages, size: int) -> str:
    if size < 1024:
        return say.count("cli.bytes", size, value=f"{size:,}")
    if size < 1024 * 1024:
        return say("cli.kib", value=f"{size / 1024:.1f}")
    return say("cli.mib", value=f"{size / (1024 * 1024):,.1f}")


def _shown(path: Path) -> str:
    return plain(str(path.absolute()))


@click.command(name=_PROG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    default=DEFAULT_DAYS,
    show_default=True,
    help="Analyse the N local days (of --tz) ending today, or ending on --until.",
)
@click.option("--since", metavar="DATE", help="Start of the period instead (YYYY-MM-DD or ISO date-time).")
@click.option(
    "--until",
    metavar="DATE",
    help="End of the period (YYYY-MM-DD: to the end of that day) [default: now].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default=None,
    help="Report format [default: from --output's suffix (.json, .html, .txt), else text].",
)
@click.option("--json", "as_json", is_flag=True, help="The JSON report (same as --format json).")
@click.option(
    "--insights",
    is_flag=True,
    help="Add predictions learned from the history: failure risk, expected durations, flaky tasks "
    "and commands, drift, productive hours (needs the session-analyzer[insights] extra).",
)
@click.option(
    "--export",
    type=click.Choice(EXPORT_FORMATS),
    default=None,
    help="Write every event of the period, one row each, instead of a report "
    "(parquet needs --output and the session-analyzer[parquet] extra; csv and jsonl go to "
    "stdout without --output).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the report (or export) here instead of stdout; replaced whole or not at all.",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="Print nothing but errors (an export to stdout is written)."
)
@click.option("--lang", type=click.Choice(LANGUAGES), default=None, help="Language [default: from LANG].")
@click.option(
    "--tz",
    "tz_name",
    metavar="ZONE",
    default=None,
    help="Time zone, e.g. Asia/Seoul [default: the system's].",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    envvar="SESSIONKEEPER_DATA_DIR",
    default="RUNS",
    show_default=True,
    help="Data directory (or SESSIONKEEPER_DATA_DIR).",
)
@click.option(
    "--remote",
    "remote",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[URL]",
    help="Analyse every host's latest push to a remote instead of --data-dir: the live sessions and "
    "the history archive of each, each session once. URL: s3://bucket/prefix or a directory; alone: "
    "the configured remote (SESSIONKEEPER_REMOTE). Needs the key that pushed; fetched objects are "
    "cached in $XDG_CACHE_HOME/sessionkeeper.",
)
@click.option(
    "--now", "now_text", hidden=True, default=None, help="Pretend the time is this (reproducible reports)."
)
@click.version_option(
    package_name="session-analyzer", prog_name=_PROG, message="%(prog)s %(version)s", help="Show the version."
)
@click.pass_context
def command(
    ctx: click.Context,
    days: int,
    since: str | None,
    until: str | None,
    fmt: str | None,
    as_json: bool,
    insights: bool,
    export: str | None,
    output: Path | None,
    quiet: bool,
    lang: str | None,
    tz_name: str | None,
    data_dir: Path,
    remote: str | None,
    now_text: str | None,
) -> None:
    """Report on the sessions of a data directory: task patterns, failures, productivity and
    suggestions; or export their events for DuckDB, Polars or pandas (--export)."""
    say = Messages(lang or default_language())
    data_dir, as_json = under_session(ctx, data_dir, as_json)
    check_options(ctx, since, fmt, as_json, export, insights)
    if remote is not None and ctx.get_parameter_source("data_dir") is ParameterSource.COMMANDLINE:
        raise click.UsageError("--remote reads a remote, --data-dir a local directory: give one", ctx)
    if export == "parquet" and output is None:
        raise click.UsageError("--export parquet needs --output FILE (Parquet is a binary file format)", ctx)
    # Checked before any work: a name that is no report format fails now, not after the analysis.
    report_format = "" if export is not None else "json" if as_json else format_for(output, fmt)
    zone = resolve_zone(tz_name)
    try:
        now = parse_now(now_text)
    except InvalidDateError as exc:
        raise click.UsageError(str(exc), ctx) from None
    period = period_of(ctx, zone, days, since, until, now)
    progress = Progress(sys.stderr, label=_PROGRESS_LABEL[say.language], enabled=not quiet)
    if export is not None:
        if remote is None:
            local = read_sessions(data_dir, progress=progress, period=period)
            _export(say, export, output, period, local, quiet)
        else:
            with _remote_sessions(say, remote, period, progress, quiet=quiet) as fetched:
                _export(say, export, output, period, fetched, quiet)
        return
    collector = None
    if insights:
        from .insights import InsightsCollector, require

        require()  # before anything is read: without the extra, say how to install it (status 1)
        collector = InsightsCollector(period)
    observers = [collector] if collector is not None else []
    if remote is None:
        report = analyze(
            data_dir, period, language=say.language, progress=progress, now=now, observers=observers
        )
    else:
        with _remote_sessions(say, remote, period, progress, quiet=quiet) as fetched:
            report = count_sessions(fetched, period, language=say.language, now=now, observers=observers)
    found = None
    if collector is not None:
        from .insights import insights_of

        found = insights_of(collector, say)
    content = _render(report, report_format, found)
    if output is None:
        if not quiet:
            _write_stdout(content, sys.stdout)
        return
    size = _write_file(output, content)
    if not quiet:
        what = say(f"cli.format.{report_format}")
        click.echo(say("cli.wrote", format=what, path=_shown(output), size=_size(say, size)), err=True)


@contextlib.contextmanager
def _remote_sessions(
    say: Messages, remote: str, period: Period, progress: Progress, *, quiet: bool
) -> Iterator[Iterable[SessionData | SkippedFile]]:
    """``--remote``: the sessions of every host's latest push (``remote`` its URL, "" for the
    configured remote), fetched into a temporary directory that lasts as long as the ``with`` block."""
    from sessionkeeper.core import resolve_codec

    from .remote import fetched_remote, read_hosts

    codec = resolve_codec()  # once: a bad key setting fails before anything is fetched
    with fetched_remote(remote or None, period, codec=codec) as fetched:
        if not quiet:
            click.echo(_fetched_line(say, fetched), err=True)
        yield read_hosts(fetched.hosts, codec=codec, period=period, progress=progress)


def _fetched_line(say: Messages, fetched: RemoteRead) -> str:
    hosts = ", ".join(plain(f"{host.host} (#{host.seq}, {host.pushed_at[:19]})") for host in fetched.hosts)
    return say(
        "cli.remote_read",
        remote=plain(fetched.location),
        hosts=hosts,
        fetched=say.count("cli.objects", fetched.fetched, count=f"{fetched.fetched:,}"),
        size=_size(say, fetched.fetched_bytes),
        cached=say.count("cli.objects", fetched.cached, count=f"{fetched.cached:,}"),
    )


def _export(
    say: Messages,
    fmt: str,
    output: Path | None,
    period: Period,
    items: Iterable[SessionData | SkippedFile],
    quiet: bool,
) -> None:
    if output is None:
        sys.stdout.flush()
        stream: BinaryIO = sys.stdout.buffer
        export_events(items, period, fmt, None, stdout=stream)
        return
    result = export_events(items, period, fmt, output)
    if not quiet:
        left_out = say.count("cli.left_out", result.skipped, count=result.skipped) if result.skipped else ""
        line = say(
            "cli.exported",
            events=say.count("cli.events", result.events, count=f"{result.events:,}"),
            sessions=say.count("cli.sessions", result.sessions, count=f"{result.sessions:,}"),
            path=_shown(output),
            format=_EXPORT_NAMES[fmt],
            left_out=left_out,
        )
        click.echo(line, err=True)


def _language(args: list[str]) -> str:
    """The language of this run's error lines, before click has parsed anything: ``--lang``,
    else the locale (an invalid ``--lang`` is click's to reject)."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang":
            value = args[index + 1] if index + 1 < len(args) else ""
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        else:
            continue
        if value in LANGUAGES:
            return value
    return default_language()


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``session-analyze``; exits with the command's status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        command.main(args=args, prog_name=_PROG, standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help, --version
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # usage errors: click's message, status 2
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except SessionkeeperError as exc:  # ours, or core's (e.g. an unusable key configuration)
        click.echo(Messages(_language(args))("cli.error", message=plain(str(exc))), err=True)
        sys.exit(1)
    except BrokenPipeError:  # `session-analyze | head`: the reader left; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: still one line (the traceback on request)
        if os.environ.get("SESSION_ANALYZE_DEBUG"):
            raise
        detail = plain(f"{type(exc).__name__}: {exc}")
        click.echo(Messages(_language(args))("cli.internal_error", detail=detail), err=True)
        sys.exit(1)
    sys.exit(0)
