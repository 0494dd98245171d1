"""Keys for encryption at rest: ``session key new``, ``session key status``, ``session key rotate``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.errors import CliError
from sessionkeeper.cli.helptext import LocalizedCommand, LocalizedGroup, LocalizedOption

from .options import json_option

if TYPE_CHECKING:
    from sessionkeeper.core import EnvelopeInfo

__all__ = ["key"]


@click.group("key", cls=LocalizedGroup)
def key() -> None:
    """Encryption keys (see ``help.key``)."""


@key.command("new", cls=LocalizedCommand)
@click.option(
    "-o",
    "--out",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    cls=LocalizedOption,
    help="opt.key_out",
)
@click.option("--force", is_flag=True, cls=LocalizedOption, help="opt.key_force")
@json_option
@click.pass_obj
def new(settings: Settings, path: Path | None, force: bool, as_json: bool) -> None:
    """Write a new random key to a 0600 key file."""
    from sessionkeeper.core import generate_key, write_key_file

    target = path if path is not None else settings.places.user_dir / "key"
    if target.exists() and not force:
        # Overwriting a key file makes everything sealed with it unreadable.
        raise CliError("key.exists", path=target)
    created = generate_key()
    write_key_file(target, [created])
    if as_json:
        render.emit_json({"key_file": str(target), "key_id": created.hex_id})
        return
    out(messages.text("key.created", path=target, id=created.hex_id))


def _describe(envelope: EnvelopeInfo | None) -> str:
    if envelope is None:
        return messages.text("key.sealing.empty")
    parts = [
        part
        for part, on in (("zstd", envelope.compressed), (envelope.algorithm or "", envelope.encrypted))
        if on
    ]
    if envelope.passphrase:
        parts.append("passphrase")
    return " + ".join(parts) if parts else messages.text("key.sealing.plain")


@key.command("status", cls=LocalizedCommand)
@json_option
@click.pass_obj
def status(settings: Settings, as_json: bool) -> None:
    """Which files are plain, compressed or encrypted, and under which key id."""
    from sessionkeeper.core import key_status, resolve_codec

    data_dir = settings.existing_data_dir()
    codec = resolve_codec()
    files = key_status(data_dir, settings.places.user_dir)
    writing = _describe_settings(codec.settings.compression, codec.settings.cipher)
    if as_json:
        rows: list[dict[str, Any]] = [
            {
                "path": str(item.path),
                "store": item.store,
                "kind": item.kind,
                "compressed": bool(item.envelope and item.envelope.compressed),
                "encrypted": bool(item.envelope and item.envelope.encrypted),
                "algorithm": item.envelope.algorithm if item.envelope else None,
                "key_id": item.envelope.key_id if item.envelope else None,
                "problem": item.problem,
            }
            for item in files
        ]
        render.emit_json({"writing": writing, "configured_keys": codec.keyring.ids(), "files": rows})
        return
    out(messages.text("key.writing", how=writing))
    render.table(
        [
            messages.text("column.store"),
            messages.text("column.file"),
            messages.text("column.sealing"),
            messages.text("column.key_id"),
        ],
        [
            (
                item.store,
                item.path.name,
                render.status("damaged", item.problem) if item.problem else _describe(item.envelope),
                (item.envelope.key_id or "") if item.envelope else "",
            )
            for item in files
        ],
        no_wrap=(0, 1),
    )


def _describe_settings(compression: str | None, cipher: str | None) -> str:
    parts = [part for part in (compression, cipher) if part]
    return " + ".join(parts) if parts else messages.text("key.sealing.plain")


@key.command("rotate", cls=LocalizedCommand)
@json_option
@click.pass_obj
def rotate(settings: Settings, as_json: bool) -> None:
    """Re-encrypt every file under a new key, crash-safely."""
    from sessionkeeper.core import (
        Codec,
        CodecSettings,
        Keyring,
        generate_key,
        read_key_file,
        resolve_codec,
        resolve_key_file,
        rotate_keys,
        write_key_file,
    )

    data_dir = settings.existing_data_dir()
    key_file = resolve_key_file()
    if key_file is None:
        raise CliError("key.rotate_needs_file")
    configured = resolve_codec()
    old_keys = read_key_file(key_file)
    fresh = generate_key()
    # Both keys stay in the key file until every file is re-sealed: a rotation killed at any point
    # leaves each file readable with one of them.
    write_key_file(key_file, [fresh, *old_keys])
    both = Keyring([fresh, *old_keys])
    target = Codec(
        CodecSettings(
            compression=configured.settings.compression,
            level=configured.settings.level,
            cipher=configured.settings.cipher or "aes-256-gcm",
        ),
        both,
    )
    count = rotate_keys(data_dir, settings.places.user_dir, Codec(CodecSettings(), both), target)
    write_key_file(key_file, [fresh])
    if as_json:
        render.emit_json({"key_file": str(key_file), "key_id": fresh.hex_id, "files": count})
        return
    out(messages.text("key.rotated", count=count, id=fresh.hex_id, path=key_file))
