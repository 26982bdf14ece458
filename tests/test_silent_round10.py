"""Silent wrong derivatives of the scipy.special table found by a sweep of it against
mpmath (bench/special_sweep.py), each family against mpmath or closed forms.

1. Partials built as numpy code on dual arrays (besselpoly, hyperu, wright_bessel in
   their parameters, the orthogonal polynomials' recurrences) were made nan where their
   formula does not run by `out * nan`, which keeps zero planes 0: besselpoly(a, lmb,
   nu) at a = inf (scipy: inf) had the parts 0 in lmb and nu.
2. bdtr / bdtrc in p: the density was taken at 1 - p, rounded: bdtrc(3, 10, p) ~ p^4 had
   its parts 6e-9 off at p = 1e-8 and 0 below p = 1e-17.
3. berp / beip (and kelvin's ber' + i bei') near 0: their derivatives by the recurrences
   -ber'/x, ber'/x^2 cancel to eps/x: beip'' at 3e-160 was -2.5e154 (truly ~0), berp's
   parts at -3e-278 nan.
4. zeta(s) (zetac) and zeta(s, q) in s beyond s ~ 1e100: nan parts (truly 0 where q^-s
   underflows, -log(q) q^-s where it does not).
5. eval_legendre / eval_sh_legendre at non-integer degrees near x = -1: P' = C^(3/2)_(n-1),
   scipy's 2F1 there, is inf from x = -0.998 on (truly 130 at n = 0.7).
6. Edges of elementary-looking rules: exprel'' far below 0 (x^3 overflowed: nan at -1e200),
   erfcx beyond 1e154 (an OverflowError from the start of its ratios), elliprc(x, y) at
   y < 0 (scipy's Cauchy principal value: nan parts, though its closed forms hold there).
7. Series on dual arrays whose value's terms carry a factor 0 or tiny (1F1(a; b; x),
   2F1 in a at a = 0 or 1e-26): the value settled at once and stopped the parts' series
   after 7 terms: d/da 1F1(a; 1.3; 0.8) at a = 0 was 4e-7 off, 2F1's 9e-6.
8. betainc in a tiny shape on the complement's side (I = 1 - I_(1-x)(b, a)): log B(p + 1,
   q) ~ -log q cancelled in the second parts: d2/da2 betainc(a, 0.7, 0.7) at a = 1e-20
   was 1.73, truly 1.12.
9. agm(a, b) at b/a below 1e-77: M_aa, M_ab from h'' ~ g''/p^2 (p = (b/a)^2) overflowed
   or underflowed: inf, or nan at agm(4e254, 0.7) (truly ~1e-260).
10. beta(a, b)'s mixed partial at a small shape: B (la lb - psi1(a + b)) cancels (B ~ 1/a,
    B_ab ~ 1): 39% off at (1e-8, 0.5), 18 times the answer at (1e-6, 3e-6).
11. eval_jacobi / eval_sh_jacobi in their parameters where a + b is near -k (k = 2 .. n):
    the recurrence divides by k + a + b: d2/da2 8e-9 off at a + b = -3 + 1e-2, 1500 times
    the answer at -3 + 1e-6, nan at -3 (scipy's value fine).
12. yv (hankel1/2) in its order at tiny x by Schlaefli's tail integral: a cliff at
    t = asinh(1/x) between its Gauss nodes, a truncation error its rounding bound does not
    see: d/dv Y_v(1.4e-108) at v = 1.5e-68 was -2.89 (truly -pi/2 J_0 = -1.571).
13. The orthogonal polynomials in their degree n near a negative integer (binom(n + a, n),
    Gamma(n + 2a)/Gamma(n + 1): their psi terms cancel by 1/d^2): d2/dn2 eval_laguerre at
    n = -2 + 1e-10 was -5.15 (truly 0.49); refused within 1e-3 now.
14. binom(n, k) near a pole of Gamma(k + 1) or Gamma(n - k + 1): scipy's psi there rounds
    pi x to eps/d of the distance d: binom(0.7, k)' at k = -5 + 8e-8 was 7.5e-9 off.
15. gamma, beta, betaln, poch near the poles of Gamma (x = -3 + 1e-8): scipy's psi there
    (2.6e-9 off), and poch's psi form (u^2 - psi1 cancels by 1/d): gamma' 2.6e-9 off,
    poch(z, 2.5) in z'' 21% off at z = -3 + 1e-8, poch(z, 1)' 2.6e-8 off.
16. sindg / cosdg beyond |x| = 1e14 (scipy's cosdg, sindg there are cephes' total-loss 0,
    the rules took them: sindg' 0) and struve far out (H_(v+1) cancels its power term:
    struve(0.7, x)' at 4.5e77 was 6e38, truly ~1e-39).
17. Underflow against overflow: kolmogorov's parts at y = 1e-102 (e^(-c/y^2) 0 times 1/y^7
    inf: nan, truly 0), voigt_profile's in x beyond 1e154 (zeta^2 overflowed: nan).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import mpmath as mp
import numpy as np
import pytest

import hyperdiff as hd

sc = pytest.importorskip("scipy.special")


def _close(got: float, want: float, rtol: float = 1e-12, atol: float = 0.0) -> bool:
    return abs(got - want) <= rtol * abs(want) + atol


def test_parts_are_nan_where_the_formula_does_not_run() -> None:
    """besselpoly at a = inf (scipy's value inf) in lmb and nu: every part nan (the mask
    used to leave the zero planes 0), and a finite point alongside keeps its parts."""
    a = np.array([np.inf, 0.7])
    for i, j in ((1, 1), (1, 2), (2, 2)):
        args: list = [a, np.array([1.3, 1.3]), np.array([0.8, 0.8])]
        if i == j:
            args[i] = hd.hyperdual(args[i], 1.0, 1.0)
        else:
            args[i] = hd.hyperdual(args[i], 1.0, 0.0)
            args[j] = hd.hyperdual(args[j], 0.0, 1.0)
        out = sc.besselpoly(*args)
        assert np.isinf(out.value[0])
        assert np.all(np.isnan([out.e1[0], out.e2[0], out.e12[0]])), (i, j, out._stack[:, 0])
        assert np.all(np.isfinite(out._stack[:, 1]))


def test_binomial_cdf_in_p_near_zero() -> None:
    """d/dp bdtrc(k, n, p) = p^k (1-p)^(n-k-1) / B(k+1, n-k) and its derivative (bdtr's
    the negatives), relative to their size at p = 1e-8 .. 1e-200."""
    k, n = 3.0, 10  # (an integer n: scipy's float loop for n is deprecated)
    p = np.array([1.47746e-8, 3e-12, 1e-20, 1e-200])
    with mp.workdps(40):
        for name, sign in (("bdtrc", 1), ("bdtr", -1)):
            out = getattr(sc, name)(k, n, hd.hyperdual(p, 1.0, 1.0))
            for i, x in enumerate(p):
                q = mp.mpf(x)
                b = mp.beta(k + 1, n - k)
                d1 = q**3 * (1 - q) ** 6 / b
                d2 = (3 * q**2 * (1 - q) ** 6 - 6 * q**3 * (1 - q) ** 5) / b
                assert _close(out.e1[i], sign * float(d1)), (name, x, out.e1[i], d1)
                assert _close(out.e12[i], sign * float(d2)), (name, x, out.e12[i], d2)


def _kelvin_reference(x: float, real: bool, m: int) -> float:
    """The m-th derivative of ber' (real) or bei' at x: mpmath's of ber + i bei =
    J0(x e^(3 pi i / 4)) at 40 digits; below 1e-8 the leading terms of its series."""
    if abs(x) < 1e-8:  # ber' = -x^3/16 + ..., bei' = x/2 - x^5/384 + ...
        coefficients = {True: (-1 / 16, 3), False: (1 / 2, 1)}[real]
        c, p = coefficients
        return c * math.perm(p, m) * x ** (p - m) if p >= m else 0.0
    w = mp.expjpi(mp.mpf(3) / 4)
    part = mp.re if real else mp.im
    return float(mp.diff(lambda t: part(-w * mp.besselj(1, t * w)), mp.mpf(x), m))


def test_kelvin_derivatives_near_zero() -> None:
    """berp, beip and kelvin's third output (ber' + i bei') at |x| < 1 and beyond:
    f' and f'' against mpmath, relative (absolute 1e-300 below 1e-8)."""
    x = np.array([3.36e-160, -2.6e-278, 1e-3, 4.6e-4, -0.7, 0.99, 2.5])
    outs = {
        True: sc.berp(hd.hyperdual(x, 1.0, 1.0)),
        False: sc.beip(hd.hyperdual(x, 1.0, 1.0)),
    }
    both = sc.kelvin(hd.hyperdual(x, 1.0, 1.0))[2]
    with mp.workdps(40):
        for i, xi in enumerate(x):
            for real, out in outs.items():
                own = both.real if real else both.imag
                for m, got in ((1, out.e1[i]), (2, out.e12[i])):
                    want = _kelvin_reference(float(xi), real, m)
                    assert _close(got, want, 1e-11, 1e-300), (real, xi, m, got, want)
                    kelvin_part = (own.e1 if m == 1 else own.e12)[i]
                    assert _close(kelvin_part, want, 1e-11, 1e-300), (real, xi, m, kelvin_part)


