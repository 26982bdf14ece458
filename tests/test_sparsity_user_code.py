"""Sparse transforms on user code as published elsewhere, unchanged: the scipy
cookbook's bundle adjustment residual (Rodrigues' rotation with np.cross, projection,
radial distortion) against the cookbook's own sparsity function; a Brusselator's
periodic residual (np.roll); a reaction network assembled by np.add.at and by
np.bincount; and Hessians of a Lennard-Jones energy over a neighbour list and of the
textbook Rosenbrock written as Python's sum over a loop. References: the cookbook's
pattern, the dense transforms' nonzeros (independent of detection and coloring) at
several points, and the dense values."""

from __future__ import annotations

from typing import Any

import numpy as np
from sparsity_harness import check_hessian_pattern, check_jacobian_pattern

import hyperdiff as hd

RNG = np.random.default_rng(20261205)

# --- the scipy cookbook's bundle adjustment (small: 4 cameras, 15 points) ------------------
CAMERAS, POINTS, OBSERVATIONS = 4, 15, 50
CAMERA_OF = RNG.integers(0, CAMERAS, OBSERVATIONS)
POINT_OF = RNG.integers(0, POINTS, OBSERVATIONS)
OBSERVED = RNG.normal(0.0, 1.0, (OBSERVATIONS, 2))


def rotate(points: Any, rot_vecs: Any) -> Any:
    theta = np.linalg.norm(rot_vecs, axis=1)[:, np.newaxis]
    with np.errstate(invalid="ignore"):
        v = rot_vecs / theta
        v = np.nan_to_num(v)
    dot = np.sum(points * v, axis=1)[:, np.newaxis]
    cos_theta = np.cos(theta)
    sin_theta = np.sin(theta)
    return cos_theta * points + sin_theta * np.cross(v, points) + dot * (1 - cos_theta) * v


def project(points: Any, camera_params: Any) -> Any:
    points_proj = rotate(points, camera_params[:, :3])
    points_proj += camera_params[:, 3:6]
    points_proj = -points_proj[:, :2] / points_proj[:, 2, np.newaxis]
    f = camera_params[:, 6]
    k1 = camera_params[:, 7]
    k2 = camera_params[:, 8]
    n = np.sum(points_proj**2, axis=1)
    r = 1 + k1 * n + k2 * n**2
    points_proj *= (r * f)[:, np.newaxis]
    return points_proj


def fun(params: Any) -> Any:
    camera_params = params[: CAMERAS * 9].reshape((CAMERAS, 9))
    points_3d = params[CAMERAS * 9 :].reshape((POINTS, 3))
    points_proj = project(points_3d[POINT_OF], camera_params[CAMERA_OF])
    return (points_proj - OBSERVED).ravel()


def bundle_adjustment_sparsity() -> np.ndarray:
    m = CAMERA_OF.size * 2
    n = CAMERAS * 9 + POINTS * 3
    a = np.zeros((m, n), dtype=bool)
    i = np.arange(CAMERA_OF.size)
    for s in range(9):
        a[2 * i, CAMERA_OF * 9 + s] = True
        a[2 * i + 1, CAMERA_OF * 9 + s] = True
    for s in range(3):
        a[2 * i, CAMERAS * 9 + POINT_OF * 3 + s] = True
        a[2 * i + 1, CAMERAS * 9 + POINT_OF * 3 + s] = True
    return a


def bundle_points(count: int) -> list[np.ndarray]:
    """Parameters of small rotations, the cameras 10 + x along their axes, focal
    length 500: no point behind a camera."""
    out = []
    for _ in range(count):
        cameras = np.concatenate(
            [
                RNG.normal(0, 0.1, (CAMERAS, 3)),
                RNG.normal(0, 1, (CAMERAS, 2)),
                10 + RNG.uniform(0, 1, (CAMERAS, 1)),
                500 + RNG.normal(0, 5, (CAMERAS, 1)),
                RNG.normal(0, 0.01, (CAMERAS, 2)),
            ],
            axis=1,
        )
        out.append(np.concatenate([cameras.ravel(), RNG.normal(0, 1, POINTS * 3)]))
    return out


def test_bundle_adjustment_against_the_cookbooks_pattern() -> None:
    x = bundle_points(1)[0]
    pattern = hd.jacobian_sparsity(fun)(x).toarray()
    np.testing.assert_array_equal(pattern, bundle_adjustment_sparsity())
    check_jacobian_pattern(fun, bundle_points(2), exact=True)
    jacobian = hd.jacobian(fun, sparsity="auto")
    for x in bundle_points(2):  # (the plan's later calls too)
        dense = np.asarray(hd.jacobian(fun)(x))
        np.testing.assert_allclose(jacobian(x).toarray(), dense, rtol=1e-13, atol=1e-12)


