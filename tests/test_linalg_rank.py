"""Rank and singularity in numpy.linalg on dual arrays (issue 11, "never silently wrong").

- pinv and lstsq with a cut-off that truncates the rank (rtol/rcond, or numpy's default
  cut-off at an exactly rank-deficient matrix), tall and wide;
- det (and slogdet) at singular and nearly singular matrices;
- multi_dot's argument checks and multiplication order.

References are independent of hyperdiff: mpmath at 50 digits, differentiating mpmath's
own F along a line A(t) = A0 + t D numerically (mp.diffs / mp.diff; the truncated
pseudo-inverse is rebuilt from mpmath's SVD at every t), and closed forms (det is
multilinear in the rows: its first and second partials are determinants of A with rows
replaced by unit vectors). Every kind is checked: Dual, HyperDual, and DualVec /
HyperDualVec through hd.jacobian / hd.hessian (also with chunked Hessian blocks, the
two-seed-set layout).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from mpmath import mp

import hyperdiff as hd

DPS = 50
KINDS = ["dual", "hyperdual", "dualvec", "hyperdualvec", "hyperdualvec-blocks"]
# tolerance relative to the largest entry of each reference order
RTOL = {np.float64: 1e-12, np.float32: 2e-4}


def rng() -> np.random.Generator:
    return np.random.default_rng(20261211)


def eighths(*shape: int, seed: int = 0) -> np.ndarray:
    """Random multiples of 1/8: exact in float32 and float64, and their products too."""
    return np.random.default_rng(seed).integers(-16, 17, shape) / 8.0


def rank_deficient(m: int, n: int, rank: int, seed: int = 0) -> np.ndarray:
    """An m x n matrix of exact rank `rank` (its entries and their products are exact)."""
    r = np.random.default_rng(seed)
    return r.integers(-3, 4, (m, rank)).astype(float) @ r.integers(-3, 4, (rank, n)) / 4.0


# --- mpmath -------------------------------------------------------------------------
def to_mp(a: np.ndarray) -> Any:
    return mp.matrix(np.asarray(a, dtype=np.float64).tolist())


def entries(x: Any) -> list[Any]:
    if isinstance(x, mp.matrix):
        return [x[i, j] for i in range(x.rows) for j in range(x.cols)]
    return list(x) if isinstance(x, list) else [x]


def mp_truncated_pinv(a: Any, rank: int) -> Any:
    """V_k diag(1/s_k) U_k^T from mpmath's SVD: the pseudo-inverse of the rank-k truncation."""
    u, s, v = mp.svd_r(a)  # a = u diag(s) v
    largest = sorted(range(len(s)), key=lambda i: -s[i])[:rank]
    out = mp.zeros(a.cols, a.rows)
    for i in largest:
        out += (v[i, :].T * u[:, i].T) / s[i]
    return out


def mp_singular_values(a: Any) -> list[Any]:
    return sorted(mp.svd_r(a, compute_uv=False), reverse=True)


def line_series(
    func: Callable[..., Any], points: list[np.ndarray], directions: list[np.ndarray]
) -> list[np.ndarray]:
    """[F, dF/dt, d2F/dt2] at t = 0 of F(x1 + t d1, ...) on mpmath matrices, entrywise."""
    with mp.workdps(DPS):
        pairs = [(to_mp(p), to_mp(d)) for p, d in zip(points, directions, strict=True)]
        cache: dict[Any, list[Any]] = {}

        def at(t: Any) -> list[Any]:
            if t not in cache:
                cache[t] = entries(func(*(p + t * d for p, d in pairs)))
            return cache[t]

        count = len(at(mp.mpf(0)))
        series = [list(mp.diffs(lambda t, i=i: at(t)[i], 0, 2)) for i in range(count)]
        return [np.array([float(s[k]) for s in series]) for k in range(3)]


