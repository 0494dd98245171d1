"""C. ``SessionManager(...).resume(id)`` of a session with N keys in its snapshot and N journal records.

A child process (``_build_resume.py``) sets N keys to realistic values (``_values.py``), checkpoints,
sets N more updates and exits
with ``os._exit(0)``, so nothing is compacted. Each repetition then times ``resume(id)`` in a
fresh manager (constructor included) and lets go of it untimed, as a crash would (``abandon()``:
no clean-stop snapshot); resuming changes nothing on disk, so
every repetition reads the same files. The baseline is how the old tool loaded a session: read
one plain JSON file holding the same final values and ``orjson.loads`` it. Both read from a warm
page cache.
"""

from __future__ import annotations

import time

import orjson

from bench._build_resume import build_in_child
from bench._harness import Config, Figure, Kind, Target, interleaved, log, median, scratch_dir
from bench.core_set import count
from sessionkeeper.core import SessionManager

__all__ = ["run"]

TARGET_SECONDS = 1.0


def run(cfg: Config) -> list[Figure]:
    n_keys = cfg.size(100_000, 5_000)
    log(f"  C: resume() of {count(n_keys)} keys + {count(n_keys)} journal records ({cfg.reps} reps)")
    with scratch_dir(cfg, "resume") as directory:
        data_dir, user_dir = directory / "data", directory / "user"
        session_id = build_in_child(data_dir, user_dir, n_keys, n_keys)
        plain_file = data_dir / "plain.json"
        expected = orjson.loads(plain_file.read_bytes())

        def sample_resume() -> tuple[float, int]:
            start = time.perf_counter()
            session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
            session.resume(session_id)
            elapsed = time.perf_counter() - start
            try:
                load = session.info().load
                if load is None or load.journal_records != n_keys or load.dropped:
                    raise RuntimeError(f"resume did not replay the journal as built: {load}")
                if len(session.keys()) != len(expected):
                    raise RuntimeError("resume did not restore every key")
            finally:
                # Let go as a crash would: stop() writes a clean-stop snapshot, which would compact
                # the journal the next repetition replays (as in P11).
                session.abandon()
            return elapsed, 1

        def sample_raw() -> tuple[float, int]:
            start = time.perf_counter()
            loaded = orjson.loads(plain_file.read_bytes())
            elapsed = time.perf_counter() - start
            if len(loaded) != len(expected):
                raise RuntimeError("plain file changed")
            return elapsed, 1

        times = interleaved(cfg.reps, {"resume": sample_resume, "raw": sample_raw}, Kind.DURATION)
        # One untimed check that values, not just keys, came back.
        check = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
        check.resume(session_id)
        try:
            probe = sorted(expected)[:: max(1, len(expected) // 100)]
            wrong = [key for key in probe if check.get(key) != expected[key]]
            if wrong:
                raise RuntimeError(f"resume restored wrong values for {wrong[:3]}")
        finally:
            check.abandon()
    return [
        Figure(
            bench="C1",
            name=f"resume() {count(n_keys)} keys + {count(n_keys)} journal",
            kind=Kind.DURATION,
            unit="s",
            value=median(times["resume"]),
            samples=tuple(times["resume"]),
            baseline_name="read + orjson.loads plain file",
            baseline=median(times["raw"]),
            baseline_samples=tuple(times["raw"]),
            target=Target.max_value(TARGET_SECONDS, f"<= {TARGET_SECONDS:g} s"),
            note="resume() timed with its SessionManager constructor; the built session is never compacted",
        )
    ]
