"""What only the S3 target can be asked about: one clear error for a missing bucket, refused
credentials and an unreachable endpoint — never the endpoint or a secret in it — and nothing made
on the server by any of them. (Its BackupTarget contract is tests/target_spec, run on moto too.)"""

from __future__ import annotations

import pickle
import socket
import time

import pytest

from sessionkeeper.core.errors import (
    StorageError,
    TargetAccessError,
    TargetMissingError,
    TargetNotFoundError,
    TargetUnavailableError,
)
from sessionkeeper.core.remote.s3 import S3Target
from sessionkeeper.core.remote.settings import open_target
from tests.remote.s3server import LoopbackS3, running


def assert_clean(error: BaseException, server: LoopbackS3) -> None:
    text = str(error)
    assert "127.0.0.1" not in text
    assert str(server.port) not in text
    assert "testing-secret-key" not in text
    assert "\n" not in text


def test_a_missing_bucket_is_one_clear_error_for_every_operation(loopback_s3: LoopbackS3) -> None:
    target = S3Target("s3://no-such-bucket-here/p", loopback_s3.connection())
    calls = (
        lambda: target.put("a/b", b"x"),
        lambda: target.put("a/b", b"x", if_match='"v"'),
        lambda: target.get("a/b"),
        lambda: target.head("a/b"),
        lambda: list(target.list()),
        lambda: target.delete("a/b"),
    )
    for call in calls:
        with pytest.raises(TargetMissingError) as caught:
            call()
        assert not isinstance(caught.value, TargetNotFoundError)  # no bucket is not "no object"
        assert "s3://no-such-bucket-here/p" in str(caught.value)
        assert "does not exist" in str(caught.value)
        assert_clean(caught.value, loopback_s3)


def test_an_unreachable_endpoint_fails_fast_with_one_clear_error(loopback_s3: LoopbackS3) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = loopback_s3.connection(endpoint=f"http://127.0.0.1:{port}")
    target = S3Target("s3://bucket/p", connection, timeout=2, retries=1)
    started = time.monotonic()
    with pytest.raises(TargetUnavailableError) as caught:
        target.put("a/b", b"x")
    assert time.monotonic() - started < 10
    assert isinstance(caught.value, StorageError)
    assert "cannot reach s3://bucket/p" in str(caught.value)
    assert "AWS_ENDPOINT_URL" in str(caught.value)
    assert str(port) not in str(caught.value)


def test_refused_credentials_are_one_clear_error_and_show_no_secret() -> None:
    with running(check_credentials=True) as strict:
        target = S3Target("s3://any-bucket/p", strict.connection())
        for call in (lambda: target.put("a/b", b"x"), lambda: target.get("a/b"), lambda: list(target.list())):
            with pytest.raises(TargetAccessError) as caught:
                call()
            assert "refused the credentials" in str(caught.value)
            assert "AWS_ACCESS_KEY_ID" in str(caught.value)
            assert "testing-key-id" not in str(caught.value)
            assert_clean(caught.value, strict)


def test_a_target_pickles_by_url_and_reaches_the_same_objects(loopback_s3: LoopbackS3) -> None:
    bucket = loopback_s3.new_bucket()
    target = S3Target(f"s3://{bucket}/p", loopback_s3.connection())
    target.put("k", b"v")
    again = pickle.loads(pickle.dumps(target))  # noqa: S301 - our own object
    assert again.get("k").data == b"v"
    assert "testing-secret-key" not in repr(again)


def test_open_target_reads_the_aws_variables(
    loopback_s3: LoopbackS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = loopback_s3.new_bucket()
    for name, value in loopback_s3.env().items():
        monkeypatch.setenv(name, value)
    target = open_target(f"s3://{bucket}/from-env")
    target.put("k", b"v")
    assert S3Target(f"s3://{bucket}", loopback_s3.connection()).get("from-env/k").data == b"v"


def test_a_restarted_server_is_reached_again(loopback_s3: LoopbackS3) -> None:
    bucket = loopback_s3.new_bucket()
    target = S3Target(f"s3://{bucket}/p", loopback_s3.connection(), timeout=2, retries=0)
    target.put("k", b"v")
    loopback_s3.stop()
    try:
        with pytest.raises(TargetUnavailableError):
            target.get("k")
    finally:
        loopback_s3.start()
    assert target.get("k").data == b"v"
