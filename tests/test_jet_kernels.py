"""The Jet kernels (`_core.jet_unary`, `_core.jet_binary`) against closed forms.

A Jet has 1 + P + Q planes: the value, P first-order parts g and Q second-order
parts h, each with a pair (a, b) of first-order indices. The chain rules are
    unary:  (f0, f1 g, f1 h + f2 g_a g_b)
    binary: fx xg + fy yg,
            fx xh + fy yh + fxx xg_a xg_b + fxy (xg_a yg_b + xg_b yg_a) + fyy yg_a yg_b,
and the references below evaluate them with f1, f2 and the partials written out
by hand in numpy, independently of the C++ table, in long double (80-bit on x86)
so the tolerance measures the kernels' rounding rather than the reference's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from hyperdiff import _core

Array = npt.NDArray[np.floating]
UNARY = {name: i for i, (name, *_) in enumerate(_core.UNARY_FUNCTIONS)}
BINARY = {name: i for i, (name, *_) in enumerate(_core.BINARY_FUNCTIONS)}
HYPERDUAL = dict(_core.KINDS)
HYPERDUAL_KIND = [name for name, _ in _core.KINDS].index("HyperDual")
DUAL_KIND = [name for name, _ in _core.KINDS].index("Dual")


def dual_vec(k: int) -> tuple[int, npt.NDArray[np.int64]]:
    return k, np.zeros((0, 2), dtype=np.int64)


def hyper_dual_vec(k1: int, k2: int) -> tuple[int, npt.NDArray[np.int64]]:
    pairs = [(i, k1 + j) for i in range(k1) for j in range(k2)]
    return k1 + k2, np.array(pairs, dtype=np.int64)


def symmetric(k: int) -> tuple[int, npt.NDArray[np.int64]]:
    pairs = [(i, j) for i in range(k) for j in range(i, k)]
    return k, np.array(pairs, dtype=np.int64)


LAYOUTS = {
    "DualVec(5)": dual_vec(5),
    "HyperDualVec(2,3)": hyper_dual_vec(2, 3),
    "Symmetric(3)": symmetric(3),
}
# Results agree with the closed forms to 8 ulps (of their dtype) of the terms'
# magnitude: test_references' budget for a table entry's second derivatives
# (arctan2's fxx = -2 u w / r^2 reaches it with x86-64-v2's scalar libm).
RTOL = {dtype: 8 * float(np.finfo(dtype).eps) for dtype in (np.float64, np.float32)}
REFERENCE = np.longdouble

# f(a) -> (f0, f1, f2), and the domain the inputs are drawn from.
UnaryForm = Callable[[Array], tuple[Array, Array, Array]]
UNARY_FORMS: dict[str, tuple[UnaryForm, tuple[float, float]]] = {
    "sin": (lambda a: (np.sin(a), np.cos(a), -np.sin(a)), (-3.0, 3.0)),
    "exp": (lambda a: (np.exp(a), np.exp(a), np.exp(a)), (-3.0, 3.0)),
    "log": (lambda a: (np.log(a), 1 / a, -1 / a**2), (0.1, 10.0)),
    "sqrt": (lambda a: (np.sqrt(a), 0.5 / np.sqrt(a), -0.25 / (a * np.sqrt(a))), (0.1, 10.0)),
    "tanh": (
        lambda a: (np.tanh(a), 1 / np.cosh(a) ** 2, -2 * np.tanh(a) / np.cosh(a) ** 2),
        (-3.0, 3.0),
    ),
    "arctan": (lambda a: (np.arctan(a), 1 / (1 + a * a), -2 * a / (1 + a * a) ** 2), (-3.0, 3.0)),
}

# f(x, y) -> (f0, fx, fy, fxx, fxy, fyy), and the domains of x and y.
BinaryForm = Callable[[Array, Array], tuple[Array, ...]]


def _power(x: Array, y: Array) -> tuple[Array, ...]:
    p, lg = x**y, np.log(x)
    return (
        p,
        y * x ** (y - 1),
        p * lg,
        y * (y - 1) * x ** (y - 2),
        x ** (y - 1) * (1 + y * lg),
        p * lg**2,
    )


def _arctan2(x: Array, y: Array) -> tuple[Array, ...]:
    r2 = x * x + y * y
    r4 = r2 * r2
    return np.arctan2(x, y), y / r2, -x / r2, -2 * x * y / r4, (x * x - y * y) / r4, 2 * x * y / r4


def _hypot(x: Array, y: Array) -> tuple[Array, ...]:
    h = np.hypot(x, y)
    h3 = h**3
    return h, x / h, y / h, y * y / h3, -x * y / h3, x * x / h3


BINARY_FORMS: dict[str, tuple[BinaryForm, tuple[float, float], tuple[float, float]]] = {
    "multiply": (
        lambda x, y: (x * y, y, x, 0 * x, 1 + 0 * x, 0 * x),
        (-3.0, 3.0),
        (-3.0, 3.0),
    ),
    "divide": (
        lambda x, y: (x / y, 1 / y, -x / y**2, 0 * x, -1 / y**2, 2 * x / y**3),
        (-3.0, 3.0),
        (0.5, 5.0),
    ),
    "power": (_power, (0.5, 2.0), (-2.0, 2.0)),
    "arctan2": (_arctan2, (-3.0, 3.0), (-3.0, 3.0)),
    "hypot": (_hypot, (-3.0, 3.0), (-3.0, 3.0)),
}

DTYPES = [np.float64, np.float32]
N = 1000  # several kernel blocks and a ragged end


def _jet(
    rng: np.random.Generator, first: int, pairs: npt.NDArray[np.int64], n: int, domain: tuple
) -> Array:
    x = rng.standard_normal((1 + first + len(pairs), n))
    x[0] = rng.uniform(*domain, n)
    return x


def _assert_close(actual: np.ndarray, expected: Array, scale: Array, rtol: float) -> None:
    """|actual - expected| <= rtol * scale, with scale the sum of the terms' magnitudes."""
    actual = actual.astype(REFERENCE)
    assert actual.shape == expected.shape
    bad = ~(np.abs(actual - expected) <= rtol * scale)
    assert not bad.any(), (
        f"{bad.sum()} mismatches, first at {np.argwhere(bad)[0]}: "
        f"{actual[bad][0]!r} != {expected[bad][0]!r}"
    )


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit, except for the sign and payload of nans (IEEE leaves which
    operand's nan a sum returns to the compiler, which may commute it)."""
    nan = np.isnan(a)
    return bool((nan == np.isnan(b)).all() and a[~nan].tobytes() == b[~nan].tobytes())


def _unary_reference(
    form: UnaryForm, x: Array, first: int, pairs: npt.NDArray[np.int64]
) -> tuple[Array, Array]:
    f0, f1, f2 = form(x[0])
    g, h = x[1 : 1 + first], x[1 + first :]
    out = np.empty_like(x)
    scale = np.empty_like(x)
    out[0], scale[0] = f0, np.abs(f0)
    out[1 : 1 + first], scale[1 : 1 + first] = f1 * g, np.abs(f1 * g)
    for q, (a, b) in enumerate(pairs):
        t1, t2 = f1 * h[q], f2 * g[a] * g[b]
        out[1 + first + q], scale[1 + first + q] = t1 + t2, np.abs(t1) + np.abs(t2)
    return out, scale


def _binary_reference(
    form: BinaryForm, x: Array, y: Array, first: int, pairs: npt.NDArray[np.int64]
) -> tuple[Array, Array]:
    """x and y: full jets (zero parts for a real operand), broadcast to one shape."""
    f0, fx, fy, fxx, fxy, fyy = form(x[0], y[0])
    planes = 1 + first + len(pairs)
    out = np.empty((planes, *f0.shape), dtype=f0.dtype)
    scale = np.empty_like(out)
    out[0], scale[0] = f0, np.abs(f0)
    for p in range(1, 1 + first):
        terms = [fx * x[p], fy * y[p]]
        out[p], scale[p] = sum(terms), sum(np.abs(t) for t in terms)
    for q, (a, b) in enumerate(pairs):
        a, b, h = 1 + a, 1 + b, 1 + first + q
        terms = [
            fx * x[h],
            fy * y[h],
            fxx * x[a] * x[b],
            fxy * (x[a] * y[b] + x[b] * y[a]),
            fyy * y[a] * y[b],
        ]
        # fxy's two products may cancel: their magnitudes count separately
        mags = [np.abs(t) for t in terms[:3]]
        mags += [np.abs(fxy) * (np.abs(x[a] * y[b]) + np.abs(x[b] * y[a])), np.abs(terms[4])]
        out[h], scale[h] = sum(terms), sum(mags)
    return out, scale


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", UNARY_FORMS)
def test_unary_matches_closed_form(name: str, layout: str, dtype: type) -> None:
    form, domain = UNARY_FORMS[name]
    first, pairs = LAYOUTS[layout]
    rng = np.random.default_rng(1)
    x = _jet(rng, first, pairs, N, domain).astype(dtype)
    out = np.empty_like(x)
    _core.jet_unary(UNARY[name], _core.JetLayout(first, pairs), x, out)
    expected, scale = _unary_reference(form, x.astype(REFERENCE), first, pairs)
    _assert_close(out, expected, scale, RTOL[dtype])


# (x has parts, y has parts, x broadcast, y broadcast); a broadcast operand holds one element
OPERAND_MODES = [
    (True, True, False, False),
    (True, False, False, False),
    (False, True, False, False),
    (True, True, True, False),
    (True, True, False, True),
    (True, False, False, True),
    (False, True, True, False),
]


@pytest.mark.parametrize(
    "mode", OPERAND_MODES, ids=lambda m: "".join("xyXY"[i] for i in range(4) if m[i])
)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", BINARY_FORMS)
def test_binary_matches_closed_form(
    name: str, layout: str, dtype: type, mode: tuple[bool, bool, bool, bool]
) -> None:
    form, x_domain, y_domain = BINARY_FORMS[name]
    first, pairs = LAYOUTS[layout]
    x_parts, y_parts, x_one, y_one = mode
    rng = np.random.default_rng(2)
    x = _jet(rng, first, pairs, 1 if x_one else N, x_domain).astype(dtype)
    y = _jet(rng, first, pairs, 1 if y_one else N, y_domain).astype(dtype)
    if not x_parts:
        x[1:] = 0
    if not y_parts:
        y[1:] = 0
    out = np.empty((x.shape[0], N), dtype=dtype)
    xa = x if x_parts else np.ascontiguousarray(x[0])
    ya = y if y_parts else np.ascontiguousarray(y[0])
    _core.jet_binary(BINARY[name], _core.JetLayout(first, pairs), xa, x_parts, ya, y_parts, out)
    xb, yb = np.broadcast_arrays(x.astype(REFERENCE), y.astype(REFERENCE))
    expected, scale = _binary_reference(form, xb, yb, first, pairs)
    _assert_close(out, expected, scale, RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_reproduces_hyperdual_bit_for_bit(dtype: type) -> None:
    """P = 2, Q = 1, pair (0, 1) is HyperDual: every table entry, every operand mode,
    broadcasts, nan, inf and strong zeros."""
    first, pairs = 2, np.array([[0, 1]], dtype=np.int64)
    rng = np.random.default_rng(3)
    n = 700
    x = rng.standard_normal((4, n)).astype(dtype)
    x[0, :200] = rng.uniform(0.05, 0.95, 200)  # inside every domain
    x[0, 200] = np.nan
    x[0, 201] = 0.0
    x[1:, 202] = 0.0  # strong zeros
    x[1, 203] = np.inf
    y = rng.standard_normal((4, n)).astype(dtype)
    y[0, :100] = 0.0
    assert HYPERDUAL["HyperDual"] == 4
    for name, index in UNARY.items():
        jet, fixed = np.empty_like(x), np.empty_like(x)
        _core.jet_unary(index, _core.JetLayout(first, pairs), x, jet)
        _core.unary(index, HYPERDUAL_KIND, x, fixed)
        assert _same_bits(jet, fixed), name
    for name, index in BINARY.items():
        for x_parts, y_parts in [(True, True), (True, False), (False, True)]:
            for xs, ys in [(x, y), (x[:, :1].copy(), y), (x, y[:, :1].copy())]:
                xa = xs if x_parts else np.ascontiguousarray(xs[0])
                ya = ys if y_parts else np.ascontiguousarray(ys[0])
                jet, fixed = np.empty_like(x), np.empty_like(x)
                _core.jet_binary(
                    index, _core.JetLayout(first, pairs), xa, x_parts, ya, y_parts, jet
                )
                _core.binary(index, HYPERDUAL_KIND, xa, x_parts, ya, y_parts, fixed)
                assert _same_bits(jet, fixed), (name, x_parts, y_parts)


def test_one_part_reproduces_dual_bit_for_bit() -> None:
    first, pairs = dual_vec(1)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 300))
    for index in UNARY.values():
        jet, fixed = np.empty_like(x), np.empty_like(x)
        _core.jet_unary(index, _core.JetLayout(first, pairs), x, jet)
        _core.unary(index, DUAL_KIND, x, fixed)
        assert _same_bits(jet, fixed)


