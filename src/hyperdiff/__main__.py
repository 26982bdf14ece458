"""python -m hyperdiff [EXPR] [--at X ... | --range A B --num N] [--plot F]: f, f', f''.

EXPR is an expression in x of numbers, + - * / ** %, and the functions dual arrays
support, by name (sin, exp, erf when scipy is installed, arctan2, sum, ...), e.g.
"tanh(x)**3 + erf(x)". Points may be complex (--at 1+2j): then the derivatives are the
complex derivatives of a holomorphic f (for any other f, along the real axis). Each
point is evaluated on its own. --plot draws f, f' and f'' (matplotlib: the [plot]
extra); long runs show a progress bar on a terminal (tqdm: the [progress] extra)."""

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


# --plot: the image's size in inches at PLOT_DPI (800 x 500 pixels)
PLOT_SIZE = (8.0, 5.0)
PLOT_DPI = 100
# the progress bar appears only after this many seconds (tqdm's delay): long runs only
PROGRESS_DELAY = 1.0


def _progress(points: list[complex]) -> Any:
    """points, through a tqdm progress bar on stderr when the output is a terminal and
    tqdm is installed (the [progress] extra); else the points themselves, silently."""
    if not (sys.stdout.isatty() and sys.stderr.isatty()):
        return points
    try:
        from tqdm import tqdm
    except ImportError:
        return points
    return tqdm(points, delay=PROGRESS_DELAY, unit="pt", leave=False, file=sys.stderr)


def _plot(path: str, expr: str, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """f and its derivatives against x, saved to path (format from its suffix)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ValueError("--plot needs matplotlib: pip install 'hyperdiff[plot]'") from None
    table = np.array(rows, dtype=complex).reshape(len(rows), len(names))
    if np.any(table.imag != 0):
        raise ValueError("--plot draws real functions of real points (a value here is complex)")
    table = table.real
    figure = Figure(figsize=PLOT_SIZE, dpi=PLOT_DPI)  # no pyplot: no GUI backend, no state
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = ["f(x)", "f'(x)", "f''(x)"]
    style = "-" if len(rows) > 1 else "o"
    for column in range(1, len(names)):
        axes.plot(table[:, 0], table[:, column], style, label=labels[column - 1])
    axes.set_xlabel("x")
    axes.set_title(expr)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.savefig(path, dpi=PLOT_DPI)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hyperdiff", description=__doc__)
    parser.add_argument("expr", nargs="?", default=DEFAULT, help="expression in x")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--at", type=complex, nargs="+", metavar="X", help="points")
    where.add_argument("--range", type=float, nargs=2, metavar=("A", "B"), help="from A to B")
    parser.add_argument("--num", type=int, default=5, help="points of --range (5)")
    parser.add_argument("--order", type=int, choices=(1, 2), default=2, help="derivatives")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--plot", metavar="OUT.png", help="also draw f, f', f'' into a file")
    args = parser.parse_args(argv)

    def fail(message: str) -> int:
        print(f"python -m hyperdiff: {message}", file=sys.stderr)
        return 1

    try:
        return _run(args)
    except _Failure as failure:
        return fail(str(failure))
    except BrokenPipeError:  # e.g. piped into head: the reader is gone, nothing to say
        sys.stderr.close()
        return 1
    except KeyboardInterrupt:
        return fail("interrupted")
    except Exception as error:  # anything else: still one line, never a traceback
        return fail(f"{type(error).__name__}: {error}")


class _Failure(Exception):
    """A one-line error for the user (printed after the program's name)."""


def _run(args: argparse.Namespace) -> int:
    functions = _functions()
    shown = args.expr if len(args.expr) <= 80 else f"{args.expr[:77]}..."  # in messages
    try:
        code = compile_expression(args.expr, functions)
    except (ValueError, RecursionError, MemoryError) as error:
        message = str(error) if isinstance(error, ValueError) else "the expression is too deep"
        raise _Failure(f"{shown}: {message}") from None
    if args.range is not None:
        if not all(np.isfinite(args.range)):
            raise _Failure("--range needs finite A and B")
        if args.num < 1:
            raise _Failure("--num must be at least 1")
        start, stop = args.range
        points: list[complex] = np.linspace(start, stop, args.num).tolist()
    else:
        points = args.at if args.at is not None else [0.5, 1.0, 2.0]

    namespace = {**functions, **_CONSTANTS}
    rows = []
    for point in _progress(points):
        xi = point if complex(point).imag else complex(point).real  # real unless complex
        try:
            with np.errstate(all="ignore"):
                y = eval(code, {"__builtins__": {}}, {**namespace, "x": hd.hyperdual(xi, 1, 1)})
            rows.append((xi, *_row(y, args.order)))
        except Exception as error:  # any failure of the user's expression, in one line
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise _Failure(f"{shown} at x = {xi}: {message}") from None

    names = ["x", "f(x)", "f1(x)", "f2(x)"][: args.order + 2]
    if args.plot is not None:
        try:
            _plot(args.plot, args.expr, names, rows)
        except (ValueError, OSError) as error:
            raise _Failure(f"--plot {args.plot}: {error}") from None
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
