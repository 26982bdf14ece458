"""Complex dual arrays: holomorphic and Wirtinger derivatives, the functions that are
not holomorphic, complex linear algebra, and the transforms on complex inputs.

Parts are derivatives with respect to real parameters. References are closed forms
evaluated with numpy (or scipy's expm), never hyperdiff itself; the elementwise
table's complex entries are checked against mpmath in test_complex_references.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

EPS = np.finfo(np.float64).eps


def random_complex(shape: Any, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def assert_close(got: Any, want: Any, ulps: float = 8.0) -> None:
    """|got - want| <= ulps eps max(|want|, max|want|/1e8), elementwise and complex."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = np.maximum(np.abs(want), np.max(np.abs(want), initial=0.0) * 1e-8)
    err = np.abs(got - want) / np.where(scale == 0, 1.0, scale)
    assert np.all(err <= ulps * EPS), f"worst error {np.max(err) / EPS:.1f} ulps"


def hermitian(n: int, seed: int) -> np.ndarray:
    a = random_complex((n, n), seed)
    return a + a.conj().T


# --- what the issue must show ---------------------------------------------------
def test_derivative_of_a_real_input_with_a_complex_output() -> None:
    d = hd.derivative(lambda x: 2j * x)(1.234)
    assert d == 2j and np.iscomplexobj(d)


def test_derivative_of_expm_of_i_x_h() -> None:
    """d/dx expm(i x H) = i H expm(i x H), the reference from H's eigendecomposition."""
    h = hermitian(5, seed=3)
    x = 0.7
    w, v = np.linalg.eigh(h)
    want = v @ np.diag(1j * w * np.exp(1j * x * w)) @ v.conj().T
    got = hd.derivative(lambda t: hd.linalg.expm(1j * t * h))(x)
    assert_close(got, want, ulps=64)
    # the same through a HyperDual: the second derivative is -H^2 expm(i x H)
    second = hd.derivative(lambda t: hd.linalg.expm(1j * t * h), order=2)(x)
    assert_close(second, v @ np.diag(-(w**2) * np.exp(1j * x * w)) @ v.conj().T, ulps=256)


def test_holomorphic_derivative_of_exp_sin_at_a_million_points() -> None:
    z = random_complex(1_000_000, seed=1)
    got = hd.derivative(lambda z: np.exp(np.sin(z)), holomorphic=True)(z)

    # ulps of each factor, times the conditions: exp's |s| on sin z's ulps, and the
    # cancellation in a difference
    def close(got: Any, want: Any, ulps: float, cancellation: Any = 1.0) -> None:
        condition = (1 + np.abs(np.sin(z))) * cancellation
        err = np.abs(got - want) / (np.abs(want) * condition)
        assert np.max(err) <= ulps * EPS, f"worst error {np.max(err) / EPS:.1f} ulps"

    close(got, np.cos(z) * np.exp(np.sin(z)), 8)
    # f'' = (cos^2 z - sin z) exp(sin z), one HyperDual pass
    z = z[:10_000]
    second = hd.derivative(lambda z: np.exp(np.sin(z)), order=2, holomorphic=True)(z)
    c2, s = np.cos(z) ** 2, np.sin(z)
    close(second, (c2 - s) * np.exp(s), 16, (np.abs(c2) + np.abs(s)) / np.abs(c2 - s))


def test_wirtinger_pairs_of_abs_squared_and_conj() -> None:
    z = 0.3 - 1.7j
    dz, dzbar = hd.wirtinger(lambda z: abs(z) ** 2)(z)
    assert_close(dz, np.conj(z), ulps=4)
    assert_close(dzbar, z, ulps=4)
    assert hd.wirtinger(np.conj)(z) == (0, 1)
    assert hd.wirtinger(lambda z: z * np.conj(z))(z) == (np.conj(z), z)  # exact