@pytest.mark.parametrize("dtype", DTYPES)
def test_strong_zeros(dtype: type) -> None:
    """sqrt at 0: f1 = inf, f2 = -inf, but an unperturbed direction stays exactly 0."""
    first, pairs = symmetric(3)
    x = np.zeros((1 + first + len(pairs), 2), dtype=dtype)
    x[1, 1] = 1.0  # the second element is seeded along direction 0 only
    out = np.empty_like(x)
    _core.jet_unary(UNARY["sqrt"], _core.JetLayout(first, pairs), x, out)
    assert (out[:, 0] == 0).all()
    assert out[1, 1] == np.inf and (out[2:4, 1] == 0).all()
    h = out[1 + first :, 1]
    assert h[0] == -np.inf and (h[1:] == 0).all()  # pair (0, 0) only
    # a real operand's zero contributes nothing: 0 * sqrt-like partials of power at 0
    y = np.zeros_like(x)
    y[0] = 0.5
    _core.jet_binary(
        BINARY["power"],
        _core.JetLayout(first, pairs),
        x,
        True,
        np.ascontiguousarray(y[0]),
        False,
        out,
    )
    assert (out[:, 0] == 0).all()
    assert out[1, 1] == np.inf and (out[2:4, 1] == 0).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_value_gives_nan_derivatives(dtype: type) -> None:
    first, pairs = hyper_dual_vec(2, 3)
    rng = np.random.default_rng(5)
    x = _jet(rng, first, pairs, 4, (1.0, 2.0)).astype(dtype)
    x[0] = [-1.0, np.nan, -1.0, 1.0]  # log(-1) and log(nan) are nan
    x[1:, 2] = 0.0  # zero parts stay strong zeros
    out = np.empty_like(x)
    _core.jet_unary(UNARY["log"], _core.JetLayout(first, pairs), x, out)
    assert np.isnan(out[:, :2]).all()
    assert np.isnan(out[0, 2]) and (out[1:, 2] == 0).all()
    assert np.isfinite(out[:, 3]).all()
    y = np.ascontiguousarray(x[:, ::-1])
    _core.jet_binary(BINARY["multiply"], _core.JetLayout(first, pairs), x, True, y, True, out)
    assert np.isnan(out[:, 1]).all() and np.isnan(out[:, 2]).all()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_in_place(layout: str) -> None:
    """out may be an input: second-order planes read the first-order ones first."""
    first, pairs = LAYOUTS[layout]
    rng = np.random.default_rng(6)
    x = _jet(rng, first, pairs, N, (0.5, 2.0))
    y = _jet(rng, first, pairs, N, (0.5, 2.0))
    expected = np.empty_like(x)
    _core.jet_unary(UNARY["log"], _core.JetLayout(first, pairs), x, expected)
    inplace = x.copy()
    _core.jet_unary(UNARY["log"], _core.JetLayout(first, pairs), inplace, inplace)
    assert inplace.tobytes() == expected.tobytes()
    _core.jet_binary(BINARY["power"], _core.JetLayout(first, pairs), x, True, y, True, expected)
    xi, yi = x.copy(), y.copy()
    _core.jet_binary(BINARY["power"], _core.JetLayout(first, pairs), xi, True, y, True, xi)
    _core.jet_binary(BINARY["power"], _core.JetLayout(first, pairs), x, True, yi, True, yi)
    assert xi.tobytes() == expected.tobytes() and yi.tobytes() == expected.tobytes()


