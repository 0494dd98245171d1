"""The built-in rules of :mod:`._secret_rules`, compiled once per process for :mod:`.redaction`.

Compiling happens on the first :class:`~.redaction.Redactor`, never at import: a runner imports
the hooks whether or not it records anything (tests/hooks/test_never_harms.py checks it).

The trigger scan finds, in one pass over a lower-cased text, which rules' literals it holds, so
that only those rules run. It is an Aho-Corasick automaton (pyahocorasick, a dependency of
session-hooks) where that library can be imported — ~4x cheaper than ``re`` on a command line,
~5x on a 2 kB output tail — and otherwise a regular expression with the same answer.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from functools import cache, partial
from typing import Any, NamedTuple

from ._secret_names import REDACTED, redact_named_values, regex
from ._secret_rules import BUILTIN_RULES

__all__ = ["Apply", "Rules", "builtin_rules", "replacer", "trie_pattern"]

Apply = Callable[[str], str]
_Replace = Callable[[re.Match[str]], str]
_Check = Callable[[re.Match[str]], bool]
_Trie = dict[str, "_Trie"]


def _replace_secret(match: re.Match[str]) -> str:
    start, end = match.span("secret")
    if start < 0:  # the group did not take part in this match
        return REDACTED
    whole_start = match.start()
    text = match.group()
    return text[: start - whole_start] + REDACTED + text[end - whole_start :]


def _replace_all(_match: re.Match[str]) -> str:
    return REDACTED


def _already_redacted(value: str) -> bool:
    return value.strip("\"'") == REDACTED


def replacer(pattern: re.Pattern[str], check: _Check | None = None) -> _Replace:
    """What ``pattern.sub`` replaces a match with: the group named ``secret`` if there is one
    (and ``check`` takes it for a secret), else the whole match."""
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


def trie_pattern(literals: Iterable[str]) -> str:
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


class Rules(NamedTuple):
    """The built-in rules, compiled."""

    triggered: tuple[Apply, ...]  # in order; run when one of their literals is present
    always: tuple[Apply, ...]  # run on every text
    scan: re.Pattern[str]  # the trigger scan as a regex, over lower-cased text
    # The rules (indices into `triggered`) a literal reported by `scan` calls for. The scan
    # reports, at every position (a look-ahead, so overlapping literals are all seen), the longest
    # literal starting there: "password" is reported as "passw", never as "pass", so "passw" calls
    # for the rules of "pass" too (of every literal that is a prefix of it).
    rules_of: dict[str, frozenset[int]]
    # The same scan as an Aho-Corasick automaton (None without pyahocorasick): it reports every
    # literal at every place, each with the rules of that literal alone.
    automaton: Any
    named_values: int  # the index of the named-values rule (NAME=value, --name value, ...)
    named_only: frozenset[int]  # what an argument holding only a secret word calls for
    # Whether a (lower-cased) text holds a trigger of a rule run on every argument alone
    # (Rule.per_argument); a scan of its own, so that which arguments are redacted alone never
    # depends on which rules the trigger scan called for (tests/hooks/test_secret_corpus.py runs
    # every rule on every text and expects the same lines).
    per_argument: re.Pattern[str]

    def present(self, lowered: str) -> frozenset[int]:
        """The rules whose trigger the lower-cased text holds (usually none or a few)."""
        if self.automaton is not None:
            found = [rules for _end, rules in self.automaton.iter(lowered)]
            return frozenset().union(*found) if found else _NO_RULES
        literals = self.scan.findall(lowered)
        if not literals:
            return _NO_RULES  # shared: no new frozenset for the common case
        rules_of = self.rules_of
        return frozenset().union(*(rules_of[literal] for literal in set(literals)))


_NO_RULES: frozenset[int] = frozenset()


def _guarded(apply: Apply, guard: str) -> Apply:
    def guarded(text: str) -> str:
        return apply(text) if guard in text else text

    return guarded


def _automaton(by_literal: dict[str, set[int]]) -> Any:
    """The literals as an Aho-Corasick automaton, or None when pyahocorasick cannot be used (the
    regex scan gives the same answer, only slower: a missing accelerator must not stop the
    recording)."""
    try:
        ahocorasick = importlib.import_module("ahocorasick")  # no type stubs: used as Any
        automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        for literal, rules in by_literal.items():
            automaton.add_word(literal, frozenset(rules))
        automaton.make_automaton()
    except Exception:
        return None
    return automaton


@cache
def builtin_rules(*, automaton: bool = True) -> Rules:
    """The built-in rules compiled, once per process (on the first Redactor, not at import).
    ``automaton=False``: without the Aho-Corasick scan (what runs when it cannot be imported)."""
    triggered: list[Apply] = []
    always: list[Apply] = []
    by_literal: dict[str, set[int]] = {}
    named = -1
    per_argument: set[str] = set()
    for rule in BUILTIN_RULES:
        if rule.function is not None:
            apply = rule.function
        else:
            compiled = regex(rule.regex)
            apply = partial(compiled.sub, replacer(compiled, rule.check))
        if not rule.triggers:
            always.append(_guarded(apply, rule.guard) if rule.guard else apply)
            continue
        for literal in rule.triggers:
            by_literal.setdefault(literal, set()).add(len(triggered))
        if rule.function is redact_named_values:
            named = len(triggered)
        if rule.per_argument:
            per_argument.update(rule.triggers)
        triggered.append(apply)
    rules_of = {
        literal: frozenset().union(*(by_literal.get(literal[:end], ()) for end in range(1, len(literal) + 1)))
        for literal in by_literal
    }
    return Rules(
        triggered=tuple(triggered),
        always=tuple(always),
        # Matched against lower-cased text: a case-insensitive alternation is ~8x slower in `re`.
        scan=re.compile(f"(?=({trie_pattern(by_literal)}))"),
        rules_of=rules_of,
        automaton=_automaton(by_literal) if automaton else None,
        named_values=named,
        named_only=frozenset({named}),
        per_argument=re.compile(trie_pattern(per_argument) or "(?!)"),  # (?!): matches nothing
    )
