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
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from functools import cache, partial
from itertools import accumulate
from typing import NamedTuple

from ._secret_names import (
    NONE,
    REDACTED,
    STEMS,
    STRONG,
    looks_random,
    name_strength,
    plausible_secret,
    redact_named_values,
    regex,
)
from ._secret_rules import BUILTIN_RULES

__all__ = [
    "PATTERNS_ENV",
    "REDACTED",
    "InvalidRedactionPatternError",
    "Redactor",
    "patterns_from_env",
]

PATTERNS_ENV = "SESSIONKEEPER_REDACT_PATTERNS"

_CACHED_LENGTH = 256
_CACHE_SIZE = 1024


class InvalidRedactionPatternError(ValueError):
    """An extra redaction pattern is not a valid regular expression."""


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


def _replace_secret(match: re.Match[str]) -> str:
    start, end = match.span("secret")
    if start < 0:  # the group did not take part in this match
        return REDACTED
    whole_start = match.start()
    text = match.group()
    return text[: start - whole_start] + REDACTED + text[end - whole_start :]


def _replace_all(_match: re.Match[str]) -> str:
    return REDACTED


_Replace = Callable[[re.Match[str]], str]
_Check = Callable[[re.Match[str]], bool]


def _already_redacted(value: str) -> bool:
    return value.strip("\"'") == REDACTED


def _replacer(pattern: re.Pattern[str], check: _Check | None = None) -> _Replace:
    if "secret" not in pattern.groupindex:
        return _replace_all
    if check is None:
        return _replace_secret

    def replace_checked(match: re.Match[str]) -> str:
        # A value replaced by an earlier rule (or by the argument pass) is left as it is, quotes
        # included; anything the check does not take for a secret is left alone too.
        secret = match.group("secret")
        if secret is None or _already_redacted(secret) or not check(match):
            return match.group()
        return _replace_secret(match)

    return replace_checked


_Apply = Callable[[str], str]
_Trie = dict[str, "_Trie"]


def _trie_pattern(literals: Iterable[str]) -> str:
    """A regex matching any of ``literals`` (the longest where several start at one place), written
    as a trie: ``re`` tries a branch's alternatives one by one, so a flat list of 150 literals
    costs ~4x more per scanned character than the same literals factored by their prefixes."""
    trie: _Trie = {}
    for literal in literals:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


class _Rules(NamedTuple):
    """The built-in rules, compiled."""

    triggered: tuple[_Apply, ...]  # in order; run when one of their literals is present
    always: tuple[_Apply, ...]  # run on every text
    scan: re.Pattern[str]  # the trigger scan, over lower-cased text
    # The rules (indices into `triggered`) a literal reported by the scan calls for. The scan
    # reports, at every position (a look-ahead, so overlapping literals are all seen), the longest
    # literal starting there: "password" is reported as "passw", never as "pass", so "passw" calls
    # for the rules of "pass" too (of every literal that is a prefix of it).
    rules_of: dict[str, frozenset[int]]
    named_values: int  # the index of the named-values rule (NAME=value, --name value, ...)


def _guarded(apply: _Apply, guard: str) -> _Apply:
    def guarded(text: str) -> str:
        return apply(text) if guard in text else text

    return guarded


@cache
def _builtin_rules() -> _Rules:
    """The built-in rules compiled, once per process (on the first Redactor, not at import)."""
    triggered: list[_Apply] = []
    always: list[_Apply] = []
    by_literal: dict[str, set[int]] = {}
    named = -1
    for rule in BUILTIN_RULES:
        if rule.function is not None:
            apply = rule.function
        else:
            compiled = regex(rule.regex)
            apply = partial(compiled.sub, _replacer(compiled, rule.check))
        if not rule.triggers:
            always.append(_guarded(apply, rule.guard) if rule.guard else apply)
            continue
        for literal in rule.triggers:
            by_literal.setdefault(literal, set()).add(len(triggered))
        if rule.function is redact_named_values:
            named = len(triggered)
        triggered.append(apply)
    rules_of = {
        literal: frozenset().union(*(by_literal.get(literal[:end], ()) for end in range(1, len(literal) + 1)))
        for literal in by_literal
    }
    # Matched against lower-cased text: a case-insensitive alternation is ~8x slower in `re`.
    scan = re.compile(f"(?=({_trie_pattern(by_literal)}))")
    return _Rules(tuple(triggered), tuple(always), scan, rules_of, named)


