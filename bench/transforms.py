"""Gradients, Hessians and Jacobians through the transform API, against numpy
evaluating the function alone and, when installed, JAX and num-dual.

Every time is the median of interleaved rounds in this one process; the table
gives each time, its ratio to numpy's f(x), and hyperdiff's time over each peer's
as the median of that ratio within each round (robust to a machine whose speed
drifts between rounds). JAX is timed at steady state (jit compiled beforehand)
and on a first call (trace + compile + run of a fresh jit); num-dual evaluates
the same function on its dual scalars (Python lists). Each transform is built
once, as a user passes jac=hd.grad(f) to scipy and as JAX's jit is built once.
--number sets the calls per sample: 1 (the default) times every call cold, after
the other libraries' calls.

    python bench/transforms.py
    python bench/transforms.py --out bench/results_transforms.md
"""

from __future__ import annotations

# isort: off
import one_thread  # noqa: F401  (first: the thread settings, before numpy)

# isort: on

import argparse
import functools
import importlib.util
import itertools
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from run import interleaved_samples, markdown, paired_ratio

import hyperdiff as hd

HAVE_JAX = importlib.util.find_spec("jax") is not None
HAVE_NUM_DUAL = importlib.util.find_spec("num_dual") is not None
Call = Callable[[], object]


def rosen(x: Any, xp: Any = np) -> Any:
    """The extended Rosenbrock function, written on whole arrays."""
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_list(x: Sequence[Any]) -> Any:
    """The same for num-dual, which passes a list of dual scalars."""
    return sum(100.0 * (b - a * a) ** 2 + (1 - a) ** 2 for a, b in itertools.pairwise(x))


def pointwise(x: Any, y: Any, z: Any, xp: Any = np) -> Any:
    return xp.exp(x * y) * xp.sin(z) + x**2 * xp.log(1 + y**2 + z**2)


def sin_chain(x: Any, xp: Any = np) -> Any:
    return xp.sum(xp.sin(x[:-1]) * x[1:])


def xxy_norm(x: Any, y: Any, xp: Any = np) -> Any:
    return xp.linalg.norm(x @ x @ y)


