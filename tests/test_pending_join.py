"""np.concatenate of pending pieces stays pending (_core.join_pending, fusion.hpp's
Node::join): its planes are written when read, each piece straight into its slice.
What it must keep is numpy's meaning: the result is the pieces as they were at the
call, whatever is written afterwards (a piece, an array a piece reads, the seeded
input), read as an operand, sliced, summed or exposed. And x.reshape of a pending
graph stays pending (_core.pending_reshape, Node::reshape_of), a view of x's planes as
numpy's is. Sparse Jacobians read such outputs off their pass (_core.recover_pass).
The reference is the same code evaluated eagerly (recording off: each operation run
at once), compared as bits, and the dense Jacobian; random scripts of joins, reshapes,
slices, operations and writes too."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from fusion_harness import eager, pending, record_from_64  # noqa: F401

import hyperdiff as hd
from hyperdiff import _core

N = 600
X = np.random.default_rng(7).uniform(0.1, 0.9, N)

pytestmark = pytest.mark.usefixtures("record_from_64")


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each call of _core.recover_pass took its pass (not None), in order."""
    calls: list[bool] = []
    recover_pass = _core.recover_pass

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = recover_pass(*args, **kwargs)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(_core, "recover_pass", counted)
    return calls


def fresh(dtype: type = np.float64) -> Any:
    v = X.astype(dtype)
    return hd.dualvec(v.copy(), [np.ones_like(v), v.copy(), np.sin(v)])


def pieces(x: Any) -> list[Any]:
    """Two pending graphs of x's slices (a unary function, a linear step)."""
    return [np.sin(x[:250]) * 2.0, x[250:] - 1.0]


def joined(x: Any) -> Any:
    return np.concatenate(pieces(x))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_join_of_pending_pieces_is_pending_with_eager_bits(dtype: type) -> None:
    y = joined(fresh(dtype))
    assert pending(y)
    assert y.shape == (N,) and y._header.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y._stack, eager(joined, fresh(dtype))._stack)


def test_join_read_as_an_operand_sliced_summed_and_exposed() -> None:
    def use(x: Any) -> list[Any]:
        y = joined(x)
        return [y * 3.0 + np.exp(y), y[10:400], np.sum(y), y.value]

    got, want = use(fresh()), eager(use, fresh())
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(getattr(a, "_stack", a), getattr(b, "_stack", b))


def test_nested_joins_and_a_piece_twice() -> None:
    def nest(x: Any) -> Any:
        a, b = pieces(x)
        inner = np.concatenate([a, b])
        return np.concatenate([inner, np.cos(x[:100]), inner, a])

    y = nest(fresh())
    assert pending(y)
    np.testing.assert_array_equal(y._stack, eager(nest, fresh())._stack)


def test_joins_of_joins_in_a_loop() -> None:
    """acc = concatenate([acc, piece]) a thousand times: a join past kMaxPending
    operations is computed before it is joined again (the joins' depth stays bounded),
    the numbers those of each piece."""
    x = fresh()
    acc = np.sin(x) * 1.0
    for k in range(1000):
        acc = np.concatenate([acc, x[:70] * float(k)])
    got = acc._stack
    assert got.shape == (4, N + 70 * 1000)
    np.testing.assert_array_equal(got[:, :N], eager(lambda v: np.sin(v) * 1.0, fresh())._stack)
    tail = got[:, N:].reshape(4, 1000, 70)
    for k in (0, 1, 617, 999):
        np.testing.assert_array_equal(
            tail[:, k], eager(lambda v, k=k: v[:70] * float(k), fresh())._stack
        )


def test_a_piece_written_after_the_join() -> None:
    x = fresh()
    a, b = pieces(x)
    y = np.concatenate([a, b])
    want = eager(joined, fresh())._stack
    a[0] = 99.0  # a is computed first; the join keeps a's planes of the call
    b._stack[:] = -5.0
    np.testing.assert_array_equal(y._stack, want)
    assert a.value[0] == 99.0


def test_an_input_written_after_the_join() -> None:
    x = fresh()
    y = joined(x)
    x[5] = 100.0  # the pieces read x's planes: the join runs before the write
    x[300] = -100.0
    np.testing.assert_array_equal(y._stack, eager(joined, fresh())._stack)


