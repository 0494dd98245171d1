"""Every error session-core raises on purpose.

All derive from :class:`SessionkeeperError`, so a caller can catch one class. Messages say what
happened and what to do; tracebacks are for bugs only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = [
    "ArchiveError",
    "ConfigurationError",
    "CorruptSessionError",
    "DecryptionError",
    "IntegrityError",
    "InvalidKeyError",
    "InvalidSessionIdError",
    "InvalidTargetKeyError",
    "JournalWriteError",
    "KeyConfigurationError",
    "KeyRequiredError",
    "LegacySessionError",
    "LimitExceededError",
    "NoActiveSessionError",
    "RemoteIntegrityError",
    "RemoteKeyError",
    "RemotePlaintextError",
    "SaveError",
    "SessionLockedError",
    "SessionNotFoundError",
    "SessionkeeperError",
    "SnapshotFormatError",
    "StorageError",
    "TargetAccessError",
    "TargetConflictError",
    "TargetError",
    "TargetMissingError",
    "TargetNotFoundError",
    "TargetPreconditionError",
    "TargetUnavailableError",
    "UnserializableValueError",
    "UnsupportedPlatformError",
    "ValueDecodeError",
    "storage_errors",
]


class SessionkeeperError(Exception):
    """Base class of every error raised by Sessionkeeper on purpose."""


class InvalidSessionIdError(SessionkeeperError, ValueError):
    """A session id is not of the form ``session_YYYYMMDD_HHMMSS_<8 hex>``.

    Raised for anything that could escape the sessions directory (``../../x``, absolute paths,
    NUL bytes) before any file is touched.
    """

    def __init__(self, session_id: object) -> None:
        shown = repr(session_id) if len(repr(session_id)) <= 80 else repr(session_id)[:77] + "..."
        super().__init__(
            f"invalid session id {shown}: expected session_YYYYMMDD_HHMMSS_<8 hex digits> "
            "(see 'session list' for the ids that exist)"
        )
        self.session_id = session_id


class SessionNotFoundError(SessionkeeperError, LookupError):
    """No session with that id (or, with ``session_id`` None, no session at all) in a directory."""

    def __init__(self, session_id: str | None, where: str) -> None:
        if session_id is None:
            super().__init__(f"there is no session in {where}; start one first")
        else:
            super().__init__(f"no session {session_id} in {where}")
        self.session_id = session_id
        self.where = where


class NoActiveSessionError(SessionkeeperError, RuntimeError):
    """An operation needs a running session and none was started or resumed."""

    def __init__(self, action: str) -> None:
        super().__init__(f"cannot {action}: no session is running; call start() or resume() first")


class CorruptSessionError(SessionkeeperError):
    """Neither the snapshot nor its backup of a session could be read."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"{what} is unreadable: {reason}")
        self.what = what
        self.reason = reason


class LegacySessionError(SessionkeeperError):
    """The operation would rewrite a file of the old tool, which Sessionkeeper never changes."""


class SessionLockedError(SessionkeeperError):
    """Another process holds a lock that this operation needs and did not release it in time."""


class StorageError(SessionkeeperError, OSError):
    """A file operation failed (disk full, I/O error, permission); the message names the file."""


class SaveError(StorageError):
    """Writing a snapshot failed; the last good snapshot and the journal are untouched."""


class JournalWriteError(StorageError):
    """A change could not be written to (or made durable in) the journal: it was not stored."""


class UnserializableValueError(SessionkeeperError, TypeError):
    """A value given to ``set()`` cannot be stored in a persistent scope."""

    def __init__(self, key: str, path: str, value: object) -> None:
        where = f" at {path}" if path else ""
        super().__init__(
            f"cannot store {key!r}: value of type {type(value).__qualname__}{where} is not supported. "
            "Persistent scopes take JSON values, datetime, date, time, UUID, Path, Decimal, set, "
            "frozenset, tuple and attrs classes; use StateScope.TEMP for anything else"
        )
        self.key = key
        self.path = path


class KeyRequiredError(SessionkeeperError):
    """A file is encrypted and no key is configured to open it (the message names its key id)."""

    def __init__(self, key_id: str, what: str) -> None:
        super().__init__(
            f"{what} is encrypted with key {key_id} and no key is configured; set SESSIONKEEPER_KEY, "
            "SESSIONKEEPER_KEY_FILE or SESSIONKEEPER_PASSPHRASE"
        )
        self.key_id = key_id


class DecryptionError(SessionkeeperError):
    """A file is encrypted with a key (or passphrase) other than the configured one(s)."""


class IntegrityError(SessionkeeperError):
    """Encrypted or compressed bytes do not check out: the file was changed or damaged."""


class KeyConfigurationError(SessionkeeperError):
    """The configured key, key file, passphrase or codec settings cannot be used (message says why)."""


class ConfigurationError(SessionkeeperError, ValueError):
    """A setting (an environment variable or ``[tool.sessionkeeper]``) has a value that cannot be
    used; the message names the setting."""


class ArchiveError(SessionkeeperError):
    """A session could not be put into the history archive (damaged: recover it first); retention
    keeps it instead of removing it."""


class ValueDecodeError(SessionkeeperError, ValueError):
    """A stored value cannot be turned back into its Python type."""


class InvalidKeyError(SessionkeeperError, TypeError):
    """A key given to ``set()``/``get()``/``delete()`` is not a string of valid Unicode text."""


