"""Sparse Jacobians and Hessians (issue 19): hd.jacobian / hd.hessian with
sparsity="auto" against numpy's f alone, the dense hyperdiff transforms and JAX.

Cases: a banded (tridiagonal) residual at n = 1e3, 1e4, 1e5 (with exp; with sin at
1e5, where numpy's sin is scalar and hyperdiff's vectorized); the 5-point Laplacian
residual on a 300 x 300 grid; the scipy cookbook's bundle adjustment residual (49
cameras, 7,776 points, 31,843 random observations: n = 23,769); an arrowhead Jacobian
at n = 4000 and 1e5 (a chain residual and a constraint on all of x, a sum of terms: 2
colors for the chain's rows and the terms'; at 1e5 also written into an output array,
r[-1] = ...); the
Rosenbrock Hessian at n = 1e3, 1e4, 1e5; a Lagrangian's Hessian (a multiplier in x
times a constraint on the rest: an arrowhead) at n = 1e4; a neo-Hookean finite-element
energy's Hessian at n = 1e4 displacements (np.linalg.det of a stack of 2 x 2
deformation gradients, one a triangle); an energy functional integrated by
np.trapezoid at 1e5 and a quadratic form einsum("i,ij,j", x, L, x) at 2000 (sums of
terms user code writes that the trace keeps as terms since the twenty-third session).

"unchecked" is the same transform with check_sparsity=False (no probe direction J w /
H w in its pass: the cost of the stale-plan check is the ratio of the two columns).

Every steady-state time is the median of interleaved rounds in this one process
(bench/run.py's interleaved_samples; a call under 10 ms timed warm, repeated for
about 10 ms after one untimed call), with its ratio to numpy's f(x) of the same
round. Preparation (sparsity detection + coloring + the first call, which builds the
plan) is timed apart, once, on a fresh transform; "detect" and "color" split it.
Peers: the dense hyperdiff transform and jax.jacfwd / jax.hessian (jit compiled
beforehand, float64, one thread) where the dense n x n result fits (n <= 1e4 for
jax.hessian of a cheap f, n <= 1e3 otherwise), and JAX's compressed pass with the
same colors (vmap of jvp over the c seeds: what asdex runs, without its recovery
into a sparse matrix), and asdex (`pip install asdex`) when importable: its
asdex.jacobian / asdex.hessian (detection and coloring on the jaxpr) jitted, BCOO out,
its preparation timed as ours, through the first call (which compiles).

A last case, Rosenbrock as cumsum(terms)[-1], is a Hessian the trace sees as no sum of
terms: hyperdiff reads it off H S for a star coloring (HyperDualVec(k, c) passes).

    python bench/sparse.py              # a few minutes (asdex's preparation: seconds a case)
    python bench/sparse.py --rounds 31
    python bench/sparse.py --cpu        # CPU time of this process (a loaded machine)
    python bench/sparse.py --split --cpu --rounds 61    # seed / pass / gather / check
    python bench/sparse.py --check-cost --cpu --rounds 41   # the probe's cost alone
    python bench/sparse.py --check-cost --cpu --before 6fe6e3a  # and that commit's
    python bench/sparse.py --only arrowhead --cpu    # the cases whose name holds it

--before REV runs REV's src/hyperdiff/_sparsity.py (git show, loaded beside this
one, on this tree's kinds and kernels) in the same rounds: "before" columns.
"""

from __future__ import annotations

# isort: off
import one_thread  # noqa: F401  (first: the thread settings, before numpy)

# isort: on

import argparse
import functools
import importlib.util
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from run import interleaved_samples, markdown

import hyperdiff as hd
from hyperdiff import _transforms
from hyperdiff._sparsity import color_columns

HAVE_JAX = importlib.util.find_spec("jax") is not None
HAVE_ASDEX = HAVE_JAX and importlib.util.find_spec("asdex") is not None
Call = Callable[[], object]
# wall time, or with --cpu this process's CPU time (a loaded machine)
TIMER = time.perf_counter
# --check-cost: hyperdiff's checked and unchecked transforms alone (no dense or JAX peers)
PEERS = True
# --before REV: that revision's _sparsity module (its sparse_jacobian, sparse_hessian)
BEFORE: Any = None


