"""``session verify`` on encrypted stores: "locked" (no key, wrong key) is its own status and exit
status (3), never "damaged"; damaged stores (exit status 1) say which command repairs them."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import Cli, snapshot_path
from tests.conftest import CODEC_VARIABLES

LOCKED = 3


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


@pytest.fixture
def keyless(cli: Cli) -> dict[str, str]:
    """The test's environment with no key or codec setting at all."""
    return cli.env(**dict.fromkeys(CODEC_VARIABLES))


@pytest.fixture
def keyed(cli: Cli, keyless: dict[str, str]) -> dict[str, str]:
    """The environment with the key the stores were written with."""
    return dict(keyless, SESSIONKEEPER_KEY=new_key())


@pytest.fixture
def encrypted(cli: Cli, keyed: dict[str, str]) -> str:
    """A session, a USER and an APP store, every file sealed; returns the session id."""
    session_id = cli.ok("start", env=keyed).out.strip()
    cli.ok("set", "feature", "auth", env=keyed)
    cli.ok("set", "user:theme", "dark", "--scope", "user", env=keyed)
    cli.ok("set", "project:name", "kit", "--scope", "app", env=keyed)
    cli.ok("checkpoint", env=keyed)
    cli.ok("checkpoint", env=keyed)
    cli.ok("set", "after", "checkpoint", env=keyed)
    assert cli.ok("verify", "--json", env=keyed).json()["ok"] is True
    return session_id


def stores(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        store["kind"] if store["kind"] != "session" else store["name"]: store for store in report["stores"]
    }


def test_no_key_is_locked_not_damaged(cli: Cli, keyless: dict[str, str], encrypted: str) -> None:
    result = cli.run("verify", env=keyless)
    assert result.status == LOCKED, result.describe()
    assert "DAMAGED" not in result.out
    assert result.out.count("locked: no key") == 3, result.describe()
    assert "session recover" not in result.out
    assert len(result.err.strip().splitlines()) == 1, result.describe()
    assert "3 of 3 stores are locked" in result.err
    assert "SESSIONKEEPER_KEY" in result.err

    report = cli.run("verify", "--json", env=keyless)
    assert report.status == LOCKED
    data = report.json()
    assert (data["ok"], data["status"]) == (False, "locked")
    for store in data["stores"]:
        assert (store["status"], store["ok"], store["key"]) == ("locked", False, "missing"), store
        assert store["problems"] == []
        assert store["locked"]
        assert store["repair"] is None


def test_a_wrong_key_is_locked_not_damaged(cli: Cli, keyless: dict[str, str], encrypted: str) -> None:
    wrong = dict(keyless, SESSIONKEEPER_KEY=new_key())
    result = cli.run("verify", env=wrong)
    assert result.status == LOCKED, result.describe()
    assert "DAMAGED" not in result.out
    assert result.out.count("locked: wrong key") == 3, result.describe()
    assert "3 of 3 stores are locked" in result.err
    data = cli.run("verify", "--json", env=wrong).json()
    assert {store["key"] for store in data["stores"]} == {"wrong"}
    assert data["status"] == "locked"


def test_locked_in_korean(cli: Cli, keyless: dict[str, str], encrypted: str) -> None:
    result = cli.run("--lang", "ko", "verify", env=keyless)
    assert result.status == LOCKED, result.describe()
    assert "잠김: 키 없음" in result.out
    assert "잠겨" in result.err
    wrong = cli.run("--lang", "ko", "verify", env=dict(keyless, SESSIONKEEPER_KEY=new_key()))
    assert "잠김: 다른 키" in wrong.out


def test_a_damaged_store_says_how_to_repair_it(
    cli: Cli, data_dir: Path, keyed: dict[str, str], encrypted: str
) -> None:
    snapshot_path(data_dir, encrypted).write_bytes(b'{"session_id": "torn')
    result = cli.fails("verify", env=keyed)
    assert "DAMAGED" in result.out
    assert f"session recover {encrypted}" in result.out
    assert "1 of 3 stores is damaged" in result.err
    assert "session recover" in result.err
    data = cli.fails("verify", "--json", env=keyed).json()
    assert (data["ok"], data["status"]) == (False, "damaged")
    session = stores(data)[encrypted]
    assert (session["status"], session["ok"], session["key"]) == ("damaged", False, None)
    assert session["repair"] == f"session recover {encrypted}"
    assert stores(data)["user"]["status"] == "ok"

    # The hint works: after it, every store is intact again.
    cli.ok("recover", encrypted, env=keyed)
    assert cli.ok("verify", "--json", env=keyed).json()["status"] == "ok"


def test_damaged_and_locked_together_exit_as_damaged(
    cli: Cli, data_dir: Path, keyless: dict[str, str], encrypted: str
) -> None:
    snapshot_path(data_dir, encrypted).write_bytes(b"\x00garbage")  # damage needs no key to be seen
    result = cli.fails("verify", env=keyless)
    assert "DAMAGED" in result.out
    assert "locked: no key" in result.out  # the USER and APP stores
    assert f"session recover {encrypted}" in result.out
    data = cli.fails("verify", "--json", env=keyless).json()
    assert data["status"] == "damaged"
    assert {name: store["status"] for name, store in stores(data).items()} == {
        encrypted: "damaged",
        "user": "locked",
        "app": "locked",
    }


def test_a_damaged_user_store_says_how_to_repair_it(
    cli: Cli, user_dir: Path, keyless: dict[str, str], encrypted: str, keyed: dict[str, str]
) -> None:
    (user_dir / "user.json").write_bytes(b"\x00garbage")
    result = cli.fails("verify", env=keyed)
    assert "session set --scope user" in result.out
    assert stores(cli.fails("verify", "--json", env=keyed).json())["user"]["repair"].startswith(
        "session set --scope user"
    )


def test_plain_stores_need_no_key(cli: Cli, keyless: dict[str, str]) -> None:
    cli.ok("start", env=keyless)
    cli.ok("set", "feature", "auth", env=keyless)
    data = cli.ok("verify", "--json", env=keyless).json()
    assert (data["ok"], data["status"]) == (True, "ok")
    assert "intact" in cli.ok("verify", env=keyless).out


def test_the_exit_statuses_are_documented(cli: Cli) -> None:
    for args in (("verify", "--help"), ("--help",)):
        text = " ".join(cli.ok(*args).out.split())
        assert "3 " in text, text
        assert "locked" in text.lower(), text
    assert "session recover" in " ".join(cli.ok("verify", "--help").out.split())
