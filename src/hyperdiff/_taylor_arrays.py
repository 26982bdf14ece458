"""The Taylor kinds: truncated univariate Taylor polynomials of degree d as dual arrays
(the kinds layer; the transforms on them, hd.taylor and derivative(order >= 3), are in
_taylor.py).

An element is x(t) = sum_k x_k t^k / k!, stored as d + 1 planes x_0 .. x_d, plane k the
k-th derivative d^k x/dt^k at t = 0. The C++ kernels (cpp/include/hyperdiff/taylor.hpp)
propagate the planes through every table function by its ODE's O(d^2) recurrence;
multilinear functions of two Taylor arrays use the Leibniz rule (`bilinear`, batched);
linear algebra beyond products raises at degree 3 and above (`check_linalg`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike

from . import _core
from ._arrays import DualArray

MAX_DEGREE: int = _core.TAYLOR_MAX_DEGREE


class TaylorArray(DualArray):
    """Base of the Taylor kinds: plane k is the k-th derivative along the seeded
    direction (`.coefficients`, shape (d, *shape)); the degree is a class attribute."""

    __slots__ = ()
    _kind = -1
    _degree: ClassVar[int]

    @classmethod
    def _unary_kernel(cls, function: int, x: np.ndarray, out: np.ndarray) -> None:
        _core.taylor_unary(function, cls._degree, x, out)

    @classmethod
    def _binary_kernel(
        cls, function: int, x: np.ndarray, x_parts: bool, y: np.ndarray, y_parts: bool, out: Any
    ) -> None:
        _core.taylor_binary(function, cls._degree, x, x_parts, y, y_parts, out)

    @property
    def degree(self) -> int:
        return self._degree

    @property
    def coefficients(self) -> np.ndarray:
        """The derivatives d^k/dt^k, k = 1 .. d, shape (d, *shape) (a view)."""
        return self._data[1:]

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore, (self._degree, self._tag, self._data)


def _restore(degree: int, tag: int, data: np.ndarray) -> TaylorArray:
    from ._arrays import tagged

    return tagged(taylor_type(degree), tag)._wrap(data)


def _products(degree: int) -> tuple[tuple[int, int, int], ...]:
    """The multiplication table: plane i times plane j adds C(i + j, i) times to plane
    i + j (the Leibniz rule in derivative-style coefficients; a triple repeated adds
    again, _algebra.multiply's convention)."""
    return tuple(
        (i, j, i + j)
        for i in range(degree + 1)
        for j in range(degree + 1 - i)
        for _ in range(math.comb(i + j, i))
    )


@functools.cache
def taylor_type(degree: int) -> type[TaylorArray]:
    """The Taylor kind of degree d (d + 1 planes)."""
    if not isinstance(degree, int) or isinstance(degree, bool) or not 1 <= degree <= MAX_DEGREE:
        raise ValueError(f"a Taylor degree is an integer in [1, {MAX_DEGREE}], not {degree!r}")
    attributes = {
        "__slots__": (),
        "__module__": __name__,
        "_degree": degree,
        "_planes": degree + 1,
        "_part_names": tuple(f"d{k}" for k in range(1, degree + 1)),
        "_products": _products(degree),
        "_order": degree,
        "_spec": ("taylor", degree),
    }
    return type(f"Taylor{degree}", (TaylorArray,), attributes)


def taylor_array(x: ArrayLike, coefficients: Sequence[ArrayLike], degree: int | None = None) -> Any:
    """A Taylor array of value x and derivatives `coefficients` (x_1, x_2, ...; those
    beyond them zero) of the given degree (default: len(coefficients))."""
    d = len(coefficients) if degree is None else degree
    if len(coefficients) > d:
        raise ValueError(f"{len(coefficients)} coefficients do not fit degree {d}")
    parts = (*coefficients, *([0.0] * (d - len(coefficients))))
    return taylor_type(d)._from_parts(x, parts, None)


# --- multilinear functions --------------------------------------------------------------
def bilinear(
    cls: type[TaylorArray],
    op: Callable[..., Any],
    batched: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    x: np.ndarray,
    y: np.ndarray,
) -> np.ndarray:
    """The planes of op(x, y) for op bilinear and x, y the planes of two Taylor arrays:
    z_k = sum_j C(k, j) op(x_j, y_{k-j}); the value by numpy's own op. With `batched`
    (op over a leading axis), the (d+1)(d+2)/2 - 1 products are one call."""
    d = cls._degree
    value = np.asarray(op(x[0], y[0]))
    pairs = [(i, k - i) for k in range(1, d + 1) for i in range(k + 1)]
    i = np.array([p[0] for p in pairs])
    j = np.array([p[1] for p in pairs])
    k = i + j
    weights = np.array([math.comb(int(a + b), int(a)) for a, b in pairs], dtype=float)
    if batched is not None:
        terms = batched(x[i], y[j])
        terms = terms * weights.reshape(-1, *([1] * (terms.ndim - 1))).astype(terms.real.dtype)
        out = np.zeros((d + 1, *value.shape), dtype=np.result_type(value, terms))
        np.add.at(out, k, terms)
    else:
        out = np.zeros((d + 1, *value.shape), dtype=value.dtype)
        for a, b, w in zip(i.tolist(), j.tolist(), weights.tolist(), strict=True):
            term = op(x[a], y[b])
            out[a + b] += term if w == 1.0 else w * term
    out[0] = value
    return out


def check_linalg(name: str, cls: type[DualArray]) -> None:
    """A TypeError for linear algebra on a Taylor kind of degree 3 or more (the rules
    of hyperdiff.linalg are written to order 2)."""
    if issubclass(cls, TaylorArray) and cls._degree > 2:
        raise TypeError(
            f"hyperdiff's numpy.linalg.{name} supports Taylor arrays to degree 2, not "
            f"{cls._degree}: its perturbation rules are written to second order"
        )
