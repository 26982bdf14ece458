"""Round 13, sparse transforms and scipy.sparse products: silent defects found by the
breaker round (each test fails on the code before its fix).

check_sparsity=False keys a plan by the arguments' values ("f's pattern depends on its
arguments alone"); an argument edited in place where the key kept no copy of what
changed (a lil matrix's rows: object arrays of lists, shared by a shallow copy; a
class's __slots__, no __dict__ entries) was read with the old pattern, wrongly.
References are closed forms: the Jacobian of A @ u + u**2 is A + diag(2u), the Hessian
of sum(sin(A u)) is A^T diag(-sin(A u)) A, that of u * roll(u, k) a sum of two diagonals."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

sp = pytest.importorskip("scipy.sparse")

N = 7


def _point(n: int = N) -> np.ndarray:
    return np.linspace(0.4, 1.6, n)


def _lil(kind: str) -> Any:
    diagonal = np.diag(np.arange(1.0, N + 1))
    return sp.lil_array(diagonal) if kind == "lil_array" else sp.lil_matrix(diagonal)


class _Rows:
    """A matrix as an object array of rows of (column, value) lists (a lil's layout)."""

    def __init__(self) -> None:
        self.rows = np.empty(N, dtype=object)
        for i in range(N):
            self.rows[i] = [[i, float(i + 1)]]

    def __setitem__(self, where: tuple[int, int], value: float) -> None:
        self.rows[where[0]].append([where[1], value])  # in place: the same list

    def toarray(self) -> np.ndarray:
        dense = np.zeros((N, N))
        for i, row in enumerate(self.rows):
            for j, v in row:
                dense[i, j] += v
        return dense

    def __matmul__(self, u: Any) -> Any:
        return np.stack([sum(v * u[j] for j, v in row) for row in self.rows])


MATRICES: dict[str, Callable[[], Any]] = {
    "lil_array": lambda: _lil("lil_array"),
    "lil_matrix": lambda: _lil("lil_matrix"),
    "object rows": _Rows,
}


@pytest.mark.parametrize("kind", MATRICES)
@pytest.mark.parametrize("transform", ["jacobian", "hessian"])
def test_unchecked_plan_sees_a_matrix_argument_edited_in_place(kind: str, transform: str) -> None:
    a = MATRICES[kind]()
    u = _point()

    def residual(w: Any, m: Any) -> Any:
        return m @ w + w**2

    def energy(w: Any, m: Any) -> Any:
        return np.sum(np.sin(m @ w))

    f = residual if transform == "jacobian" else energy
    run = getattr(hd, transform)(f, sparsity="auto", check_sparsity=False)
    run(u, a)  # the plan: a diagonal pattern, one color
    a[0, 3] = 5.0  # an entry where the diagonal's color reads row 0 (no unused slot)
    a[4, 1] = -2.0
    dense = a.toarray()
    if transform == "jacobian":
        expected = dense + np.diag(2 * u)
    else:
        expected = dense.T @ np.diag(-np.sin(dense @ u)) @ dense
    np.testing.assert_allclose(run(u, a).toarray(), expected, rtol=1e-14, atol=1e-14)


@dataclasses.dataclass(slots=True)
class _Shift:
    k: int


class _SlottedShift:
    __slots__ = ("k",)

    def __init__(self, k: int) -> None:
        self.k = k


class _PrivateShift:
    __slots__ = ("__k", "__weakref__")

    def __init__(self, k: int) -> None:
        self.__k = k

    @property
    def k(self) -> int:
        return self.__k

    def shift(self, k: int) -> None:
        self.__k = k


class _DerivedShift(_PrivateShift):
    __slots__ = "label"


def _set_k(p: Any, k: int) -> None:
    if isinstance(p, _PrivateShift):
        p.shift(k)
    else:
        p.k = k


SHIFTS: dict[str, Callable[[int], Any]] = {
    "dataclass(slots=True)": _Shift,
    "__slots__": _SlottedShift,
    "private slot": _PrivateShift,
    "inherited private slot": _DerivedShift,
}


@pytest.mark.parametrize("kind", SHIFTS)
@pytest.mark.parametrize("transform", ["jacobian", "hessian"])
def test_unchecked_plan_sees_a_slot_changed(kind: str, transform: str) -> None:
    p = SHIFTS[kind](1)
    u = _point(8)  # (an even n: two colors, j mod 2, that roll(u, 2) shares)

    def f(w: Any, q: Any) -> Any:
        out = w * np.roll(w, q.k)
        return out if transform == "jacobian" else np.sum(out)

    run = getattr(hd, transform)(f, sparsity="auto", check_sparsity=False)
    run(u, p)
    _set_k(p, 2)
    eye = np.eye(8)
    shifted = np.roll(eye, 2, axis=0)  # (P u)_i = u_{i-2}
    if transform == "jacobian":
        expected = np.diag(np.roll(u, 2)) + u[:, None] * shifted
    else:
        expected = shifted + shifted.T  # sum(u * roll(u, 2)) = u^T P u
    np.testing.assert_allclose(run(u, p).toarray(), expected, rtol=1e-15, atol=0)


# --- a complex scipy.sparse matrix times a real traced input --------------------------
# Detection took A @ x's sets but not that A is complex: for a real trace np.imag is a
# zero and |.| piecewise linear, so imag(A @ x) had an empty Jacobian pattern and
# sum(|A @ x|) an empty Hessian one (hd.*_sparsity returned them; check_sparsity=False
# Hessians came out wrong). A complex dense constant marked the trace; now so does A.

COMPLEX = np.array(
    [
        [1 + 1j, 0, 0.5j, 0, 0],
        [0, 2, 0, 1j, 0],
        [0.3j, 0, 1, 0, -0.5],
        [0, 0, 1j, 1 - 1j, 0],
        [0, -1j, 0, 0, 0.25 + 2j],
    ]
)


def _abs_hessian(d: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The Hessian of sum_i |d_i . x| for real x (closed form, written out)."""
    z = d @ x
    h = np.zeros((x.size, x.size))
    for i in range(d.shape[0]):
        g = np.real(np.conj(z[i]) * d[i])  # |z_i| times the gradient of |z_i|
        h += np.real(np.outer(np.conj(d[i]), d[i])) / abs(z[i]) - np.outer(g, g) / abs(z[i]) ** 3
    return h


COMPLEX_PRODUCTS: dict[str, Callable[[Any, Any], Any]] = {
    "A @ x": lambda a, x: a @ x,
    "x @ A.T": lambda a, x: x @ a.T,
    "A.dot(x)": lambda a, x: (a.tocsr() if a.format == "coo" else a).dot(x),  # (coo's: refused)
    "spmatrix A * x": lambda a, x: sp.csr_matrix(a) * x,
}

# f of the product, the derivative's closed form, and which derivative
COMPLEX_FUNCTIONS: dict[str, tuple[Callable[[Any], Any], Callable[..., np.ndarray], str]] = {
    "imag": (np.imag, lambda d, x: d.imag, "jacobian"),
    "angle": (
        np.angle,
        lambda d, x: (
            (np.real(d @ x)[:, None] * d.imag - np.imag(d @ x)[:, None] * d.real)
            / (np.abs(d @ x) ** 2)[:, None]
        ),
        "jacobian",
    ),
    "sum |z|": (lambda z: np.sum(np.abs(z)), _abs_hessian, "hessian"),
    "sum imag(z)^2": (
        lambda z: np.sum(np.imag(z) ** 2),
        lambda d, x: 2 * d.imag.T @ d.imag,
        "hessian",
    ),
}


@pytest.mark.parametrize("fmt", ["csr", "coo", "dia"])
@pytest.mark.parametrize("product", COMPLEX_PRODUCTS)
@pytest.mark.parametrize("function", COMPLEX_FUNCTIONS)
def test_complex_matrix_marks_the_trace(fmt: str, product: str, function: str) -> None:
    a = sp.csr_array(COMPLEX).asformat(fmt)
    x = _point(5)
    outer, closed, transform = COMPLEX_FUNCTIONS[function]

    def f(u: Any) -> Any:
        return outer(COMPLEX_PRODUCTS[product](a, u))

    expected = closed(COMPLEX, x)
    needed = expected != 0
    detect = hd.jacobian_sparsity if transform == "jacobian" else hd.hessian_sparsity
    for local in (False, True):
        pattern = detect(f, local=local)(x).toarray()
        assert np.all(pattern[needed]), (local, pattern.astype(int))
    run = getattr(hd, transform)
    for check in (True, False):
        got = run(f, sparsity="auto", check_sparsity=check)(x).toarray()
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-14)
