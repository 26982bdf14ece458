"""Multilinear numpy functions on dual arrays, through each kind's multiplication table.

Every kind is an algebra whose planes multiply by a fixed table: plane i of x
times plane j of y adds to plane k of x*y, a triple (i, j, k) in `kind._products`.
For any multilinear function B (matmul, dot, einsum, outer, ...)

    B(x, y)[k] = sum over (i, j) -> k of B(x[i], y[j]),

so one loop over the table differentiates them all, on every kind, with the
value plane computed by numpy's own B on the values. Linear algebra
(`hyperdiff.linalg`) is written on the same plane lists.

Inside this module and linalg.py an operand is a *plane list*: one ndarray per
plane, `None` for a plane known to be zero (whose products are skipped). A
plain ndarray is the one-plane list `[array]`.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import string
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from . import _core
from ._arrays import (
    DualArray,
    not_holomorphic_result,
    own_number,
    register_rules,
    sparse_operand_refusal,
)
from ._functions import common_kind, implements, not_holomorphic
from ._multivariate import unify
from ._taylor_arrays import TaylorArray
from ._taylor_arrays import bilinear as _taylor_bilinear
from ._ufuncs import COMPONENT_DTYPES, GUFUNC_RULES, admit, check_component_dtype, contiguous

PlaneList = list[Any]  # list[np.ndarray | None]


def planes_of(x: Any, name: str) -> PlaneList:
    if isinstance(x, DualArray):
        return list(x._stack)
    refusal = sparse_operand_refusal(f"numpy.{name}", (x,), "a dual array")
    if refusal is not None:
        raise TypeError(refusal)
    array = np.asarray(x)
    if array.dtype == object:
        raise TypeError(
            f"numpy.{name} of a dual array and an object array is not supported; pass dual arrays "
            "(an object array of duals comes from np.asarray on a dual array)"
        )
    return [array]


def wrap(cls: type[DualArray], planes: PlaneList | np.ndarray) -> Any:
    """A dual array of kind cls from a plane list (None planes become zeros), or from
    a fresh stack of every plane, taken as it is."""
    if isinstance(planes, np.ndarray):
        data = planes
    else:
        present = [p for p in planes if p is not None]
        shape = np.broadcast_shapes(*(p.shape for p in present))
        data = np.zeros((cls._planes, *shape), dtype=np.result_type(*present))
        for k, p in enumerate(planes):
            if p is not None:
                data[k] = p
    if data.dtype.kind in "biu":
        data = data.astype(np.float64)
    check_component_dtype(data.dtype)
    return cls._wrap(np.ascontiguousarray(data))


@functools.cache
def product_targets(
    cls: type[DualArray],
) -> dict[tuple[int, int], tuple[tuple[int, int], ...]]:
    """(i, j) -> the planes that plane i times plane j adds to, each with the times it
    adds (a plane may repeat, adding again: the kinds that list a triple twice)."""
    table: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    weights = cls._product_weights or (1,) * len(cls._products)
    for (i, j, k), w in zip(cls._products, weights, strict=True):
        table[i, j].append((k, w))
    return {pair: tuple(ks) for pair, ks in table.items()}


@functools.cache
def layout(cls: type[DualArray]) -> tuple[int, np.ndarray]:
    """The kind's algebra as (K, pairs): planes 0 (value), 1 .. K (first order, e_a) and
    K+1+q (second order, e_a e_b for pairs[q] = (a, b); a pair (a, a) counts e_a^2
    twice, as (x e_a)^2 has 2 x^2). Every kind is one: Dual is (1, none), HyperDual
    (2, [(0, 1)]), the multivariate kinds their Jet layouts."""
    if hasattr(cls, "_first"):  # a Jet layout
        return cls._first, np.asarray(cls._pairs, dtype=np.intp).reshape(-1, 2)
    if cls._order == 1:  # Dual
        return cls._planes - 1, np.empty((0, 2), dtype=np.intp)
    return 2, np.array([[0, 1]], dtype=np.intp)  # HyperDual: e1, e2, e1 e2


@functools.cache
def _pair_planes(cls: type[DualArray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a planes, b planes, product planes) of the kind's second-order products."""
    first, pairs = layout(cls)  # type: ignore[arg-type]  # (mypy#11470)
    return 1 + pairs[:, 0], 1 + pairs[:, 1], 1 + first + np.arange(len(pairs))


def _bilinear(
    cls: type[DualArray],
    op: Callable[..., Any],
    batched: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    x: np.ndarray,
    y: np.ndarray,
    strong: bool = True,
    conjugate: str = "",
) -> np.ndarray:
    """The planes of op(x, y) in the algebra, for op bilinear and x, y the planes of two
    dual arrays of kind cls: plane k is op(x0, y_k) + op(x_k, y0), and a second-order
    plane adds op(x_a, y_b) + op(x_b, y_a) for its pair. O(planes + pairs) calls of op,
    or, with `batched` (op over a leading axis of both operands), five calls whatever
    the planes: a Hessian's 1,326 planes are five batched matrix products, not 1.76
    million products of plane pairs. strong: op is a sum of products with non-negative
    weights, whose zero parts strong_zeros makes strong (not np.cross's differences)."""
    if issubclass(cls, TaylorArray):  # the Leibniz rule, its weights C(k, j)
        return _taylor_bilinear(cls, op, batched, x, y)
    return _products_of(cls, op, batched, x, y, strong, conjugate)


def _products_of(
    cls: type[DualArray],
    op: Callable[..., Any],
    batched: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    x: np.ndarray,
    y: np.ndarray,
    strong: bool,
    conjugate: str,
) -> np.ndarray:
    """_bilinear's planes: as BLAS (or the C++ products) give them, where a factor's inf
    or nan meets the other's zeros as IEEE products do, mended by strong_zeros (so
    numpy's warning of an invalid value is the value's alone)."""
    value = np.asarray(op(x[0], y[0]))  # numpy's own value, bit for bit
    with np.errstate(invalid="ignore"):
        out, mended = _parts_of(cls, op, batched, x, y, value)
    return strong_zeros(cls, op, batched, x, y, out, conjugate) if strong and not mended else out


def _parts_of(
    cls: type[DualArray],
    op: Callable[..., Any],
    batched: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    x: np.ndarray,
    y: np.ndarray,
    value: np.ndarray,
) -> tuple[np.ndarray, bool]:
    """The planes, and whether they are mended already (_matrix_product's)."""
    a, b, h = _pair_planes(cls)  # type: ignore[arg-type]  # (mypy#11470)
    if batched is _batched_matmul and 2 <= x.ndim <= 3 and 2 <= y.ndim <= 3:
        # vectors as one-row / one-column matrices; matrices (P, m, n) @ (P, n, p)
        xm = x[:, None, :] if x.ndim == 2 else x
        ym = y[:, :, None] if y.ndim == 2 else y
        if _small(xm, ym):
            matrix = value.reshape(xm.shape[1], ym.shape[2])
            product = _matrix_product(cls, matrix, xm, ym)
            return product.reshape(len(x), *value.shape), True
    if batched is not None:
        if batched is _batched_matmul:  # (a transposed stack of small matrices: copied
            x, y = contiguous(x), contiguous(y)  # once, not by each product and pick)
        rest_x = np.broadcast_to(x[0], x[1:].shape)
        rest_y = np.broadcast_to(y[0], y[1:].shape)
        out = np.empty((cls._planes, *value.shape), dtype=np.result_type(value, x, y))
        out[0] = value
        np.add(batched(rest_x, y[1:]), batched(x[1:], rest_y), out=out[1:])  # no copy after
        if len(h):
            pairs = out[h[0] : h[-1] + 1]  # (the pair planes: consecutive, a view)
            pairs += batched(x[a], y[b])
            pairs += batched(x[b], y[a])
        return out, False
    out = np.empty((cls._planes, *value.shape), dtype=value.dtype)
    out[0] = value
    for k in range(1, cls._planes):
        out[k] = op(x[0], y[k]) + op(x[k], y[0])
    for ka, kb, kh in zip(a.tolist(), b.tolist(), h.tolist(), strict=True):
        out[kh] += op(x[ka], y[kb]) + op(x[kb], y[ka])
    return out, False


