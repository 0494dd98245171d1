"""``[tool.sessionkeeper]`` is found in the nearest pyproject.toml that has it (a monorepo's root),
not hidden by a sub-package's own pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkeeper.core.config import project_settings, resolve_history_policy


def test_a_sub_package_pyproject_does_not_hide_the_root_settings(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.sessionkeeper]\nhistory-days = 30\n')
    package = tmp_path / "packages" / "app"
    package.mkdir(parents=True)
    (package / "pyproject.toml").write_text('[project]\nname = "app"\n')
    assert project_settings(package) == {"history-days": 30}
    assert resolve_history_policy(package).days == 30
    # a nearer file with the table wins
    own = '[project]\nname = "app"\n\n[tool.sessionkeeper]\nhistory-days = 7\n'
    (package / "pyproject.toml").write_text(own)
    assert resolve_history_policy(package).days == 7


def test_a_bad_history_setting_is_one_clear_error(tmp_path: Path) -> None:
    from sessionkeeper.core import ConfigurationError

    (tmp_path / "pyproject.toml").write_text('[tool.sessionkeeper]\nhistory-days = "forever"\n')
    with pytest.raises(ConfigurationError, match="history-days"):
        resolve_history_policy(tmp_path)