def test_wirtinger_of_a_holomorphic_function_has_an_exactly_zero_conjugate_part() -> None:
    z = random_complex(50, seed=2)
    dz, dzbar = hd.wirtinger(lambda z: z * z, elementwise=True)(z)
    np.testing.assert_array_equal(dz, 2 * z)
    np.testing.assert_array_equal(dzbar, 0)


def test_wirtinger_of_real_part_imag_part_and_angle() -> None:
    z = random_complex(20, seed=4)
    wirt = hd.wirtinger
    for f, dz, dzbar in (
        (np.real, 0.5, 0.5),
        (np.imag, -0.5j, 0.5j),
        (lambda z: z.real, 0.5, 0.5),
        (lambda z: z.imag, -0.5j, 0.5j),
        # angle = Im log z: d/dz = 1/(2iz), d/dzbar = -1/(2i zbar)
        (np.angle, 1 / (2j * z), -1 / (2j * np.conj(z))),
        # |z|: conj(z)/(2|z|) and z/(2|z|)
        (np.abs, np.conj(z) / (2 * np.abs(z)), z / (2 * np.abs(z))),
    ):
        got_dz, got_dzbar = wirt(f, elementwise=True)(z)
        assert_close(got_dz, np.broadcast_to(dz, z.shape), ulps=4)
        assert_close(got_dzbar, np.broadcast_to(dzbar, z.shape), ulps=4)


def test_wirtinger_jacobians_have_jacobian_shapes() -> None:
    a = random_complex((3, 4), seed=5)
    b = random_complex((3, 4), seed=6)
    z = random_complex(4, seed=7)
    dz, dzbar = hd.wirtinger(lambda z: a @ np.conj(z) + b @ z)(z)
    assert dz.shape == dzbar.shape == (3, 4)
    assert_close(dz, b, ulps=4)  # from (a + b) - (a - b) and its halves
    assert_close(dzbar, a, ulps=4)
    (dz0, dz1), (dzbar0, dzbar1) = hd.wirtinger(lambda z, w: z * np.conj(w), argnums=(0, 1))(
        1 + 1j, 2 - 1j
    )
    assert (dz0, dz1, dzbar0, dzbar1) == (2 + 1j, 0, 0, 1 + 1j)


# --- non-holomorphic functions as derivatives along a real parameter -----------
def test_abs_angle_real_imag_along_a_complex_direction() -> None:
    """z(t) = z + b t: closed forms of d/dt and d^2/dt^2 of |z|, angle, Re, Im."""
    z = random_complex(30, seed=7)
    b = random_complex(30, seed=8)
    x = hd.hyperdual(z, e1=b, e2=b)
    r = np.abs(z)
    along = (np.conj(z) * b).real  # Re(conj(z) b)
    across = (np.conj(z) * b).imag
    checks = (
        (np.abs(x), r, along / r, (np.abs(b) ** 2 - (along / r) ** 2) / r),
        (np.angle(x), np.angle(z), across / r**2, -2 * along * across / r**4),
        (x.real, z.real, b.real, 0 * r),
        (x.imag, z.imag, b.imag, 0 * r),
        (np.conj(x), np.conj(z), np.conj(b), 0 * z),
    )
    for y, value, first, second in checks:
        np.testing.assert_array_equal(y.value, value)
        assert_close(y.e1, first, ulps=8)
        assert_close(y.e2, first, ulps=8)
        assert_close(y.e12, second, ulps=64)
    assert np.abs(x).dtype == np.float64 and x.real.dtype == np.float64


def test_sign_of_complex_values() -> None:
    z = random_complex(10, seed=9)
    b = random_complex(10, seed=10)
    y = np.sign(hd.dual(z, b))
    np.testing.assert_array_equal(y.value, np.sign(z))
    # d/dt z/|z| = (b - z Re(conj(z) b)/|z|^2) / |z|
    r = np.abs(z)
    assert_close(y.d, (b - z * (np.conj(z) * b).real / r**2) / r, ulps=8)


