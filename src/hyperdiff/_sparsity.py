"""Sparse Jacobians and Hessians: sparsity detection, coloring, compressed passes.

Detection runs f on a *tracer*: an array type that carries, per element, the set of
inputs it depends on (a boolean CSR matrix: rows = elements in C order, columns =
inputs) instead of numbers, through numpy's protocols:
- elementwise functions keep the set, binary ones unite (with broadcasting), a
  function with derivative 0 (floor, sign, comparisons) empties it;
- indexing, reshaping, concatenating, ... move rows (`_MOVES`: the function applied
  to arrays of element numbers says where each row goes);
- reductions, matmul, einsum, ... unite along the contracted axes (a constant
  operand's zeros are structural: L @ x with a stencil matrix L keeps its pattern);
- linear algebra (solve, inv, det, ...) is dense within each matrix of a stack (numpy's
  (..., M, N)), the matrices apart.

Second order (Hessian patterns of a scalar f) adds *events*: every nonlinear step at
an element (sin(u), u*v, u/v, ...) is an event whose pairs are the cross product of
its operands' sets (u x u for sin, u x v for a product); an element carries the set
of events it depends on, exactly as it carries inputs (a second CSR matrix whose
columns are the events). The Hessian pattern is the union of the pairs of the events
the output reaches: H_f = sum_e (df/dy_e) * (local second derivative at e).

A global pattern holds for every input, so branching on values (`if x[0] > 0`) is
impossible and raises; `local=True` carries the values as well, follows the branches
taken at that point (and max/min/where select by value), and gives the pattern there.

Coloring: columns j, k of a Jacobian may share a color when no row has both. One
DualVec(c) pass seeded with the c color sums gives every nonzero directly:
J[i, j] = (J S)[i, color(j)]. Hessians of partially separable functions
f = sum_t f_t(x_{S_t}) (Rosenbrock, least squares r @ r) keep the terms f_t
apart: one HyperDualVec(c) pass, colors distinct within each term's variables, and
H[i, j] = sum_t h_t[color(i), color(j)] over the terms holding i and j: O(n) work for
c small, forward mode only (np.sum/mean of an array, a . b by @, dot, vdot, inner
or einsum("ij,ij->"), weighted by a constant, scaled and added). Any other sparse
Hessian (no sum of terms as the trace sees it: a cumulative sum's last element, a
reduction along an axis) is read off H S for a star
coloring (color_star, direct recovery): HyperDualVec(k, c) passes over k rows of H
at a time, n (1 + c) planes in all against the dense Hessian's n (n + 1) / 2 (forward
mode's H S costs a gradient's n planes per color, so this is not O(n)).

Plans go stale when what f reads besides its arguments changes its pattern (a global,
a matrix it closes over). So each pass carries one more direction, a probe w (uniform
in [1, 2), distinct), and its part J w (each term's w^T H_t w, a star coloring's rows
of H w) is compared with the same product of the recovered matrix (_mismatch: to the
rounding of a sum, 64 eps of a row's |J| w). A mismatch: the pattern is detected again, the plan
rebuilt and the result recomputed; if the fresh plan fails as well, ValueError
(check_sparsity=False: no probe).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import itertools
import math
import operator
import string
import sys
import threading
import time
import types
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from . import _core, _transforms
from ._arrays import (
    _NUMPY_SCALAR_CASTS,
    DualArray,
    FlatIterator,
    _ComponentCast,
    _scipy_linalg_refusal,
    add_object_loop_methods,
    is_spmatrix,
    item_of,
    matrix_star_refusal,
    scipy_sparse_declines,
    scipy_sparse_matrix,
    sparse_operand_refusal,
    sparse_scalar_refusal,
)
from ._construction import _meshgrid
from ._numeric import _apply_along_axis, _piecewise, quantile_layout
from ._shapes import _arrangement
from ._ufuncs import BINARY, UNARY, VALUE_ONLY, ufunc_name

__all__ = [
    "color_columns",
    "color_star",
    "hessian_sparsity",
    "jacobian_sparsity",
    "sparse_hessian",
    "sparse_jacobian",
]


def _sp() -> Any:
    import scipy.sparse  # optional dependency: only sparse transforms need it

    return scipy.sparse


# --- boolean CSR helpers ----------------------------------------------------------------
def _empty(rows: int, cols: int) -> Any:
    return _sp().csr_matrix((rows, cols), dtype=bool)


def _widen(m: Any, cols: int) -> Any:
    """m with more columns (events are numbered as they appear)."""
    if m.shape[1] == cols:
        return m
    return _sp().csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], cols))


def _union(a: Any, b: Any) -> Any:
    if a.nnz == 0:
        return b
    if b.nnz == 0:
        return a
    cols = max(a.shape[1], b.shape[1])
    return _widen(a, cols) + _widen(b, cols)


class _Union:
    """Non-empty sets united when read (items): a loop's running total (total = total +
    r[i] ** 2) unites its set with each term's, which as frozensets copies the
    total's at every step (0.6 s of a trace at n = 3000)."""

    __slots__ = ("_items", "parts", "size")

    def __init__(self, parts: list[_Set]) -> None:
        self.parts: tuple[_Set, ...] = tuple(parts)
        self.size = sum(len(p) for p in parts)  # (at least the union's)
        self._items: frozenset[int] | None = None

    def __len__(self) -> int:
        return self.size

    def items(self) -> frozenset[int]:
        """The union, formed once (its parts walked as a loop: chains are deep)."""
        if self._items is None:
            out: set[int] = set()
            stack = list(self.parts)
            while stack:
                part = stack.pop()
                if isinstance(part, _Union) and part._items is None:
                    stack.extend(part.parts)
                else:
                    out |= _items(part)
            self._items, self.parts = frozenset(out), ()
            self.size = len(self._items)
        return self._items


_Set = frozenset[int] | _Union


def _items(s: _Set) -> frozenset[int]:
    return s.items() if isinstance(s, _Union) else s


def _unite(sets: list[_Set]) -> _Set:
    """The union of sets: small ones at once, larger ones when read (_Union)."""
    parts = [p for p in sets if len(p)]
    if len(parts) <= 1:
        return parts[0] if parts else frozenset()
    if sum(len(p) for p in parts) <= 64:
        return frozenset().union(*(_items(p) for p in parts))
    return _Union(parts)


def _set_row(items: _Set, cols: int) -> Any:
    """The set as a one-row matrix of `cols` columns."""
    if not len(items):
        return _empty(1, cols)
    indices = np.array(sorted(_items(items)), dtype=np.int64)
    indptr = np.array([0, len(indices)], dtype=np.int64)
    return _sp().csr_matrix((np.ones(len(indices), dtype=bool), indices, indptr), (1, cols))


def _set_rows(sets: list[_Set], cols: int) -> Any:
    """The sets as the rows of a matrix of `cols` columns."""
    items = [sorted(_items(s)) for s in sets]
    indptr = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in items], out=indptr[1:])
    indices = np.fromiter(itertools.chain.from_iterable(items), dtype=np.int64, count=indptr[-1])
    data = np.ones(len(indices), dtype=bool)
    return _sp().csr_matrix((data, indices, indptr), shape=(len(items), cols))


def _row_set(m: Any, i: int) -> frozenset[int]:
    """Row i of a matrix as a set (its nonzeros: entries stored as zeros are none)."""
    begin, end = int(m.indptr[i]), int(m.indptr[i + 1])
    indices, data = m.indices[begin:end], m.data[begin:end]
    return frozenset((indices if data.all() else indices[data != 0]).tolist())


def _rows(m: Any, index: np.ndarray | None) -> Any:
    """Rows `index` of m (None: all of them, unchanged)."""
    if index is None:
        return m
    if m.nnz == 0:
        return _empty(len(index), m.shape[1])
    return m[index]


def _connect(out: np.ndarray, inp: np.ndarray, rows: int, cols: int) -> Any:
    """The boolean matrix (rows, cols) with ones at (out[k], inp[k])."""
    data = np.ones(len(out), dtype=bool)
    m = _sp().csr_matrix((data, (out, inp)), shape=(rows, cols))
    m.sum_duplicates()
    m.data[:] = True
    return m


def _through(c: Any, m: Any) -> Any:
    """Rows of c @ m as sets: row i the union of m's rows j with c[i, j]."""
    if m.nnz == 0 or c.nnz == 0:
        return _empty(c.shape[0], m.shape[1])
    return (c @ m).astype(bool)


# --- the trace: what all tracers of one detection run share ---------------------------------
_BRANCH = (
    "sparsity detection: the function branches on a traced value ({what}); a global "
    "pattern holds for every input, so it cannot. Use the local pattern at a point, "
    "hd.jacobian_sparsity(f, local=True)(x) (or hessian_sparsity), and pass it as "
    "sparsity=pattern while the branches taken stay the same"
)