def load_before(rev: str) -> Any:
    """REV's _sparsity.py as the module hyperdiff._sparsity_before (its relative
    imports are this tree's), leaving this tree's sparse transforms registered."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    source = subprocess.run(
        ["git", "show", f"{rev}:src/hyperdiff/_sparsity.py"],
        cwd=root, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    path = os.path.join(tempfile.mkdtemp(), "_sparsity_before.py")
    with open(path, "w") as file:
        file.write(source)
    registered = _transforms.EXTENSIONS["sparse_transform"]
    spec = importlib.util.spec_from_file_location("hyperdiff._sparsity_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    _transforms.EXTENSIONS["sparse_transform"] = registered
    return module


def banded(x: Any, xp: Any = np) -> Any:
    """A tridiagonal residual: -x'' + exp(x) inside, x at the two ends."""
    inner = -x[:-2] + 2.0 * x[1:-1] - x[2:] + 1e-2 * xp.exp(x[1:-1])
    return xp.concatenate([x[:1], inner, x[-1:]])


def banded_sin(x: Any, xp: Any = np) -> Any:
    """The same with sin(x) (numpy's sin is scalar here, hyperdiff's vectorized)."""
    inner = -x[:-2] + 2.0 * x[1:-1] - x[2:] + 1e-2 * xp.sin(x[1:-1])
    return xp.concatenate([x[:1], inner, x[-1:]])


def arrowhead(x: Any, xp: Any = np) -> Any:
    """A chain residual and a constraint on all of x (a dense row: as many colors as
    columns, the passes chunked)."""
    return xp.concatenate([x[1:] - x[:-1] ** 2, xp.sum(x**2, keepdims=True) - 1.0])


def arrowhead_written(x: Any, xp: Any = np) -> Any:
    """The arrowhead residual written into an output array, its constraint row
    r[-1] = sum(x**2) - 1 (JAX's arrays are immutable: its peers take the joined
    spelling, the same function)."""
    if xp is not np:
        return arrowhead(x, xp)
    r = np.empty_like(x)
    r[:-1] = x[1:] - x[:-1] ** 2
    r[-1] = np.sum(x**2) - 1.0
    return r


def laplace(u: Any, xp: Any = np, m: int = 300) -> Any:
    """The 5-point Laplacian residual on an m x m grid (zero outside) plus u^3."""
    v = xp.pad(u.reshape(m, m), 1)
    c = v[1:-1, 1:-1]
    r = 4.0 * c - v[:-2, 1:-1] - v[2:, 1:-1] - v[1:-1, :-2] - v[1:-1, 2:] + c**3
    return r.reshape(-1)


def rosen(x: Any, xp: Any = np) -> Any:
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def lagrangian(x: Any, xp: Any = np) -> Any:
    """A chain objective and a multiplier x[-1] times a constraint on the rest: an
    arrowhead Hessian, a sum of terms each reading the multiplier too."""
    return xp.sum((x[1:-1] - x[:-2] ** 2) ** 2) + x[-1] * (xp.sum(x[:-1] ** 2) - 1.0)


def ginzburg_landau(x: Any, xp: Any = np) -> Any:
    """An energy functional as user code writes it: its density integrated by the
    trapezoid rule (a sum of terms the trace keeps through np.trapezoid)."""
    h = 1.0 / (x.shape[0] - 1)
    density = 0.5 * (xp.diff(x) / h) ** 2 + 0.25 * (x[1:] ** 2 - 1.0) ** 2
    return xp.trapezoid(density, dx=h)


QUADRATIC = np.diag(np.full(2000, 2.0)) - np.eye(2000, k=1) - np.eye(2000, k=-1)


def quadratic_einsum(x: Any, xp: Any = np) -> Any:
    """x^T L x as einsum of three operands (L a dense array of a tridiagonal stencil:
    its zeros structural) and a quartic: terms through the contraction's last dot."""
    return xp.einsum("i,ij,j->", x, xp.asarray(QUADRATIC), x) + xp.sum(x**4)


def rosen_cumsum(x: Any, xp: Any = np) -> Any:
    """Rosenbrock as its terms' cumulative sum's last element: no sum of terms to the
    trace (a star coloring)."""
    return xp.cumsum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)[-1]


