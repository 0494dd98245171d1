"""Which remote a data directory is backed up to, and how to reach it.

The remote is a URL: ``s3://bucket/prefix`` (any S3-compatible store), ``file:///path`` or a plain
path (a directory: another disk, a NAS mount). It comes from, strongest first: ``--remote URL``,
``SESSIONKEEPER_REMOTE``, ``remote`` in ``[tool.sessionkeeper]``. Everything about *reaching* an S3
store comes from the usual AWS variables (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``, ``AWS_ALLOW_HTTP``) and, for
what they leave out, the AWS profile (``AWS_PROFILE``, else ``default``) of the shared files
(``~/.aws/config`` and ``~/.aws/credentials``, or ``AWS_CONFIG_FILE`` and
``AWS_SHARED_CREDENTIALS_FILE``). They are read when a target is opened and never written into any
file, message or ``repr``: a URL that carries credentials (``s3://id:secret@bucket``) is refused.

Other settings (environment, else ``[tool.sessionkeeper]``): ``remote-interval`` (seconds between
background pushes, default 5, at least 1), ``remote-plaintext`` (push files that are not encrypted:
off unless asked for), ``remote-host`` (the name this machine's manifest goes under; default the
host name), ``remote-backlog-mb`` and ``remote-backlog-seconds`` (the backlog's bound: see
:mod:`.status`; default 64 MiB, one hour).
"""

from __future__ import annotations

import configparser
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
    "DEFAULT_BACKLOG_BYTES",
    "DEFAULT_BACKLOG_SECONDS",
    "DEFAULT_INTERVAL",
    "MIN_INTERVAL",
    "REMOTE_ENV",
    "RemoteSettings",
    "S3Connection",
    "TargetURL",
    "backlog_bounds",
    "open_target",
    "parse_target_url",
    "resolve_remote",
]

