"""The pattern checks that test_sparsity_gaps.py and test_sparsity_numpy_helpers.py
share: detection's patterns against the nonzeros of the dense transforms' Jacobian and
Hessian (independent of detection and coloring) at each point, and the sparse values
against the dense ones; and a sparse transform's plans (plans_of)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import hyperdiff as hd


def check_jacobian_pattern(
    f: Callable[[Any], Any],
    points: Sequence[np.ndarray],
    exact: bool,
    exact_local: bool = False,
) -> None:
    """Never a dependency missed, globally or at a point; the local pattern within the
    global one (equal to the Jacobian's nonzeros if exact_local); the global pattern
    equal to the union of the nonzeros over the points if exact; sparse values equal to
    the dense Jacobian's."""
    pattern = hd.jacobian_sparsity(f)
    sparse = hd.jacobian(f, sparsity="auto")
    union = None
    for x in points:
        want = np.asarray(hd.jacobian(f)(x)).reshape(-1, x.size) != 0
        got = pattern(x).toarray().astype(bool)
        assert not np.any(want & ~got), "a dependency missed"
        union = want if union is None else union | want
        dense = np.asarray(hd.jacobian(f)(x)).reshape(-1, x.size)
        np.testing.assert_allclose(sparse(x).toarray(), dense, rtol=1e-13, atol=1e-15)
        local = hd.jacobian_sparsity(f, local=True)(x).toarray().astype(bool)
        assert not np.any(want & ~local), "a dependency missed (local)"
        assert not np.any(local & ~got), "a local pattern beyond the global one"
        if exact_local:
            np.testing.assert_array_equal(local, want)
    if exact:
        np.testing.assert_array_equal(pattern(points[0]).toarray().astype(bool), union)


def check_hessian_pattern(scalar: Callable[[Any], Any], points: Sequence[np.ndarray]) -> None:
    """Never a second-order dependency missed; sparse values equal to the dense Hessian's."""
    for x in points:
        dense = np.asarray(hd.hessian(scalar)(x))
        got = hd.hessian_sparsity(scalar)(x).toarray().astype(bool)
        assert not np.any((dense != 0) & ~got), "a second-order dependency missed"
        values = hd.hessian(scalar, sparsity="auto")(x).toarray()
        np.testing.assert_allclose(values, dense, rtol=1e-10, atol=1e-12)


def plans_of(transform: Callable[..., Any]) -> list[Any]:
    """The plans a sparse transform keeps (its closure's dict of them)."""
    (plans,) = [
        c.cell_contents
        for c in transform.__wrapped__.__closure__ or ()  # type: ignore[attr-defined]
        if isinstance(c.cell_contents, dict)
    ]
    return list(plans.values())
