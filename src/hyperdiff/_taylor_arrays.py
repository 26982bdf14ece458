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
import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, NamedTuple, cast

import numpy as np
from numpy.typing import ArrayLike

from . import _core
from ._arrays import DualArray, note_product

MAX_DEGREE: int = _core.TAYLOR_MAX_DEGREE


class TaylorArray(DualArray):
    """Base of the Taylor kinds: plane k is the k-th derivative along the seeded
    direction (`.coefficients`, shape (d, *shape)); the degree is a class attribute."""

    __slots__ = ()
    _kind = -1
    _degree: ClassVar[int]

    # The kinds of one degree (not the bundles, whose kernels spread the value over
    # their directions): their ufuncs take C++'s fast path, so the elementwise fusion
    _fast_ufuncs: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._fast_ufuncs and hasattr(cls, "_degree"):
            _core.register_class(cls, -1, None, cls._degree)

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
        return self._stack[1:]

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore, (self._degree, self._tag, self._stack)


def _restore(degree: int, tag: int, data: np.ndarray) -> TaylorArray:
    from ._arrays import restored

    return restored(taylor_type(degree), tag)._wrap(data)


def _products(degree: int) -> tuple[tuple[tuple[int, int, int], ...], tuple[int, ...]]:
    """The multiplication table and its weights: plane i times plane j adds C(i + j, i)
    times to plane i + j (the Leibniz rule in derivative-style coefficients)."""
    triples = tuple((i, j, i + j) for i in range(degree + 1) for j in range(degree + 1 - i))
    return triples, tuple(math.comb(i + j, i) for i, j, _ in triples)


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
        "_products": _products(degree)[0],
        "_product_weights": _products(degree)[1],
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
@functools.cache
def _weighted_products(cls: type[DualArray]) -> tuple[np.ndarray, ...]:
    """The kind's products but the value's, each (i, j) -> k once with its weight (the
    times _products lists it): C(i + j, i) for a Taylor kind."""
    counts: Counter[tuple[int, int, int]] = Counter()
    for t, w in zip(cls._products, product_weights(cls), strict=True):
        if t != (0, 0, 0):
            counts[t] += w
    i, j, k = (np.array(c, dtype=np.intp) for c in zip(*counts, strict=True))
    return i, j, k, np.array(list(counts.values()), dtype=float)


def product_weights(cls: type[DualArray]) -> tuple[int, ...]:
    """How many times each triple of cls._products adds (1 each unless the kind says)."""
    return cls._product_weights or (1,) * len(cls._products)


def bilinear(
    cls: type[TaylorArray],
    op: Callable[..., Any],
    batched: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    x: np.ndarray,
    y: np.ndarray,
) -> np.ndarray:
    """The planes of op(x, y) for op bilinear and x, y the planes of two Taylor arrays:
    z_k = sum_j C(k, j) op(x_j, y_{k-j}) (a bundle: direction by direction); the value
    by numpy's own op. With `batched` (op over a leading axis), the products are one
    call."""
    value = np.asarray(op(x[0], y[0]))
    i, j, k, weights = _weighted_products(cls)  # type: ignore[arg-type]  # (mypy#11470)
    if batched is not None:
        terms = batched(x[i], y[j])
        terms = terms * weights.reshape(-1, *([1] * (terms.ndim - 1))).astype(terms.real.dtype)
        out = np.zeros((cls._planes, *value.shape), dtype=np.result_type(value, terms))
        np.add.at(out, k, terms)
    else:
        out = np.zeros((cls._planes, *value.shape), dtype=value.dtype)
        for a, b, c, w in zip(i.tolist(), j.tolist(), k.tolist(), weights.tolist(), strict=True):
            term = op(x[a], y[b])
            out[c] += term if w == 1.0 else w * term
    out[0] = value
    return out


# Linear algebra whose rule holds at any order: the perturbation recurrence of
# a0 x_k = b_k - sum_{(i, j, k)} a_i x_j over the kind's products (solve, inv and the
# triangular solver), and log det's series tr log(I + M) (det at a
# well-conditioned matrix, slogdet).
ANY_DEGREE_LINALG = frozenset({"solve", "inv", "det", "slogdet", "solve_triangular"})


def check_linalg(name: str, cls: type[DualArray], where: str | None = None) -> None:
    """A TypeError for linear algebra on a Taylor kind (or bundle) of degree 3 or more
    whose rule in hyperdiff.linalg is written to order 2."""
    if issubclass(cls, TaylorArray) and cls._order > 2 and name not in ANY_DEGREE_LINALG:
        where = where or f"hyperdiff's numpy.linalg.{name}"
        raise TypeError(
            f"{where} supports Taylor arrays to degree 2, not {cls._order}: its perturbation "
            "rule is written to second order (solve, inv, det, slogdet and solve_triangular "
            "take any degree, and eigvalsh of real 2 x 2 matrices)"
        )


