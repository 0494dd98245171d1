"""H. What the task-runner hooks (session-hooks) cost the runner, per call, default fsync policy.

A simulated runner makes the calls a real one makes: per task ``on_task_start``, four
``on_command_execute`` (one in ten fails, with 2 kB of stderr whose tail is kept) and
``on_task_complete`` (one in five fails). Each call is timed on its own; a repetition's figure is
the median call time of its kind, and the table shows the median over repetitions. Every
repetition uses a fresh data directory and a fresh hook, and runs next to its baselines (order
rotated each repetition):

* the same calls on an object whose methods do nothing: the floor of any Python hook call;
* spawning ``true`` and waiting for it: the cheapest command a runner could possibly run;
* for the first call, which opens (here: starts) the session: core's ``SessionManager.start()``.

The same calls repeat one command line, which the secrets filter remembers; so ``on_command_execute``
is also timed with every command new (H12: the ordinary commands of ``tests/hooks/corpus``, each
once on a fresh hook), and the filter alone per call (H8-H11: ``Redactor.redact_command`` on the
ordinary and on the secret-holding commands of the corpus, as argument lists and as strings, each
once on a fresh ``Redactor``, against ``shlex.join`` of the same arguments). H7 is what importing
the hooks costs a runner: a fresh interpreter running ``import sessionkeeper.hooks; get_hook()``
(bytecode cached, as installed), against one running ``pass``.

Target (session-hooks issue): median <= 50 µs per call. Runnable alone: ``python bench/hooks_overhead.py``.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    Config,
    Figure,
    Kind,
    Target,
    log,
    median,
    pick_scratch_root,
    render_table,
    scratch_dir,
    summary,
)
from sessionkeeper.core import SessionManager
from sessionkeeper.hooks import Redactor, TaskExecutorSessionHook
from tests.hooks.secret_corpus import as_arguments, load_ordinary, load_secrets

__all__ = ["run"]

TARGET_SECONDS = 50e-6
COMMANDS_PER_TASK = 4
KINDS = ("on_task_start", "on_command_execute", "on_task_complete")
Call = tuple[str, tuple[Any, ...], dict[str, Any]]


class _NothingHook:
    """The baseline: the hook's methods, doing nothing."""

    def on_task_start(self, task_data: Any) -> None:
        return None

    def on_command_execute(self, command: Any, exit_code: int, **kwargs: Any) -> None:
        return None

    def on_task_complete(
        self, task_data: Any, success: bool, elapsed: float, error: str | None = None
    ) -> None:
        return None


def workload(n_tasks: int, seed: int = 7) -> list[Call]:
    """The calls of ``n_tasks`` tasks, as a task runner makes them."""
    rng = random.Random(seed)
    stderr = ("warning: something to say about line 42 of src/module.py\n" * 40)[-2000:]
    calls: list[Call] = []
    for number in range(n_tasks):
        task = {
            "task_id": f"FEAT-2026-11-25-{number % 50:02d}",
            "title": f"Implement feature number {number % 50}",
            "_file_path": f"TASKS/FEAT-2026-11-25-{number % 50:02d}.yaml",
            "commands": [{"id": "01", "exec": {"cmd": "pytest", "args": ["-q", "tests/"]}}],
        }
        calls.append(("on_task_start", (task,), {}))
        for _ in range(COMMANDS_PER_TASK):
            failed = rng.random() < 0.1
            calls.append(
                (
                    "on_command_execute",
                    (["python", "-m", "pytest", "-q", "tests/unit", "--maxfail=1"], 1 if failed else 0),
                    {"duration": rng.random(), "cwd": "/work/project", "stderr": stderr if failed else ""},
                )
            )
        failed = rng.random() < 0.2
        calls.append(
            ("on_task_complete", (task, not failed, rng.random() * 10, "exit 1" if failed else None), {})
        )
    return calls


