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
- derivative(f, order=k >= 3 or order=(k_1, ...), holomorphic=True,
  check_pointwise=False) of an f calling conj, abs, real, ... (or real-valued) returned
  nan parts without an error; orders 1 and 2 (and the probe's pass, with the check)
  raise naming the function. So do higher orders now.
- numpy.sign of complex components at 0: first-order parts nan (not differentiable),
  second-order parts 0 from the division's strong zeros (a Hessian of Re sign(x + iy)
  at the origin was 0 beside a nan gradient). They are nan now where z moves.
- x ** e took square, sqrt, reciprocal for every exponent equal to 2, 0.5, -1 in the
  base's dtype; numpy 2 does so for a Python int 2, -1 and a Python float 0.5 only: a
  numpy scalar exponent is np.power's, promoting (float32 ** np.float64(2) is float64,
  hyperdiff's was float32 in value and parts), and x ** 2.0, x ** -1.0 of complex
  components have np.power's bits, not square's (a last-bit difference at a quarter of
  the points).
- Taylor arrays (hd.taylor, derivative(order >= 3)) of arctan2 and angle at the
  origin, where they jump: the recurrence's 0/0 = 0 gave zero derivatives (d/dt
  arctan2(t^2, t) is 1 on the right) where the hyper-dual kernels give nan. nan now
  wherever an operand moves.
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


# --- hyperdiff.linalg's scipy mirrors that conjugate a matrix ---------------------------
_B = _RNG.standard_normal(4) + 1j * _RNG.standard_normal(4)
_A = _M + 4 * np.eye(4)


def _triangular_solve(trans: Any) -> Callable[[Any], Any]:
    return lambda a: hd.linalg.solve_triangular(a, _B, trans=trans)


def _cholesky_solve(c: Any) -> Any:
    return hd.linalg.cho_solve((c, True), _B)


_CONJUGATING_SOLVES: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "solve_triangular_C": (r"scipy\.linalg\.solve_triangular\(trans='C'\)", _triangular_solve("C")),
    "solve_triangular_2": (r"scipy\.linalg\.solve_triangular\(trans='C'\)", _triangular_solve(2)),
    "cho_solve": (r"scipy\.linalg\.cho_solve", _cholesky_solve),
}


@pytest.mark.parametrize("transform", ["jacobian", "hessian", "order3"])
@pytest.mark.parametrize("case", sorted(_CONJUGATING_SOLVES))
def test_solves_that_conjugate_their_matrix_raise_under_holomorphic(
    case: str, transform: str
) -> None:
    """T^H x = b and (L L^H) x = b are not holomorphic in T, L: f'(z) was the
    derivative along the real axis, silently."""
    message, f = _CONJUGATING_SOLVES[case]
    call = {
        "jacobian": lambda: hd.jacobian(f, holomorphic=True)(_A),
        "hessian": lambda: hd.hessian(lambda a: np.sum(f(a)), holomorphic=True)(_A),
        "order3": lambda: hd.derivative(
            lambda t: f(_A + t * np.eye(4))[0], order=3, holomorphic=True
        )(0.5 + 0.25j),
    }[transform]
    with pytest.raises(TypeError, match=message + " is not holomorphic"):
        call()


@pytest.mark.parametrize("case", sorted(_CONJUGATING_SOLVES))
def test_solves_that_conjugate_their_matrix_have_exact_wirtinger_derivatives(case: str) -> None:
    """x = M^-1 b, dx = -M^-1 dM x. T^H x = b (T = triu a): M = T^H, dM/d conj(a_ij) =
    e_j e_i^T. cho_solve: M = L L^H (L = tril c), dM/dc_ij = e_i conj(L_:j)^T and
    dM/d conj(c_ij) = L_:j e_i^T (i >= j)."""
    _, f = _CONJUGATING_SOLVES[case]
    n = _A.shape[0]
    dz_want = np.zeros((n, n, n), dtype=complex)
    dzbar_want = np.zeros((n, n, n), dtype=complex)
    if case.startswith("solve_triangular"):
        m_inv = np.linalg.inv(np.triu(_A).conj().T)
        x = m_inv @ _B
        for i, j in zip(*np.triu_indices(n), strict=True):
            dzbar_want[:, i, j] = -m_inv[:, j] * x[i]
    else:
        low = np.tril(_A)
        m_inv = np.linalg.inv(low @ low.conj().T)
        x = m_inv @ _B
        for i, j in zip(*np.tril_indices(n), strict=True):
            dz_want[:, i, j] = -m_inv[:, i] * (low[:, j].conj() @ x)
            dzbar_want[:, i, j] = -(m_inv @ low[:, j]) * x[i]
    dz, dzbar = hd.wirtinger(f)(_A)
    scale = np.max(np.abs(dzbar_want))
    np.testing.assert_allclose(dz, dz_want, rtol=0, atol=1e-14 * scale)
    np.testing.assert_allclose(dzbar, dzbar_want, rtol=0, atol=1e-14 * scale)


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


