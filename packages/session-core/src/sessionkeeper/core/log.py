"""Core's logger, made on first use.

``logging`` takes longer to import than any module of core's own, and most programs that import
core never log through it; so it is imported by the first message. A library stays silent unless
the program configures logging: the logger gets a ``NullHandler`` (the CLI routes it itself).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

__all__ = ["LOGGER_NAME", "log"]

LOGGER_NAME = "sessionkeeper.core"


@functools.cache
def log() -> logging.Logger:
    """The ``sessionkeeper.core`` logger."""
    import logging

    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(logging.NullHandler())
    return logger
