"""ScopeValues: a transient HAMT updated in place between snapshots must never change a snapshot.

Thousands of keys, so the map is several levels deep and updates take every path of the tree:
into nodes the current transient already copied (changed in place) and into nodes a snapshot
still shares (copied first).
"""

from __future__ import annotations

from typing import Any

import immutables
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sessionkeeper.core.model.state import ScopeValues

KEYS = st.integers(0, 5000).map(lambda n: f"k{n}")


class ScopeValuesModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.values = ScopeValues()
        self.model: dict[str, Any] = {}
        self.snapshots: list[tuple[immutables.Map[str, Any], dict[str, Any]]] = []

    @rule(key=KEYS, value=st.integers())
    def set(self, key: str, value: int) -> None:
        self.values.set(key, value)
        self.model[key] = value

    @rule(first=st.integers(0, 5000), count=st.integers(1, 2000), value=st.integers())
    def set_many(self, first: int, count: int, value: int) -> None:
        for n in range(first, first + count):
            self.values.set(f"k{n}", value)
            self.model[f"k{n}"] = value

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        if key in self.model:
            self.values.delete(key)
            del self.model[key]

    @rule(first=st.integers(0, 5000), count=st.integers(1, 2000))
    def delete_many(self, first: int, count: int) -> None:
        for n in range(first, first + count):
            if f"k{n}" in self.model:
                self.values.delete(f"k{n}")
                del self.model[f"k{n}"]

    @rule()
    def snapshot(self) -> None:
        snap = self.values.snapshot()
        assert self.values.snapshot() is snap  # nothing changed since: the same map
        self.snapshots = [*self.snapshots[-4:], (snap, dict(self.model))]

    @rule()
    def restart_from_a_snapshot(self) -> None:
        """What loading does: new live values from a map that other snapshots may share."""
        if self.snapshots:
            snap, model = self.snapshots[-1]
            self.values = ScopeValues(snap)
            self.model = dict(model)

    @invariant()
    def current_values_agree(self) -> None:
        assert self.values.current == self.model
        assert len(self.values) == len(self.model)

    @invariant()
    def snapshots_never_change(self) -> None:
        for snap, model in self.snapshots:
            assert len(snap) == len(model)
            assert dict(snap.items()) == model


ScopeValuesModel.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, database=None
)
TestScopeValues = ScopeValuesModel.TestCase


@pytest.mark.plain_only("in-memory maps only: nothing is stored, no codec involved")
def test_a_snapshot_taken_now_agrees_with_the_values_now() -> None:
    values = ScopeValues(immutables.Map({f"k{n}": n for n in range(3000)}))
    before = values.snapshot()
    for n in range(0, 3000, 2):
        values.set(f"k{n}", -n)
    values.delete("k1")
    after = values.snapshot()
    assert dict(before.items()) == {f"k{n}": n for n in range(3000)}
    assert dict(after.items()) == values.current
    assert after["k2"] == -2
    assert after["k3"] == 3
    assert "k1" not in after


@pytest.mark.plain_only("in-memory maps only: nothing is stored, no codec involved")
def test_values_a_load_hands_over_are_kept_as_they_are_and_a_map_is_made_only_when_asked() -> None:
    loaded = {f"k{n}": n for n in range(3000)}
    values = ScopeValues(loaded, adopt=True)
    assert values.current is loaded  # the load's own dict: no copy
    values.set("k0", "changed")
    first = values.snapshot()  # the first snapshot makes the map from the values as they are
    assert first["k0"] == "changed"
    values.set("k1", "changed too")
    values.delete("k2")
    assert (first["k1"], first["k2"]) == (1, 2)  # a snapshot never changes
    second = values.snapshot()
    assert dict(second.items()) == values.current
    copied = {"a": 1}
    assert ScopeValues(copied).current is not copied  # not adopted: a copy
