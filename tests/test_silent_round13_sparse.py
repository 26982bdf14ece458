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
import functools
import warnings
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


# --- 1-d sparse arrays (a coo_array row, csr_array[i]) times dual and traced arrays -----
# scipy takes a 1-d sparse array as a row: a @ x is a number, a @ X and X.T @ a rows.
# hyperdiff raised a ValueError ("a 2-d matrix") for every one of them.

ROW = np.array([1.5, 0.0, 1.1, 0.0, 0.0, 0.7, 0.0])


def _row(kind: str) -> Any:
    if kind == "csr_array[i]":
        return sp.csr_array(np.vstack([np.ones(N), ROW]))[1]
    # a duplicate (1.5 + -0.4 at column 2) and a stored zero (column 3), as coo keeps them
    data, cols = np.array([1.5, -0.4, 0.0, 0.7, 1.5]), np.array([0, 2, 3, 5, 2])
    return sp.coo_array((data, (cols,)), shape=(N,))


@pytest.mark.parametrize("kind", ["coo_array", "csr_array[i]"])
def test_one_dimensional_sparse_arrays(kind: str) -> None:
    a = _row(kind)
    assert a.ndim == 1 and np.array_equal(a.toarray(), ROW)
    x = _point()
    columns = np.linspace(-1.0, 2.0, 3 * N).reshape(N, 3)
    for value, got in (
        (a @ x, a @ hd.dual(x, np.ones(N))),
        (x @ a, hd.dual(x, np.ones(N)) @ a),
        (a @ columns, a @ hd.dual(columns, np.ones((N, 3)))),
        (columns.T @ a, hd.dual(columns.T, np.ones((3, N))) @ a),
    ):
        assert np.shape(got.value) == np.shape(value)
        assert np.array_equal(got.value, value)  # scipy's own product, bit for bit
        np.testing.assert_allclose(got.d, np.full(np.shape(value), ROW.sum()), rtol=1e-15)
    np.testing.assert_array_equal(hd.grad(lambda u: a @ u)(x), ROW)
    np.testing.assert_array_equal(hd.jacobian(lambda u: u @ a)(x), ROW)

    def energy(u: Any) -> Any:
        return np.sin(a @ u) + (u @ a) * np.sum(u)

    s = ROW @ x
    expected = (
        -np.sin(s) * np.outer(ROW, ROW) + np.outer(ROW, np.ones(N)) + np.outer(np.ones(N), ROW)
    )
    np.testing.assert_allclose(hd.hessian(energy)(x), expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(
        hd.hessian(energy, sparsity="auto")(x).toarray(), expected, rtol=1e-14, atol=1e-15
    )
    pattern = hd.jacobian_sparsity(lambda u: u * (a @ u))(x).toarray()
    assert np.array_equal(pattern, np.eye(N, dtype=bool) | (ROW != 0)[None, :])
    jac = hd.jacobian(lambda u: u * (a @ u), sparsity="auto")(x).toarray()
    np.testing.assert_allclose(jac, np.diag(np.full(N, s)) + np.outer(x, ROW), rtol=1e-15)


# --- what numpy takes for one object: TypeErrors naming the function ---------------------
# np.dot(A, x) and the like see a scipy.sparse matrix as a 0-d object: detection raised
# ValueError (the matrix's truth value), IndexError, or gave a pattern (np.where); an
# spmatrix's `A * t` with a 0-d t (scipy scales the matrix) raised a ValueError "matmul".

NUMPY_WITH_A_MATRIX: dict[str, Callable[[Any, Any], Any]] = {
    "numpy.dot": lambda a, u: np.dot(a, u),
    "numpy.matmul": lambda a, u: np.matmul(a, u),
    "numpy.einsum": lambda a, u: np.einsum("ij,j->i", a, u),
    "numpy.tensordot": lambda a, u: np.tensordot(a, u, 1),
    "numpy.inner": lambda a, u: np.inner(u, a),
    "numpy.outer": lambda a, u: np.outer(u, a),
    "numpy.kron": lambda a, u: np.kron(a, u),
    "numpy.add": lambda a, u: np.add(a, u),
    "numpy.linalg.solve": lambda a, u: np.linalg.solve(a, u),
    "numpy.where": lambda a, u: np.where(u > 0, a, u),
    "numpy.stack": lambda a, u: np.stack([a, u]),
}


@pytest.mark.parametrize("name", NUMPY_WITH_A_MATRIX)
@pytest.mark.parametrize("array", [False, True], ids=["spmatrix", "sparray"])
def test_numpy_functions_of_a_sparse_matrix_are_named(name: str, array: bool) -> None:
    a = (sp.csr_array if array else sp.csr_matrix)(np.eye(N) + np.eye(N, k=1))
    with pytest.raises(TypeError, match=rf"sparsity detection: {name}.* scipy\.sparse"):
        hd.jacobian_sparsity(lambda u: NUMPY_WITH_A_MATRIX[name](a, u))(_point())
    if name not in ("numpy.where", "numpy.stack"):  # (the dense ones: TypeErrors already)
        short = name.replace("linalg.", "")
        with pytest.raises(TypeError, match=rf"{short} of a scipy\.sparse csr_"):
            hd.jacobian(lambda u: NUMPY_WITH_A_MATRIX[name](a, u))(_point())


@pytest.mark.parametrize("side", ["A * t", "t * A"])
def test_spmatrix_times_a_zero_d_operand_is_named(side: str) -> None:
    a = sp.csr_matrix(np.eye(N) + np.eye(N, k=1))

    def f(t: Any) -> Any:
        scaled = a * t if side == "A * t" else t * a
        return scaled @ _point()

    match = r"scipy\.sparse\.csr_matrix\.__mul__ of a (0-d dual|traced 0-d)"
    with pytest.raises(TypeError, match=match):
        hd.derivative(f)(0.5)
    with pytest.raises(TypeError, match=match):
        hd.jacobian_sparsity(lambda u: f(u[0]))(np.array([0.5]))


# --- numpy.matrix's `*` (A.todense(), an spmatrix's A.sum(axis=...)) -------------------
# np.matrix's `*` is its matrix product; a dual or traced array meeting it computed the
# elementwise product instead, silently (x * M: numpy's x @ M, of shape (1, n), came out
# as the (n, n) broadcast). Now a TypeError naming numpy.matrix.__mul__; a 0-d operand
# scales (elementwise, as numpy), and `@` was right.

MATRIX_STARS: dict[str, Callable[[Any, Any], Any]] = {
    "x * M": lambda m, u: u * m,
    "M * x[:, None]": lambda m, u: m * u[:, None],
    "x[None] * M": lambda m, u: u[None, :] * m,
    "x * A.sum(axis=1)": lambda m, u: u * sp.csr_matrix(np.asarray(m)).sum(axis=1),
}


@pytest.mark.parametrize("case", MATRIX_STARS)
def test_numpy_matrix_star_is_refused(case: str) -> None:
    m = sp.csr_matrix(np.eye(N) * 2 + np.eye(N, k=1)).todense()
    assert isinstance(m, np.matrix)
    x = _point()
    star = MATRIX_STARS[case]
    with warnings.catch_warnings():  # (np.asmatrix of x: a PendingDeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        assert np.asarray(star(m, x)).size < N * N  # numpy: a matrix product
    for run in (hd.jacobian, hd.jacobian_sparsity, hd.hessian):
        scalar = run is hd.hessian
        with pytest.raises(TypeError, match=r"numpy\.matrix\.__mul__"):
            run(lambda u, s=scalar: np.sum(star(m, u)) if s else np.ravel(star(m, u)))(x)
    scaled = hd.derivative(lambda t: np.asarray(t * m) + np.asarray(m * t))(0.5)
    np.testing.assert_array_equal(scaled, 2 * np.asarray(m))  # 0-d: scaling, as numpy
    np.testing.assert_array_equal(hd.jacobian(lambda u: np.ravel(u @ m))(x), np.asarray(m).T)


# --- a numpy.matrix as the input of a transform (A.todense()) ----------------------------
# f(M) with np.matrix M squares it by X * X (a matrix product); the transforms handed f
# a dual array, whose * is elementwise: jvp's value was [[1, 4], [9, 16]] where
# f(M) = [[7, 10], [15, 22]], and every derivative was the elementwise square's.


def _square(x: Any) -> Any:
    return x * x


def _energy(x: Any) -> Any:
    return np.sum(np.asarray(x * x))


_M = np.asarray([[1.0, 2.0], [3.0, 4.0]])
_T = np.ones((2, 2))
MATRIX_INPUTS: dict[str, Callable[[Any], Any]] = {
    "jacobian": lambda m: hd.jacobian(_square)(m),
    "derivative": lambda m: hd.derivative(_square)(m),
    "derivative order 3": lambda m: hd.derivative(_square, order=3)(m),
    "grad": lambda m: hd.grad(_energy)(m),
    "grad of a dict": lambda m: hd.grad(lambda d: _energy(d["a"]))({"a": m}),
    "value_and_grad": lambda m: hd.value_and_grad(_energy)(m),
    "hessian": lambda m: hd.hessian(_energy)(m),
    "hessian_diag": lambda m: hd.hessian_diag(_energy)(m),
    "laplacian": lambda m: hd.laplacian(_energy)(m),
    "jvp": lambda m: hd.jvp(_square, (m,), (_T,)),
    "vjp": lambda m: hd.vjp(_square, m),
    "hvp": lambda m: hd.hvp(_energy, (m,), (_T,)),
    "taylor": lambda m: hd.taylor(_square, m, _T, 2),
    "wirtinger": lambda m: hd.wirtinger(_square)(m.astype(complex)),
    "jacobian holomorphic": lambda m: hd.jacobian(_square, holomorphic=True)(m.astype(complex)),
    "jacobian(sparsity)": lambda m: hd.jacobian(_square, sparsity="auto")(m),
    "jacobian(sparsity, holomorphic)": lambda m: hd.jacobian(
        _square, sparsity="auto", holomorphic=True
    )(m.astype(complex)),
    "hessian(sparsity)": lambda m: hd.hessian(_energy, sparsity="auto")(m),
    "jacobian_sparsity": lambda m: hd.jacobian_sparsity(_square)(m),
    "hessian_sparsity": lambda m: hd.hessian_sparsity(_energy)(m),
}


@pytest.mark.parametrize("transform", MATRIX_INPUTS)
def test_numpy_matrix_inputs_are_refused(transform: str) -> None:
    m = sp.csr_matrix(_M).todense()
    assert isinstance(m, np.matrix)
    with pytest.raises(TypeError, match=r"numpy\.matrix"):
        MATRIX_INPUTS[transform](m)


def test_numpy_matrix_tangent_is_its_numbers() -> None:
    tangent = sp.csr_matrix(_T).todense()
    value, out = hd.jvp(lambda x: x @ x, (_M,), (tangent,))
    np.testing.assert_array_equal(value, _M @ _M)
    np.testing.assert_array_equal(out, _T @ _M + _M @ _T)  # d(X X) = dX X + X dX


# --- callables as arguments under check_sparsity=False ----------------------------------
# A bound method keyed by equality (its object's identity) and a functools.partial whose
# keywords are edited in place kept their plans: the old shift's pattern was read.


class _Shifter:
    def __init__(self) -> None:
        self.k = 1

    def shift(self, u: Any) -> Any:
        return np.roll(u, self.k)


@pytest.mark.parametrize("kind", ["bound method", "functools.partial"])
@pytest.mark.parametrize("transform", ["jacobian", "hessian"])
def test_unchecked_plan_sees_what_a_callable_argument_reads(kind: str, transform: str) -> None:
    u = _point(8)
    if kind == "bound method":
        owner = _Shifter()
        g: Any = owner.shift
    else:
        g = functools.partial(np.roll, shift=1)

    def f(w: Any, h: Any) -> Any:
        out = w * h(w)
        return out if transform == "jacobian" else np.sum(out)

    run = getattr(hd, transform)(f, sparsity="auto", check_sparsity=False)
    run(u, g)
    if kind == "bound method":
        owner.k = 2
    else:
        g.keywords["shift"] = 2
    shifted = np.roll(np.eye(8), 2, axis=0)
    if transform == "jacobian":
        expected = np.diag(np.roll(u, 2)) + u[:, None] * shifted
    else:
        expected = shifted + shifted.T
    np.testing.assert_allclose(run(u, g).toarray(), expected, rtol=1e-15, atol=0)
