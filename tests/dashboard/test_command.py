"""``session dashboard`` as a command: found through the entry-point group, lazily; its options."""

from __future__ import annotations

import http.client
import select
import socket
import subprocess
import sys
from pathlib import Path

from sessionkeeper.analyzer.dashboard.stream import MAX_STREAMS
from tests.dashboard.conftest import Server
from tests.dashboard.test_security import sign_in

WEB_STACK = ("starlette", "uvicorn", "sse_starlette", "anyio", "sessionkeeper.analyzer.dashboard.server")


def _imported(*args: str, env: dict[str, str]) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sessionkeeper.cli", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return done.stdout, modules


def test_session_help_lists_dashboard_without_importing_the_web_stack(env: dict[str, str]) -> None:
    shown, modules = _imported("--help", env=env)
    assert "dashboard" in shown
    assert not {m for m in modules if m.split(".")[0] in WEB_STACK or m in WEB_STACK}
    shown, modules = _imported("dashboard", "--help", env=env)
    assert "--port" in shown
    assert "--open" in shown
    assert not {m for m in modules if m.split(".")[0] in WEB_STACK or m in WEB_STACK}


def test_a_missing_data_directory_is_one_line_and_status_1(tmp_path: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sessionkeeper.cli", "dashboard", "--data-dir", str(tmp_path / "nope")],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1
    assert "nope" in done.stderr


def test_a_taken_port_is_one_line_and_status_1(tmp_path: Path, env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "sessionkeeper.cli", "dashboard", "--port", str(port)],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr.splitlines()[-1]


def test_any_address_is_served_only_when_asked_and_with_a_warning(
    tmp_path: Path, env: dict[str, str]
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sessionkeeper.cli", "--data-dir", str(tmp_path / "RUNS"), "dashboard",
         "--host", "0.0.0.0", "--port", "0"],  # noqa: S104
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        assert select.select([process.stdout], [], [], 60)[0]
        url = process.stdout.readline()
        assert url.startswith("http://127.0.0.1:")
        warning = process.stderr.readline() + process.stderr.readline()
        assert "Warning" in warning
        assert "0.0.0.0" in warning  # noqa: S104
        assert str(tmp_path / "RUNS") in warning  # `session --data-dir X dashboard`: X is served
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_open_streams_are_bounded(server: Server) -> None:
    server.start()
    cookie = sign_in(server)
    streams = []
    try:
        for _ in range(MAX_STREAMS):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request(
                "GET", "/events", headers={"Host": f"127.0.0.1:{server.port}", "Cookie": cookie}
            )
            assert connection.getresponse().status == 200
            streams.append(connection)
        extra = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        extra.request("GET", "/events", headers={"Host": f"127.0.0.1:{server.port}", "Cookie": cookie})
        assert extra.getresponse().status == 503
        extra.close()
    finally:
        for connection in streams:
            connection.close()
    # the server stays up and serves pages
    page = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    page.request("GET", "/", headers={"Host": f"127.0.0.1:{server.port}", "Cookie": cookie})
    assert page.getresponse().status == 200
