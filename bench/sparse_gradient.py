"""Gradients of sums of terms: hd.grad(f, sparsity="auto") (one pass over the terms'
colors, _sparsity.sparse_gradient) against numpy's f alone, the dense hd.grad
(forward mode: n directions), jax.grad (reverse mode, jit compiled beforehand) and
the sparse Hessian of the same f.

Cases: Rosenbrock (one term array, each term on x_i and x_(i+1): 2 colors) and a
least-squares objective 0.5 r @ r of the tridiagonal residual (3 colors), at
n = 1e3, 1e4, 1e5. "unchecked" is check_sparsity=False (no probe direction).

Every time is the median of interleaved rounds in this one process (bench/run.py's
interleaved_samples, a call under 10 ms repeated for about 10 ms), with its ratio to
numpy's f(x) of the same round; a call over 0.3 s (the dense gradient at 1e4) is
timed once, apart. Preparation (detection, coloring, the first call) is timed once,
on a fresh transform.

    python bench/sparse_gradient.py --cpu --rounds 9
"""

from __future__ import annotations

# isort: off
import one_thread  # noqa: F401  (first: the thread settings, before numpy)

# isort: on

import argparse
import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from run import markdown
from sparse import ratio_cells

import hyperdiff as hd

HAVE_JAX = importlib.util.find_spec("jax") is not None
Call = Callable[[], object]
TIMER = time.perf_counter


def rosen(x: Any, xp: Any = np) -> Any:
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def least_squares(x: Any, xp: Any = np) -> Any:
    """0.5 r @ r of bench/sparse.py's tridiagonal residual."""
    inner = -x[:-2] + 2.0 * x[1:-1] - x[2:] + 1e-2 * xp.exp(x[1:-1])
    r = xp.concatenate([x[:1], inner, x[-1:]])
    return 0.5 * (r @ r)


def once(call: Call) -> float:  # (with this file's TIMER: --cpu)
    start = TIMER()
    call()
    return TIMER() - start


def case(name: str, f: Callable[..., Any], n: int, rounds: int) -> list[str]:
    x = np.random.default_rng(0).uniform(0.1, 0.9, n)
    sparse = hd.grad(f, sparsity="auto")
    first = once(lambda: sparse(x))
    unchecked = hd.grad(f, sparsity="auto", check_sparsity=False)
    unchecked(x)
    hessian = hd.hessian(f, sparsity="auto")
    hessian(x)
    calls: dict[str, Call] = {
        "numpy f": lambda: f(x),
        "sparse": lambda: sparse(x),
        "unchecked": lambda: unchecked(x),
        "hessian": lambda: hessian(x),
    }
    single: dict[str, float] = {}
    if n <= 10_000:
        dense = hd.grad(f)
        took = once(lambda: dense(x))
        if took > 0.3:
            single["dense"] = took
        else:
            calls["dense"] = lambda: dense(x)
    if HAVE_JAX:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        xj = jnp.asarray(x)
        reverse = jax.jit(jax.grad(lambda v: f(v, jnp)))
        reverse(xj).block_until_ready()
        calls["jax.grad"] = lambda: reverse(xj).block_until_ready()
    base, cell = ratio_cells(calls, single, rounds, TIMER)
    return [
        name,
        f"{n:.0e}",
        f"{base * 1e3:.3f}",
        cell("sparse"),
        cell("unchecked"),
        cell("dense"),
        cell("jax.grad"),
        cell("hessian"),
        f"{first:.3f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--cpu", action="store_true", help="time CPU time (a loaded machine)")
    args = parser.parse_args()
    global TIMER
    if args.cpu:
        TIMER = time.process_time
    rows = []
    for name, f in (("Rosenbrock", rosen), ("0.5 r @ r, tridiagonal r", least_squares)):
        for n in (1000, 10_000, 100_000):
            rows.append(case(name, f, n, args.rounds))
    headers = [
        "case", "n", "numpy f ms", "hd grad sparse ms (x f)", "unchecked ms (x f)",
        "hd grad dense ms (x f)", "jax.grad ms (x f)", "hd sparse Hessian ms (x f)",
        "first call s",
    ]  # fmt: skip
    print(markdown(headers, rows, 1))
    print(
        f"\n{'CPU' if args.cpu else 'wall'} times, medians of {args.rounds} interleaved "
        "rounds; (x f): over numpy's f(x) in the same rounds (*: one call, timed apart); "
        "first call: detection, coloring and one pass, on a fresh transform"
    )


if __name__ == "__main__":
    main()
