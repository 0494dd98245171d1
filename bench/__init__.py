"""Sessionkeeper's benchmark suite; run it with ``.venv/bin/hatch run bench`` (see README.md)."""