def _zeta_of_s(s: object, q: float) -> object:
    return mp.zeta(s, q)


def test_zeta_in_s_far_out() -> None:
    """zeta(s), zetac(s), zeta(s, q) in s for s from 2000 to 1e300: -log(q) q^-s and
    log(q)^2 q^-s (0 at q = 1), against mpmath; the q-partial alongside stays finite."""
    s = np.array([2000.0, 1e10, 1e100, 1e300])
    for f in (sc.zeta, sc.zetac):
        out = f(hd.hyperdual(s, 1.0, 1.0))
        np.testing.assert_array_equal(out.e1, 0.0)
        np.testing.assert_array_equal(out.e12, 0.0)
    with mp.workdps(40):
        for s0, q0 in ((2000.0, 1.2), (5000.0, 3.5), (1e100, 1.0)):
            out = sc.zeta(hd.hyperdual(np.array(s0), 1.0, 1.0), q0)
            for m, got in ((1, out.e1), (2, out.e12)):
                zeta_q = functools.partial(_zeta_of_s, q=q0)
                want = float(mp.diff(zeta_q, mp.mpf(s0), m)) if q0 != 1 else 0.0
                assert _close(float(got), want, 1e-12, 1e-320), (s0, q0, m, got, want)
            mixed = sc.zeta(hd.hyperdual(np.array(s0), 1.0, 0.0), hd.hyperdual(q0, 0.0, 1.0))
            want = float(mp.diff(lambda a, b: mp.zeta(a, b), (s0, q0), (1, 1)))
            assert _close(float(mixed.e12), want, 1e-12, 1e-320), (s0, q0, mixed.e12, want)


