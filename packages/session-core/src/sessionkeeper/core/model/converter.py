"""The one cattrs converter every file format of Sessionkeeper goes through.

Built on cattrs' orjson preconf converter, so datetimes, UUIDs and the like are left for orjson
on the way out and parsed back from their ISO/str forms on the way in. Hooks are generated once per
class and cached by cattrs; ``detailed_validation`` is off because these documents are ours and
speed matters more than a tree of nested error notes (errors are still raised).
"""

from __future__ import annotations

from typing import Any

from cattrs.preconf.orjson import OrjsonConverter, make_converter

__all__ = ["converter", "unstructure"]

converter: OrjsonConverter = make_converter(detailed_validation=False, forbid_extra_keys=False)


# cattrs' default scalar hooks coerce ("false" -> True, 5 -> "5"): stored documents are ours, so a
# value of the wrong type is damage and must be refused, not reinterpreted.
def _strict(kind: type, accepted: tuple[type, ...]) -> Any:
    def structure(value: Any, _: Any) -> Any:
        if type(value) not in accepted:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return kind(value)

    return structure


converter.register_structure_hook(bool, _strict(bool, (bool,)))
converter.register_structure_hook(str, _strict(str, (str,)))
converter.register_structure_hook(int, _strict(int, (int,)))
converter.register_structure_hook(float, _strict(float, (float, int)))


def unstructure(value: Any, as_type: Any = None) -> Any:
    """The JSON-ready form of an attrs model — an info, a report, an event (with ``as_type=Event``,
    its ``kind`` tag) — made by the one converter. Other packages use this, never the converter
    itself: its hooks are core's file formats, not theirs to change."""
    from .events import configure_events  # events import this module: resolved at the call

    configure_events()  # a value may hold events, tagged with their kind
    return converter.unstructure(value) if as_type is None else converter.unstructure(value, as_type)
