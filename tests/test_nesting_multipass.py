"""Transforms that run several passes (chunk_size, more than 128 variables, hessian's
blocks, hessian_diag, laplacian, hvp, vjp) nested in another transform, at depth 2
and 3: each pass's result carries the enclosing transforms' parts, and the buffers
the passes fill take their kind (_transforms._stored). References: mpmath's
derivatives of closed forms of the inner transform's result as a function of the
outer variable a, G(a) = sum_i c(a) e^(a y_i) w_i."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath as mp
import numpy as np
import pytest
import scipy.sparse

import hyperdiff as hd

X200 = np.linspace(0.1, 1.0, 200)  # more than 128 variables: two passes by default
X20 = np.linspace(-0.5, 0.7, 20)
W200 = np.cos(3 * X200)
W20 = np.cos(3 * X20)
A = 0.6  # the outer variable's value

# inner transform -> (its result's sum as a function of a, the closed form of that
# sum in mpmath: G(a, y, w)); each runs several passes (n = 200, or chunk_size)
Inner = Callable[[Any, np.ndarray, np.ndarray], Any]


def _grad(a: Any, x: np.ndarray, w: np.ndarray, **kw: Any) -> Any:
    return np.sum(hd.grad(lambda y: np.sum(np.exp(a * y)), **kw)(x))


def _value_and_grad(a: Any, x: np.ndarray, w: np.ndarray, **kw: Any) -> Any:
    value, gradient = hd.value_and_grad(lambda y: np.sum(np.exp(a * y)), **kw)(x)
    return value + np.sum(gradient)


def _jacobian(a: Any, x: np.ndarray, w: np.ndarray, **kw: Any) -> Any:
    return np.sum(hd.jacobian(lambda y: np.exp(a * y) * w, **kw)(x))


def _hessian(a: Any, x: np.ndarray, w: np.ndarray, **kw: Any) -> Any:
    # (the Hessian of 200 variables in bundles of order 3 is slow: 12 in blocks of 5)
    h = hd.hessian(lambda y: np.sum(np.exp(a * y) * w[:12]), chunk_size=5)(x[:12])
    return np.sum(h)


def _hessian_diag(a: Any, x: np.ndarray, w: np.ndarray, **kw: Any) -> Any:
    return np.sum(hd.hessian_diag(lambda y: np.sum(np.exp(a * y) * w), **kw)(x))


def _laplacian(a: Any, x: np.ndarray, w: np.ndarray, **kw: Any) -> Any:
    return hd.laplacian(lambda y: np.sum(np.exp(a * y) * w), **kw)(x)


def _hvp(a: Any, x: np.ndarray, w: np.ndarray, **kw: Any) -> Any:
    return np.sum(hd.hvp(lambda y: np.sum(np.exp(a * y)), (x,), (w,), **kw))


def _vjp(a: Any, x: np.ndarray, w: np.ndarray, **kw: Any) -> Any:
    _, vjp_fn = hd.vjp(lambda y: np.exp(a * y), x)
    return np.sum(vjp_fn(w)[0])


def _exp_sum(power: int, weighted: bool, plus_value: bool = False) -> Callable[..., Any]:
    """G(a) = sum a^power e^(a y) (w) (+ sum e^(a y)) in mpmath."""

    def g(a: Any, xs: np.ndarray, ws: np.ndarray) -> Any:
        terms = (
            a**power * mp.exp(a * y) * (w if weighted else 1) + (mp.exp(a * y) if plus_value else 0)
            for y, w in zip(xs.tolist(), ws.tolist(), strict=True)
        )
        return mp.fsum(terms)

    return g


INNER: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "grad": (_grad, _exp_sum(1, False)),
    "value_and_grad": (_value_and_grad, _exp_sum(1, False, plus_value=True)),
    "jacobian": (_jacobian, _exp_sum(1, True)),
    "hessian": (_hessian, lambda a, xs, ws: _exp_sum(2, True)(a, xs[:12], ws[:12])),
    "hessian_diag": (_hessian_diag, _exp_sum(2, True)),
    "laplacian": (_laplacian, _exp_sum(2, True)),
    "hvp": (_hvp, _exp_sum(2, True)),
    "vjp": (_vjp, _exp_sum(1, True)),
}


def _reference(closed: Callable[..., Any], x: np.ndarray, w: np.ndarray, order: int) -> float:
    with mp.workdps(30):
        return float(mp.diff(lambda a: closed(a, x, w), mp.mpf(A), order))


# outer transform -> (G's derivative it gives, the call), at depth 2 and 3
OUTER: dict[str, tuple[int, Callable[[Callable[[Any], Any]], Any]]] = {
    "grad": (1, lambda g: hd.grad(g)(A)),
    "derivative": (1, lambda g: hd.derivative(g)(A)),
    "jacobian": (1, lambda g: hd.jacobian(lambda s: g(s[0]))(np.array([A]))[0]),
    "derivative_order2": (2, lambda g: hd.derivative(g, order=2)(A)),
    "hessian": (2, lambda g: hd.hessian(lambda s: g(s[0]))(np.array([A]))[0, 0]),
    # depth 3: d^2/ds dt of G(s + t)
    "grad_of_grad": (2, lambda g: hd.grad(lambda s: hd.grad(lambda t: g(s + t))(A / 2))(A / 2)),
    "jacobian_of_derivative": (
        2,
        lambda g: hd.jacobian(lambda s: hd.derivative(lambda t: g(s[0] + t))(A / 2))(
            np.array([A / 2])
        )[0],
    ),
}


# (the Hessian under a second-order outer is at total order 4: below, n = 6)
@pytest.mark.parametrize(
    ("inner", "outer"),
    [(i, o) for o in OUTER for i in INNER if not (i == "hessian" and OUTER[o][0] == 2)],
)
def test_nested_in_passes_n200(inner: str, outer: str) -> None:
    run, closed = INNER[inner]
    order, call = OUTER[outer]
    got = call(lambda a: run(a, X200, W200))
    want = _reference(closed, X200, W200, order)
    assert float(np.real(got)) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("inner", [k for k in INNER if k not in ("hessian", "vjp")])
@pytest.mark.parametrize("outer", ["grad", "derivative_order2", "grad_of_grad"])
def test_nested_in_small_chunks(inner: str, outer: str) -> None:
    run, closed = INNER[inner]
    order, call = OUTER[outer]
    got = call(lambda a: run(a, X20, W20, chunk_size=3))
    want = _reference(closed, X20, W20, order)
    assert float(got) == pytest.approx(want, rel=1e-12)


def test_hessian_blocks_at_total_order_four() -> None:
    # d^2/da^2 of sum H(a) for f = sum e^(a y) w: sum (a^2 e^(a y) w)'' in blocks of 2
    x, w = X20[:6], W20[:6]

    def g(a: Any) -> Any:
        return np.sum(hd.hessian(lambda y: np.sum(np.exp(a * y) * w), chunk_size=2)(x))

    want = _reference(_exp_sum(2, True), x, w, 2)
    assert float(hd.derivative(g, order=2)(A)) == pytest.approx(want, rel=1e-12)


def test_jacobian_of_chunked_grad_is_the_hessian() -> None:
    # the brief's example: the Hessian of sum y^3 (diag 6 y) as jacobian of grad, n = 200
    h = hd.jacobian(hd.grad(lambda y: np.sum(y**3) + np.sum(y[:-1] * y[1:])))(X200)
    want = np.diag(6 * X200) + np.eye(200, k=1) + np.eye(200, k=-1)
    assert type(h) is np.ndarray
    np.testing.assert_allclose(h, want, rtol=1e-13, atol=1e-13)


def test_outer_variable_as_the_input_of_passes() -> None:
    # the inner transforms' input is the outer one's variable x (chunked both ways):
    # d/dx_i sum_j (H v)_j = sum_j d^3 f/dx_i dx_j dx_j v_j: 6 v_i for sum x^3
    f = lambda y: np.sum(y**3) + np.sum(y[:-1] * y[1:])  # noqa: E731
    x, v = X20, W20
    got = hd.grad(lambda y: np.sum(hd.hvp(f, (y,), (v,), chunk_size=3)))(x)
    np.testing.assert_allclose(got, 6 * v, rtol=1e-13, atol=1e-13)
    got = hd.jacobian(lambda y: hd.hessian_diag(f, chunk_size=3)(y), chunk_size=4)(x)
    np.testing.assert_allclose(got, np.diag(np.full(20, 6.0)), rtol=1e-13, atol=0)
    got = hd.grad(lambda y: hd.laplacian(lambda u: np.sum(np.exp(u)), chunk_size=7)(y))(x)
    np.testing.assert_allclose(got, np.exp(x), rtol=1e-13)


def test_hvp_along_a_direction_of_the_outer_transform() -> None:
    # H(x) v(a) for v = a w: d/da sum H v = sum 6 x w for sum x^3 (forward over forward)
    def g(a: Any) -> Any:
        return np.sum(hd.hvp(lambda y: np.sum(y**3), (X200,), (a * W200,)))

    assert float(hd.grad(g)(A)) == pytest.approx(float(np.sum(6 * X200 * W200)), rel=1e-13)


def test_object_array_output_nested() -> None:
    # f returns np.array of dual scalars: its planes gathered element by element
    def g(a: Any) -> Any:
        j = hd.jacobian(lambda y: np.array([a * y[0] ** 2, np.exp(a * y[1])]), chunk_size=1)
        return np.sum(j(X20[:2]))

    y0, y1 = X20[:2]
    want = 2 * y0 + np.exp(A * y1) * (1 + A * y1)
    assert float(hd.grad(g)(A)) == pytest.approx(want, rel=1e-13)


def test_taylor_and_derivative_order3_nested() -> None:
    closed = _exp_sum(3, False)
    want = _reference(closed, X200, np.ones(200), 1)

    def by_taylor(a: Any) -> Any:
        return np.sum(hd.taylor(lambda y: np.exp(a * y), X200, np.ones(200), 3)[3])

    assert float(hd.grad(by_taylor)(A)) == pytest.approx(want, rel=1e-12)
    # 70,000 points: derivative(order=3) would run f in chunks (not nested)
    x = np.linspace(0.1, 1.0, 70_000)

    def by_derivative(a: Any) -> Any:
        return np.sum(hd.derivative(lambda y: np.exp(a * y), order=3)(x))

    e = np.exp(A * x)
    want_long = np.sum(3 * A**2 * e + A**3 * x * e)
    assert float(hd.grad(by_derivative)(A)) == pytest.approx(want_long, rel=1e-12)


def test_wirtinger_in_passes_nested() -> None:
    z = X20 + 0.25j

    def g(a: Any) -> Any:
        dz, dzbar = hd.wirtinger(lambda u: np.exp(a * u), chunk_size=3)(z)
        return np.sum(dz) + np.sum(dzbar)

    want = np.sum(np.exp(A * z) * (1 + A * z))  # d/da sum a e^(a z); d/dz-bar is 0
    assert complex(hd.grad(g)(A)) == pytest.approx(complex(want), rel=1e-13)


@pytest.mark.parametrize("side", [0, 1])
def test_wirtinger_of_the_outer_variable(side: int) -> None:
    # u = a z (an outer variable, complex), f(u) = e^u conj(u): d/da of sum df/du =
    # sum d/da e^(a z) conj(a z), and of sum df/du-bar = sum d/da e^(a z)
    z = X20 + 0.25j
    f = lambda u: np.exp(u) * np.conj(u)  # noqa: E731
    closed = (lambda a, w: mp.exp(a * w) * mp.conj(a * w), lambda a, w: mp.exp(a * w))[side]
    want = sum(complex(mp.diff(lambda a, w=w: closed(a, w), A)) for w in z.tolist())
    full = hd.grad(lambda a: np.sum(hd.wirtinger(f, chunk_size=3)(a * z)[side]))(A)
    per_point = hd.grad(lambda a: np.sum(hd.wirtinger(f, elementwise=True)(a * z)[side]))(A)
    assert complex(full) == pytest.approx(want, rel=1e-13)
    assert complex(per_point) == pytest.approx(want, rel=1e-13)
    if side == 1:  # derivative's check_holomorphic pass seeds the outer variable alike
        checked = hd.derivative(np.exp, holomorphic=True, check_holomorphic=True)
        got = hd.grad(lambda a: np.sum(checked(a * z)))(A)
        assert complex(got) == pytest.approx(want, rel=1e-13)


# --- the inner transforms alone: unchanged, plain arrays --------------------------------
@pytest.mark.parametrize(
    ("name", "call", "want"),
    [
        ("grad", lambda: hd.grad(lambda y: np.sum(np.exp(A * y)))(X200), A * np.exp(A * X200)),
        (
            "jacobian",
            lambda: hd.jacobian(lambda y: np.exp(A * y), chunk_size=7)(X20),
            np.diag(A * np.exp(A * X20)),
        ),
        (
            "hessian",
            lambda: hd.hessian(lambda y: np.sum(np.exp(A * y)), chunk_size=7)(X20),
            np.diag(A**2 * np.exp(A * X20)),
        ),
        (
            "hessian_diag",
            lambda: hd.hessian_diag(lambda y: np.sum(np.exp(A * y)))(X200),
            A**2 * np.exp(A * X200),
        ),
        (
            "hvp",
            lambda: hd.hvp(lambda y: np.sum(np.exp(A * y)), (X200,), (W200,)),
            A**2 * np.exp(A * X200) * W200,
        ),
        (
            "vjp",
            lambda: hd.vjp(lambda y: np.exp(A * y), X200)[1](W200)[0],
            A * np.exp(A * X200) * W200,
        ),
    ],
)
def test_not_nested_unchanged(name: str, call: Callable[[], Any], want: np.ndarray) -> None:
    got = call()
    assert type(got) is np.ndarray and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


# --- sparse results cannot hold dual numbers: refused, saying what to use -------------------
PATTERN = scipy.sparse.eye(20, format="csr")


@pytest.mark.parametrize(
    "g",
    [
        lambda a: hd.jacobian(lambda y: a * y**2, sparsity="auto")(X20).sum(),
        lambda a: hd.jacobian(lambda y: a * y**2, sparsity=PATTERN)(X20).sum(),
        lambda a: hd.hessian(lambda y: np.sum(a * y**3), sparsity="auto")(X20).sum(),
        lambda a: hd.hessian(lambda y: np.sum(a * y**3), sparsity=PATTERN)(X20).sum(),
        lambda a: hd.jacobian(lambda y: y**2, sparsity="auto")(a * X20).sum(),
        lambda a: hd.hessian(lambda y: np.sum(y**3), sparsity="auto")(a * X20).sum(),
        lambda a: hd.jacobian_sparsity(lambda y: a * y**2)(X20).sum(),
    ],
)
def test_sparse_nested_refused(g: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError, match=r"DualVec1 .*use jacobian or hessian without sparsity="):
        hd.grad(g)(A)


def test_sparse_nested_without_outer_parts_still_works() -> None:
    # the outer variable does not reach f: the sparse result is plain and exact
    def g(a: Any) -> Any:
        jac = hd.jacobian(lambda y: y**3, sparsity="auto")(X20)
        return a * float(jac.sum())

    assert float(hd.grad(g)(A)) == pytest.approx(float(np.sum(3 * X20**2)), rel=1e-14)


def test_a_dual_array_built_by_hand_is_refused_by_name() -> None:
    x = hd.dual(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    with pytest.raises(TypeError, match="not an enclosing transform's variable"):
        hd.grad(lambda v: np.sum(v**2))(x)
