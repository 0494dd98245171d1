"""What every command needs to know: where the data lives, and how to open it.

Directories are resolved by core (the ``--data-dir`` option, else ``SESSIONKEEPER_DATA_DIR`` /
``SESSIONKEEPER_USER_DIR``, else core's defaults) and only when a command asks, so ``--help`` and
``--version`` never import core. Only ``start`` and ``import`` may create the data directory; every
other command says that it is missing instead.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import console
from .errors import CliError

if TYPE_CHECKING:
    from sessionkeeper.core import SessionManager

__all__ = ["Places", "Settings"]


class Places(NamedTuple):
    """The directories of this run, as core resolves them."""

    data_dir: Path
    user_dir: Path


class Settings:
    """The global options of one run (``ctx.obj`` of every command)."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir_option = data_dir

    @functools.cached_property
    def places(self) -> Places:
        """Core's resolution of the data and user directories (no file is touched)."""
        from sessionkeeper.core import resolve_data_dir, resolve_user_dir

        return Places(resolve_data_dir(self.data_dir_option), resolve_user_dir(None))

    def existing_data_dir(self) -> Path:
        """The data directory, which must exist already (reading commands never create it)."""
        data_dir = self.places.data_dir
        if not data_dir.exists():
            raise CliError("error.no_data_dir", path=data_dir)
        if not data_dir.is_dir():
            raise CliError("error.data_dir_not_dir", path=data_dir)
        return data_dir

    def current_session(self) -> tuple[Path, str]:
        """The data directory and the id of its current session."""
        from sessionkeeper.core import read_current

        data_dir = self.existing_data_dir()
        session_id = read_current(data_dir)
        if session_id is None:
            raise CliError("error.no_current", path=data_dir)
        return data_dir, session_id

    def session_or_current(self, session_id: str | None) -> tuple[Path, str]:
        """``session_id`` if given (validated by core when used), else the current session."""
        if session_id is None:
            return self.current_session()
        return self.existing_data_dir(), session_id

    @contextmanager
    def manager(self) -> Iterator[SessionManager]:
        """A manager on this run's directories, stopped (saving what changed) at the end. It opens
        a store only when a command changes it: a USER value never touches APP, and back."""
        from sessionkeeper.core import SessionManager

        console.route_core_warnings()
        places = self.places
        try:
            session = SessionManager(data_dir=places.data_dir, user_dir=places.user_dir, handle_signals=False)
        except ValueError as exc:  # e.g. an invalid SESSIONKEEPER_FSYNC
            raise CliError("error.config", detail=str(exc)) from None
        try:
            yield session
        finally:
            session.stop()
