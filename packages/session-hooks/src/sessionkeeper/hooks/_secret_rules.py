"""The built-in rules of the secrets filter: what a secret looks like on a command line.

Sources, credited as their licences ask:

- token formats of the providers (prefixes, lengths, alphabets) and the curl rules follow the rule
  list of gitleaks, ``config/gitleaks.toml`` (https://github.com/gitleaks/gitleaks, MIT licence,
  Copyright (c) 2019 Zachary Rice);
- the private-key headers, the Discord, Twilio, SendGrid, Mailchimp and Telegram shapes and the
  keyword list behind :mod:`._secret_names` follow the plugins of detect-secrets
  (https://github.com/Yelp/detect-secrets, Apache License 2.0, Copyright (c) 2018 Yelp Inc.).

Both tools scan files; these rules are rewritten for command lines (``--password X``, ``-pX``,
``curl -u user:pass``, ``NAME=value cmd``), anchored at word starts so that a long word costs linear
time, and each carries *triggers*: lower-case literals one of which every match contains, so the
filter runs only the rules whose trigger it saw (one scan of the text), and none at all for a text
with nothing secret-looking in it. A rule with a group named ``secret`` has only that group replaced;
a ``check`` decides, on the match, whether it really is a secret (a ``$VARIABLE`` or a file name is
not). The corpus of ``tests/hooks/corpus/`` says what must be caught and what must be left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ._secret_names import (
    NEXT_VALUE,
    STEMS,
    VALUE,
    looks_random,
    plausible_secret,
    redact_named_values,
    regex,
    secret_value,
)

__all__ = ["BUILTIN_RULES", "Rule"]

Check = Callable[[re.Match[str]], bool]


@dataclass(frozen=True)
class Rule:
    """A regex, the literals one of which any match contains (none: always run), and a check; or,
    instead of the regex, a function from text to redacted text."""

    name: str
    regex: str
    triggers: tuple[str, ...]
    check: Check | None = None
    function: Callable[[str], str] | None = None
    guard: str = ""  # for a rule without triggers: a case-sensitive literal every match contains
    # Whether the rule also runs on each argument of a list that shlex.join leaves unquoted. Not
    # needed when what it finds in such an argument it finds in the joined line too: when no match
    # can hold a blank (the line has the argument as it is, between blanks), or every match needs
    # one or a character that is quoted. Needed when a match can run across a blank and be judged
    # no secret: it would hide a match inside the next argument. tests/hooks/test_secret_rules.py
    # checks every regex rule left False.
    per_argument: bool = False


def _plausible(match: re.Match[str]) -> bool:
    return plausible_secret(match.group("secret"))


def _random(match: re.Match[str]) -> bool:
    return looks_random(match.group("secret"))


def _named(context: str) -> Check:
    def check(match: re.Match[str]) -> bool:
        return secret_value(match.group("secret"), match.group("name"), context)

    return check


class _Commands:
    """Where ``program`` is named in each command (line, pipeline stage: between ``\\n|;&``) of a text.

    Remembers the last command looked at, so that the many matches of one long command cost one
    search, not one each (linear, not quadratic, time). The memory is one tuple, replaced whole:
    safe when several threads redact at once.
    """

    def __init__(self, program: str) -> None:
        self._program = program
        self._last: tuple[str, int, int, int] | None = None  # text, command start, end, program end

    def named_before(self, match: re.Match[str]) -> bool:
        """Whether the program is named in the match's command, before the match."""
        text, position = match.string, match.start()
        last = self._last
        if last is None or last[0] is not text or not last[1] <= position < last[2]:
            start = max(text.rfind(separator, 0, position) for separator in "\n|;&") + 1
            ends = [text.find(separator, position) for separator in "\n|;&"]
            end = min((end for end in ends if end >= 0), default=len(text))
            found = regex(self._program).search(text, start, end)
            last = self._last = (text, start, end, found.end() if found else end + 1)
        return last[3] <= position


