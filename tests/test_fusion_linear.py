"""Chains of linear operations in a fused graph (negative, positive, add, subtract, and
multiply and divide by an operand without parts, and a DualVec's unary functions they
read) run as one program per block (cpp/bindings/linear_chain.hpp) instead of one
table kernel each. Their results must be
the table kernels' bit for bit: values and every part, signed zeros, infinities and nan
included, on every kind and dtype (the real ones run as programs, the others as before).
The reference is the same chain evaluated eagerly, one kernel at a time (recording off),
compared as bits (assert_array_equal takes -0 for +0)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fusion_harness import eager, pending, record_from_64, run_under_isa  # noqa: F401

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._arrays import DualArray
from hyperdiff._taylor import taylor_type

N = 600  # elements: above the threshold the fixture sets, so every fast call records


pytestmark = pytest.mark.usefixtures("record_from_64")


# an instance of each kind (its class and plane count; the dtype is the planes')
KINDS: dict[str, Callable[[], Any]] = {
    "dual": lambda: hd.dual(np.zeros(2), 1.0),
    "hyperdual": lambda: hd.hyperdual(np.zeros(2), 1.0, 1.0, 0.0),
    "dualvec3": lambda: hd.dualvec(np.zeros(2), [np.ones(2)] * 3),
    "hyperdualvec2": lambda: hd.hyperdualvec(np.zeros(2), [np.ones(2)] * 2),
    "taylor3": lambda: taylor_type(3)._wrap(np.zeros((4, 2))),
}
DTYPES = [np.float64, np.float32, np.complex128, np.complex64]

SPECIAL = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -2.5, 3.0, 1e-310, 1e-45, 1e38, 1e308, -7.0, 0.1]
)


def special(shape: tuple[int, ...], dtype: type, seed: int) -> np.ndarray:
    """Values drawn from SPECIAL (half of them) and ordinary numbers, of dtype."""
    rng = np.random.default_rng(seed)

    def draw() -> np.ndarray:
        pick = rng.choice(SPECIAL, shape)
        return np.where(rng.random(shape) < 0.5, pick, rng.uniform(-4, 4, shape))

    out: np.ndarray = np.empty(shape, dtype)
    with np.errstate(over="ignore", under="ignore"):
        out.real = draw()
        if np.issubdtype(dtype, np.complexfloating):
            out.imag = draw()
    return out


def operand(kind: str, dtype: type, seed: int) -> DualArray:
    like = KINDS[kind]()
    planes = special((like._stack.shape[0], N), dtype, seed)
    return type(like)._wrap(planes)  # type: ignore[no-any-return]


def finite_operand(kind: str, dtype: type, seed: int, bound: float = 4.0) -> DualArray:
    """An operand whose values are finite (uniform in +-bound, every seventh 0), its
    parts drawn from SPECIAL."""
    like = KINDS[kind]()
    planes = special((like._stack.shape[0], N), dtype, seed)
    planes[0] = np.random.default_rng(seed).uniform(-bound, bound, N)
    planes[0, ::7] = 0.0
    return type(like)._wrap(planes)  # type: ignore[no-any-return]


def banded(x: Any) -> Any:  # bench/sparse.py's residual, inner part
    return -x[:-2] + 2.0 * x[1:-1] - x[2:] + 1e-2 * np.exp(x[1:-1])


def mixed(x: Any, y: Any, c: np.ndarray) -> Any:
    # numbers and a plain array on either side, +x, division by a number and an array
    return (x - y) / 3.0 + (+x) - 0.5 * (-y) + (2.0 - x) + c * y - x / c + (y + 1.5) - (c - x)


def long_chain(x: Any, y: Any, c: np.ndarray) -> Any:
    # more steps than one program takes (linear_chain.hpp's kMaxSteps)
    s = x
    for k in range(14):
        s = s * 1.25 + y - x / 7.0 if k % 2 else -s - c * x + 0.5
    return s


def shared(x: Any, y: Any, c: np.ndarray) -> Any:
    # an operation read twice (t + t), and one whose reader is not linear (t * y)
    t = -x + c
    return (t + t) * 2.0 - t * y + np.sin(t - y) / 4.0


def held(x: Any, y: Any, c: np.ndarray) -> tuple[Any, Any]:
    # an intermediate result held outside the graph is written out, its reader still fused
    t = x - 2.0 * y
    return t * 3.0 - c, t


def zeros_and_infinities(x: Any, y: Any, c: np.ndarray) -> Any:
    # constants that make the strong zeros and the nan partials matter
    return (
        x * 0.0
        + (-0.0) * y
        - x * np.inf
        + y / 0.0
        - x / -0.0
        + (0.0 - x)
        + (x - 0.0)
        + np.inf * y
        - (y + -np.inf)
    )


def sums(x: Any, y: Any, c: np.ndarray) -> Any:
    # adds and subtracts each reading the last as its first operand (one loop, the
    # programs' sums): with a number and a plain array among the terms, and a sum read
    # as a second operand (c - (x + y)), a sum starting with a number (2.0 - y)
    s = x - y + 2.0 - c + (-x) - 0.5 * y + y
    return (s - (c - (x + y))) + ((2.0 - y) - x)


def negative_zero_sums(x: Any, y: Any, c: np.ndarray) -> tuple[Any, Any]:
    # sums whose value is -0 where x and y are +0: -0 + -0 (a first term's 0 + would
    # make it +0; its parts must be)
    return -x - 0.5 * y, (-x) + (-y)


def folded(x: Any, y: Any, c: np.ndarray) -> Any:
    # negatives, positives and products by a number read by one add or subtract alone
    # (the programs fold them into its sum): on both operands, on one beside a step,
    # beside an operand without parts on either side, a product by a subnormal; t is
    # read twice and -y by a product: not folded
    t = 0.5 * x
    return (
        ((-x + 2.0 * y) - (+x))
        + (y * 3.0 - c)
        + ((-y) + c)
        + (c - 1e-310 * x)
        + (t + t)
        - 0.25 * (-y)
    )


CHAINS: dict[str, Callable[..., Any]] = {
    "sums": sums,
    "negative_zero_sums": negative_zero_sums,
    "folded": folded,
    "mixed": mixed,
    "long_chain": long_chain,
    "shared": shared,
    "held": held,
    "zeros_and_infinities": zeros_and_infinities,
}


def same_bits(got: np.ndarray, want: np.ndarray) -> None:
    """The same bits (signed zeros told apart), but a nan's sign and payload: of two nan
    operands x86 returns one, by an operand order the compiler may swap for a
    commutative operation (numpy defines neither)."""
    assert got.dtype == want.dtype and got.shape == want.shape
    real = np.finfo(got.dtype).dtype
    g = np.ascontiguousarray(got).view(real)
    w = np.ascontiguousarray(want).view(real)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
    bits = np.dtype(f"u{real.itemsize}")
    numbers = ~np.isnan(g)
    np.testing.assert_array_equal(g.view(bits)[numbers], w.view(bits)[numbers])


def planes_of(result: Any) -> list[np.ndarray]:
    results = result if isinstance(result, tuple) else (result,)
    return [r._stack for r in results]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("chain", CHAINS)
def test_linear_chains_same_bits_as_eager(kind: str, dtype: type, chain: str) -> None:
    c = special((N,), dtype, 3)
    c[c == 0] = 0.5  # (x / c at c = 0 is in zeros_and_infinities)
    f = CHAINS[chain]
    with np.errstate(all="ignore"):
        got = f(operand(kind, dtype, 1), operand(kind, dtype, 2), c.copy())
        assert all(pending(r) for r in (got if isinstance(got, tuple) else (got,)))
        want = eager(f, operand(kind, dtype, 1), operand(kind, dtype, 2), c.copy())
        for g, w in zip(planes_of(got), planes_of(want), strict=True):
            same_bits(g, w)


def scaled(x: Any, y: Any, c: np.ndarray) -> tuple[Any, ...]:
    # products by a number as the last step (the sum rules turn a part's -0 into +0), by
    # numbers finite and not zero (the programs' finite_factor: part products that
    # underflow, 1e-310 and 1e-45) and by zeros (the strong zero's rule: 0 x inf is 0)
    return (
        (x * 2.0 - 1e-310 * y) * -3.5,
        1e-45 * x,
        x * 0.0,
        -0.0 * (y - c * x),
        -(y - x),
        -x,
    )


@pytest.mark.parametrize("kind", ["dual", "hyperdual", "dualvec3", "hyperdualvec2"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "chain",
    [
        "scaled",
        "sums",
        "negative_zero_sums",
        "folded",
        "mixed",
        "long_chain",
        "zeros_and_infinities",
    ],
)
def test_finite_values_same_bits_as_eager(kind: str, dtype: type, chain: str) -> None:
    """Inputs' values all finite, parts drawn from SPECIAL (zeros of either sign,
    infinities, nan, subnormals): a program's sub-blocks whose values stay defined run
    the defined-value rules (scaled's, mixed's and long_chain's; a nan value anywhere
    in one takes the general rule there, as zeros_and_infinities' constants make)."""
    f = {"scaled": scaled, **CHAINS}[chain]

    def finite(seed: int) -> DualArray:
        return finite_operand(kind, dtype, seed)

    c = np.random.default_rng(3).uniform(0.5, 2, N).astype(dtype)
    with np.errstate(all="ignore"):
        got = f(finite(1), finite(2), c.copy())
        assert all(pending(r) for r in (got if isinstance(got, tuple) else (got,)))
        want = eager(f, finite(1), finite(2), c.copy())
        for g, w in zip(planes_of(got), planes_of(want), strict=True):
            same_bits(g, w)


# random_chain's operations on a, b (earlier results), n (a number) and c (plain)
CHAIN_STEPS: list[Callable[[Any, Any, float, np.ndarray], Any]] = [
    lambda a, b, n, c: a + b,
    lambda a, b, n, c: a - b,
    lambda a, b, n, c: b - a,
    lambda a, b, n, c: -a,
    lambda a, b, n, c: +a,
    lambda a, b, n, c: n * a,
    lambda a, b, n, c: a * n,
    lambda a, b, n, c: a / (n or 3.0),
    lambda a, b, n, c: a + n,
    lambda a, b, n, c: n - a,
    lambda a, b, n, c: a * c - b,
    lambda a, b, n, c: c - a / c + b,
    # unary functions (steps of a DualVec's programs: linear_chain.hpp's kUnary), a
    # structural zero's among them
    lambda a, b, n, c: 0.5 * np.exp(a / 8.0) - b,
    lambda a, b, n, c: np.sin(a) + np.floor(b),
    lambda a, b, n, c: c * np.sqrt(a) - n * np.absolute(b),
]


def random_chain(seed: int) -> Callable[..., Any]:
    """A random linear chain of x, y (dual) and c (plain): adds and subtracts with the
    chain on either side, negatives, positives, products and quotients by numbers
    (finite, zero, subnormal, infinite) and by c, and now and then a step read twice or
    by a nonlinear operation: the programs' sums and folds in every arrangement."""
    numbers = [2.0, -0.5, 3.0, 1e-310, 0.0, -0.0, np.inf, 7.0]

    def f(x: Any, y: Any, c: np.ndarray) -> Any:
        rng = np.random.default_rng(seed)  # (each call the same chain)
        pool = [x, y]
        for _ in range(int(rng.integers(4, 11))):
            a = pool[int(rng.integers(len(pool)))]
            b = pool[int(rng.integers(len(pool)))]
            n = numbers[int(rng.integers(len(numbers)))]
            made = CHAIN_STEPS[int(rng.integers(len(CHAIN_STEPS)))](a, b, n, c)
            if rng.random() < 0.1:
                made = made + made  # read twice
            elif rng.random() < 0.05:
                made = made * y  # read by a nonlinear operation
            pool.append(made)
        return pool[-1]

    return f


@pytest.mark.parametrize("kind", ["dual", "dualvec3", "hyperdualvec2"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(40))
def test_random_chains_same_bits_as_eager(kind: str, dtype: type, seed: int) -> None:
    """Random chains (random_chain) fused against eager, values all finite and parts
    drawn from SPECIAL (the sums' rule), then everything from SPECIAL (the general rule
    in a sub-block with a nan value): the same bits."""

    def finite(s: int) -> DualArray:
        return finite_operand(kind, dtype, s)

    c = np.random.default_rng(seed).uniform(0.5, 2, N).astype(dtype)
    for make in (finite, lambda s: operand(kind, dtype, s)):
        with np.errstate(all="ignore"):
            f = random_chain(seed)
            got, want = f(make(1), make(2), c.copy()), eager(f, make(1), make(2), c.copy())
        same_bits(got._stack, want._stack)


def unary_function(name: str, module: str) -> Any:
    """The numpy or scipy.special ufunc of the kernel table's unary function `name`."""
    if module == "numpy":
        return getattr(np, name)
    special_functions = pytest.importorskip("scipy.special")
    return getattr(special_functions, name)


UNARY = [(name, module) for name, module, _ in _core.UNARY_FUNCTIONS]


@pytest.mark.parametrize("kind", ["dualvec3", "hyperdualvec2", "dual"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, module", UNARY, ids=[name for name, _ in UNARY])
def test_unary_steps_same_bits_as_eager(kind: str, dtype: type, name: str, module: str) -> None:
    """Every unary function of the kernel table inside linear chains (a DualVec's are
    steps of its programs: f0, f1 of the table's derivatives and the Jet rule
    term(f1, x'); a HyperDualVec's and a Dual's run their kernels): on values drawn
    from SPECIAL (nan values: the general rule of the chain's sub-block, inputs outside
    the domain), then on finite values with special parts (structural zeros: floor's
    and sign's f1 = 0 against inf and nan parts), the same bits as eager."""
    fn = unary_function(name, module)

    def f(x: Any, y: Any, c: np.ndarray) -> Any:
        return 2.0 * x - 0.5 * fn(y) + fn(x - c) - (y + fn(x) * 3.0)

    def finite(seed: int) -> DualArray:
        return finite_operand(kind, dtype, seed, 0.9)

    c = np.random.default_rng(3).uniform(-0.05, 0.05, N).astype(dtype)
    for make in (lambda s: operand(kind, dtype, s), finite):
        with np.errstate(all="ignore"):
            got = f(make(1), make(2), c.copy())
            assert pending(got)
            want = eager(f, make(1), make(2), c.copy())
        same_bits(got._stack, want._stack)


@pytest.mark.parametrize("kind", ["dual", "hyperdual", "dualvec3", "hyperdualvec2"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_banded_same_bits_as_eager(kind: str, dtype: type) -> None:
    with np.errstate(all="ignore"):
        got = banded(operand(kind, dtype, 5))
        assert pending(got)
        same_bits(got._stack, eager(banded, operand(kind, dtype, 5))._stack)


def test_banded_sparse_jacobian_closed_form() -> None:
    # the compressed pass at the default threshold (n = 1e5 records), against the
    # tridiagonal closed form: -1, 2 + 1e-2 exp(x_i), -1 on the inner rows
    n = 100_000
    x = np.random.default_rng(0).uniform(0.5, 1.5, n)

    def f(x: Any) -> Any:
        return np.concatenate([x[:1], banded(x), x[-1:]])

    _core.fusion_min_count(1 << 15)
    for check in (True, False):
        J = hd.jacobian(f, sparsity="auto", check_sparsity=check)(x)
        rows = np.arange(1, n - 1)
        np.testing.assert_allclose(J.diagonal()[1:-1], 2.0 + 1e-2 * np.exp(x[1:-1]), rtol=1e-15)
        np.testing.assert_array_equal(np.asarray(J[rows, rows - 1]).ravel(), -1.0)
        np.testing.assert_array_equal(np.asarray(J[rows, rows + 1]).ravel(), -1.0)
        assert J[0, 0] == J[n - 1, n - 1] == 1.0
        assert J.nnz == 3 * (n - 2) + 2


@pytest.mark.slow  # this file's bit tests again, in a subprocess per instruction set
@pytest.mark.parametrize("isa", ["v2", "v3", "v4"])
def test_each_instruction_sets_programs_same_bits(isa: str) -> None:
    # the programs are compiled for x86-64-v4, v3 and the baseline (linear_chain.hpp),
    # run as the kernel table's choice (HYPERDIFF_ISA forces one)
    run_under_isa(isa, __file__, ["-k", "same_bits"])
