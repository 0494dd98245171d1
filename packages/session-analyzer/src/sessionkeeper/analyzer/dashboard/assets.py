"""The files the pages load, all shipped in the package (``static/``) and served from memory.

``/static/dashboard.css`` is the HTML report's stylesheet (``html_assets.CSS``: its fonts — the
Hangul-covering stacks —, cards, charts and tables) followed by the dashboard's own
``static/dashboard.css``; ``/static/dashboard.js`` is the dashboard's script followed by the
report's table-sorting script (``html_assets.SCRIPT``). Only these names exist: a request for
anything else (``../../etc/passwd``, encoded or not) is a 404, never a file-system lookup.
"""

from __future__ import annotations

from importlib import resources
from typing import Final

from sessionkeeper.analyzer.html_assets import CSS, SCRIPT

__all__ = ["ASSETS"]


def _read(name: str) -> str:
    return resources.files(__package__).joinpath("static", name).read_text("utf-8")


ASSETS: Final[dict[str, tuple[bytes, str]]] = {
    "dashboard.css": ((CSS + "\n" + _read("dashboard.css")).encode(), "text/css; charset=utf-8"),
    "dashboard.js": ((_read("dashboard.js") + "\n" + SCRIPT).encode(), "text/javascript; charset=utf-8"),
    "favicon.svg": (_read("favicon.svg").encode(), "image/svg+xml"),
}
