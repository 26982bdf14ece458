"""hd.grad(f, sparsity="auto"): the gradient of a weighted sum of full sums from one
pass over the terms' colors (_sparsity.sparse_gradient), against closed forms; the
dense gradient for any other f; a plan gone stale detected again by its probe."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff._sparsity import _DenseGradientPlan, _TermGradientPlan


def rosen(x: Any) -> Any:
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosen_grad(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The closed form and its terms' scale (the sum of their magnitudes)."""
    u, v = x[:-1], x[1:]
    g, scale = np.zeros_like(x), np.zeros_like(x)
    g[:-1] = -400.0 * u * (v - u**2) - 2.0 * (1.0 - u)
    scale[:-1] = np.abs(400.0 * u * (v - u**2)) + np.abs(2.0 * (1.0 - u))
    g[1:] += 200.0 * (v - u**2)
    scale[1:] += np.abs(200.0 * (v - u**2))
    return g, scale


def plan_of(transform: Any) -> Any:
    """The one plan a sparse transform made (its first call)."""
    for cell in transform.__wrapped__.__closure__ or ():
        kept = cell.cell_contents
        if isinstance(kept, dict) and kept:
            return next(iter(kept.values()))
    raise AssertionError("no plan")


@pytest.mark.parametrize("n", [2, 3, 50, 2000])
@pytest.mark.parametrize("check", [True, False])
def test_rosenbrock_against_its_closed_form(n: int, check: bool) -> None:
    x = np.random.default_rng(n).uniform(-1.5, 1.5, n)
    g = hd.grad(rosen, sparsity="auto", check_sparsity=check)
    want, scale = rosen_grad(x)
    for point in (x, x[::-1].copy()):  # a second call reuses the plan
        want, scale = rosen_grad(point)
        got = g(point)
        assert got.shape == point.shape and got.dtype == np.float64
        assert np.all(np.abs(got - want) <= 4 * np.finfo(float).eps * scale)
    plan = plan_of(g)
    if n > 3:  # two colors (each term reads x_i and x_(i+1)): the O(n) scheme
        assert isinstance(plan, _TermGradientPlan) and plan.c == 2
        assert (plan.probe is not None) == check


def test_weighted_sums_of_several_terms() -> None:
    """mean, a sum scaled and added, a weighted least squares w @ r**2, r @ r, np.dot
    and einsum, a constant: each term's weight on its own inputs."""
    rng = np.random.default_rng(1)
    n = 301
    x = rng.uniform(0.5, 1.5, n)
    w = rng.uniform(1.0, 2.0, n - 1)

    def f(x: Any) -> Any:
        r = x[1:] - x[:-1]
        s = np.sin(x[::3])
        return (
            np.mean(x**3) + 3.0 * np.sum(s) - 0.5 * (w @ r**2) + r @ r / 4
            + np.dot(x[:10], x[10:20]) - np.einsum("i,i->", x[5:9], x[5:9]) + 7.0
        )  # fmt: skip

    want = 3 * x**2 / n
    want[::3] += 3.0 * np.cos(x[::3])
    r = x[1:] - x[:-1]
    for weight in (-0.5 * w, np.full(n - 1, 0.25)):  # w @ r**2 and r @ r / 4
        want[1:] += 2 * weight * r
        want[:-1] -= 2 * weight * r
    want[:10] += x[10:20]
    want[10:20] += x[:10]
    want[5:9] -= 2 * x[5:9]
    g = hd.grad(f, sparsity="auto")
    np.testing.assert_allclose(g(x), want, rtol=1e-13, atol=1e-13)
    assert isinstance(plan_of(g), _TermGradientPlan)


