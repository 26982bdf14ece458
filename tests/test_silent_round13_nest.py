"""Round 13, transforms and their composition.

1. An array of an outer and an inner transform's product kind (c * b, c the inner
   variable, b the outer one) kept past the inner transform's call passed, in a later
   call of a transform at that depth, for that call's perturbations: d/db of
   d/dc (c * kept) at kept = 0.5 b gave 1.2 (the kept array's inner part b counted as
   the new c's) where every kept seed raises. The product kinds were registered before
   their tag was set, so their instances were never counted as the inner transform's:
   they now retire with it (a TypeError, JAX's escaped tracer). Likewise a memo of c * b
   across the passes (chunks) of the inner transform: each pass now looks for arrays
   of the kinds made of its own, as it looked for its own.
2. Three transforms deep, an innermost function that multiplied the middle variable
   before the outer one (c * b * a, a * (b * c)) raised TypeError ("mixed in dual
   numbers of its own", "cannot combine"), as did a mixed partial
   derivative(order=(1, 1)) inside or around a second one: their bundle of Taylor
   series was built with a product kind, or the mixed partials' untagged class, where
   the deepest transform's own kind must come last. Now built in tag order, the same
   class whatever the order of the operations, with mpmath's values.
3. Elementwise transforms broadcast an enclosing transform's variable of fewer points
   with its outer parts along the points (silently transposed; below).
4. A custom_jvp function called without its defaulted positional arguments gave its
   rule only the arguments passed (f(x): one primal, f(x, y=2.0): three), so a rule
   unpacking every primal, as in JAX, failed with a ValueError; nondiff_argnums on a
   defaulted argument raised. The defaults are filled in, as JAX's resolve_kwargs does.
5. vjp's vjp_fn took the cotangent's leaves in its own order: a dict cotangent with its
   keys in another order than f's output dict ({"q": cq, "p": cp}) had cq contracted with
   the output p, silently, and a cotangent of another structure with as many leaves
   passed. It is paired with the output by structure now (a dict's by key, as jvp pairs
   tangents), a ValueError where they differ.
6. The values jvp, vjp and value_and_grad return for outputs that are constants (a bool
   mask, an int count, a float32 array beside float64 inputs) were cast to the planes'
   dtype (a mask of 0.0 and 1.0); they are numpy's values now.
7. A numpy.matrix input became an array, on which * and ** act elementwise: the
   transforms differentiated another function than numpy's f(x) (sum(m * m): value 30
   where numpy's is 54), silently; and the sparse transforms took a masked array's
   masked entries as values (the dense ones refuse them). Both are TypeErrors now. The
   sparse transforms also take a big-endian or float16 input as the dense ones do (they
   raised a ValueError, a TypeError about their kernels).
8. has_aux: an aux that f made with np.asarray (an object array of dual scalars, as
   scipy's functions make) came back holding the transform's dual scalars, its
   derivative parts included, not its values. It is read as one dual array first.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

import hyperdiff as hd

mpmath.mp.dps = 30

# --- 1. product-kind arrays kept past the inner transform's call ----------------------
Transform = Callable[[Callable[[Any], Any], Any], Any]  # (function, point) -> derivative

FIRST: dict[str, Transform] = {
    "derivative": lambda g, x: hd.derivative(g)(x),
    "grad": lambda g, x: hd.grad(lambda v: np.sum(g(v)))(np.reshape(x, (1,))),
    "jacobian": lambda g, x: hd.jacobian(g)(x),
    "jvp": lambda g, x: hd.jvp(g, (x,), (1.0,))[1],
    "elementwise grad": lambda g, x: hd.grad(g, elementwise=True)(np.array([x])),
}
SECOND: dict[str, Transform] = {
    "hessian": lambda g, x: hd.hessian(lambda v: np.sum(g(v)))(np.reshape(x, (1,))),
    "derivative order 2": lambda g, x: hd.derivative(g, order=2)(x),
    "derivative order 3": lambda g, x: hd.derivative(g, order=3)(x),
}


@pytest.mark.parametrize("inner", sorted(FIRST) + sorted(SECOND))
@pytest.mark.parametrize("outer", sorted(FIRST))
def test_product_arrays_kept_past_the_inner_call_are_refused(outer: str, inner: str) -> None:
    run_inner = {**FIRST, **SECOND}[inner]
    kept: list[Any] = []

    def f(b: Any) -> Any:
        kept.clear()
        run_inner(lambda c: kept.append(c * b) or c * b, 0.5)  # kept: c * b, both parts
        # a later call at the same depth: the kept array is a constant there (0.5 b);
        # its part along the first call's c must not pass for this call's c
        return run_inner(lambda c: c**3 * kept[0], 0.7)

    with pytest.raises(TypeError, match="kept from a transform call that has returned"):
        FIRST[outer](f, 2.0)


def test_product_arrays_used_within_their_call_are_fine() -> None:
    """The kept array used inside the same inner call, and the values after it."""
    kept: list[Any] = []

    def f(b: Any) -> Any:
        def g(c: Any) -> Any:
            kept.append(c * b)
            return c * kept[-1]  # c^2 b: d/dc = 2 c b

        return hd.derivative(g)(0.5)

    assert hd.derivative(f)(2.0) == pytest.approx(1.0, rel=1e-15)  # d/db (2 * 0.5 b)
    # the transforms' results (arrays of values) may be kept freely
    values = [hd.derivative(lambda c: c**2)(0.5)]
    assert hd.derivative(lambda c: c * values[0])(0.7) == pytest.approx(1.0)


CHUNKED: dict[str, Callable[[Callable[[Any], Any], np.ndarray], Any]] = {
    "grad": lambda g, c: hd.grad(lambda v: np.sum(g(v)), chunk_size=1)(c),
    "jacobian": lambda g, c: hd.jacobian(g, chunk_size=1)(c),
    "hessian": lambda g, c: hd.hessian(lambda v: np.sum(g(v)), chunk_size=1)(c),
    "hessian_diag": lambda g, c: hd.hessian_diag(lambda v: np.sum(g(v)), chunk_size=1)(c),
    "hvp": lambda g, c: hd.hvp(lambda v: np.sum(g(v)), (c,), (c,), chunk_size=1),
    "wirtinger": lambda g, c: hd.wirtinger(g, chunk_size=1)(c)[0],
}


@pytest.mark.parametrize("outer", ["derivative", "jvp", "grad"])
@pytest.mark.parametrize("inner", sorted(CHUNKED))
def test_product_arrays_kept_across_the_inner_passes_are_refused(outer: str, inner: str) -> None:
    memo: dict[str, Any] = {}

    def f(b: Any) -> Any:
        memo.clear()

        def g(c: Any) -> Any:
            if "kept" not in memo:
                memo["kept"] = c * b  # the first pass's c (its first variable) times b
            return c**2 * memo["kept"]

        return CHUNKED[inner](g, np.array([0.5, 0.7]))

    # (a pass of another kind, as hessian's off-diagonal blocks: they do not combine)
    with pytest.raises(TypeError, match=r"kept from a transform call|cannot combine"):
        FIRST[outer](f, 2.0)


# --- 2. three deep, in any order of the operations -------------------------------------
A, B, C = 0.4, 0.7, 0.55

ORDERS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "a * b * c": lambda a, b, c: np.tanh(a * b * c),
    "c * b * a": lambda a, b, c: np.tanh(c * b * a),
    "a * (b * c)": lambda a, b, c: np.tanh(a * (b * c)),
    "(c * a) * b": lambda a, b, c: np.tanh((c * a) * b),
    "both orders": lambda a, b, c: np.tanh(c * b * a) + np.sin(a * b * c) * (b * c),
    "exp(c * b) a": lambda a, b, c: np.exp(c * b) * a + (b * c) * (c * a) * (a * b),
}
ORDERS_MP: dict[str, Callable[[Any, Any, Any], Any]] = {
    "a * b * c": lambda a, b, c: mpmath.tanh(a * b * c),
    "c * b * a": lambda a, b, c: mpmath.tanh(a * b * c),
    "a * (b * c)": lambda a, b, c: mpmath.tanh(a * b * c),
    "(c * a) * b": lambda a, b, c: mpmath.tanh(a * b * c),
    "both orders": lambda a, b, c: mpmath.tanh(a * b * c) + mpmath.sin(a * b * c) * b * c,
    "exp(c * b) a": lambda a, b, c: mpmath.exp(c * b) * a + (a * b * c) ** 2,
}
# (transform, its order)
LEVELS: dict[str, tuple[Transform, int]] = {
    **{name: (t, 1) for name, t in FIRST.items()},
    "hessian": (SECOND["hessian"], 2),
    "derivative order 2": (SECOND["derivative order 2"], 2),
    "mixed (1, 1)": (
        lambda g, x: hd.derivative(lambda u, w: g(u) * w, order=(1, 1), argnums=(0, 1))(x, 1.0),
        1,
    ),
}
THREE_DEEP = [
    ("derivative", "derivative", "derivative"),
    ("grad", "grad", "grad"),
    ("jvp", "jvp", "jvp"),
    ("jacobian", "derivative", "grad"),
    ("derivative", "elementwise grad", "jvp"),
    ("hessian", "derivative", "derivative"),
    ("derivative", "derivative order 2", "grad"),
    ("derivative", "jvp", "hessian"),
    ("mixed (1, 1)", "derivative", "derivative"),
    ("derivative", "mixed (1, 1)", "grad"),
    ("jvp", "derivative", "mixed (1, 1)"),
]


def _scalar(x: Any) -> float:
    return float(np.reshape(np.asarray(x), ()))


@pytest.mark.parametrize("levels", THREE_DEEP, ids=" o ".join)
@pytest.mark.parametrize("name", sorted(ORDERS))
def test_three_deep_in_any_order_of_operations(name: str, levels: tuple[str, str, str]) -> None:
    g = ORDERS[name]
    (outer, m1), (middle, m2), (inner, m3) = (LEVELS[n] for n in levels)

    def over_a(a: Any) -> Any:
        return middle(lambda b: inner(lambda c: g(a, b, c), C), B)

    got = _scalar(outer(over_a, A))
    want = float(mpmath.diff(ORDERS_MP[name], (A, B, C), (m1, m2, m3)))
    assert got == pytest.approx(want, rel=1e-12, abs=1e-13)


MIXED = lambda g: hd.derivative(g, order=(1, 1), argnums=(0, 1))  # noqa: E731


def test_mixed_partials_nested_in_each_other() -> None:
    """d2/da db of d2/du dw (a b u w^2 + sin(a u) b w) at (a, b, u, w)."""
    a, b, u, w = 0.3, 2.0, 0.5, 1.5

    def inner(p: Any, q: Any) -> Any:
        return MIXED(lambda s, t: p * q * s * t**2 + np.sin(p * s) * q * t)(u, w)

    got = MIXED(inner)(a, b)
    # d2/du dw: 2 a b w + a cos(a u) b; then d2/da db: 2 w + cos(a u) - a u sin(a u)
    want = 2 * w + np.cos(a * u) - a * u * np.sin(a * u)
    assert float(got) == pytest.approx(want, rel=1e-13)


# --- 3. an enclosing transform's variable broadcast in an elementwise transform --------
# Elementwise transforms broadcast their inputs to the points; an input that was an
# enclosing transform's variable of fewer points (a scalar beside an array) had its K
# outer parts laid along the points by numpy's trailing alignment: with K = the number
# of points, d/da_i at point p read a's part p (the jacobian over a of 3 entries of the
# per-point d/db of sin(y) b^3 at b = a[0] gave row 0 everywhere), else a ValueError.
Y = np.array([0.3, 0.8, 1.3])
AV = np.array([0.6, 0.2, 0.9])


def _g(y: Any, b: Any) -> Any:
    return np.sin(y) * b**3


ELEMENTWISE_IN_B: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray], np.ndarray]]] = {
    # (per-point derivative in b at b = a[0], as a function of a; its closed form's d/da0)
    "grad": (
        lambda a: hd.grad(_g, (0, 1), elementwise=True)(Y, a[0])[1],
        lambda a: 6 * a[0] * np.sin(Y),
    ),
    "jacobian": (
        lambda a: hd.jacobian(_g, (0, 1), elementwise=True)(Y, a[0])[1],
        lambda a: 6 * a[0] * np.sin(Y),
    ),
    "hessian": (
        lambda a: hd.hessian(_g, (0, 1), elementwise=True)(Y, a[0])[1][1],
        lambda a: 6 * np.sin(Y),
    ),
    "hessian mixed block": (
        lambda a: hd.hessian(_g, (0, 1), elementwise=True)(Y, a[0])[0][1],
        lambda a: 6 * a[0] * np.cos(Y),
    ),
    "hessian_diag": (
        lambda a: hd.hessian_diag(_g, (0, 1), elementwise=True)(Y, a[0])[1],
        lambda a: 6 * np.sin(Y),
    ),
    "laplacian": (
        lambda a: hd.laplacian(_g, (0, 1), elementwise=True)(Y, a[0]),
        lambda a: 6 * np.sin(Y) - 3 * a[0] ** 2 * np.sin(Y),
    ),
    "wirtinger": (
        lambda a: hd.wirtinger(_g, (0, 1), elementwise=True)(Y + 0j, a[0])[0][1],
        lambda a: 6 * a[0] * np.sin(Y) + 0j,
    ),
    "mixed partial": (
        lambda a: hd.derivative(_g, order=(1, 1), argnums=(0, 1))(Y, a[0]),
        lambda a: 6 * a[0] * np.cos(Y),
    ),
}


@pytest.mark.parametrize("size", [1, 2, 3, 4])
@pytest.mark.parametrize("name", sorted(ELEMENTWISE_IN_B))
def test_elementwise_transforms_of_a_broadcast_outer_variable(name: str, size: int) -> None:
    """jacobian over a (size entries: as many outer parts, 3 = the points) of the
    per-point derivative in b = a[0], broadcast to the points of y."""
    per_point, want_d0 = ELEMENTWISE_IN_B[name]
    a = AV[:size] if size <= 3 else np.r_[AV, 0.4]
    got = hd.jacobian(per_point)(a)
    want = np.zeros((len(Y), size), dtype=got.dtype)
    want[:, 0] = want_d0(a)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_elementwise_transforms_of_a_broadcast_outer_array() -> None:
    """b of shape (2, 1) beside y of (3,): the points (2, 3), b's parts along axis 0."""
    b0 = np.array([[0.5], [1.5]])
    # d/db of the per-point d/db: 6 b sin(y) at each point, as jacobian (2, 3) + (2, 1)
    got = hd.jacobian(lambda b: hd.grad(_g, 1, elementwise=True)(Y, b))(b0)
    want = np.zeros((2, 3, 2, 1))
    for i in range(2):
        want[i, :, i, 0] = 6 * b0[i, 0] * np.sin(Y)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
    got = hd.jacobian(lambda b: hd.hessian(_g, 1, elementwise=True)(Y, b))(b0)
    for i in range(2):
        want[i, :, i, 0] = 6 * np.sin(Y)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_broadcast_outer_variable_seeded_alike() -> None:
    """A scalar outer variable broadcast and seeded by one inner direction, as the outer
    one seeds it: the symmetric product, per point."""
    a = 0.6
    got = hd.derivative(lambda b: hd.grad(_g, 1, elementwise=True)(Y, b))(a)
    np.testing.assert_allclose(got, 6 * a * np.sin(Y), rtol=1e-14)
    got = hd.derivative(lambda b: hd.hessian(_g, 1, elementwise=True)(Y, b))(a)
    np.testing.assert_allclose(got, 6 * np.sin(Y), rtol=1e-14)
    got = hd.derivative(
        lambda b: hd.grad(lambda y, c: np.sin(y * c) * b + c**3, 1, elementwise=True)(Y, b)
    )(a)
    want = Y * np.cos(Y * a) - a * Y**2 * np.sin(Y * a) + 6 * a
    np.testing.assert_allclose(got, want, rtol=1e-14)


