"""Run Sessionkeeper's benchmarks and print one table: ``.venv/bin/hatch run bench [--quick] [--json FILE]``.

Every figure is the median of several repetitions, printed with the median of a baseline
measured in the same run and their ratio; targets from the project's issues are marked PASS or
MISS. A MISS is reported, never turned into a failing exit status; only an error inside a
benchmark (a bug, not a slow result) makes the exit status non-zero. See bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _suites() -> dict[str, ModuleType]:
    from bench import (
        analyzer_scale,
        cli_startup,
        core_checkpoint,
        core_fsync,
        core_resume,
        core_set,
        history_scale,
        hooks_overhead,
        peers,
    )

    suites = {
        "A": core_set,
        "B": core_checkpoint,
        "C": core_resume,
        "D": core_fsync,
        "E": cli_startup,
        "H": hooks_overhead,
        "P": peers,
        "R": history_scale,
        "S": analyzer_scale,
    }
    try:  # the codec benchmark (compression + encryption) needs session-core's extras
        from bench import core_codec
    except ImportError:
        pass
    else:
        suites["K"] = core_codec
    try:  # the insights' evaluation: the session-analyzer[insights] extra (numpy, scikit-learn)
        from bench import insights_eval
    except ImportError:
        pass
    else:
        suites["F"] = insights_eval
    try:  # remote backup (issue 17): obstore and moto's server (tests/remote/s3server.py)
        import moto  # noqa: F401
        import obstore  # noqa: F401

        from bench import remote_backup
    except ImportError:
        pass
    else:
        suites["T"] = remote_backup
    try:  # integrity fuzzing: the extras too, and the test suite's engine (tests/integrity)
        from bench import integrity_fuzz
    except ImportError:
        pass
    else:
        suites["I"] = integrity_fuzz
    try:  # the dashboard (issue 18): the session-analyzer[dashboard] extra and playwright
        import playwright  # noqa: F401

        from bench import dashboard_scale
    except ImportError:
        pass
    else:
        suites["W"] = dashboard_scale
    return suites


_ALL = "ABCDEFHIKPRSTW"
# Benchmark P's peers: optional, installed by the `bench` hatch environment only (pyproject.toml).
PEER_MODULES = ("lmdb", "diskcache", "langgraph.checkpoint.sqlite")
PEER_ENV = "bench"
_SWITCHED = "SESSIONKEEPER_BENCH_SWITCHED"  # set when run.py re-ran itself in the peers' environment


def _missing_peers() -> list[str]:
    missing = []
    for module in PEER_MODULES:
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:  # a parent package is missing
            found = False
        if not found:
            missing.append(module.split(".")[0])
    return missing


def _hatch() -> str | None:
    """The hatch that runs us (``hatch run bench`` puts its uv, beside it, in HATCH_UV), else one on PATH."""
    uv = os.environ.get("HATCH_UV")
    if uv:
        candidate = Path(uv).with_name("hatch")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("hatch")


def _switch_to_peer_env(argv: Sequence[str]) -> None:
    """Under ``hatch run bench`` without the peers installed: re-run in the `bench` environment.

    The default environment (the one CI installs) stays free of the peers; the `bench` one adds
    them to everything the default one has. When that environment cannot be made (no hatch, no
    network) the run goes on here and benchmark P reports each missing peer as skipped.
    """
    from bench._harness import log

    if os.environ.get(_SWITCHED) or os.environ.get("HATCH_ENV_ACTIVE") in (None, PEER_ENV):
        return
    missing = _missing_peers()
    if not missing:
        return
    hatch = _hatch()
    if hatch is None:
        log(f"peers not installed here ({', '.join(missing)}) and no hatch found: benchmark P skips them")
        return
    log(f"peers not installed here ({', '.join(missing)}): switching to the `{PEER_ENV}` hatch environment")
    made = subprocess.run([hatch, "env", "create", PEER_ENV], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        log(
            f"could not make the `{PEER_ENV}` environment ({made.stderr.strip()[-300:]}): "
            "going on here, benchmark P skips the missing peers"
        )
        return
    sys.stdout.flush()
    os.environ[_SWITCHED] = "1"
    os.execv(hatch, [hatch, "run", f"{PEER_ENV}:python", str(Path(__file__).resolve()), *argv])  # noqa: S606


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test of the suite (< 20 s)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write every figure and sample here")
    parser.add_argument(
        "--reps", type=int, default=None, help="repetitions per figure (default 7, 5 with --quick; min 5)"
    )
    parser.add_argument(
        "--only",
        default=_ALL,
        help=f"which benchmarks to run, e.g. --only AD (default: {_ALL}: A-D core, E CLI start-up, "
        "F insights against known truth and at scale, H hooks overhead, I integrity fuzzing, "
        "K compression+encryption, P peers, R history archive scale, S analyzer scale, T remote backup, "
        "W dashboard at scale)",
    )
    parser.add_argument(
        "--no-peer-env",
        action="store_true",
        help="stay in this environment even when benchmark P's peers are missing here (they are skipped)",
    )
    parser.add_argument(
        "--scratch",
        metavar="DIR",
        type=Path,
        default=None,
        help="where to make temporary directories (default: the temp dir if on the repository's device)",
    )
    args = parser.parse_args(argv)
    if args.reps is not None and args.reps < 5:
        parser.error("--reps must be at least 5 (figures are medians)")
    unknown = set(args.only.upper()) - set(_ALL)
    if unknown:
        parser.error(f"--only takes letters among {_ALL}, not {''.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    if "P" in args.only.upper() and not args.no_peer_env:
        _switch_to_peer_env(argv)
    from bench import _harness as h

    cfg = h.Config(
        quick=args.quick,
        reps=args.reps or (5 if args.quick else 7),
        scratch_root=h.pick_scratch_root(args.scratch),
    )
    before = h.machine()
    h.log(
        f"sessionkeeper benchmarks: {'quick' if cfg.quick else 'full'} run, {cfg.reps} reps per figure, "
        f"scratch in {cfg.scratch_root}, load average {before['loadavg'][0]:.2f} on {before['cpus']} CPUs"
    )
    figures: list[h.Figure] = []
    errors: list[str] = []
    started = time.perf_counter()
    suites = _suites()
    for letter in sorted(set(args.only.upper())):
        if letter not in suites:
            h.log(f"benchmark {letter} skipped: its module is not available here")
            continue
        run: Callable[[h.Config], list[h.Figure]] = suites[letter].run
        began = time.perf_counter()
        try:
            figures += run(cfg)
        except Exception:  # one broken benchmark must not hide the others' figures
            errors.append(letter)
            h.log(f"benchmark {letter} FAILED with an error:\n{traceback.format_exc()}")
        h.log(f"  {letter} took {time.perf_counter() - began:.0f} s")  # the full run's budget: 15 minutes
    elapsed = time.perf_counter() - started
    after = h.machine()

    print()
    title = "Sessionkeeper benchmarks" + (" (QUICK: reduced sizes, verdicts are indicative only)" * cfg.quick)
    print(title)
    print(
        f"medians of {cfg.reps} interleaved repetitions; ratio = median / baseline median (same run); "
        f"{elapsed:.0f} s; load average {before['loadavg'][0]:.2f} -> {after['loadavg'][0]:.2f} "
        f"on {after['cpus']} CPUs"
    )
    print()
    print(h.render_table(figures))
    print()
    print(
        h.summary(figures) + ("" if not errors else f"; benchmark(s) {', '.join(errors)} FAILED with errors")
    )
    for message in h.skipped():
        print(f"skipped: {message}")
    if args.json is not None:
        h.write_json(
            args.json,
            cfg,
            figures,
            {
                "seconds": round(elapsed, 1),
                "machine_before": before,
                "machine_after": after,
                "errors": errors,
                "skipped": h.skipped(),
            },
        )
        print(f"figures written to {args.json}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
