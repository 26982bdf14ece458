"""scipy.special's Python-level functions that start with `np.asarray` of their inputs, for
dual arrays.

scipy.special.polygamma, multigammaln and the spherical Bessel functions convert their
arguments with np.asarray before calling their ufuncs, so a dual array reaches them as an
object array of dual scalars, which scipy's ufuncs refuse (numpy's "ufunc 'psi' not
supported for the input types"). scipy.special.logsumexp and log_softmax do too, and
then treat the object array as complex or call isfinite on it, which numpy refuses
(softmax gets through, slowly, as an object array); so do its multi-ufuncs
legendre_p, assoc_legendre_p, sph_legendre_p and sph_harm_y (their derivatives are
scipy's own, diff_n=2). These mirror them under the same
names and signatures: plain inputs go to scipy; dual ones get scipy's value and the
derivatives of hyperdiff's scipy.special table (polygamma, multigammaln, spherical_jn,
yn, in, kn), or the same shifted formulas on dual arrays (logsumexp, softmax,
log_softmax: values within a few ulps of scipy's). Every other scipy.special function
(the ufuncs, zeta, softplus) takes dual arrays directly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import numpy as np

from ._arrays import SCIPY_SPECIAL_MIRRORS, DualArray
from ._special import Arrays, Entry, _spherical, evaluate

__all__ = [
    "assoc_legendre_p",
    "legendre_p",
    "log_softmax",
    "logsumexp",
    "mathieu_even_coef",
    "mathieu_odd_coef",
    "multigammaln",
    "obl_cv_seq",
    "polygamma",
    "pro_cv_seq",
    "softmax",
    "sph_harm_y",
    "sph_legendre_p",
    "spherical_in",
    "spherical_jn",
    "spherical_kn",
    "spherical_yn",
]


def _scipy_special() -> Any:
    import scipy.special

    return scipy.special


def _is_dual(x: Any) -> bool:
    from ._arrays import DualArray

    return isinstance(x, DualArray)


def polygamma(n: Any, x: Any) -> Any:
    """scipy.special.polygamma(n, x), differentiable in x (n: integer constants);
    d/dx psi^(n)(x) = psi^(n+1)(x)."""
    sc = _scipy_special()
    if not (_is_dual(n) or _is_dual(x)):
        return sc.polygamma(n, x)

    def rule(f0: Any, n_: Any, x_: Any) -> Arrays:
        return sc.polygamma(n_ + 1, x_), sc.polygamma(n_ + 2, x_)

    entry = Entry("polygamma", ("n", "x"), (1,), rule)
    return evaluate(entry, lambda n_, x_: np.asarray(sc.polygamma(n_, x_)), (n, x), None)


def multigammaln(a: Any, d: int) -> Any:
    """scipy.special.multigammaln(a, d), differentiable in a (d: the dimension, an int);
    log Gamma_d(a) = d(d-1)/4 log pi + sum_j gammaln(a - (j-1)/2), so its derivatives
    are the sums of psi and polygamma(1, .) at a - (j-1)/2, j = 1..d."""
    sc = _scipy_special()
    if _is_dual(d):
        raise TypeError(
            "hyperdiff cannot differentiate scipy.special.multigammaln in its argument d "
            "(a dual array here): d is the dimension, an integer"
        )
    if not _is_dual(a):
        return sc.multigammaln(a, d)

    def rule(f0: Any, a_: Any) -> Arrays:
        shifts = [a_ - (j - 1) / 2 for j in range(1, int(d) + 1)]
        return sum(sc.psi(s) for s in shifts), sum(sc.polygamma(1, s) for s in shifts)

    entry = Entry("multigammaln", ("a",), (0,), rule)
    return evaluate(entry, lambda a_: np.asarray(sc.multigammaln(a_, d)), (a,), None)


def _shift(x: Any, axis: Any) -> Any:
    """The maximum of x's values along axis (kept), 0 where it is not finite: the
    constant the stable formulas subtract (its derivative cancels)."""
    from ._arrays import DualArray

    values = x.value if isinstance(x, DualArray) else np.asarray(x)
    m = np.max(values, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0)


def _one_infinity(a: Any, t: Any, m: Any, axis: Any) -> tuple[Any, Any]:
    """t = a - m and the shift m, where one of a's values along axis is +inf: the
    limit as that entry grows, t 0 there (its parts kept) and -inf elsewhere, m +inf.
    The sum's parts are then that entry's (the softmax weights' limit, 1 there and 0
    elsewhere), not inf / inf = nan; with two or more the limit depends on how they
    grow, and stays nan."""
    from ._arrays import DualArray

    values = a.value if isinstance(a, DualArray) else np.asarray(a)
    top = values == np.inf
    rows = np.sum(top, axis=axis, keepdims=True) == 1
    if not np.any(rows):
        return t, m
    limit = np.where(rows, np.where(top, 0.0, -np.inf), values - m)
    if isinstance(t, DualArray):
        t._stack[0] = limit  # (t is a's difference, a new array)
    else:
        t = limit
    return t, np.where(rows, np.inf, m)


def logsumexp(
    a: Any, axis: Any = None, b: Any = None, keepdims: bool = False, return_sign: bool = False
) -> Any:
    """scipy.special.logsumexp for dual arrays: log(sum(b exp(a - m))) + m, m the
    maximum of a's values; with return_sign, (log|sum|, its sign as values)."""
    if not (_is_dual(a) or _is_dual(b)):
        return _scipy_special().logsumexp(
            a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign
        )
    # scipy leaves the entries where b is 0 out (their a set to -inf): the shift and the
    # one infinite entry are taken without them, and with a constant b their terms are 0
    # (the shift from all of a made exp(t) underflow: logsumexp([1000, 2, 3], b=[0, 1, 1])
    # was -inf with zero parts, scipy's 3.31; at a = inf there, nan)
    values = a.value if _is_dual(a) else np.asarray(a)
    left_out = None
    if b is not None:
        b_values = b.value if _is_dual(b) else np.asarray(b)
        if np.any(b_values == 0):
            left_out = np.broadcast_to(
                b_values == 0, np.broadcast_shapes(values.shape, b_values.shape)
            )
            values = np.where(left_out, -np.inf, values)
            a = a + np.zeros(left_out.shape)  # (a broadcast against b: t takes b's entries)
    m = _shift(values, axis)
    t, m = _one_infinity(values, a - m, m, axis)
    if left_out is not None and not _is_dual(b) and _is_dual(t):
        t._stack[0][left_out] = -np.inf  # (a constant b: those terms are 0, parts too)
    terms = np.exp(t) if b is None else b * np.exp(t)
    total = np.sum(terms, axis=axis, keepdims=True)
    if return_sign:
        sign = np.sign(total.value if _is_dual(total) else total)
        out = np.log(np.abs(total)) + m
    else:
        out = np.log(total) + m
    if not keepdims:
        axes = tuple(range(np.ndim(out))) if axis is None else axis
        out = np.squeeze(out, axis=axes)
        if return_sign:
            sign = np.squeeze(sign, axis=axes)
    return (out, sign) if return_sign else out


