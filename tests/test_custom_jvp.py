"""hd.custom_jvp: user derivative rules, as jax.custom_jvp, on every kind and transform.

References are closed forms derived by hand (and scipy on values for the implicit
function's root); none is hyperdiff run another way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

optimize = pytest.importorskip("scipy.optimize")
special = pytest.importorskip("scipy.special")


# --- an implicit function, solved on values: y(x) with y^3 + y = x --------------------------
def _solve(v: float) -> float:
    bound = 1.0 + abs(v)
    return float(optimize.brentq(lambda y: y**3 + y - v, -bound, bound, xtol=1e-300, rtol=1e-15))


SOLVES: list[float] = []  # every value the solver is called on (it never sees a dual)


@hd.custom_jvp
def root(x: Any) -> Any:
    x = np.asarray(x, dtype=np.float64)  # an external solver: plain floats only
    SOLVES.extend(x.ravel().tolist())
    return np.vectorize(_solve, otypes=[np.float64])(x)


@root.defjvp
def _root_jvp(primals: Any, tangents: Any) -> Any:
    # implicit function theorem: (3 y^2 + 1) y' = 1
    (x,), (x_dot,) = primals, tangents
    y = root(x)
    return y, x_dot / (3 * y**2 + 1)


X = np.array([0.5, 2.0, -3.0, 10.0])


def root_closed_forms(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y, y' = 1/(3y^2 + 1), y'' = -6 y y'^3 (y from Cardano's formula, not the solver)."""
    s = np.sqrt(x**2 / 4 + 1 / 27)
    y = np.cbrt(x / 2 + s) + np.cbrt(x / 2 - s)
    d1 = 1 / (3 * y**2 + 1)
    return y, d1, -6 * y * d1**3


def test_root_runs_the_solver_on_plain_values() -> None:
    y, _, _ = root_closed_forms(X)
    np.testing.assert_allclose(root(X), y, rtol=1e-14)


ROOT_FIRST: dict[str, Callable[[np.ndarray], Any]] = {
    "derivative": hd.derivative(root),
    "derivative unchecked": hd.derivative(root, check_pointwise=False),
    "grad of a sum": hd.grad(lambda v: np.sum(root(v))),
    "jacobian diagonal": lambda x: np.diag(hd.jacobian(root)(x)),
    "grad elementwise": hd.grad(root, elementwise=True),
    "jvp": lambda x: hd.jvp(root, (x,), (np.ones_like(x),))[1],
    "dual": lambda x: root(hd.dual(x, 1.0)).d,
    "dualvec": lambda x: root(hd.dualvec(x, np.ones((2, *x.shape)))).grad[1],
}

ROOT_SECOND: dict[str, Callable[[np.ndarray], Any]] = {
    "derivative order 2": hd.derivative(root, order=2),
    "hessian diagonal": lambda x: np.diag(hd.hessian(lambda v: np.sum(root(v)))(x)),
    "hessian chunked": lambda x: np.diag(hd.hessian(lambda v: np.sum(root(v)), chunk_size=1)(x)),
    "hessian elementwise": hd.hessian(root, elementwise=True),
    "hessian_diag": hd.hessian_diag(lambda v: np.sum(root(v))),
    "hessian_diag elementwise": hd.hessian_diag(root, elementwise=True),
    "hvp": lambda x: hd.hvp(lambda v: np.sum(root(v)), (x,), (np.ones_like(x),)),
    "hessp": lambda x: hd.hessp(lambda v: np.sum(root(v)))(x, np.ones_like(x)),
    "hyperdual": lambda x: root(hd.hyperdual(x, 1.0, 1.0)).e12,
    "hyperdualvec": lambda x: root(hd.hyperdualvec(x, np.ones((1, *x.shape)))).hess[0, 0],
}


@pytest.mark.parametrize("name", ROOT_FIRST)
def test_implicit_function_first_derivative(name: str) -> None:
    SOLVES.clear()
    _, d1, _ = root_closed_forms(X)
    np.testing.assert_allclose(ROOT_FIRST[name](X), d1, rtol=1e-14)
    assert all(isinstance(v, float) for v in SOLVES)  # the solver saw values only


@pytest.mark.parametrize("name", ROOT_SECOND)
def test_implicit_function_second_derivative(name: str) -> None:
    # the rule x_dot / (3 y^2 + 1) is itself differentiated, y = root(x) through the rule
    _, _, d2 = root_closed_forms(X)
    np.testing.assert_allclose(ROOT_SECOND[name](X), d2, rtol=1e-13)


def test_laplacian_of_the_implicit_function() -> None:
    _, _, d2 = root_closed_forms(X)
    np.testing.assert_allclose(hd.laplacian(lambda v: np.sum(root(v)))(X), d2.sum(), rtol=1e-13)


def test_implicit_function_in_float32() -> None:
    x = X.astype(np.float32)
    got = hd.derivative(lambda v: root(v).astype(np.float32), order=2)(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, root_closed_forms(X)[2], rtol=1e-5)


