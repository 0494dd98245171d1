"""The secrets filter: every string the hooks store passes through it first.

Like Atuin's secrets filter, it runs *before* anything is recorded, so a token typed on a command
line, printed to stderr or put in a task title never reaches a journal, a snapshot or a backup.
Unlike Atuin, which drops such a command altogether, the command is kept with the secret replaced
by ``[REDACTED]``: the analyzer still sees that ``mysql ... -p[REDACTED]`` ran and how it ended.

The built-in rules cover the token formats of the big providers (AWS, GitHub, GitLab, Slack,
OpenAI, Stripe, Google, npm, PyPI, JWTs, PEM private keys) and the usual ways secrets are passed:
``Authorization:`` headers, ``--password=...`` / ``--password ...`` options, mysql's ``-pSECRET``,
``user:pass@`` in URLs and ``NAME=value`` where NAME contains TOKEN, SECRET, PASSWORD or KEY. More
rules come from the constructor or ``SESSIONKEEPER_REDACT_PATTERNS`` (one regex per line, or a
JSON array of regexes). A rule with a group named ``secret`` has only that group replaced;
otherwise the whole match is.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "PATTERNS_ENV",
    "REDACTED",
    "InvalidRedactionPatternError",
    "Redactor",
    "patterns_from_env",
]

REDACTED = "[REDACTED]"
PATTERNS_ENV = "SESSIONKEEPER_REDACT_PATTERNS"

# A value on a command line or in a config line: quoted (up to the closing quote) or one word.
_VALUE = r"""(?:"[^"\n]*"?|'[^'\n]*'?|[^\s"';&|]+)"""
_FLAG_NAMES = (
    r"(?:password|passwd|pass|pwd|passin|passout|token|secret|api[-_]?key|access[-_]?token"
    r"|auth[-_]?token|client[-_]?secret|private[-_]?key)"
)
_NAME_WORDS = r"(?:token|secret|password|passwd|key|credentials?)"

_SECRET_WORDS = ("token", "secret", "passw", "key", "credential")


@dataclass(frozen=True)
class _Rule:
    """One built-in rule: a regex, and the (lower-case) literals one of which any match contains.

    The literals let :meth:`Redactor.redact` skip every rule whose trigger is absent after a single
    scan of the text, so a command with nothing secret-looking in it costs one regex search.
    """

    name: str
    regex: str
    triggers: tuple[str, ...]


