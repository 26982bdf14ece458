"""Full sums a Hessian plan keeps as terms (one HyperDualVec pass, O(n)), in more of
the forms user code writes them: np.trapezoid of a 1-d integrand, np.average of all
of an array (with constant weights or none), np.nansum, einsum("i->", t),
einsum("i,ij,j->", x, L, x) and numpy 2's np.vecdot of 1-d arrays. Each fell to a
star coloring's H S (forward mode's O(n^2): 0.4-0.6 s at n = 3000). And a sum of two
terms over thousands of variables each (sum(t.reshape(-1, 2), axis=0).sum()), whose
term pass would need more planes than a layout may have, takes the star coloring
instead of raising MemoryError. References: the dense Hessian (independent of
detection, coloring and terms) and closed forms."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sparsity_harness import check_hessian_pattern, plans_of

import hyperdiff as hd

N = 12
AT = [np.random.default_rng(s).uniform(0.2, 0.9, N) for s in range(2)]
WEIGHTS = np.linspace(1.0, 2.0, N - 1)
L = np.diag(np.full(N, 2.0)) - np.eye(N, k=1) - np.eye(N, k=-1)


def terms(x):
    return (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2


FORMS = {
    "trapezoid_dx": lambda x: np.trapezoid(terms(x), dx=0.1),
    "trapezoid_x": lambda x: np.trapezoid(terms(x), x=np.cumsum(WEIGHTS)),
    "trapezoid_default": lambda x: np.trapezoid(np.sin(x) * x),
    "average": lambda x: np.average(terms(x)),
    "average_weights": lambda x: np.average(terms(x), weights=WEIGHTS),
    "average_axis0": lambda x: np.average(terms(x), axis=0, weights=WEIGHTS),
    "nansum": lambda x: np.nansum(terms(x)),
    "nansum_with_nan": lambda x: np.nansum(np.log(x[1:] - 0.5) * x[:-1]),
    "einsum_sum": lambda x: np.einsum("i->", terms(x)),
    "einsum_sum_2d": lambda x: np.einsum("ij->", terms(x)[:-1].reshape(5, 2)),
    "einsum_quadratic": lambda x: np.einsum("i,ij,j->", x, L, x) + np.sum(x**4),
    "einsum_four": lambda x: np.einsum("i,ij,jk,k", x**2, L, L, np.sin(x)),
}
# Python's sum of numbers (a loop's terms, an array iterated): terms of one element
# each (Hessians of 72 ms for the textbook loop at n = 1000, 450 ms for sum(r ** 2)
# at 3000, as H S)
FORMS["python_sum_loop"] = lambda x: sum(
    100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1)
)
FORMS["python_sum_array"] = lambda x: sum(terms(x))
FORMS["numbers_added"] = lambda x: x[0] * x[1] - x[2] ** 2 + np.sum(terms(x)) + x[3] * x[4]
FORMS["numbers_np_add"] = lambda x: np.subtract(np.add(x[0] * x[5], x[1] ** 3), x[2] * x[3])
# a sum of numbers scaled by a constant, once (0.43 s a Hessian at n = 3000 as H S
# for the first, 0.05 s as terms), and such sums added
FORMS["python_sum_halved"] = lambda x: 0.5 * sum(terms(x))
FORMS["python_sum_over_n"] = lambda x: sum(terms(x)) / len(x)
FORMS["python_sums_weighed"] = lambda x: (
    0.5 * sum(terms(x)) + 2.0 + sum(np.sin(x) * x) / 3 - 0.25 * (x[0] * x[1] + x[2] ** 3)
)
if hasattr(np, "vecdot"):  # numpy 2's vector product (0.56 s at n = 3000 as H S)
    FORMS["vecdot"] = lambda x: np.vecdot(terms(x), terms(x))
    FORMS["vecdot_weights"] = lambda x: np.vecdot(WEIGHTS, terms(x))
    FORMS["vecdot_axis"] = lambda x: np.vecdot(terms(x), np.sin(x[1:]), axis=0)
    FORMS["linalg_vecdot"] = lambda x: np.linalg.vecdot(terms(x), x[1:] ** 2)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_forms_are_terms_and_match_the_dense_hessian(name):
    f = FORMS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (log of a negative: nan terms)
        check_hessian_pattern(f, AT)
        h = hd.hessian(f, sparsity="auto")
        h(AT[0])
    (plan,) = plans_of(h)
    assert plan.terms is not None, "not kept as terms"


def test_trapezoid_closed_form():
    # the integral of x_i^2 (dx 0.5): H = diag(2 dx w), w = 1/2 at the ends, 1 inside
    x = np.arange(1.0, 7.0)
    got = hd.hessian(lambda x: np.trapezoid(x**2, dx=0.5), sparsity="auto")(x).toarray()
    w = np.ones(6)
    w[[0, -1]] = 0.5
    np.testing.assert_array_equal(got, np.diag(2 * 0.5 * w))


def test_nansum_drops_the_nan_terms():
    # sum over the terms whose value is not nan: x_i^3 where x_i > 0 (log of 0 - x_i
    # is nan at the others): H = diag(6 x_i) there
    x = np.array([-1.0, 2.0, -3.0, 0.5, 1.5])

    def f(x):
        return np.nansum(x**3 + 0 * np.log(x))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = hd.hessian(f, sparsity="auto")(x).toarray()
    np.testing.assert_array_equal(got, np.diag(np.where(x > 0, 6 * x, 0.0)))


def test_two_terms_over_thousands_of_variables_take_the_star_coloring():
    n = 3000
    x = np.random.default_rng(3).uniform(0.2, 0.9, n)

    def f(x):
        return np.sum(terms(x)[:-1].reshape(-1, 2), axis=0).sum()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hd.PerformanceWarning)
        got = hd.hessian(f, sparsity="auto")(x)
    # t_i = (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 in closed form (the last term left out)
    d = np.zeros(n)
    d[:-2] += 12 * x[:-2] ** 2 - 4 * x[1:-1] + 2
    d[1:-1] += 2
    off = np.zeros(n - 1)
    off[:-1] = -4 * x[:-2]
    want = np.diag(d) + np.diag(off, 1) + np.diag(off, -1)
    np.testing.assert_allclose(got.toarray(), want, rtol=1e-13, atol=1e-10)


SPACINGS = [{"dx": 0.5}, {"x": np.arange(7)}, {"x": np.arange(7.0) ** 2}, {}]


@pytest.mark.parametrize("spacing", SPACINGS)
def test_trapezoid_terms_keep_numpy_dtype_and_two_colors(spacing):
    x = np.linspace(0.1, 0.9, 8).astype(np.float32)

    def f(x):
        return np.trapezoid(np.diff(x) ** 2 + x[1:] ** 3, **spacing)

    h = hd.hessian(f, sparsity="auto")
    got = h(x)
    dense = hd.hessian(f)(x)
    assert got.dtype == dense.dtype == np.asarray(f(x)).dtype
    # (a few ulps of x's float32: the weights' sum w_k y_k against numpy's
    # d (y[1:] + y[:-1]) / 2, whose neighbour sum rounds to float32)
    eps = np.finfo(x.dtype).eps
    np.testing.assert_allclose(got.toarray(), dense, rtol=8 * eps, atol=8 * eps)
    (plan,) = plans_of(h)
    # each term on its own element's variables (x_k, x_k+1): two colors; the neighbour
    # sum d (y[1:] + y[:-1]) / 2 puts three variables in a term
    assert plan.terms is not None and plan.count == 2


def test_a_loop_sum_in_closed_form_and_its_value_when_read():
    # sum_i (x_i x_(i+1))^2 through Python's sum: H_ii = 2 (x_(i-1)^2 + x_(i+1)^2),
    # H_(i,i+1) = 4 x_i x_(i+1); and log of it (the sum read as a number: f's own value
    # of it, one addition at a time, at n = 3000: no recursion through the additions)
    x = np.random.default_rng(3).uniform(0.5, 1.5, 12)
    h = hd.hessian(lambda v: sum((v[i] * v[i + 1]) ** 2 for i in range(11)), sparsity="auto")
    left, right = np.r_[0.0, x[:-1]], np.r_[x[1:], 0.0]
    want = np.diag(2 * (left**2 + right**2))
    want += np.diag(4 * x[:-1] * x[1:], 1) + np.diag(4 * x[:-1] * x[1:], -1)
    np.testing.assert_allclose(h(x).toarray(), want, rtol=1e-14, atol=1e-14)
    (plan,) = plans_of(h)
    assert plan.terms is not None
    y = np.random.default_rng(4).uniform(0.5, 1.5, 3000)

    def f(v):
        return np.log(sum(v[:-1] * v[1:]))

    want_grad = (np.r_[0.0, y[:-1]] + np.r_[y[1:], 0.0]) / np.sum(y[:-1] * y[1:])
    np.testing.assert_allclose(hd.grad(f, sparsity="auto")(y), want_grad, rtol=1e-12)
    assert float(f(y)) == float(np.log(sum(y[:-1] * y[1:])))


def test_a_few_terms_over_all_variables_take_the_star_coloring():
    # two numbers f adds, each reading all of x: the term pass would carry n^2 / 2
    # pair planes; the star coloring's H S costs n (1 + 3). Values against the dense
    # Hessian.
    x = np.random.default_rng(5).uniform(0.2, 0.9, 60)

    def f(v):
        return np.cumsum(v**2)[-1] + np.cumsum(np.sin(v[:-1] * v[1:]))[-1]

    h = hd.hessian(f, sparsity="auto")
    np.testing.assert_allclose(h(x).toarray(), hd.hessian(f)(x), rtol=1e-13, atol=1e-14)
    (plan,) = plans_of(h)
    assert plan.terms is None and plan.star() is not None


def _ema(v):
    y = v[0]
    for i in range(1, len(v)):
        y = 0.5 * y + v[i] ** 2
    return y


def test_a_recurrence_reads_its_numbers():
    # y = 0.5 y + x_i^2 scales a sum of numbers each step: its number, not n^2 / 2
    # terms (a recurrence that also sums its y's held that many: 27 s a Hessian at
    # n = 1500), nor a closure per step (a RecursionError reading exp(y) at 1500).
    # y_(n-1) = 0.5^(n-1) x_0 + sum_i 0.5^(n-1-i) x_i^2, in closed form
    x = np.random.default_rng(6).uniform(0.5, 1.5, 1500)
    scale = 0.5 ** (len(x) - 1 - np.arange(len(x)))
    y = scale[0] * x[0] + np.sum(scale[1:] * x[1:] ** 2)
    dy = np.r_[scale[0], 2 * x[1:] * scale[1:]]
    got = hd.grad(lambda v: np.exp(1e-3 * _ema(v)), sparsity="auto")(x)
    np.testing.assert_allclose(got, 1e-3 * np.exp(1e-3 * y) * dy, rtol=1e-12, atol=1e-300)

    def totals(v):
        y, total = v[0], 0.0
        for i in range(1, len(v)):
            y = 0.5 * y + v[i] ** 2
            total = total + y
        return total

    z = np.random.default_rng(7).uniform(0.5, 1.5, 200)
    h = hd.hessian(totals, sparsity="auto")
    np.testing.assert_allclose(h(z).toarray(), hd.hessian(totals)(z), rtol=1e-12, atol=1e-14)
    (plan,) = plans_of(h)
    assert plan.terms is None or len(plan.sizes) <= 4 * z.size


def _chain(v, step):
    # np.sum's terms, then a step per variable pair: each a sum computed from the last
    total = np.sum(v**2)
    for i in range(len(v) - 1):
        total = step(total, v[i] * v[i + 1])
    return total


STEPS = {
    "+ number": lambda t, p: t + p,
    "number +": lambda t, p: p + t,
    "- number": lambda t, p: t - p,
    "* constant +": lambda t, p: 0.999 * t + p,
    "/ constant +": lambda t, p: t / 1.001 + p,
    "+ np.sum": lambda t, p: t + np.sum(np.reshape(p, (1,))),
}


@pytest.mark.parametrize("name", list(STEPS))
def test_a_chain_of_sums_longer_than_the_recursion_limit_is_read(name):
    # each addition or scaling of a sum of terms computes its value from the last
    # sum's: read (exp of it) after 700 steps, a closure a step recursed past Python's
    # limit (a RecursionError already at n = 500). In closed form: total = c^(n-1)
    # sum x^2 + s sum_i c^(n-2-i) x_i x_(i+1) for the step's scale c and sign s, its
    # gradient A x (A: the tridiagonal of its Hessian)
    step = STEPS[name]
    c = {"* constant +": 0.999, "/ constant +": 1 / 1.001}.get(name, 1.0)
    sign = -1.0 if name == "- number" else 1.0
    x = np.random.default_rng(8).uniform(0.5, 1.5, 700)
    n = len(x)
    off = sign * c ** (n - 2 - np.arange(n - 1))
    a = np.diag(np.full(n, 2 * c ** (n - 1))) + np.diag(off, 1) + np.diag(off, -1)
    value = x @ a @ x / 2
    grad = hd.grad(lambda v: np.exp(1e-4 * _chain(v, step)), sparsity="auto")(x)
    np.testing.assert_allclose(grad, 1e-4 * np.exp(1e-4 * value) * (a @ x), rtol=1e-11)
    h = hd.hessian(lambda v: _chain(v, step), sparsity="auto")  # (terms: never read)
    np.testing.assert_allclose(h(x).toarray(), a, rtol=1e-12, atol=1e-300)


def test_a_scaled_sum_of_numbers_reads_fs_value():
    # 0.5 * sum(...) and sum(...) / n kept as terms carry f's own value (0.5 times
    # the sum's, one addition at a time): exp of it, in closed form
    y = np.random.default_rng(9).uniform(0.5, 1.5, 400)
    pairs = y[:-1] * y[1:]
    total = 0.0
    for p in pairs:
        total = total + p
    inner = np.r_[0.0, y[:-1]] + np.r_[y[1:], 0.0]
    for scale, g in [
        (0.5, lambda v: 0.5 * sum(v[:-1] * v[1:])),
        (1 / 400, lambda v: sum(v[:-1] * v[1:]) / 400),
    ]:
        value = 0.5 * total if scale == 0.5 else total / 400
        grad = hd.grad(lambda v, g=g: np.exp(1e-2 * g(v)), sparsity="auto")(y)
        want = 1e-2 * np.exp(1e-2 * value) * scale * inner
        np.testing.assert_allclose(grad, want, rtol=1e-13)


SUMS = {
    "np.sum": lambda v: np.sum(v[:-1] * v[1:]),
    "python sum": lambda v: sum(v[i] * v[i + 1] for i in range(len(v) - 1)),
    "np.mean": lambda v: np.mean(np.sin(v) * v),
}
SCALINGS = {
    "/ 0.0": lambda s: s / 0.0,
    "/ 0": lambda s: s / 0,
    "/ np.float64(0)": lambda s: s / np.float64(0.0),
    "* inf": lambda s: s * np.inf,
    "* nan": lambda s: np.nan * s,
    "* 0.0": lambda s: 0.0 * s,
}


@pytest.mark.parametrize("scaling", list(SCALINGS))
@pytest.mark.parametrize("form", list(SUMS))
def test_a_sum_scaled_by_zero_or_non_finite_numbers_is_the_dense_transforms(form, scaling):
    # a sum of terms divided by 0 raised ZeroDivisionError (its weights 1 / 0 in
    # Python's floats); any such scaling is the dense Hessian's and gradient's, inf and
    # nan alike, where the pattern has entries
    def f(v):
        return SCALINGS[scaling](SUMS[form](v))

    x = np.linspace(0.5, 1.5, 7)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        pattern = hd.hessian_sparsity(f)(x).toarray()
        dense = hd.hessian(f)(x)
        np.testing.assert_array_equal(hd.hessian(f, sparsity="auto")(x).toarray(), dense * pattern)
        assert not np.any((dense != 0) & ~pattern)
        np.testing.assert_array_equal(hd.grad(f, sparsity="auto")(x), hd.grad(f)(x))
