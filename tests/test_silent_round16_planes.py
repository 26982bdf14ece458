"""Round sixteen, the fast paths by planes: a pair zero by structure is 0 whichever path
computes it.

- The quotient rule's second order (kinds.hpp binary_second, Fn::quotient: q = x / y,
  q_ab = (x_ab - q y_ab - q_a y_b - q_b y_a) / y) formed q_a y_b and q_b y_a with the
  strong zero on y's part alone. Where q does not depend on b (q_b = 0) and y's part a
  is infinite or nan (1 / sqrt(v) at v = 0, a denominator that overflows, or whose
  value is nan), 0 inf gave nan in pair (a, b), which is zero by structure (the product
  rule's mixed term has been strong on both factors since round fifteen). Eagerly, the
  Hessian of sum(1 / sqrt(v)) at a v with v_0 = 0 was nan along row and column 0, where
  the entries are 0. A graph run by planes (n >= 80) skips such a pair (zero by
  structure: 0), but an intermediate it wrote out then held +0 where eager evaluation
  held nan, so a later graph in which that pair is live gave a finite entry (the right
  one) where eager evaluation gave nan: sum(v[perm] / sqrt(v)) had a finite Hessian at
  n = 90 and a nan row and column at n = 79, or with `.value` read one line later.
- np.sum of a 1-d dual array of 256 planes and more (a Hessian's of 22 variables and
  more) summed the parts by one BLAS product with ones (_functions._many_short_rows),
  complex128 included: (inf + 0i)(1 + 0i) is inf + nan i, so the holomorphic Hessian of
  sum(c v^2) with c_3 = inf had H[3, 3] = nan + nan i, silently, where it is 2 c_3 = inf
  (numpy's own sum of the planes gives inf + 0i; n = 20, 231 planes, did).

References: closed forms (mpmath's second derivatives of one variable for the diagonal;
the entries of a Hessian whose terms each meet one or two variables, by loops), and eager
evaluation (thresholds raised) against the planes, bit for bit but the sign of a zero.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core
from hyperdiff._arrays import DualArray

# the values' own warnings (sqrt of a negative number, 1/0, exp overflowing): not what
# these tests check
pytestmark = pytest.mark.filterwarnings(
    "ignore:invalid value encountered:RuntimeWarning",
    "ignore:divide by zero encountered:RuntimeWarning",
    "ignore:overflow encountered:RuntimeWarning",
)


# --- the quotient rule: a denominator whose part is not finite ----------------------
# y(v) and v_0 where y's part at element 0 is inf or nan (or y's value is nan)
_DENOMINATORS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], float]] = {
    "sqrt at 0": (np.sqrt, mpmath.sqrt, 0.0),
    "sqrt at -1": (np.sqrt, mpmath.sqrt, -1.0),
    "log at 0": (np.log, mpmath.log, 0.0),
    "exp overflowing": (np.exp, mpmath.exp, 1000.0),
    "1 + v at nan": (lambda v: 1.0 + v, lambda t: 1 + t, float("nan")),
}

# q(x, y) forms of the quotient, x = v
_QUOTIENTS: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "x / y": (lambda x, y: x / y, lambda x, y: x / y),
    "np.divide": (np.divide, lambda x, y: x / y),
    "np.true_divide": (np.true_divide, lambda x, y: x / y),
    "2 / y": (lambda x, y: 2.0 / y, lambda x, y: 2 / y),
    "y / x": (lambda x, y: y / (x + 3.0), lambda x, y: y / (x + 3)),
    "x /= y": (lambda x, y: _in_place(x, y), lambda x, y: x / y),
}


def _in_place(x: Any, y: Any) -> Any:
    q = x * 1.0
    q /= y
    return q


def _points(dtype: type, v0: float, n: int) -> np.ndarray:
    x = np.linspace(0.4, 1.7, n).astype(dtype)
    x[0] = 100.0 if v0 == 1000.0 and dtype == np.float32 else v0  # (float32's exp overflows at 89)
    return x


@functools.cache
def _second(quotient: str, denominator: str, t: float) -> float:
    """d^2/dt^2 q(t, y(t)) at t, by mpmath at 40 digits."""
    y, q = _DENOMINATORS[denominator][1], _QUOTIENTS[quotient][1]
    with mpmath.workdps(40):
        return float(mpmath.diff(lambda s: q(s, y(s)), mpmath.mpf(t), 2))


def _check_diagonal(hessian: np.ndarray, x: np.ndarray, quotient: str, denominator: str) -> None:
    """A Hessian of sum(q(v)): 0 off the diagonal, exactly (element i depends on v_i
    alone, so a pair of two variables is zero by structure, whatever the non-finite
    numbers of element 0); mpmath's second derivative on it but at element 0."""
    n = len(x)
    off = ~np.eye(n, dtype=bool)
    assert np.all(hessian[off] == 0), hessian[0]
    rtol = 1e-12 if x.dtype == np.float64 else 2e-5
    want = [_second(quotient, denominator, float(t)) for t in x[1:]]
    np.testing.assert_allclose(np.diagonal(hessian)[1:], want, rtol=rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("denominator", sorted(_DENOMINATORS))
@pytest.mark.parametrize("quotient", sorted(_QUOTIENTS))
def test_a_quotient_by_a_non_finite_part_keeps_its_pairs_zero(
    quotient: str, denominator: str, dtype: type
) -> None:
    q, y = _QUOTIENTS[quotient][0], _DENOMINATORS[denominator][0]

    def f(v: Any) -> Any:
        return np.sum(q(v, y(v)))

    x = _points(dtype, _DENOMINATORS[denominator][2], 6)
    # HyperDualVec(6) (eager: too few pairs for the planes), and its blocks of 2 x 2
    _check_diagonal(hd.hessian(f)(x), x, quotient, denominator)
    _check_diagonal(hd.hessian(f, chunk_size=2)(x), x, quotient, denominator)
    # HyperDual: element 0 along e1 = (1, 0, ...), e2 = (0, 1, 0, ...): e12 is 0
    e1, e2 = np.eye(6, dtype=dtype)[:2]
    h = hd.hyperdual(x, e1, e2)
    e12 = q(h, y(h)).e12
    assert np.all(e12 == 0), e12


@pytest.mark.parametrize("denominator", ["sqrt at 0", "1 + v at nan"])
@pytest.mark.parametrize("quotient", ["x / y", "2 / y"])
def test_a_complex_quotient_by_a_non_finite_part_keeps_its_pairs_zero(
    quotient: str, denominator: str
) -> None:
    q, y = _QUOTIENTS[quotient][0], _DENOMINATORS[denominator][0]
    x = _points(np.float64, _DENOMINATORS[denominator][2], 6).astype(np.complex128)
    hessian = hd.hessian(lambda v: np.sum(q(v, y(v))), holomorphic=True)(x)
    off = ~np.eye(6, dtype=bool)
    assert np.all(hessian[off] == 0), hessian[0]
    want = [_second(quotient, denominator, float(t.real)) for t in x[1:]]
    np.testing.assert_allclose(np.diagonal(hessian)[1:].real, want, rtol=1e-12)
    assert np.all(np.diagonal(hessian)[1:].imag == 0)


# --- by planes and eagerly: one result -------------------------------------------------
def _permuted_quotient_hessian(x: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """The Hessian of f(v) = sum_j v[perm[j]] g(v[j]), g(t) = 1/sqrt(t), by its terms:
    term j adds g'(v_j) at (perm[j], j) and (j, perm[j]), and v[perm[j]] g''(v_j) at
    (j, j); nothing else (a zero v_j: g' = -inf, g'' = inf)."""
    n = len(x)
    h = np.zeros((n, n))
    with np.errstate(divide="ignore"):
        for j in range(n):
            t, k = float(x[j]), int(perm[j])
            d1 = -0.5 * t**-1.5 if t != 0 else -np.inf
            d2 = 0.75 * t**-2.5 if t != 0 else np.inf
            h[k, j] += d1
            h[j, k] += d1
            h[j, j] += float(x[k]) * d2
    return h


def _eager_hessian(f: Any, x: np.ndarray) -> Any:
    """hd.hessian(f)(x) with nothing recorded (fusion thresholds out of reach)."""
    planes, count = _core.fusion_plane_min(1 << 62), _core.fusion_min_count(1 << 62)
    try:
        return hd.hessian(f)(x)
    finally:
        _core.fusion_plane_min(planes)
        _core.fusion_min_count(count)


def _same(got: np.ndarray, want: np.ndarray) -> None:
    """Equal non-finite entries (inf with its sign, nan), finite ones to 1e-12."""
    assert np.array_equal(np.isnan(got), np.isnan(want))
    infinite = np.isinf(want)
    assert np.array_equal(got[infinite], want[infinite])
    finite = np.isfinite(want)
    assert np.all(np.isfinite(got[finite]))
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=1e-12)


def _pending(x: Any) -> bool:
    """Whether x's planes are a recorded operation (fusion.hpp), not yet run."""
    return isinstance(DualArray.__dict__["_store"].__get__(x), _core.Deferred)


def _permutation(n: int) -> np.ndarray:
    # no fixed point and no 2-cycle through a zero of x (each entry of the closed form
    # then has one infinite term at most)
    perm = np.roll(np.arange(n), 7)
    np.random.default_rng(n).shuffle(perm[20:60])
    return perm


_READS: dict[str, Callable[[Any, np.ndarray], Any]] = {
    # one graph: the quotient pending, the permuted copy read from v's planes, the pairs
    # (0, b) live in the product (its operands' planes 0 and b meet), run in tiles
    "one graph": lambda v, perm: (1.0 / np.sqrt(v), v[perm]),
    "permuted first": lambda v, perm: (lambda w: (1.0 / np.sqrt(v), w))(v[perm]),
    # .value runs the quotient's graph alone, written out with its pairs zero by
    # structure (+0), which the product's graph then reads where they are live
    ".value read": lambda v, perm: _read_value(1.0 / np.sqrt(v), v[perm]),
}


def _read_value(q: Any, w: Any) -> tuple[Any, Any]:
    assert np.isinf(q.value[0])
    return q, w


@pytest.mark.parametrize("read", sorted(_READS))
def test_by_planes_and_eagerly_the_hessian_of_a_quotient_times_a_permutation(read: str) -> None:
    n = 90  # HyperDualVec(90): by planes at the default thresholds
    x = np.linspace(0.5, 2.0, n)
    x[[0, 33, 89]] = 0.0
    perm = _permutation(n)

    def f(v: Any) -> Any:
        q, w = _READS[read](v, perm)
        return np.sum(w * q)

    want = _permuted_quotient_hessian(x, perm)
    by_planes = hd.hessian(f)(x)
    _same(by_planes, want)
    _same(_eager_hessian(f, x), want)


# random programs of elementwise functions, quotients among them, of slices and a
# permuted copy, at points with zeros, nan and inf: by planes (summed, or written out
# where an intermediate is read) against eager evaluation, which computes every pair
_UNARY: list[Callable[[Any], Any]] = [
    np.sqrt,
    np.log,
    np.exp,
    np.sin,
    lambda u: 1.0 / u,
    lambda u: u / (1.0 + u * u),
    lambda u: u * u,
]
_BINARY: list[Callable[[Any, Any], Any]] = [
    np.add,
    np.multiply,
    np.divide,
    lambda a, b: a / (2.0 + b * b),
    np.hypot,
]


def _program(g: np.random.Generator, n: int, depth: int) -> Callable[[Any, Any], Any]:
    """A random program of v's slices v[s : s + n - 3] and of w, a permuted copy of v."""
    if depth == 0 or g.random() < 0.2:
        s = int(g.integers(0, 4))
        if g.random() < 0.3:
            return lambda v, w: w[s : s + n - 3]
        return lambda v, w: v[s : s + n - 3]
    if g.random() < 0.4:
        f, a = _UNARY[g.integers(len(_UNARY))], _program(g, n, depth - 1)
        return lambda v, w: f(a(v, w))
    op = _BINARY[g.integers(len(_BINARY))]
    a, b = _program(g, n, depth - 1), _program(g, n, depth - 1)
    return lambda v, w: op(a(v, w), b(v, w))


@pytest.mark.parametrize("seed", range(3))
def test_random_programs_at_non_finite_points_by_planes_and_eagerly(seed: int) -> None:
    g = np.random.default_rng(1600 + seed)
    recorded: list[bool] = []  # (whether the product was: a view or an exposed t is not)
    for _ in range(12):
        n = int(g.integers(84, 96))  # (n - 3 elements of 1 + n + n (n + 1) / 2 planes: >= 2^18)
        inner, outer = _program(g, n, 3), _program(g, n, 2)
        perm = g.permutation(n)
        read = bool(g.random() < 0.5)

        def f(
            v: Any, inner: Any = inner, outer: Any = outer, perm: Any = perm, read: bool = read
        ) -> Any:
            t = inner(v, v)  # (pending)
            w = v[perm]
            if read:  # t's graph run alone, written out (its pairs zero by structure +0)
                _ = t.value
            product = t * outer(v, w)
            recorded.append(_pending(product))
            return np.sum(product)

        x = g.uniform(-1.5, 1.5, n)
        x[g.integers(0, n, 3)] = [0.0, np.nan, np.inf][int(g.integers(3))]
        by_planes = hd.hessian(f)(x)
        eagerly = _eager_hessian(f, x)
        # (eagerly, np.sum of the Hessian's planes is one BLAS product: an ulp or two off
        # numpy's pairwise sums, which the planes' sums are)
        _same(by_planes, eagerly)
        assert np.array_equal(by_planes != 0, eagerly != 0)
    assert recorded.count(True) >= 3


# --- np.sum of many planes: complex parts with inf -----------------------------------
_SUMS: dict[str, Callable[[Any], Any]] = {
    "np.sum": np.sum,
    ".sum()": lambda t: t.sum(),
    "np.sum(axis=0)": lambda t: np.sum(t, axis=0),
    "np.sum(axis=-1)": lambda t: np.sum(t, axis=-1),
}


def _same_complex(got: np.ndarray, want: np.ndarray) -> None:
    """Equal real and imaginary parts, each as _same's (an infinite part with its sign, the
    other part 0 where it is 0)."""
    assert got.dtype == want.dtype
    if np.iscomplexobj(want):
        _same(got.real, want.real)
        _same(got.imag, want.imag)
    else:
        _same(got, want)


@pytest.mark.parametrize("n", [24, 40])
@pytest.mark.parametrize("dtype", [np.complex128, np.float64])
@pytest.mark.parametrize("name", sorted(_SUMS))
def test_a_sum_of_many_planes_with_an_infinite_part(name: str, dtype: type, n: int) -> None:
    # HyperDualVec(n): 1 + n + n (n + 1) / 2 planes (325 and 861); H of reduce(c v^2) is
    # diag(2 c), c holding +-inf
    reduce = _SUMS[name]
    c = np.arange(1.0, n + 1)
    c[3], c[n - 2] = np.inf, -np.inf
    z = np.linspace(0.5, 1.5, n).astype(dtype)
    if np.iscomplexobj(z):
        z += 0.25j
    got = hd.hessian(lambda v: reduce(v * v * c), holomorphic=np.iscomplexobj(z))(z)
    want = np.diag(2.0 * c).astype(dtype)
    _same_complex(got, want)


@pytest.mark.parametrize("name", sorted(_SUMS))
def test_a_sum_of_a_complex_hyperdualvec_with_an_infinite_part(name: str) -> None:
    # HyperDualVec(16, 16): 289 planes; sum(c x) has grad1 = c (its 16 entries), grad2 = c
    # too, and no second-order part
    reduce = _SUMS[name]
    n = 16
    c = np.arange(1.0, n + 1)
    c[5] = np.inf
    eye = np.eye(n)
    x = hd.hyperdualvec(np.linspace(0.5, 1.5, n) + 0.5j, eye, eye, dtype=np.complex128)
    total = reduce(c * x)
    want = c.astype(np.complex128)
    _same_complex(total.grad1, want)
    _same_complex(total.grad2, want)
    _same_complex(total.hess.ravel(), np.zeros(n * n, dtype=np.complex128))
