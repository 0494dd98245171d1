"""The documented limits on what core stores and loads, and the budget that enforces them.

Every limit is checked *before* anything is acknowledged (``set()``/``record()`` refuse what a
later load could not read back) and again *while loading* (a hostile or damaged file cannot make a
load use more memory than the budget allows):

* ``max_value_bytes`` — one value or event, as stored JSON (default 16 MiB;
  ``SESSIONKEEPER_MAX_VALUE_BYTES``, at most :data:`HARD_MAX_VALUE_BYTES`);
* ``max_store_bytes`` — the decompressed bytes one load of a store reads: its snapshot plus the
  journals written since (default 256 MiB; ``SESSIONKEEPER_MAX_STORE_BYTES``). A session snapshot
  also carries copies of USER and APP values, so the three together count against it;
* ``max_records`` — journal records plus events one load reads (default 1,000,000;
  ``SESSIONKEEPER_MAX_RECORDS``);
* :data:`MAX_DEPTH` — stored JSON nests at most 254 levels (a tagged value such as a tuple uses two
  levels per level of the Python value); deeper values are refused at ``set()`` and are damage on
  load. Fixed: it is the depth the JSON encoder can write back.
"""

from __future__ import annotations

import os

import attrs
import orjson

from .errors import LimitExceededError, SnapshotFormatError

__all__ = [
    "DEFAULT_LIMITS",
    "HARD_MAX_VALUE_BYTES",
    "MAX_DEPTH",
    "MAX_EPOCH",
    "Budget",
    "Limits",
    "check_depth",
    "resolve_limits",
]

MAX_DEPTH = 254
MAX_EPOCH = (1 << 62) - 1  # journal epochs beyond this are damage: the published epoch is a u64
HARD_MAX_VALUE_BYTES = 60 << 20  # a journal record holds at most 64 MiB, sealing included
VALUE_ENV = "SESSIONKEEPER_MAX_VALUE_BYTES"
STORE_ENV = "SESSIONKEEPER_MAX_STORE_BYTES"
RECORDS_ENV = "SESSIONKEEPER_MAX_RECORDS"


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 1:
        raise ValueError(f"{attribute.name} must be a positive integer, not {value!r}")


@attrs.frozen
class Limits:
    """Sizes and counts core accepts (see the module documentation)."""

    max_value_bytes: int = attrs.field(default=16 << 20, validator=_positive)
    max_store_bytes: int = attrs.field(default=256 << 20, validator=_positive)
    max_records: int = attrs.field(default=1_000_000, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.max_value_bytes > HARD_MAX_VALUE_BYTES:
            raise ValueError(f"max_value_bytes cannot exceed {HARD_MAX_VALUE_BYTES} (one journal record)")

    @property
    def max_journal_file_bytes(self) -> int:
        """The largest journal file a load reads (records carry framing and sealing overhead)."""
        return max(512 << 20, 2 * self.max_store_bytes)

    def check_value(self, size: int, what: str) -> None:
        """Refuse one value or event of ``size`` stored bytes if it is over ``max_value_bytes``
        (``what`` says what was refused: "store 'key'", "record a TaskStarted event")."""
        if size > self.max_value_bytes:
            raise LimitExceededError(
                f"cannot {what}: {size} bytes is over the {self.max_value_bytes}-byte limit per value",
                limit=self.max_value_bytes,
                setting=VALUE_ENV,
            )


DEFAULT_LIMITS = Limits()


def resolve_limits() -> Limits:
    """The limits the environment sets, else the defaults."""
    values: dict[str, int] = {}
    settings = ((VALUE_ENV, "max_value_bytes"), (STORE_ENV, "max_store_bytes"), (RECORDS_ENV, "max_records"))
    for env, field in settings:
        raw = os.environ.get(env)
        if raw:
            try:
                values[field] = int(raw)
            except ValueError:
                raise ValueError(f"{env} must be an integer, not {raw!r}") from None
    return Limits(**values) if values else DEFAULT_LIMITS


class Budget:
    """What one load may still read; a load that would go past it fails with one clear error."""

    def __init__(self, limits: Limits, what: str) -> None:
        self.limits = limits
        self.what = what
        self.bytes_left = limits.max_store_bytes
        self.records_left = limits.max_records

    @property
    def used(self) -> int:
        return self.limits.max_store_bytes - self.bytes_left

    def take_bytes(self, size: int) -> None:
        self.bytes_left -= size
        if self.bytes_left < 0:
            self.exceeded()

    def take_records(self, count: int) -> None:
        self.records_left -= count
        if self.records_left < 0:
            self.exceeded()

    def exceeded(self) -> None:
        """Raise the error for whichever part of the budget is spent."""
        if self.bytes_left < 0:
            raise LimitExceededError(
                f"{self.what} holds more than {self.limits.max_store_bytes} bytes to load",
                limit=self.limits.max_store_bytes,
                setting=STORE_ENV,
            )
        raise LimitExceededError(
            f"{self.what} holds more than {self.limits.max_records} journal records and events",
            limit=self.limits.max_records,
            setting=RECORDS_ENV,
        )


def check_depth(data: bytes, parsed: object) -> None:
    """Raise :class:`SnapshotFormatError` if ``parsed`` (read from ``data``) nests deeper than
    :data:`MAX_DEPTH`. Cheap in the common case: only JSON with that many brackets is walked, and
    the walk is the encoder's, in C."""
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return
    try:
        orjson.dumps(parsed)
    except orjson.JSONEncodeError:
        raise SnapshotFormatError(f"nested deeper than {MAX_DEPTH} levels") from None
