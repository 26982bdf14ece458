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

    print(f"f(x) = {args.expr}    [kernels: {_core.isa()}]")
    print(f"{'x':>10} {'f(x)':>24} {'f1(x)':>24} {'f2(x)':>24}")
    # each point on its own (an expression such as cumsum(x) must not mix them), real
    # unless it is complex itself
    for point in args.at:
        xi = point if point.imag else point.real
        y = f(hd.hyperdual(xi, e1=1.0, e2=1.0))
        if isinstance(y, hd.HyperDual) and y.size == 1:  # cumsum(x) of a point has shape (1,)
            y = y.reshape(())
            row = (y.value, y.e1, y.e12)
        elif np.ndim(y) == 0 and np.isscalar(y):  # a constant
            row = (y, 0.0, 0.0)
        else:
            got = f"{type(y).__name__} of shape {np.shape(y)}"
            parser.error(f"{args.expr} must give one number at each point, not {got}")
        print(f"{xi:>10.6g}" + "".join(f" {v:>24.17g}" for v in row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
