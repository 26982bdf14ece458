"""Round eleven: complex derivatives (tests/test_silent_round7.py .. round10.py).

holomorphic=True reads the derivative along the real direction as f'(z). For a function
that is not complex-differentiable that number is not f'(z) (conj: 1, where there is
none), and it passed silently, as JAX's jacfwd(holomorphic=True) passes it. Every
function known not to be holomorphic now refuses holomorphic=True's variables (and only
those: a constant's conjugate, an inner wirtinger's variables, stay fine).

References are closed forms (the derivative of a holomorphic function along 1 and i)
and mpmath on the side of the branch cut that numpy's value takes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
import scipy.special as sc

import hyperdiff as hd

_RNG = np.random.default_rng(11)
_M = _RNG.standard_normal((3, 3)) + 1j * _RNG.standard_normal((3, 3))
_W = np.array([0.3 - 1.0j, 1.5 + 0.5j, -2.0 + 0.1j])
_Z = np.array([1.0 + 2.0j, -0.5 + 0.3j, 2.0 - 1.0j])

# name -> (f, its input): each not complex-differentiable in the input
NOT_HOLOMORPHIC: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "conj": (np.conj, _Z),
    "conj method": (lambda z: z.conj() * z, _Z),
    "real": (lambda z: z.real + 0j, _Z),
    "imag": (lambda z: 1j * np.imag(z), _Z),
    "angle": (lambda z: np.exp(1j * np.angle(z)), _Z),
    "abs": (lambda z: z / abs(z), _Z),
    "sign": (np.sign, _Z),
    "vdot": (lambda z: np.vdot(z, _W), _Z),
    "vecdot": (lambda z: np.vecdot(z, _W), _Z),
    "correlate": (lambda z: np.correlate(_W, z, "full"), _Z),
    "norm": (lambda z: z / np.linalg.norm(z), _Z),
    "var": (lambda z: z * np.var(z), _Z),
    "svd": (lambda m: np.linalg.svd(m)[0], _M),
    "qr": (lambda m: np.linalg.qr(m)[0], _M),
    "eigh": (lambda m: np.linalg.eigh(m)[1], _M),
    "cholesky": (lambda m: np.linalg.cholesky(m @ m.T + 4 * np.eye(3)), _M),
    "cho_factor": (lambda m: hd.linalg.cho_factor(m @ m.T + 4 * np.eye(3))[0], _M),
    "slogdet": (lambda m: np.linalg.slogdet(m)[0], _M),
    "pinv": (lambda m: np.linalg.pinv(m[:, :2]), _M),
    "lstsq": (lambda m: np.linalg.lstsq(m[:, :2], _W)[0], _M),
}

POINTWISE = {"conj", "conj method", "real", "imag", "angle", "abs", "sign"}

TRANSFORMS: dict[str, Callable[[Callable[[Any], Any], np.ndarray], Any]] = {
    "jacobian": lambda f, x: hd.jacobian(f, holomorphic=True)(x),
    "hessian": lambda f, x: hd.hessian(lambda y: np.sum(f(y)), holomorphic=True)(x),
    "derivative": lambda f, x: hd.derivative(lambda y: np.sum(f(y)), holomorphic=True)(x[0]),
}


@pytest.mark.parametrize("name", sorted(NOT_HOLOMORPHIC))
def test_holomorphic_true_refuses_functions_that_are_not(name: str) -> None:
    """On main each gave its derivative along the real direction as f'(z) (conj: 1)."""
    f, x = NOT_HOLOMORPHIC[name]
    for transform in TRANSFORMS.values():
        if transform is TRANSFORMS["derivative"] and name not in POINTWISE:
            continue
        with pytest.raises(TypeError, match="not holomorphic"):
            transform(f, x)
    # the same f through wirtinger: its derivatives, with d/dz-bar not zero
    _, dz_bar = hd.wirtinger(f)(x)
    assert np.max(np.abs(dz_bar)) > 0.01


