"""Whether a name (a variable, an option, a field) announces a secret, and whether a value is one.

:func:`redact_named_values` finds ``NAME=VALUE``, ``--name VALUE`` and ``name: VALUE`` wherever
NAME contains a secret-like word (a rule of :mod:`._secret_rules`); these functions decide. A name is
cut into words (``AWS_SECRET_ACCESS_KEY``, ``keyStorePassword``, ``x-api-key`` → aws secret access
key, key store password, x api key), and

- a *strong* name (a password, a passphrase, a client secret, an access token, an API key, any
  ``*_KEY`` environment variable...) hides any value that could be typed as a secret: not a
  ``$VARIABLE``, a path, a file name, ``yes``/``no``...;
- a *weak* name (``token``, ``secret`` or ``key`` alone, ``--sort-key``...) hides only a value that
  looks random (long, mixed letters and digits, high entropy): an S3 object key, a secret's *name*
  or ``StrictHostKeyChecking=no`` stay readable.

Names ending in a word that says the value is not the secret itself (``--password-file``,
``SECRET_ID``, ``TOKEN_URL``, ``--max-tokens``) and options that take no value (``--no-password``,
``--ask-pass``, ``--with-token``) are not secret names. The word lists follow gitleaks' generic-api-key
allowlist and detect-secrets' keyword denylist (see :mod:`._secret_rules` for the credits).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache, lru_cache

__all__ = [
    "NEXT_VALUE",
    "NONE",
    "REDACTED",
    "STEMS",
    "STRONG",
    "VALUE",
    "WEAK",
    "looks_random",
    "name_strength",
    "plausible_secret",
    "redact_named_values",
    "regex",
    "secret_value",
]

REDACTED = "[REDACTED]"
NONE, WEAK, STRONG = 0, 1, 2


@cache
def regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile``, once per process and only when first used: importing the hooks stays cheap
    (a runner imports them whether or not it records anything)."""
    return re.compile(pattern, flags)


# A value on a command line: quoted (up to the closing quote) or one word; never a redirection.
VALUE = r"""(?:"[^"\n]*"?|'[^'\n]*'?|[^\s"';&|<>]+)"""
NEXT_VALUE = r"(?![-<>|&;])" + VALUE  # a separate value: not the next option
# Words that make a name secret-like; every secret name contains one (name_strength judges).
STEMS = ("pass", "pwd", "pw", "token", "secret", "key", "cred", "auth", "bearer", "sas", "sig", "pat")

_WORDS = r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])"
_PASSWORD_WORDS = frozenset({"pass", "pwd", "pw", "pswd", "passwd", "pword", "passcode", "passphrase"})
_NOT_PASSWORDS = frozenset(
    {"bypass", "compass", "multipass", "overpass", "underpass", "onepass", "twopass", "firstpass",
     "secondpass", "singlepass", "encompass", "trespass", "surpass", "oldpwd"}
)  # fmt: skip
_STRONG_WORDS = frozenset(
    {"credential", "credentials", "creds", "auth", "bearer", "sas", "sig", "signature", "pat"}
)
_NOT_KEYS = frozenset({"monkey", "turkey", "hotkey", "pubkey", "publickey", "donkey", "whiskey", "jockey"})
# Words before "key" that make it a secret key (detect-secrets' denylist, gitleaks' keywords).
_KEY_QUALIFIERS = frozenset(
    {"api", "access", "secret", "private", "priv", "master", "encryption", "license", "account", "shared",
     "subscription", "app", "application", "service", "signing", "storage", "auth", "consumer", "client",
     "admin", "root", "sas", "deploy", "ingest", "server", "db", "database", "session", "webhook", "hmac"}
)  # fmt: skip
# A last word that says the value is about the secret, not the secret (gitleaks' allowlist, and more).
_NOT_SECRET_TAILS = frozenset(
    {"file", "files", "path", "dir", "directory", "id", "ids", "name", "names", "url", "uri", "endpoint",
     "host", "type", "kind", "format", "length", "len", "size", "count", "limit", "max", "min", "ttl",
     "expiry", "expires", "expiration", "lifetime", "duration", "timeout", "header", "env", "var", "prefix",
     "suffix", "mode", "policy", "helper", "command", "cmd", "location", "fd", "stdin", "source", "provider",
     "arn", "version", "hint", "field", "method", "algorithm", "alg", "enabled", "disabled", "required",
     "checking", "store", "ring", "sock", "socket", "agent", "manager", "reset", "error", "py", "js",
     "ts", "json", "yaml", "yml", "txt", "md", "toml", "ini", "cfg", "conf", "pem", "crt", "pub"}
)  # fmt: skip
# First words of options that take no value: ``--no-password``, ``--ask-become-pass``, ``--with-token``.
_NO_VALUE_HEADS = frozenset(
    {"no", "ask", "prompt", "with", "without", "show", "use", "skip", "require", "requires", "verify",
     "check", "disable", "enable", "allow", "forget", "list", "print", "generate", "gen", "reset", "read"}
)  # fmt: skip
_FIELD_STRONG = frozenset({"passw", "passphrase", "secret"})
_NOT_VALUES = frozenset(
    {"true", "false", "yes", "no", "on", "off", "none", "null", "nil", "undefined", "required", "optional",
     "prompt", "stdin", "-", "redacted", "[redacted]"}
)  # fmt: skip
_FILE_NAME = (
    r"(?i)[\w.-]*\.(?:pem|key|crt|cer|der|p12|pfx|jks|keystore|pub|gpg|asc|json|ya?ml|txt|ini|cfg|conf|env|"
    r"toml|properties|kdbx|pass|tfvars)"
)


