"""Sessionkeeper's benchmark suite; run it with ``python3 -m hatch run bench`` (see README.md)."""
