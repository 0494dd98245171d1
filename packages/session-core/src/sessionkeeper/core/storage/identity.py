"""Which store a file belongs to, so that another store's file is never taken for this one's.

A session is named by its id, unique everywhere, and each of its files names it: the snapshot's
``session_id``, every journal's header, the context its sealed files are bound to. USER and APP
stores are named alike everywhere (``app`` in every project), so each has an id of its own, made by
the first process that opens it for writing and kept in ``<name>.d/identity`` (a checksummed
document). Every file written since names that id: the scope file's ``store_id`` (document
format 4) and every journal header (journal format 2). A lost or damaged identity file is made
again from the id the store's files name.

Every record after a journal's header is bound to its store's id: its checksum is seeded with it
and, when sealed, its context names it. So a record spliced in from another store's journal fails
like a damaged one, under every codec; a whole snapshot, backup or journal of another store is
recognised by the id it names and never applied.

Files written before identities (format-3 scope files, format-1 journals) keep loading, unbound,
until the store's snapshot is of format 4: a journal after such a snapshot must be bound.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import attrs

from sessionkeeper.core.codec.envelope import Codec
from sessionkeeper.core.errors import SnapshotFormatError
from sessionkeeper.core.limits import Budget

from . import journal
from .documents import parse_identity_document, render_identity_document
from .fs import filesystem
from .layout import StorePaths, journal_context

__all__ = [
    "JournalRead",
    "establish_identity",
    "read_identity",
    "read_journal",
    "seal_record",
    "store_identity",
]

_IDENTITY_BYTES = 4096


def store_identity(paths: StorePaths) -> str | None:
    """The id every file of the store must name: a session's own name, else the id in the
    store's identity file (``None``: it has none yet, or it is unreadable)."""
    return read_identity(paths)[0]


def read_identity(paths: StorePaths) -> tuple[str | None, str | None]:
    """:func:`store_identity`, and what is wrong with the identity file if it is there but
    unreadable (damage: the store's files then say which id it has, and a writer repairs it)."""
    if not paths.shared_name:
        return paths.name, None
    try:
        data = filesystem().read_bytes(paths.identity, _IDENTITY_BYTES)
        return parse_identity_document(data, paths.name), None
    except FileNotFoundError:
        return None, None
    except (OSError, SnapshotFormatError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else exc
        return None, f"{paths.identity.name} is unreadable ({why}); the store's files say which store it is"


def establish_identity(paths: StorePaths, known: str | None) -> str:
    """The store's id, kept durably first: ``known`` (the id the store's files name) if the
    identity file is missing, unreadable or says otherwise; else the file's id; a new one if there
    is neither. Call with the store's journal lock held exclusively, so that two processes never
    give one store two ids."""
    current = store_identity(paths)
    if current is not None and (known is None or known == current):
        return current
    store_id = known or os.urandom(16).hex()  # 128 random bits, as secrets.token_hex(16)
    filesystem().write_atomic(paths.identity, render_identity_document(paths.name, store_id))
    return store_id


def seal_record(codec: Codec, name: str, store_id: str | None, payload: bytes) -> bytes:
    """One framed journal record of store ``name``, bound to ``store_id`` (``None``: unbound, as
    every header is)."""
    sealed = payload if codec.plain else codec.seal(payload, journal_context(name, store_id))
    return journal.frame(sealed, journal.record_seed(store_id) if store_id is not None else 0)


@attrs.frozen
class JournalRead:
    """One journal file of a store, read."""

    scan: journal.JournalScan
    store_id: str | None  # the id its records are bound to (None: unbound, format 1)
    problem: str | None  # why nothing of it belongs to the store (then nothing is applied)


def _named_id(header: list[Any] | None) -> str | None:
    if (
        header is not None
        and (len(header) == 5 or journal.is_in_place(header))
        and header[1] == journal.JOURNAL_FORMAT
    ):
        named = header[4]
        return named if type(named) is str else None
    return None


def read_journal(
    data: bytes,
    paths: StorePaths,
    epoch: int,
    codec: Codec,
    store_id: str | None,
    *,
    budget: Budget | None = None,
    bound_only: bool = False,
) -> JournalRead:
    """Read the bytes of journal ``epoch`` of ``paths``, its records checked against ``store_id``
    (``None``: the id the header names). ``bound_only``: an unbound (format 1) journal cannot be
    this store's any more (its snapshot is of format 4 and older than the journal).

    A missing or wrong key raises as :func:`journal.scan` does; a header that names another store
    or epoch, or an unbound journal where only bound ones can be, is a ``problem``.
    """
    what = f"journal {paths.journal(epoch).name}"
    opener = functools.partial(codec.open, context=journal_context(paths.name), what=what)
    bound: list[str | None] = [None]

    def bind(header: list[Any] | None) -> journal.Binding:
        unbound = header is not None and header[1:2] == [1]
        bound[0] = None if unbound else (store_id or _named_id(header))
        if bound[0] is None:
            return journal.Binding(0, opener)
        context = journal_context(paths.name, bound[0])
        return journal.Binding(
            journal.record_seed(bound[0]), functools.partial(codec.open, context=context, what=what)
        )

    plain_passes = not codec.requires_encryption
    scanned = journal.scan(data, opener, budget, plain_passes=plain_passes, bind=bind)
    header = scanned.header
    if header is None and not scanned.records and bound[0] is not None and not bound_only:
        # Nothing checks out bound and the header is gone: an old (unbound) journal, damaged?
        retry = journal.scan(data, opener, budget, plain_passes=plain_passes)
        if retry.records:
            return JournalRead(retry, None, None)
    named = _named_id(header)
    problem = None
    if header is not None and header[2:4] != [paths.name, epoch]:
        problem = f"does not belong to {paths.name} epoch {epoch} (header {str(header)[:120]})"
    elif named is not None and store_id is not None and named != store_id:
        problem = f"belongs to another {paths.name} store ({named}, not {store_id})"
    elif bound_only and bound[0] is None:
        problem = "is unbound (journal format 1) although the store's snapshot is of format 4"
    return JournalRead(scanned, bound[0], problem)
