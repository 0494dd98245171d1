"""Telling copies of one session apart, so that no session is counted twice.

Files are grouped by the ``session_id`` written *inside* them (old copies were saved under other
names) and, within a group, compared by content hash. Rule:

1. A Sessionkeeper session in its own file (format 2, name = stored id) is authoritative: core
   keeps that file and its journals up to date, so any other file claiming the same id is a copy
   made by hand and is skipped. Such sessions are counted as they are read, without waiting.
2. Every other group (the old tool's files, and files whose name disagrees with their id) is
   settled once all files are read: byte-identical files (same content hash) are one file; of the
   rest, the version with the **latest last checkpoint** is kept — the old tool only ever added to
   a session, so a later checkpoint holds everything an earlier one did (in the fixtures, each
   later copy adds the task records its original lacks). Ties go to the version with more events,
   then to the file whose name matches its id, then to the first name in sort order.

Only the rows of group-2 files wait in memory; Sessionkeeper's own sessions stream through.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from .report import SkippedFile
from .sources import SessionData, content_files

__all__ = ["Deduplicator"]

_EPOCH = datetime.min.replace(tzinfo=UTC)
_MAX_HASHED = 64 << 20


def _fingerprint(data: SessionData) -> str | None:
    """Content hash of a session's files (snapshot or backup, then journals), or None if unreadable."""
    files = content_files(data.found)
    if files is None:
        return None
    digest = hashlib.blake2b(digest_size=16)
    main, *journals = files
    try:
        with main.open("rb") as handle:
            digest.update(handle.read(_MAX_HASHED))
        for path in journals:
            digest.update(path.read_bytes()[:_MAX_HASHED])
    except OSError:
        return None
    return digest.hexdigest()


def _rank(data: SessionData) -> tuple[datetime, int, bool]:
    return (data.last_checkpoint or _EPOCH, len(data.rows), data.session_id == data.stored_id)


class Deduplicator:
    """Feed every readable session to :meth:`offer`; :meth:`finish` settles the copies."""

    def __init__(self) -> None:
        self._authoritative: dict[str, str] = {}  # stored id -> file
        self._waiting: dict[str, list[SessionData]] = {}

    def offer(self, data: SessionData) -> bool:
        """True if ``data`` can be counted now (rule 1); otherwise it waits for :meth:`finish`."""
        if data.canonical:
            self._authoritative[data.stored_id] = data.file
            return True
        self._waiting.setdefault(data.stored_id, []).append(data)
        return False

    def finish(self) -> tuple[list[SessionData], list[SkippedFile]]:
        """The waiting sessions to count, and the copies skipped (with the file kept instead)."""
        kept: list[SessionData] = []
        skipped: list[SkippedFile] = []
        for stored_id in sorted(self._waiting):
            group = sorted(self._waiting[stored_id], key=lambda d: d.file)
            owner = self._authoritative.get(stored_id)
            if owner is not None:
                skipped += [
                    SkippedFile(
                        d.file, "copy", f"a copy of session {stored_id}, whose own file {owner} was kept"
                    )
                    for d in group
                ]
                continue
            winner = max(group, key=_rank)  # max() keeps the first of equals: the first name
            kept.append(winner)
            hashes = {d.file: _fingerprint(d) for d in group} if len(group) > 1 else {}
            for data in group:
                if data is winner:
                    continue
                if hashes[data.file] is not None and hashes[data.file] == hashes[winner.file]:
                    skipped.append(
                        SkippedFile(data.file, "identical_copy", f"byte-identical to {winner.file}")
                    )
                else:
                    skipped.append(
                        SkippedFile(
                            data.file,
                            "older_copy",
                            f"another version of {stored_id}; kept {winner.file}, the latest "
                            f"(last checkpoint {_when(winner)}, events: {len(winner.rows)})",
                        )
                    )
        self._waiting.clear()
        return kept, skipped


def _when(data: SessionData) -> str:
    return data.last_checkpoint.isoformat() if data.last_checkpoint else "unknown"
