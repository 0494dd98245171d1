"""Encryption keys: where they come from and how a file's key is found again.

Sources, in order: ``SESSIONKEEPER_KEY`` (base64 of 32 bytes), ``SESSIONKEEPER_KEY_FILE`` (one
base64 key per line, the first one current, later ones still accepted for reading — that is what
rotation leaves behind; refused unless only its owner can read it), ``SESSIONKEEPER_PASSPHRASE``
(scrypt, N=2^17 r=8 p=1, a random salt per writer recorded in every envelope). A key is known by
its *key id*: the first 8 bytes of SHA-256 over a label and the key, written in every header.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import attrs

from sessionkeeper.core.errors import DecryptionError, KeyConfigurationError, KeyRequiredError
from sessionkeeper.core.storage.fs import filesystem

__all__ = [
    "SCRYPT_PARAMS",
    "Key",
    "Keyring",
    "decode_key",
    "generate_key",
    "key_id",
    "read_key_file",
    "write_key_file",
]

KEY_BYTES = 32
SALT_BYTES = 16
# OWASP's Password Storage Cheat Sheet: scrypt with N=2^17 (128 MiB), r=8, p=1.
SCRYPT_PARAMS = (17, 8, 1)
_MAX_KEY_FILE = 64 << 10


def key_id(material: bytes) -> bytes:
    import hashlib  # here, not at import: hashlib is a noticeable share of importing core

    return hashlib.sha256(b"sessionkeeper key id\0" + material).digest()[:8]


@attrs.frozen
class Key:
    """One 256-bit key and its id."""

    material: bytes = attrs.field(repr=False)
    id: bytes

    @classmethod
    def from_material(cls, material: bytes) -> Key:
        if len(material) != KEY_BYTES:
            raise KeyConfigurationError(f"a key must be {KEY_BYTES} bytes, not {len(material)}")
        return cls(material, key_id(material))

    @property
    def hex_id(self) -> str:
        return self.id.hex()


def generate_key() -> Key:
    return Key.from_material(os.urandom(KEY_BYTES))


def decode_key(text: str, where: str) -> Key:
    """A key from its base64 text, optionally followed by its key id in hex (as key files write
    it: the id checks the key, so a damaged line is refused, never used as another key);
    ``where`` names the source in error messages."""
    parts = text.split()
    if not 1 <= len(parts) <= 2:
        raise KeyConfigurationError(f"{where} is not a key (base64, then optionally its key id)")
    import base64  # with binascii: only reading a key needs them
    import binascii

    try:
        material = base64.b64decode(parts[0], validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigurationError(f"{where} is not base64") from None
    try:
        key = Key.from_material(material)
    except KeyConfigurationError as exc:
        raise KeyConfigurationError(f"{where}: {exc}") from None
    if len(parts) == 2 and parts[1] != key.hex_id:
        raise KeyConfigurationError(f"{where} is damaged: the key does not match its id {parts[1][:16]}")
    return key


def read_key_file(path: Path) -> list[Key]:
    """The keys of a key file (current first); refused unless only its owner can read it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise KeyConfigurationError(f"cannot open key file {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyConfigurationError(
                f"key file {path} can be read by others (mode {stat.S_IMODE(info.st_mode):o}); "
                f"run: chmod 600 {path}"
            )
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise KeyConfigurationError(f"key file {path} belongs to another user")
        data = os.read(fd, _MAX_KEY_FILE + 1)
    finally:
        os.close(fd)
    if len(data) > _MAX_KEY_FILE:
        raise KeyConfigurationError(f"key file {path} is too large to be a key file")
    lines = [line for line in data.decode("ascii", "replace").splitlines() if line.strip()]
    if not lines:
        raise KeyConfigurationError(f"key file {path} holds no key")
    return [decode_key(line, f"key file {path} line {n}") for n, line in enumerate(lines, 1)]


def write_key_file(path: Path, keys: list[Key]) -> None:
    """Write ``keys`` (current first) to ``path`` with mode 0600, atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        import base64

        with os.fdopen(fd, "w", encoding="ascii") as file:
            for key in keys:
                file.write(f"{base64.b64encode(key.material).decode('ascii')} {key.hex_id}\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    filesystem().fsync_dir(path.parent)  # the new key file must survive a power loss, not the old one


class Keyring:
    """The keys a process can write with (one) and read with (all of them)."""

    def __init__(self, keys: list[Key] | None = None, passphrase: bytes | None = None) -> None:
        self._keys = list(keys or [])
        self._passphrase = passphrase
        self._derived: dict[bytes, Key] = {}  # salt -> key (scrypt is slow: once per salt)
        self._guard = threading.Lock()
        self._write_salt = os.urandom(SALT_BYTES) if passphrase is not None else b""

    @property
    def empty(self) -> bool:
        return not self._keys and self._passphrase is None

    @property
    def uses_passphrase(self) -> bool:
        return self._passphrase is not None

    def ids(self) -> list[str]:
        return [key.hex_id for key in self._keys]

    def writing_key(self) -> tuple[Key, bytes]:
        """The key new data is sealed with, and the scrypt salt it came from (empty for a raw key)."""
        if self._passphrase is not None:
            return self._derive(self._write_salt), self._write_salt
        if not self._keys:
            raise KeyConfigurationError("encryption is on but no key is configured")
        return self._keys[0], b""

    def reading_key(self, wanted: bytes, salt: bytes, what: str) -> Key:
        """The key with id ``wanted`` (deriving it from the passphrase and ``salt`` if needed)."""
        if salt:
            if self._passphrase is None:
                raise KeyRequiredError(wanted.hex(), what)
            key = self._derive(salt)
            if key.id != wanted:
                raise DecryptionError(f"{what} was sealed with another passphrase (key {wanted.hex()})")
            return key
        for key in self._keys:
            if key.id == wanted:
                return key
        if self.empty:
            raise KeyRequiredError(wanted.hex(), what)
        configured = ", ".join(self.ids()) or "a passphrase"
        raise DecryptionError(
            f"{what} is encrypted with key {wanted.hex()}, which is not configured ({configured})"
        )

    def _derive(self, salt: bytes) -> Key:
        with self._guard:
            key = self._derived.get(salt)
            if key is None:
                from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

                log_n, r, p = SCRYPT_PARAMS
                assert self._passphrase is not None
                material = Scrypt(salt=salt, length=KEY_BYTES, n=1 << log_n, r=r, p=p).derive(
                    self._passphrase
                )
                key = self._derived[salt] = Key.from_material(material)
            return key
