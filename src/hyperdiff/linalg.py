"""Linear algebra on dual arrays: mirrors numpy.linalg and adds `expm`.

`np.linalg.solve(A, b)` and friends dispatch here when an operand is a dual
array; `hyperdiff.linalg.<name>` accepts dual and plain arrays alike.

Every function factorizes the value matrix once with numpy (LAPACK) and gets
the derivative planes from exact perturbation identities written in the
kind's algebra (see _algebra.py), so they hold for every kind and order:

- solve, inv: plane by plane back-substitution, A0 X_k = B_k - sum A_i X_j
  over the products (i, j) -> k with i > 0;
- det:   det(A0 + N) = det(A0) exp(tr M - tr(M^2)/2), M = A0^-1 N, exact
  because M^3 = 0 (a product of three perturbations vanishes);
- eigh:  Jacobi-like sweeps K_ij = C_ij / (w_j - w_i), W <- W exp(K), each
  gaining one order (needs distinct eigenvalues);
- cholesky, qr: the fixed points Q = Phi(P - Q Q^T), one order per sweep.

Values are numpy's own results on the value planes (bit for bit), except expm,
which numpy lacks.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._algebra import (
    PlaneList,
    _batched_matmul,
    _bilinear,
    add,
    linear,
    planes_of,
    wrap,
)
from ._arrays import Dual, DualArray
from ._functions import common_kind, implements

__all__ = [
    "EighResult",
    "LinAlgError",
    "QRResult",
    "SlogdetResult",
    "cholesky",
    "det",
    "eigh",
    "eigvalsh",
    "expm",
    "inv",
    "lstsq",
    "matrix_power",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
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


def _square(a: DualArray, name: str) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise LinAlgError(f"{name}: last 2 dimensions of the array must be square")


def _kind_of(name: str, *operands: Any) -> type[DualArray] | None:
    """The dual kind among the operands, or None when all are plain arrays."""
    if not any(isinstance(x, DualArray) for x in operands):
        return None
    return common_kind(f"linalg.{name}", *operands)


# The factorizations built on transposes (A^T A, Q^T Q = I, eigenvector gauges) are
# written for real matrices; their complex forms (conjugate transposes, a phase
# convention for eigenvectors) are not implemented.


def _real_kind_of(name: str, *operands: Any) -> type[DualArray] | None:
    """_kind_of for the real-only functions: a TypeError for complex operands."""
    cls = _kind_of(name, *operands)
    kinds = (
        x.dtype.kind if isinstance(x, DualArray) else np.asarray(x).dtype.kind for x in operands
    )
    if cls is not None and "c" in kinds:
        raise TypeError(
            f"hyperdiff.linalg.{name} supports real dual matrices only, not complex ones"
        )
    return cls


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
    is a constant, else _algebra's bilinear rule (five batched matmuls)."""
    if _constant(a) and _constant(b):
        return [None if a[0] is None or b[0] is None else a[0] @ b[0]]
    if _constant(a) or _constant(b):
        constant, planes = (a[0], b) if _constant(a) else (b[0], a)
        if constant is None:
            return [None]
        stack = _stacked(cls, planes)
        fixed = np.broadcast_to(constant, (len(stack), *np.shape(constant)))
        product = _batched_matmul(fixed, stack) if _constant(a) else _batched_matmul(stack, fixed)
        return list(product)
    return list(_bilinear(cls, np.matmul, _batched_matmul, _stacked(cls, a), _stacked(cls, b)))


def _perturbation(planes: PlaneList) -> PlaneList:
    return [None, *planes[1:]]