# --- 4. custom_jvp functions called without their defaulted arguments --------------------
@hd.custom_jvp
def _scaled_sin(x: Any, y: Any = 2.0, scale: Any = 1.0) -> Any:
    return scale * np.sin(x) * y


@_scaled_sin.defjvp
def _scaled_sin_jvp(primals: Any, tangents: Any) -> Any:
    (x, y, s), (dx, dy, ds) = primals, tangents
    return _scaled_sin(x, y, s), s * np.cos(x) * y * dx + s * np.sin(x) * dy + np.sin(x) * y * ds


_power = hd.custom_jvp(lambda x, n=3: x**n, nondiff_argnums=(1,))


@_power.defjvp
def _power_jvp(n: int, primals: Any, tangents: Any) -> Any:
    return _power(primals[0], n), n * primals[0] ** (n - 1) * tangents[0]


X3 = np.array([0.3, 0.9, 1.4])
DEFAULTED: dict[str, tuple[Callable[[], Any], np.ndarray]] = {
    "derivative": (lambda: hd.derivative(lambda x: _scaled_sin(x))(X3), 2 * np.cos(X3)),
    "one default": (lambda: hd.derivative(lambda x: _scaled_sin(x, 3.0))(X3), 3 * np.cos(X3)),
    "order 2": (lambda: hd.derivative(lambda x: _scaled_sin(x), order=2)(X3), -2 * np.sin(X3)),
    "order 3": (lambda: hd.derivative(_scaled_sin, order=3)(X3), -2 * np.cos(X3)),
    "hessian": (
        lambda: hd.hessian(lambda x: np.sum(_scaled_sin(x)))(X3),
        np.diag(-2 * np.sin(X3)),
    ),
    "in y": (lambda: hd.derivative(lambda y: _scaled_sin(X3, y))(2.0), np.sin(X3)),
    "nested": (
        lambda: hd.derivative(lambda a: hd.derivative(lambda x: _scaled_sin(a * x))(X3))(0.5),
        2 * (np.cos(0.5 * X3) - 0.5 * X3 * np.sin(0.5 * X3)),
    ),
    "nondiff default": (lambda: hd.derivative(_power, order=2)(X3), 6 * X3),
    "plain": (lambda: _scaled_sin(X3), 2 * np.sin(X3)),
}