class Redactor:
    """Replaces secrets in text with ``[REDACTED]``.

    ``extra_patterns`` adds rules (strings are compiled as regexes); with ``use_env`` (default) the
    patterns of ``SESSIONKEEPER_REDACT_PATTERNS`` are added too. An invalid pattern raises
    :class:`InvalidRedactionPatternError` here, at construction, never later while recording.
    """

    __slots__ = ("_cache", "_command_cache", "_extra", "_rules")

    def __init__(self, extra_patterns: Iterable[str | re.Pattern[str]] = (), *, use_env: bool = True) -> None:
        extra = list(extra_patterns)
        if use_env:
            extra += patterns_from_env()
        self._rules = _builtin_rules()
        self._extra = tuple((compiled, _replacer(compiled)) for compiled in map(_compile, extra))
        # Runners repeat themselves (the same cwd, task ids, titles and commands), so short texts
        # are remembered: a dict look-up instead of a regex scan. Bounded by clearing when full.
        self._cache: dict[str, str] = {}
        self._command_cache: dict[tuple[str, ...], str] = {}

    def _present(self, text: str) -> frozenset[int]:
        """The rules whose trigger ``text`` holds (one scan; usually none or a few)."""
        found = self._rules.scan.findall(text.lower())
        if not found:
            return frozenset()
        rules_of = self._rules.rules_of
        return frozenset().union(*(rules_of[literal] for literal in set(found)))

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

        A list is redacted argument by argument (so a secret containing quotes or spaces is
        caught whole), with the two-argument forms ``--password SECRET`` and mysql's ``-pSECRET``
        handled by position, then joined the way a shell would need it (``shlex.join``), and the
        joined line goes through the rules once more: the forms whose secret only shows in
        context (``curl -u user:SECRET``, ``docker login -p SECRET``, ``aws configure set
        aws_secret_access_key SECRET``) are caught in a list as in a string.
        """
        if isinstance(command, str):
            return self.redact(command)
        args = [arg if type(arg) is str else str(arg) for arg in command]
        key = tuple(args)
        cached = self._command_cache.get(key)
        if cached is None:
            if len(self._command_cache) >= _CACHE_SIZE:
                self._command_cache.clear()
            cached = self._redact_args(args)
            if sum(map(len, args)) <= _CACHED_LENGTH:
                self._command_cache[key] = cached
        return cached

    def _present_in_args(self, args: list[str]) -> tuple[frozenset[int], list[frozenset[int]]]:
        """The rules called for by the whole command, and by each argument alone: one scan.

        Scanning the arguments joined by spaces finds every literal of the quoted line too
        (shlex.join only adds quotes, and no literal holds one), so it serves the joined pass.
        """
        spaced = " ".join(args)
        lowered = spaced.lower()
        if len(lowered) != len(spaced):  # lower-casing changed offsets (rare letters): one by one
            return self._present(spaced), [self._present(arg) for arg in args]
        rules_of = self._rules.rules_of
        per_arg: list[set[int]] = [set() for _ in args]
        ends = list(accumulate(len(arg) + 1 for arg in args))  # each argument's end, plus its space
        whole: set[int] = set()
        for hit in self._rules.scan.finditer(lowered):
            start, literal = hit.start(), hit.group(1)
            whole |= rules_of[literal]
            index = bisect_right(ends, start)
            # The argument gets the rules of the longest of these literals that ends inside it
            # ("set -x" is reported as "set -" at "set": the argument "set" alone has neither).
            room = ends[index] - 1 - start
            while literal and (len(literal) > room or literal not in rules_of):
                literal = literal[:-1]
            if literal:
                per_arg[index] |= rules_of[literal]
        return frozenset(whole), [frozenset(rules) for rules in per_arg]

    def _redact_args(self, args: list[str]) -> str:
        present, present_in = self._present_in_args(args)
        if not present and not self._extra:  # nothing secret-looking: the common case
            joined = shlex.join(args)
            for apply in self._rules.always:
                joined = apply(joined)
            return joined
        program = os.path.basename(args[0]).lower() if args else ""
        mysql_like = program.startswith(("mysql", "mariadb")) or program == "sshpass"
        options = self._rules.named_values in present  # may an option name announce a secret?
        secret_option = regex(_SECRET_OPTION).fullmatch
        named_only = frozenset({self._rules.named_values})
        redacted: list[str] = []
        hide_next = NONE  # the strength of the option just seen, when it takes the next argument
        for arg, arg_present in zip(args, present_in, strict=True):
            if hide_next and not arg.startswith("-"):
                secret = plausible_secret(arg) if hide_next == STRONG else looks_random(arg)
                hide_next = NONE
                if secret:
                    redacted.append(REDACTED)
                    continue
            option = secret_option(arg) if options else None
            hide_next = name_strength(option.group(1), "option") if option else NONE
            if mysql_like and len(arg) > 2 and arg.startswith("-p"):
                redacted.append("-p" + REDACTED)
                continue
            # Each argument as it stands first: quoting could hide a secret from the rules (a script
            # for sh -c, a value with spaces); then the joined line, for the secrets in context
            # (and for the literal-less shapes, which quoting never splits).
            if self._extra or (arg_present and not (arg_present == named_only and _no_named_value(arg))):
                redacted.append(self._redact(arg, arg_present, always=False))
            else:
                redacted.append(arg)
        # The joined line has nothing the original had not (only less): its triggers are known.
        return self._redact(shlex.join(redacted), present)


_SECRET_OPTION = r"(?i)--?((?=[A-Za-z])[\w.-]*?(?:" + "|".join(STEMS) + r")[\w.-]*)"


def _no_named_value(arg: str) -> bool:
    """No NAME=value, name: value or --name value can be inside ``arg`` (an option, a path)."""
    return "=" not in arg and ":" not in arg and not any(char.isspace() for char in arg)
