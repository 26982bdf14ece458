"""derivative(f) and derivative(f, order=2) on 32768+ points seed x + e pending
(_core.unit_seed: Dual's and HyperDualVec(1)'s planes made block by block where f's
fused operations read them) and, when f's recorded graph is elementwise in the seed
alone, compute only the part's plane (_core.elementwise_plane): f acts point by point by
construction, so no probe runs. Each against closed forms, against the eager pass's
bits (fusion off), and against functions that mix points, which must still be refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core, _transforms

DTYPES = [np.float64, np.float32, np.complex128, np.complex64]
N = 73_728  # above the fusion's 32768, not a multiple of its blocks' sizes


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint8)


def t1(x: Any) -> Any:
    return np.sin(x) * np.exp(-(x**2) / 2) + np.log(1 + x**2)


def t1_first(x: np.ndarray) -> np.ndarray:
    e = np.exp(-(x**2) / 2)
    return (np.cos(x) - x * np.sin(x)) * e + 2 * x / (1 + x**2)


def t1_second(x: np.ndarray) -> np.ndarray:
    e = np.exp(-(x**2) / 2)
    trig = -2 * x * np.cos(x) + (x**2 - 2) * np.sin(x)
    return trig * e + 2 * (1 - x**2) / (1 + x**2) ** 2


def _points(dtype: Any, n: int = N, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    if np.dtype(dtype).kind == "c":
        x = x + 0.3j * rng.uniform(-1, 1, n)
    return x.astype(dtype)


@pytest.mark.parametrize("order", [1, 2])
def test_closed_forms(order: int, planes_read: list[Any]) -> None:
    x = _points(np.float64)
    got = hd.derivative(t1, order=order)(x)
    want = (t1_first if order == 1 else t1_second)(x)
    scale = np.abs(want) + 1  # (the sums' cancellation: absolute near the zeros)
    assert np.max(np.abs(got - want) / scale) < 64 * np.finfo(float).eps
    assert got.shape == x.shape and got.dtype == x.dtype
    assert len(planes_read) == 1 and planes_read[0] is not None  # one plane, no probe


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("order", [1, 2])
def test_the_fused_plane_is_the_eager_passs_bits(
    dtype: Any, order: int, planes_read: list[Any]
) -> None:
    x = _points(dtype)
    complex_ = np.dtype(dtype).kind == "c"
    previous = _core.fusion_min_count(1 << 62)  # eager: every operation computed in full
    try:
        eager = hd.derivative(t1, order=order, holomorphic=complex_)(x)
    finally:
        _core.fusion_min_count(previous)
    assert planes_read == [None]
    planes_read.clear()
    for check in (True, False):
        fused = hd.derivative(t1, order=order, holomorphic=complex_, check_pointwise=check)(x)
        assert fused.dtype == x.dtype
        np.testing.assert_array_equal(_bits(fused), _bits(eager))
    assert len(planes_read) == 2 and all(r is not None for r in planes_read)


MIXING = {
    "cumsum": np.cumsum,
    "reversed": lambda x: np.sin(x[::-1]),
    "roll": lambda x: np.exp(x) + np.roll(x, 1),
    "centred": lambda x: np.sin(x - x.mean()),
}
SUM = float(np.sum(np.random.default_rng(3).uniform(-3, 3, N)))  # sum(x) of _points
MIXING["second order only"] = lambda x: x + (np.sum(x) - SUM) ** 2  # f' = 1 + 2 (0)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", MIXING)
def test_functions_mixing_points_are_still_refused(order: int, name: str) -> None:
    x = _points(np.float64)
    if name == "second order only" and order == 1:
        pytest.skip("its first derivative is pointwise")
    with pytest.raises(ValueError, match="mixes points"):
        hd.derivative(MIXING[name], order=order)(x)


@pytest.mark.parametrize("order", [1, 2])
def test_outputs_that_are_not_one_graph_of_the_seed(order: int, planes_read: list[Any]) -> None:
    x = _points(np.float64)
    ones, zeros = np.ones_like(x), np.zeros_like(x)
    first = order == 1
    np.testing.assert_array_equal(
        hd.derivative(lambda v: v, order=order)(x), ones if first else zeros
    )
    got = hd.derivative(lambda v: (np.sin(v), v * v), order=order)(x)
    np.testing.assert_array_equal(got[1], 2 * x if first else 2 * ones)
    const = hd.derivative(lambda v: np.sin(x), order=order)(x)  # constant in v
    np.testing.assert_array_equal(const, zeros)
    assert all(r is None for r in planes_read)  # each read in full


def test_a_function_found_pointwise_is_not_marked_mixing() -> None:
    def f(v: Any) -> Any:
        return np.sin(v) * v

    for n in (100, N):  # unrecorded and recorded
        hd.derivative(f)(_points(np.float64, n))
        hd.derivative(f, order=2)(_points(np.float64, n))
        assert not _transforms._known_mixing(f)


def test_holomorphic_refusals_reach_the_one_plane() -> None:
    z = _points(np.complex128)
    got = hd.derivative(np.exp, holomorphic=True)(z)
    np.testing.assert_allclose(got, np.exp(z), rtol=4 * np.finfo(float).eps)
    with pytest.raises(TypeError, match="conj"):
        hd.derivative(lambda v: v * np.conj(v), holomorphic=True)(z)
    with pytest.raises(TypeError, match="complex outputs"):
        hd.derivative(lambda v: np.exp(v.real), holomorphic=True)(z)
