"""Dual and hyper-dual arrays: numpy duck arrays stored as planes.

A dual array of shape S is one array `_stack` of shape (planes, *S), the value
plane first; `.value` and the parts are views of its planes.
"""

from __future__ import annotations

import cmath
import math
import numbers
import opcode
import operator
import os
import sys
import threading
import types
from _thread import get_ident
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NoReturn, Protocol, TypeVar, cast

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike, DTypeLike

if TYPE_CHECKING:
    from typing_extensions import Self

from . import _core
from ._table import FAST_BINARY, UNARY, check_component_dtype, ufunc_name

# The kernel index of a ufunc, or None (bound once: `UNARY.get(ufunc)` in __array_ufunc__
# costs ~40 ns more per call on CPython 3.11, its attribute load left unspecialized)
_unary_index = UNARY.get
_fast_binary_index = FAST_BINARY.get

_WIDE_DTYPES = (np.dtype(np.float64), np.dtype(np.complex128))

_KIND_INDEX = {name: index for index, (name, _) in enumerate(_core.KINDS)}


def _binary_operator(ufunc: np.ufunc, a: Any, b: Any, out: Any = None) -> Any:
    """An operator's general path (the common calls never get here: _operator)."""
    if ufunc is np.multiply and out is None and type(a) is complex and isinstance(b, DualArray):
        # (T7a's 1j * t)
        scaled = _times_constant(b, a, True)
        if scaled is not None:
            return scaled
    if ufunc is np.multiply and out is None:  # a scipy.sparse matrix's `*`: its product
        if isinstance(b, DualArray) and is_spmatrix(a):
            return sparse_product(a, b, operator="*")
        if isinstance(a, DualArray) and is_spmatrix(b):
            return sparse_product(b, a, matrix_first=False, operator="*")
        refusal = matrix_star_refusal(a, b, "a dual array")
        if refusal is not None:
            raise TypeError(refusal)
    if not (_is_operand(a) and _is_operand(b)):
        return NotImplemented
    _refuse_masked(ufunc, (a, b))
    if (isinstance(a, np.ndarray) and a.dtype == object) or (
        isinstance(b, np.ndarray) and b.dtype == object
    ):
        return NotImplemented  # an object array of duals: numpy's object loops take it
    if ufunc is np.multiply and out is None:
        scaled = (
            _times_constant(a, b, False)
            if isinstance(a, DualArray)
            else _times_constant(b, a, True)
        )
        if scaled is not None:
            return scaled
    return _apply_binary(ufunc, a, b, out)


