""":class:`S3Target`: the :class:`~sessionkeeper.core.storage.targets.BackupTarget` on an S3-compatible
store (AWS S3, MinIO, Cloudflare R2, …) through obstore (the ``session-core[remote]`` extra).

The protocol was shaped after obstore, so each operation is one call:

=====================================  ==============================================================
``put(key, data)``                      ``obstore.put(mode="create")`` — ``If-None-Match: *``; a
                                        taken key is ``AlreadyExistsError`` → TargetConflictError
``put(key, data, if_match=v)``          ``mode={"e_tag": v}`` — ``If-Match``; 412 (changed) or 404
                                        (gone) is ``PreconditionError`` → TargetPreconditionError
``put(key, data, mode="overwrite")``    a plain PUT
``get(key, limit=)``                    HEAD, then GET: an object over the limit is refused before
                                        its bytes are asked for (the GET's size is checked again)
``head`` / ``list`` / ``delete``        HEAD / ListObjectsV2 (whole parts, sorted) / DELETE
=====================================  ==============================================================

Versions are ETags. What the store refuses about the *target* rather than an object is one of
three errors with one message each: :class:`TargetAccessError` (credentials refused, or no
permission), :class:`TargetMissingError` (no such bucket: never created here) and
:class:`TargetUnavailableError` (unreachable, timed out, a server error that retries did not cure).
obstore's own messages name the endpoint (and sometimes more): they are never passed on, only the
S3 error code found in them.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import obstore
from obstore.exceptions import (
    AlreadyExistsError,
    PermissionDeniedError,
    PreconditionError,
    UnauthenticatedError,
)
from obstore.store import S3Store

from sessionkeeper.core.errors import (
    InvalidTargetKeyError,
    LimitExceededError,
    StorageError,
    TargetAccessError,
    TargetConflictError,
    TargetMissingError,
    TargetNotFoundError,
    TargetPreconditionError,
    TargetUnavailableError,
)
from sessionkeeper.core.storage.targets import (
    DEFAULT_READ_LIMIT,
    ObjectInfo,
    PutMode,
    TargetObject,
    check_key,
    check_prefix,
)

from .settings import S3Connection, TargetURL, parse_target_url

__all__ = ["S3Target"]

_CODE = re.compile(r"<Code>([A-Za-z0-9.]{1,64})</Code>")
_STATUS = re.compile(r"\b([45]\d\d) [A-Z][A-Za-z ]{1,40}")
_ACCESS_CODES = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "AllAccessDisabled",
}
_UNREACHABLE_HINTS = ("error sending request", "timed out", "timeout", "connection", "dns", "tcp")


class S3Target:
    """A :class:`BackupTarget` on ``s3://bucket/prefix``, reached as ``connection`` says (the AWS
    variables, by default). ``timeout`` bounds one request, ``retries`` how often obstore retries a
    failed one (with backoff) before the failure is raised.

    Picklable (by its URL and connection), so a child process opens the same target.
    """

    def __init__(
        self,
        url: TargetURL | str,
        connection: S3Connection | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
    ) -> None:
        self.url = parse_target_url(url) if isinstance(url, str) else url
        if self.url.kind != "s3":
            raise ValueError(f"S3Target needs an s3:// URL, not {self.url}")
        self.connection = connection if connection is not None else S3Connection.from_environment()
        self.location = str(self.url)
        self._timeout = timeout
        self._retries = retries
        self._store = _store(self.url, self.connection, timeout, retries)

    def __repr__(self) -> str:
        return f"S3Target({self.location!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_reopen, (self.url, self.connection, self._timeout, self._retries))

    # -- the protocol -----------------------------------------------------------------------------
    def put(
        self, key: str, data: bytes, *, mode: PutMode = "create", if_match: str | None = None
    ) -> ObjectInfo:
        """See :meth:`BackupTarget.put`."""
        check_key(key)
        if mode not in {"create", "overwrite"}:
            raise ValueError(f"mode must be 'create' or 'overwrite', not {mode!r}")
        if if_match is not None and mode != "create":
            raise ValueError("if_match is a replace of its own: give it without mode")
        put_mode: Any = mode if if_match is None else {"e_tag": if_match}
        try:
            # A conditional put is one request (never multipart): the condition covers the whole object.
            result = obstore.put(self._store, key, data, mode=put_mode, use_multipart=False)
        except AlreadyExistsError:
            raise TargetConflictError(key, self.location) from None
        except PreconditionError as exc:
            if _code(exc) == "NoSuchBucket":  # a replace answered 404: the bucket, not the object
                raise self._failure(exc, "write", key) from None
            if if_match is None:  # some stores answer a taken create-only key with 412 this way
                raise TargetConflictError(key, self.location) from None
            raise TargetPreconditionError(key, self.location, if_match) from None
        except Exception as exc:
            raise self._failure(exc, "write", key) from None
        return ObjectInfo(key, len(data), self._version(result.get("e_tag"), key))

    def get(self, key: str, *, limit: int = DEFAULT_READ_LIMIT) -> TargetObject:
        """See :meth:`BackupTarget.get`: over ``limit`` is refused from the response's head."""
        check_key(key)
        try:
            # HEAD first: a server builds a GET's whole answer before its head reaches us, so an
            # object over the limit is refused without asking for its bytes at all. The GET's own
            # size is checked too (the object may have been replaced in between).
            self._check_size(key, obstore.head(self._store, key)["size"], limit)
            result = obstore.get(self._store, key)
            meta = result.meta
            self._check_size(key, meta["size"], limit)
            data = bytes(result.bytes())
        except LimitExceededError:
            raise
        except Exception as exc:
            raise self._failure(exc, "read", key) from None
        if len(data) != meta["size"]:  # a body cut short is not the object
            raise TargetUnavailableError(
                errno.EIO, f"backup object {key} in {self.location} came back cut short; try again"
            )
        return TargetObject(key, data, self._version(meta.get("e_tag"), key))

    def head(self, key: str) -> ObjectInfo:
        """See :meth:`BackupTarget.head`."""
        check_key(key)
        try:
            meta = obstore.head(self._store, key)
        except Exception as exc:
            raise self._failure(exc, "read", key) from None
        return ObjectInfo(key, meta["size"], self._version(meta.get("e_tag"), key))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """See :meth:`BackupTarget.list`; objects whose names are not keys (written by something
        else) are not listed."""
        parts = check_prefix(prefix)
        found: list[ObjectInfo] = []
        try:
            for chunk in obstore.list(self._store, "/".join(parts) or None, chunk_size=1000):
                for meta in chunk:
                    path = meta["path"]
                    if _is_key(path):
                        found.append(ObjectInfo(path, meta["size"], meta.get("e_tag")))
        except Exception as exc:
            raise self._failure(exc, "list", prefix or "(all)") from None
        found.sort(key=lambda info: info.key)
        return iter(found)

    def delete(self, key: str) -> None:
        """See :meth:`BackupTarget.delete`."""
        check_key(key)
        try:
            obstore.delete(self._store, key)
        except FileNotFoundError as exc:
            if _code(exc) == "NoSuchBucket":
                raise self._failure(exc, "delete", key) from None
        except Exception as exc:
            raise self._failure(exc, "delete", key) from None

    def _bucket_exists(self) -> bool:
        """Whether the bucket is there (a listing of at most one key says; any other failure: yes,
        and the original error stands)."""
        try:
            next(iter(obstore.list(self._store, chunk_size=1)), None)
        except Exception as exc:
            return _code(exc) != "NoSuchBucket"
        return True

    def _check_size(self, key: str, size: int, limit: int) -> None:
        if size > limit:
            raise LimitExceededError(
                f"backup object {key} in {self.location} is over the {limit}-byte read limit", limit=limit
            )

    # -- errors -------------------------------------------------------------------------------------
    def _version(self, e_tag: str | None, key: str) -> str:
        if not e_tag:
            raise StorageError(
                errno.ENOTSUP,
                f"{self.location} gave no ETag for {key}: replace-if-unchanged cannot work on this store",
            )
        return e_tag

    def _failure(self, exc: BaseException, action: str, key: str) -> Exception:
        """The one error of ours for what obstore raised (its message names the endpoint: not kept)."""
        text = str(exc)
        code = _code(exc)
        where = f"{self.location} ({action} {key})"
        if code == "NoSuchBucket":
            return TargetMissingError(
                errno.ENOENT,
                f"the bucket of {self.location} does not exist (Sessionkeeper never creates one): "
                "create it, or check the URL and AWS_ENDPOINT_URL",
            )
        if isinstance(exc, PermissionDeniedError | UnauthenticatedError) or code in _ACCESS_CODES:
            reason = f" ({code})" if code else ""
            source = (
                f"the keys of AWS profile {self.connection.profile}"
                if self.connection.profile
                else "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)"
            )
            return TargetAccessError(
                errno.EACCES,
                f"{self.location} refused the credentials{reason}: check {source} and the bucket's "
                "permissions",
            )
        if isinstance(exc, FileNotFoundError):
            if code is None and action == "read" and not self._bucket_exists():
                # A HEAD's 404 has no body to say whether the key or the bucket is missing.
                return self._failure(_NoSuchBucket("<Code>NoSuchBucket</Code>"), action, key)
            return TargetNotFoundError(key, self.location)
        status = _STATUS.search(text)
        if (status and status.group(1).startswith("5")) or any(
            hint in text.lower() for hint in _UNREACHABLE_HINTS
        ):
            return TargetUnavailableError(
                errno.EHOSTUNREACH,
                f"cannot reach {where}: "
                + (f"the server answered {status.group(0)}" if status else "no answer from the endpoint")
                + " (check AWS_ENDPOINT_URL and the network; local saving goes on)",
            )
        detail = f"S3 error {code}" if code else (status.group(0) if status else type(exc).__name__)
        return StorageError(errno.EIO, f"{where} failed: {detail}")