REMOTE_ENV = "SESSIONKEEPER_REMOTE"
INTERVAL_ENV = "SESSIONKEEPER_REMOTE_INTERVAL"
PLAINTEXT_ENV = "SESSIONKEEPER_REMOTE_PLAINTEXT"
HOST_ENV = "SESSIONKEEPER_REMOTE_HOST"
BACKLOG_MB_ENV = "SESSIONKEEPER_REMOTE_BACKLOG_MB"
BACKLOG_SECONDS_ENV = "SESSIONKEEPER_REMOTE_BACKLOG_SECONDS"
DEFAULT_INTERVAL = 5.0
MIN_INTERVAL = 1.0
DEFAULT_BACKLOG_BYTES = 64 << 20  # bytes waiting to be pushed, at most, before a warning
DEFAULT_BACKLOG_SECONDS = 3600.0  # since the last success, with something waiting, before a warning
_MAX_BACKLOG_MB = 1 << 20  # 1 TiB: beyond any store's limits
_MAX_BACKLOG_SECONDS = 366 * 86400.0
# The credentials a profile may give, and what else it may say about reaching S3 (its `services`
# sections, SSO, assumed roles, credential processes are not read: variables or keys only).
_PROFILE_CREDENTIALS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
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

    ``None`` fields are left to obstore's own defaults (instance credentials, ``us-east-1``).
    ``profile`` names the AWS profile the credentials came from (None: the variables, or none)."""

    endpoint: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    allow_http: bool = False
    profile: str | None = None

    def __repr__(self) -> str:
        shown = "custom endpoint" if self.endpoint else "AWS"
        given = f"profile {self.profile}" if self.profile else "given" if self.access_key_id else "default"
        return f"S3Connection({shown}, credentials={given})"

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> S3Connection:
        """The connection the AWS variables describe (``AWS_ENDPOINT_URL_S3`` over
        ``AWS_ENDPOINT_URL``; ``AWS_REGION`` over ``AWS_DEFAULT_REGION``), with what they leave out
        taken from the AWS profile (``AWS_PROFILE``, else ``default``): ``endpoint_url`` and
        ``region`` from the config file, the keys from the credentials file (else the config
        file). Keys in the variables win over the profile's, as a whole (never mixed). A profile
        named by ``AWS_PROFILE`` that neither file has, or a file that cannot be read, is a
        :class:`ConfigurationError` (naming the profile and the file, never a value)."""
        env = os.environ if env is None else env
        profile = _profile(env)
        endpoint_from = "AWS_ENDPOINT_URL"
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
        if endpoint is None and profile.get("endpoint_url"):
            endpoint = profile.get("endpoint_url")
            endpoint_from = f"endpoint_url of AWS profile {profile.name}"
        allow = (env.get("AWS_ALLOW_HTTP") or "").strip().lower()
        if allow not in _ON + _OFF:
            raise ConfigurationError("AWS_ALLOW_HTTP must be true or false")
        allow_http = allow in _ON
        if endpoint is not None:
            scheme = endpoint.split("://", 1)[0].lower() if "://" in endpoint else ""
            if scheme not in ("http", "https"):
                raise ConfigurationError(f"{endpoint_from} must start with https:// (or http://)")
            if scheme == "http" and not allow_http:
                raise ConfigurationError(
                    f"{endpoint_from} is a plain-HTTP endpoint: set AWS_ALLOW_HTTP=true to use it "
                    "(credentials and sealed objects then travel unencrypted by TLS)"
                )
        keys: Mapping[str, str | None] = {
            name: env.get(name.upper()) or None for name in _PROFILE_CREDENTIALS
        }
        from_profile = None
        if keys["aws_access_key_id"] is None and keys["aws_secret_access_key"] is None:
            keys = {name: profile.get(name) for name in _PROFILE_CREDENTIALS}
            if keys["aws_access_key_id"] or keys["aws_secret_access_key"]:
                from_profile = profile.name
                if not (keys["aws_access_key_id"] and keys["aws_secret_access_key"]):
                    raise ConfigurationError(
                        f"AWS profile {profile.name} gives only one of aws_access_key_id and "
                        "aws_secret_access_key: give both"
                    )
        return cls(
            endpoint=endpoint,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or profile.get("region"),
            access_key_id=keys["aws_access_key_id"],
            secret_access_key=keys["aws_secret_access_key"],
            session_token=keys["aws_session_token"],
            allow_http=allow_http,
            profile=from_profile,
        )


@attrs.frozen(repr=False)
class _Profile:
    """What one AWS profile says (values stripped, empty ones left out); never shown."""

    name: str
    values: Mapping[str, str]

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def _profile(env: Mapping[str, str]) -> _Profile:
    """The AWS profile of ``env``: ``AWS_PROFILE`` (it must exist), else ``default`` (if any)."""
    named = (env.get("AWS_PROFILE") or "").strip()
    name = named or "default"
    home = Path(env.get("HOME") or Path.home())
    config_path = Path(env.get("AWS_CONFIG_FILE") or home / ".aws" / "config").expanduser()
    credentials_path = Path(
        env.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials"
    ).expanduser()
    # The config file names a profile "[profile NAME]" ("[default]" for the default one); the
    # credentials file names it "[NAME]". The credentials file's keys win over the config file's.
    config = _read_aws_file(config_path, "AWS_CONFIG_FILE")
    config_section = "default" if name == "default" and config.has_section("default") else f"profile {name}"
    credentials = _read_aws_file(credentials_path, "AWS_SHARED_CREDENTIALS_FILE")
    found = config.has_section(config_section) or credentials.has_section(name)
    if named and not found:
        raise ConfigurationError(
            f"AWS_PROFILE names the profile {name[:64]!r}, which is in neither {config_path} "
            f"([profile {name[:64]}]) nor {credentials_path} ([{name[:64]}])"
        )
    values: dict[str, str] = {}
    for key in ("region", "endpoint_url", *_PROFILE_CREDENTIALS):
        value = config.get(config_section, key, fallback="").strip()
        if value:
            values[key] = value
    for key in _PROFILE_CREDENTIALS:
        value = credentials.get(name, key, fallback="").strip()
        if value:
            values[key] = value
    return _Profile(name, values)


def _read_aws_file(path: Path, variable: str) -> configparser.RawConfigParser:
    """One of the AWS shared files (a missing one is empty). Errors name the file and a line,
    never its text: the line may hold a secret."""
    parser = configparser.RawConfigParser(default_section="(no default section)", interpolation=None)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return parser
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigurationError(f"cannot read the AWS file {path} ({variable}): {reason}") from None
    try:
        parser.read_string(text, str(path))
    except configparser.Error as exc:
        found = getattr(exc, "lineno", None)
        numbers = [found] if isinstance(found, int) else [n for n, _ in getattr(exc, "errors", [])[:5]]
        where = f" at line {', '.join(map(str, numbers))}" if numbers else ""
        raise ConfigurationError(
            f"the AWS file {path} ({variable}) cannot be parsed{where}: {type(exc).__name__}"
        ) from None
    return parser


@attrs.frozen
class RemoteSettings:
    """A data directory's remote backup, as configured (``origin`` says where the URL came from)."""

    url: TargetURL
    origin: str  # "--remote", SESSIONKEEPER_REMOTE, or "remote in <pyproject>"
    interval: float = DEFAULT_INTERVAL
    plaintext: bool = False
    host: str = ""
    backlog_bytes: int = DEFAULT_BACKLOG_BYTES  # the backlog's bound (see .status)
    backlog_seconds: float = DEFAULT_BACKLOG_SECONDS

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


