"""Turning values into stored JSON bytes and back, keeping their Python type.

Persistent scopes store each value as compact JSON bytes. Plain JSON values stay plain, so
snapshot files remain readable by people and old tools; every other supported type is written as a
small tagged object ``{"$type": <name>, "v": <payload>}`` and comes back as the same type.
Decoding always builds fresh objects, so what ``get()`` returns can never change stored state.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any
from uuid import UUID

import attrs
import orjson

from .converter import converter
from .errors import UnserializableValueError, ValueDecodeError

__all__ = [
    "Stored",
    "decode_stored",
    "decode_value",
    "encode_tree",
    "encode_value",
    "stored_json",
    "tree_to_bytes",
]

# What a persistent scope's map holds per key: the encoded JSON bytes (values set in this process)
# or the already-parsed encoded tree (values read from a snapshot or journal, which are never
# handed out: decoding builds fresh containers).
Stored = Any

TAG = "$type"
_TAG_BYTES = b'"$type"'
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_SCALARS: frozenset[type] = frozenset({str, bool, type(None)})


class _Refused(Exception):
    def __init__(self, path: str, value: object) -> None:
        super().__init__(path)
        self.path = path
        self.value = value


def encode_value(key: str, value: object) -> bytes:
    """Encode ``value`` for a persistent scope, or raise :class:`UnserializableValueError`."""
    if type(value) in _SCALARS:
        return orjson.dumps(value)
    try:
        return orjson.dumps(encode_tree(value))
    except _Refused as refused:
        raise UnserializableValueError(key, refused.path, refused.value) from None
    except RecursionError:
        raise UnserializableValueError(key, "(nested too deeply or contains itself)", value) from None
    except orjson.JSONEncodeError as exc:  # e.g. an attrs field holding something orjson cannot write
        raise UnserializableValueError(key, str(exc), value) from None


def tree_to_bytes(tree: Any) -> bytes:
    """Compact JSON bytes of an already encoded tree (as read from a snapshot)."""
    return orjson.dumps(tree)


def encode_tree(value: Any, path: str = "") -> Any:
    """The JSON-able tree for ``value``; raises ``_Refused`` for unsupported types."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is int:
        return value if _INT64_MIN <= value <= _INT64_MAX else {TAG: "int", "v": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {TAG: "float", "v": repr(value)}
    if kind is list:
        return [encode_tree(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind is dict:
        if all(type(k) is str for k in value) and TAG not in value:
            return {k: encode_tree(v, f"{path}[{k!r}]") for k, v in value.items()}
        return {
            TAG: "dict",
            "v": [
                [encode_tree(k, f"{path}<key>"), encode_tree(v, f"{path}[{k!r}]")] for k, v in value.items()
            ],
        }
    encoder = _ENCODERS.get(kind)
    if encoder is not None:
        return encoder(value, path)
    if isinstance(value, PurePath):
        return {TAG: "path", "v": str(value)}
    if attrs.has(kind):
        return _encode_attrs(value, path)
    raise _Refused(path, value)


def _encode_items(name: str) -> Callable[[Any, str], Any]:
    def encode(value: Any, path: str) -> Any:
        return {TAG: name, "v": [encode_tree(item, f"{path}<{name} item>") for item in value]}

    return encode


def _encode_attrs(value: Any, path: str) -> Any:
    kind = type(value)
    if "<locals>" in kind.__qualname__:
        raise _Refused(path, value)  # a class defined inside a function cannot be found again
    return {
        TAG: "attrs",
        "class": f"{kind.__module__}:{kind.__qualname__}",
        "v": converter.unstructure(value),
    }


_ENCODERS: dict[type, Callable[[Any, str], Any]] = {
    datetime: lambda v, _: {TAG: "datetime", "v": v.isoformat()},
    date: lambda v, _: {TAG: "date", "v": v.isoformat()},
    time: lambda v, _: {TAG: "time", "v": v.isoformat()},
    UUID: lambda v, _: {TAG: "uuid", "v": str(v)},
    Decimal: lambda v, _: {TAG: "decimal", "v": str(v)},
    tuple: _encode_items("tuple"),
    set: _encode_items("set"),
    frozenset: _encode_items("frozenset"),
}


def decode_stored(stored: Stored) -> Any:
    """A fresh Python object from what a scope's map holds (bytes or a parsed tree)."""
    kind = type(stored)
    if kind is bytes:
        return decode_value(stored)
    if kind is dict or kind is list:
        return _decode_tree(stored)  # rebuilds every container: the caller gets its own copy
    return stored  # str, int, float, bool, None: immutable


def stored_json(stored: Stored) -> Any:
    """What orjson should write for a stored value (bytes are embedded without re-encoding)."""
    return orjson.Fragment(stored) if type(stored) is bytes else stored


def decode_value(data: bytes) -> Any:
    """A fresh Python object from stored bytes (never shared with stored state)."""
    tree = orjson.loads(data)
    if _TAG_BYTES in data:
        return _decode_tree(tree)
    return tree


def _decode_tree(tree: Any) -> Any:
    kind = type(tree)
    if kind is list:
        return [_decode_tree(item) for item in tree]
    if kind is not dict:
        return tree
    tag = tree.get(TAG)
    if tag is None:
        return {k: _decode_tree(v) for k, v in tree.items()}
    try:
        return _DECODERS[tag](tree)
    except KeyError:
        raise ValueDecodeError(f"unknown stored type {tag!r}; written by a newer Sessionkeeper?") from None
    except (ValueError, TypeError, AttributeError, ArithmeticError) as exc:
        raise ValueDecodeError(f"stored {tag} value is malformed: {exc}") from None


def _decode_attrs(tree: dict[str, Any]) -> Any:
    module_name, _, qualname = str(tree["class"]).partition(":")
    # Only classes whose module the program has already imported: importing a module named by a
    # file would run code chosen by whoever wrote the file.
    module = sys.modules.get(module_name)
    if module is None:
        raise ValueDecodeError(f"stored value is a {tree['class']}; import {module_name} before reading it")
    target: Any = module
    for part in qualname.split("."):
        target = getattr(target, part, None)
    if not (isinstance(target, type) and attrs.has(target)):
        raise ValueDecodeError(f"stored value names {tree['class']}, which is not an attrs class")
    return converter.structure(tree["v"], target)


_DECODERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "datetime": lambda t: datetime.fromisoformat(t["v"]),
    "date": lambda t: date.fromisoformat(t["v"]),
    "time": lambda t: time.fromisoformat(t["v"]),
    "uuid": lambda t: UUID(t["v"]),
    "path": lambda t: Path(t["v"]),
    "decimal": lambda t: Decimal(t["v"]),
    "int": lambda t: int(t["v"]),
    "float": lambda t: float(t["v"]),
    "tuple": lambda t: tuple(_decode_tree(i) for i in t["v"]),
    "set": lambda t: {_decode_tree(i) for i in t["v"]},
    "frozenset": lambda t: frozenset(_decode_tree(i) for i in t["v"]),
    "dict": lambda t: {_decode_tree(k): _decode_tree(v) for k, v in t["v"]},
    "attrs": _decode_attrs,
}
