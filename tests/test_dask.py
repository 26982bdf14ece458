"""Dual arrays as dask chunks on a distributed cluster of worker processes (the [dask]
extra): every kind and complex components through map_blocks, elementwise ufuncs and
reductions, dual chunks sent from the client, and a transform mapped over blocks.
References are closed forms evaluated with numpy on plain values."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


def f(x: Any) -> Any:
    """The function every case computes (elementwise ufuncs and operators)."""
    return np.sin(x) * np.exp(-(x**2)) + x**3


def f1(x: Any) -> Any:
    return np.exp(-(x**2)) * (np.cos(x) - 2 * x * np.sin(x)) + 3 * x**2


def f2(x: Any) -> Any:
    return np.exp(-(x**2)) * ((4 * x**2 - 3) * np.sin(x) - 4 * x * np.cos(x)) + 6 * x


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One cluster of two single-threaded worker processes for the module."""
    with (
        distributed.LocalCluster(
            processes=True,
            n_workers=2,
            threads_per_worker=1,
            dashboard_address=":0",  # a free port: no clash with another cluster
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


G = np.array([1.0, -2.0, 0.5])  # DualVec3's seed directions
H = np.array([1.0, 0.5])  # HyperDualVec2's (one seed set: the symmetric block)

# kind -> (seed a block of values, the expected parts of f(x) at the values x)
KINDS: dict[str, tuple[Callable[[Any], Any], Callable[[Any, Any], dict[str, Any]]]] = {
    "Dual": (lambda b: hd.dual(b, 1.0), lambda y, x: {"d": f1(x)}),
    "HyperDual": (
        lambda b: hd.hyperdual(b, 1.0, 1.0),
        lambda y, x: {"e1": f1(x), "e2": f1(x), "e12": f2(x)},
    ),
    "DualVec3": (
        lambda b: hd.dualvec(b, G[:, None]),
        lambda y, x: {"grad": G[:, None] * f1(x)},
    ),
    "HyperDualVec2": (
        lambda b: hd.hyperdualvec(b, H[:, None]),
        lambda y, x: {
            "grad": H[:, None] * f1(x),
            "hess": np.multiply.outer(H, H)[..., None] * f2(x),
        },
    ),
    "complex HyperDual": (
        lambda b: hd.hyperdual(b * (1 + 0.5j), 1.0, 1.0),
        lambda y, x: {"e1": f1(x), "e12": f2(x)},
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_as_chunks_map_blocks_ufuncs_and_reductions(client: Any, kind: str) -> None:
    seed, expected = KINDS[kind]
    values = np.linspace(0.1, 2.0, 40)
    x = values * (1 + 0.5j) if kind.startswith("complex") else values
    meta = seed(np.empty(0))
    chunks = da.linspace(0.1, 2.0, 40, chunks=10).map_blocks(seed, meta=meta)
    y = f(chunks)  # a graph of the dual chunks' ufuncs, run on the workers
    assert isinstance(y._meta, type(meta))
    total = y.sum()
    y, total = client.compute([y, total], sync=True)
    assert type(y) is type(meta) and y.shape == (40,)
    np.testing.assert_allclose(y.value, f(x), rtol=1e-13)
    for part, reference in expected(y, x).items():
        np.testing.assert_allclose(getattr(y, part), reference, rtol=1e-12, atol=1e-14)
        # the sum of chunks' partial sums: each part is the sum of the parts
        np.testing.assert_allclose(getattr(total, part), reference.sum(axis=-1), rtol=1e-12)
    np.testing.assert_allclose(total.value, f(x).sum(), rtol=1e-13)


def test_dual_chunks_sent_from_the_client_and_2d_reductions(client: Any) -> None:
    x = np.linspace(0.1, 2.0, 60).reshape(6, 10)
    local = hd.hyperdual(x, 1.0, 1.0)  # made here, pickled to the workers in chunks
    chunked = da.from_array(local, chunks=(3, 5), asarray=False, meta=local[:0, :0])
    y = f(chunked)
    column_sums, row_means = client.compute([y.sum(axis=0), y.mean(axis=1)], sync=True)
    np.testing.assert_allclose(column_sums.e1, f1(x).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(column_sums.e12, f2(x).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(row_means.e12, f2(x).mean(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(local.e12, 0.0)  # what the user passed is unchanged


def test_a_transform_mapped_over_blocks(client: Any) -> None:
    x = da.linspace(-3.0, 3.0, 1000, chunks=250)
    second = x.map_blocks(hd.derivative(f, order=2), dtype=np.float64)
    first = x.map_blocks(hd.derivative(f), dtype=np.float64)
    values = np.linspace(-3.0, 3.0, 1000)
    got2, got1 = client.compute([second, first], sync=True)
    assert isinstance(got2, np.ndarray) and got2.shape == (1000,)
    np.testing.assert_allclose(got2, f2(values), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got1, f1(values), rtol=1e-12, atol=1e-13)