@pytest.mark.parametrize("name", sorted(DEFAULTED))
def test_custom_jvp_rules_receive_the_defaults(name: str) -> None:
    call, want = DEFAULTED[name]
    np.testing.assert_allclose(call(), want, rtol=1e-14, atol=1e-15)


# --- 5. vjp pairs the cotangent with the output by structure ------------------------------
XV = np.array([0.3, 0.8])
CP, CQ = np.array([1.0, -2.0]), np.array([0.5, 1.5])


def _two_outputs(x: Any) -> Any:
    return {"p": x**2, "q": 3 * x, "r": [np.sin(x)]}


def test_vjp_cotangent_dict_paired_by_key() -> None:
    _, vjp_fn = hd.vjp(_two_outputs, XV)
    cr = np.array([2.0, 0.25])
    want = 2 * XV * CP + 3 * CQ + np.cos(XV) * cr
    for cotangent in (
        {"p": CP, "q": CQ, "r": [cr]},
        {"q": CQ, "r": [cr], "p": CP},
        {"r": (cr,), "q": CQ, "p": CP},
    ):
        (got,) = vjp_fn(cotangent)
        np.testing.assert_allclose(got, want, rtol=1e-15)
    # nested in a transform: d/da of the vjp at a * x along reordered keys
    got = hd.derivative(
        lambda a: hd.vjp(_two_outputs, a * XV)[1]({"r": [cr], "q": CQ, "p": CP})[0]
    )(1.0)
    np.testing.assert_allclose(got, 2 * XV * CP - XV * np.sin(XV) * cr, rtol=1e-14)


