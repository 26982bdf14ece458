"""Mathieu's characteristic values a_m(q), b_m(q), the functions ce_m, se_m and the
modified Mc_m, Ms_m (both kinds) in q, and the spheroidal characteristic values pro_cv,
obl_cv in c (src/hyperdiff/_characteristic.py), against mpmath references from the whole
eigenproblems (tests/data/characteristic.json, written by
tests/generate_characteristic_references.py: eigsy at 50 digits, Hellmann-Feynman and
second-order perturbation theory); the spheroidal functions of the first kind in c
against their expansions at 70 digits (tests/data/spheroidal.json, written by
tests/generate_spheroidal_references.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

sc = pytest.importorskip("scipy.special")

EPS = np.finfo(np.float64).eps
DATA = json.loads((Path(__file__).parent / "data" / "characteristic.json").read_text())
SPHEROIDAL = json.loads((Path(__file__).parent / "data" / "spheroidal.json").read_text())


def _close(got: Any, want: Any, scale: Any, ulps: float, what: str) -> None:
    """|got - want| within ulps eps of max(|want|, scale) (a partial crossing 0 against
    the size of the terms it is made of)."""
    got, want = np.asarray(got), np.asarray(want)
    tol = ulps * EPS * np.maximum(np.abs(want), scale)
    bad = ~(np.abs(got - want) <= tol)
    assert not bad.any(), f"{what}: {got[bad]} != {want[bad]} (tol {tol[bad]})"


@pytest.mark.parametrize("odd", [False, True])
def test_mathieu_characteristic_values_in_q(odd: bool) -> None:
    """a_m(q), b_m(q): the value is scipy's bit for bit; a', a'' within 8 ulps of the
    eigenproblem's (scale: |a'| ~ 1 + |a|/|q| for a'' too), all four recurrences (m even and
    odd), q small, ~1, 20 and negative, one HyperDual array (m an array: one solve per m)."""
    rows = np.array([r[1:] for r in DATA["characteristic"] if r[0] == odd])
    m, q, want = rows[:, 0], rows[:, 1], rows[:, 3:]
    f = sc.mathieu_b if odd else sc.mathieu_a
    y = f(m, hd.hyperdual(q, 1.0, 1.0))
    np.testing.assert_array_equal(y.value, f(m, q))
    np.testing.assert_allclose(y.value, rows[:, 2], rtol=1e-12)  # (scipy's: 8e-14 at q = 1e-3)
    np.testing.assert_array_equal(y.e1, y.e2)
    scale = 1 + np.abs(rows[:, 2]) / np.maximum(np.abs(q), 1)
    _close(y.e1, want[:, 0], scale, 8, "a'")
    _close(y.e12, want[:, 1], scale / np.maximum(np.abs(q), 1), 8, "a''")
    # a Dual of the same points: the same first derivatives
    np.testing.assert_array_equal(f(m, hd.dual(q, 1.0)).d, y.e1)


@pytest.mark.parametrize("odd", [False, True])
def test_mathieu_functions_in_q(odd: bool) -> None:
    """ce_m(x, q), se_m(x, q) and their x-derivatives (scipy's (y, y')) in q and x at once
    (a HyperDualVec of (q, x), x in degrees): partials with q within 8 ulps of the
    coefficients' high-precision differences (scale: the sums' terms, |y| + |y'|/w); the
    pure x-partials are the ODE's (test_mathieu_functions)."""
    rows = [r[1:] for r in DATA["functions"] if r[0] == odd]
    f = sc.mathieu_sem if odd else sc.mathieu_cem
    for m, q, x, *want in rows:
        h = hd.hessian(lambda v, m=m: f(m, v[0], v[1])[0])(np.array([q, x]))
        g = hd.jacobian(lambda v, m=m: f(m, v[0], v[1])[1])(np.array([q, x]))
        hp = hd.hessian(lambda v, m=m: f(m, v[0], v[1])[1])(np.array([q, x]))
        y, yp = f(m, hd.hyperdual(np.array([q]), 1.0, 1.0), x)
        value, slope = f(m, q, x)
        scale = abs(value) + abs(slope) / max(2 * m, 1)
        _close(y.e1, want[0], scale, 8, f"y_q {m} {q}")
        _close(y.e12, want[1], scale, 8, f"y_qq {m} {q}")
        _close(h[0, 1], want[2], scale * np.pi / 180, 8, f"y_qx {m} {q}")
        _close(h[1, 0], want[2], scale * np.pi / 180, 8, f"y_xq {m} {q}")
        _close(yp.e1, want[3], scale * max(m, 1), 8, f"y'_q {m} {q}")
        _close(g[0], want[3], scale * max(m, 1), 8, f"y'_q {m} {q}")
        _close(yp.e12, want[4], scale * max(m, 1), 8, f"y'_qq {m} {q}")
        _close(hp[0, 1], want[5], scale * max(m, 1) ** 2 * np.pi / 180, 8, f"y'_qx {m} {q}")


