"""Linear algebra on dual arrays: mirrors numpy.linalg, and scipy.linalg's
differentiable functions (expm, sqrtm, logm, solve_triangular, cho_factor/cho_solve,
lu_factor/lu_solve, solve_banded, solve_sylvester) with scipy's signatures.

`np.linalg.solve(A, b)` and friends dispatch here when an operand is a dual
array; `hyperdiff.linalg.<name>` accepts dual and plain arrays alike. scipy.linalg
cannot dispatch: its own functions, handed a dual array, raise a TypeError naming
the hyperdiff.linalg function to call instead (_arrays.SCIPY_LINALG_MIRRORS).

Every function factorizes the value matrix once with numpy (LAPACK) and gets
the derivative planes from exact perturbation identities written in the
kind's algebra (see _algebra.py), so they hold for every kind and order, for
real and complex matrices (conjugate transposes throughout):

- solve, inv: plane by plane back-substitution, A0 X_k = B_k - sum A_i X_j
  over the products (i, j) -> k with i > 0;
- det:   det(A0 + N) = det(A0) exp(tr M - tr(M^2)/2), M = A0^-1 N, exact
  because M^3 = 0 (a product of three perturbations vanishes);
- eigh:  Jacobi-like sweeps K_ij = C_ij / (w_j - w_i), W <- W exp(K), each
  gaining one order (needs distinct eigenvalues);
- svd:   two-sided sweeps of rotations exp(Ku), exp(Kv); eig: similarities
  I + K (distinct values; a LinAlgError naming the function otherwise);
- cholesky, qr, lu_factor: the fixed points Q = Phi(P - Q Q^H), one order per
  sweep;
- sqrtm, solve_sylvester: chord sweeps of the Sylvester equation A0 Y + Y B0 = R
  (one Schur form, every plane at once); logm: square roots, then the atanh
  series, in the algebra.

Gauges: eigenvectors and singular vectors are numpy's, and their parts are the
derivatives of numpy's own outputs: signs locally constant; complex phases as
LAPACK fixes them (eigh: the first entry real for UPLO='L', the last for 'U';
svd: the first row of V real for m >= n, of U for m < n; eig: unit norm and the
largest entry real). The one convention of our own: svd(full_matrices=True)'s
columns beyond min(m, n) span the complement, which is not unique; their parts
hold it unrotated within itself.

Values are numpy's (or scipy's) own results on the value planes (bit for bit),
except expm, computed here by scipy's algorithm.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple, cast

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from . import _core, _table
from ._algebra import (
    PlaneList,
    _batched_matmul,
    _bilinear,
    _finite,
    _pair_table,
    add,
    layout,
    linear,
    planes_of,
    stack_matmul,
    strong_product,
    wrap,
)
from ._arrays import SCIPY_LINALG_MIRRORS, DualArray, admit, not_holomorphic_result
from ._functions import common_kind, implements, in_range, not_holomorphic, rescaled
from ._taylor_arrays import TaylorArray, check_linalg

__all__ = [
    "EigResult",
    "EighResult",
    "LinAlgError",
    "QRResult",
    "SVDResult",
    "SlogdetResult",
    "cho_factor",
    "cho_solve",
    "cholesky",
    "cond",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "expm",
    "inv",
    "logm",
    "lstsq",
    "lu_factor",
    "lu_solve",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_banded",
    "solve_sylvester",
    "solve_triangular",
    "sqrtm",
    "svd",
    "svdvals",
    "trace",
    "vector_norm",
]

LinAlgError = np.linalg.LinAlgError


class SlogdetResult(NamedTuple):
    sign: Any
    logabsdet: Any


class EighResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


class QRResult(NamedTuple):
    Q: Any
    R: Any


def _mT(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def _mH(a: np.ndarray) -> np.ndarray:
    """The conjugate transpose (the transpose of a real matrix)."""
    return np.conj(_mT(a)) if a.dtype.kind == "c" else _mT(a)


def _square(a: DualArray, name: str) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise LinAlgError(f"{name}: last 2 dimensions of the array must be square")


def _kind_of(name: str, *operands: Any) -> type[DualArray] | None:
    """The dual kind among the operands, or None when all are plain arrays."""
    if not any(isinstance(x, DualArray) for x in operands):
        return None
    cls = common_kind(f"linalg.{name}", *operands)
    check_linalg(name, cls)  # Taylor arrays: the rules here are written to order 2
    return cls


# The factorizations are written with conjugate transposes (A^H A, Q^H Q = I), so
# they hold for real and complex matrices alike.


# --- the algebra on plane lists --------------------------------------------
def _stacked(cls: type[DualArray], planes: PlaneList) -> np.ndarray:
    """A plane list as one (planes, ...) array, zeros for the absent planes."""
    present = [p for p in planes if p is not None]
    out = np.zeros(
        (cls._planes, *np.broadcast_shapes(*(p.shape for p in present))),
        dtype=np.result_type(*present),
    )
    for k, p in enumerate(planes):
        if p is not None:
            out[k] = p
    return out


def _constant(planes: PlaneList) -> bool:
    return all(p is None for p in planes[1:])


def _mm(cls: type[DualArray], a: PlaneList, b: PlaneList) -> PlaneList:
    """a @ b in the algebra, on the stacked planes: one batched matmul when an operand
    is a constant, two when both are perturbations (no value plane: the sweeps'
    K K, Lq Uq, ...), else _algebra's bilinear rule (five batched matmuls)."""
    if _constant(a) and _constant(b):
        return [None if a[0] is None or b[0] is None else a[0] @ b[0]]
    if a[0] is None and b[0] is None and not issubclass(cls, TaylorArray):
        return _perturbation_product(cls, a, b)
    if _constant(a) or _constant(b):
        constant, planes = (a[0], b) if _constant(a) else (b[0], a)
        if constant is None:
            return [None]
        stack = _stacked(cls, planes)
        fixed = np.broadcast_to(constant, (len(stack), *np.shape(constant)))
        pair = (fixed, stack) if _constant(a) else (stack, fixed)
        with np.errstate(invalid="ignore"):
            product = _batched_matmul(*pair)
        if not _finite(product):  # an inf against a zero: 0 (strong)
            product = strong_product(_batched_matmul, *pair)
        return list(product)
    return list(_bilinear(cls, np.matmul, _batched_matmul, _stacked(cls, a), _stacked(cls, b)))


def _perturbation_product(cls: type[DualArray], a: PlaneList, b: PlaneList) -> PlaneList:
    """a @ b for two operands with zero value planes: only the second-order planes,
    a_i b_j + a_j b_i for each pair (i, j) of the layout (as _bilinear's pair terms)."""
    first, pairs = layout(cls)  # type: ignore[arg-type]  # classes hash (mypy#11470)
    out: PlaneList = [None] * cls._planes
    if not len(pairs):
        return out
    x, y = _stacked(cls, a), _stacked(cls, b)
    i, j = 1 + pairs[:, 0], 1 + pairs[:, 1]
    products = _batched_matmul(x[i], y[j]) + _batched_matmul(x[j], y[i])
    out[1 + first :] = list(products)
    return out


def _perturbation(planes: PlaneList) -> PlaneList:
    return [None, *planes[1:]]


class _Level(NamedTuple):
    """One level of _solve_planes: its planes ks and the products (i, j, k), i > 0, that
    feed them (sorted by k), where each plane's products start, whether each plane has
    one product (first-order kinds: no sums); and ks, i, j as views where they can be:
    a slice of the stack when consecutive, j 0 when every product is a_i x0."""

    ks: np.ndarray
    i: np.ndarray
    j: np.ndarray
    k: np.ndarray
    starts: np.ndarray
    single: bool
    ks_view: Any
    i_view: Any
    j_view: Any


def _view(index: np.ndarray) -> Any:
    """index as a slice when it is consecutive (indexing a view, not a copy)."""
    consecutive = len(index) > 0 and bool(np.all(np.diff(index) == 1))
    return slice(int(index[0]), int(index[-1]) + 1) if consecutive else index


@functools.cache
def _solve_levels(cls: type[DualArray]) -> tuple[_Level, ...]:
    """The planes of x in a x = b grouped by level: level 1 needs x0 only, level L the
    planes of levels below (a kind of order d has d levels)."""
    planes = cls._planes
    level = [0] * planes
    feeds: list[list[tuple[int, int, int]]] = [[] for _ in range(planes)]
    weights = cls._product_weights or (1,) * len(cls._products)
    # plane a times b adds to c, `times` times
    for (a, b, c), times in sorted(zip(cls._products, weights, strict=True), key=lambda p: p[0][2]):
        if a > 0 and c > 0:
            level[c] = max(level[c], level[b] + 1)
            feeds[c].extend([(a, b, c)] * times)
    out = []
    for lv in range(1, max(level, default=0) + 1):
        ks = np.array([k for k in range(1, planes) if level[k] == lv], dtype=np.intp)
        terms = [t for k in ks for t in feeds[k]]
        i, j, k = (np.array(c, dtype=np.intp) for c in zip(*terms, strict=True))
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        j_view = 0 if not j.any() else _view(j)
        single = len(starts) == len(k)
        out.append(_Level(ks, i, j, k, starts, single, _view(ks), _view(i), j_view))
    return tuple(out)


def _every_plane(x: PlaneList | np.ndarray, planes: int) -> bool:
    return len(x) == planes and (isinstance(x, np.ndarray) or all(p is not None for p in x))


