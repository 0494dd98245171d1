"""Shared fixtures: every test gets its own data and user directories; nothing global leaks.

The codec matrix: the core, durability, fault-injection and crash suites run under every codec
core writes with (plain, zstd, zstd + AES-256-GCM, zstd + ChaCha20-Poly1305). Their folders'
``conftest.py`` request :func:`codec_name`, which :func:`pytest_generate_tests` parametrises and
which puts the codec's settings into ``os.environ`` (so child processes inherit them). Markers:

* ``plain_only("why")``: the test is about plain bytes on disk, or touches no codec at all;
* ``codecs("plain", "zstd", reason="why")``: only those codecs;
* ``codec_sample``: an expensive test: the full run on plain, and one other codec chosen by
  rotation (stable per test), where the test may also do less work (see :func:`is_plain`).

Helpers that read what core wrote (:func:`open_stored`, :func:`stored_document`,
:func:`journal_scan`, :func:`decoded_files`) go through the configured codec, so tests that look
at files directly stay meaningful when the files are compressed or encrypted.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from sessionkeeper.core import SessionManager, resolve_codec
from sessionkeeper.core.codec.envelope import MAGIC as SEALED_MAGIC
from sessionkeeper.core.storage import journal
from sessionkeeper.core.storage.identity import read_journal, seal_record, store_identity
from sessionkeeper.core.storage.layout import StorePaths, snapshot_context

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
LEGACY_FIXTURES = SHARED / "fixtures" / "legacy-sessions"


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every default location at the test's own temporary directory."""
    monkeypatch.setenv("SESSIONKEEPER_DATA_DIR", str(tmp_path / "RUNS"))
    monkeypatch.setenv("SESSIONKEEPER_USER_DIR", str(tmp_path / "user"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SESSIONKEEPER_FSYNC", raising=False)


# -- the codec matrix ------------------------------------------------------------------------------

# A fixed raw key for the matrix (base64 of 32 bytes, as SESSIONKEEPER_KEY takes it). Not a secret:
# it protects nothing but test files, and a fixed key keeps failures reproducible.
TEST_KEY = base64.b64encode(hashlib.sha256(b"sessionkeeper codec matrix test key").digest()).decode()
CODEC_VARIABLES = (
    "SESSIONKEEPER_KEY",
    "SESSIONKEEPER_KEY_FILE",
    "SESSIONKEEPER_PASSPHRASE",
    "SESSIONKEEPER_COMPRESSION",
    "SESSIONKEEPER_ZSTD_LEVEL",
    "SESSIONKEEPER_CIPHER",
    "SESSIONKEEPER_ACCEPT_PLAINTEXT",
)
CODEC_SETTINGS: dict[str, dict[str, str]] = {
    "plain": {},
    "zstd": {"SESSIONKEEPER_COMPRESSION": "zstd"},
    "zstd-aes": {
        "SESSIONKEEPER_COMPRESSION": "zstd",
        "SESSIONKEEPER_CIPHER": "aes-256-gcm",
        "SESSIONKEEPER_KEY": TEST_KEY,
    },
    "zstd-chacha": {
        "SESSIONKEEPER_COMPRESSION": "zstd",
        "SESSIONKEEPER_CIPHER": "chacha20-poly1305",
        "SESSIONKEEPER_KEY": TEST_KEY,
    },
}
CODECS = tuple(CODEC_SETTINGS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "plain_only(reason): run only with the plain codec (the test says why)"
    )
    config.addinivalue_line(
        "markers", "codecs(*names, reason): run only with these codecs of the matrix (the test says why)"
    )
    config.addinivalue_line(
        "markers",
        "codec_sample: expensive; full run on plain, one other codec by rotation (maybe with less work)",
    )


def _codecs_for(definition: pytest.Function) -> list[str]:
    plain_only = definition.get_closest_marker("plain_only")
    if plain_only is not None:
        if not (plain_only.args or plain_only.kwargs.get("reason")):
            raise pytest.UsageError(f"{definition.nodeid}: @plain_only needs a reason")
        return ["plain"]
    chosen = definition.get_closest_marker("codecs")
    if chosen is not None:
        names = list(chosen.args)
        if not chosen.kwargs.get("reason"):
            raise pytest.UsageError(f"{definition.nodeid}: @codecs needs a reason=")
        if not names or set(names) - set(CODECS):
            raise pytest.UsageError(f"{definition.nodeid}: @codecs takes names out of {CODECS}")
        return names
    if definition.get_closest_marker("codec_sample") is not None:
        # Stable across runs and machines (not hash(), which is salted per process).
        others = CODECS[1:]
        return ["plain", others[zlib.crc32(definition.originalname.encode()) % len(others)]]
    return list(CODECS)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise every test that (through its folder's autouse fixture) requests ``codec_name``."""
    if "codec_name" not in metafunc.fixturenames:
        return
    names = _codecs_for(metafunc.definition)
    # Module scope: a module's tests run codec by codec, and module-scoped fixtures (the fault
    # suite's cached outcomes) can depend on the codec too.
    metafunc.parametrize("codec_name", names, indirect=True, ids=names, scope="module")


@contextlib.contextmanager
def codec_environment(name: str) -> Iterator[dict[str, str]]:
    """``os.environ`` configured for codec ``name`` inside the block (restored afterwards)."""
    saved = {variable: os.environ.get(variable) for variable in CODEC_VARIABLES}
    for variable in CODEC_VARIABLES:
        os.environ.pop(variable, None)
    os.environ.update(CODEC_SETTINGS[name])
    try:
        yield dict(CODEC_SETTINGS[name])
    finally:
        for variable, value in saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value


@pytest.fixture(scope="module")
def codec_name(request: pytest.FixtureRequest) -> Iterator[str]:
    """The codec this test runs under (its settings are in ``os.environ`` meanwhile).

    Tests that pytest does not parametrise (unittest-style classes) run under ``plain``.
    """
    name: str = getattr(request, "param", "plain")
    with codec_environment(name):
        yield name


def is_plain() -> bool:
    """Whether the environment configures the plain codec (expensive tests do less otherwise)."""
    return resolve_codec().plain


def _store_of(path: Path) -> str:
    """The name of the store a snapshot, backup or journal file belongs to."""
    if path.suffix == ".journal":
        return path.parent.name.removesuffix(".d")
    return path.name.removesuffix(".bak").removesuffix(".corrupt").removesuffix(".json")


def open_stored(path: Path) -> bytes:
    """The plain bytes of a snapshot, backup or USER/APP scope file, opened with the configured codec."""
    return resolve_codec().open(path.read_bytes(), snapshot_context(_store_of(path)), path.name)


def stored_document(path: Path) -> dict[str, Any]:
    """A snapshot, backup or scope file as JSON, read directly (not through a store load)."""
    document: dict[str, Any] = orjson.loads(open_stored(path))
    return document


def _store_paths(journal_path: Path) -> StorePaths:
    store = _store_of(journal_path)
    return StorePaths(journal_path.parent.parent, store, shared_name=store in ("app", "user"))


def journal_scan(path: Path) -> journal.JournalScan:
    """A journal file scanned with the configured codec, its records checked against its store."""
    paths = _store_paths(path)
    return read_journal(path.read_bytes(), paths, int(path.stem), resolve_codec(), store_identity(paths)).scan


def sealed_record(store: str, payload: bytes) -> bytes:
    """One framed journal record of session ``store`` sealed and bound as its writer does it (a
    header unbound; plain: unsealed)."""
    bound = None if orjson.loads(payload)[0] == "H" else store
    return seal_record(resolve_codec(), store, bound, payload)


def decoded_files(*roots: Path, skip: set[str] | frozenset[str] = frozenset()) -> bytes:
    """Everything under ``roots`` as a reader with the key sees it: snapshots and backups opened,
    journal records opened and re-encoded as JSON, other files as they are. For tests that check
    something was never written (a grep of the raw bytes proves nothing once they are encrypted).
    A sealed file that does not open raises: the search must not pass for want of reading it.
    Files named in ``skip`` are left out."""
    parts: list[bytes] = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name in skip:
                continue
            data = path.read_bytes()
            if path.suffix == ".journal":
                scanned = journal_scan(path)
                records = [scanned.header or [], *scanned.records]
                data += b"\n".join(orjson.dumps(record) for record in records)
            elif data.startswith(SEALED_MAGIC):  # a sealed snapshot, backup or export
                data += open_stored(path)
            parts.append(data)
    return b"\n".join(parts)


_MEMORY = Path("/dev/shm")


@contextlib.contextmanager
def memory_scratch(prefix: str, fallback: Callable[[], Path]) -> Iterator[Path]:
    """A scratch directory in memory (tmpfs) when the machine has one, else ``fallback()``: for
    suites that create thousands of small files and time nothing (on ext4 a creation costs
    ~0.5 ms, on tmpfs ~20 µs). Removed afterwards."""
    if _MEMORY.is_dir() and os.access(_MEMORY, os.W_OK):
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=_MEMORY))
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
    else:
        yield fallback()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "RUNS"


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    return tmp_path / "user"


@pytest.fixture
def manager(data_dir: Path, user_dir: Path) -> Iterator[SessionManager]:
    """A started, independent manager that is stopped after the test."""
    session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False)
    session.start()
    yield session
    session.stop()


