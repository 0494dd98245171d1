"""A plugin module that fails when imported, as a half-installed package would."""

from __future__ import annotations

raise RuntimeError("this plugin is broken\non purpose")
