"""The process the kill test SIGKILLs: it resumes the data directory's latest session (or starts
one) and then, without end, writes values, checkpoints now and then, and pushes to the remote.

Run as ``python -m tests.remote.kill_worker DATA_DIR USER_DIR URL HOST SEED``, with the codec's
and the AWS variables in the environment. On stdout: ``set N`` once the write of ``value-N`` is
acknowledged, ``pushed N`` once a push that started after ``set N`` has finished (so every value up
to N is on the remote), one line each, flushed.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from sessionkeeper.core import SessionManager, resolve_codec
from sessionkeeper.core.remote.push import push_remote
from sessionkeeper.core.remote.settings import RemoteSettings, parse_target_url


def main(data_dir: Path, user_dir: Path, url: str, host: str, seed: int) -> None:
    rng = random.Random(seed)
    manager = SessionManager(
        data_dir=data_dir, user_dir=user_dir, background=False, handle_signals=False, remote=False
    )
    try:
        manager.resume()
    except Exception:
        manager.start()
    counter = int(manager.get("counter", default=0))
    remote = RemoteSettings(parse_target_url(url), "test", interval=1.0, host=host)
    codec = resolve_codec()
    while True:
        for _ in range(rng.randrange(1, 20)):
            counter += 1
            manager.set(f"value-{counter}", rng.randbytes(rng.randrange(10, 3000)).hex())
            manager.set("counter", counter)
            print(f"set {counter}", flush=True)
        if rng.random() < 0.3:
            manager.checkpoint()
        push_remote(data_dir, user_dir, remote, codec, lock_timeout=None)
        print(f"pushed {counter}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]))