# --- a straight-through estimator: floor with derivative 1 ---------------------------------
@hd.custom_jvp
def ste_floor(x: Any) -> Any:
    return np.floor(x)


@ste_floor.defjvp
def _ste_floor_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (x_dot,) = primals, tangents
    return ste_floor(x), x_dot


def test_straight_through_floor() -> None:
    x = np.array([-1.5, 0.25, 2.75])
    np.testing.assert_array_equal(ste_floor(x), [-2.0, 0.0, 2.0])  # as written on values
    np.testing.assert_array_equal(hd.grad(lambda v: np.sum(ste_floor(v)))(x), np.ones(3))
    np.testing.assert_array_equal(hd.derivative(ste_floor)(x), np.ones(3))
    np.testing.assert_array_equal(hd.hessian(lambda v: np.sum(ste_floor(v)))(x), np.zeros((3, 3)))
    np.testing.assert_array_equal(hd.derivative(ste_floor, order=2)(x), np.zeros(3))
    # through a square: d/dx floor(x)^2 = 2 floor(x) * 1, d2 = 2 * 1 * 1 + 2 floor(x) * 0
    loss = lambda v: np.sum(ste_floor(v) ** 2)  # noqa: E731
    np.testing.assert_array_equal(hd.grad(loss)(x), 2 * np.floor(x))
    np.testing.assert_array_equal(hd.hessian(loss)(x), 2 * np.eye(3))


# --- a numerically stable rule: softplus log(1 + e^x) --------------------------------------
@hd.custom_jvp
def log1pexp(x: Any) -> Any:
    return np.log1p(np.exp(x))


@log1pexp.defjvp
def _log1pexp_jvp(primals: Any, tangents: Any) -> Any:
    # (JAX's docs' example) the plain code's f'' = e^x / (1 + e^x)^2 squares e^x,
    # which overflows above x ~ 355 (hyperdiff gives nan there); expit does not
    (x,), (x_dot,) = primals, tangents
    return log1pexp(x), special.expit(x) * x_dot


def test_stable_rule_at_large_arguments() -> None:
    x = np.array([-30.0, 0.0, 3.0, 30.0, 400.0, 700.0])
    # closed forms: f' = 1 / (1 + e^-x), f'' = e^-x / (1 + e^-x)^2 (e^-x does not overflow)
    d1 = 1 / (1 + np.exp(-x))
    d2 = np.exp(-x) / (1 + np.exp(-x)) ** 2
    np.testing.assert_allclose(hd.derivative(log1pexp)(x), d1, rtol=1e-15)
    np.testing.assert_allclose(hd.derivative(log1pexp, order=2)(x), d2, rtol=1e-14)
    np.testing.assert_allclose(
        np.diag(hd.hessian(lambda v: np.sum(log1pexp(v)))(x)), d2, rtol=1e-14
    )


# --- several arguments, argnums, nondiff_argnums, defjvps ----------------------------------
@hd.custom_jvp
def sin_times(x: Any, y: Any) -> Any:
    return np.sin(x) * y


@sin_times.defjvp
def _sin_times_jvp(primals: Any, tangents: Any) -> Any:
    (x, y), (x_dot, y_dot) = primals, tangents
    return sin_times(x, y), np.cos(x) * x_dot * y + np.sin(x) * y_dot


@hd.custom_jvp
def sin_times_jvps(x: Any, y: Any) -> Any:
    return np.sin(x) * y


sin_times_jvps.defjvps(
    lambda x_dot, out, x, y: np.cos(x) * x_dot * y,
    lambda y_dot, out, x, y: np.sin(x) * y_dot,
)