def test_held_pieces_and_an_input_written_after_the_join() -> None:
    """x written while pieces the caller holds are pending inside the join: computing
    the join (before the write) computes them too, not only their slices."""
    x = fresh()
    a, b = pieces(x)
    y = np.concatenate([a, b])
    x[5] = 100.0
    x[300] = -100.0
    for got, want in zip([a, b, y], [*pieces(fresh()), joined(fresh())], strict=True):
        np.testing.assert_array_equal(got._stack, eager(lambda w: w, want)._stack)


def test_a_join_written_and_its_result_independent() -> None:
    x = fresh()
    a, b = pieces(x)
    y = np.concatenate([a, b])
    y[0] = 42.0
    np.testing.assert_array_equal(a._stack, eager(lambda v: pieces(v)[0], fresh())._stack)
    assert y.value[0] == 42.0


def test_a_seeded_input_written_after_the_join() -> None:
    """Inside a sparse Jacobian, pieces of the pending colored seed itself (x[:1]) and
    the seeded x written after the join: the join holds x's values of the call."""

    def f(x: Any) -> Any:
        y = np.concatenate([x[:1], np.sin(x[1:-1]) * 2.0, x[-1:]])
        x[0] = 1e3  # (the seed's planes computed and written)
        return y

    got = hd.jacobian(f, sparsity="auto")(X.copy()).toarray()
    want = np.zeros((N, N))
    want[0, 0] = want[-1, -1] = 1.0
    want[np.arange(1, N - 1), np.arange(1, N - 1)] = 2.0 * np.cos(X[1:-1])
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


def test_join_pending_declines() -> None:
    x = fresh()
    a, b = pieces(x)
    computed = np.sin(x[:10]) * 1.0
    computed._stack  # noqa: B018  (computed)
    assert _core.join_pending([a]) is None  # one piece
    assert _core.join_pending([a, computed]) is None  # a piece computed
    assert _core.join_pending([a, x[250:]]) is None  # a view
    assert _core.join_pending([a, fresh(np.float32)[250:] - 1.0]) is None  # another dtype
    other = hd.dualvec(X.copy(), [np.ones(N)])
    assert _core.join_pending([a, np.sin(other) * 1.0]) is None  # another kind
    assert pending(a) and pending(b)


def test_sparse_jacobian_read_off_its_pass_and_replanned_when_stale(taken: list[bool]) -> None:
    """End to end: the banded residual's Jacobian read off its pass as it runs
    (_core.recover_pass, taken: f's output a join of pending pieces), against the
    dense Jacobian, checked and unchecked; f's pattern changed by a global (a term
    shifted out of the band, into a slot another entry reads) is seen by the pass's
    check, and the plan made again."""
    state = {"k": 2}

    def f(x: Any) -> Any:  # rows 2 .. n - 3: a tridiagonal stencil, and x[r + k - 2]
        k, n = state["k"], x.shape[0]
        inner = -x[1:-3] + 2.0 * x[2:-2] - x[3:-1] + 1e-2 * np.exp(x[2:-2])
        inner = inner + 0.5 * x[k : k + n - 4]
        return np.concatenate([x[:2], inner, x[-2:]])

    for check, shifts in ((True, (2, 2, 4, 4, 2)), (False, (2, 2))):  # (unchecked: no probe)
        state["k"] = 2
        jac = hd.jacobian(f, sparsity="auto", check_sparsity=check)
        for k in shifts:
            state["k"] = k
            taken.clear()
            got = jac(X.copy())
            assert taken and all(taken)
            np.testing.assert_array_equal(got.toarray(), np.asarray(hd.jacobian(f)(X.copy())))


# --- x.reshape of a pending graph or join: a view of x's planes once asked for ---------
def grid(x: Any) -> Any:
    """A pending graph of shape (20, 30), then its planes as 600 elements."""
    return (np.sin(x) * 2.0 + 1.0).reshape(20, 30)


def test_reshape_of_a_pending_graph_is_pending_with_eager_bits() -> None:
    for make in (grid, lambda x: grid(x).reshape(-1), lambda x: joined(x).reshape(3, -1, 4)):
        y = make(fresh())
        assert pending(y)
        np.testing.assert_array_equal(y._stack, eager(make, fresh())._stack)


