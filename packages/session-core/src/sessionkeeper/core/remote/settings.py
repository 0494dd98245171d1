"""Which remote a data directory is backed up to, and how to reach it.

The remote is a URL: ``s3://bucket/prefix`` (any S3-compatible store), ``file:///path`` or a plain
path (a directory: another disk, a NAS mount). It comes from, strongest first: ``--remote URL``,
``SESSIONKEEPER_REMOTE``, ``remote`` in ``[tool.sessionkeeper]``. Everything about *reaching* an S3
store comes from the usual AWS variables only (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``, ``AWS_ALLOW_HTTP``), read when a
target is opened and never written into any file, message or ``repr``: a URL that carries
credentials (``s3://id:secret@bucket``) is refused.

Other settings (environment, else ``[tool.sessionkeeper]``): ``remote-interval`` (seconds between
background pushes, default 5, at least 1), ``remote-plaintext`` (push files that are not encrypted:
off unless asked for), ``remote-host`` (the name this machine's manifest goes under; default the
host name).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlsplit

import attrs

from sessionkeeper.core.config import project_settings
from sessionkeeper.core.errors import ConfigurationError, InvalidTargetKeyError
from sessionkeeper.core.storage.targets import check_key

if TYPE_CHECKING:
    from sessionkeeper.core.storage.targets import BackupTarget

__all__ = [
    "DEFAULT_INTERVAL",
    "MIN_INTERVAL",
    "REMOTE_ENV",
    "RemoteSettings",
    "S3Connection",
    "TargetURL",
    "open_target",
    "parse_target_url",
    "resolve_remote",
]

REMOTE_ENV = "SESSIONKEEPER_REMOTE"
INTERVAL_ENV = "SESSIONKEEPER_REMOTE_INTERVAL"
PLAINTEXT_ENV = "SESSIONKEEPER_REMOTE_PLAINTEXT"
HOST_ENV = "SESSIONKEEPER_REMOTE_HOST"
DEFAULT_INTERVAL = 5.0
MIN_INTERVAL = 1.0
# S3's rules for bucket names (3 to 63 of a-z 0-9 . -, starting and ending with a letter or digit).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_HOST_PART = re.compile(r"[^A-Za-z0-9._=+@-]")
_ON, _OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


@attrs.frozen
class TargetURL:
    """A parsed remote: ``kind`` ``"s3"`` (``bucket``, ``prefix``) or ``"file"`` (``path``)."""

    kind: Literal["s3", "file"]
    bucket: str = ""
    prefix: str = ""  # parts joined by "/", no leading or trailing "/"; "" for the bucket's root
    path: Path | None = None

    def __str__(self) -> str:
        if self.kind == "file":
            return str(self.path)
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def parse_target_url(text: str, where: str = "the remote") -> TargetURL:
    """``s3://bucket[/prefix]``, ``file:///absolute/path`` or a plain path (made absolute), or
    :class:`ConfigurationError` naming ``where`` the URL came from. Never echoes what precedes an
    ``@`` (a URL with credentials is refused, not shown)."""
    text = text.strip()
    if not text:
        raise ConfigurationError(f"{where} is empty: give s3://bucket/prefix or a directory")
    if "://" not in text:
        return TargetURL("file", path=Path(text).expanduser().absolute())
    scheme = text.split("://", 1)[0].lower()
    if scheme == "file":
        parsed = urlsplit(text)
        if parsed.netloc not in ("", "localhost") or not parsed.path.startswith("/"):
            raise ConfigurationError(f"{where}: a file:// URL names an absolute path (file:///path)")
        return TargetURL("file", path=Path(unquote(parsed.path)))
    if scheme not in ("s3", "s3a"):
        raise ConfigurationError(
            f"{where}: {scheme}:// is not supported; use s3://bucket/prefix (any S3-compatible store "
            "through AWS_ENDPOINT_URL) or a directory"
        )
    rest = text.split("://", 1)[1]
    authority, _, path = rest.partition("/")
    if "@" in authority:
        raise ConfigurationError(
            f"{where} carries credentials in the URL, which is refused (they would end up in files and "
            "logs); give them in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    if "?" in rest or "#" in rest:
        raise ConfigurationError(f"{where}: an s3:// URL takes no query or fragment")
    if not _BUCKET.fullmatch(authority) or ".." in authority:
        raise ConfigurationError(
            f"{where}: {authority[:70]!r} is not a bucket name (3 to 63 of a-z 0-9 . -, starting and "
            "ending with a letter or a digit)"
        )
    prefix = path.strip("/")
    if prefix:
        try:
            check_key(prefix)
        except InvalidTargetKeyError as exc:
            raise ConfigurationError(f"{where}: the prefix {exc.reason}") from None
    return TargetURL("s3", bucket=authority, prefix=prefix)


@attrs.frozen(repr=False)
class S3Connection:
    """How to reach an S3-compatible store (never stored; its ``repr`` shows no secret).

    ``None`` fields are left to obstore's own defaults (instance credentials, ``us-east-1``)."""

    endpoint: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    allow_http: bool = False

    def __repr__(self) -> str:
        shown = "custom endpoint" if self.endpoint else "AWS"
        return f"S3Connection({shown}, credentials={'given' if self.access_key_id else 'default'})"

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> S3Connection:
        """The connection the AWS variables describe (``AWS_ENDPOINT_URL_S3`` over
        ``AWS_ENDPOINT_URL``; ``AWS_REGION`` over ``AWS_DEFAULT_REGION``)."""
        env = os.environ if env is None else env
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
        allow = (env.get("AWS_ALLOW_HTTP") or "").strip().lower()
        if allow not in _ON + _OFF:
            raise ConfigurationError("AWS_ALLOW_HTTP must be true or false")
        allow_http = allow in _ON
        if endpoint is not None:
            scheme = endpoint.split("://", 1)[0].lower() if "://" in endpoint else ""
            if scheme not in ("http", "https"):
                raise ConfigurationError("AWS_ENDPOINT_URL must start with https:// (or http://)")
            if scheme == "http" and not allow_http:
                raise ConfigurationError(
                    "AWS_ENDPOINT_URL is a plain-HTTP endpoint: set AWS_ALLOW_HTTP=true to use it "
                    "(credentials and sealed objects then travel unencrypted by TLS)"
                )
        return cls(
            endpoint=endpoint,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
            secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
            session_token=env.get("AWS_SESSION_TOKEN") or None,
            allow_http=allow_http,
        )


