"""The redaction corpora of tests/hooks/corpus/: no secret survives, ordinary commands stay as typed.

Each line is checked as a string and as the argument list a task runner would pass; the failures
are listed line by line. ``python -m tests.hooks.secret_corpus`` prints the same figures.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from pathlib import Path

import pytest

from sessionkeeper.core import CommandExecuted, TaskStarted
from sessionkeeper.hooks import REDACTED, Redactor, TaskExecutorSessionHook, redaction
from sessionkeeper.hooks._compiled_rules import Rules, builtin_rules
from sessionkeeper.hooks._secret_rules import BUILTIN_RULES
from sessionkeeper.hooks.redaction import PATTERNS_ENV

from .conftest import kinds, leaks, session_events, session_run_argv
from .secret_corpus import as_arguments, load_ordinary, load_secrets, surviving

SECRETS = load_secrets()
ORDINARY = load_ordinary()
MAX_ALTERED = 0.02  # the share of ordinary commands the filter may change


@pytest.fixture(params=["automaton", "regex"])
def redactor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Redactor:
    # Both trigger scans: the Aho-Corasick automaton, and the regex that stands in for it where
    # pyahocorasick cannot be imported.
    monkeypatch.delenv(PATTERNS_ENV, raising=False)
    if request.param == "regex":
        monkeypatch.setattr(redaction, "builtin_rules", lambda: builtin_rules(automaton=False))
    return Redactor()


def secrets_left(redactor: Redactor) -> list[str]:
    """One line per corpus line and form whose stored text still shows a secret."""
    failures = []
    for line in SECRETS:
        for form, stored in (
            ("string", redactor.redact(line.text)),
            ("arguments", redactor.redact_command(as_arguments(line.text))),
        ):
            left = surviving(line.secrets, stored)
            if left:
                failures.append(f"secrets.txt:{line.number} as {form}: {stored!r} shows {left}")
    return failures


def ordinary_altered(redactor: Redactor) -> list[str]:
    altered = []
    for text in ORDINARY:
        args = as_arguments(text)
        for form, stored, expected in (
            ("string", redactor.redact(text), text),
            ("arguments", redactor.redact_command(args), shlex.join(args)),
        ):
            if stored != expected:
                altered.append(f"{text!r} as {form} became {stored!r}")
                break
    return altered


def test_the_corpora_are_large_and_well_formed() -> None:
    assert len(SECRETS) >= 150
    assert len(ORDINARY) >= 150
    assert len({line.text for line in SECRETS}) == len(SECRETS), "a secret line is repeated"
    assert len(set(ORDINARY)) == len(ORDINARY), "an ordinary line is repeated"
    for line in SECRETS:
        assert all(len(secret) >= 6 for secret in line.secrets), f"secrets.txt:{line.number}: too short"
        assert all(REDACTED not in secret for secret in line.secrets)


def test_no_secret_of_the_corpus_is_stored_in_clear(redactor: Redactor) -> None:
    failures = secrets_left(redactor)
    assert not failures, f"{len(failures)} secret(s) left in clear:\n" + "\n".join(failures)


def test_ordinary_commands_stay_readable(redactor: Redactor) -> None:
    altered = ordinary_altered(redactor)
    assert len(altered) <= MAX_ALTERED * len(ORDINARY), (
        f"{len(altered)} of {len(ORDINARY)} ordinary commands altered (at most {MAX_ALTERED:.0%}):\n"
        + "\n".join(altered)
    )


def test_the_trigger_scan_never_skips_a_rule_that_would_match(
    redactor: Redactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The filter runs a rule only when the scan saw one of its literals; with every rule run on
    # every text, nothing of either corpus may come out differently.
    texts = [line.text for line in SECRETS] + ORDINARY
    with_scan = [redactor.redact_command(as_arguments(text)) for text in texts]
    with_scan += [redactor.redact(text) for text in texts]
    every_rule = frozenset(range(len(builtin_rules().triggered)))
    monkeypatch.setattr(Rules, "present", lambda self, lowered: every_rule)
    unfiltered = Redactor(use_env=False)
    without_scan = [unfiltered.redact_command(as_arguments(text)) for text in texts]
    without_scan += [unfiltered.redact(text) for text in texts]
    assert [pair for pair in zip(with_scan, without_scan, strict=True) if pair[0] != pair[1]] == []


def test_one_scan_of_an_argument_list_finds_what_scanning_each_piece_would(redactor: Redactor) -> None:
    # An argument list is scanned once, its arguments joined by spaces; that must call for at
    # least the rules that scanning the quoted line, or any argument alone, would.
    for text in [line.text for line in SECRETS] + ORDINARY:
        args = as_arguments(text)
        whole = redactor._present(" ".join(args))
        assert whole >= redactor._present(shlex.join(args)), text
        assert all(whole >= redactor._present(arg) for arg in args), text


def test_both_trigger_scans_call_for_the_same_rules() -> None:
    with_automaton, with_regex = builtin_rules(), builtin_rules(automaton=False)
    assert with_automaton.automaton is not None, "pyahocorasick is a dependency of session-hooks"
    assert with_regex.automaton is None
    texts = [line.text for line in SECRETS] + ORDINARY + [REDACTED, "", "passpasswordpw", "x" * 3000]
    texts += [text.lower() for text in texts] + [" ".join(sorted(with_regex.rules_of))]
    for text in texts:
        lowered = text.lower()
        assert with_automaton.present(lowered) == with_regex.present(lowered), text


def test_rule_triggers_are_lower_case_and_the_marker_triggers_nothing() -> None:
    triggers = {trigger for rule in BUILTIN_RULES for trigger in rule.triggers}
    assert all(trigger == trigger.lower() for trigger in triggers)
    # The argument pass and the joined pass reuse one scan: "[REDACTED]" must hold no trigger.
    assert [trigger for trigger in triggers if trigger in REDACTED.lower()] == []


# The four commands of issue 12, item 11, which used to be stored in clear: the corpus' first lines.
ISSUE_LINES = SECRETS[:4]
ISSUE_COMMANDS = (
    "aws configure set aws_secret_access_key ",
    "curl -u admin:",
    "docker login -p ",
    "DB_PASS=",
)


def test_the_issue_commands_head_the_corpus() -> None:
    assert all(line.text.startswith(start) for line, start in zip(ISSUE_LINES, ISSUE_COMMANDS, strict=True))


def test_the_issue_commands_never_reach_the_disk_through_the_hook(
    hook: TaskExecutorSessionHook, data_dir: Path, user_dir: Path
) -> None:
    for line in ISSUE_LINES:
        hook.on_task_start({"task_id": "SECRETS-1", "title": f"run {line.text}"})
        hook.on_command_execute(as_arguments(line.text), 0, duration=0.1, cwd="/srv/app")
        hook.on_command_execute(line.text, 1, stderr=f"failed: {line.text}\n", stdout=line.text)
        hook.on_task_complete({"task_id": "SECRETS-1"}, False, 0.2, f"error in {line.text}")
    hook.close()
    secrets = [secret for line in ISSUE_LINES for secret in line.secrets]
    assert leaks(secrets, data_dir, user_dir) == []
    events = session_events(data_dir)
    assert kinds(events) == {"TaskStarted": 4, "CommandExecuted": 8, "TaskCompleted": 4}
    commands = [e.command for e in events if isinstance(e, CommandExecuted)]
    assert all(REDACTED in command for command in commands)
    assert commands[0].startswith("aws configure set aws_secret_access_key ")
    titles = [e.title for e in events if isinstance(e, TaskStarted)]
    assert all(title is not None and REDACTED in title for title in titles)


def _stub(directory: Path, name: str) -> None:
    path = directory / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_the_issue_commands_never_reach_the_disk_through_session_run(
    tmp_path: Path, child_env: dict[str, str], data_dir: Path, user_dir: Path
) -> None:
    # Real processes: `session run -- CMD ...` with stand-ins for aws, curl and docker on PATH.
    bin_dir, work = tmp_path / "bin", tmp_path / "work"
    bin_dir.mkdir()
    work.mkdir()
    for name in ("aws", "curl", "docker"):
        _stub(bin_dir, name)
    _stub(work, "manage.py")
    env = {**child_env, "PATH": f"{bin_dir}{os.pathsep}{child_env.get('PATH', '')}"}
    aws, curl, docker, db_pass = (as_arguments(line.text) for line in ISSUE_LINES)
    runs = [aws, curl, docker, ["env", *db_pass], ["sh", "-c", ISSUE_LINES[3].text]]
    for argv in runs:
        proc = subprocess.run(
            [*session_run_argv(), *argv],
            env=env,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    secrets = [secret for line in ISSUE_LINES for secret in line.secrets]
    assert leaks(secrets, data_dir, user_dir) == []
    commands = [e.command for e in session_events(data_dir) if isinstance(e, CommandExecuted)]
    assert len(commands) == len(runs)
    assert all(REDACTED in command for command in commands)
    assert [command.split()[0] for command in commands] == ["aws", "curl", "docker", "env", "sh"]
