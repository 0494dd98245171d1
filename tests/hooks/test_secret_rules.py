"""Rule.per_argument is right for every regex rule of the secrets filter.

An argument list is redacted as its joined line; an argument that ``shlex.join`` leaves as it is
(only ``[A-Za-z0-9_@%+=:,./-]``) is not also redacted alone, unless a rule present says
``per_argument``. That is safe for a rule when what it finds in such an argument alone it finds in
the joined line too, where the argument stands as it is between single spaces. Two shapes of rule
guarantee it, and this test checks, on the parsed regex, that each rule left False has one:

* *confined*: no match can hold a space (nor can a negative look-around see one), no ``\\A``,
  ``\\Z``, ``^`` or ``$``, and a check that reads the match only: its matches inside the argument
  are the same in the joined line, where a space bounds the argument as the text's ends did;
* *needs another character*: every match holds, or asserts next to it, a character that joining
  quotes or a blank (``-p SECRET``, ``(?<=[ \\t])``, ``<<<``): it never matches inside such an
  argument alone, so redacting it alone would find nothing.

The one function rule (named values) is argued in its comment in ``_secret_rules.py`` and held to
it by the corpus tests.
"""

from __future__ import annotations

import importlib
import re
import string
from typing import Any

import pytest

from sessionkeeper.hooks._secret_rules import BUILTIN_RULES, Rule, _plausible, _random

_parser: Any = importlib.import_module("re._parser")  # no stubs: the parser is private to `re`
_c: Any = importlib.import_module("re._constants")

UNQUOTED = frozenset(string.ascii_letters + string.digits + "_@%+=:,./-")  # what shlex.join leaves
SPACE = " "  # what separates the arguments in the joined line
CONTEXT_FREE_CHECKS = (None, _plausible, _random)  # judge the match's own text, nothing around it
_CATEGORIES = {
    _c.CATEGORY_DIGIT: r"\d",
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w",
    _c.CATEGORY_NOT_WORD: r"\W",
}
_TEXT_EDGES = {_c.AT_BEGINNING, _c.AT_BEGINNING_STRING, _c.AT_END, _c.AT_END_STRING}


def _one_char_matches(op: Any, av: Any, char: str, ignore_case: bool) -> bool:
    """Whether the one-character element (op, av) can match ``char`` (erring towards yes)."""
    variants = {char, char.lower(), char.upper(), char.swapcase()} if ignore_case else {char}
    if op is _c.ANY:
        return char != "\n"
    if op is _c.LITERAL:
        return chr(av) in variants
    if op is _c.NOT_LITERAL:
        return chr(av) not in variants or ignore_case
    if op is _c.IN:
        negated = bool(av) and av[0][0] is _c.NEGATE
        items = [(item_op, item_av) for item_op, item_av in av if item_op is not _c.NEGATE]
        found = any(_in_item(item_op, item_av, variants) for item_op, item_av in items)
        return found != negated or (negated and ignore_case)
    raise AssertionError(f"not a one-character element: {op}")


def _in_item(op: Any, av: Any, variants: set[str]) -> bool:
    if op is _c.LITERAL:
        return chr(av) in variants
    if op is _c.RANGE:
        return any(av[0] <= ord(char) <= av[1] for char in variants)
    if op is _c.CATEGORY:
        return any(re.fullmatch(_CATEGORIES[av], char) for char in variants)
    raise AssertionError(f"unexpected set item: {op}")


_ONE_CHAR = {_c.ANY, _c.LITERAL, _c.NOT_LITERAL, _c.IN}


def _needs_other(items: Any, ignore_case: bool) -> bool:
    """Whether every match of ``items`` holds or asserts a character outside UNQUOTED."""
    return any(_element_needs_other(op, av, ignore_case) for op, av in items)