@pytest.mark.parametrize("f", [sin_times, sin_times_jvps], ids=["defjvp", "defjvps"])
def test_two_arguments_with_argnums(f: Any) -> None:
    x, y = np.array([0.3, 1.1]), np.array([2.0, -0.5])

    def g(a: Any, b: Any) -> Any:
        return np.sum(f(a, b))

    gx, gy = hd.grad(g, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, np.cos(x) * y, rtol=1e-15)
    np.testing.assert_allclose(gy, np.sin(x), rtol=1e-15)
    np.testing.assert_allclose(hd.grad(g, argnums=1)(x, y), np.sin(x), rtol=1e-15)
    (hxx, hxy), (hyx, hyy) = hd.hessian(g, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(hxx, np.diag(-np.sin(x) * y), rtol=1e-15)
    np.testing.assert_allclose(hxy, np.diag(np.cos(x)), rtol=1e-15)
    np.testing.assert_allclose(hyx, np.diag(np.cos(x)), rtol=1e-15)
    np.testing.assert_array_equal(hyy, np.zeros((2, 2)))
    # per point, and with y a plain argument (a zero tangent)
    ex, ey = hd.grad(f, argnums=(0, 1), elementwise=True)(x, y)
    np.testing.assert_allclose(ex, np.cos(x) * y, rtol=1e-15)
    np.testing.assert_allclose(ey, np.sin(x), rtol=1e-15)
    np.testing.assert_allclose(hd.derivative(f, order=2)(x, y), -np.sin(x) * y, rtol=1e-15)


def test_nondiff_argnums() -> None:
    @partial(hd.custom_jvp, nondiff_argnums=(0,))
    def power(n: int, x: Any) -> Any:
        return x**n

    @power.defjvp
    def _power_jvp(n: int, primals: Any, tangents: Any) -> Any:
        (x,), (x_dot,) = primals, tangents
        return power(n, x), n * x ** (n - 1) * x_dot

    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(hd.derivative(lambda v: power(3, v), order=2)(x), 6 * x)
    np.testing.assert_allclose(hd.derivative(lambda v: power(n=3, x=v))(x), 3 * x**2)
    with pytest.raises(TypeError, match="nondiff_argnums but is a dual array"):
        hd.derivative(lambda v: power(v, 2.0))(x)
    by_name = hd.custom_jvp(power.fun, nondiff_argnames=("n",))
    by_name.defjvp(_power_jvp)
    assert by_name.nondiff_argnums == (0,)
    np.testing.assert_allclose(hd.derivative(lambda v: by_name(3, v))(x), 3 * x**2)
    with pytest.raises(TypeError, match="'m', not a parameter"):
        hd.custom_jvp(power.fun, nondiff_argnames=("m",))


def test_containers_in_and_out() -> None:
    @hd.custom_jvp
    def polar(p: dict[str, Any]) -> tuple[Any, Any]:
        return p["r"] * np.cos(p["t"]), p["r"] * np.sin(p["t"])

    @polar.defjvp
    def _polar_jvp(primals: Any, tangents: Any) -> Any:
        (p,), (dp,) = primals, tangents
        r, t = p["r"], p["t"]
        c, s = np.cos(t), np.sin(t)
        return polar(p), (c * dp["r"] - r * s * dp["t"], s * dp["r"] + r * c * dp["t"])

    p = {"r": np.array(2.0), "t": np.array(0.3)}
    g = hd.grad(lambda q: polar(q)[0] + 3 * polar(q)[1])(p)
    # x + 3y = r (cos t + 3 sin t): d/dr = cos t + 3 sin t, d/dt = r (3 cos t - sin t)
    np.testing.assert_allclose(g["r"], np.cos(0.3) + 3 * np.sin(0.3), rtol=1e-15)
    np.testing.assert_allclose(g["t"], 2 * (3 * np.cos(0.3) - np.sin(0.3)), rtol=1e-15)
    h = hd.hessian(lambda q: polar(q)[0])(p)  # r cos t
    np.testing.assert_allclose(
        [[h["r"]["r"], h["r"]["t"]], [h["t"]["r"], h["t"]["t"]]],
        [[0.0, -np.sin(0.3)], [-np.sin(0.3), -2 * np.cos(0.3)]],
        rtol=1e-15,
        atol=1e-300,
    )


# --- Hessians: HyperDualVec kinds ---------------------------------------------------------
def test_hessian_of_a_composition() -> None:
    # g(v) = sum_i y(v_i v_{i+1}): with u_i = v_i v_{i+1},
    # H = sum_i y''(u_i) grad(u_i) grad(u_i)^T + y'(u_i) d2(u_i)
    v = np.array([0.7, -1.2, 2.0, 0.4])
    u = v[:-1] * v[1:]
    _, d1, d2 = root_closed_forms(u)
    expected = np.zeros((4, 4))
    for i in range(3):
        g = np.zeros(4)
        g[i], g[i + 1] = v[i + 1], v[i]
        expected += d2[i] * np.outer(g, g)
        expected[i, i + 1] += d1[i]
        expected[i + 1, i] += d1[i]

    def objective(w: Any) -> Any:
        return np.sum(root(w[:-1] * w[1:]))

    for chunk_size in (None, 2):  # HyperDualVec(4); blocks of two seed sets
        got = hd.hessian(objective, chunk_size=chunk_size)(v)
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(hd.hessian_diag(objective)(v), np.diag(expected), rtol=1e-13)


def test_hand_built_two_seed_sets() -> None:
    # f(x, y) = sin(x) y along seeds (1, 0) and (0, 1): the mixed second partial cos(x)
    x = hd.hyperdualvec(np.array([0.3, 0.9]), np.ones((1, 2)), np.zeros((1, 2)))
    y = hd.hyperdualvec(np.array([2.0, 3.0]), np.zeros((1, 2)), np.ones((1, 2)))
    out = sin_times(x, y)
    np.testing.assert_allclose(out.grad1[0], np.cos([0.3, 0.9]) * [2.0, 3.0], rtol=1e-15)
    np.testing.assert_allclose(out.grad2[0], np.sin([0.3, 0.9]), rtol=1e-15)
    np.testing.assert_allclose(out.hess[0, 0], np.cos([0.3, 0.9]), rtol=1e-15)


# --- nesting -------------------------------------------------------------------------------
def test_grad_of_a_derivative_of_a_custom_function() -> None:
    # d/dv [v y'(v)] = y' + v y''
    _, d1, d2 = root_closed_forms(X)
    got = hd.grad(lambda v: np.sum(v * hd.derivative(root)(v)))(X)
    np.testing.assert_allclose(got, d1 + X * d2, rtol=1e-13)


def test_outer_and_inner_variables_in_one_custom_call() -> None:
    # d/da d/db sin(a) b = cos(a); d/da [a y'(a b) at b = 1] = y'(a) + a y''(a)
    mixed = hd.derivative(lambda a: hd.derivative(lambda b: sin_times(a, b))(2.0))(0.4)
    np.testing.assert_allclose(mixed, np.cos(0.4), rtol=1e-15)
    _, d1, d2 = root_closed_forms(X)
    got = hd.derivative(lambda a: hd.derivative(lambda b: root(a * b))(1.0))(X)
    np.testing.assert_allclose(got, d1 + X * d2, rtol=1e-13)

    @hd.custom_jvp
    def product3(x: Any, y: Any, z: Any) -> Any:
        return x * y * z

    product3.defjvps(
        lambda dx, out, x, y, z: dx * y * z,
        lambda dy, out, x, y, z: x * dy * z,
        lambda dz, out, x, y, z: x * y * dz,
    )
    # the outer variable a, the inner b and a b (their product kind) in one call:
    # d/da d/db [a b (a b)] = d/da 2 a^2 b = 4 a b
    got = hd.derivative(lambda a: hd.derivative(lambda b: product3(a, b, a * b))(2.0))(X)
    np.testing.assert_allclose(got, 8 * X, rtol=1e-15)


def test_jacobian_of_a_jacobian() -> None:
    _, _, d2 = root_closed_forms(X)
    got = hd.jacobian(hd.jacobian(root))(X)
    expected = np.zeros((4, 4, 4))
    expected[np.arange(4), np.arange(4), np.arange(4)] = d2
    np.testing.assert_allclose(got, expected, rtol=1e-13)


# --- complex: a holomorphic function computed elsewhere (Lambert's W) -----------------------
@hd.custom_jvp
def lambertw(z: Any) -> Any:
    return special.lambertw(np.asarray(z))


@lambertw.defjvp
def _lambertw_jvp(primals: Any, tangents: Any) -> Any:
    (z,), (z_dot,) = primals, tangents
    w = lambertw(z)
    return w, w / (z * (1 + w)) * z_dot


def test_holomorphic_custom_function() -> None:
    z = np.array([0.5 + 0.5j, 2.0 - 1.0j, -0.2 + 1.5j])
    w = special.lambertw(z)
    # W' = W / (z (1 + W)), W'' = -W^2 (W + 2) / (z^2 (1 + W)^3)
    d1 = w / (z * (1 + w))
    d2 = -(w**2) * (w + 2) / (z**2 * (1 + w) ** 3)
    np.testing.assert_allclose(hd.derivative(lambertw, holomorphic=True)(z), d1, rtol=1e-14)
    np.testing.assert_allclose(
        hd.derivative(lambertw, order=2, holomorphic=True)(z), d2, rtol=1e-13
    )
    np.testing.assert_allclose(
        hd.derivative(lambertw, holomorphic=True, check_holomorphic=True)(z), d1, rtol=1e-14
    )
    # along a real parameter: d/dt W(t z) = z W'(t z), at t = 1
    np.testing.assert_allclose(hd.derivative(lambda t: lambertw(t * z))(1.0), z * d1, rtol=1e-14)


# --- validation ----------------------------------------------------------------------------
def test_a_missing_rule() -> None:
    @hd.custom_jvp
    def f(x: Any) -> Any:
        return x

    with pytest.raises(TypeError, match="No JVP defined for custom_jvp function f"):
        f(1.0)


def test_a_rule_of_the_wrong_arity() -> None:
    f = hd.custom_jvp(np.sin)
    with pytest.raises(TypeError, match=r"must take 2 positional arguments \(primals, tangents\)"):
        f.defjvp(lambda primals: primals)
    g = hd.custom_jvp(lambda n, x: x, nondiff_argnums=(0,))
    with pytest.raises(TypeError, match="must take 3 positional arguments"):
        g.defjvp(lambda primals, tangents: (primals, tangents))


def _with_rule(rule: Callable[[Any, Any], Any]) -> Any:
    f = hd.custom_jvp(lambda x: np.sin(x))
    f.defjvp(rule)
    return f


BAD_RULES: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "not a pair": (lambda p, t: np.sin(p[0]), "must return a pair"),
    "wrong shape": (lambda p, t: (np.sin(p[0]), np.sum(t[0])), r"tangent has shape \(\)"),
    "wrong structure": (lambda p, t: (np.sin(p[0]), (t[0], t[0])), "of one structure"),
    "constant tangent": (lambda p, t: (np.sin(p[0]), np.ones(3)), "linear in the tangents"),
    "complex tangent": (lambda p, t: (np.sin(p[0]), 1j * t[0]), "tangent is complex"),
}