def test_least_squares_objective_is_jacobian_transposed_residual() -> None:
    """0.5 r @ r of the tridiagonal residual: J^T r, J in closed form."""
    n = 1000
    x = np.linspace(0.1, 1.0, n)

    def residual(x: Any) -> Any:
        inner = -x[:-2] + 2.0 * x[1:-1] - x[2:] + 1e-2 * np.exp(x[1:-1])
        return np.concatenate([x[:1], inner, x[-1:]])

    r = residual(x)
    jac = np.zeros((n, n))
    jac[0, 0] = jac[-1, -1] = 1.0
    i = np.arange(1, n - 1)
    jac[i, i - 1] = jac[i, i + 1] = -1.0
    jac[i, i] = 2.0 + 1e-2 * np.exp(x[1:-1])
    got = hd.grad(lambda x: 0.5 * (residual(x) @ residual(x)), sparsity="auto")(x)
    np.testing.assert_allclose(got, jac.T @ r, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes_and_a_complex_output(dtype: type) -> None:
    """float32 in, float32 out; a complex sum of real inputs: d Re f + i d Im f."""
    x = np.linspace(0.2, 2.0, 64).astype(dtype)
    got = hd.grad(lambda x: np.sum(x**2 * x[::-1]), sparsity="auto")(x)
    assert got.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(got, 2 * x * x[::-1] + (x**2)[::-1], rtol=rtol)
    got = hd.grad(lambda x: np.sum(x * np.exp(1j * x)), sparsity="auto")(x)
    assert got.dtype == np.result_type(dtype, np.complex64)
    np.testing.assert_allclose(got, np.exp(1j * x) * (1 + 1j * x), rtol=10 * rtol)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.prod(x),
        lambda x: np.cumsum(x**2)[-1],
        lambda x: np.sum(x) ** 2,
        lambda x: np.max(x * x[::-1]),
        lambda x: np.sum(x.reshape(4, 5) ** 2, axis=0)[1],
    ],
)
def test_no_sum_of_terms_gets_the_dense_gradient(f: Any) -> None:
    x = np.random.default_rng(4).uniform(0.5, 1.5, 20)
    g = hd.grad(f, sparsity="auto")
    np.testing.assert_array_equal(g(x), hd.grad(f)(x))
    assert isinstance(plan_of(g), _DenseGradientPlan)


def test_terms_on_every_input_get_the_dense_gradient() -> None:
    """A term reading every input (sum((A x)**2), A dense) needs n colors: no gain."""
    a = np.random.default_rng(5).standard_normal((8, 8))
    x = np.linspace(-1, 1, 8)
    g = hd.grad(lambda x: np.sum((a @ x) ** 2), sparsity="auto")
    np.testing.assert_allclose(g(x), 2 * a.T @ (a @ x), rtol=1e-13, atol=1e-14)
    assert isinstance(plan_of(g), _DenseGradientPlan)


