"""Characteristic values of Mathieu's and the spheroidal equations in their parameters.

a_m(q), b_m(q) (DLMF 28.4.5-8) and the spheroidal lambda_mn(c) (A&S 21.7.3, pro_cv/obl_cv)
are eigenvalues of the tridiagonal recurrences of the functions' coefficients, rows
k = 0 .. N - 1 (entries linear in q, in c^2):
  lo_k v_(k-1) + (di_k - lam) v_k + up_k v_(k+1) = 0.
With v_j = 1 on a row j (the one where v is largest), the rows below j give, upward
from row 0, the ratios
  s_k = v_k / v_(k+1) = -up_k / (di_k - lam + lo_k s_(k-1)),
the rows above, downward from r_N = 0 (the coefficients fall super-exponentially: N is
where they are below 1e-17 of the largest),
  r_k = v_k / v_(k-1) = -lo_k / (di_k - lam + up_k r_(k+1)),
and row j is left over: g(lam) = lo_j s_(j-1) + di_j - lam + up_j r_(j+1) vanishes at the
eigenvalues. scipy's value stays the value; lam is that value after one Newton step on
g, and where it is no eigenvalue of the branch (the Sturm count of the matrix around it
is not the branch's index; scipy's mathieu_a(4, 1e4) is -19003, a_2's, the eigenvalue
-18210): nan. With w the left eigenvector's weights (w M = M^T w, w v the left vector),
Hellmann-Feynman and its derivative give, exact to the truncation,
  lam' = sum w v (M' v) / sum w v^2,
  lam'' = sum w v (M'' v + 2 (M' - lam') v') / sum w v^2,
v' the ratios run on a dual p with lam + lam' dp (the same eigenvalue as the matrix's,
without its O(N^3) solve or the normwise rounding of its small eigenvalues; the implicit
function theorem on g's partials lost up to 200 ulps of lam'' at large c). The functions
ce_m, se_m (sums of the coefficients times cos/sin) and Mc_m, Ms_m (sums of them times
products of Bessel functions) in q run the same ratios on dual arrays with lam's parts
put in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Rows = tuple[list[Any], list[Any], list[Any]]
# (p, count) -> the rows' (lo, di, up), each a list of count entries (p a float or dual array)
RowMaker = Callable[[Any, int], Rows]

_TAIL = 1e-17  # the truncation: the last coefficient below this times the largest
_MAX_TERMS = 20_000


def _seeded(*args: Any) -> list[Any]:
    """args (float arrays, broadcast) as HyperDualVec(len(args)) arrays seeded each in its
    own direction: a function of them has its gradient and Hessian's upper triangle (row
    by row) as its planes 1.."""
    from ._multivariate import hyperdualvec

    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    n = len(arrays)
    eye = np.eye(n).reshape((n, n) + (1,) * arrays[0].ndim)
    return [
        hyperdualvec(a, np.broadcast_to(seed, (n, *a.shape)))
        for a, seed in zip(arrays, eye, strict=True)
    ]


def _ratios(rows: Rows, lam: Any, j: int) -> tuple[list[Any], list[Any]]:
    """The ratios s_k (k < j) and r_k (k > j, None elsewhere) at lam."""
    lo, di, up = rows
    count = len(di)
    s: list[Any] = [None] * count
    r: list[Any] = [None] * (count + 1)
    for k in range(j):
        denominator = di[k] - lam if k == 0 else di[k] - lam + lo[k] * s[k - 1]
        s[k] = -up[k] / denominator
    for k in range(count - 1, j, -1):
        denominator = di[k] - lam if k == count - 1 else di[k] - lam + up[k] * r[k + 1]
        r[k] = -lo[k] / denominator
    return s, r


def _residual(rows: Rows, lam: Any, j: int) -> Any:
    """g(lam): row j of the recurrence with v_j = 1 and the ratios above and below."""
    lo, di, up = rows
    s, r = _ratios(rows, lam, j)
    g = di[j] - lam
    if j > 0:
        g = g + lo[j] * s[j - 1]
    if j + 1 < len(di):
        g = g + up[j] * r[j + 1]
    return g


def vector(rows: Rows, lam: Any, j: int) -> list[Any]:
    """The eigenvector's coefficients v_0 .. v_(N-1) at lam, v_j = 1."""
    s, r = _ratios(rows, lam, j)
    count = len(rows[1])
    v: list[Any] = [None] * count
    v[j] = 1.0 + 0.0 * lam
    for k in range(j - 1, -1, -1):
        v[k] = s[k] * v[k + 1]
    for k in range(j + 1, count):
        v[k] = r[k] * v[k - 1]
    return v


