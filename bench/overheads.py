"""Per-call costs of small calls, and where T5's and T7a's time goes (bench/peers.py's
tasks taken apart): medians of interleaved rounds in this one process, in microseconds
of the process's CPU time (time.process_time: the machine is shared), each also as a
ratio to numpy's sin on 10 elements timed in the same rounds (the ratios are what
compares across runs and commits on a loaded machine).

    python bench/overheads.py
    python bench/overheads.py --rounds 400 --number 20
"""

from __future__ import annotations

# isort: off
import one_thread  # noqa: F401  (first: the thread settings, before numpy)

# isort: on

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.linalg
from run import interleaved_samples, markdown

import hyperdiff as hd
from hyperdiff import linalg as hd_linalg


def cases() -> dict[str, Callable[[], Any]]:
    rng = np.random.default_rng(20261201)
    x10 = rng.uniform(0.1, 1.0, 10)
    d10 = hd.dual(x10, np.ones(10))
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    herm = (a + a.conj().T) / 2
    t = hd.dual(np.float64(0.3), 1.0)
    it = 1j * t
    m = it * herm
    x100 = rng.uniform(-1.0, 1.0, 100)
    t5 = hd.jacobian(lambda v: np.outer(v, v))
    t7a = hd.derivative(lambda s: hd_linalg.expm(1j * s * herm))
    return {
        "numpy sin, 10 elements (the base)": lambda: np.sin(x10),
        "Dual(10) * Dual(10)": lambda: d10 * d10,
        "np.sin(Dual(10))": lambda: np.sin(d10),
        "np.outer(Dual(10), Dual(10))": lambda: np.outer(d10, d10),
        "derivative(np.sin)(0.3)": (lambda f: lambda: f(0.3))(hd.derivative(np.sin)),
        "derivative(np.sin, order=2)(0.3)": (lambda f: lambda: f(0.3))(
            hd.derivative(np.sin, order=2)
        ),
        "derivative(np.sin)(10 elements)": (lambda f: lambda: f(x10))(hd.derivative(np.sin)),
        "jacobian(np.sin)(10)": (lambda f: lambda: f(x10))(hd.jacobian(np.sin)),
        "grad(sum sin)(10)": (lambda f: lambda: f(x10))(hd.grad(lambda v: np.sum(np.sin(v)))),
        "hessian(sum sin^2)(10)": (lambda f: lambda: f(x10))(
            hd.hessian(lambda v: np.sum(np.sin(v) ** 2))
        ),
        "T7a: derivative of expm(i t H), 4x4": lambda: t7a(0.3),
        "  derivative(lambda s: s)(0.3)": (lambda f: lambda: f(0.3))(hd.derivative(lambda s: s)),
        "  1j * t (a Dual scalar)": lambda: 1j * t,
        "  (1j t) * H (complex Dual scalar x 4x4)": lambda: it * herm,
        "  hd.linalg.expm(Dual 4x4)": lambda: hd_linalg.expm(m),
        "    its value: expm of the 4x4 values": lambda: hd_linalg._expm_values(0.3j * herm),
        "    with its part: the Frechet derivative beside it": lambda: hd_linalg._expm_and_frechet(
            0.3j * herm, (1j * herm)[None]
        ),
        "  scipy.linalg.expm 4x4 (T7a's numpy f)": lambda: scipy.linalg.expm(0.3j * herm),
        "T5: jacobian of outer(v, v), n = 100": lambda: t5(x100),
        "  np.outer(v, v) (T5's numpy f)": lambda: np.outer(x100, x100),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--number", type=int, default=5, help="calls per timed sample")
    args = parser.parse_args(argv)
    hd.set_num_threads(1)
    named = cases()
    samples = interleaved_samples(
        list(named.values()), args.rounds, number=args.number, timer=time.process_time
    )
    medians = [statistics.median(s) for s in samples]
    rows = [
        [name, f"{m * 1e6:.1f}", f"{m / medians[0]:.1f}"]
        for name, m in zip(named, medians, strict=True)
    ]
    print(markdown(["call", "us", "/ base"], rows, 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
