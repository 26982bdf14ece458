"""scipy.special functions whose derivatives are scipy (or numpy) functions themselves.

One table, evaluated on the value: each entry gives f' and f'' (or the partials of a
function of two dual arguments) at the value from scipy's own ufuncs (psi' =
polygamma(1, x), i0' = i1, Bessel functions by their recurrences), and the C++ chain
rule of every kind (`_core.chain_unary` / `chain_binary`, kinds.hpp) combines them with
the parts. The value is scipy's own call on the value plane, so it is scipy's bit for
bit; the derivatives are computed in float64 (complex128) and rounded to the result's
dtype. Arguments that are orders or shape parameters (jv's v, gammainc's a) must be
constants: a dual array there is a TypeError naming the function and the argument.

scipy is imported on first use (it stays an optional dependency); `table()` is empty
without it. Functions that scipy computes in C++ with their own kernels (erf, erfc,
expit, logit, gammaln) stay in the elementary table; erf and erfc of complex values
come here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from ._ufuncs import _check_kwargs, _dual_type, _output, _store, check_component_dtype

Arrays = tuple[Any, ...]


@dataclass(frozen=True)
class Entry:
    """A scipy.special ufunc: its public name, argument names, the positions that may be
    dual arrays, and its rule. With one dual position the rule maps (f0, *values) to
    (f1, f2) in that argument; with two, to (fx, fy, fxx, fxy, fyy). `complex`: the
    function is holomorphic in its dual arguments and scipy has complex loops."""

    name: str
    args: tuple[str, ...]
    dual: tuple[int, ...]
    rule: Callable[..., Arrays]
    complex: bool = False


# --- the rules (values are float64 or complex128 arrays) ---------------------------------

_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT_PI_2 = math.sqrt(math.pi) / 2
_TWO_SQRT_PI = 2 / math.sqrt(math.pi)


def _sc() -> Any:
    import scipy.special

    return scipy.special


def _psi_n(n: int, x: Any) -> Any:
    """polygamma(n, x) for n >= 1 on real arrays (scipy's own formula)."""
    return _sc().polygamma(n, x)


def _digamma(f0: Any, x: Any) -> Arrays:
    # psi' = polygamma(1, x), psi'' = polygamma(2, x)
    return _psi_n(1, x), _psi_n(2, x)


def _gamma(f0: Any, x: Any) -> Arrays:
    # Gamma' = Gamma psi, Gamma'' = Gamma (psi^2 + psi1)
    psi = _sc().psi(x)
    return f0 * psi, f0 * (psi * psi + _psi_n(1, x))


def _loggamma(f0: Any, x: Any) -> Arrays:
    # log Gamma' = psi, '' = psi1
    return _sc().psi(x), _psi_n(1, x)


def _rgamma(f0: Any, x: Any) -> Arrays:
    # (1/Gamma)' = -psi/Gamma, '' = (psi^2 - psi1)/Gamma; at the poles -n of Gamma,
    # 1/Gamma(-n + h) = (-1)^n n! h (1 - psi(n + 1) h + ...): f1 = (-1)^n n!,
    # f2 = -2 (-1)^n n! psi(n + 1)
    sc = _sc()
    with np.errstate(invalid="ignore", divide="ignore"):
        psi = sc.psi(x)
        f1 = -f0 * psi
        f2 = f0 * (psi * psi - _psi_n(1, x))
        pole = (x <= 0) & (x == np.floor(x))
        n = np.where(pole, -x, 0.0)
        signed_factorial = np.where(n % 2 == 1, -1.0, 1.0) * sc.gamma(n + 1)
        f1 = np.where(pole, signed_factorial, f1)
        f2 = np.where(pole, -2 * signed_factorial * sc.psi(n + 1), f2)
    return f1, f2


def _polygamma_in_x(n: Any) -> Callable[..., Arrays]:
    def rule(f0: Any, x: Any) -> Arrays:
        return _sc().polygamma(n + 1, x), _sc().polygamma(n + 2, x)

    return rule


def _beta(f0: Any, a: Any, b: Any) -> Arrays:
    # B(a, b): B_a = B (psi(a) - psi(a+b)), B_ab = B ((.)(.) - psi1(a+b)), ...
    sc = _sc()
    da, db = sc.psi(a) - sc.psi(a + b), sc.psi(b) - sc.psi(a + b)
    p_ab = _psi_n(1, a + b)
    return (
        f0 * da,
        f0 * db,
        f0 * (da * da + _psi_n(1, a) - p_ab),
        f0 * (da * db - p_ab),
        f0 * (db * db + _psi_n(1, b) - p_ab),
    )


def _betaln(f0: Any, a: Any, b: Any) -> Arrays:
    sc = _sc()
    p_ab = _psi_n(1, a + b)
    return (
        sc.psi(a) - sc.psi(a + b),
        sc.psi(b) - sc.psi(a + b),
        _psi_n(1, a) - p_ab,
        -p_ab,
        _psi_n(1, b) - p_ab,
    )


def _gammainc_density(a: Any, x: Any) -> Arrays:
    """d/dx P(a, x) = x^(a-1) e^-x / Gamma(a) and its derivative
    x^(a-2) e^-x (a-1) / Gamma(a) - P' (xlogy keeps x = 0 exact: 0^0 = 1)."""
    sc = _sc()
    with np.errstate(invalid="ignore", over="ignore"):
        lg = sc.gammaln(a)
        f1 = np.exp(sc.xlogy(a - 1, x) - x - lg)
        g = np.where(a == 1, 0.0, (a - 1) * np.exp(sc.xlogy(a - 2, x) - x - lg))
        f2 = g - f1
    return f1, f2


def _gammainc(f0: Any, a: Any, x: Any) -> Arrays:
    return _gammainc_density(a, x)


def _gammaincc(f0: Any, a: Any, x: Any) -> Arrays:
    f1, f2 = _gammainc_density(a, x)
    return -f1, -f2


def _xlogy(f0: Any, x: Any, y: Any) -> Arrays:
    # x log y (0 where x = 0): fx = log y, fy = x/y, fxx = 0, fxy = 1/y, fyy = -x/y^2
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1 / y
        q = np.where(x == 0, 0, x * r)
        return np.log(y), q, np.zeros_like(q), r, -q * r


def _xlog1py(f0: Any, x: Any, y: Any) -> Arrays:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1 / (1 + y)
        q = np.where(x == 0, 0, x * r)
        return np.log1p(y), q, np.zeros_like(q), r, -q * r


def _relative_entropy(kl: bool) -> Callable[..., Arrays]:
    # rel_entr = x log(x/y) (x, y > 0; 0 at x = 0): fx = log(x/y) + 1, fy = -x/y,
    # fxx = 1/x, fxy = -1/y, fyy = x/y^2; kl_div = rel_entr - x + y: fx - 1, fy + 1.
    # Outside the domain (value inf) the derivatives are nan.
    def rule(f0: Any, x: Any, y: Any) -> Arrays:
        with np.errstate(divide="ignore", invalid="ignore"):
            inside = (x >= 0) & (y > 0)
            q = x / y
            fx = np.log(x) - np.log(y) + (0.0 if kl else 1.0)
            fy = -q + (1.0 if kl else 0.0)
            out = fx, fy, 1 / x, -1 / y, q / y
            return tuple(np.where(inside, d, np.nan) for d in out)

    return rule


def _entr(f0: Any, x: Any) -> Arrays:
    # -x log x: f1 = -(log x + 1), f2 = -1/x; nan below 0 (value -inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(np.log(x) + 1), -1 / x


def _ndtr(f0: Any, x: Any) -> Arrays:
    # Phi' = phi = exp(-x^2/2)/sqrt(2 pi), Phi'' = -x phi
    phi = np.exp(-(x * x) / 2) / _SQRT_2PI
    return phi, -x * phi


def _log_ndtr(f0: Any, x: Any) -> Arrays:
    # (log Phi)' = phi/Phi = m, (log Phi)'' = -m (x + m); below 0, m = sqrt(2/pi) /
    # erfcx(-x/sqrt 2) (Phi = erfc(-x/sqrt 2)/2 = exp(-x^2/2) erfcx(-x/sqrt 2)/2), which
    # neither underflows nor loses the ratio
    sc = _sc()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        m = np.where(
            x < 0,
            math.sqrt(2 / math.pi) / sc.erfcx(-x / math.sqrt(2)),
            np.exp(-(x * x) / 2) / (_SQRT_2PI * sc.ndtr(x)),
        )
        return m, -m * (x + m)


def _ndtri(f0: Any, p: Any) -> Arrays:
    # x = ndtri(p): x' = 1/phi(x) = sqrt(2 pi) exp(x^2/2), x'' = x x'^2
    with np.errstate(over="ignore", invalid="ignore"):
        d = _SQRT_2PI * np.exp(f0 * f0 / 2)
        return d, f0 * d * d


def _erfinv(f0: Any, x: Any) -> Arrays:
    # y = erfinv(x): y' = sqrt(pi)/2 exp(y^2), y'' = 2 y y'^2
    with np.errstate(over="ignore", invalid="ignore"):
        d = _SQRT_PI_2 * np.exp(f0 * f0)
        return d, 2 * f0 * d * d


def _erfcinv(f0: Any, x: Any) -> Arrays:
    with np.errstate(over="ignore", invalid="ignore"):
        d = -_SQRT_PI_2 * np.exp(f0 * f0)
        return d, 2 * f0 * d * d


def _erfcx(f0: Any, x: Any) -> Arrays:
    # erfcx = exp(x^2) erfc(x): f1 = 2 x f0 - 2/sqrt(pi), f2 = 2 f0 + 2 x f1. Both cancel
    # for large x; there (x > 50, real) the asymptotic series
    # erfcx(x) = 1/sqrt(pi) sum_n (-1)^n (2n-1)!! / 2^n x^-(2n+1), differentiated termwise
    with np.errstate(over="ignore", invalid="ignore"):
        f1 = 2 * x * f0 - _TWO_SQRT_PI
        f2 = 2 * f0 + 2 * x * f1
    if np.iscomplexobj(x):
        return f1, f2
    big = x > 50
    if np.any(big):
        t = np.where(big, x, 100.0)
        s1 = np.zeros_like(t)
        s2 = np.zeros_like(t)
        c = 1.0
        for n in range(8):  # c = (-1)^n (2n-1)!! / 2^n
            s1 += c * -(2 * n + 1) * t ** -(2 * n + 2)
            s2 += c * (2 * n + 1) * (2 * n + 2) * t ** -(2 * n + 3)
            c *= -(2 * n + 1) / 2
        f1 = np.where(big, s1 / math.sqrt(math.pi), f1)
        f2 = np.where(big, s2 / math.sqrt(math.pi), f2)
    return f1, f2


def _erf(f0: Any, z: Any) -> Arrays:
    # complex: erf' = 2/sqrt(pi) exp(-z^2), erf'' = -2 z erf'
    g = _TWO_SQRT_PI * np.exp(-z * z)
    return g, -2 * z * g


def _erfc(f0: Any, z: Any) -> Arrays:
    g = _TWO_SQRT_PI * np.exp(-z * z)
    return -g, 2 * z * g


def _erfi(f0: Any, z: Any) -> Arrays:
    # erfi' = 2/sqrt(pi) exp(z^2), erfi'' = 2 z erfi'
    with np.errstate(over="ignore", invalid="ignore"):
        g = _TWO_SQRT_PI * np.exp(z * z)
        return g, 2 * z * g


def _dawsn(f0: Any, z: Any) -> Arrays:
    # D' = 1 - 2 z D, D'' = -2 D - 2 z D'
    d1 = 1 - 2 * z * f0
    return d1, -2 * f0 - 2 * z * d1


def _exp1(f0: Any, z: Any) -> Arrays:
    # E1' = -exp(-z)/z, E1'' = exp(-z) (1/z + 1/z^2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = np.exp(-z) / z
        return -e, e * (1 + 1 / z)


def _expi(f0: Any, z: Any) -> Arrays:
    # Ei' = exp(z)/z, Ei'' = exp(z) (1/z - 1/z^2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = np.exp(z) / z
        return e, e * (1 - 1 / z)


def _log_expit(f0: Any, x: Any) -> Arrays:
    # log s(x): f1 = s(-x), f2 = -s(x) s(-x)
    sc = _sc()
    s_minus = sc.expit(-x)
    return s_minus, -sc.expit(x) * s_minus


def _spence(f0: Any, z: Any) -> Arrays:
    # spence(z) = int_1^z log t / (1 - t) dt: f1 = log z/(1 - z) = -log1p(h)/h with
    # h = z - 1, f2 = (log1p(h) - h/(1 + h))/h^2; near z = 1 (|h| < 0.1) their series
    # f1 = sum_k (-1)^(k+1) h^k/(k+1)... (f1(1) = -1) and f2 = sum_{k>=2} (-1)^k
    # (k-1)/k h^(k-2) (f2(1) = 1/2); nan below 0 as scipy's value
    with np.errstate(divide="ignore", invalid="ignore"):
        h = z - 1
        f1 = -np.log1p(h) / h
        f2 = (np.log1p(h) - h / (1 + h)) / (h * h)
        near = np.abs(h) < 0.1
        if np.any(near):
            t = np.where(near, h, 0.0)
            s1 = np.zeros_like(t)
            s2 = np.zeros_like(t)
            for k in range(24, -1, -1):  # Horner, highest power first
                s1 = s1 * t + (-1.0) ** (k + 1) / (k + 1)
                s2 = s2 * t + (-1.0) ** k * (k + 1) / (k + 2)
            f1 = np.where(near, s1, f1)
            f2 = np.where(near, s2, f2)
        inside = z >= 0
        return np.where(inside, f1, np.nan), np.where(inside, f2, np.nan)


def _hurwitz_zeta_in_q(f0: Any, s: Any, q: Any) -> Arrays:
    # zeta(s, q) = sum_k (k + q)^-s: d/dq = -s zeta(s + 1, q), d2/dq2 = s (s + 1) zeta(s + 2, q)
    sc = _sc()
    return -s * sc.zeta(s + 1, q), s * (s + 1) * sc.zeta(s + 2, q)


# Bessel functions in x with the order v constant, by the recurrences
#   C_v' = (C_{v-1} - C_{v+1})/2,  C_v'' = (C_{v-2} - 2 C_v + C_{v+2})/4   (J, Y)
#   I_v' = (I_{v-1} + I_{v+1})/2,  I_v'' = (I_{v-2} + 2 I_v + I_{v+2})/4
#   K_v' = -(K_{v-1} + K_{v+1})/2, K_v'' = (K_{v-2} + 2 K_v + K_{v+2})/4
# (no division by x, so exact at 0); the scaled ones by the product rule:
#   ive = iv e^-|x|: ive' = e^-|x| (I' - s I), ive'' = e^-|x| (I'' - 2 s I' + I), s = sign x
#   kve = kv e^x:    kve' = e^x (K' + K),       kve'' = e^x (K'' + 2 K' + K)
def _bessel(family: str, scaled: bool) -> Callable[..., Arrays]:
    def rule(f0: Any, v: Any, x: Any) -> Arrays:
        sc = _sc()
        fn = {"j": sc.jv, "y": sc.yv, "i": sc.ive if scaled else sc.iv}.get(family)
        if family == "k":
            fn = sc.kve if scaled else sc.kv
        assert fn is not None
        m2, m1, p1, p2 = fn(v - 2, x), fn(v - 1, x), fn(v + 1, x), fn(v + 2, x)
        if family in "jy":
            return (m1 - p1) / 2, (m2 - 2 * f0 + p2) / 4
        if family == "i":
            d1, d2 = (m1 + p1) / 2, (m2 + 2 * f0 + p2) / 4
            if not scaled:
                return d1, d2
            s = np.sign(x.real) if np.iscomplexobj(x) else np.sign(x)
            return d1 - s * f0, d2 - 2 * s * d1 + f0
        d1, d2 = -(m1 + p1) / 2, (m2 + 2 * f0 + p2) / 4
        if not scaled:
            return d1, d2
        return d1 + f0, d2 + 2 * d1 + f0

    return rule


def _fixed_order(rule: Callable[..., Arrays], v: float) -> Callable[..., Arrays]:
    """j0, i1e, ... as jv, ive, ... of the constant order v."""

    def fixed(f0: Any, x: Any) -> Arrays:
        return rule(f0, np.float64(v), x)

    return fixed


def _entries() -> list[tuple[tuple[str, ...], Entry]]:
    """(scipy.special names, entry) of every function the table covers."""
    x = ("x",)
    j, y, i, k = (_bessel(f, False) for f in "jyik")
    ie, ke = _bessel("i", True), _bessel("k", True)
    return [
        (("psi", "digamma"), Entry("psi", x, (0,), _digamma)),
        (("gamma",), Entry("gamma", x, (0,), _gamma)),
        (("loggamma",), Entry("loggamma", x, (0,), _loggamma)),
        (("rgamma",), Entry("rgamma", x, (0,), _rgamma)),
        (("beta",), Entry("beta", ("a", "b"), (0, 1), _beta)),
        (("betaln",), Entry("betaln", ("a", "b"), (0, 1), _betaln)),
        (("gammainc",), Entry("gammainc", ("a", "x"), (1,), _gammainc)),
        (("gammaincc",), Entry("gammaincc", ("a", "x"), (1,), _gammaincc)),
        (("xlogy",), Entry("xlogy", ("x", "y"), (0, 1), _xlogy, complex=True)),
        (("xlog1py",), Entry("xlog1py", ("x", "y"), (0, 1), _xlog1py, complex=True)),
        (("entr",), Entry("entr", x, (0,), _entr)),
        (("rel_entr",), Entry("rel_entr", ("x", "y"), (0, 1), _relative_entropy(False))),
        (("kl_div",), Entry("kl_div", ("x", "y"), (0, 1), _relative_entropy(True))),
        (("ndtr",), Entry("ndtr", x, (0,), _ndtr)),
        (("log_ndtr",), Entry("log_ndtr", x, (0,), _log_ndtr)),
        (("ndtri",), Entry("ndtri", ("y",), (0,), _ndtri)),
        (("erfinv",), Entry("erfinv", ("y",), (0,), _erfinv)),
        (("erfcinv",), Entry("erfcinv", ("y",), (0,), _erfcinv)),
        (("erfcx",), Entry("erfcx", x, (0,), _erfcx, complex=True)),
        (("erf",), Entry("erf", ("z",), (0,), _erf, complex=True)),
        (("erfc",), Entry("erfc", x, (0,), _erfc, complex=True)),
        (("erfi",), Entry("erfi", ("z",), (0,), _erfi, complex=True)),
        (("dawsn",), Entry("dawsn", x, (0,), _dawsn, complex=True)),
        (("exp1",), Entry("exp1", ("z",), (0,), _exp1, complex=True)),
        (("expi",), Entry("expi", x, (0,), _expi, complex=True)),
        (("log_expit",), Entry("log_expit", x, (0,), _log_expit)),
        (("spence",), Entry("spence", ("z",), (0,), _spence)),
        (("i0",), Entry("i0", x, (0,), _fixed_order(i, 0))),
        (("i1",), Entry("i1", x, (0,), _fixed_order(i, 1))),
        (("i0e",), Entry("i0e", x, (0,), _fixed_order(ie, 0))),
        (("i1e",), Entry("i1e", x, (0,), _fixed_order(ie, 1))),
        (("j0",), Entry("j0", x, (0,), _fixed_order(j, 0))),
        (("j1",), Entry("j1", x, (0,), _fixed_order(j, 1))),
        (("y0",), Entry("y0", x, (0,), _fixed_order(y, 0))),
        (("y1",), Entry("y1", x, (0,), _fixed_order(y, 1))),
        (("k0",), Entry("k0", x, (0,), _fixed_order(k, 0))),
        (("k1",), Entry("k1", x, (0,), _fixed_order(k, 1))),
        (("k0e",), Entry("k0e", x, (0,), _fixed_order(ke, 0))),
        (("k1e",), Entry("k1e", x, (0,), _fixed_order(ke, 1))),
        (("jv", "jn"), Entry("jv", ("v", "z"), (1,), j, complex=True)),
        (("yv",), Entry("yv", ("v", "z"), (1,), y, complex=True)),
        (("iv",), Entry("iv", ("v", "z"), (1,), i, complex=True)),
        (("ive",), Entry("ive", ("v", "z"), (1,), ie)),
        (("kv",), Entry("kv", ("v", "z"), (1,), k, complex=True)),
        (("kve",), Entry("kve", ("v", "z"), (1,), ke, complex=True)),
    ]


# Private ufuncs scipy's Python functions call (scipy.special.zeta calls _zeta or
# _riemann_zeta), with the public name and the rule.
def _private_entries() -> list[tuple[str, Entry]]:
    return [
        ("_zeta", Entry("zeta", ("x", "q"), (1,), _hurwitz_zeta_in_q)),
        # Riemann zeta(x): its derivative in x is no scipy function
        ("_riemann_zeta", Entry("zeta", ("x",), (), _hurwitz_zeta_in_q)),
        ("zetac", Entry("zetac", ("x",), (), _hurwitz_zeta_in_q)),
    ]


@functools.cache
def table() -> dict[np.ufunc, Entry]:
    """The scipy.special ufuncs this module differentiates (empty without scipy)."""
    try:
        import scipy.special
        import scipy.special._ufuncs as private
    except ImportError:
        return {}
    found: dict[np.ufunc, Entry] = {}
    for names, entry in _entries():
        for name in names:
            ufunc = getattr(scipy.special, name, None)
            if isinstance(ufunc, np.ufunc):
                found[ufunc] = entry
    for name, entry in _private_entries():
        ufunc = getattr(private, name, None)
        if isinstance(ufunc, np.ufunc):
            found[ufunc] = entry
    return found


def names(complex_values: bool = False) -> list[str]:
    """Public names (scipy.special.x) of the functions the table differentiates (of
    complex values: the holomorphic ones with scipy's complex loops)."""
    if not table():
        return []
    listed = [*_entries(), *(((e.name,), e) for _, e in _private_entries())]
    return sorted(
        {
            f"scipy.special.{name}"
            for aliases, e in listed
            if e.dual and (e.complex or not complex_values)
            for name in aliases
        }
    )


def _kind(cls: Any) -> Any:
    """What _core.chain_* takes for a kind: its index, or a Jet's layout."""
    return cls._kind if cls._kind >= 0 else cls._layout


def _wide(value: Any) -> np.ndarray:
    """A value in float64 or complex128 (derivatives are computed there)."""
    arr = np.asarray(value)
    return arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64, copy=False)


