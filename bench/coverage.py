"""Coverage table: every public numpy, numpy.linalg, numpy.fft and scipy.special function
tried on small dual arrays, classified as

- supported: some call returns dual numbers (a dual array, or a tuple, list or object
  array holding them): the result carries derivative parts; or it returns None and has
  written into a dual argument (np.put, np.copyto, ...);
- value-only: a call returns plain values without error (shapes, indices, comparisons);
- raises: every call raises (the note gives hyperdiff's message where one is among them).

A function is tried with a few argument lists in turn, built from x (a 1-D Dual of
values in (0, 1), inside most special functions' domains), M (a 2x2 Dual matrix), plain
constants and small integers; a ufunc with n inputs gets x at each position with
constants elsewhere, then x everywhere. Classes (np.ndarray, dtypes, np.vectorize, ...)
are not functions of arrays and are left out, as are functions with side effects outside
Python (file I/O, printing, configuration); the skipped names are listed in the output.
"supported" says a call runs and carries parts, not that every argument's derivative is
taken or right: the tests check that, function by function.

    python bench/coverage.py                       # prints the counts
    python bench/coverage.py --out bench/coverage.md --readme README.md
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import re
import signal
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import hyperdiff as hd

MODULES = ("numpy", "numpy.linalg", "numpy.fft", "scipy.special")
STATUSES = ("supported", "value-only", "raises")

# Side effects outside Python, or no array function at all.
SKIP = frozenset(
    {
        "save",
        "savez",
        "savez_compressed",
        "savetxt",
        "load",
        "loadtxt",
        "genfromtxt",
        "fromfile",
        "fromregex",
        "tofile",
        "memmap",
        "info",
        "show_config",
        "show_runtime",
        "test",
        "get_include",
        "set_printoptions",
        "printoptions",
        "seterr",
        "seterrcall",
        "setbufsize",
        "set_string_function",
        "geterr",
        "geterrcall",
        "getbufsize",
        "get_printoptions",
        "errstate",
        "typename",
        "add_newdoc",
        "add_docstring",
        "add_newdoc_ufunc",
        "deprecate",
        "deprecate_with_doc",
        "who",
        "lookfor",
        "source",
        "disp",
        "byte_bounds",
        "safe_eval",
        "from_dlpack",
        "frompyfunc",
        "nested_iters",
        "asmatrix",
        "bmat",
        "mat",
        "geterrobj",
        "seterrobj",
        "errprint",
    }
)


def _callables(module_name: str) -> tuple[dict[str, Any], list[str]]:
    """Public functions and ufuncs of a module (no classes), and the names skipped."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    found: dict[str, Any] = {}
    skipped = []
    for name in sorted(set(names)):
        obj = getattr(module, name, None)
        if obj is None or inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj):
            continue
        if name in SKIP or name.startswith("_"):
            skipped.append(name)
            continue
        if module_name == "numpy" and getattr(obj, "__module__", "") in (
            "numpy.linalg",
            "numpy.fft",
        ):
            continue  # counted in their own modules
        found[name] = obj
    return found, skipped


def _samples() -> dict[str, Any]:
    x = hd.dual(np.array([0.3, 0.6, 0.9]), np.array([1.0, 0.5, -0.25]))
    m = hd.dual(np.array([[2.0, 0.5], [0.3, 1.5]]), np.array([[1.0, 0.0], [0.5, 1.0]]))
    b = hd.dual(np.array([0.7, -0.2]), 1.0)
    return {"x": x, "M": m, "b": b}


