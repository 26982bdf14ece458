"""Accuracy of scipy.special's partials in orders and parameters (src/hyperdiff/_special.py:
series, integrals and recurrences run on dual arrays) against mpmath's functions
differentiated by mp.diff at 40 digits, at random points of each stated domain.

For every point: hd.grad and hd.hessian of f in its real arguments; the error of each
partial (first and second, mixed included) relative to max(|reference|, scale), the scale
being sqrt(J^2 + Y^2) for J, Y and the Hankel functions where they oscillate (x > |v|),
max(|y|, |y'|/sqrt|q|) for the parabolic cylinder functions (y'' = q y, |q| at least 1;
their second outputs y': max(|y'|, |y| sqrt|q|)), else |f| (a partial crossing zero is
judged against the function's size); points hyperdiff refuses (TypeError) are counted,
not measured. The columns "worst 1st/2nd" include the partials in x, closed forms on
scipy's values: pbdv's and pbvv's values are up to 1e-1 off where v > 4, |x| > 7 (scipy's
own error, e.g. pbvv(10.3, -7.6): 12%), and so are those.

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
    if name in ("jv", "yv", "struve") and args[1] > abs(args[0]):
        return max(abs(value), float(np.hypot(sc.jv(*args), sc.yv(*args))))
    if name == "hyp0f1" and args[1] < 0 and 2 * np.sqrt(-args[1]) > abs(args[0] - 1):
        v, w = args[0], np.sqrt(-args[1])  # (Gamma(v) w^(1-v) J_(v-1)(2w)'s envelope)
        bessel = np.hypot(sc.jv(v - 1, 2 * w), sc.yv(v - 1, 2 * w))
        return float(abs(sc.gamma(v) * w ** (1 - v)) * bessel)
    if name.startswith(("pbdv", "pbvv", "pbwa")):  # (the envelope where y'' = q y oscillates)
        v, x = args
        y, yp = getattr(sc, name[:4])(v, x)
        q = v - x * x / 4 if name.startswith("pbwa") else x * x / 4 - v - 0.5
        reach = np.sqrt(max(abs(q), 1.0))
        return float(max(abs(yp), abs(y) * reach) if "'" in name else max(abs(y), abs(yp) / reach))
    if name.startswith("eval_cheby") and abs(args[1]) < 1:  # (T's envelope 1, U's 1/sin t)
        return max(abs(value), 1.0 if "chebyt" in name else 1 / np.sqrt(1 - args[1] ** 2))
    return abs(value)


def _ferrers(m: int, v: Any, x: Any) -> Any:
    """mpmath's P_v^m, at m > 0 from P_v^-m (DLMF 14.9.3: its legenp is slow there)."""
    ratio = (-1) ** m * mp.rf(v - m + 1, 2 * m) if m > 0 else 1
    return ratio * mp.re(mp.legenp(v, -abs(m), x, type=2))


def _pcfv(v: Any, x: Any) -> Any:  # scipy's V_v = mpmath's V(-v - 1/2, x)
    return mp.pcfv(-v - mp.mpf(1) / 2, x)


def _pcfw(a: Any, x: Any) -> Any:
    """W(a, x) by DLMF 12.14's Kummer forms (as tests/test_scipy_special_params.py's; mpmath's
    pcfw agrees to 30 digits and is ~100x slower)."""
    r = mp.sqrt(abs(mp.gamma(0.25 + 0.5j * a) / mp.gamma(0.75 + 0.5j * a)))
    phase = mp.exp(-0.25j * x * x)
    w1 = phase * mp.hyp1f1(0.25 - 0.5j * a, 0.5, 0.5j * x * x)
    w2 = x * phase * mp.hyp1f1(0.75 - 0.5j * a, 1.5, 0.5j * x * x)
    return mp.re(2 ** mp.mpf(-0.75) * (r * w1 - mp.sqrt(2) / r * w2))