def _timed(hook: Any, calls: list[Call]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    clock = time.perf_counter
    for name, args, kwargs in calls:
        method = getattr(hook, name)
        start = clock()
        method(*args, **kwargs)
        times[name].append(clock() - start)
    return times


def _hook_pass(cfg: Config, calls: list[Call]) -> tuple[dict[str, list[float]], float]:
    """(call times by kind, time of the first call, which opens the session)."""
    with scratch_dir(cfg, "hooks") as directory:
        hook = TaskExecutorSessionHook(directory / "data", directory / "user")
        start = time.perf_counter()
        if not hook.enabled:  # opens the session; a disabled hook would measure nothing
            raise RuntimeError("the hook could not open a session in the scratch directory")
        opened = time.perf_counter() - start
        try:
            return _timed(hook, calls), opened
        finally:
            hook.close()


def _core_start(cfg: Config) -> float:
    with scratch_dir(cfg, "hooks-core") as directory:
        manager = SessionManager(directory / "data", directory / "user", handle_signals=False)
        start = time.perf_counter()
        manager.start()
        elapsed = time.perf_counter() - start
        manager.stop()
        return elapsed


def _spawn_true(count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        subprocess.run(["true"], check=False)
        times.append(time.perf_counter() - start)
    return times


def _per_call(call: Callable[[Any], object], items: Sequence[Any]) -> float:
    """The median time of ``call`` over ``items``, each called once."""
    clock = time.perf_counter
    times = []
    for item in items:
        start = clock()
        call(item)
        times.append(clock() - start)
    return median(times)


def _redaction_rep(corpora: dict[str, list[str]], samples: dict[str, list[float]]) -> None:
    """One repetition of H8-H11: every line once, on a fresh Redactor (nothing remembered)."""
    for corpus, texts in corpora.items():
        arguments = [as_arguments(text) for text in texts]
        samples[f"redact:{corpus}:args"].append(_per_call(Redactor(use_env=False).redact_command, arguments))
        samples[f"redact:{corpus}:text"].append(_per_call(Redactor(use_env=False).redact_command, texts))
        samples[f"join:{corpus}"].append(_per_call(shlex.join, arguments))


def _new_commands_pass(cfg: Config, commands: list[list[str]]) -> float:
    """H12: on_command_execute with every command new (the first call, which opens, untimed)."""
    with scratch_dir(cfg, "hooks-new") as directory:
        hook = TaskExecutorSessionHook(directory / "data", directory / "user")
        if not hook.enabled:
            raise RuntimeError("the hook could not open a session in the scratch directory")
        try:
            return _per_call(
                lambda command: hook.on_command_execute(command, 0, duration=0.1, cwd="/w"), commands
            )
        finally:
            hook.close()


_IMPORT = "import sessionkeeper.hooks\nsessionkeeper.hooks.get_hook()\n"


def _python_wall_times(code: str, count: int) -> list[float]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached, as for an installed package
    times = []
    for _ in range(count):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def run(cfg: Config) -> list[Figure]:
    n_tasks = cfg.size(2_000, 200)
    calls = workload(n_tasks)
    spawns = cfg.size(200, 40)
    log(f"  H: hook calls ({cfg.reps} x {len(calls):,} calls, {spawns} spawns of `true`)")
    samples: dict[str, list[float]] = {f"hook:{kind}": [] for kind in (*KINDS, "all")}
    samples.update({f"nothing:{kind}": [] for kind in (*KINDS, "all")})
    samples.update({"spawn": [], "open": [], "core-start": []})
    corpora = {"ordinary": load_ordinary(), "secret": [line.text for line in load_secrets()]}
    samples.update({f"redact:{c}:{form}": [] for c in corpora for form in ("args", "text")})
    samples.update({f"join:{c}": [] for c in corpora})
    samples.update({"new-command": [], "import": [], "python": []})
    new_commands = [as_arguments(text) for text in corpora["ordinary"]]
    imports = cfg.size(10, 3)
    _python_wall_times(_IMPORT, 2)  # warm-up: bytecode written, files in the page cache

    def hook_rep() -> None:
        times, opened = _hook_pass(cfg, calls)
        for kind in KINDS:
            samples[f"hook:{kind}"].append(median(times[kind]))
        samples["hook:all"].append(median([t for kind in KINDS for t in times[kind]]))
        samples["open"].append(opened)

    def nothing_rep() -> None:
        times = _timed(_NothingHook(), calls)
        for kind in KINDS:
            samples[f"nothing:{kind}"].append(median(times[kind]))
        samples["nothing:all"].append(median([t for kind in KINDS for t in times[kind]]))

    def spawn_rep() -> None:
        samples["spawn"].append(median(_spawn_true(spawns)))

    def core_rep() -> None:
        samples["core-start"].append(_core_start(cfg))

    def redaction_rep() -> None:
        _redaction_rep(corpora, samples)

    def new_command_rep() -> None:
        samples["new-command"].append(_new_commands_pass(cfg, new_commands))

    def import_rep() -> None:
        importing, bare = [], []
        for _ in range(imports):  # alternating, so that load hits both alike
            importing += _python_wall_times(_IMPORT, 1)
            bare += _python_wall_times("pass", 1)
        samples["import"].append(median(importing))
        samples["python"].append(median(bare))

    steps: list[Callable[[], None]] = [
        hook_rep,
        nothing_rep,
        spawn_rep,
        core_rep,
        redaction_rep,
        new_command_rep,
        import_rep,
    ]
    for rep in range(cfg.reps):
        shift = rep % len(steps)
        for step in steps[shift:] + steps[:shift]:
            step()

    def figure(bench: str, name: str, key: str, base_name: str, base_key: str, **extra: Any) -> Figure:
        return Figure(
            bench=bench,
            name=name,
            kind=Kind.DURATION,
            unit="s",
            value=median(samples[key]),
            samples=tuple(samples[key]),
            baseline_name=base_name,
            baseline=median(samples[base_key]),
            baseline_samples=tuple(samples[base_key]),
            **extra,
        )

    target = Target.max_value(TARGET_SECONDS, "<= 50 µs")
    per_rep = f"{n_tasks:,} tasks x ({COMMANDS_PER_TASK} commands + start + end) per repetition"
    return [
        figure(
            "H1",
            "hook on_command_execute, per call",
            "hook:on_command_execute",
            "empty method",
            "nothing:on_command_execute",
            target=target,
            note=per_rep + "; 1 in 10 fails with 2 kB stderr",
        ),
        figure(
            "H2",
            "hook on_task_start, per call",
            "hook:on_task_start",
            "empty method",
            "nothing:on_task_start",
            target=target,
        ),
        figure(
            "H3",
            "hook on_task_complete, per call",
            "hook:on_task_complete",
            "empty method",
            "nothing:on_task_complete",
            target=target,
            note="1 task in 5 fails",
        ),
        figure(
            "H4", "hook, any call (median of all)", "hook:all", "empty method", "nothing:all", target=target
        ),
        figure(
            "H5",
            "hook on_command_execute vs a command",
            "hook:on_command_execute",
            "spawn `true`",
            "spawn",
            note="what one recorded command adds to the cheapest command a runner can run",
        ),
        figure(
            "H6",
            "hook first call (starts the session)",
            "open",
            "core start()",
            "core-start",
            note="once per process: resumes the current session, or starts one",
        ),
        figure(
            "H7",
            "import sessionkeeper.hooks + get_hook()",
            "import",
            "python -c pass",
            "python",
            note="a fresh interpreter; nothing of session-core or click, no rule compiled (test_never_harms)",
        ),
        figure(
            "H8",
            "redaction, ordinary command (arguments)",
            "redact:ordinary:args",
            "shlex.join",
            "join:ordinary",
            note=f"{len(corpora['ordinary'])} ordinary commands of tests/hooks/corpus, each once, cold",
        ),
        figure(
            "H9",
            "redaction, command with a secret (arguments)",
            "redact:secret:args",
            "shlex.join",
            "join:secret",
            note=f"{len(corpora['secret'])} secret-holding commands of tests/hooks/corpus, each once",
        ),
        figure(
            "H10",
            "redaction, ordinary command (string)",
            "redact:ordinary:text",
            "shlex.join",
            "join:ordinary",
        ),
        figure(
            "H11",
            "redaction, command with a secret (string)",
            "redact:secret:text",
            "shlex.join",
            "join:secret",
        ),
        figure(
            "H12",
            "hook on_command_execute, every command new",
            "new-command",
            "empty method",
            "nothing:on_command_execute",
            target=target,
            note="H1 repeats one command (remembered by the filter); here each ordinary command once",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="hooks_overhead", description=__doc__.split("\n\n")[0] if __doc__ else None
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
