"""Damaged files are never accepted as data, under every codec (see ``tests/integrity/fuzz.py``).

For every kind of file core writes — session snapshot, its backup, journal, APP and USER scope
files, journals and identity files, an export, and (encrypted stores only) the key file — a seeded
run of damage (one flipped bit, a truncation, a zeroed range, a splice with another file of the
same kind, that other file swapped in) is loaded through the public API, read-only and as a writer. Each test
asserts that no trial returned data that was never written, raised anything but a documented
``SessionkeeperError``, or changed a good file; on failure it prints the table of its trials.
``bench/integrity_fuzz.py`` runs the same with thousands of trials.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import memory_scratch
from tests.integrity.fuzz import (
    DAMAGES,
    KINDS,
    History,
    Outcome,
    Tally,
    World,
    build_world,
    render_table,
    run_trials,
)
from tests.sealed_journal import record_kinds

# Per file kind and codec: 13 trials (a writer path in each), about 470 in all, ~30 s here.
COUNTS = {"bitflip": 6, "truncate": 2, "zero": 2, "splice": 2, "swap": 1}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """In memory (tmpfs) when the machine has one: every trial copies a few dozen small files."""
    with memory_scratch("sessionkeeper-integrity-", lambda: tmp_path_factory.mktemp("integrity")) as path:
        yield path


@pytest.fixture(scope="module")
def world(codec_name: str, scratch: Path) -> World:
    """One world per codec (the codec's settings are in the environment while it is built)."""
    root = scratch / f"world-{codec_name}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    return build_world(root, codec_name)


@pytest.fixture
def workdir(scratch: Path, request: pytest.FixtureRequest) -> Path:
    name: str = request.node.name
    path = scratch / "trials" / name.replace("/", "_")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _report(world: World, kind: str, tallies: dict[str, Tally]) -> str:
    table = render_table({(world.codec, kind, damage): tally for damage, tally in tallies.items()})
    examples = [line for tally in tallies.values() for line in tally.examples]
    return f"\n{table}\nfirst problems:\n" + "\n".join(f"  {line}" for line in examples)


def _check(world: World, kind: str, workdir: Path, counts: dict[str, int] = COUNTS) -> None:
    tallies = run_trials(world, kind, counts, workdir)
    assert [tallies[damage].trials for damage in DAMAGES] == [counts.get(damage, 0) for damage in DAMAGES]
    bad = {damage: tally.bad for damage, tally in tallies.items() if tally.bad}
    assert not bad, _report(world, kind, tallies)


_LOCAL = {damage: COUNTS[damage] for damage in ("bitflip", "truncate", "zero")}
_FOREIGN = {damage: COUNTS[damage] for damage in ("splice", "swap")}


@pytest.mark.parametrize("kind", KINDS[:-1])
def test_local_damage_to_a_stored_file_is_never_accepted_as_data(
    kind: str, world: World, workdir: Path
) -> None:
    """Flipped bits, truncations, zeroed ranges: never data, under every codec, in every file."""
    _check(world, kind, workdir, _LOCAL)


@pytest.mark.parametrize("kind", KINDS[:-1])
def test_a_foreign_file_spliced_or_swapped_in_is_never_accepted_as_data(
    kind: str, world: World, workdir: Path
) -> None:
    """Another session's or store's file of the same kind, whole or spliced with this one: APP
    and USER files name their store's id, and journal records are bound to it (core/storage/identity.py)."""
    _check(world, kind, workdir, _FOREIGN)


@pytest.mark.codecs("zstd-aes", "zstd-chacha", reason="only an encrypted store has a key file")
def test_damage_to_the_key_file_is_never_accepted_as_a_key(world: World, workdir: Path) -> None:
    _check(world, "key file", workdir)


# -- the checker itself ------------------------------------------------------------------------------


@pytest.mark.plain_only("checks the fuzzer's judge on values in memory; no file involved")
def test_the_judge_flags_every_value_that_was_never_written() -> None:
    """A flipped digit ("1000" -> "9000"), an unknown key, a mixed state and an invented event are
    flagged; older acknowledged states and dropped journal records are not."""
    store = History()
    store.apply([("set", "session", "count", "1000"), ("set", "session", "tags", ["a"])], "session")
    store.apply([("set", "session", "count", "1001"), ("delete", "session", "tags")], "session")
    assert store.values_problems({"count": "1000", "tags": ["a"]}, True, "v") == []
    assert store.values_problems({"count": "1001"}, True, "v") == []
    assert store.values_problems({"count": "9000", "tags": ["a"]}, True, "v")
    assert store.values_problems({"count": "1001", "tags": ["a"]}, True, "v")  # never a state
    assert store.values_problems({"count": "1001", "tags": ["a"]}, False, "v") == []  # each was written
    assert store.values_problems({"count": "9000"}, False, "v")
    assert store.values_problems({"c0unt": "1001"}, False, "v")
    assert store.values_problems({"count": 1001}, False, "v")  # the type is part of the value
    assert store.values_problems({"tags": ("a",)}, False, "v")


@pytest.mark.plain_only("checks the fuzzer's bookkeeping; no file involved")
def test_a_trial_counts_each_kind_of_problem_once() -> None:
    tally = Tally()
    outcome = Outcome("x", accepted=["a", "b"], errors=["c"], detected=True)
    tally.add(outcome)
    tally.add(Outcome("y", detected=True, verify_ok=True))
    assert (tally.trials, tally.accepted, tally.errors, tally.touched, tally.detected, tally.verify_ok) == (
        2,
        1,
        1,
        0,
        2,
        1,
    )
    assert tally.bad == 2
    assert tally.examples == ["x: ACCEPTED a"]


def test_the_intact_world_is_read_back_exactly(world: World) -> None:
    """Without damage every path returns the full acknowledged state: the judge has no blind spot
    that would make the damage tests pass vacuously (and the world is what the tests assume)."""
    from sessionkeeper.core import read_scope, read_session

    view = read_session(world.root / "RUNS", world.a)
    values = {key: view.get(key) for key in view.keys()}  # noqa: SIM118 - a view, not a dict
    assert world.session.values_problems(values, True, "values") == []
    assert values.keys() == world.session.states[-1].keys()
    assert view.events() == world.session.events[-1]
    assert view.report.dropped == ()
    for scope in ("app", "user"):
        paths = world.paths(world.root)[scope]
        scope_view = read_scope(paths, scope)
        found = {key: scope_view.get(key) for key in scope_view.keys()}  # noqa: SIM118
        assert found.keys() == getattr(world, scope).states[-1].keys()
        assert getattr(world, scope).values_problems(found, True, scope) == []


@pytest.mark.codecs("zstd", "zstd-aes", "zstd-chacha", reason="a dictionary is made only under compression")
def test_under_compression_the_damaged_app_journal_holds_a_dictionary(world: World) -> None:
    """The trials on "app journal" (and the splices from the other APP journal) also hit the
    compression dictionary's records and records compressed against it (see fuzz.phases)."""
    stores = world.paths(world.root)
    for name in ("app", "other app"):
        paths = stores[name]
        kinds = record_kinds(paths.journal(paths.journal_epochs()[-1]), paths)
        assert kinds.count("Z") == 2, name
        assert kinds.count("d") > 20, name
