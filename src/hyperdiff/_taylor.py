"""Taylor arrays: truncated univariate Taylor polynomials of any degree d.

An element is x(t) = sum_k x_k t^k / k!, stored as d + 1 planes x_0 .. x_d, plane k
the k-th derivative d^k x/dt^k at t = 0 (derivative-style coefficients, as
jax.experimental.jet's series, not x^(k)/k!). Seeded x = a + t, any function built
from the table's ufuncs gives f(a), f'(a), ..., f^(d)(a) in its planes. The C++
kernels (cpp/include/hyperdiff/taylor.hpp) propagate the planes through every table
function by its ODE's O(d^2) recurrence.

- `taylor_type(d)`: the kind of degree d (one class per degree, cached);
- `taylor(f, x, v, order)`: the coefficients of t -> f(x + t v) (or of a given input
  series), derivative style;
- `derivative(f, order=k)` for k >= 3 runs here (`taylor_derivative`).

Multilinear functions (matmul, dot, einsum, ...) of two Taylor arrays use the
Leibniz rule z_k = sum_j C(k, j) B(x_j, y_{k-j}) (`bilinear`, batched); linear
algebra beyond products (solve, inv, det, eigh, ...) raises a TypeError at degree 3
and above (its rules exist to order 2).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core, _transforms
from ._arrays import DualArray

# The Taylor kinds are one layer down (the rules use them); importers find them here too.
from ._taylor_arrays import (  # noqa: F401
    MAX_DEGREE,
    TaylorArray,
    TaylorBundle,
    _kind_exponents,
    _products,
    _read_row,
    _restore,
    bilinear,
    bundle_type,
    check_linalg,
    taylor_array,
    taylor_type,
)
from ._transforms import (
    _all_output_planes,
    _built_pointwise,
    _check_pointwise,
    _complex_outputs,
    _in_primal_dtype,
    _named,
    _nested_seed,
    _outer_variable,
    _output_planes,
    _pointwise_seeds,
    _probed_pass,
    _seeds,
    _tree_leaves,
    _tree_map,
    _variable,
    _varies,
    derivative,
)


# --- the pointwise probe beyond first order -----------------------------------------------
def _probe_higher_orders(
    f: Callable[..., Any],
    probed: Callable[[np.ndarray], list[Any]],
    kwargs: dict[str, Any],
    result: Any,
    cls: type[DualArray],
    shape: tuple[int, ...],
    dtype: np.dtype,
    unscaled: Sequence[int] = (),
) -> None:
    """ValueError unless f acts point by point at every order of its pass `result` (of
    kind cls): f runs once more on probed(w), the same seeds with every direction
    scaled by the probe's power of two w at each point, and a pointwise f gives each
    plane of degree p exactly w^p times the first pass's (but for the variables
    `unscaled`, arguments broadcast from fewer points: planes along them are skipped).
    The first-order probe (derivative(f)) sees only J; f = x + (sum(x) - s)^3 where
    sum(x) = s has J = I and a zero Hessian there, yet d^3/dt^3 f(x + t) is 6 n^3, not
    6. Points where w^p leaves a safe range are not judged (scaled parts would overflow
    or underflow); a pass read out of a bundle (nested) is probed near 1 and judged
    within its rounding (_probed_pass)."""
    real = np.empty(0, dtype=dtype).real.dtype
    if int(np.prod(shape, dtype=np.int64)) <= 1:
        return  # (one point: nothing to mix)
    moved, weights, rounding, _ = _probed_pass(
        lambda w: f(*probed(w), **kwargs), cls, shape, real
    )  # (read out of a bundle: with weights near 1, within its rounding)
    exponents = _kind_exponents(cls)  # type: ignore[arg-type]  # (mypy#11470)
    count = getattr(cls, "_count", 1)
    skipped = np.asarray(exponents[:, list(unscaled)].any(axis=1))  # (partials or directions)
    limit = 2.0 ** (np.finfo(real).maxexp // 4)  # (parts far from both ends of the range)
    for r, m in zip(_tree_leaves(result), _tree_leaves(moved), strict=False):
        if not _varies(r, cls):
            continue  # a constant output
        planes = _output_planes(r, cls, dtype)
        probe = _output_planes(m, cls, dtype)
        for q in range(1, len(planes)):
            # a kind's raw planes: degree 1 + (q - 1) // directions; nested, an outer
            # kind's array of the inner kind's partials (inner_parts): their orders
            row = q if isinstance(planes, DualArray) else 1 + (q - 1) % count
            p = int(exponents[q].sum()) if isinstance(planes, DualArray) else 1 + (q - 1) // count
            if p < 2 or skipped[row]:
                continue  # (the first-order pass checked those)
            with np.errstate(over="ignore", under="ignore"):
                scale = np.asarray(weights, dtype=np.float64) ** p
            scale[(scale > limit) | (scale < 1 / limit)] = np.nan  # not judged
            _check_pointwise(
                "derivative",
                planes[q : q + 1],
                probe[q],
                scale.astype(real),
                shape,
                True,
                rounding,
                weights,
            )


def _probe_broadcast_partials(
    f: Callable[..., Any],
    probed: Callable[[np.ndarray], list[Any]],
    kwargs: dict[str, Any],
    result: Any,
    cls: type[TaylorBundle],
    shape: tuple[int, ...],
    dtype: np.dtype,
    unscaled: Sequence[int],
) -> None:
    """ValueError unless f acts point by point in the partials that mix an argument
    broadcast from fewer points (its seeds shared, unscaled) with the others:
    _probe_higher_orders skips the bundle's planes along such directions, yet mixing
    may show there alone (x y + (sum(x) - s)^2 (y - 1) at y = 1, y of one point: only
    d3/dx2dy). The partials read off a pass whose other arguments' directions carry
    the probe w (near 1: the reads interpolate) must be w^(their degree in those)
    times the first pass's, within the interpolation's rounding."""
    real = np.empty(0, dtype=dtype).real.dtype
    exponents = _kind_exponents(cls)  # type: ignore[arg-type]  # (mypy#11470)
    shared = np.asarray(exponents[:, list(unscaled)].sum(axis=1))
    own = np.asarray(exponents.sum(axis=1)) - shared
    rows = [row for row in range(1, len(exponents)) if shared[row] and own[row]]
    if not rows or int(np.prod(shape, dtype=np.int64)) <= 1:
        return
    weights = _transforms._bundle_probe_weights(shape, real)
    moved = f(*probed(weights), **kwargs)
    degree = int(exponents.sum(axis=1).max())
    for r, m in zip(_tree_leaves(result), _tree_leaves(moved), strict=False):
        if not _varies(r, cls):
            continue
        planes = _output_planes(r, cls, dtype)
        probe = _output_planes(m, cls, dtype)
        if isinstance(planes, DualArray):
            continue  # (nested: the inner partials themselves, _probe_higher_orders's)
        for row in rows:
            first = _read_row(cls, planes, row)
            _check_pointwise(
                "derivative",
                first[None],
                _read_row(cls, probe, row),
                (weights.astype(np.float64) ** int(own[row])).astype(real),
                shape,
                True,
                degree,
                weights,
            )


# --- transforms ---------------------------------------------------------------------------
@_transforms._reusing_memory  # a transform's depth: its tag, nested in another transform
def taylor(
    f: Callable[..., Any],
    x: ArrayLike,
    v: ArrayLike | Sequence[ArrayLike],
    order: int,
    *,
    holomorphic: bool = False,
) -> NDArray[Any]:
    """The Taylor coefficients of t -> f(x + t v) at t = 0, to `order`, derivative
    style: an array of shape (order + 1, *out.shape) whose plane k is d^k/dt^k f(x + t v)
    (plane 0 is f(x); divide plane k by k! for the coefficient of t^k). This is
    jax.experimental.jet's convention.

    v may also be a list of arrays [x_1, x_2, ...]: the input's own derivatives
    d^k x/dt^k (an input curve; later ones zero), as jet's input series. f takes one
    array; for a function of several, close over the others. Its output may be a
    container (tuple, list, dict) of arrays, each returned as planes.

    Parameters
    ----------
    f : callable
        A function of one array, written with numpy.
    x : array_like
        The point.
    v : array_like or sequence of array_like
        The direction (x's shape), or the input curve's derivatives [x_1, x_2, ...].
    order : int
        The highest derivative, at least 1.
    holomorphic : bool, default False
        Complex x, with f complex-differentiable.

    Returns
    -------
    ndarray
        Shape (order + 1, *out.shape): plane k is d^k/dt^k f(x + t v) at t = 0
        (a container of such arrays for a container output).

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> hd.taylor(np.exp, np.array([0.0, 1.0]), np.ones(2), 3)  # e^x in every plane
    array([[1.        , 2.71828183],
           [1.        , 2.71828183],
           [1.        , 2.71828183],
           [1.        , 2.71828183]])
    >>> hd.taylor(lambda x: x**4, np.array([2.0]), np.ones(1), 4)[:, 0]  # 4!/(4-k)! x^(4-k)
    array([16., 32., 48., 48., 24.])
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"order must be a positive integer, not {order!r}")
    outer = _outer_variable(x)  # nested: an enclosing transform's variable
    point = _variable(
        x if outer is None else outer._stack[0], "taylor", None if holomorphic else False
    )
    series = list(v) if isinstance(v, (list, tuple)) else [v]
    if len(series) > order:
        raise ValueError(f"{len(series)} input coefficients do not fit order {order}")
    if any(isinstance(s, DualArray) for s in series):
        raise TypeError(
            "taylor's direction v is a dual array: the input curve's derivatives are "
            "taken as constants; differentiate with respect to them with jvp instead"
        )
    series = [_in_primal_dtype(point, np.asarray(s), s, "taylor") for s in series]
    cls = _seeds(taylor_type(order))
    parts: tuple[Any, ...] = (*series, *([0.0] * (order - len(series))))
    seeded = cls._from_parts(point, parts, None)
    result = f(_transforms._as_passed(seeded if outer is None else _nested_seed(seeded, outer), x))
    # (a container of such arrays for a container output: typed as the common case;
    # nested, dual arrays of the outer kind)
    planes: NDArray[Any] = _tree_map(
        lambda leaf: _output_planes(leaf, cls, point.dtype).copy(), result
    )
    return planes