def _solve_planes(
    cls: type[DualArray],
    a: PlaneList | np.ndarray,
    b: PlaneList | np.ndarray,
    a0_inv: np.ndarray | None,
    x0: Any,
    solver: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """x with a x = b in the algebra as its stacked planes (zero where no product reaches
    them), given x0 = solve(a0, b0) and a0^-1 (or a solver of a0 y = r for a 2-d a0,
    e.g. a triangular or banded one); a and b plane lists, or stacks of every plane.

    a0 x_k = b_k - sum_{(i,j,k), i>0} a_i x_j, where x_j is always of a lower level than
    x_k (_solve_levels): level by level, all its products a_i x_j are one batched matmul,
    summed per plane, and all its planes one batched product with a0^-1 (one solver
    call on the planes side by side): no loop over planes.
    """
    planes = cls._planes
    a, b = a[:planes], b[:planes]
    # numpy.linalg.solve: b is a vector (stack) only when it is one-dimensional; here
    # every plane is a matrix (a vector one column), the stacks' axes aligned on the left
    vector = (b[0] if isinstance(b, np.ndarray) else next(p for p in b if p is not None)).ndim == 1
    x0 = np.asarray(x0)
    column = x0[..., None] if vector else x0

    def stack(given: PlaneList | np.ndarray, matrices: bool = True) -> np.ndarray:
        s = given if isinstance(given, np.ndarray) else np.stack(given)
        s = s if matrices else s[..., None]
        return s.reshape(s.shape[:1] + (1,) * (column.ndim + 1 - s.ndim) + s.shape[1:])

    def solve0(rhs: np.ndarray) -> np.ndarray:  # a0^-1 rhs for a stack of planes
        if solver is None:
            with np.errstate(invalid="ignore"):
                product: np.ndarray = stack_matmul(np.asarray(a0_inv), rhs)
            if not _finite(product):  # an inf part against a0^-1's zeros: 0 (strong)
                product = strong_product(np.matmul, np.asarray(a0_inv), rhs)
            return product
        n, width = column.shape  # the planes side by side as one right-hand side's columns
        columns = np.asarray(solver(np.moveaxis(rhs, 0, 1).reshape(n, -1)))
        return np.moveaxis(columns.reshape(n, len(rhs), width), 1, 0)

    levels = _solve_levels(cls)  # type: ignore[arg-type]  # classes hash (mypy#11470)
    # b without parts (inv's identity, a plain b): rhs = -sum a_i x_j
    bare = not isinstance(b, np.ndarray) and all(p is None for p in b[1:])
    if _every_plane(a, planes) and (bare or _every_plane(b, planes)):
        # the common call: every product of every level, every plane live
        a_stack = stack(a)
        b_stack = None if bare else stack(b, not vector)
        dtype = np.result_type(column, a_stack, *([] if b_stack is None else [b_stack]))
        x = np.empty((planes, *column.shape), dtype=dtype)
        x[0] = column
        for level in levels:
            sums = _strong_matmul(a_stack[level.i_view], x[level.j_view])
            if not level.single:
                sums = np.add.reduceat(sums, level.starts, axis=0)
            rhs = np.negative(sums, out=sums) if b_stack is None else b_stack[level.ks_view] - sums
            x[level.ks_view] = solve0(rhs)
        return x[..., 0] if vector else x
    # planes of a or b missing (None: zero): the products that exist, the planes they reach
    a_list, b_list = list(a), list(b)
    have_a = np.array([p is not None for p in a_list] + [False] * (planes - len(a_list)))
    have_b = np.array([p is not None for p in b_list] + [False] * (planes - len(b_list)))
    a_stack = stack([p if p is not None else np.zeros_like(a_list[0]) for p in a_list])
    dtype = np.result_type(column, a_stack, *(p for p in b_list if p is not None))
    x = np.zeros((planes, *column.shape), dtype=dtype)
    x[0] = column
    known = np.zeros(planes, dtype=bool)
    known[0] = True
    for level in levels:
        ks = level.ks
        use = have_a[level.i] & known[level.j]
        live = have_b[ks].copy()
        rhs = np.zeros((len(ks), *column.shape), dtype=x.dtype)
        if live.any():
            rhs[live] = stack([b_list[k] for k in ks[live]], not vector)
        if use.any():
            terms = _strong_matmul(a_stack[level.i[use]], x[level.j[use]])
            position = np.searchsorted(ks, level.k[use])  # sorted: sums plane by plane
            starts = np.flatnonzero(np.r_[True, position[1:] != position[:-1]])
            rhs[position[starts]] -= np.add.reduceat(terms, starts, axis=0)
            live[position] = True
        if live.any():
            x[ks[live]] = solve0(rhs[live])
            known[ks[live]] = True
    return x[..., 0] if vector else x


def _strong_matmul(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """u @ v with an inf or nan against a zero entry a strong zero (strong_product),
    where the plain product is not finite: a part a_i = inf E_00 of a diagonal a times
    x_j's zeros (inv's x_0 = a0^-1) gave nan off the diagonal, exact 0."""
    with np.errstate(invalid="ignore"):
        product: np.ndarray = stack_matmul(u, v)
    if not _finite(product):
        product = strong_product(np.matmul, u, v)
    return product


# --- solve, inv, det, slogdet ------------------------------------------------
def _stack_of(x: Any, planes: PlaneList) -> PlaneList | np.ndarray:
    """A dual array's planes as its one stacked array (no copy), else the plane list."""
    return x._stack if isinstance(x, DualArray) else planes


@implements(np.linalg.solve)
def solve(a: Any, b: Any) -> Any:
    """x with a @ x = b; a's stacks broadcast as in numpy.linalg.solve."""
    cls = _kind_of("solve", a, b)
    if cls is None:
        return np.linalg.solve(a, b)
    pa, pb = planes_of(a, "solve"), planes_of(b, "solve")
    if pa[0].ndim < 2 or pa[0].shape[-1] != pa[0].shape[-2]:
        raise LinAlgError("solve: last 2 dimensions of the array must be square")
    x0 = np.linalg.solve(pa[0], pb[0])
    a_inv = np.linalg.inv(pa[0])
    return wrap(cls, _solve_planes(cls, _stack_of(a, pa), _stack_of(b, pb), a_inv, x0))


@implements(np.linalg.inv)
def inv(a: Any) -> Any:
    """The inverse of a (stacks of) square matrix."""
    cls = _kind_of("inv", a)
    if cls is None:
        return np.linalg.inv(a)
    _square(a, "inv")
    pa = planes_of(a, "inv")
    a_inv = np.linalg.inv(pa[0])
    if _small(a):
        return _small_inverse(cls, a, a_inv)
    identity = [np.eye(a.shape[-1], dtype=a.dtype)]  # (broadcasts to a's stack)
    return wrap(cls, _solve_planes(cls, _stack_of(a, pa), identity, a_inv, a_inv))


def _log_det_increment(cls: type[DualArray], pa: PlaneList, a0_inv: np.ndarray) -> Any:
    """tr log(I + M) = tr M - tr(M^2)/2 + ... - (-1)^d tr(M^d)/d with M = a0^-1 (a - a0),
    a dual scalar (stack) with a zero value plane. Exact: M^(d+1) = 0 for a kind of
    order d (2 but for Taylor kinds)."""
    m = linear(lambda p: stack_matmul(a0_inv, p), _perturbation(pa))
    mm = _mm(cls, m, m)

    def trace(p: Any) -> Any:
        return np.trace(p, axis1=-2, axis2=-1)

    series = add(linear(trace, m), linear(lambda p: 0.5 * trace(p), mm), sign=-1.0)
    power = mm
    for k in range(3, cls._order + 1):  # Taylor kinds of degree 3 and more
        power = _mm(cls, power, m)
        term = linear(lambda p, k=k: trace(p) / k, power)  # type: ignore[misc]
        series = add(series, term, sign=1.0 if k % 2 else -1.0)
    return wrap(cls, series)


def _well_conditioned_inverse(a0: np.ndarray, order: int = 2) -> np.ndarray | None:
    """a0^-1 when every matrix of the stack has a 1-norm condition number below
    eps^(-1/4) (8e3 in float64, 54 in float32), else None. Above it det(a0) a0^-1
    loses more than eps^(3/4) of the adjugate's digits to cancellation. A kind of
    order d > 2 (Taylor), whose d-th planes carry d factors a0^-1: below
    eps^(-1/(2 d)) (405 at d = 3, 6 at d = 10 in float64), an error of at most about
    eps^(1/2)."""
    try:
        a0_inv = np.linalg.inv(a0)
    except LinAlgError:
        return None
    if a0.shape[-1] == 0:
        return a0_inv

    def norm1(x: np.ndarray) -> Any:
        return np.max(np.sum(np.abs(x), axis=-2), axis=-1)

    with np.errstate(over="ignore", invalid="ignore"):
        condition = norm1(a0) * norm1(a0_inv)
    limit = np.finfo(a0.dtype).eps ** (-0.25 if order <= 2 else -0.5 / order)
    return a0_inv if np.all(condition <= limit) else None


def _cofactor_weights(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For singular values s (..., n): one_i = prod_{l != i} s_l and, off the
    diagonal, two_ij = prod_{l != i, j} s_l (two_ii = 0): products, no division,
    so they hold at zero singular values."""
    n = s.shape[-1]
    ones = np.ones_like(s[..., :1])
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)  # l < i
    reversed_s = np.flip(s, axis=-1)[..., :-1]
    after = np.flip(np.cumprod(np.concatenate([ones, reversed_s], axis=-1), axis=-1), axis=-1)
    one = before * after
    above = np.triu(np.ones((n, n), dtype=bool), 1)
    running = np.cumprod(np.where(above, s[..., np.newaxis, :], 1), axis=-1)  # prod_{i<l<=j}
    between = np.ones_like(running)  # between_ij = prod_{i<l<j} s_l for j > i
    between[..., 1:] = running[..., :-1]
    upper = np.where(above, before[..., :, np.newaxis] * between * after[..., np.newaxis, :], 0)
    return one, upper + _mT(upper)


def _det_through_svd(cls: type[DualArray], pa: PlaneList) -> PlaneList:
    """det(a) for any a0, singular ones included: with a0 = U diag(s) V^H and
    M = U^H (a - a0) V, det(a) = det(U) det(V^H) det(diag(s) + M), and as M^3 = 0
        det(diag(s) + M) = prod s + sum_i one_i M_ii
                           + sum_{i<j} two_ij (M_ii M_jj - M_ij M_ji)
    (_cofactor_weights): the adjugate and the second-order minors of a0, with no
    division by det(a0). A matrix with a non-finite entry (numpy's det: inf or nan)
    gets nan parts (_finite_stand_in: LAPACK's SVD may not return on it)."""
    value = np.linalg.det(pa[0])
    pa, broken = _finite_stand_in(pa)
    u, s, vh = np.linalg.svd(pa[0])
    phase = np.linalg.det(u) * np.linalg.det(vh)  # +-1, or a unit complex number
    one, two = _cofactor_weights(s)
    # all planes at once (the value plane is zero: M is the perturbation)
    m = _mH(u) @ _stacked(cls, _perturbation(pa)) @ _mH(vh)

    def first(x: np.ndarray) -> np.ndarray:
        result: np.ndarray = np.sum(one * np.diagonal(x, 0, -2, -1), axis=-1)
        return result

    def second(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # symmetric bilinear: second(M, M) is the sum over i < j above; a leading
        # plane axis of x and y broadcasts through (the batched form _bilinear takes)
        dx, dy = np.diagonal(x, 0, -2, -1), np.diagonal(y, 0, -2, -1)
        diagonal = np.einsum("...i,...ij,...j->...", dx, two, dy)
        result: np.ndarray = 0.5 * (diagonal - np.einsum("...ij,...ij,...ji->...", two, x, y))
        return result

    increment = phase * (first(m) + _bilinear(cls, second, second, m, m, strong=False))
    if broken is not None:
        increment = np.where(broken, np.nan, increment)
    return [value, *increment[1:]]


def _cofactors(a: DualArray, row: int) -> list[Any]:
    """Row `row` of the cofactors C_ij of a stack of 2 x 2 or 3 x 3 matrices, in the
    algebra (dual arrays of the stack's shape): (-1)^(i + j) times the minor without
    row i and column j."""
    n = a.shape[-1]

    def e(i: int, j: int) -> Any:
        return a[..., i, j]

    if n == 2:
        return [+e(1, 1), -e(1, 0)] if row == 0 else [-e(0, 1), +e(0, 0)]
    r0, r1 = (row + 1) % 3, (row + 2) % 3  # (cyclic: the signs built in)
    return [
        e(r0, (j + 1) % 3) * e(r1, (j + 2) % 3) - e(r0, (j + 2) % 3) * e(r1, (j + 1) % 3)
        for j in range(3)
    ]


def _expansion(a: DualArray, first: list[Any]) -> Any:
    """det of a stack of 2 x 2 or 3 x 3 matrices along its first row, given that row's
    cofactors."""
    d = a[..., 0, 0] * first[0]
    for j in range(1, a.shape[-1]):
        d = d + a[..., 0, j] * first[j]
    return d


def _small(a: Any) -> bool:
    """Whether a is a stack of 1 x 1 to 3 x 3 matrices, every plane finite: its det and
    inverse then run as polynomials (and one reciprocal) in the algebra. (A part that
    is not finite, sqrt'(0)'s, takes the general rules: their level products' strong
    zeros keep inf E_00's products with a0's zeros 0, where the adjugate's would be
    nan.)"""
    return isinstance(a, DualArray) and 1 <= a.shape[-1] <= 3 and _finite(a._read)


def _small_det(cls: type[DualArray], a: DualArray, value: Any) -> Any:
    """det of a stack of 1 x 1, 2 x 2 or 3 x 3 matrices as their polynomial in the
    algebra (the cofactor expansion along the first row, any kind and order: nothing to
    invert, singular matrices alike), the value numpy's. A stack of 5000 2 x 2
    HyperDualVec(6) (a finite-element energy's) took ~15 ms through inverses and
    traces of tiny matmuls, ~1 ms so."""
    d = +a[..., 0, 0] if a.shape[-1] == 1 else _expansion(a, _cofactors(a, 0))
    planes = d._stack.copy()
    planes[0] = value
    return cls._wrap(planes)


def _small_inverse(cls: type[DualArray], a: DualArray, value: np.ndarray) -> Any:
    """The inverse of a stack of 1 x 1 to 3 x 3 matrices as its adjugate over its
    determinant in the algebra (C_ji / det), the value numpy's inv (which raised for a
    singular one). 5000 2 x 2 HyperDualVec(6): 15 ms through the perturbation
    recurrences' tiny matmuls, ~2 so."""
    n = a.shape[-1]
    if n == 1:
        entries = [(1.0 / a[..., 0, 0])._stack]
    else:
        cofactors = [_cofactors(a, i) for i in range(n)]
        reciprocal = 1.0 / _expansion(a, cofactors[0])
        entries = [(cofactors[j][i] * reciprocal)._stack for i in range(n) for j in range(n)]
    planes = np.stack(entries, axis=-1).reshape(*entries[0].shape, n, n)
    planes[0] = value
    return cls._wrap(planes)


@implements(np.linalg.det)
def det(a: Any) -> Any:
    """The determinant, differentiable everywhere (singular matrices included). A
    well-conditioned value matrix: det(a0 + N) = det(a0) exp(tr log(I + a0^-1 N));
    an ill-conditioned or singular one: the adjugate and second-order minors from
    the SVD of a0 (_det_through_svd). The value is numpy's."""
    cls = _kind_of("det", a)
    if cls is None:
        return np.linalg.det(a)
    _square(a, "det")
    pa = planes_of(a, "det")
    if _small(a):
        return _small_det(cls, a, np.linalg.det(pa[0]))
    a0_inv = _well_conditioned_inverse(pa[0], cls._order)
    if a0_inv is None and cls._order > 2:
        raise TypeError(
            f"hyperdiff's numpy.linalg.det of a Taylor array of degree {cls._order} needs a "
            f"well-conditioned value matrix (1-norm condition number below eps^(-1/"
            f"{2 * cls._order})): at a singular or ill-conditioned one its rule (the "
            "adjugate and second-order minors) exists to degree 2; slogdet has no such limit"
        )
    if a0_inv is None:
        return wrap(cls, _det_through_svd(cls, pa))
    return np.linalg.det(pa[0]) * np.exp(_log_det_increment(cls, pa, a0_inv))


@implements(np.linalg.slogdet)
@not_holomorphic("numpy.linalg.slogdet")
def slogdet(a: Any) -> SlogdetResult:
    """(sign, log|det|); for real matrices the sign is a plain array (its derivative
    is zero), for complex ones a dual array of the phase det/|det|. At a singular
    value matrix numpy returns sign 0 and log|det| = -inf; log|det(a0 + tE)| has no
    derivative there (it tends to -inf as t -> 0), so those entries get nan parts."""
    cls = _kind_of("slogdet", a)
    if cls is None:
        return SlogdetResult(*np.linalg.slogdet(a))
    _square(a, "slogdet")
    pa = planes_of(a, "slogdet")
    sign, logabsdet = np.linalg.slogdet(pa[0])
    singular = sign == 0
    a0 = pa[0]
    if a.dtype.kind != "c" and _small(a):
        # log(det(a) / det(a0)) of the polynomial (_small_det; its value det(a0): 1,
        # exactly, and log 0), a singular one's divided by 1 (its parts nan below)
        det0 = np.where(singular, 1.0, np.linalg.det(a0))
        increment = np.log(_small_det(cls, a, det0) / det0)
    else:
        if np.any(singular):  # invert the others; the singular ones' parts become nan
            eye = np.eye(a0.shape[-1], dtype=a0.dtype)
            a0 = np.where(singular[..., np.newaxis, np.newaxis], eye, a0)
        increment = _log_det_increment(cls, pa, np.linalg.inv(a0))
    if np.any(singular):
        increment._stack[1:] = np.where(singular, np.nan, increment._stack[1:])
    if a.dtype.kind == "c":  # log det = log sign + log|det|: the phase moves too
        return SlogdetResult(sign * np.exp(1j * increment.imag), logabsdet + increment.real)
    return SlogdetResult(sign, logabsdet + increment)


# --- gauges and separation -------------------------------------------------------
def _distinct(
    values: np.ndarray,
    scale: np.ndarray,
    name: str,
    what: str,
    sensitive: bool = False,
    involved: np.ndarray | None = None,
) -> None:
    """A LinAlgError naming `name` where two of `values` (last axis) are equal within
    rounding (8 n eps scale: the computed values of an exactly repeated one, rounded
    into a float matrix, lie up to 3 n eps scale apart): there the ordered values and
    their vectors are not differentiable (a crossing), so no derivative would be right.
    sensitive: the parts divide by the gaps (the vectors' parts, the values' of order 2
    and up), so a gap below sqrt(eps) scale is refused too: the computed vectors of
    such a pair are turned within it by up to eps scale / gap, which puts rounding of
    order (eps scale)^2 / gap^3 into the values' second-order parts (1e-3 at gap 4e-10
    scale, tests/test_silent_eigh.py), more into the vectors' (svd at 1.6e-14 scale:
    15%, tests/test_silent_spectra.py). involved (..., n, n): the pairs that matter
    (all by default)."""
    n = values.shape[-1]
    if n < 2:
        return
    eps = np.finfo(values.real.dtype).eps
    relative = max(8 * n * eps, np.sqrt(eps)) if sensitive else 8 * n * eps
    tolerance = relative * np.asarray(scale)[..., np.newaxis, np.newaxis]
    gaps = np.abs(values[..., :, np.newaxis] - values[..., np.newaxis, :])
    repeated = (gaps <= tolerance) & ~np.eye(n, dtype=bool)
    if involved is not None:
        repeated &= involved
    if np.any(repeated):
        index = np.argwhere(repeated)[0]
        i, j = int(index[-2]), int(index[-1])
        first = values[tuple(index[:-2])]
        close = "closer than sqrt(eps) times the largest" if sensitive else "equal within rounding"
        raise LinAlgError(
            f"{name} of a dual array: the value matrix has repeated {what} "
            f"({first[i]!r} and {first[j]!r}, {close}), where they and "
            "their vectors are not differentiable, or not to float precision"
        )


def _repeated(values: np.ndarray, scale: Any, sensitive: bool) -> np.ndarray:
    """Which of `values` (last axis) equal another within _distinct's tolerance."""
    n = values.shape[-1]
    eps = np.finfo(values.real.dtype).eps
    relative = max(8 * n * eps, np.sqrt(eps)) if sensitive else 8 * n * eps
    tolerance = relative * np.asarray(scale)[..., np.newaxis, np.newaxis]
    gaps = np.abs(values[..., :, np.newaxis] - values[..., np.newaxis, :])
    result: np.ndarray = np.any((gaps <= tolerance) & ~np.eye(n, dtype=bool), axis=-1)
    return result


def _unit_phases(cls: type[DualArray], vectors: PlaneList, rows: np.ndarray) -> Any:
    """Unit phases (a dual array (..., 1, k), value 1) that keep the entry in row
    rows[..., j] of each column of a complex matrix (planes) real, as it is in the
    value: LAPACK's gauge (numpy's eigh makes the first (UPLO='L') or last ('U') entry
    real, svd the first of V (m >= n) or of U (m < n), eig the largest). Multiplied
    in, the parts are the derivatives of numpy's own vectors. None for real ones."""
    x = wrap(cls, vectors)
    if x.dtype.kind != "c":
        return None
    z: Any = np.take_along_axis(x, rows[..., np.newaxis, :], axis=-2)
    sign = np.where(z.value.real < 0, -1.0, 1.0)
    phase = np.conjugate(z) / np.abs(z) * sign
    phase._stack[0] = 1.0
    return phase


def _times_columns(cls: type[DualArray], planes: PlaneList, factor: Any, k: int) -> PlaneList:
    """The first k columns of a matrix (planes) times factor (..., 1, k) in the algebra."""
    x = wrap(cls, planes)
    data = x._stack.copy()
    data[..., :k] = (x[..., :k] * factor)._stack
    return list(data)


def _real_entries(cls: type[DualArray], vectors: PlaneList, rows: np.ndarray) -> PlaneList:
    """The vectors in numpy's gauge (see _unit_phases), value planes unchanged."""
    phase = _unit_phases(cls, vectors, rows)
    if phase is None:
        return vectors
    out = _times_columns(cls, vectors, phase, rows.shape[-1])
    out[0] = vectors[0]
    return out


def _exp_nilpotent(cls: type[DualArray], k: PlaneList, eye: np.ndarray) -> PlaneList:
    """exp(K) = I + K + K^2/2, exact for K with a zero value plane (K^3 = 0); unitary
    for an anti-Hermitian K."""
    return add(add([eye], k), linear(lambda p: 0.5 * p, _mm(cls, k, k)))


def _eye(n: int, like: np.ndarray, dtype: Any = None) -> np.ndarray:
    return np.broadcast_to(np.eye(n, dtype=dtype or like.dtype), (*like.shape[:-2], n, n))


# --- Hermitian eigenproblem ----------------------------------------------------------
def _symmetric_planes(a: DualArray, uplo: str) -> PlaneList:
    """The planes of the Hermitian (real: symmetric) matrix numpy's eigh/cholesky read:
    one triangle, and the real part of the diagonal (LAPACK ignores its imaginary
    part)."""
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return [a._stack[0], *(_hermitian_from(p, uplo) for p in a._stack[1:])]


def _hermitian_from(p: np.ndarray, uplo: str) -> np.ndarray:
    """The Hermitian matrix of p's strict triangle uplo and its real diagonal."""
    strict = np.tril(p, -1) if uplo == "L" else np.triu(p, 1)
    diagonal = np.eye(p.shape[-1], dtype=p.real.dtype) * p.real
    result: np.ndarray = strict + _mH(strict) + diagonal
    return result


def _eigh_planes(
    cls: type[DualArray], a: DualArray, uplo: str, check: bool = True, vectors: bool = True
) -> tuple[PlaneList, PlaneList]:
    """(eigenvalues, eigenvectors) planes; vectors=False: the eigenvalues only, which
    need one sweep fewer (a rotation of order k moves them at order k + 1 only)."""
    w0, v0 = np.linalg.eigh(a._stack[0], UPLO=uplo)  # type: ignore[call-overload]  # (UPLO: a str)
    n = a.shape[-1]
    if check:
        scale = np.max(np.abs(w0), axis=-1, initial=0.0)
        sensitive = vectors or cls._order > 1
        _distinct(w0, scale, "numpy.linalg.eigh", "eigenvalues", sensitive)
    pa = _symmetric_planes(a, uplo)
    # in the eigenbasis of a0: b = diag(w0) + e
    e = linear(lambda p: stack_matmul(stack_matmul(_mH(v0), p), v0), _perturbation(pa))
    b = [np.zeros_like(v0) + np.eye(n, dtype=v0.dtype) * w0[..., None, :], *e[1:]]
    gap = w0[..., None, :] - w0[..., :, None]  # gap_ij = w_j - w_i
    gap[..., np.arange(n), np.arange(n)] = np.inf  # K_ii = 0
    eye = _eye(n, v0)
    w: PlaneList = [eye]
    c = b
    for _ in range(cls._order if vectors else cls._order - 1):
        c = _mm(cls, linear(_mH, w), _mm(cls, b, w))
        k = [None, *(None if p is None else p / gap for p in c[1:])]
        # K is anti-Hermitian (C is Hermitian): W = exp(K) stays unitary
        w = _mm(cls, w, _exp_nilpotent(cls, k, eye))
    c = _mm(cls, linear(_mH, w), _mm(cls, b, w))
    eigenvalues = [w0, *(None if p is None else np.diagonal(p, 0, -2, -1).real for p in c[1:])]
    # a matrix LAPACK gave nan eigenvalues (an inf entry): its parts nan, not the
    # finite numbers its arbitrary vectors make
    failed = ~np.isfinite(w0).all(axis=-1)
    if failed.any():
        eigenvalues = _nan_where(failed, eigenvalues)
    if not vectors:
        return eigenvalues, []
    eigenvectors = linear(lambda p: stack_matmul(v0, p), w)
    eigenvectors[0] = v0
    if failed.any():
        eigenvectors = _nan_where(failed, eigenvectors)
    if v0.dtype.kind == "c":  # numpy's gauge: the first (L) or last (U) entry real
        rows = np.full(w0.shape, 0 if uplo == "L" else n - 1)
        eigenvectors = _real_entries(cls, eigenvectors, rows)
        eigenvectors[0] = v0
    return eigenvalues, eigenvectors


@implements(np.linalg.eigh)
@not_holomorphic("numpy.linalg.eigh")
def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of a real symmetric or complex
    Hermitian matrix, from the triangle UPLO as numpy reads it. The eigenvalues must
    be distinct (a LinAlgError where two are equal within rounding: the eigenvectors
    are not differentiable there). Gauge: real matrices, numpy's signs (locally
    constant); complex ones, numpy's phases, which make the first entry of each
    eigenvector real (UPLO='L'; the last for 'U'), and the parts are the derivatives
    of vectors kept so (those of numpy's own output)."""
    cls = _kind_of("eigh", a)
    if cls is None:
        return EighResult(*np.linalg.eigh(a, UPLO=UPLO))  # type: ignore[call-overload]  # (a str)
    _square(a, "eigh")
    values, vectors = _eigh_planes(cls, a, UPLO)
    return EighResult(wrap(cls, values), wrap(cls, vectors))


def _symmetric_2x2(a: Any) -> bool:
    """Whether eigvalsh of a takes the closed form: a real dual stack of 2 x 2
    matrices, every plane finite (_small)."""
    return (
        isinstance(a, DualArray)
        and a.ndim >= 2
        and a.shape[-2:] == (2, 2)
        and a.dtype.kind != "c"
        and _small(a)
    )


def _eigvalsh(a: DualArray, uplo: str = "L", check: bool = True) -> Any:
    if check and _symmetric_2x2(a):
        return _eigvalsh_2x2(a, uplo)
    values = wrap(type(a), _eigh_planes(type(a), a, uplo, check, vectors=False)[0])
    values._stack[0] = np.linalg.eigvalsh(a._stack[0], UPLO=uplo)  # type: ignore[call-overload]
    return values


def _eigvalsh_2x2(a: DualArray, uplo: str) -> Any:
    """The eigenvalues of a stack of real symmetric 2 x 2 matrices [[p, b], [b, q]]
    (b from the triangle uplo), ascending, as m -+ sqrt(h^2 + b^2) with m = (p + q) / 2,
    h = (p - q) / 2, in the algebra (any kind and order), the value numpy's. Repeated
    ones are refused first, as the general rule's (sqrt' would be infinite there). A
    stack of 5000 HyperDualVec(6) (a hyperelastic model's principal stretches) took 45
    ms through the rotations' products of tiny matrices."""
    cls = type(a)
    w0 = np.linalg.eigvalsh(a._stack[0], UPLO=uplo)  # type: ignore[call-overload]
    scale = np.max(np.abs(w0), axis=-1, initial=0.0)
    _distinct(w0, scale, "numpy.linalg.eigh", "eigenvalues", cls._order > 1)
    p, q = a[..., 0, 0], a[..., 1, 1]
    b = a[..., 1, 0] if uplo == "L" else a[..., 0, 1]
    mean, half = (p + q) / 2, (p - q) / 2
    radius = np.sqrt(half * half + b * b)
    values: DualArray = np.stack([mean - radius, mean + radius], axis=-1)  # type: ignore[assignment]
    planes = values._stack.copy()
    planes[0] = w0
    return cls._wrap(planes)


@implements(np.linalg.eigvalsh)
@not_holomorphic("numpy.linalg.eigvalsh")
def eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """The eigenvalues of a symmetric or Hermitian matrix (ascending); see eigh. Real
    2 x 2 ones in closed form, at any degree (_eigvalsh_2x2)."""
    if _symmetric_2x2(a) and UPLO in ("L", "U"):
        return _eigvalsh_2x2(a, UPLO)
    cls = _kind_of("eigvalsh", a)
    if cls is None:
        return np.linalg.eigvalsh(a, UPLO=UPLO)  # type: ignore[call-overload]  # (UPLO: a str)
    _square(a, "eigvalsh")
    return _eigvalsh(a, UPLO)


# --- singular value decomposition -----------------------------------------------
# For a tall A (m >= n; a wide one is handled as A^H) with A0 = U0 S0 V0^H (U0 m x m),
# B = U0^H A V0 = S0 + E. Rotations P = exp(Ku), Q = exp(Kv) (anti-Hermitian K) make
# C = P^H B Q diagonal, one order per sweep as in eigh: off the diagonal
#     C_ij - Ku_ij s_j + s_i Kv_ij = 0 and its (j, i) mirror, so for i != j < n
#     Ku_ij = (s_j C_ij + s_i conj(C_ji)) / (s_j^2 - s_i^2),
#     Kv_ij = (s_i C_ij + s_j conj(C_ji)) / (s_j^2 - s_i^2),
# and Ku_ij = C_ij / s_j for the rows i >= n of U's complement; on the diagonal (complex
# A) Ku_ii = i Im(C_ii) / s_i keeps C_ii real. Then s = diag(C), U = U0 P, V = V0 Q,
# and a phase per column pair restores numpy's gauge (_unit_phases). Without the full
# U (full_matrices=False, values only) _svd_thin_planes does the same in O(m n^2).
class SVDResult(NamedTuple):
    U: Any
    S: Any
    Vh: Any


def _svd_planes(
    cls: type[DualArray],
    pa: PlaneList,
    u0: np.ndarray,
    s0: np.ndarray,
    v0: np.ndarray,
    selected: np.ndarray,
    sweeps: int,
) -> tuple[PlaneList, PlaneList, PlaneList]:
    """(U, s, V) planes for a tall A (m >= n) from an SVD u0 (m x m), s0, v0 (n x n,
    V itself) of its value. Only the singular values in `selected` (..., n) (and all
    vectors when every one is) are differentiated: they must be simple and nonzero."""
    m, n = pa[0].shape[-2:]
    dtype = np.result_type(*(p for p in pa if p is not None), u0)
    s0 = s0.astype(dtype.type(0).real.dtype, copy=False)
    rectangular = np.zeros((*s0.shape[:-1], m, n), dtype=dtype)
    rectangular[..., np.arange(n), np.arange(n)] = s0
    e = linear(lambda p: stack_matmul(stack_matmul(_mH(u0), p), v0), _perturbation(pa))
    b = [rectangular, *e[1:]]
    eye_m, eye_n = _eye(m, u0, dtype), _eye(n, v0, dtype)
    p_rot: PlaneList = [eye_m]
    q_rot: PlaneList = [eye_n]
    s_i, s_j = s0[..., :, np.newaxis], s0[..., np.newaxis, :]
    couple = (selected[..., :, np.newaxis] | selected[..., np.newaxis, :]) & ~np.eye(n, dtype=bool)
    denominator = np.where(couple, s_j * s_j - s_i * s_i, np.inf)
    safe = np.where(selected, s0, np.inf)  # 1/safe: 0 for the others
    index = np.arange(n)
    for _ in range(sweeps):
        c = _mm(cls, _mm(cls, linear(_mH, p_rot), b), q_rot)
        stack = _stacked(cls, c)[1:]
        top = stack[..., :n, :n]
        mirror = _mH(top)  # conj(C_ji) at (i, j)
        ku = np.zeros((*stack.shape[:-2], m, m), dtype=dtype)
        ku[..., :n, :n] = (s_j * top + s_i * mirror) / denominator
        kv = (s_i * top + s_j * mirror) / denominator
        if m > n:  # the complement of U's first n columns
            lower = stack[..., n:, :] / safe[..., np.newaxis, :]
            ku[..., n:, :n] = lower
            ku[..., :n, n:] = -_mH(lower)
        if dtype.kind == "c":
            ku[..., index, index] = 1j * np.diagonal(top, 0, -2, -1).imag / safe
        p_rot = _mm(cls, p_rot, _exp_nilpotent(cls, [None, *ku], eye_m))
        q_rot = _mm(cls, q_rot, _exp_nilpotent(cls, [None, *kv], eye_n))
    c = _mm(cls, _mm(cls, linear(_mH, p_rot), b), q_rot)
    singular = [s0, *(None if p is None else np.diagonal(p, 0, -2, -1).real for p in c[1:])]
    u = linear(lambda p: stack_matmul(u0, p), p_rot)
    v = linear(lambda p: stack_matmul(v0, p), q_rot)
    u[0], v[0] = u0, v0
    return u, singular, v


def _svd_thin_planes(
    cls: type[DualArray],
    pa: PlaneList,
    u0: np.ndarray,
    s0: np.ndarray,
    v0: np.ndarray,
    selected: np.ndarray,
    sweeps: int,
) -> tuple[PlaneList, PlaneList, PlaneList]:
    """_svd_planes for the thin SVD (u0 m x n, m >= n) in O(m n^2): the complement of
    U enters only through R = A V - U (U^H A V), which lies in it. With Z = R S^-1
    (= U2 Ku21), the first n columns of (U U2) exp(Ku) are
        U (I + K11 + (K11^2 - Z^H Z)/2) + Z (I + K11/2),
    exactly what _svd_planes computes with the m x m rotation."""
    n = pa[0].shape[-1]
    dtype = np.result_type(*(p for p in pa if p is not None), u0)
    s0 = s0.astype(dtype.type(0).real.dtype, copy=False)
    pa = [p if p is None else p.astype(dtype, copy=False) for p in pa]
    eye = _eye(n, v0, dtype)
    u: PlaneList = [u0.astype(dtype, copy=False)]
    v: PlaneList = [v0.astype(dtype, copy=False)]
    s_i, s_j = s0[..., :, np.newaxis], s0[..., np.newaxis, :]
    couple = (selected[..., :, np.newaxis] | selected[..., np.newaxis, :]) & ~np.eye(n, dtype=bool)
    denominator = np.where(couple, s_j * s_j - s_i * s_i, np.inf)
    safe = np.where(selected, s0, np.inf)  # 1/safe: 0 for the others
    index = np.arange(n)
    for _ in range(sweeps):
        av = _mm(cls, pa, v)
        c = _mm(cls, linear(_mH, u), av)
        stack = _stacked(cls, c)[1:]
        mirror = _mH(stack)  # conj(C_ji) at (i, j)
        ku = (s_j * stack + s_i * mirror) / denominator
        kv = (s_i * stack + s_j * mirror) / denominator
        if dtype.kind == "c":
            ku[..., index, index] = 1j * np.diagonal(stack, 0, -2, -1).imag / safe
        k11: PlaneList = [None, *ku]
        z = _perturbation(add(av, _mm(cls, u, c), sign=-1.0))
        z = linear(lambda p: p / safe[..., np.newaxis, :], z)
        inner = add(
            add([eye], k11),
            linear(
                lambda p: 0.5 * p, add(_mm(cls, k11, k11), _mm(cls, linear(_mH, z), z), sign=-1.0)
            ),
        )
        u = add(_mm(cls, u, inner), _mm(cls, z, add([eye], linear(lambda p: 0.5 * p, k11))))
        v = _mm(cls, v, _exp_nilpotent(cls, [None, *kv], eye))
    c = _mm(cls, linear(_mH, u), _mm(cls, pa, v))
    singular = [s0, *(None if p is None else np.diagonal(p, 0, -2, -1).real for p in c[1:])]
    u[0], v[0] = u0, v0
    return u, singular, v


def _check_singular(
    s0: np.ndarray, selected: np.ndarray, shape: tuple[int, ...], name: str, sensitive: bool
) -> None:
    """A LinAlgError naming `name` where a selected singular value is zero or equal to
    another (_distinct's rules; sensitive: the vectors or second-order parts are
    wanted): not differentiable there, or not to float precision."""
    scale = np.max(s0, axis=-1, initial=0.0)
    tolerance = max(shape[-2:]) * np.finfo(s0.dtype).eps * scale
    if np.any((s0 <= tolerance[..., np.newaxis]) & selected):
        raise LinAlgError(
            f"{name} of a dual array: the value matrix has a zero singular value (rank "
            "deficient), where the singular values and vectors are not differentiable"
        )
    involved = selected[..., :, np.newaxis] | selected[..., np.newaxis, :]
    _distinct(s0, scale, name, "singular values", sensitive, involved)


def _svd_dual(
    cls: type[DualArray], a: Any, full_matrices: bool, selected: np.ndarray | None, name: str
) -> tuple[PlaneList, PlaneList, PlaneList, np.ndarray, np.ndarray]:
    """(U, s, Vh) planes of a (numpy's layout for full_matrices) and numpy's u0, vh0.
    selected: the singular values to differentiate (None: all, and the vectors)."""
    pa = planes_of(a, "linalg.svd")
    broken = None
    if selected is not None:  # the values alone: numpy's call has no vectors
        pa, broken = _finite_stand_in(pa)
    u0, s0, vh0 = np.linalg.svd(pa[0], full_matrices=full_matrices)
    m, n = pa[0].shape[-2:]
    k = min(m, n)
    chosen = np.ones(s0.shape, dtype=bool) if selected is None else selected
    _check_singular(s0, chosen, pa[0].shape, name, selected is None or cls._order > 1)
    tall = m >= n
    left, right = (u0, _mH(vh0)) if tall else (_mH(vh0), u0)
    base = pa if tall else linear(_mH, pa)
    # the values alone need one sweep fewer (as eigh's)
    sweeps = cls._order if selected is None else cls._order - 1
    if left.shape[-1] == left.shape[-2] and m != n:  # full_matrices: the complement too
        u, singular, v = _svd_planes(cls, base, left, s0, right, chosen, sweeps)
    else:
        u, singular, v = _svd_thin_planes(cls, base, left, s0, right, chosen, sweeps)
    if selected is None:
        # numpy's gauge: V's first row real (m >= n), U's first row for m < n (the
        # tall problem's V); one phase per singular pair keeps A = U S V^H
        phase = _unit_phases(cls, [p[..., :, :k] for p in v], np.zeros(s0.shape, dtype=np.intp))
        if phase is not None:
            u, v = _times_columns(cls, u, phase, k), _times_columns(cls, v, phase, k)
    if not tall:
        u, v = v, u
    if not full_matrices:
        u = [p[..., :, :k] for p in u]
        v = [p[..., :, :k] for p in v]
    if broken is not None:
        singular = _nan_where(broken, singular)
    return u, singular, linear(_mH, v), u0, vh0


def _finite_stand_in(pa: PlaneList) -> tuple[PlaneList, np.ndarray | None]:
    """LAPACK's SVD with vectors may never return on a matrix with an infinite entry
    (numpy's values-only call, as svdvals, norm and cond make it, gives nan or inf).
    The planes with each stacked matrix whose value has a non-finite entry replaced
    by a stand-in (distinct nonzero singular values, zero parts), and a mask of those
    matrices (None where there is none): their parts are not numbers (_nan_where)."""
    broken = ~np.all(np.isfinite(pa[0]), axis=(-2, -1))
    if not np.any(broken):
        return pa, None
    m, n = pa[0].shape[-2:]
    stand_in = np.eye(m, n, dtype=pa[0].dtype) * np.arange(n, 0, -1)
    where = broken[..., np.newaxis, np.newaxis]
    value = np.where(where, stand_in, pa[0])
    return [value, *(np.where(where, 0, p) for p in pa[1:])], broken


def _nan_where(broken: np.ndarray, planes: PlaneList) -> PlaneList:
    """planes (a stack's vectors or matrices) with nan parts at the stacked matrices
    `broken` marks (a None part, a zero plane, too)."""
    value = planes[0]
    assert value is not None
    mask = broken.reshape(broken.shape + (1,) * (value.ndim - broken.ndim))
    return [
        value,
        *(np.where(mask, np.nan, np.zeros_like(value) if p is None else p) for p in planes[1:]),
    ]


@implements(np.linalg.svd)
@not_holomorphic("numpy.linalg.svd")
def svd(
    a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> Any:
    """numpy's SVD with the derivatives of its outputs, for real and complex matrices
    (stacks too). The singular values must be distinct and nonzero (a LinAlgError
    otherwise: they and the vectors are not differentiable there). Gauge: numpy's
    signs (real), and for complex matrices numpy's phases, which make the first row
    of V (m >= n) or of U (m < n) real; the parts are the derivatives of vectors kept
    so, that is of numpy's own output. With full_matrices=True and m != n the columns
    of the complement (beyond min(m, n)) are not unique: their parts hold the
    complement unrotated within itself (U_c^H dU_c = 0), which is numpy's derivative
    for a real complement of dimension 1 and a convention otherwise. hermitian=True
    runs numpy's own algorithm (eigh, signs moved into V) on the dual array."""
    cls = _kind_of("svd", a)
    if cls is None:
        return np.linalg.svd(a, full_matrices, compute_uv, hermitian)  # type: ignore[call-overload]
    # numpy's value (and checks)
    value = np.linalg.svd(a._stack[0], full_matrices, compute_uv, hermitian)  # type: ignore[call-overload]
    if hermitian:
        return _hermitian_svd(a, compute_uv, value)
    u, s, vh, _, _ = _svd_dual(
        cls,
        a,
        full_matrices and compute_uv,
        None if compute_uv else np.ones((*a.shape[:-2], min(a.shape[-2:])), dtype=bool),
        "numpy.linalg.svd",
    )
    if not compute_uv:
        s[0] = value
        return wrap(cls, s)
    u[0], s[0], vh[0] = value
    return SVDResult(wrap(cls, u), wrap(cls, s), wrap(cls, vh))


def _hermitian_svd(a: DualArray, compute_uv: bool, value: Any) -> Any:
    """numpy's hermitian=True SVD on the dual array: |eigenvalues| descending, the
    eigenvectors as U and, with the eigenvalues' signs, as V."""
    w: Any
    vectors: Any = None
    if compute_uv:
        w, vectors = eigh(a)
    else:
        w = _eigvalsh(a)
    _check_singular(
        np.abs(w.value),
        np.ones(w.shape, dtype=bool),
        a.shape,
        "numpy.linalg.svd(hermitian=True)",
        compute_uv or type(a)._order > 1,
    )
    sign = np.sign(w.value)
    order = np.argsort(np.abs(w.value), axis=-1)[..., ::-1]
    s: Any = np.take_along_axis(np.abs(w), order, axis=-1)
    if not compute_uv:
        s._stack[0] = value
        return s
    u: Any = np.take_along_axis(vectors, order[..., np.newaxis, :], axis=-1)
    sign = np.take_along_axis(sign, order, axis=-1)
    vh: Any = np.conjugate(np.swapaxes(u * sign[..., np.newaxis, :], -1, -2))
    u._stack[0], s._stack[0], vh._stack[0] = value
    return SVDResult(u, s, vh)


@implements(np.linalg.svdvals)
@not_holomorphic("numpy.linalg.svdvals")
def svdvals(x: Any, /) -> Any:
    """The singular values, descending (numpy.linalg.svd(x, compute_uv=False))."""
    return svd(x, compute_uv=False)


# --- general eigenproblem -----------------------------------------------------------
# A0 = V0 diag(w0) V0^-1 with distinct eigenvalues; B = V0^-1 A V0 = diag(w0) + E.
# Similarities W = I + K, K_ij = C_ij / (w_j - w_i) (K_ii = 0), make C = W^-1 B W
# diagonal, one order per sweep; W^-1 = I - K + K^2 exactly (K^3 = 0). Then
# eigenvalues = diag(C), and the vectors V0 W scaled as numpy's (unit norm, the
# largest entry real).
class EigResult(NamedTuple):
    eigenvalues: Any
    eigenvectors: Any


def _eig_planes(
    cls: type[DualArray], pa: PlaneList, name: str, vectors: bool = True
) -> tuple[PlaneList, PlaneList]:
    w0, v0 = np.linalg.eig(pa[0])
    n = w0.shape[-1]
    v0_inv = np.linalg.inv(v0)
    # a non-normal matrix's computed eigenvalues are off by up to eps |A0| cond(V0)
    # (Bauer-Fike): a pair nearer than that is not told apart (a double eigenvalue came
    # out 3.5e-10 |w| apart). |A0|_F |V0^-1|_F bounds it without an SVD (unit columns:
    # cond(V0) <= |V0^-1|_F sqrt(n)) and covered all of 4000 exact doubles, where
    # |w|max in place of |A0|_F missed 8
    scale = np.linalg.norm(pa[0], axis=(-2, -1)) * np.linalg.norm(v0_inv, axis=(-2, -1))
    _distinct(w0, scale, name, "eigenvalues", vectors or cls._order > 1)
    e = linear(
        lambda p: stack_matmul(stack_matmul(v0_inv, p.astype(v0.dtype, copy=False)), v0),
        _perturbation(pa),
    )
    eye = _eye(n, v0)
    b = [eye * w0[..., np.newaxis, :], *e[1:]]
    gap = w0[..., np.newaxis, :] - w0[..., :, np.newaxis]  # gap_ij = w_j - w_i
    gap[..., np.arange(n), np.arange(n)] = np.inf
    w: PlaneList = [eye]
    w_inv: PlaneList = [eye]
    for _ in range(cls._order if vectors else cls._order - 1):
        c = _mm(cls, w_inv, _mm(cls, b, w))
        k = [None, *(None if p is None else p / gap for p in c[1:])]
        w = _mm(cls, w, add([eye], k))
        w_inv = _mm(cls, add(add([eye], k, sign=-1.0), _mm(cls, k, k)), w_inv)
    c = _mm(cls, w_inv, _mm(cls, b, w))
    values = [w0, *(None if p is None else np.diagonal(p, 0, -2, -1) for p in c[1:])]
    if not vectors:
        return values, []
    x = wrap(cls, linear(lambda p: stack_matmul(v0, p), w))
    # numpy's (LAPACK's geev) normalization: unit 2-norm, the largest entry real
    # (LAPACK zeroes its imaginary part exactly: pick the largest among the real ones)
    x = x / np.sqrt(
        np.sum((x * np.conjugate(x)).real if x.dtype.kind == "c" else x * x, axis=-2, keepdims=True)
    )
    columns = list(x._stack)
    if v0.dtype.kind == "c":
        rows = np.argmax(np.where(v0.imag == 0, np.abs(v0), -1.0), axis=-2)
        columns = _real_entries(cls, columns, rows)
    columns[0] = v0
    return values, columns


@implements(np.linalg.eig)
def eig(a: Any) -> EigResult:
    """Eigenvalues and right eigenvectors of a square matrix, real or complex, as numpy
    returns them (complex where numpy's are). The eigenvalues must be distinct (a
    LinAlgError naming numpy.linalg.eig otherwise: a repeated eigenvalue and its
    vectors are not differentiable). The vectors follow numpy's normalization (unit
    2-norm, and for complex ones the largest entry real, LAPACK's geev convention),
    so the parts are the derivatives of numpy's own output."""
    cls = _kind_of("eig", a)
    if cls is None:
        return EigResult(*np.linalg.eig(a))
    _square(a, "eig")
    pa = planes_of(a, "linalg.eig")
    values, vectors = _eig_planes(cls, pa, "numpy.linalg.eig")
    return EigResult(wrap(cls, values), wrap(cls, vectors))


@implements(np.linalg.eigvals)
def eigvals(a: Any) -> Any:
    """The eigenvalues of a square matrix (numpy's values and order); see eig."""
    cls = _kind_of("eigvals", a)
    if cls is None:
        return np.linalg.eigvals(a)
    _square(a, "eigvals")
    pa = planes_of(a, "linalg.eigvals")
    value = np.linalg.eigvals(pa[0])
    values = _eig_planes(cls, pa, "numpy.linalg.eigvals", vectors=False)[0]
    # numpy's eigvals (no vectors) may order them otherwise than eig: match by value
    order = np.argmin(np.abs(value[..., :, np.newaxis] - values[0][..., np.newaxis, :]), axis=-1)
    result = wrap(cls, [np.take_along_axis(p, order, axis=-1) for p in values])
    result._stack[0] = value
    return result


# --- triangular factorizations -------------------------------------------------
def _half_lower(s: np.ndarray) -> np.ndarray:
    """Phi(S): the strict lower triangle plus half the diagonal (Phi(S) + Phi(S)^T = S)."""
    return np.tril(s, -1) + 0.5 * np.tril(np.triu(s))


def _triangular_correction(cls: type[DualArray], p: PlaneList) -> PlaneList:
    """Lower-triangular Q, zero value, with (I + Q)(I + Q)^T = I + P (P symmetric)."""
    q: PlaneList = [None] * len(p)
    for _ in range(cls._order):
        q = linear(_half_lower, add(p, _mm(cls, q, linear(_mH, q)), sign=-1.0))
    return q


@implements(np.linalg.cholesky)
@not_holomorphic("numpy.linalg.cholesky")
def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """Cholesky factor L (a = L L^T) of a symmetric positive definite matrix; with
    upper=True the factor U = L^T (a = U^T U). Like numpy, it reads the lower
    triangle of a, or the upper one for upper=True."""
    cls = _kind_of("cholesky", a)
    if cls is None:
        return np.linalg.cholesky(a, upper=upper) if upper else np.linalg.cholesky(a)
    _square(a, "cholesky")
    if upper:
        l0 = _mH(np.linalg.cholesky(a._stack[0], upper=True))
    else:
        l0 = np.linalg.cholesky(a._stack[0])
    l0_inv = np.linalg.inv(l0)
    symmetric = _symmetric_planes(a, "U" if upper else "L")
    p = linear(
        lambda s: stack_matmul(stack_matmul(l0_inv, s), _mH(l0_inv)), _perturbation(symmetric)
    )
    q = _triangular_correction(cls, p)
    factor = [l0, *linear(lambda s: stack_matmul(l0, s), q)[1:]]
    return wrap(cls, linear(_mH, factor) if upper else factor)


@implements(np.linalg.qr)
@not_holomorphic("numpy.linalg.qr")
def qr(a: Any, mode: str = "reduced") -> Any:
    """QR of an m x n matrix with m >= n and full column rank, modes 'reduced' and
    'r'. R keeps the signs of numpy's diagonal; the parts follow from
    R^T R = A^T A and Q = A R^-1."""
    cls = _kind_of("qr", a)
    if cls is None:
        return np.linalg.qr(a, mode=mode)  # type: ignore[call-overload]  # (mode: a str)
    if mode not in ("reduced", "r"):
        raise TypeError(
            f"hyperdiff does not support numpy.linalg.qr with mode={mode!r} on dual arrays "
            "(the completed Q is not a differentiable function of A); use 'reduced' or 'r'"
        )
    m, n = a.shape[-2:]
    if m < n:
        raise TypeError("hyperdiff supports numpy.linalg.qr of dual arrays with m >= n only")
    pa = planes_of(a, "qr")
    q0, r0 = np.linalg.qr(pa[0])
    r0_inv = np.linalg.inv(r0)
    gram = _mm(cls, linear(_mH, pa), pa)
    # (I + U)^T (I + U) = I + P with U upper triangular: the transposed Cholesky problem
    p = linear(lambda s: stack_matmul(stack_matmul(_mH(r0_inv), s), r0_inv), _perturbation(gram))
    u = linear(_mH, _triangular_correction(cls, p))
    r = [r0, *linear(lambda s: stack_matmul(s, r0), u)[1:]]
    if mode == "r":
        return wrap(cls, r)
    eye = np.broadcast_to(np.eye(n, dtype=r0.dtype), r0.shape)
    inverse = add(add([eye], u, sign=-1.0), _mm(cls, u, u))  # (I + U)^-1, U^3 = 0
    base = [q0, *linear(lambda s: stack_matmul(s, r0_inv), _perturbation(pa))[1:]]
    q = _mm(cls, base, inverse)
    q[0] = q0
    return QRResult(wrap(cls, q), wrap(cls, r))


# --- least squares and pseudo-inverse -------------------------------------------
# numpy cuts singular values at or below a cut-off (pinv: rtol * max(s); lstsq:
# rcond * max(s)) and returns the pseudo-inverse of the rank-k truncation
# A_k = U_k S_k V_k^T. With G = A^T A (A tall; a wide A is handled as A^T),
#     A_k^+ = V_k S_k^-1 U_k^T = G_k^+ A^T,   G_k^+ = V_k S_k^-2 V_k^T,
# an identity at every A, so it holds in the algebra. G_k^+ is the inverse of G on the
# span of its k largest eigenvalues: smooth where the kept and the dropped singular
# values are separated (s_k > s_k+1), which the strict cut-off guarantees unless a
# singular value lies exactly at it. In the eigenbasis V of the value, B = V^T G V =
# diag(s^2) + F; rotations W = exp(K), K_ij = C_ij / (w_j - w_i) for i kept and j
# dropped or the other way round (one order per sweep, as in eigh), make
# C = W^T B W block diagonal; then G_k^+ = (V W) [C_11^-1, 0; 0, 0] (V W)^T. Within
# each block nothing is rotated: repeated singular values are fine there.
_NO_VALUE: Any = np._NoValue  # numpy's marker of an argument not given


def _separated(
    singular: np.ndarray, cutoff: np.ndarray, relative: np.ndarray, name: str, exact: bool
) -> None:
    """A LinAlgError when a singular value lies at the cut-off: there the rank of the
    truncation jumps under a perturbation and the result is not differentiable.
    exact=False allows a few roundings (LAPACK's gelsd compares scaled copies).
    With a relative cut-off >= 1 every singular value is always cut: no jump."""
    tolerance = 0.0 if exact else 4 * np.finfo(singular.dtype).eps * cutoff
    at_cutoff = (np.abs(singular - cutoff) <= tolerance) & (relative[..., np.newaxis] < 1)
    if np.any(at_cutoff):
        raise LinAlgError(
            f"{name} of a dual array: a singular value of the value matrix lies at the "
            "cut-off (the relative cut-off times the largest singular value), where the "
            "rank of the truncated result jumps: it is not differentiable there; choose "
            "another rtol/rcond"
        )


def _block_diagonalize(
    cls: type[DualArray],
    gram: PlaneList,
    basis: np.ndarray,
    eigenvalues: np.ndarray,
    kept: np.ndarray,
) -> tuple[PlaneList, PlaneList]:
    """(Q, C) with Q orthogonal, Q0 = basis, C = Q^T G Q whose kept-dropped blocks
    vanish (to the kind's order); C0 = diag(eigenvalues), the eigenvalues of G0 in
    basis's column order."""
    n = eigenvalues.shape[-1]
    eye = np.broadcast_to(np.eye(n, dtype=basis.dtype), basis.shape)
    rotated = linear(
        lambda p: stack_matmul(stack_matmul(_mH(basis), p), basis), _perturbation(gram)
    )
    b = [eye * eigenvalues[..., np.newaxis, :], *rotated[1:]]
    coupled = kept[..., :, np.newaxis] != kept[..., np.newaxis, :]
    # gap_ij = w_j - w_i: nonzero across the cut (kept ones are larger), inf elsewhere
    gap = np.where(
        coupled, eigenvalues[..., np.newaxis, :] - eigenvalues[..., :, np.newaxis], np.inf
    )
    w: PlaneList = [eye]
    if np.any(coupled) and any(p is not None for p in b[1:]):
        for _ in range(cls._order):
            c = _mm(cls, linear(_mH, w), _mm(cls, b, w))
            k = [None, *(None if p is None else p / gap for p in c[1:])]
            # exp(K) = I + K + K^2/2 exactly, since K^3 = 0: W stays orthogonal
            w = _mm(cls, w, add(add([eye], k), linear(lambda p: 0.5 * p, _mm(cls, k, k))))
        c = _mm(cls, linear(_mH, w), _mm(cls, b, w))
        c[0] = b[0]
    else:
        c = b
    q = linear(lambda p: stack_matmul(basis, p), w)
    q[0] = basis
    return q, c


def _kept_inverse(
    cls: type[DualArray], q: PlaneList, c: PlaneList, eigenvalues: np.ndarray, kept: np.ndarray
) -> PlaneList:
    """G_k^+ = Q [C_11^-1, 0; 0, 0] Q^T from _block_diagonalize's (Q, C)."""
    n = eigenvalues.shape[-1]
    eye = np.broadcast_to(np.eye(n, dtype=q[0].dtype), q[0].shape)
    kept_block = kept[..., :, np.newaxis] & kept[..., np.newaxis, :]
    # [C_11, 0; 0, I]: invertible, its inverse [C_11^-1, 0; 0, I]; the I block is then cut
    restricted = [
        eye * np.where(kept, eigenvalues, 1)[..., np.newaxis, :],
        *(None if p is None else np.where(kept_block, p, 0) for p in c[1:]),
    ]
    diagonal = np.where(kept, 1 / np.where(kept, eigenvalues, 1), 0)
    restricted_inv = eye * diagonal[..., np.newaxis, :]
    solved = _solve_planes(cls, restricted, [eye], restricted_inv, restricted_inv)
    inverse = list(np.where(kept_block, solved, 0))
    return _mm(cls, q, _mm(cls, inverse, linear(_mH, q)))


def _truncation(a0: np.ndarray, hermitian: bool = False) -> tuple[bool, np.ndarray, np.ndarray]:
    """(tall, basis, s): numpy's SVD of a0 (as pinv calls it) and the eigenbasis of the
    Gram matrix of the shorter side (A^T A if tall, else A A^T)."""
    m, n = a0.shape[-2:]
    u, s, vt = np.linalg.svd(a0, full_matrices=False, hermitian=hermitian)
    tall = m >= n
    return tall, _mH(vt) if tall else u, s


@implements(np.linalg.lstsq)
def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple[Any, Any, Any, Any]:
    """(x, residuals, rank, s) as numpy's, for any shape and rank of a: x is the
    minimum-norm least-squares solution A_k^+ b of the rank-k truncation numpy
    solves (singular values <= rcond * max(s) cut), with its exact derivatives
    (x = G_k^+ A^T b, or A^T G_k^+ b for a wide a; G the Gram matrix of the shorter
    side). Differentiable unless a singular value of a lies at the cut-off
    (LinAlgError).

    - residuals: numpy returns them only for m > n and full rank; then they carry
      parts (sum of (b - a x)^2); otherwise numpy's empty plain array.
    - rank: numpy's int (locally constant).
    - s: a dual array of numpy's singular values. The kept ones carry their parts
      (nan/inf where two are equal: not differentiable); the cut ones carry nan parts
      when a has parts (numpy treats them as zero; at an exactly rank-deficient a they
      are not differentiable), zero parts when only b has parts.
    """
    cls = _kind_of("lstsq", a, b)
    if cls is None:
        return np.linalg.lstsq(a, b, rcond=rcond)
    pa, pb = planes_of(a, "lstsq"), planes_of(b, "lstsq")
    # numpy checks the shapes (and raises as numpy does)
    x0, numpy_residuals, rank, s0 = np.linalg.lstsq(pa[0], pb[0], rcond=rcond)
    m, n = pa[0].shape
    a_has_parts = len(pa) > 1
    if a_has_parts and min(m, n) > 0:
        # numpy solves in double precision (LAPACK's gelsd); gelsd's dlalsd takes
        # machine precision for an rcond outside (0, 1)
        eps = np.finfo(np.float64).eps
        relative = eps * max(m, n) if rcond is None else float(rcond)
        relative = relative if 0 < relative < 1 else eps
        _separated(s0, relative * s0[0], np.asarray(relative), "numpy.linalg.lstsq", False)
    x: PlaneList = [x0]
    singular_dual = wrap(cls, [s0])
    if min(m, n) > 0:
        tall, basis, singular = _truncation(pa[0])
        kept = np.arange(min(m, n)) < rank
        base = pa if tall else linear(_mH, pa)  # tall: base = A, else A^T
        gram = _mm(cls, linear(_mH, base), base)
        q, c = _block_diagonalize(cls, gram, basis, singular * singular, kept)
        inverse = _kept_inverse(cls, q, c, singular * singular, kept)
        if tall:
            x = _mm(cls, inverse, _mm(cls, linear(_mH, base), pb))
        else:
            x = _mm(cls, base, _mm(cls, inverse, pb))
        x[0] = x0
    x_dual = wrap(cls, x)
    residuals: Any = numpy_residuals
    if m > n and rank == n:
        r = b - a @ x_dual
        residuals = np.sum(_squared(r), axis=0).reshape(-1)
        residuals._stack[0] = numpy_residuals
    # the singular values: the eigenvalues of the kept block C_11 (square roots)
    if a_has_parts and min(m, n) > 0:
        kept_block = wrap(cls, [None if p is None else p[:rank, :rank] for p in c])
        with np.errstate(divide="ignore", invalid="ignore"):  # (repeated ones: below)
            kept_singular = np.sqrt(_eigvalsh(kept_block, check=False))[::-1]
        singular_dual._stack[1:, :rank] = kept_singular._stack[1:]
        singular_dual._stack[1:, rank:] = np.nan
        # kept values equal within rounding (_distinct's rule) are not differentiable:
        # eigvalsh unchecked gives them the diagonal of the block in an arbitrary basis
        # of their eigenspace (finite and wrong) at first order, nan or inf beyond
        singular_dual._stack[1:, :rank] = np.where(
            _repeated(s0[:rank], s0[0], cls._order > 1), np.nan, singular_dual._stack[1:, :rank]
        )
    if m == n and rank == n:  # x = solve(a, b): holomorphic in a (b: always); s is not
        checked = not_holomorphic_result("numpy.linalg.lstsq's s", (a,), singular_dual)
        return x_dual, residuals, rank, checked
    name = "numpy.linalg.lstsq of a rectangular or singular matrix"
    result: tuple[Any, Any, Any, Any] = (x_dual, residuals, rank, singular_dual)
    return cast("tuple[Any, Any, Any, Any]", not_holomorphic_result(name, (a,), result))


@implements(np.linalg.pinv)
def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _NO_VALUE) -> Any:
    """numpy's pseudo-inverse, V_k S_k^-1 U_k^T with the singular values at or below
    the cut-off (rtol or rcond times the largest) cut, and the exact derivatives of
    that truncated result (G_k^+ A^T, see above), for any rank. A LinAlgError where
    it is not differentiable: a singular value exactly at the cut-off. hermitian=True
    reads a's lower triangle, as numpy's eigh does (the other is not looked at)."""
    cls = _kind_of("pinv", a)
    kwargs: dict[str, Any] = {"rcond": rcond, "hermitian": hermitian}
    if rtol is not _NO_VALUE:
        kwargs["rtol"] = rtol
    if cls is None:
        return np.linalg.pinv(a, **kwargs)
    pa = planes_of(a, "pinv")
    value = np.linalg.pinv(pa[0], **kwargs)
    if pa[0].size == 0:
        return wrap(cls, [value])
    m, n = pa[0].shape[-2:]
    # numpy's relative cut-off (numpy.linalg.pinv's own rules)
    if rcond is not None:
        relative = rcond
    elif rtol is _NO_VALUE:
        relative = 1e-15
    elif rtol is None:
        relative = max(m, n) * np.finfo(value.dtype).eps
    else:
        relative = rtol
    relative = np.asarray(relative)
    if hermitian:  # numpy's value is the pseudo-inverse of a's lower triangle made
        # Hermitian (its eigh reads no more): so are the parts, of every plane's
        pa = [_hermitian_from(p, "L") for p in pa]
    tall, basis, singular = _truncation(pa[0], hermitian)
    cutoff = relative[..., np.newaxis] * np.amax(singular, axis=-1, keepdims=True)
    _separated(singular, cutoff, relative, "numpy.linalg.pinv", exact=True)
    kept = singular > cutoff
    base = pa if tall else linear(_mH, pa)  # pinv(A) = pinv(A^T)^T
    gram = _mm(cls, linear(_mH, base), base)
    q, c = _block_diagonalize(cls, gram, basis, singular * singular, kept)
    inverse = _kept_inverse(cls, q, c, singular * singular, kept)
    x = _mm(cls, inverse, linear(_mH, base)) if tall else _mm(cls, base, inverse)
    x[0] = value
    if m == n and not hermitian and np.all(kept):  # inv(A): holomorphic
        return wrap(cls, x)
    name = "numpy.linalg.pinv of a rectangular or singular matrix"
    return not_holomorphic_result(name, (a,), wrap(cls, x))


# --- products and powers ----------------------------------------------------
@implements(np.linalg.matrix_power)
def matrix_power(a: Any, n: int) -> Any:
    """a**n by repeated squaring (n < 0: of the inverse)."""
    if not isinstance(a, DualArray):
        return np.linalg.matrix_power(a, n)
    _square(a, "matrix_power")
    if n < 0:
        a, n = inv(a), -n
    if n == 3:  # numpy's own order for n = 3
        return (a @ a) @ a
    result: Any = None
    power = a
    while n:
        if n & 1:
            result = power if result is None else result @ power
        n >>= 1
        if n:
            power = power @ power
    if result is None:
        data = np.zeros_like(a._stack)
        data[0] = np.eye(a.shape[-1], dtype=a.dtype)
        return type(a)._wrap(data)
    return result


def _chain_order(shapes: list[tuple[int, ...]]) -> np.ndarray:
    """numpy.linalg.multi_dot's split points: the cheapest parenthesization by
    dynamic programming, ties to the first split, as numpy breaks them."""
    count = len(shapes)
    sizes = [s[0] for s in shapes] + [shapes[-1][1]]
    cost = np.zeros((count, count))
    split = np.zeros((count, count), dtype=np.intp)
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i, j] = np.inf
            for k in range(i, j):
                q = cost[i, k] + cost[k + 1, j] + sizes[i] * sizes[k + 1] * sizes[j + 1]
                if q < cost[i, j]:
                    cost[i, j], split[i, j] = q, k
    return split


def _chain_product(arrays: list[Any], split: np.ndarray, i: int, j: int) -> Any:
    if i == j:
        return arrays[i]
    k = int(split[i, j])
    return np.dot(_chain_product(arrays, split, i, k), _chain_product(arrays, split, k + 1, j))


@implements(np.linalg.multi_dot)
def multi_dot(arrays: Any, *, out: Any = None) -> Any:
    """The chained product with numpy's checks (at least two arrays; the first and
    the last may be 1-D, the others 2-D) and numpy's multiplication order, so the
    value is numpy's."""
    if out is not None:
        raise TypeError("hyperdiff does not support the argument out= of numpy.linalg.multi_dot")
    arrays = list(arrays)
    if not any(isinstance(x, DualArray) for x in arrays):
        return np.linalg.multi_dot(arrays)
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    if len(arrays) == 2:
        return np.dot(arrays[0], arrays[1])
    arrays = [x if isinstance(x, DualArray) else np.asanyarray(x) for x in arrays]
    first_ndim, last_ndim = arrays[0].ndim, arrays[-1].ndim
    if first_ndim == 1:
        arrays[0] = arrays[0].reshape(1, -1)
    if last_ndim == 1:
        arrays[-1] = arrays[-1].reshape(-1, 1)
    for x in arrays:
        if x.ndim != 2:
            raise LinAlgError(f"{x.ndim}-dimensional array given. Array must be two-dimensional")
    result = _chain_product(arrays, _chain_order([x.shape for x in arrays]), 0, len(arrays) - 1)
    if first_ndim == 1 and last_ndim == 1:
        return result[0, 0]
    if first_ndim == 1 or last_ndim == 1:
        return result.ravel()
    return result


# --- norms ---------------------------------------------------------------------
def _squared(x: Any) -> Any:
    """|x|^2 elementwise: x x, or Re(x conj(x)) for complex x (a real dual array)."""
    return (x * np.conjugate(x)).real if x.dtype.kind == "c" else x * x


def _dot_with_itself(x: DualArray) -> Any:
    """x . x for a real dual array x read as one vector: the value numpy's dot, the
    parts 2 x0 . x_k for every plane k plus, on a second-order plane, 2 x_a . x_b of
    the first-order planes, in one C++ pass over the planes (_core.self_dot_parts:
    each dot in 8 chains, vectorized; T6's norm of 1,326 planes 17 -> 13 us, where a
    GEMV, a Gram GEMM and numpy's take of its pairs ran before); planes it does not
    take (no kernel of their dtype) by the bilinear rule of np.dot."""
    cls = type(x)
    # (`_read`: the dot neither writes nor keeps the planes; a product's record of its
    # zero planes, which exposing them would drop, spares their dots: T6's norm)
    data = x._read
    if data.ndim < 2 or not data.flags.c_contiguous:  # (a scalar's, a view's: a copy)
        data = np.ascontiguousarray(data).reshape(cls._planes, -1)
    out = np.empty(cls._planes, dtype=data.dtype)
    first, table = _pair_table(cls)  # type: ignore[arg-type]  # classes hash (mypy#11470)
    if not _core.self_dot_parts(out, data, first, table):
        return np.dot(x.ravel(), x.ravel())
    value = data[0].ravel()
    out[0] = np.dot(value, value)  # numpy's own
    return cls._wrap(out)


def _vector_norm(x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    if axis is None:  # all elements as one vector: numpy takes sqrt(x . x)
        if ord not in (None, 2):
            return _vector_norm(x, ord, 0, False)
        if x.dtype.kind == "c":
            return np.sqrt(np.sum(_squared(x)))
        if not isinstance(x, TaylorArray):
            return np.sqrt(_dot_with_itself(x))
        return np.sqrt(np.dot(x.ravel(), x.ravel()))
    if ord is None or ord == 2:
        return np.sqrt(np.sum(_squared(x), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return np.max(abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return np.min(abs(x), axis=axis, keepdims=keepdims)
    if ord == 1:
        return np.sum(abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:  # a count: derivative zero
        count = np.sum(x.value != 0, axis=axis, keepdims=keepdims).astype(x.value.real.dtype)
        return wrap(type(x), [count])
    return np.sum(abs(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(x: Any, ord: Any, axis: tuple[int, int], keepdims: bool) -> Any:
    row, col = (a % x.ndim for a in axis)
    if ord in (None, "fro"):
        result = np.sqrt(np.sum(_squared(x), axis=(row, col)))
    elif ord in (1, -1, np.inf, -np.inf):
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = np.sum(abs(x), axis=summed)
        reduce = np.max if ord in (1, np.inf) else np.min
        result = reduce(sums, axis=other - 1 if other > summed else other)
    elif ord in (2, -2, "nuc"):
        moved = np.moveaxis(x, (row, col), (-2, -1))
        name = f"numpy.linalg.norm(ord={ord!r})"
        if ord == "nuc":
            result = _nuclear_norm(moved, name)
        else:
            singular = _singular_values(moved, "largest" if ord == 2 else "smallest", name)
            result = singular[..., 0] if ord == 2 else singular[..., -1]
    else:
        raise ValueError(f"invalid norm order {ord!r} for matrices")
    if keepdims:
        result = np.expand_dims(result, tuple(sorted((row, col))))
    return result


def _power(ord: Any) -> float:
    """The power a p-norm raises the entries to (2 for the 2-norm, Frobenius, nuclear,
    the max/min and 1-norms: they raise nothing, and 2 is the least)."""
    if ord is None or isinstance(ord, str) or not np.isfinite(ord):
        return 2.0
    return max(2.0, abs(float(ord)))


@implements(np.linalg.norm)
@not_holomorphic("numpy.linalg.norm")
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """numpy.linalg.norm with parts. The max/min norms differentiate the selected
    entry; the 2-norm of a matrix needs a simple largest singular value, 'nuc'
    nonzero singular values (where the norms are differentiable). The value is
    numpy's own."""
    if not isinstance(x, DualArray):
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    data = x._read  # (its dtype and order: no `_stack`, which would expose the planes)
    if ord is None and axis is None and data.dtype.kind == "f" and data.flags.c_contiguous:
        if not isinstance(x, TaylorArray):  # (numpy: sqrt(x.ravel() . x.ravel()), this dot)
            squares = _dot_with_itself(x)
            if in_range(np.sqrt(squares._read[0])):
                result = np.sqrt(squares)
                return result.reshape((1,) * x.ndim) if keepdims else result
    value = np.linalg.norm(x.value, ord=ord, axis=axis, keepdims=keepdims)  # (numpy's checks)
    result = None
    if ord != 0 and not in_range(value, _power(ord)):  # (ord 0 counts: not homogeneous)
        axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim)
        result = rescaled(x, axes, lambda y: _norm(y, ord, axis, keepdims), _power(ord))
        if result is None:
            result = _norm(x, ord, axis, keepdims)
        matrix = len(axes) == 2 and (axis is not None or ord is not None)
        result = _one_infinite_entry(x, ord, matrix, axes, result)
    if result is None:
        result = _norm(x, ord, axis, keepdims)
    result._stack[0] = value
    return result


def _one_infinite_entry(x: Any, ord: Any, matrix: bool, axes: tuple[int, ...], result: Any) -> Any:
    """A p-norm (p > 1: 2, Frobenius, ...) of a real slice with one infinite entry x_k
    and no nan: the limit as x_k grows, |x_k| (its parts sign(x_k) x_k', its second
    order 0: the other entries' weights (|x_i| / |x|)^(p-1) and the Hessian tend to 0),
    not inf / inf = nan. (p = 1 weighs every entry by its sign, and the max norm
    selects x_k: both are right as they are; two infinite entries have no limit.)"""
    if matrix:
        applies = ord in (None, "fro")
    else:
        applies = ord is None or (not isinstance(ord, str) and 1 < ord < np.inf)
    if not applies or x.dtype.kind != "f":
        return result
    values = x.value
    infinite = np.isinf(values)
    one = (np.sum(infinite, axis=axes, keepdims=True) == 1) & ~np.any(
        np.isnan(values), axis=axes, keepdims=True
    )
    if not np.any(one):
        return result
    entry = np.abs(np.sum(np.where(infinite & one, x, 0.0), axis=axes, keepdims=True))
    shape = np.shape(result)
    return np.where(one.reshape(shape), entry.reshape(shape), result)


def _singular_values(x: DualArray, which: str, name: str) -> Any:
    """The singular values of x (descending) as a dual array whose parts are right for
    the ones `which` names ("largest", "smallest", "extremes" or "all"): only those
    need to be simple and nonzero."""
    k = min(x.shape[-2:])
    selected = np.zeros((*x.shape[:-2], k), dtype=bool)
    if which in ("largest", "extremes", "all"):
        selected[..., 0] = True
    if which in ("smallest", "extremes", "all"):
        selected[..., -1] = True
    if which == "all":
        selected[...] = True
    return wrap(type(x), _svd_dual(type(x), x, False, selected, name)[1])


def _nuclear_norm(x: DualArray, name: str) -> Any:
    """The sum of the singular values, tr sqrt(G) with G = A^H A (A A^H if wide): smooth
    wherever A has full rank, repeated singular values included. The root X of
    X X = G by chord sweeps; in the eigenbasis V of X0 = V S V^H the Sylvester
    operator X0 Y + Y X0 is diagonal, Y_ij = R_ij / (s_i + s_j)."""
    cls = type(x)
    pa, broken = _finite_stand_in(planes_of(x, "linalg.norm"))
    m, n = pa[0].shape[-2:]
    wide = m < n
    u0, s0, vh0 = np.linalg.svd(pa[0], full_matrices=False)
    if s0.shape[-1]:
        scale = max(m, n) * np.finfo(s0.dtype).eps * s0[..., 0]
        if np.any(s0[..., -1] <= scale):
            raise LinAlgError(
                f"{name} of a dual array: the value matrix has a zero singular value (rank "
                "deficient), where the nuclear norm is not differentiable"
            )
    gram = _mm(cls, pa, linear(_mH, pa)) if wide else _mm(cls, linear(_mH, pa), pa)
    v = u0 if wide else _mH(vh0)
    x0 = (v * s0[..., np.newaxis, :]) @ _mH(v)
    pairs = s0[..., :, np.newaxis] + s0[..., np.newaxis, :]

    def solve(r: np.ndarray) -> np.ndarray:
        result: np.ndarray = v @ ((_mH(v) @ r @ v) / pairs) @ _mH(v)
        return result

    root = _chord(cls, x0, lambda y: add(gram, _mm(cls, y, y), sign=-1.0), solve)
    trace = linear(lambda p: np.trace(p, axis1=-2, axis2=-1).real, root)
    trace[0] = np.sum(s0, axis=-1)  # norm() puts numpy's value in
    if broken is not None:
        trace = [trace[0], *(np.where(broken, np.nan, p) for p in trace[1:])]
    return wrap(cls, trace)


@implements(np.linalg.matrix_norm)
@not_holomorphic("numpy.linalg.matrix_norm")
def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """numpy.linalg.matrix_norm: norm over the last two axes (see norm)."""
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


@implements(np.linalg.vector_norm)
@not_holomorphic("numpy.linalg.vector_norm")
def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    """numpy.linalg.vector_norm: the norm of the vectors along axis (all axes for
    None, several as one flattened axis); the value is numpy's."""
    if not isinstance(x, DualArray):
        return np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
    value = np.linalg.vector_norm(x.value, axis=axis, keepdims=keepdims, ord=ord)
    axes = tuple(range(x.ndim)) if axis is None else axis
    axes = normalize_axis_tuple(axes, x.ndim)  # (a negative axis, -1, as numpy's)
    kept = [a for a in range(x.ndim) if a not in axes]
    flat: Any = np.transpose(x, (*kept, *axes)).reshape(*(x.shape[a] for a in kept), -1)
    result = None
    if ord != 0 and not in_range(value, _power(ord)):
        result = rescaled(flat, (-1,), lambda y: _vector_norm(y, ord, -1, False), _power(ord))
        if result is None:
            result = _vector_norm(flat, ord, -1, False)
        result = _one_infinite_entry(flat, ord, False, (flat.ndim - 1,), result)
    if result is None:
        result = _vector_norm(flat, ord, -1, False)
    result = result.reshape(value.shape)
    result._stack[0] = value
    return result


@implements(np.linalg.cond)
@not_holomorphic("numpy.linalg.cond")
def cond(x: Any, p: Any = None) -> Any:
    """numpy.linalg.cond: s_max / s_min for p in (None, 2, -2) (only the extreme
    singular values need be simple and nonzero), else norm(x, p) norm(inv(x), p).
    The value is numpy's."""
    if not isinstance(x, DualArray):
        return np.linalg.cond(x, p)
    value = np.linalg.cond(x.value, p)
    if p in (None, 2, -2):
        singular = _singular_values(x, "extremes", "numpy.linalg.cond")
        first, last = singular[..., 0], singular[..., -1]
        result = last / first if p == -2 else first / last
    else:
        _square(x, "cond")
        axes = (-2, -1)
        result = norm(x, ord=p, axis=axes) * norm(inv(x), ord=p, axis=axes)
    result._stack[0] = value
    return result


@implements(np.linalg.matrix_rank)
def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """numpy.linalg.matrix_rank of the value: an integer, locally constant (no parts)."""
    value = A.value if isinstance(A, DualArray) else A
    tol = tol.value if isinstance(tol, DualArray) else tol
    return np.linalg.matrix_rank(value, tol, hermitian, rtol=rtol)


@implements(np.linalg.trace)
def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """numpy.linalg.trace: the trace over the last two axes (linear)."""
    return np.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


@implements(np.linalg.diagonal)
def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """numpy.linalg.diagonal: the diagonal of the last two axes (linear)."""
    return np.diagonal(x, offset, axis1=-2, axis2=-1)


def _norm(x: DualArray, ord: Any, axis: Any, keepdims: bool) -> Any:
    if axis is None:
        if ord is None:
            result = _vector_norm(x, None, None, False)  # (all elements, as one vector)
            return result.reshape((1,) * x.ndim) if keepdims else result
        if x.ndim == 1:
            return _vector_norm(x, ord, 0, keepdims)
        if x.ndim == 2:
            return _matrix_norm(x, ord, (0, 1), keepdims)
        raise ValueError("improper number of dimensions to norm")
    if isinstance(axis, int) or (isinstance(axis, tuple) and len(axis) == 1):
        axis = axis if isinstance(axis, int) else axis[0]
        return _vector_norm(x, ord, axis, keepdims)
    if isinstance(axis, tuple) and len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise ValueError("improper number of dimensions to norm")


# --- matrix exponential ------------------------------------------------------------
# Pade(13) coefficients and the scaling threshold of Higham (2005), "The scaling
# and squaring method for the matrix exponential revisited", as scipy uses.
_PADE13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152


def _power_of_two_scale(target: float, norm: np.ndarray) -> np.ndarray:
    """2^k with norm 2^k within a factor 2 of the target, for each norm: a plane scaled
    by it has about the target's size, exactly (a power of two). A zero or non-finite
    norm or target gets some power of two (its plane is zero, or the result nan)."""
    scale: np.ndarray = np.ldexp(1.0, math.frexp(target)[1] - np.frexp(norm)[1])
    return scale


def _expm_by_blocks(cls: type[DualArray], data: np.ndarray) -> np.ndarray:
    """expm's planes for a kind of order <= 2: the value and the first-order planes,
    the Frechet derivatives L(A, E_k), in one run of the value's algorithm
    (_expm_values with directions); the second-order planes from expm of block
    triangular matrices (Higham, Functions of Matrices, 3.2; Higham & Relton 2014):
      expm([[A, E, H], [0, A, F], [0, 0, A]]) has L(A, H) + T(E, F) as its top right block,
    and the part of e_a e_b is L(A, H) + T(E_a, E_b) + T(E_b, E_a) (both orders of the
    two perturbations). Each perturbation is scaled by a power of two to A's norm first,
    so the blocks need as many squarings as A (and the scale divides out exactly)."""
    first, pairs = layout(cls)  # type: ignore[arg-type]  # classes hash (mypy#11470)
    a = data[0]
    n = a.shape[-1]
    if data.shape[0] == 1 or a.size == 0:
        value = np.asarray(_expm_values(a))
        out = np.zeros((cls._planes, *value.shape), dtype=value.dtype)
        out[0] = value
        return out
    value, frechet = _expm_and_frechet(a, data[1 : 1 + first])
    assert frechet is not None  # (directions given)
    _frechet_of_non_finite_parts(a, data[1 : 1 + first], frechet)
    out = np.empty((cls._planes, *value.shape), dtype=value.dtype)
    out[0], out[1 : 1 + first] = value, frechet
    if len(pairs):
        parts = data.astype(value.dtype, copy=False)
        a = parts[0]
        # the largest 1-norm of the (stacked) matrices of each plane, A's first
        norms = np.abs(parts[: 1 + first]).sum(axis=-2).reshape(1 + first, -1).max(axis=1)
        scale = _power_of_two_scale(float(norms[0]), norms[1:])
        s = scale.reshape(-1, *(1,) * a.ndim)
        ia, ib = pairs[:, 0], pairs[:, 1]
        sa, sb = s[ia], s[ib]
        e_a, e_b = sa * parts[1 + ia], sb * parts[1 + ib]
        q = len(pairs)
        blocks = np.zeros((2 * q, *a.shape[:-2], 3 * n, 3 * n), dtype=value.dtype)
        for k in range(3):  # A on the diagonal
            blocks[..., k * n : (k + 1) * n, k * n : (k + 1) * n] = a
        blocks[:q, ..., :n, n : 2 * n] = e_a  # L(A, H) + T(E_a, E_b)
        blocks[:q, ..., n : 2 * n, 2 * n :] = e_b
        blocks[:q, ..., :n, 2 * n :] = sa * sb * parts[1 + first :]
        blocks[q:, ..., :n, n : 2 * n] = e_b  # T(E_b, E_a)
        blocks[q:, ..., n : 2 * n, 2 * n :] = e_a
        corners = _expm_values(blocks)[..., :n, 2 * n :]
        out[1 + first :] = (corners[:q] + corners[q:]) / (sa * sb)
    return out


def _reaches(a: np.ndarray) -> np.ndarray:
    """Whether i reaches j along A's nonzero entries (stacked): where not, expm(s A)'s
    entry (i, j) is 0 for every s by A's structure (a block triangular A)."""
    n = a.shape[-1]
    reach = (a != 0) | np.eye(n, dtype=bool)
    for _ in range(max(1, (n - 1).bit_length())):  # paths of length 2^k: n - 1 at most
        reach = np.matmul(reach.astype(np.int64), reach.astype(np.int64)) > 0
    return np.asarray(reach)


def _frechet_of_non_finite_parts(a: np.ndarray, directions: np.ndarray, out: np.ndarray) -> None:
    """L(A, E) where a direction E has inf or nan entries and A is finite, in place of
    the nan the algorithm gives: by linearity, L(A, E') + sum c L(A, e_km) over E's
    non-finite entries c at (k, m), E' the rest, each term c L(A, e_km)_ij 0 where it is
    0 by A's structure (i does not reach k or m does not reach j, _reaches: 0 c is 0
    there), else c times it (inf, or nan where L's entry is 0 by underflow, or c is nan).
    expm(diag(0.1, 0.3)) along diag(inf, 1) was all nan: its derivative diag(inf, e^0.3)."""
    bad = ~np.isfinite(directions)
    if not bad.any() or not np.isfinite(a).all():
        return  # (a non-finite A: scipy's value is nan, and so are its parts)
    finite = np.where(bad, 0, directions)
    out[...] = _expm_and_frechet(a, finite)[1]
    reach = _reaches(a)
    n = a.shape[-1]
    with np.errstate(invalid="ignore", over="ignore"):
        for index in zip(*np.nonzero(bad), strict=True):
            *where, k, m = (int(i) for i in index)
            batch = tuple(where[1:])
            unit = np.zeros((1, n, n), dtype=directions.dtype)
            unit[0, k, m] = 1
            matrix = np.ascontiguousarray(a[batch])
            frechet = _expm_and_frechet(matrix, unit.astype(matrix.dtype))[1]
            assert frechet is not None
            structural = reach[batch][:, k, None] & reach[batch][None, m, :]
            term = np.where(structural, directions[index] * frechet[0], 0)
            target = out[(where[0], *batch)]
            target += term


def _expm_values(a: np.ndarray) -> np.ndarray:
    return _expm_and_frechet(a, None)[0]


# The largest order whose expm runs in C++ (_core.expm_frechet: plain loops); beyond,
# the numpy path's BLAS calls cost more than their overhead.
_SMALL_EXPM = 8


def _expm_and_frechet(
    a: np.ndarray, directions: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """(expm(a), its Frechet derivatives along directions or None): small matrices by
    the C++ kernel of the numpy path's very steps (to rounding: its products are summed
    in index order, not BLAS's), the rest, and what the kernel declines (a non-finite
    norm, a singular Pade denominator), by the numpy path."""
    if (
        a.ndim >= 2
        and 0 < a.shape[-1] <= _SMALL_EXPM
        and a.dtype in _table.COMPONENT_DTYPES
        and a.flags.c_contiguous
        and (directions is None or (directions.dtype == a.dtype and directions.flags.c_contiguous))
    ):
        done = _core.expm_frechet(a, directions, _pade_sums(a.dtype), _THETA13)
        if done is not None:
            return done
    return _expm_and_frechet_numpy(a, directions)


def _expm_and_frechet_numpy(
    a: np.ndarray, directions: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """expm of plain (stacked) matrices: expm's scaling and squaring with the degree-13
    Pade approximant, on the values (the squarings from the largest 1-norm). The four
    sums of powers the approximant needs are one product of a 4 x 4 matrix of its
    coefficients with the stacked powers A^6, A^4, A^2, I, and W, V one more (on a 4x4
    matrix, 18 numpy calls where a sum of scaled powers at a time took 40).

    With directions (K, *a.shape): also the Frechet derivatives L(A, E_k) of this
    very algorithm, each step differentiated beside it (Al-Mohy & Higham 2009), as
    (expm(A), L), the value bit for bit expm's alone (no directions: L is None).
    Faster than expm of the 2n x 2n block matrices [[A, E], [0, A]] (T7a, 4x4)."""
    norm1 = float(np.abs(a).sum(axis=-2).max()) if a.size else 0.0
    if not math.isfinite(norm1):  # an inf or nan entry: scipy's value, nan (no squarings)
        parts = None if directions is None else np.full(directions.shape, np.nan, a.dtype)
        return np.full(a.shape, np.nan, a.dtype), parts
    squarings = max(0, math.ceil(math.log2(norm1 / _THETA13))) if norm1 > 0 else 0
    scaled = a / 2.0**squarings if squarings else a  # (a / 1 is a, a copy)
    powers = np.empty((4, *scaled.shape), dtype=scaled.dtype)  # A^6, A^4, A^2, I
    a6, a4, a2 = powers[0], powers[1], powers[2]
    np.matmul(scaled, scaled, out=a2)
    np.matmul(a2, a2, out=a4)
    np.matmul(a2, a4, out=a6)
    powers[3] = _identity(a.shape[-1], scaled.dtype)
    coefficients = _pade_sums(scaled.dtype)
    sums = (coefficients @ powers.reshape(4, -1)).reshape(powers.shape)  # S0, S2, S1, S3
    w, v = a6 @ sums[:2] + sums[2:]  # W = A^6 S0 + S1, V = A^6 S2 + S3
    u = scaled @ w
    q = v - u
    if directions is None:
        r = np.linalg.solve(q, v + u)
        for _ in range(squarings):
            r = r @ r
        return r, None
    e = directions / 2.0**squarings if squarings else directions
    d_powers = np.empty((3, *e.shape), dtype=np.result_type(e, scaled))  # d(A^6, A^4, A^2)
    d6, d4, d2 = d_powers[0], d_powers[1], d_powers[2]
    np.add(scaled @ e, e @ scaled, out=d2)
    np.add(a2 @ d2, d2 @ a2, out=d4)
    np.add(a2 @ d4, d2 @ a4, out=d6)
    d_sums = (coefficients[:, :3] @ d_powers.reshape(3, -1)).reshape(4, *e.shape)
    d_w, d_v = d6[None] @ sums[:2, None] + a6 @ d_sums[:2] + d_sums[2:]
    d_u = e @ w + scaled @ d_w
    # Q R = P with Q = V - U, P = V + U: dR = Q^-1 dP - (Q^-1 dQ) R, one solve of the
    # stacked right-hand sides (each solved alone, as LAPACK does: R's bits are kept)
    k = len(e)
    solved = np.linalg.solve(q, np.concatenate(((v + u)[None], d_v + d_u, d_v - d_u)))
    r = solved[0]
    d_r = solved[1 : 1 + k] - solved[1 + k :] @ r
    for _ in range(squarings):
        d_r = r @ d_r + d_r @ r
        r = r @ r
    return r, d_r


@functools.cache
def _identity(n: int, dtype: np.dtype) -> np.ndarray:
    identity = np.eye(n, dtype=dtype)
    identity.flags.writeable = False
    return identity


@functools.cache
def _pade_sums(dtype: np.dtype) -> np.ndarray:
    """The coefficients of the degree-13 approximant's U = A (A^6 S0 + S1) and
    V = A^6 S2 + S3 as rows S0, S2, S1, S3 over A^6, A^4, A^2, I."""
    b = _PADE13
    rows = np.array(
        [
            [b[13], b[11], b[9], 0.0],
            [b[12], b[10], b[8], 0.0],
            [b[7], b[5], b[3], b[1]],
            [b[6], b[4], b[2], b[0]],
        ],
        dtype=dtype,
    )
    rows.flags.writeable = False
    return rows


def expm(a: Any) -> Any:
    """The matrix exponential by scaling and squaring with a degree-13 Pade
    approximant (more squarings than scipy's, and closer to mpmath at large norms).
    Kinds of order <= 2 get the parts from the same algorithm on block triangular
    matrices (_expm_by_blocks: two batched calls); Taylor kinds run it in the algebra, so
    their parts are the exact derivatives of the computed value: d/dx expm(x A) =
    A expm(x A)."""
    a = admit(a)  # a matrix of dual scalars (np.r_, np.array of them): one dual array
    if not isinstance(a, DualArray):
        return _expm_values(np.asarray(a))
    cls = type(a)
    check_linalg("expm", cls, "hyperdiff.linalg.expm (scipy.linalg.expm's mirror)")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise LinAlgError("expm: last 2 dimensions of the array must be square")
    if not issubclass(cls, TaylorArray):
        return cls._wrap(_expm_by_blocks(cls, a._stack))
    planes = list(a._stack)
    a0 = planes[0]
    norm1 = np.max(np.sum(np.abs(a0), axis=-2)) if a0.size else 0.0
    squarings = max(0, int(np.ceil(np.log2(norm1 / _THETA13)))) if 0 < norm1 < np.inf else 0
    scaled = linear(lambda p: p / 2.0**squarings, planes)
    n = a0.shape[-1]
    eye = np.broadcast_to(np.eye(n, dtype=a0.dtype), a0.shape)
    b = _PADE13
    a2 = _mm(cls, scaled, scaled)
    a4 = _mm(cls, a2, a2)
    a6 = _mm(cls, a2, a4)

    def combo(*terms: tuple[float, PlaneList]) -> PlaneList:
        out: PlaneList = [None]
        for c, x in terms:
            out = add(out, linear(partial(np.multiply, c), x))
        return out

    u_inner = _mm(cls, a6, combo((b[13], a6), (b[11], a4), (b[9], a2)))
    u = _mm(cls, scaled, add(u_inner, combo((b[7], a6), (b[5], a4), (b[3], a2), (b[1], [eye]))))
    v_inner = _mm(cls, a6, combo((b[12], a6), (b[10], a4), (b[8], a2)))
    v = add(v_inner, combo((b[6], a6), (b[4], a4), (b[2], a2), (b[0], [eye])))
    p, q = add(v, u), add(v, u, sign=-1.0)
    q0_inv = np.linalg.inv(q[0])
    r = list(_solve_planes(cls, q, p, q0_inv, np.linalg.solve(q[0], p[0])))
    for _ in range(squarings):
        r = _mm(cls, r, r)
    return wrap(cls, r)


# --- scipy.linalg mirrors ------------------------------------------------------------
# scipy.linalg cannot dispatch to dual arrays (it converts its inputs to float arrays),
# so its differentiable functions are mirrored here with scipy's signatures. Values are
# scipy's own results on the value planes; the parts come from the same identities in
# the algebra as above. Plain arrays are passed to scipy unchanged.
def _scipy_linalg() -> Any:
    import scipy.linalg

    return scipy.linalg


# scipy.linalg's own functions, handed a dual array, raise a TypeError pointing here
SCIPY_LINALG_MIRRORS.update(
    dict.fromkeys(
        (
            "solve_triangular cho_factor cho_solve lu_factor lu_solve solve_banded "
            "solve_sylvester sqrtm logm expm"
        ).split(),
        "scipy's signature",
    )
)
SCIPY_LINALG_MIRRORS.update(
    dict.fromkeys(
        "solve inv det eig eigvals eigh eigvalsh svd cholesky qr lstsq pinv norm".split(),
        "numpy.linalg's signature",
    )
)


def _scipy_kind_of(name: str, *operands: Any) -> type[DualArray] | None:
    if not any(isinstance(x, DualArray) for x in operands):
        return None
    cls = common_kind(f"scipy.linalg.{name}", *operands)
    check_linalg(name, cls, f"hyperdiff.linalg.{name} (scipy.linalg.{name}'s mirror)")
    return cls


def _matrix(planes: PlaneList, name: str) -> None:
    if planes[0].ndim != 2 or planes[0].shape[0] != planes[0].shape[1]:
        raise ValueError(f"hyperdiff.linalg.{name} expects a square 2-d matrix")


def _solve_with(
    cls: type[DualArray],
    a: PlaneList,
    b: PlaneList,
    x0: np.ndarray,
    solver: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Any:
    """x with a x = b in the algebra (x0: the value, from scipy; solver: a0 y = r, by
    default through a0^-1)."""
    a = [a[0].astype(np.result_type(a[0], x0), copy=False), *a[1:]]
    a0_inv = np.linalg.inv(a[0]) if solver is None else None
    return wrap(cls, _solve_planes(cls, a, b, a0_inv, x0, solver))


def _sylvester_planes(a0: np.ndarray, b0: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Y with a0 Y + Y b0 = c for a stack c (planes, m, n) at once (Bartels-Stewart):
    complex Schur forms a0 = Za Ta Za^H, b0 = Zb Tb Zb^H, then column j of the
    triangular problem for every plane in one triangular solve,
        (Ta + Tb_jj I) y_j = c_j - sum_{k<j} y_k Tb_kj."""
    sl = _scipy_linalg()
    ta, za = sl.schur(a0.astype(complex), output="complex")
    tb, zb = (ta, za) if b0 is a0 else sl.schur(b0.astype(complex), output="complex")
    _, m, n = c.shape
    rotated = _mH(za) @ c @ zb  # (planes, m, n)
    y = np.zeros_like(rotated)
    eye = np.eye(m)
    for j in range(n):
        rhs = rotated[:, :, j] - y[:, :, :j] @ tb[:j, j]
        y[:, :, j] = sl.solve_triangular(ta + tb[j, j] * eye, rhs.T).T
    out: np.ndarray = za @ y @ _mH(zb)
    if not any(np.iscomplexobj(x) for x in (a0, b0, c)):
        return out.real
    return out


def _chord(
    cls: type[DualArray],
    x0: np.ndarray,
    residual: Callable[[PlaneList], PlaneList],
    solve: Callable[[np.ndarray], np.ndarray],
) -> PlaneList:
    """The X with residual(X) = 0 in the algebra, X's value x0, where residual's
    derivative in X at x0 is -S and solve(R) = S^-1 R for a stack of planes (here S is
    a Sylvester operator Y -> a0 Y + Y b0): chord sweeps X += S^-1 residual(X), each
    exact to one more order."""
    x: PlaneList = [x0]
    for _ in range(cls._order):
        r = _stacked(cls, residual(x))[1:]
        if not np.any(r):
            break
        step = solve(r).astype(np.result_type(x0, r), copy=False)  # float32 stays so
        x = add(x, [None, *step])
    x[0] = x0
    return x


def solve_triangular(
    a: Any,
    b: Any,
    trans: Any = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Any:
    """scipy.linalg.solve_triangular: x with T x = b (trans 0/'N'), T^T x = b (1/'T') or
    T^H x = b (2/'C'), T the lower or upper triangle of a (unit diagonal if asked)."""
    sl = _scipy_linalg()
    cls = _scipy_kind_of("solve_triangular", a, b)
    kwargs = {"trans": trans, "lower": lower, "unit_diagonal": unit_diagonal}
    if cls is None:
        return sl.solve_triangular(
            a, b, overwrite_b=overwrite_b, check_finite=check_finite, **kwargs
        )
    pa, pb = planes_of(a, "linalg.solve_triangular"), planes_of(b, "linalg.solve_triangular")
    x0 = sl.solve_triangular(pa[0], pb[0], check_finite=check_finite, **kwargs)
    n = pa[0].shape[-1]
    triangle = [np.tril(p) if lower else np.triu(p) for p in pa]
    if unit_diagonal:
        eye = np.eye(n, dtype=bool)
        triangle = [np.where(eye, 1 if k == 0 else 0, p) for k, p in enumerate(triangle)]
    transpose = {0: None, "N": None, 1: _mT, "T": _mT, 2: _mH, "C": _mH}[trans]
    if transpose is not None:
        triangle = linear(transpose, triangle)

    def solver(r: np.ndarray) -> np.ndarray:
        result: np.ndarray = sl.solve_triangular(pa[0], r, check_finite=False, **kwargs)
        return result

    x = _solve_with(cls, triangle, pb, x0, solver)
    if transpose is _mH:  # T^H x = b: conjugates a (not holomorphic in it)
        return not_holomorphic_result("scipy.linalg.solve_triangular(trans='C')", (a,), x)
    return x


@not_holomorphic("scipy.linalg.cho_factor")
def cho_factor(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Any, bool]:
    """scipy.linalg.cho_factor: (c, lower), c holding the Cholesky factor (L with
    a = L L^H, or U with a = U^H U) in one triangle and a's entries in the other, as
    scipy leaves them. Reads the lower (or upper) triangle of a."""
    sl = _scipy_linalg()
    cls = _scipy_kind_of("cho_factor", a)
    if cls is None:
        result: tuple[Any, bool] = sl.cho_factor(
            a, lower=lower, overwrite_a=overwrite_a, check_finite=check_finite
        )
        return result
    c0, low = sl.cho_factor(a._stack[0], lower=lower, check_finite=check_finite)
    factor = cholesky(a, upper=not lower)
    mask = (
        np.tril(np.ones(a.shape[-2:], dtype=bool))
        if lower
        else np.triu(np.ones(a.shape[-2:], dtype=bool))
    )
    data = np.where(mask, factor._stack, a._stack.astype(factor.dtype, copy=False))
    data[0] = c0
    return cls._wrap(data), low


def cho_solve(
    c_and_lower: tuple[Any, bool], b: Any, overwrite_b: bool = False, check_finite: bool = True
) -> Any:
    """scipy.linalg.cho_solve: x with a x = b from cho_factor's (c, lower)."""
    sl = _scipy_linalg()
    c, lower = c_and_lower
    cls = _scipy_kind_of("cho_solve", c, b)
    if cls is None:
        return sl.cho_solve((c, lower), b, overwrite_b=overwrite_b, check_finite=check_finite)
    pc, pb = planes_of(c, "linalg.cho_solve"), planes_of(b, "linalg.cho_solve")
    x0 = sl.cho_solve((pc[0], lower), pb[0], check_finite=check_finite)
    factor = [np.tril(p) if lower else np.triu(p) for p in pc]
    full = _mm(cls, factor, linear(_mH, factor)) if lower else _mm(cls, linear(_mH, factor), factor)

    def solver(r: np.ndarray) -> np.ndarray:
        result: np.ndarray = sl.cho_solve((pc[0], lower), r, check_finite=False)
        return result

    # a = c c^H (or c^H c): not holomorphic in the factor c, holomorphic in b
    return not_holomorphic_result(
        "scipy.linalg.cho_solve", (c,), _solve_with(cls, full, pb, x0, solver)
    )


def _permutation(piv: np.ndarray) -> np.ndarray:
    """The row order of LAPACK's interchanges: P A = A[perm]."""
    perm = np.arange(len(piv))
    for i, p in enumerate(piv):
        perm[i], perm[p] = perm[p], perm[i]
    return perm


def lu_factor(
    a: Any, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Any, np.ndarray]:
    """scipy.linalg.lu_factor of a square matrix: (lu, piv) with P A = L U, L unit lower
    (its strict triangle in lu) and U upper. The pivots are locally constant; L and U
    from (I + Lq)(I + Uq) = I + L0^-1 P (A - A0) U0^-1, one order per sweep."""
    sl = _scipy_linalg()
    cls = _scipy_kind_of("lu_factor", a)
    if cls is None:
        result: tuple[Any, np.ndarray] = sl.lu_factor(
            a, overwrite_a=overwrite_a, check_finite=check_finite
        )
        return result
    pa = planes_of(a, "linalg.lu_factor")
    _matrix(pa, "lu_factor")
    lu0, piv = sl.lu_factor(pa[0], check_finite=check_finite)
    n = lu0.shape[-1]
    eye = np.eye(n, dtype=lu0.dtype)
    l0, u0 = np.tril(lu0, -1) + eye, np.triu(lu0)
    l0_inv, u0_inv = np.linalg.inv(l0), np.linalg.inv(u0)
    perm = _permutation(piv)
    m = linear(lambda p: stack_matmul(stack_matmul(l0_inv, p[perm]), u0_inv), _perturbation(pa))
    lq: PlaneList = [None]
    uq: PlaneList = [None]
    for _ in range(cls._order):
        r = add(m, _mm(cls, lq, uq), sign=-1.0)
        lq, uq = linear(lambda p: np.tril(p, -1), r), linear(np.triu, r)
    lower = linear(lambda p: stack_matmul(l0, p), lq)
    upper = linear(lambda p: stack_matmul(p, u0), uq)
    lu = add(lower, upper)
    lu[0] = lu0
    return wrap(cls, lu), piv


def lu_solve(
    lu_and_piv: tuple[Any, np.ndarray],
    b: Any,
    trans: int = 0,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Any:
    """scipy.linalg.lu_solve: x with A x = b (trans 0), A^T x = b (1) or A^H x = b (2),
    A = P^T L U from lu_factor's (lu, piv)."""
    sl = _scipy_linalg()
    lu, piv = lu_and_piv
    cls = _scipy_kind_of("lu_solve", lu, b)
    if cls is None:
        return sl.lu_solve(
            (lu, piv), b, trans=trans, overwrite_b=overwrite_b, check_finite=check_finite
        )
    pl, pb = planes_of(lu, "linalg.lu_solve"), planes_of(b, "linalg.lu_solve")
    x0 = sl.lu_solve((pl[0], piv), pb[0], trans=trans, check_finite=check_finite)
    n = pl[0].shape[-1]
    unit = [
        np.tril(pl[0], -1) + np.eye(n, dtype=pl[0].dtype),
        *linear(lambda p: np.tril(p, -1), pl[1:]),
    ]
    product = _mm(cls, unit, linear(np.triu, pl))
    inverse = np.argsort(_permutation(piv))
    a = linear(lambda p: p[..., inverse, :], product)
    transpose = {0: None, 1: _mT, 2: _mH}[trans]

    def solver(r: np.ndarray) -> np.ndarray:
        result: np.ndarray = sl.lu_solve((pl[0], piv), r, trans=trans, check_finite=False)
        return result

    return _solve_with(cls, a if transpose is None else linear(transpose, a), pb, x0, solver)


def solve_banded(
    l_and_u: tuple[int, int],
    ab: Any,
    b: Any,
    overwrite_ab: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Any:
    """scipy.linalg.solve_banded: x with A x = b, A the banded matrix of ab in LAPACK's
    band storage (A[i, j] = ab[u + i - j, j])."""
    sl = _scipy_linalg()
    cls = _scipy_kind_of("solve_banded", ab, b)
    if cls is None:
        return sl.solve_banded(
            l_and_u,
            ab,
            b,
            overwrite_ab=overwrite_ab,
            overwrite_b=overwrite_b,
            check_finite=check_finite,
        )
    pab, pb = planes_of(ab, "linalg.solve_banded"), planes_of(b, "linalg.solve_banded")
    x0 = sl.solve_banded(l_and_u, pab[0], pb[0], check_finite=check_finite)
    lower, upper = l_and_u
    n = pab[0].shape[-1]
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    inside = (i - j <= lower) & (j - i <= upper)
    rows, cols = i[inside], j[inside]

    def dense(p: np.ndarray) -> np.ndarray:
        out = np.zeros((n, n), dtype=p.dtype)
        out[rows, cols] = p[upper + rows - cols, cols]
        return out

    def solver(r: np.ndarray) -> np.ndarray:
        result: np.ndarray = sl.solve_banded(l_and_u, pab[0], r, check_finite=False)
        return result

    return _solve_with(cls, linear(dense, pab), pb, x0, solver)


def solve_sylvester(a: Any, b: Any, q: Any) -> Any:
    """scipy.linalg.solve_sylvester: X with A X + X B = Q (A, B, Q any of them dual)."""
    sl = _scipy_linalg()
    cls = _scipy_kind_of("solve_sylvester", a, b, q)
    if cls is None:
        return sl.solve_sylvester(a, b, q)
    pa, pb, pq = (planes_of(x, "linalg.solve_sylvester") for x in (a, b, q))
    x0 = sl.solve_sylvester(pa[0], pb[0], pq[0])

    def residual(x: PlaneList) -> PlaneList:
        return add(pq, add(_mm(cls, pa, x), _mm(cls, x, pb)), sign=-1.0)

    solve = lambda r: _sylvester_planes(pa[0], pb[0], r)  # noqa: E731
    return wrap(cls, _chord(cls, x0, residual, solve))


def _sqrtm_planes(cls: type[DualArray], pa: PlaneList, x0: np.ndarray) -> PlaneList:
    """X with X X = A in the algebra, X's value x0 (a square root of A0 with no two
    eigenvalues summing to zero, as the principal one)."""
    pa = [
        pa[0],
        *(None if p is None else p.astype(np.result_type(p, x0), copy=False) for p in pa[1:]),
    ]
    solve = lambda r: _sylvester_planes(x0, x0, r)  # noqa: E731
    return _chord(cls, x0, lambda x: add(pa, _mm(cls, x, x), sign=-1.0), solve)


def _principal_branch(pa: PlaneList, name: str) -> None:
    """A LinAlgError naming scipy.linalg.<name> where the principal square root or
    logarithm is not differentiable: a zero eigenvalue of A0, or a negative real one
    when the parts are complex (they cross the branch cut). A real matrix moved along
    real directions keeps a simple negative eigenvalue real, on scipy's side of the
    cut: differentiable."""
    eigenvalues = np.linalg.eigvals(pa[0])
    size = np.max(np.abs(eigenvalues), initial=0.0)
    tolerance = pa[0].shape[-1] * np.finfo(eigenvalues.real.dtype).eps * size
    on_cut = (np.abs(eigenvalues.imag) <= tolerance) & (eigenvalues.real < 0)
    if np.any(np.abs(eigenvalues) <= tolerance) or (
        np.any(on_cut) and any(p is not None and np.iscomplexobj(p) for p in pa)
    ):
        raise LinAlgError(
            f"scipy.linalg.{name} of a dual array: the value matrix has an eigenvalue at 0 "
            "or on the negative real axis with complex parts, where the principal branch "
            "is not differentiable"
        )


def sqrtm(A: Any, disp: bool = True, blocksize: int = 64) -> Any:
    """scipy.linalg.sqrtm: the principal square root; parts from X0 dX + dX X0 = dA
    (and its second-order form), differentiable where A0 has no eigenvalue on the
    closed negative real axis (real matrices along real directions: where none is
    zero). A LinAlgError where it is not."""
    sl = _scipy_linalg()
    cls = _scipy_kind_of("sqrtm", A)
    if cls is None:
        return sl.sqrtm(A)
    pa = planes_of(A, "linalg.sqrtm")
    _matrix(pa, "sqrtm")
    _principal_branch(pa, "sqrtm")
    x0 = sl.sqrtm(pa[0])
    return wrap(cls, _sqrtm_planes(cls, pa, x0))


def logm(A: Any, disp: bool = True) -> Any:
    """scipy.linalg.logm: the principal logarithm. The parts are those of the inverse
    scaling and squaring form log A = 2^k log(A^(1/2^k)) evaluated in the algebra: k
    square roots (each X X = R by Sylvester sweeps) until ||R - I||_1 <= 1/4, then
    log R = 2 atanh(Z), Z = (R - I)(R + I)^-1, by its series to rounding. The value is
    scipy's. Differentiable where A0 has no eigenvalue on the closed negative real axis."""
    sl = _scipy_linalg()
    cls = _scipy_kind_of("logm", A)
    if cls is None:
        return sl.logm(A)
    pa = planes_of(A, "linalg.logm")
    _matrix(pa, "logm")
    _principal_branch(pa, "logm")
    value = sl.logm(pa[0])
    n = pa[0].shape[-1]
    eye = np.eye(n)
    r = pa
    roots = 0
    while np.max(np.sum(np.abs(r[0] - eye), axis=0)) > 0.25:
        if roots == 64:
            raise LinAlgError("hyperdiff.linalg.logm: the square roots do not approach I")
        r = _sqrtm_planes(cls, r, sl.sqrtm(r[0]))
        roots += 1
    plus_inv = np.linalg.inv(r[0] + eye)
    shifted = add(r, [-eye])
    z = list(
        _solve_planes(
            cls, add(r, [eye]), [*linear(lambda p: p, shifted)], plus_inv, plus_inv @ shifted[0]
        )
    )
    size = float(np.max(np.sum(np.abs(z[0]), axis=0))) if n else 0.0
    z2 = _mm(cls, z, z)
    term, total = z, z
    power = 1
    eps = np.finfo(np.float64).eps
    while size**power > eps / 4 and power < 200:
        power += 2
        term = _mm(cls, term, z2)
        total = add(total, linear(lambda p, c=power: p / c, term))  # type: ignore[misc]
    result = linear(lambda p: 2.0 ** (roots + 1) * p, total)
    result[0] = value
    return wrap(cls, result)


# --- object arrays of dual scalars -----------------------------------------------
def _admitting(function: Callable[..., Any]) -> Callable[..., Any]:
    """function with its object-array arguments that hold dual scalars made dual arrays
    (np.array([[x, 1.0], [y, 2.0]]) of dual scalars x, y): called directly, as
    hyperdiff.linalg.solve(a, b), no dual array is there to lift them, and numpy's and
    scipy's linear algebra refuse object arrays with unrelated messages."""

    def lifted(x: Any) -> Any:
        holds_duals = isinstance(x, np.ndarray) and x.dtype == object
        return admit(x) if holds_duals and any(isinstance(e, DualArray) for e in x.flat) else x

    @functools.wraps(function)
    def admitting(*args: Any, **kwargs: Any) -> Any:
        return function(*map(lifted, args), **{k: lifted(v) for k, v in kwargs.items()})

    return admitting


for _name in __all__:
    if callable(_public := globals()[_name]) and not isinstance(_public, type):
        globals()[_name] = _admitting(_public)
