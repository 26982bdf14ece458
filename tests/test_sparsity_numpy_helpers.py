"""Sparsity detection of numpy's functions written in numpy that it used to refuse
(issue 19: residuals use them): np.gradient, trapezoid, average, ptp, diff with
prepend/append, the nan-ignoring reductions, ufunc.reduceat, linalg.norm of every
order, pad's linear_ramp and statistic modes.

Each pattern against the nonzeros of the dense Jacobian / Hessian at random points
(an independent reference: the dense transforms do not use detection): equal where
detection is exact, a superset where documented (never a dependency missed); the
sparse Jacobian's values against the dense one's; at a point (local=True) numpy's
own values, so branches after these functions follow numpy."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sparsity_harness import check_hessian_pattern, check_jacobian_pattern

import hyperdiff as hd
import hyperdiff.special as hs

pytest.importorskip("scipy.sparse")
pytest.importorskip("scipy.special")

N = 12
COORDS = np.array([0.0, 0.5, 1.0, 1.7, 2.0, 2.1, 3.0, 3.5, 4.0, 4.5, 5.5, 6.0])
WEIGHTS = np.array([1.0, 0.0, 2.0, 0.5])  # a zero weight: a superset (a constant's zero)


def _nan_line(x: Any) -> Any:
    """x with a nan written in (an element the nan-functions skip)."""
    y = x * 1.0
    y[3] = np.nan
    return y


EXACT: dict[str, Callable[[Any], Any]] = {
    "gradient": lambda x: np.gradient(x) * x,
    "gradient spacing": lambda x: np.gradient(x**2, 0.3),
    "gradient edge 2": lambda x: np.gradient(x, edge_order=2),
    "gradient coords": lambda x: np.gradient(x, COORDS),
    "gradient coords edge 2": lambda x: np.gradient(np.sin(x), COORDS, edge_order=2),
    "gradient 2-d": lambda x: np.concatenate([g.ravel() for g in np.gradient(x.reshape(3, 4))]),
    "gradient axis": lambda x: np.gradient(x.reshape(3, 4), 2.0, axis=1).ravel(),
    "gradient axes": lambda x: np.stack(
        np.gradient(x.reshape(2, 3, 2), 1.0, 0.5, axis=(0, 2))
    ).ravel(),
    "trapezoid": lambda x: np.atleast_1d(np.trapezoid(x**2)) * x[:2],
    "trapezoid x": lambda x: np.atleast_1d(np.trapezoid(x, COORDS)),
    "trapezoid traced x": lambda x: np.atleast_1d(np.trapezoid(x[:6], x[6:] * 3 + COORDS[:6])),
    "trapezoid axis": lambda x: np.trapezoid(x.reshape(3, 4), dx=0.2, axis=0),
    "trapezoid 2-d x": lambda x: np.trapezoid(x.reshape(3, 4), COORDS[:4], axis=1),
    "average": lambda x: np.average(x.reshape(3, 4), axis=1) * x[:3],
    "average weights": lambda x: np.average(x.reshape(3, 4), axis=1, weights=WEIGHTS + 1),
    "average weights 2-d": lambda x: np.atleast_1d(np.average(x, weights=COORDS + 1)),
    "average traced weights": lambda x: np.atleast_1d(np.average(x[:6], weights=x[6:])),
    "average returned": lambda x: np.concatenate(
        np.average(x.reshape(3, 4), axis=0, weights=np.arange(1.0, 4.0), returned=True)
    ),
    "average keepdims": lambda x: (
        x.reshape(3, 4) - np.average(x.reshape(3, 4), axis=0, keepdims=True)
    ).ravel(),
    "diff prepend": lambda x: np.diff(x, prepend=0.0),
    "diff append": lambda x: np.diff(x, append=x[-1:] ** 2),
    "diff both n=2": lambda x: np.diff(
        x.reshape(3, 4), n=2, axis=1, prepend=1.0, append=x[:3, None]
    ).ravel(),
    "add.reduceat": lambda x: np.add.reduceat(x**2, [0, 4, 4, 7, 2]),
    "add.reduceat axis": lambda x: np.add.reduceat(x.reshape(3, 4), [0, 2], axis=1).ravel(),
    "multiply.reduceat": lambda x: np.multiply.reduceat(x, [1, 5, 9]),
    "nanmean": lambda x: np.nanmean(x.reshape(3, 4), axis=0) * x[:4],
    "nanvar ddof": lambda x: np.atleast_1d(np.nanvar(x, ddof=1)),
    "nanstd": lambda x: np.nanstd(x.reshape(4, 3), axis=1),
    "nanprod": lambda x: np.nanprod(x.reshape(2, 6), axis=1),
    "nancumsum": lambda x: np.nancumsum(x.reshape(3, 4), axis=1).ravel(),
    "nancumprod": lambda x: np.nancumprod(x[:5]),
    "norm 1": lambda x: np.linalg.norm(x.reshape(3, 4), ord=1, axis=1),
    "norm 3": lambda x: np.linalg.norm(x.reshape(3, 4), ord=3, axis=0),
    "norm -2": lambda x: np.atleast_1d(np.linalg.norm(x, ord=-2)),
    "norm matrix nuc": lambda x: np.linalg.norm(x.reshape(3, 2, 2), ord="nuc", axis=(1, 2)),
    "norm matrix 2": lambda x: np.atleast_1d(np.linalg.norm(x.reshape(3, 4), ord=2)),
    "norm fro keepdims": lambda x: np.linalg.norm(
        x.reshape(2, 2, 3), axis=(0, 2), keepdims=True
    ).ravel(),
    # hyperdiff.special's mirrors of scipy's np.asarray-first functions
    "logsumexp": lambda x: hs.logsumexp(x.reshape(3, 4), axis=1) * x[:3],
    "logsumexp sign": lambda x: np.concatenate(
        [np.ravel(t) for t in hs.logsumexp(x.reshape(3, 4), axis=0, b=-1.0, return_sign=True)]
    ),
    "softmax": lambda x: hs.softmax(x.reshape(4, 3), axis=0).ravel(),
    "log_softmax": lambda x: hs.log_softmax(x),
    "polygamma": lambda x: hs.polygamma(np.array([[0], [1]]), x).ravel(),
    "multigammaln": lambda x: hs.multigammaln(x + 3, 2),
    "spherical_jn": lambda x: hs.spherical_jn(2, x, derivative=True) * x[::-1],
    "spherical_kn": lambda x: hs.spherical_kn([1, 2, 3], x.reshape(4, 3)).ravel(),
    "ediff1d": lambda x: np.ediff1d(x.reshape(3, 4), to_begin=x[:2] ** 2, to_end=1.0),
    "vander": lambda x: np.vander(x[:4], 3).ravel(),
    "vander increasing": lambda x: np.vander(x[:3], increasing=True).ravel(),
    "cov": lambda x: np.cov(x.reshape(3, 4)).ravel(),
    "cov y": lambda x: np.cov(x[:4], x[4:8] ** 2).ravel(),
    "cov rowvar weights": lambda x: np.cov(
        x.reshape(4, 3), rowvar=False, aweights=COORDS[1:5]
    ).ravel(),
    "polyder": lambda x: np.polyder(x[:5] ** 2, 2),
    "polyint": lambda x: np.polyint(x[:4], 2, k=[1.0, 2.0]),
    "polyadd": lambda x: np.polyadd(x[:3], x[3:8] ** 2),
    "polysub": lambda x: np.polysub(x[:5], x[5:7]),
    "polymul": lambda x: np.polymul(x[:3], x[3:6]),
    "unwrap": lambda x: np.unwrap(x * 4.0) * x,
    "resize": lambda x: np.resize(x[:5], (3, 4)).ravel() * x,
    "compress": lambda x: np.compress(COORDS > 2, x) ** 2,
    "extract": lambda x: np.extract(np.arange(N) % 3 == 0, x) * x[:4],
    # np.asarray of a traced array: an object array of 0-d tracers, as a dual array's
    "asarray": lambda x: np.asarray(x) * 2.0 + x[::-1] ** 2,
    "asarray first": lambda x: (lambda y: y[1:] - y[:-1] ** 2)(np.asarray(x)),
    "asarray loops": lambda x: np.sum(np.exp(np.asarray(x.reshape(3, 4))), axis=0) * x[:4],
    "np.array": lambda x: np.array(x)[::-1] * np.sin(x),
}
# detection's superset: a selection by value (max/min, ptp, the inf-norms, nanmax,
# the median), a zero weight, the outermost element of a ramp (its end value), the
# first and last samples of linspace/logspace/geomspace (on start or stop alone),
# corrcoef's diagonal (1), the
# mean's pads (their pattern exact: the corners' means of means carry zero weights)
SUPERSET: dict[str, Callable[[Any], Any]] = {
    "ptp": lambda x: np.ptp(x.reshape(3, 4), axis=1),
    "ptp keepdims": lambda x: (x.reshape(3, 4) / np.ptp(x.reshape(3, 4), keepdims=True)).ravel(),
    "average zero weight": lambda x: np.average(x.reshape(3, 4), axis=1, weights=WEIGHTS),
    "nanmax": lambda x: np.nanmax(_nan_line(x).reshape(3, 4), axis=1),
    "nanmin": lambda x: np.atleast_1d(np.nanmin(x)) * x,
    "nanmedian": lambda x: np.nanmedian(x.reshape(3, 4), axis=1),
    "nanmean nan": lambda x: np.nanmean(_nan_line(x).reshape(3, 4), axis=1),
    "maximum.reduceat": lambda x: np.maximum.reduceat(x, [0, 3, 8]),
    "norm inf": lambda x: np.linalg.norm(x.reshape(3, 4), ord=np.inf, axis=1),
    "norm -inf": lambda x: np.atleast_1d(np.linalg.norm(x, ord=-np.inf)),
    "norm matrix 1": lambda x: np.atleast_1d(np.linalg.norm(x.reshape(3, 4), ord=1)),
    "norm matrix -inf": lambda x: np.linalg.norm(x.reshape(3, 2, 2), ord=-np.inf, axis=(2, 1)),
    "pad linear_ramp": lambda x: np.pad(x.reshape(3, 4), 1, mode="linear_ramp").ravel(),
    "pad linear_ramp ends": lambda x: np.pad(x, 2, mode="linear_ramp", end_values=(1.0, 2.0)),
    "pad mean": lambda x: np.pad(x.reshape(3, 4), 2, mode="mean").ravel(),
    "linspace": lambda x: np.linspace(x[0], x[1] ** 2, 5) * x[2],
    "linspace arrays": lambda x: np.linspace(x[:3], x[3:6], 4, axis=1).ravel(),
    "linspace retstep": lambda x: np.append(*np.linspace(x[0], x[1], 5, retstep=True)),
    "logspace": lambda x: np.logspace(x[0], x[1], 4, base=2.0),
    "geomspace": lambda x: np.geomspace(x[:2] + 1, x[2:4] + 2, 3, endpoint=False).ravel(),
    "corrcoef": lambda x: np.corrcoef(x.reshape(3, 4)).ravel(),
    "nan_to_num": lambda x: np.nan_to_num(np.where(x > 0.3, x, np.nan) ** 2, nan=-1.0),
    "logsumexp zero weight": lambda x: np.atleast_1d(hs.logsumexp(x, b=np.arange(12.0))),
    "pad mean stat": lambda x: np.pad(
        x.reshape(3, 4), ((1, 0), (2, 1)), "mean", stat_length=((2, 1), (3, 2))
    ).ravel(),
    "pad mean stat one side": lambda x: np.pad(x, (0, 3), mode="mean", stat_length=(5, 4)),
}
if hasattr(np, "cumulative_sum"):  # numpy 2.1
    EXACT["cumulative_sum"] = lambda x: np.cumulative_sum(x, include_initial=True) + x[0]
    EXACT["cumulative_prod"] = lambda x: np.cumulative_prod(x.reshape(3, 4), axis=1).ravel()
    EXACT["matrix_transpose"] = lambda x: np.matrix_transpose(x.reshape(2, 2, 3)).ravel() ** 2
if np.lib.NumpyVersion(np.__version__) >= "2.3.0":  # pad_width as a dict of axes
    SUPERSET["pad mean dict"] = lambda x: np.pad(x.reshape(3, 4), {1: (1, 2)}, "mean").ravel()
    SUPERSET["pad ramp dict"] = lambda x: np.pad(x.reshape(3, 4), {0: 1}, "linear_ramp").ravel()


def _points() -> list[np.ndarray]:
    rng = np.random.default_rng(23)
    return [rng.uniform(0.05, 0.95, N) for _ in range(3)]


@pytest.mark.parametrize("name", EXACT)
def test_exact_pattern(name: str) -> None:
    check_jacobian_pattern(EXACT[name], _points(), exact=True)


@pytest.mark.parametrize("name", SUPERSET)
def test_superset_pattern(name: str) -> None:
    check_jacobian_pattern(SUPERSET[name], _points(), exact=False)


@pytest.mark.parametrize("name", [*EXACT, *SUPERSET])
def test_hessian_pattern_holds_every_nonzero(name: str) -> None:
    f = {**EXACT, **SUPERSET}[name]
    w = np.random.default_rng(7).uniform(0.5, 1.5, np.size(f(_points()[0])))

    def scalar(x: Any) -> Any:
        r = f(x)
        return np.sum(w * (r + 0.5 * r**2))

    check_hessian_pattern(scalar, _points()[:2])


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.sum(np.gradient(x, COORDS) * COORDS),
        lambda x: np.trapezoid(x, COORDS),
        lambda x: np.sum(np.diff(x, prepend=1.0, append=2.0) * COORDS[:-1].repeat(2)[:13]),
        lambda x: np.sum(np.add.reduceat(x, [0, 5, 5, 9]) * np.arange(1.0, 5.0)),
        lambda x: np.average(x, weights=COORDS),
        lambda x: np.sum(np.linalg.norm(x.reshape(3, 4), ord=1, axis=1)),
        lambda x: np.sum(np.pad(x, 3, mode="linear_ramp")),
        lambda x: np.sum(np.pad(x, 3, mode="mean")),
    ],
)
def test_linear_and_piecewise_linear_add_no_pairs(f: Callable[[Any], Any]) -> None:
    """Linear (gradient, trapezoid, diff, add.reduceat, average, mean padding) or
    piecewise linear (|x| sums) in x: an empty Hessian pattern, globally."""
    assert hd.hessian_sparsity(f)(_points()[0]).nnz == 0


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.nanmax(_nan_line(x).reshape(3, 4), axis=1),
        lambda x: np.gradient(x, COORDS),
        lambda x: np.ptp(x.reshape(3, 4), axis=0),
        lambda x: np.linalg.norm(x.reshape(3, 4), ord=np.inf, axis=1),
        lambda x: np.pad(x.reshape(3, 4), 1, mode="mean", stat_length=2).ravel(),
        lambda x: np.atleast_1d(np.average(x[:6], weights=x[6:])),
    ],
)
def test_values_at_a_point_are_numpys(f: Callable[[Any], Any]) -> None:
    """A branch after these functions follows numpy's values (local=True): y > c
    selects the same elements as f(x) > c in numpy."""
    x = _points()[1]
    threshold = float(np.nanmedian(f(x)))

    def branchy(v: Any) -> Any:
        y = f(v)
        return np.where(y > threshold, y * v[0], 0.0)

    want = np.asarray(hd.jacobian(branchy)(x)).reshape(-1, N) != 0
    got = hd.jacobian_sparsity(branchy, local=True)(x).toarray().astype(bool)
    assert not np.any(want & ~got)
    # rows numpy sends to the zero branch depend on nothing at this point
    np.testing.assert_array_equal(got.any(axis=1), np.asarray(f(x)).ravel() > threshold)


def test_bad_arguments_raise_numpys_errors() -> None:
    x = _points()[0]
    with pytest.raises(ValueError):
        hd.jacobian_sparsity(lambda v: np.gradient(v[:2], edge_order=2))(x)
    with pytest.raises(ZeroDivisionError):
        hd.jacobian_sparsity(lambda v: np.average(v, weights=np.zeros(N)))(x)
    with pytest.raises(IndexError):
        hd.jacobian_sparsity(lambda v: np.add.reduceat(v, [0, N]))(x)
    with pytest.raises(TypeError, match=r"numpy\.subtract\.reduceat"):
        hd.jacobian_sparsity(lambda v: np.subtract.reduceat(v, [0, 3]))(x)
    with pytest.raises(TypeError, match="traced spacings"):
        hd.jacobian_sparsity(lambda v: np.gradient(v[:6], v[6:]))(x)
    with pytest.raises(TypeError, match="converting a traced array to float64"):
        hd.jacobian_sparsity(lambda v: np.asarray(v, dtype=float))(x)
    with pytest.raises(TypeError, match=r"hyperdiff\.special\.legendre_p"):
        hd.jacobian_sparsity(lambda v: hs.legendre_p(2, v))(x)
    with pytest.raises(TypeError, match=r"polygamma differentiates in x only"):
        hd.jacobian_sparsity(lambda v: hs.polygamma(v, 1.5))(x)


@pytest.mark.parametrize("stat_length", [2, (1, 3), ((2, 1), (3, 2)), ((1, 1),), None])
def test_dense_pad_mean_with_stat_length_per_axis(stat_length: Any) -> None:
    """np.pad(mode="mean", stat_length=...) of a dual array (a crash for per-axis
    lengths: they were read with the plane axis as one more): linear, so its Jacobian
    is numpy's pad of each unit vector."""
    x = _points()[0]
    widths = ((1, 0), (2, 1))

    def f(v: Any) -> Any:
        return np.pad(v.reshape(3, 4), widths, "mean", stat_length=stat_length).ravel()

    units = np.eye(N)
    want = np.stack(
        [np.pad(u.reshape(3, 4), widths, "mean", stat_length=stat_length).ravel() for u in units],
        axis=1,
    )
    np.testing.assert_allclose(hd.jacobian(f)(x), want, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(f(hd.dual(x, 1.0)).value, f(x))  # numpy's values


def test_scipy_code_through_object_arrays_at_a_point() -> None:
    """scipy.special.softmax converts with np.asarray and takes a max (a branch by
    value: refused globally); at a point its pattern holds the dense nonzeros."""
    special = pytest.importorskip("scipy.special")
    x = _points()[0]
    with pytest.raises(TypeError, match="branches on a traced value"):
        hd.jacobian_sparsity(special.softmax)(x)
    want = np.asarray(hd.jacobian(special.softmax)(x)) != 0
    got = hd.jacobian_sparsity(special.softmax, local=True)(x).toarray()
    assert want.all() and got.all()


# numpy functions whose results are not functions of their inputs' values, and
# functions with effects beyond their result (files, printing, settings, numpy's tests)
_UNINITIALIZED = {"empty_like", "empty"}
_EFFECTS = ("test", "set", "save", "load", "show", "info", "source", "get", "print", "from")


def _namespace_cases() -> list[tuple[str, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (numpy.distutils warns when first reached)
        names = sorted(
            n
            for n in dir(np)
            if not n.startswith("_")
            and n not in _UNINITIALIZED
            and not n.startswith(_EFFECTS)
            and callable(getattr(np, n))
            and not isinstance(getattr(np, n), type)
        )
    return [(n, form) for n in names for form in ("f(v)", "f(v, v)", "f(m)", "f(v, 2)")]


def test_numpy_namespace_sweep() -> None:
    """Every numpy function the dense transforms differentiate, called four ways on
    plain inputs: detection (global and at a point) holds every nonzero of the dense
    Jacobian, and of the Hessian of sum(f sin f), or refuses with a TypeError; never a
    dependency missed."""
    x = _points()[0][:6]
    checked = set()
    for name, form in _namespace_cases():
        if name in checked:
            continue
        f = getattr(np, name)
        call = {
            "f(v)": lambda v, f=f: f(v),
            "f(v, v)": lambda v, f=f: f(v, v),
            "f(m)": lambda v, f=f: f(v.reshape(2, 3)),
            "f(v, 2)": lambda v, f=f: f(v, 2),
        }[form]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                plain = call(x)
            except Exception:
                continue
            if not isinstance(plain, np.ndarray) or plain.dtype.kind not in "fc":
                continue

            def g(v: Any, call: Any = call, real: bool = plain.dtype.kind == "c") -> Any:
                r = np.ravel(call(v))
                return r.real if real else r

            try:
                want = np.asarray(hd.jacobian(g)(x)).reshape(-1, x.size) != 0
            except Exception:
                continue
            checked.add(name)
            for local in (False, True):
                try:
                    got = hd.jacobian_sparsity(g, local=local)(x).toarray().astype(bool)
                except TypeError:
                    continue
                assert not np.any(want & ~got), f"numpy.{name} {form} (local={local})"

            def scalar(v: Any, g: Any = g) -> Any:  # second order: products of f's entries
                r = g(v)
                return np.sum(r * np.sin(r))

            try:
                hess = np.asarray(hd.hessian(scalar)(x))
                want_h = (hess != 0) & np.isfinite(hess)  # (nan: outside f's domain)
                got_h = hd.hessian_sparsity(scalar)(x).toarray().astype(bool)
            except TypeError:
                continue
            assert not np.any(want_h & ~got_h), f"numpy.{name} {form} (Hessian)"
    assert len(checked) > 150  # (the sweep reached numpy's namespace)


def test_scipy_functions_the_dense_transforms_refuse_are_refused_alike() -> None:
    """scipy's np.asarray-first functions that hyperdiff mirrors or refuses: detection
    names them and the mirror, as the dense transforms do (not numpy's object-loop
    error from inside scipy)."""
    special = pytest.importorskip("scipy.special")
    linalg = pytest.importorskip("scipy.linalg")
    x = _points()[0][:4]
    cases = [
        (lambda v: special.logsumexp(v) * v, r"hyperdiff\.special\.logsumexp"),
        (lambda v: linalg.expm(v.reshape(2, 2)).ravel(), r"hyperdiff\.linalg\.expm"),
    ]
    for f, message in cases:
        with pytest.raises(TypeError, match=message):
            hd.jacobian(f)(x)
        for local in (False, True):
            with pytest.raises(TypeError, match=message):
                hd.jacobian_sparsity(f, local=local)(x)


def test_piecewise_on_traced_conditions_is_a_branch() -> None:
    """np.piecewise of conditions on x converts them to booleans: a branch by value,
    refused globally with the advice to take the local pattern; at a point it is the
    dense Jacobian's nonzeros, and conditions of constants keep a global pattern."""
    x = np.linspace(0.1, 0.9, 6)

    def f(x: Any) -> Any:
        return np.piecewise(x, [x < 0.5, x >= 0.5], [lambda v: v**2, lambda v: np.sin(v)])

    with pytest.raises(TypeError, match=r"branches on a traced value.*local=True"):
        hd.jacobian_sparsity(f)(x)
    want = np.asarray(hd.jacobian(f)(x)) != 0
    np.testing.assert_array_equal(hd.jacobian_sparsity(f, local=True)(x).toarray(), want)

    def g(x: Any) -> Any:
        return np.piecewise(x, [np.arange(6) < 3], [lambda v: v**2, lambda v: np.sin(v)])

    np.testing.assert_array_equal(hd.jacobian_sparsity(g)(x).toarray(), np.eye(6, dtype=bool))