@pytest.mark.parametrize(
    "cotangent",
    [
        {"p": CP, "q": CQ, "s": [CP]},  # another key
        {"p": CP, "q": CQ},  # a key short
        (CP, CQ, [CP]),  # a tuple for a dict
        {"p": CP, "q": CQ, "r": CP},  # an array for a list
        {"p": CP, "q": CQ, "r": [CP, CQ]},  # a list too long
    ],
    ids=["other key", "missing key", "tuple", "array for list", "long list"],
)
def test_vjp_cotangent_of_another_structure_is_refused(cotangent: Any) -> None:
    _, vjp_fn = hd.vjp(_two_outputs, XV)
    with pytest.raises(ValueError, match="vjp: a cotangent"):
        vjp_fn(cotangent)


# --- 6. constant outputs' values keep numpy's dtype ---------------------------------------
def _with_constants(x: Any) -> Any:
    return {
        "mask": x > 0.5,
        "count": np.arange(3),
        "f32": np.ones(2, dtype=np.float32),
        "int8": np.int8(3),
        "y": x**2,
    }


VALUES: dict[str, Callable[[np.ndarray], Any]] = {
    "jvp": lambda x: hd.jvp(_with_constants, (x,), (np.ones_like(x),))[0],
    "vjp": lambda x: hd.vjp(_with_constants, x)[0],
    "nested jvp": lambda x: hd.derivative(
        lambda a: hd.jvp(_with_constants, (x,), (np.ones_like(x),))[0]["y"] * a
    )(1.0),
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_constant_output_values_are_numpys(name: str) -> None:
    x = np.array([0.3, 0.8, 1.3])
    got = VALUES[name](x)
    want = _with_constants(x)
    if name == "nested jvp":
        np.testing.assert_array_equal(got, want["y"])
        return
    for key, value in want.items():
        assert got[key].dtype == np.asarray(value).dtype, key
        np.testing.assert_array_equal(got[key], value)
    value, gradient = hd.value_and_grad(lambda v: np.float32(2.0))(x)
    assert value.dtype == np.float32 and value == 2.0 and not gradient.any()


# --- 7. inputs whose numpy semantics np.asarray drops ----------------------------------------
MASKED = np.ma.masked_array([[0.3, 0.8], [1.3, 0.5]], mask=[[0, 1], [0, 0]])


def _square_sum(m: Any) -> Any:
    return np.sum(m * m)


SUBCLASS_CALLS: dict[str, Callable[[Any], Any]] = {
    "grad": lambda m: hd.grad(_square_sum)(m),
    "value_and_grad": lambda m: hd.value_and_grad(_square_sum)(m),
    "jacobian": lambda m: hd.jacobian(lambda v: v * v)(m),
    "hessian": lambda m: hd.hessian(_square_sum)(m),
    "hessian pair": lambda m: hd.hessian(lambda a, b: np.sum(a * b), (0, 1))(m, m),
    "jvp": lambda m: hd.jvp(_square_sum, (m,), (np.ones((2, 2)),)),
    "hvp": lambda m: hd.hvp(_square_sum, (m,), (np.ones((2, 2)),)),
    "vjp": lambda m: hd.vjp(lambda v: v * v, m),
    "derivative": lambda m: hd.derivative(lambda v: v * v)(m),
    "derivative order 3": lambda m: hd.derivative(lambda v: v * v * v, order=3)(m),
    "wirtinger": lambda m: hd.wirtinger(_square_sum)(m),
    "container": lambda m: hd.grad(lambda d: _square_sum(d["m"]))({"m": m}),
    "sparse jacobian": lambda m: hd.jacobian(lambda v: v * v, sparsity="auto")(m),
    "sparse hessian": lambda m: hd.hessian(_square_sum, sparsity="auto")(m),
    "jacobian_sparsity": lambda m: hd.jacobian_sparsity(lambda v: v * v)(m),
    "hessian_sparsity": lambda m: hd.hessian_sparsity(_square_sum)(m),
}


@pytest.mark.parametrize("kind", ["matrix", "masked"])
@pytest.mark.parametrize("name", sorted(SUBCLASS_CALLS))
def test_inputs_whose_semantics_asarray_drops_are_refused(name: str, kind: str) -> None:
    if kind == "matrix":
        with warnings.catch_warnings():  # (numpy's PendingDeprecationWarning for matrix)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            x = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    else:
        x = MASKED
    with pytest.raises(TypeError, match="numpy.matrix" if kind == "matrix" else "masked"):
        SUBCLASS_CALLS[name](x)
    # a masked array without masked entries is an array (as before)
    if kind == "masked" and name == "grad":
        plain = np.ma.masked_array([0.3, 0.8])
        np.testing.assert_array_equal(SUBCLASS_CALLS[name](plain), 2 * plain.data)


@pytest.mark.parametrize("dtype", [">f8", "<f8", ">f4", "float16"])
def test_sparse_transforms_take_inputs_as_the_dense_ones(dtype: str) -> None:
    x = np.array([0.3, 0.8, 1.3]).astype(dtype)
    xf = x.astype(np.float64)
    tol = 2e-3 if np.dtype(dtype).itemsize < 8 else 1e-15
    jac = hd.jacobian(lambda u: np.sin(u) * u, sparsity="auto")(x)
    dense = hd.jacobian(lambda u: np.sin(u) * u)(x)
    assert jac.dtype == dense.dtype
    np.testing.assert_allclose(jac.toarray(), dense, rtol=tol)
    np.testing.assert_allclose(dense, np.diag(np.cos(xf) * xf + np.sin(xf)), rtol=tol)
    hess = hd.hessian(lambda u: np.sum(u**3), sparsity="auto")(x)
    np.testing.assert_allclose(hess.toarray(), np.diag(6 * xf), rtol=tol)


# --- 8. has_aux with an object array of dual scalars ---------------------------------------
AUX_OBJECT: dict[str, Callable[[Callable[[Any], Any], np.ndarray], Any]] = {
    "grad": lambda f, x: hd.grad(f, has_aux=True)(x)[1],
    "grad chunked": lambda f, x: hd.grad(f, has_aux=True, chunk_size=1)(x)[1],
    "value_and_grad": lambda f, x: hd.value_and_grad(f, has_aux=True)(x)[0][1],
    "jacobian": lambda f, x: hd.jacobian(f, has_aux=True)(x)[1],
    "hessian": lambda f, x: hd.hessian(f, has_aux=True)(x)[1],
    "derivative": lambda f, x: hd.derivative(lambda v: (v**2, f(v)[1]), has_aux=True)(x)[1],
    "derivative order 3": lambda f, x: hd.derivative(
        lambda v: (v**3, f(v)[1]), order=3, has_aux=True
    )(x)[1],
}


@pytest.mark.parametrize("name", sorted(AUX_OBJECT))
def test_aux_object_arrays_of_dual_scalars_are_values(name: str) -> None:
    x = np.array([0.3, 0.8])

    def f(v: Any) -> Any:
        return np.sum(v**2), {"objects": np.asarray(v * 3), "mixed": [np.asarray(v)[0], 2.0]}

    aux = AUX_OBJECT[name](f, x)
    assert aux["objects"].dtype == np.float64
    np.testing.assert_array_equal(aux["objects"], 3 * x)
    assert float(aux["mixed"][0]) == x[0] and aux["mixed"][1] == 2.0
    # nested: the enclosing transform's parts stay (d/da of a * v at v = x: x)
    got = hd.derivative(lambda a: AUX_OBJECT[name](lambda v: (np.sum(v**2), np.asarray(a * v)), x))(
        0.5
    )
    np.testing.assert_allclose(got, x, rtol=1e-15)
