"""scipy.special's Legendre functions and spherical harmonics (scipy's multi-ufuncs,
which scipy cannot dispatch) through hyperdiff.special: scipy's values bit for bit,
first and second derivatives against mpmath's mp.diff at 30 digits of textbook closed
forms; scipy's own versions name the mirror; what cannot be differentiated says so."""

from __future__ import annotations

import numpy as np
import pytest

import hyperdiff as hd
import hyperdiff.special as hs

sc = pytest.importorskip("scipy.special")
mp = pytest.importorskip("mpmath")
mp.mp.dps = 30

RTOL = 1e-12


def _mp_derivatives(f, t: float | complex) -> tuple[complex, complex, complex]:
    return tuple(complex(mp.diff(f, mp.mpmathify(t), k)) for k in range(3))


def _assoc(n: int, m: int):
    """P_n^m(x) = (-1)^m (1 - x^2)^(m/2) d^m/dx^m P_n(x) (Condon-Shortley, DLMF 14.6.1;
    P_n^-m = (-1)^m (n-m)!/(n+m)! P_n^m), P_n's power coefficients exact in float64 at
    these degrees: an elementary mpmath expression mp.diff differentiates fast."""
    k = abs(m)
    coefficients = np.polynomial.polynomial.polyder(
        np.polynomial.legendre.leg2poly([0] * n + [1]), k
    )
    scale = mp.mpf(-1) ** k
    if m < 0:
        scale *= mp.mpf(-1) ** k * mp.factorial(n - k) / mp.factorial(n + k)
    return lambda x: (
        scale
        * (1 - x**2) ** (mp.mpf(k) / 2)
        * sum(c * x**i for i, c in enumerate(coefficients.tolist()))
    )


def _sph_legendre(n: int, m: int):
    # sqrt((2n+1)/(4 pi) (n-m)!/(n+m)!) P_n^m(cos theta)
    scale = mp.sqrt((2 * n + 1) / (4 * mp.pi) * mp.factorial(n - m) / mp.factorial(n + m))
    p = _assoc(n, m)
    return lambda t: scale * p(mp.cos(t))


CASES = [
    # (hyperdiff's function of t, mpmath's, points)
    ("legendre_p(3, t)", lambda t: hs.legendre_p(3, t), _assoc(3, 0), [-0.7, 0.2]),
    ("legendre_p(6, t)", lambda t: hs.legendre_p(6, t), _assoc(6, 0), [0.45]),
    (
        "assoc_legendre_p(3, 1, t)",
        lambda t: hs.assoc_legendre_p(3, 1, t),
        _assoc(3, 1),
        [-0.4, 0.6],
    ),
    (
        "assoc_legendre_p(4, -2, t, norm=True)",
        lambda t: hs.assoc_legendre_p(4, -2, t, norm=True),
        # norm=True: sqrt((2n+1)/2 (n-m)!/(n+m)!) P_n^m
        lambda t: mp.sqrt(mp.mpf(9) / 2 * mp.factorial(6) / mp.factorial(2)) * _assoc(4, -2)(t),
        [0.3],
    ),
    (
        "assoc_legendre_p(3, 2, t), complex",
        lambda t: hs.assoc_legendre_p(3, 2, t),
        _assoc(3, 2),
        [0.3 + 0.4j],
    ),
    (
        "sph_legendre_p(4, 1, t)",
        lambda t: hs.sph_legendre_p(4, 1, t),
        _sph_legendre(4, 1),
        [0.4, 2.5],
    ),
    (
        "sph_harm_y(3, 2, t, 0.7)",
        lambda t: hs.sph_harm_y(3, 2, t, 0.7),
        lambda t: _sph_legendre(3, 2)(t) * mp.expj(2 * 0.7),
        [1.1],
    ),
    (
        "sph_harm_y(3, -1, 0.9, t)",
        lambda t: hs.sph_harm_y(3, -1, 0.9, t),
        lambda t: _sph_legendre(3, -1)(0.9) * mp.expj(-t),
        [0.2, -2.0],
    ),
]


@pytest.mark.parametrize("name, ours, reference, points", CASES, ids=[c[0] for c in CASES])
def test_values_and_derivatives_against_mpmath(name, ours, reference, points) -> None:
    t = np.array(points)
    plain = ours(t)  # no dual argument: scipy's own call
    second = hd.derivative(ours, order=2, holomorphic=np.iscomplexobj(t))
    both = ours(hd.hyperdual(t, 1.0, 1.0, 0.0))
    np.testing.assert_array_equal(both.value, plain)  # scipy's bits
    for k, point in enumerate(points):
        f0, f1, f2 = _mp_derivatives(reference, point)
        got = np.ravel(both.value)[k]
        assert got == pytest.approx(f0, rel=RTOL), "value"
        assert np.ravel(both.e1)[k] == pytest.approx(f1, rel=RTOL, abs=RTOL * abs(f0))
        assert np.ravel(second(t))[k] == pytest.approx(f2, rel=RTOL, abs=RTOL * abs(f0))


def test_sph_harm_y_mixed_partials_in_theta_and_phi() -> None:
    # Y_3^2(theta, phi) = P(theta) e^{2 i phi}: d2/dtheta dphi = 2i P'(theta) e^{2 i phi}
    theta, phi = 1.1, 0.7

    def reference(a, b):
        return _sph_legendre(3, 2)(a) * mp.expj(2 * b)

    hessian = hd.hessian(lambda v: hs.sph_harm_y(3, 2, v[0], v[1]))(np.array([theta, phi]))
    for (i, j), orders in {(0, 0): (2, 0), (0, 1): (1, 1), (1, 1): (0, 2)}.items():
        want = complex(mp.diff(reference, (theta, phi), orders))
        assert hessian[i, j] == pytest.approx(want, rel=RTOL)
        assert hessian[j, i] == hessian[i, j]


def test_scipys_own_versions_name_the_mirror_and_integer_arguments_refuse() -> None:
    x = hd.dual(np.array([0.3, 0.6]), 1.0)
    with pytest.raises(TypeError, match=r"use hyperdiff\.special\.sph_harm_y"):
        sc.sph_harm_y(2, 1, x, 0.3)
    with pytest.raises(TypeError, match=r"use hyperdiff\.special\.legendre_p$"):
        sc.legendre_p(2, x)
    with pytest.raises(TypeError, match=r"scipy\.special\.legendre_p_all of dual arrays"):
        sc.legendre_p_all(2, x)
    with pytest.raises(TypeError, match=r"legendre_p in its argument n .*an integer"):
        hs.legendre_p(x, 0.3)
    with pytest.raises(TypeError, match=r"sph_harm_y of dual arrays with diff_n=0 only"):
        hs.sph_harm_y(2, 1, x, 0.3, diff_n=1)
    # plain inputs are scipy's call, diff_n and all
    np.testing.assert_array_equal(
        hs.assoc_legendre_p(3, 1, np.array([0.2, 0.5]), diff_n=2),
        sc.assoc_legendre_p(3, 1, np.array([0.2, 0.5]), diff_n=2),
    )
