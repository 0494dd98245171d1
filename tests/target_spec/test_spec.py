"""The BackupTarget specification: what every target promises, asserted through the protocol only.

Every case runs on each target of ``conftest.FACTORIES`` (real files, real child processes, no
mocks); what only the local directory can be asked about is in ``test_local.py``.
"""

from __future__ import annotations

import multiprocessing
import random
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from sessionkeeper.core.errors import (
    InvalidTargetKeyError,
    LimitExceededError,
    SessionkeeperError,
    TargetConflictError,
    TargetError,
    TargetNotFoundError,
    TargetPreconditionError,
)
from sessionkeeper.core.storage.targets import MAX_KEY_LENGTH, BackupTarget, check_key
from tests.target_spec import workers
from tests.target_spec.conftest import Opener

KEY = "stores/7f3a9c2e/snapshots/000012.json"
_spawn = multiprocessing.get_context("spawn")  # children start clean: nothing inherited but arguments


def keys_of(target: BackupTarget, prefix: str = "") -> list[str]:
    return [info.key for info in target.list(prefix)]


# -- round trip ----------------------------------------------------------------------------------------


def test_a_target_is_a_backup_target(target: BackupTarget) -> None:
    assert isinstance(target, BackupTarget)
    assert isinstance(target.location, str)
    assert target.location


@pytest.mark.parametrize("size", [0, 1, 4096, 5 * 1024 * 1024 + 7], ids=["empty", "1B", "4KiB", "5MiB"])
def test_bytes_come_back_exactly(target: BackupTarget, size: int) -> None:
    data = workers.payload(size, size)
    put = target.put(KEY, data)
    assert (put.key, put.size) == (KEY, size)
    assert put.version

    got = target.get(KEY)
    assert got.data == data
    assert (got.key, got.size, got.version) == (KEY, size, put.version)
    head = target.head(KEY)
    assert (head.key, head.size, head.version) == (KEY, size, put.version)
    [listed] = target.list()
    assert (listed.key, listed.size) == (KEY, size)
    assert listed.version in {None, put.version}


def test_another_opening_sees_the_same_objects(opener: Opener) -> None:
    opener().put(KEY, b"sealed")
    assert opener().get(KEY).data == b"sealed"


def test_versions_differ_when_content_differs(target: BackupTarget) -> None:
    first = target.put("a/1", b"one")
    second = target.put("a/2", b"two")
    assert first.version != second.version


# -- create only -------------------------------------------------------------------------------------------


def test_create_refuses_an_existing_key_and_keeps_its_bytes(target: BackupTarget) -> None:
    target.put(KEY, b"first")
    with pytest.raises(TargetConflictError) as caught:
        target.put(KEY, b"second")
    assert caught.value.key == KEY
    assert isinstance(caught.value, TargetError)
    assert isinstance(caught.value, SessionkeeperError)
    with pytest.raises(TargetConflictError):
        target.put(KEY, b"first")  # even the same bytes: a create is a create
    assert target.get(KEY).data == b"first"


def test_overwrite_replaces_unconditionally(target: BackupTarget) -> None:
    target.put(KEY, b"first")
    info = target.put(KEY, b"second", mode="overwrite")
    got = target.get(KEY)
    assert (got.data, got.version) == (b"second", info.version)


def test_contradictory_put_options_are_refused(target: BackupTarget) -> None:
    first = target.put(KEY, b"first")
    with pytest.raises(ValueError, match="if_match"):
        target.put(KEY, b"x", mode="overwrite", if_match=first.version)
    with pytest.raises(ValueError, match="mode"):
        target.put(KEY, b"x", mode="append")  # type: ignore[arg-type]
    assert target.get(KEY).data == b"first"


# -- replace if unchanged ----------------------------------------------------------------------------------


def test_replace_if_unchanged_succeeds_with_the_current_version(target: BackupTarget) -> None:
    first = target.put("hosts/h1/manifest.json", b'{"n": 1}')
    second = target.put("hosts/h1/manifest.json", b'{"n": 2}', if_match=first.version)
    got = target.get("hosts/h1/manifest.json")
    assert got.data == b'{"n": 2}'
    assert got.version == second.version != first.version
    third = target.put("hosts/h1/manifest.json", b'{"n": 3}', if_match=got.version)
    assert target.get("hosts/h1/manifest.json").version == third.version


def test_replace_if_unchanged_fails_with_a_stale_version(target: BackupTarget) -> None:
    first = target.put("hosts/h1/manifest.json", b'{"n": 1}')
    target.put("hosts/h1/manifest.json", b'{"n": 2}', if_match=first.version)
    with pytest.raises(TargetPreconditionError) as caught:
        target.put("hosts/h1/manifest.json", b'{"n": 3}', if_match=first.version)
    assert caught.value.key == "hosts/h1/manifest.json"
    assert caught.value.expected == first.version
    assert target.get("hosts/h1/manifest.json").data == b'{"n": 2}'


