"""Crashes and misleading errors found when the package was tried from outside: each
now works (against numpy or a closed form) or raises a clear error."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _transforms


def test_hessian_grad_jacobian_of_a_0d_input() -> None:
    x = np.array(2.0)
    assert hd.hessian(lambda t: t**3)(x) == 12.0
    assert hd.grad(lambda t: t**3)(x) == 12.0
    assert hd.jacobian(lambda t: t**3)(x) == 12.0
    h = hd.hessian(lambda t: [t**3, t**2])(x)
    assert [float(v) for v in h] == [12.0, 2.0]


def test_value_only_ufunc_with_a_dual_out_is_a_clear_error() -> None:
    x = hd.dual(np.array([1.0, np.nan]), 1.0)
    with pytest.raises(TypeError, match="isnan cannot be a dual array"):
        np.isnan(x, out=hd.dual(np.zeros(2), 0.0))
    out = np.zeros(2, dtype=bool)
    assert np.isnan(x, out=out) is out
    np.testing.assert_array_equal(out, [False, True])


def test_plain_inputs_into_a_dual_out_give_constants() -> None:
    out = hd.dual(np.full(3, 5.0), 7.0)
    assert np.sin(np.arange(3.0), out=out) is out
    np.testing.assert_array_equal(out.value, np.sin(np.arange(3.0)))
    np.testing.assert_array_equal(out.d, 0.0)
    out = hd.hyperdual(np.zeros(3), 1.0, 1.0, 1.0)
    np.add(np.ones(3), np.arange(3.0), out=out)
    np.testing.assert_array_equal(out._stack, [[1.0, 2.0, 3.0]] + [[0.0] * 3] * 3)


@pytest.mark.parametrize("function", [np.prod, np.max, np.min, np.sum, np.mean, np.cumprod])
@pytest.mark.parametrize("axis", [0, 1])
def test_reductions_over_empty_arrays_as_numpy(function: Any, axis: int) -> None:
    values = np.ones((6, 0))
    x = hd.dual(values, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of nothing, as numpy's
        try:
            want = function(values, axis=axis)
        except ValueError as error:  # max/min of an empty axis: numpy's own refusal
            with pytest.raises(ValueError, match=str(error)):
                function(x, axis=axis)
            return
        got = function(x, axis=axis)
    assert got.shape == np.shape(want)
    np.testing.assert_array_equal(got.value, want)


def test_unsupported_scipy_ufunc_names_its_module() -> None:
    special = pytest.importorskip("scipy.special")
    x = hd.dual(np.array([1.5, 2.5]), 1.0)
    with pytest.raises(TypeError, match=r"scipy\.special\.yn "):
        special.yn(x, x)
    with pytest.raises(TypeError, match=r"numpy\.gcd "):
        np.gcd(x, x)
    # a Python-level scipy.special function making an argument an integer before its
    # ufunc runs (lambertw's branch k) is named too, not only the conversion
    with pytest.raises(TypeError, match=r"scipy\.special\.lambertw in an argument it converts"):
        special.lambertw(2.0, hd.dual(np.array([0.0]), 1.0))


@pytest.mark.parametrize("argnums", [1.0, True, (), "0", (0, 1.5)])
def test_argnums_that_is_not_ints_is_a_clear_error(argnums: Any) -> None:
    for transform in (hd.grad, hd.jacobian, hd.hessian, hd.value_and_grad):
        with pytest.raises(TypeError, match="argnums must be an int or a tuple of ints"):
            transform(lambda a, b: a * b, argnums=argnums)


def test_big_endian_inputs() -> None:
    x = np.array([1.0, 2.0], dtype=">f8")
    np.testing.assert_array_equal(hd.grad(lambda a: np.sum(a**3))(x), [3.0, 12.0])
    np.testing.assert_allclose(hd.derivative(np.sin)(x), np.cos([1.0, 2.0]), rtol=4e-16)
    np.testing.assert_array_equal(hd.hessian(lambda a: np.sum(a**3))(x), [[6.0, 0], [0, 12.0]])
    np.testing.assert_array_equal((hd.dual([1.0, 2.0], 1.0) * x).value, [1.0, 4.0])


def test_dual_into_a_plain_array_names_the_derivative_parts() -> None:
    d = hd.dual(1.0, 1.0)
    plain = np.zeros(3)
    with pytest.raises(TypeError, match="derivative parts"):
        plain[0] = d
    with pytest.raises(TypeError, match="derivative parts"):
        plain.fill(d)
    with pytest.raises(TypeError, match="derivative parts"):
        np.asarray(hd.dual(np.ones(2), 1.0)).astype(float)
    np.testing.assert_array_equal(plain, 0.0)  # nothing was written
    x = hd.dual(np.arange(3.0), 1.0)
    assert x[1].value == 1.0 and len(x) == 3 and [v.value for v in x] == [0.0, 1.0, 2.0]


def _numpy_message(call: Any) -> str:
    try:
        call()
    except (IndexError, ValueError) as error:
        return str(error)
    raise AssertionError("numpy accepted it")


@pytest.mark.parametrize(
    "call",
    [
        lambda a: np.take(a, 7),
        lambda a: np.take(a, [0, 5], axis=1),
        lambda a: np.reshape(a, (4,)),
        lambda a: a.reshape(5, 2),
    ],
)
def test_errors_speak_of_the_users_array_not_the_planes(call: Any) -> None:
    values = np.arange(6.0).reshape(2, 3)
    message = _numpy_message(lambda: call(values))
    with pytest.raises((IndexError, ValueError)) as caught:
        call(hd.hyperdual(values, 1.0, 1.0))
    assert str(caught.value) == message


def test_hyperdualvec_checks_its_hessian() -> None:
    with pytest.raises(ValueError, match=r"hess must have shape \(K1, K1, \.\.\.\)"):
        hd.hyperdualvec(np.ones(2), np.ones((2, 2)), hess=np.ones((3, 2, 2)))
    with pytest.raises(ValueError, match=r"hess must have shape \(K1, K2, \.\.\.\)"):
        hd.hyperdualvec(np.ones(2), np.ones((2, 2)), np.ones((3, 2)), hess=np.ones((3, 2, 2)))
    with pytest.raises(ValueError, match="symmetric"):
        hd.hyperdualvec(np.ones(2), np.eye(2), hess=np.array([[1.0, 2.0], [3.0, 4.0]])[..., None])
    h = np.array([[1.0, 2.0], [2.0, 4.0]])[..., None]
    got = hd.hyperdualvec(np.ones(2), np.eye(2), hess=h).hess
    np.testing.assert_array_equal(got, np.broadcast_to(h, (2, 2, 2)))


def test_too_many_partials_fail_at_once() -> None:
    # the size is checked before the layout is made (it used to build 25 million
    # products in Python for 25 s before running out of memory)
    with pytest.raises(MemoryError, match="planes per element"):
        hd.hyperdualvec(np.ones(1), np.ones((5000, 1)))
    with pytest.raises(MemoryError, match="GiB"):
        hd.hyperdualvec(np.ones(10**7), np.ones((300, 1)))


def test_long_chunked_hessian_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_transforms, "_LONG_SECONDS", 0.0)
    with pytest.warns(hd.PerformanceWarning, match=r"hessian of 6 variables: 6 passes"):
        h = hd.hessian(lambda x: np.sum(x**3), chunk_size=2)(np.arange(6.0))
    np.testing.assert_array_equal(h, np.diag(6 * np.arange(6.0)))