def taylor_derivative(
    f: Callable[..., Any],
    order: int,
    argnums: int,
    holomorphic: bool,
    check_holomorphic: bool,
    check_pointwise: bool,
) -> Callable[..., Any]:
    """derivative(f, order=k) for k >= 3: one pass of f on the whole x seeded x + t
    (Taylor arrays of degree k). From 32768 points the fast path records that pass
    (the elementwise fusion) and runs it block by block in cache, the seed's planes
    made in each block (_core.unit_seed); when the recorded graph is elementwise in
    the seed alone (_core.elementwise_plane) f acts point by point by construction,
    and so when the pass ran on the fast elementwise paths alone (_built_pointwise,
    as at orders 1 and 2): no probe is needed. Otherwise, with check_pointwise, a
    first-order pass with the probe (derivative(f)) checks that f acts point by point,
    and a pass seeded x + t w (the probe's weights) checks it at every order up to k
    (_probe_higher_orders). check_holomorphic checks that
    promise by its own first-order pass first (derivative(f, holomorphic=True,
    check_holomorphic=True)), which checks f pointwise too."""
    if not isinstance(argnums, int):
        raise TypeError("derivative takes one argument index; use jacobian/hessian for several")

    def df(*args: Any, **kwargs: Any) -> Any:
        if not -len(args) <= argnums < len(args):
            raise TypeError(
                f"argnums={argnums} but the function got {len(args)} positional arguments"
            )
        outer = _outer_variable(args[argnums])  # nested: an enclosing transform's variable
        x = _variable(
            args[argnums] if outer is None else outer._stack[0], "derivative", holomorphic
        )
        checked = check_pointwise
        if check_holomorphic:
            derivative(f, 1, argnums, holomorphic=holomorphic, check_holomorphic=True)(
                *args, **kwargs
            )
            checked = False  # (that pass checked f pointwise too)
        cls = _seeds(taylor_type(order))
        # x + t pending (its planes made block by block where the fused pass reads them)
        seeded = _core.unit_seed(cls, x) if outer is None else None
        if seeded is None:
            seeded = cls._from_parts(x, (1.0, *([0.0] * (order - 1))), None)
        new_args = list(args)
        new_args[argnums] = _transforms._as_passed(
            seeded if outer is None else _nested_seed(seeded, outer, None, True), args[argnums]
        )
        before = _core.pointwise_marks(cls)
        try:
            result = f(*new_args, **kwargs)
        except Exception:
            if checked:  # f mixing points: the probe's error first, as at orders 1 and 2
                derivative(f, 1, argnums, holomorphic=holomorphic)(*args, **kwargs)
            raise
        if type(result) is cls:
            plane = _core.elementwise_plane(result, seeded, order)
            if plane is not None:  # pointwise by construction: a graph of the seed alone
                if holomorphic:  # (its one plane: a call that is not holomorphic poisons all)
                    _complex_outputs([plane], "derivative", first=0)
                return plane
        if holomorphic:  # complex outputs, no parts of a call that is not holomorphic
            _complex_outputs(_all_output_planes(result, cls, x.dtype), "derivative")
        if checked and (outer is not None or not _built_pointwise(cls, before, result)):
            # the probe's pass: f acts point by point (else ValueError), at first order;
            # then at every order up to k, as derivative(f, order=2) checks its second
            derivative(f, 1, argnums, holomorphic=holomorphic)(*args, **kwargs)

            def probed(weights: np.ndarray) -> list[Any]:
                data = np.zeros((cls._planes, *x.shape), dtype=x.dtype)
                data[0], data[1] = x, weights
                seeded = cls._wrap(data)
                new = list(args)
                new[argnums] = seeded if outer is None else _nested_seed(seeded, outer, None, True)
                return new

            _probe_higher_orders(f, probed, kwargs, result, cls, x.shape, x.dtype)

        def leaf(r: Any) -> np.ndarray:  # (a dual array of an outer kind when nested)
            planes = _output_planes(r, cls, x.dtype)
            if not _varies(r, cls):
                shape = np.broadcast_shapes(planes.shape[1:], x.shape)
                return np.zeros(shape, dtype=planes.dtype)
            out: np.ndarray = planes[order].copy()
            return out

        return _tree_map(leaf, result)

    name = getattr(f, "__name__", "f")
    doc = f"d^{order}/dx^{order} of {name}, elementwise."
    return _named(df, "derivative", f, doc, pointwise=argnums)