def _word_strength(word: str, previous: str) -> tuple[int, str]:
    """(strength, kind) of one lower-case word of a name; kind is what made it secret."""
    if word in _PASSWORD_WORDS or "passw" in word or "passphrase" in word:
        return STRONG, "passw"
    if (word.endswith(("pass", "pwd")) and len(word) > 4) and word not in _NOT_PASSWORDS:
        return STRONG, "passw"
    if "secret" in word and word != "secrets":
        return STRONG, "secret"
    if word.endswith("token"):
        return STRONG, "token"
    if word.endswith("auth") and word not in {"oauth", "noauth"}:
        return STRONG, "auth"
    if word in _STRONG_WORDS:
        return STRONG, word
    if word.endswith("key") and word not in _NOT_KEYS:
        qualifier = word[:-3] if word != "key" else previous
        return (STRONG if qualifier in _KEY_QUALIFIERS else WEAK), "key"
    return NONE, ""


@lru_cache(maxsize=4096)  # names repeat (PATH, --key, token): judging one costs ~5 µs
def name_strength(name: str, context: str) -> int:
    """How secret ``name`` makes its value: :data:`NONE`, :data:`WEAK` or :data:`STRONG`.

    ``context`` is ``"assign"`` (``NAME=value``), ``"option"`` (``--name value``) or ``"field"``
    (``name: value``, where only password-like and secret-like names are strong).
    """
    bare = name.strip("-\"'")
    if bare.upper() in {"PWD", "OLDPWD"}:
        return NONE
    words = [word.lower() for word in regex(_WORDS).split(bare) if word]
    if not words or (context == "option" and words[0] in _NO_VALUE_HEADS):
        return NONE
    best, kind, at = NONE, "", -1
    previous = ""
    for index, word in enumerate(words):
        strength, what = _word_strength(word, previous)
        if strength > best:
            best, kind, at = strength, what, index
        previous = word
    if best == NONE or (at < len(words) - 1 and words[-1] in _NOT_SECRET_TAILS):
        return NONE
    if len(words) == 1 and words[0] in {"token", "secret", "key"}:
        return WEAK  # --token X, --secret X, key=X: often a name or an id rather than the secret
    if kind == "key" and best == WEAK and context == "assign" and regex(r"[A-Z0-9_]+_KEY").fullmatch(bare):
        return STRONG  # STRIPE_KEY=..., MAPBOX_KEY=...: environment variables holding keys
    if context == "field" and kind not in _FIELD_STRONG and not (kind == "key" and best == STRONG):
        return WEAK  # "token: refresh", "auth: handle expired sessions"
    return best


def _unquote(value: str) -> str:
    value = value.strip()
    if value[:1] in {'"', "'"}:
        value = value[1:]
        if value[-1:] in {'"', "'"}:
            value = value[:-1]
    return value


def plausible_secret(value: str) -> bool:
    """Whether ``value`` could be a secret typed in clear (not a reference, a path or a switch)."""
    value = _unquote(value)
    if not value or value.lower() in _NOT_VALUES:
        return False
    if value[0] in "$%<>@{" or value.startswith(("/", "./", "../", "~", "file:", "env:", "fd:", "fileb:")):
        return False  # $VAR, $(cmd), %VAR%, <placeholder>, {{ template }}, @file, paths, openssl's file:
    return regex(_FILE_NAME).fullmatch(value) is None


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    """Whether ``value`` looks machine-generated: a token, a key (not a word, a path or an id list)."""
    value = _unquote(value)
    if len(value) < 10 or "=" in value.rstrip("=") or regex(r"[\s,;()]").search(value):
        return False  # sentences, lists, options (id=npmrc,src=...)
    if "/" in value and ("." in value or len(value) < 30):
        return False  # a path (a base64 secret has no dot and is long)
    if not plausible_secret(value):
        return False
    digits = regex("[0-9]").search(value) is not None
    classes = digits + (regex("[a-z]").search(value) is not None) + (regex("[A-Z]").search(value) is not None)
    if classes < 2 or (not digits and len(value) < 20):
        return False
    return _entropy(value) >= min(3.0, 0.85 * math.log2(len(value)))


