"""Every test of this folder runs under each codec of the matrix (see ``tests/conftest.py``)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _codec_matrix(codec_name: str) -> str:
    """The codec this test runs under; its settings are in ``os.environ`` (children inherit them)."""
    return codec_name
