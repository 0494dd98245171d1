"""Salvage keeps what the journals hold when snapshot and backup are damaged, under every codec,
also once the first journal was compacted away (it decided "plain files" under encryption)."""

from __future__ import annotations

from tests.store_spec.adapter import content, load
from tests.store_spec.conftest import MakeStore
from tests.store_spec.test_damage import SNAPSHOT_DAMAGE, _checkpointed_twice


def test_salvage_keeps_what_the_journals_hold_when_snapshot_and_backup_are_damaged(
    make_store: MakeStore,
) -> None:
    store = _checkpointed_twice(make_store)
    store.close()
    for path in (store.paths.snapshot, store.paths.backup):
        path.write_bytes(SNAPSHOT_DAMAGE["truncated"](path.read_bytes()))
    assert 1 not in store.paths.journal_epochs()  # compacted away by the second checkpoint
    salvaged = load(store.kind, store.directory, salvage=True)  # CorruptSessionError on zstd-aes/-chacha
    assert salvaged.report.dropped
    assert content(salvaged)[0]["journal_only"] == "acknowledged, never checkpointed"
    assert content(make_store().open(salvage=True))[0]["journal_only"] == "acknowledged, never checkpointed"
