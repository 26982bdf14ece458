"""Throughput of hyperdiff's elementwise kernels against numpy's real functions.

For every function of the C++ core's table and each dual kind, times `f(duals, out=...)`
against numpy's (or scipy.special's) `f(values, out=...)` on the value arrays, in the
same process: the calls alternate round after round and each time is the median of its
rounds, so a slow moment of a shared machine hits both sides alike. The ratio is
hyperdiff / numpy. The "alloc" columns time the same calls without out=.

    python bench/run.py                          # N = 1e6 and 1e7, every function
    python bench/run.py --quick                  # smoke run at N = 1e5
    python bench/run.py --functions sin exp add --kinds HyperDual --sizes 1e7
    python bench/run.py --overhead --out bench/results.md
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib
import math
import platform
import random
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

import hyperdiff as hd
from hyperdiff import _core, _ufuncs

Array = npt.NDArray[np.float64]
Interval = tuple[float, float]
Call = Callable[[], object]

DEFAULT_SIZES = (10**6, 10**7)
QUICK_SIZE = 10**5
QUICK_ROUNDS = 3
DEFAULT_SEED = 20240601

# Inputs are uniform on an interval inside the function's domain, away from its
# singularities: one interval per operand, or one shared by both operands.
DEFAULT_DOMAIN: Interval = (-3.0, 3.0)
POSITIVE: Interval = (0.1, 10.0)
DIVISOR: Interval = (0.5, 5.0)
DOMAINS: dict[str, tuple[Interval, ...]] = {
    "sqrt": (POSITIVE,),
    "cbrt": (POSITIVE,),
    "reciprocal": (POSITIVE,),
    "log": (POSITIVE,),
    "log2": (POSITIVE,),
    "log10": (POSITIVE,),
    "log1p": ((-0.5, 10.0),),
    "tan": ((-1.4, 1.4),),
    "arcsin": ((-0.9, 0.9),),
    "arccos": ((-0.9, 0.9),),
    "arctanh": ((-0.9, 0.9),),
    "arccosh": ((1.5, 10.0),),
    "logit": ((0.05, 0.95),),
    "gammaln": ((0.5, 20.0),),
    "divide": (DEFAULT_DOMAIN, DIVISOR),
    "power": ((0.5, 2.0), (-2.0, 2.0)),
    "fmod": ((-10.0, 10.0), DIVISOR),
    "remainder": ((-10.0, 10.0), DIVISOR),
    "floor_divide": ((-10.0, 10.0), DIVISOR),
}

# Seeds of the derivative parts: x = value + 1*eps (Dual), value + eps1 + eps2 (HyperDual).
KINDS: dict[str, Callable[[Array], hd.DualArray]] = {
    "Dual": lambda value: hd.dual(value, 1.0),
    "HyperDual": lambda value: hd.hyperdual(value, 1.0, 1.0),
}


@dataclasses.dataclass(frozen=True)
class Case:
    """One function of the core's table and the numpy/scipy ufunc it stands for."""

    name: str
    module: str
    ufunc: np.ufunc
    arity: int

    @property
    def domains(self) -> tuple[Interval, ...]:
        intervals = DOMAINS.get(self.name, (DEFAULT_DOMAIN,))
        return intervals if len(intervals) == self.arity else intervals * self.arity

    def operands(self, n: int, seed: int) -> list[Array]:
        """The value arrays, the same for a given seed whatever subset is run."""
        rng = np.random.default_rng([seed, zlib.crc32(self.name.encode())])
        return [rng.uniform(low, high, n) for low, high in self.domains]


@dataclasses.dataclass(frozen=True)
class Row:
    function: str
    kind: str
    n: int
    numpy: float
    hyperdiff: float
    numpy_alloc: float | None
    hyperdiff_alloc: float | None

    @property
    def ratio(self) -> float:
        return self.hyperdiff / self.numpy

    @property
    def alloc_ratio(self) -> float | None:
        if self.numpy_alloc is None or self.hyperdiff_alloc is None:
            return None
        return self.hyperdiff_alloc / self.numpy_alloc


@dataclasses.dataclass(frozen=True)
class Target:
    function: str
    kind: str
    limit: float


# The targets, at N = 1e7 on one thread.
TARGET_N = 10**7
TARGETS = (
    Target("sin", "HyperDual", 0.35),
    Target("exp", "HyperDual", 4.0),
    Target("log", "HyperDual", 4.0),
    Target("add", "HyperDual", 4.5),
    Target("multiply", "HyperDual", 4.5),
    Target("divide", "HyperDual", 4.5),
)