def test_real_and_imag_follow_numpy_and_value_stays_the_primal() -> None:
    z = random_complex(4, seed=11)
    x = hd.dual(z, 1j)
    assert isinstance(x.real, hd.Dual) and isinstance(x.imag, hd.Dual)
    np.testing.assert_array_equal(x.value, z)
    np.testing.assert_array_equal(x.real.d, 0)
    np.testing.assert_array_equal(x.imag.d, 1)
    real = hd.dual(z.real, 2.0)
    assert np.real(real) is real
    np.testing.assert_array_equal(np.imag(real)._stack, 0)
    np.testing.assert_array_equal(np.conj(real)._stack, real._stack)
    assert np.iscomplexobj(x) and not np.iscomplexobj(real) and np.isrealobj(real)
    np.testing.assert_array_equal(np.isreal(x), np.isreal(z))


def test_mixed_real_and_complex_operands_promote() -> None:
    t = hd.dual(np.array([0.5, 1.5]), 1.0)
    y = t * (1 + 2j)
    assert y.dtype == np.complex128
    np.testing.assert_array_equal(y.d, [1 + 2j, 1 + 2j])
    y = np.exp(1j * t)  # d/dt e^{it} = i e^{it}
    assert_close(y.d, 1j * np.exp(1j * t.value), ulps=2)
    f32 = hd.dual(np.float32(2.0), 1.0)
    assert (f32 * 1j).dtype == np.complex64


def test_complex64_components() -> None:
    z = random_complex(100, seed=12).astype(np.complex64)
    y = np.exp(np.sin(hd.dual(z, 1.0)))
    assert y.dtype == np.complex64 and y.d.dtype == np.complex64
    wide = z.astype(np.complex128)
    condition = 1 + np.abs(np.sin(wide))
    for got, want in ((y.value, np.exp(np.sin(wide))), (y.d, np.cos(wide) * np.exp(np.sin(wide)))):
        err = np.abs(got - want) / np.abs(want) / condition
        assert np.max(err) < 8 * np.finfo(np.float32).eps


def test_out_and_the_object_path_keep_the_parts() -> None:
    z = random_complex(3, seed=13)
    x = hd.hyperdual(z, 1.0, 1.0)
    out = hd.hyperdual(np.zeros(3, complex))
    assert np.exp(x, out=out) is out
    want = np.exp(x)  # what out= must hold, and its parts within ulps of numpy's
    assert_close(want.e12, np.exp(z), ulps=4)
    np.testing.assert_array_equal(out._stack, want._stack)
    objects = np.asarray(x)  # numpy code in the wild: an object array of duals
    y = np.exp(objects)
    np.testing.assert_array_equal(np.array([e.e1 for e in y]), want.e1)
    np.testing.assert_array_equal(np.array([e.value for e in np.conjugate(objects)]), z.conj())


def test_unsupported_complex_operations_raise_naming_the_function() -> None:
    x = hd.dual(random_complex(3, seed=14), 1.0)
    with pytest.raises(TypeError, match=r"numpy\.floor"):
        np.floor(x)
    with pytest.raises(TypeError, match=r"numpy\.arctan2"):
        np.arctan2(x, x)
    with pytest.raises(TypeError, match=r"numpy\.maximum"):
        np.maximum(x, 1.0)
    with pytest.raises(TypeError, match="drop the imaginary parts"):
        x.astype(np.float64)
    with pytest.raises(TypeError, match="complex kernel"):
        from hyperdiff import _core

        _core.unary(
            0 + [n for n, *_ in _core.UNARY_FUNCTIONS].index("floor"), 0, x._stack, x._stack
        )


