"""The sums the sparse term schemes keep as terms (hd.hessian and hd.grad with
sparsity="auto"): every spelling the documentation names stays terms through the
pass, not only through detection."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

TRANSFORMS = ["grad", "hessian"]
WEIGHTS = np.linspace(0.5, 2.0, 29)
SPELLINGS = {
    "np.sum": lambda r: np.sum(r**2),
    "np.mean": lambda r: np.mean(r**2),
    "method sum": lambda r: (r**2).sum(),
    "method mean": lambda r: (r**2).mean(),
    "r @ r": lambda r: r @ r,
    "np.dot": lambda r: np.dot(r, r),
    "np.vdot": lambda r: np.vdot(r, r),
    "np.inner": lambda r: np.inner(r, r),
    "np.matmul": lambda r: np.matmul(r, r),
    "einsum": lambda r: np.einsum("i,i->", r, r),
    "w @ r**2": lambda r: WEIGHTS @ r**2,
    "r**2 @ w": lambda r: r**2 @ WEIGHTS,
    "np.dot(w, r)": lambda r: np.dot(WEIGHTS, np.exp(r)),
    "scaled and added": lambda r: 0.5 * np.sum(r**2) - np.mean(np.cos(r)) / 3 + 2.0,
    "method dot": lambda r: r.dot(r),
    "np.add.reduce": lambda r: np.add.reduce(r**2),
    "sum along axis 0": lambda r: np.sum(r**2, axis=0),
    "square, method sum": lambda r: np.square(r).sum(),
    # a reduction of a 2-d array along its first axis alone, then a sum: the outer
    # sum's terms (values as f's)
    "2-d add.reduce": lambda r: np.sum(np.add.reduce(r[:28].reshape(2, 14) ** 2) ** 2),
    "norm ** 2": lambda r: 0.5 * np.linalg.norm(r) ** 2,
    "norm(r, 2) ** 2.0": lambda r: np.linalg.norm(r, 2) ** 2.0 + np.sum(r**3),
    "np.square(norm)": lambda r: np.square(np.linalg.norm(r)),
    "Frobenius ** 2": lambda r: np.linalg.norm(r[:28].reshape(2, 14), "fro") ** 2,
    "np.tensordot(r, r, 1)": lambda r: np.tensordot(r, r, 1),
    "np.tensordot, axes pairs": lambda r: np.tensordot(r, WEIGHTS * r, axes=([0], [0])),
    "2-d np.tensordot": lambda r: np.tensordot(r[:28].reshape(2, 14), r[:28].reshape(2, 14)),
}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_every_spelling_of_a_sum_stays_terms(
    spelling: str, transform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each way of writing a sum that the term scheme documents is kept as terms by
    the pass (not only by detection: r @ r went to the bilinear rule past the term
    kind and fell back to the slow schemes, with right values), for the Hessian and
    the gradient; values as the dense transform's."""
    from hyperdiff import _sparsity

    term = SPELLINGS[spelling]

    def f(x: Any) -> Any:
        return term(x[1:] * x[:-1] - 1.0)

    read = []
    planes = _sparsity._term_planes
    monkeypatch.setattr(
        _sparsity,
        "_term_planes",
        lambda *a: read.append(1) or planes(*a),  # type: ignore[func-returns-value]
    )
    x = np.random.default_rng(7).uniform(0.5, 1.5, 30)
    sparse = getattr(hd, transform)(f, sparsity="auto")
    dense = getattr(hd, transform)(f)
    got = sparse(x)
    got = sparse(x)  # (the plan made: this call is its pass alone)
    assert read, f"{spelling}: the pass did not keep the sum as terms"
    got = got.toarray() if transform == "hessian" else got
    np.testing.assert_allclose(got, dense(x), rtol=1e-13, atol=1e-13)


NOT_SQUARED = {
    "the norm": lambda r: np.linalg.norm(r),
    "norm ** 3": lambda r: np.linalg.norm(r) ** 3,
    "2 norm + 1": lambda r: 2 * np.linalg.norm(r) + 1,
    "sqrt of the norm": lambda r: np.sqrt(np.linalg.norm(r)),
    "norm plus its square": lambda r: np.linalg.norm(r) + np.linalg.norm(r) ** 2,
    "x0 * norm": lambda r: r[0] * np.linalg.norm(r),
    "norm * x0": lambda r: np.linalg.norm(r) * r[0],
    "norm / norm of another": lambda r: np.linalg.norm(r) / np.linalg.norm(r[::2]),
    "1-norm squared": lambda r: np.linalg.norm(r, 1) ** 2,
    "matrix 2-norm squared": lambda r: np.linalg.norm(r[:28].reshape(2, 14), 2) ** 2,
}


@pytest.mark.parametrize("use", list(NOT_SQUARED))
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_a_norm_not_squared_is_the_norm(use: str, transform: str) -> None:
    """A norm kept apart (its squares as terms) is the square root of their sum in every
    use but squaring: the sparse transforms' values are the dense ones'."""
    term = NOT_SQUARED[use]

    def f(x: Any) -> Any:
        return term(x[1:] * x[:-1] - 1.0)

    x = np.random.default_rng(9).uniform(0.5, 1.5, 30)
    got = getattr(hd, transform)(f, sparsity="auto")(x)
    got = got.toarray() if transform == "hessian" else got
    np.testing.assert_allclose(got, getattr(hd, transform)(f)(x), rtol=1e-12, atol=1e-13)


GRID = np.cumsum(np.linspace(0.5, 1.5, 40))
SCALES = [0.5, 2.0]


def test_weights_changed_between_calls_are_read_again() -> None:
    """A plan keeps H's product matrix with the terms' weights folded in (np.trapezoid's
    over a grid, scalings of sums) while their bits stay: a grid or a scale f reads
    changed between two calls (in place) gives that call's Hessian, in closed form."""

    def f(x: np.ndarray) -> Any:
        return SCALES[0] * np.trapezoid(x**4, GRID) + SCALES[1] * np.sum(np.cos(x))

    x = np.random.default_rng(7).uniform(0.5, 1.5, GRID.size)
    hess = hd.hessian(f, sparsity="auto")
    kept = GRID.copy(), list(SCALES)
    try:
        for grid, scales in (
            (kept[0], kept[1]),
            (kept[0] ** 1.5, kept[1]),  # the grid written in place
            (kept[0] ** 1.5, [0.5, -3.0]),  # a scale of f's
            (kept[0], kept[1]),
        ):
            GRID[:] = grid
            SCALES[:] = scales
            spacing = np.diff(grid)
            trapezoid = np.zeros(grid.size)  # its weights: half of each side's spacing
            trapezoid[:-1] += spacing / 2
            trapezoid[1:] += spacing / 2
            want = scales[0] * 12 * x**2 * trapezoid - scales[1] * np.cos(x)
            got = hess(x)
            assert got.nnz == x.size
            np.testing.assert_allclose(got.diagonal(), want, rtol=1e-14, atol=0)
    finally:
        GRID[:], SCALES[:] = kept
