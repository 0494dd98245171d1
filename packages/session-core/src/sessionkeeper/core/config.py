"""Where data lives and how hard writes are pushed to disk, from arguments or the environment.

* ``SESSIONKEEPER_DATA_DIR`` — the project's data directory (default ``./RUNS``): sessions and
  the APP scope.
* ``SESSIONKEEPER_USER_DIR`` — the USER scope (default: the platform's user data directory,
  e.g. ``~/.local/share/sessionkeeper``).
* ``SESSIONKEEPER_FSYNC`` — ``always`` | ``interval`` (default) | ``never``, as Redis' appendfsync.
* ``SESSIONKEEPER_COMPRESSION`` (``zstd``), ``SESSIONKEEPER_ZSTD_LEVEL`` (1),
  ``SESSIONKEEPER_CIPHER`` (``aes-256-gcm`` | ``chacha20-poly1305``), and the key sources
  ``SESSIONKEEPER_KEY`` / ``SESSIONKEEPER_KEY_FILE`` / ``SESSIONKEEPER_PASSPHRASE``; the same
  settings (``compression``, ``zstd-level``, ``cipher``, ``key-file``) may sit in
  ``[tool.sessionkeeper]`` of the project's ``pyproject.toml``: the environment wins.
* ``SESSIONKEEPER_HISTORY_DAYS`` / ``history-days`` (365; 0: no archive) and
  ``SESSIONKEEPER_HISTORY_MAX_MB`` / ``history-max-mb`` (1024): the history archive's retention.
* ``SESSIONKEEPER_REMOTE`` / ``remote``: remote backup (resolved by ``core.remote.settings``; here
  only whether there is one, so a manager without a remote never imports the remote package).
"""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigurationError

if TYPE_CHECKING:
    from .codec.envelope import Codec
    from .storage.history import HistoryPolicy

__all__ = [
    "FsyncPolicy",
    "project_settings",
    "remote_configured",
    "resolve_codec",
    "resolve_data_dir",
    "resolve_fsync",
    "resolve_history_policy",
    "resolve_key_file",
    "resolve_user_dir",
]

DATA_DIR_ENV = "SESSIONKEEPER_DATA_DIR"
USER_DIR_ENV = "SESSIONKEEPER_USER_DIR"
FSYNC_ENV = "SESSIONKEEPER_FSYNC"


class FsyncPolicy(enum.Enum):
    """When the journal is forced to stable storage.

    ``ALWAYS``: before each ``set()`` returns. ``INTERVAL``: by a background thread at most
    ``fsync_interval`` seconds (default 1) after a write. ``NEVER``: left to the operating system.
    A process crash loses nothing under any policy; the policy bounds what a power loss can take.
    """

    ALWAYS = "always"
    INTERVAL = "interval"
    NEVER = "never"


def resolve_data_dir(value: str | os.PathLike[str] | None) -> Path:
    raw = value if value is not None else os.environ.get(DATA_DIR_ENV) or "RUNS"
    return Path(raw).expanduser().absolute()


def resolve_user_dir(value: str | os.PathLike[str] | None) -> Path:
    raw = value if value is not None else os.environ.get(USER_DIR_ENV)
    if raw:
        return Path(raw).expanduser().absolute()
    import platformdirs  # only when the platform default is needed

    return Path(platformdirs.user_data_dir("sessionkeeper", appauthor=False))


def resolve_fsync(value: FsyncPolicy | str | None) -> FsyncPolicy:
    if isinstance(value, FsyncPolicy):
        return value
    raw = value if value is not None else os.environ.get(FSYNC_ENV) or FsyncPolicy.INTERVAL.value
    try:
        return FsyncPolicy(raw.lower())
    except ValueError:
        raise ValueError(f"fsync policy must be 'always', 'interval' or 'never', not {raw!r}") from None


COMPRESSION_ENV = "SESSIONKEEPER_COMPRESSION"
ZSTD_LEVEL_ENV = "SESSIONKEEPER_ZSTD_LEVEL"
CIPHER_ENV = "SESSIONKEEPER_CIPHER"
KEY_ENV = "SESSIONKEEPER_KEY"
KEY_FILE_ENV = "SESSIONKEEPER_KEY_FILE"
PASSPHRASE_ENV = "SESSIONKEEPER_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret
_OFF = ("", "none", "off", "no")


