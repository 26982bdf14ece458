"""Multivariate duals: many partials, and a block of second partials, in one pass.

One C++ kind, Jet, serves them all. Its planes are the value, first-order parts
g_0 .. g_{P-1} and second-order parts h_q, each h_q with a pair (a_q, b_q):
    f(x):  g -> f' g,   h_q -> f' h_q + f'' g_a g_b.
- DualVec(K): P = K and no h: a gradient or a K-column Jacobian block.
- HyperDualVec(K1, K2): g = (g1[K1], g2[K2]) and h[i, j] with the pair
  (i, K1 + j): the mixed block d2f/dX dY of two seed sets.
- HyperDualVec(K): one seed set; h holds the upper triangle (i <= j) of the
  symmetric Hessian block, stored and computed once.
A class per layout (made on demand and cached) keeps kinds from mixing.
"""

from __future__ import annotations

import functools
import os
from typing import Any, ClassVar, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import _core
from ._arrays import (
    Dual,
    DualArray,
    HyperDual,
    combine_error,
    note_product,
    pickled_class,
    register_rules,
    restored,
)
from ._taylor_arrays import bundle_inner_parts, lift_bundle, nested_bundle, register_products


class JetArray(DualArray):
    """Base of the multivariate kinds; the layout is a class attribute."""

    __slots__ = ()
    _kind = -1
    _first: ClassVar[int]
    _pairs: ClassVar[np.ndarray]  # (Q, 2) int64
    _layout: ClassVar[_core.JetLayout]

    @classmethod
    def _unary_kernel(cls, function: int, x: np.ndarray, out: np.ndarray) -> None:
        _core.jet_unary(function, cls._layout, x, out)

    @classmethod
    def _binary_kernel(
        cls, function: int, x: np.ndarray, x_parts: bool, y: np.ndarray, y_parts: bool, out: Any
    ) -> None:
        _core.jet_binary(function, cls._layout, x, x_parts, y, y_parts, out)


class DualVec(JetArray):
    """value + sum_k grad[k] eps_k (eps_i eps_j = 0): K partials in one pass."""

    __slots__ = ()

    @property
    def grad(self) -> np.ndarray:
        """The K first-order parts, shape (K, *shape) (a view).

        Examples
        --------
        >>> import numpy as np, hyperdiff as hd
        >>> x = hd.dualvec(np.array([0.0, 1.0]), [[1.0, 1.0], [1.0, -1.0]])
        >>> np.exp(x).grad                  # e^x times each direction
        array([[ 1.        ,  2.71828183],
               [ 1.        , -2.71828183]])
        """
        return self._stack[1 : 1 + self._first]


class HyperDualVec(JetArray):
    """Gradient blocks and a block of second partials.

    Two seed sets (K1, K2): `grad1` (K1, *shape), `grad2` (K2, *shape) and `hess`
    (K1, K2, *shape), the mixed second partials. One seed set (K): `grad` and
    the symmetric `hess` (K, K, *shape), stored as its upper triangle.
    """

    __slots__ = ()
    _sizes: ClassVar[tuple[int, int | None]]
    # The plane of each second partial (a, b), row by row: K1 x K2 plane indices
    # (the symmetric kind reads its one stored triangle twice).
    _hess_planes: ClassVar[np.ndarray]
    # the probed kind's (probe, a) planes (probed_hyperdualvec_type)
    _probe_pairs: ClassVar[np.ndarray]

    @property
    def grad1(self) -> np.ndarray:
        """The first seed set's parts, shape (K1, *shape) (a view)."""
        return self._stack[1 : 1 + self._sizes[0]]

    @property
    def grad2(self) -> np.ndarray:
        """The second seed set's parts, shape (K2, *shape) (grad1 for one seed set)."""
        k1, k2 = self._sizes
        return self.grad1 if k2 is None else self._stack[1 + k1 : 1 + k1 + k2]

    @property
    def grad(self) -> np.ndarray:
        """The first-order parts of one seed set, shape (K, *shape) (grad1)."""
        return self.grad1

    @property
    def hess(self) -> np.ndarray:
        """The second partials, shape (K1, K2, *shape) (a copy for one seed set).

        Examples
        --------
        >>> import numpy as np, hyperdiff as hd
        >>> x = hd.hyperdualvec(np.array([1.0, 2.0]), [[1.0, 0.0]], [[0.0, 1.0]])  # e0; e1
        >>> (x[0] * x[1] ** 2).hess         # d2/dx0 dx1 (x0 x1^2) = 2 x1
        array([[4.]])
        """
        k1, k2 = self._sizes
        if k2 is not None:
            return self._stack[1 + self._first :].reshape(k1, k2, *self.shape)
        hess: np.ndarray = self._stack[self._hess_planes]
        return hess.reshape(k1, k1, *self.shape)