def test_a_stale_plan_is_detected_again() -> None:
    """f closes over an index array that changes between calls (the same term sizes,
    other inputs per term): the probe sees it, the plan is rebuilt, the gradient is
    the new f's."""
    n = 40
    rng = np.random.default_rng(6)
    order = {"idx": rng.permutation(n)}

    def f(x: Any) -> Any:
        return np.sum(x[order["idx"]] * x**2)

    def closed(x: np.ndarray) -> np.ndarray:
        idx = order["idx"]
        g = 2 * x * x[idx]
        np.add.at(g, idx, x**2)
        return g

    x = rng.uniform(0.5, 1.5, n)
    g = hd.grad(f, sparsity="auto")
    np.testing.assert_allclose(g(x), closed(x), rtol=1e-14)
    first = plan_of(g)
    order["idx"] = rng.permutation(n)
    np.testing.assert_allclose(g(x), closed(x), rtol=1e-14)
    assert plan_of(g) is not first
    # a shift whose new input has the color of the old one (x_(t-3) and x_(t-1) on
    # the cycle's two colors): every slot the pass fills is one the plan reads, so
    # only the probe sees it
    shift = {"s": 1}

    def rolled(x: Any) -> Any:
        return np.sum(x * np.roll(x, shift["s"]) ** 2)

    def rolled_grad(x: np.ndarray) -> np.ndarray:
        s = shift["s"]
        return np.roll(x, s) ** 2 + np.roll(2 * x * np.roll(x, s), -s)

    g = hd.grad(rolled, sparsity="auto")
    np.testing.assert_allclose(g(x), rolled_grad(x), rtol=1e-14)
    assert plan_of(g).c == 2
    shift["s"] = 3
    np.testing.assert_allclose(g(x), rolled_grad(x), rtol=1e-14)
    # a sum of another size (f's terms follow what it reads): detected again too
    state = {"m": n}
    g = hd.grad(lambda x: np.sum(x[: state["m"]] ** 3), sparsity="auto")
    np.testing.assert_allclose(g(x), 3 * x**2, rtol=1e-15)
    state["m"] = n // 2
    np.testing.assert_allclose(g(x), np.where(np.arange(n) < n // 2, 3 * x**2, 0), rtol=1e-15)


def test_has_aux_argnums_and_refusals() -> None:
    x = np.linspace(0.5, 1.5, 30)
    got, aux = hd.grad(lambda x: (rosen(x), "aux"), sparsity="auto", has_aux=True)(x)
    np.testing.assert_allclose(got, rosen_grad(x)[0], rtol=1e-14, atol=1e-12)
    assert aux == "aux"
    got = hd.grad(lambda a, y: a * np.sum(y**3), argnums=1, sparsity="auto")(2.0, x)
    np.testing.assert_allclose(got, 6 * x**2, rtol=1e-15)
    ga, gb = hd.grad(lambda a, b: np.sum(a * b**2), argnums=(0, 1), sparsity="auto")(x, 2 * x)
    np.testing.assert_array_equal(ga, 4 * x**2)  # (a tuple: test_sparse_argnums.py)
    np.testing.assert_array_equal(gb, 4 * x**2)
    with pytest.raises(TypeError, match='takes "auto"'):
        hd.grad(rosen, sparsity=np.eye(30, dtype=bool))(x)
    with pytest.raises(TypeError, match="does not combine"):
        hd.grad(rosen, sparsity="auto", chunk_size=4)
    with pytest.raises(TypeError, match="does not combine"):
        hd.grad(rosen, sparsity="auto", holomorphic=True)
    with pytest.raises(ValueError, match="check_sparsity=False"):
        hd.grad(rosen, check_sparsity=False)
    with pytest.raises(TypeError, match="without sparsity="):
        hd.jacobian(hd.grad(rosen, sparsity="auto"))(x)


def test_a_sum_the_pass_does_not_keep_goes_dense_once() -> None:
    """An f whose trace is a sum of terms and whose pass is not (here by its input's
    type; in the wild, a spelling detection keeps and dual arrays do not): the first
    call's fresh plan fails and the dense gradient answers; from then on the plan goes
    to the dense gradient directly (f called once a call, not detected again)."""
    calls = []

    def f(x: Any) -> Any:
        calls.append(type(x).__name__)
        r = x[1:] * x[:-1] - 1.0
        traced = type(x).__name__ == "SparsityTracer"
        return np.sum(r**2) if traced else np.cumsum(r**2)[-1]

    x = np.random.default_rng(8).uniform(0.5, 1.5, 12)
    r = x[1:] * x[:-1] - 1.0
    want = np.zeros_like(x)
    want[1:] += 2 * r * x[:-1]
    want[:-1] += 2 * r * x[1:]
    g = hd.grad(f, sparsity="auto")
    np.testing.assert_allclose(g(x), want, rtol=1e-14)
    assert isinstance(plan_of(g), _TermGradientPlan)
    calls.clear()
    np.testing.assert_allclose(g(x), want, rtol=1e-14)
    assert len(calls) == 1 and "Tracer" not in calls[0]


@pytest.mark.parametrize("check", [True, False])
def test_value_and_grad_with_sparsity(check: bool) -> None:
    """value_and_grad(f, sparsity="auto"): f's own value (to the bit: numpy's sum, not
    the pass's) and the sparse gradient (the closed form), for
    scipy.optimize.minimize(..., jac=True); has_aux gives ((value, aux), gradient) with
    aux as grad's has_aux gives it."""
    x = np.random.default_rng(9).uniform(-1.5, 1.5, 500)
    value, got = hd.value_and_grad(rosen, sparsity="auto", check_sparsity=check)(x)
    want, scale = rosen_grad(x)
    assert isinstance(value, np.ndarray) and value.shape == () and value == rosen(x)
    assert np.all(np.abs(got - want) <= 4 * np.finfo(float).eps * scale)

    def with_aux(u: Any) -> Any:
        return rosen(u), u[:2] * 2.0

    (value, aux), got = hd.value_and_grad(with_aux, sparsity="auto", has_aux=True)(x)
    assert value == rosen(x) and np.all(np.abs(got - want) <= 4 * np.finfo(float).eps * scale)
    _, grad_aux = hd.grad(with_aux, sparsity="auto", has_aux=True)(x)
    assert type(aux) is type(grad_aux) and np.array_equal(aux, 2 * x[:2])
    with pytest.raises(TypeError, match="does not combine"):
        hd.value_and_grad(rosen, sparsity="auto", chunk_size=4)
    with pytest.raises(ValueError, match="check_sparsity=False"):
        hd.value_and_grad(rosen, check_sparsity=False)
    scipy_optimize = pytest.importorskip("scipy.optimize")
    found = scipy_optimize.minimize(
        hd.value_and_grad(rosen, sparsity="auto"), np.full(20, 0.5), jac=True, method="L-BFGS-B"
    )
    np.testing.assert_allclose(found.x, np.ones(20), atol=1e-4)