def test_legendre_near_minus_one_at_real_degrees() -> None:
    """P_n' and P_n'' at n = 0.7, -1.7 (P_n = P_(-n-1)), 2.3 for x from -0.999999 to 0.5,
    and eval_sh_legendre (P_n(2x - 1)) alongside, against mpmath."""
    x = np.array([-0.999999, -0.998, -0.5, 0.5])
    with mp.workdps(30):
        for n in (0.7, -1.7, 2.3):
            out = sc.eval_legendre(n, hd.hyperdual(x, 1.0, 1.0))
            shifted = sc.eval_sh_legendre(n, hd.hyperdual((x + 1) / 2, 1.0, 1.0))
            for i, xi in enumerate(x):
                for m, got, got_sh in ((1, out.e1, shifted.e1), (2, out.e12, shifted.e12)):
                    want = float(mp.diff(functools.partial(mp.legendre, n), mp.mpf(xi), m))
                    assert _close(got[i], want, 1e-12), (n, xi, m, got[i], want)
                    assert _close(got_sh[i], 2**m * want, 1e-8), (n, xi, m, got_sh[i], want)


def test_edges_of_exprel_erfcx_and_elliprc() -> None:
    """exprel far below 0 (f' = 1/x^2, f'' = -2/x^3 there, 0 in float64), erfcx beyond
    1e154 (f' ~ -1/(sqrt(pi) x^2), 0), elliprc at y < 0 against mpmath's principal value."""
    x = np.array([-800.0, -1e10, -1e200, -4.5e232])
    out = sc.exprel(hd.hyperdual(x, 1.0, 1.0))
    np.testing.assert_allclose(out.e1, (1 / x) ** 2, rtol=1e-14)
    np.testing.assert_allclose(out.e12, -2 * (1 / x) ** 3, rtol=1e-14)
    big = sc.erfcx(hd.hyperdual(np.array([1e10, 1.07e240]), 1.0, 1.0))
    np.testing.assert_allclose(big.e1, [-1 / (math.sqrt(math.pi) * 1e20), 0.0], rtol=1e-12)
    xs, ys = np.array([0.7, 2.0, 0.3]), np.array([-0.5, -3.0, -1e-3])
    with mp.workdps(30):
        for i in range(len(xs)):
            args = (mp.mpf(xs[i]), mp.mpf(ys[i]))
            for (a, b), seeds in (
                ((1, 0), ((1.0, 1.0), (0.0, 0.0))),
                ((0, 1), ((0.0, 0.0), (1.0, 1.0))),
                ((1, 1), ((1.0, 0.0), (0.0, 1.0))),
            ):
                u = hd.hyperdual(np.array(xs[i]), *seeds[0])
                v = hd.hyperdual(np.array(ys[i]), *seeds[1])
                y = sc.elliprc(u, v)
                if (a, b) != (1, 1):
                    first = float(mp.diff(mp.elliprc, args, (a, b)))
                    assert _close(float(y.e1 if a else y.e2), first, 1e-12), (i, a, b, y._stack)
                want = float(mp.diff(mp.elliprc, args, (2 * a, 2 * b) if a != b else (1, 1)))
                assert _close(float(y.e12), want, 1e-12), (i, a, b, float(y.e12), want)