def _products(first: int, pairs: np.ndarray) -> tuple[tuple[int, int, int], ...]:
    """The multiplication table of a layout: (i, j, k) = plane i times plane j adds to k."""
    planes = 1 + first + len(pairs)
    table = [(0, k, k) for k in range(planes)] + [(k, 0, k) for k in range(1, planes)]
    for q, (a, b) in enumerate(pairs.tolist()):
        # a pair (a, a) is listed twice: (g_a eps_a)^2 adds 2 g_a^2, the f'' g_a^2 term
        table += [(1 + a, 1 + b, 1 + first + q), (1 + b, 1 + a, 1 + first + q)]
    return tuple(table)


_Kind = TypeVar("_Kind", bound="JetArray")


def _make(
    base: type[_Kind],
    name: str,
    first: int,
    pairs: np.ndarray,
    parts: tuple[str, ...],
    spec: tuple[Any, ...],
    tag: int = 0,
) -> type[_Kind]:
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    attributes = {
        "__slots__": (),
        "_spec": spec,
        "_first": first,
        "_pairs": pairs,
        "_layout": _core.JetLayout(first, pairs),
        "_planes": 1 + first + len(pairs),
        "_part_names": parts,
        "_products": _products(first, pairs),
        "_order": 2 if len(pairs) else 1,
        # the transforms' seed planes of one input of K variables, per dtype
        "_unit_seeds": {},
    }
    if tag:  # (before the class exists: its registration counts its instances by tag)
        attributes["_tag"] = tag
    return cast("type[_Kind]", type(name, (base,), attributes))


@functools.cache
def dualvec_type(k: int) -> type[DualVec]:
    """The DualVec class of K partials."""
    if k < 1:
        raise ValueError(f"a DualVec needs at least one partial, not {k}")
    _check_layout_size(f"DualVec{k}", 1 + k)
    parts = tuple(f"grad[{i}]" for i in range(k))
    return _make(DualVec, f"DualVec{k}", k, np.empty((0, 2)), parts, ("dualvec", k))


def hyperdualvec_type(k1: int, k2: int | None = None) -> type[HyperDualVec]:
    """The HyperDualVec class of seed sets K1 and K2, or of one seed set K1 (symmetric)."""
    return _hyperdualvec_type(k1, k2)  # one class per layout, however called


@functools.cache
def _hyperdualvec_type(k1: int, k2: int | None) -> type[HyperDualVec]:
    if k1 < 1 or (k2 is not None and k2 < 1):
        raise ValueError(f"a HyperDualVec needs at least one partial per seed set, not {k1}, {k2}")
    _check_layout_size(f"HyperDualVec{k1}" + ("" if k2 is None else f"x{k2}"), _planes(k1, k2))
    pairs: np.ndarray
    if k2 is None:
        i, j = np.triu_indices(k1)
        pairs = np.stack([i, j], axis=1)
        parts = (
            *(f"grad[{a}]" for a in range(k1)),
            *(f"hess[{a},{b}]" for a, b in zip(i, j, strict=True)),
        )
        cls = _make(HyperDualVec, f"HyperDualVec{k1}", k1, pairs, parts, ("hyperdualvec", k1))
        planes = np.empty((k1, k1), dtype=np.intp)
        planes[i, j] = planes[j, i] = 1 + k1 + np.arange(len(pairs))
        cls._hess_planes = planes.ravel()
    else:
        a, b = np.meshgrid(np.arange(k1), np.arange(k2), indexing="ij")
        i, j = a.ravel(), b.ravel()
        pairs = np.stack([i, k1 + j], axis=1)
        parts = (
            *(f"grad1[{a}]" for a in range(k1)),
            *(f"grad2[{b}]" for b in range(k2)),
            *(f"hess[{a},{b}]" for a, b in zip(i, j, strict=True)),
        )
        spec = ("hyperdualvec", k1, k2)
        cls = _make(HyperDualVec, f"HyperDualVec{k1}x{k2}", k1 + k2, pairs, parts, spec)
        cls._hess_planes = 1 + k1 + k2 + np.arange(k1 * k2)
    cls._sizes = (k1, k2)
    return cls


