"""python -m hyperdiff [EXPR] [--at X ...]: f, f' and f'' of an expression in x.

Points may be complex (--at 1+2j): then f' and f'' are the complex derivatives of
a holomorphic f (for any other f, the derivatives along the real axis)."""

from __future__ import annotations

import argparse

import numpy as np

import hyperdiff as hd
from hyperdiff import _core

DEFAULT = "sin(x) * exp(-x**2) + log1p(x**2) / (1 + x)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hyperdiff", description=__doc__)
    parser.add_argument("expr", nargs="?", default=DEFAULT, help="numpy expression in x")
    parser.add_argument("--at", type=complex, nargs="+", default=[0.5, 1.0, 2.0])
    args = parser.parse_args(argv)

    namespace = {name: getattr(np, name) for name in dir(np) if not name.startswith("_")}
    namespace["np"] = np

    def f(x: object) -> object:
        return eval(args.expr, {"__builtins__": {}}, {**namespace, "x": x})

    points = np.array(args.at)
    if not np.any(points.imag):
        points = points.real
    x = hd.hyperdual(points, e1=1.0, e2=1.0)
    y = f(x)
    print(f"f(x) = {args.expr}    [kernels: {_core.isa()}]")
    print(f"{'x':>10} {'f(x)':>24} {'f1(x)':>24} {'f2(x)':>24}")
    for xi, v, d1, d2 in zip(
        points, np.atleast_1d(y.value), np.atleast_1d(y.e1), np.atleast_1d(y.e12), strict=True
    ):
        print(f"{xi:>10.6g} {v:>24.17g} {d1:>24.17g} {d2:>24.17g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