def mixed_second(
    func: Callable[[Any], Any], point: np.ndarray, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    """d2/dt du F(x + t d1 + u d2) at 0, entrywise, in mpmath."""
    with mp.workdps(DPS):
        x, d1, d2 = to_mp(point), to_mp(first), to_mp(second)
        cache: dict[Any, list[Any]] = {}

        def at(t: Any, u: Any) -> list[Any]:
            if (t, u) not in cache:
                cache[t, u] = entries(func(x + t * d1 + u * d2))
            return cache[t, u]

        count = len(at(mp.mpf(0), mp.mpf(0)))
        return np.array(
            [float(mp.diff(lambda t, u, i=i: at(t, u)[i], (0, 0), (1, 1))) for i in range(count)]
        )


# --- hyperdiff along a line, for every kind --------------------------------------------
def contract(block: np.ndarray, direction: np.ndarray) -> np.ndarray:
    return np.tensordot(block, direction, axes=direction.ndim)


def along_line(
    kind: str, f: Callable[..., Any], points: list[np.ndarray], directions: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(value, d/dt, d2/dt2) of f(x1 + t d1, ...) at t = 0 from one kind; None where the
    kind does not carry that order."""
    argnums = tuple(range(len(points)))
    value = np.asarray(f(*points))
    if kind == "dual":
        out = f(*(hd.dual(p, d) for p, d in zip(points, directions, strict=True)))
        assert isinstance(out, hd.Dual)
        return out.value, out.d, None
    if kind == "hyperdual":
        out = f(*(hd.hyperdual(p, d, d) for p, d in zip(points, directions, strict=True)))
        assert isinstance(out, hd.HyperDual)
        np.testing.assert_array_equal(out.e1, out.e2)
        return out.value, out.e1, out.e12
    if kind == "dualvec":
        blocks = hd.jacobian(f, argnums=argnums)(*points)
        first = sum(contract(b, d) for b, d in zip(blocks, directions, strict=True))
        return value, np.asarray(first), None
    chunk = 5 if kind == "hyperdualvec-blocks" else None
    hessian = hd.hessian(f, argnums=argnums, chunk_size=chunk)(*points)
    second = sum(
        contract(contract(hessian[i][j], directions[j]), directions[i])
        for i in argnums
        for j in argnums
    )
    return value, None, np.asarray(second)


def check_against(
    got: tuple[np.ndarray, np.ndarray | None, np.ndarray | None],
    ref: list[np.ndarray],
    dtype: Any,
    expected_value: np.ndarray,
) -> None:
    value, first, second = got
    np.testing.assert_array_equal(value, expected_value)  # numpy's own value, bit for bit
    rtol = RTOL[dtype]
    for order, part in ((1, first), (2, second)):
        if part is None:
            continue
        assert part.dtype == dtype
        scale = float(np.max(np.abs(ref[order]), initial=0.0))
        np.testing.assert_allclose(
            np.ravel(part), ref[order], rtol=rtol, atol=rtol * scale, err_msg=f"order {order}"
        )


# --- pinv ---------------------------------------------------------------------------------
def cut_between(a: np.ndarray, keep: int) -> float:
    """An rtol halfway (geometrically) between the keep-th and the next singular value."""
    s = np.linalg.svd(a, compute_uv=False)
    return float(np.sqrt(s[keep - 1] * s[keep]) / s[0])


PINV_CASES = {
    # name: (matrix, kept rank, pinv keywords); exact-rank ones cut by numpy's defaults
    "rank-2-tall-default": (rank_deficient(6, 4, 2), 2, {}),
    "rank-2-wide-default": (rank_deficient(3, 5, 2, seed=1), 2, {}),
    "rank-1-square-rtol-None": (rank_deficient(4, 4, 1, seed=2), 1, {"rtol": None}),
    "full-rank-cut-by-rtol": (eighths(6, 4, seed=3), 3, {"rtol": "cut"}),
    "full-rank-cut-by-rcond-wide": (eighths(3, 5, seed=4), 2, {"rcond": "cut"}),
}


def pinv_keywords(matrix: np.ndarray, kept: int, keywords: dict[str, Any]) -> dict[str, Any]:
    return {k: cut_between(matrix, kept) if v == "cut" else v for k, v in keywords.items()}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(PINV_CASES))
def test_truncated_pinv_against_mpmath(name: str, kind: str) -> None:
    matrix, kept, keywords = PINV_CASES[name]
    keywords = pinv_keywords(matrix, kept, keywords)
    direction = eighths(*matrix.shape, seed=10)
    assert np.linalg.matrix_rank(matrix, rtol=keywords.get("rtol") or keywords.get("rcond")) == kept

    def f(a: Any) -> Any:
        return np.linalg.pinv(a, **keywords)

    ref = line_series(lambda a: mp_truncated_pinv(a, kept), [matrix], [direction])
    check_against(along_line(kind, f, [matrix], [direction]), ref, np.float64, f(matrix))


@pytest.mark.parametrize("kind", ["dual", "hyperdual", "dualvec", "hyperdualvec"])
def test_truncated_pinv_float32(kind: str) -> None:
    matrix = rank_deficient(5, 4, 2, seed=5).astype(np.float32)
    direction = eighths(5, 4, seed=11).astype(np.float32)

    def f(a: Any) -> Any:
        return np.linalg.pinv(a, rtol=1e-4)  # float32's rounding leaves s ~ 1e-7 s_max

    ref = line_series(lambda a: mp_truncated_pinv(a, 2), [matrix], [direction])
    check_against(along_line(kind, f, [matrix], [direction]), ref, np.float32, f(matrix))


def test_truncated_pinv_mixed_second_derivative() -> None:
    """HyperDual with two different directions: e12 is the mixed partial."""
    matrix = rank_deficient(6, 4, 2)
    d1, d2 = eighths(6, 4, seed=12), eighths(6, 4, seed=13)
    out = np.linalg.pinv(hd.hyperdual(matrix, d1, d2))
    ref = mixed_second(lambda a: mp_truncated_pinv(a, 2), matrix, d1, d2)
    np.testing.assert_allclose(np.ravel(out.e12), ref, rtol=1e-12, atol=1e-12 * np.max(abs(ref)))


def test_truncated_pinv_of_a_symmetric_matrix_hermitian() -> None:
    half = rank_deficient(5, 2, 2, seed=6)
    matrix, direction = half @ half.T, eighths(5, 5, seed=14)
    direction = direction + direction.T
    ref = line_series(lambda a: mp_truncated_pinv(a, 2), [matrix], [direction])
    f = lambda a: np.linalg.pinv(a, hermitian=True)  # noqa: E731
    got = along_line("hyperdual", f, [matrix], [direction])
    check_against(got, ref, np.float64, np.linalg.pinv(matrix, hermitian=True))


def test_stacked_pinv_with_different_ranks_and_cut_offs() -> None:
    full = eighths(5, 4, seed=7)
    stack = np.stack([rank_deficient(5, 4, 2, seed=8), full, full])
    rtol = np.array([1e-10, cut_between(full, 3), cut_between(full, 2)])
    direction = np.stack([eighths(5, 4, seed=s) for s in (15, 16, 17)])
    out = np.linalg.pinv(hd.hyperdual(stack, direction, direction), rtol=rtol)
    np.testing.assert_array_equal(out.value, np.linalg.pinv(stack, rtol=rtol))
    for i, kept in enumerate((2, 3, 2)):
        ref = line_series(lambda a, k=kept: mp_truncated_pinv(a, k), [stack[i]], [direction[i]])
        for part, r in ((out.e1[i], ref[1]), (out.e12[i], ref[2])):
            np.testing.assert_allclose(np.ravel(part), r, rtol=1e-12, atol=1e-12 * np.max(abs(r)))


def test_pinv_at_the_cut_off_raises() -> None:
    a = np.diag([4.0, 2.0, 1.0])  # numpy's singular values are exactly 4, 2, 1
    x = hd.dual(a, np.ones((3, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="cut-off"):
        np.linalg.pinv(x, rtol=0.25)  # cut-off 0.25 * 4 = 1: s_3 on it
    with pytest.raises(np.linalg.LinAlgError, match="cut-off"):
        np.linalg.pinv(x, rcond=0.5)
    with pytest.raises(np.linalg.LinAlgError, match="cut-off"):
        np.linalg.pinv(hd.dual(np.zeros((3, 2)), 1.0))  # any perturbation gives rank >= 1
    # just off the cut-off it is differentiable
    assert np.all(np.isfinite(np.linalg.pinv(x, rtol=0.2499).d))


def test_pinv_with_a_cut_off_above_every_singular_value_is_zero() -> None:
    """rtol >= 1 cuts every singular value for every A: zero, with zero parts."""
    a = np.diag([4.0, 2.0, 1.0])
    out = np.linalg.pinv(hd.hyperdual(a, np.ones((3, 3)), 1.0), rtol=1.0)
    assert not np.any(out._stack)


# --- lstsq ----------------------------------------------------------------------------------
LSTSQ_CASES = {
    # name: (a, b, kept rank, rcond)
    "tall-cut-by-rcond": (eighths(6, 4, seed=20), eighths(6, seed=21), 3, "cut"),
    "tall-rank-deficient-2d-b": (rank_deficient(6, 4, 2, seed=22), eighths(6, 2, seed=23), 2, None),
    "wide-full-rank": (eighths(3, 5, seed=24), eighths(3, seed=25), 3, None),
    "wide-rank-deficient": (rank_deficient(4, 6, 2, seed=26), eighths(4, seed=27), 2, None),
    "wide-cut-by-rcond": (eighths(4, 6, seed=28), eighths(4, 3, seed=29), 2, "cut"),
}


def lstsq_case(name: str) -> tuple[np.ndarray, np.ndarray, int, Any]:
    a, b, kept, rcond = LSTSQ_CASES[name]
    return a, b, kept, cut_between(a, kept) if rcond == "cut" else rcond


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(LSTSQ_CASES))
def test_lstsq_solution_against_mpmath(name: str, kind: str) -> None:
    a, b, kept, rcond = lstsq_case(name)
    da, db = eighths(*a.shape, seed=30), eighths(*b.shape, seed=31)

    def f(x: Any, y: Any) -> Any:
        return np.linalg.lstsq(x, y, rcond=rcond)[0]

    assert np.linalg.lstsq(a, b, rcond=rcond)[2] == kept
    ref = line_series(lambda x, y: mp_truncated_pinv(x, kept) * y, [a, b], [da, db])
    check_against(along_line(kind, f, [a, b], [da, db]), ref, np.float64, f(a, b))


@pytest.mark.parametrize("kind", ["dual", "hyperdual"])
def test_lstsq_float32(kind: str) -> None:
    a, b = eighths(6, 4, seed=32).astype(np.float32), eighths(6, seed=33).astype(np.float32)
    da, db = eighths(6, 4, seed=34).astype(np.float32), eighths(6, seed=35).astype(np.float32)
    rcond = cut_between(a.astype(np.float64), 3)

    def f(x: Any, y: Any) -> Any:
        return np.linalg.lstsq(x, y, rcond=rcond)[0]

    ref = line_series(lambda x, y: mp_truncated_pinv(x, 3) * y, [a, b], [da, db])
    check_against(along_line(kind, f, [a, b], [da, db]), ref, np.float32, f(a, b))


@pytest.mark.parametrize("kind", ["dual", "hyperdual", "dualvec", "hyperdualvec"])
def test_lstsq_residuals_and_singular_values_full_rank(kind: str) -> None:
    a, b = eighths(7, 3, seed=40), eighths(7, 2, seed=41)
    da, db = eighths(7, 3, seed=42), eighths(7, 2, seed=43)

    def residuals(x: Any, y: Any) -> Any:
        return np.linalg.lstsq(x, y)[1]

    def singular_values(x: Any, y: Any) -> Any:
        return np.linalg.lstsq(x, y)[3]

    def mp_residuals(x: Any, y: Any) -> list[Any]:
        r = y - x * mp_truncated_pinv(x, 3) * y
        return [sum(r[i, j] ** 2 for i in range(r.rows)) for j in range(r.cols)]

    ref = line_series(mp_residuals, [a, b], [da, db])
    got = along_line(kind, residuals, [a, b], [da, db])
    check_against(got, ref, np.float64, residuals(a, b))
    ref = line_series(lambda x, y: mp_singular_values(x), [a, b], [da, db])
    got = along_line(kind, singular_values, [a, b], [da, db])
    check_against(got, ref, np.float64, singular_values(a, b))


def test_lstsq_truncated_returns_numpys_empty_residuals_and_nan_for_cut_singular_values() -> None:
    a, b, kept, rcond = lstsq_case("tall-cut-by-rcond")
    da, db = eighths(*a.shape, seed=44), eighths(*b.shape, seed=45)
    _, residuals, rank, s = np.linalg.lstsq(hd.hyperdual(a, da, da), b, rcond=rcond)
    expected = np.linalg.lstsq(a, b, rcond=rcond)
    assert rank == expected[2] == kept
    # numpy gives no residuals below full rank: a plain empty array, as numpy's
    assert isinstance(residuals, np.ndarray) and residuals.shape == (0,)
    np.testing.assert_array_equal(s.value, expected[3])
    ref = line_series(lambda m: mp_singular_values(m), [a], [da])
    for part, r in ((s.e1, ref[1]), (s.e12, ref[2])):
        np.testing.assert_allclose(part[:kept], r[:kept], rtol=1e-12, atol=1e-12 * max(abs(r)))
        assert np.all(np.isnan(part[kept:]))  # cut: treated as zero, no derivative given
    # only b moves: the singular values are constants, zero parts
    s_of_b = np.linalg.lstsq(a, hd.dual(b, db), rcond=rcond)[3]
    assert not np.any(s_of_b.d)


def test_lstsq_at_the_cut_off_raises_unless_only_b_moves() -> None:
    a = np.diag([4.0, 2.0, 1.0])[:, :3]
    a = np.vstack([a, np.zeros((1, 3))])
    b = np.ones(4)
    with pytest.raises(np.linalg.LinAlgError, match="cut-off"):
        np.linalg.lstsq(hd.dual(a, np.ones((4, 3))), b, rcond=0.25)
    with pytest.raises(np.linalg.LinAlgError, match="cut-off"):
        np.linalg.lstsq(hd.dual(np.zeros((4, 3)), 1.0), b)
    # a plain: the rank cannot move; x = A_k^+ b is linear in b
    x = np.linalg.lstsq(a, hd.dual(b, np.arange(4.0)), rcond=0.25)[0]
    np.testing.assert_array_equal(x.value, np.linalg.lstsq(a, b, rcond=0.25)[0])
    np.testing.assert_array_equal(x.d, np.linalg.lstsq(a, np.arange(4.0), rcond=0.25)[0])


# --- det and slogdet at singular matrices -------------------------------------------------
def leibniz_det(m: Any) -> Any:
    """sum over permutations of sign * prod m[i, p(i)] (mp.det fails on some exactly
    singular matrices: its pivot search finds no pivot)."""
    n = m.rows
    total = mp.mpf(0)
    for perm in itertools.permutations(range(n)):
        inversions = sum(perm[i] > perm[j] for i in range(n) for j in range(i + 1, n))
        term = mp.mpf(-1) ** inversions
        for i in range(n):
            term *= m[i, perm[i]]
        total += term
    return total


def mp_det_partials(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed forms from multilinearity in the rows: d det / d a_ij is det(A with row i
    replaced by e_j); d2 det / d a_ij d a_kl (i != k) is det(A with rows i, k replaced by
    e_j, e_l), and 0 for i == k."""
    n = a.shape[0]
    with mp.workdps(DPS):

        def replaced(rows: dict[int, int]) -> Any:
            m = np.asarray(a, dtype=np.float64).copy()
            for row, col in rows.items():
                m[row] = np.eye(n)[col]
            return leibniz_det(to_mp(m))

        grad = np.array([[float(replaced({i: j})) for j in range(n)] for i in range(n)])
        hess = np.zeros((n, n, n, n))
        for i, j, k, col in np.ndindex(n, n, n, n):
            if i != k:
                hess[i, j, k, col] = float(replaced({i: j, k: col}))
    return grad, hess


SINGULAR = {
    "2x2-rank-1": np.array([[1.0, 2.0], [2.0, 4.0]]),
    "3x3-rank-2": np.arange(1.0, 10.0).reshape(3, 3),
    "4x4-rank-1": rank_deficient(4, 4, 1, seed=50),
    "4x4-rank-3": rank_deficient(4, 4, 3, seed=51),
    "4x4-zero": np.zeros((4, 4)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", list(SINGULAR))
def test_grad_and_hessian_of_det_at_singular_matrices(name: str, dtype: Any) -> None:
    a = SINGULAR[name].astype(dtype)
    grad, hess = mp_det_partials(a)
    got_grad = hd.grad(np.linalg.det)(a)
    got_hess = hd.hessian(np.linalg.det)(a)
    assert got_grad.dtype == dtype and got_hess.dtype == dtype
    rtol = RTOL[dtype]
    for got, ref in ((got_grad, grad), (got_hess, hess)):
        scale = max(float(np.max(np.abs(ref))), 1.0)
        np.testing.assert_allclose(got, ref, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(SINGULAR))
def test_det_along_a_line_at_singular_matrices(name: str, kind: str) -> None:
    a, direction = SINGULAR[name], eighths(*SINGULAR[name].shape, seed=52)
    ref = line_series(leibniz_det, [a], [direction])
    got = along_line(kind, np.linalg.det, [a], [direction])
    value, first, second = got
    np.testing.assert_array_equal(value, np.linalg.det(a))
    scale = max(float(np.max(np.abs(np.concatenate(ref[1:])))), 1.0)
    for part, r in ((first, ref[1]), (second, ref[2])):
        if part is not None:
            np.testing.assert_allclose(np.ravel(part), r, rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize("epsilon", [1e-3, 1e-6, 1e-9, 1e-12, 1e-15])
def test_det_of_nearly_singular_matrices_against_mpmath(epsilon: float) -> None:
    """Ill-conditioned value matrices (condition ~ 1/epsilon) keep full relative accuracy."""
    a = np.arange(1.0, 10.0).reshape(3, 3) + epsilon * np.diag([0.0, 0.0, 1.0])
    d1, d2 = eighths(3, 3, seed=53), eighths(3, 3, seed=54)
    out = np.linalg.det(hd.hyperdual(a, d1, d2))
    with mp.workdps(DPS):
        x, e1, e2 = to_mp(a), to_mp(d1), to_mp(d2)
        first = float(mp.diff(lambda t: mp.det(x + t * e1), 0))
        second = float(mp.diff(lambda t, u: mp.det(x + t * e1 + u * e2), (0, 0), (1, 1)))
    assert out.e1 == pytest.approx(first, rel=1e-13)
    assert out.e12 == pytest.approx(second, rel=1e-13)


def test_det_of_a_stack_mixing_singular_and_invertible_matrices() -> None:
    stack = np.stack([SINGULAR["3x3-rank-2"], eighths(3, 3, seed=55) + 3 * np.eye(3)])
    direction = np.stack([eighths(3, 3, seed=56), eighths(3, 3, seed=57)])
    out = np.linalg.det(hd.hyperdual(stack, direction, direction))
    np.testing.assert_array_equal(out.value, np.linalg.det(stack))
    for i in range(2):
        ref = line_series(leibniz_det, [stack[i]], [direction[i]])
        assert out.e1[i] == pytest.approx(ref[1][0], rel=1e-13, abs=1e-13)
        assert out.e12[i] == pytest.approx(ref[2][0], rel=1e-13, abs=1e-13)


def test_det_of_a_singular_complex_matrix() -> None:
    a = np.outer([1 + 1j, 2, -1j], [1, 1j, 2 - 1j])  # rank 1
    direction = eighths(3, 3, seed=58) + 1j * eighths(3, 3, seed=59)
    out = np.linalg.det(hd.hyperdual(a, direction, direction))
    with mp.workdps(DPS):
        x, d = mp.matrix(a.tolist()), mp.matrix(direction.tolist())
        ref = [complex(v) for v in mp.diffs(lambda t: mp.det(x + t * d), 0, 2)]
    assert out.e1 == pytest.approx(ref[1], abs=1e-13)
    assert out.e12 == pytest.approx(ref[2], rel=1e-13)


def test_slogdet_at_a_singular_matrix_has_no_derivative() -> None:
    """log|det| is -inf at a singular matrix (numpy's value) and has no derivative:
    its parts are nan. In a stack the invertible matrices keep theirs."""
    invertible = eighths(3, 3, seed=60) + 3 * np.eye(3)
    stack = np.stack([SINGULAR["3x3-rank-2"], invertible])
    direction = np.stack([eighths(3, 3, seed=61), eighths(3, 3, seed=62)])
    sign, logabsdet = np.linalg.slogdet(hd.hyperdual(stack, direction, direction))
    expected_sign, expected_log = np.linalg.slogdet(stack)
    np.testing.assert_array_equal(sign, expected_sign)
    np.testing.assert_array_equal(logabsdet.value, expected_log)
    assert sign[0] == 0 and logabsdet.value[0] == -np.inf
    assert np.isnan(logabsdet.e1[0]) and np.isnan(logabsdet.e12[0])
    ref = line_series(lambda m: mp.log(abs(mp.det(m))), [invertible], [direction[1]])
    assert logabsdet.e1[1] == pytest.approx(ref[1][0], rel=1e-13)
    assert logabsdet.e12[1] == pytest.approx(ref[2][0], rel=1e-13)


# --- multi_dot -------------------------------------------------------------------------------
MULTI_DOT_ARGUMENTS = {
    "one-array": lambda: [np.ones((2, 2))],
    "two-1d": lambda: [np.ones(3), np.ones(3)],
    "1d-array-of-two": lambda: np.array([2.0, 3.0]),
    "1d-array-of-three": lambda: np.array([1.0, 2.0, 3.0]),
    "1d-in-the-middle": lambda: [np.ones((2, 3)), np.ones(3), np.ones((3, 2))],
    "3d-first": lambda: [np.ones((2, 3, 3)), np.ones((3, 3)), np.ones((3, 3))],
    "0d-first": lambda: [np.float64(2), np.ones((1, 3)), np.ones(3)],
    "two-3d-go-to-dot": lambda: [np.ones((3, 3)), np.ones((2, 3, 3))],
    "vector-ends": lambda: [np.ones(3), np.ones((3, 4)), np.ones((4, 2)), np.ones(2)],
}


def numpy_outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "value", call()
    except (ValueError, np.linalg.LinAlgError) as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize("name", list(MULTI_DOT_ARGUMENTS))
def test_multi_dot_checks_its_arguments_as_numpy(name: str) -> None:
    arrays = MULTI_DOT_ARGUMENTS[name]()
    seeded = (
        hd.dual(arrays, 1.0)
        if isinstance(arrays, np.ndarray)
        else [hd.dual(a, 1.0) for a in arrays]
    )
    kind, expected = numpy_outcome(lambda: np.linalg.multi_dot(arrays))
    got_kind, got = numpy_outcome(lambda: np.linalg.multi_dot(seeded))
    assert got_kind == kind
    if kind == "value":
        assert got.shape == np.shape(expected)
        np.testing.assert_array_equal(got.value, expected)
    else:
        assert got == expected


def test_multi_dot_multiplies_in_numpys_order_with_exact_parts() -> None:
    r = rng()
    arrays = [r.standard_normal(s) for s in [(7,), (7, 30), (30, 2), (2, 40), (40, 9)]]
    directions = [r.standard_normal(a.shape) for a in arrays]
    out = np.linalg.multi_dot([hd.dual(a, d) for a, d in zip(arrays, directions, strict=True)])
    np.testing.assert_array_equal(out.value, np.linalg.multi_dot(arrays))
    # product rule, closed form
    expected = sum(
        np.linalg.multi_dot([directions[i] if j == i else a for j, a in enumerate(arrays)])
        for i in range(len(arrays))
    )
    np.testing.assert_allclose(out.d, expected, rtol=1e-13, atol=1e-13 * np.max(abs(expected)))
