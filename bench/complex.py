"""Complex derivatives: f'(z) and f''(z) of a holomorphic f, Wirtinger derivatives of
a non-holomorphic g, and the complex kernels one by one, against numpy evaluating the
function alone and, when installed, JAX.

Every time is the median of interleaved rounds in this one process; the table gives
each time, its ratio to numpy's f(z) and the ratio of each peer's time to hyperdiff's
(above 1: hyperdiff is faster). JAX is timed at steady state (jit compiled beforehand)
and on a first call (trace + compile + run of a fresh jit). Before any timing, every
case checks that hyperdiff's derivatives agree with JAX's (and with the closed form),
so a wrong fast answer cannot show up as a win: a disagreement is flagged in the
report and the exit status is 1.

    python bench/complex.py
    python bench/complex.py --points 100000 --no-kernels     # smoke run
    taskset -c 1 python bench/complex.py --out bench/results_complex.md
"""

from __future__ import annotations

# isort: off
import one_thread  # noqa: F401  (first: the thread settings, before numpy)

# isort: on

import argparse
import importlib
import importlib.util
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from run import cpu_model, format_size, interleaved, markdown

import hyperdiff as hd
from hyperdiff import _core, _ufuncs

HAVE_JAX = importlib.util.find_spec("jax") is not None
Call = Callable[[], object]
SEED = 20261125

# The largest relative difference a check accepts, by component precision: hyperdiff
# and JAX evaluate the same formulas with different complex libm routines.
TOLERANCE = {np.dtype(np.complex128): 1e-12, np.dtype(np.complex64): 1e-5}


def f(z: Any, xp: Any = np) -> Any:
    """The holomorphic case: exp(sin(z))."""
    return xp.exp(xp.sin(z))


def f1(z: Any) -> Any:
    """f'(z) by hand."""
    return np.cos(z) * np.exp(np.sin(z))


def f2(z: Any) -> Any:
    """f''(z) by hand."""
    s = np.sin(z)
    return (np.cos(z) ** 2 - s) * np.exp(s)


def g(z: Any, xp: Any = np) -> Any:
    """The non-holomorphic case: |z|^2 exp(i angle(z)), which is |z| z."""
    return xp.abs(z) ** 2 * xp.exp(1j * xp.angle(z))


def g_wirtinger(z: Any) -> tuple[Any, Any]:
    """(dg/dz, dg/dz-bar) by hand: 3|z|/2 and z^2 / (2|z|)."""
    r = np.abs(z)
    return 1.5 * r, z * z / (2 * r)


