"""A TCP proxy on loopback that delays and cuts connections: faults between a client and the
loopback S3 server (:mod:`.s3server`) that stopping the server cannot make.

:class:`FaultProxy` listens on 127.0.0.1 (a port the system picks) and relays every connection to
the upstream port over real sockets, one thread per direction. The test steers it while traffic
flows:

- :meth:`FaultProxy.delay`: every chunk (at most :data:`CHUNK` bytes) waits that long before it is
  relayed, in both directions — a slow network.
- :meth:`FaultProxy.cut_after`: every connection, open or new, is reset (RST) once it has relayed
  that many bytes (both directions together, counted from its start) — a network that drops
  connections midway, in a request or in its answer.
- :meth:`FaultProxy.cut_answers_after`: a connection that has sent that many bytes upstream is
  reset when the server's answer begins — the request landed, the client never hears so.
- :meth:`FaultProxy.refuse`: new connections are reset as soon as they are accepted.
- :meth:`FaultProxy.cut_all`: every open connection is reset now.
- :meth:`FaultProxy.heal`: no delay, no cut, connections accepted again.

``bytes_up`` counts what clients sent through it (the bytes a push puts on the wire), ``cuts`` the
connections it reset, ``heads`` keeps the first chunk each client sent (a request's head: what a
test may look for in it, e.g. which access key id signed it).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from types import TracebackType

__all__ = ["CHUNK", "FaultProxy"]

CHUNK = 16 << 10  # bytes relayed at once (a delay is per chunk)
# SO_LINGER on, 0 seconds: close() resets the connection (RST) instead of closing it politely (FIN).
_RESET = struct.pack("ii", 1, 0)


def _reset(sock: socket.socket) -> None:
    """Reset ``sock``'s connection; a thread blocked reading it wakes up (SHUT_RD) first."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        sock.close()


class _Link:
    """One client connection and its upstream connection, relayed both ways."""

    def __init__(self, proxy: FaultProxy, client: socket.socket, upstream: socket.socket) -> None:
        self.proxy, self.client, self.upstream = proxy, client, upstream
        self.relayed = 0  # bytes, both directions
        self.sent_up = 0  # bytes from the client
        self._lock = threading.Lock()
        self._ended = False
        self._open_directions = 2

    def start(self) -> None:
        for source, sink, up in ((self.client, self.upstream, True), (self.upstream, self.client, False)):
            threading.Thread(
                target=self._pump, args=(source, sink, up), name="fault-proxy-pump", daemon=True
            ).start()

    def _allowance(self, size: int, up: bool) -> int:
        """How many of the next ``size`` bytes may go before the cut (all of them: no cut)."""
        with self._lock:
            limit = self.proxy.cut_bytes
            allowed = size if limit is None else max(0, min(size, limit - self.relayed))
            answers = self.proxy.cut_answer_bytes
            if not up and answers is not None and self.sent_up >= answers:
                allowed = 0
            self.relayed += allowed
            if up:
                self.sent_up += allowed
            return allowed

    def _pump(self, source: socket.socket, sink: socket.socket, up: bool) -> None:
        try:
            while True:
                data = source.recv(CHUNK)
                if not data:
                    with contextlib.suppress(OSError):
                        sink.shutdown(socket.SHUT_WR)  # pass the end of this direction on
                    break
                if up and not self.sent_up:
                    self.proxy.heads.append(data)
                if self.proxy.latency:
                    time.sleep(self.proxy.latency)
                allowed = self._allowance(len(data), up)
                if allowed:
                    sink.sendall(data[:allowed])
                    self.proxy.count(allowed, up)
                if allowed < len(data):
                    self.cut()
                    return
        except OSError:
            self.cut()  # one side went away abruptly: so does the other
            return
        with self._lock:
            self._open_directions -= 1
            done = self._open_directions == 0
        if done:
            self.end()

    def cut(self) -> None:
        """Reset both connections (counted once)."""
        with self._lock:
            if self._ended:
                return
            self._ended = True
        self.proxy.forget(self, cut=True)
        _reset(self.client)
        _reset(self.upstream)

    def end(self) -> None:
        """Both directions finished politely: close both."""
        with self._lock:
            if self._ended:
                return
            self._ended = True
        self.proxy.forget(self, cut=False)
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.close()


class FaultProxy:
    """A proxy from ``127.0.0.1:<port>`` to ``127.0.0.1:<upstream_port>`` (see the module docstring)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.latency = 0.0
        self.cut_bytes: int | None = None
        self.cut_answer_bytes: int | None = None
        self.refusing = False
        self.bytes_up = self.bytes_down = 0
        self.accepted = self.cuts = self.refused = 0
        self.heads: list[bytes] = []  # the first chunk of each connection, from the client
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closed = False
        self._acceptor = threading.Thread(target=self._accept, name="fault-proxy-accept", daemon=True)
        self._acceptor.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- steering ----------------------------------------------------------------------------------
    def delay(self, seconds: float) -> None:
        """Hold every chunk ``seconds`` before relaying it (0: no delay)."""
        self.latency = seconds

    def cut_after(self, size: int | None) -> None:
        """Reset every connection once it has relayed ``size`` bytes (None: never)."""
        self.cut_bytes = size

    def cut_answers_after(self, size: int | None) -> None:
        """Reset a connection when an answer comes on it after it carried ``size`` bytes upstream
        (None: never)."""
        self.cut_answer_bytes = size

    def refuse(self) -> None:
        """Reset every new connection as soon as it is accepted (open ones go on)."""
        self.refusing = True

    def cut_all(self) -> None:
        """Reset every open connection now."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.cut()

    def heal(self) -> None:
        """No delay, no cut, new connections relayed again."""
        self.latency, self.cut_bytes, self.cut_answer_bytes, self.refusing = 0.0, None, None, False

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._links)

    # -- the relay ---------------------------------------------------------------------------------
    def count(self, size: int, up: bool) -> None:
        with self._lock:
            if up:
                self.bytes_up += size
            else:
                self.bytes_down += size

    def forget(self, link: _Link, *, cut: bool) -> None:
        with self._lock:
            self._links.discard(link)
            self.cuts += cut

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if self.refusing:
                with self._lock:
                    self.refused += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:
                _reset(client)  # the server is down: so is the way to it
                continue
            upstream.settimeout(None)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(self, client, upstream)
            with self._lock:
                self.accepted += 1
                self._links.add(link)
            link.start()

    def close(self) -> None:
        """Stop listening and reset every open connection."""
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut_all()
        self._acceptor.join(5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
