"""Nested transforms, without perturbation confusion.

Each transform tags the variables it seeds with its depth (transforms running one
inside another's function). Where an inner transform's variables meet an outer one's,
both first order, the arithmetic runs in their product kind (planes 1, a_i, b_j,
a_i b_j), and the inner transform returns its derivatives as dual arrays of the outer
kind. References are closed forms derived by hand.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core

W = np.array([2.0, 1.0, 3.0])

# (the nested computation, its value derived by hand)
CONFUSION_CASES: dict[str, tuple[Callable[[], Any], Any]] = {
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 (perturbation confusion gave 2)
    "x times d(x + y)/dy": (
        lambda: hd.derivative(lambda x: x * hd.derivative(lambda y: x + y)(1.0))(1.0),
        1.0,
    ),
    # d/dx [d/dy (x y)] = d/dx [x] = 1 (gave 0)
    "d/dx d(xy)/dy": (
        lambda: hd.derivative(lambda x: hd.derivative(lambda y: x * y)(2.0))(3.0),
        1.0,
    ),
    # grad_w sum(grad_v sum(w v)) = grad_w sum(w) = 1 (gave 0)
    "grad of a sum of an inner grad": (
        lambda: hd.grad(lambda w: np.sum(hd.grad(lambda v: np.sum(w * v))(np.ones(3))))(W),
        np.ones(3),
    ),
    # d/dx jvp(y -> x y, 2, 1) = d/dx x = 1 (gave 0)
    "derivative of a jvp": (
        lambda: hd.derivative(lambda x: hd.jvp(lambda y: x * y, (2.0,), (1.0,))[1])(3.0),
        1.0,
    ),
    # z = w2 x + (dy/dx)^2 with y = w0 x + w1, at x = 0.5: grad_w z = [2 w0, 0, x]
    "the seed question": (
        lambda: hd.grad(lambda w: w[2] * 0.5 + hd.derivative(lambda t: w[0] * t + w[1])(0.5) ** 2)(
            W
        ),
        np.array([4.0, 0.0, 0.5]),
    ),
    # d/dx (x + d(x^2)/dx)^2 = d/dx (3x)^2 = 18 x = 36 at x = 2
    "d/dx (x + d(x^2)/dx)^2": (
        lambda: hd.derivative(lambda x: (x + hd.derivative(lambda t: t**2)(x)) ** 2)(2.0),
        36.0,
    ),
}


@pytest.mark.parametrize("name", list(CONFUSION_CASES))
def test_nested_transforms_sharing_variables_give_the_closed_form(name: str) -> None:
    nested, want = CONFUSION_CASES[name]
    np.testing.assert_allclose(nested(), want, rtol=1e-15)
    assert _core.transform_depth() == 0


def test_gradient_through_an_inner_gradient_step() -> None:
    # F(t) = L(t - a grad L(t)): grad F = (I - a H(t)) grad L(t'), H symmetric
    # L = sum t^4 / 4 + t0 t1: grad L = t^3 + (t1, t0, 0), H = diag(3 t^2) + [[0,1],[1,0]]
    def loss(t: Any) -> Any:
        return np.sum(t**4) / 4 + t[0] * t[1]

    def grad_loss(t: np.ndarray) -> np.ndarray:
        return t**3 + np.array([t[1], t[0], 0.0])

    theta, alpha = np.array([0.7, -1.1, 0.4]), 0.05
    got = hd.grad(lambda t: loss(t - alpha * hd.grad(loss)(t)))(theta)
    hessian = np.diag(3 * theta**2) + np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    step = theta - alpha * grad_loss(theta)
    np.testing.assert_allclose(got, (np.eye(3) - alpha * hessian) @ grad_loss(step), rtol=1e-14)


def test_euler_lagrange_of_a_pendulum() -> None:
    # L(q, v) = m l^2 v^2 / 2 + m g l cos q along q(t) = sin t:
    # d/dt dL/dv = m l^2 q''(t) = -m l^2 sin t, dL/dq = -m g l sin q
    m, length, g = 1.3, 0.8, 9.81

    def lagrangian(q: Any, v: Any) -> Any:
        return 0.5 * m * length**2 * v**2 + m * g * length * np.cos(q)

    def momentum(t: Any) -> Any:  # dL/dv at (q(t), q'(t)), q' itself a derivative
        q, v = np.sin(t), hd.derivative(np.sin)(t)
        return hd.derivative(lambda u: lagrangian(q, u))(v)

    t = np.array([0.3, 0.7, 2.0])
    np.testing.assert_allclose(hd.derivative(momentum)(t), -m * length**2 * np.sin(t), rtol=1e-14)
    force = hd.derivative(lambda q: lagrangian(q, np.cos(t)))(np.sin(t))
    np.testing.assert_allclose(force, -m * g * length * np.sin(np.sin(t)), rtol=1e-14)


def test_second_lie_derivative_by_jvp_of_jvp() -> None:
    # h = x0^2 x1, f = (x1, -x0): L_f h = 2 x0 x1^2 - x0^3,
    # L_f^2 h = (2 x1^2 - 3 x0^2) x1 - 4 x0^2 x1
    def h(x: Any) -> Any:
        return x[0] ** 2 * x[1]

    def field(x: Any) -> Any:
        return np.stack([x[1], -x[0]])

    def lie(x: Any) -> Any:
        return hd.jvp(h, (x,), (field(x),))[1]

    x = np.array([1.2, -0.7])
    a, b = x
    got = hd.jvp(lie, (x,), (field(x),))[1]
    np.testing.assert_allclose(got, (2 * b**2 - 3 * a**2) * b - 4 * a**2 * b, rtol=1e-14)


def test_jacobian_of_a_jacobian_is_shaped_as_jacfwd_of_jacfwd() -> None:
    # f: R^3 -> R^2, f = (x0 x1^2, x0 sin x2): jacfwd(jacfwd(f))(x).shape == (2, 3, 3)
    def f(x: Any) -> Any:
        return np.stack([x[0] * x[1] ** 2, x[0] * np.sin(x[2])])

    x = np.array([0.5, -1.5, 0.8])
    got = hd.jacobian(hd.jacobian(f))(x)
    assert got.shape == (2, 3, 3)
    want = np.zeros((2, 3, 3))
    want[0, 0, 1] = want[0, 1, 0] = 2 * x[1]
    want[0, 1, 1] = 2 * x[0]
    want[1, 0, 2] = want[1, 2, 0] = np.cos(x[2])
    want[1, 2, 2] = -x[0] * np.sin(x[2])
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)


def test_complex_holomorphic_nesting() -> None:
    # g(z) = d/dw (z w^2 + e^(z w)) at w0 = 2 z w0 + z e^(z w0);
    # g'(z) = 2 w0 + (1 + z w0) e^(z w0)
    z, w0 = np.array([0.3 + 0.5j, -1 + 0.2j]), 0.7 - 0.4j

    def inner(zz: Any) -> Any:
        return hd.derivative(lambda w: zz * w**2 + np.exp(zz * w), holomorphic=True)(w0)

    got = hd.derivative(inner, holomorphic=True)(z)
    want = 2 * w0 + (1 + z * w0) * np.exp(z * w0)
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_float32_nesting() -> None:
    w = np.array([0.5, 1.5, -2.0], dtype=np.float32)
    got = hd.grad(lambda u: np.sum(hd.grad(lambda v: np.sum(u * v**2))(u)))(w)
    assert got.dtype == np.float32  # d/du sum(2 u u) = 4 u
    np.testing.assert_allclose(got, 4 * w, rtol=1e-6)


@pytest.mark.parametrize(
    ("nested", "want"),
    [
        # hessian_y sum(x y^3) = diag(6 x y); at y = 1, d/dx: diag(6)
        (lambda: hd.derivative(lambda x: hd.hessian(lambda y: np.sum(x * y**3))(np.ones(2)))(1.0),
         6 * np.eye(2)),
        (lambda: hd.derivative(lambda x: hd.derivative(lambda y: x * y**3, order=2)(2.0))(1.0),
         12.0),
        (lambda: hd.derivative(hd.derivative(np.sin, order=2))(1.0), -np.cos(1.0)),
        # grad_y sum(x y^2) = 2 x y at y = x: sum(2 x^2), whose Hessian is 4 I
        (lambda: hd.hessian(lambda x: np.sum(hd.grad(lambda y: np.sum(x * y**2))(x)))(W),
         4 * np.eye(3)),
        (lambda: hd.derivative(lambda x: hd.derivative(lambda y: hd.derivative(
            lambda z: x * y * z)(1.0))(1.0))(1.0), 1.0),
    ],
    ids=["hessian in derivative", "order 2 in derivative", "order 2 of an input",
         "grad in hessian", "three deep"],
)  # fmt: skip
def test_nesting_beyond_order_two(nested: Callable[[], Any], want: Any) -> None:
    # total order 3 and more: the product of the kinds is a bundle of Taylor series
    np.testing.assert_allclose(nested(), want, rtol=1e-15, atol=1e-14)
    assert _core.transform_depth() == 0


def test_hessian_of_a_squared_gradient_at_many_variables() -> None:
    """hessian(sum(grad(phi)^2)) at n = 24 (a bundle of 7,825 directions): phi =
    sum x^3/3 + sum x_i x_(i+1), g = grad phi = x^2 + shifts, H = 2 sum_i (grad g_i
    grad g_i^T + g_i hess g_i) with grad g_i = 2 x_i e_i + e_(i-1) + e_(i+1) and
    hess g_i = 2 e_i e_i^T."""
    x = np.linspace(-0.8, 1.1, 24)

    def phi(y: np.ndarray) -> Any:
        return np.sum(y**3) / 3 + np.sum(y[:-1] * y[1:])

    got = hd.hessian(lambda y: np.sum(hd.grad(phi)(y) ** 2))(x)
    n = len(x)
    jac = np.diag(2 * x) + np.eye(n, k=1) + np.eye(n, k=-1)  # rows: grad g_i
    g = x**2 + np.r_[x[1:], 0] + np.r_[0, x[:-1]]
    want = 2 * (jac.T @ jac + np.diag(2 * g))
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14)


def test_inner_transform_of_its_own_variables_is_exact() -> None:
    # nothing shared: the inner result is a constant of the outer function
    got = hd.grad(lambda w: np.sum(w**2) * hd.derivative(np.sin)(0.5))(W)
    np.testing.assert_allclose(got, 2 * W * np.cos(0.5), rtol=1e-15)
    h = hd.hessian(lambda w: np.sum(w**3) + hd.grad(lambda v: np.sum(v**2))(W)[0])(W)
    np.testing.assert_allclose(h, np.diag(6 * W), rtol=1e-15)


def test_outer_variable_used_through_its_value_is_a_constant() -> None:
    # x.value drops x's parts on purpose: the inner derivative is 2, the outer 2 * 1
    got = hd.derivative(lambda x: x * hd.derivative(lambda y: x.value * y)(1.0))(2.0)
    assert got == 2.0


def test_hand_built_dual_meeting_a_transform_raises() -> None:
    with pytest.raises(TypeError, match="built by hand"):
        hd.derivative(lambda x: x * hd.dual(2.0, 1.0))(1.0)
    with pytest.raises(TypeError, match="built by hand"):
        hd.grad(lambda x: np.sum(x * hd.dual(np.ones(3), 1.0)))(W)


def test_hand_built_arrays_keep_working() -> None:
    x, y = hd.dual(2.0, 1.0), hd.dual(3.0, 1.0)
    assert (x * y).d == 5.0
    with pytest.raises(TypeError, match="cannot combine Dual and HyperDual"):
        x * hd.hyperdual(1.0, 1.0, 1.0)


def test_transform_variables_are_their_kind() -> None:
    seen: list[Any] = []
    hd.grad(lambda x: seen.append(x) or np.sum(x))(W)
    hd.derivative(lambda x: seen.append(x) or x, check_pointwise=False)(W)
    assert isinstance(seen[0], hd.DualVec) and isinstance(seen[1], hd.Dual)
    assert type(seen[0]).__name__ == "DualVec3" and type(seen[1])._tag == 1


def test_depth_is_per_thread() -> None:
    depths: list[int] = []

    def in_a_thread() -> None:
        depths.append(_core.transform_depth())
        depths.append(float(hd.derivative(np.sin)(0.0)))

    def f(x: Any) -> Any:
        depths.append(_core.transform_depth())
        thread = threading.Thread(target=in_a_thread)
        thread.start()
        thread.join()
        return x

    hd.derivative(f)(1.0)
    assert depths == [1, 0, 1.0]


# numpy functions of several arrays, one from an outer transform (w c1) and one from
# an inner one (t c2), meeting in their product kind. Linear ones: F(w c1, t c2) =
# w u + t v with u = F(c1, 0), v = F(0, c2) by plain numpy, so for g = sum(F^2),
# d/dw d/dt g = 2 sum(u v). Bilinear ones: sum F(w c1, t c2) = w t sum F(c1, c2).
C1 = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])
C2 = np.array([[0.5, 4.0, -3.0], [-1.5, 2.0, 1.0]])
MASK = np.array([[True, False, True], [False, False, True]])
LINEAR_PAIRS: dict[str, Callable[[Any, Any], Any]] = {
    "concatenate": lambda a, b: np.concatenate([a, b]),
    "concatenate axis=None": lambda a, b: np.concatenate((a, b), axis=None),
    "stack": lambda a, b: np.stack([a, b], axis=1),
    "hstack": lambda a, b: np.hstack([a, b]),
    "vstack": lambda a, b: np.vstack((a, b)),
    "where": lambda a, b: np.where(MASK, a, b),
    "select": lambda a, b: np.select([MASK, ~MASK], [a, b]),
    "diff prepend": lambda a, b: np.diff(a, prepend=b[:, :1], axis=1),
    "linspace": lambda a, b: np.linspace(a[0], b[0], 4),
    "subtract.outer": lambda a, b: np.subtract.outer(a[0], b[1]),
    "add.reduce": lambda a, b: np.add.reduce(np.stack([a, b]), axis=0),
    "add.accumulate": lambda a, b: np.add.accumulate(np.concatenate([a, b]), axis=1),
}
BILINEAR_PAIRS: dict[str, Callable[[Any, Any], Any]] = {
    "matmul": lambda a, b: a @ b.T,
    "dot": lambda a, b: np.dot(a.T, b),
    "outer": np.outer,
    "inner": np.inner,
    "kron": np.kron,
    "tensordot": lambda a, b: np.tensordot(a, b, axes=([1], [1])),
    "einsum": lambda a, b: np.einsum("ij,kj->ik", a, b),
    "vdot": lambda a, b: np.vdot(a, b),
    "cross": lambda a, b: np.cross(a, b),
}


def _mixed(g: Callable[[Any, Any], Any]) -> Any:
    """d/dw d/dt g(w, t) at w = 1.5, t = -0.5, by nesting (outer w, inner t)."""
    return hd.derivative(lambda w: hd.derivative(lambda t: g(w, t))(-0.5))(1.5)


@pytest.mark.parametrize("name", list(LINEAR_PAIRS))
def test_numpy_functions_combine_an_outer_and_an_inner_variable(name: str) -> None:
    func = LINEAR_PAIRS[name]
    u = np.asarray(func(C1.copy(), np.zeros_like(C2)), dtype=float)
    v = np.asarray(func(np.zeros_like(C1), C2.copy()), dtype=float)
    got = _mixed(lambda w, t: np.sum(func(w * C1, t * C2) ** 2))
    np.testing.assert_allclose(got, 2 * np.sum(u * v), rtol=1e-14)


@pytest.mark.parametrize("name", list(BILINEAR_PAIRS))
def test_bilinear_functions_of_an_outer_and_an_inner_variable(name: str) -> None:
    func = BILINEAR_PAIRS[name]
    got = _mixed(lambda w, t: np.sum(func(w * C1, t * C2)))
    np.testing.assert_allclose(got, np.sum(func(C1, C2)), rtol=1e-14)


def test_linalg_solve_of_an_outer_matrix_and_an_inner_right_hand_side() -> None:
    a = np.array([[2.0, 1.0], [0.5, 3.0]])
    b = np.array([1.0, -2.0])
    # sum solve(w A, t b) = (t / w) s: d/dw d/dt = -s / w^2 at w = 1.5
    got = _mixed(lambda w, t: np.sum(np.linalg.solve(w * a, t * b)))
    np.testing.assert_allclose(got, -np.sum(np.linalg.solve(a, b)) / 1.5**2, rtol=1e-14)


def _add_at(a: Any, b: Any) -> Any:
    np.add.at(a, 0, b)
    return a


def _augmented(a: Any, b: Any) -> Any:
    a += b
    return a


def _item(a: Any, b: Any) -> Any:
    a[0] = b
    return a


@pytest.mark.parametrize("write", [_add_at, _augmented, _item], ids=["add.at", "+=", "x[0] ="])
def test_an_inner_variable_written_into_an_outer_array_in_place_is_refused(
    write: Callable[[Any, Any], Any],
) -> None:
    # the sum carries both transforms' parts: an outer array cannot hold it
    with pytest.raises(TypeError, match=r"in place|out= must be"):
        _mixed(lambda w, t: np.sum(write(w * np.ones(3), t)))
    assert _core.transform_depth() == 0


# An inner transform of the outer transform's own variable, seeded alike, computes in
# the symmetric product (the Hessian's layout, half the planes); an array of either
# transform alone meeting it moves both to the full product. Closed forms by hand.
SYMMETRIC_CASES: dict[str, tuple[Callable[[], Any], Any]] = {
    # d/dx [d/dy sin y]_{y=x} = -sin x
    "derivative of a derivative at the same point": (
        lambda: hd.derivative(lambda x: hd.derivative(np.sin)(x))(0.7),
        -np.sin(0.7),
    ),
    # d/dx [d/dy x y^2]_{y=x} = d/dx 2x^2 = 4x: x (outer alone) meets y
    "the outer variable meeting the inner one": (
        lambda: hd.derivative(lambda x: hd.derivative(lambda y: x * y**2)(x))(3.0),
        12.0,
    ),
    # grad_w sum(grad_v sum(w v^2) at v = w) = grad_w sum(2 w^2) = 4 w
    "grad of an inner grad of the same vector": (
        lambda: hd.grad(lambda w: np.sum(hd.grad(lambda v: np.sum(w * v**2))(w)))(W),
        4 * W,
    ),
    # inner grad_v (sum v^2 + sum t^3) = 2v at v = t; grad_t sum(2t) = 2
    "an output term of the outer variable alone": (
        lambda: hd.grad(lambda t: np.sum(hd.grad(lambda v: np.sum(v**2) + np.sum(t**3))(t)))(W),
        2 * np.ones(3),
    ),
    # jacobian_t of grad_v sum(sin(v)) at v = t: the Hessian diag(-sin t)
    "jacobian of an inner grad": (
        lambda: hd.jacobian(lambda t: hd.grad(lambda v: np.sum(np.sin(v)))(t))(W),
        np.diag(-np.sin(W)),
    ),
}


@pytest.mark.parametrize("name", list(SYMMETRIC_CASES))
def test_inner_transform_of_the_outer_variable(name: str) -> None:
    nested, expected = SYMMETRIC_CASES[name]
    np.testing.assert_allclose(nested(), expected, rtol=1e-14, atol=1e-15)


def test_the_symmetric_product_is_the_hessians_layout_and_pickles() -> None:
    import pickle

    seen: list[Any] = []

    def inner(v: Any) -> Any:
        seen.append(v)
        return np.sum(v**3)

    # grad_t sum(grad_v sum v^3 at v = t) = grad_t sum(3 t^2) = 6 t
    got = hd.grad(lambda t: np.sum(hd.grad(inner)(t)))(W)
    np.testing.assert_allclose(got, 6 * W, rtol=1e-15)
    (v,) = seen
    assert type(v)._planes == 1 + 3 + 6  # value, 3 first parts, the triangle of 3x3
    back = pickle.loads(pickle.dumps(v))
    assert type(back) is type(v)
    np.testing.assert_array_equal(back._stack, v._stack)


# Every first-order transform inside every other: d/dx [dg/dy (x, y0)] for
# g = sin(x y) + x^2 y, whose mixed partial is cos(x y) - x y sin(x y) + 2 x.
def _g(x: Any, y: Any) -> Any:
    return np.sin(x * y) + x**2 * y


Y0, X0 = 0.4, 1.3
INNER: dict[str, Callable[[Any], Any]] = {
    "derivative": lambda x: hd.derivative(lambda y: _g(x, y))(Y0),
    "grad": lambda x: hd.grad(lambda y: _g(x, y))(Y0),
    "value_and_grad": lambda x: hd.value_and_grad(lambda y: _g(x, y))(Y0)[1],
    "jacobian": lambda x: hd.jacobian(lambda y: _g(x, y))(Y0),
    "jvp": lambda x: hd.jvp(lambda y: _g(x, y), (Y0,), (1.0,))[1],
    "elementwise grad": lambda x: hd.grad(lambda y: _g(x, y), elementwise=True)(Y0),
}
OUTER: dict[str, Callable[[Callable[[Any], Any]], Any]] = {
    "derivative": lambda h: hd.derivative(h)(X0),
    "grad": lambda h: hd.grad(h)(X0),
    "value_and_grad": lambda h: hd.value_and_grad(h)(X0)[1],
    "jacobian": lambda h: hd.jacobian(h)(X0),
    "jvp": lambda h: hd.jvp(h, (X0,), (1.0,))[1],
    "elementwise grad": lambda h: hd.grad(h, elementwise=True)(X0),
}


@pytest.mark.parametrize("inner", list(INNER))
@pytest.mark.parametrize("outer", list(OUTER))
def test_every_first_order_transform_nests_in_every_other(outer: str, inner: str) -> None:
    got = OUTER[outer](INNER[inner])
    expected = np.cos(X0 * Y0) - X0 * Y0 * np.sin(X0 * Y0) + 2 * X0
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert _core.transform_depth() == 0
