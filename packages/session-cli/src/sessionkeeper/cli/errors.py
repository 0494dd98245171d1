"""Failures of the CLI itself, and the one-line description of any failure the user can act on."""

from __future__ import annotations

from . import messages

__all__ = ["CliError", "describe_failure"]


class CliError(Exception):
    """A failure the user can act on, found by the CLI itself (not by core).

    Carries a message id and its values; the text is made in the language of the run. Exits with
    status 1 after one line on stderr.
    """

    exit_code = 1

    def __init__(self, message_id: str, /, **values: object) -> None:
        self.message_id = message_id
        self.values = values
        super().__init__(messages.text(message_id, **values))


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
