"""A real S3 server for the tests: moto's server mode on loopback, started and stopped by the tests.

:class:`LoopbackS3` runs ``moto.server.ThreadedMotoServer`` on 127.0.0.1 with a port the system
picks, answers S3's HTTP API (conditional puts included: ``If-None-Match: *`` and ``If-Match`` get
412) and keeps its objects in its own child process's memory, so a restart on the same port finds
them again. Targets reach it as a real endpoint would be reached: over HTTP, with credentials
(which moto accepts whatever they are, unless started with ``check_credentials=True``), from any
process. Nothing is mocked: the code under test talks to it through obstore as to AWS.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import secrets
import urllib.request
from collections.abc import Iterator
from multiprocessing.connection import Connection

import pytest

from sessionkeeper.core.remote.settings import S3Connection

__all__ = ["LoopbackS3", "loopback_s3"]

ACCESS_KEY_ID = "testing-key-id"
SECRET_ACCESS_KEY = "testing-secret-key"  # noqa: S105 - moto's server accepts any; not a secret
REGION = "us-east-1"
_buckets = itertools.count()


class LoopbackS3:
    """moto's S3 on loopback, in a child process of its own: :meth:`new_bucket`, :meth:`connection`,
    :meth:`env`, :meth:`stop` and :meth:`start` (the same port and objects again), :meth:`close`.

    A child, not a thread of the test process: the server then takes no share of the tests' GIL
    (benchmarks of set() with replication on stay honest), and what it allocates is not counted
    by a test measuring the client's memory (tracemalloc traces every thread of a process).
    """

    def __init__(self, *, check_credentials: bool = False) -> None:
        context = multiprocessing.get_context("spawn")
        self._control, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child_end, check_credentials), daemon=True, name="moto-s3"
        )
        self._process.start()
        child_end.close()
        self.port = 0
        self.start()

    def _ask(self, *command: object) -> object:
        self._control.send(command)
        if not self._control.poll(60):
            raise RuntimeError(f"the loopback S3 server did not answer {command[0]!r}")
        answer = self._control.recv()
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def start(self) -> None:
        """Serve (again) on the same port as before, if there was one, with the same objects."""
        port = self._ask("start", self.port)
        assert isinstance(port, int)
        self.port = port

    def stop(self) -> None:
        """Stop serving: connections are refused until :meth:`start` (objects are kept)."""
        self._ask("stop")

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError, EOFError):
            self._ask("quit")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(10)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def new_bucket(self, name: str | None = None) -> str:
        """Create a bucket (a fresh unique name unless ``name``) and return its name."""
        bucket = name or f"sk-{next(_buckets)}-{secrets.token_hex(4)}"
        request = urllib.request.Request(f"{self.endpoint}/{bucket}", method="PUT")  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            assert answer.status == 200
        return bucket

    def connection(self, **changes: object) -> S3Connection:
        """How a target reaches this server (``changes``: e.g. other credentials)."""
        values: dict[str, object] = {
            "endpoint": self.endpoint,
            "region": REGION,
            "access_key_id": ACCESS_KEY_ID,
            "secret_access_key": SECRET_ACCESS_KEY,
            "allow_http": True,
        }
        values.update(changes)
        return S3Connection(**values)  # type: ignore[arg-type]

    def env(self) -> dict[str, str]:
        """The AWS variables a child process (the real ``session`` command) needs to reach it."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_REGION": REGION,
            "AWS_ALLOW_HTTP": "true",
        }


def _serve(control: Connection, check_credentials: bool) -> None:
    """The child: start and stop ThreadedMotoServer as the parent asks, until "quit".

    ``check_credentials``: moto's IAM checks from the first request on (read by moto at import),
    so every access key is refused, as a real store refuses one it does not know."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    if check_credentials:
        os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
    from moto.server import ThreadedMotoServer

    server: ThreadedMotoServer | None = None
    while True:
        try:
            command = control.recv()
        except EOFError:  # the parent died: so does the server (daemon child)
            return
        try:
            if command[0] == "start":
                if server is None:
                    server = ThreadedMotoServer(ip_address="127.0.0.1", port=command[1], verbose=False)
                    server.start()
                control.send(server.get_host_and_port()[1])
            elif command[0] == "stop":
                if server is not None:
                    server.stop()
                    server = None
                control.send(True)
            else:
                if server is not None:
                    server.stop()
                control.send(True)
                return
        except Exception as exc:
            control.send(RuntimeError(f"loopback S3 server: {type(exc).__name__}: {exc}"))


@contextlib.contextmanager
def running(*, check_credentials: bool = False) -> Iterator[LoopbackS3]:
    server = LoopbackS3(check_credentials=check_credentials)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def loopback_s3() -> Iterator[LoopbackS3]:
    """One loopback S3 server for the whole run (each test makes its own bucket)."""
    with running() as server:
        yield server


def clear_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every AWS_* and SESSIONKEEPER_REMOTE* variable a developer's shell may carry, and
    point the AWS profile files nowhere, so a profile in the developer's ~/.aws fills no gap."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "SESSIONKEEPER_REMOTE")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
