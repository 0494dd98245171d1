"""Serving: bind the socket, name the allowed hosts, print the one-time URL, run until Ctrl-C.

The socket is bound here (not by uvicorn) so the port is known before anything is printed, ``--port
0`` included, and the Host allowlist names exactly it. Loopback (``127.0.0.1``) unless ``--host``
says otherwise; any other address is served only when asked, with a warning on stderr, since
everyone who can reach it gets the sign-in page (the token still guards the data).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import webbrowser
from collections.abc import Callable, Iterable
from pathlib import Path

import uvicorn

from sessionkeeper.analyzer.period import Zone
from sessionkeeper.core import resolve_codec, resolve_user_dir

from .app import create_app
from .auth import Auth, load_key
from .guard import allowed_hosts
from .service import Dashboard

__all__ = ["bind", "host_names", "is_loopback", "serve"]

_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (``port`` 0: any free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def host_names(host: str, extra: Iterable[str] = ()) -> list[str]:
    """The names a browser may use for this server (its Host header), ``extra`` included."""
    names = [*_LOOPBACK_NAMES, *extra]
    if not is_loopback(host):
        names.append(host.strip("[]"))
        if host in ("0.0.0.0", "::"):  # every address of this machine  # noqa: S104
            names.append(socket.gethostname())
            names.append(socket.getfqdn())
            with contextlib.suppress(OSError):
                names += [str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None)]
    return [str(name) for name in dict.fromkeys(names) if name]


def serve(
    data_dir: Path,
    *,
    host: str,
    port: int,
    zone: Zone,
    language: str,
    open_browser: bool,
    extra_hosts: Iterable[str] = (),
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the dashboard of ``data_dir`` until interrupted."""
    sock = bind(host, port)
    port = sock.getsockname()[1]
    names = host_names(host, extra_hosts)
    auth = Auth(load_key(resolve_user_dir(None) / "dashboard"), port)
    dashboard = Dashboard(data_dir, resolve_codec(), zone, language)
    app = create_app(dashboard, auth, allowed_hosts(port, names))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") or is_loopback(host) else host  # noqa: S104
    shown = f"[{shown}]" if ":" in shown else shown
    url = f"http://{shown}:{port}/?token={auth.token}"
    echo(url)
    sys.stdout.flush()
    if open_browser:
        webbrowser.open(url)
    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", access_log=False, timeout_graceful_shutdown=2
    )
    uvicorn.Server(config).run(sockets=[sock])
