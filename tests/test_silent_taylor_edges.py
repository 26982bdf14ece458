"""Taylor coefficients (derivative orders >= 3) at the edges of a function's domain.

The Taylor kernels build coefficients 2.. by recurrences on x's coefficients
(taylor.hpp). Outside the domain, log's y' = x'/x still gave log|x|'s
coefficients: `derivative(np.log, order=3)(-1.0)` was -2 where orders 1 and 2 (and
the value) are nan; arctanh, logit, arccosh, log2, log10, log1p alike. At x = +-inf
arctan's h = 1 + x^2 (and erf's, cbrt's, arcsinh's ...) made inf * 0 = nan where
every derivative's limit is 0. References: mpmath (the limit at a large finite
point), and nan where the derivative is undefined.
"""

from __future__ import annotations

import warnings

import mpmath as mp
import numpy as np
import pytest
import scipy.special as sc

import hyperdiff as hd

# (numpy function, mpmath counterpart, point outside the real domain)
OUTSIDE = [
    (np.log, mp.log, -1.0),
    (np.log2, lambda t: mp.log(t, 2), -1.0),
    (np.log10, mp.log10, -3.0),
    (np.log1p, mp.log1p, -2.0),
    (np.arctanh, mp.atanh, 2.0),
    (np.arccosh, mp.acosh, -2.0),
    (sc.logit, lambda t: mp.log(t / (1 - t)), 2.0),
]


def _derivative(f, order: int, x: float) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's own at the edges
        return float(hd.derivative(f, order=order)(x))


@pytest.mark.parametrize(("f", "reference", "x"), OUTSIDE, ids=lambda v: getattr(v, "__name__", ""))
def test_outside_the_domain_every_order_is_nan(f, reference, x) -> None:
    # the real function is undefined there (mpmath's value is complex): no order
    # of derivative may come out as a number
    assert mp.im(reference(mp.mpf(x))) != 0
    for order in (1, 2, 3, 4, 5):
        assert np.isnan(_derivative(f, order, x)), (f.__name__, order)


# (numpy function, mpmath counterpart, infinity): every derivative tends to 0
FLAT = [
    (np.arctan, mp.atan, np.inf),
    (np.arctan, mp.atan, -np.inf),
    (np.arcsinh, mp.asinh, np.inf),
    (np.arcsinh, mp.asinh, -np.inf),
    (np.arccosh, mp.acosh, np.inf),
    (np.cbrt, mp.cbrt, np.inf),
    (np.tanh, mp.tanh, -np.inf),
    (sc.erf, mp.erf, np.inf),
    (sc.erfc, mp.erfc, -np.inf),
    (sc.ndtr, mp.ncdf, -np.inf),
    (sc.expit, lambda t: 1 / (1 + mp.exp(-t)), np.inf),
    (np.log, mp.log, np.inf),
]


@pytest.mark.parametrize(("f", "reference", "x"), FLAT, ids=lambda v: getattr(v, "__name__", ""))
def test_at_infinity_the_limits(f, reference, x) -> None:
    mp.mp.dps = 40
    far = mp.mpf(1e12) * (1 if x > 0 else -1)
    for order in (3, 4, 5):
        limit = mp.diff(reference, far, order)
        assert abs(limit) < 1e-30, (f.__name__, order)  # the limit is 0
        assert _derivative(f, order, x) == 0.0, (f.__name__, order)
    # through a scaled variable: still 0 (16 * 0)
    assert _derivative(lambda t: f(2.0 * t), 4, x) == 0.0


def test_a_constant_outside_the_domain_has_no_parts() -> None:
    # the strong zero, as orders 1 and 2: log of a constant -1 (its parts zero) has
    # zero parts, not nan
    for order in (1, 2, 3, 4):
        assert _derivative(lambda t: np.log(-1.0 + 0.0 * t), order, 0.5) == 0.0


def test_every_table_function_agrees_with_orders_one_and_two() -> None:
    """The family: for every unary table entry with Taylor rules, at points inside and
    outside its domain and at +-inf, orders 3 and 4 are nan where order 1 is (nan: the
    derivative is undefined there) and 0 at +-inf where orders 1 and 2 are (f flattens).
    Orders 1 and 2 come from the table's f1, f2, which tests/test_special_values.py checks
    against mpmath at these points."""
    import importlib

    from hyperdiff import _core

    points = [-np.inf, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, np.inf]
    checked = 0
    for name, module, _ in _core.UNARY_FUNCTIONS:
        f = getattr(importlib.import_module(module), name)
        for x in points:
            try:
                high = [_derivative(f, order, x) for order in (3, 4)]
            except TypeError:  # (no rules beyond degree 2: gammaln)
                break
            d1, d2 = _derivative(f, 1, x), _derivative(f, 2, x)
            if np.isnan(d1):
                assert np.isnan(high).all(), (name, x, high)
            if np.isinf(x) and d1 == 0 and d2 == 0:
                assert high == [0.0, 0.0], (name, x, high)
            checked += 1
    assert checked > 200
