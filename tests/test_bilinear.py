"""Multilinear numpy functions on dual arrays: matmul and @, dot, vdot, inner, outer,
tensordot, einsum, cross, kron, vecdot, matvec, vecmat.

The reference is the calculus of multilinear maps, evaluated with numpy on plain float
arrays and independent of the package's algebra: for B linear in each operand and
x_i(t) = a_i + t a_i',

    d/dt B = sum_i B(..., a_i', ...),
    e12    = sum_i B(..., a_i^(12), ...) + sum_{i != j} B(..., a_i^(1), ..., a_j^(2), ...),

so with e1 and e2 seeded along different directions the mixed term B(a1, b2) + B(a2, b1)
is checked, not just 2 B(a', b').
"""

from __future__ import annotations

import itertools
import operator
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

SEED = 20261124
RNG = np.random.default_rng(SEED)


@pytest.fixture(autouse=True)
def _same_numbers_in_any_order() -> None:
    """Each test draws the same random inputs whichever tests ran before it."""
    global RNG
    RNG = np.random.default_rng(SEED)


def _quiet_cross(x: Any, y: Any, **axes: int) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.cross(x, y, **axes)


# (name, function, operand shapes)
CASES: list[tuple[str, Callable[..., Any], list[tuple[int, ...]]]] = [
    ("matmul-2d-2d", np.matmul, [(3, 4), (4, 5)]),
    ("matmul-1d-2d", np.matmul, [(4,), (4, 5)]),
    ("matmul-2d-1d", np.matmul, [(3, 4), (4,)]),
    ("matmul-1d-1d", np.matmul, [(4,), (4,)]),
    ("matmul-stacked-broadcast", np.matmul, [(2, 1, 3, 4), (5, 4, 2)]),
    ("matmul-stacked-1d", np.matmul, [(2, 3, 4), (4,)]),
    ("matmul-axes", lambda x, y: np.matmul(x, y, axes=[(0, 1), (0, 1), (0, 1)]), [(4, 3), (3, 5)]),
    ("operator-2d-2d", operator.matmul, [(3, 4), (4, 5)]),
    ("operator-1d-2d", operator.matmul, [(4,), (4, 2)]),
    ("operator-2d-1d", operator.matmul, [(3, 4), (4,)]),
    ("operator-stacked-broadcast", operator.matmul, [(2, 3, 4), (1, 4, 2)]),
    ("dot-2d-2d", np.dot, [(3, 4), (4, 5)]),
    ("dot-1d-1d", np.dot, [(4,), (4,)]),
    ("dot-2d-1d", np.dot, [(3, 4), (4,)]),
    ("dot-nd-nd", np.dot, [(2, 3, 4), (5, 4, 2)]),
    ("vdot-1d", np.vdot, [(5,), (5,)]),
    ("vdot-flattens", np.vdot, [(3, 4), (4, 3)]),
    ("inner-1d", np.inner, [(4,), (4,)]),
    ("inner-nd", np.inner, [(2, 3, 4), (5, 4)]),
    ("outer-1d", np.outer, [(3,), (4,)]),
    ("outer-flattens", np.outer, [(2, 3), (4,)]),
    ("tensordot-default", np.tensordot, [(3, 4, 5), (4, 5, 2)]),
    ("tensordot-int-1", lambda x, y: np.tensordot(x, y, axes=1), [(3, 4), (4, 5)]),
    ("tensordot-int-0", lambda x, y: np.tensordot(x, y, axes=0), [(2, 3), (4,)]),
    ("tensordot-pair-of-ints", lambda x, y: np.tensordot(x, y, axes=(2, 0)), [(3, 4, 5), (5, 2)]),
    (
        "tensordot-pair-of-lists",
        lambda x, y: np.tensordot(x, y, axes=([1, 0], [0, 2])),
        [(3, 4, 5), (4, 2, 3)],
    ),
    ("einsum-matmul", lambda x, y: np.einsum("ij,jk->ik", x, y), [(3, 4), (4, 5)]),
    ("einsum-full-contraction", lambda x, y: np.einsum("ij,ij->", x, y), [(3, 4), (3, 4)]),
    ("einsum-implicit-batched", lambda x, y: np.einsum("bij,bjk", x, y), [(2, 3, 4), (2, 4, 5)]),
    ("einsum-ellipsis", lambda x, y: np.einsum("...ij,...j->...i", x, y), [(2, 3, 4), (4,)]),
    ("einsum-outer", lambda x, y: np.einsum("i,j->ij", x, y), [(3,), (4,)]),
    ("einsum-implicit-order", lambda x, y: np.einsum("bA,AC", x, y), [(2, 3), (3, 4)]),
    ("einsum-implicit-ellipsis", lambda x, y: np.einsum("...j,kj", x, y), [(2, 3, 4), (5, 4)]),
    (
        "einsum-3-chain",
        lambda x, y, z: np.einsum("ij,jk,kl->il", x, y, z),
        [(3, 4), (4, 5), (5, 2)],
    ),
    (
        "einsum-3-quadratic-form",
        lambda x, y, z: np.einsum("i,ij,j->", x, y, z),
        [(3,), (3, 4), (4,)],
    ),
    (
        "einsum-3-batched",
        lambda x, y, z: np.einsum("bi,bij,j->b", x, y, z),
        [(2, 3), (2, 3, 4), (4,)],
    ),
    ("cross-3", np.cross, [(3,), (3,)]),
    ("cross-broadcast", np.cross, [(4, 3), (3,)]),
    ("cross-axes", lambda x, y: np.cross(x, y, axisa=0, axisb=0), [(3, 4), (3, 4)]),
    ("cross-axis", lambda x, y: np.cross(x, y, axis=0), [(3, 2), (3, 2)]),
    ("cross-axisc", lambda x, y: np.cross(x, y, axisc=0), [(4, 3), (3,)]),
    # 2-vectors (numpy 2 deprecates them: its warning kept out of the way)
    ("cross-2x2", lambda x, y: _quiet_cross(x, y), [(4, 2), (4, 2)]),
    ("cross-2x3", lambda x, y: _quiet_cross(x, y), [(4, 2), (3,)]),
    ("cross-3x2", lambda x, y: _quiet_cross(x, y), [(2, 1, 3), (4, 2)]),
    ("cross-2x3-axes", lambda x, y: _quiet_cross(x, y, axisa=0, axisc=0), [(2, 4), (4, 3)]),
    ("kron-2d", np.kron, [(2, 3), (3, 2)]),
    ("kron-1d", np.kron, [(3,), (2,)]),
    ("kron-3d-1d", np.kron, [(2, 1, 3), (2,)]),
    ("dot-scalar", np.dot, [(), (3, 2)]),
    ("dot-3d-1d", np.dot, [(2, 3, 4), (4,)]),
    ("inner-scalar", np.inner, [(3,), ()]),
    ("tensordot-negative-axes", lambda x, y: np.tensordot(x, y, axes=(-1, -2)), [(3, 4), (4, 2)]),
]
if hasattr(np, "vecdot"):
    CASES += [
        ("vecdot", np.vecdot, [(3, 4), (4,)]),
        ("vecdot-axis", lambda x, y: np.vecdot(x, y, axis=0), [(4, 3), (4, 1)]),
        ("vecdot-negative-axis", lambda x, y: np.vecdot(x, y, axis=-2), [(4, 3), (4, 1)]),
    ]