def test_holomorphic_uses_of_those_functions_still_run() -> None:
    """A conjugated constant, the unconjugated operand of vdot / vecdot / correlate, pinv
    of an invertible matrix (its inverse), and nested transforms' own variables."""
    z = _Z
    np.testing.assert_array_equal(
        hd.jacobian(lambda z: np.vdot(_W, z), holomorphic=True)(z), np.conj(_W)
    )
    np.testing.assert_array_equal(
        hd.jacobian(lambda z: np.vecdot(_W, z), holomorphic=True)(z), np.conj(_W)
    )
    np.testing.assert_array_equal(
        hd.jacobian(lambda z: np.sum(z * np.conj(_W)), holomorphic=True)(z), np.conj(_W)
    )
    # d pinv(M) = -M^-1 dM M^-1 for an invertible M: entry (i, j) of dM = E_kl
    inverse = np.linalg.inv(_M)
    expected = -np.einsum("ik,lj->ijkl", inverse, inverse)
    got = hd.jacobian(np.linalg.pinv, holomorphic=True)(_M)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)
    # an inner wirtinger inside a holomorphic f: conj of the inner variable is fine
    inner = hd.wirtinger(lambda u: u * np.conj(u))
    got_outer = hd.derivative(lambda z: z**2 * inner(np.complex128(2j))[0], holomorphic=True)(
        np.complex128(1 + 1j)
    )
    assert got_outer == 2 * (1 + 1j) * (-2j)  # d/du (u conj u) = conj u = -2j
    # but conj of the outer (holomorphic) variable inside the inner one is not
    with pytest.raises(TypeError, match=r"numpy\.conjugate is not holomorphic"):
        hd.derivative(lambda z: hd.wirtinger(lambda u: u * np.conj(z))(2j)[0], holomorphic=True)(
            np.complex128(1 + 1j)
        )
    # an outer wirtinger around a holomorphic inner derivative: d/dz (conj z * 2 z^2)
    w = np.complex128(1 + 1j)
    dz, dz_bar = hd.wirtinger(
        lambda z: np.conj(z) * hd.derivative(lambda u: u**2 * z, holomorphic=True)(z)
    )(w)
    assert dz == 4 * w * np.conj(w) and dz_bar == 2 * w**2
    # values alone (a branch on |z|, an aux output) are no use of the derivative: fine
    got_branch = hd.jacobian(lambda z: np.where(np.abs(z) > 1, z**2, z), holomorphic=True)(z)
    np.testing.assert_array_equal(got_branch, np.diag(np.where(np.abs(z) > 1, 2 * z, 1)))
    gradient, aux = hd.grad(
        lambda z: (np.sum(z**3), np.linalg.norm(z)), has_aux=True, holomorphic=True
    )(z)
    np.testing.assert_allclose(gradient, 3 * z**2, rtol=1e-15)
    assert aux == np.linalg.norm(z)
    # eig's eigenvalues are holomorphic (its unit eigenvectors are not)
    got_eig = hd.jacobian(lambda m: np.linalg.eig(m)[0], holomorphic=True)(_M)
    _, vectors = np.linalg.eig(_M)
    left = np.linalg.inv(vectors)  # d lambda_k / d M_ij = (V^-1)_ki V_jk
    np.testing.assert_allclose(got_eig, np.einsum("ki,jk->kij", left, vectors), atol=1e-13)
    with pytest.raises(TypeError, match="are not holomorphic"):
        hd.jacobian(lambda m: np.linalg.eig(m)[1], holomorphic=True)(_M)
    # the mark ends with its transform (after an error too): a later real transform at
    # that depth takes abs of complex intermediates, and check_holomorphic its ValueError
    got_real = hd.jacobian(lambda x: np.abs(x * (1 + 1j)))(np.array([1.0, -2.0]))
    np.testing.assert_allclose(got_real, np.diag([np.sqrt(2), -np.sqrt(2)]), rtol=1e-15)
    with pytest.raises(ValueError, match="not holomorphic"):
        hd.derivative(np.conj, holomorphic=True, check_holomorphic=True)(np.complex128(1j))


# numpy's values at these points lie on one side of the cut (signed zero); the
# derivatives of the C++ table's complex Arcsin, Arccos, Arccosh and of taylor.hpp's rules
# were the other side's: (T(1) - a)(T(1) + a) and a + T(1) with a complex 1 lost the zero's
# sign (elementary.hpp's detail::kRealOne keeps it)
_CUT = [
    ("arcsin", np.arcsin, mpmath.asin, complex(2.0, 0.0)),
    ("arcsin", np.arcsin, mpmath.asin, complex(-1.5, -0.0)),
    ("arccos", np.arccos, mpmath.acos, complex(3.0, 0.0)),
    ("arccosh", np.arccosh, mpmath.acosh, complex(-2.0, -0.0)),
]


@pytest.mark.parametrize("order", [1, 2, 3])
def test_inverse_trig_derivatives_on_their_cuts_follow_numpys_side(order: int) -> None:
    with mpmath.workdps(30):
        for _, f, reference, z in _CUT:
            side = mpmath.mpc(z.real, np.copysign(1e-25, z.imag))
            assert abs(complex(reference(side)) - f(z)) < 1e-12  # numpy's side
            expected = complex(mpmath.diff(reference, side, order))
            got = complex(hd.derivative(f, order=order, holomorphic=True)(np.complex128(z)))
            assert abs(got - expected) < 1e-12 * abs(expected), (f, z, got, expected)


def test_polygamma_rules_far_from_the_real_axis() -> None:
    """psi' = polygamma(1, z) and psi'' by the reflection at Re z <= 0 took pi^2/sin^2(pi z)
    with sin overflowing from |Im z| = 226: nan for psi', loggamma'' and Gamma'' at 228j,
    where they are finite (and 1/sin^2 is 0 to rounding)."""
    z = np.array([228.5j, -0.3 + 300.0j, -5.5 - 250.0j, -2.5 + 7.0j])
    with mpmath.workdps(30):
        psi1 = np.array([complex(mpmath.psi(1, complex(w))) for w in z])
        psi2 = np.array([complex(mpmath.psi(2, complex(w))) for w in z])
        gamma2 = np.array(
            [complex(mpmath.gamma(w) * (mpmath.digamma(w) ** 2 + mpmath.psi(1, w))) for w in z]
        )
    got = hd.derivative(sc.psi, order=2, holomorphic=True)
    np.testing.assert_allclose(hd.derivative(sc.psi, holomorphic=True)(z), psi1, rtol=1e-14)
    np.testing.assert_allclose(got(z), psi2, rtol=1e-14)
    loggamma2 = hd.derivative(sc.loggamma, order=2, holomorphic=True)(z)
    np.testing.assert_allclose(loggamma2, psi1, rtol=1e-14)
    np.testing.assert_allclose(
        hd.derivative(sc.gamma, order=2, holomorphic=True)(z[2:]), gamma2[2:], rtol=1e-12
    )
