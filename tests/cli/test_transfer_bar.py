"""The transfer progress bar: drawn on a real terminal (a pty) only, only after its delay, and gone
when the transfer ends; nothing at all on a pipe or a file."""

from __future__ import annotations

import io
import os
import select

from sessionkeeper.cli.transfer_bar import transfer_bar


def _drain(fd: int) -> bytes:
    chunks = []
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_bar_is_drawn_on_a_terminal_and_erased_at_the_end() -> None:
    leader, follower = os.openpty()
    try:
        with os.fdopen(follower, "w", encoding="utf-8") as stream:
            with transfer_bar("Sending", stream=stream, delay=0) as bar:
                assert bar is not None
                for done in range(0, 5_000_001, 500_000):
                    bar(done, 5_000_000)
            stream.flush()
        shown = _drain(leader).decode("utf-8", "replace")
    finally:
        os.close(leader)
    assert "Sending" in shown
    assert "MB" in shown  # bytes done / total
    assert "\x1b[2K" in shown  # transient: the line is erased when done


def test_a_short_transfer_draws_nothing() -> None:
    leader, follower = os.openpty()
    try:
        with os.fdopen(follower, "w", encoding="utf-8") as stream:
            with transfer_bar("Sending", stream=stream, delay=60) as bar:
                assert bar is not None
                bar(1, 2)
                bar(2, 2)
            stream.flush()
        assert _drain(leader) == b""
    finally:
        os.close(leader)


def test_no_bar_off_a_terminal() -> None:
    stream = io.StringIO()
    with transfer_bar("Sending", stream=stream, delay=0) as bar:
        assert bar is None
    assert stream.getvalue() == ""