# Every rule runs on the output of the previous one; the marker "[REDACTED]" matches none of
# them, so a replaced secret is never replaced again. Patterns only start matching at word starts
# (look-behinds) so that a long run of word characters costs linear, not quadratic, time.
_BUILTIN_RULES: tuple[_Rule, ...] = (
    _Rule(
        "pem-private-key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
        ("private key",),
    ),
    # The end of a key whose beginning was cut off (an output tail): everything up to its END line.
    _Rule("pem-private-key-end", r"\A[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----", ("private key",)),
    _Rule("aws-access-key-id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", ("akia", "asia", "abia", "acca")),
    _Rule(
        "aws-secret-access-key",
        r"(?i)\baws_?secret_?access_?key[\"']?\s*[:=]\s*(?P<secret>" + _VALUE + ")",
        ("secret",),
    ),
    _Rule(
        "github-token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _Rule("gitlab-token", r"\bglpat-[A-Za-z0-9_\-]{20,}", ("glpat-",)),
    _Rule(
        "slack-token",
        r"\b(?:xox[abposr]|xapp)-[A-Za-z0-9\-]{10,}",
        ("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "xapp-"),
    ),
    _Rule("openai-key", r"\bsk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_\-]{20,}", ("sk-",)),
    _Rule("stripe-key", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}", ("k_live_", "k_test_")),
    _Rule("google-api-key", r"\bAIza[0-9A-Za-z_\-]{35}", ("aiza",)),
    _Rule("npm-token", r"\bnpm_[A-Za-z0-9]{36}", ("npm_",)),
    _Rule("pypi-token", r"\bpypi-AgE[A-Za-z0-9_\-]{50,}", ("pypi-",)),
    _Rule("jwt", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*", ("eyj",)),
    # The rest of the header value, up to the end of the line or a closing quote.
    _Rule(
        "authorization-header",
        r"(?i)\b(?:proxy-)?authorization\s*[:=]\s*[\"']?"
        r"(?:(?:bearer|basic|token|digest|negotiate|ntlm)\s+)?(?P<secret>[^\s\"'][^\n\"']*)",
        ("authorization",),
    ),
    _Rule("bearer-token", r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9\-._~+/]{8,}=*)", ("bearer",)),
    _Rule(
        "api-key-header",
        r"(?i)\bx-(?:api-?key|auth-?token|access-?token)\s*:\s*(?P<secret>[^\s\"',;]+)",
        ("x-api", "x-auth", "x-access"),
    ),
    _Rule("cookie-header", r"(?i)\b(?:set-)?cookie\s*:\s*(?P<secret>[^\n\"']+)", ("cookie",)),
    _Rule(
        "password-option",
        r"(?i)(?<![\w-])--?" + _FLAG_NAMES + r"=(?P<secret>" + _VALUE + ")",
        ("pass", "pwd", "token", "secret", "key"),
    ),
    _Rule(
        "password-option-separate",
        r"(?i)(?<![\w-])--?" + _FLAG_NAMES + r"\s+(?P<secret>(?!-)" + _VALUE + ")",
        ("pass", "pwd", "token", "secret", "key"),
    ),
    # -pSECRET is mysql's (and mariadb's, sshpass') way; for other programs -p means something else
    # (mkdir -p, cp -p, pytest -pno:...), so the rule only fires after one of those program names.
    _Rule(
        "mysql-password",
        r"(?i)\b(?:mysql[\w-]*|mariadb[\w-]*|sshpass)\b[^\n|;&]*?\s[\"']?-p(?P<secret>[^\s\"'|;&]+)",
        ("mysql", "mariadb", "sshpass"),
    ),
    _Rule("url-credentials", r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/:@\"']*:(?P<secret>[^\s/@\"']+)@", ("://",)),
    _Rule(
        "secret-assignment",
        r"(?i)(?<![\w.-])-{0,2}(?=[A-Za-z_])[\w.-]*?" + _NAME_WORDS + r"[\w.-]*=(?P<secret>" + _VALUE + ")",
        _SECRET_WORDS,
    ),
    _Rule(
        "secret-field",
        r"(?i)(?<![\w.-])[\"']?(?=[A-Za-z_])[\w.-]*?"
        r"(?:token|secret|password|passwd|api[-_]?key|private[-_]?key|credentials?)"
        r"[\w.-]*[\"']?\s*:\s*(?P<secret>\"[^\"\n]*\"|'[^'\n]*'|[^\s,}\]\"']+)",
        _SECRET_WORDS,
    ),
)


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


def _replacer(pattern: re.Pattern[str]) -> _Replace:
    return _replace_secret if "secret" in pattern.groupindex else _replace_all


class Redactor:
    """Replaces secrets in text with ``[REDACTED]``.

    ``extra_patterns`` adds rules (strings are compiled as regexes); with ``use_env`` (default) the
    patterns of ``SESSIONKEEPER_REDACT_PATTERNS`` are added too. An invalid pattern raises
    :class:`InvalidRedactionPatternError` here, at construction, never later while recording.
    """

    __slots__ = ("_builtin", "_cache", "_command_cache", "_contained", "_extra", "_triggers")

    def __init__(self, extra_patterns: Iterable[str | re.Pattern[str]] = (), *, use_env: bool = True) -> None:
        extra = list(extra_patterns)
        if use_env:
            extra += patterns_from_env()
        builtin: list[tuple[frozenset[str], re.Pattern[str], _Replace]] = []
        literals: set[str] = set()
        for rule in _BUILTIN_RULES:
            compiled = re.compile(rule.regex)
            builtin.append((frozenset(rule.triggers), compiled, _replacer(compiled)))
            literals.update(rule.triggers)
        self._builtin = tuple(builtin)
        # The trigger scan reports non-overlapping matches, longest literal first: "password" is
        # reported as "passw", never as "pass". Each reported literal therefore stands for every
        # literal it contains, so a rule triggered by "pass" still runs.
        self._contained = {outer: frozenset(i for i in literals if i in outer) for outer in literals}
        alternatives = "|".join(re.escape(lit) for lit in sorted(literals, key=len, reverse=True))
        # Matched against lower-cased text: a case-insensitive alternation is ~8x slower in `re`.
        self._triggers = re.compile(alternatives)
        self._extra = tuple((compiled, _replacer(compiled)) for compiled in map(_compile, extra))
        # Runners repeat themselves (the same cwd, task ids, titles and commands), so short texts
        # are remembered: a dict look-up instead of a regex scan. Bounded by clearing when full.
        self._cache: dict[str, str] = {}
        self._command_cache: dict[tuple[str, ...], str] = {}

    def _present(self, text: str) -> frozenset[str]:
        found = self._triggers.findall(text.lower())
        if not found:
            return frozenset()
        contained = self._contained
        return frozenset().union(*(contained[literal] for literal in set(found)))

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

    def _redact(self, text: str) -> str:
        present = self._present(text)
        if present:
            for triggers, pattern, replace in self._builtin:
                if not triggers.isdisjoint(present):
                    text = pattern.sub(replace, text)
        for pattern, replace in self._extra:  # user rules have no known trigger: always run
            text = pattern.sub(replace, text)
        return text

    def redact_command(self, command: str | Sequence[str]) -> str:
        """A command line as one redacted string.

        A list is redacted argument by argument (so a secret containing quotes or spaces is
        caught whole), with the two-argument forms ``--password SECRET`` and mysql's ``-pSECRET``
        handled by position, then joined the way a shell would need it (``shlex.join``).
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

    def _redact_args(self, args: list[str]) -> str:
        if not self._extra and not self._present(" ".join(args)):
            return shlex.join(args)  # nothing secret-looking anywhere: the common, cheap case
        program = os.path.basename(args[0]).lower() if args else ""
        mysql_like = program.startswith(("mysql", "mariadb")) or program == "sshpass"
        redacted: list[str] = []
        hide_next = False
        for arg in args:
            if hide_next and not arg.startswith("-"):
                redacted.append(REDACTED)
                hide_next = False
                continue
            hide_next = _FLAG_ALONE.fullmatch(arg) is not None
            if mysql_like and len(arg) > 2 and arg.startswith("-p"):
                redacted.append("-p" + REDACTED)
                continue
            redacted.append(self.redact(arg))
        return shlex.join(redacted)


_FLAG_ALONE = re.compile(r"(?i)--?" + _FLAG_NAMES)
