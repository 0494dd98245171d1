"""The dashboard's wording over real HTTP: a count of one reads in the singular."""

from __future__ import annotations

import time

from tests.analyzer.conftest import ONE_WITH_A_PLURAL
from tests.dashboard.conftest import Recorder, Server
from tests.dashboard.test_security import request, sign_in


def test_a_count_of_one_reads_in_the_singular(server: Server, recorder: Recorder) -> None:
    recorder.call("start build")
    recorder.call("fail build boom")
    server.start()
    cookie = {"Cookie": sign_in(server)}
    pages = {path: request(server, path, headers=cookie) for path in ("/", "/task/build")}
    deadline = time.monotonic() + 30  # the task page reads the history index the server builds
    while b"The latest run<" not in pages["/task/build"].body and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.2)
        pages["/task/build"] = request(server, "/task/build", headers=cookie)
    for path, answer in pages.items():
        body = answer.body.decode()  # type: ignore[attr-defined]
        assert answer.status == 200, path
        assert not ONE_WITH_A_PLURAL.search(body), path
    assert "The latest run<" in pages["/task/build"].body.decode()  # type: ignore[attr-defined]