# --- writes through the views of the real and imaginary parts -------------------------
def _set_real_item(w: Any, u: Any) -> None:
    w.real[0] = 0.0


def _set_imag_all(w: Any, u: Any) -> None:
    w.imag[...] = 1.0


def _np_real_view(w: Any, u: Any) -> None:
    np.real(w)[1:] = u.real[1:] * 3


def _copyto_imag(w: Any, u: Any) -> None:
    np.copyto(np.imag(w), 2.0)


def _iadd_real(w: Any, u: Any) -> None:
    view = w.real
    view += 1.0


def _real_setter(w: Any, u: Any) -> None:
    w.real = u.imag


def _imag_setter(w: Any, u: Any) -> None:
    w.imag = u.real


# each write and (df/dz, df/dz-bar) of f(u) = (w := 2u, the write, w), by hand
_WRITES: dict[str, tuple[Callable[[Any, Any], None], Callable[[np.ndarray], Any]]] = {
    # w_0 = 2i Im u_0 = u_0 - conj(u_0)
    "real_item": (_set_real_item, lambda z: ([1, 2, 2, 2], [-1, 0, 0, 0])),
    # w = 2 Re u + i = u + conj(u) + i
    "imag_all": (_set_imag_all, lambda z: ([1, 1, 1, 1], [1, 1, 1, 1])),
    # w_k = 3 Re u_k + 2i Im u_k (k >= 1): (5/2, 1/2)
    "np_real_view": (_np_real_view, lambda z: ([2, 2.5, 2.5, 2.5], [0, 0.5, 0.5, 0.5])),
    # w = 2 Re u + 2i
    "copyto_imag": (_copyto_imag, lambda z: ([1, 1, 1, 1], [1, 1, 1, 1])),
    # w = 2u + 1: holomorphic, yet the write goes through a real view
    "iadd_real": (_iadd_real, lambda z: ([2, 2, 2, 2], [0, 0, 0, 0])),
    # w = Im u + 2i Im u = (1 + 2i)(u - conj u)/(2i)
    "real_setter": (_real_setter, lambda z: ([1 - 0.5j] * 4, [-1 + 0.5j] * 4)),
    # w = 2 Re u + i Re u = (2 + i)(u + conj u)/2
    "imag_setter": (_imag_setter, lambda z: ([1 + 0.5j] * 4, [1 + 0.5j] * 4)),
}


def _written(write: Callable[[Any, Any], None]) -> Callable[[Any], Any]:
    def f(u: Any) -> Any:
        w = u * 2.0
        write(w, u)
        return w

    return f


@pytest.mark.parametrize("transform", ["derivative", "jacobian", "hessian_of_sum"])
@pytest.mark.parametrize("case", sorted(_WRITES))
def test_a_write_through_a_real_or_imaginary_view_is_not_lost_under_holomorphic(
    case: str, transform: str
) -> None:
    f = _written(_WRITES[case][0])
    call = {
        "derivative": lambda: hd.derivative(f, holomorphic=True)(_Z),
        "jacobian": lambda: hd.jacobian(f, holomorphic=True)(_Z),
        "hessian_of_sum": lambda: hd.hessian(lambda u: np.sum(f(u) * u), holomorphic=True)(_Z),
    }[transform]
    with pytest.raises(ValueError, match="read-only"):
        call()


@pytest.mark.parametrize("case", sorted(_WRITES))
def test_writes_through_real_and_imaginary_views_have_exact_wirtinger_derivatives(
    case: str,
) -> None:
    write, pair = _WRITES[case]
    f = _written(write)
    want_dz, want_dzbar = (np.asarray(p, dtype=complex) for p in pair(_Z))
    dz, dzbar = hd.wirtinger(f, elementwise=True)(_Z)
    np.testing.assert_array_equal(dz, want_dz)
    np.testing.assert_array_equal(dzbar, want_dzbar)
    plain = _Z.copy()
    np.testing.assert_array_equal(f(hd.dual(_Z, 1.0)).value, f(plain))  # numpy's value