def softmax(x: Any, axis: Any = None) -> Any:
    """scipy.special.softmax for dual arrays: exp(x - m) / sum(exp(x - m))."""
    if not _is_dual(x):
        return _scipy_special().softmax(x, axis=axis)
    e = np.exp(x - _shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: Any, axis: Any = None) -> Any:
    """scipy.special.log_softmax for dual arrays: (x - m) - log(sum(exp(x - m)))."""
    if not _is_dual(x):
        return _scipy_special().log_softmax(x, axis=axis)
    t = x - _shift(x, axis)
    return t - np.log(np.sum(np.exp(t), axis=axis, keepdims=True))


def _spherical_bessel(name: str, sign: float, n: Any, z: Any, derivative: bool) -> Any:
    function = getattr(_scipy_special(), f"spherical_{name}")
    if _is_dual(n):
        raise TypeError(
            f"hyperdiff cannot differentiate scipy.special.spherical_{name} in its argument n "
            "(a dual array here): n is the order, an integer"
        )
    if not _is_dual(z):
        return function(n, z, derivative=derivative)
    entry = Entry(f"spherical_{name}", ("n", "z"), (1,), _spherical(name, sign, derivative), True)

    def value(n_: Any, z_: Any) -> np.ndarray:
        return np.asarray(function(n_, z_, derivative=derivative))

    return evaluate(entry, value, (np.asarray(n, dtype=np.int64), z), None)


