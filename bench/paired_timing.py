"""A timing script for paired_builds.py: one line of minimum times, in one process.

    python bench/paired_builds.py --rounds 6 /tmp/A /tmp/B bench/paired_timing.py t6
    python bench/paired_builds.py --rounds 6 /tmp/A /tmp/B bench/paired_timing.py sparse
    python bench/paired_builds.py --rounds 6 /tmp/A /tmp/B bench/paired_timing.py hessian

t6: peers.py's T6 (the Hessian blocks of ||X X Y|| for 5x5 X, Y), microseconds, the
minimum over 30 repeats of 300 calls (wall time: the calls are short). sparse:
sparse.py's banded Jacobian (n = 1e5) and 300 x 300 Laplacian residual's, checked,
milliseconds, the minimum over 10 repeats of 10 to 20 calls (process time). hessian:
sparse.py's Rosenbrock Hessian at n = 1e4 and 1e5, checked and unchecked, the same
way. Minima are
the steadiest figure on a shared machine; paired_builds.py runs both builds at the
same moments, so their difference holds where the absolute times wander.
"""

from __future__ import annotations

import os
import sys
import time
import timeit
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import xxy_norm
from sparse import banded, laplace, rosen

import hyperdiff as hd


def least_process_time(call: Callable[[], object], number: int, repeat: int = 10) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            call()
        best = min(best, (time.process_time() - start) / number)
    return best


def t6() -> str:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    h = hd.hessian(xxy_norm, argnums=(0, 1))
    h(x, y)
    best = min(timeit.repeat(lambda: h(x, y), number=300, repeat=30)) / 300
    return f"T6 {best * 1e6:.1f} us"


def sparse() -> str:
    x = np.linspace(0.1, 1.0, 10**5)
    grid = np.linspace(0.1, 1.0, 300 * 300)
    jb = hd.jacobian(banded, sparsity="auto")
    jl = hd.jacobian(laplace, sparsity="auto")
    jb(x), jl(grid)
    b = least_process_time(lambda: jb(x), 20)
    lap = least_process_time(lambda: jl(grid), 10)
    return f"banded {b * 1e3:.3f} ms  laplacian {lap * 1e3:.3f} ms"


def hessian() -> str:
    found = []
    for n in (10**4, 10**5):
        x = np.linspace(-1.0, 1.0, n)
        for check in (True, False):
            h = hd.hessian(rosen, sparsity="auto", check_sparsity=check)
            h(x)
            best = least_process_time(lambda: h(x), max(10, 10**6 // n))  # noqa: B023
            found.append(f"{n:.0e}{'' if check else ' unchecked'} {best * 1e3:.3f} ms")
    return "rosenbrock " + "  ".join(found)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "t6"
    print({"t6": t6, "sparse": sparse, "hessian": hessian}[which]())