def probed_hyperdualvec_type(k: int, mixed: bool = True) -> type[HyperDualVec]:
    """HyperDualVec(k) and one more first-order direction, a probe w (after the k
    partials), with the second-order planes of each partial and the probe (`mixed`)
    and of the probe twice (after the Hessian's triangle). The elementwise transforms'
    pointwise probe: a pointwise f gives them w times the Hessian's row sums and w^2
    times its sum, which a function mixing points only at second order does not (its
    first-order parts can pass). Without `mixed` (the (w, w) plane alone, k planes
    fewer): a sparse Hessian's probe, each term's w^T H w."""
    return _probed_hyperdualvec_type(k, bool(mixed))  # one class per layout, however called


@functools.cache
def _probed_hyperdualvec_type(k: int, mixed: bool) -> type[HyperDualVec]:
    _check_layout_size(f"HyperDualVec{k}", _planes(k, None) + 2 + k * mixed)
    i, j = np.triu_indices(k)
    parts = (
        *(f"grad[{a}]" for a in range(k)),
        "probe",
        *(f"hess[{a},{b}]" for a, b in zip(i, j, strict=True)),
        *(f"probe_hess[{a}]" for a in range(k * mixed)),
        "probe_probe",
    )
    with_probe = np.arange(0 if mixed else k, k + 1)  # (a, probe) for these a
    probe_pairs = np.stack([with_probe, np.full_like(with_probe, k)], axis=1)
    pairs = np.concatenate([np.stack([i, j], axis=1), probe_pairs])
    spec = ("probed", k, mixed)
    cls = _make(HyperDualVec, f"HyperDualVec{k}", k + 1, pairs, parts, spec)
    planes = np.empty((k, k), dtype=np.intp)
    planes[i, j] = planes[j, i] = 2 + k + np.arange(len(i))
    cls._hess_planes = planes.ravel()
    cls._probe_pairs = 2 + k + len(i) + np.arange(k * mixed)  # then (probe, probe), the last
    cls._probe_square = 2 + k + len(i) + k * mixed
    cls._sizes = (k, None)
    return cls


class HyperDualDiag(JetArray):
    """K partials and only the diagonal second partials d^2/dx_a^2 (1 + 2K planes, not
    the Hessian's 1 + K + K(K+1)/2): the layout of hessian_diag and laplacian."""

    __slots__ = ()

    @property
    def grad(self) -> np.ndarray:
        """The K first-order parts, shape (K, *shape) (a view)."""
        return self._stack[1 : 1 + self._first]

    @property
    def hess_diag(self) -> np.ndarray:
        """The K diagonal second partials, shape (K, *shape) (a view)."""
        return self._stack[1 + self._first :]


def hyperdualdiag_type(k: int, probe: bool = False) -> type[HyperDualDiag]:
    """The HyperDualDiag class of K partials (and, with probe, one more first-order
    direction after them: the elementwise transforms' pointwise probe)."""
    return _hyperdualdiag_type(k, bool(probe))  # one class per layout, however called


@functools.cache
def _hyperdualdiag_type(k: int, probe: bool) -> type[HyperDualDiag]:
    if k < 1:
        raise ValueError(f"a HyperDualDiag needs at least one partial, not {k}")
    first = k + probe
    _check_layout_size(f"HyperDualDiag{k}", 1 + first + k)
    diagonal = np.stack([np.arange(k), np.arange(k)], axis=1)
    parts = (
        *(f"grad[{a}]" for a in range(k)),
        *(("probe",) if probe else ()),
        *(f"hess[{a},{a}]" for a in range(k)),
    )
    return _make(HyperDualDiag, f"HyperDualDiag{k}", first, diagonal, parts, ("diag", k, probe))


