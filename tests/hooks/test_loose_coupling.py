"""A runner that imports the hooks keeps working when session-core (or the hooks) is missing or broken.

How the breakage is made, honestly: the runner runs in ``python -I -S`` (isolated, and without the
``site`` module: no site-packages, no ``.pth`` files, no PYTHONPATH, no user site), so the installed
packages (editable installs included) are out of sight, with one directory put
first on ``sys.path`` that holds what we want it to find: a copy of the hooks package as installed,
and either no ``sessionkeeper/core`` at all (missing) or one whose import raises (broken). Since
``sessionkeeper`` is a PEP 420 namespace, that directory is the only portion the interpreter sees,
so ``import sessionkeeper.core`` really fails the way it would on a damaged install. The last test
uses the normal environment and blocks the import the documented way (``sys.modules[name] = None``)
to run the shipped example runner.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLE_CONTRACTS, EXAMPLE_RUNNER, HOOKS_SRC, SECRETS

RUNNER = """
import logging, subprocess, sys, time
sys.path.insert(0, {site!r})

warnings = []
class Collect(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.WARNING:
            warnings.append(record.getMessage())
logging.getLogger().addHandler(Collect())

try:  # the guarded import the hooks' README documents
    from sessionkeeper.hooks import get_hook
except Exception:
    get_hook = None

hook = get_hook() if get_hook else None
task = {{"task_id": "T-1", "title": "a task"}}
if hook: hook.on_task_start(task)
started = time.monotonic()
code = subprocess.run(["sh", "-c", "echo work done"], check=False).returncode
if hook: hook.on_command_execute(["sh", "-c", "echo work done"], code, duration=0.01)
if hook: hook.on_task_complete(task, code == 0, time.monotonic() - started)
summary = hook.get_execution_summary() if hook else None
print("runner finished", code, hook is not None and hook.enabled, summary, len(warnings))
"""


def make_site(root: Path, core: str | None, hooks: bool = True) -> Path:
    """A directory holding ``sessionkeeper/hooks`` (a copy) and ``sessionkeeper/core`` with ``core``
    as its ``__init__.py`` (None: no core at all)."""
    site = root / "site"
    (site / "sessionkeeper").mkdir(parents=True)
    if hooks:
        shutil.copytree(
            HOOKS_SRC / "sessionkeeper" / "hooks",
            site / "sessionkeeper" / "hooks",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    if core is not None:
        (site / "sessionkeeper" / "core").mkdir()
        (site / "sessionkeeper" / "core" / "__init__.py").write_text(core)
    return site


def run_isolated(site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", RUNNER.format(site=str(site))],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "core",
    [
        None,  # missing: not installed
        "raise RuntimeError('session-core is broken')\n",  # broken: fails at import
        "import no_such_dependency_of_core\n",  # a dependency of core is missing
        "def broken(:\n",  # a damaged file
    ],
    ids=["missing", "raises", "dependency-missing", "syntax-error"],
)
def test_the_runner_works_and_the_hook_is_a_quiet_no_op_without_core(
    tmp_path: Path, core: str | None
) -> None:
    site = make_site(tmp_path, core)
    proc = run_isolated(site, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    # work done by the runner, the hook disabled, its summary says so, exactly one warning
    assert proc.stdout == "work done\nrunner finished 0 False {'enabled': False} 1\n"
    assert not (tmp_path / "RUNS").exists()


def test_the_runner_works_when_the_hooks_are_not_installed_at_all(tmp_path: Path) -> None:
    site = make_site(tmp_path, None, hooks=False)
    proc = run_isolated(site, tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == "work done\nrunner finished 0 False None 0\n"


def test_the_isolated_setup_does_record_when_core_is_there(tmp_path: Path) -> None:
    """The control experiment: same setup with the real core on the path records normally."""
    site = make_site(tmp_path, None)
    import sessionkeeper.core

    core_src = Path(sessionkeeper.core.__file__ or "").parent
    shutil.copytree(core_src, site / "sessionkeeper" / "core", ignore=shutil.ignore_patterns("__pycache__"))
    # core's own dependencies (attrs, cattrs, orjson, ...) live in site-packages, which -S hides
    import orjson

    site_packages = Path(orjson.__file__ or "").parent.parent
    code = RUNNER.format(site=str(site)).replace(
        "sys.path.insert(0,", f"sys.path.append({str(site_packages)!r}); sys.path.insert(0,", 1
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("work done\nrunner finished 0 True {'enabled': True,")
    assert proc.stdout.endswith(" 0\n")
    assert (tmp_path / "RUNS" / "sessions" / "current").exists()


def test_the_example_runner_runs_its_contracts_when_core_cannot_be_imported(
    tmp_path: Path, child_env: dict[str, str]
) -> None:
    contracts = sorted(str(path) for path in EXAMPLE_CONTRACTS.glob("*.yaml"))
    code = (
        "import runpy, sys\n"
        "sys.modules['sessionkeeper.core'] = None  # how Python spells 'this module cannot be imported'\n"
        f"sys.argv = [{str(EXAMPLE_RUNNER)!r}, *{contracts!r}]\n"
        f"runpy.run_path({str(EXAMPLE_RUNNER)!r}, run_name='__main__')\n"
    )
    env = {**child_env, "API_TOKEN": SECRETS["github"], "DEPLOY_PASSWORD": SECRETS["url_password"]}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1  # one of the three contracts fails, as designed
    assert proc.stderr == ""
    assert proc.stdout.endswith("2 succeeded, 1 failed\n")
    assert not (tmp_path / "RUNS").exists()