def test_threaded_matches_blocks() -> None:
    """Above the parallel threshold the result is the same as element by element."""
    first, pairs = hyper_dual_vec(2, 2)
    rng = np.random.default_rng(7)
    n = 2 * _core.PARALLEL_THRESHOLD + 37
    x = _jet(rng, first, pairs, n, (-3.0, 3.0))
    big = np.empty_like(x)
    _core.jet_unary(UNARY["sin"], _core.JetLayout(first, pairs), x, big)
    cut = n // 3
    for part in (slice(0, cut), slice(cut, n)):
        xs = np.ascontiguousarray(x[:, part])
        small = np.empty_like(xs)
        _core.jet_unary(UNARY["sin"], _core.JetLayout(first, pairs), xs, small)
        assert small.tobytes() == np.ascontiguousarray(big[:, part]).tobytes()


def test_empty_and_first_only() -> None:
    x = np.empty((4, 0))
    _core.jet_unary(
        UNARY["sin"], _core.JetLayout(3, np.zeros((0, 2), dtype=np.int64)), x, np.empty_like(x)
    )
    x = np.array([[0.5]])  # P = 0: the value alone
    out = np.empty_like(x)
    _core.jet_unary(UNARY["exp"], _core.JetLayout(0, np.zeros((0, 2), dtype=np.int64)), x, out)
    assert out[0, 0] == np.exp(0.5)