def _finite(a: np.ndarray) -> bool:
    """Whether a has no inf or nan (its sum is finite: one pass; an overflowing sum of
    finite entries says no, and the caller only takes a slower path)."""
    with np.errstate(all="ignore"):
        return bool(np.isfinite(a.sum()))


def _strong_product(
    op: Callable[[np.ndarray, np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """op(a, b) for op a sum of products a_i b_j with non-negative weights (matmul, dot,
    einsum, outer, kron...), each product with a zero factor 0 even against inf or nan:
    the strong zero of the C++ matrix products' zero planes and rows (products.hpp),
    entry by entry. The finite products by op itself, then the non-finite ones counted
    by op on indicator arrays: the +inf, -inf and nan products of each result entry."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    if fa.all() and fb.all():
        return op(a, b)
    finite = np.asarray(op(np.where(fa, a, 0), np.where(fb, b, 0)))

    def count(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.asarray(op(u.astype(a.dtype), v.astype(b.dtype)))

    a_up, a_down = a > 0, a < 0  # (inf included)
    b_up, b_down = b > 0, b < 0
    a_inf, b_inf = np.isinf(a), np.isinf(b)
    # an infinite product: one factor infinite, the other of either sign and not 0
    plus = count(a_up & a_inf, b_up) + count(a_down & a_inf, b_down)
    plus += count(a_up & fa, b_up & b_inf) + count(a_down & fa, b_down & b_inf)
    minus = count(a_up & a_inf, b_down) + count(a_down & a_inf, b_up)
    minus += count(a_up & fa, b_down & b_inf) + count(a_down & fa, b_up & b_inf)
    nan = count(np.isnan(a), b != 0) + count((a != 0) & ~np.isnan(a), np.isnan(b))
    result = np.where(plus > 0, np.inf, finite)
    result = np.where(minus > 0, -np.inf, result)
    result = np.where((nan > 0) | ((plus > 0) & (minus > 0)), np.nan, result)
    return result.astype(finite.dtype, copy=False)


def strong_product(
    op: Callable[[np.ndarray, np.ndarray], np.ndarray],
    u: np.ndarray,
    v: np.ndarray,
    conjugate: str = "",
) -> np.ndarray:
    """op(u, v) with _strong_product's zeros, complex operands by their real and
    imaginary parts (each zero a strong zero, as kinds.hpp's part_times has them);
    conjugate: the operand op conjugates ("first": vdot, vecdot; "second": correlate)."""
    if u.dtype.kind != "c" and v.dtype.kind != "c":
        return _strong_product(op, u, v)
    ur, ui, vr, vi = u.real, u.imag, v.real, v.imag
    rr, ii = _strong_product(op, ur, vr), _strong_product(op, ui, vi)
    ri, ir = _strong_product(op, ur, vi), _strong_product(op, ui, vr)
    if conjugate == "first":  # (ur - i ui)(vr + i vi)
        real, imaginary = rr + ii, ri - ir
    elif conjugate == "second":
        real, imaginary = rr + ii, ir - ri
    else:
        real, imaginary = rr - ii, ri + ir
    result = np.empty(real.shape, np.result_type(u, v))
    result.real, result.imag = real, imaginary
    return result


def _strong_terms(op: Callable[..., Any], *factors: Any) -> Any:
    """op(*factors) for op a sum of products of one entry of each factor with
    non-negative weights (einsum of several operands), each product with a zero factor
    0 even against inf or nan (_strong_product's rule for any number of factors); real
    components only (complex ones as op gives them)."""
    arrays = [np.asarray(f) for f in factors]
    if any(a.dtype.kind == "c" for a in arrays):
        return op(*arrays)
    finite = [np.isfinite(a) for a in arrays]
    dtype = np.result_type(*arrays)

    def count(masks: Any) -> np.ndarray:
        return np.asarray(op(*(m.astype(dtype) for m in masks)))

    def signed(within: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The products of nonzero, non-nan factors within the masks: (+, -) counts."""
        plus: Any = 0
        minus: Any = 0
        for signs in itertools.product((1, -1), repeat=len(arrays)):
            masks = [
                (a > 0 if s > 0 else a < 0) & w
                for a, s, w in zip(arrays, signs, within, strict=True)
            ]
            if math.prod(signs) > 0:
                plus = plus + count(masks)
            else:
                minus = minus + count(masks)
        return np.asarray(plus), np.asarray(minus)

    every = [np.ones(a.shape, dtype=bool) for a in arrays]
    plus, minus = signed(every)
    finite_plus, finite_minus = signed(finite)
    plus, minus = plus - finite_plus, minus - finite_minus  # those with an infinite factor
    nan = count([a != 0 for a in arrays]) - count([(a != 0) & ~np.isnan(a) for a in arrays])
    result = np.asarray(op(*(np.where(f, a, 0) for a, f in zip(arrays, finite, strict=True))))
    result = np.where(plus > 0, np.inf, result)
    result = np.where(minus > 0, -np.inf, result)
    return np.where((nan > 0) | ((plus > 0) & (minus > 0)), np.nan, result).astype(result.dtype)


def strong_zeros(
    cls: type[DualArray],
    op: Callable[..., Any],
    batched: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    x: np.ndarray,
    y: np.ndarray,
    out: np.ndarray,
    conjugate: str = "",
) -> np.ndarray:
    """out, the planes of the product op(x, y) in the algebra of cls as BLAS (or the
    C++ products, which skip only whole zero planes and rows) gave them, with the parts
    made again where an inf or nan of one factor met a zero entry of the other
    (_strong_product): c @ x with c = [1, inf] has the gradient [1, inf], as
    np.sum(c * x) has, not [nan, inf]. x or y may be a constant (one plane). Complex
    components by their real and imaginary parts (each zero a strong zero, as
    kinds.hpp's part_times has them); conjugate: the operand op conjugates ("first":
    vdot, vecdot; "second": correlate). Nothing to do while out, or both x and y, are
    finite (the smaller side judged first: T5's outer product has 8 MB of planes from
    two 80 kB operands, and summing it doubled T5's time)."""
    if x.size + y.size <= out.size:
        if (_finite(x) and _finite(y)) or _finite(out):
            return out
    elif _finite(out) or (_finite(x) and _finite(y)):
        return out

    def batch(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.stack([op(s, t) for s, t in zip(u, v, strict=True)])

    def product(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return strong_product(batch if batched is None else batched, u, v, conjugate)

    x = x.astype(out.dtype, copy=False)
    y = y.astype(out.dtype, copy=False)
    if len(x) == 1:  # a constant times y's parts
        out[1:] = product(np.broadcast_to(x[0], (len(y) - 1, *x.shape[1:])), y[1:])
        return out
    if len(y) == 1:
        out[1:] = product(x[1:], np.broadcast_to(y[0], (len(x) - 1, *y.shape[1:])))
        return out
    out[1:] = product(np.broadcast_to(x[0], x[1:].shape), y[1:])
    out[1:] += product(x[1:], np.broadcast_to(y[0], y[1:].shape))
    a, b, h = _pair_planes(cls)  # type: ignore[arg-type]  # (mypy#11470)
    if len(h):
        out[h] += product(x[a], y[b])
        out[h] += product(x[b], y[a])
    return out


def _small(x: np.ndarray, y: np.ndarray) -> bool:
    """Matrices small enough that numpy's per-matrix overhead in a batched matmul
    outweighs the work (for large ones a batch of GEMMs is as fast, and allocates less)."""
    result: bool = x.shape[1] * x.shape[2] * y.shape[2] <= 1 << 15
    return result


@functools.cache
def _pair_table(cls: type[DualArray]) -> tuple[int, np.ndarray]:
    """The layout as _core.matrix_product_parts takes it: K and the pairs as int64, read
    only (the kernels judge such a table's indices once)."""
    first, pairs = layout(cls)  # type: ignore[arg-type]  # (mypy#11470)
    table = np.array(pairs, dtype=np.int64, order="C")
    table.flags.writeable = False
    return first, table


@functools.cache
def _pair_gather(cls: type[DualArray], m: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices into the (K·m, K·p) matrix of blocks x_i y_j (K first-order planes,
    m x p blocks) of x_a y_b and of x_b y_a for every pair (a, b), pair by pair."""
    first, pairs = layout(cls)  # type: ignore[arg-type]  # (mypy#11470)
    a, b = pairs[:, 0, None, None], pairs[:, 1, None, None]
    row, column = np.arange(m)[:, None], np.arange(p)
    width = first * p
    return ((a * m + row) * width + b * p + column).ravel(), (
        (b * m + row) * width + a * p + column
    ).ravel()


def _matrix_product(
    cls: type[DualArray], value: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """_bilinear for the product of two matrices (planes (P, m, n) and (P, n, p)). Small
    ones (2 <= p <= 8, m n p <= 256: T6's 5x5) in C++, which writes each plane once in
    the layout's order and skips products of an all-zero plane (products.hpp): T6's
    products 180 -> 25-45 us. Otherwise three GEMMs: x_k y0 for every k as one
    (P·m x n)(n x p) product, x0 y_k as one (P·p x n)(n x m) product of the transposes,
    and every pair block x_i y_j of the K first-order planes as one (K·m x n)(n x K·p)
    product, from which each second-order plane gathers its two (one np.take each:
    numpy's strided adds and fancy indexing of 5x5 blocks cost three times as much);
    BLAS wins there (8x8x8 and beyond, and p = 1, where the stacked planes make one
    GEMV). An inf or nan against a zero entry is mended by strong_zeros (the C++ pass
    says whether an operand holds one, so T6 pays no check of its planes)."""
    planes, m, n = x.shape
    p = y.shape[2]
    dtype = x.dtype if x.dtype == y.dtype == value.dtype else np.result_type(value, x, y)
    out = np.empty((planes, m, p), dtype=dtype)
    out[0] = value
    if 2 <= p <= _core.MAX_PRODUCT_WIDTH and m * n * p <= 256:
        first, table = _pair_table(cls)  # type: ignore[arg-type]  # (mypy#11470)
        if x.dtype != dtype or not x.flags.c_contiguous:
            x = np.ascontiguousarray(x, dtype=dtype)
        if y.dtype != dtype or not y.flags.c_contiguous:
            y = np.ascontiguousarray(y, dtype=dtype)
        # (record: out goes to a fresh dual array alone, so its zero planes are
        # remembered for the next product or norm until its planes are exposed)
        if _core.matrix_product_parts(out, x, y, first, table, True):  # an inf or nan in x, y
            with np.errstate(invalid="ignore"):  # (the parts' inf 0: strong_zeros)
                return strong_zeros(cls, np.matmul, _batched_matmul, x, y, out)
        return out  # (C++ arithmetic raises no numpy warning: no errstate needed)
    with np.errstate(invalid="ignore"):
        return _matrix_product_by_blas(cls, x, y, out)


def _matrix_product_by_blas(
    cls: type[DualArray], x: np.ndarray, y: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """_matrix_product's parts beyond the C++ products' sizes: three GEMMs."""
    planes, m, n = x.shape
    p = y.shape[2]
    rest = planes - 1
    np.matmul(x[1:].reshape(rest * m, n), y[0], out=out[1:].reshape(rest * m, p))
    # x0 y_k = (y_k^T x0^T)^T: the y_k^T stacked as rows, one product
    stacked = y[1:].transpose(0, 2, 1).reshape(rest * p, n)
    out[1:] += (stacked @ x[0].T).reshape(rest, p, m).transpose(0, 2, 1)
    first, pairs = layout(cls)  # type: ignore[arg-type]  # (mypy#11470)
    if 0 < 2 * len(pairs) < first * first:  # few pairs (HyperDual: one of four blocks)
        a, b, h = _pair_planes(cls)  # type: ignore[arg-type]  # (mypy#11470)
        out[h] += np.matmul(x[a], y[b]) + np.matmul(x[b], y[a])
    elif len(pairs):  # a Hessian's triangle: every block x_i y_j is needed
        rows = x[1 : 1 + first].reshape(first * m, n)
        columns = np.moveaxis(y[1 : 1 + first], 0, 1).reshape(n, first * p)
        blocks = (rows @ columns).ravel()  # [(i, r), (j, c)] = (x_i y_j)[r, c]
        ab, ba = _pair_gather(cls, m, p)  # type: ignore[arg-type]  # (mypy#11470)
        pair_sums = np.take(blocks, ab)
        pair_sums += np.take(blocks, ba)
        out[1 + first :] += pair_sums.reshape(len(pairs), m, p)
    return strong_zeros(cls, np.matmul, _batched_matmul, x, y, out)


def multiply(
    cls: type[DualArray], op: Callable[..., Any], *operands: PlaneList, strong: bool = True
) -> PlaneList:
    """op(*operands) in the algebra of cls, for op linear in each operand (strong: a
    sum of products with non-negative weights, whose zeros _strong_terms keeps strong
    where a term of parts is not finite)."""
    following = _following(cls)  # type: ignore[arg-type]  # (mypy#11470)
    out: PlaneList = [None] * cls._planes
    # the combinations of planes (one per operand) whose product is not zero, in
    # lexicographic order, each prefix extended only while it has targets (a bundle's
    # hundreds of planes make planes^3 combinations, of which a few thousand count)
    # (targets: the planes the combination adds to, each with the times it adds)
    stack: list[tuple[tuple[int, ...], tuple[tuple[int, int], ...]]] = [
        ((i,), ((i, 1),)) for i in reversed(range(len(operands[0]))) if operands[0][i] is not None
    ]
    while stack:
        combo, targets = stack.pop()
        if len(combo) == len(operands):
            factors = [o[i] for o, i in zip(operands, combo, strict=True)]
            if any(combo):  # a part (the value is numpy's own, with its warnings)
                with np.errstate(invalid="ignore"):
                    term = op(*factors)
                if strong and not _finite(np.asarray(term)):
                    term = _strong_terms(op, *factors)
            else:
                term = op(*factors)
            for k, times in targets:
                added = term if times == 1 else times * term
                out[k] = added if out[k] is None else out[k] + added
            continue
        operand = operands[len(combo)]
        extended: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for t, times in targets:
            for i, ks in following[t]:
                if i < len(operand) and operand[i] is not None:
                    extended[i].extend((k, times * w) for k, w in ks)
        stack.extend(((*combo, i), tuple(extended[i])) for i in sorted(extended, reverse=True))
    return out


@functools.cache
def _following(
    cls: type[DualArray],
) -> dict[int, list[tuple[int, tuple[tuple[int, int], ...]]]]:
    """t -> [(i, the planes that plane t times plane i adds to, with their times), ...]
    (product_targets by its first plane)."""
    following: dict[int, list[tuple[int, tuple[tuple[int, int], ...]]]] = defaultdict(list)
    for (t, i), ks in product_targets(cls).items():  # type: ignore[arg-type]  # (mypy#11470)
        following[t].append((i, ks))
    return following


def linear(op: Callable[[Any], Any], x: PlaneList) -> PlaneList:
    """A function linear in x, applied plane by plane; a part plane holding inf or nan
    with its zeros strong (_strong_linear). The results are judged finite in one check
    of them all (judged one by one, the Hessian of sum(eigh(m)[0]^3) at 4x4 took 1.7
    times as long)."""
    with np.errstate(invalid="ignore"):
        out: PlaneList = [None if p is None else op(p) for p in x]
    parts = [k for k, p in enumerate(x) if k and p is not None]
    if parts and not _all_finite([out[k] for k in parts]):
        for k in parts:
            p, result = np.asarray(x[k]), np.asarray(out[k])
            if not _finite(p) and not _finite(result):
                out[k] = _strong_linear(op, p, result)
    return out


def _all_finite(planes: list[Any]) -> bool:
    """Whether no plane holds an inf or nan, from one sum of them all (numpy stacks
    planes of one shape, or scalars, in one call; others are concatenated)."""
    with np.errstate(all="ignore"):
        try:
            total = np.sum(planes)
        except ValueError:  # (planes of several shapes)
            total = np.concatenate(planes, axis=None).sum()
    return bool(np.isfinite(total))


def _strong_linear(op: Callable[[Any], Any], p: np.ndarray, result: np.ndarray) -> np.ndarray:
    """op(p) for op linear, each entry of p that is inf or nan times op's column for it
    (op of its unit array) with a zero of that column a strong zero: the part of a
    diagonal matrix's inverse, q v q with v = inf E_00 and q = a0^-1, is 0 off the
    diagonal, not nan (as the products of matrices have it: _strong_product). Where op
    does not give arrays of one shape, op(p) as it was."""
    with np.errstate(invalid="ignore", over="ignore"):
        finite = np.isfinite(p)
        total = np.asarray(op(np.where(finite, p, 0)))
        if total.shape != result.shape:
            return result
        plus = np.zeros(total.shape, dtype=bool)
        minus = np.zeros(total.shape, dtype=bool)
        nan = np.zeros(total.shape, dtype=bool)
        for index in zip(*np.nonzero(~finite), strict=True):
            unit = np.zeros_like(p)
            unit[index] = 1
            column = np.asarray(op(unit))
            entry = p[index]
            if np.iscomplexobj(column) or np.iscomplexobj(entry):
                return result
            reached = column != 0
            if np.isnan(entry):
                nan |= reached
            else:
                up = (column > 0) == (entry > 0)
                plus |= reached & up
                minus |= reached & ~up
        out = np.where(plus, np.inf, total)
        out = np.where(minus, -np.inf, out)
        return np.where(nan | (plus & minus), np.nan, out).astype(result.dtype, copy=False)


def add(x: PlaneList, y: PlaneList, sign: float = 1.0) -> PlaneList:
    """x + sign*y, plane by plane (the lists may differ in length: a plain operand)."""
    n = max(len(x), len(y))
    x = x + [None] * (n - len(x))
    y = y + [None] * (n - len(y))
    out: PlaneList = []
    for a, b in zip(x, y, strict=True):
        if b is None:
            out.append(a)
        elif a is None:
            out.append(b if sign == 1.0 else -b)
        else:
            out.append(a + b if sign == 1.0 else a - b)
    return out


def apply(
    name: str,
    op: Callable[..., Any],
    *operands: Any,
    batched: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    strong: bool = True,
    conjugate: str = "",
) -> Any:
    """op(*operands) for a numpy function linear in each operand, on dual arrays;
    name is numpy's (numpy.<name>). batched: op over a leading axis of two operands.
    strong: op is a sum of products with non-negative weights (strong_zeros);
    conjugate: the operand it conjugates ("first", "second": vdot, correlate)."""
    operands = tuple(admit(x) for x in operands)  # object arrays of dual scalars: duals
    operands = unify(operands)  # an outer and an inner transform's kinds: their product
    cls = common_kind(name, *operands)
    result: Any
    if len(operands) == 2 and all(isinstance(x, DualArray) for x in operands):
        x, y = operands
        dtype = np.result_type(x.dtype, y.dtype)
        result = cls._wrap(
            _bilinear(
                cls,
                op,
                batched,
                x._stack.astype(dtype, copy=False),
                y._stack.astype(dtype, copy=False),
                strong,
                conjugate,
            )
        )
    elif (
        op is np.matmul
        and len(operands) == 2
        and (small := _small_products(cls, *operands)) is not None
    ):
        result = small
    elif len(operands) == 2 and batched is not None:
        x_planes, y_planes = (planes_of(x, name) for x in operands)
        result = _with_constant(cls, op, batched, x_planes, y_planes, strong, conjugate)
    else:
        planes = (planes_of(x, name) for x in operands)
        result = wrap(cls, multiply(cls, op, *planes, strong=strong))
    # a 0-d product is numpy's scalar (tensordot's a 0-d array: registered as one)
    return own_number(result)


def _with_constant(
    cls: type[DualArray],
    op: Callable[..., Any],
    batched: Callable[[np.ndarray, np.ndarray], np.ndarray],
    x: PlaneList,
    y: PlaneList,
    strong: bool = True,
    conjugate: str = "",
) -> Any:
    """op(x, y) with one operand a constant (a one-plane list): numpy's own value, and
    the parts of the dual operand in one batched call against the broadcast constant."""
    value = np.asarray(op(x[0], y[0]))
    with np.errstate(invalid="ignore"):  # (the parts' inf 0: strong_zeros)
        if len(x) > 1:
            parts = batched(np.stack(x[1:]), np.broadcast_to(y[0], (len(x) - 1, *y[0].shape)))
        else:
            parts = batched(np.broadcast_to(x[0], (len(y) - 1, *x[0].shape)), np.stack(y[1:]))
    if strong and not _finite(parts):  # a constant's inf against a zero part (strong_zeros)
        dtype = np.result_type(value, parts)
        planes = np.concatenate([value[None].astype(dtype), parts.astype(dtype, copy=False)])
        parts = strong_zeros(cls, op, batched, np.stack(x), np.stack(y), planes, conjugate)[1:]
    return wrap(cls, [value, *parts])


def _batched_matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """np.matmul over a leading axis of both (1-d operands as numpy treats them)."""
    x_vector, y_vector = x.ndim == 2, y.ndim == 2
    if x_vector:
        x = x[:, None, :]
    if y_vector:
        y = y[..., None]
    # the leading axis lines up only when both have as many stack axes
    lead = max(x.ndim, y.ndim)
    x = x.reshape(x.shape[:1] + (1,) * (lead - x.ndim) + x.shape[1:])
    y = y.reshape(y.shape[:1] + (1,) * (lead - y.ndim) + y.shape[1:])
    out: np.ndarray = _small_matmul(x, y) if _many_small(x, y) else np.matmul(x, y)
    if y_vector:
        out = out[..., 0]
    if x_vector:
        out = out[..., 0] if y_vector else out[..., 0, :]
    return out


def _many_small(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether a stacked product is of many small matrices (at most 4 x 4 x 4, a
    thousand of them and more, one side's a single matrix or a stack): numpy's matmul
    then costs ~70 ns a matrix (a plane
    stack of a finite-element energy's 5000 2 x 2 matrices, 27 planes: 9 ms), where
    _small_matmul takes ~0.3 ms."""
    if min(x.ndim, y.ndim) < 2 or max(x.ndim, y.ndim) < 3 or x.shape[-1] != y.shape[-2]:
        return False  # (matrices, one side a stack; a single one broadcasts)
    m, k = x.shape[-2:]
    n = y.shape[-1]
    if max(m, k, n) > 4 or min(m, k, n) < 1:
        return False
    try:
        return math.prod(np.broadcast_shapes(x.shape[:-2], y.shape[:-2])) >= 1024
    except ValueError:  # (stacks that do not broadcast: numpy's matmul says so)
        return False


def stack_matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x @ y of plane stacks: many small matrices through _small_matmul (numpy's matmul
    ~70 ns a 2 x 2 product: an inverse of 5000 of them on 28 planes, 10 ms), else
    numpy's."""
    if _many_small(x, y):
        return _small_matmul(x, y)
    result: np.ndarray = np.matmul(x, y)
    return result


def _small_products(cls: type[DualArray], x: Any, y: Any) -> Any:
    """x @ y of a dual stack of many small matrices and a constant one (or stack), or
    None: every part plane in one C++ pass (_small_matmul) straight into the result's
    planes, the value numpy's matmul; None also where a part is not finite (an inf of
    the constant against a zero part: the general path's strong zeros)."""
    dual_first = isinstance(x, DualArray)
    d, c = (x, y) if dual_first else (y, x)
    if not isinstance(d, DualArray) or isinstance(c, DualArray):  # (Taylor arrays too)
        return None
    c = np.asarray(c)
    planes = d._read
    # (the constant's stack no deeper than the dual's: it never meets the plane axis)
    if c.dtype.kind not in "fc" or c.ndim < 2 or d.ndim < 3 or c.ndim > d.ndim:
        return None
    parts = (planes[1:], c) if dual_first else (c, planes[1:])
    if not _many_small(*parts):
        return None
    value = np.matmul(planes[0], c) if dual_first else np.matmul(c, planes[0])
    out = np.empty((cls._planes, *value.shape), dtype=np.result_type(planes, c))
    _small_matmul(*parts, out=out[1:])
    if not _finite(out[1:]):
        return None
    out[0] = value
    return cls._wrap(out)


def _period(a: np.ndarray, stack: tuple[int, ...]) -> np.ndarray:
    """a broadcast to the stack's shape, as the matrices its stack repeats (its leading
    broadcast axes dropped: a constant's matrices, once, against every plane), C order
    (S, rows, columns)."""
    full = np.broadcast_to(a, (*stack, *a.shape[-2:]))
    lead = 0
    while lead < len(stack) and (full.strides[lead] == 0 or stack[lead] == 1):
        lead += 1
    return contiguous(full[(0,) * lead]).reshape(-1, *a.shape[-2:])


def _small_matmul(x: np.ndarray, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """np.matmul of stacks of small matrices in one C++ loop (_core.stacked_matmul:
    each product's sums in order, x_i0 y_0j + x_i1 y_1j + ...), each operand's
    repeating matrices read in place of its broadcast; entry by entry over the stack
    where the kernel declines (another dtype). out: C-contiguous, of the product's
    shape and dtype."""
    m, k = x.shape[-2:]
    n = y.shape[-1]
    stack = np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    dtype = np.result_type(x, y)
    if out is None:
        out = np.empty((*stack, m, n), dtype=dtype)
    flat = out.reshape(-1, m, n)
    if flat.size and _core.stacked_matmul(
        _period(x.astype(dtype, copy=False), stack),
        _period(y.astype(dtype, copy=False), stack),
        flat,
    ):
        return out
    term = np.empty(stack, dtype=dtype)
    for i in range(m):
        for j in range(n):
            entry = out[..., i, j]
            np.multiply(x[..., i, 0], y[..., 0, j], out=entry)
            for p in range(1, k):
                entry += np.multiply(x[..., i, p], y[..., p, j], out=term)
    return out


def matmul_of_one_kind(x: DualArray, y: DualArray) -> Any:
    """x @ y for two dual arrays of one kind (DualArray.__matmul__): matrices or vectors
    of one dtype straight to _bilinear, past numpy's dispatch and the gufunc rule's
    checks (~7 us of T6's 30 a product), small matrices to one C++ call (its Python
    steps another 2-3 us); anything else as np.matmul takes it."""
    if isinstance(x, TaylorArray):
        return np.matmul(x, y)
    # (`_read`: the product neither writes nor keeps its operands' planes, so they are
    # not marked exposed, and a Hessian's kept seeds stay reusable: T6's X and Y)
    xd, yd = x._read, y._read
    cls = type(x)
    if 2 <= xd.ndim <= 3 and 2 <= yd.ndim <= 3:  # small ones of one dtype all in C++ (T6's)
        first, table = _pair_table(cls)  # type: ignore[arg-type]  # (mypy#11470)
        planes = _core.small_matrix_product(xd, yd, first, table)
        if planes is not None:
            return cls._wrap(planes)
    if not (1 <= x.ndim <= 2 and 1 <= y.ndim <= 2):
        return np.matmul(x, y)
    if xd.dtype != yd.dtype:
        return np.matmul(x, y)
    if xd.ndim == 3 == yd.ndim and _small(xd, yd):  # two matrices: straight to their product
        return cls._wrap(_matrix_product(cls, np.matmul(xd[0], yd[0]), xd, yd))
    return cls._wrap(_bilinear(cls, np.matmul, _batched_matmul, x._stack, y._stack))


register_rules(matmul=matmul_of_one_kind)


def _batched_outer(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    result: np.ndarray = x.reshape(n, -1, 1) * y.reshape(n, 1, -1)
    return result


def _no_out(name: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"hyperdiff does not support the argument out= of numpy.{name}")


def _batched_contraction(na: int, nb: int, axes_a: Any, axes_b: Any) -> Any:
    """np.tensordot over a leading axis of both operands, for operands of na and nb axes
    contracting axes_a with axes_b: one einsum, output axes as tensordot orders them (a's
    free axes, then b's)."""
    letters = iter(string.ascii_letters[1:])  # "a" is the leading axis
    sub_a = [next(letters) for _ in range(na)]
    sub_b = [next(letters) for _ in range(nb)]
    for i, j in zip(axes_a, axes_b, strict=True):
        sub_b[j] = sub_a[i]
    contracted = {sub_a[i] for i in axes_a}
    output = [c for c in sub_a if c not in contracted] + [c for c in sub_b if c not in contracted]
    subscripts = f"a{''.join(sub_a)},a{''.join(sub_b)}->a{''.join(output)}"
    return lambda x, y: np.einsum(subscripts, x, y, optimize=True)


def _tensordot_axes(na: int, nb: int, axes: Any) -> tuple[list[int], list[int]]:
    """numpy.tensordot's axes argument as two lists of non-negative axes."""
    try:
        n = operator.index(axes)
    except TypeError:
        axes_a, axes_b = axes
        axes_a = [axes_a] if np.ndim(axes_a) == 0 else list(axes_a)
        axes_b = [axes_b] if np.ndim(axes_b) == 0 else list(axes_b)
    else:
        axes_a, axes_b = list(range(na - n, na)), list(range(n))
    return [int(i) % max(na, 1) for i in axes_a], [int(j) % max(nb, 1) for j in axes_b]


@implements(np.dot)
def _dot(a: Any, b: Any, out: Any = None) -> Any:
    _no_out("dot", out)
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:  # a product by a scalar
        batched: Any = _batched_multiply
    elif na <= 2 and nb <= 2:  # matmul for operands of one or two axes
        batched = _batched_matmul
    else:  # a's last axis with b's second-to-last (its only one for a vector)
        batched = _batched_contraction(na, nb, [na - 1], [max(nb - 2, 0)])
    return apply("dot", np.dot, a, b, batched=batched)


def _batched_multiply(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x * y over a leading axis of both (operands of different numbers of axes)."""
    lead = max(x.ndim, y.ndim)
    x = x.reshape(x.shape[:1] + (1,) * (lead - x.ndim) + x.shape[1:])
    y = y.reshape(y.shape[:1] + (1,) * (lead - y.ndim) + y.shape[1:])
    result: np.ndarray = x * y
    return result


@implements(np.vdot)
@not_holomorphic("numpy.vdot", 0, "a")
def _vdot(a: Any, b: Any) -> Any:
    def batched(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        flat_x, flat_y = x.reshape(len(x), -1), y.reshape(len(y), -1)
        result: np.ndarray = np.einsum("ai,ai->a", np.conjugate(flat_x), flat_y)
        return result

    return apply("vdot", np.vdot, a, b, batched=batched, conjugate="first")


@implements(np.inner)
def _inner(a: Any, b: Any) -> Any:
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return apply("inner", np.inner, a, b, batched=_batched_multiply)
    batched = _batched_contraction(na, nb, [na - 1], [nb - 1])
    return apply("inner", np.inner, a, b, batched=batched)


@implements(np.outer)
def _outer(a: Any, b: Any, out: Any = None) -> Any:
    _no_out("outer", out)
    if type(a) is type(b) and isinstance(a, DualArray) and not isinstance(a, TaylorArray):
        dtype = np.result_type(a.dtype, b.dtype)
        x, y = a._stack.astype(dtype, copy=False), b._stack.astype(dtype, copy=False)
        planes = _outer_planes(type(a), x, y)
        x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)  # (np.outer flattens)
        return type(a)._wrap(strong_zeros(type(a), np.outer, _batched_outer, x, y, planes))
    return apply("outer", np.outer, a, b, batched=_batched_outer)


def _outer_planes(cls: type[DualArray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """_bilinear for np.outer of two dual arrays of kind cls (planes (P, ...) each):
    plane k is x0 y_k + x_k y0, a pair's plane adds x_a y_b + x_b y_a, each plane
    written once by _core.outer_product_parts (numpy's elementwise formula bit for bit;
    T5, n = 100: 8 MB of planes in the time of a fill, where batched (m x 2)(2 x n)
    matmuls took twice that and two batched outers and their sum eight times)."""
    planes = len(x)
    x, y = x.reshape(planes, -1), y.reshape(planes, -1)
    out = np.empty((planes, x.shape[1], y.shape[1]), dtype=x.dtype)
    out[0] = np.outer(x[0], y[0])  # numpy's own value, bit for bit
    first, table = _pair_table(cls)  # type: ignore[arg-type]  # (mypy#11470)
    x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
    _core.outer_product_parts(out, x, y, first, table)
    return out


@implements(np.kron)
def _kron(a: Any, b: Any) -> Any:
    def batched(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # kron is the outer product with each axis of x interleaved before b's
        nd = max(x.ndim, y.ndim) - 1
        sa = (1,) * (nd + 1 - x.ndim) + x.shape[1:]
        sb = (1,) * (nd + 1 - y.ndim) + y.shape[1:]
        x = x.reshape(len(x), *(d for s in sa for d in (s, 1)))
        y = y.reshape(len(y), *(d for s in sb for d in (1, s)))
        result: np.ndarray = (x * y).reshape(-1, *(p * q for p, q in zip(sa, sb, strict=True)))
        return result

    return apply("kron", np.kron, a, b, batched=batched)


@implements(np.tensordot)
def _tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    na, nb = np.ndim(a), np.ndim(b)
    axes_a, axes_b = _tensordot_axes(na, nb, axes)
    valid = len(axes_a) == len(axes_b) and all(
        np.shape(a)[i] == np.shape(b)[j] for i, j in zip(axes_a, axes_b, strict=True)
    )
    # numpy's own errors for invalid axes: the unbatched path calls it
    batched = _batched_contraction(na, nb, axes_a, axes_b) if valid else None
    return apply("tensordot", lambda x, y: np.tensordot(x, y, axes), a, b, batched=batched)


@implements(np.cross)
def _cross(
    a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: Any = None
) -> Any:
    """numpy's cross in the algebra: each component numpy's own products and difference
    (u1 v2 - u2 v1, ...; a 2-vector's third component 0, its terms dropped as numpy
    drops them), so the value is numpy's bit for bit, the parts the product rule's with
    the kernels' strong zeros (cross(a, v) with a = [1, inf, 2]: d/dv of the first
    component is [0, -2, inf]). Elementwise kernels on components made contiguous
    once: an (n, 3) stack costs a few of its products, not 2 numpy crosses a plane.
    Real operands; complex ones: _complex_cross."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = unify((admit(a), admit(b)))  # (object arrays of dual scalars; nested kinds)
    common_kind("cross", a, b)  # (kinds that cannot meet: the error names numpy.cross)
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        return _complex_cross(a, b, axisa, axisb, axisc)
    # numpy's own errors for the shapes and axes, from a zero-stride trial
    zero = np.zeros(())
    np.cross(
        np.broadcast_to(zero, np.shape(a)),
        np.broadcast_to(zero, np.shape(b)),
        axisa=axisa,
        axisb=axisb,
        axisc=axisc,
    )

    def components(x: Any, at: int) -> list[Any]:
        x = x if isinstance(x, DualArray) else np.asarray(x)
        moved = np.moveaxis(x, at, 0)
        moved = moved.copy() if isinstance(moved, DualArray) else moved  # (planes in blocks)
        return [moved[i] for i in range(moved.shape[0])]

    u, v = components(a, axisa), components(b, axisb)
    if len(u) == 2 and len(v) == 2:
        return u[0] * v[1] - u[1] * v[0]
    last = u[0] * v[1] - u[1] * v[0]
    if len(u) == 3 and len(v) == 3:
        first, second = u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2]
    elif len(u) == 2:  # (u2 = 0)
        first, second = u[1] * v[2], -(u[0] * v[2])
    else:  # (v2 = 0)
        first, second = -(u[2] * v[1]), u[2] * v[0]
    return np.stack([first, second, last], axis=axisc)  # (numpy's moveaxis(cp, -1, axisc))


def _complex_cross(a: Any, b: Any, axisa: int, axisb: int, axisc: int) -> Any:
    """np.cross of complex operands: numpy's cross of the planes (bilinear), whose
    parts keep a constant's inf + 0.5j whole against a unit part (the elementwise
    complex product gives inf + nan j there, as numpy's own inf + 0.5j times 1 does)."""

    def cross(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.cross(x, y, axisa=axisa, axisb=axisb, axisc=axisc)

    # numpy's cross broadcasts: a leading axis of both works when every axis argument
    # counts from the end (the output's ndim from a zero-stride trial of the shapes)
    na, nb = np.ndim(a), np.ndim(b)
    zero = np.zeros(())
    trial = np.cross(
        np.broadcast_to(zero, np.shape(a)),
        np.broadcast_to(zero, np.shape(b)),
        axisa=axisa,
        axisb=axisb,
        axisc=axisc,
    )
    ends = (axisa - na if axisa >= 0 else axisa, axisb - nb if axisb >= 0 else axisb)
    end_c = axisc - trial.ndim if axisc >= 0 else axisc

    def batched(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        lead = max(x.ndim, y.ndim)
        x = x.reshape(x.shape[:1] + (1,) * (lead - x.ndim) + x.shape[1:])
        y = y.reshape(y.shape[:1] + (1,) * (lead - y.ndim) + y.shape[1:])
        if trial.ndim == 0:  # 2-vectors: a scalar each, no output axis
            return np.cross(x, y, axisa=ends[0], axisb=ends[1])
        return np.cross(x, y, axisa=ends[0], axisb=ends[1], axisc=end_c)

    result = apply("cross", cross, a, b, batched=batched, strong=False)  # (differences)
    if isinstance(result, DualArray) and not _finite(result._stack[1:]):
        # an inf or nan met a zero part in a difference of products (cross(a, v) with
        # a = [1, inf, 2]: d/dv of its first entry a_1 v_2 - a_2 v_1 is [0, -2, inf],
        # not [nan, nan, inf]): the parts again as the strong products of the terms
        # added less those subtracted (each a sum of products with weight 1)
        def terms(sign: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
            def op(x: np.ndarray, y: np.ndarray) -> np.ndarray:
                lead = max(x.ndim, y.ndim)
                x = x.reshape((1,) * (lead - x.ndim) + x.shape)
                y = y.reshape((1,) * (lead - y.ndim) + y.shape)
                return _cross_terms(x, y, ends, end_c, trial.ndim == 0, sign)

            return op

        added = apply("cross", terms(1), a, b, batched=_leading(terms(1)))
        subtracted = apply("cross", terms(-1), a, b, batched=_leading(terms(-1)))
        with np.errstate(invalid="ignore"):  # (inf - inf: nan, as the parts are)
            result._stack[1:] = added._stack[1:] - subtracted._stack[1:]
    return result


def _leading(
    op: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """op over a leading axis of both operands (op counts its axes from the end)."""

    def batched(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        lead = max(x.ndim, y.ndim)
        x = x.reshape(x.shape[:1] + (1,) * (lead - x.ndim) + x.shape[1:])
        y = y.reshape(y.shape[:1] + (1,) * (lead - y.ndim) + y.shape[1:])
        return op(x, y)

    return batched


def _cross_terms(
    x: np.ndarray, y: np.ndarray, ends: tuple[int, int], end_c: int, scalar: bool, sign: int
) -> np.ndarray:
    """The products np.cross adds (sign 1: x_{i+1} y_{i+2}) or subtracts (sign -1:
    x_{i+2} y_{i+1}), vector axes at ends (from the end), a 2-vector's third component
    0; scalar: both 2-vectors (the third component x_0 y_1 or x_1 y_0 alone)."""
    u, v = np.moveaxis(x, ends[0], -1), np.moveaxis(y, ends[1], -1)
    if scalar:
        return np.asarray(u[..., 0] * v[..., 1] if sign > 0 else u[..., 1] * v[..., 0])

    def three(w: np.ndarray) -> np.ndarray:
        if w.shape[-1] == 3:
            return w
        return np.concatenate([w, np.zeros((*w.shape[:-1], 1), w.dtype)], axis=-1)

    u, v = three(u), three(v)
    first, second = ([1, 2, 0], [2, 0, 1]) if sign > 0 else ([2, 0, 1], [1, 2, 0])
    return np.moveaxis(u[..., first] * v[..., second], -1, end_c)


@implements(np.einsum)
def _einsum(*operands: Any, out: Any = None, optimize: Any = False, **kwargs: Any) -> Any:
    _no_out("einsum", out)
    if kwargs:
        raise TypeError(
            f"hyperdiff does not support the arguments {sorted(kwargs)} of numpy.einsum"
        )
    if isinstance(operands[0], str):
        subscripts, arrays = operands[0], operands[1:]
    else:
        subscripts, arrays = _sublist_subscripts(operands)
    if len(arrays) == 1 and isinstance(arrays[0], DualArray):
        view = _einsum_view(subscripts.replace(" ", ""), arrays[0], optimize)
        if view is not None:
            return view
    contraction = _trailing_contraction(subscripts.replace(" ", ""), arrays, optimize)
    if contraction is not None:
        return contraction
    stepwise = _pairwise_einsum(subscripts, arrays, optimize)
    if stepwise is not None:
        return stepwise
    product = _einsum_matmul(subscripts.replace(" ", ""), arrays, optimize)
    if product is not None:
        return product
    return apply(
        "einsum",
        lambda *xs: np.einsum(subscripts, *xs, optimize=optimize),
        *arrays,
        batched=_batched_einsum(subscripts.replace(" ", ""), optimize),
    )


def _trailing_contraction(subscripts: str, arrays: tuple[Any, ...], optimize: Any) -> Any:
    """einsum('...ij,...ij->...') and its like (two operands of one shape and the same
    labels, none repeated, the output those labels less some trailing ones: a double
    contraction F : G of a stack of small matrices) as np.sum(x * y) over the trailing
    axes, the value numpy's einsum of the values; None for anything else. numpy's
    einsum loops over the short axes innermost (3.4 ms for 5000 2 x 2 HyperDualVec(6),
    0.8 so)."""
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if not arrow or len(terms) != 2 or terms[0] != terms[1] or len(arrays) != 2:
        return None
    x, y = arrays
    if not any(isinstance(a, DualArray) for a in arrays) or np.shape(x) != np.shape(y):
        return None
    if not all(isinstance(a, DualArray) or type(a) is np.ndarray for a in arrays):
        return None  # (a masked array, a matrix: the general path's refusals and rules)
    # labels dropped from the end only (an ellipsis, whose axes vary, always kept)
    labels = terms[0].replace("...", "")
    dropped = len(terms[0]) - len(output)
    if len(set(labels)) != len(labels) or not terms[0].startswith(output):
        return None
    if not 0 < dropped <= len(terms[0].rsplit("...", 1)[-1]):
        return None
    plain = (a._stack[0] if isinstance(a, DualArray) else a for a in arrays)
    value = np.einsum(subscripts, *plain, optimize=optimize)
    summed = np.sum(x * y, axis=tuple(range(-dropped, 0)))
    if not isinstance(summed, DualArray):
        return None
    planes = summed._stack.copy()
    planes[0] = value
    return summed._wrap(planes)


def _einsum_matmul(subscripts: str, arrays: tuple[Any, ...], optimize: Any) -> Any:
    """einsum of two operands as a batched matmul, as numpy's optimized einsum runs one
    (its bmm): the labels both share and the output keeps are the batch, the ones they
    share and it drops are contracted, each operand's own ones its rows or columns
    (summed first when the output drops them); transposes and reshapes of the dual
    arrays, then their matmul (stacks of small matrices in one C++ loop), the value
    numpy's einsum of the values. numpy's einsum loops over the short axes innermost
    over every plane: 'eij,ejk->eik' of 5000 2 x 2 HyperDualVec(6) took 76 ms. None
    for anything else: a label repeated within an operand (a diagonal), sizes that
    differ or are 0, an ellipsis of different lengths, subclasses."""
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != 2 or len(arrays) != 2 or not any(isinstance(a, DualArray) for a in arrays):
        return None
    if not all(
        isinstance(a, DualArray) or (type(a) is np.ndarray and a.dtype.kind in "biufc")
        for a in arrays
    ):  # (a masked array, a matrix, objects: the general path's refusals and rules)
        return None
    shapes = [np.shape(a) for a in arrays]
    if any(0 in s for s in shapes):
        return None
    if not arrow and "..." in inputs:
        return None
    spelled = _explicit_labels(terms, shapes)
    if spelled is None:
        return None
    (first, second), ellipsis = spelled
    if not arrow:  # numpy's implicit output: the labels used once, sorted
        every = first + second
        output = "".join(sorted(c for c in set(every) if every.count(c) == 1))
    output = output.replace("...", ellipsis)
    if not (first + second + output).isalpha():
        return None
    sizes: dict[str, int] = {}
    for lab, shape in zip((first, second), shapes, strict=True):
        if len(lab) != len(shape) or len(set(lab)) != len(lab):
            return None
        for c, n in zip(lab, shape, strict=True):
            if sizes.setdefault(c, n) != n:
                return None  # (broadcast sizes: the general path)
    if not output or len(set(output)) != len(output) or not set(output) <= set(sizes):
        return None  # (a scalar: the general path's number, as numpy's)
    x, y = arrays
    # each operand's own labels the output drops: summed first
    own_x = [c for c in first if c not in second and c not in output]
    own_y = [c for c in second if c not in first and c not in output]
    if own_x:
        x = np.sum(x, axis=tuple(first.index(c) for c in own_x))
        first = "".join(c for c in first if c not in own_x)
    if own_y:
        y = np.sum(y, axis=tuple(second.index(c) for c in own_y))
        second = "".join(c for c in second if c not in own_y)
    batch = [c for c in output if c in first and c in second]
    rows = [c for c in first if c not in second]
    columns = [c for c in second if c not in first]
    inner = [c for c in first if c in second and c not in output]

    def block(a: Any, lab: str, order: list[str], m: list[str], n: list[str]) -> Any:
        a = np.transpose(a, [lab.index(c) for c in order])
        size = [sizes[c] for c in batch]
        rows, columns = math.prod(sizes[c] for c in m), math.prod(sizes[c] for c in n)
        return np.reshape(a, (*size, rows, columns))

    left = block(x, first, batch + rows + inner, rows, inner)
    right = block(y, second, batch + inner + columns, inner, columns)
    result = np.matmul(left, right)
    result = np.reshape(result, [sizes[c] for c in batch + rows + columns])
    result = np.transpose(result, [(batch + rows + columns).index(c) for c in output])
    if not isinstance(result, DualArray):
        return None
    plain = [a._stack[0] if isinstance(a, DualArray) else a for a in arrays]
    result._stack[0] = np.einsum(subscripts, *plain, optimize=optimize)  # (a fresh array)
    return result


def _explicit_labels(
    terms: list[str], shapes: list[tuple[int, ...]]
) -> tuple[list[str], str] | None:
    """Each term's labels with an ellipsis spelled out in letters the terms do not use
    (the same for every operand: their sizes must then agree), and those letters;
    None when the terms' ellipses cover different numbers of axes."""
    used = set("".join(terms))
    free = [c for c in string.ascii_letters if c not in used]
    widths = {len(s) - len(t) + 3 for t, s in zip(terms, shapes, strict=True) if "..." in t}
    if len(widths) > 1 or any(t.count("...") > 1 for t in terms):
        return None
    width = widths.pop() if widths else 0
    if width < 0 or width > len(free):
        return None
    ellipsis = "".join(free[:width])
    return [t.replace("...", ellipsis) for t in terms], ellipsis


def einsum_steps(
    subscripts: str, shapes: Sequence[tuple[int, ...]]
) -> list[tuple[tuple[int, ...], str]] | None:
    """numpy's optimized einsum's contractions for operands of these shapes (a path of
    the shapes alone: np.einsum_path's greedy one): per step, the positions it pops
    from the operand list (the result appended) and its subscripts. None where numpy
    raises (its own error then comes from the call itself)."""
    try:
        _, steps = cast(Any, np.einsum_path)(
            subscripts, *(np.broadcast_to(0.0, s) for s in shapes), optimize="greedy",
            einsum_call=True,
        )  # fmt: skip
    except (TypeError, ValueError):
        return None
    # (numpy 2.x's steps: (positions, subscripts, remaining); 1.x's hold more)
    return [(tuple(step[0]), next(e for e in step[1:] if isinstance(e, str))) for step in steps]


def _pairwise_einsum(subscripts: str, arrays: tuple[Any, ...], optimize: Any) -> Any:
    """einsum of three or more operands, a dual array among them, two at a time in
    np.einsum_path's greedy order (as numpy's optimized einsum runs it), each step
    batched over the planes; the value numpy's einsum of the values. The algebra's
    product of three operands is a sum over combinations of their planes, one numpy
    call each: x^T L x as einsum('i,ij,j', x, L, x) took 0.6 s for a Hessian's pass
    over 300 variables. None for anything else (numpy's own errors then come from the
    general path)."""
    if len(arrays) < 3 or not any(isinstance(a, DualArray) for a in arrays):
        return None
    if not all(
        isinstance(a, (DualArray, np.generic, int, float, complex))
        or (type(a) is np.ndarray and a.dtype.kind in "biufc")
        for a in arrays
    ):  # (a masked array, a matrix, objects: the general path's refusals and rules)
        return None
    plain = [a._stack[0] if isinstance(a, DualArray) else a for a in arrays]
    steps = einsum_steps(subscripts, [np.shape(a) for a in plain])
    if steps is None or any(len(taken) > 2 for taken, _ in steps):
        return None  # (no pair to contract first: "i,i,i->i")
    value = np.einsum(subscripts, *plain, optimize=optimize)
    operands = list(arrays)
    for taken, spec in steps:
        operands.append(np.einsum(spec, *(operands.pop(k) for k in taken)))
    (result,) = operands
    if not isinstance(result, DualArray):
        return None
    planes = result._stack.copy()  # (a step of one operand may be a view of it)
    planes[0] = value
    return result._wrap(planes)


def _sublist_subscripts(operands: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """einsum(op0, sublist0, op1, sublist1, ..., [sublistout]) as a subscripts string:
    axis label k is the k-th of A..Z a..z (numpy's order, which the implicit output
    sorts by), Ellipsis is '...'."""
    letters = string.ascii_uppercase + string.ascii_lowercase

    def term(sublist: Any) -> str:
        return "".join("..." if k is Ellipsis else letters[int(k)] for k in sublist)

    output = len(operands) % 2 == 1  # a trailing output sublist
    arrays = operands[0:-1:2] if output else operands[0::2]
    subscripts = ",".join(term(s) for s in operands[1::2])
    if output:
        subscripts += "->" + term(operands[-1])
    return subscripts, tuple(arrays)


def _batched_subscripts(subscripts: str) -> str | None:
    """subscripts over a leading axis of every operand: a letter the subscripts do not
    use in front of each (the implicit output written out, else it would move that
    axis); None when every letter is used."""
    inputs, arrow, output = subscripts.partition("->")
    if not arrow:  # numpy's implicit output: '...', then the labels used once, sorted
        labels = inputs.replace("...", "").replace(",", "")
        once = sorted(c for c in set(labels) if labels.count(c) == 1)
        output = ("..." if "..." in inputs else "") + "".join(once)
    letters = set(subscripts)
    free = next((c for c in string.ascii_letters if c not in letters), None)
    if free is None:
        return None
    return ",".join(free + term for term in inputs.split(",")) + f"->{free}{output}"


def _batched_einsum(subscripts: str, optimize: Any) -> Any:
    """einsum over a leading axis of two operands (_batched_subscripts)."""
    batched = _batched_subscripts(subscripts)
    if batched is None or subscripts.partition("->")[0].count(",") != 1:
        return None
    return lambda x, y: np.einsum(batched, x, y, optimize=optimize)


def _einsum_view(subscripts: str, x: DualArray, optimize: Any) -> Any:
    """einsum of one operand where numpy's is a view of it (a diagonal 'ii->i', a
    transpose 'ij->ji', the array itself): the same view of every plane, so writes
    through it reach x as numpy's do (np.einsum('ii->i', K)[:] += s, numpy's documented
    idiom for a diagonal); None where numpy's result is a new array."""
    value = x._stack[0]
    result = np.einsum(subscripts, value, optimize=optimize)
    batched = _batched_subscripts(subscripts)
    if batched is None or not (isinstance(result, np.ndarray) and np.shares_memory(result, value)):
        return None
    return x._wrap(np.einsum(batched, x._stack, optimize=optimize))


# Multilinear gufuncs arrive through __array_ufunc__, not __array_function__.
MULTILINEAR_UFUNCS: dict[np.ufunc, str] = {
    u: f"{u.__name__}"
    for u in (getattr(np, n, None) for n in ("matmul", "vecdot", "matvec", "vecmat"))
    if u is not None
}
# the two of them that conjugate their first operand (not holomorphic in it)
_CONJUGATING_UFUNCS = frozenset(
    u for u in (getattr(np, n, None) for n in ("vecdot", "vecmat")) if u is not None
)


def apply_multilinear_ufunc(
    ufunc: np.ufunc, inputs: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    if ufunc in _CONJUGATING_UFUNCS:
        result = _apply_multilinear_ufunc(ufunc, inputs, kwargs)
        return not_holomorphic_result(f"numpy.{ufunc.__name__}", inputs[:1], result)
    return _apply_multilinear_ufunc(ufunc, inputs, kwargs)


def _apply_multilinear_ufunc(
    ufunc: np.ufunc, inputs: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    name = MULTILINEAR_UFUNCS[ufunc]
    out = kwargs.pop("out", None)
    if out is not None and any(o is not None for o in (out if isinstance(out, tuple) else (out,))):
        raise TypeError(f"hyperdiff does not support the argument out= of numpy.{name}")
    if set(kwargs) - {"axes", "axis", "keepdims"}:
        raise TypeError(
            f"hyperdiff does not support the arguments {sorted(kwargs)} of numpy.{name}"
        )
    if ufunc is np.matmul and not kwargs:
        batched = _matmul_with_constant(*inputs)
        if batched is not None:
            return batched
        return apply(name, np.matmul, *inputs, batched=_batched_matmul)
    batched = None
    if _counted_from_the_end(kwargs.get("axes", kwargs.get("axis", -1))):
        # a gufunc broadcasts its loop axes: the leading axis of both, aligned, is one
        core_x, core_y = (g.count(",") + 1 if g else 0 for g in _core_groups(ufunc))

        def batched(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            loops = max(x.ndim - core_x, y.ndim - core_y)
            x = x.reshape(x.shape[:1] + (1,) * (loops - x.ndim + core_x) + x.shape[1:])
            y = y.reshape(y.shape[:1] + (1,) * (loops - y.ndim + core_y) + y.shape[1:])
            result: np.ndarray = ufunc(x, y, **kwargs)
            return result

    conjugate = "first" if ufunc in _CONJUGATING_UFUNCS else ""
    return apply(
        name, lambda *xs: ufunc(*xs, **kwargs), *inputs, batched=batched, conjugate=conjugate
    )


GUFUNC_RULES.update(dict.fromkeys(MULTILINEAR_UFUNCS, apply_multilinear_ufunc))


def _core_groups(ufunc: np.ufunc) -> list[str]:
    """The input core-dimension groups of a gufunc's signature: "(m,n),(n)->(m)" gives
    ["m,n", "n"]."""
    assert ufunc.signature is not None  # a gufunc's
    inputs = ufunc.signature.partition("->")[0]
    return [g.strip("()") for g in inputs.split("),(")]


def _counted_from_the_end(axes: Any) -> bool:
    """Whether every axis in a gufunc's axis=/axes= argument is negative."""
    flat: list[Any] = []
    stack = [axes]
    while stack:  # (tuples of different lengths: [(1, 0), (0,), (0,)])
        item = stack.pop()
        if isinstance(item, (tuple, list)):
            stack.extend(item)
        else:
            flat.append(item)
    return all(int(a) < 0 for a in flat)


def _matmul_with_constant(a: Any, b: Any) -> Any:
    """a @ b with one plain matrix operand: the part planes in one BLAS call (a
    Jacobian's K planes become one matrix product), the value by numpy's own call."""
    dual_first = isinstance(a, DualArray)
    x, m = (a, b) if dual_first else (b, a)
    if isinstance(m, DualArray) or not isinstance(m, np.ndarray) or m.ndim != 2:
        return None
    if m.dtype not in COMPONENT_DTYPES or x.ndim == 0:
        return None
    parts = x._stack[1:]
    with np.errstate(invalid="ignore"):  # (the parts' inf 0: strong_zeros)
        if dual_first:
            product = stack_matmul(parts, m)
        elif x.ndim == 1:
            product = np.moveaxis(m @ parts.T, -1, 0)
        else:
            product = stack_matmul(m, parts)
    value = x._stack[0] @ m if dual_first else m @ x._stack[0]
    if not _finite(product):  # m's inf against a zero part (strong_zeros)
        planes = np.concatenate([value[None], product]).astype(np.result_type(value, product))
        left, right = (x._stack, m[None]) if dual_first else (m[None], x._stack)
        product = strong_zeros(type(x), np.matmul, _batched_matmul, left, right, planes)[1:]
    return wrap(type(x), [value, *product])