@pytest.mark.parametrize("name", BAD_RULES)
@pytest.mark.parametrize("order", [1, 2, 3])
def test_bad_rules_raise(name: str, order: int) -> None:
    rule, message = BAD_RULES[name]
    with pytest.raises(TypeError, match=message):
        hd.derivative(_with_rule(rule), order=order)(np.array([0.1, 0.2, 0.3]))


def test_nothing_the_user_passed_is_mutated() -> None:
    @hd.custom_jvp
    def f(x: Any) -> Any:
        return np.exp(x)

    @f.defjvp
    def _f_jvp(primals: Any, tangents: Any) -> Any:
        (x,), (t,) = primals, tangents
        y, y_dot = np.exp(x), np.exp(x) * t
        x[...] = 0.0  # a careless rule writes into its arguments
        t *= 0.0
        return y, y_dot

    x = hd.hyperdual(np.array([0.5, 1.5]), 1.0, 1.0)
    before = x._stack.copy()
    out = f(x)
    np.testing.assert_array_equal(x._stack, before)
    np.testing.assert_allclose(out.e1, np.exp([0.5, 1.5]), rtol=1e-15)
    np.testing.assert_allclose(out.e12, np.exp([0.5, 1.5]), rtol=1e-15)
    v = np.array([0.5, 1.5])
    hd.grad(lambda w: np.sum(f(w)))(v)
    np.testing.assert_array_equal(v, [0.5, 1.5])


