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
which numpy lacks, and multi_dot (multiplied left to right).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._algebra import PlaneList, add, linear, multiply, planes_of, wrap
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
def _mm(cls: type[DualArray], a: PlaneList, b: PlaneList) -> PlaneList:
    return multiply(cls, np.matmul, a, b)


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


def _log_det_increment(cls: type[DualArray], pa: PlaneList) -> Any:
    """tr log(I + M) = tr M - tr(M^2)/2 with M = a0^-1 (a - a0), a dual scalar (stack)
    with a zero value plane. Exact: M^3 = 0."""
    a_inv = np.linalg.inv(pa[0])
    m = linear(lambda p: a_inv @ p, _perturbation(pa))
    mm = _mm(cls, m, m)
    trace = lambda p: np.trace(p, axis1=-2, axis2=-1)  # noqa: E731
    return wrap(cls, add(linear(trace, m), linear(lambda p: 0.5 * trace(p), mm), sign=-1.0))


@implements(np.linalg.det)
def det(a: Any) -> Any:
    """The determinant; det(a0 + N) = det(a0) exp(tr log(I + a0^-1 N)). Needs an
    invertible value matrix."""
    cls = _kind_of("det", a)
    if cls is None:
        return np.linalg.det(a)
    _square(a, "det")
    increment = _log_det_increment(cls, planes_of(a, "det"))
    return np.linalg.det(a._data[0]) * np.exp(increment)


@implements(np.linalg.slogdet)
def slogdet(a: Any) -> SlogdetResult:
    """(sign, log|det|); for real matrices the sign is a plain array (its derivative
    is zero), for complex ones a dual array of the phase det/|det|."""
    cls = _kind_of("slogdet", a)
    if cls is None:
        return SlogdetResult(*np.linalg.slogdet(a))
    _square(a, "slogdet")
    sign, logabsdet = np.linalg.slogdet(a._data[0])
    increment = _log_det_increment(cls, planes_of(a, "slogdet"))
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
def _full_rank(a0: np.ndarray, name: str) -> None:
    rank = np.linalg.matrix_rank(a0)
    if np.any(rank < min(a0.shape[-2:])):
        raise LinAlgError(
            f"{name} of a dual array needs a full-rank value matrix: at lower rank the "
            "result is not differentiable"
        )


@implements(np.linalg.lstsq)
def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple[Any, Any, Any, Any]:
    """(x, residuals, rank, s) as numpy's, for a full-column-rank value matrix; x,
    residuals and s carry parts, from x = x0 + (A^T A)^-1 A^T (b - A x0)."""
    cls = _real_kind_of("lstsq", a, b)
    if cls is None:
        return np.linalg.lstsq(a, b, rcond=rcond)
    pa, pb = planes_of(a, "lstsq"), planes_of(b, "lstsq")
    if pa[0].ndim != 2:
        raise LinAlgError("lstsq: a must be two-dimensional")
    m, n = pa[0].shape
    if m < n:
        raise TypeError("hyperdiff supports numpy.linalg.lstsq of dual arrays with m >= n only")
    _full_rank(pa[0], "numpy.linalg.lstsq")
    x0, numpy_residuals, rank, s0 = np.linalg.lstsq(pa[0], pb[0], rcond=rcond)
    at = linear(_mT, pa)
    gram = _mm(cls, at, pa)
    residual = add(pb, _mm(cls, pa, [x0]), sign=-1.0)
    rhs = _perturbation(_mm(cls, at, residual))
    g_inv = np.linalg.inv(gram[0])
    x = add([x0], _solve_planes(cls, gram, rhs, g_inv, None))
    x_dual = wrap(cls, x)
    residuals: Any = np.empty((0,), dtype=x_dual.dtype)
    if m > n:
        r = b - a @ x_dual
        residuals = np.sum(r * r, axis=0).reshape(-1)
        residuals._data[0] = numpy_residuals
    singular = np.sqrt(eigvalsh(wrap(cls, gram)))[::-1]
    singular._data[0] = s0
    return x_dual, residuals, rank, singular


@implements(np.linalg.pinv)
def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """The pseudo-inverse of a full-rank value matrix: (A^T A)^-1 A^T or A^T (A A^T)^-1."""
    cls = _real_kind_of("pinv", a)
    kwargs: dict[str, Any] = {"hermitian": hermitian}
    if rcond is not None:
        kwargs["rcond"] = rcond
    if rtol is not None:
        kwargs["rtol"] = rtol
    if cls is None:
        return np.linalg.pinv(a, **kwargs)
    pa = planes_of(a, "pinv")
    _full_rank(pa[0], "numpy.linalg.pinv")
    m, n = pa[0].shape[-2:]
    tall = m >= n
    base = pa if tall else linear(_mT, pa)  # pinv(A) = pinv(A^T)^T
    gram = _mm(cls, linear(_mT, base), base)
    g_inv = np.linalg.inv(gram[0])
    rhs = linear(_mT, base)
    x = _solve_planes(cls, gram, rhs, g_inv, g_inv @ rhs[0])
    x[0] = np.linalg.pinv(pa[0], **kwargs)
    if not tall:
        x = [x[0], *linear(_mT, x)[1:]]
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


@implements(np.linalg.multi_dot)
def multi_dot(arrays: Any, *, out: Any = None) -> Any:
    """The chained product, left to right (the value plane may round differently from
    numpy's cost-optimal order)."""
    if out is not None:
        raise TypeError("hyperdiff does not support the argument out= of numpy.linalg.multi_dot")
    arrays = list(arrays)
    if not any(isinstance(x, DualArray) for x in arrays):
        return np.linalg.multi_dot(arrays)
    result = arrays[0]
    for x in arrays[1:]:
        result = np.dot(result, x)
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
