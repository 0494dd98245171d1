"""The redaction corpora of ``tests/hooks/corpus/`` (format: its README): loading and checking.

Used by ``test_secret_corpus.py`` and by ``bench/hooks_overhead.py``; imports nothing but the
standard library, so the benchmark can load it without pytest.
"""

from __future__ import annotations

import random
import re
import shlex
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CORPUS_DIR",
    "SecretLine",
    "as_arguments",
    "load_ordinary",
    "load_secrets",
    "surviving",
]

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"

_CLASSES = {
    "A": string.ascii_letters + string.digits,
    "U": string.ascii_uppercase + string.digits,
    "l": string.ascii_lowercase + string.digits,
    "a": string.ascii_lowercase,
    "h": string.digits + "abcdef",
    "d": string.digits,
    "b": string.ascii_letters + string.digits + "+/",
    "u": string.ascii_letters + string.digits + "_-",
    "p": string.ascii_letters + string.digits + "!#%^*_-+.",
}
_PLACEHOLDER = re.compile(r"\{([AUlahdbup]):(\d+)\}")
_SECRET = re.compile(r"⟦(.*?)⟧", re.DOTALL)
_LITERAL_BACKSLASH_N = "\0"
_SHELL_OPERATORS = frozenset("|&;<>()")


@dataclass(frozen=True)
class SecretLine:
    """One line of ``secrets.txt``: the text as typed, and the secrets it holds."""

    number: int
    text: str
    secrets: tuple[str, ...]


def _lines(name: str) -> list[tuple[int, str]]:
    path = CORPUS_DIR / name
    return [
        (number, line)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _expand(line: str) -> str:
    rng = random.Random(line)  # stable: seeded by the line itself, not by its position

    def draw(match: re.Match[str]) -> str:
        alphabet, length = _CLASSES[match.group(1)], int(match.group(2))
        first = rng.choice([c for c in alphabet if c.isalnum()])  # never an option-like "-..."
        return first + "".join(rng.choice(alphabet) for _ in range(length - 1))

    text = line.replace("\\\\n", _LITERAL_BACKSLASH_N).replace("\\n", "\n")
    return _PLACEHOLDER.sub(draw, text).replace(_LITERAL_BACKSLASH_N, "\\n")


def load_secrets() -> list[SecretLine]:
    """Every line of ``secrets.txt``, placeholders drawn, markers removed."""
    loaded = []
    for number, raw in _lines("secrets.txt"):
        expanded = _expand(raw)
        secrets = tuple(_SECRET.findall(expanded))
        if not secrets:
            raise ValueError(f"secrets.txt:{number}: no ⟦secret⟧ marked")
        loaded.append(SecretLine(number, _SECRET.sub(r"\1", expanded), secrets))
    return loaded


def load_ordinary() -> list[str]:
    """Every line of ``ordinary.txt``, verbatim."""
    return [line for _, line in _lines("ordinary.txt")]


def as_arguments(text: str) -> list[str]:
    """``text`` as a task runner would pass it: split into arguments the way a shell splits a
    simple command, or ``["sh", "-c", text]`` when it is more (a pipeline, a redirection, a list,
    a here-document, several lines) or cannot be split."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # an unclosed quote
        return ["sh", "-c", text]
    if "\n" in text or any(token and set(token) <= _SHELL_OPERATORS for token in tokens):
        return ["sh", "-c", text]
    return shlex.split(text)


def surviving(secrets: Sequence[str], stored: str) -> list[str]:
    """The secrets of ``secrets`` still readable in ``stored``: whole, or by a 12-character piece of
    their middle (a half-redacted secret is a leak too)."""
    found = []
    for secret in secrets:
        middle = len(secret) // 2
        piece = secret[middle - 6 : middle + 6] if len(secret) >= 24 else secret
        if secret in stored or piece in stored:
            found.append(secret)
    return found


def main() -> int:
    """Print how the filter does on the corpora: ``python -m tests.hooks.secret_corpus``."""
    from sessionkeeper.hooks import Redactor

    redactor = Redactor(use_env=False)
    secrets, ordinary = load_secrets(), load_ordinary()
    forms: dict[str, Callable[[str], tuple[str, str]]] = {
        "string": lambda text: (redactor.redact(text), text),
        "arguments": lambda text: (
            redactor.redact_command(as_arguments(text)),
            shlex.join(as_arguments(text)),
        ),
    }
    for form, store in forms.items():
        leaked = [line.number for line in secrets if surviving(line.secrets, store(line.text)[0])]
        altered = [text for text in ordinary if store(text)[0] != store(text)[1]]
        print(
            f"{form:>9}: secrets stored in clear: {len(leaked)} of {len(secrets)} lines {leaked}; "
            f"ordinary commands altered: {len(altered)} of {len(ordinary)}"
        )
        for text in altered:
            print(f"           altered: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
