"""Sparsity detection of one element at a time (x[i] in a loop, and the numbers
computed from such: _one_element_ufunc's sets) against the same operations on arrays
of many elements (the general path's sparse matrices, independent of the sets): the
Jacobian and Hessian patterns of seeded random programs agree exactly, and a loop's
Rosenbrock pattern is the tridiagonal."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

UNARY = [np.sin, np.exp, np.square, np.negative, np.abs, np.sqrt, np.log1p, np.tanh]
BINARY = [np.add, np.subtract, np.multiply, np.divide, np.maximum, np.copysign, np.hypot]
CONSTANTS = [0.0, 1.0, 2.0, -0.5, 3]  # (0: a product's structural zero; x ** 0, x ** 1)


def program(seed: int, inputs: int, steps: int) -> list[tuple[Any, ...]]:
    """Steps (op, operands): an operand is an earlier value ("v", k), an input
    ("x", j) or a number ("c", value); power's exponent a number."""
    rng = np.random.default_rng(seed)
    code: list[tuple[Any, ...]] = []

    def operand(k: int) -> tuple[str, Any]:
        r = rng.random()
        if k and r < 0.5:
            return ("v", int(rng.integers(k)))
        if r < 0.85:
            return ("x", int(rng.integers(inputs)))
        return ("c", CONSTANTS[int(rng.integers(len(CONSTANTS)))])

    for k in range(steps):
        r = rng.random()
        if r < 0.35:
            code.append((UNARY[int(rng.integers(len(UNARY)))], operand(k)))
        elif r < 0.5:
            exponent = CONSTANTS[int(rng.integers(len(CONSTANTS)))]
            code.append((np.power, operand(k), ("c", exponent)))
        else:
            op = BINARY[int(rng.integers(len(BINARY)))]
            code.append((op, operand(k), operand(k)))
    return code


def run(code: list[tuple[Any, ...]], xs: list[Any]) -> Any:
    values: list[Any] = []
    for op, *operands in code:
        args = [values[v] if kind == "v" else xs[v] if kind == "x" else v for kind, v in operands]
        values.append(op(*args))
    return values[-1] + xs[0] * 0.0  # (one element per output even if constant)