@pytest.mark.parametrize(
    ("first", "pairs", "error"),
    [
        (-1, np.zeros((0, 2), dtype=np.int64), ValueError),
        (2, np.array([[0, 2]], dtype=np.int64), ValueError),
        (2, np.array([[-1, 0]], dtype=np.int64), ValueError),
        (0, np.array([[0, 0]], dtype=np.int64), ValueError),
        (2, np.array([[0, 1, 1]], dtype=np.int64), ValueError),
        (2, np.array([0, 1], dtype=np.int64), ValueError),
        (2, np.array([[0.0, 1.0]]), TypeError),
        (2, [[0, 1]], TypeError),
    ],
)
def test_bad_layouts_raise(first: int, pairs: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        _core.JetLayout(first, pairs)


def test_layouts_accept_any_integer_pairs() -> None:
    x = np.full((4, 5), 0.5)
    expected = np.empty_like(x)
    _core.jet_unary(
        UNARY["sin"], _core.JetLayout(2, np.array([[0, 1]], dtype=np.int64)), x, expected
    )
    for pairs in (
        np.array([[0, 1]], dtype=np.int32),
        np.array([[1, 0], [0, 1]], dtype=np.int64)[:1, ::-1],
    ):
        layout = _core.JetLayout(2, pairs)
        assert layout.planes == 4
        out = np.empty_like(x)
        _core.jet_unary(UNARY["sin"], layout, x, out)
        np.testing.assert_array_equal(out, expected)


def test_plane_count_must_match_layout() -> None:
    first, pairs = symmetric(3)  # 1 + 3 + 6 planes
    for rows in (9, 11):
        x = np.ones((rows, 4))
        with pytest.raises(ValueError, match="first"):
            _core.jet_unary(UNARY["sin"], _core.JetLayout(first, pairs), x, np.empty_like(x))
        with pytest.raises(ValueError):
            _core.jet_binary(
                BINARY["add"], _core.JetLayout(first, pairs), x, True, x, True, np.empty_like(x)
            )
    x = np.ones((10, 4))
    with pytest.raises(ValueError):
        _core.jet_unary(UNARY["sin"], _core.JetLayout(first, pairs), x, np.empty((10, 5)))
    with pytest.raises(ValueError):
        _core.jet_binary(
            BINARY["add"], _core.JetLayout(first, pairs), x, True, np.ones((9, 4)), True, x.copy()
        )
    with pytest.raises(ValueError):
        _core.jet_unary(len(UNARY), _core.JetLayout(first, pairs), x, np.empty_like(x))
    with pytest.raises(TypeError):
        _core.jet_unary(
            UNARY["sin"], _core.JetLayout(first, pairs), x, np.empty_like(x, dtype=np.float32)
        )
