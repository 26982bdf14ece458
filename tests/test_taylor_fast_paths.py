"""The Taylor kernels' fast paths give the plain path's bits: a block whose operand has
zero planes (a seed x = a + t: every plane above the first zero) skips their terms,
an output apart from its inputs is written in place, the pointwise probe rides in the
Taylor pass (probe=True: one plane more), the ufuncs of a Taylor kind take C++'s fast
path and its elementwise fusion (a chain recorded, run block by block, derivative(order
>= 3) reading one plane of it). Each against the same numbers where the fast path
cannot apply: a block made dense by one more element, an out= that is the input, the
Python path's kernel call, eager evaluation, no probe plane (and the probe plane
against plane 1 of a pass seeded with it)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd
from hyperdiff import _core, _table, _ufuncs
from hyperdiff._taylor import taylor_type

DTYPES = [np.float64, np.float32, np.complex128, np.complex64]
DEGREES = [3, 4, 10]
N = 40  # points, in one kernel block with the dense element


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint8)


def _points(name: str, dtype: Any, rng: np.random.Generator, n: int) -> np.ndarray:
    lo, hi = (1.3, 3.0) if name == "arccosh" else (0.2, 0.8)  # inside every domain
    x = rng.uniform(lo, hi, n)
    if np.dtype(dtype).kind == "c":
        x = x + 0.1j * rng.uniform(-1, 1, n)
    return x.astype(dtype)


def _seed(x: np.ndarray, d: int, v: float) -> np.ndarray:
    """x + v t: planes 2 .. d zero."""
    planes = np.zeros((d + 1, x.size), dtype=x.dtype)
    planes[0], planes[1] = x, v
    return planes


def _with_dense(planes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The planes with element 0's every plane not zero (the block is dense; the other
    elements keep their places: a value's bits may depend on its lane)."""
    dense = planes.copy()
    dense[:, 0] = rng.uniform(0.3, 0.6, planes.shape[0]).astype(planes.dtype)
    return dense


def _unary(function: int, d: int, x: np.ndarray) -> np.ndarray:
    """The kernel's planes (x of d + 2 planes: with the probe's)."""
    out = np.empty_like(x)
    _core.taylor_unary(function, d, x, out, x.shape[0] == d + 2)
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", DEGREES)
def test_unary_zero_planes_and_in_place_keep_the_bits(dtype: Any, d: int) -> None:
    rng = np.random.default_rng(d)
    ran = 0
    for function, ((name, _, _), degree) in enumerate(
        zip(_core.UNARY_FUNCTIONS, _core.TAYLOR_UNARY_DEGREES, strict=True)
    ):
        if degree < d:
            continue
        x = _seed(_points(name, dtype, rng, N), d, 0.75)
        try:
            sparse = _unary(function, d, x)
        except TypeError:  # no complex kernel
            continue
        dense = _unary(function, d, _with_dense(x, rng))
        np.testing.assert_array_equal(_bits(sparse[:, 1:]), _bits(dense[:, 1:]), err_msg=name)
        in_place = x.copy()
        _core.taylor_unary(function, d, in_place, in_place)  # read before written
        np.testing.assert_array_equal(_bits(in_place), _bits(sparse), err_msg=name)
        # the probe plane: f1 w, as plane 1 of the pass seeded x + w t
        w = rng.choice([-4.0, 0.5, 2.0], N).astype(dtype)
        probed = _unary(function, d, np.concatenate([x, w[None]]))
        np.testing.assert_array_equal(_bits(probed[: d + 1]), _bits(sparse), err_msg=name)
        along_w = x.copy()
        along_w[1] = w
        np.testing.assert_array_equal(_bits(probed[d + 1]), _bits(_unary(function, d, along_w)[1]))
        ran += 1
    assert ran >= 20