@pytest.fixture
def reopen(data_dir: Path, user_dir: Path) -> Iterator[object]:
    """A factory of fresh managers on the same directories (stopped at the end)."""
    made: list[SessionManager] = []

    def factory(**kwargs: object) -> SessionManager:
        session = SessionManager(data_dir=data_dir, user_dir=user_dir, handle_signals=False, **kwargs)  # type: ignore[arg-type]
        made.append(session)
        return session

    yield factory
    for session in made:
        session.stop()


@pytest.fixture
def legacy_dir(tmp_path: Path) -> Path:
    """A data directory holding copies of the old tool's 21 session files (never the originals)."""
    if not LEGACY_FIXTURES.is_dir():
        pytest.fail(f"legacy fixtures not found at {LEGACY_FIXTURES}")
    target = tmp_path / "legacy" / "sessions"
    target.mkdir(parents=True)
    for source in sorted(LEGACY_FIXTURES.rglob("session_*.json")):
        destination = target / source.name
        shutil.copyfile(source, destination)
        os.chmod(destination, 0o600)
    return target.parent


def run_python(code: str, env: dict[str, str], timeout: float = 60) -> tuple[int, str, str]:
    """Run ``code`` in a fresh interpreter (a real second process)."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return proc.returncode, proc.stdout, proc.stderr