def _in_command(program: str, *, then: Check = _plausible) -> Check:
    """The match counts only inside a command of ``program`` (same line, no ``|``, ``;``, ``&`` between)."""
    commands = _Commands(program)

    def check(match: re.Match[str]) -> bool:
        return commands.named_before(match) and then(match)

    return check


def _short_option(programs: dict[str, str]) -> Check:
    """Like :func:`_in_command`, with the program depending on the option (group ``flag``)."""
    commands = {flag: _Commands(program) for flag, program in programs.items()}

    def check(match: re.Match[str]) -> bool:
        return commands[match.group("flag")].named_before(match) and _plausible(match)

    return check


def _token(name: str, pattern: str, *triggers: str, guard: str = "") -> Rule:
    return Rule(name, pattern, triggers, guard=guard)


_PEM_HEAD = r"-----BEGIN[ A-Z0-9_-]*PRIVATE KEY(?: BLOCK)?-----"
_PEM_TAIL = r"-----END[ A-Z0-9_-]*PRIVATE KEY(?: BLOCK)?-----"

# Every rule runs on the output of the previous one; a value already replaced by "[REDACTED]" is
# left alone by the replacement (see _compiled_rules.replacer), so nothing is redacted twice.
BUILTIN_RULES: tuple[Rule, ...] = (
    Rule("pem-private-key", _PEM_HEAD + r"[\s\S]*?(?:" + _PEM_TAIL + r"|\Z)", ("private key",)),
    # The end of a key whose beginning was cut off (an output tail): everything up to its END line.
    Rule("pem-private-key-end", r"\A[\s\S]*?" + _PEM_TAIL, ("private key",)),
    # --- provider tokens, recognisable wherever they appear (gitleaks, detect-secrets)
    _token(
        "aws-access-key-id",
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b",
        *("a3t", "akia", "asia", "abia", "acca"),
    ),
    _token(
        "github-token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,})",
        *("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _token(
        "gitlab-token",
        r"\b(?:gl(?:pat|dt|rt|ptt|cbt|oas|ft|imt|agent|soat|ffct)-[\w-]{20,}|GR1348941[\w-]{20,})",
        *("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-", "glft-", "glimt-", "glagent-"),
        *("glsoat-", "glffct-", "gr1348941"),
    ),
    _token(
        "slack-token",
        r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}",
        *("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "xoxe-", "xapp-"),
    ),
    Rule(
        "slack-webhook",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[A-Za-z0-9+/]{20,})",
        ("hooks.slack.com",),
    ),
    _token("openai-anthropic-key", r"\bsk-[\w-]{20,}", "sk-"),
    _token(
        "stripe-key",
        r"\b(?:(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,})",
        *("k_live_", "k_test_", "k_prod_", "whsec_"),
    ),
    # No trigger: runs on every text holding "SK" (lower-cased, "sk" is in too many words).
    _token("twilio-api-key", r"SK(?<!\wSK)[0-9a-fA-F]{32}\b", guard="SK"),
    _token("sendgrid-key", r"\bSG\.[\w-]{16,}\.[\w-]{16,}", "sg."),
    _token("mailgun-key", r"\b(?:pub)?key-[0-9a-f]{32}\b", "key-"),
    _token("mailchimp-key", r"\b[0-9a-f]{32}-us\d{1,2}\b", "-us"),
    _token(
        "google-credential",
        r"\bAIza[\w-]{35}|\bGOCSPX-[\w-]{20,}|\bya29\.[\w-]{20,}|(?<![\w/])1//0[\w-]{30,}",
        *("aiza", "gocspx-", "ya29.", "1//0"),
    ),
    _token("azure-ad-client-secret", r"(?<![\w~.])[\w~.]{3}\dQ~[\w~.-]{31,34}", "q~"),
    _token("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b", "npm_"),
    _token("pypi-token", r"\bpypi-AgE[\w-]{50,}", "pypi-"),
    _token("rubygems-token", r"\brubygems_[0-9a-f]{48}", "rubygems_"),
    _token(
        "ai-provider-token",
        r"\b(?:hf_[A-Za-z0-9]{30,}|api_org_[A-Za-z0-9]{30,}|gsk_[A-Za-z0-9]{40,}|r8_[A-Za-z0-9]{30,}"
        r"|pplx-[A-Za-z0-9]{40,})",
        *("hf_", "api_org_", "gsk_", "r8_", "pplx-"),
    ),
    _token(
        "platform-token",
        r"\b(?:do[opr]_v1_[0-9a-f]{64}|shp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}|HRKU-AA[\w-]{58}"
        r"|nfp_[A-Za-z0-9]{36,}|fo1_[\w-]{43}|fm[12][ar]?_[\w+/]{100,}={0,3}|pul-[0-9a-f]{40}"
        r"|lin_api_[A-Za-z0-9]{40}|ntn_[A-Za-z0-9]{40,}|dapi[0-9a-f]{32}|gl(?:c|sa)_[\w+/=]{32,}"
        r"|PMAK-[0-9a-f]{24}-[0-9a-f]{34}|sntry[us]_[\w+/=]{40,}|sq[pua]_[0-9a-f]{40}|LTAI[A-Za-z0-9]{20}"
        r"|(?:EAAA|sq0atp-|sq0csp-)[\w-]{22,}|ATATT3[\w=-]{100,})",
        *("do_v1_", "dop_v1_", "dor_v1_", "shpat_", "shpca_", "shppa_", "shpss_", "hrku-aa", "nfp_"),
        *("fo1_", "fm1", "fm2", "pul-", "lin_api_", "ntn_", "dapi", "glc_", "glsa_", "pmak-", "sntry"),
        *("sqp_", "squ_", "sqa_", "ltai", "eaaa", "sq0atp-", "sq0csp-", "atatt3"),
    ),
    _token(
        "secret-manager-token",
        r"\b(?:hv[sbr]\.[\w-]{24,}|[a-z0-9]{14}\.atlasv1\.[\w=-]{60,}|dp\.(?:pt|st|sa|ct|scim|audit)\.[\w.-]{40,}"
        r"|ops_eyJ[A-Za-z0-9+/]{100,}={0,3}|AGE-SECRET-KEY-1[0-9A-Z]{58})",
        *("hvs.", "hvb.", "hvr.", "atlasv1", "dp.", "ops_eyj", "age-secret-key-1"),
    ),
    _token("telegram-bot-token", r"(?<!\d)\d{8,10}:AA[\w-]{30,}", ":aa"),
    Rule("discord-webhook", r"discord(?:app)?\.com/api/webhooks/\d+/(?P<secret>[\w-]{50,})", ("discord",)),
    # A Discord bot token has no literal prefix: this rule runs on every text holding a dot.
    _token(
        "discord-bot-token", r"[MNO](?<![\w-][MNO])[\w-]{23,25}\.[\w-]{6}\.[\w-]{27,38}(?![\w-])", guard="."
    ),
    _token("jwt", r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]*", "eyj"),
    # --- credentials in URLs: scheme://user:PASSWORD@host, scheme://TOKEN@host
    Rule(
        "url-password",
        r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/:@\"']*:(?P<secret>[^\s/@\"']+)@",
        ("://",),
        _plausible,
    ),
    Rule("url-token-user", r"\b[A-Za-z][A-Za-z0-9+.\-]*://(?P<secret>[^\s/:@\"']{16,})@", ("://",), _random),
    # --- headers
    Rule(
        "authorization-header",
        r"(?i)\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?"
        r"(?:(?:bearer|basic|token|digest|negotiate|ntlm)\s+)?(?P<secret>[^\s\"'][^\n\"']*)",
        ("authorization",),
        _plausible,
        per_argument=True,  # "Authorization: $X -H Authorization:SECRET": one match, no secret
    ),
    Rule("bearer-token", r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9\-._~+/]{8,}=*)", ("bearer",)),
    Rule(
        "cookie-header",
        r"(?i)\b(?:set-)?cookie\s*:\s*(?P<secret>[^\n\"']+)",
        ("cookie",),
        _plausible,
        per_argument=True,
    ),
    # --- named values: NAME=value, --name value, name: value (judged by _secret_names)
    Rule(
        "aws-secret-access-key",
        r"(?i)(?:\b|(?<=\\n))aws_?secret_?access_?key[\"']?\s*[:=]\s*(?P<secret>" + VALUE + ")",
        ("awssecret", "aws_secret", "aws-secret"),
        _plausible,
        per_argument=True,
    ),
    # Finds in the joined line what it finds in an unquoted argument: a name ends at a blank, and a
    # value (a word, or quoted) at a blank too; only a replaced value is skipped over.
    Rule("named-values", "", STEMS, function=redact_named_values),
    Rule(
        "config-set",
        r"(?i)\b(?:configure[ \t]+set|config(?:[ \t]+|:)set|(?<=poetry[ \t])config|(?<=git[ \t])config"
        r"|setx|setenv|set[ \t]+-[a-z]*x[a-z]*|user-secrets[ \t]+set)(?:[ \t]+--?[\w-]+)*"
        r"[ \t]+(?P<name>[^\s=]+)[ \t]+(?P<secret>" + NEXT_VALUE + ")",
        ("config", "setx", "setenv", "set -", "user-secrets"),
        _named("assign"),
    ),
    Rule(
        "poetry-http-basic",
        r"(?i)\bconfig[ \t]+http-basic\.\S+[ \t]+\S+[ \t]+(?P<secret>" + NEXT_VALUE + ")",
        ("http-basic",),
        _plausible,
    ),
    # --- options of programs that take a password their own way
    Rule(
        "attached-p-password",  # mysql -pSECRET (-p alone prompts), 7z -pSECRET, rar -pSECRET
        r"(?<=[ \t])[\"']?-p(?P<secret>(?![ \t])" + VALUE + ")",
        ("mysql", "mariadb", "7z", "rar"),
        _in_command(r"(?i)\b(?:mysql[\w-]*|mariadb[\w-]*|7za?|7zr|rar)\b"),
    ),
    Rule(
        "p-password",  # sshpass -p X, docker login -p X, mongo -p X, az login -p X, twine -p X, cqlsh
        r"(?<=[ \t])[\"']?-p(?:[ \t]+|=)?(?P<secret>" + NEXT_VALUE + ")",
        ("sshpass", "mongo", "twine", "cqlsh", "ncftp", "login", "publish"),
        _in_command(
            r"(?i)\b(?:sshpass|mongo(?:sh|dump|restore|export|import|stat|top|files)?|twine|cqlsh|ncftp\w*)\b"
            r"|\b(?:docker|podman|nerdctl|buildah|skopeo|helm|oras|crane|regctl|az)\b.*\blogin\b"
            r"|\bpoetry[ \t]+publish\b"
        ),
    ),
    Rule(
        # redis-cli -a, sqlcmd/bcp/zip/unzip -P, ssh-keygen -N/-P, ldapsearch (and co.) -w, openssl -k
        "short-password-option",
        r"(?<=[ \t])(?P<flag>-[aPNwk])[ \t]+(?P<secret>" + NEXT_VALUE + ")",
        ("redis-cli", "sqlcmd", "bcp", "osql", "zip", "ssh-keygen", "ldap", "openssl"),
        _short_option(
            {
                "-a": r"\bredis-cli\b",
                "-P": r"\b(?:sqlcmd|bcp|osql|zip|unzip|zipcloak|ssh-keygen)\b",
                "-N": r"\bssh-keygen\b",
                "-w": r"\bldap\w+\b",
                "-k": r"\bopenssl\b",
            }
        ),
    ),
    Rule("openssl-pass", r"(?<![\w-])pass:(?P<secret>[^\s\"']+)", ("pass:",), _plausible),
    Rule(
        "basic-auth-option",  # curl -u user:SECRET, --proxy-user, wget --http-user, httpie -a user:SECRET
        r"(?<=[ \t])[\"']?(?:-u|--user|-U|--proxy-user|-a|--auth)(?:[ \t]+|=)?(?P<q>[\"'])?[^\s:\"']*:"
        r"(?P<secret>(?(q)[^\"'\n]+|[^\s\"']+))",
        ("curl", "wget", "http ", "https ", "xh "),
        _in_command(r"(?<![\w-])(?:curl|curlie|wget|xh|https?)(?=[ \t])"),
    ),
    Rule(
        "lftp-user",  # lftp -u user,SECRET
        r"(?<=[ \t])[\"']?-u[ \t]+[\"']?[^\s,\"']+,(?P<secret>[^\s\"']+)",
        ("lftp",),
        _in_command(r"\blftp\b"),
    ),
    Rule(
        "smbclient-user",
        r"(?<=[ \t])[\"']?(?:-U|--user)[ \t=]*[\"']?[^\s%\"']+%(?P<secret>[^\s\"']+)",
        ("smbclient",),
    ),
    Rule(
        "htpasswd-batch",  # htpasswd -b[c] FILE USER SECRET, htpasswd -nb USER SECRET: the last word
        r"(?<=[ \t])(?P<secret>" + NEXT_VALUE + r")[ \t]*(?=\Z|[\n|;&)])",
        ("htpasswd",),
        _in_command(r"\bhtpasswd\b(?=.*[ \t]-[a-zA-Z]*b)"),
    ),
    Rule(
        "rdp-password",
        r"(?<=[ \t])[\"']?/p:(?P<secret>" + VALUE + ")",
        ("freerdp",),
        _in_command(r"freerdp\b"),
    ),
    Rule(
        "user-password-positional",  # rabbitmqctl add_user NAME SECRET, mc alias set NAME URL KEY SECRET
        r"\b(?:(?:add_user|change_password)[ \t]+\S+|mc[ \t]+alias[ \t]+set[ \t]+\S+[ \t]+\S+[ \t]+\S+)"
        r"[ \t]+(?P<secret>" + NEXT_VALUE + ")",
        ("add_user", "change_password", "mc alias"),
        _plausible,
    ),
    Rule("vault-login", r"\bvault[ \t]+login[ \t]+(?P<secret>" + NEXT_VALUE + ")", ("vault login",), _random),
    Rule(
        "gh-secret-body",
        r"(?<=[ \t])[\"']?(?:--body|-b)(?:[ \t]+|=)?(?P<secret>" + NEXT_VALUE + ")",
        ("gh secret",),
        _in_command(r"\bgh[ \t]+secret[ \t]+set\b"),
    ),
    # --- secrets piped or here-strung into a program that reads them from stdin
    Rule(
        "stdin-secret",
        r"\b(?:echo|printf)[ \t]+(?:-[neE]+[ \t]+)?(?P<secret>" + NEXT_VALUE + r")[ \t]*\|[^\n;&]*?"
        r"(?:--password-stdin|--with-token|\bsudo[ \t]+(?:-\w+[ \t]+)*-S\b|\bchpasswd\b"
        r"|\bpasswd[ \t]+--stdin)",
        ("echo", "printf"),
        _plausible,
    ),
    Rule(
        "here-string-secret",
        r"(?i)(?:--password-stdin|--with-token|\bsecrets?\b|\blogin\b|\btoken\b)[^\n|;&]*?<<<[ \t]*"
        r"(?P<secret>" + VALUE + ")",
        ("<<<",),
        _plausible,
    ),
)
