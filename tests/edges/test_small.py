"""The smaller defects of issue 12 (item 14): the key file's directory entry is made durable, and
every file operation of the store goes through the replaceable file system (fault injection
reaches it)."""

from __future__ import annotations

import ast
from pathlib import Path

from sessionkeeper.core import generate_key, read_key_file, write_key_file
from sessionkeeper.core.storage.fs import use_filesystem
from tests.faults.faultfs import FaultyFileSystem

CORE = Path(__file__).resolve().parents[2] / "packages" / "session-core" / "src" / "sessionkeeper" / "core"


def test_a_new_key_file_survives_a_power_loss(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    fs = FaultyFileSystem(tmp_path)
    previous = use_filesystem(fs)
    try:
        key = generate_key()
        write_key_file(keys / "key", [key])
        synced = [point for point in fs.points if point.kind == "fsync_dir" and point.target.endswith("keys")]
        assert synced, fs.points
        fs.power_loss()
    finally:
        use_filesystem(previous)
    assert read_key_file(keys / "key")[0].hex_id == key.hex_id


def test_the_store_touches_files_only_through_the_file_system_and_the_lock_module() -> None:
    tree = ast.parse((CORE / "storage" / "store.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "os" not in imported
    assert "fcntl" not in imported


def test_no_single_bit_flip_of_a_key_file_gives_another_key(tmp_path: Path) -> None:
    """Every line carries the key's id, which checks it: a damaged key is refused, never used."""
    from sessionkeeper.core import KeyConfigurationError

    path = tmp_path / "key"
    key = generate_key()
    write_key_file(path, [key])
    good = path.read_bytes()
    refused = 0
    for bit in range(len(good) * 8):
        damaged = bytearray(good)
        damaged[bit // 8] ^= 1 << (bit % 8)
        path.write_bytes(bytes(damaged))
        try:
            keys = read_key_file(path)
        except KeyConfigurationError:
            refused += 1
            continue
        assert [k.hex_id for k in keys] == [key.hex_id], f"bit {bit} gave another key"
    assert refused >= len(good) * 8 - 16  # only flips of the line break can leave the key as it is
