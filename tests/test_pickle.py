"""Every kind pickles, deep-copies and crosses processes (multiprocessing, dask), the
multivariate kinds too, though their classes are made per layout at run time."""

from __future__ import annotations

import copy
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff._arrays import tagged
from hyperdiff._multivariate import hyperdualdiag_type, probed_hyperdualvec_type

RNG = np.random.default_rng(7)


def _random(cls: type, shape: tuple[int, ...], dtype: Any = np.float64) -> Any:
    data = RNG.uniform(0.5, 1.5, (cls._planes, *shape))
    if np.dtype(dtype).kind == "c":
        data = data + 1j * RNG.uniform(0.5, 1.5, data.shape)
    return cls._wrap(data.astype(dtype))


KINDS = {
    "Dual": hd.Dual,
    "HyperDual": hd.HyperDual,
    "DualVec3": hd.dualvec_type(3),
    "HyperDualVec3": hd.hyperdualvec_type(3),
    "HyperDualVec2x3": hd.hyperdualvec_type(2, 3),
    "probed HyperDualVec2": probed_hyperdualvec_type(2),
    "HyperDualDiag3": hyperdualdiag_type(3),
    "a transform's DualVec2": tagged(hd.dualvec_type(2), 1),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("kind", list(KINDS))
def test_pickle_and_deepcopy_keep_kind_planes_and_dtype(kind: str, dtype: Any) -> None:
    x = _random(KINDS[kind], (2, 3), dtype)
    copies = [pickle.loads(pickle.dumps(x, protocol)) for protocol in range(2, 6)]
    for y in [*copies, copy.deepcopy(x), copy.copy(x)]:
        assert type(y) is type(x)
        assert y.dtype == x.dtype
        np.testing.assert_array_equal(y._stack, x._stack)
    assert not np.shares_memory(copy.deepcopy(x)._stack, x._stack)


def _sin_in_a_worker(x: Any) -> Any:
    return np.sin(x)


def test_dual_arrays_cross_processes() -> None:
    # the child computes sin; its parts must be cos(value) * the parts sent
    # (a transform's kind looked up now: the class KINDS captured may have been retired
    # by a transform that ended with its arrays alive, and another process sees the
    # current one; in-process pickles keep their own class, tested above)
    kinds = [tagged(cls, cls._tag) if cls._tag else cls for cls in KINDS.values()]
    xs = [_random(cls, (4,)) for cls in kinds if cls._order == 1]
    context = multiprocessing.get_context("spawn")  # (fork warns in threaded processes)
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        results = list(pool.map(_sin_in_a_worker, xs))
    for x, y in zip(xs, results, strict=True):
        assert type(y) is type(x)
        np.testing.assert_allclose(y.value, np.sin(x.value), rtol=1e-15)
        np.testing.assert_allclose(y._stack[1:], np.cos(x.value) * x._stack[1:], rtol=1e-15)


def test_one_class_per_layout_however_the_factory_is_called() -> None:
    assert hd.hyperdualvec_type(3) is hd.hyperdualvec_type(3, None) is hd.hyperdualvec_type(k1=3)
    assert hyperdualdiag_type(2) is hyperdualdiag_type(2, False) is hyperdualdiag_type(k=2)
