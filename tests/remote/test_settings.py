"""Which remote, from where: URL parsing, the order of strength (flag, environment, pyproject), the
AWS variables and profiles, the backlog's bound, and what is refused — without a secret ever
showing in a message or a repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkeeper.core import resolve_codec
from sessionkeeper.core.errors import ConfigurationError
from sessionkeeper.core.remote.push import push_remote
from sessionkeeper.core.remote.restore import restore_session
from sessionkeeper.core.remote.s3 import S3Target
from sessionkeeper.core.remote.settings import (
    DEFAULT_BACKLOG_BYTES,
    DEFAULT_BACKLOG_SECONDS,
    DEFAULT_INTERVAL,
    S3Connection,
    TargetURL,
    backlog_bounds,
    default_host,
    open_target,
    parse_target_url,
    resolve_remote,
)
from sessionkeeper.core.storage.targets import LocalDirectoryTarget
from tests.remote.proxy import FaultProxy
from tests.remote.s3server import LoopbackS3
from tests.remote.support import remote_settings, session_values, walk, write_session


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


def test_the_backlog_bound_is_a_setting_of_its_own(tmp_path: Path) -> None:
    project = write_pyproject(
        tmp_path / "p", 'remote = "s3://bucket/p"\nremote-backlog-mb = 128\nremote-backlog-seconds = 900'
    )
    default = resolve_remote(None, tmp_path / "elsewhere", {"SESSIONKEEPER_REMOTE": "s3://bucket/p"})
    assert default is not None
    assert (default.backlog_bytes, default.backlog_seconds) == (
        DEFAULT_BACKLOG_BYTES,
        DEFAULT_BACKLOG_SECONDS,
    )
    assert (DEFAULT_BACKLOG_BYTES, DEFAULT_BACKLOG_SECONDS) == (64 << 20, 3600.0)
    from_file = resolve_remote(None, project, {})
    assert from_file is not None
    assert (from_file.backlog_bytes, from_file.backlog_seconds) == (128 << 20, 900.0)
    from_env = resolve_remote(
        None,
        project,
        {"SESSIONKEEPER_REMOTE_BACKLOG_MB": "0.5e1", "SESSIONKEEPER_REMOTE_BACKLOG_SECONDS": "86400"},
    )
    assert from_env is not None
    assert (from_env.backlog_bytes, from_env.backlog_seconds) == (5 << 20, 86400.0)
    assert backlog_bounds(project, {}) == (128 << 20, 900.0)


@pytest.mark.parametrize("bad", ["0", "-3", "lots", "nan", "inf", "1e9"])
@pytest.mark.parametrize(
    "env_name", ["SESSIONKEEPER_REMOTE_BACKLOG_MB", "SESSIONKEEPER_REMOTE_BACKLOG_SECONDS"]
)
def test_a_bad_backlog_bound_names_its_setting(tmp_path: Path, env_name: str, bad: str) -> None:
    project = write_pyproject(tmp_path, 'remote = "s3://bucket/p"')
    with pytest.raises(ConfigurationError, match=env_name):
        resolve_remote(None, project, {env_name: bad})


@pytest.mark.parametrize("key", ["remote-backlog-mb", "remote-backlog-seconds"])
@pytest.mark.parametrize("bad", ["true", '"soon"', "0", "[1]"])
def test_a_bad_backlog_bound_in_pyproject_names_its_key(tmp_path: Path, key: str, bad: str) -> None:
    project = write_pyproject(tmp_path, f'remote = "s3://bucket/p"\n{key} = {bad}')
    with pytest.raises(ConfigurationError, match=rf"{key} in \[tool.sessionkeeper\]"):
        resolve_remote(None, project, {})


# -- AWS profiles ---------------------------------------------------------------------------------
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPROFILEKEY"  # noqa: S105 - a test value
TOKEN = "IQoJb3JpZ2luX2VjEPROFILETOKEN"  # noqa: S105 - a test value


def aws_files(home: Path, config: str = "", credentials: str = "") -> dict[str, str]:
    """``~/.aws/config`` and ``~/.aws/credentials`` under ``home``; the environment naming it."""
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    if config:
        (home / ".aws" / "config").write_text(config)
    if credentials:
        (home / ".aws" / "credentials").write_text(credentials)
    return {"HOME": str(home)}


CONFIG = """\
[default]
region = eu-north-1

[profile work]
region = ap-northeast-2
endpoint_url = https://minio.example:9000

