"""Python's number protocols on dual numbers as on numpy's float64 (x[0] of a float
array): round(x, n) is a number of derivative 0 (np.round's), round(x) the int numpy's
gives, f"{x:.3f}" formats the value (a print in f while it is differentiated), in the
dense transforms and the sparse ones (whose detection prints "<traced>"). Arrays keep
numpy.ndarray's refusals. float() of a dual array names math's numpy twins."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

X = np.array([0.3, 0.7, 1.26])


def _rounded(x: Any) -> Any:
    return np.sum(x**2) * round(x[2], 1) + round(x[1]) * x[0]


def test_round_as_numpys_float64() -> None:
    """f's value as numpy's run; its gradient 2 x round(x_2, 1) + round(x_1) e_0."""
    want = 2 * X * round(np.float64(X[2]), 1) + np.array([round(np.float64(X[1])), 0, 0])
    for grad in (hd.grad(_rounded), hd.grad(_rounded, sparsity="auto")):
        np.testing.assert_allclose(grad(X), want, rtol=1e-15)
    value, _ = hd.value_and_grad(_rounded)(X)
    assert value == _rounded(X)
    hess = hd.hessian(_rounded, sparsity="auto")(X).toarray()
    np.testing.assert_allclose(hess, 2 * round(np.float64(X[2]), 1) * np.eye(3), rtol=1e-15)


def test_round_of_a_number_gives_numpys_types() -> None:
    seen: list[Any] = []

    def f(x: Any) -> Any:
        seen.append((round(x[1]), round(x[1], 1)))
        return x * 2.0

    hd.jacobian(f)(X)
    whole, tenths = seen[-1]
    assert type(whole) is int and whole == round(np.float64(X[1]))
    assert isinstance(tenths, hd.DualArray) and float(tenths.value) == round(np.float64(X[1]), 1)
    np.testing.assert_array_equal(tenths._stack[1:], 0.0)


def test_round_of_an_array_is_refused_as_numpys() -> None:
    with pytest.raises(TypeError, match="round"):
        round(np.array([1.5]))  # type: ignore[call-overload]  # (numpy's own)
    with pytest.raises(TypeError, match=r"np\.round"):
        hd.grad(lambda x: np.sum(round(x * 2)))(X)


def test_formats_as_numpys_0d_arrays(capsys: pytest.CaptureFixture[str]) -> None:
    def f(x: Any) -> Any:
        loss = np.sum(x**2)
        print(f"loss {loss:.3f} first {x[0]:8.2e}")
        return loss

    hd.grad(f)(X)
    want = f"loss {np.sum(X**2):.3f} first {X[0]:8.2e}"
    assert capsys.readouterr().out.splitlines()[-1] == want
    np.testing.assert_allclose(hd.grad(f, sparsity="auto")(X), 2 * X, rtol=1e-15)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "loss <traced> first <traced>"  # (detection: no values)
    assert printed[-1] == want  # (the pass)
    with pytest.raises(TypeError, match="unsupported format string"):
        hd.grad(lambda x: (f"{x:.3f}", np.sum(x))[1])(X)
    assert f"{hd.dual(np.array(1.5), np.array(1.0))}" == "Dual(value=1.5, d=1.0)"


def test_math_functions_name_numpys() -> None:
    with pytest.raises(TypeError, match=r"numpy's: np\.exp\(x\), not math\.exp\(x\)"):
        hd.grad(lambda x: math.exp(x[0]) + np.sum(x))(X)