# --- directional bundles: mixed partials of any order ----------------------------------
# A mixed partial d^i f (a multi-index i over V variables, |i| = d) from univariate
# Taylor series (Griewank, Utke and Walther 2000): along an integer direction k, the
# d-th derivative of t -> f(x + t k) is d! sum_{|j| = d} (d^j f / j!) k^j, and the
# finite difference Delta^i over k at 0 keeps the j = i term alone (Delta^{i_v} of
# k_v^{j_v} vanishes for j_v < i_v, and |j| = |i|), so
#     d^i f = (1/d!) sum_{0 < k <= i} (-1)^{|i - k|} C(i, k) (d-th plane along k).
# A downward closed set S of multi-indices (every k <= i of an i in S is in S) is read
# from the series along its own members k != 0, each to the degree D = max |i|: one
# pass, M = |S| - 1 directions sharing the value, an array of 1 + M D planes. Its
# algebra is R[t_1 .. t_M]/(t_m^(D+1), t_m t_n): every function acts direction by
# direction, so the Taylor kernels, the Leibniz rule and the Taylor rules of linear
# algebra serve it unchanged (why this layout and not a tensor-product one: no kernel
# of its own, every table function and complex dtype at once; it holds D times the
# planes of the monomials it reads). Plane (m, p), the p-th derivative along
# direction m, is 1 + (p - 1) M + m, so each degree's M planes are one block.
class TaylorBundle(TaylorArray):
    """Taylor series of degree D along M integer directions of V variables, sharing
    the value: `partials()` reads the mixed partials d^i f of the multi-indices i of
    the bundle's set (`exponents`)."""

    __slots__ = ()
    _fast_ufuncs = False
    _exponents: ClassVar[np.ndarray]  # (M + 1, V) the multi-indices read, row 0 zero
    _count: ClassVar[int]  # M
    _series: ClassVar[int]  # D
    # the read-out d^i f = (1/|i|!) sum of w * plane, as (row i, plane, w) triples sorted
    # by row (w the integers (-1)^|i - k| C(i, k), so an exact sum stays exact), and 1/|i|!
    _readout: ClassVar[tuple[np.ndarray, np.ndarray, np.ndarray]]
    _scales: ClassVar[np.ndarray]
    _grids: ClassVar[tuple[Any, ...]]  # the read-out's terms as grids (_grids)
    _groups: ClassVar[tuple[type[DualArray], ...]]  # a product bundle's seed kinds

    @property
    def degree(self) -> int:
        return self._series

    @property
    def coefficients(self) -> np.ndarray:
        """The derivatives along each direction, shape (D, M, *shape) (a view)."""
        return self._stack[1:].reshape(self._series, self._count, *self.shape)

    def partials(self) -> np.ndarray:
        """d^i f for the rows i of `exponents`, shape (M + 1, *shape)."""
        return _read(type(self), self._stack)

    @classmethod
    def _spread(cls, x: np.ndarray, parts: bool, n: int) -> np.ndarray:
        """An operand as the Taylor kernels of degree D take M n elements: planes
        (D + 1, M, n) (the value once per direction), or a plain operand repeated."""
        d, m = cls._series, cls._count
        if not parts:
            flat = x.reshape(-1)
            return flat if flat.size == 1 else np.ascontiguousarray(np.broadcast_to(flat, (m, n)))
        count = x[0].size
        work = np.empty((d + 1, m, n), dtype=x.dtype)
        work[0] = x[0].reshape(1, count)
        work[1:] = x[1:].reshape(d, m, count)
        return work

    @classmethod
    def _gather(cls, work: np.ndarray, out: np.ndarray) -> None:
        out[0] = work[0, 0].reshape(out.shape[1:])
        out[1:] = work[1:].reshape(out[1:].shape)

    @classmethod
    def _unary_kernel(cls, function: int, x: np.ndarray, out: np.ndarray) -> None:
        n = out[0].size
        work = cls._spread(x, True, n)
        result = np.empty((cls._series + 1, cls._count, n), dtype=out.dtype)
        _core.taylor_unary(function, cls._series, work, result)
        cls._gather(result, out)

    @classmethod
    def _binary_kernel(
        cls, function: int, x: np.ndarray, x_parts: bool, y: np.ndarray, y_parts: bool, out: Any
    ) -> None:
        n = out[0].size
        result = np.empty((cls._series + 1, cls._count, n), dtype=out.dtype)
        _core.taylor_binary(
            function,
            cls._series,
            cls._spread(x, x_parts, n),
            x_parts,
            cls._spread(y, y_parts, n),
            y_parts,
            result,
        )
        cls._gather(result, out)

    def __reduce__(self) -> tuple[Any, ...]:
        exponents = tuple(map(tuple, self._exponents.tolist()))
        return _restore_bundle, (exponents, self._tag, self._stack)


def _restore_bundle(exponents: tuple[tuple[int, ...], ...], tag: int, data: np.ndarray) -> Any:
    from ._arrays import restored

    return restored(bundle_type(exponents), tag)._wrap(data)


def _plane(count: int, direction: Any, degree: Any) -> Any:
    """The plane of the degree-th derivative (>= 1) along a direction."""
    return 1 + (degree - 1) * count + direction