if hasattr(np, "matvec"):
    CASES += [
        ("matvec", np.matvec, [(2, 3, 4), (4,)]),
        ("vecmat", np.vecmat, [(3,), (2, 3, 4)]),
    ]

# which operands are dual arrays (the others are plain ndarrays); at least one dual
PATTERNS = {n: [p for p in itertools.product((True, False), repeat=n) if any(p)] for n in (2, 3)}
PARAMS = [pytest.param(func, shapes, id=name) for name, func, shapes in CASES]
RTOL = {np.float64: 1e-13, np.float32: 2e-6}


# --- helpers -----------------------------------------------------------------------
def seeded(kind: str, shape: tuple[int, ...], dtype: Any, e12: bool = False) -> list[np.ndarray]:
    """Random components [value, parts...] of one operand; e1 and e2 differ."""
    count = {"plain": 1, "dual": 2, "hyperdual": 4}[kind]
    parts = [RNG.standard_normal(shape).astype(dtype) for _ in range(count)]
    if kind == "hyperdual" and not e12:
        parts[3] = np.zeros(shape, dtype=dtype)
    return parts


def make(kind: str, parts: list[np.ndarray]) -> Any:
    if kind == "plain":
        return parts[0]
    if kind == "dual":
        return hd.dual(parts[0], parts[1])
    return hd.hyperdual(parts[0], *parts[1:])


def components(x: Any) -> list[np.ndarray]:
    if isinstance(x, np.ndarray):
        return [x]
    if isinstance(x, hd.Dual):
        return [x.value, x.d]
    return [x.value, x.e1, x.e2, x.e12]


def reference(func: Callable[..., Any], operands: list[list[np.ndarray]]) -> list[Any]:
    """[value, parts...] of func on the operands, from the multilinear calculus.

    Also returns, per part, the largest term magnitude (the scale rounding is relative to).
    """
    values = [o[0] for o in operands]

    def b(replace: dict[int, np.ndarray]) -> np.ndarray:
        return np.asarray(func(*(replace.get(i, v) for i, v in enumerate(values))))

    def total(terms: list[np.ndarray]) -> tuple[np.ndarray, float]:
        out = terms[0]
        for t in terms[1:]:
            out = out + t
        return out, max(float(np.max(np.abs(t), initial=0.0)) for t in terms)

    planes = max(len(o) for o in operands)
    dual_ops = [i for i, o in enumerate(operands) if len(o) > 1]
    result: list[Any] = [(b({}), 0.0)]
    for k in range(1, min(planes, 3)):  # d, or e1 and e2: one operand's part at a time
        result.append(total([b({i: operands[i][k]}) for i in dual_ops]))
    if planes == 4:
        terms = [b({i: operands[i][3]}) for i in dual_ops]
        terms += [
            b({i: operands[i][1], j: operands[j][2]}) for i in dual_ops for j in dual_ops if i != j
        ]
        result.append(total(terms))
    return result


