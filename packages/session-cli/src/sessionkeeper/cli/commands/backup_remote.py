"""The remote as ``session list --remote`` and ``session recover`` see it: every host's pushed
sessions, and a session fetched back when its local copy is gone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.errors import CliError

from .backup_common import configured_remote, store_codec

__all__ = ["fetch_for_recover", "list_remote", "match_pushed"]


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


def fetch_for_recover(data_dir: Path, reference: str) -> dict[str, Any] | None:
    """``session recover REF`` with no local copy: fetch the session REF names (a whole id, or a
    unique prefix of one among every host's latest push) from the configured remote — this
    machine's latest push if it holds it, else the host that pushed it last. None if there is no
    remote or no host's latest push holds a match (the ordinary recover then says it is not found)."""
    from sessionkeeper.core import remote_configured

    if not remote_configured():
        return None
    from sessionkeeper.core.remote.restore import find_pushed_session, remote_sessions, restore_session

    remote = configured_remote(None)
    target, codec = remote.open(), store_codec()
    pushed = remote_sessions(target, codec)
    session_id = match_pushed(reference, sorted({i for host in pushed for i in host.sessions}))
    if session_id is None:
        return None
    host = find_pushed_session(pushed, session_id, remote.host)
    assert host is not None  # session_id is one of the pushed ids
    restored = restore_session(target, codec, host, session_id, data_dir)
    return {
        "session_id": session_id,
        "remote": str(remote.url),
        "host": host,
        "seq": restored.seq,
        "pushed_at": restored.pushed_at,
    }


def match_pushed(reference: str, ids: list[str]) -> str | None:
    """The one id ``reference`` means among ``ids`` (CliError if it could mean several)."""
    from sessionkeeper.cli.session_ids import MIN_HEX, matches

    if reference in ids:
        return reference
    found = matches(reference, ids) if len(reference) >= MIN_HEX else []
    if len(found) > 1:
        raise CliError("id.ambiguous", ref=reference, count=len(found), candidates=", ".join(found[:5]))
    return found[0] if found else None
