// expm of stacks of small matrices, with Frechet derivatives, for linalg.expm.
//
// The same run as linalg._expm_and_frechet_numpy, step for step: scaling and squaring
// with the degree-13 Pade approximant (Higham 2005; s squarings from the largest
// 1-norm of the stack), each step differentiated beside it (Al-Mohy & Higham 2009):
//   A2 = A A, A4 = A2 A2, A6 = A2 A4;  S_i = c_i0 A6 + c_i1 A4 + c_i2 A2 + c_i3 I
//   W = A6 S0 + S1, V = A6 S2 + S3, U = A W;  Q R = P with Q = V - U, P = V + U
//   dR = Q^-1 dP - (Q^-1 dQ) R;  then s times dR <- R dR + dR R, R <- R R.
// On a 4x4 matrix the numpy path is ~38 calls of ~1 us each and the arithmetic is a few
// hundred multiply-adds, so here it is plain loops: products summed in index order and
// a partial-pivoting LU (LAPACK's pivot choice, |re| + |im|). The results agree with
// numpy's BLAS/LAPACK run to rounding, not bit for bit (tests/test_expm_kernel.py
// states the bound).
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <utility>
#include <vector>

#include "hyperdiff/products.hpp"

namespace hyperdiff::small_matrix {

using Index = std::ptrdiff_t;

using detail::times;  // the plain complex product (products.hpp)

// |x| as numpy's abs computes it (hypot for complex), and LAPACK's pivot size.
template <class T>
inline auto magnitude(T x) {
  return std::abs(x);
}
template <class T>
inline auto pivot_size(T x) {
  return std::abs(std::real(x)) + std::abs(std::imag(x));
}

// c = a b + add (add may be null), n x n row-major; c aliases none of a, b.
template <class T>
void multiply(T* c, const T* a, const T* b, const T* add, Index n) {
  for (Index r = 0; r < n; ++r) {
    for (Index q = 0; q < n; ++q) {
      T sum = T(0);
      for (Index j = 0; j < n; ++j) sum += times(a[r * n + j], b[j * n + q]);
      c[r * n + q] = add != nullptr ? sum + add[r * n + q] : sum;
    }
  }
}

// c = a b + d e (the product rule's two terms), n x n.
template <class T>
void product_rule(T* c, const T* a, const T* b, const T* d, const T* e, Index n) {
  for (Index r = 0; r < n; ++r) {
    for (Index q = 0; q < n; ++q) {
      T first = T(0), second = T(0);
      for (Index j = 0; j < n; ++j) {
        first += times(a[r * n + j], b[j * n + q]);
        second += times(d[r * n + j], e[j * n + q]);
      }
      c[r * n + q] = first + second;
    }
  }
}

// LU with partial pivoting of q in place (row-major), rows swapped as recorded in
// pivots; false when a pivot is exactly zero (LAPACK's "singular").
template <class T>
bool factor(T* q, Index* pivots, Index n) {
  for (Index c = 0; c < n; ++c) {
    Index best = c;
    for (Index r = c + 1; r < n; ++r) {
      if (pivot_size(q[r * n + c]) > pivot_size(q[best * n + c])) best = r;
    }
    pivots[c] = best;
    if (q[best * n + c] == T(0)) return false;
    if (best != c) {
      for (Index j = 0; j < n; ++j) std::swap(q[c * n + j], q[best * n + j]);
    }
    const T inverse = T(1) / q[c * n + c];
    for (Index r = c + 1; r < n; ++r) {
      const T l = q[r * n + c] = times(q[r * n + c], inverse);
      for (Index j = c + 1; j < n; ++j) q[r * n + j] -= times(l, q[c * n + j]);
    }
  }
  return true;
}

// x <- Q^-1 x for an n x n right-hand side x, from factor's LU and pivots.
template <class T>
void solve(const T* lu, const Index* pivots, T* x, Index n) {
  for (Index c = 0; c < n; ++c) {
    if (pivots[c] != c) {
      for (Index j = 0; j < n; ++j) std::swap(x[c * n + j], x[pivots[c] * n + j]);
    }
  }
  for (Index r = 1; r < n; ++r) {  // L (unit diagonal)
    for (Index c = 0; c < r; ++c) {
      for (Index j = 0; j < n; ++j) x[r * n + j] -= times(lu[r * n + c], x[c * n + j]);
    }
  }
  for (Index r = n - 1; r >= 0; --r) {  // U
    for (Index c = r + 1; c < n; ++c) {
      for (Index j = 0; j < n; ++j) x[r * n + j] -= times(lu[r * n + c], x[c * n + j]);
    }
    for (Index j = 0; j < n; ++j) x[r * n + j] /= lu[r * n + r];
  }
}

// The number of squarings for the largest column-abs-sum of the stack (numpy's
// np.abs(a).sum(axis=-2).max(), rows added in order), or -1 when it is not finite.
template <class T>
int squarings(const T* a, Index matrices, Index n, double theta) {
  using Real = decltype(magnitude(T()));
  Real largest = 0;
  Vector<Real> columns(static_cast<std::size_t>(n));
  for (Index m = 0; m < matrices; ++m) {
    const T* x = a + m * n * n;
    for (Index q = 0; q < n; ++q) columns[q] = magnitude(x[q]);
    for (Index r = 1; r < n; ++r) {
      for (Index q = 0; q < n; ++q) columns[q] += magnitude(x[r * n + q]);
    }
    for (Index q = 0; q < n; ++q) {
      if (!(columns[q] <= largest)) largest = columns[q];  // nan propagates
    }
  }
  const double norm = static_cast<double>(largest);
  if (!std::isfinite(norm)) return -1;
  return norm > 0 ? std::max(0, static_cast<int>(std::ceil(std::log2(norm / theta)))) : 0;
}

// expm of `matrices` n x n matrices at a (C order) into r, and with k > 0 the Frechet
// derivatives along directions (k, matrices, n, n) into dr (same shape). coefficients
// is linalg._pade_sums (rows S0, S2, S1, S3 over A6, A4, A2, I). False, with nothing
// meaningful written, where the numpy path must decide: a non-finite norm, a singular Q.
template <class T>
bool expm_frechet(const T* a, const T* directions, T* r, T* dr, Index matrices, Index n, Index k,
                  const T* coefficients, double theta) {
  const int s = squarings(a, matrices, n, theta);
  if (s < 0) return false;
  using Real = decltype(magnitude(T()));
  const Real divisor = static_cast<Real>(std::ldexp(1.0, s));
  const Index nn = n * n;
  // value work: A, A2, A4, A6, S0, S2, S1, S3, W, V, U, Q; then 2k + 1 right-hand sides;
  // derivative work per direction: E, d2, d4, d6, dS0, dS2, dS1, dS3, dW, dV, dU, spare
  Vector<T> work(static_cast<std::size_t>((12 + 2 * k + 1 + 12) * nn));
  Vector<Index> pivots(static_cast<std::size_t>(n));
  T *x = work.data(), *a2 = x + nn, *a4 = a2 + nn, *a6 = a4 + nn, *sums = a6 + nn;
  T *w = sums + 4 * nn, *v = w + nn, *u = v + nn, *q = u + nn, *rhs = q + nn;
  T *e = rhs + (2 * k + 1) * nn, *d2 = e + nn, *d4 = d2 + nn, *d6 = d4 + nn, *ds = d6 + nn;
  T *dw = ds + 4 * nn, *dv = dw + nn, *du = dv + nn, *spare = du + nn;
  const auto scale_into = [&](T* to, const T* from) {
    for (Index i = 0; i < nn; ++i) to[i] = from[i] / divisor;  // exact: a power of two
  };
  for (Index m = 0; m < matrices; ++m) {
    scale_into(x, a + m * nn);
    multiply(a2, x, x, static_cast<const T*>(nullptr), n);
    multiply(a4, a2, a2, static_cast<const T*>(nullptr), n);
    multiply(a6, a2, a4, static_cast<const T*>(nullptr), n);
    for (Index i = 0; i < 4; ++i) {
      for (Index j = 0; j < nn; ++j) {
        const T unit = j % (n + 1) == 0 ? T(1) : T(0);
        const T* c = coefficients + 4 * i;
        sums[i * nn + j] =
            times(c[0], a6[j]) + times(c[1], a4[j]) + times(c[2], a2[j]) + times(c[3], unit);
      }
    }
    multiply(w, a6, sums, sums + 2 * nn, n);       // W = A6 S0 + S1
    multiply(v, a6, sums + nn, sums + 3 * nn, n);  // V = A6 S2 + S3
    multiply(u, x, w, static_cast<const T*>(nullptr), n);
    for (Index i = 0; i < nn; ++i) q[i] = v[i] - u[i], rhs[i] = v[i] + u[i];
    for (Index d = 0; d < k; ++d) {
      scale_into(e, directions + (d * matrices + m) * nn);
      product_rule(d2, x, e, e, x, n);
      product_rule(d4, a2, d2, d2, a2, n);
      product_rule(d6, a2, d4, d2, a4, n);
      for (Index i = 0; i < 4; ++i) {
        const T* c = coefficients + 4 * i;
        for (Index j = 0; j < nn; ++j) {
          ds[i * nn + j] = times(c[0], d6[j]) + times(c[1], d4[j]) + times(c[2], d2[j]);
        }
      }
      // dW = d6 S0 + A6 dS0 + dS1, dV = d6 S2 + A6 dS2 + dS3
      product_rule(dw, d6, sums, a6, ds, n);
      product_rule(dv, d6, sums + nn, a6, ds + nn, n);
      for (Index i = 0; i < nn; ++i) dw[i] += ds[2 * nn + i], dv[i] += ds[3 * nn + i];
      product_rule(du, e, w, x, dw, n);  // dU = E W + A dW
      T* dp = rhs + (1 + d) * nn;
      T* dq = rhs + (1 + k + d) * nn;
      for (Index i = 0; i < nn; ++i) dp[i] = dv[i] + du[i], dq[i] = dv[i] - du[i];
    }
    if (!factor(q, pivots.data(), n)) return false;
    for (Index j = 0; j < 2 * k + 1; ++j) solve(q, pivots.data(), rhs + j * nn, n);
    T* value = r + m * nn;
    for (Index i = 0; i < nn; ++i) value[i] = rhs[i];
    for (Index d = 0; d < k; ++d) {  // dR = Q^-1 dP - (Q^-1 dQ) R
      T* part = dr + (d * matrices + m) * nn;
      multiply(spare, rhs + (1 + k + d) * nn, value, static_cast<const T*>(nullptr), n);
      for (Index i = 0; i < nn; ++i) part[i] = rhs[(1 + d) * nn + i] - spare[i];
    }
    for (int step = 0; step < s; ++step) {
      for (Index d = 0; d < k; ++d) {
        T* part = dr + (d * matrices + m) * nn;
        product_rule(spare, value, part, part, value, n);
        for (Index i = 0; i < nn; ++i) part[i] = spare[i];
      }
      multiply(spare, value, value, static_cast<const T*>(nullptr), n);
      for (Index i = 0; i < nn; ++i) value[i] = spare[i];
    }
  }
  return true;
}

}  // namespace hyperdiff::small_matrix