# --- nesting: the product of two transforms' first-order kinds ------------------------------
# An inner transform (tag B, deeper) whose function uses an outer one's variable (tag A)
# computes in the product algebra: first order in A times first order in B is the mixed
# block of HyperDualVec(KA, KB): planes 1, a_i, b_j, a_i b_j. Nothing of either is
# confused with the other, and nothing is dropped (DESIGN.md section 6).
def first_order_kind(cls: type[DualArray]) -> bool:
    """A kind whose parts are first derivatives only (Dual, DualVec) of a transform."""
    return cls._order == 1 and cls._tag != 0 and not hasattr(cls, "_inner")


def product_type(outer: type[DualArray], inner: type[DualArray]) -> type[HyperDualVec]:
    """The kind of the arithmetic between the first-order kinds of an outer transform
    and an inner one (outer._tag < inner._tag)."""
    return _product_type(outer, inner)  # type: ignore[arg-type]  # classes hash (mypy#11470)


@functools.cache
def _product_type(outer: type[DualArray], inner: type[DualArray]) -> type[HyperDualVec]:
    k1, k2 = outer._planes - 1, inner._planes - 1
    i, j = np.meshgrid(np.arange(k1), np.arange(k2), indexing="ij")
    parts = (
        *(f"outer[{a}]" for a in range(k1)),
        *(f"inner[{b}]" for b in range(k2)),
        *(f"outer[{a}]*inner[{b}]" for a, b in zip(i.ravel(), j.ravel(), strict=True)),
    )
    spec = ("product", outer._spec, outer._tag, inner._spec, inner._tag)
    pairs = np.stack([i.ravel(), k1 + j.ravel()], axis=1)
    # the class's own tag (combine_error): the deeper one, given as the class is made,
    # so that the registry counts its instances under it: a product array kept past its
    # inner transform's call retires the kind (_arrays._retire) like a kept seed does
    name = f"{outer.__name__}x{inner.__name__}"
    cls = _make(HyperDualVec, name, k1 + k2, pairs, parts, spec, inner._tag)
    cls._hess_planes = 1 + k1 + k2 + np.arange(k1 * k2)
    cls._sizes = (k1, k2)
    cls._outer, cls._inner = outer, inner
    note_product(cls, (outer, inner))
    return cls


# When an inner transform differentiates with respect to the very variable an outer one
# seeded, with the same directions (grad of L(t - a grad L(t)): the inner seeds t, whose
# outer parts are the same unit seeds), every array computed from it has equal a_i and
# b_i parts and a symmetric block a_i b_j: the Hessian's layout holds it in half the
# planes. It stays in that kind while only it meets itself and constants, and becomes
# the full product (expand) when an array of either transform alone meets it.
def symmetric_product_type(outer: type[DualArray], inner: type[DualArray]) -> type[HyperDualVec]:
    """The kind of an inner transform's arithmetic when its variable is the outer
    transform's variable, seeded alike (outer._tag < inner._tag, K directions each)."""
    return _symmetric_product_type(outer, inner)  # type: ignore[arg-type]  # (mypy#11470)


@functools.cache
def _symmetric_product_type(outer: type[DualArray], inner: type[DualArray]) -> type[HyperDualVec]:
    k = inner._planes - 1
    base = hyperdualvec_type(k)
    spec = ("symmetric", outer._spec, outer._tag, inner._spec, inner._tag)
    attributes = {
        "__slots__": (),
        "_spec": spec,
        "_outer": outer,
        "_inner": inner,
        "_symmetric": True,
        "_tag": inner._tag,
        "_layout": base._layout,  # its own: the C++ fast paths register it
    }
    cls = type(f"{outer.__name__}x{inner.__name__}", (base,), attributes)
    cls.__qualname__ = cls.__name__
    note_product(cls, (outer, inner))
    return cls


def _expand(x: DualArray, product: type[HyperDualVec]) -> DualArray:
    """A symmetric product array in the full product: its one set of first parts as
    both the a_i and the b_i planes, its triangle as the whole a_i b_j block."""
    k1, k2 = product._sizes
    assert k2 is not None  # a product kind: two seed sets
    data = np.empty((product._planes, *x.shape), dtype=x.dtype)
    data[0] = x._stack[0]
    data[1 : 1 + k1] = x._stack[1 : 1 + k1]
    data[1 + k1 : 1 + k1 + k2] = x._stack[1 : 1 + k1]
    data[1 + k1 + k2 :] = x._stack[type(x)._hess_planes]
    return product._wrap(data)


