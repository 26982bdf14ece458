"""The side-by-side tasks of issue 13 (T1-T7), each checked against a closed form
before it is timed, against numpy's f alone and, when installed, JAX (jit, steady
state and first call) and PyTorch (torch.func, eager; T7's complex tasks: no peer).

    T1   f'(x) of f = sin(x) exp(-x^2/2) + log(1 + x^2), elementwise, N = 1e6 and 1e7
    T2   f''(x) of the same (hyper-dual), N = 1e6
    T3   the Hessian of Rosenbrock, n = 100
    T4   3x3 Hessians of exp(x y) sin(z) + x^2 log(1 + y^2 + z^2) at 1e5 points
    T5   the Jacobian of outer(x, x), n = 100
    T6   d2/dXdY and d2/dY2 of ||X X Y||_F, 5x5 (the first question users asked)
    T7a  d/dx expm(i x H), H 4x4 Hermitian
    T7b  f'(z) of the holomorphic f = exp(sin z), 1e6 complex points

Times are medians of interleaved rounds in one process; "hyperdiff / who" is the
median of the per-round ratios (robust to a machine whose speed drifts). A call
under 10 ms is timed warm (bench/run.py's interleaved_samples, min_sample): one untimed
call, then repeated for about 10 ms, as timeit would; the first call after another
library's runs with cold caches, ~100 us slower on this machine for any small call. Every
library gets one BLAS/XLA thread; hyperdiff one thread too (--threads to change).

    python bench/peers.py
    python bench/peers.py --quick                          # smaller sizes, fewer rounds
    python bench/peers.py --out bench/results_peers.md
    python bench/peers.py --cpu --rounds 15 --only T6 T7a  # process time: a loaded machine

JAX comes with `pip install ".[bench]"`; PyTorch is left out of that extra (a plain
`pip install torch` fetches a CUDA build of several GB): `pip install torch==2.13.0`
takes the CPU build these machines keep on disk.
"""

from __future__ import annotations

import os

# isort: off
import one_thread  # noqa: F401  (first: the thread settings, before numpy)

# isort: on

import argparse
import dataclasses
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from run import interleaved_samples, markdown, paired_ratio

import hyperdiff as hd

Call = Callable[[], object]
HAVE = {name: importlib.util.find_spec(name) is not None for name in ("jax", "torch")}


# --- the functions, written once for numpy-like namespaces ------------------------------
def t1(x: Any, xp: Any = np) -> Any:
    return xp.sin(x) * xp.exp(-(x**2) / 2) + xp.log(1 + x**2)


def rosen(x: Any, xp: Any = np) -> Any:
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def pointwise(x: Any, y: Any, z: Any, xp: Any = np) -> Any:
    return xp.exp(x * y) * xp.sin(z) + x**2 * xp.log(1 + y**2 + z**2)


def xxy_norm(x: Any, y: Any, xp: Any = np) -> Any:
    return xp.linalg.norm(x @ x @ y)


def holomorphic(z: Any, xp: Any = np) -> Any:
    return xp.exp(xp.sin(z))


# --- closed forms (numpy on floats, independent of the package) --------------------------
def t1_first(x: np.ndarray) -> np.ndarray:
    g = np.exp(-(x**2) / 2)
    return np.cos(x) * g - x * np.sin(x) * g + 2 * x / (1 + x**2)


def t1_second(x: np.ndarray) -> np.ndarray:
    g = np.exp(-(x**2) / 2)
    gaussian = -np.sin(x) * g - 2 * x * np.cos(x) * g + (x**2 - 1) * np.sin(x) * g
    return gaussian + 2 * (1 - x**2) / (1 + x**2) ** 2


