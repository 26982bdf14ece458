"""Round fifteen: derivatives where an intermediate over- or underflows but the derivative
does not (thresholds). Each family was silently wrong before its fix:

1. Taylor planes (derivative(order >= 3), hd.taylor) of x ** p, np.power, np.float_power
   where x^p leaves the float range: the recurrence x z' = p z x' starts from z_0 = x^p,
   so at x = 1e-300, p = 2.5 (z_0 and z_1 underflow to 0) every later plane was 0 where
   d^3/dx^3 x^2.5 = 1.875e150; at x = 1e154 (z_0 = inf) the third derivative was nan
   for 1.875e-77; 2 ** t at t = 1024.2 (2^t = inf) gave inf for ln(2)^3 2^t = 6.9e307.
   Such points now run the recurrence in long double (float64) or double (float32)
   (integer exponents, whose products were right, among them).
2. np.exp2 (and scipy.special.exp2) between 1024 and 1025.06 (float32 128 .. 129.06),
   where 2^x is inf but ln2 2^x and ln2^2 2^x are finite: f' and f'' were inf, and so
   were the Taylor planes (ln2^k 2^x, finite to 1027.2 at k = 6).
3. Complex arcsin, arccos beyond |z| = 1.3e154, where (1 - z)(1 + z) overflows: f' was
   1/sqrt(inf) = 0 (on the real axis) or nan (off it), where it is ~ 1/z: 1e-155 i at
   1e155. arctanh's f' (~ -1/z^2, subnormal there) and f'' (2 z f'^2: 2z overflowed to
   nan at 1e308) alike.
4. Complex log10 beyond |z| = 7.8e307: f' = 1/(z ln 10) with z ln 10 overflowing was 0
   for 4.3e-309 (subnormal, but the only nonzero part there).
5. scipy.special.xlogy in y at a subnormal y: fy = x (1/y) overflowed with 1/y
   (xlogy(1e-300, y)' at y = 1e-310 was inf for 1e10), fyy = -(x (1/y)) (1/y) likewise
   (-inf for -a/y^2 = -6.6e296 at a = 8e-323, y = 3.5e-310).
6. scipy.special.powm1(x, y) in y where x^y overflows (x < e): fy = (x^y) log x was inf
   for 1.43e308 at powm1(2, 1024.2); now (x^(y-1) log x) x there.
7. scipy.special.exprel beyond x = 709.78 (float32 88.7), where e^x overflows but
   exprel' = (e^x (x - 1) + 1)/x^2 is finite up to 716.3: inf for 3.1e305 at 710.
8. Taylor planes (orders >= 3) of arctan, arcsinh, arccosh (real and complex), arcsin,
   arccos, arctanh (complex) where x^2 overflows: h = 1 +- x^2 was inf and 0 * inf made
   nan (arctan's third derivative at 1.7e308, float32 3e38; complex arcsin's at
   1e155 (1 + i)), and along a direction as large as the point (arcsinh(x (1 + t)),
   whose derivatives are (-1)^(k-1) (k-1)!) every plane was nan; erf, erfc, ndtr at
   |x| > 9e307 (float32 1.7e38) likewise nan for 0.
9. Taylor planes of expit (so log_expit's, whose derivative is expit(-x)) and of
   logaddexp, logaddexp2 near a zero of 1 - 2s (x = 0; x = y): w = s (1 - s) as the
   Leibniz sum of s and 1 - s cancelled to s_1 ((1 - s_0) - s_0), so the derivatives
   that vanish there like x (the second and fourth of expit, the third of log_expit and
   of logaddexp(t, 0)) lost every digit below |x| ~ 1e-16: 0 for -1.25e-21 at 1e-20
   (6e-9 off at 1e-8). Now w = (1 - d^2)/4, d = 1 - 2s = -tanh(x/2) without cancellation.

References: closed forms evaluated by mpmath at 50 digits (never hyperdiff).
"""

from __future__ import annotations

import operator
from typing import Any

import mpmath as mp
import numpy as np
import pytest
import scipy.special as sc

import hyperdiff as hd

MP_DPS = 50


def _close(got: Any, want: Any, rel: float = 1e-13) -> bool:
    """got (a float or complex) within rel of mpmath's want, both overflowing alike, or
    within a few subnormals where want is subnormal."""
    got = complex(got)
    want_c = mp.mpc(want)
    if abs(want_c) > 1.7976931348623157e308:
        return bool(np.isinf(abs(got)))
    if not np.isfinite(got):
        return False
    err = abs(mp.mpc(got) - want_c)
    return bool(err <= rel * abs(want_c) + 8 * 5e-324)


POWERS = [np.power, np.float_power, operator.pow]
POWER_IDS = ["power", "float_power", "pow"]


