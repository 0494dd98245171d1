"""Where data lives and how hard writes are pushed to disk, from arguments or the environment.

* ``SESSIONKEEPER_DATA_DIR`` — the project's data directory (default ``./RUNS``): sessions and
  the APP scope.
* ``SESSIONKEEPER_USER_DIR`` — the USER scope (default: the platform's user data directory,
  e.g. ``~/.local/share/sessionkeeper``).
* ``SESSIONKEEPER_FSYNC`` — ``always`` | ``interval`` (default) | ``never``, as Redis' appendfsync.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path

__all__ = ["FsyncPolicy", "resolve_data_dir", "resolve_fsync", "resolve_user_dir"]

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