def test_replace_if_unchanged_fails_when_the_object_is_gone(target: BackupTarget) -> None:
    first = target.put(KEY, b"one")
    target.delete(KEY)
    with pytest.raises(TargetPreconditionError):
        target.put(KEY, b"two", if_match=first.version)
    with pytest.raises(TargetPreconditionError):
        target.put("never/written", b"two", if_match=first.version)
    assert keys_of(target) == []


def test_concurrent_replaces_lose_no_update(opener: Opener) -> None:
    """Three processes increment one counter by read + replace-if-unchanged: every increment lands."""
    opener().put("counter", b"0")
    workers_, times = 3, 15
    barrier = _spawn.Barrier(workers_)
    children = [
        _spawn.Process(target=workers.increment, args=(opener, "counter", times, barrier))
        for _ in range(workers_)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
        assert child.exitcode == 0
    assert opener().get("counter").data == str(workers_ * times).encode()


# -- create races between processes ---------------------------------------------------------------------


def test_two_processes_creating_one_key_exactly_one_wins(opener: Opener) -> None:
    keys = [f"race/{index:03d}/object" for index in range(25)]
    count = 3
    barrier = _spawn.Barrier(count)
    results: Any = _spawn.Queue()
    children = [
        _spawn.Process(target=workers.race_creates, args=(opener, worker, keys, barrier, results))
        for worker in range(count)
    ]
    for child in children:
        child.start()
    won = dict(results.get(timeout=120) for _ in children)
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    target = opener()
    for key in keys:
        winners = [worker for worker, keys_won in won.items() if key in keys_won]
        assert len(winners) == 1, (key, winners)
        assert target.get(key).data == workers.payload(winners[0], 4096 + winners[0])
    assert keys_of(target) == sorted(keys)


# -- listing ---------------------------------------------------------------------------------------------


def test_list_by_prefix_is_sorted_complete_and_matches_whole_parts(target: BackupTarget) -> None:
    keys = {
        "stores/a/snapshots/000002.json": b"22",
        "stores/a/snapshots/000010.json": b"1010",
        "stores/a/journal/000003.seg": b"3",
        "stores/a-c/x": b"",  # '-' sorts before '/': whole keys are sorted, not parts
        "stores/a.b/y": b"y",
        "stores/ab/z": b"zz",
        "stores/a_": b"_",
        "other/k": b"k",
    }
    for key in random.Random(3).sample(sorted(keys), len(keys)):
        target.put(key, keys[key])

    assert keys_of(target) == sorted(keys)
    under_a = [
        "stores/a/journal/000003.seg",
        "stores/a/snapshots/000002.json",
        "stores/a/snapshots/000010.json",
    ]
    assert keys_of(target, "stores/a") == under_a
    assert keys_of(target, "stores/a/") == under_a
    assert keys_of(target, "stores/a/snapshots") == under_a[1:]
    assert keys_of(target, "stores") == sorted(key for key in keys if key.startswith("stores/"))
    assert keys_of(target, "stores/a_") == []  # an object, not a prefix of any other
    assert keys_of(target, "nothing/here") == []
    assert {info.key: info.size for info in target.list()} == {key: len(data) for key, data in keys.items()}


def test_list_is_complete_over_many_objects(target: BackupTarget) -> None:
    keys = [f"stores/s{index % 7}/journal/{index:06d}.seg" for index in range(400)]
    for key in keys:
        target.put(key, key.encode())
    assert keys_of(target) == sorted(keys)
    assert keys_of(target, "stores/s3/journal") == sorted(key for key in keys if key.startswith("stores/s3/"))


def test_deleted_objects_are_gone_and_deleting_twice_is_fine(target: BackupTarget) -> None:
    target.put("a/1", b"1")
    target.put("a/2", b"2")
    target.delete("a/1")
    target.delete("a/1")
    target.delete("never/was")
    assert keys_of(target) == ["a/2"]
    with pytest.raises(TargetNotFoundError):
        target.get("a/1")
    target.put("a/1", b"again")  # a deleted key can be created again
    assert target.get("a/1").data == b"again"


# -- missing keys ----------------------------------------------------------------------------------------


def test_a_missing_key_is_target_not_found(target: BackupTarget) -> None:
    for reading in (target.get, target.head):
        with pytest.raises(TargetNotFoundError) as caught:
            reading("stores/none/snapshots/000001.json")
        assert caught.value.key == "stores/none/snapshots/000001.json"
        assert isinstance(caught.value, LookupError)
    target.put("stores/x/snapshots/000001.json", b"1")
    for prefix_only in ("stores", "stores/x", "stores/x/snapshots"):  # prefixes are not objects
        with pytest.raises(TargetNotFoundError):
            target.get(prefix_only)
    with pytest.raises(TargetNotFoundError):
        target.get("stores/x/snapshots/000001.json/deeper")  # below an object: nothing
    assert keys_of(target, "nothing") == []


# -- hostile keys ---------------------------------------------------------------------------------------

HOSTILE = {
    "empty": "",
    "parent": "..",
    "parent-first": "../escaped",
    "parent-inside": "stores/../../escaped",
    "dot": "stores/./x",
    "absolute": "/etc/passwd",
    "nul": "stores/a\0b",
    "backslash": "stores\\..\\escaped",
    "too-long": "k" * (MAX_KEY_LENGTH + 1),
    "long-part": "stores/" + "p" * 250,
    "double-slash": "stores//x",
    "trailing-slash": "stores/x/",
    "hidden": "stores/.x.tmp",
    "dash": "-rf",
    "space": "a b",
    "newline": "a\nb",
    "non-ascii": "stores/é",
    "colon": "c:x",
}


@pytest.mark.parametrize("key", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_keys_are_refused_before_anything_is_touched(target: BackupTarget, key: str) -> None:
    calls: dict[str, Callable[[], object]] = {
        "put": lambda: target.put(key, b"x"),
        "replace": lambda: target.put(key, b"x", if_match="v"),
        "get": lambda: target.get(key),
        "head": lambda: target.head(key),
        "delete": lambda: target.delete(key),
    }
    for name, call in calls.items():
        with pytest.raises(InvalidTargetKeyError) as caught:
            call()
        assert caught.value.key == key, name
        assert isinstance(caught.value, ValueError)
    if key not in {"", "stores/x/"}:  # "" lists everything; a trailing "/" is allowed in a prefix
        with pytest.raises(InvalidTargetKeyError):
            list(target.list(key))
    assert keys_of(target) == []


@pytest.mark.parametrize("key", [None, b"stores/x", 12, ["a"]], ids=["None", "bytes", "int", "list"])
def test_keys_that_are_not_strings_are_refused(target: BackupTarget, key: Any) -> None:
    with pytest.raises(InvalidTargetKeyError, match="a key is a str"):
        target.put(key, b"x")
    with pytest.raises(InvalidTargetKeyError):
        target.get(key)


def test_the_longest_valid_key_works() -> None:
    key = "/".join(["p" * 200, "q" * 200, "r" * (MAX_KEY_LENGTH - 402)])
    assert len(key) == MAX_KEY_LENGTH
    assert check_key(key) == tuple(key.split("/"))


def test_keys_core_writes_are_valid(target: BackupTarget) -> None:
    for key in (
        "stores/7f3a9c2e/snapshots/000012.json",
        "hosts/laptop-01/manifest.json",
        "objects/sha256/ab/abcdef0123456789",
        "sessions/session_20261125_001423_75b26fb7.json.bak",
        "a=b+c@d",
    ):
        target.put(key, key.encode())
        assert target.get(key).data == key.encode()


# -- bounded reads -------------------------------------------------------------------------------------


def test_a_read_over_the_limit_is_refused_with_bounded_memory(target: BackupTarget) -> None:
    size, limit = 8 << 20, 1 << 20
    target.put(KEY, workers.payload(1, size))
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError) as caught:
            target.get(KEY, limit=limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.limit == limit
    assert peak < limit // 2, peak  # refused before the object was read, not after
    assert len(target.get(KEY, limit=size).data) == size  # exactly at the limit is fine
    with pytest.raises(LimitExceededError):
        target.get(KEY, limit=size - 1)


# -- killed writers ----------------------------------------------------------------------------------------


def test_a_writer_killed_mid_put_leaves_only_whole_objects(opener: Opener) -> None:
    """SIGKILL a process putting objects of 0.5 to 3 MiB at random moments: whatever is listed reads
    back whole and exact, and nothing half-written is ever listed or returned."""
    rounds = 4
    for round_ in range(rounds):
        started = _spawn.Event()
        seed = 1000 * round_
        child = _spawn.Process(target=workers.keep_putting, args=(opener, f"kill/{round_}", seed, started))
        child.start()
        assert started.wait(60), "the writer never finished a first put"
        time.sleep(random.Random(round_).uniform(0.0, 0.25))
        child.kill()
        child.join(30)
    target = opener()
    listed = list(target.list("kill"))
    assert listed, "no object was written before the kills"
    for info in listed:
        round_, index = (int(part) for part in info.key.split("/")[1:])
        expected = workers.kill_payload(1000 * round_, index)
        got = target.get(info.key)
        assert got.data == expected, info.key
        assert info.size == len(expected)
    for round_ in range(rounds):  # every round's objects are a gap-free run from 000000
        indexes = sorted(
            int(info.key.rsplit("/", 1)[1]) for info in listed if info.key.startswith(f"kill/{round_}/")
        )
        assert indexes == list(range(len(indexes)))
