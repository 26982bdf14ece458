"""derivative's probe-free pass: an f built from its seed by the fast elementwise paths
alone is pointwise by construction and runs without the probe direction; anything else
(every path that reads or writes the planes, makes views, reduces, reorders or writes
in place) runs the probed pass as before. Each function here mixes points through one
such path, or is pointwise through one: the mixers must still raise, the pointwise ones
give the closed form, at first and second order, below and above the fusion's size."""

import threading

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _transforms


def _tail_swap(y):
    y = y * 1.0
    y[0] = y[-1]
    return y


def _put_itself(v):  # (makes no dual array but the product: only its writes show it)
    y = v * 1.0
    np.put(y, [1, 0], y)
    return y


def _place_itself(v):
    y = v * 1.0
    np.place(y, y.value > 1, y)
    return y


def _put(v):
    y = v * 1.0
    np.put(y, [0], v[1:2])
    return y


def _sort_in_place(v):
    y = np.sin(v)
    y.sort()
    return y


def _add_at(v):
    y = v * 2.0
    np.add.at(y, [0, 0], v[1])
    return y


def _out_alias(v):
    y = v * 1.0
    np.add(y, y[::-1], out=y)
    return y


def _iadd_view(v):
    y = v * 1.0
    y += v[::-1]
    return y


def _copyto(v):
    y = v * 1.0
    np.copyto(y, np.flip(v))
    return y


def _write_view(v):
    y = v * 1.0
    y[::-1][:1] = v[:1]
    return y


MIXERS = {
    "reversed": lambda v: v[::-1],
    "roll": lambda v: np.roll(v, 1) * v,
    "sum": lambda v: v * np.sum(v),
    "cumsum": lambda v: np.cumsum(v),
    "sort": lambda v: np.sort(np.sin(v)),
    "sort in place": _sort_in_place,
    "setitem": _tail_swap,
    "put": _put,
    "put of itself": _put_itself,
    "place of itself": _place_itself,
    "add.at": _add_at,
    "out= an alias's view": _out_alias,
    "+= a view": _iadd_view,
    "copyto": _copyto,
    "write through a view": _write_view,
    "iterate": lambda v: np.array([w for w in v][::-1]),
    "concatenate": lambda v: np.concatenate([v[1:], v[:1]]),
    "matmul": lambda v: (v @ np.full(v.size, 1e-3)) * v,
    "where of a reversed": lambda v: np.where(v.value > 0, v[::-1], v),
}


TRANSFORMS = {  # (transform, its order)
    "derivative": (hd.derivative, 1),
    "derivative, order 2": (lambda f: hd.derivative(f, order=2), 2),
    "jacobian": (lambda f: hd.jacobian(f, elementwise=True), 1),
    "hessian": (lambda f: hd.hessian(f, elementwise=True), 2),
    "hessian_diag": (lambda f: hd.hessian_diag(f, elementwise=True), 2),
    "laplacian": (lambda f: hd.laplacian(f, elementwise=True), 2),
}


@pytest.mark.parametrize("n", [7, 40_000])
@pytest.mark.parametrize("transform", list(TRANSFORMS))
@pytest.mark.parametrize("name", list(MIXERS))
def test_mixing_functions_still_raise(name, transform, n):
    x = np.linspace(0.3, 1.7, n)
    with pytest.raises(ValueError, match="point"):
        TRANSFORMS[transform][0](MIXERS[name])(x)
    assert np.array_equal(x, np.linspace(0.3, 1.7, n))  # (x untouched)


@pytest.mark.parametrize("n", [7, 40_000])
@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_mixing_at_second_order_only_raises(transform, n):
    """Mixing that first order cannot see (the mean's offset is 0 at the point): the
    elementwise hessian_diag and laplacian answered every point's sum of second
    derivatives (2 here, for 2 / n^2), having no (partial, probe) planes to see it."""
    x = np.linspace(0.3, 1.7, n)
    f = lambda v: v + (np.mean(v) - np.mean(v.value)) ** 2  # noqa: E731
    run, order = TRANSFORMS[transform]
    if order == 1:
        np.testing.assert_array_equal(run(f)(x), np.ones(n))
    else:
        with pytest.raises(ValueError, match="point"):
            run(f)(x)


def _masked(v):
    y = np.zeros_like(v)
    y[v.value > 1] = np.exp(v[v.value > 1])
    y[v.value <= 1] = np.sin(v[v.value <= 1])
    return y