def first_call(call: Call) -> float:
    """Seconds of one call (that builds a fresh, uncompiled jit and runs it)."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def block(x: Any) -> Any:
    """x once computed: JAX returns before its result is ready (tuples too)."""
    if isinstance(x, tuple):
        return tuple(block(leaf) for leaf in x)
    return x.block_until_ready() if hasattr(x, "block_until_ready") else x


def relative_difference(ours: Any, reference: Any) -> float:
    """max |ours - reference| / |reference| over the points (absolute where reference
    is 0, as rint's can be)."""
    ours, reference = np.asarray(ours), np.asarray(reference)
    scale = np.abs(reference)
    return float(np.max(np.abs(ours - reference) / np.where(scale == 0, 1, scale)))


class Case:
    def __init__(self, name: str, numpy_f: Call, hyperdiff: Call) -> None:
        self.name, self.numpy_f, self.hyperdiff = name, numpy_f, hyperdiff
        self.peers: dict[str, Call] = {}
        self.jax_first: Call | None = None
        # (what is compared, relative difference, tolerance)
        self.checks: list[tuple[str, float, float]] = []

    def check(self, what: str, ours: Any, reference: Any, dtype: np.dtype) -> None:
        self.checks.append((what, relative_difference(ours, reference), TOLERANCE[dtype]))


def complex_points(rng: np.random.Generator, n: int, dtype: Any) -> np.ndarray:
    """Uniform on the square |Re z|, |Im z| < 2."""
    z = rng.uniform(-2, 2, n) + 1j * rng.uniform(-2, 2, n)
    return z.astype(dtype)


def cases(points: int) -> list[Case]:
    rng = np.random.default_rng(SEED)
    found: list[Case] = []
    jax = jnp = None
    if HAVE_JAX:
        import jax
        import jax.numpy as jnp

    z = complex_points(rng, points, np.complex128)
    z64 = z.astype(np.complex64)
    size = format_size(points)

    # 1, 4. f'(z): complex Dual, in complex128 and complex64
    for zs in (z, z64):
        dtype, df = zs.dtype, hd.derivative(f, holomorphic=True)
        # the closed form in complex128 at the same (rounded) points
        exact = f1(zs.astype(np.complex128))
        case = Case(
            f"f'(z), f = exp(sin z), {size} {dtype}",
            lambda zs=zs: f(zs),
            lambda df=df, zs=zs: df(zs),
        )
        case.peers["numpy f and f' by hand"] = lambda zs=zs: (f(zs), f1(zs))
        ours = df(zs)
        if ours.dtype != dtype:
            case.checks.append((f"hyperdiff's f' is {ours.dtype}", np.inf, 0.0))
        case.check("hyperdiff f' vs closed form", ours, exact, dtype)
        if jax is not None:
            zj = jnp.asarray(zs)

            def jax_df() -> Any:
                return jax.jit(jax.vmap(jax.grad(lambda v: f(v, jnp), holomorphic=True)))

            compiled, compiled_f = jax_df(), jax.jit(lambda v: f(v, jnp))
            theirs = np.asarray(block(compiled(zj)))
            block(compiled_f(zj))
            case.check("hyperdiff f' vs jax", ours, theirs, dtype)
            case.check("jax f' vs closed form", theirs, exact, dtype)
            case.peers["jax f alone (jit)"] = lambda c=compiled_f, zj=zj: block(c(zj))
            case.peers["jax (jit)"] = lambda c=compiled, zj=zj: block(c(zj))
            case.jax_first = lambda jax_df=jax_df, zj=zj: block(jax_df()(zj))
        found.append(case)

    # 2. f''(z): complex HyperDual
    d2f = hd.derivative(f, order=2, holomorphic=True)
    case = Case(f"f''(z), f = exp(sin z), {size} complex128", lambda z=z: f(z), lambda z=z: d2f(z))
    case.peers["numpy f, f', f'' by hand"] = lambda z=z: (f(z), f1(z), f2(z))
    ours = d2f(z)
    case.check("hyperdiff f'' vs closed form", ours, f2(z), z.dtype)
    if jax is not None:
        zj = jnp.asarray(z)

        def jax_d2f() -> Any:
            inner = jax.grad(lambda v: f(v, jnp), holomorphic=True)
            return jax.jit(jax.vmap(jax.grad(inner, holomorphic=True)))

        compiled = jax_d2f()
        theirs = np.asarray(block(compiled(zj)))
        case.check("hyperdiff f'' vs jax", ours, theirs, z.dtype)
        case.peers["jax (jit)"] = lambda c=compiled, zj=zj: block(c(zj))
        case.jax_first = lambda zj=zj: block(jax_d2f()(zj))
    found.append(case)

    # 3. Wirtinger derivatives of the non-holomorphic g: complex DualVec(2)
    wg = hd.wirtinger(g, elementwise=True)
    case = Case(
        f"(dg/dz, dg/dz-bar), g = |z|^2 exp(i angle z), {size} complex128",
        lambda z=z: g(z),
        lambda z=z: wg(z),
    )
    case.peers["numpy g and both by hand"] = lambda z=z: (g(z), g_wirtinger(z))
    ours_dz, ours_dzbar = wg(z)
    exact_dz, exact_dzbar = g_wirtinger(z)
    case.check("hyperdiff dg/dz vs closed form", ours_dz, exact_dz, z.dtype)
    case.check("hyperdiff dg/dz-bar vs closed form", ours_dzbar, exact_dzbar, z.dtype)
    if jax is not None:
        zj = jnp.asarray(z)

        def jax_wirtinger() -> Any:
            # JAX has no Wirtinger transform: push 1 and 1j forward (g is pointwise,
            # so one jvp of the whole array per direction), as hyperdiff does
            def both(v: Any) -> Any:
                ones = jnp.ones_like(v)
                _, d_x = jax.jvp(lambda u: g(u, jnp), (v,), (ones,))
                _, d_y = jax.jvp(lambda u: g(u, jnp), (v,), (1j * ones,))
                return (d_x - 1j * d_y) / 2, (d_x + 1j * d_y) / 2

            return jax.jit(both)

        compiled = jax_wirtinger()
        theirs_dz, theirs_dzbar = (np.asarray(a) for a in block(compiled(zj)))
        case.check("hyperdiff dg/dz vs jax", ours_dz, theirs_dz, z.dtype)
        case.check("hyperdiff dg/dz-bar vs jax", ours_dzbar, theirs_dzbar, z.dtype)
        case.peers["jax 2 jvps (jit)"] = lambda c=compiled, zj=zj: block(c(zj))
        case.jax_first = lambda zj=zj: block(jax_wirtinger()(zj))
    found.append(case)
    return found


# --- 5. the complex kernels one by one ---------------------------------------------------


def kernel_rows(points: int, rounds: int) -> list[list[str]]:
    """Each complex unary table function on a complex128 HyperDual (e1 = e2 = 1) against
    numpy's complex ufunc on the values, both into a preallocated out= (as bench/run.py);
    the value plane is checked against numpy's."""
    rng = np.random.default_rng(SEED)
    z = complex_points(rng, points, np.complex128)
    x = hd.hyperdual(z, 1.0, 1.0)
    rows = []
    for name, module_name, has_complex in _core.UNARY_FUNCTIONS:
        try:
            ufunc = getattr(importlib.import_module(module_name), name)
        except ImportError:
            continue
        if not has_complex or ufunc not in _ufuncs.COMPLEX_UNARY:
            continue
        numpy_out, dual_out = ufunc(z), ufunc(x)
        calls: list[Call] = [
            lambda u=ufunc, o=numpy_out: u(z, out=o),
            lambda u=ufunc, o=dual_out: u(x, out=o),
        ]
        numpy_time, dual_time = interleaved(calls, rounds)
        with np.errstate(all="ignore"):
            agree = relative_difference(dual_out.value, numpy_out)
        rows.append(
            [
                name,
                f"{numpy_time * 1e3:.3f}",
                f"{dual_time * 1e3:.3f}",
                f"{dual_time / numpy_time:.2f}x",
                f"{agree:.1e}",
            ]
        )
        print(f"  {name}: {dual_time / numpy_time:.2f}x", flush=True)
    return rows


def header(args: argparse.Namespace) -> str:
    jax_version = "not installed (its rows skipped)"
    if HAVE_JAX:
        import jax

        jax_version = jax.__version__
    return "\n".join(
        [
            f"- cpu: {cpu_model()}, {platform.python_implementation()} "
            f"{platform.python_version()}, numpy {np.__version__}, jax {jax_version}, "
            f"hyperdiff {hd.__version__} (kernels: {_core.isa()})",
            f"- one thread on every side; z uniform on |Re z|, |Im z| < 2, seed {SEED}; "
            f"{args.rounds} interleaved rounds, medians; jax (first call): the best of 3",
            "- who / hyperdiff above 1: hyperdiff is faster; all calls allocate their results",
            "- the Wirtinger peer is JAX's jvp along 1 and along 1j (JAX has no Wirtinger "
            "transform), then (d_x -+ i d_y) / 2: what hyperdiff.wirtinger computes too, "
            "in one pass of a complex DualVec(2)",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=10**6)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--no-kernels", dest="kernels", action="store_false", help="skip the per-kernel table"
    )
    parser.add_argument("--out", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    hd.set_num_threads(1)

    rows: list[list[str]] = []
    check_rows: list[list[str]] = []
    agreed = True
    for case in cases(args.points):
        for what, difference, tolerance in case.checks:
            ok = difference <= tolerance
            agreed &= ok
            verdict = "ok" if ok else "DISAGREE"
            check_rows.append([case.name, what, f"{difference:.1e}", f"{tolerance:.0e}", verdict])
            print(f"  {case.name}: {what} {difference:.1e} {verdict}", flush=True)
        calls = [case.numpy_f, case.hyperdiff, *case.peers.values()]
        times = interleaved(calls, args.rounds)
        named = dict(zip(["numpy f", "hyperdiff", *case.peers], times, strict=True))
        if case.jax_first is not None:
            named["jax (first call)"] = min(first_call(case.jax_first) for _ in range(3))
        base, ours = named["numpy f"], named["hyperdiff"]
        for name, seconds in named.items():
            rows.append(
                [
                    case.name,
                    name,
                    f"{seconds * 1e3:.3f}",
                    f"{seconds / base:.1f}x",
                    "" if name == "hyperdiff" else f"{seconds / ours:.2f}",
                ]
            )
            print(f"  {case.name}: {name} {seconds * 1e3:.3f} ms", flush=True)

    sections = [
        markdown(["case", "who", "ms", "/ numpy f", "who / hyperdiff"], rows, numeric_from=2),
        "## Agreement (checked before timing)\n\n"
        + markdown(
            ["case", "compared", "max rel. difference", "tolerance", ""],
            check_rows,
            numeric_from=2,
        ),
    ]
    if args.kernels:
        kernels = kernel_rows(args.points, args.rounds)
        sections.append(
            f"## Complex kernels, HyperDual complex128, N = {format_size(args.points)}, out=\n\n"
            + markdown(
                ["function", "numpy ms", "hyperdiff ms", "ratio", "value vs numpy"],
                kernels,
                numeric_from=1,
            )
        )
    report = "\n\n".join([header(args), *sections])
    print("\n" + report)
    if args.out:
        command = " ".join(sys.argv[1:] if argv is None else argv)
        args.out.write_text(
            "# Complex derivatives against numpy's f alone and JAX\n\n"
            f"`python bench/complex.py {command}`\n\n" + report + "\n"
        )
    return 0 if agreed else 1


if __name__ == "__main__":
    raise SystemExit(main())
