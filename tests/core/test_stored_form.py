"""A container ``set()`` gives a persistent scope is kept as its JSON, in an ``orjson.Fragment``.

What that must not change: ``get()`` gives a fresh object equal to the one set (tagged types
included), ``state()`` gives trees, snapshots are the very bytes trees would render, the USER
sync's digests are the same, and TEMP keeps whatever object it was given.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkeeper.core import SessionManager, StateScope, read_session, session_paths
from sessionkeeper.core.model.state import ScopeValues
from sessionkeeper.core.model.values import decode_stored, encode_value, stored_form, stored_tree
from sessionkeeper.core.remote.user_clock import value_digest
from sessionkeeper.core.storage.documents import session_context_hash
from tests.conftest import stored_document

Reopen = Callable[..., SessionManager]

VALUES: dict[str, Any] = {
    "task": {"status": "done", "tries": 2, "secs": 1.5, "ok": True, "tags": ["build"]},
    "steps": ["build", "test", 3],
    "when": {"at": datetime(2026, 12, 6, 9, 30, tzinfo=UTC), "cost": Decimal("1.50")},  # tagged
    "pair": ("a", 1),  # tagged: comes back a tuple
    "name": "plain string",
    "count": 7,
    "none": None,
}


def _stored(manager: SessionManager, key: str, scope: StateScope = StateScope.SESSION) -> Any:
    return manager._scopes.values(scope).current[key]  # what the scope keeps


@pytest.mark.plain_only("what is kept in memory; the codec only changes the files")
def test_containers_are_kept_as_fragments_and_scalars_as_themselves(manager: SessionManager) -> None:
    for key, value in VALUES.items():
        manager.set(key, value)
    for key, value in VALUES.items():
        stored = _stored(manager, key)
        if isinstance(value, dict | list | tuple):
            assert type(stored) is orjson.Fragment
            assert not gc.is_tracked(stored)  # the collector never walks it
        else:
            assert stored == value
        got = manager.get(key)
        assert got == value
        assert type(got) is type(value)


@pytest.mark.plain_only("what is kept in memory; the codec only changes the files")
def test_get_hands_out_a_fresh_copy_each_time(manager: SessionManager) -> None:
    manager.set("task", VALUES["task"])
    first = manager.get("task")
    first["tags"].append("changed")
    first["status"] = "changed"
    assert manager.get("task") == VALUES["task"]
    assert manager.get("task") is not manager.get("task")


@pytest.mark.plain_only("what is kept in memory; the codec only changes the files")
def test_state_holds_trees_before_and_after_its_first_snapshot(manager: SessionManager) -> None:
    manager.set("early", VALUES["task"])
    first = manager.snapshot()
    manager.set("late", VALUES["steps"])  # once a snapshot exists, the map is kept in step
    second = manager.snapshot()
    assert first.session["early"] == second.session["early"] == VALUES["task"]
    assert second.session["late"] == VALUES["steps"]
    assert "late" not in first.session
    tagged = encode_value("when", VALUES["when"])[0]
    manager.set("when", VALUES["when"])
    assert manager.snapshot().session["when"] == tagged  # the encoded tree, as State promises
    assert all(type(value) is not orjson.Fragment for value in manager.snapshot().session.values())


@pytest.mark.plain_only("what is kept in memory; the codec only changes the files")
def test_temp_keeps_the_very_object_it_was_given(manager: SessionManager) -> None:
    fragment = orjson.Fragment(b'{"a":1}')
    manager.set("raw", fragment, StateScope.TEMP)
    manager.snapshot()
    manager.set("again", fragment, StateScope.TEMP)
    assert manager.get("raw", StateScope.TEMP) is fragment
    assert manager.snapshot().temp["again"] is fragment


def test_a_snapshot_holds_the_values_set_and_reads_back_the_same(data_dir: Path, reopen: Reopen) -> None:
    manager = reopen()
    session_id = manager.start()
    for key, value in VALUES.items():
        manager.set(key, value)
        manager.set(key, value, StateScope.USER)
    assert manager.checkpoint()
    document = stored_document(session_paths(data_dir, session_id).snapshot)
    expected = {key: encode_value(key, value)[0] for key, value in VALUES.items()}
    assert document["scope_data"]["session"] == expected
    assert document["scope_data"]["user"] == expected
    view = read_session(data_dir, session_id)
    assert {key: view.get(key) for key in VALUES} == VALUES
    manager.stop()
    resumed = reopen()
    resumed.resume(session_id)
    assert {key: resumed.get(key) for key in VALUES} == VALUES


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=20,
    )
)
def test_a_fragment_renders_digests_and_decodes_as_its_tree(value: Any) -> None:
    tree, data = encode_value("k", value)
    stored = stored_form(tree, data)
    assert stored_tree(stored) == tree
    assert orjson.dumps({"k": stored}) == orjson.dumps({"k": tree})  # the snapshot's very bytes
    assert session_context_hash({"k": stored}) == session_context_hash({"k": tree})
    assert value_digest(stored) == value_digest(tree)
    assert decode_stored(stored) == decode_stored(tree)


@pytest.mark.plain_only("what is kept in memory; the codec only changes the files")
def test_scope_values_snapshots_convert_fragments_and_leave_temp_alone() -> None:
    tree, data = encode_value("k", VALUES["task"])
    values = ScopeValues({"k": stored_form(tree, data)})
    assert values.snapshot()["k"] == tree
    temp = ScopeValues({"k": orjson.Fragment(data)}, encoded=False)
    assert type(temp.snapshot()["k"]) is orjson.Fragment