def _binary(function: int, d: int, x: np.ndarray, xp: bool, y: np.ndarray, yp: bool) -> Any:
    out = np.empty((d + 1, max(x.shape[1], y.shape[1])), dtype=x.dtype)
    _core.taylor_binary(function, d, x, xp, y, yp, out)
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", DEGREES)
def test_binary_zero_planes_and_in_place_keep_the_bits(dtype: Any, d: int) -> None:
    rng = np.random.default_rng(100 + d)
    ran = 0
    for function, (name, _, _) in enumerate(_core.BINARY_FUNCTIONS):
        x = _seed(_points(name, dtype, rng, N), d, 0.75)
        y = _seed(_points(name, dtype, rng, N), d, -0.5)
        y[2] = 0.25  # a second operand of top 2 (as x^2)
        for x_parts, y_parts in ((True, True), (True, False), (False, True)):
            a = x if x_parts else x[:1]
            b = y if y_parts else y[:1]

            def run(a: np.ndarray, b: np.ndarray) -> np.ndarray:
                return _binary(function, d, a, x_parts, b, y_parts)  # noqa: B023 (called here)

            try:
                sparse = run(a, b)
            except TypeError:  # no complex kernel
                break
            dense = run(_with_dense(a, rng), _with_dense(b, rng))
            np.testing.assert_array_equal(_bits(sparse[:, 1:]), _bits(dense[:, 1:]), err_msg=name)
            if x_parts:
                in_place = a.copy()
                _core.taylor_binary(function, d, in_place, True, b, y_parts, in_place)
                np.testing.assert_array_equal(_bits(in_place), _bits(sparse), err_msg=name)
            # the probe plane: fx wx + fy wy, plane 1 of the pass seeded along (wx, wy)
            wx, wy = (rng.choice([-4.0, 0.5, 2.0], N).astype(dtype) for _ in range(2))
            pa = np.concatenate([a, wx[None]]) if x_parts else a
            pb = np.concatenate([b, wy[None]]) if y_parts else b
            probed = np.empty((d + 2, N), dtype=dtype)
            _core.taylor_binary(function, d, pa, x_parts, pb, y_parts, probed, True)
            np.testing.assert_array_equal(_bits(probed[: d + 1]), _bits(sparse), err_msg=name)
            along_x, along_y = a.copy(), b.copy()
            if x_parts:
                along_x[1:] = 0
                along_x[1] = wx
            if y_parts:
                along_y[1:] = 0
                along_y[1] = wy
            want = run(along_x, along_y)[1]
            eps = 64 * float(np.finfo(dtype).eps)
            np.testing.assert_allclose(
                probed[d + 1], want, rtol=eps, atol=eps * np.abs(want).max(), err_msg=name
            )
            ran += 1
    assert ran >= 15  # (complex: five entries times three modes have no kernel)


def t1(x: Any) -> Any:
    return np.sin(x) * np.exp(-0.5 * x * x) + np.log(1.0 + x * x)


@pytest.fixture
def eager() -> Any:
    """Nothing recorded (fusion.hpp): each operation runs when called."""
    previous = _core.fusion_min_count(1 << 62)
    yield
    _core.fusion_min_count(previous)


def _recorded(run: Any) -> Any:
    """run() with every operation recorded, then its planes computed."""
    previous = _core.fusion_min_count(1)
    try:
        return run()._stack
    finally:
        _core.fusion_min_count(previous)


def _taylor(d: int, x: np.ndarray, rng: np.random.Generator) -> Any:
    """A Taylor array of degree d at x: planes 1 and 2 dense, the rest zero (tops)."""
    planes = np.zeros((d + 1, x.size), dtype=x.dtype)
    planes[0] = x
    planes[1] = rng.uniform(0.5, 1.0, x.size).astype(x.dtype)
    planes[2] = rng.uniform(-0.2, 0.2, x.size).astype(x.dtype)
    return taylor_type(d)._wrap(planes)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", DEGREES)
def test_fast_ufuncs_and_their_fusion_give_the_python_paths_bits(
    dtype: Any, d: int, eager: Any
) -> None:
    """Every table function on a Taylor kind: the fast path (eager), its chain recorded
    and run block by block, and the Python path's kernel call (checked_unary,
    apply_binary) give the same bits; functions without a Taylor rule of degree d or a
    complex kernel raise the same TypeError on both."""
    rng = np.random.default_rng(200 + d)
    ran = 0
    for ufunc, function in _table.UNARY.items():
        name = _core.UNARY_FUNCTIONS[function][0]
        t = _taylor(d, _points(name, dtype, rng, N), rng)
        try:
            plain = _ufuncs.checked_unary(ufunc, t)._stack
        except TypeError as error:
            with pytest.raises(TypeError, match=re.escape(str(error))):
                ufunc(t)
            continue
        fast = ufunc(t)._stack
        fused = _recorded(lambda: ufunc(0.5 * ufunc(t) + t))  # noqa: B023 (called here)
        want = _ufuncs.checked_unary(
            ufunc, _ufuncs.apply_binary(np.add, 0.5 * _ufuncs.checked_unary(ufunc, t), t)
        )._stack
        np.testing.assert_array_equal(_bits(fast), _bits(plain), err_msg=name)
        np.testing.assert_array_equal(_bits(fused), _bits(want), err_msg=name)
        ran += 1
    for ufunc in _table.FAST_BINARY:
        name = ufunc.__name__
        a, b = (_taylor(d, _points(name, dtype, rng, N), rng) for _ in range(2))
        c = _points(name, dtype, rng, N)
        for x, y in ((a, b), (a, c), (c, b), (a, 0.75), (1.25, b), (a, a)):
            try:
                plain = _ufuncs.apply_binary(ufunc, x, y)._stack
            except TypeError:
                continue
            fast = ufunc(x, y)._stack
            np.testing.assert_array_equal(_bits(fast), _bits(plain), err_msg=name)
            fused = _recorded(lambda: np.sin(ufunc(x, y)))  # noqa: B023 (called here)
            want = _ufuncs.checked_unary(np.sin, _ufuncs.apply_binary(ufunc, x, y))._stack
            np.testing.assert_array_equal(_bits(fused), _bits(want), err_msg=name)
            ran += 1
    assert ran >= 40