def secret_value(value: str, name: str, context: str, before: str = "") -> bool:
    """Whether ``value``, given to ``name`` in ``context``, is a secret to hide. ``before`` is the
    text just before the name (a quote that closes around it, ``${`` of a shell expansion)."""
    if context == "assign" and before[-1:] in {'"', "'"} and value.startswith(before[-1]):
        return False  # grep "API_KEY=" file: the quote closes around the name, there is no value
    if before.endswith("${"):
        return False  # ${DB_PASSWORD:?missing}: a shell expansion, not a value
    strength = name_strength(name, context)
    if strength == NONE:
        return False
    return plausible_secret(value) if strength == STRONG else looks_random(value)


# Searched in lower-cased text (case-insensitive matching is ~3x slower in `re`); a text whose
# lower-casing changes its length (rare non-ASCII letters) is searched case-insensitively instead.
_STEM_FINDER = "|".join(STEMS)
# What follows a name, judged on at most 256 characters of its value: in a pathological word
# ("key=key=key=...") every name would otherwise read the rest of the text (quadratic time). A value
# found secret is then replaced whole, however long (_WHOLE_VALUE, _WHOLE_FIELD).
_BARE = r"[^\s\"';&|<>]{1,256}"
_QUOTED = r"\"[^\"\n]{0,256}\"?|'[^'\n]{0,256}'?"
_AFTER_NAME = (
    r"=(?P<assign>" + _QUOTED + "|" + _BARE + ")"
    r"|[\"']?:(?![:/])[ \t]*(?P<field>\"[^\"\n]{0,256}\"|'[^'\n]{0,256}'|[^\s,}\]\"']{1,256})"
    r"|[ \t]+(?P<option>(?![-<>|&;])(?:" + _QUOTED + "|" + _BARE + "))"
)
_WHOLE_VALUE = VALUE
_WHOLE_FIELD = r"\"[^\"\n]*\"|'[^'\n]*'|[^\s,}\]\"']+"
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


# The characters of a name, as _name_char has them (\w: the alphanumerics and "_").
_NAME_TAIL = r"[\w.-]*"
# The characters _AFTER_NAME can start with.
_AFTER_NAME_STARTS = frozenset({"=", ":", '"', "'", " ", "\t"})


def _name_char(char: str) -> bool:
    return char in _NAME_CHARS or (char > "\x7f" and char.isalnum())


def redact_named_values(text: str) -> str:
    """``text`` with the values of secret names replaced: ``NAME=VALUE``, ``--name VALUE`` and
    ``name: VALUE`` (also ``"name": "VALUE"`` and ``-Dname=VALUE``).

    Driven by the secret words it contains rather than by a regex tried at every position: each
    word found is widened to its whole name, then what follows the name is matched once.
    """
    pieces: list[str] = []
    written = 0  # text[:written] is in pieces
    skip = 0  # words before this position belong to a name already judged
    length = len(text)
    lowered = text.lower()
    words = (
        regex(_STEM_FINDER).finditer(lowered)
        if len(lowered) == length
        else regex(_STEM_FINDER, re.IGNORECASE).finditer(text)
    )
    after_name = regex(_AFTER_NAME)
    name_tail = regex(_NAME_TAIL).match
    for word in words:
        if word.start() < skip:
            continue
        start = word.start()
        tail = name_tail(text, word.end())  # the rest of the name: one C call, not a loop
        end = tail.end() if tail is not None else word.end()
        skip = end
        if text[end : end + 1] not in _AFTER_NAME_STARTS:
            continue  # no value can follow (the cheap test that settles most words; then in full)
        while start and _name_char(text[start - 1]):
            start -= 1
        if start >= 1 and text[start - 1] == "\\" and text[start] in "nrt":
            start += 1  # printf '...\nNAME=...': the name starts after the escape
        name = text[start:end].lstrip("-")
        dashes = end - start - len(name)
        if not name or not (name[0].isalpha() or name[0] == "_") or dashes > 2:
            continue
        after = after_name.match(text, end)
        context = after.lastgroup if after is not None else None
        if (
            after is None
            or context is None
            or (context != "assign" and (context == "option") != bool(dashes))
        ):
            continue  # "name value" is no option, "--name: value" no field
        value = after.group(context)
        if value.strip("\"'") == REDACTED:
            continue  # replaced already, by a provider rule or the argument pass
        if not secret_value(value, name, context, text[max(start - 2, 0) : start]):
            continue
        value_start = after.start(context)
        whole = regex(_WHOLE_FIELD if context == "field" else _WHOLE_VALUE).match(text, value_start)
        value_end = whole.end() if whole is not None else after.end(context)
        pieces += (text[written:value_start], REDACTED)
        written = skip = value_end
    if not pieces:
        return text
    pieces.append(text[written:])
    return "".join(pieces)
