"""Who may look: a one-time token in the printed URL, exchanged for a signed cookie.

* Each start makes a random **URL token** (printed once, in the URL). The first request that
  presents it is answered with a cookie and a page that moves on to the same address without the
  token; the token is then spent: a copy in a browser's history, a screenshot or a ``Referer``
  opens nothing.
* The **cookie** is ``<issued>.<nonce>.<mac>``: an HMAC-SHA256, under the dashboard's key, of when
  it was issued and a random nonce; ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no
  other site's page sends it), valid for ``COOKIE_DAYS``.
* The **key** lives in a 0600 file in a 0700 folder of the user's Sessionkeeper directory
  (``<user dir>/dashboard/key``), created with ``O_EXCL | O_NOFOLLOW``, so a page that was open when
  the server restarted keeps working (its event stream reconnects and resumes) without a new URL.
  Deleting the file signs every browser out.

Cookie names carry the port: browsers share cookies between the ports of one host.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import stat
import threading
import time
from pathlib import Path

__all__ = ["COOKIE_DAYS", "Auth", "load_key"]

COOKIE_DAYS = 7
_KEY_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_key(folder: Path) -> bytes:
    """The dashboard's key from ``folder/key`` (made on first use: 0700 folder, 0600 file)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise OSError(f"{folder} is not a directory")
    path = folder / "key"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        key = secrets.token_bytes(_KEY_BYTES)
        create = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, create, 0o600)
        except FileExistsError:  # another dashboard made it a moment ago: read theirs
            return load_key(folder)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
        return key
    with os.fdopen(fd, "rb") as source:
        key = source.read(_KEY_BYTES + 1)
    if len(key) != _KEY_BYTES:
        raise OSError(f"{path} is not a dashboard key ({len(key)} bytes): delete it to make a new one")
    return key


class Auth:
    """The URL token of this run and the cookies of this key."""

    def __init__(self, key: bytes, port: int, *, now: float | None = None) -> None:
        self._key = key
        self.token = secrets.token_urlsafe(24)
        self.cookie_name = f"sessionkeeper_dashboard_{port}"
        self._spent = False
        self._lock = threading.Lock()
        self._now = now  # fixed "now" (tests); None: the clock

    def _time(self) -> float:
        return time.time() if self._now is None else self._now

    def redeem(self, token: str) -> bool:
        """True once: for the first request presenting this run's URL token."""
        with self._lock:
            if self._spent or not hmac.compare_digest(token.encode(), self.token.encode()):
                return False
            self._spent = True
            return True

    def _mac(self, issued: str, nonce: str) -> str:
        message = f"{issued}.{nonce}".encode()
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    def issue(self) -> str:
        """A new cookie value."""
        issued, nonce = str(int(self._time())), _b64(secrets.token_bytes(16))
        return f"{issued}.{nonce}.{self._mac(issued, nonce)}"

    def valid(self, cookie: str | None) -> bool:
        """Whether ``cookie`` was issued under this key, less than ``COOKIE_DAYS`` ago."""
        if not cookie or len(cookie) > 200:
            return False
        parts = cookie.split(".")
        if len(parts) != 3 or not parts[0].isdigit():
            return False
        issued, nonce, mac = parts
        if not hmac.compare_digest(mac.encode(), self._mac(issued, nonce).encode()):
            return False
        age = self._time() - int(issued)
        return -300 <= age <= COOKIE_DAYS * 86400

    def set_cookie_header(self, value: str) -> str:
        return f"{self.cookie_name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={COOKIE_DAYS * 86400}"
