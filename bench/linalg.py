"""Linear algebra on dual matrices against numpy's real operation, in one process.

For each operation and kind, times it on dual n x n matrices (every part seeded)
and numpy's same function on the value matrices; the calls alternate round after
round and each time is the median of its rounds. The ratio is hyperdiff / numpy.
Both sides use the same BLAS/LAPACK, on one thread.

    python bench/linalg.py                       # n = 200
    python bench/linalg.py --sizes 50 200 500 --out bench/results_linalg.md
"""

from __future__ import annotations

import os

# One BLAS thread on both sides: on a shared 2-core machine a threaded BLAS makes
# the ratios depend on what else runs. Must be set before numpy loads BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from run import interleaved, markdown

import hyperdiff as hd

Operation = tuple[Callable[..., object], Callable[[int, np.random.Generator], tuple[object, ...]]]


def _matrix(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((n, n)) + n**0.5 * np.eye(n)


def _two_matrices(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return _matrix(n, rng), _matrix(n, rng)


def _matrix_vector(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return _matrix(n, rng), rng.standard_normal(n)


def _spd(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    a = rng.standard_normal((n, n))
    return (a @ a.T + n * np.eye(n),)


OPERATIONS: dict[str, Operation] = {
    "matmul": (np.matmul, _two_matrices),
    "solve": (np.linalg.solve, _matrix_vector),
    "solve (matrix b)": (np.linalg.solve, _two_matrices),
    "inv": (np.linalg.inv, lambda n, rng: (_matrix(n, rng),)),
    "det": (np.linalg.det, lambda n, rng: (_matrix(n, rng),)),
    "slogdet": (np.linalg.slogdet, lambda n, rng: (_matrix(n, rng),)),
    "cholesky": (np.linalg.cholesky, _spd),
    "eigh": (np.linalg.eigh, _spd),
    "expm": (hd.linalg.expm, lambda n, rng: (_matrix(n, rng) / n,)),
    "svd": (np.linalg.svd, lambda n, rng: (_matrix(n, rng),)),
    "svdvals": (np.linalg.svdvals, lambda n, rng: (_matrix(n, rng),)),
    "eig": (np.linalg.eig, lambda n, rng: (_matrix(n, rng),)),
    "lu_factor": (hd.linalg.lu_factor, lambda n, rng: (_matrix(n, rng),)),
    "solve_triangular": (
        hd.linalg.solve_triangular,
        lambda n, rng: (np.triu(_matrix(n, rng)), rng.standard_normal(n)),
    ),
    "solve_sylvester": (
        hd.linalg.solve_sylvester,
        lambda n, rng: (*_two_matrices(n, rng), _matrix(n, rng)),
    ),
    "sqrtm": (hd.linalg.sqrtm, _spd),
    "logm": (hd.linalg.logm, _spd),
}
# hyperdiff.linalg's mirrors of scipy.linalg: scipy's function is the baseline
SCIPY_BASELINES = {"expm", "lu_factor", "solve_triangular", "solve_sylvester", "sqrtm", "logm"}

KINDS: dict[str, Callable[[np.ndarray, np.random.Generator], hd.DualArray]] = {
    "Dual": lambda v, rng: hd.dual(v, rng.standard_normal(v.shape)),
    "HyperDual": lambda v, rng: hd.hyperdual(
        v, rng.standard_normal(v.shape), rng.standard_normal(v.shape), rng.standard_normal(v.shape)
    ),
}


def baseline(name: str) -> Callable[..., object]:
    """numpy's function, or scipy's for the scipy.linalg mirrors (numpy has none)."""
    if name in SCIPY_BASELINES:
        import scipy.linalg

        return getattr(scipy.linalg, name)
    return OPERATIONS[name][0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[200])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--out", type=Path, metavar="FILE")
    args = parser.parse_args(argv)

    rows: list[list[str]] = []
    for n in args.sizes:
        for name, (function, make) in OPERATIONS.items():
            rng = np.random.default_rng(args.seed)
            values = make(n, rng)
            base = baseline(name)
            calls = [lambda values=values, base=base: base(*values)]
            for kind in KINDS.values():
                duals = tuple(kind(v, rng) for v in values)
                calls.append(lambda duals=duals, function=function: function(*duals))
            times = interleaved(calls, args.rounds)
            ratios = [t / times[0] for t in times[1:]]
            rows.append([name, str(n), f"{times[0] * 1e3:.3f}", *(f"{r:.2f}x" for r in ratios)])
            print(f"  {name} n={n}: " + ", ".join(f"{r:.2f}x" for r in ratios), flush=True)
    headers = ["operation", "n", "numpy (ms)", *(f"{k} / numpy" for k in KINDS)]
    table = markdown(headers, rows, numeric_from=1)
    print("\n" + table)
    if args.out:
        args.out.write_text(
            "# Linear algebra on dual matrices, ratios to numpy\n\n"
            f"`python bench/linalg.py {' '.join(argv or [])}`; all parts seeded; "
            "the scipy.linalg mirrors' baseline is scipy's function.\n\n" + table + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