@attrs.frozen
class RemoteSettings:
    """A data directory's remote backup, as configured (``origin`` says where the URL came from)."""

    url: TargetURL
    origin: str  # "--remote", SESSIONKEEPER_REMOTE, or "remote in <pyproject>"
    interval: float = DEFAULT_INTERVAL
    plaintext: bool = False
    host: str = ""

    def open(self, env: Mapping[str, str] | None = None) -> BackupTarget:
        """The target (for S3, connected as the AWS variables say now)."""
        return open_target(self.url, env)


def open_target(url: TargetURL | str, env: Mapping[str, str] | None = None) -> BackupTarget:
    """A :class:`BackupTarget` for ``url``: a directory, or an S3 bucket through obstore (the
    ``session-core[remote]`` extra, imported only now)."""
    if isinstance(url, str):
        url = parse_target_url(url)
    if url.kind == "file":
        from sessionkeeper.core.storage.targets import LocalDirectoryTarget

        assert url.path is not None
        return LocalDirectoryTarget(url.path)
    try:
        from .s3 import S3Target
    except ImportError as exc:
        if "obstore" not in str(exc):
            raise
        raise ConfigurationError(
            "remote backup to S3 needs obstore: pip install 'session-core[remote]'"
        ) from None
    return S3Target(url, S3Connection.from_environment(env))


def default_host() -> str:
    """This machine's name as a key part (anything outside ``A-Z a-z 0-9 . _ = + @ -`` becomes ``-``)."""
    name = _HOST_PART.sub("-", socket.gethostname()).lstrip(".-")[:63]
    return name or "host"


def _setting(
    env: Mapping[str, str], env_name: str, key: str, project: Mapping[str, object]
) -> tuple[object, str]:
    if env_name in env:
        return env[env_name], env_name
    return project.get(key), f"{key} in [tool.sessionkeeper]"


def resolve_remote(
    flag: str | None = None, project_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> RemoteSettings | None:
    """The remote configured for this run (None: none), strongest first: ``flag`` (``--remote``),
    ``SESSIONKEEPER_REMOTE``, ``remote`` in the nearest ``[tool.sessionkeeper]``. Bad values are a
    :class:`ConfigurationError` naming the setting."""
    env = os.environ if env is None else env
    project = project_settings(project_dir)
    raw: object
    if flag is not None:
        raw, origin = flag, "--remote"
    elif env.get(REMOTE_ENV):
        raw, origin = env[REMOTE_ENV], REMOTE_ENV
    else:
        raw, origin = project.get("remote"), "remote in [tool.sessionkeeper]"
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise ConfigurationError(f"{origin} must be a string (s3://bucket/prefix or a directory)")
    url = parse_target_url(raw, origin)

    interval_raw, where = _setting(env, INTERVAL_ENV, "remote-interval", project)
    interval = DEFAULT_INTERVAL
    if interval_raw is not None and interval_raw != "":
        try:
            interval = float(str(interval_raw))
        except ValueError:
            interval = -1.0
        if isinstance(interval_raw, bool) or not MIN_INTERVAL <= interval <= 86400:
            raise ConfigurationError(
                f"{where} must be a number of seconds from {MIN_INTERVAL:g} to 86400, "
                f"not {str(interval_raw)[:40]!r}"
            )
    plain_raw, where = _setting(env, PLAINTEXT_ENV, "remote-plaintext", project)
    plain_text = str(plain_raw).strip().lower() if plain_raw is not None else ""
    if plain_text not in _ON + _OFF:
        raise ConfigurationError(f"{where} must be true or false, not {plain_text[:40]!r}")
    host_raw, where = _setting(env, HOST_ENV, "remote-host", project)
    host = default_host() if host_raw in (None, "") else str(host_raw)
    try:
        if "/" in host:
            raise InvalidTargetKeyError(host, "a host name is one part (no '/')")
        check_key(host)
    except InvalidTargetKeyError as exc:
        raise ConfigurationError(f"{where}: {exc.reason}") from None
    return RemoteSettings(url, origin, interval=interval, plaintext=plain_text in _ON, host=host)