@pytest.mark.parametrize("power", POWERS, ids=POWER_IDS)
@pytest.mark.parametrize(
    ("x", "p"),
    [
        (1e-300, 2.5),  # x^p and its first derivative underflow
        (1e-200, 2.5),
        (5e-324, 2.5),
        (1e200, 3.0),  # x^3 overflows (an integer exponent: products, right before too)
        (-1e200, 3.0),
        (1e300, 1.5),  # x^p overflows
        (1e154, 2.5),
        (1e-160, 4.0),  # x^4 underflows, its third derivative 24 x is 2.4e-159
    ],
)
@pytest.mark.parametrize("order", [3, 4, 5])
def test_power_taylor_planes_beyond_the_range(power: Any, x: float, p: float, order: int) -> None:
    with np.errstate(all="ignore"):
        got = hd.derivative(lambda t: power(t, p), order=order)(np.array([x, 0.7]))
    with mp.workdps(MP_DPS):
        for xi, gi in zip((x, 0.7), got, strict=True):
            want = mp.ff(p, order) * mp.mpf(xi) ** (mp.mpf(p) - order)
            assert _close(gi, want), (xi, gi, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("power", POWERS, ids=POWER_IDS)
@pytest.mark.parametrize("order", [3, 4, 6])
def test_power_of_a_constant_base_beyond_the_range(dtype: Any, power: Any, order: int) -> None:
    # b^t overflows while ln(b)^k b^t does not (b < e)
    big = 1024.0 if dtype == np.float64 else 128.0
    cases = [(2.0, big + 0.2), (2.0, big + 0.5), (1.5, big * np.log(2) / np.log(1.5) + 0.3)]
    for b, t in cases:
        t = dtype(t)
        with np.errstate(all="ignore"):
            got = hd.derivative(lambda s, b=b: power(dtype(b), s), order=order)(
                np.array([t, 1.0], dtype=dtype)
            )
        out = power(dtype(b), np.ones(1, dtype)).dtype  # (float_power's is float64)
        assert got.dtype == out
        with mp.workdps(MP_DPS):
            want = mp.log(b) ** order * mp.power(b, mp.mpf(float(t)))
        rel = 1e-13 if dtype == np.float64 else 1e-5
        if abs(want) > np.finfo(out).max:
            assert np.isinf(got[0])
        else:
            assert _close(got[0], want, rel), (b, t, got[0], want)


def test_power_with_a_moving_exponent_beyond_the_range() -> None:
    # t ** (2.5 + 0 t): the exponent carries (zero) parts, the general recurrence z' = z l'
    with np.errstate(all="ignore"):
        got = hd.derivative(lambda t: t ** (2.5 + 0 * t), order=3)(np.array([1e-300, 0.7]))
        got_base = hd.taylor(lambda t: (2.0 + 0 * t) ** t, np.array(1024.2), 1.0, 4)
    with mp.workdps(MP_DPS):
        assert _close(got[0], mp.ff(2.5, 3) * mp.mpf(1e-300) ** mp.mpf(-0.5))
        for k in range(1, 5):
            assert _close(got_base[k], mp.log(2) ** k * mp.power(2, mp.mpf(1024.2)))


@pytest.mark.parametrize("order", [1, 2])
def test_powm1_in_its_exponent_beyond_the_overflow(order: int) -> None:
    y = np.array([1024.2, 1024.5, 1025.0, 3.0])
    with np.errstate(all="ignore"):
        got = hd.derivative(lambda t: sc.powm1(2.0, t), order=order)(y)
    with mp.workdps(MP_DPS):
        for yi, gi in zip(y, got, strict=True):
            assert _close(gi, mp.log(2) ** order * mp.power(2, mp.mpf(yi))), (yi, gi)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("exp2", [np.exp2, sc.exp2], ids=["numpy", "scipy"])
@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_exp2_derivatives_beyond_its_overflow(dtype: Any, exp2: Any, order: int) -> None:
    if exp2 is sc.exp2 and order > 2:
        pytest.skip("scipy.special.exp2 stops at order 2")
    big = 1024.0 if dtype == np.float64 else 128.0
    x = np.array([big + 0.2, big + 0.5, big + 1.0, big + 2.5, 3.0], dtype=dtype)
    with np.errstate(all="ignore"):
        got = hd.derivative(exp2, order=order)(x)
    assert got.dtype == dtype
    rel = 1e-13 if dtype == np.float64 else 1e-5
    with mp.workdps(MP_DPS):
        for xi, gi in zip(x, got, strict=True):
            want = mp.log(2) ** order * mp.power(2, mp.mpf(float(xi)))
            if abs(want) > np.finfo(dtype).max:
                assert np.isinf(gi)
            else:
                assert _close(gi, want, rel), (xi, gi, want)


HUGE_Z = [1e155 + 1e155j, 3e200 - 2e200j, -8e307 + 6e307j, 1e-5 + 1e160j, 1e200 + 0j, -1e300 - 0j]


@pytest.mark.parametrize(
    ("f", "prime"),
    [
        (np.arcsin, lambda z: 1 / mp.sqrt(1 - z * z)),
        (np.arccos, lambda z: -1 / mp.sqrt(1 - z * z)),
        (np.arctanh, lambda z: 1 / (1 - z * z)),
        (np.log10, lambda z: 1 / (z * mp.log(10))),
    ],
    ids=["arcsin", "arccos", "arctanh", "log10"],
)
def test_complex_inverse_functions_at_huge_arguments(f: Any, prime: Any) -> None:
    z = np.array(HUGE_Z)
    with np.errstate(all="ignore"):
        got = hd.derivative(f, holomorphic=True)(z)
        got2 = hd.derivative(f, order=2, holomorphic=True)(z)
    with mp.workdps(MP_DPS):
        for zi, gi, g2 in zip(z, got, got2, strict=True):
            w = mp.mpc(complex(zi))
            want = prime(w)
            # numpy's branch on the real axis (z + 0j beyond 1): the limit from above
            if zi.imag == 0 and f is not np.log10 and abs(zi.real) > 1:
                side = -1 if np.signbit(zi.imag) else 1
                want = prime(w + mp.mpc(0, side) * abs(w) * mp.mpf(10) ** -30)
            assert _close(gi, want, 1e-12), (zi, gi, complex(want))
            assert np.isfinite(g2) and abs(g2) <= 2 * abs(complex(want)) / abs(zi) + 1e-300


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_xlogy_partials_in_a_subnormal_y(dtype: Any) -> None:
    finfo = np.finfo(dtype)
    x = dtype(1e-300) if dtype == np.float64 else dtype(1e-37)
    a = 16 * finfo.smallest_subnormal  # xlogy(a, y)'' = -a/y^2: finite at a subnormal y
    y = np.array([finfo.smallest_normal / 64, finfo.smallest_normal / 4096, 0.5], dtype=dtype)
    with np.errstate(all="ignore"):
        fy = hd.derivative(lambda v: sc.xlogy(x, v))(y)
        fyy = hd.derivative(lambda v: sc.xlogy(a, v), order=2)(y)
    rel = 1e-13 if dtype == np.float64 else 1e-5
    with mp.workdps(MP_DPS):
        for yi, got, got2 in zip(y, fy, fyy, strict=True):
            ym = mp.mpf(float(yi))
            assert _close(got, mp.mpf(float(x)) / ym, rel), (yi, got)
            want = -mp.mpf(float(a)) / ym**2
            if abs(want) > finfo.max:
                assert np.isinf(got2) and got2 < 0
            else:
                assert _close(got2, want, rel), (yi, got2, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exprel_derivatives_where_exp_overflows(dtype: Any) -> None:
    edge = 709.0 if dtype == np.float64 else 88.0
    x = np.array([edge + 1, edge + 2, edge + 5, edge - 20, 3.0], dtype=dtype)
    with np.errstate(all="ignore"):
        f1 = hd.derivative(sc.exprel)(x)
        f2 = hd.derivative(sc.exprel, order=2)(x)
    rel = 1e-13 if dtype == np.float64 else 1e-5
    with mp.workdps(MP_DPS):
        for xi, a, b in zip(x, f1, f2, strict=True):
            t = mp.mpf(float(xi))
            e = mp.exp(t)
            first, second = (e * (t - 1) + 1) / t**2, (e * (t * t - 2 * t + 2) - 2) / t**3
            for got, want in ((a, first), (b, second)):
                if abs(want) > np.finfo(dtype).max:
                    assert np.isinf(got)
                else:
                    assert _close(got, want, rel), (xi, got, want)


@pytest.mark.parametrize(
    ("f", "mf"),
    [(np.arctan, mp.atan), (np.arcsinh, mp.asinh), (np.arccosh, mp.acosh)],
    ids=["arctan", "arcsinh", "arccosh"],
)
@pytest.mark.parametrize("x0", [1.7e308, 1e300, 1e200, 1e160])
def test_inverse_function_planes_along_a_huge_direction(f: Any, mf: Any, x0: float) -> None:
    # f(x0 (1 + t)): planes of order 1 (arcsinh, arccosh: ~1) to 4, none beyond the range
    with np.errstate(all="ignore"):
        got = hd.taylor(f, np.array(x0), x0, 4)
    with mp.workdps(700):
        for k in range(2, 5):
            want = mp.diff(lambda t: mf(mp.mpf(x0) * (1 + t)), 0, k)
            assert _close(got[k], want, 1e-12), (k, got[k], want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "f", [np.arctan, np.arcsinh, np.arccosh, sc.erf, sc.erfc, sc.ndtr], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("order", [3, 4])
def test_unit_seed_planes_at_the_largest_floats(dtype: Any, f: Any, order: int) -> None:
    # every derivative of order >= 2 is far below the smallest subnormal there: 0, not nan
    top = np.finfo(dtype).max
    x = np.array([top, top / 3, -top, 0.5], dtype=dtype)
    with np.errstate(all="ignore"):
        got = hd.derivative(f, order=order)(x)
        values = f(x)
    for xi, vi, gi in zip(x[:3], values[:3], got[:3], strict=True):
        if np.isnan(vi):
            assert np.isnan(gi)  # (arccosh below 1)
        else:
            assert gi == 0, (xi, gi)


@pytest.mark.parametrize(
    ("f", "third"),
    [
        (np.arcsin, lambda z: (1 + 2 * z * z) / (1 - z * z) ** mp.mpf(2.5)),
        (np.arctan, lambda z: (6 * z * z - 2) / (1 + z * z) ** 3),
        (np.arcsinh, lambda z: (2 * z * z - 1) / (1 + z * z) ** mp.mpf(2.5)),
        (np.arctanh, lambda z: (6 * z * z + 2) / (1 - z * z) ** 3),
    ],
    ids=["arcsin", "arctan", "arcsinh", "arctanh"],
)
def test_complex_third_derivatives_at_huge_arguments(f: Any, third: Any) -> None:
    z = np.array([*HUGE_Z[:4], 1e16 + 1e15j])
    with np.errstate(all="ignore"):
        got = hd.derivative(f, order=3, holomorphic=True)(z)
    with mp.workdps(MP_DPS):
        for zi, gi in zip(z, got, strict=True):
            assert _close(gi, third(mp.mpc(complex(zi))), 1e-12), (zi, gi)


def _logistic_derivative(x: Any, k: int) -> Any:
    """d^k/dx^k s(x), s = 1/(1 + e^-x), at 400 digits (1 - 2s ~ -x/2 at x = 1e-300)."""
    with mp.workdps(400):
        s = 1 / (1 + mp.exp(-mp.mpf(x)))
        d = 1 - 2 * s
        w = s * (1 - s)
        forms = {0: s, 1: w, 2: w * d, 3: w * (1 - 6 * w), 4: w * d * (1 - 12 * w)}
        return forms[k]


TINY_X = [1e-300, -1e-100, 1e-20, -1e-12, 1e-8, 0.3, -7.5, 30.0]


@pytest.mark.parametrize(
    ("f", "shift", "scale"),
    [
        (sc.expit, 0, 1.0),
        (sc.log_expit, 1, -1.0),  # log_expit^(k) = -s^(k-1) (k >= 2)
        (lambda t: np.logaddexp(t, 0.0), 1, 1.0),
        (lambda t: np.logaddexp(0.0, t), 1, 1.0),  # (the first argument the constant)
    ],
    ids=["expit", "log_expit", "logaddexp", "logaddexp_y"],
)
@pytest.mark.parametrize("order", [2, 3, 4, 5])
def test_logistic_taylor_planes_near_their_zero(
    f: Any, shift: int, scale: float, order: int
) -> None:
    if not 1 <= order - shift <= 4:
        pytest.skip("closed forms to the fourth derivative of s")
    x = np.array(TINY_X)
    with np.errstate(all="ignore"):
        got = hd.derivative(f, order=order)(x)
        plane = [hd.taylor(f, np.array(v), 1.0, order)[order] for v in x[:3]]
    for xi, gi in zip(x, got, strict=True):
        want = scale * _logistic_derivative(xi, order - shift)
        assert _close(gi, want, 1e-13), (xi, gi, want)
    for xi, gi in zip(x[:3], plane, strict=True):
        assert _close(gi, scale * _logistic_derivative(xi, order - shift), 1e-13), (xi, gi)


@pytest.mark.parametrize("order", [2, 3, 4])
def test_logaddexp2_taylor_planes_near_a_tie(order: int) -> None:
    x = np.array(TINY_X)
    with np.errstate(all="ignore"):
        got = hd.derivative(lambda t: np.logaddexp2(t, 0.0), order=order)(x)
    with mp.workdps(400):
        ln2 = mp.log(2)
        for xi, gi in zip(x, got, strict=True):  # ln2^(k-1) s^(k-1)(x ln2)
            want = ln2 ** (order - 1) * _logistic_derivative(mp.mpf(xi) * ln2, order - 1)
            assert _close(gi, want, 1e-13), (xi, gi, want)
