"""Texts shared by several commands: how a session was read, what was dropped, key counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sessionkeeper.cli import messages

__all__ = ["Row", "keys_text", "load_json", "load_text", "problem_rows"]

if TYPE_CHECKING:
    from sessionkeeper.core import LoadReport

Row = tuple[str, str | list[str]]


def load_json(report: LoadReport) -> dict[str, Any]:
    """How a store was read, for ``--json``: its source, journal records replayed, what was dropped."""
    return {
        "source": report.source,
        "journal_records": report.journal_records,
        "warnings": list(report.warnings),
        "dropped": list(report.dropped),
    }


def load_text(source: str, journal_records: int) -> str:
    """``"snapshot, 3 journal records replayed"`` in the language of the run."""
    name = f"source.{source}"
    shown = messages.text(name) if messages.has(name) else source
    return messages.text("load.source", source=shown, records=journal_records)


def keys_text(counts: Mapping[str, int]) -> str:
    """Key counts of the three persistent scopes."""
    return messages.text(
        "keys.counts", session=counts.get("session", 0), user=counts.get("user", 0), app=counts.get("app", 0)
    )


def problem_rows(warnings: Sequence[str], dropped: Sequence[str]) -> list[Row]:
    """Field rows for a load's warnings and for what it had to drop (core's own words)."""
    rows: list[Row] = []
    if warnings:
        rows.append((messages.text("label.warnings"), list(warnings)))
    if dropped:
        rows.append((messages.text("label.dropped"), list(dropped)))
    return rows
