"""Accuracy of scipy.special's partials in orders and parameters (src/hyperdiff/_special.py:
series, integrals and recurrences run on dual arrays) against mpmath's functions
differentiated by mp.diff at 40 digits, at random points of each stated domain.

For every point: hd.grad and hd.hessian of f in its real arguments; the error of each
partial (first and second, mixed included) relative to max(|reference|, scale), the scale
being sqrt(J^2 + Y^2) for J, Y and the Hankel functions where they oscillate (x > |v|),
else |f| (a partial crossing zero is judged against the function's size); points hyperdiff
refuses (TypeError) are counted, not measured.

    python bench/special_orders.py                 # 40 points per domain, seed 0
    python bench/special_orders.py --points 200 --seed 3
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import mpmath as mp
import numpy as np
import scipy.special as sc

import hyperdiff as hd


def _scale(name: str, args: tuple[float, ...], value: float) -> float:
    if name in ("jv", "yv") and args[1] > abs(args[0]):
        return float(np.hypot(sc.jv(*args), sc.yv(*args)))
    return abs(value)


def _wright(a: Any, b: Any, x: Any) -> Any:
    return mp.fsum(x**k / mp.factorial(k) * mp.rgamma(a * k + b) for k in range(200))


def _sampled(rng: np.random.Generator, low: float, high: float, n: int, log: bool) -> Any:
    if log:
        return np.exp(rng.uniform(np.log(low), np.log(high), n))
    return rng.uniform(low, high, n)


# name: (scipy function, mpmath reference, fixed leading args, domains of the differentiated
# args: (low, high, log-uniform), the share of integer orders in the first)
def _cases() -> dict[
    str, tuple[Callable[..., Any], Callable[..., Any], tuple[Any, ...], list[Any]]
]:
    ive = lambda v, x: mp.besseli(v, x) * mp.exp(-x)  # noqa: E731
    return {
        "jv": (sc.jv, mp.besselj, (), [(-20.0, 40.0, False), (0.01, 1e4, True)]),
        "yv": (sc.yv, mp.bessely, (), [(-20.0, 40.0, False), (0.01, 1e4, True)]),
        "iv": (sc.iv, mp.besseli, (), [(-20.0, 60.0, False), (0.01, 700.0, True)]),
        "ive": (sc.ive, ive, (), [(-20.0, 60.0, False), (0.01, 1e4, True)]),
        # (x drawn too, not differentiated: hyperu's x-partials are scipy's own hyperu)
        "hyperu": (sc.hyperu, mp.hyperu, (), [(-3.0, 15.0, False), (-3.0, 10.0, False)]),
        "wright_bessel": (sc.wright_bessel, _wright, (), [(0.0, 5.0, False), (0.0, 10.0, False)]),
        "eval_jacobi(n=12)": (
            sc.eval_jacobi,
            mp.jacobi,
            (12,),
            [(-0.9, 20.0, False), (-0.9, 20.0, False), (-1.0, 1.0, False)],
        ),
        "eval_gegenbauer(n=25)": (
            sc.eval_gegenbauer,
            mp.gegenbauer,
            (25,),
            [(-0.4, 20.0, False), (-1.0, 1.0, False)],
        ),
        "eval_genlaguerre(n=20)": (
            sc.eval_genlaguerre,
            mp.laguerre,
            (20,),
            [(-0.9, 20.0, False), (0.0, 80.0, False)],
        ),
    }


TRAILING = {"hyperu": (0.05, 50.0), "wright_bessel": (0.01, 20.0)}  # x: log-uniform


def measure(name: str, points: int, seed: int) -> tuple[float, float, int, int]:
    f, exact, fixed, domains = _cases()[name]
    rng = np.random.default_rng(seed)
    columns = [_sampled(rng, lo, hi, points, log) for lo, hi, log in domains]
    last = TRAILING.get(name)
    trailing = _sampled(rng, *last, points, True) if last else np.full(points, np.nan)
    if name in ("jv", "yv", "iv", "ive"):  # a quarter of the orders integers (sin(v pi) = 0)
        columns[0] = np.where(np.arange(points) % 4 == 0, np.round(columns[0]), columns[0])
    worst1 = worst2 = 0.0
    refused = 0
    k = len(domains)
    for *row, t in zip(*columns, trailing, strict=True):
        z = np.array(row)
        after = () if np.isnan(t) else (float(t),)
        g = lambda u, after=after: f(*fixed, *u, *after)  # noqa: E731
        try:
            grad, hess = hd.grad(g)(z), hd.hessian(g)(z)
        except TypeError:
            refused += 1
            continue
        with mp.workdps(40):
            at = tuple(mp.mpf(float(r)) for r in row)
            h = lambda *u, after=after: exact(*fixed, *u, *after)  # noqa: E731

            def d(*ks: int, at: Any = at, h: Any = h) -> float:
                return float(mp.diff(h, at, tuple(sum(i == j for j in ks) for i in range(k))))

            want1 = [d(i) for i in range(k)]
            want2 = [[d(i, j) for j in range(k)] for i in range(k)]
        scale = _scale(name, tuple(row), float(f(*fixed, *row, *after)))
        e1 = np.abs(grad - want1) / np.maximum(np.abs(want1), scale)
        e2 = np.abs(hess - np.array(want2)) / np.maximum(np.abs(want2), scale)
        worst1, worst2 = max(worst1, float(np.max(e1))), max(worst2, float(np.max(e2)))
    return worst1, worst2, refused, points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{args.points} random points per function, seed {args.seed}; errors / max(|ref|, scale)")
    print("| function | domain | worst 1st | worst 2nd | refused |\n|---|---|---:|---:|---:|")
    for name, (_, _, _, domains) in _cases().items():
        w1, w2, refused, n = measure(name, args.points, args.seed)
        domain = ", ".join(f"[{lo:g}, {hi:g}]{' log' if log else ''}" for lo, hi, log in domains)
        if name in TRAILING:
            domain += ", x in [{:g}, {:g}] log".format(*TRAILING[name])
        print(f"| {name} | {domain} | {w1:.1e} | {w2:.1e} | {refused}/{n} |")


if __name__ == "__main__":
    main()
