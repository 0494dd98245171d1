"""One codec pipeline for everything written: serialise -> compress -> encrypt, and back.

Snapshots, backups, exports and every single journal record go through :class:`Codec`. A sealed
blob is an *envelope* with a versioned header; for encryption the header (and a context naming the
store and the kind of file) is the associated data of the AEAD, so a swapped or edited header, or
a file moved from another session, fails to open instead of decoding to garbage::

    magic    4   b"\\x89SKE"
    version  1   1
    flags    1   bit 0: zstd, bit 1: encrypted, bit 2: zstd against a dictionary (with bit 0)
    alg      1   0 none, 1 AES-256-GCM, 2 ChaCha20-Poly1305
    kdf      1   0 raw key, 1 scrypt (then: log2 N, r, p: 3 bytes, salt: 16 bytes)
    key id   8   first 8 bytes of SHA-256 over the key (zero when not encrypted)
    dict id  4   with bit 2: the dictionary's id (u32 BE), before the scrypt parameters
    nonce    12  random, when encrypted (a key is rotated long before 2^32 nonces)
    body         AEAD ciphertext + tag, or a zstd frame with its checksum, or the bytes

A dictionary (bit 2) is one of the journal's own (see :mod:`.dictionary`): the caller of
:meth:`Codec.open` passes the dictionaries the file has shown so far, and a blob naming any other
is damage. The id is in the header, so it is authenticated with it.

Bytes without the magic are plain JSON: files written before compression was switched on (and the
old tool's files) stay readable. Once encryption is on, anything not encrypted is unauthenticated
and refused as damage (:class:`IntegrityError`): plain files written before encryption was switched
on are read only as an explicit migration (``accept_plaintext``, ``SESSIONKEEPER_ACCEPT_PLAINTEXT=1``,
or ``session key rotate``, which re-seals them), never as a silent fallback. Decompression is
bounded by the caller's limit, whatever size a frame declares.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Mapping
from typing import Any

import attrs

from sessionkeeper.core.errors import IntegrityError, KeyConfigurationError, LimitExceededError

from .dictionary import CompressionDictionary, zstandard_module
from .keys import SCRYPT_PARAMS, Keyring

__all__ = [
    "DEFAULT_ZSTD_LEVEL",
    "DICTIONARY_FLAG",
    "PLAIN",
    "Codec",
    "CodecSettings",
    "EnvelopeInfo",
    "inspect_envelope",
]

MAGIC = b"\x89SKE"
VERSION = 1
_FLAG_ZSTD = 1
_FLAG_ENCRYPTED = 2
_FLAG_DICTIONARY = 4
DICTIONARY_FLAG = _FLAG_DICTIONARY
_FLAGS = _FLAG_ZSTD | _FLAG_ENCRYPTED | _FLAG_DICTIONARY
_ALGORITHMS = {"aes-256-gcm": 1, "chacha20-poly1305": 2}
_ALGORITHM_NAMES = {number: name for name, number in _ALGORITHMS.items()}
_FIXED = struct.Struct(">4sBBBB8s")
_DICTIONARY_ID = struct.Struct(">I")
_NONCE = 12
_SALT = 16
_MAX_EXPANSION = 1 << 30  # no opened blob is larger than this (callers pass tighter limits)
PLAINTEXT_ENV = "SESSIONKEEPER_ACCEPT_PLAINTEXT"
# zstd's level 1, not its default 3: on snapshots of task records (bench K) level 1 compressed
# faster (a checkpoint 1.41-1.48x plain against 1.63-1.70x) *and* 4 % smaller; the compressed
# journals came out the same size (P20: 14.35 against 14.29 MB).
DEFAULT_ZSTD_LEVEL = 1


@attrs.frozen
class CodecSettings:
    """How new data is written: compression (``"zstd"`` or None) and cipher (None: no encryption)."""

    compression: str | None = None
    level: int = DEFAULT_ZSTD_LEVEL
    cipher: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.compression not in (None, "zstd"):
            raise KeyConfigurationError(f"unknown compression {self.compression!r}; use 'zstd'")
        if self.cipher is not None and self.cipher not in _ALGORITHMS:
            raise KeyConfigurationError(
                f"unknown cipher {self.cipher!r}; use one of {', '.join(_ALGORITHMS)}"
            )
        if not -7 <= self.level <= 22:
            raise KeyConfigurationError(f"zstd level must be between -7 and 22, not {self.level}")


@attrs.frozen
class EnvelopeInfo:
    """What the header of a stored blob says (for ``session key status``)."""

    compressed: bool
    encrypted: bool
    algorithm: str | None = None
    key_id: str | None = None
    passphrase: bool = False


def _aead(algorithm: int, key: bytes) -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
    except ImportError:
        raise KeyConfigurationError(
            "encryption needs the 'cryptography' package: pip install 'session-core[crypto]'"
        ) from None
    return AESGCM(key) if algorithm == 1 else ChaCha20Poly1305(key)


_zstd = zstandard_module


@attrs.frozen
class _Header:
    flags: int
    algorithm: int
    kdf: int
    key_id: bytes
    salt: bytes
    nonce: bytes
    size: int  # bytes of header in the blob
    dictionary: int = 0  # the id of the dictionary the body is compressed against (0: none)

    @classmethod
    def parse(cls, blob: bytes, what: str) -> _Header:
        if len(blob) < _FIXED.size:
            raise IntegrityError(f"{what}: truncated header")
        magic, version, flags, algorithm, kdf, key_id = _FIXED.unpack_from(blob)
        if magic != MAGIC:
            raise IntegrityError(f"{what}: not a Sessionkeeper envelope")
        if (
            version != VERSION
            or flags & ~_FLAGS
            or (flags & _FLAG_DICTIONARY and not flags & _FLAG_ZSTD)
            or kdf not in (0, 1)
        ):
            raise IntegrityError(f"{what}: unknown envelope version {version} or flags {flags}")
        encrypted = bool(flags & _FLAG_ENCRYPTED)
        if encrypted != (algorithm in _ALGORITHM_NAMES) or (
            not encrypted and (algorithm or kdf or key_id != bytes(8))
        ):
            raise IntegrityError(f"{what}: inconsistent envelope header")
        pos, salt, dictionary = _FIXED.size, b"", 0
        if flags & _FLAG_DICTIONARY:
            if len(blob) < pos + _DICTIONARY_ID.size:
                raise IntegrityError(f"{what}: truncated header")
            (dictionary,) = _DICTIONARY_ID.unpack_from(blob, pos)
            pos += _DICTIONARY_ID.size
        if kdf:
            if tuple(blob[pos : pos + 3]) != SCRYPT_PARAMS:
                raise IntegrityError(f"{what}: unsupported scrypt parameters")
            salt = blob[pos + 3 : pos + 3 + _SALT]
            pos += 3 + _SALT
        nonce = b""
        if encrypted:
            nonce = blob[pos : pos + _NONCE]
            pos += _NONCE
        if len(blob) < pos:
            raise IntegrityError(f"{what}: truncated header")
        return cls(flags, algorithm, kdf, key_id, salt, nonce, pos, dictionary)


class Codec:
    """Seals bytes for storage and opens them again, according to settings and a keyring."""

    def __init__(
        self,
        settings: CodecSettings | None = None,
        keyring: Keyring | None = None,
        *,
        accept_plaintext: bool = False,
    ) -> None:
        self.settings = settings or CodecSettings()
        self.keyring = keyring or Keyring()
        self.plain = self.settings.compression is None and self.settings.cipher is None
        # With encryption on, unauthenticated bytes are damage unless a migration asks to read them.
        self.accept_plaintext = accept_plaintext
        self.requires_encryption = self.settings.cipher is not None and not accept_plaintext
        self._local = threading.local()  # zstd (de)compressors are not thread-safe
        if self.settings.cipher is not None:
            self.keyring.writing_key()  # fail now, not at the first write, if no key is configured
            _aead(1, bytes(32))
        if self.settings.compression is not None:
            _zstd()

    def seal(self, data: bytes, context: bytes, dictionary: CompressionDictionary | None = None) -> bytes:
        """The stored form of ``data`` (unchanged when neither compression nor encryption is on),
        compressed against ``dictionary`` if one is given and compression is on."""
        if self.plain:
            return data
        flags, body, named = 0, data, b""
        if self.settings.compression is not None:
            flags |= _FLAG_ZSTD
            if dictionary is None:
                body = self._compressor().compress(body)
            else:
                flags |= _FLAG_DICTIONARY
                body = dictionary.compress(body, self.settings.level)
                named = _DICTIONARY_ID.pack(dictionary.id)
        if self.settings.cipher is None:
            return _FIXED.pack(MAGIC, VERSION, flags, 0, 0, bytes(8)) + named + body
        flags |= _FLAG_ENCRYPTED
        algorithm = _ALGORITHMS[self.settings.cipher]
        key, salt = self.keyring.writing_key()
        header = _FIXED.pack(MAGIC, VERSION, flags, algorithm, 1 if salt else 0, key.id) + named
        if salt:
            header += bytes(SCRYPT_PARAMS) + salt
        nonce = os.urandom(_NONCE)
        header += nonce
        sealed: bytes = _aead(algorithm, key.material).encrypt(nonce, body, header + b"\0" + context)
        return header + sealed

    def migrating(self) -> Codec:
        """The same codec, reading plain files too (an explicit migration to encryption)."""
        if not self.requires_encryption:
            return self
        return Codec(self.settings, self.keyring, accept_plaintext=True)

    def open(
        self,
        blob: bytes,
        context: bytes,
        what: str,
        limit: int = _MAX_EXPANSION,
        dictionaries: Mapping[int, CompressionDictionary] | None = None,
    ) -> bytes:
        """The data sealed in ``blob`` (plain bytes pass through), at most ``limit`` bytes of it;
        ``dictionaries``: the ones a blob may be compressed against, by id.

        Raises :class:`KeyRequiredError`, :class:`DecryptionError`, :class:`IntegrityError` (also
        for unencrypted bytes when encryption is on, and for a dictionary not among
        ``dictionaries``) or :class:`LimitExceededError`.
        """
        if not blob.startswith(MAGIC):
            if self.requires_encryption:
                raise _unencrypted(what)
            if len(blob) > limit:
                raise _over(what, len(blob), limit)
            return blob
        header = _Header.parse(blob, what)
        if self.requires_encryption and not header.flags & _FLAG_ENCRYPTED:
            raise _unencrypted(what)
        body = blob[header.size :]
        if header.flags & _FLAG_ENCRYPTED:
            key = self.keyring.reading_key(header.key_id, header.salt, what)
            from cryptography.exceptions import InvalidTag

            try:
                body = _aead(header.algorithm, key.material).decrypt(
                    header.nonce, body, blob[: header.size] + b"\0" + context
                )
            except InvalidTag:
                raise IntegrityError(
                    f"{what} does not check out (changed, damaged, or moved from another session)"
                ) from None
        if header.flags & _FLAG_DICTIONARY:
            dictionary = (dictionaries or {}).get(header.dictionary)
            if dictionary is None:
                raise IntegrityError(f"{what} is compressed against a dictionary the file does not hold")
            body = _decompress(dictionary.decompressor(), body, what, limit)
        elif header.flags & _FLAG_ZSTD:
            body = _decompress(self._decompressor(), body, what, limit)
        elif len(body) > limit:
            raise _over(what, len(body), limit)
        return body

    def _compressor(self) -> Any:
        compressor = getattr(self._local, "compressor", None)
        if compressor is None:
            compressor = _zstd().ZstdCompressor(level=self.settings.level, write_checksum=True)
            self._local.compressor = compressor
        return compressor

    def _decompressor(self) -> Any:
        decompressor = getattr(self._local, "decompressor", None)
        if decompressor is None:
            decompressor = _zstd().ZstdDecompressor()
            self._local.decompressor = decompressor
        return decompressor


def _decompress(decompressor: Any, body: bytes, what: str, limit: int) -> bytes:
    zstandard = _zstd()
    try:
        declared = zstandard.frame_content_size(body)
    except zstandard.ZstdError as exc:
        raise IntegrityError(f"{what}: compressed data is damaged ({exc})") from None
    # zstd allocates what a frame declares, whatever max_output_size says: check it first.
    if declared > limit:
        raise _over(what, declared, limit)
    try:
        # A frame without a declared size is decompressed up to the limit and no further.
        data: bytes = decompressor.decompress(body, max_output_size=limit)
    except zstandard.ZstdError as exc:
        raise IntegrityError(
            f"{what}: compressed data is damaged or over the {limit}-byte limit ({exc})"
        ) from None
    return data


def _over(what: str, size: int, limit: int) -> LimitExceededError:
    return LimitExceededError(f"{what} holds {size} bytes, over the {limit}-byte limit", limit=limit)


def _unencrypted(what: str) -> IntegrityError:
    return IntegrityError(
        f"{what} is not encrypted, but encryption is on: unauthenticated content is refused. If it was "
        f"written before encryption was switched on, migrate it ('session key rotate' re-seals every "
        f"file, or read it once with {PLAINTEXT_ENV}=1 and checkpoint)"
    )


def inspect_envelope(blob: bytes) -> EnvelopeInfo:
    """What a stored blob's header says, without opening it."""
    if not blob.startswith(MAGIC):
        return EnvelopeInfo(compressed=False, encrypted=False)
    header = _Header.parse(blob, "file")
    encrypted = bool(header.flags & _FLAG_ENCRYPTED)
    return EnvelopeInfo(
        compressed=bool(header.flags & _FLAG_ZSTD),
        encrypted=encrypted,
        algorithm=_ALGORITHM_NAMES.get(header.algorithm),
        key_id=header.key_id.hex() if encrypted else None,
        passphrase=bool(header.kdf),
    )


PLAIN = Codec()
