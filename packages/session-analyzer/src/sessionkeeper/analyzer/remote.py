"""``session-analyze --remote``: every host's sessions and history archive, from its latest push.

Each host's latest push is fetched through core (:func:`sessionkeeper.core.remote.fetch.
materialise_push`: the key proven on its manifest, the index checked against its hash, every object
against its name; file names built by core, never taken from the remote) into a private temporary
directory (0700, one folder per host, removed when the analysis is done, whatever happens), and read
there exactly like a local data directory (:func:`~.analysis.read_sessions`: live sessions and the
archive, each once). Objects go through core's content-addressed cache (``$XDG_CACHE_HOME/
sessionkeeper/objects``), so a second run downloads only the manifests, the latest indexes and the
objects pushed since.

Across hosts a session is counted once: a session id that two hosts' pushes hold (a session
recovered on another machine and pushed from there too) counts the copy with the latest last
checkpoint (the archive's ``ended_at``), ties going to the one with more events; the others are
listed as left out (``older_copy``). Only those sessions' rows wait in memory: which ids are shared
is known from the indexes before anything is read. Files in a report are named ``<host>:<file>``.

Nothing here catches core's errors: a wrong key (:class:`RemoteKeyError`), an object that does not
check out, a missing bucket or an unreachable server end the run with one ``Error: ...`` line.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs

from sessionkeeper.core import Codec, resolve_codec

from .analysis import read_sessions
from .errors import AnalyzerError
from .period import Period
from .progress import Progress
from .report import SkippedFile
from .sources import DEFAULT_MAX_SESSION_BYTES, SessionData

__all__ = ["HostRead", "RemoteError", "RemoteRead", "fetched_remote", "read_hosts"]

_EPOCH = datetime.min.replace(tzinfo=UTC)


class RemoteError(AnalyzerError):
    """``--remote`` cannot be used: no remote is configured, or it holds no host's push."""


@attrs.frozen
class HostRead:
    """One host's latest push, fetched into ``directory``."""

    host: str
    seq: int
    pushed_at: str
    directory: Path
    sessions: tuple[str, ...]  # live sessions in the push
    archived: tuple[str, ...]  # sessions in its history archive


@attrs.frozen
class RemoteRead:
    """What was fetched for one analysis, and what it cost."""

    location: str
    hosts: tuple[HostRead, ...]
    fetched: int  # objects downloaded
    fetched_bytes: int
    cached: int  # objects found in the local cache instead
    cached_bytes: int


@contextlib.contextmanager
def fetched_remote(
    url: str | None,
    period: Period | None = None,
    *,
    codec: Codec | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
) -> Iterator[RemoteRead]:
    """Every host's latest push on the remote ``url`` names (None: the configured remote, as
    ``SESSIONKEEPER_REMOTE`` or ``remote`` in ``[tool.sessionkeeper]`` say), fetched into a private
    temporary directory that exists until the ``with`` block ends. With ``period``, archive files
    wholly outside it are not fetched. Raises :class:`RemoteError` and core's errors."""
    from sessionkeeper.core.remote.fetch import ObjectCache, default_cache_dir, materialise_push
    from sessionkeeper.core.remote.reading import list_manifests
    from sessionkeeper.core.remote.settings import resolve_remote

    settings = resolve_remote(url)
    if settings is None:
        raise RemoteError(
            "no remote is configured: give --remote URL (s3://bucket/prefix or a directory), or set "
            "SESSIONKEEPER_REMOTE or remote in [tool.sessionkeeper]"
        )
    codec = codec if codec is not None else resolve_codec()
    target = settings.open()
    hosts = list_manifests(target)
    if not hosts:
        raise RemoteError(f"{target.location} holds no host's backup (no manifest): nothing to analyse")
    cache = ObjectCache((cache_dir or default_cache_dir()) if use_cache else None)
    span = (period.since, period.until) if period is not None else None
    root = Path(tempfile.mkdtemp(prefix="session-analyze-remote-"))  # mode 0700, ours alone
    try:
        read = []
        # Numbered folders, never the host's name: a name read from a remote is no path.
        for number, host in enumerate(hosts):
            pushed = materialise_push(target, codec, host, root / str(number), cache=cache, archive_span=span)
            if pushed is not None:  # its manifest went away since the listing
                read.append(
                    HostRead(
                        host, pushed.seq, pushed.pushed_at, pushed.directory, pushed.sessions, pushed.archived
                    )
                )
        cache.expire()
        counts = cache.counts
        yield RemoteRead(
            target.location,
            tuple(read),
            counts.fetched,
            counts.fetched_bytes,
            counts.cached,
            counts.cached_bytes,
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _label(host: str, name: str) -> str:
    return f"{host}:{name}"


def _rank(data: SessionData) -> tuple[datetime, int]:
    return data.last_checkpoint or _EPOCH, len(data.rows)


def read_hosts(
    hosts: tuple[HostRead, ...],
    *,
    codec: Codec | None = None,
    period: Period | None = None,
    max_session_bytes: int = DEFAULT_MAX_SESSION_BYTES,
    progress: Progress | None = None,
) -> Iterator[SessionData | SkippedFile]:
    """Every session of every host to count, once across hosts (see the module docstring), and
    every file left out; files named ``<host>:<file>``, each session's ``host`` the host whose push
    it came from."""
    codec = codec if codec is not None else resolve_codec()
    held_ids = Counter(sid for host in hosts for sid in {*host.sessions, *host.archived})
    shared = {sid for sid, count in held_ids.items() if count > 1}
    held: dict[str, list[SessionData]] = {}
    for host in hosts:
        items = read_sessions(
            host.directory, max_session_bytes=max_session_bytes, progress=progress, codec=codec, period=period
        )
        for item in items:
            if isinstance(item, SkippedFile):
                yield attrs.evolve(item, file=_label(host.host, item.file))
                continue
            data = attrs.evolve(
                item,
                file=_label(host.host, item.file),
                warnings=tuple(_label(host.host, warning) for warning in item.warnings),
                host=host.host,
            )
            if data.stored_id in shared:
                held.setdefault(data.stored_id, []).append(data)
            else:
                yield data
    for session_id in sorted(held):
        copies = held[session_id]
        winner = max(copies, key=_rank)  # the first of equals: the first host in name order
        yield winner
        for data in copies:
            if data is not winner:
                when = winner.last_checkpoint.isoformat() if winner.last_checkpoint else "unknown"
                yield SkippedFile(
                    data.file,
                    "older_copy",
                    f"another host's copy of {session_id}; kept {winner.file}, the latest "
                    f"(last checkpoint {when}, events: {len(winner.rows)})",
                )
