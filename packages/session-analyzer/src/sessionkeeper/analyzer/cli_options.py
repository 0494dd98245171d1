"""What the options of ``session-analyze`` mean together: the report format from ``--output``'s
suffix, the period from ``--days``/``--since``/``--until``, which options conflict, and what the
``session`` command's global options say when it runs as ``session analyze``.

Every conflict or unreadable date is a :class:`click.UsageError` (exit status 2): it is the command
line that has to change.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import click
from click.core import ParameterSource

from .errors import InvalidDateError
from .period import Period, Zone, resolve_period

__all__ = ["check_options", "format_for", "parse_now", "period_of", "under_session", "until_date"]

SUFFIX_FORMATS = {
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".text": "text",
    ".log": "text",
    "": "text",
}
EXPORT_SUFFIXES = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

def format_for(output: Path | None, explicit: str | None) -> str:
    """``--format`` if given, else from ``--output``'s suffix (``.json``, ``.html``/``.htm``;
    ``.txt``, ``.text``, ``.log`` or none for text), else text on stdout.

    Raises :class:`click.UsageError` for any other suffix: a report is never written as text
    into ``report.pdf`` (or ``events.csv``: that names an export, and the message says so).
    """
    if explicit is not None:
        return explicit
    if output is None:
        return "text"
    suffix = output.suffix.lower()
    found = SUFFIX_FORMATS.get(suffix)
    if found is not None:
        return found
    export = EXPORT_SUFFIXES.get(suffix)
    if export is not None:
        raise click.UsageError(
            f"{output} names an export file: --export {export} writes the events there "
            "(or give --format for a report)"
        )
    raise click.UsageError(
        f"cannot tell the report format from {output.name!r}: name the file .txt, .json or .html, "
        "or give --format text|json|html"
    )


# -- dates and the period ---------------------------------------------------------------------------
def parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidDateError(f"--now {value!r} is not an ISO date-time") from None
    return parsed if parsed.tzinfo else parsed.astimezone()


def until_date(text: str, zone: Zone) -> datetime:
    """The end of the period ``--until`` names: a plain date means the end of that local day."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time.max, tzinfo=zone.tz)
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        shown = raw if len(raw) <= 40 else raw[:37] + "..."
        raise InvalidDateError(
            f"--until {shown!r} is not a date: use YYYY-MM-DD or an ISO date-time (2025-10-31T18:00)"
        ) from None
    return parsed.replace(tzinfo=zone.tz) if parsed.tzinfo is None else parsed.astimezone(zone.tz)


def period_of(
    ctx: click.Context, zone: Zone, days: int, since: str | None, until: str | None, now: datetime | None
) -> Period:
    """The period asked for; a date that is not one, or a period that ends before it starts, is a
    usage error (the command line is what has to change)."""
    try:
        end = until_date(until, zone) if until is not None else now
        return resolve_period(zone=zone, days=days, since=since, now=end)
    except InvalidDateError as exc:
        raise click.UsageError(str(exc), ctx) from None


def check_options(
    ctx: click.Context, since: str | None, fmt: str | None, as_json: bool, export: str | None, insights: bool
) -> None:
    if since is not None and ctx.get_parameter_source("days") is ParameterSource.COMMANDLINE:
        raise click.UsageError(
            "--since and --days both set the start of the period: give one "
            "(--until sets its end, with either)",
            ctx,
        )
    if export is not None and (fmt is not None or as_json):
        raise click.UsageError("--export writes events, not a report: leave out --format and --json", ctx)
    if export is not None and insights:
        raise click.UsageError("--insights adds a section to a report, not to an export: leave out one", ctx)
    if as_json and fmt not in (None, "json"):
        raise click.UsageError(f"--json and --format {fmt} ask for different formats: give one", ctx)


def under_session(ctx: click.Context, data_dir: Path, as_json: bool) -> tuple[Path, bool]:
    """As ``session analyze``: the ``session`` command's global ``--data-dir`` and ``--json``, when
    this command's own were not given (read from click's parameters: the packages never import
    each other)."""
    root = ctx.find_root()
    if root is ctx:
        return data_dir, as_json
    inherited = root.params.get("data_dir")
    # `session --data-dir X analyze` beats SESSIONKEEPER_DATA_DIR, as it does for every command.
    if inherited is not None and ctx.get_parameter_source("data_dir") is not ParameterSource.COMMANDLINE:
        data_dir = Path(inherited)
    return data_dir, as_json or root.params.get("as_json") is True


