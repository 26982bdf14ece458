"""Generate mpmath references for the Mathieu and spheroidal characteristic values and
the Mathieu functions ce_m, se_m in their parameters (q; c).

Independent of hyperdiff's rule (src/hyperdiff/_characteristic.py: continued fractions
and the implicit function theorem): each characteristic value is an eigenvalue of the
symmetrized tridiagonal matrix written here from the recurrences (DLMF 28.4.5-8 for
Mathieu, A&S 21.7.3 for the spheroidal lambda_mn, c^2 -> -c^2 oblate), solved whole by
mpmath's ``eigsy`` at 50 digits with 40 rows (the coefficients fall below 1e-40 long
before). First derivatives by Hellmann-Feynman (v^T M' v), second ones by second-order
perturbation theory (v^T M'' v + 2 sum_(k != j) (v_k^T M' v)^2 / (lam_j - lam_k)). The
functions' coefficients are the normalized eigenvectors (DLMF 28.2.30; sign by scipy's
value) and their q-derivatives central differences of them at h = 1e-15 (errors
h^2 ~ 1e-30); the modified functions' by the Bessel-product series (DLMF 28.24) on those
coefficients, checked against scipy's values. Rerun from the repository root (a few
minutes):

    python tests/generate_characteristic_references.py

It overwrites tests/data/characteristic.json (50-digit results rounded to float64).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import scipy.special as sc
from mpmath import mp, mpf

ROWS = 40
OUT = Path(__file__).parent / "data" / "characteristic.json"


def mathieu_matrix(odd: bool, m: int, q: Any) -> tuple[Any, Any, int, list[int]]:
    """(M, dM/dq, the branch's index among M's eigenvalues in order, the wave numbers) of
    ce_m (se_m: odd); the symmetric form scales A_0 of ce_2n by sqrt 2."""
    if not odd and m % 2 == 0:  # ce_2n: a A0 - q A2 = 0, (a - 4) A2 - q (A4 + 2 A0) = 0, ...
        waves, j, corner = [2 * k for k in range(ROWS)], m // 2, 0
    elif not odd:  # ce_2n+1: (a - 1 - q) A1 - q A3 = 0, ...
        waves, j, corner = [2 * k + 1 for k in range(ROWS)], (m - 1) // 2, 1
    elif m % 2 == 1:  # se_2n+1: (a - 1 + q) B1 - q B3 = 0, ...
        waves, j, corner = [2 * k + 1 for k in range(ROWS)], (m - 1) // 2, -1
    else:  # se_2n+2: (a - 4) B2 - q B4 = 0, ...
        waves, j, corner = [2 * k + 2 for k in range(ROWS)], m // 2 - 1, 0
    matrix, slope = mp.zeros(ROWS), mp.zeros(ROWS)
    for k in range(ROWS):
        matrix[k, k] = waves[k] ** 2
        if k + 1 < ROWS:
            off = mp.sqrt(2) if (k == 0 and waves[0] == 0) else mpf(1)
            slope[k, k + 1] = slope[k + 1, k] = off
    slope[0, 0] = corner
    return matrix + q * slope, slope, j, waves


def spheroidal_recurrence(m: int, r: int) -> tuple[Any, Any, Any]:
    """(alpha_r, beta_r, gamma_r) of A&S 21.7.3 per unit of c^2 (beta_r less its constant
    (m + r)(m + r + 1))."""
    alpha = mpf((2 * m + r + 2) * (2 * m + r + 1)) / ((2 * m + 2 * r + 3) * (2 * m + 2 * r + 5))
    beta = mpf(2 * (m + r) * (m + r + 1) - 2 * m * m - 1) / (
        (2 * m + 2 * r - 1) * (2 * m + 2 * r + 3)
    )
    gamma = mpf(r * (r - 1)) / ((2 * m + 2 * r - 3) * (2 * m + 2 * r - 1))
    return alpha, beta, gamma


def spheroidal_matrix(m: int, n: int, sign: int, c: Any) -> tuple[Any, Any, Any, int]:
    """(M, dM/dc, d2M/dc2, the branch's index) of lambda_mn(c), the d_r recurrence
    symmetrized (off-diagonal sqrt(alpha_r gamma_(r+2)))."""
    parity = (n - m) % 2
    t = sign * c * c

    def alpha(r: int) -> Any:
        return spheroidal_recurrence(m, r)[0]

    def beta(r: int) -> Any:
        return spheroidal_recurrence(m, r)[1]

    def gamma(r: int) -> Any:
        return spheroidal_recurrence(m, r)[2]

    base, unit = mp.zeros(ROWS), mp.zeros(ROWS)  # M = base + t unit
    for k in range(ROWS):
        r = 2 * k + parity
        base[k, k] = (m + r) * (m + r + 1)
        unit[k, k] = beta(r)
        if k + 1 < ROWS:
            unit[k, k + 1] = unit[k + 1, k] = mp.sqrt(alpha(r) * gamma(r + 2))
    return base + t * unit, 2 * sign * c * unit, 2 * sign * unit, (n - m) // 2


def eigenpairs(matrix: Any, j: int) -> tuple[list[Any], list[Any], int]:
    values, vectors = mp.eigsy(matrix)
    order = sorted(range(ROWS), key=lambda i: values[i])
    return [values[i] for i in order], [vectors[:, i] for i in order], j


def perturbed(matrix: Any, slope: Any, curvature: Any, j: int) -> list[float]:
    """[lam, lam', lam''] of the j-th eigenvalue of matrix(p) with M' = slope, M'' =
    curvature."""
    values, vectors, _ = eigenpairs(matrix, j)
    v = vectors[j]
    first = (v.T * slope * v)[0]
    second = (v.T * curvature * v)[0]
    for k in range(ROWS):
        if k != j:
            second += 2 * (vectors[k].T * slope * v)[0] ** 2 / (values[j] - values[k])
    return [float(values[j]), float(first), float(second)]


def coefficients(odd: bool, m: int, q: Any, with_value: bool = False) -> Any:
    """The normalized Fourier coefficients (2 A_0^2 + sum A^2 = 1 for ce_2n: the symmetric
    eigenvector with A_0 = v_0 / sqrt 2), sign unfixed, and the wave numbers (and the
    characteristic value)."""
    matrix, _, j, waves = mathieu_matrix(odd, m, q)
    values, vectors, _ = eigenpairs(matrix, j)
    v = [vectors[j][k] for k in range(ROWS)]
    if waves[0] == 0:
        v[0] /= mp.sqrt(2)
    return (v, waves, values[j]) if with_value else (v, waves)


def mathieu_function(odd: bool, m: int, q: float, x: float) -> list[float]:
    """[y_q, y_qq, y_qx, y'_q, y'_qq, y'_qx] of mathieu_cem (sem: odd) at x degrees, y' in
    radians, x-partials per degree."""
    h = mpf(10) ** -15
    center, waves = coefficients(odd, m, mpf(q))
    t = mpf(x) * mp.pi / 180
    trig, dtrig = (mp.sin, mp.cos) if odd else (mp.cos, lambda u: -mp.sin(u))
    y = sum(a * trig(w * t) for a, w in zip(center, waves, strict=True))
    want = sc.mathieu_sem(m, q, x)[0] if odd else sc.mathieu_cem(m, q, x)[0]
    sign = 1 if y * want > 0 else -1
    sides = []
    for shift in (-h, h):
        v, _ = coefficients(odd, m, mpf(q) + shift)
        align = 1 if sum(a * b for a, b in zip(v, center, strict=True)) > 0 else -1
        sides.append([sign * align * a for a in v])
    mid = [sign * a for a in center]
    d1 = [(b - a) / (2 * h) for a, b in zip(*sides, strict=True)]
    d2 = [(a - 2 * c + b) / (h * h) for a, c, b in zip(sides[0], mid, sides[1], strict=True)]
    per_degree = mp.pi / 180
    deriv = (mp.cos, lambda u: -mp.sin(u)) if odd else (lambda u: -mp.sin(u), lambda u: -mp.cos(u))

    def series(coef: list[Any], f: Any, scale: Any) -> Any:
        return sum(a * scale(w) * f(w * t) for a, w in zip(coef, waves, strict=True))

    one = lambda w: 1  # noqa: E731
    out = [
        series(d1, trig, one),
        series(d2, trig, one),
        series(d1, dtrig, lambda w: w) * per_degree,
        series(d1, deriv[0], lambda w: w),
        series(d2, deriv[0], lambda w: w),
        series(d1, deriv[1], lambda w: w * w) * per_degree,
    ]
    return [float(u) for u in out]


def modified_function(odd: bool, kind: int, m: int, q: float, x: float) -> list[float]:
    """[y, y', y_q, y_qq, y_qx, y'_q, y'_qq, y'_qx] of mathieu_modcem1 (kind 2: modcem2;
    odd: modsem1, modsem2) at x, y' = dy/dx, by DLMF 28.24.2-5 with s = 0 (its value checks
    the series against scipy's), q-partials by central differences at h = 1e-15 of y, y'
    and y'' = (a - 2q cosh 2x) y."""
    h = mpf(10) ** -15
    z = mp.besselj if kind == 1 else mp.bessely
    sign = -1 if odd else 1

    def values(p: Any) -> list[Any]:
        a, waves, eigenvalue = coefficients(odd, m, p, with_value=True)
        d, j = waves[0], (m - 1) // 2 if waves[0] else m // 2
        if d == 2:
            j = m // 2 - 1
        u1, u2 = mp.sqrt(p) * mp.exp(-mpf(x)), mp.sqrt(p) * mp.exp(mpf(x))
        y = slope = mpf(0)
        for ell, coefficient in enumerate(a):
            factor = (-1) ** (ell + j) * coefficient / a[0] / (2 if d == 0 else 1)
            for first, second, s in ((ell, ell + d, 1), (ell + d, ell, sign)):
                j1, z2 = mp.besselj(first, u1), z(second, u2)
                dj1, dz2 = mp.besselj(first, u1, 1), z(second, u2, 1)
                y += factor * s * j1 * z2
                slope += factor * s * (-u1 * dj1 * z2 + u2 * j1 * dz2)
        return [y, slope, (eigenvalue - 2 * p * mp.cosh(2 * mpf(x))) * y]

    center, low, high = (values(mpf(q) + t) for t in (0, -h, h))
    first = [(b - a) / (2 * h) for a, b in zip(low, high, strict=True)]
    second = [(a - 2 * c + b) / (h * h) for a, c, b in zip(low, center, high, strict=True)]
    out = [center[0], center[1], first[0], second[0], first[1], first[1], second[1], first[2]]
    return [float(u) for u in out]


def main() -> None:
    mp.dps = 50
    data: dict[str, list[Any]] = {"characteristic": [], "spheroidal": [], "functions": []}
    for odd in (False, True):
        for m in (0, 1, 2, 5):
            if odd and m == 0:
                continue
            for q in (1e-3, 1.0, 20.0, -3.0):
                matrix, slope, j, _ = mathieu_matrix(odd, m, mpf(q))
                data["characteristic"].append(
                    [odd, m, q, *perturbed(matrix, slope, mp.zeros(ROWS), j)]
                )
            for q, x in ((0.5, 23.0), (7.0, 61.0), (-3.0, 140.0)):
                data["functions"].append([odd, m, q, x, *mathieu_function(odd, m, q, x)])
    data["modified"] = []
    for odd in (False, True):
        for kind in (1, 2):
            for m in (0, 1, 2, 5):
                if odd and m == 0:
                    continue
                for q, x in ((1.5, 0.3), (7.0, 1.2)):
                    row = modified_function(odd, kind, m, q, x)
                    data["modified"].append([odd, kind, m, q, x, *row])
    for sign in (1, -1):
        for m, n in ((0, 0), (1, 2), (2, 5), (0, 1)):
            for c in (0.1, 1.5, 12.0):
                matrix, slope, curvature, j = spheroidal_matrix(m, n, sign, mpf(c))
                data["spheroidal"].append([sign, m, n, c, *perturbed(matrix, slope, curvature, j)])
    blocks = [
        f'"{key}": [\n' + ",\n".join(json.dumps(row) for row in rows) + "\n]"
        for key, rows in data.items()
    ]
    OUT.write_text("{\n" + ",\n".join(blocks) + "\n}\n")


if __name__ == "__main__":
    main()
