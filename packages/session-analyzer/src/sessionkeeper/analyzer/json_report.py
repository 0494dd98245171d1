"""The report as JSON: core's cattrs converter unstructures the models, orjson writes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from sessionkeeper.core import unstructure

from .report import Report

if TYPE_CHECKING:
    from .insights.model import Insights

__all__ = ["render_json"]


def render_json(report: Report, insights: Insights | None = None) -> bytes:
    """UTF-8 JSON, indented, with a final newline; the keys are the report models' field names,
    plus ``insights`` (the insights' models) when given."""
    document = unstructure(report)
    if insights is not None:
        document["insights"] = unstructure(insights)
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