[profile config-keys]
aws_access_key_id = AKIACONFIGKEYS
aws_secret_access_key = config-secret
"""
CREDENTIALS = f"""\
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret

[work]
aws_access_key_id = AKIAWORKPROFILE
aws_secret_access_key = {SECRET}
aws_session_token = {TOKEN}
"""


def test_a_named_profile_gives_keys_region_and_endpoint(tmp_path: Path) -> None:
    env = aws_files(tmp_path, CONFIG, CREDENTIALS) | {"AWS_PROFILE": "work"}
    connection = S3Connection.from_environment(env)
    assert (connection.endpoint, connection.region) == ("https://minio.example:9000", "ap-northeast-2")
    assert (connection.access_key_id, connection.secret_access_key) == ("AKIAWORKPROFILE", SECRET)
    assert connection.session_token == TOKEN
    assert connection.profile == "work"
    for shown in (repr(connection), str(connection)):
        assert SECRET not in shown
        assert TOKEN not in shown
        assert "AKIAWORKPROFILE" not in shown
        assert "minio.example" not in shown
    assert "profile work" in repr(connection)


def test_without_aws_profile_the_default_profile_is_read(tmp_path: Path) -> None:
    connection = S3Connection.from_environment(aws_files(tmp_path, CONFIG, CREDENTIALS))
    assert (connection.region, connection.access_key_id, connection.profile) == (
        "eu-north-1",
        "AKIADEFAULT",
        "default",
    )
    keys_in_config = S3Connection.from_environment(
        aws_files(tmp_path, CONFIG, CREDENTIALS) | {"AWS_PROFILE": "config-keys"}
    )
    assert (keys_in_config.access_key_id, keys_in_config.secret_access_key) == (
        "AKIACONFIGKEYS",
        "config-secret",
    )
    nothing = S3Connection.from_environment(
        {"HOME": str(tmp_path / "nobody")}
    )  # no files: obstore's defaults
    assert (nothing.access_key_id, nothing.region, nothing.profile) == (None, None, None)


def test_the_variables_win_over_the_profile(tmp_path: Path) -> None:
    env = aws_files(tmp_path, CONFIG, CREDENTIALS) | {
        "AWS_PROFILE": "work",
        "AWS_ACCESS_KEY_ID": "AKIAFROMENV",
        "AWS_SECRET_ACCESS_KEY": "env-secret",
        "AWS_REGION": "us-west-2",
        "AWS_ENDPOINT_URL": "https://other.example",
    }
    connection = S3Connection.from_environment(env)
    assert (connection.access_key_id, connection.secret_access_key) == ("AKIAFROMENV", "env-secret")
    assert connection.session_token is None  # the profile's token never goes with other keys
    assert (connection.region, connection.endpoint, connection.profile) == (
        "us-west-2",
        "https://other.example",
        None,
    )
    partly = S3Connection.from_environment(
        aws_files(tmp_path, CONFIG, CREDENTIALS) | {"AWS_PROFILE": "work", "AWS_DEFAULT_REGION": "sa-east-1"}
    )
    assert (partly.region, partly.access_key_id) == ("sa-east-1", "AKIAWORKPROFILE")


def test_the_files_can_be_elsewhere(tmp_path: Path) -> None:
    config, credentials = tmp_path / "cfg" / "aws.ini", tmp_path / "creds.ini"
    config.parent.mkdir()
    config.write_text("[profile ci]\nregion = ca-central-1\n")
    credentials.write_text("[ci]\naws_access_key_id = AKIACI\naws_secret_access_key = ci-secret\n")
    connection = S3Connection.from_environment(
        {
            "HOME": str(tmp_path / "nobody"),
            "AWS_PROFILE": "ci",
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        }
    )
    assert (connection.region, connection.access_key_id, connection.profile) == (
        "ca-central-1",
        "AKIACI",
        "ci",
    )


def test_a_missing_named_profile_is_an_error_naming_it(tmp_path: Path) -> None:
    env = aws_files(tmp_path, CONFIG, CREDENTIALS) | {"AWS_PROFILE": "wrok"}
    with pytest.raises(ConfigurationError, match="'wrok'") as caught:
        S3Connection.from_environment(env)
    assert "AWS_PROFILE" in str(caught.value)
    for secret in (SECRET, TOKEN, "default-secret", "AKIA"):
        assert secret not in str(caught.value)
    # A profile in the config file only under its bare name is not a profile there ([profile NAME]).
    bare = aws_files(tmp_path / "bare", "[work]\nregion = x\n") | {"AWS_PROFILE": "work"}
    with pytest.raises(ConfigurationError, match="'work'"):
        S3Connection.from_environment(bare)


def test_a_profile_with_half_its_keys_is_refused(tmp_path: Path) -> None:
    env = aws_files(tmp_path, credentials=f"[half]\naws_secret_access_key = {SECRET}\n") | {
        "AWS_PROFILE": "half"
    }
    with pytest.raises(ConfigurationError, match="half") as caught:
        S3Connection.from_environment(env)
    assert SECRET not in str(caught.value)


def test_a_profiles_plain_http_endpoint_needs_aws_allow_http(tmp_path: Path) -> None:
    env = aws_files(tmp_path, "[profile local]\nendpoint_url = http://127.0.0.1:9000\n") | {
        "AWS_PROFILE": "local"
    }
    with pytest.raises(ConfigurationError, match="endpoint_url of AWS profile local") as caught:
        S3Connection.from_environment(env)
    assert "127.0.0.1" not in str(caught.value)
    allowed = S3Connection.from_environment(env | {"AWS_ALLOW_HTTP": "true"})
    assert (allowed.endpoint, allowed.allow_http) == ("http://127.0.0.1:9000", True)


@pytest.mark.parametrize(
    "damage",
    [
        f"[work]\naws_secret_access_key {SECRET}\n",  # a line that is no "key = value"
        f"aws_secret_access_key = {SECRET}\n",  # a value before any section
        f"[work]\naws_secret_access_key = {SECRET}\naws_secret_access_key = {SECRET}\n",
        b"[work]\n\xff\xfe aws_secret_access_key\n",
    ],
)
def test_an_unreadable_credentials_file_is_an_error_that_shows_no_secret(
    tmp_path: Path, damage: str | bytes
) -> None:
    aws_files(tmp_path)
    path = tmp_path / ".aws" / "credentials"
    if isinstance(damage, bytes):
        path.write_bytes(damage)
    else:
        path.write_text(damage)
    with pytest.raises(ConfigurationError, match="AWS_SHARED_CREDENTIALS_FILE") as caught:
        S3Connection.from_environment({"HOME": str(tmp_path), "AWS_PROFILE": "work"})
    assert SECRET not in str(caught.value)
    assert "aws_secret_access_key" not in str(caught.value)


def test_a_credentials_file_that_cannot_be_opened_is_an_error(tmp_path: Path) -> None:
    aws_files(tmp_path)
    (tmp_path / ".aws" / "credentials").mkdir()  # a directory where the file should be
    with pytest.raises(ConfigurationError, match="cannot read the AWS file"):
        S3Connection.from_environment({"HOME": str(tmp_path)})


@pytest.mark.usefixtures("encrypted")
def test_a_push_with_everything_from_a_profile(
    loopback_s3: LoopbackS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Endpoint, region and keys from ~/.aws of a HOME of its own, none in the variables: the push
    reaches the server (through a proxy that shows which key signed the requests) and restores,
    and the secret is in no file the push wrote."""
    home = tmp_path / "home"
    with FaultProxy(loopback_s3.port) as proxy:
        aws_files(
            home,
            f"[profile backup]\nregion = us-east-1\nendpoint_url = {proxy.endpoint}\n",
            f"[backup]\naws_access_key_id = AKIAPROFILEONLY\naws_secret_access_key = {SECRET}\n",
        )
        monkeypatch.setenv("HOME", str(home))
        for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):  # the default places, in HOME
            monkeypatch.delenv(name)
        monkeypatch.setenv("AWS_PROFILE", "backup")
        monkeypatch.setenv("AWS_ALLOW_HTTP", "true")
        settings = remote_settings(TargetURL("s3", loopback_s3.new_bucket(), "profile"))
        data_dir, user_dir = tmp_path / "RUNS", tmp_path / "user"
        session_id = write_session(data_dir, user_dir)[0]
        result = push_remote(data_dir, user_dir, settings, resolve_codec())
        assert result.changed
        assert any(b"Credential=AKIAPROFILEONLY/" in head for head in proxy.heads)
    direct = S3Target(settings.url, loopback_s3.connection())
    restore_session(direct, resolve_codec(), settings.host, session_id, tmp_path / "restored")
    assert session_values(tmp_path / "restored", session_id) == session_values(data_dir, session_id)
    for path in walk(tmp_path):
        if path.parent.name != ".aws":
            assert SECRET.encode() not in path.read_bytes(), path
