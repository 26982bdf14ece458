"""Cost of numpy's statistics on a Dual array against numpy's own call on the values.

The nan-reductions, cov, corrcoef and weighted bincount of issue 14: each time is CPU
time (time.process_time, one process, so other processes on the machine do not count),
the median of 7 interleaved rounds (numpy's call, then hyperdiff's, in every round);
fixed seeds. A Dual array has two planes, and hyperdiff computes the value plane with
numpy's own function (bit for bit) and the parts beside it, so ratios near 3 to 6 are
the expected cost.

    OPENBLAS_NUM_THREADS=1 python bench/numpy_statistics.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

import hyperdiff as hd


def cases() -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    rng = np.random.default_rng(0)
    v = rng.normal(size=(400, 500))
    v[rng.random(v.shape) < 0.05] = np.nan
    x = hd.dual(v, rng.normal(size=v.shape))
    s = rng.normal(size=(20, 2000))
    y = hd.dual(s, rng.normal(size=s.shape))
    index = rng.integers(0, 100, 200_000)
    w = rng.normal(size=200_000)
    wd = hd.dual(w, 1.0)
    return {
        "nanmean axis=1 (400x500)": (lambda: np.nanmean(v, axis=1), lambda: np.nanmean(x, axis=1)),
        "nanvar axis=0": (lambda: np.nanvar(v, axis=0), lambda: np.nanvar(x, axis=0)),
        "nanmax axis=1": (lambda: np.nanmax(v, axis=1), lambda: np.nanmax(x, axis=1)),
        "nanmedian axis=1": (lambda: np.nanmedian(v, axis=1), lambda: np.nanmedian(x, axis=1)),
        "cov (20x2000)": (lambda: np.cov(s), lambda: np.cov(y)),
        "corrcoef (20x2000)": (lambda: np.corrcoef(s), lambda: np.corrcoef(y)),
        "bincount weights (2e5)": (lambda: np.bincount(index, w), lambda: np.bincount(index, wd)),
    }


def main() -> None:
    print("| call | numpy (ms) | Dual (ms) | ratio |\n|---|---:|---:|---:|")
    for name, (plain, dual) in cases().items():
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(7):
            for f, acc in ((plain, times[0]), (dual, times[1])):
                start = time.process_time()
                f()
                acc.append(time.process_time() - start)
        a, b = (statistics.median(t) for t in times)
        print(f"| {name} | {a * 1e3:.2f} | {b * 1e3:.2f} | {b / a:.1f} |")


if __name__ == "__main__":
    main()