def test_series_in_a_parameter_at_zero() -> None:
    """d/da and d2/da2 of hyp1f1(a, 1.3, 0.8) and hyp2f1(a, 1.3, 2.2, 0.3) at a = 0,
    1e-26, 1e-12, 0.7 against mpmath, one point a call (the series runs on while any
    element of the array is pending)."""
    cases = (
        (lambda u: sc.hyp1f1(u, 1.3, 0.8), lambda t: mp.hyp1f1(t, 1.3, 0.8)),
        (lambda u: sc.hyp2f1(u, 1.3, 2.2, 0.3), lambda t: mp.hyp2f1(t, 1.3, 2.2, 0.3)),
    )
    with mp.workdps(30):
        for f, reference in cases:
            for a in (0.0, 1e-26, 1e-12, 0.7):
                out = f(hd.hyperdual(np.array(a), 1.0, 1.0))
                for m, got in ((1, out.e1), (2, out.e12)):
                    want = float(mp.diff(reference, mp.mpf(a), m))
                    assert _close(float(got), want, 1e-13), (a, m, got, want)


def test_incomplete_beta_at_tiny_shapes() -> None:
    """betainc's partials in a and b (and the mixed one) at a or b = 1e-20, 1e-3
    on both sides of its switch x = (a + 1)/(a + b + 2), against mpmath at 80 digits."""
    with mp.workdps(80):
        for tiny in (1e-20, 1e-3):
            for x in (0.2, 0.7):
                for shapes, i in (((tiny, 0.7), 0), ((0.7, tiny), 1)):
                    point = [mp.mpf(shapes[0]), mp.mpf(shapes[1]), mp.mpf(x)]
                    h = point[i] * mp.mpf(2) ** -40

                    def along(t: Any, i: int = i, point: list = point) -> Any:
                        args = list(point)
                        args[i] = t
                        return mp.betainc(args[0], args[1], 0, args[2], regularized=True)

                    args: list = [np.array(shapes[0]), np.array(shapes[1]), x]
                    args[i] = hd.hyperdual(args[i], 1.0, 1.0)
                    out = sc.betainc(*args)
                    for m, got in ((1, out.e1), (2, out.e12)):
                        want = float(mp.diff(along, point[i], m, h=h))
                        assert _close(float(got), want, 1e-12), (shapes, x, m, got, want)
                    u = hd.hyperdual(np.array(shapes[0]), 1.0, 0.0)
                    v = hd.hyperdual(np.array(shapes[1]), 0.0, 1.0)
                    mixed = sc.betainc(u, v, x).e12
                    want = float(
                        mp.diff(
                            lambda s, t: mp.betainc(s, t, 0, x, regularized=True),  # noqa: B023
                            tuple(point[:2]),
                            (1, 1),
                            h=h,
                        )
                    )
                    assert _close(float(mixed), want, 1e-12), (shapes, x, mixed, want)


