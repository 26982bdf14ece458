"""Sparsity detection of the functions it used to refuse (issue 19's gaps): .repeat,
choose, select, put, add.at, median, interp, fft, scipy.special's ufuncs, out=; and the
sparse Jacobian of a row whose derivative is 0 computed as rounding (eigh).

Each pattern against the nonzeros of the dense Jacobian / Hessian at random points:
equal where detection is exact, a superset where it is documented as one (never a
dependency missed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sparsity_harness import check_hessian_pattern, check_jacobian_pattern

import hyperdiff as hd

sp = pytest.importorskip("scipy.sparse")
special = pytest.importorskip("scipy.special")

N = 8
IDX = np.array([0, 3, 3, 5, 1])  # repeats: add.at accumulates, put keeps the last
MASK = np.array([True, False, True, True, False, True, True, False])


def _put(x: Any) -> Any:
    y = x * 1.0
    np.put(y, [0, 2, 2, -1], x[4:7] ** 2)  # v repeated, index 2 twice, -1 the last
    return y


def _add_at(x: Any) -> Any:
    y = np.sin(x)
    np.add.at(y, IDX, x[:5] * x[3:])
    return y


def _subtract_at(x: Any) -> Any:
    y = x[:4] * 2.0
    np.subtract.at(y, [1, 1, 2], x[5:])
    return y


def _out(x: Any) -> Any:
    y = x * 1.0
    np.multiply(x[::-1], x, out=y)
    z = np.empty(N // 2)
    r = np.exp(x[: N // 2], out=y[: N // 2])  # into a view of y
    return np.concatenate([y, r, np.cos(x[2:6], out=z * x[:4])])


def _out_where(x: Any) -> Any:
    y = x * 1.0
    np.sin(x[::-1], out=y, where=np.arange(N) % 3 == 0)
    return y


def _writes(x: Any) -> Any:
    y = np.exp(x)
    np.putmask(y, np.arange(N) % 3 == 0, x[:2] ** 2)  # values repeated over the mask
    np.place(y, np.arange(N) > 5, x[::-1])
    np.copyto(y[:3], x[3] * x[4], where=np.array([True, False, True]))
    np.put_along_axis(y, np.array([4, 0]), x[6:] * 3.0, axis=0)
    np.multiply.at(y, [1, 1, 2], x[5:])  # a repeated index: y1 x5 x6
    return y


def _out_reductions(x: Any) -> Any:
    o = x[:2] * 1.0
    np.sum(x.reshape(2, 4), axis=1, out=o)
    c = x * 1.0
    np.cumsum(x**2, out=c)
    return np.concatenate([o * x[2:4], c])


def _select(x: Any) -> Any:
    k = np.arange(N)
    return np.select([k < 2, k > 5], [x, x[::-1] ** 2], default=np.exp(np.roll(x, 1)))


EXACT: dict[str, Callable[[Any], Any]] = {
    "repeat": lambda x: x.repeat(2) * x.repeat(2)[::-1],
    "repeat axis": lambda x: x.reshape(2, 4).repeat([1, 2], axis=0).ravel() ** 2,
    "take method": lambda x: x.take([3, 0, 0]) * x[:3],
    "choose": lambda x: np.choose(np.arange(N) % 3, [x, x[::-1] ** 2, np.sqrt(x)]),
    "choose wrap": lambda x: np.choose(np.arange(N) - 1, [x, np.roll(x, 2)], mode="wrap"),
    "select": _select,
    "put": _put,
    "add.at": _add_at,
    "subtract.at": _subtract_at,
    "out=": _out,
    "interp x": lambda x: np.interp(x, [0.0, 0.3, 0.6, 1.0], [1.0, 2.0, 0.5, 3.0]),
    "fft": lambda x: np.abs(np.fft.fft(x.reshape(2, 4))).ravel(),
    "fftn": lambda x: np.abs(np.fft.fftn(x.reshape(2, 2, 2), axes=(0, 2))).ravel(),
    "fftshift": lambda x: np.fft.fftshift(x) * x,
    "writers": _writes,
    "out= reductions": _out_reductions,
    "angle": lambda x: np.angle(x + 1j * x[::-1]),
    "polyval": lambda x: np.polyval([1.0, -2.0, 3.0], x),
    "polyval traced p": lambda x: np.polyval(x[:3], x[3:]),
    "convolve traced": lambda x: np.convolve(x[:5], x[5:] ** 2),
    "convolve traced same": lambda x: np.convolve(x[:3], x[3:], "same"),
    "correlate traced valid": lambda x: np.correlate(x[:5], x[5:], "valid"),
    "sum where=": lambda x: np.sum(x.reshape(2, 4) ** 2, axis=1, where=MASK.reshape(2, 4)) * x[:2],
    "mean where=": lambda x: np.mean(x, where=MASK) * x,
    "sinc": lambda x: np.sinc(x) * x[::-1],
    "i0": lambda x: np.i0(x[:4]),
    "erfinv": lambda x: special.erfinv(x - 0.5) * x[::-1],
    "xlogy": lambda x: special.xlogy(x, x[::-1] + 1),
    "gamma": lambda x: special.gamma(x + 1) * x[0],
    "expit": lambda x: special.expit(np.roll(x, 3)),
    "sici": lambda x: np.concatenate(special.sici(x[:4] + 0.5)) * np.tile(x[4:], 2),
    "frexp mantissa": lambda x: np.frexp(x)[0] * x[0],
}
if hasattr(np, "vecdot"):  # numpy 2's gufuncs: products, not elementwise
    EXACT["vecdot"] = lambda x: np.atleast_1d(np.vecdot(x, x[::-1] ** 2))
    EXACT["matvec"] = lambda x: np.matvec(x[:6].reshape(2, 3), x[5:] ** 2)
    EXACT["vecmat"] = lambda x: np.vecmat(x[:2], x[2:].reshape(2, 3))
    EXACT["vecdot axis"] = lambda x: np.vecdot(x.reshape(2, 4), np.sin(x).reshape(2, 4), axis=0)

# detection's superset, exact at a point (local=True): the median's middle elements
MEDIAN: dict[str, Callable[[Any], Any]] = {
    "median": lambda x: np.median(x.reshape(2, 4), axis=1) * x[:2],
    "median all": lambda x: np.median(x) * x,
    "median keepdims": lambda x: np.median(x.reshape(2, 4), axis=0, keepdims=True).ravel(),
    "partition": lambda x: np.partition(x, 2) * x,
}
# detection's superset: every element of fp, the imaginary parts irfft drops, the
# truncated tail of an axis (n=), the exact zeros of a DFT's real or imaginary part
SUPERSET: dict[str, Callable[[Any], Any]] = {
    "interp fp": lambda x: np.interp(np.linspace(0.1, 0.9, 5), np.linspace(0, 1, N), x),
    "fft n": lambda x: np.abs(np.fft.fft(x, n=5)),
    "irfft": lambda x: np.fft.irfft(x[:5] + 1j * x[3:]),
    "rfft imag": lambda x: np.fft.rfft(x[:6]).imag,
    "quantile": lambda x: np.quantile(x.reshape(2, 4), 0.3, axis=1),
    "percentile": lambda x: np.percentile(x, [10, 50]) * x[:2],
    "max where=": lambda x: np.max(x * x[::-1] + x, where=MASK, initial=-1.0) * x[0],
    "sum traced where=": lambda x: np.sum(x, where=x > 0.5) * x,  # (globally: every element)
    **MEDIAN,
}


def _points() -> list[np.ndarray]:
    rng = np.random.default_rng(19)
    return [rng.uniform(0.05, 0.95, N) for _ in range(3)]


@pytest.mark.parametrize("name", EXACT)
def test_exact_pattern(name: str) -> None:
    check_jacobian_pattern(EXACT[name], _points(), exact=True)


@pytest.mark.parametrize("name", SUPERSET)
def test_superset_pattern(name: str) -> None:
    check_jacobian_pattern(SUPERSET[name], _points(), exact=False, exact_local=name in MEDIAN)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.fft.fft(x),
        lambda x: np.fft.rfft(x[:6]),
        lambda x: np.fft.fft2(x.reshape(2, 4), axes=(1,)).ravel(),
        lambda x: np.fft.ifftn(x.reshape(2, 2, 2), axes=(0, 2)).ravel(),
        lambda x: np.fft.ihfft(x[:7]),
    ],
)
def test_fft_pattern_is_the_complex_nonzeros(f: Callable[[Any], Any]) -> None:
    """A transform's pattern: each output on its line, exactly the entries where the
    complex Jacobian (real or imaginary part) is nonzero."""
    x = _points()[0]
    want = np.zeros((np.size(f(x)), N), dtype=bool)
    for part in (np.real, np.imag):
        want |= np.asarray(hd.jacobian(lambda y, part=part: part(f(y)))(x)).reshape(-1, N) != 0
    np.testing.assert_array_equal(hd.jacobian_sparsity(lambda y: f(y).real)(x).toarray(), want)


def test_out_where_pattern() -> None:
    """sin(x[::-1], out=y, where=mask): y's element where the mask is false, else
    sin's (hyperdiff's pass does not take where=: the same program as np.where)."""
    x = _points()[0]
    mask = np.arange(N) % 3 == 0
    want = np.asarray(hd.jacobian(lambda y: np.where(mask, np.sin(y[::-1]), y))(x)) != 0
    np.testing.assert_array_equal(hd.jacobian_sparsity(_out_where)(x).toarray(), want)


HESSIAN = ["add.at", "out=", "median", "interp x", "fft", "irfft", "put", "select", "sici"]
HESSIAN += ["writers", "out= reductions", "polyval traced p", "quantile", "partition"]
HESSIAN += ["sum where=", "max where=", "convolve traced", "correlate traced valid"]


@pytest.mark.parametrize("name", [*HESSIAN, "interp fp", "median all"])
def test_hessian_pattern_holds_every_nonzero(name: str) -> None:
    f = {**EXACT, **SUPERSET}[name]
    w = np.random.default_rng(7).uniform(0.5, 1.5, np.size(f(_points()[0])))

    def scalar(x: Any) -> Any:
        return np.sum(w * f(x))

    check_hessian_pattern(scalar, _points())


def test_linear_gaps_add_no_second_order_pairs() -> None:
    """add.at, put, fft, median: moves and sums (no events): f linear in x has an
    empty Hessian pattern."""
    for f in (
        lambda x: np.sum(np.arange(N) * np.fft.fft(x).real),
        lambda x: np.sum(np.median(x.reshape(2, 4), axis=1)),
        lambda x: _linear_add_at(x),
    ):
        assert hd.hessian_sparsity(f)(_points()[0]).nnz == 0


def _linear_add_at(x: Any) -> Any:
    y = x * 2.0
    np.add.at(y, IDX, x[:5])
    np.put(y, [1, 2], x[6:])
    return np.sum(y)


@pytest.mark.parametrize(
    ("f", "message"),
    [
        (lambda x: np.add.at(np.zeros(N), [0, 1], x[:2]), r"numpy\.add\.at .*numpy array"),
        (lambda x: np.copyto(x.reshape(2, 4), 1.0), "writes through views"),
        (lambda x: np.put(np.zeros(N), [0], x[0]), r"numpy\.put .*numpy array"),
        (lambda x: np.sin(x, out=np.empty(N)), r"numpy\.sin .*numpy array"),
        (lambda x: np.sin(x, where=np.arange(N) > 2), r"where= and no out="),
        (lambda x: np.choose((x > 0.5) * 1.0, [x, x]), "branches"),
        (lambda x: np.median(x, out=np.empty(())), r"numpy\.median with out="),
        (lambda x: np.roots(x), r"numpy\.roots"),  # (a count of roots by value)
        (lambda x: np.vecdot(x, x, keepdims=True), r"numpy\.vecdot"),
    ],
)
def test_refused_with_its_name(f: Callable[[Any], Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        hd.jacobian_sparsity(f)(_points()[0])


def _spd(a: Any) -> Any:
    m = a.reshape(2, 3).T  # rank 2: one eigenvalue is 2 at every point
    return 2.0 * np.eye(3) + 0.3 * (m @ m.T)


def test_eigh_row_of_rounding_is_no_false_alarm() -> None:
    """The constant eigenvalue's row of J is 0, computed as rounding (~1e-16) that
    no row scale bounds: the probe used to raise a false ValueError. Now the dense
    Jacobian decides once and the rows' floor is kept: later calls pass the probe."""

    def f(r: Any) -> Any:
        return np.concatenate([np.linalg.eigh(_spd(r[:6]))[0], r[2:5]])

    jac = hd.jacobian(f, sparsity="auto")
    rng = np.random.default_rng(3)
    for _ in range(8):
        x = rng.normal(size=6)
        got = jac(x).toarray()
        # reference: the eigenvalues' derivatives from the eigenvectors (v^T dA v)
        v = np.linalg.eigh(_spd(x))[1]
        want = np.zeros((6, 6))
        for k in range(3):
            for j in range(6):
                e = np.zeros(6)
                e[j] = 1.0
                m, dm = x.reshape(2, 3).T, e.reshape(2, 3).T
                da = 0.3 * (dm @ m.T + m @ dm.T)
                want[k, j] = v[:, k] @ da @ v[:, k]
        want[3:, 2:5] = np.eye(3)
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_rescue_still_refuses_a_stale_pattern() -> None:
    """The dense Jacobian's decision keeps the guarantee: a nonzero outside the
    pattern given still raises (the floor is learned only where J holds)."""
    pattern = sp.eye(N, format="csr")
    jac = hd.jacobian(lambda x: x * x[::-1], sparsity=pattern)
    with pytest.raises(ValueError, match="outside its sparsity pattern"):
        jac(_points()[0])