def test_elementwise_plane_only_for_a_graph_of_the_seed_alone() -> None:
    """_core.elementwise_plane reads a plane of a recorded chain whose only operand with
    parts is the whole seed (numbers and constant arrays besides): the eager planes'
    bits; anything else (another Taylor array, a slice, a function run in Python, a
    computed result) gives None and computes nothing."""
    rng = np.random.default_rng(9)
    x = rng.uniform(0.2, 0.8, 3000)
    cls = taylor_type(4)
    previous = _core.fusion_min_count(1)
    try:

        def seed() -> Any:
            return _core.unit_seed(cls, x)

        c = rng.uniform(1, 2, x.size)
        s = seed()
        r = t1(s) * c - 2.0
        plane = _core.elementwise_plane(r, s, 4)
        assert plane is not None
        np.testing.assert_array_equal(_bits(plane), _bits(r._stack[4]))  # r stayed pending
        other = seed()
        s = seed()
        assert _core.elementwise_plane(np.sin(s) * other, s, 4) is None
        s = seed()
        assert _core.elementwise_plane(np.sin(s[::-1]), s, 4) is None
        s = seed()
        assert _core.elementwise_plane(np.sin(np.cumsum(s)), s, 4) is None
        s = seed()
        assert _core.elementwise_plane(np.exp(s) + np.roll(s, 1), s, 4) is None
        s = seed()
        r = np.sin(s)
        r._stack  # noqa: B018 (computed)
        assert _core.elementwise_plane(r, s, 4) is None
        s = seed()
        s._stack  # noqa: B018 (the seed computed: its planes an array like any other)
        assert _core.elementwise_plane(np.sin(s), s, 4) is None
        s = seed()
        np.testing.assert_array_equal(  # x + t, computed where read
            s._stack, cls._from_parts(x, (1.0, 0.0, 0.0, 0.0), None)._stack
        )
        s = seed()
        assert _core.elementwise_plane(np.sin(s), seed(), 4) is None  # another seed
        assert _core.elementwise_plane(s, s, 4) is None
        assert _core.elementwise_plane(np.sin(s), s, 5) is None  # no such plane
    finally:
        _core.fusion_min_count(previous)


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_fused_pass_gives_the_eager_bits(dtype: Any, planes_read: list[Any]) -> None:
    """derivative(order=k) from one plane of the fused pass on the whole (no probe:
    elementwise_plane proves f pointwise) against the eager pass's planes."""
    rng = np.random.default_rng(7)
    x = _points("t1", dtype, rng, 73_728)
    complex_ = np.dtype(dtype).kind == "c"
    read = planes_read
    for k in (3, 10):
        previous = _core.fusion_min_count(1 << 62)
        try:
            whole = hd.taylor(t1, x, dtype(1.0), k, holomorphic=complex_)[k]
        finally:
            _core.fusion_min_count(previous)
        for check in (True, False):
            fused = hd.derivative(t1, order=k, holomorphic=complex_, check_pointwise=check)(x)
            np.testing.assert_array_equal(_bits(fused), _bits(whole))
    assert len(read) == 4 and all(r is not None for r in read)


def test_a_length_seen_only_beyond_first_order_is_the_whole_inputs() -> None:
    """f depends on len(x) only through a term whose first derivative vanishes at
    every point (x = 1): chunks held to the whole's first derivatives gave the chunk's
    third (-cos 1 for 6 - cos 1, silently, both derivative(order=3) and the mixed
    partial); f runs on the whole input (closed forms)."""
    x = np.ones(98_304)
    f = lambda v: np.sin(v) + (v.size > 50_000) * (v - 1.0) ** 3  # noqa: E731
    want = 6.0 - np.cos(1.0)
    for check in (True, False):
        got = hd.derivative(f, order=3, check_pointwise=check)(x)
        np.testing.assert_allclose(got, want, rtol=1e-15)
        mixed = hd.derivative(
            lambda u, w: f(u) * w, order=(3, 1), argnums=(0, 1), check_pointwise=check
        )
        np.testing.assert_allclose(mixed(x, np.ones_like(x)), want, rtol=1e-15)


