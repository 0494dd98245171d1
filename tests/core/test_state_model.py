"""A model-based test: random sets, deletes, events, checkpoints, snapshots and reopenings agree
with a plain dict, and every snapshot keeps agreeing with the model as it was when it was taken."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sessionkeeper.core import CommandExecuted, Event, SessionManager, State, StateScope, read_session
from sessionkeeper.core.model.values import decode_stored
from tests.core.test_values import Milestone, Point, assert_same

KEYS = st.sampled_from(["a", "b", "feature", "user:theme", "한국어 키", "$type", ""])
PERSISTENT = st.sampled_from([StateScope.SESSION, StateScope.USER, StateScope.APP])
ALL_SCOPES = st.sampled_from(list(StateScope))

_hashable = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=5),
    st.dates(),
    st.uuids(),
    st.tuples(st.integers(), st.text(max_size=3)),
)
_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False),
    st.text(max_size=10),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=9))])),
    st.dates(),
    st.times(),
    st.uuids(),
    st.decimals(allow_nan=False, places=3),
    st.builds(Path, st.text(alphabet="abc/한", min_size=1, max_size=8)),
    st.sets(_hashable, max_size=3),
    st.frozensets(_hashable, max_size=3),
    st.builds(Point, st.integers(-(2**63), 2**63 - 1), st.integers(-5, 5)),
    st.builds(
        Milestone,
        st.text(max_size=5),
        st.datetimes(timezones=st.sampled_from([None, UTC])),
        st.builds(Point, st.integers(-5, 5), st.integers(-5, 5)),
    ),
)
VALUES = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.tuples(children, children),
        st.dictionaries(st.text(max_size=4), children, max_size=3),
        st.dictionaries(_hashable, children, max_size=2),
        st.fixed_dictionaries({"$type": st.sampled_from(["set", "int", "x"]), "v": children}),
    ),
    max_leaves=6,
)


# Real files on a memory file system when there is one: checkpoints fsync, and this test makes hundreds.
_SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class SessionModel(RuleBasedStateMachine):
    """The manager against a dict per scope and a list of events."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="sessionkeeper-model-", dir=_SCRATCH))
        self.manager = self._new_manager()
        self.session_id = self.manager.start()
        self.model: dict[StateScope, dict[str, Any]] = {scope: {} for scope in StateScope}
        self.events: list[Event] = []
        self.snapshots: list[tuple[State, dict[StateScope, dict[str, Any]], int]] = []

    def _new_manager(self) -> SessionManager:
        return SessionManager(data_dir=self.root / "RUNS", user_dir=self.root / "user", handle_signals=False)

    @rule(key=KEYS, value=VALUES, scope=ALL_SCOPES)
    def set_value(self, key: str, value: Any, scope: StateScope) -> None:
        self.manager.set(key, value, scope)
        self.model[scope][key] = value

    @rule(key=KEYS, scope=ALL_SCOPES)
    def delete_value(self, key: str, scope: StateScope) -> None:
        existed = self.manager.delete(key, scope)
        assert existed == (key in self.model[scope])
        self.model[scope].pop(key, None)

    @rule(key=KEYS)
    def set_temp_object(self, key: str) -> None:
        value = object()  # TEMP takes what persistent scopes refuse
        self.manager.set(key, value, StateScope.TEMP)
        self.model[StateScope.TEMP][key] = value

    @rule(command=st.text(max_size=8), exit_code=st.integers(0, 255))
    def record_event(self, command: str, exit_code: int) -> None:
        event = CommandExecuted(command=command, exit_code=exit_code)
        self.manager.record(event)
        self.events.append(event)

    @rule()
    def checkpoint(self) -> None:
        assert self.manager.checkpoint() is True

    @rule()
    def stop_and_reopen(self) -> None:
        self.manager.stop()
        self.manager = self._new_manager()
        assert self.manager.resume(self.session_id) == self.session_id
        self.model[StateScope.TEMP] = {}
        load = self.manager.info().load
        assert load is not None
        assert load.dropped == ()
        assert load.warnings == ()

    @rule()
    def take_snapshot(self) -> None:
        model = {scope: dict(values) for scope, values in self.model.items()}
        self.snapshots = [*self.snapshots[-3:], (self.manager.snapshot(), model, len(self.events))]

    @precondition(lambda self: bool(self.model[StateScope.SESSION]))
    @rule()
    def lock_free_reader_agrees(self) -> None:
        view = read_session(self.root / "RUNS", self.session_id)
        assert view.keys() == sorted(self.model[StateScope.SESSION])
        for key, value in self.model[StateScope.SESSION].items():
            assert_same(view.get(key), value, f"read_session {key!r}")
        assert view.events() == self.events

    @invariant()
    def manager_agrees_with_model(self) -> None:
        for scope in StateScope:
            expected = self.model[scope]
            assert self.manager.keys(scope) == sorted(expected), scope
            for key, value in expected.items():
                if scope is StateScope.TEMP:
                    assert self.manager.get(key, scope) is value, (scope, key)
                else:
                    assert_same(self.manager.get(key, scope), value, f"{scope} {key!r}")
        assert self.manager.events() == self.events

    @invariant()
    def snapshots_never_change(self) -> None:
        for state, model, events in self.snapshots:
            for scope in StateScope:
                values = state.scope(scope)
                assert sorted(values.keys()) == sorted(model[scope]), scope
                for key, value in model[scope].items():
                    if scope is StateScope.TEMP:
                        assert values[key] is value, (scope, key)
                    else:
                        assert_same(decode_stored(values[key]), value, f"snapshot {scope} {key!r}")
            assert len(state.events) == events

    def teardown(self) -> None:
        try:
            self.manager.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


MODEL_SETTINGS = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_the_manager_agrees_with_the_model() -> None:
    """Under each codec of the matrix (a plain function, not a TestCase, so it is parametrised)."""
    run_state_machine_as_test(SessionModel, settings=MODEL_SETTINGS)