class LimitExceededError(SessionkeeperError, ValueError):
    """A value, an event, a store or an input file is larger (or has more records) than a
    documented limit allows; the message names the limit and the setting that raises it."""

    def __init__(self, message: str, *, limit: int = 0, setting: str | None = None) -> None:
        hint = f" (raise it with {setting})" if setting else ""
        super().__init__(f"{message}{hint}")
        self.limit = limit
        self.setting = setting


class SnapshotFormatError(SessionkeeperError, ValueError):
    """Bytes that are not a sound document of the expected kind: not JSON, a missing or wrong
    field, a checksum that does not match, nesting deeper than allowed (message says why)."""


class UnsupportedPlatformError(SessionkeeperError, NotImplementedError):
    """This platform has no lock implementation, so no store can be opened for writing here.

    Raised by starting or resuming a ``SessionManager`` (and by any other writer: checkpointing,
    importing or rotating keys of a stored session) before it takes a lock or makes a lock file.
    Importing ``sessionkeeper.core`` needs no lock module, nor does reading stored sessions
    (``read_session``, ``list_sessions``, ``verify_store``, ``session info``): that is tested with
    ``fcntl`` and ``mmap`` unimportable (Windows itself is not tested; see the README). Locks are
    POSIX ``flock`` today (``sessionkeeper.core.storage.locks_posix``: Linux, macOS, the BSDs);
    another platform needs one module of its own (see ``sessionkeeper.core.storage.locks``).
    """

    def __init__(self, platform: str, reason: str) -> None:
        super().__init__(
            f"Sessionkeeper cannot write sessions on this platform ({platform}): {reason}. "
            "Stored sessions can still be read (session info, session list, read_session())"
        )
        self.platform = platform
        self.reason = reason


@contextlib.contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Turn a bare ``OSError`` into a :class:`StorageError` that says what failed and where."""
    try:
        yield
    except SessionkeeperError:
        raise
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise StorageError(exc.errno or 0, f"{what}: {exc.strerror or exc}{where}") from exc


# -- backup targets (storage/targets.py): copies of sealed objects elsewhere ------------------------
class TargetError(SessionkeeperError):
    """Base class of what a backup target refuses about its objects (a bad key, a missing object, a
    put whose precondition failed). Failures of the medium itself (disk full, I/O error, a planted
    symlink) are :class:`StorageError`; a read over its size limit is :class:`LimitExceededError`."""


def _shown(key: object) -> str:
    text = repr(key)
    return text if len(text) <= 80 else text[:77] + "..."


class InvalidTargetKeyError(TargetError, ValueError):
    """A key (or list prefix) is not a relative path of plain names: empty, absolute, with ``..``,
    ``.``, a NUL, a backslash, a character outside ``A-Z a-z 0-9 . _ - = + @``, a part starting with
    ``.`` or ``-``, or too long. Raised before anything is touched: no key escapes a target's root."""

    def __init__(self, key: object, reason: str) -> None:
        super().__init__(f"invalid backup key {_shown(key)}: {reason}")
        self.key = key
        self.reason = reason


class TargetNotFoundError(TargetError, LookupError):
    """There is no object under that key in the target."""

    def __init__(self, key: str, where: str) -> None:
        super().__init__(f"no object {key} in {where}")
        self.key = key
        self.where = where


class TargetConflictError(TargetError):
    """A create-only put found the key taken: sealed objects are never overwritten. Another process
    (or host) wrote it first; if its bytes are the ones meant, the object is already there."""

    def __init__(self, key: str, where: str) -> None:
        super().__init__(f"object {key} already exists in {where}; sealed objects are never overwritten")
        self.key = key
        self.where = where


class TargetPreconditionError(TargetError):
    """A replace-if-unchanged put found another version of the object than the one it was given (or
    none at all): it changed since it was read. Nothing was written; read it again and retry."""

    def __init__(self, key: str, where: str, expected: str) -> None:
        super().__init__(
            f"object {key} in {where} is no longer at version {expected} (changed or removed since "
            "it was read); nothing was written: read it again and retry"
        )
        self.key = key
        self.where = where
        self.expected = expected


# -- remote backup (core/remote/): a target that cannot be used, and what a remote may not do -------
class TargetUnavailableError(StorageError):
    """The target cannot be reached (connection refused, DNS, timeout, a server error that retries
    did not cure). Local saving is never affected; the next push tries again. The message names
    the target's location (``s3://bucket/prefix``), never its endpoint or credentials."""


class TargetAccessError(StorageError):
    """The target refused the credentials (wrong key id or secret, expired token) or what they may
    do (no permission on the bucket or prefix). Nothing was changed."""


class TargetMissingError(StorageError):
    """The target's bucket (or root) does not exist: it is never created by Sessionkeeper."""


class RemoteKeyError(DecryptionError):
    """The remote holds objects sealed with a key that is not configured here (or cannot be opened
    at all without one). Checked before anything is written: nothing was changed on either side."""


class RemotePlaintextError(ConfigurationError):
    """Pushing would send unencrypted bytes to a remote: no key is configured (or a store still has
    plain files), and plain pushes were not asked for (``remote-plaintext``)."""


class RemoteIntegrityError(IntegrityError):
    """An object or manifest on the remote does not check out (changed, truncated, swapped, missing,
    or older than one this machine has already seen): it is never restored as data."""