def _below(rows: Rows, lam: Any) -> Any:
    """How many eigenvalues of the (symmetrizable: lo_(k+1) up_k >= 0) matrix are below lam:
    the negative pivots of its LDL^T (Sturm)."""
    lo, di, up = rows
    count = np.zeros(np.shape(lam), dtype=np.intp)
    pivot = None
    tiny = np.finfo(np.float64).tiny
    for k in range(len(di)):
        pivot = di[k] - lam if k == 0 else di[k] - lam - lo[k] * up[k - 1] / pivot
        pivot = np.where(pivot == 0, -tiny, pivot)
        count += pivot < 0
    return count


def terms(make: RowMaker, p: Any, lam: Any, j: int, start: int) -> int:
    """A truncation N from start up at which the eigenvector's last coefficient at lam is
    below 1e-17 of its largest for every element (N grows by half until it is)."""
    count = max(start, j + 4)
    while True:
        with np.errstate(all="ignore"):
            v = np.abs(np.array(vector(make(p, count), lam, j)))
        if np.all(v[-1] <= _TAIL * np.max(v, axis=0)) or count > _MAX_TERMS:
            return count
        count += count // 2


def _weights(make: RowMaker, count: int) -> np.ndarray:
    """w with w_k v_k the left eigenvector (w M = M^T w: w_(k+1) = w_k up_k / lo_(k+1), the
    same at every p as the rows' off-diagonals are both proportional to p, to c^2)."""
    lo, _, up = make(1.0, count)
    w = np.ones(count)
    for k in range(count - 1):
        w[k + 1] = w[k] * up[k] / lo[k + 1]
    return w


def _product(entries: np.ndarray, v: np.ndarray) -> np.ndarray:
    """M v for M's (lo, di, up) stacked as (3, N, n) and v (N, n)."""
    lo, di, up = entries
    out: np.ndarray = di * v
    out[1:] += lo[1:] * v[:-1]
    out[:-1] += up[:-1] * v[1:]
    return out


def derivatives(make: RowMaker, p: Any, value: Any, j: int, start: int) -> tuple[Any, ...]:
    """(lam, lam', lam'', N, the rows the ratios meet on) of the j-th eigenvalue of the
    recurrence near scipy's value (a float array like p) in the parameter p: lam is value
    after one Newton step on g (lam_g = -sum_k w_k v_k^2 / (w_row v_row^2)), nan (with its
    partials) where that is not the j-th eigenvalue. The ratios meet on the row where the
    eigenvector is largest (for large |p| v_j may be near 0, and g's terms 1/v_j large),
    once per distinct such row."""
    from ._arrays import dual, hyperdual

    p = np.asarray(p, dtype=np.float64)
    value = np.broadcast_to(np.asarray(value, dtype=np.float64), p.shape)
    finite = np.isfinite(value) & np.isfinite(p)
    p0, value0 = np.where(finite, p, 0.0), np.where(finite, value, 0.0)
    count = terms(make, p0, value0, j, start)
    weights = _weights(make, count)[:, None]
    lam, first, second = (np.empty(p.shape) for _ in range(3))
    with np.errstate(all="ignore"):
        sizes = np.abs(np.array(vector(make(p0, count), value0, j)))
        rows = np.argmax(np.where(np.isnan(sizes), -1.0, sizes), axis=0)
        for row in np.unique(rows):
            at, k = rows == row, int(row)
            q = p0[at]
            g = _residual(make(q, count), dual(value0[at], 1.0), k)._stack
            lam[at] = a = value0[at] - g[0] / g[1]  # (Newton)
            # M' and M'' (planes e1, e12 of the rows at a hyper-dual p), v and v' = dv/dp
            # along the branch (the ratios at a dual p and a + a' dp)
            entries = np.array([[e._stack for e in u] for u in make(hyperdual(q, 1.0, 1.0), count)])
            v = np.array(vector(make(q, count), a, k))
            norm = np.sum(weights * v * v, axis=0)
            slope = _product(entries[:, :, 1], v)
            first[at] = a1 = np.sum(weights * v * slope, axis=0) / norm
            step = dual(q, 1.0) - q
            v1 = np.array([u._stack[1] for u in vector(make(q + step, count), a + a1 * step, k)])
            # M v = a v differentiated twice, times w v: a'' sum w v^2 = sum w v (M'' v
            # + 2 (M' - a') v') (w v M = a w v: the terms in v'' and a' v cancel)
            bent = _product(entries[:, :, 3], v) + 2 * (_product(entries[:, :, 1], v1) - a1 * v1)
            second[at] = np.sum(weights * v * bent, axis=0) / norm
        matrix = make(p0, count)
        width = 1e-9 * (1 + np.abs(lam))
        branch = (_below(matrix, lam - width) == j) & (_below(matrix, lam + width) == j + 1)
    good = finite & branch & (np.abs(lam - value0) <= width)
    return (*(np.where(good, d, np.nan) for d in (lam, first, second)), count, rows)


