"""Generate mpmath references for the spheroidal functions of the first kind in c
(scipy.special.pro_ang1, obl_ang1, pro_rad1, obl_rad1 and their x-derivatives).

mpmath has no spheroidal functions, so they are evaluated here at 70 digits from
Flammer's expansions, independently of hyperdiff's rule (src/hyperdiff/_characteristic.py:
continued fractions and dual arithmetic in float64):
  S_mn(c, x) = sum_r d_r P^m_(m+r)(x),
  R_mn(c, x) = (1 - kd/x^2)^(m/2) sum_r i^(r+m-n) d_r (2m+r)!/r! j_(m+r)(cx)
               / sum_r d_r (2m+r)!/r!,
r = n - m mod 2, + 2k, kd = 1 prolate, -1 oblate, d the eigenvector of the whole
symmetrized recurrence (A&S 21.7.3, c^2 -> -c^2 oblate) by mpmath's ``eigsy``, P^m_l
the Legendre functions without Condon-Shortley's (-1)^m (scipy's; by their recurrence,
checked against mpmath's legenp), Flammer's normalization S_mn(c, 0) = P^m_n(0)
(n - m even), dS_mn/dx(c, 0) = P^m_n'(0) (odd), j_l(z) = sqrt(pi/(2z)) J_(l+1/2)(z).
Partials by central differences on a 3 x 3 grid in (c, x), step 1e-17. The value and
the x-derivative are checked against scipy's (1e-10). Rerun from the repository root (a
few minutes):

    python tests/generate_spheroidal_references.py

It overwrites tests/data/spheroidal.json: rows [name, m, n, c, x, y, y', y_c, y_cc, y_cx,
y'_c, y'_cc, y'_cx] (y' = dy/dx), rounded to float64.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import scipy.special as sc
from generate_characteristic_references import spheroidal_recurrence
from mpmath import mp, mpf

OUT = Path(__file__).parent / "data" / "spheroidal.json"
DPS = 70
H = mpf(10) ** -17

POINTS = {
    "pro_ang1": [
        (0, 0, 1.5, 0.3),
        (1, 2, 0.5, -0.7),
        (2, 3, 2.5, -0.4),
        (1, 1, 4.0, 0.6),
        (0, 2, 10.0, 0.5),
        (2, 5, 15.0, 0.9),
    ],
    "obl_ang1": [
        (0, 0, 1.5, 0.3),
        (1, 2, 0.5, -0.7),
        (2, 3, 2.5, -0.4),
        (1, 1, 4.0, 0.6),
        (0, 2, 10.0, 0.5),
        (3, 4, 6.0, 0.95),
    ],
    "pro_rad1": [
        (0, 0, 1.5, 1.3),
        (1, 2, 0.5, 2.0),
        (2, 3, 2.5, 1.1),
        (1, 1, 4.0, 3.5),
        (0, 2, 10.0, 1.5),
        (3, 4, 6.0, 1.2),
    ],
    "obl_rad1": [
        (0, 0, 1.5, 0.3),
        (1, 2, 0.5, 2.0),
        (2, 3, 2.5, 1.1),
        (1, 1, 4.0, 0.5),
        (0, 2, 10.0, 1.5),
        (3, 4, 6.0, 2.5),
    ],
}


def rows_for(c: float) -> int:
    return 30 + int(c)


@functools.cache
def coefficients(m: int, n: int, sign: int, c: Any, rows: int, prec: int) -> list[Any]:
    """d_r (any scale): the eigenvector of the symmetrized recurrence, the (n - m)//2-th
    eigenvalue in order, unsymmetrized (v_k = u_k / D_k, D_(k+1)/D_k =
    sqrt(alpha_r/gamma_(r+2)))."""
    parity = (n - m) % 2
    t = sign * c * c

    matrix = mp.zeros(rows)
    scale = [mpf(1)]
    for k in range(rows):
        r = 2 * k + parity
        alpha, beta, _ = spheroidal_recurrence(m, r)
        matrix[k, k] = (m + r) * (m + r + 1) + beta * t
        if k + 1 < rows:
            gamma = spheroidal_recurrence(m, r + 2)[2]
            matrix[k, k + 1] = matrix[k + 1, k] = t * mp.sqrt(alpha * gamma)
            scale.append(scale[-1] * mp.sqrt(alpha / gamma))
    values, vectors = mp.eigsy(matrix)
    order = sorted(range(rows), key=lambda i: values[i])
    column = order[(n - m) // 2]
    return [vectors[k, column] / scale[k] for k in range(rows)]


@functools.cache
def legendre(m: int, top: int, x: Any, prec: int) -> list[Any]:
    """P^m_l(x), l = 0 .. top (0 below m), without the Condon-Shortley phase: the upward
    recurrence (l - m) P_l = (2l - 1) x P_(l-1) - (l + m - 1) P_(l-2) from
    P^m_m = (2m - 1)!! (1 - x^2)^(m/2), its last value checked against mpmath's legenp
    (hypergeometric) to 1e-(DPS - 10)."""
    out = [mpf(0)] * (top + 1)
    out[m] = mp.fac2(2 * m - 1) * (1 - x * x) ** (mpf(m) / 2)
    for ell in range(m + 1, top + 1):
        out[ell] = ((2 * ell - 1) * x * out[ell - 1] - (ell + m - 1) * out[ell - 2]) / (ell - m)
    last = top - (top - m) % 2 if x == 0 else top  # (not an exact 0: legenp fails there)
    check = (-1) ** m * mp.legenp(last, m, x)
    assert abs(out[last] - check) <= mpf(10) ** (10 - DPS) * max(abs(check), 1), (m, last, x)
    return out


def angular(m: int, n: int, sign: int, c: Any, x: Any) -> Any:
    rows = rows_for(float(c))
    d = coefficients(m, n, sign, c, rows, mp.prec)
    parity = (n - m) % 2
    degrees = [m + 2 * k + parity for k in range(rows)]
    at_zero = legendre(m, degrees[-1], mpf(0), mp.prec)
    if parity:  # P^m_l'(0) = (l + m) P^m_(l-1)(0) (A&S 8.5.4: (1 - x^2) P' = (l + m) P_(l-1)
        # - l x P_l)
        weights = [(ell + m) * at_zero[ell - 1] for ell in degrees]
    else:
        weights = [at_zero[ell] for ell in degrees]
    norm = sum(u * w for u, w in zip(d, weights, strict=True)) / weights[(n - m) // 2]
    at_x = legendre(m, degrees[-1], x, mp.prec)
    return sum(u * at_x[ell] for u, ell in zip(d, degrees, strict=True)) / norm


def radial(m: int, n: int, sign: int, c: Any, x: Any) -> Any:
    rows = rows_for(float(c))
    d = coefficients(m, n, sign, c, rows, mp.prec)
    parity = (n - m) % 2
    total = norm = mpf(0)
    for k, u in enumerate(d):
        r = 2 * k + parity
        weight = u * mp.factorial(2 * m + r) / mp.factorial(r)
        z = c * x
        bessel = mp.sqrt(mp.pi / (2 * z)) * mp.besselj(m + r + mpf(1) / 2, z)
        total += (-1) ** ((r + m - n) // 2) * weight * bessel
        norm += weight
    return (1 - sign / (x * x)) ** (mpf(m) / 2) * total / norm


def partials(g: Any, c: Any, x: Any) -> list[Any]:
    """[g, g_x, g_c, g_cc, g_cx, g_ccx, g_cxx] by central differences on the 3 x 3 grid
    around (c, x), step H (truncation ~H^2, rounding ~10^-DPS / H^3: both below 1e-40)."""
    f = [[g(c + i * H, x + k * H) for k in (-1, 0, 1)] for i in (-1, 0, 1)]

    def dx(row: list[Any]) -> Any:
        return (row[2] - row[0]) / (2 * H)

    def dxx(row: list[Any]) -> Any:
        return (row[2] - 2 * row[1] + row[0]) / H**2

    return [
        f[1][1],
        dx(f[1]),
        (f[2][1] - f[0][1]) / (2 * H),
        (f[2][1] - 2 * f[1][1] + f[0][1]) / H**2,
        (dx(f[2]) - dx(f[0])) / (2 * H),
        (dx(f[2]) - 2 * dx(f[1]) + dx(f[0])) / H**2,
        (dxx(f[2]) - dxx(f[0])) / (2 * H),
    ]


def main() -> None:
    mp.dps = DPS
    data = []
    for name, points in POINTS.items():
        sign = 1 if name.startswith("pro") else -1
        f = radial if "rad" in name else angular
        for m, n, c, x in points:
            g = functools.partial(f, m, n, sign)
            value, slope, y_c, y_cc, y_cx, yp_cc, yp_cx = partials(g, mpf(c), mpf(x))
            row = [float(p) for p in (value, slope, y_c, y_cc, y_cx, y_cx, yp_cc, yp_cx)]
            want = getattr(sc, name)(m, n, c, x)
            for ours, theirs in zip(row[:2], want, strict=True):
                assert abs(ours - theirs) <= 1e-10 * max(abs(theirs), 1), (name, m, n, c, x)
            data.append([name, m, n, c, x, *row])
            print(data[-1], flush=True)
    OUT.write_text(json.dumps({"functions": data}, indent=1) + "\n")


if __name__ == "__main__":
    main()