def _planes(x: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """A dual operand's planes in dtype, broadcast to shape, C-contiguous."""
    data = x._data.astype(dtype, copy=False)
    if data.shape[1:] != shape:
        data = np.broadcast_to(
            data.reshape(data.shape[:1] + (1,) * (len(shape) + 1 - data.ndim) + data.shape[1:]),
            data.shape[:1] + shape,
        )
    return np.ascontiguousarray(data)


def _ready(d: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    return np.ascontiguousarray(np.broadcast_to(np.asarray(d).astype(dtype, copy=False), shape))


def apply(ufunc: np.ufunc, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """ufunc(*inputs) for a table function with dual arrays among the inputs."""
    entry = table()[ufunc]
    DualArray = _dual_type()
    name = f"scipy.special.{entry.name}"
    kwargs = dict(kwargs)
    out = kwargs.pop("out", None)
    _check_kwargs(ufunc, kwargs)
    if len(inputs) != len(entry.args):
        raise TypeError(f"{name} takes {len(entry.args)} arguments, not {len(inputs)}")
    duals = [n for n, a in enumerate(inputs) if isinstance(a, DualArray)]
    for n in duals:
        if n not in entry.dual:
            where = (
                f"only in {' and '.join(entry.args[d] for d in entry.dual)}"
                if entry.dual
                else "in none of its arguments (no closed form in scipy)"
            )
            raise TypeError(
                f"hyperdiff cannot differentiate {name} in its argument {entry.args[n]} "
                f"(a dual array here): {name} is differentiable {where}"
            )
    inputs = list(inputs)
    if len(duals) == 2 and type(inputs[duals[0]]) is not type(inputs[duals[1]]):
        from ._multivariate import unify

        inputs[duals[0]], inputs[duals[1]] = unify((inputs[duals[0]], inputs[duals[1]]))
        if type(inputs[duals[0]]) is not type(inputs[duals[1]]):
            from ._arrays import combine_error

            raise combine_error(name, type(inputs[duals[0]]), type(inputs[duals[1]]))
    cls = type(inputs[duals[0]])
    values = [
        a._data[0] if isinstance(a, DualArray) else a if np.isscalar(a) else np.asarray(a)
        for a in inputs
    ]
    f0 = np.asarray(ufunc(*values))  # scipy's own value
    dtype = check_component_dtype(f0.dtype)
    if dtype.kind == "c" and not entry.complex:
        raise TypeError(f"hyperdiff does not support {name} of complex values on dual arrays")
    shape = f0.shape
    wide = [_wide(v) for v in values]
    f0_wide = f0 if f0.dtype == _wide(f0).dtype else np.asarray(ufunc(*wide))
    derivatives = entry.rule(f0_wide, *wide)
    if len(entry.dual) == 2 and len(duals) == 1:  # one of two dual arguments is constant
        fx, fy, fxx, _, fyy = derivatives
        derivatives = (fx, fxx) if duals[0] == entry.dual[0] else (fy, fyy)
    parts = [_ready(d, dtype, shape) for d in (f0, *derivatives)]
    target_out = _output(out, cls, dtype, shape)
    result = np.empty((cls._planes, *shape), dtype=dtype)
    if len(duals) == 1:
        x = _planes(inputs[duals[0]], dtype, shape)
        _core.chain_unary(_kind(cls), x, *parts, result)
    else:
        x = _planes(inputs[duals[0]], dtype, shape)
        y = _planes(inputs[duals[1]], dtype, shape)
        _core.chain_binary(_kind(cls), x, True, y, True, parts, result)
    return _store(target_out, cls, result)
