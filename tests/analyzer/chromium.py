"""Debian's headless Chromium, driven over the DevTools protocol through a pipe: no library, no port.

Chromium started with ``--remote-debugging-pipe`` reads DevTools commands on its descriptor 3 and
writes replies and events on descriptor 4, one JSON message per NUL-terminated frame (Playwright
talks to it the same way). That is all the HTML report's tests need — set a window size, load a
page, run a script, take a screenshot, see every request the page makes, ask which fonts drew a
text — without a browser-automation package or a browser build of its own: the browser is the
system's ``chromium``, installed by the project's ``.ci/setup-browser.sh`` together with a Korean
font (``fonts-noto-cjk``).
"""

from __future__ import annotations

import base64
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import REPO

__all__ = [
    "CHROMIUM",
    "SETUP",
    "Page",
    "ProtocolError",
    "ensure_browser",
    "korean_font_families",
    "open_page",
]

CHROMIUM = Path("/usr/bin/chromium")
SETUP = REPO / ".ci" / "setup-browser.sh"
_TIMEOUT = 60.0  # seconds for one command; a loaded 2-core machine can take a while to start Chromium


class ProtocolError(RuntimeError):
    """The browser answered a command with an error, or did not answer in time."""


def korean_font_families() -> set[str]:
    """Font families fontconfig says cover Korean (what Chromium on Linux can draw Hangul with)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return set()
    listed = subprocess.run(
        [fc_list, ":lang=ko", "family"], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    return {name.strip() for line in listed.splitlines() for name in line.split(",") if name.strip()}


def ensure_browser() -> Path:
    """/usr/bin/chromium with a Korean font beside it, installed by the project's script if missing.

    Skips (loudly) only where installing is impossible (not root, no apt-get); on CI as root a
    failed install fails the test.
    """
    if not CHROMIUM.exists() or not korean_font_families():
        done = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, timeout=1200, check=False)
        if done.returncode != 0 or not CHROMIUM.exists() or not korean_font_families():
            reason = (done.stderr or done.stdout).strip()[-500:] or "no Korean font after setup"
            if os.geteuid() == 0 and os.environ.get("CI"):
                pytest.fail(f"could not install Chromium and a Korean font on CI as root: {reason}")
            pytest.skip(f"!!! BROWSER TEST NOT RUN: Chromium cannot be installed here ({reason}) !!!")
    return CHROMIUM


class _Pipe:
    """The two descriptors and the framing: NUL-terminated JSON messages each way."""

    def __init__(self, to_browser: int, from_browser: int) -> None:
        self._out, self._in = to_browser, from_browser
        self._buffer = b""
        self._next_id = 0

    def send(self, method: str, params: dict[str, Any], session: str | None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        data = orjson.dumps(message) + b"\0"
        while data:
            data = data[os.write(self._out, data) :]
        return self._next_id

    def receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise ProtocolError("Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise ProtocolError("Chromium closed its DevTools pipe (it exited)")
            self._buffer += chunk
        frame, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = orjson.loads(frame)
        return message


class Page:
    """One tab: commands go to it; its events are kept in :attr:`events` as they arrive."""

    def __init__(self, pipe: _Pipe, session: str | None) -> None:
        self._pipe, self._session = pipe, session
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Run one DevTools command and return its result (events met meanwhile are kept)."""
        wanted = self._pipe.send(method, params, self._session)
        deadline = time.monotonic() + _TIMEOUT
        while True:
            message = self._pipe.receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise ProtocolError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            if "method" in message and message.get("sessionId") == self._session:
                self.events.append(message)

    def wait_for(self, method: str) -> dict[str, Any]:
        """The first event ``method`` not yet consumed (waiting for it if need be); removes it."""
        deadline = time.monotonic() + _TIMEOUT
        while True:
            for index, event in enumerate(self.events):
                if event["method"] == method:
                    return self.events.pop(index)
            message = self._pipe.receive(deadline)
            if "method" in message and message.get("sessionId") == self._session:
                self.events.append(message)

    def resize(self, width: int, height: int) -> None:
        """A window ``width`` CSS pixels wide (a desktop browser: the viewport meta is ignored)."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def load(self, url: str) -> None:
        """Navigate and wait until the page has loaded."""
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` evaluated in the page."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise ProtocolError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        """A PNG of the whole page (not just the window) at ``path``."""
        width, height = self.evaluate(
            "[document.documentElement.clientWidth, document.documentElement.scrollHeight]"
        )
        shot = self.send(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def fonts_for(self, selector: str) -> list[dict[str, Any]]:
        """The platform fonts that drew the text inside ``selector``, with their glyph counts."""
        root = self.send("DOM.getDocument", depth=0)["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        if not node:
            raise ProtocolError(f"no element matches {selector!r}")
        fonts: list[dict[str, Any]] = self.send("CSS.getPlatformFontsForNode", nodeId=node)["fonts"]
        return fonts


@contextmanager
def open_page(binary: Path, profile: Path, *, javascript: bool = True) -> Iterator[Page]:
    """A headless Chromium with one blank tab, closed (and waited for) on exit.

    The page's requests, console messages and log entries (a CSP violation is one) are recorded as
    events from the start.
    """
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    command = [
        str(binary),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--remote-debugging-pipe",
        f"--user-data-dir={profile}",
    ]

    def plumb() -> None:  # in the child: Chromium expects the pipe on descriptors 3 and 4
        os.dup2(to_browser_r, 3)
        os.dup2(from_browser_w, 4)

    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=plumb,  # noqa: PLW1509  (the test process starts no threads that could deadlock)
        # Kept open through the exec: 3 and 4 once plumb() has put the pipe there (pass_fds keeps
        # descriptors by number, and closes every other one after preexec_fn has run).
        pass_fds=(3, 4),
    )
    os.close(to_browser_r)
    os.close(from_browser_w)
    pipe = _Pipe(to_browser_w, from_browser_r)
    try:
        browser = Page(pipe, session=None)  # browser-level commands: no session
        target = browser.send("Target.createTarget", url="about:blank")["targetId"]
        session = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = Page(pipe, session)
        for domain in ("Page", "Network", "Runtime", "Log", "DOM", "CSS"):
            page.send(f"{domain}.enable")
        if not javascript:
            page.send("Emulation.setScriptExecutionDisabled", value=True)
        yield page
    finally:
        os.close(to_browser_w)  # Chromium exits when its end of the pipe closes
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(from_browser_r)
