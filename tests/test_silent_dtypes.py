"""Dtypes as numpy's: out= casts by numpy's rule ("same_kind": a float64 result into a
float32 out= rounds, complex into real is refused), and a tangent takes its primal's
dtype (JAX's rule), so a float32 program gives float32 values that are numpy's bit for
bit. References: numpy's own values, and central differences of the same program with a
float64 out= (numpy's evaluations, never hyperdiff)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

stats = pytest.importorskip("scipy.stats")

X = np.array([0.3, -0.7, 1.1])


def _into(dtype: Any, write: Callable[[Any, Any], None]) -> Callable[[Any], Any]:
    """y -> out, an array of dtype (a dual one inside a transform) that write fills."""

    def program(y: Any) -> Any:
        out = (y * 0).astype(dtype)
        write(y, out)
        return out

    return program


WRITES: dict[str, Callable[[Any, Any], None]] = {
    "multiply": lambda y, out: np.multiply(y, 1.0 + y * y, out=out),
    "divide": lambda y, out: np.divide(y, 3.0 + y, out=out),
    "power": lambda y, out: np.power(y, 3.0, out=out),
    "square": lambda y, out: np.square(y, out=out),
    "inplace": lambda y, out: out.__iadd__(y * y),
    "twice": lambda y, out: (np.negative(y, out=out), np.multiply(out, 3.0, out=out)),
    "cumsum": lambda y, out: np.cumsum(y * y, out=out),
    "add.at": lambda y, out: np.add.at(out, [0, 0, 2], y / 3.0),
    "multiply.at": lambda y, out: (out.__iadd__(1.3), np.multiply.at(out, [1, 1, 0], y / 3.0)),
    "mean": lambda y, out: np.mean(np.stack([y, y * y]), axis=0, out=out),
    "sum": lambda y, out: np.sum(np.outer(y, y / 3.0), axis=0, out=out),
    "clip": lambda y, out: np.clip(y / 3.0, -0.2, 0.2, out=out),
    "ldexp": lambda y, out: np.ldexp(y, 2, out=out),
}


def _differences(f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """The Jacobian by 4th-order central differences of numpy's float64 evaluations."""
    h, columns = 1e-3, []
    for e in np.eye(x.size):
        g = [np.asarray(f(x + k * h * e), dtype=complex) for k in (-2, -1, 1, 2)]
        columns.append((g[0] - 8 * g[1] + 8 * g[2] - g[3]) / (12 * h))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("name", sorted(WRITES))
@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_out_of_a_narrower_dtype_casts_as_numpy(name: str, dtype: Any) -> None:
    program = _into(dtype, WRITES[name])
    value = program(X.copy())  # numpy casts float64 into out= (same_kind)
    jacobian = hd.jacobian(program)(X)
    assert jacobian.dtype == value.dtype
    want = _differences(_into(np.float64 if dtype is np.float32 else complex, WRITES[name]), X)
    np.testing.assert_allclose(jacobian, want, rtol=2e-6, atol=2e-6)
    primal, tangent = hd.jvp(program, (X,), (np.ones(3),))
    assert primal.tobytes() == value.tobytes()  # one rounding, as numpy's loop
    assert tangent.dtype == value.dtype


@pytest.mark.parametrize(
    "write",
    [
        lambda y, out: np.multiply(y, 1j, out=out),
        lambda y, out: np.sin(y + 0.5j, out=out),
        lambda y, out: np.add(y, np.ones(3) * 1j, out=out),
        lambda y, out: np.square(y + 1j, out=out),
        lambda y, out: np.fft.fft(y, out=out),
    ],
)
def test_complex_into_real_out_is_refused_as_numpy_refuses(write: Any) -> None:
    """(numpy's reductions only warn and drop the imaginary parts: hyperdiff refuses.)"""
    program = _into(np.float64, write)
    with pytest.raises(TypeError):
        program(X.copy())  # numpy's own refusal (same_kind)
    with pytest.raises(TypeError, match="same_kind"):
        hd.jacobian(program)(X)


F32 = np.array([0.5, -0.25, 1.5], np.float32)


def _f(x: Any) -> Any:  # (no libm function: its value is numpy's bit for bit)
    return x * x * (3.0 + x) / (2.0 + x)


def _df(x: np.ndarray) -> np.ndarray:
    return (2 * x * (3 + x) + x * x) / (2 + x) - x * x * (3 + x) / (2 + x) ** 2