POINTWISE = {  # f, f', f'' by hand
    "elementwise chain": (
        lambda v: np.sin(v) * np.exp(-v * v / 2) + np.log(1 + v * v),
        lambda x: (
            np.cos(x) * np.exp(-x * x / 2)
            - x * np.sin(x) * np.exp(-x * x / 2)
            + 2 * x / (1 + x * x)
        ),
        lambda x: (
            -np.sin(x) * np.exp(-x * x / 2)
            - 2 * x * np.cos(x) * np.exp(-x * x / 2)
            + (x * x - 1) * np.sin(x) * np.exp(-x * x / 2)
            + (2 - 2 * x * x) / (1 + x * x) ** 2
        ),
    ),
    "masked writes": (
        _masked,
        lambda x: np.where(x > 1, np.exp(x), np.cos(x)),
        lambda x: np.where(x > 1, np.exp(x), -np.sin(x)),
    ),
    "np.where": (
        lambda v: np.where(v.value > 1, v**3, 2.0 * v),
        lambda x: np.where(x > 1, 3 * x**2, 2.0),
        lambda x: np.where(x > 1, 6 * x, 0.0),
    ),
    "reversed twice": (
        lambda v: np.tanh(v[::-1])[::-1],
        lambda x: 1 - np.tanh(x) ** 2,
        lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
    ),
    "a constant times": (
        lambda v: np.arange(v.size) * v**2 + 1.5,
        lambda x: 2 * np.arange(x.size) * x,
        lambda x: 2.0 * np.arange(x.size),
    ),
}


@pytest.mark.parametrize("n", [7, 40_000])
@pytest.mark.parametrize("transform", list(TRANSFORMS))
@pytest.mark.parametrize("name", list(POINTWISE))
def test_pointwise_functions_answer(name, transform, n):
    f, *closed = POINTWISE[name]
    run, order = TRANSFORMS[transform]
    x = np.linspace(0.3, 1.7, n)
    np.testing.assert_allclose(run(f)(x), closed[order - 1](x), rtol=1e-12, atol=1e-12)


def test_only_construction_skips_the_probe():
    """The chain of table functions runs probe-free; the masked writes (pointwise, but
    through setitem) are remembered as needing the probe."""

    def chain(v):
        return np.expm1(v) / (1 + v**2)

    def masked(v):
        return _masked(v)

    x = np.linspace(0.3, 1.7, 9)
    hd.derivative(chain)(x)
    hd.derivative(masked)(x)
    assert not _transforms._known_mixing(chain)
    assert _transforms._known_mixing(masked)


def test_nested_and_threads():
    """Inside an outer transform the probed pass runs (the outer's seed is a product);
    threads seed their own classes, so one thread's mixing never passes for another's
    construction."""
    x = np.linspace(0.3, 1.7, 6)
    # d/da of the elementwise d/dx (a x^3) = 3 x^2
    got = hd.derivative(lambda a: hd.derivative(lambda v: a * v**3)(x))(2.0)
    np.testing.assert_allclose(got, 3 * x**2, rtol=1e-14)
    errors = []

    def run(f, mixes):
        for _ in range(30):
            try:
                d = hd.derivative(f)(x)
                if mixes:
                    errors.append("no error")
                else:
                    np.testing.assert_allclose(d, np.cos(x), rtol=1e-14)
            except ValueError:
                if not mixes:
                    errors.append("raised")

    threads = [
        threading.Thread(target=run, args=(lambda v: np.sin(v), False)),
        threading.Thread(target=run, args=(lambda v: np.sin(v) + v * np.sum(v), True)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


COMPLEX_MIXERS = {
    "reversed": lambda z: z[::-1] * z,
    "sum": lambda z: z * np.sum(z),
    "put of itself": _put_itself,
    "conj of a view": lambda z: np.conj(z[::-1]) + z,
}
COMPLEX_TRANSFORMS = {
    "wirtinger": lambda f: hd.wirtinger(f, elementwise=True),
    "checked holomorphic": lambda f: hd.derivative(f, holomorphic=True, check_holomorphic=True),
}


@pytest.mark.parametrize("n", [5, 40_000])
@pytest.mark.parametrize("transform", list(COMPLEX_TRANSFORMS))
@pytest.mark.parametrize("name", list(COMPLEX_MIXERS))
def test_complex_mixing_functions_still_raise(name, transform, n):
    z = np.linspace(0.3, 1.7, n) + 0.5j
    with pytest.raises(ValueError, match="point"):
        COMPLEX_TRANSFORMS[transform](COMPLEX_MIXERS[name])(z)


@pytest.mark.parametrize("n", [5, 40_000])
def test_complex_pointwise_functions_answer(n):
    z = np.linspace(0.3, 1.7, n) + 0.5j
    df = hd.derivative(lambda w: np.exp(np.sin(w)), holomorphic=True, check_holomorphic=True)
    np.testing.assert_allclose(df(z), np.cos(z) * np.exp(np.sin(z)), rtol=1e-14)
    dz, dzbar = hd.wirtinger(lambda w: w * np.conj(w) + w**2, elementwise=True)(z)
    np.testing.assert_allclose(dz, np.conj(z) + 2 * z, rtol=1e-14)
    np.testing.assert_allclose(dzbar, z, rtol=1e-14)