def _solve_planes(
    cls: type[DualArray], a: PlaneList, b: PlaneList, a0_inv: np.ndarray, x0: Any
) -> PlaneList:
    """x with a x = b in the algebra, given x0 = solve(a0, b0) and a0^-1.

    PlaneList are ordered so that every product (i, j, k) with i > 0 has j < k:
    a0 x_k = b_k - sum_{(i,j,k), i>0} a_i x_j determines the planes in order.
    """
    # numpy.linalg.solve: b is a vector (stack) only when it is one-dimensional
    vector = next(p for p in b if p is not None).ndim == 1

    def apply(m: np.ndarray, v: np.ndarray) -> np.ndarray:
        return (m @ v[..., None])[..., 0] if vector else m @ v

    x: PlaneList = [x0] + [None] * (cls._planes - 1)
    for k in range(1, cls._planes):
        rhs = b[k] if k < len(b) else None
        for i, j, target in cls._products:
            if target != k or i == 0 or i >= len(a) or a[i] is None or x[j] is None:
                continue
            term = apply(a[i], x[j])
            rhs = -term if rhs is None else rhs - term
        if rhs is not None:
            x[k] = apply(a0_inv, rhs)
    return x


# --- solve, inv, det, slogdet ------------------------------------------------
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
    return wrap(cls, _solve_planes(cls, pa, pb, np.linalg.inv(pa[0]), x0))


@implements(np.linalg.inv)
def inv(a: Any) -> Any:
    """The inverse of a (stacks of) square matrix."""
    cls = _kind_of("inv", a)
    if cls is None:
        return np.linalg.inv(a)
    _square(a, "inv")
    pa = planes_of(a, "inv")
    a_inv = np.linalg.inv(pa[0])
    identity = [np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)]
    return wrap(cls, _solve_planes(cls, pa, identity, a_inv, a_inv))


def _log_det_increment(cls: type[DualArray], pa: PlaneList, a0_inv: np.ndarray) -> Any:
    """tr log(I + M) = tr M - tr(M^2)/2 with M = a0^-1 (a - a0), a dual scalar (stack)
    with a zero value plane. Exact: M^3 = 0."""
    m = linear(lambda p: a0_inv @ p, _perturbation(pa))
    mm = _mm(cls, m, m)
    trace = lambda p: np.trace(p, axis1=-2, axis2=-1)  # noqa: E731
    return wrap(cls, add(linear(trace, m), linear(lambda p: 0.5 * trace(p), mm), sign=-1.0))


def _mH(a: np.ndarray) -> np.ndarray:
    return np.conj(_mT(a))