def test_agm_far_apart() -> None:
    """agm(a, b)'s gradient and Hessian at b/a = 1e-9 .. 1e-255 against mpmath (80 digits,
    steps 2^-60 of each argument)."""
    with mp.workdps(80):
        for hi, lo in ((3.9e254, 0.7), (1e100, 0.7), (0.3, 1e140), (1e9, 0.7)):
            a, b = mp.mpf(hi), mp.mpf(lo)
            ha, hb = a * mp.mpf(2) ** -60, b * mp.mpf(2) ** -60
            wants = (
                mp.diff(lambda t: mp.agm(t, b), a, 1, h=ha),  # noqa: B023
                mp.diff(lambda t: mp.agm(t, b), a, 2, h=ha),  # noqa: B023
                mp.diff(lambda t: mp.agm(a, t), b, 2, h=hb),  # noqa: B023
                mp.diff(lambda u: mp.diff(lambda w: mp.agm(u, w), b, 1, h=hb), a, 1, h=ha),  # noqa: B023
            )
            in_a = sc.agm(hd.hyperdual(np.array(hi), 1.0, 1.0), lo)
            in_b = sc.agm(hi, hd.hyperdual(np.array(lo), 1.0, 1.0))
            mixed = sc.agm(hd.hyperdual(np.array(hi), 1.0, 0.0), hd.hyperdual(lo, 0.0, 1.0))
            for got, want in zip((in_a.e1, in_a.e12, in_b.e12, mixed.e12), wants, strict=True):
                assert _close(float(got), float(want), 1e-13), (hi, lo, got, want)


def test_beta_mixed_partial_at_small_shapes() -> None:
    """d2/da db beta(a, b) at a small shape (and both), near s = a + b = 1 and at
    ordinary shapes, against mpmath (digits and steps scaled to the smaller shape)."""
    for a, b in ((1e-8, 0.5), (0.5, 1e-8), (1e-6, 3e-6), (1e-3, 0.5), (1e-8, 5.0), (0.9, 0.11)):
        out = sc.beta(hd.hyperdual(np.array(a), 1.0, 0.0), hd.hyperdual(np.array(b), 0.0, 1.0))
        digits = 40 + 2 * int(-math.log10(min(a, b)))
        with mp.workdps(digits):
            h = mp.mpf(min(a, b)) * mp.mpf(2) ** -60
            want = mp.diff(mp.beta, (mp.mpf(a), mp.mpf(b)), (1, 1), h=h)
        assert _close(float(out.e12), float(want), 1e-13), (a, b, out.e12, want)


def test_jacobi_parameters_where_the_recurrence_divides_by_zero() -> None:
    """P_3^(a, 0.5)(-0.4) with a + b = -3 + d, d = 0.05 .. 0: gradient and Hessian in
    (a, b) against mpmath; eval_sh_jacobi(3, p, 1.5, 0.3) in p at p = -2 (its Jacobi
    parameters' sum -3) alongside."""
    with mp.workdps(30):
        for d in (0.05, 1e-6, 0.0):
            a, b = -3.5 + d, 0.5
            point = (mp.mpf(a), mp.mpf(b))
            in_a = sc.eval_jacobi(3.0, hd.hyperdual(np.array(a), 1.0, 1.0), b, -0.4)
            mixed = sc.eval_jacobi(
                3.0, hd.hyperdual(np.array(a), 1.0, 0.0), hd.hyperdual(b, 0.0, 1.0), -0.4
            )

            def jacobi(s: Any, t: Any) -> Any:
                return mp.jacobi(3, s, t, -0.4)

            for got, order in ((in_a.e1, (1, 0)), (in_a.e12, (2, 0)), (mixed.e12, (1, 1))):
                want = float(mp.diff(jacobi, point, order))
                assert _close(float(got), want, 1e-12), (d, order, got, want)
        p = -2.0
        out = sc.eval_sh_jacobi(3.0, hd.hyperdual(np.array(p), 1.0, 1.0), 1.5, 0.3)

        def shifted(t: Any) -> Any:
            return mp.jacobi(3, t - 1.5, 0.5, -0.4) / mp.binomial(5 + t, 3)

        for m, got in ((1, out.e1), (2, out.e12)):
            want = float(mp.diff(shifted, mp.mpf(p), m))
            assert _close(float(got), want, 1e-12), (m, got, want)