@pytest.mark.parametrize("kind", [1, 2])
def test_modified_mathieu_functions_in_q(kind: int) -> None:
    """mathieu_modcem1/2, mathieu_modsem1/2 and their x-derivatives in q (HyperDual) and in
    (q, x) (hessian): the reference's Bessel-product series on mpmath's coefficients is
    scipy's value to 1e-12 (the series is scipy's function), and its q-partials by
    high-precision differences are ours within 16 ulps of |y| + |y'| (worst 10), times
    1 + |a| + 2|q| cosh 2x for y''_q."""
    for odd, _, m, q, x, *want in (r for r in DATA["modified"] if r[1] == kind):
        name = f"mathieu_mod{'sem' if odd else 'cem'}{kind}"
        f = getattr(sc, name)
        value, slope = f(m, q, x)
        np.testing.assert_allclose([value, slope], want[:2], rtol=1e-12, err_msg=name)
        y, yp = f(m, hd.hyperdual(np.array([q]), 1.0, 1.0), x)
        h = hd.hessian(lambda v, f=f, m=m: f(m, v[0], v[1])[1])(np.array([q, x]))
        scale = abs(value) + abs(slope)
        a = (sc.mathieu_b if odd else sc.mathieu_a)(m, q)
        curvature = 1 + abs(a) + 2 * abs(q) * np.cosh(2 * x)  # (y'' = (a - 2q cosh 2x) y)
        for got, expected, size, what in (
            (y.e1, want[2], scale, "y_q"),
            (y.e12, want[3], scale, "y_qq"),
            (yp.e1, want[5], scale, "y'_q"),
            (yp.e12, want[6], scale, "y'_qq"),
            (h[0, 1], want[7], scale * curvature, "y'_qx"),
        ):
            _close(got, expected, size, 16, f"{name} {m} {q} {x} {what}")


def test_spheroidal_characteristic_values_in_c() -> None:
    """pro_cv, obl_cv in c: scipy's value, lambda' and lambda'' within 16 ulps of the
    eigenproblem's (scale: 1 + |lambda|/c, over c for lambda''; both parities of n - m, c
    from 0.1 to 12)."""
    rows = np.array(DATA["spheroidal"])
    for sign, f in ((1, sc.pro_cv), (-1, sc.obl_cv)):
        part = rows[rows[:, 0] == sign]
        m, n, c, want = part[:, 1], part[:, 2], part[:, 3], part[:, 4:]
        y = f(m, n, hd.hyperdual(c, 1.0, 1.0))
        np.testing.assert_array_equal(y.value, f(m, n, c))
        scale = 1 + np.abs(want[:, 0]) / np.maximum(c, 1)
        _close(y.e1, want[:, 1], scale, 16, f"{f.__name__}'")
        _close(y.e12, want[:, 2], scale / np.maximum(c, 1), 16, f"{f.__name__}''")