@pytest.mark.parametrize("seed", range(80))
def test_one_element_sets_agree_with_arrays(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    n, m, inputs = 9, 5, 3
    picks = rng.integers(0, n, (inputs, m))  # output k reads x[picks[:, k]]
    code = program(seed, inputs, 4 + seed % 6)
    x = rng.uniform(0.5, 1.5, n)

    def elements(v: Any) -> Any:
        return np.stack([run(code, [v[int(picks[j, k])] for j in range(inputs)]) for k in range(m)])

    def arrays(v: Any) -> Any:
        return run(code, [v[picks[j]] for j in range(inputs)])

    with np.errstate(all="ignore"):
        want = hd.jacobian_sparsity(arrays)(x)
        got = hd.jacobian_sparsity(elements)(x)
        assert (got != want).nnz == 0, code
        want = hd.hessian_sparsity(lambda v: np.sum(arrays(v)))(x)
        got = hd.hessian_sparsity(lambda v: np.sum(elements(v)))(x)
        assert (got != want).nnz == 0, code


def test_a_loops_rosenbrock_is_tridiagonal() -> None:
    n = 300
    x = np.random.default_rng(3).uniform(0.5, 1.5, n)

    def f(v: Any) -> Any:
        total = 0.0
        for i in range(n - 1):
            total = total + 100.0 * (v[i + 1] - v[i] ** 2) ** 2 + (1.0 - v[i]) ** 2
        return total

    want = np.eye(n, dtype=bool) | np.eye(n, k=1, dtype=bool) | np.eye(n, k=-1, dtype=bool)
    np.testing.assert_array_equal(hd.hessian_sparsity(f)(x).toarray(), want)
    h = hd.hessian(f, sparsity="auto")(x)
    diag = 1200.0 * x**2 - 400.0 * np.r_[x[1:], 0.0] + 2.0
    diag[-1] = 200.0
    diag[0] = 1200.0 * x[0] ** 2 - 400.0 * x[1] + 2.0
    diag[1:-1] += 200.0
    np.testing.assert_allclose(h.diagonal(), diag, rtol=1e-13)
    np.testing.assert_allclose(h.diagonal(1), -400.0 * x[:-1], rtol=1e-13)


def test_large_unions_of_a_loops_totals() -> None:
    # running totals whose sets grow past the size united at once (_Union: united when
    # read): a nonlinear function of one, a product of two, against the same on arrays
    n = 200
    x = np.random.default_rng(4).uniform(0.5, 1.5, n)

    def looped(v: Any) -> Any:
        chain, block, other = 0.0, 0.0, 0.0
        for i in range(n - 1):
            chain = chain + v[i] * v[i + 1]
        for i in range(80):
            block = block + v[i]
            other = other + v[199 - i] ** 2
        return chain + np.exp(block) + block * other + np.sin(other)

    def vectorized(v: Any) -> Any:
        block, other = np.sum(v[:80]), np.sum(v[120:] ** 2)
        return np.sum(v[:-1] * v[1:]) + np.exp(block) + block * other + np.sin(other)

    for pattern in (hd.jacobian_sparsity, hd.hessian_sparsity):
        want = pattern(vectorized)(x).toarray()
        got = pattern(looped)(x).toarray()
        np.testing.assert_array_equal(got, want)
    # (and both are the dense Hessian's nonzeros: no entry cancels here)
    np.testing.assert_array_equal(got, hd.hessian(vectorized)(x) != 0)


@pytest.mark.parametrize("seed", range(30))
def test_element_writes_agree_with_slice_writes(seed: int) -> None:
    # r[i] = ... one element at a time (kept apart until read: _write_one) against
    # r[i:i + 1] = ... (the general path), in the same random order: numbers, x's
    # elements, r's own (read after a write), some slices between, and a view of r
    # read before the writes
    rng = np.random.default_rng(seed)
    n = 12
    x = rng.uniform(0.5, 1.5, n)
    steps = []
    for _ in range(25):
        i, j, k = (int(v) for v in rng.integers(-n, n, 3))
        steps.append((["number", "x", "r", "slice"][int(rng.integers(4))], i, j, k))

    def make(one: bool) -> Any:
        def f(v: Any) -> Any:
            r = np.zeros_like(v)
            head = r[:3] * 1.0  # (a copy, read before the writes)
            for kind, i, j, k in steps:
                target = i if one else slice(i % n, i % n + 1)
                if kind == "number":
                    r[target] = 2.5
                elif kind == "x":
                    r[target] = np.sin(v[j]) * v[k]
                elif kind == "r":
                    r[target] = r[j] ** 2 + v[k]
                else:
                    lo = min(i % n, j % n)
                    r[lo : lo + 3] = v[lo : lo + 3] * r[k]
            return np.concatenate([r, head, [r[0] * r[-1]]])

        return f

    for pattern in (hd.jacobian_sparsity, lambda f: hd.hessian_sparsity(lambda v: np.sum(f(v)))):
        want = pattern(make(False))(x).toarray()
        got = pattern(make(True))(x).toarray()
        np.testing.assert_array_equal(got, want)
    # (a superset of the dense Jacobian's nonzeros: r's zeros, traced, count)
    dense = hd.jacobian(make(True))(x) != 0
    assert not np.any(dense & ~hd.jacobian_sparsity(make(True))(x).toarray())


def test_an_element_write_stales_a_view_as_any_write() -> None:
    x = np.linspace(0.5, 1.5, 6)

    def f(v: Any) -> Any:
        r = v * 1.0
        view = r[1:4]
        r[2] = v[0] ** 2
        return view * 2.0

    with pytest.raises(TypeError, match="view"):
        hd.jacobian_sparsity(f)(x)
    np.testing.assert_array_equal(hd.jacobian(f)(x)[1], [4 * x[0], 0, 0, 0, 0, 0])  # (it sees it)


def test_a_traced_number_written_into_a_float_array_is_a_clear_type_error() -> None:
    # numpy's own words were "setting an array element with a sequence" (a ValueError);
    # the dense transforms refuse the same code with a TypeError naming the write
    x = np.linspace(0.5, 1.5, 5)

    def f(v: Any) -> Any:
        r = np.zeros(len(v))
        for i in range(len(v)):
            r[i] = v[i] ** 2
        return r

    for transform in (
        hd.jacobian_sparsity(f),
        hd.hessian_sparsity(lambda v: np.sum(f(v))),
        hd.jacobian(f, sparsity="auto"),
    ):
        with pytest.raises(TypeError, match=r"np\.zeros_like"):
            transform(x)

    # ... naming the write and its remedy (an element, a slice, x op= y), on every kind
    # and dtype the conversion meets (float(), complex(), int(), an array's)
    def sliced(v: Any) -> Any:
        r = np.zeros(len(v))
        r[1:] = v[1:] ** 2
        return r

    def added(v: Any) -> Any:
        r = np.zeros(len(v), dtype=complex)
        r[0] += v[0] * 1j
        return r

    def counted(v: Any) -> Any:
        r = np.zeros(len(v), dtype=int)
        r[2] = v[2]
        return r * v

    for g, transform in (
        (f, hd.jacobian),
        (sliced, hd.jacobian),
        (added, hd.jacobian),
        (counted, hd.jacobian),
        (lambda v: np.sum(f(v)), hd.hessian),
        (lambda v: np.sum(sliced(v)), hd.grad),
    ):
        with pytest.raises(TypeError, match=r"written into an array of plain.*np\.zeros_like"):
            transform(g)(x)
    # a conversion that is no write keeps its own message
    with pytest.raises(TypeError, match=r"math's functions"):
        hd.jacobian(lambda v: float(v[0]) * v)(x)
    with pytest.raises(TypeError, match=r"use \.value"):
        hd.jacobian(lambda v: np.asarray(v, dtype=float) * v)(x)

    def ragged(v: Any) -> Any:  # (the function's own ValueError stays numpy's)
        return np.array([[1.0, 2.0], [3.0]]) * v[0]

    with pytest.raises(ValueError, match="inhomogeneous"):
        hd.jacobian_sparsity(ragged)(x)


@pytest.mark.parametrize("seed", range(12))
def test_grid_element_reads_and_writes_agree_with_slices(seed: int) -> None:
    # u[i, j] and r[i, j] = ... of 2-d tracers (one element by ints, negative ones
    # too: the sets, the writes kept apart) against one-element slices (the general
    # path), in the same random order, r's own elements read after writes
    rng = np.random.default_rng(50 + seed)
    m, k = 3, 4
    x = rng.uniform(0.5, 1.5, m * k)

    def cell() -> tuple[int, int]:
        return int(rng.integers(-m, m)), int(rng.integers(-k, k))

    cells = [(cell(), cell(), cell()) for _ in range(20)]

    def element(a: Any, i: int, j: int, one: bool) -> Any:
        return a[i, j] if one else a[i % m : i % m + 1, j % k : j % k + 1]

    def make(one: bool) -> Any:
        def f(v: Any) -> Any:
            u = v.reshape(m, k)
            r = np.zeros_like(u)
            for target, source, own in cells:
                read, again = element(u, *source, one), element(r, *own, one)
                value = read * again + np.sin(read)
                if one:
                    r[target] = value
                else:
                    i, j = target
                    r[i % m : i % m + 1, j % k : j % k + 1] = value
            return r.ravel()

        return f

    for pattern in (hd.jacobian_sparsity, lambda f: hd.hessian_sparsity(lambda v: np.sum(f(v)))):
        np.testing.assert_array_equal(
            pattern(make(True))(x).toarray(), pattern(make(False))(x).toarray()
        )


def test_power_and_product_rules_in_closed_form() -> None:
    # the rules both paths share (_pairing, _factors), against patterns written out:
    # x ** 1 is linear (no pair), x ** 0 and 0 * x depend on nothing, x ** 2 pairs x
    # with itself, x * y pairs x with y (not x with x), x / c is linear
    n = 6
    x = np.linspace(0.5, 1.5, n)

    def vectorized(v: Any) -> Any:
        a, b = v[:-1], v[1:]
        return np.sum(a**1 * b + a**0 * 3.0 + 0.0 * b**3 + b / 4.0) + v[0] ** 2.0

    def looped(v: Any) -> Any:
        total = 0.0
        for i in range(n - 1):
            a, b = v[i], v[i + 1]
            total = total + (a**1 * b + a**0 * 3.0 + 0.0 * b**3 + b / 4.0)
        return total + v[0] ** 2.0

    want = np.eye(n, k=1, dtype=bool) | np.eye(n, k=-1, dtype=bool)
    want[0, 0] = True  # (v[0] ** 2.0 alone)
    for f in (vectorized, looped):
        np.testing.assert_array_equal(hd.hessian_sparsity(f)(x).toarray(), want)
        jac = hd.jacobian_sparsity(lambda v, f=f: np.reshape(f(v), (1,)))(x).toarray()
        np.testing.assert_array_equal(jac, np.ones((1, n), dtype=bool))
