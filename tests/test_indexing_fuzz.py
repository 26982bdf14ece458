"""Indexing fuzzer: random basic, advanced and mixed keys, get and set, on every kind.

The reference is numpy indexing each plane as a plain array: x[key] must hold, plane
by plane, exactly data[p][key], and x[key] = item must change each plane as
data[p][key] = item's plane p would (0 in the parts for a plain item). Keys numpy
refuses must be refused too. This is the family of the mixed-key defect, where the
planes were indexed with (slice(None), *key) and numpy moved the advanced axes of
x[3, 2:, [1, 3]] in front of the plane axis.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hyperdiff as hd

EXAMPLES = int(os.environ.get("HYPERDIFF_CAMPAIGN_EXAMPLES", "150"))

KINDS = {
    "Dual": (hd.Dual, np.float64),
    "HyperDual": (hd.HyperDual, np.float64),
    "DualVec3": (hd.dualvec_type(3), np.float64),
    "HyperDualVec2": (hd.hyperdualvec_type(2), np.float64),
    "HyperDualVec2x3": (hd.hyperdualvec_type(2, 3), np.float64),
    "Dual-complex": (hd.Dual, np.complex128),
    "HyperDual-float32": (hd.HyperDual, np.float32),
}


def _random_array(cls: type, shape: tuple[int, ...], dtype: Any, seed: int) -> Any:
    """A dual array whose every plane holds distinct numbers (so a mixed-up plane shows)."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((cls._planes, *shape))
    if np.dtype(dtype).kind == "c":
        data = data + 1j * rng.standard_normal(data.shape)
    return cls._wrap(np.ascontiguousarray(data.astype(dtype)))


@st.composite
def shapes_and_keys(draw: st.DrawFn) -> tuple[tuple[int, ...], Any]:
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=0, max_size=4)))
    broadcast = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    components: list[Any] = []
    for axis, size in enumerate(shape):
        choice = draw(st.sampled_from(["int", "slice", "slice", "array", "list", "mask", "skip"]))
        if choice == "int":
            components.append(draw(st.integers(-size, size - 1)))
        elif choice == "slice":
            start = draw(st.none() | st.integers(-size - 1, size + 1))
            stop = draw(st.none() | st.integers(-size - 1, size + 1))
            step = draw(st.none() | st.sampled_from([1, 2, -1, -2, 3]))
            components.append(slice(start, stop, step))
        elif choice in ("array", "list"):
            # each advanced index gets the common shape or a 1 in some of its axes
            own = tuple(draw(st.sampled_from([n, 1])) for n in broadcast)
            count = int(np.prod(own, dtype=np.int64))
            values = draw(st.lists(st.integers(-size, size - 1), min_size=count, max_size=count))
            index = np.array(values, dtype=np.intp).reshape(own)
            components.append(index.tolist() if choice == "list" and own else index)
        elif choice == "mask":
            mask = draw(st.lists(st.booleans(), min_size=size, max_size=size))
            components.append(np.array(mask))
        else:
            break  # the remaining axes are taken whole (a shorter key)
        del axis
    if draw(st.booleans()) and components:
        components.insert(draw(st.integers(0, len(components))), None)
    if draw(st.booleans()):
        components.insert(draw(st.integers(0, len(components))), Ellipsis)
    if len(components) == 1 and draw(st.booleans()):
        return shape, components[0]  # a key that is not a tuple
    return shape, tuple(components)


def _numpy_result(plane: np.ndarray, key: Any) -> tuple[np.ndarray | None, type | None]:
    try:
        return plane[key], None
    except (IndexError, ValueError) as error:
        return None, type(error)


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("kind", list(KINDS))
@FUZZ
@given(case=shapes_and_keys(), seed=st.integers(0, 2**16))
def test_getitem_matches_numpy_on_every_plane(kind: str, case: Any, seed: int) -> None:
    cls, dtype = KINDS[kind]
    shape, key = case
    x = _random_array(cls, shape, dtype, seed)
    expected, error = _numpy_result(x._stack[0, ...], key)
    if error is not None:
        with pytest.raises(error):
            x[key]
        return
    got = x[key]
    assert type(got) is cls
    assert got.shape == np.shape(expected)
    for p in range(cls._planes):
        np.testing.assert_array_equal(got._stack[p], x._stack[p, ...][key], err_msg=f"plane {p}")


