"""The remote as ``session list --remote`` and ``session recover`` see it: every host's pushed
sessions, and a session fetched back when its local copy is gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out

from .backup_common import configured_remote, store_codec

__all__ = ["fetch_for_recover", "list_remote"]


def list_remote(as_json: bool) -> None:
    """``session list --remote``: every host's sessions, as each host's latest push lists them."""
    from sessionkeeper.core.remote.restore import remote_sessions

    remote = configured_remote(None)
    found = remote_sessions(remote.open(), store_codec())
    if as_json:
        render.emit_json(
            {
                "remote": str(remote.url),
                "hosts": [
                    {"host": h.host, "seq": h.seq, "pushed_at": h.at, "sessions": list(h.sessions)}
                    for h in found
                ],
            }
        )
        return
    rows = [(h.host, session_id, str(h.seq), h.at) for h in found for session_id in h.sessions]
    if not rows:
        out(messages.text("list.remote_empty", remote=remote.url))
        return
    render.table(
        [
            messages.text("column.host"),
            messages.text("column.session"),
            messages.text("column.push"),
            messages.text("column.pushed_at"),
        ],
        rows,
        title=messages.text("list.remote_title", remote=remote.url, count=len(rows), hosts=len(found)),
        no_wrap={0, 1},
    )


def fetch_for_recover(data_dir: Path, session_id: str) -> dict[str, Any] | None:
    """``session recover ID`` with no local copy of ID: fetch it from the configured remote (this
    machine's latest push if it holds it, else the host that pushed it last). None if there is no
    remote or no host's latest push holds it (the ordinary recover then says it is not found)."""
    from sessionkeeper.core import remote_configured

    if not remote_configured():
        return None
    from sessionkeeper.core.remote.restore import find_pushed_session, restore_session

    remote = configured_remote(None)
    target, codec = remote.open(), store_codec()
    host = find_pushed_session(target, codec, session_id, remote.host)
    if host is None:
        return None
    restored = restore_session(target, codec, host, session_id, data_dir)
    return {"remote": str(remote.url), "host": host, "seq": restored.seq, "pushed_at": restored.pushed_at}
