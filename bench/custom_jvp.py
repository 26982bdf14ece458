"""What a custom rule costs: hd.custom_jvp against the same function written plainly.

softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|) as a custom function (rule
expit(x) * x_dot) and as the same numpy code differentiated by hyperdiff, under
derivative (order 1 and 2) at N points, and grad / hessian of its sum at n = 10 (the
per-call cost of the rule's machinery); numpy's f alone for scale (a custom function
runs its numpy code on the values, then its rule on the dual arrays). Times are
medians of interleaved rounds in this one process; ratios are medians of the
within-round ratios.

    python bench/custom_jvp.py
    python bench/custom_jvp.py --sizes 1e5 1e6 --rounds 15
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import statistics
from collections.abc import Callable
from typing import Any

import numpy as np
from run import interleaved_samples, markdown, paired_ratio
from scipy.special import expit

import hyperdiff as hd


def plain(x: Any) -> Any:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


@hd.custom_jvp
def custom(x: Any) -> Any:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


@custom.defjvp
def _custom_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (x_dot,) = primals, tangents
    return custom(x), expit(x) * x_dot


Case = tuple[str, str, Callable[[], Any], Callable[[], Any], Callable[[], Any]]


def cases(sizes: list[int]) -> list[Case]:
    """(name, N, numpy's f alone, plain code differentiated, custom_jvp)."""
    rng = np.random.default_rng(0)
    out: list[Case] = []
    for n in sizes:
        x = rng.uniform(-5.0, 5.0, n)
        for order in (1, 2):
            out.append(
                (
                    f"derivative order {order}",
                    f"{n:.0e}",
                    lambda x=x: plain(x),
                    lambda x=x, o=order: hd.derivative(plain, order=o)(x),
                    lambda x=x, o=order: hd.derivative(custom, order=o)(x),
                )
            )
    v = rng.uniform(-5.0, 5.0, 10)
    for name, transform in (("grad", hd.grad), ("hessian", hd.hessian)):
        f_plain = transform(lambda w: np.sum(plain(w)))
        f_custom = transform(lambda w: np.sum(custom(w)))
        out.append(
            (
                f"{name} of the sum",
                "10",
                lambda: np.sum(plain(v)),
                lambda f=f_plain: f(v),
                lambda f=f_custom: f(v),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e6])
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    hd.set_num_threads(1)
    rows = []
    for name, size, run_numpy, run_plain, run_custom in cases([int(s) for s in args.sizes]):
        number = 1 if size != "10" else 200
        samples = interleaved_samples([run_numpy, run_plain, run_custom], args.rounds, number)
        rows.append(
            [
                name,
                size,
                *(f"{statistics.median(times) * 1e3:.4g}" for times in samples),
                f"{paired_ratio(samples, 2, 1):.2f}",
            ]
        )
    headers = ["case", "N", "numpy f ms", "plain code ms", "custom_jvp ms", "custom / plain"]
    print(markdown(headers, rows, 2))


if __name__ == "__main__":
    main()