def test_arguments_that_are_not_arrays() -> None:
    with pytest.raises(TypeError, match="pass others through nondiff_argnums"):
        sin_times(hd.dual(1.0, 1.0), "two")


def test_object_arrays_of_dual_scalars() -> None:
    # np.asarray of a dual array (scipy's habit) is one dual array again, so the rule
    # serves it: straight-through floor's derivative 1, not np.floor's 0
    x = np.array([0.5, 2.25])
    objects = np.asarray(hd.dual(x, 1.0))
    np.testing.assert_array_equal(ste_floor(objects).d, [1.0, 1.0])
    out = sin_times(hd.dual(1.0, 1.0), np.asarray(hd.dual(x, 1.0)))
    np.testing.assert_allclose(out.d, np.cos(1.0) * x + np.sin(1.0), rtol=1e-15)


# --- the other transforms, and custom functions inside rules --------------------------------
@hd.custom_jvp
def square(x: Any) -> Any:
    return x * x


square.defjvps(lambda x_dot, out, x: 2 * x * x_dot)


@hd.custom_jvp
def quartic(x: Any) -> Any:
    return square(square(x))


@quartic.defjvp
def _quartic_jvp(primals: Any, tangents: Any) -> Any:
    # a rule calling another custom function: at second order both rules are differentiated
    (x,), (x_dot,) = primals, tangents
    return quartic(x), 4 * square(x) * x * x_dot


def test_value_and_grad_vjp_linearize_has_aux() -> None:
    x = np.array([0.3, 1.2])
    value, gradient = hd.value_and_grad(lambda v: np.sum(square(v)))(x)
    np.testing.assert_allclose([value, *gradient], [np.sum(x**2), *(2 * x)], rtol=1e-15)
    _, f_vjp = hd.vjp(square, x)
    np.testing.assert_allclose(f_vjp(np.array([1.0, -2.0]))[0], 2 * x * [1.0, -2.0], rtol=1e-15)
    _, f_jvp = hd.linearize(square, x)
    np.testing.assert_allclose(f_jvp(np.array([3.0, 1.0])), 2 * x * [3.0, 1.0], rtol=1e-15)
    gradient, aux = hd.grad(lambda v: (np.sum(square(v)), square(v)), has_aux=True)(x)
    np.testing.assert_allclose(gradient, 2 * x, rtol=1e-15)
    np.testing.assert_allclose(aux, x**2, rtol=1e-15)


def test_custom_functions_inside_rules() -> None:
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(hd.derivative(quartic)(x), 4 * x**3, rtol=1e-15)
    np.testing.assert_allclose(hd.derivative(quartic, order=2)(x), 12 * x**2, rtol=1e-15)
    np.testing.assert_allclose(
        hd.hessian(lambda v: np.sum(quartic(v)))(x), np.diag(12 * x**2), rtol=1e-15
    )


def test_wirtinger_of_a_custom_real_function_of_z() -> None:
    @hd.custom_jvp
    def abs2(z: Any) -> Any:
        return np.abs(z) ** 2

    @abs2.defjvp
    def _abs2_jvp(primals: Any, tangents: Any) -> Any:
        (z,), (z_dot,) = primals, tangents
        return abs2(z), 2 * np.real(np.conj(z) * z_dot)  # R-linear, not holomorphic

    z = np.array([1.0 + 2.0j, -0.5 + 0.3j])
    d_z, d_zbar = hd.wirtinger(abs2, elementwise=True)(z)  # |z|^2 = z zbar
    np.testing.assert_allclose(d_z, np.conj(z), rtol=1e-15)
    np.testing.assert_allclose(d_zbar, z, rtol=1e-15)


