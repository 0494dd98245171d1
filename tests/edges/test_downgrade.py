"""Once a store is encrypted, unauthenticated content in it is damage (issue 12, defect 4).

Before: with a key configured, an unencrypted (zstd-only) record appended to an encrypted journal
was applied (``role`` became ``admin``), and a plaintext snapshot put in place of the encrypted
one was accepted (``role`` became ``root``); no warning, ``verify`` said intact.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkeeper.core import (
    PLAIN,
    Codec,
    CodecSettings,
    CorruptSessionError,
    Keyring,
    SessionManager,
    generate_key,
    inspect_envelope,
    read_session,
    rotate_keys,
    session_paths,
    verify_store,
)
from sessionkeeper.core.storage import journal as journal_format
from sessionkeeper.core.storage.documents import render_session_document
from sessionkeeper.core.storage.identity import seal_record
from sessionkeeper.core.storage.layout import snapshot_context
from tests.crypto.support import b64


@pytest.fixture
def encrypted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONKEEPER_KEY", b64(generate_key()))
    monkeypatch.setenv("SESSIONKEEPER_COMPRESSION", "zstd")


def _session(data_dir: Path, user_dir: Path) -> str:
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    manager.set("role", "user")
    manager.checkpoint()
    manager.set("note", "after the checkpoint")
    manager.checkpoint()
    manager.set("tail", 1)  # journal only
    manager.stop()
    return session_id


@pytest.mark.usefixtures("encrypted")
def test_an_unencrypted_record_in_an_encrypted_journal_is_not_applied(data_dir: Path, user_dir: Path) -> None:
    session_id = _session(data_dir, user_dir)
    paths = session_paths(data_dir, session_id)
    journal = paths.journal(paths.journal_epochs()[-1])
    assert inspect_envelope(journal_format.first_payload(journal.read_bytes()) or b"").encrypted
    # Bound to the session as its writer binds records: only the missing encryption gives them away.
    payload = journal_format.set_payload("role", b'"admin"')
    for codec in (Codec(CodecSettings(compression="zstd")), PLAIN):
        with journal.open("ab") as out:
            out.write(seal_record(codec, session_id, session_id, payload))
        view = read_session(data_dir, session_id)
        assert view.get("role") == "user"
        assert view.report.dropped, view.report
        assert not verify_store(paths, "session").ok


@pytest.mark.usefixtures("encrypted")
def test_a_plaintext_snapshot_in_place_of_an_encrypted_one_is_damage(data_dir: Path, user_dir: Path) -> None:
    session_id = _session(data_dir, user_dir)
    paths = session_paths(data_dir, session_id)
    assert inspect_envelope(paths.snapshot.read_bytes()).encrypted
    started = read_session(data_dir, session_id).started_at
    assert started is not None
    forged = render_session_document(
        session_id=session_id,
        started_at=started,
        values={"role": "root"},
        events=[],
        user={},
        app={},
        journal_epoch=paths.journal_epochs()[-1],
        resumed_from=None,
    )
    zstd_only = Codec(CodecSettings(compression="zstd")).seal(forged, snapshot_context(session_id))
    for planted in (forged, zstd_only):
        paths.snapshot.write_bytes(planted)
        view = read_session(data_dir, session_id)
        assert view.get("role") == "user", "the plaintext snapshot was used"
        assert any("not encrypted" in line for line in view.report.dropped), view.report
        assert not verify_store(paths, "session").ok
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.resume(session_id)
    assert (manager.get("role"), manager.get("tail")) == ("user", 1)
    manager.checkpoint()
    manager.stop()
    assert inspect_envelope(paths.snapshot.read_bytes()).encrypted
    assert inspect_envelope(paths.backup.read_bytes()).encrypted  # the forged file is never the backup


def test_plain_files_written_before_encryption_are_read_only_as_an_explicit_migration(
    data_dir: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = _session(data_dir, user_dir)  # plain
    monkeypatch.setenv("SESSIONKEEPER_KEY", b64(generate_key()))
    with pytest.raises(CorruptSessionError, match="not encrypted"):  # no silent fallback to plaintext
        read_session(data_dir, session_id)
    monkeypatch.setenv("SESSIONKEEPER_ACCEPT_PLAINTEXT", "1")
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    manager.resume(session_id)
    assert manager.get("role") == "user"
    manager.checkpoint()
    manager.checkpoint()
    manager.stop()
    monkeypatch.delenv("SESSIONKEEPER_ACCEPT_PLAINTEXT")
    paths = session_paths(data_dir, session_id)
    assert inspect_envelope(paths.snapshot.read_bytes()).encrypted
    assert inspect_envelope(paths.backup.read_bytes()).encrypted
    migrated = read_session(data_dir, session_id)
    assert (migrated.get("role"), migrated.get("tail"), migrated.report.dropped) == ("user", 1, ())


def test_key_rotate_is_the_explicit_migration_of_plain_files(
    data_dir: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = _session(data_dir, user_dir)  # plain
    key = generate_key()
    monkeypatch.setenv("SESSIONKEEPER_KEY", b64(key))
    sealed = Codec(CodecSettings(cipher="aes-256-gcm"), Keyring([key]))
    assert rotate_keys(data_dir, user_dir, sealed, sealed) > 0
    paths = session_paths(data_dir, session_id)
    assert inspect_envelope(paths.snapshot.read_bytes()).encrypted
    view = read_session(data_dir, session_id)
    assert (view.get("role"), view.get("tail"), view.report.dropped) == ("user", 1, ())