def table_cases() -> list[Case]:
    """The core's unary and binary tables, in table order; scipy's only if it imports."""
    cases = []
    for arity, table, dispatch in (
        (1, _core.UNARY_FUNCTIONS, _ufuncs.UNARY),
        (2, _core.BINARY_FUNCTIONS, _ufuncs.BINARY),
    ):
        for name, module_name, _ in table:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            ufunc = getattr(module, name)
            if ufunc in _ufuncs.VALUE_ONLY or ufunc not in dispatch:
                continue
            cases.append(Case(name, module_name, ufunc, arity))
    return cases


def untimed_aliases(cases: Sequence[Case]) -> list[str]:
    """Supported ufuncs that are not timed: aliases sharing a table entry's kernel."""
    timed = {f"{case.module}.{case.name}" for case in cases}
    value_only = {_ufuncs.ufunc_name(u) for u in _ufuncs.VALUE_ONLY}
    return [name for name in hd.supported_ufuncs() if name not in timed | value_only]


def interleaved(calls: Sequence[Call], rounds: int, number: int = 1) -> list[float]:
    """Median seconds per call of each callable (interleaved_samples' medians)."""
    return [statistics.median(times) for times in interleaved_samples(calls, rounds, number)]


def paired_ratio(samples: Sequence[Sequence[float]], a: int, b: int) -> float:
    """The median over rounds of samples[a] / samples[b] within each round: the
    ratio of two callables timed minutes apart on a machine whose speed drifts."""
    return statistics.median(x / y for x, y in zip(samples[a], samples[b], strict=True))


def interleaved_samples(
    calls: Sequence[Call],
    rounds: int,
    number: int = 1,
    timer: Callable[[], float] = time.perf_counter,
    min_sample: float = 0.0,
) -> list[list[float]]:
    """Seconds per call of each callable in each round; the callables alternate in
    every round, in an order shuffled afresh each round (seeded), so none always runs
    after the same one: what ran just before decides what is still in cache.

    Each callable runs once beforehand (warm-up: code paths, page faults of out=).
    timer: time.process_time on a loaded machine (this process's CPU time).
    min_sample: seconds. A callable whose call takes less (timed once after the
    warm-up) is timed warm: each of its samples follows one untimed call of it and
    repeats it (at least `number` times) until the sample lasts about min_sample. The
    first call after other work runs with cold caches and predictors: on this machine
    a 5x5 numpy product chain took ~100 us right after a 5 ms sleep or a torch call,
    against 4 us warm, a fixed cost on every side that pulls small ratios toward 1.
    """
    numbers: list[int] = []
    warm: list[bool] = []
    for call in calls:
        call()
        if min_sample > 0.0:
            start = timer()
            call()
            seconds = timer() - start
        else:
            seconds = math.inf
        warm.append(seconds < min_sample)
        repeats = math.ceil(min_sample / max(seconds, 1e-7)) if warm[-1] else 1
        numbers.append(max(number, repeats))
    samples: list[list[float]] = [[] for _ in calls]
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        order = list(range(len(calls)))
        shuffle = random.Random(len(calls)).shuffle
        for _ in range(rounds):
            shuffle(order)
            for k in order:
                call, times, count = calls[k], samples[k], numbers[k]
                if warm[k]:
                    call()
                start = timer()
                for _ in range(count):
                    call()
                times.append((timer() - start) / count)
    finally:
        if gc_was_enabled:
            gc.enable()
    return samples


def default_rounds(n: int) -> int:
    """Interleaved rounds: 7 at 1e7 and more for smaller (faster, noisier) arrays."""
    if n >= 10**7:
        return 7
    if n >= 10**6:
        return 15
    return 31


def measure(
    case: Case, n: int, kinds: Sequence[str], rounds: int, seed: int, alloc: bool
) -> list[Row]:
    """Rows of one function at one size; numpy's timings are shared by the kinds."""
    values = case.operands(n, seed)
    f = case.ufunc
    numpy_out = f(*values)
    # keyed by (side, "out" | "alloc"); side is "numpy" or a kind
    calls: dict[tuple[str, str], Call] = {("numpy", "out"): lambda: f(*values, out=numpy_out)}
    if alloc:
        calls["numpy", "alloc"] = lambda: f(*values)
    for kind in kinds:
        duals = [KINDS[kind](v) for v in values]
        dual_out = f(*duals)
        calls[kind, "out"] = lambda duals=duals, dual_out=dual_out: f(*duals, out=dual_out)
        if alloc:
            # the planes read, so a recorded operation (fusion) is timed computed
            calls[kind, "alloc"] = lambda duals=duals: f(*duals)._stack
    times = dict(zip(calls, interleaved(list(calls.values()), rounds), strict=True))
    return [
        Row(
            function=case.name,
            kind=kind,
            n=n,
            numpy=times["numpy", "out"],
            hyperdiff=times[kind, "out"],
            numpy_alloc=times.get(("numpy", "alloc")),
            hyperdiff_alloc=times.get((kind, "alloc")),
        )
        for kind in kinds
    ]