def _distinct_elements(shape: tuple[int, ...], key: Any) -> bool:
    """Whether the key picks each element at most once (numpy leaves the winner of
    a repeated assignment unspecified)."""
    picked = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)[key]
    return np.unique(picked).size == np.size(picked)


@pytest.mark.parametrize("kind", list(KINDS))
@FUZZ
@given(
    case=shapes_and_keys(),
    seed=st.integers(0, 2**16),
    item_kind=st.sampled_from(["dual", "dual-broadcast", "number", "array"]),
)
def test_setitem_matches_numpy_on_every_plane(
    kind: str, case: Any, seed: int, item_kind: str
) -> None:
    cls, dtype = KINDS[kind]
    shape, key = case
    x = _random_array(cls, shape, dtype, seed)
    selected, error = _numpy_result(x._stack[0, ...], key)
    if error is not None or not _distinct_elements(shape, key):
        return
    target_shape = np.shape(selected)
    if item_kind == "dual":
        item: Any = _random_array(cls, target_shape, dtype, seed + 1)
        item_planes = list(item._stack)
    elif item_kind == "dual-broadcast":  # one element's planes, broadcast over the selection
        item = _random_array(cls, target_shape[-1:], dtype, seed + 1)
        item_planes = list(item._stack)
    elif item_kind == "number":
        item = 7.5
        item_planes = [np.asarray(7.5)] + [np.asarray(0.0)] * (cls._planes - 1)
    else:
        item = np.random.default_rng(seed + 2).standard_normal(target_shape).astype(dtype)
        item_planes = [item] + [np.zeros(target_shape, dtype)] * (cls._planes - 1)
    expected = x._stack.copy()
    for p in range(cls._planes):
        expected[p, ...][key] = item_planes[p]
    x[key] = item
    for p in range(cls._planes):
        np.testing.assert_array_equal(x._stack[p], expected[p], err_msg=f"plane {p}")


@pytest.mark.parametrize(
    "key",
    [
        (3, slice(2, None), [1, 3]),
        ([0, 1], slice(None), [1, 2]),
        ([1], slice(2, 4), 0),
        (slice(None), [0, 2], slice(None)),
        (Ellipsis, [1, 0]),
        (0, None, [1, 2], 1),
        (np.array([[0], [1]]), slice(None), np.array([0, 3])),
    ],
)
@pytest.mark.parametrize("kind", list(KINDS))
def test_mixed_keys_of_the_report(kind: str, key: Any) -> None:
    """The keys of the report (array indices split by a slice) and their neighbours."""
    cls, dtype = KINDS[kind]
    x = _random_array(cls, (5, 6, 4), dtype, 0)
    got = x[key]
    for p in range(cls._planes):
        np.testing.assert_array_equal(got._stack[p], x._stack[p, ...][key])
    y = _random_array(cls, (5, 6, 4), dtype, 1)
    expected = y._stack.copy()
    for p in range(cls._planes):
        expected[p, ...][key] = got._stack[p]
    y[key] = got
    np.testing.assert_array_equal(y._stack, expected)


def test_mixed_key_of_the_report_values() -> None:
    x = hd.dual(np.arange(120.0).reshape(5, 6, 4), 0.5)
    got = x[3, 2:, [1, 3]]
    np.testing.assert_array_equal(got.value, [[81, 85, 89, 93], [83, 87, 91, 95]])
    np.testing.assert_array_equal(got.d, np.full((2, 4), 0.5))