def test_bessel_y_in_its_order_at_tiny_x_refuses() -> None:
    """Y_v's v-partial at x = 1.4e-108, v = 1.5e-68 (and hankel1's): a TypeError, not a
    wrong number; at (1e-3, 1e-5) against mpmath (-1.8800)."""
    for f in (sc.yv, sc.hankel1):
        with pytest.raises(TypeError, match="in its order v only"):
            f(hd.hyperdual(np.array(1.5e-68), 1.0, 1.0), 1.4e-108)
    out = sc.yv(hd.hyperdual(np.array(1e-3), 1.0, 1.0), 1e-5)
    with mp.workdps(40):
        want = mp.diff(lambda v: mp.bessely(v, mp.mpf(1e-5)), mp.mpf(1e-3))
    assert _close(float(out.e1), float(want), 1e-12)


def test_degree_near_a_negative_integer() -> None:
    """d/dn, d2/dn2 of eval_laguerre(n, 0.7) at n = -2 + 1e-10 (and eval_genlaguerre,
    eval_jacobi, eval_gegenbauer near -5, -3, -2): TypeError; at n = -1.99 against mpmath."""
    for f, args in (
        (sc.eval_laguerre, (-2 + 1e-10, 0.7)),
        (sc.eval_genlaguerre, (-5 + 3e-7, 0.7, 0.3)),
        (sc.eval_jacobi, (-3 + 2e-11, 0.7, 0.4, 0.3)),
        (sc.eval_gegenbauer, (-2.0005, 0.7, 0.3)),
    ):
        with pytest.raises(TypeError, match="of a negative integer"):
            f(hd.hyperdual(np.array(args[0]), 1.0, 1.0), *args[1:])
    out = sc.eval_laguerre(hd.hyperdual(np.array(-1.99), 1.0, 1.0), 0.7)
    with mp.workdps(30):
        for m, got in ((1, out.e1), (2, out.e12)):
            want = mp.diff(lambda n: mp.laguerre(n, 0, mp.mpf(0.7)), mp.mpf(-1.99), m)
            assert _close(float(got), float(want), 1e-11), (m, got, want)


def test_binom_near_the_poles_of_its_denominator() -> None:
    """binom's partials in k and n at k = -5 + 8e-8, -5 + 1e-9 (n = 0.7) and n - k = -7
    + 1e-7 (n = 5.3), against mpmath."""
    with mp.workdps(40):
        for n, k in ((0.7, -5 + 8e-8), (0.7, -5 + 1e-9), (5.3, 7.0000001)):
            in_k = sc.binom(n, hd.hyperdual(np.array(k), 1.0, 1.0))
            mixed = sc.binom(hd.hyperdual(np.array(n), 1.0, 0.0), hd.hyperdual(k, 0.0, 1.0))
            point = (mp.mpf(n), mp.mpf(k))
            for got, order in ((in_k.e1, (0, 1)), (in_k.e12, (0, 2)), (mixed.e12, (1, 1))):
                want = float(mp.diff(mp.binomial, point, order))
                assert _close(float(got), want, 1e-13), (n, k, order, got, want)


def test_gamma_family_near_its_poles() -> None:
    """f' and f'' at z = -3 + 1e-8 and -7 + 3e-9 of gamma, beta(z, 2.5), poch(z, 2.5),
    poch(z, 1), poch(z, 3) against mpmath."""
    cases = (
        (sc.gamma, mp.gamma),
        (lambda z: sc.beta(z, 2.5), lambda t: mp.beta(t, 2.5)),
        (lambda z: sc.poch(z, 2.5), lambda t: mp.rf(t, 2.5)),
        (lambda z: sc.poch(z, 1.0), lambda t: mp.rf(t, 1)),
        (lambda z: sc.poch(z, 3.0), lambda t: mp.rf(t, 3)),
    )
    with mp.workdps(40):
        for z in (-3 + 1e-8, -7 + 3e-9):
            for f, reference in cases:
                out = f(hd.hyperdual(np.array(z), 1.0, 1.0))
                for m, got in ((1, out.e1), (2, out.e12)):
                    want = float(mp.diff(reference, mp.mpf(z), m))
                    assert _close(float(got), want, 1e-13), (z, m, got, want)