class _PartNames:
    """A bundle's part names (d{degree}[direction]), made when first read: a bundle
    around a gradient of 40 variables has 35,000 planes, and only printing names them."""

    def __get__(self, instance: object, owner: type[TaylorBundle]) -> tuple[str, ...]:
        directions = [".".join(map(str, k)) for k in owner._exponents[1:].tolist()]
        names = tuple(f"d{p}[{k}]" for p in range(1, owner._series + 1) for k in directions)
        owner._part_names = names  # replaces this descriptor on the class
        return names


def _readout(exponents: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How a bundle reads mixed partials off its planes: d^i/i! is the sum over k <= i,
    k != 0, of prod_v C(i_v, k_v) (-1)^(i_v - k_v) times plane (|i|, direction k) / |i|!
    (inclusion-exclusion). Entries (row i, plane, weight) grouped by row, the k of one
    row in itertools.product's order over i's support, all rows at once."""
    s, v = exponents.shape
    orders = exponents.sum(axis=1)
    where_rows, where_vars = np.nonzero(exponents)  # row-major: each row's support ascending
    slot = np.arange(len(where_rows)) - np.searchsorted(where_rows, where_rows)
    width = int(slot.max(initial=-1)) + 1
    support = np.zeros((s, width), dtype=np.intp)  # the variable in each slot
    power = np.zeros((s, width), dtype=np.int64)  # i_v in each slot (0: an empty slot)
    support[where_rows, slot] = where_vars
    power[where_rows, slot] = exponents[where_rows, where_vars]
    top = int(power.max(initial=0))
    signed_binomial = np.array(
        [[math.comb(n, k) * (-1) ** (n - k) for k in range(top + 1)] for n in range(top + 1)]
    )
    row, k, weight = np.arange(s), power.copy(), np.ones(s, dtype=np.int64)
    for j in range(width):  # expand slot j into k_v = 0..i_v (later slots vary fastest)
        counts = power[row, j] + 1
        starts = np.cumsum(counts) - counts
        option = np.arange(counts.sum()) - np.repeat(starts, counts)
        row, k, weight = (
            np.repeat(row, counts),
            np.repeat(k, counts, axis=0),
            np.repeat(weight, counts),
        )
        weight = weight * signed_binomial[power[row, j], option]
        k[:, j] = option
    keep = k.any(axis=1) | (orders[row] == 0)
    row, k, weight = row[keep], k[keep], weight[keep]
    # multi-indices as their support's codes var (top + 1) + power, nonzero slots first
    # (each row's own are): equal codes, equal multi-indices
    own = np.where(power > 0, support * (top + 1) + power, 0)
    codes = np.where(k > 0, support[row] * (top + 1) + k, 0)
    codes = np.take_along_axis(codes, np.argsort(codes == 0, axis=1, kind="stable"), axis=1)
    direction = _row_numbers(own, codes)
    missing = direction < 0
    if missing.any():
        first = int(np.argmax(missing))
        smaller = np.zeros(v, dtype=np.int64)
        smaller[support[row[first]]] = k[first]
        raise ValueError(
            "the multi-indices are not downward closed: "
            f"{smaller.tolist()} <= {exponents[row[first]].tolist()}"
        )
    m = s - 1
    planes = np.where(orders[row] == 0, 0, _plane(m, direction - 1, orders[row]))
    return row, planes, weight.astype(float)


def _row_numbers(table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The row number in `table` of each of `rows` (-1 where absent)."""
    as_bytes = np.dtype((np.void, table.shape[1] * table.itemsize))
    keys = np.ascontiguousarray(table).view(as_bytes).ravel()
    wanted = np.ascontiguousarray(rows, dtype=table.dtype).view(as_bytes).ravel()
    order = np.argsort(keys)
    place = np.minimum(np.searchsorted(keys[order], wanted), len(keys) - 1)
    found = order[place]
    return np.where(keys[found] == wanted, found, -1)


def _bundle_attributes(exponents: np.ndarray) -> dict[str, Any]:
    """The class attributes of the bundle reading the multi-indices `exponents` (rows,
    downward closed, row 0 zero)."""
    s, _ = exponents.shape
    m = s - 1
    orders = exponents.sum(axis=1)
    d = int(orders.max(initial=1))
    rows, planes, weights = _readout(exponents)
    products = [(0, 0, 0)]
    products += [(0, k, k) for k in range(1, 1 + m * d)] + [(k, 0, k) for k in range(1, 1 + m * d)]
    weights_of_products = [1] * len(products)
    for a in range(1, d):
        for b in range(1, d + 1 - a):
            for direction in range(m):
                triple = (
                    _plane(m, direction, a),
                    _plane(m, direction, b),
                    _plane(m, direction, a + b),
                )
                products.append(triple)
                weights_of_products.append(math.comb(a + b, a))
    return {
        "__slots__": (),
        "__module__": __name__,
        "_exponents": exponents,
        "_count": m,
        "_series": d,
        "_planes": 1 + m * d,
        "_part_names": _PartNames(),
        "_products": tuple(products),
        "_product_weights": tuple(weights_of_products),
        "_order": d,
        "_readout": (rows, planes, weights),
        "_grids": _grids(exponents, rows, planes),
        "_scales": np.array([1.0 / math.factorial(int(o)) for o in orders]),
        "_spec": ("bundle", tuple(map(tuple, exponents.tolist()))),
    }


def _downward_closed(rows: Any) -> np.ndarray:
    """The multi-indices as an int array, row 0 the zero index, the rest sorted by
    total order (checked downward closed by the read-out)."""
    exponents = np.array(sorted(set(map(tuple, rows)), key=lambda r: (sum(r), r)), dtype=np.int64)
    if exponents.ndim != 2 or exponents.shape[0] < 2 or exponents[0].any():
        raise ValueError("a bundle reads the zero multi-index and at least one more")
    if (exponents < 0).any():
        raise ValueError("multi-indices are non-negative")
    return exponents


@functools.cache
def bundle_type(exponents: tuple[tuple[int, ...], ...]) -> type[TaylorBundle]:
    """The bundle kind reading the mixed partials of the downward closed set of
    multi-indices `exponents` (one tuple of V orders each, the zero one included)."""
    attributes = _bundle_attributes(_downward_closed(exponents))
    name = f"TaylorBundle{attributes['_series']}x{attributes['_count']}"
    return cast("type[TaylorBundle]", type(name, (TaylorBundle,), attributes))


def _grids(exponents: np.ndarray, rows: np.ndarray, planes: np.ndarray) -> tuple[Any, ...]:
    """The read-out's terms as grids: for each pattern of powers (i_v over i's support,
    ascending), the rows of it and their planes, a row's grid over k <= i in C order
    less k = 0 (the order _readout lists them in)."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for r in range(1, exponents.shape[0]):
        power = tuple(int(p) for p in exponents[r] if p)
        groups.setdefault(power, []).append(r)
    starts = np.searchsorted(rows, np.arange(exponents.shape[0] + 1))
    out = []
    for power, members in groups.items():
        table = np.stack([planes[starts[r] : starts[r + 1]] for r in members])
        out.append((np.array(members, dtype=np.intp), table, power))
    return tuple(out)


def _independent(data: np.ndarray, table: np.ndarray, power: tuple[int, ...]) -> np.ndarray:
    """Where a partial's grid of planes (g(k), k <= i, g(0) = 0) is constant along one of
    its variables: f does not depend on it there, and the read-out's sum is 0 in exact
    arithmetic, while its rounding is not (d/dz hessian(sin(u[1] + z))'s (0, 1) entry
    read -7.4e-17). Rows of `table` x the points."""
    grid = np.zeros((table.shape[0], table.shape[1] + 1, *data.shape[1:]), dtype=data.dtype)
    grid[:, 1:] = data[table]
    grid = grid.reshape(table.shape[0], *(p + 1 for p in power), *data.shape[1:])
    axes = tuple(range(1, 1 + len(power)))
    found = np.zeros((table.shape[0], *data.shape[1:]), dtype=bool)
    for axis in axes:
        found |= np.all(np.diff(grid, axis=axis) == 0, axis=axes)
    return found


def _read(cls: type[TaylorBundle], data: np.ndarray) -> np.ndarray:
    """The mixed partials (rows of cls._exponents) of a bundle's planes."""
    rows, planes, weights = cls._readout
    terms = data[planes] * weights.reshape(-1, *([1] * (data.ndim - 1))).astype(data.real.dtype)
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    sums = np.add.reduceat(terms, starts, axis=0)
    for members, table, power in cls._grids:
        sums[members] = np.where(_independent(data, table, power), 0, sums[members])
    scales = cls._scales.reshape(-1, *([1] * (data.ndim - 1))).astype(data.real.dtype)
    read: np.ndarray = sums * scales
    return read


def _read_row(cls: type[TaylorBundle], data: np.ndarray, row: int) -> np.ndarray:
    """One mixed partial (row of cls._exponents) of a bundle's planes."""
    rows, planes, weights = cls._readout
    take = rows == row
    w = weights[take].astype(data.real.dtype)
    scale = data.real.dtype.type(cls._scales[row])
    read: np.ndarray = np.tensordot(w, data[planes[take]], axes=1) * scale
    for members, table, power in cls._grids:
        at = np.flatnonzero(members == row)
        if at.size:
            read = np.where(_independent(data, table[at], power)[0], 0, read)
    return read


# --- nesting beyond total order 2: the product of two transforms' kinds as a bundle -------
# An inner transform whose function uses an outer one's variables computes in the
# product of their algebras. Beyond total order 2 (a Hessian around or inside a
# first-order transform, three transforms deep) that product is a bundle over the
# variables of both: its multi-indices are the outer kind's times the inner's (alpha +
# beta), and the inner transform reads each of its planes (beta) as an array of the
# outer kind (its alpha). Every kind's plane is a mixed partial d^alpha (Dual's e,
# HyperDual's e1 e2, a Jet layout's e_a and e_a e_b, a Taylor kind's t^k), so the
# product needs nothing of either kind but its multi-indices.
def _is_bundle(kind: type[DualArray]) -> bool:
    return issubclass(kind, TaylorBundle)


# _multivariate's product kinds, registered at its import (register_products): the full
# product kind of two transforms' kinds, and an array lifted into a product kind.
_PRODUCTS: dict[str, Callable[..., Any]] = {}


def register_products(
    product_type: Callable[[type[DualArray], type[DualArray]], type[DualArray]],
    lift: Callable[[DualArray, type[DualArray]], DualArray],
) -> None:
    _PRODUCTS.update(product_type=product_type, lift=lift)


def _full(kind: type[DualArray]) -> type[DualArray]:
    """A symmetric product kind's full product (its planes are not one monomial each)."""
    if getattr(kind, "_symmetric", False):
        return _PRODUCTS["product_type"](kind._outer, kind._inner)  # type: ignore[no-any-return]
    return kind


@functools.cache
def _kind_exponents(kind: type[DualArray]) -> np.ndarray:
    """The multi-index of each plane of a kind (planes, V), over its own variables."""
    if _is_bundle(kind):
        return kind._exponents  # type: ignore[attr-defined,no-any-return]
    if issubclass(kind, TaylorArray):
        return np.arange(kind._degree + 1).reshape(-1, 1)
    first = getattr(kind, "_first", None)
    if first is not None:
        pairs = np.asarray(kind._pairs).reshape(-1, 2)
    elif kind._order == 1:  # Dual
        first, pairs = kind._planes - 1, np.empty((0, 2), dtype=np.intp)
    else:  # HyperDual: e1, e2, e1 e2
        first, pairs = 2, np.array([[0, 1]])
    exponents = np.zeros((1 + first + len(pairs), first), dtype=np.int64)
    exponents[1 + np.arange(first), np.arange(first)] = 1
    for q, (a, b) in enumerate(pairs.tolist()):
        exponents[1 + first + q, a] += 1
        exponents[1 + first + q, b] += 1
    return exponents


def _groups_of(kind: type[DualArray]) -> tuple[type[DualArray], ...]:
    """The transforms' seed kinds whose variables a kind's are, in order."""
    kind = _full(kind)
    if _is_bundle(kind):
        if not hasattr(kind, "_inner"):  # a transform's own bundle (mixed partials): the
            return (kind,)  # tagged class itself (its _groups name the untagged one)
        return kind._groups  # type: ignore[attr-defined,no-any-return]
    if hasattr(kind, "_inner"):
        return _groups_of(kind._outer) + _groups_of(kind._inner)
    return (kind,)


def _monomials(x: DualArray) -> tuple[type[DualArray], np.ndarray]:
    """x's kind (a symmetric product expanded) and its planes as mixed partials, one
    per row of that kind's multi-indices."""
    kind = _full(type(x))
    if kind is not type(x):
        x = _PRODUCTS["lift"](x, kind)
    if _is_bundle(kind):
        return kind, _read(kind, x._stack)  # type: ignore[arg-type]
    return kind, x._stack


def _columns(kind: type[DualArray], within: type[DualArray]) -> np.ndarray | None:
    """Where a kind's variables lie among `within`'s, or None when they do not."""
    groups, target = _groups_of(kind), _groups_of(within)
    sizes = (_kind_exponents(g).shape[1] for g in target)  # type: ignore[arg-type]  # (mypy#11470)
    offsets = dict(zip(target, itertools.accumulate(sizes, initial=0), strict=False))
    if not all(g in offsets for g in groups):
        return None
    return np.concatenate(
        [offsets[g] + np.arange(_kind_exponents(g).shape[1]) for g in groups]  # type: ignore[arg-type]  # (mypy#11470)
    ).astype(np.intp)


class _Lift(NamedTuple):
    """A sparse linear map onto a bundle's planes: out[rows[i]] += weights[i] * in[columns[i]],
    entries sorted by row (each partial reaches only the directions covering its support:
    ~1% of a dense matrix for a Hessian around a gradient)."""

    planes: int
    rows: np.ndarray
    columns: np.ndarray
    weights: np.ndarray


@functools.lru_cache(maxsize=4)
def _covering(bundle: type[TaylorBundle]) -> dict[tuple[int, ...], np.ndarray]:
    """Per set of variables (ascending), the directions (rows of the bundle's k,
    ascending) nonzero in each of them: every subset of each direction's support (at
    most the degree's variables, so 2^D - 1 subsets), where testing every direction for
    every partial cost their product (J(J(J(derivative))) at 40 points: 2e5 by 2e5)."""
    found: dict[tuple[int, ...], list[int]] = {}
    rows, variables = np.nonzero(bundle._exponents[1:])  # (by direction, then variable)
    cuts = np.flatnonzero(np.diff(rows)) + 1
    for direction, support in zip(
        rows[np.r_[0, cuts]].tolist() if len(rows) else [],
        np.split(variables, cuts) if len(rows) else [],
        strict=True,
    ):
        own = support.tolist()
        for size in range(1, len(own) + 1):
            for subset in itertools.combinations(own, size):
                found.setdefault(subset, []).append(direction)
    return {subset: np.array(found[subset], dtype=np.intp) for subset in found}


def _lift_exponents(bundle: type[TaylorBundle], exponents: np.ndarray) -> _Lift:
    """The linear map from mixed partials d^alpha (rows of `exponents`, over the
    bundle's variables) to the bundle's planes: along direction k, the p-th derivative
    is sum_{|alpha| = p} (p!/alpha!) k^alpha d^alpha (alpha beyond degree D dropped)."""
    orders = exponents.sum(axis=1)
    k = bundle._exponents[1:]  # (M, V): the directions
    m, d = bundle._count, bundle._series
    value = np.flatnonzero(orders == 0)
    rows, columns, weights = [np.zeros_like(value)], [value], [np.ones(len(value))]
    covering = _covering(bundle)  # type: ignore[arg-type]  # classes hash (mypy#11470)
    none = np.zeros(0, dtype=np.intp)
    for q in np.flatnonzero((orders >= 1) & (orders <= d)):
        support = np.flatnonzero(exponents[q])
        directions = covering.get(tuple(support.tolist()), none)  # k^alpha != 0 there
        powers = k[directions][:, support].astype(float) ** exponents[q, support]
        factor = math.factorial(int(orders[q])) / math.prod(
            math.factorial(int(e)) for e in exponents[q, support]
        )
        rows.append(_plane(m, directions, int(orders[q])))
        columns.append(np.full(len(directions), q))
        weights.append(factor * powers.prod(axis=1))
    row = np.concatenate(rows)
    order = np.argsort(row, kind="stable")
    return _Lift(
        bundle._planes, row[order], np.concatenate(columns)[order], np.concatenate(weights)[order]
    )


def _apply(lift: _Lift, planes: np.ndarray) -> np.ndarray:
    """lift applied to planes (columns, *shape): the bundle's planes (planes, *shape)."""
    out = np.zeros((lift.planes, *planes.shape[1:]), dtype=planes.dtype)
    nonzero = np.asarray(planes.reshape(len(planes), -1).any(axis=1))
    live = nonzero[lift.columns]  # seeds are mostly zero planes
    rows, columns = lift.rows[live], lift.columns[live]
    if len(rows) == 0:
        return out
    weights = lift.weights[live].astype(planes.real.dtype).reshape(-1, *([1] * (planes.ndim - 1)))
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    out[rows[starts]] = np.add.reduceat(planes[columns] * weights, starts, axis=0)
    return out


def _embedded(kind: type[DualArray], bundle: type[TaylorBundle]) -> np.ndarray:
    """A kind's multi-indices over the bundle's variables."""
    columns = _columns(kind, bundle)
    if columns is None:
        from ._arrays import combine_error

        raise combine_error("a nested transform", kind, bundle)
    own = _kind_exponents(kind)  # type: ignore[arg-type]  # (mypy#11470)
    exponents = np.zeros((own.shape[0], bundle._exponents.shape[1]), dtype=np.int64)
    exponents[:, columns] = own
    return exponents


@functools.cache
def _lift_matrix(kind: type[DualArray], bundle: type[TaylorBundle]) -> _Lift:
    """The linear map from a kind's mixed partials to a bundle's planes."""
    return _lift_exponents(bundle, _embedded(kind, bundle))


def lift_bundle(x: DualArray, bundle: type[TaylorBundle]) -> DualArray:
    """x (of a kind whose variables are among the bundle's) in the bundle."""
    if type(x) is bundle:
        return x
    _note_lift(x, bundle)
    return _lifted(x, bundle)


def _lifted(x: DualArray, bundle: type[TaylorBundle]) -> DualArray:
    """lift_bundle's work, uncounted (a seed's own lifts: bundle_seed)."""
    if type(x) is bundle:
        return x
    kind, planes = _monomials(x)
    return bundle._wrap(_apply(_lift_matrix(kind, bundle), planes))  # type: ignore[arg-type]  # (mypy#11470)


@functools.cache
def bundle_product(outer: type[DualArray], inner: type[DualArray]) -> type[TaylorBundle]:
    """The kind of the arithmetic between an outer transform's kind and an inner one's
    (outer._tag < inner._tag) beyond total order 2: the bundle of the multi-indices
    alpha + beta (outer-major), which inner_parts reads back."""
    outer = _full(outer)
    a, b = _kind_exponents(outer), _kind_exponents(inner)  # type: ignore[arg-type]  # (mypy#11470)
    rows = np.concatenate(
        [np.repeat(a, len(b), axis=0), np.tile(b, (len(a), 1))], axis=1
    )  # row p * len(b) + q: alpha_p + beta_q
    # by total order, then lexicographically (as _downward_closed sorts)
    order = np.lexsort((*rows.T[::-1], rows.sum(axis=1)))
    exponents = rows[order]
    attributes = _bundle_attributes(exponents)
    grid = np.empty(len(rows), dtype=np.intp)
    grid[order] = np.arange(len(rows))  # where each alpha_p + beta_q went
    attributes.update(
        _outer=outer,
        _inner=inner,
        _tag=inner._tag,
        _groups=_groups_of(outer) + _groups_of(inner),
        # the row of alpha_p + beta_q, as an (outer planes, inner planes) grid
        _grid=grid.reshape(len(a), len(b)),
    )
    name = f"{outer.__name__}x{inner.__name__}"
    cls = type(name, (TaylorBundle,), attributes)
    cls.__qualname__ = name
    note_product(cls, attributes["_groups"])
    return cls


def nested_bundle(a: type[DualArray], b: type[DualArray]) -> type[DualArray] | None:
    """The kind two transforms' kinds meet in beyond total order 2 (_multivariate.promote
    asks when its products do not serve): a bundle holding the other's variables, the
    product bundle of a kind and a deeper transform's own kind, or else the bundle of all
    their transforms' variables in tag order (a kind of A and B meeting one of A and C:
    A, B, C; one of B and C meeting A's: A, B, C too); None for kinds of one transform,
    or of two at one depth."""
    if not (a._tag and b._tag):
        return None
    groups = sorted(set(_groups_of(a)) | set(_groups_of(b)), key=lambda g: g._tag)
    if len({g._tag for g in groups}) != len(groups):
        return None  # two transforms at one depth (one's array kept past its return)
    for x, y in ((a, b), (b, a)):
        if _is_bundle(x) and hasattr(x, "_inner") and _columns(y, x) is not None:
            return x
    outer, inner = (a, b) if a._tag < b._tag else (b, a)
    if _groups_of(inner) == (inner,):  # (outer's transforms all shallower)
        return bundle_product(outer, inner)  # type: ignore[arg-type]  # (mypy#11470)
    # in tag order, the deepest transform last (it reads its planes first: inner_parts,
    # which needs it as the bundle's inner kind, not a product holding it: c * b * a
    # three deep, c the innermost variable, made (b x c) x a); starting from a kind
    # holding the first ones, as their own arithmetic has made it, and the first two as
    # their product when both are first order (a * b's kind: one class for a * b * c)
    kind: type[DualArray] = groups[0]
    for x in (outer, inner):
        if list(_groups_of(x)) == groups[: len(_groups_of(x))]:
            kind = x if len(_groups_of(x)) > len(_groups_of(kind)) else kind
    for group in groups[len(_groups_of(kind)) :]:
        if _first_order_seed(kind) and _first_order_seed(group):
            kind = _PRODUCTS["product_type"](kind, group)
        else:
            kind = bundle_product(kind, group)  # type: ignore[arg-type]  # (mypy#11470)
    return kind


def _first_order_seed(kind: type[DualArray]) -> bool:
    """A transform's own first-order kind (Dual, DualVec): two of them meet in their
    product kind (_multivariate.product_type), not a bundle."""
    return kind._order == 1 and not hasattr(kind, "_inner") and not _is_bundle(kind)


def bundle_seed(
    bundle: type[TaylorBundle],
    outer: DualArray | None,
    seeded: DualArray,
    tangent: DualArray | None = None,
) -> DualArray:
    """An inner transform's seeded variable (its value the outer variable's) with the
    outer variable's parts, in their product bundle; for jvp (one direction t), also
    its tangent's outer parts (the terms t d^alpha of the tangent's alpha)."""
    data = _lifted(seeded, bundle)._stack
    if outer is not None:
        data += _lifted(outer, bundle)._stack
        data[0] = seeded._stack[0]
    if tangent is not None:
        kind, planes = _monomials(tangent)
        exponents = _embedded(kind, bundle)[1:]  # its value is the seeded t part
        exponents[:, _columns(bundle._inner, bundle)] += 1
        data += _apply(_lift_exponents(bundle, exponents), planes[1:])
    return bundle._wrap(data)


# A pointwise transform's seeded inputs (derivative's, elementwise=True's) in a product
# bundle, and what each point of them depends on. A bundle's mixed partials are read by
# interpolation from series along integer directions k, d^i f = (1/|i|!) sum_k (-1)^|i-k|
# C(i, k) (plane |i| along k): where a point's series overflow, a partial in a variable
# the point does not depend on is inf - inf (nan), though its terms cancel in pairs (0
# exactly; finite, they leave rounding: 5e-15). The Hessian of
# sum(derivative(exp(exp(t)))(x)) at [0.3, 7] was all nan, where the entries at 0.3 and
# the mixed ones are finite. For a function acting point by point on its seeded inputs
# (the probe judges that, or check_pointwise=False promises it), a point of the output
# depends on the enclosing transforms' variables only through that point of the inputs;
# so where the outer variables' parts in a variable are all 0 at a point, the output's
# partials in it are 0 there (bundle_inner_parts). What else was lifted into the (a
# closure over an outer variable, another argument of its kind) may reach every point,
# moved by f as it likes: each point depends on every variable any point of it does
# (_LIFTED, the union over lift_bundle's lifts; the Hessian of
# sum(derivative(lambda t: np.exp(t) * v[0])(v)) at [1, 2, 800] was all nan, where the
# entries in v[1] alone are finite).
_LIFTED: dict[type[DualArray], np.ndarray] = {}
# bundle -> (the outer variables its pointwise seeds were made from, 0), or None:
# nothing known
POINTWISE_SEEDS: dict[type[DualArray], tuple[tuple[DualArray, ...], int] | None] = {}


def _note_lift(x: DualArray, bundle: type[TaylorBundle]) -> None:
    """Add the variables x depends on at any point (nonzero or nan partials in them) to
    _LIFTED's union for the bundle, while a pointwise pass's record may need it."""
    if not POINTWISE_SEEDS.get(bundle):
        return
    kind, planes = _monomials(x)
    exponents = _embedded(kind, bundle)
    nonzero = (planes != 0).reshape(len(planes), -1).any(axis=1)  # (nan: nonzero)
    used = exponents[nonzero].any(axis=0)
    _LIFTED[bundle] = _LIFTED[bundle] | used if bundle in _LIFTED else used


def note_seed(bundle: type[DualArray], outers: list[DualArray], pointwise: bool) -> None:
    """Record, after a pass's seeds, what each point of its seeded inputs depends on (a
    pointwise transform's; `outers` the enclosing transforms' variables they were seeded
    from, each of its input's shape; made into a mask only where a read needs it), or
    that nothing is known."""
    if not _is_bundle(bundle):
        return
    before = POINTWISE_SEEDS.get(bundle, ())
    if not (pointwise and outers) or before is None:
        POINTWISE_SEEDS[bundle] = None  # (spoilt for this transform's call)
        return
    if not before:
        _LIFTED.pop(bundle, None)  # (a new call's record: its own lifts from here)
    POINTWISE_SEEDS[bundle] = (tuple(outers), 0)


def _live(bundle: type[DualArray], outers: tuple[DualArray, ...]) -> np.ndarray | None:
    """Per bundle variable and point of the outers' broadcast shape: whether the point
    depends on it (the union over the outers of their nonzero partials in it)."""
    try:
        shape = np.broadcast_shapes(*(o.shape for o in outers))
    except ValueError:
        return None
    variables = int(bundle._exponents.shape[1])  # type: ignore[attr-defined]
    live: np.ndarray = np.zeros((variables, *shape), dtype=bool)
    for outer in outers:
        kind, planes = _monomials(outer)
        exponents = _embedded(kind, bundle)  # type: ignore[arg-type]  # (mypy#11470)
        own: np.ndarray = np.ones(live.shape, dtype=bool)
        nonzero = planes != 0  # (nan: live)
        for c in np.flatnonzero(exponents.any(axis=0)).tolist():
            own[c] = nonzero[exponents[:, c] > 0].any(axis=0)
        live |= own
    return live


def forget_seeds(depth: int) -> None:
    """Drop note_seed's records of the bundles whose transform (at depth) returns."""
    for bundle in list(POINTWISE_SEEDS):  # (a snapshot: other threads' transforms add)
        if bundle._tag >= depth:
            POINTWISE_SEEDS.pop(bundle, None)
            _LIFTED.pop(bundle, None)


def _structural_zeros(bundle: type[TaylorBundle], grid: np.ndarray, shape: tuple[int, ...]) -> None:
    """grid (outer rows, inner rows, *shape) with 0 where its read is inf or nan at a
    point whose outer row holds a variable the point does not depend on (note_seed), in
    place. Only there: the pointwise probe of a nested pass judges the values, not their
    outer parts, so a function mixing points through those alone (t + (sum(t) - s)^3
    under a Hessian) passes it, and its finite partials stay as read."""
    known = POINTWISE_SEEDS.get(bundle)
    if known is None:
        return
    with np.errstate(invalid="ignore"):
        lost = ~np.isfinite(grid)  # (the finite reads stay: see the docstring)
    if not lost.any():
        return
    live = _live(bundle, known[0])
    if live is None:
        return
    try:
        live = np.broadcast_to(live, (len(live), *shape))
    except ValueError:
        return
    lifted = _LIFTED.get(bundle)
    if lifted is not None:  # (every point: see _LIFTED)
        live = live | lifted.reshape(-1, *([1] * len(shape)))
    exponents = _embedded(bundle._outer, bundle)
    for row in range(1, len(exponents)):
        dead = ~live[np.flatnonzero(exponents[row])].all(axis=0)
        grid[row][lost[row] & dead] = 0


class BundleReads:
    """How many inner transforms' outputs were read out of a product bundle
    (bundle_inner_parts), and the highest degree of those bundles. Their mixed partials
    are interpolated from series along integer directions, so a partial of two
    variables seeded at very different scales (the pointwise probe's 2^-64 .. 2^63
    against a unit seed) carries the rounding of the larger: a pass that saw such a
    read is checked within that rounding (_transforms._check_pointwise)."""

    count: ClassVar[int] = 0
    degree: ClassVar[int] = 0


def bundle_inner_parts(x: DualArray, inner: type[DualArray]) -> DualArray:
    """An inner transform's output in a product bundle, read as that transform reads its
    own planes: an array of the outer kind of shape (inner planes, *shape), whose planes
    carry each inner plane's outer derivatives."""
    bundle = type(x)
    if getattr(bundle, "_inner", None) is not inner:
        raise TypeError(
            f"an output of kind {bundle.__name__} read by a transform of {inner.__name__}"
        )
    BundleReads.count += 1
    BundleReads.degree = max(BundleReads.degree, bundle._series)  # type: ignore[attr-defined]
    partials = _read(bundle, x._stack)  # type: ignore[arg-type]
    grid = partials[bundle._grid]  # type: ignore[attr-defined]  # (outer, inner, *shape)
    _structural_zeros(bundle, grid, x.shape)  # type: ignore[arg-type]
    outer = bundle._outer
    if _is_bundle(outer):  # its planes from its mixed partials
        grid = _apply(_lift_matrix(outer, outer), grid)  # type: ignore[arg-type]  # (mypy#11470)
    return outer._wrap(grid)
