"""Sparsity detection and numpy's views.

The tracer holds each element's dependency set by value, so x[::2], x.reshape(...) and
the other views were copies: a write through one never reached x, and the pattern
missed what the write added. With check_sparsity=False the Jacobian came back wrong
(y = c[::2]; y[...] = 3 x[1::2] gave 0 where 3 belongs); with the check, a ValueError.
Now a write through a view by basic index reaches its base (as in numpy), a view that
missed a write into its base raises when used, a write through a view made by a numpy
function (x.reshape(...)[0] = ...) raises, and in-place operators write into the array
itself (an alias sees them). References: closed forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([0.7, -0.4, 1.2, 0.3, -0.9, 1.5])


def _jacobian(rows: dict[int, dict[int, float]]) -> np.ndarray:
    jac = np.zeros((6, 6))
    for i, row in rows.items():
        for j, v in row.items():
            jac[i, j] = v
    return jac


def _identity_except(rows: dict[int, dict[int, float]]) -> np.ndarray:
    return _jacobian({i: rows.get(i, {i: 1.0}) for i in range(6)})


def _through_slice(y: Any) -> Any:
    c = y * 1.0
    view = c[::2]
    view[...] = y[1::2] * 3.0  # c[2i] = 3 y[2i+1]
    return c


def _through_slice_in_place(y: Any) -> Any:
    c = y * 1.0
    view = c[::2]
    view *= y[1::2]  # c[2i] = y[2i] y[2i+1]
    return c


def _view_of_a_view(y: Any) -> Any:
    c = y * 1.0
    view = c[::2][1:]  # c[2], c[4]
    view += y[:2]
    return c


def _subscript_in_place(y: Any) -> Any:
    c = y * 1.0
    c[1:] += c[:-1]  # numpy reads c[:-1] before writing: c[i] = y[i] + y[i-1]
    return c


X1 = X[1::2]
VIEW_WRITES: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "slice view, assignment": (
        _through_slice,
        _identity_except({0: {1: 3.0}, 2: {3: 3.0}, 4: {5: 3.0}}),
    ),
    "slice view, in place": (
        _through_slice_in_place,
        _identity_except({2 * i: {2 * i: X1[i], 2 * i + 1: X[2 * i]} for i in range(3)}),
    ),
    "view of a view": (
        _view_of_a_view,
        _identity_except({2: {2: 1.0, 0: 1.0}, 4: {4: 1.0, 1: 1.0}}),
    ),
    "subscript in place": (
        _subscript_in_place,
        _identity_except({i: {i: 1.0, i - 1: 1.0} for i in range(1, 6)}),
    ),
}


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("f", list(VIEW_WRITES))
def test_writes_through_basic_index_views_reach_their_base(f: str, check: bool) -> None:
    fn, want = VIEW_WRITES[f]
    got = hd.jacobian(fn, sparsity="auto", check_sparsity=check)(X).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-15)


def _through_reshape(y: Any) -> Any:
    c = y * 1.0
    c.reshape(2, 3)[0] = y[3:] ** 2
    return c


def _through_transpose(y: Any) -> Any:
    c = (y * 1.0).reshape(2, 3)
    c.T[0] = y[4:]
    return c.ravel()


def _stale_view(y: Any) -> Any:
    c = y * 1.0
    view = c[1:4]
    c[2] = y[5]  # the view shows it in numpy
    return view * 1.0


def _stale_function_view(y: Any) -> Any:
    c = y * 1.0
    view = c.reshape(2, 3)
    c[:] = y[::-1]
    return view.ravel()


REFUSED: dict[str, Callable[[Any], Any]] = {
    "reshape view": _through_reshape,
    "transpose view": _through_transpose,
    "a view after a write into its base": _stale_view,
    "a reshaped view after a write into its base": _stale_function_view,
}


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("f", list(REFUSED))
def test_writes_it_cannot_follow_are_refused(f: str, check: bool) -> None:
    # each by its own message (a stale view once raised a plan's, its {where} unformatted)
    why = "used after a write into its base" if "after" in f else "writes through views made"
    with pytest.raises(TypeError, match=f"^sparsity detection.*{why}"):
        hd.jacobian(REFUSED[f], sparsity="auto", check_sparsity=check)(X)
    with pytest.raises(TypeError, match=f"^sparsity detection.*{why}"):
        hd.hessian(lambda y: np.sum(REFUSED[f](y) ** 2), sparsity="auto", check_sparsity=check)(X)


def test_a_view_of_elements_a_write_missed_stays_usable() -> None:
    def f(y: Any) -> Any:
        c = y * 1.0
        head, tail = c[:3], c[3:]
        head[...] = y[3:] * 2.0  # tail shows none of these
        return np.concatenate([tail * 1.0, c[:3]])

    want = np.zeros((6, 6))
    want[:3, 3:] = np.eye(3)
    want[3:, 3:] = 2.0 * np.eye(3)
    got = hd.jacobian(f, sparsity="auto", check_sparsity=False)(X).toarray()
    np.testing.assert_array_equal(got, want)


def test_an_alias_sees_an_in_place_operator() -> None:
    def f(y: Any) -> Any:
        c = y * 1.0
        alias = c
        c *= y[::-1]  # numpy: alias is c, so alias = y * y[::-1]
        return alias

    want = np.diag(X[::-1]) + np.fliplr(np.diag(X))
    for check in (True, False):
        got = hd.jacobian(f, sparsity="auto", check_sparsity=check)(X).toarray()
        np.testing.assert_allclose(got, want, rtol=1e-15)
