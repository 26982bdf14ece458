"""svd, eig, complex eigh and their kin on dual arrays, against independent references.

Each function F is evaluated along A(t1, t2) = A + t1 E1 + t2 E2 (real t, real or
complex A and E). The reference derivatives are central differences of mpmath's own
F (mp.svd_r/svd_c, mp.eig, mp.eighe, ...) at 40 digits on the exact values of the
float inputs: dF/dt1, dF/dt2 with h = 1e-15 and d2F/dt1dt2 with h = 1e-10 (errors
below 1e-19). mpmath's vectors are put in numpy's gauge first (signs; complex phases
that make the entry numpy keeps real real), which is the convention hyperdiff
documents. A few closed forms (an eigenvalue's derivative u^H dA v / u^H v, a
singular value's Re u^H dA v) check the first order a second way.

Kinds: HyperDual (both first derivatives and the mixed second one), Dual, and
HyperDualVec through hd.hessian (the Hessian in (t1, t2)).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from mpmath import mp

import hyperdiff as hd

mp.dps = 40
H1 = mp.mpf("1e-15")
H2 = mp.mpf("1e-10")
RTOL = 1e-9


def random(shape: tuple[int, ...], complex_: bool, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    return a + 1j * rng.standard_normal(shape) if complex_ else a


# --- mpmath side ----------------------------------------------------------------------
def to_mp(a: np.ndarray) -> Any:
    m = mp.matrix(*a.shape)
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            z = complex(a[i, j])
            m[i, j] = mp.mpc(z.real, z.imag) if np.iscomplexobj(a) else mp.mpf(z.real)
    return m


def to_np(values: list[Any]) -> np.ndarray:
    return np.array([complex(v) for v in values])


MpFunction = Callable[[Any], list[Any]]


def mp_derivatives(
    f: MpFunction, a: np.ndarray, e1: np.ndarray, e2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dF/dt1, dF/dt2, d2F/dt1dt2) at t = 0 by central differences in mpmath."""
    a_mp, e1_mp, e2_mp = to_mp(a), to_mp(e1), to_mp(e2)

    def at(t1: Any, t2: Any) -> list[Any]:
        return f(a_mp + t1 * e1_mp + t2 * e2_mp)

    def diff(x: list[Any], y: list[Any], h: Any) -> list[Any]:
        return [(p - q) / (2 * h) for p, q in zip(x, y, strict=True)]

    d1 = diff(at(H1, 0), at(-H1, 0), H1)
    d2 = diff(at(0, H1), at(0, -H1), H1)
    pp, pm, mp_, mm = at(H2, H2), at(H2, -H2), at(-H2, H2), at(-H2, -H2)
    d12 = [(w - x - y + z) / (4 * H2 * H2) for w, x, y, z in zip(pp, pm, mp_, mm, strict=True)]
    return to_np(d1), to_np(d2), to_np(d12)


def flat(matrices: list[Any]) -> list[Any]:
    out: list[Any] = []
    for m in matrices:
        if isinstance(m, list):
            out.extend(m)
        else:
            out.extend(m[i, j] for i in range(m.rows) for j in range(m.cols))
    return out


def column_phases(m: Any, rows: list[int], signs: np.ndarray) -> list[Any]:
    """Unit factors making m[rows[j], j] real with the sign signs[j] (numpy's gauge)."""
    out = []
    for j, i in enumerate(rows):
        z = m[i, j]
        out.append(mp.conj(z) / abs(z) * (1 if signs[j] >= 0 else -1))
    return out


# --- hyperdiff side ---------------------------------------------------------------------
def planes(outputs: Any) -> np.ndarray:
    """The planes of one or several dual outputs, flattened and concatenated: (P, N)."""
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return np.concatenate([o._data.reshape(o._data.shape[0], -1) for o in outputs], axis=1)


def values(outputs: Any) -> np.ndarray:
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return np.concatenate([np.ravel(o) for o in outputs])


