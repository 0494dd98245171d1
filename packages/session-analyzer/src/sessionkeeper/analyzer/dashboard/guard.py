"""The door every request passes: Host, method, token or cookie, Origin, and the response headers.

A plain ASGI middleware in front of the whole application, so no route can forget a check:

1. **Host allowlist** (DNS rebinding: a page of ``evil.example`` whose name was made to resolve to
   127.0.0.1 sends ``Host: evil.example``): anything but the names the server was started for is
   refused with 403 before anything else is looked at.
2. **Read-only**: only ``GET`` and ``HEAD``; anything else is 405 with ``Allow: GET, HEAD``.
3. **Token, then cookie** (:mod:`.auth`): ``?token=`` is redeemed once for a cookie; without a
   valid cookie every request is 401.
4. **Origin** on the event stream: a page of another origin must not read it, even if a browser
   sent the cookie; a foreign ``Origin`` or ``Sec-Fetch-Site: cross-site`` / ``same-site`` is 403.
5. **Headers on every answer**: a strict Content-Security-Policy (scripts, styles and connections
   from this origin only, no inline script, nothing embeddable), ``nosniff``, no ``Referer`` ever
   (a link out must not carry a URL), no caching of pages, and no CORS header at all.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import Auth

__all__ = ["CSP", "Guard", "allowed_hosts"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_STREAM = "/events"


def allowed_hosts(port: int, names: Iterable[str]) -> frozenset[str]:
    """``Host`` header values to accept: each name with the port (IPv6 addresses in brackets)."""
    hosts = set()
    for name in names:
        shown = f"[{name}]" if ":" in name and not name.startswith("[") else name
        hosts.add(f"{shown}:{port}".lower())
        if port == 80:
            hosts.add(shown.lower())
    return frozenset(hosts)


def _page(
    status: int, title: str, text: str, extra: list[tuple[bytes, bytes]] | None = None, head: str = ""
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}<title>{html.escape(title)}'
        f"</title></head><body><h1>{html.escape(title)}</h1><p>{text}</p></body></html>"
    ).encode()
    headers = [(b"content-type", b"text/html; charset=utf-8"), *(extra or [])]
    return status, headers, body


class Guard:
    """Wraps the application; see the module's docstring for the order of the checks."""

    def __init__(self, app: ASGIApp, auth: Auth, hosts: frozenset[str]) -> None:
        self.app = app
        self.auth = auth
        self.hosts = hosts
        self.origins = frozenset(f"http://{host}" for host in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            return
        refused = self._check(scope)
        if refused is not None:
            await self._answer(send, *refused)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if not k.startswith(b"access-control-")
                ]
                headers += _HEADERS
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)

    def _check(self, scope: Scope) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if headers.get("host", "").lower() not in self.hosts:
            return _page(403, "Forbidden", "This address is not one the dashboard serves (Host refused).")
        if scope["method"] not in ("GET", "HEAD"):
            return _page(405, "Method Not Allowed", "The dashboard is read-only.", [(b"allow", b"GET, HEAD")])
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        token = query.pop("token", None)
        if token is not None:
            return self._redeem(scope, token, query)
        if not self.auth.valid(_cookie(headers.get("cookie", ""), self.auth.cookie_name)):
            return _page(
                401,
                "Sign-in needed",
                "Open the address <code>session dashboard</code> printed (it holds a one-time token).",
            )
        if scope["path"] == _STREAM:
            origin = headers.get("origin")
            site = headers.get("sec-fetch-site")
            if (origin is not None and origin.lower() not in self.origins) or site in (
                "cross-site",
                "same-site",
            ):
                return _page(403, "Forbidden", "The event stream is for this dashboard's own pages.")
        return None

    def _redeem(
        self, scope: Scope, token: str, query: dict[str, str]
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if not self.auth.redeem(token):
            return _page(
                403,
                "Link already used",
                "This sign-in link was used already (or is not this run's). Restart "
                "<code>session dashboard</code> for a new one, or use the browser that opened it.",
            )
        target = scope["path"] if scope["path"].startswith("/") else "/"
        if query:
            target += "?" + urlencode(query)
        cookie = self.auth.set_cookie_header(self.auth.issue()).encode()
        # A page that moves on by itself, not a redirect: SameSite=Strict cookies are not sent on a
        # redirect that continues a navigation begun elsewhere (a link clicked in another site or app).
        refresh = f'<meta http-equiv="refresh" content="0;url={html.escape(target, quote=True)}">'
        link = f'Signed in. <a href="{html.escape(target, quote=True)}">Continue</a>.'
        return _page(200, "Signed in", link, [(b"set-cookie", cookie)], head=refresh)

    @staticmethod
    async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        headers = [
            *headers,
            *_HEADERS,
            (b"cache-control", b"no-store"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
