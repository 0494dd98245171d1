"""Which language the messages are in: ``--lang``, else the POSIX locale variables, else English.

Decided once, before click parses anything, so that help texts and early errors are already in
the right language. ``--lang`` is a global option: it counts before or after the subcommand (see
:mod:`.arguments`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .arguments import global_value
from .commands import BUILTIN

__all__ = ["DEFAULT", "SUPPORTED", "choose", "from_arguments", "from_environment"]

SUPPORTED = ("en", "ko")
DEFAULT = "en"

# POSIX precedence: LC_ALL overrides LC_MESSAGES, which overrides LANG. The first one that is set
# decides, even when it names a language we do not have (LC_ALL=C means English, whatever LANG says).
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def from_environment(environ: Mapping[str, str]) -> str:
    """``"ko"`` when the locale that applies to messages is Korean (``ko``, ``ko_KR.UTF-8``, ...)."""
    for name in _LOCALE_VARIABLES:
        value = environ.get(name)
        if value:
            return "ko" if value.lower().startswith("ko") else DEFAULT
    return DEFAULT


def from_arguments(args: Sequence[str]) -> str | None:
    """The value of the global ``--lang`` option, before or after a built-in subcommand.

    An invalid value is left for click to reject (usage error, exit status 2).
    """
    value = global_value(args, "--lang", BUILTIN)
    return value if value in SUPPORTED else None


def choose(args: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language of this run: ``--lang`` wins over the environment."""
    return from_arguments(args) or from_environment(environ)