def close(got: np.ndarray, want: np.ndarray, scale: float = 1.0, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(got, want, rtol=0, atol=rtol * max(scale, np.max(np.abs(want))))


def check(
    f: Callable[[Any], Any],
    f_mp: MpFunction,
    a: np.ndarray,
    seed: int = 1,
    hessian: bool = True,
) -> None:
    """f on HyperDual and Dual (and HyperDualVec through hd.hessian) against mpmath."""
    e1 = random(a.shape, np.iscomplexobj(a), seed)
    e2 = random(a.shape, np.iscomplexobj(a), seed + 1)
    d1, d2, d12 = mp_derivatives(f_mp, a, e1, e2)
    before = a.copy()
    got = planes(f(hd.hyperdual(a, e1, e2, 0.0)))
    np.testing.assert_array_equal(got[0], values(f(a)))  # numpy's value, bit for bit
    close(got[1], d1)
    close(got[2], d2)
    close(got[3], d12, scale=np.max(np.abs(d1)))
    close(planes(f(hd.dual(a, e1)))[1], d1)
    np.testing.assert_array_equal(a, before)  # nothing the user passed is mutated
    if hessian:
        _, _, d11 = mp_derivatives(f_mp, a, e1, e1)
        _, _, d22 = mp_derivatives(f_mp, a, e2, e2)

        def along(t: Any) -> Any:
            outputs = f(a + t[0] * e1 + t[1] * e2)
            outputs = outputs if isinstance(outputs, tuple) else (outputs,)
            return np.concatenate([np.ravel(o) for o in outputs])

        h = hd.hessian(along)(np.zeros(2))
        scale = float(np.max(np.abs(d1)))
        close(h[:, 0, 0], d11, scale)
        close(h[:, 0, 1], d12, scale)
        close(h[:, 1, 0], d12, scale)
        close(h[:, 1, 1], d22, scale)


# --- svd ----------------------------------------------------------------------------------
def mp_svd(a: Any, hint: np.ndarray, what: str) -> list[Any]:
    """Thin SVD in numpy's gauge: signs/phases making V's first row (m >= n) or U's
    first row (m < n) real with the signs of numpy's (hint: numpy's U or V there)."""
    m, n = a.rows, a.cols
    complex_ = any(mp.im(a[i, j]) != 0 for i in range(m) for j in range(n))
    u, s, vh = (mp.svd_c if complex_ else mp.svd_r)(a, full_matrices=False)
    k = min(m, n)
    order = sorted(range(k), key=lambda i: -s[i])
    u = mp.matrix([[u[i, j] for j in order] for i in range(m)])
    vh = mp.matrix([[vh[j, i] for i in range(n)] for j in order])
    s = [s[j] for j in order]
    v = vh.H
    phases = column_phases(v if m >= n else u, [0] * k, hint.real)
    for j, c in enumerate(phases):
        for i in range(m):
            u[i, j] *= c
        for i in range(n):
            v[i, j] *= c
    return {"s": s, "u": flat([u]), "vh": flat([v.H]), "all": flat([u, s, v.H])}[what]


def numpy_gauge_hint(a: np.ndarray) -> np.ndarray:
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return np.conj(vh[:, 0]) if a.shape[0] >= a.shape[1] else u[0]


SHAPES = [(3, 3), (4, 2), (2, 4)]


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_svd_thin(shape: tuple[int, int], complex_: bool) -> None:
    a = random(shape, complex_, 10)
    hint = numpy_gauge_hint(a)
    check(
        lambda x: tuple(np.linalg.svd(x, full_matrices=False)),
        lambda m: mp_svd(m, hint, "all"),
        a,
    )


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_singular_values(shape: tuple[int, int], complex_: bool) -> None:
    a = random(shape, complex_, 20)
    hint = numpy_gauge_hint(a)
    check(lambda x: np.linalg.svd(x, compute_uv=False), lambda m: mp_svd(m, hint, "s"), a)
    check(np.linalg.svdvals, lambda m: mp_svd(m, hint, "s"), a, hessian=False)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("shape", [(4, 3), (3, 4)], ids=["tall", "wide"])
def test_svd_full_matrices(shape: tuple[int, int], complex_: bool) -> None:
    """The first min(m, n) columns as the thin SVD's; the complement (not unique) stays
    orthonormal and orthogonal to them at first and second order."""
    a = random(shape, complex_, 30)
    hint = numpy_gauge_hint(a)
    k = min(shape)

    def head(x: Any) -> Any:
        u, s, vh = np.linalg.svd(x, full_matrices=True)
        return u[:, :k], s, vh[:k]

    check(head, lambda m: mp_svd(m, hint, "all"), a, hessian=False)
    x = hd.hyperdual(a, random(shape, complex_, 31), random(shape, complex_, 32), 0.0)
    u, s, vh = np.linalg.svd(x, full_matrices=True)
    assert u.shape == (shape[0], shape[0]) and vh.shape == (shape[1], shape[1])
    for q in (u, vh):
        gram = np.conj(q.T) @ q
        close(gram._data[1:], np.zeros_like(gram._data[1:]), rtol=1e-12)
    rebuilt = (u[:, :k] * s) @ vh[:k]
    close(rebuilt._data, x._data, rtol=1e-12)


def test_svd_closed_forms() -> None:
    """d s_i = Re(u_i^H dA v_i); a 2x2 diag(a, b) rotated: s = (|a|, |b|) exactly."""
    a = random((3, 3), True, 40)
    e = random((3, 3), True, 41)
    u, s, vh = np.linalg.svd(a)
    want = np.real(np.einsum("ji,jk,ik->i", np.conj(u), e, np.conj(vh)))
    close(np.linalg.svdvals(hd.dual(a, e))._data[1], want)
    theta = 0.3
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    # A(t) = R diag(3 + 2t, 1 - t^2) R^T: s = (3 + 2t, 1 - t^2), s' = (2, 0), s'' = (0, -2)
    x = hd.hyperdual(rot @ np.diag([3.0, 1.0]) @ rot.T, rot @ np.diag([2.0, 0]) @ rot.T, 0.0, 0.0)
    x = x + hd.hyperdual(np.zeros((2, 2)), 0.0, 0.0, rot @ np.diag([0.0, -2.0]) @ rot.T)
    s = np.linalg.svdvals(x)
    close(s._data[1], np.array([2.0, 0.0]), rtol=1e-14)
    close(s._data[3], np.array([0.0, -2.0]), rtol=1e-14)


def test_svd_hermitian() -> None:
    h = random((3, 3), True, 50)
    h = h + np.conj(h.T) + np.diag([0.0, 3.0, -7.0])
    hint = numpy_gauge_hint(h)

    def hermitian_svd(x: Any) -> Any:
        return np.linalg.svd(x, compute_uv=False, hermitian=True)

    def hermitian_part(m: Any) -> Any:  # numpy reads the lower triangle
        out = m.copy()
        for i in range(m.rows):
            out[i, i] = mp.re(m[i, i])
            for j in range(i + 1, m.cols):
                out[i, j] = mp.conj(m[j, i])
        return out

    check(hermitian_svd, lambda m: mp_svd(hermitian_part(m), hint, "s"), h, hessian=False)
    u, s, _vh = np.linalg.svd(hd.dual(h, random((3, 3), True, 51)), hermitian=True)
    np.testing.assert_array_equal(u.value, np.linalg.svd(h, hermitian=True)[0])
    a = hermitian_part(to_mp(h))
    assert np.allclose(s.value, to_np(mp_svd(a, hint, "s")).real, rtol=1e-14)


# --- norms ---------------------------------------------------------------------------------
@pytest.mark.parametrize("ord", [2, -2, "nuc"])
@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
def test_matrix_norms(ord: Any, complex_: bool) -> None:
    a = random((3, 4), complex_, 60)
    hint = numpy_gauge_hint(a)

    def reference(m: Any) -> list[Any]:
        s = mp_svd(m, hint, "s")
        return [{2: s[0], -2: s[-1], "nuc": sum(s)}[ord]]

    check(lambda x: np.linalg.norm(x, ord), reference, a)
    check(lambda x: np.linalg.matrix_norm(x, ord=ord), reference, a, hessian=False)


@pytest.mark.parametrize("p", [None, 2, -2, 1, "fro"])
def test_cond(p: Any) -> None:
    a = random((3, 3), True, 70)
    hint = numpy_gauge_hint(a)

    def reference(m: Any) -> list[Any]:
        if p in (None, 2, -2):
            s = mp_svd(m, hint, "s")
            return [s[-1] / s[0] if p == -2 else s[0] / s[-1]]
        inverse = mp.inverse(m)
        if p == 1:
            return [mp.mnorm(m, 1) * mp.mnorm(inverse, 1)]
        return [mp.mnorm(m, "f") * mp.mnorm(inverse, "f")]

    check(lambda x: np.linalg.cond(x, p), reference, a, hessian=False)


def test_vector_norm_and_small_functions() -> None:
    a = random((2, 3, 2), True, 75)
    e = random((2, 3, 2), True, 76)
    x = hd.dual(a, e)
    n = np.linalg.vector_norm(x, axis=(0, 2))
    np.testing.assert_array_equal(n.value, np.linalg.vector_norm(a, axis=(0, 2)))
    # d|x| = Re(conj(x) dx) / |x|
    close(n._data[1], np.sum(np.real(np.conj(a) * e), axis=(0, 2)) / n.value)
    assert np.linalg.matrix_rank(x[0]) == 2
    np.testing.assert_array_equal(np.linalg.trace(x)._data[1], np.trace(e, axis1=-2, axis2=-1))
    np.testing.assert_array_equal(np.linalg.diagonal(x)._data[1], np.diagonal(e, 0, -2, -1))


# --- eig, eigvals -----------------------------------------------------------------------------
def mp_eig(a: Any, w0: np.ndarray, v0: np.ndarray, what: str) -> list[Any]:
    """Eigenpairs in numpy's order (nearest to numpy's values) and gauge: unit norm, the
    entry numpy made real (the largest) real with numpy's sign."""
    e, er = mp.eig(a)
    n = a.rows
    order = [min(range(n), key=lambda k: abs(e[k] - w)) for w in w0]
    vectors = mp.matrix(n, n)
    for new, old in enumerate(order):
        norm = mp.sqrt(sum(abs(er[i, old]) ** 2 for i in range(n)))
        for i in range(n):
            vectors[i, new] = er[i, old] / norm
    if np.iscomplexobj(v0):
        rows = list(np.argmax(np.where(v0.imag == 0, np.abs(v0), -1.0), axis=0))
        signs = np.array([v0[r, j].real for j, r in enumerate(rows)])
    else:  # real vectors: numpy's signs
        rows = list(np.argmax(np.abs(v0), axis=0))
        signs = np.array([v0[r, j] for j, r in enumerate(rows)])
    for j, c in enumerate(column_phases(vectors, rows, signs)):
        for i in range(n):
            vectors[i, j] *= c
    w = [e[k] for k in order]
    return {"values": w, "all": flat([w, vectors])}[what]


@pytest.mark.parametrize("kind", ["real-spectrum", "real-with-pairs", "complex"], ids=lambda k: k)
def test_eig(kind: str) -> None:
    if kind == "real-spectrum":
        a = random((3, 3), False, 80) + np.diag([0.0, 4.0, 8.0])
    else:
        a = random((3, 3), kind == "complex", 81)
    w0, v0 = np.linalg.eig(a)
    assert (kind == "real-spectrum") == (not np.iscomplexobj(w0))
    check(lambda x: tuple(np.linalg.eig(x)), lambda m: mp_eig(m, w0, v0, "all"), a)
    check(np.linalg.eigvals, lambda m: mp_eig(m, w0, v0, "values"), a, hessian=False)


def test_eig_closed_form() -> None:
    """dw_i = u_i^H dA v_i / (u_i^H v_i) with u_i the left eigenvectors."""
    a = random((4, 4), True, 90)
    e = random((4, 4), True, 91)
    _w, v = np.linalg.eig(a)
    left = np.linalg.inv(v).conj().T  # columns: left eigenvectors, u_i^H v_j = delta_ij
    want = np.einsum("ji,jk,ki->i", np.conj(left), e, v)
    close(np.linalg.eigvals(hd.dual(a, e))._data[1], want)
    got = np.linalg.eig(hd.dual(a, e))
    # the vectors stay unit vectors with their largest entry real (numpy's normalization)
    norms = np.sum(np.abs(got.eigenvectors.value) ** 2, axis=0)
    close(norms, np.ones(4), rtol=1e-15)
    dnorm = np.sum(np.real(np.conj(got.eigenvectors.value) * got.eigenvectors._data[1]), axis=0)
    close(dnorm, np.zeros(4), rtol=1e-12)


# --- eigh, complex -------------------------------------------------------------------------------
def mp_eigh(a: Any, v0: np.ndarray, row: int, what: str) -> list[Any]:
    e, q = mp.eighe(a)
    n = a.rows
    order = sorted(range(n), key=lambda k: e[k])
    vectors = mp.matrix([[q[i, k] for k in order] for i in range(n)])
    for j, c in enumerate(column_phases(vectors, [row] * n, v0[row].real)):
        for i in range(n):
            vectors[i, j] *= c
    w = [e[k] for k in order]
    return {"values": w, "all": flat([w, vectors])}[what]


def lower_hermitian(m: Any, upper: bool = False) -> Any:
    """The Hermitian matrix numpy's eigh reads from one triangle (real diagonal)."""
    out = m.copy()
    n = m.rows
    for i in range(n):
        out[i, i] = mp.re(m[i, i])
        for j in range(i + 1, n):
            if upper:
                out[j, i] = mp.conj(m[i, j])
            else:
                out[i, j] = mp.conj(m[j, i])
    return out


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_complex(uplo: str) -> None:
    # a non-Hermitian input: numpy reads one triangle and the real diagonal
    a = random((3, 3), True, 100) + np.diag([0.0, 3.0, 6.0])
    _w0, v0 = np.linalg.eigh(a, UPLO=uplo)
    row = 0 if uplo == "L" else 2

    def reference(what: str) -> MpFunction:
        return lambda m: mp_eigh(lower_hermitian(m, uplo == "U"), v0, row, what)

    check(lambda x: tuple(np.linalg.eigh(x, UPLO=uplo)), reference("all"), a)
    check(lambda x: np.linalg.eigvalsh(x, UPLO=uplo), reference("values"), a, hessian=False)


# --- clear errors where not differentiable -------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "matrix", "name"),
    [
        (np.linalg.svd, np.diag([2.0, 2.0, 1.0]), "numpy.linalg.svd"),
        (np.linalg.svdvals, np.diag([3.0, 1.0, 0.0]), "numpy.linalg.svd"),
        (np.linalg.eig, np.array([[1.0, 1.0], [0.0, 1.0]]), "numpy.linalg.eig"),
        (np.linalg.eigvals, np.eye(2) * (1 + 1j), "numpy.linalg.eigvals"),
        (np.linalg.eigh, np.diag([1.0, 1.0, 2.0]) + 0j, "numpy.linalg.eigh"),
        (lambda x: np.linalg.norm(x, 2), np.diag([2.0, 2.0, 1.0]), r"norm\(ord=2\)"),
        (lambda x: np.linalg.norm(x, -2), np.diag([2.0, 1.0, 0.0]), r"norm\(ord=-2\)"),
    ],
)
def test_repeated_or_zero_values_raise(call: Any, matrix: np.ndarray, name: str) -> None:
    x = hd.dual(matrix, np.ones(matrix.shape))
    with pytest.raises(np.linalg.LinAlgError, match=name):
        call(x)


def test_norm_needs_only_the_extreme_value_simple() -> None:
    """ord=2 with a repeated smaller singular value is differentiable: d s_max = u^T dA v."""
    a = np.diag([3.0, 1.0, 1.0])
    e = random((3, 3), False, 110)
    got = np.linalg.norm(hd.dual(a, e), 2)
    assert got.value == 3.0
    close(np.array([got._data[1]]), np.array([e[0, 0]]))