def _argument_lists(obj: Any, s: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    x, m, b = s["x"], s["M"], s["b"]
    if isinstance(obj, np.ufunc):
        for pos in range(obj.nin):
            args: list[Any] = [0.5] * obj.nin
            args[pos] = x
            yield tuple(args)
        yield (x,) * obj.nin
        for pos in range(obj.nin):  # integer orders and counts (polygamma-like)
            args = [2] * obj.nin
            args[pos] = x
            yield tuple(args)
        return
    yield (x,)
    yield (m,)
    yield (x, x)
    yield (m, m)
    yield (m, b)
    yield (x, 0.5)
    yield (0.5, x)
    yield (x, 2)
    yield (2, x)
    yield (x, 0)
    yield (x, (1, 3))
    yield (x, [1])
    yield (0.5, 0.5, x)
    yield (x, x, x)
    yield (x, 1, 0)
    yield (m, 0, 1)
    yield (x, x, 1)  # a degree or count last (polyfit)
    yield (2, 1, x)  # degree and order first (assoc_legendre_p, sph_legendre_p)
    yield (2, 1, x, 0.5)  # (sph_harm_y)


def _has_dual(result: Any, depth: int = 0) -> bool:
    if isinstance(result, hd.DualArray):
        return True
    if depth > 2:
        return False
    if isinstance(result, (tuple, list)):
        return any(_has_dual(r, depth + 1) for r in result)
    if isinstance(result, np.ndarray) and result.dtype == object and result.size:
        return any(isinstance(r, hd.DualArray) for r in result.flat)
    if hasattr(result, "_asdict"):  # namedtuple results (svd, eigh, ...)
        return any(_has_dual(r, depth + 1) for r in result)
    return False


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise _Timeout

    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return f"{type(e).__name__}: {text}"[:140]


def _describe(args: tuple[Any, ...]) -> str:
    """An argument list as the docstring names the samples (x, M, b)."""

    def name(a: Any) -> str:
        if not isinstance(a, hd.DualArray):
            return repr(a)
        return "M" if a.ndim == 2 else "x" if a.size == 3 else "b"

    return ", ".join(name(a) for a in args)


def classify(obj: Callable[..., Any]) -> tuple[str, str]:
    """(status, note) of one function (fresh samples for every call: some functions,
    np.copyto, np.place, np.put, ..., write into their arguments)."""
    errors: list[str] = []
    value_only = None
    count = sum(1 for _ in _argument_lists(obj, _samples()))
    for k in range(count):
        args = list(_argument_lists(obj, _samples()))[k]
        before = [a._stack.copy() for a in args if isinstance(a, hd.DualArray)]
        try:
            with (
                warnings.catch_warnings(),
                np.errstate(all="ignore"),
                contextlib.redirect_stdout(io.StringIO()),
                _time_limit(5),
            ):
                warnings.simplefilter("ignore")
                result = obj(*args)
        except _Timeout:
            errors.append("timeout")
            continue
        except Exception as e:  # classifying, not handling
            errors.append(_first_line(e))
            continue
        if _has_dual(result):
            obj_array = isinstance(result, np.ndarray) and result.dtype == object
            return "supported", "object array of dual scalars" if obj_array else ""
        after = [a._stack for a in args if isinstance(a, hd.DualArray)]
        if result is None and any(
            not np.array_equal(a, b, equal_nan=True) for a, b in zip(after, before, strict=True)
        ):
            return "supported", "writes into its dual argument"
        if value_only is None:
            value_only = f"returns {type(result).__name__} for ({_describe(args)})"
    if value_only is not None:
        return "value-only", value_only
    ours = [e for e in errors if "hyperdiff" in e or "dual" in e]
    return "raises", (ours or errors or ["no call fits"])[0]


def run() -> tuple[dict[str, dict[str, tuple[str, str]]], dict[str, list[str]]]:
    table: dict[str, dict[str, tuple[str, str]]] = {}
    skipped: dict[str, list[str]] = {}
    for module_name in MODULES:
        try:
            functions, skipped[module_name] = _callables(module_name)
        except ImportError:
            continue
        rows = {name: classify(f) for name, f in functions.items()}
        if (
            module_name == "scipy.special"
        ):  # hyperdiff.special's mirrors of what scipy cannot dispatch
            for name in hd.special.__all__:
                if name in rows and rows[name][0] != "supported":
                    rows[name] = (
                        rows[name][0],
                        f"use hyperdiff.special.{name}; scipy's: {rows[name][1]}",
                    )
        table[module_name] = rows
    return table, skipped


def counts_markdown(table: dict[str, dict[str, tuple[str, str]]]) -> str:
    lines = [
        "| module | functions | supported | value-only | raises |",
        "|---|---:|---:|---:|---:|",
    ]
    for module_name, rows in table.items():
        c = {s: sum(1 for st, _ in rows.values() if st == s) for s in STATUSES}
        lines.append(
            f"| `{module_name}` | {len(rows)} | {c['supported']} | {c['value-only']} | "
            f"{c['raises']} |"
        )
    return "\n".join(lines)


def full_markdown(
    table: dict[str, dict[str, tuple[str, str]]], skipped: dict[str, list[str]]
) -> str:
    out = [
        "# Coverage of numpy and scipy.special on dual arrays",
        "",
        "Generated by `python bench/coverage.py --out bench/coverage.md --readme README.md`"
        f" (numpy {np.__version__}"
        + (f", scipy {_scipy_version()}" if _scipy_version() else "")
        + "); how each function is tried and classified: the script's docstring.",
        "",
        counts_markdown(table),
        "",
    ]
    for module_name, rows in table.items():
        out += [f"## {module_name}", "", "| function | status | note |", "|---|---|---|"]
        for name, (status, note) in rows.items():
            note = note.replace("|", "\\|")
            out.append(f"| `{name}` | {status} | {note} |")
        out += ["", f"Skipped: {', '.join(skipped.get(module_name, [])) or 'none'}.", ""]
    return "\n".join(out)


def _scipy_version() -> str | None:
    try:
        import scipy
    except ImportError:
        return None
    return str(scipy.__version__)


START, END = "<!-- coverage:start -->", "<!-- coverage:end -->"


def update_readme(path: str, table: dict[str, dict[str, tuple[str, str]]], link: str) -> None:
    """Replace the block between the coverage markers of the README."""
    with open(path) as f:
        text = f.read()
    block = f"{START}\n{counts_markdown(table)}\n\nFunction by function: [{link}]({link}).\n{END}"
    if START not in text:
        raise SystemExit(f"{path} has no {START} ... {END} block to fill")
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    with open(path, "w") as f:
        f.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="write the full table (markdown) here")
    parser.add_argument("--readme", help="fill the README's coverage block with the counts")
    args = parser.parse_args()
    table, skipped = run()
    print(counts_markdown(table))
    if args.out:
        with open(args.out, "w") as f:
            f.write(full_markdown(table, skipped))
    if args.readme:
        update_readme(args.readme, table, args.out or "bench/coverage.md")


if __name__ == "__main__":
    main()
