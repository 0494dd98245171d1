"""The data directory is found the way git finds its repository, and a wrong one is one clear line
(issue 16).

Every test runs ``session`` without ``SESSIONKEEPER_DATA_DIR`` from a folder of its own project,
so what decides is the walk up from the current directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkeeper.cli.discovery import choose_data_dir
from tests.cli.support import Cli, digest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with a nested working folder, and nothing of Sessionkeeper in it yet."""
    root = tmp_path / "project"
    (root / "src" / "deep").mkdir(parents=True)
    return root


@pytest.fixture
def walk_env(cli: Cli) -> dict[str, str]:
    """The tests' environment without SESSIONKEEPER_DATA_DIR: the walk decides."""
    return cli.env(SESSIONKEEPER_DATA_DIR=None)


def sessions_in(data_dir: Path) -> list[str]:
    return sorted(path.name for path in (data_dir / "sessions").glob("session_*.json"))


def test_from_a_subfolder_the_projects_runs_is_found(
    cli: Cli, project: Path, walk_env: dict[str, str]
) -> None:
    session_id = cli.ok("start", env=walk_env, cwd=project).out.strip()
    deep = project / "src" / "deep"
    info = cli.ok("info", "--json", env=walk_env, cwd=deep).json()
    assert info["session_id"] == session_id
    assert info["data_dir"] == str(project / "RUNS")
    cli.ok("set", "feature", "auth", env=walk_env, cwd=deep)
    assert cli.ok("get", "feature", env=walk_env, cwd=project).out == "auth\n"
    # No second RUNS appeared where the commands ran.
    assert not (deep / "RUNS").exists()
    assert not (project / "src" / "RUNS").exists()


def test_start_in_a_subfolder_uses_the_found_directory(
    cli: Cli, project: Path, walk_env: dict[str, str]
) -> None:
    first = cli.ok("start", env=walk_env, cwd=project).out.strip()
    second = cli.ok("start", env=walk_env, cwd=project / "src").out.strip()
    assert sessions_in(project / "RUNS") == sorted([f"{first}.json", f"{second}.json"])
    assert not (project / "src" / "RUNS").exists()


def test_a_pyproject_with_the_table_marks_the_project(
    cli: Cli, project: Path, walk_env: dict[str, str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.sessionkeeper]\ncompression = "off"\n'
    )
    session_id = cli.ok("start", env=walk_env, cwd=project / "src" / "deep").out.strip()
    assert sessions_in(project / "RUNS") == [f"{session_id}.json"]


def test_the_data_dir_setting_of_the_project_is_used(
    cli: Cli, project: Path, walk_env: dict[str, str]
) -> None:
    (project / "pyproject.toml").write_text('[tool.sessionkeeper]\ndata-dir = "var/state"\n')
    (project / "RUNS" / "sessions").mkdir(parents=True)  # the project file is the explicit choice
    session_id = cli.ok("start", env=walk_env, cwd=project / "src").out.strip()
    assert sessions_in(project / "var" / "state") == [f"{session_id}.json"]
    assert cli.ok("info", "--json", env=walk_env, cwd=project / "src" / "deep").json()["data_dir"] == str(
        project / "var" / "state"
    )


def test_the_nearest_project_wins_and_other_pyprojects_are_passed(
    cli: Cli, project: Path, walk_env: dict[str, str]
) -> None:
    (project / "pyproject.toml").write_text("[tool.sessionkeeper]\n")
    inner = project / "src"
    (inner / "pyproject.toml").write_text('[project]\nname = "inner"\n')  # no table: not a marker
    assert cli.ok("start", env=walk_env, cwd=inner / "deep").out.startswith("session_")
    assert (project / "RUNS" / "sessions").is_dir()
    (inner / "RUNS" / "sessions").mkdir(parents=True)  # now a nearer RUNS holding sessions
    cli.ok("start", env=walk_env, cwd=inner / "deep")
    assert len(sessions_in(inner / "RUNS")) == 1
    assert len(sessions_in(project / "RUNS")) == 1