def check(got: Any, ref: list[Any], kind: str, dtype: Any) -> None:
    value, _ = ref[0]
    assert isinstance(got, hd.Dual if kind == "dual" else hd.HyperDual)
    assert got.dtype == value.dtype == dtype
    assert got.shape == value.shape
    np.testing.assert_array_equal(got.value, value)  # numpy's B on the values, bit for bit
    names = ["d"] if kind == "dual" else ["e1", "e2", "e12"]
    for name, (part, scale) in zip(names, ref[1:], strict=True):
        got_part = getattr(got, name)
        assert got_part.dtype == dtype
        np.testing.assert_allclose(
            got_part, part, rtol=RTOL[dtype], atol=RTOL[dtype] * scale, err_msg=name
        )


# --- values and derivatives ----------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["dual", "hyperdual"])
@pytest.mark.parametrize(("func", "shapes"), PARAMS)
def test_multilinear_value_and_parts(
    func: Callable[..., Any], shapes: list[tuple[int, ...]], kind: str, dtype: Any
) -> None:
    for pattern in PATTERNS[len(shapes)]:  # every mix of dual and plain operands
        operands = [
            seeded(kind if is_dual else "plain", shape, dtype)
            for shape, is_dual in zip(shapes, pattern, strict=True)
        ]
        args = [
            make(kind if is_dual else "plain", o)
            for o, is_dual in zip(operands, pattern, strict=True)
        ]
        before = [p.copy() for o in operands for p in o]
        got = func(*args)
        check(got, reference(func, operands), kind, dtype)
        after = [p for a in args for p in components(a)]
        for x, y in zip(before, after, strict=True):
            np.testing.assert_array_equal(x, y)  # inputs are not mutated


@pytest.mark.parametrize(
    ("func", "shapes"),
    [
        (np.matmul, [(3, 4), (4, 2)]),
        (np.dot, [(3,), (3,)]),
        (lambda x, y: np.einsum("ij,j->i", x, y), [(3, 4), (4,)]),
        (lambda x, y, z: np.einsum("i,ij,j", x, y, z), [(3,), (3, 4), (4,)]),
        (np.kron, [(2, 2), (3,)]),
        (np.cross, [(2, 3), (3,)]),
    ],
)
def test_hyperdual_with_seeded_e12(func: Callable[..., Any], shapes: list[tuple[int, ...]]) -> None:
    """Nonzero e12 seeds add B(..., a^(12), ...) to the second-order part."""
    operands = [seeded("hyperdual", s, np.float64, e12=True) for s in shapes]
    got = func(*(make("hyperdual", o) for o in operands))
    check(got, reference(func, operands), "hyperdual", np.float64)


def test_second_derivative_along_one_direction() -> None:
    """e1 = e2 = direction: e12 is d^2/dt^2 B(a + t a', b + t b') = 2 B(a', b')."""
    a, da, b, db = (RNG.standard_normal(s) for s in [(3, 4), (3, 4), (4, 2), (4, 2)])
    got = hd.hyperdual(a, da, da) @ hd.hyperdual(b, db, db)
    np.testing.assert_array_equal(got.value, a @ b)
    np.testing.assert_allclose(got.e1, da @ b + a @ db, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(got.e2, got.e1, rtol=0, atol=0)
    np.testing.assert_allclose(got.e12, 2 * (da @ db), rtol=1e-13, atol=1e-13)


def test_float32_dual_with_float64_array_promotes_like_numpy() -> None:
    a, da = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    b = RNG.standard_normal((4, 2))
    got = hd.dual(a, da) @ b
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got.value, a @ b)
    np.testing.assert_allclose(got.d, da @ b, rtol=1e-13, atol=1e-13)
    kept = hd.dual(a, da) @ b.astype(np.float32)
    assert kept.dtype == np.float32 and kept.d.dtype == np.float32


def test_matmul_operator_of_one_kind_promotes_and_refuses_like_numpy() -> None:
    """`x @ y` of two duals of one kind (DualArray.__matmul__'s shortcut): dtypes
    promote as numpy's, stacks broadcast, mismatched shapes raise numpy's error."""
    a, da = RNG.standard_normal((2, 3, 4))
    b, db = RNG.standard_normal((2, 4, 2))
    got = hd.dual(a.astype(np.float32), da.astype(np.float32)) @ hd.dual(b, db)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got.value, a.astype(np.float32) @ b)
    stacked = hd.dual(np.stack([a, a]), np.stack([da, da])) @ hd.dual(b, db)
    np.testing.assert_allclose(stacked.d[1], da @ b + a @ db, rtol=1e-13, atol=1e-13)
    with pytest.raises(ValueError, match="matmul"):
        hd.dual(a, da) @ hd.dual(a, da)