def _element_needs_other(op: Any, av: Any, ignore_case: bool) -> bool:
    if op in _ONE_CHAR:
        return not any(_one_char_matches(op, av, char, ignore_case) for char in UNQUOTED)
    if op is _c.BRANCH:
        return all(_needs_other(branch, ignore_case) for branch in av[1])
    if op is _c.SUBPATTERN:
        return _needs_other(av[3], ignore_case or bool(av[1] & re.IGNORECASE))
    if op is _c.ATOMIC_GROUP:
        return _needs_other(av, ignore_case)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        return av[0] >= 1 and _needs_other(av[2], ignore_case)
    if op is _c.ASSERT:  # a look-around that must see such a character next to the match
        return _needs_other(av[1], ignore_case)
    if op is _c.GROUPREF_EXISTS:
        return _needs_other(av[1], ignore_case) and av[2] is not None and _needs_other(av[2], ignore_case)
    return False  # AT, ASSERT_NOT, GROUPREF: hold nothing for sure


def _confined(items: Any, ignore_case: bool) -> bool:
    """Whether no match of ``items`` can hold, or depend on, a space or the text's ends."""
    for op, av in items:
        if op in _ONE_CHAR:
            if _one_char_matches(op, av, SPACE, ignore_case):
                return False
        elif op is _c.AT:
            if av in _TEXT_EDGES:
                return False
        elif op is _c.BRANCH:
            if not all(_confined(branch, ignore_case) for branch in av[1]):
                return False
        elif op is _c.SUBPATTERN:
            if not _confined(av[3], ignore_case or bool(av[1] & re.IGNORECASE)):
                return False
        elif op is _c.ATOMIC_GROUP:
            if not _confined(av, ignore_case):
                return False
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            if not _confined(av[2], ignore_case):
                return False
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            # A positive look-around only finds more in the joined line; a negative one finds
            # the same as long as it cannot see the space either.
            if not _confined(av[1], ignore_case):
                return False
        else:  # back-references, conditionals: not used by confined rules; say no
            return False
    return True


def _parsed(rule: Rule) -> tuple[Any, bool]:
    parsed = _parser.parse(rule.regex)
    return parsed, bool(parsed.state.flags & re.IGNORECASE)


REGEX_RULES = [rule for rule in BUILTIN_RULES if rule.function is None and rule.triggers]
JOINED_ONLY = [rule for rule in REGEX_RULES if not rule.per_argument]
EVERY_ARGUMENT = [rule for rule in REGEX_RULES if rule.per_argument]


@pytest.mark.parametrize("rule", JOINED_ONLY, ids=lambda r: r.name)
def test_a_rule_run_only_on_the_joined_line_finds_there_what_it_would_in_an_unquoted_argument(
    rule: Rule,
) -> None:
    parsed, ignore_case = _parsed(rule)
    needs_other = _needs_other(parsed, ignore_case)
    confined = _confined(parsed, ignore_case) and rule.check in CONTEXT_FREE_CHECKS
    assert needs_other or confined, f"{rule.name} must say per_argument=True"


@pytest.mark.parametrize("rule", EVERY_ARGUMENT, ids=lambda r: r.name)
def test_a_rule_run_on_every_argument_needs_to_be(rule: Rule) -> None:
    # Not a safety property (running a rule more often is always safe), but a cost: each such rule
    # makes every argument of a command that calls for it be redacted alone as well.
    parsed, ignore_case = _parsed(rule)
    assert not _needs_other(parsed, ignore_case)
    assert not (_confined(parsed, ignore_case) and rule.check in CONTEXT_FREE_CHECKS)


def test_the_analysis_tells_the_shapes_apart() -> None:
    def judge(pattern: str) -> tuple[bool, bool]:
        parsed, ignore_case = _parsed(Rule("t", pattern, ("t",)))
        return _needs_other(parsed, ignore_case), _confined(parsed, ignore_case)

    assert judge(r"\bghp_[A-Za-z0-9]{20,}") == (False, True)
    assert judge(r"(?<=[ \t])-p(?P<secret>\S+)") == (True, False)
    assert judge(r"(?i)\bbearer\s+(?P<secret>\w{8,})") == (True, False)
    assert judge(r"key\s*=\s*(?P<secret>\w+)") == (False, False)
    assert judge(r"(?<![ \t])key-\w+") == (False, False)  # a negative look-behind sees the space
    assert judge(r"key-\w+\Z") == (False, False)
    assert judge(r"<<<\w+") == (True, True)
