"""The secrets filter: what it hides, what it leaves alone, and how it is extended."""

from __future__ import annotations

import re

import pytest

from sessionkeeper.hooks import REDACTED, InvalidRedactionPatternError, Redactor
from sessionkeeper.hooks.redaction import PATTERNS_ENV, patterns_from_env
from sessionkeeper.hooks.taskdata import bounded_head, bounded_tail

from .conftest import SECRETS

S = SECRETS


@pytest.fixture
def redactor(monkeypatch: pytest.MonkeyPatch) -> Redactor:
    monkeypatch.delenv(PATTERNS_ENV, raising=False)
    return Redactor()


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"aws s3 ls --profile ci {S['aws_key_id']}", S["aws_key_id"]),
        (f"export AWS_ACCESS_KEY_ID={S['aws_session_key_id']}", S["aws_session_key_id"]),
        (f"aws_secret_access_key = {S['aws_secret']}", S["aws_secret"]),
        (f"AWS_SECRET_ACCESS_KEY={S['aws_secret']} aws s3 ls", S["aws_secret"]),
        (f"git clone https://{S['github']}@github.com/org/repo", S["github"]),
        (f"gh auth login --with-token {S['github_pat']}", S["github_pat"]),
        (f"curl -H 'PRIVATE-TOKEN: {S['gitlab']}' https://gitlab.example.com/api", S["gitlab"]),
        (f"notify --slack {S['slack']}", S["slack"]),
        (f"OPENAI_API_KEY={S['openai']} python agent.py", S["openai"]),
        (f"client = OpenAI(api_key='{S['openai']}')", S["openai"]),
        (f'curl -H "Authorization: Bearer {S["bearer"]}" https://api.example.com', S["bearer"]),
        (f"curl -H 'authorization: Basic {S['bearer']}' https://x", S["bearer"]),
        (f"Authorization: token {S['bearer']}\nHost: api.example.com", S["bearer"]),
        (f"deploy --password={S['password']} --host db", S["password"]),
        (f"deploy --password {S['password']} --host db", S["password"]),
        (f"psql --password '{S['password']}' db", S["password"]),
        (f"mysql -u root -p{S['mysql']} shop", S["mysql"]),
        (f"mysqldump -uroot -p{S['mysql']} --all-databases", S["mysql"]),
        (f"pg_dump postgres://app:{S['url_password']}@db.example.com:5432/shop", S["url_password"]),
        (f"redis-cli -u redis://:{S['url_password']}@cache:6379", S["url_password"]),
        (f"API_TOKEN={S['env_token']} make deploy", S["env_token"]),
        (f"DB_PASSWORD='{S['env_token']} with spaces' ./migrate", S["env_token"]),
        (f"my_secret={S['env_token']}", S["env_token"]),
        (f"client_secret: {S['env_token']}", S["env_token"]),
        (f'{{"password": "{S["env_token"]}", "user": "bob"}}', S["env_token"]),
    ],
)
def test_secret_is_replaced(redactor: Redactor, text: str, secret: str) -> None:
    redacted = redactor.redact(text)
    assert secret not in redacted
    assert REDACTED in redacted


@pytest.mark.parametrize(
    "text",
    [
        "pytest -q tests/hooks --maxfail=1",
        "mkdir -p build/out && cp -pr src build/ && pytest -pno:cacheprovider",
        "ssh -p 2222 deploy@example.com",
        "git push origin main",
        "https://example.com:8443/path?q=1",
        "task-abcdefghijklmnopqrstuvwxyz0123 desk-123",
        "ruff check packages tests",
        "PWD=/home/dev/project",
        "/work/main/packages/session-hooks",
        "KeyError: 'name'",
    ],
)
def test_ordinary_text_is_left_alone(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text) == text


def test_only_the_secret_is_replaced_the_context_stays(redactor: Redactor) -> None:
    assert redactor.redact(f"mysql -u root -p{S['mysql']} shop") == f"mysql -u root -p{REDACTED} shop"
    assert (
        redactor.redact(f"https://app:{S['url_password']}@db.example.com/x")
        == f"https://app:{REDACTED}@db.example.com/x"
    )
    assert redactor.redact(f"API_TOKEN={S['env_token']} make") == f"API_TOKEN={REDACTED} make"
    assert redactor.redact(f"deploy --password={S['password']}") == f"deploy --password={REDACTED}"


def test_argument_lists_are_redacted_argument_by_argument(redactor: Redactor) -> None:
    line = redactor.redact_command(
        ["mysql", "-u", "root", f"-p{S['mysql']}", "--password", f"{S['password']} x", "shop"]
    )
    assert S["mysql"] not in line
    assert S["password"] not in line
    assert line == f"mysql -u root '-p{REDACTED}' --password '{REDACTED}' shop"