def spherical_jn(n: Any, z: Any, derivative: bool = False) -> Any:
    """scipy.special.spherical_jn(n, z, derivative), differentiable in z (real or complex;
    n: integer orders): j_n' is scipy's own, j_n'' and j_n''' come from the spherical
    Bessel equation (from its power series near 0)."""
    return _spherical_bessel("jn", 1.0, n, z, derivative)


def spherical_yn(n: Any, z: Any, derivative: bool = False) -> Any:
    """scipy.special.spherical_yn(n, z, derivative), differentiable in z (as spherical_jn)."""
    return _spherical_bessel("yn", 1.0, n, z, derivative)


def spherical_in(n: Any, z: Any, derivative: bool = False) -> Any:
    """scipy.special.spherical_in(n, z, derivative), differentiable in z: i_n'' and i_n'''
    come from the modified spherical Bessel equation (from its power series near 0)."""
    return _spherical_bessel("in", -1.0, n, z, derivative)


def spherical_kn(n: Any, z: Any, derivative: bool = False) -> Any:
    """scipy.special.spherical_kn(n, z, derivative), differentiable in z (as spherical_in)."""
    return _spherical_bessel("kn", -1.0, n, z, derivative)


def _legendre_family(
    name: str, args: tuple[str, ...], dual: tuple[int, ...], inputs: tuple[Any, ...], **options: Any
) -> Any:
    """scipy.special's Legendre functions and spherical harmonics (scipy's multi-ufuncs,
    which take `diff_n`) with dual arrays in their real arguments: scipy's value, and
    the first and second derivatives from scipy's own `diff_n=2`."""
    function = getattr(_scipy_special(), name)
    diff_n = options.pop("diff_n", 0)
    if not any(_is_dual(a) for a in inputs):
        return function(*inputs, diff_n=diff_n, **options)
    for k, a in enumerate(inputs):
        if _is_dual(a) and k not in dual:
            integer = "an integer" if args[k] in ("n", "m") else "not differentiable"
            raise TypeError(
                f"hyperdiff cannot differentiate scipy.special.{name} in its argument "
                f"{args[k]} (a dual array here): {args[k]} is {integer}"
            )
    if diff_n != 0:
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} of dual arrays with diff_n=0 "
            f"only (not {diff_n}): scipy's derivatives stop at diff_n=2, which hyperdiff "
            "uses for the dual parts; the dual result carries the derivatives"
        )

    def value(*values: Any) -> np.ndarray:
        return np.asarray(function(*values, **options))

    if len(dual) == 1:

        def rule(f0: Any, *values: Any) -> Arrays:
            stacked = function(*values, diff_n=2, **options)
            return stacked[1:2], stacked[2:3]  # (each keeps the value's axis of orders)

    else:

        def rule(f0: Any, *values: Any) -> Arrays:
            _, gradient, hessian = function(*values, diff_n=2, **options)
            return (
                gradient[..., 0],
                gradient[..., 1],
                hessian[..., 0, 0],
                hessian[..., 0, 1],
                hessian[..., 1, 1],
            )

    complex_values = name == "sph_harm_y" or any(
        np.iscomplexobj(a.value if _is_dual(a) else a) for a in inputs
    )
    return evaluate(Entry(name, args, dual, rule, complex_values), value, inputs, None)


def legendre_p(n: Any, z: Any, *, diff_n: int = 0) -> Any:
    """scipy.special.legendre_p(n, z), differentiable in z (real; n: integer degrees)."""
    return _legendre_family("legendre_p", ("n", "z"), (1,), (n, z), diff_n=diff_n)


def assoc_legendre_p(
    n: Any, m: Any, z: Any, *, branch_cut: Any = 2, norm: bool = False, diff_n: int = 0
) -> Any:
    """scipy.special.assoc_legendre_p(n, m, z), differentiable in z (real or complex;
    n, m: integer degrees and orders)."""
    return _legendre_family(
        "assoc_legendre_p",
        ("n", "m", "z"),
        (2,),
        (n, m, z),
        branch_cut=branch_cut,
        norm=norm,
        diff_n=diff_n,
    )


def sph_legendre_p(n: Any, m: Any, theta: Any, *, diff_n: int = 0) -> Any:
    """scipy.special.sph_legendre_p(n, m, theta), differentiable in theta (real)."""
    return _legendre_family(
        "sph_legendre_p", ("n", "m", "theta"), (2,), (n, m, theta), diff_n=diff_n
    )