def _well_conditioned_inverse(a0: np.ndarray) -> np.ndarray | None:
    """a0^-1 when every matrix of the stack has a 1-norm condition number below
    eps^(-1/4) (8e3 in float64, 54 in float32), else None. Above it det(a0) a0^-1
    loses more than eps^(3/4) of the adjugate's digits to cancellation."""
    try:
        a0_inv = np.linalg.inv(a0)
    except LinAlgError:
        return None
    if a0.shape[-1] == 0:
        return a0_inv
    norm1 = lambda x: np.max(np.sum(np.abs(x), axis=-2), axis=-1)  # noqa: E731
    with np.errstate(over="ignore", invalid="ignore"):
        condition = norm1(a0) * norm1(a0_inv)
    limit = np.finfo(a0.dtype).eps ** -0.25
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
    division by det(a0)."""
    u, s, vh = np.linalg.svd(pa[0])
    phase = np.linalg.det(u) * np.linalg.det(vh)  # +-1, or a unit complex number
    one, two = _cofactor_weights(s)
    # all planes at once (the value plane is zero: M is the perturbation)
    m = _mH(u) @ _stacked(cls, _perturbation(pa)) @ _mH(vh)

    def first(x: np.ndarray) -> np.ndarray:
        return np.sum(one * np.diagonal(x, 0, -2, -1), axis=-1)

    def second(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # symmetric bilinear: second(M, M) is the sum over i < j above; a leading
        # plane axis of x and y broadcasts through (the batched form _bilinear takes)
        dx, dy = np.diagonal(x, 0, -2, -1), np.diagonal(y, 0, -2, -1)
        diagonal = np.einsum("...i,...ij,...j->...", dx, two, dy)
        return 0.5 * (diagonal - np.einsum("...ij,...ij,...ji->...", two, x, y))

    increment = phase * (first(m) + _bilinear(cls, second, second, m, m))
    return [np.linalg.det(pa[0]), *increment[1:]]


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
    a0_inv = _well_conditioned_inverse(pa[0])
    if a0_inv is None:
        return wrap(cls, _det_through_svd(cls, pa))
    return np.linalg.det(pa[0]) * np.exp(_log_det_increment(cls, pa, a0_inv))


@implements(np.linalg.slogdet)
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
    if np.any(singular):  # invert the others; the singular ones' parts become nan
        eye = np.eye(a0.shape[-1], dtype=a0.dtype)
        a0 = np.where(singular[..., np.newaxis, np.newaxis], eye, a0)
    increment = _log_det_increment(cls, pa, np.linalg.inv(a0))
    if np.any(singular):
        increment._data[1:] = np.where(singular, np.nan, increment._data[1:])
    if a.dtype.kind == "c":  # log det = log sign + log|det|: the phase moves too
        return SlogdetResult(sign * np.exp(1j * increment.imag), logabsdet + increment.real)
    return SlogdetResult(sign, logabsdet + increment)


# --- symmetric eigenproblem ----------------------------------------------------
def _symmetric_planes(a: DualArray, uplo: str) -> PlaneList:
    """The planes of the symmetric matrix numpy's eigh/cholesky read: one triangle."""
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")

    def symmetrize(p: np.ndarray) -> np.ndarray:
        half = np.tril(p) if uplo == "L" else np.triu(p)
        return half + _mT(np.tril(p, -1) if uplo == "L" else np.triu(p, 1))

    return [a._data[0], *(symmetrize(p) for p in a._data[1:])]


def _eigh_planes(cls: type[DualArray], a: DualArray, uplo: str) -> tuple[PlaneList, PlaneList]:
    w0, v0 = np.linalg.eigh(a._data[0], UPLO=uplo)
    n = a.shape[-1]
    pa = _symmetric_planes(a, uplo)
    # in the eigenbasis of a0: b = diag(w0) + e
    e = linear(lambda p: _mT(v0) @ p @ v0, _perturbation(pa))
    b = [np.zeros_like(v0) + np.eye(n, dtype=v0.dtype) * w0[..., None, :], *e[1:]]
    gap = w0[..., None, :] - w0[..., :, None]  # gap_ij = w_j - w_i
    gap[..., np.arange(n), np.arange(n)] = np.inf  # K_ii = 0
    eye = np.broadcast_to(np.eye(n, dtype=v0.dtype), v0.shape)
    w: PlaneList = [eye]
    c = b
    for _ in range(cls._order):
        c = _mm(cls, linear(_mT, w), _mm(cls, b, w))
        k = [None, *(None if p is None else p / gap for p in c[1:])]
        # exp(K) = I + K + K^2/2 exactly, since K^3 = 0: W stays orthogonal
        w = _mm(cls, w, add(add([eye], k), linear(lambda p: 0.5 * p, _mm(cls, k, k))))
    c = _mm(cls, linear(_mT, w), _mm(cls, b, w))
    eigenvalues = [w0, *(None if p is None else np.diagonal(p, 0, -2, -1) for p in c[1:])]
    eigenvectors = linear(lambda p: v0 @ p, w)
    eigenvectors[0] = v0
    return eigenvalues, eigenvectors


