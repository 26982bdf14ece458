"""Function transforms: derivatives of unchanged numpy functions, JAX-style.

Each transform seeds its inputs as dual arrays of one kind, calls the function
once per chunk of variables, and reads the derivatives off the output's planes:

- derivative: Dual / HyperDual, elementwise f' and f'';
- grad, value_and_grad, jacobian: DualVec(K), K columns of the Jacobian a pass;
- hessian: HyperDualVec(K), a symmetric Hessian block a pass (blocks of two seed
  sets off the diagonal when the variables are chunked);
- jvp: Dual; hvp: HyperDualVec(K, 1) (K rows of H v a pass).

Output shapes are jax.jacfwd's and jax.hessian's: out.shape + in.shape (+ in.shape).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import threading
import time
import warnings
import weakref
from _thread import get_ident
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, cast, overload

import numpy as np
import numpy.typing as npt

from . import _core
from ._algebra import strong_product
from ._arrays import (
    HOLOMORPHIC,
    NOT_HOLOMORPHIC_CALLS,
    Dual,
    DualArray,
    _retire,
    combine_error,
    from_objects,
    kept_products,
    not_holomorphic_message,
    own_number,
    tagged,
    zero_d_array,
)
from ._multivariate import (
    dualvec_type,
    hyperdualdiag_type,
    hyperdualvec_type,
    inner_parts,
    lift,
    probed_hyperdualvec_type,
    promote,
    symmetric_product_type,
    unify,
)
from ._taylor_arrays import (
    POINTWISE_SEEDS,
    BundleReads,
    TaylorBundle,
    _kind_exponents,
    forget_seeds,
    note_seed,
)
from ._ufuncs import COMPONENT_DTYPES

_REAL_DTYPES = frozenset(map(np.dtype, (np.float64, np.float32)))

ArgNums = int | Sequence[int]
# What the transforms return for array inputs and outputs (a pytree of them for
# pytrees: typed as the common case)
_Array = npt.NDArray[Any]
if TYPE_CHECKING:
    from typing import TypeAlias

    from typing_extensions import Unpack

    # hvp's primals beyond one array (its result: a tuple), apart from the one-array
    # call, so that mypy does not take both of hvp's overloads for an array's Any
    _Several: TypeAlias = tuple[Any, Any, Unpack[tuple[Any, ...]]] | list[Any]
_P = ParamSpec("_P")
_R = TypeVar("_R")
_Kind = TypeVar("_Kind", bound=DualArray)

# The transforms built on this module's plumbing (_seeds, _variable, _output_planes, ...),
# which it calls back: they register here at their import, so imports only go down
# (tests/test_imports.py). "sparse_transform": jacobian/hessian(sparsity=...) (_sparsity);
# "taylor_derivative": derivative(order >= 3) (_taylor).
EXTENSIONS: dict[str, Callable[..., Callable[..., Any]]] = {}  # each makes a transform

# Elements (planes x array size) a seeded input may hold; chunks are sized to fit.
_PLANE_BUDGET = 1 << 22
_MAX_CHUNK = 128


def _seeds(cls: type[_Kind]) -> type[_Kind]:
    """The kind cls for the variables of this transform: tagged with its depth (the
    transforms running on this thread, itself included), so arrays of an enclosing
    transform, or built by hand, are never taken for its own. Arrays of it still alive
    come from an earlier pass of this transform (its chunks), kept by f (a memo, a
    global): that class is retired, so they meet this pass's with a TypeError, as do
    arrays kept of a kind made of it and an enclosing transform's (a memo of c * b, b
    the outer variable). (The passes drop their own arrays before they seed the next.)"""
    depth = _core.transform_depth()
    kind = tagged(cls, depth)
    if _core.live_instances(kind) or kept_products(kind):
        _retire(kind)
        kind = tagged(cls, depth)
    return kind


# --- inputs ----------------------------------------------------------------------
def _variable(x: Any, where: str, holomorphic: bool | None = False) -> np.ndarray:
    """An input to differentiate as a float or complex array (never the user's own
    object). Complex inputs need holomorphic=True (then they must be complex, as in
    JAX); None takes both (a tangent's direction is a real parameter either way)."""
    if isinstance(x, DualArray):
        raise TypeError(
            f"{where} got a dual array that is not an enclosing transform's variable (one "
            "built by hand with hyperdiff.dual(...), or kept from a transform that has "
            "returned): transforms take float or complex arrays, and nest by calling one "
            "inside another's function (hessian, or derivative(f, order=2), for second "
            "derivatives)"
        )
    refuse_array_subclasses(x, where)
    # read only (copied into the seeded planes), so the user's array itself is fine
    array = np.asarray(x)
    if not array.dtype.isnative:  # a big-endian >f8 input: the same numbers, native order
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype not in COMPONENT_DTYPES:
        if array.dtype == object and _is_tree(x):
            raise TypeError(
                f"{where} takes arrays, not containers of them (a dict, list or tuple of "
                "arrays): pass each array as its own argument (grad, jacobian, hessian, jvp, "
                "hvp and vjp take containers)"
            )
        if array.dtype == object:
            raise TypeError(f"{where} needs numeric inputs, not an object array")
        if array.dtype.kind in "biu":
            array = array.astype(np.float64)
        elif array.dtype.kind == "f" and array.dtype.itemsize < 4:
            array = array.astype(np.float32)
        else:
            raise TypeError(f"{where} needs float or complex inputs, not {array.dtype}")
    if holomorphic is False and array.dtype.kind == "c":
        raise TypeError(
            f"{where} got a complex input: pass holomorphic=True for the complex derivative "
            "f'(z) of a holomorphic f, or use hyperdiff.wirtinger for any f"
        )
    if holomorphic is True and array.dtype.kind != "c":
        raise TypeError(
            f"{where}(..., holomorphic=True) needs complex inputs, not {array.dtype}; "
            "convert them with x.astype(complex)"
        )
    depth = _core.transform_depth()
    if holomorphic is True and depth:  # this transform's variables (not_holomorphic_result)
        HOLOMORPHIC.add((get_ident(), depth))
    return array


def refuse_array_subclasses(x: Any, where: str) -> None:
    """TypeError for inputs whose numpy semantics np.asarray drops, so that f would run
    on the seeded arrays as another function than numpy's f(x) (every transform's input,
    the sparse ones' too)."""
    if isinstance(x, np.ma.MaskedArray) and np.ma.getmaskarray(x).any():
        # np.asarray drops the mask: f would see the masked entries, which numpy's masked
        # arithmetic leaves out (grad of (x**2).sum() gave 2 x at them, not 0)
        raise TypeError(
            f"{where} got a masked array with masked entries: dual arrays carry no mask, "
            "so f would compute with the masked values; pass x.filled(value) or "
            "x.compressed(), or the mask to f as a separate constant"
        )
    if isinstance(x, np.matrix):
        # np.asarray makes it an array, whose * and ** act elementwise where the
        # matrix's multiply matrices: f would run as another function than numpy's f(x)
        # (sum(m * m): 30 where numpy's is 54), its derivatives that function's
        raise TypeError(
            f"{where} got a numpy.matrix: dual arrays are arrays, on which * and ** act "
            "elementwise, not as the matrix product, so f would not compute what numpy's "
            "f(x) does; pass np.asarray(x) and write f with @"
        )


def _any_function_here() -> None:
    """Drop the holomorphic=True mark _variable gave this transform's variables."""
    key = (get_ident(), _core.transform_depth())
    HOLOMORPHIC.discard(key)
    NOT_HOLOMORPHIC_CALLS.pop(key, None)


def _checked_argnums(argnums: Any, where: str) -> tuple[int, ...]:
    """argnums as a tuple, or a TypeError when it is not an int or a sequence of ints."""
    if isinstance(argnums, (tuple, list)):
        nums = tuple(argnums)
    else:
        nums = (argnums,)
    if not nums or not all(isinstance(i, int) and not isinstance(i, bool) for i in nums):
        raise TypeError(f"{where}: argnums must be an int or a tuple of ints, not {argnums!r}")
    return nums


def _pointwise_seeds(seeded: list[Any], outers: list[DualArray | None]) -> list[Any]:
    """A pointwise transform's inputs (elementwise=True's, wirtinger's per point, the
    mixed partials'), those seeded from an enclosing transform's variables nested
    (_nested_seed), and for each product bundle among them a record of what each point
    of them depends on (_taylor_arrays.note_seed: the union over its inputs; nothing
    known where an outer variable was broadcast to more points)."""
    nested = [
        s if o is None else _nested_seed(s, o, None, None)
        for s, o in zip(seeded, outers, strict=True)
    ]
    pairs = [(n, o) for n, o in zip(nested, outers, strict=True) if o is not None]
    for kind in {type(n) for n, _ in pairs}:
        ours = [(n, o) for n, o in pairs if type(n) is kind]
        known = all(n.shape == o.shape for n, o in ours)
        note_seed(kind, [o for _, o in ours] if known else [], known)
    return nested


def _outer_variable(x: Any) -> DualArray | None:
    """x when it is a variable of an enclosing transform (a nested call's input),
    else None; other dual arrays are refused by _variable."""
    if isinstance(x, DualArray) and x._tag != 0:  # a product kind too (three deep)
        return x
    return None


def _nested_seed(
    seeded: DualArray,
    outer: DualArray | None,
    outer_tangent: DualArray | None = None,
    pointwise: bool | None = False,
) -> DualArray:
    """A nested transform's seeded input, in the product of its kind and an enclosing
    transform's: with the outer parts of its values (`outer`, the enclosing transform's
    variable it was seeded from) and, for jvp's one direction, of its tangent (the
    mixed planes). pointwise: the transform's f acts point by point on it (derivative),
    so in a bundle each point's output depends on what that point's input does
    (_taylor_arrays.note_seed); None: the caller records its inputs together
    (_pointwise_seeds)."""
    kind = type(cast(DualArray, outer if outer is not None else outer_tangent))  # one is given
    if outer is not None and outer.shape != seeded.shape:
        # an elementwise transform's input broadcast to the points of the others (a
        # scalar beside arrays): its outer parts at every point, the plane axis apart
        # (numpy's trailing alignment put a scalar's K parts along K points)
        stack = outer._stack
        stack = stack.reshape(len(stack), *(1,) * (seeded.ndim - outer.ndim), *outer.shape)
        outer = kind._wrap(np.broadcast_to(stack, (len(stack), *seeded.shape)))
    product = promote(kind, type(seeded))
    if product is None:
        raise combine_error("a nested transform's input", kind, type(seeded))
    if not hasattr(product, "_sizes"):  # beyond total order 2: a bundle (_taylor)
        from ._taylor_arrays import bundle_seed

        made = bundle_seed(product, outer, seeded, outer_tangent)  # type: ignore[arg-type]
        if pointwise is not None:
            known = pointwise and outer is not None and outer_tangent is None
            note_seed(product, [outer] if known else [], known)  # type: ignore[list-item]
        return made
    if outer_tangent is None and _seeded_alike(seeded, outer):
        # the outer variable itself, in the same directions: the symmetric product
        symmetric = symmetric_product_type(kind, type(seeded))
        data = np.zeros((symmetric._planes, *seeded.shape), dtype=seeded.dtype)
        data[: seeded._planes] = seeded._stack
        return symmetric._wrap(data)
    lifted = lift(seeded, product)
    k1, k2 = product._sizes
    if outer is not None:
        lifted._stack[1 : 1 + k1] = outer._stack[1:]
    if outer_tangent is not None:
        if type(outer_tangent) is not kind or k2 != 1:
            raise combine_error("jvp's primals and tangents", kind, type(outer_tangent))
        lifted._stack[2 + k1 :] = outer_tangent._stack[1:]
    return lifted


def _seeded_alike(seeded: DualArray, outer: DualArray | None) -> bool:
    """Whether an inner transform seeds its variable in the very directions the outer
    transform seeded it (its outer parts are the inner seeds, plane for plane)."""
    return (
        outer is not None
        and outer._planes == seeded._planes
        and outer.dtype == seeded.dtype
        and np.array_equal(outer._stack[1:], seeded._stack[1:])
    )


def _argnums(argnums: ArgNums, count: int, where: str) -> tuple[int, ...]:
    nums = _checked_argnums(argnums, where)
    for i in nums:
        if not -count <= i < count:
            raise TypeError(f"{where}: argnums={argnums!r} but the function got {count} arguments")
    normal = tuple(i % count for i in nums)
    if len(set(normal)) != len(normal):
        raise ValueError(f"{where}: argnums {argnums!r} repeats an argument")
    return normal


def _is_tree(x: Any) -> bool:
    """Whether an input is a container of inputs (JAX's pytree): a dict, or a list or
    tuple holding arrays or containers. A flat list of numbers stays one array."""
    if isinstance(x, dict):
        return True
    return isinstance(x, (list, tuple)) and any(
        isinstance(item, (dict, list, tuple, np.ndarray, DualArray)) for item in x
    )


def _as_passed(seeded: Any, given: Any) -> Any:
    """A seeded input as the user passed it: of 0-d, a number for a Python or numpy
    scalar (x -= ... in f rebinds x, as numpy's scalars are: `x = a; x -= g(x)` leaves
    a as it was), numpy's 0-d array for a 0-d ndarray (written into: _is_number)."""
    if isinstance(seeded, DualArray) and seeded.ndim == 0:
        # (an enclosing transform's variable: as it was passed there)
        array = (
            not given._is_number()
            if isinstance(given, DualArray)
            else (isinstance(given, np.ndarray))
        )
        return zero_d_array(seeded) if array else own_number(seeded)
    return seeded


class _Variables:
    """The inputs at argnums, flattened into one vector of n variables: each input an
    array, or a container (pytree) of them, whose leaves are the arrays in order."""

    __slots__ = (
        "args", "arrays", "dtype", "given", "n", "nums", "offsets", "outer", "pointwise",
        "sizes", "trees",
    )  # fmt: skip

    def __init__(
        self, args: tuple[Any, ...], argnums: ArgNums, where: str, holomorphic: bool = False
    ) -> None:
        self.args = args
        if type(argnums) is int and -len(args) <= argnums < len(args):
            x = args[argnums]
            if type(x) is np.ndarray and x.dtype in _REAL_DTYPES and holomorphic is not True:
                # the common call: one float array, read where it is
                self.nums: tuple[int, ...] = (argnums % len(args),)
                self.arrays, self.sizes, self.n, self.dtype = [x], [x.size], x.size, x.dtype
                self.offsets, self.outer, self.trees = [0, x.size], None, None
                self.given = [x]
                return
            self.nums = (argnums % len(args),)
        else:
            self.nums = _argnums(argnums, len(args), where)
        # each input's leaves (one for an array), and its container to rebuild
        trees = [args[i] if _is_tree(args[i]) else None for i in self.nums]
        self.trees = trees if any(t is not None for t in trees) else None
        leaves = [
            leaf
            for i, tree in zip(self.nums, trees, strict=True)
            for leaf in (_tree_leaves(tree) if tree is not None else [args[i]])
        ]
        self.given = leaves  # (_as_passed)
        # an input that is an outer transform's variable: seeded from its values, then
        # lifted with its outer parts into the product kind (_nested_seed)
        outer = [_outer_variable(leaf) for leaf in leaves]
        self.outer = outer if any(o is not None for o in outer) else None
        self.arrays = [
            _variable(leaf if o is None else o._stack[0], where, holomorphic)
            for leaf, o in zip(leaves, outer, strict=True)
        ]
        self.sizes = [a.size for a in self.arrays]
        self.offsets = [0, *itertools.accumulate(self.sizes)]
        self.n = self.offsets[-1]
        self.dtype = self.arrays[0].dtype if len(self.arrays) == 1 else np.result_type(*self.arrays)
        self.pointwise = False  # f acts point by point (elementwise=True: _pointwise_seeds)

    def seeded(self, cls: type[DualArray], parts: Callable[[int, np.ndarray], None]) -> list[Any]:
        """The argument list with input r replaced by a `cls` array whose part planes
        parts(r, planes) writes (planes: shape (planes - 1, *shape), uninitialized)."""
        seeded = []
        for r, a in enumerate(self.arrays):
            data = np.empty((cls._planes, *a.shape), dtype=self.dtype)
            data[0] = a
            parts(r, data[1:])
            seeded.append(cls._wrap(data))
        return self._arguments(seeded)

    def unit_seeded(self, cls: type[DualArray]) -> list[Any] | None:
        """The argument list with input r replaced by x_r + e_r of the DualVec or
        HyperDualVec kind cls, pending in C++ (_core.unit_seed: its planes written block
        by block where f's fused operations read them, never in full: T4's are 9 of 10
        zero), or None where that declines (small or plain inputs)."""
        seeded = []
        for r, a in enumerate(self.arrays):
            pending = _core.unit_seed(cls, a.astype(self.dtype, copy=False), r)
            if pending is None:
                return None
            seeded.append(pending)
        return self._arguments(seeded)

    def _arguments(self, seeded: list[Any]) -> list[Any]:
        """The argument list with the inputs' leaves seeded: those of outer variables
        in their product kind, containers rebuilt around them."""
        if self.outer is not None and self.pointwise:
            seeded = _pointwise_seeds(seeded, self.outer)
        elif self.outer is not None:
            seeded = [
                s if o is None else _nested_seed(s, o)
                for s, o in zip(seeded, self.outer, strict=True)
            ]
        seeded = [_as_passed(s, g) for s, g in zip(seeded, self.given, strict=True)]
        new = list(self.args)
        for i, leaves in zip(self.nums, self.per_input(seeded), strict=True):
            new[i] = leaves
        return new

    def groups(self) -> list[range]:
        """Per input at argnums, the indices of its leaves among the arrays."""
        counts = [
            1 if tree is None else len(_tree_leaves(tree))
            for tree in (self.trees or [None] * len(self.nums))
        ]
        starts = [0, *itertools.accumulate(counts)]
        return [range(a, b) for a, b in itertools.pairwise(starts)]

    def rebuild(self, index: int, leaves: list[Any]) -> Any:
        """Input `index`'s leaf, or its container rebuilt with these leaves."""
        tree = None if self.trees is None else self.trees[index]
        return leaves[0] if tree is None else _rebuild(tree, leaves)

    def per_input(self, leaves: list[Any]) -> list[Any]:
        """Per input at argnums: its leaf, or its container rebuilt with its leaves."""
        if self.trees is None:
            return leaves
        return [self.rebuild(a, [leaves[i] for i in g]) for a, g in enumerate(self.groups())]

    def unit_rows(self, r: int, start: int, count: int) -> np.ndarray:
        """Rows start .. start+count of the n x n identity, restricted to input r."""
        rows = np.zeros((count, self.sizes[r]), dtype=self.dtype)
        k = np.arange(count)
        column = start + k - self.offsets[r]
        inside = (column >= 0) & (column < self.sizes[r])
        rows[k[inside], column[inside]] = 1
        return rows

    def seeded_units(
        self, cls: type[DualArray], *seed_sets: tuple[int, int], scale: complex = 1
    ) -> list[Any]:
        """seeded() with the parts of each seed set (start, count) the unit rows
        start .. start+count (times scale), one set after the other, and the
        second-order planes of a Jet class zero."""
        seeded = []
        for r, a in enumerate(self.arrays):
            key = (cls, self.sizes[r], self.offsets[r], self.dtype.char, seed_sets, scale)
            seeded.append(_with_values(cls, _fresh_seed(_SEED_TEMPLATES, key, *key), a))
        return self._arguments(seeded)

    def split(self, array: np.ndarray) -> list[Any]:
        """Cut the last axis (n variables) per input and shape each like its input (a
        container input: its container of such)."""
        lead = array.shape[:-1]
        if len(self.arrays) == 1 and self.trees is None:
            return [array.reshape((*lead, *self.arrays[0].shape))]
        return self.per_input(
            [
                array[..., o : o + s].reshape((*lead, *a.shape))
                for o, s, a in zip(self.offsets, self.sizes, self.arrays, strict=False)
            ]
        )


# Seed planes (value plane zero) of small inputs, by (class, size, offset, dtype,
# seed sets, scale): a call then copies one and writes the values in. Up to
# _TEMPLATE_ELEMENTS elements each (DualVec(64) of 64 variables), 256 of them.
_SEED_TEMPLATES: dict[tuple[Any, ...], np.ndarray] = {}
_TEMPLATE_ELEMENTS = 1 << 13


def _seed_template(
    cls: type[DualArray],
    size: int,
    offset: int,
    dtype: str,
    seed_sets: tuple[tuple[int, int], ...],
    scale: complex,
) -> np.ndarray:
    """The planes (cls._planes, size) of an input of `size` variables from `offset` on,
    with the value plane zero and the part planes of each seed set (start, count) the
    unit rows start .. start+count (times scale), one set after the other (the
    second-order planes of a Jet class zero)."""
    data = np.zeros((cls._planes, size), dtype=dtype)
    flat = data.reshape(-1)
    plane = 1
    for start, count in seed_sets:
        lo, hi = max(start, offset), min(start + count, offset + size)
        if lo < hi:  # the set's variables lo .. hi belong to this input:
            # (plane + lo - start + t, lo - offset + t), a diagonal of the planes
            first = (plane + lo - start) * size + lo - offset
            flat[first : first + (hi - lo) * (size + 1) : size + 1] = scale
        plane += count
    return data


def _fresh_seed(
    kept: dict[Any, np.ndarray],
    key: Any,
    cls: type[DualArray],
    size: int,
    offset: int,
    dtype: str,
    seed_sets: tuple[tuple[int, int], ...],
    scale: complex,
) -> np.ndarray:
    """Seed planes (_seed_template) to write into: a copy of kept[key], or built (and
    a copy kept under key when small, up to 256 of them)."""
    template = kept.get(key)
    if template is not None:
        return template.copy()
    data = _seed_template(cls, size, offset, dtype, seed_sets, scale)
    if data.size <= _TEMPLATE_ELEMENTS:
        if len(kept) >= 256:
            kept.clear()
        kept[key] = data.copy()
        kept[key].flags.writeable = False
    return data


def _with_values(cls: type[DualArray], data: np.ndarray, x: np.ndarray) -> DualArray:
    """Seed planes (planes, x.size) with x's values written in, as a cls array of x's
    shape."""
    if x.ndim == 1:
        data[0] = x
        return cls._wrap(data)
    data[0] = x.reshape(-1)
    return cls._wrap(data.reshape(cls._planes, *x.shape))


def _one_array(
    args: tuple[Any, ...], argnums: ArgNums, chunk_size: int | None, holomorphic: bool
) -> np.ndarray | None:
    """The common call's input, or None: argnums an int naming a float64 or float32
    ndarray of 1 to _MAX_CHUNK variables (so one pass), or a Python float or int (its
    float64 array, as _variable makes it), chunk_size unset."""
    if type(argnums) is int and chunk_size is None and not holomorphic:
        if -len(args) <= argnums < len(args):
            x = args[argnums]
            if type(x) is float or type(x) is int:  # grad(f)(0.3)
                return np.array(x, dtype=np.float64)
            if type(x) is np.ndarray and x.dtype in _REAL_DTYPES and 0 < x.size <= _MAX_CHUNK:
                return x
    return None


def _seeded_one(
    cls: type[DualArray], args: tuple[Any, ...], index: int, x: np.ndarray
) -> list[Any]:
    """The arguments with args[index] = x seeded by all its variables in one seed set
    (cls the kind of x.size partials): the common call of grad, jacobian and hessian."""
    # the seed planes are kept from call to call (_core.keep_seed): given back only
    # when nothing holds them and they were never exposed, so as they were made (a
    # Hessian's pair planes known zero: neither a graph by planes nor a product of small
    # matrices scans them), and only the values are written (grad of rosen at n = 100:
    # 44 -> 39 us). The array kept is the one wrapped, in x's shape (exposing a view
    # would not forget it: fusion::expose forgets the view and its owner)
    seeds = cls._unit_seeds  # type: ignore[attr-defined]
    new = list(args)
    key = (cls, x.dtype.char, x.shape)
    kept = _core.kept_seed(key)
    if kept is None:
        fresh = _fresh_seed(seeds, x.dtype, cls, x.size, 0, x.dtype.char, ((0, x.size),), 1)
        kept = fresh if x.ndim == 1 else fresh.reshape(cls._planes, *x.shape).copy()
        _core.keep_seed(key, kept)
    kept[0] = x
    new[index] = _as_passed(cls._wrap(kept), args[index])
    return new


# Planes a pass holds for k variables: DualVec(k); two HyperDualVec(k) blocks at most
# (k1 = k2 = k); HyperDualVec(k, 1) for hvp.
def _dualvec_planes(k: int) -> int:
    return 1 + k


def _hessian_planes(k: int) -> int:
    return 1 + 2 * k + k * k


def _hvp_planes(k: int) -> int:
    return 2 * k + 2


def _chunk(n: int, size: int, chunk_size: int | None, planes: Callable[[int], int]) -> int:
    """Variables a pass: chunk_size if given, else the most that keep planes(k) x size
    within the budget (and at most _MAX_CHUNK)."""
    if chunk_size is None and n <= _MAX_CHUNK and planes(n) * size <= _PLANE_BUDGET:
        return max(n, 1)  # one pass
    if chunk_size is not None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        return max(min(chunk_size, n), 1)
    k = max(min(n, _MAX_CHUNK), 1)
    while k > 1 and planes(k) * max(size, 1) > _PLANE_BUDGET:
        k -= 1
    return k


# --- outputs -------------------------------------------------------------------------
def _tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    if isinstance(tree, tuple):
        items = [_tree_map(fn, t) for t in tree]
        # a named tuple stays one (a pytree node in JAX: t.a reads its field)
        return type(tree)(*items) if hasattr(tree, "_fields") else tuple(items)
    if isinstance(tree, list):
        return [_tree_map(fn, t) for t in tree]
    if isinstance(tree, dict):
        return {k: _tree_map(fn, v) for k, v in tree.items()}
    return fn(tree)


def _tree_leaves(tree: Any) -> list[Any]:
    leaves: list[Any] = []
    _tree_map(leaves.append, tree)
    return leaves


def _output_planes(leaf: Any, cls: type[DualArray], dtype: np.dtype) -> np.ndarray:
    """The planes (cls._planes, *shape) of one output: a dual array, an object array of
    dual scalars (after np.asarray), or a value that does not depend on the inputs."""
    if isinstance(leaf, DualArray):
        if type(leaf) is not cls:
            if getattr(type(leaf), "_inner", None) is cls or (
                promote(type(leaf), cls) is not None  # (a bundle beyond order 2)
            ):
                # an output of this transform's and an outer one's variables: this
                # transform's planes, as dual arrays of the outer kind
                return inner_parts(leaf, cls)  # type: ignore[return-value]
            if type(leaf)._tag != cls._tag:
                raise combine_error("the function's output", cls, type(leaf))
            raise TypeError(
                f"the function returned a {type(leaf).__name__}, expected {cls.__name__}: "
                "it mixed in dual numbers of its own"
            )
        return leaf._stack
    if isinstance(leaf, np.ndarray) and leaf.dtype == object:
        items = [(index, _output_planes(item, cls, dtype)) for index, item in np.ndenumerate(leaf)]
        # the items' dtype (complex items of a real input: not cast into a real buffer)
        promoted = np.result_type(dtype, *{planes.dtype for _, planes in items})
        out = np.zeros((cls._planes, *leaf.shape), dtype=promoted)
        for index, planes in items:
            out = _stored(out, (slice(None), *index), planes)
        return out
    value = np.asarray(leaf)
    if value.dtype == object or value.dtype.kind not in "biufc":
        raise TypeError(f"the function returned {type(leaf).__name__}, not a numeric array")
    out = np.zeros((cls._planes, *value.shape), dtype=np.result_type(value.dtype, dtype))
    out[0] = value
    return out


def _varies(leaf: Any, cls: type[DualArray]) -> bool:
    """Whether an output leaf varies with the variables of a transform seeding `cls`: a
    dual array carrying them (of cls, or a product or bundle of cls and an outer
    transform's kind), or an object array of dual scalars (np.asarray). Else it is a
    constant in them: a number, an array, or a dual array of enclosing transforms'
    variables alone (nested: `derivative(lambda y: a**2)(x)` inside a transform of a)."""
    if isinstance(leaf, DualArray):
        kind = type(leaf)  # (a product's or bundle's tag is its inner transform's)
        return not (0 < kind._tag < cls._tag and promote(kind, cls) is not None)
    return isinstance(leaf, np.ndarray) and leaf.dtype == object


def _constant_planes(
    leaf: Any, cls: type[DualArray], dtype: Any, shape: tuple[int, ...]
) -> np.ndarray:
    """The planes of an output constant in a pointwise transform's variables (_varies):
    zero parts at every point of the inputs' broadcast `shape`, as for a constant f."""
    value = _primal(leaf) if isinstance(leaf, DualArray) else np.asarray(leaf)
    out_shape = np.broadcast_shapes(np.shape(value), shape)
    return np.zeros((cls._planes, *out_shape), dtype=np.result_type(value.dtype, dtype))


def _stored(buffer: Any, key: Any, block: Any) -> Any:
    """buffer[key] = block for a result assembled over passes, and the buffer: a float
    buffer, when a pass's block carries an enclosing transform's parts (this transform
    nested in it: its planes are dual arrays of the outer kind, inner_parts), becomes
    first a dual array of that kind, its value the buffer; two such kinds (three deep)
    meet in their product."""
    if isinstance(block, DualArray) and type(block) is not type(buffer):
        if isinstance(buffer, DualArray):
            buffer, block = unify((buffer, block))
        else:
            kind = type(block)
            data = np.zeros((kind._planes, *buffer.shape), dtype=buffer.dtype)
            data[0] = buffer
            buffer = kind._wrap(data)
    buffer[key] = block
    return buffer


def _all_output_planes(out: Any, cls: type[DualArray], dtype: np.dtype) -> list[np.ndarray]:
    """The planes of every output leaf (one dual array: its own, at once)."""
    if type(out) is cls:
        return [out._stack]
    return [_output_planes(leaf, cls, dtype) for leaf in _tree_leaves(out)]


def _complex_outputs(planes: list[np.ndarray], where: str, first: int = 1) -> None:
    """holomorphic=True promises a complex-differentiable f, whose outputs are complex
    (JAX's rule too): a real-valued f of complex inputs is not holomorphic unless it is
    constant, and its parts along the real axis are no f'(z). Nor are those of a function
    that is not holomorphic, whose results have nan parts (_arrays.not_holomorphic_result):
    a TypeError naming it where they reach an output. planes[first:] are the parts (0:
    part planes alone)."""
    for p in planes:
        if p.dtype.kind != "c":
            raise TypeError(
                f"{where}(..., holomorphic=True) needs a function with complex outputs, not "
                f"{p.dtype}: a real-valued function of complex inputs is not holomorphic "
                "(unless constant); use hyperdiff.wirtinger for its derivatives"
            )
    calls = NOT_HOLOMORPHIC_CALLS.get((get_ident(), _core.transform_depth()))
    if calls and any(np.isnan(p[first:]).any() for p in planes):
        raise TypeError(not_holomorphic_message(calls))


def _structured(argnums: ArgNums, blocks: list[Any]) -> Any:
    """One block for an int argnums, a tuple of blocks for a tuple."""
    return blocks[0] if isinstance(argnums, int) else tuple(blocks)


class _Transformed(functools.partial):  # type: ignore[type-arg]
    """A transform's body bound to _core.call_in_memory_scope: it runs in a memory
    scope while its function makes large arrays (_memory.py says why), and a call
    reaches it with no Python frame between."""

    __name__: str
    __wrapped__: Callable[..., Any]

    def __repr__(self) -> str:
        return f"<hyperdiff {self.__name__}>"


def _never_detected(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    return False


# Sparsity detection's test for its tracers among a call's arguments (_sparsity sets it).
DETECTED: Callable[[tuple[Any, ...], dict[str, Any]], bool] = _never_detected


def _reusing_memory(
    transform: Callable[_P, _R], what: str = "", pointwise: ArgNums | None = None
) -> Callable[_P, _R]:
    """transform run in a memory scope. what: its name; pointwise: the argnums in which
    it acts point by point (derivative, elementwise=True), for sparsity detection when
    f calls it on tracers (_sparsity.nested_transform)."""
    what = what or transform.__name__

    def marked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if DETECTED(args, kwargs):  # inside f under sparsity detection
            nested = EXTENSIONS["nested_transform"]
            return cast(_R, nested(transform, what, pointwise, args, kwargs))
        try:
            return transform(*args, **kwargs)
        finally:  # (a holomorphic=True mark of _variable's ends with its transform)
            if HOLOMORPHIC:
                key = (get_ident(), _core.transform_depth())
                HOLOMORPHIC.discard(key)
                NOT_HOLOMORPHIC_CALLS.pop(key, None)
            if POINTWISE_SEEDS:  # (and a pointwise pass's record: _taylor_arrays.note_seed)
                forget_seeds(_core.transform_depth())

    # one byte of state: a scope for the next call (the first one always has one)
    scoped = _Transformed(_core.call_in_memory_scope, bytearray(b"\x01"), marked)
    scoped.__name__, scoped.__doc__ = transform.__name__, transform.__doc__
    scoped.__wrapped__ = transform
    return cast(Callable[_P, _R], scoped)  # the partial calls transform(*args, **kwargs)


def _named(
    wrapper: Callable[..., Any], what: str, f: Callable[..., Any], doc: str | None = None,
    pointwise: ArgNums | None = None,
) -> Callable[..., Any]:  # fmt: skip
    name = getattr(f, "__name__", "f")
    wrapper.__name__ = f"{what}_{name}"
    wrapper.__doc__ = doc or f"{what} of {name}."
    return _reusing_memory(wrapper, what, pointwise)


# --- has_aux: f returns (output, aux), as in JAX ------------------------------------------
def _with_aux(
    f: Callable[..., Any],
    where: str,
    make: Callable[[Callable[..., Any]], Callable[..., Any]],
    value_first: bool = False,
) -> Callable[..., Any]:
    """The transform `make` of f's output, returning (result, aux) (value_and_grad:
    ((value, aux), grad)), aux as its values: this transform does not differentiate it
    (an enclosing transform's parts in it stay)."""

    def with_aux(*args: Any, **kwargs: Any) -> Any:
        kept: list[Any] = []
        if DETECTED(args, kwargs):  # sparsity detection: aux traced, as f gives it
            aux_output(f, where, kept)(*args, **kwargs)
            aux, kept = kept[0], []  # (the transform's run below is on stand-in values)
            result = make(aux_output(f, where, kept))(*args, **kwargs)
            return ((result[0], aux), result[1]) if value_first else (result, aux)
        result = make(aux_output(f, where, kept))(*args, **kwargs)
        if value_first:
            return (result[0], kept[0]), result[1]
        return result, kept[0]

    with_aux.__name__ = f"{where}_{getattr(f, '__name__', 'f')}"
    with_aux.__doc__ = f"{where} of {getattr(f, '__name__', 'f')}, with its aux."
    return with_aux


def aux_output(f: Callable[..., Any], where: str, kept: list[Any]) -> Callable[..., Any]:
    """f's output, for a transform of f with has_aux=True: kept holds the aux of the
    last call, as its values (a chunked transform, a sparse one's detection and pass
    call f again: the same values)."""

    def output(*args: Any, **kwargs: Any) -> Any:
        pair = f(*args, **kwargs)
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(
                f"{where}(..., has_aux=True) needs f to return a pair (output, aux), "
                f"not {type(pair).__name__}"
            )
        kept[:] = [_tree_map(_aux_value, pair[1])]
        return pair[0]

    output.__name__ = getattr(f, "__name__", "f")
    return output


def _aux_value(leaf: Any) -> Any:
    """An aux leaf without this transform's parts (the transform running f now)."""
    if getattr(type(leaf), "_kept_apart", False):  # (a sparse pass's sum kept as terms)
        leaf = leaf.materialize()
    if (
        isinstance(leaf, np.ndarray)
        and leaf.dtype == object
        and any(isinstance(e, DualArray) for e in leaf.flat)
    ):  # np.asarray of a dual array (dual scalars): one dual array of their kind first
        leaf = from_objects(leaf)
    if not isinstance(leaf, DualArray):
        return leaf
    kind, depth = type(leaf), _core.transform_depth()
    inner = getattr(kind, "_inner", None)
    if inner is not None and inner._tag == depth:  # with an enclosing transform's parts
        return inner_parts(leaf, inner)[0]
    if kind._tag == depth:
        return np.array(leaf._stack[0])
    return leaf


# --- first order ------------------------------------------------------------------------
def _jacobian_pass(
    f: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    argnums: ArgNums,
    chunk_size: int | None,
    where: str,
    holomorphic: bool | None = False,
    direction: complex = 1,
    want_values: bool = True,
    marked: bool = False,
) -> tuple[Any, _Variables, Any, list[np.ndarray]]:
    """f's output values (() unless want_values), the variables, the raw output, and
    per output leaf the Jacobian of shape out.shape + (n,): derivatives along
    `direction` (1, or 1j for the imaginary parts of complex inputs) times each unit
    vector. holomorphic: True for complex inputs and outputs, None for complex inputs
    and any outputs (wirtinger's passes); marked (with None): the variables keep
    holomorphic=True's mark, so what a function that is not holomorphic made has nan
    parts, unchecked (wirtinger's third pass)."""
    v = _Variables(args, argnums, where, holomorphic is not False or direction != 1)
    if holomorphic is not True and not marked:  # wirtinger's passes: any f is fine
        _any_function_here()
    k_max = _chunk(v.n, v.n, chunk_size, _dualvec_planes)
    values: Any = None
    jacobians: list[np.ndarray] = []
    out = None
    for start in range(0, max(v.n, 1), k_max):
        k = max(min(k_max, v.n - start), 1)
        out = None  # (the last pass's arrays go before _seeds looks for kept ones)
        cls = _seeds(dualvec_type(k))
        out = f(*v.seeded_units(cls, (start, k), scale=direction), **kwargs)
        planes = _all_output_planes(out, cls, v.dtype)
        if holomorphic:
            _complex_outputs(planes, where)
        if values is None:
            values = _values(out, planes) if want_values else ()
            if k >= v.n:  # one pass: the parts are the whole Jacobian
                return values, v, out, _jacobians(planes, v.n)
            jacobians = [np.zeros((*p.shape[1:], v.n), dtype=p.dtype) for p in planes]
        key = (..., slice(start, start + k))
        jacobians = [
            _stored(jac, key, _parts_last(p[1 : 1 + k], view=True)[..., : v.n - start])
            for jac, p in zip(jacobians, planes, strict=True)
        ]
    return values, v, out, jacobians


def _jacobians(planes: list[np.ndarray], n: int) -> list[np.ndarray]:
    """Per output leaf its parts 1 .. n as an array (*shape, n): a view of the planes
    (strided, parts last) where they are a buffer of that output's alone, else a copy.
    The planes are written once, by f's last operation; copying them parts-last was a
    third of T5's time (8 MB transposed, 0.4-0.6 ms)."""
    if len(planes) == 1:  # one output, the common call (all overhead when small)
        return [_parts_last(planes[0][1 : 1 + n], view=_own_buffer(planes[0]) is not None)]
    own = [_own_buffer(p) for p in planes]
    ids = [id(b) for b in own if b is not None]  # outputs sharing one buffer: copies
    own = [b if b is not None and ids.count(id(b)) == 1 else None for b in own]
    return [_parts_last(p[1 : 1 + n], view=b is not None) for p, b in zip(planes, own, strict=True)]


def _own_buffer(planes: Any) -> np.ndarray | None:
    """The array owning the memory of an output's planes when they are all of it,
    writeable and C-contiguous (a fresh result, not a view into something larger,
    a broadcast or an outer transform's dual array), else None."""
    if type(planes) is not np.ndarray or planes.ndim < 2:
        return None
    if not planes.flags.carray:  # C-contiguous, aligned and writeable
        return None
    root = planes
    while isinstance(root.base, np.ndarray):
        root = root.base
    return root if root.base is None and root.nbytes == planes.nbytes else None


def _parts_last(parts: np.ndarray, view: bool = False) -> np.ndarray:
    """Part planes (k, *shape) as an array (*shape, k), copied contiguous unless view (a
    dual array of an outer transform's kind when this one is nested: see inner_parts)."""
    if parts.ndim == 1:  # a scalar output's
        return parts.copy()
    if isinstance(parts, DualArray):
        return np.moveaxis(parts, 0, -1).copy()
    moved = parts.transpose(*range(1, parts.ndim), 0)
    return moved if view else np.ascontiguousarray(moved)


def _copied(plane: Any) -> Any:
    """A plane of an output's planes as an array of its own (a dual array of an outer
    transform's kind when this one is nested)."""
    return plane.copy() if isinstance(plane, DualArray) else np.array(plane)


def _values(out: Any, planes: list[np.ndarray]) -> Any:
    """f's output values from its planes: a leaf that is no dual array (an output of
    constants: a bool mask, an int count, a float32 array) as numpy gave it, not cast to
    the planes' dtype (those hold its zero derivatives)."""
    leaves = _tree_leaves(out)
    return _rebuild(
        out,
        [
            np.array(leaf) if _constant_leaf(leaf) else _copied(p[0])
            for leaf, p in zip(leaves, planes, strict=True)
        ],
    )


def _constant_leaf(leaf: Any) -> bool:
    """An output leaf that is neither a dual array nor an object array of dual scalars."""
    return not isinstance(leaf, DualArray) and np.asarray(leaf).dtype != object


def _snapshot(leaf: Any) -> Any:
    """An array leaf of an input as an array of its own (other leaves as they are)."""
    return leaf.copy() if isinstance(leaf, (np.ndarray, DualArray)) else leaf


def _rebuild(tree: Any, leaves: list[Any]) -> Any:
    it = iter(leaves)
    return _tree_map(lambda _: next(it), tree)


@overload
def jacobian(
    f: Callable[..., Any],
    argnums: int = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: Literal[False] = False,
    sparsity: None = None,
    check_sparsity: bool = True,
) -> Callable[..., _Array]: ...
@overload
def jacobian(
    f: Callable[..., Any],
    argnums: Sequence[int],
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: Literal[False] = False,
    sparsity: None = None,
    check_sparsity: bool = True,
) -> Callable[..., tuple[_Array, ...]]: ...
@overload
def jacobian(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: bool = False,
    sparsity: Any = None,
    check_sparsity: bool = True,
) -> Callable[..., Any]: ...
def jacobian(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: bool = False,
    sparsity: Any = None,
    check_sparsity: bool = True,
) -> Callable[..., Any]:
    """The Jacobian of f, shaped like jax.jacfwd: out.shape + in.shape per input.

    With a tuple argnums, each output gives a tuple of blocks. chunk_size sets the
    partials per pass (default: as many as fit a memory budget, up to 128).
    elementwise=True: f acts point by point on its broadcast inputs; the result is
    the per-point derivative, of the output's shape, from a single pass.
    holomorphic=True: complex inputs, and f'(z) of a complex-differentiable f (as JAX's
    holomorphic=True; hyperdiff.wirtinger handles any f of complex inputs; with sparsity=
    too).
    sparsity="auto" or a pattern: the Jacobian as scipy.sparse CSR (out.size, in.size), from
    one compressed pass per call (detection and coloring once per input shape; _sparsity.py).
    The pass also carries a probe direction w and compares its J w with the recovered
    matrix's: when what f reads besides its arguments changed the pattern (a global, a
    matrix it closes over), the pattern is detected again and the Jacobian recomputed
    (one more plane a pass). check_sparsity=False skips the probe (your promise that
    f's pattern depends on its arguments alone: a changed one then gives wrong numbers).
    With has_aux=True the call gives (that matrix, aux); with a tuple argnums a tuple of
    such matrices, (out.size, each input's size).

    Parameters
    ----------
    f : callable
        A function of arrays written with numpy; its outputs are arrays, numbers or
        containers (tuples, lists, dicts) of them.
    argnums : int or tuple of int, default 0
        The positional argument(s) to differentiate; each may be a container of arrays.
    chunk_size, elementwise, holomorphic, has_aux, sparsity, check_sparsity
        As described above; has_aux=True: f returns (output, aux) and the call gives
        (jacobian, aux).

    Returns
    -------
    callable
        Taking f's arguments and giving the Jacobian of each output, of shape
        out.shape + in.shape (a tuple of blocks, one per input, for a tuple argnums).
        It may be a view of the output's planes, not C-contiguous (its last axis the
        slowest in memory: the planes are not copied a second time);
        np.ascontiguousarray gives a contiguous copy.

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> f = lambda x: np.array([x[0] ** 2 * x[1], np.sin(x[1])])
    >>> x = np.array([3.0, 0.5])
    >>> J = hd.jacobian(f)(x)             # [[2 x0 x1, x0^2], [0, cos x1]]
    >>> J
    array([[3.        , 9.        ],
           [0.        , 0.87758256]])
    >>> np.allclose(J, [[2 * 3.0 * 0.5, 3.0**2], [0.0, np.cos(0.5)]])
    True
    """
    if sparsity is not None:
        options = (chunk_size, elementwise, holomorphic, has_aux, check_sparsity)
        return EXTENSIONS["sparse_transform"]("jacobian", f, argnums, sparsity, *options)
    if not check_sparsity:
        raise ValueError("check_sparsity=False skips a check of sparsity=...; pass both")
    if has_aux:
        return _with_aux(
            f,
            "jacobian",
            lambda g: jacobian(
                g, argnums, chunk_size=chunk_size, elementwise=elementwise, holomorphic=holomorphic
            ),
        )
    _checked_argnums(argnums, "jacobian")
    if elementwise:
        return _elementwise_first(f, argnums, "jacobian", holomorphic)

    def jac(*args: Any, **kwargs: Any) -> Any:
        x = _one_array(args, argnums, chunk_size, holomorphic)
        if x is not None:  # the common call, in few steps (it is all overhead when small)
            cls = _seeds(dualvec_type(x.size))
            # (_one_array gave x: argnums is an int)
            out = f(*_seeded_one(cls, args, argnums, x), **kwargs)  # type: ignore[arg-type]
            jacobians = _jacobians(_all_output_planes(out, cls, x.dtype), x.size)
            return _rebuild(out, [j.reshape((*j.shape[:-1], *x.shape)) for j in jacobians])
        _, v, out, jacobians = _jacobian_pass(
            f, args, kwargs, argnums, chunk_size, "jacobian", holomorphic, want_values=False
        )
        blocks = [_structured(argnums, v.split(j)) for j in jacobians]
        return _rebuild(out, blocks)

    return _named(jac, "jacobian", f)


def _scalar_gradient(
    f: Callable[..., Any],
    args: Any,
    kwargs: Any,
    argnums: ArgNums,
    chunk_size: int | None,
    where: str,
    holomorphic: bool,
) -> tuple[Any, Any]:
    values, v, _, jacobians = _jacobian_pass(
        f, args, kwargs, argnums, chunk_size, where, holomorphic
    )
    return values, _structured(argnums, v.split(_scalar_jacobian(jacobians, where)))


def _scalar_jacobian(jacobians: list[np.ndarray], where: str) -> np.ndarray:
    """The one Jacobian row of a scalar function (TypeError for other outputs)."""
    if len(jacobians) != 1 or jacobians[0].ndim != 1:
        raise TypeError(f"{where} needs a function with one scalar output; use jacobian for others")
    return jacobians[0]


@overload
def grad(
    f: Callable[..., Any],
    argnums: int = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: Literal[False] = False,
    sparsity: Any = None,
    check_sparsity: bool = True,
) -> Callable[..., _Array]: ...
@overload
def grad(
    f: Callable[..., Any],
    argnums: Sequence[int],
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: Literal[False] = False,
    sparsity: None = None,
    check_sparsity: bool = True,
) -> Callable[..., tuple[_Array, ...]]: ...
@overload
def grad(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: bool,
    sparsity: Any = None,
    check_sparsity: bool = True,
) -> Callable[..., Any]: ...
def grad(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: bool = False,
    sparsity: Any = None,
    check_sparsity: bool = True,
) -> Callable[..., Any]:
    """The gradient of a scalar function, shaped like its input (a tuple for a tuple
    argnums). elementwise=True: per-point derivatives of a pointwise f (see jacobian).
    A complex output of real inputs gives the complex gradient d Re f + i d Im f.
    holomorphic=True: complex inputs, and f'(z) of a complex-differentiable f (as JAX's
    holomorphic=True; hyperdiff.wirtinger handles any f of complex inputs).
    sparsity="auto": for f a weighted sum of full sums of arrays ("terms": np.sum, np.mean,
    r @ r, np.dot, scaled and added, as hessian(sparsity=...) keeps them; Rosenbrock, a
    least-squares objective, an energy), the gradient from one pass whose directions are
    colors distinct within each term's inputs: O(n) for terms of few inputs, where
    forward mode otherwise pays n directions (detection and coloring once per input
    shape; any other f gets the dense gradient). The pass carries a probe direction
    that catches a changed pattern (check_sparsity=False skips it, as for jacobian).
    A tuple argnums gives a tuple of gradients, as without sparsity=.

    Parameters
    ----------
    f : callable
        A function with one scalar output, written with numpy.
    argnums : int or tuple of int, default 0
        The positional argument(s) to differentiate (arrays, or containers of arrays).
    chunk_size : int, optional
        Partials per pass (default: as many as fit a memory budget, up to 128).
    elementwise, holomorphic : bool
        As described above.
    has_aux : bool, default False
        f returns (output, aux); the call then gives (gradient, aux).
    sparsity : "auto", optional
        The gradient from the terms of f's sum, as described above (one int argnums).
    check_sparsity : bool, default True
        With sparsity="auto": the probe direction in every pass.

    Returns
    -------
    callable
        Taking f's arguments and giving the gradient, shaped like the input (a tuple of
        gradients for a tuple argnums).

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> f = lambda x: np.sum(x**3)        # gradient 3 x^2
    >>> hd.grad(f)(np.array([1.0, 2.0, 3.0]))
    array([ 3., 12., 27.])
    >>> g = hd.grad(lambda x: np.sum(np.sin(x)))(np.array([0.0, 1.0]))
    >>> np.allclose(g, np.cos([0.0, 1.0]))
    True
    """
    if sparsity is not None:
        options = (chunk_size, elementwise, holomorphic, has_aux, check_sparsity)
        return EXTENSIONS["sparse_transform"]("grad", f, argnums, sparsity, *options)
    if not check_sparsity:
        raise ValueError("check_sparsity=False skips a check of sparsity=...; pass both")
    if has_aux:
        return _with_aux(
            f,
            "grad",
            lambda g: grad(
                g, argnums, chunk_size=chunk_size, elementwise=elementwise, holomorphic=holomorphic
            ),
        )
    _checked_argnums(argnums, "grad")
    if elementwise:
        return _elementwise_first(f, argnums, "grad", holomorphic)

    def gradient(*args: Any, **kwargs: Any) -> Any:
        x = _one_array(args, argnums, chunk_size, holomorphic)
        if x is not None:  # the common call, in few steps (it is all overhead when small)
            cls = _seeds(dualvec_type(x.size))
            # (_one_array gave x: argnums is an int)
            out = f(*_seeded_one(cls, args, argnums, x), **kwargs)  # type: ignore[arg-type]
            if type(out) is cls and out._stack.ndim == 1:
                return out._stack[1:].reshape(x.shape)
            planes = _all_output_planes(out, cls, x.dtype)
            jacobians = [_parts_last(p[1:]) for p in planes]
            return _scalar_jacobian(jacobians, "grad").reshape(x.shape)
        _, v, _, jacobians = _jacobian_pass(
            f, args, kwargs, argnums, chunk_size, "grad", holomorphic, want_values=False
        )
        return _structured(argnums, v.split(_scalar_jacobian(jacobians, "grad")))

    return _named(gradient, "grad", f)


@overload
def value_and_grad(
    f: Callable[..., Any],
    argnums: int = 0,
    *,
    chunk_size: int | None = None,
    holomorphic: bool = False,
    has_aux: Literal[False] = False,
    sparsity: Any = None,
    check_sparsity: bool = True,
) -> Callable[..., tuple[_Array, _Array]]: ...
@overload
def value_and_grad(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    chunk_size: int | None = None,
    holomorphic: bool = False,
    has_aux: bool = False,
    sparsity: Any = None,
    check_sparsity: bool = True,
) -> Callable[..., Any]: ...
def value_and_grad(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    chunk_size: int | None = None,
    holomorphic: bool = False,
    has_aux: bool = False,
    sparsity: Any = None,
    check_sparsity: bool = True,
) -> Callable[..., Any]:
    """(f(x), grad f(x)) from the same passes.

    Parameters and the shape of the gradient are grad's. With sparsity="auto" the
    gradient is grad(f, sparsity="auto")'s (O(n) for a sum of terms) and the value f's
    own call (the pass sums the terms in another order than f).

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> hd.value_and_grad(lambda x: np.sum(x**3))(np.array([1.0, 2.0]))  # (sum x^3, 3 x^2)
    (array(9.), array([ 3., 12.]))
    """
    if has_aux:
        return _with_aux(
            f,
            "value_and_grad",
            lambda g: value_and_grad(
                g,
                argnums,
                chunk_size=chunk_size,
                holomorphic=holomorphic,
                sparsity=sparsity,
                check_sparsity=check_sparsity,
            ),
            value_first=True,
        )
    if sparsity is not None:
        gradient = grad(
            f, argnums, chunk_size=chunk_size, holomorphic=holomorphic, sparsity=sparsity,
            check_sparsity=check_sparsity,
        )  # fmt: skip

        def value_and_sparse_grad(*args: Any, **kwargs: Any) -> Any:
            value = f(*args, **kwargs)
            g = gradient(*args, **kwargs)  # (last: has_aux keeps its pass's aux, as grad's)
            return (
                np.asarray(value) if isinstance(value, (np.generic, float, complex)) else value
            ), g

        return _named(value_and_sparse_grad, "value_and_grad", f)
    if not check_sparsity:
        raise ValueError("check_sparsity=False skips a check of sparsity=...; pass both")
    _checked_argnums(argnums, "value_and_grad")

    def both(*args: Any, **kwargs: Any) -> Any:
        return _scalar_gradient(f, args, kwargs, argnums, chunk_size, "value_and_grad", holomorphic)

    return _named(both, "value_and_grad", f)


def _broadcast_inputs(v: _Variables) -> tuple[int, ...]:
    return np.broadcast_shapes(*(a.shape for a in v.arrays))


def _pointwise_pass(
    f: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    argnums: ArgNums,
    holomorphic: bool,
    where: str,
    layout: Callable[[int, bool], type[DualArray]],
) -> tuple[Any, Callable[[Any], np.ndarray], int, type[DualArray]]:
    """One pass of an elementwise transform: input r of the `count` at argnums carries
    the unit partial r at every point, of layout(count, probe). Without the probe when
    the pass shows f pointwise by construction (see _built_pointwise), else every input
    also carries the pointwise probe (direction `count` of layout(count, True)). Returns
    f's output, a function giving an output leaf's planes once f is seen pointwise,
    count and the seeded class."""
    v = _Variables(args, argnums, where, holomorphic)
    v.pointwise = True
    if v.trees is not None:
        raise TypeError(f"{where}(..., elementwise=True) takes arrays, not containers of them")
    shape = _broadcast_inputs(v)
    v.arrays = [np.broadcast_to(a, shape) for a in v.arrays]
    count = len(v.nums)
    if v.outer is None and not _known_mixing(f):
        cls = _seeds(layout(count, False))

        def units(r: int, planes: np.ndarray) -> None:  # (in place: T4's 10 planes)
            planes[...] = 0
            planes[r] = 1

        seeded = v.unit_seeded(cls) or v.seeded(cls, units)
        before = _core.pointwise_marks(cls)
        out = f(*seeded, **kwargs)
        if _built_pointwise(cls, before, out):

            def built_planes(leaf: Any) -> np.ndarray:
                if not _varies(leaf, cls):
                    return _constant_planes(leaf, cls, v.dtype, shape)
                planes = _output_planes(leaf, cls, v.dtype)
                if holomorphic:
                    _complex_outputs([planes], where)
                return planes

            return out, built_planes, count, cls
        _note_mixing(f)
        del out, seeded
    cls = _seeds(layout(count, True))

    def run(weights: np.ndarray) -> Any:
        def parts(r: int, planes: np.ndarray) -> None:  # (in place: T4's 15 planes)
            planes[...] = 0
            planes[r], planes[count] = 1, weights

        return f(*v.seeded(cls, parts), **kwargs)

    out, weights, rounding, recheck = _probed_pass(run, cls, shape, v.dtype)

    def checked_planes(leaf: Any) -> np.ndarray:
        if not _varies(leaf, cls):
            return _constant_planes(leaf, cls, v.dtype, shape)
        planes = _output_planes(leaf, cls, v.dtype)
        if holomorphic:
            _complex_outputs([planes], where)
        probe = planes[1 + count]
        parts = planes[1 : 1 + count]
        _check_pointwise(where, parts, probe, weights, shape, False, rounding, recheck=recheck)
        probe_pairs = getattr(cls, "_probe_pairs", None)
        if probe_pairs is not None:  # second order: (partial a, probe) = w sum_b H_ab
            rows = planes[cls._hess_planes].reshape(count, count, *planes.shape[1:])
            rows = np.swapaxes(rows, 0, 1)
            pairs = planes[probe_pairs]
            _check_pointwise(where, rows, pairs, weights, shape, True, rounding, recheck=recheck)
            # (probe, probe) = w^2 sum_ab H_ab: catches mixing that cancels along 1 and w
            square = planes[cls._probe_square]
            magnitude = np.abs(_primal(rows)).sum(axis=(0, 1)) if rounding else None
            _check_pointwise(
                where, pairs, square, weights, shape, True, rounding, None, magnitude, recheck
            )
        return planes

    return out, checked_planes, count, cls


def _elementwise_first(
    f: Callable[..., Any], argnums: ArgNums, where: str, holomorphic: bool
) -> Callable[..., Any]:
    def per_point(*args: Any, **kwargs: Any) -> Any:
        out, planes, count, _ = _pointwise_pass(
            f, args, kwargs, argnums, holomorphic, where, lambda c, probe: dualvec_type(c + probe)
        )
        return _tree_map(
            lambda leaf: _structured(argnums, list(planes(leaf)[1 : 1 + count].copy())), out
        )

    return _named(per_point, where, f, pointwise=argnums)


# --- second order -----------------------------------------------------------------------
@overload
def hessian(
    f: Callable[..., Any],
    argnums: int = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: Literal[False] = False,
    sparsity: None = None,
    check_sparsity: bool = True,
) -> Callable[..., _Array]: ...
@overload
def hessian(
    f: Callable[..., Any],
    argnums: Sequence[int],
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: Literal[False] = False,
    sparsity: None = None,
    check_sparsity: bool = True,
) -> Callable[..., tuple[tuple[_Array, ...], ...]]: ...
@overload
def hessian(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: bool = False,
    sparsity: Any = None,
    check_sparsity: bool = True,
) -> Callable[..., Any]: ...
def hessian(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
    has_aux: bool = False,
    sparsity: Any = None,
    check_sparsity: bool = True,
) -> Callable[..., Any]:
    """The Hessian of f, shaped like jax.hessian: out.shape + in_i.shape + in_j.shape;
    with a tuple argnums a tuple of tuples of blocks [i][j].

    One pass of HyperDualVec(n) when the n variables fit the budget, else symmetric
    blocks of chunk_size variables (diagonal blocks stored once). elementwise=True:
    per-point Hessians of a pointwise f in one pass.
    holomorphic=True: complex inputs, and f'(z) of a complex-differentiable f (as JAX's
    holomorphic=True; hyperdiff.wirtinger handles any f of complex inputs).
    sparsity="auto" or a pattern: the Hessian as scipy.sparse CSR (in.size, in.size); a sum
    of terms (Rosenbrock, r @ r) costs one HyperDualVec(c) pass (_sparsity.py). The pass
    also carries a probe direction w (its plane and the (w, w) plane) and compares
    each term's w^T H w with the recovered blocks': when what f reads besides its
    arguments changed the pattern, it is detected again and the Hessian recomputed.
    check_sparsity=False skips the probe (as for jacobian). A tuple argnums gives a tuple
    of tuples of CSR blocks.

    Parameters
    ----------
    f : callable
        A function of arrays written with numpy (outputs: arrays, or containers of them).
    argnums : int or tuple of int, default 0
        The positional argument(s) to differentiate.
    chunk_size, elementwise, holomorphic, has_aux, sparsity, check_sparsity
        As described above; has_aux=True: f returns (output, aux) and the call gives
        (hessian, aux).

    Returns
    -------
    callable
        Taking f's arguments and giving the Hessian of each output, of shape
        out.shape + in.shape + in.shape.

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> f = lambda x: x[0] ** 2 * x[1] + np.exp(x[1])
    >>> H = hd.hessian(f)(np.array([1.0, 0.0]))   # [[2 x1, 2 x0], [2 x0, e^x1]]
    >>> H
    array([[0., 2.],
           [2., 1.]])
    """
    if sparsity is not None:
        options = (chunk_size, elementwise, holomorphic, has_aux, check_sparsity)
        return EXTENSIONS["sparse_transform"]("hessian", f, argnums, sparsity, *options)
    if not check_sparsity:
        raise ValueError("check_sparsity=False skips a check of sparsity=...; pass both")
    if has_aux:
        return _with_aux(
            f,
            "hessian",
            lambda g: hessian(
                g, argnums, chunk_size=chunk_size, elementwise=elementwise, holomorphic=holomorphic
            ),
        )
    _checked_argnums(argnums, "hessian")
    if elementwise:
        return _elementwise_hessian(f, argnums, holomorphic)

    plans: dict[tuple[Any, ...], _HessianPlan] = {}  # the small calls' seeds and blocks

    def hess(*args: Any, **kwargs: Any) -> Any:
        if type(argnums) is tuple and chunk_size is None and not holomorphic:
            plan = _HessianPlan.of(plans, args, argnums)
            if plan is not None:  # float arrays of one dtype, one pass: seeds and blocks kept
                cls = _seeds(plan.cls)
                out = f(*plan.seeded(cls, args), **kwargs)
                if type(out) is cls and out._stack.ndim == 1:  # one scalar output
                    return plan.blocks(out._stack)
                v = _Variables(args, argnums, "hessian", holomorphic)
                hessians = [
                    _parts_last(p[cls._hess_planes], view=True).reshape(*p.shape[1:], v.n, v.n)
                    for p in _all_output_planes(out, cls, v.dtype)
                ]
                return _rebuild(out, [_hessian_blocks(h, v, argnums) for h in hessians])
        x = _one_array(args, argnums, chunk_size, holomorphic)
        if x is not None:  # the common call, in few steps (it is all overhead when small)
            n = x.size
            cls = _seeds(hyperdualvec_type(n))
            # (_one_array gave x: argnums is an int)
            out = f(*_seeded_one(cls, args, argnums, x), **kwargs)  # type: ignore[arg-type]
            if holomorphic:
                _complex_outputs(_all_output_planes(out, cls, x.dtype), "hessian")
            if type(out) is cls and out._stack.ndim == 1:
                return out._stack[cls._hess_planes].reshape((*x.shape, *x.shape))
            hessians = [
                _parts_last(p[cls._hess_planes], view=True).reshape(
                    (*p.shape[1:], *x.shape, *x.shape)
                )
                for p in _all_output_planes(out, cls, x.dtype)
            ]
            return _rebuild(out, hessians)
        v = _Variables(args, argnums, "hessian", holomorphic)
        n = v.n
        k_max = _chunk(n, n, chunk_size, _hessian_planes)
        if k_max >= n:  # one pass of the symmetric kind: its block is the whole Hessian
            k = max(n, 1)
            cls = _seeds(hyperdualvec_type(k))
            out = f(*v.seeded_units(cls, (0, k)), **kwargs)
            if holomorphic:
                _complex_outputs(_all_output_planes(out, cls, v.dtype), "hessian")
            if type(out) is cls and out._stack.ndim == 1 and k == n:  # one scalar output
                return _hessian_blocks(out._stack[cls._hess_planes].reshape(n, n), v, argnums)
            hessians = [
                _parts_last(p[cls._hess_planes], view=True).reshape(*p.shape[1:], k, k)[..., :n, :n]
                for p in _all_output_planes(out, cls, v.dtype)
            ]
            return _rebuild(out, [_hessian_blocks(h, v, argnums) for h in hessians])
        out = None
        hessians = []
        starts = range(0, max(n, 1), k_max)
        passes = len(starts) * (len(starts) + 1) // 2
        started = time.perf_counter()
        for i0 in starts:
            for j0 in starts:
                if j0 < i0:
                    continue
                if i0 == 0 and j0 == starts[min(1, len(starts) - 1)]:
                    _warn_if_long("hessian", n, k_max, passes, time.perf_counter() - started)
                k1, k2 = max(min(k_max, n - i0), 1), max(min(k_max, n - j0), 1)
                out = seeded = None  # (the last pass's arrays, before _seeds)
                # a diagonal block: one seed set, the symmetric kind; else two
                if i0 == j0:
                    cls = _seeds(hyperdualvec_type(k1))
                    seeded = v.seeded_units(cls, (i0, k1))
                else:
                    cls = _seeds(hyperdualvec_type(k1, k2))
                    seeded = v.seeded_units(cls, (i0, k1), (j0, k2))
                out = f(*seeded, **kwargs)
                leaves = _all_output_planes(out, cls, v.dtype)
                if holomorphic:
                    _complex_outputs(leaves, "hessian")
                # per leaf the block (*out_shape, k1, k2)
                blocks = [
                    _parts_last(p[cls._hess_planes], view=True).reshape(*p.shape[1:], k1, k2)
                    for p in leaves
                ]
                if not hessians:
                    _check_result_size("hessian", [(*p.shape[1:], n, n) for p in leaves])
                    hessians = [np.zeros((*p.shape[1:], n, n), dtype=p.dtype) for p in leaves]
                rows, cols = min(k1, n - i0), min(k2, n - j0)
                at_i, at_j = slice(i0, i0 + rows), slice(j0, j0 + cols)
                for a, block in enumerate(blocks):
                    block = block[..., :rows, :cols]
                    hessians[a] = _stored(hessians[a], (..., at_i, at_j), block)
                    if i0 != j0:
                        hessians[a] = _stored(
                            hessians[a], (..., at_j, at_i), np.swapaxes(block, -1, -2)
                        )
        return _rebuild(out, [_hessian_blocks(h, v, argnums) for h in hessians])

    return _named(hess, "hessian", f)


class PerformanceWarning(UserWarning):
    """A transform will take very long: what it costs, and what costs less."""


# A chunked transform whose passes add up to more than this says so before going on.
_LONG_SECONDS = 60.0


def _warn_if_long(where: str, n: int, chunk: int, passes: int, first_pass: float) -> None:
    """After the first pass, the estimated time of all of them, if it is long."""
    estimate = first_pass * passes
    if estimate > _LONG_SECONDS:
        warnings.warn(
            f"{where} of {n:,} variables: {passes:,} passes of {chunk} variables at "
            f"{first_pass:.3g} s each, about {estimate / 60:,.0f} minutes (forward mode costs "
            "O(n^2) evaluations); hvp gives Hessian-vector products at O(n)",
            PerformanceWarning,
            stacklevel=4,
        )


def _check_result_size(where: str, shapes: list[tuple[int, ...]]) -> None:
    """A MemoryError before the passes when the results cannot fit in memory."""
    needed = 8 * sum(int(np.prod(s, dtype=np.int64)) for s in shapes)
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if needed > available:
        raise MemoryError(
            f"{where}: the result needs {needed / 2**30:.1f} GiB, more than this machine's "
            f"{available / 2**30:.1f} GiB"
        )


def _hessian_blocks(h: np.ndarray, v: _Variables, argnums: ArgNums) -> Any:
    """Cut an (..., n, n) Hessian into blocks [a][b] of shape out + in_a + in_b; for a
    container input, as jax.hessian: its container of the other input's containers."""
    lead = h.shape[:-2]
    if isinstance(argnums, int) and v.trees is None:
        return h.reshape((*lead, *v.arrays[0].shape, *v.arrays[0].shape))
    if v.trees is None:  # arrays at argnums (a tuple): blocks [i][j], directly
        cuts = [(slice(o, o + x.size), x.shape) for o, x in zip(v.offsets, v.arrays, strict=False)]
        return tuple(
            tuple(h[..., ri, rj].reshape((*lead, *si, *sj)) for rj, sj in cuts) for ri, si in cuts
        )
    groups = v.groups()

    def block(i: int, j: int) -> np.ndarray:
        (oi, si, xi), (oj, sj, xj) = ((v.offsets[k], v.sizes[k], v.arrays[k]) for k in (i, j))
        return h[..., oi : oi + si, oj : oj + sj].reshape((*lead, *xi.shape, *xj.shape))

    def blocks(a: int, b: int) -> Any:
        return v.rebuild(a, [v.rebuild(b, [block(i, j) for j in groups[b]]) for i in groups[a]])

    if isinstance(argnums, int):
        return blocks(0, 0)
    return tuple(tuple(blocks(a, b) for b in range(len(groups))) for a in range(len(groups)))


class _HessianPlan:
    """What a Hessian of a tuple argnums at float arrays of one dtype and n <= _MAX_CHUNK
    variables (one pass) keeps between calls with the same shapes: the kind, each input's
    seed planes (values zero: a call writes its values into a kept copy, _core.keep_seed)
    and one flat index of the Hessian planes, block [i][j] after block, so a scalar
    output's blocks are one gather (T6's time outside f: 64 -> 37 us, at load ~9)."""

    __slots__ = ("cls", "cuts", "index", "keys", "nums", "square", "templates")

    def __init__(self, arrays: list[np.ndarray], nums: tuple[int, ...]) -> None:
        sizes = [a.size for a in arrays]
        offsets = [0, *itertools.accumulate(sizes)]
        n = offsets[-1]
        self.cls: type[DualArray] = hyperdualvec_type(n)
        dtype = arrays[0].dtype.char
        self.templates = [
            _seed_template(self.cls, s, o, dtype, ((0, n),), 1)
            for s, o in zip(sizes, offsets, strict=False)
        ]
        hess = self.cls._hess_planes.reshape(n, n)
        cuts = [slice(o, o + s) for o, s in zip(offsets, sizes, strict=False)]
        self.index = np.concatenate([hess[ci, cj].ravel() for ci in cuts for cj in cuts])
        starts = itertools.accumulate((si * sj for si in sizes for sj in sizes), initial=0)
        self.cuts = [
            [(start := next(starts), start + a.size * b.size, (*a.shape, *b.shape)) for b in arrays]
            for a in arrays
        ]
        # inputs of one shape: the index as (k, k, *shape, *shape), one take whose [i, j]
        # are the blocks (T6's four: 2.2 us, where slicing and reshaping each took 3.9)
        shapes = {a.shape for a in arrays}
        self.square: np.ndarray | None = None
        if len(shapes) == 1:
            (shape,) = shapes
            self.square = self.index.reshape(len(arrays), len(arrays), *shape, *shape)
        for t in self.templates:
            t.flags.writeable = False
        self.nums = nums
        # each input's seed planes, kept from call to call (_core.keep_seed, as in
        # _seeded_one): the same kind, dtype, first variable and shape make the same seed
        self.keys = [(self.cls, dtype, o, a.shape) for a, o in zip(arrays, offsets, strict=False)]

    @staticmethod
    def of(
        plans: dict[tuple[Any, ...], _HessianPlan], args: tuple[Any, ...], argnums: tuple[Any, ...]
    ) -> _HessianPlan | None:
        """The plan for these arguments (made at the first call of their shapes), or None
        when the call is not one it serves."""
        key: list[Any] = [len(args)]
        dtype = None
        for i in argnums:
            if type(i) is not int or not -len(args) <= i < len(args):
                return None
            x = args[i]
            if type(x) is not np.ndarray or x.dtype not in _REAL_DTYPES:
                return None
            if dtype is not None and x.dtype != dtype:
                return None
            dtype = x.dtype
            key.append((i, x.shape))
        key.append(dtype)
        plan = plans.get(k := tuple(key))
        if plan is None:
            nums = _argnums(argnums, len(args), "hessian")
            arrays = [args[i] for i in nums]
            n = sum(a.size for a in arrays)
            if not 0 < n <= _MAX_CHUNK or _hessian_planes(n) * n > _PLANE_BUDGET:
                return None
            if len(plans) >= 8:
                plans.clear()
            plan = plans[k] = _HessianPlan(arrays, nums)
        return plan

    def seeded(self, cls: type[DualArray], args: tuple[Any, ...]) -> list[Any]:
        """The arguments with the inputs seeded as cls arrays."""
        new = list(args)
        for i, t, key in zip(self.nums, self.templates, self.keys, strict=True):
            data = _core.kept_seed(key)  # (as made: nothing held or exposed it since)
            if data is None:
                data = t.reshape(t.shape[0], *args[i].shape).copy()
                _core.keep_seed(key, data)
            data[0] = args[i]
            new[i] = _as_passed(cls._wrap(data), args[i])
        return new

    def blocks(self, planes: np.ndarray) -> tuple[tuple[np.ndarray, ...], ...]:
        """The blocks [i][j] (shape in_i + in_j) of a scalar output's planes."""
        if self.square is not None:
            h = planes.take(self.square)
            count = len(self.nums)
            return tuple([tuple([h[i, j, ...] for j in range(count)]) for i in range(count)])
        flat = planes.take(self.index)
        return tuple(
            [tuple([flat[a:b].reshape(shape) for a, b, shape in row]) for row in self.cuts]
        )


def _hessian_layout(count: int, probe: bool) -> type[DualArray]:
    return probed_hyperdualvec_type(count) if probe else hyperdualvec_type(count)


def _elementwise_hessian(
    f: Callable[..., Any], argnums: ArgNums, holomorphic: bool
) -> Callable[..., Any]:
    def per_point(*args: Any, **kwargs: Any) -> Any:
        out, planes, count, cls = _pointwise_pass(
            f, args, kwargs, argnums, holomorphic, "hessian", _hessian_layout
        )

        def blocks(leaf: Any) -> Any:
            h = cls._wrap(planes(leaf)).hess  # type: ignore[attr-defined]  # (a HyperDualVec)
            nested = tuple(tuple(h[a, b] for b in range(count)) for a in range(count))
            return nested[0][0] if isinstance(argnums, int) else nested

        return _tree_map(blocks, out)

    return _named(per_point, "hessian", f, pointwise=argnums)


# --- the Hessian's diagonal: O(n) ------------------------------------------------------------
def _diagonal_planes(k: int) -> int:
    return 1 + 2 * k


@overload
def hessian_diag(
    f: Callable[..., Any],
    argnums: int = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
) -> Callable[..., _Array]: ...
@overload
def hessian_diag(
    f: Callable[..., Any],
    argnums: Sequence[int],
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
) -> Callable[..., tuple[_Array, ...]]: ...
def hessian_diag(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
) -> Callable[..., Any]:
    """The diagonal of f's Hessian, d^2 f / dx_i^2 for each variable, without the rest:
    shaped out.shape + in.shape (a tuple of such for a tuple argnums).

    Each pass seeds K variables in a layout that carries their K diagonal second
    partials only (1 + 2K planes, where the Hessian has 1 + K + K(K+1)/2), so the work
    grows as n, not n^2: n = 1,000 variables are one pass of 2,001 planes.
    elementwise=True: per-point second derivatives of a pointwise f in every argument
    of argnums (one pass of 1 + 2 count planes when f is pointwise by construction,
    else a probed pass of the full Hessian's planes: see derivative).

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> f = lambda x: np.sum(x**3) + x[0] * x[1]    # diagonal 6 x (the x0 x1 term is off it)
    >>> hd.hessian_diag(f)(np.array([1.0, 2.0]))
    array([ 6., 12.])
    """
    _checked_argnums(argnums, "hessian_diag")

    def diagonal(*args: Any, **kwargs: Any) -> Any:
        if elementwise:
            stacked = _elementwise_diagonal(f, args, kwargs, argnums, holomorphic, "hessian_diag")
            return _tree_map(lambda d: _structured(argnums, list(d)), stacked)
        v = _Variables(args, argnums, "hessian_diag", holomorphic)
        return _rebuild_leaves(
            _diagonal_passes(f, v, kwargs, chunk_size, holomorphic, "hessian_diag"), v, argnums
        )

    return _named(diagonal, "hessian_diag", f)


def laplacian(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    chunk_size: int | None = None,
    elementwise: bool = False,
    holomorphic: bool = False,
) -> Callable[..., _Array]:
    """The Laplacian of f, the sum of d^2 f / dx_i^2 over every variable of argnums,
    shaped like f's output: hessian_diag's O(n) passes, summed. elementwise=True: at
    every point of a pointwise f (e.g. of a field u(x, y, z) on a grid), summed over
    the arguments.

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> float(hd.laplacian(lambda x: np.sum(x**3))(np.array([1.0, 2.0])))  # 6 (x0 + x1)
    18.0
    """
    _checked_argnums(argnums, "laplacian")

    def total(*args: Any, **kwargs: Any) -> Any:
        if elementwise:
            stacked = _elementwise_diagonal(f, args, kwargs, argnums, holomorphic, "laplacian")
            return _tree_map(lambda d: d.sum(axis=0), stacked)
        v = _Variables(args, argnums, "laplacian", holomorphic)
        out, diagonals = _diagonal_passes(f, v, kwargs, chunk_size, holomorphic, "laplacian")
        return _rebuild(out, [d.sum(axis=-1) for d in diagonals])

    return _named(total, "laplacian", f)


def _diagonal_passes(
    f: Callable[..., Any],
    v: _Variables,
    kwargs: dict[str, Any],
    chunk_size: int | None,
    holomorphic: bool,
    where: str,
) -> tuple[Any, list[np.ndarray]]:
    """f's output and, per output leaf, its Hessian diagonal of shape out.shape + (n,)."""
    k_max = _chunk(v.n, v.n, chunk_size, _diagonal_planes)
    out: Any = None
    diagonals: list[np.ndarray] = []
    for start in range(0, max(v.n, 1), k_max):
        k = max(min(k_max, v.n - start), 1)
        out = None  # (the last pass's arrays, before _seeds)
        cls = _seeds(hyperdualdiag_type(k))
        out = f(*v.seeded_units(cls, (start, k)), **kwargs)
        planes = _all_output_planes(out, cls, v.dtype)
        if holomorphic:
            _complex_outputs(planes, where)
        if not diagonals:
            diagonals = [np.zeros((*p.shape[1:], v.n), dtype=p.dtype) for p in planes]
        key = (..., slice(start, start + k))
        diagonals = [
            _stored(diagonal, key, _parts_last(p[1 + k :], view=True)[..., : v.n - start])
            for diagonal, p in zip(diagonals, planes, strict=True)
        ]
    return out, diagonals


def _rebuild_leaves(result: tuple[Any, list[np.ndarray]], v: _Variables, argnums: ArgNums) -> Any:
    out, leaves = result
    return _rebuild(out, [_structured(argnums, v.split(leaf)) for leaf in leaves])


def _elementwise_diagonal(
    f: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    argnums: ArgNums,
    holomorphic: bool,
    where: str,
) -> Any:
    """Per output leaf, the second derivatives in each argument of argnums at every
    point of a pointwise f, stacked: (count, *shape)."""
    out, planes, count, cls = _pointwise_pass(
        f, args, kwargs, argnums, holomorphic, where, _diagonal_layout
    )
    hess = getattr(cls, "_hess_planes", None)  # (a HyperDualDiag's: its last planes)
    diagonal = np.arange(-count, 0) if hess is None else np.diagonal(hess.reshape(count, count))
    return _tree_map(lambda leaf: planes(leaf)[diagonal].copy(), out)


def _diagonal_layout(count: int, probe: bool) -> type[DualArray]:
    # the probe sees mixing that shows at second order only in its (partial, probe)
    # planes, which a HyperDualDiag has not: f + (mean(x) - m)^2 at mean(x) = m passed
    # its first-order check with every point's sum of second derivatives as its own
    return probed_hyperdualvec_type(count) if probe else hyperdualdiag_type(count)


# --- products with a direction ------------------------------------------------------------
def _pairs(
    primals: Any, tangents: Any, where: str, holomorphic: bool | None
) -> tuple[tuple[Any, ...], tuple[Any, ...], list[Any], list[Any]]:
    """The primals and tangents as arrays (their values for an enclosing transform's
    variables, nested), and per primal and per tangent that variable or None."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"{where} takes primals and tangents as tuples (or lists) of arguments")
    if len(primals) != len(tangents):
        raise ValueError(f"{where}: {len(primals)} primals but {len(tangents)} tangents")
    outer = [_outer_variable(p) for p in primals]
    outer_tangents = [_outer_variable(t) for t in tangents]
    xs = tuple(
        _variable(p if o is None else o._stack[0], where, holomorphic)
        for p, o in zip(primals, outer, strict=True)
    )
    ts = tuple(  # (a tangent is numbers only: an np.matrix one is its array)
        _variable(np.asarray(t) if isinstance(t, np.matrix) else t, where, None)
        if o is None
        else _variable(o._stack[0], where, None)
        for t, o in zip(tangents, outer_tangents, strict=True)
    )
    for x, t in zip(xs, ts, strict=True):
        if x.shape != t.shape:
            raise ValueError(f"{where}: a tangent of shape {t.shape} for a primal of {x.shape}")
    ts = tuple(_in_primal_dtype(x, t, g, where) for x, t, g in zip(xs, ts, tangents, strict=True))
    return xs, ts, outer, outer_tangents


def _paired_leaves(
    primal: Any, tangent: Any, where: str = "jvp: a tangent", of: str = "a primal"
) -> list[tuple[Any, Any]]:
    """A container primal's leaves (in _tree_leaves' order) each with the tangent's
    leaf at the same place (a dict's by key); a ValueError where the structures differ.
    (vjp pairs a cotangent with f's output so.)"""
    if isinstance(primal, dict):
        if not isinstance(tangent, dict) or tangent.keys() != primal.keys():
            raise ValueError(f"{where} {_structure(tangent)} for {of} {_structure(primal)}")
        return [pair for k in primal for pair in _paired_leaves(primal[k], tangent[k], where, of)]
    if isinstance(primal, (list, tuple)):
        if not isinstance(tangent, (list, tuple)) or len(tangent) != len(primal):
            raise ValueError(f"{where} {_structure(tangent)} for {of} {_structure(primal)}")
        return [
            pair
            for p, t in zip(primal, tangent, strict=True)
            for pair in _paired_leaves(p, t, where, of)
        ]
    return [(primal, tangent)]


def _structure(tree: Any) -> str:
    """A container's shape for messages: dict keys, sequence lengths, leaves as *."""
    if isinstance(tree, dict):
        return "{" + ", ".join(f"{k!r}: {_structure(v)}" for k, v in tree.items()) + "}"
    if isinstance(tree, (list, tuple)):
        inner = ", ".join(_structure(v) for v in tree)
        return f"[{inner}]" if isinstance(tree, list) else f"({inner})"
    return "*"


def _in_primal_dtype(x: np.ndarray, t: np.ndarray, given: Any, where: str) -> np.ndarray:
    """The tangent in its primal's dtype, as in JAX (where they must be equal): so f runs
    at the primal's precision and returns numpy's f(x). A float tangent more precise than
    its primal is refused as jax.jvp refuses it (casting would round the direction);
    exact casts are made (integers, Python scalars, float32 for a float64 primal)."""
    if t.dtype == x.dtype:
        return t
    if t.dtype.kind == "c" and x.dtype.kind != "c":
        raise TypeError(f"{where}: a complex tangent for a real primal")
    weak = type(given) in (int, float, complex)  # NEP 50: a Python scalar takes x's dtype
    raw = t.dtype if isinstance(given, DualArray) else np.asarray(given).dtype
    if not weak and raw.kind in "fc" and np.finfo(raw).bits > np.finfo(x.dtype).bits:
        raise TypeError(
            f"{where}: a {raw} tangent for a {x.dtype} primal would be rounded to "
            f"{x.dtype}; pass it as {x.dtype} (jax.jvp also needs equal dtypes)"
        )
    return t.astype(x.dtype)


@_reusing_memory
def jvp(
    f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[_Array, _Array]:
    """(f(*primals), the directional derivative of f along tangents), as jax.jvp.

    Complex primals need no promise: the result is d/dt f(primals + t tangents) for
    real t, for any f.

    Parameters
    ----------
    f : callable
        A function of arrays written with numpy.
    primals : tuple of array_like or containers of arrays
        f's positional arguments (a dict, list or tuple of arrays is passed to f as
        such, as in jax.jvp).
    tangents : tuple of array_like or containers of arrays
        One direction per primal, of its shape (a container of its structure), taken
        in the primal's dtype (JAX's rule): integers, Python scalars and less precise
        floats are cast; a float tangent more precise than its primal (float64 for
        float32) raises TypeError, as jax.jvp does, rather than be rounded.

    Returns
    -------
    value, derivative : ndarray
        f(*primals) and d/dt f(primals + t tangents) at t = 0, each shaped like f's
        output (containers of them for a container output).

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> x, v = np.array([1.0, 2.0]), np.array([1.0, 0.5])
    >>> hd.jvp(lambda x: x**3, (x,), (v,))     # (x^3, 3 x^2 v)
    (array([1., 8.]), array([3., 6.]))
    """
    # containers (dicts, lists or tuples of arrays) as in jax.jvp: their leaves paired
    # with the tangent's of the same structure, f called with the containers rebuilt
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp takes primals and tangents as tuples (or lists) of arguments")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    pairs = [
        _paired_leaves(p, t) if _is_tree(p) else [(p, t)]
        for p, t in zip(primals, tangents, strict=True)
    ]
    flat = [pair for leaves in pairs for pair in leaves]
    # primals or tangents that are an enclosing transform's variables (jvp of jvp)
    xs, ts, outer, outer_tangents = _pairs([p for p, _ in flat], [t for _, t in flat], "jvp", None)
    cls = _seeds(Dual)
    seeded: list[DualArray] = [cls._from_parts(x, (t,), None) for x, t in zip(xs, ts, strict=True)]
    for i, (primal, tangent) in enumerate(zip(outer, outer_tangents, strict=True)):
        if primal is not None or tangent is not None:
            seeded[i] = _nested_seed(seeded[i], primal, tangent)
    seeded = [_as_passed(s, p) for s, (p, _) in zip(seeded, flat, strict=True)]
    it = iter(seeded)
    out = f(
        *(
            _rebuild(p, [next(it) for _ in leaves]) if _is_tree(p) else next(it)
            for p, leaves in zip(primals, pairs, strict=True)
        )
    )
    dtype = np.result_type(*xs)
    planes = [_output_planes(leaf, cls, dtype) for leaf in _tree_leaves(out)]
    return _values(out, planes), _rebuild(out, [_copied(p[1]) for p in planes])


@overload
def hvp(
    f: Callable[..., Any],
    primals: tuple[Any],
    tangents: tuple[Any],
    *,
    chunk_size: int | None = None,
    holomorphic: bool = False,
) -> _Array: ...
@overload
def hvp(
    f: Callable[..., Any],
    primals: _Several,
    tangents: _Several,
    *,
    chunk_size: int | None = None,
    holomorphic: bool = False,
) -> Any: ...
@_reusing_memory
def hvp(
    f: Callable[..., Any],
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    chunk_size: int | None = None,
    holomorphic: bool = False,
) -> Any:
    """The Hessian of a scalar f times the tangents, shaped like the primals (a tuple
    for several), without forming the Hessian: HyperDualVec(K, 1) passes.
    holomorphic=True: complex primals, the complex Hessian of a holomorphic f.

    Parameters
    ----------
    f : callable
        A function with one scalar output, written with numpy.
    primals : tuple of array_like
        f's positional arguments, the point x (arrays, or containers of them: dicts,
        lists, tuples, named tuples, as in JAX).
    tangents : tuple of array_like
        The vector v, one array per primal, of its shape (a container's of its
        structure).
    chunk_size : int, optional
        Rows of H v per pass (default: as many as fit a memory budget, up to 128).
    holomorphic : bool, default False
        As described above.

    Returns
    -------
    ndarray or tuple of ndarray
        H(x) v, shaped like the primal (a tuple of arrays for several primals).

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> f = lambda x: np.sum(x**3)        # H = diag(6 x)
    >>> hd.hvp(f, (np.array([1.0, 2.0]),), (np.array([1.0, -1.0]),))
    array([  6., -12.])
    """
    if isinstance(primals, (list, tuple)) and any(_is_tree(p) for p in primals):
        return _hvp_of_containers(f, primals, tangents, chunk_size, holomorphic)
    xs, ts, outer, outer_tangents = _pairs(primals, tangents, "hvp", holomorphic)
    argnums = tuple(range(len(xs)))
    if outer_tangents.count(None) != len(xs):
        # a direction of an enclosing transform's: H v as the jvp of the gradient
        # (forward over forward), which carries the direction's outer parts
        gradient = grad(f, argnums, chunk_size=chunk_size, holomorphic=holomorphic)
        products = jvp(gradient, primals, tangents)[1]
        return products if len(xs) > 1 else products[0]
    # an enclosing transform's variable as it is: _Variables seeds it in the product kind
    if outer.count(None) != len(xs):
        xs = tuple(x if o is None else o for x, o in zip(xs, outer, strict=True))
    v = _Variables(xs, argnums, "hvp", holomorphic)
    v.given = list(primals)  # (not their arrays: _as_passed)
    k_max = _chunk(v.n, v.n, chunk_size, _hvp_planes)
    result: np.ndarray | None = None
    for start in range(0, max(v.n, 1), k_max):
        k = max(min(k_max, v.n - start), 1)
        out = leaves = None  # (the last pass's arrays, before _seeds)
        cls = _seeds(hyperdualvec_type(k, 1))

        def parts(r: int, planes: np.ndarray, start: int = start, k: int = k) -> None:
            tangent = ts[r].reshape(1, -1).astype(v.dtype)
            rows = np.concatenate([v.unit_rows(r, start, k), tangent, np.zeros((k, v.sizes[r]))])
            planes[...] = rows.reshape(planes.shape)

        out = f(*v.seeded(cls, parts))
        leaves = _tree_leaves(out)
        if len(leaves) != 1:
            raise TypeError("hvp needs a function with one scalar output")
        p = _output_planes(leaves[0], cls, v.dtype)
        if holomorphic:
            _complex_outputs([p], "hvp")
        if p.ndim != 1:
            raise TypeError("hvp needs a function with one scalar output")
        if result is None:
            result = np.zeros(v.n, dtype=p.dtype)
        result = _stored(result, slice(start, start + k), p[1 + k + 1 :][: v.n - start])
    assert result is not None
    blocks = v.split(result)
    return tuple(blocks) if len(xs) > 1 else blocks[0]


def _hvp_of_containers(
    f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
    chunk_size: int | None, holomorphic: bool,
) -> Any:  # fmt: skip
    """hvp of container primals (dicts, lists, tuples of arrays, as in JAX): their
    leaves as primals, each with the tangent's leaf at its place, f given them rebuilt;
    H v rebuilt as the primals are."""
    if not isinstance(tangents, (list, tuple)) or len(tangents) != len(primals):
        raise ValueError(f"hvp: {len(primals)} primals and tangents {_structure(tangents)}")
    pairs = [
        _paired_leaves(p, t, "hvp: a tangent") if _is_tree(p) else [(p, t)]
        for p, t in zip(primals, tangents, strict=True)
    ]
    flat = [pair for leaves in pairs for pair in leaves]

    def rebuilt(leaves: Sequence[Any]) -> list[Any]:
        it = iter(leaves)
        return [
            _rebuild(p, [next(it) for _ in group]) if _is_tree(p) else next(it)
            for p, group in zip(primals, pairs, strict=True)
        ]

    def of_leaves(*leaves: Any) -> Any:
        return f(*rebuilt(leaves))

    products = hvp(
        of_leaves, tuple(p for p, _ in flat), tuple(t for _, t in flat),
        chunk_size=chunk_size, holomorphic=holomorphic,
    )  # fmt: skip
    result = rebuilt(products if len(flat) > 1 else (products,))
    return tuple(result) if len(primals) > 1 else result[0]


def hessp(f: Callable[..., Any], *, chunk_size: int | None = None) -> Callable[..., Any]:
    """scipy.optimize's hessp: a callable (x, p, *args) -> H(x) p for the Hessian of
    f(x, *args) in x, without forming it (hvp's passes):
    `minimize(f, x0, jac=hd.grad(f), hessp=hd.hessp(f), method="trust-krylov")`.

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> f = lambda x, a: a * np.sum(x**3)                 # H = diag(6 a x)
    >>> hd.hessp(f)(np.array([1.0, 2.0]), np.array([1.0, 1.0]), 0.5)
    array([3., 6.])
    """

    def product(x: Any, p: Any, *args: Any) -> Any:
        return hvp(lambda u: f(u, *args), (x,), (p,), chunk_size=chunk_size)

    product.__name__ = f"hessp_{getattr(f, '__name__', 'f')}"
    return product


def vjp(
    f: Callable[..., Any], *primals: Any, holomorphic: bool = False
) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """(f(*primals), vjp_fn) as jax.vjp: vjp_fn(cotangent) is the tuple over the primals
    of cotangent . J. In forward mode this computes the whole Jacobian once (passes of
    up to 128 columns, n/128 evaluations of f for n inputs); each vjp_fn call is then a
    contraction, exact and cheap. Prefer grad for one scalar output. holomorphic=True:
    complex primals, J the complex derivative f'(z) of a holomorphic f (cotangent . J
    unconjugated, as jax.vjp gives it for holomorphic f; grad(holomorphic=True) is
    vjp_fn(1)); other functions of complex inputs: hyperdiff.wirtinger.

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> y, vjp_fn = hd.vjp(lambda x: x**2, np.array([1.0, 3.0]))   # J = diag(2 x)
    >>> vjp_fn(np.array([1.0, 1.0]))
    (array([2., 6.]),)
    """
    values, v, count, jacobians = _vjp_pass(f, primals, holomorphic)

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        # paired with the output's leaves by its structure (a dict's by key, whatever
        # the order of its keys), as jvp pairs tangents with primals
        cotangents = [
            c for _, c in _paired_leaves(values, cotangent, "vjp: a cotangent", "f's output")
        ]
        if len(cotangents) != count:
            raise ValueError(f"vjp: a cotangent of {len(cotangents)} leaves for {count}")
        total = None
        for c, jac in zip(cotangents, jacobians, strict=True):
            c = c if isinstance(c, DualArray) else np.asarray(c)  # (np.asarray: objects)
            if c.shape != jac.shape[:-1]:
                raise ValueError(
                    f"vjp: a cotangent of shape {c.shape} for an output of shape {jac.shape[:-1]}"
                )
            with np.errstate(invalid="ignore"):  # (0 inf: strong_product below)
                term = np.tensordot(c, jac, axes=c.ndim)
            if (
                isinstance(c, np.ndarray)
                and isinstance(term, np.ndarray)
                and not np.isfinite(term).all()
            ):
                # a zero of the cotangent against an inf of J (or the other way) is 0:
                # the output it weighs does not count (cotangent [1, 0] . J, J[1, 1] =
                # inf, is J's row 0)
                term = strong_product(functools.partial(np.tensordot, axes=c.ndim), c, jac)
            total = term if total is None else total + term
        # (an outer transform's parts in J or the cotangent: a dual array, kept)
        return tuple(v.split(total if isinstance(total, DualArray) else np.asarray(total)))

    return values, vjp_fn


def _vjp_body(
    f: Callable[..., Any], primals: tuple[Any, ...], holomorphic: bool
) -> tuple[Any, _Variables, int, list[np.ndarray]]:
    """vjp's Jacobian pass, a transform of its own (its depth, its tag: nested in
    another transform, its seeds must not pass for the outer one's), keeping none of
    f's dual outputs past its end."""
    argnums = tuple(range(len(primals)))
    values, v, out, jacobians = _jacobian_pass(f, primals, {}, argnums, None, "vjp", holomorphic)
    return values, v, len(_tree_leaves(out)), jacobians


_vjp_pass = _reusing_memory(_vjp_body, "vjp")


def linearize(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """(f(*primals), f_jvp) as jax.linearize: f_jvp(*tangents) is the directional
    derivative at the primals. In forward mode each f_jvp call is one jvp pass of f
    (there is no tape to replay): exact, at the cost of an evaluation of f.

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> y, f_jvp = hd.linearize(lambda x: x**3, np.array([2.0]))   # 3 x^2 t
    >>> f_jvp(np.array([0.5]))
    array([6.])

    The primals are copied: f_jvp stays at the point linearize was called at when the
    caller's arrays change afterwards (jax's arrays cannot), and the value is not the
    caller's array when f returns its input.
    """
    point = _tree_map(_snapshot, primals)
    value = f(*_tree_map(_snapshot, primals))

    def f_jvp(*tangents: Any) -> Any:
        return jvp(f, point, tangents)[1]

    return value, f_jvp


# --- the pointwise probe ------------------------------------------------------------------
# Elementwise transforms seed the same direction at every point, which gives J @ 1: the
# per-point derivatives only when f acts point by point (J diagonal). They check it in
# the same pass with one more direction, the probe, seeded w_i at point i. A pointwise f
# carries each point's tangent through its own operations only, and scaling a tangent
# by a power of two is exact in every one of them, so the probe's part is w_i times the
# point's parts, to rounding; a function that mixes points adds w_j of other points.
_PROBES: dict[int, np.ndarray] = {}
# code bits per real itemsize: float64 +-2^k, k = -64 .. 63 (256 numbers: a derivative
# beyond 1e289 or below 1e-289 may overflow or round in the probe, which then raises);
# float32 +-2^k, k = 0 .. 15 (32 numbers, keeping 1e33 of its range; its bottom, where
# values underflow, whole). float64's exponents go zigzag from 0 along the points
# (_probe_weights).
_PROBE_BITS = {8: 8, 4: 5}


# An f whose every output was built from its seed by the fast elementwise paths alone
# (numpy's ufuncs on arrays of the seed's shape, with Python numbers and constants) is
# pointwise by construction: the pass shows it without a probe. The seed's class counts
# the instances made, those the fast elementwise paths made, and the reads and writes
# of its planes (`_stack`, every other path's one door: indexing, reductions, functions,
# out=, views): f is shown pointwise when the two counts grew alike and nothing opened
# the planes. Anything else (a probe-free pass that opened them) runs the probed pass.
def _built_pointwise(cls: type[DualArray], before: tuple[int, int, int], result: Any) -> bool:
    made, elementwise, opened = _core.pointwise_marks(cls)
    if opened != before[2] or made - before[0] != elementwise - before[1]:
        return False
    return all(
        type(r) is cls
        or not (isinstance(r, DualArray) or (type(r) is np.ndarray and r.dtype == object))
        for r in _tree_leaves(result)
    )


# Functions (by their code) a pass found not pointwise by construction: their next
# calls run the probed pass at once (a hint for speed only; each pass decides itself).
_MIXING: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _mixing_key(f: Callable[..., Any]) -> Any:
    return getattr(f, "__code__", f)


def _known_mixing(f: Callable[..., Any]) -> bool:
    try:
        return _mixing_key(f) in _MIXING
    except TypeError:  # (not weakly referable)
        return False


def _note_mixing(f: Callable[..., Any]) -> None:
    with contextlib.suppress(TypeError):
        _MIXING[_mixing_key(f)] = True


def _probe_weights(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """One of the numbers +-2^e at each point: all different on the first 256 (float32:
    32) points, then from a multiplicative hash of the index (no period that a shift or
    a reversal of the points could match). A function that only moves points passes
    where each lands on a point of equal weight (a swap of two far points: 1 in 256,
    float32 1 in 32); more probe planes would cost every elementwise pass. The code's
    top bit gives the sign and its other bits k the exponent (float64 zigzag from 0, e =
    0, -1, 1, -2, 2, ... 63, -64; float32 e = k, 0 .. 15): magnitudes differ on
    neighbours, so a swap of them shows in the even powers w^2, w^4 that
    _taylor._probe_higher_orders judges planes of degree 2, 4 by, and the first points'
    w^p stay in the range it judges (+-2^e sit 2^(bits - 1) points apart). Kept for the
    largest size."""
    real = np.empty(0, dtype=dtype).real.dtype
    bits = _PROBE_BITS[8 if real.itemsize >= 8 else 4]
    size = int(np.prod(shape, dtype=np.int64))
    probe = _PROBES.get(bits, np.empty(0))
    if probe.size < size:
        index = np.arange(max(size, 1024), dtype=np.uint64)
        code = index * np.uint64(0x9E3779B97F4A7C15)
        code >>= np.uint64(64 - bits)  # top bits
        code[: 1 << bits] = index[: 1 << bits]
        # +-2^e written as float64 bits (4x faster than exp2: 2.5 ms at 1e6), in place
        sign = (code >> np.uint64(bits - 1)) << np.uint64(63)
        k = (code & np.uint64((1 << (bits - 1)) - 1)).view(np.int64)
        if bits == _PROBE_BITS[8]:
            k = (k >> 1) ^ -(k & 1)  # e: the zigzag 0, -1, 1, -2, 2, ...
        k += 1023
        k <<= 52
        code = k.view(np.uint64) | sign
        probe = code.view(np.float64)
        _PROBES[bits] = probe
    return probe[:size].astype(real, copy=False).reshape(shape)


def _probe_code(weights: np.ndarray) -> np.ndarray:
    """_probe_weights's code k of each weight (without its sign bit): float64's exponent's
    zigzag index 0 .. 127, float32's exponent 0 .. 15."""
    _, exponent = np.frexp(weights)
    e: np.ndarray = exponent.astype(np.int64) - 1
    if weights.dtype.itemsize < 8:
        return e
    code: np.ndarray = np.where(e < 0, -2 * e - 1, 2 * e)
    return code


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether numpy broadcasts an array of `shape` to `target`."""
    if len(shape) > len(target):
        return False
    return all(n in (1, m) for n, m in zip(shape[::-1], target[::-1], strict=False))


def _check_point_shapes(where: str, shape: tuple[int, ...], out_shape: tuple[int, ...]) -> None:
    """ValueError unless an output's shape is its inputs' `shape` broadcast."""
    if not _broadcasts_to(shape, out_shape):
        raise ValueError(
            f"{where} gives per-point derivatives of a function acting point by point, but "
            f"its output's shape {out_shape} is not its input's {shape} broadcast (it "
            "reduces, selects or reorders points); use jacobian for its derivatives"
        )


def _check_pointwise(
    where: str,
    parts: np.ndarray,
    probe: np.ndarray,
    weights: np.ndarray,
    shape: tuple[int, ...],
    finite_only: bool = False,
    interpolated: int = 0,
    spread: np.ndarray | None = None,
    magnitude: Any = None,
    recheck: _Recheck | None = None,
) -> None:
    """ValueError unless the output's probe part is w times the sum of its parts (each
    of shape out_shape, which the inputs' `shape` must broadcast to). finite_only: points
    where either side is inf or nan are not judged (the second-order check, whose parts
    overflow where the first-order ones still hold). interpolated: the degree D of the
    bundles the planes were read from (_bundled), else 0: a partial mixing the
    probe with a unit seed is then exact only to ~eps (1 + |w|)^D times the partials
    (the series along their integer directions: w f'' is read from (1 + w)^2 f'' less
    f'' and w^2 f''), so that is the tolerance; `spread`: the probe's w there when
    `weights` are its powers (_taylor._probe_higher_orders); `magnitude`: partials of
    the probe's order whose parts both sides lack (w f'' and w^2 f'' at w ~ 2^-64 carry
    the rounding of f''); `recheck`: the pass's, which clears points that disagree
    by rounding alone."""
    out_shape = probe.shape
    _check_point_shapes(where, shape, out_shape)
    if isinstance(parts, DualArray) and type(parts) is type(probe):
        _judge_outer_parts(where, parts, probe, weights, finite_only, interpolated)
    _judge(where, parts, probe, weights, finite_only, interpolated, spread, magnitude, recheck)


def _judge_outer_parts(
    where: str,
    parts: DualArray,
    probe: DualArray,
    weights: np.ndarray,
    finite_only: bool,
    interpolated: int = 0,
) -> None:
    """_check_pointwise's rule on the outer parts of a nested transform's planes (dual
    arrays of the outer kind, a product with it: exact), every plane at once: a function
    mixing points only through the enclosing transform's directions (t + (sum(t) - s)^2
    under a jacobian, or its cube under a hessian) has values that agree. Planes read out
    of a bundle of degree `interpolated` agree to its rounding, ~eps (1 + |w|)^D times the
    largest finite outer plane (the read-out mixes planes, and f's sums mix points: the
    rounding of np.sum(t * 0) reaches every point); not while an enclosing pass runs its
    probe at scales up to 2^63, whose rounding that is."""
    if interpolated and _WIDE_PROBES.running:
        return  # judged in the enclosing pass's rerun near 1
    p, q = parts._stack, probe._stack
    if type(p) is np.ndarray and _core.probe_agrees(
        np.moveaxis(p[1:], 1, 0), q[1:], np.broadcast_to(weights, q[1:].shape), finite_only
    ):  # (one C++ pass over every outer plane; numpy below names a point that disagrees)
        return
    finfo = _rounding(q.dtype, weights.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        expected = p[1:].sum(axis=1) * weights
        scale = np.abs(weights) * np.abs(p[1:]).sum(axis=1)
        tolerance = 64 * finfo.eps * scale + 64 * (np.abs(weights) + 1) * finfo.smallest_subnormal
        agree = np.abs(q[1:] - expected) <= tolerance
        agree |= np.isnan(q[1:]) & np.isnan(expected)
        agree |= ~np.isfinite(q[1:]) & ~np.isfinite(expected)
        if finite_only:
            agree |= ~(np.isfinite(q[1:]) & np.isfinite(expected))
        if interpolated:
            w = np.abs(weights)
            size = np.abs(p).sum(axis=1) + np.abs(q) / w
            largest = size[np.isfinite(size)].max(initial=0.0)
            rounding = _INTERPOLATION * 4.0**interpolated * finfo.eps * (1 + w) ** interpolated
            agree |= np.abs(q[1:] - expected) <= rounding * largest
    if not agree.all():
        at = np.unravel_index(int(np.argmin(agree.reshape(-1))), agree.shape)[1:]
        raise ValueError(_mixing_message(where, at))


def _rounding(output: np.dtype, weights: np.dtype) -> np.finfo:
    """The precision the probe's planes were computed in: the coarser of the output's and
    the input's (the weights'), as f may compute in float32 and return float64
    ((t**4).astype(np.float64) of a float32 t: its parts carry float32's rounding)."""
    return max(np.finfo(output), np.finfo(weights), key=lambda info: float(info.eps))


def _mixing_message(where: str, at: tuple[Any, ...]) -> str:
    return (
        f"{where} gives per-point derivatives of a function acting point by point, but "
        f"this one mixes points: output {[int(i) for i in at]} depends on other input elements "
        "than its own (as np.cumsum, x - x.mean(), np.sort or x[::-1] do); use jacobian "
        "for its derivatives"
    )


def _judge(
    where: str,
    parts: Any,
    probe: Any,
    weights: np.ndarray,
    finite_only: bool,
    interpolated: int,
    spread: np.ndarray | None,
    magnitude: Any,
    recheck: _Recheck | None = None,
) -> None:
    """_check_pointwise's rule on parts (count, *shape) and probe (*shape)."""
    out_shape = probe.shape
    arrays = all(type(a) is np.ndarray for a in (parts, probe, weights))
    if arrays and _core.probe_agrees(
        parts, probe, np.broadcast_to(weights, out_shape), finite_only
    ):  # one pass
        return
    # the same rules again, in numpy, to name a point that disagrees; on the values (a
    # nested transform's planes are dual arrays of the outer kind, whose parts
    # _check_pointwise judges as arrays, and np.abs of them would be a call of abs on the
    # outer transform's variables: holomorphic=True would blame it for nan parts of f's
    # own)
    parts, probe = _primal(parts), _primal(probe)
    magnitude = None if magnitude is None else _primal(magnitude)
    total = parts.sum(axis=0) if parts.shape[0] > 1 else parts[0]
    with np.errstate(invalid="ignore", over="ignore"):
        expected = total * weights
        agree = probe == expected
        scale = np.abs(weights) * (np.abs(parts).sum(axis=0) if len(parts) > 1 else np.abs(total))
        finfo = _rounding(probe.dtype, weights.dtype)
        # the rounding of a sum over the inputs; and of parts computed through
        # subnormal numbers, whose precision is absolute (the relative rule's 64 eps of
        # the smallest normal number, on both sides: a few subnormals in each
        # operation, which scaling by w does not keep exact)
        tolerance = 64 * finfo.eps * scale + 64 * (np.abs(weights) + 1) * finfo.smallest_subnormal
        agree |= np.abs(probe - expected) <= tolerance
        agree |= np.isnan(probe) & np.isnan(expected)
        # both overflowed (complex: inf times w and w times inf differ in their nan parts)
        agree |= ~np.isfinite(probe) & ~np.isfinite(expected)
        if finite_only:
            agree |= ~(np.isfinite(probe) & np.isfinite(expected))
        if interpolated:
            size = np.abs(parts).sum(axis=0) + np.abs(probe) / np.abs(weights)
            if magnitude is not None:
                size = size + np.abs(magnitude)
            w = np.abs(weights if spread is None else spread)
            rounding = (
                _INTERPOLATION * 4.0**interpolated * finfo.eps * (1 + w) ** interpolated * size
            )
            agree |= np.abs(probe - expected) <= rounding
    if not agree.all() and (recheck is None or not recheck.rounding_only(~agree)):
        at = np.unravel_index(int(np.argmin(agree.reshape(-1))), out_shape)
        raise ValueError(_mixing_message(where, at))


# The probe's tolerance in multiples of 4^D eps (1 + |w|)^D times the partials, for
# planes read out of a bundle of degree D: its read-out sums planes along directions of
# integer entries up to D with binomial weights (measured: up to 8e2 eps (1 + |w|)^D at
# D = 3, 8e3 at D = 5, over 300 points, the nestings of tests/test_silent_round12_nest.py)
_INTERPOLATION = 1 << 8


def _primal(x: Any) -> Any:
    """A value (a nested transform's planes are dual arrays of the outer kind: their
    primal part)."""
    return x._stack[0] if isinstance(x, DualArray) else x


def _bundled(reads: int, out: Any, cls: type[DualArray]) -> int:
    """The degree of the bundles a pass of seeds `cls` went through, or 0 (its planes
    are exact): read out by an inner transform during the pass (BundleReads.count was
    `reads` before it; their highest degree), or an output that is a bundle, which
    the pass's transform reads out itself (inner_parts)."""
    degree = BundleReads.degree if BundleReads.count != reads else 0
    for leaf in _tree_leaves(out):
        if isinstance(leaf, DualArray) and type(leaf) is not cls:
            kind = promote(type(leaf), cls)
            if kind is not None and issubclass(kind, TaylorBundle):
                degree = max(degree, kind._series)
    return degree


def _bundle_probe_weights(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The probe's weights for a pass read out of a bundle: +-(1 + j/16), j = 0 .. 15,
    all different on the first 32 points, then by _probe_weights's hash: j from the low
    4 bits of _probe_weights's exponent code k, the sign from the next bit with its sign.
    The magnitudes differ on neighbours (planes of even degree, w^2 f'' and w^4 f^(4),
    see a swap of them too); +-(1 + j/16) sit 16 points apart. A bundle's partials are
    exact only to ~eps (1 + |w|)^D times themselves (_check_pointwise), so the powers of
    two from 2^-64 would leave w f'' below the rounding of f'' and let any f pass; near
    1 they keep the check within ~eps 3^D (a swap of two far points: 1 in 32 goes
    unseen)."""
    w = _probe_weights(shape, dtype)
    code = _probe_code(w)
    negative = np.signbit(w) ^ ((code >> 4) & 1).astype(bool)
    near: np.ndarray = np.where(negative, -1.0, 1.0) * (1 + (code % 16) / 16)
    return near.astype(w.dtype)


class _WideProbes(threading.local):
    """How many probed passes with _probe_weights (2^-64 .. 2^63) are running on this
    thread: an inner transform's bundle read of planes seeded at such scales carries the
    rounding of the larger ones, so its outer parts are judged only in the rerun near 1
    that a pass through a bundle makes (_probed_pass). Per thread: another thread's
    pass must not excuse this one's."""

    running = 0


_WIDE_PROBES = _WideProbes()


def _probed_pass(
    run: Callable[[np.ndarray], Any], cls: type[DualArray], shape: tuple[int, ...], dtype: np.dtype
) -> tuple[Any, np.ndarray, int, _Recheck | None]:
    """run(w): f's output on seeds (of kind cls) carrying the pointwise probe w. With the
    probe's weights; when the pass went through a bundle (nested beyond total order 2),
    again with _bundle_probe_weights. Returns the output, its weights, the bundles'
    degree (0: exact planes; _check_pointwise's `interpolated`) and, for exact planes,
    the recheck of points whose probe disagrees (_Recheck)."""
    weights = _probe_weights(shape, dtype)
    reads = BundleReads.count
    _WIDE_PROBES.running += 1
    try:
        out = run(weights)
    finally:
        _WIDE_PROBES.running -= 1
    degree = _bundled(reads, out, cls)
    if degree:
        del out
        weights = _bundle_probe_weights(shape, dtype)
        reads = BundleReads.count
        out = run(weights)
        degree = max(degree, _bundled(reads, out, cls))
    return out, weights, degree, None if degree else _Recheck(run, weights, cls, dtype)


class _Recheck:
    """Whether points whose probe disagreed beyond its tolerance did so by rounding, not
    by mixing. f runs twice more: with each such point's probe weight set to +-1 and the
    others' times 2, then with those points' at +-2^2 or +-2^3 and the others' times 4. A
    pointwise f computes a point's planes from that point's seeds alone, each plane
    homogeneous of degree d in its probe weight, so from the first run to the second
    they scale by exactly 4^d or 8^d there (the same roundings, near 1: no subnormal
    step); an f mixing points adds a partner's share, which scales by 2^d (another
    point) or by the other power (a disagreeing point whose rank differs in that bit:
    a pair of runs per bit). Disagreements come from terms that cancel (the probe sums
    every direction at once, the parts one at a time: hypot(y, x) + maximum(z, x) where
    x / |x| + 1 ~ 0 disagreed by 600 eps of its parts) and from intermediates the
    probe's weight took below the normal range (exp(t) 1e200 at -700, weight 2^-20)."""

    __slots__ = ("cls", "dtype", "run", "weights")

    def __init__(
        self,
        run: Callable[[np.ndarray], Any],
        weights: np.ndarray,
        cls: type[DualArray],
        dtype: np.dtype,
    ) -> None:
        self.run, self.weights, self.cls, self.dtype = run, weights, cls, dtype

    def rounding_only(self, failing: np.ndarray) -> bool:
        weights = self.weights
        extra = failing.ndim - weights.ndim  # (a Hessian's rows: (count, *points))
        if extra < 0 or failing.shape[extra:] != weights.shape:
            return False  # (an output broadcast beyond the inputs' points)
        points = np.asarray(failing.reshape(-1, *weights.shape).any(axis=0))
        ranks = np.arange(int(points.sum()))
        sign = np.sign(weights[points])
        for bit in range(max(1, (len(ranks) - 1).bit_length())):
            near = weights * 2
            near[points] = sign
            powers = 2 + (ranks >> bit) % 2
            scaled = weights * 4
            scaled[points] = sign * np.exp2(powers).astype(weights.dtype)
            if not self._scaled_by(near, scaled, powers, points):
                return False
        return True

    def _scaled_by(
        self, near: np.ndarray, scaled: np.ndarray, powers: np.ndarray, points: np.ndarray
    ) -> bool:
        """Whether f's planes at `points` with probe weights `scaled` are those with
        weights `near` times 2^(powers d)."""
        first, second = _tree_leaves(self.run(near)), _tree_leaves(self.run(scaled))
        # (the probe: the last direction)
        degrees = _kind_exponents(self.cls)[:, -1]  # type: ignore[arg-type]  # (mypy#11470)
        scales = np.exp2(np.outer(degrees, powers))  # (planes, points)
        if len(first) != len(second):
            return False
        for a, b in zip(first, second, strict=True):
            varies = _varies(a, self.cls)
            if varies != _varies(b, self.cls):
                return False
            if not varies:
                continue  # (a constant output)
            p = _output_planes(a, self.cls, self.dtype)
            q = _output_planes(b, self.cls, self.dtype)
            if not (type(p) is type(q) is np.ndarray) or p.shape != q.shape:
                return False  # (nested: an outer kind's planes)
            if p.shape[1:] != points.shape:
                return False
            with np.errstate(over="ignore"):
                expected = p[:, points] * scales.astype(p.real.dtype)
            if not np.array_equal(q[:, points], expected, equal_nan=True):
                return False
        return True


# --- elementwise derivatives ---------------------------------------------------------------
def _seeded_point(cls: type[_Kind], x: np.ndarray, parts: tuple[Any, ...]) -> _Kind:
    """The input x (an array _variable admitted) as a cls array with these parts
    (numbers, or arrays of x's shape and dtype) in its planes 1, 2, ..."""
    data = np.empty((cls._planes, *x.shape), dtype=x.dtype)
    data[0] = x
    for plane, part in enumerate(parts, 1):
        data[plane] = part
    return cls._wrap(data)


def _parts(result: Any, kind: type[DualArray], seeded: DualArray) -> Any:
    """f' (order 1) or f'' (order 2) of each output: a Dual's or HyperDualVec(1)'s last
    plane."""

    def leaf(r: Any) -> Any:  # an array (a dual array of an outer kind when nested)
        part = _copied(_output_planes(r, kind, seeded.dtype)[kind._planes - 1])
        if _varies(r, kind):
            return part
        # a constant output: zero derivative at every point of the input
        return np.zeros(np.broadcast_shapes(part.shape, seeded.shape), dtype=part.dtype)

    return _tree_map(leaf, result)


@overload
def derivative(
    f: Callable[..., Any],
    order: int = 1,
    argnums: int = 0,
    *,
    holomorphic: bool = False,
    check_holomorphic: bool = False,
    check_pointwise: bool = True,
    has_aux: Literal[False] = False,
) -> Callable[..., _Array]: ...
@overload
def derivative(
    f: Callable[..., Any],
    order: int = 1,
    argnums: int = 0,
    *,
    holomorphic: bool = False,
    check_holomorphic: bool = False,
    check_pointwise: bool = True,
    has_aux: bool,
) -> Callable[..., Any]: ...
def derivative(
    f: Callable[..., Any],
    order: int = 1,
    argnums: int = 0,
    *,
    holomorphic: bool = False,
    check_holomorphic: bool = False,
    check_pointwise: bool = True,
    has_aux: bool = False,
) -> Callable[..., Any]:
    """Elementwise derivative of f with respect to its argument `argnums`.

    `derivative(f)(x)` is f'(x) at every point of x (any shape); `order=2` gives
    f''(x) in the same single pass, through hyper-dual numbers. A complex output of a
    real x is fine (d/dx of expm(1j*x*H)).

    Complex x needs holomorphic=True, the promise that f is complex-differentiable:
    the result is then f'(z) (f''(z)). check_holomorphic=True checks the promise:
    it also differentiates along the imaginary direction and raises ValueError where
    the Wirtinger derivative df/dz-bar is not zero to rounding (see wirtinger).

    f must act point by point (each output element depends on the input element it
    lines up with, as np.sin, x * y or np.where do): a pass seeded with 1 everywhere
    gives J @ 1, which is f' only then. An f built by numpy's elementwise functions
    alone (the table's ufuncs on arrays of x's shape, with numbers and constants) is
    pointwise by construction, which the pass sees; any other f runs again with a
    probe direction (one more part), and an f that mixes points (np.cumsum,
    x - x.mean(), np.sort, x[::-1]) raises ValueError; use jacobian for those. Later
    calls of the same code run the probed pass at once. check_pointwise=False skips
    both (your promise that f is pointwise: a mixing f then gives J @ 1 silently).

    Parameters
    ----------
    f : callable
        A function acting point by point, written with numpy.
    order : int, default 1
        1 for f', 2 for f''; 3 and above through Taylor arrays (hyperdiff.taylor).
    argnums : int, default 0
        The positional argument to differentiate.
    holomorphic, check_holomorphic, check_pointwise : bool
        As described above.
    has_aux : bool, default False
        f returns (output, aux); the call then gives (derivative, aux).

    Returns
    -------
    callable
        Taking f's arguments and giving the derivative of the given order at every
        point, shaped like f's output.

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> x = np.array([0.5, 1.0, 2.0])
    >>> hd.derivative(lambda x: x**3)(x)           # 3 x^2
    array([ 0.75,  3.  , 12.  ])
    >>> hd.derivative(lambda x: x**3, order=2)(x)  # 6 x
    array([ 3.,  6., 12.])
    >>> np.allclose(hd.derivative(np.sin, order=2)(x), -np.sin(x))
    True
    """
    if has_aux:
        return _with_aux(
            f,
            "derivative",
            lambda g: derivative(
                g,
                order,
                argnums,
                holomorphic=holomorphic,
                check_holomorphic=check_holomorphic,
                check_pointwise=check_pointwise,
            ),
        )
    if isinstance(order, (tuple, list)):  # mixed partials: a bundle of Taylor series
        return EXTENSIONS["mixed_derivative"](f, order, argnums, holomorphic, check_pointwise)
    if isinstance(order, (int, np.integer)) and not isinstance(order, bool) and order >= 3:
        return EXTENSIONS["taylor_derivative"](  # any order: Taylor arrays (_taylor)
            f, int(order), argnums, holomorphic, check_holomorphic, check_pointwise
        )
    if order not in (1, 2):
        raise ValueError(f"order must be a positive integer, not {order!r}")
    if not isinstance(argnums, int):
        raise TypeError("derivative takes one argument index; use jacobian/hessian for several")
    if check_holomorphic and not holomorphic:
        raise ValueError("check_holomorphic=True checks holomorphic=True; pass both")

    def df(*args: Any, **kwargs: Any) -> Any:
        if not -len(args) <= argnums < len(args):
            raise TypeError(
                f"argnums={argnums} but the function got {len(args)} positional arguments"
            )
        outer = _outer_variable(args[argnums])
        x = _variable(
            args[argnums] if outer is None else outer._stack[0], "derivative", holomorphic
        )
        new_args = list(args)
        if check_holomorphic:  # (which checks any f: its ValueError, not refusals)
            _any_function_here()
            derivatives = _wirtinger_pointwise(
                f, new_args, kwargs, (argnums % len(args),), x.dtype, "derivative"
            )
            _check_holomorphic(derivatives)
            if order == 1:  # the same pass: the derivative along the real direction
                return _tree_map(lambda planes: planes[0], derivatives)
        # No probe where none is needed: one point (nothing to mix; a probe would carry
        # w f' exactly, and T7a's 4x4 expm then runs one block, not two), your promise,
        # or an f that the pass shows pointwise by construction (else the probed pass
        # below runs too, and later calls of f's code go straight to it)
        probe_free = not check_pointwise or x.size == 1
        if probe_free or (outer is None and not _known_mixing(f)):
            # (order 2: value, e and e e, a HyperDualVec(1): three planes, a HyperDual's
            # e1 = e2 twice over in four)
            cls = _seeds(Dual if order == 1 else hyperdualvec_type(1))
            # x + e pending: its planes made block by block where f's fused operations
            # read them; and when the recorded graph is elementwise in it alone, f acts
            # point by point by construction and only the part's plane is computed
            pending = _core.unit_seed(cls, x) if outer is None else None
            parts = (1.0,) if order == 1 else (1.0, 0.0)
            seeded = _seeded_point(cls, x, parts) if pending is None else pending
            new_args[argnums] = _as_passed(
                seeded if outer is None else _nested_seed(seeded, outer, None, True), args[argnums]
            )
            before = _core.pointwise_marks(cls)
            result = f(*new_args, **kwargs)
            if type(result) is cls and outer is None:
                plane = _core.elementwise_plane(result, seeded, cls._planes - 1)
                if plane is not None:
                    if holomorphic:
                        _complex_outputs([plane], "derivative", first=0)
                    return plane
            if not probe_free:
                probe_free = _built_pointwise(cls, before, result)
                if not probe_free:
                    _note_mixing(f)
                    del result, seeded
                    new_args[argnums] = args[argnums]
        if probe_free:
            if holomorphic:
                _complex_outputs(_all_output_planes(result, cls, x.dtype), "derivative")
            if check_pointwise and x.ndim:  # (a scalar's shape broadcasts to any)
                for r in _tree_leaves(result):
                    if _varies(r, cls):
                        _check_point_shapes("derivative", x.shape, r.shape)
            return _parts(result, cls, seeded)
        # the first direction along 1 (f'; order 2: f'' in e12), the second the probe:
        # a pointwise f gives it w f'. Order 1 is first order, a DualVec(2) (3 planes,
        # faster than a hyper-dual's 4), so transforms nest around or in it
        # planes 1, e, probe; order 2: e e (f''), and e probe, probe probe (w f'', w^2 f'')
        cls = _seeds(dualvec_type(2) if order == 1 else probed_hyperdualvec_type(1))

        def run(weights: np.ndarray) -> Any:
            parts = (1.0, weights) if order == 1 else (1.0, weights, 0.0, 0.0, 0.0)
            seeded = _seeded_point(cls, x, parts)
            new_args[argnums] = _as_passed(
                seeded if outer is None else _nested_seed(seeded, outer, None, True), args[argnums]
            )
            return f(*new_args, **kwargs)

        result, weights, rounding, recheck = _probed_pass(run, cls, x.shape, x.dtype)

        def leaf(r: Any) -> Any:  # an array (a dual array of an outer kind when nested)
            planes = _output_planes(r, cls, x.dtype)
            if holomorphic:
                _complex_outputs([planes], "derivative")
            if not _varies(r, cls):
                # a constant output: zero derivative at every point of the input
                shape = np.broadcast_shapes(planes.shape[1:], x.shape)
                return np.zeros(shape, dtype=planes.dtype)
            shape = x.shape
            checks: list[tuple[np.ndarray, np.ndarray, bool, Any]] = [
                (planes[1:2], planes[2], False, None)
            ]
            if order == 2:
                # f'' w in the (e, probe) plane: a function mixing points only at second
                # order (x + (sum(x) - s)^2 where sum(x) = s) passes the first check
                checks += [
                    (planes[3:4], planes[4], True, None),
                    (planes[4:5], planes[5], True, planes[3]),
                ]
            for parts, probe, finite_only, magnitude in checks:
                _check_pointwise(
                    "derivative", parts, probe, weights, shape, finite_only, rounding, None,
                    magnitude, recheck,
                )  # fmt: skip
            if order == 1:
                return planes[1].copy()
            return planes[3].copy()

        return _tree_map(leaf, result)

    name = getattr(f, "__name__", "f")
    doc = f"d^{order}/dx^{order} of {name}, elementwise."
    return _named(df, "derivative", f, doc, pointwise=argnums)


# --- complex inputs: Wirtinger derivatives --------------------------------------------------
def _complexified(args: tuple[Any, ...], nums: tuple[int, ...]) -> list[Any]:
    """The arguments with those at nums as complex arrays (real ones converted)."""
    new = list(args)
    for i in nums:
        # (an enclosing transform's variable stays one: the passes seed it in the product)
        outer = _outer_variable(args[i])
        x: Any = _variable(args[i], "wirtinger", None) if outer is None else outer
        new[i] = x if x.dtype.kind == "c" else x.astype(np.result_type(x.dtype, np.complex64))
    return new


def _wirtinger_pointwise(
    f: Callable[..., Any],
    args: list[Any],
    kwargs: dict[str, Any],
    nums: tuple[int, ...],
    dtype: np.dtype,
    where: str,
) -> Any:
    """One pass of DualVec(2 count) over the broadcast inputs at nums: per output leaf
    the planes (count reals, then count imaginaries) of the derivatives along the real
    and the imaginary direction of each input, point by point. Without a probe when the
    pass shows f pointwise by construction (see _built_pointwise), else one more
    direction, the pointwise probe (real, on every input)."""
    count = len(nums)
    outer = [_outer_variable(args[i]) for i in nums]  # (nested: an enclosing variable)
    values = [args[i] if o is None else o._stack[0] for i, o in zip(nums, outer, strict=True)]
    shape = np.broadcast_shapes(*(np.shape(x) for x in values))
    probe = any(o is not None for o in outer) or _known_mixing(f)

    def run(
        probe: bool, bundled: bool = False
    ) -> tuple[type[DualArray], Any, np.ndarray | None, tuple[int, int, int]]:
        cls = _seeds(dualvec_type(2 * count + probe))
        weights = None
        if probe:
            weights = (_bundle_probe_weights if bundled else _probe_weights)(shape, dtype)
        new = list(args)
        seeds = []
        for r in range(count):
            data = np.zeros((cls._planes, *shape), dtype=dtype)
            data[0] = values[r]
            data[1 + r] = 1
            data[1 + count + r] = 1j
            if weights is not None:
                data[-1] = weights
            seeds.append(cls._wrap(data))
        for i, seeded in zip(nums, _pointwise_seeds(seeds, list(outer)), strict=True):
            new[i] = _as_passed(seeded, args[i])
        before = _core.pointwise_marks(cls)
        return cls, f(*new, **kwargs), weights, before

    reads = BundleReads.count
    cls, out, weights, before = run(probe)
    if not probe and not _built_pointwise(cls, before, out):
        _note_mixing(f)
        del out
        reads = BundleReads.count
        cls, out, weights, before = run(True)
    rounding = 0 if weights is None else _bundled(reads, out, cls)
    if rounding:  # read out of a bundle: the probe near 1 (_probed_pass)
        del out
        reads = BundleReads.count
        cls, out, weights, before = run(True, True)
        rounding = max(rounding, _bundled(reads, out, cls))

    def leaf(output: Any) -> np.ndarray:
        if not _varies(output, cls):
            zeros: np.ndarray = _constant_planes(output, cls, dtype, shape)
            return zeros[1:] if weights is None else zeros[1:-1]
        planes = _output_planes(output, cls, dtype)
        if weights is None:
            return planes[1:].copy()
        _check_pointwise(where, planes[1 : 1 + count], planes[-1], weights, shape, False, rounding)
        return planes[1:-1].copy()

    return _tree_map(leaf, out)


def _half_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a + b)/2, as a/2 + b/2 where a + b overflows and the mean does not (wirtinger's
    df/dz of exp at 709.5 was inf, (d_x + i d_y) twice exp(709.5) = 1.35e308)."""
    with np.errstate(over="ignore", invalid="ignore"):
        mean = np.asarray((a + b) / 2)
        over = np.isinf(mean) & np.isfinite(a) & np.isfinite(b)
        if over.any():
            halves = np.asarray(a / 2 + b / 2)
            mean = np.where(over, halves, mean)
    return mean


def _marked_pointwise(
    f: Callable[..., Any],
    args: list[Any],
    kwargs: dict[str, Any],
    nums: tuple[int, ...],
    dtype: np.dtype,
) -> list[np.ndarray] | None:
    """wirtinger(elementwise=True)'s third pass: per output leaf the derivatives along
    the real direction of each input (count planes), point by point, its variables
    holding holomorphic=True's mark (a function that is not holomorphic gives nan parts
    there); f is pointwise (its first pass judged that). None where f's variables meet
    an enclosing transform's (their products refuse the mark)."""
    count = len(nums)
    if any(_outer_variable(args[i]) is not None for i in nums):
        return None
    shape = np.broadcast_shapes(*(np.shape(args[i]) for i in nums))
    cls = _seeds(dualvec_type(count))
    new = list(args)
    for r, i in enumerate(nums):
        data = np.zeros((cls._planes, *shape), dtype=dtype)
        data[0] = args[i]
        data[1 + r] = 1
        new[i] = _as_passed(cls._wrap(data), args[i])
    depth = _core.transform_depth()
    HOLOMORPHIC.add((get_ident(), depth))
    try:
        out = f(*new, **kwargs)
        return [
            _output_planes(leaf, cls, dtype)[1:] if _varies(leaf, cls) else np.zeros(1)
            for leaf in _tree_leaves(out)
        ]
    finally:
        _any_function_here()


def _check_holomorphic(derivatives: Any) -> None:
    """ValueError unless df/dz-bar = (d_x + i d_y)/2 vanishes to rounding: relative to
    |d_x| + |d_y|, within the square root of the dtype's epsilon (rounding differs
    between the two directions by a few ulps; a non-holomorphic f is off by O(1))."""
    for planes in _tree_leaves(derivatives):
        # the values (nested: dual arrays of the outer kind, whose np.abs would count as
        # a call of abs on its variables, blamed for nan parts of f's own)
        d_x, d_y = _primal(planes[0]), _primal(planes[1])
        tolerance = np.sqrt(np.finfo(d_x.dtype).eps)
        with np.errstate(invalid="ignore", over="ignore"):
            d_conj = np.abs(d_x + 1j * d_y) / 2
            bad = d_conj > tolerance * (np.abs(d_x) + np.abs(d_y)) / 2
        if np.any(bad):
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"the function is not holomorphic at {int(bad.sum())} of {bad.size} points "
                f"(first at index {first}: df/dz-bar = {(d_x + 1j * d_y)[first] / 2}, "
                f"df/dz = {(d_x - 1j * d_y)[first] / 2}); use hyperdiff.wirtinger"
            )


@overload
def wirtinger(
    f: Callable[..., Any],
    argnums: int = 0,
    *,
    elementwise: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., tuple[_Array, _Array]]: ...
@overload
def wirtinger(
    f: Callable[..., Any],
    argnums: Sequence[int],
    *,
    elementwise: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., tuple[tuple[_Array, ...], tuple[_Array, ...]]]: ...
def wirtinger(
    f: Callable[..., Any],
    argnums: ArgNums = 0,
    *,
    elementwise: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """The Wirtinger derivatives (df/dz, df/dz-bar) of any f of complex inputs.

    From the derivatives along the real and the imaginary direction of each input,
    df/dz = (d_x - i d_y)/2 and df/dz-bar = (d_x + i d_y)/2: exact for functions
    that are not holomorphic (abs, conj, angle, real, imag); df/dz-bar = 0 exactly
    when f is holomorphic. Real inputs are taken as complex.

    Shaped like jacobian (out.shape + in.shape, a tuple of blocks for a tuple argnums),
    each of df/dz and df/dz-bar; elementwise=True gives per-point derivatives of a
    pointwise f in one pass.

    Parameters
    ----------
    f : callable
        A function of complex arrays written with numpy.
    argnums : int or tuple of int, default 0
        The positional argument(s) to differentiate.
    elementwise : bool, default False
        f acts point by point: per-point derivatives, of the output's shape.
    chunk_size : int, optional
        Partials per pass (see jacobian).

    Returns
    -------
    callable
        Taking f's arguments and giving the pair (df/dz, df/dz-bar), each shaped like
        jacobian's result (like the output with elementwise=True).

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> z = np.array([1.0 + 2.0j, -0.5j])
    >>> hd.wirtinger(lambda z: z * np.conj(z), elementwise=True)(z)  # (conj z, z)
    (array([1.-2.j , 0.+0.5j]), array([1.+2.j , 0.-0.5j]))
    """
    _checked_argnums(argnums, "wirtinger")

    def pair(
        d_x: np.ndarray, d_y: np.ndarray, holomorphic: Callable[[], list[np.ndarray]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        # component by component: numpy's complex products and quotients (1j d_y, / 2)
        # make 0 inf of a finite part's partner (exp's df/dz at 709.9 + 0.1i was
        # inf + nan i, its d_x inf + 2e307i and d_y -2e307 + inf i)
        kind = None
        if isinstance(d_x, DualArray) and type(d_x) is type(d_y):  # nested: on the planes
            kind, d_x, d_y = type(d_x), d_x._stack, d_y._stack
        elif not (isinstance(d_x, np.ndarray) and isinstance(d_y, np.ndarray)):
            return (d_x - 1j * d_y) / 2, (d_x + 1j * d_y) / 2
        sides = []
        for sign in (1, -1):  # (d_x - i d_y)/2, (d_x + i d_y)/2
            dtype = np.result_type(d_x, d_y, 1j)
            side = np.empty(np.broadcast_shapes(d_x.shape, d_y.shape), dtype)
            side.real = _half_sum(d_x.real, sign * d_y.imag)
            side.imag = _half_sum(d_x.imag, -sign * d_y.real)
            sides.append(side)
        if kind is None and holomorphic is not None:
            # df/dz-bar's inf - inf where d_x, d_y overflow: exp at 709.9 + 0.1i has
            # d_x = inf + 2e307i, d_y = -2e307 + inf i, and df/dz-bar = 0 (nan by
            # the sum). Where the outputs of a pass holding holomorphic=True's mark
            # have no nan parts, only complex-differentiable functions made them (the
            # others' parts are nan there), so d_y = i d_x exactly: df/dz-bar = 0 and
            # df/dz = d_x. The pass runs only where such a nan appeared.
            lost = np.isnan(sides[1]) & ~np.isnan(d_x) & ~np.isnan(d_y)
            if lost.any():
                marked = holomorphic()
                if marked:
                    lost &= ~np.isnan(marked[0])
                    sides[0][lost] = np.broadcast_to(d_x, lost.shape)[lost]
                    sides[1][lost] = 0
        if kind is not None:
            return kind._wrap(sides[0]), kind._wrap(sides[1])
        return sides[0], sides[1]

    def per_point(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "wirtinger")
        new = _complexified(args, nums)
        dtype = np.result_type(*(new[i].dtype for i in nums))
        derivatives = _wirtinger_pointwise(f, new, kwargs, nums, dtype, "wirtinger")
        count = len(nums)
        marked: list[Any] = []

        def holomorphic(q: int) -> Callable[[], list[np.ndarray]]:
            def parts() -> list[np.ndarray]:
                if not marked:
                    marked.append(_marked_pointwise(f, new, kwargs, nums, dtype))
                return [] if marked[0] is None else [marked[0][q]]

            return parts

        leaves = [
            pair(p[:count], p[count:], holomorphic(q))
            for q, p in enumerate(_tree_leaves(derivatives))
        ]
        return tuple(
            _rebuild(derivatives, [_structured(argnums, list(w[side])) for w in leaves])
            for side in (0, 1)
        )

    def full(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "wirtinger")
        new = tuple(_complexified(args, nums))
        _, v, out, real_jacobians = _jacobian_pass(
            f, new, kwargs, argnums, chunk_size, "wirtinger", None, want_values=False
        )
        *_, imaginary_jacobians = _jacobian_pass(
            f, new, kwargs, argnums, chunk_size, "wirtinger", None, 1j, want_values=False
        )
        marked: list[Any] = []

        def holomorphic(q: int) -> Callable[[], list[np.ndarray]]:
            def parts() -> list[np.ndarray]:
                if not marked:
                    try:
                        *_, jacobians = _jacobian_pass(
                            f, new, kwargs, argnums, chunk_size, "wirtinger", None,
                            want_values=False, marked=True,
                        )  # fmt: skip
                        marked.append(jacobians)
                    except TypeError:  # a product with an inner transform's: no judgement
                        marked.append(None)
                    finally:
                        _any_function_here()
                return [] if marked[0] is None else [marked[0][q]]

            return parts

        leaves = [
            pair(j_x, j_y, holomorphic(q))
            for q, (j_x, j_y) in enumerate(zip(real_jacobians, imaginary_jacobians, strict=True))
        ]
        return tuple(
            _rebuild(out, [_structured(argnums, v.split(w[side])) for w in leaves])
            for side in (0, 1)
        )

    return _named(per_point if elementwise else full, "wirtinger", f)
