"""Writes against numpy, the derivative by a complex step (numpy itself on x + i h v:
the imaginary part is h times the derivative along v, exactly for the linear writes).

1. take and compress wrote into an out= that numpy refuses (numpy's rule for these
   two is 'safe' from out's dtype to the array's: float64 into a complex64 out,
   float32 into a float64 one): a float64 result rounded into complex64 without a word.
2. The families that were right and had no test that reaches them: repeated indices in
   setitem (numpy's last-wins, value and parts from the same write), ufunc.at with
   repeated indices (accumulating, the product rule through multiply/divide/power),
   writes through views of reversed views, mixed boolean / integer / None / Ellipsis
   keys, put / place / putmask / copyto(where=), out= overlapping an input, 0-d arrays.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

DTYPES = [np.float64, np.float32, np.complex64, np.complex128]


@pytest.mark.parametrize("source", DTYPES)
@pytest.mark.parametrize("target", DTYPES)
@pytest.mark.parametrize(
    "write",
    [
        lambda a, out: np.take(a, [0, 1], out=out),
        lambda a, out: np.compress([True, True, False, False], a, out=out),
    ],
    ids=["take", "compress"],
)
def test_out_dtypes_follow_numpy(write: Any, source: Any, target: Any) -> None:
    a = (np.arange(4.0) + 1).astype(source)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (numpy only warns for complex into real)
        try:
            write(a, np.zeros(2, target))
            numpy_refuses = False
        except (TypeError, np.exceptions.ComplexWarning):
            numpy_refuses = True
    x = hd.dual(a, np.full(4, 2.0, dtype=source))
    out = hd.dual(np.zeros(2, target), np.zeros(2, target))
    if numpy_refuses:
        with pytest.raises(TypeError):
            write(x, out)
        return
    write(x, out)
    expected = np.zeros(2, target)
    write(a, expected)
    np.testing.assert_array_equal(out.value, expected)
    np.testing.assert_array_equal(out.d, np.full(2, 2.0, dtype=target))


# --- the complex-step differential of writes ---------------------------------------------
H = 1e-20  # the step of the nonlinear writes (ufunc.at of multiply, divide, power)


def _dual(z: np.ndarray, h: float) -> Any:
    return hd.dual(z.real.copy(), z.imag / h)


def _agree(name: str, got: Any, z: np.ndarray, h: float) -> None:
    assert got.shape == z.shape, name
    if h == 1.0:  # linear: exactly numpy's numbers
        np.testing.assert_array_equal(got.value, z.real, err_msg=name)
        np.testing.assert_array_equal(got.d, z.imag, err_msg=name)
    else:
        np.testing.assert_allclose(got.value, z.real, rtol=1e-15, atol=0, err_msg=name)
        np.testing.assert_allclose(got.d, z.imag / h, rtol=1e-12, atol=1e-300, err_msg=name)


def _run(name: str, write: Callable[..., Any], *arrays: np.ndarray, h: float = 1.0) -> None:
    """write(*arrays) on dual arrays and on the complex references; every array it
    touched (and what it returns) must agree."""
    references = [a.copy() for a in arrays]
    duals = [_dual(a, h) for a in arrays]
    expected = write(*references)
    got = write(*duals)
    if expected is not None:
        _agree(name, got, np.asarray(expected), h)
    for k, (d, r) in enumerate(zip(duals, references, strict=True)):
        _agree(f"{name}: operand {k}", d, r, h)


Case = tuple[str, Callable[..., Any], tuple[Any, ...], float]


def _cases(rng: np.random.Generator) -> list[Case]:
    shape = tuple(int(n) for n in rng.integers(2, 5, rng.integers(1, 4)))
    z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    idx = rng.integers(-shape[0], shape[0], 5)  # repeats likely
    w = rng.standard_normal((5, *shape[1:])) + 1j * rng.standard_normal((5, *shape[1:]))
    mask = rng.random(shape) < 0.5
    masked = rng.standard_normal(int(mask.sum())) + 1j * rng.standard_normal(int(mask.sum()))
    short = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    row = rng.standard_normal(shape[-1:]) + 1j * rng.standard_normal(shape[-1:])
    flat = rng.integers(-z.size, z.size, 5)

    def setitem(a: Any, b: Any) -> None:
        a[idx] = b

    def through_views(a: Any, b: Any) -> None:
        view = a[::-1][...]
        view[:][idx] = b

    def with_mask(a: Any, b: Any) -> None:
        a[mask] = b

    def none_and_steps(a: Any, b: Any) -> None:
        a[None, idx, ...] = b[None]

    def put(a: Any, b: Any) -> None:
        np.put(a, flat * 3, b, mode="wrap")

    def place(a: Any, b: Any) -> None:
        np.place(a, mask, b)

    def putmask(a: Any, b: Any) -> None:
        np.putmask(a, mask, b)

    def copyto(a: Any, b: Any) -> None:
        np.copyto(a, b, where=mask)

    def shifted_out(a: Any) -> None:
        np.add(a[1:], a[:-1], out=a[1:])

    def reversed_out(a: Any) -> None:
        np.negative(a[::-1], out=a)

    def mixed_key(a: Any) -> Any:
        if a.ndim == 1:
            return a[None, mask][..., ::-1]
        return a[idx, ..., ::-1][:, None, mask[0]]

    cases: list[Case] = [
        ("setitem, repeated indices", setitem, (z, w), 1.0),
        ("setitem through views", through_views, (z, w), 1.0),
        ("setitem, mask", with_mask, (z, masked), 1.0),
        ("setitem, None and Ellipsis", none_and_steps, (z, w), 1.0),
        ("put", put, (z, w[:, ...].ravel()[:5]), 1.0),
        ("place", place, (z, short), 1.0),
        ("putmask", putmask, (z, short), 1.0),
        ("copyto where", copyto, (z, row), 1.0),
        ("out= shifted over its input", shifted_out, (z,), 1.0),
        ("out= reversed over its input", reversed_out, (z,), 1.0),
        ("getitem, mixed", mixed_key, (z,), 1.0),
    ]
    for ufunc in (np.add, np.subtract, np.multiply, np.divide, np.power):
        h = 1.0 if ufunc in (np.add, np.subtract) else H
        base = z.real + 1j * h * z.imag
        other = w.real + 1j * h * w.imag
        if ufunc is np.power:  # positive bases, moderate exponents
            base = np.abs(base.real) + 0.5 + 1j * base.imag
            other = 0.5 * other.real + 1j * other.imag

        def at(a: Any, b: Any, ufunc: Any = ufunc) -> None:
            ufunc.at(a, idx, b)

        cases.append((f"{ufunc.__name__}.at, repeated indices", at, (base, other), h))
    return cases


@pytest.mark.parametrize("seed", range(12))
def test_writes_agree_with_a_complex_step(seed: int) -> None:
    for name, write, arrays, h in _cases(np.random.default_rng(seed)):
        _run(name, write, *arrays, h=h)


def test_zero_dimensional_writes() -> None:
    z = np.array(0.3 + 0.7j)
    for key in [(), ...]:

        def write(a: Any, b: Any, key: Any = key) -> None:
            a[key] = b

        _run(f"0-d a[{key!r}] = b", write, z, np.array(-1.5 + 2j))
    _run("0-d a[None]", lambda a: a[None], z)
    _run("0-d a[True]", lambda a: a[np.True_], z)
