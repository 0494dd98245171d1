"""What ``session set KEY VALUE`` stores: where VALUE comes from, and how its text is read.

Where from (the form of the argument):

* ``-``: standard input; ``@FILE``: the file (``@/dev/fd/3`` and ``@<(command)`` work too);
  ``@@...``: the text itself without its first ``@`` (``@@alice`` stores ``@alice``); anything else
  is the text itself. From standard input or a file, one final newline is dropped (``echo``
  and editors add one; ``session get`` prints one back), and the text must be UTF-8. The bytes are
  read with a bound (:data:`MAX_INPUT_BYTES`), so ``@/dev/zero`` fails instead of filling memory;
  core then applies its own limit per value (``SESSIONKEEPER_MAX_VALUE_BYTES``).

How it is read (the documented rule, unchanged): JSON if it parses (``5``, ``true``, ``[1, 2]``,
``'"quoted"'``), else the text as a string. ``--string`` stores the text as it is; ``--json-value``
requires JSON and stores nothing otherwise. Text that starts like JSON (``{``, ``[``, ``"``) but
does not parse is still stored as a string, with a warning on stderr saying so.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from sessionkeeper.cli import messages
from sessionkeeper.cli.errors import CliError

__all__ = ["MAX_INPUT_BYTES", "interpret", "parse_value", "read_source"]

# One value can never be larger than a journal record (core's HARD_MAX_VALUE_BYTES, 60 MiB); the
# text read for it is bounded just above that, before core's own (configurable) check.
MAX_INPUT_BYTES = 60 << 20
_LOOKS_LIKE_JSON = ("{", "[", '"')


def read_source(argument: str) -> str:
    """The text the VALUE argument stands for: itself, standard input (``-``) or a file (``@FILE``)."""
    if argument == "-":
        return _decoded(sys.stdin.buffer.read(MAX_INPUT_BYTES + 1), messages.text("value.stdin"))
    if argument.startswith("@@"):
        return argument[1:]
    if argument.startswith("@"):
        name = argument[1:]
        if not name:
            raise CliError("value.no_file_name")
        try:
            with Path(name).open("rb") as file:  # a FIFO (@<(cmd)) reads like a file
                data = file.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise CliError("value.unreadable", source=name, reason=exc.strerror or str(exc)) from None
        return _decoded(data, name)
    return argument


def _decoded(data: bytes, source: str) -> str:
    if len(data) > MAX_INPUT_BYTES:
        raise CliError("value.too_large", source=source, limit=MAX_INPUT_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CliError("value.not_text", source=source) from None
    # One final newline: `echo x | session set k -` stores "x", and `session get k` prints it back.
    return text.removesuffix("\n").removesuffix("\r") if text.endswith("\n") else text


def parse_value(text: str) -> Any:
    """``VALUE`` as JSON if it parses (``5``, ``true``, ``[1, 2]``, ``'"quoted"'``), else the text itself.

    ``NaN`` and ``Infinity`` stay text: they are not JSON, and a word is more likely meant.
    """
    try:
        return _json(text)
    except ValueError:
        return text


def interpret(text: str, *, as_string: bool, json_only: bool) -> tuple[Any, str | None]:
    """The value to store for ``text``, and a warning when malformed JSON became a string.

    ``json_only`` (``--json-value``) refuses text that is not JSON; ``as_string`` (``--string``)
    takes it as it is.
    """
    if as_string:
        return text, None
    try:
        return _json(text), None
    except ValueError as exc:
        reason = _reason(exc)
        if json_only:
            raise CliError("value.invalid_json", reason=reason) from None
        if text.lstrip().startswith(_LOOKS_LIKE_JSON):
            return text, messages.text("value.not_json", reason=reason)
        return text, None


def _json(text: str) -> Any:
    """JSON, with the CLI's limits: no NaN/Infinity constants, finite numbers, bounded nesting."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    def finite(number: str) -> float:
        value = float(number)
        if not math.isfinite(value):  # 1e999: JSON has no infinity, and core would tag it
            raise CliError("set.not_finite", value=number)
        return value

    try:
        return json.loads(text, parse_constant=refuse, parse_float=finite)
    except RecursionError:
        raise CliError("set.too_deep") from None


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)
