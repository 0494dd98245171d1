"""Failures of the CLI itself, and the one-line description of any failure the user can act on."""

from __future__ import annotations

from . import messages

__all__ = ["EXIT_FAILURE", "EXIT_LOCKED", "EXIT_USAGE", "CliError", "LockedError", "describe_failure"]

# Exit statuses (documented in ``help.session``, ``help.verify`` and the README); 130: interrupted.
EXIT_FAILURE = 1  # a failure the user can act on (a damaged store, a missing session, ...)
EXIT_USAGE = 2  # click's usage errors
EXIT_LOCKED = 3  # `verify`: nothing damaged, but stores locked (no key, or the wrong key): not checked


class CliError(Exception):
    """A failure the user can act on, found by the CLI itself (not by core).

    Carries a message id and its values; the text is made in the language of the run. Exits with
    status :attr:`exit_code` (1) after one line on stderr.
    """

    exit_code = EXIT_FAILURE

    def __init__(self, message_id: str, /, **values: object) -> None:
        self.message_id = message_id
        self.values = values
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


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."
