"""A known secret, written through every path that stores data, never reaches the disk readable.

With encryption on (and with zstd + encryption), a canary secret is put in SESSION, USER and APP,
in core events, in base64 forms of itself; the session is checkpointed, a child process adds more
and is killed with SIGKILL, a fresh manager recovers it, the keys are rotated and the session is
exported to a file under the data directory. Then no file under the data or user directory
(snapshots, backups, journals, temp files, exports, locks, the current pointer) holds the secret in
plain, hex or base64 (at all three alignments), and every value still reads back right.

A control run with the plain codec proves the scanner finds each of those encodings.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionkeeper.core import (
    CommandExecuted,
    Key,
    SessionManager,
    StateScope,
    TaskStarted,
    app_store_paths,
    export_session,
    generate_key,
    import_session,
    inspect_envelope,
    key_status,
    read_scope,
    read_session,
    rotate_keys,
    user_store_paths,
)
from tests.conftest import run_python
from tests.crypto.support import b64, sealing, values_of

Reopen = Callable[..., SessionManager]

_CRASHING_CHILD = """
import os, signal
from sessionkeeper.core import CommandExecuted, SessionManager, StateScope
secret = os.environ["CANARY_SECRET"]
manager = SessionManager(handle_signals=False)
manager.resume(os.environ["CANARY_SESSION"])
manager.set("child_token", "child:" + secret, flush=True)
manager.set("child_user_token", {"token": secret}, StateScope.USER, flush=True)
manager.record(CommandExecuted(command="echo " + secret, exit_code=3, error="leaked " + secret), flush=True)
assert manager.checkpoint()
manager.set("child_after_checkpoint", [secret, secret], flush=True)
manager.set("child_app_token", secret + ":app", StateScope.APP, flush=True)
print("written", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def base64_forms(secret: bytes) -> dict[str, bytes]:
    """The part of base64(prefix + secret) that depends on the secret only, for each alignment."""
    forms: dict[str, bytes] = {}
    for shift in range(3):
        encoded = base64.b64encode(b"x" * shift + secret)
        start = -(-8 * shift // 6)  # first character made of secret bits only
        end = 8 * (shift + len(secret)) // 6  # past the last such character
        stable = encoded[start:end]
        forms[f"base64+{shift}"] = stable
        forms[f"base64url+{shift}"] = stable.replace(b"+", b"-").replace(b"/", b"_")
    return forms


def encodings(secret: str) -> dict[str, bytes]:
    raw = secret.encode()
    return {"plain": raw, "hex": raw.hex().encode(), **base64_forms(raw)}


def all_files(*roots: Path) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        for directory, _, names in os.walk(root):
            found += [Path(directory) / name for name in names]
    return sorted(found)


def leaks(secret: str, *roots: Path) -> list[str]:
    """``file: encoding`` for every file under ``roots`` that holds the secret in some encoding."""
    forms = encodings(secret)
    found = []
    for path in all_files(*roots):
        content = path.read_bytes()
        found += [f"{path}: {name}" for name, form in forms.items() if form in content]
    return found


@pytest.fixture
def secret() -> str:
    return "canary-" + secrets.token_hex(12)


def _write_everything(manager: SessionManager, secret: str) -> str:
    session_id = manager.start()
    manager.set("api_token", secret)
    manager.set("nested", {"headers": {"Authorization": f"Bearer {secret}"}, "list": [1, secret]})
    for shift in range(3):  # values that are themselves base64 of the secret, at every alignment
        manager.set(f"b64_{shift}", base64.b64encode(b"x" * shift + secret.encode()).decode())
    manager.set("user_token", secret, StateScope.USER)
    manager.set("app_token", {"token": secret}, StateScope.APP)
    manager.set("temp_token", secret, StateScope.TEMP)
    manager.record(TaskStarted(task_id="deploy", title=f"deploy with {secret}", source=f"/tasks/{secret}"))
    manager.record(CommandExecuted(command=f"curl -H 'Authorization: Bearer {secret}'", exit_code=0))
    assert manager.checkpoint()
    manager.set("after_checkpoint", f"journal only: {secret}")
    return session_id


def _crash_child(session_id: str, secret: str) -> None:
    env = dict(os.environ, CANARY_SECRET=secret, CANARY_SESSION=session_id)
    status, out, err = run_python(_CRASHING_CHILD, env)
    assert status == -signal.SIGKILL, (status, err)
    assert out.strip() == "written", err


def _assert_values(values: dict[str, object], secret: str) -> None:
    assert values["api_token"] == secret
    assert values["nested"] == {"headers": {"Authorization": f"Bearer {secret}"}, "list": [1, secret]}
    assert values["after_checkpoint"] == f"journal only: {secret}"
    assert values["child_token"] == "child:" + secret
    assert values["child_after_checkpoint"] == [secret, secret]
    for shift in range(3):
        assert base64.b64decode(str(values[f"b64_{shift}"])) == b"x" * shift + secret.encode()


def _run_canary(
    reopen: Reopen, data_dir: Path, user_dir: Path, secret: str, compression: str | None, old: Key
) -> tuple[Key, str]:
    """The whole life of a secret; returns the new key and the session id."""
    manager = reopen()
    session_id = _write_everything(manager, secret)
    manager.stop()
    _crash_child(session_id, secret)

    recovered = reopen()
    summary = recovered.recover(session_id)
    assert summary.session_id == session_id
    _assert_values(values_of(recovered), secret)
    assert recovered.get("user_token", StateScope.USER) == secret
    assert recovered.get("child_user_token", StateScope.USER) == {"token": secret}
    assert recovered.get("app_token", StateScope.APP) == {"token": secret}
    assert recovered.get("child_app_token", StateScope.APP) == secret + ":app"
    assert recovered.get("temp_token", StateScope.TEMP) is None  # TEMP never left the first process
    events = recovered.events()
    assert [type(event).__name__ for event in events] == ["TaskStarted", "CommandExecuted", "CommandExecuted"]
    assert isinstance(events[0], TaskStarted)
    assert events[0].title == f"deploy with {secret}"
    assert isinstance(events[2], CommandExecuted)
    assert events[2].error == "leaked " + secret
    recovered.set("after_recovery", secret)
    recovered.stop()

    new = generate_key()
    rewritten = rotate_keys(
        data_dir,
        user_dir,
        sealing(old, compression=compression),
        sealing(new, old, compression=compression),
    )
    assert rewritten >= 6  # session snapshot, backup, journals; USER and APP stores
    status = key_status(data_dir, user_dir)
    assert status
    assert {(file.envelope.encrypted, file.envelope.key_id) for file in status if file.envelope} == {
        (True, new.hex_id)
    }
    assert all(file.problem is None and file.envelope is not None for file in status)
    return new, session_id


@pytest.mark.parametrize("compression", [None, "zstd"], ids=["aes-gcm", "zstd+aes-gcm"])
def test_the_secret_is_on_no_file_after_crash_recovery_rotation_and_export(
    reopen: Reopen,
    data_dir: Path,
    user_dir: Path,
    secret: str,
    compression: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = generate_key()
    monkeypatch.setenv("SESSIONKEEPER_KEY", b64(old))
    if compression:
        monkeypatch.setenv("SESSIONKEEPER_COMPRESSION", compression)
    new, session_id = _run_canary(reopen, data_dir, user_dir, secret, compression, old)

    only_new = sealing(new, compression=compression)
    export_dir = data_dir / "exports"
    export_dir.mkdir()
    exported = export_session(data_dir, session_id, only_new)
    (export_dir / f"{session_id}.export").write_bytes(exported)
    envelope = inspect_envelope(exported)
    assert envelope.encrypted
    assert envelope.key_id == new.hex_id
    assert envelope.compressed == (compression is not None)

    # The files are sealed, and they are all there for the scan to look at.
    names = [path.name for path in all_files(data_dir, user_dir)]
    assert any(name.endswith(".journal") for name in names)
    assert any(name.endswith(".json.bak") for name in names)
    assert f"{session_id}.export" in names
    assert {"lock", "compact", "live", "current"} <= set(names)
    assert leaks(secret, data_dir, user_dir) == []

    # ... and everything reads back right with the new key alone.
    view = read_session(data_dir, session_id, only_new)
    assert view.report.dropped == ()
    _assert_values(values_of(view), secret)
    assert view.get("after_recovery") == secret
    assert [event.title for event in view.events() if isinstance(event, TaskStarted)] == [
        f"deploy with {secret}"
    ]
    user = read_scope(user_store_paths(user_dir), "user", only_new)
    assert user.get("user_token") == secret
    assert user.get("child_user_token") == {"token": secret}
    app = read_scope(app_store_paths(data_dir), "app", only_new)
    assert app.get("app_token") == {"token": secret}
    assert app.get("child_app_token") == secret + ":app"

    imported = import_session(data_dir, (export_dir / f"{session_id}.export").read_bytes(), only_new)
    copy = read_session(data_dir, imported, only_new)
    _assert_values(values_of(copy), secret)
    assert leaks(secret, data_dir, user_dir) == []


def test_the_scanner_finds_the_secret_in_every_encoding_when_nothing_is_encrypted(
    reopen: Reopen, data_dir: Path, user_dir: Path, secret: str
) -> None:
    manager = reopen()
    assert manager.codec.plain
    session_id = _write_everything(manager, secret)
    manager.set("hex", secret.encode().hex())
    manager.stop()
    found = leaks(secret, data_dir, user_dir)
    kinds = {line.rsplit(": ", 1)[1] for line in found}
    assert {"plain", "hex", "base64+0", "base64+1", "base64+2"} <= kinds
    files = {Path(line.rsplit(": ", 1)[0]).name for line in found}
    assert f"{session_id}.json" in files
    assert "user.json" in files
    assert "app.json" in files
