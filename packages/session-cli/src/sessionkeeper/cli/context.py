"""What every command needs to know: where the data lives, which session it means, and how to open it.

The data directory is ``--data-dir``, else ``SESSIONKEEPER_DATA_DIR``, else the one found above
the current directory as git finds its repository, else ``./RUNS`` (:mod:`.discovery`); the USER
directory is core's (``SESSIONKEEPER_USER_DIR``, else the platform's). Both are resolved only when
a command asks, so ``--help`` and ``--version`` never import core. Only ``start`` and ``import``
may create the data directory; every other command says that it is missing instead.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import console, messages
from .discovery import DataDirChoice, choose_data_dir
from .errors import CliError

if TYPE_CHECKING:
    from sessionkeeper.core import SessionManager

__all__ = ["Places", "Settings"]


class Places(NamedTuple):
    """The directories of this run."""

    data_dir: Path
    user_dir: Path


class Settings:
    """The global options of one run (``ctx.obj`` of every command)."""

    def __init__(self, data_dir: Path | None = None, *, as_json: bool = False) -> None:
        self.data_dir_option = data_dir
        self.as_json = as_json  # the global --json: every command that has --json prints JSON

    @functools.cached_property
    def data_dir_choice(self) -> DataDirChoice:
        """The data directory and how it was chosen (no file is created)."""
        return choose_data_dir(self.data_dir_option, os.environ, Path.cwd())

    @functools.cached_property
    def places(self) -> Places:
        """The data and user directories (no file is touched)."""
        from sessionkeeper.core import resolve_data_dir, resolve_user_dir

        return Places(resolve_data_dir(self.data_dir_choice.path), resolve_user_dir(None))

    def describe_data_dir(self) -> str:
        """Why this data directory, in the language of the run: "from --data-dir", "found: ..."."""
        choice = self.data_dir_choice
        return messages.text(f"origin.{choice.origin}", file=choice.found_in or "", cwd=Path.cwd())

    def existing_data_dir(self) -> Path:
        """The data directory, which must exist already (reading commands never create it)."""
        data_dir = self.places.data_dir
        if not data_dir.exists():
            if self.data_dir_choice.origin == "default":
                raise CliError("error.no_data_dir_found", path=data_dir, cwd=Path.cwd(), hint="session start")
            raise CliError(
                "error.no_data_dir", path=data_dir, origin=self.describe_data_dir(), hint="session start"
            )
        if not data_dir.is_dir():
            raise CliError("error.data_dir_not_dir", path=data_dir, origin=self.describe_data_dir())
        return data_dir

    def data_dir_for_writing(self) -> Path:
        """The data directory for a command that may create it: refused when it, or the nearest
        part of its path that exists, is not a directory (a file given by mistake)."""
        data_dir = self.places.data_dir
        existing = next((path for path in (data_dir, *data_dir.parents) if path.exists()), None)
        if existing is not None and not existing.is_dir():
            if existing == data_dir:
                raise CliError("error.data_dir_not_dir", path=data_dir, origin=self.describe_data_dir())
            raise CliError(
                "error.data_dir_blocked", path=data_dir, origin=self.describe_data_dir(), blocker=existing
            )
        return data_dir

    def current_session(self) -> tuple[Path, str]:
        """The data directory and the id of its current session."""
        from sessionkeeper.core import list_sessions, read_current

        data_dir = self.existing_data_dir()
        session_id = read_current(data_dir)
        if session_id is None:
            # Sessions but none current (the pointer was removed): resuming the latest is the step.
            hint = "session resume" if list_sessions(data_dir) else "session start"
            raise CliError("error.no_current", path=data_dir, hint=hint)
        return data_dir, session_id

    def resolve_session(self, text: str) -> str:
        """The id a session argument means: a whole id, a unique prefix, ``latest`` or ``current``
        (see :mod:`.session_ids`)."""
        from .session_ids import resolve

        return resolve(self, text)

    def session_or_current(self, session_id: str | None) -> tuple[Path, str]:
        """``session_id`` if given (resolved, and validated by core when used), else the current session."""
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
        self.data_dir_for_writing()
        try:
            session = SessionManager(data_dir=places.data_dir, user_dir=places.user_dir, handle_signals=False)
        except ValueError as exc:  # e.g. an invalid SESSIONKEEPER_FSYNC
            raise CliError("error.config", detail=str(exc)) from None
        try:
            yield session
        finally:
            session.stop()
