"""Every error the analyzer raises on purpose.

All derive from :class:`AnalyzerError` (itself a :class:`SessionkeeperError`), so a caller can
catch one class. They describe something the user can fix (a bad option, an unwritable output
path); the command turns them into one line on stderr and exit status 1. Damaged session files
are never errors: they are skipped and listed in the report.
"""

from __future__ import annotations

from sessionkeeper.core import SessionkeeperError

__all__ = [
    "AnalyzerError",
    "DataDirError",
    "InvalidDateError",
    "InvalidTimezoneError",
    "LegacyFormatError",
    "MalformedEventError",
    "MissingDependencyError",
    "OutputError",
]


class AnalyzerError(SessionkeeperError):
    """Base class of the analyzer's errors."""


class InvalidTimezoneError(AnalyzerError, ValueError):
    """``--tz`` names no time zone known to this system."""

    def __init__(self, name: str) -> None:
        shown = repr(name) if len(name) <= 60 else repr(name[:57] + "...")
        super().__init__(f"unknown time zone {shown}: use an IANA name such as 'Asia/Seoul' or 'UTC'")
        self.name = name


class InvalidDateError(AnalyzerError, ValueError):
    """``--since`` is not a date, or lies after the end of the period."""


class DataDirError(AnalyzerError):
    """The data directory does not exist or is not a directory."""


class OutputError(AnalyzerError, OSError):
    """The report or the export could not be written where ``--output`` points."""


class MissingDependencyError(AnalyzerError, ImportError):
    """An optional library that the chosen output needs is not installed (``--export parquet``
    needs pyarrow: the ``session-analyzer[parquet]`` extra)."""


# Internal: raised and caught inside the analyzer, where they become a report's warnings (a damaged
# or unexpected session is skipped and listed, never an error of the command).


class LegacyFormatError(ValueError):
    """Task records of an old-tool file that are not of the shapes the old tool wrote."""


class MalformedEventError(ValueError):
    """An event that cannot be counted honestly (wrong JSON type, impossible value)."""
