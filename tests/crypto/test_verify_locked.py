"""``verify_store`` tells "locked" (no key, or the wrong key) apart from damage.

A store that cannot be opened for want of the right key is not damaged: ``problems`` (and ``ok``)
speak of damage only, ``locked`` lists the files that could not be checked and ``wrong_key`` says
whether a key was configured but was not theirs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionkeeper.core import (
    Codec,
    CodecSettings,
    Keyring,
    SessionManager,
    StateScope,
    generate_key,
    session_paths,
    verify_store,
)
from sessionkeeper.core.storage.catalog import user_store_paths
from sessionkeeper.core.storage.layout import StorePaths
from tests.crypto.support import b64, sealing

NO_KEY = Codec(CodecSettings(), Keyring([]))


@pytest.fixture
def encrypted(data_dir: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[StorePaths, Codec]:
    """A session sealed with one key: snapshot, backup and journals. Returns its paths and codec."""
    key = generate_key()
    monkeypatch.setenv("SESSIONKEEPER_KEY", b64(key))
    manager = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session_id = manager.start()
    manager.set("owner", "me")
    manager.set("theme", "dark", StateScope.USER)
    assert manager.checkpoint()
    assert manager.checkpoint()
    manager.set("after", "checkpoint")
    manager.stop()
    paths = session_paths(data_dir, session_id)
    assert paths.snapshot.exists()
    assert paths.backup.exists()
    assert paths.journal_epochs()
    return paths, sealing(key)


def test_the_right_key_finds_nothing(encrypted: tuple[StorePaths, Codec]) -> None:
    paths, codec = encrypted
    check = verify_store(paths, "session", codec)
    assert (check.ok, check.problems, check.locked, check.wrong_key) == (True, (), (), False)


def test_no_key_is_locked_not_damaged(encrypted: tuple[StorePaths, Codec], user_dir: Path) -> None:
    paths, _ = encrypted
    check = verify_store(paths, "session", NO_KEY)
    assert check.problems == ()
    assert check.ok  # nothing damaged was found ...
    assert check.locked  # ... but the files could not be checked
    assert check.wrong_key is False
    assert any(paths.snapshot.name in line for line in check.locked)
    assert all("no key is configured" in line for line in check.locked)
    user = verify_store(user_store_paths(user_dir), "user", NO_KEY)
    assert (user.problems, bool(user.locked)) == ((), True)


def test_a_wrong_key_is_locked_not_damaged(encrypted: tuple[StorePaths, Codec]) -> None:
    paths, _ = encrypted
    check = verify_store(paths, "session", sealing(generate_key()))
    assert check.problems == ()
    assert check.locked
    assert check.wrong_key is True


def test_damage_is_damage_with_or_without_the_key(encrypted: tuple[StorePaths, Codec]) -> None:
    paths, codec = encrypted
    paths.snapshot.write_bytes(b'{"session_id": "torn')  # not sealed: read as plain, and broken
    with_key = verify_store(paths, "session", codec)
    assert not with_key.ok
    assert [line.split(":")[0] for line in with_key.problems] == [f"snapshot {paths.snapshot.name}"]
    assert with_key.locked == ()
    # Without a key the damaged file is still damage; the rest could not be checked.
    without = verify_store(paths, "session", NO_KEY)
    assert not without.ok
    assert [line.split(":")[0] for line in without.problems] == [f"snapshot {paths.snapshot.name}"]
    assert without.locked  # the backup and the journals
    # Both snapshot and backup damaged: the session cannot be loaded at all, key or not.
    paths.backup.write_bytes(b"\x00garbage")
    assert any(
        "no readable snapshot or backup" in line for line in verify_store(paths, "session", codec).problems
    )
    assert any(
        "no readable snapshot or backup" in line for line in verify_store(paths, "session", NO_KEY).problems
    )