@pytest.mark.parametrize(
    "tangent",
    [np.ones(3, np.float32), np.ones(3, np.float16), np.array([1, 1, 1]), [1, 1, 1]],
    ids=["float32", "float16", "int", "list"],
)
def test_a_tangent_takes_its_primals_dtype(tangent: Any) -> None:
    """Exact casts are made: f runs in float32 and its value is numpy's f(x)."""
    want = _f(F32)
    primal, derivative = hd.jvp(_f, (F32,), (tangent,))
    assert primal.dtype == derivative.dtype == np.float32
    assert primal.tobytes() == want.tobytes()
    np.testing.assert_allclose(derivative, _df(F32.astype(float)), rtol=1e-6)
    linear = hd.linearize(_f, F32)[1](tangent)
    assert linear.dtype == np.float32
    product = hd.hvp(lambda x: np.sum(np.exp(x)), (F32,), (tangent,))
    assert product.dtype == np.float32
    np.testing.assert_allclose(product, np.exp(F32.astype(float)), rtol=1e-6)
    planes = hd.taylor(_f, F32, np.asarray(tangent), 2)
    assert planes.dtype == np.float32 and planes[0].tobytes() == want.tobytes()
    np.testing.assert_allclose(planes[1], _df(F32.astype(float)), rtol=1e-6)


def test_a_python_scalar_tangent_is_weak() -> None:
    x = np.float32(0.5)
    primal, derivative = hd.jvp(_f, (x,), (1.0,))
    assert primal.dtype == derivative.dtype == np.float32
    assert primal.tobytes() == _f(x).tobytes()


@pytest.mark.parametrize(
    "call",
    [
        lambda t: hd.jvp(_f, (F32,), (t,)),
        lambda t: hd.linearize(_f, F32)[1](t),
        lambda t: hd.hvp(lambda x: np.sum(_f(x)), (F32,), (t,)),
        lambda t: hd.taylor(_f, F32, t, 3),
        lambda t: hd.taylor(_f, F32, [F32, t], 3),
    ],
    ids=["jvp", "linearize", "hvp", "taylor", "taylor series"],
)
def test_a_more_precise_tangent_is_refused_as_in_jax(call: Any) -> None:
    """jax.jvp needs equal dtypes; rounding a float64 direction to float32 silently, or
    running f in float64 (a primal that is not numpy's f(x)), would both mislead."""
    with pytest.raises(TypeError, match="float64 tangent for a float32 primal"):
        call(np.ones(3))
    with pytest.raises(TypeError, match="complex tangent for a real primal"):
        call(np.ones(3, np.complex64))


def test_a_complex_primal_takes_a_real_tangent() -> None:
    z = np.array([0.5 + 1j], np.complex64)
    primal, derivative = hd.jvp(_f, (z,), (np.ones(1, np.float32),))
    assert primal.dtype == derivative.dtype == np.complex64
    assert primal.tobytes() == _f(z).tobytes()
    np.testing.assert_allclose(derivative, _df(z.astype(complex)), rtol=1e-6)


STATS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    # hd.stats on float32 dual arrays, and scipy.stats on plain ones (the reference)
    "norm": (
        lambda y: hd.stats.norm.logpdf(y, 0.5 * y, 1 + y**2),
        lambda y: stats.norm.logpdf(y, 0.5 * y, 1 + y**2),
    ),
    "norm.cdf": (lambda y: hd.stats.norm.cdf(y, 0.1), lambda y: stats.norm.cdf(y, 0.1)),
    "t": (lambda y: hd.stats.t.logpdf(y, 3 + y * y), lambda y: stats.t.logpdf(y, 3 + y * y)),
    "gamma": (
        lambda y: hd.stats.gamma.logpdf(2 + y, 2 + y * y),
        lambda y: stats.gamma.logpdf(2 + y, 2 + y * y),
    ),
    "poisson": (
        lambda y: hd.stats.poisson.logpmf(3, 1 + y * y),
        lambda y: stats.poisson.logpmf(3, 1 + y * y),
    ),
}


@pytest.mark.parametrize("name", sorted(STATS))
def test_stats_of_float32_in_scipys_dtype(name: str) -> None:
    """scipy.stats computes in float64: a float32 input gives float64 values, and so
    must hyperdiff's mirror give float64 values and derivatives (norm.logpdf gave
    float32). (Within float32's rounding: the parameters' own arithmetic, 1 + y * y, runs
    in float32 before scipy's float64.)"""
    ours, scipys = STATS[name]
    x32 = X.astype(np.float32) * 0.5
    want = np.asarray(scipys(x32))
    jacobian = hd.jacobian(ours)(x32)
    assert jacobian.dtype == want.dtype == np.float64
    np.testing.assert_allclose(
        jacobian, _differences(scipys, x32.astype(float)).real, rtol=3e-6, atol=1e-7
    )