@functools.lru_cache(maxsize=4)
def strip_mesh(dofs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A strip of 2 x k nodes (dofs = 4 k) cut into 2 (k - 1) triangles: the nodes, the
    triangles' node numbers and their reference shapes' inverses."""
    k = dofs // 4
    nodes = np.stack(np.meshgrid(np.arange(k), np.arange(2), indexing="ij"), -1)
    nodes = nodes.reshape(-1, 2).astype(float)
    i = np.arange(k - 1)
    a, b, c, d = 2 * i, 2 * i + 1, 2 * i + 2, 2 * i + 3
    triangles = np.concatenate([np.stack([a, c, b], 1), np.stack([b, c, d], 1)])
    corners = nodes[triangles]
    shapes = np.stack([corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]], -1)
    return nodes, triangles, np.linalg.inv(shapes)


def neo_hookean(x: Any, xp: Any = np) -> Any:
    """A finite-element energy: neo-Hookean triangles of a strip, x the nodes'
    displacements. Each triangle's deformation gradient F (a stack of 2 x 2), det F
    and log det F per element: a Hessian as sparse as the mesh (a sum of terms). x
    scaled by 0.1 (the bench's points are in [0.1, 0.9]): displacements within a tenth
    of the mesh's spacing, no triangle inverted (log det F finite)."""
    nodes, triangles, inverse = strip_mesh(x.shape[0])
    positions = 0.1 * xp.reshape(x, (-1, 2)) + nodes
    corners = positions[triangles]
    sides = xp.stack([corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]], axis=-1)
    f = sides @ inverse
    log_j = xp.log(xp.linalg.det(f))
    return xp.sum(0.5 * (xp.sum(f * f, axis=(1, 2)) - 2.0) - log_j + log_j**2)


@functools.lru_cache(maxsize=1)
def bundle_problem() -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The scipy cookbook's bundle adjustment problem at its first data set's sizes (49
    cameras, 7,776 points, 31,843 observations), its observations drawn at random: the
    camera count, each observation's camera and point, the observed points, and the map
    of x onto camera parameters (scale, offset: a rotation of about 0.05 rad, the camera
    10 + x along its axis, focal length 500, small distortion)."""
    rng = np.random.default_rng(5)
    cameras, points, observations = 49, 7776, 31843
    camera_of = rng.integers(0, cameras, observations)
    point_of = rng.integers(0, points, observations)
    observed = rng.normal(0.0, 1.0, (observations, 2))
    scale = np.array([0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 10.0, 0.01, 0.01])
    offset = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 10.0, 500.0, 0.0, 0.0])
    return cameras, camera_of, point_of, observed, scale, offset


def bundle_adjustment(x: Any, xp: Any = np) -> Any:
    """The scipy cookbook's bundle adjustment residual as written there (Rodrigues'
    rotation with np.cross, projection, radial distortion), x the 9 parameters of each
    camera (scaled: bundle_problem) and the points' coordinates: 12 colors."""
    cameras, camera_of, point_of, observed, scale, offset = bundle_problem()
    camera = (xp.reshape(x[: cameras * 9], (cameras, 9)) * scale + offset)[camera_of]
    points = xp.reshape(x[cameras * 9 :], (-1, 3))[point_of]
    rot_vecs = camera[:, :3]
    theta = xp.linalg.norm(rot_vecs, axis=1)[:, np.newaxis]
    with np.errstate(invalid="ignore"):
        v = xp.nan_to_num(rot_vecs / theta)
    dot = xp.sum(points * v, axis=1)[:, np.newaxis]
    cos_theta, sin_theta = xp.cos(theta), xp.sin(theta)
    rotated = cos_theta * points + sin_theta * xp.cross(v, points) + dot * (1 - cos_theta) * v
    projected = rotated + camera[:, 3:6]
    projected = -projected[:, :2] / projected[:, 2, np.newaxis]
    n = xp.sum(projected**2, axis=1)
    r = 1 + camera[:, 7] * n + camera[:, 8] * n**2
    projected = projected * (r * camera[:, 6])[:, np.newaxis]
    return (projected - observed).ravel()


def import_asdex() -> Any:
    """asdex, imported with this folder off sys.path: numba (asdex's dependency)
    imports `coverage`, which bench/coverage.py would shadow."""
    here = os.path.dirname(os.path.abspath(__file__))
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    try:
        import asdex
    finally:
        sys.path[:] = saved
    return asdex