def lift(x: DualArray, product: type[HyperDualVec]) -> DualArray:
    """x (of the product's outer or inner kind, or the product itself) in the product."""
    if type(x) is product:
        return x
    if not hasattr(product, "_sizes"):  # a bundle (nested_bundle)
        return lift_bundle(x, product)  # type: ignore[arg-type]
    if getattr(type(x), "_symmetric", False):
        return _expand(x, product)
    k1, k2 = product._sizes
    assert k2 is not None  # a product kind: two seed sets
    data = np.zeros((product._planes, *x.shape), dtype=x.dtype)
    data[0] = x._stack[0]
    if type(x) is product._outer:
        data[1 : 1 + k1] = x._stack[1:]
    elif type(x) is product._inner:
        data[1 + k1 : 1 + k1 + k2] = x._stack[1:]
    else:
        raise combine_error("a nested transform", type(x), product)
    return product._wrap(data)


def promote(a: type[DualArray], b: type[DualArray]) -> type[HyperDualVec] | None:
    """The product kind two dual kinds meet in, or None when they do not (a hand-built
    kind, a second-order one, an order beyond 2, or two kinds of one tag)."""
    if getattr(a, "_retired", False) or getattr(b, "_retired", False):
        return None  # an escaped array's parts are no transform's now (combine_error)
    for x, y in ((a, b), (b, a)):
        if getattr(x, "_symmetric", False):  # meeting either transform alone: in full
            full = product_type(x._outer, x._inner)
            if y in (x._outer, x._inner, full):
                return full
    for x, y in ((a, b), (b, a)):
        product = getattr(x, "_inner", None)
        if product is not None and y in (x._outer, x._inner):
            return x  # type: ignore[return-value]
    if first_order_kind(a) and first_order_kind(b) and a._tag != b._tag:
        outer, inner = (a, b) if a._tag < b._tag else (b, a)
        return product_type(outer, inner)
    # beyond total order 2: a bundle of Taylor series (_taylor_arrays)
    return nested_bundle(a, b)  # type: ignore[return-value]


def unify(operands: tuple[Any, ...]) -> tuple[Any, ...]:
    """The operands with dual arrays of an outer and an inner transform lifted into
    their product kind (unchanged when the dual kinds are one, or do not meet)."""
    kinds = {type(x) for x in operands if isinstance(x, DualArray)}
    if len(kinds) != 2:
        return operands
    product = promote(*kinds)
    if product is None:
        return operands  # the caller's common_kind says why they do not combine
    return tuple(lift(x, product) if isinstance(x, DualArray) else x for x in operands)


def common_product(kinds: Any) -> type[DualArray] | None:
    """The product kind all the given dual kinds meet in, or None (one kind, or kinds
    that do not meet: the caller's common_kind says why)."""
    kinds = list(kinds)
    if len(kinds) < 2:
        return None
    product: type[DualArray] | None = kinds[0]
    for kind in kinds[1:]:
        if product is None:
            return None
        product = kind if kind is product else promote(product, kind)
    return product


def lift_arguments(product: type[DualArray], args: Any) -> Any:
    """args (a numpy function's positional or keyword arguments) with every dual array,
    also inside the sequences numpy functions take (concatenate's, select's, block's
    nested lists), lifted into the product kind."""

    def holds_dual(x: Any) -> bool:
        return isinstance(x, DualArray) or (
            isinstance(x, list | tuple) and any(holds_dual(y) for y in x)
        )

    def lifted(x: Any) -> Any:
        if isinstance(x, DualArray):
            return lift(x, product)  # type: ignore[arg-type]
        if isinstance(x, list | tuple) and holds_dual(x):
            return type(x)(lifted(y) for y in x)
        return x

    if isinstance(args, dict):
        return {k: lifted(v) for k, v in args.items()}
    return tuple(lifted(a) for a in args)