@implements(np.linalg.eigh)
def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, from the
    triangle UPLO as numpy reads it. The eigenvalues must be distinct (else the
    eigenvectors are not differentiable; their parts come out inf/nan)."""
    cls = _real_kind_of("eigh", a)
    if cls is None:
        return EighResult(*np.linalg.eigh(a, UPLO=UPLO))
    _square(a, "eigh")
    values, vectors = _eigh_planes(cls, a, UPLO)
    return EighResult(wrap(cls, values), wrap(cls, vectors))


@implements(np.linalg.eigvalsh)
def eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """The eigenvalues of a symmetric matrix (ascending); see eigh."""
    cls = _real_kind_of("eigvalsh", a)
    if cls is None:
        return np.linalg.eigvalsh(a, UPLO=UPLO)
    _square(a, "eigvalsh")
    values = wrap(cls, _eigh_planes(cls, a, UPLO)[0])
    values._data[0] = np.linalg.eigvalsh(a._data[0], UPLO=UPLO)
    return values


# --- triangular factorizations -------------------------------------------------
def _half_lower(s: np.ndarray) -> np.ndarray:
    """Phi(S): the strict lower triangle plus half the diagonal (Phi(S) + Phi(S)^T = S)."""
    return np.tril(s, -1) + 0.5 * np.tril(np.triu(s))


def _triangular_correction(cls: type[DualArray], p: PlaneList) -> PlaneList:
    """Lower-triangular Q, zero value, with (I + Q)(I + Q)^T = I + P (P symmetric)."""
    q: PlaneList = [None] * len(p)
    for _ in range(cls._order):
        q = linear(_half_lower, add(p, _mm(cls, q, linear(_mT, q)), sign=-1.0))
    return q


@implements(np.linalg.cholesky)
def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """Cholesky factor L (a = L L^T) of a symmetric positive definite matrix; with
    upper=True the factor U = L^T (a = U^T U). Like numpy, it reads the lower
    triangle of a, or the upper one for upper=True."""
    cls = _real_kind_of("cholesky", a)
    if cls is None:
        return np.linalg.cholesky(a, upper=upper) if upper else np.linalg.cholesky(a)
    _square(a, "cholesky")
    if upper:
        l0 = _mT(np.linalg.cholesky(a._data[0], upper=True))
    else:
        l0 = np.linalg.cholesky(a._data[0])
    l0_inv = np.linalg.inv(l0)
    symmetric = _symmetric_planes(a, "U" if upper else "L")
    p = linear(lambda s: l0_inv @ s @ _mT(l0_inv), _perturbation(symmetric))
    q = _triangular_correction(cls, p)
    factor = [l0, *linear(lambda s: l0 @ s, q)[1:]]
    return wrap(cls, linear(_mT, factor) if upper else factor)


@implements(np.linalg.qr)
def qr(a: Any, mode: str = "reduced") -> Any:
    """QR of an m x n matrix with m >= n and full column rank, modes 'reduced' and
    'r'. R keeps the signs of numpy's diagonal; the parts follow from
    R^T R = A^T A and Q = A R^-1."""
    cls = _real_kind_of("qr", a)
    if cls is None:
        return np.linalg.qr(a, mode=mode)
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
    gram = _mm(cls, linear(_mT, pa), pa)
    # (I + U)^T (I + U) = I + P with U upper triangular: the transposed Cholesky problem
    p = linear(lambda s: _mT(r0_inv) @ s @ r0_inv, _perturbation(gram))
    u = linear(_mT, _triangular_correction(cls, p))
    r = [r0, *linear(lambda s: s @ r0, u)[1:]]
    if mode == "r":
        return wrap(cls, r)
    eye = np.broadcast_to(np.eye(n, dtype=r0.dtype), r0.shape)
    inverse = add(add([eye], u, sign=-1.0), _mm(cls, u, u))  # (I + U)^-1, U^3 = 0
    base = [q0, *linear(lambda s: s @ r0_inv, _perturbation(pa))[1:]]
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
    rotated = linear(lambda p: _mT(basis) @ p @ basis, _perturbation(gram))
    b = [eye * eigenvalues[..., np.newaxis, :], *rotated[1:]]
    coupled = kept[..., :, np.newaxis] != kept[..., np.newaxis, :]
    # gap_ij = w_j - w_i: nonzero across the cut (kept ones are larger), inf elsewhere
    gap = np.where(
        coupled, eigenvalues[..., np.newaxis, :] - eigenvalues[..., :, np.newaxis], np.inf
    )
    w: PlaneList = [eye]
    if np.any(coupled) and any(p is not None for p in b[1:]):
        for _ in range(cls._order):
            c = _mm(cls, linear(_mT, w), _mm(cls, b, w))
            k = [None, *(None if p is None else p / gap for p in c[1:])]
            # exp(K) = I + K + K^2/2 exactly, since K^3 = 0: W stays orthogonal
            w = _mm(cls, w, add(add([eye], k), linear(lambda p: 0.5 * p, _mm(cls, k, k))))
        c = _mm(cls, linear(_mT, w), _mm(cls, b, w))
        c[0] = b[0]
    else:
        c = b
    q = linear(lambda p: basis @ p, w)
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
    inverse = _solve_planes(cls, restricted, [eye], restricted_inv, restricted_inv)
    inverse = [None if p is None else np.where(kept_block, p, 0) for p in inverse]
    return _mm(cls, q, _mm(cls, inverse, linear(_mT, q)))


def _truncation(a0: np.ndarray, hermitian: bool = False) -> tuple[bool, np.ndarray, np.ndarray]:
    """(tall, basis, s): numpy's SVD of a0 (as pinv calls it) and the eigenbasis of the
    Gram matrix of the shorter side (A^T A if tall, else A A^T)."""
    m, n = a0.shape[-2:]
    u, s, vt = np.linalg.svd(a0, full_matrices=False, hermitian=hermitian)
    tall = m >= n
    return tall, _mT(vt) if tall else u, s


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
    cls = _real_kind_of("lstsq", a, b)
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
        base = pa if tall else linear(_mT, pa)  # tall: base = A, else A^T
        gram = _mm(cls, linear(_mT, base), base)
        q, c = _block_diagonalize(cls, gram, basis, singular * singular, kept)
        inverse = _kept_inverse(cls, q, c, singular * singular, kept)
        if tall:
            x = _mm(cls, inverse, _mm(cls, linear(_mT, base), pb))
        else:
            x = _mm(cls, base, _mm(cls, inverse, pb))
        x[0] = x0
    x_dual = wrap(cls, x)
    residuals: Any = numpy_residuals
    if m > n and rank == n:
        r = b - a @ x_dual
        residuals = np.sum(r * r, axis=0).reshape(-1)
        residuals._data[0] = numpy_residuals
    # the singular values: the eigenvalues of the kept block C_11 (square roots)
    if a_has_parts and min(m, n) > 0:
        kept_block = wrap(cls, [None if p is None else p[:rank, :rank] for p in c])
        kept_singular = np.sqrt(eigvalsh(kept_block))[::-1]
        singular_dual._data[1:, :rank] = kept_singular._data[1:]
        singular_dual._data[1:, rank:] = np.nan
    return x_dual, residuals, rank, singular_dual


@implements(np.linalg.pinv)
def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _NO_VALUE) -> Any:
    """numpy's pseudo-inverse, V_k S_k^-1 U_k^T with the singular values at or below
    the cut-off (rtol or rcond times the largest) cut, and the exact derivatives of
    that truncated result (G_k^+ A^T, see above), for any rank. A LinAlgError where
    it is not differentiable: a singular value exactly at the cut-off."""
    cls = _real_kind_of("pinv", a)
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
    tall, basis, singular = _truncation(pa[0], hermitian)
    cutoff = relative[..., np.newaxis] * np.amax(singular, axis=-1, keepdims=True)
    _separated(singular, cutoff, relative, "numpy.linalg.pinv", exact=True)
    kept = singular > cutoff
    base = pa if tall else linear(_mT, pa)  # pinv(A) = pinv(A^T)^T
    gram = _mm(cls, linear(_mT, base), base)
    q, c = _block_diagonalize(cls, gram, basis, singular * singular, kept)
    inverse = _kept_inverse(cls, q, c, singular * singular, kept)
    x = _mm(cls, inverse, linear(_mT, base)) if tall else _mm(cls, base, inverse)
    x[0] = value
    return wrap(cls, x)


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
        data = np.zeros_like(a._data)
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


def _vector_norm(x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    if axis is None:  # a vector: numpy takes sqrt(x . x)
        if ord not in (None, 2):
            return _vector_norm(x, ord, 0, False)
        return np.sqrt(np.sum(_squared(x)) if x.dtype.kind == "c" else np.dot(x, x))
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
        if x.dtype.kind == "c":
            raise TypeError(f"hyperdiff.linalg.norm(ord={ord!r}) supports real matrices only")
        moved = np.moveaxis(x, (row, col), (-2, -1))
        # the Gram matrix of the shorter side: its eigenvalues are the squared
        # singular values, with no structural zeros
        wide = moved.shape[-2] < moved.shape[-1]
        gram = moved @ np.swapaxes(moved, -1, -2) if wide else np.swapaxes(moved, -1, -2) @ moved
        singular = np.sqrt(eigvalsh(gram))  # ascending
        if ord == 2:
            result = singular[..., -1]
        elif ord == -2:
            result = singular[..., 0]
        else:
            result = np.sum(singular, axis=-1)
    else:
        raise ValueError(f"invalid norm order {ord!r} for matrices")
    if keepdims:
        result = np.expand_dims(result, tuple(sorted((row, col))))
    return result


@implements(np.linalg.norm)
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """numpy.linalg.norm with parts. The max/min norms differentiate the selected
    entry; the 2-norm of a matrix needs a simple largest singular value, 'nuc'
    nonzero singular values (where the norms are differentiable). The value is
    numpy's own."""
    if not isinstance(x, DualArray):
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    result = _norm(x, ord, axis, keepdims)
    result._data[0] = np.linalg.norm(x.value, ord=ord, axis=axis, keepdims=keepdims)
    return result