class _NoSuchBucket(Exception):
    """What a listing said when a HEAD's bare 404 left the bucket in doubt."""


def _code(exc: BaseException) -> str | None:
    found = _CODE.search(str(exc))
    return found.group(1) if found else None


def _is_key(path: str) -> bool:
    try:
        check_key(path)
    except InvalidTargetKeyError:
        return False
    return True


def _store(url: TargetURL, connection: S3Connection, timeout: float, retries: int) -> S3Store:
    config: dict[str, Any] = {}
    for name in ("endpoint", "region", "access_key_id", "secret_access_key", "session_token"):
        value = getattr(connection, name)
        if value is not None:
            config[name] = value
    if connection.endpoint is not None:
        # A custom endpoint (MinIO, R2, a loopback server) is addressed by path: bucket in the path.
        config["virtual_hosted_style_request"] = False
    return S3Store(
        url.bucket,
        prefix=url.prefix or None,
        config=config,  # type: ignore[arg-type]
        # A connection reset midway fails its request at once and obstore retries it (with backoff,
        # at most `retries` times); one that stalls (a server or network that never answers) is
        # ended by `timeout`, which covers the whole request, body included. So no fault of the
        # network holds a push longer than about (retries + 1) x timeout (tests/remote/
        # test_proxy_faults.py: cut, reset, refused and slowed connections through a proxy).
        client_options={
            "allow_http": connection.allow_http,
            "timeout": timedelta(seconds=timeout),
            "connect_timeout": timedelta(seconds=min(timeout, 5.0)),
        },
        retry_config={
            "max_retries": retries,
            "retry_timeout": timedelta(seconds=timeout * 2),
            "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=2)},
        },
    )


def _reopen(url: TargetURL, connection: S3Connection, timeout: float, retries: int) -> S3Target:
    return S3Target(url, connection, timeout=timeout, retries=retries)
