"""Which remote, from where: URL parsing, the order of strength (flag, environment, pyproject), the
AWS variables, and what is refused — without a secret ever showing in a message or a repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkeeper.core.errors import ConfigurationError
from sessionkeeper.core.remote.settings import (
    DEFAULT_INTERVAL,
    S3Connection,
    TargetURL,
    default_host,
    open_target,
    parse_target_url,
    resolve_remote,
)
from sessionkeeper.core.storage.targets import LocalDirectoryTarget


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3://my-bucket/team/laptop", TargetURL("s3", "my-bucket", "team/laptop")),
        ("s3://my-bucket", TargetURL("s3", "my-bucket", "")),
        ("s3://my-bucket/", TargetURL("s3", "my-bucket", "")),
        ("s3a://b.c.d/x/", TargetURL("s3", "b.c.d", "x")),
        ("file:///mnt/nas/backup", TargetURL("file", path=Path("/mnt/nas/backup"))),
    ],
)
def test_urls_parse(text: str, expected: TargetURL) -> None:
    assert parse_target_url(text) == expected


def test_a_plain_path_is_a_directory_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = parse_target_url("backup/here")
    assert url == TargetURL("file", path=tmp_path / "backup" / "here")
    assert isinstance(open_target(url), LocalDirectoryTarget)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("s3://ab/x", "not a bucket name"),  # S3 bucket names have at least 3 characters
        ("s3://Upper/x", "not a bucket name"),
        ("s3://bucket/../x", "prefix"),
        ("s3://bucket/x//y", "prefix"),
        ("s3://bucket/x?versionId=1", "no query"),
        ("gs://bucket/x", "not supported"),
        ("file://host/x", "absolute path"),
        ("", "empty"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        parse_target_url(text, "SESSIONKEEPER_REMOTE")


def test_credentials_in_a_url_are_refused_and_never_shown() -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_target_url("s3://AKIAEXAMPLE:verysecretvalue@bucket/x")
    assert "verysecretvalue" not in str(caught.value)
    assert "AKIAEXAMPLE" not in str(caught.value)
    assert "AWS_SECRET_ACCESS_KEY" in str(caught.value)


def write_pyproject(directory: Path, table: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(f"[tool.sessionkeeper]\n{table}\n")
    return directory


def test_flag_beats_environment_beats_pyproject(tmp_path: Path) -> None:
    project = write_pyproject(tmp_path / "p", 'remote = "s3://from-file/p"')
    env = {"SESSIONKEEPER_REMOTE": "s3://from-env/e"}
    file_only = resolve_remote(None, project, {})
    assert file_only is not None
    assert (str(file_only.url), file_only.origin) == ("s3://from-file/p", "remote in [tool.sessionkeeper]")
    from_env = resolve_remote(None, project, env)
    assert from_env is not None
    assert (str(from_env.url), from_env.origin) == ("s3://from-env/e", "SESSIONKEEPER_REMOTE")
    flagged = resolve_remote("s3://from-flag/f", project, env)
    assert flagged is not None
    assert (str(flagged.url), flagged.origin) == ("s3://from-flag/f", "--remote")
    assert resolve_remote(None, tmp_path / "elsewhere", {}) is None


def test_other_settings_have_defaults_and_bounds(tmp_path: Path) -> None:
    project = write_pyproject(
        tmp_path, 'remote = "s3://bucket/p"\nremote-interval = 2\nremote-plaintext = true'
    )
    settings = resolve_remote(None, project, {})
    assert settings is not None
    assert (settings.interval, settings.plaintext, settings.host) == (2.0, True, default_host())
    settings = resolve_remote(
        None, project, {"SESSIONKEEPER_REMOTE_INTERVAL": "", "SESSIONKEEPER_REMOTE_PLAINTEXT": "0"}
    )
    assert settings is not None
    assert (settings.interval, settings.plaintext) == (DEFAULT_INTERVAL, False)
    for bad in ("0.5", "soon", "-1"):
        with pytest.raises(ConfigurationError, match="SESSIONKEEPER_REMOTE_INTERVAL"):
            resolve_remote(None, project, {"SESSIONKEEPER_REMOTE_INTERVAL": bad})
    with pytest.raises(ConfigurationError, match="SESSIONKEEPER_REMOTE_HOST"):
        resolve_remote(None, project, {"SESSIONKEEPER_REMOTE_HOST": "../etc"})
    named = resolve_remote(None, project, {"SESSIONKEEPER_REMOTE_HOST": "ci-runner-7"})
    assert named is not None
    assert named.host == "ci-runner-7"


def test_the_aws_variables_make_the_connection_and_no_repr_shows_a_secret() -> None:
    connection = S3Connection.from_environment(
        {
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "verysecretvalue",
            "AWS_DEFAULT_REGION": "eu-west-1",
        }
    )
    assert connection.endpoint == "http://127.0.0.1:9000"
    assert (connection.region, connection.allow_http) == ("eu-west-1", True)
    assert connection.secret_access_key == "verysecretvalue"  # noqa: S105 - a test value
    for shown in (repr(connection), str(connection)):
        assert "verysecretvalue" not in shown
        assert "AKIAEXAMPLE" not in shown
        assert "127.0.0.1" not in shown
    specific = S3Connection.from_environment(
        {
            "AWS_ENDPOINT_URL": "https://a.example",
            "AWS_ENDPOINT_URL_S3": "https://b.example",
            "AWS_REGION": "x",
        }
    )
    assert (specific.endpoint, specific.region) == ("https://b.example", "x")


def test_a_plain_http_endpoint_needs_aws_allow_http() -> None:
    with pytest.raises(ConfigurationError, match="AWS_ALLOW_HTTP") as caught:
        S3Connection.from_environment({"AWS_ENDPOINT_URL": "http://127.0.0.1:9000"})
    assert "127.0.0.1" not in str(caught.value)  # endpoints are never in messages
    with pytest.raises(ConfigurationError, match="AWS_ALLOW_HTTP"):
        S3Connection.from_environment({"AWS_ALLOW_HTTP": "maybe"})
    with pytest.raises(ConfigurationError, match="https://"):
        S3Connection.from_environment({"AWS_ENDPOINT_URL": "ftp://x"})