def test_characteristic_value_sequences_in_c() -> None:
    """hd.special.pro_cv_seq/obl_cv_seq on a dual c: scipy's sequence (bit for bit) with
    the eigenproblem's lambda', lambda'' of each n' (the same references). scipy's own
    refuse a dual c (a ValueError of theirs: "Arguments must be scalars")."""
    rows = np.array(DATA["spheroidal"])
    for sign, name in ((1, "pro_cv"), (-1, "obl_cv")):
        part = rows[rows[:, 0] == sign]
        for _, m, n, c, *want in part[: len(part) // 2]:
            m, n = int(m), int(n)
            seq = getattr(hd.special, f"{name}_seq")(m, n, hd.hyperdual(c, 1.0, 1.0))
            np.testing.assert_array_equal(seq.value, getattr(sc, f"{name}_seq")(m, n, c))
            scale = 1 + abs(want[0]) / max(c, 1)
            _close(seq.e1[-1], want[1], scale, 16, f"{name}_seq' {m} {n} {c}")
            _close(seq.e12[-1], want[2], scale / max(c, 1), 16, f"{name}_seq'' {m} {n} {c}")
    with pytest.raises(ValueError, match="scalars"):
        sc.pro_cv_seq(0, 2, hd.dual(1.5, 1.0))


def _eigenvalue(odd: bool, m: int, q: float) -> float:
    """The characteristic value from numpy's eigenvalues of the 60-row recurrence (DLMF
    28.4.5-8, unsymmetrized)."""
    first = (0 if m % 2 == 0 else 1) if not odd else (1 if m % 2 == 1 else 2)
    diagonal = (2 * np.arange(60) + first) ** 2.0
    diagonal[0] += q if first == 1 and not odd else -q if first == 1 else 0.0
    below = np.full(59, q)
    below[0] *= 2 if first == 0 else 1
    matrix = np.diag(diagonal) + np.diag(np.full(59, q), 1) + np.diag(below, -1)
    return float(
        np.sort(np.linalg.eigvals(matrix).real)[(m - (first > 0)) // 2 if first else m // 2]
    )


@pytest.mark.parametrize("name", ["pro_ang1", "obl_ang1", "pro_rad1", "obl_rad1"])
def test_spheroidal_functions_in_c(name: str) -> None:
    """pro_ang1, obl_ang1, pro_rad1, obl_rad1 and their x-derivative (scipy's (s, s')) in c
    and x at once (a HyperDualVec of (c, x), every point in one call, m and n arrays): the
    values scipy's bit for bit, the partials with c within 16 ulps of the 70-digit
    expansion's, scale max(|want|, (1 + c)^(1 + k)(|s| + |s'|)) for k derivatives in x (the
    expansions' terms grow with c and the sums cancel: obl_ang1(0, 2, 10, 0.5) is -7.0 from
    terms of -57; each x-derivative scales as c); a Dual in c gives the same partials."""
    rows = np.array([r[1:] for r in SPHEROIDAL["functions"] if r[0] == name], dtype=np.float64)
    m, n, c, x = rows[:, :4].T
    f = getattr(sc, name)
    one, zero = np.ones_like(c), np.zeros_like(c)
    s, s1 = f(m, n, hd.hyperdualvec(c, [one, zero]), hd.hyperdualvec(x, [zero, one]))
    value, slope = f(m, n, c, x)
    np.testing.assert_array_equal(s.value, value)
    np.testing.assert_array_equal(s1.value, slope)
    np.testing.assert_allclose(rows[:, 4:6], np.stack([value, slope], axis=1), rtol=1e-10)
    scale = (1 + c) * (np.abs(value) + np.abs(slope))
    got = (s.grad[0], s.hess[0, 0], s.hess[0, 1], s1.grad[0], s1.hess[0, 0], s1.hess[0, 1])
    what = ("s_c", "s_cc", "s_cx", "s'_c", "s'_cc", "s'_cx")
    for partial, want, label in zip(got, rows[:, 6:].T, what, strict=True):
        in_x = label.count("x") + label.count("'")  # (x-derivatives: each a factor ~ c)
        _close(partial, want, scale * (1 + c) ** in_x, 16, f"{name} {label}")
    np.testing.assert_array_equal(s.hess[1, 1], s1.grad[1])  # (the equation's, in x)
    t, t1 = f(m, n, hd.dual(c, 1.0), x)
    np.testing.assert_array_equal(t.d, s.grad[0])
    np.testing.assert_array_equal(t1.d, s1.grad[0])


def test_mathieu_coefficients_in_q() -> None:
    """hd.special.mathieu_even_coef, mathieu_odd_coef (scipy's Python functions: scalars m,
    q >= 0): scipy's coefficients bit for bit, and in q the Fourier sums of their
    partials are ce_m's and se_m's partials in q of the 50-digit references (within 8
    ulps of the terms' scale, as test_mathieu_functions_in_q); dual m refused."""
    for odd, m, q, x, *want in DATA["functions"]:
        if q < 0:  # (scipy's coefficients: q >= 0 only)
            continue
        scipy_coef = sc.mathieu_odd_coef if odd else sc.mathieu_even_coef
        coef = hd.special.mathieu_odd_coef if odd else hd.special.mathieu_even_coef
        a = coef(m, hd.hyperdual(q, 1.0, 1.0))
        np.testing.assert_array_equal(a.value, scipy_coef(m, q))
        waves = 2 * np.arange(a.shape[0]) + (m % 2 if not odd else 2 - m % 2)
        trig = np.sin if odd else np.cos
        basis = trig(waves * np.radians(x))
        value, slope = (sc.mathieu_sem if odd else sc.mathieu_cem)(m, q, x)
        scale = abs(value) + abs(slope) / max(2 * m, 1)
        _close(basis @ a.e1, want[0], scale, 8, f"A' {odd} {m} {q}")
        _close(basis @ a.e12, want[1], scale, 8, f"A'' {odd} {m} {q}")
    with pytest.raises(TypeError, match=r"mathieu_even_coef in its argument m .* integer order"):
        hd.special.mathieu_even_coef(hd.dual(2.0, 1.0), 1.5)
    np.testing.assert_array_equal(hd.special.mathieu_odd_coef(2, 1.5), sc.mathieu_odd_coef(2, 1.5))


def test_spheroidal_functions_refused_in_c() -> None:
    """A TypeError where scipy's value is not the expansion's (scipy's specfun loses digits:
    obl_ang1(2, 5, 30, 0.5) is -230022.23 for -230021.53; at c < 0 it answers c = 0's
    value) or the expansion cancels (pro_rad1 at c = 40: its normalization), and for the
    _cv variants in c or cv (defined only at cv = pro_cv(m, n, c)); nan where scipy's
    value is nan (|x| >= 1 for the angular functions); at c = 0 the partial in c is 0 (a
    function of c^2); float32 values where scipy's loop hangs: a ValueError."""
    d = hd.dual(np.array([30.0]), 1.0)
    with pytest.raises(TypeError, match=r"scipy\.special\.obl_ang1 in c at m, n, c, x = 2, 5, 30,"):
        sc.obl_ang1(2, 5, d, 0.5)
    with pytest.raises(TypeError, match=r"pro_rad1 in c at m, n, c, x = 1, 5, 40, 1.5: .* cancels"):
        sc.pro_rad1(1, 5, d * (4 / 3), 1.5)  # (terms 1e12 times the value; scipy's 3e-5 off)
    with pytest.raises(TypeError, match=r"pro_ang1 in c at .* c < 0 scipy answers c = 0's"):
        sc.pro_ang1(1, 2, -d / 20, 0.3)
    with pytest.raises(
        TypeError,
        match=r"pro_rad1_cv in its argument c .* use scipy\.special\."
        r"pro_rad1\(m, n, c, x\), which takes cv from c",
    ):
        sc.pro_rad1_cv(1, 2, d / 20, sc.pro_cv(1, 2, 1.5), 1.3)
    with pytest.raises(TypeError, match=r"obl_ang1_cv in its argument cv .* only at cv = obl_cv"):
        sc.obl_ang1_cv(1, 2, 1.5, d, 0.3)
    # scipy 1.17's float32 loops of pro_cv, obl_cv and the functions calling them never
    # return (plain scipy too): refused before the call; the _cv variants' do
    for call in (sc.pro_cv, lambda m, n, c: sc.obl_rad1(m, n, c, np.float32(1.3))):
        with pytest.raises(ValueError, match=r"float32 loop never returns"):
            call(1, 2, hd.dual(np.array([1.5], dtype=np.float32), 1.0))
    assert sc.pro_ang1_cv(1, 2, 1.5, 2.0, hd.dual(np.float32([0.3]), 1.0))[0].dtype == np.float32
    s, s1 = sc.pro_ang1(1, 2, hd.hyperdual(np.array([1.5, 1.5, 0.0]), 1.0, 1.0), [0.3, 1.2, 0.3])
    assert np.isnan(s.value[1]) and np.isnan(s.e12[1]) and np.isnan(s1.e1[1])
    assert s.e1[2] == 0 and s1.e1[2] == 0 and np.isfinite(s.e12[2]) and np.isfinite(s1.e12[2])


def test_where_there_is_no_characteristic_value() -> None:
    """nan derivatives (scipy's value nan) at orders scipy refuses (m not an integer, b_0,
    n < m), and exactly where scipy's value is not the branch's eigenvalue: scipy 1.17's
    mathieu_a and mathieu_b answer a neighbouring branch's value on narrow bands of q for
    m >= 3 (a_4(-17.48) = 3.2476, a_2's; the eigenvalue is 26.770), and fail for large q
    (a_4(1e4) is a_2's -19003.26); the rest of the array is unaffected; q of float32 gives
    float32 parts."""
    cases = [(False, 4, -17.48), (False, 3, 15.5057), (True, 10, -47.2), (False, 4, 1e4)]
    cases += [(False, 4, -17.0), (True, 10, -40.0), (False, 2, 1e4), (True, 3, 15.5057)]
    for odd, m, q in cases:
        f = sc.mathieu_b if odd else sc.mathieu_a
        y = f(np.array([2.5, m]), hd.dual(np.array([1.0, q]), 1.0))
        assert np.isnan(y.d[0])
        right = abs(y.value[1] - _eigenvalue(odd, m, q)) < 1e-9 * (1 + abs(q))
        assert np.isnan(y.d[1]) != right, (odd, m, q, y.value[1], _eigenvalue(odd, m, q))
    assert np.isnan(sc.mathieu_b(0, hd.dual(np.array([1.0]), 1.0)).d).all()
    assert np.isnan(sc.pro_cv(3, 2, hd.dual(np.array([1.0]), 1.0)).d).all()
    z = sc.mathieu_b(2, hd.dual(np.array([1.5], dtype=np.float32), 1.0))
    assert z.d.dtype == np.float32  # (not pro_cv: scipy 1.17's float32 loop never returns)
    np.testing.assert_allclose(z.d, sc.mathieu_b(2, hd.dual(np.array([1.5]), 1.0)).d, rtol=1e-7)


def test_arguments_are_left_alone_and_orders_refused() -> None:
    """m (and n) stay constants: a dual order is a TypeError naming the function; inputs
    are not written."""
    q = np.array([1.0, 2.0])
    d = hd.dual(q, 1.0)
    with pytest.raises(TypeError, match=r"scipy\.special\.mathieu_a in its argument m"):
        sc.mathieu_a(d, 1.0)
    with pytest.raises(TypeError, match=r"scipy\.special\.obl_cv in its argument n"):
        sc.obl_cv(1, d, 1.0)
    with pytest.raises(TypeError, match=r"scipy\.special\.mathieu_a only for \|q\| <= 1e\+06"):
        sc.mathieu_a(2, hd.dual(np.array([1.0, 2e6]), 1.0))  # (scipy: -3997171.8)
    # 0-d and broadcast shapes; non-finite q: nan
    assert np.shape(sc.mathieu_a(2, hd.dual(1.0, 1.0)).d) == ()
    y = sc.mathieu_a([[1], [2]], hd.dual(np.array([1.0, np.inf, 2.0]), 1.0))  # (not pro_cv:
    # scipy 1.17's crashes the process at c = nan, inf, 300)
    assert y.d.shape == (2, 3) and np.isnan(y.d[:, 1]).all() and np.isfinite(y.d[:, ::2]).all()
    sc.mathieu_cem(2, d, 30.0)
    np.testing.assert_array_equal(d.value, [1.0, 2.0])
    np.testing.assert_array_equal(d.d, [1.0, 1.0])


@pytest.mark.parametrize(
    "call",
    [
        lambda d: sc.pro_cv(1, 2, d(np.array([1.0, 350.0]))),
        lambda d: sc.obl_cv(1, 2, d(np.array([np.nan]))),
        lambda d: sc.pro_ang1(0, 0, np.inf, d(np.array([0.5]))),
        lambda d: sc.mathieu_cem(2, d(np.array([np.inf])), 30.0),
        lambda d: sc.mathieu_modsem1(2, 1e8, d(np.array([1.0]))),
    ],
)
def test_values_that_crash_scipy_are_refused_before_its_call(call) -> None:
    # each of these crashes the interpreter inside scipy 1.17 (segmentation fault or
    # double free), plain inputs too: through hyperdiff they must raise first
    with pytest.raises(ValueError, match="scipy crashes the process where"):
        call(lambda v: hd.dual(v, 1.0))
