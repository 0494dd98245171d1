"""``pull_user``: the USER scope merged across machines (last writer wins by a hybrid logical clock,
deletes as tombstones), on a directory remote and on the loopback S3 server, with real managers
writing each machine's stores."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import attrs
import pytest

from sessionkeeper.core import (
    RemoteIntegrityError,
    RemoteKeyError,
    SessionManager,
    StateScope,
    pull_user,
    push_remote,
    read_scope,
    resolve_codec,
    user_store_paths,
)
from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.remote.keys import object_key
from sessionkeeper.core.remote.reading import fetch_index, read_manifest
from sessionkeeper.core.remote.settings import RemoteSettings, TargetURL
from sessionkeeper.core.remote.user_clock import Stamp, SyncDocument, merge, observe
from sessionkeeper.core.storage.targets import BackupTarget
from tests.cli.support import digest
from tests.remote.support import OTHER_KEY, remote_settings

pytestmark = pytest.mark.usefixtures("encrypted")


@attrs.frozen
class Machine:
    """One machine: its data and user directories and its name on the remote."""

    name: str
    data: Path
    user: Path
    remote: RemoteSettings

    def set(self, key: str, value: Any) -> None:
        with SessionManager(self.data, self.user, background=False, handle_signals=False, remote=False) as m:
            m.set(key, value, StateScope.USER, flush=True)
        time.sleep(0.002)  # the next change anywhere is a later millisecond

    def delete(self, key: str) -> None:
        with SessionManager(self.data, self.user, background=False, handle_signals=False, remote=False) as m:
            assert m.delete(key, StateScope.USER, flush=True)
        time.sleep(0.002)

    def values(self) -> dict[str, Any]:
        view = read_scope(user_store_paths(self.user), "user", resolve_codec())
        return {key: view.get(key) for key in view.values}

    def push(self) -> None:
        push_remote(self.data, self.user, self.remote, resolve_codec())

    def pull(self, **options: Any) -> Any:
        return pull_user(self.data, self.user, self.remote, resolve_codec(), **options)


def machines(tmp_path: Path, url: TargetURL, *names: str) -> list[Machine]:
    found = []
    for name in names:
        data, user = tmp_path / name / "runs", tmp_path / name / "home"
        data.mkdir(parents=True)
        found.append(Machine(name, data, user, remote_settings(url, host=name)))
    return found


def by_key(result: Any) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    return {line.key: (line.action, line.host, line.disagreed) for line in result.keys}


def test_values_travel_both_ways(tmp_path: Path, remote_url: TargetURL) -> None:
    laptop, desktop = machines(tmp_path, remote_url, "laptop", "desktop")
    laptop.set("theme", "dark")
    laptop.set("since", dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC))  # a tagged type keeps its type
    laptop.push()
    desktop.set("font", {"family": "mono", "size": 13})
    desktop.push()

    result = desktop.pull()
    assert result.hosts == ("laptop",)
    assert by_key(result) == {"since": ("took", "laptop", ()), "theme": ("took", "laptop", ())}
    assert desktop.values() == {
        "font": {"family": "mono", "size": 13},
        "since": dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC),
        "theme": "dark",
    }
    desktop.push()
    assert by_key(laptop.pull()) == {"font": ("took", "desktop", ())}
    assert laptop.values() == desktop.values()
    # Nothing left to do on either side.
    laptop.push()
    assert desktop.pull().keys == ()
    assert laptop.pull().keys == ()


def test_the_last_writer_wins_and_the_loser_is_named(tmp_path: Path, remote_url: TargetURL) -> None:
    laptop, desktop = machines(tmp_path, remote_url, "laptop", "desktop")
    laptop.set("theme", "light")
    desktop.set("theme", "solarized")  # later
    laptop.push()
    desktop.push()

    assert by_key(laptop.pull()) == {"theme": ("took", "desktop", ("laptop",))}
    assert laptop.values() == {"theme": "solarized"}
    result = desktop.pull()  # the laptop has not pushed since its pull: its old value differs
    assert by_key(result) == {"theme": ("kept", "desktop", ("laptop",))}
    assert desktop.values() == {"theme": "solarized"}


def test_a_change_after_a_pull_wins_over_what_was_pulled(tmp_path: Path, remote_url: TargetURL) -> None:
    laptop, desktop = machines(tmp_path, remote_url, "laptop", "desktop")
    desktop.set("editor", "emacs")
    desktop.push()
    laptop.pull()
    laptop.set("editor", "vim")  # made after seeing the desktop's value
    laptop.push()
    assert by_key(desktop.pull()) == {"editor": ("took", "laptop", ("desktop",))}
    assert desktop.values() == {"editor": "vim"}


def test_a_delete_travels_and_is_not_undone(tmp_path: Path, remote_url: TargetURL) -> None:
    laptop, desktop, ci = machines(tmp_path, remote_url, "laptop", "desktop", "ci")
    laptop.set("token-hint", "old")
    laptop.set("keep", 1)
    laptop.push()
    desktop.pull()
    desktop.push()  # the desktop now has the value too
    laptop.delete("token-hint")
    laptop.push()

    assert by_key(desktop.pull()) == {"token-hint": ("deleted", "laptop", ("desktop",))}
    assert desktop.values() == {"keep": 1}
    desktop.push()
    # A third machine sees both: the desktop's older copy of the value does not bring it back.
    ci.set("own", True)
    assert by_key(ci.pull()) == {"keep": ("took", "laptop", ())}  # the tombstone: nothing to delete
    assert ci.values() == {"keep": 1, "own": True}
    assert laptop.pull().keys == ()
    assert laptop.values() == {"keep": 1}


def test_dry_run_writes_nothing(tmp_path: Path, remote_url: TargetURL) -> None:
    laptop, desktop = machines(tmp_path, remote_url, "laptop", "desktop")
    laptop.set("theme", "dark")
    laptop.push()
    desktop.set("font", "mono")
    before = digest(desktop.user)
    result = desktop.pull(dry_run=True)
    assert result.dry_run
    assert by_key(result) == {"theme": ("took", "laptop", ())}
    assert digest(desktop.user) == before


def test_a_value_changed_during_the_pull_is_left_for_the_next(tmp_path: Path) -> None:
    """The manager applies a pulled value only if the key still holds what the pull observed."""
    user = tmp_path / "home"
    with SessionManager(tmp_path / "runs", user, background=False, handle_signals=False, remote=False) as m:
        m.set("a", "here", StateScope.USER)
        m.set("b", "here", StateScope.USER)
        from sessionkeeper.core.remote.user_clock import value_digest

        changes = {"a": (value_digest("here"), "pulled"), "b": (value_digest("other"), "x")}
        skipped = m.apply_user_changes(changes)
        assert skipped == {"b"}
        assert (m.get("a", StateScope.USER), m.get("b", StateScope.USER)) == ("pulled", "here")


def test_a_wrong_key_changes_nothing(
    tmp_path: Path, remote_url: TargetURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, desktop = machines(tmp_path, remote_url, "laptop", "desktop")
    laptop.set("theme", "dark")
    laptop.push()
    desktop.set("font", "mono")
    before = digest(desktop.user)
    monkeypatch.setenv("SESSIONKEEPER_KEY", OTHER_KEY)
    with pytest.raises(RemoteKeyError, match="another key"):
        desktop.pull()
    assert digest(desktop.user) == before


def _sync_object(target: BackupTarget, codec: Codec, host: str) -> str:
    found = read_manifest(target, codec, host)
    assert found is not None
    store = fetch_index(target, codec, host, found.manifest.latest).store("user", "user")
    assert store is not None
    (ref,) = [ref for ref in store.files if ref.path == "user.d/sync"]
    return object_key(ref.parts[0].digest)


def test_a_tampered_sync_document_is_refused(tmp_path: Path, remote_url: TargetURL) -> None:
    laptop, desktop = machines(tmp_path, remote_url, "laptop", "desktop")
    laptop.set("theme", "dark")
    laptop.push()
    target = laptop.remote.open()
    key = _sync_object(target, resolve_codec(), "laptop")
    data = bytearray(target.get(key).data)
    data[-5] ^= 0x40
    target.delete(key)
    target.put(key, bytes(data))
    desktop.set("font", "mono")
    before = digest(desktop.user)
    with pytest.raises(RemoteIntegrityError):
        desktop.pull()
    assert digest(desktop.user) == before


# -- the clock itself ---------------------------------------------------------------------------------
def test_stamps_only_grow_on_a_host_whatever_its_clock_says() -> None:
    ahead = SyncDocument("laptop", Stamp(5_000, 3, "desktop"))  # saw a stamp from a clock ahead of ours
    seen = observe(ahead, {"k": 1}, wall=1_000, observed="")
    assert seen.keys["k"].stamp == Stamp(5_000, 4, "laptop") > ahead.clock
    later = observe(seen, {"k": 2}, wall=9_000, observed="")
    assert later.keys["k"].stamp == Stamp(9_000, 0, "laptop")
    gone = observe(later, {}, wall=9_000, observed="")
    assert gone.keys["k"].digest is None
    assert gone.keys["k"].stamp == Stamp(9_000, 1, "laptop")
    # A store known to be incomplete (damage dropped part of it) never turns into deletes.
    assert observe(later, {}, wall=9_500, observed="", deletes=False) == attrs.evolve(later, observed="")


def test_every_host_picks_the_same_winner() -> None:
    one = observe(SyncDocument("a", Stamp(0, 0, "")), {"k": "x"}, 1_000, "")
    two = observe(SyncDocument("b", Stamp(0, 0, "")), {"k": "y"}, 1_000, "")  # the same millisecond
    assert merge({"a": one, "b": two}) == merge({"b": two, "a": one})
    winner = merge({"a": one, "b": two})["k"]
    assert (winner.source, winner.disagreed) == ("b", ("a",))  # ties broken by host name


def test_key_rotation_reseals_the_sync_document(
    tmp_path: Path, remote_url: TargetURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sessionkeeper.core.remote.user_sync import read_local_sync
    from sessionkeeper.core.tools.rotation import key_status, rotate_keys

    laptop, desktop = machines(tmp_path, remote_url, "laptop", "desktop")
    laptop.set("theme", "dark")
    laptop.push()
    desktop.set("font", "mono")
    desktop.pull()
    paths = user_store_paths(desktop.user)
    before, problem = read_local_sync(paths, resolve_codec(), "desktop")
    assert problem is None
    assert set(before.keys) == {"theme", "font"}

    old = resolve_codec()
    monkeypatch.setenv("SESSIONKEEPER_KEY", OTHER_KEY)
    new = resolve_codec()
    rotate_keys(desktop.data, desktop.user, old, new)
    assert "sync" in {item.kind for item in key_status(desktop.data, desktop.user)}
    after, problem = read_local_sync(paths, new, "desktop")
    assert problem is None
    assert after == before
    # Under another remote-host name, the document is this machine's still (its stamps keep the old name).
    renamed, problem = read_local_sync(paths, new, "desktop-2")
    assert problem is None
    assert renamed.keys == before.keys
    assert renamed.host == "desktop-2"


def test_a_damaged_user_store_here_loses_nothing_elsewhere(tmp_path: Path, remote_url: TargetURL) -> None:
    laptop, desktop = machines(tmp_path, remote_url, "laptop", "desktop")
    desktop.set("theme", "dark")
    desktop.set("font", "mono")
    desktop.push()
    laptop.pull()
    laptop.push()
    paths = user_store_paths(desktop.user)
    sealed = bytearray(paths.snapshot.read_bytes())
    sealed[len(sealed) // 2] ^= 0x01  # the snapshot fails its authentication: the backup is older
    paths.snapshot.write_bytes(bytes(sealed))
    for epoch in paths.journal_epochs():
        paths.journal(epoch).unlink()
    result = desktop.pull()  # a damaged store's missing keys are not deletes, here or anywhere
    assert result.warnings
    assert by_key(result) == {"font": ("took", "desktop", ())}  # the desktop's write, from the laptop
    assert desktop.values() == {"font": "mono", "theme": "dark"}
    assert paths.corrupt.exists()  # set aside by the checkpoint of the pull's write: no deletes yet
    desktop.push()
    assert laptop.pull().keys == ()
    assert laptop.values() == {"font": "mono", "theme": "dark"}
