"""SIGKILL ``pull_user`` at random moments (while it fetches, applies or records its merge), then
pull once more: the USER scope ends exactly as one uninterrupted pull leaves it, loads cleanly,
and the killed pulls never raised anything but the kill."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sessionkeeper.core import (
    SessionManager,
    StateScope,
    pull_user,
    push_remote,
    read_scope,
    resolve_codec,
    user_store_paths,
)
from sessionkeeper.core.remote.settings import parse_target_url
from tests.remote.support import remote_settings

pytestmark = pytest.mark.usefixtures("encrypted")

KILLS = int(os.environ.get("SESSIONKEEPER_PULL_KILLS", "20"))
_CHILD = """
import sys
from pathlib import Path
from sessionkeeper.core import pull_user, resolve_codec
from sessionkeeper.core.remote.settings import RemoteSettings, parse_target_url
remote = RemoteSettings(parse_target_url(sys.argv[3]), "test", host="desktop")
print("start", flush=True)
pull_user(Path(sys.argv[1]), Path(sys.argv[2]), remote, resolve_codec())
print("done", flush=True)
"""


def _fill(data: Path, user: Path, values: dict[str, object]) -> None:
    with SessionManager(data, user, background=False, handle_signals=False, remote=False) as manager:
        for key, value in values.items():
            manager.set(key, value, StateScope.USER)
        manager.checkpoint()


def _values(user: Path) -> dict[str, object]:
    view = read_scope(user_store_paths(user), "user", resolve_codec())
    assert view.report.dropped == ()
    return {key: view.get(key) for key in view.values}


def test_a_pull_killed_anywhere_ends_as_one_that_ran_through(tmp_path: Path) -> None:
    rng = random.Random(1917)
    url = parse_target_url(str(tmp_path / "remote"))
    laptop = (tmp_path / "laptop" / "runs", tmp_path / "laptop" / "home")
    desktop = (tmp_path / "desktop" / "runs", tmp_path / "desktop" / "home")
    for folder in (laptop[0], desktop[0]):
        folder.mkdir(parents=True)
    _fill(*desktop, {f"shared-{n}": {"from": "desktop", "n": n} for n in range(100)})
    _fill(*desktop, {f"desktop-{n}": "d" * 40 for n in range(50)})
    time.sleep(0.01)
    _fill(*laptop, {f"shared-{n}": {"from": "laptop", "n": n} for n in range(0, 100, 2)})  # newer
    _fill(*laptop, {f"laptop-{n}": ["l", n] for n in range(300)})
    push_remote(*laptop, remote_settings(url, host="laptop"), resolve_codec())

    reference = tmp_path / "reference"
    shutil.copytree(tmp_path / "desktop", reference)
    pull_user(reference / "runs", reference / "home", remote_settings(url, host="desktop"), resolve_codec())
    expected = _values(reference / "home")
    assert len(expected) == 450
    assert expected["shared-2"] == {"from": "laptop", "n": 2}
    assert expected["shared-3"] == {"from": "desktop", "n": 3}

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))

    def pulling() -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(desktop[0]), str(desktop[1]), str(url)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"start\n"  # imports done: the kill lands inside the pull
        return child

    # How long a pull takes here (one run through, in a copy): the kills land anywhere inside one.
    shutil.copytree(tmp_path / "desktop", tmp_path / "timing")
    began = time.monotonic()
    pull_user(
        tmp_path / "timing" / "runs",
        tmp_path / "timing" / "home",
        remote_settings(url, host="desktop"),
        resolve_codec(),
    )
    length = time.monotonic() - began
    killed = 0
    for _ in range(KILLS):
        child = pulling()
        time.sleep(rng.uniform(0, length))
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate(timeout=60)
        if child.returncode == -signal.SIGKILL:
            killed += 1
        else:
            assert child.returncode == 0, err.decode()
    assert killed >= KILLS // 2  # most kills landed inside a pull, not after it

    pull_user(*desktop, remote_settings(url, host="desktop"), resolve_codec())
    assert _values(desktop[1]) == expected