def _flat(*args: Any) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """The shape args broadcast to, and args broadcast as 1-d float arrays."""
    arrays = np.broadcast_arrays(*(np.asarray(a, np.float64) for a in args))
    return arrays[0].shape, [np.ravel(u) for u in arrays]


def _shaped(parts: tuple[Any, ...], shape: tuple[int, ...]) -> tuple[Any, ...]:
    return tuple(np.reshape(p, shape) for p in parts)


def by_order(orders: Any, solve: Callable[[int, Any], tuple[Any, Any]]) -> tuple[Any, Any]:
    """solve(order, mask) -> (f', f'') on the elements of that order (a boolean mask of
    orders' shape), run once per distinct order; nan where the order is not an integer
    >= 0."""
    orders = np.asarray(orders, dtype=np.float64)
    out = np.full((2, *orders.shape), np.nan)
    valid = np.isfinite(orders) & (orders == np.trunc(orders)) & (orders >= 0)
    for order in np.unique(orders[valid]):
        mask = valid & (orders == order)
        out[0][mask], out[1][mask] = solve(int(order), mask)
    return out[0], out[1]


# --- Mathieu (DLMF 28.4.5-8): the four recurrences of ce_m (A) and se_m (B) ------------------
#   ce_2n:   a A_0 - q A_2 = 0, (a - 4) A_2 - q (A_4 + 2 A_0) = 0, wave numbers 2k
#   ce_2n+1: (a - 1 - q) A_1 - q A_3 = 0,                           wave numbers 2k + 1
#   se_2n+1: (a - 1 + q) B_1 - q B_3 = 0,                           wave numbers 2k + 1
#   se_2n+2: (a - 4) B_2 - q B_4 = 0,                               wave numbers 2k + 2
# and (a - w_k^2) C_k - q (C_(k+1) + C_(k-1)) = 0 beyond; the branch's row j = floor((m - 1)/2)
# (m/2 for ce_2n); normalized as DLMF 28.2.30: 2 A_0^2 + sum A^2 = 1 (ce_2n), sum = 1 else.