def _bounded_number(raw: object, where: str, low: float, high: float, unit: str) -> float | None:
    """``raw`` as a number from ``low`` to ``high`` (None: not set), or a ConfigurationError."""
    if raw is None or raw == "":
        return None
    try:
        value = float(str(raw))
    except ValueError:
        value = float("nan")
    if isinstance(raw, bool) or not low <= value <= high:  # NaN fails both comparisons
        raise ConfigurationError(f"{where} must be {unit} from {low:g} to {high:g}, not {str(raw)[:40]!r}")
    return value


def backlog_bounds(
    project_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[int, float]:
    """The backlog's bound as configured: (bytes, seconds) from ``SESSIONKEEPER_REMOTE_BACKLOG_MB``
    (else ``remote-backlog-mb``; default 64) and ``SESSIONKEEPER_REMOTE_BACKLOG_SECONDS`` (else
    ``remote-backlog-seconds``; default 3600). Bad values are a ConfigurationError naming the setting."""
    env = os.environ if env is None else env
    project = project_settings(project_dir)
    raw, where = _setting(env, BACKLOG_MB_ENV, "remote-backlog-mb", project)
    megabytes = _bounded_number(raw, where, 1, _MAX_BACKLOG_MB, "a number of MiB")
    raw, where = _setting(env, BACKLOG_SECONDS_ENV, "remote-backlog-seconds", project)
    seconds = _bounded_number(raw, where, 1, _MAX_BACKLOG_SECONDS, "a number of seconds")
    return (
        DEFAULT_BACKLOG_BYTES if megabytes is None else int(megabytes * (1 << 20)),
        DEFAULT_BACKLOG_SECONDS if seconds is None else seconds,
    )


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
    interval = _bounded_number(interval_raw, where, MIN_INTERVAL, 86400, "a number of seconds")
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
    backlog_bytes, backlog_seconds = backlog_bounds(project_dir, env)
    return RemoteSettings(
        url,
        origin,
        interval=DEFAULT_INTERVAL if interval is None else interval,
        plaintext=plain_text in _ON,
        host=host,
        backlog_bytes=backlog_bytes,
        backlog_seconds=backlog_seconds,
    )
