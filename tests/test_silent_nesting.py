"""Nested transforms with closures, against closed forms and mpmath.

Every transform nested in another must own its depth (its seeds a tag of their own) and
hand the outer transform's parts through its results. Families: grad inside jacobian
inside hessian with a closure, argnums, has_aux, custom_jvp rules (and a rule that runs
a transform), outputs that are tuples and dicts, vjp.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

import hyperdiff as hd

X = np.array([0.7, -0.4, 1.2])
B = np.array([0.3, 1.1, -0.6])
ONES = np.ones(3)


# --- vjp is a transform of its own depth ---------------------------------------------------
# vjp ran its Jacobian pass at the depth of the caller: nested in grad, its seeds were
# the outer transform's class, so z * y (y the outer variable) was taken for one
# perturbation: d/dy sum(vjp(z -> z^2 y, x)(1)) gave 0 for 2 x.


def test_vjp_nested_in_grad_with_a_closure() -> None:
    def f(y: Any) -> Any:
        return np.sum(hd.vjp(lambda z: z * z * y, X)[1](ONES)[0])

    np.testing.assert_allclose(hd.grad(f)(X), 2 * X, rtol=1e-15)


def test_vjp_of_the_outer_variable() -> None:
    def f(y: Any) -> Any:  # sum(d/dz (z^2 y) at z = y) = sum(2 y^2)
        return np.sum(hd.vjp(lambda z: z * z * y, y)[1](ONES)[0])

    np.testing.assert_allclose(hd.grad(f)(X), 4 * X, rtol=1e-15)
    value = hd.jacobian(lambda y: hd.vjp(lambda z: np.sin(z) * y, y)[0])(X)
    np.testing.assert_allclose(value, np.diag(np.sin(X) + X * np.cos(X)), rtol=1e-15)


def test_vjp_does_not_retire_its_kind_on_every_call() -> None:
    """vjp keeps no dual array of its own past its pass (the escape retirement would
    otherwise make a new class at every call)."""
    from hyperdiff._arrays import tagged
    from hyperdiff._multivariate import dualvec_type

    hd.vjp(np.sin, X)
    before = tagged(dualvec_type(3), 1)
    for _ in range(3):
        _, pullback = hd.vjp(lambda z: np.sin(z) * z, X)
        np.testing.assert_allclose(pullback(ONES)[0], np.cos(X) * X + np.sin(X), rtol=1e-15)
    assert tagged(dualvec_type(3), 1) is before


# --- grad inside jacobian inside hessian, closures over the outer variable -------------------
# S(x) = sum jacobian_y(grad_z sum exp(z y x) at z = y) at y = x: grad_z is y x exp(z y x),
# at z = y: y x exp(y^2 x), whose y-Jacobian is diagonal, x exp(y^2 x) (1 + 2 y^2 x); at
# y = x, S(x) = sum s(x_i) with s(t) = (t + 2 t^4) exp(t^3).
def _s(t: Any) -> Any:
    return (t + 2 * t**4) * mpmath.exp(t**3)


def _s_derivatives(k: int) -> np.ndarray:
    with mpmath.workdps(30):
        return np.array([float(mpmath.diff(_s, mpmath.mpf(float(t)), k)) for t in X])


def _nested_s(x: Any) -> Any:
    return np.sum(hd.jacobian(lambda y: hd.grad(lambda z: np.sum(np.exp(z * y * x)))(y))(x))


def test_grad_inside_jacobian_inside_hessian() -> None:
    second = _s_derivatives(2)
    np.testing.assert_allclose(hd.grad(_nested_s)(X), _s_derivatives(1), rtol=1e-13)
    atol = 1e-14 * np.abs(second).max()  # (off the diagonal: sums that cancel, to rounding)
    np.testing.assert_allclose(hd.hessian(_nested_s)(X), np.diag(second), rtol=1e-12, atol=atol)
    np.testing.assert_allclose(
        hd.jacobian(hd.grad(_nested_s))(X), np.diag(second), rtol=1e-12, atol=atol
    )
    np.testing.assert_allclose(hd.hvp(_nested_s, (X,), (ONES,)), second, rtol=1e-12)
    along = hd.derivative(lambda t: _nested_s(X + t * np.array([1.0, 0.0, 0.0])), order=3)(0.0)
    np.testing.assert_allclose(along, _s_derivatives(3)[0], rtol=1e-12)


def _f(a: Any, b: Any) -> Any:
    return np.sum(np.sin(a * b) * a)


def test_argnums_nested() -> None:
    # grad_b f = a^2 cos(a b); d/da_i of its sum: 2 a cos(a b) - a^2 b sin(a b);
    # d/db_i: -a^3 sin(a b)
    d_a = 2 * X * np.cos(X * B) - X**2 * B * np.sin(X * B)
    d_b = -(X**3) * np.sin(X * B)
    got = hd.grad(lambda a: np.sum(hd.grad(_f, argnums=1)(a, B)))(X)
    np.testing.assert_allclose(got, d_a, rtol=1e-14)
    both = hd.grad(lambda a, b: np.sum(hd.grad(_f, argnums=(0, 1))(a, b)[1]), argnums=(0, 1))(X, B)
    np.testing.assert_allclose(both[0], d_a, rtol=1e-14)
    np.testing.assert_allclose(both[1], d_b, rtol=1e-14)


def _with_aux(y: Any, x: Any) -> Any:
    return np.sum(y**2 * x), x * y


def test_has_aux_nested() -> None:
    # grad_y = 2 y x and aux = x y (its inner parts dropped, the outer's kept), at y = x
    def outer(x: Any) -> Any:
        g, aux = hd.grad(_with_aux, has_aux=True)(x, x)
        return np.sum(g) + np.sum(aux)

    def outer_value(x: Any) -> Any:
        (value, aux), g = hd.value_and_grad(_with_aux, has_aux=True)(x, x)
        return value + np.sum(g) + np.sum(aux)

    np.testing.assert_allclose(hd.grad(outer)(X), 6 * X, rtol=1e-15)
    np.testing.assert_allclose(hd.grad(outer_value)(X), 3 * X**2 + 6 * X, rtol=1e-15)


def test_tuple_and_dict_outputs() -> None:
    jac = hd.jacobian(lambda x: (np.sin(x), {"a": x**2, "b": np.sum(x**3)}))(X)
    np.testing.assert_allclose(jac[0], np.diag(np.cos(X)), rtol=1e-15)
    np.testing.assert_allclose(jac[1]["a"], np.diag(2 * X), rtol=1e-15)
    np.testing.assert_allclose(jac[1]["b"], 3 * X**2, rtol=1e-15)
    hess = hd.hessian(lambda x: {"u": np.sum(x**3), "w": (np.sum(np.sin(x)),)})(X)
    np.testing.assert_allclose(hess["u"], np.diag(6 * X), rtol=1e-15)
    np.testing.assert_allclose(hess["w"][0], np.diag(-np.sin(X)), rtol=1e-15, atol=1e-300)
    nested = hd.grad(lambda x: np.sum(hd.jacobian(lambda y: {"k": y * x})(x)["k"]))(X)
    np.testing.assert_allclose(nested, ONES, rtol=1e-15)  # sum of diag(x)


@hd.custom_jvp
def _cube(z: Any) -> Any:
    return z**3


@_cube.defjvp
def _cube_jvp(primals: Any, tangents: Any) -> Any:
    return primals[0] ** 3, 3 * primals[0] ** 2 * tangents[0]


@hd.custom_jvp
def _sin_sum(z: Any) -> Any:
    return np.sum(np.sin(z))


@_sin_sum.defjvp
def _sin_sum_jvp(primals: Any, tangents: Any) -> Any:  # a rule that runs a transform
    g = hd.grad(lambda q: np.sum(np.sin(q)))(primals[0])
    return _sin_sum(primals[0]), np.sum(g * tangents[0])


def test_custom_jvp_in_nested_transforms() -> None:
    # grad_z sum cube(z x) = 3 z^2 x^3, at z = x: 3 x^5
    def inner(x: Any) -> Any:
        return hd.grad(lambda z: np.sum(_cube(z * x)))(x)

    np.testing.assert_allclose(hd.grad(lambda x: np.sum(inner(x)))(X), 15 * X**4, rtol=1e-14)
    np.testing.assert_allclose(hd.jacobian(inner)(X), np.diag(15 * X**4), rtol=1e-14)
    hessian = hd.hessian(lambda x: np.sum(inner(x)))(X)
    np.testing.assert_allclose(hessian, np.diag(60 * X**3), rtol=1e-14, atol=1e-15 * 60 * 1.2**3)
    # d/ds cube(s t) at s = t is 3 t^5, whose third derivative is 180 t^2
    third = hd.derivative(lambda t: hd.derivative(lambda s: _cube(s * t))(t), order=3)(0.7)
    np.testing.assert_allclose(third, 180 * 0.49, rtol=1e-14)
    np.testing.assert_allclose(
        hd.derivative(lambda t: _cube(t) * t, order=4)(0.7), 24.0, rtol=1e-14
    )


def test_custom_jvp_rule_running_a_transform() -> None:
    np.testing.assert_allclose(hd.grad(_sin_sum)(X), np.cos(X), rtol=1e-15)
    np.testing.assert_allclose(
        hd.hessian(_sin_sum)(X), np.diag(-np.sin(X)), rtol=1e-15, atol=1e-300
    )
    third = hd.derivative(lambda t: _sin_sum(t * X), order=3)(1.0)
    np.testing.assert_allclose(third, np.sum(-np.cos(X) * X**3), rtol=1e-14)
    # grad_z sin_sum(z x) = x cos(z x), at z = x: x cos(x^2);
    # its derivative: cos(x^2) - 2 x^2 sin(x^2)
    got = hd.grad(lambda x: np.sum(hd.grad(lambda z: _sin_sum(z * x))(x)))(X)
    np.testing.assert_allclose(got, np.cos(X**2) - 2 * X**2 * np.sin(X**2), rtol=1e-14)
