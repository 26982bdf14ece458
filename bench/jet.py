"""Throughput of the Jet kernels (run-time layout) against numpy's real functions.

Times `_core.jet_unary(sin)` and `_core.jet_binary(multiply)` into a preallocated
output against `np.sin(values, out=...)` and `np.multiply(values, values, out=...)`
on the value plane alone, interleaved round by round, medians (bench/run.py's
`interleaved`). The ratio is jet / numpy; HyperDual's fixed kernel and Jet with
HyperDual's layout (P=2, Q=1) are listed for comparison, and a numpy pass over
the same bytes (copy for sin, add of the whole arrays for multiply) as the
memory-bound floor.

    python bench/jet.py                  # N = 1e6, one thread
    python bench/jet.py --sizes 1e7 --threads 2

`--kinds` compares instead the Jet kernels with the fixed kinds' kernels on the
same bytes: Jet with one first-order part (DualVec(1), 2 planes) against Dual,
and DualVec(2) (3 planes) and HyperDual's layout (P=2, Q=1, 4 planes) against
HyperDual, for negative, add, multiply and divide, in ns per element; a ratio
is the Jet time over the fixed kind's in the same rounds (paired medians).

    python bench/jet.py --kinds --sizes 1e5 1e6 4e6
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

import numpy as np

from hyperdiff import _core

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Call, interleaved, interleaved_samples, paired_ratio

UNARY = {name: i for i, (name, *_) in enumerate(_core.UNARY_FUNCTIONS)}
BINARY = {name: i for i, (name, *_) in enumerate(_core.BINARY_FUNCTIONS)}
HYPERDUAL = [name for name, _ in _core.KINDS].index("HyperDual")
DUAL = [name for name, _ in _core.KINDS].index("Dual")


def symmetric_pairs(k: int) -> np.ndarray:
    return np.array([(i, j) for i in range(k) for j in range(i, k)], dtype=np.int64).reshape(-1, 2)


LAYOUTS = {
    "DualVec(8)      P=8  Q=0 ": (8, np.zeros((0, 2), dtype=np.int64)),
    "Symmetric(4)    P=4  Q=10": (4, symmetric_pairs(4)),
    "HyperDual-like  P=2  Q=1 ": (2, np.array([[0, 1]], dtype=np.int64)),
}


def calls(
    op: str, first: int | None, pairs: np.ndarray | None, n: int
) -> tuple[Call, Call, Call, int]:
    """The kernel call, numpy's call on the value planes, a copy of the kernel's
    bytes (the memory floor: read its inputs, write its output) and the plane count."""
    rng = np.random.default_rng(20240601)
    planes = 4 if first is None else 1 + first + len(pairs)
    x = rng.standard_normal((planes, n))
    y = rng.standard_normal((planes, n))
    out, real_out = np.empty_like(x), np.empty(n)
    values, other = x[0].copy(), y[0].copy()
    if op == "sin":
        if first is None:
            kernel = partial(_core.unary, UNARY["sin"], HYPERDUAL, x, out)
        else:
            kernel = partial(_core.jet_unary, UNARY["sin"], _core.JetLayout(first, pairs), x, out)
        return kernel, partial(np.sin, values, out=real_out), partial(np.copyto, out, x), planes
    index = BINARY["multiply"]
    if first is None:
        kernel = partial(_core.binary, index, HYPERDUAL, x, True, y, True, out)
    else:
        kernel = partial(
            _core.jet_binary, index, _core.JetLayout(first, pairs), x, True, y, True, out
        )
    copy = partial(np.add, x, y, out=out)  # two planes read, one written, per plane
    return kernel, partial(np.multiply, values, other, out=real_out), copy, planes


def kind_calls(op: str, n: int) -> dict[str, Call]:
    """Dual, DualVec(1), HyperDual, DualVec(2) and Jet(HyperDual's layout) kernels of
    `op` on n elements, each on its own operands (no two share memory)."""
    rng = np.random.default_rng(20240601)
    no_pairs = np.zeros((0, 2), dtype=np.int64)
    kinds = {
        "Dual": (2, DUAL),
        "DualVec(1)": (2, _core.JetLayout(1, no_pairs)),
        "HyperDual": (4, HYPERDUAL),
        "DualVec(2)": (3, _core.JetLayout(2, no_pairs)),
        "Jet P=2 Q=1": (4, _core.JetLayout(2, np.array([[0, 1]], dtype=np.int64))),
    }
    result: dict[str, Call] = {}
    for name, (planes, kind) in kinds.items():
        x = rng.standard_normal((planes, n))
        y = rng.standard_normal((planes, n)) + 3.0
        out = np.empty_like(x)
        jet = not isinstance(kind, int)
        if op == "negative":
            unary = _core.jet_unary if jet else _core.unary
            result[name] = partial(unary, UNARY[op], kind, x, out)
        else:
            binary = _core.jet_binary if jet else _core.binary
            result[name] = partial(binary, BINARY[op], kind, x, True, y, True, out)
    return result


def compare_kinds(sizes: list[int], rounds: int) -> None:
    pairs = [("DualVec(1)", "Dual"), ("DualVec(2)", "HyperDual"), ("Jet P=2 Q=1", "HyperDual")]
    header = "".join(f"{name:>12}" for name in kind_calls("negative", 1))
    ratios = "".join(f"{a + '/' + b:>23}" for a, b in pairs)
    print(f"{'op':9} {'N':>8} {header}   ns/element | {ratios}")
    for n in sizes:
        for op in ("negative", "add", "multiply", "divide"):
            calls = kind_calls(op, n)
            names = list(calls)
            samples = interleaved_samples(list(calls.values()), rounds)
            times = "".join(f"{np.median(s) / n * 1e9:12.2f}" for s in samples)
            ratio = "".join(
                f"{paired_ratio(samples, names.index(a), names.index(b)):23.2f}" for a, b in pairs
            )
            print(f"{op:9} {n:8.0e} {times}                | {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--kinds", action="store_true", help="Jet against the fixed kinds on the same bytes"
    )
    args = parser.parse_args()
    _core.set_num_threads(args.threads)
    print(f"isa {_core.isa()}, threads {args.threads}, rounds {args.rounds}")
    if args.kinds:
        compare_kinds([int(s) for s in args.sizes], args.rounds)
        return
    print(
        f"{'case':44} {'N':>8} {'planes':>6} {'jet ms':>8} {'numpy ms':>9} {'ratio':>6}"
        f" {'floor ms':>9} {'/floor':>7}"
    )
    cases = [(f"Jet {label}", first, pairs) for label, (first, pairs) in LAYOUTS.items()]
    cases.append(("HyperDual (fixed kernel)", None, None))
    for n in (int(s) for s in args.sizes):
        for op in ("sin", "multiply"):
            for label, first, pairs in cases:
                kernel, baseline, floor, planes = calls(op, first, pairs, n)
                t_kernel, t_numpy, t_floor = interleaved([kernel, baseline, floor], args.rounds)
                print(
                    f"{op + ' ' + label:44} {n:8.0e} {planes:6d} {t_kernel * 1e3:8.3f} "
                    f"{t_numpy * 1e3:9.3f} {t_kernel / t_numpy:6.2f} {t_floor * 1e3:9.3f} "
                    f"{t_kernel / t_floor:7.2f}"
                )


if __name__ == "__main__":
    main()
