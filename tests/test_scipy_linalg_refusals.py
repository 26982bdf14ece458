"""scipy.linalg's functions that hyperdiff.linalg does not mirror raise a TypeError naming
them (they failed later with "object arrays are not supported" or "float() of a Dual",
naming neither the function nor hyperdiff); those written in numpy that compute on the
object array of dual scalars keep working, their derivatives checked here against the
same linear construction of the tangent (an independent reference: each is linear)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

sl = pytest.importorskip("scipy.linalg")

A0 = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
V0 = np.array([1.0, 2.0, 3.0])

REFUSED: dict[str, Callable[[Any], Any]] = {
    "polar": lambda a: sl.polar(a)[0],
    "schur": lambda a: sl.schur(a)[0],
    "rq": lambda a: sl.rq(a)[0],
    "hessenberg": sl.hessenberg,
    "svdvals": sl.svdvals,
    "pinvh": sl.pinvh,
    "ldl": lambda a: sl.ldl(a)[0],
    "sinm": sl.sinm,
    "coshm": sl.coshm,
    "signm": sl.signm,
    "funm": lambda a: sl.funm(a, np.exp),
    "null_space": sl.null_space,
    "orth": sl.orth,
    "solve_continuous_lyapunov": lambda a: sl.solve_continuous_lyapunov(a, a),
    "solve_toeplitz": lambda a: sl.solve_toeplitz(a[0], V0),
    "fractional_matrix_power": lambda a: sl.fractional_matrix_power(a, 0.5),
    "lu": lambda a: sl.lu(a)[2],
    "companion": lambda a: sl.companion(a[0]),
    "eigvalsh_tridiagonal": lambda a: sl.eigvalsh_tridiagonal(a[0], a[1][:2]),
    "issymmetric": sl.issymmetric,
}


@pytest.mark.parametrize("name", sorted(REFUSED))
@pytest.mark.parametrize("transform", ["dense", "detection"])
def test_unmirrored_functions_are_named(name: str, transform: str) -> None:
    function = REFUSED[name]
    if transform == "dense":
        run = hd.derivative(lambda t: function(A0 * t))
        point: Any = 1.0
    else:
        run = hd.jacobian_sparsity(lambda a: function(a), local=True)  # (its branches)
        point = A0
    with pytest.raises(TypeError, match=rf"scipy\.linalg\.{name}\b"):
        run(point)


# (function, its derivative along A0: the same construction of A0, as each is linear)
WORKING: dict[str, Callable[[Any], Any]] = {
    "block_diag": lambda a: sl.block_diag(a, 2 * a),
    "toeplitz": lambda a: sl.toeplitz(a[0], a[1]),
    "hankel": lambda a: sl.hankel(a[0], a[2]),
    "fiedler": lambda a: sl.fiedler(a[0]),
    "convolution_matrix": lambda a: sl.convolution_matrix(a[0], 4),
    "khatri_rao": lambda a: sl.khatri_rao(a, A0),
    "diagsvd": lambda a: sl.diagsvd(a[0], 3, 4),
    "solve_circulant": lambda a: sl.solve_circulant(V0 + 4, a[0]),
}


@pytest.mark.parametrize("name", sorted(WORKING))
def test_functions_written_in_numpy_still_differentiate(name: str) -> None:
    function = WORKING[name]
    derivative = hd.derivative(lambda t: function(A0 * t))(0.7)
    np.testing.assert_allclose(np.asarray(derivative, dtype=float), function(A0), rtol=1e-14)


SCIPY_NUMBERS: dict[str, Callable[[Any], Any]] = {
    "scipy.special.diric": lambda t: pytest.importorskip("scipy.special").diric(t, 3),
    "scipy.special.ellip_harm_2": lambda t: pytest.importorskip("scipy.special").ellip_harm_2(
        5, 8, 1, 1, t + 2.6
    ),
    "scipy.integrate.quad": lambda k: pytest.importorskip("scipy.integrate").quad(
        lambda x: k * x, 0, 1
    )[0],
    "scipy.integrate.solve_ivp": lambda k: (
        pytest.importorskip("scipy.integrate")
        .solve_ivp(lambda t, y: -k * y, (0, 1), [1.0])
        .y[0, -1]
    ),
}


@pytest.mark.parametrize("name", sorted(SCIPY_NUMBERS))
def test_scipy_functions_converting_to_numbers_are_named(name: str) -> None:
    with pytest.raises(TypeError, match=rf"\(in {name.replace('.', '[.]')}, which hyperdiff"):
        hd.derivative(SCIPY_NUMBERS[name])(0.5)


def test_user_conversions_name_no_scipy_function() -> None:
    with pytest.raises(
        TypeError,
        match=r"would drop its derivative parts \(for math's functions, numpy's: .*\); use float",
    ):
        hd.derivative(lambda t: float(t) * t)(0.5)