_KINDS: dict[str, Callable[[np.ndarray, np.ndarray], Any]] = {
    "dual": lambda v, d: hd.dual(v, d),
    "hyperdual": lambda v, d: hd.hyperdual(v, d, 2 * d, 3 * d),
    "dualvec": lambda v, d: hd.dualvec(v, np.stack([d, -d])),
}


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("kind", sorted(_KINDS))
def test_real_and_imag_setters_write_every_plane_as_numpy(kind: str, dtype: Any) -> None:
    v = (_Z * 0.5).astype(dtype)
    d = (_Z[::-1] + 1).astype(dtype)
    x = _KINDS[kind](v, d)
    new_real = _KINDS[kind](np.arange(4.0), np.full(4, 0.25))
    x.real = new_real
    x.imag = 1.5  # a number: its parts are zero
    want = np.arange(4.0) + 1.5j
    assert x.dtype == dtype
    np.testing.assert_array_equal(x.value, want.astype(dtype))
    for p in range(1, x._stack.shape[0]):
        got = x._stack[p]
        np.testing.assert_array_equal(got.imag, 0)
        np.testing.assert_array_equal(got.real, new_real._stack[p])


def test_imag_setter_of_real_components_raises_as_numpy() -> None:
    x = hd.dual(np.array([1.0, 2.0]), 1.0)
    with pytest.raises(TypeError, match="does not have imaginary part to set"):
        x.imag = 1.0
    x.real = hd.dual(np.array([3.0, 4.0]), 2.0)  # of a real array: the array itself
    np.testing.assert_array_equal(x.value, [3.0, 4.0])
    np.testing.assert_array_equal(x.d, [2.0, 2.0])


# --- numpy.histogram with complex weights ---------------------------------------------
@pytest.mark.parametrize("density", [False, True])
@pytest.mark.parametrize("bins", ["count", "edges"])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_histogram_takes_complex_dual_weights(dtype: Any, bins: str, density: bool) -> None:
    a = np.array([0.1, 0.5, 2.0, 2.9, 1.2, 0.7])
    w = np.array([1 + 1j, 2, 3j, 4, -1j, 0.5 - 0.5j]).astype(dtype)
    v = np.array([0.5 - 1j, 1j, 2, 1 + 1j, 3, -2j]).astype(dtype)
    b: Any = 3 if bins == "count" else np.array([0.0, 1.0, 1.5, 3.0])
    got, edges = np.histogram(a, bins=b, weights=hd.dual(w, v), density=density)
    want, want_edges = np.histogram(a, bins=b, weights=w, density=density)
    np.testing.assert_array_equal(got.value, want)
    np.testing.assert_array_equal(edges, want_edges)
    assert got.d.dtype == want.dtype
    # linear in the weights: sums of v per bin; density: (s_v S_w - s_w S_v) / (width S_w^2)
    sums_w = np.histogram(a, bins=b, weights=w.astype(complex))[0]
    sums_v = np.histogram(a, bins=b, weights=v.astype(complex))[0]
    if density:
        width, total_w, total_v = np.diff(want_edges), w.astype(complex).sum(), v.sum()
        want_d = (sums_v * total_w - sums_w * total_v) / (width * total_w**2)
    else:
        want_d = sums_v
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(got.d, want_d, rtol=8 * eps, atol=8 * eps * np.max(np.abs(want_d)))


# --- derivative(order >= 3 or a tuple, holomorphic=True, check_pointwise=False) --------
_POINTWISE_NOT_HOLOMORPHIC: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "conj": (r"numpy\.conjugate", lambda u: np.conj(u) * u**2),
    "abs": (r"numpy\.absolute", lambda u: np.abs(u) * u),
    "real": (r"numpy\.real", lambda u: u.real * u),
    "imag": (r"numpy\.imag", lambda u: u + np.imag(u)),
    "angle": (r"numpy\.angle", lambda u: np.angle(u) * u),
    "sign": (r"numpy\.sign", lambda u: np.sign(u) * u**3),
    # (times b in the mixed partial: complex there, absolute named)
    "real_valued": (
        r"needs a function with complex outputs|numpy\.absolute",
        lambda u: abs(u) ** 4,
    ),
}
_ORDERS: dict[str, Callable[[Callable[[Any], Any], bool, np.ndarray], Any]] = {
    "3": lambda f, c, z: hd.derivative(f, order=3, holomorphic=True, check_pointwise=c)(z),
    "4": lambda f, c, z: hd.derivative(f, order=4, holomorphic=True, check_pointwise=c)(z),
    "(3,)": lambda f, c, z: hd.derivative(
        f, order=(3,), argnums=(0,), holomorphic=True, check_pointwise=c
    )(z),
    "(2, 1)": lambda f, c, z: hd.derivative(
        lambda a, b: f(a) * b, order=(2, 1), argnums=(0, 1), holomorphic=True, check_pointwise=c
    )(z, z),
}
# every function at every order on 3 points; the fused elementwise pass (from 32768
# points) at order 3 for two of them
_HIGHER_CASES = [(c, o, 3) for c in sorted(_POINTWISE_NOT_HOLOMORPHIC) for o in sorted(_ORDERS)]
_HIGHER_CASES += [("conj", "3", 40_000), ("real_valued", "3", 40_000)]


