"""numpy.linalg's functions of stacks of matrices under sparsity detection: each matrix
on its own. A batch of small systems (a finite-element mesh's per-element 3 x 3
matrices, per-pixel solves) has a block-diagonal Jacobian; detection made the whole
batch one dense block (correct, but one color per input: n passes' worth).

Each pattern is checked against the block structure itself (an element of matrix k
reads the inputs of matrix k only) and against the nonzeros of the dense Jacobian or
Hessian at random points (never a dependency missed); sparse values against the dense
transforms'."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sparsity_harness import check_hessian_pattern, check_jacobian_pattern

import hyperdiff as hd

sp = pytest.importorskip("scipy.sparse")

M = 4  # matrices in the stack
RNG = np.random.default_rng(29)
BASE = RNG.uniform(-0.3, 0.3, (M, 3, 3))
POINTS = [RNG.uniform(0.5, 1.5, 9 * M) for _ in range(2)]


def _matrices(x: Any) -> Any:
    """Matrix k from x[9k : 9k + 9] alone, well conditioned, symmetric positive definite."""
    a = x.reshape(M, 3, 3) * 0.2 + BASE
    return a @ np.swapaxes(a, -1, -2) + 2.0 * np.eye(3)


def _vectors(x: Any) -> Any:
    return x.reshape(M, 3, 3)[:, 0, :]  # (M, 3): matrix k's first row of inputs


STACKED: dict[str, Callable[[Any], Any]] = {
    "solve, vector stack": lambda x: np.linalg.solve(_matrices(x), _vectors(x)[..., None])[..., 0],
    "solve, matrix stack": lambda x: np.linalg.solve(
        _matrices(x), np.sin(x.reshape(M, 3, 3))[..., :2]
    ),
    "inv": lambda x: np.linalg.inv(_matrices(x)),
    "det": lambda x: np.linalg.det(_matrices(x)),
    "slogdet": lambda x: np.linalg.slogdet(_matrices(x))[1],
    "pinv": lambda x: np.linalg.pinv(_matrices(x)[..., :2]),
    "cholesky": lambda x: np.linalg.cholesky(_matrices(x)),
    "eigh": lambda x: np.linalg.eigh(_matrices(x))[0],
    "eigvalsh": lambda x: np.linalg.eigvalsh(_matrices(x)),
    "svd values": lambda x: np.linalg.svd(_matrices(x), compute_uv=False),
    "qr": lambda x: np.abs(np.linalg.qr(_matrices(x))[1]),
    "matrix_power": lambda x: np.linalg.matrix_power(_matrices(x), 3),
    "cond": lambda x: np.linalg.cond(_matrices(x)),
    "eigvals": lambda x: np.sort(np.linalg.eigvals(_matrices(x)).real, axis=-1),
    "svd, named": lambda x: np.linalg.svd(_matrices(x)).S,
}


def _blocks(out_per_matrix: int) -> np.ndarray:
    """Matrix k's outputs read x[9k : 9k + 9] alone."""
    return np.kron(np.eye(M, dtype=bool), np.ones((out_per_matrix, 9), dtype=bool))


@pytest.mark.parametrize("name", sorted(STACKED))
def test_a_stack_is_block_diagonal(name: str) -> None:
    f = STACKED[name]

    def flat(x: Any) -> Any:
        return f(x).reshape(-1)

    out = f(POINTS[0])
    per_matrix = out.size // M
    pattern = hd.jacobian_sparsity(flat)(POINTS[0]).toarray()
    np.testing.assert_array_equal(pattern, _blocks(per_matrix))
    check_jacobian_pattern(flat, POINTS, exact=False)


@pytest.mark.parametrize("name", ["det", "inv", "eigvalsh", "solve, vector stack"])
def test_hessians_of_stacks(name: str) -> None:
    f = STACKED[name]

    def scalar(x: Any) -> Any:
        return np.sum(f(x) ** 2)

    pattern = hd.hessian_sparsity(scalar)(POINTS[0]).toarray()
    np.testing.assert_array_equal(pattern, np.kron(np.eye(M, dtype=bool), np.ones((9, 9), bool)))
    check_hessian_pattern(scalar, POINTS)