@pytest.mark.parametrize(
    "f",
    [
        lambda r: np.sum(np.array([1.0, 2.0, 3.0]) * np.linalg.eigvalsh(_spd(r[:6]))),
        lambda r: np.sum(np.linalg.eigh(_spd(r[:6]))[0] ** 2 * r[3:6]),
    ],
)
def test_hessian_of_eigenvalue_rounding_is_no_false_alarm(f: Callable[[Any], Any]) -> None:
    """The same for sparse Hessians (a term's w^T H w of rounding): the dense Hessian
    decides once. Reference: central second differences of f in numpy."""
    hess = hd.hessian(f, sparsity="auto")
    rng = np.random.default_rng(5)
    step, eye = 1e-4, np.eye(6)
    for _ in range(3):
        x = rng.normal(size=6)
        want = np.array(
            [
                [
                    f(x + step * (a + b)) - f(x + step * (a - b)) - f(x - step * (a - b))
                    + f(x - step * (a + b))
                    for b in eye
                ]
                for a in eye
            ]
        ) / (4 * step**2)  # fmt: skip
        np.testing.assert_allclose(hess(x).toarray(), want, atol=2e-5)  # (h^2 f'''')


def test_rescue_declines_a_pattern_that_changed_between_calls() -> None:
    """f alternates roll 1 / roll 2: detection sees roll 1, the pass roll 2 (x[i-2]
    read into the slot of x[i] of its color), the dense Jacobian roll 1 again, whose
    nonzeros all lie in the pattern. The differences are no rounding: ValueError, not
    the dense result with a floor that would hide the next change."""
    state = {"k": 0}

    def f(u: Any) -> Any:
        state["k"] += 1
        return u * np.roll(u, 1 if state["k"] % 2 else 2)

    with pytest.raises(ValueError, match="changes from one call to the next"):
        hd.jacobian(f, sparsity="auto")(np.linspace(1.0, 2.0, 12))