# --- Taylor kinds (derivative order 3 and more): the rule one degree at a time --------------
def root_derivatives(x: np.ndarray) -> list[np.ndarray]:
    """y' .. y'''' of the implicit root, differentiating (3 y^2 + 1) y' = 1 by hand:
    y'' = -6 y y'^3, y''' = -6 y'^4 - 18 y y'^2 y'',
    y'''' = -42 y'^3 y'' - 36 y y' y''^2 - 18 y y'^2 y'''."""
    y, d1, d2 = root_closed_forms(x)
    d3 = -6 * d1**4 - 18 * y * d1**2 * d2
    d4 = -42 * d1**3 * d2 - 36 * y * d1 * d2**2 - 18 * y * d1**2 * d3
    return [d1, d2, d3, d4]


def test_implicit_function_third_and_fourth_derivatives() -> None:
    _, _, d3, d4 = root_derivatives(X)
    np.testing.assert_allclose(hd.derivative(root, order=3)(X), d3, rtol=1e-12)
    SOLVES.clear()
    np.testing.assert_allclose(hd.derivative(root, order=4)(X), d4, rtol=1e-12)
    assert all(isinstance(v, float) for v in SOLVES)  # the solver saw values only


@pytest.mark.parametrize("degree", [1, 2, 4])
def test_taylor_arrays_of_any_degree(degree: int) -> None:
    out = root(hd.taylor_array(X, [1.0], degree=degree))
    expected = np.stack(root_derivatives(X)[:degree])
    np.testing.assert_allclose(out.coefficients, expected, rtol=1e-12)


def test_taylor_orders_of_rules_calling_custom_functions() -> None:
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(hd.derivative(quartic, order=3)(x), 24 * x, rtol=1e-15)
    np.testing.assert_allclose(hd.derivative(quartic, order=4)(x), np.full(3, 24.0), rtol=1e-15)
    np.testing.assert_array_equal(hd.derivative(quartic, order=5)(x), np.zeros(3))
    np.testing.assert_array_equal(hd.derivative(ste_floor, order=3)(x), np.zeros(3))
    # softplus''' = s (1 - s) (1 - 2 s), s = expit(x)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(
        hd.derivative(log1pexp, order=3)(x), s * (1 - s) * (1 - 2 * s), rtol=1e-13
    )


