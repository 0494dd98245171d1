"""Compressed journals: records compressed against a dictionary that the journal itself holds.

Under zstd, once a writer has appended 8 KiB to a journal, its records are compressed against a
dictionary of its recent records, written into the journal (twice) with the first record that
names it. Every record still checks and opens on its own; the dictionary only has to come first.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from sessionkeeper.core import (
    Codec,
    CodecSettings,
    IntegrityError,
    Key,
    Keyring,
    LimitExceededError,
    SessionManager,
    StateScope,
    resolve_codec,
    session_paths,
)
from sessionkeeper.core.codec.dictionary import MAX_DICTIONARY_BYTES, CompressionDictionary
from sessionkeeper.core.codec.envelope import DICTIONARY_FLAG, inspect_envelope
from sessionkeeper.core.storage import journal
from sessionkeeper.core.storage.catalog import app_store_paths
from tests.conftest import journal_scan, run_python
from tests.sealed_journal import (
    HEAD,
    frames,
    is_dictionary,
    names_dictionary,
    opened,
    record_context,
    record_kinds,
)

pytestmark = pytest.mark.codecs(
    "zstd", "zstd-aes", "zstd-chacha", reason="a dictionary is made only when records are compressed"
)

Reopen = Callable[..., SessionManager]

TASKS = {
    f"task:{n:05d}": {"status": ("done", "failed")[n % 2], "tries": n % 4, "secs": n / 7, "tags": ["ci"]}
    for n in range(1500)
}


def _journals(data_dir: Path, session_id: str) -> list[Path]:
    return sorted(session_paths(data_dir, session_id).aux.glob("*.journal"))


def _crashed_session(reopen: Reopen, values: dict[str, Any], checkpoint_after: int | None = None) -> str:
    manager = reopen()
    session_id = manager.start()
    for index, (key, value) in enumerate(values.items()):
        manager.set(key, value)
        if index == checkpoint_after:
            assert manager.checkpoint()
    manager.abandon()  # as a crash leaves it: everything is in the journals
    return session_id


def _resumed(reopen: Reopen, session_id: str) -> dict[str, Any]:
    manager = reopen()
    manager.resume(session_id)
    values = {key: manager.get(key) for key in manager.keys()}  # noqa: SIM118 - a manager, not a dict
    manager.abandon()
    return values


def test_a_long_journal_holds_its_dictionary_before_the_records_that_name_it(
    data_dir: Path, reopen: Reopen
) -> None:
    session_id = _crashed_session(reopen, TASKS)
    (path,) = _journals(data_dir, session_id)
    kinds = record_kinds(path, session_paths(data_dir, session_id))
    first_named = kinds.index("d")
    # Plain records until 8 KiB, then the dictionary twice, then records that name it.
    assert kinds[first_named - 2 : first_named] == ["Z", "Z"]
    assert set(kinds[1 : first_named - 2]) == {"r"}
    assert set(kinds[first_named:]) == {"d"}
    assert kinds.count("Z") == 2
    scanned = journal_scan(path)
    assert not scanned.damage
    assert len(scanned.records) == len(TASKS)  # the dictionary is not one of the records
    assert all(record[0] == "S" for record in scanned.records)
    assert _resumed(reopen, session_id) == TASKS


def test_every_journal_a_writer_starts_gets_the_dictionary_again(data_dir: Path, reopen: Reopen) -> None:
    session_id = _crashed_session(reopen, TASKS, checkpoint_after=len(TASKS) // 2)
    journals = _journals(data_dir, session_id)
    assert len(journals) == 2
    for path in journals:
        kinds = record_kinds(path, session_paths(data_dir, session_id))
        assert kinds.count("Z") == 2
        assert kinds.index("Z") < kinds.index("d")
    assert _resumed(reopen, session_id) == TASKS


def test_tiny_records_get_a_dictionary_too(data_dir: Path, reopen: Reopen) -> None:
    """Payloads of a dozen bytes: the recent ones hold less than 4 KiB, and still make one."""
    tiny = {f"k{n}": n for n in range(1500)}
    session_id = _crashed_session(reopen, tiny)
    (path,) = _journals(data_dir, session_id)
    kinds = record_kinds(path, session_paths(data_dir, session_id))
    assert kinds.count("Z") == 2
    assert kinds[-1] == "d"
    assert _resumed(reopen, session_id) == tiny


@pytest.mark.codecs("zstd", reason="sizes: encryption adds a nonce and a tag to every record")
def test_a_compressed_journal_is_smaller_than_the_plain_records_it_holds(
    data_dir: Path, reopen: Reopen
) -> None:
    session_id = _crashed_session(reopen, TASKS)
    (path,) = _journals(data_dir, session_id)
    plain = sum(
        HEAD.size + len(journal.set_payload(key, orjson.dumps(value))) for key, value in TASKS.items()
    )
    # Each record compressed alone was ~1.24x its plain size; against the dictionary ~0.75x.
    assert path.stat().st_size < 0.85 * plain


def test_one_damaged_copy_of_the_dictionary_loses_no_record(data_dir: Path, reopen: Reopen) -> None:
    session_id = _crashed_session(reopen, TASKS)
    (path,) = _journals(data_dir, session_id)
    data = bytearray(path.read_bytes())
    paths = session_paths(data_dir, session_id)
    first, _ = next(frame for frame in frames(bytes(data))[1:] if is_dictionary(paths, frame[1]))
    data[first + HEAD.size + 20] ^= 0x10  # a bit of the first copy's body: its checksum fails
    path.write_bytes(bytes(data))
    scanned = journal_scan(path)
    assert len(scanned.damage) == 1
    assert len(scanned.records) == len(TASKS)
    assert _resumed(reopen, session_id) == TASKS


def test_without_its_dictionary_a_record_is_damage_never_a_wrong_value(
    data_dir: Path, reopen: Reopen
) -> None:
    session_id = _crashed_session(reopen, TASKS)
    (path,) = _journals(data_dir, session_id)
    data, paths = path.read_bytes(), session_paths(data_dir, session_id)
    copies = [(pos, payload) for pos, payload in frames(data)[1:] if is_dictionary(paths, payload)]
    # Both copies replaced by a dictionary of the same id and other text, sealed and bound as the
    # writer does: it is not the one the id names, so it is not used, and the records fail to open.
    named_id = orjson.loads(opened(paths, copies[0][1]))[1]
    forged = journal.frame(
        resolve_codec().seal(orjson.dumps(["Z", named_id, "x" * 4096]), record_context(paths)),
        journal.record_seed(session_id),
    )
    start, end = copies[0][0], copies[1][0] + HEAD.size + len(copies[1][1])
    path.write_bytes(data[:start] + forged + forged + data[end:])
    scanned = journal_scan(path)
    named = sum(1 for _, payload in frames(path.read_bytes()) if names_dictionary(payload))
    assert named > 500
    assert len(scanned.records) == len(TASKS) - named
    assert sum(damage.length for damage in scanned.damage) > 0
    assert not any(damage.torn_tail for damage in scanned.damage)
    resumed = _resumed(reopen, session_id)
    assert len(resumed) == len(TASKS) - named
    assert all(TASKS[key] == value for key, value in resumed.items())


def test_a_dictionary_over_its_size_limit_is_never_used(data_dir: Path, reopen: Reopen) -> None:
    """A well-sealed "Z" record holding 100 KB of text (over MAX_DICTIONARY_BYTES) and a record
    compressed against it, appended: the record is damage, every value before it is still there."""
    session_id = _crashed_session(reopen, TASKS)
    (path,) = _journals(data_dir, session_id)
    paths = session_paths(data_dir, session_id)
    huge = CompressionDictionary("y" * (MAX_DICTIONARY_BYTES + 1))
    codec, context, seed = resolve_codec(), record_context(paths), journal.record_seed(session_id)
    planted = journal.frame(codec.seal(journal.dictionary_payload(huge), context), seed)
    planted += journal.frame(codec.seal(journal.set_payload("planted", b'"yyyy"'), context, huge), seed)
    with path.open("ab") as file:
        file.write(planted)
    scanned = journal_scan(path)
    assert [record[1] for record in scanned.records] == list(TASKS)  # "planted" is not among them
    assert scanned.damage
    assert not scanned.damage[-1].torn_tail
    assert _resumed(reopen, session_id) == TASKS


_CHECKPOINT_APP = """
from sessionkeeper.core import SessionManager, StateScope
manager = SessionManager(handle_signals=False)
manager.start()
manager.set("child", 1, StateScope.APP)  # a change of its own: its checkpoint seals APP's journal
assert manager.checkpoint()
manager.abandon()
"""


def test_a_record_that_lands_in_a_journal_another_process_started_brings_the_dictionary(
    data_dir: Path, user_dir: Path, reopen: Reopen
) -> None:
    """The APP store is shared: another process's checkpoint starts the next journal, which this
    process follows. A record it framed against its dictionary lands there with the dictionary."""
    manager = reopen()
    manager.start()
    for key, value in list(TASKS.items())[:400]:
        manager.set(key, value, StateScope.APP)
    env = dict(os.environ, SESSIONKEEPER_DATA_DIR=str(data_dir), SESSIONKEEPER_USER_DIR=str(user_dir))
    code, _, err = run_python(_CHECKPOINT_APP, env)
    assert code == 0, err
    manager.set("after", {"status": "done", "tries": 1, "secs": 0.5, "tags": ["ci"]}, StateScope.APP)
    manager.abandon()
    paths = app_store_paths(data_dir)
    newest = paths.journal(max(paths.journal_epochs()))
    kinds = record_kinds(newest, paths)
    assert kinds == ["H", "Z", "Z", "d"]
    assert journal_scan(newest).records[-1][1] == "after"
    resumed = reopen()
    resumed.start()
    assert resumed.get("after", StateScope.APP) == {"status": "done", "tries": 1, "secs": 0.5, "tags": ["ci"]}
    assert all(resumed.get(key, StateScope.APP) == value for key, value in list(TASKS.items())[:400])
    assert resumed.get("child", StateScope.APP) == 1


# -- the envelope ----------------------------------------------------------------------------------
KEY = Key.from_material(bytes(range(32)))
DICTIONARY = CompressionDictionary(
    "".join(journal.set_payload(key, orjson.dumps(value)).decode() for key, value in TASKS.items())[-4096:]
)
RECORD = journal.set_payload(
    "task:99999", orjson.dumps({"status": "done", "tries": 2, "secs": 0.5, "tags": ["ci"]})
)


def _codec(cipher: str | None) -> Codec:
    return Codec(CodecSettings(compression="zstd", cipher=cipher), Keyring([KEY]))


@pytest.mark.codecs("zstd", reason="builds its own codecs")
@pytest.mark.parametrize("cipher", [None, "aes-256-gcm", "chacha20-poly1305"])
def test_a_blob_sealed_against_a_dictionary_opens_only_with_that_dictionary(cipher: str | None) -> None:
    codec = _codec(cipher)
    sealed = codec.seal(RECORD, b"context", DICTIONARY)
    assert len(sealed) < len(codec.seal(RECORD, b"context"))  # the point of it
    assert codec.open(sealed, b"context", "record", dictionaries={DICTIONARY.id: DICTIONARY}) == RECORD
    assert inspect_envelope(sealed).compressed
    other = CompressionDictionary("y" * 4096)
    for dictionaries in (None, {}, {other.id: other}, {DICTIONARY.id: other}):
        with pytest.raises(IntegrityError):
            codec.open(sealed, b"context", "record", dictionaries=dictionaries)


@pytest.mark.codecs("zstd", reason="builds its own codecs")
@pytest.mark.parametrize("cipher", ["aes-256-gcm", "chacha20-poly1305"])
def test_the_dictionary_id_is_authenticated_with_the_header(cipher: str) -> None:
    """Renaming the dictionary in an encrypted blob fails to open, even with both dictionaries."""
    codec = _codec(cipher)
    sealed = bytearray(codec.seal(RECORD, b"context", DICTIONARY))
    other = CompressionDictionary("y" * 4096)
    sealed[16:20] = other.id.to_bytes(4, "big")
    with pytest.raises(IntegrityError):
        codec.open(bytes(sealed), b"context", "r", dictionaries={DICTIONARY.id: DICTIONARY, other.id: other})


@pytest.mark.codecs("zstd", reason="builds its own codecs")
def test_a_dictionary_flag_without_compression_or_without_its_id_is_refused() -> None:
    sealed = _codec(None).seal(RECORD, b"context", DICTIONARY)
    without_zstd = sealed[:5] + bytes([DICTIONARY_FLAG]) + sealed[6:]
    cut = sealed[:18]
    for blob in (without_zstd, cut):
        with pytest.raises(IntegrityError):
            _codec(None).open(blob, b"context", "r", dictionaries={DICTIONARY.id: DICTIONARY})


@pytest.mark.codecs("zstd", reason="builds its own codecs")
def test_a_dictionary_frame_declaring_more_than_the_limit_is_refused_before_it_is_inflated() -> None:
    big = b'["S","k","' + b"a" * 100_000 + b'"]'
    sealed = _codec(None).seal(big, b"context", DICTIONARY)
    with pytest.raises(LimitExceededError):
        _codec(None).open(sealed, b"context", "r", limit=1000, dictionaries={DICTIONARY.id: DICTIONARY})
