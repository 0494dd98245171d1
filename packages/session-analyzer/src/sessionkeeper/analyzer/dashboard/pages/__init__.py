"""The dashboard's pages, rendered on the server (every value escaped): Now, Trends, Task, Session,
Insights, and what they share (:mod:`.common`, :mod:`.events`)."""

from __future__ import annotations

__all__: list[str] = []