# --- bundles (mixed partials, nesting beyond order 2): the rule direction by direction ------
def test_mixed_partials_and_third_order_nesting_through_a_rule() -> None:
    a, b = np.array([0.5, 2.0, -1.5]), np.array([1.5, -0.25, 2.0])
    SOLVES.clear()
    # g(a, b) = y(a b): d^3 g/da^2 db = 2 b y'' + a b^2 y''' at a b
    _, d2, d3, _ = root_derivatives(a * b)
    got = hd.derivative(lambda u, v: root(u * v), order=(2, 1), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(got, 2 * b * d2 + a * b**2 * d3, rtol=1e-12)
    assert all(isinstance(v, float) for v in SOLVES)  # the solver saw values only
    # the third-order tensor of sum(y(v)): y'''(v_i) where i = j = k, else 0
    t = hd.jacobian(hd.hessian(lambda v: np.sum(root(v))))(X)
    want = np.zeros((4, 4, 4))
    want[np.arange(4), np.arange(4), np.arange(4)] = root_derivatives(X)[2]
    np.testing.assert_allclose(t, want, rtol=1e-12, atol=1e-15)

    # a rule closing over a transform's variable (pass it as an argument) raises
    def closure(u: Any, v: Any) -> Any:
        scaled = hd.custom_jvp(lambda w: w * u)
        scaled.defjvp(lambda p, t: (scaled(p[0]), t[0] * u))
        return scaled(v)

    with pytest.raises(TypeError, match="closure over a transform's variable"):
        hd.derivative(closure, order=(1, 2), argnums=(0, 1))(a, b)


# --- custom functions called on a rule's tangents (issue 18's review) ------------------------
@hd.custom_jvp
def safe_div(a: Any, b: Any) -> Any:  # a / b, 0 where b == 0
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


@safe_div.defjvp
def _safe_div_jvp(primals: Any, tangents: Any) -> Any:
    (a, b), (a_dot, b_dot) = primals, tangents
    q = safe_div(a, b)
    return q, np.where(b == 0, 0.0, (a_dot - q * b_dot) / np.where(b == 0, 1.0, b))


@hd.custom_jvp
def mysqrt(x: Any) -> Any:
    return np.sqrt(x)


@mysqrt.defjvp
def _mysqrt_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (x_dot,) = primals, tangents
    y = mysqrt(x)
    return y, safe_div(x_dot, 2 * y)  # a custom call on the tangent: its f'' is needed


@hd.custom_jvp
def times(a: Any, b: Any) -> Any:
    return a * b


times.defjvps(lambda a_dot, _, a, b: a_dot * b, lambda b_dot, _, a, b: a * b_dot)


@hd.custom_jvp
def sine(x: Any) -> Any:
    return np.sin(x)


@sine.defjvp
def _sine_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (x_dot,) = primals, tangents
    return sine(x), times(np.cos(x), x_dot)


def test_custom_calls_on_a_rules_tangents_keep_second_order() -> None:
    x = np.array([4.0, 0.25, 9.0])
    # sqrt' = x^-1/2 / 2, sqrt'' = -x^-3/2 / 4
    np.testing.assert_allclose(hd.derivative(mysqrt)(x), 0.5 / np.sqrt(x), rtol=1e-15)
    np.testing.assert_allclose(hd.derivative(mysqrt, order=2)(x), -0.25 * x**-1.5, rtol=1e-15)
    np.testing.assert_allclose(hd.grad(hd.grad(mysqrt))(4.0), -0.03125, rtol=1e-15)
    np.testing.assert_allclose(
        hd.hessian(lambda v: np.sum(mysqrt(v)))(x), np.diag(-0.25 * x**-1.5), rtol=1e-15
    )
    np.testing.assert_allclose(
        hd.hessian_diag(lambda v: np.sum(mysqrt(v)))(x), -0.25 * x**-1.5, rtol=1e-15
    )
    np.testing.assert_allclose(hd.derivative(mysqrt, order=3)(x), 0.375 * x**-2.5, rtol=1e-14)
    # a / b: d2/da2 = 0, d2/da db = -1/b^2, d2/db2 = 2a/b^3
    np.testing.assert_allclose(
        hd.hessian(lambda v: safe_div(v[0], v[1]))(np.array([1.0, 2.0])),
        [[0.0, -0.25], [-0.25, 0.25]],
        rtol=1e-15,
    )
    u = np.array([0.7, 0.3, -1.1])
    np.testing.assert_allclose(hd.derivative(sine, order=2)(u), -np.sin(u), rtol=1e-15)
    np.testing.assert_allclose(
        hd.hessian(lambda v: np.sum(sine(v)))(u), np.diag(-np.sin(u)), rtol=1e-15, atol=1e-300
    )


@hd.custom_jvp
def cube(x: Any) -> Any:
    return np.asarray(x, dtype=np.float64) ** 3  # plain values only (a dual raises)


@cube.defjvp
def _cube_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (x_dot,) = primals, tangents
    return cube(np.asarray(x)), 3 * x**2 * x_dot  # f on a copy of its primal


def test_a_rule_calling_f_on_a_copy_of_a_primal_with_zeros() -> None:
    # the copy has value 0 where x does, as a tangent would: its planes say it is x
    x = np.array([0.0, 0.5, -2.0])
    np.testing.assert_allclose(hd.derivative(cube, order=2)(x), 6 * x, rtol=1e-15)
    np.testing.assert_allclose(hd.hessian(lambda v: np.sum(cube(v)))(x), np.diag(6 * x), rtol=1e-15)


@hd.custom_jvp
def lsolve(a: Any, b: Any) -> Any:
    return np.linalg.solve(a, b)


@lsolve.defjvp
def _lsolve_jvp(primals: Any, tangents: Any) -> Any:
    (a, b), (a_dot, b_dot) = primals, tangents
    x = lsolve(a, b)
    return x, lsolve(a, b_dot - a_dot @ x)  # JAX's rule: the JVP of a solve is a solve


@hd.custom_jvp
def cumulative(x: Any) -> Any:
    return np.cumsum(x)


@cumulative.defjvp
def _cumulative_jvp(primals: Any, tangents: Any) -> Any:
    return cumulative(primals[0]), cumulative(tangents[0])  # f itself on the tangent


A_SOLVE = np.array([[4.0, 1.0, 0.5], [0.3, 3.0, 0.2], [0.1, 0.4, 5.0]])
B_SOLVE = np.array([1.0, 2.0, 3.0])


def test_a_rule_calling_f_on_its_tangents_implicit_solve() -> None:
    theta = np.array([0.2, -0.1, 0.3])

    def f(t: Any) -> Any:
        return np.sum(lsolve(A_SOLVE + np.diag(t), B_SOLVE))

    # s(t) = 1^T A(t)^-1 b, A = A0 + diag(t): with z = A^-1 b, u = A^-T 1,
    # ds/dt_i = -u_i z_i and d2s/dt_i dt_j = (A^-1)_ji u_j z_i + u_i (A^-1)_ij z_j
    inv = np.linalg.inv(A_SOLVE + np.diag(theta))
    z, u = inv @ B_SOLVE, inv.T @ np.ones(3)
    hessian = inv.T * u[None, :] * z[:, None] + u[:, None] * inv * z[None, :]
    np.testing.assert_allclose(hd.grad(f)(theta), -u * z, rtol=1e-14)
    np.testing.assert_allclose(hd.hessian(f)(theta), hessian, rtol=1e-13)
    np.testing.assert_allclose(hd.jacobian(hd.grad(f))(theta), hessian, rtol=1e-13)
    np.testing.assert_allclose(hd.hessian_diag(f)(theta), np.diag(hessian), rtol=1e-13)
    # along e_0: x(s) = sum_k (-s)^k (A^-1 E)^k A^-1 b, so s''' = -6 1^T (A^-1 E)^3 z
    e = np.zeros((3, 3))
    e[0, 0] = 1.0
    step = inv @ e
    d3 = -6 * np.sum(step @ step @ step @ z)
    along = hd.derivative(lambda s: f(theta + s * np.array([1.0, 0.0, 0.0])), order=3)
    np.testing.assert_allclose(along(0.0), d3, rtol=1e-13)
    p = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(hd.hvp(f, (theta,), (p,)), hessian @ p, rtol=1e-13)
    np.testing.assert_allclose(hd.hessp(f)(theta, p), hessian @ p, rtol=1e-13)
    # complex b along A0 + s I: x(s) = (A0 + s I)^-1 b has x'' = 2 A0^-3 b
    w = np.array([0.3 + 0.2j, -0.1 + 0.5j, 0.4 - 0.3j])
    inv0 = np.linalg.inv(A_SOLVE)
    np.testing.assert_allclose(
        hd.derivative(lambda s: lsolve(A_SOLVE + s * np.eye(3), w), order=2)(0.0),
        2 * inv0 @ inv0 @ inv0 @ w,
        rtol=1e-13,
    )
    # in b: the Hessian of sum(sin(A^-1 b)) is A^-T diag(-sin z) A^-1
    a = A_SOLVE + np.diag(theta)
    np.testing.assert_allclose(
        hd.hessian(lambda b: np.sum(np.sin(lsolve(a, b))))(B_SOLVE),
        inv.T @ np.diag(-np.sin(z)) @ inv,
        rtol=1e-13,
    )


def test_a_rule_calling_f_on_its_tangents_linear_operator() -> None:
    v = np.array([0.3, -0.2, 0.5, 0.1])
    lower = np.tril(np.ones((4, 4)))  # cumsum as a matrix
    c = lower @ v

    def g(w: Any) -> Any:
        return np.sum(np.sin(cumulative(w)))

    np.testing.assert_allclose(hd.grad(g)(v), lower.T @ np.cos(c), rtol=1e-15)
    np.testing.assert_allclose(
        hd.hessian(g)(v), lower.T @ np.diag(-np.sin(c)) @ lower, rtol=1e-14, atol=1e-300
    )
    # along v itself (a HyperDual): d2/ds2 sum(sin(s c)) = -sum(c^2 sin(s c))
    np.testing.assert_allclose(
        hd.derivative(lambda s: g(s * v), order=2)(1.0), -np.sum(c**2 * np.sin(c)), rtol=1e-14
    )


def _closing_over(a: Any) -> hd.custom_jvp[Any]:
    @hd.custom_jvp
    def f(x: Any) -> Any:
        return np.sin(a * x)

    @f.defjvp
    def _(primals: Any, tangents: Any) -> Any:  # the primal computed in the rule
        (x,), (x_dot,) = primals, tangents
        return np.sin(a * x), a * np.cos(a * x) * x_dot

    return f


def test_a_closure_over_a_transforms_variable_raises_at_second_order() -> None:
    a, x = 1.3, 0.4
    with pytest.raises(TypeError, match="closes over a transform's variable"):
        hd.hessian(lambda v: _closing_over(v[0])(v[1]))(np.array([a, x]))
    with pytest.raises(TypeError, match="closes over a transform's variable"):
        hd.derivative(lambda s: _closing_over(s)(s), order=2)(a)
    # a closure over plain values is fine: d2/dx2 sin(a x) = -a^2 sin(a x)
    np.testing.assert_allclose(
        hd.derivative(_closing_over(a), order=2)(x), -(a**2) * np.sin(a * x), rtol=1e-15
    )


def test_a_primal_computed_in_the_rule_is_no_closure_in_float32() -> None:
    @hd.custom_jvp
    def tanh(x: Any) -> Any:
        return np.tanh(x)

    @tanh.defjvp
    def _(primals: Any, tangents: Any) -> Any:  # 1 - tanh^2 cancels at large x
        (x,), (x_dot,) = primals, tangents
        return np.tanh(x), (1 - np.tanh(x) ** 2) * x_dot

    x = np.linspace(-6, 6, 25, dtype=np.float32)
    t = np.tanh(x.astype(np.float64))
    out = hd.derivative(tanh, order=2)(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, -2 * t * (1 - t**2), rtol=0, atol=1e-6)


def test_a_kink_of_a_primal_computed_in_the_rule_is_no_closure() -> None:
    @hd.custom_jvp
    def relu(x: Any) -> Any:
        return np.maximum(x, 0)

    @relu.defjvp
    def _(primals: Any, tangents: Any) -> Any:  # at 0 np.maximum's parts differ from 0
        (x,), (x_dot,) = primals, tangents
        return np.maximum(x, 0), np.where(x > 0, x_dot, 0)

    x = np.array([-1.0, 0.0, 2.0])
    # relu(x)^2 = x^2 for x > 0, else 0 (the rule's derivative 0 at 0)
    np.testing.assert_array_equal(
        hd.hessian(lambda v: np.sum(relu(v) ** 2))(x), np.diag([0.0, 0.0, 2.0])
    )
    np.testing.assert_array_equal(hd.derivative(relu, order=2)(x), np.zeros(3))