def inner_parts(x: DualArray, inner: type[DualArray]) -> DualArray:
    """An inner transform's output in the product algebra, read as that transform reads
    its own planes: a dual array of the outer kind, of shape (inner planes, *shape),
    whose value planes are the inner planes (1, b_j) and whose parts carry their outer
    derivatives (a_i, a_i b_j)."""
    if getattr(type(x), "_symmetric", False):  # (1, b_j) planes and their a_i parts
        k = inner._planes - 1
        sym = np.empty((1 + k, 1 + k, *x.shape), dtype=x.dtype)
        sym[0, 0] = x._stack[0]
        sym[1:, 0] = sym[0, 1:] = x._stack[1 : 1 + k]
        sym[1:, 1:] = x._stack[type(x)._hess_planes].reshape(k, k, *x.shape)
        return type(x)._outer._wrap(sym)
    product = promote(type(x), inner)
    assert product is not None and hasattr(product, "_inner")
    if not hasattr(product, "_sizes"):  # a bundle (nested_bundle)
        return bundle_inner_parts(lift(x, product), inner)
    x = lift(x, product)
    outer = product._outer
    k1, k2 = product._sizes
    assert k2 is not None  # a product kind: two seed sets
    data = np.empty((1 + k1, 1 + k2, *x.shape), dtype=x.dtype)
    planes = x._stack
    data[0, 0] = planes[0]
    data[1:, 0] = planes[1 : 1 + k1]
    data[0, 1:] = planes[1 + k1 : 1 + k1 + k2]
    data[1:, 1:] = planes[1 + k1 + k2 :].reshape(k1, k2, *x.shape)
    return outer._wrap(data)


def dualvec(value: ArrayLike, grad: ArrayLike, *, dtype: DTypeLike | None = None) -> DualVec:
    """value + sum_k grad[k] eps_k; grad has shape (K, ...) broadcasting against value.

    For f(x), `.grad[k]` is the derivative along the direction grad[k] of x.

    Parameters
    ----------
    value : array_like
        The primal values.
    grad : array_like
        The K directions, shape (K, ...), each broadcast against value.
    dtype : dtype, optional
        The components' dtype (float64, float32, complex128, complex64).

    Returns
    -------
    DualVec
        A DualVec(K) array; numpy functions of it carry the K directional derivatives
        in `.grad` (shape (K, ...)).

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> x = hd.dualvec(np.array([1.0, 2.0]), [[1.0, 0.0], [0.0, 1.0]])  # e_0, e_1
    >>> y = x[0] ** 2 * x[1]            # grad = (2 x0 x1, x0^2) = (4, 1)
    >>> y.value, y.grad
    (np.float64(2.0), array([4., 1.]))
    """
    grad = np.asarray(grad)
    if grad.ndim < 1:
        raise ValueError("grad must have a leading axis of the K partials")
    return dualvec_type(grad.shape[0])._from_parts(value, tuple(grad), dtype)


def hyperdualvec(
    value: ArrayLike,
    grad1: ArrayLike,
    grad2: ArrayLike | None = None,
    hess: ArrayLike | None = None,
    *,
    dtype: DTypeLike | None = None,
) -> HyperDualVec:
    """A HyperDualVec seeded with grad1 (K1, ...) and grad2 (K2, ...); without grad2,
    one seed set and a symmetric hess. hess (K1, K2, ...) defaults to zero.

    Parameters
    ----------
    value : array_like
        The primal values.
    grad1 : array_like
        The first seed set, shape (K1, ...).
    grad2 : array_like, optional
        The second seed set, shape (K2, ...); without it, grad1 seeds both.
    hess : array_like, optional
        The second-order parts, shape (K1, K2, ...) (symmetric (K1, K1, ...) for one
        seed set); zero by default.
    dtype : dtype, optional
        The components' dtype (float64, float32, complex128, complex64).

    Returns
    -------
    HyperDualVec
        An array whose numpy functions carry the gradients in `.grad1`, `.grad2` and
        the second derivatives along the seed pairs in `.hess` (K1, K2, ...).

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> x = hd.hyperdualvec(np.array([1.0, 2.0]), np.eye(2))   # one seed set
    >>> y = x[0] ** 2 * x[1]            # Hessian [[2 x1, 2 x0], [2 x0, 0]]
    >>> y.hess
    array([[4., 2.],
           [2., 0.]])
    """
    grad1 = np.asarray(grad1)
    if grad1.ndim < 1:
        raise ValueError("grad1 must have a leading axis of the K1 partials")
    k1 = grad1.shape[0]
    if grad2 is not None:
        grad2 = np.asarray(grad2)
        if grad2.ndim < 1:
            raise ValueError("grad2 must have a leading axis of the K2 partials")
    k2 = None if grad2 is None else grad2.shape[0]
    _check_size(k1, k2, value, grad1, grad2, hess)
    hess_array = None if hess is None else np.asarray(hess)
    if hess_array is not None and hess_array.shape[:2] != (k1, k1 if k2 is None else k2):
        raise ValueError(
            f"hess must have shape (K1, {'K1' if k2 is None else 'K2'}, ...) = "
            f"({k1}, {k1 if k2 is None else k2}, ...), not {hess_array.shape}"
        )
    if grad2 is None:
        cls = hyperdualvec_type(k1)
        i, j = np.triu_indices(k1)
        if hess_array is not None and not np.array_equal(
            hess_array, np.swapaxes(hess_array, 0, 1), equal_nan=True
        ):
            raise ValueError(
                "with one seed set the Hessian block is symmetric (it is stored once): "
                "hess[a, b] must equal hess[b, a]; pass grad2 for two seed sets"
            )
        h = () if hess_array is None else tuple(hess_array[i, j])
        seeds: tuple[Any, ...] = tuple(grad1)
    else:
        cls = hyperdualvec_type(k1, k2)
        h = () if hess_array is None else tuple(hess_array.reshape(-1, *hess_array.shape[2:]))
        seeds = (*grad1, *grad2)
    zeros = (0.0,) * (cls._planes - 1 - cls._first) if hess is None else h
    return cls._from_parts(value, (*seeds, *zeros), dtype)