def mathieu_layout(odd: bool, m: int) -> tuple[int, int, float]:
    """(j, the wave number of row 0, the weight of v_0^2 in the normalization)."""
    if not odd:
        return (m // 2, 0, 2.0) if m % 2 == 0 else ((m - 1) // 2, 1, 1.0)
    return ((m - 1) // 2, 1, 1.0) if m % 2 == 1 else (m // 2 - 1, 2, 1.0)


def mathieu_rows(odd: bool, m: int) -> RowMaker:
    _, first, _ = mathieu_layout(odd, m)

    def make(q: Any, count: int) -> Rows:
        zero = 0.0 * q
        di = [float((2 * k + first) ** 2) + zero for k in range(count)]
        if first == 1:  # (a - 1 -+ q): +q for ce, -q for se
            di[0] = di[0] + (-q if odd else q)
        lo = [2 * q if (k == 1 and first == 0) else q for k in range(count)]
        up = [q for _ in range(count)]
        return lo, di, up

    return make


def _largest(p: Any, value: Any) -> float:
    """max |p| where p and scipy's value are finite (elsewhere the derivatives are nan)."""
    p, value = np.broadcast_arrays(np.abs(np.asarray(p, np.float64)), np.asarray(value))
    return float(np.max(p[np.isfinite(p) & np.isfinite(value)], initial=0.0))


def check_range(name: str, argument: str, p: Any, value: Any, limit: float) -> None:
    """A TypeError naming scipy's function where |p| exceeds the range the rows are run in
    (their count grows as sqrt|q|, as |c|), at points where scipy has a value."""
    if _largest(p, value) > limit:
        raise TypeError(
            f"hyperdiff differentiates scipy.special.{name} only for |{argument}| <= "
            f"{limit:g} (its characteristic value's recurrence, truncated where the "
            "coefficients fall below 1e-17, grows with it)"
        )


def mathieu_start(m: int, q: Any, value: Any) -> int:
    """A first truncation: the coefficients fall once w_k^2 >> |q|."""
    return m // 2 + 12 + int(2 * math.sqrt(_largest(q, value)))


def mathieu_value(odd: bool) -> Callable[[Any, Any], Any]:
    """scipy's mathieu_a (mathieu_b: odd)."""
    import scipy.special as sc

    return sc.mathieu_b if odd else sc.mathieu_a  # type: ignore[no-any-return]


def mathieu_characteristic(odd: bool, value: Any, m: Any, q: Any) -> tuple[Any, Any]:
    """(a', a'') of a_m(q) (b_m: odd) at scipy's values; nan where scipy's value is nan
    (m not an integer >= 0, or >= 1 for b) or no characteristic value."""
    shape, (m, q, value) = _flat(m, q, value)

    def solve(order: int, mask: Any) -> tuple[Any, Any]:
        if odd and order == 0:
            return np.nan, np.nan
        j, _, _ = mathieu_layout(odd, order)
        make = mathieu_rows(odd, order)
        _, first, second, *_ = derivatives(
            make, q[mask], value[mask], j, mathieu_start(order, q[mask], value[mask])
        )
        return first, second

    return _shaped(by_order(m, solve), shape)


def mathieu_coefficients(odd: bool, m: int, q: float, value: Any) -> tuple[Any, Any]:
    """(A', A'') in q of scipy's Fourier coefficients value = mathieu_even_coef(m, q)
    (odd: mathieu_odd_coef): the eigenvector normalized as DLMF 28.2.30 on a dual q with
    a(q)'s parts, scipy's sign (its largest coefficient's), 0 beyond the truncation; a
    TypeError where scipy's coefficients are not the eigenvector's within 1e-10 of the
    largest (or no characteristic value)."""
    j, _, weight = mathieu_layout(odd, m)
    make = mathieu_rows(odd, m)
    value = np.asarray(value, dtype=np.float64)
    qs = np.array([q], dtype=np.float64)
    a = mathieu_value(odd)(m, qs)
    start = max(mathieu_start(m, qs, a), value.size)
    lam, first, second, count, rows = derivatives(make, qs, a, j, start)
    (q_d,) = _seeded(qs)
    step = q_d - qs
    with np.errstate(all="ignore"):
        v = vector(make(q_d, count), lam + first * step + second / 2 * step * step, int(rows[0]))
        norm = np.sqrt(weight * v[0] * v[0] + sum(u * u for u in v[1:]))
        planes = np.array([(u / norm)._stack[:, 0] for u in v])  # (A, A', A'') per row
    out = np.zeros((value.size, 3))
    out[: min(count, value.size)] = planes[: value.size]
    largest = int(np.argmax(np.abs(value)))
    out *= -1.0 if out[largest, 0] * value[largest] < 0 else 1.0
    if not np.all(np.abs(out[:, 0] - value) <= 1e-10 * np.abs(value[largest])):
        name = f"mathieu_{'odd' if odd else 'even'}_coef"
        raise TypeError(
            f"hyperdiff cannot differentiate scipy.special.{name} in q at m, q = {m}, {q:g}: "
            "scipy's coefficients there are not the normalized eigenvector of their "
            "recurrence at its characteristic value (within 1e-10 of the largest)"
        )
    return out[:, 1], out[:, 2]


# A function's sum on the eigenvector v (v_row = 1) at dual (q, x): (y, y', the sizes of
# y's terms, of y''s), each size an array over the elements
Series = Callable[[int, list[Any], Any, Any, int], tuple[Any, Any, Any, Any]]


def _fourier(odd: bool) -> Series:
    """ce_m (se_m: odd) = sum_k C_k cos(w_k x) (sin), x in degrees, y' = dy/dx in radians;
    C = v normalized (DLMF 28.2.30), its sign left to the caller."""

    def series(order: int, v: list[Any], q: Any, x: Any, row: int) -> tuple[Any, ...]:
        _, start, weight = mathieu_layout(odd, order)
        waves = np.arange(len(v)) * 2 + start
        norm = np.sqrt(weight * v[0] * v[0] + sum(u * u for u in v[1:]))
        phases = [w * (x * (math.pi / 180)) for w in waves]
        if odd:
            y = sum(u * np.sin(p) for u, p in zip(v, phases, strict=True))
            yp = sum(w * u * np.cos(p) for w, u, p in zip(waves, v, phases, strict=True))
        else:
            y = sum(u * np.cos(p) for u, p in zip(v, phases, strict=True))
            yp = -sum(w * u * np.sin(p) for w, u, p in zip(waves, v, phases, strict=True))
        sizes = np.abs([u._stack[0] for u in v]) / norm._stack[0]
        return y / norm, yp / norm, np.sum(sizes, axis=0), waves @ sizes

    return series


def _bessel_products(odd: bool, kind: int) -> Series:
    """Mc_m^(kind) (Ms: odd) by DLMF 28.24.2-5, h = sqrt(q), u1 = h e^-x, u2 = h e^x, s the
    row where v is largest (v_s = 1), d = the first wave number (0, 1, 2), Z = J (kind 1)
    or Y (kind 2):
      eps_s (-1)^j y = sum_l (-1)^l v_l (J_(l-s)(u1) Z_(l+s+d)(u2) +- J_(l+s+d)(u1) Z_(l-s)(u2))
    (+ for Mc, - for Ms; eps_0 = 2 for Mc_2n, else 1), y' = dy/dx termwise with
    du1/dx = -u1, du2/dx = u2, Z_k' = (Z_(k-1) - Z_(k+1))/2."""
    import scipy.special as sc

    def series(order: int, v: list[Any], q: Any, x: Any, row: int) -> tuple[Any, ...]:
        j, d, _ = mathieu_layout(odd, order)
        h = np.sqrt(q)
        u1, u2 = h * np.exp(-x), h * np.exp(x)
        orders = range(-row - 1, len(v) + row + d + 1)
        first = {k: sc.jv(k, u1) for k in orders}
        other = {k: (sc.jv if kind == 1 else sc.yv)(k, u2) for k in orders}

        def pair(a: int, b: int) -> tuple[Any, Any]:  # J_a(u1) Z_b(u2) and its d/dx
            slope = u2 * first[a] * (other[b - 1] - other[b + 1]) - u1 * other[b] * (
                first[a - 1] - first[a + 1]
            )
            return first[a] * other[b], slope / 2

        sign = -1.0 if odd else 1.0
        terms, slopes = [], []
        for ell, u in enumerate(v):
            (p, dp), (r, dr) = pair(ell - row, ell + row + d), pair(ell + row + d, ell - row)
            factor = (-1.0) ** (ell + j) * u / (2.0 if d == 0 and row == 0 else 1.0)
            terms.append(factor * (p + sign * r))
            slopes.append(factor * (dp + sign * dr))
        sizes = [np.sum(np.abs([t._stack[0] for t in u]), axis=0) for u in (terms, slopes)]
        return sum(terms), sum(slopes), sizes[0], sizes[1]

    return series


def mathieu_function(
    odd: bool, value: Any, m: Any, q: Any, x: Any, series: Series | None = None
) -> tuple[Any, ...]:
    """The partials in q of scipy's (y, y') = mathieu_cem(m, q, x) (sem: odd; or of another
    series, for the modified functions): (y_q, y_qq, y_qx, y'_q, y'_qq, y'_qx), y' = dy/dx.
    The series on the eigenvector v runs on a HyperDualVec of (q, x) whose a carries a(q)'s
    parts; ce, se take scipy's sign; nan where scipy's value is nan, no characteristic
    value, or not this sum (beyond 1e-9 of its terms' sizes: where y is exponentially
    small, both cancel, scipy's to ~1e-10 of it)."""
    signed = series is None
    run = _fourier(odd) if series is None else series
    shape, (m, q, x, y0, yp0) = _flat(m, q, x, *value)
    out = np.full((6, *m.shape), np.nan)
    valid = np.isfinite(m) & (m == np.trunc(m)) & (m >= 1 if odd else m >= 0)
    for order in np.unique(m[valid]):
        mask = valid & (m == order)
        j, _, _ = mathieu_layout(odd, int(order))
        make = mathieu_rows(odd, int(order))
        qs = q[mask]
        a = mathieu_value(odd)(order, qs)
        start = mathieu_start(int(order), qs, a)
        lam, first, second, count, rows = derivatives(make, qs, a, j, start)
        parts = np.full((6, qs.size), np.nan)
        for row in np.unique(rows):
            at = rows == row
            q_d, x_d = _seeded(qs[at], x[mask][at])
            step = q_d - qs[at]
            a_d = lam[at] + first[at] * step + second[at] / 2 * step * step
            with np.errstate(all="ignore"):
                v = vector(make(q_d, count), a_d, int(row))
                y, yp, size, slope_size = run(int(order), v, q_d, x_d, int(row))
            want_y, want_yp = y0[mask][at], yp0[mask][at]
            ours_y, ours_yp = y._stack, yp._stack
            sign = np.where(signed & (ours_y[0] * want_y + ours_yp[0] * want_yp < 0), -1.0, 1.0)
            close = (np.abs(sign * ours_y[0] - want_y) <= 1e-9 * size) & (
                np.abs(sign * ours_yp[0] - want_yp) <= 1e-9 * slope_size
            )
            # planes: f, f_q, f_x, f_qq, f_qx, f_xx
            for i, (data, plane) in enumerate(
                ((ours_y, 1), (ours_y, 3), (ours_y, 4), (ours_yp, 1), (ours_yp, 3), (ours_yp, 4))
            ):
                parts[i, at] = np.where(close, sign * data[plane], np.nan)
        out[:, mask] = parts
    return _shaped(tuple(out), shape)


def modified_mathieu_function(
    odd: bool, kind: int, value: Any, m: Any, q: Any, x: Any
) -> tuple[Any, ...]:
    """mathieu_function's partials of scipy's (y, y') = mathieu_modcem1(m, q, x) (kind 2:
    modcem2; odd: modsem1, modsem2), x in radians, by the Bessel-product series."""
    return mathieu_function(odd, value, m, q, x, _bessel_products(odd, kind))


# --- spheroidal (A&S 21.7.3): lambda_mn(c) of the coefficients d_r, r = n - m mod 2, + 2k ----
#   alpha_r d_(r+2) + (beta_r - lambda) d_r + gamma_r d_(r-2) = 0,
#   alpha_r = (2m + r + 2)(2m + r + 1) t / ((2m + 2r + 3)(2m + 2r + 5)),
#   beta_r = (m + r)(m + r + 1)
#            + (2 (m + r)(m + r + 1) - 2m^2 - 1) t / ((2m + 2r - 1)(2m + 2r + 3)),
#   gamma_r = r (r - 1) t / ((2m + 2r - 3)(2m + 2r - 1)),
# t = c^2 (prolate) or -c^2 (oblate); the branch's row j = (n - m) // 2.


def spheroidal_rows(m: int, n: int, sign: float) -> RowMaker:
    parity = (n - m) % 2

    def make(c: Any, count: int) -> Rows:
        t = sign * c * c
        lo, di, up = [], [], []
        for k in range(count):
            r = 2 * k + parity
            up.append(
                (2 * m + r + 2) * (2 * m + r + 1) / ((2 * m + 2 * r + 3) * (2 * m + 2 * r + 5)) * t
            )
            b = (2 * (m + r) * (m + r + 1) - 2 * m * m - 1) / (
                (2 * m + 2 * r - 1) * (2 * m + 2 * r + 3)
            )
            di.append((m + r) * (m + r + 1) + b * t)
            lo.append(r * (r - 1) / ((2 * m + 2 * r - 3) * (2 * m + 2 * r - 1)) * t)
        return lo, di, up

    return make


def spheroidal_characteristic(sign: float, value: Any, m: Any, n: Any, c: Any) -> tuple[Any, Any]:
    """(lambda', lambda'') in c of pro_cv(m, n, c) (obl_cv: sign -1) at scipy's values; nan
    where scipy's value is nan (m, n not integers with 0 <= m <= n) or no characteristic
    value."""
    shape, (m, n, c, value) = _flat(m, n, c, value)
    keys = np.where((n >= 0) & (n < _DEGREES), m * _DEGREES + n, np.nan)

    def solve(key: int, mask: Any) -> tuple[Any, Any]:
        order, degree = divmod(key, _DEGREES)
        if degree < order:
            return np.nan, np.nan
        j = (degree - order) // 2
        start = j + 12 + int(_largest(c[mask], value[mask]))
        make = spheroidal_rows(order, degree, sign)
        _, first, second, *_ = derivatives(make, c[mask], value[mask], j, start)
        return first, second

    return _shaped(by_order(keys, solve), shape)


_DEGREES = 1 << 20  # (m and n in one key: n below this)


# --- the spheroidal functions of the first kind in c (Flammer; scipy's specfun ASWFA, RMN1) --
#   S_mn(c, x) = sum_r d_r P^m_(m+r)(x)                                      (pro/obl_ang1)
#   R_mn(c, x) = A(x) sum_r i^(r+m-n) d_r (2m+r)!/r! j_(m+r)(c x) / sum_r d_r (2m+r)!/r!
#                                                                          (pro/obl_rad1)
# over r = n - m mod 2, + 2k, d the eigenvector of the recurrence above, P^m_l without
# Condon-Shortley's (-1)^m (scipy's LPMNS), A = (1 - kd/x^2)^(m/2) (kd = 1 prolate, -1
# oblate). Flammer's normalization: S_mn(c, 0) = P^m_n(0) (n - m even), S_mn'(c, 0) =
# P^m_n'(0) (odd): sum_r d_r W_r = 1 with W_r = P^m_(m+r)(0)/P^m_n(0) (the derivatives at
# 0, odd); R does not depend on it. scipy's values are these sums (to 1e-12 where its
# specfun is accurate: tests/generate_spheroidal_references.py evaluates them at 70 digits).
# (y, y', the sizes of y's terms, of y''s) at dual (c, x) from the eigenvector v (any scale)
Expansion = Callable[[int, int, list[Any], Any, Any], tuple[Any, Any, Any, Any]]


def _legendre_at_zero(m: int, n: int, count: int) -> np.ndarray:
    """W_r of the rows: P^m_l(0) = (-1)^((l-m)/2) (l+m-1)!!/(l-m)!! (l - m even) and
    P^m_l'(0) = (l + m) P^m_(l-1)(0) change by -(l+m+1)/(l-m+2) and -(l+m+2)/(l-m+1) two
    degrees up."""
    parity = (n - m) % 2
    ratios = np.ones(count)
    for k in range(1, count):
        ell = m + 2 * (k - 1) + parity
        ratios[k] = (
            -(ell + m + 1) / (ell - m + 2) if parity == 0 else -(ell + m + 2) / (ell - m + 1)
        )
    w = np.cumprod(ratios)
    out: np.ndarray = w / w[(n - m) // 2]
    return out


def _double_factorial(a: int) -> float:
    """a!! (an exact integer, then one rounding; 1 for a <= 0)."""
    return float(math.prod(range(a, 0, -2)))


def _angular(m: int, n: int, v: list[Any], c: Any, x: Any) -> tuple[Any, ...]:
    """S and S' = dS/dx by P^m_m = (2m-1)!! (1 - x^2)^(m/2), P^m_(m+1) = (2m+1) x P^m_m,
    (l - m) P^m_l = (2l - 1) x P^m_(l-1) - (l + m - 1) P^m_(l-2), and
    (1 - x^2) P^m_l' = (l + m) P^m_(l-1) - l x P^m_l."""
    parity = (n - m) % 2
    weights = _legendre_at_zero(m, n, len(v))
    norm = sum(u * w for u, w in zip(v, weights, strict=True))
    one = 1 - x * x
    below = 0.0 * x  # P^m_(l-1)
    here = _double_factorial(2 * m - 1) * (one ** (m // 2) if m % 2 == 0 else one ** (m / 2))
    y = yp_high = yp_low = 0.0 * x
    size = slope_size = 0.0
    ell = m
    for k in range(len(v)):
        while ell < m + 2 * k + parity:
            ell += 1
            below, here = here, ((2 * ell - 1) * x * here - (ell + m - 1) * below) / (ell - m)
        term = v[k] * here
        low, high = v[k] * ((ell + m) * below), v[k] * (ell * here)
        y, yp_low, yp_high = y + term, yp_low + low, yp_high + high
        size = size + np.abs(term._stack[0])
        slope_size = slope_size + np.abs(low._stack[0]) + np.abs(high._stack[0] * x._stack[0])
    y, yp = y / norm, (yp_low - x * yp_high) / one / norm
    n0 = np.abs(norm._stack[0])
    spread = sum(np.abs(u._stack[0] * w) for u, w in zip(v, weights, strict=True)) / n0
    return (
        y,
        yp,
        size / n0 + np.abs(y._stack[0]) * spread,
        slope_size / (n0 * np.abs(one._stack[0])) + np.abs(yp._stack[0]) * spread,
    )


# j_k and its derivatives 1..3 at real arguments (_special's spherical Bessel rule)
Bessel = Callable[[int, Any], tuple[Any, ...]]


def _radial(kd: float, bessel: Bessel) -> Expansion:
    """R and R' = dR/dx = A' T/N + c A T'/N (T, N the sums above, T' with j'), A' = m kd A /
    (x (x^2 - kd)); j_k and j_k' of the dual z = c x as their second-order Taylor
    polynomials about z's value (exact for these kinds: (z - z0)^3 has no parts)."""

    def expansion(m: int, n: int, v: list[Any], c: Any, x: Any) -> tuple[Any, ...]:
        parity = (n - m) % 2
        z = c * x
        z0 = z._stack[0]
        dz = z - z0
        dz2 = dz * dz
        total = slope = norm = 0.0 * z
        size = slope_size = spread = 0.0
        factor = 1.0  # (2m+r)!/r! relative to r = parity's
        for k, u in enumerate(v):
            r = 2 * k + parity
            if k:
                factor *= (2 * m + r) * (2 * m + r - 1) / (r * (r - 1))
            phase = -1.0 if ((r + m - n) // 2) % 2 else 1.0
            weight = u * factor
            j0, j1, j2, j3 = bessel(m + r, z0)
            term = weight * (phase * (j0 + j1 * dz + j2 / 2 * dz2))
            rate = weight * (phase * (j1 + j2 * dz + j3 / 2 * dz2))
            total, slope, norm = total + term, slope + rate, norm + weight
            size = size + np.abs(term._stack[0])
            slope_size = slope_size + np.abs(rate._stack[0])
            spread = spread + np.abs(weight._stack[0])
        if m:
            a = (1 - kd / (x * x)) ** (m / 2)
            da = m * kd * a / (x * (x * x - kd))
        else:  # (A = 1, also at the oblate x = 0)
            a, da = 1.0 + 0.0 * x, 0.0 * x
        y, yp = a * total / norm, (da * total + c * a * slope) / norm
        n0 = np.abs(norm._stack[0])
        scale, spread = np.abs(a._stack[0]) / n0, spread / n0
        return (
            y,
            yp,
            size * scale + np.abs(y._stack[0]) * spread,
            np.abs(da._stack[0]) / n0 * size
            + np.abs(c._stack[0]) * scale * slope_size
            + np.abs(yp._stack[0]) * spread,
        )

    return expansion


# the terms' sizes (with the normalization sum's relative spread) over the function's
# amplitude at most: the partials' rounding errors stay below ~2e-11 of it
_CANCELLATION = 1e5


def _agrees(ours: Any, theirs: Any, size: Any, amplitude: Any) -> Any:
    """ours within 1e-10 of scipy's value, relative to the function's amplitude (not its
    value, which crosses 0 in x), and the sum not cancelling beyond _CANCELLATION: where it
    does (where the function is exponentially small, e.g. pro_ang1(1, 2, 40, 0.95) =
    1.06e-11 from terms of 0.48, or where the normalization sum cancels, as for the
    prolate radial functions at large c: terms 1e12 times pro_rad1(1, 5, 40, x), whose
    values scipy computes to 3e-5), the partials lose as many digits."""
    return (np.abs(ours - theirs) <= 1e-10 * amplitude) & (size <= _CANCELLATION * amplitude)


def spheroidal_function(
    sign: float,
    radial: Bessel | None,
    name: str,
    value: Any,
    m: Any,
    n: Any,
    c: Any,
    x: Any,
) -> tuple[Any, ...]:
    """The partials in c of scipy's (y, y') = pro_ang1(m, n, c, x) (radial, the spherical
    Bessel functions' derivatives: pro_rad1; sign -1: obl_ang1, obl_rad1), y' = dy/dx:
    (y_c, y_cc, y_cx, y'_c, y'_cc, y'_cx). The expansion on the eigenvector runs on a
    HyperDualVec of (c, x) whose lambda carries lambda(c)'s parts;
    nan where scipy's value is nan; a TypeError naming the function where scipy's value is
    finite and the expansion's does not agree with it, or cancels (_agrees: scipy's specfun
    loses digits at large c, e.g. obl_ang1(2, 5, 30, 0.5) is -230022.23, the expansion at
    30 digits -230021.53; pro_ang1(2, 5, 50, 0.5) 8e-8 off; and at c < 0 it answers
    c = 0's)."""
    import scipy.special as sc

    expansion = _angular if radial is None else _radial(sign, radial)
    shape, (m, n, c, x, y0, yp0) = _flat(m, n, c, x, *value)
    m, n = np.trunc(m), np.trunc(n)  # (as scipy's)
    out = np.full((6, *m.shape), np.nan)
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(y0) & np.isfinite(yp0) & (m >= 0) & (n >= m) & (n < _DEGREES)
    keys = np.where(valid, m * _DEGREES + n, -1.0)
    for key in np.unique(keys[valid]):
        mask = valid & (keys == key)
        order, degree = divmod(int(key), _DEGREES)
        j = (degree - order) // 2
        make = spheroidal_rows(order, degree, sign)
        cs, xs = c[mask], x[mask]
        lam0 = (sc.pro_cv if sign > 0 else sc.obl_cv)(order, degree, cs)
        start = j + 12 + int(_largest(cs, lam0))
        lam, first, second, count, rows = derivatives(make, cs, lam0, j, start)
        parts = np.full((6, cs.size), np.nan)
        close = np.zeros(cs.size, dtype=bool)
        for row in np.unique(rows):
            at = rows == row
            c_d, x_d = _seeded(cs[at], xs[at])
            step = c_d - cs[at]
            lam_d = lam[at] + first[at] * step + second[at] / 2 * step * step
            with np.errstate(all="ignore"):
                v = vector(make(c_d, count), lam_d, int(row))
                y, yp, size, slope_size = expansion(order, degree, v, c_d, x_d)
            ours_y, ours_yp = y._stack, yp._stack
            # amplitudes: |y| + |y'|/(1 + |c|) (x-derivatives scale as c), and for y'
            want_y, want_yp, rate = y0[mask][at], yp0[mask][at], 1 + np.abs(cs[at])
            amplitude = np.abs(want_y) + np.abs(want_yp) / rate
            close[at] = _agrees(ours_y[0], want_y, size, amplitude) & _agrees(
                ours_yp[0], want_yp, slope_size, amplitude * rate
            )
            # planes: f, f_c, f_x, f_cc, f_cx, f_xx
            for i, (data, plane) in enumerate(
                ((ours_y, 1), (ours_y, 3), (ours_y, 4), (ours_yp, 1), (ours_yp, 3), (ours_yp, 4))
            ):
                parts[i, at] = data[plane]
        if not np.all(close):
            bad = np.flatnonzero(~close)[0]
            raise TypeError(
                f"hyperdiff cannot differentiate scipy.special.{name} in c at m, n, c, x = "
                f"{order}, {degree}, {cs[bad]:g}, {xs[bad]:g}: scipy's value there is not "
                "its expansion on the characteristic value's eigenvector within 1e-10, or "
                "that expansion cancels beyond 1e5 (scipy's specfun loses digits at large c, "
                "the expansions where the function is exponentially small; at c < 0 scipy "
                "answers c = 0's; obl_rad1 at x = 0 for m > 0: not by this expansion)"
            )
        out[:, mask] = parts
    return _shaped(tuple(out), shape)