def _norm(x: DualArray, ord: Any, axis: Any, keepdims: bool) -> Any:
    if axis is None:
        if ord is None:
            result = _vector_norm(x.ravel(), None, None, False)
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


def expm(a: Any) -> Any:
    """The matrix exponential by scaling and squaring with a degree-13 Pade
    approximant, evaluated in the algebra so the parts are the exact derivatives
    of the computed value: d/dx expm(x A) = A expm(x A). Plain arrays go through
    the same code (value only)."""
    if not isinstance(a, DualArray):
        return expm(Dual._from_parts(a, (0.0,), None)).value
    cls = type(a)
    planes = list(a._data)
    a0 = planes[0]
    if a0.ndim < 2 or a0.shape[-1] != a0.shape[-2]:
        raise LinAlgError("expm: last 2 dimensions of the array must be square")
    norm1 = np.max(np.sum(np.abs(a0), axis=-2)) if a0.size else 0.0
    squarings = max(0, int(np.ceil(np.log2(norm1 / _THETA13)))) if norm1 > 0 else 0
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
            out = add(out, linear(lambda p, c=c: c * p, x))
        return out

    u_inner = _mm(cls, a6, combo((b[13], a6), (b[11], a4), (b[9], a2)))
    u = _mm(cls, scaled, add(u_inner, combo((b[7], a6), (b[5], a4), (b[3], a2), (b[1], [eye]))))
    v_inner = _mm(cls, a6, combo((b[12], a6), (b[10], a4), (b[8], a2)))
    v = add(v_inner, combo((b[6], a6), (b[4], a4), (b[2], a2), (b[0], [eye])))
    p, q = add(v, u), add(v, u, sign=-1.0)
    q0_inv = np.linalg.inv(q[0])
    r = _solve_planes(cls, q, p, q0_inv, np.linalg.solve(q[0], p[0]))
    for _ in range(squarings):
        r = _mm(cls, r, r)
    return wrap(cls, r)
