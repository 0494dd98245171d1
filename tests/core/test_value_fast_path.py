"""encode_value's plain-JSON fast path stores exactly what the tagged encoding stores, for any value."""

from __future__ import annotations

import enum
import math
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionkeeper.core import UnserializableValueError
from sessionkeeper.core.model.values import decode_stored, encode_tree, encode_value


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Plain(enum.Enum):
    A = "a"


class Text(str):
    pass


_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),  # past int64 and past 53 bits too
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["$type", '"$type"', "v", Colour.RED, Level.HIGH]),
    st.uuids(),
    st.datetimes(timezones=st.just(UTC)),
)


def _trees(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.one_of(st.text(max_size=6), st.just("$type"), st.integers(0, 3))
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(keys, inner, max_size=4),
            st.tuples(inner, inner),
            st.frozensets(st.integers(0, 9), max_size=3),
        ),
        max_leaves=12,
    )


def _slow(value: Any) -> tuple[Any, bytes]:
    tree = encode_tree(value)
    return tree, orjson.dumps(tree)


def _same(left: Any, right: Any) -> bool:
    """Equal, with NaN equal to itself and types compared too."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    if isinstance(left, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    return bool(left == right)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.lists(_trees(_LEAVES), max_size=4),
        st.dictionaries(st.text(max_size=6), _trees(_LEAVES)),
    )
)
def test_the_fast_path_stores_what_the_tagged_encoding_stores(value: Any) -> None:
    try:
        expected = _slow(value)
    except Exception:  # refused by the tagged encoding: encode_value must refuse it too
        with pytest.raises(UnserializableValueError):
            encode_value("k", value)
        return
    tree, data = encode_value("k", value)
    assert data == expected[1]
    assert _same(tree, expected[0])
    assert _same(orjson.loads(data), tree)


@pytest.mark.parametrize(
    ("value", "back"),
    [
        ({"a": [1, 2.5, "x", None, True]}, {"a": [1, 2.5, "x", None, True]}),
        ({"when": datetime(2026, 1, 2, tzinfo=UTC)}, {"when": datetime(2026, 1, 2, tzinfo=UTC)}),
        ({"pair": (1, 2)}, {"pair": (1, 2)}),
        ({"id": uuid.UUID(int=7)}, {"id": uuid.UUID(int=7)}),
        ({"$type": "fake"}, {"$type": "fake"}),
        ([float("inf")], [float("inf")]),
        ([2**60], [2**60]),
        ({"colour": Colour.RED, "level": Level.HIGH}, {"colour": "red", "level": 3}),
    ],
)
def test_values_come_back_with_their_type(value: Any, back: Any) -> None:
    tree, _ = encode_value("k", value)
    assert decode_stored(tree) == back
    assert _same(decode_stored(tree), back) or isinstance(back, dict | list)


def test_tree_is_a_copy_the_caller_cannot_change() -> None:
    value = {"tags": ["a"]}
    tree, _ = encode_value("k", value)
    value["tags"].append("b")
    assert tree == {"tags": ["a"]}


@pytest.mark.parametrize("value", [{"x": Plain.A}, [Text("t")], {"x": {1, 2}.__class__}])
def test_what_the_tagged_encoding_refuses_stays_refused(value: Any) -> None:
    with pytest.raises(UnserializableValueError):
        encode_value("k", value)