_transforms.EXTENSIONS["taylor_derivative"] = taylor_derivative  # derivative(order >= 3)


def _box(orders: Sequence[int]) -> tuple[tuple[int, ...], ...]:
    """Every multi-index k <= orders."""
    return tuple(itertools.product(*(range(o + 1) for o in orders)))


def mixed_derivative(
    f: Callable[..., Any],
    orders: Sequence[int],
    argnums: Any,
    holomorphic: bool,
    check_pointwise: bool,
) -> Callable[..., Any]:
    """derivative(f, order=(k_1, ..., k_r), argnums=(a_1, ..., a_r)): the mixed partial
    d^(k_1 + ... + k_r) f / dx_{a_1}^k_1 ... dx_{a_r}^k_r at every point, from one pass
    of a bundle along the prod (k_v + 1) - 1 directions k <= (k_1, ..., k_r) on the
    whole input, after the probe passes (check_pointwise: each argument's first-order
    one, then the bundle's every direction times the probe, _probe_higher_orders)."""
    orders = tuple(orders)
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in orders) or any(
        k < 0 for k in orders
    ):
        raise ValueError(f"order must be non-negative integers, one per argnum, not {orders!r}")
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in nums):
        raise TypeError(f"derivative: argnums must be an int or a tuple of ints, not {argnums!r}")
    if len(nums) != len(orders):
        raise ValueError(
            f"derivative: order={orders!r} gives {len(orders)} orders for {len(nums)} argnums"
        )
    if sum(orders) < 1:
        raise ValueError(f"order {orders!r} has no derivative in it")
    if sum(orders) > MAX_DEGREE:
        raise ValueError(f"a total order of at most {MAX_DEGREE}, not {sum(orders)}")
    kind = bundle_type(_box(tuple(int(k) for k in orders)))
    target = next(r for r, row in enumerate(kind._exponents.tolist()) if tuple(row) == orders)
    m = kind._count
    directions = kind._exponents[1:]

    def df(*args: Any, **kwargs: Any) -> Any:
        cls = _seeds(kind)  # tagged with this call's depth (nested in another transform)
        positions = []
        for a in nums:
            if not -len(args) <= a < len(args):
                raise TypeError(f"argnums={argnums!r} but the function got {len(args)} arguments")
            positions.append(a % len(args))
        if len(set(positions)) != len(positions):
            raise ValueError(f"derivative: argnums {argnums!r} repeats an argument")
        outers = [_outer_variable(args[a]) for a in positions]  # nested: enclosing variables
        xs = [
            _variable(args[a] if o is None else o._stack[0], "derivative", holomorphic)
            for a, o in zip(positions, outers, strict=True)
        ]
        dtype = np.result_type(*xs)

        def seeded(x: np.ndarray, v: int) -> DualArray:
            data = np.zeros((cls._planes, *x.shape), dtype=dtype)
            data[0] = x
            data[1 : 1 + m] = directions[:, v].reshape(m, *([1] * x.ndim))
            return cls._wrap(data)

        if check_pointwise:  # each argument's probe pass: f acts point by point in it
            for a, k in zip(positions, orders, strict=True):
                if k:
                    derivative(f, 1, a, holomorphic=holomorphic)(*args, **kwargs)
        shape = np.broadcast_shapes(*(x.shape for x in xs))
        # (f on the whole input, never in chunks: agreeing first derivatives would not
        # hold a chunk's higher ones to the whole's: sin(x) + (len(x) > 50000) (x - 1)^3
        # at x = 1)
        new_args = list(args)
        made = _pointwise_seeds([seeded(x, v) for v, x in enumerate(xs)], list(outers))
        for a, s in zip(positions, made, strict=True):
            new_args[a] = s
        result = f(*new_args, **kwargs)
        full = tuple(v for v, x in enumerate(xs) if x.shape == shape)
        if check_pointwise and sum(orders) >= 2 and full:
            # and at every order up to the total: the arguments of every point with
            # their directions times the probe (one broadcast from fewer points keeps
            # its seeds, and the planes along directions in it are not judged)

            def probed(weights: np.ndarray) -> list[Any]:
                new = list(args)
                seeds = [seeded(x, v) for v, x in enumerate(xs)]
                for v in full:
                    seeds[v]._stack[1:] *= weights
                for a, s in zip(positions, _pointwise_seeds(seeds, list(outers)), strict=True):
                    new[a] = s
                return new

            unscaled = [v for v in range(len(xs)) if v not in full]
            _probe_higher_orders(f, probed, kwargs, result, cls, shape, dtype, unscaled)
            if unscaled:
                _probe_broadcast_partials(f, probed, kwargs, result, cls, shape, dtype, unscaled)

        if holomorphic:  # complex outputs, no parts of a call that is not holomorphic
            _complex_outputs(_all_output_planes(result, cls, dtype), "derivative")

        def leaf(r: Any) -> np.ndarray:  # (a dual array of an outer kind when nested)
            planes = _output_planes(r, cls, dtype)
            if not _varies(r, cls):
                return np.zeros(np.broadcast_shapes(planes.shape[1:], shape), dtype=planes.dtype)
            if isinstance(planes, DualArray):  # nested: its mixed partials (inner_parts)
                nested: np.ndarray = planes[target].copy()
                return nested
            return _read_row(cls, planes, target)

        return _tree_map(leaf, result)

    name = getattr(f, "__name__", "f")
    doc = f"d^{orders} of {name} in arguments {nums}, elementwise."
    return _named(df, "derivative", f, doc, pointwise=argnums)


_transforms.EXTENSIONS["mixed_derivative"] = mixed_derivative  # derivative(order=(k, ...))
