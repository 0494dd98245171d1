"""K. What compression and encryption at rest cost a checkpoint, and what they save on disk.

Three sessions of N keys (100k; 5k with ``--quick``) hold the same data: per key a small task
record, as a task runner keeps (status, attempts, file, duration). They are written with the plain
codec, with zstd (level 1, the default), and with zstd + AES-256-GCM
(``SessionManager(codec=Codec(CodecSettings(...), Keyring([generate_key()])))``). Before every
timed ``checkpoint()``, 1,000 untimed ``set()`` calls update random keys of each session, so every
checkpoint writes a changed snapshot. The three checkpoints of a repetition run next to each other
(order rotated each repetition); the plain checkpoint is the baseline, measured in the same run.

Targets (issue "Compression and authenticated encryption at rest"): zstd + AES-GCM checkpoint
<= 1.5x the plain checkpoint, and its snapshot >= 5x smaller than the plain one.
Runnable alone: ``python bench/core_codec.py [--quick] [--reps N]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    Config,
    Figure,
    Kind,
    Target,
    interleaved,
    log,
    median,
    pick_scratch_root,
    render_table,
    scratch_dir,
    summary,
)
from sessionkeeper.core import PLAIN, Codec, CodecSettings, Keyring, SessionManager, generate_key

__all__ = ["run"]

TARGET_TIME_RATIO = 1.5
TARGET_SIZE_RATIO = 1 / 5  # sealed size / plain size
UPDATES = 1_000
STATUSES = ("done", "pending", "failed", "running", "skipped")


def codecs() -> dict[str, Codec]:
    return {
        "plain": PLAIN,
        "zstd": Codec(CodecSettings(compression="zstd")),
        "zstd+aes-gcm": Codec(
            CodecSettings(compression="zstd", cipher="aes-256-gcm"), Keyring([generate_key()])
        ),
    }


def task_record(rng: random.Random, number: int) -> dict[str, Any]:
    return {
        "status": rng.choice(STATUSES),
        "attempts": rng.randrange(5),
        "file": f"src/package_{number % 37}/module_{rng.randrange(400)}.py",
        "duration": round(rng.random() * 30, 3),
    }


@contextmanager
def _session(directory: Path, codec: Codec) -> Iterator[SessionManager]:
    manager = SessionManager(
        data_dir=directory / "data", user_dir=directory / "user", codec=codec, handle_signals=False
    )
    manager.start()
    try:
        yield manager
    finally:
        manager.stop()


def run(cfg: Config) -> list[Figure]:
    n_keys = cfg.size(100_000, 5_000)
    label = f"{n_keys // 1000}k"
    log(f"  K: checkpoint() of {label} keys, plain vs zstd vs zstd+AES-256-GCM ({cfg.reps} reps)")
    keys = [f"task:{i:07d}" for i in range(n_keys)]
    initial = [task_record(random.Random(i), i) for i in range(n_keys)]
    sizes: dict[str, list[float]] = {}
    with scratch_dir(cfg, "codec") as directory, ExitStack() as stack:
        managers = {
            name: stack.enter_context(_session(directory / name, codec)) for name, codec in codecs().items()
        }
        for manager in managers.values():
            for key, value in zip(keys, initial, strict=True):
                manager.set(key, value)
        samples = {
            name: _sampler(manager, keys, sizes.setdefault(name, [])) for name, manager in managers.items()
        }
        times = interleaved(cfg.reps, samples, Kind.DURATION)

    def figure(bench: str, name: str, measured: str, target: Target | None, note: str = "") -> Figure:
        return Figure(
            bench=bench,
            name=f"checkpoint() {label} keys, {name}",
            kind=Kind.DURATION,
            unit="s",
            value=median(times[measured]),
            samples=tuple(times[measured]),
            baseline_name="the same checkpoint, plain",
            baseline=median(times["plain"]),
            baseline_samples=tuple(times["plain"]),
            target=target,
            note=note,
        )

    plain_size, sealed_size, zstd_size = (median(sizes[name]) for name in ("plain", "zstd+aes-gcm", "zstd"))
    return [
        figure("K1", "zstd", "zstd", None),
        figure(
            "K2",
            "zstd+AES-GCM",
            "zstd+aes-gcm",
            Target.max_ratio(TARGET_TIME_RATIO),
            note=f"each checkpoint follows {UPDATES:,} untimed set() calls on random keys",
        ),
        Figure(
            bench="K3",
            name=f"snapshot size {label} keys, zstd+AES-GCM",
            kind=Kind.DURATION,  # lower is better
            unit="B",
            value=sealed_size,
            samples=tuple(sizes["zstd+aes-gcm"]),
            baseline_name="the plain snapshot",
            baseline=plain_size,
            baseline_samples=tuple(sizes["plain"]),
            target=Target(
                f"<= {TARGET_SIZE_RATIO:g}x (>= 5x smaller)",
                on_ratio=True,
                at_least=False,
                threshold=TARGET_SIZE_RATIO,
            ),
            note=(
                f"{plain_size / sealed_size:.1f}x smaller; zstd alone {zstd_size:,.0f} B "
                f"({plain_size / zstd_size:.1f}x): encryption adds {sealed_size - zstd_size:,.0f} B"
            ),
        ),
    ]


def _sampler(manager: SessionManager, keys: list[str], sizes: list[float]) -> Callable[[], tuple[float, int]]:
    rng = random.Random(len(sizes) + 1)
    counter = 0

    def sample() -> tuple[float, int]:
        nonlocal counter
        for _ in range(UPDATES):  # untimed: the changes this checkpoint writes
            counter += 1
            manager.set(keys[rng.randrange(len(keys))], task_record(rng, counter))
        start = time.perf_counter()
        saved = manager.checkpoint()
        elapsed = time.perf_counter() - start
        if not saved:
            raise RuntimeError(f"checkpoint failed: {manager.last_save_error}")
        sizes.append(float(manager.info().snapshot_bytes))
        return elapsed, 1

    return sample


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="core_codec", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test (a few seconds)")
    parser.add_argument(
        "--reps", type=int, default=None, help="repetitions (default 7, 5 with --quick; min 5)"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    cfg = Config(
        quick=args.quick,
        reps=max(5, args.reps or (5 if args.quick else 7)),
        scratch_root=pick_scratch_root(None),
    )
    figures = run(cfg)
    print(render_table(figures))
    print()
    print(summary(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