def test_dual_scalar_results_from_vector_contractions() -> None:
    x = hd.dual(np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 0.0]))
    for result in (x @ x, np.dot(x, x), np.vdot(x, x), np.inner(x, x), np.einsum("i,i", x, x)):
        assert isinstance(result, hd.Dual) and result.shape == ()
        assert result.value == 14.0 and result.d == 2.0  # d/dx0 |x|^2 = 2 x0


def test_jacobian_of_outer_product_by_seeding_unit_directions() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    n = x.size
    eye = np.eye(n)
    jacobian = np.stack([np.outer(hd.dual(x, eye[k]), hd.dual(x, eye[k])).d for k in range(n)], -1)
    assert jacobian.shape == (n, n, n)
    np.testing.assert_array_equal(jacobian.sum(axis=(0, 1)), np.full(n, 20.0))
    # d(x_i x_j)/dx_k = delta_ik x_j + x_i delta_jk
    closed_form = np.einsum("ik,j->ijk", eye, x) + np.einsum("i,jk->ijk", x, eye)
    np.testing.assert_array_equal(jacobian, closed_form)


# --- errors ------------------------------------------------------------------------
MIXED_KIND_CALLS: list[Callable[[Any, Any], Any]] = [
    np.matmul,
    operator.matmul,
    np.dot,
    np.vdot,
    np.inner,
    np.outer,
    np.tensordot,
    lambda x, y: np.tensordot(x, y, axes=1),
    lambda x, y: np.einsum("ij,jk->ik", x, y),
    lambda x, y: np.einsum("ij,jk,kl->il", x, y, np.ones((3, 3))),
    np.cross,
    np.kron,
]
if hasattr(np, "vecdot"):
    MIXED_KIND_CALLS.append(np.vecdot)


@pytest.mark.parametrize("call", MIXED_KIND_CALLS)
def test_mixing_dual_with_hyperdual_raises(call: Callable[[Any, Any], Any]) -> None:
    v = RNG.standard_normal((3, 3))
    x, y = hd.dual(v, 1.0), hd.hyperdual(v, 1.0, 1.0)
    with pytest.raises(TypeError, match="Dual and HyperDual"):
        call(x, y)
    with pytest.raises(TypeError, match="Dual and HyperDual"):
        call(y, x)


@pytest.mark.parametrize("out_kind", ["ndarray", "dual"])
@pytest.mark.parametrize(
    "call",
    [
        lambda x, y, out: np.matmul(x, y, out=out),
        lambda x, y, out: np.dot(x, y, out=out),
        lambda x, y, out: np.outer(x[0], y[0], out=out),
        lambda x, y, out: np.einsum("ij,jk->ik", x, y, out=out),
    ],
    ids=["matmul", "dot", "outer", "einsum"],
)
def test_out_argument_raises_type_error(call: Callable[..., Any], out_kind: str) -> None:
    v = RNG.standard_normal((3, 3))
    out = np.zeros((3, 3)) if out_kind == "ndarray" else hd.dual(np.zeros((3, 3)), 0.0)
    with pytest.raises(TypeError, match="out="):
        call(hd.dual(v, 1.0), v, out)


@pytest.mark.parametrize(
    "call",
    [
        np.matmul,
        operator.matmul,
        np.dot,
        np.inner,
        np.outer,
        np.kron,
        lambda x, y: np.einsum("ij,jk->ik", x, y),
        lambda x, y: np.tensordot(x, y, axes=1),
    ],
)
@pytest.mark.parametrize("object_first", [False, True])
def test_object_array_operand_is_lifted(
    call: Callable[[Any, Any], Any], object_first: bool
) -> None:
    # an object array of dual scalars is the dual array it holds, one of numbers a
    # plain array: d B(a, x) = B(a', x) + B(a, x'), by numpy on the floats
    v, w = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    x = hd.dual(v, 1.0)
    ones = np.ones((3, 3))
    for obj, da in ((np.asarray(hd.dual(w, 2.0)), 2 * ones), (w.astype(object), 0 * ones)):
        assert obj.dtype == object
        got = call(obj, x) if object_first else call(x, obj)
        pair = (w, v) if object_first else (v, w)
        parts = (da, ones) if object_first else (ones, da)
        np.testing.assert_allclose(got.value, call(*pair), rtol=1e-14)
        expected = call(parts[0], pair[1]) + call(pair[0], parts[1])
        np.testing.assert_allclose(got.d, expected, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize(
    "cls",
    [
        hd.Dual,
        hd.HyperDual,
        hd.dualvec_type(4),
        hd.hyperdualvec_type(3),
        hd.hyperdualvec_type(2, 3),
    ],
    ids=lambda c: c.__name__,
)
def test_the_batched_products_layout_is_the_kinds_product_table(cls: Any) -> None:
    """The bilinear functions' batched path reads each kind as (K, pairs); the rest of
    the package reads its product table. Both must describe one algebra."""
    from hyperdiff._algebra import layout

    first, pairs = layout(cls)
    table = [(0, k, k) for k in range(cls._planes)] + [(k, 0, k) for k in range(1, cls._planes)]
    for q, (a, b) in enumerate(pairs.tolist()):
        table += [(1 + a, 1 + b, 1 + first + q), (1 + b, 1 + a, 1 + first + q)]
    assert sorted(table) == sorted(cls._products)


def test_hessian_of_a_matrix_product_norm_by_closed_form() -> None:
    # f(X, Y) = ||X Y||_F^2 with X 3x4, Y 4x2: every plane pair of a HyperDualVec(20)
    # meets in the products; the blocks by hand:
    #   d2f/dX_ab dX_cd = 2 d_ac (Y Y^T)_bd,   d2f/dY_ab dY_cd = 2 d_bd (X^T X)_ac,
    #   d2f/dX_ab dY_cd = 2 ((X Y)_ad d_bc + X_ac Y_bd)
    x, y = RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2))
    (hxx, hxy), (_, hyy) = hd.hessian(lambda a, b: np.sum((a @ b) ** 2), argnums=(0, 1))(x, y)
    eye3, eye4, eye2 = np.eye(3), np.eye(4), np.eye(2)
    np.testing.assert_allclose(hxx, 2 * np.einsum("ac,bd->abcd", eye3, y @ y.T), rtol=1e-13)
    np.testing.assert_allclose(hyy, 2 * np.einsum("bd,ac->abcd", eye2, x.T @ x), rtol=1e-13)
    mixed = 2 * (np.einsum("ad,bc->abcd", x @ y, eye4) + np.einsum("ac,bd->abcd", x, y))
    np.testing.assert_allclose(hxy, mixed, rtol=1e-13, atol=1e-13)


