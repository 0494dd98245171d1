"""Moving sessions between data directories and machines: export, import."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import click

from sessionkeeper.cli import messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.errors import CliError
from sessionkeeper.cli.helptext import LocalizedOption

from .options import command, json_option, session_argument

__all__ = ["export", "import_command", "write_new_file"]


@command("export")
@session_argument(required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    cls=LocalizedOption,
    help="opt.output",
)
@click.option("--force", is_flag=True, cls=LocalizedOption, help="opt.force")
@json_option
@click.pass_obj
def export(
    settings: Settings, session_id: str | None, output: Path | None, force: bool, as_json: bool
) -> None:
    """Write a session as one self-contained JSON document (the current session by default)."""
    from sessionkeeper.core import export_session

    data_dir, session_id = settings.session_or_current(session_id)
    document = export_session(data_dir, session_id)
    if output is None or str(output) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(document)
        sys.stdout.buffer.flush()
        return
    write_new_file(output, document, replace=force)
    if as_json:
        render.emit_json({"session_id": session_id, "path": str(output), "bytes": len(document)})
    else:
        out(messages.text("export.done", id=session_id, path=output, size=render.format_size(len(document))))


@command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@json_option
@click.pass_obj
def import_command(settings: Settings, file: Path, as_json: bool) -> None:
    """Store an exported session document (or a file of the old tool) as a new session."""
    from sessionkeeper.core import import_session, read_import_file

    # Bounded reads: /dev/zero, a FIFO or a 3 GB file fail at once with one clear line.
    data = read_import_file(None if str(file) == "-" else file)
    # The one command besides `start` that may create the data directory: it is writing a session.
    session_id = import_session(settings.data_dir_for_writing(), data)
    if as_json:
        render.emit_json({"session_id": session_id, "source": str(file)})
    else:
        out(messages.text("import.done", path=file, id=session_id))


def write_new_file(path: Path, data: bytes, *, replace: bool) -> None:
    """Write ``path`` whole or not at all (0600: sessions are private), never over an existing file
    unless ``replace``. A failure names ``path`` as the user gave it, never the temporary file."""
    directory = path.parent if str(path.parent) else Path()
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:  # no such directory, no permission, a file where the directory should be
        raise CliError("error.cannot_write", path=path, reason=exc.strerror or str(exc)) from None
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            temp.replace(path)
        else:
            os.link(temp, path)  # fails if the file exists: no check-then-write race
    except FileExistsError:
        raise CliError("error.file_exists", path=path) from None
    except OSError as exc:  # a full disk, a directory at `path`, ...
        raise CliError("error.cannot_write", path=path, reason=exc.strerror or str(exc)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
