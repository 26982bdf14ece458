"""A sparse transform's pending colored seed through reshape and np.pad: u.reshape(m, m)
stays pending (_core.pending_reshape) and np.pad of it writes the seed's planes once, into
the pad's interior (_core.planes_into, row by row), its margins zeroed (_shapes.
_seed_padded). Every plane against numpy's reshape and pad of the seed's planes as the
general path makes them; views stay views; Jacobians and Hessians through it against
their closed forms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

import hyperdiff as hd
from hyperdiff import _core, _sparsity
from hyperdiff._multivariate import dualvec_type


def seeded(n: int, probe: bool = True, dtype: Any = np.float64) -> tuple[Any, np.ndarray]:
    """A pending colored seed of n elements (a banded plan's: 3 colors, and the probe)
    and its planes as written in full (the seed's own copy, computed)."""
    pattern = sp.diags([1.0, 1.0, 1.0], [-1, 0, 1], shape=(n, n))
    plan = _sparsity._JacobianPlan(pattern, n, probe=probe, dtype=dtype)
    cls = dualvec_type(plan.seed.shape[0])  # (untagged: a hand-built array's kind)
    x = np.random.default_rng(n).uniform(-1, 1, n).astype(dtype)
    planes = np.array(plan.seeded(cls, x)._stack)  # (computed: a copy of its planes)
    seed = plan.seeded(cls, x)
    assert _core.pending_seed(seed)
    return seed, planes


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(180, 200), (-1, 200), (2, -1, 100), (36000,), (1, 36000)])
def test_reshape_of_a_pending_seed_stays_pending_with_its_planes(shape, dtype):
    seed, planes = seeded(36000, dtype=dtype)
    reshaped = seed.reshape(shape)
    assert _core.pending_seed(reshaped)
    want = planes.reshape(planes.shape[0], *shape)
    got = np.array(reshaped._stack)
    assert got.dtype == dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_reshape_of_a_pending_seed_as_numpy_refuses_and_other_orders():
    seed, planes = seeded(36000)
    with pytest.raises(ValueError, match="cannot reshape"):
        seed.reshape(7, 1000)
    with pytest.raises(ValueError):
        seed.reshape(-1, -1)
    # F order, a copy: the general path (computed), numpy's elements
    f_order = np.reshape(seed, (200, 180), order="F")
    np.testing.assert_array_equal(
        np.array(f_order._stack)[0], planes[0].reshape((200, 180), order="F")
    )
    copied = np.reshape(seeded(36000)[0], (180, 200), copy=True)
    assert not _core.pending_seed(copied)
    np.testing.assert_array_equal(np.array(copied._stack), planes.reshape(-1, 180, 200))


def test_a_reshaped_seed_is_a_view_of_the_seed():
    """numpy's reshape is a view: a write to it shows in the seed, and the other way."""
    seed, planes = seeded(36000)
    reshaped = seed.reshape(180, 200)
    reshaped[0, 1] = 5.0  # (computes the seed, the reshape a view of its planes)
    assert seed.value[1] == 5.0 and np.all(np.array(seed._stack)[1:, 1] == 0)
    seed[2] = -3.0
    assert reshaped.value[0, 2] == -3.0
    np.testing.assert_array_equal(np.array(seed._stack)[:, 3:], planes[:, 3:])