@pytest.mark.parametrize("check_pointwise", [False, True])
@pytest.mark.parametrize(("case", "order", "size"), _HIGHER_CASES)
def test_higher_orders_under_holomorphic_raise_for_functions_that_are_not_holomorphic(
    case: str, order: str, size: int, check_pointwise: bool
) -> None:
    """With check_pointwise=False they gave nan parts, no error, where orders 1 and 2
    raise naming the function (the probe's first-order pass raised with the check)."""
    message, f = _POINTWISE_NOT_HOLOMORPHIC[case]
    with pytest.raises(TypeError, match=message):
        _ORDERS[order](f, check_pointwise, np.resize(_Z, size))


@pytest.mark.parametrize("size", [3, 40_000])
@pytest.mark.parametrize("check_pointwise", [False, True])
def test_higher_orders_under_holomorphic_of_a_holomorphic_function(
    check_pointwise: bool, size: int
) -> None:
    """(u^3 sin u)''' = 6 sin u + 18 u cos u - 9 u^2 sin u - u^3 cos u; d^3(a^3 b^2)/da^2 db
    = 12 a b."""
    z = np.resize(_Z, size)
    s, c = np.sin(z), np.cos(z)
    want = 6 * s + 18 * z * c - 9 * z**2 * s - z**3 * c
    got = _ORDERS["3"](lambda u: u**3 * np.sin(u), check_pointwise, z)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13 * np.max(np.abs(want)))
    got = hd.derivative(
        lambda a, b: a**3 * b**2,
        order=(2, 1),
        argnums=(0, 1),
        holomorphic=True,
        check_pointwise=check_pointwise,
    )(z, z)
    np.testing.assert_allclose(got, 12 * z * z, rtol=1e-14)


# --- x ** e: numpy's fast paths and numpy's promotion ----------------------------------
_EXPONENTS: list[Any] = [
    2, -1, 1, 0.5, 1.0, 2.0, -1.0, 3, 0,
    np.float64(2.0), np.float64(0.5), np.float64(-1.0), np.int64(2), np.int64(-1),
    np.float32(0.5), np.float32(2.0), np.int8(2), np.bool_(True),
]  # fmt: skip