def test_reshape_is_a_view_of_the_pending_planes() -> None:
    """numpy's reshape is a view: writes through either show in the other, whichever
    is computed first, and a write before the reshape is read shows in it."""
    x = fresh()
    r = np.sin(x) * 2.0 + 1.0
    y = r.reshape(20, 30)
    y[0, 1] = 5.0  # (r computed, y a view of its planes)
    assert r.value[1] == 5.0
    r[2] = -3.0
    assert y.value[0, 2] == -3.0
    x = fresh()
    r = np.sin(x) * 2.0 + 1.0
    y = r.reshape(-1)
    r[7] = 11.0
    assert y.value[7] == 11.0
    y2 = (np.sin(fresh()) * 2.0 + 1.0).reshape(600)
    y2._stack[:, 3] = 0.5
    assert y2.value[3] == 0.5


def test_reshape_then_an_input_written() -> None:
    x = fresh()
    y = grid(x)
    x[5] = 100.0  # r's graph runs before the write; y views its planes
    np.testing.assert_array_equal(y._stack, eager(grid, fresh())._stack)


def test_sparse_jacobian_of_a_reshaped_residual_read_off_its_pass(taken: list[bool]) -> None:
    """A 2-d stencil's residual r.reshape(-1) (the bench's Laplacian, 24 x 25): J read
    off r's pass (recover_pass taken), equal to the dense Jacobian."""

    def laplace(u: Any) -> Any:
        v = np.pad(u.reshape(24, 25), 1)
        c = v[1:-1, 1:-1]
        r = 4.0 * c - v[:-2, 1:-1] - v[2:, 1:-1] - v[1:-1, :-2] - v[1:-1, 2:] + c**3
        return r.reshape(-1)

    for check in (True, False):
        got = hd.jacobian(laplace, sparsity="auto", check_sparsity=check)(X.copy())
        assert taken and all(taken)
        taken.clear()
        np.testing.assert_array_equal(got.toarray(), np.asarray(hd.jacobian(laplace)(X.copy())))


# --- random scripts of joins, reshapes, slices, operations and writes -------------------
def script(seed: int) -> Any:
    """A random script over a pool of dual arrays of 600 elements' planes (DualVec3):
    concatenations of pieces of the pool (slices, whole arrays), reshapes to 2-d and
    back, elementwise operations, writes into an array of the pool or a slice of it,
    reads of an array's planes. Run as it is (recorded: pending joins and reshapes)
    and with recording off, every array's planes at the end must be the same bits."""

    def run(x: Any) -> list[Any]:
        rng = np.random.default_rng(seed)
        pool: list[Any] = [x, np.sin(x) * 2.0, x - 1.0]
        for _ in range(12):
            action = rng.integers(6)
            a = pool[rng.integers(len(pool))]
            flat = a.reshape(-1) if a.ndim != 1 else a
            if action == 0:  # a join of two or three pieces, 600 elements in all
                cuts = np.sort(rng.choice(np.arange(100, 500, 50), rng.integers(1, 3), False))
                edges = [0, *cuts.tolist(), 600]
                pieces = [flat[lo:hi] * 1.0 if rng.random() < 0.7 else flat[lo:hi]
                          for lo, hi in itertools.pairwise(edges)]  # fmt: skip
                pool.append(np.concatenate(pieces))
            elif action == 1:
                pool.append(flat.reshape(20, 30) if rng.random() < 0.5 else flat.reshape(-1))
            elif action == 2:
                pool.append(np.exp(flat * 0.1) + flat)
            elif action == 3:  # a write into an array of the pool (or its slice)
                at = int(rng.integers(600))
                if a.ndim == 1:
                    a[at] = float(rng.integers(1, 9))
                else:
                    a[at // 30, at % 30] = float(rng.integers(1, 9))
            elif action == 4:
                a._stack  # noqa: B018  (its planes read: computed, exposed)
            else:  # (600 elements: a stencil's 300 and a slice)
                pool.append(np.concatenate([flat[100:400] * 3.0 - flat[200:500], flat[:300]]))
        return [p._stack.copy() for p in pool]

    return run


@pytest.mark.parametrize("seed", range(400))
def test_random_scripts_of_joins_and_reshapes(seed: int) -> None:
    run = script(seed)
    got, want = run(fresh()), eager(run, fresh())
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
