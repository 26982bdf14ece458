"""`x.flat` and `x.view()` of dual arrays, as numpy's: code written for ndarrays
(`for v in x.flat`, `y.flat[i] = v`, `x.view()`) runs on dual arrays unchanged. The
values are compared with numpy's own flat and view on the value plane; the parts with
the same operations applied to each part plane (flat and view are linear: each plane
goes where its element goes), and derivatives with closed forms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

INDICES: list[Any] = [4, -1, slice(1, 5), slice(None, None, -2), [0, 5, 5], np.array([3, 1])]


def _dual(shape: tuple[int, ...] = (2, 3)) -> Any:
    value = np.arange(np.prod(shape), dtype=float).reshape(shape) + 0.5
    return hd.hyperdual(value, e1=value * 10, e2=-value)


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_flat_reads_as_numpy(index: Any) -> None:
    x = _dual()
    got = x.flat[index]
    for plane in ("value", "e1", "e2", "e12"):
        np.testing.assert_array_equal(getattr(got, plane), getattr(x, plane).flat[index])


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_flat_writes_reach_the_array(index: Any) -> None:
    x = _dual()
    expected = {p: np.array(getattr(x, p)) for p in ("value", "e1", "e2", "e12")}
    written = hd.hyperdual(np.float64(-7.0), e1=np.float64(2.0), e2=np.float64(3.0))
    x.flat[index] = written
    for plane in expected:
        expected[plane].flat[index] = getattr(written, plane)
        np.testing.assert_array_equal(getattr(x, plane), expected[plane])


def test_flat_iterates_and_counts_as_numpy() -> None:
    x = _dual((3, 2))
    assert len(x.flat) == x.size and x.flat.base is x
    values = [float(v.value) for v in x.flat]
    assert values == list(x.value.flat)
    assert [float(v.e1) for v in x.flat] == list(x.e1.flat)


def test_derivatives_through_flat() -> None:
    a = np.arange(1.0, 5.0).reshape(2, 2)
    grad = hd.grad(lambda u: sum(v**3 for v in u.flat))(a)
    np.testing.assert_array_equal(grad, 3 * a**2)

    def swap_squares(u: Any) -> Any:
        out = u * 1.0
        out.flat[[0, 3]] = u.flat[[3, 0]] ** 2
        return out

    jac = hd.jacobian(swap_squares)(a).reshape(4, 4)
    expected = np.eye(4)
    expected[0] = [0, 0, 0, 2 * a.flat[3]]
    expected[3] = [2 * a.flat[0], 0, 0, 0]
    np.testing.assert_array_equal(jac, expected)


def test_view_shares_the_planes() -> None:
    x = _dual()
    v = x.view()
    assert type(v) is type(x) and v is not x
    v[0, 1] = hd.hyperdual(np.float64(9.0), e1=np.float64(1.0), e2=np.float64(0.0))
    assert x.value[0, 1] == 9.0 and x.e1[0, 1] == 1.0
    x[1, 2] = 0.0
    assert v.value[1, 2] == 0.0 and v.e1[1, 2] == 0.0


@pytest.mark.parametrize("args", [(np.float32,), (np.ndarray,), (None, np.ndarray)])
def test_view_as_another_dtype_or_type_is_refused(args: Any) -> None:
    with pytest.raises(TypeError, match="view"):
        _dual().view(*args)