_project_cache: dict[tuple[str, tuple[int, int, int, int]], dict[str, object]] = {}
_codec_cache: dict[tuple[object, ...], Codec] = {}


def _project_file(start: Path | None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (cwd) that speaks of sessionkeeper: in a
    monorepo, a sub-package's own pyproject does not hide the root's ``[tool.sessionkeeper]`` (the
    ``session`` command finds its data directory the same way)."""
    directory = (start or Path.cwd()).absolute()
    for candidate in (directory, *directory.parents):
        path = candidate / "pyproject.toml"
        if _mentions_us(path):
            return path
    return None


_mentions: dict[tuple[str, tuple[int, int, int, int]], bool] = {}


def _mentions_us(path: Path) -> bool:
    """Whether ``path`` is a file that may hold ``[tool.sessionkeeper]`` (a byte search, cached
    per file version; the table itself is parsed by :func:`project_settings`)."""
    version = _mtime(path)
    if version == (0, 0, 0, 0):
        return False
    key = (str(path), version)
    found = _mentions.get(key)
    if found is None:
        try:
            with path.open("rb") as file:
                found = b"sessionkeeper" in file.read(1 << 20)
        except OSError:
            found = False
        _mentions[key] = found
    return found


def _mtime(path: Path | None) -> tuple[int, int, int, int]:
    """A file's version: content (mtime), mode and owner changes (ctime, mode), replacement (inode)."""
    try:
        info = path.stat() if path is not None else None
    except OSError:
        info = None
    return (info.st_mtime_ns, info.st_ctime_ns, info.st_mode, info.st_ino) if info else (0, 0, 0, 0)


def project_settings(start: Path | None = None) -> dict[str, object]:
    """``[tool.sessionkeeper]`` of the nearest ``pyproject.toml`` at or above ``start`` (cwd).

    Parsed once per file version (path and modification time), so bulk readers pay nothing.
    """
    import tomllib

    path = _project_file(start)
    if path is None:
        return {}
    cache_key = (str(path), _mtime(path))
    cached = _project_cache.get(cache_key)
    if cached is None:
        try:
            with path.open("rb") as file:
                table = tomllib.load(file).get("tool", {}).get("sessionkeeper", {})
        except (OSError, tomllib.TOMLDecodeError):
            table = {}
        cached = _project_cache[cache_key] = table if isinstance(table, dict) else {}
    return cached


REMOTE_ENV = "SESSIONKEEPER_REMOTE"


def remote_configured(remote: object = None, project_dir: Path | None = None) -> bool:
    """Whether remote backup is on: ``remote`` if given (False: off; a URL or settings: on), else
    ``SESSIONKEEPER_REMOTE`` or ``remote`` in ``[tool.sessionkeeper]`` (cheap: nothing imported)."""
    if remote is not None:
        return remote is not False and remote != ""
    return bool(os.environ.get(REMOTE_ENV)) or bool(project_settings(project_dir).get("remote"))


HISTORY_DAYS_ENV = "SESSIONKEEPER_HISTORY_DAYS"
HISTORY_MAX_MB_ENV = "SESSIONKEEPER_HISTORY_MAX_MB"


def _number_setting(env_name: str, key: str, project_dir: Path | None) -> int | None:
    raw: object = os.environ.get(env_name)
    where = env_name
    if raw is None:
        raw, where = project_settings(project_dir).get(key), f"{key} in [tool.sessionkeeper]"
    if raw is None or raw == "":
        return None
    try:
        value = int(str(raw))
    except ValueError:
        value = -1
    if value < 0 or isinstance(raw, bool):
        raise ConfigurationError(f"{where} must be a whole number of 0 or more, not {str(raw)[:40]!r}")
    return value


def resolve_history_policy(project_dir: Path | None = None) -> HistoryPolicy:
    """How long the history archive keeps removed sessions: ``SESSIONKEEPER_HISTORY_DAYS`` (else
    ``history-days`` in pyproject; default 365; 0 turns archiving off) and at most
    ``SESSIONKEEPER_HISTORY_MAX_MB`` megabytes (else ``history-max-mb``; default 1024)."""
    from .storage.history import DEFAULT_HISTORY_DAYS, DEFAULT_HISTORY_MAX_BYTES, HistoryPolicy

    days = _number_setting(HISTORY_DAYS_ENV, "history-days", project_dir)
    megabytes = _number_setting(HISTORY_MAX_MB_ENV, "history-max-mb", project_dir)
    if megabytes == 0:
        raise ConfigurationError(f"{HISTORY_MAX_MB_ENV} (history-max-mb) must be at least 1")
    return HistoryPolicy(
        days=DEFAULT_HISTORY_DAYS if days is None else days,
        max_bytes=DEFAULT_HISTORY_MAX_BYTES if megabytes is None else megabytes << 20,
    )


def resolve_key_file(project_dir: Path | None = None) -> Path | None:
    """The configured key file (``SESSIONKEEPER_KEY_FILE``, else ``key-file`` in pyproject), if any."""
    raw = os.environ.get(KEY_FILE_ENV)
    if raw is None:
        value = project_settings(project_dir).get("key-file")
        raw = None if value is None else str(value)
    return Path(raw).expanduser() if raw else None


def resolve_codec(project_dir: Path | None = None) -> Codec:
    """The codec configured by the environment, else by ``[tool.sessionkeeper]``; plain by default.

    Any key source (``SESSIONKEEPER_KEY``, ``SESSIONKEEPER_KEY_FILE``, ``SESSIONKEEPER_PASSPHRASE``,
    or ``key-file`` in pyproject) switches encryption on with AES-256-GCM unless ``cipher`` says
    otherwise (``none`` keeps writing plain files while still reading encrypted ones).
    """
    env = os.environ
    project = _project_file(project_dir)
    key_file = resolve_key_file(project_dir)
    # The same configuration gives the same codec object: its keyring caches scrypt derivations.
    cache_key = (
        tuple(env.get(name) for name in _CODEC_ENV),
        str(project),
        _mtime(project),
        str(key_file),
        _mtime(key_file),
    )
    cached = _codec_cache.get(cache_key)
    if cached is None:
        cached = _codec_cache[cache_key] = _build_codec(project_dir, key_file)
    return cached


_CODEC_ENV = (
    KEY_ENV,
    KEY_FILE_ENV,
    PASSPHRASE_ENV,
    COMPRESSION_ENV,
    ZSTD_LEVEL_ENV,
    CIPHER_ENV,
    "SESSIONKEEPER_ACCEPT_PLAINTEXT",
)
_ON = ("1", "true", "yes", "on")


def _build_codec(project_dir: Path | None, key_file: Path | None) -> Codec:
    from .codec.envelope import DEFAULT_ZSTD_LEVEL, PLAIN, PLAINTEXT_ENV, Codec, CodecSettings
    from .codec.keys import Keyring, read_key_file
    from .errors import KeyConfigurationError

    env = os.environ
    table = project_settings(project_dir)

    def setting(env_name: str, key: str) -> str | None:
        value = env.get(env_name)
        if value is None:
            raw = table.get(key)
            value = None if raw is None else str(raw)
        return value

    keys = []
    if raw_key := env.get(KEY_ENV):
        from .codec.keys import decode_key

        keys.append(decode_key(raw_key, KEY_ENV))
    if key_file is not None:
        keys.extend(read_key_file(key_file))
    passphrase = env.get(PASSPHRASE_ENV)
    keyring = Keyring(keys, passphrase.encode() if passphrase else None)
    compression = setting(COMPRESSION_ENV, "compression")
    cipher = setting(CIPHER_ENV, "cipher")
    if cipher is None and not keyring.empty:
        cipher = "aes-256-gcm"
    level_text = setting(ZSTD_LEVEL_ENV, "zstd-level") or str(DEFAULT_ZSTD_LEVEL)
    try:
        level = int(level_text)
    except ValueError:
        raise KeyConfigurationError(f"zstd level must be an integer, not {level_text!r}") from None
    settings = CodecSettings(
        compression=None if compression is None or compression.lower() in _OFF else compression.lower(),
        level=level,
        cipher=None if cipher is None or cipher.lower() in _OFF else cipher.lower(),
    )
    if settings == CodecSettings() and keyring.empty:
        return PLAIN
    return Codec(settings, keyring, accept_plaintext=env.get(PLAINTEXT_ENV, "").lower() in _ON)
