"""Sparsity detection, round ten: dependencies the tracer missed, invented or hid.

- np.pad(..., reflect_type="odd") pads 2 edge - mirror: the tracer ran numpy's pad on
  element numbers, whose arithmetic named other elements (or none): the pattern missed
  the edge, and check_sparsity=False gave wrong Jacobians and Hessians.
- np.full_like(x, x[0]): the fill value's dependency was dropped.
- A write into an array made its views stale, but not their own views (y[1:][::2],
  y.reshape(...)[0]) nor np.broadcast_arrays' views: they were read without the write.
- A traced array steering a move (np.roll's shift, np.repeat's counts) was read as
  element numbers (a pattern for a function no pass can evaluate); a constant among
  the elements moved (np.insert's values, np.append to a constant array) was read as
  an element number (a dependency invented, or an IndexError); np.block of nested
  lists raised AssertionError.
- A full sum a Hessian plan keeps as terms compared by identity: np.sum(x) == 3.0 was
  False in the plan's trace and in every pass, a branch taken one way whatever the
  value (the Hessian wrong by its factor, probe or not); abs() of one raised.
- Local patterns of np.sort / np.median at ties followed numpy's unstable sort, while
  a dual array's sort moves the parts stably: entries missed.
- out= of np.clip, np.round and np.outer was ignored (the array kept its old sets),
  np.clip's min= / max= (numpy 2.1) too, and np.matmul's axes= (A @ b for A.T @ b);
  a ufunc writing constants into a traced out= raised AssertionError, np.take's and
  np.concatenate's out= RecursionError.
- np.imag of a complex result of real operands (scipy.special.hankel1, a custom_jvp
  function) was taken for zero when no complex constant had been met.
- A complex f kept as terms (sum (x + i y)^2): the Hessian cast to x's real dtype.
- A full sum kept as terms held its array: a write into it after the sum (r[0] = ...,
  r *= 3, through a view) changed the terms, in the trace and every pass alike.
- A plan's key held a list, tuple or dict argument by identity: an array in it
  replaced or changed in place kept the old pattern (check_sparsity=False: wrong).
- np.linalg.solve with a constant stack of matrices: the pattern had b's shape.
- ufunc.at of power, hypot, arctan2, logaddexp, ...: no Hessian pairs of the array's
  own element (y^3).
- np.correlate(a, v, "same") with an even len(a) < len(v): the pattern one entry off
  (numpy's window is not convolve's there).
- Local patterns: np.imag(z), z.imag, np.real(z) kept z's complex values, so branches
  on them compared z (by its real part); np.vdot's value was not conjugated, and
  np.linalg.norm(ord=2) of a matrix had the Frobenius norm's.

References: numpy alone (an affine f's matrix from unit vectors), closed forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hyperdiff as hd

pytest.importorskip("scipy.sparse")

X = np.array([0.7, -0.4, 1.2, 0.3, -0.9, 1.5, 0.8, -1.1, 0.2, 0.6, -0.5, 1.3])


def _affine(f: Callable[[Any], Any], n: int) -> np.ndarray:
    """The matrix of an affine f, column by column from unit vectors (numpy alone)."""
    base = np.ravel(f(np.zeros(n)))
    return np.stack([np.ravel(f(e)) - base for e in np.eye(n)], axis=1)


ODD_PADS: dict[str, Callable[[Any], Any]] = {
    "reflect left": lambda x: np.pad(x, (3, 0), mode="reflect", reflect_type="odd"),
    "symmetric both": lambda x: np.pad(x, (2, 5), mode="symmetric", reflect_type="odd"),
    "reflect 2-d": lambda x: np.pad(
        x.reshape(3, 4), ((1, 2), (3, 1)), mode="reflect", reflect_type="odd"
    ).ravel(),
    "symmetric 2-d full width": lambda x: np.pad(
        x.reshape(4, 3), 3, mode="symmetric", reflect_type="odd"
    ).ravel(),
}


@pytest.mark.parametrize("name", ODD_PADS)
def test_odd_reflection_pads(name: str) -> None:
    f = ODD_PADS[name]
    m = _affine(f, X.size)
    np.testing.assert_array_equal(hd.jacobian_sparsity(f)(X).toarray(), m != 0)
    got = hd.jacobian(f, sparsity="auto", check_sparsity=False)(X).toarray()
    np.testing.assert_allclose(got, m, rtol=1e-15, atol=1e-15)
    # sum (M x)^3: Hessian 6 M^T diag(M x) M
    hess = hd.hessian(lambda x: np.sum(f(x) ** 3), sparsity="auto", check_sparsity=False)(X)
    np.testing.assert_allclose(hess.toarray(), 6 * m.T @ ((m @ X)[:, None] * m), rtol=1e-13)


def test_odd_reflection_wider_than_the_axis_is_refused() -> None:
    f = lambda x: np.pad(x[:4], (4, 0), mode="reflect", reflect_type="odd")  # noqa: E731
    with pytest.raises(TypeError, match=r"numpy\.pad"):
        hd.jacobian_sparsity(f)(X)


def test_full_like_takes_its_fill_value() -> None:
    def f(x: Any) -> Any:
        return np.concatenate([np.full_like(x, x[0]) * x, np.full_like(x[:3], x[3] ** 2)])

    want = np.zeros((X.size + 3, X.size))
    want[np.arange(X.size), np.arange(X.size)] = X[0]
    want[: X.size, 0] += X
    want[X.size :, 3] = 2 * X[3]
    np.testing.assert_array_equal(hd.jacobian_sparsity(f)(X).toarray(), want != 0)
    got = hd.jacobian(f, sparsity="auto", check_sparsity=False)(X).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-15)


def _slice_of_slice(y: Any) -> Any:
    view = y[1:][::2]
    y[3] = y[0] * y[5]  # view[1] in numpy
    return view


def _slice_of_reshape(y: Any) -> Any:
    view = y.reshape(3, 4)[0]
    y[1] = y[0] * y[5]
    return view


def _grandchild(y: Any) -> Any:
    view = y[1:6][1:]
    y[3] = y[0] * y[5]
    return view


def _broadcast_view(y: Any) -> Any:
    view = np.broadcast_arrays(y, np.zeros(X.size))[0]
    y[3] = y[0] * y[5]
    return view


@pytest.mark.parametrize("g", [_slice_of_slice, _slice_of_reshape, _grandchild, _broadcast_view])
def test_views_of_views_see_writes_into_their_base(g: Callable[[Any], Any]) -> None:
    def f(x: Any) -> Any:
        return g(x * 1.0) * 1.0

    with pytest.raises(TypeError, match="view"):
        hd.jacobian_sparsity(f)(X)
    with pytest.raises(TypeError, match="view"):
        hd.jacobian(f, sparsity="auto", check_sparsity=False)(X)


def test_the_real_part_of_a_real_array_is_the_array() -> None:
    def f(x: Any) -> Any:
        y = x * 1.0
        r = np.real(y)  # y itself: the write below is its own
        y[0] = x[1] * x[2]
        return r * 2.0

    want = 2.0 * np.eye(X.size)
    want[0] = 0.0
    want[0, 1], want[0, 2] = 2 * X[2], 2 * X[1]
    np.testing.assert_allclose(hd.jacobian(f, sparsity="auto")(X).toarray(), want, rtol=1e-15)


@pytest.mark.parametrize(
    ("f", "name"),
    [
        (lambda x: np.roll(x, np.floor(x[0] * 3)), "numpy.roll"),
        (lambda x: np.repeat(x, np.floor(x * 3)), "numpy.repeat"),
        (lambda x: np.take(x[:4], np.floor(x * 3)), "numpy.take"),
        (lambda x: np.full_like(x, 2.0, shape=np.floor(x[:1] * 3)), "numpy.full_like"),
    ],
)
def test_a_traced_array_steering_a_move_is_a_branch(f: Callable[[Any], Any], name: str) -> None:
    with pytest.raises(TypeError, match=name.replace(".", r"\.")):
        hd.jacobian_sparsity(f)(np.abs(X))


CONSTANT_ELEMENTS: dict[str, Callable[[Any], Any]] = {
    "insert values": lambda x: np.insert(x, [2, 5], [7.0, 3.0]),
    "insert into a constant": lambda x: np.insert(np.full(3, 5.0), 1, x[4] * 2.0),
    "append to a constant": lambda x: np.append(np.array([2.0, 9.0]), x * 3.0),
    "pad constant_values": lambda x: np.pad(x, (2, 1), constant_values=(3.0, 8.0)),
    "broadcast_arrays": lambda x: np.broadcast_arrays(x[:4, None], np.arange(1.0, 4.0))[1],
    "nested block": lambda x: np.block(
        [[x[:4].reshape(2, 2), np.full((2, 1), 7.0)], [np.ones((1, 2)), x[4:5, None]]]
    ).ravel(),
}


@pytest.mark.parametrize("name", CONSTANT_ELEMENTS)
def test_constants_among_the_elements_moved(name: str) -> None:
    f = CONSTANT_ELEMENTS[name]
    want = _affine(f, X.size)
    np.testing.assert_array_equal(hd.jacobian_sparsity(f)(X).toarray(), want != 0)


def test_a_sum_kept_as_terms_compares_by_value() -> None:
    def f(x: Any) -> Any:
        s = np.sum(x**2)
        return s * (1.0 if np.sum(x) == 3.0 else 2.0)

    x = np.array([1.0, 2.0, 0.0, 0.0])
    with pytest.raises(TypeError, match="branches"):
        hd.hessian(f, sparsity="auto")(x)
    local = hd.hessian_sparsity(f, local=True)(x)
    for point, factor in ((x, 1.0), (x + 0.5, 2.0)):
        got = hd.hessian(f, sparsity=local, check_sparsity=False)(point).toarray()
        np.testing.assert_array_equal(got, 2 * factor * np.eye(4))

    def g(x: Any) -> Any:  # |sum x^2 - 1| at sum x^2 > 1: 2 I
        return abs(np.sum(x**2) - 1.0)

    np.testing.assert_array_equal(hd.hessian(g, sparsity="auto")(x).toarray(), 2 * np.eye(4))


def test_local_sort_and_median_at_ties() -> None:
    x = np.array([0.3, 0.1, 0.3, 0.3, 0.7, 0.7, 0.0, 0.0, 0.3, 0.1, 0.7, 0.0])
    n = x.size
    order = np.argsort(x, kind="stable")  # a dual array's sort moves the parts so
    want = np.zeros((n, n))
    want[np.arange(n), order] = np.arange(1.0, n + 1)

    def f(y: Any) -> Any:
        return np.sort(y) * np.arange(1.0, n + 1)

    local = hd.jacobian_sparsity(f, local=True)(x)
    np.testing.assert_array_equal(local.toarray(), want != 0)
    got = hd.jacobian(f, sparsity=local, check_sparsity=False)(x).toarray()
    np.testing.assert_array_equal(got, want)
    middle = np.zeros((1, n))
    middle[0, order[n // 2 - 1 : n // 2 + 1]] = 0.5
    pattern = hd.jacobian_sparsity(lambda y: np.median(y)[None], local=True)(x)
    np.testing.assert_array_equal(pattern.toarray(), middle != 0)


def _clip_out(x: Any) -> Any:
    y = x * 1.0
    np.clip(x[::-1] ** 2, 0.1, 0.5, out=y)  # y_i = clip(x_(n-1-i)^2): y's sets replaced
    return y


def _round_out(x: Any) -> Any:
    y = x * 1.0
    np.round(x[::-1], 2, out=y)  # derivative 0: y * x has x's diagonal alone
    return y * x


def _constants_out(x: Any) -> Any:
    y = x * 1.0
    np.add(1.0, 2.0, out=y[:2])
    return y


def _matmul_axes(x: Any) -> Any:
    """triu(T).T @ b: out_i on T[j, i], j <= i, and on all of b (a traced factor's
    zeros are no structure)."""
    t = np.triu(x[:9].reshape(3, 3))
    return np.matmul(t, x[9:], axes=[(1, 0), (0,), (0,)])


def _take_out(x: Any) -> Any:
    y = x * 1.0
    np.take(x[::-1] ** 2, np.arange(x.size) // 2, out=y)  # y_i on x_(n-1-i//2)
    return y


def _concatenate_out(x: Any) -> Any:
    y = x * 1.0
    np.concatenate([x[6:] ** 2, x[:6]], out=y)
    return y


def _pattern(rows: dict[int, list[int]], m: int) -> np.ndarray:
    want = np.zeros((m, X.size), dtype=bool)
    for i, cols in rows.items():
        want[i, cols] = True
    return want


N = X.size
KEYWORD_FORMS: dict[str, tuple[Callable[[Any], Any], np.ndarray, bool]] = {
    "clip out=": (_clip_out, _pattern({i: [N - 1 - i] for i in range(N)}, N), False),
    "clip min= max=": (
        lambda x: np.clip(x, min=x[::-1], max=2.0),
        _pattern({i: [i, N - 1 - i] for i in range(N)}, N),
        False,
    ),
    "round out=": (_round_out, np.eye(N, dtype=bool), True),
    "constants out=": (_constants_out, _pattern({i: [i] for i in range(2, N)}, N), False),
    "take out=": (_take_out, _pattern({i: [N - 1 - i // 2] for i in range(N)}, N), False),
    "concatenate out=": (
        _concatenate_out,
        _pattern({i: [(i + 6) % N] for i in range(N)}, N),
        False,
    ),
    "matmul axes=": (
        _matmul_axes,
        _pattern(
            {i: [3 * j + i for j in range(i + 1)] + [9, 10, 11] for i in range(3)},
            3,
        ),
        False,
    ),
}


@pytest.mark.parametrize("name", KEYWORD_FORMS)
def test_out_and_keyword_forms(name: str) -> None:
    f, want, local = KEYWORD_FORMS[name]
    np.testing.assert_array_equal(hd.jacobian_sparsity(f, local=local)(X).toarray(), want)


def test_complex_results_of_real_operands_have_imaginary_parts() -> None:
    """scipy.special.hankel1 and a custom_jvp function are complex on real arrays: the
    trace took np.imag of them for zero (no complex constant was met)."""
    special = pytest.importorskip("scipy.special")

    @hd.custom_jvp
    def expi(x: Any) -> Any:
        return np.exp(1j * x)

    @expi.defjvp
    def _expi_jvp(primals: Any, tangents: Any) -> Any:
        (x,), (t,) = primals, tangents
        return expi(x), 1j * np.exp(1j * x) * t

    cases = [  # d/dx imag H0(x + 2) = -Y1(x + 2); d/dx imag e^(ix) = cos x
        (lambda x: np.imag(special.hankel1(0, x + 2.0)), -special.y1(X + 2.0)),
        (lambda x: np.imag(expi(x)), np.cos(X)),
    ]
    for f, diagonal in cases:  # (a custom_jvp function: dense in its inputs)
        assert np.all(np.diag(hd.jacobian_sparsity(f)(X).toarray()))
        got = hd.jacobian(f, sparsity="auto", check_sparsity=False)(X).toarray()
        np.testing.assert_allclose(got, np.diag(diagonal), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("check", [True, False])
def test_a_complex_sum_of_terms_keeps_its_imaginary_parts(check: bool) -> None:
    """sum_i (x_i + i x_r(i))^2 = 2 i sum_i x_i x_r(i) (r: the mirror): H = 4 i at
    (i, r(i)). The term scheme's result was cast to x's dtype: 0 (and a ComplexWarning),
    probe or not."""
    want = np.zeros((X.size, X.size), dtype=complex)
    want[np.arange(X.size), np.arange(X.size)[::-1]] = 4j
    for dtype in (np.float64, np.float32):
        f = lambda x: np.sum((x + 1j * x[::-1]) ** 2)  # noqa: E731
        got = hd.hessian(f, sparsity="auto", check_sparsity=check)(X.astype(dtype))
        assert got.dtype == np.result_type(dtype, np.complex64)
        np.testing.assert_array_equal(got.toarray(), want)


def test_a_plan_per_array_inside_a_container_argument() -> None:
    """check_sparsity=False promises a pattern of f's arguments alone; a plan's key
    held a list, tuple or dict argument by identity: an array in it replaced or changed
    in place kept the old plan. J of params[0] @ sin(x): A diag(cos x)."""
    n = 6
    x = X[:n]
    jac = hd.jacobian(lambda x, p: p[0] @ np.sin(x), sparsity="auto", check_sparsity=False)
    params = [np.eye(n)]
    np.testing.assert_allclose(jac(x, params).toarray(), np.diag(np.cos(x)), rtol=1e-15)
    params[0] = np.ones((n, n))  # replaced in the same list
    np.testing.assert_allclose(jac(x, params).toarray(), np.ones((n, n)) * np.cos(x), rtol=1e-15)
    a = np.eye(n)
    named = {"A": a}
    jac = hd.jacobian(lambda x, p: p["A"] @ np.sin(x), sparsity="auto", check_sparsity=False)
    np.testing.assert_allclose(jac(x, named).toarray(), np.diag(np.cos(x)), rtol=1e-15)
    a[1, 4] = 2.0  # changed in place
    np.testing.assert_allclose(jac(x, named).toarray(), a * np.cos(x), rtol=1e-15)


def test_solve_with_a_constant_stack_of_matrices() -> None:
    """np.linalg.solve(A, b), A a constant stack (3, 3, 3): the result has the stack's
    shape, which the rule gave b's (a pattern of 3 or 9 rows for 9 or 27); b (3, 3) is
    a matrix (numpy 2), its columns apart: J[(k, i, j), (m, l)] = inv(A_k)[i, m] d_jl."""
    rng = np.random.default_rng(10)
    a = rng.normal(size=(3, 3, 3)) + 3 * np.eye(3)
    inv = np.linalg.inv(a)
    cases = [
        (lambda x: np.linalg.solve(a, x[:3]).ravel(), inv.reshape(9, 3)),
        (
            lambda x: np.linalg.solve(a, x[:9].reshape(3, 3)).ravel(),
            np.einsum("kim,jl->kijml", inv, np.eye(3)).reshape(27, 9),
        ),
    ]
    for f, want in cases:
        n = want.shape[1]
        got = hd.jacobian(f, sparsity="auto", check_sparsity=False)(X[:n]).toarray()
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
        np.testing.assert_array_equal(hd.jacobian_sparsity(f)(X[:n]).toarray(), want != 0)


def test_ufunc_at_nonlinear_in_the_array_itself() -> None:
    """np.power.at(y, [0, 2, 2], 3): y0 = x0^3, y2 = x2^9; .at of a ufunc other than
    add / multiply paired a's element with the values met only (the Hessian's (0, 0)
    and (2, 2) missed: 0 with check_sparsity=False)."""

    def f(x: Any) -> Any:
        y = x * 1.0
        np.power.at(y, [0, 2, 2], 3.0)
        return np.sum(y)

    want = np.zeros((X.size, X.size))
    want[0, 0], want[2, 2] = 6 * X[0], 72 * X[2] ** 7
    got = hd.hessian(f, sparsity="auto", check_sparsity=False)(X).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_a_traced_exponent_of_no_dependency() -> None:
    """x ** floor(0 x0 + 2.5): an exponent traced but of no dependency has no value in
    the global trace (float(None): TypeError); it may be any number: pairs kept."""
    f = lambda x: np.sum(x ** np.floor(0.0 * x[0] + 2.5))  # noqa: E731
    got = hd.hessian(f, sparsity="auto")(X).toarray()
    np.testing.assert_allclose(got, 2.0 * np.eye(X.size), rtol=1e-15, atol=0)


@pytest.mark.parametrize(("n", "m"), [(2, 4), (4, 5), (2, 3), (4, 7)])
def test_correlate_same_window_of_a_shorter_first_operand(n: int, m: int) -> None:
    """np.correlate(a, v, "same") with len(a) < len(v) even: numpy's window starts at
    len(a) // 2 of the full result, the tracer's (convolve's) at (len(a) - 1) // 2."""
    v = np.arange(1.0, m + 1.0)
    f = lambda x: np.correlate(x[:n], v, "same")  # noqa: E731
    want = _affine(f, X.size)
    np.testing.assert_array_equal(hd.jacobian_sparsity(f)(X).toarray(), want != 0)
    got = hd.jacobian(f, sparsity="auto", check_sparsity=False)(X).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_local_branches_on_values_the_trace_had_wrong() -> None:
    """At a point (local=True) np.imag(z), z.imag and np.real(z) kept z's complex values:
    a branch on them compared z (numpy orders complex numbers by their real parts);
    np.vdot's value did not conjugate, np.linalg.norm's was the Frobenius norm for ord=2
    of a matrix (axis=(0, 1))."""
    r = np.arange(X.size)[::-1]
    v = np.array([1.0 + 2.0j, 0.0, 3.0 - 1.0j, 0.5j])
    w = np.arange(X.size) * (1.0 - 1.0j)
    m = X.reshape(3, 4)
    spectral = np.linalg.norm(m, ord=2, axis=(0, 1))
    between = (spectral + np.linalg.norm(m)) / 2  # (the Frobenius norm is larger)
    cases = [  # imag(x (i - 0.7)) = x; real(x (i - 0.7)) = -0.7 x
        (lambda z: np.imag(z * (1j - 0.7)) > 0.5, X > 0.5),
        (lambda z: (z * (1j - 0.7)).imag > 0.5, X > 0.5),
        (lambda z: np.real(z * (1j - 0.7)) > -0.3, -0.7 * X > -0.3),
        (
            lambda z: np.imag(np.correlate(z, v, "same")) > 0.0,
            np.imag(np.correlate(X, v, "same")) > 0,
        ),
        (
            lambda z: np.imag(np.vdot(1j * z, w)) > 0.0,
            np.full(X.size, np.imag(np.vdot(1j * X, w)) > 0),
        ),
        (
            lambda z: np.linalg.norm(z.reshape(3, 4), ord=2, axis=(0, 1)) > between,
            np.full(X.size, spectral > between),
        ),
    ]
    for condition, taken in cases:
        f = lambda x, c=condition: np.where(c(x), x, 2.0 * x[r])  # noqa: E731
        want = np.where(taken[:, None], np.eye(X.size), np.eye(X.size)[r]) != 0
        np.testing.assert_array_equal(hd.jacobian_sparsity(f, local=True)(X).toarray(), want)


