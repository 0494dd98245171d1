"""Writing one store's snapshots: seal → atomic write (the old snapshot kept as the backup) →
journal GC, and which journal epoch each of its files covers.

Journals are deleted only once the *backup* contains them too, so falling back to the backup loses
nothing. At a clean stop a plain store's backup is packed (zstd, when ``zstandard`` is installed):
a store at rest then takes little more than its snapshot on disk. Every call runs under the
store's compaction lock (see :class:`~.store.StoreWriter`).
"""

from __future__ import annotations

import contextlib
import errno
from datetime import UTC, datetime
from typing import Any

import orjson

from sessionkeeper.core.codec.envelope import MAGIC, Codec, CodecSettings
from sessionkeeper.core.errors import KeyConfigurationError, SaveError
from sessionkeeper.core.limits import STORE_ENV, Limits

from .fs import filesystem
from .layout import StorePaths, snapshot_context
from .loader import Loaded

__all__ = ["SnapshotWriter"]

_EFBIG = errno.EFBIG
_PACK_ABOVE = 64 << 10


class SnapshotWriter:
    """The snapshot side of one store; ``covered`` is the epoch its snapshot contains."""

    def __init__(self, paths: StorePaths, codec: Codec, limits: Limits) -> None:
        self.paths = paths
        self._codec = codec
        self._limits = limits
        self._fs = filesystem()
        self.covered = 0
        self._backup_covered = 0  # epoch contained in the backup (journals up to it may go)
        self._readable = True  # the current snapshot can be read (so it may become the backup)

    def note_loaded(self, loaded: Loaded[Any]) -> None:
        """What a load found: which epochs the snapshot (and, if it was read, the backup) cover."""
        self.covered = loaded.covered_epoch
        self._readable = loaded.current_snapshot_readable
        # What the backup contains is only known when it was the file we read; otherwise keep
        # every journal it may need until the next checkpoint makes the snapshot the backup.
        self._backup_covered = loaded.covered_epoch if loaded.report.source == "backup" else 0

    def write(self, rendered: bytes, covered: int) -> None:
        """Seal and write ``rendered`` (covering journals up to ``covered``) as the snapshot; the
        previous one becomes the backup; journals the backup now holds are deleted. Raises
        :class:`SaveError`, having changed nothing, if it cannot."""
        paths = self.paths
        if len(rendered) > self._limits.max_store_bytes:
            raise SaveError(
                _EFBIG,
                f"checkpoint of {paths.snapshot} refused: {len(rendered)} bytes could not be loaded "
                f"again (over max_store_bytes, {STORE_ENV}={self._limits.max_store_bytes}); the journals "
                "still hold everything",
            )
        # An unreadable snapshot must not become the backup: the backup is what we still trust.
        keep = paths.backup if self._readable else None
        if keep is None and paths.snapshot.exists():
            with contextlib.suppress(OSError):  # keep the damaged file for inspection, never destroy it
                self._fs.keep_backup(paths.snapshot, paths.corrupt)
        try:
            sealed = self._codec.seal(rendered, snapshot_context(paths.name))
            self._fs.write_atomic(paths.snapshot, sealed, backup=keep)
        except OSError as exc:
            raise SaveError(
                exc.errno or 0,
                f"could not write {paths.snapshot.name}: {exc.strerror or exc}; the previous snapshot and "
                "the journal are intact and will be used",
            ) from exc
        if keep is not None:
            self._backup_covered = self.covered
        self.covered = covered
        self._readable = True
        for epoch in paths.journal_epochs():
            if epoch <= self._backup_covered:
                self._fs.unlink(paths.journal(epoch))
        if paths.last_save_error.exists():  # a good save ends the error's story
            with contextlib.suppress(OSError):
                self._fs.unlink(paths.last_save_error)
        with contextlib.suppress(OSError):  # tidying up; the snapshot itself is written
            self.unlink_temps()

    def pack_backup(self) -> None:
        """Compress the backup of a plain store (a codec that compresses or encrypts has sealed it
        already), unchanged otherwise: the same bytes come out of ``Codec.open`` as every reader
        of a backup uses, checked by zstd's own checksum and then by the document's. One atomic
        replace: a crash leaves the old backup or the packed one. Skipped for a backup under
        ``_PACK_ABOVE`` bytes (a hook's stop() should not pay an fsync to save a few kilobytes),
        when ``zstandard`` is not installed, or when the backup cannot be read (a symlink, say);
        an OSError of the write propagates."""
        if not self._codec.plain:
            return
        path = self.paths.backup
        try:
            head, info = self._fs.read_head(path, len(MAGIC))
            if info.st_size < _PACK_ABOVE or head.startswith(MAGIC):
                return  # small, or packed already
            packer = Codec(CodecSettings(compression="zstd"))
            data = self._fs.read_bytes(path, self._limits.max_store_bytes)
        except (KeyConfigurationError, OSError):
            return
        if data.startswith(MAGIC):  # replaced since the look at its head: never pack twice
            return
        self._fs.write_atomic(path, packer.seal(data, snapshot_context(self.paths.name)))

    def failed(self, exc: BaseException, sealed: int) -> None:
        """The snapshot that was to contain journal ``sealed`` failed: make that journal durable
        (it now carries its records alone), and leave the reason beside the journals for other
        processes (``session info``). Best effort: the disk that refused the snapshot may refuse
        this too."""
        with contextlib.suppress(OSError):
            self._fs.sync_file(self.paths.journal(sealed))
            self._fs.fsync_dir(self.paths.aux)
        record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "error": str(exc)}
        with contextlib.suppress(OSError):
            self._fs.write_atomic(self.paths.last_save_error, orjson.dumps(record))

    def unlink_temps(self) -> None:
        """Delete snapshot/backup temp files. Only under the compaction lock: every such file is
        made under it, so any that exists then belongs to a checkpoint that died."""
        for name in self._fs.listdir(self.paths.directory):
            if self.paths.is_snapshot_temp(name):
                self._fs.unlink(self.paths.directory / name)
