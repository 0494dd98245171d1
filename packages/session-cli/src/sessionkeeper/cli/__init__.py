"""session-cli: the ``session`` command of Sessionkeeper.

``main`` is the console script. Everything else is imported on demand so that ``session --version``
and ``session info`` start fast; see :mod:`sessionkeeper.cli.app`.
"""

from __future__ import annotations

import sys

from .__about__ import __version__

# Not `from typing import TYPE_CHECKING`: importing typing costs more than the whole of
# `session --version` otherwise does. Type checkers treat any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn

__all__ = ["__version__", "main"]


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run ``session`` with ``argv`` (default: the process's arguments) and exit."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        # Answered before click (and everything else) is imported; same output as the option.
        sys.stdout.write(f"session {__version__}\n")
        sys.exit(0)
    from .app import main as run

    run(args)
