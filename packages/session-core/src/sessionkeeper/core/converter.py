"""The one cattrs converter every file format of Sessionkeeper goes through.

Built on cattrs' orjson preconf converter, so datetimes, UUIDs and the like are left for orjson
on the way out and parsed back from their ISO/str forms on the way in. Hooks are generated once per
class and cached by cattrs; ``detailed_validation`` is off because these documents are ours and
speed matters more than a tree of nested error notes (errors are still raised).
"""

from __future__ import annotations

from typing import Any

from cattrs.preconf.orjson import OrjsonConverter, make_converter

__all__ = ["converter", "passthrough_dict"]

converter: OrjsonConverter = make_converter(detailed_validation=False, forbid_extra_keys=False)


def passthrough_dict(value: dict[str, Any]) -> dict[str, Any]:
    """Unstructure hook that hands a plain ``dict[str, Any]`` to orjson untouched.

    Walking every plain value through cattrs costs ~20x more than orjson alone.
    """
    return value
