"""When a key is not there: say where it is, or which near name was probably meant.

``session get user:theme`` (a USER key, asked in the SESSION scope) says it is in the user scope;
``session get current_Feature`` asks "did you mean 'current_feature'?". Each comes with the
command that works as its ``hint:`` line. Only the failure path pays for this: the other scopes
are read lock-free, read-only, and only when their stores exist (nothing is created).
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping

from sessionkeeper.cli.context import Settings
from sessionkeeper.cli.errors import CliError

from .options import SCOPES

__all__ = ["MAX_FUZZY_KEYS", "missing_key", "near_names"]

MAX_FUZZY_KEYS = 10_000  # beyond this many keys in a scope only a case-insensitive match is looked for
_CUTOFF = 0.75  # difflib's similarity: 'current_Feature' / 'current_feature' is 0.93, 'a' / 'b' is 0


def missing_key(settings: Settings, key: str, scope: str, verb: str) -> CliError:
    """The error for ``session VERB KEY --scope SCOPE`` when KEY is not in SCOPE."""
    keys = _keys_by_scope(settings)
    others = [other for other in SCOPES if other != scope]
    for other in others:
        if key in keys.get(other, ()):
            return CliError(
                "error.no_key_elsewhere", key=key, scope=scope, other=other, hint=_command(verb, key, other)
            )
    near = near_names(key, keys.get(scope, ()))
    if near:
        return CliError(
            "error.no_key_near", key=key, scope=scope, names=_names(near), hint=_command(verb, near[0], scope)
        )
    for other in others:
        near = near_names(key, keys.get(other, ()))
        if near:
            return CliError(
                "error.no_key_near_elsewhere",
                key=key,
                scope=scope,
                other=other,
                names=_names(near),
                hint=_command(verb, near[0], other),
            )
    return CliError("error.no_key", key=key, scope=scope)


def near_names(key: str, keys: Collection[str]) -> list[str]:
    """The keys ``key`` was probably meant to be, best first: the same but for case, else up to
    three similar ones."""
    folded = key.casefold()
    same = sorted(name for name in keys if name.casefold() == folded)
    if same or len(keys) > MAX_FUZZY_KEYS:
        return same
    import difflib  # only on a failure: `session --help` loads this module too

    return difflib.get_close_matches(key, sorted(keys), n=3, cutoff=_CUTOFF)


def _names(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _command(verb: str, key: str, scope: str) -> str:
    import shlex

    words = ["session", verb, key] + ([] if scope == "session" else ["--scope", scope])
    return shlex.join(words)


def _keys_by_scope(settings: Settings) -> Mapping[str, Collection[str]]:
    """The keys of every scope that can be read now (one that cannot, or does not exist, is left out)."""
    found: dict[str, Collection[str]] = {}
    for scope in SCOPES:
        # A suggestion must never turn one failure into another: a scope that fails is left out.
        with contextlib.suppress(Exception):
            keys = _keys(settings, scope)
            if keys is not None:
                found[scope] = keys
    return found


def _keys(settings: Settings, scope: str) -> list[str] | None:
    from sessionkeeper.core import app_store_paths, read_current, read_scope, read_session, user_store_paths

    data_dir = settings.places.data_dir
    if scope == "user":
        paths = user_store_paths(settings.places.user_dir)
    elif not data_dir.is_dir():
        return None
    elif scope == "app":
        paths = app_store_paths(data_dir)
    else:
        current = read_current(data_dir)
        return None if current is None else read_session(data_dir, current).keys()
    return read_scope(paths, scope).keys() if paths.exists() else None