def first_call(call: Call) -> float:
    """Seconds of one call (that builds a fresh, uncompiled jit and runs it)."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def block(x: Any) -> Any:
    return x.block_until_ready() if hasattr(x, "block_until_ready") else x


class Case:
    def __init__(self, name: str, numpy_f: Call, hyperdiff: Call) -> None:
        self.name, self.numpy_f, self.hyperdiff = name, numpy_f, hyperdiff
        self.peers: dict[str, Call] = {}
        self.jax_first: Call | None = None
        self.scale = 1.0  # peers timed on a sample of the work are scaled by this


def cases(sizes: Sequence[int], points: int, jac_shape: tuple[int, int]) -> list[Case]:
    rng = np.random.default_rng(20261125)
    found: list[Case] = []
    jax = jnp = nd = None
    if HAVE_JAX:
        import jax
        import jax.numpy as jnp
    if HAVE_NUM_DUAL:
        import num_dual as nd

    for n in sizes:
        x = rng.uniform(-2, 2, n)
        for what, transform in (("grad", hd.grad), ("hessian", hd.hessian)):
            # built once, as a user passes jac=hd.grad(f) to scipy (and as JAX's jit is)
            case = Case(
                f"rosen {what} n={n}", lambda x=x: rosen(x), functools.partial(transform(rosen), x)
            )
            if jax is not None:
                jt = jax.grad if what == "grad" else jax.hessian
                xj = jnp.asarray(x)
                compiled = jax.jit(jt(lambda v: rosen(v, jnp)))
                block(compiled(xj))
                case.peers["jax (jit)"] = lambda c=compiled, xj=xj: block(c(xj))
                case.jax_first = lambda jt=jt, xj=xj: block(
                    jax.jit(jt(lambda v: rosen(v, jnp)))(xj)
                )
            if nd is not None:
                nt = nd.gradient if what == "grad" else nd.hessian
                case.peers["num-dual"] = lambda nt=nt, x=list(x): nt(rosen_list, x)
            found.append(case)

    x, y, z = (rng.uniform(-1, 1, points) for _ in range(3))
    batched = hd.hessian(pointwise, argnums=(0, 1, 2), elementwise=True)
    case = Case(
        f"3x3 Hessians at {points:.0e} points",
        lambda: pointwise(x, y, z),
        lambda: batched(x, y, z),
    )
    if jax is not None:

        def batched_jax() -> Any:
            hessian = jax.hessian(lambda a, b, c: pointwise(a, b, c, jnp), argnums=(0, 1, 2))
            return jax.jit(jax.vmap(hessian))

        hj = batched_jax()
        xs = tuple(jnp.asarray(v) for v in (x, y, z))
        block(hj(*xs)[0][0])
        case.peers["jax (jit)"] = lambda: block(hj(*xs)[0][0])
        case.jax_first = lambda: block(batched_jax()(*xs)[0][0])
    if nd is not None:
        # num-dual works point by point: time 1% of the points and scale up
        sample = max(points // 100, 1)
        scale = points / sample

        def numdual_points(count: int = sample) -> None:
            for i in range(count):
                nd.hessian(_nd_pointwise, [x[i], y[i], z[i]])

        case.peers[f"num-dual (x{scale:.0f} of {sample} points)"] = numdual_points
        case.scale = scale
    found.append(case)

    # a gradient through an inner gradient step (nested transforms), against the same
    # value by hand: (I - a H(t)) grad L(t - a grad L(t)) from hessian and grad
    for n in sizes:
        theta = rng.uniform(-1, 1, n)
        outer_grad = hd.grad(lambda t: rosen(t - 1e-3 * hd.grad(rosen)(t)))
        inner_grad, inner_hessian = hd.grad(rosen), hd.hessian(rosen)

        def by_hand(t: Any = theta, g: Any = inner_grad, h: Any = inner_hessian) -> Any:
            step = t - 1e-3 * g(t)
            return (np.eye(t.size) - 1e-3 * h(t)) @ g(step)

        case = Case(
            f"grad through a grad step, n={n}",
            lambda t=theta: rosen(t),
            (lambda g=outer_grad, t=theta: g(t)),
        )
        case.peers["hyperdiff by hand (hessian + grad)"] = by_hand
        if jax is not None:

            def meta(t: Any) -> Any:
                return rosen(t - 1e-3 * jax.grad(lambda u: rosen(u, jnp))(t), jnp)

            gj = jax.jit(jax.grad(meta))
            tj = jnp.asarray(theta)
            block(gj(tj))
            case.peers["jax (jit)"] = lambda gj=gj, tj=tj: block(gj(tj))
        found.append(case)

    # the first question users asked: mixed partials of ||X X Y||_F, 5x5 (1,326 planes)
    xm, ym = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    mixed = hd.hessian(xxy_norm, argnums=(0, 1))
    case = Case(
        "d2/dXdY, d2/dY2 of ||X X Y||, 5x5", lambda: xxy_norm(xm, ym), lambda: mixed(xm, ym)
    )
    if jax is not None:
        hxy = jax.jit(jax.hessian(lambda a, b: xxy_norm(a, b, jnp), argnums=(0, 1)))
        xmj, ymj = jnp.asarray(xm), jnp.asarray(ym)  # (bound here: later cases reuse names)
        block(hxy(xmj, ymj)[0][1])
        case.peers["jax (jit)"] = lambda: block(hxy(xmj, ymj)[0][1])
        case.jax_first = lambda: block(
            jax.jit(jax.hessian(lambda a, b: xxy_norm(a, b, jnp), argnums=(0, 1)))(xmj, ymj)[0][1]
        )
    found.append(case)

    # the Laplacian in O(n): hessian_diag's 1 + 2n planes, against the trace of the
    # Hessian (1 + n + n(n+1)/2 planes; at n = 1000 it takes seconds: n = 100 only)
    for n in (100, 1000):
        xl = rng.uniform(-1, 1, n)
        lap = hd.laplacian(sin_chain)
        case = Case(
            f"Laplacian of sum sin(x_i) x_i+1, n={n}",
            lambda x=xl: sin_chain(x),
            (lambda lap=lap, x=xl: lap(x)),
        )
        if n <= 100:
            full = hd.hessian(sin_chain)
            case.peers["hyperdiff trace(hessian)"] = lambda full=full, x=xl: np.trace(full(x))
        if jax is not None:
            tj = jax.jit(lambda v: jnp.trace(jax.hessian(lambda w: sin_chain(w, jnp))(v)))
            xj = jnp.asarray(xl)
            block(tj(xj))
            case.peers["jax trace(hessian) (jit)"] = lambda tj=tj, xj=xj: block(tj(xj))
        found.append(case)

    u = rng.normal(size=100)
    outer = hd.jacobian(lambda t: np.outer(t, t))
    case = Case("Jacobian of outer(x, x), n=100", lambda: np.outer(u, u), lambda: outer(u))
    if jax is not None:
        jo = jax.jit(jax.jacfwd(lambda t: jnp.outer(t, t)))
        uj = jnp.asarray(u)
        block(jo(uj))
        case.peers["jax (jit)"] = lambda jo=jo, uj=uj: block(jo(uj))
        case.jax_first = lambda uj=uj: block(jax.jit(jax.jacfwd(lambda t: jnp.outer(t, t)))(uj))
    found.append(case)

    m, n = jac_shape
    w = rng.normal(size=(m, n)) / np.sqrt(n)
    v = rng.normal(size=n)
    jacobian = hd.jacobian(lambda u: np.tanh(w @ u))
    case = Case(f"Jacobian {m}x{n} of tanh(W x)", lambda: np.tanh(w @ v), lambda: jacobian(v))
    if jax is not None:
        wj, vj = jnp.asarray(w), jnp.asarray(v)
        jj = jax.jit(jax.jacfwd(lambda u: jnp.tanh(wj @ u)))
        block(jj(vj))
        case.peers["jax (jit)"] = lambda: block(jj(vj))
        case.jax_first = lambda: block(jax.jit(jax.jacfwd(lambda u: jnp.tanh(wj @ u)))(vj))
    if nd is not None:
        # num-dual works on lists of dual scalars: time 1% of the rows and scale up
        row_count = max(m // 100, 1)
        rows = [list(row) for row in w[:row_count]]
        vl = list(v)

        def numdual_rows(u: Sequence[Any]) -> list[Any]:
            return [sum(wij * uj for wij, uj in zip(row, u, strict=True)).tanh() for row in rows]

        case.peers[f"num-dual (x{m / row_count:.0f} of {row_count} rows)"] = lambda: nd.jacobian(
            numdual_rows, vl
        )
        case.scale = m / row_count
    found.append(case)
    return found


def _nd_pointwise(v: Sequence[Any]) -> Any:
    x, y, z = v
    return (x * y).exp() * z.sin() + x**2 * (1 + y**2 + z**2).log()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--points", type=int, default=10**5)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--number",
        type=int,
        default=1,
        help="calls per timed sample (1: every sample is one call after the other "
        "libraries' calls, so no code is warm from a previous call of its own)",
    )
    parser.add_argument("--out", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    hd.set_num_threads(1)

    rows: list[list[str]] = []
    for case in cases(args.sizes, args.points, (10_000, 100)):
        calls = [case.numpy_f, case.hyperdiff, *case.peers.values()]
        samples = interleaved_samples(calls, args.rounds, number=args.number)
        names = ["numpy f", "hyperdiff", *case.peers]
        # times are medians; ratios are medians of the ratios within each round
        scales = [case.scale if name.startswith("num-dual") else 1.0 for name in names]
        named = {
            name: (statistics.median(times) * scale, paired_ratio(samples, 1, k) / scale)
            for k, (name, times, scale) in enumerate(zip(names, samples, scales, strict=True))
        }
        if case.jax_first is not None:
            first = min(first_call(case.jax_first) for _ in range(3))
            named["jax (first call)"] = (first, named["hyperdiff"][0] / first)
        base = named["numpy f"][0]
        for name, (seconds, ours_over) in named.items():
            rows.append(
                [
                    case.name,
                    name,
                    f"{seconds * 1e3:.3f}",
                    f"{seconds / base:.1f}x",
                    "" if name == "hyperdiff" else f"{ours_over:.2f}",
                ]
            )
            print(f"  {case.name}: {name} {seconds * 1e3:.3f} ms", flush=True)
    headers = ["case", "who", "ms", "/ numpy f", "hyperdiff / who"]
    table = markdown(headers, rows, numeric_from=2)
    print("\n" + table)
    if args.out:
        args.out.write_text(
            "# Transforms against numpy's f alone, JAX and num-dual\n\n"
            f"`python bench/transforms.py {' '.join(argv if argv is not None else sys.argv[1:])}`"
            "\n\n" + table + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
