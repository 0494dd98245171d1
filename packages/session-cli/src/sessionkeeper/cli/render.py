"""Output for scripts (JSON) and for people (aligned fields, tables).

JSON is always ASCII (non-ASCII escaped), so a script can parse it whatever the console's encoding,
and its field names and values never depend on the language. Tables use rich, which is imported
only when a table is actually printed: ``rich`` costs more start-up time than the rest of a
reading command.

Status words are shown through :func:`status`, the one way a command colours a word: by what the
status means (:data:`STATUS_STYLES`), when stdout gets colour (``--color``, ``NO_COLOR``, a
terminal: :func:`sessionkeeper.cli.console.color_enabled`). Tables follow the same decision.
"""

from __future__ import annotations

import json
import math
import os
import sys
import unicodedata
from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from uuid import UUID

from . import console
from .console import out

__all__ = [
    "STATUS_STYLES",
    "emit_json",
    "fields",
    "format_size",
    "format_time",
    "format_value",
    "iso",
    "jsonable",
    "status",
    "table",
]

# A status (the value scripts see in --json) -> the console style its word is shown in.
STATUS_STYLES: dict[str, str] = {
    "ok": "good",
    "ended": "good",
    "intact": "good",
    "damaged": "bad",
    "crashed": "bad",
    "failed": "bad",
    "locked": "warn",
    "legacy": "muted",
    "running": "active",
    "live": "active",
    "absent": "muted",
}

_MAX_CELL = 200  # characters of a value shown in a table; --json gives it whole
_PIPE_WIDTH = 160


def emit_json(data: object) -> None:
    """Print ``data`` as indented JSON (ASCII only) on stdout."""
    out(json.dumps(jsonable(data), indent=2, ensure_ascii=True, allow_nan=False))


def jsonable(value: Any) -> Any:
    """A plain JSON tree for a value read from a session (datetimes, sets, attrs classes, ...).

    Types JSON lacks become their usual text form (ISO times, ``str`` of UUID/Decimal/Path);
    sets become lists, non-finite floats their names, dict keys strings.
    """
    kind = type(value)
    if value is None or kind in (str, bool, int):
        return value
    if kind is float:
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Mapping):
        return {k if isinstance(k, str) else str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, (set, frozenset)):
        items = [jsonable(item) for item in value]
        try:
            return sorted(items)
        except TypeError:  # mixed types: keep the set's own order
            return items
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (UUID, Decimal, PurePath)):
        return str(value)
    if hasattr(kind, "__attrs_attrs__"):
        from sessionkeeper.core import unstructure

        return jsonable(unstructure(value))
    return repr(value)


def status(kind: str, text: str) -> str:
    """The word ``text`` of the status ``kind`` (``"damaged"``, ``"ok"``, ``"running"``,
    ``"crashed"``, ``"ended"``, ...), coloured by what it means when stdout gets colour.

    ``text`` is the translated word; ``kind`` the language-independent status (as in --json). The
    result goes in a table cell, a field or a line of :func:`~sessionkeeper.cli.console.out`.
    """
    style = STATUS_STYLES.get(kind)
    return text if style is None else console.paint(text, style)


def format_value(value: Any, *, limit: int | None = None) -> str:
    """A value for people: strings as they are, anything else as compact JSON."""
    text = value if isinstance(value, str) else json.dumps(jsonable(value), ensure_ascii=False)
    if limit is not None and len(text) > limit:
        return text[: limit - 3] + "..."
    return text


def format_time(moment: datetime | None) -> str:
    """Local time to the second, or ``-``."""
    if moment is None:
        return "-"
    local = moment.astimezone() if moment.tzinfo else moment
    return local.strftime("%Y-%m-%d %H:%M:%S")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 (as stored, normally UTC) for JSON."""
    return None if moment is None else moment.isoformat()


def format_size(size: int) -> str:
    """``1234567`` -> ``"1.2 MiB"``."""
    if size < 1024:
        return f"{size} B"
    amount = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        amount /= 1024
        if amount < 1024:
            return f"{amount:.1f} {unit}"
    return f"{amount:.1f} TiB"


def _width(text: str) -> int:
    # Korean labels take two terminal cells per syllable.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def fields(rows: Iterable[tuple[str, str | Sequence[str]]]) -> None:
    """Aligned ``label  value`` lines (a value given as a list continues on indented lines)."""
    materialised = list(rows)
    if not materialised:
        return
    width = max(_width(label) for label, _ in materialised)
    for label, value in materialised:
        values = [value] if isinstance(value, str) else list(value) or ["-"]
        pad = " " * (width - _width(label))
        out(f"{label}{pad}  {values[0]}")
        for more in values[1:]:
            out(f"{' ' * width}  {more}")


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    title: str | None = None,
    no_wrap: Container[int] = (),
) -> None:
    """A table on stdout, drawn by rich (imported here, and only here).

    Columns whose index is in ``no_wrap`` (ids) are never folded; the others fold to fit.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    def cell(text: str) -> Text:
        # Text, never markup: keys and values are user data and may contain "[bold]". Escape codes
        # come only from status() (our own), and are read as styles so widths stay right.
        shown = Text.from_ansi(text) if "\x1b[" in text else Text(text)
        if len(shown) > _MAX_CELL:
            shown.truncate(_MAX_CELL - 3)
            shown.append("...")
        return shown

    grid = Table(title=title, title_justify="left", show_lines=False)
    for index, column in enumerate(columns):
        grid.add_column(column, overflow="fold", no_wrap=index in no_wrap)
    for row in rows:
        grid.add_row(*(cell(text) for text in row))
    # Piped output has no terminal width to respect: do not fold ids and paths at rich's default 80.
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else _PIPE_WIDTH
    colour = console.color_enabled(sys.stdout)
    screen = Console(
        file=sys.stdout,
        width=width,
        highlight=False,
        markup=False,
        emoji=False,
        # The run's colour decision, not rich's own: --color always also through a pipe, never
        # (or NO_COLOR) no styles at all, not even bold headers.
        force_terminal=True if colour else None,
        color_system="auto" if colour else None,
    )
    screen.print(grid)