def _power_bases(dtype: Any) -> np.ndarray:
    rng = np.random.default_rng(7)
    real = rng.standard_normal(64)
    if np.dtype(dtype).kind == "c":
        return (real + 1j * rng.standard_normal(64)).astype(dtype)
    return np.abs(real).astype(dtype) + np.asarray(0.25, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("exponent", _EXPONENTS, ids=repr)
def test_power_by_a_number_is_numpys_value_dtype_and_bits(exponent: Any, dtype: Any) -> None:
    """numpy 2 takes square, reciprocal, sqrt only for a Python int 2, -1 and a Python
    float 0.5; x ** 2.0 and numpy scalar exponents are np.power, a numpy scalar
    promoting (float32 ** np.float64(2) is float64). hyperdiff took square etc. for all
    of them in the base's dtype: float32 values and parts where numpy's are float64, and
    complex bits that were not numpy's."""
    z = _power_bases(dtype)
    want = z**exponent
    e = complex(exponent) if np.dtype(dtype).kind == "c" else float(exponent)
    zz = z.astype(want.dtype)
    slope = e * zz ** (e - 1) if e else np.zeros_like(zz)  # (numpy's, in numpy's dtype)
    for x in (
        hd.dual(z, np.ones_like(z)),
        hd.hyperdual(z, np.ones_like(z), np.ones_like(z)),
        hd.dualvec(z, np.stack([np.ones_like(z), 2 * np.ones_like(z)])),
    ):
        y = x**exponent
        assert y.dtype == want.dtype
        eps = np.finfo(want.dtype).eps
        if np.dtype(dtype).kind == "c" or float(exponent) in (2, -1, 1, 0.5):
            np.testing.assert_array_equal(y.value, want)  # numpy's bits
        else:  # a real power through libmvec's pow: within a few ulps (README)
            np.testing.assert_allclose(y.value, want, rtol=4 * eps, atol=0)
        first = y._stack[1]
        assert first.dtype == want.dtype
        np.testing.assert_allclose(first, slope, rtol=8 * eps, atol=0)


# --- complex sign at 0: nan second-order parts where z moves --------------------------
@pytest.mark.parametrize("part", ["real", "imag"])
def test_hessian_through_complex_sign_at_the_origin_is_nan_as_its_gradient(part: str) -> None:
    """sign(z) = z/|z| is not differentiable at 0: its first-order parts were nan there,
    its second-order parts 0 (the division's strong zeros): a Hessian of 0 beside a nan
    gradient."""

    def f(p: Any) -> Any:
        s = np.sign(p[0] + 1j * p[1])
        return s.real if part == "real" else s.imag

    origin = np.zeros(2)
    assert np.isnan(hd.grad(f)(origin)).all()
    assert np.isnan(hd.hessian(f)(origin)).all()
    assert np.isnan(hd.hessian_diag(f)(origin)).all()
    # away from 0, at r = 1: d2(x/r) = [[-3 x y^2, y (2x^2 - y^2)], [., x (2y^2 - x^2)]],
    # d2(y/r) likewise with x and y exchanged
    p = np.array([0.6, -0.8])
    x, y = p
    h = hd.hessian(f)(p)
    re = np.array(
        [[-3 * x * y**2, y * (2 * x**2 - y**2)], [y * (2 * x**2 - y**2), x * (2 * y**2 - x**2)]]
    )
    im = np.array(
        [[y * (2 * x**2 - y**2), x * (2 * y**2 - x**2)], [x * (2 * y**2 - x**2), -3 * x**2 * y]]
    )
    np.testing.assert_allclose(h, re if part == "real" else im, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_sign_at_zero_is_nan_along_the_directions_that_move_it(dtype: Any) -> None:
    z = np.array([0, 1 + 1j, 0], dtype=dtype)
    # hyperdual: element 0 moves along e1 only, element 2 not at all
    y = np.sign(hd.hyperdual(z, np.array([1, 1, 0]), np.array([0, 1, 0]), dtype=dtype))
    assert np.isnan(y.e1[0]) and y.e2[0] == 0 and np.isnan(y.e12[0])
    assert y.e1[2] == 0 and y.e2[2] == 0 and y.e12[2] == 0  # a constant 0: strong zeros
    assert np.isfinite(y._stack[1:, 1]).all()
    # a HyperDualVec(2): pairs (0, 0), (0, 1), (1, 1)
    v = hd.hyperdualvec(z, np.array([[1, 1, 0], [0, 1, 0]], dtype=dtype))
    planes = np.sign(v)._stack[:, 0]
    np.testing.assert_array_equal(np.isnan(planes), [False, True, False, True, True, False])


# --- Taylor arrays: arctan2 (and angle) at the origin ---------------------------------
_AT_ORIGIN: dict[str, Callable[[Any], Any]] = {
    "arctan2(t^2, t)": lambda t: np.arctan2(t**2, t),  # atan t for t > 0: f' = 1 there
    "arctan2(2t, t)": lambda t: np.arctan2(2 * t, t),
    "arctan2(0, t)": lambda t: np.arctan2(0.0, t),
    "angle(t + i t^2)": lambda t: np.angle(t + 1j * t**2),
    "angle((1 + 2i) t)": lambda t: np.angle((1 + 2j) * t),
}


@pytest.mark.parametrize("case", sorted(_AT_ORIGIN))
def test_taylor_arctan2_at_the_origin_is_nan_as_at_orders_one_and_two(case: str) -> None:
    """arctan2 jumps at the origin; the hyper-dual kernels give nan there, the Taylor
    kernel's 0/0 = 0 gave zero derivatives (d/dt arctan2(t^2, t) = 1 on the right)."""
    f = _AT_ORIGIN[case]
    t = np.array([0.0])
    planes = hd.taylor(f, t, np.ones(1), 4)
    assert np.isnan(planes[1:]).all()
    assert np.isnan(hd.derivative(f, order=3)(t)).all()
    assert np.isnan(hd.derivative(f, order=2)(t)).all()  # (the hyper-dual kernels)
    # a constant origin keeps zero parts; away from it, the closed form
    still = hd.taylor(lambda s: np.arctan2(0 * s, 0 * s) + s, t, np.ones(1), 3)
    np.testing.assert_array_equal(still[:, 0], [0.0, 1.0, 0.0, 0.0])
    # arctan2(t + 1, 1) = atan(t + 1) at t = 0: 1/2, -1/2, 1/2
    away = hd.taylor(lambda s: np.arctan2(s + 1, 1.0), t, np.ones(1), 3)[1:, 0]
    np.testing.assert_allclose(away, [0.5, -0.5, 0.5], rtol=1e-15)
