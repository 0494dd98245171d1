"""A small runner of YAML task contracts, integrated with the session hooks the way a TaskExecutor is.

    python examples/task_runner/run_tasks.py examples/task_runner/contracts/*.yaml

A contract is the old TaskExecutor's format (see ``contracts/``)::

    task_id: "TEST-2026-11-25-02"
    title: "Run the unit tests"
    secrets_required: [API_TOKEN]        # environment variables the commands need
    commands:
      - id: "01-tests"
        exec: {cmd: "pytest", args: ["-q", "--token", "${API_TOKEN}"]}
    gates:
      - id: "all-green"
        exec: {cmd: "true"}
      - id: "human-review"               # a gate without exec needs a person: skipped here

Commands run in order, then the gates with an ``exec``; the first one that fails (exit status not
0, or not found) fails the task. ``${NAME}`` in a command's arguments is replaced by the
environment variable NAME when the contract declares NAME in ``secrets_required``, which is how
contracts keep secrets out of their files; this runner masks those values in what it prints, and
the hooks redact them (and any other secret they recognise) before anything is stored.

The hooks are optional: if ``sessionkeeper.hooks`` (or session-core under it) is missing or
broken, this runner works exactly the same and records nothing. Exit status: 0 if every task
succeeded, 1 if one failed, 2 for a contract that cannot be read.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

# The guarded import every runner should use: the hooks must never be the reason a runner fails.
# `except Exception` (not just ImportError): a broken install can raise anything at import time.
get_hook: Callable[[], Any] | None
try:
    from sessionkeeper.hooks import get_hook
except Exception:
    get_hook = None

_SECRET_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ContractError(Exception):
    """A contract file that cannot be read or does not have the expected shape."""


def load_contract(path: Path) -> dict[str, Any]:
    """The contract at ``path`` (``yaml.safe_load`` only: a contract is data, never code)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or not data.get("task_id"):
        raise ContractError(f"{path}: not a task contract (a mapping with a task_id)")
    data["_file_path"] = str(path)  # where the old TaskExecutor told its hook the contract came from
    _steps(data)  # shape errors now, before anything runs
    return data


def _steps(contract: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(kind, id, exec) of every command, then every gate."""
    steps = []
    for kind in ("commands", "gates"):
        for number, step in enumerate(contract.get(kind) or [], start=1):
            if not isinstance(step, dict):
                raise ContractError(f"{contract['_file_path']}: {kind}[{number}] is not a mapping")
            spec = step.get("exec")
            steps.append((kind[:-1], str(step.get("id", number)), spec if isinstance(spec, dict) else None))
    return steps


def _argv(spec: Mapping[str, Any], secrets: Mapping[str, str]) -> list[str]:
    args = spec.get("args") or []
    if not isinstance(args, list):
        args = [args]

    def expand(text: str) -> str:
        return _SECRET_REFERENCE.sub(lambda m: secrets.get(m.group(1), m.group(0)), text)

    return [str(spec["cmd"]), *(expand(str(arg)) for arg in args)]


def _mask(text: str, secrets: Mapping[str, str]) -> str:
    for value in secrets.values():
        if value:
            text = text.replace(value, "***")
    return text


def _run(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return 127, "", f"command not found: {argv[0]}"
    except OSError as exc:
        return 126, "", f"cannot run {argv[0]}: {exc}"
    return proc.returncode, proc.stdout, proc.stderr


def run_task(contract: dict[str, Any], hook: Any, cwd: Path) -> bool:
    """Run one contract; report it to ``hook`` (may be None) at start, per command and at the end."""
    task_id = contract["task_id"]
    print(f"[{task_id}] {contract.get('title', '')}")
    started = time.monotonic()
    if hook is not None:
        hook.on_task_start(contract)
    declared = contract.get("secrets_required") or []
    missing = [name for name in declared if not os.environ.get(str(name))]
    secrets = {str(name): os.environ.get(str(name), "") for name in declared}
    error: str | None = None
    if missing:
        error = f"missing required secret(s): {', '.join(map(str, missing))}"
    else:
        for kind, step_id, spec in _steps(contract):
            if spec is None or "cmd" not in spec:
                print(f"  {kind} {step_id}: skipped (needs a person)")
                continue
            argv = _argv(spec, secrets)
            step_started = time.monotonic()
            code, out, err = _run(argv, cwd)
            elapsed = time.monotonic() - step_started
            if hook is not None:
                hook.on_command_execute(argv, code, duration=elapsed, cwd=cwd, stdout=out, stderr=err)
            shown = _mask(shlex.join(argv), secrets)
            print(f"  {kind} {step_id}: $ {shown} -> exit {code} ({elapsed:.2f} s)")
            for line in _mask(out + err, secrets).splitlines():
                print(f"    | {line}")
            if code != 0:
                error = f"{kind} {step_id} failed with exit status {code}: {_mask(err.strip(), secrets)}"
                break
    success = error is None
    if hook is not None:
        hook.on_task_complete(contract, success, time.monotonic() - started, error)
    print(f"[{task_id}] {'succeeded' if success else 'FAILED: ' + (error or '')}")
    return success


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run YAML task contracts, recording them in the current session."
    )
    parser.add_argument("contracts", nargs="+", type=Path, help="contract files, run in the order given")
    parser.add_argument("--cwd", type=Path, default=Path.cwd(), help="where commands run (default: here)")
    args = parser.parse_args(argv)
    try:
        contracts = [load_contract(path) for path in args.contracts]
    except ContractError as exc:
        print(f"run_tasks: {exc}", file=sys.stderr)
        return 2
    hook = get_hook() if get_hook is not None else None
    results = [run_task(contract, hook, args.cwd) for contract in contracts]
    if hook is not None:
        summary = hook.get_execution_summary()
        if summary.get("enabled"):
            print(
                f"recorded in {summary.get('session_id')}: {summary.get('total_executions')} task(s) so far"
            )
    failed = results.count(False)
    print(f"{len(results) - failed} succeeded, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