# --- complex linear algebra ---------------------------------------------------------
@pytest.mark.parametrize("kind", ["dual", "hyperdual"])
def test_complex_linear_algebra_closed_forms(kind: str) -> None:
    a = random_complex((4, 4), seed=20) + 4 * np.eye(4)
    b = random_complex((4, 4), seed=21)
    rhs = random_complex(4, seed=22)
    x_of = (lambda m: hd.dual(a, m)) if kind == "dual" else (lambda m: hd.hyperdual(a, m, m))
    x = x_of(b)
    inverse = np.linalg.inv(a)
    xb = inverse @ b
    # d det = det(a) tr(a^-1 b); d^2 det = det(a) ((tr a^-1 b)^2 - tr((a^-1 b)^2))
    det = np.linalg.det(x)
    d1 = np.linalg.det(a) * np.trace(xb)
    assert_close(det.value, np.linalg.det(a), ulps=0)
    assert_close(det._stack[1], d1, ulps=64)
    # d inv = -X B X; d^2 inv = 2 X B X B X
    inv = np.linalg.inv(x)
    assert_close(inv._stack[1], -xb @ inverse, ulps=64)
    solve = np.linalg.solve(x, rhs)
    assert_close(solve._stack[1], -xb @ inverse @ rhs, ulps=64)
    product = x @ x
    assert_close(product._stack[1], a @ b + b @ a, ulps=16)
    sign, logabsdet = np.linalg.slogdet(x)
    assert_close(logabsdet._stack[1], np.trace(xb).real, ulps=64)
    assert_close(sign._stack[1], np.linalg.slogdet(a)[0] * 1j * np.trace(xb).imag, ulps=64)
    if kind == "hyperdual":
        assert_close(det._stack[3], np.linalg.det(a) * (np.trace(xb) ** 2 - np.trace(xb @ xb)), 64)
        assert_close(inv._stack[3], 2 * xb @ xb @ inverse, ulps=64)
        assert_close(product._stack[3], 2 * b @ b, ulps=16)


def test_complex_expm_derivative_against_scipy() -> None:
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a = random_complex((5, 5), seed=23) / 2
    t = 0.8
    got = hd.derivative(lambda t: hd.linalg.expm(t * a))(t)
    assert_close(got, a @ scipy_linalg.expm(t * a), ulps=256)


def test_complex_vector_norm() -> None:
    z = random_complex(6, seed=24)
    b = random_complex(6, seed=25)
    n = np.linalg.norm(hd.dual(z, b))
    assert n.dtype == np.float64
    np.testing.assert_array_equal(n.value, np.linalg.norm(z))
    assert_close(n.d, (np.conj(z) @ b).real / np.linalg.norm(z), ulps=8)


# --- transforms on complex inputs --------------------------------------------------
def test_holomorphic_jacobian_hessian_grad_and_hvp() -> None:
    a = random_complex((3, 4), seed=30)
    z = random_complex(4, seed=31)
    np.testing.assert_array_equal(hd.jacobian(lambda z: a @ z, holomorphic=True)(z), a)
    hess = hd.hessian(lambda z: np.sum(z**3), holomorphic=True)(z)
    assert_close(hess, np.diag(6 * z), ulps=4)
    grad = hd.grad(lambda z: np.sum(np.exp(z)), holomorphic=True)(z)
    assert_close(grad, np.exp(z), ulps=2)
    v = random_complex(4, seed=32)
    assert_close(hd.hvp(lambda z: np.sum(z**3), (z,), (v,), holomorphic=True), 6 * z * v, 4)
    blocks = hd.hessian(lambda z: z[0] ** 2 * z[1], holomorphic=True, elementwise=False)(z[:2])
    assert_close(blocks, [[2 * z[1], 2 * z[0]], [2 * z[0], 0]], ulps=4)


def test_holomorphy_check() -> None:
    z = random_complex(8, seed=33)
    got = hd.derivative(np.sin, holomorphic=True, check_holomorphic=True)(z)
    np.testing.assert_array_equal(got, hd.derivative(np.sin, holomorphic=True)(z))
    second = hd.derivative(np.sin, order=2, holomorphic=True, check_holomorphic=True)(z)
    assert_close(second, -np.sin(z), ulps=4)
    with pytest.raises(ValueError, match="not holomorphic at 8 of 8 points"):
        hd.derivative(np.conj, holomorphic=True, check_holomorphic=True)(z)
    with pytest.raises(ValueError, match="not holomorphic"):
        hd.derivative(lambda z: z * np.abs(z), holomorphic=True, check_holomorphic=True)(z)
    with pytest.raises(ValueError, match="pass both"):
        hd.derivative(np.sin, check_holomorphic=True)