def overhead(rounds: int, number: int) -> list[tuple[str, float]]:
    """Seconds per call on one element: the Python-side dispatch cost."""
    value = np.array([0.5])
    value_out = np.empty(1)
    x = hd.hyperdual(value, 1.0, 1.0)
    x_out = np.sin(x)
    index, kind = _ufuncs.UNARY[np.sin], type(x)._kind
    calls: dict[str, Call] = {
        "np.sin(ndarray[1])": lambda: np.sin(value),
        "np.sin(ndarray[1], out=)": lambda: np.sin(value, out=value_out),
        "np.sin(HyperDual[1])": lambda: np.sin(x),
        "np.sin(HyperDual[1], out=)": lambda: np.sin(x, out=x_out),
        "_core.unary(sin, HyperDual, x._stack, out._stack)": lambda: _core.unary(
            index, kind, x._stack, x_out._stack
        ),
        "np.add(HyperDual[1], HyperDual[1], out=)": lambda: np.add(x, x, out=x_out),
    }
    return list(zip(calls, interleaved(list(calls.values()), rounds, number), strict=True))


# --- report ---------------------------------------------------------------------


def format_size(n: int) -> str:
    exponent = round(math.log10(n)) if n > 0 else 0
    return f"1e{exponent}" if 10**exponent == n else str(n)


def format_ms(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds * 1e3:.3f}"


def format_ratio(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio:.2f}x"