def _output(f: Callable[..., Any], n: int) -> Callable[..., Any]:
    return lambda *args: f(*args)[n]


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
        "hyp0f1": (sc.hyp0f1, mp.hyp0f1, (), [(-10.0, 20.0, False), (-300.0, 300.0, False)]),
        "struve": (sc.struve, mp.struveh, (), [(-10.0, 20.0, False), (0.01, 1e3, True)]),
        "modstruve": (sc.modstruve, mp.struvel, (), [(-10.0, 20.0, False), (0.01, 300.0, True)]),
        "eval_jacobi(n)": (
            sc.eval_jacobi,
            mp.jacobi,
            (),
            [(0.0, 12.0, False), (-0.9, 5.0, False), (-0.9, 5.0, False), (-0.8, 1.0, False)],
        ),
        "eval_gegenbauer(n)": (
            sc.eval_gegenbauer,
            mp.gegenbauer,
            (),
            [(0.0, 12.0, False), (-0.4, 5.0, False), (-0.8, 1.0, False)],
        ),
        "eval_genlaguerre(n)": (
            sc.eval_genlaguerre,
            mp.laguerre,
            (),
            [(0.0, 12.0, False), (-0.9, 5.0, False), (0.0, 20.0, False)],
        ),
        "eval_legendre(n)": (
            sc.eval_legendre,
            mp.legendre,
            (),
            [(-5.0, 12.0, False), (-0.8, 1.0, False)],
        ),
        "eval_chebyt(n)": (
            sc.eval_chebyt,
            mp.chebyt,
            (),
            [(-5.0, 12.0, False), (-0.8, 1.0, False)],
        ),
        "eval_chebyu(n)": (
            sc.eval_chebyu,
            mp.chebyu,
            (),
            [(-5.0, 12.0, False), (-0.8, 1.0, False)],
        ),
        **{
            f"lpmv(m={m})": (sc.lpmv, _ferrers, (m,), [(-5.0, 12.0, False), (-0.98, 1.0, False)])
            for m in (0, 2, -1)
        },
        # (the recurrence in the degree: v far beyond the series' reach)
        "lpmv(m=1) large v": (
            sc.lpmv,
            _ferrers,
            (1,),
            [(12.0, 300.0, False), (-0.98, 1.0, False)],
        ),
        # (the second output, d/dx: mpmath's D_v' = x/2 D_v - D_(v+1), V_v' = x/2 V_v -
        # (v + 1) V_(v+1), DLMF 12.8.3, 12.8.8)
        "pbdv": (_output(sc.pbdv, 0), mp.pcfd, (), [(-10.0, 15.0, False), (-10.0, 15.0, False)]),
        "pbdv'": (
            _output(sc.pbdv, 1),
            lambda v, x: x / 2 * mp.pcfd(v, x) - mp.pcfd(v + 1, x),
            (),
            [(-10.0, 15.0, False), (-10.0, 15.0, False)],
        ),
        # (larger orders: where they oscillate, by the recurrence in v from small orders)
        "pbdv v>=10": (
            _output(sc.pbdv, 0),
            mp.pcfd,
            (),
            [(10.0, 40.0, False), (-10.0, 15.0, False)],
        ),
        "pbvv": (_output(sc.pbvv, 0), _pcfv, (), [(-10.0, 15.0, False), (-10.0, 15.0, False)]),
        "pbvv v>=10": (_output(sc.pbvv, 0), _pcfv, (), [(10.0, 40.0, False), (-10.0, 15.0, False)]),
        "pbvv'": (
            _output(sc.pbvv, 1),
            lambda v, x: x / 2 * _pcfv(v, x) - (v + 1) * _pcfv(v + 1, x),
            (),
            [(-10.0, 15.0, False), (-10.0, 15.0, False)],
        ),
        "pbwa": (_output(sc.pbwa, 0), _pcfw, (), [(-5.0, 5.0, False), (-5.0, 5.0, False)]),
        "pbwa'": (
            _output(sc.pbwa, 1),
            lambda a, x: mp.diff(lambda t: _pcfw(a, t), x),
            (),
            [(-5.0, 5.0, False), (-5.0, 5.0, False)],
        ),
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


def measure(name: str, points: int, seed: int) -> tuple[float, float, float, int, int]:
    f, exact, fixed, domains = _cases()[name]
    rng = np.random.default_rng(seed)
    columns = [_sampled(rng, lo, hi, points, log) for lo, hi, log in domains]
    last = TRAILING.get(name)
    trailing = _sampled(rng, *last, points, True) if last else np.full(points, np.nan)
    integers = ("jv", "yv", "iv", "ive", "struve", "modstruve", "lpmv", "pbdv", "pbvv")
    if name.startswith(integers) or name.endswith("(n)"):
        # a quarter of the orders or degrees integers (sin(v pi) = 0, terminating series)
        columns[0] = np.where(np.arange(points) % 4 == 0, np.round(columns[0]), columns[0])
    worst1 = worst2 = first = 0.0  # (first: the partials involving the first argument)
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
        first = max(first, float(e1[0]), float(np.max(e2[0])))
    return worst1, worst2, first, refused, points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", help="these functions only (names as printed)")
    args = parser.parse_args()
    print(f"{args.points} random points per function, seed {args.seed}; errors / max(|ref|, scale)")
    print("(in arg 1: the worst of the partials involving the first argument, the order)")
    print("| function | domain | worst 1st | worst 2nd | in arg 1 | refused |")
    print("|---|---|---:|---:|---:|---:|")
    for name, (_, _, _, domains) in _cases().items():
        if args.only and name not in args.only:
            continue
        w1, w2, w0, refused, n = measure(name, args.points, args.seed)
        domain = ", ".join(f"[{lo:g}, {hi:g}]{' log' if log else ''}" for lo, hi, log in domains)
        if name in TRAILING:
            domain += ", x in [{:g}, {:g}] log".format(*TRAILING[name])
        print(f"| {name} | {domain} | {w1:.1e} | {w2:.1e} | {w0:.1e} | {refused}/{n} |")


if __name__ == "__main__":
    main()