def test_environment_and_option_win_over_the_walk(
    cli: Cli, project: Path, walk_env: dict[str, str], tmp_path: Path
) -> None:
    cli.ok("start", env=walk_env, cwd=project)
    elsewhere, given = tmp_path / "elsewhere", tmp_path / "given"
    env = {**walk_env, "SESSIONKEEPER_DATA_DIR": str(elsewhere)}
    cli.ok("start", env=env, cwd=project / "src")
    cli.ok("--data-dir", str(given), "start", env=env, cwd=project / "src")
    assert len(sessions_in(project / "RUNS")) == 1
    assert len(sessions_in(elsewhere)) == 1
    assert len(sessions_in(given)) == 1


def test_nothing_found_means_runs_of_the_current_directory(
    cli: Cli, tmp_path: Path, walk_env: dict[str, str]
) -> None:
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    before = digest(lonely)
    failure = cli.fails("info", env=walk_env, cwd=lonely)
    assert f"no data directory: none found at or above {lonely}" in failure.err
    assert cli.hint(failure) == "session start"
    assert digest(lonely) == before  # a reading command creates nothing
    cli.ok("start", env=walk_env, cwd=lonely)
    assert len(sessions_in(lonely / "RUNS")) == 1


def test_the_choice_and_its_reason(tmp_path: Path) -> None:
    (tmp_path / "RUNS" / "sessions").mkdir(parents=True)
    (tmp_path / "a" / "b").mkdir(parents=True)
    found = choose_data_dir(None, {}, tmp_path / "a" / "b")
    assert (found.path, found.origin, found.found_in) == (tmp_path / "RUNS", "runs", tmp_path / "RUNS")
    assert choose_data_dir(None, {"SESSIONKEEPER_DATA_DIR": "x"}, tmp_path).origin == "env"
    assert choose_data_dir(None, {"SESSIONKEEPER_DATA_DIR": ""}, tmp_path).origin == "runs"  # empty: unset
    assert choose_data_dir(Path("y"), {"SESSIONKEEPER_DATA_DIR": "x"}, tmp_path).path == tmp_path / "y"
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.sessionkeeper]\n")
    near = choose_data_dir(None, {}, tmp_path / "a" / "b")
    assert (near.path, near.origin) == (tmp_path / "a" / "RUNS", "pyproject")
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.sessionkeeper\n")  # not TOML: not a marker
    assert choose_data_dir(None, {}, tmp_path / "a" / "b").origin == "runs"


# -- a data directory that is a file (issue 16: the same from the environment and the option) -------
@pytest.mark.parametrize(
    "command", [("start",), ("info",), ("import", "-"), ("set", "k", "v", "--scope", "app")]
)
def test_a_file_as_data_directory_is_the_same_failure_from_env_and_option(
    cli: Cli, tmp_path: Path, command: tuple[str, ...]
) -> None:
    regular = tmp_path / "afile"
    regular.write_text("not a directory")
    from_env = cli.fails(*command, env=cli.env(SESSIONKEEPER_DATA_DIR=str(regular)), stdin=b"{}")
    from_option = cli.fails("--data-dir", str(regular), *command, stdin=b"{}")
    assert (
        from_env.err == f"Error: data directory {regular} (from SESSIONKEEPER_DATA_DIR) is not a directory\n"
    )
    assert from_option.err == f"Error: data directory {regular} (from --data-dir) is not a directory\n"
    assert regular.read_text() == "not a directory"


def test_a_data_directory_under_a_file_cannot_be_created(cli: Cli, tmp_path: Path) -> None:
    regular = tmp_path / "afile"
    regular.write_text("")
    below = regular / "RUNS"
    failure = cli.fails("start", env=cli.env(SESSIONKEEPER_DATA_DIR=str(below)))
    assert failure.err == (
        f"Error: data directory {below} (from SESSIONKEEPER_DATA_DIR) cannot be created: "
        f"{regular} is not a directory\n"
    )