def markdown(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int) -> str:
    """A markdown table, padded to line up; columns from numeric_from on right-aligned."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.rjust(width) if i >= numeric_from else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if i >= numeric_from else "-" * (w + 2)
            for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def results_table(rows: Sequence[Row], alloc: bool) -> str:
    headers = ["function", "kind", "N", "numpy ms", "hyperdiff ms", "ratio"]
    if alloc:
        headers += ["numpy ms (alloc)", "hyperdiff ms (alloc)", "ratio (alloc)"]
    cells = []
    for r in rows:
        line = [
            r.function,
            r.kind,
            format_size(r.n),
            format_ms(r.numpy),
            format_ms(r.hyperdiff),
            format_ratio(r.ratio),
        ]
        if alloc:
            line += [
                format_ms(r.numpy_alloc),
                format_ms(r.hyperdiff_alloc),
                format_ratio(r.alloc_ratio),
            ]
        cells.append(line)
    return markdown(headers, cells, numeric_from=2)


def summary_table(rows: Sequence[Row]) -> str:
    """Geometric mean and range of the out= ratios, per kind and size."""
    groups: dict[tuple[str, int], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.kind, r.n), []).append(r)
    cells = []
    for (kind, n), group in groups.items():
        ratios = [r.ratio for r in group]
        best = min(group, key=lambda r: r.ratio)
        worst = max(group, key=lambda r: r.ratio)
        cells.append(
            [
                kind,
                format_size(n),
                str(len(group)),
                format_ratio(statistics.geometric_mean(ratios)),
                f"{format_ratio(best.ratio)} ({best.function})",
                f"{format_ratio(worst.ratio)} ({worst.function})",
            ]
        )
    return markdown(
        ["kind", "N", "functions", "geomean ratio", "lowest", "highest"], cells, numeric_from=2
    )


def targets_report(rows: Sequence[Row], threads: int) -> str:
    found = {(r.function, r.kind, r.n): r for r in rows}
    lines = [f"Targets (N = {format_size(TARGET_N)}, one thread, out= ratio):"]
    if threads != 1:
        lines.append(f"  note: measured with {threads} hyperdiff threads, not one")
    for t in TARGETS:
        label = f"{t.kind} {t.function}"
        row = found.get((t.function, t.kind, TARGET_N))
        if row is None:
            lines.append(f"  ----  {label:<20} not measured in this run")
            continue
        verdict = "PASS" if row.ratio <= t.limit else "MISS"
        lines.append(f"  {verdict}  {label:<20} {row.ratio:6.3f}x  (target <= {t.limit}x)")
    return "\n".join(lines)


def overhead_report(timings: Sequence[tuple[str, float]]) -> str:
    reference = timings[0][1]
    cells = [
        [name, f"{seconds * 1e9:.0f}", format_ratio(seconds / reference)]
        for name, seconds in timings
    ]
    return markdown(
        ["call (1 element)", "ns per call", f"vs {timings[0][0]}"], cells, numeric_from=1
    )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def header(args: argparse.Namespace, cases: Sequence[Case]) -> str:
    try:
        import scipy

        scipy_version = scipy.__version__
    except ImportError:
        scipy_version = "not installed (its functions skipped)"
    rounds = (
        f"{args.rounds}"
        if args.rounds
        else ", ".join(f"{default_rounds(n)} at {format_size(n)}" for n in args.sizes)
    )
    aliases = untimed_aliases(cases)
    lines = [
        "# hyperdiff elementwise benchmark",
        "",
        f"- kernels: {_core.isa()}; hyperdiff threads: {hd.get_num_threads()}"
        " (numpy's ufuncs run on one)",
        f"- cpu: {cpu_model()}, {platform.python_implementation()} {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy_version}, hyperdiff {hd.__version__}",
        f"- float64, seed {args.seed}; interleaved rounds: {rounds}; times are medians",
        "- ratio = hyperdiff / numpy, both with a preallocated out=; "
        "(alloc) = the same calls without out=",
        "- binary functions: both operands of the kind, against numpy on the two value arrays",
    ]
    if aliases:
        lines.append(f"- not timed, aliases of a timed kernel: {', '.join(aliases)}")
    return "\n".join(lines)


# --- command line ---------------------------------------------------------------


def parse_size(text: str) -> int:
    try:
        size = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None
    if size < 1 or size != int(size):
        raise argparse.ArgumentTypeError(f"not a positive whole size: {text!r}")
    return int(size)


def parse_args(argv: Sequence[str] | None, cases: Sequence[Case]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    names = [case.name for case in cases]
    parser.add_argument(
        "--sizes", type=parse_size, nargs="+", metavar="N", help="array sizes (default: 1e6 1e7)"
    )
    parser.add_argument(
        "--functions",
        nargs="+",
        metavar="NAME",
        choices=names,
        help="subset of the table by name (default: all)",
    )
    parser.add_argument("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS))
    parser.add_argument("--threads", type=int, default=1, help="hyperdiff threads (default 1)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: N = {format_size(QUICK_SIZE)}, {QUICK_ROUNDS} rounds",
    )
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default: by size)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--no-alloc", dest="alloc", action="store_false", help="skip the columns without out="
    )
    parser.add_argument(
        "--overhead",
        action="store_true",
        help="also time the per-call overhead on 1-element arrays",
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="also write the report here")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    if args.quick:
        args.sizes = [QUICK_SIZE]
        args.rounds = args.rounds or QUICK_ROUNDS
    args.sizes = args.sizes or list(DEFAULT_SIZES)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    all_cases = table_cases()
    args = parse_args(argv, all_cases)
    hd.set_num_threads(args.threads)
    chosen = set(args.functions or [case.name for case in all_cases])
    cases = [case for case in all_cases if case.name in chosen]

    report = [header(args, all_cases)]
    print(report[0], flush=True)
    rows: list[Row] = []
    start = time.perf_counter()
    for n in args.sizes:
        rounds = args.rounds or default_rounds(n)
        for case in cases:
            found = measure(case, n, args.kinds, rounds, args.seed, args.alloc)
            rows += found
            ratios = ", ".join(f"{r.kind} {r.ratio:.2f}x" for r in found)
            print(
                f"  [{time.perf_counter() - start:6.1f} s] {case.name} N={format_size(n)}: "
                f"{ratios}",
                file=sys.stderr,
                flush=True,
            )

    sections: list[str] = []
    if rows:
        sections += [
            "## Ratios to numpy\n\n" + results_table(rows, args.alloc),
            "## Summary (out= ratios)\n\n" + summary_table(rows),
            "## Targets\n\n```\n" + targets_report(rows, args.threads) + "\n```",
        ]
    if args.overhead:
        timings = overhead(rounds=15, number=20_000)
        sections.append("## Per-call overhead\n\n" + overhead_report(timings))
    for section in sections:
        print("\n" + section, flush=True)
    report += sections
    if args.out:
        args.out.write_text("\n\n".join(report) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
