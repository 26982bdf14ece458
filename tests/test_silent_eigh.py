"""eigh at nearly repeated eigenvalues. 2 I + 0.3 m m^T with m 3 x 2 nearly of rank 1
has one eigenvalue 2 exactly (m m^T has rank 2) and one at 2 + 4e-10 that never meets
it: both are smooth, their second derivatives finite. But the computed vectors of such a
pair are turned within it by up to eps scale / gap, which put rounding of order
(eps scale)^2 / gap^3 into the second-order parts: derivative(order=2) of a weighted sum
of eigh's eigenvalues was 5.33192 where differences of numpy's eigh give 5.33057
(found by tests/test_silent_fuzz_wide.py, seed 5, program 191: add.outer -> _spd ->
eigh). Now a gap below sqrt(eps) scale is refused (LinAlgError) wherever the parts
divide by it: second- and higher-order parts, and the vectors' parts; first-order
eigenvalues (eigvalsh) keep the n eps scale rule and are checked against differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([0.4, -0.7, 0.9, 0.3, 0.5, -0.2])
V = np.array([1.0, 0.5, -0.3, 0.2, 0.1, 0.4])
WEIGHTS = np.array([1.0, 2.0, 3.0])


def _matrix(y: Any, closeness: float) -> Any:
    m = np.stack([y[:3], y[:3] * 1.1 + y[3:] * closeness], axis=1)  # 3 x 2
    return 2.0 * np.eye(3) + 0.3 * (m @ m.T)


def _values(closeness: float) -> Any:
    return lambda t: np.linalg.eigh(_matrix(X + t * V, closeness))[0] @ WEIGHTS


def _second_difference(f: Any) -> float:
    """Richardson-extrapolated second differences of numpy's eigh (steps 1e-2, 5e-3)."""
    d = [(f(h) - 2 * f(0.0) + f(-h)) / h**2 for h in (1e-2, 5e-3)]
    return float(d[1] + (d[1] - d[0]) / 3)


def test_the_pair_is_as_described() -> None:
    w = np.linalg.eigvalsh(_matrix(X, 1e-4))
    assert w[0] == pytest.approx(2.0, abs=1e-14) and 1e-10 < w[1] - 2.0 < 1e-9


@pytest.mark.parametrize(
    "transform",
    [
        lambda f: hd.derivative(f, order=2)(0.0),
        lambda f: hd.derivative(f, order=3)(0.0),
        lambda f: hd.hessian(lambda y: f(y[0]))(np.zeros(1)),
        lambda f: hd.derivative(
            lambda t: np.sum(np.abs(np.linalg.eigh(_matrix(X + t * V, 1e-4))[1]))
        )(0.0),
    ],
    ids=["order 2", "order 3", "hessian", "vectors"],
)
def test_nearly_repeated_eigenvalues_are_refused_where_parts_divide_by_the_gap(
    transform: Any,
) -> None:
    with pytest.raises(np.linalg.LinAlgError, match="sqrt"):
        transform(lambda t: np.linalg.eigh(_matrix(X + t * V, 1e-4))[0] @ WEIGHTS)


def test_first_order_eigenvalues_of_the_pair_still_answer() -> None:
    f = lambda t: np.linalg.eigvalsh(_matrix(X + t * V, 1e-4)) @ WEIGHTS  # noqa: E731
    h = 1e-4
    want = (f(h) - f(-h)) / (2 * h)
    assert hd.derivative(f)(0.0) == pytest.approx(want, rel=1e-7)


def test_apart_the_second_order_agrees_with_differences() -> None:
    f = _values(0.3)  # the pair 1e-2 apart
    assert hd.derivative(f, order=2)(0.0) == pytest.approx(_second_difference(f), rel=1e-6)