def colors_of(transform: Any) -> int | None:
    """Colors of a sparse transform's plan (its first call made it)."""
    for cell in transform.__wrapped__.__closure__ or ():
        kept = cell.cell_contents
        if isinstance(kept, dict) and kept:
            plan = next(iter(kept.values()))
            if not hasattr(plan, "terms"):  # (a Jacobian's: of F for rows of terms)
                return plan.count
            if plan.terms is not None:
                return plan.count
            reads = plan.star()
            return None if reads is None else reads.count
    return None


def once(call: Call) -> float:
    start = TIMER()
    call()
    return TIMER() - start


def jax_peers(
    f: Callable[..., Any], x: np.ndarray, hessian: bool, dense: bool, seeds: Any,
    prep: dict[str, float],
) -> dict[str, Call]:  # fmt: skip
    """JAX's steady-state calls: the dense jacfwd/hessian (when dense), the compressed
    pass over the seeds (Jacobians), and asdex's jitted sparse transform (its
    preparation into prep: asdex.jacobian/hessian, then the first call)."""
    import jax
    import jax.numpy as jnp

    xj = jnp.asarray(x)
    g = lambda v: f(v, jnp)  # noqa: E731
    calls: dict[str, Call] = {}
    if HAVE_ASDEX:
        asdex = import_asdex()
        start = TIMER()
        prepared = jax.jit((asdex.hessian if hessian else asdex.jacobian)(g, xj))
        jax.block_until_ready(prepared(xj))
        prep["asdex"] = TIMER() - start
        calls["asdex"] = lambda: jax.block_until_ready(prepared(xj))
    if dense:
        full = jax.jit(jax.hessian(g) if hessian else jax.jacfwd(g))
        full(xj).block_until_ready()
        calls["JAX dense"] = lambda: full(xj).block_until_ready()
    if seeds is not None:
        sj = jnp.asarray(seeds)
        compressed = jax.jit(jax.vmap(lambda s: jax.jvp(g, (xj,), (s,))[1]))
        compressed(sj).block_until_ready()
        calls["JAX jvp x c"] = lambda: compressed(sj).block_until_ready()
    return calls


def ratio_cells(
    calls: dict[str, Call], single: dict[str, float], rounds: int, timer: Callable[[], float]
) -> tuple[float, Callable[[str], str]]:
    """numpy's f's median time over interleaved rounds of the calls, and a cell maker:
    a call's median ms and its ratio to f in the same rounds (single: calls timed once,
    apart, marked *; "-" for a call not timed)."""
    samples = interleaved_samples(list(calls.values()), rounds, timer=timer, min_sample=0.01)
    med = {k: statistics.median(s) for k, s in zip(calls, samples, strict=True)}
    med.update(single)
    base = med["numpy f"]

    def cell(key: str) -> str:
        if key not in med:
            return "-"
        once_mark = "*" if key in single else ""
        return f"{med[key] * 1e3:.3f}{once_mark} ({med[key] / base:.1f}x)"

    return base, cell