def test_jvp_of_complex_primals_needs_no_promise() -> None:
    z = random_complex(5, seed=34)
    v = random_complex(5, seed=35)
    value, tangent = hd.jvp(lambda z: np.abs(z) ** 2, (z,), (v,))
    np.testing.assert_array_equal(value, np.abs(z) ** 2)
    assert_close(tangent, 2 * (np.conj(z) * v).real, ulps=4)
    with pytest.raises(TypeError, match="complex tangent for a real primal"):
        hd.jvp(np.sin, (z.real,), (v,))


def test_transforms_refuse_complex_inputs_without_a_promise() -> None:
    z = random_complex(3, seed=36)
    for transform in (hd.grad, hd.jacobian, hd.hessian, hd.derivative):
        with pytest.raises(TypeError, match=r"holomorphic=True.*wirtinger"):
            transform(lambda z: np.sum(z * z))(z)
    with pytest.raises(TypeError, match="needs complex inputs"):
        hd.jacobian(np.sin, holomorphic=True)(z.real)


def test_complex_transforms_leave_the_inputs_alone() -> None:
    z = random_complex(4, seed=37)
    kept = z.copy()
    hd.wirtinger(lambda z: np.sum(np.abs(z)))(z)
    hd.wirtinger(np.conj, elementwise=True)(z)
    hd.hessian(lambda z: np.sum(z**3), holomorphic=True)(z)
    hd.derivative(np.exp, holomorphic=True, check_holomorphic=True)(z)
    np.testing.assert_array_equal(z, kept)


def test_multivariate_kinds_with_complex_components() -> None:
    z = random_complex(6, seed=38)
    x = hd.dualvec(z, np.stack([np.ones(6), 1j * np.ones(6)]))
    y = np.log(x)
    assert y.dtype == np.complex128
    np.testing.assert_array_equal(y.value, np.log(z))
    assert_close(y.grad[0], 1 / z, ulps=2)
    assert_close(y.grad[1], 1j / z, ulps=2)


@pytest.mark.parametrize("complex_values", [False, True])
def test_var_and_std_values_and_derivatives(complex_values: bool) -> None:
    """var(a + t b): numpy's value bit for bit; d/dt = 2 sum Re(conj(a - mean a)(b - mean b))
    / (n - ddof) and d^2/dt^2 = 2 sum |b - mean b|^2 / (n - ddof), closed forms."""
    a = random_complex((4, 5), seed=40) if complex_values else random_complex((4, 5), 40).real
    b = random_complex((4, 5), seed=41) if complex_values else random_complex((4, 5), 41).real
    x = hd.hyperdual(a, b, b)
    for axis, ddof in ((None, 0), (0, 1), (1, 0)):
        v, s = np.var(x, axis=axis, ddof=ddof), np.std(x, axis=axis, ddof=ddof)
        np.testing.assert_array_equal(v.value, np.var(a, axis=axis, ddof=ddof))
        np.testing.assert_array_equal(s.value, np.std(a, axis=axis, ddof=ddof))
        n = a.size if axis is None else a.shape[axis]
        da = a - a.mean(axis=axis, keepdims=True)
        db = b - b.mean(axis=axis, keepdims=True)
        first = 2 * np.sum((np.conj(da) * db).real, axis=axis) / (n - ddof)
        second = 2 * np.sum(np.abs(db) ** 2, axis=axis) / (n - ddof)
        assert_close(v.e1, first, ulps=32)
        assert_close(v.e12, second, ulps=32)
        assert_close(s.e1, first / (2 * np.sqrt(v.value)), ulps=32)
    with pytest.raises(TypeError, match=r"argument where= of numpy\.var"):
        np.var(x, where=np.ones((4, 5), bool))


