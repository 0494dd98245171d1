"""The report as JSON: core's cattrs converter unstructures the models, orjson writes them."""

from __future__ import annotations

import orjson

from sessionkeeper.core import unstructure

from .report import Report

__all__ = ["render_json"]


def render_json(report: Report) -> bytes:
    """UTF-8 JSON, indented, with a final newline; the keys are the report models' field names."""
    return orjson.dumps(unstructure(report), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
