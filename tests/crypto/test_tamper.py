"""Damaged, tampered, swapped, moved and wrongly keyed files are detected, never loaded as data.

The 1,000-trial tests damage a session that a crashed child process left behind: a snapshot, its
backup, the journal the snapshot covers (still kept for the backup) and the current journal.
Each trial flips one bit (anywhere, with extra weight on envelope headers), or flips a bit inside a
journal record's sealed payload and recomputes the record's CRC (deliberate tampering, which only
the codec can catch), or truncates a file. Then the session is read and verified:

* the state read must be legitimate: every value one that was written to that key, the events a
  subsequence of those recorded, and anything short of the final state reported (LoadReport) —
  except a journal cut exactly at a record boundary, which is indistinguishable from fewer
  writes and must then give exactly an earlier state;
* the damage must be noticed, by the load's report or by ``verify_store``;
* loading must not fail: one damaged file always leaves a good path (backup + journals).

With compression only nothing is authenticated: a flip there may also be harmless (a header byte
that carries no meaning, zstd's checksum flag), and then the file must decode to exactly the same
bytes as before.
"""

from __future__ import annotations

import os
import random
import stat
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest

from sessionkeeper.core import (
    Codec,
    CorruptSessionError,
    DecryptionError,
    IntegrityError,
    Key,
    KeyConfigurationError,
    KeyRequiredError,
    Keyring,
    SessionkeeperError,
    SessionManager,
    StateScope,
    generate_key,
    inspect_envelope,
    list_sessions,
    read_session,
    resolve_codec,
    rotate_keys,
    session_paths,
    verify_store,
    write_key_file,
)
from sessionkeeper.core.codec.dictionary import CompressionDictionary
from sessionkeeper.core.storage import journal
from sessionkeeper.core.storage.layout import StorePaths, journal_context, snapshot_context
from tests import journal_records as plain_records
from tests.conftest import run_python
from tests.crypto.support import (
    b64,
    child_env,
    crashed_session,
    digests,
    journal_records,
    replace_file,
    sealing,
    values_of,
)

Reopen = Callable[..., SessionManager]

TRIALS = 1000
FIXED_HEADER = 16  # magic, version, flags, algorithm, kdf, key id
NONCE = 12
HEADER_SPAN = 40  # envelope header + nonce + the start of a zstd frame
KEY_ID = range(8, 16)


# -- the damaged session -------------------------------------------------------------------------
def _history(token: str) -> list[list[Any]]:
    """What the child does: three generations of writes, the last one never checkpointed."""
    ops: list[list[Any]] = [["set", f"k{i:02d}", f"A{i}-{token}"] for i in range(12)]
    ops += [["event", f"event-A-{token}"], ["checkpoint"]]
    ops += [["set", f"k{i:02d}", f"B{i}-{token}"] for i in range(6)]
    ops += [["delete", "k11"], ["event", f"event-B-{token}"], ["checkpoint"]]
    ops += [["set", f"k{i:02d}", {"C": i, "token": token}] for i in range(6, 20)]
    ops += [["delete", "k10"], ["event", f"event-C-{token}"]]
    return ops


