"""Commands on single values: get, set, delete, in the SESSION, USER or APP scope.

SESSION values are those of the current session: ``get`` reads them lock-free, ``set`` and
``delete`` resume the session (alongside any other process writing it), journal the change
durably and stop. USER and APP values need no session. What VALUE means (``-``, ``@FILE``, JSON or
text) is :mod:`.value_input`'s; what a missing key was probably meant to be, :mod:`.suggest`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from sessionkeeper.cli import console, messages, render
from sessionkeeper.cli.console import out
from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.helptext import LocalizedOption

from .options import command, json_option, scope_option, to_scope
from .suggest import missing_key
from .value_input import interpret, parse_value, read_source

if TYPE_CHECKING:
    from sessionkeeper.core import SessionManager, StateScope

__all__ = ["delete", "get", "parse_value", "set_value"]  # parse_value: the rule, for tests and plugins

_MISSING: Any = object()


@command("get")
@click.argument("key")
@scope_option
@json_option
@click.pass_obj
def get(settings: Settings, key: str, scope: str, as_json: bool) -> None:
    """Print the value of KEY."""
    from sessionkeeper.core import StateScope, read_session

    where: str | None = None
    if to_scope(scope) is StateScope.SESSION:
        data_dir, where = settings.current_session()
        view = read_session(data_dir, where)
        for problem in view.report.warnings + view.report.dropped:
            console.warn(problem)  # e.g. read from the backup: the value may be older than expected
        value = view.get(key, _MISSING)
    else:
        value = _read_scope(settings, to_scope(scope), key)
    if value is _MISSING:
        raise missing_key(settings, key, scope, "get")
    if as_json:
        render.emit_json({"key": key, "scope": scope, "session_id": where, "value": value})
    else:
        out(render.format_value(value))


@command("set")
@click.argument("key")
@click.argument("value")
@scope_option
@click.option("--string", "as_string", is_flag=True, cls=LocalizedOption, help="opt.string")
@click.option("--json-value", "json_only", is_flag=True, cls=LocalizedOption, help="opt.json_value")
@json_option
@click.pass_obj
def set_value(
    settings: Settings, key: str, value: str, scope: str, as_string: bool, json_only: bool, as_json: bool
) -> None:
    """Set KEY to VALUE (parsed as JSON, else kept as a string; - and @FILE read it)."""
    if as_string and json_only:
        raise click.UsageError(messages.text("value.exclusive"))
    parsed, notice = interpret(read_source(value), as_string=as_string, json_only=json_only)
    if notice:
        console.warn(notice)  # the documented rule applies, but the JSON was probably meant
    with _writer(settings, scope) as (session, target):
        session.set(key, parsed, target, flush=True)
        where = session.session_id
    if as_json:
        render.emit_json({"key": key, "scope": scope, "session_id": where, "value": parsed})
    else:
        out(messages.text("set.done", key=key, scope=scope, where=_where(where)))


@command("delete")
@click.argument("key")
@scope_option
@json_option
@click.pass_obj
def delete(settings: Settings, key: str, scope: str, as_json: bool) -> None:
    """Remove KEY."""
    from sessionkeeper.core import StateScope, read_session

    if to_scope(scope) is StateScope.SESSION:
        # Look first, without opening the session for writing: a key that is not there is
        # reported without touching any file.
        data_dir, session_id = settings.current_session()
        if key not in read_session(data_dir, session_id).values:
            raise missing_key(settings, key, scope, "delete")
    with _writer(settings, scope) as (session, target):
        existed = session.delete(key, target, flush=True)
        where = session.session_id
    if not existed:
        raise missing_key(settings, key, scope, "delete")
    if as_json:
        render.emit_json({"key": key, "scope": scope, "session_id": where, "deleted": True})
    else:
        out(messages.text("delete.done", key=key, scope=scope, where=_where(where)))


# -- helpers ---------------------------------------------------------------------------------------
def _read_scope(settings: Settings, scope: StateScope, key: str) -> Any:
    """A USER or APP value, or ``_MISSING``; a store that does not exist yet is not created."""
    from sessionkeeper.core import StateScope, app_store_paths, read_scope, user_store_paths

    places = settings.places
    if scope is StateScope.APP:
        settings.existing_data_dir()
        paths = app_store_paths(places.data_dir)
    else:
        paths = user_store_paths(places.user_dir)
    if not paths.exists():
        return _MISSING
    # Lock-free and read-only: reading a value never writes a file.
    view = read_scope(paths, scope.value)
    for line in view.report.warnings + view.report.dropped:
        console.warn(f"{scope.value} scope: {line}")
    return view.get(key, _MISSING)


@contextmanager
def _writer(settings: Settings, scope_name: str) -> Iterator[tuple[SessionManager, StateScope]]:
    """The manager and scope a ``set``/``delete`` writes to (the current session for SESSION)."""
    from sessionkeeper.core import StateScope

    scope = to_scope(scope_name)
    if scope is StateScope.SESSION:
        _, session_id = settings.current_session()
        with settings.manager() as session:
            session.resume(session_id)
            yield session, scope
        return
    if scope is StateScope.APP:
        settings.existing_data_dir()  # only `start` and `import` create a data directory
    with settings.manager() as session:
        yield session, scope


def _where(session_id: str | None) -> str:
    return messages.text("where.session", id=session_id) if session_id else ""
