"""Transforms in several Python threads at once: a transform's depth counts the
transforms of its own thread, so its tagged classes are its thread's, and only its
thread's transforms retire them. Before, a transform that ended in one thread with a
kept (escaped) array retired every class of its depth, another thread's running
transform's too: that one's nested transform then raised a spurious TypeError.
References: closed forms."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

import hyperdiff as hd

X = np.array([0.3, 0.7, -0.4])


def _nested_while_another_thread_escapes(run_inner: Any) -> tuple[Any, Any]:
    """Thread B runs grad(f), and inside f (depth 1) waits while thread A runs a grad
    (depth 1 too) whose function keeps an intermediate array, then B's nested transform
    (depth 2) meets B's own depth-1 arrays."""
    inside, done = threading.Event(), threading.Event()
    kept: list[Any] = []
    result: dict[str, Any] = {}

    def f(y: Any) -> Any:
        inside.set()
        done.wait(30)
        return run_inner(y)

    def b() -> None:
        try:
            result["b"] = hd.grad(f)(X)
        except Exception as error:  # the defect: a spurious TypeError
            result["b"] = error

    def a() -> None:
        inside.wait(30)

        def g(z: Any) -> Any:
            w = z * z
            kept.append(w)  # escapes: its class is retired at this transform's end
            return np.sum(w)

        try:
            result["a"] = hd.grad(g)(X)
        finally:
            done.set()

    threads = [threading.Thread(target=b), threading.Thread(target=a)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return result["a"], result["b"]


def test_a_nested_grad_survives_another_threads_escape() -> None:
    # f(y) = sum(y * d/dz sum(sin(z y)) at X) = sum(cos(X y) y^2)
    got_a, got_b = _nested_while_another_thread_escapes(
        lambda y: np.sum(hd.grad(lambda z: np.sum(np.sin(z * y)))(X) * y)
    )
    np.testing.assert_allclose(got_a, 2 * X, rtol=1e-15)
    assert not isinstance(got_b, Exception), got_b
    np.testing.assert_allclose(got_b, 2 * X * np.cos(X * X) - X**3 * np.sin(X * X), rtol=1e-13)


def test_a_nested_jacobian_and_taylor_survive_another_threads_escape() -> None:
    # f(y) = sum_i d/dz_i (z_i^2 y_i) + d^3/dt^3 sum(exp(t y)) = sum(2 X y) + sum(y^3)
    def inner(y: Any) -> Any:
        jac = hd.jacobian(lambda z: z * z * y)(X)
        third = hd.derivative(lambda t: np.sum(np.exp(t * y)), order=3)(0.0)
        return np.trace(jac) + third

    _, got_b = _nested_while_another_thread_escapes(inner)
    assert not isinstance(got_b, Exception), got_b
    np.testing.assert_allclose(got_b, 2 * X + 3 * X**2, rtol=1e-13)


def test_an_escaped_array_is_still_refused_in_its_own_thread() -> None:
    kept: list[Any] = []

    def keep(z: Any) -> Any:
        kept.append(z * 2.0)
        return np.sum(z * z)

    def use(z: Any) -> Any:
        return np.sum(z * kept[0])  # the first call's perturbations: must not pass

    def worker(out: list[Any]) -> None:
        hd.grad(keep)(X)
        try:
            out.append(hd.grad(use)(X))
        except TypeError as error:
            out.append(error)

    out: list[Any] = []
    t = threading.Thread(target=worker, args=(out,))
    t.start()
    t.join(60)
    assert isinstance(out[0], TypeError) and "kept from a transform call" in str(out[0])
