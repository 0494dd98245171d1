"""The dashboard's door, over real HTTP against a running ``session dashboard`` (THREATS.md, "Local
web pages"): token, cookie, Host, Origin, methods, headers, static paths, escaping."""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

import pytest

from tests.dashboard.conftest import Recorder, Server

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


def request(
    server: Server, path: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    sent = {"Host": f"127.0.0.1:{server.port}", **(headers or {})}
    connection.request(method, path, headers=sent)
    response = connection.getresponse()
    response.body = response.read() if path != "/events" or response.status != 200 else b""  # type: ignore[attr-defined]
    return response


def sign_in(server: Server) -> str:
    """Redeem the printed token; the cookie header to send from then on."""
    target = urlsplit(server.url)
    answer = request(server, f"{target.path}?{target.query}")
    assert answer.status == 200
    cookie = answer.getheader("set-cookie")
    assert cookie is not None
    return cookie.split(";", 1)[0]


@pytest.fixture
def signed(server: Server, recorder: Recorder) -> tuple[Server, str]:
    recorder.call(f"start {HOSTILE}")
    recorder.call(f"fail {HOSTILE} {HOSTILE}")
    recorder.call(f"cmd 1 echo {HOSTILE}")
    server.start()
    return server, sign_in(server)


def test_no_token_no_cookie_is_401_and_shows_nothing(server: Server, recorder: Recorder) -> None:
    recorder.call("start SECRET-TASK")
    server.start()
    for path in ("/", "/trends", "/events", "/now/sessions", "/static/dashboard.js", "/task/SECRET-TASK"):
        answer = request(server, path)
        assert answer.status == 401, path
        assert b"SECRET-TASK" not in answer.body  # type: ignore[attr-defined]


def test_the_token_works_once_and_a_wrong_one_never(server: Server) -> None:
    server.start()
    target = urlsplit(server.url)
    assert request(server, "/?token=not-the-token").status == 403
    first = request(server, f"{target.path}?{target.query}")
    assert first.status == 200
    cookie = first.getheader("set-cookie") or ""
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    # the page moves on without the token (no redirect: see guard.py), and the token is spent
    assert re.search(rb'http-equiv="refresh" content="0;url=/"', first.body)  # type: ignore[attr-defined]
    assert request(server, f"{target.path}?{target.query}").status == 403


def test_a_signed_in_browser_sees_the_pages(signed: tuple[Server, str]) -> None:
    server, cookie = signed
    for path in ("/", "/trends", "/now/sessions", "/static/dashboard.css", "/static/dashboard.js"):
        assert request(server, path, headers={"Cookie": cookie}).status == 200, path


def test_a_forged_or_foreign_cookie_is_401(signed: tuple[Server, str]) -> None:
    server, cookie = signed
    name, value = cookie.split("=", 1)
    issued, nonce, mac = value.split(".")
    for forged in (f"{issued}.{nonce}.{mac[:-2]}AA", f"{int(issued) + 1}.{nonce}.{mac}", "x.y.z", ""):
        assert request(server, "/", headers={"Cookie": f"{name}={forged}"}).status == 401


def test_a_foreign_host_is_refused_even_with_the_cookie(signed: tuple[Server, str]) -> None:
    server, cookie = signed
    for host in ("evil.example", f"evil.example:{server.port}", "127.0.0.1:1", f"127.0.0.2:{server.port}"):
        answer = request(server, "/", headers={"Cookie": cookie, "Host": host})
        assert answer.status == 403, host
    assert request(server, "/", headers={"Cookie": cookie, "Host": f"localhost:{server.port}"}).status == 200


def test_the_event_stream_refuses_other_origins(signed: tuple[Server, str]) -> None:
    server, cookie = signed
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": f"http://127.0.0.1:{server.port + 1}"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        answer = request(server, "/events", headers={"Cookie": cookie, **headers})
        assert answer.status == 403, headers
    same = request(server, "/events", headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{server.port}"})
    assert same.status == 200
    assert same.getheader("content-type", "").startswith("text/event-stream")
    assert same.getheader("access-control-allow-origin") is None


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_anything_but_get_is_405(signed: tuple[Server, str], method: str) -> None:
    server, cookie = signed
    answer = request(server, "/", method=method, headers={"Cookie": cookie, "Origin": "http://evil.example"})
    assert answer.status == 405
    assert answer.getheader("allow") == "GET, HEAD"
    assert answer.getheader("access-control-allow-origin") is None


def test_every_answer_carries_the_strict_headers(signed: tuple[Server, str]) -> None:
    server, cookie = signed
    for path, headers in (("/", {"Cookie": cookie}), ("/", {}), ("/trends", {"Cookie": cookie})):
        answer = request(server, path, headers=headers)
        csp = answer.getheader("content-security-policy") or ""
        for rule in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"):
            assert rule in csp
        assert "unsafe-inline" not in csp
        assert answer.getheader("referrer-policy") == "no-referrer"
        assert answer.getheader("x-content-type-options") == "nosniff"
        assert answer.getheader("cache-control") == "no-store"


@pytest.mark.parametrize(
    "path",
    ["/static/../../etc/passwd", "/static/..%2f..%2fetc%2fpasswd", "/static/%2e%2e/app.py", "/static/x.js"],
)
def test_static_paths_cannot_leave_the_package(signed: tuple[Server, str], path: str) -> None:
    server, cookie = signed
    answer = request(server, path, headers={"Cookie": cookie})
    assert answer.status == 404
    assert b"root:" not in answer.body  # type: ignore[attr-defined]


def test_markup_in_task_ids_commands_and_errors_is_escaped(signed: tuple[Server, str]) -> None:
    server, cookie = signed
    for path in ("/", "/now/sessions", "/trends?preset=all"):
        body = request(server, path, headers={"Cookie": cookie}).body.decode()  # type: ignore[attr-defined]
        assert "<script>window.pwned" not in body, path
        assert "<img src=x" not in body, path
    now = request(server, "/", headers={"Cookie": cookie}).body.decode()  # type: ignore[attr-defined]
    assert "&lt;script&gt;window.pwned=2&lt;/script&gt;" in now
