"""Partials at a point with two infinite coordinates, where their limit depends on
the direction of approach.

hypot's fx = x/r, fy = y/r at (inf, inf) were the diagonal's 1/sqrt 2 each, so
`derivative(lambda t: np.hypot(t, 2 t))(inf)` gave (1 + 2)/sqrt 2 = 2.12 where
hypot(t, 2 t) = sqrt(5) t has derivative sqrt 5 = 2.24 everywhere; |z| of a complex
dual (hypot of its real and imaginary parts) alike; logaddexp(t, 2 t)' at inf was 1.5
(the diagonal's weights 1/2, 1/2) for 2. They are nan now. Partials whose
limit is the same from every direction keep it: hypot's second partials and
arctan2's (they fall as 1/r), and hypot's first partials with one infinite
coordinate ((+-1, 0)).
"""

from __future__ import annotations

import warnings

import mpmath as mp
import numpy as np

import hyperdiff as hd

INF = np.inf


def _d(f, x: float, order: int = 1) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(hd.derivative(f, order=order)(x))


def _ray_slope(a: float, b: float) -> mp.mpf:
    """d/dt hypot(a t, b t) out along the ray (a, b) (constant along it: its limit)."""
    with mp.workdps(40):
        return mp.diff(lambda t: mp.hypot(a * t, b * t), mp.mpf(10) ** 6)


def test_hypot_at_two_infinities_has_no_first_partials() -> None:
    # the limits along two rays differ: no partials exist at (inf, inf)
    assert abs(_ray_slope(1, 2) - mp.sqrt(5)) < 1e-12
    assert abs(_ray_slope(1, 1) - mp.sqrt(2)) < 1e-12
    for b in (1.0, 2.0, -3.0):
        assert np.isnan(_d(lambda t, b=b: np.hypot(t, b * t), INF))
        assert np.isnan(_d(lambda t, b=b: np.abs(t * (1.0 + b * 1j)), INF))
    g = hd.grad(lambda v: np.hypot(v[0], v[1]))(np.array([INF, -INF]))
    assert np.isnan(g).all()


def test_logaddexp_at_two_like_infinities_has_no_partials() -> None:
    with mp.workdps(40):  # the slope along (1, 2) far out: 2 (along the diagonal: 1)
        slope = mp.diff(lambda t: mp.log(mp.exp(t) + mp.exp(2 * t)), 300)
    assert abs(slope - 2) < 1e-12
    for f in (np.logaddexp, np.logaddexp2):
        for sign in (1.0, -1.0):
            assert np.isnan(_d(lambda t, f=f: f(t, 2.0 * t), sign * INF)), f.__name__
            assert np.isnan(_d(lambda t, f=f: f(t, 2.0 * t), sign * INF, order=2))
    # opposite infinities: the limits exist (1, 0)
    assert _d(lambda t: np.logaddexp(t, -2.0 * t), INF) == 1.0


def test_limits_the_same_from_every_direction_stay() -> None:
    # one infinite coordinate: (sign x, 0), hypot(t, 2) -> |t|
    assert _d(lambda t: np.hypot(t, 2.0), INF) == 1.0
    assert _d(lambda t: np.hypot(t, 2.0), -INF) == -1.0
    assert _d(lambda t: np.hypot(3.0, t), INF) == 1.0
    # second partials fall as 1/r; arctan2's partials too
    h = hd.hessian(lambda v: np.hypot(v[0], v[1]))(np.array([INF, INF]))
    np.testing.assert_array_equal(h, np.zeros((2, 2)))
    assert _d(lambda t: np.arctan2(t, 2.0 * t), INF) == 0.0
    # and finite points are untouched: hypot(t, 2 t)' = sqrt 5
    assert abs(_d(lambda t: np.hypot(t, 2.0 * t), 1e300) - float(mp.sqrt(5))) < 1e-15