def _sum_then_write(x: Any) -> Any:
    r = x**2
    s = np.sum(r)
    r[0] = x[1] ** 3  # after the sum: s is sum x^2
    return s


def _mean_then_write_through_a_view(x: Any) -> Any:
    r = x**2
    view = r[1:]
    s = np.mean(r)
    view[...] = 0.0
    return s


def _weighted_then_in_place(x: Any) -> Any:
    r = np.sin(x)
    s = np.arange(X.size) @ r
    r *= 3.0
    return s


def _view_summed_then_written(x: Any) -> Any:
    r = x**2
    s = np.sum(r[:6])  # terms holding a view of r
    r[0] = x[1] ** 3
    return s


def _einsum_then_written(x: Any) -> Any:
    r = x.reshape(3, 4) ** 2
    s = np.einsum("ij,ij->", np.arange(12.0).reshape(3, 4), r)  # terms: r raveled
    r[0, 1] = 0.0
    return s


@pytest.mark.parametrize("check", [True, False])
def test_a_sum_kept_as_terms_is_of_the_array_before_a_later_write(check: bool) -> None:
    """A Hessian plan keeps np.sum(r), np.mean(r), w @ r as terms holding r: a write into
    r after the sum changed the terms, in the trace and in every pass alike (the probe
    compares the pass with itself): the Hessian of the array after the write."""
    n = X.size
    cases = [
        (_sum_then_write, 2.0 * np.eye(n)),
        (_mean_then_write_through_a_view, 2.0 / n * np.eye(n)),
        (_weighted_then_in_place, np.diag(-np.arange(n) * np.sin(X))),
        (_view_summed_then_written, np.diag(2.0 * (np.arange(n) < 6))),
        (_einsum_then_written, np.diag(2.0 * np.arange(n))),
    ]
    for f, want in cases:
        got = hd.hessian(f, sparsity="auto", check_sparsity=check)(X).toarray()
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-16)
