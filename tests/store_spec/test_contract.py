"""The Store contract: what any owner of a store may rely on, whatever the codec.

Each case runs for both kinds of store (a USER/APP-like scope store and a session store) and, via
the folder's conftest, under every codec of the matrix.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from sessionkeeper.core.errors import LimitExceededError, SaveError
from sessionkeeper.core.limits import RECORDS_ENV, STORE_ENV, Limits
from tests.conftest import stored_document
from tests.store_spec.adapter import KINDS, SpecStore, StoreKind, content, load
from tests.store_spec.conftest import MakeStore

# Values of every JSON shape, including text the encoders must not mangle.
VALUES: dict[str, Any] = {
    "text": "authentication",
    "unicode": "Grüße, 世界 \u2028 \U0001f600",
    "number": 12345678901234567890,
    "float": 0.1,
    "flag": False,
    "nothing": None,
    "list": [1, "two", [3.0, None]],
    "object": {"nested": {"deeper": ["x"]}, "": "empty key"},
    "": "the empty key",
}
STORE_FILE_SUFFIXES = (".json", ".json.bak", ".journal")


def _data_files(directory: Path) -> list[str]:
    """Snapshots, backups and journals under ``directory`` (what holds a store's data)."""
    return sorted(
        str(path.relative_to(directory))
        for path in directory.rglob("*")
        if path.is_file() and path.name.endswith(STORE_FILE_SUFFIXES)
    )


def _fill(store: SpecStore) -> None:
    for key, value in VALUES.items():
        store.set(key, value)
    if store.kind.events:
        for n in range(3):
            store.record({"kind": "task_started", "task_id": f"t{n}"})


# -- opening ------------------------------------------------------------------------------------------


def test_open_on_an_empty_directory_writes_no_data_until_the_first_append(
    make_store: MakeStore, kind: StoreKind, workdir: Path
) -> None:
    store = make_store(workdir / "fresh")
    loaded = store.open()
    assert content(loaded) == ({}, [])
    assert loaded.report.source == "empty"
    assert loaded.report.dropped == loaded.report.warnings == ()
    assert _data_files(workdir) == []
    assert not store.paths.exists()
    # What a writer does make (storage/layout.py): its lock files and, for a store with a shared
    # name, the identity file naming the store's new id (storage/identity.py).
    made = {"compact", "live", "lock"} | ({"identity"} if kind.shared_name else set())
    assert sorted(str(p.relative_to(workdir)) for p in workdir.rglob("*") if p.is_file()) == sorted(
        f"fresh/{store.paths.aux.name}/{name}" for name in made
    )
    store.set("first", 1)
    assert store.paths.journal_epochs(), "the first append starts a journal"
    assert content(load(store.kind, store.directory))[0] == {"first": 1}


def test_appended_values_come_back_after_reopening(make_store: MakeStore) -> None:
    store = make_store()
    store.open()
    _fill(store)
    expected = store.content()
    store.close()

    loaded = load(store.kind, store.directory)
    assert content(loaded) == expected
    assert loaded.report.dropped == loaded.report.warnings == ()
    again = make_store()
    assert content(again.open()) == expected


def test_a_later_set_replaces_the_value_and_a_delete_removes_it(make_store: MakeStore) -> None:
    store = make_store()
    store.open()
    store.set("kept", 1)
    store.set("replaced", "old")
    store.set("in_snapshot", "gone soon")
    store.checkpoint()
    store.set("replaced", "new")
    store.set("journal_only", "gone too")
    store.delete("in_snapshot")
    store.delete("journal_only")
    store.delete("never_there")  # a delete of a missing key changes nothing
    expected = {"kept": 1, "replaced": "new"}
    assert store.content()[0] == expected
    assert content(load(store.kind, store.directory))[0] == expected
    store.close()
    assert dict(make_store().open().values) == expected


@pytest.mark.parametrize("kind", [KINDS["session"]], ids=["session"])  # scope stores have no events
def test_events_come_back_in_the_order_they_were_appended(make_store: MakeStore, kind: StoreKind) -> None:
    store = make_store()
    store.open()
    events = [{"kind": "task_started", "task_id": f"t{n}", "n": n} for n in range(12)]
    for n, event in enumerate(events):
        store.record(event)
        store.set("count", n)  # interleaved with sets: one journal, one order
        if n in (3, 7):
            store.checkpoint()
    assert content(load(kind, store.directory)) == ({"count": 11}, events)
    store.close()
    assert make_store().open().events == events


# -- checkpoints --------------------------------------------------------------------------------------


def test_a_checkpoint_compacts_and_a_reload_equals_memory(make_store: MakeStore) -> None:
    store = make_store()
    paths = store.paths
    store.open()
    for round_ in range(5):
        _fill(store)
        store.set("round", round_)
        store.checkpoint()
        loaded = load(store.kind, store.directory)
        assert content(loaded) == store.content()
        assert loaded.report.source == "snapshot"
        assert loaded.report.journal_records == 0, "the snapshot holds everything appended"
        epochs = paths.journal_epochs()
        if paths.backup.exists():
            # A journal goes once the backup contains it too: falling back to the backup then
            # still finds every later record in a journal.
            in_backup = stored_document(paths.backup)["journal_epoch"]
            assert all(epoch > in_backup for epoch in epochs), (epochs, in_backup)
            assert stored_document(paths.snapshot)["journal_epoch"] > in_backup
    assert len(paths.journal_epochs()) <= 2, paths.journal_epochs()
    for _ in range(3):  # idle checkpoints: the journals stay few, nothing is lost
        store.checkpoint()
    assert len(paths.journal_epochs()) <= 2, paths.journal_epochs()
    assert content(load(store.kind, store.directory)) == store.content()
    store.close()
    assert content(make_store().open()) == store.content()


# -- foreign files ------------------------------------------------------------------------------------


def test_a_journal_copied_from_another_store_is_ignored_and_reported(
    make_store: MakeStore, kind: StoreKind, workdir: Path
) -> None:
    """Another store of the same kind (another project's ``app``, another session) writes two
    journals; its second is copied in as this store's next epoch: a header naming another store
    is never replayed, and its records are bound to the other store's id anyway."""
    elsewhere = workdir / "elsewhere"
    for n in range(2):
        other = make_store(elsewhere, other=True)
        other.open()
        other.set("foreign", f"from the other store {n}")
        other.close()
    store = make_store(workdir / "ours")
    store.open()
    store.set("ours", 1)
    store.close()
    ours, theirs = store.paths, other.paths
    assert ours.journal_epochs() == theirs.journal_epochs()[:1] == [1]
    planted = ours.journal(2)
    shutil.copyfile(theirs.journal(2), planted)

    loaded = load(kind, store.directory)
    assert content(loaded)[0] == {"ours": 1}
    assert any(planted.name in line for line in loaded.report.dropped), loaded.report
    writer = make_store(workdir / "ours")
    assert dict(writer.open().values) == {"ours": 1}
    writer.set("after", 2)
    writer.checkpoint()
    assert content(load(kind, store.directory))[0] == {"ours": 1, "after": 2}


# -- limits -------------------------------------------------------------------------------------------


def test_a_store_over_the_load_limits_is_refused_with_limit_exceeded_error(make_store: MakeStore) -> None:
    store = make_store()
    store.open()
    _fill(store)
    store.checkpoint()
    for n in range(10):
        store.set(f"journal_{n}", "x" * 200)
    store.close()
    loaded = load(store.kind, store.directory)
    used, records = loaded.loaded_bytes, loaded.loaded_records
    assert content(load(store.kind, store.directory, limits=Limits(max_store_bytes=used))) == content(loaded)

    for limits, setting in (
        (Limits(max_store_bytes=used - 1), STORE_ENV),
        (Limits(max_store_bytes=used // 2), STORE_ENV),
        (Limits(max_records=records - 1), RECORDS_ENV),
    ):
        with pytest.raises(LimitExceededError) as raised:
            load(store.kind, store.directory, limits=limits)
        assert raised.value.setting == setting
        assert setting in str(raised.value)
        with pytest.raises(LimitExceededError):
            make_store(limits=limits).open()


def test_a_checkpoint_too_large_to_load_again_is_refused_and_the_journals_keep_everything(
    make_store: MakeStore,
) -> None:
    store = make_store()
    store.open()
    store.set("small", 1)
    store.checkpoint()
    store.close()
    size = os.path.getsize(store.paths.snapshot)
    tight = make_store(limits=Limits(max_store_bytes=size + 4096))
    tight.open()
    tight.set("large", "y" * 8192)  # the owner admits writes (SessionManager._admit); the store does not
    with pytest.raises(SaveError) as raised:
        tight.checkpoint()
    assert raised.value.errno == errno.EFBIG
    assert STORE_ENV in str(raised.value)
    assert tight.paths.read_last_save_error() is not None
    assert content(load(store.kind, store.directory)) == tight.content()


# -- reading changes nothing --------------------------------------------------------------------------


def _tree(root: Path) -> dict[str, tuple[int, int, int, bytes]]:
    """Every entry under ``root``: mode, size, mtime and (files) content."""
    listing: dict[str, tuple[int, int, int, bytes]] = {}
    for directory, names, files in os.walk(root):
        for name in [*names, *files]:
            path = Path(directory) / name
            st = path.lstat()
            data = path.read_bytes() if path.is_file() else b""
            listing[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, data)
    return listing


def _reads(kind: StoreKind, directory: Path) -> None:
    """Everything a reader does: load (salvaging too), several times."""
    for salvage in (False, True, False):
        load(kind, directory, salvage=salvage)


def test_reading_never_creates_or_changes_a_file(
    make_store: MakeStore, kind: StoreKind, workdir: Path
) -> None:
    missing = workdir / "missing"
    assert content(load(kind, missing)) == ({}, [])
    assert not missing.exists()

    store = make_store(workdir / "store")
    store.open()
    _fill(store)
    store.checkpoint()
    store.set("after", 1)
    store.checkpoint()
    store.set("journal_only", 2)
    store.close()
    root = store.directory

    def unchanged_by_reading() -> None:
        before = _tree(root)
        _reads(kind, root)
        assert _tree(root) == before

    unchanged_by_reading()
    snapshot = store.paths.snapshot
    snapshot.write_bytes(snapshot.read_bytes()[:-7])  # damaged: the backup is read, nothing repaired
    unchanged_by_reading()
    with store.paths.journal(store.paths.journal_epochs()[-1]).open("ab") as file:
        file.write(b"\xa5\x10\x00")  # a torn tail is reported, never cut by a reader
    unchanged_by_reading()
    if kind.shared_name:
        store.paths.identity.unlink()  # a reader never gives a store an id
        unchanged_by_reading()
    assert content(load(kind, root))[0]["journal_only"] == 2
