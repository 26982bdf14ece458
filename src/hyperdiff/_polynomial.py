"""numpy's polynomial functions (numpy.polyadd ... numpy.roots) on dual arrays, and
numpy.linalg's array-API aliases (cross, matmul, outer, tensordot, vecdot,
matrix_transpose) with tensorinv and tensorsolve.

The polynomial functions are numpy's own steps run on dual arrays: sums, products
(convolve), the exact ufuncs and numpy.linalg's solvers, so values are numpy's and the
parts follow the calculus of each step:
- polyadd, polysub, polyder, polyint: linear in the coefficients;
- polymul: the convolution, bilinear; polydiv: numpy's long division, its quotient and
  remainder rational in both polynomials;
- polyfit: least squares on the scaled Vandermonde matrix, so it is linear in y and
  differentiable in x and in the weights through numpy.linalg.lstsq;
- poly: products of the factors (x - r); roots: the eigenvalues of the companion
  matrix (distinct roots only: at a repeated root numpy.linalg.eigvals raises, as the
  roots are not differentiable there).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._arrays import DualArray
from ._functions import _planes, _value_of, common_kind, implements


def _float(x: Any) -> Any:
    """x + 0.0 as numpy forms it (integers become floats), dual or plain."""
    return x + 0.0 if isinstance(x, DualArray) else np.asarray(x) + 0.0


def _coefficients(p: Any) -> Any:
    """A 1-d dual array, or a 1-d float ndarray (numpy's atleast_1d)."""
    if isinstance(p, np.poly1d):
        raise TypeError("hyperdiff's polynomial functions take coefficient arrays, not poly1d")
    return np.atleast_1d(p) if isinstance(p, DualArray) else np.atleast_1d(np.asarray(p))


def _padded(a: Any, length: int) -> Any:
    """a with leading zeros up to the length (numpy's alignment of the constant terms)."""
    missing = length - len(a)
    if missing <= 0:
        return a
    return np.concatenate((np.zeros(missing, _value_of(a).dtype), a))


@implements(np.polyadd)
def _polyadd(a1: Any, a2: Any) -> Any:
    common_kind("polyadd", a1, a2)
    a1, a2 = _coefficients(a1), _coefficients(a2)
    n = max(len(a1), len(a2))
    return _padded(a1, n) + _padded(a2, n)


@implements(np.polysub)
def _polysub(a1: Any, a2: Any) -> Any:
    common_kind("polysub", a1, a2)
    a1, a2 = _coefficients(a1), _coefficients(a2)
    n = max(len(a1), len(a2))
    return _padded(a1, n) - _padded(a2, n)


@implements(np.polymul)
def _polymul(a1: Any, a2: Any) -> Any:
    common_kind("polymul", a1, a2)
    return np.convolve(_coefficients(a1), _coefficients(a2))


@implements(np.polyder)
def _polyder(p: Any, m: int = 1) -> Any:
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = _coefficients(p)
    for _ in range(m):
        n = len(p) - 1
        p = p[:-1] * np.arange(n, 0, -1)
    return p


@implements(np.polyint)
def _polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    common_kind("polyint", p, k)
    constants = np.zeros(m, float) if k is None else k
    constants = np.atleast_1d(constants)
    if len(constants) == 1 and m > 1:
        constants = constants[0] * np.ones(m, float)
    if len(constants) < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _coefficients(p)
    for i in range(m):
        p = np.concatenate((p / np.arange(len(p), 0, -1), np.reshape(constants[i], (1,))))
    return p


@implements(np.polydiv)
def _polydiv(u: Any, v: Any) -> tuple[Any, Any]:
    # numpy's long division, on dual arrays
    cls = common_kind("polydiv", u, v)
    u, v = _float(_coefficients(u)), _float(_coefficients(v))
    m, n = len(u) - 1, len(v) - 1
    dtype = np.result_type(_value_of(u).dtype, _value_of(v).dtype)
    scale = 1.0 / v[0]
    quotient = cls._wrap(np.zeros((cls._planes, max(m - n + 1, 1)), dtype=dtype))
    remainder = cls._wrap(_planes(u, cls, dtype))
    for k in range(m - n + 1):
        d = scale * remainder[k]
        quotient[k] = d
        remainder[k : k + n + 1] = remainder[k : k + n + 1] - d * v
    while np.allclose(_value_of(remainder)[0], 0, rtol=1e-14) and remainder.shape[-1] > 1:
        remainder = remainder[1:]
    return quotient, remainder


@implements(np.polyfit)
def _polyfit(
    x: Any,
    y: Any,
    deg: int,
    rcond: Any = None,
    full: bool = False,
    w: Any = None,
    cov: Any = False,
) -> Any:
    # numpy's steps: least squares on the Vandermonde matrix with unit-norm columns
    common_kind("polyfit", x, y, w)
    order = int(deg) + 1
    x, y = _float(x), _float(y)
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if np.ndim(x) != 1:
        raise TypeError("expected 1D vector for x")
    if np.size(x) == 0:
        raise TypeError("expected non-empty vector for x")
    if np.ndim(y) < 1 or np.ndim(y) > 2:
        raise TypeError("expected 1D or 2D array for y")
    if np.shape(x)[0] != np.shape(y)[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = len(x) * np.finfo(_value_of(x).dtype).eps
    lhs = np.vander(x, order)
    rhs = y
    if w is not None:
        w = _float(w)
        if np.ndim(w) != 1:
            raise TypeError("expected a 1-d array for weights")
        if np.shape(w)[0] != np.shape(y)[0]:
            raise TypeError("expected w and y to have the same length")
        lhs = lhs * w[:, np.newaxis]
        rhs = rhs * (w[:, np.newaxis] if np.ndim(rhs) == 2 else w)
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    c, resids, rank, s = np.linalg.lstsq(lhs, rhs, rcond)
    c = (c.T / scale).T
    if rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning, stacklevel=2)
    if full:
        return c, resids, rank, s, rcond
    if cov:
        base = np.linalg.inv(np.dot(lhs.T, lhs)) / np.outer(scale, scale)
        if cov == "unscaled":
            factor: Any = 1
        else:
            if len(x) <= order:
                raise ValueError(
                    "the number of data points must exceed order to scale the covariance matrix"
                )
            factor = resids / (len(x) - order)
        if np.ndim(y) == 1:
            return c, base * factor
        return c, base[:, :, np.newaxis] * factor
    return c


@implements(np.poly)
def _poly(seq_of_zeros: Any) -> Any:
    zeros = np.atleast_1d(seq_of_zeros)
    shape = np.shape(zeros)
    if len(shape) == 2 and shape[0] == shape[1] and shape[0] != 0:
        zeros = np.linalg.eigvals(zeros)
    elif len(shape) != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if len(zeros) == 0:
        return 1.0
    a: Any = np.ones((1,), dtype=zeros.dtype)
    for i in range(len(zeros)):
        a = np.convolve(a, np.concatenate((np.ones(1, zeros.dtype), -zeros[i : i + 1])))
    if a.dtype.kind == "c":  # numpy: real coefficients when the roots pair up conjugate
        roots = np.asarray(_value_of(zeros), complex)
        if np.all(np.sort(roots) == np.sort(roots.conjugate())):
            a = a.real.copy()
    return a


def _distinct_roots(roots: np.ndarray) -> None:
    """A LinAlgError at a repeated root: rounding splits a root of multiplicity m by
    about eps^(1/m) of its size, so roots closer than n sqrt(eps) (relative) are taken as
    one repeated root, where no root is differentiable (the derivative is infinite)."""
    n = len(roots)
    scale = max(float(np.max(np.abs(roots), initial=0.0)), np.finfo(float).tiny)
    gaps = np.abs(roots[:, None] - roots[None, :])
    gaps[np.diag_indices(n)] = np.inf
    tolerance = n * np.sqrt(np.finfo(roots.real.dtype).eps) * scale
    if n > 1 and np.min(gaps) <= tolerance:
        i, j = np.unravel_index(np.argmin(gaps), gaps.shape)
        raise np.linalg.LinAlgError(
            f"numpy.roots of a dual array: the polynomial has a repeated root ({roots[i]!r} "
            f"and {roots[j]!r}, equal within rounding), where its roots are not differentiable"
        )


@implements(np.roots)
def _roots(p: Any) -> Any:
    # the eigenvalues of the companion matrix (numpy's), leading and trailing zero
    # coefficients dropped as numpy drops them
    cls = common_kind("roots", p)
    p = np.atleast_1d(p)
    if p.ndim != 1:
        raise ValueError("Input must be a rank-1 array.")
    non_zero = np.nonzero(_value_of(p))[0]
    if len(non_zero) == 0:
        return np.array([])
    trailing = len(p) - int(non_zero[-1]) - 1
    kept = slice(int(non_zero[0]), int(non_zero[-1]) + 1)
    if isinstance(p, DualArray):
        dropped = np.ones(len(p), dtype=bool)
        dropped[kept] = False
        if np.any(p._stack[1:, dropped] != 0):
            # a zero leading coefficient that moves sends a root to infinity (numpy's count
            # of roots changes); one at the end moves the root at 0 and every other root:
            # the stripped polynomial's roots would miss those parts
            raise TypeError(
                "hyperdiff cannot differentiate numpy.roots here: a leading or trailing "
                "coefficient is 0 (numpy drops it) but its derivative parts are not"
            )
    p = p[kept]
    n = len(p)
    if n > 1:
        shift = np.diag(np.ones(n - 2, p.dtype), -1)[1:]
        companion = np.concatenate((np.reshape(-p[1:] / p[0], (1, n - 1)), shift))
        _distinct_roots(np.linalg.eigvals(_value_of(companion)))
        # (the eigenvalues of a dual matrix are dual: numpy's stubs say ndarray)
        roots: DualArray = np.linalg.eigvals(companion)  # type: ignore[assignment]
    else:
        roots = cls._wrap(np.zeros((cls._planes, 0), dtype=p.dtype))
    zeros = np.zeros(trailing, _value_of(roots).dtype)
    return np.concatenate((roots, zeros))


# --- numpy.linalg's array-API aliases ---------------------------------------------------------
@implements(np.linalg.matmul)
def _linalg_matmul(x1: Any, x2: Any, /) -> Any:
    return np.matmul(x1, x2)


@implements(np.linalg.outer)
def _linalg_outer(x1: Any, x2: Any, /) -> Any:
    if np.ndim(x1) != 1 or np.ndim(x2) != 1:
        raise ValueError(
            f"Input arrays must be one-dimensional, but they are x1.ndim={np.ndim(x1)} "
            f"and x2.ndim={np.ndim(x2)}."
        )
    return np.outer(x1, x2)


@implements(np.linalg.tensordot)
def _linalg_tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> Any:
    return np.tensordot(x1, x2, axes=axes)


@implements(np.linalg.vecdot)
def _linalg_vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    return np.vecdot(x1, x2, axis=axis)  # type: ignore[call-overload]  # (stubs lack axis=)


@implements(np.linalg.matrix_transpose)
def _linalg_matrix_transpose(x: Any, /) -> Any:
    return np.matrix_transpose(x)


@implements(np.linalg.cross)
def _linalg_cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    if np.shape(x1)[axis] != 3 or np.shape(x2)[axis] != 3:
        raise ValueError(
            "Both input arrays must be (arrays of) 3-dimensional vectors, "
            f"but they are {np.shape(x1)[axis]} and {np.shape(x2)[axis]} dimensional instead."
        )
    return np.cross(x1, x2, axis=axis)


@implements(np.linalg.tensorinv)
def _tensorinv(a: Any, ind: int = 2) -> Any:
    # numpy's steps: the inverse of a reshaped to a square matrix
    shape = np.shape(a)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    inverse_shape = shape[ind:] + shape[:ind]
    rows = int(np.prod(shape[ind:], dtype=np.int64))
    inverse = np.linalg.inv(np.reshape(a, (int(np.prod(shape[:ind], dtype=np.int64)), rows)))
    return np.reshape(inverse, inverse_shape)


@implements(np.linalg.tensorsolve)
def _tensorsolve(a: Any, b: Any, axes: Any = None) -> Any:
    # numpy's steps: a's summed axes moved last, then one square solve
    ndim = np.ndim(a)
    if axes is not None:
        order = list(range(ndim))
        for k in axes:
            order.remove(k)
            order.insert(ndim, k)
        a = np.transpose(a, order)
    shape = np.shape(a)[-(ndim - np.ndim(b)) :]
    size = int(np.prod(shape, dtype=np.int64))
    if int(np.prod(np.shape(a), dtype=np.int64)) != size**2:
        raise np.linalg.LinAlgError(
            "Input arrays must satisfy the requirement prod(a.shape[b.ndim:]) == "
            "prod(a.shape[:b.ndim])"
        )
    solution = np.linalg.solve(np.reshape(a, (size, size)), np.ravel(b))
    return np.reshape(solution, shape)