@pytest.mark.parametrize(
    "widths",
    [1, ((1, 0), (0, 2)), ((0, 0), (3, 1)), {0: (2, 2)}, ((2, 1), (1, 2), (0, 1)), 0],
    ids=["1", "1-0-0-2", "0-0-3-1", "dict", "3-d", "0"],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pad_of_a_pending_seed_against_numpys_pad_of_each_plane(widths, dtype):
    """In a memory scope whose cache hands the pad a block that held nan: a margin
    left unwritten would show."""
    three = isinstance(widths, tuple) and len(widths) == 3
    shape = (4, 90, 100) if three else (180, 200)
    seed, planes = seeded(36000, dtype=dtype)
    want = np.stack([np.pad(p.reshape(shape), widths) for p in planes])
    with hd.reuse_memory():
        dirty = np.full(want.shape, np.nan, dtype=dtype)
        del dirty  # (its block, cached, is the pad's next one of this size)
        got = np.pad(seed.reshape(shape), widths)
        assert np.array(got._stack).dtype == dtype
        np.testing.assert_array_equal(np.array(got._stack), want)
    assert _core.pending_seed(seed)  # (the seed itself not computed)


def test_pad_of_a_seed_slice_and_other_constants():
    """A slice of a seed pads as its planes; constants other than 0 and modes other
    than constant take the general path, numpy's values."""
    seed, planes = seeded(36000)
    piece = seed[6000:30000].reshape(120, 200)
    assert _core.pending_seed(piece)
    want = np.stack([np.pad(p[6000:30000].reshape(120, 200), 2) for p in planes])
    np.testing.assert_array_equal(np.array(np.pad(piece, 2)._stack), want)
    for kwargs in (
        {"constant_values": 1.5},
        {"constant_values": -0.0},  # (numpy's margins -0.0)
        {"constant_values": np.float64(0.0)},
        {"mode": "edge"},
        {"mode": "reflect"},
    ):
        seed, planes = seeded(36000)
        got = np.pad(seed.reshape(180, 200), ((1, 2), (3, 0)), **kwargs)
        mode = kwargs.get("mode", "constant")
        value = np.pad(planes[0].reshape(180, 200), ((1, 2), (3, 0)), **kwargs)
        np.testing.assert_array_equal(got.value, value)
        assert np.array_equal(np.signbit(got.value), np.signbit(value))
        if mode != "constant":
            parts = [np.pad(p.reshape(180, 200), ((1, 2), (3, 0)), mode) for p in planes[1:]]
            np.testing.assert_array_equal(np.array(got._stack)[1:], np.stack(parts))
    with pytest.raises(ValueError):
        np.pad(seeded(36000)[0].reshape(180, 200), -1)


def laplace(u: Any, m: int) -> Any:
    v = np.pad(u.reshape(m, m), 1)
    c = v[1:-1, 1:-1]
    return (4.0 * c - v[:-2, 1:-1] - v[2:, 1:-1] - v[1:-1, :-2] - v[1:-1, 2:] + c**3).reshape(-1)


def laplace_jacobian(x: np.ndarray, m: int) -> Any:
    """The closed form (scipy on floats): the 5-point stencil, 3 u^2 on the diagonal."""
    ones = np.ones(m - 1)
    t = sp.diags([-ones, -ones], [-1, 1])
    eye = sp.identity(m)
    return (sp.kron(eye, 4 * eye + t) + sp.kron(t, eye) + sp.diags(3 * x**2)).tocsr()


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("m", [20, 130])
def test_sparse_jacobian_of_a_padded_stencil_against_its_closed_form(m, check):
    x = np.random.default_rng(m).uniform(-1, 1, m * m)
    jac = hd.jacobian(lambda u: laplace(u, m), sparsity="auto", check_sparsity=check)
    for _ in range(2):  # the call that plans, and one with the plan
        got = jac(x)
        want = laplace_jacobian(x, m)
        assert abs(got - want).max() <= 1e-15 * abs(want).max()
        assert got.nnz == want.nnz


def test_sparse_hessian_of_a_padded_energy_against_its_closed_form():
    """A sum of terms over a padded grid: the term kind's seed (pair planes zero)
    through reshape and pad."""
    m = 40

    def energy(u: Any) -> Any:
        v = np.pad(u.reshape(m, m), 1)
        return np.sum((v[1:, :] - v[:-1, :]) ** 2) + np.sum((v[:, 1:] - v[:, :-1]) ** 2)

    x = np.random.default_rng(9).uniform(-1, 1, m * m)
    got = hd.hessian(energy, sparsity="auto")(x)
    ones = np.ones(m - 1)
    t = sp.diags([-ones, -ones], [-1, 1])
    eye = sp.identity(m)
    want = 2 * (sp.kron(eye, 4 * eye + t) + sp.kron(t, eye))
    assert abs(got - want).max() <= 1e-14