@pytest.mark.parametrize("n", [3000, 40_000])
def test_the_probe_finds_mixing(n: int) -> None:
    # below the fusion's 32768 points f runs eagerly, above it is recorded: either way a
    # function mixing points fails the proof and meets the probe pass on the whole
    x = np.random.default_rng(8).uniform(0.5, 1.5, n)
    mixing = (
        lambda v: v**3 + np.roll(v, 1),
        lambda v: np.sin(v) * v.mean(),
        lambda v: np.cumsum(v) ** 2,
        lambda v: np.exp(v) * np.concatenate([v[1:], v[:1]]),
        lambda v: np.exp(v[::-1]),
    )
    for f in mixing:
        with pytest.raises(ValueError, match="mixes points"):
            hd.derivative(f, order=10)(x)
    # pointwise but not fused whole (np.where runs in Python): the same as on the promise
    f = lambda v: np.where(v > 1, np.exp(v), v**4) / (1 + v)  # noqa: E731
    np.testing.assert_array_equal(
        hd.derivative(f, order=10)(x), hd.derivative(f, order=10, check_pointwise=False)(x)
    )
    # built by the fast elementwise paths alone (fused above 32768 points, eager below):
    # one pass, no probe's, and the answer of the one on the promise
    calls = []

    def g(v: Any) -> Any:
        calls.append(1)
        return t1(v)

    checked = hd.derivative(g, order=10)(x)
    assert len(calls) == 1
    np.testing.assert_array_equal(checked, hd.derivative(g, order=10, check_pointwise=False)(x))


@pytest.mark.parametrize(
    ("f", "third"),
    [
        # the value couples points through a step (derivative 0): the Jacobian is
        # diagonal, but each chunk would see its own floor(3 mean) (0, 1, 2 or 3 here)
        (lambda v: np.sin(v) * np.floor(3 * np.mean(v)), lambda v: -np.cos(v) * 3.0),
        (lambda v: v**4 / v.size, lambda v: 24 * v / 98_304),
        (lambda v: np.exp(v) * (v.size > 50_000), np.exp),
    ],
    ids=["step of the mean", "len(x)", "branch on len(x)"],
)
def test_functions_of_the_whole_input_are_not_chunked(f: Any, third: Any) -> None:
    """Pointwise in their derivative but not in what a chunk would compute: the default
    runs f on the whole input (its chain fused or not), checked or on the promise, and
    gives the whole input's answer, never a chunk's (closed forms)."""
    x = np.linspace(0.1, 2.0, 98_304)  # three chunks of 32,768 at degree 3
    for check in (True, False):
        got = hd.derivative(f, order=3, check_pointwise=check)(x)
        np.testing.assert_allclose(got, third(x), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(("dtype", "bits"), [(np.float64, 8), (np.float32, 5)])
def test_probe_weights_are_the_hashed_powers_of_two(dtype: Any, bits: int) -> None:
    """The probe's weights (written as float64 bits): +-2^e, code the index below 2^bits
    and the top bits of index * 0x9E3779B97F4A7C15 mod 2^64 above, the sign its top bit,
    e from the other bits k (float64 by the zigzag 0, -1, 1, -2, ..., float32 e = k;
    Python integers and math.ldexp here): magnitudes differ on neighbours, and the first
    ones are near 1."""
    from hyperdiff._transforms import _PROBES, _probe_weights

    _PROBES.clear()  # (built anew at this size)
    n = 300_007
    weights = _probe_weights((n,), np.dtype(dtype))
    assert weights.dtype == dtype and weights.shape == (n,)
    half = 1 << (bits - 1)
    for i in [*range(0, 300), *range(n - 300, n), *range(1000, n, 9973)]:
        code = i if i < 1 << bits else (i * 0x9E3779B97F4A7C15 % (1 << 64)) >> (64 - bits)
        k = code % half
        e = k if bits == 5 else -(k + 1) // 2 if k % 2 else k // 2
        want = (-1.0) ** (code >= half) * math.ldexp(1.0, e)
        assert weights[i] == want, i
    assert len(set(weights[: 1 << bits].tolist())) == 1 << bits
    assert (np.abs(weights[1 : 1 << bits]) != np.abs(weights[: (1 << bits) - 1])).all()
