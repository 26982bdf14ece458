"""Derivatives of order 3, 4 and 10 through Taylor arrays (issue 16), against numpy's f
and jax.experimental.jet in the same process.

T1 here is the elementwise f(x) = sin(x) exp(-x^2/2) + log(1 + x^2) (the repository
does not define T1's formula; this f costs about what issue 13's T1 does in numpy).
For each order k: `hd.derivative(f, order=k)` (with its first-order pointwise check,
the default), the same with check_pointwise=False, and jet's k-th series term of the
jitted `jet(f, (x,), ((1, 0, ..., 0),))`; ratios to numpy's f, interleaved rounds,
medians. First calls: the first call of each order in this process at N = 1e3 (the
fixed cost: hyperdiff's classes and kernels' first use; jet's tracing and compiling),
then the first call at full N (jet: compiled again for the new shape). --mixed adds the
mixed partial d^3/dx^2 dy of t1(x y) (a bundle of five Taylor series of degree 3), against
numpy's t1(x y); --cpu times CPU time (a loaded machine) instead of wall time.

    python bench/taylor.py                       # N = 1e6, the machine's threads
    python bench/taylor.py --threads 1 --size 1e5
    python bench/taylor.py --mixed --cpu --rounds 9
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("JAX_ENABLE_X64", "1")

import numpy as np

import hyperdiff as hd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import interleaved_samples, markdown, paired_ratio

HAVE_JAX = importlib.util.find_spec("jax") is not None
ORDERS = (3, 4, 10)


def t1(x: Any, xp: Any = np) -> Any:
    return xp.sin(x) * xp.exp(-0.5 * x * x) + xp.log(1.0 + x * x)


def timed_once(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=float, default=1e6)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--threads", type=int, default=None, help="hyperdiff's kernel threads")
    parser.add_argument("--mixed", action="store_true", help="add the mixed partial (2, 1)")
    parser.add_argument("--cpu", action="store_true", help="CPU time, not wall time")
    args = parser.parse_args(argv)
    if args.threads is not None:
        hd.set_num_threads(args.threads)
    n = int(args.size)
    x = np.random.default_rng(20240601).uniform(-3.0, 3.0, n)

    first: dict[str, float] = {}
    small_first: dict[str, float] = {}
    small = x[:1000].copy()
    calls: dict[str, Callable[[], Any]] = {"numpy f": lambda: t1(x)}
    for k in ORDERS:
        checked = hd.derivative(t1, order=k)
        unchecked = hd.derivative(t1, order=k, check_pointwise=False)
        small_first[f"hyperdiff order {k}"] = timed_once(lambda c=checked: c(small))
        first[f"hyperdiff order {k}"] = timed_once(lambda c=checked: c(x))
        calls[f"hyperdiff order {k}"] = lambda c=checked: c(x)
        calls[f"hyperdiff order {k}, check_pointwise=False"] = lambda c=unchecked: c(x)
    if args.mixed:
        y = np.random.default_rng(20240602).uniform(-1.0, 1.0, n)
        g = lambda u, v: t1(u * v)  # noqa: E731
        mixed = hd.derivative(g, order=(2, 1), argnums=(0, 1))
        calls["numpy t1(x y)"] = lambda: g(x, y)
        calls["hyperdiff order (2, 1) of t1(x y)"] = lambda: mixed(x, y)

    jet_results: dict[int, Any] = {}
    if HAVE_JAX:
        import jax
        import jax.numpy as jnp
        from jax.experimental.jet import jet

        xj = jnp.asarray(x)
        for k in ORDERS:

            def run(v: Any, k: int = k) -> Any:
                series = ((jnp.ones_like(v), *(jnp.zeros_like(v) for _ in range(k - 1))),)
                return jet(lambda u: t1(u, jnp), (v,), series)[1][k - 1]

            compiled = jax.jit(run)
            small_j = jnp.asarray(small)
            small_first[f"jax jet order {k}"] = timed_once(
                lambda c=compiled, v=small_j: c(v).block_until_ready()
            )
            first[f"jax jet order {k}"] = timed_once(lambda c=compiled: c(xj).block_until_ready())
            calls[f"jax jet order {k}"] = lambda c=compiled: c(xj).block_until_ready()
            jet_results[k] = np.asarray(compiled(xj))

    for k, reference in jet_results.items():  # the same numbers, before timing them
        ours = hd.derivative(t1, order=k)(x)
        scale = np.max(np.abs(reference))
        assert np.max(np.abs(ours - reference)) <= 1e-9 * scale, f"order {k} disagrees with jet"

    names = list(calls)
    timer = time.process_time if args.cpu else time.perf_counter
    samples = interleaved_samples([calls[name] for name in names], args.rounds, timer=timer)
    base = names.index("numpy f")
    rows = []
    for i, name in enumerate(names):
        median = sorted(samples[i])[len(samples[i]) // 2]
        jet_name = f"jax jet order {name.split()[2].rstrip(',')}" if "hyperdiff" in name else ""
        baseline = names.index("numpy t1(x y)") if "(2, 1)" in name else base
        vs_jet = (
            f"{paired_ratio(samples, i, names.index(jet_name)):.2f}" if jet_name in names else ""
        )
        rows.append(
            [
                name,
                f"{median * 1e3:.1f}",
                f"{paired_ratio(samples, i, baseline):.2f}",
                vs_jet,
                f"{first[name] * 1e3:.1f}" if name in first else "",
                f"{small_first[name] * 1e3:.1f}" if name in small_first else "",
            ]
        )
    threads = hd.get_num_threads()
    clock = "CPU time" if args.cpu else "wall time"
    print(
        f"T1 = sin(x) exp(-x^2/2) + log(1 + x^2), N = {n:.0e}, hyperdiff threads {threads}, {clock}"
    )
    print(
        markdown(
            [
                "call",
                "ms (median)",
                "/ numpy (same f)",
                "/ jet (same order)",
                f"first call ms (N = {n:.0e})",
                "first call ms (N = 1e3, before)",
            ],
            rows,
            1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