def case(
    name: str, f: Callable[..., Any], n: int, hessian: bool, rounds: int, dense_max: int,
    jax_dense_max: int,
) -> list[str]:  # fmt: skip
    x = np.random.default_rng(0).uniform(0.1, 0.9, n)
    fx = lambda: f(x)  # noqa: E731
    transform = hd.hessian if hessian else hd.jacobian
    # preparation, apart: detection, coloring, and the first call of a fresh transform
    detect = hd.hessian_sparsity if hessian else hd.jacobian_sparsity
    t_detect = once(lambda: detect(f)(x))
    pattern = (hd.jacobian_sparsity(f)(x)) if not hessian else None
    colors, count = color_columns(pattern) if pattern is not None else (None, None)
    t_color = once(lambda: color_columns(pattern)) if pattern is not None else float("nan")
    sparse = transform(f, sparsity="auto")
    t_first = once(lambda: sparse(x))
    plain_count = count
    count = colors_of(sparse)
    unchecked = transform(f, sparsity="auto", check_sparsity=False)
    unchecked(x)
    calls: dict[str, Call] = {"numpy f": fx, "hyperdiff sparse": lambda: sparse(x)}
    calls["hyperdiff unchecked"] = lambda: unchecked(x)
    if BEFORE is not None:
        make = BEFORE.sparse_hessian if hessian else BEFORE.sparse_jacobian
        for check, key in ((True, "before"), (False, "before unchecked")):
            old = make(f, 0, "auto", check)
            old(x)
            calls[key] = lambda old=old: old(x)
    prep: dict[str, float] = {}
    if n <= dense_max and PEERS:
        full = transform(f)
        calls["hyperdiff dense"] = lambda: full(x)
    if HAVE_JAX and PEERS:
        seeds = None
        if colors is not None and plain_count * n <= 1e8:  # (a dense row: n colors)
            seeds = np.zeros((plain_count, n))
            seeds[colors, np.arange(n)] = 1.0
        calls.update(jax_peers(f, x, hessian, n <= jax_dense_max, seeds, prep))
    # a call of over 0.3 s (the dense Hessians) is timed once, apart, not in the rounds
    single = {}
    for key in [k for k in calls if k.endswith("dense")]:
        single[key] = once(calls[key])
        if single[key] > 0.3:
            del calls[key]
        else:
            del single[key]
    base, cell = ratio_cells(calls, single, rounds, TIMER)
    return [
        name,
        f"{n:.0e}" if n >= 1000 else str(n),
        str(count),
        f"{base * 1e3:.3f}",
        cell("hyperdiff sparse"),
        cell("hyperdiff unchecked"),
        *((cell("before"), cell("before unchecked")) if BEFORE is not None else ()),
        cell("hyperdiff dense"),
        cell("JAX dense"),
        cell("JAX jvp x c"),
        cell("asdex"),
        f"{t_detect:.3f}",
        f"{t_color:.3f}" if t_color == t_color else "-",
        f"{t_first:.3f}",
        f"{prep['asdex']:.3f}" if "asdex" in prep else "-",
    ]