def pointwise_hessians(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """(3, 3, N): the second partials of pointwise() by hand."""
    e, s, c = np.exp(x * y), np.sin(z), np.cos(z)
    d = 1 + y**2 + z**2
    log = np.log(d)
    h = np.empty((3, 3, x.size))
    h[0, 0] = y**2 * e * s + 2 * log
    h[0, 1] = h[1, 0] = (1 + x * y) * e * s + 4 * x * y / d
    h[0, 2] = h[2, 0] = y * e * c + 4 * x * z / d
    h[1, 1] = x**2 * e * s + x**2 * (2 * d - 4 * y**2) / d**2
    h[1, 2] = h[2, 1] = x * e * c - 4 * x**2 * y * z / d**2
    h[2, 2] = -e * s + x**2 * (2 * d - 4 * z**2) / d**2
    return h


def outer_jacobian(x: np.ndarray) -> np.ndarray:
    eye = np.eye(x.size)
    return np.einsum("ik,j->ijk", eye, x) + np.einsum("i,jk->ijk", x, eye)


def xxy_blocks(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d2/dXdY and d2/dY2 of f = ||M||, M = X X Y, from d2f = (<dM, dM'> + <M, d2M>)/f
    - <M, dM><M, dM'>/f^3 over unit directions (E_ab for X, E_cd for Y)."""
    n = x.shape[0]
    m = x @ x @ y
    f = np.linalg.norm(m)
    units = np.eye(n * n).reshape(n * n, n, n)
    dm_x = np.einsum("kab,bc,cd->kad", units, x, y) + np.einsum("ab,kbc,cd->kad", x, units, y)
    dm_y = np.einsum("ab,bc,kcd->kad", x, x, units)
    d2m_xy = np.einsum("kab,bc,lcd->klad", units, x, units) + np.einsum(
        "ab,kbc,lcd->klad", x, units, units
    )

    def block(da: np.ndarray, db: np.ndarray, d2: np.ndarray | None) -> np.ndarray:
        inner = np.einsum("kad,lad->kl", da, db)
        if d2 is not None:
            inner = inner + np.einsum("ad,klad->kl", m, d2)
        ga, gb = np.einsum("ad,kad->k", m, da), np.einsum("ad,kad->k", m, db)
        return (inner / f - np.outer(ga, gb) / f**3).reshape(n, n, n, n)

    return block(dm_x, dm_y, d2m_xy), block(dm_y, dm_y, None)


def expm_derivative(h: np.ndarray, x: float) -> np.ndarray:
    lam, v = np.linalg.eigh(h)
    return (v * (1j * lam * np.exp(1j * x * lam))) @ v.conj().T


def rosen_hessian(x: np.ndarray) -> np.ndarray:
    from scipy.optimize import rosen_hess

    return rosen_hess(x)


# --- the tasks ------------------------------------------------------------------------
@dataclasses.dataclass
class Task:
    name: str
    numpy_f: Call
    hyperdiff: Call
    check: Callable[[Any], None]  # raises when hyperdiff's result is not the closed form
    peers: dict[str, Call] = dataclasses.field(default_factory=dict)
    firsts: dict[str, Call] = dataclasses.field(default_factory=dict)  # uncompiled calls


def close(rtol: float, atol: float = 0.0) -> Callable[[Any, Any], None]:
    def check(got: Any, want: Any) -> None:
        np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=atol)

    return check


def tasks(quick: bool) -> list[Task]:
    rng = np.random.default_rng(13)
    found: list[Task] = []
    jax = jnp = torch = None
    if HAVE["jax"]:
        import jax
        import jax.numpy as jnp
        import jax.scipy.linalg
    if HAVE["torch"]:
        import torch

        torch.set_num_threads(1)
        torch.set_default_dtype(torch.float64)

    def jitted(name: str, build: Callable[[], Callable[..., Any]], *args: Any) -> None:
        """A JAX peer: steady state of a compiled function, and a fresh one's first call."""
        compiled = build()
        jax_args = [jnp.asarray(a) for a in args]
        ready = jax.block_until_ready
        ready(compiled(*jax_args))
        task = found[-1]
        task.peers["jax (jit)"] = lambda: ready(compiled(*jax_args))
        task.firsts["jax (first call)"] = lambda: ready(build()(*jax_args))

    def eager(transformed: Callable[..., Any], *args: Any) -> None:
        """A PyTorch peer: torch.func's transform run eagerly (no compile step)."""
        torch_args = [torch.from_numpy(np.ascontiguousarray(a)) for a in args]
        found[-1].peers["torch.func (eager)"] = lambda: transformed(*torch_args)

    sizes = [10**5] if quick else [10**6, 10**7]
    for n in sizes:
        x = rng.uniform(-3, 3, n)
        d1 = hd.derivative(t1)
        found.append(
            Task(f"T1 f' elementwise, N={n:.0e}", lambda x=x: t1(x), lambda x=x, d=d1: d(x),
                 lambda got, x=x: close(1e-13, 1e-15)(got, t1_first(x)))
        )  # fmt: skip
        if jax is not None:
            jitted("T1", lambda: jax.jit(jax.vmap(jax.grad(lambda v: t1(v, jnp)))), x)
        if torch is not None:
            eager(torch.func.vmap(torch.func.grad(lambda v: t1(v, torch))), x)

    n = 10**5 if quick else 10**6
    x = rng.uniform(-3, 3, n)
    d2 = hd.derivative(t1, order=2)
    found.append(
        Task(f"T2 f'' elementwise, N={n:.0e}", lambda: t1(x), lambda: d2(x),
             lambda got: close(1e-12, 1e-14)(got, t1_second(x)))
    )  # fmt: skip
    if jax is not None:
        second = jax.grad(jax.grad(lambda v: t1(v, jnp)))
        jitted("T2", lambda: jax.jit(jax.vmap(second)), x)
    if torch is not None:
        tf = torch.func
        eager(tf.vmap(tf.grad(tf.grad(lambda v: t1(v, torch)))), x)

    x3 = rng.uniform(-2, 2, 100)
    h3 = hd.hessian(rosen)
    found.append(
        Task("T3 Rosenbrock Hessian, n=100", lambda: rosen(x3), lambda: h3(x3),
             lambda got: close(1e-13, 1e-12)(got, rosen_hessian(x3)))
    )  # fmt: skip
    if jax is not None:
        jitted("T3", lambda: jax.jit(jax.hessian(lambda v: rosen(v, jnp))), x3)
    if torch is not None:
        eager(torch.func.hessian(lambda v: rosen(v, torch)), x3)

    points = 10**4 if quick else 10**5
    px, py, pz = (rng.uniform(-1, 1, points) for _ in range(3))
    h4 = hd.hessian(pointwise, argnums=(0, 1, 2), elementwise=True)

    def check4(got: Any) -> None:
        want = pointwise_hessians(px, py, pz)
        for i in range(3):
            for j in range(3):
                close(1e-12, 1e-13)(got[i][j], want[i, j])

    found.append(
        Task(f"T4 3x3 Hessians at {points:.0e} points", lambda: pointwise(px, py, pz),
             lambda: h4(px, py, pz), check4)
    )  # fmt: skip
    if jax is not None:
        hj = jax.hessian(lambda a, b, c: pointwise(a, b, c, jnp), argnums=(0, 1, 2))
        jitted("T4", lambda: jax.jit(jax.vmap(hj)), px, py, pz)
    if torch is not None:
        ht = torch.func.hessian(lambda a, b, c: pointwise(a, b, c, torch), argnums=(0, 1, 2))
        eager(torch.func.vmap(ht), px, py, pz)

    x5 = rng.uniform(-1, 1, 100)
    j5 = hd.jacobian(lambda v: np.outer(v, v))
    found.append(
        Task("T5 Jacobian of outer(x, x), n=100", lambda: np.outer(x5, x5), lambda: j5(x5),
             lambda got: close(1e-15)(got, outer_jacobian(x5)))
    )  # fmt: skip
    if jax is not None:
        jitted("T5", lambda: jax.jit(jax.jacfwd(lambda v: jnp.outer(v, v))), x5)
    if torch is not None:
        eager(torch.func.jacfwd(lambda v: torch.outer(v, v)), x5)

    xm, ym = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    h6 = hd.hessian(xxy_norm, argnums=(0, 1))

    def check6(got: Any) -> None:
        hxy, hyy = xxy_blocks(xm, ym)
        close(1e-11, 1e-12)(got[0][1], hxy)
        close(1e-11, 1e-12)(got[1][1], hyy)

    found.append(
        Task("T6 d2/dXdY, d2/dY2 of ||X X Y||, 5x5", lambda: xxy_norm(xm, ym),
             lambda: h6(xm, ym), check6)
    )  # fmt: skip
    if jax is not None:
        h6j = lambda: jax.jit(  # noqa: E731
            jax.hessian(lambda a, b: xxy_norm(a, b, jnp), argnums=(0, 1))
        )
        compiled = h6j()
        xj, yj = jnp.asarray(xm), jnp.asarray(ym)
        compiled(xj, yj)[0][1].block_until_ready()
        found[-1].peers["jax (jit)"] = lambda: compiled(xj, yj)[0][1].block_until_ready()
        found[-1].firsts["jax (first call)"] = lambda: h6j()(xj, yj)[0][1].block_until_ready()
    if torch is not None:
        eager(torch.func.hessian(lambda a, b: xxy_norm(a, b, torch), argnums=(0, 1)), xm, ym)

    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    herm = (a + a.conj().T) / 2
    d7 = hd.derivative(lambda t: hd.linalg.expm(1j * t * herm))
    from scipy.linalg import expm

    found.append(
        Task("T7a d/dx expm(i x H), 4x4", lambda: expm(0.3j * herm), lambda: d7(0.3),
             lambda got: close(1e-12, 1e-13)(got, expm_derivative(herm, 0.3)))
    )  # fmt: skip
    if jax is not None:
        hj7 = jnp.asarray(herm)
        jitted(
            "T7a",
            lambda: jax.jit(
                jax.jacfwd(lambda t: jax.scipy.linalg.expm(1j * t * hj7), holomorphic=True)
            ),
            np.complex128(0.3),
        )

    n = 10**5 if quick else 10**6
    z = rng.uniform(-1, 1, n) + 1j * rng.uniform(-1, 1, n)
    d7b = hd.derivative(holomorphic, holomorphic=True)
    found.append(
        Task(f"T7b holomorphic f'(z), N={n:.0e}", lambda: holomorphic(z), lambda: d7b(z),
             lambda got: close(1e-13, 1e-15)(got, np.cos(z) * np.exp(np.sin(z))))
    )  # fmt: skip
    if jax is not None:
        fz = jax.grad(lambda v: holomorphic(v, jnp), holomorphic=True)
        jitted("T7b", lambda: jax.jit(jax.vmap(fz)), z)
    return found


def first_call(call: Call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, 5 rounds")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (7)")
    parser.add_argument("--threads", type=int, default=1, help="hyperdiff threads (1)")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time steady calls in process time (every thread's CPU), not wall: on a loaded "
        "machine wall time counts other processes' turns",
    )
    parser.add_argument("--only", nargs="+", metavar="T", help="tasks by prefix, e.g. T1 T6")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="time each call alone, right after another library's (cold caches: the"
        " harness before 2026-12-01); by default a call under 10 ms is timed warm",
    )
    parser.add_argument("--out", type=Path, metavar="FILE")
    parser.add_argument(
        "--no-fusion", action="store_true", help="run every operation eagerly (fusion.hpp off)"
    )
    args = parser.parse_args(argv)
    hd.set_num_threads(args.threads)
    if args.no_fusion:
        hd._core.fusion_min_count(2**62)
        hd._core.fusion_plane_min(2**62)
    rounds = args.rounds or (5 if args.quick else 7)
    timer = time.process_time if args.cpu else time.perf_counter
    min_sample = 0.0 if args.cold else 0.01

    rows: list[list[str]] = []
    for task in tasks(args.quick):
        if args.only and not any(task.name.startswith(t) for t in args.only):
            continue
        task.check(task.hyperdiff())  # the closed form first: a wrong answer is not timed
        calls = [task.numpy_f, task.hyperdiff, *task.peers.values()]
        samples = interleaved_samples(calls, rounds, timer=timer, min_sample=min_sample)
        names = ["numpy f", "hyperdiff", *task.peers]
        base = statistics.median(samples[0])
        for k, name in enumerate(names):
            seconds = statistics.median(samples[k])
            ours = "" if k == 1 else f"{paired_ratio(samples, 1, k):.2f}"
            rows.append([task.name, name, f"{seconds * 1e3:.3f}", f"{seconds / base:.1f}x", ours])
        ours_seconds = statistics.median(samples[1])
        for name, call in task.firsts.items():
            seconds = min(first_call(call) for _ in range(2))
            rows.append([task.name, name, f"{seconds * 1e3:.1f}", f"{seconds / base:.0f}x",
                         f"{ours_seconds / seconds:.3g}"])  # fmt: skip
        print(f"  {task.name}: checked, timed", flush=True)
    headers = ["task", "who", "ms", "/ numpy f", "hyperdiff / who"]
    table = markdown(headers, rows, numeric_from=2)
    print("\n" + table)
    if args.out:
        command = " ".join(argv if argv is not None else sys.argv[1:])
        load = os.getloadavg()[0]
        args.out.write_text(
            "# Issue 13's tasks side by side\n\n"
            f"`python bench/peers.py {command}` (load average {load:.1f} when it finished; "
            f"peers installed: {', '.join(k for k, v in HAVE.items() if v) or 'none'})\n\n"
            + table
            + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