# --- the matrix product's kernels, on every kind and dtype ---------------------------
def _plane_reference(cls: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x @ y in the algebra of cls from numpy's matmul on each plane, pair by pair (the
    product rule written out: independent of the batched paths and of the kernel)."""
    from hyperdiff._algebra import layout

    first, pairs = layout(cls)
    out = [x[0] @ y[0]] + [x[k] @ y[0] + x[0] @ y[k] for k in range(1, len(x))]
    for q, (a, b) in enumerate(pairs.tolist()):
        out[1 + first + q] = out[1 + first + q] + (x[1 + a] @ y[1 + b] + x[1 + b] @ y[1 + a])
    return np.stack(out)


KINDS = [
    hd.Dual,
    hd.HyperDual,
    hd.dualvec_type(3),
    hd.hyperdualvec_type(3),
    hd.hyperdualvec_type(2, 3),
    hd._multivariate.hyperdualdiag_type(3),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "shapes",
    # 2 <= p <= 8 and m n p <= 256 run in C++ (products.hpp), the rest on the GEMM path
    # (p = 1 or 9, 8x8x8); vectors as 1-row and 1-column matrices
    [((2, 3), (3, 5)), ((5, 5), (5, 5)), ((3,), (3, 8)), ((8, 8), (8, 8)), ((4, 9), (9, 1)),
     ((9,), (9,)), ((3, 4), (4,)), ((2, 3), (3, 9)), ((1, 1), (1, 1)), ((0, 3), (3, 4)),
     ((2, 0), (0, 4)), ((66, 1), (1, 2)), ((2, 65), (65, 2))],
    ids=str,
)  # fmt: skip
@pytest.mark.parametrize("zeros", ["dense", "zero-planes", "zero-rows"])
def test_matrix_product_planes_on_every_kind_and_dtype(
    cls: Any, dtype: Any, shapes: Any, zeros: str
) -> None:
    """Every plane of x @ y against numpy on each plane; the value bit for bit. With
    zero-planes, about half of each operand's part planes are zero (the kernel skips
    their products: seeds are unit planes, most planes of a Hessian's products zero);
    with zero-rows, about half the rows of every plane, the value's too (the kernel
    skips the zero rows of x's planes and the terms of the zero rows of y's: a seed
    plane has one nonzero row); 66 and 65 rows: beyond the 64 its row masks hold."""
    count = cls._planes

    def draw(shape: tuple[int, ...]) -> np.ndarray:
        planes = RNG.standard_normal((count, *shape))
        if np.dtype(dtype).kind == "c":
            planes = planes + 1j * RNG.standard_normal((count, *shape))
        if zeros == "zero-planes":
            planes[1:][RNG.random(count - 1) < 0.5] = -0.0 if RNG.random() < 0.5 else 0.0
        if zeros == "zero-rows" and len(shape) == 2:
            planes[RNG.random(planes.shape[:2]) < 0.5] = -0.0 if RNG.random() < 0.5 else 0.0
        return planes.astype(dtype)

    x, y = draw(shapes[0]), draw(shapes[1])
    got = cls._wrap(x.copy()) @ cls._wrap(y.copy())
    assert type(got) is cls and got.dtype == dtype
    want = _plane_reference(cls, x, y)
    np.testing.assert_array_equal(got._stack[0], x[0] @ y[0])
    eps = np.finfo(dtype).eps
    scale = np.abs(x).max(initial=0.0) * np.abs(y).max(initial=0.0) * x.shape[-1]
    np.testing.assert_allclose(got._stack, want, rtol=0, atol=8 * eps * scale)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
def test_matrix_product_planes_with_zero_blocks(dtype: Any) -> None:
    """T6's structure on a HyperDualVec(6), whose zero planes and rows the kernel skips
    (products.hpp: a wrong skip would drop a part): x carries directions 0-2 and their
    pairs, y directions 0 and 3-5 and a few pairs, the other planes zero, so that the
    planes get one to four terms: own terms only, pair terms only, both (pair (0, 0):
    x_00 y0 + x0 y_00 + 2 x_0 y_0; (0, 3): x_03 y0 + x0 y_03 + x_0 y_3), and blocks that
    are not zero where the rest of theirs is (x's pairs (0, 3), (1, 4), y's (0, 0),
    (0, 3), (2, 5)). Against numpy on each plane; the planes zero in the reference are
    zero."""
    from hyperdiff._algebra import layout

    cls = hd.hyperdualvec_type(6)
    first, pairs = layout(cls)
    x = RNG.standard_normal((cls._planes, 5, 5))
    y = RNG.standard_normal((cls._planes, 5, 5))
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.standard_normal(x.shape)
        y = y + 1j * RNG.standard_normal(y.shape)
    for q, (a, b) in enumerate(pairs.tolist()):
        if not (a < 3 and b < 3) and (a, b) not in ((0, 3), (1, 4)):
            x[1 + first + q] = 0.0
        if (a, b) not in ((0, 0), (0, 3), (2, 5)):
            y[1 + first + q] = 0.0
    x[4:7] = 0.0  # directions 3-5
    y[2:4] = 0.0  # directions 1-2
    x[2, 1:] = 0.0  # direction 1: one nonzero row, as a seed
    x, y = x.astype(dtype), y.astype(dtype)
    got = (cls._wrap(x.copy()) @ cls._wrap(y.copy()))._stack
    want = _plane_reference(cls, x, y)
    zero = ~want.reshape(cls._planes, -1).any(axis=1)
    assert zero.sum() > 5 and (~zero).sum() > 20
    np.testing.assert_array_equal(got[zero], 0)
    eps = np.finfo(dtype).eps
    scale = np.abs(x).max() * np.abs(y).max() * 5
    np.testing.assert_allclose(got, want, rtol=0, atol=8 * eps * scale)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
@pytest.mark.parametrize("width", [2, 5, 8])
def test_matrix_product_planes_whose_y_has_one_row(dtype: Any, width: int) -> None:
    """Planes of y with one nonzero row (a seed's unit planes: T6's X X Y), which the
    kernel takes as a column of x times that row (products.hpp), with and without the
    other product of a plane: first-order planes x_k y0 + x0 y_k and pair planes
    x_a y_b + x_b y_a, where x's planes have zero rows too, against numpy on each
    plane; the products of one term bit for bit (those sums add exact zeros)."""
    cls = hd.hyperdualvec_type(4)
    from hyperdiff._algebra import layout

    first, pairs = layout(cls)
    x = RNG.standard_normal((cls._planes, 5, 4))
    y = np.zeros((cls._planes, 4, width))
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.standard_normal(x.shape)
    y[0] = RNG.standard_normal((4, width))
    for k in range(1, cls._planes):  # one row of each, scaled (a seed's is a unit)
        y[k, RNG.integers(4)] = RNG.standard_normal(width) * (k % 4 != 0)
    x[1:][RNG.random(x.shape[:2])[1:] < 0.3] = 0.0  # zero rows of x's parts
    x[3] = 0.0  # direction 2 of x: planes of one product (y_2 with x0 alone)
    # a pair plane (2, b) of one product, x_b y_2 (x_2 and both pair planes zero)
    q = next(q for q, (a, b) in enumerate(pairs.tolist()) if a == 2 and b != 2)
    b = int(pairs[q][1])
    x[1 + first + q] = y[1 + first + q] = 0.0
    x, y = x.astype(dtype), y.astype(dtype)
    got = (cls._wrap(x.copy()) @ cls._wrap(y.copy()))._stack
    want = _plane_reference(cls, x, y)
    eps = np.finfo(dtype).eps
    scale = np.abs(x).max() * np.abs(y).max() * 4
    np.testing.assert_allclose(got, want, rtol=0, atol=8 * eps * scale)
    assert np.any(got[1 + first + q])
    np.testing.assert_array_equal(got[1 + first + q], x[1 + b] @ y[3])


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
def test_matrix_product_writes_every_plane_of_a_hessians_products(dtype: Any) -> None:
    """T6's products X X and (X X) Y on seeds of a HyperDualVec(8) (X: directions 0-3,
    Y: 4-7, each plane a unit), straight into an output full of nan: the kernel writes a
    pair plane whose own terms are zero once, from its pair terms or as zeros
    (products.hpp), so a plane it left unwritten would keep its nan. Every plane against
    numpy's product rule on each plane, the zero ones +0, and the planes of one pair
    term bit for bit that term's product."""
    from hyperdiff import _core
    from hyperdiff._algebra import _pair_table, layout

    cls = hd.hyperdualvec_type(8)
    first, pairs = layout(cls)
    _, table = _pair_table(cls)
    shape = (cls._planes, 3, 3)

    def seed(directions: range) -> np.ndarray:
        planes = np.zeros(shape, dtype=dtype)
        planes[0] = RNG.standard_normal((3, 3))
        for i, d in enumerate(directions):
            planes[1 + d].flat[i * 2] = 1.0
        return planes

    x, y = seed(range(4)), seed(range(4, 8))
    xx = np.full(shape, np.nan, dtype=dtype)
    xx[0] = x[0] @ x[0]
    assert not _core.matrix_product_parts(xx, x, x, first, table)
    xxy = np.full(shape, np.nan, dtype=dtype)
    xxy[0] = xx[0] @ y[0]
    assert not _core.matrix_product_parts(xxy, xx, y, first, table)
    for got, (a, b) in ((xx, (x, x)), (xxy, (xx, y))):
        want = _plane_reference(cls, a, b)
        zero = ~want.reshape(cls._planes, -1).any(axis=1)
        assert zero.sum() > 10 and (~zero).sum() >= 8
        assert not np.signbit(got[zero].real).any() and np.all(got[zero] == 0)
        eps = np.finfo(dtype).eps
        np.testing.assert_allclose(got, want, rtol=0, atol=8 * eps * np.abs(want).max())
    for q, (i, j) in enumerate(pairs.tolist()):  # (X X) Y's pair (X, Y): one term
        if i < 4 <= j:
            np.testing.assert_array_equal(xxy[1 + first + q], xx[1 + i] @ y[1 + j])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matrix_product_zero_rows_are_strong_zeros(dtype: Any) -> None:
    """Zero rows of factor planes against infinite entries give zeros (0 inf = 0, the
    chain rules' strong zero, as for a whole zero plane), not numpy's nan: against the
    product rule with each matrix product's terms a_rj b_jq taken as 0 where a factor
    is 0 (the only zeros here are whole rows)."""
    cls = hd.hyperdualvec_type(2)  # planes 1, e0, e1, e0e0, e0e1, e1e1
    x = RNG.standard_normal((6, 3, 3)).astype(dtype)
    y = RNG.standard_normal((6, 3, 3)).astype(dtype)
    x[0, 1] = x[1, 2] = 0.0  # the value's row 1, e0's row 2
    y[3, 0] = 0.0  # e0e0's row 0
    y[2, 0, 0], y[0, 2, 1], y[1, 1, 2] = np.inf, -np.inf, np.inf

    def strong(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        terms = a[:, :, None] * b[None, :, :]
        terms[(a == 0)[:, :, None] | (b == 0)[None, :, :]] = 0
        result: np.ndarray = terms.sum(axis=1)
        return result

    first, pairs = 2, [(0, 0), (0, 1), (1, 1)]
    with np.errstate(invalid="ignore"):
        want = [strong(x[0], y[0])] + [strong(x[k], y[0]) + strong(x[0], y[k]) for k in range(1, 6)]
        for q, (a, b) in enumerate(pairs):
            want[1 + first + q] += strong(x[1 + a], y[1 + b]) + strong(x[1 + b], y[1 + a])
        plain = _plane_reference(cls, x, y)
        got = (cls._wrap(x.copy()) @ cls._wrap(y.copy()))._stack  # (the value: numpy's nan)
    assert np.isnan(plain[1:]).any() and not np.isnan(np.stack(want)[1:]).any()
    np.testing.assert_allclose(got[1:], np.stack(want)[1:], rtol=1e-6)


def test_matrix_product_parts_checks_its_operands() -> None:
    from hyperdiff import _core

    pairs = np.array([[0, 1]], dtype=np.int64)
    x, y, out = np.ones((4, 2, 3)), np.ones((4, 3, 2)), np.empty((4, 2, 2))
    _core.matrix_product_parts(out, x, y, 2, pairs)
    want = np.array([6.0, 6.0, 12.0])[:, None, None] * np.ones((2, 2))  # 3 + 3; + 3 + 3
    np.testing.assert_array_equal(out[1:], want)
    with pytest.raises(ValueError, match="1 <= p <= 8"):
        _core.matrix_product_parts(np.empty((4, 2, 9)), x, np.ones((4, 3, 9)), 2, pairs)
    with pytest.raises(ValueError, match="pair outside"):
        _core.matrix_product_parts(out, x, y, 2, np.array([[0, 2]], dtype=np.int64))
    with pytest.raises(ValueError, match="1 \\+ first \\+ q"):
        _core.matrix_product_parts(out, x, y, 1, pairs)
    with pytest.raises(TypeError, match="dtype"):
        _core.matrix_product_parts(out, x.astype(np.float32), y, 2, pairs)
    with pytest.raises(ValueError, match="C-ordered"):
        _core.matrix_product_parts(out, np.ones((4, 3, 2)).transpose(0, 2, 1), y, 2, pairs)


def test_a_read_only_pair_table_is_judged_for_each_first_it_meets() -> None:
    # The kernels remember a read-only table they judged (by its address and first);
    # a table judged for one layout is judged again for another, and a bad one is
    # refused on every call.
    from hyperdiff import _core

    pairs = np.array([[0, 1]], dtype=np.int64)
    pairs.flags.writeable = False
    bad = np.array([[0, 5]], dtype=np.int64)
    bad.flags.writeable = False
    x, y = np.ones((4, 2, 3)), np.ones((4, 3, 2))
    for _ in range(2):
        _core.matrix_product_parts(np.empty((4, 2, 2)), x, y, 2, pairs)
        with pytest.raises(ValueError, match="pair outside"):  # plane 2 is no direction
            _core.matrix_product_parts(np.empty((3, 2, 2)), x[:3], y[:3], 1, pairs)
        with pytest.raises(ValueError, match="pair outside"):
            _core.matrix_product_parts(np.empty((4, 2, 2)), x, y, 2, bad)


def test_matmul_axes_of_different_lengths() -> None:
    # axes=[(1, 0), (0,), (0,)]: a's core axes swapped, b and the output 1-d; the
    # axes' check took int() of a tuple (TypeError) before numpy saw them
    a = np.arange(6.0).reshape(2, 3) + 1
    b = np.array([2.0, 3.0])
    jac = hd.jacobian(lambda x: np.matmul(x, b, axes=[(1, 0), (0,), (0,)]))(a)
    expected = np.zeros((3, 2, 3))
    for i in range(3):
        expected[i, :, i] = b  # (x^T b)_i = sum_k x_ki b_k
    np.testing.assert_array_equal(jac, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("size", [1, 7, 8, 9, 25, 100])
@pytest.mark.parametrize(
    "cls",
    [hd.Dual, hd.dualvec_type(3), hd.hyperdualvec_type(3), hd.hyperdualvec_type(2, 3)],
    ids=lambda c: c.__name__,
)
@pytest.mark.parametrize("kernel", [True, False], ids=["kernel", "declined"])
def test_norm_of_a_whole_array_is_the_product_rule(
    cls: Any, size: int, dtype: Any, kernel: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """np.linalg.norm of a real dual array read whole (sqrt of x . x: each part in one
    C++ pass over the planes, _core.self_dot_parts; where it declines, np.dot's
    bilinear rule) against x . x's product rule written out with numpy on each plane
    (2 x0 . x_k, and 2 x_a . x_b added to a pair's plane), then sqrt's chain rule; the
    value numpy's norm, bit for bit."""
    from hyperdiff import _core
    from hyperdiff._algebra import layout

    if not kernel:
        monkeypatch.setattr(_core, "self_dot_parts", lambda *args: False)
    first, pairs = layout(cls)
    x = RNG.standard_normal((cls._planes, size, 1)).astype(dtype)
    got = np.linalg.norm(cls._wrap(x.copy()))._stack
    planes = x.reshape(cls._planes, -1).astype(np.float64)
    dots = np.array([2 * planes[0] @ planes[k] for k in range(cls._planes)])
    for q, (a, b) in enumerate(pairs.tolist()):
        dots[1 + first + q] += 2 * planes[1 + a] @ planes[1 + b]
    value = np.sqrt(planes[0] @ planes[0])
    want = dots / (2 * value)  # sqrt's first-order rule on every plane
    for q, (a, b) in enumerate(pairs.tolist()):  # and its second-order term
        want[1 + first + q] -= dots[1 + a] * dots[1 + b] / (4 * value**3)
    assert got[0] == np.linalg.norm(x[0])
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(got[1:], want[1:], rtol=0, atol=64 * eps * np.abs(x).max() ** 2)


def test_self_dot_parts_declines_what_it_does_not_take() -> None:
    """Complex planes, planes not in C order, and dtypes beyond the kernels: False,
    nothing written (_dot_with_itself then takes numpy's products)."""
    from hyperdiff import _core
    from hyperdiff._algebra import _pair_table

    cls = hd.hyperdualvec_type(2)
    first, table = _pair_table(cls)
    x = RNG.standard_normal((cls._planes, 6))
    out = np.full(cls._planes, -1.0)
    assert _core.self_dot_parts(out, x, first, table)
    assert out[1] == pytest.approx(2 * (x[0] @ x[1]), rel=1e-15, abs=1e-15)
    for planes, result in (
        (x.astype(np.complex128), np.full(cls._planes, -1.0 + 0j)),
        (np.asfortranarray(x), np.full(cls._planes, -1.0)),
        (x.astype(np.float16), np.full(cls._planes, -1.0, np.float16)),
    ):
        assert not _core.self_dot_parts(result, planes, first, table)
        assert np.all(result == -1)
    with pytest.raises(ValueError, match="pair"):  # a table that is not the layout's
        _core.self_dot_parts(out, x, first, np.array([[0, 2]] * 3, dtype=np.int64))