def split(name: str, f: Callable[..., Any], n: int, rounds: int) -> None:
    """Where a sparse Jacobian's call goes, checked and unchecked: the transform's
    steps replayed in its memory scope, each timed within one call (a fresh seeded
    input each round, as the transform makes it): the seed, f's operations (recorded:
    its dual arrays pending), the compressed pass (DualVec(c + 1) with the stale-plan
    probe) with the recovery (the unused slots' test, the gather of J's entries and the
    probe's check) read off each block as the pass computes it (recover_pending) or,
    where that declines, off the pass's planes, the CSR result; their sum and the whole
    call, against numpy's f."""
    from hyperdiff import _core
    from hyperdiff._multivariate import dualvec_type
    from hyperdiff._sparsity import _plain
    from hyperdiff._transforms import _output_planes, _seeds

    x = np.random.default_rng(0).uniform(0.1, 0.9, n)
    steps = ["seed", "f", "pass + recovery", "CSR"]
    for check in (True, False):
        jac = hd.jacobian(f, sparsity="auto", check_sparsity=check)
        jac(x)
        plan = next(
            next(iter(c.cell_contents.values()))
            for c in jac.__wrapped__.__closure__ or ()
            if isinstance(c.cell_contents, dict) and c.cell_contents
        )
        scope = bytearray(b"\x01")

        def replay(plan: Any = plan) -> list[float]:
            marks = [TIMER()]
            c = plan.seed.shape[0]
            cls = _seeds(dualvec_type(c))
            seeded = plan.seeded(cls, x)  # (pending, or written: as the transform does)
            marks.append(TIMER())
            out = f(seeded)
            marks.append(TIMER())
            found = plan.recover_pending(out)
            if found is None:
                planes = _plain(_output_planes(out, cls, x.dtype), "jacobian")
                found = plan.recover(planes[1 : 1 + c].reshape(c, -1))  # the parts (and J w)
            values = found[0]
            marks.append(TIMER())
            plan.result(values)
            marks.append(TIMER())
            return [b - a for a, b in itertools.pairwise(marks)]

        rows, whole, base = [], [], []
        for _ in range(rounds):
            rows.append(_core.call_in_memory_scope(scope, replay))
            whole.append(once(lambda jac=jac: jac(x)))
            base.append(once(lambda: f(x)))
        med = np.median(np.array(rows), axis=0) * 1e3
        numpy_f, call = statistics.median(base) * 1e3, statistics.median(whole) * 1e3
        cells = ", ".join(f"{k} {m:.3f}" for k, m in zip(steps, med, strict=True))
        print(
            f"{name}, n = {n:.0e}, {plan.count} colors, check={check}: numpy f "
            f"{numpy_f:.3f} ms; {cells}; sum {med.sum():.3f} ({med.sum() / numpy_f:.1f}x), "
            f"whole call {call:.3f} ({call / numpy_f:.1f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--cpu", action="store_true", help="time CPU time (a loaded machine)")
    parser.add_argument(
        "--split", action="store_true", help="only where the n = 1e5 Jacobians' time goes"
    )
    parser.add_argument(
        "--check-cost",
        action="store_true",
        help="only the check's cost: banded 1e5 (exp, sin), Laplacian, Rosenbrock 1e4 and 1e5",
    )
    parser.add_argument("--before", metavar="REV", help="also REV's sparse transforms")
    parser.add_argument("--only", metavar="TEXT", help="only the cases whose name holds TEXT")
    args = parser.parse_args()
    global TIMER, PEERS, BEFORE
    if args.cpu:
        TIMER = time.process_time
    if args.check_cost:
        PEERS = False
    if args.before:
        BEFORE = load_before(args.before)
    print(f"hyperdiff from {os.path.dirname(hd.__file__)}")
    if args.split:
        split("banded Jacobian", banded, 100_000, args.rounds)
        split("2-D Laplacian 300x300", laplace, 90_000, args.rounds)
        return
    rows = []
    small = () if args.check_cost else (1000, 10_000)
    cases: list[tuple[Any, ...]] = [
        *(("banded Jacobian", banded, n, False, 1000, 1000) for n in (*small, 100_000)),
        ("banded Jacobian, sin", banded_sin, 100_000, False, 0, 0),
        ("2-D Laplacian 300x300", laplace, 90_000, False, 0, 0),
    ]
    if not args.check_cost:
        cases += [("bundle adjustment Jacobian", bundle_adjustment, 23_769, False, 0, 0)]
    if not args.check_cost:
        cases += [
            ("arrowhead Jacobian", arrowhead, 4000, False, 4000, 4000),
            ("arrowhead Jacobian", arrowhead, 100_000, False, 0, 0),
            ("arrowhead Jacobian, row written", arrowhead_written, 100_000, False, 0, 0),
        ]
    cases += [
        *(
            ("Rosenbrock Hessian", rosen, n, True, 1000, 10_000)
            for n in (*small[:1], 10_000, 100_000)
        ),
        ("Lagrangian Hessian", lagrangian, 10_000, True, 0, 0),
        ("neo-Hookean FEM energy Hessian", neo_hookean, 10_000, True, 0, 0),
        ("Ginzburg-Landau energy (trapezoid) Hessian", ginzburg_landau, 100_000, True, 0, 0),
        ("x^T L x (einsum, dense L) Hessian", quadratic_einsum, 2000, True, 0, 2000),
        ("Rosenbrock Hessian, cumsum (star)", rosen_cumsum, 1000, True, 0, 1000),
    ]
    for name, f, n, hessian, dense_max, jax_dense_max in cases:
        if args.only is None or args.only in name:
            rows.append(case(name, f, n, hessian, args.rounds, dense_max, jax_dense_max))
    headers = [
        "case", "n", "colors", "numpy f ms", "hd sparse ms (x f)", "unchecked ms (x f)",
        *((f"{args.before} ms (x f)", f"{args.before} unchecked") if BEFORE is not None else ()),
        "hd dense ms (x f)",
        "JAX dense ms (x f)", "JAX jvp x c ms (x f)", "asdex ms (x f)", "detect s", "color s",
        "first call s", "asdex prep s",
    ]  # fmt: skip
    print(markdown(headers, rows, 1))
    print(
        f"\n{'CPU' if args.cpu else 'wall'} times, medians of {args.rounds} interleaved "
        "rounds; (x f): over numpy's f(x) in the same rounds (*: one call, timed apart: "
        "over 0.3 s); detect, color, first call: once each, on a fresh transform (the "
        "first call includes detection, coloring and one evaluation); asdex prep: "
        "asdex.jacobian/hessian (detection, coloring) and the first call of its jitted "
        "function (compilation, one evaluation)"
    )


if __name__ == "__main__":
    main()
