"""The period a report covers and the time zone it is shown in.

A period is a run of whole *local* calendar days ending today (``--days N``: today and the N-1
days before it) or starting on a given day (``--since``). It is decided by event times, never by
file times. Hours and days in the report are local to the chosen zone: an event at 23:30 UTC is
counted on the next day, at 08h, in Asia/Seoul.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from .errors import InvalidDateError, InvalidTimezoneError

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "Period", "Zone", "resolve_period", "resolve_zone"]

DEFAULT_DAYS = 30
MAX_DAYS = 36_600  # a century: beyond that a typo is likelier than a wish


@attrs.frozen
class Zone:
    """A time zone and the name the report shows for it."""

    tz: tzinfo
    name: str


@attrs.frozen
class Period:
    """``since`` <= event time <= ``until``, both aware datetimes in the report's zone."""

    since: datetime
    until: datetime
    zone: Zone

    @property
    def days(self) -> int:
        """How many local calendar days the period touches (today included)."""
        return (self.until.date() - self.since.date()).days + 1

    def local_dates(self) -> list[date]:
        """Every local date of the period, oldest first (the daily trend's x axis)."""
        first = self.since.date()
        return [first + timedelta(days=offset) for offset in range(self.days)]


def _zone_from_key(key: str) -> Zone:
    try:
        return Zone(ZoneInfo(key), key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: keys that are not normalised relative paths ('../../etc/passwd', '');
        # OSError: a name that exists but is a directory or unreadable.
        raise InvalidTimezoneError(key) from None


def _system_zone() -> Zone:
    """The system's zone as an IANA zone when it can be named (so DST is right), else its offset."""
    candidates: list[str] = []
    tz_env = os.environ.get("TZ", "").removeprefix(":")
    if tz_env:
        candidates.append(tz_env)
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    for key in candidates:
        try:
            return _zone_from_key(key)
        except InvalidTimezoneError:
            continue
    local = datetime.now().astimezone().tzinfo or UTC
    return Zone(local, datetime.now(local).tzname() or "local")


def resolve_zone(name: str | None) -> Zone:
    """The zone named ``name`` (IANA key such as ``Asia/Seoul``), or the system's zone for None.

    Raises :class:`InvalidTimezoneError` for an unknown or malformed name.
    """
    if name is None:
        return _system_zone()
    return _zone_from_key(name.strip())


def _parse_since(text: str, zone: Zone) -> datetime:
    raw = text.strip()
    try:
        if len(raw) == 10:  # a plain date: that day's local midnight
            return datetime.combine(date.fromisoformat(raw), time(), tzinfo=zone.tz)
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        shown = raw if len(raw) <= 40 else raw[:37] + "..."
        raise InvalidDateError(
            f"--since {shown!r} is not a date: use YYYY-MM-DD or an ISO date-time (2025-10-01T09:00)"
        ) from None
    return parsed.replace(tzinfo=zone.tz) if parsed.tzinfo is None else parsed.astimezone(zone.tz)


def resolve_period(
    *, zone: Zone, days: int = DEFAULT_DAYS, since: str | None = None, now: datetime | None = None
) -> Period:
    """The period ending ``now`` (default: the current time).

    With ``since`` (``YYYY-MM-DD`` or an ISO date-time; naive values are local to ``zone``) the
    period starts there and ``days`` is ignored; otherwise it is today and the ``days - 1`` local
    days before it, from local midnight. Raises :class:`InvalidDateError`.
    """
    until = (now or datetime.now(UTC)).astimezone(zone.tz)
    if since is not None:
        start = _parse_since(since, zone)
        if start > until:
            end = until.isoformat(timespec="seconds")
            raise InvalidDateError(f"--since {start.isoformat()} is after the end of the period ({end})")
        return Period(start, until, zone)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidDateError(f"--days must be between 1 and {MAX_DAYS}, not {days}")
    first_day = until.date() - timedelta(days=days - 1)
    return Period(datetime.combine(first_day, time(), tzinfo=zone.tz), until, zone)
