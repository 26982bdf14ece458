"""scipy.special on dual arrays: the on-the-value table (src/hyperdiff/_special.py) against
scipy's function alone, and the C++ table's gammaln for scale.

HyperDual float64 at N points (fixed seed, uniform in [0.5, 5)), one thread; scipy's call
on the values and hyperdiff's call on the HyperDual alternate in every round, and each
time is the median over the rounds; the ratio is hyperdiff's time over scipy's.

    taskset -c 1 python bench/special.py            # N = 1e6, 7 rounds
    python bench/special.py --points 100000 --rounds 3
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.special as sc

import hyperdiff as hd


def cases(v: np.ndarray, x: Any) -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    return {
        "psi": (lambda: sc.psi(v), lambda: sc.psi(x)),
        "gamma": (lambda: sc.gamma(v), lambda: sc.gamma(x)),
        "ndtr": (lambda: sc.ndtr(v), lambda: sc.ndtr(x)),
        "log_ndtr": (lambda: sc.log_ndtr(v), lambda: sc.log_ndtr(x)),
        "i0e": (lambda: sc.i0e(v), lambda: sc.i0e(x)),
        "jv(1.5, x)": (lambda: sc.jv(1.5, v), lambda: sc.jv(1.5, x)),
        "betaln(x, 2.5)": (lambda: sc.betaln(v, 2.5), lambda: sc.betaln(x, 2.5)),
        "gammaln (C++ table)": (lambda: sc.gammaln(v), lambda: sc.gammaln(x)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=10**6)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    hd.set_num_threads(1)
    v = np.random.default_rng(0).uniform(0.5, 5.0, args.points)
    x = hd.hyperdual(v, 1.0, 1.0)
    print(f"N = {args.points}, HyperDual float64, median of {args.rounds} interleaved rounds")
    print("| function | scipy (ms) | hyperdiff (ms) | ratio |\n|---|---:|---:|---:|")
    for name, (base, dual) in cases(v, x).items():
        tb, td = [], []
        for _ in range(args.rounds):
            t = time.perf_counter()
            base()
            tb.append(time.perf_counter() - t)
            t = time.perf_counter()
            dual()
            td.append(time.perf_counter() - t)
        b, d = float(np.median(tb)), float(np.median(td))
        print(f"| {name} | {b * 1e3:.1f} | {d * 1e3:.1f} | {d / b:.1f} |")


if __name__ == "__main__":
    main()