class _Trace:
    """Inputs n, whether events (second order) are kept, whether values are carried
    (local pattern), the events so far, and whether full sums stay terms (Hessian
    plans)."""

    def __init__(self, n: int, second: bool, local: bool, terms: bool = False) -> None:
        self.n = n
        self.second = second
        self.local = local
        self.terms = terms
        # a custom_jvp function was met: its rule, not its body, is the derivative, so
        # it counts as dense in its inputs, and a Hessian plan does not keep terms
        self.custom = False
        # an array a full sum kept as terms was written after the sum (r = x**2;
        # s = np.sum(r); r[0] = ...): the sum is of the array before, which a pass's
        # terms (holding the array) would not see: no term scheme then
        self.held_written = False
        # a complex number was met (a constant, astype): traced arrays may be complex
        # from then on, so np.imag is no zero and |z| no piecewise linear function
        self.complex = False
        self.events = 0
        # batches (first event, A, B): event first + r pairs A[r] x B[r] (and B x A)
        self.batches: list[tuple[int, Any, Any]] = []
        # events of one element's sets (new_event): event -> (A, B)
        self.set_events: dict[int, tuple[_Set, _Set]] = {}

    def new_events(self, a: Any, b: Any) -> Any:
        """Events for each row whose sets a, b are both non-empty; their rows (a CSR
        of width self.events)."""
        size = a.shape[0]
        live = np.flatnonzero((np.diff(a.indptr) > 0) & (np.diff(b.indptr) > 0))
        first = self.events
        self.events += len(live)
        if len(live):
            self.batches.append((first, a[live], b[live]))
        indptr = np.zeros(size + 1, dtype=np.int64)
        indptr[live + 1] = 1
        np.cumsum(indptr, out=indptr)
        cols = np.arange(first, first + len(live), dtype=np.int64)
        data = np.ones(len(live), dtype=bool)
        return _sp().csr_matrix((data, cols, indptr), shape=(size, self.events))

    def new_event(self, a: _Set, b: _Set) -> frozenset[int]:
        """new_events for one element's sets: its event, if a and b are non-empty."""
        if not (len(a) and len(b)):
            return frozenset()
        event = self.events
        self.events += 1
        self.set_events[event] = (a, b)
        return frozenset((event,))

    def pairs(self, reached: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(owner, i, j) for the pairs of the events `reached[k]` (owner k), i <= j."""
        owners, rows, cols = [], [], []
        reached = np.asarray(reached, dtype=np.int64)
        for k, event in enumerate(reached.tolist()):
            sets = self.set_events.get(event)
            if sets is None:
                continue
            a, b = (np.fromiter(_items(x), dtype=np.int64) for x in sets)
            i, j = np.repeat(a, len(b)), np.broadcast_to(b, (len(a), len(b))).ravel()
            owners.append(np.full(len(i), k, dtype=np.int64))
            rows.append(np.minimum(i, j))
            cols.append(np.maximum(i, j))
        ev_owner = np.arange(len(reached), dtype=np.int64)
        for first, a, b in self.batches:
            sel = (reached >= first) & (reached < first + a.shape[0])
            if not sel.any():
                continue
            local, owner = reached[sel] - first, ev_owner[sel]
            ra, rb = a[local], b[local]
            ca, cb = np.diff(ra.indptr), np.diff(rb.indptr)
            counts = ca * cb
            total = int(counts.sum())
            pos = np.arange(total, dtype=np.int64)
            start = np.repeat(np.cumsum(counts) - counts, counts)
            row = np.repeat(np.arange(len(local)), counts)
            k = pos - start
            cbr = cb[row]
            i = ra.indices[ra.indptr[row] + k // cbr].astype(np.int64)
            j = rb.indices[rb.indptr[row] + k % cbr].astype(np.int64)
            owners.append(owner[row])
            rows.append(np.minimum(i, j))
            cols.append(np.maximum(i, j))
        if not owners:
            e = np.zeros(0, dtype=np.int64)
            return e, e, e
        return np.concatenate(owners), np.concatenate(rows), np.concatenate(cols)


# --- the tracer -----------------------------------------------------------------------
class SparsityTracer:
    """An array of dependency sets (first order, and events for second order), with the
    values too for a local pattern. Made by jacobian_sparsity / hessian_sparsity."""

    __slots__ = (
        "__weakref__",
        "_base",
        "_gm",
        "_gs",
        "_held",
        "_hm",
        "_hs",
        "_ids",
        "_pending",
        "_plain",
        "_row_terms",
        "_shape",
        "_stale",
        "_trace",
        "_value",
        "_views",
    )
    __array_priority__ = 200
    _gm: Any  # the sets as matrices (_g, _h), or
    _hm: Any
    _gs: _Set | None  # as sets, for one element
    _hs: _Set | None
    # elements written one at a time (r[i] = ... in a loop), not yet in the matrices:
    # {i: (its g, its h)}, merged at the next read of _g or _h (_merge_writes)
    _pending: dict[int, tuple[_Set, _Set]] | None

    def __init__(self, trace: _Trace, shape: tuple[int, ...], g: Any, h: Any, value: Any) -> None:
        self._pending = None
        self._trace = trace
        self._shape = tuple(int(s) for s in shape)
        self._g = g
        self._h = h
        self._value = value
        # a value a dual array would give as a plain array (a comparison, and what is
        # computed from plain ones alone): a full sum of it is no term of a Hessian plan
        self._plain = False
        # Tracers hold their sets by value, so numpy's views are kept as copies that
        # know their base: a write through a view by basic index (y = x[::2]; y[...] =)
        # is written into the base too (_ids: the base's elements it shows); a view
        # that missed a write into its base is stale, and using it raises; writes
        # through other views (x.reshape(...)[0] = ...) raise.
        self._base: SparsityTracer | None = None
        self._ids: np.ndarray | None = None
        self._views: list[weakref.ref[SparsityTracer]] = []
        self._stale = False
        self._held = False  # an array a _Terms summed (_held): a write into it is noted
        # rows written a full sum kept as terms, during a term scheme's trace (r[-1] =
        # np.sum(x**2) - 1): {row: the _Terms}, a row dropped by any later write to it
        # (_assigned_term_rows)
        self._row_terms: dict[int, _Terms] = {}

    # --- the sets: rows of CSR matrices (scipy.sparse), or for one element (x[i] in a
    # loop, and numbers computed from such) Python sets, which _one_element_ufunc unites in
    # microseconds where each scipy.sparse operation costs tens of them (a loop's
    # Rosenbrock at n = 1000 took 1.8 s to trace); read as a matrix, a set becomes a
    # one-row CSR (_set_row), after the element writes kept apart are merged
    @property
    def _g(self) -> Any:
        if self._pending:
            self._merge_writes()
        if self._gs is not None:
            self._gm, self._gs = _set_row(self._gs, self._trace.n), None
        return self._gm

    @_g.setter
    def _g(self, value: Any) -> None:
        self._gm, self._gs = value, None

    @property
    def _h(self) -> Any:
        if self._pending:
            self._merge_writes()
        if self._hs is not None:
            self._hm, self._hs = _set_row(self._hs, self._trace.events), None
        return self._hm

    @_h.setter
    def _h(self, value: Any) -> None:
        self._hm, self._hs = value, None

    @classmethod
    def _of_sets(
        cls, trace: _Trace, shape: tuple[int, ...], g: _Set, h: _Set | None
    ) -> SparsityTracer:
        """A tracer of one element whose sets are g and h (None: first order)."""
        out = cls(trace, shape, None, None, None)
        out._gs, out._hs = g, h
        return out

    def _sets(self) -> tuple[_Set, _Set | None]:
        """The sets of a tracer of one element (h None at first order)."""
        if self._pending:
            self._merge_writes()
        g = self._gs if self._gs is not None else _row_set(self._gm, 0)
        if not self._trace.second:
            return g, None
        return g, self._hs if self._hs is not None else _row_set(self._hm, 0)

    def _sharing(self) -> SparsityTracer:
        """A new tracer of this one's shape, sets and value, nothing else."""
        if self._pending:
            self._merge_writes()
        out = SparsityTracer(self._trace, self._shape, None, None, self._value)
        out._gm, out._gs, out._hm, out._hs = self._gm, self._gs, self._hm, self._hs
        return out

    # --- array attributes
    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def size(self) -> int:
        return math.prod(self._shape)

    @property
    def dtype(self) -> np.dtype:
        dtype = self._value.dtype if self._value is not None else np.dtype(np.float64)
        if sys._getframe(1).f_code in _NUMPY_SCALAR_CASTS:
            # numpy's mean/var/std of an object array (np.asarray of a tracer) end with
            # `ret.dtype.type(ret / n)`, a cast no tracer survives: as a dual number's
            return cast("np.dtype", _ComponentCast(dtype))
        return dtype

    @property
    def T(self) -> Any:
        return np.transpose(self)

    def __len__(self) -> int:
        if not self._shape:
            raise TypeError("len() of a 0-d traced array")
        return self._shape[0]

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"SparsityTracer(shape={self._shape}, nnz={self._g.nnz})"

    # --- where a number is demanded
    def __bool__(self) -> bool:
        if self._trace.local and self._value is not None:
            return bool(self._value)
        raise TypeError(_BRANCH.format(what="bool() of a traced array"))

    def __float__(self) -> float:
        raise TypeError(_BRANCH.format(what="float() of a traced array drops its dependencies"))

    def __int__(self) -> int:
        raise TypeError(_BRANCH.format(what="int() of a traced array"))

    def __round__(self, ndigits: int | None = None) -> Any:
        # as a dual number's (numpy's float64): round(x, n) a number of derivative 0;
        # round(x) the int at a point, globally a traced number of derivative 0 (used
        # as an index, it is a branch)
        if ndigits is not None or self._value is None:
            return np.round(self, ndigits or 0)
        return round(self._value.item())

    def __format__(self, spec: str) -> str:
        # f"{loss:.3f}" in f (a print while it runs): the value at a point, none globally
        if self._value is not None and self.ndim == 0:
            return format(self._value.item(), spec)
        return "<traced>" if spec else repr(self)

    def __index__(self) -> int:
        raise TypeError(_BRANCH.format(what="a traced array used as an index"))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # code that calls np.asarray on its inputs (scipy's functions, `x =
        # np.asarray(x)`) gets an object array of 0-d tracers, as a dual array gives
        # one of dual scalars: numpy's object loops run the tracers' own operations,
        # and the array becomes one tracer again wherever it meets one (_admit)
        if scipy_sparse_declines():
            return np.empty((), dtype=object)  # A @ x: x.__rmatmul__ traces it
        refusal = _scipy_linalg_refusal(None if dtype is None else np.dtype(dtype))
        if refusal is not None:  # (scipy.linalg, stats, special: as the dense transforms)
            raise TypeError(refusal)
        if dtype is not None and np.dtype(dtype) == bool:  # (np.piecewise's conditions)
            raise TypeError(_BRANCH.format(what="a traced array converted to booleans"))
        if dtype is not None and np.dtype(dtype) != object:
            raise TypeError(
                f"sparsity detection: converting a traced array to {np.dtype(dtype)} would "
                "drop its dependencies (a function outside numpy's protocols converted it)"
            )
        if copy is False:
            raise ValueError("a traced array cannot be viewed as an ndarray without a copy")
        return _element_tracers(self)

    # --- operators (through the ufuncs)
    def __add__(self, o: Any) -> Any:
        return np.add(self, o)

    def __radd__(self, o: Any) -> Any:
        return np.add(o, self)

    def __sub__(self, o: Any) -> Any:
        return np.subtract(self, o)

    def __rsub__(self, o: Any) -> Any:
        return np.subtract(o, self)

    def __mul__(self, o: Any) -> Any:
        if is_spmatrix(o):  # a scipy.sparse matrix's `*`: its matrix product
            return _sparse_matrix_product(o, self, matrix_first=False, operator="*")
        _refuse_matrix_star(self, o)
        return np.multiply(self, o)

    def __rmul__(self, o: Any) -> Any:
        if is_spmatrix(o):
            return _sparse_matrix_product(o, self, operator="*")
        _refuse_matrix_star(o, self)
        return np.multiply(o, self)

    def __truediv__(self, o: Any) -> Any:
        return np.divide(self, o)

    def __rtruediv__(self, o: Any) -> Any:
        return np.divide(o, self)

    def __pow__(self, o: Any) -> Any:
        return np.power(self, o)

    def __mod__(self, o: Any) -> Any:
        return np.remainder(self, o)

    def __rmod__(self, o: Any) -> Any:
        return np.remainder(o, self)

    def __floordiv__(self, o: Any) -> Any:
        return np.floor_divide(self, o)

    def __rfloordiv__(self, o: Any) -> Any:
        return np.floor_divide(o, self)

    def __divmod__(self, o: Any) -> Any:
        return np.divmod(self, o)

    def __rdivmod__(self, o: Any) -> Any:
        return np.divmod(o, self)

    def __rpow__(self, o: Any) -> Any:
        return np.power(o, self)

    def __matmul__(self, o: Any) -> Any:
        if scipy_sparse_matrix(o):
            return _sparse_matrix_product(o, self, matrix_first=False)
        return np.matmul(self, o)

    def __rmatmul__(self, o: Any) -> Any:
        if scipy_sparse_matrix(o):  # A @ x: scipy declined it (__array__)
            return _sparse_matrix_product(o, self)
        return np.matmul(o, self)

    def __neg__(self) -> Any:
        return np.negative(self)

    # in place, as numpy's (an alias of x sees x += y): the result written into x
    def __iadd__(self, o: Any) -> Any:
        return self._assign(self + o)

    def __isub__(self, o: Any) -> Any:
        return self._assign(self - o)

    def __imul__(self, o: Any) -> Any:
        return self._assign(self * o)

    def __itruediv__(self, o: Any) -> Any:
        return self._assign(self / o)

    def __ifloordiv__(self, o: Any) -> Any:
        return self._assign(self // o)

    def __imod__(self, o: Any) -> Any:
        return self._assign(self % o)

    def __ipow__(self, o: Any) -> Any:
        return self._assign(self**o)

    def __imatmul__(self, o: Any) -> Any:
        return self._assign(self @ o)

    def _assign(self, result: Any) -> Any:
        self[...] = result
        return self

    def _fresh(self, *others: Any) -> None:
        """TypeError if this or another tracer given missed a write into its base."""
        for x in (self, *others):
            if isinstance(x, SparsityTracer) and x._stale:
                raise TypeError(_STALE_VIEW)
            if isinstance(x, (tuple, list)):
                self._fresh(*x)

    def _stale_views(self, written: np.ndarray, keep: SparsityTracer | None = None) -> None:
        """Mark this tracer's live views that show a written element (flat numbers),
        and their own views that do, down the chain (y[1:][::2], y.reshape(...)[0]
        show y's elements through another view: copies, they miss the write too)."""
        for ref in self._views:
            view = ref()
            if view is None or view is keep:
                continue
            if view._ids is None:  # a numpy function's view: all of it, and its views
                shown = np.arange(view.size, dtype=np.int64)
            else:
                shown = np.flatnonzero(np.isin(view._ids, written))
            if shown.size:
                view._stale = True
                view._stale_views(shown)

    def __pos__(self) -> Any:
        return np.positive(self)

    def __abs__(self) -> Any:
        return np.absolute(self)

    def __lt__(self, o: Any) -> Any:
        return np.less(self, o)

    def __le__(self, o: Any) -> Any:
        return np.less_equal(self, o)

    def __gt__(self, o: Any) -> Any:
        return np.greater(self, o)

    def __ge__(self, o: Any) -> Any:
        return np.greater_equal(self, o)

    def __eq__(self, o: Any) -> Any:
        return np.equal(self, o)

    def __ne__(self, o: Any) -> Any:
        return np.not_equal(self, o)

    __hash__ = None  # type: ignore[assignment]

    # --- methods: numpy's functions
    def sum(self, *a: Any, **k: Any) -> Any:
        return np.sum(self, *a, **k)

    def mean(self, *a: Any, **k: Any) -> Any:
        return np.mean(self, *a, **k)

    def prod(self, *a: Any, **k: Any) -> Any:
        return np.prod(self, *a, **k)

    def max(self, *a: Any, **k: Any) -> Any:
        return np.max(self, *a, **k)

    def min(self, *a: Any, **k: Any) -> Any:
        return np.min(self, *a, **k)

    def dot(self, o: Any) -> Any:
        return np.dot(self, o)

    @property
    def real(self) -> Any:
        return np.real(self)

    @property
    def imag(self) -> Any:
        return np.imag(self)

    def conj(self) -> Any:
        return np.conjugate(self)

    def repeat(self, repeats: Any, axis: Any = None) -> Any:
        return np.repeat(self, repeats, axis)

    def take(self, indices: Any, axis: Any = None, **k: Any) -> Any:
        return np.take(self, indices, axis, **k)

    def cumsum(self, axis: Any = None) -> Any:
        return np.cumsum(self, axis)

    def reshape(self, *shape: Any, **k: Any) -> Any:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return np.reshape(self, shape, **k)

    def ravel(self) -> Any:
        return np.ravel(self)

    def flatten(self) -> Any:
        return np.ravel(self)

    @property
    def flat(self) -> Any:
        """numpy's flat iterator, as a dual array's (its elements by C order; a write
        x.flat[i] = v reaches x)."""
        return FlatIterator(cast(Any, self))

    def transpose(self, *axes: Any) -> Any:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return np.transpose(self, axes or None)

    def squeeze(self, axis: Any = None) -> Any:
        return np.squeeze(self, axis)

    def copy(self) -> Any:
        return np.copy(self)

    def clip(self, a_min: Any = None, a_max: Any = None) -> Any:
        return np.clip(self, a_min, a_max)

    def astype(self, dtype: Any, **k: Any) -> Any:
        if np.dtype(dtype).kind not in "fc":
            raise TypeError(
                f"sparsity detection: astype({np.dtype(dtype)}) of a traced array "
                "(an integer or boolean has derivative 0; use np.floor or a comparison)"
            )
        if np.dtype(dtype).kind == "c":
            self._trace.complex = True
        return self

    # the rest of ndarray's methods, as the dual arrays have them (numpy's functions)
    def cumprod(self, *a: Any, **k: Any) -> Any:
        return np.cumprod(self, *a, **k)

    def var(self, *a: Any, **k: Any) -> Any:
        return np.var(self, *a, **k)

    def std(self, *a: Any, **k: Any) -> Any:
        return np.std(self, *a, **k)

    def round(self, decimals: int = 0, out: Any = None) -> Any:
        return np.round(self, decimals, out=out)

    def conjugate(self) -> Any:
        return np.conjugate(self)

    def swapaxes(self, axis1: int, axis2: int) -> Any:
        return np.swapaxes(self, axis1, axis2)

    @property
    def mT(self) -> Any:  # (numpy's name: the matrices transposed)
        return np.swapaxes(self, -1, -2)

    def diagonal(self, *a: Any, **k: Any) -> Any:
        return np.diagonal(self, *a, **k)

    def trace(self, *a: Any, **k: Any) -> Any:
        return np.trace(self, *a, **k)

    def compress(self, condition: Any, axis: Any = None, out: Any = None) -> Any:
        return np.compress(condition, self, axis=axis, out=out)

    def argmax(self, *a: Any, **k: Any) -> Any:
        return np.argmax(self, *a, **k)

    def argmin(self, *a: Any, **k: Any) -> Any:
        return np.argmin(self, *a, **k)

    def argsort(self, *a: Any, **k: Any) -> Any:
        return np.argsort(self, *a, **k)

    def nonzero(self) -> Any:
        return np.nonzero(self)

    def all(self, *a: Any, **k: Any) -> Any:
        return np.all(self, *a, **k)

    def any(self, *a: Any, **k: Any) -> Any:
        return np.any(self, *a, **k)

    def searchsorted(self, v: Any, side: Any = "left", sorter: Any = None) -> Any:
        return np.searchsorted(self, v, side=side, sorter=sorter)

    def sort(self, *a: Any, **k: Any) -> None:
        """In place, as ndarray.sort: the sorted tracer written into self."""
        self[...] = np.sort(self, *a, **k)

    def partition(self, *a: Any, **k: Any) -> None:
        self[...] = np.partition(self, *a, **k)

    def put(self, indices: Any, values: Any, mode: Any = "raise") -> None:
        np.put(self, indices, values, mode=mode)  # type: ignore[arg-type]  # (dispatched)

    def fill(self, value: Any) -> None:
        self[...] = value

    def item(self, *args: Any) -> Any:
        """One element as a 0-d tracer (as a dual array's item gives a 0-d dual array)."""
        return item_of(self, args)

    def tolist(self) -> Any:
        """Nested lists of 0-d tracers (a 0-d tracer gives itself, a copy)."""
        if self.ndim == 0:
            return self.copy()
        return [row.tolist() for row in self]

    # --- indexing
    def __getitem__(self, key: Any) -> Any:
        if _has_tracer(key):
            raise TypeError(_BRANCH.format(what="a traced array used as an index"))
        self._fresh()
        one = self._one_element(key)
        if one is not None:
            return one
        picked = np.arange(self.size, dtype=np.int64).reshape(self._shape)[key]
        ids = np.asarray(picked)
        value = None if self._value is None else np.asarray(self._value[key])
        rows = ids.ravel()
        h = None if self._h is None else _rows(self._h, rows)
        out = SparsityTracer(self._trace, ids.shape, _rows(self._g, rows), h, value)
        # numpy's result is a view, writes through it reach self; but one element by
        # integers is numpy's scalar, a copy (t = y[0]; t //= 2 leaves y as it was)
        if _basic(key) and not isinstance(picked, np.generic):
            _viewing(out, self, rows)
        return out

    def _element_number(self, key: Any) -> int | None:
        """The flat number of the element an index of ints picks (x[i] of a 1-d array,
        u[i, j] of a 2-d one: numpy's scalar, a copy); None for any other key or one
        out of range (numpy's IndexError then)."""
        keys = key if isinstance(key, tuple) else (key,)
        if len(keys) != len(self._shape):
            return None
        number = 0
        for k, size in zip(keys, self._shape, strict=True):
            if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
                return None
            i = int(k)
            if not -size <= i < size:
                return None
            number = number * size + i % size
        return number

    def _one_element(self, key: Any) -> SparsityTracer | None:
        """x[i] (u[i, j], ...: one element by ints) and x[None] of a 0-d tracer, as
        sets (the loop's common case); None for any other key."""
        if self._value is not None:
            return None
        if key is None and self._shape == ():
            out = self._sharing()
            out._shape = (1,)
            return out
        if self.ndim == 0:
            return None
        i = self._element_number(key)
        if i is None:
            return None
        second = self._trace.second
        written = None if self._pending is None else self._pending.get(i)
        if written is not None:
            return SparsityTracer._of_sets(
                self._trace, (), written[0], written[1] if second else None
            )
        g = self._gs if self._gs is not None else _row_set(self._gm, i)
        h: _Set | None = None
        if second:
            h = self._hs if self._hs is not None else _row_set(self._hm, i)
        return SparsityTracer._of_sets(self._trace, (), g, h)

    def _write_one(self, key: Any, item: Any) -> bool:
        """r[i] = item (r[i, j], ...: one element by ints) of a tracer that views
        nothing (no local values), item one element (a tracer or a number): noted in
        _pending, its views marked stale as _write's. Each write through _write
        rebuilds the matrices (O(n): a loop writing a residual of 1000 elements spent
        0.66 s there). False otherwise."""
        if self._value is not None or self.ndim == 0 or self._base is not None:
            return False
        i = self._element_number(key)
        if i is None:
            return False
        if isinstance(item, SparsityTracer):
            if item.size != 1:
                return False
            g, h = item._sets()
        elif isinstance(item, (int, float, np.integer, np.floating)) and not isinstance(item, bool):
            g, h = frozenset(), None
        else:
            return False
        if self._held:
            self._trace.held_written = True
        written = np.array([i], dtype=np.int64)
        if self._row_terms:
            _drop_written(self._row_terms, self.size, written)
        if self._pending is None:
            self._pending = {}
        self._pending[i] = (g, frozenset() if h is None else h)
        self._stale_views(written)
        return True

    def _merge_writes(self) -> None:
        """The pending element writes into the matrices, at once."""
        pending, self._pending = self._pending or {}, None
        rows = np.fromiter(pending, dtype=np.int64, count=len(pending))
        order = np.arange(self.size, dtype=np.int64)
        order[rows] = self.size + np.arange(len(rows))
        sp = _sp()
        trace = self._trace
        written = [_set_rows([g for g, _ in pending.values()], trace.n)]
        self._g = sp.vstack([self._g, *written], format="csr")[order]
        if trace.second:
            cols = trace.events
            written = [_set_rows([h for _, h in pending.values()], cols)]
            self._h = sp.vstack([_widen(self._h, cols), *written], format="csr")[order]

    def __setitem__(self, key: Any, item: Any) -> None:
        if _has_tracer(key):
            raise TypeError(_BRANCH.format(what="a traced array used as an index"))
        self._fresh(item)
        if self._write_one(key, item):
            return
        chain = self
        while chain._base is not None:  # checked before anything is written
            if chain._ids is None:
                raise TypeError(_THROUGH_VIEWS)
            chain = chain._base
        written = np.ravel(np.arange(self.size, dtype=np.int64).reshape(self._shape)[key])
        self._write(key, item)
        self._stale_views(written)
        if (
            isinstance(item, _Terms)
            and self._trace.terms
            and self.ndim == 1
            and self._base is None
            and _one_index(key)
        ):
            self._row_terms[int(written[0])] = item
        view = self
        while view._base is not None:  # numpy's view semantics: the bases see it
            base, ids = view._base, view._ids
            assert ids is not None
            base._write(np.unravel_index(ids, base._shape), view.reshape(-1))
            base._stale_views(ids, keep=view)
            view = base

    def _write(self, key: Any, item: Any) -> None:
        """self[key] = item on the sets (and values)."""
        trace = self._trace
        if self._held:
            trace.held_written = True
        item = _lift(item, trace)
        ids = np.arange(self.size, dtype=np.int64).reshape(self._shape)
        target = ids[key]
        if self._row_terms:
            _drop_written(self._row_terms, self.size, np.ravel(target))
        src = np.broadcast_to(
            np.arange(item.size, dtype=np.int64).reshape(item.shape), np.shape(target)
        ).ravel()
        order = np.arange(self.size, dtype=np.int64)
        order[np.ravel(target)] = self.size + src
        sp = _sp()
        self._g = sp.vstack([self._g, item._g], format="csr")[order]
        if trace.second:
            cols = trace.events
            both = [_widen(self._h, cols), _widen(item._h, cols)]
            self._h = sp.vstack(both, format="csr")[order]
        if self._value is not None:
            value = np.array(self._value, dtype=np.result_type(self._value, item._value))
            value[key] = item._value
            self._value = value

    # --- numpy's protocols
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        _refuse_sparse_operands(ufunc_name(ufunc), inputs)
        inputs = _admit(inputs)
        if any(isinstance(x, _Pending) for x in inputs):
            return NotImplemented  # a sum kept as terms (or its norm): summed first by it
        self._fresh(*inputs)
        _meet_complex(self._trace, inputs)
        return _apply_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func in _ROW_JOINS and self._trace.terms and not self._trace.local:
            rows = _term_rows(func, args, kwargs)
            if rows is not None:
                return rows
        if any(issubclass(t, _Pending) for t in types):
            return NotImplemented
        _refuse_sparse_operands(_function_name(func), (*args, *kwargs.values()))
        args = _admit(args)
        kwargs = dict(zip(kwargs, _admit(tuple(kwargs.values())), strict=True))
        self._fresh(*args, *kwargs.values())
        _meet_complex(self._trace, (*args, *kwargs.values()))
        rule = _FUNCTIONS.get(func)
        if rule is not None:
            result = rule(func, *args, **kwargs)
        elif func in _MOVES:
            result = _move(func, args, kwargs)
        else:
            raise TypeError(f"sparsity detection does not support {_function_name(func)}")
        # (np.diag of a vector: a new matrix, of a matrix: its diagonal, a view)
        if func in _VIEWS and args and not (func is np.diag and np.ndim(args[0]) == 1):
            outs = result if isinstance(result, (list, tuple)) else [result]
            bases = args if func in _PER_ARGUMENT else [args[0]] * len(outs)
            for out, base in zip(outs, bases, strict=False):
                # (np.real of a real array: the array itself, no view of itself)
                if isinstance(out, SparsityTracer) and isinstance(base, SparsityTracer):
                    if out is not base:
                        _viewing(out, base)
        if func is np.einsum and isinstance(result, SparsityTracer):
            base = _einsum_view_of(args, kwargs)
            if base is not None and result is not base:
                _viewing(result, base)
        return result


# numpy functions whose result may be a view of their first argument (writes through it
# reach the argument; a copy counted as a view only refuses a write, never misses one);
# of several arguments, a view of each (a write into one of them makes its view stale)
_VIEWS = {
    np.reshape, np.ravel, np.transpose, np.moveaxis, np.swapaxes, np.rollaxis, np.squeeze,
    np.expand_dims, np.broadcast_to, np.atleast_1d, np.atleast_2d, np.atleast_3d, np.flip,
    np.fliplr, np.flipud, np.rot90, np.diagonal, np.diag, np.asarray, np.asanyarray,
    np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit, np.real, np.imag,
    np.broadcast_arrays, np.ascontiguousarray,
}  # fmt: skip
_PER_ARGUMENT = {np.broadcast_arrays, np.atleast_1d, np.atleast_2d, np.atleast_3d}


def _einsum_view_of(args: Any, kwargs: Any) -> SparsityTracer | None:
    """The operand whose view np.einsum(*args) is, as numpy makes it for one operand
    ('ii->i', 'ij->ji': writes through it reach the operand), else None; numpy's own
    einsum of zeros of its shape says which."""
    if isinstance(args[0], str):
        operands = args[1:]
    else:  # einsum(op0, sublist0, ..., [sublistout])
        operands = args[0:-1:2] if len(args) % 2 else args[0::2]
    if len(operands) != 1 or not isinstance(operands[0], SparsityTracer):
        return None
    base = operands[0]
    probe = np.zeros(base.shape)
    options = {k: v for k, v in kwargs.items() if k == "optimize"}
    call: list[Any] = [probe if a is base else a for a in args]
    result = np.einsum(*call, **options)
    return base if isinstance(result, np.ndarray) and np.shares_memory(result, probe) else None


_THROUGH_VIEWS = (
    "sparsity detection does not follow writes through views made by numpy functions "
    "(x.reshape(...)[0] = ..., x.T[0] = ...): write into x by its own index, or pass the "
    "pattern as sparsity="
)
_STALE_VIEW = (
    "sparsity detection: a view (y = x[::2], x.reshape(...)) used after a write into its "
    "base x that it would show in numpy; take the view after the write, or pass the "
    "pattern as sparsity="
)


def _refuse_matrix_star(a: Any, b: Any) -> None:
    """A TypeError for `*` of a numpy.matrix (its matrix product) and a traced array."""
    refusal = matrix_star_refusal(a, b, "a traced array")
    if refusal is not None:
        raise TypeError(f"sparsity detection: {refusal}")


def _refuse_sparse_operands(name: str, operands: Any) -> None:
    """A TypeError for a scipy.sparse matrix among a numpy function's operands."""
    refusal = sparse_operand_refusal(name, operands, "a traced array")
    if refusal is not None:
        raise TypeError(f"sparsity detection: {refusal}")


def _meet_complex(trace: _Trace, operands: Any) -> None:
    """Note in the trace a complex operand (a number or array; any in a sequence)."""
    for x in operands:
        if isinstance(x, (list, tuple)):
            _meet_complex(trace, x)
        elif not isinstance(x, (SparsityTracer, str)) and np.iscomplexobj(x):
            trace.complex = True


def _viewing(view: SparsityTracer, base: SparsityTracer, ids: np.ndarray | None = None) -> None:
    """view shows base's elements ids (flat; None: numpy's view function, not followed)."""
    view._base, view._ids = base, ids
    base._views = [v for v in base._views if v() is not None]
    base._views.append(weakref.ref(view))


def _basic(key: Any) -> bool:
    """Whether numpy indexes with key by views (integers, slices, ..., None)."""
    items = key if isinstance(key, tuple) else (key,)
    return all(
        k is None or k is Ellipsis or isinstance(k, (slice, int, np.integer)) for k in items
    ) and not any(isinstance(k, bool) for k in items)


def _function_name(func: Any) -> str:
    module = getattr(func, "__module__", None) or "numpy"
    return f"{module}.{getattr(func, '__name__', func)}"


def _has_tracer(x: Any) -> bool:
    if isinstance(x, SparsityTracer):
        return True
    if isinstance(x, (tuple, list)):
        return any(_has_tracer(y) for y in x)
    return False


def _trace_of(*xs: Any) -> _Trace:
    for x in xs:
        if isinstance(x, SparsityTracer):
            return x._trace
        if isinstance(x, (tuple, list)) and _has_tracer(x):  # (np.block's nested lists)
            return _trace_of(*x)
    raise AssertionError("no tracer among the operands")


def _element_tracers(x: SparsityTracer) -> np.ndarray:
    """x as an object array of 0-d tracers, each with its element's sets (and value)."""
    trace = x._trace
    out = np.empty(x.shape, dtype=object)
    flat = out.reshape(-1)
    g = x._g.tocsr()
    h = _widen(x._h, trace.events).tocsr() if trace.second else None
    values = None if x._value is None else np.asarray(x._value).reshape(-1)
    for i in range(x.size):
        flat[i] = SparsityTracer(
            trace, (), g[i : i + 1], None if h is None else h[i : i + 1],
            None if values is None else values[i],
        )  # fmt: skip
    return out


def _from_objects(array: np.ndarray, trace: _Trace) -> SparsityTracer:
    """An object array of 0-d tracers and numbers (np.asarray of a tracer, after
    numpy's object loops) as one tracer, the numbers constants."""
    # (a sum kept as terms: its number, np.asarray(np.sum(x**2)))
    flat = [e.materialize() if isinstance(e, _Pending) else e for e in array.reshape(-1).tolist()]
    for e in flat:
        if isinstance(e, SparsityTracer) and e.ndim:
            raise TypeError(
                "sparsity detection: an object array of traced arrays that are not 0-d; "
                "build one array with np.stack or np.concatenate"
            )
        if not isinstance(e, (SparsityTracer, bool, int, float, complex, np.number)):
            raise TypeError(
                f"sparsity detection: an object array holding {type(e).__name__} among "
                "traced elements"
            )
    rows = [_lift(e, trace) for e in flat]
    sp = _sp()
    g = sp.vstack([r._g for r in rows], format="csr") if rows else _empty(0, trace.n)
    h = None
    if trace.second:
        cols = trace.events
        h = sp.vstack([_widen(r._h, cols) for r in rows], format="csr") if rows else None
        h = _empty(0, cols) if h is None else h
    value = None
    if trace.local:
        value = np.array([_value(r) for r in rows]).reshape(array.shape)
    return SparsityTracer(trace, array.shape, g, h, value)


def _admit(operands: tuple[Any, ...]) -> tuple[Any, ...]:
    """Operands with object arrays (and lists or tuples of operands) that hold tracers
    as tracers: a traced element inside one must not pass for a constant."""

    def admitted(x: Any) -> Any:
        if isinstance(x, np.ndarray) and x.dtype == object:
            tracer = next((e for e in x.flat if isinstance(e, SparsityTracer)), None)
            return x if tracer is None else _from_objects(x, tracer._trace)
        if isinstance(x, (list, tuple)) and x:
            items = [admitted(y) for y in x]
            if any(a is not b for a, b in zip(items, x, strict=True)):
                return type(x)(items)
        return x

    return tuple(admitted(x) for x in operands)


def _lift(x: Any, trace: _Trace) -> SparsityTracer:
    """x as a tracer (a constant: empty sets)."""
    if isinstance(x, SparsityTracer):
        return x
    if isinstance(x, np.ndarray) and x.dtype == object:
        return _from_objects(x, trace)
    if isinstance(x, DualArray):
        raise _nested_error("sparsity detection", type(x))
    if isinstance(x, _Pending):  # (written into a tracer: r[0] = np.sum(x**2))
        return _lift(x.materialize(), trace)
    if scipy_sparse_matrix(x):  # (np.asarray would make it one object, broadcast)
        raise TypeError(
            f"sparsity detection: a scipy.sparse {type(x).__name__} among a numpy "
            "function's operands; its product with a traced array is supported as A @ x"
        )
    value = np.asarray(x)
    h = _empty(value.size, trace.events) if trace.second else None
    return SparsityTracer(trace, value.shape, _empty(value.size, trace.n), h, value)


def _value(x: Any) -> Any:
    return x._value if isinstance(x, SparsityTracer) else x


def _broadcast_index(shape: tuple[int, ...], out: tuple[int, ...]) -> np.ndarray | None:
    """Row of each output element in an operand of `shape` broadcast to `out`."""
    if shape == out:
        return None
    size = int(np.prod(shape, dtype=np.int64))
    return np.broadcast_to(np.arange(size, dtype=np.int64).reshape(shape), out).ravel()


# --- ufuncs ---------------------------------------------------------------------------
_ZERO = frozenset(
    ("sign", "floor", "ceil", "trunc", "rint", "floor_divide", *(u.__name__ for u in VALUE_ONLY))
)
_PIECEWISE_LINEAR = frozenset(
    "negative positive absolute fabs deg2rad radians rad2deg degrees conjugate add "
    "subtract maximum minimum fmax fmin fmod remainder".split()
)
# at a point (local), max/min take the operand that attains them (both at a tie)
_SELECT: dict[str, np.ufunc] = {"maximum": np.greater_equal, "fmax": np.greater_equal}
_SELECT |= {"minimum": np.less_equal, "fmin": np.less_equal}
_KNOWN = frozenset((*(u.__name__ for u in (*UNARY, *BINARY, *VALUE_ONLY)), "conjugate", "copysign"))
# ufuncs whose result on dual arrays is a plain array (comparisons, isnan, ...)
_PLAIN_VALUED = frozenset(u.__name__ for u in VALUE_ONLY)


def _folds(ufunc: np.ufunc, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether ufunc.reduce/accumulate(*inputs, **kwargs) is a differentiable binary
    ufunc's fold over one traced array along axes, with no options beyond those."""
    plain_options = set(kwargs) <= {"axis", "dtype", "keepdims"}
    return (
        ufunc.nin == 2
        and ufunc.nout == 1
        and ufunc.__name__ not in _ZERO
        and not _integral(ufunc)
        and len(inputs) == 1
        and isinstance(inputs[0], SparsityTracer)
        and plain_options
    )


@functools.cache
def _output_kinds(ufunc: np.ufunc) -> str:
    """The dtype kinds of a ufunc's outputs on floats ("" when it has no float loop:
    the pass refuses it, not detection)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (scipy's "truncated to an integer")
        try:
            out = ufunc(*([0.5] * ufunc.nin))
        except Exception:
            return ""
    return "".join(np.asarray(o).dtype.kind for o in (out if ufunc.nout > 1 else (out,)))


def _integral(ufunc: np.ufunc) -> bool:
    """Whether a ufunc outside hyperdiff's tables gives booleans or integers on floats
    (no derivative: a comparison); any other is elementwise, nonlinear."""
    kinds = _output_kinds(ufunc)
    return bool(kinds) and all(k in "biu" for k in kinds)


def _all_plain(inputs: Any) -> bool:
    """Whether every tracer among the operands is plain-valued (and there is one)."""
    tracers = [x for x in inputs if isinstance(x, SparsityTracer)]
    return bool(tracers) and all(x._plain for x in tracers)


def _apply_ufunc(
    ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    name = ufunc.__name__
    if method in ("reduce", "accumulate"):
        kwargs = {"axis": 0, **kwargs}  # (a ufunc's reduce and accumulate: axis 0 unless given)
    if method == "reduce" and name in ("add", "multiply", "maximum", "minimum"):
        func = {"add": np.sum, "multiply": np.prod, "maximum": np.max, "minimum": np.min}[name]
        return _FUNCTIONS[func](func, *inputs, **kwargs)
    if method in ("reduce", "accumulate") and _folds(ufunc, inputs, kwargs):
        # a binary ufunc folded along the axis: each result depends on the elements folded
        # into it, through each other unless the ufunc is linear
        nonlinear = name not in ("add", "subtract")
        if method == "reduce":
            return _reduction(ufunc.reduce, *inputs, **kwargs, nonlinear=nonlinear)
        return _cumulative(ufunc.accumulate, *inputs, **kwargs, nonlinear=nonlinear)
    if name == "matmul" and method == "__call__":
        return _matmul(np.matmul, *inputs, **kwargs)
    if method == "outer" and len(inputs) == 2:
        a, b = inputs
        return ufunc(np.reshape(a, (*np.shape(a), *(1,) * np.ndim(b))), b)
    if method == "at":
        return _ufunc_at(ufunc, *inputs)
    if method == "reduceat":
        return _reduceat(ufunc, *inputs, **kwargs)
    if method != "__call__":
        raise TypeError(f"sparsity detection does not support {ufunc_name(ufunc)}.{method}")
    if kwargs.get("out") is not None or kwargs.get("where", True) is not True:
        return _written(ufunc, inputs, kwargs.get("out"), kwargs.get("where", True))
    if ufunc.signature is not None:  # a gufunc: numpy 2's vector products, as einsum
        spec = _GUFUNC_EINSUM.get(name)
        if name == "vecdot" and set(kwargs) == {"axis"}:  # (the vectors' axis moved last)
            axis = kwargs.pop("axis")
            inputs = tuple(np.moveaxis(x, axis, -1) for x in inputs)
        if spec is None or kwargs:
            raise TypeError(f"sparsity detection does not support {ufunc_name(ufunc)}")
        trace = _trace_of(*inputs)
        if name == "vecdot" and trace.terms and not trace.local:  # (as the pass keeps it)
            terms = _product_terms(*inputs)  # (its conjugate: the same sets)
            if terms is not None:
                return terms
        return np.einsum(spec, *inputs)  # (vecdot's conjugate: the same sets)
    if ufunc.nin != len(inputs):
        raise TypeError(f"sparsity detection does not support {ufunc_name(ufunc)}")
    trace = _trace_of(*inputs)
    if (
        name in ("add", "subtract")
        and not kwargs
        and trace.terms
        and not trace.local
        and not getattr(_TERMS_OFF, "on", False)
        and all(isinstance(x, SparsityTracer) and x.ndim == 0 for x in inputs)
    ):  # (as the pass keeps it: _scalar_sum)

        def summed() -> Any:
            with _no_terms(trace):
                return ufunc(*inputs)

        a, b = inputs
        return _scalar_sum(a, b, 1.0 if name == "add" else -1.0, summed)
    if "c" in _output_kinds(ufunc):  # complex of real operands (hankel1): np.imag no zero
        trace.complex = True
    if not trace.local:
        one = _one_element_ufunc(ufunc, inputs, trace)
        if one is not None:
            return one
    values = [_value(x) for x in inputs]
    value = ufunc(*values) if trace.local else None
    out_shape = np.broadcast_shapes(*(np.shape(x) for x in inputs))
    integral = name not in _KNOWN and _integral(ufunc)
    if name in _ZERO or integral:
        if trace.local:
            return value  # a comparison's or a step's value: no dependency
        size = int(np.prod(out_shape, dtype=np.int64))
        h = _empty(size, trace.events) if trace.second else None
        zero = SparsityTracer(trace, out_shape, _empty(size, trace.n), h, None)
        zero._plain = name in _PLAIN_VALUED or integral or _all_plain(inputs)
        return zero
    ops = [_lift(x, trace) for x in inputs]
    idx = [_broadcast_index(o.shape, out_shape) for o in ops]
    gs = [_rows(o._g, i) for o, i in zip(ops, idx, strict=True)]
    hs = [_rows(o._h, i) for o, i in zip(ops, idx, strict=True)] if trace.second else None
    factors = _factors(name, inputs)
    nonzero = _nonzero_factors(factors, out_shape) if factors else None
    if nonzero is not None:
        gs = [_mask_rows(g, nonzero) for g in gs]
        hs = None if hs is None else [_mask_rows(h, nonzero) for h in hs]
    if len(ops) == 2:
        b_const = ops[1]._g.nnz == 0
        if name == "copysign":  # |a| sign(b): b's derivative is 0
            gs, hs = gs[:1], None if hs is None else hs[:1]
        elif trace.local and name in _SELECT:
            cmp = _SELECT[name]
            va, vb = (np.broadcast_to(v, out_shape).ravel() for v in values)
            take_a, take_b = cmp(va, vb), cmp(vb, va)  # both at a tie
            keep = [np.flatnonzero(take_a), np.flatnonzero(take_b)]
            gs = [_mask_rows(g, k) for g, k in zip(gs, keep, strict=True)]
            if hs is not None:
                hs = [_mask_rows(h, k) for h, k in zip(hs, keep, strict=True)]
        g = _union(gs[0], gs[1]) if len(gs) == 2 else gs[0]
    else:
        b_const = False
        g = gs[0]
    if hs is None:
        return _outputs(ufunc, trace, out_shape, g, None, value)
    if _all_plain(inputs):
        h = _empty(g.shape[0], trace.events)
        out = SparsityTracer(trace, out_shape, g, h, value)
        out._plain = True
        return out
    h = functools.reduce(_union, hs)
    constant = len(inputs) == 2 and not trace.local and not isinstance(inputs[1], SparsityTracer)
    pairing = _pairing(name, trace, b_const, values[1] if constant else None)
    if pairing is not None:
        a, b = (g, g) if pairing == "all" else (gs[0], gs[pairing == "operands"])
        h = _union(h, trace.new_events(a, b))
    return _outputs(ufunc, trace, out_shape, g, h, value)


def _factors(name: str, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """A ufunc's operands whose constant zeros are structural: a product's (as in L @
    x) and a power's exponent (x ** 0 is 1 at every x, nan and inf too)."""
    if name == "multiply":
        return inputs
    return inputs[1:] if name in ("power", "float_power") and len(inputs) == 2 else ()


def _pairing(name: str, trace: _Trace, b_const: bool, exponent: Any) -> str | None:
    """The second-order events a ufunc's result adds (_apply_ufunc's rule, and
    _one_element_ufunc's on sets): None (linear or piecewise linear: none), "operands"
    (x * y pairs x with y), "first" (x ** c with itself) or "all" (everything it reads
    with everything). b_const: the second operand depends on nothing; exponent: a
    constant second operand's value (None: none, or a local trace's)."""
    if name == "absolute" and trace.complex:  # |z| of a complex z: nonlinear
        return "all"
    if name in _PIECEWISE_LINEAR or name == "copysign" or (name == "divide" and b_const):
        return None  # (divide: linear in a)
    if name == "multiply":
        return "operands"
    if name in ("power", "float_power") and b_const and exponent is not None:
        # (a traced exponent of no dependency, floor(x0): any value, 0 and 1 too)
        value = np.asarray(exponent)
        return None if value.size == 1 and float(value.ravel()[0]) in (0.0, 1.0) else "first"
    return "all"  # nonlinear in every operand together (any other ufunc: elementwise)


def _one_element_ufunc(
    ufunc: np.ufunc, inputs: tuple[Any, ...], trace: _Trace
) -> SparsityTracer | None:
    """_apply_ufunc's rules (a global pattern's) for operands of one element each,
    tracers and numbers, on their sets: x[i] ** 2 - x[i + 1] in a loop. None where
    _apply_ufunc's general path is needed (another operand; a function without a
    derivative, a comparison; all operands plain-valued; several outputs)."""
    name = ufunc.__name__
    if ufunc.nout != 1 or name in _ZERO or (name not in _KNOWN and _integral(ufunc)):
        return None
    gs: list[_Set] = []
    hs: list[_Set] = []
    constant: list[Any] = []  # each operand's value if a number, else None
    shapes = []
    plain = True
    for x in inputs:
        if isinstance(x, SparsityTracer):
            if x.size != 1:
                return None
            g, h = x._sets()
            h = frozenset() if h is None else h
            plain = plain and x._plain
            constant.append(None)
            shapes.append(x._shape)
        elif isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
            g, h = frozenset(), frozenset()
            constant.append(x)
            shapes.append(())
        else:
            return None
        gs.append(g)
        hs.append(h)
    if plain:  # (no tracer, or plain-valued ones alone)
        return None
    one = all(len(t) <= 1 for t in shapes)  # ((), (1,): numpy's broadcast_shapes costs 30 us)
    shape = max(shapes, key=len) if one else np.broadcast_shapes(*shapes)
    # a constant factor 0 (x * 0, x ** 0): no dependency (_nonzero_factors)
    if any(c is not None and c == 0 for c in _factors(name, tuple(constant))):
        gs, hs = [frozenset()] * len(gs), [frozenset()] * len(hs)
    if name == "copysign":  # |a| sign(b): b's derivative is 0
        gs, hs = gs[:1], hs[:1]
    g = _unite(gs)
    if not trace.second:
        return SparsityTracer._of_sets(trace, shape, g, None)
    h = _unite(hs)
    b_const = len(gs) == 2 and not len(gs[1])
    pairing = _pairing(name, trace, b_const, constant[1] if len(constant) == 2 else None)
    if pairing is not None:
        a, b = (g, g) if pairing == "all" else (gs[0], gs[pairing == "operands"])
        h = _unite([h, trace.new_event(a, b)])
    return SparsityTracer._of_sets(trace, shape, g, h)


_GUFUNC_EINSUM = {"vecdot": "...i,...i->...", "matvec": "...ij,...j->...i"}
_GUFUNC_EINSUM["vecmat"] = "...i,...ij->...j"


def _outputs(ufunc: np.ufunc, trace: _Trace, shape: Any, g: Any, h: Any, value: Any) -> Any:
    """A ufunc's result: one tracer, or one per output (sici, frexp, divmod, ...),
    each on the operands' sets."""
    if ufunc.nout == 1:
        return SparsityTracer(trace, shape, g, h, value)
    values = value if value is not None else (None,) * ufunc.nout
    return tuple(SparsityTracer(trace, shape, g, h, v) for v in values)


def _written(ufunc: np.ufunc, inputs: tuple[Any, ...], out: Any, where: Any) -> Any:
    """A ufunc with out= (and where=): the result computed, then written into the
    traced out arrays (out[...] = where(where, result, out): views see it)."""
    outs = out if isinstance(out, tuple) else (out,)
    if where is not True and outs[0] is None:
        raise TypeError(
            f"sparsity detection: {ufunc_name(ufunc)} with where= and no out= (numpy leaves "
            "the other elements uninitialized)"
        )
    if _has_tracer(inputs):
        results = _apply_ufunc(ufunc, "__call__", inputs, {})
    else:  # constants written into a traced out=
        results = ufunc(*inputs)
    results = results if isinstance(results, tuple) else (results,)
    for o, r in zip(outs, results, strict=True):
        if o is None:
            continue
        if not isinstance(o, SparsityTracer):
            raise TypeError(
                f"sparsity detection: {ufunc_name(ufunc)} writing a traced result into a "
                "numpy array (out=): the array cannot hold its dependencies; use the "
                "returned value, or write into a traced array"
            )
        o[...] = r if where is True else np.where(where, r, o)
    if not isinstance(out, tuple):
        return out
    kept = tuple(o if o is not None else r for o, r in zip(out, results, strict=True))
    return kept[0] if len(kept) == 1 else kept


# binary ufuncs whose .at is no more than a product in a's element (y b1 b2, y / b1 / b2:
# pairs y x b and b x b) or piecewise linear (max, fmod)
_AT_BILINEAR = frozenset(("multiply", "divide", *_PIECEWISE_LINEAR))


def _ufunc_at(ufunc: np.ufunc, a: Any, indices: Any, b: Any = None) -> None:
    """ufunc.at(a, indices, b): each element of a written takes the sets of every b
    element meeting it (repeats accumulate): added for add/subtract, else paired
    (multiply.at: a b1 b2 at a repeated index, every pair; power.at, hypot.at, ...:
    every pair of a's element and the b it met, a x a too)."""
    name = ufunc_name(ufunc)
    if not isinstance(a, SparsityTracer):
        raise TypeError(
            f"sparsity detection: {name}.at of a traced value into a numpy array: the "
            "array cannot hold its dependencies; make the target from the input "
            "(np.zeros_like(x, shape=...) is traced as x is)"
        )
    if _has_tracer(indices):
        raise TypeError(_BRANCH.format(what=f"a traced array as {name}.at's indices"))
    if (b is None) != (ufunc.nin == 1):
        raise TypeError(f"{name}.at takes {ufunc.nin} operands")
    trace = a._trace
    ids = np.asarray(np.arange(a.size, dtype=np.int64).reshape(a.shape)[indices])
    unique, inverse = np.unique(ids.ravel(), return_inverse=True)
    where = np.unravel_index(unique, a.shape)
    old = a[where]
    if b is None:
        new = ufunc(old)
    else:
        b = _lift(b, trace)
        src = np.broadcast_to(np.arange(b.size, dtype=np.int64).reshape(b.shape), ids.shape)
        c = _connect(inverse.ravel(), src.ravel(), unique.size, b.size)
        g = _through(c, b._g)
        linear = ufunc in (np.add, np.subtract)
        h = None
        if trace.second:
            h = _through(c, _widen(b._h, trace.events))
            if not linear:
                h = _union(h, trace.new_events(g, g))
        met = SparsityTracer(trace, (unique.size,), g, h, None)
        met._value = np.ones(unique.size) if trace.local else None  # (replaced below)
        new = (np.add if linear else np.multiply)(old, met)
        if trace.second and not linear and ufunc.__name__ not in _AT_BILINEAR:
            # nonlinear in a's element too (power.at(y, i, 3): y^3): pairs of all it met
            new._h = _union(new._h, trace.new_events(new._g, new._g))
    if trace.local:  # numpy's own values
        value = np.array(a._value)
        ufunc.at(value, indices, *(() if b is None else (b._value,)))
        new._value = value[where]
    a[where] = new


def _nonzero_factors(inputs: tuple[Any, ...], shape: tuple[int, ...]) -> np.ndarray | None:
    """The elements (flat, of the broadcast `shape`) of a product where no constant
    factor is 0, or None when none is: 0 times anything has derivative 0 at every
    point, so sum(outer(x, x) * L) and einsum("i,ij,j", x, L, x) keep L's pattern as
    x @ L @ x does (the algebra's strong zero: 0 times an infinite part is 0 too).
    Only numpy constants: a traced value that is 0 at this point is not 0
    elsewhere."""
    zero: np.ndarray | None = None
    for x in inputs:
        constant = isinstance(x, (np.ndarray, np.generic, int, float, complex))
        if isinstance(x, SparsityTracer) or not constant:
            continue
        value = np.asarray(x)
        if value.dtype.kind not in "biufc":
            continue
        here = value == 0
        if not here.any():
            continue
        here = np.broadcast_to(here, shape).ravel()
        zero = here if zero is None else zero | here
    return None if zero is None else np.flatnonzero(~zero)


def _mask_rows(m: Any, keep: np.ndarray) -> Any:
    """m with the rows outside `keep` emptied."""
    mask = np.zeros(m.shape[0], dtype=bool)
    mask[keep] = True
    row_of = np.repeat(mask, np.diff(m.indptr))
    # (copies: eliminate_zeros compacts indices and indptr in place, and m may be an
    # operand's own sets, x itself in np.minimum(x, 0.5): they would be emptied)
    out = _sp().csr_matrix((row_of, m.indices.copy(), m.indptr.copy()), shape=m.shape)
    out.eliminate_zeros()
    return out


# --- functions that move elements: numpy's own, on element numbers ------------------------
_MOVES = {
    np.reshape, np.ravel, np.transpose, np.moveaxis, np.swapaxes, np.rollaxis, np.squeeze,
    np.expand_dims, np.broadcast_to, np.atleast_1d, np.atleast_2d, np.atleast_3d, np.flip,
    np.fliplr, np.flipud, np.rot90, np.roll, np.concatenate, np.stack, np.hstack, np.vstack,
    np.dstack, np.column_stack, np.tile, np.repeat, np.take, np.take_along_axis, np.diag,
    np.diagonal, np.diagflat, np.triu, np.tril, np.copy, np.append, np.delete, np.insert,
    np.split, np.array_split, np.hsplit, np.vsplit, np.block, np.where, np.pad, np.asarray,
    np.array, np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.asanyarray,
    np.ascontiguousarray, np.broadcast_arrays, np.fft.fftshift, np.fft.ifftshift, np.resize,
    np.compress, np.extract,
}  # fmt: skip
if hasattr(np, "matrix_transpose"):  # numpy 2
    _MOVES.add(np.matrix_transpose)
    _VIEWS.add(np.matrix_transpose)
_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _move(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """func applied to element numbers (1 + the row in the stacked sets of every
    tracer operand, 0 for constants) says where each output element comes from.
    Only the arguments holding the elements moved (_data) take element numbers: a
    tracer anywhere else (an index, shift, count or shape) is a value steering the
    move, and raises; a constant among the elements moved is element 0."""
    trace = _trace_of(*args, *kwargs.values())
    if func is np.pad:
        mode = kwargs.get("mode", args[2] if len(args) > 2 else "constant")
        if mode not in _PAD_MODES:
            modes = ", ".join(_PAD_MODES)
            raise TypeError(f"sparsity detection: numpy.pad supports the modes {modes}")
        if mode in ("reflect", "symmetric") and kwargs.get("reflect_type") == "odd":
            return _pad_odd(trace, args, kwargs)
    if func in (np.zeros_like, np.ones_like, np.empty_like, np.full_like):
        return _like(func, trace, args, kwargs)
    if kwargs.get("out") is not None:  # (np.take, concatenate, stack): written into out
        out = kwargs["out"]
        return _into(func, out, _move(func, args, {k: v for k, v in kwargs.items() if k != "out"}))
    tracers: list[SparsityTracer] = []
    numbered = [1]  # (the next element's number: np.stack of 3000 numbers summed 4.5e6 sizes)
    positions, names = _data(func)

    def ids(x: Any, data: bool) -> Any:
        if not data and _has_tracer(x):
            raise TypeError(_BRANCH.format(what=f"a traced array steering {_function_name(func)}"))
        if isinstance(x, SparsityTracer):
            start = numbered[0]
            numbered[0] += x.size
            tracers.append(x)
            return np.arange(start, start + x.size, dtype=np.int64).reshape(x.shape)
        if isinstance(x, (list, tuple)) and _has_tracer(x):
            return type(x)(ids(y, True) for y in x)
        if data:  # a constant among the elements moved (insert's values=5.0): none
            return np.zeros(np.shape(x), dtype=np.int64)
        return x

    where_cond = func is np.where and isinstance(args[0], SparsityTracer)
    if where_cond and trace.local:
        raise AssertionError("a local trace's comparisons are plain arrays")
    if func is np.where:
        if len(args) != 3:
            raise TypeError("sparsity detection: numpy.where with one argument (nonzero)")
        cond = True if where_cond else _value(args[0])
        branches = ids(args[1], True), ids(args[2], True)
        result = np.where(cond, *branches)
        if where_cond:  # either branch, for any input: both
            other = np.where(False, *branches)
            return _gather_union(trace, tracers, [result, other], None)
    else:
        moved_args = [ids(a, positions is None or k in positions) for k, a in enumerate(args)]
        moved_kwargs = {k: ids(v, k in names) for k, v in kwargs.items()}
        result = func(*moved_args, **moved_kwargs)
    value = None
    if trace.local:
        value = func(*[_values_in(a) for a in args], **_values_in(kwargs))
    if isinstance(result, (list, tuple)):
        values = value if value is not None else [None] * len(result)
        return type(result)(
            _gather(trace, tracers, np.asarray(r), v) for r, v in zip(result, values, strict=True)
        )
    return _gather(trace, tracers, np.asarray(result), value)


# the arguments of _MOVES' functions holding the elements they move, by position (None:
# all) and by name, where not the first alone (the rest index, shift, count or shape)
_DATA: dict[Any, tuple[frozenset[int] | None, frozenset[str]]] = {
    np.insert: (frozenset((0, 2)), frozenset(("arr", "values"))),
    np.append: (frozenset((0, 1)), frozenset(("arr", "values"))),
    np.pad: (frozenset((0,)), frozenset(("array", "constant_values"))),
    np.choose: (frozenset((1,)), frozenset(("choices",))),
    np.broadcast_arrays: (None, frozenset()),
    np.compress: (frozenset((1,)), frozenset(("a",))),
    np.extract: (frozenset((1,)), frozenset(("arr",))),
}


def _data(func: Any) -> tuple[frozenset[int] | None, frozenset[str]]:
    found = _DATA.get(func)
    if found is None:
        try:
            first = next(iter(inspect.signature(func).parameters))
        except (TypeError, ValueError, StopIteration):  # (no signature: positions only)
            first = ""
        found = _DATA[func] = (frozenset((0,)), frozenset((first,)))
    return found


def _pad_odd(trace: _Trace, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """np.pad(..., reflect_type="odd"): 2 edge - mirror image, axis after axis (as
    numpy pads): each padded element on the even reflection's element and the edge's.
    Numpy reflects a pad wider than the axis (less one for "reflect") again and again,
    off elements already padded: refused."""
    bound = inspect.signature(np.pad).bind(*args, **kwargs).arguments
    a, mode = bound["array"], bound.get("mode", "constant")
    if not isinstance(a, SparsityTracer):
        raise TypeError(_BRANCH.format(what="a traced array steering numpy.pad"))
    value = np.pad(a._value, bound["pad_width"], mode, reflect_type="odd") if trace.local else None
    widths = np.broadcast_to(np.asarray(bound["pad_width"], dtype=np.int64), (a.ndim, 2))
    for axis in range(a.ndim):
        length = a.shape[axis]
        if length > 1 and widths[axis].max() > length - (mode == "reflect"):
            raise TypeError(
                "sparsity detection: numpy.pad with reflect_type='odd' wider than the axis "
                f"({widths[axis].tolist()} for {length} elements)"
            )
        if widths[axis].any():
            one = np.zeros((a.ndim, 2), dtype=np.int64)
            one[axis] = widths[axis]
            with _no_terms(trace):  # (a linear map: no second-order pairs)
                a = np.pad(a, one, mode) + np.pad(a, one, "edge")
    result = _lift(a, trace)
    if value is not None:
        result._value = value
    return result


def _like(func: Any, trace: _Trace, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """np.zeros_like / ones_like / empty_like: no dependency; np.full_like: its fill
    value's, broadcast to the shape."""
    bound = inspect.signature(func).bind(*args, **kwargs).arguments
    fill = bound.get("fill_value")
    if _has_tracer(bound.get("shape")) or (
        _has_tracer(fill) and not isinstance(fill, SparsityTracer)
    ):
        raise TypeError(_BRANCH.format(what=f"a traced array steering {_function_name(func)}"))
    value = func(*_values_in(args), **_values_in(kwargs)) if trace.local else None
    shape = np.shape(next(iter(bound.values()))) if value is None else value.shape  # (a: first)
    if bound.get("shape") is not None:
        shape = tuple(np.atleast_1d(bound["shape"]).tolist())
    if isinstance(fill, SparsityTracer):
        result: Any = np.broadcast_to(fill, shape) + np.zeros(shape)  # (a tracer)
        result._value = value
        return result
    size = int(np.prod(shape, dtype=np.int64))
    h = _empty(size, trace.events) if trace.second else None
    return SparsityTracer(trace, shape, _empty(size, trace.n), h, value)


def _values_in(x: Any) -> Any:
    if isinstance(x, SparsityTracer):
        return x._value
    if isinstance(x, (list, tuple)):
        return type(x)(_values_in(y) for y in x)
    if isinstance(x, dict):
        return {k: _values_in(y) for k, y in x.items()}
    return x


def _stacked(trace: _Trace, tracers: list[SparsityTracer]) -> tuple[Any, Any]:
    """Every tracer's sets, one after the other, after an empty row 0 (for constants)."""
    sp = _sp()
    g = sp.vstack([_empty(1, trace.n), *(t._g for t in tracers)], format="csr")
    h = None
    if trace.second:
        cols = trace.events
        h = sp.vstack([_empty(1, cols), *(_widen(t._h, cols) for t in tracers)], format="csr")
    return g, h


def _gather(trace: _Trace, tracers: list[SparsityTracer], ids: np.ndarray, value: Any) -> Any:
    if not tracers:
        return value
    if (
        len(tracers) == 1
        and ids.size
        and np.array_equal(ids.ravel(), np.arange(1, 1 + tracers[0].size))
    ):
        t = tracers[0]
        out = SparsityTracer(trace, ids.shape, t._g, t._h, value)
    else:
        g, h = _stacked(trace, tracers)
        rows = ids.ravel()
        out = SparsityTracer(trace, ids.shape, g[rows], None if h is None else h[rows], value)
    out._plain = all(t._plain for t in tracers)
    return out


def _gather_union(
    trace: _Trace, tracers: list[SparsityTracer], ids: list[np.ndarray], value: Any
) -> Any:
    g, h = _stacked(trace, tracers)
    shape = np.broadcast_shapes(*(i.shape for i in ids))
    rows = [np.broadcast_to(i, shape).ravel() for i in ids]
    gu = functools.reduce(_union, [g[r] for r in rows])
    hu = None if h is None else functools.reduce(_union, [h[r] for r in rows])
    return SparsityTracer(trace, shape, gu, hu, value)


# --- reductions ------------------------------------------------------------------------
def _reduction(
    func: Any, a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
    keepdims: bool = False, *, nonlinear: bool, select: str | None = None, **kwargs: Any,
) -> Any:  # fmt: skip
    initial = kwargs.get("initial")
    if isinstance(initial, SparsityTracer):
        return _traced_initial(
            func, a, axis, dtype, out, keepdims, nonlinear, select, initial, kwargs
        )  # fmt: skip
    trace = _trace_of(a)
    where = kwargs.pop("where", True)
    if where is not True:
        # the elements left out as the reduction's identity (max: -inf, ...): a mask
        # traced globally (a comparison) keeps every element
        fill = {"max": -np.inf, "min": np.inf}.get(select or "", 1.0 if func is np.prod else 0.0)
        with _no_terms(trace):
            result = _reduction(
                func, np.where(where, a, fill), axis, dtype, out, keepdims, nonlinear=nonlinear,
                select=select, **kwargs,
            )  # fmt: skip
        if trace.local and isinstance(result, SparsityTracer):
            result._value = np.asarray(
                func(_value(a), axis=axis, keepdims=keepdims, where=where, **kwargs)
            )
        return result
    if out is not None:
        with _no_terms(trace):
            result = _reduction(
                func, a, axis, dtype, None, keepdims, nonlinear=nonlinear, select=select, **kwargs
            )
        return _into(func, out, result)
    if not isinstance(a, SparsityTracer):
        return func(a, axis=axis, keepdims=keepdims)
    ndim = a.ndim
    axes = tuple(range(ndim)) if axis is None else tuple(np.atleast_1d(axis).tolist())
    axes = tuple(ax % ndim if ndim else 0 for ax in axes)
    kept_shape = tuple(1 if d in axes else s for d, s in enumerate(a.shape))
    out_shape = kept_shape if keepdims else tuple(s for d, s in enumerate(a.shape) if d not in axes)
    out_size = int(np.prod(out_shape, dtype=np.int64))
    value = None
    if trace.local:
        value = np.asarray(func(a._value, axis=axis, keepdims=keepdims, **kwargs))
    if (
        trace.terms
        and not trace.local
        and not a._plain
        and func in (np.sum, np.mean, np.nansum)  # (nansum's terms: nan ones 0)
        and _is_full_sum(a.ndim, a.size, axis, dtype, out, keepdims, kwargs)
    ):
        weight = 1.0 / a.size if func is np.mean else 1.0
        return _Terms([(_held(a), weight)], 0.0, shape=(1,) if keepdims else ())
    owner = np.broadcast_to(
        np.arange(out_size, dtype=np.int64).reshape(kept_shape), a.shape
    ).ravel()
    elements = np.arange(a.size, dtype=np.int64)
    if select is not None and trace.local and a.size:
        # max/min at a point: the element(s) attaining it
        best = np.broadcast_to(np.asarray(func(a._value, axis=axis, keepdims=True)), a.shape)
        hit = (a._value == best).ravel()
        owner, elements = owner[hit], elements[hit]
    c = _connect(owner, elements, out_size, a.size)
    g = _through(c, a._g)
    h = None
    if trace.second:
        h = _through(c, _widen(a._h, trace.events))
        if nonlinear:
            h = _union(h, trace.new_events(g, g))
    return SparsityTracer(trace, out_shape, g, h, value)


def _traced_initial(
    func: Any, a: Any, axis: Any, dtype: Any, out: Any, keepdims: bool, nonlinear: bool,
    select: str | None, initial: SparsityTracer, kwargs: dict[str, Any],
) -> Any:  # fmt: skip
    """A reduction whose `initial` is traced: the reduction of `a` without it, combined
    with it as the reduction combines elements (max/min: np.maximum/np.minimum, initial
    first as numpy sees it first; else a product where the reduction is nonlinear, a
    sum where it is linear), so every output depends on initial too."""
    trace = _trace_of(a, initial)
    rest = {k: v for k, v in kwargs.items() if k != "initial"}
    if select is not None:  # (where= may leave no element)
        rest["initial"] = -np.inf if select == "max" else np.inf
    combine = {"max": np.maximum, "min": np.minimum}.get(
        select or "", np.multiply if nonlinear else np.add
    )
    with _no_terms(trace):
        reduced = _reduction(
            func, a, axis, dtype, None, keepdims, nonlinear=nonlinear, select=select, **rest
        )
        result = combine(initial, reduced)
    if trace.local and isinstance(result, SparsityTracer):  # numpy's value
        values = {k: v for k, v in kwargs.items() if k != "initial"}
        result._value = np.asarray(
            func(_value(a), axis=axis, keepdims=keepdims, initial=_value(initial), **values)
        )
    return result if out is None else _into(func, out, result)


def _into(func: Any, out: Any, result: Any) -> Any:
    """A numpy function's out=: the result written into the traced out array."""
    out = out[0] if isinstance(out, tuple) and len(out) == 1 else out
    if not isinstance(out, SparsityTracer):
        raise TypeError(
            f"sparsity detection: {_function_name(func)} writing a traced result into a "
            "numpy array (out=): the array cannot hold its dependencies; use the returned "
            "value, or write into a traced array"
        )
    out[...] = result
    return out


def _cumulative(
    func: Any, a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
    *, nonlinear: bool | None = None,
) -> Any:  # fmt: skip
    trace = _trace_of(a)
    if out is not None:
        return _into(func, out, _cumulative(func, a, axis, dtype, nonlinear=nonlinear))
    if axis is None:
        a, axis = np.ravel(a), 0
    axis = axis % a.ndim
    moved = np.moveaxis(np.arange(a.size, dtype=np.int64).reshape(a.shape), axis, -1)
    length = a.shape[axis]
    lines = moved.reshape(-1, length)
    p, q = np.tril_indices(length)
    out_ids = lines[:, p].ravel()
    in_ids = lines[:, q].ravel()
    c = _connect(out_ids, in_ids, a.size, a.size)
    g = _through(c, a._g)
    value = func(a._value, axis=axis) if trace.local else None
    h = None
    if trace.second:
        h = _through(c, _widen(a._h, trace.events))
        if func is np.cumprod if nonlinear is None else nonlinear:
            h = _union(h, trace.new_events(g, g))
    return SparsityTracer(trace, a.shape, g, h, value)


def _clip(
    func: Any, a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *,
    min: Any = None, max: Any = None, **kwargs: Any,
) -> Any:  # fmt: skip
    """np.clip as maximum and minimum (numpy 2.1's min=, max= too), written into out=
    (where= of it: as a ufunc's)."""
    where = kwargs.pop("where", True)
    if set(kwargs) - {"dtype", "casting", "order", "subok", "signature"}:
        raise TypeError(f"sparsity detection: numpy.clip with {', '.join(sorted(kwargs))}=")
    low = a_min if min is None else min
    high = a_max if max is None else max
    result = a
    if low is not None:
        result = np.maximum(result, low)
    if high is not None:
        result = np.minimum(result, high)
    if out is None and where is True:
        return result
    return _written(np.positive, (result,), out, where)


def _choose(func: Any, a: Any, choices: Any, out: Any = None, mode: str = "raise") -> Any:
    """np.choose with a constant index array: a move of the choices' elements."""
    if isinstance(a, SparsityTracer):
        raise TypeError(_BRANCH.format(what="a traced array as numpy.choose's index"))
    if out is not None:
        raise TypeError("sparsity detection: numpy.choose with out=")
    return _move(func, (a, choices), {"mode": mode})


def _select(func: Any, condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """np.select as nested np.where, the last condition innermost (numpy's first true
    condition wins): a traced condition takes every choice's sets."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    result = default
    for cond, choice in zip(condlist[::-1], choicelist[::-1], strict=True):
        result = np.where(cond, choice, result)
    return result


# numpy functions that write into their first argument: the argument holding the
# values written, by name
_WRITERS = {np.put: "v", np.putmask: "values", np.place: "vals", np.copyto: "src"}
_WRITERS[np.put_along_axis] = "values"


def _write_into(func: Any, *args: Any, **kwargs: Any) -> None:
    """np.put / putmask / place / copyto / put_along_axis: numpy's own function on
    element numbers (of a, and of the values after them) says which elements of a
    take which value (repeats, modes, masks, broadcasting: numpy's)."""
    call = inspect.signature(func).bind(*args, **kwargs)
    bound = call.arguments
    target, name = next(iter(bound)), _WRITERS[func]
    a, v = bound[target], bound[name]
    where = _function_name(func)
    if not isinstance(a, SparsityTracer):
        raise TypeError(
            f"sparsity detection: {where} of a traced value into a numpy array: the array "
            "cannot hold its dependencies; make the target from the input "
            "(np.zeros_like(x, shape=...) is traced as x is)"
        )
    if any(_has_tracer(x) for k, x in bound.items() if k not in (target, name)):
        raise TypeError(_BRANCH.format(what=f"a traced mask or index of {where}"))
    values = v if isinstance(v, SparsityTracer) else np.asarray(v)
    order = np.arange(a.size, dtype=np.int64).reshape(a.shape)
    bound[target] = order
    bound[name] = a.size + np.arange(values.size, dtype=np.int64).reshape(values.shape)
    func(*call.args, **call.kwargs)
    written = np.flatnonzero(order.ravel() >= a.size)
    a[np.unravel_index(written, a.shape)] = np.ravel(values)[order.ravel()[written] - a.size]


def _median(
    func: Any, a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
    keepdims: bool = False,
) -> Any:  # fmt: skip
    """np.median: the mean of the middle of np.sort along the axes (at a point the
    middle element(s), globally any element of the axes)."""
    if out is not None:
        raise TypeError("sparsity detection: numpy.median with out=")
    trace = _trace_of(a)
    a = _lift(a, trace)
    axes = tuple(range(a.ndim)) if axis is None else tuple(np.atleast_1d(axis).tolist())
    axes = tuple(ax % a.ndim for ax in axes)
    kept = tuple(1 if d in axes else n for d, n in enumerate(a.shape))
    moved = np.moveaxis(a, axes, tuple(range(a.ndim - len(axes), a.ndim)))
    lines = np.reshape(moved, (*moved.shape[: a.ndim - len(axes)], -1))
    with _no_terms(trace):  # (the median of two elements is no sum of terms)
        ordered = np.sort(lines, axis=-1)
        n = ordered.shape[-1]
        middle = np.mean(ordered[..., (n - 1) // 2 : n // 2 + 1], axis=-1)
    return np.reshape(middle, kept) if keepdims else middle


def _interp(
    func: Any, x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None,
    period: Any = None,
) -> Any:  # fmt: skip
    """np.interp: out[i] on x[i] (piecewise linear) and, when traced, on every
    element of xp, fp, left and right (nonlinear together: the slope's quotient)."""
    trace = _trace_of(x, xp, fp, left, right)
    xs = _lift(x, trace)
    value = None
    if trace.local:
        value = np.asarray(func(*_values_in([x, xp, fp, left, right]), period=period))
    table = [t for t in (xp, fp, left, right) if isinstance(t, SparsityTracer)]
    g, h = xs._g, xs._h
    if not isinstance(x, SparsityTracer) and not isinstance(xp, SparsityTracer) and period is None:
        # constant points and knots: each point on its segment's two values (or left,
        # right), linear in them with constant weights: a resampled profile's band
        return _interp_table(trace, np.asarray(x, np.float64), xp, fp, left, right, value)
    if table:
        with _no_terms(trace):
            everything = functools.reduce(lambda p, q: p + q, [np.sum(t) for t in table])
        rows = np.zeros(xs.size, dtype=np.int64)
        g = _union(g, everything._g[rows])
        if trace.second:
            h = _union(_union(h, everything._h[rows]), trace.new_events(g, g))
    return SparsityTracer(trace, xs.shape, g, h, value)


def _interp_table(
    trace: _Trace, x: np.ndarray, xp: Any, fp: Any, left: Any, right: Any, value: Any
) -> Any:
    """np.interp of constant points x on constant knots xp: as the dual rule
    (_numeric._interp) selects, a point below xp[0] takes left (fp[0] by default),
    above xp[-1] right (fp[-1]), else fp[j] and fp[j + 1] of its segment."""
    np.interp(x, xp, np.zeros(np.shape(fp)))  # (numpy's checks of the shapes)
    knots = np.asarray(xp, dtype=np.float64).ravel()
    table = _lift(fp, trace)
    points = x.ravel()
    j = np.clip(np.searchsorted(knots, points, side="right") - 1, 0, max(knots.size - 2, 0))
    below, above = points < knots[0], points > knots[-1]
    inside = np.flatnonzero(~below & ~above)
    start, end = j[inside], np.minimum(j[inside] + 1, knots.size - 1)
    # t = 0 on a segment's first knot: fp[j] alone (an empty segment takes fp[j + 1])
    on_knot = (points[inside] == knots[start]) & (knots[end] != knots[start])
    rows = [inside, inside[~on_knot]]
    columns = [start, end[~on_knot]]
    ends = []  # (the points beyond an end, and what they take: fp's element or a tracer)
    for beyond, given, element in ((below, left, 0), (above, right, knots.size - 1)):
        if given is None:
            rows.append(np.flatnonzero(beyond))
            columns.append(np.full(rows[-1].size, element))
        elif isinstance(given, SparsityTracer):
            ends.append((beyond, given))
    c = _connect(np.concatenate(rows), np.concatenate(columns), points.size, table.size)
    g = _through(c, table._g)
    h = _through(c, _widen(table._h, trace.events)) if trace.second else None
    for beyond, given in ends:  # (a scalar's sets, on each point beyond its end)
        taken = _connect(np.flatnonzero(beyond), np.zeros(int(beyond.sum()), np.int64),
                         points.size, 1)  # fmt: skip
        given = _lift(np.ravel(given)[:1], trace)
        g = _union(g, _through(taken, given._g))
        if h is not None:
            h = _union(h, _through(taken, _widen(given._h, trace.events)))
    return SparsityTracer(trace, x.shape, g, h, value)


def _fft_axes(func: Any, a: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int, ...]:
    """The axes numpy's fft function transforms (numpy's defaults)."""
    bound = inspect.signature(func).bind(a, *args, **kwargs).arguments
    if "axis" in inspect.signature(func).parameters:
        return (bound.get("axis", -1),)
    axes, s = bound.get("axes"), bound.get("s")
    if axes is None:
        axes = range(-len(s), 0) if s is not None else range(a.ndim)
    return tuple(np.atleast_1d(axes).tolist())


def _fft(func: Any, a: Any, *args: Any, **kwargs: Any) -> Any:
    """numpy.fft's transforms: linear, each output element on every element of its
    line (the same indices off the transformed axes; n= or s= truncating an axis:
    a superset). The result is complex (or real from complex): the trace notes it."""
    trace = _trace_of(a)
    if kwargs.get("out") is not None:
        raise TypeError(f"sparsity detection: {_function_name(func)} with out=")
    a = _lift(a, trace)
    trace.complex = True
    shape = np.shape(func(np.zeros(a.shape), *args, **kwargs))  # (numpy checks the args)
    axes = tuple(ax % a.ndim for ax in _fft_axes(func, a, args, kwargs))
    ends = tuple(range(a.ndim - len(axes), a.ndim))
    size = int(np.prod(shape, dtype=np.int64))
    ins = np.moveaxis(np.arange(a.size, dtype=np.int64).reshape(a.shape), axes, ends)
    outs = np.moveaxis(np.arange(size, dtype=np.int64).reshape(shape), axes, ends)
    lines = int(np.prod(ins.shape[: a.ndim - len(axes)], dtype=np.int64))
    ins, outs = ins.reshape(lines, 1, -1), outs.reshape(lines, -1, 1)
    pairs = np.broadcast_arrays(outs, ins)
    c = _connect(pairs[0].ravel(), pairs[1].ravel(), size, a.size)
    value = func(a._value, *args, **kwargs) if trace.local else None
    h = _through(c, _widen(a._h, trace.events)) if trace.second else None
    return SparsityTracer(trace, shape, _through(c, a._g), h, value)


def _polyval(func: Any, p: Any, x: Any) -> Any:
    """np.polyval by Horner's rule on the tracers (a constant or traced p, x)."""
    if isinstance(p, np.poly1d):
        p = p.coeffs
    result = np.zeros_like(x) if len(p) == 0 else p[0] + np.zeros_like(x)
    for coefficient in list(p)[1:]:
        result = result * x + coefficient
    return result


def _partition(func: Any, a: Any, kth: Any, axis: Any = -1, **kwargs: Any) -> Any:
    """np.partition: at a point the elements numpy's partition of the values puts at
    each position (as the dual arrays' rule finds them); globally any element of the
    axis can land anywhere on it (as np.sort)."""
    trace = _trace_of(a)
    if axis is None:
        a, axis = np.ravel(a), -1
    if trace.local:
        value = np.asarray(a._value)
        order = _arrangement(value, np.partition(value, kth, axis=axis, **kwargs), axis)
        return np.take_along_axis(a, order, axis=axis)
    return _sort(np.sort, a, axis)


def _quantile(func: Any, a: Any, q: Any, axis: Any = None, out: Any = None, **kwargs: Any) -> Any:
    """np.quantile / percentile (and their nan forms): every element of the axes,
    piecewise linear (a superset at a point too: its two order statistics)."""
    if out is not None or kwargs.get("weights") is not None or _has_tracer(q):
        raise TypeError(
            f"sparsity detection: {_function_name(func)} with out=, weights= or a traced q"
        )
    trace = _trace_of(a)
    a = _lift(a, trace)
    with _no_terms(trace):
        everything = np.sum(a, axis=axis)
    shape = np.shape(func(np.zeros(a.shape), q, axis=axis, **kwargs))
    # (*kept, *q.shape) in numpy's layout of the values (its nan-functions' own, over
    # several axes), keepdims' axes of length 1 put in by the reshape
    q_ndim = np.ndim(q)
    spread = everything.reshape(everything.shape + (1,) * q_ndim) + np.zeros(np.shape(q))
    reduced = a.ndim if axis is None else len(normalize_axis_tuple(axis, a.ndim))
    several = func in (np.nanquantile, np.nanpercentile) and reduced > 1
    result = quantile_layout(spread, 0, q_ndim, several).reshape(shape)
    if trace.local:
        result._value = np.asarray(func(a._value, q, axis=axis, **kwargs))
    return result


def _elementwise(func: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
    """np.sinc, np.i0: elementwise (nonlinear) functions that are no ufuncs."""
    trace = _trace_of(x)
    x = _lift(x, trace)
    value = func(x._value, *args, **kwargs) if trace.local else None
    h = _union(x._h, trace.new_events(x._g, x._g)) if trace.second else None
    return SparsityTracer(trace, x.shape, x._g, h, value)


# --- multilinear functions: einsum ------------------------------------------------------
def _parse(spec: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Explicit labels per operand and for the output (ellipses spelled out)."""
    spec = spec.replace(" ", "")
    ins, arrow, out = spec.partition("->")
    terms = ins.split(",")
    if len(terms) != len(shapes):
        raise ValueError("einsum: operands and subscripts do not match")
    used = set(spec) - set(".,->")
    pool = [c for c in string.ascii_letters if c not in used]
    width = max((len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes, strict=True)
                 if "..." in t), default=0)  # fmt: skip
    ell = "".join(pool[:width])
    labels = []
    for t, s in zip(terms, shapes, strict=True):
        if "..." in t:
            k = len(s) - len(t.replace("...", ""))
            t = t.replace("...", ell[width - k :])
        labels.append(t)
    if not arrow:
        counts = {c: "".join(labels).count(c) for c in set("".join(labels))}
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return labels, out


def _einsum_rule(func: Any, spec: Any, *operands: Any, **kwargs: Any) -> Any:
    if not isinstance(spec, str) or kwargs.get("out") is not None:
        raise TypeError("sparsity detection: numpy.einsum takes a subscript string here")
    trace = _trace_of(*operands)
    if trace.terms and not trace.local and not kwargs:  # as a Hessian plan's pass keeps it
        terms = _einsum_terms(spec, *operands)
        if terms is not None:
            return terms
    return _einsum(spec, list(operands))


def _einsum_terms(spec: Any, *operands: Any) -> Any:
    """einsum("ij,ij->", a, b) (or "ij,ij"), of two arrays of one shape over all their
    labels, kept as terms as a . b is (_product_terms of the raveled arrays), a full
    contraction of more operands whose last step is one (_contracted_but_last), and
    einsum("ij->", a) as a's sum; None for any other einsum."""
    if not isinstance(spec, str) or not operands:
        return None
    spec = spec.replace(" ", "")
    if len(operands) == 1:  # einsum("ij->", a): a's full sum
        ins, arrow, out = spec.partition("->")
        (a,) = operands
        if not arrow or out or not ins.isalpha() or len(set(ins)) != len(ins):
            return None
        if (
            np.ndim(a) != len(ins)
            or np.size(a) < 2
            or not isinstance(a, (SparsityTracer, DualArray))
        ):
            return None
        return _Terms([(_held(np.ravel(a)), 1.0)], 0.0)
    if len(operands) > 2:  # x^T L x as einsum("i,ij,j->", x, L, x): its last contraction
        contracted = _contracted_but_last(spec, operands)
        if contracted is None:
            return None
        spec, operands = contracted
    ins, _, out = spec.partition("->")
    first, _, second = ins.partition(",")
    a, b = operands
    if out or first != second or len(set(first)) != len(first) or not first.isalpha():
        return None
    if np.shape(a) != np.shape(b) or np.ndim(a) != len(first):
        return None
    return _product_terms(np.ravel(a), np.ravel(b))


def _contracted_but_last(spec: str, operands: tuple[Any, ...]) -> Any:
    """A full contraction of three or more operands (output ''), as numpy's optimized
    einsum runs it, two at a time in np.einsum_path's greedy order (a path of the
    shapes alone, so detection and the pass take the same one): every step but the
    last computed, and (the last step's subscripts, its two operands) when it sums
    a product of two arrays over all their labels (a . b), else None."""
    from ._algebra import einsum_steps

    ins, arrow, out = spec.partition("->")
    labels = ins.replace(",", "")
    if not labels.isalpha() or (out if arrow else any(labels.count(c) == 1 for c in labels)):
        return None  # (numpy's implicit output: the labels used once)
    spec = ins + "->"
    steps = einsum_steps(spec, [np.shape(o) for o in operands])
    if steps is None:
        return None
    positions, last = steps[-1]
    first, _, second = last.partition("->")[0].partition(",")
    if len(positions) != 2 or first != second or len(set(first)) != len(first):
        return None
    remaining = list(operands)
    for taken, subscripts in steps[:-1]:
        remaining.append(np.einsum(subscripts, *(remaining.pop(k) for k in taken)))
    return last, tuple(remaining.pop(k) for k in positions)


def _tensordot_terms(a: Any, b: Any, axes: Any) -> Any:
    """np.tensordot(a, b, axes) of two arrays of one shape over all their axes, in
    order (np.tensordot(r, r, 1) of vectors), kept as terms as a . b is; None for any
    other."""
    from ._algebra import _tensordot_axes

    na = np.ndim(a)
    if np.shape(a) != np.shape(b) or na == 0:
        return None
    try:
        axes_a, axes_b = _tensordot_axes(na, na, axes)
    except (TypeError, ValueError):
        return None  # (f's own tensordot raises)
    if axes_a != list(range(na)) or axes_b != list(range(na)):
        return None
    return _product_terms(np.ravel(a), np.ravel(b))


def _einsum(spec: str, operands: list[Any]) -> Any:
    trace = _trace_of(*operands)
    shapes = [tuple(np.shape(o)) for o in operands]
    labels, out = _parse(spec, shapes)
    sizes: dict[str, int] = {}
    for lab, s in zip(labels, shapes, strict=True):
        for c, d in zip(lab, s, strict=True):
            if d != 1:
                sizes[c] = d
    for lab in labels:
        for c in lab:
            sizes.setdefault(c, 1)
    # a size-1 axis broadcast against a longer one: the operand does not depend on it
    ops, labs = [], []
    for o, lab in zip(operands, labels, strict=True):
        squeeze = tuple(k for k, c in enumerate(lab) if np.shape(o)[k] == 1 and sizes[c] != 1)
        if squeeze:
            o = np.squeeze(o, axis=squeeze)
            lab = "".join(c for k, c in enumerate(lab) if k not in squeeze)
        ops.append(o)
        labs.append(lab)
    value = None
    if trace.local:
        value = np.asarray(np.einsum(f"{','.join(labs)}->{out}", *[_value(o) for o in ops]))
    out_shape = tuple(sizes[c] for c in out)
    traced = [k for k, o in enumerate(ops) if isinstance(o, SparsityTracer)]
    if len(traced) > 1 and trace.second:
        return _einsum_expanded(trace, ops, labs, out, sizes, value)
    out_size = int(np.prod(out_shape, dtype=np.int64))
    g = _empty(out_size, trace.n)
    h = _empty(out_size, trace.events) if trace.second else None
    for k in traced:
        x, lx = ops[k], labs[k]
        others = [(ops[j], labs[j]) for j in range(len(ops)) if j != k]
        c = _einsum_connection(x, lx, others, out, sizes)
        g = _union(g, _through(c, x._g))
        if h is not None:
            h = _union(h, _through(c, _widen(x._h, trace.events)))
    return SparsityTracer(trace, out_shape, g, h, value)


def _einsum_connection(
    x: SparsityTracer, lx: str, others: list[tuple[Any, str]], out: str, sizes: dict[str, int]
) -> Any:
    """The boolean matrix (out.size, x.size): which of x's elements each output element
    takes (the other operands nonzero: a constant's zeros, a tracer possibly not)."""
    other_labels = set("".join(lab for _, lab in others))
    free = sorted(set(out) | set(lx))
    m_labels = "".join(c for c in free if c in other_labels)
    if others:
        masks = [
            np.ones(np.shape(o), dtype=np.float64)
            if isinstance(o, SparsityTracer)
            else (np.asarray(o) != 0).astype(np.float64)
            for o, _ in others
        ]
        spec = ",".join(lab for _, lab in others) + "->" + m_labels
        m = np.einsum(spec, *masks) != 0
    else:
        m = np.ones((), dtype=bool)
    delta = [c for c in free if c not in other_labels]
    nz = np.nonzero(m) if m.ndim else ()
    count = len(nz[0]) if m.ndim else int(bool(m))
    grids = np.indices([sizes[c] for c in delta]).reshape(len(delta), -1) if delta else None
    per = grids.shape[1] if grids is not None else 1
    coord: dict[str, np.ndarray] = {}
    for t, c in enumerate(m_labels):
        coord[c] = np.repeat(nz[t], per)
    for t, c in enumerate(delta):
        coord[c] = np.tile(grids[t], count)  # type: ignore[index]
    total = count * per

    def flat(lab: str) -> np.ndarray:
        if not lab:
            return np.zeros(total, dtype=np.int64)
        return np.ravel_multi_index(tuple(coord[c] for c in lab), tuple(sizes[c] for c in lab))

    out_size = int(np.prod([sizes[c] for c in out], dtype=np.int64))
    return _connect(flat(out), flat(lx), out_size, x.size)


def _einsum_expanded(
    trace: _Trace, ops: list[Any], labs: list[str], out: str, sizes: dict[str, int], value: Any
) -> Any:
    """Several traced operands, second order: the product over every label's index,
    then the sum over the contracted ones (exact pairs: r @ r has r_i x r_i only)."""
    full = "".join(sorted(set("".join(labs))))
    full_shape = tuple(sizes[c] for c in full)
    if int(np.prod(full_shape, dtype=np.int64)) > 1 << 24:
        raise TypeError("sparsity detection: a product of traced operands too large to expand")
    product: Any = None
    for o, lab in zip(ops, labs, strict=True):
        expanded = _to_labels(o, lab, full, full_shape)
        product = expanded if product is None else product * expanded
    contracted = tuple(k for k, c in enumerate(full) if c not in out)
    with _no_terms(trace):  # np.einsum on dual arrays gives no terms either
        result = np.sum(product, axis=contracted) if contracted else product
    remaining = "".join(c for c in full if c in out)
    result = np.transpose(result, [remaining.index(c) for c in out]) if out else result
    if isinstance(result, SparsityTracer):
        result._value = value
    return result


def _to_labels(o: Any, lab: str, full: str, full_shape: tuple[int, ...]) -> Any:
    """o (labels lab) broadcast over the labels `full`: diagonal of repeated labels,
    then the axes in full's order, size-1 axes for the labels it lacks."""
    uniq = "".join(dict.fromkeys(lab))
    if uniq != lab:
        if isinstance(o, SparsityTracer):
            ids = np.einsum(f"{lab}->{uniq}", np.arange(o.size).reshape(o.shape))
            o = o.ravel()[ids]
        else:
            o = np.einsum(f"{lab}->{uniq}", o)
    order = sorted(range(len(uniq)), key=lambda k: full.index(uniq[k]))
    o = np.transpose(o, order)
    shape = tuple(full_shape[k] if c in uniq else 1 for k, c in enumerate(full))
    return np.reshape(o, shape)


def _labels_matmul(na: int, nb: int) -> str:
    if na == 0 or nb == 0:
        raise ValueError("matmul: input operand does not have enough dimensions")
    a = "...ij" if na >= 2 else "j"
    b = "...jk" if nb >= 2 else "j"
    o = "..." + ("i" if na >= 2 else "") + ("k" if nb >= 2 else "")
    return f"{a},{b}->{o}"


def _sparse_matrix_product(
    matrix: Any, x: SparsityTracer, matrix_first: bool = True, operator: str = "@"
) -> Any:
    """matrix @ x (x @ matrix if not matrix_first) for a 2-d scipy.sparse matrix (or a
    1-d sparse array: a row): output (i, c) takes x's (j, c) where the matrix's entry
    (i, j) is nonzero; linear. operator "*": an spmatrix's, a 0-d x refused (scaling)."""
    if x.ndim == 0 and (refusal := sparse_scalar_refusal(matrix, operator, "a traced 0-d array")):
        raise TypeError(f"sparsity detection: {refusal}")
    if not matrix_first:  # x @ A = (A^T x^T)^T, as scipy computes it
        return _sparse_matrix_product(matrix.T, x.T).T
    if matrix.ndim == 1 and x.ndim in (1, 2) and matrix.shape[0] == x.shape[0]:
        return _sparse_matrix_product(matrix.reshape(1, -1), x)[0]  # (1-d coo: a row)
    if matrix.ndim != 2 or x.ndim not in (1, 2) or matrix.shape[1] != x.shape[0]:
        raise ValueError(
            f"matmul: a scipy.sparse matrix of shape {matrix.shape} and a traced array of "
            f"shape {x.shape} (a 1-d or 2-d matrix and a 1-d or 2-d operand whose first "
            "axis is its columns)"
        )
    sparse, trace = _sp(), x._trace
    _meet_complex(trace, (matrix,))  # (np.imag of a complex product is no zero)
    nonzero = sparse.csr_matrix(matrix, copy=True)  # (its own index arrays: pruned here)
    nonzero.eliminate_zeros()
    nonzero = sparse.csr_matrix(
        (np.ones(nonzero.nnz, dtype=bool), nonzero.indices, nonzero.indptr), nonzero.shape
    )
    columns = x.shape[1] if x.ndim == 2 else 1
    c = sparse.kron(nonzero, sparse.identity(columns, dtype=bool), format="csr")
    shape = (matrix.shape[0], *x.shape[1:])
    value = np.asarray(matrix @ x._value) if trace.local else None
    h = _through(c, _widen(x._h, trace.events)) if trace.second else None
    return SparsityTracer(trace, shape, _through(c, x._g), h, value)


def _matmul(func: Any, a: Any, b: Any, **kwargs: Any) -> Any:
    if kwargs.get("out") is not None:
        raise TypeError("sparsity detection: numpy.matmul with out=")
    extra = set(kwargs) - {"out", "axes", "dtype", "casting", "order", "subok", "signature"}
    if extra:
        raise TypeError(f"sparsity detection: numpy.matmul with {', '.join(sorted(extra))}=")
    na, nb = np.ndim(a), np.ndim(b)
    trace = _trace_of(a, b)
    if kwargs.get("axes") is not None:  # the core axes moved last, the result's back
        axes = [tuple(np.atleast_1d(ax).tolist()) for ax in kwargs["axes"]]
        ends = [tuple(range(-len(ax), 0)) for ax in axes]
        with _no_terms(trace):  # (as a dual array's matmul with axes=: no terms)
            result = _matmul(
                func, np.moveaxis(a, axes[0], ends[0]), np.moveaxis(b, axes[1], ends[1])
            )
        return np.moveaxis(result, ends[2], axes[2]) if len(axes) > 2 else result
    if trace.terms and not trace.local:
        terms = _product_terms(a, b)
        if terms is not None:
            return terms
    return _einsum(_labels_matmul(na, nb), [a, b])


def _dot(func: Any, a: Any, b: Any, out: Any = None) -> Any:
    if out is not None:
        raise TypeError("sparsity detection: numpy.dot with out=")
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return np.multiply(a, b)
    if na <= 2 and nb <= 2:
        return _matmul(func, a, b)
    la = string.ascii_lowercase[: na - 1] + "z"
    if nb == 1:  # the last axis of a with b's only one
        return _einsum(f"{la},z->{la[:-1]}", [a, b])
    lb = string.ascii_uppercase[: nb - 2] + "z" + "Y"
    return _einsum(f"{la},{lb}->{la[:-1]}{lb[:-2]}Y", [a, b])


def _vdot(func: Any, a: Any, b: Any) -> Any:
    trace = _trace_of(a, b)
    if trace.terms and not trace.local:  # as a Hessian plan's pass keeps it (1-d only)
        terms = _product_terms(a, b)
        if terms is not None:
            return terms
    with _no_terms(trace):
        result = _einsum("i,i->", [np.ravel(a), np.ravel(b)])
    if trace.local:  # numpy's value (a complex a conjugated)
        result._value = np.asarray(np.vdot(_value(a), _value(b)))
    return result


def _inner(func: Any, a: Any, b: Any) -> Any:
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return np.multiply(a, b)
    if na == 1 and nb == 1:
        return _matmul(func, a, b)
    la = string.ascii_lowercase[: na - 1] + "z"
    lb = string.ascii_uppercase[: nb - 1] + "z"
    return _einsum(f"{la},{lb}->{la[:-1]}{lb[:-1]}", [a, b])


def _outer(func: Any, a: Any, b: Any, out: Any = None) -> Any:
    result = _einsum("i,j->ij", [np.ravel(a), np.ravel(b)])
    return result if out is None else _into(func, out, result)


def _tensordot(func: Any, a: Any, b: Any, axes: Any = 2) -> Any:
    trace = _trace_of(a, b)
    if trace.terms and not trace.local:  # as a term scheme's pass keeps it
        terms = _tensordot_terms(a, b, axes)
        if terms is not None:
            return terms
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, int):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = (list(np.atleast_1d(x)) for x in axes)
    ax_a = [x % na for x in ax_a]
    ax_b = [x % nb for x in ax_b]
    la = list(string.ascii_lowercase[:na])
    lb = list(string.ascii_uppercase[:nb])
    for i, j in zip(ax_a, ax_b, strict=True):
        lb[j] = la[i]
    out = [c for k, c in enumerate(la) if k not in ax_a] + [
        c for k, c in enumerate(lb) if k not in ax_b
    ]
    return _einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", [a, b])


def _trace_rule(func: Any, a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    return np.sum(np.diagonal(a, offset, axis1, axis2), axis=-1)


def _correlate(func: Any, a: Any, v: Any, mode: str = "valid") -> Any:
    """np.correlate as convolve(a, v[::-1]); its "same" window for len(a) < len(v)
    starts at len(a) // 2 of the full result (numpy correlates v with a and reverses),
    convolve's at (len(a) - 1) // 2: one entry off for an even len(a)."""
    n, m = np.size(a), np.size(v)
    if mode == "same" and n < m:
        start = n // 2
        result = _convolve(np.convolve, a, v[::-1], "full")[start : start + m]
    else:
        result = _convolve(np.convolve, a, v[::-1], mode)
    if _trace_of(a, v).local:  # numpy's values (a complex v conjugated)
        result._value = np.correlate(_value(a), _value(v), mode)  # type: ignore[call-overload]
    return result


def _convolve(func: Any, a: Any, v: Any, mode: str = "full") -> Any:
    """np.convolve: out[t] takes a[j] where the other operand's entry t - j (shifted
    by the mode's offset) is nonzero (a traced operand: every entry); two traced
    operands are bilinear: each output pairs all it takes."""
    trace = _trace_of(a, v)
    if np.ndim(a) != 1 or np.ndim(v) != 1:
        raise ValueError("convolve: object too deep for desired array")
    n, k = np.size(a), np.size(v)
    lo, length = {
        "full": (0, n + k - 1),
        "same": ((min(n, k) - 1) // 2, max(n, k)),
        "valid": (min(n, k) - 1, max(n, k) - min(n, k) + 1),
    }[mode]

    def taken(x: Any, other: Any) -> tuple[Any, Any]:
        """x's sets (first and second order) taken into each output."""
        traced = isinstance(other, SparsityTracer)
        taps = np.arange(np.size(other)) if traced else np.flatnonzero(np.asarray(other))
        j = np.tile(np.arange(x.size, dtype=np.int64), len(taps))
        t = j + np.repeat(taps, x.size) - lo
        keep = (t >= 0) & (t < length)
        c = _connect(t[keep], j[keep], length, x.size)
        h = _through(c, _widen(x._h, trace.events)) if trace.second else None
        return _through(c, x._g), h

    sides = [taken(x, o) for x, o in ((a, v), (v, a)) if isinstance(x, SparsityTracer)]
    g = functools.reduce(_union, [side[0] for side in sides])
    h = None
    if trace.second:
        h = functools.reduce(_union, [side[1] for side in sides])
        if len(sides) == 2:
            h = _union(h, trace.new_events(g, g))
    # (mode: the caller's string, which numpy checks)
    value = np.convolve(_value(a), _value(v), mode) if trace.local else None  # type: ignore[call-overload]
    return SparsityTracer(trace, (length,), g, h, value)


def _sort(func: Any, a: Any, axis: Any = -1, **kwargs: Any) -> Any:
    """np.sort: at a point (local) a permutation along the axis; globally any element
    of the axis can land anywhere on it."""
    trace = _trace_of(a)
    if axis is None:
        a, axis = np.ravel(a), -1
    if trace.local:
        # the permutation a dual array's sort gives its parts: stable (numpy's default
        # sort is not: equal values, the parts of others)
        order = np.argsort(a._value, axis=axis, kind="stable")
        return np.take_along_axis(a, order, axis=axis)
    everything = np.sum(a, axis=axis, keepdims=True)
    return everything + np.zeros(a.shape)


# --- linear algebra: dense within a matrix ----------------------------------------------------
def _stand_in(x: Any) -> Any:
    """A value of x's shape for which linear algebra succeeds (global traces carry none)."""
    if not isinstance(x, SparsityTracer):
        return x
    if x._value is not None:
        return x._value
    shape = x.shape
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        return np.broadcast_to(np.eye(shape[-1]), shape).copy()
    return np.ones(shape)


def _dense(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Every output element depends on every input of every traced operand."""
    trace = _trace_of(*args)
    tracers = [a for a in args if isinstance(a, SparsityTracer)]
    if func is np.linalg.solve and len(args) == 2 and not isinstance(args[0], SparsityTracer):
        # a constant matrix: each right-hand side column on its own
        a, b = np.asarray(args[0]), args[1]
        value = func(a, b._value) if trace.local else None
        # numpy's shapes (a stack of matrices with one b broadcast: the stack's), from
        # identities; b a vector when 1-d (numpy 1: or one axis less than a)
        identities = np.broadcast_to(np.eye(a.shape[-1]), a.shape)
        shape = func(identities, np.zeros(b.shape)).shape
        vector = b.ndim == 1 or (_NUMPY_1 and b.ndim == a.ndim - 1)
        column = np.sum(b, axis=-1 if vector else -2, keepdims=True)
        result = column + np.zeros(shape)  # broadcast (a constant adds no dependency)
        result._value = value
        return result
    results = func(*[_stand_in(a) for a in args], **kwargs)
    value = func(*[_value(a) for a in args], **kwargs) if trace.local else None
    if func in (np.linalg.eig, np.linalg.eigvals):
        trace.complex = True  # (eigenvalues of a real matrix may be complex)
    g_all = functools.reduce(_union, [_through(_ones_row(t.size), t._g) for t in tracers])
    h_all = None
    if trace.second:
        h_all = functools.reduce(
            _union, [_through(_ones_row(t.size), _widen(t._h, trace.events)) for t in tracers]
        )

    def one(r: Any, v: Any) -> SparsityTracer:
        shape = np.shape(r)
        size = int(np.prod(shape, dtype=np.int64))
        rows = np.zeros(size, dtype=np.int64)
        g = g_all[rows]
        h = None
        if h_all is not None:
            h = _union(h_all[rows], trace.new_events(g, g))
        return SparsityTracer(trace, shape, g, h, None if v is None else np.asarray(v))

    if isinstance(results, tuple):
        values = value if value is not None else [None] * len(results)
        each = [one(r, v) for r, v in zip(results, values, strict=True)]
        # a named tuple (slogdet, eigh, svd, qr, ...) takes its fields one by one
        return type(results)(*each) if hasattr(results, "_fields") else tuple(each)
    return one(results, value)


_NUMPY_1 = int(np.__version__.split(".")[0]) < 2


def _per_matrix(func: Any, *args: Any, **kwargs: Any) -> Any:
    """numpy.linalg's functions of stacks of matrices (..., M, N), each matrix on its
    own: an output element of matrix k depends on every element of matrix k of each
    traced operand (dense within it, as _dense), of no other matrix (a batch of 3 x 3
    systems: block diagonal, where _dense made the whole batch one block)."""
    if not any(isinstance(a, SparsityTracer) and a.ndim > 2 for a in args) or (
        func is np.linalg.solve and not isinstance(args[0], SparsityTracer)
    ):
        return _dense(func, *args, **kwargs)  # (one matrix; a constant one's columns)
    trace = _trace_of(*args)

    def core(k: int, a: Any) -> int:  # a's matrix axes (solve's b: a vector when 1-d)
        vector = np.ndim(a) == 1 or (_NUMPY_1 and np.ndim(a) == np.ndim(args[0]) - 1)
        return 1 if func is np.linalg.solve and k == 1 and vector else 2

    operands = [(k, a) for k, a in enumerate(args[:2]) if np.ndim(a) >= 1]
    try:
        batch = np.broadcast_shapes(*[np.shape(a)[: np.ndim(a) - core(k, a)] for k, a in operands])
    except ValueError:
        return _dense(func, *args, **kwargs)
    results = func(*[_stand_in(a) for a in args], **kwargs)
    outputs = list(results) if isinstance(results, tuple) else [results]
    if any(np.shape(r)[: len(batch)] != batch for r in outputs):
        return _dense(func, *args, **kwargs)  # (not as numpy stacks them)
    values = func(*[_value(a) for a in args], **kwargs) if trace.local else None
    if func in (np.linalg.eig, np.linalg.eigvals):
        trace.complex = True  # (eigenvalues of a real matrix may be complex)
    with _no_terms(trace):
        per_matrix = [
            np.sum(a, axis=tuple(range(-core(k, a), 0)))
            for k, a in operands
            if isinstance(a, SparsityTracer)
        ]
        united = functools.reduce(operator.add, per_matrix) + np.zeros(batch)

    def own(r: Any, value: Any) -> SparsityTracer:
        shape = np.shape(r)
        with _no_terms(trace):
            spread = united.reshape(batch + (1,) * (len(shape) - len(batch)))
            sets = _lift(spread + np.zeros(shape), trace)
        h = _union(sets._h, trace.new_events(sets._g, sets._g)) if trace.second else None
        kept = None if value is None else np.asarray(value)
        return SparsityTracer(trace, shape, sets._g, h, kept)

    if isinstance(results, tuple):
        each = [
            own(r, None if values is None else v)
            for r, v in zip(results, values if values is not None else results, strict=True)
        ]
        return type(results)(*each) if hasattr(results, "_fields") else tuple(each)
    return own(results, values)


def _ones_row(size: int) -> Any:
    return _sp().csr_matrix(np.ones((1, size), dtype=bool))


def _multi_dot(func: Any, arrays: Any, *, out: Any = None) -> Any:
    if out is not None:
        raise TypeError("sparsity detection: numpy.linalg.multi_dot with out=")
    return functools.reduce(np.dot, arrays)


# --- custom_jvp functions: dense in their inputs -----------------------------------------
def _leaves(x: Any) -> list[Any]:
    if isinstance(x, (tuple, list)):
        return [leaf for y in x for leaf in _leaves(y)]
    if isinstance(x, dict):
        return [leaf for y in x.values() for leaf in _leaves(y)]
    return [x]


def _replaced(x: Any, leaf: Callable[[Any], Any]) -> Any:
    if isinstance(x, (tuple, list)):
        items = [_replaced(y, leaf) for y in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, dict):
        return type(x)((k, _replaced(y, leaf)) for k, y in x.items())
    return leaf(x)


def traced(args: Sequence[Any]) -> bool:
    """Whether a tracer is among the arguments (nested in tuples, lists, dicts; a sum
    kept as terms of tracers among them)."""
    for a in args:
        if isinstance(a, SparsityTracer):
            return True
        if isinstance(a, _Pending):
            if isinstance(a.materialize(), SparsityTracer):  # (as numpy would read it)
                return True
        elif isinstance(a, (tuple, list, dict)) and traced(
            tuple(a.values()) if isinstance(a, dict) else a
        ):
            return True
    return False


def custom_call(fun: Callable[..., Any], name: str, args: tuple[Any, ...]) -> Any:
    """A custom_jvp function called on tracers (custom_jvp.__call__ sends them here).
    Its rule, not its body, defines the derivative, and the rule is not traced: every
    output element depends on every input of every traced argument, and (second
    order) pairs all of them. The body runs once on values for the outputs' shapes
    (at a point: the values; globally: stand-ins, as for linear algebra)."""
    tracers = [leaf for leaf in _leaves(args) if isinstance(leaf, SparsityTracer)]
    trace = tracers[0]._trace
    trace.custom = True
    try:
        with np.errstate(all="ignore"):
            result = fun(*_replaced(args, _stand_in))
    except Exception as error:
        raise TypeError(
            f"sparsity detection: custom_jvp function {name} failed on stand-in values of "
            f"its arguments' shapes ({type(error).__name__}: {error}); its outputs' shapes "
            "are needed (use local=True, which runs it at the point's values)"
        ) from error
    g_all = functools.reduce(_union, [_through(_ones_row(t.size), t._g) for t in tracers])
    h_all = None
    if trace.second:
        rows = [_through(_ones_row(t.size), _widen(t._h, trace.events)) for t in tracers]
        h_all = _union(functools.reduce(_union, rows), trace.new_events(g_all, g_all))

    def dense(value: Any) -> Any:
        value = np.asarray(value)
        if value.dtype.kind not in "fc":
            return value  # an integer or boolean output: no derivative
        if value.dtype.kind == "c":  # (of real arguments, maybe: np.imag no zero)
            trace.complex = True
        rows = np.zeros(value.size, dtype=np.int64)
        h = None if h_all is None else _widen(h_all, trace.events)[rows]
        return SparsityTracer(trace, value.shape, g_all[rows], h, value if trace.local else None)

    return _replaced(result, dense)


_PLAIN_ARGUMENTS = frozenset((np.ndarray, float, int, complex, np.float64))


def _detected(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether a transform's call holds tracers (f calls it under detection)."""
    for a in args:
        if type(a) not in _PLAIN_ARGUMENTS and traced((a,)):  # (plain ones at once)
            return True
    return bool(kwargs) and traced(tuple(kwargs.values()))


def _read(x: Any) -> Any:
    return x.materialize() if isinstance(x, _Pending) else x


def nested_transform(
    transform: Callable[..., Any], what: str, pointwise: Any,
    args: tuple[Any, ...], kwargs: dict[str, Any],
) -> Any:  # fmt: skip
    """A hyperdiff transform f calls on tracers. One that acts point by point in its
    differentiated arguments (derivative, elementwise=True), with only those traced:
    each output element depends on those arguments' elements at its point, as a
    nonlinear elementwise function's (the transform's own pass checks that f is
    pointwise). It runs once on values for the outputs' shapes (globally: stand-ins).
    Any other transform (grad, jacobian, hessian, ...): its derivatives are not traced
    (a TypeError naming it)."""
    if pointwise is None:
        raise TypeError(
            f"sparsity detection cannot see through hyperdiff.{what} called "
            "inside f (detection traces numpy operations, not derivatives taken in f): "
            "for a sparse Hessian use hyperdiff.hessian(f, sparsity='auto') (not "
            "jacobian of grad), or pass the pattern as sparsity=pattern (the compressed "
            f"passes run the nested {what})"
        )
    args, kwargs = _replaced(args, _read), _replaced(kwargs, _read)  # (sums kept as terms)
    nums = (pointwise,) if isinstance(pointwise, int) else tuple(pointwise)
    places = {a % len(args) for a in nums if -len(args) <= a < len(args)}
    tracers = [a for i, a in enumerate(args) if i in places and isinstance(a, SparsityTracer)]
    others = [a for i, a in enumerate(args) if i not in places or type(a) is not SparsityTracer]
    traced_elsewhere = traced(others) or traced(tuple(kwargs.values()))
    try:
        shape = np.broadcast_shapes(*[t.shape for t in tracers])
    except ValueError:
        traced_elsewhere = True
    traced_elsewhere = traced_elsewhere or not tracers
    if traced_elsewhere:  # (not point by point in those: every element on every input)
        return custom_call(lambda *a: transform(*a, **kwargs), what, args)
    trace = tracers[0]._trace
    trace.custom = True  # (no sums kept as terms: the rule is not f's)
    with np.errstate(all="ignore"):
        results = transform(*_replaced(args, _stand_in), **kwargs)
    at_point = functools.reduce(operator.add, tracers)  # their sets united, broadcast
    if not isinstance(at_point, SparsityTracer):
        at_point = _lift(at_point, trace)

    def elementwise(value: Any) -> Any:
        value = np.asarray(value)
        if value.dtype.kind not in "fc":
            return value  # (no derivative)
        if value.dtype.kind == "c":
            trace.complex = True
        try:
            point_by_point = np.broadcast_shapes(shape, value.shape) == value.shape
        except ValueError:
            point_by_point = False
        if not point_by_point:
            raise TypeError(
                f"sparsity detection: hyperdiff.{what} gave shape {value.shape}, not "
                f"its arguments' {shape} broadcast: it is not point by point here"
            )
        sets = at_point + np.zeros(value.shape)  # (a constant adds no dependency)
        sets = _lift(sets, trace)
        h = _union(sets._h, trace.new_events(sets._g, sets._g)) if trace.second else None
        return SparsityTracer(trace, value.shape, sets._g, h, value if trace.local else None)

    return _replaced(results, elementwise)


@contextlib.contextmanager
def _no_terms(trace: _Trace) -> Any:
    """Full sums as plain sums (inside functions a dual array does not keep as terms)."""
    terms, trace.terms = trace.terms, False
    try:
        yield
    finally:
        trace.terms = terms


def _step(func: Any, a: Any, *args: Any, **kwargs: Any) -> Any:
    """np.round / np.around / np.fix: piecewise constant, derivative 0 (as np.rint),
    written into out= when given."""
    bound = inspect.signature(func).bind(a, *args, **kwargs).arguments
    out = bound.pop("out", None)
    trace = _trace_of(a, out)
    result = func(**_values_in(bound)) if trace.local else np.floor(a)
    return result if out is None else _into(func, out, result)


def _real(func: Any, a: Any, *args: Any, **kwargs: Any) -> Any:
    """np.real / np.real_if_close: the array's sets; np.imag: the same sets when a
    traced array may be complex (a superset), else zero. At a point, numpy's values
    of them (a branch on np.imag(z) > 0 compared z itself)."""
    trace = _trace_of(a)
    if func is np.imag and not trace.complex:
        return np.zeros_like(a)
    if not trace.local or not (func is np.imag or np.iscomplexobj(a._value)):
        return a
    return SparsityTracer(trace, a.shape, a._g, a._h, np.asarray(func(a._value, *args, **kwargs)))


def _kron(func: Any, a: Any, b: Any) -> Any:
    """a (x) b as the broadcast product of a (a0, 1, a1, 1, ...) and b (1, b0, 1, b1, ...)."""
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + tuple(np.shape(a))
    sb = (1,) * (nd - np.ndim(b)) + tuple(np.shape(b))
    pa = np.reshape(a, sum(((s, 1) for s in sa), ()))
    pb = np.reshape(b, sum(((1, s) for s in sb), ()))
    return np.reshape(pa * pb, tuple(x * y for x, y in zip(sa, sb, strict=True)))


def _cross(func: Any, a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
           axis: Any = None) -> Any:  # fmt: skip
    """np.cross of vectors of 3 (or 2) along the last axes, from products of components."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    la, lb = np.shape(a)[-1], np.shape(b)[-1]
    if (la, lb) == (2, 2):
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    if la not in (2, 3) or lb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product (dimension must be 2 or 3)")
    z = np.zeros(np.shape(a)[:-1])
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2] if la == 3 else z
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2] if lb == 3 else z
    c = np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return np.moveaxis(c, -1, axisc)


# --- numpy functions written in numpy (the superset of their patterns by tracer ops) ----------
def _as_pairs(x: Any, ndim: int) -> np.ndarray:
    """(before, after) per axis from pad_width / stat_length as numpy.pad reads them
    (numpy checked them: a dict names the padded axes)."""
    if isinstance(x, dict):
        rows = [(0, 0)] * ndim
        for axis, width in x.items():
            rows[axis] = (width, width) if np.ndim(width) == 0 else tuple(width)
        return np.asarray(rows)
    pairs = np.asarray(x)
    if pairs.size == 1:
        pairs = np.repeat(pairs.ravel(), 2)
    elif pairs.size == 2 and pairs.shape != (2, 1):
        pairs = pairs.ravel()
    return np.broadcast_to(pairs, (ndim, 2))


def _with_value(result: Any, value: Any) -> Any:
    """result (a tracer) with numpy's own value at a point (a local trace)."""
    if isinstance(result, SparsityTracer) and result._trace.local:
        result._value = np.asarray(value)
    return result


def _pad_rule(func: Any, array: Any, pad_width: Any, mode: Any = "constant", **kwargs: Any) -> Any:
    """np.pad: the moving modes by element numbers (_move); linear_ramp as edge (each
    ramp element on its edge element alone); mean as numpy pads it, axis after axis,
    each side the mean of the stat_length elements next to it (of the array padded
    along the axes before)."""
    trace = _trace_of(array)
    if not isinstance(mode, str) or mode not in (*_PAD_MODES, *_PAD_STATS, "linear_ramp"):
        raise TypeError(f"sparsity detection: numpy.pad with mode={mode!r}")
    if mode in _PAD_MODES:
        return _move(func, (array, pad_width, mode), kwargs)
    if _has_tracer(tuple(kwargs.values())) or _has_tracer(pad_width):
        raise TypeError(_BRANCH.format(what="a traced argument steering numpy.pad"))
    a = _lift(array, trace)
    value = func(a._value if trace.local else np.zeros(a.shape), pad_width, mode, **kwargs)
    if mode == "linear_ramp":
        return _with_value(_move(func, (a, pad_width, "edge"), {}), value)
    widths = _as_pairs(pad_width, a.ndim).astype(np.int64)
    lengths = kwargs.get("stat_length")
    limits = None if lengths is None else _as_pairs(lengths, a.ndim).astype(np.int64)
    padded: Any = a
    with _no_terms(trace):
        for axis in range(a.ndim):
            size = padded.shape[axis]
            pieces = [padded]
            for side, width in enumerate(widths[axis]):
                if width == 0:
                    continue
                length = size if limits is None else min(int(limits[axis][side]), size)
                cut = [slice(None)] * a.ndim
                cut[axis] = slice(0, length) if side == 0 else slice(size - length, size)
                mean = np.mean(padded[tuple(cut)], axis=axis, keepdims=True)
                pieces.insert(0 if side == 0 else len(pieces), np.repeat(mean, width, axis))
            padded = np.concatenate(pieces, axis=axis) if len(pieces) > 1 else padded
    return _with_value(padded, value)


# pad's modes by statistics that hyperdiff's pad takes (maximum, minimum and median
# pick by value: it refuses them)
_PAD_STATS = ("mean",)


def _diff_rule(
    func: Any, a: Any, n: int = 1, axis: int = -1, prepend: Any = np._NoValue,
    append: Any = np._NoValue,
) -> Any:  # fmt: skip
    """np.diff: differences of neighbours, n times, after prepend and append (scalars
    broadcast along the axis, as numpy does)."""
    trace = _trace_of(a, prepend, append)
    a = _lift(a, trace)
    value = None
    if trace.local:
        given = {k: _value(v) for k, v in (("prepend", prepend), ("append", append))}
        value = func(a._value, n, axis, **{k: v for k, v in given.items() if v is not np._NoValue})
    if n == 0:
        return a
    axis = axis % max(a.ndim, 1)
    parts = []
    for extra in (prepend, a, append):
        if extra is np._NoValue:
            continue
        if extra is not a and np.ndim(extra) == 0:
            shape = list(a.shape)
            shape[axis] = 1
            extra = np.broadcast_to(extra, tuple(shape))
        parts.append(extra)
    if len(parts) > 1:
        a = np.concatenate(parts, axis=axis)
    for _ in range(n):
        lo = [slice(None)] * a.ndim
        hi = [slice(None)] * a.ndim
        lo[axis], hi[axis] = slice(None, -1), slice(1, None)
        a = a[tuple(hi)] - a[tuple(lo)]
    return _with_value(a, value) if value is not None else a


def _average(
    func: Any, a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *,
    keepdims: bool = False,
) -> Any:  # fmt: skip
    """np.average: sum(a w) / sum(w) along the axes (w along one axis broadcast as
    numpy does), the mean without weights."""
    trace = _trace_of(a, weights)
    value = None
    if trace.local:
        value = func(_value(a), axis, _value(weights), returned, keepdims=keepdims)
    elif not isinstance(weights, SparsityTracer):  # numpy's checks (weights summing to 0)
        func(np.ones(np.shape(a)), axis, weights, keepdims=keepdims)
    a = _lift(a, trace)
    # the average of all of a by constant weights is a weighted full sum: a Hessian
    # plan keeps its terms, as the pass (_numeric._average: np.sum(a w) / sum(w))
    whole = (axis is None or a.ndim == 1) and not keepdims and not returned
    constant = not isinstance(weights, SparsityTracer)
    with contextlib.nullcontext() if whole and constant else _no_terms(trace):
        if weights is None:
            avg = np.mean(a, axis=axis, keepdims=keepdims)
            scale: Any = np.full(np.shape(avg), a.size / max(int(np.size(avg)), 1))
        else:
            w = weights
            if np.shape(w) != a.shape:  # along the axes: numpy's checks, then its broadcast
                func(np.zeros(a.shape), axis, np.ones(np.shape(w)))
                axes = tuple(int(ax) % a.ndim for ax in np.atleast_1d(axis))
                w = np.transpose(w, tuple(np.argsort(axes).tolist()))
                w = np.reshape(w, tuple(n if d in axes else 1 for d, n in enumerate(a.shape)))
            scale = np.sum(w * np.ones(a.shape), axis=axis, keepdims=keepdims)
            avg = np.sum(a * w, axis=axis, keepdims=keepdims) / scale
    if value is not None:
        avg = _with_value(avg, value[0] if returned else value)
        scale = _with_value(scale, value[1]) if returned else scale
    return (avg, scale) if returned else avg


def _ptp(func: Any, a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    """np.ptp: max - min along the axes."""
    trace = _trace_of(a)
    with _no_terms(trace):
        result = np.max(a, axis=axis, keepdims=keepdims) - np.min(a, axis=axis, keepdims=keepdims)
    if trace.local:
        result = _with_value(result, func(_value(a), axis=axis, keepdims=keepdims))
    return result if out is None else _into(func, out, result)


def _trapezoid(func: Any, y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    """np.trapezoid, numpy's formula: sum(d (y[1:] + y[:-1]) / 2) along the axis, d the
    differences of x (or dx)."""
    trace = _trace_of(y, x, dx)
    value = func(_value(y), _value(x), _value(dx), axis) if trace.local else None
    y = _lift(y, trace)
    if trace.terms and not trace.local and not y._plain and y.ndim == 1 and axis in (0, -1):
        weights = _trapezoid_weights(y.size, x, dx, y.dtype)
        if weights is not None:  # (as the pass keeps it: the term kind's rule)
            return _Terms([(_held(y), weights)], 0.0)
    axis = axis % max(y.ndim, 1)
    if x is None:
        d = dx
    else:
        d = np.diff(x, axis=-1 if np.ndim(x) == 1 else axis)
        if np.ndim(x) == 1 and y.ndim > 1:
            line = [1] * y.ndim
            line[axis] = np.shape(d)[0]
            d = np.reshape(d, tuple(line))
    lo = [slice(None)] * y.ndim
    hi = [slice(None)] * y.ndim
    lo[axis], hi[axis] = slice(None, -1), slice(1, None)
    # (a 1-d y's integral is a full sum: a Hessian plan keeps its terms, as the pass)
    with contextlib.nullcontext() if y.ndim == 1 else _no_terms(trace):
        result = np.sum(d * (y[tuple(hi)] + y[tuple(lo)]) / 2.0, axis=axis)
    return _with_value(result, value) if value is not None else result


def _trapezoid_weights(n: int, x: Any, dx: Any, dtype: np.dtype) -> np.ndarray | None:
    """np.trapezoid of a 1-d y of n elements as sum(w y), w_k = (d_{k-1} + d_k) / 2
    (d: dx, or x's differences), in the real dtype numpy's result has: a sum of terms
    y_k, each on y's own variables (d (y[1:] + y[:-1]) / 2 pairs neighbours: twice the
    pairs, and 15 planes of 1e5 computed for them). None for traced x or dx, or
    shapes numpy would refuse (its error then comes from its rule)."""
    if n < 2 or isinstance(x, (SparsityTracer, DualArray)):
        return None
    if isinstance(dx, (SparsityTracer, DualArray)) or np.ndim(dx) != 0:
        return None
    if x is None:
        d: Any = dx
    else:
        points = np.asarray(x)
        if points.shape != (n,) or points.dtype.kind not in "biuf":
            return None
        d = np.diff(points)
    real = np.finfo(np.result_type(dtype, d)).dtype
    half = np.broadcast_to(np.asarray(d).astype(real) / 2, (n - 1,))
    weights = np.zeros(n, real)
    weights[:-1] += half
    weights[1:] += half
    return weights


def _gradient(func: Any, f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """np.gradient (linear in f): inside, element i on i - 1 and i + 1, and on i itself
    where the spacings on either side differ (numpy's coefficient of f[i] is zero for
    equal ones); at the ends the two (edge_order=1) or three neighbours."""
    trace = _trace_of(f)
    if _has_tracer(varargs):
        raise TypeError("sparsity detection: numpy.gradient with traced spacings")
    f = _lift(f, trace)
    values = func(f._value if trace.local else np.zeros(f.shape), *varargs, axis=axis,
                  edge_order=edge_order)  # fmt: skip  # (numpy checks the arguments)
    axes = list(range(f.ndim)) if axis is None else [int(a) for a in np.atleast_1d(axis)]
    axes = [a % f.ndim for a in axes]
    spacings = list(varargs) if len(varargs) == len(axes) else list(varargs) * len(axes)
    results = []
    for k, ax in enumerate(axes):
        step = spacings[k] if spacings else 1.0
        n = f.shape[ax]

        def cut(start: int | None, stop: int | None, ax: int = ax) -> tuple[slice, ...]:
            index = [slice(None)] * f.ndim
            index[ax] = slice(start, stop)
            return tuple(index)

        inside = f[cut(2, None)] - f[cut(None, -2)]
        if np.ndim(step) == 1:  # coordinates: f[i] where the spacings either side differ
            widths = np.diff(np.asarray(step, dtype=float))
            shape = [1] * f.ndim
            shape[ax] = n - 2
            differ = np.reshape(widths[1:] != widths[:-1], tuple(shape))
            inside = inside + np.where(differ, f[cut(1, -1)], 0.0)
        ends = 2 if edge_order == 1 else 3
        first = functools.reduce(operator.add, [f[cut(j, j + 1)] for j in range(ends)])
        last = functools.reduce(operator.add, [f[cut(n - 1 - j, n - j)] for j in range(ends)])
        with _no_terms(trace):
            results.append(np.concatenate([first, inside, last], axis=ax))
    if trace.local:
        shown = values if isinstance(values, (list, tuple)) else [values]
        results = [_with_value(r, v) for r, v in zip(results, shown, strict=True)]
    if isinstance(values, (list, tuple)):
        return type(values)(results)
    return results[0]


_NAN_RULES: dict[Any, dict[str, Any]] = {
    np.nanmean: {"nonlinear": False},
    np.nanmax: {"nonlinear": False, "select": "max"},
    np.nanmin: {"nonlinear": False, "select": "min"},
    np.nanmedian: {"nonlinear": False},
    np.nanprod: {"nonlinear": True},
    np.nanvar: {"nonlinear": True},
    np.nanstd: {"nonlinear": True},
}


def _nan_reduction(func: Any, *args: Any, **kwargs: Any) -> Any:
    """numpy's nan-ignoring reductions: every element of the axes (a nan element adds
    its set: a superset), at a point the max/min's own elements, numpy's value."""
    bound = inspect.signature(func).bind(*args, **kwargs).arguments
    a, out = bound.pop("a"), bound.pop("out", None)
    axis, keepdims = bound.pop("axis", None), bound.pop("keepdims", False)
    bound.pop("dtype", None)
    bound.pop("overwrite_input", None)
    result = _reduction(func, a, axis=axis, keepdims=keepdims, **_NAN_RULES[func], **bound)
    return result if out is None else _into(func, out, result)


def _reduceat(
    ufunc: np.ufunc, array: Any, indices: Any, axis: int = 0, dtype: Any = None,
    out: Any = None,
) -> Any:  # fmt: skip
    """ufunc.reduceat: result i on the elements indices[i] .. indices[i + 1] along the
    axis (on indices[i] alone where the next index is not greater), as the ufunc's
    reduce over them (max/min at a point: the whole segment, a superset)."""
    name = ufunc.__name__
    if name not in _REDUCEAT_NONLINEAR:
        raise TypeError(f"sparsity detection does not support {ufunc_name(ufunc)}.reduceat")
    if _has_tracer(indices):
        raise TypeError(_BRANCH.format(what=f"traced indices of {ufunc_name(ufunc)}.reduceat"))
    trace = _trace_of(array)
    a = _lift(array, trace)
    starts = np.asarray(indices, dtype=np.int64).ravel()
    shape = np.shape(ufunc.reduceat(np.zeros(a.shape), starts, axis=axis))  # (numpy's checks)
    axis = axis % a.ndim
    length, count = a.shape[axis], len(starts)
    ends = np.append(starts[1:], length)
    sizes = np.where(starts < ends, ends - starts, 1)
    segment = np.repeat(np.arange(count, dtype=np.int64), sizes)
    within = np.arange(len(segment), dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    ins = np.moveaxis(np.arange(a.size, dtype=np.int64).reshape(a.shape), axis, -1)
    size = int(np.prod(shape, dtype=np.int64))
    outs = np.moveaxis(np.arange(size, dtype=np.int64).reshape(shape), axis, -1)
    c = _connect(
        outs.reshape(-1, count)[:, segment].ravel(),
        ins.reshape(-1, length)[:, starts[segment] + within].ravel(),
        size,
        a.size,
    )
    g = _through(c, a._g)
    h = None
    if trace.second:
        h = _through(c, _widen(a._h, trace.events))
        if _REDUCEAT_NONLINEAR[name]:
            h = _union(h, trace.new_events(g, g))
    value = ufunc.reduceat(a._value, starts, axis=axis) if trace.local else None
    result = SparsityTracer(trace, shape, g, h, value)
    return result if out is None else _into(ufunc.reduceat, out, result)


# the ufuncs whose reduceat detection follows, and whether they are nonlinear
_REDUCEAT_NONLINEAR = {
    "add": False, "maximum": False, "minimum": False, "fmax": False, "fmin": False,
    "multiply": True,
}  # fmt: skip


def _root_of_squares(ndim: int, size: int, kind: str, ord: Any, axis: Any, keepdims: Any) -> bool:
    """Whether np.linalg.norm with these arguments is the square root of the sum of a
    real array's squares (the 2-norm of a vector, the Frobenius norm of a matrix), of
    more than one element: a term scheme keeps it as a _RootOfTerms."""
    whole = axis is None and not keepdims and size > 1 and kind == "f"
    return whole and (ord is None or (ord == 2 and ndim == 1) or (ord == "fro" and ndim == 2))


def _norm(func: Any, x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """np.linalg.norm by its definitions on tracers: the 2-norm and Frobenius norm
    nonlinear in every element, the max, min and 1-norms as max/min/sum of |x| (of the
    line sums for matrices), p-norms sum |x|^p, the count (ord 0) no derivative, the
    matrix 2-norm and nuclear norm (singular values) every element of each matrix.
    In a term scheme's trace, the 2-norm's squares are kept as terms (_RootOfTerms)."""
    trace = _trace_of(x)
    x = _lift(x, trace)
    if (
        trace.terms
        and not trace.local
        and not x._plain
        and _root_of_squares(x.ndim, x.size, x.dtype.kind, ord, axis, keepdims)
    ):
        squares = _Terms([(_held(x * x), 1.0)], 0.0)
        return _RootOfTerms(squares, lambda: _norm_rule(func, x, ord, axis, keepdims))
    return _norm_rule(func, x, ord, axis, keepdims)


def _norm_rule(func: Any, x: SparsityTracer, ord: Any, axis: Any, keepdims: bool) -> Any:
    trace = x._trace
    value = func(x._value if trace.local else np.ones(x.shape), ord, axis, keepdims)
    if axis is None:
        axes = tuple(range(x.ndim))
        matrix = ord is not None and x.ndim == 2
    else:
        axes = tuple(int(a) % x.ndim for a in np.atleast_1d(axis))
        matrix = len(axes) == 2
    with _no_terms(trace):
        if ord is None or (ord in (2, "fro") and not matrix) or ord == "fro":
            extra = {} if ord is None else {"ord": ord}
            result = _reduction(func, x, axis=axis, keepdims=keepdims, nonlinear=True, **extra)
        elif matrix and ord in (2, -2, "nuc"):
            result = _reduction(func, x, axis=axes, keepdims=keepdims, nonlinear=True, ord=ord)
        elif matrix and ord in (1, -1, np.inf, -np.inf):
            row, col = axes
            summed, other = (row, col) if ord in (1, -1) else (col, row)
            sums = np.sum(np.abs(x), axis=summed)
            pick = np.max if ord in (1, np.inf) else np.min
            result = pick(sums, axis=other - 1 if other > summed else other)
            if keepdims:
                result = np.expand_dims(result, tuple(sorted(axes)))
        elif not matrix and ord in (np.inf, -np.inf):
            pick = np.max if ord == np.inf else np.min
            result = pick(np.abs(x), axis=axes, keepdims=keepdims)
        elif not matrix and ord == 0:
            result = np.sum(x != 0, axis=axes, keepdims=keepdims)
        elif not matrix and ord == 1:
            result = np.sum(np.abs(x), axis=axes, keepdims=keepdims)
        elif not matrix:
            power = float(ord)
            result = np.sum(np.abs(x) ** power, axis=axes, keepdims=keepdims) ** (1.0 / power)
        else:
            raise ValueError(f"invalid norm order {ord!r} for matrices")
    return _with_value(result, value)


# --- hyperdiff.special's mirrors (scipy's Python-level functions: np.asarray first) -------
def special_rule(function: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Detection's rule for hyperdiff.special's `function` on traced arguments: the
    stable formulas' patterns (logsumexp, softmax, log_softmax: every element of the
    axes, nonlinear), elementwise in the differentiated argument (polygamma in x,
    multigammaln in a, spherical_* in z); scipy's values at a point."""
    name = function.__name__
    rule = _SPECIAL_RULES.get(name)
    if rule is None:
        raise TypeError(f"sparsity detection does not support hyperdiff.special.{name}")
    bound = inspect.signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    scipy_function = getattr(__import__("scipy.special").special, name)
    trace = _trace_of(*bound.arguments.values())
    value = None
    if trace.local:
        value = scipy_function(**{k: _value(v) for k, v in bound.arguments.items()})
    with _no_terms(trace):
        result = rule(trace, scipy_function, **bound.arguments)
    if value is None:
        return result
    if isinstance(result, tuple):  # logsumexp's return_sign: (log|sum|, sign)
        return tuple(_with_value(r, v) for r, v in zip(result, value, strict=True))
    return _with_value(result, value)


def _logsumexp_rule(
    trace: _Trace, scipy_function: Any, a: Any, axis: Any, b: Any, keepdims: bool,
    return_sign: bool,
) -> Any:  # fmt: skip
    a = _lift(a, trace)
    terms = np.exp(a) if b is None else b * np.exp(a)
    total = np.sum(terms, axis=axis, keepdims=True)
    out = np.log(np.abs(total)) if return_sign else np.log(total)
    if not keepdims:
        axes = tuple(range(np.ndim(out))) if axis is None else axis
        out = np.squeeze(out, axis=axes)
        total = np.squeeze(total, axis=axes)
    return (out, np.sign(total)) if return_sign else out


def _softmax_rule(trace: _Trace, scipy_function: Any, x: Any, axis: Any) -> Any:
    e = np.exp(_lift(x, trace))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_rule(trace: _Trace, scipy_function: Any, x: Any, axis: Any) -> Any:
    x = _lift(x, trace)
    return x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))


def _elementwise_in(position: str) -> Callable[..., Any]:
    """The rule of a function elementwise in its argument `position` (the others
    integer constants, broadcast with it, as scipy's ufunc does)."""

    def rule(trace: _Trace, scipy_function: Any, **arguments: Any) -> Any:
        constants = {k: v for k, v in arguments.items() if k != position}
        if _has_tracer(tuple(constants.values())):
            name = scipy_function.__name__
            raise TypeError(
                f"sparsity detection: hyperdiff.special.{name} differentiates in {position} "
                "only (a traced array among its other arguments)"
            )
        x = _lift(arguments[position], trace)
        shape = np.broadcast_shapes(
            x.shape, *(np.shape(v) for v in constants.values() if not isinstance(v, bool))
        )
        return _elementwise(lambda v: v, np.broadcast_to(x, shape))

    return rule


_SPECIAL_RULES: dict[str, Callable[..., Any]] = {
    "logsumexp": _logsumexp_rule,
    "softmax": _softmax_rule,
    "log_softmax": _log_softmax_rule,
    "polygamma": _elementwise_in("x"),
    "multigammaln": _elementwise_in("a"),
    **{f"spherical_{k}": _elementwise_in("z") for k in ("jn", "yn", "in", "kn")},
}
SparsityTracer._special_rule = staticmethod(special_rule)  # type: ignore[attr-defined]


add_object_loop_methods(SparsityTracer, lambda ufunc, x: ufunc(x))  # (np.asarray of a tracer)


# --- more of numpy's functions the dense transforms take (by tracer operations) ------------
def _by_values(func: Any, build: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """build (numpy's parameter names) on tracers for the pattern, with func's own value
    at a point (numpy checks the arguments, on the values or on ones, first)."""
    bound = inspect.signature(func).bind(*args, **kwargs).arguments
    trace = _trace_of(*bound.values())
    if trace.local:
        value = func(*_values_in(args), **_values_in(kwargs))
    else:
        value = None
        plain = [np.ones(np.shape(a)) if _has_tracer(a) else a for a in args]
        named = {k: np.ones(np.shape(v)) if _has_tracer(v) else v for k, v in kwargs.items()}
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (corrcoef of constant rows: 0 / 0)
            func(*plain, **named)
    with _no_terms(trace):
        result = build(**bound)
    if value is None:
        return result
    if isinstance(result, tuple):
        return tuple(_with_value(r, v) for r, v in zip(result, value, strict=True))
    return _with_value(result, value)


def _cumulative_build(
    x: Any, axis: Any = None, out: Any = None, include_initial: bool = False, *,
    product: bool, **ignored: Any,
) -> Any:  # fmt: skip
    if out is not None:
        raise TypeError("sparsity detection: numpy.cumulative_sum/prod with out=")
    if axis is None:
        axis = 0
    result = np.cumprod(x, axis=axis) if product else np.cumsum(x, axis=axis)
    if include_initial:
        shape = list(np.shape(result))
        shape[axis] = 1
        result = np.concatenate([np.full(shape, 1.0 if product else 0.0), result], axis=axis)
    return result


def _ediff1d_build(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    parts = [np.ravel(to_begin)] if to_begin is not None else []
    parts.append(np.diff(np.ravel(ary)))
    if to_end is not None:
        parts.append(np.ravel(to_end))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _vander_build(x: Any, N: Any = None, increasing: bool = False) -> Any:
    n = np.shape(x)[0] if N is None else int(N)
    powers = range(n) if increasing else range(n - 1, -1, -1)
    columns = [x**k if k else np.ones(np.shape(x)) for k in powers]
    return np.stack(columns, axis=1) if columns else np.zeros((np.shape(x)[0], 0))


def _cov_build(
    m: Any, y: Any = None, rowvar: bool = True, fweights: Any = None, aweights: Any = None,
    *, correlate: bool = False, **ignored: Any,
) -> Any:  # fmt: skip
    """numpy's cov (and corrcoef: cov over the outer product of its diagonal's roots)
    on tracers: the centred rows' products, weights as constants."""
    if _has_tracer((fweights, aweights)):
        raise TypeError("sparsity detection: numpy.cov with traced weights")
    x = np.atleast_2d(m)
    if not rowvar and np.shape(x)[0] != 1:
        x = np.transpose(x)
    if y is not None:
        other = np.atleast_2d(y)
        if not rowvar and np.shape(other)[0] != 1:
            other = np.transpose(other)
        x = np.concatenate([x, other], axis=0)
    w = None
    for weights in (fweights, aweights):
        if weights is not None:
            w = np.asarray(weights, dtype=float) * (1.0 if w is None else w)
    centred = x - (np.mean(x, axis=1, keepdims=True) if w is None else
                   np.sum(x * w, axis=1, keepdims=True) / np.sum(w))  # fmt: skip
    c = (centred if w is None else centred * w) @ np.transpose(centred)
    if correlate:
        d = np.diagonal(c)
        c = c / np.sqrt(np.reshape(d, (-1, 1)) * np.reshape(d, (1, -1)))
    return np.squeeze(c)


def _corrcoef_build(x: Any, y: Any = None, rowvar: bool = True, **ignored: Any) -> Any:
    return _cov_build(x, y, rowvar, correlate=True)


def _spaced_build(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0,
    axis: int = 0, *, kind: str, **ignored: Any,
) -> Any:  # fmt: skip
    """linspace / logspace / geomspace on traced endpoints: every sample on start and
    stop (linear for linspace; base**, exp of logs: nonlinear)."""
    if _has_tracer(base) or _has_tracer(num):
        raise TypeError(f"sparsity detection: numpy.{kind} with a traced base or num")
    if kind == "geomspace":
        start, stop = np.log(start), np.log(stop)
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    t = np.linspace(0.0, 1.0, int(num), endpoint=endpoint)
    axis = axis % (len(shape) + 1)
    t = np.reshape(t, tuple(-1 if d == axis else 1 for d in range(len(shape) + 1)))
    lo, hi = np.expand_dims(start, axis) if np.ndim(start) else start, stop
    hi = np.expand_dims(stop, axis) if np.ndim(stop) else stop
    samples = lo * (1.0 - t) + hi * t
    if kind == "logspace":
        return np.power(base, samples)
    return np.exp(samples) if kind == "geomspace" else samples


def _linspace_build(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
    axis: int = 0, **ignored: Any,
) -> Any:  # fmt: skip
    samples = _spaced_build(start, stop, num, endpoint, kind="linspace", axis=axis)
    if not retstep:
        return samples
    return samples, (stop - start) / max(int(num) - (1 if endpoint else 0), 1)


def _polyder_build(p: Any, m: int = 1) -> Any:
    for _ in range(int(m)):
        n = np.shape(p)[0] - 1
        p = p[:-1] * np.arange(n, 0, -1, dtype=float) if n > 0 else p[:0] * 0.0
    return p


def _polyint_build(p: Any, m: int = 1, k: Any = None) -> Any:
    constants = np.zeros(int(m)) if k is None else np.atleast_1d(k)
    if np.shape(constants)[0] == 1 and int(m) > 1:
        constants = np.broadcast_to(constants, (int(m),))
    for i in range(int(m)):
        n = np.shape(p)[0]
        scaled = p / np.arange(n, 0, -1, dtype=float)
        p = np.concatenate([scaled, np.reshape(constants[i] * 1.0, (1,))])
    return p


def _polyadd_build(a1: Any, a2: Any, *, sign: float = 1.0) -> Any:
    a1, a2 = np.atleast_1d(a1), np.atleast_1d(a2)
    d = np.shape(a2)[0] - np.shape(a1)[0]
    if d > 0:
        a1 = np.concatenate([np.zeros(d), a1])
    elif d < 0:
        a2 = np.concatenate([np.zeros(-d), a2])
    return a1 + sign * a2


def _identity_build(x: Any = None, p: Any = None, **ignored: Any) -> Any:
    """Elementwise with derivative 1 (nan_to_num's finite entries, unwrap's added
    multiples of the period are steps): the sets themselves, linear."""
    return np.positive(x if p is None else p)


def _rule(build: Callable[..., Any]) -> Callable[..., Any]:
    return lambda func, *args, **kwargs: _by_values(func, build, *args, **kwargs)


_NUMPY_BUILDS: dict[Any, Callable[..., Any]] = {
    np.ediff1d: _rule(_ediff1d_build),
    np.vander: _rule(_vander_build),
    np.cov: _rule(_cov_build),
    np.corrcoef: _rule(
        lambda x, y=None, rowvar=True, **_: _cov_build(x, y, rowvar, correlate=True)
    ),
    np.linspace: _rule(_linspace_build),
    np.logspace: _rule(functools.partial(_spaced_build, kind="logspace")),
    np.geomspace: _rule(functools.partial(_spaced_build, kind="geomspace")),
    np.polyder: _rule(_polyder_build),
    np.polyint: _rule(_polyint_build),
    np.polyadd: _rule(_polyadd_build),
    np.polysub: _rule(functools.partial(_polyadd_build, sign=-1.0)),
    np.polymul: _rule(lambda a1, a2: np.convolve(np.atleast_1d(a1), np.atleast_1d(a2))),
    np.nan_to_num: _rule(_identity_build),
    np.unwrap: _rule(_identity_build),
}
if hasattr(np, "cumulative_sum"):  # numpy 2.1
    _NUMPY_BUILDS[np.cumulative_sum] = _rule(functools.partial(_cumulative_build, product=False))
    _NUMPY_BUILDS[np.cumulative_prod] = _rule(functools.partial(_cumulative_build, product=True))


def _refused(what: str) -> Any:
    raise TypeError(_BRANCH.format(what=what))


def _bincount(x: Any, /, weights: Any = None, minlength: int = 0) -> Any:
    """np.bincount: bin k the sum of the weights whose x is k (np.add.at of them into
    zeros); without weights, counts (no derivative). A traced x is a branch."""
    if _has_tracer(x) or isinstance(x, SparsityTracer):
        raise TypeError(_BRANCH.format(what="numpy.bincount of traced bins"))
    counts = np.bincount(x, minlength=minlength)
    if not isinstance(weights, SparsityTracer):
        return np.bincount(x, weights=weights, minlength=minlength)
    out = np.zeros_like(weights, shape=counts.shape)
    np.add.at(out, np.asarray(x).reshape(-1), weights.reshape(-1))
    return out


def _local_only(func: Any, *args: Any, **kwargs: Any) -> Any:
    trace = _trace_of(*args)
    if not trace.local:
        raise TypeError(_BRANCH.format(what=_function_name(func)))
    return func(*[_values_in(a) for a in args], **kwargs)


def _shape_of(func: Any, a: Any) -> Any:
    if func is np.shape:
        return a.shape
    return a.ndim if func is np.ndim else a.size


_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: functools.partial(_reduction, nonlinear=False),
    np.mean: functools.partial(_reduction, nonlinear=False),
    np.nansum: functools.partial(_reduction, nonlinear=False),
    np.prod: functools.partial(_reduction, nonlinear=True),
    np.max: functools.partial(_reduction, nonlinear=False, select="max"),
    np.min: functools.partial(_reduction, nonlinear=False, select="min"),
    np.amax: functools.partial(_reduction, nonlinear=False, select="max"),
    np.amin: functools.partial(_reduction, nonlinear=False, select="min"),
    np.var: functools.partial(_reduction, nonlinear=True),
    np.std: functools.partial(_reduction, nonlinear=True),
    np.linalg.norm: _norm,
    np.average: _average,
    np.ptp: _ptp,
    np.gradient: _gradient,
    np.pad: _pad_rule,
    **dict.fromkeys(_NAN_RULES, _nan_reduction),
    np.nancumsum: functools.partial(_cumulative, nonlinear=False),
    np.nancumprod: functools.partial(_cumulative, nonlinear=True),
    np.nanargmax: _local_only,
    np.nanargmin: _local_only,
    np.cumsum: _cumulative,
    np.cumprod: _cumulative,
    np.diff: _diff_rule,
    np.clip: _clip,
    np.einsum: _einsum_rule,
    np.matmul: _matmul,
    np.dot: _dot,
    np.vdot: _vdot,
    np.inner: _inner,
    np.outer: _outer,
    np.tensordot: _tensordot,
    np.trace: _trace_rule,
    np.convolve: _convolve,
    np.correlate: _correlate,
    np.sort: _sort,
    np.linalg.solve: _per_matrix,
    np.linalg.inv: _per_matrix,
    np.linalg.det: _per_matrix,
    np.linalg.slogdet: _per_matrix,
    np.linalg.pinv: _per_matrix,
    np.linalg.cholesky: _per_matrix,
    np.linalg.eigh: _per_matrix,
    np.linalg.eigvalsh: _per_matrix,
    np.linalg.lstsq: _dense,
    np.polyfit: _dense,  # (a least-squares fit: every coefficient on every point)
    np.roots: lambda func, p: (
        _dense(func, p)
        if _trace_of(p).local
        else _refused("numpy.roots (how many roots follows its leading zero coefficients)")
    ),  # (the companion matrix's eigenvalues, dense; at a point)
    # (the weights' bins follow the samples' values: every bin on every weight, a superset)
    np.histogram: lambda func, a, bins=10, range=None, density=None, weights=None: _dense(
        func, a, bins, range, density, weights
    ),
    np.bincount: lambda func, *args, **kwargs: _bincount(*args, **kwargs),
    np.linalg.svd: _per_matrix,
    np.linalg.eig: _per_matrix,
    np.linalg.eigvals: _per_matrix,
    np.linalg.qr: _per_matrix,
    np.linalg.matrix_power: _per_matrix,
    np.linalg.cond: _per_matrix,
    np.linalg.tensorinv: _dense,
    np.linalg.tensorsolve: _dense,
    np.linalg.multi_dot: _multi_dot,
    np.round: _step,
    np.around: _step,
    np.fix: _step,
    np.real: _real,
    np.real_if_close: _real,
    np.imag: _real,
    np.kron: _kron,
    np.cross: _cross,
    np.argmax: _local_only,
    np.argmin: _local_only,
    np.argsort: _local_only,
    np.nonzero: _local_only,
    np.any: _local_only,
    np.all: _local_only,
    np.shape: _shape_of,
    np.ndim: _shape_of,
    np.size: _shape_of,
    np.choose: _choose,
    np.select: _select,
    **dict.fromkeys(_WRITERS, _write_into),
    np.median: _median,
    np.interp: _interp,
    np.sinc: _elementwise,
    np.i0: _elementwise,
    np.angle: _elementwise,
    np.polyval: _polyval,
    # numpy's algorithms, run on tracers as on dual arrays (f's own functions traced)
    np.apply_along_axis: lambda func, *args, **kwargs: _apply_along_axis(*args, **kwargs),
    np.piecewise: lambda func, *args, **kwargs: _piecewise(*args, **kwargs),
    np.meshgrid: lambda func, *args, **kwargs: _meshgrid(*args, **kwargs),
    np.partition: _partition,
    **dict.fromkeys((np.quantile, np.percentile, np.nanquantile, np.nanpercentile), _quantile),
    **{
        getattr(np.fft, name): _fft
        for name in "fft ifft rfft irfft hfft ihfft fft2 ifft2 rfft2 irfft2 fftn ifftn rfftn "
        "irfftn".split()
    },
}

if hasattr(np.linalg, "svdvals"):  # numpy 2
    _FUNCTIONS[np.linalg.svdvals] = _per_matrix
if hasattr(np, "trapezoid"):  # numpy 2
    _FUNCTIONS[np.trapezoid] = _trapezoid
_FUNCTIONS.update(_NUMPY_BUILDS)


# --- numpy 2's array-API functions in np.linalg, as the numpy functions they equal -----------
def _vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    """np.linalg.vector_norm: np.linalg.norm of the vectors along axis (all of x's
    elements as one vector for None, several axes' elements flattened into one)."""
    if axis is None:
        r = np.linalg.norm(np.ravel(x), ord=ord)
        return np.reshape(r, (1,) * np.ndim(x)) if keepdims else r
    axes = normalize_axis_tuple(axis, np.ndim(x))
    if len(axes) == 1:
        return np.linalg.norm(x, ord=ord, axis=axes[0], keepdims=keepdims)
    moved = np.moveaxis(x, axes, range(-len(axes), 0))
    r = np.linalg.norm(np.reshape(moved, (*np.shape(moved)[: -len(axes)], -1)), ord=ord, axis=-1)
    return np.expand_dims(r, axes) if keepdims else r


def _linalg_outer(x1: Any, x2: Any, /) -> Any:
    if np.ndim(x1) != 1 or np.ndim(x2) != 1:  # (numpy's error)
        raise ValueError(
            f"Input arrays must be one-dimensional, but they are x1.ndim={np.ndim(x1)} "
            f"and x2.ndim={np.ndim(x2)}."
        )
    return np.outer(x1, x2)


def _linalg_cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    if np.shape(x1)[axis] != 3 or np.shape(x2)[axis] != 3:  # (numpy's error)
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors")
    return np.cross(x1, x2, axis=axis)


_ARRAY_API: dict[str, Callable[..., Any]] = {
    "matmul": lambda x1, x2, /: np.matmul(x1, x2),
    "matrix_transpose": lambda x, /: np.swapaxes(x, -1, -2),
    "vecdot": lambda x1, x2, /, *, axis=-1: np.vecdot(
        np.moveaxis(x1, axis, -1), np.moveaxis(x2, axis, -1)
    ),
    "outer": _linalg_outer,
    "cross": _linalg_cross,
    "diagonal": lambda x, /, *, offset=0: np.diagonal(x, offset=offset, axis1=-2, axis2=-1),
    "trace": lambda x, /, *, offset=0, dtype=None: np.trace(
        x if dtype is None else x.astype(dtype), offset=offset, axis1=-2, axis2=-1
    ),
    "tensordot": lambda x1, x2, /, *, axes=2: np.tensordot(x1, x2, axes=axes),
    "matrix_norm": lambda x, /, *, keepdims=False, ord="fro": np.linalg.norm(
        x, ord=ord, axis=(-2, -1), keepdims=keepdims
    ),
    "vector_norm": _vector_norm,
}
for _name, _equal in _ARRAY_API.items():
    if hasattr(np.linalg, _name):  # (numpy 2)
        _FUNCTIONS[getattr(np.linalg, _name)] = lambda func, *a, _equal=_equal, **k: _equal(*a, **k)


def _is_full_sum(
    ndim: int, size: int, axis: Any, dtype: Any, out: Any, keepdims: Any, extra: dict[str, Any]
) -> bool:
    """Whether np.sum / np.mean with these arguments sums every element of an array
    of size > 1 into a scalar, or of a 1-d one into shape (1,) with keepdims (a row:
    _TermRows), so that a term scheme keeps it as terms."""
    whole = axis is None or (ndim == 1 and axis in (0, -1, (0,), (-1,)))
    flat = not keepdims or ndim == 1
    return size > 1 and whole and dtype is None and out is None and flat and not extra


def _trapezoid_arguments(x: Any = None, dx: Any = 1.0, axis: Any = -1) -> tuple[Any, ...]:
    return x, dx, axis


def _norm_arguments(ord: Any = None, axis: Any = None, keepdims: Any = False) -> tuple[Any, ...]:
    return ord, axis, keepdims


def _sum_arguments(
    a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False,
    **extra: Any,
) -> tuple[Any, Any, Any, Any, dict[str, Any]]:  # fmt: skip
    return axis, dtype, out, keepdims, extra


# --- full sums kept as terms (the Hessian plan's trace and pass) -------------------------------
class _KeptCast:
    """numpy's cast of its mean's sum to the sum's own dtype: the identity (_Pending.dtype)."""

    @staticmethod
    def type(value: Any) -> Any:
        return value


class _Pending:
    """A value of f kept apart until an operation needs its number (a sum of terms, the
    norm of one): every protocol but those a subclass keeps takes materialize()."""

    __array_priority__ = 300
    _kept_apart = True  # (an aux value of f materializes it: _transforms._aux_value)

    def materialize(self) -> Any:
        raise NotImplementedError

    def _is_array(self) -> bool:
        """Whether it stands for an array (a keepdims sum, joined rows), which numpy's
        x op= y and x[key] = y write into, so that every name for it (and every view)
        sees the write; else for a number, which x op= y rebinds."""
        return False

    def _written(
        self, op: Callable[[Any, Any], Any], rebound: Callable[[Any, Any], Any], o: Any
    ) -> Any:
        if not self._is_array():
            return rebound(self, o)
        array = self.materialize()  # (the one array it is from then on)
        if op(array, o) is not array:
            raise TypeError(f"an in-place operation on {type(array).__name__} made a new array")
        return self

    def __iadd__(self, o: Any) -> Any:
        return self._written(operator.iadd, operator.add, o)

    def __isub__(self, o: Any) -> Any:
        return self._written(operator.isub, operator.sub, o)

    def __imul__(self, o: Any) -> Any:
        return self._written(operator.imul, operator.mul, o)

    def __itruediv__(self, o: Any) -> Any:
        return self._written(operator.itruediv, operator.truediv, o)

    def __ifloordiv__(self, o: Any) -> Any:
        return self._written(operator.ifloordiv, operator.floordiv, o)

    def __imod__(self, o: Any) -> Any:
        return self._written(operator.imod, operator.mod, o)

    def __ipow__(self, o: Any) -> Any:
        return self._written(operator.ipow, operator.pow, o)

    def __setitem__(self, key: Any, item: Any) -> None:
        if not self._is_array():
            raise TypeError(f"'{type(self).__name__}' (a number) does not support item assignment")
        self.materialize()[key] = item

    def __add__(self, o: Any) -> Any:
        return self.materialize() + o

    def __radd__(self, o: Any) -> Any:
        return o + self.materialize()

    def __sub__(self, o: Any) -> Any:
        return self.materialize() - o

    def __rsub__(self, o: Any) -> Any:
        return o - self.materialize()

    def __mul__(self, o: Any) -> Any:
        return self.materialize() * o

    def __rmul__(self, o: Any) -> Any:
        return o * self.materialize()

    def __truediv__(self, o: Any) -> Any:
        return self.materialize() / o

    def __rtruediv__(self, o: Any) -> Any:
        return o / self.materialize()

    def __neg__(self) -> Any:
        return -self.materialize()

    def __pos__(self) -> Any:
        return +self.materialize()

    def __pow__(self, o: Any) -> Any:
        return self.materialize() ** o

    def __rpow__(self, o: Any) -> Any:
        return o ** self.materialize()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.materialize(), name)

    def __format__(self, spec: str) -> str:  # (f"{loss:.3f}" in f)
        return format(self.materialize(), spec)

    def __round__(self, ndigits: int | None = None) -> Any:
        return round(self.materialize(), ndigits)

    @property
    def dtype(self) -> Any:
        if sys._getframe(1).f_code in _NUMPY_SCALAR_CASTS:
            # numpy's mean/var/std of an object array of sums (np.mean([s, t])) end
            # with `ret.dtype.type(ret / n)`: a cast to ret's own dtype, which a sum
            # kept as terms (ret / n kept too) passes as it is
            return _KeptCast()
        return self.materialize().dtype

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        inputs = tuple(x.materialize() if isinstance(x, _Pending) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        rows = _term_rows(func, args, kwargs)
        if rows is not None:
            return rows
        return func(*_materialized(args), **_materialized(kwargs))

    def __bool__(self) -> bool:
        return bool(self.materialize())

    # comparisons (a branch at a point, for a local trace): of the sum
    def __lt__(self, o: Any) -> Any:
        return self.materialize() < o

    def __le__(self, o: Any) -> Any:
        return self.materialize() <= o

    def __gt__(self, o: Any) -> Any:
        return self.materialize() > o

    def __ge__(self, o: Any) -> Any:
        return self.materialize() >= o

    def __float__(self) -> float:
        return float(self.materialize())

    # the other number protocols, of the sum: Python's defaults would not see it
    # (== and != by identity: a branch on a sum's value taken one way in every pass)
    def __eq__(self, o: object) -> Any:
        return self.materialize() == o

    def __ne__(self, o: object) -> Any:
        return self.materialize() != o

    __hash__ = None  # type: ignore[assignment]

    def __abs__(self) -> Any:
        return abs(self.materialize())

    def __getitem__(self, key: Any) -> Any:
        return self.materialize()[key]

    def __mod__(self, o: Any) -> Any:
        return self.materialize() % o

    def __rmod__(self, o: Any) -> Any:
        return o % self.materialize()

    def __floordiv__(self, o: Any) -> Any:
        return self.materialize() // o

    def __rfloordiv__(self, o: Any) -> Any:
        return o // self.materialize()

    def __divmod__(self, o: Any) -> Any:
        return divmod(self.materialize(), o)

    def __rdivmod__(self, o: Any) -> Any:
        return divmod(o, self.materialize())

    def __matmul__(self, o: Any) -> Any:
        return self.materialize() @ o

    def __rmatmul__(self, o: Any) -> Any:
        return o @ self.materialize()

    def __int__(self) -> int:
        return int(self.materialize())

    def __index__(self) -> int:
        return operator.index(self.materialize())

    def __complex__(self) -> complex:
        return complex(self.materialize())


class _After:
    """A sum's exact value computed from another's: fn(base's value). _Terms.materialize
    walks a chain of them as a loop: a closure a step (total = total + x[i] * x[i + 1]
    over a loop of 500) recursed deeper than Python allows."""

    __slots__ = ("base", "fn")

    def __init__(self, base: _Terms, fn: Callable[[Any], Any]) -> None:
        self.base, self.fn = base, fn


class _Terms(_Pending):
    """sum_k w_k * sum(a_k) + constant, with the arrays a_k kept: a full sum (np.sum,
    mean, r @ r) during a Hessian plan's trace or pass. Scaling and adding keep it;
    anything else sums it first (and the plan then falls back)."""

    def __init__(
        self, parts: list[tuple[Any, Any]], constant: Any,
        exact: Callable[[], Any] | _After | None = None, shape: tuple[int, ...] = (),
        eager: Any = None, stage: int = 0,
    ) -> None:  # fmt: skip
        self.parts = parts
        self.constant = constant
        self.shape = shape  # (): a scalar; (1,): a 1-d array's sum with keepdims
        # f's value of a sum of numbers (_scalar_sum), computed as f adds them, one
        # addition at a time: a loop's sum of thousands of numbers reads it without
        # recursing through a closure per addition
        self.eager = eager
        # a sum of numbers scaled by a constant (0.5 * sum(r_i ** 2)) stays terms
        # (stage 1); added to after that (stage 2, y = 0.5 * y + x_i ** 2), scaled
        # again it is its number: a recurrence kept as terms copies its parts at every
        # step (see __mul__)
        self.stage = stage
        # the value as f computes it (np.dot's, np.mean's, then the scalings and sums in
        # f's order): a pass's value must be f's to the bit, or a function of it read
        # where it is ill-conditioned (sin of a dot product of 1.9e10) is another one
        # (the sparse Hessian of sin(v @ w) was 1.6e-6 off the dense one: sum(v * w) and
        # mean's sum * (1 / n) round otherwise than np.dot and np.mean)
        self.exact = exact
        self.array: Any = None  # a keepdims sum read as an array (materialize)

    # the parts: the first `_count` of a list later sums may share (_extended), so that
    # Python's sum over a loop's n terms appends n times, not copies n^2 / 2 parts
    @property
    def parts(self) -> list[tuple[Any, Any]]:
        store = self._store
        return store if len(store) == self._count else store[: self._count]

    @parts.setter
    def parts(self, value: list[tuple[Any, Any]]) -> None:
        self._store, self._count = value, len(value)

    def _extended(self, more: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
        """self's parts, then more: appended in place to the list self shares when no
        later sum has appended to it (a chain of additions), else a new list."""
        if len(self._store) == self._count:
            self._store.extend(more)
            return self._store
        return [*self._store[: self._count], *more]

    def _is_array(self) -> bool:
        return self.shape == (1,)

    def materialize(self) -> Any:
        if self.array is not None:
            return self.array
        if self.eager is not None:
            return self.eager
        value: Any
        if self.exact is not None:
            with _plain_terms():  # (f's own value: no terms within it)
                value = self._exact_value()
        else:
            value = self.constant
            for a, w in self.parts:
                scaled = a if (np.ndim(w) == 0 and w == 1.0) else a * w
                value = _full_sum(scaled) + value
        if self.shape == ():
            return value
        # a keepdims sum is an array: once read, this one, which later reads, views and
        # writes share (as numpy's s[:] *= 2 or s.fill(0) reach s), and the sum's one
        # term (held: a write into it turns the term schemes off)
        if np.shape(value) != self.shape:  # (a copy: writes never go through reshape's views)
            value = np.reshape(value, self.shape).copy()
        self.array = value
        self.parts, self.constant, self.exact = [(_held(self.array), 1.0)], 0.0, None
        return self.array

    def _exact_value(self) -> Any:
        """The value self.exact gives: a chain of _After steps down to the first sum
        not computed from another (or already read), then each step's fn in f's order."""
        steps: list[Callable[[Any], Any]] = []
        node = self
        while isinstance(node.exact, _After) and (
            node is self or (node.array is None and node.eager is None)
        ):
            steps.append(node.exact.fn)
            node = node.exact.base
        exact = node.exact
        value = exact() if node is self and callable(exact) else node.materialize()
        for fn in reversed(steps):
            value = fn(value)
        return value

    @staticmethod
    def _scalar(x: Any) -> bool:
        return isinstance(x, (int, float, np.floating, np.integer)) or (
            isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "fiu"
        )

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # (x[0] * s, s + x[0] with x[0] traced or dual: its operator calls the ufunc)
        if method == "__call__" and not kwargs and len(inputs) == 2:
            other = inputs[1] if inputs[0] is self else inputs[0]
            kept = isinstance(other, _Terms) or self._scalar(other) or _variable_scalar(other)
            if kept and ufunc in (np.multiply, np.add):
                return self.__mul__(other) if ufunc is np.multiply else self.__add__(other)
            if kept and ufunc is np.true_divide and inputs[0] is self:
                return self.__truediv__(other)
            if kept and ufunc is np.subtract:
                return self.__sub__(other) if inputs[0] is self else self.__rsub__(other)
        return super().__array_ufunc__(ufunc, method, *inputs, **kwargs)

    def __add__(self, o: Any) -> Any:
        if isinstance(o, _Terms):
            return _Terms(
                self._extended(o.parts),
                self.constant + o.constant,
                _After(self, lambda v: v + o.materialize()),
                max(self.shape, o.shape),  # ((1,) when either is)
                self._eager_sum(o.eager),
                2 if max(self.stage, o.stage) else 0,
            )
        if self._scalar(o):  # (a constant: no part more)
            exact = _After(self, lambda v: v + o)
            eager = self._eager_sum(o)
            return _Terms(self.parts, self.constant + o, exact, self.shape, eager, self.stage)
        if _variable_scalar(o):  # (a term of its own, held as a sum's arrays are)
            parts = self._extended([(_held(o)[None], 1.0)])
            exact = _After(self, lambda v: v + o)
            stage = 2 if self.stage else 0
            return _Terms(parts, self.constant, exact, self.shape, self._eager_sum(o), stage)
        return self.materialize() + o

    def _eager_sum(self, o: Any) -> Any:
        """self's eager value plus o (a number, or another sum's eager value), as f
        adds them; None unless both are known."""
        if self.eager is None or o is None:
            return None
        with _plain_terms():
            return self.eager + o

    __radd__ = __add__

    def __sub__(self, o: Any) -> Any:
        return self + (-o)

    def __rsub__(self, o: Any) -> Any:
        return (-self) + o

    def __mul__(self, o: Any) -> Any:
        if self.eager is not None and self._scalar(o) and self.stage < 2:
            return self._scaled(o, lambda v: v * o)  # (0.5 * sum(r_i ** 2))
        if self.eager is not None and (self._scalar(o) or _variable_scalar(o)):
            # a sum of numbers scaled after it was scaled and added to (a loop's y =
            # 0.5 * y + x[i]): its number, as f computes it; kept as terms, each step
            # would copy its parts, and a recurrence that also sums its y's (total += y)
            # would hold n^2 / 2 terms (27 s for a Hessian at n = 1500, 0.16 s so)
            with _plain_terms():
                return self.eager * o
        if self._scalar(o):
            return _Terms(
                [(a, w * o) for a, w in self.parts],
                self.constant * o,
                _After(self, lambda v: v * o),
                self.shape,
            )
        if _variable_scalar(o):
            return self._each(operator.mul, o)
        return self.materialize() * o

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Any:
        if self._scalar(o) and o == 0:  # (1 / 0 is no weight: f's own quotient, inf or nan)
            return self.materialize() / o
        if self.eager is not None and self._scalar(o) and self.stage < 2:
            return self._scaled(1.0 / o, lambda v: v / o)  # (sum(r_i ** 2) / n)
        if self.eager is not None and (self._scalar(o) or _variable_scalar(o)):
            with _plain_terms():  # (its number, as __mul__'s)
                return self.eager / o
        if self._scalar(o):
            scaled = self * (1.0 / o)
            return _Terms(scaled.parts, scaled.constant, _After(self, lambda v: v / o), self.shape)
        if _variable_scalar(o):
            return self._each(operator.truediv, o)
        return self.materialize() / o

    def _scaled(self, factor: Any, step: Callable[[Any], Any]) -> _Terms:
        """A sum of numbers (eager) scaled by a constant: its terms weighed by factor,
        its value f's (step of its value)."""
        with _plain_terms():
            eager = step(self.eager)
        parts = [(a, w * factor) for a, w in self.parts]
        return _Terms(parts, self.constant * factor, None, self.shape, eager, stage=1)

    def _each(self, op: Callable[[Any, Any], Any], o: Any) -> Any:
        """The sum times (over) a variable number o, as terms: each term array's
        elements times (over) o, and the constant's one term (x[0] * np.sum(x**2), a
        Lagrangian's lam * c(x): each term reads o's inputs besides its own)."""
        parts = [(op(a, o), w) for a, w in self.parts]
        if not (np.ndim(self.constant) == 0 and self.constant == 0):
            parts.append((np.reshape(op(self.constant, o), (1,)), 1.0))
        return _Terms(parts, 0.0, _After(self, lambda v: op(v, o)), self.shape)

    def __neg__(self) -> Any:
        return self * -1.0

    def __pos__(self) -> Any:
        return self

    def __getitem__(self, key: Any) -> Any:
        # (a keepdims sum's one element: np.sum(r**2, keepdims=True)[0], the sum)
        if self.shape == (1,) and _one_index(key) and key in (0, -1):
            return _Terms(self.parts, self.constant, _After(self, lambda v: v[key]))
        return self.materialize()[key]


class _RootOfTerms(_Pending):
    """np.linalg.norm of an array kept apart (during a term scheme's trace or pass):
    the square root of a sum of terms, its squares. Squared (** 2, np.square) it is
    that sum (0.5 * norm(r) ** 2, a least-squares objective); anything else takes f's
    own norm first (exact)."""

    def __init__(self, squares: _Terms, exact: Callable[[], Any]) -> None:
        self.squares = squares
        self.exact = exact

    def materialize(self) -> Any:
        return self.exact()

    def squared(self) -> _Terms:
        # (the value as f computes it: its norm, squared)
        return _Terms(self.squares.parts, 0.0, lambda: self.materialize() ** 2)

    def __pow__(self, o: Any) -> Any:
        if isinstance(o, (int, float, np.integer, np.floating)) and o == 2:
            return self.squared()
        return self.materialize() ** o

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if ufunc is np.square and method == "__call__" and inputs == (self,) and not kwargs:
            return self.squared()
        return super().__array_ufunc__(ufunc, method, *inputs, **kwargs)


def _materialized(x: Any) -> Any:
    """x with every _Pending in it (in lists, tuples and dicts too) materialized."""
    if isinstance(x, _Pending):
        return x.materialize()
    if isinstance(x, (list, tuple)):
        return type(x)(_materialized(y) for y in x)
    if isinstance(x, dict):
        return {k: _materialized(v) for k, v in x.items()}
    return x


class _TermRows(_Pending):
    """A 1-d output of rows joined from pieces, some of them full sums kept as terms
    (a residual with a constraint on all of x: np.concatenate([r, np.sum(x**2,
    keepdims=True) - 1]), np.append(r, x @ x - 1)), during a sparse Jacobian's trace
    or pass: such a row reads every input (as many colors as inputs), its terms few
    each (_TermRowsPlan). pieces: ("rows", a 1-d array) or ("terms", a _Terms: one
    row). Anything else done with it joins the pieces first."""

    def __init__(self, pieces: list[tuple[str, Any]], exact: Callable[[], Any]) -> None:
        self.pieces = pieces
        self.exact = exact
        self.array: Any = None
        # rows of f's output written a sum of terms (_assigned_term_rows): their
        # numbers, and those rows as f's output has them (a pass checks its terms'
        # J w against their probe part)
        self.written: tuple[list[int], Any] | None = None

    def _is_array(self) -> bool:
        return True

    def materialize(self) -> Any:
        # once read, one array (as _Terms' keepdims sums): its rows from then on
        if self.array is None:
            self.array = self.exact()
            self.pieces = [("rows", _held(self.array))]
        return self.array

    def signature(self) -> list[Any]:
        """The pieces' kinds and sizes (the terms': each array's), which a pass must
        repeat for a plan of its trace to hold."""
        kinds = [
            (kind, [np.size(a) for a, _ in piece.parts] if kind == "terms" else np.size(piece))
            for kind, piece in self.pieces
        ]
        return kinds if self.written is None else [*kinds, ("written", self.written[0])]


def _one_index(key: Any) -> bool:
    """Whether key picks one element of a 1-d array by an integer (a bool is numpy's
    mask: x[True] is every element, x[False] none)."""
    return isinstance(key, (int, np.integer)) and not isinstance(key, bool)


def _same_sets(row: Any, terms: _Terms) -> bool:
    """Whether a tracer's row (a 1-row CSR) depends on the inputs its terms do."""
    sets = [a._g.indices for a, _ in terms.parts if isinstance(a, SparsityTracer)]
    union = np.unique(np.concatenate([np.zeros(0, np.int64), *sets]))
    return bool(np.array_equal(np.unique(row.indices), union))


def _drop_written(rows: dict[int, _Terms], size: int, key: Any) -> None:
    """The rows of a 1-d array (of `size`) that array[key] = ... writes dropped from
    its rows written a sum."""
    marks = np.zeros(size, dtype=bool)
    marks[key] = True
    for row in [row for row in rows if marks[row]]:
        del rows[row]


def _assigned_term_rows(out: Any, rows: dict[int, _Terms]) -> _TermRows | None:
    """f's 1-d output whose rows `rows` were written a full sum kept as terms (r[-1] =
    np.sum(x**2) - 1, no later write to them), as the _TermRows of its pieces: the
    rows between, and each such row's terms; its rows as written kept (written)."""
    if not rows or np.ndim(out) != 1:
        return None
    pieces: list[tuple[str, Any]] = []
    start = 0
    for row in sorted(rows):
        if row > start:
            pieces.append(("rows", out[start:row]))
        pieces.append(("terms", rows[row]))
        start = row + 1
    if start < out.size:
        pieces.append(("rows", out[start:]))
    joined = _TermRows(pieces, lambda: out)
    joined.written = (sorted(rows), out[sorted(rows)])
    return joined


# numpy functions joining 1-d rows that keep a row of terms (_term_rows)
_ROW_JOINS = (np.concatenate, np.append, np.hstack)


def _term_rows(func: Any, args: Any, kwargs: Any) -> _TermRows | None:
    """np.concatenate (axis 0), np.append (no axis) or np.hstack of 1-d pieces, one of
    them or an item of a list among them a _Terms (or a _TermRows joined before), as
    a _TermRows; else None (numpy joins them)."""
    if func not in _ROW_JOINS or not args:
        return None
    if func is np.append:
        if len(args) != 2 or kwargs.get("axis") is not None or set(kwargs) - {"axis"}:
            return None
        sequence: Any = args
    else:
        options = dict(kwargs)
        if len(args) > 1:
            if func is not np.concatenate or len(args) > 2:
                return None
            options["axis"] = args[1]
        if options.pop("axis", 0) not in (0, -1) or any(v is not None for v in options.values()):
            return None
        if not isinstance(args[0], (list, tuple)):
            return None
        sequence = args[0]
    pieces: list[tuple[str, Any]] = []
    kept = False
    for item in sequence:
        if isinstance(item, _TermRows):
            pieces += item.pieces
            kept = True
        elif isinstance(item, _Terms) and (item.shape == (1,) or func is not np.concatenate):
            pieces.append(("terms", item))
            kept = True
        elif isinstance(item, (list, tuple)):  # [s, 0.0]: a row each
            for element in item:
                if isinstance(element, _Terms) and element.shape == ():
                    pieces.append(("terms", element))
                    kept = True
                elif isinstance(element, (int, float, np.integer, np.floating)):
                    pieces.append(("rows", np.array([element], dtype=float)))
                else:
                    return None
        elif isinstance(item, _Pending) or np.ndim(item) > 1:
            return None
        elif np.ndim(item) == 0:
            if func is np.concatenate:
                return None
            pieces.append(("rows", np.reshape(_held(item), (1,))))
        else:  # (held: a later write into it must not reach the joined rows)
            pieces.append(("rows", _held(item)))
    if not kept:
        return None
    return _TermRows(pieces, lambda: func(*_materialized(args), **_materialized(kwargs)))


def _scalar_sum(a: Any, b: Any, sign: float, exact: Callable[[], Any]) -> _Terms:
    """a + b (sign 1) or a - b (-1) of two variable numbers (0-d arrays of a Hessian
    plan's trace or pass), kept as two terms of one element each: Python's sum over a
    loop's terms (sum(f(x[i], x[i + 1]) for i in ...)) is then a sum of terms, not a
    number whose Hessian takes a star coloring's H S (72 ms for the textbook Rosenbrock
    at n = 1000). Anything but adding and scaling takes exact(): f's own a + b."""
    parts = [(_held(a)[None], 1.0), (_held(b)[None], sign)]
    with _plain_terms():
        value = exact()
    return _Terms(parts, 0.0, exact, (), value)


def _variable_scalar(o: Any) -> bool:
    """Whether o is one traced or dual number (a 0-d array of the trace or the pass)."""
    return isinstance(o, (SparsityTracer, DualArray)) and o.ndim == 0


def _scalar_terms(out: Any) -> bool:
    """Whether f's output is a sum of terms of shape () (a Hessian's or gradient's f;
    a keepdims sum, shape (1,), is a row of a Jacobian: _TermRows)."""
    return isinstance(out, _Terms) and out.shape == ()


def _held(a: Any) -> Any:
    """The array a _Terms sums, as it is now: a tracer's sets (replaced, never edited,
    by a write) in a tracer of its own, the tracer and the arrays it views marked so
    that a later write into them turns the term scheme off (a dual array of a pass:
    itself; the plan of such an f keeps no terms)."""
    if not isinstance(a, SparsityTracer):
        return a
    chain: SparsityTracer | None = a
    while chain is not None:  # a view's bases too (np.sum(r.ravel()); r[0] = ...)
        chain._held = True
        chain = chain._base
    kept = a._sharing()
    kept._plain = a._plain
    return kept


def _full_sum(a: Any) -> Any:
    """np.sum of a, not kept as terms."""
    if isinstance(a, SparsityTracer):
        trace = a._trace
        terms, trace.terms = trace.terms, False
        try:
            return np.sum(a)
        finally:
            trace.terms = terms
    if isinstance(a, DualArray):
        return _base_sum(a)
    return np.sum(a)


# --- detection: the public functions ---------------------------------------------------
def _trace_input(x: np.ndarray, trace: _Trace) -> SparsityTracer:
    n = x.size
    g = _sp().identity(n, dtype=bool, format="csr")
    h = _empty(n, 0) if trace.second else None
    if x.dtype.kind == "c":  # (np.imag of it is no zero, |z| no piecewise linear function)
        trace.complex = True
    return SparsityTracer(trace, x.shape, g, h, np.array(x) if trace.local else None)


def _nested_error(where: str, kind: type) -> TypeError:
    """A sparse transform, or sparsity detection, meeting dual numbers: a pattern is
    of plain numbers, and a scipy.sparse result cannot hold derivatives."""
    return TypeError(
        f"{where} met a {kind.__name__} (an enclosing transform's variable reaching f, "
        "or a dual array f closes over): sparsity patterns and scipy.sparse results hold "
        "plain numbers, not derivatives; inside another transform use jacobian or "
        "hessian without sparsity= (dense: they nest)"
    )


def _plain(planes: Any, where: str) -> Any:
    """A sparse pass's output planes, refused when they carry an enclosing transform's
    parts (this transform nested in it: dual arrays of the outer kind)."""
    if isinstance(planes, DualArray):
        raise _nested_error(f"{where}(sparsity=...)", type(planes))
    return planes


def _input_array(x: Any, where: str, complex_input: bool = True) -> np.ndarray:
    """x as a float or (detection, holomorphic=True) complex array."""
    if isinstance(x, DualArray):
        raise _nested_error(where, type(x))
    if isinstance(x, SparsityTracer):
        raise TypeError(f"{where} got a {type(x).__name__}: sparse transforms do not nest")
    from ._transforms import refuse_array_subclasses

    refuse_array_subclasses(x, where)  # (a mask, np.matrix: as the dense transforms)
    holds_arrays = isinstance(x, (tuple, list)) and any(
        np.ndim(leaf) > 0 for leaf in _leaves(x)
    )  # (the dense transforms' containers: a list of numbers is an array)
    if isinstance(x, dict) or holds_arrays:
        raise TypeError(
            f"{where} takes an array as the differentiated argument, not a container "
            f"({type(x).__name__}) of arrays: pass each array as its own argument, with "
            "argnums=(...) for several (the dense transforms take containers)"
        )
    array = np.asarray(x)
    if array.dtype.kind == "c" and not complex_input:
        raise TypeError(
            f"{where} got a complex input: jacobian(f, sparsity=..., holomorphic=True) "
            "gives the complex derivative f'(z) of a holomorphic f; sparse Hessians take "
            "real inputs (hessian(f, holomorphic=True) without sparsity= is dense)"
        )
    if array.dtype.kind not in "fiuc":
        raise TypeError(f"{where} needs a float or complex input, not {array.dtype}")
    if array.dtype.kind not in "fc":
        return array.astype(np.float64)
    # as the dense transforms take them (_transforms._variable): native byte order (a
    # big-endian >f8 input's detected pattern failed its own check), float16 as float32
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    return array if array.dtype.itemsize >= 4 else array.astype(np.float32)


def _position(argnum: int, count: int, where: str) -> int:
    """argnums among the positional arguments, from 0 (the dense transforms' check)."""
    if not -count <= argnum < count:
        raise TypeError(f"{where}: argnums={argnum!r} but the function got {count} arguments")
    return argnum % count


def _call_traced(
    f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], argnum: int,
    trace: _Trace, where: str,
) -> tuple[np.ndarray, Any]:  # fmt: skip
    if not isinstance(argnum, int) or isinstance(argnum, bool):
        raise TypeError(f"{where}: argnums must be one int for a sparse result, not {argnum!r}")
    argnum = _position(argnum, len(args), where)
    x = _input_array(args[argnum], where)
    new = list(args)
    new[argnum] = _trace_input(x, trace)
    try:
        return x, f(*new, **kwargs)
    except ValueError as error:  # (numpy's words for a traced number set into a float array)
        if str(error) != "setting an array element with a sequence.":
            raise
        raise TypeError(
            f"{where}: a traced number was written into an array of plain numbers (r = "
            "np.zeros(n); r[i] = f(x[i]) keeps no dependencies, and the dense transforms "
            "refuse it too); make the array from the input, r = np.zeros_like(x)"
        ) from error


def _output_sets(out: Any, trace: _Trace, where: str) -> SparsityTracer:
    if isinstance(out, _Pending):
        out = out.materialize()
    if isinstance(out, SparsityTracer):
        return out
    if isinstance(out, (tuple, list, dict)) or isinstance(out, DualArray):
        raise TypeError(f"{where}: f must return one array for a sparse result")
    if isinstance(out, np.ndarray) and out.dtype == object:  # (np.asarray of a tracer)
        return _from_objects(out, trace)
    value = np.asarray(out)
    if value.dtype.kind not in "biufc":
        raise TypeError(f"{where}: f returned {type(out).__name__}, not a numeric array")
    return _lift(value, trace)


def jacobian_sparsity(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, *, local: bool = False
) -> Callable[..., Any]:
    """The Jacobian's sparsity pattern of f with respect to args[argnums], as a boolean
    scipy.sparse CSR array of shape (out.size, in.size) (elements in C order).

    Global (default): valid for every input, from one run of f on a tracer that
    carries dependency sets instead of numbers; branching on values raises.
    local=True: the pattern at this point (the tracer carries the values too, and
    follows the branches taken; max/min/where select by value).
    A constant operand's zeros are structural (L @ x keeps L's pattern).
    A tuple argnums gives a tuple of patterns, one per argument."""
    if isinstance(argnums, (tuple, list)):
        single = lambda g: jacobian_sparsity(g, 0, local=local)  # noqa: E731
        return _packed("jacobian", f, argnums, single, "jacobian_sparsity")

    def pattern(*args: Any, **kwargs: Any) -> Any:
        with _quiet(local):
            if not isinstance(argnums, int) or isinstance(argnums, bool):
                raise TypeError(f"jacobian_sparsity: argnums must be one int, not {argnums!r}")
            where = "jacobian_sparsity"
            x = _input_array(args[_position(argnums, len(args), where)], where)
            trace = _Trace(x.size, False, local)
            _, out = _call_traced(f, args, kwargs, argnums, trace, "jacobian_sparsity")
            sets = _output_sets(out, trace, "jacobian_sparsity")
        return _sp().csr_array(sets._g)

    pattern.__name__ = f"jacobian_sparsity_{getattr(f, '__name__', 'f')}"
    return pattern


def hessian_sparsity(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, *, local: bool = False
) -> Callable[..., Any]:
    """The Hessian's sparsity pattern of a scalar f with respect to args[argnums]: a
    symmetric boolean scipy.sparse CSR array (in.size, in.size). Second-order
    dependencies come from products and nonlinear functions (x*y pairs x with y,
    sin(x+y) pairs both with both; x+y pairs nothing). local=True as in
    jacobian_sparsity; a tuple argnums gives a tuple of tuples of blocks."""
    if isinstance(argnums, (tuple, list)):
        single = lambda g: hessian_sparsity(g, 0, local=local)  # noqa: E731
        return _packed("hessian", f, argnums, single, "hessian_sparsity")
    argnum = cast(int, argnums)  # (one int: _hessian_pattern says so otherwise)

    def pattern(*args: Any, **kwargs: Any) -> Any:
        return _hessian_pattern(f, args, kwargs, argnum, local, "hessian_sparsity")[0]

    pattern.__name__ = f"hessian_sparsity_{getattr(f, '__name__', 'f')}"
    return pattern


def _quiet(local: bool) -> Any:
    """Values at a point (local) may divide by zero, ...: numpy's warnings are not the
    pattern's business."""
    return np.errstate(all="ignore") if local else contextlib.nullcontext()


def _hessian_pattern(
    f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], argnums: int,
    local: bool, where: str, terms: bool = False,
) -> tuple[Any, Any]:  # fmt: skip
    """(pattern, terms): terms the (term owner, i, j) triples and term sizes when f's
    output is a weighted sum of full sums (a _Terms), else None."""
    with _quiet(local):
        if not isinstance(argnums, int) or isinstance(argnums, bool):
            raise TypeError(f"{where}: argnums must be one int, not {argnums!r}")
        x = _input_array(args[_position(argnums, len(args), where)], where)
        trace = _Trace(x.size, True, local, terms)
        _, out = _call_traced(f, args, kwargs, argnums, trace, where)
        n = x.size
        term_info = None
        # terms only without custom functions: their rules, run on the pass's arrays,
        # would keep their own sums as terms
        live = _scalar_terms(out) and not trace.custom and not trace.held_written
        if live and all(isinstance(a, SparsityTracer) for a, _ in out.parts):
            parts = [a for a, _ in out.parts]
            h = _sp().vstack([_widen(a._h, trace.events) for a in parts], format="csr")
            owner_of_event = np.repeat(np.arange(h.shape[0]), np.diff(h.indptr))
            owners, i, j = trace.pairs(h.indices)
            owners = owner_of_event[owners]
            term_info = (owners, i, j, [a.size for a in parts], [a.shape for a in parts])
        else:
            sets = _output_sets(out, trace, where)
            if sets.size != 1:
                raise TypeError(f"{where}: f must return a scalar, not shape {sets.shape}")
            _, i, j = trace.pairs(_widen(sets._h, trace.events).indices)
    sp = _sp()
    data = np.ones(2 * len(i), dtype=bool)
    m = sp.csr_array((data, (np.concatenate([i, j]), np.concatenate([j, i]))), shape=(n, n))
    m.sum_duplicates()
    m.data[:] = True
    return m, term_info


# --- coloring ---------------------------------------------------------------------------
def _conflicts(pattern: Any) -> Any:
    """Columns sharing a row, as a symmetric CSR adjacency without the diagonal."""
    p = _sp().csr_matrix(pattern, dtype=bool)
    g = (p.T @ p).tocsr()
    g.setdiag(False)
    g.eliminate_zeros()
    return g


def _jones_plassmann(adj: Any, seed: int = 0) -> np.ndarray:
    """Greedy coloring in rounds (vectorized): a vertex takes the smallest color its
    colored neighbors lack once every neighbor of higher priority is colored (largest
    degree first, random among ties); at most max degree + 1 colors."""
    n = adj.shape[0]
    degree = np.diff(adj.indptr)
    rng = np.random.default_rng(seed)
    priority = degree * float(n) + rng.permutation(n)
    src = np.repeat(np.arange(n), degree)
    dst = adj.indices.astype(np.int64)
    colors = np.full(n, -1, dtype=np.int64)
    higher = priority[dst] > priority[src]
    while (colors < 0).any():
        open_ = colors < 0
        blocked = np.zeros(n, dtype=bool)
        blocked[src[higher & open_[dst] & open_[src]]] = True
        ready = np.flatnonzero(open_ & ~blocked)
        slot = np.full(n, -1, dtype=np.int64)
        slot[ready] = np.arange(len(ready))
        e = (slot[src] >= 0) & (colors[dst] >= 0)
        width = int(colors.max()) + 2
        taken = np.zeros((len(ready), width), dtype=bool)
        taken[slot[src[e]], colors[dst[e]]] = True
        colors[ready] = np.argmin(taken, axis=1)
    return colors


def _valid(p: Any, colors: np.ndarray, k: int) -> bool:
    """Whether the colors (of k) separate the columns of every row of the CSR p (a
    key per entry, sorted: no count per (row, color), which costs rows x k)."""
    rows = np.repeat(np.arange(p.shape[0], dtype=np.int64), np.diff(p.indptr))
    key = np.sort(rows * k + colors[p.indices])
    return not bool(np.any(key[1:] == key[:-1]))


def _cyclic(n: int, k: int, period: int = 0, shift: int = 0) -> np.ndarray:
    """Colors j mod k, or on a grid of rows of `period` columns (j = a period + b),
    (b + shift a) mod k: the optimal colorings of banded and of 2-d stencil patterns
    (5 colors for the 5-point Laplacian: (b + 2 a) mod 5)."""
    j = np.arange(n, dtype=np.int64)
    if not period:
        return j % k
    return (j % period + shift * (j // period)) % k


def _grid_period(p: Any) -> int:
    """The most frequent column offset beyond the diagonal's neighbours (a 2-d
    stencil's row length), or 0."""
    rows = np.repeat(np.arange(p.shape[0], dtype=np.int64), np.diff(p.indptr))
    offsets = np.abs(p.indices.astype(np.int64) - rows)
    offsets = offsets[offsets > 1]
    if offsets.size == 0:
        return 0
    values, counts = np.unique(offsets, return_counts=True)
    return int(values[np.argmax(counts)])


def _cyclic_colors(p: Any, lower: int, upper: int) -> tuple[np.ndarray, int] | None:
    """The fewest colors below `upper` among the cyclic candidates, or None."""
    n = p.shape[1]
    period = _grid_period(p) if p.shape[0] == n else 0
    for k in range(lower, upper):
        if _valid(p, _cyclic(n, k), k):
            return _cyclic(n, k), k
        if period and period < n:
            for shift in range(1, k):
                colors = _cyclic(n, k, period, shift)
                if _valid(p, colors, k):
                    return colors, k
    return None


def _greedy(adj: Any) -> np.ndarray:
    """Sequential greedy coloring in natural order: each vertex the smallest color its
    lower-numbered neighbors lack (a Python loop over vertices, O(edges))."""
    n = adj.shape[0]
    indptr = adj.indptr.tolist()
    indices = adj.indices.tolist()
    colors = [-1] * n
    for v in range(n):
        used = {colors[u] for u in indices[indptr[v] : indptr[v + 1]]}
        c = 0
        while c in used:
            c += 1
        colors[v] = c
    return np.array(colors, dtype=np.int64)


# cyclic colorings tried past the widest row's count when the greedy needs more
_CYCLIC_TRIES = 8

# edges of the conflict graph up to which the sequential greedy runs (about 0.5 s)
_GREEDY_EDGES = 4_000_000
# the widest row past which the sequential greedy runs whatever the edges (about 0.1 us
# an edge; Jones-Plassmann's rounds there cost about as many edges each as rows are wide)
_JP_WIDEST = 64


def color_columns(pattern: Any) -> tuple[np.ndarray, int]:
    """A column coloring of a sparsity pattern: (colors, count), no two columns of one
    color sharing a row. Cyclic colors (_cyclic: j mod k, or on the grid a 2-d stencil
    implies) when some k smaller than the greedy's works (on a banded pattern k = the
    band's width, on the 5-point Laplacian 5: the optima, as a row holds that many
    columns); else the sequential greedy in natural order (a vectorized
    Jones-Plassmann greedy, largest degree first, past _GREEDY_EDGES edges when no row
    is wider than _JP_WIDEST)."""
    p = _sp().csr_matrix(pattern, dtype=bool)
    n = p.shape[1]
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    lower = max(int(np.diff(p.indptr).max(initial=0)), 1)
    if lower >= n:
        return np.arange(n, dtype=np.int64), n
    cyclic = _cyclic_colors(p, lower, lower + 1)  # the lower bound: optimal
    if cyclic is not None:
        return cyclic
    adj = _conflicts(p)
    # (Jones-Plassmann's rounds grow with the degree: a clique, the columns of a row
    # of half the inputs, colors one vertex a round, O(edges) each; 91 s at n = 5000)
    sequential = adj.nnz <= _GREEDY_EDGES or lower > _JP_WIDEST
    colors = _greedy(adj) if sequential else _jones_plassmann(adj)
    count = int(colors.max()) + 1
    # (a few more cyclic candidates: each costs a sort of the entries, with a grid
    # up to k of them; a pattern the greedy colors with many more than its widest
    # row's is no band)
    upper = min(count, lower + _CYCLIC_TRIES)
    return _cyclic_colors(p, lower + 1, upper) or (colors, count)


# --- star coloring: symmetric Hessians ------------------------------------------------------
def _adjacency(pattern: Any) -> Any:
    """The graph of a symmetric pattern: (pattern or its transpose) without the
    diagonal, CSR with sorted indices."""
    p = _sp().csr_matrix(pattern, dtype=bool)
    g = (p + p.T).tocsr()
    g.setdiag(False)
    g.eliminate_zeros()
    g.sort_indices()
    return g


def _one_of_color(adj: Any, colors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each edge (i, j) of adj (CSR order): whether j is i's only neighbor of its
    color, and whether i is j's only neighbor of its color."""
    n = adj.shape[0]
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(adj.indptr))
    cols = adj.indices.astype(np.int64)
    counts = np.bincount(rows * k + colors[cols], minlength=n * k)
    return counts[rows * k + colors[cols]] == 1, counts[cols * k + colors[rows]] == 1


def _is_star(adj: Any, colors: np.ndarray, k: int) -> bool:
    """Whether colors (of k) star-color the graph: adjacent vertices differ, and no
    path on four vertices has two colors: along it the middle edge (b, c) would have
    a neighbor of c's color besides c at b and one of b's color besides b at c."""
    rows = np.repeat(np.arange(adj.shape[0], dtype=np.int64), np.diff(adj.indptr))
    if np.any(colors[rows] == colors[adj.indices]):
        return False
    only_j, only_i = _one_of_color(adj, colors, k)
    return bool(np.all(only_j | only_i))


def _greedy_star(adj: Any) -> np.ndarray:
    """Greedy star coloring in natural order (after Gebremedhin, Manne and Pothen
    2005, "What color is your Jacobian?", sec. 4): vertex v takes the smallest color
    not forbidden, where for each colored neighbor w (color d) the colors forbidden
    are d, and the color of each colored neighbor x != v of w when x already has a
    neighbor besides w of color d (the path v-w-x-y would be two-colored) or v does
    (z-v-w-x would). counts[u][d]: u's colored neighbors of color d. A Python loop:
    O(sum of deg(w)^2)."""
    n = adj.shape[0]
    indptr = adj.indptr.tolist()
    indices = adj.indices.tolist()
    colors = [-1] * n
    counts: list[dict[int, int]] = [{} for _ in range(n)]
    for v in range(n):
        nv = indices[indptr[v] : indptr[v + 1]]
        forbidden = set()
        at_v = counts[v]
        for w in nv:
            d = colors[w]
            if d < 0:
                continue
            forbidden.add(d)
            two_at_v = at_v.get(d, 0) >= 2
            for x in indices[indptr[w] : indptr[w + 1]]:
                cx = colors[x]
                if cx >= 0 and x != v and (two_at_v or counts[x].get(d, 0) >= 2):
                    forbidden.add(cx)
        c = 0
        while c in forbidden:
            c += 1
        colors[v] = c
        for u in nv:
            counts[u][c] = counts[u].get(c, 0) + 1
    return np.array(colors, dtype=np.int64)


# vertices up to which the greedy star coloring runs after a cyclic one was found
# (its Python loop: about 1 s per 1e5 vertices of a 2-d stencil)
_GREEDY_STAR_VERTICES = 20_000
# the cyclic candidates tried: up to this many colors
_CYCLIC_STAR_MAX = 32


def color_star(pattern: Any) -> tuple[np.ndarray, int]:
    """A star coloring of a symmetric pattern's graph: (colors, count), adjacent
    vertices of distinct colors and every path on four vertices of three colors at
    least, so that H S (S: the colors' 0/1 seeds) gives every nonzero of H directly:
    H[i, i] = (H S)[i, color(i)], and H[i, j] = (H S)[i, color(j)] when j is i's only
    neighbor of that color, else (H S)[j, color(i)] (then i is j's only one; both
    cannot fail, or the two would end a two-colored path). The cyclic colors of
    color_columns (j mod k, or (b + s a) mod k on a 2-d stencil's grid) when some k
    up to the largest degree + 1 is a star coloring (3 for a tridiagonal pattern,
    5 for the 5-point stencil), else, and when it has fewer colors, the greedy star
    coloring in natural order (2 for an arrowhead)."""
    adj = _adjacency(pattern)
    n = adj.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    if adj.nnz == 0:
        return np.zeros(n, dtype=np.int64), 1
    degree = int(np.diff(adj.indptr).max())
    period = _grid_period(adj + _sp().eye(n, format="csr", dtype=bool))
    found = None
    for k in range(2, min(degree + 1, _CYCLIC_STAR_MAX) + 1):
        shifts = range(1, k) if period and period < n else ()
        for colors in (_cyclic(n, k), *(_cyclic(n, k, period, s) for s in shifts)):
            if _is_star(adj, colors, k):
                found = (colors, k)
                break
        if found:
            break
    if found is not None and (found[1] <= 3 or n > _GREEDY_STAR_VERTICES):
        return found
    colors = _greedy_star(adj)
    count = int(colors.max()) + 1
    if found is not None and found[1] <= count:
        return found
    return colors, count


class _StarReads:
    """Where each nonzero of a symmetric pattern p (CSR, sorted) is read off H S for a
    star coloring: the rows of H S needed, and each entry's place in them, flat."""

    def __init__(self, p: Any) -> None:
        n = p.shape[0]
        adj = _adjacency(p)
        self.colors, count = color_star(adj)
        self.count = max(count, 1)
        k = self.count
        colors = self.colors
        # for each edge i < j the entry read: (i, color j) when j is i's only neighbor
        # of its color, else (j, color i); H[i, j] and H[j, i] the same number
        only_j, only_i = _one_of_color(adj, colors, k)
        if not np.all(only_j | only_i):
            raise AssertionError("color_star gave no star coloring")
        a_rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(adj.indptr))
        a_cols = adj.indices.astype(np.int64)
        edge_key = a_rows * n + a_cols  # sorted (CSR order)
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(p.indptr))
        cols = p.indices.astype(np.int64)
        lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
        read_row, read_color = rows.copy(), colors[rows]  # the diagonal
        off = lo != hi
        edge = np.searchsorted(edge_key, lo[off] * n + hi[off])
        first = only_j[edge]
        read_row[off] = np.where(first, lo[off], hi[off])
        read_color[off] = np.where(first, colors[hi[off]], colors[lo[off]])
        self.rows, where = np.unique(read_row, return_inverse=True)
        self.read = where * k + read_color
        self.read_all = read_row * k + read_color  # the same, all n rows of H S read
        self.seed = np.zeros((k, n))
        self.seed[colors, np.arange(n)] = 1.0


# --- compressed evaluation: Jacobians ---------------------------------------------------------
class _Results:
    """A plan's results: CSR matrices of its pattern (p: canonical), each with its own
    copies of the pattern's index arrays (scipy edits them in place: eliminate_zeros
    would change the plan's pattern)."""

    rtol: float  # the probe's (the plans': _tight of x's dtype, or _loose; _accept)

    def __init__(self, p: Any) -> None:
        self.shape = p.shape
        # int32 when it fits: scipy then builds each result without scanning them
        self.indices, self.indptr = _index_arrays(p)
        self._template: Any = None
        # the probe's rounding floor of each compared number (a derivative 0 computed
        # as noise: _rescued), and the last pass's differences when it mismatched
        # (per check: "jacobian", "terms", "star")
        self.floor: tuple[str, np.ndarray] | None = None
        self.difference: tuple[str, np.ndarray] | None = None

    def checked(self, check: str, difference: np.ndarray, mismatch: float) -> float:
        """A pass's mismatch, its differences kept when beyond rtol (for rescued)."""
        self.difference = (check, np.abs(difference)) if mismatch > self.rtol else None
        return mismatch

    def floor_of(self, check: str) -> np.ndarray | None:
        return self.floor[1] if self.floor is not None and self.floor[0] == check else None

    def rescued(self, full: np.ndarray, scale: float, dtype: np.dtype) -> Any:
        """A fresh plan's pass mismatched: the dense matrix `full` decides. All its
        nonzeros in the pattern, and every difference within _loose of its largest
        product's scale: they were rounding of numbers that are 0 (eigh of a matrix
        with a constant eigenvalue), which no row's own scale bounds; the result is
        read off `full`, and twice the differences become those numbers' floor (a
        stale entry hides only below it). Else None (a nonzero outside the pattern,
        or differences beyond rounding: f's pattern changed between its calls)."""
        rows = np.repeat(np.arange(full.shape[0]), np.diff(self.indptr))
        values = full[rows, self.indices]
        if self.difference is None or np.count_nonzero(full) != np.count_nonzero(values):
            return None
        check, difference = self.difference
        if not difference.max() <= _loose(dtype) * scale:  # (nan: declined)
            return None
        floor, kept = 2 * difference, self.floor_of(check)
        self.floor = check, floor if kept is None else np.maximum(kept, floor)
        return self.result(values)

    def result(self, values: np.ndarray) -> Any:
        """The matrix with these values at the pattern's entries: a shallow copy of one
        made by scipy's constructor once (whose checks of the index arrays cost
        10-20 us a call), given this call's arrays; marked canonical, as the pattern
        is (scipy's solvers then do not scan it)."""
        if self._template is None:
            sp = _sp()
            template = sp.csr_array((values, self.indices, self.indptr), shape=self.shape)
            template.has_canonical_format = True
            template.data = template.indices = template.indptr = None  # each result's own
            self._template = template
        result = copy.copy(self._template)
        result.data, result.indices, result.indptr = values, self.indices.copy(), self.indptr.copy()
        return result


class _JacobianPlan(_Results):
    """Pattern, colors and the gather that reads J's nonzeros off one DualVec(c) pass
    (DualVec(c + 1) with the probe direction w when `probe`: see _mismatch). Past
    _MAX_CHUNK directions (a dense row: as many colors as columns), passes of at most
    that many (chunked), so that no array holds c planes of f's output: the
    (c, rows) compressed matrix is dense then."""

    def __init__(
        self, pattern: Any, n: int, probe: bool = False, dtype: Any = np.float64,
        coloring: tuple[np.ndarray, int] | None = None, chunked: bool = True,
    ) -> None:  # fmt: skip
        p = _canonical(pattern)
        super().__init__(p)
        m = p.shape[0]
        if p.shape[1] != n:
            raise ValueError(
                f"the sparsity pattern has {p.shape[1]} columns, the input {n} elements"
            )
        self.colors, self.count = color_columns(p) if coloring is None else coloring
        rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(self.indptr))
        c = max(self.count, 1)
        self.c = c
        # the probe: J w in one more direction w of the same pass, against the
        # recovered J's J w (_mismatch), to rtol of a row's scale
        self.probe = _probe(n, dtype, single=True) if probe else None
        self.rtol = 0.0  # the probe's: _tight of x's dtype, or _loose (_accept)
        # self.weights as a pass's dtype reads them (float32 where they are all float32
        # numbers: _probe's single)
        self._weights_as: dict[np.dtype, np.ndarray] = {}
        self.rows: dict[np.dtype, np.ndarray] = {}  # (_seed_rows)
        self.directions = c + probe  # the colors, then the probe w
        self.chunk = self.directions
        if chunked and self.directions > _transforms._MAX_CHUNK:
            self.chunk = _transforms._chunk(
                self.directions, max(n, m), None, _transforms._dualvec_planes
            )
            # the entries by their column's color (a chunk's: a run of them), each
            # read from slot (color mod chunk, row) of its chunk's parts; the columns
            # by color (a chunk's seeds)
            color = self.colors[self.indices]
            self.by_color = np.argsort(color, kind="stable")
            self.local = ((color % self.chunk) * m + rows)[self.by_color]
            edges = np.arange(0, self.directions + self.chunk, self.chunk)
            self.entry_edges = np.searchsorted(color[self.by_color], edges)
            self.columns = np.argsort(self.colors, kind="stable")
            self.column_edges = np.searchsorted(self.colors[self.columns], edges)
            return
        self.gather = self.colors[self.indices] * m + rows
        if c * m < 2**31:  # int32 slots: half the bytes the recovery reads
            self.gather = self.gather.astype(np.int32)
        self.permute = _permute_codes(rows, self.colors[self.indices], m, c)
        # slots (color, row) no nonzero of the pattern reads: a value there means the
        # pattern is wrong for this call (f's constants changed, or a branch)
        used = np.zeros(c * m, dtype=bool)
        used[self.gather] = True
        self.unused = np.flatnonzero(~used)
        # (recover_pending's: each color's rows no entry reads, from unused_starts[a])
        self.unused_rows = (self.unused % m).astype(np.int32)
        self.unused_starts = np.searchsorted(self.unused // m, np.arange(c + 1)).astype(np.int32)
        self.seed = np.zeros((c + probe, n))
        self.seed[self.colors, np.arange(n)] = 1.0
        if self.probe is not None:
            self.seed[c] = self.probe
            # the recovered J's J w straight from the pass's parts: slot (color a,
            # row i) holds J[i, j] for the one j of color a in row i, so
            # (J w)_i = sum_a parts[a, i] w_j (0 where no entry reads the slot); the
            # probe's part J w last, weighed -1 (_block_mismatch)
            self.weights = np.zeros((c + 1) * m)
            self.weights[self.gather] = self.probe[self.indices]
            self.weights[c * m :] = -1.0
            self.weights = self.weights.reshape(c + 1, m)

    def seeded(self, cls: type[DualArray], x: np.ndarray) -> DualArray:
        """x seeded with the plan's colors (and its probe w) as an array of the
        DualVec kind cls: pending in C++ (_core.colored_seed: its planes written
        block by block where f's fused operations read them, never in full), or
        written here for a dtype it declines."""
        seeded = _core.colored_seed(cls, x, _seed_rows(self, x.dtype), self.c)
        if seeded is not None:
            return seeded  # type: ignore[no-any-return]
        data = np.empty((1 + self.seed.shape[0], *x.shape), dtype=x.dtype)
        flat = data.reshape(1 + self.seed.shape[0], -1)
        flat[0] = x.reshape(-1)
        flat[1:] = self.seed
        del flat
        return cls._wrap(data)  # (its planes held by it alone: fusion may record them)

    def recover(self, block: np.ndarray) -> tuple[np.ndarray | None, float]:
        """J's nonzeros (CSR order) off the pass's planes `block` (the c parts, then
        J w with the probe), and the probe's mismatch (_mismatch; 0 without it): the
        entries gathered in C++ (_core.csr_gather; numpy's take for arrays it
        declines), the check on the parts where they lie (_block_mismatch: the slots'
        weights, one branch-free pass). (None, inf) when a slot no entry of the pattern
        reads is not 0: J S is the compressed parts exactly, so the pattern is wrong for
        this call (f's constants changed, or a branch)."""
        parts = block[: self.c].reshape(-1)
        unused = self.unused if self.unused.size else None
        data = np.empty(self.gather.size, dtype=block.dtype)
        found = None
        if self.permute is not None:  # (AVX-512, float64: else None)
            found = _core.csr_permute(parts, block.shape[1], self.c, *self.permute, data, unused)
        if found is None:
            found = _core.csr_gather(parts, self.gather, data, unused)
        if found is None:
            if unused is not None and np.any(parts[unused]):
                return None, np.inf
            data = np.take(parts, self.gather)  # (faster than parts[gather])
        elif found == np.inf:
            return None, np.inf
        if self.probe is None:
            return data, 0.0
        real = np.finfo(block.dtype).dtype  # (the weights the check takes: the pass's own)
        weights = self.weights_as(real)
        return data, _block_mismatch(block, weights, self.rtol, self.floor_of("jacobian"))

    def weights_as(self, real: np.dtype) -> np.ndarray:
        """The check's weights as a pass of this real dtype reads them: float32 where they
        are all float32 numbers (_probe's single: the same numbers, half the bytes)."""
        weights = self._weights_as.get(real)
        if weights is None:
            weights = self.weights.astype(real)
            single = weights.astype(np.float32)
            if np.array_equal(single, weights):
                weights = single
            self._weights_as[real] = weights
        return weights

    def recover_pending(self, out: Any) -> tuple[np.ndarray, float] | None:
        """recover's entries and mismatch read off f's output `out` while its pass
        computes it, block by block (_core.recover_pass: a pending float64 output, a
        graph or a concatenation of pieces, its planes never written in full; it stays
        pending). None, nothing computed, for any other output or a plan without
        csr_permute's codes: recover then reads out's planes."""
        if self.permute is None or not isinstance(out, DualArray):
            return None
        weights = None
        if self.probe is not None:
            weights = self.weights_as(np.dtype(np.float64))[:-1]
        data = np.empty(self.gather.size)
        found = _core.recover_pass(
            out, self.c, self.indptr, *self.permute, self.unused_rows, self.unused_starts,
            weights, self.floor_of("jacobian"), self.rtol, data,
        )  # fmt: skip
        return None if found is None else (data, found)


def _permute_codes(
    rows: np.ndarray, color: np.ndarray, m: int, c: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """_core.csr_permute's reading of a Jacobian's entries (CSR order: their rows and
    their columns' colors) off c planes of m rows: each run of 8 entries from a base
    row (int32: its first entry's, at most m - 8) and each entry's code 8 color +
    row - base (uint8), where every run reads 8 rows from its base and c <= 8 (a
    banded Jacobian's runs read 3 or 4); else None (csr_gather reads them)."""
    nnz = rows.size
    if c > 8 or m < 8 or nnz == 0 or m >= 2**31:  # (int32 bases)
        return None
    base = np.minimum(rows[::8], m - 8)
    offset = rows - np.repeat(base, 8)[:nnz]  # (>= 0: a run's rows do not decrease)
    if offset.max() >= 8:
        return None
    code = (color * 8 + offset).astype(np.uint8)
    return base.astype(np.int32), code


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays hold the same numbers bit for bit (-0 is not 0, a nan is
    its own payload), of one dtype and shape."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    flat = [np.ascontiguousarray(v).reshape(-1).view(np.uint8) for v in (a, b)]
    return bool(np.array_equal(flat[0], flat[1]))


def _canonical(pattern: Any) -> Any:
    """A pattern as a boolean CSR array with sorted indices and no duplicates (a
    pattern given may have them: each entry read once, scipy's canonical format)."""
    p = _sp().csr_array(pattern, dtype=bool)
    p.sum_duplicates()
    return p


def _seed_rows(plan: Any, dtype: np.dtype) -> np.ndarray:
    """A coloring plan's seed rows for _core.colored_seed in x's dtype: the probe w
    (zeros without it) and each variable's color, read-only (seeds of pending passes
    read them); made once per dtype (plan.rows)."""
    rows: np.ndarray | None = plan.rows.get(dtype)
    if rows is None:
        rows = np.zeros((2, plan.colors.size), dtype=dtype)
        if plan.probe is not None:
            rows[0] = plan.probe
        rows[1] = plan.colors
        rows.flags.writeable = False
        plan.rows[dtype] = rows
    return rows


def _probe(n: int, dtype: Any = np.float64, single: bool = False) -> np.ndarray:
    """The probe direction w: uniform in [1, 2), all different (fixed per n). Unlike
    the 32 powers of two of _transforms._probe_weights (which keep a pointwise f's
    parts exact), a nonzero the pattern lacks, read into the entry of a column j of
    its color, shows as J_ik (w_k - w_j): never 0 by a collision of weights. Rounded
    to x's dtype, the seed's (a float32 x seeds float32 weights: an f computing in
    float64 from there would be compared with weights its pass never saw).
    single (a Jacobian's, up to 2^22 columns): n different float32 numbers (n sorted
    uniform draws, as normalized sums of exponential gaps, plus 0, 1, 2, ...: all
    different, then shuffled; O(n), where numpy's choice without replacement took 0.4
    s at 1e6 and a sort 50 ms), so that the slots' weights are read as float32 (half
    the bytes: _JacobianPlan.recover). Its J_ik (w_k - w_j) is never 0
    either, and about as likely as float64's to fall below rtol: |w_k - w_j| < d for
    d >= 2^-23 about as often, never below 2^-23. (Not a Hessian's: its products
    w_i w_k, quantized to 2^-46, could meet within rtol = 64 eps.)"""
    rng = np.random.default_rng(n)
    if single and n <= 2**22:
        sums = np.cumsum(rng.standard_exponential(n + 1))
        k = np.floor(sums[:-1] / sums[-1] * (2**23 - n)) + np.arange(n)  # (< 2^23 - 1)
        single_numbers: np.ndarray = 1.0 + k[rng.permutation(n)] * 2.0**-23
        return single_numbers
    w = rng.uniform(1.0, 2.0, n)
    return w.astype(np.finfo(dtype).dtype).astype(np.float64)  # (complex64: float32's)


def _tight(dtype: np.dtype) -> float:
    """The rounding of a sum (as _transforms._check_pointwise): a mismatch beyond it
    and a plan of an earlier call is detected again."""
    return 64 * _eps(dtype)


def _loose(dtype: np.dtype) -> float:
    """Beyond the rounding of a sum: f's own cancellation (a freshly detected plan
    whose pass still mismatches by less is kept, checked to this from then on)."""
    return max(1e-8, 1e3 * _eps(dtype))


def _mismatch(
    difference: np.ndarray, probe: np.ndarray, rtol: float, scale: Callable[[np.ndarray], Any],
    floor: np.ndarray | None = None,
) -> float:  # fmt: skip
    """How far the pass's probe part (J w, a term's w^T H w, H w) is from the same
    product of the recovered matrix (`difference`: the recovered's minus the pass's):
    the largest |difference| over the row's scale, scale(rows) = sum_j |M_ij v_j| +
    |probe_i|, or 0 when every row is within rtol of |probe_i|, which the scale bounds
    from above (the common answer: the two sum in other orders, so most rows differ by
    a rounding; the exact scale is computed for the other rows alone, those where the
    product cancels). A row whose either side is inf or nan (a derivative that is,
    sqrt'(0)) is not judged (nan > bound is false). floor: numbers' rounding measured
    apart (_Results.rescued). `difference` (the callers' own) is made |difference|."""
    difference, probe = difference.reshape(-1), probe.reshape(-1)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # (in place when real: a complex difference's |.| is real)
        magnitude = (
            np.abs(difference, out=difference)
            if difference.dtype.kind == "f"
            else np.abs(difference)
        )
        bound = np.abs(probe)
        bound *= rtol
        if floor is not None:
            bound += floor
        rows = np.flatnonzero(magnitude > bound)
        if not rows.size:
            return 0.0
        magnitude, probe = magnitude[rows], probe[rows]
        judged = np.isfinite(magnitude + probe) & np.isfinite(probe)
        ratio = magnitude / scale(rows)
    return float(np.where(judged, ratio, 0.0).max())


def _block_mismatch(
    block: np.ndarray, weights: np.ndarray, rtol: float, floor: np.ndarray | None = None
) -> float:
    """_mismatch of a product recovered straight from the pass's planes: block (k + 1,
    rows) holds k planes of parts and, last, the probe's; the recovered product is
    sum_a weights[a] block[a] (weights' last row -1: the sum is the difference, and
    with absolute values the scale). One C++ pass over the rows (_core.block_mismatch:
    the same rule, sums in double; the probe's -1 implied) where it takes the arrays,
    else numpy's."""
    found = _core.block_mismatch(block, weights[:-1], rtol, floor)
    return _numpy_block_mismatch(block, weights, rtol, floor) if found is None else found


def _numpy_block_mismatch(
    block: np.ndarray, weights: np.ndarray, rtol: float, floor: np.ndarray | None = None
) -> float:
    """_block_mismatch in numpy."""

    def scale(rows: np.ndarray) -> Any:
        return np.einsum("ai,ai->i", np.abs(block[:, rows]), np.abs(weights[:, rows]))

    return _mismatch(np.einsum("ai,ai->i", block, weights), block[-1], rtol, scale, floor)


def _csr_scale(matrix: Any, v: np.ndarray, probe: np.ndarray) -> Callable[[np.ndarray], Any]:
    """_mismatch's scale of M v, M in CSR: sum_j |M_ij v_j| + |probe_i| of the rows
    asked (from the CSR arrays: scipy's row indexing costs more at small sizes)."""

    def scale(rows: np.ndarray) -> Any:
        start = matrix.indptr[rows].astype(np.int64)
        counts = matrix.indptr[rows + 1] - start
        first = np.cumsum(counts) - counts
        pos = np.repeat(start - first, counts) + np.arange(int(counts.sum()))
        terms = np.abs(matrix.data[pos]) * np.abs(v[matrix.indices[pos]])
        owner = np.repeat(np.arange(rows.size), counts)
        return np.bincount(owner, weights=terms, minlength=rows.size) + np.abs(probe[rows])

    return scale


def _accept(plan: Any, mismatch: float, fresh: bool, dtype: np.dtype) -> bool:
    """Whether a pass's result stands: its mismatch within the plan's rtol (_tight
    of the dtype at first), or, for a plan detected at this call, within _loose (f's
    own rounding: the plan's rtol becomes _loose)."""
    if mismatch <= plan.rtol:
        return True
    if fresh and mismatch <= _loose(dtype):
        plan.rtol = _loose(dtype)
        return True
    return False


def _wider_dtype(dtype: np.dtype) -> np.dtype | None:
    """float64 (complex128) for a dtype of fewer digits, else None."""
    wide = np.dtype(np.complex128 if dtype.kind == "c" else np.float64)
    return wide if dtype.kind in "fc" and _eps(dtype) > _eps(wide) else None


@functools.cache
def _eps(dtype: np.dtype) -> float:
    return float(np.finfo(dtype).eps)


def _index_arrays(p: Any) -> tuple[np.ndarray, np.ndarray]:
    small = max(p.nnz, *p.shape) < 2**31 - 1
    dtype = np.int32 if small else np.int64
    return p.indices.astype(dtype), p.indptr.astype(dtype)


def _pattern_arg(sparsity: Any, where: str) -> Any:
    if isinstance(sparsity, str):
        if sparsity != "auto":
            raise ValueError(f"{where}: sparsity must be 'auto' or a pattern, not {sparsity!r}")
        return None
    sp = _sp()
    if not (sp.issparse(sparsity) or isinstance(sparsity, np.ndarray)):
        raise TypeError(f"{where}: sparsity must be 'auto', a scipy.sparse pattern or an array")
    # (a copy: scipy's csr_array of a CSR shares its index arrays, which the pattern's
    # canonical form sorts in place; the caller's matrix stays as given)
    return sp.csr_array(sparsity != 0 if isinstance(sparsity, np.ndarray) else sparsity, copy=True)


def _token(
    a: Any, keep: bool, depth: int = 0, budget: list[int] | None = None, deep: bool = True
) -> Any:
    """What of a non-differentiated argument a plan's key holds: its value when
    hashable (k in np.roll(x, k), t in rhs(t, y); a float's sign too: 0.0 == -0.0),
    else the object by identity, and for an array a copy of its values too (`keep`: a
    plan's own key), compared at each lookup: an array changed in place gets a new
    plan. Tuples, lists, sets and dicts item by item (params = [A]: A replaced, or
    changed in place, in the same list), and when `deep` (check_sparsity=False: no
    probe notices a change) an object keyed by identity (a plain class's instance, a
    dataclass) attribute by attribute too (o.k = 2 in np.roll(x, o.k)), a bound method
    with its object's, a functools.partial by its arguments, up to `budget` items in
    all (beyond it by identity alone)."""
    budget = [256] if budget is None else budget
    budget[0] -= 1
    if isinstance(a, np.ndarray):
        return _Identity(a, keep)
    if isinstance(a, (tuple, list, dict)) and depth < 32 and budget[0] > 0:
        items = a.items() if isinstance(a, dict) else enumerate(a)
        return (type(a), tuple((k, _token(y, keep, depth + 1, budget, deep)) for k, y in items))
    if isinstance(a, (set, frozenset)) and budget[0] > 0:
        try:
            return (type(a), frozenset(a))
        except TypeError:
            return _Identity(a, False)
    if deep and depth < 32 and budget[0] > 0:  # (hashable, but equal when what they read changed)
        if isinstance(a, types.MethodType):  # obj.method: obj's attributes too (o.k = 2)
            return (type(a), a.__func__, _token(a.__self__, keep, depth + 1, budget, deep))
        if isinstance(a, functools.partial):  # its arguments (keywords edited in place)
            parts = (a.func, a.args, dict(a.keywords))
            return (type(a), _token(parts, keep, depth + 1, budget, deep))
    try:
        hash(a)
    except TypeError:
        token = _Identity(a, False)
        return _attributes(token, a, keep, depth, budget) if deep else token
    if isinstance(a, (float, complex, np.inexact)):
        return (type(a), a, repr(a))
    if deep and type(a).__hash__ is object.__hash__:  # type: ignore[comparison-overlap]
        return _attributes((type(a), a), a, keep, depth, budget)
    return (type(a), a)


def _attributes(token: Any, a: Any, keep: bool, depth: int, budget: list[int]) -> Any:
    """token, with an instance's attributes (what a method or f reads off it) by
    their tokens: not a module's, a class's or a function's (their names are f's
    globals and code, which the probe watches). A class's __slots__ are attributes
    too (a dataclass(slots=True)'s fields)."""
    if (
        isinstance(a, (type, types.ModuleType, types.FunctionType, types.MethodType))
        or depth >= 32
        or budget[0] <= 0
    ):
        return token
    attributes = getattr(a, "__dict__", None)
    items = list(attributes.items()) if isinstance(attributes, dict) else []
    items += [(name, _slot_value(a, name)) for name in _slot_names(type(a))]
    if not items:
        return token
    fields = tuple((k, _token(v, keep, depth + 1, budget)) for k, v in items)
    return (token, fields)


_UNSET = ("hyperdiff: a slot not set",)  # (a slot's token when it holds nothing)


def _slot_value(a: Any, name: str) -> Any:
    """A slot's value (_UNSET when it holds none, or a property shadowing it raises)."""
    try:
        return getattr(a, name)
    except Exception:
        return _UNSET


def _slot_names(cls: type) -> list[str]:
    """The names of the slots a class and its bases declare (their values are no
    __dict__ entries; a private __k as Python stores it, _Class__k); __dict__ and
    __weakref__ are none."""
    names: list[str] = []
    for klass in cls.__mro__:
        slots = vars(klass).get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name.startswith("__") and not name.endswith("__"):
                name = f"_{klass.__name__.lstrip('_')}{name}"
            if name not in ("__dict__", "__weakref__") and name not in names:
                names.append(name)
    return names


class _Identity:
    """A key by identity that holds its object (so its id is not reused) and, for a
    plan's own key, a copy of an array's values then: an object array's elements
    copied too (a lil matrix's rows, lists edited in place by A[i, j] = v)."""

    __slots__ = ("obj", "values")

    def __init__(self, obj: Any, keep: bool) -> None:
        self.obj = obj
        self.values = _kept_values(obj) if keep and isinstance(obj, np.ndarray) else None

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Identity) or other.obj is not self.obj:
            return False
        for kept in (self.values, other.values):
            if kept is not None and not _same(kept, self.obj):
                return False
        return True


def _kept_values(array: np.ndarray) -> np.ndarray:
    """A copy of an array's values to compare later (_same): an object array's
    lists, dicts and sets copied too (a copy of the array would share them: a lil
    matrix's rows, edited in place by A[i, j] = v); other objects are themselves
    (compared as they compare: by identity unless they say otherwise)."""
    if array.dtype != object:
        return np.array(array)
    kept = np.empty(array.shape, dtype=object)
    for index in np.ndindex(array.shape):
        kept[index] = _copied(array[index], 0)
    return kept


def _copied(item: Any, depth: int) -> Any:
    """item with its lists, tuples, dicts and sets copied, nested ones too."""
    if depth >= 32:
        return item
    if type(item) in (list, tuple):
        return type(item)(_copied(y, depth + 1) for y in item)
    if type(item) is dict:
        return {k: _copied(v, depth + 1) for k, v in item.items()}
    if type(item) is set:
        return set(item)
    return item


def _same(kept: np.ndarray, now: np.ndarray) -> bool:
    if kept.shape != now.shape or kept.dtype != now.dtype:
        return False
    try:
        return bool(np.array_equal(kept, now, equal_nan=kept.dtype.kind in "fc"))
    except (TypeError, ValueError):  # objects that do not compare: a new plan
        return False


def _key(
    args: tuple[Any, ...], kwargs: dict[str, Any], argnums: int, keep: bool = False,
    deep: bool = False,
) -> tuple[Any, ...]:  # fmt: skip
    """A plan's key: the shapes and dtypes of args[argnums], everything else by value
    (or identity and values): each can change the pattern. deep: objects' attributes
    too (_token)."""
    x = args[argnums] if argnums < len(args) else None
    # (np.shape takes any object, None included: numpy's stubs want an array-like)
    key: list[Any] = [argnums, np.shape(x), getattr(x, "dtype", type(x))]  # type: ignore[arg-type]
    budget = [256]  # (items of the arguments' tokens in all)
    key.extend(_token(a, keep, 0, budget, deep) for k, a in enumerate(args) if k != argnums)
    if kwargs:
        key.extend((name, _token(kwargs[name], keep, 0, budget, deep)) for name in sorted(kwargs))
    return tuple(key)


# plans kept per transform (the oldest dropped first): rhs(t, y) keys a plan per t
_MAX_PLANS = 16


def _keep(plans: dict[str, Any], key: Any, plan: Any) -> Any:
    plans.pop(key, None)
    if len(plans) >= _MAX_PLANS:
        del plans[next(iter(plans))]
    plans[key] = plan
    return plan


_STALE_PLAN = (
    "{where}: the sparsity pattern detected at this very call does not hold in the pass "
    "that follows (its probe {product} is off by {by:.1e} of a row's scale; inf: a part "
    "where the pattern has no nonzero): f's pattern changes from one call to the next "
    "(it reads something its own calls change), f's intermediates cancel more than 8 "
    "digits of the probe's sums, or a defect of sparsity detection. "
    "check_sparsity=False skips the check"
)


def _planned_call(
    where: str, plans: dict[Any, Any], detected: bool, new_plan: Callable[..., Any],
    run: Callable[..., tuple[Any, float]], args: tuple[Any, ...], kwargs: dict[str, Any],
    argnums: int, rescue: Callable[..., Any] | None = None, deep: bool = False,
    holomorphic: bool = False,
) -> Any:  # fmt: skip
    """A call of a sparse transform: its plan for these arguments (made at their first
    call), the pass (run: the result and its probe's mismatch), and on a mismatch, for
    a detected pattern (not one given), the pattern detected again, the plan rebuilt
    and the pass run again; a fresh plan that fails goes to rescue (the dense matrix
    decides: its result, or None), then raises. deep: the key holds the arguments'
    attributes too (check_sparsity=False; with the probe, a change it makes to the
    pattern is noticed, and a counter f's object increments costs no detection).
    holomorphic: complex inputs, marked as the dense transforms' (_transforms._variable:
    a function that is not holomorphic meeting them is named)."""
    argnums = _position(argnums, len(args), where)  # (-1 and 1 of two: one key)
    key = _key(args, kwargs, argnums, False, deep)
    plan = plans.get(key)
    x = _input_array(args[argnums], f"{where}(sparsity=...)", holomorphic)
    if holomorphic:
        x = _transforms._variable(x, f"{where}(sparsity=...)", True)
    fresh = plan is None
    if plan is None:
        plan = _keep(plans, _key(args, kwargs, argnums, True, deep), new_plan(args, kwargs, x))
    result, mismatch = run(plan, x, args, kwargs)
    if _accept(plan, mismatch, fresh, x.dtype):
        return result

    def holds_when_wider(plan: Any) -> bool:
        """A float32 (complex64) pass's mismatch past its rtol: the same plan's pass in
        float64 within _loose of it says the pattern holds, and the mismatch was f's
        rounding in float32 (a row that cancels: 1 / (2 + x^2)'' near its root, the
        nearer the more points, past _loose(float32) from n ~ 1e3), not a stale plan.
        (Else the dense matrix would decide: O(n^2).)"""
        wide = _wider_dtype(x.dtype)
        if wide is None:
            return False
        wider = list(args)
        wider[argnums] = np.asarray(args[argnums]).astype(wide)
        kept = plan.difference  # (the float32 pass's, for rescue)
        try:
            _, wide_mismatch = run(plan, x.astype(wide), tuple(wider), kwargs)
        except Exception:  # (an f that takes float32 alone: the dense matrix decides)
            return False
        finally:
            plan.difference = kept
        return wide_mismatch <= _loose(wide)

    if holds_when_wider(plan):
        return result
    if not fresh and detected:
        # a stale plan (what f reads besides its arguments changed): detect again
        plan = _keep(plans, _key(args, kwargs, argnums, True, deep), new_plan(args, kwargs, x))
        result, mismatch = run(plan, x, args, kwargs)
        if _accept(plan, mismatch, True, x.dtype) or holds_when_wider(plan):
            return result
    result = None if rescue is None else rescue(plan, args, kwargs)
    if result is not None:
        return result
    hessian = ("Hessian", "H w (a term's w^T H w)", "the")
    matrix, product, pattern = ("Jacobian", "J w", "its") if where == "jacobian" else hessian
    if detected:
        raise ValueError(_STALE_PLAN.format(where=where, product=product, by=mismatch))
    raise ValueError(
        f"{where}: the {matrix} has a nonzero outside {pattern} sparsity pattern at this "
        "point (a branch, or a pattern given that misses an entry): pass a pattern that "
        "holds here"
    )


def sparse_jacobian(
    f: Callable[..., Any], argnums: int, sparsity: Any, check: bool = True,
    holomorphic: bool = False,
) -> Callable[..., Any]:  # fmt: skip
    """hd.jacobian(f, sparsity=...): see there. check: the probe direction (J w) in
    every pass, so that a plan gone stale is detected again. holomorphic: complex
    inputs, f'(z) (the colors' seeds are real directions: J S of a holomorphic f)."""
    from ._multivariate import dualvec_type
    from ._transforms import (
        _complex_outputs,
        _named,
        _output_planes,
        _seeds,
        _warn_if_long,
        jacobian,
    )

    if not isinstance(argnums, int) or isinstance(argnums, bool):
        raise TypeError(f"jacobian(sparsity=...): argnums must be one int, not {argnums!r}")
    given = _pattern_arg(sparsity, "jacobian")
    plans: dict[Any, _JacobianPlan] = {}
    rows_off = [False]  # a plan of rows of terms failed: the plain plans from then on

    dense = jacobian(f, argnums, holomorphic=holomorphic)

    def jac(*args: Any, **kwargs: Any) -> Any:
        return _planned_call(
            "jacobian", plans, given is None, new_plan, compressed, args, kwargs, argnums,
            rescue, not check, holomorphic,
        )  # fmt: skip

    def rescue(plan: _JacobianPlan, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A fresh plan whose probe is off beyond f's rounding: the dense Jacobian
        decides (_Results.rescued), or None (a nonzero outside the pattern)."""
        if isinstance(plan, _TermRowsPlan):
            # f's pass keeps other terms than its trace, or its rounding: the plain
            # plan of J, fresh, decides (with its own rescue)
            rows_off[0] = True
            for key in [key for key, kept in plans.items() if kept is plan]:
                del plans[key]
            return jac(*args, **kwargs)
        if plan.difference is None or plan.probe is None:
            return None
        full = np.asarray(_plain(dense(*args, **kwargs), "jacobian")).reshape(plan.shape)
        scale = float(np.max(np.abs(full) @ plan.probe, initial=0.0))
        return plan.rescued(full, scale, full.dtype)

    def new_plan(args: tuple[Any, ...], kwargs: dict[str, Any], x: np.ndarray) -> _JacobianPlan:
        if given is None:
            detected = jacobian_sparsity(f, argnums)(*args, **kwargs)
            if not rows_off[0]:
                rows = _term_rows_plan(f, args, kwargs, argnums, x, check, detected)
                if rows is not None:
                    return rows
            return _JacobianPlan(detected, x.size, probe=check, dtype=x.dtype)
        # a pattern given holding the global one is right at these arguments; else
        # (f branches, or detection fails) each call checks it by a probe
        try:
            detected = _sp().csr_array(jacobian_sparsity(f, argnums)(*args, **kwargs))
        except Exception:  # whatever stops detection: the probe decides
            detected = None
        holds = (
            detected is not None
            and detected.shape == given.shape
            and (detected.astype(bool) > given.astype(bool)).nnz == 0
        )
        return _JacobianPlan(given, x.size, probe=check or not holds, dtype=x.dtype)

    def compressed(
        plan: _JacobianPlan, x: np.ndarray, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, float]:
        """J from one pass of plan, and how far the pass shows the pattern is from
        right (_mismatch; inf: a part where the pattern has no nonzero)."""
        plan.difference = None
        if isinstance(plan, _TermRowsPlan):
            return joined(plan, x, args, kwargs)
        if plan.chunk < plan.directions:
            return chunked(plan, x, args, kwargs)
        c = plan.seed.shape[0]
        cls = _seeds(dualvec_type(c))
        new = list(args)
        new[argnums] = plan.seeded(cls, x)
        out = f(*new, **kwargs)
        if plan.probe is not None:
            plan.rtol = plan.rtol or _tight(x.dtype)
        # J read off the pass as it runs; a mismatch (or a dtype, shape or output it
        # declines) reads the planes below (the pending pass runs again: the same bits)
        found = None if holomorphic or type(out) is not cls else plan.recover_pending(out)
        if found is not None and found[1] <= plan.rtol:
            return plan.result(found[0]), found[1]
        planes = output_planes(out, cls, x, plan.shape[0])
        if planes is None:
            return None, np.inf
        m = plan.shape[0]
        block = planes[1 : 1 + c].reshape(c, m)  # the parts (and J w)
        data, mismatch = plan.recover(block)
        if data is None:
            return None, np.inf
        result = plan.result(data)
        if mismatch > plan.rtol:  # (kept for rescue)
            plan.checked("jacobian", np.einsum("ai,ai->i", block, plan.weights), mismatch)
        return result, mismatch

    def joined(
        plan: _TermRowsPlan, x: np.ndarray, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, float]:
        """compressed's J for rows of terms: J_F off the pass (f's output a _TermRows of
        the plan's pieces, its term arrays' planes as F's rows), then each row of terms
        summed from its arrays' rows, weighed (plan.summed)."""
        cls = _term_kind(plan.c, _core.transform_depth(), plan.probe is not None, order=1)
        new = list(args)
        new[argnums] = plan.seeded(cls, x)
        with _rows_written() as table:
            out = f(*new, **kwargs)
        entry = table.get(id(out))
        if entry is not None and entry[0] is out:
            out = _assigned_term_rows(out, entry[1])
        if not isinstance(out, _TermRows) or out.signature() != plan.signature:
            return None, np.inf  # (other pieces, or terms: a stale plan)
        arrays, weighed = [], []
        for kind, piece in out.pieces:
            for a, w in piece.parts if kind == "terms" else [(piece, 1.0)]:
                arrays.append(a)
                weighed.append((np.shape(a), w))
        block = _joined_parts(arrays, cls, x.dtype)
        if holomorphic:
            _complex_outputs([block], "jacobian", first=0)
        if plan.probe is not None:
            plan.rtol = plan.rtol or _tight(x.dtype)
        data, mismatch = plan.recover(block)
        if data is None:
            return None, np.inf
        # f's own dtype, as numpy promotes the terms and their weights
        dtype = np.result_type(block.dtype, *(w for _, w in weighed))
        real = np.finfo(dtype).dtype
        each = None
        if any(not (np.ndim(w) == 0 and w == 1.0) for _, w in weighed):
            each = np.concatenate(
                [np.broadcast_to(np.asarray(w, real), s).ravel() for s, w in weighed]
            )
            data = data * each[plan.entry_rows]
        if out.written is not None:
            mismatch = max(mismatch, written_mismatch(plan, out.written, block, each))
        result = plan.joined.result(plan.summed(data).astype(dtype, copy=False))
        if mismatch > plan.rtol:  # (kept for rescue)
            plan.checked("jacobian", np.einsum("ai,ai->i", block, plan.weights), mismatch)
        return result, mismatch

    def written_mismatch(
        plan: _TermRowsPlan, written: tuple[list[int], Any], block: np.ndarray,
        each: np.ndarray | None,
    ) -> float:  # fmt: skip
        """How far the probe's part of f's rows written a sum (r[-1] = ...) is from
        their terms' J w, summed from F's probe part (_mismatch's rule): a write into
        such a row after the sum, which the pass does not follow, shows here."""
        rows, actual = written
        probe = _plain(_output_planes(actual, type(actual), actual.dtype), "jacobian")[plan.c + 1]
        summed, scale = np.zeros_like(probe), np.zeros(probe.shape, np.finfo(probe.dtype).dtype)
        for k, row in enumerate(rows):
            terms = plan.terms_of(row)  # (F's rows of its terms: one run)
            weighed = block[plan.c, terms] if each is None else block[plan.c, terms] * each[terms]
            summed[k] = np.sum(weighed)
            scale[k] = np.sum(np.abs(weighed))
        with np.errstate(invalid="ignore", divide="ignore"):
            difference = np.abs(summed - probe)
            judged = np.isfinite(difference) & (difference > plan.rtol * (scale + np.abs(probe)))
            ratio = np.where(judged, difference / (scale + np.abs(probe)), 0.0)
        return float(ratio.max(initial=0.0))

    def output_planes(out: Any, cls: type[DualArray], x: np.ndarray, m: int) -> Any:
        """The planes of a pass's output, or None when its size is not the plan's (a
        stale plan: f's output size follows what it reads)."""
        planes = _plain(_output_planes(out, cls, x.dtype), "jacobian")
        if holomorphic:  # (complex outputs; no function that is not holomorphic met)
            _complex_outputs([planes], "jacobian")
        if planes[0].size != m:
            if given is None:
                return None
            raise ValueError(
                f"jacobian: f's output has {planes[0].size} elements, the pattern {m} rows"
            )
        return planes

    def chunked(
        plan: _JacobianPlan, x: np.ndarray, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, float]:
        """compressed's J from passes of plan.chunk directions each (the colors in
        order, the probe w last): each pass's entries read off its parts, which must
        be 0 in every slot no entry reads; the probe's J w against the result's."""
        m, n, k, c = plan.shape[0], x.size, plan.chunk, plan.c
        data: np.ndarray | None = None
        product = None  # the pass's J w
        starts = range(0, plan.directions, k)
        began = time.perf_counter()
        for i, start in enumerate(starts):
            new: list[Any] = []  # (the last pass's arrays, before _seeds looks for kept ones)
            width = min(k, plan.directions - start)
            cls = _seeds(dualvec_type(width))
            seeded = np.zeros((1 + width, *x.shape), dtype=x.dtype)
            flat = seeded.reshape(1 + width, n)
            flat[0] = x.reshape(-1)
            columns = plan.columns[plan.column_edges[i] : plan.column_edges[i + 1]]
            flat[1 + plan.colors[columns] - start, columns] = 1
            if plan.probe is not None and start + width > c:
                flat[c - start + 1] = plan.probe
            new = list(args)
            new[argnums] = cls._wrap(seeded)
            del seeded, flat  # held by their dual array alone: fusion may record them
            planes = output_planes(f(*new, **kwargs), cls, x, m)
            if planes is None:
                return None, np.inf
            parts = planes[1 : 1 + min(width, c - start)].reshape(-1)
            entries = slice(plan.entry_edges[i], plan.entry_edges[i + 1])
            values = parts[plan.local[entries]]
            if np.count_nonzero(parts) != np.count_nonzero(values):
                return None, np.inf  # (a part no entry reads: the pattern is wrong here)
            if data is None:
                data = np.empty(plan.indices.size, dtype=planes.dtype)
            data[plan.by_color[entries]] = values
            if plan.probe is not None and start + width > c:
                product = planes[1 + c - start].reshape(m)
            if i == 0 and len(starts) > 1:
                _warn_if_long("jacobian", n, k, len(starts), time.perf_counter() - began)
        assert data is not None  # (at least one pass: directions >= 1)
        result = plan.result(data)
        w = plan.probe
        if product is None or w is None:
            return result, 0.0
        plan.rtol = plan.rtol or _tight(x.dtype)
        difference = result @ w - product
        scale = _csr_scale(result, w, product)
        mismatch = _mismatch(difference, product, plan.rtol, scale, plan.floor_of("jacobian"))
        return result, plan.checked("jacobian", difference, mismatch)

    jac.__doc__ = "The sparse Jacobian (scipy.sparse CSR, out.size x in.size)."
    return _named(jac, "jacobian", f, jac.__doc__)


# --- compressed evaluation: Hessians ----------------------------------------------------------
_TERM_KINDS: dict[tuple[int, int, bool, int], type[DualArray]] = {}


_TERMS_OFF = threading.local()  # set: the term kinds' full sums and products are plain


class _plain_terms:  # (a context manager, named as the function it was)
    """The term kinds' full sums and products plain within: f's own values. A class,
    not contextlib's generator: a loop's sum of numbers enters it a few times a
    number (1.5 us a time, about a tenth of such a pass)."""

    __slots__ = ("before",)

    def __enter__(self) -> None:
        self.before = getattr(_TERMS_OFF, "on", False)
        _TERMS_OFF.on = True

    def __exit__(self, *exc: object) -> None:
        _TERMS_OFF.on = self.before


# a term-rows pass's rows written a sum of terms: {id(array): (array, {row: _Terms})}
_WRITTEN_ROWS = threading.local()


@contextlib.contextmanager
def _rows_written() -> Any:
    """The rows of 1-d term-kind arrays written a full sum kept as terms while f runs
    (a term-rows pass: r[-1] = np.sum(x**2) - 1), as the trace's _row_terms."""
    before = getattr(_WRITTEN_ROWS, "table", None)
    table: dict[int, tuple[Any, dict[int, _Terms]]] = {}
    _WRITTEN_ROWS.table = table
    try:
        yield table
    finally:
        _WRITTEN_ROWS.table = before


def _note_write(array: Any, key: Any, item: Any) -> None:
    """A term kind's array[key] = item during a term-rows pass: a row written a sum
    of terms noted, the rows a later write covers dropped."""
    table = getattr(_WRITTEN_ROWS, "table", None)
    if table is None or getattr(_TERMS_OFF, "on", False):
        return
    entry = table.get(id(array))
    if entry is not None and entry[0] is array:
        _drop_written(entry[1], array.size, key)
    if isinstance(item, _Terms) and array.ndim == 1 and _one_index(key):
        if entry is None or entry[0] is not array:
            entry = table[id(array)] = (array, {})
        entry[1][int(key) % array.size] = item


def _term_kind(c: int, tag: int, probe: bool, order: int = 2) -> type[DualArray]:
    """HyperDualVec(c) (with the probe: and a direction w with its (w, w) plane), or
    for order 1 DualVec(c) (and w), at transform depth `tag` whose full sums stay
    terms: one class per key until arrays of it escape a call (_arrays._retire), then
    a new one, as `tagged` does."""
    found = _TERM_KINDS.get((c, tag, probe, order))
    if found is None or getattr(found, "_retired", False):
        found = _TERM_KINDS[c, tag, probe, order] = _new_term_kind(c, tag, probe, order)
    return found


def _new_term_kind(c: int, tag: int, probe: bool, order: int) -> type[DualArray]:
    from ._multivariate import dualvec_type, hyperdualvec_type, probed_hyperdualvec_type

    base: type[DualArray]
    if order == 1:
        base = dualvec_type(c + probe)
    else:
        base = probed_hyperdualvec_type(c, mixed=False) if probe else hyperdualvec_type(c)

    def __array_function__(self: Any, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        def exact() -> Any:  # f's own value of it (_Terms.exact), no terms within
            with _plain_terms():
                return base.__array_function__(self, func, types, args, kwargs)

        if getattr(_TERMS_OFF, "on", False):
            return base.__array_function__(self, func, types, args, kwargs)
        if func in _ROW_JOINS:
            rows = _term_rows(func, args, kwargs)
            if rows is not None:
                return rows
        if func in (np.sum, np.mean, np.nansum) and args and args[0] is self:
            summed = _sum_arguments(*args, **kwargs)
            if _is_full_sum(self.ndim, self.size, *summed):
                weight = 1.0 / self.size if func is np.mean else 1.0
                terms = _without_nan(self) if func is np.nansum else self
                return _Terms([(terms, weight)], 0.0, exact, (1,) if summed[3] else ())
        if func is np.trapezoid and args and args[0] is self and self.ndim == 1:
            x, dx, axis = _trapezoid_arguments(*args[1:], **kwargs)
            weights = _trapezoid_weights(self.size, x, dx, self.dtype) if axis in (0, -1) else None
            if weights is not None:
                return _Terms([(self, weights)], 0.0, exact)
        if func is np.linalg.norm and args and args[0] is self:
            ord, axis, keepdims = _norm_arguments(*args[1:], **kwargs)
            if _root_of_squares(self.ndim, self.size, self.dtype.kind, ord, axis, keepdims):
                return _RootOfTerms(_Terms([(self * self, 1.0)], 0.0), exact)
        plain = not kwargs or kwargs == {"out": None}  # (a.dot(b) passes out=None)
        if func in (np.dot, np.vdot, np.inner) and len(args) == 2 and plain:
            terms = _product_terms(*args)
            if terms is not None:
                terms.exact = exact
                return terms
        if func is np.einsum and not kwargs:
            terms = _einsum_terms(*args)
            if terms is not None:
                terms.exact = exact
                return terms
        if func is np.tensordot and 2 <= len(args) <= 3 - len(kwargs) and set(kwargs) <= {"axes"}:
            axes = args[2] if len(args) > 2 else kwargs.get("axes", 2)
            terms = _tensordot_terms(args[0], args[1], axes)
            if terms is not None:
                terms.exact = exact
                return terms
        return base.__array_function__(self, func, types, args, kwargs)

    def __array_ufunc__(self: Any, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if getattr(_TERMS_OFF, "on", False):
            return base.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)
        if ufunc in (np.add, np.subtract) and method == "__call__" and len(inputs) == 2:
            kept = None if kwargs else scalar_sum(*inputs, ufunc)
            if kept is not None:
                return kept
        if ufunc is np.add and method == "reduce" and len(inputs) == 1 and inputs[0] is self:
            rest = dict(kwargs)
            axis = rest.pop("axis", 0)  # (add.reduce's default: the first axis)
            dtype, out = rest.pop("dtype", None), rest.pop("out", None)
            keepdims = rest.pop("keepdims", False)
            if _is_full_sum(self.ndim, self.size, axis, dtype, out, keepdims, rest):

                def summed() -> Any:
                    with _plain_terms():
                        return base.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)

                return _Terms([(self, 1.0)], 0.0, summed, (1,) if keepdims else ())

        def exact() -> Any:  # (f's own product, for terms kept below)
            with _plain_terms():
                return base.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)

        terms = None
        vecdot = getattr(np, "vecdot", None)  # (numpy 2's)
        if vecdot is not None and ufunc is vecdot and method == "__call__" and len(inputs) == 2:
            # (np.linalg.vecdot passes axis=-1: a 1-d vector has no other axis) a complex
            # first operand conjugated first, as numpy's vecdot conjugates it
            if not (set(kwargs) - {"axis"}) and kwargs.get("axis", -1) in (0, -1):
                a, b = inputs
                terms = _product_terms(np.conj(a) if np.iscomplexobj(a) else a, b)
        if ufunc is np.matmul and method == "__call__" and len(inputs) == 2 and not kwargs:
            terms = _product_terms(*inputs)
        if terms is not None:
            terms.exact = exact
            return terms
        return base.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)

    def __setitem__(self: Any, key: Any, item: Any) -> None:
        base.__setitem__(self, key, item)
        _note_write(self, key, item)

    def scalar_sum(a: Any, b: Any, ufunc: Any) -> Any:
        """a + b or a - b of two numbers of this kind kept as terms (_scalar_sum, as
        detection keeps them), else None."""
        if getattr(_TERMS_OFF, "on", False) or type(a) is not sub or type(b) is not sub:
            return None
        if a.ndim != 0 or b.ndim != 0:  # type: ignore[attr-defined]
            return None

        def exact() -> Any:
            with _plain_terms():
                return ufunc(a, b)

        return _scalar_sum(a, b, 1.0 if ufunc is np.add else -1.0, exact)

    def __add__(self: Any, o: Any) -> Any:
        kept = scalar_sum(self, o, np.add)
        return kept if kept is not None else base.__add__(self, o)

    def __radd__(self: Any, o: Any) -> Any:
        kept = scalar_sum(o, self, np.add)
        return kept if kept is not None else base.__radd__(self, o)

    def __sub__(self: Any, o: Any) -> Any:
        kept = scalar_sum(self, o, np.subtract)
        return kept if kept is not None else base.__sub__(self, o)

    def __rsub__(self: Any, o: Any) -> Any:
        kept = scalar_sum(o, self, np.subtract)
        return kept if kept is not None else base.__rsub__(self, o)

    attributes = {
        "__slots__": (),
        "_tag": tag,
        "_layout": base._layout,
        "__array_function__": __array_function__,
        "__array_ufunc__": __array_ufunc__,
        "__setitem__": __setitem__,
        "__add__": __add__,
        "__radd__": __radd__,
        "__sub__": __sub__,
        "__rsub__": __rsub__,
        "__module__": base.__module__,
    }
    sub = type(base.__name__, (base,), attributes)
    sub.__qualname__ = base.__qualname__
    return sub


def _term_planes(a: Any, cls: type[DualArray], dtype: np.dtype, first: int) -> np.ndarray:
    """A term array's planes from `first` on (the Hessian blocks' and the probe's:
    its value and first-order parts are never read), flat per plane: a pending one's
    straight out of the fused pass's scratch (_core.planes_into), never in full."""
    from ._transforms import _output_planes

    if type(a) is cls:
        out = np.empty((cls._planes - first, *a.shape), dtype=a.dtype)
        if _core.planes_into(a, out, first):
            return out.reshape(cls._planes - first, -1)
    planes: np.ndarray = _plain(_output_planes(a, cls, dtype), "hessian")
    return planes.reshape(cls._planes, -1)[first:]


def _joined_parts(arrays: list[Any], cls: type[DualArray], dtype: np.dtype) -> np.ndarray:
    """The parts (planes from 1 on, flat) of arrays side by side: (planes - 1, their
    sizes' sum), each pending one's operations run straight into its slice
    (_core.planes_into), the others copied."""
    from ._transforms import _output_planes

    kinds = [a.dtype for a in arrays if isinstance(a, DualArray)]
    out = np.empty((cls._planes, sum(np.size(a) for a in arrays)), np.result_type(dtype, *kinds))
    start = 0
    for a in arrays:
        piece = out[:, start : start + np.size(a)].reshape(cls._planes, *np.shape(a))
        if not (type(a) is cls and _core.planes_into(a, piece, 0)):
            piece[...] = _plain(_output_planes(a, cls, dtype), "jacobian")
        start += np.size(a)
    return out[1:]


def _without_nan(a: DualArray) -> DualArray:
    """a with its elements of nan value the constant 0, as np.nansum reads them."""
    nan = np.isnan(a._stack[0])
    if not nan.any():
        return a
    data = a._stack.copy()
    data[:, nan] = 0
    return a._wrap(data)


def _product_terms(a: Any, b: Any) -> Any:
    """a . b of 1-d arrays, kept as terms: a * b for two of one kind (r @ r), the
    other weighted by a constant's entries (w @ r**2, a weighted least squares)."""
    if np.ndim(a) != 1 or np.ndim(b) != 1 or np.size(a) < 2 or np.size(a) != np.size(b):
        return None
    if type(a) is type(b):
        return _Terms([(a * b, 1.0)], 0.0)
    for weights, terms in ((a, b), (b, a)):
        if type(weights) is np.ndarray and weights.dtype.kind in "fiu":
            if isinstance(terms, (SparsityTracer, DualArray)):
                # (a copy: f may edit its weights after the product, which saw them)
                return _Terms([(_held(terms), weights.copy())], 0.0)
    return None


def _base_sum(a: Any) -> Any:
    """np.sum through the kind's own rule (a _Terms materializing)."""
    for klass in type(a).__mro__[1:]:
        if "__array_function__" in vars(klass):  # (so klass has it: mypy cannot tell)
            return klass.__array_function__(a, np.sum, (type(a),), (a,), {})  # type: ignore[attr-defined]
    return np.sum(a)


# elements (planes x terms) up to which a Hessian's term scheme runs its one pass:
# 2 GiB of float64 an array of them (the Rosenbrock Hessian: 10 planes of 2 (n - 1)
# terms, to n = 1.3e7)
_TERM_PLANES = 1 << 28


class _HessianPlan(_Results):
    """A term scheme (one HyperDualVec(c) pass, H assembled from the terms' blocks)
    or, when f is not a sum of terms, a star coloring's H S (star()), or the dense
    Hessian read at the pattern when the pattern is not known to hold (trusted:
    detected, or given and holding the detected one). probe: the passes carry one
    more direction w, so that each term's w^T H_t w (a star coloring's rows of H w)
    checks the recovered H (_mismatch)."""

    def __init__(
        self, pattern: Any, terms: Any, n: int, trusted: bool = False, probe: bool = False,
        dtype: Any = np.float64,
    ) -> None:  # fmt: skip
        self.n = n
        self.trusted = trusted
        self.probe = _probe(n, dtype) if probe else None
        self.rtol = 0.0  # the probe's: _tight of x's dtype, or _loose (_accept)
        self._star: _StarReads | bool | None = False  # not made yet
        p = self.pattern = _canonical(pattern)
        super().__init__(p)
        self.terms = terms
        if terms is None:
            self.count = n
            return
        owners, i, j, sizes, shapes = terms
        self.sizes, self.shapes = sizes, shapes
        self.rows: dict[np.dtype, np.ndarray] = {}  # (_seed_rows)
        total = int(sum(sizes))
        # colors distinct within each term's variables: a column coloring of the
        # term x variable incidence
        incidence = _connect(
            np.concatenate([owners, owners]), np.concatenate([i, j]), max(total, 1), n
        )
        self.colors, count = color_columns(incidence)
        c = max(count, 1)
        from ._multivariate import _MAX_LAYOUT_PLANES

        pass_planes = 1 + c + probe + (c + probe) * (c + probe + 1) // 2
        if pass_planes * total > _TERM_PLANES or pass_planes > _MAX_LAYOUT_PLANES:
            # terms over so many colors that the pass's pair planes would not fit (a
            # term reading all of x: sum(outer(x, x)) at n = 1000), or more than a
            # layout may have (two terms over 1,500 variables each, sum(T, axis=0)
            # summed, a MemoryError; the second check for such few terms): H S of a star
            # coloring, or the dense Hessian read at the pattern (star()). (Not for
            # fewer: the term pass keeps a norm squared as its squares, which H S
            # computes as sqrt, then squared, with rounding outside the pattern.)
            self.terms = None
            self.count = n
            return
        if pass_planes > 4 * n:
            # terms over many variables each (two numbers f adds, each reading all of
            # x): their pass carries c^2 / 2 pair planes where a star coloring's H S
            # costs n (1 + its colors) (np.cumsum(a)[-1] + np.cumsum(b)[-1] at n = 500:
            # 1.0 s against 8 ms)
            reads = self.star()
            if reads is not None and n * (1 + reads.count) < pass_planes:
                self.terms = None
                self.count = n
                return
        self.count = c
        self.directions = c + probe  # the probe w: direction c
        # plane of the pair (color(i), color(j)): HyperDualVec(c)'s triangle, first in
        # both kinds (_term_kind; the probe's, (w, w), after it)
        planes = np.empty((c, c), dtype=np.int64)
        a, b = np.triu_indices(c)
        self.pair_planes = slice(1 + self.directions, 1 + self.directions + len(a))
        planes[a, b] = planes[b, a] = self.pair_planes.start + np.arange(len(a))
        keep = np.ones(len(i), dtype=bool)
        if len(i):  # one triple per (term, i, j)
            if total * n * n < 2**62:
                _, first = np.unique((owners * n + i) * n + j, return_index=True)
            else:
                _, first = np.unique(np.stack([owners, i, j], 1), axis=0, return_index=True)
            keep[:] = False
            keep[first] = True
        owners, i, j = owners[keep], i[keep], j[keep]
        plane = planes[self.colors[i], self.colors[j]]
        # (the pass hands out the planes from the triangle's on: _term_planes)
        gather = (plane - self.pair_planes.start) * total + owners
        # CSR slot of (i, j) and of (j, i) (off the diagonal)
        slot_ij = self._slots(i, j)
        off = i != j
        slot_ji = self._slots(j[off], i[off])
        # H's data = M @ (the term arrays' planes, flat): one sparse product a call
        slots = np.concatenate([slot_ij, slot_ji])
        columns = np.concatenate([gather, gather[off]])
        width = (len(a) + probe) * total
        self.matrix = _sp().csr_matrix(
            (np.ones(len(slots)), (slots, columns)), shape=(len(self.indices), width)
        )
        self._weighed: tuple[list[np.ndarray], Any] | None = None  # (weighed)
        self.seed = np.zeros((self.directions, n))
        self.seed[self.colors, np.arange(n)] = 1.0
        if self.probe is not None:
            w = self.probe
            self.seed[c] = w
            # term t's w^T H_t w, recovered: sum over its pairs (i, j), i <= j, of
            # h_t[color(i), color(j)] w_i w_j, twice off the diagonal; from the pass:
            # its (w, w) plane, the kind's last, weighed -1 (_block_mismatch)
            self.weights = np.zeros((len(a) + 1, total))
            np.add.at(
                self.weights, (plane - self.pair_planes.start, owners), w[i] * w[j] * (1 + off)
            )
            self.weights[-1] = -1.0

    def weighed(self, weights: list[np.ndarray], shapes: list[tuple[int, ...]]) -> Any:
        """self.matrix with each term's weight (broadcast to its term array's shape)
        folded into its columns: H's data is then one product with the planes as they
        are, not weighed first (a pass and an array each call). Its entries are 1, so
        the products are those of weighing the planes (real planes: bit for bit). Made
        again only when the weights' bits change (np.trapezoid's are the same at every
        call)."""
        kept = self._weighed
        if kept is not None and len(kept[0]) == len(weights):
            if all(_same_bits(k, w) for k, w in zip(kept[0], weights, strict=True)):
                return kept[1]
        each = np.concatenate(
            [np.broadcast_to(w, s).ravel() for w, s in zip(weights, shapes, strict=True)]
        )
        scaled = self.matrix.copy()
        if each.size:  # (column p T + t: plane p of term t)
            scaled.data = scaled.data * each[scaled.indices % each.size]
        self._weighed = [w.copy() for w in weights], scaled
        return scaled

    def star(self) -> _StarReads | None:
        """The star coloring's reads (made once), or None: the pattern is not trusted,
        or its colors c are so many that H S's rows, n (1 + c) planes in all, cost
        more than the dense Hessian's n (n + 1) / 2."""
        if self._star is False:
            # a star coloring's k colors: each two classes hold a star forest, fewer
            # edges than their vertices, so edges < (k - 1) n; when that alone makes
            # H S cost more, none is sought (its greedy: O(n^3) on a dense graph)
            edges = _adjacency(self.pattern).nnz // 2 if self.trusted else 0
            fewest = edges / max(self.n, 1) + 1
            dense = 2 * (1 + fewest) >= self.n + 1
            reads = _StarReads(self.pattern) if self.trusted and not dense else None
            if reads is not None and 2 * (1 + reads.count) >= self.n + 1:
                reads = None
            self._star = reads
        return self._star  # type: ignore[return-value]

    def _slots(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Positions of the entries (i, j) in the pattern's CSR data."""
        rows = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))
        flat = rows * self.n + self.indices  # sorted: rows, then sorted columns
        key = i * self.n + j
        pos: np.ndarray = np.searchsorted(flat, key)
        if len(key) and (pos.max() >= len(flat) or np.any(flat[pos] != key)):
            raise ValueError("hessian: the sparsity pattern given misses a nonzero of the Hessian")
        return pos


def sparse_hessian(
    f: Callable[..., Any], argnums: int, sparsity: Any, check: bool = True
) -> Callable[..., Any]:
    """hd.hessian(f, sparsity=...): see there. check: the probe direction (H w) in
    every pass, so that a plan gone stale is detected again."""
    from ._multivariate import hyperdualvec_type
    from ._transforms import _chunk, _named, _output_planes, _seeds, _warn_if_long, hessian

    if not isinstance(argnums, int) or isinstance(argnums, bool):
        raise TypeError(f"hessian(sparsity=...): argnums must be one int, not {argnums!r}")
    given = _pattern_arg(sparsity, "hessian")
    plans: dict[Any, _HessianPlan] = {}
    dense = hessian(f, argnums)

    def hess(*args: Any, **kwargs: Any) -> Any:
        return _planned_call(
            "hessian", plans, given is None, new_plan, evaluate, args, kwargs, argnums, rescue,
            not check,
        )  # fmt: skip

    def rescue(plan: _HessianPlan, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A fresh plan whose probe is off beyond f's rounding: the dense Hessian
        decides (_Results.rescued), or None (a nonzero outside the pattern)."""
        w = plan.probe
        if plan.difference is None or w is None:
            return None
        full = np.asarray(_plain(dense(*args, **kwargs), "hessian")).reshape(plan.shape)
        scale = float(np.max(np.abs(full) @ w, initial=0.0)) * float(w.max())  # (w^T H_t w)
        return plan.rescued(full, scale, full.dtype)

    def new_plan(args: tuple[Any, ...], kwargs: dict[str, Any], x: np.ndarray) -> _HessianPlan:
        try:
            detected, terms = _hessian_pattern(f, args, kwargs, argnums, False, "hessian", True)
        except TypeError as error:
            if given is None or "branches on a traced value" not in str(error):
                raise
            # a pattern given for an f that branches: its terms could change with
            # the branch, so the dense Hessian, read at the pattern
            return _HessianPlan(given, None, x.size)
        if given is None:
            return _HessianPlan(detected, terms, x.size, trusted=True, probe=check, dtype=x.dtype)
        holds = detected.shape == given.shape and (detected > given.astype(bool)).nnz == 0
        if not holds:  # (a local pattern, f's branches at x): the terms' pairs need not
            # lie in it: the dense Hessian, read at the pattern, as for a branch above
            return _HessianPlan(given, None, x.size)
        return _HessianPlan(given, terms, x.size, trusted=True, probe=check, dtype=x.dtype)

    def at_pattern(
        plan: _HessianPlan, x: np.ndarray, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, float]:
        """The dense Hessian read at the plan's pattern (mismatch inf: a nonzero
        outside it)."""
        full = np.asarray(_plain(dense(*args, **kwargs), "hessian")).reshape(x.size, x.size)
        rows = np.repeat(np.arange(x.size), np.diff(plan.indptr))
        values = full[rows, plan.indices]
        if np.count_nonzero(full) != np.count_nonzero(values):
            return None, np.inf
        return plan.result(values), 0.0

    def star_pass(
        plan: _HessianPlan, x: np.ndarray, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, float]:
        """H from the rows of H S a star coloring needs (HyperDualVec(k, c) passes of
        k rows each: unit seeds of the rows, the c color sums; with the probe w as
        direction c + 1, and all n rows: H w), or, when no star coloring is used
        (star()), the dense Hessian read at the pattern."""
        reads = plan.star()
        if reads is None:
            return at_pattern(plan, x, args, kwargs)
        c, n, w = reads.count, x.size, plan.probe
        rows, read = (reads.rows, reads.read) if w is None else (np.arange(n), reads.read_all)
        seed = reads.seed if w is None else np.concatenate([reads.seed, w[None]])
        b = seed.shape[0]
        k_max = _chunk(len(rows), n, None, lambda k: 1 + k + b + k * b)
        starts = range(0, len(rows), k_max)
        hs = None
        began = time.perf_counter()
        for start in starts:
            chunk = rows[start : start + k_max]
            k = len(chunk)
            new = []  # (the last pass's arrays, before _seeds looks for kept ones)
            cls = _seeds(hyperdualvec_type(k, b))
            data = np.zeros((cls._planes, *x.shape), dtype=x.dtype)
            flat = data.reshape(cls._planes, n)
            flat[0] = x.reshape(-1)
            flat[1 + np.arange(k), chunk] = 1
            flat[1 + k : 1 + k + b] = seed
            new = list(args)
            new[argnums] = cls._wrap(data)
            del data, flat  # held by their dual array alone: fusion may record them
            planes = _plain(_output_planes(f(*new, **kwargs), cls, x.dtype), "hessian")
            if planes.size != cls._planes:
                raise TypeError(f"hessian: f must return a scalar, not shape {planes.shape[1:]}")
            if hs is None:
                hs = np.empty((len(rows), b), dtype=planes.dtype)
            hs[start : start + k] = planes.reshape(-1)[cls._hess_planes].reshape(k, b)
            if start == 0 and len(starts) > 1:
                _warn_if_long("hessian", n, k_max, len(starts), time.perf_counter() - began)
        if hs is None:
            hs = np.zeros((0, b))
        values = np.take(hs[:, :c].reshape(-1), read)
        result = plan.result(values)
        if w is None:
            return result, 0.0
        plan.rtol = plan.rtol or _tight(x.dtype)
        scale = _csr_scale(result, w, hs[:, c])
        difference = result @ w - hs[:, c]
        mismatch = _mismatch(difference, hs[:, c], plan.rtol, scale, plan.floor_of("star"))
        return result, plan.checked("star", difference, mismatch)

    def evaluate(
        plan: _HessianPlan, x: np.ndarray, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, float]:
        """H from the plan's pass, and how far the probe shows it is from right."""
        plan.difference = None
        if plan.terms is None:
            return star_pass(plan, x, args, kwargs)
        d = plan.directions
        cls = _term_kind(plan.count, _core.transform_depth(), plan.probe is not None)
        new = list(args)
        # x seeded with the colors (and w): pending in C++, its planes written block by
        # block where f's fused operations read them (all but 1 + d of them zero)
        new[argnums] = _core.colored_seed(cls, x, _seed_rows(plan, x.dtype), plan.count)
        if new[argnums] is None:  # (a dtype it declines)
            data = np.empty((cls._planes, *x.shape), dtype=x.dtype)
            flat = data.reshape(cls._planes, -1)
            flat[0] = x.reshape(-1)
            flat[1 : 1 + d] = plan.seed
            flat[1 + d :] = 0
            new[argnums] = cls._wrap(data)
            del data, flat  # held by their dual array alone: fusion may record them
        out = f(*new, **kwargs)
        if not _scalar_terms(out) or [np.size(a) for a, _ in out.parts] != plan.sizes:
            # f's sum of terms differs from the one detected (a stale plan, or a sum
            # the trace keeps and dual arrays do not): H S of a star coloring, or the
            # dense Hessian read at the pattern
            return star_pass(plan, x, args, kwargs)
        first = plan.pair_planes.start
        parts = [_term_planes(a, cls, x.dtype, first) for a, _ in out.parts]
        planes = (parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)).reshape(-1)
        # f's own dtype, as numpy promotes the terms and their weights (Python's
        # numbers weak): float32 terms weighed by a float64 array give float64
        dtype = np.result_type(*(p.dtype for p in parts), *(w for _, w in out.parts))
        real = np.finfo(dtype).dtype  # (the weights are real: _Terms._scalar)
        weights = [np.asarray(w, dtype=real) for _, w in out.parts]
        if all(w.ndim == 0 for w in weights) and len({float(w) for w in weights}) == 1:
            values = plan.matrix @ planes  # one weight: applied to the sums
            if float(weights[0]) != 1:
                values *= weights[0]
        else:
            values = plan.weighed(weights, [np.shape(a) for a, _ in out.parts]) @ planes
        # f's precision (the sparse product gives float64); a complex f's parts stay
        # complex (a complex term array: sum (x + i y)^2)
        if values.dtype.kind == "c":
            dtype = np.result_type(dtype, np.complex64)
        result = plan.result(values.astype(dtype, copy=False))
        if plan.probe is None:
            return result, 0.0
        # each term's w^T H_t w, recovered from its blocks, against the pass's
        # (the kind's last plane, after the blocks)
        block = planes.reshape(cls._planes - first, -1)
        plan.rtol = plan.rtol or _tight(x.dtype)
        mismatch = _block_mismatch(block, plan.weights, plan.rtol, plan.floor_of("terms"))
        if mismatch > plan.rtol:  # (kept for rescue)
            plan.checked("terms", np.einsum("ai,ai->i", block, plan.weights), mismatch)
        return result, mismatch

    hess.__doc__ = "The sparse Hessian (scipy.sparse CSR, in.size x in.size)."
    return _named(hess, "hessian", f, hess.__doc__)


# --- compressed evaluation: gradients of sums of terms ------------------------------------------
class _TermGradientPlan(_JacobianPlan):
    """f's gradient when f is a weighted sum of full sums (_Terms): the term arrays'
    Jacobian, elements x inputs (sparse: each term reads few inputs), compressed by
    its column coloring (the plan's colors); the pass's parts, weighed by their terms'
    weights, summed per input by one sparse product (sums); its probe checks every
    term's J w (the block rule, as _JacobianPlan.recover's)."""

    def __init__(
        self, pattern: Any, sizes: list[int], n: int, probe: bool, dtype: Any,
        coloring: tuple[np.ndarray, int],
    ) -> None:  # fmt: skip
        super().__init__(pattern, n, probe, dtype, coloring, chunked=False)
        self.sizes = sizes
        self.dense = False  # set when a pass of the plan, fresh, failed (rescue)
        # the gradient straight off the pass's parts: input j's entry of term t sits in
        # slot (color(j), t), so grad = sums @ (the parts' planes, flat, weighed)
        slots = self.c * self.shape[0]
        ones = np.ones(self.gather.size)
        self.sums = _sp().csr_matrix((ones, (self.indices, self.gather)), shape=(n, slots))


class _TermRowsPlan(_JacobianPlan):
    """A Jacobian whose output has rows of terms (_TermRows: a constraint on all of x
    beside a residual), as the plan of F, its rows with each row of terms replaced by
    its term arrays' elements: few inputs each, so few colors where that row alone
    needs as many as x has. One pass recovers J_F (and probes it, as any plan's);
    J's row of terms is the sum of its arrays' rows, weighed (summed). joined: J's
    pattern and results."""

    def __init__(
        self, expanded: Any, owner: np.ndarray, rows: int, signature: list[Any], n: int,
        probe: bool, dtype: Any, coloring: tuple[np.ndarray, int],
    ) -> None:  # fmt: skip
        super().__init__(expanded, n, probe, dtype, coloring, chunked=False)
        self.owner = owner
        self.runs: dict[int, slice | np.ndarray] = {}  # (terms_of)
        sp = _sp()
        m = self.shape[0]
        join = sp.csr_array((np.ones(m, dtype=np.int32), (owner, np.arange(m))), shape=(rows, m))
        ones = np.ones(self.indices.size, np.int32)
        expanded = sp.csr_array((ones, self.indices, self.indptr), shape=self.shape)
        self.joined = _Results(_canonical(join @ expanded))
        # J_F's entry (row r, column j) adds into J's entry (owner[r], j)
        self.entry_rows = np.repeat(np.arange(m), np.diff(self.indptr))
        to = owner[self.entry_rows] * n + self.indices
        joined_rows = np.repeat(np.arange(rows, dtype=np.int64), np.diff(self.joined.indptr))
        slots = np.searchsorted(joined_rows * n + self.joined.indices, to)
        # J's entries off J_F's: J_F's own (its entries in J's order, as a residual's
        # rows and terms of one input each give them), else the first entry of each
        # slot's, then the other entries added (np.add.at: in order)
        self.first: np.ndarray | None = None
        self.added: tuple[np.ndarray, np.ndarray] | None = None
        if not np.array_equal(slots, np.arange(to.size)):
            order = np.argsort(slots, kind="stable")
            starts = np.flatnonzero(np.r_[True, np.diff(slots[order]) != 0])
            self.first = order[starts]
            rest = np.ones(order.size, dtype=bool)
            rest[starts] = False
            if rest.any():
                self.added = (slots[order[rest]], order[rest])
        self.signature = signature

    def terms_of(self, row: int) -> slice | np.ndarray:
        """F's rows of J's row of terms `row` (its term arrays' elements: a run)."""
        if row not in self.runs:
            mine = np.flatnonzero(self.owner == row)
            run = mine.size and mine[-1] - mine[0] + 1 == mine.size
            self.runs[row] = slice(int(mine[0]), int(mine[-1]) + 1) if run else mine
        return self.runs[row]

    def summed(self, data: np.ndarray) -> np.ndarray:
        """J's entries from J_F's (weighed): each row of terms the sum of its rows."""
        if self.first is None:
            return data
        out: np.ndarray = data[self.first]
        if self.added is not None:
            np.add.at(out, self.added[0], data[self.added[1]])
        return out


def _term_rows_pattern(
    f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], argnums: int
) -> tuple[Any, np.ndarray, int, list[Any]] | None:
    """When f's output is a _TermRows: the pattern of F (its rows, each row of terms
    replaced by its term arrays' elements, x inputs), the output row of each of F's
    rows, the output's size and the pieces' signature; else None."""
    x = _input_array(args[_position(argnums, len(args), "jacobian")], "jacobian(sparsity=...)")
    trace = _Trace(x.size, False, False, True)
    _, out = _call_traced(f, args, kwargs, argnums, trace, "jacobian(sparsity=...)")
    if isinstance(out, SparsityTracer) and out._base is None:
        rows = out._row_terms
        # each row as written reads what its terms read (else a write the
        # bookkeeping missed: no rows of terms)
        if all(_same_sets(out._g[[row]], term) for row, term in rows.items()):
            out = _assigned_term_rows(out, rows)
    if not isinstance(out, _TermRows) or trace.custom or trace.held_written:
        return None
    blocks, owners, row = [], [], 0
    for kind, piece in out.pieces:
        arrays = [a for a, _ in piece.parts] if kind == "terms" else [piece]
        for a in arrays:
            if isinstance(a, _Pending):
                return None
            size = int(np.size(a))
            traced = isinstance(a, SparsityTracer)
            blocks.append(_widen(a._g, x.size) if traced else _empty(size, x.size))
            owners.append(np.full(size, row) if kind == "terms" else np.arange(row, row + size))
        row += 1 if kind == "terms" else int(np.size(piece))
    pattern = _sp().vstack(blocks, format="csr")
    return pattern, np.concatenate(owners).astype(np.int64), row, out.signature()


# the widest row of a Jacobian's pattern from which sparse_jacobian seeks rows of terms
# (each needs that many colors at least; kept as terms, their arrays' elements few)
_TERM_ROWS_FROM = 32


def _term_rows_plan(
    f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], argnums: int,
    x: np.ndarray, check: bool, detected: Any,
) -> _TermRowsPlan | None:  # fmt: skip
    """A _TermRowsPlan when f's output has rows of terms and F's colors are fewer than
    half the widest row's count (its own colors at least); else None."""
    widest = int(np.diff(detected.indptr).max(initial=0))
    if widest < _TERM_ROWS_FROM:
        return None
    try:
        found = _term_rows_pattern(f, args, kwargs, argnums)
    except Exception:  # (the trace that keeps terms fails where the plain one did not)
        return None
    if found is None or found[2] != detected.shape[0]:
        return None
    expanded = _canonical(found[0])
    coloring = color_columns(expanded)
    # rows written a sum (r[-1] = ...) are checked against f's own rows by the probe
    # whatever check_sparsity says: a write after them the trace did not see shows there
    probe = check or any(kind == "written" for kind, _ in found[3])
    directions = max(coloring[1], 1) + probe
    if 2 * directions > widest + probe or directions > _transforms._MAX_CHUNK:
        return None
    return _TermRowsPlan(expanded, *found[1:], x.size, probe, x.dtype, coloring)


class _DenseGradientPlan:
    """No sum of terms seen (or terms over as many colors as inputs): the dense
    gradient, whose forward passes cost n directions."""

    rtol = 0.0


def _term_gradient_pattern(
    f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], argnums: int
) -> tuple[Any, list[int]] | None:
    """The term arrays' Jacobian pattern (their elements, in order, x inputs) and their
    sizes when f's output is a weighted sum of full sums (as a Hessian plan keeps
    them: np.sum, mean, r @ r, ..., scaled and added); else None."""
    x = _input_array(args[_position(argnums, len(args), "grad")], "grad(sparsity=...)")
    trace = _Trace(x.size, False, False, True)
    _, out = _call_traced(f, args, kwargs, argnums, trace, "grad(sparsity=...)")
    live = _scalar_terms(out) and not trace.custom and not trace.held_written
    if not live or not all(isinstance(a, SparsityTracer) for a, _ in out.parts):
        return None
    parts = [a for a, _ in out.parts]
    pattern = _sp().vstack([_widen(a._g, x.size) for a in parts], format="csr")
    return pattern, [a.size for a in parts]


def sparse_gradient(
    f: Callable[..., Any], argnums: int, sparsity: Any, check: bool = True
) -> Callable[..., Any]:
    """hd.grad(f, sparsity="auto"): see there. For f a weighted sum of full sums of
    term arrays, one DualVec(c) pass whose c colors are distinct within each term's
    inputs gives every term's partials (forward mode's n directions become c: O(n)
    for terms of few inputs, as the sparse Hessian's term scheme); else the dense
    gradient. check: the probe direction w in every pass (each term's J w)."""
    from ._transforms import _named, grad

    if not isinstance(argnums, int) or isinstance(argnums, bool):
        raise TypeError(f"grad(sparsity=...): argnums must be one int, not {argnums!r}")
    if not (isinstance(sparsity, str) and sparsity == "auto"):
        raise TypeError(
            f'grad(sparsity=...) takes "auto" (the terms of a sum, detected), not {sparsity!r}'
        )
    plans: dict[Any, Any] = {}
    dense = grad(f, argnums)

    def gradient(*args: Any, **kwargs: Any) -> Any:
        return _planned_call(
            "grad", plans, True, new_plan, terms_pass, args, kwargs, argnums, rescue, not check
        )

    def rescue(plan: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """A fresh plan whose pass fails (its probe off beyond f's rounding, or f's sum
        not kept as terms by dual arrays): the dense gradient, from then on."""
        plan.dense = True  # (f's pass and its trace disagree: no pass to retry)
        return dense(*args, **kwargs)

    def new_plan(args: tuple[Any, ...], kwargs: dict[str, Any], x: np.ndarray) -> Any:
        found = _term_gradient_pattern(f, args, kwargs, argnums)
        if found is None:
            return _DenseGradientPlan()
        # terms over as many colors as inputs, or more than one pass takes (a term
        # reading every input: sum(outer(x, x))): the dense gradient's passes, fewer
        # and without a (colors, terms) matrix
        coloring = color_columns(found[0])
        directions = max(coloring[1], 1) + check
        if directions >= x.size or directions > _transforms._MAX_CHUNK:
            return _DenseGradientPlan()
        return _TermGradientPlan(*found, x.size, check, x.dtype, coloring)

    def terms_pass(
        plan: Any, x: np.ndarray, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, float]:
        """The gradient from the plan's pass, and how far its probe is from right
        (inf: f's sum of terms is not the one detected, a stale plan)."""
        if isinstance(plan, _DenseGradientPlan) or plan.dense:
            return dense(*args, **kwargs), 0.0
        cls = _term_kind(plan.c, _core.transform_depth(), plan.probe is not None, order=1)
        new = list(args)
        new[argnums] = plan.seeded(cls, x)
        out = f(*new, **kwargs)
        if not _scalar_terms(out) or [np.size(a) for a, _ in out.parts] != plan.sizes:
            return None, np.inf
        parts = [_term_planes(a, cls, x.dtype, 1) for a, _ in out.parts]
        block = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        block = np.ascontiguousarray(block)
        flat = block[: plan.c].reshape(-1)
        if plan.unused.size and np.any(flat[plan.unused]):
            return None, np.inf  # a part where the pattern has none: stale
        mismatch = 0.0
        if plan.probe is not None:  # each term's J w against the probe's (as recover's)
            plan.rtol = plan.rtol or _tight(x.dtype)
            mismatch = _block_mismatch(block, plan.weights, plan.rtol, plan.floor_of("jacobian"))
        # f's own dtype, as numpy promotes the terms and their weights (as the sparse
        # Hessian's): the parts weighed by their terms' weights (one weight: applied to
        # the sums), summed per input
        dtype = np.result_type(*(p.dtype for p in parts), *(w for _, w in out.parts))
        real = np.finfo(dtype).dtype
        weights = [np.asarray(w, dtype=real) for _, w in out.parts]
        one = all(w.ndim == 0 for w in weights) and len({float(w) for w in weights}) == 1
        if not one:
            parts_of = zip(weights, out.parts, strict=True)
            each = np.concatenate(
                [np.broadcast_to(w, np.shape(a)).ravel() for w, (a, _) in parts_of]
            )
            flat = (block[: plan.c] * each).reshape(-1)
        total = plan.sums @ flat
        if one and float(weights[0]) != 1:
            total *= weights[0]
        if total.dtype.kind == "c":
            dtype = np.result_type(dtype, np.complex64)
        return total.astype(dtype, copy=False).reshape(x.shape), mismatch

    gradient.__doc__ = "The gradient (of the input's shape), from the terms of f's sum."
    return _named(gradient, "grad", f, gradient.__doc__)


def sparse_transform(
    name: str, f: Callable[..., Any], argnums: Any, sparsity: Any, chunk_size: Any,
    elementwise: bool, holomorphic: bool, has_aux: bool, check_sparsity: bool = True,
) -> Callable[..., Any]:  # fmt: skip
    """jacobian / hessian / grad with sparsity=... (has_aux: f returns (output, aux),
    the call (result, aux), aux as its values, as the dense transforms give it);
    chunk_size, elementwise and (but for jacobian) holomorphic do not combine with it."""
    if chunk_size is not None or elementwise or (holomorphic and name != "jacobian"):
        what = (
            "chunk_size or elementwise"
            if name == "jacobian"
            else "chunk_size, elementwise or holomorphic"
        )
        raise TypeError(f"{name}(sparsity=...) does not combine with {what}")

    def make(g: Callable[..., Any]) -> Callable[..., Any]:
        if isinstance(argnums, (tuple, list)):
            return _packed(name, g, argnums, lambda h: one(h, 0))
        return one(g, argnums)

    def one(g: Callable[..., Any], argnums: int) -> Callable[..., Any]:
        if name == "jacobian":
            return sparse_jacobian(g, argnums, sparsity, check_sparsity, holomorphic)
        if name == "grad":
            return sparse_gradient(g, argnums, sparsity, check_sparsity)
        return sparse_hessian(g, argnums, sparsity, check_sparsity)

    if not has_aux:
        return make(f)
    from ._transforms import _named, aux_output

    # one transform over f's output for every call (its plans are kept), and the aux of
    # the last pass f made in this call (detection's is tracers; a rescue's dense pass
    # and the compressed one give the same values)
    kept: list[Any] = []
    output = aux_output(f, name, kept)
    inner = make(output)

    def with_aux(*args: Any, **kwargs: Any) -> Any:
        kept.clear()
        try:
            result = inner(*args, **kwargs)
            return result, kept[-1]
        finally:
            kept.clear()

    doc = f"The sparse {name} of f's output (scipy.sparse CSR), and f's aux."
    return _named(with_aux, name, f, doc)


def _packed(
    name: str, f: Callable[..., Any], argnums: Sequence[Any],
    make: Callable[[Callable[..., Any]], Callable[..., Any]], label: str = "",
) -> Callable[..., Any]:  # fmt: skip
    """A sparse transform over several arguments (argnums a tuple, as JAX's): the
    arguments raveled side by side into one vector v (the promoted dtype), the sparse
    transform of f over v (made once: its plans kept per layout of the arguments, the
    others in its key as always), and its result split as the dense transform's is: a
    tuple of Jacobians (rows x each argument's size), of gradients (each argument's
    shape), or of tuples of Hessian blocks. A pattern given is v's. label: the
    transform's name (jacobian_sparsity: a pattern split as a Jacobian)."""
    label = label or name
    where = f"{label}(sparsity=...)" if label == name else label
    if not argnums or not all(
        isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in argnums
    ):
        raise TypeError(f"{where}: argnums must be an int or a tuple of ints, not {argnums!r}")

    def of_vector(v: Any, layout: tuple[Any, ...], *rest: Any, **kwargs: Any) -> Any:
        new = list(rest)
        start = 0
        for position, shape in layout:
            size = math.prod(shape)
            new[position] = v[start : start + size].reshape(shape)
            start += size
        return f(*new, **kwargs)

    of_vector.__name__ = getattr(f, "__name__", "f")
    inner = make(of_vector)

    def transform(*args: Any, **kwargs: Any) -> Any:
        positions = [_position(int(a), len(args), where) for a in argnums]
        if len(set(positions)) != len(positions):
            raise ValueError(f"{where}: argnums={tuple(argnums)!r} names an argument twice")
        arrays = [_input_array(args[p], where) for p in positions]
        v = np.concatenate([a.reshape(-1) for a in arrays])
        layout = tuple((p, a.shape) for p, a in zip(positions, arrays, strict=True))
        rest = tuple(None if i in positions else a for i, a in enumerate(args))
        result = inner(v, layout, *rest, **kwargs)
        edges = np.cumsum([0, *(a.size for a in arrays)])
        blocks = [slice(edges[k], edges[k + 1]) for k in range(len(arrays))]
        if name == "grad":
            return tuple(result[b].reshape(a.shape) for b, a in zip(blocks, arrays, strict=True))
        if name == "jacobian":
            return tuple(result[:, b] for b in blocks)
        rows = [result[b] for b in blocks]
        return tuple(tuple(r[:, b] for b in blocks) for r in rows)

    from ._transforms import _named

    doc = f"The sparse {label} of f with respect to arguments {tuple(argnums)!r} (a tuple)."
    return _named(transform, label, f, doc)


_transforms.EXTENSIONS["sparse_transform"] = sparse_transform  # jacobian/hessian(sparsity=)
_transforms.EXTENSIONS["nested_transform"] = nested_transform  # a transform f calls on tracers
_transforms.DETECTED = _detected