# --- a Brusselator's periodic residual, a reaction network --------------------------------
GRID = 8
XS = np.linspace(0, 1, GRID)


def brusselator(u: Any) -> Any:
    u = u.reshape(GRID, GRID, 2)
    a, b, alpha = 3.4, 1.0, 10.0 * (GRID - 1) ** 2
    big_u, v = u[..., 0], u[..., 1]

    def laplacian(w: Any) -> Any:
        rolled = np.roll(w, 1, 0) + np.roll(w, -1, 0) + np.roll(w, 1, 1) + np.roll(w, -1, 1)
        return rolled - 4 * w

    du = alpha * laplacian(big_u) + b + big_u**2 * v - (a + 1) * big_u
    dv = alpha * laplacian(v) + a * big_u - big_u**2 * v
    return np.stack([du, dv], -1).ravel()


SPECIES, REACTIONS = 30, 80
REACTANTS = RNG.integers(0, SPECIES, (REACTIONS, 2))
PRODUCTS = RNG.integers(0, SPECIES, (REACTIONS, 2))
RATES = RNG.uniform(0.1, 2.0, REACTIONS)


def network_add_at(c: Any) -> Any:
    rates = RATES * c[REACTANTS[:, 0]] * c[REACTANTS[:, 1]]
    d = np.zeros_like(c)
    np.add.at(d, PRODUCTS[:, 0], rates)
    np.add.at(d, PRODUCTS[:, 1], rates)
    np.subtract.at(d, REACTANTS[:, 0], rates)
    np.subtract.at(d, REACTANTS[:, 1], rates)
    return d


def network_bincount(c: Any) -> Any:
    rates = np.repeat(RATES * c[REACTANTS[:, 0]] * c[REACTANTS[:, 1]], 2)
    produced = np.bincount(PRODUCTS.ravel(), rates, minlength=SPECIES)
    return produced - np.bincount(REACTANTS.ravel(), rates, minlength=SPECIES)


def test_brusselator_and_reaction_networks() -> None:
    points = [RNG.uniform(0.2, 1.0, 2 * GRID * GRID) for _ in range(2)]
    check_jacobian_pattern(brusselator, points, exact=True)
    species = [RNG.uniform(0.2, 1.0, SPECIES) for _ in range(2)]
    # (not exact: a reaction whose product is a reactant too adds and takes the same
    # rate, an entry of the pattern whose value cancels to 0)
    check_jacobian_pattern(network_add_at, species, exact=False)
    check_jacobian_pattern(network_bincount, species, exact=False)
    for x in species:  # the two spellings: one Jacobian
        np.testing.assert_allclose(
            hd.jacobian(network_add_at, sparsity="auto")(x).toarray(),
            hd.jacobian(network_bincount, sparsity="auto")(x).toarray(),
            rtol=1e-14,
            atol=1e-14,
        )


# --- Hessians: a Lennard-Jones energy, the textbook Rosenbrock loop ------------------------
ATOMS = 12
START = RNG.uniform(0, 3, (ATOMS, 3))
_distance = np.linalg.norm(START[:, None] - START[None], axis=-1)
FIRST, SECOND = np.nonzero(np.triu(_distance < 1.8, 1))


def lennard_jones(x: Any) -> Any:
    p = x.reshape(-1, 3)
    r = p[FIRST] - p[SECOND]
    inverse6 = np.sum(r * r, axis=-1) ** -3
    return np.sum(4 * (inverse6**2 - inverse6))


def rosen_loop(x: Any) -> Any:
    return sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def test_lennard_jones_and_a_loop_rosenbrock() -> None:
    assert len(FIRST) >= 10
    atoms = [START.ravel() + RNG.normal(0, 0.05, START.size) for _ in range(2)]
    check_hessian_pattern(lennard_jones, atoms)
    check_hessian_pattern(rosen_loop, [RNG.uniform(0.2, 1.0, 20) for _ in range(2)])
    x = RNG.uniform(0.2, 1.0, 20)
    want = hd.hessian(lambda v: np.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2))
    np.testing.assert_allclose(
        hd.hessian(rosen_loop, sparsity="auto")(x).toarray(), want(x), rtol=1e-13, atol=1e-11
    )