def test_a_constant_stack_keeps_columns() -> None:
    """solve(A, b) with A constant: each right-hand side's column on its own (as before)."""
    a = _matrices(POINTS[0])

    def f(x: Any) -> Any:
        return np.linalg.solve(a, x.reshape(M, 3, 3)).reshape(-1)

    pattern = hd.jacobian_sparsity(f)(POINTS[0]).toarray()
    want = np.zeros((9 * M, 9 * M), bool)
    for k in range(M):
        for column in range(3):
            rows = 9 * k + np.arange(3) * 3 + column
            want[np.ix_(rows, rows)] = True
    np.testing.assert_array_equal(pattern, want)


def test_broadcast_stacks() -> None:
    """One matrix for every right-hand side of a stack, and a stack of matrices for one
    right-hand side: numpy's broadcasting of the stacks."""
    x = POINTS[0]

    def one_matrix(x: Any) -> Any:
        a = _matrices(x)[0]  # reads x[:9]
        return np.linalg.solve(a, x.reshape(M, 9)[:, :3, None])[..., 0].reshape(-1)

    pattern = hd.jacobian_sparsity(one_matrix)(x).toarray()
    want = np.zeros((3 * M, 9 * M), bool)
    for k in range(M):
        want[3 * k : 3 * k + 3, :9] = True  # the shared matrix
        want[3 * k : 3 * k + 3, 9 * k : 9 * k + 3] = True  # its own right-hand side
    np.testing.assert_array_equal(pattern, want)
    check_jacobian_pattern(one_matrix, POINTS, exact=False)


def test_the_sparse_jacobian_of_a_batch() -> None:
    """The block-diagonal Jacobian from 9 colors (a block's inputs), whatever M."""
    f = STACKED["solve, vector stack"]

    def flat(x: Any) -> Any:
        return f(x).reshape(-1)

    jac = hd.jacobian(flat, sparsity="auto")
    got = jac(POINTS[1])
    np.testing.assert_allclose(
        got.toarray(), np.asarray(hd.jacobian(flat)(POINTS[1])), rtol=1e-12, atol=1e-14
    )
    from sparsity_harness import plans_of

    (plan,) = plans_of(jac)
    assert plan.count == 9


def _strip(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2 x k nodes, 2 (k - 1) triangles (two a square, in turn), their reference
    shapes' inverses."""
    nodes = np.array([[i, j] for i in range(k) for j in range(2)], dtype=float)
    triangles = []
    for i in range(k - 1):
        low, high = 2 * i, 2 * i + 2  # (the square's bottom corners; +1 its top ones)
        triangles += [[low, high, low + 1], [low + 1, high, high + 1]]
    inverse = [
        np.linalg.inv(np.column_stack([nodes[t[1]] - nodes[t[0]], nodes[t[2]] - nodes[t[0]]]))
        for t in triangles
    ]
    return nodes, np.array(triangles), np.array(inverse)


def test_a_finite_element_energy() -> None:
    """A neo-Hookean energy of a triangulated strip (each triangle's 2 x 2 deformation
    gradient, its det and log det: numpy.linalg on a stack): the Hessian couples two
    displacements when their nodes share a triangle, nothing else (with the stack as
    one dense block it coupled every pair: n^2 entries, one color per input)."""
    nodes, triangles, inverse = _strip(12)

    def energy(u: Any) -> Any:
        corners = (u.reshape(-1, 2) + nodes)[triangles]
        sides = np.stack([corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]], -1)
        f = sides @ inverse
        log_j = np.log(np.linalg.det(f))
        return np.sum(0.5 * (np.sum(f * f, axis=(1, 2)) - 2.0) - log_j + log_j**2)

    dofs = nodes.size
    shared = np.zeros((dofs, dofs), bool)
    for t in triangles:
        d = np.concatenate([2 * t, 2 * t + 1])
        shared[np.ix_(d, d)] = True
    u = [np.random.default_rng(s).uniform(-0.05, 0.05, dofs) for s in (1, 2)]
    np.testing.assert_array_equal(hd.hessian_sparsity(energy)(u[0]).toarray(), shared)
    check_hessian_pattern(energy, u)
    got = hd.hessian(energy, sparsity="auto")(u[1])
    assert got.nnz == shared.sum()
