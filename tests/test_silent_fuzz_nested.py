"""The wide fuzzer's programs (tests/test_silent_fuzz_wide.py) inside nested transforms
whose inner function closes over the outer variable: perturbation confusion in the forms
a JAX user writes, which the base checks (jacobian of grad, grad of grad . u: no closure)
do not reach. With P the program's scalar output, x the point and v, u, w directions:

- derivative over a of grad_y P(y + a v) at y = x, dotted with u: u^T H v;
- the same with the inner point moving too (y = x + a w): u^T H (v + w);
- jvp, derivative and hvp inside, the outer variable in the point or in the function;
- the inner derivative along the outer direction itself (one tag each, same direction):
  d/da d/dt P(x + a v + t v) = D2 P(v);
- order 3: d/da d2/dt2 P(x + a v + t u) = T(u, u, v); and a function returning the inner
  transform's function, called later inside the outer one.

References from numpy alone, as the base fuzzer's: mixed derivatives by polarization of
directional ones (Cauchy integrals for analytic programs, Richardson differences
otherwise). Long runs: OPENBLAS_NUM_THREADS=1 python tests/test_silent_fuzz_nested.py
SEED PROGRAMS (seeds 1..3 with 300 programs each: clean).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from test_silent_fuzz import (
    N,
    Program,
    Tally,
    assert_clean,
    attempt,
    close,
    directional,
    main,
    near_a_kink,
)
from test_silent_fuzz import run as run_programs
from test_silent_fuzz_wide import make_wide_program

import hyperdiff as hd

pytest.importorskip("scipy.special")
PROGRAMS = int(os.environ.get("HYPERDIFF_FUZZ_PROGRAMS", "8"))
SEED = int(os.environ.get("HYPERDIFF_FUZZ_SEED", "20261203"))


def _scalar(got: Any) -> Any:
    return got if isinstance(got, TypeError) else np.reshape(got, (1,))


def check_nested(program: Program, rng: np.random.Generator, tally: Tally) -> None:
    x = rng.uniform(0.3, 1.2, N) * rng.choice([-1.0, 1.0], N)
    v, u, w = rng.normal(size=N), rng.normal(size=N), rng.normal(size=N)
    analytic = program.analytic
    with np.errstate(all="raise"):
        try:
            out = program(x)
            program.scalar(x)
        except FloatingPointError:
            tally.skipped += 1
            return
    if not np.all(np.isfinite(out)) or (not analytic and near_a_kink(program, x)):
        tally.skipped += 1
        return
    tally.programs += 1
    p = program.scalar

    def d(k: int, direction: np.ndarray) -> tuple[np.ndarray, float]:
        return directional(p, x, direction, k, analytic)

    # T(u, v) = (D2(u + v) - D2(u - v)) / 4
    plus, minus = d(2, u + v), d(2, u - v)
    t_uv, t_uv_error = (plus[0] - minus[0]).real / 4, (plus[1] + minus[1]) / 2
    plus, minus = d(2, u + v + w), d(2, u - v - w)
    t_uvw, t_uvw_error = (plus[0] - minus[0]).real / 4, (plus[1] + minus[1]) / 2

    def inner_grad(a: Any) -> Any:
        return hd.grad(lambda y: p(y + a * v))(x) @ u

    def moving_point(a: Any) -> Any:
        return hd.grad(lambda y: p(y + a * v))(x + a * w) @ u

    def inner_jvp(a: Any) -> Any:
        return hd.jvp(p, (x + a * v,), (u,))[1]

    def inner_jvp_closure(a: Any) -> Any:
        return hd.jvp(lambda y: p(y + a * v), (x,), (u,))[1]

    def inner_derivative(a: Any) -> Any:
        return hd.derivative(lambda t: p(x + a * v + t * u))(0.0)

    def inner_hvp(a: Any) -> Any:  # d/da u^T H(x + a v) u = T(u, u, v)
        return hd.hvp(lambda y: p(y + a * v), (x,), (u,)) @ u

    def returned(a: Any) -> Any:
        def make(b: Any) -> Any:
            return hd.grad(lambda y: p(y + b * v))

        later = make(a)
        return later(x) @ u

    for name, f, want, error in [
        ("d/da grad_y P(y + a v) . u", inner_grad, t_uv, t_uv_error),
        ("... at y = x + a w", moving_point, t_uvw, t_uvw_error),
        ("d/da jvp(P, x + a v; u)", inner_jvp, t_uv, t_uv_error),
        ("d/da jvp(P(. + a v), x; u)", inner_jvp_closure, t_uv, t_uv_error),
        ("d/da derivative_t P(x + a v + t u)", inner_derivative, t_uv, t_uv_error),
        ("an inner transform made by a function", returned, t_uv, t_uv_error),
    ]:
        close(
            name, _scalar(attempt(lambda f=f: hd.derivative(f)(0.0))), want, error, program, tally
        )

    plus, minus = d(2, u + w), d(2, u - w)
    t_uw, t_uw_error = (plus[0] - minus[0]).real / 4, (plus[1] + minus[1]) / 2
    close(
        "jacobian over (a, b) of grad_y P(y + a v + b w) . u",
        attempt(
            lambda: hd.jacobian(lambda ab: hd.grad(lambda y: p(y + ab[0] * v + ab[1] * w))(x) @ u)(
                np.zeros(2)
            )
        ),
        np.concatenate([t_uv, t_uw]),
        max(t_uv_error, t_uw_error),
        program,
        tally,
    )

    def with_aux(a: Any) -> Any:  # ((value, aux), grad): the aux an outer dual array
        (_, aux), gradient = hd.value_and_grad(lambda y: (p(y + a * v), a * a), has_aux=True)(x)
        return gradient @ u + aux

    close(
        "d/da value_and_grad(has_aux) . u",
        _scalar(attempt(lambda: hd.derivative(with_aux)(0.0))),
        t_uv,
        t_uv_error,
        program,
        tally,
    )
    same, same_error = d(2, v)

    def argnums(a: Any) -> Any:  # d/db P(x + b v) at b = a, through argnums=(0, 1)
        return hd.grad(lambda y, b: p(y + b * v), argnums=(0, 1))(x, a)[1]

    close(
        "d/da grad(argnums=(0, 1))[1]",
        _scalar(attempt(lambda: hd.derivative(argnums)(0.0))),
        same.real,
        same_error,
        program,
        tally,
    )
    close(
        "d/da d/dt P(x + a v + t v)",
        _scalar(
            attempt(
                lambda: hd.derivative(lambda a: hd.derivative(lambda t: p(x + a * v + t * v))(0.0))(
                    0.0
                )
            )
        ),
        same.real,
        same_error,
        program,
        tally,
    )
    # T(u, u, v) = (D3(u + v) - D3(u - v) - 2 D3(v)) / 6
    d3 = [d(3, direction) for direction in (u + v, u - v, v)]
    t_uuv = (d3[0][0] - d3[1][0] - 2 * d3[2][0]).real / 6
    t_uuv_error = (d3[0][1] + d3[1][1] + 2 * d3[2][1]) / 3
    close(
        "d/da hvp(P(. + a v), x; u) . u",
        _scalar(attempt(lambda: hd.derivative(inner_hvp)(0.0))),
        t_uuv,
        t_uuv_error,
        program,
        tally,
        rtol=1e-8,
    )
    close(
        "d/da d2/dt2 P(x + a v + t u)",
        _scalar(
            attempt(
                lambda: hd.derivative(
                    lambda a: hd.derivative(lambda t: p(x + a * v + t * u), order=2)(0.0)
                )(0.0)
            )
        ),
        t_uuv,
        t_uuv_error,
        program,
        tally,
        rtol=1e-8,
    )


def run(seed: int, programs: int, record_all: bool) -> Tally:
    """The wide fuzzer's programs (the base grammar, ufunc methods, fft, scipy.special,
    hd.stats and the scipy.linalg mirrors)."""
    return run_programs(seed, programs, record_all, make_wide_program, (check_nested,))


@pytest.mark.parametrize("record_all", [False, True], ids=["eager", "fused"])
def test_nested_random_programs(record_all: bool) -> None:
    assert_clean(run(SEED, PROGRAMS, record_all), PROGRAMS)


if __name__ == "__main__":
    import sys

    main(run, sys.argv, SEED, PROGRAMS)
