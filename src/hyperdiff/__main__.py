"""python -m hyperdiff [EXPR] [--at X ... | --range A B --num N]: f and its derivatives.

EXPR is an expression in x of numbers, + - * / ** %, and the functions dual arrays
support, by name (sin, exp, erf when scipy is installed, arctan2, sum, ...), e.g.
"tanh(x)**3 + erf(x)". Points may be complex (--at 1+2j): then the derivatives are the
complex derivatives of a holomorphic f (for any other f, along the real axis). Each
point is evaluated on its own."""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

import hyperdiff as hd
from hyperdiff import _core

DEFAULT = "sin(x) * exp(-x**2) + log1p(x**2) / (1 + x)"

# numpy functions of one point that an expression may also call (beside the ufuncs)
_FUNCTIONS = ("abs", "sum", "prod", "mean", "cumsum", "cumprod", "clip", "where", "sinc")
_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.UAdd, ast.USub)
_CONSTANTS = {"pi": np.pi, "e": np.e, "inf": np.inf}


def _functions() -> dict[str, Callable[..., Any]]:
    """The functions an expression may call, by their short names."""
    found: dict[str, Callable[..., Any]] = {}
    for full in hd.supported_ufuncs():
        module_name, _, name = full.rpartition(".")
        module = sys.modules.get(module_name)
        if module is not None:
            found.setdefault(name, getattr(module, name))
    found.update({name: getattr(np, name) for name in _FUNCTIONS})
    return found


def compile_expression(text: str, functions: dict[str, Callable[..., Any]]) -> Any:
    """The expression as code, or ValueError: only numbers, x, the constants, the
    arithmetic operators and calls of the allowed functions by name (no attributes,
    no other names, no keywords), so nothing else of Python or numpy is reachable."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"not an expression: {error.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Load, *_OPERATORS)):
            continue
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex):
            continue
        if isinstance(node, ast.Name) and (node.id == "x" or node.id in _CONSTANTS):
            continue
        if isinstance(node, ast.Call) and not node.keywords:
            if isinstance(node.func, ast.Name) and node.func.id in functions:
                continue
            name = ast.unparse(node.func)
            raise ValueError(f"{name} is not a function hyperdiff differentiates")
        if isinstance(node, ast.Name) and isinstance(getattr(node, "ctx", None), ast.Load):
            if node.id in functions:
                continue  # the function of a call (checked above)
            raise ValueError(f"unknown name {node.id!r}: the variable is x")
        raise ValueError(f"{ast.unparse(node)!r} is not allowed in an expression")
    return compile(tree, "<expression>", "eval")


def _row(y: Any, order: int) -> tuple[Any, ...]:
    """f and its derivatives at one point from f's value on a seeded hyper-dual."""
    if isinstance(y, hd.HyperDual) and y.size == 1:  # cumsum(x) of a point has shape (1,)
        y = y.reshape(())
        return (y.value, y.e1, y.e12)[: order + 1]
    if np.ndim(y) == 0 and np.isscalar(y):  # a constant
        return (y, *(0.0,) * order)
    raise ValueError(f"it must give one number at each point, not {type(y).__name__} "
                     f"of shape {np.shape(y)}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hyperdiff", description=__doc__)
    parser.add_argument("expr", nargs="?", default=DEFAULT, help="expression in x")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--at", type=complex, nargs="+", metavar="X", help="points")
    where.add_argument("--range", type=float, nargs=2, metavar=("A", "B"), help="from A to B")
    parser.add_argument("--num", type=int, default=5, help="points of --range (5)")
    parser.add_argument("--order", type=int, choices=(1, 2), default=2, help="derivatives")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    args = parser.parse_args(argv)

    def fail(message: str) -> int:
        print(f"python -m hyperdiff: {message}", file=sys.stderr)
        return 1

    functions = _functions()
    try:
        code = compile_expression(args.expr, functions)
    except ValueError as error:
        return fail(f"{args.expr}: {error}")
    if args.range is not None:
        if args.num < 1:
            return fail("--num must be at least 1")
        points: list[complex] = list(np.linspace(*args.range, args.num))
    else:
        points = args.at if args.at is not None else [0.5, 1.0, 2.0]

    namespace = {**functions, **_CONSTANTS}
    rows = []
    for point in points:
        xi = point if complex(point).imag else complex(point).real  # real unless complex
        try:
            with np.errstate(all="ignore"):
                y = eval(code, {"__builtins__": {}}, {**namespace, "x": hd.hyperdual(xi, 1, 1)})
            rows.append((xi, *_row(y, args.order)))
        except (TypeError, ValueError, ArithmeticError, IndexError) as error:
            return fail(f"{args.expr} at x = {xi}: {error}")

    names = ["x", "f(x)", "f1(x)", "f2(x)"][: args.order + 2]
    if args.format == "json":

        def number(v: Any) -> Any:
            v = complex(v)
            return v.real if v.imag == 0 else {"re": v.real, "im": v.imag}

        print(json.dumps([dict(zip(names, map(number, r), strict=True)) for r in rows]))
    elif args.format == "csv":
        print(",".join(names))
        for r in rows:
            print(",".join(repr(complex(v)) if complex(v).imag else repr(float(np.real(v)))
                           for v in r))  # fmt: skip
    else:
        print(f"f(x) = {args.expr}    [kernels: {_core.isa()}]")
        print(f"{'x':>10}" + "".join(f" {n:>24}" for n in names[1:]))
        for r in rows:
            print(f"{r[0]:>10.6g}" + "".join(f" {v:>24.17g}" for v in r[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
