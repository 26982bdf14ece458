"""Outputs that are object arrays of dual scalars (np.array([...], dtype=object), or
what numpy code returns after np.asarray), and vjp nested in other transforms.

1. A transform of a real input assembled an object output's planes in a buffer of the
   input's dtype: complex items lost their imaginary parts with only a ComplexWarning.
   jacobian(lambda x: np.array([1j x, x], dtype=object))(0.5) gave [0, 1] for [1j, 1];
   grad of (1 + 1j) x gave 1.0, hessian of 1j x^2 gave 0, jvp's primal output lost its
   imaginary part too. Now the buffer takes the items' dtype.
2. vjp's pullback made an object array (np.asarray) of what carried an enclosing
   transform's parts (its Jacobian nested in grad, or a dual cotangent): the answers
   were right through (1), but complex ones came back real. It keeps dual arrays.
3. vjp had no holomorphic option, while its error for a complex primal told the user
   to pass holomorphic=True: it takes it now, as grad and jacobian do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd


def _objects(*items: Any) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


@pytest.mark.parametrize(
    ("transform", "want"),
    [
        (lambda: hd.jacobian(lambda x: _objects(x * 1j, x))(0.5), [1j, 1.0]),
        (lambda: hd.jacobian(lambda x: _objects(x * 1j, 2.0))(0.5), [1j, 0.0]),
        (lambda: hd.derivative(lambda x: _objects(x * 1j, x))(0.5), [1j, 1.0]),
        (lambda: hd.grad(lambda x: np.array(x * (1 + 1j), dtype=object))(0.5), 1 + 1j),
        (lambda: hd.hessian(lambda x: np.array(x * x * 1j, dtype=object))(0.5), 2j),
        (lambda: hd.derivative(lambda x: _objects(x * x * 1j, x), order=2)(0.5), [2j, 0.0]),
        (lambda: hd.jvp(lambda x: _objects(x * 1j, x), (0.5,), (1.0,))[0], [0.5j, 0.5]),
        (lambda: hd.jvp(lambda x: _objects(x * 1j, x), (0.5,), (1.0,))[1], [1j, 1.0]),
        (
            lambda: hd.jacobian(lambda x: _objects(np.exp(1j * x[0]), x[1]))(np.array([0.3, 0.2])),
            [[1j * np.exp(0.3j), 0.0], [0.0, 1.0]],
        ),
    ],
)
def test_complex_object_outputs_of_real_inputs_keep_their_imaginary_parts(
    transform: Any, want: Any
) -> None:
    got = transform()
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    assert np.iscomplexobj(got)


def test_vjp_nested_returns_dual_arrays_of_the_outer_kind() -> None:
    """d/da of the pullback of z -> a z^2 at 1 + 2j (holomorphic): d/da (2 a z) = 2 z."""
    z = 1 + 2j

    def inner(a: Any) -> Any:
        cotangent = hd.vjp(lambda w: a * w * w, z, holomorphic=True)[1](1.0)[0]
        assert not isinstance(cotangent, np.ndarray) or cotangent.dtype != object
        return cotangent

    np.testing.assert_allclose(hd.jacobian(inner)(0.5), 2 * z, rtol=1e-15)


def test_a_dual_cotangent_goes_through_the_pullback() -> None:
    """J = diag(cos x); the cotangent c * c (c of an outer transform): d/dc = 2 c cos x."""
    x = np.array([0.3, 0.5])
    pullback = hd.vjp(np.sin, x)[1]
    c = np.array([1.0, 2.0])
    got = hd.jacobian(lambda c: pullback(c * c)[0])(c)
    np.testing.assert_allclose(got, np.diag(2 * c * np.cos(x)), rtol=1e-15)


def test_vjp_holomorphic() -> None:
    """f(z) = z^2 e^z: the pullback of c is c f'(z), f' = (2 z + z^2) e^z (unconjugated,
    as jax.vjp for holomorphic f), and vjp_fn(1) is grad(holomorphic=True)."""
    z = np.array([1 + 2j, -0.5 + 0.3j])
    c = np.array([1.0, 2.0 + 1j])
    f = lambda w: w * w * np.exp(w)  # noqa: E731
    value, pullback = hd.vjp(f, z, holomorphic=True)
    np.testing.assert_allclose(value, f(z), rtol=1e-15)
    np.testing.assert_allclose(pullback(c)[0], c * (2 * z + z * z) * np.exp(z), rtol=1e-14)
    scalar = hd.vjp(f, 1 + 2j, holomorphic=True)[1](1.0)[0]
    assert scalar == pytest.approx(hd.grad(f, holomorphic=True)(1 + 2j), rel=1e-15)


@pytest.mark.parametrize(
    ("f", "primal", "message"),
    [
        (lambda z: z * z, np.array([1.0]), "needs complex inputs"),
        (lambda z: np.abs(z), np.array([1 + 1j]), "complex outputs"),
        (lambda z: z, np.array([1 + 1j]), "holomorphic=True"),
    ],
)
def test_vjp_refuses_what_it_cannot_answer(f: Any, primal: Any, message: str) -> None:
    kwargs = {} if message == "holomorphic=True" else {"holomorphic": True}
    with pytest.raises(TypeError, match=message):
        hd.vjp(f, primal, **kwargs)


@pytest.mark.parametrize(
    "build",
    [
        lambda t: np.r_[[[t, 1.0]], [[0.0, 2 * t]]],
        lambda t: np.array([[t, 1.0], [0.0, 2 * t]]),
        lambda t: [[t, 1.0], [0.0, 2 * t]],
    ],
    ids=["np.r_", "np.array", "list"],
)
def test_expm_of_a_matrix_of_dual_scalars(build: Any) -> None:
    """hd.linalg.expm of a matrix built from dual scalars (an object array; it refused
    with a float() message): d/dt expm(A(t)) is the Frechet derivative along A' =
    diag(1, 2), the top right block of expm([[A, A'], [0, A]]) (scipy)."""
    scipy_linalg = pytest.importorskip("scipy.linalg")
    t = 0.3
    a = np.array([[t, 1.0], [0.0, 2 * t]])
    block = np.block([[a, np.diag([1.0, 2.0])], [np.zeros((2, 2)), a]])
    want = scipy_linalg.expm(block)[:2, 2:]
    np.testing.assert_allclose(
        hd.derivative(lambda t: hd.linalg.expm(build(t)))(t), want, rtol=1e-13
    )
