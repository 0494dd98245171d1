"""E. Cold start of the ``session`` command: ``session --version``, ``session info`` (10k keys) and
``session --help`` (E4), and of ``import sessionkeeper.core`` against importing its third-party
dependencies alone (E3).

Each repetition starts a fresh process of the environment's own ``session`` script (never the pyenv
shim on PATH, which adds ~55-90 ms) and waits for it to exit. The baseline, interleaved with it, is
the same environment's interpreter doing nothing: ``python -c pass``, so the ratio is what the CLI
costs on top of starting Python. Bytecode caching is left on for these processes (the environment
may set PYTHONDONTWRITEBYTECODE), and every command runs a few times untimed first, as it would on
a machine where it is used.

Run alone with ``python bench/cli_startup.py [--reps N]`` (inside the hatch environment), or as
suite E of ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import Config, Figure, Kind, Target, interleaved, log, median, scratch_dir

__all__ = ["MIN_REPS", "TARGET_HELP_SECONDS", "TARGET_IMPORT_RATIO", "TARGET_INFO_SECONDS", "main", "run"]

MIN_REPS = 15
WARM_UP = 3
N_KEYS = 10_000
TARGET_INFO_SECONDS = 0.150
TARGET_HELP_SECONDS = 0.120  # issue 16
TARGET_IMPORT_RATIO = 1.3  # issue 13: core on top of its dependencies costs at most 30 % more
# What session-core imports at import time (cattrs' orjson preset is the converter's).
CORE_DEPENDENCIES = ("attrs", "cattrs", "cattrs.preconf.orjson", "orjson", "immutables", "platformdirs")


def _executables() -> tuple[str, str]:
    """The environment's interpreter and its ``session`` script, side by side in one ``bin``."""
    python = sys.executable
    session = Path(python).with_name("session")
    if not session.exists():
        raise RuntimeError(
            f"no `session` script next to {python}; run this inside the hatch environment "
            "(.venv/bin/hatch run python bench/cli_startup.py)"
        )
    return python, str(session)


def _environment(directory: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # cache bytecode as an installed CLI does
    for name in ("LC_ALL", "LC_MESSAGES", "PYTHONIOENCODING", "COLUMNS"):
        env.pop(name, None)
    env.update(
        LANG="C.UTF-8",
        SESSIONKEEPER_DATA_DIR=str(directory / "data"),
        SESSIONKEEPER_USER_DIR=str(directory / "user"),
    )
    return env


def _build_session(directory: Path, n_keys: int) -> str:
    from sessionkeeper.core import SessionManager, StateScope

    session = SessionManager(data_dir=directory / "data", user_dir=directory / "user", handle_signals=False)
    session_id = session.start()
    try:
        for i in range(n_keys):
            session.set(f"key:{i:07d}", {"n": i, "name": f"value {i}"})
        session.set("user:theme", "dark", StateScope.USER)
        session.set("project:name", "bench", StateScope.APP)
    finally:
        session.stop()
    return session_id


def _timed(command: Sequence[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {proc.returncode}: {proc.stderr.decode()}")
    return elapsed, 1


def run(cfg: Config) -> list[Figure]:
    """Suite E for ``bench/run.py``: two figures, each against ``python -c pass`` of the same run."""
    reps = max(cfg.reps, MIN_REPS)
    n_keys = cfg.size(N_KEYS, N_KEYS)  # already small: --quick keeps the size the target is about
    python, session = _executables()
    log(
        f"  E: cold start of `session --version` and `session info` ({n_keys // 1000}k keys), "
        f"and of importing session-core, {reps} reps"
    )
    with scratch_dir(cfg, "cli-startup") as directory:
        env = _environment(directory)
        session_id = _build_session(directory, n_keys)
        commands = {
            "baseline": [python, "-c", "pass"],
            "version": [session, "--version"],
            "info": [session, "info"],
            "help": [session, "--help"],
            "core": [python, "-c", "import sessionkeeper.core"],
            "dependencies": [python, "-c", f"import {', '.join(CORE_DEPENDENCIES)}"],
        }
        for command in commands.values():
            for _ in range(WARM_UP):
                _timed(command, env)
        check = subprocess.run([session, "info"], env=env, capture_output=True, text=True, check=True)
        if session_id not in check.stdout or f"session {n_keys}" not in check.stdout:
            raise RuntimeError(f"`session info` did not describe the benchmark session:\n{check.stdout}")
        seconds = interleaved(
            reps,
            {name: functools.partial(_timed, command, env) for name, command in commands.items()},
            Kind.DURATION,
        )

    def figure(bench: str, name: str, key: str, target: Target | None, note: str) -> Figure:
        return Figure(
            bench=bench,
            name=name,
            kind=Kind.DURATION,
            unit="s",
            value=median(seconds[key]),
            baseline_name="python -c pass",
            baseline=median(seconds["baseline"]),
            samples=tuple(seconds[key]),
            baseline_samples=tuple(seconds["baseline"]),
            target=target,
            note=note,
        )

    return [
        figure("E1", "cold start: session --version", "version", None, "answered before click is imported"),
        figure(
            "E2",
            f"cold start: session info, {n_keys // 1000}k keys",
            "info",
            Target.max_value(TARGET_INFO_SECONDS, f"<= {TARGET_INFO_SECONDS * 1000:.0f} ms"),
            "imports click and session-core, reads the session lock-free; never rich",
        ),
        figure(
            "E4",
            "cold start: session --help",
            "help",
            Target.max_value(TARGET_HELP_SECONDS, f"<= {TARGET_HELP_SECONDS * 1000:.0f} ms"),
            "every built-in command's help text; plugins listed from their entry points",
        ),
        Figure(
            bench="E3",
            name="import sessionkeeper.core",
            kind=Kind.DURATION,
            unit="s",
            value=median(seconds["core"]),
            baseline_name="import its dependencies alone",
            baseline=median(seconds["dependencies"]),
            samples=tuple(seconds["core"]),
            baseline_samples=tuple(seconds["dependencies"]),
            target=Target.max_ratio(TARGET_IMPORT_RATIO),
            note=f"each in a new process; dependencies: {', '.join(CORE_DEPENDENCIES)}",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """``python bench/cli_startup.py [--reps N]``: run suite E alone and print its table."""
    from bench import _harness as h

    parser = argparse.ArgumentParser(prog="cli_startup", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=MIN_REPS, help=f"repetitions (at least {MIN_REPS})")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.reps < MIN_REPS:
        parser.error(f"--reps must be at least {MIN_REPS}")
    cfg = h.Config(quick=False, reps=args.reps, scratch_root=h.pick_scratch_root(None))
    before = h.machine()
    figures = run(cfg)
    after = h.machine()
    print()
    print(
        f"session CLI start-up: medians of {cfg.reps} interleaved repetitions; load average "
        f"{before['loadavg'][0]:.2f} -> {after['loadavg'][0]:.2f} on {after['cpus']} CPUs"
    )
    print()
    print(h.render_table(figures))
    print()
    print(h.summary(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
