"""Failures of the CLI itself, the one-line description of any failure the user can act on, and
the obvious next command after it (the ``hint:`` line)."""

from __future__ import annotations

from . import messages

__all__ = [
    "EXIT_FAILURE",
    "EXIT_LOCKED",
    "EXIT_USAGE",
    "CliError",
    "LockedError",
    "describe_failure",
    "failure_hint",
]

# Exit statuses (documented in ``help.session``, ``help.verify`` and the README); 130: interrupted.
EXIT_FAILURE = 1  # a failure the user can act on (a damaged store, a missing session, ...)
EXIT_USAGE = 2  # click's usage errors
EXIT_LOCKED = 3  # `verify`: nothing damaged, but stores locked (no key, or the wrong key): not checked


class CliError(Exception):
    """A failure the user can act on, found by the CLI itself (not by core).

    Carries a message id and its values; the text is made in the language of the run. Exits with
    status :attr:`exit_code` (1) after one line on stderr, followed by a ``hint:`` line when
    ``hint`` names the obvious next command (``session start``; written without the global options,
    which the CLI adds as the run was given them).
    """

    exit_code = EXIT_FAILURE

    def __init__(self, message_id: str, /, *, hint: str | None = None, **values: object) -> None:
        self.message_id = message_id
        self.values = values
        self.hint = hint
        super().__init__(messages.text(message_id, **values))


class LockedError(CliError):
    """Stores that could not be checked because they are encrypted and the right key is not
    configured (none, or another one): not damage, so its own exit status."""

    exit_code = EXIT_LOCKED


def describe_failure(exc: BaseException) -> str | None:
    """The message for a failure the user can act on, or None for a bug (which keeps its traceback).

    Core is imported here, not at the top, so a run that never touched core (``--version``) never
    pays for it; if core was never imported, its errors cannot have been raised.
    """
    if isinstance(exc, CliError):
        return str(exc)
    from sessionkeeper.core import (
        CorruptSessionError,
        InvalidSessionIdError,
        SessionkeeperError,
        SessionNotFoundError,
    )

    if isinstance(exc, InvalidSessionIdError):
        return messages.text("core.invalid_id", id=_shown(exc.session_id))
    if isinstance(exc, SessionNotFoundError):
        return messages.text("core.not_found", detail=str(exc))
    if isinstance(exc, CorruptSessionError):
        return messages.text("core.corrupt", what=exc.what, reason=exc.reason)
    if isinstance(exc, SessionkeeperError):
        specific = f"core.{type(exc).__name__}"
        return messages.text(specific if messages.has(specific) else "core.other", detail=str(exc))
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        if exc.filename is None:
            return messages.text("os_error.plain", reason=reason)
        return messages.text("os_error", reason=reason, path=exc.filename)
    return None


def failure_hint(exc: BaseException) -> str | None:
    """The obvious next command after the failure ``exc`` (described by :func:`describe_failure`),
    or None. Core's errors are looked at only if core was imported (it raised them)."""
    if isinstance(exc, CliError):
        return exc.hint
    import sys

    if "sessionkeeper.core" not in sys.modules:
        return None
    from sessionkeeper.core import CorruptSessionError, SessionNotFoundError

    if isinstance(exc, CorruptSessionError) and _is_session_id(exc.what):
        return f"session recover {exc.what}"
    if isinstance(exc, SessionNotFoundError) and exc.session_id is not None:
        return "session list"  # (an invalid id's message already points there)
    return None


def _is_session_id(text: str) -> bool:
    from sessionkeeper.core import InvalidSessionIdError, validate_session_id

    try:
        validate_session_id(text)
    except InvalidSessionIdError:
        return False
    return True


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."