def test_chunked_complex_transforms_match_the_closed_forms() -> None:
    a = random_complex((3, 7), seed=50)
    z = random_complex(7, seed=51)
    jac = hd.jacobian(lambda z: a @ np.sin(z), holomorphic=True, chunk_size=3)(z)
    assert_close(jac, a * np.cos(z), ulps=8)
    # sum exp(z_k z_{k+1}): d2/dz_k dz_{k+1} = (1 + z_k z_{k+1}) e^{z_k z_{k+1}}
    hess = hd.hessian(lambda z: np.sum(np.exp(z[:-1] * z[1:])), holomorphic=True, chunk_size=2)(z)
    e = np.exp(z[:-1] * z[1:])
    want = np.diag(np.r_[z[1:] ** 2 * e, 0] + np.r_[0, z[:-1] ** 2 * e])
    want += np.diag((1 + z[:-1] * z[1:]) * e, 1) + np.diag((1 + z[:-1] * z[1:]) * e, -1)
    assert_close(hess, want, ulps=16)
    dz, dzbar = hd.wirtinger(lambda z: np.abs(z) ** 2, chunk_size=2)(z)
    assert_close(dz, np.diag(np.conj(z)), ulps=4)
    assert_close(dzbar, np.diag(z), ulps=4)


REAL_VALUED_CALLS = {
    "grad": lambda f, z: hd.grad(lambda w: np.sum(f(w)), holomorphic=True)(z),
    "grad elementwise": lambda f, z: hd.grad(f, holomorphic=True, elementwise=True)(z),
    "jacobian": lambda f, z: hd.jacobian(f, holomorphic=True)(z),
    "jacobian chunked": lambda f, z: hd.jacobian(f, holomorphic=True, chunk_size=1)(z),
    "hessian": lambda f, z: hd.hessian(lambda w: np.sum(f(w)), holomorphic=True)(z),
    "hessian of a tuple": lambda f, z: hd.hessian(
        lambda w: np.sum(f(w)), argnums=(0,), holomorphic=True
    )(z),
    "hessian chunked": lambda f, z: hd.hessian(
        lambda w: np.sum(f(w)), holomorphic=True, chunk_size=1
    )(z),
    "hessian elementwise": lambda f, z: hd.hessian(f, holomorphic=True, elementwise=True)(z),
    "hessian_diag": lambda f, z: hd.hessian_diag(lambda w: np.sum(f(w)), holomorphic=True)(z),
    "laplacian": lambda f, z: hd.laplacian(lambda w: np.sum(f(w)), holomorphic=True)(z),
    "hvp": lambda f, z: hd.hvp(lambda w: np.sum(f(w)), (z,), (z,), holomorphic=True),
    "derivative": lambda f, z: hd.derivative(f, holomorphic=True)(z),
    "derivative order 2": lambda f, z: hd.derivative(f, order=2, holomorphic=True)(z),
    "derivative unchecked": lambda f, z: hd.derivative(f, holomorphic=True, check_pointwise=False)(
        z
    ),
}


@pytest.mark.parametrize("name", sorted(REAL_VALUED_CALLS))
def test_holomorphic_transforms_refuse_real_valued_functions(name: str) -> None:
    """holomorphic=True of a real-valued f (|z|^2: not complex-differentiable) raises, as
    JAX's does, instead of returning its derivative along the real axis as f'(z); a
    holomorphic f through the same call gives f'(z) (z^3: 3 z^2 summed or per point)."""
    z = np.array([1.0 + 2.0j, 0.5 - 1.0j])
    call = REAL_VALUED_CALLS[name]
    with pytest.raises(TypeError, match="holomorphic=True\\) needs a function with complex"):
        call(lambda w: np.abs(w) ** 2, z)
    got = np.asarray(call(lambda w: w**3, z))
    assert got.dtype.kind == "c" and np.all(np.isfinite(got))
    if name.startswith(("grad", "derivative")) and "2" not in name:
        np.testing.assert_allclose(got, 3 * z**2, rtol=1e-15)
