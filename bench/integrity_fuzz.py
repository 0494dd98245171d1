"""I. Integrity fuzzing: damaged files are never accepted as data, under every codec.

The long run of ``tests/integrity/test_bitflips.py`` (the engine, and what counts, are in
``tests/integrity/fuzz.py``). For each codec (plain, zstd, zstd + AES-256-GCM, zstd +
ChaCha20-Poly1305) a world of stores is built by real processes that die without saving: a session
with its snapshot, backup and journals, a second session, the APP and USER stores, another
project's, two exports and, when encrypted, key files. Then for every kind of file core writes:
1,000 single-bit flips (``--quick``: 50; ``--flips N``) and 50 (5) each of a truncation, a zeroed
range, a splice with another file of the same kind, and that file swapped in. Every trial loads
read-only (``read_session``, ``read_scope``, ``verify_store``, ``import_session``,
``read_key_file``); every 20th also as a writer (``resume``/``recover``/``start`` + checkpoint).

Not a timing: figure I<n> is, per codec, the number of trials in which something went wrong — data
that was never written came back, an exception other than a ``SessionkeeperError`` escaped, or a
good file was changed — against the number of trials run; the target is 0. The table per file kind
and damage goes to stderr (to stdout when run alone). Trials run in memory (``/dev/shm``) when the
machine has it: nothing here is timed, and the run is about 5x faster there.
Runnable alone: ``python bench/integrity_fuzz.py [--quick] [--flips N] [--codec NAME]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import Config, Figure, Kind, Target, log, pick_scratch_root, render_table, summary
from tests.conftest import CODECS, codec_environment
from tests.integrity.fuzz import Tally, build_world, kinds_for, run_trials
from tests.integrity.fuzz import render_table as fuzz_table

__all__ = ["run"]

FLIPS = 1_000
OTHER_DAMAGE = 50
WRITER_EVERY = 20
_MEMORY = Path("/dev/shm")  # noqa: S108 - a private directory is made inside it with mkdtemp

Results = dict[tuple[str, str, str], Tally]  # (codec, file kind, damage) -> counts


@dataclass(frozen=True)
class FuzzRun:
    results: Results
    seconds: float


@contextmanager
def _scratch(cfg: Config) -> Iterator[Path]:
    memory = _MEMORY.is_dir() and os.access(_MEMORY, os.W_OK)
    where = _MEMORY if memory else cfg.scratch_root
    path = Path(tempfile.mkdtemp(prefix=".sessionkeeper-bench-integrity-", dir=where))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def fuzz(cfg: Config, *, flips: int | None = None, codecs: Sequence[str] | None = None) -> FuzzRun:
    """Every file kind of every codec, damaged ``flips`` times by a bit flip and
    ``OTHER_DAMAGE`` times each other way (``--quick``: 50 and 5).

    Nothing here is timed, so the codecs run side by side, one process each (as many at once as
    there are cores): the full run's longest part, halved on two cores."""
    counts = {"bitflip": flips if flips is not None else cfg.size(FLIPS, 50)}
    counts |= {damage: cfg.size(OTHER_DAMAGE, 5) for damage in ("truncate", "zero", "splice", "swap")}
    chosen = list(codecs or CODECS)
    results: Results = {}
    started = time.perf_counter()
    with _scratch(cfg) as scratch:
        workers = max(1, min(len(chosen), os.cpu_count() or 1))
        # spawn, not fork: the benchmarks before this one may have left threads running.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            jobs = [pool.submit(_fuzz_codec, codec, counts, scratch) for codec in chosen]
            for job in jobs:  # in the codecs' order: figures I1.. keep their meaning
                results |= job.result()
    return FuzzRun(results, time.perf_counter() - started)


def _fuzz_codec(codec: str, counts: Mapping[str, int], scratch: Path) -> Results:
    """One codec's world, built and damaged in this (worker) process."""
    results: Results = {}
    with codec_environment(codec):
        world = build_world(scratch / f"world-{codec}", codec)
        for kind in kinds_for(world.encrypted):
            workdir = scratch / "trials" / f"{codec}-{kind}".replace(" ", "-")
            workdir.mkdir(parents=True)
            tallies = run_trials(world, kind, counts, workdir, writer_every=WRITER_EVERY, seed="bench")
            for damage, tally in tallies.items():
                results[(codec, kind, damage)] = tally
            trials = sum(tally.trials for tally in tallies.values())
            bad = sum(tally.bad for tally in tallies.values())
            log(f"  I: {codec:<11} {kind:<12} {trials:>5} trials, {bad} went wrong")
    return results


def figures_of(results: Mapping[tuple[str, str, str], Tally]) -> list[Figure]:
    """One figure per codec: trials in which something went wrong, against trials run (target 0)."""
    figures = []
    codecs = list(dict.fromkeys(codec for codec, _, _ in results))
    for number, codec in enumerate(codecs, 1):
        mine = {(kind, damage): tally for (name, kind, damage), tally in results.items() if name == codec}
        trials = sum(tally.trials for tally in mine.values())
        bad = sum(tally.bad for tally in mine.values())
        worst = sorted(
            ((tally.bad, kind, damage) for (kind, damage), tally in mine.items() if tally.bad), reverse=True
        )
        note = "; ".join(f"{kind} {damage} {count}" for count, kind, damage in worst[:4])
        figures.append(
            Figure(
                bench=f"I{number}",
                name=f"damaged files accepted or mishandled, {codec}",
                kind=Kind.DURATION,  # lower is better
                unit="trials",
                value=float(bad),
                samples=(float(bad),),
                baseline_name="trials run",
                baseline=float(trials),
                baseline_samples=(float(trials),),
                target=Target.max_value(0, "0 trials"),
                note=f"worst: {note}" if note else "",
            )
        )
    return figures


def run(cfg: Config) -> list[Figure]:
    log(f"  I: integrity fuzzing, {cfg.size(FLIPS, 50):,} bit flips per file kind and codec")
    done = fuzz(cfg)
    log(fuzz_table(done.results))
    return figures_of(done.results)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="integrity_fuzz", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--quick", action="store_true", help="50 bit flips per file kind (a smoke test)")
    parser.add_argument(
        "--flips", type=int, default=None, help=f"bit flips per file kind and codec (default {FLIPS:,})"
    )
    parser.add_argument("--codec", action="append", choices=CODECS, help="only this codec (repeatable)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    cfg = Config(quick=args.quick, reps=5, scratch_root=pick_scratch_root(None))
    done = fuzz(cfg, flips=args.flips, codecs=args.codec)
    print(fuzz_table(done.results))
    print()
    figures = figures_of(done.results)
    print(render_table(figures))
    print()
    print(f"{summary(figures)}; {done.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