def test_argument_lists_keep_their_shell_quoting(redactor: Redactor) -> None:
    assert redactor.redact_command(["sh", "-c", "exit 3"]) == "sh -c 'exit 3'"
    assert redactor.redact_command(["mkdir", "-p", "out"]) == "mkdir -p out"
    # -pVALUE means a password only for mysql-like programs
    assert redactor.redact_command(["pytest", "-pno:cacheprovider"]) == "pytest -pno:cacheprovider"


def test_a_flag_without_its_value_does_not_swallow_the_next_option(redactor: Redactor) -> None:
    assert redactor.redact_command(["mysql", "--password", "--host", "db"]) == "mysql --password --host db"


def test_private_keys_are_removed_whole_even_when_cut(redactor: Redactor) -> None:
    body = "MIIEowIBAAKCAQEA" + S["github"][4:] * 3
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"
    assert body not in redactor.redact(f"key:\n{pem}\ndone")
    assert body[-20:] not in redactor.redact(pem[40:])  # only the end of it, as in an output tail


def test_extra_patterns_from_the_constructor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PATTERNS_ENV, raising=False)
    redactor = Redactor([r"INTERNAL-\d{6}", re.compile(r"pin=(?P<secret>\d{4})")])
    assert redactor.redact("ticket INTERNAL-123456 pin=1234") == f"ticket {REDACTED} pin={REDACTED}"


@pytest.mark.parametrize(
    "value",
    [r"ACME-INTERNAL-[0-9a-f]{16}", '["ACME-INTERNAL-[0-9a-f]{16}"]', "\nACME-INTERNAL-[0-9a-f]{16}\n\n"],
)
def test_extra_patterns_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(PATTERNS_ENV, value)
    assert patterns_from_env() == [r"ACME-INTERNAL-[0-9a-f]{16}"]
    assert Redactor().redact(f"using {S['custom']} now") == f"using {REDACTED} now"


def test_environment_patterns_can_be_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PATTERNS_ENV, r"ACME-INTERNAL-[0-9a-f]{16}")
    assert S["custom"] in Redactor(use_env=False).redact(S["custom"])


@pytest.mark.parametrize("value", ["(unclosed", '["ok", 3]', "[not json"])
def test_an_invalid_extra_pattern_is_refused_at_construction(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(PATTERNS_ENV, value)
    with pytest.raises(InvalidRedactionPatternError):
        Redactor()


def test_repeated_texts_give_the_same_answer(redactor: Redactor) -> None:
    text = f"API_TOKEN={S['env_token']} make"
    assert redactor.redact(text) == redactor.redact(text) == f"API_TOKEN={REDACTED} make"


def test_long_runs_of_word_characters_cost_linear_time(redactor: Redactor) -> None:
    # Patterns anchored at word starts: a 200 kB word must not take quadratic time.
    import time

    text = "x" * 200_000 + " password=abc"
    start = time.perf_counter()
    assert redactor.redact(text).endswith(f"password={REDACTED}")
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    "text",
    [
        "docker login" + " -p x" * 20_000,  # a program rule matching many times in one command
        "curl" + " -u a:b" * 20_000,
        "key=" * 20_000,  # a name whose value holds the next name, over and over
        "password " * 20_000,
    ],
)
def test_many_matches_in_one_command_cost_linear_time(redactor: Redactor, text: str) -> None:
    # A guard against quadratic blow-ups (these took minutes when each match re-read its command),
    # not a performance figure: bench/hooks_overhead.py measures the cost of real commands.
    import time

    start = time.perf_counter()
    redactor.redact(text)
    redactor.redact_command(text.split())
    assert time.perf_counter() - start < 10.0


def test_an_output_tail_never_shows_part_of_a_secret_cut_at_its_edge(redactor: Redactor) -> None:
    output = "log line\n" * 50 + f"token {S['github']}\n" + "x" * 1990
    for limit in range(1980, 2060, 3):  # cuts falling before, inside and after the token
        tail = bounded_tail(output, limit, redactor.redact) or ""
        assert len(tail) <= limit + 1
        assert S["github"][4:16] not in tail
        assert S["github"][-12:] not in tail


def test_a_bounded_message_never_shows_part_of_a_secret_cut_at_its_edge(redactor: Redactor) -> None:
    message = "x" * 1990 + f" token {S['github']} " + "y" * 600
    for limit in range(1980, 2060, 3):
        head = bounded_head(message, limit, redactor.redact) or ""
        assert len(head) <= limit + 1
        assert S["github"][4:16] not in head
        assert S["github"][:10] not in head


def test_remembered_command_lines_never_mix_up_arguments(redactor: Redactor) -> None:
    assert redactor.redact_command([]) == ""
    assert redactor.redact_command([""]) == "''"
    assert redactor.redact_command(["a b"]) == "'a b'"
    assert redactor.redact_command(["a", "b"]) == "a b"
    assert redactor.redact_command(["a b"]) == "'a b'"
