"""svd, eig, complex eigh and their kin on dual arrays, against independent references.

Each function F is evaluated along A(t1, t2) = A + t1 E1 + t2 E2 (real t, real or
complex A and E). The reference derivatives are central differences of mpmath's own
F (mp.svd_r/svd_c, mp.eig, mp.eighe, mp.cholesky, mp.qr, mp.lu_solve, ...) at 30
digits on the exact values of the float inputs: dF/dt1, dF/dt2 with h = 1e-12 and
d2F/dt1dt2 with h = 1e-8 (truncation and rounding below 1e-14 relative). mpmath's
vectors are put in numpy's gauge first (signs; complex phases that make the entry
numpy keeps real real), which is the convention hyperdiff documents. A few closed
forms (an eigenvalue's derivative u^H dA v / u^H v, a singular value's Re u^H dA v)
check the first order a second way.

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

mp.dps = 30
H1 = mp.mpf("1e-12")
H2 = mp.mpf("1e-8")
RTOL = 1e-9


def random(shape: tuple[int, ...], complex_: bool, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    return a + 1j * rng.standard_normal(shape) if complex_ else a


# --- mpmath side ----------------------------------------------------------------------
def to_mp(a: np.ndarray) -> Any:
    """An mpmath matrix of the exact values (a 1-d array: a column)."""
    a2 = a.reshape(-1, 1) if a.ndim == 1 else a
    m = mp.matrix(*a2.shape)
    for i in range(a2.shape[0]):
        for j in range(a2.shape[1]):
            z = complex(a2[i, j])
            m[i, j] = mp.mpc(z.real, z.imag) if np.iscomplexobj(a) else mp.mpf(z.real)
    return m


def to_np(values: list[Any]) -> np.ndarray:
    return np.array([complex(v) for v in values])


MpFunction = Callable[..., list[Any]]


def mp_derivatives(
    f: MpFunction, arrays: tuple[np.ndarray, ...], e1: list[np.ndarray], e2: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dF/dt1, dF/dt2, d2F/dt1dt2) at t = 0 by central differences in mpmath."""
    a_mp = [to_mp(a) for a in arrays]
    e1_mp, e2_mp = [to_mp(e) for e in e1], [to_mp(e) for e in e2]

    def at(t1: Any, t2: Any) -> list[Any]:
        return f(*(a + t1 * x + t2 * y for a, x, y in zip(a_mp, e1_mp, e2_mp, strict=True)))

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
    return np.concatenate([o._stack.reshape(o._stack.shape[0], -1) for o in outputs], axis=1)


def values(outputs: Any) -> np.ndarray:
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return np.concatenate([np.ravel(o) for o in outputs])


