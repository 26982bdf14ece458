"""Sparse Jacobians whose dense row is written into the output (r = np.empty_like(x);
r[:-1] = ...; r[-1] = np.sum(x**2) - 1): the row kept as its terms, as a joined one
(test_sparsity_term_rows.py), so the plan colors F and one pass gives J in O(n) where
the row read whole needs as many colors as inputs (n / 128 chunked passes). A later
write into the row drops its terms (the trace follows writes, the probe checks the
pass's row against its terms even with check_sparsity=False). Closed forms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sparsity_harness import plans_of

import hyperdiff as hd
from hyperdiff import _sparsity

N = 300  # past _MAX_CHUNK: read whole, the row would need N colors


def chain_rows(x: np.ndarray) -> np.ndarray:
    """Rows of x[1:] - x[:-1]**2, closed form."""
    n = x.size
    jac = np.zeros((n - 1, n))
    i = np.arange(n - 1)
    jac[i, i + 1] = 1.0
    jac[i, i] = -2 * x[:-1]
    return jac


def last_written(x: Any) -> Any:
    r = np.empty_like(x)
    r[:-1] = x[1:] - x[:-1] ** 2
    r[-1] = np.sum(x**2) - 1.0
    return r


def first_and_last(x: Any) -> Any:
    r = np.zeros_like(x, shape=(x.size + 1,))
    r[0] = 3.0 * np.mean(np.sin(x))
    r[1:-1] = x[1:] - x[:-1] ** 2
    r[-1] = x @ x
    return r


def lagrangian_row(x: Any) -> Any:
    r = np.zeros_like(x)
    r[0] = x[0] * (np.sum(x[1:] ** 2) - 1.0)  # a multiplier in x times a constraint
    r[1:] = x[1:] - x[:-1] ** 2
    return r


def squared_norm(x: Any) -> Any:
    r = x[1:] - x[:-1] ** 2
    out = np.empty_like(x)
    out[1:] = r
    out[-x.size] = 0.5 * np.linalg.norm(x) ** 2
    return out


def _want(name: str, x: np.ndarray) -> np.ndarray:
    n = x.size
    rows = chain_rows(x)
    if name == "last_written":
        return np.vstack([rows, 2 * x])
    if name == "first_and_last":
        return np.vstack([3.0 * np.cos(x) / n, rows, 2 * x])
    if name == "lagrangian_row":
        first = 2 * x[0] * x
        first[0] = np.sum(x[1:] ** 2) - 1.0
        return np.vstack([first, rows])
    return np.vstack([x, rows])  # squared_norm


WRITTEN = {f.__name__: f for f in (last_written, first_and_last, lagrangian_row, squared_norm)}


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("name", list(WRITTEN))
def test_a_row_written_a_sum_is_kept_as_terms(name: str, check: bool) -> None:
    x = np.linspace(0.1, 0.9, N) + 0.01 * np.sin(np.arange(N))
    jac = hd.jacobian(WRITTEN[name], sparsity="auto", check_sparsity=check)
    for point in (x, x[::-1].copy()):  # (the plan again, at another point)
        got = jac(point).toarray()
        np.testing.assert_allclose(got, _want(name, point), rtol=1e-13, atol=1e-14)
    (plan,) = plans_of(jac)
    assert isinstance(plan, _sparsity._TermRowsPlan)
    assert plan.count <= 4 and plan.probe is not None  # (probed: the written rows)


# writes after the sum: the row is no longer the sum's (values, and so J, change)
AFTER = {
    "r[-1] = 2 r[-1]": lambda r, x: r.__setitem__(-1, 2.0 * r[-1]),
    "r += x": lambda r, x: r.__iadd__(x),
    "v = r[-2:]; v *= 3": lambda r, x: r[-2:].__imul__(3.0),
    "np.copyto(r, 2 r)": lambda r, x: np.copyto(r, 2.0 * r),
    "r[-1:] = x[:1]": lambda r, x: r.__setitem__(slice(-1, None), x[:1]),
    "r[[0, -1]] = x[:2]": lambda r, x: r.__setitem__([0, -1], x[:2]),
}


def _after_want(name: str, x: np.ndarray) -> np.ndarray:
    want = np.vstack([chain_rows(x), 2 * x])
    eye = np.eye(x.size)
    if name == "r[-1] = 2 r[-1]":
        want[-1] *= 2
    elif name == "r += x":
        want += eye
    elif name == "v = r[-2:]; v *= 3":
        want[-2:] *= 3
    elif name == "np.copyto(r, 2 r)":
        want *= 2
    elif name == "r[-1:] = x[:1]":
        want[-1] = eye[0]
    else:
        want[0], want[-1] = eye[0], eye[1]
    return want


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("name", list(AFTER))
def test_a_write_after_the_sum(name: str, check: bool) -> None:
    write = AFTER[name]

    def f(x: Any) -> Any:
        r = last_written(x)
        write(r, x)
        return r

    x = np.linspace(0.1, 0.9, N) + 0.01 * np.sin(np.arange(N))
    jac = hd.jacobian(f, sparsity="auto", check_sparsity=check)
    np.testing.assert_allclose(jac(x).toarray(), _after_want(name, x), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(jac(x).toarray(), _after_want(name, x), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("check", [True, False])
def test_a_write_the_pass_does_not_follow_is_probed(check: bool) -> None:
    """f changes (a flag it reads) to write into the row through a view after the sum:
    the kept plan's pass reads the row off its terms, its probe part off f's row; they
    differ, and the plain plan answers, whatever check_sparsity says."""
    scale = [1.0]

    def f(x: Any) -> Any:
        r = last_written(x)
        if scale[0] != 1.0:
            view = r[-1:]
            view *= scale[0]
        return r

    x = np.linspace(0.1, 0.9, N) + 0.01 * np.sin(np.arange(N))
    jac = hd.jacobian(f, sparsity="auto", check_sparsity=check)
    want = np.vstack([chain_rows(x), 2 * x])
    np.testing.assert_allclose(jac(x).toarray(), want, rtol=1e-13, atol=1e-14)
    scale[0] = 3.0
    want[-1] *= 3.0
    np.testing.assert_allclose(jac(x).toarray(), want, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(jac(x).toarray(), want, rtol=1e-13, atol=1e-14)


def test_a_large_written_row_takes_one_pass() -> None:
    """n = 20000: the row read whole would take 157 chunked passes."""
    n = 20_000
    x = np.linspace(0.1, 0.9, n)
    jac = hd.jacobian(last_written, sparsity="auto")
    got = jac(x)
    (plan,) = plans_of(jac)
    assert isinstance(plan, _sparsity._TermRowsPlan) and plan.count <= 3
    np.testing.assert_allclose(got[[-1]].toarray()[0], 2 * x, rtol=1e-15)
    np.testing.assert_allclose(got[:-1].diagonal(), -2 * x[:-1], rtol=1e-15)