@dataclass
class History:
    """Every legitimate state of the session: one after each acknowledged operation."""

    ops: list[list[Any]]
    states: list[tuple[dict[str, Any], tuple[str, ...]]] = field(default_factory=list)
    written: dict[str, list[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        values: dict[str, Any] = {}
        events: tuple[str, ...] = ()
        self.states.append((dict(values), events))
        for op in self.ops:
            if op[0] == "checkpoint":
                continue
            if op[0] == "set":
                values[op[1]] = op[2]
                self.written.setdefault(op[1], []).append(op[2])
            elif op[0] == "delete":
                del values[op[1]]
            else:
                events = (*events, op[1])
            self.states.append((dict(values), events))

    @property
    def final(self) -> tuple[dict[str, Any], tuple[str, ...]]:
        return self.states[-1]

    def legitimate(self, values: dict[str, Any], events: tuple[str, ...]) -> bool:
        """Nothing that was never written: each value one written to its key, events in order."""
        if any(value not in self.written.get(key, []) for key, value in values.items()):
            return False
        recorded = iter(self.final[1])
        return all(event in recorded for event in events)


@dataclass
class Subject:
    """A crashed session's files, their pristine bytes, and how to read them."""

    data_dir: Path
    session_id: str
    paths: StorePaths
    codec: Codec
    history: History
    authenticated: bool
    pristine: dict[Path, bytes]


MODES: dict[str, tuple[str | None, str | None]] = {
    "aes-256-gcm": ("aes-256-gcm", None),
    "chacha20-poly1305+zstd": ("chacha20-poly1305", "zstd"),
    "zstd-only": (None, "zstd"),
}


def _mode_env(key: Key, cipher: str | None, compression: str | None) -> dict[str, str]:
    extra: dict[str, str] = {}
    if cipher is not None:
        extra |= {"SESSIONKEEPER_KEY": b64(key), "SESSIONKEEPER_CIPHER": cipher}
    if compression is not None:
        extra["SESSIONKEEPER_COMPRESSION"] = compression
    return child_env(**extra)


def make_subject(data_dir: Path, mode: str, marker: str = "t0") -> Subject:
    cipher, compression = MODES[mode]
    key = generate_key()
    ops = _history(marker)
    session_id = crashed_session(ops, _mode_env(key, cipher, compression))
    paths = session_paths(data_dir, session_id)
    files = [paths.snapshot, paths.backup] + [paths.journal(e) for e in paths.journal_epochs()]
    assert len(files) == 4, sorted(os.listdir(paths.directory))  # snapshot, backup, covered + current journal
    codec = (
        sealing(key, cipher=cipher, compression=compression)
        if cipher
        else sealing(cipher=None, compression=compression)
    )
    for path in files:
        envelope = inspect_envelope(
            path.read_bytes() if path.suffix != ".journal" else journal_records(path.read_bytes())[0][2]
        )
        assert envelope.encrypted == (cipher is not None), path
        assert envelope.compressed == (compression is not None), path
    return Subject(
        data_dir,
        session_id,
        paths,
        codec,
        History(ops),
        authenticated=cipher is not None,
        pristine={path: path.read_bytes() for path in files},
    )


# -- one trial ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Trial:
    target: str  # "snapshot", "backup", "covered journal", "current journal"
    how: str  # "flip", "flip header", "tamper record", "tamper record header", "truncate"
    path: Path
    data: bytes
    boundary: bool = False  # a truncation exactly at a journal record boundary


def _flip(data: bytes, offset: int, bit: int) -> bytes:
    damaged = bytearray(data)
    damaged[offset] ^= 1 << bit
    return bytes(damaged)


def _draw(subject: Subject, rng: random.Random) -> Trial:
    paths = subject.paths
    epochs = paths.journal_epochs()
    targets = {
        "snapshot": paths.snapshot,
        "backup": paths.backup,
        "covered journal": paths.journal(epochs[0]),
        "current journal": paths.journal(epochs[1]),
    }
    kind = rng.choices(
        ["snapshot", "backup", "covered journal", "current journal", "truncate"], [30, 10, 15, 25, 20]
    )[0]
    if kind == "truncate":
        target = rng.choice(list(targets))
        original = subject.pristine[targets[target]]
        cut = rng.randrange(len(original))
        boundary = target.endswith("journal") and cut in {start for start, _, _ in journal_records(original)}
        return Trial(target, "truncate", targets[target], original[:cut], boundary)
    path = targets[kind]
    original = subject.pristine[path]
    bit = rng.randrange(8)
    if not kind.endswith("journal"):
        if rng.random() < 0.4:
            return Trial(kind, "flip header", path, _flip(original, rng.randrange(HEADER_SPAN), bit))
        return Trial(kind, "flip", path, _flip(original, rng.randrange(len(original)), bit))
    start, end, payload = rng.choice(journal_records(original))
    if rng.random() < 0.5:  # plain damage: the record's CRC must catch it
        return Trial(kind, "flip", path, _flip(original, rng.randrange(start, end), bit))
    # Deliberate tampering: flip a bit of the sealed payload and make the CRC agree again.
    header = rng.random() < 0.5
    offset = rng.randrange(min(HEADER_SPAN, len(payload))) if header else rng.randrange(len(payload))
    forged = _flip(payload, offset, bit)
    record = journal.frame(forged)
    how = "tamper record header" if header else "tamper record"
    return Trial(kind, how, path, original[:start] + record + original[end:])


def _decodes_identically(subject: Subject, trial: Trial) -> bool:
    """For unauthenticated (compression-only) files: does the damaged file still decode to the same?"""
    codec, name = subject.codec, subject.paths.name
    original = subject.pristine[trial.path]
    try:
        if trial.target.endswith("journal"):

            def opener(
                payload: bytes,
                *,
                limit: int = 1 << 30,
                dictionaries: dict[int, CompressionDictionary] | None = None,
            ) -> bytes:
                return codec.open(payload, journal_context(name), "journal", limit, dictionaries)

            before, after = journal.scan(original, opener), journal.scan(trial.data, opener)
            return (before.header, before.records, after.damage) == (after.header, after.records, [])
        context = snapshot_context(name)
        return codec.open(trial.data, context, "file") == codec.open(original, context, "file")
    except SessionkeeperError:
        return False


def judge(subject: Subject, trial: Trial) -> str:
    """``ok: ...`` or what went wrong, for one damaged file (put in place by the caller)."""
    history = subject.history
    try:
        view = read_session(subject.data_dir, subject.session_id, subject.codec)
    except SessionkeeperError as exc:
        return f"REFUSED with {type(exc).__name__} although the backup and journals were intact: {exc}"
    values = values_of(view)
    events = tuple(str(event["id"]) for event in view.event_data)
    if not history.legitimate(values, events):
        return f"LOADED AS DATA: {values} {events}"
    reported = bool(view.report.warnings or view.report.dropped)
    check = verify_store(subject.paths, "session", subject.codec)
    noticed = reported or bool(check.problems or check.notes)
    state = (values, events)
    if state != history.final and not reported:
        if trial.boundary and state in history.states:
            return "ok: cut at a record boundary, an earlier state"
        return f"SILENT LOSS: {state} loaded without a report"
    if noticed:
        return "ok: reported" if reported else "ok: found by verify_store"
    if trial.boundary:
        return "ok: cut at a record boundary of a journal the snapshot covers"
    if not subject.authenticated and _decodes_identically(subject, trial):
        return "ok: harmless (unauthenticated bytes, same content)"
    return "UNDETECTED: the damage was neither reported nor found by verify_store"


def run_trials(subject: Subject, trials: int, seed: int) -> tuple[Counter[str], list[str]]:
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    for number in range(trials):
        trial = _draw(subject, rng)
        replace_file(trial.path, trial.data)
        try:
            verdict = judge(subject, trial)
        finally:
            replace_file(trial.path, subject.pristine[trial.path])
        category = verdict if verdict.startswith("ok") else verdict.split(":")[0]
        outcomes[f"{trial.target} / {trial.how}: {category}"] += 1
        if not verdict.startswith("ok"):
            failures.append(f"#{number} {trial.target} / {trial.how}: {verdict}")
    return outcomes, failures


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(MODES))
def test_a_thousand_flips_and_truncations_are_each_detected_and_never_loaded_as_data(
    data_dir: Path, mode: str
) -> None:
    subject = make_subject(data_dir, mode)
    # Untouched, the crashed session reads back whole and clean.
    view = read_session(subject.data_dir, subject.session_id, subject.codec)
    assert (
        values_of(view),
        tuple(e["id"] for e in view.event_data),
    ) == subject.history.final
    assert view.report.dropped == ()
    assert verify_store(subject.paths, "session", subject.codec).problems == ()

    outcomes, failures = run_trials(subject, TRIALS, seed=sum(map(ord, mode)))
    table = "\n".join(f"  {count:4d}  {name}" for name, count in sorted(outcomes.items()))
    kinds = Counter(failure.split(": ")[1].split(" ")[0] for failure in failures)
    print(f"\n{mode}: {TRIALS} damaged files, {len(failures)} mishandled\n{table}")
    assert failures == [], (
        f"{len(failures)} of {TRIALS} damaged files were mishandled ({dict(kinds)}):\n"
        + "\n".join(failures[:25])
        + f"\n\nall outcomes:\n{table}"
    )
    assert sum(outcomes.values()) == TRIALS


# -- the key id is header data like any other ---------------------------------------------------
def test_a_flipped_bit_in_the_snapshots_key_id_is_damage_and_the_backup_is_used(data_dir: Path) -> None:
    """A damaged key id is damage like any other: reported, and the intact backup is used."""
    subject = make_subject(data_dir, "aes-256-gcm")
    original = subject.pristine[subject.paths.snapshot]
    replace_file(subject.paths.snapshot, _flip(original, KEY_ID[3], 5))
    view = read_session(subject.data_dir, subject.session_id, subject.codec)
    assert view.report.source == "backup"
    assert view.report.dropped
    assert values_of(view) == subject.history.final[0]


def test_a_journal_record_whose_key_id_was_tampered_with_is_dropped_and_reported(data_dir: Path) -> None:
    subject = make_subject(data_dir, "aes-256-gcm")
    current = subject.paths.journal(subject.paths.journal_epochs()[-1])
    original = subject.pristine[current]
    start, end, payload = journal_records(original)[3]  # the third change after the last checkpoint
    replace_file(current, original[:start] + journal.frame(_flip(payload, KEY_ID[0], 0)) + original[end:])
    view = read_session(subject.data_dir, subject.session_id, subject.codec)
    assert view.report.dropped
    values = values_of(view)
    assert subject.history.legitimate(values, tuple(e["id"] for e in view.event_data))
    assert values["k08"] == "A8-t0"  # that one change is lost, and said to be
    assert values["k09"] == {"C": 9, "token": "t0"}  # the next ones are not


def test_a_plain_record_spliced_into_a_sealed_journal_is_not_loaded_as_data(data_dir: Path) -> None:
    """A journal whose header is sealed was written sealed: an unsealed record in it is forged."""
    subject = make_subject(data_dir, "aes-256-gcm")
    current = subject.paths.journal(subject.paths.journal_epochs()[-1])
    forged = plain_records.set_record("k00", orjson.dumps("forged, never written"))
    replace_file(current, subject.pristine[current] + forged)
    view = read_session(subject.data_dir, subject.session_id, subject.codec)
    assert view.get("k00") != "forged, never written"
    assert view.report.dropped or view.report.warnings
    assert verify_store(subject.paths, "session", subject.codec).problems


# -- wrong key, no key --------------------------------------------------------------------------
def _encrypted_session(reopen: Reopen, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Key]:
    key = generate_key()
    monkeypatch.setenv("SESSIONKEEPER_KEY", b64(key))
    manager = reopen()
    session_id = manager.start()
    manager.set("owner", "me")
    manager.set("theme", "dark", StateScope.USER)
    assert manager.checkpoint()
    manager.set("after", "checkpoint")
    manager.stop()
    return session_id, key


def test_a_wrong_key_raises_decryption_error_and_rewrites_nothing(
    reopen: Reopen, data_dir: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id, key = _encrypted_session(reopen, monkeypatch)
    before = digests(data_dir, user_dir)
    wrong = generate_key()
    with pytest.raises(DecryptionError) as caught:
        read_session(data_dir, session_id, sealing(wrong))
    assert key.hex_id in str(caught.value)
    monkeypatch.setenv("SESSIONKEEPER_KEY", b64(wrong))
    with pytest.raises(DecryptionError):
        reopen().resume(session_id)
    with pytest.raises(DecryptionError):
        reopen().start()  # the USER and APP stores cannot be opened either
    assert digests(data_dir, user_dir) == before
    assert read_session(data_dir, session_id, sealing(key)).get("after") == "checkpoint"


def test_no_key_raises_key_required_error_naming_the_key_id_and_rewrites_nothing(
    reopen: Reopen, data_dir: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id, key = _encrypted_session(reopen, monkeypatch)
    monkeypatch.delenv("SESSIONKEEPER_KEY")
    before = digests(data_dir, user_dir)
    assert resolve_codec().plain
    with pytest.raises(KeyRequiredError) as caught:
        read_session(data_dir, session_id)
    assert caught.value.key_id == key.hex_id
    assert key.hex_id in str(caught.value)
    assert "SESSIONKEEPER_KEY" in str(caught.value)
    with pytest.raises(KeyRequiredError) as resumed:
        reopen().resume(session_id)
    assert resumed.value.key_id == key.hex_id
    assert digests(data_dir, user_dir) == before


# -- headers are authenticated -------------------------------------------------------------------
@pytest.mark.parametrize(("cipher", "compression"), [("aes-256-gcm", None), ("chacha20-poly1305", "zstd")])
def test_a_header_swapped_onto_another_body_fails_integrity(cipher: str, compression: str | None) -> None:
    codec = sealing(generate_key(), cipher=cipher, compression=compression)
    context = snapshot_context("session_20260101_000000_0000abcd")
    first = codec.seal(b'{"format_version": 2, "owner": "first"}', context)
    second = codec.seal(b'{"format_version": 2, "owner": "second"}', context)
    size = FIXED_HEADER + NONCE
    assert codec.open(first, context, "first") != codec.open(second, context, "second")
    for header, body in ((first, second), (second, first)):
        with pytest.raises(IntegrityError):
            codec.open(header[:size] + body[size:], context, "swapped")


@pytest.mark.parametrize(
    ("what", "edit"),
    [
        ("version", lambda blob: blob[:4] + b"\x02" + blob[5:]),
        ("compression flag", lambda blob: blob[:5] + bytes([blob[5] ^ 1]) + blob[6:]),
        ("algorithm", lambda blob: blob[:6] + b"\x02" + blob[7:]),
        ("nonce", lambda blob: _flip(blob, FIXED_HEADER + 4, 0)),
    ],
)
def test_an_edited_header_fails_integrity(what: str, edit: Callable[[bytes], bytes]) -> None:
    codec = sealing(generate_key(), cipher="aes-256-gcm", compression="zstd")
    blob = codec.seal(b'{"format_version": 2}', b"journal\0user")
    assert codec.open(blob, b"journal\0user", "intact") == b'{"format_version": 2}'
    with pytest.raises(IntegrityError):
        codec.open(edit(blob), b"journal\0user", what)


def test_a_snapshot_given_the_header_of_its_backup_is_refused_and_the_backup_is_used(data_dir: Path) -> None:
    subject = make_subject(data_dir, "aes-256-gcm")
    size = FIXED_HEADER + NONCE
    snapshot, backup = subject.pristine[subject.paths.snapshot], subject.pristine[subject.paths.backup]
    replace_file(subject.paths.snapshot, backup[:size] + snapshot[size:])
    view = read_session(subject.data_dir, subject.session_id, subject.codec)
    assert view.report.source == "backup"
    assert any("does not check out" in line for line in view.report.dropped)
    assert values_of(view) == subject.history.final[0]


# -- files moved between sessions ----------------------------------------------------------------
def test_files_copied_from_another_session_are_not_loaded_as_this_sessions_data(data_dir: Path) -> None:
    key = generate_key()
    env = _mode_env(key, "aes-256-gcm", None)
    codec = sealing(key)
    ops = [
        ["set", "owner", "A"],
        ["checkpoint"],
        ["set", "note", "A1"],
        ["checkpoint"],
        ["set", "late", "A2"],
    ]
    mine = crashed_session(ops, env)
    theirs = crashed_session([["set", "owner", "B"], ["checkpoint"], ["set", "late", "B2"]], env)
    a, b = session_paths(data_dir, mine), session_paths(data_dir, theirs)
    originals = {path: path.read_bytes() for path in (a.snapshot, a.backup)}

    with pytest.raises(IntegrityError):
        codec.open(b.snapshot.read_bytes(), snapshot_context(mine), a.snapshot.name)

    replace_file(a.snapshot, b.snapshot.read_bytes())  # same key, another session's snapshot
    view = read_session(data_dir, mine, codec)
    assert view.report.source == "backup"
    assert view.report.dropped
    assert values_of(view) == {"owner": "A", "note": "A1", "late": "A2"}

    replace_file(a.journal(a.journal_epochs()[-1]), b.journal(b.journal_epochs()[-1]).read_bytes())
    view = read_session(data_dir, mine, codec)
    assert view.report.dropped
    assert view.get("late") != "B2"
    assert view.get("owner") == "A"

    replace_file(a.backup, b.backup.read_bytes())  # now nothing of this session's snapshots is left
    with pytest.raises((CorruptSessionError, IntegrityError)):
        read_session(data_dir, mine, codec)
    for path, data in originals.items():
        replace_file(path, data)
    assert read_session(data_dir, mine, codec).get("owner") == "A"


# -- passphrases ---------------------------------------------------------------------------------
_SECOND_WRITER = """
import os
from sessionkeeper.core import SessionManager
manager = SessionManager(handle_signals=False)
manager.resume(os.environ["SK_TEST_SESSION"])
manager.set("also", "by the second writer")
manager.stop()
"""


def test_a_passphrase_opens_what_it_sealed_and_a_wrong_one_raises_decryption_error(
    reopen: Reopen, data_dir: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIONKEEPER_PASSPHRASE", "correct horse battery staple")
    first = reopen()
    assert first.codec.keyring.uses_passphrase
    session_id = first.start()
    first.set("written", "by the first writer")
    first.stop()
    # Another writer (process): a salt of its own, recorded in the envelopes it writes.
    status, _, err = run_python(_SECOND_WRITER, dict(os.environ, SK_TEST_SESSION=session_id))
    assert status == 0, err

    paths = session_paths(data_dir, session_id)
    salts = set()
    for path in (paths.snapshot, paths.backup):
        blob = path.read_bytes()
        envelope = inspect_envelope(blob)
        assert envelope.encrypted
        assert envelope.passphrase
        assert blob[FIXED_HEADER : FIXED_HEADER + 3] == bytes((17, 8, 1))  # scrypt N=2^17, r=8, p=1
        salts.add(blob[FIXED_HEADER + 3 : FIXED_HEADER + 19])
    assert len(salts) == 2

    view = read_session(data_dir, session_id, resolve_codec())  # a fresh keyring: derives from each salt
    assert view.get("written") == "by the first writer"
    assert view.get("also") == "by the second writer"
    wrong = Codec(first.codec.settings, Keyring(passphrase=b"correct horse battery stapler"))
    with pytest.raises(DecryptionError):
        read_session(data_dir, session_id, wrong)
    with pytest.raises(KeyRequiredError):
        read_session(data_dir, session_id, sealing(generate_key()))  # a raw key cannot stand in


# -- key files and configuration -----------------------------------------------------------------
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_key_file_others_can_read_is_refused(
    tmp_path: Path, mode: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keys" / "sessionkeeper.key"
    write_key_file(path, [generate_key()])
    os.chmod(path, mode)
    monkeypatch.setenv("SESSIONKEEPER_KEY_FILE", str(path))
    with pytest.raises(KeyConfigurationError, match="chmod 600"):
        resolve_codec()
    with pytest.raises(KeyConfigurationError):
        SessionManager(handle_signals=False)


def test_a_key_file_opened_up_after_first_use_is_refused_from_then_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keys" / "sessionkeeper.key"
    write_key_file(path, [generate_key()])
    monkeypatch.setenv("SESSIONKEEPER_KEY_FILE", str(path))
    assert resolve_codec().settings.cipher == "aes-256-gcm"
    os.chmod(path, 0o644)  # changes the mode, not the modification time
    with pytest.raises(KeyConfigurationError, match="chmod 600"):
        resolve_codec()


def test_a_key_file_only_its_owner_can_read_works_with_every_key_it_holds(
    reopen: Reopen, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    current, previous = generate_key(), generate_key()
    old_session = crashed_session([["set", "era", "previous"]], _mode_env(previous, "aes-256-gcm", None))
    path = tmp_path / "keys" / "sessionkeeper.key"
    write_key_file(path, [current, previous])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.setenv("SESSIONKEEPER_KEY_FILE", str(path))
    manager = reopen()
    session_id = manager.start()
    manager.set("era", "current")
    manager.stop()
    assert (
        inspect_envelope(session_paths(data_dir, session_id).snapshot.read_bytes()).key_id == current.hex_id
    )
    assert read_session(data_dir, session_id).get("era") == "current"
    assert read_session(data_dir, old_session).get("era") == "previous"  # a later line still reads


_SETTINGS_CHILD = """
import json
from sessionkeeper.core import SessionManager
manager = SessionManager(handle_signals=False)
settings = manager.codec.settings
session_id = manager.start()
manager.set("written", True)
manager.stop()
print(json.dumps({"session": session_id, "compression": settings.compression, "level": settings.level,
                  "cipher": settings.cipher, "keys": manager.codec.keyring.ids()}))
"""


def _run_in(project: Path, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", _SETTINGS_CHILD],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = orjson.loads(proc.stdout)
    return result


def test_the_environment_beats_pyproject_settings(tmp_path: Path) -> None:
    project_key, env_key, raw_key = generate_key(), generate_key(), generate_key()
    write_key_file(tmp_path / "project.key", [project_key])
    write_key_file(tmp_path / "env.key", [env_key])
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n\n[tool.sessionkeeper]\n"
        f'compression = "zstd"\nzstd-level = 19\ncipher = "chacha20-poly1305"\n'
        f'key-file = "{tmp_path / "project.key"}"\n'
    )

    def run(
        name: str, cwd: Path, **settings: str
    ) -> tuple[dict[str, Any], tuple[bool, str | None, str | None]]:
        places = {
            "SESSIONKEEPER_DATA_DIR": str(tmp_path / name / "RUNS"),
            "SESSIONKEEPER_USER_DIR": str(tmp_path / name / "user"),
        }
        result = _run_in(cwd, child_env(**places, **settings))
        snapshot = session_paths(tmp_path / name / "RUNS", result["session"]).snapshot
        envelope = inspect_envelope(snapshot.read_bytes())
        return result, (envelope.compressed, envelope.algorithm, envelope.key_id)

    from_project, envelope = run("project", project / "src")  # found by walking up from the cwd
    assert (from_project["compression"], from_project["level"], from_project["cipher"]) == (
        "zstd",
        19,
        "chacha20-poly1305",
    )
    assert from_project["keys"] == [project_key.hex_id]
    assert envelope == (True, "chacha20-poly1305", project_key.hex_id)

    overridden, envelope = run(
        "overridden",
        project,
        SESSIONKEEPER_COMPRESSION="none",
        SESSIONKEEPER_ZSTD_LEVEL="1",
        SESSIONKEEPER_CIPHER="aes-256-gcm",
        SESSIONKEEPER_KEY_FILE=str(tmp_path / "env.key"),
    )
    assert (overridden["compression"], overridden["level"], overridden["cipher"]) == (None, 1, "aes-256-gcm")
    assert overridden["keys"] == [env_key.hex_id]
    assert envelope == (False, "aes-256-gcm", env_key.hex_id)

    raw, envelope = run("raw key", project, SESSIONKEEPER_KEY=b64(raw_key))  # writes with the env key
    assert raw["keys"][0] == raw_key.hex_id
    assert envelope == (True, "chacha20-poly1305", raw_key.hex_id)


# -- mixed directories ---------------------------------------------------------------------------
def test_plain_sessions_still_load_after_encryption_is_switched_on_and_new_writes_are_sealed(
    reopen: Reopen, data_dir: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain_ops: list[list[Any]] = [
        ["set", "a", 1],
        ["set", "u", "user", "user"],
        ["checkpoint"],
        ["set", "b", [2]],
        ["set", "p", "app", "app"],
    ]
    crashed = crashed_session(plain_ops, child_env())  # plain snapshot, backup and journal records
    untouched = crashed_session([["set", "kept", "plain"], ["checkpoint"]], child_env())
    untouched_file = session_paths(data_dir, untouched).snapshot
    untouched_bytes = untouched_file.read_bytes()
    assert untouched_bytes.startswith(b"{")
    assert session_paths(data_dir, crashed).snapshot.read_bytes().startswith(b"{")

    key = generate_key()
    monkeypatch.setenv("SESSIONKEEPER_KEY", b64(key))
    # With encryption on, plain files are unauthenticated: refused unless a migration asks for them.
    with pytest.raises(CorruptSessionError, match="not encrypted"):
        read_session(data_dir, crashed)
    monkeypatch.setenv("SESSIONKEEPER_ACCEPT_PLAINTEXT", "1")
    assert read_session(data_dir, crashed).get("b") == [2]
    assert read_session(data_dir, untouched).get("kept") == "plain"

    manager = reopen()
    manager.resume(crashed)
    assert (manager.get("a"), manager.get("b")) == (1, [2])
    assert manager.get("u", StateScope.USER) == "user"
    assert manager.get("p", StateScope.APP) == "app"
    manager.set("c", "sealed")
    manager.set("u2", "sealed", StateScope.USER)
    assert manager.checkpoint()
    manager.set("d", "journal only")
    paths = session_paths(data_dir, manager.session_id or "")
    newest = paths.journal(paths.journal_epochs()[-1])
    for payload in [journal_records(newest.read_bytes())[-1][2], paths.snapshot.read_bytes()]:
        envelope = inspect_envelope(payload)
        assert envelope.encrypted
        assert envelope.key_id == key.hex_id
    assert paths.backup.read_bytes().startswith(b"{")  # the plain snapshot it replaced, kept as it was
    manager.stop()

    view = read_session(data_dir, crashed)
    assert values_of(view) == {"a": 1, "b": [2], "c": "sealed", "d": "journal only"}
    assert view.report.dropped == ()
    assert untouched_file.read_bytes() == untouched_bytes


def test_the_legacy_sessions_load_with_encryption_on_and_are_never_rewritten(
    legacy_dir: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = generate_key()
    monkeypatch.setenv("SESSIONKEEPER_KEY", b64(key))
    before = digests(legacy_dir)
    assert len(before) == 21
    ids = sorted(Path(name).stem for name in before)
    for session_id in ids:
        view = read_session(legacy_dir, session_id)
        assert view.legacy
        assert view.report.dropped == ()
    manager = SessionManager(data_dir=legacy_dir, user_dir=user_dir, handle_signals=False)
    try:
        for session_id in ids:
            load = manager.recover(session_id)
            assert load.source == "legacy"
            assert load.continued_from == session_id
            continued = session_paths(legacy_dir, load.session_id).snapshot.read_bytes()
            assert inspect_envelope(continued).key_id == key.hex_id
    finally:
        manager.stop()
    rotate_keys(legacy_dir, user_dir, sealing(key), sealing(generate_key(), key))
    after = {path: digest for path, digest in digests(legacy_dir).items() if path in before}
    assert after == before
    assert {entry.session_id for entry in list_sessions(legacy_dir) if entry.legacy} == set(ids)


def test_the_damage_draw_covers_every_target_and_kind(data_dir: Path) -> None:
    """The 1,000-trial draw really spreads over files, headers, tampered records and truncations."""
    subject = make_subject(data_dir, "aes-256-gcm")
    rng = random.Random(1)
    seen = Counter((trial.target, trial.how) for trial in (_draw(subject, rng) for _ in range(TRIALS)))
    for target in ("snapshot", "backup"):
        assert seen[(target, "flip header")] > 0
        assert seen[(target, "flip")] > 0
    for target in ("covered journal", "current journal"):
        for how in ("flip", "tamper record header", "tamper record"):
            assert seen[(target, how)] > 0
    assert sum(count for (_, how), count in seen.items() if how == "truncate") > 100
    assert {
        path: path.read_bytes() for path in subject.pristine
    } == subject.pristine  # drawing writes nothing
