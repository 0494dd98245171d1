"""Values of a class that the ``session`` process cannot import (it is not on its path)."""

from __future__ import annotations

import attrs


@attrs.frozen
class Point:
    x: int
    y: int