def test_degrees_far_out_and_struve_far_out() -> None:
    """sindg, cosdg: f', f'' at 1e15 + 37 and 1e20 + 7 (x reduced by fmod, exact) against
    mpmath at 60 digits; struve(0.7, x), modstruve(2.5, x) at x = 30, 100 against mpmath,
    struve at 4.45e77 no larger than its envelope sqrt(2/(pi x))."""
    with mp.workdps(60):
        d = mp.pi / 180
        for x in (1e15 + 37, 1e20 + 7, 135.0):
            s_, c_ = mp.sinpi(mp.mpf(x) / 180), mp.cospi(mp.mpf(x) / 180)
            sin = sc.sindg(hd.hyperdual(np.array(x), 1.0, 1.0))
            cos = sc.cosdg(hd.hyperdual(np.array(x), 1.0, 1.0))
            wants = (d * c_, -d * d * s_, -d * s_, -d * d * c_)
            for got, want in zip((sin.e1, sin.e12, cos.e1, cos.e12), wants, strict=True):
                assert _close(float(got), float(want), 1e-13), (x, got, want)
        for f, reference, v in ((sc.struve, mp.struveh, 0.7), (sc.modstruve, mp.struvel, 2.5)):
            for x in (30.0, 100.0):
                out = f(v, hd.hyperdual(np.array(x), 1.0, 1.0))
                for m, got in ((1, out.e1), (2, out.e12)):
                    want = mp.diff(lambda t: reference(v, t), mp.mpf(x), m)  # noqa: B023
                    assert _close(float(got), float(want), 1e-12), (f, x, m, got, want)
    far = sc.struve(0.7, hd.hyperdual(np.array(4.45e77), 1.0, 1.0))
    assert abs(float(far.e1)) < 2 * math.sqrt(2 / (math.pi * 4.45e77))


def test_flat_far_out_kolmogorov_voigt() -> None:
    """kolmogorov at y = 1e-102, 1e-5 (flat: parts 0) and 0.5 (mpmath); voigt_profile in x
    at 2.4e216 and 1e160 (parts 0 in float64: -2 gamma/(pi x^3) ...) and at 30 (mpmath);
    binom(0.7, k) at k = 171.6 (Gamma(k + 1) beyond float64) against mpmath."""
    flat = sc.kolmogorov(hd.hyperdual(np.array([1e-102, 1e-5]), 1.0, 1.0))
    np.testing.assert_array_equal(flat.e1, 0.0)
    np.testing.assert_array_equal(flat.e12, 0.0)
    far = sc.voigt_profile(hd.hyperdual(np.array([2.4e216, 1e160]), 1.0, 1.0), 1.3, 0.8)
    np.testing.assert_array_equal(far.e1, 0.0)
    np.testing.assert_array_equal(far.e12, 0.0)
    with mp.workdps(30):

        def kolmogorov(y: Any) -> Any:
            return 2 * mp.nsum(lambda k: (-1) ** (k - 1) * mp.exp(-2 * k * k * y * y), [1, mp.inf])

        def voigt(x: Any) -> Any:
            z = (x + 0.8j) / (1.3 * mp.sqrt(2))
            return mp.re(mp.exp(-z * z) * mp.erfc(-1j * z)) / (1.3 * mp.sqrt(2 * mp.pi))

        cases = (
            (sc.kolmogorov(hd.hyperdual(np.array(0.5), 1.0, 1.0)), kolmogorov, 0.5),
            (sc.voigt_profile(hd.hyperdual(np.array(30.0), 1.0, 1.0), 1.3, 0.8), voigt, 30.0),
            (
                sc.binom(0.7, hd.hyperdual(np.array(171.6), 1.0, 1.0)),
                lambda k: mp.binomial(0.7, k),
                171.6,
            ),
        )
        for out, reference, at in cases:
            for m, got in ((1, out.e1), (2, out.e12)):
                want = mp.diff(reference, mp.mpf(at), m)
                assert _close(float(got), float(want), 1e-12), (at, m, got, want)
