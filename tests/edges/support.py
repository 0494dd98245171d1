"""Helpers of the edge-case suite: documents re-checksummed after an edit, children under limits."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

from sessionkeeper.core.storage import documents as snapshot

_SUFFIX = re.compile(rb',\n  "checksum": "crc32:[0-9a-f]{8}"\n}\n\Z')


def rechecksummed(document: bytes) -> bytes:
    """``document`` (edited) with a checksum that matches again: what a careful attacker writes."""
    found = _SUFFIX.search(document)
    assert found is not None, "not a checksummed document"
    return snapshot.with_checksum(document[: found.start()] + b"\n}\n")


def run_limited(code: str, env: dict[str, str], address_space: int, timeout: float = 120) -> tuple[int, str]:
    """Run ``code`` in a child whose address space is capped (``RLIMIT_AS``): a load that tries
    to use more memory dies with MemoryError instead of passing. Returns (status, output)."""
    prelude = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({address_space}, {address_space}))

        def peak():
            # VmHWM: this program's own peak resident set (ru_maxrss would carry the parent's
            # over fork and exec)
            with open("/proc/self/status") as status:
                line = next(line for line in status if line.startswith("VmHWM:"))
            return "peak_kib=" + line.split()[1]
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def peak_memory_line(output: str) -> int:
    """The ``peak_kib=N`` a child printed (its peak resident set, from /proc/self/status)."""
    found = re.search(r"peak_kib=(\d+)", output)
    assert found is not None, output
    return int(found.group(1))


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
