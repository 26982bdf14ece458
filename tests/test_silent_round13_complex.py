"""Round thirteen: complex numbers and dtypes.

- numpy.vecmat conjugates its first operand (as vecdot does), and irfft, irfft2, irfftn
  and hfft of complex input are real-linear but not complex-linear (their real output
  drops imaginary parts; hfft conjugates): none of them is holomorphic, yet
  holomorphic=True took their derivatives along the real axis for f'(z), silently.
  They raise a TypeError naming them now, as vecdot, conj, real, ... did.
- A write through the view of the real or imaginary parts (w.real[0] = 0,
  np.imag(w)[...] = v: numpy's writes reach w) under holomorphic=True went into a
  copy with nan parts: w kept its old value and parts, and the transform returned the
  derivative of f without the write. Such a view is read-only now, so the write raises.
- x.real = v and x.imag = v (numpy's setters) raised AttributeError; they write
  through the views as numpy's do (and x.imag = v of real components raises numpy's
  TypeError).
- numpy.histogram with complex dual weights (numpy takes complex weights) raised
  numpy's internal "Cannot cast complex128 to float64" from np.bincount; the parts are
  the weights' parts summed per bin, real and imaginary parts apart.

References are closed forms: Wirtinger calculus by hand, histogram sums by numpy of
the part planes, f'(z) of linear maps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

_RNG = np.random.default_rng(13)
_Z = _RNG.standard_normal(4) + 1j * _RNG.standard_normal(4)
_M = _RNG.standard_normal((4, 4)) + 1j * _RNG.standard_normal((4, 4))

# --- functions that are not holomorphic -----------------------------------------------
_NOT_HOLOMORPHIC: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "vecmat": ("numpy.vecmat", lambda u: np.vecmat(u, _M)),
    "vecmat_batched": ("numpy.vecmat", lambda u: np.vecmat(np.stack([u, 2 * u]), _M)),
    "vecdot": ("numpy.vecdot", lambda u: np.vecdot(np.stack([u, 1j * u]), _Z)),
    "irfft": ("numpy.fft.irfft", lambda u: np.fft.irfft(u) * (1 + 2j)),
    "irfft_n": ("numpy.fft.irfft", lambda u: np.fft.irfft(u, n=5, norm="ortho") * 1j),
    "hfft": ("numpy.fft.hfft", lambda u: np.fft.hfft(u) + 0j),
    "irfft2": ("numpy.fft.irfft2", lambda u: np.fft.irfft2(u.reshape(2, 2)) * 1j),
    "irfftn": ("numpy.fft.irfftn", lambda u: np.fft.irfftn(u.reshape(1, 2, 2)) * 1j),
}

_HOLOMORPHIC_TRANSFORMS: dict[str, Callable[[Callable[[Any], Any], np.ndarray], Any]] = {
    "jacobian": lambda f, z: hd.jacobian(f, holomorphic=True)(z),
    "jacobian_chunked": lambda f, z: hd.jacobian(f, holomorphic=True, chunk_size=1)(z),
    "grad": lambda f, z: hd.grad(lambda u: np.sum(f(u)), holomorphic=True)(z),
    "hessian": lambda f, z: hd.hessian(lambda u: np.sum(f(u) * u[0]), holomorphic=True)(z),
    "jacobian_of_jacobian": lambda f, z: hd.jacobian(
        hd.jacobian(lambda u: np.sum(f(u)), holomorphic=True), holomorphic=True
    )(z),
}


@pytest.mark.parametrize("transform", sorted(_HOLOMORPHIC_TRANSFORMS))
@pytest.mark.parametrize("case", sorted(_NOT_HOLOMORPHIC))
def test_functions_that_are_not_holomorphic_raise_under_holomorphic_true(
    case: str, transform: str
) -> None:
    name, f = _NOT_HOLOMORPHIC[case]
    with pytest.raises(TypeError, match=name.replace(".", r"\.") + " is not holomorphic"):
        _HOLOMORPHIC_TRANSFORMS[transform](f, _Z)


@pytest.mark.parametrize("case", sorted(_NOT_HOLOMORPHIC))
def test_their_wirtinger_derivatives_are_exact(case: str) -> None:
    """Each is real-linear: f(z) = A z + B conj(z); A and B from f of the units (numpy)."""
    _, f = _NOT_HOLOMORPHIC[case]
    units = np.eye(_Z.size)
    along_1 = np.stack([np.asarray(f(e)) for e in units], axis=-1)
    along_i = np.stack([np.asarray(f(1j * e)) for e in units], axis=-1)
    a, b = (along_1 - 1j * along_i) / 2, (along_1 + 1j * along_i) / 2
    dz, dzbar = hd.wirtinger(f)(_Z)
    np.testing.assert_allclose(dz, a, rtol=0, atol=1e-15 * np.max(np.abs(a)))
    np.testing.assert_allclose(dzbar, b, rtol=0, atol=1e-15 * np.max(np.abs(b)))
    assert np.max(np.abs(b)) > 0.1  # not holomorphic indeed


@pytest.mark.parametrize("transform", ["jacobian", "grad"])
def test_their_holomorphic_neighbours_still_work(transform: str) -> None:
    """matvec, vecmat in its second operand, fft: complex-linear, f'(z) = the matrix."""
    cases: list[tuple[Callable[[Any], Any], np.ndarray]] = [
        (lambda u: np.matvec(_M, u), _M),
        (lambda u: np.vecmat(_Z, u[:, None] * _M), (_Z.conj()[:, None] * _M).T),
        (lambda u: np.fft.fft(u), np.fft.fft(np.eye(_Z.size), axis=0)),
    ]
    for f, matrix in cases:
        if transform == "jacobian":
            got = hd.jacobian(f, holomorphic=True)(_Z)
            np.testing.assert_allclose(got, matrix, rtol=1e-15, atol=1e-15)
        else:
            got = hd.grad(lambda u, f=f: np.sum(f(u)), holomorphic=True)(_Z)
            np.testing.assert_allclose(got, matrix.sum(axis=0), rtol=1e-14, atol=1e-14)
