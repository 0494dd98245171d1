"""Which data directory a run of ``session`` uses, and why: found the way git finds its repository.

In order, the first that applies:

1. ``--data-dir DIR`` (origin ``option``);
2. ``SESSIONKEEPER_DATA_DIR`` when set and not empty (``env``);
3. walking up from the current directory, the nearest directory ``D`` with either
   a ``pyproject.toml`` that has a ``[tool.sessionkeeper]`` table (``pyproject``: its ``data-dir``
   setting, relative to ``D``, else ``D/RUNS``), or a ``RUNS/sessions`` folder (``runs``: ``D/RUNS``);
   at the same level the project file wins, it is the explicit choice;
4. ``./RUNS`` of the current directory (``default``), which ``session start`` creates.

This is the command line's rule, not the library's: ``SessionManager()`` keeps ``./RUNS`` (core's
``resolve_data_dir``). A library that looked for its storage by walking up from whatever directory
its process happens to run in would change where every embedding program writes; the CLI finds
the directory and passes it explicitly.

Each step is a ``stat`` or two per directory level; a ``pyproject.toml`` is parsed only when its
text mentions ``tool.sessionkeeper``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

__all__ = ["DATA_DIR_ENV", "DEFAULT_NAME", "DataDirChoice", "choose_data_dir", "find_project_data_dir"]

DATA_DIR_ENV = "SESSIONKEEPER_DATA_DIR"  # core's variable (sessionkeeper.core.config)
DEFAULT_NAME = "RUNS"
_PROJECT_FILE = "pyproject.toml"
_MAX_PROJECT_FILE = 1 << 20  # a pyproject.toml larger than this is not read for discovery


class DataDirChoice(NamedTuple):
    """The data directory of a run, how it was chosen, and where (the project file or directory
    that decided, for ``pyproject`` and ``runs``; else None)."""

    path: Path
    origin: str  # option | env | pyproject | runs | default
    found_in: Path | None = None


def choose_data_dir(option: Path | None, environ: Mapping[str, str], cwd: Path) -> DataDirChoice:
    """The data directory for ``--data-dir`` ``option``, the environment and the current directory."""
    if option is not None:
        return DataDirChoice(_absolute(option, cwd), "option")
    configured = environ.get(DATA_DIR_ENV)
    if configured:
        return DataDirChoice(_absolute(Path(configured), cwd), "env")
    found = find_project_data_dir(cwd)
    if found is not None:
        return found
    return DataDirChoice(cwd / DEFAULT_NAME, "default")


def find_project_data_dir(start: Path) -> DataDirChoice | None:
    """The data directory of the project ``start`` is in (rule 3 above), or None."""
    for directory in (start, *start.parents):
        project = directory / _PROJECT_FILE
        setting = _project_setting(project)
        if setting is not None:
            path = _absolute(Path(setting), directory) if setting else directory / DEFAULT_NAME
            return DataDirChoice(path, "pyproject", project)
        runs = directory / DEFAULT_NAME
        if (runs / "sessions").is_dir():
            return DataDirChoice(runs, "runs", runs)
    return None


def _project_setting(path: Path) -> str | None:
    """For a ``pyproject.toml`` with a ``[tool.sessionkeeper]`` table: its ``data-dir`` ("" if not
    set); None for any other file, or none, or one that cannot be read or parsed."""
    try:
        with path.open("rb") as file:
            data = file.read(_MAX_PROJECT_FILE + 1)
    except OSError:  # not there (the usual case), a directory, unreadable
        return None
    if b"sessionkeeper" not in data or len(data) > _MAX_PROJECT_FILE:
        return None
    import tomllib  # only for a file that may have the table

    try:
        table = tomllib.loads(data.decode("utf-8")).get("tool", {}).get("sessionkeeper")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not isinstance(table, dict):
        return None
    value = table.get("data-dir", "")
    return value if isinstance(value, str) else ""


def _absolute(path: Path, base: Path) -> Path:
    """``path`` with ``~`` expanded, relative to ``base`` (what core's resolve_data_dir does for the cwd)."""
    expanded = path.expanduser()
    return expanded if expanded.is_absolute() else base / expanded
