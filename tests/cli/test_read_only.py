"""Reading commands create nothing, open nothing for writing and keep no lock: they work on
read-only media, and leave a writable data directory exactly as it was.

The read-only case is a real read-only bind mount (the tests run as root). A writer keeps one
session open through the writable source the whole time, so the liveness probe is exercised across
the mount: the session must still be reported live.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import stat
import struct
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.cli.support import Cli
from tests.read_only_media import read_only_view

# A live writer: it starts a session, says its id, and keeps the session open until its stdin closes.
_WRITER = """
import sys
from sessionkeeper.core import SessionManager
manager = SessionManager(handle_signals=False)
print(manager.start(), flush=True)
manager.set("held", "by a running process", flush=True)
sys.stdin.read()
manager.stop()
"""


def reading_commands(current: str, other: str) -> list[tuple[str, ...]]:
    """Every reading command, in its text and JSON forms, on the current and on another session."""
    return [
        ("info",),
        ("info", "--json"),
        ("list",),
        ("list", "--json"),
        ("show",),
        ("show", other, "--json"),
        ("get", "feature"),
        ("get", "feature", "--json"),
        ("get", "user:theme", "--scope", "user"),
        ("get", "project:name", "--scope", "app"),
        ("verify",),
        ("verify", "--json"),
        ("key", "status"),
        ("key", "status", "--json"),
        ("export",),
        ("export", other),
    ]


def populate(cli: Cli, env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Sessions of every shape: checkpointed with a backup and journals (``current``), imported
    (no journal folder at all, ``imported``); USER and APP values. Returns their ids."""
    current = cli.ok("start", env=env).out.strip()
    cli.ok("set", "feature", "auth", env=env)
    cli.ok("set", "user:theme", "dark", "--scope", "user", env=env)
    cli.ok("set", "project:name", "kit", "--scope", "app", env=env)
    cli.ok("checkpoint", env=env)
    cli.ok("checkpoint", env=env)
    cli.ok("set", "after", "[1, 2]", env=env)  # a journal after the snapshot
    exported = tmp_path / "exported.json"
    cli.ok("export", current, "-o", str(exported), env=env)
    imported = cli.ok("import", str(exported), "--json", env=env).json()["session_id"]
    cli.ok("recover", current, env=env)  # current again
    return {"current": current, "imported": imported}


def listing(*roots: Path) -> dict[str, tuple[Any, ...]]:
    """Every path under ``roots`` (roots included) with its type, size, times, mode, inode, links."""
    found: dict[str, tuple[Any, ...]] = {}
    for root in roots:
        for path in [root, *sorted(root.rglob("*"))]:
            info = path.lstat()
            found[str(path)] = (
                stat.S_IFMT(info.st_mode),
                info.st_size,
                info.st_mtime_ns,
                info.st_ctime_ns,
                stat.S_IMODE(info.st_mode),
                info.st_ino,
                info.st_nlink,
            )
    return found


@contextmanager
def live_writer(env: dict[str, str]) -> Iterator[str]:
    """A process holding a new session open (made current, as ``start`` does); yields its id."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        session_id = proc.stdout.readline().decode().strip()
        assert session_id.startswith("session_"), session_id
        yield session_id
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=60)


def test_reading_commands_work_on_a_read_only_mount(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "source"
    writable = cli.env(
        SESSIONKEEPER_DATA_DIR=str(source / "RUNS"), SESSIONKEEPER_USER_DIR=str(source / "user")
    )
    ids = populate(cli, writable, tmp_path)
    with live_writer(writable) as held:
        cli.ok("recover", ids["current"], env=writable)  # the held session is no longer current
        with read_only_view(source, tmp_path / "ro") as view:
            env = cli.env(
                SESSIONKEEPER_DATA_DIR=str(view / "RUNS"), SESSIONKEEPER_USER_DIR=str(view / "user")
            )
            for args in reading_commands(ids["current"], held):
                result = cli.run(*args, env=env)
                assert result.status == 0, result.describe()
                assert result.err == "", result.describe()

            # Liveness is still told apart on read-only media: only the writer's session is live.
            listed = {
                entry["session_id"]: entry["live"]
                for entry in cli.ok("list", "--json", env=env).json()["sessions"]
            }
            assert listed == {ids["current"]: False, ids["imported"]: False, held: True}
            assert cli.ok("info", "--json", env=env).json()["live"] is False
            assert cli.ok("verify", "--json", env=env).json()["ok"] is True
            assert cli.ok("show", held, "--json", env=env).json()["values"]["held"] == "by a running process"


def test_reading_commands_change_nothing_in_a_writable_directory(cli: Cli, tmp_path: Path) -> None:
    env = cli.env()
    data_dir, user_dir = Path(env["SESSIONKEEPER_DATA_DIR"]), Path(env["SESSIONKEEPER_USER_DIR"])
    ids = populate(cli, env, tmp_path)
    imported_folder = data_dir / "sessions" / f"{ids['imported']}.d"
    assert not imported_folder.exists()  # an imported session has no journal folder, hence no lock files
    before = listing(data_dir, user_dir)
    with Watch(data_dir, user_dir) as watch:
        for args in reading_commands(ids["current"], ids["imported"]):
            cli.ok(*args, env=env)
        events = watch.events()
    assert events == [], f"reading commands wrote to the data directory: {events}"
    assert listing(data_dir, user_dir) == before
    assert not imported_folder.exists()


class Watch:
    """inotify on every directory under some roots: what was created, changed, opened for writing,
    moved or deleted (opening a file read-write and closing it unchanged counts: IN_CLOSE_WRITE)."""

    _MASK = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800  # all but access/open/close-nowrite
    _NAMES: ClassVar[dict[int, str]] = {
        0x2: "MODIFY",
        0x4: "ATTRIB",
        0x8: "CLOSE_WRITE",
        0x40: "MOVED_FROM",
        0x80: "MOVED_TO",
        0x100: "CREATE",
        0x200: "DELETE",
        0x400: "DELETE_SELF",
        0x800: "MOVE_SELF",
    }
    _EVENT = struct.Struct("iIII")

    def __init__(self, *roots: Path) -> None:
        self.roots = roots
        self.fd = -1
        self.watches: dict[int, Path] = {}

    def __enter__(self) -> Watch:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            pytest.skip(f"inotify is not available: {os.strerror(ctypes.get_errno())}")
        for root in self.roots:
            for directory in [root, *(path for path in root.rglob("*") if path.is_dir())]:
                wd = libc.inotify_add_watch(self.fd, os.fsencode(directory), self._MASK)
                assert wd >= 0, os.strerror(ctypes.get_errno())
                self.watches[wd] = directory
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def events(self) -> list[str]:
        found: list[str] = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return found
            pos = 0
            while pos < len(data):
                wd, mask, _, length = self._EVENT.unpack_from(data, pos)
                name = data[pos + self._EVENT.size : pos + self._EVENT.size + length].rstrip(b"\0").decode()
                kinds = "|".join(text for bit, text in self._NAMES.items() if mask & bit)
                found.append(f"{kinds} {self.watches.get(wd, Path('?')) / name}")
                pos += self._EVENT.size + length