def sph_harm_y(n: Any, m: Any, theta: Any, phi: Any, *, diff_n: int = 0) -> Any:
    """scipy.special.sph_harm_y(n, m, theta, phi), differentiable in theta and phi (real;
    complex values), the mixed second derivative included."""
    return _legendre_family(
        "sph_harm_y", ("n", "m", "theta", "phi"), (2, 3), (n, m, theta, phi), diff_n=diff_n
    )


# scipy's own versions of these, given a dual array, raise a TypeError pointing here
# (softmax is left out: scipy's gets through on the object array, slowly)
def _mathieu_coefficients(odd: bool, m: Any, q: Any) -> Any:
    name = f"mathieu_{'odd' if odd else 'even'}_coef"
    function = getattr(_scipy_special(), name)
    if _is_dual(m):
        raise TypeError(
            f"hyperdiff cannot differentiate scipy.special.{name} in its argument m (a dual "
            "array here): m is an integer order"
        )
    if not _is_dual(q):
        return function(m, q)
    if q.ndim != 0:
        raise ValueError(f"scipy.special.{name}: m and q must be scalars")

    def rule(f0: Any, m_: Any, q_: Any) -> Arrays:
        from ._characteristic import check_range, mathieu_coefficients

        check_range(name, "q", q_, 0.0, 1e6)
        return mathieu_coefficients(odd, int(m_), float(q_), f0)

    entry = Entry(name, ("m", "q"), (1,), rule, why="m is an integer order")
    return evaluate(entry, lambda m_, q_: np.asarray(function(m_, float(q_))), (m, q), None)


def mathieu_even_coef(m: Any, q: Any) -> Any:
    """scipy.special.mathieu_even_coef(m, q): the Fourier coefficients of ce_m, scalars m and
    q; differentiable in q (the normalized eigenvector of their recurrence on a dual q with
    mathieu_a's parts: hyperdiff's mathieu_cem in q sums them)."""
    return _mathieu_coefficients(False, m, q)


def mathieu_odd_coef(m: Any, q: Any) -> Any:
    """scipy.special.mathieu_odd_coef(m, q): the Fourier coefficients of se_m, differentiable
    in q (as mathieu_even_coef, with mathieu_b)."""
    return _mathieu_coefficients(True, m, q)


def _cv_seq(name: str, m: Any, n: Any, c: Any) -> Any:
    """scipy's sequence of characteristic values for n' = m..n, with the parts of
    scipy.special's ufunc (pro_cv, obl_cv) at each n' on a dual c: its values round
    differently from the sequence's (a few ulps), so the values are the sequence's."""
    sc = _scipy_special()
    sequence = getattr(sc, f"{name}_seq")
    if not isinstance(c, DualArray):
        return sequence(m, n, c)
    if c.ndim != 0:
        raise ValueError("Arguments must be scalars.")  # (scipy's own check, as scipy)
    values = sequence(m, n, c.value[()])
    each = getattr(sc, name)(m, np.arange(m, m + len(values)), c)
    planes = each._stack.copy()
    planes[0] = values
    return type(each)._wrap(planes)


def pro_cv_seq(m: Any, n: Any, c: Any) -> Any:
    """scipy.special.pro_cv_seq(m, n, c), differentiable in c (each value's parts as
    pro_cv's: the eigenvalue's derivative in c)."""
    return _cv_seq("pro_cv", m, n, c)


def obl_cv_seq(m: Any, n: Any, c: Any) -> Any:
    """scipy.special.obl_cv_seq(m, n, c), differentiable in c (as pro_cv_seq, with
    obl_cv's parts)."""
    return _cv_seq("obl_cv", m, n, c)


SCIPY_SPECIAL_MIRRORS.update(name for name in __all__ if name != "softmax")

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _detectable(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """function, or on a sparsity-detection tracer among its arguments (jacobian_sparsity,
    sparsity="auto") the rule its class carries (_sparsity.special_rule: a layer up,
    reached through the tracer), which raises a TypeError naming the functions it does
    not follow."""

    @functools.wraps(function)
    def mirror(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        for a in (*args, *kwargs.values()):
            rule = getattr(type(a), "_special_rule", None)
            if rule is not None:
                result: _R = rule(function, args, kwargs)
                return result
        return function(*args, **kwargs)

    return mirror


for _name in __all__:
    globals()[_name] = _detectable(globals()[_name])
del _name
