"""A directory seen read-only, as on read-only media: a read-only bind mount (the tests run as root)."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["read_only_view"]


@contextmanager
def read_only_view(source: Path, target: Path) -> Iterator[Path]:
    """``source`` seen read-only: a read-only bind mount on ``target`` (yielded).

    Without the right to mount, a non-root user gets ``source`` itself with its write permissions
    removed; root ignores permissions, so for root that would prove nothing and the test is skipped.
    """
    target.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True, check=False)
    if mounted.returncode != 0:
        reason = mounted.stderr.decode(errors="replace").strip() or f"status {mounted.returncode}"
        if os.geteuid() == 0:
            pytest.skip(
                f"cannot bind-mount here ({reason}); as root, read-only permissions would prove nothing"
            )
        with _without_write_permission(source):
            yield source
        return
    try:
        remounted = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(target)], capture_output=True, check=False
        )
        assert remounted.returncode == 0, remounted.stderr.decode(errors="replace")
        with pytest.raises(OSError) as refused:
            (target / "probe").write_bytes(b"")
        assert refused.value.errno == errno.EROFS
        yield target
    finally:
        if subprocess.run(["umount", str(target)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


@contextmanager
def _without_write_permission(root: Path) -> Iterator[None]:
    modes = {path: stat.S_IMODE(path.lstat().st_mode) for path in [root, *root.rglob("*")]}
    try:
        for path, mode in modes.items():
            path.chmod(mode & ~0o222)
        yield
    finally:
        for path, mode in sorted(modes.items(), key=lambda item: len(item[0].parts)):
            path.chmod(mode)
