// The outer product of two dual vectors in a kind's algebra, every part plane in one
// pass: with x = x0 + sum_k x_k e_k (+ pairs) and y alike, row i of part plane k is
//   x0_i y_k + x_k,i y0                                   every part plane k
//   ... + (x_a,i y_b + x_b,i y_a)                          a second-order plane (a, b)
// with numpy's order of those operations, so the bits are numpy's elementwise formula
// (x0[:, None] * y_k + x_k[:, None] * y0, plus the pair's two products). One write of
// the output: T5's Jacobian of outer(x, x) is 8 MB of planes, which the stacked
// (m x 2)(2 x p) matmuls wrote in about twice the time of a fill.
//
// Compiled in the binding (no kernel table: nothing else includes it), with a clone for
// x86-64-v3 picked at load on GCC (the baseline's SSE2 is compute-bound here, AVX2 is
// at the store rate) and no fused multiply-adds (numpy's bits).
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>

#include "hyperdiff/products.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HYPERDIFF_OUTER_CLONES \
  __attribute__((target_clones("arch=x86-64-v3", "default"), optimize("fp-contract=off")))
#else
#define HYPERDIFF_OUTER_CLONES
#endif

namespace hyperdiff::outer_products {

using Index = std::ptrdiff_t;

using detail::times;  // numpy's plain complex product (products.hpp)

// Planes 1 .. planes - 1 of out (planes, m, p) = outer(x, y) for x (planes, m) and y
// (planes, p), all C order, in the algebra of the layout: `first` first-order planes,
// pairs[2q], pairs[2q + 1] the first-order indices of plane 1 + first + q. Plane 0 (the
// value, numpy's np.outer) is left as it is.
template <class T>
HYPERDIFF_OUTER_CLONES void outer_parts(T* out, const T* x, const T* y, Index planes, Index m,
                                        Index p, Index first, const std::int64_t* pairs) {
  for (Index k = 1; k < planes; ++k) {
    const T *xk = x + k * m, *yk = y + k * p;
    const bool pair = k > first;
    const Index a = pair ? 1 + pairs[2 * (k - 1 - first)] : 0;
    const Index b = pair ? 1 + pairs[2 * (k - 1 - first) + 1] : 0;
    const T *ya = y + a * p, *yb = y + b * p;
    for (Index i = 0; i < m; ++i) {
      T* row = out + (k * m + i) * p;
      const T x0 = x[i], xki = xk[i];
      if (!pair) {
        for (Index j = 0; j < p; ++j) row[j] = times(x0, yk[j]) + times(xki, y[j]);
      } else {
        const T xa = x[a * m + i], xb = x[b * m + i];
        for (Index j = 0; j < p; ++j) {
          row[j] = (times(x0, yk[j]) + times(xki, y[j])) + (times(xa, yb[j]) + times(xb, ya[j]));
        }
      }
    }
  }
}

}  // namespace hyperdiff::outer_products
