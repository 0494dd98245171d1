"""``session-analyze``: the command.

Exit status: 0 on success; 1 with one line on stderr for a user error (unknown ``--tz``, bad
``--since``, missing data directory, unwritable ``--output``, an unusable encryption key
setting); 2 for a usage error (click's own:
unknown option, ``--days 0``...). Never a traceback: an unexpected error is reported in one line
too (``SESSION_ANALYZE_DEBUG=1`` shows the traceback, for bug reports).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

import click

from sessionkeeper.core import SessionkeeperError

from .analysis import analyze
from .errors import InvalidDateError, OutputError
from .messages import LANGUAGES, default_language
from .period import DEFAULT_DAYS, MAX_DAYS, resolve_period, resolve_zone
from .progress import Progress
from .render_html import render_html
from .render_json import render_json
from .render_text import render_text
from .report import Report

__all__ = ["command", "format_for", "main"]

_PROG = "session-analyze"
_SUFFIX_FORMATS = {".json": "json", ".html": "html", ".htm": "html"}
_PROGRESS_LABEL = {"en": "analysing sessions", "ko": "세션 분석 중"}


def format_for(output: Path | None, explicit: str | None) -> str:
    """``--format`` if given, else from ``--output``'s suffix (``.json``, ``.html``/``.htm``), else text."""
    if explicit is not None:
        return explicit
    if output is None:
        return "text"
    return _SUFFIX_FORMATS.get(output.suffix.lower(), "text")


def _render(report: Report, fmt: str) -> bytes | str:
    if fmt == "json":
        return render_json(report)
    if fmt == "html":
        return render_html(report).encode("utf-8")
    return render_text(report)


def _write_file(path: Path, content: bytes | str) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise OutputError(f"cannot write the report to {path}: {exc.strerror or exc}") from None


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


def _now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidDateError(f"--now {value!r} is not an ISO date-time") from None
    return parsed if parsed.tzinfo else parsed.astimezone()


@click.command(name=_PROG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    default=DEFAULT_DAYS,
    show_default=True,
    help="Analyse today and the N-1 days before it (local days of --tz).",
)
@click.option("--since", metavar="DATE", help="Start of the period instead (YYYY-MM-DD or ISO date-time).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default=None,
    help="Report format [default: from --output's suffix, else text].",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the report here instead of stdout.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
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
    "--now", "now_text", hidden=True, default=None, help="Pretend the time is this (reproducible reports)."
)
def command(
    days: int,
    since: str | None,
    fmt: str | None,
    output: Path | None,
    quiet: bool,
    lang: str | None,
    tz_name: str | None,
    data_dir: Path,
    now_text: str | None,
) -> None:
    """Report on the sessions of a data directory: task patterns, failures, productivity and suggestions."""
    language = lang or default_language()
    zone = resolve_zone(tz_name)
    now = _now(now_text)
    period = resolve_period(zone=zone, days=days, since=since, now=now)
    progress = Progress(sys.stderr, label=_PROGRESS_LABEL[language], enabled=not quiet)
    report = analyze(data_dir, period, language=language, progress=progress, now=now)
    content = _render(report, format_for(output, fmt))
    if output is not None:
        _write_file(output, content)
    elif not quiet:
        _write_stdout(content, sys.stdout)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``session-analyze``; exits with the command's status."""
    try:
        command.main(args=argv, prog_name=_PROG, standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # usage errors: click's message, status 2
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except SessionkeeperError as exc:  # ours, or core's (e.g. an unusable key configuration)
        click.echo(f"{_PROG}: error: {exc}", err=True)
        sys.exit(1)
    except BrokenPipeError:  # `session-analyze | head`: the reader left; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: still one line (the traceback on request)
        if os.environ.get("SESSION_ANALYZE_DEBUG"):
            raise
        click.echo(
            f"{_PROG}: internal error: {type(exc).__name__}: {exc} (SESSION_ANALYZE_DEBUG=1 shows more)",
            err=True,
        )
        sys.exit(1)
    sys.exit(0)
