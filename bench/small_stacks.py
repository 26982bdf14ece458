"""Stacks of small matrices (a finite-element code's: thousands of 2 x 2 or 3 x 3
deformation gradients) on dual arrays against numpy's same call on the values, in one
process: the calls alternate round after round, each time the median of its rounds,
the ratio hyperdiff / numpy. The kinds are a sparse FEM Hessian's (HyperDualVec(6),
28 planes) and a jvp's (Dual, 2 planes).

    python bench/small_stacks.py                     # 5000 2 x 2 matrices
    python bench/small_stacks.py --stack 20000 --n 3 --rounds 9
"""

from __future__ import annotations

# isort: off
import one_thread  # noqa: F401  (first: the thread settings, before numpy)

# isort: on

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np
from run import interleaved, markdown

import hyperdiff as hd


def operations(
    n: int, stack: int, rng: np.random.Generator
) -> dict[str, tuple[Callable[[Any], Any], tuple[Any, ...]]]:
    """name: (f of the matrix stack F, f's constant arguments)."""
    constant = rng.standard_normal((stack, n, n))
    rows = rng.integers(0, stack, (stack, 3))
    return {
        "F[rows] (take)": (lambda f: f.reshape(stack, n * n)[rows], ()),
        "F @ C": (lambda f: f @ constant, ()),
        "F^T F": (lambda f: np.swapaxes(f, -1, -2) @ f, ()),
        "sum(F * F, axis=(1, 2))": (lambda f: np.sum(f * f, axis=(1, 2)), ()),
        "trace": (lambda f: np.trace(f, axis1=-2, axis2=-1), ()),
        "einsum F : F": (lambda f: np.einsum("eij,eij->e", f, f), ()),
        "einsum F F (eij,ejk->eik)": (lambda f: np.einsum("eij,ejk->eik", f, f), ()),
        "einsum F C (eij,ejk->eik)": (lambda f: np.einsum("eij,ejk->eik", f, constant), ()),
        "einsum F^T F (eji,ejk->eik)": (lambda f: np.einsum("eji,ejk->eik", f, f), ()),
        "det": (np.linalg.det, ()),
        "slogdet": (lambda f: np.linalg.slogdet(f)[1], ()),
        "inv": (np.linalg.inv, ()),
        "solve": (lambda f: np.linalg.solve(f, constant[..., :1]), ()),
        "eigvalsh(F^T F)": (lambda f: np.linalg.eigvalsh(np.swapaxes(f, -1, -2) @ f), ()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", type=int, default=5000)
    parser.add_argument("--n", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    value = np.eye(args.n) + 0.1 * rng.standard_normal((args.stack, args.n, args.n))
    kinds = {
        "HyperDualVec(6)": hd.hyperdualvec(
            value, rng.standard_normal((6, args.stack, args.n, args.n))
        ),
        "Dual": hd.dual(value, rng.standard_normal(value.shape)),
    }
    rows = []
    for name, (f, _) in operations(args.n, args.stack, rng).items():
        calls = [lambda f=f, x=x: f(x) for x in (value, *kinds.values())]
        times = interleaved(calls, args.rounds)
        plain = times[0] * 1e3
        cells = [f"{t * 1e3:.3f} ({t / times[0]:.1f}x)" for t in times[1:]]
        rows.append([name, f"{plain:.3f}", *cells])
    headers = ["operation", "numpy ms", *(f"{k} ms (x numpy)" for k in kinds)]
    print(f"{args.stack} matrices {args.n} x {args.n}, medians of {args.rounds} rounds")
    print(markdown(headers, rows, 1))


if __name__ == "__main__":
    main()