# Planes a layout may have: its product table is built in Python (HyperDualVec(2896)
# has 4.2 million planes, 8.4 million products, and takes seconds to make).
_MAX_LAYOUT_PLANES = 1 << 22


def _planes(k1: int, k2: int | None) -> int:
    return 1 + k1 + (k1 * (k1 + 1) // 2 if k2 is None else k2 + k1 * k2)


def _check_layout_size(name: str, planes: int) -> None:
    if planes > _MAX_LAYOUT_PLANES:
        raise MemoryError(
            f"{name} would have {planes:,} planes per element (at most {_MAX_LAYOUT_PLANES:,}): "
            "seed fewer partials at a time (the transforms' chunk_size does)"
        )


def _check_size(k1: int, k2: int | None, *arrays: Any) -> None:
    """A MemoryError before any work when the planes cannot fit in memory."""
    planes = _planes(k1, k2)
    shapes = [np.shape(a)[1:] if i < 2 else np.shape(a)[2:] for i, a in enumerate(arrays[1:])]
    elements = int(np.prod(np.broadcast_shapes(np.shape(arrays[0]), *shapes), dtype=np.int64))
    needed = planes * max(elements, 1) * 16  # the planes, and as much again for one result
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if needed > available:
        raise MemoryError(
            f"a HyperDualVec with {k1}{'' if k2 is None else f' x {k2}'} partials has {planes:,} "
            f"planes per element: {needed / 2**30:.1f} GiB for {elements:,} elements, more "
            f"than this machine's {available / 2**30:.1f} GiB; seed fewer partials at a time "
            "(hessian's chunk_size does)"
        )


def restore(
    spec: tuple[Any, ...], tag: int, data: np.ndarray, key: tuple[str, int] | None = None
) -> DualArray:
    """A pickled dual array back: its own class when pickled in this process, else its
    kind from spec (see DualArray.__reduce__)."""
    own = pickled_class(key)
    if own is not None:
        return own._wrap(data)
    makers: dict[str, Any] = {
        "Dual": lambda: Dual,
        "HyperDual": lambda: HyperDual,
        "dualvec": dualvec_type,
        "hyperdualvec": hyperdualvec_type,
        "probed": probed_hyperdualvec_type,
        "diag": hyperdualdiag_type,
    }
    if spec[0] in ("product", "symmetric"):
        outer, outer_tag, inner, inner_tag = spec[1:]
        kinds = (
            restored(makers[k[0]](*k[1:]), t) for k, t in ((outer, outer_tag), (inner, inner_tag))
        )
        make = product_type if spec[0] == "product" else symmetric_product_type
        return make(*kinds)._wrap(data)
    kind: type[DualArray] = restored(makers[spec[0]](*spec[1:]), tag)
    return kind._wrap(data)


register_rules(restore=restore)  # DualArray.__reduce__'s unpickler
# the bundles beyond total order 2 (_taylor_arrays); lift takes the product kinds it is given
register_products(product_type, lift)  # type: ignore[arg-type]
