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

#include <algorithm>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <fstream>

#include "hyperdiff/products.hpp"
#include "hyperdiff/stream.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HYPERDIFF_OUTER_CLONES \
  __attribute__((target_clones("arch=x86-64-v3", "default"), optimize("fp-contract=off")))
// (inlined into both clones; the same optimize attribute, or GCC declines to inline)
#define HYPERDIFF_OUTER_INLINE __attribute__((always_inline, optimize("fp-contract=off"))) inline
#else
#define HYPERDIFF_OUTER_CLONES
#define HYPERDIFF_OUTER_INLINE inline
#endif

namespace hyperdiff::outer_products {

using Index = std::ptrdiff_t;

using detail::times;  // numpy's plain complex product (products.hpp)

// Planes 1 .. planes - 1 of out (planes, m, p) = outer(x, y) for x (planes, m) and y
// (planes, p), all C order, in the algebra of the layout: `first` first-order planes,
// pairs[2q], pairs[2q + 1] the first-order indices of plane 1 + first + q. Plane 0 (the
// value, numpy's np.outer) is left as it is.
// One row of part plane k, columns [j0, j1), into row[0, j1 - j0).
template <class T>
HYPERDIFF_OUTER_INLINE void outer_row(T* row, const T* x, const T* y, Index m, Index p, Index k,
                                      Index i, Index a, Index b, bool pair, Index j0, Index j1) {
  const T *yk = y + k * p, *ya = y + a * p, *yb = y + b * p;
  const T x0 = x[i], xki = x[k * m + i];
  if (!pair) {
    for (Index j = j0; j < j1; ++j) row[j - j0] = times(x0, yk[j]) + times(xki, y[j]);
  } else {
    const T xa = x[a * m + i], xb = x[b * m + i];
    for (Index j = j0; j < j1; ++j) {
      row[j - j0] = (times(x0, yk[j]) + times(xki, y[j])) + (times(xa, yb[j]) + times(xb, ya[j]));
    }
  }
}

// The output size from which outer_parts streams: half the last-level cache, and at
// least half the elementwise kernels' size (the two vectors read leave the cache to
// the output). With an 8 MB L3 (AVX2 EPYC) T5's 8.0 MB of planes took 0.84 ms streamed
// against 1.16 stored (which reads each line before writing it), 3 to 6 MB ran alike;
// with a 32 MB L3 (AVX-512 EPYC) the same planes took 0.36 ms streamed against 0.17
// stored: they stay in cache for the Jacobian read next. From 17 MB both ran alike.
// (a reference: _core.outer_stream_bytes sets it, so tests reach both paths)
inline std::size_t& stream_from_bytes() {
  static std::size_t bytes = [] {
    // one core's L3 as Linux describes it ("32768K"); glibc's sysconf gives the whole
    // package's (320 MB on that EPYC), which no core reaches
    std::size_t cache = 0;
    std::ifstream size("/sys/devices/system/cpu/cpu0/cache/index3/size");
    char unit = 0;
    if (size >> cache >> unit) cache *= unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : 1;
    return std::max(kStreamBytes, cache) / 2;
  }();
  return bytes;
}

// Part planes 1.. of out; a large output is streamed (stream.hpp, stream_from_bytes).
template <class T>
HYPERDIFF_OUTER_CLONES void outer_parts(T* out, const T* x, const T* y, Index planes, Index m,
                                        Index p, Index first, const std::int64_t* pairs) {
  constexpr std::size_t kStage = 2048;
  alignas(64) T stage[kStage];
  detail::StreamedRange<T> streamed(out + m * p, stage, kStage);
  const bool stream = detail::kCanStream && (planes - 1) * m * p * sizeof(T) >= stream_from_bytes();
  for (Index k = 1; k < planes; ++k) {
    const bool pair = k > first;
    const Index a = pair ? 1 + pairs[2 * (k - 1 - first)] : 0;
    const Index b = pair ? 1 + pairs[2 * (k - 1 - first) + 1] : 0;
    for (Index i = 0; i < m; ++i) {
      if (!stream) {
        outer_row(out + (k * m + i) * p, x, y, m, p, k, i, a, b, pair, 0, p);
        continue;
      }
      for (Index j0 = 0; j0 < p; j0 += Index(streamed.room())) {
        const Index j1 = std::min(p, j0 + Index(streamed.room()));
        outer_row(streamed.take(std::size_t(j1 - j0)), x, y, m, p, k, i, a, b, pair, j0, j1);
      }
    }
  }
  if (stream) {
    streamed.finish();
    detail::stream_fence();
  }
}

}  // namespace hyperdiff::outer_products