def scipy_sparse_matrix(x: Any) -> bool:
    """Whether x is a scipy.sparse matrix or array (scipy not imported: it is none)."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and bool(sparse.issparse(x))


def is_spmatrix(x: Any) -> bool:
    """Whether x is a scipy.sparse matrix (spmatrix: `*` is its matrix product, as
    np.matrix's), not a sparse array (whose `*` is elementwise)."""
    return scipy_sparse_matrix(x) and bool(sys.modules["scipy.sparse"].isspmatrix(x))


def matrix_star_refusal(a: Any, b: Any, what: str) -> str | None:
    """The TypeError's message for `*` of a numpy.matrix (A.todense(), an spmatrix's
    A.sum(axis=0)) and an array of at least one axis: np.matrix's `*` is its matrix
    product, which elementwise arithmetic would silently replace; None for others."""
    for m, other in ((a, b), (b, a)):
        if isinstance(m, np.matrix) and np.ndim(other) > 0:
            return (
                f"hyperdiff cannot differentiate numpy.matrix.__mul__ of {what} (np.matrix's "
                "`*` is a matrix product, not elementwise); write np.asarray(M) @ x for the "
                "product or np.asarray(M) * x elementwise"
            )
    return None


def sparse_operand_refusal(name: str, operands: Any, what: str) -> str | None:
    """The TypeError's message for a scipy.sparse matrix among a numpy function's
    operands (any in a list or tuple): numpy takes it for one object (np.dot(A, x),
    np.where(c, A, x)); None without one. what: "a dual array", "a traced array"."""
    for operand in operands:
        for item in operand if isinstance(operand, (list, tuple)) else (operand,):
            if scipy_sparse_matrix(item):
                return (
                    f"{name} of a scipy.sparse {type(item).__name__} and {what} (numpy "
                    "takes the matrix for one object); a scipy.sparse matrix's product with "
                    f"{what} is supported as A @ x and x @ A"
                )
    return None


def sparse_scalar_refusal(matrix: Any, operator: str, what: str) -> str | None:
    """The TypeError's message for an spmatrix's `*` with a 0-d operand (what: "a 0-d
    dual array", "a 0-d traced array"): scipy scales the matrix, which would be a
    sparse matrix of dual numbers; None for anything else."""
    if operator != "*":
        return None
    name = f"scipy.sparse.{type(matrix).__name__}.__mul__"
    return (
        f"hyperdiff cannot differentiate {name} of {what} (the matrix scaled: a sparse "
        "matrix of dual numbers); scale a product instead, t * (A @ x)"
    )


def sparse_product(
    matrix: Any, x: DualArray, matrix_first: bool = True, operator: str = "@"
) -> DualArray:
    """matrix @ x (x @ matrix if not matrix_first) for a 2-d scipy.sparse matrix (or a
    1-d sparse array: a row, as scipy takes it) and a 1-d or 2-d dual x: linear in x,
    so one sparse product of the matrix with x's planes side by side (scipy computes
    matrix @ x.value by the same loops: numpy's values). operator: "*" for an
    spmatrix's `*`, which scales the matrix by a 0-d x (a TypeError here)."""
    if x.ndim == 0 and (refusal := sparse_scalar_refusal(matrix, operator, "a 0-d dual array")):
        raise TypeError(refusal)
    if not matrix_first:  # x @ A = (A^T x^T)^T, as scipy computes it
        return sparse_product(matrix.T, x.T).T
    if matrix.ndim == 1 and x.ndim in (1, 2) and matrix.shape[0] == x.shape[0]:
        return sparse_product(matrix.reshape(1, -1), x)[0]  # (a 1-d coo array: a row)
    if matrix.ndim != 2 or x.ndim not in (1, 2) or matrix.shape[1] != x.shape[0]:
        raise ValueError(
            f"matmul: a scipy.sparse matrix of shape {matrix.shape} and a "
            f"{type(x).__name__} array of shape {x.shape} (a 1-d or 2-d matrix and a 1-d "
            "or 2-d operand whose first axis is its columns)"
        )
    planes = x._stack
    side = np.moveaxis(planes, 0, 1).reshape(x.shape[0], -1)  # (n, planes * columns)
    product = np.asarray(matrix @ side)
    check_component_dtype(product.dtype)
    data = product.reshape(matrix.shape[0], len(planes), *x.shape[1:])
    return x._wrap(np.ascontiguousarray(np.moveaxis(data, 1, 0)))


def _refuse_masked(ufunc: np.ufunc, operands: Any) -> None:
    """A TypeError for a masked array with masked entries meeting a dual array (a ufunc's
    general path: the fast paths take exact ndarrays only): its data would be used at the
    masked entries, which numpy's masked arithmetic leaves out (x * m gave x m there)."""
    for op in operands:
        if isinstance(op, np.ma.MaskedArray) and np.ma.getmaskarray(op).any():
            raise TypeError(
                f"hyperdiff does not support numpy.{ufunc.__name__} of a dual array and a "
                "masked array with masked entries: dual arrays carry no mask; use np.where "
                "with the mask (or m.filled(value))"
            )


def _times_constant(x: Any, c: Any, constant_first: bool) -> Any:
    """x * c (c * x if constant_first: numpy's complex products round by operand order)
    for a dual x and a constant c that is a complex Python number or a float64 or
    complex128 array: linear in x, so its planes times c in numpy calls, broadcast (the
    C fast path declines a complex number times a real dual, T7a's 1j * t, and an array
    that widens x's dtype). None if it does not apply, or if c is not finite (a zero
    part times inf stays 0 in the kernels: the strong zero)."""
    if type(c) is complex:
        if not cmath.isfinite(c):
            return None
        stack = x._stack
        if stack.ndim == 1 and all(map(cmath.isfinite, stack.tolist())):
            # a dual of shape (): its few planes times c in one call, their finiteness
            # read as numbers; the value numpy's own product of one number (a SIMD loop
            # over several may fuse a multiply-add)
            pair = (c, stack) if constant_first else (stack, c)
            data = np.multiply(*pair)
            data[0] = np.multiply(*((c, stack[0]) if constant_first else (stack[0], c)))
            return x._wrap(data)
    elif not (
        type(c) is np.ndarray
        and c.dtype in _WIDE_DTYPES
        and x.dtype in _WIDE_DTYPES
        and np.isfinite(c).all()
    ):
        return None
    # numpy's own value (its complex products round by operand order and layout)
    value = np.multiply(*((c, x._stack[0]) if constant_first else (x._stack[0], c)))
    parts = x._stack[1:]
    if value.ndim > x.ndim:  # c's leading axes go after the plane axis
        parts = parts.reshape(parts.shape[:1] + (1,) * (value.ndim - x.ndim) + x.shape)
    data = np.empty((len(x._stack), *value.shape), dtype=value.dtype)
    data[0] = value
    if np.isfinite(parts).all():  # (one check of the parts: T7a's two calls)
        np.multiply(*((c, parts) if constant_first else (parts, c)), out=data[1:])
        return x._wrap(data)
    # c's zeros are strong against an infinite part (x 0 is 0 for every x; the C++ rule's
    # too, and the products of matrices': c @ sqrt(v) at v = 0, c = [0, 2]), component by
    # component for complex numbers; not where the value is nan
    with np.errstate(invalid="ignore", over="ignore"):
        np.multiply(*((c, parts) if constant_first else (parts, c)), out=data[1:])
        data[1:] = np.where(np.isnan(value), data[1:], _strong_times(c, parts, constant_first))
    return x._wrap(data)


def _strong_times(c: Any, parts: np.ndarray, constant_first: bool) -> np.ndarray:
    """c parts with each zero component of either factor a strong zero (common.hpp's
    parts_times), as numpy's complex product orders its terms otherwise."""

    def times(u: Any, v: Any) -> np.ndarray:
        return np.where((u == 0) | (v == 0), 0, u * v)

    if np.iscomplexobj(c) or np.iscomplexobj(parts):
        cr, ci, pr, pi = np.real(c), np.imag(c), np.real(parts), np.imag(parts)
        out = np.empty(np.broadcast_shapes(np.shape(c), parts.shape), np.result_type(c, parts))
        out.real = times(cr, pr) - times(ci, pi)
        out.imag = times(cr, pi) + times(ci, pr)
        return out
    return times(c, parts) if constant_first else times(parts, c)


def _operator(ufunc: np.ufunc, reflected: bool = False) -> Any:
    """A binary operator method, a C function: the common calls whole in C++
    (_core.fast_binary), the others through _binary_operator."""
    return _core.operator_method(FAST_BINARY.get(ufunc), ufunc, _binary_operator, reflected)


# numpy function -> implementation on dual arrays (_functions fills it)
FUNCTION_REGISTRY: dict[Any, Any] = {}


def _array_function(self: Any, func: Any, types: Any, args: Any, kwargs: Any, impl: Any) -> Any:
    """__array_function__'s general path (keywords, other array types, errors), given
    func's implementation in FUNCTION_REGISTRY (None: not registered) by the C method,
    which does the lookup."""
    return _dispatch_function(func, types, args, kwargs, impl)


def _pow(self: Any, other: Any) -> Any:
    """__pow__'s general path: numpy scalar exponents of the fast powers, the rest.

    numpy's own fast paths are a Python int 2, -1, 1 and a Python float 0.5 (1.0: the
    same bits). Any other exponent is np.power's in numpy: a numpy scalar promotes as
    numpy's does (float32 ** np.float64(2) is float64: NEP 50), and np.power's bits are
    those of square, sqrt, reciprocal, positive for real components (which run on the
    promoted array) but not for complex ones (x ** 2.0, x ** np.float64(0.5)): those
    take np.power, as numpy does."""
    if isinstance(other, (int, float, np.integer, np.floating)):
        fast = _FAST_POWERS.get(float(other))
        numpys = type(other) is int or (type(other) is float and other in (0.5, 1.0))
        if fast is not None and (numpys or self.dtype.kind != "c"):
            dtype = np.result_type(self.dtype, other)
            return _apply_unary(fast, self if dtype == self.dtype else self.astype(dtype))
    return _power(self, other)


def _getitem(self: Any, index: Any) -> Any:
    """__getitem__'s general path: a dual array in the key (the error), and keys whose
    advanced indices are separated (numpy would move their axes before the plane axis;
    the rule is C++'s, the fast path's: _core.advanced_adjacent)."""
    key = self._key(index)
    if not _core.advanced_adjacent(key):
        picked = _planes_last(self._stack)[_with_plane_axis_last(key)]
        return self._wrap(np.ascontiguousarray(picked.transpose((-1, *range(picked.ndim - 1)))))
    picked = self._stack[(slice(None), *key)]
    if picked.ndim == 1 and not any(k is Ellipsis for k in key):  # numpy's scalar: a copy
        picked = picked.copy()
    return self._wrap(picked)


def _basic_key(index: Any) -> bool:
    """An index of ints, slices and Ellipsis alone (numpy's basic indexing: a view)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        type(k) is slice or k is Ellipsis or (type(k) is int) or type(k) is np.intp for k in parts
    )


def _planes_last(data: np.ndarray) -> np.ndarray:
    """A view of the planes with the plane axis last."""
    return data.transpose((*range(1, data.ndim), 0))  # np.moveaxis costs ~1 us more


def _with_plane_axis_last(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """The key for a planes-last view: a trailing basic slice never moves, whatever the
    key's advanced indices do, so each element keeps its planes."""
    if any(k is Ellipsis for k in key):
        return (*key, slice(None))
    return (*key, Ellipsis, slice(None))


_power = _operator(np.power)
# numpy's fast paths of power (keys hash as the equal ints do: x**2 finds 2.0; the C
# method leaves a Python float 2.0 or -1.0 to _pow, which tells complex components)
_FAST_POWERS = {2.0: np.square, 0.5: np.sqrt, -1.0: np.reciprocal, 1.0: np.positive}


# scipy.linalg cannot dispatch: it converts its inputs with np.asarray and hands them
# to LAPACK, which fails on the object array (numpy's "setting an array element with
# a sequence", or scipy's "object arrays are not supported"). hyperdiff.linalg
# registers here the names it has (name -> how it mirrors scipy's); a dual array
# converted inside one of those scipy.linalg functions gets a TypeError pointing there.
# Found from the calling frames, so scipy itself is not patched; other scipy.linalg
# functions see the object array as before.
SCIPY_LINALG_MIRRORS: dict[str, str] = {}
# The same for scipy.special's Python functions that convert their inputs (polygamma,
# spherical_jn, logsumexp...): hyperdiff.special registers the names it mirrors.
SCIPY_SPECIAL_MIRRORS: set[str] = set()
# scipy.special's Python functions that convert an argument with np.asarray and hand the
# object array to a ufunc, which numpy refuses without naming them ("ufunc 'jv' not
# supported for the input types"): their refusal, naming them and what to use
_BESSEL_DERIVATIVES = {"jvp": "jv", "yvp": "yv", "ivp": "iv", "kvp": "kv"}
SCIPY_SPECIAL_OBJECT_REFUSALS: dict[str, str] = {
    **{
        name: (
            f"hyperdiff cannot differentiate scipy.special.{name} in its order v (scipy converts "
            f"it with np.asarray); {name} is differentiable in z, and scipy.special.{ufunc} in v"
        )
        for name, ufunc in {**_BESSEL_DERIVATIVES, "h1vp": "hankel1", "h2vp": "hankel2"}.items()
    },
    "comb": (
        "hyperdiff does not support scipy.special.comb of dual arrays (it converts its inputs "
        "with np.asarray); use scipy.special.binom(N, k), which comb gives for 0 <= k <= N"
    ),
    "perm": (
        "hyperdiff does not support scipy.special.perm of dual arrays (it converts its inputs "
        "with np.asarray); use scipy.special.poch(N - k + 1, k), which perm gives for "
        "0 <= k <= N"
    ),
}
# (of which these take a 0-d order: numpy hands a 0-d object array's dual scalar to jv)
_SCALAR_ORDERS_WORK = frozenset({*_BESSEL_DERIVATIVES, "h1vp", "h2vp"})


MASKED_REFUSAL = (
    "hyperdiff does not support numpy.ma functions on dual arrays; use np.where with the mask"
)


AS_STRIDED_REFUSAL = (
    "numpy.lib.stride_tricks.as_strided cannot take dual arrays: its strides address the "
    "memory of an array of numbers, and a dual array converts to an object array of dual "
    "scalars (other strides: reading them crashed the interpreter); use "
    "numpy.lib.stride_tricks.sliding_window_view (supported), indexing or reshape"
)


def _scipy_linalg_refusal(dtype: np.dtype[Any] | None = None, ndim: int = 1) -> str | None:
    """The TypeError message when scipy.linalg (or a scipy.stats distribution, see
    hyperdiff.stats, or a scipy.special function converting to a dtype) is converting
    a dual array (of ndim axes), else None."""
    frame: types.FrameType | None = sys._getframe(2)  # above __array__: numpy, then scipy
    while frame is not None and frame.f_globals.get("__name__", "").startswith("numpy"):
        if frame.f_code.co_name == "as_strided":  # (numpy.lib.stride_tricks')
            return AS_STRIDED_REFUSAL
        if frame.f_globals["__name__"].startswith("numpy.ma"):
            return MASKED_REFUSAL  # (its object arrays of dual scalars: some functions
            # would work, others fail with numpy's unrelated errors: refuse them all)
        frame = frame.f_back
    if "scipy.stats" in sys.modules:
        refusal = _scipy_stats_refusal(frame)
        if refusal is not None:
            return refusal
    name: str | None = None
    special: str | None = None
    sparse: str | None = None
    compiled: str | None = None  # scipy.ndimage's, scipy.signal's filters
    while frame is not None and frame.f_globals.get("__name__", "").startswith("scipy"):
        module = frame.f_globals["__name__"]
        if module.startswith("scipy.ndimage") or (
            module.startswith("scipy.signal") and frame.f_code.co_name in _SCIPY_SIGNAL_COMPILED
        ):
            compiled = f"{'.'.join(module.split('.')[:2])}.{frame.f_code.co_name}"
        if frame.f_globals["__name__"].startswith("scipy.sparse"):
            sparse = _scipy_sparse_name(frame)  # the outermost, as the user called it
        # the outermost scipy.linalg function: its own frame, or scipy's batching
        # wrapper (scipy._lib._util._apply_over_batch) holding it as f
        wrapped = frame.f_locals.get("f") if frame.f_code.co_name == "wrapper" else None
        if wrapped is not None and getattr(wrapped, "__module__", "").startswith("scipy.linalg"):
            name = wrapped.__name__.lstrip("_")
        elif frame.f_globals["__name__"].startswith("scipy.linalg"):
            name = frame.f_code.co_name.lstrip("_")
        elif frame.f_globals["__name__"] == "scipy.special._multiufuncs":
            # a multi-ufunc (legendre_p, sph_harm_y, ...): its object's name, from its
            # __call__ (the conversion itself runs in a comprehension's frame)
            multi = getattr(frame.f_locals.get("self"), "__name__", None)
            if multi is not None:
                special = multi
                if special not in SCIPY_SPECIAL_MIRRORS:
                    return f"hyperdiff does not support scipy.special.{special} of dual arrays"
        elif frame.f_globals["__name__"].startswith("scipy.special"):
            # its own frame, or its decorator's (spherical_jn's reflection holds it as fun)
            wrapped = frame.f_locals.get("fun") if frame.f_code.co_name == "wrapper" else None
            special = getattr(wrapped, "__name__", frame.f_code.co_name)
        frame = frame.f_back
    if compiled is not None and (dtype is None or dtype.kind == "O"):
        return (
            f"hyperdiff cannot differentiate {compiled} of dual arrays (scipy runs compiled "
            "code on numbers: an object array of dual scalars fails there); write the "
            "operation with numpy (np.convolve, slicing and sums for a stencil) or pass values"
        )
    if sparse is not None:
        return (
            f"hyperdiff cannot differentiate {sparse} of dual arrays (scipy converts them "
            "to ndarrays); a scipy.sparse matrix's product with a dual array is supported "
            "as A @ x and x @ A"
        )
    if special in SCIPY_SPECIAL_MIRRORS:
        return (
            f"scipy.special.{special} cannot differentiate dual arrays (it converts its "
            f"inputs with np.asarray); use hyperdiff.special.{special}"
        )
    if special in SCIPY_SPECIAL_OBJECT_REFUSALS and (dtype is None or dtype.kind == "O"):
        if not (ndim == 0 and special in _SCALAR_ORDERS_WORK):
            return SCIPY_SPECIAL_OBJECT_REFUSALS[special]
    if special is not None and dtype is not None and dtype.kind != "O":
        # (lambertw's branch k: scipy makes it an integer before its ufunc runs)
        why = "an integer: no derivative" if dtype.kind in "biu" else "its values alone"
        return (
            f"hyperdiff cannot differentiate scipy.special.{special} in an argument it "
            f"converts to {dtype} ({why}); pass that argument's values"
        )
    if name is None or name in _SCIPY_LINALG_OBJECT_SAFE:
        return None
    if name not in SCIPY_LINALG_MIRRORS:  # (it failed later: "object arrays are not
        # supported", "float() of a Dual", naming neither it nor hyperdiff)
        return (
            f"hyperdiff cannot differentiate scipy.linalg.{name} of dual arrays (it converts "
            "them to floats for LAPACK or compiled code; hyperdiff.linalg has no mirror of it)"
        )
    return (
        f"scipy.linalg.{name} cannot differentiate dual arrays (it converts them to floats "
        f"for LAPACK); use hyperdiff.linalg.{name} ({SCIPY_LINALG_MIRRORS[name]})"
    )


# scipy.signal's functions whose compiled code refuses an object array (each failed with
# its own ValueError, NotImplementedError or RuntimeError, naming neither it nor hyperdiff;
# scipy.ndimage's all do); convolve and correlate fall back to numpy's for object arrays
_SCIPY_SIGNAL_COMPILED = frozenset((
    "convolve2d", "correlate2d", "lfilter", "lfiltic", "filtfilt", "sosfilt", "sosfiltfilt",
    "medfilt", "medfilt2d", "order_filter", "upfirdn", "resample_poly", "symiirorder1",
    "symiirorder2", "cspline1d", "qspline1d", "cspline2d", "qspline2d", "spline_filter",
))  # fmt: skip


# scipy.linalg's functions written in numpy that compute on np.asarray's object array of
# dual scalars, exactly (slowly): every other one converts for LAPACK or compiled code
_SCIPY_LINALG_OBJECT_SAFE = frozenset((
    "block_diag", "clarkson_woodruff_transform", "convolution_matrix", "diagsvd", "fiedler",
    "hankel", "khatri_rao", "solve_circulant", "toeplitz",
))  # fmt: skip


_STORE_SUBSCR = opcode.opmap["STORE_SUBSCR"]

# a conversion asked by numpy's item assignment (r = np.zeros(n); r[i] = f(x[i]))
_WRITE_INTO_PLAIN = (
    ": it is written into an array of plain numbers (r = np.zeros(n); r[i] = ...); make "
    "that array from the input, r = np.zeros_like(x), so that it holds dual numbers"
)


def _item_write(frame: types.FrameType | None) -> bool:
    """Whether frame runs `a[key] = value` (or `a[key] op= value`) at this moment: the
    conversion numpy's assignment into a plain array asks for (a Python frame's last
    instruction, the bytecode's own: no other Python frame sits between)."""
    if frame is None:
        return False
    code, at = frame.f_code.co_code, frame.f_lasti
    return 0 <= at < len(code) and code[at] == _STORE_SUBSCR


def _scipy_caller(frame: types.FrameType | None) -> str | None:
    """The outermost scipy function of the run of scipy frames that asked for a number
    from frame on, past numpy's own (scipy.integrate.solve_ivp converting a dual array),
    or None (user code asked: a callback scipy calls is the user's)."""
    while frame is not None and frame.f_globals.get("__name__", "").startswith("numpy"):
        frame = frame.f_back
    found = None
    while frame is not None and frame.f_globals.get("__name__", "").startswith("scipy"):
        module = ".".join(frame.f_globals["__name__"].split(".")[:2])
        name = frame.f_code.co_name
        if name == "__ua_function__":  # scipy.fft's dispatch: the function it runs
            name = getattr(frame.f_locals.get("method"), "__name__", name)
        found = f"{module}.{name}"
        frame = frame.f_back
    return found


def _scipy_sparse_name(frame: types.FrameType) -> str:
    """A scipy.sparse frame's function as users name it: scipy.sparse.linalg.spsolve,
    scipy.sparse.csr_array.multiply (a method: its class)."""
    parts = frame.f_globals["__name__"].split(".")
    public = ".".join(parts[:2] + [p for p in parts[2:3] if not p.startswith("_")])
    owner = frame.f_locals.get("self")
    if owner is not None and scipy_sparse_matrix(owner):
        return f"{public}.{type(owner).__name__}.{frame.f_code.co_name}"
    return f"{public}.{frame.f_code.co_name}"


def scipy_sparse_declines() -> bool:
    """Whether __array__'s caller is scipy.sparse's matrix product (A @ x, A.dot(x), an
    spmatrix's A * x): given a 0-d object array it returns NotImplemented, and Python
    asks x's __rmatmul__ (__rmul__), which computes the product with the parts."""
    caller = sys._getframe(2)  # above __array__
    return caller.f_code.co_name == "_matmul_dispatch" and caller.f_globals.get(
        "__name__", ""
    ).startswith("scipy.sparse._")


def _numpy_scalar_casts() -> frozenset[types.CodeType]:
    """The code of numpy's object-array mean, var and std: the only callers that ask a
    dual number for its dtype in order to cast it to that dtype's scalar type."""
    import importlib

    for module in ("numpy._core._methods", "numpy.core._methods"):  # numpy 2, numpy 1
        try:
            methods = importlib.import_module(module)
        except ImportError:
            continue
        return frozenset(
            getattr(methods, name).__code__
            for name in ("_mean", "_var", "_std")
            if hasattr(methods, name)
        )
    return frozenset()


_NUMPY_SCALAR_CASTS = _numpy_scalar_casts()


class _ComponentCast:
    """What numpy's object-array mean, var and std see as a dual number's dtype: its
    `.type(value)` casts value's components to the dtype and keeps the parts."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def type(self, value: DualArray) -> DualArray:
        return value.astype(self.dtype)


class DualArray:
    """Base of the dual number kinds; not constructed directly."""

    # The planes live in the slot _store, read through the descriptor _stack that
    # _core installs below (it computes recorded operations first: fusion.hpp)
    __slots__ = ("_store",)
    __array_priority__ = 100

    _kind: ClassVar[int]
    _planes: ClassVar[int]
    _part_names: ClassVar[tuple[str, ...]]
    # The algebra's multiplication table: each (i, j, k) says plane i times plane j
    # adds to plane k (a triple may repeat: it then adds twice); products absent
    # vanish (eps^2 = 0). Multilinear numpy functions (matmul, einsum, ...) and
    # linear algebra are built on it, for every kind.
    _products: ClassVar[tuple[tuple[int, int, int], ...]]
    # How many times each triple of _products adds, where a kind lists each once
    # (Taylor kinds: C(i + j, i), which would make 2^(d + 1) repeated triples).
    _product_weights: ClassVar[tuple[int, ...] | None] = None
    # The highest derivative order the kind carries (the nilpotency index - 1).
    _order: ClassVar[int]
    # Whose perturbations the parts are: 0 for arrays built by hand, n for the
    # variables a transform seeds at depth n (one inside the function of another
    # is at depth 2). Kinds of different tags are different classes (tagged), so
    # two transforms' parts never combine as one perturbation.
    _tag: ClassVar[int] = 0
    _thread: ClassVar[int] = 0  # a tagged kind's thread (its depth counts that thread's)
    # Set by the multivariate kinds only (_multivariate.py; read with getattr/hasattr
    # where a kind may lack them): the pairs of the second-order planes, the Hessian's
    # planes, the two tags' kinds of a product kind, the probe's square plane
    _pairs: ClassVar[np.ndarray]
    _hess_planes: ClassVar[np.ndarray]
    _outer: ClassVar[type[DualArray]]
    _inner: ClassVar[type[DualArray]]
    _probe_square: ClassVar[int]
    _retired: ClassVar[bool]  # set by _retire

    _store: np.ndarray | _core.Deferred
    _stack: np.ndarray
    _header: np.ndarray  # _stack' shape and dtype only (read-only, maybe zeros)
    _read: np.ndarray  # _stack for a read that neither writes nor keeps it (not exposed)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # a concrete kind (a kind index, or a Jet layout): the C++ fast path of the
        # common operations (_core.fast_unary, fast_binary, fast_getitem) runs its kernels
        layout = cls.__dict__.get("_layout")
        if layout is not None or cls.__dict__.get("_kind", -1) >= 0:
            _core.register_class(cls, cls._kind, layout)
        elif cls.__dict__.get("_tag"):  # a transform's kind run in Python (Taylor): its
            _core.register_class(cls, -1, None)  # instances counted, for _retire

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            f"create {type(self).__name__} arrays with hyperdiff.dual() or hyperdiff.hyperdual()"
        )

    @property
    def _mask(self) -> Any:
        """numpy.ma's functions read an operand's mask as its attribute _mask (and its
        data as _data, which is why the planes are not named so: np.ma.getdata(x) gave
        them, np.ma.median(x) the median of every plane's entries). Refuse there."""
        raise TypeError(MASKED_REFUSAL)

    # The C++ kernels of this kind (out = f(x), out = f(x, y) on planes).
    @classmethod
    def _unary_kernel(cls, function: int, x: np.ndarray, out: np.ndarray) -> None:
        _core.unary(function, cls._kind, x, out)

    @classmethod
    def _binary_kernel(
        cls, function: int, x: np.ndarray, x_parts: bool, y: np.ndarray, y_parts: bool, out: Any
    ) -> None:
        _core.binary(function, cls._kind, x, x_parts, y, y_parts, out)

    @classmethod
    def _wrap(cls, data: np.ndarray) -> Self:
        obj = object.__new__(cls)
        obj._store = data  # a new object: nothing pending to compute, no readers
        return obj

    @classmethod
    def _from_parts(
        cls, value: ArrayLike, parts: tuple[ArrayLike, ...], dtype: DTypeLike | None
    ) -> Self:
        for p in (value, *parts):
            if isinstance(p, DualArray):
                raise TypeError(
                    "a dual array's parts must be real arrays, not dual arrays: nested "
                    "transforms are not supported (use order=2 or hyperdual for second derivatives)"
                )
        arrays = [np.asarray(p) for p in (value, *parts)]
        for a in arrays:
            if a.dtype == object:
                raise TypeError("dual array parts must be numeric arrays, not object arrays")
        dt = np.dtype(dtype) if dtype is not None else component_dtype(value, *parts)
        check_component_dtype(dt)
        if dt.kind == "f" and any(a.dtype.kind == "c" for a in arrays):
            raise TypeError(
                f"complex components do not fit dtype {dt}: it would drop the imaginary parts"
            )
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        data = np.empty((cls._planes, *shape), dtype=dt)
        for p, a in enumerate(arrays):
            data[p, ...] = a
        return cls._wrap(data)

    # --- components -------------------------------------------------------
    @property
    def value(self) -> npt.NDArray[Any]:
        """The primal value: a view of the value plane, of the array's shape (a numpy
        scalar for 0-d arrays).

        Examples
        --------
        >>> import numpy as np, hyperdiff as hd
        >>> np.exp(hd.dual([0.0, 1.0], 1.0)).value     # exp(x)
        array([1.        , 2.71828183])
        """
        return self._part(0)

    def _part(self, index: int) -> npt.NDArray[Any]:
        part: npt.NDArray[Any] = self._stack[index][()]  # (a numpy scalar for 0-d arrays)
        return part

    @property
    def shape(self) -> tuple[int, ...]:
        return self._header.shape[1:]

    @property
    def ndim(self) -> int:
        return self._header.ndim - 1

    @property
    def size(self) -> int:
        return math.prod(self.shape)  # (np.prod of a tuple: ~3 us, an array made first)

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the components."""
        if sys._getframe(1).f_code in _NUMPY_SCALAR_CASTS:
            # numpy's mean/var/std of a list of dual numbers end with
            # `ret.dtype.type(ret / n)`: a cast to the dtype's scalar type, which
            # no dual number survives; cast to the dtype keeping the parts instead
            return cast("np.dtype", _ComponentCast(self._header.dtype))
        return self._header.dtype

    # --- complex components: parts are derivatives along real parameters, so
    # real, imag and conj act plane by plane, as on any real-linear map ----------
    @property
    def real(self) -> Self:
        """The real parts, as a dual array (numpy's meaning; the primal is `.value`)."""
        return cast("Self", np.real(self))

    @real.setter
    def real(self, value: Any) -> None:
        # numpy's x.real = v: a write through the view of the real parts
        self.real[...] = value

    @property
    def imag(self) -> Self:
        """The imaginary parts, as a dual array (zeros for real components)."""
        return cast("Self", np.imag(self))

    @imag.setter
    def imag(self, value: Any) -> None:
        if self.dtype.kind != "c":
            raise TypeError("array does not have imaginary part to set")  # numpy's error
        self.imag[...] = value

    # numpy's methods give the array itself for real components (a write through the
    # result reaches it); np.conjugate, a ufunc, always makes a new array
    def conj(self) -> Self:
        return self if self.dtype.kind != "c" else cast("Self", np.conjugate(self))

    def conjugate(self) -> Self:
        return self.conj()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        name = type(self).__name__
        if self.ndim == 0:
            fields = [
                f"{label}={plane!r}"
                for label, plane in zip(
                    ("value", *self._part_names), self._stack.tolist(), strict=True
                )
            ]
            if self.dtype != np.float64:
                fields.append(f"dtype={self.dtype}")
            return f"{name}({', '.join(fields)})"
        indent = " " * (len(name) + 1)
        fields = []
        for label, plane in zip(("value", *self._part_names), self._stack, strict=True):
            prefix = f"{label}="
            text = np.array2string(plane, separator=", ", prefix=indent + prefix)
            fields.append(prefix + text)
        if self.dtype != np.float64:
            fields.append(f"dtype={self.dtype}")
        return f"{name}(" + (",\n" + indent).join(fields) + ")"

    __str__ = __repr__

    # --- shape manipulation -------------------------------------------------
    @staticmethod
    def _key(index: Any) -> tuple[Any, ...]:
        key = index if isinstance(index, tuple) else (index,)
        if any(isinstance(k, DualArray) for k in key):
            raise TypeError("dual arrays cannot be used as indices; index with x.value")
        return key

    if TYPE_CHECKING:

        def __getitem__(self, key: Any) -> Self: ...
    else:
        __getitem__ = _core.getitem_method(_getitem)  # a C function: x[key] on every plane

    # Pickling (multiprocessing, dask, deepcopy) names the kind by how it is made,
    # since the multivariate kinds are classes made per layout at run time.
    _spec: ClassVar[tuple[Any, ...]]

    def __reduce__(self) -> tuple[Any, ...]:
        # the class itself too, by this process's key: unpickled here, an array gets its
        # own class back even if it was retired since (_retire); elsewhere, spec and tag
        return _restore, (self._spec, self._tag, self._stack, _class_key(type(self)))

    def __setitem__(self, index: Any, item: Any) -> None:
        if type(index) is int and type(item) is type(self):
            # r[i] = a number of r's kind (a loop's residual): the path below's basic
            # key, without its checks (2 of its 4 us a write)
            target = self._stack[:, index]
            if target.shape == item._header.shape and _core.planes_into(item, target):
                return
        # every plane at once through a planes-last view, so the key selects exactly
        # the elements numpy's x[key] = item would, whatever its advanced indices
        key = _with_plane_axis_last(self._key(index))
        if isinstance(item, np.ndarray | list | tuple) or getattr(type(item), "_kept_apart", False):
            item = admit(item)  # an object array of dual scalars: a dual array
        if isinstance(item, DualArray):
            if type(item) is not type(self):
                raise combine_error("an assignment x[key] = item", type(self), type(item))
            planes = self._stack  # (first: pending readers of x computed, as numpy's order)
            if _basic_key(index):  # a residual written into r[1:-1]: item's operations
                # run straight into the slice (fusion's planes_into), not apart and copied
                target = planes[(slice(None), *(index if isinstance(index, tuple) else (index,)))]
                if target.shape == item._header.shape and _core.planes_into(item, target):
                    return
            _planes_last(planes)[key] = _planes_last(item._stack)
            return
        self._stack[0, ...][index] = item  # a plane's view: numpy's own x[key] = item
        _planes_last(self._stack[1:])[key] = 0

    def reshape(self, *shape: Any, order: Literal["C", "F", "A"] = "C") -> Self:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return cast("Self", np.reshape(self, shape, order=order))

    def transpose(self, *axes: Any) -> Self:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            return cast("Self", np.transpose(self, axes[0] or None))
        return cast("Self", np.transpose(self, axes or None))

    @property
    def T(self) -> Self:
        return self.transpose()

    def ravel(self, order: Literal["C", "F", "A", "K"] = "C") -> Self:
        return cast("Self", np.ravel(self, order=order))

    def flatten(self, order: Literal["C", "F", "A", "K"] = "C") -> Self:
        return cast("Self", np.ravel(self, order=order).copy())

    def copy(self) -> Self:
        return self._wrap(self._stack.copy())

    # as numpy's: copy.copy and copy.deepcopy copy the planes (__reduce__ alone would
    # share them, so a write to one showed in the other)
    def __copy__(self) -> Self:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self.copy()

    def astype(self, dtype: DTypeLike) -> Self:
        dt = check_component_dtype(np.dtype(dtype))
        if dt.kind == "f" and self.dtype.kind == "c":
            raise TypeError(
                f"astype({dt}) of complex components would drop the imaginary parts; "
                "use .real (a dual array of the real parts) or np.abs"
            )
        return self._wrap(self._stack.astype(dt))

    # --- numpy protocols ----------------------------------------------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method == "__call__" and not kwargs:  # the common calls, whole in C++
            if len(inputs) == 1:
                fast = _core.fast_unary(_unary_index(ufunc), self)
            else:
                fast = _core.fast_binary(_fast_binary_index(ufunc), *inputs)
            if fast is not None:
                return fast
        # (ufunc.at's second input is an index: a slice, Ellipsis or a tuple is fine)
        operands = inputs if method != "at" else (inputs[0], *inputs[2:])
        for x in (*operands, *kwargs.get("out", ())) if kwargs else operands:
            if not isinstance(x, _OPERAND_TYPES) and x is not None:
                refusal = sparse_operand_refusal(ufunc_name(ufunc), (x,), "a dual array")
                if refusal is not None:  # (np.matmul(A, x): numpy's error names no fix)
                    raise TypeError(refusal)
                return NotImplemented
        _refuse_masked(ufunc, operands)
        return _apply_ufunc(ufunc, method, inputs, kwargs)

    # a C function: the registered implementation straight away for dual arrays only
    # and no keywords, else _array_function
    __array_function__ = _core.array_function_method(FUNCTION_REGISTRY, _array_function)

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> np.ndarray:
        # numpy code in the wild calls np.asarray on its inputs: hand it an object
        # array of dual scalars (slow, exact) rather than values without parts.
        if scipy_sparse_declines():
            return np.empty((), dtype=object)  # A @ x: x.__rmatmul__ computes it
        refusal = _scipy_linalg_refusal(None if dtype is None else np.dtype(dtype), self.ndim)
        if refusal is not None:
            raise TypeError(refusal)
        if dtype is not None and np.dtype(dtype) != object:
            caller = _scipy_caller(sys._getframe(1))
            where = f" (in {caller}, which hyperdiff cannot differentiate)" if caller else ""
            head = (
                f"converting a {type(self).__name__} array to {np.dtype(dtype)} would drop "
                "its derivative parts"
            )
            if not caller and _item_write(sys._getframe(1)):
                raise TypeError(head + _WRITE_INTO_PLAIN)
            raise TypeError(f"{head}{where}; use .value for the values")
        if copy is False:
            raise ValueError("a dual array cannot be viewed as an ndarray without a copy")
        # one copy with the plane axis last: each element's planes are contiguous,
        # its own view (the kernels' fast path for single elements)
        per_element = np.moveaxis(self._stack, 0, -1).copy()
        out = np.empty(self.shape, dtype=object)
        for index in np.ndindex(self.shape):
            out[index] = self._wrap(per_element[index])
        return out

    # --- conversions that would drop the parts -------------------------------
    def _no_scalar(self, kind: str) -> NoReturn:
        caller = _scipy_caller(sys._getframe(2))
        if not caller and _item_write(sys._getframe(2)):
            raise TypeError(
                f"{kind}() of a {type(self).__name__} would drop its derivative parts"
                + _WRITE_INTO_PLAIN
            )
        where = f" (in {caller}, which hyperdiff cannot differentiate)" if caller else ""
        # (Python's math module converts with float(): its functions have numpy twins)
        twins = " (for math's functions, numpy's: np.exp(x), not math.exp(x))"
        raise TypeError(
            f"{kind}() of a {type(self).__name__} would drop its derivative parts{where}"
            f"{twins if kind in ('float', 'complex') else ''}; use {kind}(x.value) if that "
            "is what you want"
        )

    def __round__(self, ndigits: int | None = None) -> Any:
        # as numpy's float64 (x[0] of a float array): round(x, n) a number (derivative
        # 0, as np.round's), round(x) an int (its derivative 0: nothing dropped); an
        # array has none, as numpy.ndarray
        if self.ndim != 0:
            raise TypeError(
                f"type {type(self).__name__} doesn't define __round__ for arrays (as "
                "numpy.ndarray); use np.round"
            )
        if ndigits is None:
            return round(self._stack[0].item())
        return np.round(self, ndigits)

    def __format__(self, spec: str) -> str:
        # f"{loss:.3f}" (a print in f): a 0-d array formats its value, as numpy's 0-d
        # arrays format their item; any other spec of an array is numpy's TypeError
        if not spec:
            return str(self)
        if self.ndim == 0:
            return format(self._stack[0].item(), spec)
        raise TypeError(f"unsupported format string passed to {type(self).__name__}.__format__")

    def __float__(self) -> float:
        return self._no_scalar("float")

    def __int__(self) -> int:
        return self._no_scalar("int")

    def __complex__(self) -> complex:
        return self._no_scalar("complex")

    def __index__(self) -> int:
        return self._no_scalar("operator.index")

    def __bool__(self) -> bool:
        return bool(self._stack[0])

    # --- operators: the common calls go straight to C++ (_operator) -------------
    if TYPE_CHECKING:
        # The C methods below as type checkers see them: with numbers, numpy arrays or
        # a dual array of its kind, a dual array gives its kind (inside nested
        # transforms the product of two kinds, which user code does not name).
        def __add__(self, other: Any) -> Self: ...
        def __radd__(self, other: Any) -> Self: ...
        def __sub__(self, other: Any) -> Self: ...
        def __rsub__(self, other: Any) -> Self: ...
        def __mul__(self, other: Any) -> Self: ...
        def __rmul__(self, other: Any) -> Self: ...
        def __truediv__(self, other: Any) -> Self: ...
        def __rtruediv__(self, other: Any) -> Self: ...
        def __floordiv__(self, other: Any) -> Self: ...
        def __rfloordiv__(self, other: Any) -> Self: ...
        def __mod__(self, other: Any) -> Self: ...
        def __rmod__(self, other: Any) -> Self: ...
        def __pow__(self, other: Any) -> Self: ...
        def __rpow__(self, other: Any) -> Self: ...
    else:
        __add__, __radd__ = _operator(np.add), _operator(np.add, reflected=True)
        __sub__, __rsub__ = _operator(np.subtract), _operator(np.subtract, reflected=True)
        __mul__, __rmul__ = _operator(np.multiply), _operator(np.multiply, reflected=True)
        __truediv__, __rtruediv__ = _operator(np.divide), _operator(np.divide, reflected=True)
        __floordiv__ = _operator(np.floor_divide)
        __rfloordiv__ = _operator(np.floor_divide, reflected=True)
        __mod__, __rmod__ = _operator(np.remainder), _operator(np.remainder, reflected=True)

        # a C function: numpy's own fast paths for x**2 etc. (values bit for bit numpy's)
        # for a Python number exponent, else _pow
        __pow__ = _core.power_method({e: UNARY[u] for e, u in _FAST_POWERS.items()}, _pow)

        __rpow__ = _operator(np.power, reflected=True)

    # In place, as numpy's: into this array's planes, so its base (x[0] += y) and every
    # other view of them see the write. An object array of dual scalars is admitted as a
    # dual array first: declined (NotImplemented), Python would fall back to x = x + y,
    # a new array, and the write would never reach the base. Every in-place operator
    # numpy's ndarray has for floats is here for that reason (without __ipow__,
    # `row = y[0]; row **= 2` left y as it was). But a number (_is_number: what numpy
    # gives as its scalar, a sum or x[0]) is rebound, as numpy's immutable scalars are:
    # written in place, `history.append(y); y += h * g(y)` made every entry the last.
    def _in_place(self) -> Self | None:
        return None if self._is_number() else self

    def _is_number(self) -> bool:
        """A 0-d array that views no other array's planes: numpy's scalar (np.sum,
        x[0], a product of 1-d arrays), where a 0-d view (x[0, ...], a size-1 array
        reshaped) is numpy's 0-d array."""
        planes = self._read
        return planes.ndim == 1 and planes.base is None

    def __iadd__(self, other: Any) -> Self:
        return cast("Self", _binary_operator(np.add, self, admit(other), out=self._in_place()))

    def __isub__(self, other: Any) -> Self:
        out = self._in_place()
        return cast("Self", _binary_operator(np.subtract, self, admit(other), out=out))

    def __imul__(self, other: Any) -> Self:
        out = self._in_place()
        return cast("Self", _binary_operator(np.multiply, self, admit(other), out=out))

    def __itruediv__(self, other: Any) -> Self:
        out = self._in_place()
        return cast("Self", _binary_operator(np.divide, self, admit(other), out=out))

    def __ifloordiv__(self, other: Any) -> Self:
        out = self._in_place()
        return cast("Self", _binary_operator(np.floor_divide, self, admit(other), out=out))

    def __imod__(self, other: Any) -> Self:
        out = self._in_place()
        return cast("Self", _binary_operator(np.remainder, self, admit(other), out=out))

    def __ipow__(self, other: Any) -> Self:
        # x ** y's own path (numpy's fast powers: x **= 2 is square, as numpy's), stored
        power = self.__pow__(admit(other))
        return power if self._is_number() else self._store_in_place("power", power)

    def __imatmul__(self, other: Any) -> Self:
        other = admit(other)
        if not _is_operand(other):
            return NotImplemented
        value = np.array(self._stack[0])  # numpy's checks and errors (shapes, casting)
        value @= other._stack[0] if isinstance(other, DualArray) else other
        return self._store_in_place("matmul", self.__matmul__(other))

    def _store_in_place(self, name: str, result: Any) -> Self:
        """result (self op other) written into this array's planes, as numpy's out=."""
        if result is NotImplemented:
            return cast("Self", result)
        if type(result) is not type(self):
            raise combine_error(f"an in-place {name} (x op= y)", type(self), type(result))
        if result.shape != self.shape:
            raise ValueError(
                f"non-broadcastable output operand with shape {self.shape} doesn't match "
                f"the broadcast shape {result.shape}"
            )
        cast_into(name, self._stack, result._stack)
        return self

    def __divmod__(self, other: Any) -> Any:
        return np.divmod(self, other) if _is_operand(other) else NotImplemented

    def __rdivmod__(self, other: Any) -> Any:
        return np.divmod(other, self) if _is_operand(other) else NotImplemented

    def __matmul__(self, other: Any) -> Any:
        # two of one kind: the bilinear rule directly, past np.matmul (but for a kind
        # with a ufunc rule of its own: the term schemes' keeps r @ r as terms)
        kind = type(self)
        if type(other) is kind and kind.__array_ufunc__ is DualArray.__array_ufunc__:
            return own_number(_matmul(self, other))  # (a vector's: numpy's scalar)
        if scipy_sparse_matrix(other):
            return sparse_product(other, self, matrix_first=False)
        return np.matmul(self, other) if _is_operand(other) else NotImplemented

    def __rmatmul__(self, other: Any) -> Any:
        if scipy_sparse_matrix(other):  # A @ x: scipy declined it (__array__)
            return sparse_product(other, self)
        return np.matmul(other, self) if _is_operand(other) else NotImplemented

    def __neg__(self) -> Any:
        return _apply_unary(np.negative, self)

    def __pos__(self) -> Any:
        return _apply_unary(np.positive, self)

    def __abs__(self) -> Any:
        return np.absolute(self)

    def __eq__(self, other: Any) -> Any:
        return _compare(np.equal, self, other)

    def __ne__(self, other: Any) -> Any:
        return _compare(np.not_equal, self, other)

    def __lt__(self, other: Any) -> Any:
        return _compare(np.less, self, other)

    def __le__(self, other: Any) -> Any:
        return _compare(np.less_equal, self, other)

    def __gt__(self, other: Any) -> Any:
        return _compare(np.greater, self, other)

    def __ge__(self, other: Any) -> Any:
        return _compare(np.greater_equal, self, other)

    __hash__ = None  # type: ignore[assignment]

    # --- ndarray methods: numpy's functions, through the registry in _functions --------
    def sum(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.sum(self, *args, **kwargs))

    def mean(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.mean(self, *args, **kwargs))

    def prod(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.prod(self, *args, **kwargs))

    def cumsum(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.cumsum(self, *args, **kwargs))

    def cumprod(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.cumprod(self, *args, **kwargs))

    def max(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.max(self, *args, **kwargs))

    def min(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.min(self, *args, **kwargs))

    def argmax(self, *args: Any, **kwargs: Any) -> Any:
        return np.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Any:
        return np.argmin(self, *args, **kwargs)

    def clip(self, min: Any = None, max: Any = None, out: Any = None, **kwargs: Any) -> Self:
        return cast("Self", np.clip(self, min, max, out=out, **kwargs))

    def squeeze(self, axis: Any = None) -> Self:
        return cast("Self", np.squeeze(self, axis))

    def swapaxes(self, axis1: int, axis2: int) -> Self:
        return cast("Self", np.swapaxes(self, axis1, axis2))

    def take(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.take(self, *args, **kwargs))

    def repeat(self, repeats: Any, axis: Any = None) -> Self:
        return cast("Self", np.repeat(self, repeats, axis))

    def sort(self, *args: Any, **kwargs: Any) -> None:
        """Sort in place by the value; the parts move with their elements."""
        # (np.sort dispatches to the dual arrays' sort: a dual array, not an ndarray)
        self._stack[...] = np.sort(self, *args, **kwargs)._stack  # type: ignore[attr-defined]

    def argsort(self, *args: Any, **kwargs: Any) -> Any:
        return np.argsort(self, *args, **kwargs)

    def diagonal(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.diagonal(self, *args, **kwargs))

    def trace(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.trace(self, *args, **kwargs))

    def nonzero(self) -> Any:
        return np.nonzero(self)

    def partition(self, *args: Any, **kwargs: Any) -> None:
        """Partition in place by the value (as sort); the parts move with their elements."""
        self._stack[...] = np.partition(self, *args, **kwargs)._stack  # type: ignore[attr-defined]

    def dot(self, b: Any, out: Any = None) -> Self:
        return cast("Self", np.dot(self, b, out=out))

    def var(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.var(self, *args, **kwargs))

    def std(self, *args: Any, **kwargs: Any) -> Self:
        return cast("Self", np.std(self, *args, **kwargs))

    def round(self, decimals: int = 0, out: Any = None) -> Self:
        return cast("Self", np.round(self, decimals, out=out))

    def all(self, *args: Any, **kwargs: Any) -> Any:
        return np.all(self, *args, **kwargs)

    def any(self, *args: Any, **kwargs: Any) -> Any:
        return np.any(self, *args, **kwargs)

    def compress(self, condition: Any, axis: Any = None, out: Any = None) -> Self:
        return cast("Self", np.compress(condition, self, axis=axis, out=out))

    def searchsorted(self, v: Any, side: Any = "left", sorter: Any = None) -> Any:
        return np.searchsorted(self, v, side=side, sorter=sorter)

    def put(self, indices: Any, values: Any, mode: Any = "raise") -> None:
        np.put(self, indices, values, mode=mode)  # type: ignore[arg-type]  # (dispatched)

    def fill(self, value: Any) -> None:
        """Every element set to value (a number: zero parts; a dual scalar: its parts)."""
        self[...] = value

    def view(self, dtype: Any = None, type: Any = None) -> Self:
        """A new dual array of these planes (numpy's x.view(): writes through either
        reach both); another dtype or array type would reinterpret the planes' bytes or
        drop the parts: a TypeError."""
        if dtype is not None or type is not None:
            raise TypeError(
                "ndarray.view with a dtype or type of a dual array would reinterpret its "
                "planes or drop its derivative parts; use x.value.view(...) for the values"
            )
        return self[...]

    @property
    def flat(self) -> FlatIterator:
        """numpy's flat iterator: elements in C order (reads copy them, as numpy's do;
        writes, x.flat[i] = v, reach x)."""
        return FlatIterator(self)

    @property
    def mT(self) -> Self:  # (numpy's name: the matrices transposed)
        return cast("Self", np.swapaxes(self, -1, -2))

    def item(self, *args: Any) -> Self:
        """One element as a 0-d dual array (numpy's Python scalar would drop the parts)."""
        return cast("Self", item_of(self, args))

    def tolist(self) -> Any:
        """Nested lists of the elements as 0-d dual arrays (numpy's Python scalars would
        drop the parts); a 0-d array gives its element."""
        if self.ndim == 0:
            return self.copy()
        return [row.tolist() for row in self]

    # --- end of the ndarray methods ------------------------------------------------------


class FlatIterator:
    """x.flat of a dual array (numpy.flatiter's indexing): x's elements in C order."""

    __slots__ = ("_base",)

    def __init__(self, base: DualArray) -> None:
        self._base = base

    @property
    def base(self) -> DualArray:
        return self._base

    def __len__(self) -> int:
        return self._base.size

    def __iter__(self) -> Iterator[Any]:
        return iter(np.ravel(self._base))

    def _where(self, index: Any) -> tuple[np.ndarray, ...]:
        positions = np.arange(self._base.size).reshape(-1)[index]
        return np.unravel_index(positions, self._base.shape)

    def __getitem__(self, index: Any) -> Any:
        return self._base[self._where(index)]

    def __setitem__(self, index: Any, value: Any) -> None:
        self._base[self._where(index)] = value


_core.install_planes(DualArray)  # DualArray._stack: the planes' one door


# --- the rules above: their entry points, handed over at their import ----------------------
# The array classes are the kinds layer: imports go down only (_core, _table -> kinds ->
# rules -> transforms -> CLI; tests/test_imports.py checks it). What they call at run time
# from the layers above is registered here by those modules when they are imported
# (hyperdiff's __init__ imports them all): _ufuncs the ufunc calls, _functions numpy's
# functions, _multivariate the unpickler of every kind, stats scipy.stats' refusal.
def _not_registered(*args: Any) -> Any:
    raise RuntimeError("hyperdiff's rule modules are not loaded: import hyperdiff")


_apply_ufunc: Callable[..., Any] = _not_registered
_apply_unary: Callable[..., Any] = _not_registered
_apply_binary: Callable[..., Any] = _not_registered
_dispatch_function: Callable[..., Any] = _not_registered
_matmul: Callable[..., Any] = _not_registered
_restore: Callable[..., Any] = _not_registered
_scipy_stats_refusal: Callable[[Any], str | None] = _not_registered


def register_rules(**entries: Callable[..., Any]) -> None:
    """Called by the modules above at their import with their entry points: apply_ufunc,
    apply_unary, apply_binary (_ufuncs), dispatch_function (_functions), matmul
    (_algebra), restore (_multivariate), scipy_stats_refusal (stats)."""
    for name, entry in entries.items():
        if globals().get(f"_{name}") is None:
            raise TypeError(f"no rule entry point named {name}")
        globals()[f"_{name}"] = entry


_Kind = TypeVar("_Kind", bound=DualArray)


class _Tagging(Protocol):
    """tagged's type: a tagged kind is a subclass of the kind it is given."""

    def __call__(self, cls: type[_Kind], tag: int, /) -> type[_Kind]: ...


_TAGGED: dict[tuple[type[DualArray], int, int], type[DualArray]] = {}

# Pickled classes by (this process's token, id): the registered classes live until exit
# (the C++ registry keeps them), so an id names one class for good.
_PROCESS = os.urandom(8).hex()
_CLASSES: dict[int, type[DualArray]] = {}


def _class_key(cls: type[DualArray]) -> tuple[str, int]:
    _CLASSES[id(cls)] = cls
    return _PROCESS, id(cls)


def pickled_class(key: tuple[str, int] | None) -> type[DualArray] | None:
    """The class a pickle was made of, when it was made in this process."""
    return _CLASSES.get(key[1]) if key is not None and key[0] == _PROCESS else None


def _tagged(cls: type[DualArray], tag: int, thread: int | None = None) -> type[DualArray]:
    """The kind cls with its parts the perturbations of the transform at depth `tag`
    (a subclass, so its operations and their fast paths are cls's). One class per
    kind, tag and thread (depths count the transforms of one thread: two threads' at one
    depth must not share a class, whose retirement is per thread; `thread`: another's
    than the caller's), until one is retired (_retire)."""
    base = cls.__mro__[1] if cls._tag else cls
    if tag == 0:
        return base
    key = (base, tag, get_ident() if thread is None else thread)
    found = _TAGGED.get(key)
    if found is not None:
        return found
    own = "_layout" if "_layout" in vars(base) else "_kind"
    attributes = {"__slots__": (), "_tag": tag, "_thread": key[2], own: getattr(base, own)}
    sub = type(base.__name__, (base,), {"__module__": base.__module__, **attributes})
    sub.__qualname__ = base.__qualname__
    _TAGGED[key] = sub
    return sub


tagged = cast(_Tagging, _tagged)


# The transforms running with holomorphic=True, as (thread, depth): their variables'
# parts are derivatives along the real direction only, which they read as f'(z). A
# function that is not complex-differentiable (conj, abs, real, eigh, ...) has no f'(z)
# there: its derivative along the real direction is another number, which would pass
# for f'(z) silently. So its results get nan parts, and its name goes in
# NOT_HOLOMORPHIC_CALLS, whose transform raises a TypeError naming it if nan parts reach
# f's outputs (not_holomorphic_result); a use of the values alone (np.abs(z) > 1, an aux
# output) stays fine. _transforms marks a transform as it seeds and drops both marks as
# it returns.
HOLOMORPHIC: set[tuple[int, int]] = set()
NOT_HOLOMORPHIC_CALLS: dict[tuple[int, int], set[str]] = {}


def _holomorphic_kind(kind: type[DualArray]) -> bool:
    if (kind._thread, kind._tag) in HOLOMORPHIC:
        return True
    inner = getattr(kind, "_inner", None)  # a product: an outer and an inner transform's
    return inner is not None and (_holomorphic_kind(kind._outer) or _holomorphic_kind(inner))


def not_holomorphic_message(names: Any) -> str:
    """The TypeError's message for names (a str, or several) of functions that are not
    holomorphic, called on holomorphic=True's variables."""
    names = sorted({names} if isinstance(names, str) else set(names))
    subject, it = (
        (names[0] + " is", "it") if len(names) == 1 else (", ".join(names) + " are", "them")
    )
    return (
        f"{subject} not holomorphic (complex-differentiable), so a function calling {it} on "
        "the variables of holomorphic=True has no complex derivative f'(z) (its derivatives "
        "along the real and the imaginary direction disagree); use hyperdiff.wirtinger for "
        "its derivatives d/dz and d/dz-bar"
    )


def _poisoned(result: Any, operand: DualArray) -> Any:
    """result (a dual array, or a tuple of results) with nan parts, in new arrays; where
    result is a view of operand (np.real, np.imag), a read-only one: a write through it
    (z.real[0] = 0, a write numpy makes reach z) raises instead of missing z."""
    if isinstance(result, DualArray):
        data = np.empty_like(result._stack)
        data[0] = result._stack[0]
        data[1:] = np.nan
        if np.may_share_memory(result._stack, operand._stack):
            data.flags.writeable = False
        return result._wrap(data)
    if isinstance(result, tuple):
        items = [_poisoned(r, operand) for r in result]
        return type(result)(*items) if hasattr(result, "_fields") else type(result)(items)
    return result


def not_holomorphic_result(name: str, operands: Any, result: Any) -> Any:
    """result of name (not holomorphic) of operands: itself, or with nan parts and name
    noted when a complex dual array among operands carries the parts of a transform
    running with holomorphic=True (HOLOMORPHIC); a TypeError at once when those are an
    outer transform's, in a product with an inner one's (whose parts must stay)."""
    if not HOLOMORPHIC:
        return result
    for x in operands:
        if isinstance(x, DualArray) and x._stack.dtype.kind == "c" and _holomorphic_kind(type(x)):
            kind = type(x)
            if getattr(kind, "_inner", None) is not None:
                raise TypeError(not_holomorphic_message(name))
            NOT_HOLOMORPHIC_CALLS.setdefault((kind._thread, kind._tag), set()).add(name)
            return _poisoned(result, x)
    return result


def _restored(cls: type[DualArray], tag: int) -> type[DualArray]:
    """The class of an array pickled in another process: this thread's transform's at
    its depth; a thread running none (ProcessPoolExecutor's, which unpickles the
    results) takes the main thread's."""
    running = _core.transform_depth() >= tag
    return _tagged(cls, tag, None if running else threading.main_thread().ident)


restored = cast(_Tagging, _restored)


# The kinds made of each transform's kind and others' (the products of two transforms'
# kinds, bundles beyond order 2), by that kind: their arrays alive when a pass of it
# seeds were kept from its earlier passes or calls (_transforms._seeds), as its own are.
PRODUCTS_OF: dict[type[DualArray], list[type[DualArray]]] = {}


def note_product(product: type[DualArray], kinds: Sequence[type[DualArray]]) -> None:
    """Record a product kind (or bundle) made of these transforms' kinds."""
    for kind in kinds:
        PRODUCTS_OF.setdefault(kind, []).append(product)


def kept_products(kind: type[DualArray]) -> bool:
    """Whether arrays of a kind made of this one (a product, a bundle) are alive."""
    return any(_core.live_instances(p) for p in PRODUCTS_OF.get(kind, ()))


def _retire(cls: type[DualArray]) -> None:
    """A transform of cls's depth returned while instances of cls lived on (kept in a
    list, a global, a closure): the next transforms seed a new class, so those arrays
    meet their arrays with a TypeError instead of passing for their perturbations."""
    # a product kind's arrays came from its inner transform's seeds: that kind goes too,
    # or the next transform at this depth would meet the same product kind again; and a
    # retired kind's products (their arrays meet the new kind's with the same TypeError)
    for kind in (cls, cls.__dict__.get("_inner")):
        if kind is not None:
            kind._retired = True
            for product in PRODUCTS_OF.pop(kind, ()):
                product._retired = True
            for key in [k for k, v in _TAGGED.items() if v is kind]:
                del _TAGGED[key]


_core.set_retire_hook(_retire)


def combine_error(where: str, a: type[DualArray], b: type[DualArray]) -> TypeError:
    """The TypeError for dual arrays of kinds a and b meeting in `where`."""
    if getattr(a, "_retired", False) or getattr(b, "_retired", False):
        return TypeError(
            f"a dual array kept from a transform call that has returned (or from an "
            f"earlier pass of one: a memo across its chunks) meets another transform's in "
            f"{where}: its parts were that call's perturbations (JAX calls "
            "this an escaped tracer); keep values (.value) or the transform's results "
            "across calls, not the dual arrays inside them"
        )
    if a._tag == b._tag:
        return TypeError(
            f"cannot combine {a.__name__} and {b.__name__} in {where}: "
            "their derivative parts mean different things; convert one explicitly"
        )
    if 0 in (a._tag, b._tag):
        return TypeError(
            f"a dual array built by hand (hd.dual, hd.hyperdual, ...) meets a transform's "
            f"variables in {where}: its parts would pass for the transform's; build it "
            "from .value, or differentiate with the transform alone"
        )
    if _meet_in_a_product(a, b):  # the caller could not lift: it writes in place
        return TypeError(
            f"an outer and an inner transform's dual numbers ({a.__name__} and "
            f"{b.__name__}) meet in {where}, which writes in place: their combination "
            "carries both transforms' parts (their product kind), which the target cannot "
            "hold; build a new array instead (x + y, np.where, np.concatenate, ...)"
        )
    return TypeError(  # (nested transforms meet in products, of any order and depth)
        f"dual numbers of two transforms at one nesting depth meet in {where} "
        f"({a.__name__} and {b.__name__}): an array of a transform that has returned (kept "
        "in a closure, a list or a global) meets a later transform's; keep its .value, or "
        "return the array from its transform"
    )


def _meet_in_a_product(a: type[DualArray], b: type[DualArray]) -> bool:
    """Whether kinds of two transforms meet in their product kind (_multivariate)."""
    for x, y in ((a, b), (b, a)):
        if getattr(x, "_inner", None) is not None and y in (x._outer, x._inner):
            return True

    def first_order(k: type[DualArray]) -> bool:
        return k._order == 1 and k._tag != 0 and not hasattr(k, "_inner")

    return first_order(a) and first_order(b) and a._tag != b._tag


# What dual arrays combine with (numbers.Number last: its ABC check is the slowest).
_OPERAND_TYPES = (
    DualArray,
    np.ndarray,
    float,
    int,
    complex,
    np.generic,
    list,
    tuple,
    numbers.Number,
)


def _is_operand(x: Any) -> bool:
    return isinstance(x, _OPERAND_TYPES)


def _compare(ufunc: np.ufunc, a: Any, b: Any) -> Any:
    if not (_is_operand(a) and _is_operand(b)):
        return NotImplemented
    values = [x.value if isinstance(x, DualArray) else x for x in (a, b)]
    result = ufunc(*values)
    if ufunc is np.not_equal and not result and isinstance(a, DualArray) and a.ndim == 0:
        _trimmed_coefficient(a, sys._getframe(2))
    return result


def _trimmed_coefficient(a: DualArray, frame: types.FrameType | None) -> None:
    """A TypeError where numpy.polynomial's trimseq (as_series: polyadd, polymul,
    polyroots, the Polynomial classes' arithmetic ...) asks whether a trailing coefficient
    is 0 and it is by value but not in its derivative parts: it would drop them (the
    polynomial's derivative would miss that term: (P - Q)(2)' was 0 for 4)."""
    if (
        frame is not None
        and frame.f_code.co_name == "trimseq"
        and frame.f_globals.get("__name__") == "numpy.polynomial.polyutils"
        and np.any(a._stack[1:] != 0)
    ):
        raise TypeError(
            "hyperdiff cannot differentiate numpy.polynomial here: a trailing coefficient "
            "is 0 but its derivative parts are not, and numpy trims it as zero"
        )


def from_objects(array: np.ndarray) -> Any:
    """An object array of dual scalars and numbers (np.array of dual scalars, a list
    mixing them with numbers) as one dual array of their kind, the numbers constants:
    what it becomes wherever it meets a dual array (numbers only: a plain array). A
    value a sparse pass keeps apart (a sum of numbers, which numpy's object loops add
    with +) is its number."""
    flat = array.ravel()
    if any(getattr(type(e), "_kept_apart", False) for e in flat):
        kept, flat = flat, np.empty(flat.size, dtype=object)
        for i, e in enumerate(kept):  # (element by element: numpy reads no array in them)
            flat[i] = e.materialize() if getattr(type(e), "_kept_apart", False) else e
    is_dual = np.fromiter((isinstance(e, DualArray) for e in flat), bool, flat.size)
    duals = flat[is_dual]
    kinds = sorted({type(e) for e in duals}, key=lambda k: (k._tag, k.__name__))
    if not kinds and all(isinstance(e, int | float | complex | np.number) for e in flat):
        return np.array(flat.tolist()).reshape(array.shape)  # numbers only: a plain array
    if not kinds or any(e.ndim for e in duals):
        raise TypeError(
            "an object array meets a dual array, but its elements are not dual scalars "
            "and numbers; build one dual array with np.stack or np.concatenate"
        )
    if len(kinds) > 1:
        raise combine_error("an object array of dual numbers", kinds[0], kinds[1])
    cls = kinds[0]
    numbers = flat[~is_dual].tolist()
    if not all(isinstance(e, int | float | complex | np.number) for e in numbers):
        raise TypeError(
            "an object array meets a dual array, but its elements are not dual scalars "
            "and numbers; build one dual array with np.stack or np.concatenate"
        )
    dtype = component_dtype(*duals, *numbers)
    data = np.zeros((cls._planes, flat.size), dtype=dtype)
    data[:, is_dual] = np.stack([e._stack for e in duals], axis=1)
    data[0, ~is_dual] = numbers
    return cls._wrap(data.reshape(cls._planes, *array.shape))


def own_number(result: Any) -> Any:
    """A 0-d result numpy gives as its scalar (x @ y of vectors, np.dot), with planes
    of its own: viewing a temporary's, it would be a 0-d array (_is_number)."""
    if isinstance(result, DualArray):
        planes = result._read  # (not exposed: a product's known zeros stay known)
        if planes.ndim == 1 and planes.base is not None:
            return result._wrap(planes.copy())
    return result


def zero_d_array(result: Any) -> Any:
    """A 0-d result numpy gives as a 0-d array (np.where, np.copy, np.zeros_like of a
    scalar), x op= y writing into it (and so into every name for it): its planes
    viewing a buffer (_is_number)."""
    if isinstance(result, DualArray):
        planes = result._read
        if planes.ndim == 1 and planes.base is None:
            return result._wrap(result._stack[...])
    return result


def admit(op: Any) -> Any:
    """An operand meeting a dual array: an object array (or a list holding dual
    scalars) becomes a dual array (from_objects); a value a sparse pass keeps apart (a
    sum of terms) its number; anything else is itself."""
    if getattr(type(op), "_kept_apart", False):
        # (declined, r += s would rebind r to r + s: a view's base never saw the write)
        return op.materialize()
    if isinstance(op, np.ndarray):
        return from_objects(op) if op.dtype == object else op
    if isinstance(op, list | tuple) and any(isinstance(e, DualArray) for e in _walk(op)):
        return from_objects(np.array(op, dtype=object))
    return op


def _admitted(op: Any) -> Any:
    """What component_dtype promotes for an operand that is not a number or a numeric
    array: a dual array's dtype for object arrays and lists of dual scalars."""
    op = admit(op)
    return op.dtype if isinstance(op, DualArray) else np.asarray(op)


def _walk(items: Any) -> Any:
    for item in items:
        if isinstance(item, list | tuple):
            yield from _walk(item)
        else:
            yield item


def component_dtype(*operands: Any) -> np.dtype:
    """numpy's promotion of the operands' component dtypes; ints promote to float64."""
    # Python scalars stay weakly typed (float32 + 1.0 is float32), as in numpy.
    dtype = np.result_type(
        *(
            op.dtype
            if isinstance(op, DualArray)
            else op
            if isinstance(op, (int, float, complex, np.generic))
            or (isinstance(op, np.ndarray) and op.dtype != object)
            else _admitted(op)
            for op in operands
        )
    )
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype.kind == "f" and dtype.itemsize < 4:
        return np.dtype(np.float32)
    return check_component_dtype(dtype)


def cast_into(name: str, target: np.ndarray, result: np.ndarray) -> None:
    """result's planes written into out='s (target) by numpy's rule for out=, casting
    "same_kind": float64 into float32 rounds as numpy's loop does, complex into real is
    refused with numpy's own error type."""
    if not np.can_cast(result.dtype, target.dtype, "same_kind"):
        raise TypeError(
            f"Cannot cast {name} output from {result.dtype!r} to {target.dtype!r} with "
            "casting rule 'same_kind'"
        )
    target[...] = result


class Dual(DualArray):
    """Dual numbers a + d eps (eps^2 = 0): `.d` carries a first derivative."""

    __slots__ = ()
    _kind = _KIND_INDEX["Dual"]
    _spec = ("Dual",)
    _planes = 2
    _part_names = ("d",)
    _products = ((0, 0, 0), (0, 1, 1), (1, 0, 1))
    _order = 1

    @property
    def d(self) -> npt.NDArray[Any]:
        """The dual part: the derivative along the seeded direction (a view).

        Examples
        --------
        >>> import numpy as np, hyperdiff as hd
        >>> np.sin(hd.dual([0.0, np.pi], 1.0)).d       # cos(x)
        array([ 1., -1.])
        """
        return self._part(1)


class HyperDual(DualArray):
    """Hyper-dual numbers a + e1 eps1 + e2 eps2 + e12 eps1 eps2: with e1 = e2 = 1,
    `.e1` is f' and `.e12` is f''."""

    __slots__ = ()
    _kind = _KIND_INDEX["HyperDual"]
    _spec = ("HyperDual",)
    _planes = 4
    _part_names = ("e1", "e2", "e12")
    _products = (
        *((0, k, k) for k in range(4)),
        *((k, 0, k) for k in range(1, 4)),
        (1, 2, 3),
        (2, 1, 3),
    )
    _order = 2

    @property
    def e1(self) -> npt.NDArray[Any]:
        """The eps1 part: f' along e1 (a view).

        Examples
        --------
        >>> import numpy as np, hyperdiff as hd
        >>> (hd.hyperdual([1.0, 2.0], 1.0, 1.0) ** 3).e1     # 3 x^2
        array([ 3., 12.])
        """
        return self._part(1)

    @property
    def e2(self) -> npt.NDArray[Any]:
        """The eps2 part: f' along e2 (a view).

        Examples
        --------
        >>> import numpy as np, hyperdiff as hd
        >>> (hd.hyperdual([1.0, 2.0], 1.0, 2.0) ** 3).e2     # 3 x^2 e2
        array([ 6., 24.])
        """
        return self._part(2)

    @property
    def e12(self) -> npt.NDArray[Any]:
        """The eps1 eps2 part: f'' e1 e2 + f' e12, so f'' with e1 = e2 = 1 (a view).

        Examples
        --------
        >>> import numpy as np, hyperdiff as hd
        >>> (hd.hyperdual([1.0, 2.0], 1.0, 1.0) ** 3).e12    # 6 x
        array([ 6., 12.])
        """
        return self._part(3)


def item_of(a: Any, args: tuple[Any, ...]) -> Any:
    """ndarray.item for arrays whose elements carry more than a number (dual arrays,
    sparsity tracers): the element as a 0-d array of a's type, a copy; the only one, or
    the one at a flat index or an index per axis."""
    if not args:
        if a.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return np.reshape(a, ()).copy()
    index = args[0] if len(args) == 1 else args
    if isinstance(index, tuple):
        return a[index].copy()
    flat = operator.index(index)
    if not -a.size <= flat < a.size:
        raise IndexError(f"index {flat} is out of bounds for size {a.size}")
    return np.reshape(a, -1)[flat].copy()


def add_object_loop_methods(cls: type, call: Callable[[np.ufunc, Any], Any]) -> None:
    """numpy's loops over object arrays (np.asarray of a dual array or of a sparsity
    tracer: their elements) call x.sin(), x.exp(), ...: every table function as a
    method of cls, call(ufunc, x), where cls has none of that name."""

    def method_of(ufunc: np.ufunc) -> Any:
        def method(self: Any) -> Any:
            return call(ufunc, self)

        method.__name__ = ufunc.__name__
        method.__doc__ = f"{ufunc.__name__}(x), used by numpy's object-dtype loops."
        return method

    for ufunc in UNARY:
        if not hasattr(cls, ufunc.__name__):
            setattr(cls, ufunc.__name__, method_of(ufunc))


# (_apply_unary looked up at each call: the rule modules register it at their import)
add_object_loop_methods(DualArray, lambda ufunc, x: _apply_unary(ufunc, x))


def dual(value: ArrayLike, d: ArrayLike = 0.0, *, dtype: DTypeLike | None = None) -> Dual:
    """A dual array value + d*eps; value and d broadcast together (d defaults to 0).

    Components are float64 or float32, following numpy's promotion of the inputs.

    Parameters
    ----------
    value : array_like
        The primal values.
    d : array_like, default 0.0
        The dual part (the direction: 1 gives f'), broadcast against value.
    dtype : dtype, optional
        The components' dtype (float64, float32, complex128, complex64).

    Returns
    -------
    Dual
        The dual array; numpy functions of it carry f'(value) d in `.d`.

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> x = hd.dual(np.array([1.0, 4.0]), 1.0)
    >>> y = np.sqrt(x)                  # d/dx sqrt(x) = 1 / (2 sqrt(x))
    >>> y.value, y.d
    (array([1., 2.]), array([0.5 , 0.25]))
    """
    return Dual._from_parts(value, (d,), dtype)


def hyperdual(
    value: ArrayLike,
    e1: ArrayLike = 0.0,
    e2: ArrayLike = 0.0,
    e12: ArrayLike = 0.0,
    *,
    dtype: DTypeLike | None = None,
) -> HyperDual:
    """A hyper-dual array value + e1 eps1 + e2 eps2 + e12 eps1 eps2; parts broadcast.

    With e1 = e2 = 1 and e12 = 0, f(x).e1 is f'(x) and f(x).e12 is f''(x).

    Parameters
    ----------
    value : array_like
        The primal values.
    e1, e2 : array_like, default 0.0
        The two first-order parts (directions), broadcast against value.
    e12 : array_like, default 0.0
        The second-order part.
    dtype : dtype, optional
        The components' dtype (float64, float32, complex128, complex64).

    Returns
    -------
    HyperDual
        The hyper-dual array; numpy functions of it carry f' e1, f' e2 and
        f'' e1 e2 + f' e12 in `.e1`, `.e2`, `.e12`.

    Examples
    --------
    >>> import numpy as np, hyperdiff as hd
    >>> x = hd.hyperdual(np.array([0.0, 1.0]), 1.0, 1.0)
    >>> y = x * np.exp(x)               # f' = (1 + x) e^x, f'' = (2 + x) e^x
    >>> bool(np.allclose(y.e1, (1 + x.value) * np.exp(x.value)))
    True
    >>> bool(np.allclose(y.e12, (2 + x.value) * np.exp(x.value)))
    True
    """
    return HyperDual._from_parts(value, (e1, e2, e12), dtype)
