"""Round seventeen (breaker): expm along a direction with non-finite entries.

hyperdiff.linalg.expm of a finite matrix along a direction E with an inf or nan entry
gave nan in every entry of its derivative: expm(diag(0.1, 0.3)) along diag(inf, 1) has
the derivative diag(inf, e^0.3) in exact arithmetic, and a block diagonal matrix's
other blocks are finite whatever one block's direction. By linearity, L(A, E) is
L(A, E') + c L(A, e_km) over E's non-finite entries c, E' the rest; c L(A, e_km) is 0
where A's structure makes L(A, e_km) 0 (i does not reach k, or m does not reach j).

References: scipy.linalg.expm_frechet (an independent implementation) for the finite
parts, exact zeros and signed infinities from the structure by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.linalg

import hyperdiff as hd

pytestmark = pytest.mark.filterwarnings(  # (numpy's own, as inf * 0 gives)
    "ignore:invalid value encountered:RuntimeWarning",
    "ignore:overflow encountered:RuntimeWarning",
)

# block diagonal: a positive 2 x 2 block (every entry of L(B1, e_km) is positive), and
# an upper triangular 2 x 2 block
_A = np.array(
    [
        [0.1, 0.4, 0.0, 0.0],
        [0.3, 0.2, 0.0, 0.0],
        [0.0, 0.0, -0.5, 0.7],
        [0.0, 0.0, 0.0, 0.6],
    ]
)
_E = np.array(
    [
        [0.5, -0.2, 0.3, 0.1],
        [0.25, 1.0, -0.4, 0.2],
        [0.6, 0.15, -0.3, 0.8],
        [-0.7, 0.9, 0.35, 0.45],
    ]
)


def _ways(a: np.ndarray, e: np.ndarray) -> dict[str, Any]:
    """The derivative of expm at a along e, by the kinds of order <= 2 and jvp (not
    through a + t e, whose value at t = 0 is nan where e is infinite: 0 inf)."""
    return {
        "dual": hd.linalg.expm(hd.dual(a, e)).d,
        "hyperdual e1": hd.linalg.expm(hd.hyperdual(a, e, np.eye(len(a)), 0.0)).e1,
        "jvp": hd.jvp(hd.linalg.expm, (a,), (e,))[1],
    }


@pytest.mark.parametrize("c", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("k", [0, 1])
@pytest.mark.parametrize("m", [0, 1])
def test_expm_along_a_direction_with_a_non_finite_entry(c: float, k: int, m: int) -> None:
    e = _E.copy()
    e[k, m] = c
    finite = _E.copy()
    finite[k, m] = 0.0
    _, want = scipy.linalg.expm_frechet(_A, finite)
    want[:2, :2] = c  # L(B1, e_km) > 0 in every entry: c there
    for name, got in _ways(_A, e).items():
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15, err_msg=name)


def test_expm_of_a_diagonal_matrix_along_a_diagonal_with_an_infinity() -> None:
    a = np.diag([0.1, 0.3])
    e = np.diag([np.inf, 1.0])
    want = np.array([[np.inf, 0.0], [0.0, np.exp(0.3)]])
    for name, got in _ways(a, e).items():
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0, err_msg=name)


def test_expm_of_a_triangular_matrix_keeps_its_structural_zeros() -> None:
    # A upper triangular: expm(s A) too, so L(A, e_11) is inf in row 0 and 0 in row 1,
    # L(A, e_22) -inf in column 1 and 0 in column 0
    a = np.array([[0.1, 0.2], [0.0, 0.3]])
    for e, want in [
        (np.array([[np.inf, 0.0], [0.0, 0.0]]), np.array([[np.inf, np.inf], [0.0, 0.0]])),
        (np.array([[0.0, 0.0], [0.0, -np.inf]]), np.array([[0.0, -np.inf], [0.0, -np.inf]])),
    ]:
        for name, got in _ways(a, e).items():
            np.testing.assert_array_equal(got, want, err_msg=name)
