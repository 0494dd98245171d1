"""The secrets filter: every string the hooks store passes through it first.

Like Atuin's secrets filter, it runs *before* anything is recorded, so a token typed on a command
line, printed to stderr or put in a task title never reaches a journal, a snapshot or a backup.
Unlike Atuin, which drops such a command altogether, the command is kept with the secret replaced
by ``[REDACTED]``: the analyzer still sees that ``mysql ... -p[REDACTED]`` ran and how it ended.

The built-in rules (:mod:`._secret_rules`, after gitleaks' and detect-secrets' rule lists) cover
the token formats of the big providers (cloud keys, GitHub, GitLab, Slack, Stripe, OpenAI,
Anthropic, npm, PyPI, ... JWTs, PEM private keys) and the usual ways secrets are passed: headers,
``--password ...`` / ``NAME=value`` / ``name: value`` where the name says secret (judged by
:mod:`._secret_names`), ``user:pass@`` in URLs, and the password options of common programs (mysql's
``-pSECRET``, ``docker login -p``, ``curl -u user:pass``, ``sshpass``, ``redis-cli -a``, ``htpasswd -b``,
``openssl pass:``, ``aws configure set``, ...). More rules come from the constructor or
``SESSIONKEEPER_REDACT_PATTERNS`` (one regex per line, or a JSON array of regexes). A rule with a
group named ``secret`` has only that group replaced; otherwise the whole match is.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterable, Sequence

from ._compiled_rules import builtin_rules, replacer
from ._secret_names import (
    NONE,
    REDACTED,
    STEMS,
    STRONG,
    looks_random,
    name_strength,
    plausible_secret,
    regex,
)
from .errors import InvalidRedactionPatternError

__all__ = [
    "PATTERNS_ENV",
    "REDACTED",
    "Redactor",
    "patterns_from_env",
]

PATTERNS_ENV = "SESSIONKEEPER_REDACT_PATTERNS"

_CACHED_LENGTH = 256
_CACHE_SIZE = 1024


def patterns_from_env(environ: dict[str, str] | os._Environ[str] | None = None) -> list[str]:
    """The extra patterns of ``SESSIONKEEPER_REDACT_PATTERNS``: a JSON array of regexes, or one per line."""
    raw = (os.environ if environ is None else environ).get(PATTERNS_ENV, "")
    if not raw.strip():
        return []
    if raw.lstrip().startswith("["):
        try:
            loaded = json.loads(raw)
        except ValueError as exc:
            raise InvalidRedactionPatternError(f"{PATTERNS_ENV} is not a JSON array: {exc}") from None
        if not isinstance(loaded, list) or not all(isinstance(item, str) for item in loaded):
            raise InvalidRedactionPatternError(f"{PATTERNS_ENV} must be a JSON array of strings")
        return [item for item in loaded if item]
    return [line for line in raw.splitlines() if line.strip()]


def _compile(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        return pattern
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InvalidRedactionPatternError(f"invalid redaction pattern {pattern!r}: {exc}") from None


class Redactor:
    """Replaces secrets in text with ``[REDACTED]``.

    ``extra_patterns`` adds rules (strings are compiled as regexes); with ``use_env`` (default) the
    patterns of ``SESSIONKEEPER_REDACT_PATTERNS`` are added too. An invalid pattern raises
    :class:`InvalidRedactionPatternError` here, at construction, never later while recording.
    """

    __slots__ = ("_arg_cache", "_cache", "_command_cache", "_extra", "_rules")

    def __init__(self, extra_patterns: Iterable[str | re.Pattern[str]] = (), *, use_env: bool = True) -> None:
        extra = list(extra_patterns)
        if use_env:
            extra += patterns_from_env()
        self._rules = builtin_rules()
        self._extra = tuple((compiled, replacer(compiled)) for compiled in map(_compile, extra))
        # Runners repeat themselves (the same cwd, task ids, titles and commands), so short texts
        # are remembered: a dict look-up instead of a regex scan. Bounded by clearing when full.
        self._cache: dict[str, str] = {}
        self._command_cache: dict[tuple[str, ...], str] = {}
        self._arg_cache: dict[str, str] = {}  # arguments redacted alone (see _redact_args)

    def _present(self, text: str) -> frozenset[int]:
        """The rules whose trigger ``text`` holds (one scan; usually none or a few)."""
        return self._rules.present(text.lower())

    def redact(self, text: str) -> str:
        """``text`` with every secret the rules find replaced by ``[REDACTED]``."""
        if len(text) > _CACHED_LENGTH:
            return self._redact(text)
        cache = self._cache
        result = cache.get(text)
        if result is None:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            result = cache[text] = self._redact(text)
        return result

    def _redact(self, text: str, present: frozenset[int] | None = None, *, always: bool = True) -> str:
        if present is None:
            present = self._present(text)
        triggered = self._rules.triggered
        for index in sorted(present):
            text = triggered[index](text)
        if always:  # shapes without a usable literal (Discord, Twilio keys)
            for apply in self._rules.always:
                text = apply(text)
        for pattern, replace in self._extra:  # user rules have no known trigger: always run
            text = pattern.sub(replace, text)
        return text

    def redact_command(self, command: str | Sequence[str]) -> str:
        """A command line as one redacted string.

        A list is redacted as the line ``shlex.join`` makes of it, plus: an argument that joining
        quotes is redacted on its own first (quoting could hide a secret from the rules: a script
        for sh -c, a value with spaces), and the two-argument forms ``--password SECRET`` and
        mysql's ``-pSECRET`` are handled by position. The joined line catches the forms whose
        secret only shows in context (``curl -u user:SECRET``, ``docker login -p SECRET``, ``aws
        configure set aws_secret_access_key SECRET``) in a list as in a string.
        """
        if isinstance(command, str):
            return self.redact(command)
        given = tuple(command)
        try:
            cached = self._command_cache.get(given)  # a repeated list of str: one look-up
        except TypeError:  # an argument that cannot be hashed: converted below
            cached = None
        if cached is None:
            args = [arg if type(arg) is str else _text_of(arg) for arg in given]
            if len(self._command_cache) >= _CACHE_SIZE:
                self._command_cache.clear()
            cached = self._redact_args(args)
            if sum(map(len, args)) <= _CACHED_LENGTH:
                self._command_cache[tuple(args)] = cached
        return cached

    def _redact_args(self, args: list[str]) -> str:
        spaced = " ".join(args)
        lowered = spaced.lower()
        # One scan of the arguments joined by spaces finds every literal of the quoted line too
        # (shlex.join only adds quotes, and no literal holds one), and every literal of each
        # argument: the rules called for by the joined line.
        present = self._rules.present(lowered)
        plain = _plain(args, spaced)  # nothing to quote: shlex.join would give `spaced`
        if not present and not self._extra:  # nothing secret-looking: the common case
            joined = spaced if plain else shlex.join(args)
            for apply in self._rules.always:
                joined = apply(joined)
            return joined
        rules = self._rules
        # An argument joining leaves as it is is in the joined line as it is, so the rules run
        # there find what they would find in it alone, but for the few that say otherwise.
        every_argument = bool(self._extra) or rules.per_argument.search(lowered) is not None
        alone = every_argument or not plain
        options = rules.named_values in present  # may an option name announce a secret?
        redacted: list[str] = []
        hide_next = NONE  # the strength of the option just seen, when it takes the next argument
        for arg in args:
            if hide_next and not arg.startswith("-"):
                secret = plausible_secret(arg) if hide_next == STRONG else looks_random(arg)
                hide_next = NONE
                if secret:
                    redacted.append(REDACTED)
                    continue
            if options:
                hide_next = _option_strength(arg)
            if len(arg) > 2 and arg.startswith("-p") and _mysql_like(args[0]):
                redacted.append("-p" + REDACTED)
                continue
            alone_too = alone and (every_argument or not _unquoted(arg))
            redacted.append(self._redact_alone(arg) if alone_too else arg)
        joined = spaced if plain and redacted == args else shlex.join(redacted)
        # The joined line has nothing the original had not (only less): its triggers are known.
        return self._redact(joined, present)

    def _redact_alone(self, arg: str) -> str:
        """One argument redacted on its own (remembered, like a short text)."""
        cache = self._arg_cache
        result = cache.get(arg)
        if result is None:
            present = self._present(arg)
            # An argument whose only trigger is a secret word, but that has no room for NAME=value,
            # name: value or --name value, has nothing for the named-values rule to find.
            if self._extra or (present and not (present == self._rules.named_only and _no_named_value(arg))):
                result = self._redact(arg, present, always=False)
            else:
                result = arg
            if len(arg) <= _CACHED_LENGTH:
                if len(cache) >= _CACHE_SIZE:
                    cache.clear()
                cache[arg] = result
        return result


def _text_of(arg: object) -> str:
    """An argument that is not a str, as text: a path or bytes decoded as the OS would."""
    return os.fsdecode(arg) if isinstance(arg, bytes | os.PathLike) else str(arg)


# What shlex.quote leaves as it is (its own test; (?a): ASCII \w, as shlex has it).
_UNQUOTED = r"(?a)[\w@%+=:,./-]+"


def _unquoted(arg: str) -> bool:
    """Whether shlex.join takes ``arg`` as it is."""
    return regex(_UNQUOTED).fullmatch(arg) is not None


def _plain(args: list[str], spaced: str) -> bool:
    """Whether shlex.join takes every argument as it is (then it gives ``spaced``): one test of
    the whole line, not one per argument."""
    return (
        spaced.count(" ") == len(args) - 1  # no argument holds a space (nor is the list empty)
        and regex(_PLAIN_LINE).fullmatch(spaced) is not None
        and "" not in args  # nor is empty (quoted as '')
    )


_PLAIN_LINE = r"(?a)[\w@%+=:,./ -]*"


_SECRET_OPTION = r"(?i)--?((?=[A-Za-z])[\w.-]*?(?:" + "|".join(STEMS) + r")[\w.-]*)"


_ANY_STEM = "|".join(STEMS)  # what every _SECRET_OPTION holds


def _mysql_like(program: str) -> bool:
    """Whether ``program`` takes its password as ``-pSECRET``."""
    name = os.path.basename(program).lower()
    return name.startswith(("mysql", "mariadb")) or name == "sshpass"


def _option_strength(arg: str) -> int:
    """How secret an option (``--password``, ``-pw``) makes the argument after it."""
    if arg[:1] != "-":
        return NONE
    # Whether it holds a secret word first: the lazy, case-insensitive full match costs ~1.5 µs,
    # the search ~0.3 µs. Lower-cased ASCII is matched as (?i) would; other text goes the long way
    # (re's (?i) also takes the long s, U+017F, for "s" and the dotless i for "i", which lower()
    # leaves as they are).
    if arg.isascii() and regex(_ANY_STEM).search(arg.lower()) is None:
        return NONE
    option = regex(_SECRET_OPTION).fullmatch(arg)
    return name_strength(option.group(1), "option") if option else NONE


def _no_named_value(arg: str) -> bool:
    """No NAME=value, name: value or --name value can be inside ``arg`` (an option, a path)."""
    return "=" not in arg and ":" not in arg and regex(r"\s").search(arg) is None