def close(got: np.ndarray, want: np.ndarray, scale: float = 1.0, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(got, want, rtol=0, atol=rtol * max(scale, np.max(np.abs(want))))


def check(
    f: Callable[..., Any],
    f_mp: MpFunction,
    *arrays: np.ndarray,
    seed: int = 1,
    hessian: bool = True,
    rtol: float = RTOL,
) -> None:
    """f of dual arrays (HyperDual, Dual; HyperDualVec through hd.hessian) against
    mpmath along A_i + t1 E1_i + t2 E2_i; f's value must be the plain call's."""
    e1 = [
        random(a.shape, np.iscomplexobj(a), seed + 10 * k).astype(a.dtype)
        for k, a in enumerate(arrays)
    ]
    e2 = [
        random(a.shape, np.iscomplexobj(a), seed + 10 * k + 1).astype(a.dtype)
        for k, a in enumerate(arrays)
    ]
    d1, d2, d12 = mp_derivatives(f_mp, arrays, e1, e2)
    before = [a.copy() for a in arrays]
    got = planes(f(*(hd.hyperdual(a, x, y, 0.0) for a, x, y in zip(arrays, e1, e2, strict=True))))
    np.testing.assert_array_equal(got[0], values(f(*arrays)))  # the plain call's value
    scale = float(np.max(np.abs(d1)))
    close(got[1], d1, rtol=rtol)
    close(got[2], d2, rtol=rtol)
    close(got[3], d12, scale, rtol=rtol)
    close(planes(f(*(hd.dual(a, x) for a, x in zip(arrays, e1, strict=True))))[1], d1, rtol=rtol)
    for a, b in zip(arrays, before, strict=True):
        np.testing.assert_array_equal(a, b)  # nothing the user passed is mutated
    if hessian:
        _, _, d11 = mp_derivatives(f_mp, arrays, e1, e1)
        _, _, d22 = mp_derivatives(f_mp, arrays, e2, e2)

        def along(t: Any) -> Any:
            moved = (a + t[0] * x + t[1] * y for a, x, y in zip(arrays, e1, e2, strict=True))
            outputs = f(*moved)
            outputs = outputs if isinstance(outputs, tuple) else (outputs,)
            return np.concatenate([np.ravel(o) for o in outputs])

        h = hd.hessian(along)(np.zeros(2))
        close(h[:, 0, 0], d11, scale, rtol=rtol)
        close(h[:, 0, 1], d12, scale, rtol=rtol)
        close(h[:, 1, 0], d12, scale, rtol=rtol)
        close(h[:, 1, 1], d22, scale, rtol=rtol)


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
        close(gram._stack[1:], np.zeros_like(gram._stack[1:]), rtol=1e-12)
    rebuilt = (u[:, :k] * s) @ vh[:k]
    close(rebuilt._stack, x._stack, rtol=1e-12)


def test_svd_closed_forms() -> None:
    """d s_i = Re(u_i^H dA v_i); a 2x2 diag(a, b) rotated: s = (|a|, |b|) exactly."""
    a = random((3, 3), True, 40)
    e = random((3, 3), True, 41)
    u, s, vh = np.linalg.svd(a)
    want = np.real(np.einsum("ji,jk,ik->i", np.conj(u), e, np.conj(vh)))
    close(np.linalg.svdvals(hd.dual(a, e))._stack[1], want)
    theta = 0.3
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    # A(t) = R diag(3 + 2t, 1 - t^2) R^T: s = (3 + 2t, 1 - t^2), s' = (2, 0), s'' = (0, -2)
    x = hd.hyperdual(rot @ np.diag([3.0, 1.0]) @ rot.T, rot @ np.diag([2.0, 0]) @ rot.T, 0.0, 0.0)
    x = x + hd.hyperdual(np.zeros((2, 2)), 0.0, 0.0, rot @ np.diag([0.0, -2.0]) @ rot.T)
    s = np.linalg.svdvals(x)
    close(s._stack[1], np.array([2.0, 0.0]), rtol=1e-14)
    close(s._stack[3], np.array([0.0, -2.0]), rtol=1e-14)


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

    check(lambda x: np.linalg.norm(x, ord), reference, a, hessian=complex_)
    check(lambda x: np.linalg.matrix_norm(x, ord=ord), reference, a, hessian=False)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
def test_nuclear_norm_at_repeated_singular_values(complex_: bool) -> None:
    """The sum of the singular values is smooth where they repeat (full rank): the
    mpmath reference differentiates the sum, whose terms separate off the point."""
    q = np.linalg.qr(random((4, 4), complex_, 65))[0]
    w = np.linalg.qr(random((3, 3), complex_, 66))[0]
    a = q[:, :3] @ np.diag([2.0, 2.0, 1.0]) @ np.conj(w.T)
    assert np.ptp(np.linalg.svd(a, compute_uv=False)[:2]) < 1e-14
    check(lambda x: np.linalg.norm(x, "nuc"), lambda m: [sum(mp_svd(m, a[0], "s"))], a)
    stack = hd.dual(np.stack([a, 2 * a]), np.stack([a, a]))  # d/dt of |(1 + t) A|_* etc.
    np.testing.assert_allclose(np.linalg.norm(stack, "nuc", axis=(1, 2))._stack[1], [5.0, 5.0])
    with pytest.raises(np.linalg.LinAlgError, match=r"norm\(ord='nuc'\).*rank"):
        np.linalg.norm(hd.dual(np.diag([1.0, 0.0]), np.ones((2, 2))), "nuc")


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
    close(n._stack[1], np.sum(np.real(np.conj(a) * e), axis=(0, 2)) / n.value)
    assert np.linalg.matrix_rank(x[0]) == 2
    np.testing.assert_array_equal(np.linalg.trace(x)._stack[1], np.trace(e, axis1=-2, axis2=-1))
    np.testing.assert_array_equal(np.linalg.diagonal(x)._stack[1], np.diagonal(e, 0, -2, -1))


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
    close(np.linalg.eigvals(hd.dual(a, e))._stack[1], want)
    got = np.linalg.eig(hd.dual(a, e))
    # the vectors stay unit vectors with their largest entry real (numpy's normalization)
    norms = np.sum(np.abs(got.eigenvectors.value) ** 2, axis=0)
    close(norms, np.ones(4), rtol=1e-15)
    dnorm = np.sum(np.real(np.conj(got.eigenvectors.value) * got.eigenvectors._stack[1]), axis=0)
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
    close(np.array([got._stack[1]]), np.array([e[0, 0]]))


# --- complex (and real) factorizations and solves: conjugate transposes ---------------------
def mp_solve(m: Any, r: Any) -> Any:
    """m^-1 r for a matrix r too (mp.lu_solve takes one column)."""
    columns = [mp.lu_solve(m, r[:, j]) for j in range(r.cols)]
    return mp.matrix([[c[i] for c in columns] for i in range(m.rows)])


def spd(n: int, complex_: bool, seed: int) -> np.ndarray:
    m = random((n, n), complex_, seed)
    return m @ np.conj(m.T) + n * np.eye(n)


def general(n: int, complex_: bool, seed: int) -> np.ndarray:
    return random((n, n), complex_, seed) + n * np.eye(n)


def mp_hermitian(m: Any, lower: bool = True) -> Any:
    return lower_hermitian(m, upper=not lower)


def mp_qr(a: Any, r_signs: np.ndarray, what: str) -> list[Any]:
    """Reduced QR with R's diagonal real, signed as numpy's."""
    q, r = mp.qr(a, mode="skinny")
    n = a.cols
    for j in range(n):
        flip = (mp.re(r[j, j]) > 0) != (r_signs[j] > 0)
        if flip:
            for i in range(a.rows):
                q[i, j] = -q[i, j]
            for k in range(n):
                r[j, k] = -r[j, k]
    r = mp.matrix([[r[i, j] for j in range(n)] for i in range(n)])
    return flat([q if what == "Q" else r])


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
def test_cholesky_qr_conjugate_transposes(complex_: bool) -> None:
    s = spd(3, complex_, 200)
    check(np.linalg.cholesky, lambda m: flat([mp.cholesky(mp_hermitian(m))]), s)
    check(
        lambda x: np.linalg.cholesky(x, upper=True),
        lambda m: flat([mp.cholesky(mp_hermitian(m, lower=False)).H]),
        s,
        hessian=False,
    )
    a = random((4, 3), complex_, 201)
    signs = np.diagonal(np.linalg.qr(a)[1]).real
    check(lambda x: np.linalg.qr(x)[0], lambda m: mp_qr(m, signs, "Q"), a)
    check(lambda x: np.linalg.qr(x, mode="r"), lambda m: mp_qr(m, signs, "R"), a, hessian=False)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
def test_solve_inv_det_slogdet(complex_: bool) -> None:
    a = general(3, complex_, 210)
    b = random((3, 2), complex_, 211)
    check(np.linalg.solve, lambda m, r: flat([mp_solve(m, r)]), a, b)
    check(np.linalg.inv, lambda m: flat([mp.inverse(m)]), a, hessian=False)
    check(np.linalg.det, lambda m: [mp.det(m)], a, hessian=False)
    check(lambda x: np.linalg.slogdet(x)[1], lambda m: [mp.log(abs(mp.det(m)))], a, hessian=False)
    if complex_:
        check(
            lambda x: np.linalg.slogdet(x)[0],
            lambda m: [mp.det(m) / abs(mp.det(m))],
            a,
            hessian=False,
        )


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("shape", [(4, 2), (2, 4)], ids=["tall", "wide"])
def test_lstsq_pinv_conjugate_transposes(shape: tuple[int, int], complex_: bool) -> None:
    a = random(shape, complex_, 220)
    b = random((shape[0],), complex_, 221)

    def mp_pinv(m: Any) -> Any:  # full rank: (A^H A)^-1 A^H, or A^H (A A^H)^-1
        return mp.inverse(m.H * m) * m.H if m.rows >= m.cols else m.H * mp.inverse(m * m.H)

    check(np.linalg.pinv, lambda m: flat([mp_pinv(m)]), a)
    check(lambda x, y: np.linalg.lstsq(x, y)[0], lambda m, r: flat([mp_pinv(m) * r]), a, b)
    if shape[0] > shape[1]:

        def residual(m: Any, r: Any) -> list[Any]:
            d = r - m * (mp_pinv(m) * r)
            return [sum(abs(d[i]) ** 2 for i in range(d.rows))]

        check(lambda x, y: np.linalg.lstsq(x, y)[1], residual, a, b, hessian=False)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
def test_pinv_lstsq_of_a_rank_deficient_matrix(complex_: bool) -> None:
    """numpy cuts the singular values below rcond * s_max: the parts are those of the
    rank-2 truncation V_2 S_2^-1 U_2^H, whose mpmath reference keeps the two largest
    singular triplets at every point."""
    a = random((4, 2), complex_, 225) @ random((2, 3), complex_, 226)
    b = random((4,), complex_, 227)

    def truncated_pinv(m: Any) -> Any:
        u, s, vh = (mp.svd_c if complex_ else mp.svd_r)(m, full_matrices=False)
        order = sorted(range(3), key=lambda i: -s[i])[:2]
        out = mp.matrix(3, 4)
        for k in order:
            for i in range(3):
                for j in range(4):
                    out[i, j] += mp.conj(vh[k, i]) * mp.conj(u[j, k]) / s[k]
        return out

    check(lambda x: np.linalg.pinv(x, rcond=1e-8), lambda m: flat([truncated_pinv(m)]), a)
    check(
        lambda x, y: np.linalg.lstsq(x, y, rcond=1e-8)[0],
        lambda m, r: flat([truncated_pinv(m) * r]),
        a,
        b,
        hessian=False,
    )


# --- scipy.linalg mirrors -----------------------------------------------------------------------
scipy_linalg = pytest.importorskip("scipy.linalg")


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("lower", [False, True], ids=["upper", "lower"])
@pytest.mark.parametrize("trans", [0, "T", 2])
def test_solve_triangular(trans: Any, lower: bool, complex_: bool) -> None:
    a = general(3, complex_, 230)  # the other triangle is never read
    b = random((3,), complex_, 231)
    unit = trans == "T"  # once with a unit diagonal

    def reference(m: Any, r: Any) -> list[Any]:
        t = m.copy()
        for i in range(3):
            for j in range(3):
                if (j > i and lower) or (j < i and not lower):
                    t[i, j] = 0
            if unit:
                t[i, i] = 1
        t = {0: t, "T": t.T, 2: t.H}[trans]
        return flat([mp_solve(t, r)])

    def solve(x: Any, y: Any) -> Any:
        module = hd.linalg if isinstance(x, hd.DualArray) else scipy_linalg
        return module.solve_triangular(x, y, trans=trans, lower=lower, unit_diagonal=unit)

    check(solve, reference, a, b, hessian=trans == 0)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("lower", [False, True], ids=["upper", "lower"])
def test_cho_factor_cho_solve(lower: bool, complex_: bool) -> None:
    s = spd(3, complex_, 240)
    b = random((3, 2), complex_, 241)

    def module(x: Any) -> Any:
        return hd.linalg if isinstance(x, hd.DualArray) else scipy_linalg

    def factor(x: Any) -> Any:
        return module(x).cho_factor(x, lower=lower)[0]

    def reference_factor(m: Any) -> list[Any]:
        c = mp.cholesky(mp_hermitian(m, lower))
        c = c if lower else c.H
        out = m.copy()  # scipy leaves a's entries in the other triangle
        for i in range(3):
            for j in range(3):
                if (j <= i and lower) or (j >= i and not lower):
                    out[i, j] = c[i, j]
        return flat([out])

    def solve(x: Any, y: Any) -> Any:
        m = module(x) if isinstance(x, hd.DualArray) else module(y)
        return m.cho_solve(m.cho_factor(x, lower=lower), y)

    check(factor, reference_factor, s, hessian=lower)
    check(solve, lambda m, r: flat([mp_solve(mp_hermitian(m, lower), r)]), s, b)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
def test_lu_factor_lu_solve(complex_: bool) -> None:
    a = random((3, 3), complex_, 250)
    b = random((3,), complex_, 251)
    _, piv = scipy_linalg.lu_factor(a)
    perm = np.arange(3)
    for i, p in enumerate(piv):
        perm[i], perm[p] = perm[p], perm[i]

    def reference_factor(m: Any) -> list[Any]:
        """Doolittle on the rows in numpy's pivot order (the pivots are locally constant)."""
        pa = mp.matrix([[m[int(i), j] for j in range(3)] for i in perm])
        lu = mp.matrix(3, 3)
        for i in range(3):
            for j in range(3):
                total = pa[i, j] - sum(lu[i, k] * lu[k, j] for k in range(min(i, j)))
                lu[i, j] = total if i <= j else total / lu[j, j]
        return flat([lu])

    def module(x: Any) -> Any:
        return hd.linalg if isinstance(x, hd.DualArray) else scipy_linalg

    check(lambda x: module(x).lu_factor(x)[0], reference_factor, a)
    assert np.array_equal(hd.linalg.lu_factor(hd.dual(a, a))[1], piv)
    for trans in (0, 1, 2):

        def solve(x: Any, y: Any, t: int = trans) -> Any:
            m = module(x) if isinstance(x, hd.DualArray) else module(y)
            return m.lu_solve(m.lu_factor(x), y, trans=t)

        def reference(m: Any, r: Any, t: int = trans) -> list[Any]:
            return flat([mp_solve({0: m, 1: m.T, 2: m.H}[t], r)])

        check(solve, reference, a, b, hessian=trans == 0)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
def test_solve_banded(complex_: bool) -> None:
    lower, upper, n = 1, 2, 4
    ab = random((lower + upper + 1, n), complex_, 260)
    ab[upper] += 4.0  # the diagonal
    b = random((n, 2), complex_, 261)

    def reference(m: Any, r: Any) -> list[Any]:
        dense = mp.matrix(n, n)
        for i in range(n):
            for j in range(n):
                if -upper <= i - j <= lower:
                    dense[i, j] = m[upper + i - j, j]
        return flat([mp_solve(dense, r)])

    def solve(x: Any, y: Any) -> Any:
        duals = isinstance(x, hd.DualArray)
        return (hd.linalg if duals else scipy_linalg).solve_banded((lower, upper), x, y)

    check(solve, reference, ab, b)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
def test_solve_sylvester(complex_: bool) -> None:
    a = general(3, complex_, 270)
    b = random((2, 2), complex_, 271) + 2 * np.eye(2)
    q = random((3, 2), complex_, 272)

    def reference(ma: Any, mb: Any, mq: Any) -> list[Any]:
        """(I kron A + B^T kron I) vec(X) = vec(Q), vec by columns."""
        big = mp.matrix(6, 6)
        rhs = mp.matrix(6, 1)
        for j in range(2):
            for i in range(3):
                rhs[3 * j + i] = mq[i, j]
                for k in range(3):
                    big[3 * j + i, 3 * j + k] += ma[i, k]
                for k in range(2):
                    big[3 * k + i, 3 * j + i] += mb[j, k]
        x = mp_solve(big, rhs)
        return [x[3 * j + i] for i in range(3) for j in range(2)]

    def solve(x: Any, y: Any, z: Any) -> Any:
        duals = isinstance(x, hd.DualArray)
        return (hd.linalg if duals else scipy_linalg).solve_sylvester(x, y, z)

    check(solve, reference, a, b, q)


def mp_primary(f: Callable[[Any], Any]) -> MpFunction:
    """f(A) = V f(D) V^-1 from mpmath's eigendecomposition (distinct eigenvalues), f
    on the principal branch (a negative real eigenvalue of a real matrix, moved along
    real directions, stays on the side numpy and scipy take: f(-1) = f(-1 + 0j))."""

    def primary(m: Any) -> list[Any]:
        e, v = mp.eig(m)
        n = m.rows
        d = mp.diag([f(mp.mpc(z)) for z in e])
        return flat([v * d * mp.inverse(v)] if n else [])

    return primary


@pytest.mark.parametrize(
    "kind", ["spd", "general", "complex", "negative-eigenvalues"], ids=lambda k: k
)
def test_sqrtm_logm(kind: str) -> None:
    if kind == "spd":
        a = spd(3, False, 280) / 3
    elif kind == "negative-eigenvalues":  # a real matrix whose logarithm is complex
        a = np.array([[-1.0, 0.3, 0.1], [0.2, 2.0, 0.4], [0.0, 0.5, 3.0]])
    else:
        a = general(3, kind == "complex", 281) / 3

    def module(x: Any) -> Any:
        return hd.linalg if isinstance(x, hd.DualArray) else scipy_linalg

    check(lambda x: module(x).sqrtm(x), mp_primary(mp.sqrt), a, hessian=kind == "general")
    check(lambda x: module(x).logm(x), mp_primary(mp.log), a, hessian=kind != "general")


@pytest.mark.parametrize("name", ["sqrtm", "logm"])
def test_sqrtm_logm_off_the_principal_branch_raise(name: str) -> None:
    """At a zero eigenvalue, and at a negative one moved along complex directions
    (across the branch cut), the principal root and logarithm are not differentiable."""
    function = getattr(hd.linalg, name)
    with pytest.raises(np.linalg.LinAlgError, match=rf"scipy\.linalg\.{name}.*branch"):
        function(hd.dual(np.diag([0.0, 1.0]), np.eye(2)))
    negative = np.diag([-1.0, 2.0])
    with pytest.raises(np.linalg.LinAlgError, match=rf"scipy\.linalg\.{name}"):
        function(hd.dual(negative.astype(complex), 1j * np.eye(2)))
    function(hd.dual(negative, np.eye(2)))  # real directions: differentiable


# --- float32 in, float32 out ----------------------------------------------------------------------
@pytest.mark.parametrize("complex_", [False, True], ids=["float32", "complex64"])
def test_single_precision_stays_single(complex_: bool) -> None:
    """float32 (complex64) matrices give float32 (complex64) parts, as numpy's and
    scipy's values, with derivatives against mpmath to single precision."""
    dtype = np.complex64 if complex_ else np.float32
    a = general(3, complex_, 300).astype(dtype)
    s = spd(3, complex_, 301).astype(dtype)
    hint = numpy_gauge_hint(a.astype(np.complex128 if complex_ else np.float64))
    module = lambda x: hd.linalg if isinstance(x, hd.DualArray) else scipy_linalg  # noqa: E731
    cases: list[tuple[Callable[..., Any], MpFunction, np.ndarray]] = [
        (np.linalg.svdvals, lambda m: mp_svd(m, hint, "s"), a),
        (lambda x: np.linalg.eigvalsh(x), lambda m: mp_eigh(mp_hermitian(m), s, 0, "values"), s),
        (lambda x: module(x).sqrtm(x), mp_primary(mp.sqrt), s),
        (lambda x: module(x).lu_factor(x)[0], None, a),
        (lambda x: module(x).solve_sylvester(x, x, x), None, a),
    ]
    for f, f_mp, x in cases:
        out = f(hd.hyperdual(x, x, x, 0))
        assert out.dtype == np.asarray(f(x)).dtype, f
        assert out.dtype in (np.float32, np.complex64)
        if f_mp is not None:
            check(f, f_mp, x, hessian=False, rtol=2e-4)


# --- scipy.linalg's own functions refuse dual arrays, pointing to hyperdiff.linalg ---------------
SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
PIVOTS = np.arange(3, dtype=np.int32)
SCIPY_CALLS: dict[str, Callable[[Any, np.ndarray], Any]] = {
    "expm": lambda x, b: scipy_linalg.expm(x),
    "sqrtm": lambda x, b: scipy_linalg.sqrtm(x),
    "logm": lambda x, b: scipy_linalg.logm(x),
    "solve_triangular": lambda x, b: scipy_linalg.solve_triangular(x, b),
    "cho_factor": lambda x, b: scipy_linalg.cho_factor(x),
    "cho_solve": lambda x, b: scipy_linalg.cho_solve((x, False), b),
    "lu_factor": lambda x, b: scipy_linalg.lu_factor(x),
    "lu_solve": lambda x, b: scipy_linalg.lu_solve((x, PIVOTS), b),
    "solve_banded": lambda x, b: scipy_linalg.solve_banded((1, 1), x, b),
    "solve_sylvester": lambda x, b: scipy_linalg.solve_sylvester(x, x, x),
    "svd": lambda x, b: scipy_linalg.svd(x),
    "eig": lambda x, b: scipy_linalg.eig(x),
    "solve": lambda x, b: scipy_linalg.solve(x, b),
}


@pytest.mark.parametrize("name", list(SCIPY_CALLS))
def test_scipy_linalg_refuses_dual_arrays_naming_the_mirror(name: str) -> None:
    """Not numpy's "setting an array element with a sequence": the package's TypeError,
    naming scipy's function and hyperdiff.linalg's (which exists)."""
    x = hd.dual(SPD, np.ones((3, 3)))
    with pytest.raises(TypeError, match=rf"scipy\.linalg\.{name} .* hyperdiff\.linalg\.{name} "):
        SCIPY_CALLS[name](x, np.ones(3))
    assert callable(getattr(hd.linalg, name))
    SCIPY_CALLS[name](SPD, np.ones(3))  # plain arrays: scipy as ever


# --- Taylor arrays: degree 2 through the same rules, degree 3 refused ----------------------------
def test_taylor_degree_two_and_the_refusal_beyond() -> None:
    """hd.taylor(f, A, V, 2)'s planes are d/dt and d2/dt2 of f(A + t V): those of a
    HyperDual seeded e1 = e2 = V (checked against mpmath above); degree 3 raises
    naming the function (the rules are written to second order)."""
    a = general(3, False, 320)
    s = spd(3, False, 321)
    v = random((3, 3), False, 322)
    v = v + v.T
    module = hd.linalg
    cases: list[tuple[Callable[[Any], Any], np.ndarray]] = [
        (lambda x: np.linalg.svd(x)[0], a),
        (lambda x: np.linalg.eig(x)[0], a),
        (lambda x: np.linalg.eigh(x)[1], s),
        (np.linalg.cholesky, s),
        (lambda x: np.linalg.norm(x, "nuc"), a),
        (lambda x: module.lu_factor(x)[0], a),
        (module.sqrtm, s),
    ]
    for f, x in cases:
        planes_ = hd.taylor(f, x, v, 2)
        want = f(hd.hyperdual(x, v, v, 0.0))._stack
        close(planes_[1], want[1], rtol=1e-13)
        close(planes_[2], want[3], rtol=1e-13)
    with pytest.raises(TypeError, match=r"numpy\.linalg\.svd .*degree 2"):
        hd.taylor(np.linalg.svd, a, v, 3)
    with pytest.raises(TypeError, match=r"scipy\.linalg\.sqrtm.*degree 2"):
        hd.taylor(module.sqrtm, s, v, 3)
