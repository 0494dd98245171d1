"""SIGKILL a process that writes and pushes, at random moments, again and again (100 and more
with SESSIONKEEPER_REMOTE_KILLS): after every kill the remote verifies whole (every object there,
at its size; every fifth time and at the end, every object's hash too), the session restores from
it with every write acknowledged before the last finished push, and the next push sends at most
the one object that was in flight again."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sessionkeeper.core import resolve_codec
from sessionkeeper.core.remote.push import push_remote
from sessionkeeper.core.remote.reading import fetch_index, read_manifest
from sessionkeeper.core.remote.restore import restore_session
from sessionkeeper.core.remote.s3 import S3Target
from sessionkeeper.core.remote.settings import TargetURL
from sessionkeeper.core.remote.verify import verify_remote
from tests.conftest import REPO
from tests.remote.s3server import LoopbackS3
from tests.remote.support import KEY_ENV, remote_settings, session_values

KILLS = int(os.environ.get("SESSIONKEEPER_REMOTE_KILLS", "25"))


class Worker:
    """The worker process and what it said before it was killed."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.remote.kill_worker", *args],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.acked = 0
        self.pushed = 0
        self.pushes = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            word, _, number = line.partition(" ")
            if word == "set":
                self.acked = int(number)
            elif word == "pushed":
                self.pushed = int(number)
                self.pushes += 1

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self._reader.join(10)


@pytest.mark.slow
@pytest.mark.timeout(120 + 8 * KILLS)
def test_pushes_killed_at_random_leave_a_remote_that_verifies_and_restores(
    loopback_s3: LoopbackS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in {**KEY_ENV, **loopback_s3.env()}.items():
        monkeypatch.setenv(name, value)
    bucket = loopback_s3.new_bucket()
    settings = remote_settings(TargetURL("s3", bucket, "kills"), host="killed-host")
    target = S3Target(settings.url, loopback_s3.connection())
    codec = resolve_codec()
    data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
    rng = random.Random(1717)
    pushed_before = resends = 0
    unreferenced: list[int] = []
    for kill in range(KILLS):
        worker = Worker(
            [str(data_dir), str(user_dir), str(settings.url), settings.host, str(kill)], dict(os.environ)
        )
        deadline = time.monotonic() + 60
        while worker.pushes == 0 and time.monotonic() < deadline:  # let it get going, then kill it
            time.sleep(0.01)
        assert worker.pushes, f"kill {kill}: the worker never pushed: {worker.process.stderr}"
        time.sleep(rng.uniform(0.0, 0.4))
        worker.kill()
        assert worker.pushed >= pushed_before  # what a finished push held is never taken back
        pushed_before = worker.pushed

        check = verify_remote(target, codec, deep=kill % 5 == 4 or kill == KILLS - 1)  # hashes: every 5th
        assert check.ok, (kill, check.problems)
        unreferenced.append(check.unreferenced)
        found = read_manifest(target, codec, settings.host)
        assert found is not None
        index = fetch_index(target, codec, settings.host, found.manifest.latest)
        [session] = [store.name for store in index.stores if store.kind == "session"]
        place = tmp_path / f"restored-{kill}"
        restore_session(target, codec, settings.host, session, place)
        values = session_values(place, session, codec)
        missing = [n for n in range(1, worker.pushed + 1) if f"value-{n}" not in values]
        assert not missing, (kill, missing[:10])

        resumed = push_remote(data_dir, user_dir, settings, codec)
        assert resumed.reused <= 1, (kill, resumed)  # at most the object in flight is sent again
        resends += resumed.reused
    print(
        f"\n{KILLS} kills: every remote verified and restored; {resends} object(s) sent again in all; "
        f"objects left unreferenced by killed pushes: at most {max(unreferenced)} at once"
    )
